"""Invoice fields from positioned words (PDF text layer or OCR), without per-supplier templates.

How a value is chosen:

1. Candidates. Every Norwegian or English label (`candidates.LABELS`) proposes the values in the
   rest of its segment, to its right on the same line, or below it in the same column. Score =
   label strength x where the value sits (inline 1.0, right 0.95, below 0.85 …) x whether the
   label starts its segment x how clearly the value has the field's shape x the words' OCR
   confidence. Identifiers that carry check digits (orgnr, KID, account, IBAN) also come
   unlabelled from anywhere on the page, weaker.
2. Validation. Check digits multiply the score (a KID or account that fails its check keeps a
   fraction of it). Totals are chosen together: net + VAT = total, VAT / net is a Norwegian rate,
   payable = total (+ rounding - prepaid), the lines sum to the net; a consistent combination
   wins over stronger labels that do not add up. Issue and due date are chosen together too.
3. Confidence. The winner's score (capped below 1), reduced when a different value came close,
   raised when arithmetic confirms it. So: label + check digit -> about 0.95; totals that add up
   -> about 0.97; a lone unlabelled guess -> 0.3 or less.

`SupplierHints` carry what people corrected before for a supplier (the label next to the
value, where it sat, its shape); they become extra labels and tie-breakers for the next invoice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import product

from pydantic import BaseModel, ConfigDict, Field

from services.intake.candidates import (
    LabelHit,
    Layout,
    Segment,
    build_layout,
    find_amounts,
    find_bics,
    find_currencies,
    find_dates,
    find_digit_runs,
    find_iban_candidates,
    find_kontonrs,
    find_labels,
    find_orgnrs,
    first_reference,
    tokens,
)
from services.intake.extract_table import extract_lines, header_lines
from services.intake.words import PageText
from shared import checkdigits as cd
from shared.schemas.invoice import (
    CanonicalInvoice,
    CaptureSource,
    DocumentKind,
    InvoiceLine,
    Party,
    Provenance,
    Totals,
)

Value = str | date | Decimal

AMOUNT_FIELDS = ("BT-109", "BT-110", "BT-112", "BT-115", "BT-114", "BT-113")
NORWEGIAN_RATES = (Decimal("25"), Decimal("15"), Decimal("12"), Decimal("11.11"), Decimal("0"))
CENT = Decimal("0.01")
_CAP = 0.97
_COMPANY_SUFFIX = re.compile(
    r"\b(AS|ASA|A/S|ANS|DA|NUF|SA|AB|ApS|Oy|GmbH|AG|Ltd|Limited|LLC|Inc|BV|B\.V\.|plc|"
    r"SARL|S\.A\.|S\.r\.l\.|KS|SE)\.?$"
)


# ---------------------------------------------------------------------------------------------
# Supplier hints


class FieldHint(BaseModel):
    """Where a supplier puts one field: the label next to it, where from the label, its shape."""

    model_config = ConfigDict(frozen=True)

    label: str | None = None
    """Label tokens as printed, lowercased (e.g. 'dokumentnr')."""
    relation: str | None = None
    """'inline' (same segment), 'right' (next segment on the line) or 'below'."""
    pattern: str | None = None
    """Regular expression of the value's shape, e.g. '[A-Z]{2}\\d{6}'."""
    page: int | None = None
    x: float | None = None
    """Relative position (0..1) of the value's left edge on its page."""
    y: float | None = None


