"""Pure feature extraction for the coding models: no I/O, no clock, no global state.

A model scores (invoice line, candidate value) pairs. The columns say how much evidence there
is for the candidate: how often the supplier (or the buyer reference, order-number prefix,
item class, VAT treatment) went to it *before* the line's date, how well the line's words and
character n-grams fit it (naive Bayes over hashed n-grams), how close the nearest earlier
voucher of the same supplier with that value is, plus the line itself (amount, currency, VAT
rate, month). Evidence measured only from earlier records keeps training honest: at suggestion
time there is no future either. Because the columns mean the same for every account, one tree
ensemble serves a tenant's whole chart, and a value a supplier starts using is suggestable as
soon as the evidence for it exists.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from services.posting.learning.records import CodingRecord

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Key kinds whose earlier label distribution is evidence. "all" is the tenant's own prior.
KEY_KINDS = ("supplier", "buyer", "order", "item", "vat", "all")
#: Kinds that identify something inside one tenant; the shared model never sees them.
TENANT_KINDS = frozenset({"buyer", "order"})

BASE_FEATURES = (
    "log_amount",
    "credit",
    "vat_rate",
    "tax_category",
    "currency",
    "month",
    "has_order",
    "has_buyer",
    "item_segment",
    "words",
)
CANDIDATE_FEATURES = (
    "candidate",
    *(f"{kind}_{part}" for kind in KEY_KINDS for part in ("share", "count", "total")),
    "nb_prob",
    "nb_gap",
    "nb_rank",
    "knn_max",
    "knn_top",
    "knn_best",
)
FEATURES = BASE_FEATURES + CANDIDATE_FEATURES
CATEGORICAL = ("tax_category", "currency", "candidate")

TAX_CATEGORIES = {"S": 1, "Z": 2, "E": 3, "AE": 4, "K": 5, "G": 6, "O": 7, "L": 8, "M": 9}
CURRENCIES = {"NOK": 0, "EUR": 1, "USD": 2, "SEK": 3, "DKK": 4, "GBP": 5}
#: Day number meaning "after everything": at suggestion time all history is earlier.
ALWAYS = (1 << 22) - 1
_DAY_SPAN = 1 << 22
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class FeatureConfig:
    """How text is hashed and how much evidence is gathered; stored in the model manifest."""

    hash_bits: int = 20
    char_ngram: int = 3
    nb_alpha: float = 0.1
    nb_blocks: int = 12
    nb_candidates: int = 3
    key_candidates: int = 2
    prior_candidates: int = 2
    similar: int = 3

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureConfig:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# -- text ---------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words; digit runs become their shape (#4) so periods and numbers generalise."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for word in _WORD.findall(text):
        out.append(f"#{min(len(word), 6)}" if word.isdigit() else word)
    return out


def _hash(token: str, bits: int) -> int:
    return zlib.crc32(token.encode("utf-8")) & ((1 << bits) - 1)


@lru_cache(maxsize=262_144)
def word_ids(word: str, bits: int, n: int) -> tuple[int, ...]:
    """A word and its character n-grams (typos keep most of them); cached as words repeat."""
    padded = f"<{word}>"
    grams = {padded[i : i + n] for i in range(max(1, len(padded) - n + 1))}
    return (_hash("w:" + word, bits), *(_hash("c:" + g, bits) for g in sorted(grams)))


def text_ids(text: str, config: FeatureConfig) -> list[int]:
    """Hashed word, word-pair and character n-gram ids of a line's description."""
    tokens = words(text)
    ids: set[int] = set()
    for word in tokens:
        ids.update(word_ids(word, config.hash_bits, config.char_ngram))
    for first, second in pairwise(tokens):
        ids.add(_hash(f"b:{first} {second}", config.hash_bits))
    return sorted(ids)


def text_matrix(texts: Sequence[str], config: FeatureConfig) -> sp.csr_matrix:
    """Binary bag of hashed n-grams, one row per text, 2**hash_bits columns."""
    indptr = [0]
    indices: list[int] = []
    for text in texts:
        indices.extend(text_ids(text, config))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(texts), 1 << config.hash_bits),
    )


