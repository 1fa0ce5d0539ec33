"""The portal's public signing key, for the services that verify its calls (FP_PORTAL_JWKS_URL)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from fakturaportal.settings import CommonSettings
from fakturaportal.signing import jwks


def build_router(settings: CommonSettings) -> APIRouter:
    router = APIRouter()
    document = jwks(settings)  # read once: a bad key stops the start, not the first call

    @router.get("/.well-known/jwks.json", tags=["auth"])
    def keys(response: Response) -> dict[str, Any]:
        response.headers["Cache-Control"] = "public, max-age=300"
        return document

    return router
