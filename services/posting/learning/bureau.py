"""The bureau's models: one per tenant, a shared fallback, and the routing between them.

A line goes to its tenant's model when the tenant has coded the supplier before. Otherwise its
account and VAT code come from the shared model, trained across tenants without any
tenant-identifying key and keeping no line (only trees and counts), while department and
project still come from the tenant's model: those codes mean something only inside one tenant,
and the buyer reference that decides them is the tenant's own. Without any model the
suggestion has no source, and the caller falls back to its rules.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from services.posting.learning import explain
from services.posting.learning import features as ft
from services.posting.learning.model import (
    CodingModel,
    Decision,
    Prepared,
    Progress,
    TrainConfig,
    _quiet,
    fit,
)
from services.posting.learning.records import TARGETS, CodingRecord, Target
from services.posting.learning.suggestion import SimilarVoucher, Suggestion, TargetSuggestion

FORMAT = 1
#: Targets whose values mean the same in every tenant of the bureau (a shared chart).
SHARED_TARGETS: tuple[Target, ...] = ("account", "vat_code")


@dataclass
class ModelSet:
    tenants: dict[str, CodingModel]
    shared: CodingModel | None
    config: TrainConfig = field(default_factory=TrainConfig)
    manifest: dict[str, Any] = field(default_factory=dict)

    # -- training ---------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        records: Sequence[CodingRecord],
        config: TrainConfig | None = None,
        progress: Progress = _quiet,
        now: datetime | None = None,
        min_tenant_records: int = 30,
    ) -> ModelSet:
        """Tenant models (tenants with `min_tenant_records` lines or more) and the shared one."""
        config = config or TrainConfig()
        progress(f"hashing {len(records)} descriptions")
        lines = ft.lines_of(records, config.features)
        by_tenant: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            by_tenant.setdefault(record.tenant, []).append(index)
        tenants = {}
        for tenant, rows in sorted(by_tenant.items()):
            if len(rows) >= min_tenant_records:
                chosen = [records[i] for i in rows]
                tenants[tenant] = fit(chosen, "tenant", config, lines.take(rows), progress)
        shared_records = [
            r.model_copy(update={"department": None, "project": None}) for r in records
        ]
        shared = fit(shared_records, "shared", config, lines, progress) if records else None
        if shared is not None and not shared.targets:
            shared = None
        manifest = {
            "format": FORMAT,
            "trained_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "records": len(records),
            "tenants": {t: len(rows) for t, rows in sorted(by_tenant.items())},
            "targets": {
                t: {"labels": m.labels, "platt": list(m.platt), "stats": m.stats}
                for t, m in (shared.targets.items() if shared else {}.items())
            },
            "config": config.to_json(),
        }
        return cls(tenants, shared, config, manifest)

    # -- suggesting -------------------------------------------------------------------------

    def route(self, record: CodingRecord) -> str | None:
        """ "tenant", "shared" or None for one line (see the module docstring)."""
        own = self.tenants.get(record.tenant)
        if own is not None and record.supplier in own.key_vocab["supplier"]:
            return "tenant"
        if self.shared is not None:
            return "shared"
        return "tenant" if own is not None else None

    def suggest(self, records: Sequence[CodingRecord], explain_: bool = True) -> list[Suggestion]:
        """Suggestions in input order; batched per (tenant, route), single-threaded."""
        groups: dict[tuple[str, str | None], list[int]] = {}
        for index, record in enumerate(records):
            groups.setdefault((record.tenant, self.route(record)), []).append(index)
        out: list[Suggestion] = [
            Suggestion(note="Ingen lært modell; bruk reglene.") for _ in records
        ]
        for (tenant, route), rows in groups.items():
            if route is None:
                continue
            batch = [records[i] for i in rows]
            for index, suggestion in zip(
                rows, self._suggest_group(tenant, route, batch, explain_), strict=True
            ):
                out[index] = suggestion
        return out

    def _suggest_group(
        self, tenant: str, route: str, batch: Sequence[CodingRecord], explain_: bool
    ) -> list[Suggestion]:
        own = self.tenants.get(tenant)
        per_target: dict[str, tuple[CodingModel, list[Decision]]] = {}
        own_batch: Prepared | None = None
        own_near: ft.Neighbours | None = None
        if own is not None:
            own_batch = own.prepare(batch)
            decisions, own_near = own.decide(own_batch, explain_)
            for target, found in decisions.items():
                if route == "tenant" or target not in SHARED_TARGETS:
                    per_target[target] = (own, found)
        if route == "shared" and self.shared is not None:
            shared_batch = self.shared.prepare(batch)
            decisions, _ = self.shared.decide(shared_batch, explain_)
            for target, found in decisions.items():
                if target in SHARED_TARGETS:
                    per_target[target] = (self.shared, found)
        results = []
        for line, record in enumerate(batch):
            similar = (
                _similar(own, own_batch, own_near, line, route == "tenant")
                if own is not None and own_batch is not None
                else ()
            )
            targets: dict[Target, TargetSuggestion] = {}
            for target in TARGETS:
                if target not in per_target:
                    continue
                model, found = per_target[target]
                decision = found[line]
                why = (
                    explain.reasons(
                        model,
                        model.targets[target],
                        decision,
                        record,
                        similar[0] if similar else None,
                    )
                    if explain_
                    else ()
                )
                targets[target] = TargetSuggestion(
                    decision.value, decision.confidence, tuple(decision.alternatives), why
                )
            results.append(Suggestion(targets, route, similar))
        return results

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write every model, then the manifest last: a directory without it is incomplete."""
        directory.mkdir(parents=True, exist_ok=True)
        names = {}
        for tenant, model in self.tenants.items():
            names[tenant] = tenant_dirname(tenant)
            model.save(directory / "tenants" / names[tenant])
        if self.shared is not None:
            self.shared.save(directory / "shared")
        manifest = dict(self.manifest, tenant_dirs=names, complete=True)
        (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, directory: Path) -> ModelSet:
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{directory}: model format {manifest.get('format')} is not {FORMAT}")
        tenants = {
            tenant: CodingModel.load(directory / "tenants" / name)
            for tenant, name in manifest.get("tenant_dirs", {}).items()
        }
        shared = CodingModel.load(directory / "shared") if (directory / "shared").exists() else None
        return cls(tenants, shared, TrainConfig.from_json(manifest["config"]), manifest)


