"""The stylesheet is fast on a slow phone: a content-named address, kept for a year, compressed;
pages themselves stay uncompressed and uncached (they carry the CSRF token)."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.portal.web import login
from services.portal.web.config import WebSettings
from services.portal.web.links import LinkSigner, MemoryUsedLinks
from services.portal.web.ui import STATIC, Web, install
from tests.unit.test_portal_web import KARI, Outbox, People


@pytest.fixture(name="client")
def client_fixture() -> TestClient:
    web = Web(WebSettings(), b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    links = LinkSigner(b"link-key" * 4, 15, MemoryUsedLinks())
    http.include_router(login.build_router(web, People([KARI]), links, Outbox(), "https://p"))
    return TestClient(http, base_url="https://testserver")


def stylesheet_of(client: TestClient) -> str:
    found = re.search(r'<link rel="stylesheet" href="([^"]+)">', client.get("/login").text)
    assert found
    return found.group(1)


def test_the_stylesheet_address_names_its_content(client):
    content = (STATIC / "portal.css").read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:12]
    assert stylesheet_of(client) == f"/static/portal.css?v={digest}"


def test_the_stylesheet_is_kept_for_a_year_and_compressed(client):
    answer = client.get(stylesheet_of(client), headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-encoding"] == "gzip"
    assert int(answer.headers["content-length"]) < len((STATIC / "portal.css").read_bytes()) / 2
    assert answer.content == (STATIC / "portal.css").read_bytes()  # httpx decompresses


def test_pages_are_neither_compressed_nor_cached(client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in page.headers  # the CSRF token beside typed text: BREACH
    assert page.headers["cache-control"] == "no-store"


def test_pages_name_an_icon_that_is_served(client):
    page = client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_a_wrong_address_gives_a_browser_the_portals_page_and_a_client_json(client):
    page = client.get("/nowhere?lang=en", headers={"Accept": "text/html,*/*"})
    assert page.status_code == 404 and '<html lang="en">' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    api = client.get("/api/v1/nowhere", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/nowhere", headers={"Accept": "application/json"}).json()
