"""Rule registry, the document view rules read, and the runner.

A rule is a pure function of the document that yields the locations (XPath) where it is violated;
the registry knows its official id, flag and words. Amounts are Decimal; the rules' own rounding
tolerances live with the rules.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from typing import Any, cast

from lxml import etree

from shared.schemas.events import Finding, Severity

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PREFIX_OF = {uri: prefix for prefix, uri in NS.items() if prefix in ("cbc", "cac")}
RULE_MODULES = (
    "services.validation.rules.cen_core",
    "services.validation.rules.cen_vat",
    "services.validation.rules.peppol",
    "services.validation.rules.norway",
    "services.validation.rules.cen_codelists",
)


class Layer(StrEnum):
    """Which rule set a rule belongs to, as the official validator configurations name them."""

    CEN = "cen"  # EN16931 UBL (tc434-ubl)
    PEPPOL = "peppol"  # Peppol BIS Billing 3.0 base rules
    NO = "no"  # Norwegian national rules (NO-R-*)


@dataclass(frozen=True)
class RuleSpec:
    id: str
    flag: Severity
    layer: Layer
    message_en: str
    message_nb: str


Check = Callable[["Doc"], Iterable[str]]
_REGISTRY: dict[str, tuple[RuleSpec, Check]] = {}


def rule(
    rule_id: str,
    message_en: str,
    message_nb: str,
    *,
    layer: Layer = Layer.CEN,
    flag: Severity = Severity.FATAL,
) -> Callable[[Check], Check]:
    """Register a check: it yields one location (XPath) per violation."""

    def register(check: Check) -> Check:
        if rule_id in _REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = (RuleSpec(rule_id, flag, layer, message_en, message_nb), check)
        return check

    return register


def all_rules() -> dict[str, RuleSpec]:
    _load()
    return {rule_id: spec for rule_id, (spec, _) in _REGISTRY.items()}


def _load() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


def validate_document(
    root: etree._Element, layers: Iterable[Layer] = tuple(Layer), only: Iterable[str] | None = None
) -> list[Finding]:
    """Every finding of the chosen layers (or only the named rules), in rule-id order."""
    _load()
    wanted = set(layers)
    names = set(only) if only is not None else None
    doc = Doc(root)
    findings: list[Finding] = []
    for rule_id in sorted(_REGISTRY):
        spec, check = _REGISTRY[rule_id]
        if spec.layer not in wanted or (names is not None and rule_id not in names):
            continue
        for location in check(doc):
            findings.append(
                Finding(
                    rule_id=rule_id,
                    flag=spec.flag,
                    message_en=spec.message_en,
                    message_nb=spec.message_nb,
                    location=location,
                )
            )
    return findings


class Doc:
    """A read-only view of one UBL Invoice or CreditNote for rules: XPath with the UBL prefixes,
    Decimal amounts, and readable locations."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.tree = root.getroottree()
        self.is_credit_note = etree.QName(root).localname == "CreditNote"
        self.kind = "CreditNote" if self.is_credit_note else "Invoice"
        # Names that differ between the two document types.
        self.line_tag = "cac:CreditNoteLine" if self.is_credit_note else "cac:InvoiceLine"
        self.quantity_tag = (
            "cbc:CreditedQuantity" if self.is_credit_note else "cbc:InvoicedQuantity"
        )
        self.type_code_tag = (
            "cbc:CreditNoteTypeCode" if self.is_credit_note else "cbc:InvoiceTypeCode"
        )
        self._memo: dict[tuple[str, etree._Element], list[Any]] = {}

    def xpath(self, path: str, node: etree._Element | None = None) -> list[Any]:
        """Memoised per document: many rules ask the same questions of the same element."""
        context = node if node is not None else self.root
        key = (path, context)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = cast(list[Any], compiled(path)(context))
        return found

    def nodes(self, path: str, node: etree._Element | None = None) -> list[etree._Element]:
        return [n for n in self.xpath(path, node) if isinstance(n, etree._Element)]

    def first(self, path: str, node: etree._Element | None = None) -> etree._Element | None:
        found = self.nodes(path, node)
        return found[0] if found else None

    def text(self, path: str, node: etree._Element | None = None) -> str | None:
        """Normalised text of the first match (element or attribute); None when absent."""
        for item in self.xpath(path, node):
            value = item if isinstance(item, str) else item.text
            return " ".join(str(value or "").split())
        return None

    def exists(self, path: str, node: etree._Element | None = None) -> bool:
        return bool(self.xpath(path, node))

    def present(self, path: str, node: etree._Element | None = None) -> bool:
        """Exists with non-blank text (what the rules mean by 'shall have')."""
        return any(
            (item if isinstance(item, str) else "".join(item.itertext())).strip()
            for item in self.xpath(path, node)
        )

    def decimal(self, path: str, node: etree._Element | None = None) -> Decimal | None:
        value = self.text(path, node)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            return None

    def decimals(self, path: str, node: etree._Element | None = None) -> list[Decimal]:
        values = []
        for item in self.xpath(path, node):
            raw = item if isinstance(item, str) else item.text
            try:
                values.append(Decimal(str(raw).strip()))
            except (InvalidOperation, TypeError):
                continue
        return values

    def location(self, node: etree._Element | None = None) -> str:
        """An XPath a person can follow: /Invoice/cac:TaxTotal[1]/cbc:TaxAmount[1]."""
        target = node if node is not None else self.root
        steps = []
        current: etree._Element | None = target
        while current is not None:
            qname = etree.QName(current)
            prefix = PREFIX_OF.get(qname.namespace or "")
            name = f"{prefix}:{qname.localname}" if prefix else qname.localname
            parent = current.getparent()
            if parent is not None:
                same = [c for c in parent if c.tag == current.tag]
                name += f"[{same.index(current) + 1}]"
            steps.append(name)
            current = parent
        return "/" + "/".join(reversed(steps))

    @cached_property
    def currency(self) -> str | None:
        return self.text("cbc:DocumentCurrencyCode")

    @cached_property
    def lines(self) -> list[etree._Element]:
        return self.nodes(self.line_tag)

    @cached_property
    def tax_total(self) -> etree._Element | None:
        """The TaxTotal with subtotals (in the document currency), if any."""
        totals = self.nodes("cac:TaxTotal")
        with_breakdown = [t for t in totals if self.exists("cac:TaxSubtotal", t)]
        return with_breakdown[0] if with_breakdown else (totals[0] if totals else None)


@functools.lru_cache(maxsize=4096)
def compiled(path: str) -> etree.XPath:
    """Rules ask the same few hundred paths of every document: compile each once."""
    return etree.XPath(path, namespaces=NS)


def missing(doc: Doc, path: str, node: etree._Element | None = None) -> Iterator[str]:
    """A 'shall have' rule: the context's location when the element is missing or blank."""
    if not doc.present(path, node):
        yield doc.location(node)
