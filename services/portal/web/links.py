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

from fakturaportal.db import connect, create_tables
from fakturaportal.settings import CommonSettings

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
    """Used links in this process: for unit tests. With several portal replicas each would
    remember only its own, so the portal uses `PostgresUsedLinks`."""

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


TABLE = "portal_used_links"
DDL_LOCK = 7215
DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        jti        text        PRIMARY KEY,
        expires_at timestamptz NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_expires ON {TABLE} (expires_at)",
)
CLAIM = (
    "INSERT INTO portal_used_links (jti, expires_at) VALUES (%s, to_timestamp(%s)) "
    "ON CONFLICT (jti) DO NOTHING RETURNING jti"
)
PRUNE = "DELETE FROM portal_used_links WHERE expires_at <= to_timestamp(%s)"
PRUNE_SECONDS = 600
"""How often one process deletes expired rows (a used link is refused by its expiry anyway)."""


def ensure_tables(settings: CommonSettings) -> None:
    """`fakturaportal migrate` creates the table; the service role may DELETE expired rows."""
    create_tables(settings, DDL_LOCK, DDL)


class PostgresUsedLinks:
    """Used links in PostgreSQL, shared by every portal replica: the first INSERT of a link's id
    wins, so a link is used once however many portals there are. Connects per claim (logins are
    rare); a row outlives its link's expiry only until the next prune."""

    def __init__(self, settings: CommonSettings, prune_seconds: int = PRUNE_SECONDS) -> None:
        self.settings = settings
        self.prune_seconds = prune_seconds
        self._next_prune = 0
        self._lock = threading.Lock()

    def claim(self, jti: str, expires: int, now: int) -> bool:
        with connect(self.settings, autocommit=True) as conn:
            if self._prune_due(now):
                conn.execute(PRUNE, (now,))
            inserted = conn.execute(CLAIM, (jti, expires)).fetchone()
        return inserted is not None

    def _prune_due(self, now: int) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + self.prune_seconds
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
