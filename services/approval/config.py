"""Approval settings (`FP_APPROVAL_*`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApprovalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_APPROVAL_", extra="ignore")

    approvers: dict[str, list[str]] = {"*": ["kari", "ola"]}
    """Approvers per tenant in order of preference (`*` for any tenant), as JSON."""

    def approvers_for(self, tenant_id: str) -> list[str]:
        return self.approvers.get(tenant_id) or self.approvers.get("*", [])
