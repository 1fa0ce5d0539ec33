"""Upload API: `POST /api/v1/invoices` (multipart field `file`, one or more files)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, UploadFile, status
from fastapi.responses import JSONResponse

from fakturaportal.auth import CurrentUser, require_roles
from services.intake.app import IntakeApp
from services.intake.archive import Archive
from services.intake.config import IntakeSettings
from services.intake.ehf import NotUblInvoice, capture, document_kind
from services.intake.xmlsafe import UnsafeOrInvalidXml, parse_untrusted
from shared.schemas.events import Channel, DocumentRef

XML_TYPES = {"application/xml", "text/xml", "application/octet-stream", ""}


def build_router(app: IntakeApp, settings: IntakeSettings) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["intake"])
    archive = Archive(app.settings.archive_path)

    @router.post("/invoices", status_code=status.HTTP_201_CREATED)
    async def upload(
        user: CurrentUser, file: Annotated[list[UploadFile], File(description="EHF XML")]
    ) -> JSONResponse:
        require_roles(user, "accountant", "supplier", "finance-admin", "attestant", "budget-holder")
        if len(file) > settings.max_files_per_request:
            raise HTTPException(413, f"at most {settings.max_files_per_request} files per request")
        # Check every file before registering any: a bad file in a batch changes nothing.
        checked = [await _checked(upload, settings) for upload in file]
        results: list[dict[str, Any]] = []
        for upload, data in checked:
            sha256 = archive.store(data)
            document = DocumentRef(
                sha256=sha256,
                media_type="application/xml",
                size=len(data),
                filename=upload.filename,
            )
            invoice = capture(parse_untrusted(data, settings.max_upload_bytes))
            reg = app.register_captured(
                tenant_id=user.tenant,
                channel=Channel.UPLOAD,
                document=document,
                invoice=invoice,
                registered_by=user.user,
            )
            results.append(
                {
                    "invoice_id": reg.invoice_id,
                    "filename": upload.filename,
                    "sha256": sha256,
                    "duplicate": reg.duplicate,
                    "status": "duplicate" if reg.duplicate else "received",
                }
            )
        code = (
            status.HTTP_200_OK if all(r["duplicate"] for r in results) else status.HTTP_201_CREATED
        )
        body: dict[str, Any] = results[0] if len(results) == 1 else {"invoices": results}
        return JSONResponse(body, status_code=code)

    return router


async def _checked(upload: UploadFile, settings: IntakeSettings) -> tuple[UploadFile, bytes]:
    name = upload.filename or "file"
    data = await upload.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(413, f"{name}: larger than {settings.max_upload_bytes} bytes")
    if not data:
        raise HTTPException(422, f"{name}: the file is empty")
    media = (upload.content_type or "").split(";")[0].strip().lower()
    if media not in XML_TYPES:
        raise HTTPException(415, f"{name}: only EHF XML is accepted here so far, not {media}")
    try:
        root = parse_untrusted(data, settings.max_upload_bytes)
        document_kind(root)
    except (UnsafeOrInvalidXml, NotUblInvoice) as exc:
        raise HTTPException(422, f"{name}: {exc}") from exc
    return upload, data
