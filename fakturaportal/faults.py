"""Test-only crash points, to prove the outbox and tracking guarantees against real processes.

`FP_FAULT=<point>` makes the process SIGKILL itself the first time it reaches that point, exactly
like a node dying there. Unset (the default) it does nothing.
"""

from __future__ import annotations

import os
import signal

CONSUMER_AFTER_STORE = "consumer-after-store"
"""After the store commit (events + tracking row), before the Kafka offset commit."""
RELAY_BEFORE_PRODUCE = "relay-before-produce"
"""After the event is stored, before the relay produced it."""


def crash_point(point: str, active: str) -> None:
    if active and point in active.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
