"""Wiring of the e-mail channel to the intake application: each attachment is one document."""

from __future__ import annotations

import threading

from aiosmtpd.controller import Controller

from services.intake.app import IntakeApp
from services.intake.capture import CaptureRefused, capture_document
from services.intake.config import IntakeSettings
from services.intake.mail import (
    Attachment,
    AttachmentRefused,
    InvoiceMailHandler,
    MailMeta,
    Register,
    RegisterOutcome,
    serve,
)
from services.intake.mailconfig import MailSettings
from shared.schemas.events import Channel


def register_with(app: IntakeApp, max_bytes: int) -> Register:
    """Capture and register one attachment; a refusal is permanent, anything else is retried."""
    lock = threading.Lock()  # two copies of one mail at once must not race to register

    def register(tenant: str, attachment: Attachment, mail: MailMeta) -> RegisterOutcome:
        try:
            result = capture_document(attachment.data, max_bytes)
        except CaptureRefused as exc:
            raise AttachmentRefused(exc.reason, code=exc.code) from exc
        with lock:
            reg = app.register_document(
                tenant_id=tenant,
                channel=Channel.EMAIL,
                data=attachment.data,
                filename=attachment.filename,
                result=result,
                registered_by=f"email:{mail.sender or mail.envelope_from or 'unknown'}",
                origin=mail.as_origin(),
            )
        return RegisterOutcome(reg.invoice_id, reg.duplicate)

    return register


def start_mail_server(app: IntakeApp, intake: IntakeSettings, mail: MailSettings) -> Controller:
    handler = InvoiceMailHandler(
        register_with(app, intake.max_upload_bytes),
        mail.replier(app.settings.data_dir),
        tenants=frozenset(mail.tenants),
        domain=mail.domain,
        limits=mail.limits(),
        reply_from=mail.reply_from,
    )
    return serve(
        handler, mail.host, mail.port, mail.max_message_bytes, server_hostname=mail.server_hostname
    )
