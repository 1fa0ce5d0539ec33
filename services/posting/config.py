"""Posting settings (`FP_POSTING_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class PostingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_POSTING_", extra="ignore")

    export_dir: Path | None = None
    """Where the CSV and SAF-T connectors write, per tenant; default `<data dir>/erp-outbox`."""
    webhook_secret: SecretStr | None = None
    """Signs webhook deliveries (HMAC-SHA256); from the environment, never from the setup."""
    export_attempts: int = 5
    export_base_delay: float = 1.0
    export_max_delay: float = 60.0
    saft_xsd: Path | None = None
    """With it, every SAF-T file is checked against Skatteetaten's XSD before it is written."""
    model_dir: Path | None = None
    """Versioned coding models (`CURRENT` names the one in use); default `<data dir>/models`."""
    train_interval: float = 60.0
    """Seconds between the trainer's looks at new approved codings and corrections."""
    model_min_records: int = 30
    """Approved lines a tenant needs before it gets a model of its own."""
    model_min_labels: int = 20
    model_min_leaf: int = 20
    retrain_min_corrections: int = 50
    """Corrections (`invoice-recoded`) since the last training that make the trainer retrain."""
