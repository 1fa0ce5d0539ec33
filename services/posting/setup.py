"""A tenant's coding setup: chart of accounts, dimensions, rules and the touchless threshold.

Changed through the API; every change is an event of the tenant's `CodingSetup`, so the trail
shows who changed what. The chart says which VAT codes an account expects: posting the wrong VAT
code is the most common correction in accounts payable, so a mismatch is a finding.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.posting.saft import Company

SETUP_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/posting/setup")
VAT_CODES = frozenset({"0", "1", "11", "12", "13", "14", "15", *(str(c) for c in range(81, 90))})


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str = Field(pattern=r"^\d{4,6}$")
    name: str = Field(min_length=1, max_length=200)
    vat_codes: list[str] | None = Field(
        default=None, description="SAF-T codes the account expects; null: any."
    )

    @model_validator(mode="after")
    def _known_codes(self) -> Account:
        unknown = sorted(set(self.vat_codes or []) - VAT_CODES)
        if unknown:
            raise ValueError(f"unknown SAF-T VAT codes: {', '.join(unknown)}")
        return self


def _a(number: str, name: str, *codes: str) -> Account:
    return Account(number=number, name=name, vat_codes=list(codes) or None)


#: NS 4102, the expense accounts accounts payable uses most, with their usual VAT treatment.
NS4102: tuple[Account, ...] = (
    _a("4000", "Innkjøp av råvarer og halvfabrikata"),
    _a("4300", "Innkjøp av varer for videresalg"),
    _a("4500", "Fremmedytelse og underentreprise", "1", "0"),
    _a("6100", "Frakt og transportkostnader", "1", "13", "0"),
    _a("6300", "Leie lokale", "1", "0"),
    _a("6340", "Lys, varme", "1"),
    _a("6420", "Leie datasystemer", "1", "86"),
    _a("6540", "Inventar", "1"),
    _a("6551", "Datautstyr (hardware)", "1", "14"),
    _a("6553", "Programvare (software)", "1", "86", "88"),
    _a("6700", "Revisjonshonorar", "1"),
    _a("6705", "Regnskapshonorar", "1"),
    _a("6800", "Kontorrekvisita", "1"),
    _a("6860", "Møter, kurs, oppdatering", "1", "0"),
    _a("6900", "Telefon", "1"),
    _a("7140", "Reisekostnad, ikke oppgavepliktig", "13", "1", "0"),
    _a("7320", "Reklamekostnad", "1"),
    _a("7350", "Representasjon, fradragsberettiget", "0"),
    _a("7500", "Forsikringspremie", "0"),
    _a("7770", "Bank- og kortgebyrer", "0"),
    _a("7790", "Annen kostnad, fradragsberettiget"),
)


class Dimension(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    owner: str | None = None


class Dimensions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    departments: list[Dimension] = Field(default_factory=list, max_length=5000)
    projects: list[Dimension] = Field(default_factory=list, max_length=5000)


class RuleWhen(BaseModel):
    """All given conditions must hold; at least one must be given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    supplier_orgnr: str | None = Field(default=None, pattern=r"^\d{9}$")
    text_contains: str | None = Field(default=None, min_length=2, max_length=100)
    buyer_reference: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _something(self) -> RuleWhen:
        if not (self.supplier_orgnr or self.text_contains or self.buyer_reference):
            raise ValueError("a rule needs at least one condition")
        return self


class RuleThen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str | None = Field(default=None, pattern=r"^\d{4,6}$")
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None

    @model_validator(mode="after")
    def _something(self) -> RuleThen:
        if not (self.account or self.vat_code or self.department or self.project):
            raise ValueError("a rule must set at least one of account, vat_code, dimension")
        if self.vat_code is not None and self.vat_code not in VAT_CODES:
            raise ValueError(f"unknown SAF-T VAT code {self.vat_code}")
        return self


class CodingRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    when: RuleWhen
    then: RuleThen


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    touchless_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    """Above it an invoice is coded without a person; below, it asks for manual coding."""
    default_account: str = Field(default="7790", pattern=r"^\d{4,6}$")


