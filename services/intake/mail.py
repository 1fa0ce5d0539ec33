"""The e-mail channel: an SMTP server on :2525 that turns attachments into invoices.

`<tenant>@<domain>` (or `faktura+<tenant>@<domain>`) receives invoices for that tenant. Each PDF,
EHF XML or JPEG/PNG attachment is handed to an injected `register` callback, which archives and
registers it idempotently by SHA-256. The SMTP answer is `250` only after every attachment was
registered; any failure answers `451`, so the sending MTA retries and nothing is lost, while the
content hash makes the retry double nothing. A mail without a usable attachment, or with refused
ones, gets an answer (Norwegian first, English below) that says what to send.

Parsing, decisions and the reply text are pure; SMTP, threads and files stay at the edges.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, parseaddr
from typing import Any, Final

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from fakturaportal.mailer import Replier, ReplyRefused

log = logging.getLogger(__name__)

MIB: Final = 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES: Final = 20 * MIB
DEFAULT_MAX_MESSAGE_BYTES: Final = 40 * MIB
DEFAULT_DOMAIN: Final = "faktura.localhost"
TINY_IMAGE_BYTES: Final = 2048
PDF: Final = "application/pdf"
XML: Final = "application/xml"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
TEMPORARY_FAILURE: Final = "451 4.3.0 temporary failure, try again later"
TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PLUS_PREFIX: Final = "faktura+"
SIGNATURE_TYPES: Final = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
NO_REPLY_PRECEDENCE: Final = frozenset({"bulk", "list", "junk"})
MSGID = re.compile(r"^<[^<>\s]+>$")


# --------------------------------------------------------------------------- the domain


@dataclass(frozen=True)
class MailLimits:
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    tiny_image_bytes: int = TINY_IMAGE_BYTES
    """Images smaller than this are logos or signature graphics, not invoices."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    """Sniffed from the content: application/pdf, application/xml, image/png or image/jpeg."""
    data: bytes = field(repr=False)
    sha256: str

    @classmethod
    def of(cls, filename: str, media_type: str, data: bytes) -> Attachment:
        return cls(filename, media_type, data, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Refusal:
    """An attachment we did not take; `code` is for machines, the reasons are for people."""

    filename: str
    code: str
    reason: str
    reason_no: str


@dataclass(frozen=True)
class Ignored:
    filename: str
    reason: str


@dataclass(frozen=True)
class MailMeta:
    """What we keep about the message an invoice came in."""

    message_id: str
    sender: str | None
    """The From address (addr-spec)."""
    sender_name: str
    subject: str
    date: datetime | None
    raw_sha256: str
    size: int
    references: tuple[str, ...] = ()
    envelope_from: str | None = None
    """SMTP MAIL FROM; "" is the null sender of bounces."""
    recipients: tuple[str, ...] = ()
    received_at: datetime | None = None

    def as_origin(self) -> dict[str, str]:
        """Flat string metadata for the invoice's origin record."""
        values = {
            "message_id": self.message_id,
            "from": self.sender or "",
            "from_name": self.sender_name,
            "envelope_from": self.envelope_from or "",
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else "",
            "mail_sha256": self.raw_sha256,
            "received_at": self.received_at.isoformat() if self.received_at else "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class ParsedMail:
    meta: MailMeta
    attachments: tuple[Attachment, ...]
    refused: tuple[Refusal, ...]
    ignored: tuple[Ignored, ...]
    automatic: bool
    """Auto-submitted, bulk or list mail: never answered (RFC 3834), to avoid mail loops."""


@dataclass(frozen=True)
class RegisterOutcome:
    invoice_id: str
    duplicate: bool


@dataclass(frozen=True)
class Received:
    tenant: str
    filename: str
    invoice_id: str
    duplicate: bool


class MessageTooLarge(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message is {size} bytes; the limit is {limit}")
        self.smtp_reply = f"552 5.3.4 message too large: {_mb(size)}, the limit is {_mb(limit)}"


class UnknownRecipient(ValueError):
    pass


class AttachmentRefused(Exception):
    """Raised by `register` for an attachment that will never be accepted (not an invoice).

    Anything else `register` raises counts as temporary: the mail is answered 451 and retried.
    """

    def __init__(
        self, reason: str, reason_no: str | None = None, code: str = "FP-INTAKE-MAIL"
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_no = reason_no or f"filen kunne ikke leses som faktura ({reason})"
        self.code = code

    def refusal(self, filename: str) -> Refusal:
        return Refusal(filename, self.code, self.reason, self.reason_no)


Register = Callable[[str, Attachment, MailMeta], RegisterOutcome]


def tenant_of(address: str, domain: str, tenants: Container[str]) -> str:
    """`demo@faktura.localhost` and `faktura+demo@faktura.localhost` both mean tenant `demo`."""
    local, _, host = address.strip().strip("<>").rpartition("@")
    if not local or host.lower().rstrip(".") != domain.lower():
        raise UnknownRecipient(f"this server accepts mail only for <tenant>@{domain}")
    local = local.lower()
    tenant = local.removeprefix(PLUS_PREFIX) if local.startswith(PLUS_PREFIX) else local
    if not TENANT.match(tenant) or tenant not in tenants:
        raise UnknownRecipient(f"no tenant {tenant!r} receives invoices at {domain}")
    return tenant


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Kind:
    media_type: str | None
    en: str
    no: str


_KNOWN_OTHERS: Final[tuple[tuple[bytes, str, str], ...]] = (
    (
        b"PK\x03\x04",
        "a ZIP archive or Office document (archives are not unpacked)",
        "et ZIP-arkiv eller Office-dokument (arkiver pakkes ikke ut)",
    ),
    (b"MZ", "a Windows program", "et Windows-program"),
    (b"\x7fELF", "a program (ELF)", "et program (ELF)"),
    (b"\xd0\xcf\x11\xe0", "an Office or Outlook file", "en Office- eller Outlook-fil"),
    (
        b"Rar!",
        "a RAR archive (archives are not unpacked)",
        "et RAR-arkiv (arkiver pakkes ikke ut)",
    ),
    (
        b"7z\xbc\xaf",
        "a 7-Zip archive (archives are not unpacked)",
        "et 7-Zip-arkiv (arkiver pakkes ikke ut)",
    ),
    (
        b"\x1f\x8b",
        "a gzip archive (archives are not unpacked)",
        "et gzip-arkiv (arkiver pakkes ikke ut)",
    ),
    (b"GIF8", "a GIF image", "et GIF-bilde"),
    (b"II*\x00", "a TIFF image", "et TIFF-bilde"),
    (b"MM\x00*", "a TIFF image", "et TIFF-bilde"),
    (b"-----BEGIN PGP", "PGP-encrypted data", "PGP-kryptert innhold"),
)


def sniff(data: bytes) -> _Kind:
    """The type from the content, never from the name."""
    head = data[:1024]
    if b"%PDF-" in head:
        return _Kind(PDF, "PDF", "PDF")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _Kind(PNG, "PNG", "PNG")
    if head.startswith(b"\xff\xd8\xff"):
        return _Kind(JPEG, "JPEG", "JPEG")
    text = _xml_head(head)
    if text.startswith(("<!doctype html", "<html")):
        return _Kind(None, "an HTML page", "en HTML-side")
    if text.startswith("<?xml") or re.match(r"<[A-Za-z_]", text):
        return _Kind(XML, "XML", "XML")
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"hevc"}:
        return _Kind(None, "a HEIC photo", "et HEIC-bilde")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _Kind(None, "a WebP image", "et WebP-bilde")
    for magic, en, no in _KNOWN_OTHERS:
        if head.startswith(magic):
            return _Kind(None, en, no)
    return _Kind(None, "an unknown file type", "en ukjent filtype")


def _xml_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")
    return text.lstrip("\ufeff \t\r\n").lower()[:64] if text else ""


def split_message(raw: bytes, limits: MailLimits) -> ParsedMail:
    """Split one raw RFC 5322 message into what we keep, refuse and ignore."""
    if len(raw) > limits.max_message_bytes:
        raise MessageTooLarge(len(raw), limits.max_message_bytes)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    sender_name, sender = _from(msg)
    meta = MailMeta(
        message_id=_message_id(msg) or f"<sha256.{digest}@fakturaportal.invalid>",
        sender=sender,
        sender_name=sender_name,
        subject=_clean(_header(msg, "Subject") or ""),
        date=_date(msg),
        raw_sha256=digest,
        size=len(raw),
        references=_references(msg),
    )
    sorter = _Sorter(limits)
    for index, (part, depth) in enumerate(_leaves(msg, 0), start=1):
        sorter.take(part, depth, index)
    return ParsedMail(
        meta,
        tuple(sorter.attachments),
        tuple(sorter.refused),
        tuple(sorter.ignored),
        _automatic(msg),
    )


def _leaves(msg: Message, nested: int) -> Iterator[tuple[Message, int]]:
    """Leaf parts; a forwarded message (message/rfc822) is opened one level deep."""
    if msg.get_content_type() == "message/rfc822":
        if nested >= 1:
            yield msg, nested + 1
            return
        for inner in msg.get_payload() or []:
            if isinstance(inner, Message):
                yield from _leaves(inner, nested + 1)
    elif msg.is_multipart():
        for part in msg.get_payload() or []:
            if isinstance(part, Message):
                yield from _leaves(part, nested)
    else:
        yield msg, nested


class _Sorter:
    def __init__(self, limits: MailLimits) -> None:
        self.limits = limits
        self.attachments: list[Attachment] = []
        self.refused: list[Refusal] = []
        self.ignored: list[Ignored] = []
        self.seen: dict[str, str] = {}

    def take(self, part: Message, depth: int, index: int) -> None:
        ctype = part.get_content_type()
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if ctype == "message/rfc822":
            self._refuse(
                filename or f"message-{index}.eml",
                "FP-INTAKE-MAIL-NESTED",
                "a forwarded message inside a forwarded message is not opened; "
                "forward the invoice itself",
                "en videresendt e-post inni en videresendt e-post åpnes ikke; "
                "send fakturaen direkte",
            )
            return
        body_text = part.get_content_maintype() == "text" and ctype != "text/xml"
        if body_text and not filename and disposition != "attachment":
            return  # the message body
        name = filename or f"attachment-{index}"
        if ctype in SIGNATURE_TYPES or name.lower() in {"smime.p7s", "signature.asc"}:
            self.ignored.append(Ignored(name, "digital signature of the mail, not an invoice"))
            return
        if ctype == "application/pgp-encrypted":
            self.ignored.append(Ignored(name, "PGP control part"))
            return
        if ctype in {"application/pkcs7-mime", "application/x-pkcs7-mime"}:
            self._refuse(
                name,
                "FP-INTAKE-MAIL-ENCRYPTED",
                "encrypted or S/MIME-wrapped content cannot be read; send the mail unencrypted",
                "kryptert eller S/MIME-innpakket innhold kan ikke leses; send e-posten ukryptert",
            )
            return
        self._take_data(part, name, filename is not None, disposition)

    def _take_data(self, part: Message, name: str, named: bool, disposition: str | None) -> None:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if not data:
            self._refuse(name, "FP-INTAKE-EMPTY", "the file is empty", "filen er tom")
            return
        limit = self.limits.max_attachment_bytes
        if len(data) > limit:
            self._refuse(
                name,
                "FP-INTAKE-SIZE",
                f"the file is {_mb(len(data))}; the limit is {_mb(limit)} per file",
                f"filen er {_mb(len(data), comma=True)}; grensen er "
                f"{_mb(limit, comma=True)} per fil",
            )
            return
        kind = sniff(data)
        if kind.media_type in {PNG, JPEG} and len(data) < self.limits.tiny_image_bytes:
            reason = f"image smaller than {self.limits.tiny_image_bytes} bytes (logo)"
            self.ignored.append(Ignored(name, reason))
            return
        if kind.media_type is None:
            self._refuse_type(part, name, kind, disposition)
            return
        filename = name if named else f"{name}{_EXTENSIONS[kind.media_type]}"
        attachment = Attachment.of(filename, kind.media_type, data)
        if attachment.sha256 in self.seen:
            self.ignored.append(Ignored(filename, f"same file as {self.seen[attachment.sha256]}"))
            return
        self.seen[attachment.sha256] = filename
        self.attachments.append(attachment)

    def _refuse_type(self, part: Message, name: str, kind: _Kind, disposition: str | None) -> None:
        embedded = part.get("Content-ID") is not None and disposition != "attachment"
        if part.get_content_maintype() == "image" and embedded:
            self.ignored.append(Ignored(name, f"{kind.en} embedded in the message body"))
            return
        self._refuse(
            name,
            "FP-INTAKE-TYPE",
            f"{kind.en}, not an invoice format we accept; send EHF XML, PDF, "
            "or a photo/scan as JPEG or PNG",
            f"{kind.no}, ikke et fakturaformat vi tar imot; send EHF (XML), PDF "
            "eller bilde/skann som JPEG eller PNG",
        )

    def _refuse(self, name: str, code: str, reason: str, reason_no: str) -> None:
        self.refused.append(Refusal(name, code, reason, reason_no))


_EXTENSIONS: Final = {PDF: ".pdf", XML: ".xml", PNG: ".png", JPEG: ".jpg"}


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # the stdlib header parser has crashed on hostile input before
        log.warning("unparseable %s header", name, exc_info=True)
        return None
    return None if value is None else str(value)


def _clean(text: str, limit: int = 250) -> str:
    return " ".join(text.split())[:limit]


def _from(msg: Message) -> tuple[str, str | None]:
    try:
        header: Any = msg.get("From")
        addresses = getattr(header, "addresses", ())
        if addresses:
            return _clean(addresses[0].display_name), addresses[0].addr_spec or None
    except Exception:
        log.warning("unparseable From header", exc_info=True)
    name, addr = parseaddr(_header(msg, "From") or "")
    return _clean(name), addr or None


def _message_id(msg: Message) -> str | None:
    value = _clean(_header(msg, "Message-ID") or "", limit=998)
    return value or None


def _references(msg: Message) -> tuple[str, ...]:
    found = (_header(msg, "References") or "").split()
    return tuple(ref for ref in found if MSGID.match(ref))[-10:]


def _date(msg: Message) -> datetime | None:
    try:
        value = getattr(msg.get("Date"), "datetime", None)
    except Exception:
        return None
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    name = re.sub(r"[\x00-\x1f\x7f]", "", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    return name.strip()[:200] or None


def _automatic(msg: Message) -> bool:
    auto = (_header(msg, "Auto-Submitted") or "no").strip().lower()
    precedence = (_header(msg, "Precedence") or "").strip().lower()
    suppress = (_header(msg, "X-Auto-Response-Suppress") or "").lower()
    return (
        not auto.startswith("no")
        or precedence in NO_REPLY_PRECEDENCE
        or _header(msg, "List-Id") is not None
        or any(word in suppress for word in ("all", "autoreply"))
    )


def _mb(size: int, *, comma: bool = False) -> str:
    text = f"{size / MIB:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',') if comma else text} MB"


# --------------------------------------------------------------------------- the answer


def reply_needed(received: Sequence[Received], refused: Sequence[Refusal]) -> bool:
    """Answer when nothing usable came, or when something was refused."""
    return not received or bool(refused)


def reply_address(meta: MailMeta, automatic: bool, domain: str) -> str | None:
    """Whom to answer: the From address; never bounces, auto-replies, lists or ourselves."""
    if automatic or meta.envelope_from == "":
        return None
    address = meta.sender or meta.envelope_from
    if not address or "@" not in address:
        return None
    local, _, host = address.lower().rpartition("@")
    if host == domain.lower() or local in {"mailer-daemon", "postmaster"}:
        return None
    return address


def compose_reply(
    meta: MailMeta,
    received: Sequence[Received],
    refused: Sequence[Refusal],
    *,
    to: str,
    reply_from: str,
    invoice_address: str,
    limits: MailLimits,
    now: datetime,
) -> EmailMessage:
    """The answer mail: Norwegian first, English below."""
    nothing = not received
    topic = (
        "ingen faktura funnet / no invoice found"
        if nothing
        else "vedlegg avvist / attachments refused"
    )
    subject = meta.subject or "(uten emne / no subject)"
    if not subject.lower().startswith(("re:", "sv:")):
        subject = f"Re: {subject}"
    reply = EmailMessage(policy=policy.default)
    reply["From"] = reply_from
    reply["To"] = to
    reply["Subject"] = _clean(f"{subject} [{topic}]", limit=300)
    reply["Date"] = format_datetime(now.astimezone(UTC))
    reply["Message-ID"] = reply_message_id(meta, invoice_address)
    if MSGID.match(meta.message_id):
        reply["In-Reply-To"] = meta.message_id
        reply["References"] = " ".join((*meta.references, meta.message_id))
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    lines = [
        *_norwegian(meta, received, refused, invoice_address, limits),
        "",
        "-" * 60,
        "",
        *_english(meta, received, refused, invoice_address, limits),
    ]
    reply.set_content("\n".join(lines) + "\n")
    return reply


def reply_message_id(meta: MailMeta, invoice_address: str) -> str:
    """Stable per original message, so an answer repeated after a retry is the same mail."""
    digest = hashlib.sha256(f"{meta.message_id}\n{invoice_address}".encode()).hexdigest()
    host = invoice_address.rpartition("@")[2] or DEFAULT_DOMAIN
    return f"<reply.{digest[:40]}@{host}>"


def _norwegian(
    meta: MailMeta,
    received: Sequence[Received],
    refused: Sequence[Refusal],
    address: str,
    limits: MailLimits,
) -> list[str]:
    subject = meta.subject or "(uten emne)"
    lines = ["Hei,", ""]
    if not received:
        lines.append(f"vi fant ingen faktura i e-posten «{subject}», så ingenting er registrert.")
    else:
        lines.append(f"takk for e-posten «{subject}». Dette har vi mottatt:")
        lines += [f"  • {r.filename}: {_status_no(r)}" for r in received]
    if refused:
        lines += ["", "Disse vedleggene ble ikke registrert:"]
        lines += [f"  • {r.filename}: {r.reason_no}" for r in refused]
    lines += [
        "",
        f"Send fakturaen som vedlegg til {address}, som",
        "  • EHF / Peppol BIS Billing 3.0 (XML) (foretrukket),",
        "  • PDF, eller",
        "  • bilde eller skann som JPEG eller PNG.",
        f"Største fil er {_mb(limits.max_attachment_bytes, comma=True)}, største e-post "
        f"{_mb(limits.max_message_bytes, comma=True)}.",
        "Én e-post kan inneholde flere fakturaer: legg ved én fil per faktura.",
        "",
        "Dette er et automatisk svar fra Fakturaportal.",
    ]
    return lines


def _english(
    meta: MailMeta,
    received: Sequence[Received],
    refused: Sequence[Refusal],
    address: str,
    limits: MailLimits,
) -> list[str]:
    subject = meta.subject or "(no subject)"
    lines = ["Hello,", ""]
    if not received:
        lines.append(f'we found no invoice in your e-mail "{subject}", so nothing was registered.')
    else:
        lines.append(f'thank you for your e-mail "{subject}". We received:')
        lines += [f"  • {r.filename}: {_status_en(r)}" for r in received]
    if refused:
        lines += ["", "These attachments were not registered:"]
        lines += [f"  • {r.filename}: {r.reason}" for r in refused]
    lines += [
        "",
        f"Please send the invoice as an attachment to {address}, as",
        "  • EHF / Peppol BIS Billing 3.0 (XML) (preferred),",
        "  • PDF, or",
        "  • a photo or scan as JPEG or PNG.",
        f"The largest file is {_mb(limits.max_attachment_bytes)}, the largest e-mail "
        f"{_mb(limits.max_message_bytes)}.",
        "One e-mail may contain several invoices: attach one file per invoice.",
        "",
        "This is an automatic answer from Fakturaportal.",
    ]
    return lines


def _status_no(r: Received) -> str:
    word = "mottatt tidligere" if r.duplicate else "registrert"
    return f"{word} (faktura {r.invoice_id})"


def _status_en(r: Received) -> str:
    word = "already received" if r.duplicate else "registered"
    return f"{word} (invoice {r.invoice_id})"


# --------------------------------------------------------------------------- ports and adapters


# --------------------------------------------------------------------------- the SMTP handler


def _utcnow() -> datetime:
    return datetime.now(UTC)


class InvoiceMailHandler:
    """aiosmtpd handler: RCPT checks the tenant, DATA registers every attachment, then answers."""

    def __init__(
        self,
        register: Register,
        replier: Replier,
        *,
        tenants: Container[str] = frozenset({"demo"}),
        domain: str = DEFAULT_DOMAIN,
        limits: MailLimits | None = None,
        reply_from: str | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.register = register
        self.replier = replier
        self.tenants = tenants
        self.domain = domain.lower()
        self.limits = limits or MailLimits()
        self.reply_from = reply_from
        self.clock = clock

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            tenant_of(address, self.domain, self.tenants)
        except UnknownRecipient as exc:
            return f"550 5.1.1 <{address}>: {exc}"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        try:
            return await asyncio.to_thread(
                self.deliver, raw, envelope.mail_from, list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("mail delivery failed; the sender's server will retry")
            return TEMPORARY_FAILURE

    def deliver(self, raw: bytes, envelope_from: str | None, recipients: Sequence[str]) -> str:
        """Register every attachment for every addressed tenant, answer, then say 250."""
        try:
            parsed = split_message(raw, self.limits)
        except MessageTooLarge as exc:
            return exc.smtp_reply
        tenants = list(dict.fromkeys(tenant_of(r, self.domain, self.tenants) for r in recipients))
        if not tenants:
            return "554 5.5.1 no valid recipients"
        meta = replace(
            parsed.meta,
            envelope_from=envelope_from,
            recipients=tuple(recipients),
            received_at=self.clock(),
        )
        for item in parsed.ignored:
            log.info("%s: ignored %s (%s)", meta.message_id, item.filename, item.reason)
        received, refused = self._register_all(tenants, parsed.attachments, meta)
        refused = [*parsed.refused, *refused]
        if reply_needed(received, refused):
            self._answer(parsed, meta, received, refused, tenants[0])
        log.info(
            "%s from %s: %d registered, %d refused",
            meta.message_id,
            meta.sender,
            len(received),
            len(refused),
        )
        return f"250 2.0.0 OK: {len(received)} received, {len(refused)} refused"

    def _register_all(
        self, tenants: Sequence[str], attachments: Sequence[Attachment], meta: MailMeta
    ) -> tuple[list[Received], list[Refusal]]:
        received: list[Received] = []
        refused: dict[str, Refusal] = {}
        for tenant in tenants:
            for attachment in attachments:
                try:
                    outcome = self.register(tenant, attachment, meta)
                except AttachmentRefused as exc:
                    refused.setdefault(attachment.sha256, exc.refusal(attachment.filename))
                    continue
                received.append(
                    Received(tenant, attachment.filename, outcome.invoice_id, outcome.duplicate)
                )
        return received, list(refused.values())

    def _answer(
        self,
        parsed: ParsedMail,
        meta: MailMeta,
        received: Sequence[Received],
        refused: Sequence[Refusal],
        tenant: str,
    ) -> None:
        to = reply_address(meta, parsed.automatic, self.domain)
        if to is None:
            log.info("%s: no answer (automatic mail or no sender)", meta.message_id)
            return
        address = f"{tenant}@{self.domain}"
        reply = compose_reply(
            meta,
            received,
            refused,
            to=to,
            reply_from=self.reply_from or f"Fakturaportal <{address}>",
            invoice_address=address,
            limits=self.limits,
            now=self.clock(),
        )
        try:
            self.replier.send(reply)
        except ReplyRefused as exc:
            log.warning("%s: answer to %s not deliverable: %s", meta.message_id, to, exc)


def serve(
    handler: InvoiceMailHandler,
    host: str = "127.0.0.1",
    port: int = 2525,
    data_size_limit: int = DEFAULT_MAX_MESSAGE_BYTES,
    *,
    server_hostname: str | None = None,
) -> Controller:
    """Start the SMTP server in its own thread; the caller stops it with `.stop()`."""
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname=server_hostname,
        data_size_limit=data_size_limit,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller
