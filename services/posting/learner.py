"""The learned model in the running service: suggesting with the current version, and a trainer
that retrains in the background when enough corrections have arrived.

The consumer reads whatever version `CURRENT` names and notices a new one within seconds; the
trainer (its own process) reads approved codings from posting's event log, trains a new
version beside the old and switches `CURRENT` only when the new one is complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.posting.coding import Prediction
from services.posting.config import PostingSettings
from services.posting.eventlog import EventLogReader
from services.posting.learning import store
from services.posting.learning.bureau import ModelSet
from services.posting.learning.model import TrainConfig
from services.posting.learning.records import CodingRecord
from services.posting.learning.suggestion import Suggestion
from shared.schemas.invoice import CanonicalInvoice

log = logging.getLogger(__name__)


def records_for(tenant_id: str, invoice: CanonicalInvoice) -> list[CodingRecord]:
    """The invoice's lines as the model reads them (no labels)."""
    day = invoice.issue_date or datetime.now(UTC).date()
    return [
        CodingRecord(
            tenant=tenant_id,
            date=day,
            supplier_orgnr=invoice.seller.legal_id,
            supplier_name=invoice.seller.name,
            description=line.description or "",
            amount=line.net_amount,
            currency=invoice.currency or "NOK",
            vat_rate=line.vat_rate,
            tax_category=line.vat_category,
            order_reference=invoice.order_reference,
            buyer_reference=invoice.buyer_reference,
            item_classification=line.item_classification,
        )
        for line in invoice.lines
    ]


def prediction_of(suggestion: Suggestion, version: str | None) -> Prediction | None:
    account = suggestion.targets.get("account")
    if suggestion.source is None or account is None or account.value is None:
        return None
    similar = "; ".join(
        f"{v.date} «{v.description}» {v.amount} → {v.account}" for v in suggestion.similar[:3]
    )
    explanation = suggestion.text() + (f". Ligner: {similar}" if similar else "")
    return Prediction(
        account=account.value,
        confidence=account.confidence,
        explanation=explanation,
        vat_code=suggestion.value("vat_code"),
        department=suggestion.value("department"),
        project=suggestion.value("project"),
        model_version=version,
    )


class ModelPredictor:
    """The posting consumer's predictor: the current model version, reloaded when it changes."""

    def __init__(self, root: Path, check_every: float = 5.0) -> None:
        self.root = root
        self.check_every = check_every
        self.models: ModelSet | None = None
        self.version: str | None = None
        self._checked = 0.0

    def __call__(self, tenant_id: str, invoice: CanonicalInvoice) -> list[Prediction | None]:
        self._refresh()
        if self.models is None or not invoice.lines:
            return []
        suggestions = self.models.suggest(records_for(tenant_id, invoice))
        return [prediction_of(s, self.version) for s in suggestions]

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.check_every and self.models is not None:
            return
        self._checked = now
        current = store.current_version(self.root) if self.root.exists() else None
        if current is None or current.name == self.version:
            return
        try:
            self.models = store.load(self.root)
            self.version = current.name
            log.info("coding model %s loaded", current.name)
        except (OSError, ValueError) as exc:
            log.warning("coding model %s not loaded: %s", current, exc)


class Trainer:
    """Retrains when there is no model yet and enough history, or enough new corrections."""

    def __init__(
        self,
        log_reader: EventLogReader,
        root: Path,
        posting: PostingSettings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reader = log_reader
        self.root = root
        self.posting = posting
        self.sleep = sleep
        self.records: list[CodingRecord] = []
        self.corrections = 0
        self.recoded: set[Any] = set()
        self.trained_at = _trained_at(root)
        self.newest: datetime | None = None
        """The newest event read: what the next model will have seen."""
        self.running = True

    def poll(self) -> None:
        """New approved lines; a correction counts once its invoice is approved and posted,
        for only then is the corrected coding something to learn from."""
        for name, data, at in self.reader.new_events(("PostingCase.Posted", "PostingCase.Recoded")):
            invoice = data.get("originator_id")
            self.newest = at if self.newest is None else max(self.newest, at)
            if name == "PostingCase.Recoded":
                self.recoded.add(invoice)
                continue
            self.records += [CodingRecord.model_validate(r) for r in data.get("records") or []]
            if invoice in self.recoded and (self.trained_at is None or at > self.trained_at):
                self.corrections += 1

    def due(self) -> bool:
        if self.trained_at is None:
            return len(self.records) >= self.posting.model_min_records
        return store.should_retrain(
            self.corrections,
            len(self.records),
            min_corrections=self.posting.retrain_min_corrections,
        )

    def train(self) -> Path:
        config = TrainConfig(
            min_labels=self.posting.model_min_labels,
            min_data_in_leaf=self.posting.model_min_leaf,
        )
        models = ModelSet.train(
            self.records,
            config,
            progress=lambda message: log.info("training: %s", message),
            min_tenant_records=self.posting.model_min_records,
        )
        path = store.publish(models, self.root)
        store.prune(self.root, keep=3)
        log.info(
            "coding model %s from %d lines (%d corrections since the last)",
            path.name,
            len(self.records),
            self.corrections,
        )
        # Up to what it read, not until now: an invoice posted while the model trained is read
        # next, and its correction still counts.
        self.trained_at = self.newest or datetime.now(UTC)
        self.corrections = 0
        return path

    def run(self) -> None:
        while self.running:
            self.poll()
            if self.records and self.due():
                self.train()
            self.sleep(self.posting.train_interval)

    def stop(self, *_: Any) -> None:
        self.running = False


def _trained_at(root: Path) -> datetime | None:
    if not root.exists() or store.current_version(root) is None:
        return None
    manifest: dict[str, Any] = store.load(root).manifest
    stamp = manifest.get("trained_at")
    return datetime.fromisoformat(stamp) if stamp else None
