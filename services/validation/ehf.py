"""EHF validation of an original document: the official rule layers over the parsed XML."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from services.validation.rules import Layer, validate_document
from services.validation.rules.engine import NS
from shared.schemas.events import Finding, Severity
from shared.xmlsafe import UnsafeOrInvalidXml, parse_untrusted

UBL_ROOTS = {f"{{{NS['ubl']}}}Invoice", f"{{{NS['cn']}}}CreditNote"}
#: EHF Billing 3.0 = Peppol BIS 3.0 on EN16931, plus the Norwegian national rules.
EHF_LAYERS = (Layer.CEN, Layer.PEPPOL, Layer.NO)


class NotAnEhfDocument(ValueError):
    """Not a UBL Invoice or CreditNote at all (or XML we refuse to read)."""


@dataclass(frozen=True)
class Verdict:
    findings: list[Finding]

    @property
    def valid(self) -> bool:
        return not any(f.flag is Severity.FATAL for f in self.findings)


def validate_ehf(data: bytes, max_bytes: int = 20 * 1024 * 1024) -> Verdict:
    try:
        root = parse_untrusted(data, max_bytes)
    except UnsafeOrInvalidXml as exc:
        raise NotAnEhfDocument(str(exc)) from exc
    if root.tag not in UBL_ROOTS:
        raise NotAnEhfDocument(
            f"root element {etree.QName(root).localname!r} is not a UBL 2.1 "
            "Invoice or CreditNote (EHF Billing 3.0)"
        )
    return Verdict(validate_document(root, EHF_LAYERS))
