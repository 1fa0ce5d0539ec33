"""The AP desk, setup and audit trail pages without the system: the queues, the captured fields
with their certainty, the admin forms read into what the APIs take, and every page rendered
through the real routers against fake services, in both languages, with the roles enforced."""

from __future__ import annotations

import re
import time
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import Principal
from fakturaportal.settings import CommonSettings
from services.audit.projection import Page
from services.portal.config import PortalSettings
from services.portal.web import admin, audit_pages, desk
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install

INVOICE = str(uuid4())
CAPTURED = {
    "number": None,
    "issue_date": "2026-03-03",
    "currency": "NOK",
    "seller": {"name": "Særegen Leverandør AS", "legal_id": "974760673"},
    "buyer": {"name": "Kunde AS"},
    "totals": {"payable": "1000.00", "tax_exclusive": "800.00", "tax": "200.00"},
    "lines": [{"line_id": "1", "description": "Konsulent", "net_amount": "800.00"}],
    "provenance": {
        "BT-2": {"source": "pdf-text", "confidence": 0.92},
        "BT-5": {"source": "pdf-text", "confidence": 0.7},
        "BT-27": {"source": "pdf-text", "confidence": 0.87},
        "BT-30": {"source": "pdf-text", "confidence": 0.97},
        "BT-115": {"source": "pdf-text", "confidence": 0.87},
    },
}
ROW = {
    "invoice_id": INVOICE,
    "status": "flagged",
    "invoice_number": "BR-1",
    "supplier_name": "Særegen Leverandør AS",
    "amount_payable": "1000.00",
    "currency": "NOK",
    "findings": [
        {"rule_id": "FP-DUP-02", "flag": "warning", "message_nb": "dup", "message_en": "dup"}
    ],
    "flag_reason": "mulig duplikat",
    "capture_confidence": {k: v["confidence"] for k, v in CAPTURED["provenance"].items()},  # type: ignore[attr-defined]
    "updated_at": "2026-03-03T10:00:00+00:00",
}


def test_the_queues() -> None:
    coded = ROW | {
        "invoice_id": "b",
        "status": "awaiting-approval",
        "coding_touchless": False,
        "capture_confidence": {"BT-1": 1.0, "BT-2": 1.0, "BT-27": 1.0, "BT-115": 1.0},
    }
    paid = ROW | {"invoice_id": "c", "status": "paid"}
    recoded = coded | {"invoice_id": "d", "recoded_by": "anne"}
    found = desk.queues([ROW, coded, paid, recoded])
    assert [r["invoice_id"] for r in found["flagged"]] == [INVOICE]
    assert found["flagged"][0]["rules"] == ["FP-DUP-02"]
    # BT-5 is unsure and BT-1 (every invoice has a number) was not found at all.
    assert [(r["invoice_id"], r["uncertain"]) for r in found["captures"]] == [
        (INVOICE, ["BT-1", "BT-5"])
    ]
    assert [r["invoice_id"] for r in found["codings"]] == ["b"]


def test_a_structured_capture_is_never_uncertain() -> None:
    assert desk.uncertain_terms({"capture_confidence": None}) == []
    assert desk.uncertain_terms({"capture_confidence": {"BT-1": 1.0}}) == [
        "BT-2",
        "BT-27",
        "BT-115",
    ]


def test_captured_fields_with_certainty_and_corrections() -> None:
    fields = {f.term: f for f in desk.captured_fields(CAPTURED, {"BT-1": "BR-000451"})}
    assert (fields["BT-1"].value, fields["BT-1"].corrected, fields["BT-1"].uncertain) == (
        "BR-000451",
        True,
        False,
    )
    assert fields["BT-5"].uncertain and fields["BT-5"].percent == 70
    assert fields["BT-9"].uncertain and fields["BT-9"].confidence is None  # not found
    assert not fields["BT-30"].uncertain
    assert fields["BT-115"].value == "1000.00"


