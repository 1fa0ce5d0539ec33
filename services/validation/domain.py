"""Validation rules on the canonical invoice: pure functions, no I/O.

The walking skeleton checks the mandatory header fields with their official EN16931/Peppol rule
ids; the full rule set arrives with issue #4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.schemas.events import Finding, Severity
from shared.schemas.invoice import CanonicalInvoice


@dataclass(frozen=True)
class MandatoryField:
    rule_id: str
    location: str
    present: Callable[[CanonicalInvoice], bool]
    message_nb: str
    message_en: str


MANDATORY_FIELDS: tuple[MandatoryField, ...] = (
    MandatoryField(
        "BR-01",
        "/*/cbc:CustomizationID",
        lambda i: bool(i.customization_id),
        "Fakturaen må ha en spesifikasjonsidentifikator (CustomizationID).",
        "An invoice shall have a specification identifier (BT-24).",
    ),
    MandatoryField(
        "PEPPOL-EN16931-R001",
        "/*/cbc:ProfileID",
        lambda i: bool(i.profile_id),
        "Forretningsprosess (ProfileID) må oppgis.",
        "Business process (BT-23) MUST be provided.",
    ),
    MandatoryField(
        "BR-02",
        "/*/cbc:ID",
        lambda i: bool(i.number),
        "Fakturaen må ha et fakturanummer.",
        "An invoice shall have an invoice number (BT-1).",
    ),
    MandatoryField(
        "BR-03",
        "/*/cbc:IssueDate",
        lambda i: i.issue_date is not None,
        "Fakturaen må ha en fakturadato.",
        "An invoice shall have an invoice issue date (BT-2).",
    ),
    MandatoryField(
        "BR-04",
        "/*/cbc:InvoiceTypeCode",
        lambda i: bool(i.type_code),
        "Fakturaen må ha en fakturatypekode.",
        "An invoice shall have an invoice type code (BT-3).",
    ),
    MandatoryField(
        "BR-05",
        "/*/cbc:DocumentCurrencyCode",
        lambda i: bool(i.currency),
        "Fakturaen må ha en valutakode.",
        "An invoice shall have an invoice currency code (BT-5).",
    ),
    MandatoryField(
        "BR-06",
        "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        lambda i: bool(i.seller.name),
        "Fakturaen må inneholde selgers navn.",
        "An invoice shall contain the seller name (BT-27).",
    ),
    MandatoryField(
        "BR-07",
        "/*/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        lambda i: bool(i.buyer.name),
        "Fakturaen må inneholde kjøpers navn.",
        "An invoice shall contain the buyer name (BT-44).",
    ),
    MandatoryField(
        "BR-12",
        "/*/cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        lambda i: i.totals.line_extension is not None,
        "Fakturaen må ha summen av linjebeløp.",
        "An invoice shall have the sum of invoice line net amounts (BT-106).",
    ),
    MandatoryField(
        "BR-13",
        "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        lambda i: i.totals.tax_exclusive is not None,
        "Fakturaen må ha totalbeløp uten mva.",
        "An invoice shall have the invoice total amount without VAT (BT-109).",
    ),
    MandatoryField(
        "BR-14",
        "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        lambda i: i.totals.tax_inclusive is not None,
        "Fakturaen må ha totalbeløp med mva.",
        "An invoice shall have the invoice total amount with VAT (BT-112).",
    ),
    MandatoryField(
        "BR-15",
        "/*/cac:LegalMonetaryTotal/cbc:PayableAmount",
        lambda i: i.totals.payable is not None,
        "Fakturaen må ha beløp til betaling.",
        "An invoice shall have the amount due for payment (BT-115).",
    ),
    MandatoryField(
        "BR-16",
        "/*/cac:InvoiceLine",
        lambda i: bool(i.lines),
        "Fakturaen må ha minst én fakturalinje.",
        "An invoice shall have at least one invoice line (BG-25).",
    ),
)


def due_date_or_terms(invoice: CanonicalInvoice) -> list[Finding]:
    """BR-CO-25: a positive amount due needs a due date or payment terms."""
    payable = invoice.totals.payable
    if (
        payable is not None
        and payable > 0
        and invoice.due_date is None
        and not invoice.payment_terms
    ):
        return [
            Finding(
                rule_id="BR-CO-25",
                flag=Severity.FATAL,
                location="/*/cbc:DueDate",
                message_nb="Når beløp til betaling er positivt, må forfallsdato eller "
                "betalingsbetingelser oppgis.",
                message_en="In case the amount due for payment (BT-115) is positive, either the "
                "payment due date (BT-9) or the payment terms (BT-20) shall be present.",
            )
        ]
    return []


def check_invoice(invoice: CanonicalInvoice) -> list[Finding]:
    findings = [
        Finding(
            rule_id=f.rule_id,
            flag=Severity.FATAL,
            message_nb=f.message_nb,
            message_en=f.message_en,
            location=f.location,
        )
        for f in MANDATORY_FIELDS
        if not f.present(invoice)
    ]
    return findings + due_date_or_terms(invoice)


def is_fatal(findings: list[Finding]) -> bool:
    return any(f.flag is Severity.FATAL for f in findings)


class ValidationCase(Aggregate):
    """The validation service's view of one invoice: what was checked and what was found."""

    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    class Checked(Aggregate.Created):
        invoice_id: UUID
        tenant_id: str
        invoice: dict[str, Any]
        registered_by: str
        findings: list[dict[str, Any]]
        meta: dict[str, str]
        credits: str | None = None
        purchase_order: dict[str, Any] | None = None

    @event(Checked)
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        invoice: dict[str, Any],
        registered_by: str,
        findings: list[dict[str, Any]],
        meta: dict[str, str],
        credits: str | None = None,
        purchase_order: dict[str, Any] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.invoice = invoice
        self.findings = findings
        self.accepted = not any(f["flag"] == Severity.FATAL.value for f in findings)

    @event("SupplierNotified")
    def notify_supplier(self, to: str, message_id: str, meta: dict[str, str]) -> None:
        self.notified = to

    @event("DisputeNotified")
    def notify_dispute(self, to: str, message_id: str, meta: dict[str, str]) -> None:
        """The supplier was told that approval disputed the invoice."""
        self.dispute_notified = to
