"""Validation benchmark: agreement with the official rule unit tests, and validations per second.

python -m bench.bench_rules [--shared ../shared/data] [--seconds 3]
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
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        validate_document(root, EHF_LAYERS)
        done += 1
    return done / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--seconds", type=float, default=3.0)
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
    single = rate(base, args.seconds)
    rates = {n: rate(with_lines(base, n), args.seconds) for n in (10, 100, 1000)}
    print("\nSpeed on one core (all EHF layers):")
    print(f"  base-example.xml      {single:8.0f} validations/s")
    for n, r in rates.items():
        print(f"  {n:5} lines           {r:8.1f} validations/s   {1000 / r:7.2f} ms each")
    growth = (1000 / rates[1000]) / (1000 / rates[100])
    print(f"  1000 vs 100 lines: {growth:.1f}x the time (linear would be 10x)")
    if misses:
        print(f"\nDisagreements ({len(misses)}; first 30):")
        for name, problems in misses[:30]:
            print(f"  {name}: {'; '.join(problems)[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
