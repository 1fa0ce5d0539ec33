"""Purchase orders and goods receipts as people and ERPs send them: JSON or CSV. Pure.

CSV has one row per line, the order's (or receipt's) own fields repeated on each of its rows;
comma, semicolon or tab separated, amounts with a decimal point or comma. A mistake is reported
with its row number and nothing of the file is registered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from stdnum.no import orgnr

from services.validation.orders import order_id
from shared.schemas.events import GoodsReceived, OrderLine, PurchaseOrderRegistered, ReceivedLine

M = TypeVar("M", bound=BaseModel)
MAX_ROWS = 20_000
ORDER_FIELDS = ("order_number", "supplier_orgnr", "owner", "currency", "order_date")
ORDER_OPTIONAL = ("supplier_name", "receipt_required")
ORDER_LINE_FIELDS = ("line_id", "quantity", "unit_price")
ORDER_LINE_OPTIONAL = ("description", "seller_item_id", "unit_code")
RECEIPT_FIELDS = ("receipt_number", "order_number", "received_on", "line_id", "quantity")


class InputError(ValueError):
    """What is wrong with the input, in words for the person who sent it."""


def valid_orgnr(value: str) -> str:
    """The organisation number compacted, or ValueError saying it is not one (MOD11)."""
    compact = str(orgnr.compact(value))
    if not orgnr.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid Norwegian organisation number")
    return compact


class OrderInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    order_number: str = Field(min_length=1, max_length=100)
    supplier_orgnr: str
    supplier_name: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200, description="Default: the sender.")
    currency: str = Field(default="NOK", pattern=r"^[A-Z]{3}$")
    order_date: date | None = None
    receipt_required: bool = True
    lines: list[OrderLine] = Field(min_length=1, max_length=10_000)

    @field_validator("supplier_orgnr")
    @classmethod
    def _orgnr(cls, value: str) -> str:
        return valid_orgnr(value)

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, lines: list[OrderLine]) -> list[OrderLine]:
        ids = [line.line_id for line in lines]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"line ids repeated: {', '.join(repeated)}")
        return lines

    def event(self, tenant_id: str, user: str) -> PurchaseOrderRegistered:
        return PurchaseOrderRegistered(
            order_id=order_id(tenant_id, self.order_number),
            order_number=self.order_number.strip(),
            tenant_id=tenant_id,
            supplier_legal_id=self.supplier_orgnr,
            supplier_name=self.supplier_name,
            owner=self.owner or user,
            currency=self.currency,
            order_date=self.order_date,
            receipt_required=self.receipt_required,
            lines=self.lines,
            registered_by=user,
        )


class ReceiptInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    receipt_number: str = Field(min_length=1, max_length=100)
    order_number: str = Field(min_length=1, max_length=100)
    received_on: date
    received_by: str | None = Field(default=None, max_length=200)
    lines: list[ReceivedLine] = Field(min_length=1, max_length=10_000)

    def event(self, tenant_id: str, user: str) -> GoodsReceived:
        return GoodsReceived(
            order_id=order_id(tenant_id, self.order_number),
            order_number=self.order_number.strip(),
            tenant_id=tenant_id,
            receipt_number=self.receipt_number,
            received_on=self.received_on,
            received_by=self.received_by or user,
            lines=self.lines,
        )


def orders_from_json(data: Any) -> list[OrderInput]:
    """One order, or `{"orders": [...]}`."""
    items = data.get("orders") if isinstance(data, dict) and "orders" in data else [data]
    return [_model(OrderInput, item, f"order {n}") for n, item in enumerate(_list(items), 1)]


def receipts_from_json(data: Any) -> list[ReceiptInput]:
    items = data.get("receipts") if isinstance(data, dict) and "receipts" in data else [data]
    return [_model(ReceiptInput, item, f"receipt {n}") for n, item in enumerate(_list(items), 1)]


def orders_from_csv(text: str) -> list[OrderInput]:
    grouped: dict[str, dict[str, Any]] = {}
    for row_number, row in _rows(text, ORDER_FIELDS[:3] + ORDER_LINE_FIELDS):
        number = row["order_number"]
        head = {k: row[k] for k in ORDER_FIELDS + ORDER_OPTIONAL if row.get(k)}
        order = grouped.setdefault(number, head | {"lines": [], "_row": row_number})
        for key, value in head.items():
            if order.get(key) != value:
                raise InputError(
                    f"row {row_number}: {key} {value!r} differs from row {order['_row']} "
                    f"of order {number} ({order.get(key)!r})"
                )
        line = {k: row[k] for k in ORDER_LINE_FIELDS + ORDER_LINE_OPTIONAL if row.get(k)}
        for key in ("quantity", "unit_price"):
            line[key] = _decimal(line[key], row_number, key)
        order["lines"].append(line)
    orders = []
    for number, order in grouped.items():
        first = order.pop("_row")
        if "receipt_required" in order:
            order["receipt_required"] = _flag(order["receipt_required"], first)
        orders.append(_model(OrderInput, order, f"order {number} (from row {first})"))
    return orders


def receipts_from_csv(text: str) -> list[ReceiptInput]:
    grouped: dict[str, dict[str, Any]] = {}
    for row_number, row in _rows(text, RECEIPT_FIELDS):
        fields = ("receipt_number", "order_number", "received_on", "received_by")
        head = {k: row[k] for k in fields if row.get(k)}
        receipt = grouped.setdefault(
            row["receipt_number"], head | {"lines": [], "_row": row_number}
        )
        if receipt["order_number"] != row["order_number"]:
            raise InputError(f"row {row_number}: one receipt, two orders")
        quantity = _decimal(row["quantity"], row_number, "quantity")
        receipt["lines"].append({"line_id": row["line_id"], "quantity": quantity})
    receipts = []
    for number, receipt in grouped.items():
        first = receipt.pop("_row")
        receipts.append(_model(ReceiptInput, receipt, f"receipt {number} (from row {first})"))
    return receipts


def _rows(text: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", ";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [f for f in required if f not in header]
    if missing:
        raise InputError(f"CSV header lacks the column(s) {', '.join(missing)}")
    count = 0
    for row in reader:
        count += 1
        if count > MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS} rows; split the file")
        row_number = reader.line_num
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(clean.values()):
            continue
        empty = [f for f in required if not clean.get(f)]
        if empty:
            raise InputError(f"row {row_number}: {', '.join(empty)} missing")
        yield row_number, clean
    if count == 0:
        raise InputError("the CSV has a header but no rows")


def _decimal(value: str, row: int, name: str) -> str:
    text = value.replace("\u00a0", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".") if "." in text else text.replace(",", ".")
    try:
        return str(Decimal(text))
    except InvalidOperation as exc:
        raise InputError(f"row {row}: {name} {value!r} is not a number") from exc


def _flag(value: str, row: int) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "ja", "yes", "j", "y"):
        return True
    if text in ("0", "false", "nei", "no", "n"):
        return False
    raise InputError(f"row {row}: receipt_required {value!r} is not yes/no")


def _list(items: Any) -> list[Any]:
    if not isinstance(items, list) or not items:
        raise InputError("expected an object or a non-empty list")
    if len(items) > 1000:
        raise InputError("at most 1,000 per request")
    return items


def _model(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InputError(f"{where}: {problems}") from exc
