"""One coding model for one scope (a tenant, or the bureau's shared model): fit, suggest, save.

Per target (account, VAT code, department, project) a LightGBM binary classifier scores the
candidate values of a line (see features.py); a softmax over a line's candidates gives the
ranking, and Platt scaling fitted on the newest slice of the history (held out from the trees)
turns the winner's share into a calibrated probability of being right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp

from services.posting.learning import features as ft
from services.posting.learning.features import (
    ALWAYS,
    FeatureConfig,
    FloatArray,
    History,
    IntArray,
)
from services.posting.learning.records import TARGETS, CodingRecord, Target

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class TrainConfig:
    """Training knobs; stored with the model so a retrain repeats it."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    rounds: int = 80
    learning_rate: float = 0.12
    num_leaves: int = 12
    max_depth: int = 5
    min_data_in_leaf: int = 20
    calibration_share: float = 0.15
    min_labels: int = 20
    threads: int = 1
    seed: int = 7

    def to_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "features"}
        data["features"] = self.features.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["features"] = FeatureConfig.from_json(data.get("features", {}))
        return cls(**known)


@dataclass
class TargetModel:
    """The learned part for one target in one scope."""

    target: Target
    labels: list[str]
    tables: dict[str, FloatArray]  # kind -> (keys x labels) all-time counts
    nb_tokens: FloatArray  # (vocabulary x labels)
    nb_classes: FloatArray  # (labels,)
    booster: lgb.Booster | None
    platt: tuple[float, float] = (1.0, 0.0)
    stats: dict[str, float] = field(default_factory=dict)
    _totals: FloatArray | None = field(default=None, repr=False, compare=False)

    def token_totals(self) -> FloatArray:
        """Per label, all n-gram counts (cached: explanations ask for it per line)."""
        if self._totals is None:
            self._totals = self.nb_tokens.sum(axis=0)
        return self._totals


@dataclass
class References:
    """A tenant's own approved lines, kept to find similar vouchers (never in the shared model)."""

    text: sp.csr_matrix  # L2-normalised rows over the model's vocabulary
    days: IntArray
    groups: IntArray  # supplier key id
    labels: dict[str, IntArray]
    shown: list[dict[str, Any]]


@dataclass
class Decision:
    """The raw outcome for one line and target, before it is put into words."""

    value: str | None
    confidence: float
    alternatives: list[tuple[str, float]]
    row: FloatArray | None = None
    contributions: FloatArray | None = None
    label: int = -1


@dataclass
class Prepared:
    """A batch of lines in a model's coordinates."""

    records: Sequence[CodingRecord]
    text: sp.csr_matrix
    unit: sp.csr_matrix
    base: FloatArray
    days: IntArray
    key_ids: dict[str, IntArray]


