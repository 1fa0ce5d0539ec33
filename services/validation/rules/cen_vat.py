"""EN16931 VAT category rules (UBL binding): the BR-S, BR-Z, BR-E, BR-AE, BR-IC (code K), BR-G,
BR-O, BR-IG (code L, IGIC) and BR-IP (code M, IPSI) families.

Every family has the same ten-rule shape, written once here and instantiated per category:

* ``-01`` (document): a line, allowance or charge with the category needs the category in the VAT
  breakdown (exactly once; for S, IGIC and IPSI at least once);
* ``-02`` … ``-04`` (document): which party identifiers must (or, for O, must not) be present when
  a line / document level allowance / document level charge uses the category;
* ``-05`` … ``-07`` (each line ``ClassifiedTaxCategory``, each allowance and each charge
  ``TaxCategory``): the rate the category allows;
* ``-08`` … ``-10`` (each VAT breakdown ``TaxSubtotal/TaxCategory``): the taxable amount, the tax
  amount and the exemption reason.

BR-IC-11/12 and BR-O-11…14 are extra document-level rules. The arithmetic follows the official
rule texts (validation 1.3.x): BR-S-08, BR-IG-08 and BR-IP-08 compare per rate and accept a
difference below 1 (one currency unit, strictly), BR-S-09/IG-09/IP-09 compare the tax amount with
round(|taxable| * rate / 100, 2) with the same tolerance; the other families' taxable amounts
must match exactly and their tax amounts must be 0. Decimal throughout; XPath ``round`` is
half-up, which on the absolute value is ``ROUND_HALF_UP``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from services.validation.rules.engine import NS, Doc, per_document, rule

Element = etree._Element
CENT = Decimal("0.01")
ONE = Decimal(1)


# --------------------------------------------------------------------------------------------
# Reading helpers (the official tests exercise odd documents: be lenient, never raise)


def _norm(value: str | None) -> str:
    return " ".join((value or "").split())


def _code(doc: Doc, category: Element) -> str:
    """normalize-space(cbc:ID) of a tax category."""
    return _norm(doc.text("cbc:ID", category))


def _is_vat(doc: Doc, category: Element) -> bool:
    """The category belongs to the VAT scheme (cac:TaxScheme/cbc:ID = 'VAT', case-insensitive)."""
    return any(
        _norm(str(item if isinstance(item, str) else item.text)).upper() == "VAT"
        for item in doc.xpath("cac:TaxScheme/cbc:ID", category)
    )


def _number(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _percent(doc: Doc, category: Element) -> Decimal | None:
    return _number(doc.text("cbc:Percent", category))


def _amount(doc: Doc, path: str, node: Element) -> Decimal | None:
    return _number(doc.text(path, node))


def _indicator(doc: Doc, allowance_charge: Element) -> bool | None:
    """cbc:ChargeIndicator as xs:boolean: True for a charge, False for an allowance."""
    raw = _norm(doc.text("cbc:ChargeIndicator", allowance_charge)).lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(raw)


def _xpath_round(value: Decimal) -> Decimal:
    """XPath round(x * 100) div 100 for x >= 0."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _line_categories(doc: Doc) -> list[Element]:
    """Every ClassifiedTaxCategory (//cac:ClassifiedTaxCategory)."""
    return doc.nodes("//cac:ClassifiedTaxCategory")


def _line_rule_categories(doc: Doc) -> list[Element]:
    """Line item categories as the -05 rules address them (Invoice and CreditNote lines)."""
    return doc.nodes(
        "//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory"
        " | //cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory"
    )


def _allowance_charge_categories(
    doc: Doc, charge: bool | None, *, root_only: bool = False
) -> list[Element]:
    """TaxCategory of AllowanceCharge elements (anywhere, or on the document root only) with the
    given indicator (None: both)."""
    path = "cac:AllowanceCharge" if root_only else "//cac:AllowanceCharge"
    found = []
    for allowance_charge in doc.nodes(path):
        if charge is not None and _indicator(doc, allowance_charge) is not charge:
            continue
        found.extend(doc.nodes("cac:TaxCategory", allowance_charge))
    return found


def _breakdown_categories(doc: Doc) -> list[Element]:
    """The document's own VAT breakdown categories (cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory
    of the root)."""
    return doc.nodes("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")


def _breakdown_rule_categories(doc: Doc) -> list[Element]:
    """VAT breakdown categories as the -08…-10 rules address them (any TaxTotal)."""
    return doc.nodes("//cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")


