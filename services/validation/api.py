"""Validation API: flagged invoices, purchase orders, goods receipts, supplier master data and
the tenant policy.

Every write is an event in validation's store first; the relay then publishes orders and receipts
on their topics, and a person's release or rejection of a flagged invoice as `invoice-validated`
or `invoice-rejected`. Orders and receipts take JSON or CSV (`Content-Type: text/csv`). A refusal
of a flag decision answers `{"detail": <English reason>, "reason_nb": ..., "code": ...}`.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from fakturaportal.auth import CurrentUser, Principal, require_roles
from fakturaportal.http import Refused, RefusingRoute, read_limited
from services.validation.app import (
    CaseNotFound,
    ConcurrentChange,
    SupplierRefused,
    UnknownOrder,
    ValidationApp,
)
from services.validation.domain import MAX_NOTE, FlagRefused, Kind, ValidationCase
from services.validation.order_input import (
    InputError,
    orders_from_csv,
    orders_from_json,
    receipts_from_csv,
    receipts_from_json,
    valid_orgnr,
)
from services.validation.orders import OrderConflict
from services.validation.policy import Policy, PolicyRefused
from services.validation.suppliers import kid_pattern
from shared import checkdigits as cd

MAX_BODY = 5 * 1024 * 1024
ORDER_WRITERS = ("accountant", "budget-holder", "finance-admin", "erp")
RECEIPT_WRITERS = (*ORDER_WRITERS, "attestant")
READERS = ("accountant", "attestant", "budget-holder", "finance-admin", "auditor", "erp")
FLAG_DECIDERS = ("accountant", "finance-admin", "budget-holder", "attestant")
"""The desk decides any flag; an order's owner (budget holder or attestant) an order deviation."""
FLAG_READERS = (*FLAG_DECIDERS, "auditor")


class ReleaseInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(min_length=1, max_length=MAX_NOTE, description="Why it may go on.")


class RejectInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(
        min_length=1, max_length=MAX_NOTE, description="Why: shown to the supplier."
    )


class SupplierInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_id: str = Field(description="Organisation number (9 digits, MOD11).")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    account: str | None = Field(default=None, description="BBAN (11 digits) or IBAN.")
    kid_example: str | None = Field(
        default=None, description="A KID the supplier uses: its length and check method count."
    )

    @field_validator("legal_id")
    @classmethod
    def _orgnr(cls, value: str) -> str:
        return valid_orgnr(value)

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        raw = value.replace(" ", "").replace(".", "").upper()
        if raw[:2].isalpha():
            if not cd.valid_iban(raw):
                raise ValueError(f"{value!r} is not a valid IBAN")
            return cd.iban_to_bban(raw) or raw
        if not cd.valid_kontonr(raw):
            raise ValueError(f"{value!r} is not a valid Norwegian account number (MOD11)")
        return raw

    @field_validator("kid_example")
    @classmethod
    def _kid(cls, value: str | None) -> str | None:
        if value is not None and not cd.valid_kid(value):
            raise ValueError(f"{value!r} is not a valid KID (MOD10 or MOD11)")
        return value


