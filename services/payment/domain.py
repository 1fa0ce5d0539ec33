"""Payment: which posted invoices to pay, in which run, and who may release it. Pure: no I/O.

Walking skeleton: a posted NOK invoice with a valid account (and valid KID, if any) becomes an
open item in the tenant's payment book, due on its due date. Credit notes, other currencies and
invoices that cannot be paid as they stand are held with a reason (netting and currency payments
come later). A payment run takes every open item due until a date out of the book, so no item is
ever in two runs; a payment approver other than the proposer releases it (four eyes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.payment.pain001 import CreditTransfer, PaymentFileError, check_kid, parse_account
from shared.schemas.events import InvoiceSummary

NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/payment")
PAYABLE_CURRENCY = "NOK"
PROPOSED = "proposed"
SENT = "sent"

Meta = dict[str, str]


class PaymentRefusedError(Exception):
    """A request the rules forbid; `status` tells the HTTP layer how to answer."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class OpenItem:
    """A posted invoice waiting to be paid; carries the invoice's trace for the later events."""

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
    """A finding that did not stop the payment, e.g. a KID that fails its check digit."""

    def to_dict(self) -> dict[str, str | None]:
        values = asdict(self)
        return values | {"amount": str(self.amount), "due_date": self.due_date.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpenItem:
        return cls(
            **(
                data
                | {
                    "amount": Decimal(data["amount"]),
                    "due_date": date.fromisoformat(data["due_date"]),
                }
            )
        )


@dataclass(frozen=True)
class Held:
    reason: str


def payable(
    invoice_id: UUID,
    invoice: InvoiceSummary,
    posted_on: date,
    correlation_id: str,
    traceparent: str | None,
) -> OpenItem | Held:
    """What to do with a posted invoice: schedule it as an open item, or hold it and say why."""
    if invoice.kind == "credit-note":
        return Held("credit note: to be netted against the supplier's invoices, not paid out")
    if invoice.currency != PAYABLE_CURRENCY:
        return Held(f"currency {invoice.currency}: only {PAYABLE_CURRENCY} payments so far")
    if invoice.payable_amount is None or invoice.payable_amount <= 0:
        return Held("nothing to pay: the payable amount is not positive")
    if not invoice.payment_account:
        return Held("no payment account (BT-84) on the invoice")
    if not invoice.seller_name:
        return Held("no seller name (BT-27) to pay to")
    try:
        account = parse_account(invoice.payment_account)
    except PaymentFileError as exc:
        return Held(str(exc))
    kid, remark = None, None
    if invoice.payment_id:
        try:
            kid = check_kid(invoice.payment_id)
        except PaymentFileError as exc:
            # The bank would refuse a bad KID as structured reference; the invoice number as free
            # text still tells the supplier what is paid.
            remark = f"{exc}: paid with the invoice number as free text instead"
    if kid is None and not invoice.number:
        return Held("neither KID nor invoice number to tell the supplier what is paid")
    return OpenItem(
        invoice_id=str(invoice_id),
        invoice_number=invoice.number,
        creditor_name=invoice.seller_name,
        creditor_account=account.number,
        kid=kid,
        amount=invoice.payable_amount,
        currency=PAYABLE_CURRENCY,
        due_date=invoice.due_date or invoice.issue_date or posted_on,
        correlation_id=correlation_id,
        traceparent=traceparent,
        remark=remark,
    )


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
    """A tenant's open items: scheduled for payment and not yet taken into a run."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return uuid5(NAMESPACE, f"payment-book/{tenant_id}")

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.open: dict[str, dict[str, str | None]] = {}

    def schedule(self, item: OpenItem, meta: Meta) -> bool:
        """Add an open item; an invoice already open is left as it is (returns False)."""
        if item.invoice_id in self.open:
            return False
        self._scheduled(item=item.to_dict(), meta=meta)
        return True

    @event("ItemScheduled")
    def _scheduled(self, item: dict[str, str | None], meta: Meta) -> None:
        self.open[str(item["invoice_id"])] = item

    def due_until(self, day: date) -> list[OpenItem]:
        items = (OpenItem.from_dict(data) for data in self.open.values())
        return sorted(
            (i for i in items if i.due_date <= day), key=lambda i: (i.due_date, i.invoice_id)
        )

    def take(self, run_id: UUID, invoice_ids: list[str], meta: Meta) -> None:
        """Take items out of the book into a run: an item is in at most one run."""
        taken = [i for i in invoice_ids if i not in self.open]
        if taken or not invoice_ids:
            raise PaymentRefusedError(
                f"not open for payment: {', '.join(taken) or 'no items'}", status=409
            )
        self._taken(run_id=str(run_id), invoice_ids=invoice_ids, meta=meta)

    @event("ItemsTaken")
    def _taken(self, run_id: str, invoice_ids: list[str], meta: Meta) -> None:
        for invoice_id in invoice_ids:
            del self.open[invoice_id]


def payment_id(run_id: UUID, invoice_id: str) -> str:
    """Our id of one payment, sent as EndToEndId (32 characters, at most 35 allowed)."""
    return uuid5(run_id, invoice_id).hex


def message_id(run_id: UUID) -> str:
    """The pain.001 MsgId of a run: repeatable, so a resent file is a duplicate to the bank."""
    return run_id.hex


class PaymentRun(Aggregate):
    """A payment proposal (betalingsforslag) and, once released, the file sent to the bank."""

    @staticmethod
    def create_id(run_id: UUID) -> UUID:
        return run_id

    @event("Proposed")
    def __init__(
        self,
        run_id: UUID,
        tenant_id: str,
        payments: list[dict[str, str | None]],
        proposed_by: str,
        proposed_at: str,
        meta: Meta,
    ) -> None:
        self.tenant_id = tenant_id
        self.payments = payments
        self.proposed_by = proposed_by
        self.proposed_at = proposed_at
        self.status = PROPOSED
        self.released_by: str | None = None
        self.released_at: str | None = None
        self.message_id: str | None = None
        self.file_name: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(p["amount"])) for p in self.payments), Decimal("0"))

    def check_may_release(self, user: str) -> None:
        if self.status == SENT:
            raise PaymentRefusedError("the payment run is already approved and sent", status=409)
        if user == self.proposed_by:
            raise PaymentRefusedError(
                "four eyes: the user who proposed a payment run may not approve it"
            )

    def payments_on(self, today: date) -> list[dict[str, str | None]]:
        """The payments as they go to the bank today: a date already past moves to today."""
        return [
            p
            | {
                "execution_date": max(
                    date.fromisoformat(str(p["execution_date"])), today
                ).isoformat()
            }
            for p in self.payments
        ]

    def release(
        self,
        user: str,
        at: datetime,
        payments: list[dict[str, str | None]],
        file_name: str,
        file_sha256: str,
        meta: Meta,
    ) -> None:
        """Record that the run's file went to the bank, with the payments exactly as sent."""
        self.check_may_release(user)
        self._released(
            released_by=user,
            released_at=at.isoformat(),
            message_id=message_id(self.id),
            file_name=file_name,
            file_sha256=file_sha256,
            payments=payments,
            meta=meta,
        )

    @event("Released")
    def _released(
        self,
        released_by: str,
        released_at: str,
        message_id: str,
        file_name: str,
        file_sha256: str,
        payments: list[dict[str, str | None]],
        meta: Meta,
    ) -> None:
        self.status = SENT
        self.released_by = released_by
        self.released_at = released_at
        self.message_id = message_id
        self.file_name = file_name


def credit_transfers(payments: list[dict[str, str | None]]) -> list[CreditTransfer]:
    return [
        CreditTransfer(
            end_to_end_id=str(p["payment_id"]),
            amount=Decimal(str(p["amount"])),
            currency=str(p["currency"]),
            execution_date=date.fromisoformat(str(p["execution_date"])),
            creditor_name=str(p["creditor_name"]),
            creditor_account=str(p["creditor_account"]),
            kid=p["kid"],
            invoice_number=p["invoice_number"],
        )
        for p in payments
    ]


def propose_run(
    book: PaymentBook,
    *,
    run_id: UUID,
    due_until: date,
    execution_date: date | None,
    today: date,
    proposed_by: str,
    at: datetime,
    meta: Meta,
) -> PaymentRun:
    """A run of every open item due until the date, each paid on its due date (today at the
    earliest) unless an execution date is given; the items leave the book in the same step."""
    if execution_date is not None and execution_date < today:
        raise PaymentRefusedError(f"execution date {execution_date} is in the past", status=422)
    items = book.due_until(due_until)
    if not items:
        raise PaymentRefusedError(
            f"nothing to pay: no open items due until {due_until}", status=422
        )
    payments = [
        item.to_dict()
        | {
            "payment_id": payment_id(run_id, item.invoice_id),
            "execution_date": (execution_date or max(item.due_date, today)).isoformat(),
        }
        for item in items
    ]
    run = PaymentRun(
        run_id=run_id,
        tenant_id=book.tenant_id,
        payments=payments,
        proposed_by=proposed_by,
        proposed_at=at.isoformat(),
        meta=meta,
    )
    book.take(run_id, [item.invoice_id for item in items], meta)
    return run
