"""Logging in through the tenant's identity provider (OpenID Connect, authorization code + PKCE).

The identity provider says who someone is (a verified e-mail address); the tenant's organisation,
as approval keeps it, says what they may do, exactly as for a magic link. So a person the
organisation does not know gets no session, whatever the identity provider says. The state,
nonce and PKCE verifier of a login in progress travel in a short-lived signed cookie, so any
portal replica can finish a login another one started.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from services.portal.web.sealed import b64, seal, unseal

ALGORITHMS = ["RS256", "ES256", "PS256"]
PENDING_SECONDS = 600
"""How long someone may take at the identity provider."""


class OidcRefused(Exception):
    """The login cannot be finished: a reason for the log; the person sees a general page."""


@dataclass(frozen=True)
class Pending:
    """A login in progress: what the callback must find again."""

    state: str
    nonce: str
    verifier: str
    next_path: str
    expires: int

    @staticmethod
    def new(next_path: str, now: int | None = None) -> Pending:
        return Pending(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next_path=next_path,
            expires=(now or int(time.time())) + PENDING_SECONDS,
        )

    @property
    def challenge(self) -> str:
        """RFC 7636 S256: the verifier's SHA-256, base64url without padding."""
        return b64(hashlib.sha256(self.verifier.encode("ascii")).digest())


class PendingCodec:
    """Signs the pending login into a cookie value and reads it back."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, pending: Pending) -> str:
        return seal(self._key, pending.__dict__)

    def decode(self, value: str | None, now: int | None = None) -> Pending | None:
        found = unseal(self._key, value)
        try:
            pending = Pending(**found) if isinstance(found, dict) else None
        except TypeError:
            return None
        if pending is None or pending.expires <= (now or int(time.time())):
            return None
        return pending


@dataclass(frozen=True)
class Identity:
    """Who the identity provider vouches for."""

    subject: str
    email: str
    tenant: str | None
    """The tenant claim, when the provider sets one (else the portal's configured tenant)."""


class OidcClient:
    """One identity provider: discovery, the authorization URL, the code exchange, the ID token."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: str = "openid email profile",
        tenant_claim: str = "tenant",
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = scopes
        self.tenant_claim = tenant_claim
        self._http = http or httpx.AsyncClient(timeout=15.0)
        self._config: dict[str, Any] | None = None
        self._keys: jwt.PyJWKSet | None = None

    async def configuration(self) -> dict[str, Any]:
        if self._config is None:
            found = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if str(found.get("issuer", "")).rstrip("/") != self.issuer:
                raise OidcRefused(f"discovery names issuer {found.get('issuer')!r}")
            self._config = found
        return self._config

    async def authorization_url(self, pending: Pending, redirect_uri: str) -> str:
        config = await self.configuration()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": pending.challenge,
            "code_challenge_method": "S256",
        }
        return f"{config['authorization_endpoint']}?{urlencode(query)}"

    async def identity(self, code: str, pending: Pending, redirect_uri: str) -> Identity:
        """Exchange the code (with the PKCE verifier) and check the ID token it brings."""
        config = await self.configuration()
        try:
            answer = await self._http.post(
                config["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": pending.verifier,
                },
                auth=(self.client_id, self._secret),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise OidcRefused(f"token endpoint unreachable: {type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise OidcRefused(f"token endpoint answered HTTP {answer.status_code}")
        id_token = answer.json().get("id_token")
        if not isinstance(id_token, str):
            raise OidcRefused("no id_token in the token answer")
        claims = await self._verified(id_token)
        if not hmac.compare_digest(str(claims.get("nonce", "")), pending.nonce):
            raise OidcRefused("the ID token's nonce is not this login's")
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise OidcRefused("the ID token carries no e-mail address")
        if claims.get("email_verified") is False:
            raise OidcRefused("the e-mail address is not verified by the identity provider")
        tenant = claims.get(self.tenant_claim)
        return Identity(
            subject=str(claims["sub"]),
            email=email,
            tenant=tenant if isinstance(tenant, str) and tenant else None,
        )

    async def _verified(self, id_token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self._key(kid)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=ALGORITHMS,
                audience=self.client_id,
                issuer=(await self.configuration())["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            raise OidcRefused(f"ID token refused: {exc}") from exc
        return claims

    async def _key(self, kid: str | None) -> Any:
        """The provider's signing key by `kid`; the key set is fetched again once for a new kid
        (the provider rotated its keys)."""
        for fresh in (False, True):
            if self._keys is None or fresh:
                config = await self.configuration()
                self._keys = jwt.PyJWKSet.from_dict(await self._get_json(config["jwks_uri"]))
            for jwk in self._keys.keys:
                if kid is None or jwk.key_id == kid:
                    return jwk.key
        raise OidcRefused(f"no signing key {kid!r} at the identity provider")

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise OidcRefused(f"{url}: {type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise OidcRefused(f"{url}: HTTP {answer.status_code}")
        body = answer.json()
        if not isinstance(body, dict):
            raise OidcRefused(f"{url}: not a JSON object")
        return body
