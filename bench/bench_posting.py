"""Learned-coding benchmark: accuracy (known / unseen suppliers), touchless share, speed, and the
effect of feeding corrections back.

python -m bench.bench_posting [--lines 100000] [--seed 1] [--threads 1] [--no-feedback]

`--lines` is the size of the training part; the generator draws lines / (1 - test share) so the
newest share is scored with a model trained on exactly `--lines` older lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.posting_history import generate
from services.posting.learning.bureau import ModelSet
from services.posting.learning.evaluate import score, split, touchless_share
from services.posting.learning.model import TrainConfig
from services.posting.learning.records import CodingRecord

OUT = Path(".data/bench/posting.json")
TARGETS = {
    "account top-1, known suppliers": (">=", 0.95),
    "account top-1, unseen suppliers": (">=", 0.85),
    "VAT code top-1": (">=", 0.99),
    "training time (s)": ("<", 60.0),
    "suggest, ms per line (batch)": ("<", 2.0),
}


def timed(label: str, action: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s", file=sys.stderr)
    return result, seconds


def suggest_speed(models: ModelSet, lines: list[CodingRecord], batch: int, explain: bool) -> float:
    unlabeled = [r.without_labels() for r in lines]
    models.suggest(unlabeled[:batch], explain_=explain)  # warm-up
    start = time.perf_counter()
    for begin in range(0, len(unlabeled), batch):
        models.suggest(unlabeled[begin : begin + batch], explain_=explain)
    return (time.perf_counter() - start) / max(len(unlabeled), 1) * 1000


def intended_precision(
    raw: dict[tuple[str, str, str], str], test: list[CodingRecord], suggestions: list[Any]
) -> dict[str, float | None]:
    """Touchless share at 99 % precision against the consistent (intended) account."""
    relabelled = [r.model_copy(update={"account": raw.get(_key(r), r.account)}) for r in test]
    return touchless_share(relabelled, suggestions, "account", 0.99)


def _key(record: CodingRecord) -> tuple[str, str, str]:
    return (record.tenant, record.date.isoformat(), record.description)


def run(args: argparse.Namespace) -> dict[str, Any]:
    test_share = 0.2
    total = int(args.lines / (1 - test_share))
    print(f"generating {total} lines (seed {args.seed})", file=sys.stderr)
    rows = generate(total, seed=args.seed, tenants=args.tenants, suppliers=args.suppliers)
    records = [CodingRecord.model_validate(r) for r in rows]
    intended = {(r["tenant"], r["date"], r["description"]): r["intended_account"] for r in rows}
    train, test = split(records, test_share)
    config = TrainConfig(threads=args.threads)
    models, train_seconds = timed(
        f"training on {len(train)} lines", lambda: ModelSet.train(train, config)
    )
    suggestions, _ = timed(f"suggesting {len(test)} lines", lambda: models.suggest(test))
    report = score(models, train, test, suggestions)
    sample = test[: args.speed_lines]
    speed = suggest_speed(models, sample, args.batch, explain=True)
    speed_plain = suggest_speed(models, sample, args.batch, explain=False)
    result: dict[str, Any] = {
        "lines_generated": total,
        "seed": args.seed,
        "threads": args.threads,
        "evaluation": report.to_json(),
        "touchless_intended": intended_precision(intended, test, suggestions),
        "training_seconds": round(train_seconds, 1),
        "suggest_ms_per_line": round(speed, 3),
        "suggest_ms_per_line_no_explanation": round(speed_plain, 3),
        "batch": args.batch,
    }
    if not args.no_feedback:
        result["feedback"] = feedback(records, test_share, config)
    return result


def feedback(records: list[CodingRecord], test_share: float, config: TrainConfig) -> dict[str, Any]:
    """Train without the last-but-one window, score the last; then feed that window's approved
    (corrected) codings back, retrain, and score the same last window again."""
    older, window2 = split(records, test_share)
    before_train, window1 = split(older, test_share / (1 - test_share))
    before = ModelSet.train(before_train, config)
    first = before.suggest(window1, explain_=False)
    corrections = sum(
        1 for r, s in zip(window1, first, strict=True) if s.value("account") != r.account
    )
    after = ModelSet.train(older, config)
    scored_before = score(before, before_train, window2)
    scored_after = score(after, older, window2)
    return {
        "window1_lines": len(window1),
        "window1_corrections": corrections,
        "window2_lines": len(window2),
        "before": _top1(scored_before.to_json()),
        "after": _top1(scored_after.to_json()),
    }


def _top1(report: dict[str, Any]) -> dict[str, Any]:
    accuracy = report["accuracy"]
    return {
        f"{target} {group}": groups[group]["top1"]
        for target, groups in accuracy.items()
        for group in ("known", "unseen", "all")
        if groups[group]["lines"]
    }


def figures(result: dict[str, Any]) -> dict[str, float | None]:
    acc = result["evaluation"]["accuracy"]
    return {
        "account top-1, known suppliers": acc["account"]["known"]["top1"],
        "account top-1, unseen suppliers": acc["account"]["unseen"]["top1"],
        "VAT code top-1": acc["vat_code"]["all"]["top1"],
        "training time (s)": result["training_seconds"],
        "suggest, ms per line (batch)": result["suggest_ms_per_line"],
    }


def table(result: dict[str, Any]) -> str:
    acc = result["evaluation"]["accuracy"]
    lines = [f"{'label':<11}{'suppliers':<10}{'lines':>8}{'top-1':>9}{'top-3':>9}"]
    for target, groups in acc.items():
        for group, s in groups.items():
            if s["lines"]:
                lines.append(
                    f"{target:<11}{group:<10}{s['lines']:>8}{s['top1']:>9.2%}{s['top3']:>9.2%}"
                )
    lines.append("")
    lines.append(f"{'target':<36}{'measured':>12}{'goal':>10}  ok")
    for name, value in figures(result).items():
        op, goal = TARGETS[name]
        ok = value is not None and (value >= goal if op == ">=" else value < goal)
        shown = f"{value:.2%}" if goal <= 1 else f"{value:.2f}"
        wanted = f"{op} {goal:.0%}" if goal <= 1 else f"{op} {goal:g}"
        lines.append(f"{name:<36}{shown:>12}{wanted:>10}  {'yes' if ok else 'NO'}")
    t, ti = result["evaluation"]["touchless"], result["touchless_intended"]
    lines.append(
        f"{'touchless at 99% precision (recorded)':<36}{t['share']:>12.1%}"
        f"  threshold {t['threshold'] if t['threshold'] is not None else '-'}"
    )
    lines.append(
        f"{'touchless at 99% precision (intended)':<36}{ti['share']:>12.1%}"
        f"  threshold {ti['threshold'] if ti['threshold'] is not None else '-'}"
    )
    lines.append(
        f"{'suggest without explanations, ms':<36}"
        f"{result['suggest_ms_per_line_no_explanation']:>12.3f}"
    )
    if "feedback" in result:
        fb = result["feedback"]
        lines.append("")
        lines.append(
            f"feedback: {fb['window1_corrections']} corrections among {fb['window1_lines']} lines "
            f"fed back; next {fb['window2_lines']} lines, top-1 before -> after:"
        )
        for name, before in fb["before"].items():
            after = fb["after"].get(name)
            if after is not None and before is not None:
                lines.append(f"  {name:<20}{before:>9.2%} -> {after:.2%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="training lines")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--suppliers", type=int, default=600)
    parser.add_argument("--threads", type=int, default=1, help="LightGBM training threads")
    parser.add_argument("--batch", type=int, default=1000, help="lines per suggest batch")
    parser.add_argument("--speed-lines", type=int, default=5000, help="lines timed for speed")
    parser.add_argument("--no-feedback", action="store_true", help="skip the feedback run")
    parser.add_argument("--json", type=Path, default=OUT, help="where to write the figures")
    args = parser.parse_args(argv)
    result = run(args)
    print(table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
