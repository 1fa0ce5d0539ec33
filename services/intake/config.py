"""Intake settings (`FP_INTAKE_*`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_INTAKE_", extra="ignore")

    max_upload_bytes: int = 10 * 1024 * 1024
    max_files_per_request: int = 20
