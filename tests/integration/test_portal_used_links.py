"""Used login links in PostgreSQL, shared by portal replicas: a link works once across all of
them, expired rows are pruned, and the services' role may do both (as `migrate` grants)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from fakturaportal.db import connect, grant_service_role
from fakturaportal.settings import CommonSettings
from services.portal.web.links import (
    TABLE,
    LinkRefused,
    LinkSigner,
    PostgresUsedLinks,
    ensure_tables,
)
from tests.infra import throwaway_database

pytestmark = pytest.mark.integration
KEY = b"login-link-key" * 3
NOW = 1_800_000_000


@pytest.fixture(scope="module", name="settings")
def settings_fixture() -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_links_test") as db:
        settings = base.model_copy(update={"pg_db": db})
        ensure_tables(settings)
        yield settings


def rows(settings: CommonSettings) -> set[str]:
    with connect(settings, autocommit=True) as conn:
        return {r[0] for r in conn.execute(f"SELECT jti FROM {TABLE}").fetchall()}


def test_a_link_is_used_once_whichever_replica_redeems_it(settings: CommonSettings) -> None:
    one = LinkSigner(KEY, 15, PostgresUsedLinks(settings))
    two = LinkSigner(KEY, 15, PostgresUsedLinks(settings))
    token = one.issue(tenant="demo", user="kari", email="kari@x.example", now=NOW)
    assert two.redeem(token, now=NOW + 5).user == "kari"
    with pytest.raises(LinkRefused, match="used already"):
        one.redeem(token, now=NOW + 6)
    with pytest.raises(LinkRefused, match="used already"):
        two.redeem(token, now=NOW + 7)
    other = one.issue(tenant="demo", user="ola", email="ola@x.example", now=NOW)
    assert one.redeem(other, now=NOW + 8).user == "ola"  # another link is not affected


def test_expired_rows_are_pruned_now_and_then(settings: CommonSettings) -> None:
    used = PostgresUsedLinks(settings, prune_seconds=600)
    assert used.claim("old", expires=NOW + 60, now=NOW)  # the first claim prunes (nothing yet)
    assert used.claim("recent", expires=NOW + 900, now=NOW + 100)  # not due: kept both
    assert {"old", "recent"} <= rows(settings)
    assert used.claim("later", expires=NOW + 2000, now=NOW + 700)  # due: "old" has expired
    found = rows(settings)
    assert "old" not in found and {"recent", "later"} <= found
    assert not used.claim("recent", expires=NOW + 900, now=NOW + 701)


def test_the_services_role_may_claim_and_prune(settings: CommonSettings) -> None:
    role = f"fp_links_{uuid.uuid4().hex[:8]}"
    owner = settings.model_copy(
        update={"pg_service_user": role, "pg_service_password": SecretStr("links-pw")}
    )
    grant_service_role(owner, read_models=(TABLE,))
    service = settings.model_copy(
        update={"pg_user": role, "pg_password": SecretStr("links-pw"), "pg_manage_schema": False}
    )
    try:
        used = PostgresUsedLinks(service, prune_seconds=0)
        assert used.claim("svc-1", expires=NOW + 10, now=NOW)
        assert not used.claim("svc-1", expires=NOW + 10, now=NOW + 1)
        assert used.claim("svc-2", expires=NOW + 100, now=NOW + 50)  # prunes svc-1
        assert "svc-1" not in rows(settings)
    finally:
        name = sql.Identifier(role)
        with psycopg.connect(settings.conninfo(), autocommit=True) as conn:
            for revoke in (
                "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}",
                "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}",
                "REVOKE ALL ON SCHEMA public FROM {}",
            ):
                conn.execute(sql.SQL(revoke).format(name))
            conn.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                    sql.Identifier(settings.pg_db), name
                )
            )
            conn.execute(sql.SQL("DROP ROLE {}").format(name))
