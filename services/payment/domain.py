"""Payment: which posted invoices to pay, in which run, and who may release it. Pure: no I/O.

A posted NOK invoice or credit note becomes an item of the tenant's payment book, due on its due
date (credit notes with a negative amount, so they net against the supplier's invoices). Other
currencies, and documents that cannot be paid as they stand (no account, nothing to pay), are held
in the book with a reason. A KID or an account that fails its check digit is kept as the supplier
gave it: the pre-release checks (`checks.py`) then stop the payment with a finding a person reads,
instead of paying it some other way silently.

A payment run takes the payments it proposes out of the book in the same step, so no item is ever
in two runs; a cancelled run and a payment the bank refused return their items to the book. A
payment approver other than the proposer releases a run (four eyes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.checkdigits import digits_only
from shared.schemas.events import InvoicePosted, InvoiceSummary, VoucherLine

NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/payment")
PAYABLE_CURRENCY = "NOK"
ACCOUNTS_PAYABLE = "2400"
PROPOSED = "proposed"
RELEASED = "released"
"""Recorded as released, file(s) built and checked; not yet handed to the bank channel."""
SENT = "sent"
CANCELLED = "cancelled"
RUNS_KEPT = 200
"""How many recent runs a tenant's book lists."""

RUN_STATUS_NB = {
    PROPOSED: "foreslått",
    RELEASED: "frigitt",
    SENT: "sendt",
    CANCELLED: "kansellert",
}
Meta = dict[str, str]
Data = dict[str, Any]


