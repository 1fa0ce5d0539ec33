"""Approval API: the inbox, decisions on an invoice, comments, substitutes, the organisation.

A refusal answers with its HTTP status and `{"detail": <English reason>, "reason_nb": ...,
"code": ...}`; the code names the rule (e.g. `registered`, `attestant`, `authority`). Another
tenant's invoice is never found (404).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from fakturaportal.auth import CurrentUser, Principal, require_roles
from fakturaportal.http import Refused, RefusingRoute, refusal
from services.approval.app import ApprovalApp, CaseNotFound
from services.approval.case import ApprovalCase
from services.approval.domain import ApprovalCase as LegacyCase
from services.approval.domain import ApprovalRefused
from services.approval.inbox import OpenStep, discount_of
from services.approval.organisation import (
    SECTIONS,
    Organisation,
    OrganisationRefused,
    SupplierContact,
)
from services.approval.reminders import Priority, priority
from services.approval.sod import Refusal
from shared.schemas.events import CodingLine

DECIDERS = ("attestant", "budget-holder", "finance-admin", "payment-approver")
RECODERS = (*DECIDERS, "accountant")
READERS = (*RECODERS, "auditor", "supplier")
COMMENTERS = (*RECODERS, "supplier")
NOT_FOUND = "no approval case for that invoice"
NOT_FOUND_NB = "Fakturaen har ingen godkjenningssak."


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveInput(_Input):
    step_id: str | None = Field(default=None, description="One step; default: all of mine.")


class RejectInput(_Input):
    reason: str = Field(min_length=1, max_length=2000)


class ForwardInput(_Input):
    to: str = Field(min_length=1, max_length=200)
    note: str = Field(min_length=1, max_length=2000)
    step_id: str | None = None


class RecodeInput(_Input):
    lines: list[CodingLine] = Field(min_length=1, max_length=1000)


class HoldInput(_Input):
    until: datetime
    reason: str | None = Field(default=None, max_length=2000)


class CommentInput(_Input):
    text: str = Field(min_length=1, max_length=5000)
    visibility: Literal["internal", "supplier"] = "internal"
    reply_to: str | None = None
    question_to: str | None = Field(default=None, description="A user, or `supplier`.")


class RouteInput(_Input):
    nok_rate: Decimal | None = Field(
        default=None,
        gt=0,
        description="NOK per unit of the invoice's currency, for an invoice that states none.",
    )


class SubstituteInput(_Input):
    substitute: str | None = Field(description="null clears the substitute.")
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def refused(exc: ApprovalRefused) -> JSONResponse:
    if isinstance(exc, Refusal):
        return refusal(exc.status, exc.reason, exc.reason_nb, code=exc.code)
    return refusal(exc.status, exc.reason, exc.reason_nb)


def build_router(app: ApprovalApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["approval"], route_class=RefusingRoute)

    async def run(user: Principal, invoice_id: UUID, call: Any, *args: Any) -> Any:
        try:
            return await run_in_threadpool(call, user.tenant, invoice_id, user.user, *args)
        except CaseNotFound as exc:
            raise Refused(404, NOT_FOUND, NOT_FOUND_NB) from exc

    @router.get("/approvals/inbox")
    def inbox(user: CurrentUser) -> dict[str, Any]:
        """What awaits me (also as a substitute, or escalated to me), most urgent first."""
        require_roles(user, *RECODERS)
        now = app.clock()
        rows = []
        for step, why, on_behalf_of in app.inbox(user.tenant, user.user):
            urgency = priority(step, now, discount_of(step))
            rows.append(
                (
                    urgency.sort_key,
                    step.due_at or datetime.max.replace(tzinfo=now.tzinfo),
                    _inbox_row(step, why, on_behalf_of, urgency),
                )
            )
        rows.sort(key=lambda r: (r[0], r[1]))
        return {"user": user.user, "items": [row for _, _, row in rows]}

    @router.get("/invoices/{invoice_id}/approval")
    def status(invoice_id: UUID, user: CurrentUser) -> Any:
        require_roles(user, *READERS)
        case = app.case_for(user.tenant, invoice_id)
        if case is None:
            waiting = app.unrouted(user.tenant, invoice_id)
            legacy = app.legacy_case(user.tenant, invoice_id)
            if legacy is not None and user.has_any(*RECODERS, "auditor"):
                return _legacy_view(legacy)
            if waiting is None or waiting.routed_by is not None:
                raise Refused(404, NOT_FOUND, NOT_FOUND_NB)
            return {
                "invoice_id": str(invoice_id),
                "status": "unrouted",
                "assignee": "ap-inbox",
                "code": waiting.code,
                "reason": waiting.reason,
                "reason_nb": waiting.reason_nb,
            }
        supplier = not user.has_any(*RECODERS, "auditor")
        if supplier and not app.organisation(user.tenant).linked_to_supplier(
            user.user, case.invoice.seller_legal_id
        ):
            raise Refused(404, NOT_FOUND, NOT_FOUND_NB)  # a supplier sees their own invoices only
        return _case_view(case, supplier=supplier)

    @router.post("/invoices/{invoice_id}/approve", response_model=None)
    async def approve(invoice_id: UUID, user: CurrentUser, body: ApproveInput | None = None) -> Any:
        require_roles(user, *DECIDERS)
        try:
            case, decision = await run(
                user, invoice_id, app.approve, body.step_id if body else None
            )
        except ApprovalRefused as exc:
            return refused(exc)
        return {
            "invoice_id": str(invoice_id),
            "status": case.status,
            "approved": decision.approved,
            "routed_upwards": decision.routed,
            "approved_by": user.user,
            "steps": _steps(case),
        }

    @router.post("/invoices/{invoice_id}/reject", response_model=None)
    async def reject(invoice_id: UUID, body: RejectInput, user: CurrentUser) -> Any:
        require_roles(user, *DECIDERS)
        try:
            case, _ = await run(user, invoice_id, app.dispute, body.reason)
        except ApprovalRefused as exc:
            return refused(exc)
        return _case_view(case)

    @router.post("/invoices/{invoice_id}/forward", response_model=None)
    async def forward(invoice_id: UUID, body: ForwardInput, user: CurrentUser) -> Any:
        require_roles(user, *DECIDERS)
        try:
            case, _ = await run(user, invoice_id, app.forward, body.to, body.note, body.step_id)
        except ApprovalRefused as exc:
            return refused(exc)
        return _case_view(case)

    @router.post("/invoices/{invoice_id}/recode", response_model=None)
    async def recode(invoice_id: UUID, body: RecodeInput, user: CurrentUser) -> Any:
        require_roles(user, *RECODERS)
        try:
            case, _ = await run(user, invoice_id, app.recode, body.lines)
        except ApprovalRefused as exc:
            return refused(exc)
        return _case_view(case)

    @router.post("/invoices/{invoice_id}/hold", response_model=None)
    async def hold(invoice_id: UUID, body: HoldInput, user: CurrentUser) -> Any:
        require_roles(user, *DECIDERS)
        try:
            case, _ = await run(user, invoice_id, app.hold, body.until, body.reason)
        except ApprovalRefused as exc:
            return refused(exc)
        return _case_view(case)

    @router.post("/invoices/{invoice_id}/comments", status_code=201, response_model=None)
    async def comment(invoice_id: UUID, body: CommentInput, user: CurrentUser) -> Any:
        require_roles(user, *COMMENTERS)
        try:
            case, comment_id = await run(
                user,
                invoice_id,
                app.comment,
                body.text,
                body.visibility,
                body.reply_to,
                body.question_to,
            )
        except ApprovalRefused as exc:
            return refused(exc)
        return {"invoice_id": str(invoice_id), "comment_id": comment_id} | {
            "comments": case.comments_for(supplier=not user.has_any(*RECODERS))
        }

    @router.post("/invoices/{invoice_id}/approval/route", response_model=None)
    async def route_again(
        invoice_id: UUID, user: CurrentUser, body: RouteInput | None = None
    ) -> Any:
        """After fixing the organisation: route an invoice that nobody could take."""
        require_roles(user, "finance-admin")
        rate = body.nok_rate if body else None
        try:
            case = await run(user, invoice_id, app.route_again, rate)
        except ApprovalRefused as exc:
            return refused(exc)
        return _case_view(case)

    @router.put("/users/{user_id}/substitute", response_model=None)
    async def substitute(user_id: str, body: SubstituteInput, user: CurrentUser) -> Any:
        require_roles(user, *RECODERS)
        if user.user != user_id and not user.has_any("finance-admin"):
            raise Refused(
                403,
                f"only {user_id} or a finance admin may set the substitute",
                f"Bare {user_id} eller en økonomiansvarlig kan velge stedfortreder.",
            )
        try:
            org = await run_in_threadpool(
                app.set_substitute,
                user.tenant,
                user_id,
                body.substitute,
                body.valid_from,
                body.valid_to,
                user.user,
            )
        except OrganisationRefused as exc:
            return _org_refused(exc)
        except ApprovalRefused as exc:
            return refused(exc)
        return {
            "user": user_id,
            "substitutes": [
                s.model_dump(mode="json") for s in org.substitutes if s.user == user_id
            ],
        }

    @router.get("/approval/organisation")
    def organisation(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "finance-admin", "auditor", "accountant")
        return _org_view(app.organisation(user.tenant), app.has_organisation(user.tenant))

    @router.get("/approval/organisation/history")
    def organisation_history(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "finance-admin", "auditor")
        return {"changes": app.organisation_history(user.tenant)}

    @router.post("/approval/organisation/supplier-contacts", response_model=None)
    async def invite(body: SupplierContact, user: CurrentUser) -> Any:
        """Add a supplier's contact (or one more orgnr for them): one user, nothing else, so an
        accountant may do it too; the rest of the organisation stays the finance admin's."""
        require_roles(user, "finance-admin", "accountant")
        try:
            added = await run_in_threadpool(app.add_supplier_contact, user.tenant, body, user.user)
        except OrganisationRefused as exc:
            return _org_refused(exc)
        return added.model_dump(mode="json")

    @router.put("/approval/organisation/{section}", response_model=None)
    async def change(section: str, user: CurrentUser, body: Any = Body(...)) -> Any:  # noqa: B008
        require_roles(user, "finance-admin")
        if section.replace("-", "_") not in SECTIONS:
            named = ", ".join(SECTIONS)
            raise Refused(
                404, f"no section {section}: one of {named}", f"Ingen del {section}: en av {named}."
            )
        try:
            org = await run_in_threadpool(
                app.change_organisation, user.tenant, section.replace("-", "_"), body, user.user
            )
        except OrganisationRefused as exc:
            return _org_refused(exc)
        except ApprovalRefused as exc:
            return refused(exc)
        return _org_view(org, True)

    return router