def restrict(matrix: sp.csr_matrix, vocabulary: IntArray) -> sp.csr_matrix:
    """Keep only the columns a model knows, renumbered 0..len(vocabulary)-1."""
    coo = matrix.tocoo()
    position = np.searchsorted(vocabulary, coo.col)
    position = np.minimum(position, max(len(vocabulary) - 1, 0))
    known = vocabulary[position] == coo.col if len(vocabulary) else np.zeros(coo.nnz, dtype=bool)
    return sp.csr_matrix(
        (coo.data[known], (coo.row[known], position[known])),
        shape=(matrix.shape[0], len(vocabulary)),
        dtype=np.float32,
    )


def normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    scaled: sp.csr_matrix = sp.diags(1.0 / norms).dot(matrix).tocsr()
    return scaled


# -- the line itself ----------------------------------------------------------------------------


def record_keys(record: CodingRecord) -> dict[str, str]:
    """The values evidence is grouped by; "" when the line has none."""
    order = record.order_reference or ""
    chunks = re.split(r"[^0-9A-Za-zÆØÅæøå]+", order.upper())
    prefix = next((c for c in chunks if c), "")
    rate = "" if record.vat_rate is None else f"{record.vat_rate.normalize():f}"
    return {
        "supplier": record.supplier,
        "buyer": " ".join((record.buyer_reference or "").upper().split()),
        "order": prefix[:4] if prefix.isdigit() else prefix,
        "item": (record.item_classification or "")[:4],
        "vat": f"{record.tax_category or '-'}|{rate}|{record.currency}",
        "all": "*",
    }


def base_row(record: CodingRecord) -> list[float]:
    amount = float(record.amount) if record.amount is not None else math.nan
    item = record.item_classification or ""
    return [
        math.log1p(abs(amount)) if not math.isnan(amount) else math.nan,
        1.0 if amount < 0 else 0.0,
        float(record.vat_rate) if record.vat_rate is not None else math.nan,
        float(TAX_CATEGORIES.get(record.tax_category or "", 0)),
        float(CURRENCIES.get(record.currency, 6)),
        float(record.date.month),
        1.0 if record.order_reference else 0.0,
        1.0 if record.buyer_reference else 0.0,
        float(item[:2]) if item[:2].isdigit() else math.nan,
        float(len(words(record.description))),
    ]


def base_matrix(records: Sequence[CodingRecord]) -> FloatArray:
    if not records:
        return np.zeros((0, len(BASE_FEATURES)))
    return np.asarray([base_row(r) for r in records], dtype=np.float64)


def day_numbers(records: Sequence[CodingRecord]) -> IntArray:
    return np.asarray([r.date.toordinal() for r in records], dtype=np.int64)


@dataclass(frozen=True)
class Lines:
    """What is computed once per line, whichever model (tenant or shared) then looks at it."""

    hashed: sp.csr_matrix
    keys: list[dict[str, str]]
    base: FloatArray
    days: IntArray

    def take(self, rows: Sequence[int] | IntArray) -> Lines:
        index = np.asarray(rows, dtype=np.int64)
        return Lines(
            self.hashed[index], [self.keys[i] for i in index], self.base[index], self.days[index]
        )


def lines_of(records: Sequence[CodingRecord], config: FeatureConfig) -> Lines:
    return Lines(
        text_matrix([r.description for r in records], config),
        [record_keys(r) for r in records],
        base_matrix(records),
        day_numbers(records),
    )


def encode_keys(values: Sequence[str], vocabulary: dict[str, int]) -> IntArray:
    """Ids of keys; -1 for an empty key or one the model never saw."""
    return np.asarray([vocabulary.get(v, -1) if v else -1 for v in values], dtype=np.int64)


# -- evidence from earlier records ---------------------------------------------------------------


class History:
    """Counts of (key, label) events strictly before a day, answered with binary search."""

    def __init__(self, keys: IntArray, labels: IntArray, days: IntArray, n_labels: int) -> None:
        ok = (keys >= 0) & (labels >= 0)
        self.n_labels = max(n_labels, 1)
        pair = keys[ok] * self.n_labels + labels[ok]
        self._pairs = np.sort(pair * _DAY_SPAN + days[ok])
        self._keys = np.sort(keys[ok] * _DAY_SPAN + days[ok])

    def count(self, keys: IntArray, labels: IntArray, days: IntArray) -> FloatArray:
        pair = keys * self.n_labels + labels
        found = np.searchsorted(self._pairs, pair * _DAY_SPAN + days) - np.searchsorted(
            self._pairs, pair * _DAY_SPAN
        )
        return np.where(keys >= 0, found, 0).astype(np.float64)

    def total(self, keys: IntArray, days: IntArray) -> FloatArray:
        found = np.searchsorted(self._keys, keys * _DAY_SPAN + days) - np.searchsorted(
            self._keys, keys * _DAY_SPAN
        )
        return np.where(keys >= 0, found, 0).astype(np.float64)


