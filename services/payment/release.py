"""The pain.001 files of a released run. Pure: no I/O (the caller checks them against the XSD).

One file per pain.001 version and paying company (name, orgnr, bank): the run's debtor accounts
say which version their bank takes (`DebtorAccount.pain_version`). Inside a file, one payment
block (`PmtInf`) per debtor account and execution date. Each payment keeps the `MsgId`, `PmtInfId`
and file name it went in, which the bank's answers refer to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.payment.domain import message_id
from services.payment.pain001 import CreditTransfer, Debtor, Version, build, payment_blocks
from services.payment.setup import Setup

Data = dict[str, Any]


@dataclass(frozen=True)
class PaymentFile:
    version: Version
    message_id: str
    file_name: str
    created_at: datetime
    debtor: Debtor
    payments: tuple[Data, ...]
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def record(self) -> Data:
        """As recorded with the release: enough to deliver the same bytes again."""
        return {
            "version": self.version,
            "message_id": self.message_id,
            "file_name": self.file_name,
            "created_at": self.created_at.isoformat(),
            "debtor": {
                "name": self.debtor.name,
                "orgnr": self.debtor.orgnr,
                "account": self.debtor.account,
                "bic": self.debtor.bic,
                "id_scheme": self.debtor.id_scheme,
            },
            "sha256": self.sha256,
            "content": self.content.decode("utf-8"),
            "payment_ids": [p["payment_id"] for p in self.payments],
        }


def moved_to(payments: Iterable[Data], earliest: date) -> list[Data]:
    """The payments as they go to the bank: a date already past moves to the earliest one."""
    return [
        p | {"execution_date": max(date.fromisoformat(p["execution_date"]), earliest).isoformat()}
        for p in payments
    ]


def transfer(payment: Data, debtor_account: str) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=str(payment["payment_id"]),
        amount=Decimal(str(payment["amount"])),
        currency=str(payment["currency"]),
        execution_date=date.fromisoformat(str(payment["execution_date"])),
        creditor_name=str(payment["creditor_name"]),
        creditor_account=str(payment["creditor_account"]),
        kid=payment.get("kid"),
        invoice_number=payment.get("invoice_number"),
        creditor_bic=payment.get("creditor_bic"),
        debtor_account=debtor_account,
    )


def files_for(
    run_id: UUID, payments: Sequence[Data], setup: Setup, created_at: datetime
) -> tuple[list[PaymentFile], list[Data]]:
    """The run's files, and its payments with the file, `MsgId` and `PmtInfId` each went in."""
    groups: dict[tuple[str, Debtor], list[Data]] = {}
    for payment in payments:
        account = setup.account(payment.get("debtor_account"))
        debtor = account.debtor()
        key = (account.pain_version, _company(debtor))
        groups.setdefault(key, []).append(payment | {"debtor_bban": debtor.account})
    files: list[PaymentFile] = []
    placed: list[Data] = []
    for index, ((version, debtor), group) in enumerate(sorted(groups.items(), key=_order), 1):
        msg = message_id(run_id, index)
        payer = Debtor(
            debtor.name, debtor.orgnr, group[0]["debtor_bban"], debtor.bic, debtor.id_scheme
        )
        made = render(msg, created_at, payer, group, version)  # type: ignore[arg-type]
        files.append(made)
        placed.extend(_placed(made, group))
    return files, placed


def render(
    msg: str, created_at: datetime, debtor: Debtor, payments: Sequence[Data], version: Version
) -> PaymentFile:
    transfers = [transfer(p, p.get("debtor_bban") or debtor.account) for p in payments]
    content = build(msg, created_at, debtor, transfers, version=version)
    return PaymentFile(
        version=version,
        message_id=msg,
        file_name=f"{msg}.xml",
        created_at=created_at,
        debtor=debtor,
        payments=tuple(payments),
        content=content,
    )


def _placed(made: PaymentFile, group: Sequence[Data]) -> list[Data]:
    transfers = [transfer(p, p["debtor_bban"]) for p in group]
    block_of = {
        t.end_to_end_id: block.payment_information_id
        for block in payment_blocks(made.message_id, made.debtor, transfers)
        for t in block.transfers
    }
    return [
        p
        | {
            "message_id": made.message_id,
            "file_name": made.file_name,
            "pain_version": made.version,
            "payment_information_id": block_of[p["payment_id"]],
        }
        for p in group
    ]


def _company(debtor: Debtor) -> Debtor:
    """The paying company and its bank: what one file's `InitgPty`/`Dbtr`/`DbtrAgt` name."""
    return Debtor(debtor.name, debtor.orgnr, "", debtor.bic, debtor.id_scheme)


def _order(entry: tuple[tuple[str, Debtor], list[Data]]) -> tuple[str, str, str]:
    (version, debtor), _ = entry
    return version, debtor.orgnr, debtor.bic


def recorded_debtor(data: Data, fallback_account: str) -> Debtor:
    return Debtor(
        name=data["name"],
        orgnr=data["orgnr"],
        account=data.get("account") or fallback_account,
        bic=data["bic"],
        id_scheme=data.get("id_scheme", "CUST"),
    )
