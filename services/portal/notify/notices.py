"""What the notifier knows about one invoice and which notices it has recorded. Pure: no I/O.

A notice is recorded once per what it is about (the invoice's receipt, its rejection, a payment,
one approval request), so a message published twice (a relay's retry) records nothing new; the
mails go out later, from the recorded notices (`mailing.NoticeMailer`).
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/portal/notices")
Kind = Literal["received", "rejected", "paid", "task"]
KINDS: tuple[Kind, ...] = ("received", "rejected", "paid", "task")


def notices_id(invoice_id: UUID | str) -> UUID:
    return uuid5(NAMESPACE, str(invoice_id))


class InvoiceNotices(Aggregate):
    """One invoice as the notifier sees it: who registered it, its captured summary, and the
    notices recorded for it (`noticed`: their keys)."""

    @staticmethod
    def create_id(invoice_id: str, tenant_id: str) -> UUID:
        return notices_id(invoice_id)

    class Opened(Aggregate.Created):
        invoice_id: str
        tenant_id: str

    @event(Opened)
    def __init__(self, invoice_id: str, tenant_id: str) -> None:
        self.invoice_id = invoice_id
        self.tenant_id = tenant_id
        self.registered_by: str | None = None
        self.summary: dict[str, Any] = {}
        self.noticed: list[str] = []

    class Registered(Aggregate.Event):
        registered_by: str

    @event(Registered)
    def register(self, registered_by: str) -> None:
        self.registered_by = registered_by

    class Captured(Aggregate.Event):
        summary: dict[str, Any]

    @event(Captured)
    def capture(self, summary: dict[str, Any]) -> None:
        """What the mails say about the invoice: number, seller, amount, dates (JSON values)."""
        self.summary = summary

    def notify(self, kind: Kind, key: str, at: str, details: dict[str, Any]) -> bool:
        """Record a notice unless one about the same thing is recorded; True when recorded."""
        if f"{kind}:{key}" in self.noticed:
            return False
        self._noticed(kind=kind, key=key, at=at, details=details)
        return True

    class Noticed(Aggregate.Event):
        kind: str
        key: str
        at: str
        """When it happened (the event's time, ISO 8601 UTC): the mail's date."""
        details: dict[str, Any]

    @event(Noticed)
    def _noticed(self, kind: str, key: str, at: str, details: dict[str, Any]) -> None:
        self.noticed.append(f"{kind}:{key}")


def summary_of(invoice: dict[str, Any]) -> dict[str, Any]:
    """The part of a captured canonical invoice (as JSON) the mails use."""
    seller = invoice.get("seller") or {}
    totals = invoice.get("totals") or {}
    return {
        "number": invoice.get("number"),
        "kind": invoice.get("kind"),
        "issue_date": invoice.get("issue_date"),
        "due_date": invoice.get("due_date"),
        "currency": invoice.get("currency"),
        "payable_amount": totals.get("payable"),
        "seller_name": seller.get("name"),
        "seller_orgnr": (seller.get("legal_id") or "").replace(" ", "") or None,
        "seller_email": seller.get("email"),
        "buyer_name": (invoice.get("buyer") or {}).get("name"),
    }
