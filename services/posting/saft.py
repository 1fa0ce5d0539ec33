"""SAF-T Financial 1.30 (Skatteetaten) for vouchers: general ledger entries plus master data.

Pure: vouchers and company in, bytes out; `validate_saft` checks bytes against the published XSD.
The file is a transport of vouchers, not a full ledger extract: account and supplier balances
are the opening balances given (zero by default) plus the movements of the vouchers in the file.
Layout follows Skatteetaten's own example file: TaxInformation sits on the expense line that
carries the VAT base; the 2710-series line and the 2400 line carry amounts only.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from services.posting.voucher import VAT_RATES, ZERO, PostingLine, Supplier, Voucher

NS = "urn:StandardAuditFile-Taxation-Financial:NO"
AUDIT_FILE_VERSION = "1.30"


class SaftError(ValueError):
    """The vouchers cannot make a valid file (mixed tenants, foreign currency …)."""


class Company(BaseModel):
    """The company whose books these are (Header/Company)."""

    model_config = ConfigDict(frozen=True)

    orgnr: str = Field(pattern=r"^\d{9}$")
    name: str = Field(min_length=1)
    street: str | None = None
    number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "NO"
    contact_first_name: str = Field(min_length=1)
    contact_last_name: str = Field(min_length=1)
    telephone: str | None = None
    email: str | None = None
    vat_registered: bool = True


class Software(BaseModel):
    model_config = ConfigDict(frozen=True)

    company_name: str = "Fakturaportal"
    software_id: str = "fakturaportal"
    version: str = "0.1.0"


class Account(BaseModel):
    """A general ledger account and its grouping in the næringsspesifikasjon code list."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    description: str
    grouping_category: str
    grouping_code: str


#: Standard tax codes a purchase voucher uses, with Skatteetaten's descriptions (bokmål).
TAX_CODE_NAMES: Mapping[str, str] = {
    "0": "Ingen merverdiavgiftsbehandling (anskaffelser)",
    "1": "Fradragsberettiget innenlands inngående merverdiavgift, alminnelig sats",
    "11": "Fradragsberettiget innenlands inngående merverdiavgift, middels sats",
    "12": "Fradragsberettiget innenlands inngående merverdiavgift, råfisk",
    "13": "Fradragsberettiget innenlands inngående merverdiavgift, lav sats",
    "14": "Fradragsberettiget innførselsmerverdiavgift, alminnelig sats",
    "15": "Fradragsberettiget innførselsmerverdiavgift, middels sats",
}

#: NS 4102 accounts of accounts payable work: name and næringsspesifikasjon grouping code.
KNOWN_ACCOUNTS: Mapping[str, tuple[str, str]] = {
    "2400": ("Leverandørgjeld", "2400"),
    "2710": ("Inngående merverdiavgift, alminnelig sats", "2740"),
    "2711": ("Inngående merverdiavgift, middels sats", "2740"),
    "2712": ("Inngående merverdiavgift, lav sats", "2740"),
    "2713": ("Inngående merverdiavgift, råfisk", "2740"),
    "4000": ("Innkjøp av råvarer og halvfabrikata", "4005"),
    "4300": ("Innkjøp av varer for videresalg", "4005"),
    "4500": ("Fremmedytelser og underentrepriser", "4500"),
    "6300": ("Leie lokaler", "6300"),
    "6340": ("Lys, varme", "6340"),
    "6540": ("Inventar", "6500"),
    "6551": ("Datautstyr (hardware)", "6500"),
    "6553": ("Programvare", "6500"),
    "6700": ("Revisjonshonorar", "6700"),
    "6705": ("Regnskapshonorar", "6700"),
    "6800": ("Kontorrekvisita", "6995"),
    "6860": ("Møte, kurs, oppdatering o.l.", "6995"),
    "6900": ("Telefon", "6995"),
    "7140": ("Reisekostnad, ikke oppgavepliktig", "7165"),
    "7320": ("Reklamekostnad", "7330"),
    "7350": ("Representasjon, fradragsberettiget", "7350"),
    "7500": ("Forsikringspremie", "7500"),
    "7770": ("Bank- og kortgebyrer", "7700"),
}

