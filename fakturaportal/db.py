"""PostgreSQL helpers at the edge: connections, and the append-only guard on stored events."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from fakturaportal.settings import CommonSettings

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION fp_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stored events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def connect(
    settings: CommonSettings, *, autocommit: bool = False
) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(settings.conninfo(), autocommit=autocommit)


def create_tables(settings: CommonSettings, lock: int, statements: Sequence[str]) -> None:
    """A projection's tables, idempotently (`CREATE ... IF NOT EXISTS`), one process at a time
    (`lock`: an advisory lock key). Never as the service role, which may not create tables:
    `fakturaportal migrate` creates them."""
    if not settings.pg_manage_schema:
        return
    with connect(settings) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        for statement in statements:
            conn.execute(statement)


def guard_append_only(settings: CommonSettings, table: str) -> None:
    """Make PostgreSQL itself refuse UPDATE, DELETE and TRUNCATE on an events table."""
    with connect(settings) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(7211)")
        present = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s", (f"{table}_append_only",)
        ).fetchone()
        if present and present[0]:
            return
        conn.execute(GUARD_FUNCTION)
        name = sql.Identifier(table)
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION fp_refuse_change()"
            ).format(sql.Identifier(f"{table}_append_only"), name)
        )
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION fp_refuse_change()"
            ).format(sql.Identifier(f"{table}_no_truncate"), name)
        )


def grant_service_role(settings: CommonSettings, read_models: Sequence[str] = ()) -> str | None:
    """Create (or update) the services' role: it may read and append, never rewrite history.

    It gets SELECT, INSERT and UPDATE (the event store's `LOCK TABLE ... EXCLUSIVE` needs UPDATE;
    the append-only trigger refuses every UPDATE on events), but neither DELETE nor TRUNCATE, and
    it owns nothing, so it cannot disable the triggers either. DELETE only on `read_models`:
    projections the services keep themselves by replacing rows (never events).
    """
    if settings.pg_service_password is None:
        return None
    role = sql.Identifier(settings.pg_service_user)
    password = sql.Literal(settings.pg_service_password.get_secret_value())
    with connect(settings) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(7211)")
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.pg_service_user,)
        ).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {}").format(role, password))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(settings.pg_db), role
            )
        )
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        conn.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {}").format(
                role
            )
        )
        conn.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
        )
        for table in read_models:
            conn.execute(sql.SQL("GRANT DELETE ON {} TO {}").format(sql.Identifier(table), role))
    return settings.pg_service_user
