"""The model in the running service: the predictor follows CURRENT, the trainer retrains when
there is enough history or enough corrections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fakturaportal.demo import DemoLine, demo_invoice
from services.intake.ehf import capture
from services.posting.config import PostingSettings
from services.posting.learner import ModelPredictor, Trainer, records_for
from shared.xmlsafe import parse_untrusted

SUPPLIER = "974760673"  # the demo invoice's seller


def record(day: int, account: str, text: str = "Konsulentbistand") -> dict[str, Any]:
    return {
        "tenant": "t1",
        "date": date(2026, 1 + day % 10, 1 + day % 27).isoformat(),
        "supplier_orgnr": SUPPLIER,
        "supplier_name": "Kontorrekvisita Nord AS",
        "description": text,
        "amount": "1000",
        "currency": "NOK",
        "vat_rate": "25",
        "tax_category": "S",
        "account": account,
        "vat_code": "1",
    }


class Log:
    """What the trainer reads from posting's event log: approved codings and corrections."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, dict[str, Any], datetime]] = []

    def add(self, name: str, data: dict[str, Any]) -> None:
        self.pending.append((name, data, datetime.now(UTC)))

    def new_events(self, names: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any], datetime]]:
        events, self.pending = self.pending, []
        yield from (e for e in events if e[0] in names)


SMALL = PostingSettings(
    model_min_records=3, model_min_labels=2, model_min_leaf=1, retrain_min_corrections=2
)


def test_trainer_trains_on_enough_history_and_retrains_after_corrections(tmp_path: Path):
    log = Log()
    trainer = Trainer(log, tmp_path / "models", SMALL)  # type: ignore[arg-type]
    log.add("PostingCase.Posted", {"records": [record(1, "6705"), record(2, "6705")]})
    trainer.poll()
    assert not trainer.due()  # 2 lines: not enough for a first model
    log.add("PostingCase.Posted", {"records": [record(3, "6705")]})
    trainer.poll()
    assert trainer.due()
    first = trainer.train()
    assert not trainer.due()
    log.add("PostingCase.Recoded", {"originator_id": "a"})
    trainer.poll()
    assert not trainer.due()  # corrected, but not approved yet: nothing to learn from
    log.add("PostingCase.Posted", {"originator_id": "a", "records": [record(4, "6700")]})
    trainer.poll()
    assert not trainer.due()  # one correction is not enough
    log.add("PostingCase.Recoded", {"originator_id": "b"})
    log.add("PostingCase.Posted", {"originator_id": "b", "records": [record(5, "6700")]})
    trainer.poll()
    assert trainer.due()
    second = trainer.train()
    assert second != first and (tmp_path / "models" / "CURRENT").read_text().strip().endswith(
        second.name
    )


def test_predictor_follows_the_current_model(tmp_path: Path):
    invoice = capture(
        parse_untrusted(
            demo_invoice(5, lines=(DemoLine("Konsulentbistand", Decimal(1), Decimal(1000)),))
        )
    )
    predictor = ModelPredictor(tmp_path / "models", check_every=0)
    assert predictor("t1", invoice) == []  # no model yet: rules and history decide
    log = Log()
    trainer = Trainer(log, tmp_path / "models", SMALL)  # type: ignore[arg-type]
    log.add("PostingCase.Posted", {"records": [record(d, "6705") for d in range(4)]})
    trainer.poll()
    trainer.train()
    [prediction] = predictor("t1", invoice)
    assert prediction is not None
    assert prediction.account == "6705"
    assert 0.5 < prediction.confidence <= 1.0
    assert "6705" in prediction.explanation and "Ligner" in prediction.explanation
    assert prediction.model_version == predictor.version


def test_records_for_reads_each_invoice_line():
    invoice = capture(
        parse_untrusted(
            demo_invoice(
                6,
                lines=(
                    DemoLine("Toner", Decimal(2), Decimal(300)),
                    DemoLine("Papir", Decimal(1), Decimal(100)),
                ),
                order="PO-9",
            )
        )
    )
    records = records_for("t1", invoice)
    assert [(r.description, r.amount, r.order_reference) for r in records] == [
        ("Toner", Decimal("600.00"), "PO-9"),
        ("Papir", Decimal("100.00"), "PO-9"),
    ]
    assert all(r.account is None for r in records)


def test_a_correction_posted_while_the_model_trains_still_counts(tmp_path: Path):
    """The cut-off is the newest event the model saw, not the moment its training ended."""
    log = Log()
    trainer = Trainer(log, tmp_path / "models", SMALL)  # type: ignore[arg-type]
    log.add("PostingCase.Posted", {"records": [record(n, "6705") for n in (1, 2, 3)]})
    log.add("PostingCase.Recoded", {"originator_id": "a"})
    log.add("PostingCase.Recoded", {"originator_id": "b"})
    trainer.poll()
    log.add("PostingCase.Posted", {"originator_id": "a", "records": [record(4, "6700")]})
    log.add("PostingCase.Posted", {"originator_id": "b", "records": [record(5, "6700")]})
    trainer.train()  # the two postings happened meanwhile, before the training ended
    trainer.poll()
    assert trainer.corrections == 2 and trainer.due()
