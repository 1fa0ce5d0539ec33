"""Synthetic Norwegian supplier invoices with known truth, for the intake benchmark.

`generate(n, seed)` draws `n` invoices (round-robin over `LAYOUTS`, so any n >= 9 has every
layout) as text PDFs with reportlab; `scan()` turns a PDF into what a scanner would deliver
(rasterised, slightly rotated, noisy). Everything is seeded: the same (n, seed) gives the same
bytes.

The truth is valid Norwegian data: organisation numbers and account numbers carry correct MOD11
check digits, KIDs a MOD10 (Luhn) or MOD11 check digit, foreign IBANs a correct MOD97 check, and
the amounts add up (lines -> net per VAT rate -> VAT -> total). Credit notes carry their amounts
as positive numbers in the truth (as a UBL CreditNote does); on paper they are printed with or
without a minus sign.

The layouts live here and only here: the extractor must never key on a layout's identity.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FIELDS = (
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "payable",
    "vat",
    "supplier_orgnr",
    "kid",
    "account",
)

LAYOUTS = (
    "one_column",
    "two_column",
    "table_heavy",
    "logo_header",
    "giro",
    "foreign_en",
    "credit_note",
    "multipage",
    "letter",
)

CENT = Decimal("0.01")
W, H = A4

# --------------------------------------------------------------------------------------------
# Truth


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    net: Decimal
    discount: Decimal = Decimal(0)
    item_no: str = ""


@dataclass(frozen=True)
class Truth:
    invoice_number: str
    issue_date: date
    due_date: date
    currency: str
    payable: Decimal
    vat: Decimal
    supplier_orgnr: str
    kid: str | None
    account: str
    """11-digit Norwegian BBAN, or an IBAN without spaces for foreign suppliers."""
    lines: tuple[Line, ...] = ()
    net: Decimal = Decimal(0)
    vat_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()
    """(rate, basis, vat) per VAT rate."""
    kind: str = "invoice"
    """"invoice" or "credit-note"."""
    supplier_name: str = ""
    buyer_name: str = ""

    def fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS}


@dataclass(frozen=True)
class Sample:
    id: str
    layout: str
    pdf: bytes
    truth: Truth
    printed: dict[str, str] = field(default_factory=dict)
    """How the truth values were printed (number, issue_date, due_date, payable, vat, orgnr,
    kid, account), so tests can find them in the PDF text."""
    pages: int = 1
    font: str = ""


# --------------------------------------------------------------------------------------------
# Check digits


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    """The MOD11 check digit, or None when the remainder makes it 10 (number not issued)."""
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if rest == 0:
        return 0
    check = 11 - rest
    return None if check == 10 else check


ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def valid_orgnr(value: str) -> bool:
    return len(value) == 9 and value.isdigit() and _mod11(value[:8], ORGNR_WEIGHTS) == int(value[8])


def valid_account(value: str) -> bool:
    return (
        len(value) == 11
        and value.isdigit()
        and _mod11(value[:10], ACCOUNT_WEIGHTS) == int(value[10])
    )


def luhn_digit(payload: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def kid_mod11_digit(payload: str) -> int | None:
    weights = tuple((i % 6) + 2 for i in range(len(payload)))[::-1]
    return _mod11(payload, weights)


def valid_kid(value: str) -> bool:
    if not (2 <= len(value) <= 25 and value.isdigit()):
        return False
    payload, check = value[:-1], int(value[-1])
    return luhn_digit(payload) == check or kid_mod11_digit(payload) == check


def _iban_check(country: str, bban: str) -> str:
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def valid_iban(value: str) -> bool:
    v = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", v):
        return False
    numeric = "".join(str(int(ch, 36)) for ch in v[4:] + v[:4])
    return int(numeric) % 97 == 1


def norwegian_iban(bban: str) -> str:
    return "NO" + _iban_check("NO", bban) + bban


# --------------------------------------------------------------------------------------------
# Formatting

MONEY_FORMATS = {
    "space_comma": (" ", ","),  # 1 234,50
    "dot_comma": (".", ","),  # 1.234,50
    "plain_comma": ("", ","),  # 1234,50
    "plain_dot": ("", "."),  # 1234.50
    "comma_dot": (",", "."),  # 1,234.50
}
NO_MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]
EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def money(value: Decimal, fmt: str, *, negative: bool = False) -> str:
    thousands, decimal_sep = MONEY_FORMATS[fmt]
    value = value.quantize(CENT, ROUND_HALF_UP)
    sign = "-" if (value < 0) != negative and value != 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    if thousands:
        whole = re.sub(r"(\d)(?=(\d{3})+$)", r"\1" + thousands, whole)
    return f"{sign}{whole}{decimal_sep}{frac}"


def quantity(value: Decimal, fmt: str) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}".replace(".", MONEY_FORMATS[fmt][1])


def fmt_date(d: date, fmt: str) -> str:
    if fmt == "dmy_dot":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if fmt == "dmy_slash":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if fmt == "iso":
        return d.isoformat()
    if fmt == "long_no":
        return f"{d.day}. {NO_MONTHS[d.month - 1]} {d.year}"
    if fmt == "en_mdy":
        return f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"
    if fmt == "en_dmy":
        return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"
    raise ValueError(fmt)


def fmt_account(acct: str, style: str) -> str:
    if style == "dots":
        return f"{acct[:4]}.{acct[4:6]}.{acct[6:]}"
    if style == "spaces":
        return f"{acct[:4]} {acct[4:6]} {acct[6:]}"
    if style == "groups4":
        return " ".join(acct[i : i + 4] for i in range(0, len(acct), 4))
    return acct


def fmt_orgnr(orgnr: str, spaced: bool) -> str:
    return f"{orgnr[:3]} {orgnr[3:6]} {orgnr[6:]}" if spaced else orgnr


# --------------------------------------------------------------------------------------------
# Fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FAMILIES = (
    ("Helvetica", "Helvetica", "Helvetica-Bold", None),
    ("Times", "Times-Roman", "Times-Bold", None),
    ("Courier", "Courier", "Courier-Bold", None),
    ("DejaVuSans", "DejaVuSans", "DejaVuSans-Bold", ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")),
    ("DejaVuSerif", "DejaVuSerif", "DejaVuSerif-Bold", ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf")),
    (
        "DejaVuSansCondensed",
        "DejaVuSansCondensed",
        "DejaVuSansCondensed-Bold",
        ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    ),
)
_registered: dict[str, tuple[str, str]] = {}


def font_families() -> dict[str, tuple[str, str]]:
    """Family -> (regular, bold). DejaVu (for æøå in a TTF) when installed, else standard."""
    if _registered:
        return _registered
    for family, regular, bold, files in _FAMILIES:
        if files is None:
            _registered[family] = (regular, bold)
            continue
        paths = [DEJAVU / f for f in files]
        if all(p.exists() for p in paths):
            try:
                pdfmetrics.registerFont(TTFont(regular, str(paths[0])))
                pdfmetrics.registerFont(TTFont(bold, str(paths[1])))
            except Exception:  # a broken font file: fall back to the standard fonts
                _registered[family] = ("Helvetica", "Helvetica-Bold")
            else:
                _registered[family] = (regular, bold)
        else:
            _registered[family] = ("Helvetica", "Helvetica-Bold")
    return _registered


# --------------------------------------------------------------------------------------------
# Vocabulary

SUPPLIERS = (
    "Fjordkraft Elektro AS",
    "Nordlys Rørlegger AS",
    "Bergen Kontorutstyr AS",
    "Trøndelag Transport AS",
    "Vestland Bygg og Anlegg AS",
    "Hansen & Sønn Maskin AS",
    "Øst-Agder Renhold AS",
    "Kaffebrenneriet Drift AS",
    "Lofoten Sjømat AS",
    "Tromsø IT-Partner AS",
    "Mjøsa Regnskap AS",
    "Skagerak Emballasje AS",
    "Ålesund Verktøy AS",
    "Polar Catering AS",
    "Sørlandet Trykkeri AS",
    "Bjørnstad Eiendomsservice AS",
    "Hardanger Frukt og Grønt AS",
    "Nøtterøy Elektro ANS",
    "Kvalitetsbygg Rogaland AS",
    "Lillehammer Hotelldrift AS",
)
FOREIGN_SUPPLIERS = (
    ("Müller Industrietechnik GmbH", "DE"),
    ("Nordic Cloud Services Ltd", "IE"),
    ("Van der Berg Logistics B.V.", "NL"),
    ("Brightline Analytics Ltd", "GB"),
    ("Schäfer Messtechnik GmbH", "DE"),
    ("Atlantic Software Solutions Ltd", "IE"),
)
BUYERS = (
    "Fjellheim Eiendom AS",
    "Solberg Consulting AS",
    "Haugland Entreprenør AS",
    "Vik & Berg Advokatfirma DA",
    "Nordic Seafood Trading AS",
    "Kristiansand Tannklinikk AS",
    "Grønland Barnehage SA",
    "Strand Arkitekter AS",
    "Oslo Sykkelverksted AS",
    "Aasen Landbruk",
)
PEOPLE = (
    "Kari Nordmann",
    "Ola Hansen",
    "Ingrid Bakke",
    "Lars Østby",
    "Silje Åsheim",
    "Per Kristiansen",
    "Nina Lie",
    "Håkon Dahl",
)
STREETS = (
    "Storgata",
    "Kongens gate",
    "Industriveien",
    "Strandkaien",
    "Fjellveien",
    "Sjøgata",
    "Bryggen",
    "Løkkeveien",
    "Møllergata",
    "Tærudgata",
)
PLACES = (
    ("0150", "Oslo"),
    ("5003", "Bergen"),
    ("7010", "Trondheim"),
    ("4006", "Stavanger"),
    ("9008", "Tromsø"),
    ("2317", "Hamar"),
    ("6002", "Ålesund"),
    ("4610", "Kristiansand"),
    ("8006", "Bodø"),
    ("3015", "Drammen"),
)
BANKS_NO = (
    ("DNB Bank ASA", "DNBANOKK", ("1503", "1506", "1607", "1644", "1254", "1813")),
    ("Nordea Bank", "NDEANOKK", ("6011", "6345", "7058", "8601")),
    ("SpareBank 1 SR-Bank", "SPRONO22", ("3201", "3208", "3000")),
    ("Sparebanken Vest", "SPAVNOBB", ("3624", "3625", "3628")),
    ("Handelsbanken", "HANDNOKK", ("9040", "9041", "9710")),
)
FOREIGN = {
    "DE": {
        "street": ("Friedrichstraße 112", "Hafenstraße 8", "Industriering 45"),
        "city": ("10117 Berlin", "20457 Hamburg", "80331 München"),
        "country": "Germany",
        "phone": "+49 30 {a:04d} {b:03d}",
        "bank": ("Deutsche Bank AG", "DEUTDEFF"),
        "vat": "DE{d9}",
        "reg": "Registered at Amtsgericht Charlottenburg, HRB {d5}",
    },
    "IE": {
        "street": ("2 Grand Canal Square", "40 Sir John Rogerson's Quay"),
        "city": ("Dublin 2, D02 A342",),
        "country": "Ireland",
        "phone": "+353 1 {a:04d} {b:03d}",
        "bank": ("Allied Irish Banks plc", "AIBKIE2D"),
        "vat": "IE{d7}A",
        "reg": "Registered in Ireland No. {d6}",
    },
    "NL": {
        "street": ("Keizersgracht 221", "Westblaak 70"),
        "city": ("1016 DV Amsterdam", "3012 KM Rotterdam"),
        "country": "Netherlands",
        "phone": "+31 20 {a:04d} {b:03d}",
        "bank": ("ABN AMRO Bank N.V.", "ABNANL2A"),
        "vat": "NL{d9}B01",
        "reg": "KvK {d8}",
    },
    "GB": {
        "street": ("14 Bishopsgate", "221 Deansgate"),
        "city": ("London EC2N 4AJ", "Manchester M3 4EN"),
        "country": "United Kingdom",
        "phone": "+44 20 {a:04d} {b:04d}",
        "bank": ("NatWest Bank plc", "NWBKGB2L"),
        "vat": "GB{d9}",
        "reg": "Registered in England and Wales No. {d8}",
    },
}

# description, unit, price low, price high, VAT rate, quantity kind
ITEMS_NO = (
    ("Konsulentbistand", "t", 850, 1650, 25, "hours"),
    ("Timer montør", "t", 650, 980, 25, "hours"),
    ("Rørdeler, diverse", "stk", 45, 890, 25, "int"),
    ("Kopipapir A4 80 g, 5 x 500 ark", "eske", 219, 349, 25, "int"),
    ("Blekkpatron sort", "stk", 189, 649, 25, "int"),
    ("Programvarelisens, månedlig", "mnd", 290, 4900, 25, "one"),
    ("Frakt", "stk", 95, 690, 25, "one"),
    ("Leie av lift, døgn", "døgn", 1200, 3400, 25, "int"),
    ("Kaffe, hele bønner 1 kg", "pk", 189, 329, 15, "int"),
    ("Frukt- og grønnsakskasse", "kasse", 249, 599, 15, "int"),
    ("Lunsjcatering, pr. person", "pers", 129, 289, 15, "int"),
    ("Mineralvann 0,5 l, 24 stk", "kasse", 159, 299, 15, "int"),
    ("Overnatting enkeltrom", "natt", 990, 2190, 12, "int"),
    ("Persontransport, buss", "tur", 1450, 8900, 12, "one"),
    ("Drosje, bestillingstur", "tur", 289, 1290, 12, "one"),
    ("Renhold kontorlokaler", "mnd", 3500, 18500, 25, "one"),
    ("Vaktmestertjenester", "t", 540, 790, 25, "hours"),
    ("Strøm, forbruk", "kWh", 1, 3, 25, "kwh"),
    ("Containerleie 10 m3", "uke", 890, 1890, 25, "int"),
    ("Arbeidsjakke, str. L", "stk", 590, 1490, 25, "int"),
    ("Skruer 5 x 60, 200 stk", "pk", 89, 219, 25, "int"),
    ("Reparasjon av kaffemaskin", "stk", 1200, 4500, 25, "one"),
    ("Regnskapsføring", "mnd", 2500, 12000, 25, "one"),
    ("Lønnskjøring", "ansatt", 95, 190, 25, "int"),
    ("Annonse, nettavis", "uke", 4500, 19000, 25, "one"),
    ("Gulvbelegg, vinyl", "m2", 189, 459, 25, "int"),
    ("Servicebesøk varmepumpe", "stk", 1490, 2990, 25, "one"),
)
ITEMS_EN = (
    ("Cloud hosting, standard plan", "month", 49, 2900, 25, "one"),
    ("Software licence, annual", "seat", 120, 900, 25, "int"),
    ("Technical support", "h", 95, 180, 25, "hours"),
    ("Shipping and handling", "ea", 25, 250, 25, "one"),
    ("Industrial sensor module X200", "ea", 45, 890, 25, "int"),
    ("Training workshop", "day", 900, 2500, 25, "int"),
    ("Replacement parts kit", "kit", 120, 650, 25, "int"),
    ("Data storage, 1 TB", "month", 18, 95, 25, "int"),
)

LABELS_NO = {
    "number": ("Fakturanummer", "Fakturanr.", "Faktura nr.", "Fakturanr"),
    "issue": ("Fakturadato", "Dato", "Fakturadato"),
    "due": ("Forfallsdato", "Forfall", "Betalingsfrist", "Forfallsdato"),
    "kid": ("KID", "KID-nr.", "KID-nummer", "KID"),
    "account": ("Kontonummer", "Kontonr.", "Bankkonto", "Konto"),
    "net": ("Sum eks. mva", "Netto", "Sum ekskl. mva", "Beløp eks. mva"),
    "vat": ("MVA", "Merverdiavgift", "Sum mva", "Mva"),
    "payable": ("Å betale", "Totalt å betale", "Beløp å betale", "Sum å betale"),
    "customer": ("Kundenr.", "Kundenummer", "Kunde nr."),
    "order": ("Ordrenr.", "Ordrenummer", "Bestillingsnr."),
    "delivery": ("Leveringsdato", "Levert", "Leveringsdato"),
    "their_ref": ("Deres ref.", "Deres referanse"),
    "our_ref": ("Vår ref.", "Vår referanse"),
}
CREDIT_LABELS = {
    "number": ("Kreditnotanr.", "Kreditnota nr.", "Kreditnotanummer"),
    "issue": ("Dato", "Kreditnotadato", "Dato"),
    "payable": ("Til gode", "Sum kreditnota", "Beløp til gode", "Totalt kreditert"),
}
LABELS_EN = {
    "number": ("Invoice No.", "Invoice number", "Invoice #"),
    "issue": ("Invoice date", "Date of issue", "Invoice date"),
    "due": ("Due date", "Payment due", "Due date"),
    "net": ("Subtotal", "Net amount", "Subtotal"),
    "vat": ("VAT", "VAT", "Tax"),
    "payable": ("Amount due", "Total due", "Balance due"),
    "customer": ("Customer ID", "Customer No."),
    "order": ("PO number", "Your order", "Order ref."),
    "delivery": ("Delivery date", "Service period end"),
}


def _pick(rng: random.Random, table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {key: rng.choice(options) for key, options in sorted(table.items())}


# --------------------------------------------------------------------------------------------
# Drawing helpers (y measured from the top of the page, like services.intake.words)


@dataclass
class Style:
    family: str
    regular: str
    bold: str
    size: float
    money: str
    date: str
    labels: dict[str, str]
    english: bool = False
    negative: bool = False
    currency_mode: str = "code"
    accent: tuple[float, float, float] = (0.1, 0.25, 0.5)

    def m(self, value: Decimal) -> str:
        return money(value, self.money, negative=self.negative)

    def d(self, value: date) -> str:
        return fmt_date(value, self.date)


class Pen:
    def __init__(self, c: canvas.Canvas, st: Style) -> None:
        self.c = c
        self.st = st

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float | None = None,
        *,
        bold: bool = False,
        align: str = "left",
        font: str | None = None,
        color: tuple[float, float, float] | None = None,
        max_width: float | None = None,
    ) -> None:
        size = size or self.st.size
        name = font or (self.st.bold if bold else self.st.regular)
        if max_width is not None:
            # shrink to fit first (values are never cut), then cut long descriptions
            floor = size * 0.7
            while size > floor and pdfmetrics.stringWidth(s, name, size) > max_width:
                size -= 0.25
            while s and pdfmetrics.stringWidth(s, name, size) > max_width:
                s = s[:-1]
        self.c.setFont(name, size)
        if color:
            self.c.setFillColorRGB(*color)
        if align == "right":
            self.c.drawRightString(x, H - y, s)
        elif align == "center":
            self.c.drawCentredString(x, H - y, s)
        else:
            self.c.drawString(x, H - y, s)
        if color:
            self.c.setFillColorRGB(0, 0, 0)

    def width(self, s: str, size: float | None = None, *, bold: bool = False) -> float:
        return pdfmetrics.stringWidth(
            s, self.st.bold if bold else self.st.regular, size or self.st.size
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: tuple[float, float, float] | None = None,
        stroke: bool = True,
        line: float = 0.5,
    ) -> None:
        self.c.setLineWidth(line)
        if fill:
            self.c.setFillColorRGB(*fill)
        self.c.rect(x, H - y - h, w, h, stroke=int(stroke), fill=int(fill is not None))
        self.c.setFillColorRGB(0, 0, 0)

    def hline(
        self, x0: float, x1: float, y: float, *, line: float = 0.5, dash: bool = False
    ) -> None:
        self.c.setLineWidth(line)
        if dash:
            self.c.setDash(4, 3)
        self.c.line(x0, H - y, x1, H - y)
        if dash:
            self.c.setDash()

    def vline(self, x: float, y0: float, y1: float, *, line: float = 0.5) -> None:
        self.c.setLineWidth(line)
        self.c.line(x, H - y0, x, H - y1)


# --------------------------------------------------------------------------------------------
# Generation of one document's truth and context


@dataclass
class Party:
    name: str
    lines: list[str]
    orgnr: str
    phone: str
    email: str
    web: str
    country: str = "NO"
    bank: str = ""
    bic: str = ""
    vat_id: str = ""
    reg: str = ""


@dataclass
class Ctx:
    truth: Truth
    supplier: Party
    buyer: Party
    customer_no: str
    order_no: str
    delivery: date
    their_ref: str
    our_ref: str
    terms_days: int
    account_printed: str
    iban_printed: str
    orgnr_printed: str
    orgnr_text: str
    kid_printed: str
    show_buyer_orgnr: bool
    credited_invoice: str = ""
    credited_date: date | None = None
    printed: dict[str, str] = field(default_factory=dict)


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def make_orgnr(rng: random.Random) -> str:
    while True:
        head = _digits(rng, 8, "89")
        check = _mod11(head, ORGNR_WEIGHTS)
        if check is not None:
            return head + str(check)


def make_account(rng: random.Random, prefixes: tuple[str, ...]) -> str:
    while True:
        head = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(6))
        check = _mod11(head, ACCOUNT_WEIGHTS)
        if check is not None:
            return head + str(check)


def make_kid(rng: random.Random, seed_digits: str) -> str:
    while True:
        payload = seed_digits if seed_digits else _digits(rng, rng.randint(6, 14))
        if rng.random() < 0.7:
            return payload + str(luhn_digit(payload))
        check = kid_mod11_digit(payload)
        if check is not None:
            return payload + str(check)
        seed_digits = ""


def make_iban(rng: random.Random, country: str) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if country == "DE":
        bban = digits(18)
    elif country == "NL":
        bban = rng.choice(("ABNA", "INGB", "RABO")) + digits(10)
    elif country == "GB":
        bban = rng.choice(("NWBK", "BARC", "HBUK")) + digits(14)
    else:  # IE
        bban = rng.choice(("AIBK", "BOFI")) + digits(14)
    return country + _iban_check(country, bban) + bban


def _slug(name: str) -> str:
    base = name.lower().split(" as")[0].split(" gmbh")[0].split(" ltd")[0].split(" b.v")[0]
    base = base.replace("æ", "ae").replace("ø", "o").replace("å", "aa").replace("ü", "u")
    base = base.replace("ä", "a").replace("&", "og")
    return re.sub(r"[^a-z0-9]+", "", base)[:20] or "firma"


def _no_party(rng: random.Random, name: str) -> Party:
    postal, city = rng.choice(PLACES)
    street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}{rng.choice(['', '', 'B', 'A'])}"
    lines = [street, f"{postal} {city}"]
    if rng.random() < 0.2:
        lines.insert(0, f"Postboks {rng.randint(100, 9999)}")
    slug = _slug(name)
    phone = rng.choice(
        (
            f"+47 {rng.randint(21, 79)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            f"{rng.randint(21, 79)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            f"{rng.randint(400, 999)} {rng.randint(10, 99)} {rng.randint(100, 999)}",
        )
    )
    return Party(
        name=name,
        lines=lines,
        orgnr=make_orgnr(rng),
        phone=phone,
        email=f"{rng.choice(['post', 'faktura', 'regnskap', 'firmapost'])}@{slug}.no",
        web=f"www.{slug}.no",
    )


def _invoice_number(rng: random.Random, issue: date, english: bool, credit: bool) -> str:
    if credit:
        return rng.choice(
            (
                f"K-{rng.randint(1000, 99999)}",
                f"KN{issue.year}-{rng.randint(1, 999):03d}",
                str(rng.randint(10000, 999999)),
            )
        )
    if english:
        return rng.choice(
            (
                f"INV-{issue.year}-{rng.randint(1, 99999):05d}",
                f"{rng.choice(['US', 'EU', 'NB'])}-{rng.randint(100000, 999999)}",
                f"{issue.year}/{rng.randint(1, 9999):04d}",
                str(rng.randint(1000000, 9999999)),
            )
        )
    return rng.choice(
        (
            str(rng.randint(10000, 999999)),
            str(rng.randint(10000, 999999)),
            f"{issue.year}-{rng.randint(1, 9999):05d}",
            f"F{rng.randint(100000, 999999)}",
            f"{issue.strftime('%y')}{rng.randint(1000, 9999)}",
            f"INV-{rng.randint(1000, 99999)}",
        )
    )


def _lines(rng: random.Random, layout: str, english: bool, credit: bool) -> list[Line]:
    pool = ITEMS_EN if english else ITEMS_NO
    n = (
        rng.randint(40, 75)
        if layout == "multipage"
        else rng.randint(1, 3)
        if credit or layout == "giro"
        else rng.randint(1, 7)
    )
    # Most invoices have one VAT rate; some mix.
    if not english and rng.random() < 0.6:
        rate = rng.choice((25, 25, 25, 15, 12))
        same = [item for item in pool if item[4] == rate]
        pool = tuple(same) or pool
    discount_ok = layout == "table_heavy"
    out = []
    for _ in range(n):
        desc, unit, lo, hi, rate, kind = rng.choice(pool)
        if kind == "hours":
            qty = Decimal(str(rng.choice((1, 1.5, 2, 3.5, 4, 7.5, 8, 12, 16, 22.5, 37.5))))
        elif kind == "one":
            qty = Decimal(1)
        elif kind == "kwh":
            qty = Decimal(rng.randint(800, 9000))
        else:
            qty = Decimal(rng.randint(1, 24))
        if kind == "kwh":
            price = Decimal(rng.randint(40, 190)) / 100
        else:
            price = Decimal(rng.randint(lo * 100, hi * 100)) / 100
            if rng.random() < 0.5:
                price = price.to_integral_value()
        discount = Decimal(rng.choice((0, 0, 0, 5, 10, 15))) if discount_ok else Decimal(0)
        net = (qty * price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
        out.append(
            Line(
                description=desc,
                quantity=qty,
                unit=unit,
                unit_price=price.quantize(CENT),
                vat_rate=Decimal(rate),
                net=net,
                discount=discount,
                item_no=f"{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
            )
        )
    return out


def _context(rng: random.Random, layout: str) -> Ctx:
    english = layout == "foreign_en"
    credit = layout == "credit_note"
    issue = date(2025, 6, 1) + timedelta(days=rng.randrange(560))
    terms = rng.choice((10, 14, 14, 20, 30, 30, 45))
    due = issue + timedelta(days=terms)
    delivery = issue - timedelta(days=rng.randint(1, 20))

    if english:
        name, country = rng.choice(FOREIGN_SUPPLIERS)
        info = FOREIGN[country]
        supplier = Party(
            name=name,
            lines=[rng.choice(info["street"]), rng.choice(info["city"]), info["country"]],
            orgnr=make_orgnr(rng),
            phone=info["phone"].format(a=rng.randint(1000, 9999), b=rng.randint(100, 999)),
            email=f"billing@{_slug(name)}.com",
            web=f"www.{_slug(name)}.com",
            country=country,
            bank=info["bank"][0],
            bic=info["bank"][1],
            vat_id=info["vat"].format(
                d9=_digits(rng, 9), d7=_digits(rng, 7), d8=_digits(rng, 8), d6=_digits(rng, 6)
            ),
            reg=info["reg"].format(d5=_digits(rng, 5), d6=_digits(rng, 6), d8=_digits(rng, 8)),
        )
        account = make_iban(rng, country)
        currency = rng.choice(("EUR", "EUR", "USD")) if country != "GB" else "EUR"
    else:
        supplier = _no_party(rng, rng.choice(SUPPLIERS))
        bank, bic, prefixes = rng.choice(BANKS_NO)
        supplier.bank, supplier.bic = bank, bic
        account = make_account(rng, prefixes)
        currency = "NOK"
    buyer = _no_party(rng, rng.choice(BUYERS))
    if english:
        buyer.lines = [*buyer.lines, "Norway"]

    number = _invoice_number(rng, issue, english, credit)
    lines = _lines(rng, layout, english, credit)
    by_rate: dict[Decimal, Decimal] = {}
    for ln in lines:
        by_rate[ln.vat_rate] = by_rate.get(ln.vat_rate, Decimal(0)) + ln.net
    vat_rows = tuple(
        (rate, basis, (basis * rate / 100).quantize(CENT, ROUND_HALF_UP))
        for rate, basis in sorted(by_rate.items(), reverse=True)
    )
    net = sum((ln.net for ln in lines), Decimal(0))
    vat = sum((row[2] for row in vat_rows), Decimal(0))
    customer_no = str(rng.randint(1000, 99999))

    kid = None
    if not english and not credit and (layout == "giro" or rng.random() < 0.85):
        seed_digits = ""
        if number.isdigit() and rng.random() < 0.5:
            seed_digits = customer_no + number
        kid = make_kid(rng, seed_digits)

    truth = Truth(
        invoice_number=number,
        issue_date=issue,
        due_date=due,
        currency=currency,
        payable=net + vat,
        vat=vat,
        supplier_orgnr=supplier.orgnr,
        kid=kid,
        account=account,
        lines=tuple(lines),
        net=net,
        vat_by_rate=vat_rows,
        kind="credit-note" if credit else "invoice",
        supplier_name=supplier.name,
        buyer_name=buyer.name,
    )
    if english:
        account_printed = fmt_account(account, rng.choice(("groups4", "groups4", "plain")))
        iban_printed = account_printed
    else:
        account_printed = fmt_account(account, rng.choice(("dots", "dots", "spaces", "plain")))
        iban_printed = fmt_account(norwegian_iban(account), rng.choice(("groups4", "plain")))
    spaced = rng.random() < 0.6
    orgnr_printed = fmt_orgnr(supplier.orgnr, spaced)
    if english:
        orgnr_text = rng.choice(
            (
                f"Norwegian VAT reg. no. NO {orgnr_printed} MVA",
                f"Norwegian Org. No. {orgnr_printed}",
                f"NO VAT: NO{supplier.orgnr}MVA",
            )
        )
        if orgnr_text.startswith("NO VAT"):
            orgnr_printed = supplier.orgnr
    else:
        orgnr_text = rng.choice(
            (
                f"Org.nr. {orgnr_printed} MVA",
                f"Organisasjonsnummer: {orgnr_printed}",
                f"Foretaksregisteret NO {orgnr_printed} MVA",
                f"Org.nr: NO {orgnr_printed} MVA",
                f"Org. nr. {orgnr_printed}",
            )
        )
    credited = ""
    credited_date = None
    if credit:
        credited = str(rng.randint(10000, 999999))
        credited_date = issue - timedelta(days=rng.randint(5, 60))
    return Ctx(
        truth=truth,
        supplier=supplier,
        buyer=buyer,
        customer_no=customer_no,
        order_no=str(rng.randint(100000, 9999999)),
        delivery=delivery,
        their_ref=rng.choice(PEOPLE),
        our_ref=rng.choice(PEOPLE),
        terms_days=terms,
        account_printed=account_printed,
        iban_printed=iban_printed,
        orgnr_printed=orgnr_printed,
        orgnr_text=orgnr_text,
        kid_printed=kid or "",
        show_buyer_orgnr=rng.random() < 0.4,
        credited_invoice=credited,
        credited_date=credited_date,
    )


def _style(rng: random.Random, layout: str) -> Style:
    english = layout == "foreign_en"
    families = font_families()
    family = rng.choice([f[0] for f in _FAMILIES])
    regular, bold = families[family]
    if english:
        money_fmt = rng.choice(("comma_dot", "comma_dot", "plain_dot"))
        date_fmt = rng.choice(("en_mdy", "en_dmy", "iso"))
        labels = _pick(rng, LABELS_EN)
    else:
        money_fmt = rng.choice(
            ("space_comma", "space_comma", "space_comma", "dot_comma", "plain_comma", "plain_dot")
        )
        date_fmt = rng.choice(("dmy_dot", "dmy_dot", "dmy_dot", "dmy_slash", "iso", "long_no"))
        labels = _pick(rng, LABELS_NO)
        if layout == "credit_note":
            labels.update(_pick(rng, CREDIT_LABELS))
    size = 8.0 if family == "Courier" else rng.choice((8.5, 9.0, 9.5))
    accent = rng.choice(
        ((0.1, 0.25, 0.5), (0.0, 0.42, 0.35), (0.55, 0.1, 0.15), (0.2, 0.2, 0.2), (0.8, 0.4, 0.0))
    )
    return Style(
        family=family,
        regular=regular,
        bold=bold,
        size=size,
        money=money_fmt,
        date=date_fmt,
        labels=labels,
        english=english,
        negative=layout == "credit_note" and rng.random() < 0.5,
        currency_mode=rng.choice(("code", "code", "kr", "header", "note"))
        if not english
        else "code",
        accent=accent,
    )


# --------------------------------------------------------------------------------------------
# Shared blocks


def _party_block(p: Pen, x: float, y: float, party: Party, *, title: str = "", lead: float = 11.5):
    if title:
        p.text(x, y, title, p.st.size - 1, bold=True)
        y += lead
    p.text(x, y, party.name, p.st.size + 1, bold=True)
    y += lead + 1
    for line in party.lines:
        p.text(x, y, line)
        y += lead
    return y


def _buyer_block(p: Pen, x: float, y: float, ctx: Ctx, *, title: str = "") -> float:
    y = _party_block(p, x, y, ctx.buyer, title=title)
    if ctx.show_buyer_orgnr:
        label = "Org. no." if p.st.english else "Deres org.nr."
        p.text(x, y, f"{label} {fmt_orgnr(ctx.buyer.orgnr, True)}", p.st.size - 1)
        y += 11
    return y


def _kv_rows(ctx: Ctx, st: Style, keys: list[str]) -> list[tuple[str, str]]:
    t = ctx.truth
    lab = st.labels
    values = {
        "number": (lab["number"], t.invoice_number),
        "issue": (lab["issue"], st.d(t.issue_date)),
        "due": (lab["due"], st.d(t.due_date)),
        "customer": (lab["customer"], ctx.customer_no),
        "order": (lab["order"], ctx.order_no),
        "delivery": (lab["delivery"], st.d(ctx.delivery)),
        "their_ref": (lab.get("their_ref", "Your ref."), ctx.their_ref),
        "our_ref": (lab.get("our_ref", "Our ref."), ctx.our_ref),
        "kid": (lab.get("kid", "KID"), ctx.kid_printed),
        "account": (lab.get("account", "Account"), ctx.account_printed),
        "terms": (
            "Betalingsbet." if not st.english else "Payment terms",
            f"{ctx.terms_days} dager netto" if not st.english else f"Net {ctx.terms_days}",
        ),
        "currency": ("Valuta" if not st.english else "Currency", t.currency),
    }
    rows = []
    for key in keys:
        if key == "kid" and not t.kid:
            continue
        rows.append(values[key])
    return rows


def _amount_header(st: Style, ctx: Ctx, base: str = "Beløp") -> str:
    if st.english:
        return f"Amount ({ctx.truth.currency})"
    return f"{base} (NOK)" if st.currency_mode == "header" else base


def _cur(st: Style, ctx: Ctx, amount: str, *, strong: bool = False) -> str:
    """An amount with its currency the way this document writes it (on the key totals)."""
    if not strong:
        return amount
    if st.english:
        return f"{ctx.truth.currency} {amount}"
    if st.currency_mode == "code":
        return f"NOK {amount}"
    if st.currency_mode == "kr":
        return f"kr {amount}"
    return amount


def _line_table(
    p: Pen,
    x0: float,
    x1: float,
    y: float,
    ctx: Ctx,
    lines: tuple[Line, ...] | list[Line],
    *,
    grid: bool = False,
    zebra: bool = False,
    columns: str = "basic",
    header: bool = True,
    row_h: float = 14.0,
) -> float:
    """Draw invoice lines; returns the y below the table."""
    st = p.st
    en = st.english
    # (key, header, left edge, right edge, alignment) with edges as fractions of the width
    if columns == "full":
        cols = [
            ("item", "Varenr." if not en else "Item", 0.0, 0.11, "left"),
            ("desc", "Beskrivelse" if not en else "Description", 0.11, 0.46, "left"),
            ("qty", "Antall" if not en else "Qty", 0.46, 0.54, "right"),
            ("unit", "Enhet" if not en else "Unit", 0.54, 0.62, "left"),
            ("price", "Pris" if not en else "Price", 0.62, 0.75, "right"),
            ("disc", "Rab. %", 0.75, 0.81, "right"),
            ("rate", "MVA %" if not en else "VAT %", 0.81, 0.87, "right"),
            ("net", _amount_header(st, ctx), 0.87, 1.0, "right"),
        ]
    elif columns == "vat":
        cols = [
            ("desc", "Beskrivelse" if not en else "Description", 0.0, 0.50, "left"),
            ("qty", "Antall" if not en else "Qty", 0.50, 0.58, "right"),
            ("unit", "Enhet" if not en else "Unit", 0.58, 0.67, "left"),
            ("price", "Enhetspris" if not en else "Unit price", 0.67, 0.80, "right"),
            ("rate%", "MVA" if not en else "VAT", 0.80, 0.87, "right"),
            ("net", _amount_header(st, ctx), 0.87, 1.0, "right"),
        ]
    else:
        cols = [
            ("desc", "Beskrivelse" if not en else "Description", 0.0, 0.55, "left"),
            ("qty", "Antall" if not en else "Qty", 0.55, 0.65, "right"),
            ("price", "Pris" if not en else "Unit price", 0.65, 0.82, "right"),
            ("net", _amount_header(st, ctx, "Sum"), 0.82, 1.0, "right"),
        ]
    span = x1 - x0
    pad = 3.0 if grid else 0.0
    size = st.size - (0.5 if columns == "full" else 0)

    def cell(value: str, left: float, right: float, align: str, *, bold: bool = False) -> None:
        lx, rx = x0 + span * left, x0 + span * right
        if align == "right":
            p.text(rx - pad, y, value, size, bold=bold, align="right")
        else:
            inset = pad if left == 0 else pad + 4
            p.text(lx + inset, y, value, size, bold=bold, max_width=rx - lx - inset - 6)

    top = y - 11
    if header:
        if zebra or grid:
            p.rect(x0 - 3, y - 10, span + 6, row_h, fill=(0.87, 0.89, 0.92), stroke=False)
        for _, label, left, right, align in cols:
            cell(label, left, right, align, bold=True)
        p.hline(x0 - 3, x1 + 3, y + 4, line=0.8)
        y += row_h + 2
    for i, ln in enumerate(lines):
        if zebra and i % 2 == 1:
            p.rect(x0 - 3, y - 10, span + 6, row_h, fill=(0.94, 0.95, 0.96), stroke=False)
        vals = {
            "item": ln.item_no,
            "desc": ln.description,
            "qty": quantity(ln.quantity, st.money),
            "unit": ln.unit,
            "price": money(ln.unit_price, st.money),
            "disc": quantity(ln.discount, st.money) if ln.discount else "",
            "rate": f"{ln.vat_rate}",
            "rate%": f"{ln.vat_rate} %",
            "net": st.m(ln.net),
        }
        for key, _, left, right, align in cols:
            cell(vals[key], left, right, align)
        if grid:
            p.hline(x0 - 3, x1 + 3, y + 4, line=0.3)
        y += row_h
    if grid:
        bottom = y - row_h + 4
        for _, _, left, _, _ in cols[1:]:
            p.vline(x0 + span * left, top, bottom, line=0.3)
        p.rect(x0 - 3, top, span + 6, bottom - top, line=0.6)
    return y + 4


def _totals(
    p: Pen,
    xl: float,
    xr: float,
    y: float,
    ctx: Ctx,
    *,
    per_rate: bool = True,
    total_line: bool = True,
    big: bool = False,
    box: bool = False,
) -> float:
    st = p.st
    t = ctx.truth
    lab = st.labels
    rows: list[tuple[str, str, bool]] = [(lab["net"], st.m(t.net), False)]
    if per_rate or len(t.vat_by_rate) == 1:
        for rate, _basis, vat in t.vat_by_rate:
            label = f"{lab['vat']} {rate} %" if not st.english else f"{lab['vat']} {rate}%"
            rows.append((label, st.m(vat), False))
        if len(t.vat_by_rate) > 1:
            rows.append(("Sum mva" if not st.english else "Total VAT", st.m(t.vat), False))
    else:
        rows.append((lab["vat"], st.m(t.vat), False))
    if total_line and not st.english:
        rows.append(("Sum inkl. mva", st.m(t.payable), False))
    elif total_line:
        rows.append(("Total", st.m(t.payable), False))
    pay_label = lab["payable"]
    if st.english:
        pay_label = f"{pay_label} ({t.currency})" if st.currency_mode == "code" else pay_label
    rows.append((pay_label, _cur(st, ctx, st.m(t.payable), strong=True), True))
    if box:
        p.rect(xl - 6, y - 12, xr - xl + 12, 15 * len(rows) + 8, line=0.8)
    for label, value, strong in rows:
        if strong:
            p.hline(xl, xr, y - 10, line=0.8)
            size = st.size + (3 if big else 1)
            p.text(xl, y + (2 if big else 0), label, size, bold=True)
            p.text(xr, y + (2 if big else 0), value, size, bold=True, align="right")
            y += 18
        else:
            p.text(xl, y, label)
            p.text(xr, y, value, align="right")
            y += 14
    return y


def _noise_footer(p: Pen, y: float, ctx: Ctx) -> None:
    st = p.st
    if st.english:
        p.text(50, y, "Late payments are subject to interest according to applicable law.", 7)
        return
    p.text(
        50,
        y,
        "Ved forsinket betaling beregnes forsinkelsesrente etter forsinkelsesrenteloven "
        f"(p.t. 12,25 % p.a.). Purregebyr kr {money(Decimal(35), st.money)}.",
        7,
    )


def _currency_note(p: Pen, x: float, y: float, ctx: Ctx) -> None:
    if p.st.currency_mode == "note" and not p.st.english:
        p.text(x, y, "Alle beløp i NOK", p.st.size - 1)


# --------------------------------------------------------------------------------------------
# Layouts


def layout_one_column(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    y = 60.0
    p.text(50, y, s.name, st.size + 8, bold=True)
    y += 16
    p.text(50, y, ", ".join(s.lines) + f"  ·  Tlf. {s.phone}  ·  {s.email}", st.size - 1)
    y += 12
    p.text(50, y, ctx.orgnr_text, st.size - 1)
    y += 34
    p.text(50, y, "FAKTURA", st.size + 9, bold=True)
    y += 28
    y = _buyer_block(p, 50, y, ctx) + 16
    keys = ["number", "issue", "delivery", "due", "customer", "order", "their_ref"]
    if rng.random() < 0.5:
        keys += ["kid", "account"]
    inline = rng.random() < 0.5
    for label, value in _kv_rows(ctx, st, keys):
        if inline:
            p.text(50, y, f"{label}: {value}")
        else:
            p.text(50, y, label)
            p.text(170, y, value)
        y += 13
    y += 18
    _currency_note(p, 50, y - 6, ctx)
    y = _line_table(p, 50, 545, y + 8, ctx, t.lines)
    p.hline(330, 545, y - 6)
    y = _totals(p, 330, 545, y + 10, ctx, per_rate=rng.random() < 0.5)
    y += 24
    account = ctx.account_printed
    if t.kid:
        sentence = (
            f"Beløpet betales til konto {account} innen {st.d(t.due_date)}. "
            f"Bruk KID {ctx.kid_printed} ved betaling."
        )
    else:
        sentence = (
            f"Beløpet betales til konto {account} innen {st.d(t.due_date)}. "
            f"Merk betalingen med fakturanummer {t.invoice_number}."
        )
    p.text(50, y, sentence, st.size - 0.5, max_width=500)
    _noise_footer(p, 800, ctx)


def layout_two_column(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    p.text(50, 60, s.name, st.size + 5, bold=True)
    y = 76.0
    for line in s.lines:
        p.text(50, y, line, st.size - 0.5)
        y += 11
    _buyer_block(p, 50, 150, ctx, title=rng.choice(("Faktura til:", "Kunde", "")))
    p.text(545, 60, "Faktura", st.size + 12, bold=True, align="right")
    y = 100.0
    keys = ["number", "issue", "due", "customer", "their_ref", "our_ref", "delivery", "kid"]
    if rng.random() < 0.6:
        keys.append("account")
    for label, value in _kv_rows(ctx, st, keys):
        p.text(340, y, label, bold=rng.random() < 0.0)
        p.text(545, y, value, align="right")
        y += 14
    y = max(y, 230) + 20
    _currency_note(p, 50, y - 8, ctx)
    y = _line_table(p, 50, 545, y + 6, ctx, t.lines, columns="vat")
    p.hline(50, 545, y - 6, line=0.8)
    y = _totals(p, 340, 545, y + 12, ctx, per_rate=True)
    _noise_footer(p, 740, ctx)
    p.hline(50, 545, 755, line=0.5)
    cols = [
        [s.name, *s.lines],
        [f"Telefon {s.phone}", s.email, s.web],
        [st.labels["account"], ctx.account_printed, f"IBAN {ctx.iban_printed}", f"BIC {s.bic}"],
        ["Org.nr.", f"{ctx.orgnr_printed} MVA", "Foretaksregisteret"],
    ]
    for i, col in enumerate(cols):
        yy = 768.0
        for j, line in enumerate(col):
            p.text(50 + i * 128, yy, line, 7, bold=j == 0 and i >= 2, max_width=124)
            yy += 9


def layout_table_heavy(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    p.text(50, 55, s.name, st.size + 6, bold=True)
    yy = 50.0
    for line in [*s.lines, f"Tlf. {s.phone}", s.email]:
        p.text(545, yy, line, st.size - 1.5, align="right")
        yy += 10
    p.text(50, 80, ctx.orgnr_text, st.size - 1)
    _buyer_block(p, 50, 120, ctx)
    p.text(350, 130, "FAKTURA", st.size + 10, bold=True)

    def grid(y: float, cells: list[tuple[str, str]], x0: float = 50, x1: float = 545) -> float:
        w = (x1 - x0) / len(cells)
        p.rect(x0, y, x1 - x0, 30, line=0.6)
        p.rect(x0, y, x1 - x0, 12, fill=(0.9, 0.9, 0.9), stroke=False)
        for i, (label, value) in enumerate(cells):
            if i:
                p.vline(x0 + i * w, y, y + 30, line=0.4)
            p.text(x0 + i * w + 3, y + 9, label, st.size - 1.5, bold=True, max_width=w - 5)
            p.text(x0 + i * w + 3, y + 25, value, st.size - 0.5, max_width=w - 5)
        return y + 30

    y = 200.0
    y = grid(y, _kv_rows(ctx, st, ["number", "issue", "due", "customer", "order", "their_ref"]))
    y = grid(
        y + 6,
        [
            *_kv_rows(ctx, st, ["kid", "account"]),
            ("Org.nr.", ctx.orgnr_printed),
            *_kv_rows(ctx, st, ["currency", "terms"]),
        ],
    )
    y = _line_table(p, 53, 542, y + 26, ctx, t.lines, grid=True, columns="full")
    # VAT summary table
    y += 14
    x0 = 50.0
    heads = ["MVA-sats", "Grunnlag", "MVA-beløp", "Sum"]
    p.rect(x0, y - 10, 260, 14, fill=(0.9, 0.9, 0.9), stroke=False)
    for i, head in enumerate(heads):
        p.text(x0 + 60 + i * 65, y, head, st.size - 1, bold=True, align="right")
    y += 14
    for rate, basis, vat in t.vat_by_rate:
        cells = [f"{rate} %", st.m(basis), st.m(vat), st.m(basis + vat)]
        for i, cell in enumerate(cells):
            p.text(x0 + 60 + i * 65, y, cell, st.size - 1, align="right")
        y += 13
    p.rect(x0, y - 13 * (len(t.vat_by_rate) + 1) - 10, 260, 13 * (len(t.vat_by_rate) + 1) + 4)
    # totals as a table on the right
    ty = y - 13 * (len(t.vat_by_rate) + 1)
    rows = [
        (st.labels["net"], st.m(t.net)),
        (st.labels["vat"], st.m(t.vat)),
        (
            st.labels["payable"] + (" NOK" if st.currency_mode in ("code", "header") else ""),
            st.m(t.payable),
        ),
    ]
    for i, (label, value) in enumerate(rows):
        p.rect(340, ty - 10 + i * 16, 205, 16, line=0.5, fill=(0.9, 0.9, 0.9) if i == 2 else None)
        p.text(344, ty + 1 + i * 16, label, st.size, bold=i == 2)
        p.text(541, ty + 1 + i * 16, value, st.size, bold=i == 2, align="right")
    _noise_footer(p, 790, ctx)
    p.text(50, 805, f"{s.bank} · BIC {s.bic} · IBAN {ctx.iban_printed}", 7)


def layout_logo_header(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    p.rect(0, 0, W, 95, fill=st.accent, stroke=False)
    initials = "".join(w[0] for w in s.name.split()[:2]).upper()
    p.c.setFillColorRGB(1, 1, 1)
    if rng.random() < 0.5:
        p.c.circle(70, H - 48, 25, stroke=0, fill=1)
    else:
        p.c.roundRect(45, H - 73, 50, 50, 8, stroke=0, fill=1)
    p.text(70, 54, initials, 18, bold=True, align="center", color=st.accent)
    p.text(108, 48, s.name, st.size + 9, bold=True, color=(1, 1, 1))
    p.text(
        108,
        64,
        rng.choice(("Kvalitet siden 1987", "Din lokale leverandør", "Vi leverer")),
        st.size,
        color=(1, 1, 1),
    )
    p.text(545, 52, "FAKTURA", st.size + 12, bold=True, align="right", color=(1, 1, 1))
    _buyer_block(p, 55, 145, ctx)
    p.rect(335, 115, 215, 112, fill=(0.95, 0.95, 0.95), line=0.8)
    y = 132.0
    for label, value in _kv_rows(ctx, st, ["number", "issue", "due", "customer", "kid", "account"]):
        p.text(343, y, label, st.size - 0.5)
        p.text(543, y, value, st.size - 0.5, bold=True, align="right")
        y += 16
    p.text(
        55,
        230,
        f"{st.labels['delivery']}: {st.d(ctx.delivery)}   {st.labels['order']}: {ctx.order_no}",
        st.size - 1,
    )
    y = _line_table(p, 55, 545, 262, ctx, t.lines, zebra=True, columns="vat")
    y += 10
    rows = [(st.labels["net"], st.m(t.net)), (st.labels["vat"], st.m(t.vat))]
    for label, value in rows:
        p.text(340, y, label)
        p.text(545, y, value, align="right")
        y += 14
    p.rect(330, y - 4, 220, 28, fill=st.accent, stroke=False)
    label = st.labels["payable"] + (" NOK" if st.currency_mode != "kr" else "")
    p.text(338, y + 14, label, st.size + 2, bold=True, color=(1, 1, 1))
    amount = st.m(t.payable) if st.currency_mode != "kr" else f"kr {st.m(t.payable)}"
    p.text(543, y + 14, amount, st.size + 4, bold=True, align="right", color=(1, 1, 1))
    _noise_footer(p, 775, ctx)
    p.hline(40, 555, 790, line=0.4)
    p.text(
        W / 2,
        803,
        f"{s.name} · {', '.join(s.lines)} · {ctx.orgnr_text} · Tlf. {s.phone} · {s.web}",
        6.5,
        align="center",
    )


def layout_giro(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s, b = p.st, ctx.truth, ctx.supplier, ctx.buyer
    p.text(50, 55, s.name, st.size + 5, bold=True)
    p.text(50, 68, ", ".join(s.lines), st.size - 1)
    p.text(50, 79, ctx.orgnr_text, st.size - 1)
    p.text(545, 55, "FAKTURA", st.size + 8, bold=True, align="right")
    _buyer_block(p, 50, 115, ctx)
    y = 110.0
    for label, value in _kv_rows(ctx, st, ["number", "issue", "due", "customer", "order"]):
        p.text(360, y, label + ":")
        p.text(545, y, value, align="right")
        y += 13
    y = _line_table(p, 50, 545, 210, ctx, t.lines)
    y = _totals(p, 340, 545, y + 8, ctx, per_rate=False, total_line=False)
    # the slip
    top = 505.0
    p.hline(20, 575, top, dash=True, line=0.6)
    p.text(25, top - 3, "✂" if st.family.startswith("DejaVu") else "- - klipp her - -", 7)
    p.rect(0, top + 4, W, H - top - 4, fill=(1.0, 0.96, 0.86), stroke=False)
    p.text(30, top + 22, "Kvittering", st.size + 2, bold=True)
    p.text(30, top + 36, "Innbetalt til konto", 6.5)
    p.text(30, top + 48, ctx.account_printed, st.size)
    p.text(200, top + 36, "Beløp", 6.5)
    p.text(200, top + 48, money(t.payable, st.money), st.size)
    p.text(330, top + 36, "Betalerens kontonummer", 6.5)
    p.text(470, top + 36, "Blankettnummer", 6.5)
    p.text(470, top + 48, str(rng.randint(1000000, 9999999)), st.size)
    p.hline(20, 575, top + 58, line=1.2)
    p.text(30, top + 74, "Betalingsinformasjon", 6.5, bold=True)
    p.text(30, top + 88, f"Faktura {t.invoice_number}", st.size)
    p.text(30, top + 100, f"Kundenr. {ctx.customer_no}", st.size)
    p.text(370, top + 72, "GIRO", st.size + 10, bold=True)
    p.text(455, top + 70, "Betalings-", 6.5)
    p.text(455, top + 78, "frist", 6.5)
    p.rect(490, top + 64, 80, 20, fill=(1, 1, 1), line=0.6)
    p.text(530, top + 78, fmt_date(t.due_date, "dmy_dot"), st.size, align="center")
    p.text(30, top + 140, "Betalt av", 6.5, bold=True)
    yy = top + 152
    for line in [b.name, *b.lines]:
        p.text(30, yy, line, st.size)
        yy += 11
    p.text(310, top + 140, "Betalt til", 6.5, bold=True)
    yy = top + 152
    for line in [s.name, *s.lines]:
        p.text(310, yy, line, st.size)
        yy += 11
    # amount boxes
    by = top + 235
    kroner, ore = f"{t.payable:.2f}".split(".")
    boxes = [
        ("Kundeidentifikasjon (KID)", 25, 210, ctx.kid_printed),
        ("Kroner", 240, 100, kroner),
        ("Øre", 345, 35, ore),
        ("Til konto", 390, 180, ctx.account_printed),
    ]
    for label, x, w, value in boxes:
        p.text(x, by - 4, label, 6.5)
        p.rect(x, by, w, 22, fill=(1, 1, 1), line=0.6)
        align_x = x + w - 5 if label in ("Kroner",) else x + 5
        p.text(
            align_x,
            by + 15,
            value,
            st.size + 1,
            align="right" if label == "Kroner" else "left",
            font="Courier-Bold",
        )
    # the OCR line a bank's scanner reads
    check = luhn_digit(kroner + ore)
    ocr = f"H  {ctx.truth.kid or '':>25}  {kroner:>8} {ore} {check} >   {t.account}<"
    p.text(25, by + 52, ocr, 9, font="Courier")


def layout_foreign_en(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    p.text(50, 58, s.name, st.size + 6, bold=True)
    y = 74.0
    for line in [*s.lines, f"Phone {s.phone}", s.email]:
        p.text(50, y, line, st.size - 1)
        y += 11
    p.text(545, 62, "INVOICE", st.size + 14, bold=True, align="right", color=st.accent)
    above = rng.random() < 0.5
    rows = _kv_rows(ctx, st, ["number", "issue", "due", "customer", "order", "terms"])
    if above:
        # labels above values, in a band of cells
        x = 50.0
        p.hline(50, 545, 158, line=0.6)
        for label, value in rows:
            p.text(x, 172, label, st.size - 1.5, bold=True)
            p.text(x, 186, value, st.size)
            x += 82
        p.hline(50, 545, 194, line=0.6)
        y = 215.0
        _buyer_block(p, 50, y, ctx, title="Bill to")
        y = 300.0
    else:
        y = 100.0
        for label, value in rows:
            p.text(360, y, label + ":")
            p.text(545, y, value, align="right")
            y += 13
        _buyer_block(p, 50, 150, ctx, title="Bill to:")
        y = 250.0
    y = _line_table(p, 50, 545, y, ctx, t.lines, columns="basic")
    y = _totals(p, 330, 545, y + 10, ctx, per_rate=True, total_line=rng.random() < 0.5)
    y += 20
    p.rect(45, y, 300, 74, line=0.6)
    p.text(52, y + 14, "Payment details", st.size, bold=True)
    p.text(52, y + 28, f"Bank: {s.bank}")
    p.text(52, y + 40, f"IBAN: {ctx.account_printed}")
    p.text(52, y + 52, f"SWIFT/BIC: {s.bic}")
    p.text(52, y + 64, f"Reference: {t.invoice_number}")
    _noise_footer(p, 770, ctx)
    p.hline(50, 545, 780)
    p.text(50, 792, ctx.orgnr_text, 7)
    p.text(50, 802, f"VAT ID {s.vat_id} · {s.reg}", 7)
    p.text(50, 812, f"{s.web} · {s.email}", 7)


def layout_credit_note(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    right = rng.random() < 0.5
    p.text(50, 60, s.name, st.size + 5, bold=True)
    p.text(50, 73, ", ".join(s.lines), st.size - 1)
    p.text(50, 84, f"Tlf. {s.phone} · {s.email}", st.size - 1)
    p.text(
        545 if right else 50,
        120 if right else 110,
        "KREDITNOTA",
        st.size + 10,
        bold=True,
        align="right" if right else "left",
    )
    _buyer_block(p, 50, 140 if right else 135, ctx)
    y = 150.0 if right else 215.0
    x_label, x_value = (340, 545) if right else (50, 200)
    rows = _kv_rows(ctx, st, ["number", "issue", "due", "customer", "their_ref"])
    credited_date = ctx.credited_date or t.issue_date
    rows.append(("Gjelder faktura", f"{ctx.credited_invoice} av {st.d(credited_date)}"))
    for label, value in rows:
        p.text(x_label, y, label)
        p.text(x_value, y, value, align="right" if right else "left")
        y += 13
    y = max(y, 220.0) + 20
    reason = rng.choice(
        ("Retur av varer", "Feilfakturert", "Prisavslag etter avtale", "Kreditering av faktura")
    )
    p.text(50, y, f"Årsak: {reason} {ctx.credited_invoice}", st.size)
    y = _line_table(p, 50, 545, y + 22, ctx, t.lines, columns="vat")
    y = _totals(p, 340, 545, y + 10, ctx, per_rate=rng.random() < 0.5, total_line=False)
    y += 14
    p.text(
        50, y + 10, "Beløpet motregnes i neste faktura eller utbetales etter avtale.", st.size - 0.5
    )
    p.hline(50, 545, 770)
    p.text(50, 782, f"{ctx.orgnr_text} · {st.labels['account']} {ctx.account_printed}", 7.5)
    p.text(50, 793, f"{s.web} · IBAN {ctx.iban_printed} · BIC {s.bic}", 7.5)


def layout_multipage(p: Pen, ctx: Ctx, rng: random.Random) -> int:
    st, t, s = p.st, ctx.truth, ctx.supplier
    first_rows, rows_per_page, last_room = 26, 44, 14
    pages: list[list[Line]] = []
    rest = list(t.lines)
    cap = first_rows
    while rest:
        pages.append(rest[:cap])
        rest = rest[cap:]
        cap = rows_per_page
    if len(pages[-1]) > (first_rows if len(pages) == 1 else rows_per_page) - last_room:
        pages.append([])
    n_pages = len(pages)
    running = Decimal(0)
    for i, chunk in enumerate(pages, start=1):
        p.text(50, 45, s.name, st.size + 3, bold=True)
        p.text(545, 45, f"Faktura {t.invoice_number}", st.size, align="right")
        p.text(545, 57, f"Side {i} av {n_pages}", st.size - 1, align="right")
        p.hline(50, 545, 64)
        y = 85.0
        if i == 1:
            y2 = 85.0
            for line in s.lines:
                p.text(50, y2, line, st.size - 1)
                y2 += 11
            _buyer_block(p, 50, 130, ctx)
            left = _kv_rows(ctx, st, ["number", "issue", "due"])
            right = _kv_rows(ctx, st, ["customer", "order", "delivery", "their_ref"])
            yy = 130.0
            for label, value in left:
                p.text(300, yy, label)
                p.text(390, yy, value)
                yy += 13
            yy = 180.0
            for label, value in right:
                p.text(300, yy, label, st.size - 1)
                p.text(390, yy, value, st.size - 1)
                yy += 12
            y = 250.0
        elif running:
            p.text(50, y, "Overført fra forrige side", st.size, bold=True)
            p.text(545, y, st.m(running), align="right", bold=True)
            y += 18
        if chunk:
            y = _line_table(p, 50, 545, y, ctx, chunk, columns="vat", row_h=13)
            running += sum((ln.net for ln in chunk), Decimal(0))
        if i < n_pages:
            p.hline(330, 545, y - 6)
            p.text(330, y + 6, f"Sum side {i}", st.size)
            p.text(545, y + 6, st.m(running), align="right")
            p.text(330, y + 19, "Overføres", st.size, bold=True)
            p.text(545, y + 19, st.m(running), align="right", bold=True)
        else:
            y = _totals(p, 330, 545, y + 10, ctx, per_rate=True)
            y += 16
            p.rect(50, y, 495, 62, line=0.6)
            p.text(58, y + 14, "Betalingsinformasjon", st.size, bold=True)
            info = [
                (st.labels["account"], ctx.account_printed),
                (st.labels["kid"], ctx.kid_printed) if t.kid else ("Melding", t.invoice_number),
                (st.labels["due"], st.d(t.due_date)),
            ]
            for j, (label, value) in enumerate(info):
                p.text(58, y + 28 + j * 11, f"{label}:", st.size - 0.5)
                p.text(160, y + 28 + j * 11, value, st.size - 0.5)
            p.text(330, y + 28, f"{st.labels['payable']}: {st.m(t.payable)}", st.size, bold=True)
        p.hline(50, 545, 800, line=0.4)
        p.text(50, 812, f"{s.name} · {ctx.orgnr_text} · {s.phone}", 7)
        if i < n_pages:
            p.c.showPage()
    return n_pages


def layout_letter(p: Pen, ctx: Ctx, rng: random.Random) -> None:
    st, t, s = p.st, ctx.truth, ctx.supplier
    p.text(W / 2, 55, s.name.upper(), st.size + 6, bold=True, align="center")
    p.text(W / 2, 69, " · ".join(s.lines) + f" · {s.phone}", st.size - 1, align="center")
    p.hline(120, W - 120, 76, line=0.6)
    _buyer_block(p, 60, 120, ctx)
    city = s.lines[-1].split(" ", 1)[1]
    p.text(535, 190, f"{city}, {st.d(t.issue_date)}", align="right")
    p.text(60, 225, f"Faktura nr. {t.invoice_number}", st.size + 3, bold=True)
    body = [
        "Vi takker for oppdraget og fakturerer herved for levert arbeid og materiell,",
        f"levert {st.d(ctx.delivery)} etter bestilling {ctx.order_no} fra {ctx.their_ref}.",
    ]
    y = 250.0
    for line in body:
        p.text(60, y, line)
        y += 13
    y = _line_table(p, 60, 535, y + 16, ctx, t.lines, columns="basic")
    y = _totals(p, 330, 535, y + 8, ctx, per_rate=False, total_line=False)
    y += 18
    if t.kid:
        pay = [
            f"Vennligst innbetal {_cur(st, ctx, st.m(t.payable), strong=True)} til vår konto "
            f"{ctx.account_printed}",
            f"innen {st.d(t.due_date)}. Husk å oppgi KID {ctx.kid_printed} ved betaling.",
        ]
    else:
        pay = [
            f"Vennligst innbetal {_cur(st, ctx, st.m(t.payable), strong=True)} til vår konto "
            f"{ctx.account_printed}",
            f"innen {st.d(t.due_date)}, merket med fakturanummeret.",
        ]
    for line in pay:
        p.text(60, y, line)
        y += 13
    y += 20
    p.text(60, y, "Med vennlig hilsen")
    p.text(60, y + 28, ctx.our_ref)
    p.text(60, y + 40, s.name)
    p.text(W / 2, 805, f"{ctx.orgnr_text} · {s.email} · {s.web}", 7, align="center")


LAYOUT_FUNCS: dict[str, Callable[[Pen, Ctx, random.Random], int | None]] = {
    "one_column": layout_one_column,
    "two_column": layout_two_column,
    "table_heavy": layout_table_heavy,
    "logo_header": layout_logo_header,
    "giro": layout_giro,
    "foreign_en": layout_foreign_en,
    "credit_note": layout_credit_note,
    "multipage": layout_multipage,
    "letter": layout_letter,
}


# --------------------------------------------------------------------------------------------
# Public API


def render(layout: str, rng: random.Random) -> tuple[bytes, Ctx, Style, int]:
    ctx = _context(rng, layout)
    st = _style(rng, layout)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    title = "Credit note" if layout == "credit_note" else "Invoice"
    c.setTitle(f"{title} {ctx.truth.invoice_number}")
    c.setAuthor(ctx.supplier.name)
    pages = LAYOUT_FUNCS[layout](Pen(c, st), ctx, rng) or 1
    c.showPage()
    c.save()
    t = ctx.truth
    ctx.printed = {
        "number": t.invoice_number,
        "issue_date": st.d(t.issue_date),
        "due_date": st.d(t.due_date),
        "payable": st.m(t.payable),
        "vat": st.m(t.vat),
        "orgnr": ctx.orgnr_printed,
        "kid": ctx.kid_printed,
        "account": ctx.account_printed,
    }
    return buf.getvalue(), ctx, st, pages


def generate(n: int, seed: int = 1, layouts: tuple[str, ...] = LAYOUTS) -> list[Sample]:
    """n invoices, round-robin over `layouts`; deterministic for (n, seed)."""
    out = []
    for i in range(n):
        layout = layouts[i % len(layouts)]
        rng = random.Random(seed * 1_000_003 + i)
        pdf, ctx, st, pages = render(layout, rng)
        out.append(
            Sample(
                id=f"s{seed}-{i:04d}",
                layout=layout,
                pdf=pdf,
                truth=ctx.truth,
                printed=ctx.printed,
                pages=pages,
                font=st.family,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Scans


def scan(
    pdf: bytes,
    dpi: int = 250,
    angle: float = 0.0,
    noise: float = 0.03,
    seed: int = 0,
    *,
    fmt: str = "auto",
) -> bytes:
    """What a scanner delivers: each page rasterised at `dpi`, turned `angle` degrees, with
    Gaussian grain (sigma = noise * 255), salt-and-pepper specks and a slightly grey paper.

    Returns a PNG for a one-page document (fmt="auto"/"png"), otherwise a PDF holding one
    image per page (fmt="auto"/"pdf"). `media_type(data)` tells which.
    """
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    gen = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            img = bitmap.to_pil().convert("L")
            page.close()
            if angle:
                img = img.rotate(
                    angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
                )
            img = img.filter(ImageFilter.GaussianBlur(radius=0.35 * dpi / 200))
            arr = np.asarray(img, dtype=np.float32) * 0.92 + 12.0
            arr += gen.normal(0.0, noise * 255.0, arr.shape).astype(np.float32)
            specks = gen.random(arr.shape, dtype=np.float32)
            arr[specks < noise * 0.01] = 30.0
            arr[specks > 1.0 - noise * 0.03] = 255.0
            images.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))
    finally:
        doc.close()
    out = io.BytesIO()
    if len(images) == 1 and fmt in ("auto", "png"):
        images[0].save(out, "PNG", dpi=(dpi, dpi), optimize=False)
    else:
        images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return out.getvalue()


def media_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return "application/octet-stream"
