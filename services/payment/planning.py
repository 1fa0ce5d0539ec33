"""Payment planning: when each invoice is paid, and the payment proposal. Pure: no I/O.

An invoice is paid as late as the tenant's payment days allow without paying late (money stays
with the tenant until it is owed), unless an early-payment discount makes paying earlier worth
more. A proposal gathers what is to be executed by its horizon per debtor account, nets each
supplier's credit notes against that supplier's invoices, and says for every open item left out
why it was left out.
"""

from __future__ import annotations

import calendar as month_calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.payment.calendar import is_banking_day, next_banking_day, previous_banking_day
from services.payment.discount import CENT, DiscountDecision, Offer, decide, target_date

OSLO = ZoneInfo("Europe/Oslo")
ZERO = Decimal("0.00")
_DAY = timedelta(days=1)
_LOOK_BACK = 370
"""How far back a tenant's payment day is searched before the earliest execution date wins."""


# --- scheduling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSchedule:
    """A tenant's payment days and the bank's cut-off for same-day execution.

    `weekdays` (0 = Monday) and `month_days` (1..31; a day past the month's end is its last day)
    together name the days the tenant pays on; both empty means every banking day. A payment day
    that falls on a closed day moves to the banking day before it, as a due date does.
    """

    cutoff: time
    weekdays: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not self.weekdays <= set(range(7)) or not self.month_days <= set(range(1, 32)):
            raise ValueError("weekdays are 0..6 and days of the month 1..31")

    def is_payment_day(self, day: date) -> bool:
        """Whether `day` is a banking day on which the tenant pays (a named day or moved there)."""
        if not is_banking_day(day):
            return False
        if not self.weekdays and not self.month_days:
            return True
        after = day + _DAY
        while not is_banking_day(after):  # named days on the closed days after `day` move to it
            if self._named(after):
                return True
            after += _DAY
        return self._named(day)

    def _named(self, day: date) -> bool:
        last = month_calendar.monthrange(day.year, day.month)[1]
        return day.weekday() in self.weekdays or any(
            min(named, last) == day.day for named in self.month_days
        )


def earliest_execution(now: datetime, cutoff: time) -> date:
    """Today if it is a banking day and the cut-off has not passed, else the next banking day.

    `now` is the clock; an aware time is read in Norwegian time, a naive one is taken as such.
    """
    local = now.astimezone(OSLO) if now.tzinfo is not None else now
    today = local.date()
    if is_banking_day(today) and local.time() < cutoff:
        return today
    return next_banking_day(today + _DAY)


def latest_payment_day(schedule: PaymentSchedule, on_or_before: date, earliest: date) -> date:
    """The tenant's last payment day on or before a date, but never before `earliest`."""
    day = previous_banking_day(on_or_before)
    for _ in range(_LOOK_BACK):
        if day < earliest:
            break
        if schedule.is_payment_day(day):
            return day
        day = previous_banking_day(day - _DAY)
    return earliest


def execution_date(due_date: date, now: datetime, schedule: PaymentSchedule) -> date:
    """When to pay an invoice due on `due_date`: the latest payment day on or before it, but not
    before the earliest possible execution; an overdue invoice pays at the earliest possible date.
    """
    return latest_payment_day(schedule, due_date, earliest_execution(now, schedule.cutoff))


# --- the proposal -------------------------------------------------------------------------------


class Kind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"


@dataclass(frozen=True)
class InvoiceRef:
    """Which invoice is paid, from which account, to whom: what an item and its payment share."""

    invoice_id: str
    supplier_id: str
    """The supplier's organisation number (or another stable id): credit notes net per supplier."""
    debtor_account: str
    creditor_account: str
    kid: str | None
    invoice_number: str | None
    currency: str
    due_date: date

    def ref(self) -> dict[str, Any]:
        """These fields by name, to carry them over to another kind of record."""
        return {f.name: getattr(self, f.name) for f in fields(InvoiceRef)}


