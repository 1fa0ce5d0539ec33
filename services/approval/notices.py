"""Reminder and escalation e-mails to the people an invoice waits for. Pure: builds the message
(`version`: the case's event that recorded the reminder or escalation, which makes the Message-ID);
sending is the mailer's job. Bokmål first, English below."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from services.approval.flow import Step
from shared.schemas.events import InvoiceSummary


def _what(summary: InvoiceSummary) -> str:
    amount = f"{summary.payable_amount} {summary.currency or 'NOK'}"
    seller = summary.seller_name or "leverandør"
    return f"{summary.number or '(uten nummer)'} fra {seller} ({amount})"


def message_id(kind: str, invoice_id: str, step_id: str, version: int, sender: str) -> str:
    """The same for every sending of one recorded reminder or escalation (the case's event
    version names it), so a mail sent again after a crash is recognisable as the same one."""
    local = f"{kind}.{invoice_id}.{step_id}.v{version}".replace(":", "-")
    return f"<{local}@{sender.split('@')[-1]}>"


def _message(
    kind: str, invoice_id: str, step: Step, to: str, sender: str, at: datetime, version: int
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id(kind, invoice_id, step.id, version, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Fakturaportal-Invoice"] = invoice_id
    message["X-Fakturaportal-Step"] = step.id
    return message


def reminder(
    *,
    invoice_id: str,
    summary: InvoiceSummary,
    step: Step,
    to: str,
    sender: str,
    portal_url: str,
    at: datetime,
    version: int,
) -> EmailMessage:
    message = _message("reminder", invoice_id, step, to, sender, at, version)
    what = _what(summary)
    message["Subject"] = f"Påminnelse: faktura {summary.number} venter på deg / Reminder"
    due = step.due_at.isoformat(timespec="minutes") if step.due_at else "–"
    message.set_content(
        f"""Hei {step.assignee},

fakturaen {what} har ventet på deg ({step.kind.value}) siden fristen {due}.
Forfallsdato: {summary.due_date or "–"}. Godkjenn, avvis eller videresend den:
{portal_url}/invoices/{invoice_id}

---

Invoice {what} has been waiting for your {step.kind.value} since {due}.
Due date: {summary.due_date or "–"}. Approve, dispute or forward it:
{portal_url}/invoices/{invoice_id}
"""
    )
    return message


def escalation(
    *,
    invoice_id: str,
    summary: InvoiceSummary,
    step: Step,
    to: str,
    escalated_to: str,
    sender: str,
    portal_url: str,
    at: datetime,
    version: int,
) -> EmailMessage:
    message = _message("escalation", invoice_id, step, to, sender, at, version)
    what = _what(summary)
    message["Subject"] = f"Eskalert: faktura {summary.number} venter på {step.assignee} / Escalated"
    message.set_content(
        f"""Hei {escalated_to},

fakturaen {what} har ventet på {step.assignee} ({step.kind.value}) for lenge, også etter en
påminnelse. Du er neste nivå: følg opp, eller videresend steget til en annen:
{portal_url}/invoices/{invoice_id}

---

Invoice {what} has waited too long for {step.assignee} ({step.kind.value}), even after a
reminder. You are the next level: follow up, or forward the step to someone else.
"""
    )
    return message
