"""The coding suggestion for one invoice, line by line. Pure.

Per line the account and dimensions come from the first source that has them: the tenant's
rules (they always win), the learned model, the supplier's history, the tenant's default account.
The VAT code comes from the invoice's own tax category and rate (SAF-T standard codes) and is
checked against what the account expects. The invoice is coded without a person (touchless) when
every line is at least as sure as the tenant's threshold and nothing was found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from services.posting.setup import CodingRule, Setup
from shared.schemas.events import CodingLine, Finding, Severity
from shared.schemas.invoice import CanonicalInvoice, InvoiceLine

CENT = Decimal("0.01")
Method = Literal["history", "default", "rule", "model", "manual"]

#: SAF-T standard tax codes for domestic purchases by rate (DESIGN §4).
VAT_CODE_BY_RATE = {
    Decimal("25"): "1",
    Decimal("15"): "11",
    Decimal("12"): "13",
    Decimal("11.11"): "12",
}
RATE_OF_CODE = {code: rate for rate, code in VAT_CODE_BY_RATE.items()} | {"0": Decimal("0")}
NO_DEDUCTION = frozenset({"E", "Z", "O", "AE", "K", "G"})
VAT_MISMATCH = "FP-VAT-01"
UNKNOWN_ACCOUNT = "FP-ACC-01"
MISMATCH_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Prediction:
    """What the learned model says about one line."""

    account: str | None
    confidence: float
    explanation: str
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None
    model_version: str | None = None


@dataclass(frozen=True)
class Suggestion:
    lines: list[CodingLine]
    confidence: float
    method: Method
    explanation: str
    findings: list[Finding] = field(default_factory=list)
    touchless: bool = False


def vat_code_for(category: str | None, rate: Decimal | None) -> str | None:
    """SAF-T code from the invoice; None when the invoice does not say (captured from paper)."""
    if category in NO_DEDUCTION:
        return "0"
    if rate is None:
        return None
    return VAT_CODE_BY_RATE.get(rate, "0")


def code_invoice(
    invoice: CanonicalInvoice,
    setup: Setup,
    predictions: Sequence[Prediction | None],
    history: dict[str, int],
) -> Suggestion:
    lines = invoice.lines or [_whole_invoice(invoice)]
    predicted = list(predictions) + [None] * (len(lines) - len(predictions))
    nets = _nets(invoice, lines)
    coded: list[tuple[CodingLine, float, Method]] = []
    findings: list[Finding] = []
    for line, prediction, net in zip(lines, predicted, nets, strict=False):
        choice = _choose(invoice, line, setup, prediction, history)
        vat_code = (
            vat_code_for(line.vat_category, line.vat_rate)
            or choice.vat_code
            or _document_vat_code(invoice)
        )
        confidence = choice.confidence
        problems = _check(setup, line.line_id, choice.account, vat_code)
        if problems:
            confidence = min(confidence, MISMATCH_CONFIDENCE)
            findings += problems
        coded.append(
            (
                CodingLine(
                    account=choice.account,
                    vat_code=vat_code,
                    net_amount=net,
                    department=_known(choice.department, setup.dimensions.departments),
                    project=_known(choice.project, setup.dimensions.projects),
                    description=line.description,
                    invoice_line=line.line_id,
                    confidence=round(confidence, 3),
                    explanation=choice.explanation,
                ),
                confidence,
                choice.method,
            )
        )
    coding = _with_vat(invoice, [c for c, _, _ in coded])
    weakest = min(coded, key=lambda c: c[1])
    confidence = round(weakest[1], 3)
    touchless = confidence >= setup.settings.touchless_threshold and not findings
    return Suggestion(
        lines=coding,
        confidence=confidence,
        method=weakest[2],
        explanation=_summary(coded, touchless, setup.settings.touchless_threshold),
        findings=findings,
        touchless=touchless,
    )


@dataclass(frozen=True)
class _Choice:
    account: str
    confidence: float
    method: Method
    explanation: str
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None


def _choose(
    invoice: CanonicalInvoice,
    line: InvoiceLine,
    setup: Setup,
    prediction: Prediction | None,
    history: dict[str, int],
) -> _Choice:
    rule = matching_rule(setup.rules, invoice, line)
    fallback = _fallback(prediction, history, setup)
    if rule is None:
        return fallback
    then = rule.then
    return _Choice(
        account=then.account or fallback.account,
        confidence=1.0 if then.account else fallback.confidence,
        method="rule" if then.account else fallback.method,
        explanation=f"Regel «{rule.name}»"
        + ("" if then.account else f"; konto: {fallback.explanation}"),
        vat_code=then.vat_code or fallback.vat_code,
        department=then.department or fallback.department,
        project=then.project or fallback.project,
    )


def _fallback(prediction: Prediction | None, history: dict[str, int], setup: Setup) -> _Choice:
    """The model or the supplier's history, whichever is surer; else the default account."""
    learned = _history(history)
    surer = learned is None or (
        prediction is not None and prediction.confidence >= learned.confidence
    )
    if prediction is not None and prediction.account and surer:
        return _Choice(
            account=prediction.account,
            confidence=prediction.confidence,
            method="model",
            explanation=prediction.explanation,
            vat_code=prediction.vat_code,
            department=prediction.department,
            project=prediction.project,
        )
    if learned is not None:
        return learned
    account = setup.settings.default_account
    return _Choice(
        account=account,
        confidence=0.2,
        method="default",
        explanation=f"Ingen historikk for leverandøren; standardkonto {account}",
    )


