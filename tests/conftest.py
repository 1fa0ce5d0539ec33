"""Shared test helpers: where the public sample data lives, when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

# One running system per test session, shared by the end-to-end and the browser tests (a
# session fixture imported by two conftests would start it twice, on the same ports).
from tests.e2e.system import system  # noqa: F401 - session fixture
from tests.infra import test_env  # noqa: F401 - session fixture

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data; skips the test plainly when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data not present ({path}): test needs the public sample files")
    return path
