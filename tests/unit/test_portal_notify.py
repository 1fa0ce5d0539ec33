"""The portal's e-mails to people: what each carries in both languages, who gets it, and that the
notifier records each notice once and mails it once (in memory: the real broker and database are
the e2e test's)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import Principal
from fakturaportal.mailer import Replier
from fakturaportal.messaging import InboundMessage, event_id
from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.notify.app import NotifierApp
from services.portal.notify.mailing import NoticeMailer
from services.portal.notify.messages import Notice, compose, invitation
from services.portal.notify.notices import InvoiceNotices
from services.portal.notify.people import Recipient, assignees, supplier_contacts
from services.portal.web import onboarding
from services.portal.web.backend import Backend, Reply
from services.portal.web.config import WebSettings
from services.portal.web.session import signed_in
from services.portal.web.ui import Web, install
from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import (
    DocumentRef,
    EventPayload,
    Finding,
    InvoiceApprovalRequested,
    InvoiceCaptured,
    InvoiceReceived,
    InvoiceRejected,
    PaymentSettled,
    Severity,
)
from shared.schemas.invoice import CanonicalInvoice, DocumentKind, Party, Totals
from shared.schemas.topics import Topic

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ORGNR = "923609016"
SENDER = "varsel@fakturaportal.localhost"
PORTAL = "https://portal.example"
SUMMARY = {
    "number": "F-1001",
    "kind": "invoice",
    "due_date": "2026-12-01",
    "currency": "NOK",
    "payable_amount": "12500.00",
    "seller_name": "Kontorrekvisita <Nord> AS",
    "seller_orgnr": ORGNR,
    "seller_email": "faktura@leverandor.example",
}
DETAILS: dict[str, dict[str, Any]] = {
    "received": {},
    "rejected": {
        "reasons": [
            {"rule": "BR-CO-15", "nb": "Totalbeløpet stemmer ikke.", "en": "Totals differ."}
        ]
    },
    "paid": {"booking_date": "2026-12-03", "amount": "12500.00"},
    "task": {"step": "budget:D100", "assignee": "ola", "due_at": "2026-11-04T09:00:00+00:00"},
}
CARRIES: dict[str, dict[str, list[str]]] = {
    "received": {
        "nb": ["Mottatt: Faktura F-1001 til acme", "Vi har mottatt faktura F-1001", "godkjenning"],
        "en": ["Received: Invoice F-1001 to acme", "We have received invoice F-1001", "approval"],
    },
    "rejected": {
        "nb": ["Avvist: Faktura F-1001", "Totalbeløpet stemmer ikke.", "BR-CO-15", "Rett feilene"],
        "en": ["Rejected: Invoice F-1001", "Totals differ.", "BR-CO-15", "Correct the errors"],
    },
    "paid": {
        "nb": ["Betalt: Faktura F-1001", "bokført i banken 2026-12-03", "12\u00a0500,00\u00a0NOK"],
        "en": ["Paid: Invoice F-1001", "booked the payment on 2026-12-03", "12\u00a0500,00"],
    },
    "task": {
        "nb": ["Venter på deg: faktura F-1001", "budsjettgodkjenning", "2026-12-01", "10:00"],
        "en": ["Waiting for you: invoice F-1001", "budget approval", "2026-12-01", "10:00"],
    },
}


def notice(kind: str, summary: dict[str, Any] | None = None) -> Notice:
    return Notice(kind, "0e6c", "acme", 4, T0, summary or SUMMARY, DETAILS[kind])


def texts(message: Any) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("kind", ["received", "rejected", "paid", "task"])
def test_each_mail_carries_what_it_must_in_both_languages(kind: str, lang: str):
    to = Recipient("siri", "Siri Dahl", "siri@lev.example", lang)
    message = compose(notice(kind), to, sender=SENDER, portal_url=PORTAL)
    plain, html = texts(message)
    everything = f"{message['Subject']}\n{plain}\n{html}"
    for expected in CARRIES[kind][lang]:
        assert expected in everything, (kind, lang, expected)
    assert str(message["To"]) == "Siri Dahl <siri@lev.example>"
    assert message["Content-Language"] == lang and message["Auto-Submitted"] == "auto-generated"
    assert f"{PORTAL}/invoices/0e6c" in plain and f'href="{PORTAL}/invoices/0e6c"' in html
    assert ("Hei Siri Dahl," if lang == "nb" else "Hello Siri Dahl,") in plain
    assert f'<html lang="{lang}">' in html
    # What suppliers write is text, never markup, in the HTML part.
    assert "Kontorrekvisita &lt;Nord&gt; AS" in html and "<Nord>" not in html


def test_the_message_id_is_the_same_for_the_same_notice_and_person():
    to = Recipient("siri", None, "siri@lev.example", "nb")
    first = compose(notice("received"), to, sender=SENDER, portal_url=PORTAL)
    again = compose(notice("received"), to, sender=SENDER, portal_url=PORTAL)
    other = compose(
        notice("received"), Recipient("x", None, "x@lev.example", "nb"), sender=SENDER,
        portal_url=PORTAL,
    )  # fmt: skip
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert str(first["Message-ID"]).endswith("@fakturaportal.localhost>")


def test_a_credit_note_without_a_number_is_called_what_it_is():
    summary = SUMMARY | {"kind": "credit-note", "number": None}
    to = Recipient("siri", None, "siri@lev.example", "nb")
    message = compose(notice("received", summary), to, sender=SENDER, portal_url=PORTAL)
    assert message["Subject"] == "Mottatt: Kreditnota (uten nummer) til acme"
    assert "Hei," in texts(message)[0]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_invitation_carries_the_link_and_the_guide(lang: str):
    to = Recipient("siri", None, "siri@lev.example", lang)
    message = invitation(
        to=to,
        tenant="acme",
        inviter="Anne Berg",
        login_url=f"{PORTAL}/login/link?token=abc&next=%2Fsupplier%2Fguide",
        portal_url=PORTAL,
        invoice_address="acme@faktura.example",
        days=7,
        sender="innlogging@fakturaportal.localhost",
        at=T0,
    )
    plain, html = texts(message)
    assert f"{PORTAL}/login/link?token=abc&next=%2Fsupplier%2Fguide" in plain
    assert "login/link?token=abc&amp;next" in html
    for expected in ("Anne Berg", "acme@faktura.example", "Peppol", "NO-R-001", "BR-02"):
        assert expected in plain and expected in html
    assert ("7 dager" if lang == "nb" else "7 days") in plain
    assert ("Deres ref." if lang == "nb" else "'Deres ref.'") in plain


ORG: dict[str, Any] = {
    "users": [
        {"id": "siri", "roles": ["supplier-contact"], "email": "siri@lev.example",
         "supplier_orgnrs": [ORGNR], "language": "en"},
        {"id": "sam", "roles": ["supplier-contact"], "email": "faktura@leverandor.example",
         "supplier_orgnrs": [ORGNR]},
        {"id": "stian", "roles": ["supplier-contact"], "email": "stian@other.example",
         "supplier_orgnrs": ["974760673"]},
        {"id": "kari", "name": "Kari", "roles": ["attestant"], "email": "kari@acme.example"},
        {"id": "mona", "roles": ["attestant"], "email": "mona@acme.example"},
        {"id": "anne", "roles": ["attestant"]},
        {"id": "ola", "roles": ["budget-holder"], "email": "ola@acme.example"},
        {"id": "per", "roles": ["budget-holder"], "email": "per@acme.example"},
    ],
    "groups": [{"id": "ap", "members": ["kari", "mona", "anne"]}],
    "substitutes": [
        {"user": "ola", "substitute": "per", "valid_from": "2026-11-01T00:00:00+00:00",
         "valid_to": "2026-11-10T00:00:00+00:00"},
    ],
}  # fmt: skip


def emails(found: list[Recipient]) -> list[str]:
    return [r.email for r in found]


def test_suppliers_are_the_contacts_registered_for_the_seller():
    assert emails(supplier_contacts(ORG, ORGNR, "anne")) == [
        "siri@lev.example",
        "faktura@leverandor.example",
    ]
    # Validation told the address on the invoice already; without an orgnr, who sent it.
    told = supplier_contacts(ORG, ORGNR, None, told=["FAKTURA@leverandor.example"])
    assert emails(told) == ["siri@lev.example"]
    assert emails(supplier_contacts(ORG, None, "stian")) == ["stian@other.example"]
    assert supplier_contacts(ORG, None, "kari") == []
    assert [r.language for r in supplier_contacts(ORG, ORGNR, None)] == ["en", "nb"]


def test_approvers_are_the_assignee_a_groups_members_and_who_stands_in():
    assert emails(assignees(ORG, "ap", T0)) == ["kari@acme.example", "mona@acme.example"]
    assert emails(assignees(ORG, "ola", T0)) == ["ola@acme.example", "per@acme.example"]
    assert emails(assignees(ORG, "ola", T0 + timedelta(days=30))) == ["ola@acme.example"]
    assert assignees(ORG, "ap-inbox", T0) == []


def test_a_notice_is_recorded_once_per_thing():
    notices = InvoiceNotices(invoice_id="i1", tenant_id="acme")
    assert notices.notify("received", "", T0.isoformat(), {})
    assert not notices.notify("received", "", T0.isoformat(), {})
    assert notices.notify("paid", "p1", T0.isoformat(), {})
    assert notices.notify("paid", "p2", T0.isoformat(), {})
    assert notices.noticed == ["received:", "paid:p1", "paid:p2"]


# -- the notifier in memory: messages in, mails out ------------------------------------------------


class MemoryNotifier(NotifierApp):
    def __init__(self) -> None:
        EventSourcedProjection.__init__(self, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


class Outbox(Replier):
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def inbound(payload: EventPayload, topic: Topic, n: int, at: datetime = T0) -> InboundMessage:
    envelope = Envelope(
        id=event_id("test", payload.invoice_id, topic.value, n),
        type=event_type(topic),
        source="/services/test",
        subject=str(payload.invoice_id),
        time=at,
        tenantid=payload.tenant_id,
        correlationid=str(payload.invoice_id),
    )
    return InboundMessage(envelope=envelope, payload=payload, topic=topic, offset=n)


def journey(invoice_id: UUID) -> list[InboundMessage]:
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    doc = DocumentRef(sha256="a" * 64, media_type="application/xml", size=10)
    invoice = CanonicalInvoice(
        kind=DocumentKind.INVOICE,
        number="F-1001",
        currency="NOK",
        seller=Party(name="Kontorrekvisita AS", legal_id=ORGNR, email="faktura@leverandor.example"),
        totals=Totals(payable=Decimal("12500.00")),
    )
    finding = Finding(
        rule_id="BR-CO-15", flag=Severity.FATAL, message_nb="Feil.", message_en="Bad."
    )
    return [
        inbound(
            InvoiceReceived(
                **ids, channel="upload", document=doc, registered_by="anne", received_at=T0
            ),
            Topic.INVOICE_RECEIVED,
            0,
        ),
        inbound(
            InvoiceCaptured(**ids, invoice=invoice, document=doc, registered_by="anne"),
            Topic.INVOICE_CAPTURED,
            1,
        ),
        inbound(
            InvoiceApprovalRequested(**ids, step="attestation:*", assignee="ap"),
            Topic.INVOICE_APPROVAL_REQUESTED,
            2,
        ),
        inbound(InvoiceRejected(**ids, findings=[finding]), Topic.INVOICE_REJECTED, 3),
        inbound(
            PaymentSettled(
                **ids, payment_id="p1", booking_date=T0.date(), amount=Decimal("12500.00")
            ),
            Topic.PAYMENT_SETTLED,
            4,
        ),
    ]


def mailer(app: NotifierApp, outbox: Outbox, now: datetime = T0) -> NoticeMailer:
    return NoticeMailer(
        app, outbox, lambda tenant: ORG, sender=SENDER, portal_url=PORTAL,
        max_age=timedelta(hours=24), clock=lambda: now,
    )  # fmt: skip


def test_each_message_mails_its_people_once_even_when_published_twice():
    app, outbox = MemoryNotifier(), Outbox()
    messages = journey(uuid4())
    for n, message in enumerate([*messages, *messages]):  # a relay's retry publishes again
        app.handle(message, Tracking(message.tracking_name, n))
    assert mailer(app, outbox).deliver() == 7
    sent = [(m["X-Fakturaportal-Notice"], str(m["To"])) for m in outbox.sent]
    assert sent == [
        ("received", "siri@lev.example"),
        ("received", "faktura@leverandor.example"),
        ("task", "Kari <kari@acme.example>"),
        ("task", "mona@acme.example"),
        ("rejected", "siri@lev.example"),  # validation told the invoice's own address
        ("paid", "siri@lev.example"),
        ("paid", "faktura@leverandor.example"),
    ]
    assert outbox.sent[0]["Content-Language"] == "en"  # siri's language
    assert mailer(app, outbox).deliver() == 0  # from its recorded position: nothing again


def test_notices_older_than_a_day_are_not_mailed():
    app, outbox = MemoryNotifier(), Outbox()
    for n, message in enumerate(journey(uuid4())):
        app.handle(message, Tracking(message.tracking_name, n))
    assert mailer(app, outbox, now=T0 + timedelta(days=2)).deliver() == 0


# -- the invitation page ---------------------------------------------------------------------------


class Approval(Backend):
    """Approval's organisation API as the page meets it: records the call, answers `reply`."""

    def __init__(self, common: CommonSettings, reply: Reply) -> None:
        super().__init__(common)
        self.reply = reply
        self.calls: list[tuple[str, str, Any]] = []

    async def call(self, who: Principal, method: str, url: str, **kw: Any) -> Reply:
        self.calls.append((who.user, url, kw.get("json")))
        return self.reply


