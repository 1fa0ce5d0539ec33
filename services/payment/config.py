"""Payment settings (`FP_PAYMENT_*`): who pays.

Every payment file is checked against the official XSD that ships with the project's dependencies
(`schemas.py`); there is no setting to turn that off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, model_validator
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
    horizon_days: int = 14
    """A run without a horizon takes the items due within this many days (tenant setup wins)."""
    clock_offset_hours: float = 0.0
    """Shifts the service's clock (tests and demos of planning); 0 in production."""
    inbox_dir: Path | None = None
    """The bank's answers (pain.002, camt.054) as files, `<inbox>/<tenant>/<file>`; default
    `FP_DATA_DIR/bank-inbox`."""
    poll_seconds: float = 2.0
    """How often the bank worker looks for released runs to deliver and files in the inbox."""
    max_bank_file_bytes: int = 10 * 1024 * 1024

    @model_validator(mode="after")
    def _valid_default_debtor(self) -> PaymentSettings:
        self.debtor_for("")
        return self

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=self.clock_offset_hours)

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
