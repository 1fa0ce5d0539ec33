"""Real infrastructure for integration and end-to-end tests: an isolated database and topic
namespace per test session on the local Kafka broker and PostgreSQL that `make test` starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from psycopg import sql
from pydantic import SecretStr

from fakturaportal.kafka import create_topics
from fakturaportal.settings import REPO_ROOT, CommonSettings
from shared.schemas.topics import all_topic_names


def _require() -> bool:
    return os.environ.get("FP_REQUIRE_INFRA") == "1" or os.environ.get("CI") == "true"


def unavailable(reason: str) -> None:
    if _require():
        pytest.fail(f"infrastructure required but unavailable: {reason}")
    pytest.skip(f"{reason} (run `make test`, which starts Kafka and PostgreSQL)")


@dataclass
class TestEnv:
    __test__ = False

    settings: CommonSettings
    env: dict[str, str]
    data_dir: Path

    def run_role(
        self,
        service: str,
        role: str,
        *,
        fault: str = "",
        timeout: float = 60,
        until_idle: float | None = None,
    ) -> subprocess.Popen[bytes]:
        env = dict(self.env)
        if fault:
            env["FP_FAULT"] = fault
        log = (self.data_dir / f"{service}-{role}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", role],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )


def base_settings() -> CommonSettings:
    return CommonSettings()


def admin_conninfo(settings: CommonSettings) -> str:
    return settings.conninfo().replace(f"dbname={settings.pg_db}", "dbname=postgres")


@contextmanager
def throwaway_database(base: CommonSettings, prefix: str) -> Iterator[str]:
    """A fresh database for one test module or session, dropped afterwards."""
    try:
        with psycopg.connect(admin_conninfo(base), autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL not reachable at {base.pg_host}:{base.pg_port}: {exc}")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_conninfo(base), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        if os.environ.get("FP_KEEP_TEST_DB") != "1":
            with psycopg.connect(admin_conninfo(base), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
def test_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestEnv]:
    base = base_settings()
    admin = AdminClient({"bootstrap.servers": base.kafka_bootstrap, "socket.timeout.ms": 5000})
    try:
        admin.list_topics(timeout=5)
    except Exception as exc:
        unavailable(f"Kafka not reachable at {base.kafka_bootstrap}: {exc}")
    with throwaway_database(base, "fp_test") as db:
        yield from _session_env(base, admin, db, tmp_path_factory)


def _session_env(
    base: CommonSettings, admin: AdminClient, db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestEnv]:
    prefix = f"t{int(time.time())}{uuid.uuid4().hex[:6]}."
    data_dir = tmp_path_factory.mktemp("fpdata")
    secret = "test-secret-" + "x" * 32
    settings = CommonSettings(
        pg_db=db,
        topic_prefix=prefix,
        data_dir=data_dir,
        jwt_secret=SecretStr(secret),
        jwt_jwks_url=None,
    )
    create_topics(settings)
    env = dict(os.environ) | {
        "FP_PG_DB": db,
        "FP_TOPIC_PREFIX": prefix,
        "FP_DATA_DIR": str(data_dir),
        "FP_JWT_SECRET": secret,
        "FP_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FP_FAULT", None)
    os.environ.update(
        {k: env[k] for k in ("FP_PG_DB", "FP_TOPIC_PREFIX", "FP_DATA_DIR", "FP_JWT_SECRET")}
    )
    from fakturaportal.settings import common_settings

    common_settings.cache_clear()
    yield TestEnv(settings, env, data_dir)
    admin.delete_topics([settings.topic(n) for n in all_topic_names()], operation_timeout=30)


def read_topic(
    settings: CommonSettings,
    topic: str,
    *,
    expect: int | None = None,
    timeout: float = 30,
    idle: float = 2.0,
) -> list:
    """Every record on a topic (all partitions, from the start) as a plain subscriber sees it."""
    name = settings.topic(topic)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"reader-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    metadata = consumer.list_topics(name, timeout=10)
    partitions = [TopicPartition(name, p, 0) for p in metadata.topics[name].partitions]
    consumer.assign(partitions)
    records = []
    deadline = time.monotonic() + timeout
    last = time.monotonic()
    try:
        while time.monotonic() < deadline:
            record = consumer.poll(0.2)
            if record is None or record.error():
                if expect is not None and len(records) >= expect and time.monotonic() - last > 0.5:
                    break
                if expect is None and time.monotonic() - last > idle:
                    break
                continue
            records.append(record)
            last = time.monotonic()
    finally:
        consumer.close()
    return records


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
