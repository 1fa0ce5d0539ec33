"""Bearer JWT authentication: issuer, audience and expiry checked; claims carry tenant, user, roles.

Locally tokens are HS256-signed with `FP_JWT_SECRET` (`fakturaportal dev-token`); in production the
issuer's keys come from `FP_JWT_JWKS_URL`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fakturaportal.http import Refused
from fakturaportal.settings import CommonSettings, common_settings

ROLES = frozenset(
    {
        "supplier",
        "accountant",
        "attestant",
        "budget-holder",
        "payment-approver",
        "finance-admin",
        "auditor",
        "access-point",
        "erp",
    }
)


@dataclass(frozen=True)
class Principal:
    tenant: str
    user: str
    roles: frozenset[str] = field(default_factory=frozenset)
    supplier_orgnr: str | None = None
    """For a supplier's user: the organisation number of the supplier they act for (the
    `supplier_orgnr` claim); a supplier sees and acts on that supplier's invoices only."""

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class AuthError(Exception):
    pass


def issue_dev_token(
    settings: CommonSettings,
    *,
    tenant: str,
    user: str,
    roles: list[str],
    ttl_seconds: int = 8 * 3600,
    supplier_orgnr: str | None = None,
) -> str:
    if settings.jwt_secret is None:
        raise AuthError("FP_JWT_SECRET is not set: run `make run` once, or export it")
    unknown = set(roles) - ROLES
    if unknown:
        raise AuthError(
            f"unknown role(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(ROLES))}"
        )
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user,
        "tenant": tenant,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if supplier_orgnr:
        claims["supplier_orgnr"] = supplier_orgnr
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def verify(token: str, settings: CommonSettings) -> Principal:
    options: Any = {"require": ["exp", "iss", "aud", "sub"]}
    try:
        if settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256"],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options=options,
            )
        elif settings.jwt_secret is not None:
            claims = jwt.decode(
                token,
                settings.jwt_secret.get_secret_value(),
                algorithms=["HS256"],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options=options,
            )
        else:
            raise AuthError("no token verification configured (FP_JWT_SECRET or FP_JWT_JWKS_URL)")
    except jwt.PyJWTError as exc:
        raise AuthError(str(exc)) from exc
    tenant = claims.get("tenant")
    roles = claims.get("roles", [])
    if not isinstance(tenant, str) or not tenant:
        raise AuthError("token has no tenant claim")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthError("roles claim must be a list of strings")
    supplier = claims.get("supplier_orgnr")
    if supplier is not None and not isinstance(supplier, str):
        raise AuthError("supplier_orgnr claim must be a string")
    return Principal(
        tenant=tenant, user=str(claims["sub"]), roles=frozenset(roles), supplier_orgnr=supplier
    )


_bearer = HTTPBearer(auto_error=False)


def authenticate(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "bearer token required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return verify(credentials.credentials, common_settings())
    except AuthError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"invalid token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


CurrentUser = Annotated[Principal, Depends(authenticate)]


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_any(*roles):
        named = ", ".join(roles)
        raise Refused(
            status.HTTP_403_FORBIDDEN,
            f"requires one of the roles: {named}",
            f"krever en av rollene: {named}",
        )
