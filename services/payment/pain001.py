"""ISO 20022 pain.001 credit transfer files, as Norwegian banks take them. Pure: no I/O.

pain.001.001.03 is the Norwegian baseline; pain.001.001.09 is chosen per debtor account (per bank
agreement) with `build(..., version="09")`. Between the two, the requested execution date becomes a
choice (`ReqdExctnDt/Dt`) and agents are named by `BICFI` instead of `BIC`; the rest we write is
the same.

One file per payment run: a group header, one `PmtInf` per debtor account and requested execution
date, one `CdtTrfTxInf` per payment. The creditor account travels as BBAN (`Othr/Id`, scheme
BBAN) or as IBAN, with the creditor's BIC as `CdtrAgt` when known (required for an IBAN outside
Norway); the KID travels as a structured creditor reference of type SCOR, otherwise the invoice
number as unstructured remittance text, never both. `EndToEndId` carries our payment id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Literal

from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr, orgnr

from shared.checkdigits import valid_kid

NS_03 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NS_09 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
NS = NS_03
Version = Literal["03", "09"]
NAMESPACES: dict[str, str] = {"03": NS_03, "09": NS_09}
CENT = Decimal("0.01")
MAX_ID = 35
MAX_TEXT = 140


class PaymentFileError(ValueError):
    """Data that cannot go into a payment file; the message says which and why."""


class InvalidAccountError(PaymentFileError):
    pass


class InvalidKidError(PaymentFileError):
    pass


@dataclass(frozen=True)
class Account:
    scheme: Literal["BBAN", "IBAN"]
    number: str


def parse_account(raw: str) -> Account:
    """A Norwegian 11-digit account (MOD11) as BBAN, or an IBAN when it starts with two letters."""
    compact = re.sub(r"[\s.\-]", "", raw).upper()
    if compact[:2].isalpha():
        try:
            return Account("IBAN", IBAN(compact).compact)
        except (SchwiftyException, ValueError) as exc:
            raise InvalidAccountError(f"account {raw!r} is not a valid IBAN: {exc}") from exc
    if not (compact.isdigit() and len(compact) == 11):
        raise InvalidAccountError(f"account {raw!r} is not an 11-digit Norwegian account number")
    try:
        number = str(kontonr.validate(compact))
    except ValidationError as exc:
        raise InvalidAccountError(f"account {raw!r} fails the MOD11 check: {exc}") from exc
    if len(number) != 11:  # stdnum shortens the old postgiro numbers (bank code 0000)
        raise InvalidAccountError(f"account {raw!r} is not an 11-digit Norwegian account number")
    return Account("BBAN", number)


def check_kid(raw: str) -> str:
    """A KID (2..25 characters, digits, MOD10 or MOD11 check digit) or InvalidKidError."""
    kid = raw.strip()
    if not re.fullmatch(r"\d{1,24}[\d-]", kid):
        raise InvalidKidError(f"KID {raw!r} must be 2 to 25 digits (MOD11 may end in '-')")
    if valid_kid(kid):
        return kid
    raise InvalidKidError(f"KID {raw!r} has a wrong check digit (neither MOD10 nor MOD11)")


def check_orgnr(raw: str) -> str:
    try:
        return str(orgnr.validate(raw))
    except ValidationError as exc:
        raise PaymentFileError(f"organisation number {raw!r} is not valid: {exc}") from exc


def check_bic(raw: str) -> str:
    try:
        return BIC(raw).compact
    except (SchwiftyException, ValueError) as exc:
        raise PaymentFileError(f"BIC {raw!r} is not valid: {exc}") from exc


def amount_text(amount: Decimal) -> str:
    if amount <= 0 or amount != amount.quantize(CENT):
        raise PaymentFileError(f"amount {amount} must be positive with at most 2 decimals")
    return f"{amount.quantize(CENT):f}"


@dataclass(frozen=True)
class Debtor:
    """Who pays: the tenant's company, its account at its bank, and how it identifies itself."""

    name: str
    orgnr: str
    account: str
    bic: str
    id_scheme: str = "CUST"
    """`SchmeNm/Cd` of the organisation number: CUST or BANK, as the bank agreement says."""


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    execution_date: date
    creditor_name: str
    creditor_account: str
    kid: str | None = None
    invoice_number: str | None = None
    creditor_bic: str | None = None
    """The creditor's bank (`CdtrAgt`): required for an IBAN outside Norway, optional otherwise."""
    debtor_account: str | None = None
    """Pay from this account of the debtor (an 11-digit BBAN at the debtor's bank) instead of
    `Debtor.account`; each debtor account gets payment blocks of its own."""


