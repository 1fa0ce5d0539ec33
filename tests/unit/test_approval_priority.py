from datetime import date
from decimal import Decimal

from services.approval.reminders import Discount, priority
from tests.unit.approval_org import T0, summary

TODAY = T0.date()  # 2026-03-02


def test_overdue_first_then_a_discount_about_to_be_lost_then_due_soon():
    overdue = priority(summary(due_date=date(2026, 3, 1)), T0)
    discount = priority(summary(), T0, Discount(Decimal("2"), date(2026, 3, 4)))
    soon = priority(summary(due_date=date(2026, 3, 6)), T0)
    normal = priority(summary(), T0)
    assert [p.level for p in (overdue, discount, soon, normal)] == [
        "overdue",
        "discount",
        "due-soon",
        "normal",
    ]
    assert discount.at_stake == Decimal("250.00") and discount.deadline == date(2026, 3, 4)
    ranked = sorted([normal, soon, discount, overdue], key=lambda p: p.sort_key)
    assert ranked == [overdue, discount, soon, normal]


def test_a_lost_discount_no_longer_counts_and_a_later_one_sets_the_deadline():
    assert priority(summary(), T0, Discount(Decimal("2"), date(2026, 3, 1))).at_stake == 0
    later = priority(summary(), T0, Discount(Decimal("2"), date(2026, 3, 20)))
    assert (later.level, later.deadline) == ("normal", date(2026, 3, 20))
