"""The e-mail channel: a real aiosmtpd server on loopback, real mail sent with smtplib."""

from __future__ import annotations

import random
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from fakturaportal.mailer import FolderReplier
from services.intake.mail import (
    JPEG,
    PDF,
    PNG,
    XML,
    Attachment,
    AttachmentRefused,
    InvoiceMailHandler,
    MailLimits,
    MailMeta,
    MessageTooLarge,
    RegisterOutcome,
    UnknownRecipient,
    serve,
    sniff,
    split_message,
    tenant_of,
)
from services.intake.mailconfig import MailSettings

LIMITS = MailLimits(max_attachment_bytes=200_000, max_message_bytes=600_000)
TENANT_ADDRESS = "demo@faktura.localhost"
SENDER = "Ola Nordmann <ola@leverandor.no>"
RNG = random.Random(42)

PDF_BYTES = b"%PDF-1.7\n" + RNG.randbytes(5000) + b"\n%%EOF\n"
XML_BYTES = (
    b'\xef\xbb\xbf\n  <?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    b"<cbc:ID>12345</cbc:ID></Invoice>\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + RNG.randbytes(4000)
JPEG_BYTES = b"\xff\xd8\xff\xe0" + RNG.randbytes(4000)
ZIP_BYTES = b"PK\x03\x04" + RNG.randbytes(3000)
EXE_BYTES = b"MZ\x90\x00" + RNG.randbytes(3000)


@dataclass
class Recorder:
    """A fake `register`: records calls; the same bytes give the same invoice (as the app does)."""

    calls: list[tuple[str, Attachment, MailMeta]] = field(default_factory=list)
    fail: Exception | None = None
    seen: set[str] = field(default_factory=set)

    def __call__(self, tenant: str, attachment: Attachment, mail: MailMeta) -> RegisterOutcome:
        if self.fail is not None:
            raise self.fail
        self.calls.append((tenant, attachment, mail))
        duplicate = attachment.sha256 in self.seen
        self.seen.add(attachment.sha256)
        return RegisterOutcome(invoice_id=f"inv-{attachment.sha256[:12]}", duplicate=duplicate)


@dataclass
class Server:
    port: int
    register: Recorder
    outbox: Path

    def send(self, msg: EmailMessage, to: str = TENANT_ADDRESS) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, local_hostname="localhost", timeout=30) as c:
            c.send_message(msg, to_addrs=[to])

    def replies(self) -> list[EmailMessage]:
        if not self.outbox.exists():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.outbox.glob("*.eml"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    recorder = Recorder()
    outbox = tmp_path / "mail-outbox"
    handler = InvoiceMailHandler(
        recorder, FolderReplier(outbox), tenants=frozenset({"demo", "acme"}), limits=LIMITS
    )
    port = _free_port()
    controller = serve(handler, "127.0.0.1", port, LIMITS.max_message_bytes, server_hostname="mx")
    try:
        yield Server(port, recorder, outbox)
    finally:
        controller.stop()


def _mail(
    *attachments: tuple[bytes, str, str],
    subject: str = "Faktura 12345",
    msgid: str | None = "<abc.123@leverandor.no>",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = TENANT_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = "Thu, 27 Nov 2025 10:00:00 +0100"
    if msgid:
        msg["Message-ID"] = msgid
    msg.set_content("Hei, vedlagt faktura.\n")
    for data, content_type, filename in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


# --------------------------------------------------------------------------- over SMTP


def test_pdf_and_xml_become_two_invoices_with_the_mail_kept(server: Server) -> None:
    server.send(
        _mail((PDF_BYTES, "application/pdf", "faktura.pdf"), (XML_BYTES, "text/xml", "ehf.xml"))
    )

    assert [(t, a.filename, a.media_type) for t, a, _ in server.register.calls] == [
        ("demo", "faktura.pdf", PDF),
        ("demo", "ehf.xml", XML),
    ]
    assert server.register.calls[0][1].data == PDF_BYTES
    meta = server.register.calls[0][2]
    assert meta.sender == "ola@leverandor.no"
    assert meta.sender_name == "Ola Nordmann"
    assert meta.envelope_from == "ola@leverandor.no"
    assert meta.subject == "Faktura 12345"
    assert meta.message_id == "<abc.123@leverandor.no>"
    assert meta.date is not None and meta.date.isoformat() == "2025-11-27T09:00:00+00:00"
    assert meta.recipients == (TENANT_ADDRESS,)
    assert meta.as_origin()["message_id"] == "<abc.123@leverandor.no>"
    assert server.replies() == []


def test_the_same_mail_again_hands_over_the_same_hashes(server: Server) -> None:
    mail = _mail((PDF_BYTES, "application/pdf", "a.pdf"), (XML_BYTES, "application/xml", "b.xml"))
    server.send(mail)
    server.send(mail)

    hashes = [a.sha256 for _, a, _ in server.register.calls]
    assert len(hashes) == 4
    assert hashes[:2] == hashes[2:]
    assert len(set(hashes)) == 2


def test_a_mail_without_attachments_is_answered_in_norwegian_and_english(server: Server) -> None:
    server.send(_mail(subject="Spørsmål om faktura"))

    assert server.register.calls == []
    [reply] = server.replies()
    assert reply["To"].addresses[0].addr_spec == "ola@leverandor.no"
    assert reply["In-Reply-To"] == "<abc.123@leverandor.no>"
    assert "<abc.123@leverandor.no>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["From"].addresses[0].addr_spec == TENANT_ADDRESS
    body = reply.get_content()
    assert body.index("Hei,") < body.index("Hello,")
    assert "vi fant ingen faktura" in body and "we found no invoice" in body
    for must in ("EHF", "PDF", "JPEG", "PNG", "flere fakturaer", "several invoices"):
        assert must in body
    assert "0,2 MB" in body and "0.6 MB" in body  # the limits, per file and per mail


def test_unknown_recipients_are_refused_with_550(server: Server) -> None:
    for address in ("nobody@faktura.localhost", "demo@example.com"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            server.send(_mail((PDF_BYTES, "application/pdf", "f.pdf")), to=address)
        code, text = caught.value.recipients[address]
        assert code == 550
        assert b"5.1.1" in text
    assert server.register.calls == []


def test_plus_addressing_reaches_the_tenant(server: Server) -> None:
    server.send(_mail((PDF_BYTES, "application/pdf", "f.pdf")), to="faktura+acme@Faktura.Localhost")
    assert [t for t, _, _ in server.register.calls] == ["acme"]


def test_an_oversize_mail_is_refused_with_552(server: Server) -> None:
    big = _mail(*[(RNG.randbytes(150_000), "application/pdf", f"{i}.pdf") for i in range(4)])
    with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE= declared in MAIL FROM
        server.send(big)
    assert declared.value.smtp_code == 552

    with smtplib.SMTP("127.0.0.1", server.port, local_hostname="localhost") as c:
        c.ehlo()
        c.mail("ola@leverandor.no")  # no SIZE: the limit bites during DATA
        c.rcpt(TENANT_ADDRESS)
        code, text = c.data(big.as_bytes(policy=policy.SMTP))
    assert code == 552, text
    assert server.register.calls == []


def test_an_oversize_file_is_refused_with_a_reason_and_the_rest_registered(
    server: Server,
) -> None:
    server.send(
        _mail(
            (b"%PDF-1.4\n" + RNG.randbytes(250_000), "application/pdf", "stor.pdf"),
            (PDF_BYTES, "application/pdf", "liten.pdf"),
        )
    )
    assert [a.filename for _, a, _ in server.register.calls] == ["liten.pdf"]
    body = server.replies()[0].get_content()
    assert "stor.pdf: filen er" in body and "per fil" in body
    assert "stor.pdf: the file is" in body and "per file" in body
    assert "liten.pdf: registrert" in body


def test_a_failing_register_answers_451_and_a_retry_succeeds(server: Server) -> None:
    mail = _mail((PDF_BYTES, "application/pdf", "f.pdf"))
    server.register.fail = ConnectionError("database down")
    with pytest.raises(smtplib.SMTPDataError) as caught:
        server.send(mail)
    assert caught.value.smtp_code == 451
    assert b"4.3.0" in caught.value.smtp_error
    assert server.replies() == []

    server.register.fail = None
    server.send(mail)  # what the sending MTA does
    assert [a.sha256 for _, a, _ in server.register.calls] == [
        Attachment.of("", "", PDF_BYTES).sha256
    ]


def test_the_type_comes_from_the_content_not_the_name(server: Server) -> None:
    server.send(_mail((PNG_BYTES, "application/pdf", "invoice.pdf")))
    [(_, attachment, _)] = server.register.calls
    assert attachment.filename == "invoice.pdf"
    assert attachment.media_type == PNG


def test_archives_and_programs_are_refused_with_a_reason(server: Server) -> None:
    server.send(
        _mail(
            (ZIP_BYTES, "application/zip", "fakturaer.zip"),
            (EXE_BYTES, "application/pdf", "faktura.pdf.exe"),
            (JPEG_BYTES, "image/jpeg", "kvittering.jpg"),
        )
    )
    assert [(a.filename, a.media_type) for _, a, _ in server.register.calls] == [
        ("kvittering.jpg", JPEG)
    ]
    [reply] = server.replies()
    body = reply.get_content()
    assert "fakturaer.zip: et ZIP-arkiv" in body
    assert "fakturaer.zip: a ZIP archive" in body
    assert "faktura.pdf.exe: et Windows-program" in body
    assert "faktura.pdf.exe: a Windows program" in body
    assert "kvittering.jpg: registrert" in body
    assert "attachments refused" in reply["Subject"]


# --------------------------------------------------------------------------- the handler alone


def _handler(tmp_path: Path, register: Recorder) -> InvoiceMailHandler:
    return InvoiceMailHandler(register, FolderReplier(tmp_path), limits=LIMITS)


def test_a_refusal_from_register_is_answered_and_the_mail_accepted(tmp_path: Path) -> None:
    def register(tenant: str, attachment: Attachment, mail: MailMeta) -> RegisterOutcome:
        raise AttachmentRefused("not a UBL invoice", "ikke en UBL-faktura", "FP-INTAKE-XML")

    handler = InvoiceMailHandler(register, FolderReplier(tmp_path), limits=LIMITS)
    raw = _mail((XML_BYTES, "application/xml", "ehf.xml")).as_bytes()
    answer = handler.deliver(raw, "ola@leverandor.no", [TENANT_ADDRESS])
    assert answer.startswith("250")
    body = next(tmp_path.glob("*.eml")).read_text()
    assert "ehf.xml: ikke en UBL-faktura" in body


def test_automatic_mail_and_bounces_get_no_answer(tmp_path: Path) -> None:
    handler = _handler(tmp_path, Recorder())
    auto = _mail()
    auto["Auto-Submitted"] = "auto-replied"
    assert handler.deliver(auto.as_bytes(), "ola@leverandor.no", [TENANT_ADDRESS]).startswith("250")
    assert handler.deliver(_mail().as_bytes(), "", [TENANT_ADDRESS]).startswith("250")
    assert list(tmp_path.glob("*.eml")) == []


def test_a_repeated_answer_replaces_itself(tmp_path: Path) -> None:
    handler = _handler(tmp_path, Recorder())
    raw = _mail().as_bytes()
    handler.deliver(raw, "ola@leverandor.no", [TENANT_ADDRESS])
    handler.deliver(raw, "ola@leverandor.no", [TENANT_ADDRESS])
    assert len(list(tmp_path.glob("*.eml"))) == 1


# --------------------------------------------------------------------------- parsing, pure


def test_a_missing_message_id_is_made_from_the_content() -> None:
    raw = _mail((PDF_BYTES, "application/pdf", "f.pdf"), msgid=None).as_bytes()
    first = split_message(raw, LIMITS).meta.message_id
    assert first == split_message(raw, LIMITS).meta.message_id
    assert first.startswith("<sha256.") and first.endswith("@fakturaportal.invalid>")


def test_signatures_and_logos_are_ignored_with_reasons() -> None:
    msg = _mail(
        (PDF_BYTES, "application/pdf", "faktura.pdf"),
        (b"0\x82\x05" + bytes(500), "application/pkcs7-signature", "smime.p7s"),
        (b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png", "logo.png"),
        (PDF_BYTES, "application/pdf", "kopi.pdf"),
    )
    parsed = split_message(msg.as_bytes(), LIMITS)
    assert [a.filename for a in parsed.attachments] == ["faktura.pdf"]
    assert parsed.refused == ()
    reasons = {i.filename: i.reason for i in parsed.ignored}
    assert "signature" in reasons["smime.p7s"]
    assert "logo" in reasons["logo.png"]
    assert "same file as faktura.pdf" in reasons["kopi.pdf"]


def test_an_inline_body_image_of_another_type_is_ignored_not_refused() -> None:
    msg = _mail()
    msg.add_alternative("<p>Hei <img src='cid:logo@x'></p>", subtype="html")
    html = msg.get_body(preferencelist=("html",))
    assert html is not None
    html.add_related(b"GIF89a" + bytes(5000), "image", "gif", cid="<logo@x>")
    parsed = split_message(msg.as_bytes(), LIMITS)
    assert parsed.attachments == () and parsed.refused == ()
    assert "GIF" in parsed.ignored[0].reason


def test_a_forwarded_message_is_opened_one_level_deep() -> None:
    inner = _mail((PDF_BYTES, "application/pdf", "inni.pdf"), msgid="<inner@x>")
    deeper = _mail((XML_BYTES, "application/xml", "dypt.xml"), msgid="<deep@x>")
    inner.add_attachment(deeper)
    outer = _mail()
    outer.add_attachment(inner)
    parsed = split_message(outer.as_bytes(), LIMITS)
    assert [a.filename for a in parsed.attachments] == ["inni.pdf"]
    assert [r.code for r in parsed.refused] == ["FP-INTAKE-MAIL-NESTED"]
    assert parsed.meta.message_id == "<abc.123@leverandor.no>"


def test_norwegian_file_names_and_a_bare_pdf_body_survive() -> None:
    named = split_message(
        _mail((PDF_BYTES, "application/pdf", "Faktura æøå.pdf")).as_bytes(), LIMITS
    )
    assert named.attachments[0].filename == "Faktura æøå.pdf"
    bare = EmailMessage()
    bare["From"] = SENDER
    bare.set_content(PDF_BYTES, maintype="application", subtype="pdf")
    del bare["Content-Disposition"]
    [attachment] = split_message(bare.as_bytes(), LIMITS).attachments
    assert (attachment.filename, attachment.media_type) == ("attachment-1.pdf", PDF)


def test_a_message_over_the_limit_is_refused_before_parsing() -> None:
    with pytest.raises(MessageTooLarge) as caught:
        split_message(b"x" * (LIMITS.max_message_bytes + 1), LIMITS)
    assert caught.value.smtp_reply.startswith("552 5.3.4")


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"  \r\n%PDF-1.4", PDF),
        (b"\xef\xbb\xbf\n<Invoice/>", XML),
        ("<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"), XML),
        (b"<!DOCTYPE html><html></html>", None),
        (b"GIF89a....", None),
        (b"\x00\x00\x00\x18ftypheic", None),
    ],
)
def test_sniffing(data: bytes, media_type: str | None) -> None:
    assert sniff(data).media_type == media_type


