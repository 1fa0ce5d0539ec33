"""Intake benchmark: field-level accuracy and speed of PDF-text and OCR capture.

    python -m bench.bench_intake [--n 80] [--scans 16] [--seed 1]

Generates a seeded corpus (bench.corpus), runs the real extraction on every text PDF and on
scanned versions of some of them, and prints per-field and per-layout exact accuracy, speed, the
verdict against the targets and the worst misses. Results also go to .data/bench/latest.json.
Exit status: 0 after a run (1 with --strict when a target fails), 2 when the extraction API
cannot be imported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench.corpus import FIELDS, LAYOUTS, Sample, Truth, generate, media_type, scan

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / ".data" / "bench"

TARGETS = {
    "text_accuracy": 0.97,  # share of all field values exactly right, text PDFs
    "scan_accuracy": 0.90,  # the same on scans
    "text_docs_per_s_per_core": 10.0,
    "ocr_s_per_page": 3.0,  # mean OCR seconds per page
}


@dataclass
class Api:
    pdf_pages: Callable[[bytes], list[Any]]
    extract_invoice: Callable[..., Any]
    pdf_text: Any
    ocr_source: Any
    ocr_document: Callable[[bytes, str], list[Any]] | None
    ocr_error: str = ""


def load_api() -> Api | None:
    try:
        from services.intake.extractor import extract_invoice
        from services.intake.pdftext import pdf_pages
        from shared.schemas.invoice import CaptureSource
    except ImportError as exc:
        print(
            "bench_intake: the extraction API is not importable yet "
            f"({type(exc).__name__}: {exc}).\n"
            "It needs services.intake.pdftext.pdf_pages, services.intake.extractor."
            "extract_invoice and shared.schemas.invoice.CaptureSource "
            "(and services.intake.ocr.ocr_document for scans).",
            file=sys.stderr,
        )
        return None
    ocr_document = None
    ocr_error = ""
    try:
        from services.intake.ocr import ocr_document
    except ImportError as exc:
        ocr_error = f"{type(exc).__name__}: {exc}"
    return Api(
        pdf_pages=pdf_pages,
        extract_invoice=extract_invoice,
        pdf_text=CaptureSource.PDF_TEXT,
        ocr_source=CaptureSource.OCR,
        ocr_document=ocr_document,
        ocr_error=ocr_error,
    )


# --------------------------------------------------------------------------------------------
# Comparison


def got_fields(inv: Any) -> dict[str, Any]:
    totals = getattr(inv, "totals", None)
    seller = getattr(inv, "seller", None)
    return {
        "invoice_number": getattr(inv, "number", None),
        "issue_date": getattr(inv, "issue_date", None),
        "due_date": getattr(inv, "due_date", None),
        "currency": getattr(inv, "currency", None),
        "payable": getattr(totals, "payable", None),
        "vat": getattr(totals, "tax", None),
        "supplier_orgnr": getattr(seller, "legal_id", None),
        "kid": getattr(inv, "payment_id", None),
        "account": getattr(inv, "payment_account", None),
    }


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _account(value: str) -> str:
    v = re.sub(r"[\s.\-]", "", value).upper()
    if re.fullmatch(r"NO\d{13}", v):  # a Norwegian IBAN is the BBAN with a prefix
        v = v[4:]
    return v


def matches(name: str, truth: Any, got: Any, kind: str = "invoice") -> bool:
    """Exact comparison after trivial normalisation (spaces/dots, Decimal, case)."""
    if truth is None:
        return got is None or str(got).strip() == ""
    if got is None:
        return False
    if name in ("payable", "vat"):
        g = _decimal(got)
        if g is None:
            return False
        # credit notes: the truth is positive (UBL CreditNote); a printed sign is accepted
        return bool(g == truth or (kind == "credit-note" and abs(g) == truth))
    if name in ("issue_date", "due_date"):
        return _date(got) == truth
    if name == "currency":
        return str(got).strip().upper() == truth
    if name in ("supplier_orgnr", "kid"):
        return re.sub(r"[\s.]", "", str(got)) == truth
    if name == "account":
        return _account(str(got)) == _account(truth)
    return str(got).strip() == truth


def show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------------------------
# Runs


@dataclass
class DocResult:
    id: str
    layout: str
    source: str
    fields: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    ocr_seconds: float = 0.0
    error: str = ""
    scan: dict[str, Any] = field(default_factory=dict)

    def correct(self) -> int:
        return sum(ok for _, _, ok in self.fields.values())


def score(truth: Truth, inv: Any) -> dict[str, tuple[str, str, bool]]:
    got = got_fields(inv)
    out = {}
    for name in FIELDS:
        t = getattr(truth, name)
        out[name] = (show(t), show(got[name]), matches(name, t, got[name], truth.kind))
    return out


def failed(truth: Truth, error: str) -> dict[str, tuple[str, str, bool]]:
    return {name: (show(getattr(truth, name)), f"ERROR {error}", False) for name in FIELDS}


def run_text(api: Api, samples: list[Sample]) -> list[DocResult]:
    # one untimed warm-up so imports and lazily compiled patterns do not count against doc 1
    with contextlib.suppress(Exception):  # the timed run reports errors per document
        api.extract_invoice(api.pdf_pages(samples[0].pdf), api.pdf_text)
    results = []
    total = 0.0
    for i, sample in enumerate(samples, start=1):
        r = DocResult(sample.id, sample.layout, "text")
        start = time.perf_counter()
        try:
            pages = api.pdf_pages(sample.pdf)
            inv = api.extract_invoice(pages, api.pdf_text)
        except Exception as exc:
            r.seconds = time.perf_counter() - start
            r.error = f"{type(exc).__name__}: {exc}"
            r.fields = failed(sample.truth, r.error[:80])
            r.pages = sample.pages
        else:
            r.seconds = time.perf_counter() - start
            r.pages = len(pages)
            r.fields = score(sample.truth, inv)
        total += r.seconds
        results.append(r)
        if i % 10 == 0 or i == len(samples):
            ok = sum(x.correct() for x in results) / (len(results) * len(FIELDS))
            print(
                f"[text] {i:>4}/{len(samples)}  {total / i * 1000:6.1f} ms/doc  "
                f"accuracy so far {ok:6.1%}",
                file=sys.stderr,
                flush=True,
            )
    return results


def pick_scans(samples: list[Sample], n: int) -> list[Sample]:
    """Round-robin over layouts, so a few scans already cover every layout."""
    by_layout: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_layout[s.layout].append(s)
    picked: list[Sample] = []
    k = 0
    while len(picked) < n and any(k < len(v) for v in by_layout.values()):
        for layout in LAYOUTS:
            group = by_layout.get(layout, [])
            if k < len(group) and len(picked) < n:
                picked.append(group[k])
        k += 1
    return picked


def run_scans(api: Api, samples: list[Sample], seed: int) -> list[DocResult]:
    assert api.ocr_document is not None
    results = []
    for i, sample in enumerate(samples, start=1):
        rng = random.Random(seed * 7919 + i)
        params = {
            "dpi": rng.choice((200, 225, 250, 300)),
            "angle": round(rng.uniform(-1.5, 1.5), 2),
            "noise": round(rng.uniform(0.02, 0.06), 3),
        }
        image = scan(sample.pdf, seed=seed * 31 + i, **params)
        mt = media_type(image)
        r = DocResult(sample.id, sample.layout, "scan", scan={**params, "media_type": mt})
        start = time.perf_counter()
        try:
            pages = api.ocr_document(image, mt)
            r.ocr_seconds = time.perf_counter() - start
            inv = api.extract_invoice(pages, api.ocr_source)
        except Exception as exc:
            r.seconds = time.perf_counter() - start
            r.error = f"{type(exc).__name__}: {exc}"
            r.fields = failed(sample.truth, r.error[:80])
            r.pages = sample.pages
            r.ocr_seconds = r.ocr_seconds or r.seconds
        else:
            r.seconds = time.perf_counter() - start
            r.pages = len(pages) or sample.pages
            r.fields = score(sample.truth, inv)
        results.append(r)
        print(
            f"[scan] {i:>3}/{len(samples)}  {sample.layout:<12} {params['dpi']} dpi "
            f"{params['angle']:+.2f}°  {r.ocr_seconds / max(r.pages, 1):5.2f} s/page OCR  "
            f"{r.correct()}/{len(FIELDS)} fields{'  ' + r.error[:60] if r.error else ''}",
            file=sys.stderr,
            flush=True,
        )
    return results


# --------------------------------------------------------------------------------------------
# Report


def accuracy(results: list[DocResult], name: str | None = None) -> float | None:
    cells = [
        ok
        for r in results
        for field_name, (_, _, ok) in r.fields.items()
        if name is None or field_name == name
    ]
    return sum(cells) / len(cells) if cells else None


def pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "FAIL"


def summarise(text: list[DocResult], scans: list[DocResult]) -> dict[str, Any]:
    text_time = sum(r.seconds for r in text)
    ocr_time = sum(r.ocr_seconds for r in scans)
    ocr_pages = sum(r.pages for r in scans)
    text_acc = accuracy(text)
    scan_acc = accuracy(scans)
    docs_per_s = len(text) / text_time if text_time else None
    s_per_page = ocr_time / ocr_pages if ocr_pages else None
    worst_page = max((r.ocr_seconds / max(r.pages, 1) for r in scans), default=None)
    checks = {
        "text_accuracy": (
            text_acc,
            None if text_acc is None else text_acc >= TARGETS["text_accuracy"],
        ),
        "scan_accuracy": (
            scan_acc,
            None if scan_acc is None else scan_acc >= TARGETS["scan_accuracy"],
        ),
        "text_docs_per_s_per_core": (
            docs_per_s,
            None if docs_per_s is None else docs_per_s >= TARGETS["text_docs_per_s_per_core"],
        ),
        "ocr_s_per_page": (
            s_per_page,
            None if s_per_page is None else s_per_page < TARGETS["ocr_s_per_page"],
        ),
    }
    return {
        "per_field": {
            name: {"text": accuracy(text, name), "scan": accuracy(scans, name)} for name in FIELDS
        },
        "per_layout": {
            layout: {
                "text": accuracy([r for r in text if r.layout == layout]),
                "scan": accuracy([r for r in scans if r.layout == layout]),
                "text_docs": sum(r.layout == layout for r in text),
                "scan_docs": sum(r.layout == layout for r in scans),
            }
            for layout in LAYOUTS
        },
        "speed": {
            "text_docs": len(text),
            "text_pages": sum(r.pages for r in text),
            "text_seconds": text_time,
            "text_docs_per_s_per_core": docs_per_s,
            "text_ms_per_doc_max": max((r.seconds for r in text), default=0) * 1000,
            "scan_docs": len(scans),
            "scan_pages": ocr_pages,
            "ocr_seconds": ocr_time,
            "ocr_s_per_page": s_per_page,
            "ocr_s_per_page_worst_doc": worst_page,
            "scan_extract_seconds": sum(r.seconds - r.ocr_seconds for r in scans),
        },
        "targets": {
            name: {"target": TARGETS[name], "value": value, "verdict": verdict(ok)}
            for name, (value, ok) in checks.items()
        },
    }


def misses(results: list[DocResult]) -> list[dict[str, str]]:
    out = []
    for r in results:
        for name, (truth, got, ok) in r.fields.items():
            if not ok:
                out.append(
                    {
                        "source": r.source,
                        "id": r.id,
                        "layout": r.layout,
                        "field": name,
                        "truth": truth,
                        "got": got,
                    }
                )
    return out


def print_report(
    summary: dict[str, Any], text: list[DocResult], scans: list[DocResult], top: int, note: str
) -> None:
    p = print
    p()
    p(f"Field-level exact accuracy   text PDFs (n={len(text)})   scans (n={len(scans)})")
    for name in FIELDS:
        row = summary["per_field"][name]
        p(f"  {name:<16}             {pct(row['text'])}              {pct(row['scan'])}")
    p(f"  {'ALL FIELDS':<16}             {pct(accuracy(text))}              {pct(accuracy(scans))}")
    p()
    p("Per layout (all nine fields)   text            scan")
    for layout, row in summary["per_layout"].items():
        p(
            f"  {layout:<14}  {pct(row['text'])} ({row['text_docs']:>3} docs)"
            f"  {pct(row['scan'])} ({row['scan_docs']:>2} docs)"
        )
    sp = summary["speed"]
    p()
    p("Speed (single process, wall time)")
    if sp["text_docs_per_s_per_core"]:
        p(
            f"  text PDFs: {sp['text_docs']} docs / {sp['text_pages']} pages in "
            f"{sp['text_seconds']:.2f} s = {sp['text_docs_per_s_per_core']:.1f} docs/s per core "
            f"(slowest doc {sp['text_ms_per_doc_max']:.0f} ms)"
        )
    if sp["ocr_s_per_page"] is not None:
        p(
            f"  OCR: {sp['scan_pages']} pages in {sp['ocr_seconds']:.1f} s = "
            f"{sp['ocr_s_per_page']:.2f} s/page (worst doc {sp['ocr_s_per_page_worst_doc']:.2f}"
            f" s/page); extraction on OCR words {sp['scan_extract_seconds']:.2f} s in total"
        )
    if note:
        p(f"  {note}")
    p(
        f"  machine: {os.cpu_count()} cores, Python {platform.python_version()} — figures are "
        "machine-dependent"
    )
    p()
    p("Targets")
    fmt = {
        "text_accuracy": lambda v: f"{v:.1%}",
        "scan_accuracy": lambda v: f"{v:.1%}",
        "text_docs_per_s_per_core": lambda v: f"{v:.1f} docs/s",
        "ocr_s_per_page": lambda v: f"{v:.2f} s/page",
    }
    wanted = {
        "text_accuracy": ">= 97 %",
        "scan_accuracy": ">= 90 %",
        "text_docs_per_s_per_core": ">= 10 docs/s/core",
        "ocr_s_per_page": "< 3 s/page",
    }
    for name, row in summary["targets"].items():
        value = "n/a" if row["value"] is None else fmt[name](row["value"])
        p(f"  {row['verdict']:<4}  {name:<26} {value:>14}   (target {wanted[name]})")
    all_misses = misses(text) + misses(scans)
    if not all_misses:
        p()
        p("No misses.")
        return
    p()
    p("Misses by field and layout (count: text / scan)")
    counts: Counter[tuple[str, str, str]] = Counter(
        (m["field"], m["layout"], m["source"]) for m in all_misses
    )
    pairs = sorted(
        {(f, lay) for f, lay, _ in counts},
        key=lambda k: -(counts[(k[0], k[1], "text")] + counts[(k[0], k[1], "scan")]),
    )
    for f, lay in pairs[:15]:
        p(f"  {f:<16} {lay:<14} {counts[(f, lay, 'text')]:>3} / {counts[(f, lay, 'scan')]:>3}")
    p()
    p(f"Worst misses (first {top}; text first, fields interleaved, most-missed first)")
    # interleave fields (most-missed first) so one broken field does not hide the others
    field_rank = Counter(m["field"] for m in all_misses)
    seen: Counter[tuple[str, str]] = Counter()
    keyed = []
    for m in sorted(all_misses, key=lambda m: (m["source"] != "text", m["id"])):
        seen[(m["source"], m["field"])] += 1
        keyed.append(
            ((m["source"] != "text", seen[(m["source"], m["field"])], -field_rank[m["field"]]), m)
        )
    ordered = [m for _, m in sorted(keyed, key=lambda k: k[0])]
    for m in ordered[:top]:
        p(
            f"  {m['source']:<4} {m['id']:<9} {m['layout']:<12} {m['field']:<15} "
            f"truth={m['truth']!s:<26} got={m['got'][:60]}"
        )


def write_json(path: Path, args: argparse.Namespace, summary: dict[str, Any], text, scans) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "config": {"n": args.n, "scans": args.scans, "seed": args.seed},
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **summary,
        "misses": misses(text) + misses(scans),
        "documents": [
            {
                "id": r.id,
                "layout": r.layout,
                "source": r.source,
                "pages": r.pages,
                "seconds": round(r.seconds, 4),
                "ocr_seconds": round(r.ocr_seconds, 4),
                "correct": r.correct(),
                "error": r.error,
                "scan": r.scan,
            }
            for r in text + scans
        ],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def dump(directory: Path, samples: list[Sample]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for s in samples:
        (directory / f"{s.id}-{s.layout}.pdf").write_bytes(s.pdf)
        truth = {name: show(getattr(s.truth, name)) for name in FIELDS}
        truth |= {"kind": s.truth.kind, "printed": s.printed}
        (directory / f"{s.id}-{s.layout}.json").write_text(
            json.dumps(truth, indent=2, ensure_ascii=False) + "\n"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_intake", description=__doc__)
    parser.add_argument("--n", type=int, default=80, help="text PDFs to generate (default 80)")
    parser.add_argument("--scans", type=int, default=16, help="of those, how many to scan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=25, help="misses to list")
    parser.add_argument("--layouts", default="", help="comma-separated subset of layouts")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--dump", type=Path, help="also write the corpus (PDF + truth) here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)

    api = load_api()
    if api is None:
        return 2
    layouts = tuple(x for x in args.layouts.split(",") if x) or LAYOUTS
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        parser.error(f"unknown layouts {sorted(unknown)}; known: {', '.join(LAYOUTS)}")

    start = time.perf_counter()
    samples = generate(args.n, args.seed, layouts)
    print(
        f"[corpus] {len(samples)} invoices, {len(set(s.layout for s in samples))} layouts, "
        f"{sum(s.pages for s in samples)} pages in {time.perf_counter() - start:.1f} s "
        f"(seed {args.seed})",
        file=sys.stderr,
        flush=True,
    )
    if args.dump:
        dump(args.dump, samples)
    text = run_text(api, samples)
    scans: list[DocResult] = []
    note = ""
    if args.scans > 0:
        if api.ocr_document is None:
            note = f"scans skipped: services.intake.ocr not importable ({api.ocr_error})"
            print(f"[scan] {note}", file=sys.stderr)
        else:
            try:
                scans = run_scans(api, pick_scans(samples, args.scans), args.seed)
            except KeyboardInterrupt:
                note = "scans interrupted"
            except Exception:
                traceback.print_exc()
                note = "scans aborted by an error (see above)"
    summary = summarise(text, scans)
    print_report(summary, text, scans, args.top, note)
    write_json(args.json, args, summary, text, scans)
    print(f"\nresults: {args.json}")
    if args.strict and any(t["verdict"] == "FAIL" for t in summary["targets"].values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
