"""A synthetic accounting bureau's approved codings, for the learned-coding benchmark.

`generate(lines, seed)` returns history records (the JSONL objects of `fakturaportal posting
train`) sorted by date. It is deterministic: the same (lines, seed, tenants, suppliers, years)
gives the same records.

What makes it realistic enough to be worth measuring:

* a bureau with several tenants; each has its own departments, buyers (people who order and
  belong to a department), and, for some, projects with order-number series;
* hundreds of suppliers, each of an industry with its own vocabulary, usual account, VAT
  treatment and amount level; some sell in two industries (the line text decides the account);
  national suppliers are shared by many tenants, local ones by one; foreign ones invoice in
  EUR/USD without an organisation number (VAT code 86, reverse charge);
* recurring invoices (monthly, quarterly, yearly) and one-off purchases with seasonality (little
  in July, travel in spring and autumn, more electricity in winter), 1 to 5 lines per invoice;
* noisy Norwegian texts: typos, abbreviations, casing, article numbers and periods;
* some tenants map an industry to another account than the bureau's usual one (their chart);
* a few percent inconsistent human codings (a neighbouring account, another department),
  rare on recurring bills and commonest on mixed one-off purchases.

Each object also carries `intended_account` (ignored by the record type): the account before the
inconsistent coding, so precision can be measured against what a careful bookkeeper would do.
The description never contains an account, VAT code or department code; a project's number
is never printed either (its order-number prefix is, as a buyer's ERP would do).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Industry:
    name: str
    account: str
    vat_code: str
    rate: str
    category: str
    median: float
    frequency: str  # monthly | quarterly | yearly | adhoc
    role: str  # the department role that usually carries the cost
    project: bool  # cost usually belongs to a project
    unspsc: str
    phrases: tuple[str, ...]
    products: tuple[str, ...] = ()


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "strøm",
        "6340",
        "1",
        "25",
        "S",
        4200,
        "monthly",
        "admin",
        False,
        "8310",
        (
            "strøm {month}",
            "nettleie {month}",
            "energiledd forbruk {n} kWh",
            "fastledd",
            "elavgift {month}",
            "spotpris strøm {period}",
            "påslag strømavtale",
        ),
    ),
    Industry(
        "husleie",
        "6300",
        "0",
        "0",
        "E",
        38000,
        "monthly",
        "admin",
        False,
        "8013",
        (
            "husleie {month}",
            "leie lokaler {period}",
            "felleskostnader {month}",
            "leie kontor {quarter}",
            "parkeringsplass leie",
        ),
    ),
    Industry(
        "renhold",
        "6360",
        "1",
        "25",
        "S",
        6500,
        "monthly",
        "admin",
        False,
        "7611",
        (
            "renhold {month}",
            "vask kontorlokaler",
            "vindusvask",
            "matteservice",
            "hovedrengjøring",
            "renholdsavtale {period}",
        ),
    ),
    Industry(
        "telefon",
        "6900",
        "1",
        "25",
        "S",
        2900,
        "monthly",
        "admin",
        False,
        "8311",
        (
            "mobilabonnement {month}",
            "datapakke",
            "fasttelefoni",
            "bredbånd {period}",
            "sentralbord løsning",
            "trafikk utland",
            "mobilt bredbånd",
        ),
    ),
    Industry(
        "programvare",
        "6553",
        "1",
        "25",
        "S",
        3500,
        "monthly",
        "it",
        False,
        "4323",
        (
            "lisens {product} {month}",
            "abonnement {product}",
            "brukerlisenser {n} stk",
            "programvare vedlikehold",
            "{product} årslisens",
            "skylagring {period}",
        ),
        ("Visma", "Tripletex", "Microsoft 365", "Adobe CC", "Office", "Fiken", "Slack"),
    ),
    Industry(
        "datautstyr",
        "6551",
        "1",
        "25",
        "S",
        9000,
        "adhoc",
        "it",
        False,
        "4321",
        (
            "bærbar pc {product}",
            "skjerm {product}",
            "dokkingstasjon",
            "tastatur og mus",
            "headset {product}",
            "minnebrikke",
            "ladeadapter usb-c",
            "nettverkssvitsj",
        ),
        ("Lenovo", "Dell", "HP", "Logitech", "Jabra", "Samsung", "Apple"),
    ),
    Industry(
        "kontorrekvisita",
        "6800",
        "1",
        "25",
        "S",
        1400,
        "adhoc",
        "admin",
        False,
        "4412",
        (
            "kopipapir a4",
            "toner {product}",
            "penner og blyanter",
            "ringpermer",
            "post-it lapper",
            "konvolutter c4",
            "kontorrekvisita diverse",
            "blekkpatron",
        ),
        ("HP", "Canon", "Brother", "Bic", "Esselte"),
    ),
    Industry(
        "inventar",
        "6540",
        "1",
        "25",
        "S",
        12000,
        "adhoc",
        "admin",
        False,
        "5612",
        (
            "kontorstol {product}",
            "skrivebord hev/senk",
            "bokhylle",
            "møtebord",
            "arkivskap",
            "lampe",
            "garderobeskap",
        ),
        ("Kinnarps", "HÅG", "Ikea", "EFG"),
    ),
    Industry(
        "revisjon",
        "6700",
        "1",
        "25",
        "S",
        28000,
        "yearly",
        "admin",
        False,
        "8411",
        (
            "revisjon årsregnskap {year}",
            "revisjonshonorar",
            "attestasjon {year}",
            "revisors bistand",
        ),
    ),
    Industry(
        "regnskap",
        "6705",
        "1",
        "25",
        "S",
        9500,
        "monthly",
        "admin",
        False,
        "8411",
        (
            "regnskapsføring {month}",
            "lønnskjøring {month}",
            "årsoppgjør {year}",
            "mva-melding {period}",
            "bistand regnskap",
        ),
    ),
    Industry(
        "juridisk",
        "6720",
        "1",
        "25",
        "S",
        22000,
        "adhoc",
        "admin",
        False,
        "8012",
        (
            "juridisk bistand",
            "advokatsalær",
            "kontraktsgjennomgang",
            "rådgivning {period}",
            "honorar advokat",
        ),
    ),
    Industry(
        "forsikring",
        "7500",
        "0",
        "0",
        "E",
        31000,
        "yearly",
        "admin",
        False,
        "8413",
        (
            "forsikringspremie {year}",
            "bedriftsforsikring",
            "yrkesskadeforsikring",
            "reiseforsikring ansatte",
            "ansvarsforsikring {year}",
        ),
    ),
    Industry(
        "reise",
        "7140",
        "13",
        "12",
        "S",
        3800,
        "adhoc",
        "sales",
        True,
        "7811",
        (
            "flybillett {city}",
            "hotell {city} {n} netter",
            "overnatting {city}",
            "togbillett {city}",
            "taxi",
            "flytog",
            "ferje {city}",
        ),
    ),
    Industry(
        "kurs",
        "6860",
        "0",
        "0",
        "E",
        7500,
        "adhoc",
        "admin",
        False,
        "8610",
        (
            "kursavgift {product}",
            "seminar {city}",
            "konferanse {year}",
            "kurs {product}",
            "e-læring {product}",
        ),
        ("Excel", "HMS", "ledelse", "GDPR", "varme arbeider"),
    ),
    Industry(
        "reklame",
        "7320",
        "1",
        "25",
        "S",
        14000,
        "adhoc",
        "sales",
        False,
        "8214",
        (
            "annonse {product}",
            "trykk brosjyrer",
            "profileringsartikler",
            "roll-up",
            "markedsføring {month}",
            "visittkort",
        ),
        ("avis", "nett", "Finn", "radio"),
    ),
    Industry(
        "representasjon",
        "7350",
        "0",
        "25",
        "S",
        3200,
        "adhoc",
        "sales",
        False,
        "9010",
        (
            "middag kunder",
            "lunsj kundemøte",
            "bevertning {city}",
            "julebord gjester",
            "vin gave kunde",
        ),
    ),
    Industry(
        "kantine",
        "5910",
        "11",
        "15",
        "S",
        2600,
        "adhoc",
        "admin",
        False,
        "5020",
        (
            "frukt levering",
            "kaffe og te",
            "lunsj møte",
            "kantinevarer",
            "brød og pålegg",
            "melk og juice",
        ),
    ),
    Industry(
        "varekjøp",
        "4300",
        "1",
        "25",
        "S",
        18000,
        "adhoc",
        "production",
        True,
        "3110",
        (
            "{product} {n} stk",
            "varer iht ordre",
            "råvarer {product}",
            "delelager {product}",
            "komponenter {product}",
            "emballasje",
        ),
        ("skruer", "plater", "rør", "kabel", "profiler", "beslag", "maling"),
    ),
    Industry(
        "fremmedytelse",
        "4500",
        "1",
        "25",
        "S",
        42000,
        "adhoc",
        "production",
        True,
        "7213",
        (
            "timer {product} {month}",
            "underentreprise {product}",
            "montasje",
            "konsulenttimer {n} t",
            "arbeid iht avtale",
            "innleie personell uke {week}",
        ),
        ("elektro", "rør", "tømrer", "maler", "graving"),
    ),
    Industry(
        "frakt",
        "6100",
        "1",
        "25",
        "S",
        1900,
        "adhoc",
        "production",
        True,
        "7810",
        (
            "frakt {city}",
            "transport pall",
            "pakkeforsendelse",
            "budtjeneste",
            "fraktkostnader {month}",
        ),
    ),
    Industry(
        "maskinleie",
        "6400",
        "1",
        "25",
        "S",
        8800,
        "adhoc",
        "production",
        True,
        "2210",
        (
            "leie lift uke {week}",
            "leie kompressor",
            "leie brakkerigg",
            "maskinleie {period}",
            "leie stillas",
        ),
    ),
    Industry(
        "drivstoff",
        "7000",
        "1",
        "25",
        "S",
        2100,
        "adhoc",
        "production",
        True,
        "1510",
        ("diesel {n} liter", "bensin", "drivstoff {month}", "adblue", "fyllestasjon kort"),
    ),
    Industry(
        "vedlikehold",
        "6600",
        "1",
        "25",
        "S",
        11000,
        "adhoc",
        "admin",
        False,
        "7210",
        (
            "service ventilasjon",
            "rørleggerarbeid",
            "reparasjon dør",
            "vaktmestertjenester",
            "utbedring tak",
            "elektrikerarbeid",
        ),
    ),
    Industry(
        "bank",
        "7770",
        "0",
        "0",
        "E",
        450,
        "monthly",
        "admin",
        False,
        "8412",
        (
            "gebyr {month}",
            "kortgebyr",
            "transaksjonsgebyr",
            "betalingsformidling",
            "nettbank {period}",
        ),
    ),
    Industry(
        "fisk",
        "4300",
        "12",
        "11.11",
        "S",
        25000,
        "adhoc",
        "production",
        False,
        "5012",
        ("torsk rund {n} kg", "sei råstoff", "hyse {n} kg", "rund fisk levert", "laks råvare"),
    ),
    Industry(
        "saas_utland",
        "6553",
        "86",
        "0",
        "AE",
        1200,
        "monthly",
        "it",
        False,
        "4323",
        (
            "subscription {product}",
            "{product} monthly plan",
            "cloud hosting",
            "api usage {month}",
            "seats {n}",
        ),
        ("Zoom", "GitHub", "AWS", "Atlassian", "Figma", "Dropbox"),
    ),
    Industry(
        "aviser",
        "6840",
        "0",
        "0",
        "Z",
        1800,
        "quarterly",
        "admin",
        False,
        "5510",
        (
            "avisabonnement {period}",
            "digitalt abonnement",
            "fagtidsskrift {year}",
            "abonnement papir og digital",
        ),
    ),
)

# Accounts a person confuses with each other (the inconsistent codings draw from these).
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "6800": ("6540", "6551"),
    "6540": ("6800", "6551"),
    "6551": ("6553", "6540"),
    "6553": ("6551", "6900"),
    "6700": ("6705", "6720"),
    "6705": ("6700", "6720"),
    "6720": ("6705",),
    "4300": ("4500", "6100"),
    "4500": ("4300",),
    "6300": ("6340",),
    "6340": ("6300",),
    "7140": ("7350",),
    "7350": ("7140", "5910"),
    "5910": ("7350",),
    "6360": ("6600",),
    "6600": ("6360",),
    "6400": ("4500",),
    "7000": ("7140",),
    "6100": ("4300",),
    "7320": ("7350",),
    "6860": ("7140",),
    "6900": ("6553",),
    "7500": ("7500",),
    "7770": ("7770",),
    "6840": ("6800",),
}

# A tenant's own chart: some map an industry elsewhere (their bookkeeper's habit).
CHART_VARIANTS: tuple[dict[str, str], ...] = (
    {"programvare": "6551", "saas_utland": "6551"},
    {"kantine": "7350"},
    {"telefon": "6910"},
    {"frakt": "4300"},
    {},
)

MONTHS = (
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
)
CITIES = (
    "Oslo",
    "Bergen",
    "Trondheim",
    "Stavanger",
    "Tromsø",
    "Bodø",
    "Ålesund",
    "Kristiansand",
    "Drammen",
    "Gardermoen",
)
ABBREVIATIONS = {
    "abonnement": "abonn.",
    "januar": "jan",
    "februar": "feb",
    "august": "aug",
    "september": "sept",
    "oktober": "okt",
    "november": "nov",
    "desember": "des",
    "kontorrekvisita": "kontorrekv.",
    "revisjonshonorar": "rev.honorar",
    "leie": "lei",
    "forsikringspremie": "fors.premie",
    "regnskapsføring": "regnsk.føring",
    "stk": "st",
    "transport": "transp.",
    "konsulenttimer": "kons.timer",
    "diverse": "div.",
    "overnatting": "overn.",
    "bedriftsforsikring": "bedr.forsikring",
    "lisens": "lis.",
}
NAME_PARTS = (
    "Nordisk",
    "Vest",
    "Fjord",
    "Berg",
    "Nord",
    "Sør",
    "Øst",
    "Norsk",
    "Polar",
    "Kyst",
    "Dal",
    "Viken",
    "Trøndelag",
    "Agder",
    "Lofoten",
    "Midt",
    "Sentrum",
    "Smart",
    "Pro",
    "Total",
    "Alfa",
    "Nova",
    "Eik",
    "Gran",
    "Bjørk",
    "Furu",
)
NAME_KINDS = {
    "strøm": "Energi",
    "husleie": "Eiendom",
    "renhold": "Renhold",
    "telefon": "Telekom",
    "programvare": "Software",
    "datautstyr": "Data",
    "kontorrekvisita": "Kontor",
    "inventar": "Interiør",
    "revisjon": "Revisjon",
    "regnskap": "Regnskap",
    "juridisk": "Advokatfirma",
    "forsikring": "Forsikring",
    "reise": "Reiser",
    "kurs": "Kompetanse",
    "reklame": "Reklame",
    "representasjon": "Restaurant",
    "kantine": "Catering",
    "varekjøp": "Grossist",
    "fremmedytelse": "Entreprenør",
    "frakt": "Transport",
    "maskinleie": "Maskinutleie",
    "drivstoff": "Drivstoff",
    "vedlikehold": "Service",
    "bank": "Sparebank",
    "fisk": "Fiskeoppdrett",
    "saas_utland": "Inc.",
    "aviser": "Media",
}
ROLES = ("admin", "it", "sales", "production")


@dataclass
class Supplier:
    orgnr: str | None
    name: str
    industries: tuple[Industry, ...]
    phrases: tuple[tuple[Industry, str], ...]
    national: bool
    currency: str


@dataclass
class Relation:
    supplier: Supplier
    rate: float  # invoices per day for ad hoc, ignored for recurring
    frequency: str
    one_off: bool
    department_bias: str | None
    projects: tuple[str, ...] = ()
    start: date = date(2000, 1, 1)


@dataclass
class Tenant:
    id: str
    departments: dict[str, str]  # role -> department code (empty: no departments)
    buyers: list[tuple[str, str]]  # (reference as written, department code)
    projects: list[tuple[str, str, date, date]]  # (number, order prefix, start, end)
    chart: dict[str, str]
    relations: list[Relation] = field(default_factory=list)


def orgnr(rng: random.Random) -> str:
    """A valid Norwegian organisation number (MOD11, weights 3,2,7,6,5,4,3,2)."""
    while True:
        digits = [rng.choice((8, 9))] + [rng.randrange(10) for _ in range(7)]
        rest = sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        check = 0 if rest == 0 else 11 - rest
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def make_suppliers(rng: random.Random, count: int) -> list[Supplier]:
    suppliers: list[Supplier] = []
    names: set[str] = set()
    for index in range(count):
        first = INDUSTRIES[index % len(INDUSTRIES)] if index < len(INDUSTRIES) * 2 else None
        first = first or rng.choices(INDUSTRIES, weights=[_weight(i) for i in INDUSTRIES])[0]
        industries: tuple[Industry, ...] = (first,)
        if rng.random() < 0.22 and first.frequency == "adhoc":
            second = rng.choice([i for i in INDUSTRIES if i.frequency == "adhoc" and i != first])
            industries = (first, second)
        foreign = first.name == "saas_utland"
        while True:
            base = rng.choice(NAME_PARTS) + (
                rng.choice(NAME_PARTS).lower() if rng.random() < 0.3 else ""
            )
            name = f"{base} {NAME_KINDS[first.name]}" + ("" if foreign else " AS")
            if name not in names:
                names.add(name)
                break
        phrases = tuple(
            (industry, phrase)
            for industry in industries
            for phrase in rng.sample(
                industry.phrases, k=min(len(industry.phrases), rng.randint(2, 5))
            )
        )
        suppliers.append(
            Supplier(
                orgnr=None if foreign else orgnr(rng),
                name=name,
                industries=industries,
                phrases=phrases,
                national=rng.random() < 0.3,
                currency=rng.choice(("USD", "EUR")) if foreign else "NOK",
            )
        )
    return suppliers


def _weight(industry: Industry) -> float:
    return 3.0 if industry.frequency == "adhoc" else 1.0


def make_tenant(
    rng: random.Random, index: int, suppliers: list[Supplier], start: date, end: date
) -> Tenant:
    uses_departments = index % 4 != 3
    departments: dict[str, str] = {}
    if uses_departments:
        codes = rng.sample(range(10, 90, 10), k=4)
        departments = {role: str(code) for role, code in zip(ROLES, codes, strict=True)}
        if rng.random() < 0.5:  # a small company: IT sits with admin
            departments["it"] = departments["admin"]
    style = index % 3
    buyers: list[tuple[str, str]] = []
    for n in range(rng.randint(5, 16)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        reference = (
            f"{first} {last}"
            if style == 0
            else f"{first[0]}{last[0]}{n}".upper()
            if style == 1
            else f"{1000 + 37 * n}"
        )
        role = ROLES[n % len(ROLES)]
        buyers.append((reference, departments.get(role, "")))
    projects: list[tuple[str, str, date, date]] = []
    if index % 2 == 0:
        span = (end - start).days
        for n in range(rng.randint(6, 14)):
            begin = start + timedelta(days=rng.randrange(max(1, span - 120)))
            length = timedelta(days=rng.randint(90, 400))
            prefix = f"{rng.choice('ABCDEFGHKLMNPRSTV')}{rng.randint(10, 99)}"
            projects.append((str(rng.randint(1000, 9899) + n), prefix, begin, begin + length))
    tenant = Tenant(
        id=f"{rng.choice(NAME_PARTS).lower()}-{index + 1}",
        departments=departments,
        buyers=buyers,
        projects=projects,
        chart=CHART_VARIANTS[index % len(CHART_VARIANTS)],
    )
    national = [s for s in suppliers if s.national]
    local = [s for s in suppliers if not s.national]
    chosen = rng.sample(national, k=min(len(national), rng.randint(40, 70)))
    chosen += rng.sample(local, k=min(len(local), rng.randint(60, 110)))
    span = (end - start).days
    for supplier in chosen:
        industry = supplier.industries[0]
        one_off = industry.frequency == "adhoc" and rng.random() < 0.35
        relation = Relation(
            supplier=supplier,
            rate=rng.lognormvariate(-3.3, 0.9),
            frequency=industry.frequency,
            one_off=one_off,
            department_bias=rng.choice(list(departments.values()))
            if departments and rng.random() < 0.3
            else None,
            start=start + timedelta(days=rng.randrange(span)) if rng.random() < 0.35 else start,
        )
        tenant.relations.append(relation)
    return tenant


FIRST_NAMES = (
    "Kari",
    "Ola",
    "Ingrid",
    "Per",
    "Anne",
    "Lars",
    "Marit",
    "Jon",
    "Sigrid",
    "Erik",
    "Hilde",
    "Nils",
    "Tone",
    "Bjørn",
    "Liv",
    "Arne",
)
LAST_NAMES = (
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Berg",
    "Haugen",
)


def invoice_dates(
    rng: random.Random, relation: Relation, start: date, end: date, scale: float
) -> list[date]:
    first = max(start, relation.start)
    if relation.one_off:
        return [first + timedelta(days=rng.randrange(max(1, (end - first).days)))]
    if relation.frequency in ("monthly", "quarterly", "yearly"):
        step = {"monthly": 1, "quarterly": 3, "yearly": 12}[relation.frequency]
        day = rng.randint(1, 27)
        out = []
        month = first.year * 12 + first.month - 1
        while True:
            when = date(month // 12, month % 12 + 1, day)
            if when > end:
                return out
            if when >= first:
                out.append(when)
            month += step
    out = []
    current = first
    while current <= end:
        factor = SEASON[current.month - 1] * _industry_season(relation, current.month)
        if rng.random() < min(1.0, relation.rate * scale * factor):
            out.append(current)
        current += timedelta(days=1)
    return out


SEASON = (1.0, 1.1, 1.15, 1.05, 1.05, 0.9, 0.35, 0.85, 1.15, 1.15, 1.1, 0.9)


def _industry_season(relation: Relation, month: int) -> float:
    name = relation.supplier.industries[0].name
    if name == "reise":
        return 1.6 if month in (3, 4, 9, 10) else 0.8
    if name == "representasjon":
        return 3.0 if month == 12 else 0.8
    if name in ("varekjøp", "fremmedytelse", "maskinleie") and month in (1, 2):
        return 0.6
    return 1.0


def fill(rng: random.Random, template: str, when: date, product: str) -> str:
    period = rng.choice(
        (
            f"{MONTHS[when.month - 1]} {when.year}",
            f"{when.month:02d}.{when.year}",
            f"Q{(when.month - 1) // 3 + 1} {when.year}",
        )
    )
    return template.format(
        month=rng.choice(
            (
                MONTHS[when.month - 1],
                f"{MONTHS[when.month - 1]} {when.year}",
                f"{when.month:02d}/{when.year % 100:02d}",
            )
        ),
        year=when.year,
        period=period,
        quarter=f"{(when.month - 1) // 3 + 1}. kvartal",
        n=rng.choice((1, 2, 3, 5, 10, 12, 20, 25, 50, 100, 250, 400, 1200)),
        city=rng.choice(CITIES),
        week=when.isocalendar()[1],
        product=product,
    )


def noisy(rng: random.Random, text: str) -> str:
    """How people and suppliers' systems really write: abbreviations, typos, casing, numbers."""
    words = []
    for word in text.split():
        low = word.lower()
        if low in ABBREVIATIONS and rng.random() < 0.3:
            word = ABBREVIATIONS[low]
        elif len(word) > 4 and rng.random() < 0.05:
            cut = rng.randrange(1, len(word) - 1)
            word = (
                word[:cut] + word[cut + 1 :]
                if rng.random() < 0.5
                else word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
            )
        words.append(word)
    text = " ".join(words)
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.45:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.2:
        text += rng.choice(
            (
                f" art.nr {rng.randint(10000, 99999)}",
                f" ref {rng.randint(100, 9999)}",
                f" ordre {rng.randint(100000, 999999)}",
                " iht avtale",
                " jf. tilbud",
            )
        )
    return text


