"""The official rule unit tests (vefa `testSet` files) as data: what each test expects of a rule.

A test's `<error>ID</error>` means rule ID must fire as fatal (`number="N"`: N times),
`<warning>ID</warning>` that it must fire as a warning, `<success>ID</success>` that it must not
fire. Inside a non-empty scope nothing else may fire; rules outside the scope are ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from services.validation.rules import Layer, validate_document
from shared.schemas.events import Finding, Severity

VEFA = "http://difi.no/xsd/vefa/validator/1.0"
LAYERS = {
    "tc434-ubl": (Layer.CEN,),
    "peppolbis-en16931-base-3.0-ubl": (Layer.PEPPOL, Layer.NO),
    "peppolbis-en16931-01-3.0-ubl-invoice": (Layer.CEN, Layer.PEPPOL, Layer.NO),
}
#: Ids the test files still use for rules the current release renamed (IGIC, IPSI).
RENAMED = (("BR-AF-", "BR-IG-"), ("BR-AG-", "BR-IP-"))
RULE_TEST_DIRS = (
    ("cen-ubl", "Invoice-unit-UBL"),
    ("cen-ubl", "CreditNote-unit-UBL"),
    ("peppol", "unit-UBL-PEPPOL"),
    ("peppol", "unit-UBL-NO"),
)


@dataclass
class Case:
    file: Path
    index: int
    scope: frozenset[str]
    layers: tuple[Layer, ...]
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    successes: set[str] = field(default_factory=set)
    document: etree._Element | None = None

    @property
    def name(self) -> str:
        return f"{self.file.name}#{self.index}"


def current_id(rule_id: str) -> str:
    for old, new in RENAMED:
        if rule_id.startswith(old):
            return new + rule_id[len(old) :]
    return rule_id


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def load_cases(path: Path) -> list[Case]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.parse(str(path), parser).getroot()
    layers = LAYERS.get(root.get("configuration", ""), tuple(Layer))
    scope = frozenset(
        current_id((s.text or "").strip())
        for s in root.iterfind(f"{{{VEFA}}}assert/{{{VEFA}}}scope")
        if (s.text or "").strip()
    )
    cases = []
    for index, test in enumerate(root.iterfind(f"{{{VEFA}}}test"), start=1):
        case = Case(path, index, scope, layers)
        for child in test:
            name = _local(child)
            if name == "assert":
                for expectation in child:
                    kind = _local(expectation)
                    rule_id = current_id((expectation.text or "").strip())
                    count = int(expectation.get("number", "1"))
                    if kind == "error":
                        case.errors[rule_id] += count
                    elif kind == "warning":
                        case.warnings[rule_id] += count
                    elif kind == "success":
                        case.successes.add(rule_id)
            elif name in ("Invoice", "CreditNote"):
                case.document = child
        if case.document is not None:
            cases.append(case)
    return cases


def all_cases(shared_data: Path) -> Iterator[Case]:
    for group, folder in RULE_TEST_DIRS:
        directory = shared_data / "rule-tests" / group / folder
        for path in sorted(directory.glob("*.xml")):
            yield from load_cases(path)


def judge(case: Case, findings: list[Finding]) -> list[str]:
    """What is wrong with our findings for this case (empty when we agree with the test)."""
    fatal = Counter(f.rule_id for f in findings if f.flag is Severity.FATAL)
    warn = Counter(f.rule_id for f in findings if f.flag is Severity.WARNING)
    problems = []
    for rule_id, count in case.errors.items():
        if fatal[rule_id] != count:
            problems.append(f"{rule_id}: expected {count} fatal, got {fatal[rule_id]}")
    for rule_id, count in case.warnings.items():
        if warn[rule_id] != count:
            problems.append(f"{rule_id}: expected {count} warning, got {warn[rule_id]}")
    for rule_id in case.successes:
        if fatal[rule_id] or warn[rule_id]:
            problems.append(f"{rule_id}: expected to pass, fired {fatal[rule_id] + warn[rule_id]}x")
    expected = set(case.errors) | set(case.warnings) | case.successes
    for rule_id in sorted(case.scope - expected):
        if fatal[rule_id] or warn[rule_id]:
            problems.append(f"{rule_id}: in scope, not expected, fired")
    return problems


def run_case(case: Case) -> list[str]:
    assert case.document is not None
    document = etree.fromstring(etree.tostring(case.document))  # its own tree: /Invoice is root
    only = case.scope or None
    return judge(case, validate_document(document, case.layers, only=only))