def build_router(app: ValidationApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["validation"], route_class=RefusingRoute)

    @router.post("/purchase-orders", status_code=status.HTTP_201_CREATED)
    async def register_orders(request: Request, user: CurrentUser) -> JSONResponse:
        """One order as JSON, `{"orders": [...]}`, or CSV with one row per order line."""
        require_roles(user, *ORDER_WRITERS)
        orders = await _parsed(request, orders_from_json, orders_from_csv)
        events = [order.event(user.tenant, user.user) for order in orders]
        results: list[dict[str, Any]] = []
        for event in events:
            try:
                created = await run_in_threadpool(app.register_order, event)
            except (OrderConflict, ConcurrentChange) as exc:
                raise _done(409, exc, results) from exc
            results.append(
                {
                    "order_number": event.order_number,
                    "order_id": str(event.order_id),
                    "status": "registered" if created else "unchanged",
                }
            )
        return _answer({"orders": results}, any(r["status"] == "registered" for r in results))

    @router.get("/invoices/{invoice_id}/flag")
    def get_flag(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        """The flag's findings, who must look at it, and the decision when there is one."""
        require_roles(user, *FLAG_READERS)
        try:
            return flag_view(app.case(user.tenant, invoice_id))
        except CaseNotFound as exc:
            raise Refused(404, *NO_CASE) from exc

    @router.post("/invoices/{invoice_id}/flag/release", response_model=None)
    def release(invoice_id: UUID, body: ReleaseInput, user: CurrentUser) -> dict[str, Any]:
        """Let a flagged invoice go on (`invoice-validated` with `released_by`)."""
        return _decide(app, user, invoice_id, "released", body.note)

    @router.post("/invoices/{invoice_id}/flag/reject", response_model=None)
    def reject(invoice_id: UUID, body: RejectInput, user: CurrentUser) -> dict[str, Any]:
        """Stop a flagged invoice (`invoice-rejected` with `rejected_by`; the supplier is told)."""
        return _decide(app, user, invoice_id, "rejected", body.reason)

    @router.get("/purchase-orders/{number}")
    def get_order(number: str, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        order = app.order(user.tenant, number)
        if order is None or not order.registered:
            raise Refused(404, f"no purchase order {number}", f"Fant ingen innkjøpsordre {number}.")
        return order.summary()

    @router.post("/goods-receipts", status_code=status.HTTP_201_CREATED)
    async def receive(request: Request, user: CurrentUser) -> JSONResponse:
        """One receipt as JSON, `{"receipts": [...]}`, or CSV with one row per received line."""
        require_roles(user, *RECEIPT_WRITERS)
        receipts = await _parsed(request, receipts_from_json, receipts_from_csv)
        results: list[dict[str, Any]] = []
        for receipt in receipts:
            event = receipt.event(user.tenant, user.user)
            try:
                created = await run_in_threadpool(app.receive_goods, event)
            except UnknownOrder as exc:
                raise _done(422, exc, results) from exc
            except ConcurrentChange as exc:
                raise _done(409, exc, results) from exc
            results.append(
                {
                    "receipt_number": event.receipt_number,
                    "order_number": event.order_number,
                    "status": "registered" if created else "unchanged",
                }
            )
        return _answer({"receipts": results}, any(r["status"] == "registered" for r in results))

    @router.post("/suppliers", status_code=status.HTTP_201_CREATED)
    def register_supplier(body: SupplierInput, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "accountant", "finance-admin")
        data = body.model_dump() | {"kid_pattern": kid_pattern(body.kid_example)}
        try:
            app.register_supplier(user.tenant, data, user.user)
        except (SupplierRefused, ConcurrentChange) as exc:
            raise Refused(409, str(exc), exc.reason_nb) from exc
        return _supplier(app, user.tenant, body.legal_id)

    @router.get("/suppliers/{legal_id}")
    def get_supplier(legal_id: str, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        if app.supplier(user.tenant, legal_id) is None:
            raise Refused(404, f"no supplier {legal_id}", f"Fant ingen leverandør {legal_id}.")
        return _supplier(app, user.tenant, legal_id)

    @router.get("/validation/policy")
    def get_policy(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "accountant", "finance-admin", "auditor")
        return app.policy_for(user.tenant).model_dump(mode="json")

    @router.put("/validation/policy")
    def put_policy(body: Policy, user: CurrentUser) -> dict[str, Any]:
        """Replaces the tenant's policy; the change is an event with who made it."""
        require_roles(user, "finance-admin")
        try:
            policy = app.change_policy(user.tenant, body, user.user)
        except PolicyRefused as exc:
            raise Refused(422, str(exc), exc.reason_nb) from exc
        except ConcurrentChange as exc:
            raise Refused(409, str(exc), exc.reason_nb) from exc
        return policy.model_dump(mode="json")

    @router.get("/validation/policy/history")
    def policy_history(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "finance-admin", "auditor")
        return {"changes": app.policy_history(user.tenant)}

    return router


NO_CASE = ("no validation case for that invoice", "Fant ingen kontroll av den fakturaen.")


def _decide(
    app: ValidationApp, user: Principal, invoice_id: UUID, kind: Kind, note: str
) -> dict[str, Any]:
    require_roles(user, *FLAG_DECIDERS)
    try:
        case = app.decide_flag(user.tenant, invoice_id, user.user, user.roles, kind, note)
    except CaseNotFound as exc:
        raise Refused(404, *NO_CASE) from exc
    except FlagRefused as exc:
        raise Refused(exc.status, exc.reason, exc.reason_nb, code=exc.code) from exc
    except ConcurrentChange as exc:
        raise Refused(409, str(exc), exc.reason_nb) from exc
    return flag_view(case)


def flag_view(case: ValidationCase) -> dict[str, Any]:
    state = case.flag_state()
    decision = state.decision
    return {
        "invoice_id": str(case.id),
        "status": case.status,
        "flagged": state.status == "flagged",
        "rules": sorted(state.rules),
        "findings": case.findings,
        "assignee": state.assignee,
        "registered_by": case.registered_by,
        "decision": (
            {"kind": decision.kind, "by": decision.by, "note": decision.note} if decision else None
        ),
    }


async def _parsed(request: Request, from_json: Any, from_csv: Any) -> list[Any]:
    body = await read_limited(request, MAX_BODY)
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        if media in ("text/csv", "application/csv"):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError("the CSV is not UTF-8") from exc
            return list(from_csv(text))
        if media != "application/json":
            raise Refused(
                415, "send application/json or text/csv", "Send application/json eller text/csv."
            )
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise InputError(f"not JSON: {exc}") from exc
        return list(from_json(data))
    except InputError as exc:
        raise Refused(422, str(exc), f"Innholdet kan ikke leses: {exc}") from exc


def _done(
    status: int,
    exc: OrderConflict | UnknownOrder | ConcurrentChange,
    results: list[dict[str, Any]],
) -> Refused:
    """The refusal, naming what the same request registered before it."""
    if not results:
        return Refused(status, str(exc), exc.reason_nb)
    done = ", ".join(str(r.get("order_number") or r.get("receipt_number")) for r in results)
    return Refused(
        status,
        f"{exc} (registered before it: {done})",
        f"{exc.reason_nb} (registrert før den: {done})",
    )


def _answer(body: dict[str, Any], created: bool) -> JSONResponse:
    return JSONResponse(body, status_code=201 if created else 200)


def _supplier(app: ValidationApp, tenant: str, legal_id: str) -> dict[str, Any]:
    ledger = app.supplier(tenant, legal_id)
    assert ledger is not None
    return {"legal_id": legal_id, **ledger.master_data()}