def amount_for(rng: random.Random, industry: Industry, month: int) -> Decimal:
    winter = 1.6 if industry.name == "strøm" and month in (12, 1, 2, 3) else 1.0
    value = industry.median * winter * rng.lognormvariate(0, 0.6)
    return Decimal(str(round(value, 2))).quantize(CENT, ROUND_HALF_UP)


def invoice_lines(
    rng: random.Random, tenant: Tenant, relation: Relation, when: date, sequence: int
) -> list[dict[str, Any]]:
    supplier = relation.supplier
    count = (
        1 if relation.frequency != "adhoc" else rng.choices((1, 2, 3, 4, 5), (60, 18, 10, 7, 5))[0]
    )
    buyer = (
        _buyer(rng, tenant, supplier.industries[0])
        if rng.random() < (0.25 if relation.frequency != "adhoc" else 0.75)
        else None
    )
    project = _project(rng, tenant, supplier.industries[0], when)
    order = None
    if project and rng.random() < 0.6:
        order = f"{project[1]}-{rng.randint(100, 999)}"
    elif rng.random() < 0.15:
        order = f"45{rng.randint(10000000, 99999999)}"
    credit = rng.random() < 0.02
    records = []
    picks = list(supplier.phrases)
    for _ in range(count):
        if relation.frequency == "adhoc" or rng.random() < 0.3:
            industry, template = rng.choice(picks)
        else:  # a recurring invoice mostly repeats its text
            industry, template = picks[0]
        product = rng.choice(industry.products) if industry.products else ""
        amount = amount_for(rng, industry, when.month)
        records.append(
            _record(
                rng,
                tenant,
                relation,
                industry,
                when,
                amount * (-1 if credit else 1),
                noisy(rng, fill(rng, template, when, product)),
                buyer,
                order,
                project,
            )
        )
    return records


