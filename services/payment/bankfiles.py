"""What the bank says back: pain.002 status reports and camt.054 debit notifications. Pure: no I/O.

`read_bank_file` takes the bytes of an uploaded or collected file and returns its records as plain
data, for `reconcile.py` to match against the payments we sent:

- pain.002.001.03: statuses at group (`GrpSts`), payment block (`PmtInfSts`) and transaction level
  (`TxSts`), each with its reasons (`StsRsnInf/Rsn/Cd`, `AddtlInf`). A transaction without a status
  of its own takes its block's, then the group's. A group or block status that covers transactions
  the report does not list (`RJCT` of the whole file, say) becomes a record of that level, naming
  the original `MsgId`/`PmtInfId`: it stands for every transaction of the original message/block.
  A partial status (`PART`) says nothing on its own; its transactions are listed.
- camt.054.001.02 and .08: one record per transaction of an entry (`NtryDtls/TxDtls`), or per entry
  when it has no details. A booked debit is `settled`; a reversal (`RvslInd`) or a returned payment
  (a credit with `RtrInf`) is `rejected` with the return reason; a pending entry is `pending`;
  other credits (money coming in) are not about our payments and are left out.

The file is parsed hardened (`shared.xmlsafe`: no DTD, no entities, no network, bounded size) and
validated against the official XSD of its namespace before anything is read from it; a file that
is not what it claims is refused with its name and the first XSD error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from lxml import etree

from services.payment import schemas
from shared.xmlsafe import MAX_XML_BYTES, UnsafeOrInvalidXml, parse_untrusted

RecordKind = Literal["status", "debit"]
RecordStatus = Literal["accepted", "rejected", "pending", "settled"]
Level = Literal["group", "payment_information", "transaction", "entry"]

STATUS_MESSAGES = (schemas.PAIN002_03,)
DEBIT_MESSAGES = (schemas.CAMT054_02, schemas.CAMT054_08)

PAIN002_STATUS: dict[str, RecordStatus] = {
    "ACTC": "accepted",  # technical validation passed
    "RCVD": "pending",  # received
    "PDNG": "pending",
    "ACCP": "accepted",  # customer profile checked
    "ACSP": "accepted",  # settlement in process
    "ACWC": "accepted",  # accepted with change
    "ACWP": "accepted",  # accepted without posting
    "ACSC": "settled",  # settled on the debtor's account
    "RJCT": "rejected",
}
"""pain.002 status codes; `PART` (some accepted, some not) is handled by its transactions."""

REASONS: dict[str, tuple[str, str]] = {
    "AC01": ("Feil kontonummer", "Incorrect account number"),
    "AC03": ("Ugyldig mottakerkonto", "Invalid creditor account number"),
    "AC04": ("Kontoen er avsluttet", "Closed account number"),
    "AC06": ("Kontoen er sperret", "Blocked account"),
    "AC13": ("Ugyldig kontotype for debitor", "Invalid debtor account type"),
    "AG01": ("Transaksjonen er ikke tillatt på kontoen", "Transaction forbidden on this account"),
    "AG02": ("Ugyldig bankoperasjonskode", "Invalid bank operation code"),
    "AM01": ("Beløpet er null", "Amount is zero"),
    "AM02": ("Beløpet er høyere enn tillatt", "Amount exceeds the allowed maximum"),
    "AM04": ("Ikke dekning på kontoen", "Insufficient funds"),
    "AM05": ("Dobbeltbetaling", "Duplicate payment"),
    "AM09": ("Feil beløp", "Wrong amount"),
    "AM21": ("Beløpsgrensen er overskredet", "Limit exceeded"),
    "BE04": ("Mottakerens adresse mangler", "Missing creditor address"),
    "BE05": ("Ukjent initierende part", "Unrecognised initiating party"),
    "CNOR": ("Mottakerbanken er ikke tilknyttet", "Creditor bank is not registered"),
    "CURR": ("Feil valuta", "Incorrect currency"),
    "CUST": ("Stoppet etter ønske fra kunden", "Requested by the customer"),
    "DNOR": ("Debitorbanken er ikke tilknyttet", "Debtor bank is not registered"),
    "DS24": ("Tidsfristen for signering er utløpt", "Waiting time for signatures expired"),
    "DT01": ("Ugyldig dato", "Invalid date"),
    "DU01": ("Meldings-ID er brukt før", "Duplicate message id"),
    "DUPL": ("Dobbeltbetaling", "Duplicate payment"),
    "ED05": ("Oppgjør feilet", "Settlement failed"),
    "FF01": ("Ugyldig filformat", "Invalid file format"),
    "FOCR": ("Returnert etter kanselleringsforespørsel", "Following a cancellation request"),
    "MD07": ("Kontohaveren er død", "End customer deceased"),
    "MS02": ("Avvist av mottakeren, uten oppgitt grunn", "Not specified reason, customer"),
    "MS03": ("Avvist av banken, uten oppgitt grunn", "Not specified reason, agent"),
    "NARR": ("Se bankens forklaring", "See the bank's narrative"),
    "RC01": ("Ugyldig BIC", "Bank identifier (BIC) incorrect"),
    "RR01": ("Debitors konto eller identitet mangler", "Missing debtor account or identification"),
    "RR02": ("Debitors navn eller adresse mangler", "Missing debtor name or address"),
    "RR03": ("Mottakerens navn eller adresse mangler", "Missing creditor name or address"),
    "RR04": ("Regulatoriske grunner", "Regulatory reason"),
    "TM01": ("Mottatt etter fristen", "Received after the cut-off time"),
}
"""Common ISO 20022 external status/return reason codes: (Norwegian, English)."""


class BankFileError(ValueError):
    """A bank file that cannot be read as what it claims to be; the message names the file,
    `reason_nb` says the same in bokmål (the parser's own words stay as they are)."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


@dataclass(frozen=True)
class BankRecord:
    """One thing the bank says about one payment (or, at group/block level, about all payments of
    an original message or payment block)."""

    kind: RecordKind
    end_to_end_id: str | None
    kid: str | None
    amount: Decimal | None
    currency: str | None
    status: RecordStatus
    reason_code: str | None
    reason_text: str | None
    booking_date: date | None
    bank_reference: str | None
    source_message_id: str
    level: Level = "transaction"
    original_message_id: str | None = None
    original_payment_information_id: str | None = None
    position: str = ""
    """Where in the file the record stands (e.g. `n1/e2/t1`), part of its idempotency key."""
    key: str = field(init=False)
    """Idempotency key: the same record of the same bank message always has the same key."""

    def __post_init__(self) -> None:
        parts = (
            self.kind,
            self.source_message_id,
            self.position,
            self.level,
            self.original_message_id or "",
            self.original_payment_information_id or "",
            self.bank_reference or "",
            self.end_to_end_id or "",
            self.status,
        )
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        object.__setattr__(self, "key", digest)


@dataclass(frozen=True)
class BankFile:
    message_type: str
    """`pain.002.001.03`, `camt.054.001.02` or `camt.054.001.08`."""
    message_id: str
    created_at: datetime | None
    records: tuple[BankRecord, ...]


def reason_texts(code: str | None) -> tuple[str, str] | None:
    """(Norwegian, English) for a known reason code."""
    return REASONS.get(code) if code else None


def describe_reason(code: str | None, bank_text: str | None) -> str | None:
    """`AM04 Ikke dekning på kontoen / Insufficient funds: <the bank's own words>`."""
    known = reason_texts(code)
    words = " / ".join(known) if known else None
    text = ": ".join(part for part in (words, bank_text) if part)
    if code and text:
        return f"{code} {text}"
    return code or text or None


def read_bank_file(
    content: bytes, file_name: str = "bank file", *, max_bytes: int = MAX_XML_BYTES
) -> BankFile:
    """Parse, validate and read a pain.002 or camt.054 file; BankFileError when it is none."""
    try:
        root = parse_untrusted(content, max_bytes=max_bytes)
    except UnsafeOrInvalidXml as exc:
        raise BankFileError(
            f"{file_name}: {exc}", f"{file_name} kan ikke leses som XML: {exc}"
        ) from exc
    namespace = schemas.namespace_of(root)
    if namespace not in (*STATUS_MESSAGES, *DEBIT_MESSAGES):
        raise BankFileError(
            f"{file_name}: not a pain.002.001.03 or camt.054.001.02/.08 document (root {root.tag})",
            f"{file_name} er verken en pain.002.001.03- eller en camt.054.001.02/.08-fil "
            f"(rotelement {root.tag})",
        )
    error = schemas.first_error(namespace, root)
    if error is not None:
        name = schemas.message_name(namespace)
        raise BankFileError(
            f"{file_name}: not a valid {name} document: {error}",
            f"{file_name} er ikke en gyldig {name}-fil: {error}",
        )
    reader = _Reader(namespace)
    if namespace in STATUS_MESSAGES:
        return reader.status_report(root)
    return reader.debit_notification(root)


@dataclass(frozen=True)
class _Status:
    code: str | None
    reason_code: str | None
    reason_text: str | None


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.ns = {"d": namespace}

    # --- helpers ------------------------------------------------------------------------------

    def find(self, node: etree._Element, path: str) -> etree._Element | None:
        return node.find(self._path(path), self.ns)

    def findall(self, node: etree._Element, path: str) -> list[etree._Element]:
        return node.findall(self._path(path), self.ns)

    def text(self, node: etree._Element, path: str) -> str | None:
        found = self.find(node, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(
            f"d:{step}" if step not in (".", "..") else step for step in path.split("/")
        )

    def amount(self, node: etree._Element | None) -> tuple[Decimal | None, str | None]:
        if node is None or node.text is None:
            return None, None
        try:
            return Decimal(node.text.strip()), node.get("Ccy")
        except InvalidOperation:  # the XSD has checked it; kept for safety
            return None, node.get("Ccy")

    def status(self, node: etree._Element, code_path: str) -> _Status:
        code = self.text(node, code_path)
        for reason in self.findall(node, "StsRsnInf"):  # the first reason is the reason
            return _Status(code, *self.reason(reason))
        return _Status(code, None, None)

    def reason(self, node: etree._Element) -> tuple[str | None, str | None]:
        """(code, described text) of a `StsRsnInf` or `RtrInf`: `Rsn/Cd|Prtry` and `AddtlInf`."""
        code = self.text(node, "Rsn/Cd") or self.text(node, "Rsn/Prtry")
        details = [(e.text or "").strip() for e in self.findall(node, "AddtlInf")]
        return code, describe_reason(code, " ".join(d for d in details if d) or None)

    @staticmethod
    def created(text: str | None) -> datetime | None:
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None

    def choice_date(self, node: etree._Element, path: str) -> date | None:
        day = self.text(node, f"{path}/Dt")
        if day is not None:
            return date.fromisoformat(day[:10])
        moment = self.created(self.text(node, f"{path}/DtTm"))
        return moment.date() if moment is not None else None

    # --- pain.002 -----------------------------------------------------------------------------

    def status_report(self, root: etree._Element) -> BankFile:
        report = self.find(root, "CstmrPmtStsRpt")
        assert report is not None  # the XSD requires it
        message_id = self.text(report, "GrpHdr/MsgId") or ""
        group = self.find(report, "OrgnlGrpInfAndSts")
        assert group is not None
        original = self.text(group, "OrgnlMsgId")
        group_status = self.status(group, "GrpSts")
        blocks = self.findall(report, "OrgnlPmtInfAndSts")
        records: list[BankRecord] = []

        def record(
            status: _Status,
            level: Level,
            position: str,
            block_id: str | None = None,
            tx: etree._Element | None = None,
        ) -> None:
            mapped = PAIN002_STATUS.get(status.code or "")
            if mapped is None:
                return
            amount, currency = (None, None)
            if tx is not None:
                amount, currency = self.amount(self.find(tx, "OrgnlTxRef/Amt/InstdAmt"))
            records.append(
                BankRecord(
                    kind="status",
                    end_to_end_id=_real_id(self.text(tx, "OrgnlEndToEndId"))
                    if tx is not None
                    else None,
                    kid=self.text(tx, "OrgnlTxRef/RmtInf/Strd/CdtrRefInf/Ref")
                    if tx is not None
                    else None,
                    amount=amount,
                    currency=currency,
                    status=mapped,
                    reason_code=status.reason_code,
                    reason_text=status.reason_text,
                    booking_date=None,
                    bank_reference=self.text(tx, "AcctSvcrRef") if tx is not None else None,
                    source_message_id=message_id,
                    level=level,
                    original_message_id=original,
                    original_payment_information_id=block_id,
                    position=position,
                )
            )

        listed = any(self.findall(block, "TxInfAndSts") for block in blocks)
        if group_status.code not in (None, "PART") and (group_status.code == "RJCT" or not listed):
            record(group_status, "group", "g")
        for b, block in enumerate(blocks, start=1):
            block_id = self.text(block, "OrgnlPmtInfId")
            block_status = self.status(block, "PmtInfSts")
            transactions = self.findall(block, "TxInfAndSts")
            if block_status.code not in (None, "PART") and (
                block_status.code == "RJCT" or not transactions
            ):
                record(block_status, "payment_information", f"b{b}", block_id=block_id)
            inherited = block_status if block_status.code not in (None, "PART") else group_status
            for t, tx in enumerate(transactions, start=1):
                own = self.status(tx, "TxSts")
                record(
                    own if own.code is not None else inherited,
                    "transaction",
                    f"b{b}/t{t}",
                    block_id,
                    tx,
                )
        created = self.created(self.text(report, "GrpHdr/CreDtTm"))
        return BankFile(schemas.message_name(self.namespace), message_id, created, tuple(records))

    # --- camt.054 -----------------------------------------------------------------------------

    def debit_notification(self, root: etree._Element) -> BankFile:
        notification = self.find(root, "BkToCstmrDbtCdtNtfctn")
        assert notification is not None  # the XSD requires it
        message_id = self.text(notification, "GrpHdr/MsgId") or ""
        records = [
            record
            for n, account in enumerate(self.findall(notification, "Ntfctn"), start=1)
            for e, entry in enumerate(self.findall(account, "Ntry"), start=1)
            for record in self._entry(entry, message_id, f"n{n}/e{e}")
        ]
        created = self.created(self.text(notification, "GrpHdr/CreDtTm"))
        return BankFile(schemas.message_name(self.namespace), message_id, created, tuple(records))

    def _entry(self, entry: etree._Element, message_id: str, position: str) -> Iterator[BankRecord]:
        entry_status = self.text(entry, "Sts") or self.text(entry, "Sts/Cd")
        reversal = self.text(entry, "RvslInd") in ("true", "1")
        direction = self.text(entry, "CdtDbtInd")
        booking_date = self.choice_date(entry, "BookgDt")
        entry_reference = self.text(entry, "AcctSvcrRef") or self.text(entry, "NtryRef")
        entry_amount, entry_currency = self.amount(self.find(entry, "Amt"))
        details = self.findall(entry, "NtryDtls/TxDtls")
        for t, tx in enumerate(details or [None], start=1):
            returned = tx is not None and self.find(tx, "RtrInf") is not None
            if direction == "CRDT" and not returned and not reversal:
                continue  # money coming in: not about our payments
            amount, currency = self._transaction_amount(tx)
            if amount is None and len(details) <= 1:
                amount, currency = entry_amount, entry_currency
            status: RecordStatus
            reason_code = reason_text = None
            if returned or reversal:
                status = "rejected"
                return_info = self.find(tx, "RtrInf") if tx is not None else None
                if return_info is not None:
                    reason_code, reason_text = self.reason(return_info)
                reason_text = reason_text or ("reversed by the bank" if reversal else None)
            elif entry_status == "BOOK":
                status = "settled"
            elif entry_status == "PDNG":
                status = "pending"
            else:
                continue  # INFO or other: informative only
            yield BankRecord(
                kind="debit",
                end_to_end_id=_real_id(
                    self.text(tx, "Refs/EndToEndId") if tx is not None else None
                ),
                kid=self.text(tx, "RmtInf/Strd/CdtrRefInf/Ref") if tx is not None else None,
                amount=amount,
                currency=currency,
                status=status,
                reason_code=reason_code,
                reason_text=reason_text,
                booking_date=booking_date,
                bank_reference=(
                    (self.text(tx, "Refs/AcctSvcrRef") if tx is not None else None)
                    or entry_reference
                ),
                source_message_id=message_id,
                level="entry",
                original_message_id=self.text(tx, "Refs/MsgId") if tx is not None else None,
                original_payment_information_id=(
                    self.text(tx, "Refs/PmtInfId") if tx is not None else None
                ),
                position=f"{position}/t{t}",
            )

    def _transaction_amount(self, tx: etree._Element | None) -> tuple[Decimal | None, str | None]:
        if tx is None:
            return None, None
        for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
            amount, currency = self.amount(self.find(tx, path))
            if amount is not None:
                return amount, currency
        return None, None


def _real_id(value: str | None) -> str | None:
    """An EndToEndId, or None for the placeholder banks write when there was none."""
    return None if value is None or value.upper() == "NOTPROVIDED" else value
