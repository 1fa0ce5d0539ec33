"""The voucher (bilag) of an approved invoice: what the ERP and the SAF-T file receive.

Pure: no clock, no I/O. `build_voucher` turns the approved coding into balanced lines: expense per
account and dimensions, input VAT per standard tax code on the 2710 series, the supplier credit on
2400 with the supplier as sub-ledger. It supersedes `domain.build_voucher`, which rounds nothing,
maps unknown VAT codes to 2710 silently and carries neither VAT base nor descriptions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schemas.events import CodingLine, InvoicePosted, InvoiceSummary, VoucherLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ACCOUNTS_PAYABLE = "2400"

#: Input VAT account per SAF-T standard tax code (NS 4102, as today's domain.INPUT_VAT_ACCOUNT).
INPUT_VAT_ACCOUNTS: Mapping[str, str] = {"1": "2710", "11": "2711", "13": "2712", "12": "2713"}

#: Rate (percent) per standard tax code for domestic purchases (DESIGN §4).
VAT_RATES: Mapping[str, Decimal] = {
    "0": Decimal("0"),
    "1": Decimal("25"),
    "11": Decimal("15"),
    "13": Decimal("12"),
    "12": Decimal("11.11"),
    "14": Decimal("25"),
    "15": Decimal("15"),
}

LineKind = Literal["expense", "vat", "payable"]


class VoucherError(ValueError):
    """The coding cannot become a voucher; says why instead of posting something wrong."""


class UnbalancedVoucher(VoucherError):
    """Debit and credit differ: never posted, never exported."""


def cents(amount: Decimal) -> Decimal:
    """Øre precision, half away from zero (the Norwegian commercial rule)."""
    return amount.quantize(CENT, ROUND_HALF_UP)


class VoucherNumber(BaseModel):
    """Series and number within a tenant; prints as the voucher series aggregate does."""

    model_config = ConfigDict(frozen=True)

    series: str = Field(min_length=1, max_length=18, pattern=r"^[0-9A-Za-z_.]+$")
    number: int = Field(ge=1)

    def __str__(self) -> str:
        return f"{self.series}-{self.number:06d}"

    @classmethod
    def parse(cls, text: str) -> VoucherNumber:
        """From `2026-000042` (what `VoucherSeries.current` gives) back to its parts."""
        series, sep, number = text.rpartition("-")
        if not sep or not number.isdigit():
            raise VoucherError(f"not a voucher number: {text!r}")
        return cls(series=series, number=int(number))

    def next(self) -> VoucherNumber:
        return VoucherNumber(series=self.series, number=self.number + 1)


class Supplier(BaseModel):
    """The sub-ledger party of the 2400 line, with what SAF-T's supplier master data wants."""

    model_config = ConfigDict(frozen=True)

    supplier_id: str = Field(min_length=1, max_length=35, description="Sub-ledger id.")
    name: str | None = None
    orgnr: str | None = Field(default=None, pattern=r"^\d{9}$")
    vat_id: str | None = None
    bank_account: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


def supplier_from(summary: InvoiceSummary) -> Supplier:
    """The supplier as the invoice names it; the id is the one posting's history uses."""
    orgnr = _orgnr(summary.seller_legal_id) or _orgnr(summary.seller_vat_id)
    key = summary.seller_legal_id or summary.seller_vat_id or summary.seller_name or "unknown"
    return Supplier(
        supplier_id=_sub_ledger_id(key),
        name=summary.seller_name,
        orgnr=orgnr,
        vat_id=summary.seller_vat_id,
        bank_account=summary.payment_account,
        country="NO" if orgnr else None,
    )


