"""What the inbox and the scheduler read: one row per active step of an open case. Pure.

`open_steps(case)` turns a case into its rows (the read-model table in `index` stores them), so a
request needs no aggregate; `assignees_for` and `why` decide whose a row is, with the
organisation as it is now (groups and substitutes change without the case changing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from services.approval.case import ApprovalCase
from services.approval.organisation import Organisation
from services.approval.reminders import Discount, next_action_at
from shared.payment_terms import parse_terms


@dataclass(frozen=True)
class OpenStep:
    """An active step of an open case, with what the inbox shows of its invoice."""

    tenant_id: str
    case_id: UUID
    step_id: str
    ordinal: int
    """The step's place in the case: the inbox lists a case's steps in this order."""
    kind: str
    step_amount: Decimal
    assignee: str
    escalate_to: str | None
    escalated: bool
    due_at: datetime | None
    next_action_at: datetime | None
    """When the scheduler must look at the case again; None when nothing is left to fire."""
    held_until: str | None
    """As the hold gave it (with its own UTC offset), as the inbox shows it."""
    invoice_number: str | None
    supplier_name: str | None
    payable_amount: Decimal | None
    currency: str | None
    due_date: date | None
    discount_percent: Decimal | None = None
    """The cash discount the invoice's payment terms state (BT-20), if they state one clearly."""
    discount_until: date | None = None
    """Its last day: the approver's deadline when the discount is worth keeping."""


def open_steps(case: ApprovalCase) -> list[OpenStep]:
    """The rows of a case: its active steps while it is open, none once it is closed."""
    invoice = case.invoice
    active = {s.id for s in case.active_steps()}
    terms = parse_terms(invoice.payment_terms)
    until = terms.last_day(invoice.issue_date) if terms and invoice.issue_date else None
    return [
        OpenStep(
            tenant_id=case.tenant_id,
            case_id=case.id,
            step_id=step.id,
            ordinal=ordinal,
            kind=step.kind.value,
            step_amount=step.amount,
            assignee=step.assignee,
            escalate_to=step.escalate_to,
            escalated=step.escalated_at is not None,
            due_at=step.due_at,
            next_action_at=next_action_at(case, step),
            held_until=case.held_until.isoformat() if case.held_until else None,
            invoice_number=invoice.number,
            supplier_name=invoice.seller_name,
            payable_amount=invoice.payable_amount,
            currency=invoice.currency,
            due_date=invoice.due_date,
            discount_percent=terms.percent if terms and until else None,
            discount_until=until,
        )
        for ordinal, step in enumerate(case.steps)
        if step.id in active
    ]


def discount_of(step: OpenStep) -> Discount | None:
    """The discount still to be had, as priority weighs it."""
    if step.discount_percent is None or step.discount_until is None:
        return None
    return Discount(step.discount_percent, step.discount_until)


def assignees_for(org: Organisation, user: str, now: datetime) -> list[str]:
    """Every assignee a step may name and still be the user's: the user, whom they stand in for
    now, and the groups of either. A superset: `why` decides."""
    people = [user, *org.principals_of(user, now)]
    groups = [g.id for g in org.groups if any(p in g.members for p in people)]
    return list(dict.fromkeys(people + groups))


def why(
    row: OpenStep, org: Organisation, user: str, now: datetime
) -> tuple[str, str | None] | None:
    """(why, on behalf of whom) the row is the user's, or None: assigned to them (or their
    group), to someone they stand in for, or escalated to them."""
    members = org.members(row.assignee)
    principals = [p for p in org.principals_of(user, now) if p in members]
    if user in members:
        return "assigned", principals[0] if principals else None
    if principals:
        return "substitute", principals[0]
    if row.escalated and row.escalate_to == user:
        return "escalated", None
    return None
