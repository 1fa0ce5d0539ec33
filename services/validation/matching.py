"""Invoice against purchase order (2-way) and goods receipts (3-way), at line level. Pure.

Lines pair by the order line the invoice names (BT-132), else the seller's item id, else a unique
item name; a one-line invoice against a one-line order pairs as it stands. Each pair is checked
for price, quantity beyond what was ordered (counting earlier invoices: partial deliveries and
several invoices per order) and, when the order needs receipts, quantity not yet received.
A line the order does not know and the invoice total against the ordered value are checked too.
Every difference is recorded; the tenant's tolerances decide which ones stop the invoice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from uuid import UUID

from services.validation.policy import Policy
from shared.schemas.events import (
    Deviation,
    DeviationKind,
    Finding,
    MatchedLine,
    OrderMatch,
    Severity,
)
from shared.schemas.invoice import CanonicalInvoice, InvoiceLine

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

RULE_OF_KIND: dict[DeviationKind, str] = {
    DeviationKind.SUPPLIER: "FP-PO-02",
    DeviationKind.CURRENCY: "FP-PO-03",
    DeviationKind.PRICE: "FP-PO-10",
    DeviationKind.QUANTITY: "FP-PO-11",
    DeviationKind.RECEIPT: "FP-PO-12",
    DeviationKind.LINE: "FP-PO-13",
    DeviationKind.TOTAL: "FP-PO-20",
}
UNKNOWN_ORDER_RULE = "FP-PO-01"
ORDER_RULES = frozenset(RULE_OF_KIND.values())
"""Deviations beyond tolerance: the invoice goes to the order's owner."""


@dataclass(frozen=True)
class OrderLineState:
    line_id: str
    description: str | None
    seller_item_id: str | None
    ordered: Decimal
    unit_price: Decimal
    received: Decimal
    invoiced: Decimal


@dataclass(frozen=True)
class OrderState:
    order_id: UUID
    number: str
    supplier: str
    owner: str
    currency: str
    receipt_required: bool
    lines: tuple[OrderLineState, ...]

    @property
    def open(self) -> bool:
        return any(line.invoiced < line.ordered for line in self.lines)


def match_invoice(
    invoice: CanonicalInvoice,
    order: OrderState,
    policy: Policy,
    matched_by: Literal["order-reference", "supplier"] = "order-reference",
) -> OrderMatch:
    pairs = pair_lines(invoice.lines, order.lines)
    three_way = policy.three_way and order.receipt_required
    by_id = {line.line_id: line for line in order.lines}
    currency = invoice.currency
    deviations = _header_deviations(invoice, order)
    matched: list[MatchedLine] = []
    quantities: dict[str, Decimal] = defaultdict(Decimal)
    first_line: dict[str, str] = {}
    for inv_line in invoice.lines:
        order_line_id = pairs.get(inv_line.line_id)
        if order_line_id is None:
            continue
        order_line = by_id[order_line_id]
        qty = _quantity(inv_line, order_line)
        price = _unit_price(inv_line, qty)
        matched.append(
            MatchedLine(
                invoice_line=inv_line.line_id,
                order_line=order_line_id,
                quantity=qty,
                unit_price=price,
                order_unit_price=order_line.unit_price,
                ordered=order_line.ordered,
                received=order_line.received,
                invoiced_before=order_line.invoiced,
            )
        )
        quantities[order_line_id] += qty
        first_line.setdefault(order_line_id, inv_line.line_id)
        if price is not None:
            deviations += _price(inv_line.line_id, order_line, price, qty, policy, currency)
    for order_line_id, qty in quantities.items():
        line = by_id[order_line_id]
        deviations += _quantity_deviations(
            first_line[order_line_id], line, qty, three_way, policy, currency
        )
    expected = sum((m.quantity * m.order_unit_price for m in matched), Decimal("0")).quantize(
        CENT, ROUND_HALF_UP
    )
    deviations += _unordered(invoice.lines, pairs, expected, policy, currency)
    deviations += _total(invoice, expected, policy, currency)
    return OrderMatch(
        order_id=order.order_id,
        order_number=order.number,
        owner=order.owner,
        matched_by=matched_by,
        mode="three-way" if three_way else "two-way",
        lines=matched,
        deviations=deviations,
        within_tolerance=all(d.within_tolerance for d in deviations),
    )


def choose_order(
    invoice: CanonicalInvoice, candidates: Iterable[OrderState], policy: Policy
) -> OrderMatch | None:
    """Without an order reference: the supplier's open order that pairs most lines, then the
    one with the smallest difference in total; an invoice pairing with none has no order."""
    best: tuple[tuple[int, Decimal, str], OrderMatch] | None = None
    for order in candidates:
        if not order.open:
            continue
        pairs = pair_lines(invoice.lines, order.lines, allow_single=False)
        if not pairs:
            continue
        match = match_invoice(invoice, order, policy, matched_by="supplier")
        total = next((d.amount for d in match.deviations if d.kind is DeviationKind.TOTAL), None)
        key = (-len(pairs), abs(total or Decimal("0")), order.number)
        if best is None or key < best[0]:
            best = (key, match)
    return best[1] if best else None