class SupplierHints(BaseModel):
    """What people corrected before for one supplier; store it per supplier and pass it in."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, FieldHint] = Field(default_factory=dict)
    known_accounts: tuple[str, ...] = ()
    known_orgnr: str | None = None
    kid_length: int | None = None


def value_pattern(value: str) -> str:
    """The shape of a value: digits -> \\d, letters -> [A-Z]/[a-z], runs counted, rest literal."""
    parts: list[str] = []
    for run in re.finditer(r"\d+|[A-ZÆØÅ]+|[a-zæøå]+|.", value):
        text = run.group()
        if text.isdigit():
            parts.append(rf"\d{{{len(text)}}}")
        elif text.isalpha():
            parts.append(
                rf"[A-ZÆØÅ]{{{len(text)}}}" if text.isupper() else rf"[a-zæøå]{{{len(text)}}}"
            )
        else:
            parts.append(re.escape(text))
    return "".join(parts)


def learn_from_correction(
    pages: list[PageText], field: str, corrected_value: str, hints: SupplierHints | None = None
) -> SupplierHints:
    """Remember where `corrected_value` of `field` (a BT id) sits, so the next invoice is right.

    Finds the words that spell the value; records the label in front of it (same segment), to
    its left on the line, or above it, and its shape and relative position.
    """
    hints = hints or SupplierHints()
    layout = build_layout(pages)
    found = _locate(layout, corrected_value)
    pattern = value_pattern(corrected_value.strip())
    if found is None:
        hint = FieldHint(pattern=pattern)
    else:
        segment, start = found
        width, height = layout.page_size(segment.page)
        label, relation = _label_near(layout, segment, start)
        word = segment.words[start]
        hint = FieldHint(
            label=label,
            relation=relation,
            pattern=pattern,
            page=segment.page,
            x=round(word.x0 / width, 4),
            y=round(word.y0 / height, 4),
        )
    update: dict[str, object] = {"fields": {**hints.fields, field: hint}}
    compact = cd.digits_only(corrected_value)
    if field == "BT-84" and (cd.valid_kontonr(compact) or cd.valid_iban(corrected_value)):
        account = compact if cd.valid_kontonr(compact) else cd.normalise_iban(corrected_value)
        if account and account not in hints.known_accounts:
            update["known_accounts"] = (*hints.known_accounts, account)
    if field == "BT-30" and cd.valid_orgnr(compact):
        update["known_orgnr"] = compact
    if field == "BT-83" and compact.isdigit():
        update["kid_length"] = len(compact)
    return hints.model_copy(update=update)


def _squash(text: str) -> str:
    return re.sub(r"[\s.:\-]", "", text).lower()


def _locate(layout: Layout, value: str) -> tuple[Segment, int] | None:
    target = _squash(value)
    if not target:
        return None
    for segment in layout.segments:
        words = [_squash(w.text) for w in segment.words]
        for start in range(len(words)):
            joined = ""
            for end in range(start, len(words)):
                joined += words[end]
                if joined == target or (end == start and words[start].endswith(target)):
                    return segment, start
                if not target.startswith(joined):
                    break
    return None


def _label_near(layout: Layout, segment: Segment, start: int) -> tuple[str | None, str | None]:
    before = [w.text for w in segment.words[:start]]
    if before:
        return " ".join(tokens(" ".join(before[-3:]))) or None, "inline"
    left = [s for s in layout.lines[segment.line].segments if s.x1 <= segment.x0 + 1]
    if left:
        label = " ".join(tokens(left[-1].text)[-3:])
        if label and not any(ch.isdigit() for ch in label):
            return label, "right"
    if segment.line > 0:
        previous = layout.lines[segment.line - 1]
        if previous.page == segment.page:
            hits = [
                s for s in previous.segments if min(s.x1, segment.x1) - max(s.x0, segment.x0) > 0
            ]
            if hits:
                label = " ".join(tokens(hits[0].text)[-3:])
                if label and not any(ch.isdigit() for ch in label):
                    return label, "below"
    return None, None


# ---------------------------------------------------------------------------------------------
# Candidate collection


@dataclass
class _Evidence:
    scores: dict[Value, list[float]]
    where: dict[Value, Segment]

    def add(self, value: Value, score: float, segment: Segment) -> None:
        if score <= 0:
            return
        self.scores.setdefault(value, []).append(min(score, 1.0))
        self.where.setdefault(value, segment)

    def ranked(self) -> list[tuple[Value, float]]:
        out = [(v, _combine(s)) for v, s in self.scores.items()]
        return sorted(out, key=lambda item: -item[1])


def _combine(scores: list[float]) -> float:
    """Best score, nudged up by further independent sightings of the same value."""
    ordered = sorted(scores, reverse=True)
    rest = 1.0
    for extra in ordered[1:4]:
        rest *= 1 - 0.25 * extra
    return 1 - (1 - ordered[0]) * rest


def _new() -> _Evidence:
    return _Evidence(scores={}, where={})


class _Reader:
    def __init__(self, layout: Layout, hints: SupplierHints | None) -> None:
        self.layout = layout
        self.hints = hints or SupplierHints()
        self.headers = header_lines(layout)
        self.labels: dict[int, list[LabelHit]] = {}
        self.starts_label: set[tuple[int, float]] = set()
        for segment in layout.segments:
            hits = find_labels(segment)
            if hits:
                self.labels[id(segment)] = hits
                if any(h.at_start and h.strength >= 0.5 for h in hits):
                    self.starts_label.add((segment.line, segment.x0))
        self.evidence: dict[str, _Evidence] = defaultdict(_new)

    def hits(self, field: str) -> Iterator[LabelHit]:
        for segment in self.layout.segments:
            for hit in self.labels.get(id(segment), ()):
                if hit.field == field:
                    yield hit
        yield from self._hinted_hits(field)

    def _hinted_hits(self, field: str) -> Iterator[LabelHit]:
        hint = self.hints.fields.get(field)
        if hint is None or not hint.label:
            return
        wanted = tuple(hint.label.split())
        for segment in self.layout.segments:
            toks = [(t, i) for i, w in enumerate(segment.words) for t in tokens(w.text)]
            for k in range(len(toks) - len(wanted) + 1):
                if tuple(t for t, _ in toks[k : k + len(wanted)]) == wanted:
                    start, end = toks[k][1], toks[k + len(wanted) - 1][1]
                    rest = " ".join(w.text for w in segment.words[end + 1 :])
                    yield LabelHit(field, 1.15, segment, start, end, rest, start == 0)

    def is_label(self, segment: Segment) -> bool:
        return (segment.line, segment.x0) in self.starts_label

    def value_texts(
        self, hit: LabelHit, parses: Callable[[str], bool]
    ) -> Iterator[tuple[str, float, Segment, str]]:
        """(text, weight, segment, relation) where the label's value may be."""
        found_inline = False
        if hit.rest:
            found_inline = parses(hit.rest)
            yield hit.rest, 1.0, hit.segment, "inline"
        after = 0.6 if found_inline else 1.0
        width, _ = self.layout.page_size(hit.segment.page)
        for rank, segment in enumerate(self.layout.right_of(hit.segment)[:3]):
            if segment is hit.segment:
                continue
            if self.is_label(segment):
                break
            gap = max(0.0, segment.x0 - hit.segment.x1) / width
            yield segment.text, (0.95 - 0.12 * rank - 0.3 * gap) * after, segment, "right"
        span = hit.x1 - hit.x0
        for rank, segment in enumerate(
            self.layout.below(hit.x0 - 0.5 * span, hit.x1 + 0.5 * span, hit.segment)
        ):
            if self.is_label(segment):
                break
            yield segment.text, (0.85 - 0.18 * rank) * after, segment, "below"

    def collect(
        self,
        field: str,
        parse: Callable[[str], list[tuple[Value, float]]],
        skip_headers: bool = False,
    ) -> _Evidence:
        evidence = self.evidence[field]
        hint = self.hints.fields.get(field)
        for hit in self.hits(field):
            if skip_headers and hit.segment.line in self.headers:
                continue
            position = 1.0 if hit.at_start else 0.8
            if len(hit.segment.words) > 8 and not hit.at_start and hit.strength < 0.8:
                position = 0.5
            for text, weight, segment, relation in self.value_texts(hit, lambda t: bool(parse(t))):
                if hint is not None and hint.relation and hit.strength > 1.0:
                    weight *= 1.0 if relation == hint.relation else 0.7
                for value, shape in parse(text):
                    score = hit.strength * weight * position * shape * segment.confidence
                    evidence.add(value, score * self._pattern_factor(field, value), segment)
        self._positional_hint(field, parse, evidence)
        return evidence

    def _pattern_factor(self, field: str, value: Value) -> float:
        hint = self.hints.fields.get(field)
        if hint is None or not hint.pattern or not isinstance(value, str):
            return 1.0
        return 1.1 if re.fullmatch(hint.pattern, value) else 0.8

    def _positional_hint(
        self, field: str, parse: Callable[[str], list[tuple[Value, float]]], evidence: _Evidence
    ) -> None:
        hint = self.hints.fields.get(field)
        if hint is None or hint.x is None or hint.y is None or hint.label:
            return
        for segment in self.layout.segments:
            width, height = self.layout.page_size(segment.page)
            if segment.page != hint.page:
                continue
            for word in segment.words:
                if abs(word.x0 / width - hint.x) < 0.03 and abs(word.y0 / height - hint.y) < 0.02:
                    for value, shape in parse(segment.text):
                        evidence.add(
                            value, 0.75 * shape * self._pattern_factor(field, value), segment
                        )


