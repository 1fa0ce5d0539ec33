"""The approved-coding record: one line of a history file, and reading/writing those files.

One type serves both training (labels present) and suggesting (labels absent), so the features
never depend on which of the two a record came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

Target = Literal["account", "vat_code", "department", "project"]
_NOT_ALNUM = re.compile(r"[\W_]+")
TARGETS: tuple[Target, ...] = ("account", "vat_code", "department", "project")


class RecordError(ValueError):
    """An unreadable line; `line` is 1-based so a person can open the file at it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class CodingRecord(BaseModel):
    """An invoice line with (for history) how a person coded it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    tenant: str
    date: date
    supplier_orgnr: str | None = None
    supplier_name: str | None = None
    description: str = ""
    amount: Decimal | None = None
    currency: str = "NOK"
    vat_rate: Decimal | None = None
    tax_category: str | None = None
    order_reference: str | None = None
    buyer_reference: str | None = None
    item_classification: str | None = None
    account: str | None = None
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None

    @field_validator(
        "supplier_orgnr",
        "supplier_name",
        "tax_category",
        "order_reference",
        "buyer_reference",
        "item_classification",
        "account",
        "vat_code",
        "department",
        "project",
        mode="before",
    )
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        """Accounts and codes arrive as numbers from spreadsheets; they are codes, not numbers."""
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, bool):
            raise ValueError("expected a code, got a boolean")
        if isinstance(value, int | float):
            return str(int(value)) if float(value).is_integer() else str(value)
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _empty_description(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        return "NOK" if value in (None, "") else str(value).upper()

    @property
    def supplier(self) -> str:
        """The supplier's identity: the organisation number when known, else the name."""
        if self.supplier_orgnr:
            return _NOT_ALNUM.sub("", self.supplier_orgnr).upper()
        return " ".join((self.supplier_name or "").lower().split()) or "?"

    def label(self, target: Target) -> str | None:
        value: str | None = getattr(self, target)
        return value

    def without_labels(self) -> CodingRecord:
        return self.model_copy(update=dict.fromkeys(TARGETS))


def parse_lines(lines: Iterable[str | bytes]) -> Iterator[CodingRecord]:
    """Records from JSONL text; blank lines are skipped, anything else must be a record."""
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            raise RecordError(number, f"not UTF-8 text ({exc.reason})") from None
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(number, f"not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise RecordError(number, "expected a JSON object")
        try:
            yield CodingRecord.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            raise RecordError(number, f"{where}: {first['msg']}") from None


def read_jsonl(path: Path) -> list[CodingRecord]:
    """All records of a file; RecordError names the first bad line, OSError an unreadable file."""
    with path.open("rb") as handle:
        return list(parse_lines(handle))


def to_json(record: CodingRecord) -> dict[str, Any]:
    """The documented JSON object; amounts as JSON numbers like the files people export."""
    data: dict[str, Any] = record.model_dump(mode="json")
    for key in ("amount", "vat_rate"):
        value = getattr(record, key)
        data[key] = None if value is None else float(value)
    return data


def write_jsonl(records: Iterable[CodingRecord], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(to_json(record), ensure_ascii=False) + "\n")
            count += 1
    return count
