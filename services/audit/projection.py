"""The invoice status read model, projected from the audit trail (DESIGN §3).

`apply(row, entry)` is the pure reducer. The `Projector` follows the audit application's
notification log and upserts rows into `invoice_status`, recording the notification id it has
reached in `invoice_status_position` in the same transaction, so a crash repeats nothing and
skips nothing. The tables are disposable: `rebuild()` empties them and projects everything again,
in one transaction, so readers see the old rows until the new ones are complete.

Every value in a row comes from stored events (never the wall clock), so a rebuild gives
identical rows.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import psycopg
from psycopg import errors
from psycopg.types.json import Jsonb

from fakturaportal.db import connect, create_tables
from fakturaportal.settings import CommonSettings
from services.audit.domain import AuditTrail, Entry, JsonObject
from shared.schemas.topics import Topic

if TYPE_CHECKING:
    from services.audit.app import AuditApp

log = logging.getLogger(__name__)

Row = JsonObject
Progress = Callable[[int], None]
Facts = Callable[[JsonObject], JsonObject]

PROJECTION = "invoice_status"
#: pg advisory lock keys: one projector (of all consumer replicas) writes at a time.
PROJECTOR_LOCK = 7212
DDL_LOCK = 7213
BATCH_SIZE = 500
POLL_SECONDS = 0.2

DDL = (
    """CREATE TABLE IF NOT EXISTS invoice_status (
        tenant_id  text        NOT NULL,
        invoice_id uuid        NOT NULL,
        status     text        NOT NULL,
        data       jsonb       NOT NULL,
        updated_at timestamptz NOT NULL,
        position   bigint      NOT NULL,
        PRIMARY KEY (tenant_id, invoice_id))""",
    """CREATE INDEX IF NOT EXISTS invoice_status_recent
        ON invoice_status (tenant_id, updated_at DESC, invoice_id)""",
    """CREATE INDEX IF NOT EXISTS invoice_status_supplier
        ON invoice_status (tenant_id, (data->>'supplier_orgnr'), updated_at DESC)""",
    """CREATE TABLE IF NOT EXISTS invoice_status_position (
        projection text   PRIMARY KEY,
        position   bigint NOT NULL)""",
)

# --- the reducer ----------------------------------------------------------------------------

STATUS_OF: dict[str, str] = {
    Topic.INVOICE_RECEIVED.value: "received",
    Topic.INVOICE_OCR_REQUESTED.value: "awaiting-ocr",
    Topic.INVOICE_OCR_COMPLETED.value: "ocr-completed",
    Topic.INVOICE_CAPTURED.value: "captured",
    Topic.INVOICE_VALIDATED.value: "validated",
    Topic.INVOICE_REJECTED.value: "rejected",
    Topic.INVOICE_FLAGGED.value: "flagged",
    Topic.INVOICE_CODED.value: "coded",
    Topic.INVOICE_APPROVAL_REQUESTED.value: "awaiting-approval",
    Topic.INVOICE_APPROVED.value: "approved",
    Topic.INVOICE_DISPUTED.value: "disputed",
    Topic.INVOICE_POSTED.value: "posted",
    Topic.INVOICE_POSTING_FAILED.value: "posting-failed",
    Topic.PAYMENT_PROPOSED.value: "payment-proposed",
    Topic.PAYMENT_SENT.value: "payment-sent",
    Topic.PAYMENT_SETTLED.value: "paid",
    Topic.PAYMENT_FAILED.value: "payment-failed",
}
"""OCR and recoding events leave the status as it is."""

EMPTY_ROW: Row = dict.fromkeys(
    (
        "invoice_id",
        "tenant_id",
        "status",
        "status_changed_at",
        "invoice_number",
        "supplier_name",
        "supplier_orgnr",
        "amount_payable",
        "currency",
        "issue_date",
        "due_date",
        "registered_by",
        "channel",
        "findings",
        "capture_confidence",
        "flag_reason",
        "released_by",
        "release_note",
        "rejected_by",
        "rejection_reason",
        "purchase_order",
        "approval_step",
        "assignee",
        "coding_confidence",
        "coding_touchless",
        "recoded_by",
        "approved_by",
        "disputed_by",
        "dispute_reason",
        "voucher_number",
        "voucher_date",
        "posting_failure",
        "payment_id",
        "execution_date",
        "settled_on",
        "payment_failure",
        "last_topic",
        "updated_at",
        "received_at",
        "approval_requested_at",
        "approved_at",
        "approvals",
        "touchless",
        "touched",
        "costs",
        "corrections",
    )
)
"""`corrections`: business term -> value, as people corrected them on the desk. The seven
before it feed the finance cockpit: when each milestone happened (as the events say), who
approved each step, whether a person had to step in, and the approved net cost per account."""

_NO_VAT_ID = re.compile(r"^NO(\d{9})MVA$")


def _orgnr(legal_id: Any, vat_id: Any) -> Any:
    if legal_id:
        return legal_id
    match = _NO_VAT_ID.match(str(vat_id or "").replace(" ", ""))
    return match.group(1) if match else None


def _canonical(p: JsonObject) -> JsonObject:
    invoice = p.get("invoice") or {}
    seller = invoice.get("seller") or {}
    return {
        "invoice_number": invoice.get("number"),
        "kind": invoice.get("kind"),
        "issue_date": invoice.get("issue_date"),
        "due_date": invoice.get("due_date"),
        "currency": invoice.get("currency"),
        "amount_payable": (invoice.get("totals") or {}).get("payable"),
        "supplier_name": seller.get("name"),
        "supplier_orgnr": _orgnr(seller.get("legal_id"), seller.get("vat_id")),
        "registered_by": p.get("registered_by"),
    }


def _captured(p: JsonObject) -> JsonObject:
    """The canonical facts, and how sure the capture was of each business term (the AP desk's
    queue of uncertain captures reads it; people see per field which values to check)."""
    provenance = (p.get("invoice") or {}).get("provenance") or {}
    sureness = {term: kept.get("confidence") for term, kept in provenance.items()}
    return _canonical(p) | {"capture_confidence": sureness or None}


CORRECTED_FACTS = {
    "BT-1": "invoice_number",
    "BT-2": "issue_date",
    "BT-5": "currency",
    "BT-9": "due_date",
    "BT-27": "supplier_name",
    "BT-30": "supplier_orgnr",
    "BT-115": "amount_payable",
}
"""The row's facts a desk correction sets. Other services' events carry the invoice as they
read it before the correction (they may arrive later, too), so a corrected value stays."""


def _corrected(p: JsonObject) -> JsonObject:
    """A desk correction: the invoice as it now reads, and a person stepped in."""
    field = p.get("field")
    fixed = {str(field): p.get("value")} if field else {}
    return _captured(p) | {"touched": True, "corrections": fixed}


def _with_corrections(row: Row, corrections: JsonObject) -> None:
    """Corrected terms are certain, and their values are the row's, whatever came after."""
    row["corrections"] = corrections
    row["capture_confidence"] = (row["capture_confidence"] or {}) | dict.fromkeys(corrections, 1.0)
    for term, value in corrections.items():
        if term in CORRECTED_FACTS and value is not None:
            row[CORRECTED_FACTS[term]] = value