# ---------------------------------------------------------------------------------------------
# Value parsers: text -> [(value, how clearly it has the field's shape)]


def _dates(text: str) -> list[tuple[Value, float]]:
    found = find_dates(text)
    return [(found[0][0], 1.0)] if found else []


def _amounts(text: str) -> list[tuple[Value, float]]:
    found = find_amounts(text)
    out: list[tuple[Value, float]] = []
    for index, money in enumerate(found):
        shape = 1.0 if money.decimals else 0.55
        if index < len(found) - 1:
            shape *= 0.7
        out.append((money.value, shape))
    return out


def _kid(text: str) -> list[tuple[Value, float]]:
    out: list[tuple[Value, float]] = []
    for run in find_digit_runs(text):
        if len(run.rstrip("-")) < 2 or len(run) > 25:
            continue
        out.append((run, 1.0 if cd.valid_kid(run) else 0.3))
    return out[:2]


def _accounts(text: str) -> list[tuple[Value, float]]:
    out: list[tuple[Value, float]] = []
    for number, grouped in find_kontonrs(text):
        out.append((number, (1.0 if grouped else 0.9) if cd.valid_kontonr(number) else 0.15))
    for candidate in find_iban_candidates(text):
        iban = cd.normalise_iban(candidate) if len(candidate) >= 15 else None
        if iban is not None:
            out.append((iban, 1.0))
            break
    return out