def key_label_counts(keys: IntArray, labels: IntArray, n_keys: int, n_labels: int) -> FloatArray:
    """All-time counts as a dense (keys x labels) table: the state kept for suggesting."""
    table = np.zeros((max(n_keys, 1), max(n_labels, 1)))
    ok = (keys >= 0) & (labels >= 0)
    np.add.at(table, (keys[ok], labels[ok]), 1.0)
    return table


def nb_log_posterior(
    text: sp.csr_matrix, token_counts: FloatArray, class_counts: FloatArray, alpha: float
) -> FloatArray:
    """Multinomial naive Bayes over the n-gram bag: log P(label | words), rows sum to one."""
    vocabulary = token_counts.shape[0]
    log_theta = np.log(token_counts + alpha) - np.log(
        token_counts.sum(axis=0, keepdims=True) + alpha * vocabulary
    )
    prior = np.log((class_counts + 1.0) / (class_counts.sum() + len(class_counts)))
    scores = np.asarray(text @ log_theta) + prior
    scores -= scores.max(axis=1, keepdims=True)
    log_sum: FloatArray = np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return np.asarray(scores - log_sum, dtype=np.float64)


def nb_online(
    text: sp.csr_matrix, labels: IntArray, days: IntArray, n_labels: int, config: FeatureConfig
) -> FloatArray:
    """Naive Bayes posteriors where each line only learned from lines of earlier blocks."""
    n_rows, vocabulary = text.shape
    out = np.full((n_rows, max(n_labels, 1)), -math.log(max(n_labels, 1)))
    if n_rows == 0 or n_labels == 0:
        return out
    order = np.argsort(days, kind="stable")
    edges = np.unique(np.quantile(days, np.linspace(0, 1, config.nb_blocks + 1)[1:-1]))
    block_of = np.searchsorted(edges, days[order], side="right")
    token_counts = np.zeros((vocabulary, n_labels))
    class_counts = np.zeros(n_labels)
    for block in range(len(edges) + 1):
        rows = order[block_of == block]
        if len(rows) == 0:
            continue
        if class_counts.sum() > 0:
            out[rows] = nb_log_posterior(text[rows], token_counts, class_counts, config.nb_alpha)
        labelled = rows[labels[rows] >= 0]
        onehot = np.zeros((len(labelled), n_labels))
        onehot[np.arange(len(labelled)), labels[labelled]] = 1.0
        token_counts += np.asarray(text[labelled].T @ onehot)
        class_counts += onehot.sum(axis=0)
    return out


def nb_counts(
    text: sp.csr_matrix, labels: IntArray, n_labels: int
) -> tuple[FloatArray, FloatArray]:
    """All-time naive Bayes counts: the state kept for suggesting."""
    labelled = np.flatnonzero(labels >= 0)
    onehot = np.zeros((len(labelled), max(n_labels, 1)))
    onehot[np.arange(len(labelled)), labels[labelled]] = 1.0
    return np.asarray(text[labelled].T @ onehot), onehot.sum(axis=0)


@dataclass(frozen=True)
class Neighbours:
    """Per target, the best similarity to an earlier same-supplier voucher with each label."""

    best_by_label: list[FloatArray]  # per target: (queries x labels), -1 when none
    nearest: IntArray  # (queries x k) reference index, -1 when none
    similarity: FloatArray  # (queries x k)


