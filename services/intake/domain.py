"""The intake case: one original, registered once, then captured, read by OCR, or refused."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

INTAKE_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/intake")
MAX_OCR_WORDS_IN_EVENT = 4000
"""Words kept in `invoice-ocr-completed`; the rest stay derivable from the archived original."""


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
        origin: dict[str, str] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.channel = channel
        self.document = document
        self.registered_by = registered_by
        self.origin = origin or {}
        self.invoice: dict[str, Any] | None = None
        self.awaiting_ocr = False
        self.refused: str | None = None

    @property
    def settled(self) -> bool:
        """Captured or refused: nothing more for intake to do."""
        return self.invoice is not None or self.refused is not None

    @event("Captured")
    def capture(
        self,
        invoice: dict[str, Any],
        document: dict[str, Any],
        registered_by: str,
        meta: dict[str, str],
    ) -> None:
        self.invoice = invoice
        self.awaiting_ocr = False

    @event("OcrRequested")
    def request_ocr(self, document: dict[str, Any], meta: dict[str, str]) -> None:
        self.awaiting_ocr = True

    @event("OcrCompleted")
    def ocr_completed(
        self, document: dict[str, Any], words: list[dict[str, Any]], meta: dict[str, str]
    ) -> None:
        self.awaiting_ocr = False

    @event("Refused")
    def refuse(self, code: str, reason: str, meta: dict[str, str]) -> None:
        self.refused = code
        self.awaiting_ocr = False

    @event("Corrected")
    def correct(
        self,
        field: str,
        value: str,
        corrected_by: str,
        meta: dict[str, str],
        previous: str | None = None,
        invoice: dict[str, Any] | None = None,
    ) -> None:
        """A person fixed a captured field; the value is theirs from now on (source: manual).

        `previous` and `invoice` (the canonical invoice as it now reads) are new: events stored
        before them lack both, and such a correction changed only `corrections`.
        """
        if self.invoice is not None:
            self.corrections = {**getattr(self, "corrections", {}), field: value}
            if invoice is not None:
                self.invoice = invoice


def supplier_profile_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(INTAKE_NAMESPACE, f"supplier/{tenant_id}/{supplier}")


class SupplierProfile(Aggregate):
    """What people taught the extractor about one supplier of one tenant."""

    @staticmethod
    def create_id(tenant_id: str, supplier: str) -> UUID:
        return supplier_profile_id(tenant_id, supplier)

    @event("Opened")
    def __init__(self, tenant_id: str, supplier: str) -> None:
        self.tenant_id = tenant_id
        self.hints: dict[str, Any] = {}

    @event("HintsLearned")
    def learn(
        self,
        hints: dict[str, Any],
        field: str,
        invoice_id: str,
        corrected_by: str,
        meta: dict[str, str],
    ) -> None:
        self.hints = hints