def test_the_users_form_becomes_the_users_section() -> None:
    form = {
        "rows": "3",
        "id_0": "kari",
        "name_0": "Kari",
        "email_0": "kari@x.example",
        "role_0_attestant": "1",
        "orgnrs_0": "",
        "id_1": "ola",
        "remove_1": "1",
        "id_2": " siri ",
        "role_2_supplier-contact": "1",
        "orgnrs_2": "974760673, 923609016",
    }
    assert admin.users_from(form) == [
        {
            "id": "kari",
            "name": "Kari",
            "email": "kari@x.example",
            "roles": ["attestant"],
            "supplier_orgnrs": [],
            "manager": None,
        },
        {
            "id": "siri",
            "name": None,
            "email": None,
            "roles": ["supplier-contact"],
            "supplier_orgnrs": ["974760673", "923609016"],
            "manager": None,
        },
    ]


def test_the_authority_form_reads_norwegian_amounts() -> None:
    form = {
        "rows": "3",
        "role_0": "budget-holder",
        "cost_centre_0": "",
        "max_amount_0": "150\u00a0000,50",
        "user_0": "ola",
        "role_1": "attestant",
        "max_amount_1": "5000",
        "remove_1": "1",
        "role_2": "attestant",
        "max_amount_2": "",
    }
    assert admin.authority_from(form) == [
        {"role": "budget-holder", "cost_centre": "*", "max_amount": "150000.50", "user": "ola"}
    ]


# -- the pages against fake services ----------------------------------------------------------


class FakeServices(Backend):
    """Answers as the services would, and remembers what was sent."""

    def __init__(self, common: CommonSettings) -> None:
        super().__init__(common)
        self.sent: list[tuple[str, str, Any]] = []
        self.refuse: Reply | None = None

    async def call(
        self, who: Principal, method: str, url: str, *, json: Any = None, files: Any = None
    ) -> Reply:
        if method != "GET":
            self.sent.append((method, url, json))
            return self.refuse or Reply(200, {}, b"", "application/json")
        path = url.split("/api/v1", 1)[1]
        answers: dict[str, Any] = {
            f"/invoices/{INVOICE}/original": {
                "invoice": CAPTURED,
                "document": {"media_type": "application/xml"},
                "corrections": {},
            },
            f"/invoices/{INVOICE}/coding": {
                "lines": [{"account": "6800", "vat_code": "1", "net_amount": "800.00"}],
                "confidence": 0.4,
                "touchless": False,
            },
            f"/invoices/{INVOICE}/approval": {
                "status": "open",
                "coding": [{"account": "6800", "vat_code": "1", "net_amount": "800.00"}],
            },
            f"/invoices/{INVOICE}/flag": {
                "flagged": True,
                "status": "flagged",
                "findings": [
                    {
                        "rule_id": "FP-DUP-01",
                        "flag": "warning",
                        "message_nb": "Samme nummer som faktura X",
                        "message_en": "The same number as invoice X",
                    }
                ],
                "decision": None,
            },
            f"/invoices/{INVOICE}/history": {
                "chain_valid": True,
                "chain_problems": [],
                "events": [
                    {
                        "seq": 1,
                        "topic": "invoice-received",
                        "source": "/services/intake",
                        "time": "2026-03-03T10:00:00+00:00",
                        "hash": "ab" * 32,
                        "payload": {"channel": "upload"},
                    },
                    {
                        "seq": 2,
                        "topic": "invoice-corrected",
                        "source": "/services/intake",
                        "time": "2026-03-03T10:05:00+00:00",
                        "hash": "cd" * 32,
                        "payload": {
                            "field": "BT-1",
                            "value": "BR-000451",
                            "previous": "BR-0451",
                            "corrected_by": "anne",
                        },
                    },
                ],
            },
            "/approval/organisation": {
                "users": [{"id": "kari", "roles": ["attestant"], "email": "k@x.example"}],
                "authority": [{"role": "budget-holder", "max_amount": "100000", "user": "ola"}],
                "routing": {"ap_inbox": "kari"},
            },
            "/approval/organisation/history": {
                "changes": [
                    {
                        "version": 2,
                        "changed_at": "2026-03-03T10:00:00+00:00",
                        "section": "authority",
                        "value": [{"role": "budget-holder", "max_amount": "100000"}],
                        "changed_by": "finn",
                    }
                ]
            },
            "/validation/policy": {"three_way": True},
            "/validation/policy/history": {"changes": []},
            "/coding/setup": {"rules": [], "chart": []},
            "/coding/setup/history": {"changes": []},
        }
        if path not in answers:
            return Reply(404, {"detail": "not found"}, b"", "application/json")
        return Reply(200, answers[path], b"", "application/json")