def _org_refused(exc: OrganisationRefused) -> JSONResponse:
    return refusal(
        422,
        str(exc),
        "; ".join(exc.problems_nb),
        problems=exc.problems,
        problems_nb=exc.problems_nb,
    )


def _org_view(org: Organisation, own: bool) -> dict[str, Any]:
    view: dict[str, Any] = org.model_dump(mode="json")
    return view | {"configured": own}


def _steps(case: ApprovalCase) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json") for s in case.steps]


def _legacy_view(case: LegacyCase) -> dict[str, Any]:
    return {
        "invoice_id": str(case.id),
        "status": "approved" if case.approved_by else "open",
        "legacy": True,
        "invoice": case.summary,
        "registered_by": case.registered_by,
        "coding": case.coding,
        "steps": [{"id": case.step, "assignee": case.assignee, "approved_by": case.approved_by}],
        "assignee": None if case.approved_by else case.assignee,
    }


def _case_view(case: ApprovalCase, supplier: bool = False) -> dict[str, Any]:
    invoice = case.invoice
    view: dict[str, Any] = {
        "invoice_id": str(case.id),
        "status": case.status,
        "invoice": invoice.model_dump(mode="json"),
        "comments": case.comments_for(supplier=supplier),
    }
    if supplier:
        return view
    active = case.active_steps()
    return view | {
        "registered_by": case.registered_by,
        "recoded_by": case.recoded_by,
        "coded_by": case.coded_by,
        "coding": case.lines,
        "steps": _steps(case),
        "assignee": active[0].assignee if active else None,
        "held_until": case.held_until.isoformat() if case.held_until else None,
        "disputed_by": case.disputed_by,
        "dispute_reason": case.dispute_reason,
        "approved_at": case.approved_at.isoformat() if case.approved_at else None,
        "open_questions": case.open_questions(),
    }


def _inbox_row(
    step: OpenStep, why: str, on_behalf_of: str | None, urgency: Priority
) -> dict[str, Any]:
    amount = step.payable_amount
    return {
        "invoice_id": str(step.case_id),
        "invoice_number": step.invoice_number,
        "supplier_name": step.supplier_name,
        "amount": str(amount) if amount is not None else None,
        "currency": step.currency,
        "due_date": step.due_date.isoformat() if step.due_date else None,
        "step": step.step_id,
        "kind": step.kind,
        "step_amount": str(step.step_amount),
        "step_due_at": step.due_at.isoformat() if step.due_at else None,
        "assignee": step.assignee,
        "why": why,
        "on_behalf_of": on_behalf_of,
        "priority": urgency.level,
        "held_until": step.held_until,
        "discount_percent": str(step.discount_percent) if step.discount_percent else None,
        "discount_until": step.discount_until.isoformat() if step.discount_until else None,
        "discount_at_stake": str(urgency.at_stake) if urgency.at_stake else None,
    }
