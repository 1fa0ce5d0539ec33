"""Invoice lines from a table: a header row names the columns, rows below fill them.

A header row is a line with a description column and an amount column among its labels
(Beskrivelse/Tekst/Description …, Beløp/Sum/Amount …), usually with quantity and price. Each
following line is cut into the header's columns by x position; a row needs a description and an
amount. The table ends at a totals label or after a run of lines that are not rows. A table that
goes on over several pages repeats (or omits) its header; both work.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.intake.candidates import Layout, Line, Segment, find_amounts, tokens
from shared.schemas.invoice import InvoiceLine

_COLUMNS: dict[str, tuple[str, ...]] = {
    "description": (
        "beskrivelse",
        "varetekst",
        "tekst",
        "description",
        "item",
        "produkt",
        "vare",
        "varebeskrivelse",
        "artikkel",
        "tjeneste",
        "spesifikasjon",
        "ytelse",
        "service",
        "details",
    ),
    "quantity": ("antall", "ant", "qty", "quantity", "mengde", "kvantum"),
    "unit": ("enhet", "unit", "enh"),
    "price": ("pris", "enhetspris", "à", "a", "unit price", "price", "stykkpris", "sats", "rate"),
    "vat": ("mva", "mva %", "mva-sats", "vat", "vat %", "mvasats", "tax"),
    "amount": (
        "beløp",
        "sum",
        "amount",
        "total",
        "linjesum",
        "netto",
        "nettobeløp",
        "line total",
        "beløp eks mva",
        "sum eks mva",
        "amount excl vat",
        "totalt",
    ),
    "item": ("varenr", "art nr", "artnr", "item no", "produktnr", "nr", "kode", "code", "sku"),
}
_STOP = (
    "sum eks",
    "sum ekskl",
    "subtotal",
    "total excl",
    "netto",
    "å betale",
    "sum mva",
    "total vat",
    "amount due",
    "totalt",
    "mva grunnlag",
    "sum inkl",
    "total incl",
    "nettobeløp",
    "sub total",
    "sum",
)


@dataclass(frozen=True)
class Column:
    kind: str
    x0: float
    x1: float


def _column_kind(segment: Segment) -> str | None:
    text = " ".join(tokens(segment.text))
    for kind, names in _COLUMNS.items():
        if text in names or text.rstrip(" %") in names:
            return kind
    return None


def header_columns(line: Line) -> list[Column] | None:
    columns: list[Column] = []
    for segment in line.segments:
        kind = _column_kind(segment)
        if kind is None:
            if len(segment.words) > 3:
                return None
            continue
        columns.append(Column(kind, segment.x0, segment.x1))
    kinds = {c.kind for c in columns}
    if "description" in kinds and "amount" in kinds and len(columns) >= 3:
        return columns
    return None


def header_lines(layout: Layout) -> set[int]:
    return {line.index for line in layout.lines if header_columns(line) is not None}


def _assign(segment: Segment, columns: list[Column]) -> str:
    """The column a value belongs to: overlap first, then the nearest edge."""
    best, best_score = columns[0].kind, -1e9
    for column in columns:
        overlap = min(segment.x1, column.x1) - max(segment.x0, column.x0)
        distance = min(abs(segment.x1 - column.x1), abs(segment.x0 - column.x0))
        score = overlap if overlap > 0 else -distance
        if score > best_score:
            best, best_score = column.kind, score
    return best


def _is_stop(line: Line) -> bool:
    first = " ".join(tokens(line.segments[0].text))
    return any(first.startswith(stop) for stop in _STOP)


def extract_lines(layout: Layout) -> list[InvoiceLine]:
    """Rows of every recognised table, in reading order; empty when no table is found."""
    rows: list[InvoiceLine] = []
    columns: list[Column] | None = None
    misses = 0
    for line in layout.lines:
        found = header_columns(line)
        if found is not None:
            columns, misses = found, 0
            continue
        if columns is None:
            continue
        if _is_stop(line):
            columns = None
            continue
        row = _row(line, columns, len(rows) + 1)
        if row is None:
            misses += 1
            if misses > 4:
                columns = None
            continue
        misses = 0
        rows.append(row)
    return rows


def _row(line: Line, columns: list[Column], number: int) -> InvoiceLine | None:
    cells: dict[str, list[str]] = {}
    for segment in line.segments:
        cells.setdefault(_assign(segment, columns), []).append(segment.text)
    description = " ".join(cells.get("description", [])).strip()
    amounts = find_amounts(" ".join(cells.get("amount", [])))
    if not description or not amounts or not amounts[-1].decimals:
        return None
    quantity = _decimal(cells.get("quantity"))
    price = _decimal(cells.get("price"))
    vat = _decimal(cells.get("vat"))
    unit = " ".join(cells.get("unit", [])) or None
    item = " ".join(cells.get("item", [])) or None
    return InvoiceLine(
        line_id=str(number),
        description=description,
        quantity=quantity,
        unit_code=unit,
        unit_price=price,
        net_amount=amounts[-1].value,
        vat_rate=vat,
        seller_item_id=item,
    )


def _decimal(texts: list[str] | None) -> Decimal | None:
    if not texts:
        return None
    amounts = find_amounts(" ".join(texts).replace("%", " "))
    if not amounts:
        return None
    value = amounts[0].value
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