@pytest.fixture(name="pages")
def pages_fixture(monkeypatch: pytest.MonkeyPatch) -> tuple[FastAPI, Web, FakeServices]:
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    portal = PortalSettings()
    web = Web(WebSettings(), b"session-key" * 3)
    services = FakeServices(common)
    for module in (desk, audit_pages):
        monkeypatch.setattr(module, "read_status", lambda *a: ROW)
    for module in (desk, audit_pages):
        monkeypatch.setattr(module, "page_statuses", lambda *a: Page([ROW], None, 1))
    http = FastAPI()
    install(http, web)
    http.include_router(desk.build_router(web, services, common, portal))
    http.include_router(admin.build_router(web, services, portal))
    http.include_router(audit_pages.build_router(web, services, common, portal))
    return http, web, services


def as_(pages: tuple[FastAPI, Web, FakeServices], *roles: str) -> TestClient:
    http, web, _ = pages
    session = signed_in(
        tenant="demo",
        user="anne",
        name=None,
        roles=frozenset(roles),
        orgnrs=(),
        expires=int(time.time()) + 600,
    )
    client = TestClient(http, base_url="https://testserver")
    client.cookies.set("__Host-fp_session", web.codec.encode(session))
    return client


DESK = ["/desk", f"/desk/invoices/{INVOICE}"]
ADMIN = ["/admin", "/admin/users", "/admin/authority", "/admin/settings/routing"]
ADMIN += ["/admin/settings/policy", "/admin/settings/rules"]
AUDIT = ["/audit/invoices", f"/audit/invoices/{INVOICE}"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_page_renders_in_both_languages(pages, lang: str) -> None:  # type: ignore[no-untyped-def]
    client = as_(pages, "finance-admin", "accountant")
    for path in DESK + ADMIN + AUDIT:
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200, (path, page.text)
        assert f'<html lang="{lang}">' in page.text
        assert not re.search(r">\s*(desk|admin|audit)\.[a-z_.]+\s*<", page.text), path


def test_roles_decide_who_sees_what(pages) -> None:  # type: ignore[no-untyped-def]
    auditor = as_(pages, "auditor")
    for path in DESK + ADMIN:
        assert auditor.get(path).status_code == 403, path
    for path in AUDIT:
        page = auditor.get(path)
        assert page.status_code == 200
        assert "<form" not in page.text.split('<main id="main"')[1], "an auditor gets no forms"
    accountant = as_(pages, "accountant")
    assert all(accountant.get(path).status_code == 403 for path in ADMIN)
    assert all(accountant.get(path).status_code == 200 for path in DESK)


def test_the_desk_page_marks_uncertain_fields_and_corrects_one(pages) -> None:  # type: ignore[no-untyped-def]
    client = as_(pages, "accountant")
    page = client.get(f"/desk/invoices/{INVOICE}").text
    assert 'data-term="BT-5" class' not in page
    assert re.search(r'class="field uncertain" data-term="BT-5"', page)
    assert re.search(r'class="field" data-term="BT-30"', page)
    assert 'data-testid="rendered"' in page  # an EHF is rendered as a readable invoice
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    done = client.post(
        f"/desk/invoices/{INVOICE}/correct",
        data={"csrf_token": token.group(1), "field": "BT-1", "value": " BR-000451 "},
        follow_redirects=False,
    )
    assert done.status_code == 303
    _, _, services = pages
    assert services.sent[-1][1].endswith(f"/invoices/{INVOICE}/corrections")
    assert services.sent[-1][2] == {"field": "BT-1", "value": "BR-000451"}
    services.refuse = Reply(422, {"detail": "the supplier is unknown"}, b"", "application/json")
    refused = client.post(
        f"/desk/invoices/{INVOICE}/correct?lang=en",
        data={"csrf_token": token.group(1), "field": "BT-1", "value": "x"},
    )
    assert refused.status_code == 422 and "Not done: the supplier is unknown" in refused.text


def test_the_desk_releases_or_rejects_a_flag_and_shows_a_refusal_in_the_readers_language(
    pages,  # type: ignore[no-untyped-def]
) -> None:
    client = as_(pages, "accountant")
    page = client.get(f"/desk/invoices/{INVOICE}?lang=en").text
    assert 'data-testid="flag"' in page and 'value="release">Release<' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    csrf = token.group(1)
    done = client.post(
        f"/desk/invoices/{INVOICE}/flag",
        data={"csrf_token": csrf, "decision": "release", "note": " a new delivery "},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "done=released" in done.headers["location"]
    _, _, services = pages
    assert services.sent[-1][1].endswith(f"/invoices/{INVOICE}/flag/release")
    assert services.sent[-1][2] == {"note": "a new delivery"}
    client.post(
        f"/desk/invoices/{INVOICE}/flag",
        data={"csrf_token": csrf, "decision": "reject", "note": "sent twice"},
        follow_redirects=False,
    )
    assert services.sent[-1][1:] == (
        f"{PortalSettings().service_url_validation}/api/v1/invoices/{INVOICE}/flag/reject",
        {"reason": "sent twice"},
    )
    services.refuse = Reply(
        403,
        {"detail": "segregation of duties: no", "reason_nb": "arbeidsdeling: nei"},
        b"",
        "application/json",
    )
    refused = client.post(
        f"/desk/invoices/{INVOICE}/flag?lang=nb",
        data={"csrf_token": csrf, "decision": "release", "note": "ok"},
    )
    assert refused.status_code == 403 and "arbeidsdeling: nei" in refused.text
    unknown = client.post(
        f"/desk/invoices/{INVOICE}/flag", data={"csrf_token": csrf, "decision": "approve"}
    )
    assert unknown.status_code == 404


def test_a_bad_json_setting_is_named_and_nothing_is_sent(pages) -> None:  # type: ignore[no-untyped-def]
    client = as_(pages, "finance-admin")
    page = client.get("/admin/settings/routing").text
    assert "ap_inbox" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    bad = client.post(
        "/admin/settings/routing", data={"csrf_token": token.group(1), "value": "{oops"}
    )
    assert bad.status_code == 422 and "Ikke gyldig JSON" in bad.text and "{oops" in bad.text
    _, _, services = pages
    assert services.sent == []
    seen = re.search(
        r'name="fingerprint" value="([0-9a-f]{64})"', client.get("/admin/authority").text
    )
    assert seen
    saved = client.post(
        "/admin/authority",
        data={
            "csrf_token": token.group(1),
            "fingerprint": seen.group(1),
            "rows": "1",
            "role_0": "budget-holder",
            "max_amount_0": "150000",
            "user_0": "ola",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=setup_saved")
    assert services.sent == [
        (
            "PUT",
            "http://127.0.0.1:8003/api/v1/approval/organisation/authority",
            [{"role": "budget-holder", "cost_centre": "*", "max_amount": "150000", "user": "ola"}],
        )
    ]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("nb", "BT-1 rettet fra BR-0451 til BR-000451 av anne"),
        ("en", "BT-1 corrected from BR-0451 to BR-000451 by anne"),
    ],
)
def test_the_trail_says_what_a_correction_changed(pages, lang: str, line: str) -> None:  # type: ignore[no-untyped-def]
    page = as_(pages, "auditor").get(f"/audit/invoices/{INVOICE}?lang={lang}").text
    (said,) = re.findall(r'<p data-testid="correction">(.*?)</p>', page, re.S)
    assert said.startswith(line)
    assert ("Fakturanummer" if lang == "nb" else "Invoice number") in said


def test_the_desk_says_when_a_correction_no_longer_changes_the_invoice(  # type: ignore[no-untyped-def]
    pages, monkeypatch
) -> None:
    client = as_(pages, "accountant")
    page = client.get(f"/desk/invoices/{INVOICE}").text
    assert 'data-testid="passed-on"' not in page  # flagged: a correction re-checks it
    monkeypatch.setattr(desk, "read_status", lambda *a: ROW | {"status": "awaiting-approval"})
    page = client.get(f"/desk/invoices/{INVOICE}?lang=en").text
    assert 'data-testid="passed-on"' in page and "does not change the invoice" in page
