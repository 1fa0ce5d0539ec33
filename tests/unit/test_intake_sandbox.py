"""The sandbox: limits hold, failures come back as reasons, and the caller survives."""

from __future__ import annotations

import os
import signal
import time

import pytest

from services.intake.pdftext import PdfRefused
from services.intake.sandbox import SandboxRefused, run_isolated


def _echo(value: object) -> object:
    return value


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _refuse() -> None:
    raise PdfRefused("PDF is encrypted (password-protected)")


def _bug() -> None:
    raise KeyError("pdfminer internals")


def test_result_comes_back() -> None:
    assert run_isolated(_echo, {"a": [1, 2]}) == {"a": [1, 2]}


def test_overhead_per_call_is_small() -> None:
    run_isolated(_echo, 1)
    started = time.perf_counter()
    for _ in range(50):
        run_isolated(_echo, b"x" * 100_000)
    assert (time.perf_counter() - started) / 50 < 0.02


def test_memory_limit() -> None:
    with pytest.raises(SandboxRefused, match="more than 256 MB of memory"):
        run_isolated(_allocate, 1024, memory_mb=256)
    assert run_isolated(_allocate, 50, memory_mb=256) == 50 * 1024 * 1024


@pytest.mark.parametrize("func", [_spin, _sleep])
def test_time_limit(func: object) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxRefused, match="took longer than 0.5 s"):
        run_isolated(func, 5, timeout_s=0.5)  # type: ignore[arg-type]
    assert time.monotonic() - started < 3


def test_crash_by_signal_is_a_refusal_not_a_parent_crash() -> None:
    with pytest.raises(SandboxRefused, match="SIGSEGV"):
        run_isolated(_segfault)
    assert run_isolated(_echo, "still here") == "still here"


def test_refusals_travel_as_themselves() -> None:
    with pytest.raises(PdfRefused, match="password-protected"):
        run_isolated(_refuse)


def test_unexpected_errors_become_refusals() -> None:
    with pytest.raises(SandboxRefused, match="KeyError"):
        run_isolated(_bug)