def test_tenant_addresses() -> None:
    tenants = {"demo"}
    assert tenant_of("demo@faktura.localhost", "faktura.localhost", tenants) == "demo"
    assert tenant_of("Faktura+Demo@FAKTURA.localhost", "faktura.localhost", tenants) == "demo"
    for address in ("acme@faktura.localhost", "demo@evil.example", "no-at-sign"):
        with pytest.raises(UnknownRecipient):
            tenant_of(address, "faktura.localhost", tenants)


def test_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FP_INTAKE_MAIL_TENANTS", "demo, Acme")
    monkeypatch.setenv("FP_INTAKE_MAIL_MAX_ATTACHMENT_BYTES", "1000")
    settings = MailSettings()
    assert settings.tenants == ["demo", "acme"]
    assert settings.port == 2525 and settings.domain == "faktura.localhost"
    assert settings.limits().max_attachment_bytes == 1000
    replier = settings.replier(tmp_path)
    assert isinstance(replier, FolderReplier) and replier.outbox == tmp_path / "mail-outbox"
    monkeypatch.setenv("FP_INTAKE_MAIL_TENANTS", '["x"]')
    assert MailSettings().tenants == ["x"]


def test_a_failure_halfway_loses_nothing_and_the_retry_doubles_nothing(tmp_path: Path) -> None:
    recorder = Recorder()
    calls = 0

    def flaky(tenant: str, attachment: Attachment, mail: MailMeta) -> RegisterOutcome:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise TimeoutError("broker slow")
        return recorder(tenant, attachment, mail)

    handler = InvoiceMailHandler(flaky, FolderReplier(tmp_path), limits=LIMITS)
    raw = _mail(
        (PDF_BYTES, "application/pdf", "a.pdf"), (PNG_BYTES, "image/png", "b.png")
    ).as_bytes()
    with pytest.raises(TimeoutError):
        handler.deliver(raw, "ola@leverandor.no", [TENANT_ADDRESS])  # handle_DATA answers 451
    assert handler.deliver(raw, "ola@leverandor.no", [TENANT_ADDRESS]).startswith("250")
    assert [a.filename for _, a, _ in recorder.calls] == ["a.pdf", "a.pdf", "b.png"]
    assert len(recorder.seen) == 2  # a.pdf came twice; the register's idempotency makes it one
