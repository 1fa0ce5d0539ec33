"""Versioned model directories, an atomic `CURRENT` pointer, and when to retrain.

Layout under a root:

    ROOT/versions/<version>/manifest.json   (written last: a version without it is incomplete)
    ROOT/versions/<version>/...             (tenant and shared models)
    ROOT/CURRENT                            (the name of the version in use)

A new version is written under a temporary name, renamed into place when complete, and only then
is CURRENT replaced (os.replace is atomic): a reader sees the old version or the new one, never a
half-written one. Loading takes CURRENT when it names a complete version, else the newest
complete version.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from services.posting.learning.bureau import ModelSet
from services.posting.learning.model import Progress, TrainConfig, _quiet
from services.posting.learning.records import CodingRecord

POINTER = "CURRENT"


def should_retrain(
    corrections_since_last: int,
    records: int,
    min_corrections: int = 50,
    min_share: float = 0.02,
) -> bool:
    """Retrain when the corrections are both many and a noticeable share of what the model saw.

    A tenant's first few corrections do not justify a full retrain; for a large history a fixed
    count would retrain too often, so the share scales it.
    """
    if corrections_since_last <= 0:
        return False
    if records <= 0:
        return True
    return corrections_since_last >= max(min_corrections, min_share * records)


def new_version_name(now: datetime, root: Path) -> str:
    """Sortable and unique: a UTC timestamp, suffixed if that second is taken."""
    base = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (root / "versions" / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def is_complete(directory: Path) -> bool:
    try:
        return bool(json.loads((directory / "manifest.json").read_text()).get("complete"))
    except (OSError, ValueError):
        return False


def publish(models: ModelSet, root: Path, now: datetime | None = None) -> Path:
    """Write `models` as a new version and switch CURRENT to it."""
    now = now or datetime.now(UTC)
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    name = new_version_name(now, root)
    staging = versions / f".{name}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    models.manifest = dict(models.manifest, version=name)
    models.save(staging)
    final = versions / name
    staging.rename(final)
    pointer = root / f".{POINTER}.{os.getpid()}"
    pointer.write_text(name + "\n")
    os.replace(pointer, root / POINTER)
    return final


def complete_versions(root: Path) -> list[Path]:
    versions = root / "versions"
    if not versions.is_dir():
        return []
    return sorted(
        (p for p in versions.iterdir() if not p.name.startswith(".") and is_complete(p)),
        key=lambda p: p.name,
    )


def current_version(root: Path) -> Path | None:
    """CURRENT when it names a complete version, else the newest complete one, else None."""
    try:
        name = (root / POINTER).read_text().strip()
    except OSError:
        name = ""
    if name and is_complete(root / "versions" / name):
        return root / "versions" / name
    found = complete_versions(root)
    return found[-1] if found else None


def load(root: Path) -> ModelSet:
    """The models in use under `root`; a plain version directory is accepted too."""
    if is_complete(root):
        return ModelSet.load(root)
    version = current_version(root)
    if version is None:
        raise FileNotFoundError(f"{root}: no complete model version")
    return ModelSet.load(version)


def retrain(
    records: Sequence[CodingRecord],
    root: Path,
    config: TrainConfig | None = None,
    progress: Progress = _quiet,
    now: datetime | None = None,
) -> Path:
    """Train on all approved lines (history plus corrections) and publish the new version."""
    models = ModelSet.train(records, config, progress, now=now)
    return publish(models, root, now)


def prune(root: Path, keep: int = 3) -> list[Path]:
    """Remove all but the newest `keep` complete versions (never the current one)."""
    current = current_version(root)
    removed = []
    for old in complete_versions(root)[:-keep] if keep > 0 else []:
        if old != current:
            shutil.rmtree(old)
            removed.append(old)
    return removed
