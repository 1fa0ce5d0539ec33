"""The auditor's pages: every invoice of the tenant, and one invoice's hash-chained trail.

Read only, by design: no page here has a form. The trail is audit's own
(`GET /api/v1/invoices/{id}/history`), with its verdict on the chain; the facts come from the
status projection. Accountants and finance admins may read the same trail (the API lets every
internal role), so the desk links here.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from fakturaportal.settings import CommonSettings
from services.audit.projection import page_statuses, read_status
from services.portal.config import PortalSettings
from services.portal.web.approver import PICTURED
from services.portal.web.backend import Backend
from services.portal.web.desk import TERMS, captured_fields, passed_on
from services.portal.web.paging import cursor, pager
from services.portal.web.session import Session
from services.portal.web.ui import PageError, Web
from shared.schemas.topics import Topic

AUDIT_ROLES = ("auditor", "accountant", "finance-admin")


def build_router(
    web: Web, backend: Backend, common: CommonSettings, portal: PortalSettings
) -> APIRouter:
    router = APIRouter(prefix="/audit", include_in_schema=False)
    audit = f"{portal.service_url_audit}/api/v1"
    intake = f"{portal.service_url_intake}/api/v1"

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *AUDIT_ROLES)

    @router.get("/invoices", response_class=HTMLResponse)
    async def invoices(request: Request) -> Response:
        session = session_of(request)
        assert session.tenant is not None
        page = await run_in_threadpool(
            page_statuses, common, session.tenant, web.settings.page_size, cursor(request)
        )
        return web.render(
            request,
            "audit_invoices.html",
            title_key="audit.title",
            rows=page.rows,
            pager=pager(request, page),
        )

    @router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice(request: Request, invoice_id: UUID) -> Response:
        who = session_of(request).principal()
        history, original = await asyncio.gather(
            backend.call(who, "GET", f"{audit}/invoices/{invoice_id}/history"),
            backend.call(who, "GET", f"{intake}/invoices/{invoice_id}/original"),
        )
        if history.status == 403:
            raise PageError(403)
        row = await run_in_threadpool(read_status, common, who.tenant, str(invoice_id))
        if not history.ok and row is None:
            raise PageError(404)
        trail = history.body if history.ok else {}
        body = original.body if original.ok else {}
        captured = body.get("invoice") or {}
        document = body.get("document") or {}
        return web.render(
            request,
            "audit_invoice.html",
            title_key="audit.title",
            invoice_id=str(invoice_id),
            number=(row or {}).get("invoice_number") or captured.get("number") or "–",
            row=row or {},
            trail=trail,
            events=[
                event | {"shown": shown(event.get("payload")), "correction": correction_of(event)}
                for event in trail.get("events", [])
            ],
            captured=captured,
            fields=captured_fields(captured, body.get("corrections") or {}) if captured else [],
            document=document,
            pictured=document.get("media_type") in PICTURED,
            picture_url=f"/audit/invoices/{invoice_id}/original.png",
            download_url=None,
        )

    @router.get("/invoices/{invoice_id}/original.png")
    async def picture(request: Request, invoice_id: UUID) -> Response:
        who = session_of(request).principal()
        return await passed_on(backend, who, f"{intake}/invoices/{invoice_id}/original/preview.png")

    return router


def shown(payload: Any) -> str:
    """An event's content as an auditor reads it: the JSON as recorded, indented."""
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True)


def correction_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """A desk correction in the trail as a line to read (which term, from what, to what, by
    whom); None for every other event. Suppliers never see the trail, so never a correction."""
    if event.get("topic") != Topic.INVOICE_CORRECTED.value:
        return None
    payload = event.get("payload") or {}
    line = {key: payload.get(key) for key in ("field", "previous", "value", "corrected_by")}
    return line | {"named": payload.get("field") in TERMS}
