"""The approver's pages: the inbox, the one-screen decision, and absence with a substitute.

Every decision is a call to approval's API as the person, so its rules (duties, authority,
separation) decide; a refusal comes back on the page in the reader's language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from fakturaportal.settings import CommonSettings
from services.audit.projection import list_supplier_statuses, read_status
from services.portal.config import PortalSettings
from services.portal.web.backend import Backend, Reply
from services.portal.web.directory import Directory
from services.portal.web.session import Session
from services.portal.web.ui import APPROVER_ROLES, PageError, Web

OSLO = ZoneInfo("Europe/Oslo")
EARLIER = 5
PICTURED = ("application/pdf", "image/png", "image/jpeg")
RECODE_FIELDS = ("account", "vat_code", "department", "project")


def day_start(value: str) -> str:
    return datetime.combine(date.fromisoformat(value), time.min, OSLO).isoformat()


def day_end(value: str) -> str:
    """A date a person picks means the whole of that day, Norwegian time."""
    return datetime.combine(date.fromisoformat(value), time(23, 59, 59), OSLO).isoformat()


def recoded(lines: list[dict[str, Any]], form: dict[str, Any]) -> list[dict[str, Any]]:
    """The coding lines with the person's changes (amounts stay as they are)."""
    out = []
    for n, line in enumerate(lines):
        changed = dict(line)
        for name in RECODE_FIELDS:
            value = str(form.get(f"{name}_{n}", line.get(name) or "")).strip()
            changed[name] = value or (None if name in ("department", "project") else value)
        changed.pop("confidence", None)
        changed.pop("explanation", None)
        out.append(changed)
    return out


Form = dict[str, str]


def _text(form: Form, name: str) -> str:
    return form.get(name, "").strip()


def _ask(form: Form) -> dict[str, Any]:
    """A comment with `question_to`: visible to the supplier when the question is to them."""
    to = _text(form, "question_to")
    return {
        "text": _text(form, "text"),
        "question_to": to or None,
        "visibility": "supplier" if to == "supplier" else "internal",
    }


ACTIONS: dict[str, tuple[str, Callable[[Form], dict[str, Any]], str]] = {
    "approve": ("approve", lambda f: {}, "approved"),
    "reject": ("reject", lambda f: {"reason": _text(f, "reason")}, "rejected"),
    "forward": ("forward", lambda f: {"to": _text(f, "to"), "note": _text(f, "note")}, "forwarded"),
    "ask": ("comments", _ask, "asked"),
    "hold": (
        "hold",
        lambda f: {"until": day_end(f["until"]), "reason": _text(f, "reason") or None},
        "held",
    ),
}
"""Form action -> (approval API action, its JSON body from the form, the flash shown after)."""


