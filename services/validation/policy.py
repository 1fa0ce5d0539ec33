"""Per-tenant validation policy: order-match tolerances, the duplicate window and rule flags.

Changed through the API; every change is an event of the tenant's `PolicyBook`, so the trail
shows who allowed what and when. The rule flags let a tenant silence or sharpen its own checks
(`FP-*`, `NO-BF-*`) and sharpen official warnings, but never weaken an official fatal rule: an
invoice that breaks EN16931 or Peppol stays rejected whatever a tenant says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.events import Finding, Severity

POLICY_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/validation/policy")
OWN_RULE_PREFIXES = ("FP-", "NO-BF-")

RuleFlag = Literal["fatal", "warning", "off"]


class Limit(BaseModel):
    """A deviation is within the limit when it is within both bounds that are set.

    `amount` is in NOK and applies to NOK documents; `percent` is relative to the ordered value.
    A bound left out (null) is not checked; both left out means any deviation passes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal | None = Field(default=None, ge=0, max_digits=15, decimal_places=2)
    percent: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=4)

    def covers(self, amount: Decimal, percent: Decimal | None, currency: str | None) -> bool:
        if amount <= 0:
            return True  # in the buyer's favour: recorded, never a reason to stop
        if self.amount is not None and (currency or "NOK") == "NOK" and amount > self.amount:
            return False
        return self.percent is None or percent is None or percent <= self.percent


class Tolerances(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line: Limit = Limit(amount=Decimal("500"), percent=Decimal("5"))
    """Each invoice line: price, quantity over the order, quantity not received, unordered line."""
    invoice: Limit = Limit(amount=Decimal("1000"), percent=Decimal("2"))
    """The invoice's total without VAT against the ordered value of what it invoices."""


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tolerances: Tolerances = Tolerances()
    three_way: bool = True
    """Match against goods receipts for orders that require them."""
    duplicate_window_days: int = Field(default=7, ge=0, le=366)
    rules: dict[str, RuleFlag] = Field(default_factory=dict, max_length=500)
    """Rule id -> fatal, warning or off."""


class PolicyRefused(ValueError):
    """A policy change that would weaken an official fatal rule; `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


def check_rule_flags(flags: dict[str, RuleFlag], official: dict[str, Severity]) -> None:
    """Refuses unknown rule ids and any weakening of an official fatal rule."""
    unknown = sorted(r for r in flags if r not in official and not r.startswith(OWN_RULE_PREFIXES))
    if unknown:
        named = ", ".join(unknown)
        raise PolicyRefused(f"unknown rule ids: {named}", f"Ukjente regel-id-er: {named}.")
    weakened = sorted(
        rule
        for rule, flag in flags.items()
        if flag != "fatal" and official.get(rule) is Severity.FATAL
    )
    if weakened:
        rules, own = ", ".join(weakened), ", ".join(OWN_RULE_PREFIXES)
        raise PolicyRefused(
            f"official fatal rules cannot be weakened: {rules}; only warnings "
            f"and the portal's own rules ({own}…) can be changed",
            f"Offisielle avvisningsregler kan ikke svekkes: {rules}; bare advarsler og portalens "
            f"egne regler ({own}…) kan endres.",
        )


def apply_rule_flags(findings: list[Finding], flags: dict[str, RuleFlag]) -> list[Finding]:
    """The tenant's flags over the findings: `off` drops one, the others set its severity."""
    out = []
    for finding in findings:
        flag = flags.get(finding.rule_id)
        if flag == "off":
            continue
        if flag is not None and finding.flag.value != flag:
            finding = finding.model_copy(update={"flag": Severity(flag)})
        out.append(finding)
    return out


def policy_id(tenant_id: str) -> UUID:
    return uuid5(POLICY_NAMESPACE, tenant_id)


class PolicyBook(Aggregate):
    """One tenant's validation policy, version by version."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return policy_id(tenant_id)

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.policy: dict[str, Any] | None = None
        self.changed_by: str | None = None

    @event("Changed")
    def change(self, policy: dict[str, Any], changed_by: str, meta: dict[str, str]) -> None:
        self.policy = policy
        self.changed_by = changed_by

    def current(self, default: Policy) -> Policy:
        return Policy.model_validate(self.policy) if self.policy is not None else default