def invite_page(tmp_path: Path, reply: Reply, roles: set[str]) -> tuple[TestClient, Approval]:
    common = CommonSettings(jwt_secret=SecretStr("j" * 32), data_dir=tmp_path)
    web = Web(WebSettings(), b"session-key" * 3)
    backend = Approval(common, reply)
    http = FastAPI()
    install(http, web)
    http.include_router(
        onboarding.build_router(web, backend, common, PortalSettings(portal_public_url=PORTAL))
    )
    client = TestClient(http, base_url="https://testserver")
    session = signed_in(
        tenant="acme", user="anne", name="Anne Berg", roles=frozenset(roles), orgnrs=(),
        expires=int(time.time()) + 600,
    )  # fmt: skip
    client.cookies.set(web.cookie, web.codec.encode(session))
    return client, backend


def post_invite(client: TestClient, **fields: str) -> Any:
    page = client.get("/suppliers/invite")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/suppliers/invite", data=fields | {"csrf_token": token.group(1)})


def test_an_invitation_registers_the_contact_and_mails_a_link_to_the_guide(tmp_path: Path):
    user = {"id": "siri@lev.example", "email": "siri@lev.example", "language": "en"}
    client, approval = invite_page(tmp_path, Reply(200, user, b"", None), {"accountant"})
    answer = post_invite(client, email="siri@lev.example", orgnr="923 609 016", language="en")
    assert answer.status_code == 200 and "Invitasjonen er sendt til siri@lev.example" in answer.text
    ((who, url, body),) = approval.calls
    assert who == "anne" and url.endswith("/api/v1/approval/organisation/supplier-contacts")
    assert body == {
        "email": "siri@lev.example",
        "orgnr": "923609016",
        "name": None,
        "language": "en",
    }
    (mail,) = (tmp_path / "mail-outbox" / "portal").glob("*.eml")
    text, _ = texts(BytesParser(policy=policy.default).parsebytes(mail.read_bytes()))
    assert "Anne Berg at acme has invited you" in text and "acme@faktura.localhost" in text
    link = re.search(r"https://portal\.example/login/link\?(\S+)", text)
    assert link and "next=%2Fsupplier%2Fguide" in link.group(1) and "lang=en" in link.group(1)