class ExportSettings(BaseModel):
    """Where approved vouchers go: a CSV folder (default), the ERP's webhook, or SAF-T files.

    The webhook's signing secret comes from the environment (`FP_POSTING_WEBHOOK_SECRET`), never
    from here: this setup is stored as events for everyone with audit rights to read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector: Literal["csv", "webhook", "saft"] = "csv"
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=500)
    company: Company | None = Field(default=None, description="Header/Company of SAF-T files.")

    @model_validator(mode="after")
    def _complete(self) -> ExportSettings:
        if self.connector == "webhook" and not self.url:
            raise ValueError("the webhook connector needs a url")
        if self.connector == "saft" and self.company is None:
            raise ValueError("the SAF-T connector needs the company (orgnr, name, contact)")
        return self


class SetupRefused(ValueError):
    """A change that would leave the setup inconsistent, e.g. a rule to an unknown account;
    the message in English, `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


class Setup(BaseModel):
    """The whole setup as coding reads it."""

    model_config = ConfigDict(frozen=True)

    chart: list[Account] = Field(default_factory=lambda: list(NS4102))
    dimensions: Dimensions = Field(default_factory=Dimensions)
    rules: list[CodingRule] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)
    export: ExportSettings = Field(default_factory=ExportSettings)

    def account(self, number: str) -> Account | None:
        return next((a for a in self.chart if a.number == number), None)

    def problems(self) -> list[str]:
        """What refers to something the setup does not have."""
        return [en for en, _ in self.findings()]

    def findings(self) -> list[tuple[str, str]]:
        """The problems, each as (English, bokmål)."""
        numbers = {a.number for a in self.chart}
        departments = {d.code for d in self.dimensions.departments}
        projects = {p.code for p in self.dimensions.projects}
        found = []
        default = self.settings.default_account
        if default not in numbers:
            found.append(
                (
                    f"default account {default} is not in the chart",
                    f"standardkontoen {default} finnes ikke i kontoplanen",
                )
            )
        for rule in self.rules:
            then, name = rule.then, rule.name
            if then.account and then.account not in numbers:
                found.append(
                    (
                        f"rule {name!r}: account {then.account} is not in the chart",
                        f"regelen {name!r}: kontoen {then.account} finnes ikke i kontoplanen",
                    )
                )
            if then.department and then.department not in departments:
                found.append(
                    (
                        f"rule {name!r}: no department {then.department}",
                        f"regelen {name!r}: avdelingen {then.department} finnes ikke",
                    )
                )
            if then.project and then.project not in projects:
                found.append(
                    (
                        f"rule {name!r}: no project {then.project}",
                        f"regelen {name!r}: prosjektet {then.project} finnes ikke",
                    )
                )
        return found


SECTIONS: dict[str, type[BaseModel]] = {"settings": Settings, "dimensions": Dimensions}


def setup_id(tenant_id: str) -> UUID:
    return uuid5(SETUP_NAMESPACE, tenant_id)


class CodingSetup(Aggregate):
    """One tenant's coding setup, section by section, each change with who made it."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return setup_id(tenant_id)

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.sections: dict[str, Any] = {}

    def change(self, section: str, value: Any, changed_by: str, meta: dict[str, str]) -> Setup:
        """Checks the setup as it would be, then records the change; SetupRefused if wrong."""
        candidate = self.setup_with(section, value)
        problems = candidate.findings()
        if problems:
            raise SetupRefused(
                "; ".join(en for en, _ in problems), "; ".join(nb for _, nb in problems)
            )
        self._changed(section=section, value=value, changed_by=changed_by, meta=meta)
        return candidate

    @event("Changed")
    def _changed(self, section: str, value: Any, changed_by: str, meta: dict[str, str]) -> None:
        self.sections[section] = value

    def setup_with(self, section: str, value: Any) -> Setup:
        return Setup.model_validate(self.sections | {section: value})

    def current(self) -> Setup:
        return Setup.model_validate(self.sections)