def _coded(p: JsonObject) -> JsonObject:
    return _summary(p) | {
        "coding_confidence": p.get("confidence"),
        "coding_touchless": p.get("touchless"),
    }


def _summary(p: JsonObject) -> JsonObject:
    invoice = p.get("invoice") or {}
    return {
        "invoice_number": invoice.get("number"),
        "issue_date": invoice.get("issue_date"),
        "due_date": invoice.get("due_date"),
        "currency": invoice.get("currency"),
        "amount_payable": invoice.get("payable_amount"),
        "supplier_name": invoice.get("seller_name"),
        "supplier_orgnr": _orgnr(invoice.get("seller_legal_id"), invoice.get("seller_vat_id")),
        "registered_by": p.get("registered_by"),
    }


def _approved(p: JsonObject) -> JsonObject:
    approvals = p.get("approvals") or []
    approvers = [a.get("approved_by") for a in approvals]
    keep = ("step", "approved_by", "on_behalf_of", "approved_at")
    return _summary(p) | {
        "approved_by": approvers or None,
        "approved_at": p.get("approved_at"),
        "approvals": [{k: a.get(k) for k in keep} for a in approvals] or None,
        "costs": _costs(p.get("coding") or []) or None,
    }


def _costs(lines: list[JsonObject]) -> dict[str, str]:
    """Net amount per account of the approved coding, as decimal strings."""
    total: dict[str, Decimal] = {}
    for line in lines:
        account = str(line.get("account") or "")
        try:
            net = Decimal(str(line.get("net_amount") or "0"))
        except InvalidOperation:
            continue
        total[account] = total.get(account, Decimal("0")) + net
    return {account: str(amount) for account, amount in sorted(total.items())}


