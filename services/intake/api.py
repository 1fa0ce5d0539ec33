"""Intake API: uploads (`POST /api/v1/invoices`), the Peppol access point's webhook, and the
archived original of an invoice for the people who decide on it."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from fakturaportal.auth import CurrentUser, Principal, require_roles
from fakturaportal.http import Refused, RefusingRoute, read_limited
from services.intake.app import CorrectionRefused, IntakeApp, Registration
from services.intake.capture import XML, CaptureRefused, CaptureResult, capture_document
from services.intake.config import IntakeSettings
from services.intake.correction import CorrectionInvalid
from services.intake.domain import IntakeCase
from services.intake.extract_json import FIELD_NAMES
from services.intake.preview import PreviewRefused, first_page_png
from services.intake.sandbox import SandboxRefused, run_isolated
from shared.schemas.events import Channel

NOT_FOUND = ("invoice not found", "Fant ikke fakturaen.")
UPLOADERS = ("accountant", "supplier", "finance-admin", "attestant", "budget-holder")
HTTP_STATUS = {"FP-INTAKE-SIZE": 413, "FP-INTAKE-TYPE": 415}
READERS = (
    "accountant",
    "attestant",
    "budget-holder",
    "finance-admin",
    "payment-approver",
    "auditor",
)
"""Who sees an original: the tenant's own people. Suppliers see theirs through the portal later,
once the portal checks the link to the supplier (intake does not know the organisation)."""


def build_router(app: IntakeApp, settings: IntakeSettings) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["intake"], route_class=RefusingRoute)

    @router.post("/invoices", status_code=status.HTTP_201_CREATED)
    async def upload(
        user: CurrentUser,
        file: Annotated[list[UploadFile], File(description="EHF XML, PDF, JPEG or PNG")],
    ) -> JSONResponse:
        require_roles(user, *UPLOADERS)
        if len(file) > settings.max_files_per_request:
            most = settings.max_files_per_request
            raise Refused(
                413, f"at most {most} files per request", f"Høyst {most} filer om gangen."
            )
        # Check every file before registering any: a bad file in a batch changes nothing.
        checked = [await _checked(upload, settings) for upload in file]
        results: list[dict[str, Any]] = []
        for upload, data, captured in checked:
            result = await run_in_threadpool(app.refine, user.tenant, captured)
            reg = await run_in_threadpool(
                app.register_document,
                tenant_id=user.tenant,
                channel=Channel.UPLOAD,
                data=data,
                filename=upload.filename,
                result=result,
                registered_by=user.user,
            )
            results.append(reg.as_dict() | {"filename": upload.filename})
        return _answer(results)

    @router.post("/invoices/{invoice_id}/corrections", response_model=None)
    async def correct(
        invoice_id: UUID, body: Correction, user: CurrentUser
    ) -> dict[str, Any] | JSONResponse:
        """A person corrects a captured field; the extractor remembers it for that supplier.

        The value is read by the term's type (dates 31.03.2026 or 2026-03-31, amounts
        12 500,00, org.nr, KID and account with their check digits); 422 with the reason in
        English (`detail`) and bokmål (`reason_nb`) otherwise, and nothing is recorded."""
        require_roles(user, "accountant", "finance-admin")
        term = term_of(body.field)
        if term is None:
            raise Refused(
                422,
                f"unknown field {body.field!r}: use a business term id "
                "(BT-1) or a field name of `extract --json` (invoice_number)",
                f"Ukjent felt {body.field!r}: bruk en forretningsterm (BT-1) eller et feltnavn "
                "(invoice_number).",
            )
        try:
            corrected = await run_in_threadpool(
                app.correct, user.tenant, invoice_id, term, body.value, user.user
            )
        except LookupError as exc:
            raise Refused(404, *NOT_FOUND) from exc
        except CorrectionRefused as exc:
            raise Refused(exc.status, exc.reason, exc.reason_nb) from exc
        except CorrectionInvalid as exc:
            raise Refused(422, exc.reason, exc.reason_nb) from exc
        return {
            "invoice_id": str(invoice_id),
            "field": term,
            "value": corrected.value,
            "previous": corrected.previous,
            "changed": corrected.changed,
            "learned": "the next invoice from this supplier is read with this correction"
            if corrected.changed
            else "nothing changed: the invoice already reads so",
        }

    @router.post("/peppol/inbound", status_code=status.HTTP_201_CREATED)
    async def peppol_inbound(user: CurrentUser, request: Request) -> JSONResponse:
        """An access point delivers one EHF/Peppol BIS document as the raw XML body."""
        require_roles(user, "access-point", "finance-admin")
        data = await read_limited(request, settings.max_upload_bytes)
        result = await _capture(data, "body", settings)
        if result.media_type != XML:
            raise Refused(
                415,
                "the Peppol webhook takes the UBL XML document as the body",
                "Peppol-mottaket tar UBL-dokumentet (XML) som innhold.",
            )
        reg = await run_in_threadpool(
            app.register_document,
            tenant_id=user.tenant,
            channel=Channel.PEPPOL,
            data=data,
            filename=None,
            result=result,
            registered_by=user.user,
        )
        return _answer([reg.as_dict()])

    def readable(user: Principal, invoice_id: UUID) -> IntakeCase:
        require_roles(user, *READERS)
        case = app.case_of(user.tenant, invoice_id)
        if case is None:
            raise Refused(404, *NOT_FOUND)
        return case

    @router.get("/invoices/{invoice_id}/original")
    def original(invoice_id: UUID, user: CurrentUser) -> dict[str, Any]:
        """The original's metadata and what was captured from it (fields and lines)."""
        case = readable(user, invoice_id)
        return {
            "invoice_id": str(invoice_id),
            "channel": case.channel,
            "registered_by": case.registered_by,
            "document": case.document,
            "invoice": case.invoice,
            "corrections": getattr(case, "corrections", {}),
            "refused": case.refused,
        }

    @router.get("/invoices/{invoice_id}/original/file")
    def original_file(invoice_id: UUID, user: CurrentUser) -> Response:
        """The archived bytes as they came, as a download (never rendered inline by a browser)."""
        case = readable(user, invoice_id)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", case.document.get("filename") or "original")
        return Response(
            app.archive.read(case.document["sha256"]),
            media_type=case.document["media_type"],
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=3600",
            },
        )

    @router.get("/invoices/{invoice_id}/original/preview.png")
    async def preview(invoice_id: UUID, user: CurrentUser) -> Response:
        """The first page as a PNG (PDF, photo or scan), drawn in the sandbox; 415 for XML."""
        case = readable(user, invoice_id)
        data = app.archive.read(case.document["sha256"])
        try:
            png = await run_in_threadpool(
                run_isolated, first_page_png, data, case.document["media_type"]
            )
        except PreviewRefused as exc:
            raise Refused(
                415, str(exc), f"Ingen forhåndsvisning for denne filtypen: {exc}"
            ) from exc
        except SandboxRefused as exc:
            raise Refused(
                422, f"no preview: {exc}", f"Forhåndsvisningen kunne ikke lages: {exc}"
            ) from exc
        # The original never changes (it is archived by its hash), so neither does its picture.
        return Response(
            png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
        )

    return router


