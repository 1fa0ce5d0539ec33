"""Mails what the notifier recorded: follows its event log from its own position, as approval's
reminder mails do (`services/approval/mail_follower.py`).

Each recorded notice becomes one mail per recipient; the position moves past it only after all
went out. When the organisation cannot be read (approval down), the round stops there and the
next one tries again; a crash between sending and recording the position sends that notice again
with the same Message-IDs. A relay's permanent refusal of one address is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from fakturaportal.follower import LogFollower
from fakturaportal.mailer import Replier, ReplyRefused
from services.portal.notify.app import NotifierApp
from services.portal.notify.messages import Notice, compose
from services.portal.notify.notices import InvoiceNotices
from services.portal.notify.people import Org, Recipient, assignees, supplier_contacts

log = logging.getLogger(__name__)
TOPICS = (get_topic(InvoiceNotices.Noticed),)


class NoticeMailer(LogFollower):
    def __init__(
        self,
        app: NotifierApp,
        mailer: Replier,
        organisation: Callable[[str], Org],
        *,
        sender: str,
        portal_url: str,
        max_age: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(app, f"mail:{app.name}")
        self.notifier = app
        self.mailer = mailer
        self.organisation = organisation
        self.sender = sender
        self.portal_url = portal_url
        self.max_age = max_age
        self.clock = clock
        self.sent = 0

    def deliver(self) -> int:
        """Mails every notice recorded since the position; returns how many mails went out."""
        before = self.sent
        self.catch_up(TOPICS)
        return self.sent - before

    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        if isinstance(domain_event, InvoiceNotices.Noticed):
            notice = self.notice(domain_event)
            if self.clock() - notice.at > self.max_age:
                log.info("%s of %s is too old to mail", notice.kind, notice.invoice_id)
            else:
                for to in self.recipients(notice):
                    self._send(compose(notice, to, sender=self.sender, portal_url=self.portal_url))
        self.app.recorder.insert_tracking(Tracking(self.name, tracking.notification_id))

    def notice(self, noticed: InvoiceNotices.Noticed) -> Notice:
        """The notice with the invoice as the notifier knew it when it was recorded."""
        notices = cast(
            InvoiceNotices,
            self.app.repository.get(noticed.originator_id, version=noticed.originator_version),
        )
        summary = notices.summary | {"registered_by": notices.registered_by}
        return Notice(
            kind=noticed.kind,
            invoice_id=notices.invoice_id,
            tenant=notices.tenant_id,
            version=noticed.originator_version,
            at=datetime.fromisoformat(noticed.at),
            summary=summary,
            details=noticed.details,
        )

    def recipients(self, notice: Notice) -> list[Recipient]:
        org = self.organisation(notice.tenant)
        if notice.kind == "task":
            found = assignees(org, str(notice.details.get("assignee")), notice.at)
        else:
            summary = notice.summary
            # Validation's rejection notice went to the address on the invoice already.
            told = [summary.get("seller_email") or ""] if notice.kind == "rejected" else []
            found = supplier_contacts(
                org, summary.get("seller_orgnr"), summary.get("registered_by"), told
            )
        if not found:
            log.info("nobody to mail %s of %s to", notice.kind, notice.invoice_id)
        return found

    def _send(self, message: EmailMessage) -> None:
        try:
            self.mailer.send(message)
        except ReplyRefused as exc:
            log.warning("relay refused %s: %s", message["Message-ID"], exc)
            return
        self.sent += 1
