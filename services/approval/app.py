"""The approval application: requests approval of coded invoices, records decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import ServiceApplication, meta_from, new_meta
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from fakturaportal.telemetry import continue_trace
from services.approval.config import ApprovalSettings
from services.approval.domain import ATTESTATION, ApprovalCase, ApprovalRefused, route
from shared.schemas.events import InvoiceCoded
from shared.schemas.topics import Topic


class ApprovalApp(ServiceApplication):
    name = "approval"

    def __init__(
        self, settings: CommonSettings | None = None, approval: ApprovalSettings | None = None
    ) -> None:
        super().__init__(settings)
        self.approval = approval or ApprovalSettings()

    def on_coded(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceCoded, message.payload)
        if self.get_or_none(payload.invoice_id) is not None:
            return
        assignee = route(
            self.approval.approvers_for(payload.tenant_id),
            payload.registered_by,
            payload.invoice.buyer_reference,
        )
        case = ApprovalCase(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            summary=payload.invoice.model_dump(mode="json"),
            coding=[line.model_dump(mode="json") for line in payload.lines],
            registered_by=payload.registered_by,
            step=ATTESTATION,
            assignee=assignee,
            meta=meta_from(message),
        )
        processing.collect_events(case)

    def case_for(self, tenant_id: str, invoice_id: UUID) -> ApprovalCase | None:
        case = cast(ApprovalCase | None, self.get_or_none(invoice_id))
        return case if case is not None and case.tenant_id == tenant_id else None

    def approve(self, tenant_id: str, invoice_id: UUID, user: str) -> ApprovalCase:
        for _ in range(5):
            case = self.case_for(tenant_id, invoice_id)
            if case is None:
                raise AggregateNotFoundError(invoice_id)
            case.check_may_approve(user)
            with continue_trace("approve invoice", self._invoice_traceparent(invoice_id)):
                meta = new_meta(tenant_id, correlation_id=str(invoice_id))
                case.approve(user, datetime.now(UTC), meta)
                try:
                    self.save(case)
                    return case
                except IntegrityError:
                    continue
        raise ApprovalRefused("the invoice changed while approving; try again", status=409)

    def _invoice_traceparent(self, invoice_id: UUID) -> str | None:
        first = next(iter(self.repository.event_store.get(invoice_id, limit=1)), None)
        meta: dict[str, str] = getattr(first, "meta", {}) or {}
        return meta.get("traceparent")

    handlers = {Topic.INVOICE_CODED: on_coded}
