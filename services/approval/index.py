"""The open steps of every tenant as a read-model table in PostgreSQL, followed from approval's
own notification log, so the inbox answers with one query and the scheduler reads only what is
due, without loading aggregates.

`approval_open_steps` holds one row per active step of an open case (`inbox.open_steps`);
`approval_open_steps_position` the last notification applied, updated in the same transaction as
the rows. Every process (API, scheduler) catches the table up before it reads: under
`SELECT ... FOR UPDATE` on the position row, it reads the new notifications, loads each touched
case at its current version and replaces that case's rows. Replacing is idempotent, so a crash
repeats nothing harmful, and the lock keeps two processes from applying the same batch at once.
The table is disposable: `fakturaportal migrate` creates it (and lets the service role DELETE
from it, which it may on no events table); emptying both tables rebuilds it on the next read.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from fakturaportal.db import create_tables
from fakturaportal.settings import CommonSettings
from services.approval.case import ApprovalCase
from services.approval.inbox import OpenStep, open_steps

TABLE = "approval_open_steps"
DDL_LOCK = 7214
BATCH = 500
CLOSES = frozenset(get_topic(e) for e in (ApprovalCase.Approved, ApprovalCase.Disputed))
TOPICS = (
    *CLOSES,
    *(
        get_topic(e)
        for e in (
            ApprovalCase.Requested,
            ApprovalCase.StepApproved,
            ApprovalCase.RoutedUpwards,
            ApprovalCase.StepsStarted,
            ApprovalCase.Forwarded,
            ApprovalCase.Recoded,
            ApprovalCase.Held,
            ApprovalCase.Reminded,
            ApprovalCase.Escalated,
        )
    ),
)
"""Every event that changes a case's active steps or their clocks (comments do not)."""

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        case_id        uuid        NOT NULL,
        step_id        text        NOT NULL,
        tenant_id      text        NOT NULL,
        opened         bigint      NOT NULL,
        ordinal        integer     NOT NULL,
        kind           text        NOT NULL,
        step_amount    numeric     NOT NULL,
        assignee       text        NOT NULL,
        escalate_to    text,
        escalated      boolean     NOT NULL,
        due_at         timestamptz,
        next_action_at timestamptz,
        held_until     text,
        invoice_number text,
        supplier_name  text,
        payable_amount numeric,
        currency       text,
        due_date       date,
        PRIMARY KEY (case_id, step_id))""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_assignee ON {TABLE} (tenant_id, assignee)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_escalated ON {TABLE} (tenant_id, escalate_to) "
    "WHERE escalated",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_due ON {TABLE} (next_action_at) "
    "WHERE next_action_at IS NOT NULL",
    # Added with POSITION_KEY's "/2": the catch-up rewrites the older rows with them.
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS discount_percent numeric",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS discount_until date",
    f"""CREATE TABLE IF NOT EXISTS {TABLE}_position (
        projection text   PRIMARY KEY,
        position   bigint NOT NULL)""",
)
POSITION_KEY = f"{TABLE}/2"
"""The table's position row. A new key when the rows gain columns: the first catch-up then
rewrites every case's rows from the start (each case's rows are replaced, never added twice)."""
SELECT = (
    "SELECT tenant_id, case_id, step_id, ordinal, kind, step_amount, assignee, escalate_to, "
    "escalated, due_at, next_action_at, held_until, invoice_number, supplier_name, "
    "payable_amount, currency, due_date, discount_percent, discount_until "
    "FROM approval_open_steps"
)
"""`OpenStep`'s fields, in order."""
INSERT = (
    "INSERT INTO approval_open_steps (opened, tenant_id, case_id, step_id, ordinal, kind, "
    "step_amount, assignee, escalate_to, escalated, due_at, next_action_at, held_until, "
    "invoice_number, supplier_name, payable_amount, currency, due_date, discount_percent, "
    "discount_until) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


class _Cases(Protocol):
    @property
    def recorder(self) -> ApplicationRecorder: ...

    def get_or_none(self, aggregate_id: UUID) -> Aggregate | None: ...


def ensure_tables(settings: CommonSettings) -> None:
    create_tables(settings, DDL_LOCK, DDL)


def _utc(conn: psycopg.Connection[TupleRow]) -> None:
    """Times come back in UTC, as the cases hold them, whatever the server's time zone."""
    conn.autocommit = True
    conn.execute("SET TIME ZONE 'UTC'")


class OpenSteps:
    """The table, kept current by whoever reads it; a small pool of connections per process,
    opened on first use (the consumer and relay never read it)."""

    def __init__(self, app: _Cases, settings: CommonSettings, batch: int = BATCH) -> None:
        self._app = app
        self._batch = batch
        self._pool = ConnectionPool(
            settings.conninfo(), min_size=1, max_size=4, open=False, configure=_utc
        )
        self._opened = False
        self._lock = threading.Lock()
        ensure_tables(settings)

    def mine(self, tenant_id: str, assignees: Sequence[str], user: str) -> list[OpenStep]:
        """Rows assigned to any of `assignees`, or escalated to `user`: oldest case first, each
        case's steps in order (the order the inbox has always listed them in)."""
        self.catch_up()
        return self._rows(
            SELECT + " WHERE tenant_id = %s "
            "AND (assignee = ANY(%s) OR (escalated AND escalate_to = %s)) "
            "ORDER BY opened, ordinal",
            (tenant_id, list(assignees), user),
        )

    def due(self, now: datetime, tenant_id: str | None = None) -> list[UUID]:
        """Cases with a reminder or escalation due at `now`, oldest first."""
        self.catch_up()
        with self._connection() as conn:
            found = conn.execute(
                "SELECT case_id FROM approval_open_steps WHERE next_action_at <= %s "
                "AND (%s::text IS NULL OR tenant_id = %s) GROUP BY case_id ORDER BY min(opened)",
                (now, tenant_id, tenant_id),
            ).fetchall()
        return [row[0] for row in found]

    def catch_up(self) -> int:
        """Applies the notifications recorded since the table's position; returns how many."""
        applied = 0
        with self._connection() as conn:
            while self._behind(conn):
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO approval_open_steps_position (projection, position) "
                        "VALUES (%s, 0) ON CONFLICT (projection) DO NOTHING",
                        (POSITION_KEY,),
                    )
                    locked = conn.execute(
                        "SELECT position FROM approval_open_steps_position WHERE projection = %s "
                        "FOR UPDATE",
                        (POSITION_KEY,),
                    ).fetchone()
                    position = int(locked[0]) if locked else 0
                    batch = self._app.recorder.select_notifications(
                        start=position, limit=self._batch, topics=TOPICS, inclusive_of_start=False
                    )
                    if not batch:
                        return applied  # another process applied them meanwhile
                    self._apply(conn, [(n.id, n.originator_id, n.topic) for n in batch])
                    conn.execute(
                        "UPDATE approval_open_steps_position SET position = %s "
                        "WHERE projection = %s",
                        (batch[-1].id, POSITION_KEY),
                    )
                applied += len(batch)
        return applied

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self._pool.close()
                self._opened = False

    def _connection(self) -> AbstractContextManager[psycopg.Connection[TupleRow]]:
        with self._lock:
            if not self._opened:
                self._pool.open(wait=True)
                self._opened = True
        return self._pool.connection()

    def _rows(self, query: str, params: tuple[Any, ...]) -> list[OpenStep]:
        with self._connection() as conn:
            return [OpenStep(*row) for row in conn.execute(query, params).fetchall()]

    def _behind(self, conn: psycopg.Connection[TupleRow]) -> bool:
        """Cheap, without the lock: is anything recorded past the table's position?"""
        found = conn.execute(
            "SELECT position FROM approval_open_steps_position WHERE projection = %s",
            (POSITION_KEY,),
        ).fetchone()
        position = int(found[0]) if found else 0
        later = self._app.recorder.select_notifications(
            start=position, limit=1, topics=TOPICS, inclusive_of_start=False
        )
        return bool(later)

    def _apply(self, conn: psycopg.Connection[TupleRow], batch: list[tuple[int, Any, str]]) -> None:
        """Replaces the rows of every case the batch touches; a closed case only loses them."""
        first: dict[UUID, int] = {}
        closed: set[UUID] = set()
        for notification_id, originator_id, topic in batch:
            case_id = UUID(str(originator_id))
            first.setdefault(case_id, notification_id)
            if topic in CLOSES:
                closed.add(case_id)
        for case_id, seen in first.items():
            kept = conn.execute(
                "DELETE FROM approval_open_steps WHERE case_id = %s RETURNING opened", (case_id,)
            ).fetchone()
            case = None if case_id in closed else self._app.get_or_none(case_id)
            if not isinstance(case, ApprovalCase):
                continue
            opened = int(kept[0]) if kept else seen
            with conn.cursor() as cursor:
                cursor.executemany(INSERT, [(opened, *astuple(row)) for row in open_steps(case)])
