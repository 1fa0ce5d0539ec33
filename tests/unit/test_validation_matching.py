"""Invoice against purchase order and goods receipts: pure matching and tolerances."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from services.validation.matching import (
    OrderLineState,
    OrderState,
    choose_order,
    findings_of,
    invoiced_quantities,
    match_invoice,
    pair_lines,
)
from services.validation.policy import Limit, Policy, Tolerances
from shared.schemas.events import DeviationKind
from shared.schemas.invoice import CanonicalInvoice, InvoiceLine, Party, Totals

D = Decimal
SUPPLIER = "974760673"


def order(
    *lines: OrderLineState, receipt_required: bool = True, number: str = "PO-1"
) -> OrderState:
    return OrderState(
        order_id=uuid4(),
        number=number,
        supplier=SUPPLIER,
        owner="kari",
        currency="NOK",
        receipt_required=receipt_required,
        lines=lines,
    )


def oline(
    line_id: str,
    ordered: str,
    price: str,
    *,
    received: str = "0",
    invoiced: str = "0",
    description: str | None = None,
    item: str | None = None,
) -> OrderLineState:
    return OrderLineState(
        line_id=line_id,
        description=description,
        seller_item_id=item,
        ordered=D(ordered),
        unit_price=D(price),
        received=D(received),
        invoiced=D(invoiced),
    )


def iline(
    line_id: str,
    qty: str,
    price: str,
    *,
    ref: str | None = None,
    description: str | None = None,
    item: str | None = None,
) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        quantity=D(qty),
        unit_price=D(price),
        net_amount=(D(qty) * D(price)).quantize(D("0.01")),
        order_line_ref=ref,
        description=description,
        seller_item_id=item,
    )


def invoice(*lines: InvoiceLine, extra: str = "0", seller: str = SUPPLIER) -> CanonicalInvoice:
    net = sum((line.net_amount or D(0) for line in lines), D(0)) + D(extra)
    return CanonicalInvoice(
        number="F-1",
        currency="NOK",
        order_reference="PO-1",
        seller=Party(name="Leverandør AS", legal_id=seller),
        totals=Totals(line_extension=net, tax_exclusive=net),
        lines=list(lines),
    )


POLICY = Policy()


def kinds(match: object) -> list[tuple[DeviationKind, bool]]:
    return [(d.kind, d.within_tolerance) for d in match.deviations]  # type: ignore[attr-defined]


def test_exact_three_way_match_has_no_deviation() -> None:
    po = order(oline("1", "10", "100", received="10"), oline("2", "5", "20", received="5"))
    inv = invoice(iline("1", "10", "100", ref="1"), iline("2", "5", "20", ref="2"))
    match = match_invoice(inv, po, POLICY)
    assert match.within_tolerance
    assert match.deviations == []
    assert match.mode == "three-way"
    assert invoiced_quantities(match) == {"1": "10", "2": "5"}
    assert findings_of(match) == []


def test_price_within_and_beyond_the_line_tolerance() -> None:
    po = order(oline("1", "10", "100", received="10"))
    small = match_invoice(invoice(iline("1", "10", "102", ref="1")), po, POLICY)
    assert kinds(small) == [(DeviationKind.PRICE, True), (DeviationKind.TOTAL, True)]
    price = small.deviations[0]
    assert (price.amount, price.percent, price.expected, price.actual) == (
        D("20.00"),
        D("2.00"),
        D("100"),
        D("102"),
    )
    big = match_invoice(invoice(iline("1", "10", "110", ref="1")), po, POLICY)
    assert (DeviationKind.PRICE, False) in kinds(big)
    assert not big.within_tolerance
    rules = {f.rule_id for f in findings_of(big)}
    assert rules == {"FP-PO-10", "FP-PO-20"}
    assert all("PO-1" in f.message_nb for f in findings_of(big))


def test_both_bounds_must_hold_and_a_missing_bound_is_not_checked() -> None:
    po = order(oline("1", "1", "10000", received="1"))
    inv = invoice(iline("1", "1", "10300", ref="1"))  # +300 NOK, +3 %
    strict = Policy(tolerances=Tolerances(line=Limit(amount=D("500"), percent=D("2"))))
    assert (DeviationKind.PRICE, False) in kinds(match_invoice(inv, po, strict))
    amount_only = Policy(
        tolerances=Tolerances(line=Limit(amount=D("500")), invoice=Limit(amount=D("500")))
    )
    assert match_invoice(inv, po, amount_only).within_tolerance


def test_a_lower_price_is_recorded_but_never_stops_the_invoice() -> None:
    po = order(oline("1", "10", "100", received="10"))
    match = match_invoice(invoice(iline("1", "10", "50", ref="1")), po, POLICY)
    assert match.within_tolerance
    assert match.deviations[0].amount == D("-500.00")


def test_partial_deliveries_and_several_invoices_per_order() -> None:
    first_receipt = order(oline("1", "10", "100", received="6"))
    first = match_invoice(invoice(iline("1", "6", "100", ref="1")), first_receipt, POLICY)
    assert first.within_tolerance
    after_first = order(oline("1", "10", "100", received="6", invoiced="6"))
    early = match_invoice(invoice(iline("1", "4", "100", ref="1")), after_first, POLICY)
    assert kinds(early) == [(DeviationKind.RECEIPT, False)]
    receipt = early.deviations[0]
    assert (receipt.expected, receipt.actual, receipt.amount) == (D("6"), D("10"), D("400.00"))
    all_received = order(oline("1", "10", "100", received="10", invoiced="6"))
    second = match_invoice(invoice(iline("1", "4", "100", ref="1")), all_received, POLICY)
    assert second.within_tolerance
    assert second.lines[0].invoiced_before == D("6")
    closed = order(oline("1", "10", "100", received="10", invoiced="10"))
    third = match_invoice(invoice(iline("1", "2", "100", ref="1")), closed, POLICY)
    assert kinds(third) == [(DeviationKind.QUANTITY, False)]  # 200 NOK, but 20 % of the order


def test_quantity_over_the_order_counts_the_percent_bound() -> None:
    closed = order(oline("1", "10", "100", received="10", invoiced="10"))
    match = match_invoice(
        invoice(iline("1", "2", "100", ref="1")),
        closed,
        Policy(tolerances=Tolerances(line=Limit(amount=D("500"), percent=D("5")))),
    )
    quantity = match.deviations[0]
    assert quantity.kind is DeviationKind.QUANTITY
    assert (quantity.amount, quantity.percent) == (D("200.00"), D("20.00"))
    assert not quantity.within_tolerance


def test_two_way_order_ignores_receipts() -> None:
    po = order(oline("1", "10", "100"), receipt_required=False)
    match = match_invoice(invoice(iline("1", "10", "100", ref="1")), po, POLICY)
    assert match.mode == "two-way"
    assert match.within_tolerance
    three_way_off = Policy(three_way=False)
    po3 = order(oline("1", "10", "100"))
    assert match_invoice(invoice(iline("1", "10", "100", ref="1")), po3, three_way_off).mode == (
        "two-way"
    )


def test_lines_pair_by_reference_then_item_id_then_name() -> None:
    lines = (
        oline("10", "1", "1", item="A-1", description="Kopipapir A4"),
        oline("20", "1", "1", item="B-2", description="Toner svart"),
        oline("30", "1", "1", description="Arbeid"),
    )
    pairs = pair_lines(
        [
            iline("1", "1", "1", ref="20"),
            iline("2", "1", "1", item="A-1"),
            iline("3", "1", "1", description="  ARBEID "),
            iline("4", "1", "1", description="Frakt"),
        ],
        lines,
    )
    assert pairs == {"1": "20", "2": "10", "3": "30"}


def test_unordered_line_is_a_deviation_of_its_own() -> None:
    po = order(oline("1", "10", "100", received="10", description="Kopipapir"))
    inv = invoice(
        iline("1", "10", "100", description="Kopipapir"),
        iline("2", "1", "49", description="Fraktgebyr"),
    )
    match = match_invoice(inv, po, POLICY)
    line = next(d for d in match.deviations if d.kind is DeviationKind.LINE)
    assert (line.invoice_line, line.amount, line.within_tolerance) == ("2", D("49.00"), True)
    costly = invoice(
        iline("1", "10", "100", description="Kopipapir"),
        iline("2", "1", "900", description="Ekspressfrakt"),
    )
    assert (DeviationKind.LINE, False) in kinds(match_invoice(costly, po, POLICY))


def test_document_charges_show_in_the_invoice_total() -> None:
    po = order(oline("1", "10", "100", received="10"))
    match = match_invoice(invoice(iline("1", "10", "100", ref="1"), extra="1500"), po, POLICY)
    total = match.deviations[-1]
    assert total.kind is DeviationKind.TOTAL
    assert (total.expected, total.actual, total.amount, total.within_tolerance) == (
        D("1000.00"),
        D("2500"),
        D("1500.00"),
        False,
    )


def test_another_supplier_or_currency_is_never_within_tolerance() -> None:
    po = order(oline("1", "1", "100", received="1"))
    match = match_invoice(invoice(iline("1", "1", "100", ref="1"), seller="923609016"), po, POLICY)
    assert (DeviationKind.SUPPLIER, False) in kinds(match)
    eur = invoice(iline("1", "1", "100", ref="1")).model_copy(update={"currency": "EUR"})
    assert (DeviationKind.CURRENCY, False) in kinds(match_invoice(eur, po, POLICY))


def test_amount_bound_applies_to_nok_only() -> None:
    eur_order = OrderState(
        order_id=uuid4(),
        number="PO-9",
        supplier=SUPPLIER,
        owner="kari",
        currency="EUR",
        receipt_required=False,
        lines=(oline("1", "100", "100"),),
    )
    eur = invoice(iline("1", "100", "104", ref="1")).model_copy(update={"currency": "EUR"})
    match = match_invoice(eur, eur_order, POLICY)  # +400 EUR, 4 %: within 5 % of the line
    price = match.deviations[0]
    assert price.kind is DeviationKind.PRICE and price.within_tolerance


def test_choose_order_picks_the_open_order_that_fits_best() -> None:
    paper = order(oline("1", "10", "100", description="Kopipapir"), number="PO-A")
    toner = order(
        oline("1", "2", "900", description="Toner svart"),
        oline("2", "2", "900", description="Toner gul"),
        number="PO-B",
    )
    closed = order(
        oline("1", "2", "900", description="Toner svart", invoiced="2"),
        oline("2", "2", "900", description="Toner gul", invoiced="2"),
        number="PO-0",
    )
    inv = invoice(
        iline("1", "2", "900", description="Toner svart"),
        iline("2", "2", "900", description="Toner gul"),
    ).model_copy(update={"order_reference": None})
    match = choose_order(inv, [paper, closed, toner], POLICY)
    assert match is not None
    assert (match.order_number, match.matched_by) == ("PO-B", "supplier")
    unrelated = invoice(iline("1", "1", "500", description="Strøm")).model_copy(
        update={"order_reference": None}
    )
    assert choose_order(unrelated, [paper, toner], POLICY) is None


@pytest.mark.parametrize(
    ("amount", "percent", "within"),
    [("0", None, True), ("-5", "-50", True), ("499", "4", True), ("501", "1", False)],
)
def test_limit_covers(amount: str, percent: str | None, within: bool) -> None:
    limit = Limit(amount=D("500"), percent=D("5"))
    assert limit.covers(D(amount), D(percent) if percent else None, "NOK") is within
