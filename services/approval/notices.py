"""Reminder and escalation e-mails to the people an invoice waits for. Pure: builds the message;
sending is the mailer's job. Bokmål first, English below."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from services.approval.flow import Step
from shared.schemas.events import InvoiceSummary


def _what(summary: InvoiceSummary) -> str:
    amount = f"{summary.payable_amount} {summary.currency or 'NOK'}"
    seller = summary.seller_name or "leverandør"
    return f"{summary.number or '(uten nummer)'} fra {seller} ({amount})"


def _message(
    kind: str, invoice_id: str, step: Step, to: str, sender: str, at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(
        idstring=f"{kind}.{invoice_id}.{step.id}.{step.assignee}".replace(":", "-"),
        domain=sender.split("@")[-1],
    )
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
) -> EmailMessage:
    message = _message("reminder", invoice_id, step, to, sender, at)
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
) -> EmailMessage:
    message = _message("escalation", invoice_id, step, to, sender, at)
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
