"""E-mail channel settings (`FP_INTAKE_MAIL_*`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from fakturaportal.mailer import FolderReplier, SmtpReplier
from services.intake.mail import (
    DEFAULT_DOMAIN,
    DEFAULT_MAX_ATTACHMENT_BYTES,
    DEFAULT_MAX_MESSAGE_BYTES,
    MailLimits,
    Replier,
)


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_INTAKE_MAIL_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 2525
    server_hostname: str | None = None
    """The name in the SMTP greeting (default: this machine's FQDN)."""
    domain: str = DEFAULT_DOMAIN
    tenants: Annotated[list[str], NoDecode] = ["demo"]
    """`demo,acme` or a JSON list; later the tenant registry."""
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    relay_host: str | None = None
    """SMTP relay for answers; without one they are written to `outbox_dir` as .eml files."""
    relay_port: int = 25
    outbox_dir: Path | None = None
    """Default `<data_dir>/mail-outbox`."""
    reply_from: str | None = None
    """From of the answers (default `Fakturaportal <<tenant>@<domain>>`)."""

    @field_validator("tenants", mode="before")
    @classmethod
    def _split_tenants(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
            return [str(item).strip().lower() for item in items if str(item).strip()]
        return value

    def limits(self) -> MailLimits:
        return MailLimits(self.max_attachment_bytes, self.max_message_bytes)

    def outbox_path(self, data_dir: Path) -> Path:
        return self.outbox_dir or data_dir / "mail-outbox"

    def replier(self, data_dir: Path) -> Replier:
        if self.relay_host:
            return SmtpReplier(self.relay_host, self.relay_port)
        return FolderReplier(self.outbox_path(data_dir))