def _with_code(
    doc: Doc, categories: Iterable[Element], code: str, *, vat: bool = True
) -> list[Element]:
    facts = _category_facts(doc)
    found = []
    for category in categories:
        fact = facts.get(category)
        if fact is None:  # not a TaxCategory or ClassifiedTaxCategory: asked directly
            fact = (_code(doc, category), _is_vat(doc, category))
        if fact[0] == code and (not vat or fact[1]):
            found.append(category)
    return found


_CATEGORY_TAGS = (f"{{{NS['cac']}}}TaxCategory", f"{{{NS['cac']}}}ClassifiedTaxCategory")


@per_document
def _codes_in_use(doc: Doc) -> frozenset[str]:
    """The code of every TaxCategory and ClassifiedTaxCategory in the whole tree. Every rule of
    a family looks only at categories with the family's code (lines, allowances, charges or the
    breakdown, all of them among these), so a family whose code is not here cannot fire."""
    return frozenset(code for code, _ in _category_facts(doc).values())


@per_document
def _category_facts(doc: Doc) -> dict[Element, tuple[str, bool]]:
    """Each TaxCategory and ClassifiedTaxCategory of the tree: its code and whether it is in
    the VAT scheme. Every family's rules ask both of the same categories, several times over."""
    tree = doc.root.getroottree()
    return {
        category: (_code(doc, category), _is_vat(doc, category))
        for category in tree.iter(*_CATEGORY_TAGS)
    }


def _when_used(code: str, check: Callable[[Doc], Iterator[str]]) -> Callable[[Doc], Iterable[str]]:
    """The check, skipped outright on documents that never use the category code (most
    families on most documents: no generator is started for them)."""

    def gated(doc: Doc) -> Iterable[str]:
        if code in _codes_in_use(doc):
            return check(doc)
        return ()

    gated.__name__ = gated.__qualname__ = check.__name__
    return gated


# Party identifiers ------------------------------------------------------------------------------

SELLER = "//cac:AccountingSupplierParty/cac:Party"
BUYER = "//cac:AccountingCustomerParty/cac:Party"
TAX_REPRESENTATIVE = "//cac:TaxRepresentativeParty"


def _vat_company_ids(doc: Doc, party_path: str) -> bool:
    """exists(party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID)."""
    return any(
        _is_vat(doc, scheme) and doc.exists("cbc:CompanyID", scheme)
        for scheme in doc.nodes(f"{party_path}/cac:PartyTaxScheme")
    )


def _seller_any_tax_id(doc: Doc) -> bool:
    """Seller VAT identifier (BT-31) or tax registration identifier (BT-32): any PartyTaxScheme."""
    return doc.exists(f"{SELLER}/cac:PartyTaxScheme/cbc:CompanyID")


def _seller_side(doc: Doc) -> bool:
    """BT-31, BT-32 or the tax representative's VAT identifier (BT-63)."""
    return _seller_any_tax_id(doc) or _vat_company_ids(doc, TAX_REPRESENTATIVE)


def _seller_side_vat(doc: Doc) -> bool:
    """BT-31 or BT-63 (VAT scheme only)."""
    return _vat_company_ids(doc, SELLER) or _vat_company_ids(doc, TAX_REPRESENTATIVE)