def _bics(text: str) -> list[tuple[Value, float]]:
    out: list[tuple[Value, float]] = [(bic, 1.0) for bic in find_bics(text) if cd.valid_bic(bic)]
    return out[:1]


def _orgnrs(text: str) -> list[tuple[Value, float]]:
    out: list[tuple[Value, float]] = [
        (n, 1.0 if cd.valid_orgnr(n) else 0.1) for n, _ in find_orgnrs(text)
    ]
    return out[:1]


def _reference(text: str) -> list[tuple[Value, float]]:
    ref = first_reference(text)
    return [(ref, 1.0)] if ref else []


def _free_text(text: str) -> list[tuple[Value, float]]:
    text = text.strip(" :")
    if not text or len(text) > 60 or (find_amounts(text) and not re.search(r"[A-Za-z]", text)):
        return []
    return [(text, 0.9)]


def _currency(text: str) -> list[tuple[Value, float]]:
    found = find_currencies(text)
    return [(found[0], 1.0)] if found else []


# ---------------------------------------------------------------------------------------------
# The extractor


@dataclass
class _Pick:
    value: Value | None
    confidence: float


def _best(
    evidence: _Evidence, floor: float = 0.05, check: Callable[[str], bool] | None = None
) -> _Pick:
    """The strongest value; a passed check digit makes a labelled value much surer."""
    ranked = evidence.ranked()
    if not ranked or ranked[0][1] < floor:
        return _Pick(None, 0.0)
    value, score = ranked[0]
    if check is not None and isinstance(value, str) and check(value) and score >= 0.3:
        score = 1 - (1 - score) * 0.35
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    ambiguity = 1 - 0.5 * (second / score) ** 2 if score > 0 else 0.0
    return _Pick(value, min(_CAP, score) * ambiguity)


