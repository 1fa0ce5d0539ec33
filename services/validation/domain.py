"""Validation rules on the canonical invoice, and a person's decision on a flagged one. Pure.

The canonical checks cover the mandatory header fields with their official EN16931/Peppol rule
ids (EHF originals get the full rule set, see ehf.py). A flagged invoice (a possible duplicate,
payment diversion or order deviation) waits for a person: the AP desk, or the order's owner for
order deviations only, releases or rejects it under the rules of `judge`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.validation.duplicates import DUPLICATE_RULES
from services.validation.matching import ORDER_RULES
from services.validation.suppliers import FRAUD_RULES
from shared.schemas.events import Finding, Severity
from shared.schemas.invoice import CanonicalInvoice

FLAGGING_RULES = DUPLICATE_RULES | FRAUD_RULES | ORDER_RULES
"""Findings that stop an invoice for a person: the order's owner, or the AP desk."""
CONTEXT_PREFIXES = ("FP-DUP-", "FP-FRAUD-", "FP-PO-")
"""Findings from the supplier's history and the orders, not from the document: a re-check after
a correction finds them afresh."""
DESK = frozenset({"accountant", "finance-admin"})
"""The AP desk: who may decide any flagged invoice."""
MAX_NOTE = 1000
Kind = Literal["released", "rejected"]


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


CANONICAL_RULES = frozenset(f.rule_id for f in MANDATORY_FIELDS) | {"BR-CO-25"}
"""The rules `check_invoice` decides on the canonical invoice itself."""


def rechecked_document(earlier: list[Finding], corrected: CanonicalInvoice) -> list[Finding]:
    """The document's findings after a correction of an invoice checked on its original (EHF).

    The original does not change, so rules only it can answer keep their finding; the rules the
    canonical invoice answers are decided again on the corrected values. The supplier's history
    and the orders are checked afresh by the caller, so their findings are dropped here.
    """
    kept = [
        f
        for f in earlier
        if f.rule_id not in CANONICAL_RULES and not f.rule_id.startswith(CONTEXT_PREFIXES)
    ]
    return kept + check_invoice(corrected)


def status_of(findings: list[Finding]) -> str:
    """What validation concluded: rejected (fatal), flagged (a person must look) or validated."""
    if is_fatal(findings):
        return "rejected"
    if any(f.rule_id in FLAGGING_RULES for f in findings):
        return "flagged"
    return "validated"


class FlagRefused(Exception):
    """A decision on a flagged invoice the rules forbid: 403 for who, 409 for the case's state,
    422 for a missing note. English `reason`, bokmål `reason_nb`, a stable `code`."""

    def __init__(self, code: str, reason: str, reason_nb: str, status: int = 403) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.reason_nb = reason_nb
        self.status = status


@dataclass(frozen=True)
class Decision:
    kind: Kind
    by: str
    note: str


@dataclass(frozen=True)
class FlagState:
    """What the rules need of a case to judge a decision on it."""

    status: str
    registered_by: str
    rules: frozenset[str]
    """The flagging findings' rule ids."""
    assignee: str | None
    """The order's owner, when the order deviates beyond tolerance."""
    decision: Decision | None


def judge(state: FlagState, person: str, roles: Collection[str], kind: Kind, note: str) -> bool:
    """True when the decision is to be recorded, False when it repeats the recorded one (the
    answer is that decision again); raises FlagRefused when the rules forbid it."""
    text = note.strip()
    if not text or len(text) > MAX_NOTE:
        raise FlagRefused(
            "note",
            f"a note of 1 to {MAX_NOTE} characters is required",
            f"en begrunnelse på 1 til {MAX_NOTE} tegn er påkrevd",
            status=422,
        )
    if state.decision is not None:
        if state.decision.kind == kind and state.decision.by == person:
            return False
        raise FlagRefused(
            "decided",
            f"the flag is decided already: {state.decision.kind} by {state.decision.by}",
            f"flagget er allerede avgjort: {_NB[state.decision.kind]} av {state.decision.by}",
            status=409,
        )
    if state.status != "flagged":
        raise FlagRefused(
            "not-flagged",
            f"the invoice is not flagged (it is {state.status})",
            f"fakturaen er ikke flagget (den er {_NB[state.status]})",
            status=409,
        )
    found = _who(state, person, roles)
    if found is None and kind == "released":
        found = _releasing(state, person, roles)
    if found is not None:
        raise found
    return True


_NB = {
    "released": "frigitt",
    "rejected": "avvist",
    "validated": "godkjent i kontrollen",
    "flagged": "flagget",
}


def _who(state: FlagState, person: str, roles: Collection[str]) -> FlagRefused | None:
    """The AP desk decides any flag; the order's owner one that is only about their order."""
    if DESK & set(roles):
        return None
    if state.assignee == person:
        if state.rules <= ORDER_RULES:
            return None
        return FlagRefused(
            "role",
            "the flag is not only about the order, so the AP desk (accountant or finance-admin) "
            "must decide it",
            "flagget gjelder mer enn bestillingen, så regnskap (accountant eller finance-admin) "
            "må avgjøre det",
        )
    return FlagRefused(
        "role",
        f"{person} may not decide this flag: the AP desk (accountant or finance-admin) or, for "
        "order deviations, the order's owner decides",
        f"{person} kan ikke avgjøre dette flagget: det gjør regnskap (accountant eller "
        "finance-admin) eller, for avvik mot bestillingen, den som bestilte",
    )