def pair_lines(
    invoice_lines: Sequence[InvoiceLine],
    order_lines: Sequence[OrderLineState],
    *,
    allow_single: bool = True,
) -> dict[str, str]:
    """Invoice line id -> order line id, for the lines that can be told apart."""
    ids = {line.line_id for line in order_lines}
    by_item = _unique({line.seller_item_id: line.line_id for line in order_lines}, order_lines)
    by_name = _unique_names(order_lines)
    pairs: dict[str, str] = {}
    for line in invoice_lines:
        ref = (line.order_line_ref or "").strip()
        if ref in ids:
            pairs[line.line_id] = ref
        elif line.seller_item_id and line.seller_item_id in by_item:
            pairs[line.line_id] = by_item[line.seller_item_id]
        elif _name(line.description) in by_name:
            pairs[line.line_id] = by_name[_name(line.description)]
    if allow_single and not pairs and len(invoice_lines) == 1 and len(order_lines) == 1:
        pairs[invoice_lines[0].line_id] = order_lines[0].line_id
    return pairs


def findings_of(match: OrderMatch) -> list[Finding]:
    """One warning per deviation beyond tolerance; the invoice is flagged to the owner."""
    return [
        Finding(
            rule_id=RULE_OF_KIND[d.kind],
            flag=Severity.WARNING,
            message_nb=f"Innkjøpsordre {match.order_number}: {d.message_nb}",
            message_en=f"Purchase order {match.order_number}: {d.message_en}",
            location=_location(d),
        )
        for d in match.deviations
        if not d.within_tolerance
    ]


def unknown_order(reference: str) -> Finding:
    return Finding(
        rule_id=UNKNOWN_ORDER_RULE,
        flag=Severity.WARNING,
        message_nb=f"Fakturaen viser til innkjøpsordre {reference}, som ikke er registrert.",
        message_en=f"The invoice refers to purchase order {reference}, which is not registered.",
        location="/*/cac:OrderReference/cbc:ID",
    )


def invoiced_quantities(match: OrderMatch) -> dict[str, str]:
    """Order line -> quantity this invoice uses up, as the order records it."""
    used: dict[str, Decimal] = defaultdict(Decimal)
    for line in match.lines:
        used[line.order_line] += line.quantity
    return {line_id: str(qty) for line_id, qty in used.items()}


# --- the checks ----------------------------------------------------------------------------------


def _header_deviations(invoice: CanonicalInvoice, order: OrderState) -> list[Deviation]:
    found = []
    seller = (invoice.seller.legal_id or "").replace(" ", "")
    if seller and seller != order.supplier:
        found.append(
            _deviation(
                DeviationKind.SUPPLIER,
                amount=invoice.totals.tax_exclusive or Decimal("0"),
                within=False,
                nb=f"ordren gjelder leverandør {order.supplier}, fakturaen er fra {seller}",
                en=f"the order is with supplier {order.supplier}, the invoice is from {seller}",
            )
        )
    if invoice.currency and invoice.currency != order.currency:
        found.append(
            _deviation(
                DeviationKind.CURRENCY,
                amount=invoice.totals.tax_exclusive or Decimal("0"),
                within=False,
                nb=f"ordren er i {order.currency}, fakturaen i {invoice.currency}",
                en=f"the order is in {order.currency}, the invoice in {invoice.currency}",
            )
        )
    return found


def _price(
    line_id: str,
    order_line: OrderLineState,
    price: Decimal,
    qty: Decimal,
    policy: Policy,
    currency: str | None,
) -> list[Deviation]:
    difference = price - order_line.unit_price
    amount = (difference * qty).quantize(CENT, ROUND_HALF_UP)
    if amount == 0:
        return []
    percent = _percent(difference, order_line.unit_price)
    return [
        _deviation(
            DeviationKind.PRICE,
            invoice_line=line_id,
            order_line=order_line.line_id,
            expected=order_line.unit_price,
            actual=price,
            amount=amount,
            percent=percent,
            within=policy.tolerances.line.covers(amount, percent, currency),
            nb=f"linje {line_id}: pris {_n(price)} mot ordrepris {_n(order_line.unit_price)}",
            en=f"line {line_id}: price {_n(price)} against order price {_n(order_line.unit_price)}",
        )
    ]