def extract_invoice(
    pages: list[PageText], source: CaptureSource, hints: SupplierHints | None = None
) -> CanonicalInvoice:
    """The invoice fields found in the words, each with provenance (source and confidence)."""
    layout = build_layout(pages)
    reader = _Reader(layout, hints)
    picks: dict[str, _Pick] = {}

    kind = _kind(layout)
    picks["BT-1"] = _penalise(_best(reader.collect("BT-1", _reference)), 0.92)
    picks.update(_dates_pair(reader))
    picks["BT-83"] = _kid_pick(reader)
    picks["BT-84"] = _account_pick(reader)
    picks["BT-86"] = _best(reader.collect("BT-86", _bics), check=cd.valid_bic)
    taken = {str(picks[t].value) for t in ("BT-83", "BT-84") if picks[t].value is not None}
    seller_org, buyer_org, vat_marked = _orgnr_picks(reader, taken)
    picks["BT-30"], picks["BT-47"] = seller_org, buyer_org
    picks["BT-13"] = _penalise(_best(reader.collect("BT-13", _reference)), 0.85)
    picks["BT-10"] = _penalise(_best(reader.collect("BT-10", _free_text)), 0.8)

    lines = extract_lines(layout)
    for field in AMOUNT_FIELDS:
        reader.collect(field, _amounts, skip_headers=True)
    totals, total_picks, negative = _totals(reader, lines)
    picks.update(total_picks)
    if negative and kind is DocumentKind.INVOICE:
        kind = DocumentKind.CREDIT_NOTE
    if kind is DocumentKind.CREDIT_NOTE:
        totals = Totals(
            **{k: abs(v) if v is not None else None for k, v in totals.model_dump().items()}
        )
        lines = [
            ln.model_copy(
                update={"net_amount": abs(ln.net_amount) if ln.net_amount is not None else None}
            )
            for ln in lines
        ]
    picks["BT-5"] = _currency_pick(
        reader, seller_org.value is not None or picks["BT-84"].value is not None
    )

    seller_name, buyer_name = _names(reader, seller_org)
    picks["BT-27"], picks["BT-44"] = seller_name, buyer_name
    seller_orgnr = _str(seller_org.value)
    vat_id = cd.vat_id_for(seller_orgnr) if seller_orgnr and vat_marked else None
    if vat_id:
        picks["BT-31"] = _Pick(vat_id, seller_org.confidence * 0.95)

    ocr = _ocr_factor(pages) if source is CaptureSource.OCR else 1.0
    provenance = {
        term: Provenance(
            source=source, confidence=round(max(0.0, min(1.0, pick.confidence * ocr)), 3)
        )
        for term, pick in picks.items()
        if pick.value is not None
    }
    return CanonicalInvoice(
        kind=kind,
        type_code="381" if kind is DocumentKind.CREDIT_NOTE else "380",
        number=_str(picks["BT-1"].value),
        issue_date=_date(picks["BT-2"].value),
        due_date=_date(picks["BT-9"].value),
        currency=_str(picks["BT-5"].value),
        buyer_reference=_str(picks["BT-10"].value),
        order_reference=_str(picks["BT-13"].value),
        seller=Party(
            name=_str(seller_name.value),
            legal_id=seller_orgnr,
            vat_id=vat_id,
            endpoint_id=seller_orgnr,
            endpoint_scheme="0192" if seller_orgnr else None,
            country="NO" if seller_orgnr else None,
        ),
        buyer=Party(
            name=_str(buyer_name.value),
            legal_id=_str(buyer_org.value),
            endpoint_id=_str(buyer_org.value),
            endpoint_scheme="0192" if buyer_org.value else None,
        ),
        payment_means_code="30" if picks["BT-84"].value else None,
        payment_id=_str(picks["BT-83"].value),
        payment_account=_str(picks["BT-84"].value),
        payment_bic=_str(picks["BT-86"].value),
        totals=totals,
        lines=lines,
        provenance=provenance,
    )


def _str(value: Value | None) -> str | None:
    return value if isinstance(value, str) else None


def _date(value: Value | None) -> date | None:
    return value if isinstance(value, date) else None


def _penalise(pick: _Pick, factor: float) -> _Pick:
    return _Pick(pick.value, pick.confidence * factor)


def _ocr_factor(pages: list[PageText]) -> float:
    confidences = [w.confidence for p in pages for w in p.words]
    if not confidences:
        return 0.5
    return 0.7 + 0.3 * sum(confidences) / len(confidences)


def _kind(layout: Layout) -> DocumentKind:
    for segment in layout.segments:
        toks = tokens(segment.text)
        if len(segment.words) > 5 or not toks:
            continue
        if toks[0] in ("kreditnota", "creditnote", "kreditfaktura") or toks[:2] == [
            "credit",
            "note",
        ]:
            return DocumentKind.CREDIT_NOTE
    return DocumentKind.INVOICE


