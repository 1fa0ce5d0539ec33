"""Keyset paging over the status projection on a real PostgreSQL: the cursor, the desk's queues
as SQL (held to their Python twin), the pages the portal shows, and the API's `next`.

The rows are written into `invoice_status` as the projector would (it is a read model); each
module gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb
from pydantic import SecretStr

from fakturaportal.auth import issue_dev_token
from fakturaportal.db import connect
from fakturaportal.settings import CommonSettings, common_settings
from services.audit.projection import (
    BadCursor,
    Page,
    ensure_tables,
    every_row,
    page_statuses,
    supplier_filter,
)
from services.portal.api import build_router as build_api
from services.portal.config import PortalSettings
from services.portal.web import desk, supplier
from services.portal.web.backend import Backend
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install
from tests.infra import throwaway_database

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "paging-test-secret-" + "x" * 32
SURE_ALL = {"BT-1": 0.99, "BT-2": 0.99, "BT-27": 0.99, "BT-115": 0.99}
ORGNR = "923456783"


@pytest.fixture(scope="module", name="settings")
def settings_fixture() -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_paging_test") as db:
        settings = base.model_copy(
            update={"pg_db": db, "jwt_secret": SecretStr(SECRET), "jwt_jwks_url": None}
        )
        ensure_tables(settings)
        yield settings


def put(settings: CommonSettings, tenant: str, rows: list[dict[str, Any]]) -> None:
    with connect(settings) as conn:
        for position, row in enumerate(rows):
            conn.execute(
                "INSERT INTO invoice_status VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    tenant,
                    uuid.UUID(row["invoice_id"]),
                    row["status"],
                    Jsonb(row),
                    row["updated_at"],
                    position,
                ),
            )


def row(status: str, minutes: int, **data: Any) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minutes)
    return {
        "invoice_id": str(uuid.uuid4()),
        "status": status,
        "invoice_number": f"N-{minutes}",
        "capture_confidence": SURE_ALL,
        "updated_at": at.isoformat(),
    } | data


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["invoice_id"] for r in rows]


def walk(settings: CommonSettings, tenant: str, size: int, **kw: Any) -> list[Page]:
    pages, after = [], None
    while True:
        page = page_statuses(settings, tenant, size, after, **kw)
        pages.append(page)
        if page.next is None:
            return pages
        after = page.next


def test_pages_cover_every_row_once_in_order_and_stay_in_their_tenant(settings):
    # Ties on updated_at (three rows a minute) must be broken by the invoice id.
    rows = [row("coded", minute) for minute in range(12) for _ in range(3)]
    put(settings, "paging-a", rows)
    put(settings, "paging-b", [row("coded", 5) for _ in range(4)])

    pages = walk(settings, "paging-a", 5, count=True)
    seen = [i for page in pages for i in ids(page.rows)]
    assert len(seen) == len(set(seen)) == 36  # none twice, none missing
    expected = sorted(rows, key=lambda r: r["invoice_id"])
    expected.sort(key=lambda r: r["updated_at"], reverse=True)
    assert seen == ids(expected)
    assert [len(p.rows) for p in pages] == [5] * 7 + [1]
    assert {p.total for p in pages} == {36}
    assert page_statuses(settings, "paging-b", 10).rows[0]["invoice_id"] not in seen
    assert list(every_row(settings, "paging-a", batch=7)) == [r for p in pages for r in p.rows]

    # A cursor from one tenant reads nothing of another: the tenant is in every query.
    cursor = pages[0].next
    assert all(
        r["invoice_id"] not in seen for r in page_statuses(settings, "paging-b", 10, cursor).rows
    )
    with pytest.raises(BadCursor):
        page_statuses(settings, "paging-a", 5, "not-a-cursor")


def test_a_supplier_pages_through_their_own_invoices_only(settings):
    mine = [row("validated", m, supplier_orgnr=ORGNR) for m in range(7)]
    others = [row("validated", m, supplier_orgnr="974760673") for m in range(3)]
    put(settings, "paging-s", mine + others)
    pages = walk(settings, "paging-s", 3, where=supplier_filter([ORGNR]), count=True)
    assert sorted(i for p in pages for i in ids(p.rows)) == sorted(ids(mine))
    assert pages[0].total == 7


def test_the_desks_queues_in_sql_choose_what_queues_in_python_choose(settings):
    rows = [
        row("flagged", 1),
        row("coded", 2, capture_confidence={**SURE_ALL, "BT-5": 0.4}),  # unsure currency
        row("coded", 3, capture_confidence={"BT-1": 0.99}),  # missed date, seller, amount
        row("paid", 4, capture_confidence={**SURE_ALL, "BT-5": 0.4}),  # settled: not queued
        row("coded", 5, capture_confidence={**SURE_ALL, "BT-9": "x"}),  # no number: unsure
        row("coded", 6, capture_confidence={**SURE_ALL, "XX-1": 0.1}),  # not a field we show
        row("coded", 7, capture_confidence={}),  # nothing captured yet
        row("awaiting-approval", 8, coding_touchless=False),
        row("awaiting-approval", 9, coding_touchless=False, recoded_by="anne"),
        row("coded", 10, coding_touchless=True),
        row("posted", 11, coding_touchless=False),
        row("awaiting-approval", 12, coding_touchless=False, recoded_by=""),
    ]
    put(settings, "paging-q", rows)
    everything = page_statuses(settings, "paging-q", 100).rows
    in_python = desk.queues(everything)
    for name, where in desk.QUEUES.items():
        in_sql = page_statuses(settings, "paging-q", 100, where=where).rows
        assert ids(in_sql) == ids(in_python[name]), name
    assert [len(in_python[n]) for n in desk.QUEUES] == [1, 3, 2]


def web_client(settings: CommonSettings, router: Any, *roles: str, **who: Any) -> TestClient:
    web = Web(WebSettings(page_size=2), b"session-key" * 3)
    http = FastAPI()
    install(http, web)
    http.include_router(router(web, Backend(settings), settings, PortalSettings()))
    session = signed_in(
        tenant=who.get("tenant", "paging-w"),
        user=who.get("user", "anne"),
        name=None,
        roles=frozenset(roles),
        orgnrs=who.get("orgnrs", ()),
        expires=int(time.time()) + 600,
    )
    client = TestClient(http, base_url="https://testserver")
    client.cookies.set("__Host-fp_session", web.codec.encode(session))
    return client


def next_link(page: str, testid: str) -> str | None:
    nav = re.search(rf'data-testid="{testid}".*?</nav>', page, re.S)
    found = re.search(r'href="([^"]+)" rel="next"', nav.group(0)) if nav else None
    return found.group(1).replace("&amp;", "&") if found else None


def cards(page: str, testid: str) -> list[str]:
    queue = re.search(rf'data-testid="{testid}"(.*?)</ul>', page, re.S)
    return re.findall(r'data-invoice="([^"]+)"', queue.group(1)) if queue else []


def test_a_desk_queue_longer_than_a_page_shows_the_next_page(settings):
    flagged = [row("flagged", m) for m in range(5)]
    put(settings, "paging-w", [*flagged, row("awaiting-approval", 9, coding_touchless=False)])
    client = web_client(settings, desk.build_router, "accountant")

    first = client.get("/desk")
    assert first.status_code == 200
    assert "Viser 1–2 av 5" in first.text and "Neste side" in first.text
    seen = cards(first.text, "queue-flagged")
    url = next_link(first.text, "pager-flagged")
    while url:
        page = client.get(url)
        assert page.status_code == 200 and "Til første side" in page.text
        assert cards(page.text, "queue-codings")  # the other queue stays on its first page
        seen += cards(page.text, "queue-flagged")
        url = next_link(page.text, "pager-flagged")
    assert seen == ids(sorted(flagged, key=lambda r: r["updated_at"], reverse=True))
    assert "Viser 5–5 av 5" in page.text and next_link(page.text, "pager-flagged") is None
    english = client.get("/desk?lang=en")
    assert "Showing 1–2 of 5" in english.text and "Next page" in english.text
    assert client.get("/desk?flagged_after=nonsense").status_code == 400


def test_a_suppliers_invoice_list_pages(settings):
    theirs = [row("validated", m, supplier_orgnr=ORGNR) for m in range(3)]
    put(settings, "paging-v", theirs)
    client = web_client(
        settings, supplier.build_router, "supplier", tenant="paging-v", orgnrs=(ORGNR,)
    )
    first = client.get("/supplier/invoices")
    assert "Viser 1–2 av 3" in first.text
    second = client.get(next_link(first.text, "pager"))
    assert "Viser 3–3 av 3" in second.text
    assert cards(first.text, "invoices") + cards(second.text, "invoices") == ids(theirs[::-1])


def test_the_invoice_api_pages_with_limit_after_and_next(settings, monkeypatch):
    monkeypatch.setenv("FP_JWT_SECRET", SECRET)
    monkeypatch.delenv("FP_JWT_JWKS_URL", raising=False)
    common_settings.cache_clear()
    put(settings, "paging-api", [row("coded", m) for m in range(5)])
    http = FastAPI()
    http.include_router(build_api(settings, PortalSettings()))
    client = TestClient(http)
    token = issue_dev_token(settings, tenant="paging-api", user="anne", roles=["accountant"])
    headers = {"Authorization": f"Bearer {token}"}
    seen, after = [], ""
    while True:
        body = client.get(f"/api/v1/invoices?limit=2&after={after}", headers=headers).json()
        seen += ids(body["invoices"])
        if body["next"] is None:
            break
        after = body["next"]
    assert len(seen) == len(set(seen)) == 5
    refused = client.get("/api/v1/invoices?after=zzz", headers=headers)
    assert refused.status_code == 422 and refused.json()["reason_nb"]
    common_settings.cache_clear()


def test_a_supplier_reads_only_their_own_invoices_and_only_their_part(settings, monkeypatch):
    """Through the API as through the pages: another supplier's invoice does not exist for
    them, and of their own they see where it is, never flags, coding or approvers."""
    monkeypatch.setenv("FP_JWT_SECRET", SECRET)
    monkeypatch.delenv("FP_JWT_JWKS_URL", raising=False)
    common_settings.cache_clear()
    flag = {"rule_id": "FP-FRAUD-01", "flag": "warning", "message_en": "new account"}
    fatal = {"rule_id": "BR-02", "flag": "fatal", "message_en": "no invoice number"}
    mine = row("flagged", 1, supplier_orgnr="974760673", findings=[flag], approvals=["kari"])
    rejected = row("rejected", 2, supplier_orgnr="974760673", findings=[fatal, flag])
    sent = row("received", 3, registered_by="siri")
    other = row("coded", 4, supplier_orgnr="923609016", coding_confidence=0.9)
    put(settings, "visibility", [mine, rejected, sent, other])
    http = FastAPI()
    http.include_router(build_api(settings, PortalSettings()))
    client = TestClient(http)

    def as_(user: str, *roles: str, orgnr: str | None = None) -> dict[str, str]:
        token = issue_dev_token(
            settings, tenant="visibility", user=user, roles=list(roles), supplier_orgnr=orgnr
        )
        return {"Authorization": f"Bearer {token}"}

    siri = as_("siri", "supplier", orgnr="974760673")
    listed = client.get("/api/v1/invoices", headers=siri).json()["invoices"]
    assert sorted(ids(listed)) == sorted(ids([mine, rejected, sent]))
    shown = {r["invoice_id"]: r for r in listed}
    assert "findings" not in shown[mine["invoice_id"]]
    assert "approvals" not in shown[mine["invoice_id"]]
    assert shown[rejected["invoice_id"]]["findings"] == [fatal]
    assert client.get(f"/api/v1/invoices/{other['invoice_id']}", headers=siri).status_code == 404
    one = client.get(f"/api/v1/invoices/{mine['invoice_id']}", headers=siri)
    assert one.status_code == 200 and one.json()["status"] == "flagged"
    assert "findings" not in one.json()
    anne = as_("anne", "accountant")
    whole = client.get(f"/api/v1/invoices/{other['invoice_id']}", headers=anne).json()
    assert whole["coding_confidence"] == 0.9
    assert len(client.get("/api/v1/invoices", headers=anne).json()["invoices"]) == 4
    gateway = client.get("/api/v1/invoices", headers=as_("ap", "access-point"))
    assert gateway.status_code == 403 and gateway.json()["reason_nb"]
    common_settings.cache_clear()
