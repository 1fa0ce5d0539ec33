"""Login through the tenant's identity provider: OIDC code flow with PKCE against a provider
that checks what a real one checks (client secret, redirect URI, the S256 code challenge)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

from fakturaportal.settings import CommonSettings
from services.portal.web import login, sso
from services.portal.web.config import WebSettings
from services.portal.web.directory import Directory, Person
from services.portal.web.links import LinkSigner, MemoryUsedLinks
from services.portal.web.oidc import OidcClient, Pending, PendingCodec
from services.portal.web.ui import Web, install

ISSUER = "https://idp.example"
CLIENT, SECRET = "fakturaportal", "client-secret"
PORTAL = "https://testserver"
KARI = Person("demo", "kari", "Kari", "kari@x.example", frozenset({"attestant"}), ())


class Provider:
    """An identity provider in-process: discovery, keys, and a token endpoint."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.signing_key: rsa.RSAPrivateKey | None = None
        """Signs ID tokens instead of the published key: a forger's key."""
        self.grants: dict[str, dict[str, Any]] = {}
        self.app = FastAPI()
        self.claims: dict[str, Any] = {}
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, str]:
            return {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
            }

        @app.get("/jwks")
        def keys() -> dict[str, Any]:
            jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}

        @app.post("/token")
        def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
        ) -> dict[str, str]:
            expected = "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
            if request.headers.get("authorization") != expected:
                raise HTTPException(401, "invalid_client")
            grant = self.grants.pop(code, None)
            if grant_type != "authorization_code" or grant is None:
                raise HTTPException(400, "invalid_grant")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            if challenge.rstrip(b"=").decode() != grant["code_challenge"]:
                raise HTTPException(400, "invalid_grant: PKCE")
            if redirect_uri != grant["redirect_uri"]:
                raise HTTPException(400, "invalid_grant: redirect_uri")
            return {"id_token": self.id_token(grant["nonce"]), "token_type": "Bearer"}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": "user-123",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "Kari@x.example",
            "email_verified": True,
        } | self.claims
        key = self.signing_key or self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, url: str) -> str:
        """What the provider does when the person logs in: a code for the callback."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["client_id"] == CLIENT and query["code_challenge_method"] == "S256"
        assert query["response_type"] == "code" and "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.grants[code] = query
        return f"{sso.CALLBACK}?code={code}&state={query['state']}"


class People(Directory):
    def __init__(self, people: list[Person]) -> None:
        self.known = people

    async def people(self, tenant: str) -> list[Person]:
        return [p for p in self.known if p.tenant == tenant]


@pytest.fixture(name="provider")
def provider_fixture() -> Provider:
    return Provider()


@pytest.fixture(name="portal")
def portal_fixture(provider: Provider) -> TestClient:
    settings = WebSettings(
        oidc_issuer=ISSUER,
        oidc_client_id=CLIENT,
        oidc_client_secret=SecretStr(SECRET),
        oidc_tenant="demo",
    )
    web = Web(settings, b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    people = People([KARI])
    links = LinkSigner(b"link-key" * 4, 15, MemoryUsedLinks())
    http.include_router(login.build_router(web, people, links, None, PORTAL))  # type: ignore[arg-type]
    idp = httpx.AsyncClient(transport=httpx.ASGITransport(app=provider.app))
    client = OidcClient(ISSUER, CLIENT, SECRET, http=idp)
    http.include_router(sso.build_router(web, people, client, PendingCodec(b"o" * 32), PORTAL))
    return TestClient(http, base_url=PORTAL)


def begin(portal: TestClient, next_path: str = "/") -> str:
    started = portal.get("/login/sso", params={"next": next_path}, follow_redirects=False)
    assert started.status_code == 303, started.text
    assert started.headers["location"].startswith(f"{ISSUER}/authorize?")
    assert "__Host-fp_oidc" in started.headers["set-cookie"]
    return started.headers["location"]


def test_the_login_page_offers_the_identity_provider(portal: TestClient) -> None:
    page = portal.get("/login?lang=nb").text
    assert re.search(r'href="/login/sso\?next=/"[^>]*>Logg inn med Entra ID<', page)


def test_a_person_the_organisation_knows_logs_in(portal: TestClient, provider: Provider) -> None:
    callback = provider.authorize(begin(portal, "/approver/invoices/x"))
    done = portal.get(callback, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/approver/invoices/x"
    assert portal.get("/", follow_redirects=False).headers["location"] == "/approver/inbox"
    again = portal.get(callback, follow_redirects=False)  # the pending login is used up
    assert again.status_code == 400


def test_the_state_must_be_this_browsers(portal: TestClient, provider: Provider) -> None:
    callback = provider.authorize(begin(portal))
    forged = re.sub(r"state=[^&]+", "state=someone-elses", callback)
    assert portal.get(forged, follow_redirects=False).status_code == 400
    portal.cookies.clear()
    assert portal.get(callback, follow_redirects=False).status_code == 400


@pytest.mark.parametrize(
    "claims",
    [
        {"nonce": "replayed"},
        {"aud": "another-client"},
        {"iss": "https://evil.example"},
        {"exp": 1_000_000},
        {"email_verified": False},
        {"email": None},
    ],
    ids=["nonce", "audience", "issuer", "expired", "unverified", "no-email"],
)
def test_a_bad_id_token_gives_no_session(
    portal: TestClient, provider: Provider, claims: dict[str, Any]
) -> None:
    provider.claims = claims
    answer = portal.get(provider.authorize(begin(portal)), follow_redirects=False)
    assert answer.status_code == 400
    assert "ikke godtatt" in answer.text or "not accepted" in answer.text
    assert portal.get("/", follow_redirects=False).status_code == 200  # still anonymous


def test_a_token_signed_by_another_key_is_refused(portal: TestClient, provider: Provider) -> None:
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = portal.get(provider.authorize(begin(portal)), follow_redirects=False)
    assert answer.status_code == 400


def test_rotated_keys_are_fetched_again(portal: TestClient, provider: Provider) -> None:
    first = portal.get(provider.authorize(begin(portal)), follow_redirects=False)
    assert first.status_code == 303  # the portal now holds the key set with k1
    portal.cookies.clear()
    provider.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.kid = "k2"
    second = portal.get(provider.authorize(begin(portal)), follow_redirects=False)
    assert second.status_code == 303, second.text


def test_someone_the_organisation_does_not_know_is_refused(
    portal: TestClient, provider: Provider
) -> None:
    provider.claims = {"email": "stranger@x.example"}
    answer = portal.get(provider.authorize(begin(portal)) + "&lang=en", follow_redirects=False)
    assert answer.status_code == 403
    assert "not registered with this organisation" in answer.text


def test_the_provider_saying_no_is_shown_plainly(portal: TestClient, provider: Provider) -> None:
    state = parse_qs(urlsplit(begin(portal)).query)["state"][0]
    answer = portal.get(f"{sso.CALLBACK}?error=access_denied&state={state}&lang=en")
    assert answer.status_code == 400 and "not accepted" in answer.text


def test_the_pending_login_is_signed_and_expires() -> None:
    codec = PendingCodec(b"k" * 32)
    pending = Pending.new("/desk", now=1_000)
    value = codec.encode(pending)
    assert codec.decode(value, now=1_001) == pending
    assert codec.decode(value, now=1_000 + 601) is None
    assert codec.decode(value.replace(value[3], "A" if value[3] != "A" else "B", 1), 1_001) is None
    assert PendingCodec(b"x" * 32).decode(value, now=1_001) is None
    digest = hashlib.sha256(pending.verifier.encode()).digest()
    assert pending.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_without_a_provider_there_is_no_sso_link() -> None:
    web = Web(WebSettings(), b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    links = LinkSigner(b"link-key" * 4, 15, MemoryUsedLinks())
    http.include_router(login.build_router(web, People([KARI]), links, None, PORTAL))  # type: ignore[arg-type]
    page = TestClient(http, base_url=PORTAL).get("/login").text
    assert "/login/sso" not in page
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    assert WebSettings().secret(common, "oidc") != WebSettings().secret(common, "session")


def test_the_client_exists_only_when_fully_configured() -> None:
    assert sso.client_from(WebSettings()) is None
    assert sso.client_from(WebSettings(oidc_issuer=ISSUER, oidc_client_id=CLIENT)) is None
    client = sso.client_from(
        WebSettings(
            oidc_issuer=f"{ISSUER}/", oidc_client_id=CLIENT, oidc_client_secret=SecretStr(SECRET)
        )
    )
    assert client is not None and client.issuer == ISSUER
