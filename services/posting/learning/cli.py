"""`posting train | suggest | evaluate`: the learned coding from the command line.

Mounted by `fakturaportal posting ...` through `add_commands(subparsers)`; runnable on its own as
`python -m services.posting.learning.cli ...`. Output is JSON on stdout, progress on stderr;
exit code 2 means the input could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from services.posting.learning import store
from services.posting.learning.evaluate import evaluate
from services.posting.learning.model import Progress, TrainConfig
from services.posting.learning.records import CodingRecord, RecordError, read_jsonl

USAGE_ERROR = 2


def _reporter(quiet: bool) -> Progress:
    start = time.perf_counter()

    def report(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    return report


def _read(path: Path) -> list[CodingRecord] | None:
    try:
        return read_jsonl(path)
    except RecordError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
    return None


def _config(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(threads=args.threads, rounds=args.rounds)


def cmd_train(args: argparse.Namespace) -> int:
    records = _read(args.history)
    if records is None:
        return USAGE_ERROR
    if not records:
        print(f"error: {args.history}: no records", file=sys.stderr)
        return USAGE_ERROR
    report = _reporter(args.quiet)
    version = store.retrain(records, args.model, _config(args), report)
    manifest = json.loads((version / "manifest.json").read_text())
    print(
        json.dumps(
            {
                "version": manifest["version"],
                "path": str(version),
                "records": manifest["records"],
                "tenants": len(manifest["tenants"]),
                "trained_at": manifest["trained_at"],
            },
            ensure_ascii=False,
        )
    )
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    records = _read(args.input)
    if records is None:
        return USAGE_ERROR
    try:
        models = store.load(args.model)
    except (OSError, ValueError) as exc:
        print(f"error: cannot load model from {args.model}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    out = sys.stdout
    for start in range(0, len(records), args.batch):
        batch = [r.without_labels() for r in records[start : start + args.batch]]
        for suggestion in models.suggest(batch, explain_=not args.no_explain):
            out.write(json.dumps(suggestion.to_json(), ensure_ascii=False) + "\n")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    records = _read(args.history)
    if records is None:
        return USAGE_ERROR
    report = evaluate(records, args.test_share, _config(args), _reporter(args.quiet))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print(report.table())
    return 0


def _training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=1, help="LightGBM training threads")
    parser.add_argument("--rounds", type=int, default=TrainConfig().rounds, help="boosting rounds")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register train, suggest and evaluate on an argparse sub-command group."""
    train = subparsers.add_parser("train", help="train models on approved codings (JSONL)")
    train.add_argument("history", type=Path, metavar="HISTORY.jsonl")
    train.add_argument(
        "--model",
        type=Path,
        required=True,
        metavar="DIR",
        help="model root: a new version is written and made current",
    )
    _training_options(train)
    train.set_defaults(handler=cmd_train)

    suggest = subparsers.add_parser("suggest", help="suggest codings for lines (JSONL)")
    suggest.add_argument("--model", type=Path, required=True, metavar="DIR")
    suggest.add_argument("input", type=Path, metavar="INPUT.jsonl")
    suggest.add_argument("--batch", type=int, default=1000, help="lines per batch")
    suggest.add_argument("--no-explain", action="store_true", help="skip explanations (faster)")
    suggest.set_defaults(handler=cmd_suggest)

    score = subparsers.add_parser("evaluate", help="time-ordered split: train old, score new")
    score.add_argument("history", type=Path, metavar="HISTORY.jsonl")
    score.add_argument("--test-share", type=float, default=0.2, help="newest share to score")
    score.add_argument("--json", action="store_true", help="JSON instead of a table")
    _training_options(score)
    score.set_defaults(handler=cmd_evaluate)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fakturaportal posting", description=__doc__)
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:  # `suggest … | head`: the reader has all it wants
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
