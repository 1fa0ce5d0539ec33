"""The local supervisor gives the portal, and only the portal, its signing key."""

from __future__ import annotations

import stat
from pathlib import Path

from fakturaportal.processes import PROCESSES, Supervisor, process_env
from fakturaportal.signing import public_jwk

PORTAL = next(p for p in PROCESSES if (p.service, p.role) == ("portal", "api"))
INTAKE = next(p for p in PROCESSES if (p.service, p.role) == ("intake", "api"))


def test_every_process_verifies_the_portal_by_its_jwks_and_only_the_portal_signs() -> None:
    base = {"FP_PORTAL_SIGNING_KEY": "pem"}
    portal, intake = (process_env(base, 18000, spec) for spec in (PORTAL, INTAKE))
    assert portal["FP_PORTAL_JWKS_URL"] == "http://127.0.0.1:18000/.well-known/jwks.json"
    assert intake["FP_PORTAL_JWKS_URL"] == portal["FP_PORTAL_JWKS_URL"]
    assert portal["FP_PORTAL_SIGNING_KEY"] == "pem"
    assert "FP_PORTAL_SIGNING_KEY" not in intake


def test_the_local_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "run", tmp_path / "logs")
    key = supervisor.portal_key()
    assert public_jwk(key)["crv"] == "P-256"
    assert supervisor.portal_key() == key
    mode = stat.S_IMODE((tmp_path / "portal-key.pem").stat().st_mode)
    assert mode == 0o600
