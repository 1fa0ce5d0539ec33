"""The finance cockpit's numbers, from the status projection and the payment service. Pure.

Inputs are what the services give: status rows (`services/audit/projection.py`, with the times
each milestone happened), the payment book's open items (with their planned execution dates) and
the payments of runs not yet settled. Windows are bounded: the last `WEEKS_BACK` weeks, three
calendar months of cost, and the next `DAYS_AHEAD` days of cash going out. Money is `Decimal`;
only NOK counts (the payment service pays NOK only and holds the rest).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.payment_terms import parse_terms

Row = dict[str, Any]
WEEKS_BACK = 12
MONTHS_BACK = 3
DAYS_AHEAD = 56
TOP = 5
"""Suppliers and accounts shown one by one; the rest are summed as "others"."""
OTHERS = ""
ZERO = Decimal("0.00")
STOPPED = ("rejected", "disputed")
UNDER_WAY_TO_BANK = ("payment-proposed", "payment-sent")
SOURCES = ("scheduled", "planned", "approved")
"""Cash going out: in a payment run (execution date), in the payment book (planned execution
date), approved but not yet in the book (due date)."""


@dataclass(frozen=True)
class Spread:
    """How long something took, in days: how many, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Approver:
    user: str
    count: int
    median_hours: float


@dataclass(frozen=True)
class Cockpit:
    today: date
    weeks: list[date]
    """Mondays of the last `WEEKS_BACK` weeks, oldest first."""
    received: list[int]
    touchless_share: list[float | None]
    """Per week of receipt: percent of the coded invoices that needed no person."""
    touchless: tuple[int, int]
    """In the window: (touchless, coded)."""
    to_approval: Spread
    to_payment: Spread
    approvers: list[Approver]
    overdue: tuple[int, Decimal]
    lost_discounts: tuple[int, Decimal]
    discounts_taken: Decimal
    months: list[date]
    """First days of the last `MONTHS_BACK` months, oldest first."""
    by_supplier: dict[str, list[Decimal]]
    """Approved gross amount per supplier and month; `OTHERS` sums the rest."""
    by_account: dict[str, list[Decimal]]
    """Approved net cost per account and month; `OTHERS` sums the rest."""
    days: list[date]
    outgoing: dict[str, list[Decimal]] = field(default_factory=dict)
    """Per source (`SOURCES`), cash going out per day of `days`."""

    @property
    def touchless_percent(self) -> float | None:
        done, coded = self.touchless
        return round(100 * done / coded, 1) if coded else None

    @property
    def week_starts(self) -> list[date]:
        """Mondays of the next weeks of the forecast."""
        return [self.days[0] + timedelta(days=7 * k) for k in range(math.ceil(len(self.days) / 7))]

    def outgoing_per_week(self) -> dict[str, list[Decimal]]:
        return {
            source: [sum(per_day[k : k + 7], ZERO) for k in range(0, len(per_day), 7)]
            for source, per_day in self.outgoing.items()
        }

    def outgoing_per_day(self) -> list[Decimal]:
        return [sum(day, ZERO) for day in zip(*self.outgoing.values(), strict=True)]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def window_start(today: date) -> date:
    """The oldest day the cockpit counts: twelve weeks back, or three months of cost."""
    return min(monday(today) - timedelta(weeks=WEEKS_BACK - 1), month_start(today, MONTHS_BACK - 1))


def spread(values: Iterable[float]) -> Spread:
    ordered = sorted(values)
    if not ordered:
        return Spread(0, None, None)
    rank = math.ceil(0.9 * len(ordered)) - 1  # nearest rank
    return Spread(len(ordered), round(statistics.median(ordered), 1), round(ordered[rank], 1))


