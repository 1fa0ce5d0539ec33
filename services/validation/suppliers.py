"""Supplier master data as validation learns it, and the fraud checks it makes possible. Pure.

A supplier is known from its first accepted invoice on. A payment account or KID pattern that
differs from what the supplier has used before, or an account that belongs to another supplier of
the tenant, is the classic payment-diversion fraud: the invoice is flagged for a person to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared import checkdigits as cd
from shared.schemas.events import Finding, Severity
from shared.schemas.invoice import CanonicalInvoice

ACCOUNTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/validation/accounts")
FRAUD_RULES = frozenset({"FP-FRAUD-01", "FP-FRAUD-02", "FP-FRAUD-03"})


def account_of(invoice: CanonicalInvoice) -> str | None:
    raw = (invoice.payment_account or "").replace(" ", "").replace(".", "").upper()
    if not raw:
        return None
    if raw[:2].isalpha():
        return cd.iban_to_bban(raw) or raw  # a Norwegian IBAN is the same account as its BBAN
    return raw


def kid_pattern(kid: str | None) -> str | None:
    """A KID's shape: its length and check-digit method, e.g. `9/mod10`."""
    if not kid:
        return None
    return f"{len(kid)}/{cd.kid_scheme(kid) or 'none'}"


@dataclass(frozen=True)
class History:
    accounts: frozenset[str]
    kid_patterns: frozenset[str]


def fraud_findings(
    history: History,
    account: str | None,
    pattern: str | None,
    owner_of_account: str | None,
    supplier: str,
) -> list[Finding]:
    findings = []
    if account and history.accounts and account not in history.accounts:
        findings.append(
            _finding(
                "FP-FRAUD-01",
                "/payment_account",
                f"Nytt kontonummer {account} for denne leverandøren (kjente: "
                f"{', '.join(sorted(history.accounts))}). "
                "Kontroller med leverandøren før betaling.",
                f"New bank account {account} for this supplier (known: "
                f"{', '.join(sorted(history.accounts))}). Verify with the supplier before paying.",
            )
        )
    if pattern and history.kid_patterns and pattern not in history.kid_patterns:
        findings.append(
            _finding(
                "FP-FRAUD-02",
                "/payment_id",
                f"KID-mønsteret {pattern} avviker fra leverandørens tidligere "
                f"({', '.join(sorted(history.kid_patterns))}).",
                f"The KID pattern {pattern} differs from the supplier's earlier ones "
                f"({', '.join(sorted(history.kid_patterns))}).",
            )
        )
    if account and owner_of_account and owner_of_account != supplier:
        findings.append(
            _finding(
                "FP-FRAUD-03",
                "/payment_account",
                f"Kontonummer {account} tilhører en annen leverandør ({owner_of_account}).",
                f"Bank account {account} belongs to another supplier ({owner_of_account}).",
            )
        )
    return findings


def _finding(rule_id: str, location: str, nb: str, en: str) -> Finding:
    return Finding(
        rule_id=rule_id, flag=Severity.WARNING, location=location, message_nb=nb, message_en=en
    )


def account_registry_id(tenant_id: str) -> UUID:
    return uuid5(ACCOUNTS_NAMESPACE, tenant_id)


class AccountRegistry(Aggregate):
    """Which supplier each bank account paid by a tenant belongs to."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return account_registry_id(tenant_id)

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.owners: dict[str, str] = {}

    @event("AccountLearned")
    def learn(self, account: str, supplier: str, invoice_id: str, meta: dict[str, Any]) -> None:
        self.owners.setdefault(account, supplier)
