"""Norwegian banking days: the days on which a bank executes a NOK credit transfer. Pure: no I/O.

The public holidays (Easter-based days, 1 and 17 May, Ascension, Whit Monday, Christmas) come from
the `holidays` package, so nobody here computes Easter by hand. Banks are closed on more days than
the law lists; those are added below.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# Norwegian banks (and Norges Bank's settlement system) are closed on Christmas Eve and New Year's
# Eve, which are ordinary working days in law and so missing from `holidays`' Norway calendar.
BANK_CLOSED_DAYS = ((12, 24), (12, 31))

_DAY = timedelta(days=1)


@lru_cache(maxsize=32)
def bank_holidays(year: int) -> frozenset[date]:
    """Every weekday-independent closing day of one year: public holidays plus bank-closed days."""
    public = holidays.country_holidays("NO", years=year)
    return frozenset(public) | {date(year, month, day) for month, day in BANK_CLOSED_DAYS}


def is_banking_day(day: date) -> bool:
    """Monday to Friday and neither a Norwegian public holiday nor a bank-closed day."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def previous_banking_day(day: date) -> date:
    """The banking day on or before `day`: where a due date on a closed day moves to."""
    while not is_banking_day(day):
        day -= _DAY
    return day


def next_banking_day(day: date) -> date:
    """The banking day on or after `day` (pass `day + 1 day` for the one strictly after)."""
    while not is_banking_day(day):
        day += _DAY
    return day