#: Fallback grouping by the account's first two digits (NS 4102 classes).
_GROUPING_BY_PREFIX: Sequence[tuple[str, str, str]] = (
    ("10", "balanseverdiForAnleggsmiddel", "1020"),
    ("11", "balanseverdiForAnleggsmiddel", "1290"),
    ("12", "balanseverdiForAnleggsmiddel", "1205"),
    ("13", "balanseverdiForAnleggsmiddel", "1390"),
    ("14", "balanseverdiForOmloepsmiddel", "1400"),
    ("15", "balanseverdiForOmloepsmiddel", "1570"),
    ("16", "balanseverdiForOmloepsmiddel", "1570"),
    ("17", "balanseverdiForOmloepsmiddel", "1570"),
    ("19", "balanseverdiForOmloepsmiddel", "1920"),
    ("24", "kortsiktigGjeld", "2400"),
    ("27", "kortsiktigGjeld", "2740"),
    ("29", "kortsiktigGjeld", "2990"),
    ("40", "varekostnad", "4005"),
    ("41", "varekostnad", "4005"),
    ("42", "varekostnad", "4005"),
    ("43", "varekostnad", "4005"),
    ("45", "varekostnad", "4500"),
    ("5", "loennskostnad", "5900"),
    ("63", "annenDriftskostnad", "6300"),
    ("64", "annenDriftskostnad", "6400"),
    ("65", "annenDriftskostnad", "6500"),
    ("66", "annenDriftskostnad", "6695"),
    ("67", "annenDriftskostnad", "6700"),
    ("68", "annenDriftskostnad", "6995"),
    ("69", "annenDriftskostnad", "6995"),
    ("70", "annenDriftskostnad", "7000"),
    ("71", "annenDriftskostnad", "7165"),
    ("73", "annenDriftskostnad", "7330"),
    ("74", "annenDriftskostnad", "7400"),
    ("75", "annenDriftskostnad", "7500"),
    ("6", "annenDriftskostnad", "7700"),
    ("7", "annenDriftskostnad", "7700"),
    ("81", "finanskostnad", "8179"),
)

_CATEGORY_OF_CODE = {code: category for _, category, code in _GROUPING_BY_PREFIX}


def default_account(account_id: str) -> Account:
    """A usable grouping for common NS 4102 accounts; tenants with their own chart pass theirs."""
    name, code = KNOWN_ACCOUNTS.get(account_id, (f"Konto {account_id}", ""))
    for prefix, category, fallback in _GROUPING_BY_PREFIX:
        if account_id.startswith(prefix):
            code = code or fallback
            return Account(
                account_id=account_id,
                description=name,
                grouping_category=_CATEGORY_OF_CODE.get(code, category),
                grouping_code=code,
            )
    raise SaftError(f"no SAF-T grouping known for account {account_id}: give it in the chart")


def write_saft(
    vouchers: Sequence[Voucher],
    company: Company,
    *,
    created: date,
    chart: Mapping[str, Account] | None = None,
    opening_balances: Mapping[str, Decimal] | None = None,
    supplier_opening_balances: Mapping[str, Decimal] | None = None,
    software: Software | None = None,
    journal_description: str = "Inngående fakturaer fra Fakturaportal",
) -> bytes:
    """One SAF-T Financial file for a tenant's vouchers; balances are signed, debit positive."""
    _check_vouchers(vouchers)
    root = etree.fromstring(f'<AuditFile xmlns="{NS}"/>')
    _header(root, company, software or Software(), created, vouchers)
    _master_files(
        root,
        vouchers,
        chart or {},
        opening_balances or {},
        supplier_opening_balances or {},
    )
    _ledger_entries(root, vouchers, journal_description)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def validate_saft(xml_bytes: bytes, xsd_path: Path) -> list[str]:
    """Errors of the file against the XSD, then against the rules it cannot enforce; [] if valid.

    The 1.30 XSD declares its keys and keyrefs (line account in the chart, supplier in the
    master data, tax code in the tax table) with unprefixed XPaths, which select nothing in the
    namespaced document: a schema validator passes a dangling SupplierID. `consistency_errors`
    checks them, and that every transaction and the totals balance.
    """
    schema = _schema(str(xsd_path))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed: {error}"]
    if not schema.validate(document):
        return [f"line {e.line}: {e.message}" for e in cast(Iterable[Any], schema.error_log)]
    return consistency_errors(document)


