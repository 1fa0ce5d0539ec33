"""Payment API: propose a payment run, look at it, approve it (four eyes) to send it to the bank."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from fakturaportal.auth import CurrentUser, require_roles
from services.payment.app import PaymentApp, RunNotFoundError
from services.payment.domain import PaymentRefusedError, PaymentRun
from services.payment.pain001 import PaymentFileError

PROPOSERS = ("accountant", "finance-admin", "payment-approver")
READERS = (*PROPOSERS, "auditor")
RELEASERS = ("payment-approver",)


class ProposeRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_until: date | None = Field(default=None, description="Default: today + 14 days.")
    execution_date: date | None = Field(
        default=None, description="Default: each invoice on its due date (today at the earliest)."
    )


def build_router(app: PaymentApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1/payment-runs", tags=["payment"])

    @router.post("", status_code=status.HTTP_201_CREATED)
    def propose(user: CurrentUser, body: ProposeRun | None = None) -> dict[str, Any]:
        require_roles(user, *PROPOSERS)
        body = body or ProposeRun()
        try:
            run = app.propose(user.tenant, user.user, body.due_until, body.execution_date)
        except PaymentRefusedError as exc:
            raise HTTPException(exc.status, exc.reason) from exc
        return run_view(run)

    @router.get("/{run_id}")
    def get_run(run_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        run = app.run_for(user.tenant, run_id)
        if run is None:
            raise HTTPException(404, "no payment run with that id")
        return run_view(run)

    @router.post("/{run_id}/approve")
    def approve(run_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *RELEASERS)
        try:
            run = app.approve(user.tenant, run_id, user.user)
        except RunNotFoundError as exc:
            raise HTTPException(404, "no payment run with that id") from exc
        except PaymentRefusedError as exc:
            raise HTTPException(exc.status, exc.reason) from exc
        except PaymentFileError as exc:
            raise HTTPException(500, f"the payment file could not be made: {exc}") from exc
        except OSError as exc:
            raise HTTPException(503, f"the bank channel is unavailable: {exc}") from exc
        return run_view(run)

    return router


def run_view(run: PaymentRun) -> dict[str, Any]:
    fields = (
        "invoice_id",
        "invoice_number",
        "payment_id",
        "creditor_name",
        "creditor_account",
        "kid",
        "amount",
        "currency",
        "due_date",
        "execution_date",
    )
    return {
        "run_id": str(run.id),
        "status": run.status,
        "proposed_by": run.proposed_by,
        "proposed_at": run.proposed_at,
        "released_by": run.released_by,
        "released_at": run.released_at,
        "message_id": run.message_id,
        "file_name": run.file_name,
        "items": [{f: p.get(f) for f in fields} for p in run.payments],
        "total": str(run.total.quantize(Decimal("0.01"))),
        "currency": "NOK",
    }
