"""Signed cookie sessions: who is logged in, their roles, and the session's CSRF token.

The cookie holds the session itself (JSON, base64url) and an HMAC-SHA256 over it, so the portal
keeps no session store and any replica can read it; tampering or expiry makes it anonymous.
Logging out drops the cookie: a copied cookie stays valid until it expires, which is why it is
HttpOnly, Secure, SameSite=Lax and short-lived.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace

from fakturaportal.auth import Principal
from services.portal.web.sealed import seal, unseal

COOKIE = "fp_session"
SECURE_COOKIE = "__Host-fp_session"
"""The `__Host-` prefix: the browser only takes it Secure, for this host, on path /."""


@dataclass(frozen=True)
class Session:
    csrf: str
    tenant: str | None = None
    user: str | None = None
    name: str | None = None
    roles: frozenset[str] = frozenset()
    orgnrs: tuple[str, ...] = ()
    """The suppliers a supplier contact speaks for (their org.nrs)."""
    expires: int = 0
    fresh: bool = field(default=False, compare=False)
    """Made in this request: the response must set the cookie."""

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.tenant is not None

    def principal(self) -> Principal:
        if self.tenant is None or self.user is None:
            raise ValueError("an anonymous session has no principal")
        return Principal(tenant=self.tenant, user=self.user, roles=self.roles)

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def anonymous(expires: int) -> Session:
    return Session(csrf=secrets.token_urlsafe(32), expires=expires, fresh=True)


def signed_in(
    *,
    tenant: str,
    user: str,
    name: str | None,
    roles: frozenset[str],
    orgnrs: tuple[str, ...],
    expires: int,
) -> Session:
    """A new session (and a new CSRF token) at login, never the anonymous one carried on."""
    return replace(
        anonymous(expires),
        tenant=tenant,
        user=user,
        name=name,
        roles=roles,
        orgnrs=orgnrs,
    )


class SessionCodec:
    def __init__(self, key: bytes) -> None:
        self.key = key

    def encode(self, session: Session) -> str:
        body = {
            "c": session.csrf,
            "t": session.tenant,
            "u": session.user,
            "n": session.name,
            "r": sorted(session.roles),
            "o": list(session.orgnrs),
            "e": session.expires,
        }
        return seal(self.key, body)

    def decode(self, cookie: str | None, now: int) -> Session | None:
        """The session, or None when the cookie is missing, tampered with or expired."""
        body = unseal(self.key, cookie)
        if body is None:
            return None
        try:
            session = Session(
                csrf=str(body["c"]),
                tenant=body["t"],
                user=body["u"],
                name=body["n"],
                roles=frozenset(str(r) for r in body["r"]),
                orgnrs=tuple(str(o) for o in body["o"]),
                expires=int(body["e"]),
            )
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > now else None
