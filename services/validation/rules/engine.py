"""Rule registry, the document view rules read, and the runner.

A rule is a pure function of the document that yields the locations (XPath) where it is violated;
the registry knows its official id, flag and words. Amounts are Decimal; the rules' own rounding
tolerances live with the rules.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar, cast

from lxml import etree

from shared.schemas.events import Finding, Severity

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PREFIX_OF = {uri: prefix for prefix, uri in NS.items() if prefix in ("cbc", "cac")}
T = TypeVar("T")
RULE_MODULES = (
    "services.validation.rules.cen_core",
    "services.validation.rules.cen_vat",
    "services.validation.rules.peppol",
    "services.validation.rules.norway",
    "services.validation.rules.cen_codelists",
    "services.validation.rules.ubl_syntax",
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
Hits = Callable[["Doc"], Mapping[str, Sequence[str]]]
"""A shared per-document table of findings: rule id -> its locations (absent: none)."""
_REGISTRY: dict[str, tuple[RuleSpec, Check]] = {}
_ORDERED: list[tuple[str, RuleSpec, Check]] = []
_TABLES: dict[str, Hits] = {}


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
        _ORDERED.clear()
        _selected.cache_clear()
        return check

    return register


def table_rule(
    rule_id: str,
    message_en: str,
    message_nb: str,
    hits: Hits,
    *,
    layer: Layer = Layer.CEN,
    flag: Severity = Severity.FATAL,
) -> Check:
    """Register a rule whose findings `hits(doc)` already holds (one walk answering hundreds
    of rules). It is an ordinary rule to everyone; the runner reads a run of such rules with
    one look at the table instead of calling each."""

    def check(doc: Doc) -> Sequence[str]:
        return hits(doc).get(rule_id, ())

    check.__name__ = f"check_{rule_id.replace('-', '_')}"
    registered = rule(rule_id, message_en, message_nb, layer=layer, flag=flag)(check)
    _TABLES[rule_id] = hits
    _selected.cache_clear()
    return registered


def all_rules() -> dict[str, RuleSpec]:
    _load()
    return {rule_id: spec for rule_id, (spec, _) in _REGISTRY.items()}


def _load() -> None:
    """Import the rule modules (they register their rules), once: every validation asks."""
    if _LOADED:
        return
    for module in RULE_MODULES:
        importlib.import_module(module)
    _LOADED.append(True)


_LOADED: list[bool] = []


def _ordered_rules() -> list[tuple[str, RuleSpec, Check]]:
    """The registry in rule-id order (sorted once, again only after a rule is registered)."""
    if not _ORDERED:
        _ORDERED.extend((rule_id, *_REGISTRY[rule_id]) for rule_id in sorted(_REGISTRY))
    return _ORDERED


@dataclass(frozen=True)
class _Batch:
    """Consecutive selected rules answered by one table, each with its place in the run."""

    hits: Hits
    rules: dict[str, tuple[int, RuleSpec]]


_Step = tuple[str, RuleSpec, Check] | _Batch


@functools.lru_cache(maxsize=64)
def _selected(layers: frozenset[Layer], names: frozenset[str] | None) -> tuple[_Step, ...]:
    """The rules of these layers (and names, if given) in rule-id order, runs of table rules
    of the same table as one batch; forgotten whenever a rule is registered."""
    steps: list[_Step] = []
    for rule_id, spec, check in _ordered_rules():
        if spec.layer not in layers or (names is not None and rule_id not in names):
            continue
        hits = _TABLES.get(rule_id)
        if hits is None:
            steps.append((rule_id, spec, check))
            continue
        last = steps[-1] if steps else None
        if not isinstance(last, _Batch) or last.hits is not hits:
            last = _Batch(hits, {})
            steps.append(last)
        last.rules[rule_id] = (len(last.rules), spec)
    return tuple(steps)


def validate_document(
    root: etree._Element, layers: Iterable[Layer] = tuple(Layer), only: Iterable[str] | None = None
) -> list[Finding]:
    """Every finding of the chosen layers (or only the named rules), in rule-id order."""
    _load()
    names = frozenset(only) if only is not None else None
    doc = Doc(root)
    findings: list[Finding] = []
    for step in _selected(frozenset(layers), names):
        if isinstance(step, _Batch):
            table = step.hits(doc)
            found = sorted(
                (step.rules[rule_id], rule_id) for rule_id in table if rule_id in step.rules
            )
            for (_, spec), rule_id in found:
                for location in table[rule_id]:
                    findings.append(_finding(rule_id, spec, location))
        else:
            rule_id, spec, check = step
            for location in check(doc):
                findings.append(_finding(rule_id, spec, location))
    return findings


def _finding(rule_id: str, spec: RuleSpec, location: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        flag=spec.flag,
        message_en=spec.message_en,
        message_nb=spec.message_nb,
        location=location,
    )


WATCHED_ATTRIBUTES: set[str] = set()
"""Attribute names whose owners `Doc.attributed` lists: filled by the rule modules that ask."""


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
        self._memo: dict[str, dict[etree._Element, list[Any]]] = {}
        self._children: dict[etree._Element, dict[Any, _Children]] = {}
        self.shared: dict[Callable[[Doc], Any], Any] = {}
        self._blank_leaves: list[etree._Element] | None = None
        self._attributed: list[tuple[etree._Element, str]] = []
        self._positions: dict[etree._Element, int] = {}
        self._locations: dict[etree._Element, str] = {}
        self._sibling_numbers: dict[etree._Element, int] = {}

    def xpath(self, path: str, node: etree._Element | None = None) -> list[Any]:
        """Memoised per document: many rules ask the same questions of the same element. A
        plain child step (the commonest question) is answered from the child index instead,
        as a fresh list."""
        context = node if node is not None else self.root
        tag = _SINGLE_CHILD.get(path)
        if tag is not None:
            return self._child_list(context, tag)
        found = self._answer(path, context)
        if _SINGLE_CHILD[path] is not None:
            return list(found)  # a copy: the child index stays as it is
        return cast(list[Any], found)

    def _answer(self, path: str, context: etree._Element) -> Sequence[Any]:
        """What `xpath` answers, without copying a child-index list: for the readers below,
        which only look."""
        tag = _SINGLE_CHILD.get(path, _UNKNOWN)
        if tag is _UNKNOWN:
            tag = _SINGLE_CHILD[path] = single_child_tag(path)
        if tag is not None:
            index = self._children.get(context)
            if index is None:
                index = self._index_children(context)
            found = index.get(tag)
            if found is None:
                return ()
            return found if isinstance(found, list) else (found,)
        steps = _CHILD_STEPS.get(path, _UNKNOWN)
        if steps is _UNKNOWN:
            steps = _CHILD_STEPS[path] = child_paths(path)
        if steps is not None and context is not self.root:  # walked again (see `_walked`)
            if len(steps) == 1:
                return self._walk(context, steps[0])
            walked = self._walked(context, steps)
            if walked is not None:
                return walked
        answers = self._memo.get(path)
        if answers is None:
            answers = self._memo[path] = {}
        found = answers.get(context)
        if found is None:
            found = answers[context] = self._evaluate(path, context)
        return found

    def _walked(
        self, context: etree._Element, alternatives: tuple[ChildPath, ...]
    ) -> list[Any] | None:
        """A child path through the child index; None for a union where more than one side
        matches (document order then needs libxml2). Below the root not memoised: a walk costs
        little more than a memo lookup, and a memo entry per line and path makes big documents'
        working set (and the garbage collector's work) grow faster than the document."""
        if len(alternatives) == 1:
            return self._walk(context, alternatives[0])
        matched = [found for steps in alternatives if (found := self._walk(context, steps))]
        if len(matched) <= 1:
            return matched[0] if matched else []
        return None

    def _evaluate(self, path: str, context: etree._Element) -> list[Any]:
        """Plain child paths (and unions of them where at most one matches) are walked through
        the per-element child index; everything else goes to libxml2's XPath. Same answers:
        child steps keep document order, and a union with one non-empty side is that side."""
        alternatives = child_paths(path)
        if alternatives is not None:
            if len(alternatives) == 1:
                return self._walk(context, alternatives[0])
            matched = [found for steps in alternatives if (found := self._walk(context, steps))]
            if len(matched) <= 1:
                return matched[0] if matched else []
        descendants = descendant_paths(path)
        if descendants is not None and (
            context is self.top or not any(relative for relative, _, _ in descendants)
        ):
            return self._from_tag_index(context, descendants)
        return cast(list[Any], compiled(path)(context))

    def _from_tag_index(
        self, context: etree._Element, alternatives: tuple[DescendantPath, ...]
    ) -> list[etree._Element]:
        """`//a:B/c:D[@e]` (and `.//…` from the top element, and unions of such) from the
        per-document tag index. Several sources are merged back into document order."""
        found: list[etree._Element] = []
        sources = 0
        for relative, tags, attribute in alternatives:
            first = tags[0]
            if first.endswith(_VAT_MARK):
                nodes = self.by_tag.get(first[: -len(_VAT_MARK)], [])
                nodes = [node for node in nodes if self._vat_scheme(node)]
            else:
                nodes = self.by_tag.get(first, [])
            if relative:
                nodes = [node for node in nodes if node is not context]
            for tag in tags[1:]:
                sources += len(nodes) > 1
                nodes = [child for node in nodes for child in self._step(node, tag)]
            if attribute is not None:
                nodes = [node for node in nodes if node.get(attribute) is not None]
            sources += bool(nodes)
            found.extend(nodes)
        if sources > 1:
            position = self.positions
            found = sorted(dict.fromkeys(found), key=position.__getitem__)
        return found

    @cached_property
    def top(self) -> etree._Element:
        """The tree's top element (what an absolute `//` path searches from)."""
        return self.tree.getroot()

    @cached_property
    def by_tag(self) -> dict[Any, list[etree._Element]]:
        """Every element of the tree by Clark tag, in document order (one pass, on first use).
        The same pass notes what PEPPOL-EN16931-R008 needs (see `blank_leaves`) and which
        elements carry attributes (see `attributed`), and each element's place (see
        `positions`)."""
        index: dict[Any, list[etree._Element]] = {}
        blank_leaves: list[etree._Element] = []
        attributed, watched = self._attributed, WATCHED_ATTRIBUTES
        positions = self._positions
        other_children = False
        for place, node in enumerate(self.top.iter()):
            positions[node] = place
            tag = node.tag
            index.setdefault(tag, []).append(node)
            if not isinstance(tag, str):
                other_children = True  # a comment or processing instruction
                continue
            names: Any = node.keys()  # lxml's names of the attributes, str
            if names:
                for name in names:
                    if name in watched:
                        attributed.append((node, name))
            if len(node) == 0 and not (node.text or "").strip():
                blank_leaves.append(node)
        self._blank_leaves = None if other_children else blank_leaves
        return index

    @property
    def attributed(self) -> list[tuple[etree._Element, str]]:
        """`//@*` restricted to the names in `WATCHED_ATTRIBUTES`, in document order, as
        (owner, name), from the one walk of `by_tag` (a namespaced attribute's key is
        `{uri}name`, never a watched name)."""
        _ = self.by_tag
        return self._attributed

    @property
    def blank_leaves(self) -> list[etree._Element] | None:
        """Elements without children whose text is blank, in document order, from the one
        walk of `by_tag`; None when that is not the whole answer to 'which elements are
        empty' (the tree has comments or processing instructions, or the root is not the
        tree's top)."""
        _ = self.by_tag
        return self._blank_leaves if self.root is self.top else None

    @property
    def positions(self) -> dict[etree._Element, int]:
        """Each element's place in document order (from the one walk of `by_tag`)."""
        _ = self.by_tag
        return self._positions

    def _walk(self, context: etree._Element, steps: ChildPath) -> list[Any]:
        """A child path from `context`, a fresh list (the child index stays as it is). Plain
        steps read the child index directly: most steps have one node to step from."""
        tags, attribute = steps
        known = self._children
        current: Sequence[etree._Element] = (context,)
        for tag in tags:
            if tag[-1] == "]":
                current = [child for node in current for child in self._step(node, tag)]
            elif len(current) == 1:
                node = current[0]
                index = known.get(node)
                if index is None:
                    index = self._index_children(node)
                found = index.get(tag)
                if found is None:
                    return []
                current = found if isinstance(found, list) else (found,)
            else:
                current = [child for node in current for child in self.children(node, tag)]
        if attribute is None:
            return list(current)
        values = (node.get(attribute) for node in current)
        return [value for value in values if value is not None]

    def _step(self, node: etree._Element, tag: str) -> list[etree._Element]:
        """A child step: `children`, and only those with a VAT tax scheme when the tag
        carries the VAT mark (see `VAT_SCHEME`)."""
        if tag.endswith(_VAT_MARK):
            found = self.children(node, tag[: -len(_VAT_MARK)])
            return [child for child in found if self._vat_scheme(child)]
        return self.children(node, tag)

    def _vat_scheme(self, node: etree._Element) -> bool:
        """`VAT_SCHEME` holds for the node: a cac:TaxScheme/cbc:ID whose normalised string
        value is 'VAT' with v, a and t upper-cased (XPath's whitespace is the only space)."""
        for scheme in self.children(node, _TAX_SCHEME):
            for identifier in self.children(scheme, _ID):
                value = string_value(identifier).strip(_XML_SPACE)
                if value.translate(_VAT_CASE) == "VAT":
                    return True
        return False

    def children(self, node: etree._Element, tag: str) -> list[etree._Element]:
        """The element children of `node` with this Clark tag, in document order (the node's
        children are indexed by tag on first use)."""
        index = self._children.get(node)
        if index is None:
            index = self._index_children(node)
        found = index.get(tag)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def child_index(self, node: etree._Element) -> dict[Any, _Children]:
        """The node's children by tag (see `_index_children`), for readers that only look."""
        index = self._children.get(node)
        return index if index is not None else self._index_children(node)

    def _index_children(self, node: etree._Element) -> dict[Any, _Children]:
        """The children by tag: the element itself when it is the only one of its tag (the
        common case in UBL), else a list. A list per child would be most of what a big
        document's view holds, and of what the garbage collector walks."""
        index: dict[Any, _Children] = {}
        for child in node:
            tag = child.tag
            found = index.get(tag)
            if found is None:
                index[tag] = child
            elif isinstance(found, list):
                found.append(child)
            else:
                index[tag] = [found, child]
        self._children[node] = index
        return index

    def _child_list(self, context: etree._Element, tag: str) -> list[etree._Element]:
        """The children of this tag, a fresh list: `nodes` and `xpath` of a plain child step
        whose tag `_answer` has learnt (the commonest question, answered in one call)."""
        index = self._children.get(context)
        if index is None:
            index = self._index_children(context)
        found = index.get(tag)
        if found is None:
            return []
        return found.copy() if isinstance(found, list) else [found]

    def nodes(self, path: str, node: etree._Element | None = None) -> list[etree._Element]:
        context = node if node is not None else self.root
        tag = _SINGLE_CHILD.get(path)
        if tag is not None:
            return self._child_list(context, tag)
        found = self._answer(path, context)
        only_elements = _ELEMENTS_ONLY.get(path)
        if only_elements is None:
            only_elements = _ELEMENTS_ONLY[path] = selects_elements(path)
        if only_elements:
            return list(found)
        return [n for n in found if isinstance(n, etree._Element)]

    def first(self, path: str, node: etree._Element | None = None) -> etree._Element | None:
        for found in self._answer(path, node if node is not None else self.root):
            if isinstance(found, etree._Element):
                return found
        return None

    def text(self, path: str, node: etree._Element | None = None) -> str | None:
        """Normalised text of the first match (element or attribute); None when absent."""
        context = node if node is not None else self.root
        tag = _SINGLE_CHILD.get(path)
        if tag is not None:  # a plain child step: the child index, without `_answer`
            index = self._children.get(context)
            if index is None:
                index = self._index_children(context)
            found = index.get(tag)
            if found is None:
                return None
            element = found[0] if isinstance(found, list) else found
            return " ".join((element.text or "").split())
        for item in self._answer(path, context):
            value = item if isinstance(item, str) else item.text
            return " ".join(str(value or "").split())
        return None

    def exists(self, path: str, node: etree._Element | None = None) -> bool:
        """A union of child paths exists when one of its sides does: no need to put the sides
        in document order (libxml2's work when more than one matches)."""
        context = node if node is not None else self.root
        tag = _SINGLE_CHILD.get(path)
        if tag is not None:  # a plain child step: the child index, without `_answer`
            index = self._children.get(context)
            if index is None:
                index = self._index_children(context)
            return tag in index
        steps = _CHILD_STEPS.get(path, _UNKNOWN)
        if steps is _UNKNOWN:
            steps = _CHILD_STEPS[path] = child_paths(path)
        if steps is not None and len(steps) > 1 and context is not self.root:
            return any(self._walk(context, alternative) for alternative in steps)
        return bool(self._answer(path, context))

    def present(self, path: str, node: etree._Element | None = None) -> bool:
        """Exists with non-blank text (what the rules mean by 'shall have')."""
        return any(
            (item if isinstance(item, str) else string_value(item)).strip()
            for item in self._answer(path, node if node is not None else self.root)
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
        for item in self._answer(path, node if node is not None else self.root):
            raw = item if isinstance(item, str) else item.text
            try:
                values.append(Decimal(str(raw).strip()))
            except (InvalidOperation, TypeError):
                continue
        return values

    def location(self, node: etree._Element | None = None) -> str:
        """An XPath a person can follow: /Invoice/cac:TaxTotal[1]/cbc:TaxAmount[1]. Each
        element's location is kept for the document, so the locations of many lines (or of
        everything inside one line) cost one step each, not a walk back to the top."""
        target = node if node is not None else self.root
        known = self._locations.get(target)
        if known is not None:
            return known
        pending: list[etree._Element] = []
        current: etree._Element | None = target
        prefix = ""
        while current is not None:
            known = self._locations.get(current)
            if known is not None:
                prefix = known
                break
            pending.append(current)
            current = current.getparent()
        for element in reversed(pending):
            prefix = self._locations[element] = prefix + "/" + self._step_name(element)
        return prefix

    def _step_name(self, node: etree._Element) -> str:
        """`cac:Name[n]`: n counts the siblings of the same name (none for the top)."""
        qname = etree.QName(node)
        prefix = PREFIX_OF.get(qname.namespace or "")
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = node.getparent()
        if parent is None:
            return name
        number = self._sibling_numbers.get(node)
        if number is None:
            self._number_children(parent)
            number = self._sibling_numbers[node]
        return f"{name}[{number}]"

    def _number_children(self, parent: etree._Element) -> None:
        """Number all children of `parent` by tag in one pass (asking each child's preceding
        siblings would make the locations of n lines cost n² steps)."""
        counts: dict[Any, int] = {}
        for child in parent:
            tag = child.tag
            counts[tag] = self._sibling_numbers[child] = counts.get(tag, 0) + 1

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



def string_value(node: etree._Element) -> str:
    """XPath's string value of an element: all its descendant text. A leaf's is its text,
    read directly: `itertext()` costs some twenty times as much, and most values are leaves."""
    if len(node) == 0:
        return node.text or ""
    return "".join(cast(Iterator[str], node.itertext()))


def per_document(compute: Callable[[Doc], T]) -> Callable[[Doc], T]:
    """A view of the document that several rules share: computed on first use, once per Doc."""

    @functools.wraps(compute)
    def shared(doc: Doc) -> T:
        try:  # computed once, read by many rules: the read is the path to keep short
            found: T = doc.shared[compute]
        except KeyError:
            found = doc.shared[compute] = compute(doc)
        return found

    return shared


@functools.lru_cache(maxsize=4096)
def compiled(path: str) -> etree.XPath:
    """Rules ask the same few hundred paths of every document: compile each once."""
    return etree.XPath(path, namespaces=NS)


_Children = etree._Element | list[etree._Element]
"""A child index entry: the one child of a tag, or the children of a tag in document order."""
ChildPath = tuple[tuple[str, ...], str | None]
"""Clark tags of child steps, and the attribute the path ends in (if any)."""
_CHILD_STEP = re.compile(r"(cbc|cac):([A-Za-z]+)(\[VAT\])?")
VAT_SCHEME = "[cac:TaxScheme/cbc:ID[translate(normalize-space(.), 'vat', 'VAT') = 'VAT']]"
"""The predicate 'whose tax scheme is VAT' the rules put on tax categories and party tax
schemes; `Doc` answers paths with it in Python (the step's Clark tag then ends in `_VAT_MARK`)."""
_VAT_MARK = "[VAT]"
_TAX_SCHEME = f"{{{NS['cac']}}}TaxScheme"
_ID = f"{{{NS['cbc']}}}ID"
_XML_SPACE = " \t\r\n"
_VAT_CASE = str.maketrans("vat", "VAT")
_ATTRIBUTE_STEP = re.compile(r"@([A-Za-z]+)")


@functools.lru_cache(maxsize=4096)
def child_paths(path: str) -> tuple[ChildPath, ...] | None:
    """`cac:A/cbc:B`, `cbc:B/@attr`, `@attr` and unions of such as child paths; None for any
    other XPath (descendants, parents, predicates, functions)."""
    alternatives = []
    for alternative in path.replace(VAT_SCHEME, _VAT_MARK).split(" | "):
        tags: list[str] = []
        attribute = None
        for position, step in enumerate(alternative.split("/")):
            element = _CHILD_STEP.fullmatch(step)
            if element is not None and attribute is None:
                tag = f"{{{NS[element.group(1)]}}}{element.group(2)}{element.group(3) or ''}"
                tags.append(tag)
                continue
            named = _ATTRIBUTE_STEP.fullmatch(step)
            if named is None or attribute is not None or position != alternative.count("/"):
                return None
            attribute = named.group(1)
        alternatives.append((tuple(tags), attribute))
    return tuple(alternatives)


_UNKNOWN = "?"
_SINGLE_CHILD: dict[str, str | None] = {}
"""`single_child_tag` of each path asked so far (a plain dict: asked hundreds of times per
document)."""
_CHILD_STEPS: dict[str, Any] = {}
"""`child_paths` of each path asked so far."""
_ELEMENTS_ONLY: dict[str, bool] = {}
"""`selects_elements` of each path asked so far."""


@functools.lru_cache(maxsize=4096)
def single_child_tag(path: str) -> str | None:
    """The Clark tag of a path that is one plain child step (`cbc:ID`), else None."""
    alternatives = child_paths(path)
    if alternatives is None or len(alternatives) != 1:
        return None
    tags, attribute = alternatives[0]
    if len(tags) != 1 or attribute is not None or tags[0].endswith(_VAT_MARK):
        return None
    return tags[0]


@functools.lru_cache(maxsize=4096)
def selects_elements(path: str) -> bool:
    """The path is one that `Doc` answers with elements only (child steps without an
    attribute, or the descendant paths of the tag index)."""
    alternatives = child_paths(path)
    if alternatives is not None:
        return all(attribute is None for _, attribute in alternatives)
    return descendant_paths(path) is not None


DescendantPath = tuple[bool, tuple[str, ...], str | None]
"""`.//` (True) or `//`, Clark tags of the steps, and the attribute the last step must carry."""
_DESCENDANT_PATH = re.compile(
    r"(\.?)//((?:cbc|cac):[A-Za-z]+(?:\[VAT\])?(?:/(?:cbc|cac):[A-Za-z]+(?:\[VAT\])?)*)"
    r"(?:\[@([A-Za-z]+)\])?"
)


@functools.lru_cache(maxsize=4096)
def descendant_paths(path: str) -> tuple[DescendantPath, ...] | None:
    """`//cac:A/cbc:B`, `.//cbc:B[@attr]` and unions of such; None for any other XPath."""
    alternatives = []
    for alternative in path.replace(VAT_SCHEME, _VAT_MARK).split(" | "):
        match = _DESCENDANT_PATH.fullmatch(alternative)
        if match is None:
            return None
        tags = tuple(
            f"{{{NS[prefix]}}}{name}"
            for prefix, name in (step.split(":") for step in match.group(2).split("/"))
        )
        alternatives.append((bool(match.group(1)), tags, match.group(3)))
    return tuple(alternatives)


def missing(doc: Doc, path: str, node: etree._Element | None = None) -> Iterator[str]:
    """A 'shall have' rule: the context's location when the element is missing or blank."""
    if not doc.present(path, node):
        yield doc.location(node)
