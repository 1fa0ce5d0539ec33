"""Early-payment discounts: the payment terms' text, sliding offers, and the decision."""

from datetime import date
from decimal import Decimal

import pytest

from services.payment.discount import DynamicOffer, decide, target_date
from shared.payment_terms import DiscountTerms, parse_terms

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 % rabatt ved betaling innen 10 dager, netto 30 dager", DiscountTerms(D(2), 10, 30)),
        ("2/10 netto 30", DiscountTerms(D(2), 10, 30)),
        ("2/10 n/30", DiscountTerms(D(2), 10, 30)),
        ("2% 10 days, net 30", DiscountTerms(D(2), 10, 30)),
        ("Skonto 3% innen 8 dager", DiscountTerms(D(3), 8, None)),
        ("2% discount if paid within 10 days, net 30 days", DiscountTerms(D(2), 10, 30)),
        ("2% discount within 10 days net 30 days", DiscountTerms(D(2), 10, 30)),
        ("1,5 % kontantrabatt ved betaling innen 14 dager", DiscountTerms(D("1.5"), 14, None)),
        (
            "Kontantrabatt 2,5 % ved betaling innen 7 dager. 30 dager netto",
            DiscountTerms(D("2.5"), 7, 30),
        ),
        ("#SKONTO#TAGE=14#PROZENT=2.00#", DiscountTerms(D(2), 14, None)),
        (
            "2 % rabatt ved betaling innen 10 dager, netto 30 dager. "
            "Ved for sen betaling påløper forsinkelsesrente 12,5 %.",
            DiscountTerms(D(2), 10, 30),
        ),
    ],
)
def test_discount_terms_are_read(text, expected):
    terms = parse_terms(text)
    assert terms == expected
    assert terms is not None and terms.percent == expected.percent


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Netto 30 dager",
        "30 dager netto",
        "Forsinkelsesrente 10,5 % p.a.",
        "Ingen rabatt",
        "2 % rabatt",  # no window
        "2% 10 days",  # a percent for days, but nothing says it is a discount
        "2 % rabatt ved betaling innen 10 dager etter mottak",  # counted from receipt
        "2 % rabatt ved betaling 10 dager før forfall",  # counted back from the due date
        "3% within 5 days or 2% within 10 days, net 30",  # two tiers
        "2/10 eller 3/5 netto 30",  # two tiers, slash form
        "2 % rabatt gis ikke ved betaling innen 10 dager",  # negated
        "Kontantrabatt 2 %, innen 10 dager",  # the window in another clause: not guessed at
        "2% discount within 30 days, net 10",  # window longer than the net term
        "1/10",  # a date as well as a discount
        "2% 10 days EOM, net 30",
    ],
)
def test_unclear_or_absent_discounts_give_none(text):
    assert parse_terms(text) is None


TERMS = DiscountTerms(D(2), 10, 30)
ISSUED = date(2027, 3, 1)
DUE = date(2027, 3, 31)


def weigh(amount, offer, early, *, cost="8", issued=ISSUED, due=DUE, regular=None):
    return decide(
        D(amount),
        offer,
        issue_date=issued,
        due_date=due,
        regular_date=regular or due,
        early_date=early,
        cost_of_capital=D(cost),
    )


def test_two_ten_net_thirty_pays_off_at_eight_percent():
    decision = weigh("10000.00", TERMS, date(2027, 3, 11))
    # 10,000 x 8 % x 20 / 365 = 43.8356... -> 43.84
    assert decision.pay_early
    assert decision.execution_date == date(2027, 3, 11)
    assert decision.days_early == 20
    assert (decision.discount, decision.capital_cost, decision.gain) == (
        D("200.00"),
        D("43.84"),
        D("156.16"),
    )
    assert decision.discount_taken == D("200.00")
    assert "gain 156.16" in decision.explanation
    assert "gevinst 156,16" in decision.explanation_nb


