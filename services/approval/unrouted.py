"""An invoice approval could not route: nobody in the organisation may take one of its steps.

The consumer must not fail on it (the message would block the partition), so the invoice waits
here, visibly, for the AP desk: a finance admin fixes the organisation and routes it again.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

UNROUTED_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/approval/unrouted")
AP_INBOX = "ap-inbox"
"""The assignee published for an invoice nobody may approve yet."""


def unrouted_id(invoice_id: UUID) -> UUID:
    return uuid5(UNROUTED_NAMESPACE, str(invoice_id))


class Unrouted(Aggregate):
    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return unrouted_id(invoice_id)

    class Parked(Aggregate.Created):
        invoice_id: UUID
        tenant_id: str
        summary: dict[str, Any]
        lines: list[dict[str, Any]]
        registered_by: str
        code: str
        reason: str
        reason_nb: str
        meta: dict[str, str]
        order_owner: str | None = None

    @event(Parked)
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        summary: dict[str, Any],
        lines: list[dict[str, Any]],
        registered_by: str,
        code: str,
        reason: str,
        reason_nb: str,
        meta: dict[str, str],
        order_owner: str | None = None,
    ) -> None:
        self.invoice_id = invoice_id
        self.tenant_id = tenant_id
        self.summary = summary
        self.lines = lines
        self.registered_by = registered_by
        self.code = code
        self.reason = reason
        self.reason_nb = reason_nb
        self.order_owner = order_owner
        self.routed_by: str | None = None

    class Routed(Aggregate.Event):
        routed_by: str
        meta: dict[str, str]

    @event(Routed)
    def routed(self, routed_by: str, meta: dict[str, str]) -> None:
        self.routed_by = routed_by
