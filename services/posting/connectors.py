"""Delivering vouchers to the ERP: a JSON webhook, a CSV folder, a SAF-T folder; and retries.

Every connector is idempotent per voucher (tenant + voucher number), so a retry after an unclear
outcome (a timeout after the ERP already booked it) never posts twice: the webhook sends the same
`Idempotency-Key` each time and takes 409 for "already have it"; the folder connectors see the
file is there. A connector says whether a failure is worth retrying (`TransientFailure`) or not
(`PermanentRefusal`); `deliver_with_retries` does the waiting and always returns a result.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import httpx

from services.posting.saft import Company, Software, validate_saft, write_saft
from services.posting.voucher import Voucher

SIGNATURE_HEADER = "X-Fakturaportal-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: 4xx answers that mean "not now" rather than "never".
TRANSIENT_STATUS = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Receipt:
    """Proof of delivery. `duplicate`: the target already had this voucher (not a new posting)."""

    connector: str
    reference: str
    duplicate: bool = False
    detail: str = ""


class DeliveryError(Exception):
    """A delivery that did not happen."""

    transient: bool = False

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TransientFailure(DeliveryError):
    """Worth another try: 5xx, 408/429, timeouts, connection errors, a full disk."""

    transient = True


class PermanentRefusal(DeliveryError):
    """Trying again changes nothing: the ERP refused the voucher (4xx), or it is malformed."""


class Connector(Protocol):
    name: str

    def deliver(self, voucher: Voucher) -> Receipt: ...


# --- JSON webhook -----------------------------------------------------------------------------


def voucher_json(voucher: Voucher) -> bytes:
    """The webhook body: the voucher as JSON, amounts as strings, keys in model order."""
    return voucher.model_dump_json().encode()


def sign(body: bytes, secret: str) -> str:
    """`sha256=<hex>` HMAC of the exact body bytes, for the receiver to check the sender."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class JsonWebhookConnector:
    """POSTs the voucher to the ERP's endpoint; the ERP deduplicates on `Idempotency-Key`."""

    name = "json-webhook"

    def __init__(
        self,
        url: str,
        secret: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.client = client or httpx.Client()

    def close(self) -> None:
        self.client.close()

    def deliver(self, voucher: Voucher) -> Receipt:
        body = voucher_json(voucher)
        key = voucher.idempotency_key
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.secret)
        try:
            response = self.client.post(
                self.url, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as error:
            raise TransientFailure(f"timeout after {self.timeout}s: {error!r}") from error
        except httpx.TransportError as error:
            raise TransientFailure(f"connection failed: {error!r}") from error
        return self._receipt(response, key)

    def _receipt(self, response: httpx.Response, key: str) -> Receipt:
        status = response.status_code
        said = f"HTTP {status}: {response.text[:500]}".rstrip(": ")
        if 200 <= status < 300:
            return Receipt(self.name, key, detail=said)
        if status == 409 and response.headers.get(IDEMPOTENCY_HEADER, key) == key:
            return Receipt(self.name, key, duplicate=True, detail=said)
        if status >= 500 or status in TRANSIENT_STATUS:
            raise TransientFailure(said, retry_after=_retry_after(response))
        raise PermanentRefusal(said)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


# --- files ------------------------------------------------------------------------------------


def file_stem(voucher: Voucher) -> str:
    """Tenant and voucher number, safe as a file name: the same voucher, the same file."""
    return re.sub(r"[^0-9A-Za-z._-]", "_", f"{voucher.tenant_id}_{voucher.number}")


def write_once(path: Path, data: bytes) -> bool:
    """Write atomically unless the file exists; False when it was already there.

    The bytes go to a temporary file in the same folder, are flushed to disk, and are then
    linked to the final name, which fails if the name exists: two writers cannot both win, and a
    reader never sees half a file.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system: rename, after a last look
            if path.exists():
                return False
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return True


def _file_receipt(name: str, path: Path, data: bytes, *, compare: bool) -> Receipt:
    try:
        if write_once(path, data):
            return Receipt(name, path.name, detail=str(path))
        existing = path.read_bytes() if compare else data
    except OSError as error:
        raise TransientFailure(f"cannot write {path}: {error}") from error
    if existing != data:
        raise PermanentRefusal(f"{path.name} exists with other content: a different voucher")
    return Receipt(name, path.name, duplicate=True, detail=str(path))


CSV_COLUMNS = (
    "voucher_number",
    "voucher_date",
    "invoice_number",
    "invoice_date",
    "due_date",
    "kid",
    "supplier_id",
    "supplier_name",
    "currency",
    "line",
    "account",
    "debit",
    "credit",
    "vat_code",
    "vat_base",
    "vat_amount",
    "department",
    "project",
    "description",
)


def voucher_csv(voucher: Voucher, *, decimal_comma: bool = True) -> bytes:
    """One row per line, `;`-separated, with a header; decimal comma by default (Norwegian)."""

    def number(value: Decimal | None) -> str:
        text = "" if value is None else f"{value:.2f}"
        return text.replace(".", ",") if decimal_comma else text

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    head = [
        voucher.voucher_number,
        day(voucher.voucher_date),
        voucher.invoice_number or "",
        day(voucher.invoice_date),
        day(voucher.due_date),
        voucher.payment_id or "",
        voucher.supplier.supplier_id,
        voucher.supplier.name or "",
        voucher.currency,
    ]
    for index, line in enumerate(voucher.lines, start=1):
        writer.writerow(
            [
                *head,
                index,
                line.account,
                number(line.debit),
                number(line.credit),
                line.vat_code or "",
                number(line.vat_base),
                number(line.vat_amount),
                line.department or "",
                line.project or "",
                line.description or "",
            ]
        )
    return out.getvalue().encode("utf-8")


class CsvFileConnector:
    """One CSV file per voucher in a folder the ERP imports from."""

    name = "csv-file"

    def __init__(self, folder: Path, *, decimal_comma: bool = True) -> None:
        self.folder = folder
        self.decimal_comma = decimal_comma

    def path_for(self, voucher: Voucher) -> Path:
        return self.folder / f"{file_stem(voucher)}.csv"

    def deliver(self, voucher: Voucher) -> Receipt:
        data = voucher_csv(voucher, decimal_comma=self.decimal_comma)
        return _file_receipt(self.name, self.path_for(voucher), data, compare=True)


class SaftFileConnector:
    """SAF-T Financial files in a folder: one per voucher, or one per batch of a tenant.

    With `xsd_path`, a file is checked with `validate_saft` before it is written: an invalid
    file is our fault, refused permanently rather than handed to the ERP.
    """

    name = "saft-file"

    def __init__(
        self,
        folder: Path,
        company: Company,
        *,
        software: Software | None = None,
        today: Callable[[], date] = date.today,
        xsd_path: Path | None = None,
    ) -> None:
        self.folder = folder
        self.company = company
        self.software = software
        self.today = today
        self.xsd_path = xsd_path

    def deliver(self, voucher: Voucher) -> Receipt:
        return self.deliver_batch([voucher], file_stem(voucher))

    def deliver_batch(self, vouchers: Sequence[Voucher], batch_id: str) -> Receipt:
        """The creation date is in the file, so a repeat is known by its name, not its bytes."""
        stem = re.sub(r"[^0-9A-Za-z._-]", "_", batch_id)
        path = self.folder / f"SAF-T_{self.company.orgnr}_{stem}.xml"
        if path.exists():
            return Receipt(self.name, path.name, duplicate=True, detail=str(path))
        try:
            data = write_saft(vouchers, self.company, created=self.today(), software=self.software)
        except ValueError as error:
            raise PermanentRefusal(f"no SAF-T file for {batch_id}: {error}") from error
        errors = validate_saft(data, self.xsd_path) if self.xsd_path else []
        if errors:
            raise PermanentRefusal(f"SAF-T file for {batch_id} is invalid: {'; '.join(errors[:5])}")
        return _file_receipt(self.name, path, data, compare=False)


# --- retries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    number: int
    at: datetime
    error: str | None = None
    transient: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Delivered:
    voucher: Voucher
    receipt: Receipt
    attempts: tuple[Attempt, ...]

    ok = True


@dataclass(frozen=True)
class Failed:
    """A visible failure, carrying the voucher so it can be parked and resent, never lost."""

    voucher: Voucher
    reason: str
    permanent: bool
    attempts: tuple[Attempt, ...] = field(default=())

    ok = False


def backoff(attempt: int, base_delay: float, max_delay: float, rng: random.Random) -> float:
    """Delay after failed attempt `attempt`: exponential, half fixed and half random (jitter)."""
    ceiling = min(max_delay, base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def deliver_with_retries(
    connector: Connector,
    voucher: Voucher,
    *,
    attempts: int = 5,
    base_delay: float = 1.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    rng: random.Random | None = None,
) -> Delivered | Failed:
    """Deliver, retrying transient failures with backoff; permanent refusals stop at once.

    Never raises for a failed delivery: the result says what happened on every attempt. An
    unexpected exception from a connector counts as a permanent failure, with its repr.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    rng = rng or random.Random()
    done: list[Attempt] = []
    while True:
        number, at = len(done) + 1, clock()
        try:
            receipt = connector.deliver(voucher)
        except Exception as error:  # a bug in a connector must not lose the voucher either
            transient = isinstance(error, DeliveryError) and error.transient
            reason = error.reason if isinstance(error, DeliveryError) else repr(error)
            if number == attempts or not transient:
                done.append(Attempt(number, at, reason, transient))
                why = _why(connector, reason, transient, number)
                return Failed(voucher, why, permanent=not transient, attempts=tuple(done))
            delay = _delay(error, number, base_delay, max_delay, rng)
            done.append(Attempt(number, at, reason, transient, delay))
            sleep(delay)
        else:
            done.append(Attempt(number, at))
            return Delivered(voucher, receipt, tuple(done))


def _delay(
    error: Exception, number: int, base_delay: float, max_delay: float, rng: random.Random
) -> float:
    delay = backoff(number, base_delay, max_delay, rng)
    retry_after = error.retry_after if isinstance(error, DeliveryError) else None
    return min(max_delay, max(delay, retry_after or 0.0))


def _why(connector: Connector, reason: str, transient: bool, number: int) -> str:
    if transient:
        return f"{connector.name}: gave up after {number} attempts; last: {reason}"
    return f"{connector.name}: refused: {reason}"