def _history(history: dict[str, int]) -> _Choice | None:
    if not history:
        return None
    account, uses = Counter(history).most_common(1)[0]
    total = sum(history.values())
    confidence = min(0.95, 0.5 + 0.45 * uses / total * min(1.0, total / 5))
    return _Choice(
        account=account,
        confidence=confidence,
        method="history",
        explanation=f"Leverandørens mest brukte konto: {account} ({uses} av {total} bilag)",
    )


def matching_rule(
    rules: Sequence[CodingRule], invoice: CanonicalInvoice, line: InvoiceLine
) -> CodingRule | None:
    """The first rule whose every condition holds for this line."""
    supplier = (invoice.seller.legal_id or "").replace(" ", "")
    text = " ".join(filter(None, (line.description, line.note))).casefold()
    reference = (invoice.buyer_reference or "").strip().casefold()
    for rule in rules:
        when = rule.when
        if when.supplier_orgnr and when.supplier_orgnr != supplier:
            continue
        if when.text_contains and when.text_contains.casefold() not in text:
            continue
        if when.buyer_reference and when.buyer_reference.strip().casefold() != reference:
            continue
        return rule
    return None


def _check(setup: Setup, line_id: str, number: str, vat_code: str) -> list[Finding]:
    account = setup.account(number)
    if account is None:
        return [
            Finding(
                rule_id=UNKNOWN_ACCOUNT,
                flag=Severity.WARNING,
                location=f"/*/cac:InvoiceLine[cbc:ID='{line_id}']",
                message_nb=f"Linje {line_id}: konto {number} finnes ikke i kontoplanen.",
                message_en=f"Line {line_id}: account {number} is not in the chart of accounts.",
            )
        ]
    if account.vat_codes and vat_code not in account.vat_codes:
        expected = ", ".join(account.vat_codes)
        return [
            Finding(
                rule_id=VAT_MISMATCH,
                flag=Severity.WARNING,
                location=f"/*/cac:InvoiceLine[cbc:ID='{line_id}']",
                message_nb=f"Linje {line_id}: mva-kode {vat_code} passer ikke konto {number} "
                f"{account.name} (forventet {expected}).",
                message_en=f"Line {line_id}: VAT code {vat_code} does not fit account {number} "
                f"{account.name} (expected {expected}).",
            )
        ]
    return []


def _whole_invoice(invoice: CanonicalInvoice) -> InvoiceLine:
    """A captured invoice without lines is coded as one line of its net total."""
    rates = {b.rate for b in invoice.vat_breakdown if b.rate is not None}
    return InvoiceLine(
        line_id="1",
        description=invoice.note,
        net_amount=invoice.totals.tax_exclusive,
        vat_rate=rates.pop() if len(rates) == 1 else None,
    )


def _document_vat_code(invoice: CanonicalInvoice) -> str:
    return "1" if invoice.totals.tax else "0"


def _nets(invoice: CanonicalInvoice, lines: Sequence[InvoiceLine]) -> list[Decimal]:
    """Line nets, scaled so they add up to the document's net total (allowances, charges)."""
    sign = Decimal(-1) if invoice.kind.value == "credit-note" else Decimal(1)
    raw = [line.net_amount or Decimal(0) for line in lines]
    total = invoice.totals.tax_exclusive
    line_sum = sum(raw, Decimal(0))
    if total is not None and line_sum and line_sum != total:
        raw = [(v * total / line_sum).quantize(CENT, ROUND_HALF_UP) for v in raw]
        _settle(raw, total)
    elif total is not None and not line_sum:
        raw = [total] + [Decimal(0)] * (len(raw) - 1)
    return [sign * v.quantize(CENT, ROUND_HALF_UP) for v in raw]


def _with_vat(invoice: CanonicalInvoice, lines: list[CodingLine]) -> list[CodingLine]:
    """Input VAT per line from its code's rate; the document's VAT total settles the øre."""
    vat = [
        (line.net_amount * RATE_OF_CODE.get(line.vat_code, Decimal(0)) / 100).quantize(
            CENT, ROUND_HALF_UP
        )
        for line in lines
    ]
    tax = invoice.totals.tax
    if tax is not None and any(vat):
        sign = Decimal(-1) if invoice.kind.value == "credit-note" else Decimal(1)
        _settle(vat, sign * tax)
    return [line.model_copy(update={"vat_amount": v}) for line, v in zip(lines, vat, strict=True)]


def _settle(amounts: list[Decimal], target: Decimal) -> None:
    largest = max(range(len(amounts)), key=lambda i: abs(amounts[i]))
    amounts[largest] += target - sum(amounts, Decimal(0))


def _known(code: str | None, known: Sequence[object]) -> str | None:
    codes = {getattr(d, "code", None) for d in known}
    return code if code and (not codes or code in codes) else None


def _summary(
    coded: list[tuple[CodingLine, float, Method]], touchless: bool, threshold: float
) -> str:
    accounts = ", ".join(sorted({c.account for c, _, _ in coded}))
    weakest = min(coded, key=lambda c: c[1])
    state = (
        "kontert automatisk"
        if touchless
        else f"trenger manuell kontering (sikkerhet under {threshold:.0%} eller funn)"
    )
    line, _, _ = weakest
    return f"Konto {accounts}; {state}. Svakeste linje {line.invoice_line}: {line.explanation}"
