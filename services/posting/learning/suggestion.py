"""What a model suggests for one invoice line, and its documented JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.posting.learning.records import TARGETS, Target

WORDS: dict[Target, str] = {
    "account": "konto",
    "vat_code": "mva-kode",
    "department": "avdeling",
    "project": "prosjekt",
}


@dataclass(frozen=True)
class TargetSuggestion:
    """One target's value with its calibrated confidence and the reasons a person can check."""

    value: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "alternatives": [[v, round(p, 4)] for v, p in self.alternatives],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class SimilarVoucher:
    """An earlier approved voucher of the same tenant that looks like the line."""

    date: str
    supplier: str
    description: str
    amount: str | None
    account: str | None
    similarity: float

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "supplier": self.supplier,
            "description": self.description,
            "amount": self.amount,
            "account": self.account,
            "similarity": round(self.similarity, 3),
        }


@dataclass(frozen=True)
class Suggestion:
    """A whole line's coding. `source` is "tenant", "shared", or None (no model: use rules)."""

    targets: dict[Target, TargetSuggestion] = field(default_factory=dict)
    source: str | None = None
    similar: tuple[SimilarVoucher, ...] = ()
    note: str = ""

    def value(self, target: Target) -> str | None:
        found = self.targets.get(target)
        return found.value if found else None

    @property
    def confidence(self) -> float:
        """Joint confidence: the product over the targets suggested (0 when none is)."""
        suggested = [t.confidence for t in self.targets.values() if t.value is not None]
        if not suggested:
            return 0.0
        product = 1.0
        for value in suggested:
            product *= value
        return product

    def touchless(self, threshold: float) -> bool:
        return self.source is not None and self.confidence >= threshold

    def text(self) -> str:
        """One readable sentence for the coding screen."""
        if self.source is None:
            return self.note or "Ingen lært modell for denne linjen; bruk reglene."
        parts = []
        for target, found in self.targets.items():
            if found.value is None:
                continue
            why = "; ".join(found.reasons[:2])
            reason = f": {why}" if why else ""
            parts.append(f"{WORDS[target]} {found.value} ({found.confidence:.0%}{reason})")
        return ". ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The documented line: {account, vat_code, department, project, confidence,
        explanation}."""
        out: dict[str, Any] = {target: self.value(target) for target in TARGETS}
        out["confidence"] = round(self.confidence, 4)
        out["explanation"] = {
            "source": self.source,
            "text": self.text(),
            "targets": {t: s.to_json() for t, s in self.targets.items()},
            "similar": [v.to_json() for v in self.similar],
        }
        return out