def cockpit(
    rows: Sequence[Row],
    today: date,
    open_items: Sequence[Row] = (),
    run_payments: Sequence[Row] = (),
) -> Cockpit:
    """Everything the cockpit shows. `run_payments` are the payments of the runs not cancelled
    (their invoices' rows tell which are settled or failed already)."""
    weeks = [monday(today) - timedelta(weeks=k) for k in range(WEEKS_BACK - 1, -1, -1)]
    months = [month_start(today, k) for k in range(MONTHS_BACK - 1, -1, -1)]
    days = [today + timedelta(days=k) for k in range(DAYS_AHEAD)]
    received = _per_week(rows, weeks)
    return Cockpit(
        today=today,
        weeks=weeks,
        received=[len(r) for r in received],
        touchless_share=[_touchless(r)[2] for r in received],
        touchless=_touchless([r for week in received for r in week])[:2],
        to_approval=spread(
            _days(r["received_at"], r["approved_at"]) for r in rows if _both(r, "approved_at")
        ),
        to_payment=spread(
            _days(r["received_at"], r["settled_on"]) for r in rows if _both(r, "settled_on")
        ),
        approvers=approvers(rows),
        overdue=_overdue(rows, today),
        lost_discounts=lost_discounts(open_items, today),
        discounts_taken=sum((_money(p.get("discount")) for p in run_payments), ZERO),
        months=months,
        by_supplier=_top(_per_month(rows, months, _supplier_amount)),
        by_account=_top(_per_month(rows, months, _account_costs)),
        days=days,
        outgoing=outgoing(rows, open_items, run_payments, days),
    )


# --- volumes and touchless ------------------------------------------------------------------


def _per_week(rows: Sequence[Row], weeks: list[date]) -> list[list[Row]]:
    buckets: list[list[Row]] = [[] for _ in weeks]
    for row in rows:
        moment = _date(row.get("received_at"))
        if moment is None:
            continue
        index = (monday(moment) - weeks[0]).days // 7
        if 0 <= index < len(weeks):
            buckets[index].append(row)
    return buckets


def _touchless(rows: Sequence[Row]) -> tuple[int, int, float | None]:
    coded = [r for r in rows if r.get("touchless") is not None]
    done = sum(1 for r in coded if r.get("touchless") and not r.get("touched"))
    return done, len(coded), (round(100 * done / len(coded), 1) if coded else None)


# --- cycle times ----------------------------------------------------------------------------


def _both(row: Row, end: str) -> bool:
    return bool(row.get("received_at") and row.get(end))


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _days(start: Any, end: Any) -> float:
    """Days between two times; a date alone (the bank's booking date) is that day's noon UTC."""
    first, last = _as_time(start), _as_time(end)
    return max((last - first).total_seconds() / 86400, 0.0)


def _as_time(value: Any) -> datetime:
    moment = _moment(value)
    if moment is not None:
        return moment
    day = date.fromisoformat(str(value)[:10])
    return datetime.fromisoformat(f"{day.isoformat()}T12:00:00+00:00")


def approvers(rows: Sequence[Row]) -> list[Approver]:
    """Per approver: how many steps they approved and the median hours from the step's first
    request to their approval; the slowest first."""
    hours: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        requested = row.get("approval_requested_at") or {}
        for approval in row.get("approvals") or []:
            asked = _moment(requested.get(approval.get("step")))
            done = _moment(approval.get("approved_at"))
            who = approval.get("approved_by")
            if asked and done and who:
                hours[who].append(max((done - asked).total_seconds() / 3600, 0.0))
    found = [Approver(u, len(h), round(statistics.median(h), 1)) for u, h in hours.items()]
    return sorted(found, key=lambda a: (-a.median_hours, a.user))


# --- money ----------------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else ZERO
    except InvalidOperation:
        return ZERO


def _nok(row: Row) -> bool:
    return row.get("currency") in (None, "NOK")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _overdue(rows: Sequence[Row], today: date) -> tuple[int, Decimal]:
    late = [
        r
        for r in rows
        if r.get("status") not in ("paid", *STOPPED, *UNDER_WAY_TO_BANK)
        and _nok(r)
        and (due := _date(r.get("due_date"))) is not None
        and due < today
    ]
    return len(late), sum((_money(r.get("amount_payable")) for r in late), ZERO)