def _buyer(rng: random.Random, tenant: Tenant, industry: Industry) -> tuple[str, str]:
    wanted = tenant.departments.get(industry.role)
    matching = [b for b in tenant.buyers if b[1] == wanted]
    return rng.choice(matching) if matching and rng.random() < 0.7 else rng.choice(tenant.buyers)


def _project(
    rng: random.Random, tenant: Tenant, industry: Industry, when: date
) -> tuple[str, str] | None:
    if not tenant.projects:
        return None
    active = [p for p in tenant.projects if p[2] <= when <= p[3]]
    if industry.project and active:
        chosen = active[
            zlib.crc32(f"{industry.name}{when.toordinal() // 45}".encode()) % len(active)
        ]
        chosen = chosen if rng.random() < 0.7 else rng.choice(active)
        return chosen[0], chosen[1]
    return None


def _record(
    rng: random.Random,
    tenant: Tenant,
    relation: Relation,
    industry: Industry,
    when: date,
    amount: Decimal,
    text: str,
    buyer: tuple[str, str] | None,
    order: str | None,
    project: tuple[str, str] | None,
) -> dict[str, Any]:
    supplier = relation.supplier
    account = tenant.chart.get(industry.name, industry.account)
    department: str | None = None
    if tenant.departments:
        department = (
            buyer[1] if buyer else relation.department_bias or tenant.departments[industry.role]
        )
    project_code: str | None = (project[0] if project else "100") if tenant.projects else None
    vat_code = industry.vat_code
    intended = account
    # Inconsistent human codings: rare on the monthly bill, common on mixed one-off purchases.
    slip = 0.003 if relation.frequency != "adhoc" else 0.03 + 0.03 * (len(supplier.industries) - 1)
    if rng.random() < slip:
        account = rng.choice(NEIGHBOURS.get(account, (account,)))
    if department and rng.random() < 0.03:
        department = rng.choice(sorted(set(tenant.departments.values())))
    if project_code and rng.random() < 0.02 and tenant.projects:
        project_code = rng.choice(tenant.projects)[0]
    if rng.random() < 0.002:
        vat_code = rng.choice(("1", "0"))
    return {
        "tenant": tenant.id,
        "date": when.isoformat(),
        "supplier_orgnr": supplier.orgnr,
        "supplier_name": supplier.name,
        "description": text,
        "amount": float(amount),
        "currency": supplier.currency,
        "vat_rate": float(industry.rate),
        "tax_category": industry.category,
        "order_reference": order,
        "buyer_reference": buyer[0] if buyer else None,
        "item_classification": (
            industry.unspsc + f"{rng.randint(0, 99):02d}00" if rng.random() < 0.4 else None
        ),
        "account": account,
        "vat_code": vat_code,
        "department": department,
        "project": project_code,
        # bench-only (records ignore unknown keys): the account a consistent bookkeeper would use
        "intended_account": intended,
    }


