"""Posting API: the tenant's chart of accounts, dimensions, coding rules and touchless threshold,
and the coding suggested for an invoice with its explanation."""

from __future__ import annotations

from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ValidationError

from fakturaportal.auth import CurrentUser, require_roles
from services.posting.app import PostingApp
from services.posting.domain import PostingCase
from services.posting.setup import (
    Account,
    CodingRule,
    Dimensions,
    ExportSettings,
    Settings,
    SetupRefused,
)

READERS = ("accountant", "attestant", "budget-holder", "finance-admin", "auditor")
SECTIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "chart": (list[Account], ("finance-admin",)),
    "dimensions": (Dimensions, ("finance-admin",)),
    "rules": (list[CodingRule], ("finance-admin", "accountant")),
    "settings": (Settings, ("finance-admin",)),
    "export": (ExportSettings, ("finance-admin",)),
}


def build_router(app: PostingApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["posting"])

    @router.get("/coding/setup")
    def get_setup(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        return app.setup_for(user.tenant).model_dump(mode="json")

    @router.get("/coding/setup/history")
    def setup_history(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "finance-admin", "auditor")
        return {"changes": app.setup_history(user.tenant)}

    @router.put("/coding/{section}")
    def put_section(
        section: str, body: Annotated[Any, Body()], user: CurrentUser
    ) -> dict[str, Any]:
        """Replaces one section (chart, dimensions, rules, settings); the change is an event."""
        if section not in SECTIONS:
            raise HTTPException(404, f"no section {section!r}; one of {', '.join(SECTIONS)}")
        model, writers = SECTIONS[section]
        require_roles(user, *writers)
        value = _validated(model, body, section)
        try:
            setup = app.change_setup(user.tenant, section, value, user.user)
        except SetupRefused as exc:
            raise HTTPException(422, str(exc)) from exc
        dumped: dict[str, Any] = setup.model_dump(mode="json")
        return {section: dumped[section]}

    @router.get("/invoices/{invoice_id}/coding")
    def coding(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        case = cast(PostingCase | None, app.get_or_none(invoice_id))
        if case is None or case.tenant_id != user.tenant:
            raise HTTPException(404, "no coding for that invoice")
        first: Any = next(iter(app.repository.event_store.get(invoice_id, limit=1)))
        return {
            "invoice_id": str(invoice_id),
            "lines": case.lines,
            "confidence": first.confidence,
            "method": first.method,
            "explanation": first.explanation,
            "touchless": first.touchless,
            "findings": first.findings or [],
            "recoded_by": case.recoded_by,
            "voucher_number": case.voucher_number,
        }

    @router.post("/invoices/{invoice_id}/export")
    def export_again(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        """Another try for a voucher the ERP did not take (after fixing the ERP or the setup)."""
        require_roles(user, "accountant", "finance-admin")
        try:
            case = app.request_export(user.tenant, invoice_id, user.user)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        return {
            "invoice_id": str(invoice_id),
            "voucher_number": case.voucher_number,
            "export": "pending",
        }

    return router


def _validated(model: Any, body: Any, section: str) -> Any:
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(body).model_dump(mode="json")
        item = model.__args__[0]
        if not isinstance(body, list):
            raise HTTPException(422, f"{section}: expected a list")
        return [item.model_validate(x).model_dump(mode="json") for x in body]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or section}: {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(422, f"{section}: {problems}") from exc
