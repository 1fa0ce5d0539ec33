"""Payment planning: execution dates, and the proposal with netting, holds and discounts."""

from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payment.planning import (
    AppliedCredit,
    CarriedCredit,
    Exclusion,
    Kind,
    PayableItem,
    PaymentSchedule,
    earliest_execution,
    execution_date,
    propose,
)
from shared.payment_terms import DiscountTerms

D = Decimal
NOON = time(12, 0)
DAILY = PaymentSchedule(cutoff=NOON)
MONDAY_MORNING = datetime(2027, 5, 3, 9, 0)  # a Monday, before the cut-off
ACCOUNT = "15030100007"
OTHER_ACCOUNT = "86011117947"


# --- execution dates ----------------------------------------------------------------------------


def test_due_on_a_saturday_before_a_holiday_monday_pays_on_friday():
    assert execution_date(date(2027, 5, 15), MONDAY_MORNING, DAILY) == date(2027, 5, 14)


def test_due_on_easter_saturday_pays_on_the_wednesday_before():
    now = datetime(2027, 3, 1, 9, 0)
    assert execution_date(date(2027, 3, 27), now, DAILY) == date(2027, 3, 24)


def test_due_on_a_banking_day_pays_that_day():
    assert execution_date(date(2027, 5, 12), MONDAY_MORNING, DAILY) == date(2027, 5, 12)


def test_before_the_cut_off_today_is_possible():
    now = datetime(2027, 5, 14, 11, 59)
    assert earliest_execution(now, NOON) == date(2027, 5, 14)
    assert execution_date(date(2027, 5, 15), now, DAILY) == date(2027, 5, 14)


def test_after_the_cut_off_the_next_banking_day_is_the_earliest():
    now = datetime(2027, 5, 14, 12, 0)  # Friday at the cut-off; Monday 17 May is closed
    assert earliest_execution(now, NOON) == date(2027, 5, 18)
    assert execution_date(date(2027, 5, 15), now, DAILY) == date(2027, 5, 18)


def test_on_a_closed_day_the_next_banking_day_is_the_earliest():
    assert earliest_execution(datetime(2027, 3, 26, 8, 0), NOON) == date(2027, 3, 30)


def test_overdue_invoice_pays_at_the_earliest_possible_date():
    assert execution_date(date(2027, 4, 1), MONDAY_MORNING, DAILY) == date(2027, 5, 3)


def test_an_aware_clock_is_read_in_norwegian_time():
    # 09:30 UTC is 11:30 in Oslo in May (CEST): past an 11:00 cut-off
    now = datetime(2027, 5, 14, 9, 30, tzinfo=UTC)
    assert earliest_execution(now, time(11, 0)) == date(2027, 5, 18)
    assert earliest_execution(now.replace(tzinfo=None), time(11, 0)) == date(2027, 5, 14)


def test_weekly_payment_days_take_the_last_one_before_the_due_date():
    tuesdays_thursdays = PaymentSchedule(cutoff=NOON, weekdays=frozenset({1, 3}))
    # due Wednesday 12 May: the last payment day is Tuesday 11 May
    assert execution_date(date(2027, 5, 12), MONDAY_MORNING, tuesdays_thursdays) == date(
        2027, 5, 11
    )


def test_a_payment_day_on_a_holiday_moves_to_the_banking_day_before():
    tuesdays_thursdays = PaymentSchedule(cutoff=NOON, weekdays=frozenset({1, 3}))
    # Thursday 6 May 2027 is Ascension Day: its payments go on Wednesday 5 May
    assert execution_date(date(2027, 5, 10), MONDAY_MORNING, tuesdays_thursdays) == date(2027, 5, 5)


def test_days_of_the_month_past_the_months_end_are_its_last_day():
    month_end = PaymentSchedule(cutoff=NOON, month_days=frozenset({15, 31}))
    now = datetime(2027, 2, 1, 9, 0)
    # 28 February 2027 is a Sunday: the month-end run is on Friday 26 February
    assert execution_date(date(2027, 3, 2), now, month_end) == date(2027, 2, 26)
    assert execution_date(date(2027, 2, 20), now, month_end) == date(2027, 2, 15)


def test_no_payment_day_before_the_due_date_pays_at_the_earliest():
    tuesdays = PaymentSchedule(cutoff=NOON, weekdays=frozenset({1}))
    now = datetime(2027, 5, 5, 9, 0)  # Wednesday; the last Tuesday has passed
    assert execution_date(date(2027, 5, 7), now, tuesdays) == date(2027, 5, 5)


def test_payment_days_are_checked():
    with pytest.raises(ValueError, match="weekdays"):
        PaymentSchedule(cutoff=NOON, weekdays=frozenset({7}))
    with pytest.raises(ValueError, match="days of the month"):
        PaymentSchedule(cutoff=NOON, month_days=frozenset({0}))


# --- the proposal -------------------------------------------------------------------------------

HORIZON = date(2027, 5, 21)


