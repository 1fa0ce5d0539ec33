"""Outgoing mail: a port with a folder adapter (local, inspectable) and an SMTP relay adapter.

Used for answers to suppliers: the intake's replies to mails and validation's rejection notices.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
from abc import ABC, abstractmethod
from email.message import EmailMessage
from pathlib import Path


class ReplyRefused(Exception):
    """The answer can never be delivered (the relay refused it): log it, do not retry."""


class Replier(ABC):
    """Sends the answer mail. Raise `ReplyRefused` for permanent failures; anything else is
    temporary and makes the inbound mail answer 451."""

    @abstractmethod
    def send(self, message: EmailMessage) -> None: ...


class FolderReplier(Replier):
    """Writes each answer as an .eml file (`<data_dir>/mail-outbox/`) to inspect locally."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        key = str(message["Message-ID"] or message.as_string())
        name = f"reply-{hashlib.sha256(key.encode()).hexdigest()[:24]}.eml"
        tmp = self.outbox / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(message.as_bytes())
        os.replace(tmp, self.outbox / name)  # a repeated answer replaces itself


class SmtpReplier(Replier):
    """Hands the answer to an SMTP relay, with the null return path of RFC 3834."""

    def __init__(self, host: str, port: int = 25, *, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as relay:
                relay.send_message(message, from_addr="")
        except smtplib.SMTPRecipientsRefused as exc:
            raise ReplyRefused(f"relay refused the recipient: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise ReplyRefused(f"relay refused the answer: {exc.smtp_code}") from exc
            raise
