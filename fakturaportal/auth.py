"""Bearer JWT authentication: issuer, audience and expiry checked; claims carry tenant, user, roles.

Locally tokens are HS256-signed with `FP_JWT_SECRET` (`fakturaportal dev-token`); in production the
issuer's keys come from `FP_JWT_JWKS_URL`. The portal's calls on a person's behalf carry its own
issuer (`FP_PORTAL_ISSUER`) and are verified against its JWKS (`FP_PORTAL_JWKS_URL`), ES256 only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fakturaportal.http import Refused
from fakturaportal.settings import CommonSettings, common_settings
from fakturaportal.signing import person_claims, sign_as_portal

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


def _checked_roles(roles: list[str]) -> list[str]:
    unknown = set(roles) - ROLES
    if unknown:
        raise AuthError(
            f"unknown role(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(ROLES))}"
        )
    return roles


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
    claims = person_claims(
        settings.jwt_issuer,
        settings.jwt_audience,
        tenant=tenant,
        user=user,
        roles=_checked_roles(roles),
        ttl_seconds=ttl_seconds,
        supplier_orgnr=supplier_orgnr,
    )
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def issue_call_token(
    settings: CommonSettings,
    *,
    tenant: str,
    user: str,
    roles: list[str],
    ttl_seconds: int,
    supplier_orgnr: str | None = None,
) -> str:
    """The portal's token for one call to a service: ES256 with its own key when it has one
    (production), else the local HS256 token."""
    if settings.portal_signing_key is None:
        return issue_dev_token(
            settings,
            tenant=tenant,
            user=user,
            roles=roles,
            ttl_seconds=ttl_seconds,
            supplier_orgnr=supplier_orgnr,
        )
    claims = person_claims(
        settings.portal_issuer,
        settings.jwt_audience,
        tenant=tenant,
        user=user,
        roles=_checked_roles(roles),
        ttl_seconds=ttl_seconds,
        supplier_orgnr=supplier_orgnr,
    )
    return sign_as_portal(settings, claims)


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def verify(token: str, settings: CommonSettings) -> Principal:
    options: Any = {"require": ["exp", "iss", "aud", "sub"]}
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if settings.portal_jwks_url and issuer == settings.portal_issuer:
            key = _jwks_client(settings.portal_jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["ES256"],
                audience=settings.jwt_audience,
                issuer=settings.portal_issuer,
                options=options,
            )
        elif settings.jwt_jwks_url:
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
