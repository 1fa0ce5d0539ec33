"""Norwegian national rules of Peppol BIS Billing 3.0 (EHF): NO-R-001 and NO-R-002.

Who counts as a Norwegian supplier follows the official definition of the supplier's country,
in this order:

1. the first two letters of the seller's VAT identifier (PartyTaxScheme with TaxScheme ID 'VAT');
2. otherwise the first two letters of the seller's tax representative's VAT identifier;
3. otherwise the country code of the seller's postal address;

upper-cased and trimmed; the supplier is Norwegian when that gives 'NO'.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from services.validation.rules.engine import Doc, Layer, rule, string_value
from shared.checkdigits import valid_orgnr
from shared.schemas.events import Severity

_VAT_ID = re.compile(r"NO([0-9]{9})MVA")


def _norm(value: str | None) -> str:
    return " ".join((value or "").split())


def _string(node: etree._Element) -> str:
    """The element's string value (all its text)."""
    return string_value(node)


def _vat_prefix(doc: Doc, party_path: str) -> str:
    """First two characters of the party's VAT identifier ('' when there is none)."""
    # The official selection compares TaxScheme/ID to 'VAT' exactly (no whitespace trimming).
    for company_id in doc.nodes(
        f"{party_path}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID"
    ):
        return _string(company_id)[:2]
    return ""


def supplier_country(doc: Doc) -> str:
    """The supplier's country as the official rules determine it ('XX' when unknown)."""
    for party_path in ("cac:AccountingSupplierParty/cac:Party", "cac:TaxRepresentativeParty"):
        prefix = _vat_prefix(doc, party_path)
        if prefix:
            return _norm(prefix).upper()
    country = doc.first(
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )
    if country is not None:
        return _norm(_string(country)).upper()
    return "XX"


def norwegian_supplier_parties(doc: Doc) -> list[etree._Element]:
    if supplier_country(doc) != "NO":
        return []
    return doc.nodes("cac:AccountingSupplierParty/cac:Party")


def valid_norwegian_vat_id(value: str) -> bool:
    """`NO` + nine-digit organisation number with a valid MOD11 check digit + `MVA`."""
    match = _VAT_ID.fullmatch(value)
    return match is not None and int(match.group(1)) > 0 and valid_orgnr(match.group(1))


@rule(
    "NO-R-001",
    "For Norwegian suppliers, a VAT number MUST be the country code prefix NO followed by a "
    "valid Norwegian organization number (nine numbers) followed by the letters MVA.",
    "For norske leverandører må mva-nummeret bestå av landkoden NO, et gyldig norsk "
    "organisasjonsnummer (ni sifre) og bokstavene MVA, uten mellomrom (for eksempel "
    "NO123456785MVA).",
    layer=Layer.NO,
)
def no_r_001(doc: Doc) -> Iterator[str]:
    for party in norwegian_supplier_parties(doc):
        vat_ids = doc.nodes(
            "cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID", party
        )
        for company_id in vat_ids:
            value = _string(company_id)
            # Only identifiers that claim to be Norwegian ('NO…') are judged.
            if value.startswith("NO") and not valid_norwegian_vat_id(value):
                yield doc.location(company_id)


@rule(
    "NO-R-002",
    'For Norwegian suppliers, most invoice issuers are required to append "Foretaksregisteret" '
    "to their invoice. If the seller is a limited company (AS, ASA) or a branch of a foreign "
    'company, the word "Foretaksregisteret" must also appear on the sales document, cf. the '
    "Business Register Act § 10-2.",
    "For norske leverandører skal de fleste fakturautstedere ha med «Foretaksregisteret» på "
    "fakturaen. Dersom selger er aksjeselskap, allmennaksjeselskap eller filial av utenlandsk "
    "selskap, skal også ordet «Foretaksregisteret» fremgå av salgsdokumentet, jf. "
    "foretaksregisterloven § 10-2. Oppgi det som PartyTaxScheme/CompanyID med TaxScheme-ID 'TAX'.",
    layer=Layer.NO,
    flag=Severity.WARNING,
)
def no_r_002(doc: Doc) -> Iterator[str]:
    for party in norwegian_supplier_parties(doc):
        registered = doc.first(
            "cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'TAX']/cbc:CompanyID", party
        )
        if registered is None or _norm(_string(registered)) != "Foretaksregisteret":
            yield doc.location(party)