@dataclass(frozen=True)
class PayableItem(InvoiceRef):
    """An approved and posted invoice or credit note as the payment service knows it.

    `amount` is the document's amount: positive owed on an invoice, negative on a credit note.
    `paid_amount` is how much of it is settled already (partial payments, or credit already used),
    as a positive sum.
    """

    amount: Decimal
    issue_date: date | None = None
    held_reason: str | None = None
    paid_amount: Decimal = ZERO
    in_run: str | None = None
    paid: bool = False
    discount: Offer | None = None

    def __post_init__(self) -> None:
        for name in ("amount", "paid_amount"):
            value = getattr(self, name)
            if not value.is_finite() or value != value.quantize(CENT):
                raise ValueError(f"{self.invoice_id}: {name} {value} must have at most 2 decimals")
        if self.paid_amount < 0:
            raise ValueError(f"{self.invoice_id}: paid_amount must not be negative")

    @property
    def kind(self) -> Kind:
        return Kind.CREDIT_NOTE if self.amount < 0 else Kind.INVOICE

    @property
    def open_amount(self) -> Decimal:
        """What is still open, positive for both kinds: owed on an invoice, to use on a credit."""
        return max(abs(self.amount) - self.paid_amount, ZERO).quantize(CENT)


@dataclass(frozen=True)
class AppliedCredit:
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    """Positive: how much of the credit note reduces the invoice's payment."""


@dataclass(frozen=True)
class PlannedPayment(InvoiceRef):
    """One invoice's payment: `amount` = `open_amount` - `discount` - the credits applied."""

    execution_date: date
    open_amount: Decimal
    discount: Decimal
    credits: tuple[AppliedCredit, ...]
    amount: Decimal
    decision: DiscountDecision | None = None
    """The early-payment weighing, where the invoice had a discount to weigh."""

    @property
    def gain(self) -> Decimal:
        """The net gain of paying early (zero when paid on the regular date)."""
        return self.decision.gain if self.decision and self.decision.pay_early else ZERO


@dataclass(frozen=True)
class CarriedCredit:
    """A credit note's remainder that no invoice in this proposal could absorb: never paid out,
    kept for the supplier's next invoices."""

    credit_note_id: str
    supplier_id: str
    currency: str
    open_amount: Decimal
    applied: Decimal
    remaining: Decimal


class Exclusion(StrEnum):
    HELD = "held"
    IN_RUN = "in-run"
    PAID = "paid"
    NOTHING_OPEN = "nothing-open"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Excluded:
    invoice_id: str
    code: Exclusion
    reason: str


@dataclass(frozen=True)
class AccountPlan:
    """What one debtor account pays: the bank payments, and the invoices settled by credit alone
    (amount 0, no bank payment, but settled in the same run)."""

    debtor_account: str
    payments: tuple[PlannedPayment, ...]
    settled_by_credit: tuple[PlannedPayment, ...] = ()

    def totals(self) -> dict[str, Decimal]:
        """The sum of the payments per currency."""
        return _sum_by_currency(self.payments)


@dataclass(frozen=True)
class Proposal:
    horizon: date
    accounts: tuple[AccountPlan, ...]
    carried_forward: tuple[CarriedCredit, ...]
    excluded: tuple[Excluded, ...]
    not_due: tuple[str, ...] = field(default=())
    """Invoice ids open but to be paid after the horizon: not in this proposal."""

    def payments(self) -> Iterator[PlannedPayment]:
        for account in self.accounts:
            yield from account.payments

    def gains(self) -> dict[str, Decimal]:
        """What paying early gains, per currency."""
        gains: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for account in self.accounts:
            for payment in account.payments:
                gains[payment.currency] += payment.gain
        return dict(gains)


def propose(
    items: Iterable[PayableItem],
    *,
    horizon: date,
    now: datetime,
    schedule: PaymentSchedule,
    cost_of_capital: Decimal,
) -> Proposal:
    """The payment proposal for everything to be executed by `horizon` (or due by then).

    Held items, items in another run, paid items and those with nothing left open are left out
    with a reason. Each invoice is scheduled (`execution_date`), paid early where its discount
    pays off at `cost_of_capital` (annual percent), and only its open remainder is paid. Each
    supplier's open credit notes (same currency) then reduce its invoices in this proposal,
    the oldest credit against the earliest payment first; what is left of a credit is carried
    forward, never paid out.
    """
    earliest = earliest_execution(now, schedule.cutoff)
    excluded: list[Excluded] = []
    invoices: list[PlannedPayment] = []
    credits: list[PayableItem] = []
    not_due: list[str] = []
    for item in _eligible(items, excluded):
        if item.kind is Kind.CREDIT_NOTE:
            credits.append(item)
            continue
        planned = _plan(item, earliest, schedule, cost_of_capital)
        if planned.execution_date <= horizon or item.due_date <= horizon:
            invoices.append(planned)
        else:
            not_due.append(item.invoice_id)
    netted, carried = _net(invoices, credits)
    return Proposal(
        horizon=horizon,
        accounts=_by_account(netted),
        carried_forward=tuple(carried),
        excluded=tuple(excluded),
        not_due=tuple(not_due),
    )