def tenant_dirname(tenant: str) -> str:
    """A safe, stable folder name for any tenant id."""
    slug = re.sub(r"[^a-z0-9]+", "-", tenant.lower()).strip("-")[:40] or "tenant"
    return f"{slug}-{zlib.crc32(tenant.encode()):08x}"


def _similar(
    model: CodingModel,
    batch: Prepared,
    near: ft.Neighbours | None,
    line: int,
    known: bool,
) -> tuple[SimilarVoucher, ...]:
    """The tenant's own most similar vouchers: the same supplier's first, else any supplier's."""
    refs = model.references
    if refs is None:
        return ()
    picks: list[tuple[int, float]] = []
    if known and near is not None:
        picks = [
            (int(i), float(s))
            for i, s in zip(near.nearest[line], near.similarity[line], strict=True)
            if i >= 0
        ]
    wanted = model.config.features.similar
    if len(picks) < wanted and refs.text.shape[0]:
        sims = np.asarray((batch.unit[line] @ refs.text.T).todense()).ravel()
        for index in np.argsort(-sims, kind="stable")[: wanted * 2]:
            if sims[index] > 0 and int(index) not in {p for p, _ in picks}:
                picks.append((int(index), float(sims[index])))
            if len(picks) == wanted:
                break
    return tuple(
        SimilarVoucher(similarity=similarity, **refs.shown[index]) for index, similarity in picks
    )
