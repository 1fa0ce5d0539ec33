"""The approver's inbox page: what each card says, in both languages (services answered fake)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.web import approver
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install, percent

ROW = {
    "invoice_id": "6f1c2b9e-4a57-4d1e-9c3a-2b8f0e7d4a11",
    "invoice_number": "F-17",
    "supplier_name": "Nordlys AS",
    "amount": "17500.00",
    "currency": "NOK",
    "due_date": "2026-12-30",
    "kind": "attestation",
    "why": "assigned",
    "on_behalf_of": None,
    "priority": "discount",
    "held_until": None,
    "discount_percent": "1.5",
    "discount_until": "2026-12-04",
    "discount_at_stake": "262.50",
}


class Approval(Backend):
    async def call(
        self, who: Principal, method: str, url: str, *, json: Any = None, files: Any = None
    ) -> Reply:
        assert url.endswith("/approvals/inbox")
        plain = ROW | {"invoice_id": "00000000-0000-0000-0000-000000000001", "priority": "normal"}
        plain |= {"discount_percent": None, "discount_until": None, "discount_at_stake": None}
        return Reply(200, {"user": who.user, "items": [ROW, plain]}, b"", "application/json")


@pytest.fixture(name="client")
def client_fixture() -> TestClient:
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    web = Web(WebSettings(), b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    http.include_router(
        approver.build_router(web, Approval(common), None, common, PortalSettings())  # type: ignore[arg-type]
    )
    session = signed_in(
        tenant="demo",
        user="kari",
        name=None,
        roles=frozenset({"attestant"}),
        orgnrs=(),
        expires=int(time.time()) + 600,
    )
    client = TestClient(http, base_url="https://testserver")
    client.cookies.set("__Host-fp_session", web.codec.encode(session))
    return client


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("nb", "Kontantrabatt 1,5 % (262,50\u00a0NOK) ved betaling innen 2026-12-04"),
        ("en", "Cash discount 1,5 % (262,50\u00a0NOK) if paid by 2026-12-04"),
    ],
)
def test_a_card_says_which_discount_is_at_stake(client: TestClient, lang: str, says: str) -> None:
    page = client.get(f"/approver/inbox?lang={lang}")
    assert page.status_code == 200, page.text
    assert page.text.count('data-testid="discount"') == 1  # the plain invoice has none
    assert says in page.text


def test_percent_is_written_without_trailing_zeros() -> None:
    assert [percent(v) for v in ("2.00", "1.5", "10", "x")] == ["2", "1,5", "10", "x"]