def consistency_errors(document: etree._Element) -> list[str]:
    """The XSD's identity constraints, checked by hand, and the balances."""
    return [*_key_errors(document), *_balance_errors(document)]


_KEYS: Sequence[tuple[str, str, Sequence[str]]] = (
    (
        "account",
        "n:MasterFiles/n:GeneralLedgerAccounts/n:Account/n:AccountID",
        (
            "n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line/n:AccountID",
            "n:MasterFiles/n:Suppliers/n:Supplier/n:BalanceAccount/n:AccountID",
        ),
    ),
    (
        "supplier",
        "n:MasterFiles/n:Suppliers/n:Supplier/n:SupplierID",
        (
            "n:GeneralLedgerEntries/n:Journal/n:Transaction/n:SupplierID",
            "n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line/n:SupplierID",
        ),
    ),
    (
        "tax code",
        "n:MasterFiles/n:TaxTable/n:TaxTableEntry/n:TaxCodeDetails/n:TaxCode",
        ("n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line/n:TaxInformation/n:TaxCode",),
    ),
    (
        "analysis id",
        "n:MasterFiles/n:AnalysisTypeTable/n:AnalysisTypeTableEntry/n:AnalysisID",
        ("n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line/n:Analysis/n:AnalysisID",),
    ),
    ("transaction", "n:GeneralLedgerEntries/n:Journal/n:Transaction/n:TransactionID", ()),
)


def _texts(document: etree._Element, path: str) -> list[str]:
    return [str(e.text or "") for e in document.iterfind(path, namespaces={"n": NS})]


def _key_errors(document: etree._Element) -> list[str]:
    errors = []
    for name, key_path, ref_paths in _KEYS:
        keys = _texts(document, key_path)
        if name != "analysis id":  # one entry per type and id: an id may repeat across types
            errors += [
                f"{name} {k} is listed twice" for k in sorted(set(keys)) if keys.count(k) > 1
            ]
        for ref_path in ref_paths:
            missing = sorted(set(_texts(document, ref_path)) - set(keys))
            errors += [f"{name} {m} is used but not in the master data" for m in missing]
    return errors


def _balance_errors(document: etree._Element) -> list[str]:
    ns = {"n": NS}
    errors = []
    debit_total = credit_total = ZERO
    transactions = list(document.iterfind("n:GeneralLedgerEntries/n:Journal/n:Transaction", ns))
    for transaction in transactions:
        debit = sum(map(Decimal, _texts(transaction, "n:Line/n:DebitAmount/n:Amount")), ZERO)
        credit = sum(map(Decimal, _texts(transaction, "n:Line/n:CreditAmount/n:Amount")), ZERO)
        if debit != credit:
            number = _texts(transaction, "n:TransactionID")
            errors.append(f"transaction {number} debit {debit} != credit {credit}")
        debit_total, credit_total = debit_total + debit, credit_total + credit
    stated = {
        name: _texts(document, f"n:GeneralLedgerEntries/n:{name}")
        for name in ("NumberOfEntries", "TotalDebit", "TotalCredit")
    }
    for name, actual in (
        ("NumberOfEntries", Decimal(len(transactions))),
        ("TotalDebit", debit_total),
        ("TotalCredit", credit_total),
    ):
        if stated[name] and Decimal(stated[name][0]) != actual:
            errors.append(f"{name} says {stated[name][0]}, the entries add up to {actual}")
    return errors


@functools.lru_cache(maxsize=4)
def _schema(xsd_path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(xsd_path, parser))


def _check_vouchers(vouchers: Sequence[Voucher]) -> None:
    if not vouchers:
        raise SaftError("no vouchers")
    if len({v.tenant_id for v in vouchers}) > 1:
        raise SaftError("one SAF-T file is one company: vouchers of several tenants given")
    numbers = [v.voucher_number for v in vouchers]
    if len(set(numbers)) != len(numbers):
        raise SaftError("a voucher number appears twice")
    foreign = sorted({v.currency for v in vouchers} - {"NOK"})
    if foreign:
        raise SaftError(f"amounts must be in NOK; no exchange rate for {', '.join(foreign)}")


