"""Posting API: the tenant's chart of accounts, dimensions, coding rules and touchless threshold,
and the coding suggested for an invoice with its explanation."""

from __future__ import annotations

from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Body
from pydantic import BaseModel, ValidationError

from fakturaportal.auth import CurrentUser, require_roles
from fakturaportal.http import Refused, RefusingRoute
from services.posting.app import ExportRefused, PostingApp
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
    router = APIRouter(prefix="/api/v1", tags=["posting"], route_class=RefusingRoute)

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
            named = ", ".join(SECTIONS)
            raise Refused(
                404,
                f"no section {section!r}; one of {named}",
                f"Ingen del {section!r}; en av {named}.",
            )
        model, writers = SECTIONS[section]
        require_roles(user, *writers)
        value = _validated(model, body, section)
        try:
            setup = app.change_setup(user.tenant, section, value, user.user)
        except SetupRefused as exc:
            raise Refused(422, str(exc), exc.reason_nb) from exc
        dumped: dict[str, Any] = setup.model_dump(mode="json")
        return {section: dumped[section]}

    @router.get("/invoices/{invoice_id}/coding")
    def coding(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        case = cast(PostingCase | None, app.get_or_none(invoice_id))
        if case is None or case.tenant_id != user.tenant:
            raise Refused(404, "no coding for that invoice", "Fakturaen har ingen kontering.")
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
            raise Refused(404, str(exc), "Fakturaen har ikke noe bilag.") from exc
        except ExportRefused as exc:
            raise Refused(409, str(exc), exc.reason_nb) from exc
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
            raise Refused(422, f"{section}: expected a list", f"{section}: forventet en liste")
        return [item.model_validate(x).model_dump(mode="json") for x in body]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or section}: {e['msg']}" for e in exc.errors()
        )
        raise Refused(
            422, f"{section}: {problems}", f"{section} er ikke gyldig: {problems}"
        ) from exc
