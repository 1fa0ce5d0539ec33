"""Keeping invoices moving: what is overdue at a moment, and which invoice comes first.

Pure functions of a clock. A step that has waited its service-level time gets a reminder (once);
after a second period, an escalation to the next level (once). A hold pauses both until it ends:
the clock then starts again from the hold's end. Recording what fired is the case's job
(`ApprovalCase.remind` / `escalate`), which is what makes each fire once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from services.approval.case import ApprovalCase
from services.approval.flow import Step


@dataclass(frozen=True)
class Reminder:
    step_id: str
    assignee: str
    due_at: datetime


@dataclass(frozen=True)
class Escalation:
    step_id: str
    assignee: str
    to: str
    """The next level: the assignee's manager, the owner above them, else a finance admin."""
    due_at: datetime


def action_times(case: ApprovalCase, step: Step) -> tuple[datetime, datetime]:
    """When an active step's reminder and escalation fall due: its clock starts when it started,
    or when a hold that ends later ends."""
    assert step.activated_at is not None
    start = step.activated_at
    if case.held_until is not None and case.held_until > start:
        start = case.held_until
    remind_at = start + timedelta(hours=step.reminder_hours)
    return remind_at, remind_at + timedelta(hours=step.escalation_hours)


def due_actions(case: ApprovalCase, now: datetime) -> list[Reminder | Escalation]:
    """Reminders and escalations due at `now` and not yet recorded on the case."""
    if case.status != "open" or case.on_hold(now):
        return []
    found: list[Reminder | Escalation] = []
    for step in case.active_steps():
        remind_at, escalate_at = action_times(case, step)
        if now >= remind_at and step.reminded_at is None:
            found.append(Reminder(step.id, step.assignee, remind_at))
        if now >= escalate_at and step.escalated_at is None and step.escalate_to:
            found.append(Escalation(step.id, step.assignee, step.escalate_to, escalate_at))
    return found


def next_action_at(case: ApprovalCase, step: Step) -> datetime | None:
    """The earliest moment `due_actions` has something for an active step; None when its
    reminder and escalation have both fired (or there is nobody to escalate to). A hold needs no
    check of its own: the clock restarts at its end, so nothing falls due before."""
    remind_at, escalate_at = action_times(case, step)
    pending = []
    if step.reminded_at is None:
        pending.append(remind_at)
    if step.escalated_at is None and step.escalate_to:
        pending.append(escalate_at)
    return min(pending, default=None)


def record(
    case: ApprovalCase, actions: list[Reminder | Escalation], now: datetime, meta: dict[str, str]
) -> None:
    """Marks actions as done on the case; the e-mails go out from these recorded events (the
    scheduler's `MailFollower`), so saving first is what makes each mail go out once."""
    for action in actions:
        if isinstance(action, Escalation):
            case.escalate(action.step_id, action.assignee, action.to, now.isoformat(), meta)
        else:
            case.remind(action.step_id, action.assignee, now.isoformat(), meta)


@dataclass(frozen=True)
class Discount:
    """Early-payment terms: `percent` off when paid by `last_date`."""

    percent: Decimal
    last_date: date


Level = Literal["overdue", "discount", "due-soon", "normal"]
LEVELS: tuple[Level, ...] = ("overdue", "discount", "due-soon", "normal")


@dataclass(frozen=True)
class Priority:
    level: Level
    deadline: date | None
    """The date that matters: the discount's last date, else the due date."""
    at_stake: Decimal
    """Discount lost if it slips (0 when none)."""

    @property
    def sort_key(self) -> tuple[int, date, Decimal]:
        """Sorts most urgent first: level, then the earliest deadline, then the most at stake."""
        return (LEVELS.index(self.level), self.deadline or date.max, -self.at_stake)


class Payable(Protocol):
    """What priority reads of an invoice: its summary, or an inbox row that carries the same."""

    @property
    def due_date(self) -> date | None: ...

    @property
    def payable_amount(self) -> Decimal | None: ...


def priority(
    summary: Payable,
    now: datetime,
    discount: Discount | None = None,
    soon_days: int = 7,
    discount_days: int = 3,
) -> Priority:
    """Overdue first, then a discount about to be lost (within `discount_days`), then due within
    `soon_days`, then the rest."""
    today = now.date()
    due = summary.due_date
    at_stake = Decimal(0)
    if discount is not None and discount.last_date >= today and summary.payable_amount:
        at_stake = (summary.payable_amount * discount.percent / 100).quantize(Decimal("0.01"))
    if due is not None and due < today:
        return Priority("overdue", due, at_stake)
    if at_stake and discount is not None and (discount.last_date - today).days <= discount_days:
        return Priority("discount", discount.last_date, at_stake)
    deadline = discount.last_date if at_stake and discount is not None else due
    if due is not None and (due - today).days <= soon_days:
        return Priority("due-soon", min(d for d in (deadline, due) if d is not None), at_stake)
    return Priority("normal", deadline, at_stake)