# --- header -----------------------------------------------------------------------------------


def _header(
    root: etree._Element,
    company: Company,
    software: Software,
    created: date,
    vouchers: Sequence[Voucher],
) -> None:
    header = _sub(root, "Header")
    _text(header, "AuditFileVersion", AUDIT_FILE_VERSION)
    _text(header, "AuditFileCountry", "NO")
    _text(header, "AuditFileDateCreated", created.isoformat())
    _text(header, "SoftwareCompanyName", software.company_name, 70)
    _text(header, "SoftwareID", software.software_id, 256)
    _text(header, "SoftwareVersion", software.version, 18)
    _company(header, company)
    _text(header, "DefaultCurrencyCode", "NOK")
    _selection(header, [v.voucher_date for v in vouchers])
    _text(header, "TaxAccountingBasis", "A")


def _company(header: etree._Element, company: Company) -> None:
    element = _sub(header, "Company")
    _text(element, "RegistrationNumber", company.orgnr)
    _text(element, "Name", company.name, 256)
    _address(
        element, company.street, company.number, company.postal_code, company.city, company.country
    )
    contact = _sub(element, "Contact")
    person = _sub(contact, "ContactPerson")
    _text(person, "FirstName", company.contact_first_name, 35)
    _text(person, "LastName", company.contact_last_name, 70)
    _optional(contact, "Telephone", company.telephone, 18)
    _optional(contact, "Email", company.email, 70)
    if company.vat_registered:
        registration = _sub(element, "TaxRegistration")
        _text(registration, "TaxRegistrationNumber", company.orgnr)
        _text(registration, "TaxAuthority", "Skatteetaten")


def _address(
    parent: etree._Element,
    street: str | None,
    number: str | None,
    postal_code: str | None,
    city: str | None,
    country: str | None,
) -> None:
    if not any((street, postal_code, city)):
        return
    address = _sub(parent, "Address")
    _optional(address, "StreetName", street, 256)
    _optional(address, "Number", number, 70)
    _optional(address, "City", city, 256)
    _optional(address, "PostalCode", postal_code, 70)
    _optional(address, "Country", country, 2)


def _selection(header: etree._Element, dates: Sequence[date]) -> None:
    """The accounting periods (months) the vouchers fall in."""
    first, last = min(dates), max(dates)
    criteria = _sub(header, "SelectionCriteria")
    _text(criteria, "PeriodStart", str(first.month))
    _text(criteria, "PeriodStartYear", str(first.year))
    _text(criteria, "PeriodEnd", str(last.month))
    _text(criteria, "PeriodEndYear", str(last.year))


# --- master files -----------------------------------------------------------------------------


def _master_files(
    root: etree._Element,
    vouchers: Sequence[Voucher],
    chart: Mapping[str, Account],
    opening: Mapping[str, Decimal],
    supplier_opening: Mapping[str, Decimal],
) -> None:
    lines = [line for v in vouchers for line in v.lines]
    masters = _sub(root, "MasterFiles")
    _accounts(masters, lines, chart, opening)
    _suppliers(masters, vouchers, supplier_opening)
    _tax_table(masters, lines)
    _analysis_table(masters, lines)


