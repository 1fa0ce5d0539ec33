"""The supplier's pages: their invoices to one customer, where each is, messages, and upload.

A supplier contact sees an invoice when its seller org.nr is one they speak for, or when they
sent it themselves and it is not read yet. Anything else is "not found", like the API answers.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from fakturaportal.settings import CommonSettings
from services.audit.projection import page_statuses, read_status, supplier_filter
from services.portal.config import PortalSettings
from services.portal.visibility import owned_by
from services.portal.web.backend import Backend
from services.portal.web.paging import cursor, pager
from services.portal.web.session import Session
from services.portal.web.stages import rejection_reasons, stage_of, timeline
from services.portal.web.ui import SUPPLIER_ROLES, PageError, Web


def theirs(row: dict[str, Any] | None, session: Session) -> bool:
    return row is not None and owned_by(row, session.user or "", session.orgnrs)


def build_router(
    web: Web, backend: Backend, common: CommonSettings, portal: PortalSettings
) -> APIRouter:
    router = APIRouter(prefix="/supplier", include_in_schema=False)
    approval = f"{portal.service_url_approval}/api/v1/invoices"

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *SUPPLIER_ROLES)

    async def own_row(
        session: Session, invoice_id: UUID, just_sent: bool = False
    ) -> dict[str, Any]:
        assert session.tenant is not None
        row = await run_in_threadpool(read_status, common, session.tenant, str(invoice_id))
        if row is None or not theirs(row, session):
            raise PageError(404, just_sent=just_sent and row is None)
        return row

    @router.get("/invoices", response_class=HTMLResponse)
    async def invoices(request: Request) -> Response:
        session = session_of(request)
        assert session.tenant is not None
        page = await run_in_threadpool(
            page_statuses,
            common,
            session.tenant,
            web.settings.page_size,
            cursor(request),
            supplier_filter(session.orgnrs, session.user),
            True,
        )
        return web.render(
            request,
            "supplier_invoices.html",
            title_key="supplier.title",
            rows=[row | {"stage": stage_of(row.get("status"))} for row in page.rows],
            pager=pager(request, page),
        )

    @router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice(request: Request, invoice_id: UUID, sent: int = 0) -> Response:
        session = session_of(request)
        row = await own_row(session, invoice_id, just_sent=bool(sent))
        return await invoice_page(request, session, invoice_id, row)

    async def invoice_page(
        request: Request,
        session: Session,
        invoice_id: UUID,
        row: dict[str, Any],
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        case = await backend.call(session.principal(), "GET", f"{approval}/{invoice_id}/approval")
        lang = web.lang(request)
        return web.render(
            request,
            "supplier_invoice.html",
            status=status,
            title_key="supplier.invoice_title",
            row=row,
            stage=stage_of(row.get("status")),
            steps=timeline(row),
            reasons=rejection_reasons(row, lang),
            comments=case.body.get("comments", []) if case.ok else None,
            error=error,
        )

    @router.post("/invoices/{invoice_id}/comments", response_class=HTMLResponse)
    async def comment(request: Request, invoice_id: UUID) -> Response:
        session = session_of(request)
        form = await web.checked_form(request)
        row = await own_row(session, invoice_id)
        reply = await backend.call(
            session.principal(),
            "POST",
            f"{approval}/{invoice_id}/comments",
            json={"text": str(form.get("text", "")).strip(), "visibility": "supplier"},
        )
        if not reply.ok:
            error = reply.reason(web.lang(request))
            return await invoice_page(request, session, invoice_id, row, error, 422)
        return web.redirect(request, f"/supplier/invoices/{invoice_id}?done=comment")

    @router.get("/upload", response_class=HTMLResponse)
    def upload_form(request: Request) -> Response:
        session_of(request)
        return web.render(request, "supplier_upload.html", title_key="upload.title")

    @router.post("/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> Response:
        session = session_of(request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > portal.portal_max_body_bytes:
            raise PageError(413, "error.413")
        form = await web.checked_form(request)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return web.render(
                request,
                "supplier_upload.html",
                status=422,
                title_key="upload.title",
                error=web.t(request, "upload.file"),
            )
        data = await file.read()
        reply = await backend.call(
            session.principal(),
            "POST",
            f"{portal.service_url_intake}/api/v1/invoices",
            files={"file": (file.filename, data, file.content_type or "application/octet-stream")},
        )
        if not reply.ok or not isinstance(reply.body, dict):
            return web.render(
                request,
                "supplier_upload.html",
                status=reply.status if reply.status >= 400 else 502,
                title_key="upload.title",
                error=reply.reason(web.lang(request)),
            )
        done = "duplicate" if reply.body.get("duplicate") else "uploaded"
        return web.redirect(
            request, f"/supplier/invoices/{reply.body['invoice_id']}?sent=1&done={done}"
        )

    return router
