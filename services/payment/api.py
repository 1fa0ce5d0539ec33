"""Payment API: the tenant's payment setup, the payment book, payment runs (proposal, four-eyes
release, cancel), suppliers' early-payment offers and known accounts, and the bank's answers.

Every refusal answers `{"detail": <English>, "reason_nb": <bokmål>}` (and `details` where the
rules say more, e.g. what the checks held), see `fakturaportal.http`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fakturaportal.auth import CurrentUser, Principal, require_roles
from fakturaportal.http import Refused, RefusingRoute
from services.payment.app import PaymentApp, RunNotFoundError
from services.payment.bankfiles import BankFileError
from services.payment.domain import PaymentRefusedError, PaymentRun
from services.payment.pain001 import PaymentFileError
from services.payment.planning import execution_date
from services.payment.setup import Setup
from services.payment.views import item_views, run_summary, run_view

PROPOSERS = ("accountant", "finance-admin", "payment-approver")
READERS = (*PROPOSERS, "auditor")
RELEASERS = ("payment-approver",)
ADMINS = ("finance-admin",)
CONFIRMERS = ("payment-approver", "finance-admin")
IMPORTERS = ("payment-approver", "finance-admin", "accountant")


class ProposeRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    horizon: date | None = Field(
        default=None,
        description="Pay what is to be executed (or due) until this date; default today + the "
        "tenant's horizon days.",
    )
    due_until: date | None = Field(default=None, description="Older name of `horizon`.")
    debtor_account: str | None = Field(
        default=None, description="Pay everything from this debtor account (its id)."
    )


class EarlyPaymentOffer(BaseModel):
    """A supplier's acceptance of being paid early for a sliding discount."""

    model_config = ConfigDict(extra="forbid")

    percent_per_30_days: Decimal | None = Field(default=None, gt=0, le=10)
    annual_rate: Decimal | None = Field(default=None, gt=0, le=100, description="Percent a year.")
    min_days_early: int = Field(default=1, ge=1, le=365)
    max_percent: Decimal | None = Field(default=None, gt=0, le=20)

    @model_validator(mode="after")
    def _one_rate(self) -> EarlyPaymentOffer:
        if (self.percent_per_30_days is None) == (self.annual_rate is None):
            raise ValueError("give exactly one of percent_per_30_days and annual_rate")
        return self

    def offer(self) -> dict[str, Any]:
        if self.annual_rate is not None:
            percent, per_days = self.annual_rate, 365
        else:
            assert self.percent_per_30_days is not None
            percent, per_days = self.percent_per_30_days, 30
        return {
            "percent": str(percent),
            "per_days": per_days,
            "min_days_early": self.min_days_early,
            "max_percent": None if self.max_percent is None else str(self.max_percent),
        }


class ConfirmAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = Field(min_length=11, max_length=40)
    note: str = Field(min_length=3, max_length=500, description="How it was confirmed.")


class Resolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=3, max_length=1000)


RUN_NOT_FOUND = ("no payment run with that id", "Fant ikke noe betalingsforslag med den id-en.")
NOT_YOURS = (
    "no invoice of yours open for payment",
    "Ingen faktura fra deg med den id-en er åpen for betaling.",
)


def refused(exc: PaymentRefusedError) -> Refused:
    """The rules' refusal as the HTTP answer, in both languages."""
    return Refused(exc.status, exc.reason, exc.reason_nb, details=exc.details)


def build_router(app: PaymentApp) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["payment"], route_class=RefusingRoute)
    add_setup_routes(router, app)
    add_run_routes(router, app)
    add_book_routes(router, app)
    add_bank_file_routes(router, app)
    return router