def lost_discounts(open_items: Sequence[Row], today: date) -> tuple[int, Decimal]:
    """Open invoices whose cash-discount window (their payment terms) closed unpaid."""
    count, total = 0, ZERO
    for item in open_items:
        terms = parse_terms(item.get("terms"))
        issued = _date(item.get("issue_date"))
        if terms is None or issued is None or terms.last_day(issued) >= today:
            continue
        count += 1
        total += (_money(item.get("amount")) * terms.percent / 100).quantize(Decimal("0.01"))
    return count, total


def _supplier_amount(row: Row) -> dict[str, Decimal]:
    """A credit note lowers the supplier's cost (its payable amount is stated positive)."""
    name = row.get("supplier_name") or row.get("supplier_orgnr") or "?"
    amount = _money(row.get("amount_payable"))
    sign = -1 if row.get("kind") == "credit-note" else 1
    return {str(name): sign * amount} if _nok(row) else {}


def _account_costs(row: Row) -> dict[str, Decimal]:
    return {a: _money(v) for a, v in (row.get("costs") or {}).items()} if _nok(row) else {}


def _per_month(rows: Sequence[Row], months: list[date], amounts: Any) -> dict[str, list[Decimal]]:
    """What `amounts(row)` gives per key and month of approval."""
    found: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(months))
    for row in rows:
        approved = _date(row.get("approved_at"))
        if approved is None or row.get("status") in STOPPED:
            continue
        start = month_start(approved)
        if start not in months:
            continue
        for key, amount in amounts(row).items():
            found[key][months.index(start)] += amount
    return dict(found)


def _top(per_key: dict[str, list[Decimal]]) -> dict[str, list[Decimal]]:
    """The `TOP` largest keys by their total, largest first, and the rest summed as `OTHERS`."""
    ranked = sorted(per_key.items(), key=lambda kv: (-sum(kv[1], ZERO), kv[0]))
    shown = dict(ranked[:TOP])
    rest = [values for _, values in ranked[TOP:]]
    if rest:
        shown[OTHERS] = [sum(month, ZERO) for month in zip(*rest, strict=True)]
    return shown


# --- liquidity ------------------------------------------------------------------------------


def outgoing(
    rows: Sequence[Row],
    open_items: Sequence[Row],
    run_payments: Sequence[Row],
    days: list[date],
) -> dict[str, list[Decimal]]:
    """Cash going out per day and source. A day already past counts on the first day (it is
    owed now); anything beyond the last day is left out. Each invoice counts once: a payment in
    a run first, then the book, then the approval."""
    per_day = {source: [ZERO] * len(days) for source in SOURCES}
    status = {str(r.get("invoice_id")): r.get("status") for r in rows}
    counted: set[str] = set()

    def add(source: str, invoice_id: str, when: date | None, amount: Decimal) -> None:
        counted.add(invoice_id)
        if when is None:
            return
        index = max((when - days[0]).days, 0)
        if index < len(days):
            per_day[source][index] += amount

    for payment in run_payments:
        invoice_id = str(payment.get("invoice_id"))
        if status.get(invoice_id) in ("paid", "payment-failed"):
            counted.add(invoice_id)
            continue
        when = _date(payment.get("execution_date"))
        add("scheduled", invoice_id, when, _money(payment.get("amount")))
    for item in open_items:
        invoice_id = str(item.get("invoice_id"))
        if invoice_id in counted:
            continue
        owed = _money(item.get("amount")) - _money(item.get("paid_amount"))
        add("planned", invoice_id, _date(item.get("execution_date")), owed)
    for row in rows:
        invoice_id = str(row.get("invoice_id"))
        if invoice_id in counted or row.get("status") not in ("approved", "posted"):
            continue
        if _nok(row):
            add("approved", invoice_id, _date(row.get("due_date")), _money(row["amount_payable"]))
    return per_day