def generate(
    lines: int = 20_000,
    seed: int = 1,
    tenants: int = 8,
    suppliers: int = 600,
    years: int = 3,
    start: date = date(2022, 1, 1),
) -> list[dict[str, Any]]:
    """`lines` history records (JSON objects) sorted by date, then tenant."""
    rng = random.Random(seed)
    end = date(start.year + years, 1, 1) - timedelta(days=1)
    pool = make_suppliers(rng, suppliers)
    bureau = [make_tenant(rng, index, pool, start, end) for index in range(tenants)]
    scale = _scale(bureau, lines, start, end)
    records: list[dict[str, Any]] = []
    for tenant in bureau:
        for relation in tenant.relations:
            for number, when in enumerate(invoice_dates(rng, relation, start, end, scale)):
                records.extend(invoice_lines(rng, tenant, relation, when, number))
    if len(records) > lines:
        keep = sorted(rng.sample(range(len(records)), k=lines))
        records = [records[i] for i in keep]
    records.sort(key=lambda r: (r["date"], r["tenant"]))
    return records


def _scale(bureau: list[Tenant], lines: int, start: date, end: date) -> float:
    """How much to speed up the ad hoc purchases so the bureau produces about `lines` lines."""
    days = (end - start).days
    recurring = adhoc = 0.0
    for tenant in bureau:
        for relation in tenant.relations:
            live = (end - max(start, relation.start)).days
            if relation.one_off:
                recurring += 1.5
            elif relation.frequency == "adhoc":
                adhoc += relation.rate * live * 0.97 * 1.75
            else:
                step = {"monthly": 30.4, "quarterly": 91.3, "yearly": 365.0}[relation.frequency]
                recurring += live / step
    wanted = max(lines * 1.08 - recurring, lines * 0.1)
    return max(0.01, wanted / max(adhoc, 1.0)) if days else 1.0
