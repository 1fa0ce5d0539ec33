"""The finance cockpit's numbers from status rows, the payment book and runs (pure)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.portal.web.metrics import (
    OTHERS,
    Spread,
    approvers,
    cockpit,
    lost_discounts,
    spread,
    window_start,
)

TODAY = date(2026, 11, 26)  # a Thursday


def row(n: int, **values: Any) -> dict[str, Any]:
    return {
        "invoice_id": f"inv-{n}",
        "status": "paid",
        "currency": "NOK",
        "supplier_name": "Nord AS",
        "amount_payable": "1250.00",
        "received_at": "2026-11-23T08:00:00Z",
    } | values


def test_medians_and_90th_percentiles() -> None:
    assert spread([]) == Spread(0, None, None)
    assert spread([3.0]) == Spread(1, 3.0, 3.0)
    assert spread([float(n) for n in range(1, 11)]) == Spread(10, 5.5, 9.0)


def test_volumes_and_touchless_share_per_week_of_receipt() -> None:
    rows = [
        row(1, touchless=True),
        row(2, touchless=True, touched=True),  # a person recoded it
        row(3, touchless=False),
        row(4, received_at="2026-11-16T08:00:00Z", touchless=True),
        row(5, received_at="2026-08-01T08:00:00Z", touchless=True),  # before the window
        row(6),  # not coded yet
    ]
    made = cockpit(rows, TODAY)
    assert made.weeks[-1] == date(2026, 11, 23) and len(made.weeks) == 12
    assert made.received[-2:] == [1, 4] and sum(made.received) == 5
    assert made.touchless_share[-2:] == [100.0, 33.3]
    assert made.touchless == (2, 4) and made.touchless_percent == 50.0


def test_cycle_times_from_receipt_to_approval_and_to_payment() -> None:
    rows = [
        row(1, approved_at="2026-11-24T08:00:00Z", settled_on="2026-11-30"),
        row(2, approved_at="2026-11-23T20:00:00Z"),
        row(3, received_at=None, approved_at="2026-11-24T08:00:00Z"),
    ]
    made = cockpit(rows, TODAY)
    assert made.to_approval == Spread(2, 0.8, 1.0)
    assert made.to_payment == Spread(1, 7.2, 7.2)  # booking day's noon


def test_time_per_approver_from_the_steps_request() -> None:
    rows = [
        row(
            1,
            approval_requested_at={
                "attestation": "2026-11-23T08:00:00Z",
                "budget:*": "2026-11-23T10:00:00Z",
            },
            approvals=[
                {"step": "attestation", "approved_by": "kari", "approved_at": "2026-11-23T10:00:00Z"},
                {"step": "budget:*", "approved_by": "ola", "approved_at": "2026-11-24T10:00:00Z"},
            ],
        ),
        row(
            2,
            approval_requested_at={"attestation": "2026-11-24T08:00:00+00:00"},
            approvals=[
                {"step": "attestation", "approved_by": "kari", "approved_at": "2026-11-24T12:00:00Z"}
            ],
        ),
    ]
    found = [(a.user, a.count, a.median_hours) for a in approvers(rows)]
    assert found == [("ola", 1, 24.0), ("kari", 2, 3.0)]


def test_overdue_and_lost_discounts() -> None:
    rows = [
        row(1, status="posted", due_date="2026-11-20", amount_payable="100.00"),
        row(2, status="awaiting-approval", due_date="2026-11-25", amount_payable="50.50"),
        row(3, status="payment-sent", due_date="2026-11-20"),  # on its way
        row(4, status="rejected", due_date="2026-11-20"),
        row(5, status="posted", due_date="2026-11-26"),  # due today: not late yet
        row(6, status="posted", due_date="2026-11-20", currency="EUR"),
    ]
    assert cockpit(rows, TODAY).overdue == (2, Decimal("150.50"))
    items = [
        {"amount": "10000.00", "issue_date": "2026-11-01", "terms": "2 % rabatt innen 10 dager"},
        {"amount": "500.00", "issue_date": "2026-11-20", "terms": "2 % rabatt innen 10 dager"},
        {"amount": "800.00", "issue_date": "2026-11-01", "terms": "Netto 30 dager"},
        {"amount": "800.00", "issue_date": None, "terms": "2 % rabatt innen 10 dager"},
    ]
    assert lost_discounts(items, TODAY) == (1, Decimal("200.00"))


def test_cost_per_supplier_and_account_per_month_top_five_and_others() -> None:
    rows = [
        row(
            n,
            supplier_name=f"S{n}",
            amount_payable=str(100 * (n + 1)),
            approved_at=f"2026-{11 if n % 2 else 10}-05T08:00:00Z",
            costs={f"6{n}00": str(80 * (n + 1)), "6800": "1"},
        )
        for n in range(7)
    ]
    rows.append(row(9, status="disputed", approved_at="2026-11-05T08:00:00Z", costs={"6800": "9"}))
    rows.append(row(10, approved_at="2026-08-05T08:00:00Z"))  # before the three months
    made = cockpit(rows, TODAY)
    assert made.months == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert list(made.by_supplier) == ["S6", "S5", "S4", "S3", "S2", OTHERS]
    assert made.by_supplier["S5"] == [0, 0, Decimal("600")]
    assert made.by_supplier[OTHERS] == [0, Decimal("100"), Decimal("200")]
    assert list(made.by_account) == ["6600", "6500", "6400", "6300", "6200", OTHERS]
    assert made.by_account[OTHERS] == [0, Decimal("84"), Decimal("163")]  # 6000, 6100, 6800
    assert sum(sum(v) for v in made.by_account.values()) == 80 * 28 + 7


def test_the_liquidity_forecast_counts_each_invoice_once_from_its_best_source() -> None:
    rows = [
        row(1, status="payment-proposed"),
        row(2, status="posted", due_date="2026-12-10"),
        row(3, status="approved", due_date="2026-12-01", amount_payable="300.00"),
        row(4, status="approved", due_date="2026-11-01", amount_payable="40.00"),  # late: today
        row(5, status="paid"),
        row(6, status="approved", due_date="2027-06-01"),  # beyond the forecast
    ]
    run_payments = [
        {"invoice_id": "inv-1", "amount": "1200.00", "execution_date": "2026-11-30", "discount": "50"},
        {"invoice_id": "inv-5", "amount": "999.00", "execution_date": "2026-11-27"},  # settled
    ]
    items = [
        {"invoice_id": "inv-2", "amount": "1250.00", "paid_amount": "0.00", "execution_date": "2026-12-09"},
        {"invoice_id": "inv-7", "amount": "-250.00", "execution_date": "2026-12-09"},  # credit
    ]
    made = cockpit(rows, TODAY, items, run_payments)
    assert len(made.days) == 56 and made.days[0] == TODAY
    out = made.outgoing
    assert out["scheduled"][4] == Decimal("1200.00") and sum(out["scheduled"]) == Decimal("1200.00")
    assert out["planned"][13] == Decimal("1000.00") and sum(out["planned"]) == Decimal("1000.00")
    assert out["approved"][0] == Decimal("40.00") and out["approved"][5] == Decimal("300.00")
    assert sum(out["approved"]) == Decimal("340.00")
    weekly = made.outgoing_per_week()
    assert [len(v) for v in weekly.values()] == [8, 8, 8]
    assert weekly["scheduled"][0] == Decimal("1200.00") and weekly["planned"][1] == 1000
    assert made.week_starts[:2] == [TODAY, TODAY + timedelta(days=7)]
    assert sum(made.outgoing_per_day()) == Decimal("2540.00")
    assert made.discounts_taken == Decimal("50")


def test_the_window_covers_twelve_weeks_and_three_months() -> None:
    assert window_start(TODAY) == date(2026, 9, 1)
    assert window_start(date(2026, 3, 31)) == date(2026, 1, 1)


def test_a_credit_note_lowers_its_suppliers_cost() -> None:
    approved = {"approved_at": "2026-11-05T08:00:00Z", "supplier_name": "S"}
    rows = [
        row(1, amount_payable="1000.00", kind="invoice", **approved),
        row(2, amount_payable="250.00", kind="credit-note", **approved),
    ]
    assert cockpit(rows, TODAY).by_supplier["S"] == [0, 0, Decimal("750.00")]
