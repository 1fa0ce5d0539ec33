"""Who reads which invoice status rows through the API, and how much of each.

The tenant's own people read whole rows. A supplier's user reads only their supplier's invoices
(or what they sent that is not read yet), and of those only what the supplier may know: where the
invoice is, the dates and the amount, and, once it is rejected, the fatal findings or the
person's reason. Warnings, flags, coding, approvers, corrections and payment checks stay internal.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fakturaportal.auth import Principal

STAFF: tuple[str, ...] = (
    "accountant",
    "attestant",
    "budget-holder",
    "payment-approver",
    "finance-admin",
    "auditor",
    "erp",
)
SUPPLIER_FIELDS = frozenset(
    {
        "invoice_id",
        "tenant_id",
        "status",
        "invoice_number",
        "kind",
        "issue_date",
        "due_date",
        "amount_payable",
        "currency",
        "supplier_name",
        "supplier_orgnr",
        "channel",
        "received_at",
        "updated_at",
        "execution_date",
        "settled_on",
        "dispute_reason",
    }
)


def reads_everything(user: Principal) -> bool:
    return user.has_any(*STAFF)


def is_supplier(user: Principal) -> bool:
    return user.has_any("supplier") and not reads_everything(user)


def owned_by(row: dict[str, Any], user: str, orgnrs: Collection[str]) -> bool:
    """A supplier's invoice: its seller is one they act for, or they sent it and it is not read
    yet (no seller org.nr so far). The web pages and the API decide by this one rule."""
    orgnr = row.get("supplier_orgnr")
    if orgnr is None:
        return bool(row.get("registered_by") == user)
    return orgnr in orgnrs


def supplier_owns(user: Principal, row: dict[str, Any]) -> bool:
    return owned_by(row, user.user, [user.supplier_orgnr] if user.supplier_orgnr else [])


def for_supplier(row: dict[str, Any]) -> dict[str, Any]:
    """What a supplier may read of their own invoice's row."""
    shown = {k: v for k, v in row.items() if k in SUPPLIER_FIELDS}
    if row.get("status") == "rejected":
        if row.get("rejected_by"):
            shown["rejection_reason"] = row.get("rejection_reason")
        else:
            fatal = [f for f in row.get("findings") or [] if f.get("flag", "fatal") == "fatal"]
            shown["findings"] = fatal
    return shown