def _releasing(state: FlagState, person: str, roles: Collection[str]) -> FlagRefused | None:
    """Releasing lets the invoice be paid: never by who registered it; a possible payment
    diversion only by finance-admin."""
    if person == state.registered_by:
        return FlagRefused(
            "registered",
            f"segregation of duties: {person} registered this invoice and may not release it",
            f"arbeidsdeling: {person} registrerte fakturaen og kan ikke frigi den",
        )
    if state.rules & FRAUD_RULES and "finance-admin" not in roles:
        return FlagRefused(
            "fraud",
            "a possible payment diversion (new or foreign bank account or KID) may only be "
            "released by finance-admin, after checking with the supplier",
            "mulig betalingssvindel (nytt eller fremmed kontonummer eller KID) kan bare frigis "
            "av finance-admin, etter kontroll med leverandøren",
        )
    return None


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
        self.registered_by = registered_by
        self.correlation_id = meta.get("correlation_id") or str(invoice_id)
        self.corrections: list[str] = []
        self._outcome(invoice, findings, credits, purchase_order)

    def _outcome(
        self,
        invoice: dict[str, Any],
        findings: list[dict[str, Any]],
        credits: str | None,
        purchase_order: dict[str, Any] | None,
    ) -> None:
        self.invoice = invoice
        self.findings = findings
        self.credits = credits
        self.purchase_order = purchase_order
        self.accepted = not any(f["flag"] == Severity.FATAL.value for f in findings)
        self.decision: dict[str, str] | None = None

    @property
    def status(self) -> str:
        """validated, rejected or flagged: as checked, or as a person decided the flag."""
        if self.decision is not None:
            return "validated" if self.decision["kind"] == "released" else "rejected"
        return status_of([Finding.model_validate(f) for f in self.findings])

    def flag_state(self) -> FlagState:
        rules = frozenset(f["rule_id"] for f in self.findings if f["rule_id"] in FLAGGING_RULES)
        on_order = self.purchase_order is not None and bool(rules & ORDER_RULES)
        decided = self.decision
        return FlagState(
            status=status_of([Finding.model_validate(f) for f in self.findings]),
            registered_by=self.registered_by,
            rules=rules,
            assignee=(self.purchase_order or {}).get("owner") if on_order else None,
            decision=Decision(cast(Kind, decided["kind"]), decided["by"], decided["note"])
            if decided
            else None,
        )

    def outcome(self) -> dict[str, Any]:
        """What the public event of the case's current state carries (see translate.py)."""
        return {
            "tenant_id": self.tenant_id,
            "invoice": self.invoice,
            "registered_by": self.registered_by,
            "findings": self.findings,
            "credits": self.credits,
            "purchase_order": self.purchase_order,
        }

    def release(self, by: str, note: str, meta: dict[str, str]) -> None:
        self._released(by=by, note=note.strip(), case=self.outcome(), meta=meta)

    def reject(self, by: str, reason: str, meta: dict[str, str]) -> None:
        self._rejected(by=by, reason=reason.strip(), case=self.outcome(), meta=meta)

    class Released(Aggregate.Event):
        by: str
        note: str
        case: dict[str, Any]
        meta: dict[str, str]

    @event(Released)
    def _released(self, by: str, note: str, case: dict[str, Any], meta: dict[str, str]) -> None:
        self.decision = {"kind": "released", "by": by, "note": note}

    class Rejected(Aggregate.Event):
        by: str
        reason: str
        case: dict[str, Any]
        meta: dict[str, str]

    @event(Rejected)
    def _rejected(self, by: str, reason: str, case: dict[str, Any], meta: dict[str, str]) -> None:
        self.decision = {"kind": "rejected", "by": by, "note": reason}

    def rechecks(self, correction: str) -> bool:
        """A correction is checked again while the invoice is stopped (rejected, or flagged and
        undecided), once per correction; an accepted invoice has moved on downstream."""
        return self.status in ("rejected", "flagged") and correction not in self.corrections

    class Rechecked(Aggregate.Event):
        correction: str
        corrected_by: str
        case: dict[str, Any]
        meta: dict[str, str]

    @event(Rechecked)
    def recheck(
        self, correction: str, corrected_by: str, case: dict[str, Any], meta: dict[str, str]
    ) -> None:
        """Checked again after a correction: the new findings replace the old, and any earlier
        decision on a flag no longer stands."""
        self.corrections.append(correction)
        self._outcome(case["invoice"], case["findings"], case["credits"], case["purchase_order"])

    @event("SupplierNotified")
    def notify_supplier(self, to: str, message_id: str, meta: dict[str, str]) -> None:
        self.notified = to

    @event("DisputeNotified")
    def notify_dispute(self, to: str, message_id: str, meta: dict[str, str]) -> None:
        """The supplier was told that approval disputed the invoice."""
        self.dispute_notified = to