class Correction(BaseModel):
    field: str = Field(min_length=2, max_length=40, examples=["invoice_number", "BT-1"])
    value: str = Field(min_length=1, max_length=200)


def term_of(field: str) -> str | None:
    if re.fullmatch(r"BT-\d{1,3}", field):
        return field
    names = {name: term for term, name in FIELD_NAMES.items()}
    names |= {"payment.account": "BT-84", "payment.iban": "BT-84"}
    return names.get(field)


def _answer(results: list[dict[str, Any]]) -> JSONResponse:
    """201 when something new was registered; 200 when every document was already known."""
    code = status.HTTP_200_OK if all(r["duplicate"] for r in results) else status.HTTP_201_CREATED
    body: dict[str, Any] = results[0] if len(results) == 1 else {"invoices": results}
    return JSONResponse(body, status_code=code)


async def _capture(data: bytes, name: str, settings: IntakeSettings) -> CaptureResult:
    try:
        return await run_in_threadpool(capture_document, data, settings.max_upload_bytes)
    except CaptureRefused as exc:
        raise Refused(
            HTTP_STATUS.get(exc.code, 422),
            f"{name}: {exc.reason}",
            f"{name}: {exc.reason_nb}",
            code=exc.code,
        ) from exc


async def _checked(
    upload: UploadFile, settings: IntakeSettings
) -> tuple[UploadFile, bytes, CaptureResult]:
    name = upload.filename or "file"
    data = await upload.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        most = settings.max_upload_bytes
        raise Refused(413, f"{name}: larger than {most} bytes", f"{name}: større enn {most} byte")
    return upload, data, await _capture(data, name, settings)


__all__ = ["Registration", "build_router"]
