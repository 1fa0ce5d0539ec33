"""Norwegian banking days: public holidays from `holidays`, plus the days banks close."""

from datetime import date

import pytest

from services.payment.calendar import is_banking_day, next_banking_day, previous_banking_day


@pytest.mark.parametrize(
    "closed",
    [
        date(2027, 1, 1),  # New Year's Day, a Friday
        date(2027, 3, 25),  # Maundy Thursday (Easter Sunday 2027 is 28 March)
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 6),  # Ascension Day
        date(2027, 5, 17),  # Constitution Day and Whit Monday on the same Monday
        date(2026, 5, 14),  # Ascension Day 2026
        date(2026, 5, 25),  # Whit Monday 2026
        date(2026, 5, 1),  # Labour Day, a Friday
        date(2027, 12, 24),  # Christmas Eve: banks closed, not a public holiday
        date(2027, 12, 31),  # New Year's Eve: banks closed, not a public holiday
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2027, 3, 27),  # a Saturday
        date(2027, 3, 28),  # a Sunday
    ],
)
def test_closed_days(closed):
    assert not is_banking_day(closed)


@pytest.mark.parametrize(
    "open_day",
    [
        date(2027, 3, 24),  # Wednesday before Easter
        date(2027, 3, 30),  # Tuesday after Easter
        date(2027, 5, 18),
        date(2027, 12, 23),
        date(2027, 12, 27),  # Monday: Christmas 2027 falls on the weekend
        date(2027, 12, 30),
    ],
)
def test_open_days(open_day):
    assert is_banking_day(open_day)


def test_a_banking_day_is_its_own_previous_and_next():
    day = date(2027, 3, 24)
    assert previous_banking_day(day) == day == next_banking_day(day)


def test_saturday_before_a_holiday_monday_moves_back_to_friday():
    assert previous_banking_day(date(2027, 5, 15)) == date(2027, 5, 14)
    assert next_banking_day(date(2027, 5, 15)) == date(2027, 5, 18)


def test_easter_saturday_moves_back_past_good_friday_and_maundy_thursday():
    assert previous_banking_day(date(2027, 3, 27)) == date(2027, 3, 24)
    assert next_banking_day(date(2027, 3, 27)) == date(2027, 3, 30)


def test_new_year_moves_back_past_new_years_eve():
    assert previous_banking_day(date(2027, 1, 1)) == date(2026, 12, 30)
    assert next_banking_day(date(2027, 12, 31)) == date(2028, 1, 3)


def test_christmas_eve_moves_back_to_the_23rd():
    assert previous_banking_day(date(2027, 12, 24)) == date(2027, 12, 23)
