"""Posting settings (`FP_POSTING_*`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PostingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_POSTING_", extra="ignore")

    default_account: str = "4000"
