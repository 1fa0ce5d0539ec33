"""Keeps invoices moving: on a timer, reminds the people steps wait for and escalates to the next
level (`reminders.due_actions`), by e-mail, and records that it did so each step fires once.

`python -m services.approval scheduler` runs it for good; `scheduler --once` runs one round and
exits (tests and demos run that with `FP_APPROVAL_CLOCK_OFFSET_HOURS` to be days ahead, and
`FP_APPROVAL_SCHEDULER_TENANT` to touch one tenant only).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import new_meta
from fakturaportal.mailer import ReplyRefused
from services.approval.app import ApprovalApp
from services.approval.case import ApprovalCase
from services.approval.flow import Step
from services.approval.notices import escalation, reminder
from services.approval.organisation import Organisation
from services.approval.reminders import Escalation, Reminder, due_actions, record

log = logging.getLogger(__name__)


@dataclass
class Round:
    reminded: list[tuple[UUID, str]] = field(default_factory=list)
    escalated: list[tuple[UUID, str, str]] = field(default_factory=list)


class Scheduler:
    def __init__(self, app: ApprovalApp, tenant_id: str | None = None) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self._stopped = threading.Event()

    def stop(self, *_: object) -> None:
        self._stopped.set()

    def run(self) -> None:
        interval = self.app.approval.scheduler_interval_seconds
        while not self._stopped.is_set():
            try:
                self.tick()
            except Exception:  # a bad round must not end the scheduler; the next one retries
                log.exception("approval scheduler round failed")
            self._stopped.wait(interval)

    def tick(self, now: datetime | None = None) -> Round:
        done = Round()
        for case_id in self.app.open_cases.of(self.tenant_id):
            self._case(case_id, now or self.app.clock(), done)
        return done

    def _case(self, case_id: UUID, now: datetime, done: Round) -> None:
        for _ in range(5):
            case = self.app.get_or_none(case_id)
            if not isinstance(case, ApprovalCase):
                return
            actions = due_actions(case, now)
            if not actions:
                return
            org = self.app.organisation(case.tenant_id, case.registered_by)
            sent = [a for a in actions if self._mail(case, a, org, now)]
            meta = new_meta(case.tenant_id, correlation_id=str(case_id))
            record(case, actions, now, meta)
            try:
                self.app.save(case)
            except IntegrityError:
                continue  # someone acted meanwhile: look again
            for action in sent:
                if isinstance(action, Escalation):
                    done.escalated.append((case_id, action.step_id, action.to))
                else:
                    done.reminded.append((case_id, action.step_id))
            return

    def _mail(
        self, case: ApprovalCase, action: Reminder | Escalation, org: Organisation, now: datetime
    ) -> bool:
        """Sends the e-mail for an action; False when nobody has an address to send it to (the
        action is recorded all the same: the inbox shows it)."""
        step = case.step(action.step_id)
        to = self._address(org, action.to if isinstance(action, Escalation) else step.assignee)
        if not to:
            log.warning("no e-mail address for %s: %s not sent", step.assignee, type(action))
            return False
        try:
            self.app.mailer.send(self._message(case, step, action, to, now))
        except ReplyRefused as exc:
            log.warning("relay refused the %s for %s: %s", type(action).__name__, case.id, exc)
            return False
        return True

    @staticmethod
    def _address(org: Organisation, who: str) -> str:
        """The person's e-mail; a group's members' addresses, comma-separated."""
        addresses = [u.email for m in org.members(who) if (u := org.user(m)) and u.email]
        return ", ".join(addresses)

    def _message(
        self, case: ApprovalCase, step: Step, action: Reminder | Escalation, to: str, at: datetime
    ) -> EmailMessage:
        settings = self.app.approval
        if isinstance(action, Escalation):
            return escalation(
                invoice_id=str(case.id),
                summary=case.invoice,
                step=step,
                to=to,
                escalated_to=action.to,
                sender=settings.notice_from,
                portal_url=settings.portal_url,
                at=at,
            )
        return reminder(
            invoice_id=str(case.id),
            summary=case.invoice,
            step=step,
            to=to,
            sender=settings.notice_from,
            portal_url=settings.portal_url,
            at=at,
        )