def neighbours(
    query: sp.csr_matrix,
    query_days: IntArray,
    query_groups: IntArray,
    reference: sp.csr_matrix,
    reference_days: IntArray,
    reference_groups: IntArray,
    reference_labels: Sequence[IntArray],
    label_counts: Sequence[int],
    k: int,
    chunk: int = 2048,
) -> Neighbours:
    """Cosine similarity within the same group (supplier) to references dated before the query.

    Rows must be L2-normalised. Work is per group, so cost follows the largest supplier's size,
    not the whole history's.
    """
    n = query.shape[0]
    best = [np.full((n, max(size, 1)), -1.0) for size in label_counts]
    nearest = np.full((n, k), -1, dtype=np.int64)
    similarity = np.zeros((n, k))
    ref_order = np.argsort(reference_groups, kind="stable")
    ref_sorted = reference_groups[ref_order]
    for group in np.unique(query_groups[query_groups >= 0]):
        start, stop = np.searchsorted(ref_sorted, [group, group + 1])
        refs = ref_order[start:stop]
        if len(refs) == 0:
            continue
        rows_all = np.flatnonzero(query_groups == group)
        ref_matrix = reference[refs].T.tocsc()
        for begin in range(0, len(rows_all), chunk):
            rows = rows_all[begin : begin + chunk]
            sims = np.asarray((query[rows] @ ref_matrix).todense(), dtype=np.float64)
            sims[reference_days[refs][None, :] >= query_days[rows][:, None]] = -1.0
            _fill_best(sims, refs, rows, reference_labels, best)
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            top_sims = np.take_along_axis(sims, top, axis=1)
            width = top.shape[1]
            nearest[rows, :width] = np.where(top_sims >= 0, refs[top], -1)
            similarity[rows, :width] = np.maximum(top_sims, 0.0)
    return Neighbours(best, nearest, similarity)


def _fill_best(
    sims: FloatArray,
    refs: IntArray,
    rows: IntArray,
    reference_labels: Sequence[IntArray],
    best: list[FloatArray],
) -> None:
    for labels, out in zip(reference_labels, best, strict=True):
        group_labels = labels[refs]
        for label in np.unique(group_labels[group_labels >= 0]):
            masked = np.where(group_labels[None, :] == label, sims, -1.0)
            out[rows, label] = masked.max(axis=1)


# -- candidates and rows --------------------------------------------------------------------------


def top_labels(table: FloatArray, k: int) -> BoolArray:
    """Per key row, a mask of its k most frequent labels (only those it has used)."""
    mask = np.zeros(table.shape, dtype=bool)
    if table.size == 0 or k <= 0:
        return mask
    k = min(k, table.shape[1])
    top = np.argsort(-table, axis=1, kind="stable")[:, :k]
    np.put_along_axis(mask, top, True, axis=1)
    return mask & (table > 0)


def candidate_mask(
    key_tables: dict[str, FloatArray],
    key_ids: dict[str, IntArray],
    nb: FloatArray,
    config: FeatureConfig,
) -> BoolArray:
    """The values worth scoring: all the supplier ever used, the best text fits, the usual ones
    for the line's other keys. The right value is never added by hand (that would leak)."""
    n, n_labels = nb.shape
    mask = np.zeros((n, n_labels), dtype=bool)
    for kind, table in key_tables.items():
        ids = key_ids[kind]
        known = ids >= 0
        if kind == "supplier":
            rows = table[ids[known]] > 0
        else:
            depth = config.prior_candidates if kind == "all" else config.key_candidates
            rows = top_labels(table, depth)[ids[known]]
        mask[known] |= rows
    k = min(config.nb_candidates, n_labels)
    if k and n:
        top = np.argpartition(-nb, k - 1, axis=1)[:, :k]
        np.put_along_axis(mask, top, True, axis=1)
    return mask


def candidate_rows(
    base: FloatArray,
    rec: IntArray,
    cand: IntArray,
    key_counts: dict[str, tuple[FloatArray, FloatArray]],
    nb: FloatArray,
    knn: FloatArray | None,
    knn_top: IntArray | None,
) -> FloatArray:
    """The feature matrix (FEATURES order) for candidate pairs (line `rec`, label `cand`).

    `key_counts[kind]` holds, per pair, the label's count and the key's total before the line.
    """
    columns: list[FloatArray] = [base[rec], cand[:, None].astype(np.float64)]
    for kind in KEY_KINDS:
        if kind in key_counts:
            count, total = key_counts[kind]
            share = np.where(total > 0, count / np.maximum(total, 1.0), np.nan)
            columns.append(np.column_stack([share, count, total]))
        else:
            columns.append(np.full((len(rec), 3), np.nan))
    log_p = nb[rec, cand]
    gap = log_p - nb.max(axis=1)[rec]
    rank = (nb[rec] > log_p[:, None]).sum(axis=1).astype(np.float64)
    columns.append(np.column_stack([np.exp(log_p), gap, rank]))
    if knn is not None and knn_top is not None:
        columns.append(
            np.column_stack(
                [knn[rec, cand], (knn_top[rec] == cand).astype(np.float64), knn.max(axis=1)[rec]]
            )
        )
    else:
        columns.append(np.full((len(rec), 3), np.nan))
    return np.hstack(columns)
