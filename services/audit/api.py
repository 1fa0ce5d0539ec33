"""Audit API: `GET /api/v1/invoices/{id}/history`, the hash-chained trail of one invoice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from fakturaportal.auth import ROLES, CurrentUser, require_roles
from fakturaportal.http import Refused, RefusingRoute
from services.audit.app import AuditApp
from services.audit.domain import Entry, verify_chain

#: Auditors and every internal role; suppliers do not see the internal trail (yet).
READERS = tuple(sorted(ROLES - {"supplier"}))


def history_item(entry: Entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "topic": entry.topic,
        "type": entry.ce_type,
        "source": entry.source,
        "time": entry.time,
        "recorded_at": entry.recorded_at,
        "ce_id": entry.ce_id,
        "causation_id": entry.causation_id,
        "correlation_id": entry.correlation_id,
        "trace_id": entry.trace_id,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "payload": entry.payload,
    }


def build_router(app: AuditApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["audit"], route_class=RefusingRoute)

    @router.get("/invoices/{invoice_id}/history")
    def history(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        trail = app.trail_for(user.tenant, invoice_id)
        if trail is None:
            raise Refused(404, "invoice not found", "Fant ikke fakturaen.")
        problems = verify_chain(trail.entries)
        return {
            "invoice_id": str(invoice_id),
            "chain_valid": not problems,
            "chain_problems": problems,
            "events": [history_item(e) for e in trail.entries],
        }

    return router
