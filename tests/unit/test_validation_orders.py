"""Purchase orders and receipts: input (JSON, CSV), the order aggregate, the tenant policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.validation.order_input import (
    InputError,
    orders_from_csv,
    orders_from_json,
    receipts_from_csv,
    receipts_from_json,
)
from services.validation.orders import OrderConflict, PurchaseOrder, order_id
from services.validation.policy import (
    Policy,
    PolicyRefused,
    apply_rule_flags,
    check_rule_flags,
)
from shared.schemas.events import Finding, Severity

ORDERS_CSV = """order_number;supplier_orgnr;owner;currency;order_date;line_id;description;quantity;unit_price
PO-1;974760673;kari;NOK;2026-11-01;1;Kopipapir A4;10;100,50
PO-1;974760673;kari;NOK;2026-11-01;2;Toner svart;2;1 250,00
PO-2;923 609 016;ola;NOK;2026-11-02;1;Arbeid;7,5;950
"""

RECEIPTS_CSV = """receipt_number,order_number,received_on,line_id,quantity
GR-1,PO-1,2026-11-10,1,6
GR-1,PO-1,2026-11-10,2,2
GR-2,PO-1,2026-11-12,1,4
"""


def test_orders_from_csv_group_rows_and_read_norwegian_numbers() -> None:
    orders = orders_from_csv(ORDERS_CSV)
    assert [o.order_number for o in orders] == ["PO-1", "PO-2"]
    first = orders[0]
    assert [(line.line_id, line.quantity, line.unit_price) for line in first.lines] == [
        ("1", Decimal("10"), Decimal("100.50")),
        ("2", Decimal("2"), Decimal("1250.00")),
    ]
    assert orders[1].supplier_orgnr == "923609016"
    event = first.event("t1", "anne")
    assert (event.owner, event.registered_by, event.order_id) == (
        "kari",
        "anne",
        order_id("t1", "PO-1"),
    )


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        ("order_number,supplier_orgnr\nPO-1,974760673\n", "lacks the column(s) owner"),
        (ORDERS_CSV.replace("100,50", "mye"), "row 2: unit_price .mye. is not a number"),
        (
            ORDERS_CSV.replace(
                "PO-1;974760673;kari;NOK;2026-11-01;2", "PO-1;974760673;per;NOK;2026-11-01;2"
            ),
            "row 3: owner",
        ),
        (ORDERS_CSV.replace("974760673", "974760674"), "not a valid Norwegian organisation number"),
        (ORDERS_CSV.splitlines()[0] + "\n", "no rows"),
        (ORDERS_CSV.replace(";2;Toner", ";1;Toner"), "line ids repeated: 1"),
    ],
)
def test_bad_csv_says_where(csv_text: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        orders_from_csv(csv_text)


def test_receipts_from_csv_and_json() -> None:
    receipts = receipts_from_csv(RECEIPTS_CSV)
    assert [(r.receipt_number, len(r.lines)) for r in receipts] == [("GR-1", 2), ("GR-2", 1)]
    single = receipts_from_json(
        {
            "receipt_number": "GR-3",
            "order_number": "PO-1",
            "received_on": "2026-11-13",
            "lines": [{"line_id": "1", "quantity": "1"}],
        }
    )
    assert single[0].event("t1", "kari").received_by == "kari"
    with pytest.raises(InputError, match="receipt 1: lines"):
        receipts_from_json(
            {"receipt_number": "x", "order_number": "y", "received_on": "2026-11-13"}
        )


def test_orders_from_json_one_or_many() -> None:
    order = {
        "order_number": "PO-7",
        "supplier_orgnr": "974760673",
        "lines": [{"line_id": "1", "quantity": "1", "unit_price": "10"}],
    }
    assert len(orders_from_json(order)) == 1
    assert len(orders_from_json({"orders": [order, order | {"order_number": "PO-8"}]})) == 2
    with pytest.raises(InputError, match="unit_price"):
        orders_from_json(order | {"lines": [{"line_id": "1", "quantity": "1"}]})
    with pytest.raises(InputError, match="non-empty list"):
        orders_from_json({"orders": []})


def _order(aggregate: PurchaseOrder) -> None:
    body = (
        orders_from_csv(ORDERS_CSV)[0]
        .event("t1", "anne")
        .model_dump(mode="json", exclude={"tenant_id", "order_id"})
    )
    assert aggregate.register(body, {})


def test_order_aggregate_is_idempotent_and_keeps_counts() -> None:
    po = PurchaseOrder(tenant_id="t1", number="PO-1")
    assert po.state() is None
    _order(po)
    body = dict(po.order or {})
    assert not po.register(body | {"registered_by": "someone else"}, {})
    with pytest.raises(OrderConflict):
        po.register(body | {"owner": "per"}, {})
    receipt = {"receipt_number": "GR-1", "lines": [{"line_id": "1", "quantity": "6"}]}
    assert po.receive(receipt, {})
    assert not po.receive(receipt, {})
    assert po.consume("inv-1", {"1": "6"}, {})
    assert not po.consume("inv-1", {"1": "6"}, {})
    state = po.state()
    assert state is not None
    line = state.lines[0]
    assert (line.ordered, line.received, line.invoiced) == (
        Decimal("10"),
        Decimal("6"),
        Decimal("6"),
    )
    assert state.open
    summary = po.summary()
    assert summary["lines"][0]["received"] == "6"
    assert summary["invoices"] == ["inv-1"]


def test_a_receipt_may_arrive_before_its_order() -> None:
    po = PurchaseOrder(tenant_id="t1", number="PO-1")
    po.receive({"receipt_number": "GR-1", "lines": [{"line_id": "1", "quantity": "10"}]}, {})
    _order(po)
    state = po.state()
    assert state is not None
    assert state.lines[0].received == Decimal("10")


def _finding(rule: str, flag: Severity) -> Finding:
    return Finding(rule_id=rule, flag=flag, message_nb="x", message_en="x")


def test_rule_flags_silence_and_sharpen() -> None:
    findings = [
        _finding("FP-DUP-02", Severity.WARNING),
        _finding("FP-PO-10", Severity.WARNING),
        _finding("PEPPOL-EN16931-R008", Severity.WARNING),
    ]
    out = apply_rule_flags(
        findings, {"FP-DUP-02": "off", "PEPPOL-EN16931-R008": "fatal", "BR-01": "fatal"}
    )
    assert [(f.rule_id, f.flag) for f in out] == [
        ("FP-PO-10", Severity.WARNING),
        ("PEPPOL-EN16931-R008", Severity.FATAL),
    ]


def test_official_fatal_rules_cannot_be_weakened() -> None:
    official = {"BR-01": Severity.FATAL, "PEPPOL-EN16931-R008": Severity.WARNING}
    check_rule_flags({"FP-DUP-02": "off", "PEPPOL-EN16931-R008": "fatal"}, official)
    with pytest.raises(PolicyRefused, match="cannot be weakened: BR-01"):
        check_rule_flags({"BR-01": "warning"}, official)
    with pytest.raises(PolicyRefused, match="unknown rule ids: BR-99"):
        check_rule_flags({"BR-99": "off"}, official)


def test_policy_defaults_and_bounds() -> None:
    policy = Policy()
    assert policy.tolerances.line.amount == Decimal("500")
    assert policy.duplicate_window_days == 7
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Policy.model_validate({"tolerances": {"line": {"amount": "-1"}}})
    with pytest.raises(ValueError, match="Extra inputs"):
        Policy.model_validate({"tolerance": {}})