def test_a_tenth_of_a_percent_for_twenty_days_does_not_pay_off_at_eight_percent():
    decision = weigh("10000.00", DiscountTerms(D("0.1"), 10, 30), date(2027, 3, 11))
    assert not decision.pay_early
    assert decision.execution_date == DUE
    assert (decision.discount, decision.capital_cost, decision.gain) == (
        D("10.00"),
        D("43.84"),
        D("-33.84"),
    )
    assert decision.discount_taken == 0
    assert "does not pay off" in decision.explanation


def test_break_even_is_not_worth_paying_early():
    # 50,000 x 7.3 % x 10 / 365 = 100.00, and 0.2 % of 50,000 = 100.00
    decision = weigh("50000.00", DiscountTerms(D("0.2"), 20, 30), date(2027, 3, 21), cost="7.3")
    assert (decision.gain, decision.pay_early) == (D("0.00"), False)


def test_the_regular_date_not_the_due_date_counts_for_the_capital_cost():
    decision = weigh(
        "10000.00",
        TERMS,
        date(2027, 3, 11),
        due=date(2027, 3, 28),  # Easter Sunday: regular payment on Wednesday 24 March
        regular=date(2027, 3, 24),
    )
    # 10,000 x 8 % x 13 / 365 = 28.4931... -> 28.49
    assert (decision.days_early, decision.capital_cost, decision.gain) == (
        13,
        D("28.49"),
        D("171.51"),
    )


def test_the_window_closes():
    decision = weigh("10000.00", TERMS, date(2027, 3, 12), cost="0")
    assert not decision.pay_early
    assert decision.execution_date == DUE
    assert decision.gain == decision.discount == 0
    assert "closed on 2027-03-11" in decision.explanation


def test_no_issue_date_means_no_known_window():
    decision = weigh("10000.00", TERMS, date(2027, 3, 2), issued=None)
    assert not decision.pay_early


def test_the_last_day_of_the_window_still_earns_the_discount():
    assert TERMS.last_day(ISSUED) == date(2027, 3, 11)


OFFER = DynamicOffer(D(1), per_days=30, min_days_early=5)


def test_sliding_offer_pays_off_above_the_cost_of_capital():
    decision = weigh("100000.00", OFFER, date(2027, 5, 31), issued=None, due=date(2027, 6, 30))
    # 1 % per 30 days for 30 days = 1,000.00; 100,000 x 8 % x 30 / 365 = 657.53
    assert decision.pay_early
    assert (decision.discount, decision.capital_cost, decision.gain) == (
        D("1000.00"),
        D("657.53"),
        D("342.47"),
    )


def test_sliding_annual_rate_below_the_cost_of_capital_does_not_pay_off():
    decision = weigh(
        "100000.00",
        DynamicOffer(D(6), per_days=365),
        date(2027, 5, 31),
        issued=None,
        due=date(2027, 6, 30),
    )
    # 100,000 x 6 % x 30 / 365 = 493.15
    assert not decision.pay_early
    assert (decision.discount, decision.gain) == (D("493.15"), D("-164.38"))


def test_sliding_offer_needs_its_minimum_days_early():
    decision = weigh(
        "100000.00", OFFER, date(2027, 6, 27), cost="0", issued=None, due=date(2027, 6, 30)
    )
    assert not decision.pay_early
    assert "closed on 2027-06-25" in decision.explanation


def test_sliding_offer_percent_and_cap():
    capped = DynamicOffer(D(1), per_days=30, max_percent=D(2))
    assert capped.percent_for(15) == D("0.5")
    assert capped.percent_for(90) == D(2)
    assert OFFER.percent_for(4) == 0


def test_target_dates():
    earliest = date(2027, 5, 3)
    assert target_date(TERMS, issue_date=ISSUED, due_date=DUE, earliest=earliest) == date(
        2027, 3, 11
    )
    assert target_date(TERMS, issue_date=None, due_date=DUE, earliest=earliest) is None
    due = date(2027, 8, 31)
    assert target_date(OFFER, issue_date=None, due_date=due, earliest=earliest) == earliest
    capped = DynamicOffer(D(1), per_days=30, max_percent=D(2))
    # the cap (2 %) is reached 60 days early: no point in paying earlier than that
    assert target_date(capped, issue_date=None, due_date=due, earliest=earliest) == date(2027, 7, 2)
