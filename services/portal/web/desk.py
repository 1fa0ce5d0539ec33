"""The AP desk: the accountants' queues and the invoice page where a capture is corrected and a
flagged invoice is released or rejected.

The queues read the status projection (flagged invoices, how sure the capture and the coding
were); the invoice page puts the original next to what intake captured from it, each field with
its certainty. A correction goes to intake, which records it and learns where that supplier
prints the field; a coding change goes to approval's recode, as the approver's page does, so
posting learns from it. The services decide; a refusal comes back in the reader's language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.audit.projection import (
    Filter,
    Page,
    coded_by_hand,
    page_statuses,
    read_status,
    unsure_capture,
    with_status,
)
from services.portal.config import PortalSettings
from services.portal.web.approver import PICTURED, recoded
from services.portal.web.backend import Backend
from services.portal.web.paging import Pager, cursor, pager
from services.portal.web.session import Session
from services.portal.web.ui import PageError, Web

DESK_ROLES = ("accountant", "finance-admin")
SURE = 0.8
"""Below this certainty a captured field is uncertain: highlighted, and its invoice queued."""
SETTLED = frozenset({"posted", "payment-proposed", "payment-sent", "payment-failed", "paid"})
"""Past the point where a capture or coding is worth correcting on the desk."""
RECODABLE = frozenset({"coded", "awaiting-approval"})
BEFORE_VALIDATION = frozenset(
    {None, "received", "awaiting-ocr", "ocr-completed", "captured", "rejected", "flagged"}
)
"""Where a correction still changes the invoice itself: validation checks it again."""
FLAG_PREFIXES = ("FP-DUP-", "FP-FRAUD-", "FP-PO-")
FLAG_DECISIONS = {
    "release": ("release", "note", "released"),
    "reject": ("reject", "reason", "rejected"),
}
"""The desk's two buttons: validation's action, its body's field, the page's `done` word."""


def _at(*path: str) -> Callable[[dict[str, Any]], Any]:
    def read(invoice: dict[str, Any]) -> Any:
        value: Any = invoice
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return read


FIELDS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("BT-1", _at("number")),
    ("BT-2", _at("issue_date")),
    ("BT-9", _at("due_date")),
    ("BT-27", _at("seller", "name")),
    ("BT-30", _at("seller", "legal_id")),
    ("BT-31", _at("seller", "vat_id")),
    ("BT-10", _at("buyer_reference")),
    ("BT-13", _at("order_reference")),
    ("BT-83", _at("payment_id")),
    ("BT-84", _at("payment_account")),
    ("BT-5", _at("currency")),
    ("BT-109", _at("totals", "tax_exclusive")),
    ("BT-110", _at("totals", "tax")),
    ("BT-115", _at("totals", "payable")),
)
"""The captured fields the desk shows and corrects, by business term, in reading order."""
TERMS = frozenset(term for term, _ in FIELDS)
ALWAYS_THERE = ("BT-1", "BT-2", "BT-27", "BT-115")
"""Number, date, seller and amount: a capture without one of them missed it."""
QUEUES: dict[str, Filter] = {
    "flagged": with_status("flagged"),
    "captures": unsure_capture(sorted(TERMS), ALWAYS_THERE, SURE, sorted(SETTLED)),
    "codings": coded_by_hand(sorted(RECODABLE)),
}
"""What each queue reads from the projection, a page at a time: the same choice as `queues()`
makes of rows in Python (a test holds the two to each other)."""


@dataclass(frozen=True)
class Field:
    term: str
    value: Any
    source: str | None
    confidence: float | None
    corrected: bool

    @property
    def uncertain(self) -> bool:
        return not self.corrected and (self.confidence is None or self.confidence < SURE)

    @property
    def percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


def captured_fields(invoice: dict[str, Any], corrections: dict[str, str]) -> list[Field]:
    """Each field as captured (or as a person corrected it), with where it came from and how
    sure the capture was; a field the capture did not find has no certainty at all."""
    provenance = invoice.get("provenance") or {}
    fields = []
    for term, read in FIELDS:
        kept = provenance.get(term) or {}
        corrected = term in corrections
        fields.append(
            Field(
                term=term,
                value=corrections[term] if corrected else read(invoice),
                source="manual" if corrected else kept.get("source"),
                confidence=1.0 if corrected else kept.get("confidence"),
                corrected=corrected,
            )
        )
    return fields


def uncertain_terms(row: dict[str, Any]) -> list[str]:
    """The fields the capture was unsure of, and the ones every invoice has that it missed."""
    sureness = row.get("capture_confidence")
    if not isinstance(sureness, dict) or not sureness:
        return []
    unsure = {
        term
        for term, confidence in sureness.items()
        if term in TERMS and (not isinstance(confidence, int | float) or confidence < SURE)
    }
    unsure |= {term for term in ALWAYS_THERE if term not in sureness}
    return sorted(unsure, key=lambda term: int(term[3:]))


def queues(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The desk's three queues from the projection's rows (newest first)."""
    flagged, captures, codings = [], [], []
    for row in rows:
        status = row.get("status")
        if status == "flagged":
            rules = [
                f.get("rule_id")
                for f in row.get("findings") or []
                if str(f.get("rule_id", "")).startswith(FLAG_PREFIXES)
            ]
            flagged.append(row | {"rules": rules})
        if status in SETTLED:
            continue
        uncertain = uncertain_terms(row)
        if uncertain:
            captures.append(row | {"uncertain": uncertain})
        if (
            status in RECODABLE
            and row.get("coding_touchless") is False
            and not row.get("recoded_by")
        ):
            codings.append(row)
    return {"flagged": flagged, "captures": captures, "codings": codings}