def _buyer_vat_or_legal(doc: Doc) -> bool:
    """Buyer VAT identifier (BT-48) or Buyer legal registration identifier (BT-47)."""
    return _vat_company_ids(doc, BUYER) or doc.exists(f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID")


def _no_vat_ids(doc: Doc) -> bool:
    """None of BT-31, BT-63, BT-48 (what 'Not subject to VAT' requires)."""
    return not (
        _vat_company_ids(doc, SELLER)
        or _vat_company_ids(doc, TAX_REPRESENTATIVE)
        or _vat_company_ids(doc, BUYER)
    )


# --------------------------------------------------------------------------------------------
# Family descriptions


@dataclass(frozen=True)
class Family:
    prefix: str  # rule id prefix: "BR-S"
    code: str  # UNCL5305 code: "S"
    en: str  # official English name: "Standard rated"
    nb: str  # Norwegian name for the supplier: "standard sats (S)"
    at_least_one: bool  # -01: at least one breakdown (S, L, M) rather than exactly one
    parties: Callable[[Doc], bool]  # -02…-04: the identifier requirement holds
    parties_en: str
    parties_nb: str
    rate: str  # "positive", "zero", "non-negative", "absent"
    per_rate: bool  # -08/-09 per rate with tolerance (S, L, M) or exact with tax 0
    exemption: bool  # -10: exemption reason required (True) or forbidden (False)


SELLER_IDS_EN = (
    "shall contain the Seller VAT identifier (BT-31), the Seller tax registration identifier "
    "(BT-32) and/or the Seller tax representative VAT identifier (BT-63)"
)
SELLER_IDS_NB = (
    "må inneholde selgers MVA-nummer (BT-31), selgers skatteregistreringsnummer (BT-32) og/eller "
    "MVA-nummeret til selgers skatterepresentant (BT-63)"
)
SELLER_VAT_EN = (
    "shall contain the Seller VAT identifier (BT-31) or the Seller tax representative VAT "
    "identifier (BT-63)"
)
SELLER_VAT_NB = (
    "må inneholde selgers MVA-nummer (BT-31) eller MVA-nummeret til selgers skatterepresentant "
    "(BT-63)"
)

FAMILIES = (
    Family(
        "BR-S", "S", "Standard rated", "standard sats (S)", at_least_one=True,
        parties=_seller_side, parties_en=SELLER_IDS_EN, parties_nb=SELLER_IDS_NB,
        rate="positive", per_rate=True, exemption=False,
    ),
    Family(
        "BR-Z", "Z", "Zero rated", "nullsats (Z)", at_least_one=False,
        parties=_seller_side, parties_en=SELLER_IDS_EN, parties_nb=SELLER_IDS_NB,
        rate="zero", per_rate=False, exemption=False,
    ),
    Family(
        "BR-E", "E", "Exempt from VAT", "fritatt for merverdiavgift (E)", at_least_one=False,
        parties=_seller_side, parties_en=SELLER_IDS_EN, parties_nb=SELLER_IDS_NB,
        rate="zero", per_rate=False, exemption=True,
    ),
    Family(
        "BR-AE", "AE", "Reverse charge", "omvendt avgiftsplikt (AE)", at_least_one=False,
        parties=lambda doc: _seller_side(doc) and _buyer_vat_or_legal(doc),
        parties_en=SELLER_IDS_EN + " and the Buyer VAT identifier (BT-48) and/or the Buyer "
        "legal registration identifier (BT-47)",
        parties_nb=SELLER_IDS_NB + ", og i tillegg kjøpers MVA-nummer (BT-48) og/eller kjøpers "
        "organisasjonsnummer (BT-47)",
        rate="zero", per_rate=False, exemption=True,
    ),
    Family(
        "BR-IC", "K", "Intra-community supply", "leveranse innenfor EU/EØS (K)",
        at_least_one=False,
        parties=lambda doc: _seller_side_vat(doc) and _vat_company_ids(doc, BUYER),
        parties_en=SELLER_VAT_EN + " and the Buyer VAT identifier (BT-48)",
        parties_nb=SELLER_VAT_NB + ", og i tillegg kjøpers MVA-nummer (BT-48)",
        rate="zero", per_rate=False, exemption=True,
    ),
    Family(
        "BR-G", "G", "Export outside the EU", "eksport ut av EU (G)", at_least_one=False,
        parties=_seller_side_vat, parties_en=SELLER_VAT_EN, parties_nb=SELLER_VAT_NB,
        rate="zero", per_rate=False, exemption=True,
    ),
    Family(
        "BR-O", "O", "Not subject to VAT", "utenfor merverdiavgiftsområdet (O)",
        at_least_one=False,
        parties=_no_vat_ids,
        parties_en="shall not contain the Seller VAT identifier (BT-31), the Seller tax "
        "representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)",
        parties_nb="skal ikke inneholde selgers MVA-nummer (BT-31), MVA-nummeret til selgers "
        "skatterepresentant (BT-63) eller kjøpers MVA-nummer (BT-48)",
        rate="absent", per_rate=False, exemption=True,
    ),
    Family(
        "BR-IG", "L", "IGIC", "IGIC, Kanariøyene (L)", at_least_one=True,
        parties=_seller_side, parties_en=SELLER_IDS_EN, parties_nb=SELLER_IDS_NB,
        rate="non-negative", per_rate=True, exemption=False,
    ),
    Family(
        "BR-IP", "M", "IPSI", "IPSI, Ceuta og Melilla (M)", at_least_one=True,
        parties=_seller_side, parties_en=SELLER_IDS_EN, parties_nb=SELLER_IDS_NB,
        rate="non-negative", per_rate=True, exemption=False,
    ),
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Rule bodies, parameterised by family


def _check_breakdown_present(fam: Family) -> Callable[[Doc], Iterator[str]]:
    """-01: a line/allowance/charge with the category needs the category in the VAT breakdown."""

    def check(doc: Doc) -> Iterator[str]:
        breakdown = _breakdown_categories(doc)
        if fam.code == "S":
            # BR-S-01 counts categories of any scheme.
            used = len(_with_code(doc, _allowance_charge_categories(doc, None), "S", vat=False))
            used += len(_with_code(doc, _line_categories(doc), "S", vat=False))
            listed = len(_with_code(doc, breakdown, "S", vat=False))
            ok = (used > 0 and listed > 0) or (used == 0 and listed == 0)
        elif fam.at_least_one:
            # BR-IG-01 / BR-IP-01: at least one breakdown with the code.
            used = len(_with_code(doc, _allowance_charge_categories(doc, None), fam.code))
            used += len(_with_code(doc, _line_categories(doc), fam.code))
            loose = [c for c in breakdown if doc.text("cbc:ID", c) == fam.code]
            strict = _with_code(doc, breakdown, fam.code)
            ok = (used > 0 and len(loose) > 0) or (used == 0 and len(strict) == 0)
        else:
            # Exactly one breakdown; any VAT category anywhere (breakdowns included) counts as use.
            used_anywhere = bool(
                _with_code(doc, doc.nodes("//cac:TaxCategory"), fam.code)
                or _with_code(doc, _line_categories(doc), fam.code)
            )
            ok = not used_anywhere or len(_with_code(doc, breakdown, fam.code)) == 1
        if not ok:
            yield doc.location()

    return check


def _check_parties(fam: Family, where: str) -> Callable[[Doc], Iterator[str]]:
    """-02 (lines), -03 (allowances), -04 (charges): party identifiers."""

    def check(doc: Doc) -> Iterator[str]:
        if where == "line":
            used = _with_code(doc, _line_categories(doc), fam.code)
            # BR-S-02 also fails an S line outside the VAT scheme.
            if (
                fam.code == "S"
                and not used
                and _with_code(doc, _line_categories(doc), "S", vat=False)
            ):
                yield doc.location()
                return
        else:
            charge = where == "charge"
            used = _with_code(
                doc, _allowance_charge_categories(doc, charge, root_only=fam.code == "O"), fam.code
            )
        if used and not fam.parties(doc):
            yield doc.location()

    return check


def _rate_ok(fam: Family, doc: Doc, category: Element) -> bool:
    if fam.rate == "absent":
        return not doc.exists("cbc:Percent", category)
    rate = _percent(doc, category)
    if rate is None:
        return False
    if fam.rate == "positive":
        return rate > 0
    if fam.rate == "zero":
        return rate == 0
    return rate >= 0


def _check_rate(fam: Family, where: str) -> Callable[[Doc], Iterator[str]]:
    """-05 (each line category), -06 (each allowance), -07 (each charge): the allowed rate."""

    def check(doc: Doc) -> Iterator[str]:
        if where == "line":
            categories = _line_rule_categories(doc)
        else:
            categories = _allowance_charge_categories(doc, where == "charge")
        for category in _with_code(doc, categories, fam.code):
            if not _rate_ok(fam, doc, category):
                yield doc.location(category)

    return check


def _base(category: Element) -> Element | None:
    """../../.. of a breakdown TaxCategory: the document (or whatever holds the TaxTotal)."""
    subtotal = category.getparent()
    total = subtotal.getparent() if subtotal is not None else None
    return total.getparent() if total is not None else None


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def _any_code(doc: Doc, node: Element, path: str, code: str) -> bool:
    return any(
        _norm(str(v if isinstance(v, str) else v.text)) == code
        for v in doc.xpath(f"{path}/cbc:ID", node)
    )


def _any_rate(doc: Doc, node: Element, path: str, rate: Decimal) -> bool:
    return any(
        _number(str(v if isinstance(v, str) else v.text)) == rate
        for v in doc.xpath(f"{path}/cbc:Percent", node)
    )


def _expected_taxable(
    doc: Doc, base: Element, code: str, line_tag: str, rate: Decimal | None
) -> Decimal:
    """Sum of line net + charges - allowances of the category (and rate) at ``base``."""

    def matches(node: Element, path: str) -> bool:
        return _any_code(doc, node, path, code) and (
            rate is None or _any_rate(doc, node, path, rate)
        )

    lines = [
        _amount(doc, "cbc:LineExtensionAmount", line)
        for line in doc.nodes(line_tag, base)
        if matches(line, "cac:Item/cac:ClassifiedTaxCategory")
    ]
    return _plus_charges(doc, base, code, rate, _sum(lines))


def _plus_charges(
    doc: Doc, base: Element, code: str, rate: Decimal | None, total: Decimal
) -> Decimal:
    """`total` + charges - allowances at ``base`` of the category (and rate), in document
    order (Decimal sums round: the order is kept)."""
    for allowance_charge in doc.nodes("cac:AllowanceCharge", base):
        if not (
            _any_code(doc, allowance_charge, "cac:TaxCategory", code)
            and (rate is None or _any_rate(doc, allowance_charge, "cac:TaxCategory", rate))
        ):
            continue
        amount = _amount(doc, "cbc:Amount", allowance_charge) or Decimal(0)
        indicator = _indicator(doc, allowance_charge)
        if indicator is True:
            total += amount
        elif indicator is False:
            total -= amount
    return total


def _check_taxable(fam: Family) -> Callable[[Doc], Iterator[str]]:
    """-08: the taxable amount of each breakdown of the category."""

    def check(doc: Doc) -> Iterator[str]:
        for category in _with_code(doc, _breakdown_rule_categories(doc), fam.code):
            base = _base(category)
            subtotal = category.getparent()
            taxable = _amount(doc, "cbc:TaxableAmount", subtotal) if subtotal is not None else None
            if base is None or taxable is None:
                yield doc.location(category)
                continue
            if fam.per_rate:
                ok = _taxable_per_rate_ok(doc, fam.code, category, base, taxable)
            else:
                ok = any(
                    doc.exists(f"//{tag}")
                    and taxable == _expected_taxable(doc, base, fam.code, tag, None)
                    for tag in ("cac:InvoiceLine", "cac:CreditNoteLine")
                )
            if not ok:
                yield doc.location(category)

    return check


_Pair = tuple[str, Decimal]
_LINE_TAGS = ("cac:InvoiceLine", "cac:CreditNoteLine")
_ID, _PERCENT = f"{{{NS['cbc']}}}ID", f"{{{NS['cbc']}}}Percent"
_ITEM, _TAX_CATEGORY = f"{{{NS['cac']}}}Item", f"{{{NS['cac']}}}TaxCategory"
_CLASSIFIED_TAX_CATEGORY = f"{{{NS['cac']}}}ClassifiedTaxCategory"


def _pairs(doc: Doc, categories: list[Element]) -> set[_Pair]:
    """Every (code, rate) for which `_any_code` and `_any_rate` both hold on these categories
    (the two are asked separately, of possibly different categories: the cross product)."""
    codes = {
        _norm(str(identifier.text))
        for category in categories
        for identifier in doc.children(category, _ID)
    }
    if not codes:
        return set()
    rates = {
        rate
        for category in categories
        for percent in doc.children(category, _PERCENT)
        if (rate := _number(str(percent.text))) is not None
    }
    return {(code, rate) for code in codes for rate in rates}


def _line_item_categories(doc: Doc, line: Element) -> list[Element]:
    """cac:Item/cac:ClassifiedTaxCategory of a line, in document order."""
    return [
        category
        for item in doc.children(line, _ITEM)
        for category in doc.children(item, _CLASSIFIED_TAX_CATEGORY)
    ]


@dataclass(frozen=True)
class _RateView:
    """What the per-rate -08 rules ask of lines and allowances/charges, from one pass over
    them (asking it per breakdown walked every line once per breakdown)."""

    allowance_used: frozenset[_Pair]  # (code, rate) of some //cac:AllowanceCharge
    line_used: dict[str, frozenset[_Pair]]  # line tag -> (code, rate) of some //line
    line_amounts: dict[tuple[Element | None, str], dict[_Pair, list[Decimal | None]]]
    """(parent, line tag) -> (code, rate) -> line net amounts of its matching lines, in
    document order (the order the sum takes)."""


@per_document
def _rate_view(doc: Doc) -> _RateView:
    allowance_used: set[_Pair] = set()
    for allowance_charge in doc.nodes("//cac:AllowanceCharge"):
        allowance_used |= _pairs(doc, doc.children(allowance_charge, _TAX_CATEGORY))
    line_used: dict[str, frozenset[_Pair]] = {}
    line_amounts: dict[tuple[Element | None, str], dict[_Pair, list[Decimal | None]]] = {}
    for tag in _LINE_TAGS:
        used: set[_Pair] = set()
        for line in doc.nodes(f"//{tag}"):
            pairs = _pairs(doc, _line_item_categories(doc, line))
            if not pairs:
                continue
            used |= pairs
            amount = _amount(doc, "cbc:LineExtensionAmount", line)
            groups = line_amounts.setdefault((line.getparent(), tag), {})
            for pair in pairs:
                groups.setdefault(pair, []).append(amount)
        line_used[tag] = frozenset(used)
    return _RateView(frozenset(allowance_used), line_used, line_amounts)


def _taxable_per_rate_ok(
    doc: Doc, code: str, category: Element, base: Element, taxable: Decimal
) -> bool:
    """BR-S-08 / BR-IG-08 / BR-IP-08: for the breakdown's rate, some line, allowance or charge
    uses it and the taxable amount is within (strictly) 1 of
    lines + charges - allowances."""
    rate = _percent(doc, category)
    if rate is None:
        return not doc.exists("cbc:Percent", category)  # no rate: nothing to compare
    view = _rate_view(doc)
    pair = (code, rate)
    allowance_used = pair in view.allowance_used
    for tag in _LINE_TAGS:
        if not (pair in view.line_used[tag] or allowance_used):
            continue
        amounts = view.line_amounts.get((base, tag), {}).get(pair, [])
        expected = _plus_charges(doc, base, code, rate, _sum(amounts))
        if taxable - ONE < expected < taxable + ONE:
            return True
    return False


def _check_tax(fam: Family) -> Callable[[Doc], Iterator[str]]:
    """-09: the tax amount of each breakdown of the category."""

    def check(doc: Doc) -> Iterator[str]:
        for category in _with_code(doc, _breakdown_rule_categories(doc), fam.code):
            subtotal = category.getparent()
            tax = _amount(doc, "cbc:TaxAmount", subtotal) if subtotal is not None else None
            if fam.per_rate:
                taxable = (
                    _amount(doc, "cbc:TaxableAmount", subtotal) if subtotal is not None else None
                )
                rate = _percent(doc, category)
                if tax is None or taxable is None or rate is None:
                    ok = False
                else:
                    expected = _xpath_round(abs(taxable) * rate / 100)
                    ok = abs(tax) - ONE < expected < abs(tax) + ONE
            else:
                ok = tax is not None and tax == 0
            if not ok:
                yield doc.location(category)

    return check


def _check_exemption(fam: Family) -> Callable[[Doc], Iterator[str]]:
    """-10: exemption reason (text BT-120 or code BT-121) required or forbidden."""

    def check(doc: Doc) -> Iterator[str]:
        for category in _with_code(doc, _breakdown_rule_categories(doc), fam.code):
            has_reason = doc.exists("cbc:TaxExemptionReason", category) or doc.exists(
                "cbc:TaxExemptionReasonCode", category
            )
            if has_reason is not fam.exemption:
                yield doc.location(category)

    return check


# --------------------------------------------------------------------------------------------
# Words


def _texts(fam: Family) -> dict[str, tuple[str, str]]:
    """English (close to the official text) and Norwegian message of each rule of a family."""
    en, nb = f'"{fam.en}"', fam.nb
    if fam.at_least_one:
        one_en, one_nb = (
            "at least one VAT category code (BT-118)",
            "minst én MVA-kategorikode (BT-118)",
        )
    else:
        one_en, one_nb = (
            "exactly one VAT category code (BT-118)",
            "nøyaktig én MVA-kategorikode (BT-118)",
        )
    rate_en = {
        "positive": "shall be greater than zero",
        "zero": "shall be 0 (zero)",
        "non-negative": "shall be 0 (zero) or greater than zero",
        "absent": "shall not be present",
    }[fam.rate]
    rate_nb = {
        "positive": "være større enn null",
        "zero": "være 0 (null)",
        "non-negative": "være 0 (null) eller større",
        "absent": "ikke oppgis",
    }[fam.rate]
    texts = {
        "01": (
            f"An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) "
            f"or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or "
            f"BT-102) is {en} shall contain in the VAT breakdown (BG-23) {one_en} equal with {en}.",
            f"Når en fakturalinje, en rabatt eller et gebyr på dokumentnivå har MVA-kategori {nb}, "
            f"må MVA-spesifikasjonen (BG-23) ha {one_nb} lik {nb}.",
        ),
        "02": (
            f"An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT "
            f"category code (BT-151) is {en} {fam.parties_en}.",
            f"En faktura med fakturalinjer i MVA-kategori {nb} {fam.parties_nb}.",
        ),
        "03": (
            f"An Invoice that contains a Document level allowance (BG-20) where the Document "
            f"level allowance VAT category code (BT-95) is {en} {fam.parties_en}.",
            f"En faktura med rabatt på dokumentnivå i MVA-kategori {nb} {fam.parties_nb}.",
        ),
        "04": (
            f"An Invoice that contains a Document level charge (BG-21) where the Document level "
            f"charge VAT category code (BT-102) is {en} {fam.parties_en}.",
            f"En faktura med gebyr/tillegg på dokumentnivå i MVA-kategori {nb} {fam.parties_nb}.",
        ),
        "05": (
            f"In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "
            f"{en} the Invoiced item VAT rate (BT-152) {rate_en}.",
            f"På en fakturalinje med MVA-kategori {nb} skal MVA-satsen (BT-152) {rate_nb}.",
        ),
        "06": (
            f"In a Document level allowance (BG-20) where the Document level allowance VAT "
            f"category code (BT-95) is {en} the Document level allowance VAT rate (BT-96) "
            f"{rate_en}.",
            f"På en rabatt på dokumentnivå med MVA-kategori {nb} skal MVA-satsen (BT-96) "
            f"{rate_nb}.",
        ),
        "07": (
            f"In a Document level charge (BG-21) where the Document level charge VAT category "
            f"code (BT-102) is {en} the Document level charge VAT rate (BT-103) {rate_en}.",
            f"På et gebyr/tillegg på dokumentnivå med MVA-kategori {nb} skal MVA-satsen (BT-103) "
            f"{rate_nb}.",
        ),
        "10": (
            (
                f"A VAT breakdown (BG-23) with VAT category code (BT-118) {en} shall have a VAT "
                f"exemption reason code (BT-121) or a VAT exemption reason text (BT-120)."
            )
            if fam.exemption
            else (
                f"A VAT breakdown (BG-23) with VAT category code (BT-118) {en} shall not have a "
                f"VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)."
            ),
            (
                f"MVA-spesifikasjonen for kategori {nb} må ha en fritaksårsak, som kode (BT-121) "
                f"eller tekst (BT-120)."
            )
            if fam.exemption
            else (
                f"MVA-spesifikasjonen for kategori {nb} skal ikke ha fritaksårsak (BT-120/BT-121)."
            ),
        ),
    }
    if fam.per_rate:
        texts["08"] = (
            f"For each different value of VAT category rate (BT-119) where the VAT category code "
            f"(BT-118) is {en}, the VAT category taxable amount (BT-116) in a VAT breakdown "
            f"(BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum of "
            f"document level charge amounts (BT-99) minus the sum of document level allowance "
            f"amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is {en} and the "
            f"VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119).",
            f"For hver MVA-sats i kategori {nb} skal beregningsgrunnlaget (BT-116) i "
            f"MVA-spesifikasjonen være summen av linjebeløpene (BT-131) pluss gebyrer (BT-99) "
            f"minus rabatter (BT-92) på dokumentnivå med samme kategori og sats.",
        )
        texts["09"] = (
            f"The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category "
            f"code (BT-118) is {en} shall equal the VAT category taxable amount (BT-116) "
            f"multiplied by the VAT category rate (BT-119).",
            f"MVA-beløpet (BT-117) i MVA-spesifikasjonen for kategori {nb} skal være "
            f"beregningsgrunnlaget (BT-116) ganget med MVA-satsen (BT-119), avrundet til to "
            f"desimaler.",
        )
    else:
        texts["08"] = (
            f"In a VAT breakdown (BG-23) where the VAT category code (BT-118) is {en} the VAT "
            f"category taxable amount (BT-116) shall equal the sum of Invoice line net amounts "
            f"(BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of "
            f"Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, "
            f"BT-102) are {en}.",
            f"Beregningsgrunnlaget (BT-116) i MVA-spesifikasjonen for kategori {nb} skal være "
            f"summen av linjebeløpene (BT-131) minus rabatter (BT-92) pluss gebyrer (BT-99) på "
            f"dokumentnivå i samme kategori.",
        )
        texts["09"] = (
            f"The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT "
            f"category code (BT-118) is {en} shall be 0 (zero).",
            f"MVA-beløpet (BT-117) i MVA-spesifikasjonen for kategori {nb} skal være 0 (null).",
        )
    return texts


# --------------------------------------------------------------------------------------------
# Registration


def _register_family(fam: Family) -> None:
    texts = _texts(fam)
    checks: dict[str, Callable[[Doc], Iterator[str]]] = {
        "01": _check_breakdown_present(fam),
        "02": _check_parties(fam, "line"),
        "03": _check_parties(fam, "allowance"),
        "04": _check_parties(fam, "charge"),
        "05": _check_rate(fam, "line"),
        "06": _check_rate(fam, "allowance"),
        "07": _check_rate(fam, "charge"),
        "08": _check_taxable(fam),
        "09": _check_tax(fam),
        "10": _check_exemption(fam),
    }
    for number, check in checks.items():
        message_en, message_nb = texts[number]
        rule(f"{fam.prefix}-{number}", message_en, message_nb)(_when_used(fam.code, check))


for _family in FAMILIES:
    _register_family(_family)


def _k_breakdown(doc: Doc) -> bool:
    return "K" in _codes_in_use(doc) and bool(_with_code(doc, _breakdown_categories(doc), "K"))


def _o_breakdown(doc: Doc) -> bool:
    return "O" in _codes_in_use(doc) and bool(_with_code(doc, _breakdown_categories(doc), "O"))


@rule(
    "BR-IC-11",
    "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "
    '"Intra-community supply" the Actual delivery date (BT-72) or the Invoicing period (BG-14) '
    "shall not be blank.",
    "En faktura med MVA-kategori leveranse innenfor EU/EØS (K) må ha faktisk leveringsdato "
    "(BT-72) eller faktureringsperiode (BG-14).",
)
def br_ic_11(doc: Doc) -> Iterator[str]:
    if not _k_breakdown(doc):
        return
    delivery_date = doc.xpath("cac:Delivery/cbc:ActualDeliveryDate")
    date_text = delivery_date[0].text or "" if delivery_date else ""
    if len(date_text) > 1 or doc.exists("cac:InvoicePeriod/*"):
        return
    yield doc.location()


@rule(
    "BR-IC-12",
    "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "
    '"Intra-community supply" the Deliver to country code (BT-80) shall not be blank.',
    "En faktura med MVA-kategori leveranse innenfor EU/EØS (K) må ha landkode for "
    "leveringsstedet (BT-80).",
)
def br_ic_12(doc: Doc) -> Iterator[str]:
    if not _k_breakdown(doc):
        return
    country = doc.xpath(
        "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
    )
    if not (country and len(country[0].text or "") > 1):
        yield doc.location()


@rule(
    "BR-O-11",
    "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
    '"Not subject to VAT" shall not contain other VAT breakdown groups (BG-23).',
    "En faktura med MVA-kategori utenfor merverdiavgiftsområdet (O) i MVA-spesifikasjonen kan "
    "ikke ha andre MVA-kategorier i spesifikasjonen.",
)
def br_o_11(doc: Doc) -> Iterator[str]:
    if _o_breakdown(doc) and any(
        _code(doc, c) != "O" and _is_vat(doc, c) for c in _breakdown_categories(doc)
    ):
        yield doc.location()


@rule(
    "BR-O-12",
    "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
    '"Not subject to VAT" shall not contain an Invoice line (BG-25) where the Invoiced item VAT '
    'category code (BT-151) is not "Not subject to VAT".',
    "En faktura med MVA-kategori utenfor merverdiavgiftsområdet (O) kan ikke ha fakturalinjer "
    "med en annen MVA-kategori.",
)
def br_o_12(doc: Doc) -> Iterator[str]:
    if _o_breakdown(doc) and any(
        _code(doc, c) != "O" and _is_vat(doc, c) for c in _line_categories(doc)
    ):
        yield doc.location()


@rule(
    "BR-O-13",
    "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
    '"Not subject to VAT" shall not contain Document level allowances (BG-20) where Document '
    'level allowance VAT category code (BT-95) is not "Not subject to VAT".',
    "En faktura med MVA-kategori utenfor merverdiavgiftsområdet (O) kan ikke ha rabatter på "
    "dokumentnivå med en annen MVA-kategori.",
)
def br_o_13(doc: Doc) -> Iterator[str]:
    if _o_breakdown(doc) and any(
        _code(doc, c) != "O" and _is_vat(doc, c) for c in _allowance_charge_categories(doc, False)
    ):
        yield doc.location()


@rule(
    "BR-O-14",
    "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
    '"Not subject to VAT" shall not contain Document level charges (BG-21) where Document level '
    'charge VAT category code (BT-102) is not "Not subject to VAT".',
    "En faktura med MVA-kategori utenfor merverdiavgiftsområdet (O) kan ikke ha gebyrer/tillegg "
    "på dokumentnivå med en annen MVA-kategori.",
)
def br_o_14(doc: Doc) -> Iterator[str]:
    if _o_breakdown(doc) and any(
        _code(doc, c) != "O" and _is_vat(doc, c) for c in _allowance_charge_categories(doc, True)
    ):
        yield doc.location()
