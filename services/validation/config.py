"""Validation settings (`FP_VALIDATION_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from fakturaportal.mailer import FolderReplier, Replier, SmtpReplier


class ValidationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_VALIDATION_", extra="ignore")

    notice_from: str = "faktura-avvist@fakturaportal.localhost"
    smtp_relay_host: str | None = None
    """Where rejection notices go out; unset, they are written to `<data dir>/mail-outbox/`."""
    smtp_relay_port: int = 25
    duplicate_window_days: int = 7
    """Same supplier, same amount, issue dates this close and another number: probably a double."""

    def mailer(self, data_dir: Path) -> Replier:
        if self.smtp_relay_host:
            return SmtpReplier(self.smtp_relay_host, self.smtp_relay_port)
        return FolderReplier(data_dir / "mail-outbox" / "validation")
