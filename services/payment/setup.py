"""A tenant's payment setup: debtor accounts, payment days, cut-off, cost of capital, horizon.

Changed through the API (`PUT /api/v1/payment/settings`, finance admins); every change is an event
of the tenant's `PaymentSetup`, so the trail shows who changed what and when. A tenant without a
setup pays from the company the environment names (`PaymentSettings.debtor_for`), on every banking
day, with the defaults below.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payment.config import IdScheme, checked_debtor
from services.payment.pain001 import Debtor
from services.payment.planning import PaymentSchedule

SETUP_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/payment/setup")
DEFAULT_ACCOUNT_ID = "default"
PainVersion = Literal["03", "09"]


class DebtorAccount(BaseModel):
    """One account the tenant pays from, with the company that owns it and its bank's format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Our name for the account.")
    name: str = Field(min_length=1, max_length=140, description="The paying company (Dbtr/Nm).")
    orgnr: str = Field(description="The company's organisation number (MOD11).")
    account: str = Field(description="11-digit Norwegian account number (BBAN, MOD11).")
    bic: str = Field(description="The debtor bank's BIC (DbtrAgt).")
    id_scheme: IdScheme = Field(default="CUST", description="SchmeNm/Cd of the orgnr.")
    pain_version: PainVersion = Field(
        default="03", description="pain.001.001.03 (Norwegian baseline) or .09, per bank agreement."
    )

    @model_validator(mode="after")
    def _valid(self) -> DebtorAccount:
        self.debtor()
        return self

    def debtor(self) -> Debtor:
        return checked_debtor(self.name, self.orgnr, self.account, self.bic, self.id_scheme)


class Setup(BaseModel):
    """The whole payment setup of a tenant."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    debtor_accounts: list[DebtorAccount] = Field(min_length=1, max_length=50)
    default_account: str = Field(description="The id of the account invoices are paid from.")
    weekdays: list[int] = Field(
        default_factory=list, description="Payment weekdays, 0 = Monday; empty: any banking day."
    )
    month_days: list[int] = Field(
        default_factory=list, description="Payment days of the month (1..31); empty: none named."
    )
    cutoff: time = Field(
        default=time(13, 0), description="The bank's cut-off for same-day execution (Oslo time)."
    )
    cost_of_capital: Decimal = Field(
        default=Decimal("8"), ge=0, le=100, decimal_places=4, description="Percent a year."
    )
    horizon_days: int = Field(
        default=14, ge=0, le=366, description="A proposal without a horizon looks this far ahead."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Setup:
        ids = [a.id for a in self.debtor_accounts]
        problems = []
        if len(set(ids)) != len(ids):
            problems.append(f"debtor account ids must be unique: {', '.join(ids)}")
        if self.default_account not in ids:
            problems.append(f"default account {self.default_account!r} is not one of {ids}")
        if not set(self.weekdays) <= set(range(7)):
            problems.append("weekdays are 0 (Monday) to 6 (Sunday)")
        if not set(self.month_days) <= set(range(1, 32)):
            problems.append("days of the month are 1 to 31")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def schedule(self) -> PaymentSchedule:
        return PaymentSchedule(self.cutoff, frozenset(self.weekdays), frozenset(self.month_days))

    def account(self, account_id: str | None) -> DebtorAccount:
        """The named account, or the default one when it is not (or no longer) there."""
        for found in self.debtor_accounts:
            if found.id == account_id:
                return found
        return next(a for a in self.debtor_accounts if a.id == self.default_account)


def default_setup(debtor: Debtor, horizon_days: int) -> Setup:
    """What a tenant without a setup of its own pays with (the environment's company)."""
    return Setup(
        debtor_accounts=[
            DebtorAccount(
                id=DEFAULT_ACCOUNT_ID,
                name=debtor.name,
                orgnr=debtor.orgnr,
                account=debtor.account,
                bic=debtor.bic,
                id_scheme="BANK" if debtor.id_scheme == "BANK" else "CUST",
            )
        ],
        default_account=DEFAULT_ACCOUNT_ID,
        horizon_days=horizon_days,
    )


def setup_id(tenant_id: str) -> UUID:
    return uuid5(SETUP_NAMESPACE, tenant_id)


class PaymentSetup(Aggregate):
    """One tenant's payment setup, each change with who made it."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return setup_id(tenant_id)

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.settings: dict[str, Any] | None = None

    def change(self, setup: Setup, changed_by: str, meta: dict[str, str]) -> None:
        self._changed(settings=setup.model_dump(mode="json"), changed_by=changed_by, meta=meta)

    @event("Changed")
    def _changed(self, settings: dict[str, Any], changed_by: str, meta: dict[str, str]) -> None:
        self.settings = settings

    def current(self) -> Setup | None:
        return None if self.settings is None else Setup.model_validate(self.settings)