def item(
    invoice_id: str,
    amount: str,
    *,
    supplier: str = "974760673",
    due: date = date(2027, 5, 12),
    currency: str = "NOK",
    account: str = ACCOUNT,
    **changes,
) -> PayableItem:
    return PayableItem(
        invoice_id=invoice_id,
        supplier_id=supplier,
        debtor_account=account,
        creditor_account="86011117947",
        kid=None,
        invoice_number=f"F-{invoice_id}",
        amount=D(amount),
        currency=currency,
        due_date=due,
        **changes,
    )


def plan(*items: PayableItem, cost_of_capital: str = "8"):
    return propose(
        items,
        horizon=HORIZON,
        now=MONDAY_MORNING,
        schedule=DAILY,
        cost_of_capital=D(cost_of_capital),
    )


def amounts(proposal) -> dict[str, Decimal]:
    return {p.invoice_id: p.amount for p in proposal.payments()}


def test_what_is_due_by_the_horizon_is_paid_per_debtor_account():
    proposal = plan(
        item("a", "1000.00", due=date(2027, 5, 15)),
        item("b", "250.50", account=OTHER_ACCOUNT),
        item("later", "99.00", due=date(2027, 6, 30)),
    )
    assert [a.debtor_account for a in proposal.accounts] == [ACCOUNT, OTHER_ACCOUNT]
    [a] = proposal.accounts[0].payments
    assert (a.invoice_id, a.execution_date, a.amount) == ("a", date(2027, 5, 14), D("1000.00"))
    assert proposal.accounts[1].totals() == {"NOK": D("250.50")}
    assert proposal.not_due == ("later",)
    assert proposal.excluded == ()


def test_due_after_the_horizon_but_executed_before_it_is_included():
    # due Sunday 23 May, paid Friday 21 May, the horizon
    proposal = plan(item("a", "10.00", due=date(2027, 5, 23)))
    assert [p.execution_date for p in proposal.payments()] == [date(2027, 5, 21)]


def test_holds_runs_paid_and_settled_items_are_left_out_with_a_reason():
    proposal = plan(
        item("held", "100.00", held_reason="disputed quantity"),
        item("in-run", "100.00", in_run="run-7"),
        item("paid", "100.00", paid=True),
        item("settled", "100.00", paid_amount=D("100.00")),
        item("ok", "100.00"),
        item("ok", "100.00"),
    )
    assert amounts(proposal) == {"ok": D("100.00")}
    reasons = {(e.invoice_id, e.code): e.reason for e in proposal.excluded}
    assert reasons == {
        ("held", Exclusion.HELD): "held: disputed quantity",
        ("in-run", Exclusion.IN_RUN): "already in payment run run-7",
        ("paid", Exclusion.PAID): "already paid",
        ("settled", Exclusion.NOTHING_OPEN): "nothing left open after partial payments",
        ("ok", Exclusion.DUPLICATE): "listed twice: only the first is proposed",
    }


def test_partial_payment_pays_only_the_remainder():
    proposal = plan(item("a", "1000.00", paid_amount=D("400.00")))
    [payment] = proposal.payments()
    assert (payment.open_amount, payment.amount) == (D("600.00"), D("600.00"))


def test_amounts_with_more_than_two_decimals_are_refused():
    with pytest.raises(ValueError, match="2 decimals"):
        item("a", "10.005")


def test_credit_note_smaller_than_the_invoice_reduces_it():
    proposal = plan(item("inv", "1000.00"), item("cn", "-300.00"))
    [payment] = proposal.payments()
    assert payment.amount == D("700.00")
    assert payment.credits == (AppliedCredit("cn", "inv", D("300.00")),)
    assert proposal.carried_forward == ()
    assert item("cn", "-300.00").kind is Kind.CREDIT_NOTE


def test_credit_note_equal_to_the_invoice_settles_it_without_a_payment():
    proposal = plan(item("inv", "1000.00"), item("cn", "-1000.00"))
    [account] = proposal.accounts
    assert account.payments == ()
    [settled] = account.settled_by_credit
    assert (settled.invoice_id, settled.amount) == ("inv", D("0.00"))
    assert settled.credits == (AppliedCredit("cn", "inv", D("1000.00")),)
    assert proposal.carried_forward == ()


def test_credit_note_larger_than_the_invoices_is_carried_forward_not_paid_out():
    proposal = plan(item("inv", "1000.00"), item("cn", "-1500.00"))
    assert list(proposal.payments()) == []
    assert proposal.carried_forward == (
        CarriedCredit("cn", "974760673", "NOK", D("1500.00"), D("1000.00"), D("500.00")),
    )


def test_credit_note_spreads_over_invoices_earliest_payment_first():
    proposal = plan(
        item("late", "1000.00", due=date(2027, 5, 20)),
        item("early", "400.00", due=date(2027, 5, 10)),
        item("cn", "-600.00"),
    )
    assert amounts(proposal) == {"late": D("800.00")}
    [account] = proposal.accounts
    assert [p.invoice_id for p in account.settled_by_credit] == ["early"]
    applied = [c for p in (*account.payments, *account.settled_by_credit) for c in p.credits]
    assert sorted(applied, key=lambda c: c.invoice_id) == [
        AppliedCredit("cn", "early", D("400.00")),
        AppliedCredit("cn", "late", D("200.00")),
    ]


