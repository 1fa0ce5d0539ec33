"""Purchase orders and goods receipts as validation keeps them: the other side of the match.

An order opens on whichever of its events arrives first (an ERP may publish a receipt before the
order reaches us); matching waits for the registration. Registering the same order twice, a
receipt twice or consuming for the same invoice twice changes nothing, so redelivered messages
and retried API calls are harmless.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.validation.matching import OrderLineState, OrderState

ORDERS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/validation/orders")
BOOK_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/validation/order-book")


def order_id(tenant_id: str, number: str) -> UUID:
    """One id per tenant and order number: the key of the order's events."""
    return uuid5(ORDERS_NAMESPACE, f"{tenant_id}/{number.strip()}")


def order_book_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(BOOK_NAMESPACE, f"{tenant_id}/{supplier}")


class OrderConflict(ValueError):
    """The order number is registered already with other content; `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


class PurchaseOrder(Aggregate):
    @staticmethod
    def create_id(tenant_id: str, number: str) -> UUID:
        return order_id(tenant_id, number)

    @event("Opened")
    def __init__(self, tenant_id: str, number: str) -> None:
        self.tenant_id = tenant_id
        self.number = number
        self.order: dict[str, Any] | None = None
        self.received: dict[str, str] = {}
        self.invoiced: dict[str, str] = {}
        self.receipts: list[str] = []
        self.invoices: list[str] = []

    @property
    def registered(self) -> bool:
        return self.order is not None

    def register(self, order: dict[str, Any], meta: dict[str, str]) -> bool:
        """False when this exact order is registered already; OrderConflict when it differs."""
        if self.order is not None:
            if _content(self.order) == _content(order):
                return False
            raise OrderConflict(
                f"purchase order {self.number} is registered already with other content",
                f"Innkjøpsordre {self.number} er allerede registrert med annet innhold.",
            )
        self._registered(order=order, meta=meta)
        return True

    class Registered(Aggregate.Event):
        order: dict[str, Any]
        meta: dict[str, str]

    @event(Registered)
    def _registered(self, order: dict[str, Any], meta: dict[str, str]) -> None:
        self.order = order

    def receive(self, receipt: dict[str, Any], meta: dict[str, str]) -> bool:
        if receipt["receipt_number"] in self.receipts:
            return False
        self._received(receipt=receipt, meta=meta)
        return True

    class GoodsReceived(Aggregate.Event):
        receipt: dict[str, Any]
        meta: dict[str, str]

    @event(GoodsReceived)
    def _received(self, receipt: dict[str, Any], meta: dict[str, str]) -> None:
        self.receipts.append(receipt["receipt_number"])
        for line in receipt["lines"]:
            before = Decimal(self.received.get(line["line_id"], "0"))
            self.received[line["line_id"]] = str(before + Decimal(line["quantity"]))

    def consume(self, invoice_id: str, quantities: dict[str, str], meta: dict[str, str]) -> bool:
        if invoice_id in self.invoices:
            return False
        self._invoiced(invoice_id=invoice_id, quantities=quantities, meta=meta)
        return True

    @event("Invoiced")
    def _invoiced(self, invoice_id: str, quantities: dict[str, str], meta: dict[str, str]) -> None:
        self.invoices.append(invoice_id)
        for line_id, qty in quantities.items():
            before = Decimal(self.invoiced.get(line_id, "0"))
            self.invoiced[line_id] = str(before + Decimal(qty))

    def state(self) -> OrderState | None:
        if self.order is None:
            return None
        order = self.order
        return OrderState(
            order_id=self.id,
            number=self.number,
            supplier=order["supplier_legal_id"],
            owner=order["owner"],
            currency=order.get("currency") or "NOK",
            receipt_required=bool(order.get("receipt_required", True)),
            lines=tuple(
                OrderLineState(
                    line_id=line["line_id"],
                    description=line.get("description"),
                    seller_item_id=line.get("seller_item_id"),
                    ordered=Decimal(line["quantity"]),
                    unit_price=Decimal(line["unit_price"]),
                    received=Decimal(self.received.get(line["line_id"], "0")),
                    invoiced=Decimal(self.invoiced.get(line["line_id"], "0")),
                )
                for line in order["lines"]
            ),
        )

    def summary(self) -> dict[str, Any]:
        """What the API shows of the order: its lines with ordered, received and invoiced."""
        lines = []
        for line in (self.order or {}).get("lines", []):
            lines.append(
                line
                | {
                    "received": self.received.get(line["line_id"], "0"),
                    "invoiced": self.invoiced.get(line["line_id"], "0"),
                }
            )
        return {
            "order_id": str(self.id),
            "order_number": self.number,
            "registered": self.registered,
            **{k: v for k, v in (self.order or {}).items() if k != "lines"},
            "lines": lines,
            "receipts": list(self.receipts),
            "invoices": list(self.invoices),
        }


def _content(order: dict[str, Any]) -> dict[str, Any]:
    """What makes two registrations the same order: who sent it and when do not."""
    return {k: v for k, v in order.items() if k not in ("registered_by",)}


class OrderBook(Aggregate):
    """The order numbers a tenant has placed with one supplier: candidates when an invoice
    names no order."""

    @staticmethod
    def create_id(tenant_id: str, supplier: str) -> UUID:
        return order_book_id(tenant_id, supplier)

    @event("Opened")
    def __init__(self, tenant_id: str, supplier: str) -> None:
        self.numbers: list[str] = []

    @event("OrderAdded")
    def add(self, number: str, meta: dict[str, str]) -> None:
        if number not in self.numbers:
            self.numbers.append(number)
