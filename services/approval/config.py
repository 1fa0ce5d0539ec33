"""Approval settings (`FP_APPROVAL_*`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from fakturaportal.mailer import FolderReplier, Replier, SmtpReplier


class ApprovalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_APPROVAL_", extra="ignore")

    approvers: dict[str, list[str]] = {"*": ["kari", "ola"]}
    """Approvers per tenant in order of preference (`*` for any tenant), as JSON. Used only for
    tenants that have set up no organisation (`PUT /api/v1/approval/organisation/...`)."""
    accountants: list[str] = ["anne"]
    """Who registers and codes in that fallback organisation."""

    notice_from: str = "attestasjon@fakturaportal.localhost"
    smtp_relay_host: str | None = None
    """Where reminders, escalations and dispute notices go out; unset, they are written to
    `<data dir>/mail-outbox/approval/`."""
    smtp_relay_port: int = 25
    portal_url: str = "http://localhost:8000"
    """Where the links in reminders point."""

    scheduler_interval_seconds: float = 60.0
    """How often the scheduler looks for overdue steps."""
    clock_offset_hours: float = 0.0
    """Shifts this service's clock (API and scheduler) forward: for tests and demos of reminders
    and escalation. Never set it in production."""

    def approvers_for(self, tenant_id: str) -> list[str]:
        return self.approvers.get(tenant_id) or self.approvers.get("*", [])

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=self.clock_offset_hours)

    def mailer(self, data_dir: Path) -> Replier:
        if self.smtp_relay_host:
            return SmtpReplier(self.smtp_relay_host, self.smtp_relay_port)
        return FolderReplier(data_dir / "mail-outbox" / "approval")