def test_credit_notes_of_another_supplier_or_currency_are_not_netted():
    proposal = plan(
        item("inv", "1000.00"),
        item("cn-other-supplier", "-300.00", supplier="910747711"),
        item("cn-eur", "-100.00", currency="EUR"),
    )
    assert amounts(proposal) == {"inv": D("1000.00")}
    assert {(c.credit_note_id, c.remaining) for c in proposal.carried_forward} == {
        ("cn-other-supplier", D("300.00")),
        ("cn-eur", D("100.00")),
    }


def test_held_or_partly_used_credit_notes():
    proposal = plan(
        item("inv", "1000.00"),
        item("cn-held", "-300.00", held_reason="not agreed"),
        item("cn-used", "-300.00", paid_amount=D("100.00")),
    )
    assert amounts(proposal) == {"inv": D("800.00")}
    assert [e.invoice_id for e in proposal.excluded] == ["cn-held"]


def test_credit_note_beyond_the_horizon_still_nets():
    proposal = plan(item("inv", "1000.00"), item("cn", "-100.00", due=date(2027, 9, 1)))
    assert amounts(proposal) == {"inv": D("900.00")}


def test_an_early_payment_discount_that_pays_off_is_taken_and_shown():
    terms = DiscountTerms(D(2), 10, 30)
    proposal = plan(
        item(
            "a",
            "10000.00",
            due=date(2027, 5, 31),  # beyond the horizon, but paid early within it
            issue_date=date(2027, 5, 1),
            discount=terms,
        )
    )
    [payment] = proposal.payments()
    # window ends Tuesday 11 May; regular payment Monday 31 May: 20 days early
    assert payment.execution_date == date(2027, 5, 11)
    assert (payment.discount, payment.amount, payment.gain) == (
        D("200.00"),
        D("9800.00"),
        D("156.16"),
    )
    assert payment.decision is not None and payment.decision.capital_cost == D("43.84")
    assert proposal.gains() == {"NOK": D("156.16")}


def test_an_early_payment_discount_that_does_not_pay_off_waits_for_the_due_date():
    terms = DiscountTerms(D("0.1"), 10, 30)
    proposal = plan(
        item("a", "10000.00", due=date(2027, 5, 31), issue_date=date(2027, 5, 1), discount=terms)
    )
    assert list(proposal.payments()) == []
    assert proposal.not_due == ("a",)


def test_a_closed_discount_window_pays_in_full_on_the_due_date():
    terms = DiscountTerms(D(2), 10, 30)
    proposal = plan(
        item("a", "10000.00", due=date(2027, 5, 12), issue_date=date(2027, 4, 12), discount=terms)
    )
    [payment] = proposal.payments()
    assert (payment.execution_date, payment.amount, payment.gain) == (
        date(2027, 5, 12),
        D("10000.00"),
        D("0.00"),
    )


def test_discount_and_credit_note_together():
    terms = DiscountTerms(D(2), 10, 30)
    proposal = plan(
        item("a", "10000.00", due=date(2027, 5, 31), issue_date=date(2027, 5, 1), discount=terms),
        item("cn", "-1000.00"),
    )
    assert amounts(proposal) == {"a": D("8800.00")}


# --- netting as a property ----------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10_000_00).map(lambda c: D(c).scaleb(-2))
items_strategy = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["NOK", "EUR"]),
        st.booleans(),  # a credit note?
        cents,
        st.integers(min_value=0, max_value=40),  # due this many days after 1 May
    ),
    max_size=12,
)


@given(items_strategy)
def test_payments_and_carried_credit_add_up_to_the_open_amounts(rows):
    listed = [
        item(
            f"i{n}",
            str(-amount if credit else amount),
            supplier=supplier,
            currency=currency,
            due=date.fromordinal(date(2027, 5, 1).toordinal() + days),
        )
        for n, (supplier, currency, credit, amount, days) in enumerate(rows)
    ]
    proposal = plan(*listed)
    included = {
        p.invoice_id for a in proposal.accounts for p in (*a.payments, *a.settled_by_credit)
    }
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for i in listed:
        if i.kind is Kind.CREDIT_NOTE or i.invoice_id in included:
            expected[i.supplier_id, i.currency] += i.amount
    actual: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for payment in proposal.payments():
        assert payment.amount > 0
        actual[payment.supplier_id, payment.currency] += payment.amount
    for carried in proposal.carried_forward:
        assert 0 < carried.remaining <= carried.open_amount
        actual[carried.supplier_id, carried.currency] -= carried.remaining
    assert {k: v for k, v in actual.items() if v} == {k: v for k, v in expected.items() if v}
    for payment in proposal.payments():
        assert payment.amount == payment.open_amount - sum(c.amount for c in payment.credits)
