"""The watched folder channel: `<inbox>/<tenant>/<file>` becomes an invoice of that tenant.

A file is registered first and moved afterwards, so a crash in between repeats the registration,
which the content hash makes a no-op. Refused files move to `.refused/` with the reason beside.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.intake.app import IntakeApp
from services.intake.capture import CaptureRefused, capture_document
from services.intake.config import IntakeSettings
from shared.schemas.events import Channel

log = logging.getLogger(__name__)
TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SETTLE_SECONDS = 1.0
"""A file must be unchanged this long before it is read: writers may still be copying it."""


@dataclass(frozen=True)
class FolderOutcome:
    path: Path
    invoice_id: str | None
    status: str
    reason: str | None = None


def inbox_of(app: IntakeApp, settings: IntakeSettings) -> Path:
    return settings.folder_path or app.settings.data_dir / "inbox"


def scan_once(
    app: IntakeApp, root: Path, max_bytes: int, now: float | None = None
) -> list[FolderOutcome]:
    outcomes: list[FolderOutcome] = []
    if not root.is_dir():
        return outcomes
    now = time.time() if now is None else now
    for tenant_dir in sorted(p for p in root.iterdir() if p.is_dir() and TENANT.match(p.name)):
        for path in sorted(tenant_dir.iterdir()):
            if _ready(path, now):
                outcomes.append(_take(app, tenant_dir.name, path, max_bytes))
    return outcomes


def _ready(path: Path, now: float) -> bool:
    if not path.is_file() or path.name.startswith(".") or path.suffix in {".tmp", ".part"}:
        return False
    return now - path.stat().st_mtime >= SETTLE_SECONDS


def _take(app: IntakeApp, tenant: str, path: Path, max_bytes: int) -> FolderOutcome:
    try:
        if path.stat().st_size > max_bytes:
            raise CaptureRefused(
                "FP-INTAKE-SIZE",
                f"file is larger than {max_bytes} bytes",
                f"filen er større enn {max_bytes} byte",
            )
        data = path.read_bytes()
        result = capture_document(data, max_bytes)
        reg = app.register_document(
            tenant_id=tenant,
            channel=Channel.FOLDER,
            data=data,
            filename=path.name,
            result=result,
            registered_by=f"folder:{tenant}",
            origin={"path": path.name},
        )
    except CaptureRefused as exc:
        _move(path, path.parent / ".refused" / path.name)
        (path.parent / ".refused" / f"{path.name}.reason.txt").write_text(
            f"{exc.code}: {exc.reason}\n", encoding="utf-8"
        )
        log.warning("refused %s: %s", path, exc.reason)
        return FolderOutcome(path, None, "refused", exc.reason)
    _move(path, path.parent / ".processed" / f"{reg.invoice_id}-{path.name}")
    log.info("%s -> invoice %s (%s)", path, reg.invoice_id, reg.status)
    return FolderOutcome(path, reg.invoice_id, "duplicate" if reg.duplicate else reg.status)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source.replace(target)


def watch_folder(
    app: IntakeApp, settings: IntakeSettings, stop: threading.Event | None = None
) -> None:
    stopping = stop or threading.Event()

    def _stop(*_: Any) -> None:
        stopping.set()

    if stop is None:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    root = inbox_of(app, settings)
    root.mkdir(parents=True, exist_ok=True)
    log.info("watching %s (one sub-folder per tenant)", root)
    while not stopping.is_set():
        try:
            scan_once(app, root, settings.max_upload_bytes)
        except OSError as exc:
            log.warning("folder scan failed, retrying: %s", exc)
        stopping.wait(settings.folder_poll_seconds)