def _posted(p: JsonObject) -> JsonObject:
    return _summary(p) | {
        "voucher_number": p.get("voucher_number"),
        "voucher_date": p.get("voucher_date"),
    }


FACTS_OF: dict[str, Facts] = {
    Topic.INVOICE_RECEIVED.value: lambda p: {
        "registered_by": p.get("registered_by"),
        "channel": p.get("channel"),
        "received_at": p.get("received_at"),
    },
    Topic.INVOICE_CAPTURED.value: _captured,
    Topic.INVOICE_CORRECTED.value: _corrected,
    Topic.INVOICE_VALIDATED.value: lambda p: (
        _canonical(p)
        | {
            "purchase_order": p.get("purchase_order"),
            "findings": p.get("findings"),
            "released_by": p.get("released_by"),
            "release_note": p.get("release_note"),
        }
    ),
    Topic.INVOICE_REJECTED.value: lambda p: {
        "findings": p.get("findings"),
        "rejected_by": p.get("rejected_by"),
        "rejection_reason": p.get("reason"),
    },
    Topic.INVOICE_FLAGGED.value: lambda p: {
        "findings": p.get("findings"),
        "flag_reason": p.get("reason"),
        "purchase_order": p.get("purchase_order"),
        "assignee": p.get("assignee"),
        "touched": True,
    },
    Topic.INVOICE_CODED.value: lambda p: _coded(p) | {"touchless": p.get("touchless")},
    Topic.INVOICE_APPROVAL_REQUESTED.value: lambda p: {
        "assignee": p.get("assignee"),
        "approval_step": p.get("step"),
    },
    Topic.INVOICE_RECODED.value: lambda p: {"recoded_by": p.get("recoded_by"), "touched": True},
    Topic.INVOICE_APPROVED.value: _approved,
    Topic.INVOICE_DISPUTED.value: lambda p: {
        "disputed_by": p.get("disputed_by"),
        "dispute_reason": p.get("reason"),
    },
    Topic.INVOICE_POSTED.value: _posted,
    Topic.INVOICE_POSTING_FAILED.value: lambda p: {
        "voucher_number": p.get("voucher_number"),
        "posting_failure": p.get("reason"),
    },
    Topic.PAYMENT_PROPOSED.value: lambda p: {
        "payment_id": p.get("payment_id"),
        "execution_date": p.get("execution_date"),
    },
    Topic.PAYMENT_SENT.value: lambda p: {
        "payment_id": p.get("payment_id"),
        "execution_date": p.get("execution_date"),
    },
    Topic.PAYMENT_SETTLED.value: lambda p: {
        "payment_id": p.get("payment_id"),
        "settled_on": p.get("booking_date"),
    },
    Topic.PAYMENT_FAILED.value: lambda p: {
        "payment_id": p.get("payment_id"),
        "payment_failure": p.get("reason"),
    },
}


def _no_facts(payload: JsonObject) -> JsonObject:
    return {}


def _later_or_same(time: str, than: str | None) -> bool:
    return than is None or datetime.fromisoformat(time) >= datetime.fromisoformat(than)


