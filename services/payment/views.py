"""What the payment API shows of runs and of the book (plain data for JSON)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Protocol

from services.payment.domain import BookItem, PaymentBook, PaymentRun
from services.payment.planning import execution_date
from services.payment.setup import Setup

Data = dict[str, Any]
PAYMENT_FIELDS = (
    "invoice_id",
    "invoice_number",
    "payment_id",
    "supplier_id",
    "creditor_name",
    "creditor_account",
    "kid",
    "open_amount",
    "discount",
    "credits",
    "amount",
    "currency",
    "due_date",
    "execution_date",
    "decision",
    "findings",
    "message_id",
    "payment_information_id",
    "file_name",
)


class Reads(Protocol):
    def book(self, tenant_id: str) -> PaymentBook: ...
    def setup_for(self, tenant_id: str) -> Setup: ...
    def clock(self) -> Any: ...


def run_view(run: PaymentRun) -> Data:
    plan = run.plan
    accounts: dict[str, list[Data]] = defaultdict(list)
    for payment in run.payments:
        accounts[str(payment.get("debtor_account") or "default")].append(
            {f: payment.get(f) for f in PAYMENT_FIELDS if f in payment}
        )
    return _who_and_when(run) | {
        "message_id": run.message_id,
        "file_name": run.file_name,
        "files": [
            {k: f[k] for k in ("version", "message_id", "file_name", "sha256")} for f in run.files
        ],
        "horizon": plan.get("horizon"),
        "accounts": [
            {
                "debtor_account": account,
                "payments": payments,
                "total": str(_total(payments)),
                "count": len(payments),
            }
            for account, payments in sorted(accounts.items())
        ],
        "items": [{f: p.get(f) for f in PAYMENT_FIELDS if f in p} for p in run.payments],
        "settled_by_credit": [
            {f: p.get(f) for f in PAYMENT_FIELDS if f in p} for p in run.settled_by_credit
        ],
        "held": plan.get("held", []),
        "excluded": plan.get("excluded", []),
        "carried_forward": plan.get("carried_forward", []),
        "not_due": plan.get("not_due", []),
        "gains": plan.get("gains", {}),
        "total": str(run.total.quantize(Decimal("0.01"))),
        "currency": "NOK",
    }


def run_summary(run: PaymentRun) -> Data:
    """A run in a list: who, when, how much, which files."""
    return _who_and_when(run) | {
        "horizon": run.plan.get("horizon"),
        "count": len(run.payments),
        "total": str(run.total.quantize(Decimal("0.01"))),
        "currency": "NOK",
        "files": [f["file_name"] for f in run.files],
    }


def _who_and_when(run: PaymentRun) -> Data:
    return {
        "run_id": str(run.id),
        "status": run.status,
        "proposed_by": run.proposed_by,
        "proposed_at": run.proposed_at,
        "released_by": run.released_by,
        "released_at": run.released_at,
        "cancelled_by": run.cancelled_by,
    }


def _total(payments: list[Data]) -> Decimal:
    return sum((Decimal(str(p["amount"])) for p in payments), Decimal("0.00"))


def item_views(app: Reads, tenant_id: str, status: str) -> list[Data]:
    book = app.book(tenant_id)
    if status == "held":
        return [{"invoice_id": k} | v for k, v in sorted(book.held.items())]
    setup = app.setup_for(tenant_id)
    now = app.clock()
    return [_open_view(item, setup, now) for item in sorted(book.items(), key=lambda i: i.due_date)]


def _open_view(item: BookItem, setup: Setup, now: Any) -> Data:
    data = item.to_dict()
    return {
        k: data[k]
        for k in (
            "invoice_id",
            "invoice_number",
            "supplier_id",
            "creditor_name",
            "creditor_account",
            "kid",
            "amount",
            "paid_amount",
            "currency",
            "issue_date",
            "due_date",
            "debtor_account",
            "terms",
            "offer",
            "last_failure",
        )
    } | {
        "kind": "credit-note" if item.is_credit_note else "invoice",
        "execution_date": execution_date(item.due_date, now, setup.schedule()).isoformat(),
    }
