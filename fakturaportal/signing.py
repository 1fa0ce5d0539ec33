"""The portal's own token signing: an EC P-256 key whose public half the services trust.

The portal is the one HTTP entry for people (DESIGN §1) and calls the services as the logged-in
person. With a shared HS256 secret (local) every service could mint tokens too; in production the
portal signs with a private key only it holds and publishes the public key as a JWKS, so services
accept people's tokens from the identity provider and the portal's from the portal, each by its
own issuer and algorithm.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from fakturaportal.settings import CommonSettings

ALGORITHM = "ES256"


class SigningKeyError(ValueError):
    """FP_PORTAL_SIGNING_KEY is not a PEM EC P-256 private key."""


def new_private_key_pem() -> str:
    """A fresh key for FP_PORTAL_SIGNING_KEY (keep it in a Secret, never in the repo)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@lru_cache(maxsize=4)
def _load(pem: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"FP_PORTAL_SIGNING_KEY is not a PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SigningKeyError("FP_PORTAL_SIGNING_KEY must be an EC P-256 key (ES256)")
    return key


def public_jwk(pem: str) -> dict[str, Any]:
    """The public half as a JWK, with its RFC 7638 thumbprint as `kid`."""
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(_load(pem).public_key(), as_dict=True)
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=")
    return members | {"kid": thumbprint.decode("ascii"), "use": "sig", "alg": ALGORITHM}


def jwks(settings: CommonSettings) -> dict[str, Any]:
    """The JWKS document the portal serves; empty when it signs with the shared secret."""
    if settings.portal_signing_key is None:
        return {"keys": []}
    return {"keys": [public_jwk(settings.portal_signing_key.get_secret_value())]}


def person_claims(
    issuer: str,
    audience: str,
    *,
    tenant: str,
    user: str,
    roles: list[str],
    ttl_seconds: int,
    supplier_orgnr: str | None = None,
) -> dict[str, Any]:
    """The claims every service reads (DESIGN §3): who, for which tenant, in which roles."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": user,
        "tenant": tenant,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if supplier_orgnr:
        claims["supplier_orgnr"] = supplier_orgnr
    return claims


def sign_as_portal(settings: CommonSettings, claims: dict[str, Any]) -> str:
    """A short-lived ES256 token for one call on a person's behalf."""
    if settings.portal_signing_key is None:
        raise SigningKeyError("FP_PORTAL_SIGNING_KEY is not set")
    pem = settings.portal_signing_key.get_secret_value()
    return jwt.encode(
        claims, _load(pem), algorithm=ALGORITHM, headers={"kid": public_jwk(pem)["kid"]}
    )
