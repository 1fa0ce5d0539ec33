"""The portal signs its calls with its own key; services verify them against its JWKS only."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import AuthError, issue_call_token, issue_dev_token, verify
from fakturaportal.cli import main as cli_main
from fakturaportal.settings import CommonSettings
from fakturaportal.signing import SigningKeyError, jwks, new_private_key_pem, public_jwk
from services.portal.keys import build_router

SECRET = "a-local-secret-of-enough-length-for-hs256"


def settings(**changes: object) -> CommonSettings:
    base = CommonSettings(_env_file=None, jwt_secret=SecretStr(SECRET))  # type: ignore[call-arg]
    return base.model_copy(update=changes)


@pytest.fixture(scope="module")
def key() -> str:
    return new_private_key_pem()


@pytest.fixture
def jwks_url(key: str) -> Iterator[str]:
    """A real HTTP server serving the portal's JWKS, as the portal's route does."""
    body = json.dumps(jwks(settings(portal_signing_key=SecretStr(key)))).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def portal_token(key: str, **claims: object) -> str:
    return issue_call_token(
        settings(portal_signing_key=SecretStr(key)),
        tenant=str(claims.get("tenant", "acme")),
        user="kari",
        roles=["attestant"],
        ttl_seconds=300,
        supplier_orgnr=None,
    )


def test_without_a_key_the_portal_signs_with_the_shared_secret() -> None:
    token = issue_call_token(
        settings(), tenant="acme", user="kari", roles=["attestant"], ttl_seconds=60
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert verify(token, settings()).user == "kari"
    assert jwks(settings()) == {"keys": []}


def test_a_service_accepts_the_portals_token_through_its_jwks(key: str, jwks_url: str) -> None:
    token = portal_token(key)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"] == public_jwk(key)["kid"]
    who = verify(token, settings(jwt_secret=None, portal_jwks_url=jwks_url))
    assert (who.tenant, who.user, who.roles) == ("acme", "kari", frozenset({"attestant"}))


def test_a_token_signed_by_another_key_is_refused(key: str, jwks_url: str) -> None:
    forged = portal_token(new_private_key_pem())
    with pytest.raises(AuthError):
        verify(forged, settings(portal_jwks_url=jwks_url))


def test_the_shared_secret_cannot_sign_as_the_portal(jwks_url: str) -> None:
    """Algorithm confusion: an HS256 token naming the portal's issuer is never accepted."""
    s = settings(portal_jwks_url=jwks_url)
    forged = jwt.encode(
        {
            "iss": s.portal_issuer,
            "aud": s.jwt_audience,
            "sub": "mallory",
            "tenant": "acme",
            "roles": ["finance-admin"],
            "exp": 2_000_000_000,
        },
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(AuthError):
        verify(forged, s)


def test_a_service_without_the_portals_jwks_refuses_its_tokens(key: str) -> None:
    with pytest.raises(AuthError):
        verify(portal_token(key), settings())


def test_people_tokens_of_the_other_issuer_still_verify(jwks_url: str) -> None:
    token = issue_dev_token(settings(), tenant="acme", user="anne", roles=["accountant"])
    assert verify(token, settings(portal_jwks_url=jwks_url)).user == "anne"


def test_unknown_roles_are_refused_before_signing(key: str) -> None:
    with pytest.raises(AuthError, match="unknown role"):
        issue_call_token(
            settings(portal_signing_key=SecretStr(key)),
            tenant="acme",
            user="kari",
            roles=["root"],
            ttl_seconds=60,
        )


def test_a_key_that_is_not_ec_p256_is_refused() -> None:
    with pytest.raises(SigningKeyError, match="PEM"):
        public_jwk("not a key")
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(SigningKeyError, match="P-256"):
        public_jwk(rsa_pem)


def test_the_portal_serves_its_public_key_only(key: str) -> None:
    app = FastAPI()
    app.include_router(build_router(settings(portal_signing_key=SecretStr(key))))
    answer = TestClient(app).get("/.well-known/jwks.json")
    assert answer.status_code == 200
    assert "max-age" in answer.headers["cache-control"]
    (served,) = answer.json()["keys"]
    assert served == public_jwk(key)
    assert "d" not in served  # never the private part


def test_the_cli_prints_a_usable_key() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["portal-key"]) == 0
    assert public_jwk(out.getvalue())["crv"] == "P-256"