def queue_rows(pages: list[Page]) -> dict[str, list[dict[str, Any]]]:
    """Each queue's page as `queues()` annotates its rows (the rules, the unsure fields)."""
    return {name: queues(page.rows)[name] for name, page in zip(QUEUES, pages, strict=True)}


def build_router(
    web: Web, backend: Backend, common: CommonSettings, portal: PortalSettings
) -> APIRouter:
    router = APIRouter(prefix="/desk", include_in_schema=False)
    intake = f"{portal.service_url_intake}/api/v1"
    posting = f"{portal.service_url_posting}/api/v1"
    approval = f"{portal.service_url_approval}/api/v1"
    validation = f"{portal.service_url_validation}/api/v1"

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *DESK_ROLES)

    @router.get("", response_class=HTMLResponse)
    async def desk(request: Request) -> Response:
        session = session_of(request)
        assert session.tenant is not None
        tenant, size = session.tenant, web.settings.page_size
        pages: list[Page] = await asyncio.gather(
            *(
                run_in_threadpool(
                    page_statuses, common, tenant, size, cursor(request, f"{name}_"), where, True
                )
                for name, where in QUEUES.items()
            )
        )
        pagers: dict[str, Pager] = {
            name: pager(request, page, f"{name}_", name)
            for name, page in zip(QUEUES, pages, strict=True)
        }
        return web.render(
            request,
            "desk_queues.html",
            title_key="desk.title",
            queues=queue_rows(pages),
            pagers=pagers,
            sure_percent=round(SURE * 100),
        )

    async def invoice_page(
        request: Request, invoice_id: UUID, error: str | None = None, status: int = 200
    ) -> Response:
        who = session_of(request).principal()
        original, coding, case, flag = await asyncio.gather(
            backend.call(who, "GET", f"{intake}/invoices/{invoice_id}/original"),
            backend.call(who, "GET", f"{posting}/invoices/{invoice_id}/coding"),
            backend.call(who, "GET", f"{approval}/invoices/{invoice_id}/approval"),
            backend.call(who, "GET", f"{validation}/invoices/{invoice_id}/flag"),
        )
        row = await run_in_threadpool(read_status, common, who.tenant, str(invoice_id))
        if not original.ok and row is None:
            raise PageError(404)
        body = original.body if original.ok else {}
        captured = body.get("invoice") or {}
        document = body.get("document") or {}
        lines = case.body.get("coding") if case.ok else None
        seller = captured.get("seller") or {}
        row = row or {}
        return web.render(
            request,
            "desk_invoice.html",
            status=status,
            title_key="desk.title",
            invoice_id=str(invoice_id),
            number=captured.get("number") or row.get("invoice_number") or "–",
            supplier=seller.get("name") or row.get("supplier_name") or "–",
            row=row,
            captured=captured,
            fields=captured_fields(captured, body.get("corrections") or {}) if captured else [],
            document=document,
            pictured=document.get("media_type") in PICTURED,
            picture_url=f"/desk/invoices/{invoice_id}/original.png",
            download_url=f"/desk/invoices/{invoice_id}/original",
            coding=coding.body if coding.ok else None,
            lines=lines or (coding.body.get("lines") if coding.ok else []) or [],
            recodable=case.ok and case.body.get("status") == "open" and not case.body.get("legacy"),
            flag=flag.body if flag.ok else None,
            passed_validation=row.get("status") not in BEFORE_VALIDATION,
            error=error,
        )

    @router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice(request: Request, invoice_id: UUID) -> Response:
        return await invoice_page(request, invoice_id)

    @router.get("/invoices/{invoice_id}/original.png")
    async def picture(request: Request, invoice_id: UUID) -> Response:
        who = session_of(request).principal()
        return await passed_on(backend, who, f"{intake}/invoices/{invoice_id}/original/preview.png")

    @router.get("/invoices/{invoice_id}/original")
    async def download(request: Request, invoice_id: UUID) -> Response:
        who = session_of(request).principal()
        return await passed_on(backend, who, f"{intake}/invoices/{invoice_id}/original/file")

    @router.post("/invoices/{invoice_id}/correct", response_class=HTMLResponse)
    async def correct(request: Request, invoice_id: UUID) -> Response:
        session = session_of(request)
        form = await web.checked_form(request)
        term = str(form.get("field", ""))
        if term not in TERMS:
            raise PageError(404)
        body = {"field": term, "value": str(form.get("value", "")).strip()}
        reply = await backend.call(
            session.principal(), "POST", f"{intake}/invoices/{invoice_id}/corrections", json=body
        )
        if not reply.ok:
            return await refused(request, invoice_id, reply.status, reply.reason(web.lang(request)))
        return web.redirect(request, f"/desk/invoices/{invoice_id}?done=corrected#{term}")

    @router.post("/invoices/{invoice_id}/recode", response_class=HTMLResponse)
    async def recode(request: Request, invoice_id: UUID) -> Response:
        session = session_of(request)
        form = {k: v for k, v in (await web.checked_form(request)).items() if isinstance(v, str)}
        who = session.principal()
        case = await backend.call(who, "GET", f"{approval}/invoices/{invoice_id}/approval")
        if not case.ok:
            raise PageError(404)
        lines = recoded(case.body.get("coding") or [], form)
        reply = await backend.call(
            who, "POST", f"{approval}/invoices/{invoice_id}/recode", json={"lines": lines}
        )
        if not reply.ok:
            return await refused(request, invoice_id, reply.status, reply.reason(web.lang(request)))
        return web.redirect(request, f"/desk/invoices/{invoice_id}?done=recoded")

    @router.post("/invoices/{invoice_id}/flag", response_class=HTMLResponse)
    async def decide_flag(request: Request, invoice_id: UUID) -> Response:
        """Release or reject a flagged invoice: validation decides who may, and records it."""
        session = session_of(request)
        form = await web.checked_form(request)
        decision = FLAG_DECISIONS.get(str(form.get("decision", "")))
        if decision is None:
            raise PageError(404)
        action, key, done = decision
        note = str(form.get("note", "")).strip()
        reply = await backend.call(
            session.principal(),
            "POST",
            f"{validation}/invoices/{invoice_id}/flag/{action}",
            json={key: note},
        )
        if not reply.ok:
            return await refused(request, invoice_id, reply.status, reply.reason(web.lang(request)))
        return web.redirect(request, f"/desk/invoices/{invoice_id}?done={done}")

    async def refused(request: Request, invoice_id: UUID, status: int, reason: str) -> Response:
        if status == 404:
            raise PageError(404)
        message = web.t(request, "refused", reason=reason)
        return await invoice_page(request, invoice_id, message, status)

    return router


async def passed_on(backend: Backend, who: Principal, url: str) -> Response:
    """The original (or its picture) as intake gives it, never as a page of ours."""
    reply = await backend.call(who, "GET", url)
    if not reply.ok:
        raise PageError(404)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    if not url.endswith(".png"):
        headers["Content-Disposition"] = "attachment"
    return Response(reply.content, media_type=reply.media_type, headers=headers)
