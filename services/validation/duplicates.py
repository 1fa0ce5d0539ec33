"""Duplicates and credit notes against the supplier's earlier invoices. Pure.

Exact: same supplier, same invoice number, same year (suppliers reuse numbers across years).
Probable: same supplier, same amount, issue dates within a window, another number.
A credit note is paired with the invoice it credits: by its billing reference, else by amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.schemas.events import Finding, Severity
from shared.schemas.invoice import CanonicalInvoice, DocumentKind

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/validation/ledger")
DUPLICATE_RULES = frozenset({"FP-DUP-01", "FP-DUP-02"})


@dataclass(frozen=True)
class Entry:
    """What the ledger remembers of one earlier document of the supplier."""

    invoice_id: str
    number: str | None
    issue_date: date | None
    amount: Decimal | None
    credit_note: bool

    @classmethod
    def of(cls, invoice_id: str, invoice: CanonicalInvoice) -> Entry:
        return cls(
            invoice_id,
            invoice.number,
            invoice.issue_date,
            invoice.totals.payable,
            invoice.kind is DocumentKind.CREDIT_NOTE,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "invoice_id": self.invoice_id,
            "number": self.number,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "amount": str(self.amount) if self.amount is not None else None,
            "credit_note": self.credit_note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            data["invoice_id"],
            data["number"],
            date.fromisoformat(data["issue_date"]) if data["issue_date"] else None,
            Decimal(data["amount"]) if data["amount"] is not None else None,
            bool(data["credit_note"]),
        )


def supplier_key(invoice: CanonicalInvoice) -> str | None:
    seller = invoice.seller
    return seller.legal_id or seller.vat_id or (seller.name.lower() if seller.name else None)


def ledger_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"{tenant_id}/{supplier}")


def duplicate_findings(earlier: list[Entry], new: Entry, window_days: int) -> list[Finding]:
    findings = []
    for old in earlier:
        if old.credit_note != new.credit_note or old.invoice_id == new.invoice_id:
            continue
        same_year = bool(
            old.issue_date and new.issue_date and old.issue_date.year == new.issue_date.year
        )
        if old.number and old.number == new.number and same_year:
            findings.append(
                _finding(
                    "FP-DUP-01",
                    old,
                    f"Samme leverandør har allerede sendt faktura {old.number} samme år",
                    f"The supplier already sent invoice {old.number} the same year",
                )
            )
        elif (
            old.amount is not None
            and old.amount == new.amount
            and old.issue_date
            and new.issue_date
            and abs((old.issue_date - new.issue_date).days) <= window_days
        ):
            findings.append(
                _finding(
                    "FP-DUP-02",
                    old,
                    f"Sannsynlig duplikat: samme beløp {_norwegian_amount(old.amount)} som faktura "
                    f"{old.number} fra {old.issue_date.strftime('%d.%m.%Y')}",
                    f"Probable duplicate: same amount {old.amount} as invoice {old.number} of "
                    f"{old.issue_date.isoformat()}",
                )
            )
    return findings


def credited_invoice(earlier: list[Entry], credit: Entry, reference: str | None) -> Entry | None:
    """The invoice a credit note credits: its billing reference (BT-25), else the same amount."""
    invoices = [e for e in earlier if not e.credit_note]
    if reference:
        for entry in invoices:
            if entry.number == reference:
                return entry
    if credit.amount is not None:
        same = [e for e in invoices if e.amount is not None and abs(e.amount) == abs(credit.amount)]
        if len(same) == 1:
            return same[0]
    return None


def _norwegian_amount(amount: Decimal) -> str:
    """An amount as a Norwegian reads it: 2 931,25."""
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return whole.replace(",", "\u00a0") + "," + cents


def _finding(rule_id: str, old: Entry, nb: str, en: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        flag=Severity.WARNING,
        location=f"invoice:{old.invoice_id}",
        message_nb=f"{nb} (faktura-id {old.invoice_id}).",
        message_en=f"{en} (invoice id {old.invoice_id}).",
    )


class SupplierLedger(Aggregate):
    """The documents one supplier sent one tenant, as validation saw them."""

    @staticmethod
    def create_id(tenant_id: str, supplier: str) -> UUID:
        return ledger_id(tenant_id, supplier)

    @event("Opened")
    def __init__(self, tenant_id: str, supplier: str) -> None:
        self.entries: list[dict[str, Any]] = []
        self.accounts: list[str] = []
        self.kid_patterns: list[str] = []

    @event("DocumentRecorded")
    def record(self, entry: dict[str, Any], meta: dict[str, str]) -> None:
        """A document, or a corrected one in place of its earlier entry (same invoice id)."""
        self.entries = [e for e in self.entries if e["invoice_id"] != entry["invoice_id"]]
        self.entries.append(entry)

    @event("DocumentForgotten")
    def forget(self, invoice_id: str, meta: dict[str, str]) -> None:
        """A correction showed the document to be another supplier's."""
        self.entries = [e for e in self.entries if e["invoice_id"] != invoice_id]

    def holds(self, invoice_id: str) -> bool:
        return any(e["invoice_id"] == invoice_id for e in self.entries)

    @event("PaymentDetailsTrusted")
    def trust(self, account: str | None, kid_pattern: str | None, meta: dict[str, str]) -> None:
        """An accepted invoice teaches what the supplier's account and KID look like."""
        if account and account not in self.accounts:
            self.accounts.append(account)
        if kid_pattern and kid_pattern not in self.kid_patterns:
            self.kid_patterns.append(kid_pattern)

    @event("MasterDataRegistered")
    def register_master_data(
        self,
        name: str | None,
        email: str | None,
        account: str | None,
        kid_pattern: str | None,
        registered_by: str,
        meta: dict[str, str],
    ) -> None:
        """Registered by a person through the API: what later invoices are held against."""
        self.name = name
        self.email = email
        self.registered_by = registered_by
        if account and account not in self.accounts:
            self.accounts.append(account)
        if kid_pattern and kid_pattern not in self.kid_patterns:
            self.kid_patterns.append(kid_pattern)

    def master_data(self) -> dict[str, Any]:
        return {
            "name": getattr(self, "name", None),
            "email": getattr(self, "email", None),
            "accounts": list(self.accounts),
            "kid_patterns": list(self.kid_patterns),
            "documents": len(self.entries),
            "registered_by": getattr(self, "registered_by", None),
        }

    def earlier(self) -> list[Entry]:
        return [Entry.from_dict(e) for e in self.entries]
