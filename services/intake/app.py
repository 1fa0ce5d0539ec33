"""The intake application: registers originals and records what was captured from them."""

from __future__ import annotations

from dataclasses import dataclass

from fakturaportal.eventstore import ServiceApplication, new_meta
from services.intake.domain import IntakeCase, invoice_id_for
from shared.schemas.events import Channel, DocumentRef
from shared.schemas.invoice import CanonicalInvoice


@dataclass(frozen=True)
class Registration:
    invoice_id: str
    duplicate: bool


class IntakeApp(ServiceApplication):
    name = "intake"

    def register_captured(
        self,
        *,
        tenant_id: str,
        channel: Channel,
        document: DocumentRef,
        invoice: CanonicalInvoice,
        registered_by: str,
    ) -> Registration:
        invoice_id = invoice_id_for(tenant_id, document.sha256)
        if self.get_or_none(invoice_id) is not None:
            return Registration(str(invoice_id), duplicate=True)
        meta = new_meta(tenant_id, correlation_id=str(invoice_id))
        case = IntakeCase(
            invoice_id=invoice_id,
            tenant_id=tenant_id,
            channel=channel.value,
            document=document.model_dump(mode="json"),
            registered_by=registered_by,
            meta=meta,
        )
        case.capture(
            invoice=invoice.model_dump(mode="json"),
            document=document.model_dump(mode="json"),
            registered_by=registered_by,
            meta=meta,
        )
        self.save(case)
        return Registration(str(invoice_id), duplicate=False)
