"""The bank worker (`python -m services.payment bank`): the payment service's side of the bank
channel, one process per deployment.

Each round it
1. follows the payment log from its recorded position and delivers every run recorded as released
   (`PaymentRun.Released`) that is not delivered yet: the recorded bytes, under the recorded name,
   through the bank channel; then records `Delivered` with its position in one transaction. A
   crash between the two delivers the same file again (same name, same bytes, same MsgId);
2. reads the bank inbox, `<inbox>/<tenant>/<file>` (pain.002 status reports and camt.054 debit
   notifications, the shape of an SFTP pick-up folder), through the same application method as
   `POST /api/v1/bank-files`; a processed file moves to `<tenant>/done/`, a file that cannot be
   read to `<tenant>/failed/` with the reason beside it. Processing before moving means a crash in
   between reads the file again, which its records' idempotency keys make a no-op.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from fakturaportal.eventstore import new_meta
from fakturaportal.follower import LogFollower
from services.payment.app import PaymentApp
from services.payment.bankfiles import BankFileError
from services.payment.domain import RELEASED, PaymentRun

log = logging.getLogger(__name__)
TOPICS = (get_topic(PaymentRun.Released),)  # type: ignore[attr-defined]
TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SETTLE_SECONDS = 1.0
"""A file must be unchanged this long before it is read: the bank connector may still write it."""


@dataclass(frozen=True)
class InboxOutcome:
    path: Path
    status: str
    """`done` or `failed`."""
    counts: dict[str, int] | None = None
    reason: str | None = None


class BankWorker(LogFollower):
    def __init__(self, app: PaymentApp, inbox: Path | None = None) -> None:
        super().__init__(app, "bank:payment")
        self.payment = app
        self.inbox = inbox or app.payment.inbox_dir or app.settings.data_dir / "bank-inbox"

    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        processing = ProcessingEvent[UUID](tracking=Tracking(self.name, tracking.notification_id))
        if isinstance(domain_event, PaymentRun.Released):  # type: ignore[attr-defined]
            run = cast(PaymentRun, self.app.repository.get(domain_event.originator_id))
            if run.status == RELEASED:
                where = self.payment.deliver(run)
                meta: dict[str, str] = dict(getattr(domain_event, "meta", None) or {})
                meta = meta or new_meta(run.tenant_id, correlation_id=str(run.id))
                run.delivered(self.payment.clock(), where, meta)
                ledger = self.payment.ledger(run.tenant_id)
                ledger.record_delivery(run.id, meta)
                processing.collect_events(run, ledger)
                log.info("payment run %s delivered: %s", run.id, ", ".join(where))
        self.app.record(processing)

    def deliver_released(self) -> int:
        return self.catch_up(TOPICS)

    def read_inbox(self, now: float | None = None) -> list[InboxOutcome]:
        outcomes: list[InboxOutcome] = []
        if not self.inbox.is_dir():
            return outcomes
        now = time.time() if now is None else now
        for folder in sorted(
            p for p in self.inbox.iterdir() if p.is_dir() and TENANT.match(p.name)
        ):
            for path in sorted(folder.iterdir()):
                if _ready(path, now):
                    outcomes.append(self._take(folder.name, path))
        return outcomes

    def _take(self, tenant: str, path: Path) -> InboxOutcome:
        try:
            data = path.read_bytes()
            if len(data) > self.payment.payment.max_bank_file_bytes:
                raise BankFileError(
                    f"{path.name}: larger than the allowed bank file size",
                    f"{path.name} er større enn en bankfil kan være",
                )
            counts = self.payment.import_bank_file(tenant, data, path.name, f"bank-inbox:{tenant}")
        except BankFileError as exc:
            _move(path, path.parent / "failed" / path.name)
            (path.parent / "failed" / f"{path.name}.reason.txt").write_text(
                f"{exc}\n", encoding="utf-8"
            )
            log.warning("bank file %s refused: %s", path, exc)
            return InboxOutcome(path, "failed", reason=str(exc))
        _move(path, path.parent / "done" / f"{_stamp()}-{path.name}")
        log.info("bank file %s read: %s", path, counts)
        return InboxOutcome(path, "done", counts)

    def round(self) -> None:
        self.deliver_released()
        self.read_inbox()

    def watch(self, stop: threading.Event | None = None) -> None:
        stopping = stop or threading.Event()
        self.subscription = None
        self.inbox.mkdir(parents=True, exist_ok=True)
        log.info("delivering released runs; reading the bank inbox %s", self.inbox)
        while not stopping.is_set():
            try:
                self.round()
            except OSError as exc:  # the channel or the folder is unavailable: next round
                log.warning("bank round failed, retrying: %s", exc)
            stopping.wait(self.payment.payment.poll_seconds)


def _ready(path: Path, now: float) -> bool:
    if not path.is_file() or path.name.startswith(".") or path.suffix in {".tmp", ".part"}:
        return False
    return now - path.stat().st_mtime >= SETTLE_SECONDS


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source.replace(target)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S")


def stop_on_signals(stop: threading.Event) -> None:
    import signal

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
