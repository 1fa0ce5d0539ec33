"""Time-ordered evaluation: train on the older lines, score the newer, as production would.

A supplier is "known" when its tenant coded it in the training part; everything else is
"unseen" (new to the tenant, possibly known to the bureau).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.posting.learning.bureau import ModelSet
from services.posting.learning.model import Progress, TrainConfig, _quiet
from services.posting.learning.records import TARGETS, CodingRecord
from services.posting.learning.suggestion import Suggestion


@dataclass
class Score:
    lines: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, truth: str, suggestion: Suggestion, target: str) -> None:
        found = suggestion.targets.get(target)  # type: ignore[call-overload]
        self.lines += 1
        if found is not None and found.value == truth:
            self.top1 += 1
        if found is not None and truth in [v for v, _ in found.alternatives[:3]]:
            self.top3 += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "top1": round(self.top1 / self.lines, 4) if self.lines else None,
            "top3": round(self.top3 / self.lines, 4) if self.lines else None,
        }


@dataclass
class Report:
    train_lines: int
    test_lines: int
    split_date: str
    scores: dict[str, dict[str, Score]] = field(default_factory=dict)
    touchless: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "train_lines": self.train_lines,
            "test_lines": self.test_lines,
            "split_date": self.split_date,
            "accuracy": {
                target: {group: s.to_json() for group, s in groups.items()}
                for target, groups in self.scores.items()
            },
            "touchless": self.touchless,
        }

    def table(self) -> str:
        rows = [f"{'label':<11}{'suppliers':<10}{'lines':>8}{'top-1':>9}{'top-3':>9}"]
        for target, groups in self.scores.items():
            for group, s in groups.items():
                data = s.to_json()
                if not s.lines:
                    continue
                rows.append(
                    f"{target:<11}{group:<10}{s.lines:>8}{data['top1']:>9.2%}{data['top3']:>9.2%}"
                )
        t = self.touchless
        if t.get("share") is not None:
            rows.append(
                f"touchless at {t['precision_target']:.0%} precision (account): "
                f"{t['share']:.1%} of lines, threshold {t['threshold']:.3f}"
            )
        return "\n".join(rows)


def split(
    records: Sequence[CodingRecord], test_share: float = 0.2
) -> tuple[list[CodingRecord], list[CodingRecord]]:
    """Older lines for training, the newest `test_share` (whole days) for testing."""
    ordered = sorted(records, key=lambda r: r.date)
    if len(ordered) < 2:
        return list(ordered), []
    cut_date = ordered[min(len(ordered) - 1, int(len(ordered) * (1 - test_share)))].date
    return [r for r in ordered if r.date < cut_date], [r for r in ordered if r.date >= cut_date]


def score(
    models: ModelSet,
    train: Sequence[CodingRecord],
    test: Sequence[CodingRecord],
    suggestions: Sequence[Suggestion] | None = None,
    precision: float = 0.99,
) -> Report:
    known = {(r.tenant, r.supplier) for r in train}
    suggestions = suggestions if suggestions is not None else models.suggest(test, explain_=False)
    report = Report(len(train), len(test), test[0].date.isoformat() if test else "")
    for target in TARGETS:
        groups = {"known": Score(), "unseen": Score(), "all": Score()}
        for record, suggestion in zip(test, suggestions, strict=True):
            truth = record.label(target)
            if truth is None:
                continue
            group = "known" if (record.tenant, record.supplier) in known else "unseen"
            groups[group].add(truth, suggestion, target)
            groups["all"].add(truth, suggestion, target)
        if groups["all"].lines:
            report.scores[target] = groups
    report.touchless = touchless_share(test, suggestions, "account", precision)
    return report


def touchless_share(
    test: Sequence[CodingRecord],
    suggestions: Sequence[Suggestion],
    target: str,
    precision: float,
) -> dict[str, float | None]:
    """The largest share of lines that could skip manual coding with `precision` right among
    them, when lines are taken in order of confidence (the threshold a tenant would set)."""
    pairs = []
    for record, suggestion in zip(test, suggestions, strict=True):
        truth = record.label(target)  # type: ignore[arg-type]
        found = suggestion.targets.get(target)  # type: ignore[call-overload]
        if truth is None or found is None or found.value is None:
            continue
        pairs.append((found.confidence, found.value == truth))
    pairs.sort(key=lambda p: -p[0])
    best_share, best_threshold, right = 0.0, None, 0
    for taken, (confidence, ok) in enumerate(pairs, start=1):
        right += ok
        last = taken == len(pairs) or pairs[taken][0] < confidence
        if last and right / taken >= precision:
            best_share, best_threshold = taken / max(len(test), 1), confidence
    return {"precision_target": precision, "share": best_share, "threshold": best_threshold}


def evaluate(
    records: Sequence[CodingRecord],
    test_share: float = 0.2,
    config: TrainConfig | None = None,
    progress: Progress = _quiet,
) -> Report:
    train, test = split(records, test_share)
    models = ModelSet.train(train, config, progress)
    return score(models, train, test)
