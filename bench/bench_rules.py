"""Validation benchmark: agreement with the official rule unit tests, and validations per second.

python -m bench.bench_rules [--shared ../shared/data] [--seconds 3] [--rounds 3]

Speed is CPU time of this process (what "per core" means), best and median of `--rounds`
rounds of `--seconds` each: on a shared machine the same code measures up to twice as slow
from one second to the next, and the best round is the figure that repeats.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections import Counter
from pathlib import Path

from lxml import etree

from bench.rule_tests import all_cases, run_case
from services.validation.ehf import EHF_LAYERS
from services.validation.rules import validate_document
from shared.xmlsafe import parse_untrusted

LINE_COUNTS = (1, 10, 100, 1000)
DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def agreement(shared: Path) -> tuple[int, int, Counter[str], list[tuple[str, list[str]]]]:
    total = agreed = 0
    by_family: Counter[str] = Counter()
    misses = []
    for case in all_cases(shared):
        total += 1
        problems = run_case(case)
        family = case.file.parent.name
        by_family[f"{family} total"] += 1
        if problems:
            misses.append((case.name, problems))
        else:
            agreed += 1
            by_family[f"{family} agreed"] += 1
    return agreed, total, by_family, misses


def with_lines(root: etree._Element, count: int) -> etree._Element:
    """The document with its first line repeated `count` times (totals no longer add up: the
    rules still run in full, which is what is timed)."""
    doc = copy.deepcopy(root)
    tag = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}InvoiceLine"
    lines = doc.findall(tag)
    for line in lines:
        doc.remove(line)
    for index in range(count):
        line = copy.deepcopy(lines[0])
        line[0].text = str(index + 1)
        doc.append(line)
    return doc


def rate(root: etree._Element, seconds: float) -> float:
    """Validations per CPU second over about `seconds` of CPU time (after one untimed run)."""
    validate_document(root, EHF_LAYERS)
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        validate_document(root, EHF_LAYERS)
        done += 1
    return done / (time.process_time() - start)


def rates(root: etree._Element, seconds: float, rounds: int) -> tuple[float, float]:
    """Best and median rate of `rounds` rounds."""
    found = sorted(rate(root, seconds / rounds) for _ in range(rounds))
    return found[-1], found[len(found) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per document")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.shared.exists():
        print(
            f"{args.shared} not present: the official rule tests and samples live there",
            file=sys.stderr,
        )
        return 2
    print("[rules] judging every official rule unit test …", flush=True)
    agreed, total, families, misses = agreement(args.shared)
    print(f"\nAgreement with the official rule unit tests: {agreed}/{total} = {agreed / total:.1%}")
    for family in sorted({k.rsplit(" ", 1)[0] for k in families}):
        t, a = families[f"{family} total"], families[f"{family} agreed"]
        print(f"  {family:24} {a:4}/{t:<4} {a / t:6.1%}")
    base = parse_untrusted(
        (args.shared / "ehf" / "peppol-examples" / "base-example.xml").read_bytes()
    )
    print("\n[rules] timing …", flush=True)
    single, single_median = rates(base, args.seconds, args.rounds)
    by_lines = {n: rates(with_lines(base, n), args.seconds, args.rounds) for n in LINE_COUNTS}
    print("\nSpeed on one core, CPU time (all EHF layers; best round, median in brackets):")
    print(f"  base-example.xml      {single:8.0f} validations/s ({single_median:.0f})")
    for n, (best, median) in by_lines.items():
        print(
            f"  {n:5} lines           {best:8.1f} validations/s   {1000 / best:7.2f} ms each"
            f" ({1000 / median:.2f})"
        )
    growth = by_lines[100][0] / by_lines[1000][0]
    print(f"  1000 vs 100 lines: {growth:.1f}x the time (linear would be 10x)")
    if misses:
        print(f"\nDisagreements ({len(misses)}; first 30):")
        for name, problems in misses[:30]:
            print(f"  {name}: {'; '.join(problems)[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