def apply(row: Row | None, entry: Entry) -> Row:
    """The status row after one more audit entry; the input row is left as it was.

    Events of one invoice reach the audit service on different topics, so they may arrive out of
    lifecycle order: the status follows the event with the latest ce_time, while facts (number,
    amount, voucher …) merge in whatever order they come; a missing value never erases one.
    A term a person corrected stays certain, and keeps its corrected value, whatever comes after.
    Who rejected it, and why, is kept only while the invoice is rejected.
    """
    new = (
        dict(row)
        if row is not None
        else EMPTY_ROW | {"invoice_id": entry.subject, "tenant_id": entry.tenant_id}
    )
    facts = FACTS_OF.get(entry.topic, _no_facts)(entry.payload)
    corrections = (new.get("corrections") or {}) | facts.pop("corrections", {})
    new.update({key: value for key, value in facts.items() if value is not None})
    if corrections:
        _with_corrections(new, corrections)
    status = STATUS_OF.get(entry.topic)
    if status is not None and _later_or_same(entry.time, new["status_changed_at"]):
        new["status"], new["status_changed_at"] = status, entry.time
    if new["status"] is None:
        new["status"] = "received"
    if new["status"] != "rejected":  # a person's rejection that a correction overcame
        new["rejected_by"] = new["rejection_reason"] = None
    if _later_or_same(entry.time, new["updated_at"]):
        new["updated_at"], new["last_topic"] = entry.time, entry.topic
    if entry.topic == Topic.INVOICE_APPROVAL_REQUESTED.value:
        new["approval_requested_at"] = _first_request(new, entry)
    return new


def _first_request(row: Row, entry: Entry) -> dict[str, str]:
    """When each approval step was first asked for: how long its approver took starts there."""
    requested = dict(row.get("approval_requested_at") or {})
    step = str(entry.payload.get("step") or "")
    if step not in requested or not _later_or_same(entry.time, requested[step]):
        requested[step] = entry.time
    return requested


# --- the tables ----------------------------------------------------------------------------

Connection = psycopg.Connection[tuple[Any, ...]]


def ensure_tables(settings: CommonSettings) -> None:
    create_tables(settings, DDL_LOCK, DDL)


def read_status(settings: CommonSettings, tenant_id: str, invoice_id: str) -> dict[str, Any] | None:
    try:
        key = UUID(str(invoice_id))
    except ValueError:
        return None
    with connect(settings, autocommit=True) as conn:
        try:
            found = conn.execute(
                "SELECT data FROM invoice_status WHERE tenant_id = %s AND invoice_id = %s",
                (tenant_id, key),
            ).fetchone()
        except errors.UndefinedTable:
            return None
    return cast(dict[str, Any], found[0]) if found else None


# --- reading: keyset pages ------------------------------------------------------------------


class BadCursor(ValueError):
    """An `after` cursor that this projection did not give out."""


@dataclass(frozen=True)
class Filter:
    """Which rows of a tenant a list reads: a SQL condition on `invoice_status` and its values."""

    sql: str = "TRUE"
    params: tuple[Any, ...] = ()


