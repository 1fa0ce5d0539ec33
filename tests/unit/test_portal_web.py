"""The web UI's pieces without the system: languages, signed sessions, CSRF, login links, the
supplier's stages, and the login flow through the real routers with a fake organisation."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.mailer import Replier
from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.web import csrf, i18n, login, supplier
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.directory import Directory, Person
from services.portal.web.links import LinkRefused, LinkSigner, MemoryUsedLinks
from services.portal.web.session import SessionCodec, anonymous, signed_in
from services.portal.web.stages import rejection_reasons, timeline
from services.portal.web.ui import Web, install, local_time, money

NOW = 1_900_000_000


# -- languages --------------------------------------------------------------------------------


def test_every_word_exists_in_both_languages():
    assert set(i18n.CATALOGUE["nb"]) == set(i18n.CATALOGUE["en"])
    placeholders = re.compile(r"\{(\w+)\}")
    for key, text in i18n.CATALOGUE["nb"].items():
        assert set(placeholders.findall(text)) == set(
            placeholders.findall(i18n.CATALOGUE["en"][key])
        ), key


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("en", "nb", "nb", "en"),
        (None, "en", "nb-NO", "en"),
        ("xx", None, "en-US,en;q=0.9", "en"),
        (None, None, "en-GB;q=0.5, nn;q=0.8", "nb"),
        (None, None, "de-DE, no;q=0.3, en;q=0.2", "nb"),
        (None, None, "de-DE", "nb"),
        (None, None, None, "nb"),
        (None, None, "en;q=0, nb;q=0", "nb"),
    ],
)
def test_language_from_query_cookie_then_browser(query, cookie, header, expected):
    assert i18n.negotiate(query, cookie, header) == expected


def test_translator_fills_in_values():
    assert i18n.translator("en")("inbox.count", count=3) == "3 waiting"
    assert i18n.translator("xx")("logout") == "Logg ut"


def test_times_are_oslo_time():
    assert local_time("2026-11-28T13:05:00+00:00") == "2026-11-28 14:05"
    assert local_time("2026-07-01T10:00:00") == "2026-07-01 12:00"
    assert local_time("later") == "later"


def test_money_is_norwegian_and_exact():
    assert money("12345.5", "NOK") == "12\u00a0345,50\u00a0NOK"
    assert money(None) == "–"
    assert money("0.1") == "0,10"


# -- sessions and CSRF ------------------------------------------------------------------------


def session_of(**kw: Any):
    values = {
        "tenant": "demo",
        "user": "kari",
        "name": "Kari",
        "roles": frozenset({"attestant"}),
        "orgnrs": (),
        "expires": NOW + 60,
    } | kw
    return signed_in(**values)


def test_a_session_survives_the_cookie():
    codec = SessionCodec(b"k" * 32)
    session = session_of(orgnrs=("974760673",))
    back = codec.decode(codec.encode(session), NOW)
    assert back == session
    assert back is not None and back.principal().roles == {"attestant"}


def test_a_tampered_expired_or_foreign_cookie_is_no_session():
    codec = SessionCodec(b"k" * 32)
    cookie = codec.encode(session_of())
    payload, signature = cookie.split(".")
    forged = codec.encode(session_of(roles=frozenset({"finance-admin"}))).split(".")[0]
    assert codec.decode(f"{forged}.{signature}", NOW) is None
    assert codec.decode(cookie, NOW + 61) is None
    assert SessionCodec(b"other" * 8).decode(cookie, NOW) is None
    for junk in (None, "", "abc", "a.b.c", f"{payload}."):
        assert codec.decode(junk, NOW) is None


def test_login_gives_a_new_csrf_token():
    before = anonymous(NOW + 60)
    after = session_of()
    assert before.csrf != after.csrf and len(after.csrf) >= 32
    assert not before.signed_in and after.signed_in


def test_csrf_token_must_match():
    csrf.check("token-1", "token-1")
    for sent in (None, "", "token-2", 42):
        with pytest.raises(csrf.CsrfRefused):
            csrf.check("token-1", sent)


# -- login links ------------------------------------------------------------------------------


def test_a_link_works_once():
    links = LinkSigner(b"s" * 32, 15, MemoryUsedLinks())
    token = links.issue(tenant="demo", user="kari", email="kari@x.example", now=NOW)
    claim = links.redeem(token, now=NOW + 10)
    assert (claim.tenant, claim.user, claim.email) == ("demo", "kari", "kari@x.example")
    with pytest.raises(LinkRefused, match="used"):
        links.redeem(token, now=NOW + 11)


def test_a_link_expires_after_its_minutes():
    links = LinkSigner(b"s" * 32, 15, MemoryUsedLinks())
    token = links.issue(tenant="demo", user="kari", email="k@x.example", now=NOW)
    links.read(token, now=NOW + 15 * 60 - 1)
    with pytest.raises(LinkRefused, match="expired"):
        links.redeem(token, now=NOW + 15 * 60)


def test_a_tampered_or_foreign_link_is_refused():
    links = LinkSigner(b"s" * 32, 15, MemoryUsedLinks())
    token = links.issue(tenant="demo", user="kari", email="k@x.example", now=NOW)
    header, _body, signature = token.split(".")
    other = links.issue(tenant="demo", user="finn", email="k@x.example", now=NOW).split(".")[1]
    with pytest.raises(LinkRefused):
        links.read(f"{header}.{other}.{signature}", now=NOW)
    with pytest.raises(LinkRefused):
        LinkSigner(b"t" * 32, 15, MemoryUsedLinks()).read(token, now=NOW)
    with pytest.raises(LinkRefused):
        links.read("not-a-token", now=NOW)


def test_an_api_token_is_no_login_link():
    from fakturaportal.auth import issue_dev_token

    settings = CommonSettings(jwt_secret=SecretStr("s" * 32))
    api_token = issue_dev_token(settings, tenant="demo", user="kari", roles=["attestant"])
    with pytest.raises(LinkRefused):
        LinkSigner(b"s" * 32, 15, MemoryUsedLinks()).read(api_token)


def test_session_and_link_keys_differ_per_purpose():
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    web = WebSettings()
    assert web.secret(common, "session") != web.secret(common, "login-link")
    own = WebSettings(session_secret=SecretStr("p" * 32))
    assert own.secret(common, "session") != web.secret(common, "session")


def test_only_local_paths_after_login():
    assert login.local_path("/approver/inbox") == "/approver/inbox"
    for bad in ("//evil.example", "https://evil.example", "javascript:alert(1)", "/\\evil", None):
        assert login.local_path(bad) == "/"


# -- the supplier's view ----------------------------------------------------------------------


def test_stages_in_the_suppliers_words():
    row = {"status": "payment-sent", "execution_date": "2026-12-01"}
    steps = timeline(row)
    assert [(s.stage, s.state) for s in steps] == [
        ("received", "done"),
        ("checking", "done"),
        ("approval", "done"),
        ("approved", "done"),
        ("scheduled", "current"),
        ("paid", "todo"),
    ]
    assert steps[4].date == "2026-12-01"
    flagged = timeline({"status": "flagged"})
    assert [s.state for s in flagged][:2] == ["done", "current"], "a flag is 'being checked'"
    rejected = timeline({"status": "rejected"})
    assert [(s.stage, s.state) for s in rejected] == [("received", "done"), ("rejected", "current")]


def test_rejection_reasons_are_the_fatal_findings_in_the_readers_language():
    row = {
        "status": "rejected",
        "findings": [
            {
                "rule_id": "BR-02",
                "flag": "fatal",
                "message_nb": "Mangler nr.",
                "message_en": "No nr.",
            },
            {"rule_id": "NO-R-002", "flag": "warning", "message_nb": "x", "message_en": "x"},
        ],
    }
    assert rejection_reasons(row, "nb") == [{"rule": "BR-02", "text": "Mangler nr."}]
    assert rejection_reasons(row, "en") == [{"rule": "BR-02", "text": "No nr."}]
    assert rejection_reasons({"status": "flagged", "findings": row["findings"]}, "nb") == []


def test_a_person_who_rejected_a_flagged_invoice_is_heard_in_their_own_words():
    row = {
        "status": "rejected",
        "rejected_by": "ola",
        "rejection_reason": "Faktura sendt to ganger.",
        "findings": [{"rule_id": "FP-DUP-01", "flag": "warning", "message_nb": "x"}],
    }
    assert rejection_reasons(row, "en") == [{"rule": "", "text": "Faktura sendt to ganger."}]


def test_a_supplier_sees_their_own_invoices_only():
    siri = session_of(user="siri", roles=frozenset({"supplier"}), orgnrs=("974760673",))
    assert supplier.theirs({"supplier_orgnr": "974760673", "registered_by": "anne"}, siri)
    assert not supplier.theirs({"supplier_orgnr": "923609016", "registered_by": "siri"}, siri)
    assert supplier.theirs({"supplier_orgnr": None, "registered_by": "siri"}, siri)
    assert not supplier.theirs({"supplier_orgnr": None, "registered_by": "anne"}, siri)
    assert not supplier.theirs(None, siri)


# -- the login flow through the routers -------------------------------------------------------


class Outbox(Replier):
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class People(Directory):
    """The organisation as the fake approval service would give it."""

    def __init__(self, people: list[Person]) -> None:
        self.known = people

    async def people(self, tenant: str) -> list[Person]:
        return [p for p in self.known if p.tenant == tenant]


KARI = Person("demo", "kari", "Kari", "kari@x.example", frozenset({"attestant"}), ())


@pytest.fixture(name="portal")
def portal_fixture() -> tuple[TestClient, Outbox]:
    settings = WebSettings()
    web = Web(settings, b"session-key" * 3)
    outbox = Outbox()
    links = LinkSigner(b"link-key" * 4, 15, MemoryUsedLinks())
    http = FastAPI()
    install(http, web)
    http.include_router(login.build_router(web, People([KARI]), links, outbox, "https://p"))
    common = CommonSettings(jwt_secret=SecretStr("j" * 32))
    http.include_router(supplier.build_router(web, Backend(common), common, PortalSettings()))
    return TestClient(http, base_url="https://testserver"), outbox


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_the_same_answer_for_known_and_unknown_addresses(portal):
    client, outbox = portal
    token = csrf_of(client, "/login")
    answers = [
        client.post("/login", data={"email": e, "tenant": "demo", "csrf_token": token})
        for e in ("kari@x.example", "nobody@x.example")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text.replace("kari@x.example", "@") == answers[1].text.replace(
        "nobody@x.example", "@"
    )
    assert [m["To"] for m in outbox.sent] == ["kari@x.example"]


def test_login_by_link_then_the_link_is_spent(portal):
    client, outbox = portal
    token = csrf_of(client, "/login")
    client.post("/login", data={"email": "KARI@x.example", "tenant": "demo", "csrf_token": token})
    link = re.search(r"https://p(/login/link\?\S+)", outbox.sent[0].get_content())
    assert link
    confirm = client.get(link.group(1))
    assert confirm.status_code == 200 and "kari@x.example" in confirm.text
    assert confirm.headers["referrer-policy"] == "no-referrer"
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.text))
    done = client.post("/login/link", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/approver/inbox"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("__Host-fp_session=")
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    again = client.post("/login/link", data=form | {"csrf_token": csrf_of(client, "/login")})
    assert again.status_code == 400 and 'data-testid="bad-link"' in again.text


def test_a_post_without_the_csrf_token_is_refused(portal):
    client, outbox = portal
    csrf_of(client, "/login")  # has a session, but does not send its token
    refused = client.post("/login", data={"email": "kari@x.example", "tenant": "demo"})
    assert refused.status_code == 403
    assert "sikkerhetsnøkkelen" in refused.text
    wrong = client.post(
        "/login", data={"email": "kari@x.example", "tenant": "demo", "csrf_token": "x"}
    )
    assert wrong.status_code == 403
    assert outbox.sent == []


def test_pages_need_a_login_and_the_right_role(portal):
    client, outbox = portal
    first = client.get("/supplier/invoices", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fsupplier%2Finvoices"
    token = csrf_of(client, "/login")
    client.post("/login", data={"email": "kari@x.example", "tenant": "demo", "csrf_token": token})
    link = re.search(r"https://p(/login/link\?\S+)", outbox.sent[0].get_content())
    assert link
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', client.get(link.group(1)).text))
    client.post("/login/link", data=form)
    refused = client.get("/supplier/invoices?lang=en")
    assert refused.status_code == 403 and "This page is not for you." in refused.text
    assert '<html lang="en">' in refused.text


def test_an_api_refusal_speaks_the_readers_language():
    reply = Reply(403, {"detail": "kari registered it", "reason_nb": "kari registrerte"}, b"", None)
    assert reply.reason("nb") == "kari registrerte"
    assert reply.reason("en") == "kari registered it"
    invalid = Reply(422, {"detail": [{"msg": "field required"}]}, b"", None)
    assert invalid.reason("nb") == "field required"
    assert Reply(502, None, b"", None).reason("en") == "HTTP 502"


def test_the_keys_need_a_secret():
    with pytest.raises(RuntimeError):
        WebSettings().secret(CommonSettings(jwt_secret=None), "session")
