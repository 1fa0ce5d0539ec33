"""Notifier settings (`FP_NOTIFY_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from fakturaportal.mailer import FolderReplier, Replier, SmtpReplier


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_NOTIFY_", extra="ignore")

    mail_from: str = "varsel@fakturaportal.localhost"
    smtp_relay_host: str | None = None
    """Where the notices go out; unset, they are written to `<data dir>/mail-outbox/notify/`."""
    smtp_relay_port: int = 25
    interval_seconds: float = 1.0
    """How often the mailer looks for recorded notices that are not mailed yet."""
    max_age_hours: float = 24.0
    """A notice older than this when it would go out is skipped (logged): the first start of a
    new notifier reads the topics from the beginning, and nobody wants last year's news."""

    def mailer(self, data_dir: Path) -> Replier:
        if self.smtp_relay_host:
            return SmtpReplier(self.smtp_relay_host, self.smtp_relay_port)
        return FolderReplier(data_dir / "mail-outbox" / "notify")
