"""Calls to the owning services on a person's behalf, with a short bearer token for them.

Locally the portal signs that token itself (HS256, `FP_JWT_SECRET`), for the session's tenant,
user and roles, valid for a few minutes. In production (`FP_JWT_JWKS_URL`) the tenant's identity
provider issues tokens: the session would keep the person's IdP token and `bearer` forward it
instead; that is the one place to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fakturaportal.auth import Principal, issue_call_token
from fakturaportal.settings import CommonSettings
from fakturaportal.telemetry import current_traceparent

TOKEN_SECONDS = 300


class ServiceDown(Exception):
    """An owning service did not answer: a 502 page."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    content: bytes
    media_type: str | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def reason(self, lang: str) -> str:
        """The refusal in the reader's language: every service gives bokmål as `reason_nb` next
        to the English `detail` (`fakturaportal.http`)."""
        body = self.body if isinstance(self.body, dict) else {}
        if lang == "nb" and body.get("reason_nb"):
            return str(body["reason_nb"])
        detail = body.get("detail")
        if isinstance(detail, list):  # FastAPI's validation errors
            return "; ".join(str(d.get("msg", d)) for d in detail if isinstance(d, dict))
        return str(detail or f"HTTP {self.status}")


class Backend:
    def __init__(self, settings: CommonSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=30.0)

    def bearer(self, who: Principal, seconds: int = TOKEN_SECONDS) -> str:
        return issue_call_token(
            self.settings,
            tenant=who.tenant,
            user=who.user,
            roles=sorted(who.roles),
            ttl_seconds=seconds,
            supplier_orgnr=who.supplier_orgnr,
        )

    async def call(
        self,
        who: Principal,
        method: str,
        url: str,
        *,
        json: Any = None,
        files: Any = None,
    ) -> Reply:
        headers = {"Authorization": f"Bearer {self.bearer(who)}", "Accept": "application/json"}
        traceparent = current_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent
        try:
            response = await self.client.request(
                method, url, headers=headers, json=json, files=files
            )
        except httpx.HTTPError as exc:
            raise ServiceDown(f"{url}: {type(exc).__name__}") from exc
        media = response.headers.get("content-type")
        body: Any = None
        if media and media.startswith("application/json"):
            body = response.json()
        return Reply(response.status_code, body, response.content, media)