EVERY = Filter()


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first, and the cursor of the next page (None: the last)."""

    rows: list[dict[str, Any]]
    next: str | None
    total: int | None = None


def encode_cursor(updated_at: datetime, invoice_id: UUID) -> str:
    """The position after a row, opaque to clients: its place in the order of the list."""
    raw = f"{updated_at.isoformat()}|{invoice_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, key = raw.partition("|")
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise ValueError("no zone")
        return at, UUID(key)
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        raise BadCursor(cursor) from exc


def page_statuses(
    settings: CommonSettings,
    tenant_id: str,
    limit: int,
    after: str | None = None,
    where: Filter = EVERY,
    count: bool = False,
) -> Page:
    """A page of the tenant's rows that `where` selects, newest change first (the projection's
    order, `updated_at DESC, invoice_id`), starting after the row `after` names: keyset paging,
    so a page costs the same however deep, and no row shows twice or goes missing while the
    rows stand still. `count` adds how many rows the filter selects in all."""
    limit = max(limit, 1)
    sql = f"FROM invoice_status WHERE tenant_id = %s AND ({where.sql})"
    params: list[Any] = [tenant_id, *where.params]
    keyset = ""
    if after:
        at, key = decode_cursor(after)
        keyset = " AND (updated_at < %s OR (updated_at = %s AND invoice_id > %s))"
        params += [at, at, key]
    query = (
        f"SELECT data, updated_at, invoice_id {sql}{keyset} "
        "ORDER BY updated_at DESC, invoice_id LIMIT %s"
    )
    with connect(settings, autocommit=True) as conn:
        try:
            found = conn.execute(query, (*params, limit + 1)).fetchall()
            total = None
            if count:
                counted = conn.execute(f"SELECT count(*) {sql}", params[: 1 + len(where.params)])
                total = int(cast(tuple[int], counted.fetchone())[0])
        except errors.UndefinedTable:
            return Page([], None, 0 if count else None)
    rows = [cast(dict[str, Any], r[0]) for r in found[:limit]]
    more = len(found) > limit
    if not more:
        return Page(rows, None, total)
    _, updated_at, invoice_id = found[limit - 1]
    return Page(rows, encode_cursor(cast(datetime, updated_at), cast(UUID, invoice_id)), total)


def every_row(
    settings: CommonSettings, tenant_id: str, where: Filter = EVERY, batch: int = BATCH_SIZE
) -> Iterator[dict[str, Any]]:
    """Every row `where` selects, read a page at a time (for aggregates over all of them)."""
    after: str | None = None
    while True:
        page = page_statuses(settings, tenant_id, batch, after, where)
        yield from page.rows
        if page.next is None:
            return
        after = page.next


def list_statuses(
    settings: CommonSettings, tenant_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    return page_statuses(settings, tenant_id, limit).rows


FINISHED = ("paid", "rejected")


def changed_since(since: datetime) -> Filter:
    """Changed since `since`, or still under way however old: what the finance cockpit counts."""
    return Filter("updated_at >= %s OR status <> ALL(%s)", (since, list(FINISHED)))


def list_statuses_since(
    settings: CommonSettings, tenant_id: str, since: datetime, limit: int | None = None
) -> list[dict[str, Any]]:
    """The tenant's invoices changed since `since`, and those still under way however old,
    newest first: all of them, or the newest `limit`."""
    if limit is not None:
        return page_statuses(settings, tenant_id, limit, where=changed_since(since)).rows
    return list(every_row(settings, tenant_id, changed_since(since)))


def supplier_filter(orgnrs: Sequence[str], registered_by: str | None = None) -> Filter:
    """One supplier's invoices: those whose seller orgnr is one of `orgnrs`, and those
    `registered_by` sent that are not read yet (no seller orgnr so far)."""
    return Filter(
        "data->>'supplier_orgnr' = ANY(%s) OR (data->>'supplier_orgnr' IS NULL "
        "AND data->>'registered_by' = %s)",
        (list(orgnrs), registered_by),
    )


def with_status(*statuses: str) -> Filter:
    return Filter("status = ANY(%s)", (list(statuses),))


def unsure_capture(
    terms: Sequence[str], always: Sequence[str], sure: float, settled: Sequence[str]
) -> Filter:
    """Not settled, and the capture was unsure of one of `terms` (below `sure`, or no number)
    or missed one of the fields every invoice has (`always`): the AP desk's capture queue."""
    return Filter(
        "status <> ALL(%s) AND jsonb_typeof(data->'capture_confidence') = 'object' "
        "AND data->'capture_confidence' <> '{}'::jsonb AND ("
        "EXISTS (SELECT 1 FROM jsonb_each(data->'capture_confidence') AS c(term, sureness) "
        "WHERE c.term = ANY(%s) AND (jsonb_typeof(c.sureness) <> 'number' "
        "OR (c.sureness #>> '{}')::numeric < %s)) "
        "OR NOT (data->'capture_confidence' ?& %s))",
        (list(settled), list(terms), sure, list(always)),
    )


def coded_by_hand(recodable: Sequence[str]) -> Filter:
    """Coded without a touchless suggestion and nobody has recoded it yet, while it still can
    be: the AP desk's coding queue."""
    return Filter(
        "status = ANY(%s) AND data->'coding_touchless' = 'false'::jsonb "
        "AND coalesce(data->>'recoded_by', '') = ''",
        (list(recodable),),
    )