def build_router(
    web: Web,
    backend: Backend,
    directory: Directory,
    common: CommonSettings,
    portal: PortalSettings,
) -> APIRouter:
    router = APIRouter(prefix="/approver", include_in_schema=False)
    approval = f"{portal.service_url_approval}/api/v1"
    posting = f"{portal.service_url_posting}/api/v1"
    intake = f"{portal.service_url_intake}/api/v1"

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *APPROVER_ROLES)

    @router.get("/inbox", response_class=HTMLResponse)
    async def inbox(request: Request) -> Response:
        session = session_of(request)
        reply = await backend.call(session.principal(), "GET", f"{approval}/approvals/inbox")
        if not reply.ok:
            raise PageError(reply.status if reply.status in (403, 404) else 502)
        return web.render(
            request, "approver_inbox.html", title_key="inbox.title", items=reply.body["items"]
        )

    async def decision(
        request: Request,
        session: Session,
        invoice_id: UUID,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        who = session.principal()
        case, coding, original = await asyncio.gather(
            backend.call(who, "GET", f"{approval}/invoices/{invoice_id}/approval"),
            backend.call(who, "GET", f"{posting}/invoices/{invoice_id}/coding"),
            backend.call(who, "GET", f"{intake}/invoices/{invoice_id}/original"),
        )
        if not case.ok:
            raise PageError(403 if case.status == 403 else 404)
        row = await run_in_threadpool(read_status, common, who.tenant, str(invoice_id)) or {}
        invoice = case.body.get("invoice") or {}
        orgnr = invoice.get("seller_legal_id") or row.get("supplier_orgnr")
        earlier = []
        if orgnr:
            found = await run_in_threadpool(
                list_supplier_statuses, common, who.tenant, [orgnr], None, EARLIER + 1
            )
            earlier = [r for r in found if r.get("invoice_id") != str(invoice_id)][:EARLIER]
        document = original.body.get("document", {}) if original.ok else {}
        return web.render(
            request,
            "approver_invoice.html",
            status=status,
            title_key="field.number",
            invoice_id=str(invoice_id),
            case=case.body,
            invoice=invoice,
            coding=coding.body if coding.ok else None,
            captured=(original.body.get("invoice") or {}) if original.ok else {},
            pictured=document.get("media_type") in PICTURED,
            has_original=original.ok,
            row=row,
            warnings=[f for f in row.get("findings") or [] if f.get("flag") == "warning"],
            earlier=earlier,
            error=error,
        )

    @router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice(request: Request, invoice_id: UUID) -> Response:
        return await decision(request, session_of(request), invoice_id)

    @router.get("/invoices/{invoice_id}/original.png")
    async def preview(request: Request, invoice_id: UUID) -> Response:
        return await passed_on(request, f"{intake}/invoices/{invoice_id}/original/preview.png")

    @router.get("/invoices/{invoice_id}/original")
    async def download(request: Request, invoice_id: UUID) -> Response:
        return await passed_on(request, f"{intake}/invoices/{invoice_id}/original/file")

    async def passed_on(request: Request, url: str) -> Response:
        """The original (or its picture) as intake gives it, never as a page of ours."""
        reply = await backend.call(session_of(request).principal(), "GET", url)
        if not reply.ok:
            raise PageError(404)
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
        return Response(reply.content, media_type=reply.media_type, headers=headers)

    @router.post("/invoices/{invoice_id}/{action}", response_class=HTMLResponse)
    async def act(request: Request, invoice_id: UUID, action: str) -> Response:
        session = session_of(request)
        form = {k: v for k, v in (await web.checked_form(request)).items() if isinstance(v, str)}
        who = session.principal()
        if action == "recode":
            case = await backend.call(who, "GET", f"{approval}/invoices/{invoice_id}/approval")
            if not case.ok:
                raise PageError(404)
            path, body, done = "recode", {"lines": recoded(case.body["coding"], form)}, "recoded"
        elif action in ACTIONS:
            path, build, done = ACTIONS[action]
            try:
                body = build(form)
            except (KeyError, ValueError):
                body = {}  # a missing or bad date: the API names what is wrong
        else:
            raise PageError(404)
        reply = await backend.call(
            who, "POST", f"{approval}/invoices/{invoice_id}/{path}", json=body
        )
        if not reply.ok:
            return await refused(request, session, invoice_id, reply)
        return web.redirect(request, f"/approver/invoices/{invoice_id}?done={done}")

    async def refused(
        request: Request, session: Session, invoice_id: UUID, reply: Reply
    ) -> Response:
        if reply.status == 404:
            raise PageError(404)
        reason = web.refusal(request, reply)
        return await decision(request, session, invoice_id, reason, reply.status)

    @router.get("/absence", response_class=HTMLResponse)
    async def absence(request: Request) -> Response:
        return await absence_page(request)

    async def absence_page(
        request: Request, error: str | None = None, status: int = 200
    ) -> Response:
        who = session_of(request).principal()
        current = await directory.substitutes_of(who.tenant, who.user)
        return web.render(
            request,
            "approver_absence.html",
            status=status,
            title_key="absence.title",
            current=current,
            error=error,
        )

    @router.post("/absence", response_class=HTMLResponse)
    async def set_absence(request: Request) -> Response:
        session = session_of(request)
        form = {k: v for k, v in (await web.checked_form(request)).items() if isinstance(v, str)}
        clear = form.get("clear") == "1"
        body: dict[str, Any] = {"substitute": None}
        if not clear:
            try:
                body = {
                    "substitute": form.get("substitute", "").strip() or None,
                    "valid_from": day_start(form.get("valid_from", "")),
                    "valid_to": day_end(form.get("valid_to", "")),
                }
            except ValueError:
                body = {"substitute": form.get("substitute"), "valid_from": "?"}
        reply = await backend.call(
            session.principal(), "PUT", f"{approval}/users/{session.user}/substitute", json=body
        )
        if not reply.ok:
            reason = web.refusal(request, reply)
            return await absence_page(request, reason, reply.status)
        done = "absence_cleared" if clear else "absence"
        return web.redirect(request, f"/approver/absence?done={done}")

    return router