def _dates_pair(reader: _Reader) -> dict[str, _Pick]:
    issue = reader.collect("BT-2", _dates).ranked()[:5]
    due = reader.collect("BT-9", _dates).ranked()[:5]
    if not issue and not due:
        every = sorted({d for s in reader.layout.segments for d, _, _ in find_dates(s.text)})
        if not every:
            return {"BT-2": _Pick(None, 0.0), "BT-9": _Pick(None, 0.0)}
        return {
            "BT-2": _Pick(every[0], 0.3),
            "BT-9": _Pick(every[-1] if len(every) > 1 else None, 0.25),
        }
    best: tuple[float, Value | None, Value | None, float, float] = (-1.0, None, None, 0.0, 0.0)
    no_date: list[tuple[Value | None, float]] = [(None, 0.0)]
    issue_options: list[tuple[Value | None, float]] = [*issue] or no_date
    due_options: list[tuple[Value | None, float]] = [*due] or no_date
    for (i_val, i_score), (d_val, d_score) in product(issue_options, due_options):
        joint = i_score + d_score
        consistent = False
        if isinstance(i_val, date) and isinstance(d_val, date):
            days = (d_val - i_val).days
            if 0 <= days <= 120:
                joint += 0.3
                consistent = True
            elif days < 0:
                joint -= 0.6
            if i_val == d_val and i_score < 0.9 and d_score < 0.9:
                joint -= 0.4
        if joint > best[0]:
            bonus = 0.05 if consistent else 0.0
            best = (joint, i_val, d_val, i_score + bonus, d_score + bonus)
    _, i_val, d_val, i_conf, d_conf = best
    return {
        "BT-2": _Pick(i_val, min(_CAP, i_conf) * 0.95 * _margin(issue, i_val)),
        "BT-9": _Pick(d_val, min(_CAP, d_conf) * 0.95 * _margin(due, d_val)),
    }


def _margin(ranked: list[tuple[Value, float]], chosen: Value | None) -> float:
    scores = [s for v, s in ranked if v != chosen]
    mine = [s for v, s in ranked if v == chosen]
    if not scores or not mine or mine[0] <= 0:
        return 1.0
    return 1 - 0.5 * min(1.0, scores[0] / mine[0]) ** 2


def _kid_pick(reader: _Reader) -> _Pick:
    evidence = reader.collect("BT-83", _kid)
    if reader.hints.kid_length:
        for value, scores in evidence.scores.items():
            if isinstance(value, str) and len(value) == reader.hints.kid_length:
                scores.append(0.5)
    return _best(evidence, check=cd.valid_kid)


def _account_pick(reader: _Reader) -> _Pick:
    evidence = reader.collect("BT-84", _accounts)
    for segment in reader.layout.segments:
        for value, shape in _accounts(segment.text):
            if shape >= 0.9:
                evidence.add(value, 0.45 * shape, segment)
    for account in reader.hints.known_accounts:
        if account in evidence.scores:
            evidence.scores[account].append(0.9)
    pick = _best(evidence, check=lambda v: cd.valid_kontonr(v) or cd.valid_iban(v))
    if isinstance(pick.value, str) and pick.value.startswith("NO"):
        bban = cd.iban_to_bban(pick.value)
        if bban is not None and bban in evidence.scores:
            return _Pick(bban, pick.confidence)
    return pick


def _orgnr_picks(reader: _Reader, taken: set[str]) -> tuple[_Pick, _Pick, bool]:
    seller = reader.collect("BT-30", _orgnrs)
    buyer = reader.collect("BT-47", _orgnrs)
    marked: set[str] = set()
    for segment in reader.layout.segments:
        for number, vat_mark in find_orgnrs(segment.text):
            if not cd.valid_orgnr(number) or number in taken:
                continue
            if vat_mark:
                marked.add(number)
            role = _block_role(reader, segment)
            score = 0.35 + (0.3 if vat_mark else 0.0)
            if role == "BUYER":
                buyer.add(number, score + 0.3, segment)
                if number in seller.scores:
                    seller.scores[number] = [s * 0.2 for s in seller.scores[number]]
            else:
                seller.add(number, score + (0.2 if role == "SELLER" else 0.0), segment)
    if reader.hints.known_orgnr and reader.hints.known_orgnr in seller.scores:
        seller.scores[reader.hints.known_orgnr].append(0.95)
    seller_pick = _best(seller, floor=0.2, check=cd.valid_orgnr)
    buyer.scores.pop(seller_pick.value, None) if seller_pick.value is not None else None
    buyer_pick = _best(buyer, floor=0.3, check=cd.valid_orgnr)
    return (
        seller_pick,
        buyer_pick,
        isinstance(seller_pick.value, str) and seller_pick.value in marked,
    )


