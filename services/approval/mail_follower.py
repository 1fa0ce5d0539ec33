"""The scheduler's e-mail: follows approval's notification log and mails each recorded reminder
and escalation, then records its position, as the relay does for Kafka.

The scheduler records first and mails from the record, so a round that lost a race to another
writer mails nothing, and a crash between sending and recording the position sends that one mail
again with the same Message-ID (`notices.message_id`): the folder outbox overwrites it, a mail
system can recognise it. It runs in the scheduler process after each round, one at a time (a
single scheduler per deployment); it is no process of its own.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from typing import cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from fakturaportal.follower import LogFollower
from fakturaportal.mailer import Replier, ReplyRefused
from services.approval.app import ApprovalApp
from services.approval.case import ApprovalCase
from services.approval.notices import escalation, reminder
from services.approval.organisation import Organisation

log = logging.getLogger(__name__)
TOPICS = (get_topic(ApprovalCase.Reminded), get_topic(ApprovalCase.Escalated))


class MailFollower(LogFollower):
    def __init__(self, app: ApprovalApp, mailer: Replier | None = None) -> None:
        super().__init__(app, f"mail:{app.name}")
        self.approval = app
        self.mailer = mailer or app.mailer
        self.sent = 0

    def start_here(self) -> None:
        """On its very first run it starts at the end of the log: reminders recorded before it
        existed were mailed by the scheduler itself."""
        if self.app.position(self.name) is not None:
            return
        last = self.app.recorder.max_notification_id() or 0
        with suppress(IntegrityError):  # started meanwhile by another process
            self.app.recorder.insert_tracking(Tracking(self.name, last))

    def deliver(self) -> int:
        """Mails everything recorded since the position; returns how many mails went out."""
        before = self.sent
        self.catch_up(TOPICS)
        return self.sent - before

    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        if isinstance(domain_event, ApprovalCase.Reminded | ApprovalCase.Escalated):
            message = self.message(domain_event)
            if message is not None and self._send(message):
                self.sent += 1
        self.record_position(tracking)

    def record_position(self, tracking: Tracking) -> None:
        self.app.recorder.insert_tracking(Tracking(self.name, tracking.notification_id))

    def message(self, done: ApprovalCase.Reminded | ApprovalCase.Escalated) -> EmailMessage | None:
        """The mail for a recorded action, from the case as it was then; None when nobody has an
        address to send it to (the inbox shows the step all the same)."""
        case = cast(
            ApprovalCase,
            self.app.repository.get(done.originator_id, version=done.originator_version),
        )
        step = case.step(done.step_id)
        org = self.approval.organisation(case.tenant_id, case.registered_by)
        escalated = done if isinstance(done, ApprovalCase.Escalated) else None
        to = _address(org, escalated.to if escalated else done.assignee)
        if not to:
            log.warning("no e-mail address for %s: %s not sent", done.assignee, type(done))
            return None
        settings = self.approval.approval
        build = partial(escalation, escalated_to=escalated.to) if escalated else reminder
        return build(
            invoice_id=str(case.id),
            summary=case.invoice,
            step=step,
            to=to,
            sender=settings.notice_from,
            portal_url=settings.portal_url,
            at=datetime.fromisoformat(done.at),
            version=done.originator_version,
        )

    def _send(self, message: EmailMessage) -> bool:
        try:
            self.mailer.send(message)
        except ReplyRefused as exc:
            log.warning("relay refused %s: %s", message["Message-ID"], exc)
            return False
        return True


def _address(org: Organisation, who: str) -> str:
    """The person's e-mail; a group's members' addresses, comma-separated."""
    addresses = [u.email for m in org.members(who) if (u := org.user(m)) and u.email]
    return ", ".join(addresses)
