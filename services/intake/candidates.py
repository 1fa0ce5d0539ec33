"""Reading helpers for the invoice extractor: layout, labels and typed values.

Nothing here knows a supplier or a layout. Words become lines and segments (runs of words with
ordinary spacing), segments are searched for Norwegian and English labels, and a label's value is
looked for in the rest of its segment, to its right on the same line, or below it in the same
column. Values are parsed into dates, money (Decimal) and identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from services.intake.words import PageText, Word

# ---------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class Segment:
    """Words on one line with ordinary spacing between them: a label, a value, or both."""

    page: int
    line: int
    """Index of the line in `Layout.lines`."""
    words: tuple[Word, ...]
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> float:
        return max(w.y1 - w.y0 for w in self.words)

    @property
    def confidence(self) -> float:
        return min(w.confidence for w in self.words)


@dataclass(frozen=True)
class Line:
    page: int
    index: int
    y0: float
    y1: float
    segments: tuple[Segment, ...]


@dataclass
class Layout:
    pages: list[PageText]
    lines: list[Line] = field(default_factory=list)

    @property
    def segments(self) -> Iterator[Segment]:
        for line in self.lines:
            yield from line.segments

    def page_size(self, page: int) -> tuple[float, float]:
        for p in self.pages:
            if p.number == page:
                return p.width, p.height
        return 595.0, 842.0

    def right_of(self, segment: Segment) -> list[Segment]:
        line = self.lines[segment.line]
        return [s for s in line.segments if s.x0 >= segment.x1 - 1]

    def below(self, x0: float, x1: float, segment: Segment, max_lines: int = 3) -> list[Segment]:
        """Segments in the next lines on the same page that overlap the span [x0, x1]."""
        found: list[Segment] = []
        limit = segment.y1 + max(4.0, segment.height) * (1.6 * max_lines + 0.5)
        for line in self.lines[segment.line + 1 :]:
            if line.page != segment.page or line.y0 > limit or len(found) >= max_lines:
                break
            hits = [s for s in line.segments if min(s.x1, x1) - max(s.x0, x0) > 0]
            if hits:
                found.append(max(hits, key=lambda s: min(s.x1, x1) - max(s.x0, x0)))
        return found


def build_layout(pages: list[PageText]) -> Layout:
    layout = Layout(pages=pages)
    for page in pages:
        for words in _group_lines(page.words):
            index = len(layout.lines)
            segments = tuple(
                Segment(
                    page=page.number,
                    line=index,
                    words=tuple(run),
                    x0=min(w.x0 for w in run),
                    y0=min(w.y0 for w in run),
                    x1=max(w.x1 for w in run),
                    y1=max(w.y1 for w in run),
                )
                for run in _split_segments(words)
            )
            if not segments:
                continue  # a line of separators only (OCR reads rules and boxes as '|', '—')
            layout.lines.append(
                Line(
                    page=page.number,
                    index=index,
                    y0=min(s.y0 for s in segments),
                    y1=max(s.y1 for s in segments),
                    segments=segments,
                )
            )
    return layout


def _group_lines(words: list[Word]) -> list[list[Word]]:
    lines: list[list[Word]] = []
    centre = -1e9
    height = 0.0
    for word in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        mid = (word.y0 + word.y1) / 2
        if lines and abs(mid - centre) <= 0.45 * max(height, word.y1 - word.y0, 1.0):
            lines[-1].append(word)
            continue
        lines.append([word])
        centre, height = mid, word.y1 - word.y0
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _split_segments(words: list[Word]) -> list[list[Word]]:
    runs: list[list[Word]] = [[]]
    prev: Word | None = None
    for word in words:
        size = max(word.y1 - word.y0, (prev.y1 - prev.y0) if prev else 1.0, 1.0)
        if word.text in _SEPARATOR_WORDS:
            runs.append([])
        elif prev is not None and word.x0 - prev.x1 > 0.85 * size:
            runs.append([word])
        else:
            runs[-1].append(word)
        prev = word
    return [run for run in runs if run]


_SEPARATOR_WORDS = {"·", "|", "•", "\u2013", "\u2014", "/", "-", "¦"}


# ---------------------------------------------------------------------------------------------
# Labels

_TOKEN = re.compile(r"[^\s.:;\-/#()\[\]|*,]+")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


#: Field -> (label phrase, strength). Phrases are matched token by token, case-insensitively.
LABELS: dict[str, list[tuple[str, float]]] = {
    "BT-1": [
        ("fakturanummer", 1.0),
        ("fakturanr", 1.0),
        ("faktura nr", 1.0),
        ("faktura nummer", 1.0),
        ("fakt nr", 0.9),
        ("kreditnotanummer", 1.0),
        ("kreditnotanr", 1.0),
        ("kreditnota nr", 1.0),
        ("invoice number", 1.0),
        ("invoice no", 1.0),
        ("invoice nr", 1.0),
        ("inv no", 0.9),
        ("credit note number", 1.0),
        ("credit note no", 1.0),
        ("invoice", 0.45),
        ("faktura", 0.35),
        ("kreditnota", 0.35),
        ("credit note", 0.35),
        ("bilagsnr", 0.5),
        ("dokumentnr", 0.6),
        ("document no", 0.6),
        ("nummer", 0.3),
    ],
    "BT-2": [
        ("fakturadato", 1.0),
        ("kreditnotadato", 1.0),
        ("invoice date", 1.0),
        ("issue date", 1.0),
        ("date of issue", 1.0),
        ("date issued", 1.0),
        ("dato", 0.6),
        ("date", 0.55),
        ("utstedt", 0.8),
        ("dokumentdato", 0.8),
        ("utstedelsesdato", 1.0),
    ],
    "BT-9": [
        ("forfallsdato", 1.0),
        ("forfall", 0.95),
        ("forfaller", 0.9),
        ("betalingsfrist", 0.9),
        ("due date", 1.0),
        ("payment due", 1.0),
        ("due", 0.8),
        ("betales innen", 0.8),
        ("pay by", 0.8),
        ("payment due date", 1.0),
        ("betal innen", 0.8),
    ],
    "BT-83": [
        ("kid", 1.0),
        ("kid nr", 1.0),
        ("kidnr", 1.0),
        ("kid nummer", 1.0),
        ("kundeidentifikasjon", 1.0),
        ("betalingsreferanse", 0.7),
        ("payment reference", 0.6),
    ],
    "BT-84": [
        ("kontonr", 1.0),
        ("kontonummer", 1.0),
        ("bankkonto", 1.0),
        ("bankkontonr", 1.0),
        ("konto", 0.8),
        ("til konto", 1.0),
        ("account no", 0.9),
        ("account number", 0.9),
        ("bank account", 1.0),
        ("account", 0.6),
        ("iban", 1.0),
        ("bankgiro", 0.6),
    ],
    "BT-86": [("bic", 1.0), ("swift", 1.0), ("bic swift", 1.0), ("swift code", 1.0)],
    "BT-30": [
        ("org nr", 1.0),
        ("orgnr", 1.0),
        ("organisasjonsnummer", 1.0),
        ("org nummer", 1.0),
        ("organisasjonsnr", 1.0),
        ("foretaksregisteret", 0.9),
        ("company reg no", 0.8),
        ("organization number", 0.9),
        ("organisation number", 0.9),
        ("reg no", 0.5),
        ("vat no", 0.7),
        ("vat reg no", 0.7),
        ("mva nr", 0.8),
        ("vat number", 0.7),
    ],
    "BT-47": [
        ("kundens org nr", 1.0),
        ("deres org nr", 1.0),
        ("kunde org nr", 1.0),
        ("customer org no", 1.0),
        ("customer vat", 1.0),
        ("buyer org no", 1.0),
        ("customer vat no", 1.0),
        ("buyer vat", 1.0),
        ("kundens orgnr", 1.0),
    ],
    "BT-10": [
        ("deres ref", 1.0),
        ("deres referanse", 1.0),
        ("your ref", 1.0),
        ("your reference", 1.0),
        ("buyer reference", 1.0),
        ("kundens ref", 0.9),
        ("bestiller", 0.6),
        ("attn", 0.6),
    ],
    "SELLER-REF": [
        ("vår ref", 1.0),
        ("vår referanse", 1.0),
        ("our ref", 1.0),
        ("our reference", 1.0),
        ("selger", 0.6),
        ("saksbehandler", 0.6),
    ],
    "BT-13": [
        ("ordrenr", 0.9),
        ("ordrenummer", 0.9),
        ("ordre nr", 0.9),
        ("bestillingsnr", 1.0),
        ("bestillingsnummer", 1.0),
        ("innkjøpsordre", 1.0),
        ("innkjøpsordrenr", 1.0),
        ("po number", 1.0),
        ("po no", 1.0),
        ("purchase order", 1.0),
        ("po", 0.8),
        ("order no", 0.9),
        ("order number", 0.9),
        ("deres ordrenr", 1.0),
        ("your order", 0.9),
        ("deres bestilling", 0.9),
        ("bestilling", 0.6),
    ],
    "BT-5": [("valuta", 1.0), ("currency", 1.0)],
    "BT-109": [
        ("sum eks mva", 1.0),
        ("sum ekskl mva", 1.0),
        ("sum eksklusive mva", 1.0),
        ("sum eksl mva", 1.0),
        ("totalt eks mva", 1.0),
        ("totalt ekskl mva", 1.0),
        ("beløp eks mva", 1.0),
        ("beløp ekskl mva", 1.0),
        ("eks mva", 0.85),
        ("ekskl mva", 0.85),
        ("netto", 0.8),
        ("nettobeløp", 0.9),
        ("nettosum", 0.9),
        ("sum netto", 0.9),
        ("mva grunnlag", 0.7),
        ("mvagrunnlag", 0.7),
        ("grunnlag", 0.55),
        ("avgiftsgrunnlag", 0.7),
        ("subtotal", 0.9),
        ("sub total", 0.9),
        ("total excl vat", 1.0),
        ("total excluding vat", 1.0),
        ("total ex vat", 1.0),
        ("amount excl vat", 1.0),
        ("net amount", 0.9),
        ("net total", 0.9),
        ("total net", 0.9),
        ("net", 0.6),
        ("sum ekskl merverdiavgift", 1.0),
        ("total before vat", 1.0),
        ("taxable amount", 0.8),
    ],
    "BT-110": [
        ("mva", 0.7),
        ("merverdiavgift", 0.85),
        ("sum mva", 1.0),
        ("total mva", 1.0),
        ("totalt mva", 1.0),
        ("mva beløp", 1.0),
        ("mvabeløp", 1.0),
        ("herav mva", 0.9),
        ("vat", 0.7),
        ("total vat", 1.0),
        ("vat amount", 1.0),
        ("tax", 0.5),
        ("tax amount", 0.8),
        ("sum merverdiavgift", 1.0),
        ("utgående mva", 0.9),
    ],
    "BT-112": [
        ("sum inkl mva", 1.0),
        ("totalt inkl mva", 1.0),
        ("sum inklusive mva", 1.0),
        ("total inkl mva", 1.0),
        ("beløp inkl mva", 1.0),
        ("inkl mva", 0.85),
        ("total incl vat", 1.0),
        ("total including vat", 1.0),
        ("total inc vat", 1.0),
        ("amount incl vat", 1.0),
        ("totalt", 0.55),
        ("total", 0.5),
        ("sum", 0.35),
        ("fakturabeløp", 0.8),
        ("fakturatotal", 0.8),
        ("invoice total", 0.8),
        ("brutto", 0.7),
        ("total amount", 0.7),
        ("sum total", 0.6),
        ("grand total", 0.8),
        ("sum inkl merverdiavgift", 1.0),
    ],
    "BT-115": [
        ("å betale", 1.0),
        ("beløp å betale", 1.0),
        ("totalt å betale", 1.0),
        ("sum å betale", 1.0),
        ("til betaling", 0.9),
        ("amount due", 1.0),
        ("total due", 1.0),
        ("balance due", 1.0),
        ("amount payable", 1.0),
        ("to pay", 0.7),
        ("total to pay", 1.0),
        ("please pay", 0.8),
        ("betalingsbeløp", 0.9),
        ("å godskrive", 0.9),
        ("til gode", 0.8),
        ("beløp", 0.45),
        ("kroner", 0.35),
        ("amount to pay", 1.0),
        ("due amount", 0.9),
        ("godskrives", 0.8),
        ("kreditert beløp", 0.9),
        ("credit amount", 0.8),
    ],
    "BT-114": [("øreavrunding", 1.0), ("avrunding", 0.9), ("rounding", 0.9)],
    "BT-113": [
        ("forskudd", 0.8),
        ("allerede betalt", 0.9),
        ("prepaid", 0.9),
        ("paid amount", 0.8),
        ("innbetalt", 0.7),
        ("amount paid", 0.8),
    ],
    "BUYER": [
        ("kunde", 0.8),
        ("faktureres til", 1.0),
        ("fakturamottaker", 1.0),
        ("mottaker", 0.7),
        ("bill to", 1.0),
        ("billed to", 1.0),
        ("invoice to", 1.0),
        ("customer", 0.8),
        ("buyer", 0.9),
        ("sold to", 1.0),
        ("kjøper", 0.9),
        ("betalt av", 0.7),
        ("leveringsadresse", 0.5),
        ("ship to", 0.5),
        ("deliver to", 0.5),
        ("til", 0.3),
    ],
    "SELLER": [
        ("leverandør", 0.9),
        ("selger", 0.6),
        ("fra", 0.3),
        ("from", 0.4),
        ("supplier", 0.9),
        ("seller", 0.9),
        ("betalt til", 0.7),
        ("betalingsmottaker", 0.9),
        ("avsender", 0.8),
        ("vendor", 0.9),
    ],
}

_PHRASES: list[tuple[tuple[str, ...], str, float]] = sorted(
    ((tuple(tokens(p)), f, s) for f, items in LABELS.items() for p, s in items),
    key=lambda item: -len(item[0]),
)
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
for _phrase in _PHRASES:
    _BY_FIRST.setdefault(_phrase[0][0], []).append(_phrase)


@dataclass(frozen=True)
class LabelHit:
    field: str
    strength: float
    segment: Segment
    start_word: int
    end_word: int
    """Index of the last word of the label in the segment."""
    rest: str
    """Text of the segment after the label."""
    at_start: bool

    @property
    def x0(self) -> float:
        return self.segment.words[self.start_word].x0

    @property
    def x1(self) -> float:
        return self.segment.words[self.end_word].x1


def _word_tokens(segment: Segment) -> list[tuple[str, int, int]]:
    """(token, word index, end offset of the token in the word's text)."""
    out: list[tuple[str, int, int]] = []
    for index, word in enumerate(segment.words):
        for match in _TOKEN.finditer(word.text):
            out.append((match.group().lower(), index, match.end()))
    return out


def find_labels(segment: Segment) -> list[LabelHit]:
    """Every label in the segment, longest phrase first, without overlaps."""
    toks = _word_tokens(segment)
    hits: list[LabelHit] = []
    i = 0
    while i < len(toks):
        best: tuple[tuple[str, ...], str, float] | None = None
        for phrase in _BY_FIRST.get(toks[i][0], ()):
            words = phrase[0]
            if tuple(t[0] for t in toks[i : i + len(words)]) == words:
                best = phrase
                break
        if best is None:
            i += 1
            continue
        last = toks[i + len(best[0]) - 1]
        word_text = segment.words[last[1]].text
        if last[2] < len(word_text) and word_text[last[2]] not in ":.#)":
            i += 1  # the label runs into a value ('PO-5521'): it is part of the value
            continue
        same_field = [p for p in _BY_FIRST.get(toks[i][0], ()) if p[0] == best[0]]
        rest = _rest_after(segment, last[1], last[2])
        for _, name, strength in same_field:
            hits.append(
                LabelHit(name, strength, segment, toks[i][1], last[1], rest, toks[i][1] == 0)
            )
        i += len(best[0])
    return hits


def _rest_after(segment: Segment, word_index: int, offset: int) -> str:
    tail = segment.words[word_index].text[offset:].lstrip(".:;)# ")
    rest = " ".join(w.text for w in segment.words[word_index + 1 :])
    return f"{tail} {rest}".strip(" :") if tail else rest.strip(" :")


# ---------------------------------------------------------------------------------------------
# Values

_MONTHS = {
    "januar": 1,
    "january": 1,
    "jan": 1,
    "februar": 2,
    "february": 2,
    "feb": 2,
    "mars": 3,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "desember": 12,
    "december": 12,
    "des": 12,
    "dec": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"""(?<![\d.])(?:
        (?P<d1>\d{{1,2}})[./-](?P<m1>\d{{1,2}})[./-](?P<y1>\d{{4}}|\d{{2}})(?![\d])
      | (?P<y2>\d{{4}})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})(?!\d)
      | (?P<d3>\d{{1,2}})\.?\s*(?P<m3>{_MONTH_RE})\.?,?\s+(?P<y3>\d{{4}})
      | (?P<m4>{_MONTH_RE})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}})
    )""",
    re.X | re.I,
)


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Dates and spans: 27.11.2026, 27/11/2026, 2026-11-27, 27. november 2026, Nov 27, 2026."""
    out: list[tuple[date, int, int]] = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        try:
            if g["d1"]:
                day, month, year = int(g["d1"]), int(g["m1"]), int(g["y1"])
                if month > 12 >= day:
                    day, month = month, day  # US style 11/27/2026
            elif g["y2"]:
                day, month, year = int(g["d2"]), int(g["m2"]), int(g["y2"])
            elif g["d3"]:
                day, month, year = int(g["d3"]), _MONTHS[g["m3"].lower()], int(g["y3"])
            else:
                day, month, year = int(g["d4"]), _MONTHS[g["m4"].lower()], int(g["y4"])
            if year < 100:
                year += 2000
            if not 1990 <= year <= 2100:
                continue
            out.append((date(year, month, day), m.start(), m.end()))
        except (ValueError, KeyError):
            continue
    return out


_CURRENCY_WORD = r"(?:kr\.?|nok|eur|usd|sek|dkk|gbp|chf|€|\$|£)"
_MONEY = re.compile(
    rf"""(?<![\w.,])
    (?P<sign>[-\u2212\u2013]\s?)?
    (?:{_CURRENCY_WORD}\s?)?
    (?P<sign2>[-\u2212\u2013]\s?)?
    (?P<num>
        \d{{1,3}}(?:[ .\u00a0']\d{{3}})+(?:,\d{{2}}|,-{{1,2}})?
      | \d{{1,3}}(?:,\d{{3}})+(?:\.\d{{2}})?
      | \d+(?:[.,]\d{{2}}|,-{{1,2}})?
    )
    (?P<trail>-(?![\d]))?
    (?!\s?%|[\w]|[.,]\d)""",
    re.X | re.I,
)


@dataclass(frozen=True)
class Money:
    value: Decimal
    decimals: bool
    """Written with decimals (or ',-'): surely an amount, not a count or an id."""


def find_amounts(text: str) -> list[Money]:
    """Money in Norwegian and English notation; dates are skipped, percentages ignored."""
    for _, start, end in reversed(find_dates(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    out: list[Money] = []
    for m in _MONEY.finditer(text):
        parsed = parse_money(m.group("num"))
        if parsed is None:
            continue
        negative = bool(m.group("sign") or m.group("sign2") or m.group("trail"))
        decimals = bool(re.search(r"[.,](\d{2}|-{1,2})$", m.group("num")))
        out.append(Money(-parsed if negative else parsed, decimals))
    return out


def parse_money(raw: str) -> Decimal | None:
    """'1 234,50', '1.234,50', '1,234.50', '1234.50', '1 234,-' -> Decimal."""
    text = raw.replace("\u00a0", " ").replace("'", " ").strip()
    text = re.sub(r",-{1,2}$", "", text)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{2})?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:,\d{2})?", text):
        text = text.replace(" ", "").replace(".", "").replace(",", ".")
    else:
        text = text.replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01"))


CURRENCY_CODES = ("NOK", "EUR", "USD", "SEK", "DKK", "GBP", "CHF", "PLN", "JPY", "CAD")
CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "kr": "NOK", "kr.": "NOK"}


def find_currencies(text: str) -> list[str]:
    out: list[str] = []
    for token in re.findall(r"(?<![A-Za-zÆØÅæøå])(?:[A-Za-z]{2,3})(?![A-Za-zÆØÅæøå])|[€$£]", text):
        upper = token.upper()
        if upper in CURRENCY_CODES:
            out.append(upper)
        elif token.lower() in CURRENCY_SYMBOLS or token in CURRENCY_SYMBOLS:
            out.append(CURRENCY_SYMBOLS.get(token.lower(), CURRENCY_SYMBOLS.get(token, "")))
    return [c for c in out if c]


_ORGNR = re.compile(
    r"(?<![\d])(?P<no>NO\s?)?(?P<num>\d{3}\s?\d{3}\s?\d{3})(?P<mva>\s?MVA)?(?!\d)", re.I
)
_KONTONR = re.compile(r"(?<![\d.])(\d{4}([ .]?)\d{2}\2\d{5})(?![\d])")
_IBAN_START = re.compile(r"\b([A-Z]{2}\d{2})((?:\s?[A-Z0-9]){10,32})", re.I)
_BIC = re.compile(r"\b([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
_DIGITS = re.compile(r"(?<![\d.,])(\d(?:[\d ]{0,30}\d)?-?)(?!\d|[.,]\d)")


def find_orgnrs(text: str) -> list[tuple[str, bool]]:
    """(nine digits, marked as VAT-registered by 'NO … MVA')."""
    return [
        (m.group("num").replace(" ", ""), bool(m.group("mva")) or bool(m.group("no")))
        for m in _ORGNR.finditer(text)
    ]


def find_kontonrs(text: str) -> list[tuple[str, bool]]:
    """(eleven digits, written in the 4.2.5 grouping)."""
    out = []
    for m in _KONTONR.finditer(text):
        out.append((re.sub(r"[ .]", "", m.group(1)), bool(m.group(2))))
    return out


def find_iban_candidates(text: str) -> list[str]:
    """Compact strings that may be IBANs, longest first for each start (validate them)."""
    out: list[str] = []
    for m in _IBAN_START.finditer(text):
        body = re.sub(r"\s", "", m.group(2)).upper()
        for end in range(min(len(body), 30), 10, -1):
            out.append(m.group(1).upper() + body[:end])
    return out


def find_bics(text: str) -> list[str]:
    return [m.group(1) for m in _BIC.finditer(text)]


def find_digit_runs(text: str) -> list[str]:
    """Runs of digits (spaces inside allowed, MOD11 KIDs may end in '-'), compacted."""
    return [m.group(1).replace(" ", "") for m in _DIGITS.finditer(text)]


_REFERENCE = re.compile(r"[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå\-/_.]{0,34}")


def first_reference(text: str) -> str | None:
    """The first token that can be a document number: has a digit, is not a date or an amount."""
    m = _REFERENCE.search(text)
    if m is None or m.start() > 2:
        return None
    token = m.group().rstrip(".-/")
    if not any(ch.isdigit() for ch in token) or (len(token) < 2 and not token.isdigit()):
        return None
    if find_dates(token) or re.fullmatch(r"\d{1,3}([ .]\d{3})*,\d{2}", token):
        return None
    return token
