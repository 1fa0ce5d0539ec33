"""The running system for end-to-end tests: every service as processes on the real broker and
database, reached through the portal like a user or an API client would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from fakturaportal.auth import issue_dev_token
from fakturaportal.demo import SUPPLIERS, DemoSupplier, demo_invoice
from fakturaportal.processes import SMTP_PORT, Supervisor
from fakturaportal.settings import REPO_ROOT
from tests.infra import TestEnv

PORT_BASE = int(os.environ.get("FP_E2E_PORT_BASE", "18000"))
"""Where the e2e system listens; set another base to run two e2e sessions side by side."""
PORTAL = f"http://127.0.0.1:{PORT_BASE}"
MAX_UPLOAD = 200_000
#: The coding model learns from a handful of approved lines here (production waits for 30).
LEARN_QUICKLY = {
    "FP_POSTING_TRAIN_INTERVAL": "1",
    "FP_POSTING_MODEL_MIN_RECORDS": "3",
    "FP_POSTING_MODEL_MIN_LABELS": "2",
    "FP_POSTING_MODEL_MIN_LEAF": "1",
    "FP_POSTING_RETRAIN_MIN_CORRECTIONS": "1",
}
SERVICE_ROLE = {
    "FP_PG_SERVICE_USER": "fakturaportal_e2e_app",
    "FP_PG_SERVICE_PASSWORD": "e2e-app-pw",
}


@pytest.fixture(scope="session")
def system(test_env: TestEnv) -> Iterator[TestEnv]:
    sup = Supervisor(test_env.data_dir / "run", test_env.data_dir / "logs", PORT_BASE)
    extra = {k: v for k, v in test_env.env.items() if k.startswith(("FP_", "PYTHON"))}
    extra["FP_INTAKE_MAX_UPLOAD_BYTES"] = str(MAX_UPLOAD)
    extra |= LEARN_QUICKLY
    migrate = subprocess.run(
        [sys.executable, "-m", "fakturaportal.cli", "migrate"],
        env=test_env.env | SERVICE_ROLE,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    # The services run as the least-privileged role that migrate created, as in production.
    service = test_env.settings.model_copy(
        update={
            "pg_service_user": SERVICE_ROLE["FP_PG_SERVICE_USER"],
            "pg_service_password": SecretStr(SERVICE_ROLE["FP_PG_SERVICE_PASSWORD"]),
        }
    )
    sup.start_all(extra, service.service_env())
    try:
        missing = sup.wait_healthy(120)
        assert not missing, f"not ready: {missing}; logs in {test_env.data_dir / 'logs'}"
        yield test_env
    finally:
        sup.stop_all()


def token(env: TestEnv, user: str, *roles: str, tenant: str = "demo") -> dict[str, str]:
    jwt = issue_dev_token(env.settings, tenant=tenant, user=user, roles=list(roles))
    return {"Authorization": f"Bearer {jwt}"}


SMTP = SMTP_PORT + PORT_BASE - 8000


def unique_demo(number: int, supplier: DemoSupplier = SUPPLIERS[0]) -> bytes:
    """A demo invoice whose amount is its own: tests share one database, and the same supplier
    with the same amount within a week is (rightly) flagged as a probable duplicate."""
    return demo_invoice(number, supplier, lines=(("Vare", Decimal(number) + Decimal("0.50")),))


def upload(env: TestEnv, data: bytes, *, tenant: str = "demo", name: str = "invoice.xml") -> str:
    """Upload one EHF document as the tenant's accountant; returns the invoice id."""
    import httpx

    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=token(env, "anne", "accountant", tenant=tenant),
        files={"file": (name, data, "application/xml")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["invoice_id"])


def put_organisation(env: TestEnv, tenant: str, organisation: dict[str, Any]) -> None:
    """Set a tenant's organisation, section by section, as its finance admin."""
    import httpx

    finn = token(env, "finn", "finance-admin", tenant=tenant)
    for section, value in organisation.items():
        response = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}", headers=finn, json=value, timeout=30
        )
        assert response.status_code == 200, response.text