def _eligible(items: Iterable[PayableItem], excluded: list[Excluded]) -> Iterator[PayableItem]:
    seen: set[str] = set()
    for item in items:
        reason = _exclusion(item, seen)
        seen.add(item.invoice_id)
        if reason is None:
            yield item
        else:
            excluded.append(Excluded(item.invoice_id, *reason))


def _exclusion(item: PayableItem, seen: set[str]) -> tuple[Exclusion, str] | None:
    if item.invoice_id in seen:
        return Exclusion.DUPLICATE, "listed twice: only the first is proposed"
    if item.paid:
        return Exclusion.PAID, "already paid"
    if item.in_run is not None:
        return Exclusion.IN_RUN, f"already in payment run {item.in_run}"
    if item.held_reason is not None:
        return Exclusion.HELD, f"held: {item.held_reason}"
    if item.open_amount == 0:
        return Exclusion.NOTHING_OPEN, "nothing left open after partial payments"
    return None


def _plan(
    item: PayableItem, earliest: date, schedule: PaymentSchedule, cost_of_capital: Decimal
) -> PlannedPayment:
    regular = latest_payment_day(schedule, item.due_date, earliest)
    decision = None
    if item.discount is not None and item.paid_amount == 0:
        target = target_date(
            item.discount, issue_date=item.issue_date, due_date=item.due_date, earliest=earliest
        )
        early = regular if target is None else latest_payment_day(schedule, target, earliest)
        decision = decide(
            item.open_amount,
            item.discount,
            issue_date=item.issue_date,
            due_date=item.due_date,
            regular_date=regular,
            early_date=min(early, regular),
            cost_of_capital=cost_of_capital,
        )
    discount = decision.discount_taken if decision else ZERO
    return PlannedPayment(
        **item.ref(),
        execution_date=decision.execution_date if decision else regular,
        open_amount=item.open_amount,
        discount=discount,
        credits=(),
        amount=item.open_amount - discount,
        decision=decision,
    )


def _net(
    invoices: list[PlannedPayment], credits: list[PayableItem]
) -> tuple[list[PlannedPayment], list[CarriedCredit]]:
    """Each supplier's credit notes against its invoices in the same currency."""
    by_key: dict[tuple[str, str], list[PlannedPayment]] = defaultdict(list)
    for payment in invoices:
        by_key[payment.supplier_id, payment.currency].append(payment)
    for group in by_key.values():
        group.sort(key=lambda p: (p.execution_date, p.due_date, p.invoice_id))
    carried: list[CarriedCredit] = []
    for credit in sorted(credits, key=lambda c: (c.issue_date or c.due_date, c.invoice_id)):
        group = by_key.get((credit.supplier_id, credit.currency), [])
        left = credit.open_amount
        for index, payment in enumerate(group):
            use = min(left, payment.amount)
            if use <= 0:
                continue
            applied = AppliedCredit(credit.invoice_id, payment.invoice_id, use)
            group[index] = replace(
                payment, credits=(*payment.credits, applied), amount=payment.amount - use
            )
            left -= use
        if left > 0:
            carried.append(
                CarriedCredit(
                    credit.invoice_id,
                    credit.supplier_id,
                    credit.currency,
                    credit.open_amount,
                    credit.open_amount - left,
                    left,
                )
            )
    return [p for group in by_key.values() for p in group], carried


def _by_account(payments: list[PlannedPayment]) -> tuple[AccountPlan, ...]:
    accounts: dict[str, list[PlannedPayment]] = defaultdict(list)
    for payment in payments:
        accounts[payment.debtor_account].append(payment)
    plans = []
    for account in sorted(accounts):
        ordered = sorted(accounts[account], key=lambda p: (p.execution_date, p.invoice_id))
        plans.append(
            AccountPlan(
                account,
                tuple(p for p in ordered if p.amount > 0),
                tuple(p for p in ordered if p.amount == 0),
            )
        )
    return tuple(plans)


def _sum_by_currency(payments: Iterable[PlannedPayment]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for payment in payments:
        totals[payment.currency] += payment.amount
    return dict(totals)