@dataclass(frozen=True)
class PaymentBlock:
    """One `PmtInf`: the payments from one debtor account on one requested execution date."""

    payment_information_id: str
    debtor_account: str
    execution_date: date
    transfers: tuple[CreditTransfer, ...]


def payment_blocks(
    message_id: str, debtor: Debtor, transfers: Sequence[CreditTransfer]
) -> list[PaymentBlock]:
    """The file's payment blocks in file order (by debtor account, then date), with the
    `PmtInfId`s that a pain.002 status report refers back to."""

    def key(transfer: CreditTransfer) -> tuple[str, date]:
        account = parse_account(transfer.debtor_account or debtor.account).number
        return account, transfer.execution_date

    ordered = sorted(transfers, key=key)
    return [
        PaymentBlock(f"{message_id[:30]}-{index}", account, day, tuple(group))
        for index, ((account, day), group) in enumerate(groupby(ordered, key=key), start=1)
    ]


def build(
    message_id: str,
    created_at: datetime,
    debtor: Debtor,
    transfers: Sequence[CreditTransfer],
    *,
    version: Version = "03",
) -> bytes:
    """The pain.001.001.03 (or .09) document, UTF-8 with declaration; PaymentFileError on bad
    data. The caller still validates it against the XSD (`bank.FileCheck`) before it leaves."""
    if version not in NAMESPACES:
        raise PaymentFileError(f"pain.001 version {version!r} is not one of 03, 09")
    _check_header(message_id, debtor, transfers)
    ns = NAMESPACES[version]
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})  # type: ignore[dict-item]
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.astimezone(UTC).replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", control_sum(transfers))
    _party(_sub(header, "InitgPty"), debtor)
    for block in payment_blocks(message_id, debtor, transfers):
        _payment_information(initiation, block, debtor, version)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def control_sum(transfers: Iterable[CreditTransfer]) -> str:
    return amount_text(sum((t.amount for t in transfers), Decimal("0")))


def _check_header(message_id: str, debtor: Debtor, transfers: Sequence[CreditTransfer]) -> None:
    if not transfers:
        raise PaymentFileError("a payment file needs at least one payment")
    if not 0 < len(message_id) <= MAX_ID:
        raise PaymentFileError(f"MsgId {message_id!r} must have 1 to {MAX_ID} characters")
    ids = [t.end_to_end_id for t in transfers]
    if len(set(ids)) != len(ids) or any(not 0 < len(i) <= MAX_ID for i in ids):
        raise PaymentFileError(f"EndToEndIds must be unique with 1 to {MAX_ID} characters")
    check_orgnr(debtor.orgnr)
    check_bic(debtor.bic)
    for account in {debtor.account} | {t.debtor_account for t in transfers if t.debtor_account}:
        if parse_account(account).scheme != "BBAN":
            raise PaymentFileError("the debtor account must be a Norwegian BBAN")
    if not 1 <= len(debtor.id_scheme) <= 4:
        raise PaymentFileError(f"id scheme {debtor.id_scheme!r} must be a code of 1 to 4 letters")