class PaymentRefusedError(Exception):
    """A request the rules forbid, in English and bokmål; `status` tells the HTTP layer how to
    answer (as `fakturaportal.http.Refused`)."""

    def __init__(self, reason: str, reason_nb: str, status: int = 403, details: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_nb = reason_nb
        self.status = status
        self.details = details


@dataclass(frozen=True)
class BookItem:
    """A posted invoice (positive amount) or credit note (negative) in the payment book, with
    what paying it needs and the invoice's trace for the later events."""

    invoice_id: str
    invoice_number: str | None
    creditor_name: str
    creditor_account: str
    kid: str | None
    amount: Decimal
    currency: str
    due_date: date
    correlation_id: str
    traceparent: str | None = None
    remark: str | None = None
    supplier_id: str = ""
    """The supplier's orgnr (else its VAT id or name): credit notes net per supplier."""
    issue_date: date | None = None
    debtor_account: str | None = None
    """The id of the tenant's debtor account it is paid from (None: the default)."""
    terms: str | None = None
    """Payment terms as written (BT-20): an early-payment discount, maybe."""
    posted_amount: Decimal | None = None
    """What the voucher credited to accounts payable (2400), signed like `amount`."""
    creditor_bic: str | None = None
    paid_amount: Decimal = Decimal("0.00")
    offer: Data | None = None
    """A supplier's accepted early-payment offer (`discount.DynamicOffer` as data)."""
    last_failure: str | None = None
    """Why the bank refused its last payment, when it came back to the book that way."""

    def to_dict(self) -> Data:
        values = asdict(self)
        for name in ("amount", "posted_amount", "paid_amount"):
            values[name] = None if values[name] is None else str(values[name])
        for name in ("due_date", "issue_date"):
            values[name] = None if values[name] is None else values[name].isoformat()
        return values

    @classmethod
    def from_dict(cls, data: Data) -> BookItem:
        """Also reads the items of older events, which lack the later fields."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("amount", "posted_amount", "paid_amount"):
            if values.get(name) is not None:
                values[name] = Decimal(str(values[name]))
        for name in ("due_date", "issue_date"):
            if values.get(name):
                values[name] = date.fromisoformat(str(values[name]))
        values.setdefault("supplier_id", "")
        values["supplier_id"] = values["supplier_id"] or str(data.get("creditor_name") or "")
        values["paid_amount"] = values.get("paid_amount") or Decimal("0.00")
        return cls(**values)

    @property
    def is_credit_note(self) -> bool:
        return self.amount < 0


@dataclass(frozen=True)
class Held:
    reason: str


def ap_credit(lines: list[VoucherLine]) -> Decimal | None:
    """What the voucher owes the supplier on accounts payable (credit less debit on 2400)."""
    payable = [line for line in lines if line.account == ACCOUNTS_PAYABLE]
    if not payable:
        return None
    return sum((line.credit - line.debit for line in payable), Decimal("0")).quantize(
        Decimal("0.01")
    )


def supplier_of(invoice: InvoiceSummary) -> str:
    orgnr = digits_only(invoice.seller_legal_id or "")
    if len(orgnr) == 9 and orgnr.isdigit():
        return orgnr
    return (invoice.seller_vat_id or invoice.seller_name or "").strip()


def book_item(
    payload: InvoicePosted,
    correlation_id: str,
    traceparent: str | None,
    debtor_account: str | None = None,
) -> BookItem | Held:
    """What to do with a posted invoice: schedule it in the book, or hold it and say why."""
    invoice = payload.invoice
    credit_note = invoice.kind == "credit-note"
    if invoice.currency != PAYABLE_CURRENCY:
        return Held(f"currency {invoice.currency}: only {PAYABLE_CURRENCY} payments so far")
    if invoice.payable_amount is None or invoice.payable_amount == 0:
        return Held("nothing to pay: no payable amount")
    if invoice.payable_amount < 0 and not credit_note:
        return Held("nothing to pay: the payable amount is negative")
    account = (invoice.payment_account or "").strip()
    if not account and not credit_note:
        return Held("no payment account (BT-84) on the invoice")
    if not invoice.seller_name:
        return Held("no seller name (BT-27) to pay to")
    kid = (invoice.payment_id or "").strip() or None
    if kid is None and not invoice.number:
        return Held("neither KID nor invoice number to tell the supplier what is paid")
    sign = Decimal(-1) if credit_note else Decimal(1)
    posted = ap_credit(payload.lines)
    return BookItem(
        invoice_id=str(payload.invoice_id),
        invoice_number=invoice.number,
        creditor_name=invoice.seller_name,
        creditor_account=_compact(account),
        kid=kid,
        amount=sign * abs(invoice.payable_amount),
        currency=PAYABLE_CURRENCY,
        due_date=invoice.due_date or invoice.issue_date or payload.voucher_date,
        correlation_id=correlation_id,
        traceparent=traceparent,
        supplier_id=supplier_of(invoice),
        issue_date=invoice.issue_date,
        debtor_account=debtor_account,
        terms=invoice.payment_terms,
        posted_amount=None if posted is None else sign * abs(posted),
        creditor_bic=invoice.payment_bic,
    )


def _compact(account: str) -> str:
    return "".join(c for c in account if c not in " .-").upper()


class PaymentOrder(Aggregate):
    """The payment service's record of one posted invoice: scheduled or held. One per invoice,
    so a redelivered or republished posted event never schedules an invoice twice."""

    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    @event("Registered")
    def __init__(
        self, invoice_id: UUID, tenant_id: str, held_reason: str | None, meta: Meta
    ) -> None:
        self.tenant_id = tenant_id
        self.held_reason = held_reason


class PaymentBook(Aggregate):
    """A tenant's items: open for payment (not in a run), or held with a reason."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return uuid5(NAMESPACE, f"payment-book/{tenant_id}")

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.open: dict[str, Data] = {}

    # Books recorded before these existed have no such attribute in their snapshots.
    @property
    def held(self) -> dict[str, Data]:
        held: dict[str, Data] = self.__dict__.setdefault("_held", {})
        return held

    @property
    def used_credits(self) -> dict[str, Data]:
        """Credit notes fully used by payments in runs: kept to return them if a run fails."""
        used: dict[str, Data] = self.__dict__.setdefault("_used_credits", {})
        return used

    @property
    def runs(self) -> list[str]:
        """The ids of the runs that took items from the book, oldest first (the last `RUNS_KEPT`;
        a book snapshot from before this list existed knows only the runs since)."""
        runs: list[str] = self.__dict__.setdefault("_runs", [])
        return runs

    def items(self) -> list[BookItem]:
        return [BookItem.from_dict(data) for data in self.open.values()]

    def schedule(self, item: BookItem, meta: Meta) -> bool:
        """Add an item; an invoice already open is left as it is (returns False)."""
        if item.invoice_id in self.open:
            return False
        self._scheduled(item=item.to_dict(), meta=meta)
        return True

    @event("ItemScheduled")
    def _scheduled(self, item: Data, meta: Meta) -> None:
        self.open[str(item["invoice_id"])] = item

    def hold(self, invoice_id: str, summary: Data, reason: str, meta: Meta) -> None:
        self._held_item(invoice_id=invoice_id, summary=summary, reason=reason, meta=meta)

    @event("ItemHeld")
    def _held_item(self, invoice_id: str, summary: Data, reason: str, meta: Meta) -> None:
        self.held[invoice_id] = summary | {"reason": reason}

    def accept_offer(self, invoice_id: str, offer: Data, accepted_by: str, meta: Meta) -> None:
        if invoice_id not in self.open:
            raise PaymentRefusedError(
                "the invoice is not open for payment",
                "fakturaen er ikke åpen for betaling",
                status=409,
            )
        self._offer_accepted(invoice_id=invoice_id, offer=offer, accepted_by=accepted_by, meta=meta)

    @event("OfferAccepted")
    def _offer_accepted(self, invoice_id: str, offer: Data, accepted_by: str, meta: Meta) -> None:
        self.open[invoice_id] = self.open[invoice_id] | {"offer": offer}

    def take(
        self,
        run_id: UUID,
        invoice_ids: list[str],
        meta: Meta,
        credits: dict[str, str] | None = None,
    ) -> None:
        """Take items out of the book into a run (an item is in at most one run), and use the
        credit notes' amounts that the run nets against them."""
        taken = [i for i in [*invoice_ids, *(credits or {})] if i not in self.open]
        if taken or not invoice_ids:
            raise PaymentRefusedError(
                f"not open for payment: {', '.join(taken) or 'no items'}",
                f"ikke åpen for betaling: {', '.join(taken) or 'ingen poster'}",
                status=409,
            )
        self._taken(run_id=str(run_id), invoice_ids=invoice_ids, meta=meta, credits=credits or {})

    @event("ItemsTaken")
    def _taken(
        self, run_id: str, invoice_ids: list[str], meta: Meta, credits: dict[str, str] | None = None
    ) -> None:
        for invoice_id in invoice_ids:
            del self.open[invoice_id]
        self.__dict__["_runs"] = [*self.runs, run_id][-RUNS_KEPT:]
        for credit_id, used in (credits or {}).items():
            item = self.open[credit_id]
            paid = Decimal(str(item.get("paid_amount") or "0")) + Decimal(used)
            item = item | {"paid_amount": str(paid)}
            if paid >= abs(Decimal(str(item["amount"]))):
                del self.open[credit_id]
                self.used_credits[credit_id] = item
            else:
                self.open[credit_id] = item

    def give_back(
        self,
        run_id: UUID,
        items: list[Data],
        credits: dict[str, str],
        reason: str | None,
        meta: Meta,
    ) -> None:
        """Items of a cancelled run or a refused payment return to the book for planning."""
        self._returned(run_id=str(run_id), items=items, credits=credits, reason=reason, meta=meta)

    @event("ItemsReturned")
    def _returned(
        self,
        run_id: str,
        items: list[Data],
        credits: dict[str, str],
        reason: str | None,
        meta: Meta,
    ) -> None:
        for item in items:
            self.open[str(item["invoice_id"])] = item | {"last_failure": reason}
        for credit_id, used in credits.items():
            credit = self.open.get(credit_id) or self.used_credits.pop(credit_id, None)
            if credit is None:
                continue
            paid = Decimal(str(credit.get("paid_amount") or "0")) - Decimal(used)
            self.open[credit_id] = credit | {"paid_amount": str(max(paid, Decimal("0.00")))}


def payment_id(run_id: UUID, invoice_id: str) -> str:
    """Our id of one payment, sent as EndToEndId (32 characters, at most 35 allowed)."""
    return uuid5(run_id, invoice_id).hex


def message_id(run_id: UUID, index: int = 1) -> str:
    """The pain.001 MsgId of a run's `index`th file: repeatable, so a resent file is a duplicate
    to the bank. The first is the run id; later ones differ within the first 30 characters, so
    their payment block ids (`MsgId[:30]-n`) differ too."""
    if index == 1:
        return run_id.hex
    return f"{run_id.hex[:28]}F{index:02d}"


class PaymentRun(Aggregate):
    """A payment proposal (betalingsforslag) and, once released, the files sent to the bank."""

    @staticmethod
    def create_id(run_id: UUID) -> UUID:
        return run_id

    @event("Proposed")
    def __init__(
        self,
        run_id: UUID,
        tenant_id: str,
        payments: list[Data],
        proposed_by: str,
        proposed_at: str,
        meta: Meta,
        plan: Data | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.payments = payments
        self.proposed_by = proposed_by
        self.proposed_at = proposed_at
        self.plan = plan or {}
        self.status = PROPOSED
        self.released_by: str | None = None
        self.released_at: str | None = None
        self.message_id: str | None = None
        self.file_name: str | None = None
        self.files: list[Data] = []
        self.cancelled_by: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(p["amount"])) for p in self.payments), Decimal("0"))

    @property
    def settled_by_credit(self) -> list[Data]:
        return list(self.plan.get("settled_by_credit", []))

    def check_may_release(self, user: str) -> None:
        if self.status in (RELEASED, SENT):
            raise PaymentRefusedError(
                "the payment run is already approved and sent",
                "Betalingsforslaget er allerede frigitt og sendt.",
                status=409,
            )
        if self.status == CANCELLED:
            raise PaymentRefusedError(
                "the payment run was cancelled", "Betalingsforslaget er kansellert.", status=409
            )
        if user == self.proposed_by:
            raise PaymentRefusedError(
                "four eyes: the user who proposed a payment run may not approve it",
                "Den som foreslo betalingsforslaget kan ikke frigi det (fire øyne).",
            )

    def cancel(self, user: str, at: datetime, meta: Meta) -> None:
        if self.status != PROPOSED:
            raise PaymentRefusedError(
                f"only a proposed run can be cancelled; this one is {self.status}",
                f"Bare et foreslått betalingsforslag kan kanselleres; dette er "
                f"{RUN_STATUS_NB.get(self.status, self.status)}.",
                status=409,
            )
        self._cancelled(cancelled_by=user, cancelled_at=at.isoformat(), meta=meta)

    @event("Cancelled")
    def _cancelled(self, cancelled_by: str, cancelled_at: str, meta: Meta) -> None:
        self.status = CANCELLED
        self.cancelled_by = cancelled_by

    def release(
        self,
        user: str,
        at: datetime,
        payments: list[Data],
        files: list[Data],
        meta: Meta,
    ) -> None:
        """Record the release with the payments and the files exactly as they go to the bank,
        before they go: delivery then repeats these bytes, never other ones."""
        self.check_may_release(user)
        first = files[0]
        self._released(
            released_by=user,
            released_at=at.isoformat(),
            message_id=first["message_id"],
            file_name=first["file_name"],
            file_sha256=first["sha256"],
            payments=payments,
            meta=meta,
            files=files,
            settled=self.settled_by_credit,
        )

    @event("Released")
    def _released(
        self,
        released_by: str,
        released_at: str,
        message_id: str,
        file_name: str,
        file_sha256: str,
        payments: list[Data],
        meta: Meta,
        files: list[Data] | None = None,
        settled: list[Data] | None = None,
    ) -> None:
        """`settled`: the invoices a credit note settles in full, with no bank payment."""
        # Runs released before delivery was recorded apart were sent in the same step.
        self.status = RELEASED if files else SENT
        self.released_by = released_by
        self.released_at = released_at
        self.message_id = message_id
        self.file_name = file_name
        self.payments = payments
        self.__dict__["files"] = files or []

    def delivered(self, at: datetime, where: list[str], meta: Meta) -> bool:
        """Record that the bank channel took the files; False if that is recorded already."""
        if self.status != RELEASED:
            return False
        self._delivered(
            delivered_at=at.isoformat(),
            where=where,
            payments=self.payments,
            released_by=self.released_by or "",
            meta=meta,
        )
        return True

    @event("Delivered")
    def _delivered(
        self,
        delivered_at: str,
        where: list[str],
        payments: list[Data],
        released_by: str,
        meta: Meta,
    ) -> None:
        self.status = SENT
