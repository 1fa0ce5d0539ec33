"""The e-mails themselves: one per recipient, in their language, plain text with a simple HTML
alternative, from the Jinja2 templates beside this module and the UI's words (`i18n`). Pure:
building a message sends nothing.

A notice's Message-ID is made of the notice's recorded version and the recipient, so sending it
again after a crash gives the same message (the folder outbox overwrites it; a mail system can
recognise it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.portal.notify.people import Recipient
from services.portal.web import i18n
from services.portal.web.ui import local_time, money

TEMPLATES = Path(__file__).parent / "templates"
SUPPLIER_KINDS = ("received", "rejected", "paid")
INVITATION_FIELDS = (
    "guide.field_orgnr",
    "guide.field_number",
    "guide.field_dates",
    "guide.field_payment",
    "guide.field_reference",
    "guide.field_vat",
)
"""What an invoice must state, in the order the guide page and the invitation list it."""

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


@dataclass(frozen=True)
class Notice:
    """A recorded notice as the mails read it: the invoice as it was then, and what happened."""

    kind: str
    invoice_id: str
    tenant: str
    version: int
    at: datetime
    summary: dict[str, Any]
    details: dict[str, Any]


def message_id(kind: str, invoice_id: str, version: int, to: str, sender: str) -> str:
    who = hashlib.sha256(to.strip().casefold().encode()).hexdigest()[:12]
    return f"<notice.{kind}.{invoice_id}.v{version}.{who}@{sender.rpartition('@')[2]}>"


def compose(notice: Notice, to: Recipient, *, sender: str, portal_url: str) -> EmailMessage:
    t = i18n.translator(to.language)
    summary = notice.summary
    number = summary.get("number") or t("notify.no_number")
    document = t("notify.credit-note" if summary.get("kind") == "credit-note" else "notify.invoice")
    seller = summary.get("seller_name") or summary.get("seller_orgnr") or "–"
    what = t(
        "notify.what",
        document=document,
        number=number,
        seller=seller,
        amount=money(summary.get("payable_amount"), summary.get("currency")),
    )
    context: dict[str, Any] = {
        "what": what,
        "what_capital": what[:1].upper() + what[1:],
        "url": f"{portal_url}/invoices/{notice.invoice_id}",
        "action": t("notify.task.act" if notice.kind == "task" else "notify.open"),
        "why": (
            t("notify.why_supplier", seller=seller, tenant=notice.tenant)
            if notice.kind in SUPPLIER_KINDS
            else t("notify.why_approver")
        ),
    } | _details(notice, t, to.language)
    subject = t(
        f"notify.{notice.kind}.subject",
        document=document.capitalize(),
        number=number,
        tenant=notice.tenant,
        seller=seller,
    )
    message = _message(notice.kind, to, subject, context, tenant=notice.tenant)
    message["From"] = sender
    message["Date"] = format_datetime(notice.at)
    message["Message-ID"] = message_id(
        notice.kind, notice.invoice_id, notice.version, to.email, sender
    )
    message["X-Fakturaportal-Invoice"] = notice.invoice_id
    return message


def _details(notice: Notice, t: i18n.Translate, lang: str) -> dict[str, Any]:
    details, summary = notice.details, notice.summary
    if notice.kind == "rejected":
        reasons = [{"rule": r["rule"], "text": r[lang]} for r in details.get("reasons", [])]
        return {"reasons": reasons}
    if notice.kind == "paid":
        return {
            "booked_on": details.get("booking_date") or "–",
            "paid_amount": money(details.get("amount"), summary.get("currency")),
        }
    if notice.kind == "task":
        step = str(details.get("step") or "").partition(":")[0]
        due_at = details.get("due_at")
        return {
            "step": t(f"notify.step.{step}"),
            "due_date": summary.get("due_date"),
            "remind_at": local_time(due_at) if due_at else None,
        }
    return {}


def invitation(
    *,
    to: Recipient,
    tenant: str,
    inviter: str,
    login_url: str,
    portal_url: str,
    invoice_address: str,
    days: int,
    sender: str,
    at: datetime,
) -> EmailMessage:
    """The invitation of a supplier's contact: a login link that leads to the guide, and the
    guide's gist (how to send, what an invoice must state)."""
    t = i18n.translator(to.language)
    context = {
        "inviter": inviter,
        "login_url": login_url,
        "portal_url": portal_url,
        "invoice_address": invoice_address,
        "days": days,
        "fields": INVITATION_FIELDS,
        "url": f"{portal_url}/supplier/guide",
        "action": t("nav.guide"),
        "why": t("invite.why", inviter=inviter, tenant=tenant),
    }
    message = _message("invitation", to, t("invite.subject", tenant=tenant), context, tenant)
    message["From"] = sender
    message["Date"] = format_datetime(at)
    stamp = f"{int(at.timestamp())}.{to.email}".encode()
    domain = sender.rpartition("@")[2]
    message["Message-ID"] = f"<invite.{hashlib.sha256(stamp).hexdigest()[:20]}@{domain}>"
    return message


def _message(
    kind: str, to: Recipient, subject: str, context: dict[str, Any], tenant: str
) -> EmailMessage:
    t = i18n.translator(to.language)
    values = context | {
        "t": t,
        "lang": to.language,
        "name": to.name,
        "tenant": tenant,
        "subject": subject,
    }
    message = EmailMessage()
    message["To"] = formataddr((to.name or "", to.email))
    message["Subject"] = subject
    message["Auto-Submitted"] = "auto-generated"
    message["X-Fakturaportal-Notice"] = kind
    message.set_content(_env.get_template(f"{kind}.txt").render(values))
    message.add_alternative(_env.get_template(f"{kind}.html").render(values), subtype="html")
    message["Content-Language"] = to.language  # after the content, which replaces Content-*
    return message
