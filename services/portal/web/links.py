"""Magic login links: signed, short-lived, single-use tokens mailed to a known address.

A link is a JWT (HS256, its own key and audience, so it is never mistaken for an API token)
naming the tenant, the person and the address it went to. Following it shows a confirmation
form; only the POST uses it up, so mail scanners that open links do not spend them.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import jwt

AUDIENCE = "fakturaportal-portal-login"
ISSUER = "fakturaportal-portal"


class LinkRefused(Exception):
    """Expired, used, tampered with or not a login link."""


@dataclass(frozen=True)
class LoginClaim:
    tenant: str
    user: str
    email: str
    jti: str
    expires: int


class UsedLinks(Protocol):
    """Remembers used links until they expire."""

    def claim(self, jti: str, expires: int, now: int) -> bool:
        """True the first time a link is used; False ever after."""
        ...


class MemoryUsedLinks:
    """Used links in this process. Enough for one portal process (local, the e2e system); with
    several replicas a shared store (a PostgreSQL table) must take its place."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def claim(self, jti: str, expires: int, now: int) -> bool:
        with self._lock:
            self._used = {k: v for k, v in self._used.items() if v > now}
            if jti in self._used:
                return False
            self._used[jti] = expires
            return True


class LinkSigner:
    def __init__(self, key: bytes, minutes: int, used: UsedLinks) -> None:
        self.key = key
        self.seconds = minutes * 60
        self.used = used

    def issue(self, *, tenant: str, user: str, email: str, now: int | None = None) -> str:
        issued = int(time.time()) if now is None else now
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user,
            "tenant": tenant,
            "email": email,
            "jti": secrets.token_urlsafe(16),
            "iat": issued,
            "exp": issued + self.seconds,
        }
        return jwt.encode(claims, self.key, algorithm="HS256")

    def read(self, token: str, now: int | None = None) -> LoginClaim:
        """The claim of a valid, unexpired link (not yet used up)."""
        at = int(time.time()) if now is None else now
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={
                    "require": ["exp", "iat", "jti", "sub"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise LinkRefused(f"not a valid login link: {exc}") from exc
        claim = LoginClaim(
            tenant=str(claims.get("tenant") or ""),
            user=str(claims["sub"]),
            email=str(claims.get("email") or ""),
            jti=str(claims["jti"]),
            expires=int(claims["exp"]),
        )
        if claim.expires <= at:
            raise LinkRefused("the login link has expired")
        if not claim.tenant:
            raise LinkRefused("the login link names no tenant")
        return claim

    def redeem(self, token: str, now: int | None = None) -> LoginClaim:
        """Use the link up: its claim the first time, LinkRefused after that."""
        at = int(time.time()) if now is None else now
        claim = self.read(token, at)
        if not self.used.claim(claim.jti, claim.expires, at):
            raise LinkRefused("the login link has been used already")
        return claim
