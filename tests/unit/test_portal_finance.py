"""Finance's pages without the system: a fake payment service and status rows, real routers.

Each page renders in both languages for the roles the payment API allows and is refused to the
others; the payment service's refusals come back in the reader's language; a supplier's calls
carry the supplier they act for."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.web import finance
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install

NOW = datetime.now(UTC)
RUN = "6f0b2c1e-0000-4000-8000-000000000001"
INVOICE = "6f0b2c1e-0000-4000-8000-0000000000aa"
PAYMENT = {
    "invoice_id": INVOICE,
    "invoice_number": "880401",
    "creditor_name": "Kontorrekvisita Nord AS",
    "creditor_account": "15030100007",
    "kid": "000000018",
    "open_amount": "1250.00",
    "discount": "0.00",
    "credits": [],
    "amount": "1250.00",
    "currency": "NOK",
    "due_date": "2026-12-04",
    "execution_date": "2026-12-04",
    "decision": None,
    "findings": [
        {"code": "FP-PAY-08", "message": "first payment", "message_nb": "første betaling"}
    ],
    "file_name": None,
}
RUN_VIEW = {
    "run_id": RUN,
    "status": "proposed",
    "proposed_by": "anne",
    "proposed_at": NOW.isoformat(),
    "released_by": None,
    "released_at": None,
    "cancelled_by": None,
    "files": [],
    "horizon": "2026-12-10",
    "accounts": [{"debtor_account": "drift", "payments": [PAYMENT], "total": "1250.00", "count": 1}],
    "items": [PAYMENT],
    "settled_by_credit": [],
    "held": [
        {
            "invoice_id": "x-1",
            "invoice_number": "9",
            "creditor_name": "Strøm AS",
            "amount": "10.00",
            "due_date": "2026-12-01",
            "findings": [{"code": "FP-PAY-01", "message": "bad KID", "message_nb": "feil KID"}],
        }
    ],
    "excluded": [{"invoice_id": "x-2", "code": "duplicate", "reason": "paid twice?"}],
    "not_due": [],
    "gains": {},
    "total": "1250.00",
    "currency": "NOK",
}
ROWS = [
    {
        "invoice_id": INVOICE,
        "status": "payment-proposed",
        "currency": "NOK",
        "supplier_name": "Kontorrekvisita Nord AS",
        "supplier_orgnr": "974760673",
        "amount_payable": "1250.00",
        "received_at": (NOW - timedelta(days=3)).isoformat(),
        "approved_at": (NOW - timedelta(days=2)).isoformat(),
        "approval_requested_at": {"attestation": (NOW - timedelta(days=3)).isoformat()},
        "approvals": [
            {"step": "attestation", "approved_by": "kari", "approved_at": NOW.isoformat()}
        ],
        "costs": {"6540": "1000.00"},
        "touchless": True,
        "due_date": "2026-12-04",
    }
]


class FakePayment(Backend):
    """Answers as the payment service would, and remembers who asked what."""

    def __init__(self) -> None:
        super().__init__(CommonSettings(jwt_secret=SecretStr("j" * 32)))
        self.calls: list[tuple[Principal, str, str, Any]] = []
        self.answers: dict[tuple[str, str], Reply] = {}

    async def call(
        self, who: Principal, method: str, url: str, *, json: Any = None, files: Any = None
    ) -> Reply:
        path = url.split("/api/v1", 1)[1]
        self.calls.append((who, method, path, json))
        if (method, path) in self.answers:
            return self.answers[(method, path)]
        if path.split("?")[0] == "/payment-runs":
            summary = {k: RUN_VIEW[k] for k in ("run_id", "status", "proposed_by", "proposed_at")}
            return ok({"runs": [summary | {"total": "1250.00", "currency": "NOK", "count": 1}]})
        if path == f"/payment-runs/{RUN}":
            return ok(RUN_VIEW)
        if path.startswith("/payment/items?"):
            return ok({"items": []})
        if path == "/payment/settings":
            return ok({"debtor_accounts": [{"id": "drift", "account": "15030100007"}]})
        if path.startswith("/bank-files/unmatched"):
            return ok({"records": []})
        return Reply(404, {"detail": "not found"}, b"", "application/json")


def ok(body: Any) -> Reply:
    return Reply(200, body, b"", "application/json")


@pytest.fixture(name="fake")
def fake_fixture(monkeypatch: pytest.MonkeyPatch) -> FakePayment:
    monkeypatch.setattr(finance, "list_statuses_since", lambda *a: ROWS)
    monkeypatch.setattr(finance, "read_status", lambda s, t, i: ROWS[0] if i == INVOICE else None)
    return FakePayment()


def client_for(fake: FakePayment, *roles: str, orgnrs: tuple[str, ...] = ()) -> TestClient:
    web = Web(WebSettings(), b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    http.include_router(finance.build_router(web, fake, common, PortalSettings()))
    client = TestClient(http, base_url="https://testserver")
    session = signed_in(
        tenant="demo",
        user="per",
        name=None,
        roles=frozenset(roles),
        orgnrs=orgnrs,
        expires=int(NOW.timestamp()) + 3600,
    )
    client.cookies.set(web.cookie, web.codec.encode(session))
    return client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize(
    ("path", "nb", "en"),
    [
        ("/finance/cockpit", "Likviditetsprognose", "Liquidity forecast"),
        ("/finance/payment-runs", "Nytt betalingsforslag", "New payment run"),
        (f"/finance/payment-runs/{RUN}", "Holdt tilbake", "Held back"),
        ("/finance/bank", "Poster uten betaling", "Records without a payment"),
    ],
)
def test_each_page_in_both_languages(fake: FakePayment, path: str, nb: str, en: str) -> None:
    client = client_for(fake, "payment-approver")
    for lang, word in (("nb", nb), ("en", en)):
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200, page.text
        assert f'<html lang="{lang}">' in page.text and word in page.text


def test_the_cockpit_draws_its_charts_with_tables(fake: FakePayment) -> None:
    page = client_for(fake, "auditor").get("/finance/cockpit").text
    assert page.count('<svg class="chart"') == 7
    assert page.count("<desc id=") == 7
    assert 'data-testid="chart-approvers"' in page and "<th scope=\"row\">kari</th>" in page
    assert "<th scope=\"row\">6540</th>" in page  # cost per account
    assert 'data-value="1250"' in page  # the run's payment in the forecast


def test_a_run_shows_findings_and_what_was_left_out_in_the_readers_language(
    fake: FakePayment,
) -> None:
    client = client_for(fake, "payment-approver")
    nb = client.get(f"/finance/payment-runs/{RUN}").text
    assert "feil KID" in nb and "mulig dobbeltbetaling" in nb and "første betaling" in nb
    assert "Strøm AS · 9" in nb and "Godkjenn og send til banken" in nb
    en = client.get(f"/finance/payment-runs/{RUN}?lang=en").text
    assert "bad KID" in en and "possible double payment" in en
    auditor = client_for(fake, "auditor").get(f"/finance/payment-runs/{RUN}").text
    assert "Godkjenn og send" not in auditor and "Avbryt forslaget" not in auditor


def test_the_four_eyes_refusal_is_shown_plainly(fake: FakePayment) -> None:
    fake.answers[("POST", f"/payment-runs/{RUN}/approve")] = Reply(
        403,
        {
            "detail": "four eyes: the user who proposed a payment run may not approve it",
            "reason_nb": "Den som foreslo betalingsforslaget kan ikke frigi det (fire øyne).",
        },
        b"",
        None,
    )
    client = client_for(fake, "payment-approver")
    token = csrf(client.get("/finance/payment-runs").text)
    refused = client.post(f"/finance/payment-runs/{RUN}/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Ikke utført: Den som foreslo betalingsforslaget kan ikke frigi det (fire øyne)." in (
        refused.text
    )
    refused = client.post(
        f"/finance/payment-runs/{RUN}/approve?lang=en", data={"csrf_token": token}
    )
    assert "Not done: four eyes" in refused.text
    assert client.post(f"/finance/payment-runs/{RUN}/approve").status_code == 403  # no CSRF


def test_pages_are_refused_to_roles_the_api_refuses(fake: FakePayment) -> None:
    attestant = client_for(fake, "attestant")
    for path in ("/finance/cockpit", "/finance/payment-runs", "/finance/bank"):
        assert attestant.get(path).status_code == 403, path
    auditor = client_for(fake, "auditor")
    token = csrf(auditor.get("/finance/payment-runs").text)
    assert auditor.post("/finance/payment-runs", data={"csrf_token": token}).status_code == 403
    supplier = client_for(fake, "supplier", orgnrs=("974760673",))
    assert supplier.get("/finance/cockpit").status_code == 403
    assert [method for _, method, _, _ in fake.calls if method != "GET"] == []


def test_a_propose_with_nothing_to_pay_says_so_and_lists_the_held(fake: FakePayment) -> None:
    fake.answers[("POST", "/payment-runs")] = Reply(
        422,
        {
            "detail": "nothing to pay: no payment may be made for what is due until 2026-12-01",
            "reason_nb": "Ingenting å betale: ingen betaling kan gjøres for det som forfaller "
            "til og med 01.12.2026.",
            "details": {"held": RUN_VIEW["held"]},
        },
        b"",
        None,
    )
    client = client_for(fake, "accountant")
    token = csrf(client.get("/finance/payment-runs").text)
    page = client.post(
        "/finance/payment-runs", data={"csrf_token": token, "horizon": "2026-12-01"}
    )
    assert page.status_code == 422
    assert "Ingenting å betale" in page.text and "feil KID" in page.text
    (posted,) = [body for _, method, _, body in fake.calls if method == "POST"]
    assert posted == {"horizon": "2026-12-01", "debtor_account": None}


def test_a_supplier_offers_early_payment_as_the_supplier_they_act_for(fake: FakePayment) -> None:
    fake.answers[("GET", f"/payment/items/{INVOICE}")] = ok(
        {"amount": "1250.00", "currency": "NOK", "due_date": "2026-12-04",
         "execution_date": "2026-12-04", "offer": None}
    )
    fake.answers[("POST", f"/invoices/{INVOICE}/early-payment")] = ok({})
    client = client_for(fake, "supplier", orgnrs=("974760673",))
    page = client.get(f"/supplier/invoices/{INVOICE}/payment")
    assert page.status_code == 200 and 'data-testid="planned">2026-12-04' in page.text
    done = client.post(
        f"/supplier/invoices/{INVOICE}/early-payment",
        data={"csrf_token": csrf(page.text), "percent": "1,5"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    who, _, _, body = fake.calls[-1]
    assert who.supplier_orgnr == "974760673" and body == {"percent_per_30_days": "1.5"}
    other = client_for(fake, "supplier", orgnrs=("923609016",))
    assert other.get(f"/supplier/invoices/{INVOICE}/payment").status_code == 404


def test_the_cockpit_of_a_new_tenant_says_there_is_nothing_yet(
    fake: FakePayment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No invoices yet: each chart says so (its macro needs the page's words)."""
    monkeypatch.setattr(finance, "list_statuses_since", lambda *a: [])
    page = client_for(fake, "finance-admin").get("/finance/cockpit?lang=en")
    assert page.status_code == 200, page.text
    assert "No data in the period." in page.text