def add_setup_routes(router: APIRouter, app: PaymentApp) -> None:
    @router.get("/payment/settings")
    def get_settings(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        return app.setup_for(user.tenant).model_dump(mode="json")

    @router.put("/payment/settings")
    def put_settings(body: Annotated[Any, Body()], user: CurrentUser) -> dict[str, Any]:
        """Replaces the tenant's payment setup; the change is an event (see `/history`)."""
        require_roles(user, *ADMINS)
        try:
            setup = Setup.model_validate(body)
        except ValidationError as exc:
            reasons = [
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            ]
            said = "; ".join(reasons)
            raise Refused(422, said, f"Betalingsoppsettet er ikke gyldig: {said}") from exc
        try:
            saved = app.change_setup(user.tenant, setup, user.user)
        except PaymentRefusedError as exc:
            raise refused(exc) from exc
        return saved.model_dump(mode="json")

    @router.get("/payment/settings/history")
    def settings_history(user: CurrentUser) -> dict[str, Any]:
        require_roles(user, "finance-admin", "auditor")
        return {"changes": app.setup_history(user.tenant)}


def add_run_routes(router: APIRouter, app: PaymentApp) -> None:
    @router.post("/payment-runs", status_code=status.HTTP_201_CREATED, response_model=None)
    def propose(user: CurrentUser, body: ProposeRun | None = None) -> Any:
        require_roles(user, *PROPOSERS)
        body = body or ProposeRun()
        try:
            run = app.propose(
                user.tenant, user.user, body.horizon or body.due_until, body.debtor_account
            )
        except PaymentRefusedError as exc:
            raise refused(exc) from exc
        return run_view(run)

    @router.get("/payment-runs")
    def list_runs(user: CurrentUser, limit: int = 20) -> dict[str, Any]:
        """The tenant's most recent runs, newest first, in brief."""
        require_roles(user, *READERS)
        book = app.book(user.tenant)
        found = (app.run_for(user.tenant, UUID(r)) for r in reversed(book.runs))
        runs = [run_summary(run) for run in found if run is not None]
        return {"runs": runs[: min(max(limit, 1), 100)]}

    @router.get("/payment-runs/{run_id}/files/{file_name}")
    def run_file(run_id: UUID, file_name: str, user: CurrentUser) -> Response:
        """A released run's pain.001 file, byte for byte as recorded and sent."""
        require_roles(user, *READERS)
        run = app.run_for(user.tenant, run_id)
        record = next((f for f in run.files if f["file_name"] == file_name), None) if run else None
        if record is None:
            raise Refused(
                404, "no such file in that payment run", "Betalingsforslaget har ingen slik fil."
            )
        return Response(
            str(record["content"]).encode("utf-8"),
            media_type="application/xml",
            headers={
                "Content-Disposition": f'attachment; filename="{record["file_name"]}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @router.get("/payment-runs/{run_id}")
    def get_run(run_id: UUID, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        run = app.run_for(user.tenant, run_id)
        if run is None:
            raise Refused(404, *RUN_NOT_FOUND)
        return run_view(run)

    @router.post("/payment-runs/{run_id}/approve", response_model=None)
    def approve(run_id: UUID, user: CurrentUser) -> Any:
        require_roles(user, *RELEASERS)
        return _act(lambda: app.approve(user.tenant, run_id, user.user))

    @router.post("/payment-runs/{run_id}/cancel", response_model=None)
    def cancel(run_id: UUID, user: CurrentUser) -> Any:
        require_roles(user, *PROPOSERS)
        return _act(lambda: app.cancel(user.tenant, run_id, user.user))


def _act(action: Any) -> Any:
    try:
        run: PaymentRun = action()
    except RunNotFoundError as exc:
        raise Refused(404, *RUN_NOT_FOUND) from exc
    except PaymentRefusedError as exc:
        raise refused(exc) from exc
    except PaymentFileError as exc:
        raise Refused(
            500,
            f"the payment file could not be made: {exc}",
            f"Betalingsfilen kunne ikke lages: {exc}",
        ) from exc
    return run_view(run)


def add_book_routes(router: APIRouter, app: PaymentApp) -> None:
    @router.get("/payment/items")
    def items(user: CurrentUser, status: str = "open") -> dict[str, Any]:
        """The payment book: `open` (with the planned execution date) or `held`."""
        require_roles(user, *READERS)
        if status not in ("open", "held"):
            raise Refused(422, "status is open or held", "status er open eller held")
        return {"status": status, "items": item_views(app, user.tenant, status)}

    @router.get("/payment/items/{invoice_id}")
    def item(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        """An item of the book; a supplier sees their own invoice while it is open (when it is
        planned to be paid, and the early-payment offer they accepted), never a held one."""
        if not user.has_any(*READERS):
            require_roles(user, "supplier")
            found = app.item_of(user.tenant, str(invoice_id))
            if found is None or not _supplies(user, found.supplier_id):
                raise Refused(404, *NOT_YOURS)
            views = item_views(app, user.tenant, "open")
            return next(v for v in views if v["invoice_id"] == str(invoice_id)) | {"status": "open"}
        for kind in ("open", "held"):
            for view in item_views(app, user.tenant, kind):
                if view["invoice_id"] == str(invoice_id):
                    return view | {"status": kind}
        raise Refused(
            404,
            "the invoice is not open or held for payment",
            "Fakturaen er verken åpen for betaling eller holdt tilbake.",
        )

    @router.post("/invoices/{invoice_id}/early-payment")
    def early_payment(
        invoice_id: UUID, body: EarlyPaymentOffer, user: CurrentUser
    ) -> dict[str, Any]:
        """A supplier accepts to be paid early for a sliding discount (dynamic discounting). Only
        for their own invoice: the token's `supplier_orgnr` must be the invoice's seller."""
        require_roles(user, "supplier")
        found = app.item_of(user.tenant, str(invoice_id))
        if found is None or not _supplies(user, found.supplier_id):
            raise Refused(404, *NOT_YOURS)
        try:
            app.accept_offer(user.tenant, str(invoice_id), body.offer(), user.user)
        except PaymentRefusedError as exc:
            raise refused(exc) from exc
        setup = app.setup_for(user.tenant)
        regular = execution_date(found.due_date, app.clock(), setup.schedule())
        return {
            "invoice_id": str(invoice_id),
            "offer": body.offer(),
            "accepted_by": user.user,
            "regular_execution_date": regular.isoformat(),
        }

    @router.get("/payment/suppliers/{orgnr}/accounts")
    def known_accounts(orgnr: str, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *READERS)
        return {"supplier": orgnr, "accounts": app.accounts(user.tenant).known.get(orgnr, [])}

    @router.put("/payment/suppliers/{orgnr}/accounts")
    def confirm_account(orgnr: str, body: ConfirmAccount, user: CurrentUser) -> dict[str, Any]:
        """A person confirms (e.g. by phone with the supplier) that the supplier uses an account:
        payments to it are no longer held as possible fraud (FP-PAY-05)."""
        require_roles(user, *CONFIRMERS)
        try:
            app.confirm_account(user.tenant, orgnr, body.account, user.user, body.note)
        except PaymentRefusedError as exc:
            raise refused(exc) from exc
        return {"supplier": orgnr, "accounts": app.accounts(user.tenant).known.get(orgnr, [])}


def _supplies(user: Principal, supplier_id: str) -> bool:
    return bool(user.supplier_orgnr) and user.supplier_orgnr == supplier_id


def add_bank_file_routes(router: APIRouter, app: PaymentApp) -> None:
    @router.post("/bank-files")
    async def bank_file(request: Request, user: CurrentUser) -> dict[str, Any]:
        """A pain.002 status report or camt.054 debit notification, as the raw XML body or as
        the `file` part of a multipart form."""
        require_roles(user, *IMPORTERS)
        name, content = await _read_upload(request, app.payment.max_bank_file_bytes)
        try:
            counts = app.import_bank_file(user.tenant, content, name, user.user)
        except BankFileError as exc:
            raise Refused(422, str(exc), exc.reason_nb) from exc
        except PaymentRefusedError as exc:
            raise refused(exc) from exc
        return {"file_name": name} | counts

    @router.get("/bank-files/unmatched")
    def unmatched(user: CurrentUser, include_resolved: bool = False) -> dict[str, Any]:
        require_roles(user, *READERS)
        records = app.ledger(user.tenant).unmatched.values()
        return {"records": [r for r in records if include_resolved or r["resolved_by"] is None]}

    @router.post("/bank-files/unmatched/{key}/resolve")
    def resolve(key: str, body: Resolve, user: CurrentUser) -> dict[str, Any]:
        require_roles(user, *CONFIRMERS)
        try:
            return app.resolve_unmatched(user.tenant, key, body.note, user.user)
        except PaymentRefusedError as exc:
            raise refused(exc) from exc


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Refused(
                422,
                "the multipart form needs the bank file as `file`",
                "Skjemaet må ha bankfilen i feltet «file».",
            )
        content = await upload.read(max_bytes + 1)
        name = upload.filename or "bank-file.xml"
    else:
        content = b""
        async for chunk in request.stream():
            content += chunk
            if len(content) > max_bytes:
                break
        name = request.headers.get("x-file-name") or "bank-file.xml"
    if len(content) > max_bytes:
        raise too_large(max_bytes)
    if not content:
        raise Refused(
            422,
            "empty request: send the bank file as the body",
            "Tom forespørsel: send bankfilen som innhold.",
        )
    return name, content


def too_large(max_bytes: int) -> Refused:
    return Refused(
        413,
        f"a bank file may be at most {max_bytes} bytes",
        f"En bankfil kan være på høyst {max_bytes} byte.",
    )