def _block_role(reader: _Reader, segment: Segment) -> str | None:
    """'BUYER' or 'SELLER' when the segment sits in a block headed by such a label."""
    for hit in reader.labels.get(id(segment), ()):
        if hit.strength < 0.5:
            continue
        if hit.field in ("BUYER", "BT-47"):
            return "BUYER"
        if hit.field == "SELLER":
            return "SELLER"
    lines = reader.layout.lines
    previous_y = segment.y0
    for line in reversed(lines[max(0, segment.line - 7) : segment.line]):
        if line.page != segment.page or previous_y - line.y1 > 2.5 * segment.height:
            break
        previous_y = line.y0
        for above in line.segments:
            if min(above.x1, segment.x1 + 40) - max(above.x0, segment.x0 - 40) <= 0:
                continue
            for hit in reader.labels.get(id(above), ()):
                if hit.at_start and hit.field == "BUYER":
                    return "BUYER"
                if hit.at_start and hit.field == "SELLER":
                    return "SELLER"
    return None


def _currency_pick(reader: _Reader, norwegian: bool) -> _Pick:
    evidence = reader.collect("BT-5", _currency)
    total_lines = {
        h.segment.line for f in ("BT-112", "BT-115", "BT-109", "BT-110") for h in reader.hits(f)
    }
    for segment in reader.layout.segments:
        for code in find_currencies(segment.text):
            evidence.add(code, 0.75 if segment.line in total_lines else 0.3, segment)
    pick = _best(evidence)
    if pick.value is None and norwegian:
        return _Pick("NOK", 0.7)
    return pick


def _names(reader: _Reader, seller_org: _Pick) -> tuple[_Pick, _Pick]:
    seller = _new()
    buyer = _new()
    org_segment = reader.evidence["BT-30"].where.get(seller_org.value) if seller_org.value else None
    segments = list(reader.layout.segments)
    tallest = max((s.height for s in segments if s.page == 1), default=10.0)
    for segment in segments:
        text = segment.text.strip(" ,")
        name = _company_name(text)
        if name is None:
            continue
        role = _block_role(reader, segment)
        score = 0.45
        if segment.height >= tallest * 0.95:
            score += 0.25
        if (
            org_segment is not None
            and segment.page == org_segment.page
            and 0 <= org_segment.line - segment.line <= 2
        ):
            score += 0.25
        if segment.page == 1 and segment.y0 < reader.layout.page_size(1)[1] * 0.2:
            score += 0.1
        if role == "BUYER":
            buyer.add(name, score + 0.2, segment)
        else:
            seller.add(name, score, segment)
    seller_pick = _penalise(_best(seller), 0.9)
    buyer.scores.pop(seller_pick.value, None) if seller_pick.value is not None else None
    return seller_pick, _penalise(_best(buyer), 0.85)


def _company_name(text: str) -> str | None:
    for label in ("Leverandør", "Kunde", "Supplier", "Customer", "Bill to", "Fra", "From", "Til"):
        if text.lower().startswith(label.lower()):
            text = text[len(label) :].lstrip(" :")
    words = text.split()
    if not 2 <= len(words) <= 7 or any(ch.isdigit() for ch in text):
        return None
    return text if _COMPANY_SUFFIX.search(text) else None


# ---------------------------------------------------------------------------------------------
# Totals


def _rate_ok(net: Decimal, vat: Decimal) -> bool:
    if net == 0:
        return vat == 0
    rate = vat / net * 100
    return any(abs(rate - r) <= Decimal("0.1") for r in NORWEGIAN_RATES) or 0 <= rate <= 27


_Combo = tuple[
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    bool,
    bool,
    bool,
]


