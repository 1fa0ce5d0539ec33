"""Turning a decision into words a bookkeeper can check against the invoice and the ledger.

The deciding features come from LightGBM's per-feature contributions (`pred_contrib=True`) for
the chosen value; the columns of one evidence source are summed so "the supplier's history" is
one reason, and each reason is written with the numbers behind it.
"""

from __future__ import annotations

import math

import numpy as np

from services.posting.learning import features as ft
from services.posting.learning.features import FloatArray
from services.posting.learning.model import CodingModel, Decision, TargetModel
from services.posting.learning.records import CodingRecord
from services.posting.learning.suggestion import SimilarVoucher

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
_INDEX = {name: i for i, name in enumerate(ft.FEATURES)}


def source_of(feature: str) -> str:
    """The evidence source a column belongs to (its reason)."""
    for prefix in (*ft.KEY_KINDS, "nb", "knn"):
        if feature.startswith(prefix + "_"):
            return prefix
    return feature


def reasons(
    model: CodingModel,
    target: TargetModel,
    decision: Decision,
    record: CodingRecord,
    nearest: SimilarVoucher | None,
    limit: int = 3,
) -> tuple[str, ...]:
    """The `limit` sources that pushed the chosen value up most, in words."""
    if decision.value is None:
        return ()
    if decision.contributions is None or decision.row is None:
        return (f"eneste verdi i historikken: {decision.value}",)
    by_source: dict[str, float] = {}
    for name, value in zip(ft.FEATURES, decision.contributions, strict=True):
        source = source_of(name)
        by_source[source] = by_source.get(source, 0.0) + float(value)
    ranked = sorted((v, s) for s, v in by_source.items() if v > 0)[::-1]
    out = []
    for _, source in ranked:
        text = _describe(source, model, target, decision, record, decision.row, nearest)
        if text and text not in out:
            out.append(text)
        if len(out) == limit:
            break
    return tuple(out)


def _describe(
    source: str,
    model: CodingModel,
    target: TargetModel,
    decision: Decision,
    record: CodingRecord,
    row: FloatArray,
    nearest: SimilarVoucher | None,
) -> str:
    value = decision.value
    keys = ft.record_keys(record)
    if source in ft.KEY_KINDS:
        count, total = row[_INDEX[f"{source}_count"]], row[_INDEX[f"{source}_total"]]
        if not total or math.isnan(total):
            return _absent(source, keys)
        tally = f"{value} i {count:.0f} av {total:.0f} bilag"
        return {
            "supplier": (
                f"leverandør {record.supplier_orgnr or record.supplier_name}: {tally}"
                if model.scope == "tenant"
                else f"leverandøren i byråets andre firma: {tally}"
            ),
            "buyer": f"deres referanse «{record.buyer_reference}»: {tally}",
            "order": f"ordrereferanse «{keys['order']}…»: {tally}",
            "item": f"varekode {keys['item']}…: {tally}",
            "vat": f"mva {_rate(record)} ({record.tax_category or '-'}, {record.currency}): "
            f"{tally}",
            "all": f"{value} brukes i {count / max(total, 1):.0%} av bilagene",
        }[source]
    if source == "nb":
        found = top_words(model, target, decision.label, record.description)
        return "ord " + ", ".join(f"«{w}»" for w in found) if found else ""
    if source == "knn":
        if nearest is None:
            return ""
        return (
            f"ligner bilag {nearest.date} «{nearest.description}» "
            f"(konto {nearest.account}, {nearest.similarity:.0%} likt)"
        )
    return _line_fact(source, record)


def _absent(source: str, keys: dict[str, str]) -> str:
    if source == "supplier":
        return "ny leverandør (ingen tidligere bilag)"
    return ""


def _line_fact(source: str, record: CodingRecord) -> str:
    if source == "log_amount" and record.amount is not None:
        return f"beløp ≈ {approximately(float(record.amount))}"
    if source == "credit":
        return "kreditnota" if record.amount is not None and record.amount < 0 else ""
    if source in ("vat_rate", "tax_category"):
        return f"mva-sats {_rate(record)} ({record.tax_category or '-'})"
    if source == "currency":
        return f"valuta {record.currency}"
    if source == "month":
        return f"måned {MONTHS[record.date.month - 1]}"
    if source == "has_order":
        return "med ordrereferanse" if record.order_reference else "uten ordrereferanse"
    if source == "has_buyer":
        return "med deres referanse" if record.buyer_reference else "uten deres referanse"
    if source == "item_segment" and record.item_classification:
        return f"varekode {record.item_classification}"
    if source == "candidate":
        return "en verdi som ofte brukes slik"
    return ""


def _rate(record: CodingRecord) -> str:
    if record.vat_rate is None:
        return "ukjent sats"
    return f"{record.vat_rate.normalize():f} %".replace(".", ",")


def approximately(amount: float) -> str:
    """Two significant digits with a space as thousands separator: 1234.5 -> "1 200"."""
    if amount == 0:
        return "0"
    digits = math.floor(math.log10(abs(amount)))
    rounded = round(amount, -digits + 1)
    text = f"{rounded:,.0f}" if abs(rounded) >= 10 else f"{rounded:.1f}"
    return text.replace(",", " ").replace(".", ",")


def top_words(
    model: CodingModel, target: TargetModel, label: int, text: str, k: int = 2
) -> list[str]:
    """The line's words that favour `label` most over the best other value (naive Bayes ratio)."""
    if label < 0 or len(model.vocabulary) == 0:
        return []
    alpha = model.config.features.nb_alpha
    bits = model.config.features.hash_bits
    scored = []
    totals = target.token_totals()
    for word in dict.fromkeys(ft.words(text)):
        if word.startswith("#"):
            continue
        hashed = ft.word_ids(word, bits, model.config.features.char_ngram)[0]
        at = int(np.searchsorted(model.vocabulary, hashed))
        if at >= len(model.vocabulary) or model.vocabulary[at] != hashed:
            continue
        log_theta = np.log(target.nb_tokens[at] + alpha) - np.log(
            totals + alpha * len(model.vocabulary)
        )
        others = np.delete(log_theta, label)
        margin = float(log_theta[label] - (others.max() if len(others) else 0.0))
        if margin > 0:
            scored.append((margin, word))
    return [w for _, w in sorted(scored, reverse=True)[:k]]