def list_supplier_statuses(
    settings: CommonSettings,
    tenant_id: str,
    orgnrs: Sequence[str],
    registered_by: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """One supplier's invoices to the tenant, newest first (see `supplier_filter`)."""
    where = supplier_filter(orgnrs, registered_by)
    return page_statuses(settings, tenant_id, limit, where=where).rows


# --- the projector -------------------------------------------------------------------------


class Projector:
    """Follows the audit app's notification log into `invoice_status`; one writer at a time."""

    def __init__(self, app: AuditApp, batch_size: int = BATCH_SIZE) -> None:
        self.app = app
        self.settings = app.settings
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        ensure_tables(self.settings)

    def catch_up(self, progress: Progress | None = None) -> int:
        """Project every new event; returns how many. Returns 0 at once while another projector
        (another consumer replica, or a rebuild) holds the lock."""
        total = 0
        with self._lock, self._session() as conn:
            while True:
                with conn.transaction():
                    locked = conn.execute(
                        "SELECT pg_try_advisory_xact_lock(%s)", (PROJECTOR_LOCK,)
                    ).fetchone()
                    if not (locked and locked[0]):
                        return total
                    count = self._project_batch(conn)
                total += count
                if count and progress:
                    progress(total)
                if count < self.batch_size:
                    return total

    def rebuild(self, progress: Progress | None = None) -> int:
        """Empty both tables and project everything from the start, as one transaction."""
        total = 0
        with self._lock, self._session() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROJECTOR_LOCK,))
            conn.execute("DELETE FROM invoice_status")
            conn.execute("DELETE FROM invoice_status_position")
            while count := self._project_batch(conn):
                total += count
                if progress:
                    progress(total)
        return total

    def position(self) -> int:
        with self._lock, self._session() as conn:
            return self._position(conn)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _session(self) -> Iterator[Connection]:
        """The projector's own connection, kept between calls; dropped after any failure."""
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.settings, autocommit=True)
        try:
            yield self._conn
        except BaseException:
            self._conn.close()
            self._conn = None
            raise

    def _position(self, conn: Connection) -> int:
        found = conn.execute(
            "SELECT position FROM invoice_status_position WHERE projection = %s", (PROJECTION,)
        ).fetchone()
        return int(found[0]) if found else 0

    def _project_batch(self, conn: Connection) -> int:
        notifications = self.app.recorder.select_notifications(
            start=self._position(conn), limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        rows: dict[tuple[str, UUID], tuple[Row | None, int]] = {}
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            if not isinstance(event, AuditTrail.EntryRecorded):
                continue
            entry = Entry.from_dict(event.entry)
            key = (entry.tenant_id, UUID(entry.subject))
            row = rows[key][0] if key in rows else self._load(conn, key)
            rows[key] = (apply(row, entry), notification.id)
        for (tenant_id, invoice_id), (row, position) in rows.items():
            assert row is not None
            conn.execute(
                "INSERT INTO invoice_status "
                "(tenant_id, invoice_id, status, data, updated_at, position) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, invoice_id) DO UPDATE "
                "SET status = EXCLUDED.status, data = EXCLUDED.data, "
                "updated_at = EXCLUDED.updated_at, position = EXCLUDED.position",
                (
                    tenant_id,
                    invoice_id,
                    row["status"],
                    Jsonb(row),
                    datetime.fromisoformat(row["updated_at"]),
                    position,
                ),
            )
        conn.execute(
            "INSERT INTO invoice_status_position (projection, position) VALUES (%s, %s) "
            "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position",
            (PROJECTION, notifications[-1].id),
        )
        return len(notifications)

    def _load(self, conn: Connection, key: tuple[str, UUID]) -> Row | None:
        found = conn.execute(
            "SELECT data FROM invoice_status WHERE tenant_id = %s AND invoice_id = %s", key
        ).fetchone()
        return cast(Row, found[0]) if found else None


def follow(
    projector: Projector, stop: threading.Event, interval: float = POLL_SECONDS
) -> threading.Thread:
    """Keep the projection current in a background thread until `stop` is set."""

    def loop() -> None:
        while not stop.is_set():
            try:
                projector.catch_up()
            except Exception:
                log.exception("invoice status projection failed; retrying")
                stop.wait(2.0)
            stop.wait(interval)
        projector.close()

    thread = threading.Thread(target=loop, name="invoice-status-projector", daemon=True)
    thread.start()
    return thread


def replay_projections(
    settings: CommonSettings, progress: Progress | None = None
) -> dict[str, Any]:
    """Drop every projection row and rebuild from the audit events (`fakturaportal replay`)."""
    from services.audit.app import AuditApp

    app = AuditApp(settings)
    projector = Projector(app)
    try:
        events = projector.rebuild(progress)
        with connect(settings, autocommit=True) as conn:
            found = conn.execute("SELECT count(*) FROM invoice_status").fetchone()
        rows = cast(int, found[0]) if found else 0
        return {PROJECTION: {"events": events, "rows": rows, "position": projector.position()}}
    finally:
        projector.close()
        app.close()
