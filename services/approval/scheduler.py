"""Keeps invoices moving: on a timer, reminds the people steps wait for and escalates to the next
level (`reminders.due_actions`), and records that it did so each step fires once.

Each round reads only the cases with something due (the read model's `next_action_at`), records
the reminders and escalations on them, and then mails what was recorded (`MailFollower`): a case
that changed meanwhile is looked at again and nothing was mailed for the attempt that lost.

`python -m services.approval scheduler` runs it for good; `scheduler --once` runs one round (its
mails included) and exits (tests and demos run that with `FP_APPROVAL_CLOCK_OFFSET_HOURS` to be
days ahead, and `FP_APPROVAL_SCHEDULER_TENANT` to touch one tenant only).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import new_meta
from services.approval.app import ApprovalApp
from services.approval.case import ApprovalCase
from services.approval.mail_follower import MailFollower
from services.approval.reminders import Escalation, due_actions, record

log = logging.getLogger(__name__)


@dataclass
class Round:
    reminded: list[tuple[UUID, str]] = field(default_factory=list)
    escalated: list[tuple[UUID, str, str]] = field(default_factory=list)
    mailed: int = 0


class Scheduler:
    def __init__(
        self, app: ApprovalApp, tenant_id: str | None = None, mail: MailFollower | None = None
    ) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.mail = mail or MailFollower(app)
        self.mail.start_here()
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
        """Records what is due, then mails it (and whatever an earlier round left unmailed)."""
        done = Round()
        at = now or self.app.clock()
        try:
            for case_id in self.app.open_steps.due(at, self.tenant_id):
                self._case(case_id, at, done)
        finally:
            done.mailed = self.mail.deliver()
        return done

    def _case(self, case_id: UUID, now: datetime, done: Round) -> None:
        for _ in range(5):
            case = self.app.get_or_none(case_id)
            if not isinstance(case, ApprovalCase):
                return
            actions = due_actions(case, now)
            if not actions:
                return
            record(case, actions, now, new_meta(case.tenant_id, correlation_id=str(case_id)))
            try:
                self.app.save(case)
            except IntegrityError:
                continue  # someone acted meanwhile: look again
            for action in actions:
                if isinstance(action, Escalation):
                    done.escalated.append((case_id, action.step_id, action.to))
                else:
                    done.reminded.append((case_id, action.step_id))
            return
