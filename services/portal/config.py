"""Portal settings: where the owning services' APIs are (`FP_SERVICE_URL_<SVC>`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_", extra="ignore")

    service_url_intake: str = "http://127.0.0.1:8001"
    service_url_validation: str = "http://127.0.0.1:8002"
    service_url_posting: str = "http://127.0.0.1:8004"
    service_url_approval: str = "http://127.0.0.1:8003"
    service_url_payment: str = "http://127.0.0.1:8005"
    service_url_audit: str = "http://127.0.0.1:8006"
    portal_max_body_bytes: int = 25 * 1024 * 1024
    portal_public_url: str = "http://localhost:8000"
