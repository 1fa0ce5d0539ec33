"""Demo data that ships with the project: a demo tenant's people and EHF invoices we generate
ourselves (the official samples live outside the repository)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lxml import etree
from stdnum import luhn

DEMO_TENANT = "demo"

#: Demo people and roles: the uploader never approves; the proposer never releases payment.
DEMO_USERS: dict[str, list[str]] = {
    "anne": ["accountant"],
    "kari": ["attestant", "budget-holder"],
    "ola": ["budget-holder"],
    "per": ["payment-approver"],
    "revisor": ["auditor"],
}

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    orgnr: str
    account: str
    email: str = "faktura@leverandor.example"


SUPPLIERS = (
    DemoSupplier("Kontorrekvisita Nord AS", "974760673", "15030100007"),
    DemoSupplier("Strøm og Lys AS", "923609016", "12060543214"),
)
BUYER = DemoSupplier("Demo Bedrift AS", "910747711", "15030100007")


@dataclass(frozen=True)
class DemoLine:
    """An invoice line with its own quantity and price, and the order line it delivers."""

    text: str
    quantity: Decimal
    price: Decimal
    order_line: str | None = None

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.price).quantize(Decimal("0.01"))


DEMO_ORDER = "PO-DEMO-1"


def demo_order() -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo purchase order the first demo invoice is matched against, and its receipt."""
    order = {
        "order_number": DEMO_ORDER,
        "supplier_orgnr": SUPPLIERS[0].orgnr,
        "supplier_name": SUPPLIERS[0].name,
        "owner": "kari",
        "lines": [
            {"line_id": "1", "description": "Kopipapir A4", "quantity": "1", "unit_price": "1000"}
        ],
    }
    receipt = {
        "receipt_number": f"{DEMO_ORDER}-GR-1",
        "order_number": DEMO_ORDER,
        "received_on": date.today().isoformat(),
        "received_by": "kari",
        "lines": [{"line_id": "1", "quantity": "1"}],
    }
    return order, receipt


def kid_for(number: int) -> str:
    body = f"{number:08d}"
    return body + luhn.calc_check_digit(body)