def _movements(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for key, amount in pairs:
        totals[key] += amount
    return dict(sorted(totals.items()))


def _accounts(
    masters: etree._Element,
    lines: Sequence[PostingLine],
    chart: Mapping[str, Account],
    opening: Mapping[str, Decimal],
) -> None:
    element = _sub(masters, "GeneralLedgerAccounts")
    for account_id, movement in _movements((ln.account, ln.amount) for ln in lines).items():
        account = chart.get(account_id) or default_account(account_id)
        entry = _sub(element, "Account")
        _text(entry, "AccountID", account_id, 70)
        _text(entry, "AccountDescription", account.description, 256)
        _text(entry, "GroupingCategory", account.grouping_category, 256)
        _text(entry, "GroupingCode", account.grouping_code, 35)
        _text(entry, "AccountType", "GL")
        _balances(entry, opening.get(account_id, ZERO), movement)


def _balances(parent: etree._Element, opening: Decimal, movement: Decimal) -> None:
    """Opening and closing balance, each on its debit or credit side."""
    for when, amount in (("Opening", opening), ("Closing", opening + movement)):
        side = "Debit" if amount >= 0 else "Credit"
        _text(parent, f"{when}{side}Balance", _money(abs(amount)))


def _suppliers(
    masters: etree._Element, vouchers: Sequence[Voucher], opening: Mapping[str, Decimal]
) -> None:
    suppliers: dict[str, Supplier] = {}
    accounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for voucher in vouchers:
        suppliers.setdefault(voucher.supplier.supplier_id, voucher.supplier)
        for line in voucher.lines:
            if line.supplier_id:
                per_account = accounts[line.supplier_id]
                per_account[line.account] = per_account.get(line.account, ZERO) + line.amount
    element = _sub(masters, "Suppliers")
    for supplier_id, supplier in sorted(suppliers.items()):
        _supplier(element, supplier, accounts[supplier_id], opening.get(supplier_id, ZERO))


def _supplier(
    parent: etree._Element,
    supplier: Supplier,
    movements: Mapping[str, Decimal],
    opening: Decimal,
) -> None:
    entry = _sub(parent, "Supplier")
    _optional(entry, "RegistrationNumber", supplier.orgnr, 35)
    _text(entry, "Name", supplier.name or supplier.supplier_id, 256)
    _address(entry, supplier.street, None, supplier.postal_code, supplier.city, supplier.country)
    if supplier.vat_id:
        registration = _sub(entry, "TaxRegistration")
        _text(registration, "TaxRegistrationNumber", supplier.vat_id, 35)
    _bank_account(entry, supplier.bank_account)
    _text(entry, "SupplierID", supplier.supplier_id, 35)
    for account_id, movement in sorted(movements.items()):
        balance = _sub(entry, "BalanceAccount")
        _text(balance, "AccountID", account_id, 70)
        _balances(balance, opening, movement)


def _bank_account(parent: etree._Element, account: str | None) -> None:
    if not account:
        return
    compact = account.replace(" ", "").replace(".", "")
    bank = _sub(parent, "BankAccount")
    if compact[:2].isalpha():
        _text(bank, "IBANNumber", compact, 35)
    else:
        _text(bank, "BankAccountNumber", compact, 35)


def _tax_table(masters: etree._Element, lines: Sequence[PostingLine]) -> None:
    codes = sorted(
        {ln.vat_code for ln in lines if ln.kind == "expense" and ln.vat_code}, key=_code_order
    )
    if not codes:
        return
    entry = _sub(_sub(masters, "TaxTable"), "TaxTableEntry")
    _text(entry, "TaxType", "MVA")
    _text(entry, "Description", "Merverdiavgift")
    for code in codes:
        details = _sub(entry, "TaxCodeDetails")
        _text(details, "TaxCode", code)
        _text(details, "Description", TAX_CODE_NAMES.get(code, f"MVA-kode {code}"), 256)
        if code in VAT_RATES:
            _text(details, "TaxPercentage", str(VAT_RATES[code]))
        _text(details, "Country", "NO")
        _text(details, "StandardTaxCode", code if code.isdigit() and len(code) <= 2 else "NA")
        _text(details, "BaseRate", "100")


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1000, code)


#: AnalysisType codes for the coding's dimensions (free codes; described in the table).
ANALYSIS_TYPES: Mapping[str, str] = {"A": "Avdeling", "P": "Prosjekt"}


def _dimensions(line: PostingLine) -> list[tuple[str, str]]:
    return [(t, v) for t, v in (("A", line.department), ("P", line.project)) if v]


def _analysis_table(masters: etree._Element, lines: Sequence[PostingLine]) -> None:
    used = sorted({d for line in lines for d in _dimensions(line)})
    if not used:
        return
    table = _sub(masters, "AnalysisTypeTable")
    for analysis_type, analysis_id in used:
        entry = _sub(table, "AnalysisTypeTableEntry")
        _text(entry, "AnalysisType", analysis_type)
        _text(entry, "AnalysisTypeDescription", ANALYSIS_TYPES[analysis_type])
        _text(entry, "AnalysisID", analysis_id, 35)
        _text(entry, "AnalysisIDDescription", f"{ANALYSIS_TYPES[analysis_type]} {analysis_id}", 256)


