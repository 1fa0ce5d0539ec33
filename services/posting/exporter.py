"""The exporter: follows posting's event log and delivers each new voucher to the tenant's ERP.

It runs apart from the consumer, so an ERP that is slow or down holds up no coding. Each voucher
goes through the tenant's connector with retries and backoff; the outcome (delivered, or failed
with every attempt) is recorded as an event together with the exporter's position, in one
transaction. A crash between delivery and that record sends the voucher again after restart,
which the connectors recognise (idempotency key, file name): never a double posting.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking

from fakturaportal.eventstore import new_meta
from fakturaportal.follower import LogFollower
from services.posting.app import PostingApp
from services.posting.config import PostingSettings
from services.posting.connectors import (
    Connector,
    CsvFileConnector,
    Delivered,
    Failed,
    JsonWebhookConnector,
    SaftFileConnector,
    deliver_with_retries,
)
from services.posting.domain import PostingCase
from services.posting.setup import ExportSettings
from services.posting.voucher import Voucher

log = logging.getLogger(__name__)
TRIGGERS = ("PostingCase.Posted", "PostingCase.ExportRequested")


def connector_for(
    export: ExportSettings, posting: PostingSettings, outbox: Path, tenant_id: str
) -> Connector:
    folder = outbox / tenant_id
    if export.connector == "webhook":
        assert export.url is not None
        secret = posting.webhook_secret.get_secret_value() if posting.webhook_secret else None
        return JsonWebhookConnector(export.url, secret=secret)
    if export.connector == "saft":
        assert export.company is not None
        return SaftFileConnector(folder, export.company, xsd_path=posting.saft_xsd)
    return CsvFileConnector(folder)


class Exporter(LogFollower):
    def __init__(self, app: PostingApp) -> None:
        super().__init__(app, "exporter:posting")
        self.posting_app = app
        self.outbox = app.posting.export_dir or app.settings.data_dir / "erp-outbox"

    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        processing = ProcessingEvent[UUID](tracking=Tracking(self.name, tracking.notification_id))
        if type(domain_event).__qualname__ in TRIGGERS:
            case = cast(PostingCase, self.app.repository.get(domain_event.originator_id))
            if case.voucher is not None and case.export == "pending":
                trigger: dict[str, str] = getattr(domain_event, "meta", None) or {}
                self._deliver(case, trigger)
                processing.collect_events(case)
        self.app.record(processing)

    def _deliver(self, case: PostingCase, trigger: dict[str, str]) -> None:
        """The outcome is recorded in the trace and journey of what asked for the delivery."""
        voucher = Voucher.model_validate(case.voucher)
        setup = self.posting_app.setup_for(case.tenant_id)
        posting = self.posting_app.posting
        connector = connector_for(setup.export, posting, self.outbox, case.tenant_id)
        result = deliver_with_retries(
            connector,
            voucher,
            attempts=posting.export_attempts,
            base_delay=posting.export_base_delay,
            max_delay=posting.export_max_delay,
        )
        meta = dict(trigger) or new_meta(case.tenant_id, correlation_id=str(case.id))
        if isinstance(result, Delivered):
            log.info("voucher %s delivered by %s", voucher.voucher_number, connector.name)
            case.exported(
                connector=result.receipt.connector,
                reference=result.receipt.reference,
                duplicate=result.receipt.duplicate,
                attempts=len(result.attempts),
                meta=meta,
            )
            return
        failed: Failed = result
        log.warning("voucher %s not delivered: %s", voucher.voucher_number, failed.reason)
        case.export_failed(
            reason=failed.reason,
            connector=connector.name,
            attempts=len(failed.attempts),
            permanent=failed.permanent,
            meta=meta,
        )