def _add(
    parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _party(parent: etree._Element, role: str, party: DemoSupplier) -> None:
    p = _add(_add(parent, CAC, role), CAC, "Party")
    _add(p, CBC, "EndpointID", party.orgnr, schemeID="0192")
    address = _add(p, CAC, "PostalAddress")
    _add(address, CBC, "CityName", "Oslo")
    _add(address, CBC, "PostalZone", "0150")
    _add(_add(address, CAC, "Country"), CBC, "IdentificationCode", "NO")
    tax = _add(p, CAC, "PartyTaxScheme")
    _add(tax, CBC, "CompanyID", f"NO{party.orgnr}MVA")
    _add(_add(tax, CAC, "TaxScheme"), CBC, "ID", "VAT")
    if role == "AccountingSupplierParty":  # an AS states its registration (NO-R-002)
        register = _add(p, CAC, "PartyTaxScheme")
        _add(register, CBC, "CompanyID", "Foretaksregisteret")
        _add(_add(register, CAC, "TaxScheme"), CBC, "ID", "TAX")
    legal = _add(p, CAC, "PartyLegalEntity")
    _add(legal, CBC, "RegistrationName", party.name)
    _add(legal, CBC, "CompanyID", party.orgnr)
    if role == "AccountingSupplierParty":
        _add(_add(p, CAC, "Contact"), CBC, "ElectronicMail", party.email)


def demo_invoice(
    number: int,
    supplier: DemoSupplier = SUPPLIERS[0],
    *,
    issued: date | None = None,
    lines: Sequence[tuple[str, Decimal] | DemoLine] = (("Kopipapir A4", Decimal("1000.00")),),
    order: str | None = None,
    currency: str = "NOK",
    nok_rate: Decimal | None = None,
    buyer_reference: str | None = "kari",
    due: date | None = None,
    kid: str | None = None,
    account: str | None = None,
    bic: str | None = None,
    payment_terms: str | None = None,
    prepaid: Decimal | None = None,
    credit_note_for: str | None = None,
) -> bytes:
    """An EHF Billing 3.0 invoice with 25 % VAT, a KID and a Norwegian account; `order` is the
    purchase order it refers to (BT-13). In another `currency` it states its VAT in NOK too
    (BT-6, BT-111) at `nok_rate`, as a Norwegian buyer's invoice must. `buyer_reference` is
    'Deres ref' (BT-10); without it the invoice needs an `order`.

    For the payment tests: `due` (BT-9, default issued + 14 days), `kid` (BT-83, default a MOD10
    KID of the number; "" for none), `account` and `bic` (BT-84, BT-86; default the supplier's),
    `payment_terms` (BT-20), `prepaid` (BT-113, paid already: the payable amount is less), and
    `credit_note_for`: a credit note (UBL CreditNote 381) crediting that invoice number."""
    if currency != "NOK" and nok_rate is None:
        raise ValueError("an invoice in another currency needs nok_rate for its VAT in NOK")
    issued = issued or date.today()
    due = due or issued + timedelta(days=14)
    kid = kid_for(number) if kid is None else kid
    credit = credit_note_for is not None
    document = CREDIT_NOTE if credit else UBL_INVOICE
    kind = "CreditNote" if credit else "Invoice"
    items = [x if isinstance(x, DemoLine) else DemoLine(x[0], Decimal("1"), x[1]) for x in lines]
    net = sum((item.amount for item in items), Decimal("0"))
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))
    nsmap: Any = {None: document, "cbc": CBC, "cac": CAC}
    root = etree.Element(f"{{{document}}}{kind}", nsmap=nsmap)
    _add(root, CBC, "CustomizationID", CUSTOMIZATION)
    _add(root, CBC, "ProfileID", PROFILE)
    _add(root, CBC, "ID", f"DEMO-{number}")
    _add(root, CBC, "IssueDate", issued.isoformat())
    if not credit:
        _add(root, CBC, "DueDate", due.isoformat())
    _add(root, CBC, f"{kind}TypeCode", "381" if credit else "380")
    _add(root, CBC, "DocumentCurrencyCode", currency)
    if currency != "NOK":
        _add(root, CBC, "TaxCurrencyCode", "NOK")
    if buyer_reference:
        _add(root, CBC, "BuyerReference", buyer_reference)
    if order:
        _add(_add(root, CAC, "OrderReference"), CBC, "ID", order)
    if credit_note_for:
        reference = _add(_add(root, CAC, "BillingReference"), CAC, "InvoiceDocumentReference")
        _add(reference, CBC, "ID", credit_note_for)
    _party(root, "AccountingSupplierParty", supplier)
    _party(root, "AccountingCustomerParty", BUYER)
    means = _add(root, CAC, "PaymentMeans")
    _add(means, CBC, "PaymentMeansCode", "30")
    if credit:
        _add(means, CBC, "PaymentDueDate", due.isoformat())
    if kid:
        _add(means, CBC, "PaymentID", kid)
    payee = _add(means, CAC, "PayeeFinancialAccount")
    _add(payee, CBC, "ID", account or supplier.account)
    if bic:
        _add(_add(payee, CAC, "FinancialInstitutionBranch"), CBC, "ID", bic)
    if payment_terms:
        _add(_add(root, CAC, "PaymentTerms"), CBC, "Note", payment_terms)
    tax_total = _add(root, CAC, "TaxTotal")
    _add(tax_total, CBC, "TaxAmount", f"{vat:.2f}", currencyID=currency)
    sub = _add(tax_total, CAC, "TaxSubtotal")
    _add(sub, CBC, "TaxableAmount", f"{net:.2f}", currencyID=currency)
    _add(sub, CBC, "TaxAmount", f"{vat:.2f}", currencyID=currency)
    category = _add(sub, CAC, "TaxCategory")
    _add(category, CBC, "ID", "S")
    _add(category, CBC, "Percent", "25")
    _add(_add(category, CAC, "TaxScheme"), CBC, "ID", "VAT")
    if nok_rate is not None and currency != "NOK":
        in_nok = (vat * nok_rate).quantize(Decimal("0.01"))
        _add(_add(root, CAC, "TaxTotal"), CBC, "TaxAmount", f"{in_nok:.2f}", currencyID="NOK")
    totals = _add(root, CAC, "LegalMonetaryTotal")
    amounts = [
        ("LineExtensionAmount", net),
        ("TaxExclusiveAmount", net),
        ("TaxInclusiveAmount", net + vat),
    ]
    if prepaid is not None:
        amounts.append(("PrepaidAmount", prepaid))
    amounts.append(("PayableAmount", net + vat - (prepaid or Decimal("0"))))
    for tag, amount in amounts:
        _add(totals, CBC, tag, f"{amount:.2f}", currencyID=currency)
    line_tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity")
        if credit
        else (
            "InvoiceLine",
            "InvoicedQuantity",
        )
    )
    for index, demo_line in enumerate(items, start=1):
        line = _add(root, CAC, line_tag)
        _add(line, CBC, "ID", str(index))
        _add(line, CBC, quantity_tag, f"{demo_line.quantity}", unitCode="EA")
        _add(line, CBC, "LineExtensionAmount", f"{demo_line.amount:.2f}", currencyID=currency)
        if demo_line.order_line:
            _add(_add(line, CAC, "OrderLineReference"), CBC, "LineID", demo_line.order_line)
        item = _add(line, CAC, "Item")
        _add(item, CBC, "Name", demo_line.text)
        tax_category = _add(item, CAC, "ClassifiedTaxCategory")
        _add(tax_category, CBC, "ID", "S")
        _add(tax_category, CBC, "Percent", "25")
        _add(_add(tax_category, CAC, "TaxScheme"), CBC, "ID", "VAT")
        price = _add(line, CAC, "Price")
        _add(price, CBC, "PriceAmount", f"{demo_line.price:.2f}", currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
