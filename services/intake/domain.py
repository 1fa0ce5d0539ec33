"""The intake case: one original document registered and captured into the canonical invoice."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

INTAKE_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/intake")


def invoice_id_for(tenant_id: str, sha256: str) -> UUID:
    """The same bytes sent twice to the same tenant are the same invoice: never captured twice."""
    return uuid5(INTAKE_NAMESPACE, f"{tenant_id}/{sha256}")


class IntakeCase(Aggregate):
    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    @event("Registered")
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        channel: str,
        document: dict[str, Any],
        registered_by: str,
        meta: dict[str, str],
    ) -> None:
        self.tenant_id = tenant_id
        self.channel = channel
        self.document = document
        self.registered_by = registered_by
        self.invoice: dict[str, Any] | None = None

    @event("Captured")
    def capture(
        self,
        invoice: dict[str, Any],
        document: dict[str, Any],
        registered_by: str,
        meta: dict[str, str],
    ) -> None:
        self.invoice = invoice