# --- general ledger entries -------------------------------------------------------------------


def _ledger_entries(
    root: etree._Element, vouchers: Sequence[Voucher], journal_description: str
) -> None:
    entries = _sub(root, "GeneralLedgerEntries")
    _text(entries, "NumberOfEntries", str(len(vouchers)))
    _text(entries, "TotalDebit", _money(sum((v.total_debit for v in vouchers), ZERO)))
    _text(entries, "TotalCredit", _money(sum((v.total_credit for v in vouchers), ZERO)))
    by_series: dict[str, list[Voucher]] = defaultdict(list)
    for voucher in vouchers:
        by_series[voucher.number.series].append(voucher)
    for series, members in sorted(by_series.items()):
        journal = _sub(entries, "Journal")
        _text(journal, "JournalID", series, 18)
        _text(journal, "Description", journal_description, 256)
        _text(journal, "Type", "IF")
        for voucher in sorted(members, key=lambda v: v.number.number):
            _transaction(journal, voucher)


def _transaction(journal: etree._Element, voucher: Voucher) -> None:
    element = _sub(journal, "Transaction")
    _text(element, "TransactionID", voucher.voucher_number, 70)
    _text(element, "Period", str(voucher.voucher_date.month))
    _text(element, "PeriodYear", str(voucher.voucher_date.year))
    _text(element, "TransactionDate", (voucher.invoice_date or voucher.voucher_date).isoformat())
    kind = "Kreditnota" if voucher.kind == "credit-note" else "Inngående faktura"
    _text(element, "VoucherType", kind)
    _text(element, "Description", voucher.description, 256)
    _text(element, "SystemEntryDate", voucher.voucher_date.isoformat())
    _text(element, "GLPostingDate", voucher.voucher_date.isoformat())
    _text(element, "SupplierID", voucher.supplier.supplier_id, 35)
    for record, line in enumerate(voucher.lines, start=1):
        _line(element, voucher, record, line)


def _line(parent: etree._Element, voucher: Voucher, record: int, line: PostingLine) -> None:
    element = _sub(parent, "Line")
    _text(element, "RecordID", str(record))
    _text(element, "AccountID", line.account, 70)
    for analysis_type, analysis_id in _dimensions(line):
        analysis = _sub(element, "Analysis")
        _text(analysis, "AnalysisType", analysis_type)
        _text(analysis, "AnalysisID", analysis_id, 35)  # as in the table
    _optional(element, "SourceDocumentID", voucher.invoice_number, 35)
    _optional(element, "SupplierID", line.supplier_id, 35)
    _text(element, "Description", line.description or voucher.description, 256)
    side = "DebitAmount" if line.debit or not line.credit else "CreditAmount"
    _text(_sub(element, side), "Amount", _money(line.debit or line.credit))
    if line.kind == "expense" and line.vat_code:
        _tax_information(element, line)
    if line.kind == "payable":
        _optional(element, "ReferenceNumber", voucher.invoice_number, 35)
        _optional(element, "CID", voucher.payment_id, 35)
        _optional(element, "DueDate", voucher.due_date.isoformat() if voucher.due_date else None)


def _tax_information(parent: etree._Element, line: PostingLine) -> None:
    tax = _sub(parent, "TaxInformation")
    _text(tax, "TaxType", "MVA")
    _text(tax, "TaxCode", line.vat_code or "0")
    if line.vat_rate is not None:
        _text(tax, "TaxPercentage", str(line.vat_rate))
    _text(tax, "Country", "NO")
    _text(tax, "TaxBase", _money(abs(line.vat_base or ZERO)))
    vat = line.vat_amount or ZERO
    side = "DebitTaxAmount" if vat >= 0 else "CreditTaxAmount"
    _text(_sub(tax, side), "Amount", _money(abs(vat)))


# --- XML helpers ------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _q(name))


def _text(parent: etree._Element, name: str, value: str, limit: int | None = None) -> None:
    """An element with text, cut to the schema's length so a long name never breaks the file."""
    _sub(parent, name).text = value[:limit] if limit else value


def _optional(
    parent: etree._Element, name: str, value: str | None, limit: int | None = None
) -> None:
    if value:
        _text(parent, name, value, limit)


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"