def _totals(reader: _Reader, lines: list[InvoiceLine]) -> tuple[Totals, dict[str, _Pick], bool]:
    def top(field: str) -> list[tuple[Decimal | None, float]]:
        ranked = [(v, s) for v, s in reader.evidence[field].ranked() if isinstance(v, Decimal)]
        return [*ranked[:6], (None, 0.0)]

    nets, vats, grosses, payables = top("BT-109"), top("BT-110"), top("BT-112"), top("BT-115")
    roundings, prepaids = top("BT-114")[:2], top("BT-113")[:2]
    line_sum = sum((ln.net_amount for ln in lines if ln.net_amount is not None), Decimal(0))
    vat_score = dict(vats)
    best_score = -1.0
    best: _Combo = (None, None, None, None, None, None, False, False, False)
    for (net, s_net), (gross, s_gross), (pay, s_pay) in product(nets, grosses, payables):
        for vat, s_vat in _vat_options(vats, net, gross, vat_score):
            for (rnd, s_rnd), (pre, s_pre) in product(roundings, prepaids):
                score = s_net + s_vat + s_gross + s_pay + 0.5 * (s_rnd + s_pre)
                total = gross
                if total is None and pay is not None:
                    total = pay - (rnd or 0) + (pre or 0)
                adds = (
                    net is not None and vat is not None and total is not None and net + vat == total
                )
                if adds:
                    score += 1.2
                if net is not None and vat is not None and _rate_ok(abs(net), abs(vat)):
                    score += 0.2
                elif net is not None and vat is not None:
                    score -= 0.5
                base = gross if gross is not None else None
                pays = False
                if base is not None and pay is not None:
                    expected = base + (rnd or 0) - (pre or 0)
                    pays = pay == expected
                    score += 0.6 if pays else -0.3
                    if (rnd is not None or pre is not None) and not pays:
                        score -= 1.0
                lines_ok = bool(lines) and net is not None and abs(line_sum) == abs(net)
                if lines_ok:
                    score += 0.6
                if score > best_score:
                    best_score = score
                    best = (net, vat, gross, pay, rnd, pre, adds, pays, lines_ok)
    net, vat, gross, pay, rnd, pre, adds, pays, lines_ok = best
    picks: dict[str, _Pick] = {}

    def conf(field: str, value: Decimal | None, confirmed: bool) -> None:
        if value is None:
            return
        label = max((s for v, s in reader.evidence[field].ranked() if v == value), default=0.0)
        c = min(_CAP, label) * _margin(reader.evidence[field].ranked(), value)
        if confirmed:
            c = 1 - (1 - max(c, 0.4)) * 0.08
        picks[field] = _Pick(value, min(_CAP + 0.02, c))

    conf("BT-109", net, adds or lines_ok)
    conf("BT-110", vat, adds)
    conf("BT-112", gross, adds or pays)
    conf("BT-115", pay, pays or (adds and gross is None))
    conf("BT-114", rnd, pays)
    conf("BT-113", pre, pays)
    # Fill what the document implies but does not print, less sure.
    if gross is None and pay is not None and rnd is None and pre is None:
        gross = pay
        picks["BT-112"] = _Pick(gross, picks["BT-115"].confidence * 0.8)
    if pay is None and gross is not None:
        pay = gross + (rnd or 0) - (pre or 0)
        picks["BT-115"] = _Pick(pay, picks["BT-112"].confidence * 0.8)
    if net is None and gross is not None and vat is not None and _rate_ok(gross - vat, vat):
        net = gross - vat
        picks["BT-109"] = _Pick(
            net, min(picks["BT-112"].confidence, picks["BT-110"].confidence) * 0.8
        )
    if vat is None and net is not None and gross is not None and _rate_ok(net, gross - net):
        vat = gross - net
        picks["BT-110"] = _Pick(
            vat, min(picks["BT-112"].confidence, picks["BT-109"].confidence) * 0.8
        )
    line_extension = line_sum if lines_ok else (net if net is not None and rnd is None else None)
    if line_extension is not None:
        picks["BT-106"] = _Pick(
            line_extension, 0.95 if lines_ok else picks["BT-109"].confidence * 0.8
        )
    negative = any(v is not None and v < 0 for v in (pay, gross, net))
    totals = Totals(
        line_extension=line_extension,
        tax_exclusive=net,
        tax=vat,
        tax_inclusive=gross,
        prepaid=pre,
        rounding=rnd,
        payable=pay,
    )
    return totals, picks, negative


def _vat_options(
    vats: list[tuple[Decimal | None, float]],
    net: Decimal | None,
    gross: Decimal | None,
    vat_score: dict[Decimal | None, float],
) -> Iterable[tuple[Decimal | None, float]]:
    yield from vats
    if net is not None and gross is not None:
        implied = (gross - net).quantize(CENT)
        if implied not in vat_score and implied == 0:
            yield implied, 0.3