@dataclass
class CodingModel:
    scope: str  # "tenant" or "shared"
    tenant: str | None
    config: TrainConfig
    kinds: tuple[str, ...]
    key_vocab: dict[str, dict[str, int]]
    vocabulary: IntArray
    targets: dict[str, TargetModel]
    references: References | None = None

    # -- suggesting -----------------------------------------------------------------------------

    def prepare(self, records: Sequence[CodingRecord], lines: ft.Lines | None = None) -> Prepared:
        """A batch to suggest for: every day is after all history."""
        lines = lines if lines is not None else ft.lines_of(records, self.config.features)
        text = ft.restrict(lines.hashed, self.vocabulary)
        return Prepared(
            records=records,
            text=text,
            unit=ft.normalise_rows(text),
            base=lines.base,
            days=np.full(len(records), ALWAYS, dtype=np.int64),
            key_ids={
                kind: ft.encode_keys([k[kind] for k in lines.keys], self.key_vocab[kind])
                for kind in self.kinds
            },
        )

    def neighbours(self, batch: Prepared) -> ft.Neighbours | None:
        refs = self.references
        if refs is None:
            return None
        order = [t for t in self.targets]
        return ft.neighbours(
            batch.unit,
            batch.days,
            batch.key_ids["supplier"],
            refs.text,
            refs.days,
            refs.groups,
            [refs.labels[t] for t in order],
            [len(self.targets[t].labels) for t in order],
            self.config.features.similar,
        )

    def decide(
        self, batch: Prepared, explain: bool = True
    ) -> tuple[dict[str, list[Decision]], ft.Neighbours | None]:
        """Per target, one Decision per line (value None when the target has no model)."""
        near = self.neighbours(batch)
        out: dict[str, list[Decision]] = {}
        for position, (name, model) in enumerate(self.targets.items()):
            knn = near.best_by_label[position] if near is not None else None
            out[name] = _decide_target(self, model, batch, knn, near, explain)
        return out, near

    # -- persistence ----------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {"vocabulary": self.vocabulary}
        meta: dict[str, Any] = {
            "scope": self.scope,
            "tenant": self.tenant,
            "config": self.config.to_json(),
            "kinds": list(self.kinds),
            "key_vocab": {k: sorted(v, key=v.__getitem__) for k, v in self.key_vocab.items()},
            "targets": {},
        }
        for name, model in self.targets.items():
            meta["targets"][name] = {
                "labels": model.labels,
                "platt": list(model.platt),
                "stats": model.stats,
                "booster": model.booster is not None,
            }
            for kind, table in model.tables.items():
                arrays[f"{name}.table.{kind}"] = table.astype(np.float32)
            rows, cols = np.nonzero(model.nb_tokens)
            arrays[f"{name}.nb.rows"] = rows.astype(np.int32)
            arrays[f"{name}.nb.cols"] = cols.astype(np.int32)
            arrays[f"{name}.nb.vals"] = model.nb_tokens[rows, cols].astype(np.float32)
            arrays[f"{name}.nb.classes"] = model.nb_classes
            if model.booster is not None:
                (directory / f"{name}.lgb.txt").write_text(model.booster.model_to_string())
        refs = self.references
        if refs is not None:
            arrays.update(
                {
                    "refs.indptr": refs.text.indptr,
                    "refs.indices": refs.text.indices,
                    "refs.data": refs.text.data,
                    "refs.days": refs.days,
                    "refs.groups": refs.groups,
                    **{f"refs.labels.{t}": v for t, v in refs.labels.items()},
                }
            )
            with (directory / "references.jsonl").open("w", encoding="utf-8") as handle:
                for shown in refs.shown:
                    handle.write(json.dumps(shown, ensure_ascii=False) + "\n")
        np.savez(directory / "arrays.npz", **arrays)
        (directory / "model.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path) -> CodingModel:
        meta = json.loads((directory / "model.json").read_text())
        arrays = np.load(directory / "arrays.npz")
        vocabulary = arrays["vocabulary"].astype(np.int64)
        targets: dict[str, TargetModel] = {}
        for name, info in meta["targets"].items():
            labels = list(info["labels"])
            nb_tokens = np.zeros((len(vocabulary), max(len(labels), 1)))
            nb_tokens[arrays[f"{name}.nb.rows"], arrays[f"{name}.nb.cols"]] = arrays[
                f"{name}.nb.vals"
            ]
            booster = (
                lgb.Booster(model_str=(directory / f"{name}.lgb.txt").read_text())
                if info["booster"]
                else None
            )
            targets[name] = TargetModel(
                target=name,
                labels=labels,
                tables={
                    kind: arrays[f"{name}.table.{kind}"].astype(np.float64)
                    for kind in meta["kinds"]
                },
                nb_tokens=nb_tokens,
                nb_classes=arrays[f"{name}.nb.classes"],
                booster=booster,
                platt=(float(info["platt"][0]), float(info["platt"][1])),
                stats=info.get("stats", {}),
            )
        references = None
        if "refs.days" in arrays:
            days = arrays["refs.days"]
            shown = [
                json.loads(line)
                for line in (directory / "references.jsonl").read_text("utf-8").splitlines()
            ]
            references = References(
                text=sp.csr_matrix(
                    (arrays["refs.data"], arrays["refs.indices"], arrays["refs.indptr"]),
                    shape=(len(days), len(vocabulary)),
                ),
                days=days,
                groups=arrays["refs.groups"],
                labels={t: arrays[f"refs.labels.{t}"] for t in targets},
                shown=shown,
            )
        return cls(
            scope=meta["scope"],
            tenant=meta["tenant"],
            config=TrainConfig.from_json(meta["config"]),
            kinds=tuple(meta["kinds"]),
            key_vocab={k: {v: i for i, v in enumerate(vs)} for k, vs in meta["key_vocab"].items()},
            vocabulary=vocabulary,
            targets=targets,
            references=references,
        )


# -- training ----------------------------------------------------------------------------------


def fit(
    records: Sequence[CodingRecord],
    scope: str,
    config: TrainConfig | None = None,
    lines: ft.Lines | None = None,
    progress: Progress = _quiet,
) -> CodingModel:
    """Train a scope's model from approved lines (any order; each target on its labelled lines).

    `scope` "tenant" keeps the lines to explain with similar vouchers; "shared" keeps no line and
    no tenant-identifying key, and measures a supplier's history only in *other* tenants, as it
    will be used for suppliers the tenant has not seen.
    """
    config = config or TrainConfig()
    order = sorted(range(len(records)), key=lambda i: records[i].date)
    records = [records[i] for i in order]
    lines = lines.take(order) if lines is not None else ft.lines_of(records, config.features)
    vocabulary = np.unique(lines.hashed.indices).astype(np.int64)
    kinds = tuple(k for k in ft.KEY_KINDS if scope == "tenant" or k not in ft.TENANT_KINDS)
    keys = lines.keys
    key_vocab = {
        kind: {v: i for i, v in enumerate(sorted({k[kind] for k in keys if k[kind]}))}
        for kind in kinds
    }
    tenants = {r.tenant for r in records}
    model = CodingModel(
        scope=scope,
        tenant=next(iter(tenants)) if scope == "tenant" and len(tenants) == 1 else None,
        config=config,
        kinds=kinds,
        key_vocab=key_vocab,
        vocabulary=vocabulary,
        targets={},
    )
    batch = model.prepare(records, lines)
    batch.days = lines.days
    own = None
    if scope == "shared":
        own_keys = [f"{r.tenant}\x1f{k['supplier']}" for r, k in zip(records, keys, strict=True)]
        own_vocab = {v: i for i, v in enumerate(sorted(set(own_keys)))}
        own = ft.encode_keys(own_keys, own_vocab)
    labels: dict[Target, tuple[list[str], IntArray]] = {}
    for target in TARGETS:
        values = [r.label(target) for r in records]
        counted: dict[str, int] = {}
        for v in values:
            if v is not None:
                counted[v] = counted.get(v, 0) + 1
        if sum(counted.values()) < config.min_labels:
            continue
        vocab = sorted(counted, key=lambda v: (-counted[v], v))
        index = {v: i for i, v in enumerate(vocab)}
        labels[target] = (vocab, np.asarray([index.get(v, -1) if v else -1 for v in values]))
    near = None
    if scope == "tenant" and labels:
        progress(f"{scope} {model.tenant}: similar vouchers for {len(records)} lines")
        near = ft.neighbours(
            batch.unit,
            batch.days,
            batch.key_ids["supplier"],
            batch.unit,
            batch.days,
            batch.key_ids["supplier"],
            [y for _, y in labels.values()],
            [len(v) for v, _ in labels.values()],
            config.features.similar,
        )
        model.references = References(
            text=batch.unit,
            days=batch.days,
            groups=batch.key_ids["supplier"],
            labels={t: y for t, (_, y) in labels.items()},
            shown=[_shown(r) for r in records],
        )
    for position, (target, (vocab, y)) in enumerate(labels.items()):
        progress(f"{scope} {model.tenant or ''}: {target} on {int((y >= 0).sum())} lines".strip())
        knn = near.best_by_label[position] if near is not None else None
        model.targets[target] = _fit_target(model, target, vocab, y, batch, knn, near, own)
    return model


def _shown(record: CodingRecord) -> dict[str, Any]:
    return {
        "date": record.date.isoformat(),
        "supplier": record.supplier_name or record.supplier,
        "description": record.description,
        "amount": None if record.amount is None else f"{record.amount:.2f}",
        "account": record.account,
    }


def _fit_target(
    model: CodingModel,
    target: Target,
    vocab: list[str],
    y: IntArray,
    batch: Prepared,
    knn: FloatArray | None,
    near: ft.Neighbours | None,
    own: IntArray | None,
) -> TargetModel:
    config, fconfig = model.config, model.config.features
    n_labels = len(vocab)
    tables = {
        kind: ft.key_label_counts(ids, y, len(model.key_vocab[kind]), n_labels)
        for kind, ids in batch.key_ids.items()
    }
    nb = ft.nb_online(batch.text, y, batch.days, n_labels, fconfig)
    mask = ft.candidate_mask(tables, batch.key_ids, nb, fconfig)
    mask[y < 0] = False
    rec, cand = (a.astype(np.int64) for a in np.nonzero(mask))
    key_counts: dict[str, tuple[FloatArray, FloatArray]] = {}
    for kind, ids in batch.key_ids.items():
        history = History(ids, y, batch.days, n_labels)
        count = history.count(ids[rec], cand, batch.days[rec])
        total = history.total(ids[rec], batch.days[rec])
        if kind == "supplier" and own is not None:
            mine = History(own, y, batch.days, n_labels)
            count -= mine.count(own[rec], cand, batch.days[rec])
            total -= mine.total(own[rec], batch.days[rec])
        key_counts[kind] = (count, total)
    knn_top = _nearest_label(near, y)
    rows = ft.candidate_rows(batch.base, rec, cand, key_counts, nb, knn, knn_top)
    truth = (cand == y[rec]).astype(np.float64)
    labelled_days = np.sort(batch.days[y >= 0])
    cut = labelled_days[int(len(labelled_days) * (1 - config.calibration_share))]
    train = batch.days[rec] < cut
    calib = ~train
    booster = None
    if truth[train].min(initial=1.0) < 1.0 and truth[train].max(initial=0.0) > 0.0:
        booster = lgb.train(
            _params(config, threads=config.threads),
            lgb.Dataset(
                rows[train],
                truth[train],
                feature_name=list(ft.FEATURES),
                categorical_feature=list(ft.CATEGORICAL),
                free_raw_data=True,
            ),
            num_boost_round=config.rounds,
        )
    nb_tokens, nb_classes = ft.nb_counts(batch.text, y, n_labels)
    result = TargetModel(target, vocab, tables, nb_tokens, nb_classes, booster)
    scores = _raw_scores(result, rows[calib], threads=config.threads)
    top_label, top_prob = _top(rec[calib], cand[calib], scores, k=1)
    lines = np.flatnonzero((y >= 0) & (batch.days >= cut))
    correct = np.zeros(len(lines))
    found = {int(r): int(lab[0]) for r, lab in top_label.items()}
    probs = np.asarray([top_prob[int(r)][0] if int(r) in found else 0.0 for r in lines])
    correct = np.asarray([1.0 if found.get(int(r), -2) == y[r] else 0.0 for r in lines])
    result.platt = fit_platt(probs, correct)
    recall = float(np.isin(np.flatnonzero(y >= 0), rec[truth > 0]).mean())
    result.stats = {
        "lines": float((y >= 0).sum()),
        "candidates_per_line": float(len(rec) / max(1, (y >= 0).sum())),
        "candidate_recall": recall,
        "calibration_lines": float(len(lines)),
        "calibration_top1": float(correct.mean()) if len(lines) else math.nan,
    }
    return result


def _nearest_label(near: ft.Neighbours | None, y: IntArray) -> IntArray | None:
    if near is None:
        return None
    first = near.nearest[:, 0]
    return np.where(first >= 0, y[np.maximum(first, 0)], -1)


def _params(config: TrainConfig, threads: int) -> dict[str, Any]:
    return {
        "objective": "binary",
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "max_depth": config.max_depth,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": 0.9,
        "max_bin": 63,
        "max_cat_to_onehot": 8,
        "cat_smooth": 10.0,
        "deterministic": True,
        "force_row_wise": True,
        "seed": config.seed,
        "num_threads": threads,
        "verbosity": -1,
    }


def _raw_scores(model: TargetModel, rows: FloatArray, threads: int = 1) -> FloatArray:
    if len(rows) == 0:
        return np.zeros(0)
    if model.booster is None:  # one class only: rank by text fit
        return rows[:, ft.FEATURES.index("nb_gap")]
    return np.asarray(model.booster.predict(rows, raw_score=True, num_threads=threads))


def _top(
    rec: IntArray, cand: IntArray, scores: FloatArray, k: int
) -> tuple[dict[int, list[int]], dict[int, list[float]]]:
    """Per line, its k best candidates and their softmax share among all its candidates."""
    labels: dict[int, list[int]] = {}
    probs: dict[int, list[float]] = {}
    if len(rec) == 0:
        return labels, probs
    order = np.lexsort((-scores, rec))
    rec, cand, scores = rec[order], cand[order], scores[order]
    starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
    top = np.repeat(scores[starts], np.diff(np.r_[starts, len(rec)]))
    weights = np.exp(scores - top)
    sums = np.add.reduceat(weights, starts)
    shares = weights / np.repeat(sums, np.diff(np.r_[starts, len(rec)]))
    for start, stop in zip(starts, np.r_[starts[1:], len(rec)], strict=True):
        line = int(rec[start])
        end = min(stop, start + k)
        labels[line] = [int(c) for c in cand[start:end]]
        probs[line] = [float(p) for p in shares[start:end]]
    return labels, probs


def fit_platt(probs: FloatArray, correct: FloatArray, ridge: float = 2.0) -> tuple[float, float]:
    """p' = sigmoid(a * logit(p) + b), minimising log loss over a grid (numpy only, no solver to
    diverge when the slice is separable); a ridge toward (1, 0) keeps small slices sane."""
    if len(probs) < 10:
        return 1.0, 0.0
    # sufficient statistics per distinct logit (rounded), so the grid costs the same for any n
    rounded = np.round(_logit(probs), 2)
    values, inverse = np.unique(rounded, return_inverse=True)
    weight = np.bincount(inverse).astype(np.float64)[None, None, :]
    hits = np.bincount(inverse, weights=correct)[None, None, :]
    x = values[None, None, :]
    slopes = np.geomspace(0.05, 4.0, 45)[:, None, None]
    shifts = np.linspace(-4.0, 6.0, 51)[None, :, None]
    z = slopes * x + shifts
    # log loss written with logaddexp so large |z| never overflows
    loss = (weight * np.logaddexp(0.0, z) - hits * z).sum(axis=2)
    loss += ridge * (np.log(slopes[:, :, 0]) ** 2 + 0.1 * shifts[:, :, 0] ** 2)
    a, b = np.unravel_index(int(np.argmin(loss)), loss.shape)
    return float(slopes[a, 0, 0]), float(shifts[0, b, 0])


def _logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def calibrate(platt: tuple[float, float], probs: FloatArray) -> FloatArray:
    a, b = platt
    z = a * _logit(probs) + b
    return np.asarray(np.exp(-np.logaddexp(0.0, -z)))


# -- suggesting (per target) -----------------------------------------------------------------------


def _decide_target(
    model: CodingModel,
    target: TargetModel,
    batch: Prepared,
    knn: FloatArray | None,
    near: ft.Neighbours | None,
    explain: bool,
) -> list[Decision]:
    fconfig = model.config.features
    nb = ft.nb_log_posterior(batch.text, target.nb_tokens, target.nb_classes, fconfig.nb_alpha)
    mask = ft.candidate_mask(target.tables, batch.key_ids, nb, fconfig)
    rec, cand = (a.astype(np.int64) for a in np.nonzero(mask))
    key_counts = {}
    for kind, ids in batch.key_ids.items():
        table = target.tables[kind]
        known = ids[rec] >= 0
        safe = np.maximum(ids[rec], 0)
        count = np.where(known, table[safe, cand], 0.0)
        total = np.where(known, table.sum(axis=1)[safe], 0.0)
        key_counts[kind] = (count, total)
    knn_top = None
    if near is not None and model.references is not None:
        y = model.references.labels[target.target]
        first = near.nearest[:, 0]
        knn_top = np.where(first >= 0, y[np.maximum(first, 0)], -1)
    rows = ft.candidate_rows(batch.base, rec, cand, key_counts, nb, knn, knn_top)
    scores = _raw_scores(target, rows, threads=1)
    top_labels, top_probs = _top(rec, cand, scores, k=3)
    decisions: list[Decision] = []
    winners: list[int] = []
    for line in range(len(batch.records)):
        if line not in top_labels:
            decisions.append(Decision(None, 0.0, []))
            continue
        best, probs = top_labels[line], top_probs[line]
        confidence = float(calibrate(target.platt, np.asarray(probs[:1]))[0])
        scaled = [confidence] + [p * confidence / max(probs[0], 1e-9) for p in probs[1:]]
        decisions.append(
            Decision(
                value=target.labels[best[0]],
                confidence=confidence,
                alternatives=[(target.labels[i], p) for i, p in zip(best, scaled, strict=True)],
                label=best[0],
            )
        )
        winners.append(int(np.flatnonzero((rec == line) & (cand == best[0]))[0]))
    if explain and winners and target.booster is not None:
        contrib = np.asarray(
            target.booster.predict(rows[winners], pred_contrib=True, num_threads=1)
        )
        chosen = [d for d in decisions if d.value is not None]
        for decision, row, parts in zip(chosen, rows[winners], contrib, strict=True):
            decision.row = row
            decision.contributions = parts[:-1]
    return decisions