def _orgnr(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits if len(digits) == 9 else None


def _sub_ledger_id(key: str) -> str:
    """`domain.supplier_key` when it fits SAF-T's 35 characters, else a stable digest of it."""
    if len(key) <= 35:
        return key
    return "S" + hashlib.sha256(key.encode()).hexdigest()[:24]


class PostingLine(BaseModel):
    """One voucher line: a debit or a credit, with the VAT it carries and its dimensions."""

    model_config = ConfigDict(frozen=True)

    kind: LineKind
    account: str = Field(pattern=r"^\d{4,6}$")
    debit: Decimal = Field(default=ZERO, ge=0)
    credit: Decimal = Field(default=ZERO, ge=0)
    vat_code: str | None = None
    vat_rate: Decimal | None = Field(default=None, description="Percent, for TaxInformation.")
    vat_base: Decimal | None = Field(default=None, description="Signed net the VAT is on.")
    vat_amount: Decimal | None = Field(default=None, description="Signed VAT of this line.")
    supplier_id: str | None = None
    department: str | None = None
    project: str | None = None
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        """Signed: debit positive, credit negative."""
        return self.debit - self.credit

    def to_event(self) -> VoucherLine:
        return VoucherLine(
            account=self.account,
            debit=self.debit,
            credit=self.credit,
            vat_code=self.vat_code,
            supplier_id=self.supplier_id,
            department=self.department,
            project=self.project,
        )


class Voucher(BaseModel):
    """A balanced voucher of one invoice, numbered in the tenant's series. Immutable."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str = Field(min_length=1)
    number: VoucherNumber
    voucher_date: date = Field(description="Posting date (GLPostingDate).")
    invoice_id: UUID
    invoice_number: str | None
    invoice_date: date | None = Field(default=None, description="Document date (BT-2).")
    due_date: date | None = None
    kind: Literal["invoice", "credit-note"] = "invoice"
    supplier: Supplier
    currency: str = Field(default="NOK", pattern=r"^[A-Z]{3}$")
    payment_id: str | None = Field(default=None, description="KID (BT-83).")
    description: str
    lines: tuple[PostingLine, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _balanced(self) -> Self:
        if self.total_debit != self.total_credit:
            raise UnbalancedVoucher(
                f"voucher {self.number} debit {self.total_debit} != credit {self.total_credit}"
            )
        return self

    @property
    def voucher_number(self) -> str:
        return str(self.number)

    @property
    def idempotency_key(self) -> str:
        """Same voucher, same key, on every delivery attempt: lets the ERP refuse a repeat."""
        return f"{self.tenant_id}:{self.number}"

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def payable(self) -> PostingLine:
        return next(line for line in self.lines if line.kind == "payable")

    def event_lines(self) -> list[VoucherLine]:
        return [line.to_event() for line in self.lines]


def invoice_posted(voucher: Voucher, summary: InvoiceSummary) -> InvoicePosted:
    """The public `invoice-posted` payload for a voucher."""
    return InvoicePosted(
        invoice_id=voucher.invoice_id,
        tenant_id=voucher.tenant_id,
        voucher_number=voucher.voucher_number,
        voucher_date=voucher.voucher_date,
        lines=voucher.event_lines(),
        invoice=summary,
    )


# --- building -------------------------------------------------------------------------------

_GroupKey = tuple[str, str, str | None, str | None]


class _Group:
    """Coding lines that share account, VAT code and dimensions: one expense line."""

    def __init__(self) -> None:
        self.net = Decimal(0)
        self.vat = Decimal(0)
        self.descriptions: list[str] = []


def build_voucher(
    coding: Sequence[CodingLine],
    invoice: InvoiceSummary,
    *,
    tenant_id: str,
    invoice_id: UUID,
    number: VoucherNumber,
    voucher_date: date,
    supplier: Supplier | None = None,
    vat_accounts: Mapping[str, str] = INPUT_VAT_ACCOUNTS,
    payable_account: str = ACCOUNTS_PAYABLE,
    description: str | None = None,
) -> Voucher:
    """Balanced to the øre, or an error; a credit note is posted reversed.

    Amounts may carry more than two decimals: the supplier credit is the rounded gross total,
    VAT per code the rounded VAT total, and what line rounding loses goes on the largest line.
    Coding of a credit note may come signed (negative, as `domain.split_by_vat` gives it) or as
    positive document amounts; either way the voucher debits 2400.
    """
    if not coding:
        raise VoucherError("no coding lines: nothing to post")
    credit_note = invoice.kind == "credit-note"
    lines_in = _normalised(coding, credit_note)
    supplier = supplier or supplier_from(invoice)
    text = description or _description(invoice, supplier, credit_note)
    total = cents(sum((c.net_amount + c.vat_amount for c in lines_in), Decimal(0)))
    groups = _grouped(lines_in)
    vat_by_code = _vat_targets(lines_in, vat_accounts)
    vat_r = _rounded_vat(groups, vat_by_code)
    net_r = _settled({k: g.net for k, g in groups.items()}, total - sum(vat_by_code.values(), ZERO))
    lines = [
        *_expense_lines(groups, net_r, vat_r, text),
        *_vat_lines(vat_by_code, vat_accounts, text),
        _line(
            "payable", payable_account, -total, supplier_id=supplier.supplier_id, description=text
        ),
    ]
    _check(lines, number)
    return Voucher(
        tenant_id=tenant_id,
        number=number,
        voucher_date=voucher_date,
        invoice_id=invoice_id,
        invoice_number=invoice.number,
        invoice_date=invoice.issue_date,
        due_date=invoice.due_date,
        kind="credit-note" if credit_note else "invoice",
        supplier=supplier,
        currency=invoice.currency or "NOK",
        payment_id=invoice.payment_id,
        description=text,
        lines=tuple(lines),
    )


def _normalised(coding: Sequence[CodingLine], credit_note: bool) -> list[CodingLine]:
    """A credit note coded with positive document amounts is turned into negative ones."""
    gross = sum((c.net_amount + c.vat_amount for c in coding), Decimal(0))
    if not (credit_note and gross > 0):
        return list(coding)
    return [
        c.model_copy(update={"net_amount": -c.net_amount, "vat_amount": -c.vat_amount})
        for c in coding
    ]


def _description(invoice: InvoiceSummary, supplier: Supplier, credit_note: bool) -> str:
    what = "Kreditnota" if credit_note else "Faktura"
    return f"{what} {invoice.number or '?'} {supplier.name or supplier.supplier_id}"


def _grouped(coding: Iterable[CodingLine]) -> dict[_GroupKey, _Group]:
    groups: dict[_GroupKey, _Group] = {}
    for c in coding:
        group = groups.setdefault((c.account, c.vat_code, c.department, c.project), _Group())
        group.net += c.net_amount
        group.vat += c.vat_amount
        if c.description and c.description not in group.descriptions:
            group.descriptions.append(c.description)
    return dict(sorted(groups.items(), key=lambda item: tuple(v or "" for v in item[0])))


def _vat_targets(
    coding: Iterable[CodingLine], vat_accounts: Mapping[str, str]
) -> dict[str, Decimal]:
    """Rounded input VAT per code; VAT on a code without an input VAT account is an error."""
    exact: dict[str, Decimal] = {}
    for c in coding:
        if c.vat_amount:
            if c.vat_code not in vat_accounts:
                raise VoucherError(
                    f"VAT {c.vat_amount} on code {c.vat_code!r}, which has no input VAT account"
                )
            exact[c.vat_code] = exact.get(c.vat_code, Decimal(0)) + c.vat_amount
    return {code: cents(amount) for code, amount in sorted(exact.items())}


def _rounded_vat(
    groups: Mapping[_GroupKey, _Group], vat_by_code: Mapping[str, Decimal]
) -> dict[_GroupKey, Decimal]:
    """Each line's VAT in øre, adding up per code to the VAT posted on the 2710 series."""
    rounded: dict[_GroupKey, Decimal] = {}
    for code, target in vat_by_code.items():
        mine = {k: g.vat for k, g in groups.items() if k[1] == code}
        rounded.update(_settled(mine, target))
    return {k: rounded.get(k, ZERO) for k in groups}


def _settled(exact: Mapping[_GroupKey, Decimal], target: Decimal) -> dict[_GroupKey, Decimal]:
    """Round each amount; the difference to the target goes on the largest one."""
    rounded = {k: cents(v) for k, v in exact.items()}
    difference = target - sum(rounded.values(), ZERO)
    if difference:
        largest = max(rounded, key=lambda k: abs(exact[k]))
        rounded[largest] += difference
    return rounded


def _expense_lines(
    groups: Mapping[_GroupKey, _Group],
    net: Mapping[_GroupKey, Decimal],
    vat: Mapping[_GroupKey, Decimal],
    text: str,
) -> list[PostingLine]:
    lines = []
    for key, group in groups.items():
        account, code, department, project = key
        if not net[key] and not vat[key]:
            continue
        lines.append(
            _line(
                "expense",
                account,
                net[key],
                vat_code=code,
                vat_rate=VAT_RATES.get(code),
                vat_base=net[key],
                vat_amount=vat[key],
                department=department,
                project=project,
                description="; ".join(group.descriptions) or text,
            )
        )
    return lines


def _vat_lines(
    vat_by_code: Mapping[str, Decimal], vat_accounts: Mapping[str, str], text: str
) -> list[PostingLine]:
    return [
        _line("vat", vat_accounts[code], amount, vat_code=code, description=text)
        for code, amount in vat_by_code.items()
        if amount
    ]


def _line(kind: LineKind, account: str, amount: Decimal, **fields: object) -> PostingLine:
    """A signed amount on the side it belongs: positive debit, negative credit."""
    amount = cents(amount)
    side = {"debit": amount} if amount > 0 else {"credit": -amount} if amount < 0 else {}
    return PostingLine.model_validate({"kind": kind, "account": account, **side, **fields})


def _check(lines: Sequence[PostingLine], number: VoucherNumber) -> None:
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    if debit != credit:
        raise UnbalancedVoucher(f"voucher {number}: debit {debit} != credit {credit}")
    if not debit:
        raise VoucherError(f"voucher {number}: every amount is zero, nothing to post")