def _quantity_deviations(
    line_id: str,
    line: OrderLineState,
    qty: Decimal,
    three_way: bool,
    policy: Policy,
    currency: str | None,
) -> list[Deviation]:
    found = []
    after = line.invoiced + qty
    over = after - line.ordered
    if over > 0:
        amount = (over * line.unit_price).quantize(CENT, ROUND_HALF_UP)
        percent = _percent(over, line.ordered)
        found.append(
            _deviation(
                DeviationKind.QUANTITY,
                invoice_line=line_id,
                order_line=line.line_id,
                expected=line.ordered,
                actual=after,
                amount=amount,
                percent=percent,
                within=policy.tolerances.line.covers(amount, percent, currency),
                nb=f"linje {line_id}: fakturert i alt {_n(after)} av bestilt {_n(line.ordered)}",
                en=f"line {line_id}: {_n(after)} invoiced in all, {_n(line.ordered)} ordered",
            )
        )
    shortfall = min(after, line.ordered) - line.received
    if three_way and shortfall > 0:
        amount = (shortfall * line.unit_price).quantize(CENT, ROUND_HALF_UP)
        percent = _percent(shortfall, line.ordered)
        found.append(
            _deviation(
                DeviationKind.RECEIPT,
                invoice_line=line_id,
                order_line=line.line_id,
                expected=line.received,
                actual=min(after, line.ordered),
                amount=amount,
                percent=percent,
                within=policy.tolerances.line.covers(amount, percent, currency),
                nb=f"linje {line_id}: fakturert i alt {_n(min(after, line.ordered))}, "
                f"mottatt {_n(line.received)}",
                en=f"line {line_id}: {_n(min(after, line.ordered))} invoiced in all, "
                f"{_n(line.received)} received",
            )
        )
    return found


def _unordered(
    lines: Sequence[InvoiceLine],
    pairs: dict[str, str],
    expected: Decimal,
    policy: Policy,
    currency: str | None,
) -> list[Deviation]:
    found = []
    for line in lines:
        if line.line_id in pairs:
            continue
        amount = line.net_amount or Decimal("0")
        percent = _percent(amount, expected)
        found.append(
            _deviation(
                DeviationKind.LINE,
                invoice_line=line.line_id,
                actual=amount,
                amount=amount,
                percent=percent,
                within=policy.tolerances.line.covers(amount, percent, currency),
                nb=f"linje {line.line_id} ({line.description or 'uten tekst'}) står ikke på ordren",
                en=f"line {line.line_id} ({line.description or 'no text'}) is not on the order",
            )
        )
    return found


def _total(
    invoice: CanonicalInvoice, expected: Decimal, policy: Policy, currency: str | None
) -> list[Deviation]:
    actual = invoice.totals.tax_exclusive
    if actual is None:
        actual = sum((line.net_amount or Decimal("0") for line in invoice.lines), Decimal("0"))
    amount = actual - expected
    if amount == 0:
        return []
    percent = _percent(amount, expected)
    return [
        _deviation(
            DeviationKind.TOTAL,
            expected=expected,
            actual=actual,
            amount=amount,
            percent=percent,
            within=policy.tolerances.invoice.covers(amount, percent, currency),
            nb=f"sum uten mva {_n(actual)} mot bestilt verdi {_n(expected)}",
            en=f"total without VAT {_n(actual)} against ordered value {_n(expected)}",
        )
    ]


# --- helpers -------------------------------------------------------------------------------------


def _deviation(
    kind: DeviationKind,
    *,
    amount: Decimal,
    within: bool,
    nb: str,
    en: str,
    invoice_line: str | None = None,
    order_line: str | None = None,
    expected: Decimal | None = None,
    actual: Decimal | None = None,
    percent: Decimal | None = None,
) -> Deviation:
    return Deviation(
        kind=kind,
        invoice_line=invoice_line,
        order_line=order_line,
        expected=expected,
        actual=actual,
        amount=amount,
        percent=percent,
        within_tolerance=within,
        message_nb=nb,
        message_en=en,
    )


def _quantity(line: InvoiceLine, order_line: OrderLineState) -> Decimal:
    """Invoiced quantity; a captured line without one counts as amount over the order price."""
    if line.quantity is not None:
        return line.quantity
    if line.net_amount is not None and order_line.unit_price > 0:
        return (line.net_amount / order_line.unit_price).quantize(Decimal("0.0001"))
    return Decimal("1")


def _unit_price(line: InvoiceLine, qty: Decimal) -> Decimal | None:
    """Net price per unit as charged: the line amount over its quantity (line allowances and a
    price base quantity included), else the stated price."""
    if line.net_amount is not None and qty != 0:
        return (line.net_amount / qty).quantize(Decimal("0.0001"), ROUND_HALF_UP).normalize()
    return line.unit_price


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _name(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _unique(index: dict[str | None, str], lines: Sequence[OrderLineState]) -> dict[str, str]:
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.seller_item_id:
            counts[line.seller_item_id] += 1
    return {k: v for k, v in index.items() if k and counts[k] == 1}


def _unique_names(lines: Sequence[OrderLineState]) -> dict[str, str]:
    names: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if _name(line.description):
            names[_name(line.description)].append(line.line_id)
    return {name: ids[0] for name, ids in names.items() if len(ids) == 1}


def _location(deviation: Deviation) -> str:
    if deviation.invoice_line is not None:
        return f"/*/cac:InvoiceLine[cbc:ID='{deviation.invoice_line}']"
    if deviation.kind is DeviationKind.TOTAL:
        return "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"
    return "/*/cac:OrderReference/cbc:ID"


def _n(value: Decimal) -> str:
    """A number as people write it here: no trailing zeros, decimal comma."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")
