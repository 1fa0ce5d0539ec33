"""Early-payment discounts: read them, and decide whether taking one pays off. Pure: no I/O.

Two sources: the cash discount an invoice states in its payment terms (EHF BT-20,
`cac:PaymentTerms/cbc:Note`, free text), and a supplier's accepted offer in the portal to take a
sliding discount for being paid early ("dynamic discounting"). Either is worth taking only when
the discount is larger than what the money would have earned (or cost) at the tenant's cost of
capital in the days it leaves early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from shared.payment_terms import DAYS_A_YEAR, HUNDRED, DiscountTerms

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Rounded to øre, half up (as the amounts on invoices and in bank files)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DynamicOffer:
    """A supplier's accepted early-payment offer: `percent` off for every `per_days` days paid
    before the due date (`per_days=365` for an annual rate), from `min_days_early` days on, and at
    most `max_percent` in all."""

    percent: Decimal
    per_days: int = 30
    min_days_early: int = 1
    max_percent: Decimal | None = None

    def percent_for(self, days_early: int) -> Decimal:
        """The discount percent for paying `days_early` days before the due date."""
        if days_early < max(self.min_days_early, 1):
            return Decimal(0)
        earned = self.percent * days_early / self.per_days
        return earned if self.max_percent is None else min(earned, self.max_percent)

    def last_day(self, due_date: date) -> date:
        return due_date - timedelta(days=max(self.min_days_early, 1))


Offer = DiscountTerms | DynamicOffer


def target_date(
    offer: Offer, *, issue_date: date | None, due_date: date, earliest: date
) -> date | None:
    """The day an early payment should aim for (on or before it, on a payment day): the last day
    of a cash discount's window; for a sliding offer the day its cap is reached, or `earliest` if
    it has none, since both the discount and the capital cost grow with every day early. None
    when the window is unknown (a cash discount without an issue date)."""
    if isinstance(offer, DiscountTerms):
        return None if issue_date is None else offer.last_day(issue_date)
    if offer.max_percent is None or offer.percent <= 0:
        return min(earliest, offer.last_day(due_date))
    days_to_cap = -(-offer.max_percent * offer.per_days // offer.percent)  # ceiling
    return min(due_date - timedelta(days=int(days_to_cap)), offer.last_day(due_date))


# --- (c) the decision ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscountDecision:
    """Whether to pay early, and the sums behind it (discount, capital cost and gain are those of
    the early payment even when it is not chosen, so the proposal can show why not)."""

    pay_early: bool
    execution_date: date
    days_early: int
    discount: Decimal
    capital_cost: Decimal
    gain: Decimal
    explanation: str
    explanation_nb: str

    @property
    def discount_taken(self) -> Decimal:
        """What comes off the amount paid: the discount if paid early, else nothing."""
        return self.discount if self.pay_early else Decimal(0)


def decide(
    amount: Decimal,
    offer: Offer,
    *,
    issue_date: date | None,
    due_date: date,
    regular_date: date,
    early_date: date,
    cost_of_capital: Decimal,
) -> DiscountDecision:
    """Pay on `early_date` with the discount, or on `regular_date` (when the payment would go
    without a discount, usually the due date moved to a banking day) without it.

    gain = discount - amount * cost_of_capital % * days early / 365, each sum rounded to øre;
    paying early is chosen only for a positive gain and only within the discount's window. For a
    dynamic offer the discount counts the days before the due date; the capital cost always
    counts those before `regular_date`.
    """
    last_day = _last_day(offer, issue_date, due_date)
    if last_day is None or early_date > last_day:
        closed = "unknown (no issue date)" if last_day is None else f"{last_day}"
        return _regular(
            regular_date,
            f"no early payment: the discount window closed on {closed}, "
            f"the earliest payment is {early_date}",
            f"ingen tidlig betaling: rabattfristen var {_nb(closed)}, "
            f"tidligste betaling er {early_date}",
        )
    days_early = max((regular_date - early_date).days, 0)
    if isinstance(offer, DiscountTerms):
        percent = offer.percent
    else:
        percent = offer.percent_for((due_date - early_date).days)
    discount = cents(amount * percent / HUNDRED)
    cost = cents(amount * cost_of_capital / HUNDRED * days_early / DAYS_A_YEAR)
    gain = discount - cost
    sums = (
        f"discount {discount} ({_pct(percent)} %) against {cost} cost of capital "
        f"({_pct(cost_of_capital)} % a year for {days_early} days): gain {gain}"
    )
    sums_nb = (
        f"rabatt {_nb(discount)} ({_nb(_pct(percent))} %) mot {_nb(cost)} i kapitalkostnad "
        f"({_nb(_pct(cost_of_capital))} % per år i {days_early} dager): gevinst {_nb(gain)}"
    )
    if gain > 0:
        return DiscountDecision(
            True,
            early_date,
            days_early,
            discount,
            cost,
            gain,
            f"pay early on {early_date}: {sums}",
            f"betal tidlig {early_date}: {sums_nb}",
        )
    return DiscountDecision(
        False,
        regular_date,
        days_early,
        discount,
        cost,
        gain,
        f"pay on {regular_date}: early payment does not pay off, {sums}",
        f"betal {regular_date}: tidlig betaling lønner seg ikke, {sums_nb}",
    )


def _last_day(offer: Offer, issue_date: date | None, due_date: date) -> date | None:
    if isinstance(offer, DynamicOffer):
        return offer.last_day(due_date)
    return None if issue_date is None else offer.last_day(issue_date)


def _regular(regular_date: date, explanation: str, explanation_nb: str) -> DiscountDecision:
    zero = Decimal("0.00")
    return DiscountDecision(False, regular_date, 0, zero, zero, zero, explanation, explanation_nb)


def _pct(value: Decimal) -> str:
    """A percent without trailing zeros: 2, 1.5, 8.25."""
    return f"{value.normalize():f}"


def _nb(value: object) -> str:
    """Norwegian decimal comma (dates here are ISO, without dots)."""
    return str(value).replace(".", ",")
