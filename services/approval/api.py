"""Approval API: `POST /api/v1/invoices/{id}/approve`."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException

from fakturaportal.auth import CurrentUser
from services.approval.app import ApprovalApp
from services.approval.domain import ApprovalRefused


def build_router(app: ApprovalApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["approval"])

    @router.post("/invoices/{invoice_id}/approve")
    def approve(invoice_id: UUID, user: CurrentUser) -> dict[str, str]:
        try:
            case = app.approve(user.tenant, invoice_id, user.user)
        except AggregateNotFoundError as exc:
            raise HTTPException(404, "no invoice awaiting approval with that id") from exc
        except ApprovalRefused as exc:
            raise HTTPException(exc.status, exc.reason) from exc
        return {
            "invoice_id": str(invoice_id),
            "status": "approved",
            "approved_by": str(case.approved_by),
        }

    @router.get("/invoices/{invoice_id}/approval")
    def status(invoice_id: UUID, user: CurrentUser) -> dict[str, object]:
        case = app.case_for(user.tenant, invoice_id)
        if case is None:
            raise HTTPException(404, "no approval case for that invoice")
        return {
            "invoice_id": str(invoice_id),
            "step": case.step,
            "assignee": case.assignee,
            "approved_by": case.approved_by,
        }

    return router
