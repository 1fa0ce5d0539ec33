"""The rejection notice to the supplier: the reasons in plain words, how to fix and resend.

Pure: builds the message; sending is the mailer's job. Bokmål first, English below.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from shared.schemas.events import Finding, Severity


def rejection_notice(
    *,
    invoice: dict[str, Any],
    invoice_id: str,
    findings: list[Finding],
    to: str,
    sender: str,
    at: datetime,
    reason: str | None = None,
) -> EmailMessage:
    """`reason`: a person on the buyer's side rejected it (a flagged invoice), in their words."""
    number = invoice.get("number") or "(uten nummer)"
    buyer = (invoice.get("buyer") or {}).get("name") or "kunden"
    fatal = [f for f in findings if f.flag is Severity.FATAL]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Faktura {number} er avvist / Invoice {number} was rejected"
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(
        idstring=f"reject.{invoice_id}", domain=sender.split("@")[-1]
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        _by_person(number, buyer, reason) if reason else _body(number, buyer, fatal)
    )
    return message


def _by_person(number: str, buyer: str, reason: str) -> str:
    return f"""Hei,

{buyer} har avvist fakturaen {number} etter kontroll. Begrunnelse:

  {reason}

Den avviste fakturaen blir ikke betalt. Spørsmål? Svar på denne e-posten.

---

Hello,

{buyer} rejected invoice {number} after checking it. The reason:

  {reason}

The rejected invoice will not be paid. Questions? Reply to this e-mail.
"""


def _body(number: str, buyer: str, fatal: list[Finding]) -> str:
    nb = "\n".join(f"  • {f.message_nb} ({f.rule_id}, {f.location or '–'})" for f in fatal)
    en = "\n".join(f"  • {f.message_en} ({f.rule_id}, {f.location or '–'})" for f in fatal)
    return f"""Hei,

fakturaen {number} til {buyer} kunne ikke tas imot, fordi den ikke oppfyller reglene for
EHF-faktura (Peppol BIS Billing 3.0) eller bokføringsforskriften:

{nb}

Slik retter du: rett punktene over i fakturasystemet ditt og send fakturaen på nytt, med samme
fakturanummer. Den avviste fakturaen er ikke registrert hos oss, så den blir ikke betalt.
Spørsmål? Svar på denne e-posten.

---

Hello,

invoice {number} to {buyer} could not be accepted because it does not meet the rules for EHF
invoices (Peppol BIS Billing 3.0) or Norwegian bookkeeping regulations:

{en}

To fix it: correct the points above in your invoicing system and send the invoice again with the
same invoice number. The rejected invoice has not been registered, so it will not be paid.
Questions? Reply to this e-mail.
"""


def dispute_notice(
    *,
    invoice: dict[str, Any],
    invoice_id: str,
    reason: str,
    to: str,
    sender: str,
    at: datetime,
) -> EmailMessage:
    """The buyer disputes a received invoice (in approval): why, and that a credit note or a
    corrected invoice is the way on."""
    number = invoice.get("number") or "(uten nummer)"
    buyer = (invoice.get("buyer") or {}).get("name") or "kunden"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Faktura {number} er bestridt / Invoice {number} is disputed"
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(
        idstring=f"dispute.{invoice_id}", domain=sender.split("@")[-1]
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"""Hei,

{buyer} har bestridt fakturaen {number} og betaler den ikke slik den er. Begrunnelse:

  {reason}

Send en kreditnota for fakturaen, og eventuelt en ny, riktig faktura. Spørsmål? Svar på denne
e-posten.

---

Hello,

{buyer} disputes invoice {number} and will not pay it as it stands. The reason:

  {reason}

Please send a credit note for the invoice and, where due, a corrected invoice. Questions? Reply
to this e-mail.
"""
    )
    return message