def _payment_information(
    parent: etree._Element, block: PaymentBlock, debtor: Debtor, version: Version
) -> None:
    info = _sub(parent, "PmtInf")
    _sub(info, "PmtInfId", block.payment_information_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "true")
    _sub(info, "NbOfTxs", str(len(block.transfers)))
    _sub(info, "CtrlSum", control_sum(block.transfers))
    _sub(_sub(_sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "NURG")
    if version == "03":
        _sub(info, "ReqdExctnDt", block.execution_date.isoformat())
    else:
        _sub(_sub(info, "ReqdExctnDt"), "Dt", block.execution_date.isoformat())
    _party(_sub(info, "Dbtr"), debtor)
    account = _sub(info, "DbtrAcct")
    _account_id(account, parse_account(block.debtor_account))
    _sub(account, "Ccy", "NOK")
    _agent(_sub(info, "DbtrAgt"), check_bic(debtor.bic), version)
    for transfer in block.transfers:
        _transaction(info, transfer, version)


def _transaction(parent: etree._Element, transfer: CreditTransfer, version: Version) -> None:
    tx = _sub(parent, "CdtTrfTxInf")
    payment_id = _sub(tx, "PmtId")
    _sub(payment_id, "InstrId", transfer.end_to_end_id)
    _sub(payment_id, "EndToEndId", transfer.end_to_end_id)
    _sub(_sub(tx, "Amt"), "InstdAmt", amount_text(transfer.amount), Ccy=transfer.currency)
    if not transfer.creditor_name.strip():
        raise PaymentFileError(f"payment {transfer.end_to_end_id} has no creditor name")
    account = parse_account(transfer.creditor_account)
    bic = creditor_bic(transfer, account)
    if bic is not None:
        _agent(_sub(tx, "CdtrAgt"), bic, version)
    _sub(_sub(tx, "Cdtr"), "Nm", transfer.creditor_name.strip()[:MAX_TEXT])
    _account_id(_sub(tx, "CdtrAcct"), account)
    _remittance(_sub(tx, "RmtInf"), transfer)


def creditor_bic(transfer: CreditTransfer, account: Account) -> str | None:
    """The creditor agent's BIC, checked; an IBAN outside Norway cannot go without one."""
    if transfer.creditor_bic and transfer.creditor_bic.strip():
        return check_bic(transfer.creditor_bic.strip())
    if account.scheme == "IBAN" and not account.number.startswith("NO"):
        raise PaymentFileError(
            f"payment {transfer.end_to_end_id} to the foreign IBAN {account.number} needs the "
            "creditor's BIC"
        )
    return None


def _agent(parent: etree._Element, bic: str, version: Version) -> None:
    _sub(_sub(parent, "FinInstnId"), "BIC" if version == "03" else "BICFI", bic)


def _remittance(parent: etree._Element, transfer: CreditTransfer) -> None:
    """KID as structured reference (SCOR), else the invoice number as free text; never both."""
    if transfer.kid:
        reference = _sub(_sub(parent, "Strd"), "CdtrRefInf")
        _sub(_sub(_sub(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _sub(reference, "Ref", check_kid(transfer.kid))
    elif transfer.invoice_number and transfer.invoice_number.strip():
        _sub(parent, "Ustrd", transfer.invoice_number.strip()[:MAX_TEXT])
    else:
        raise PaymentFileError(
            f"payment {transfer.end_to_end_id} has neither KID nor invoice number"
        )


def _account_id(parent: etree._Element, account: Account) -> None:
    identification = _sub(parent, "Id")
    if account.scheme == "IBAN":
        _sub(identification, "IBAN", account.number)
        return
    other = _sub(identification, "Othr")
    _sub(other, "Id", account.number)
    _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")


def _party(parent: etree._Element, debtor: Debtor) -> None:
    _sub(parent, "Nm", debtor.name[:MAX_TEXT])
    other = _sub(_sub(_sub(parent, "Id"), "OrgId"), "Othr")
    _sub(other, "Id", check_orgnr(debtor.orgnr))
    _sub(_sub(other, "SchmeNm"), "Cd", debtor.id_scheme)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


# --- structural checks: what the XSD cannot say -------------------------------------------------


def check_structure(document: bytes) -> None:
    """Counts, control sums, unique ids and KID/free-text exclusivity of a pain.001.001.03 or .09
    document; raises PaymentFileError."""
    root = etree.fromstring(
        document,
        parser=etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
    )
    name = etree.QName(root)
    if name.localname != "Document" or name.namespace not in (NS_03, NS_09):
        raise PaymentFileError(f"root element {root.tag} is not a pain.001.001.03/.09 Document")
    ns = {"p": str(name.namespace)}
    header = _one(root, "p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    txs = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns)
    _check_totals("GrpHdr", header, txs, ns)
    for info in root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns):
        _check_totals(_text(info, "p:PmtInfId", ns), info, info.findall("p:CdtTrfTxInf", ns), ns)
    ids = [_text(tx, "p:PmtId/p:EndToEndId", ns) for tx in txs]
    if len(set(ids)) != len(ids):
        raise PaymentFileError("EndToEndIds are not unique")
    for tx in txs:
        remittance = _one(tx, "p:RmtInf", ns)
        if (remittance.find("p:Ustrd", ns) is None) == (remittance.find("p:Strd", ns) is None):
            raise PaymentFileError(
                "each payment needs exactly one of KID (Strd) and free text (Ustrd)"
            )


def _check_totals(
    where: str, node: etree._Element, txs: list[etree._Element], ns: dict[str, str]
) -> None:
    total = sum((Decimal(_text(tx, "p:Amt/p:InstdAmt", ns)) for tx in txs), Decimal("0"))
    if (
        _text(node, "p:NbOfTxs", ns) != str(len(txs))
        or Decimal(_text(node, "p:CtrlSum", ns)) != total
    ):
        raise PaymentFileError(f"{where}: NbOfTxs/CtrlSum do not match its {len(txs)} payments")


def _one(node: etree._Element, path: str, ns: dict[str, str]) -> etree._Element:
    found = node.find(path, ns)
    if found is None:
        raise PaymentFileError(f"missing {path}")
    return found


def _text(node: etree._Element, path: str, ns: dict[str, str]) -> str:
    return (_one(node, path, ns).text or "").strip()
