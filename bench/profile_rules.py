"""Profile the rules on one document: where a validation spends its time.

python -m bench.profile_rules [--lines N] [--runs R] [--top T] [--per-rule]

Without --lines the official base example is validated as it is; with --lines its first line
is repeated N times (as bench_rules does). --per-rule prints each rule's own share of the time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from pathlib import Path

from lxml import etree

from bench.bench_rules import DEFAULT_SHARED, with_lines
from services.validation.ehf import EHF_LAYERS
from services.validation.rules import engine, validate_document
from shared.xmlsafe import parse_untrusted


def per_rule(root: etree._Element, runs: int) -> dict[str, float]:
    """Seconds each rule's check takes over `runs` validations (a shared Doc per run, so the
    first rule to ask a question pays for its answer)."""
    engine._load()
    spent: dict[str, float] = defaultdict(float)
    for _ in range(runs):
        doc = engine.Doc(root)
        for rule_id in sorted(engine._REGISTRY):
            _, check = engine._REGISTRY[rule_id]
            start = time.perf_counter()
            for _location in check(doc):
                pass
            spent[rule_id] += time.perf_counter() - start
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--lines", type=int, default=0)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--per-rule", action="store_true")
    args = parser.parse_args()
    path = args.shared / "ehf" / "peppol-examples" / "base-example.xml"
    root = parse_untrusted(path.read_bytes())
    if args.lines:
        root = with_lines(root, args.lines)
    if args.per_rule:
        spent = per_rule(root, args.runs)
        total = sum(spent.values())
        print(f"{total / args.runs * 1000:.3f} ms per validation in the checks")
        ranked = sorted(spent.items(), key=lambda item: item[1], reverse=True)
        for rule_id, seconds in ranked[: args.top]:
            print(f"  {rule_id:28} {seconds / args.runs * 1e6:9.1f} µs  {seconds / total:6.1%}")
        return 0
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.runs):
        validate_document(root, EHF_LAYERS)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
