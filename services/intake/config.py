"""Intake settings (`FP_INTAKE_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_INTAKE_", extra="ignore")

    max_upload_bytes: int = 20 * 1024 * 1024
    max_files_per_request: int = 20
    folder_path: Path | None = None
    """Watched folder: one sub-folder per tenant (default `<data dir>/inbox`)."""
    folder_poll_seconds: float = 2.0