def test_the_invitation_page_checks_before_asking_and_shows_refusals(tmp_path: Path):
    refusal = Reply(422, {"detail": "kari@acme.example belongs to kari, not a supplier"}, b"", None)
    client, approval = invite_page(tmp_path, refusal, {"finance-admin"})
    bad = post_invite(client, email="siri@lev.example", orgnr="923609017")
    assert bad.status_code == 422 and "gyldig kontrollsiffer" in bad.text and not approval.calls
    refused = post_invite(client, email="kari@acme.example", orgnr="923609016")
    assert refused.status_code == 422 and "belongs to kari, not a supplier" in refused.text
    assert not (tmp_path / "mail-outbox").exists()


def test_only_the_ap_desk_and_finance_admins_invite_and_suppliers_read_the_guide(tmp_path: Path):
    client, _ = invite_page(tmp_path, Reply(200, {}, b"", None), {"supplier"})
    assert client.get("/suppliers/invite").status_code == 403
    guide = client.get("/supplier/guide?lang=en")
    assert guide.status_code == 200 and "How to send invoices to acme" in guide.text
    assert "acme@faktura.localhost" in guide.text and "PEPPOL-EN16931-R003" in guide.text
    client, _ = invite_page(tmp_path, Reply(200, {}, b"", None), {"attestant"})
    assert client.get("/supplier/guide").status_code == 403


def test_a_persons_rejection_mails_the_supplier_their_reason():
    app, outbox = MemoryNotifier(), Outbox()
    invoice_id = uuid4()
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    received, captured = journey(invoice_id)[:2]
    flag = Finding(rule_id="FP-DUP-01", flag=Severity.WARNING, message_nb="Dup.", message_en="Dup.")
    rejected = InvoiceRejected(**ids, findings=[flag], rejected_by="ola", reason="Sendt to ganger.")
    for n, message in enumerate([received, captured, inbound(rejected, Topic.INVOICE_REJECTED, 2)]):
        app.handle(message, Tracking(message.tracking_name, n))
    mailer(app, outbox).deliver()
    (mail,) = [m for m in outbox.sent if m["X-Fakturaportal-Notice"] == "rejected"]
    text = mail.get_body(("plain",)).get_content()
    assert "Sendt to ganger." in text and "FP-DUP-01" not in text and "()" not in text
