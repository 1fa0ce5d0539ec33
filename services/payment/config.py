"""Payment settings (`FP_PAYMENT_*`): who pays, and how payment files are checked."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.payment.pain001 import Debtor, PaymentFileError, check_bic, check_orgnr, parse_account

IdScheme = Literal["CUST", "BANK"]


def checked_debtor(name: str, orgnr: str, account: str, bic: str, id_scheme: str) -> Debtor:
    """The paying company, checked: orgnr MOD11, an 11-digit BBAN (MOD11) and a BIC."""
    try:
        bban = parse_account(account)
        if bban.scheme != "BBAN":
            raise PaymentFileError(f"debtor account {account!r} must be an 11-digit Norwegian BBAN")
        return Debtor(
            name=name,
            orgnr=check_orgnr(orgnr),
            account=bban.number,
            bic=check_bic(bic),
            id_scheme=id_scheme,
        )
    except PaymentFileError as exc:
        raise ValueError(str(exc)) from exc


class DebtorSettings(BaseModel):
    """One tenant's paying company (all fields required: no demo values slip into a real file)."""

    name: str
    orgnr: str
    account: str
    bic: str
    id_scheme: IdScheme = "CUST"

    @model_validator(mode="after")
    def _valid(self) -> DebtorSettings:
        self.debtor()
        return self

    def debtor(self) -> Debtor:
        return checked_debtor(self.name, self.orgnr, self.account, self.bic, self.id_scheme)


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_PAYMENT_", extra="ignore")

    debtor_name: str = "Demo Bedrift AS"
    debtor_orgnr: str = "910747711"
    debtor_account: str = "15030100007"
    debtor_bic: str = "DNBANOKK"
    debtor_id_scheme: IdScheme = "CUST"
    """`InitgPty`/`Dbtr` `Id/OrgId/Othr/SchmeNm/Cd` of the orgnr, as the bank agreement says."""
    debtors: dict[str, DebtorSettings] = {}
    """Per-tenant debtors as JSON (`{"tenant": {"name":…, "orgnr":…, "account":…, "bic":…}}`);
    a tenant not named here pays with the `debtor_*` company above."""
    pain001_xsd: Path | None = None
    """The official pain.001.001.03 XSD; every file is validated against it when set."""
    horizon_days: int = 14
    """A run without `due_until` takes the items due within this many days."""

    @model_validator(mode="after")
    def _valid_default_debtor(self) -> PaymentSettings:
        self.debtor_for("")
        return self

    @field_validator("pain001_xsd")
    @classmethod
    def _xsd_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"FP_PAYMENT_PAIN001_XSD={path} is not a file")
        return path

    def debtor_for(self, tenant_id: str) -> Debtor:
        named = self.debtors.get(tenant_id)
        if named is not None:
            return named.debtor()
        return checked_debtor(
            self.debtor_name,
            self.debtor_orgnr,
            self.debtor_account,
            self.debtor_bic,
            self.debtor_id_scheme,
        )
