"""The learned coding library: training, suggesting, explaining, storing, and its command line."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bench.posting_history import generate
from services.posting.learning import store
from services.posting.learning.bureau import ModelSet
from services.posting.learning.cli import main
from services.posting.learning.evaluate import score, split
from services.posting.learning.features import FeatureConfig, History, record_keys, text_ids
from services.posting.learning.model import TrainConfig
from services.posting.learning.records import TARGETS, CodingRecord, RecordError, parse_lines

CONFIG = TrainConfig(rounds=30, seed=3)
DOCUMENTED = {"account", "vat_code", "department", "project", "confidence", "explanation"}


@pytest.fixture(scope="module")
def history():
    return [
        CodingRecord.model_validate(r) for r in generate(2400, seed=5, tenants=3, suppliers=120)
    ]


@pytest.fixture(scope="module")
def trained(history):
    train, test = split(history, 0.2)
    return ModelSet.train(train, CONFIG), train, test


def write(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_records_read_codes_as_text_and_name_the_bad_line():
    good = {"tenant": "t", "date": "2025-01-02", "account": 6340, "amount": 1200.5}
    record = next(parse_lines([json.dumps(good)]))
    assert record.account == "6340" and record.amount == Decimal("1200.5")
    with pytest.raises(RecordError) as caught:
        list(parse_lines([json.dumps(good), "", "{not json"]))
    assert caught.value.line == 3


def test_text_features_are_stable_and_typo_tolerant():
    config = FeatureConfig()
    assert text_ids("Strøm januar 2025", config) == text_ids("strøm  JANUAR 2026", config)
    shared = set(text_ids("abonnement", config)) & set(text_ids("abonnemnet", config))
    assert len(shared) >= 4  # character n-grams survive a swapped pair of letters


def test_history_counts_only_earlier_days():
    keys = np.array([0, 0, 0, 1])
    labels = np.array([2, 2, 1, 2])
    days = np.array([10, 11, 11, 5])
    history = History(keys, labels, days, 3)
    assert history.count(
        np.array([0, 0, 0]), np.array([2, 2, 2]), np.array([10, 11, 12])
    ).tolist() == [0, 1, 2]
    assert history.total(np.array([0]), np.array([11])).tolist() == [1]


def test_save_and_load_give_identical_suggestions(trained, tmp_path):
    models, _, test = trained
    models.save(tmp_path / "v1")
    again = ModelSet.load(tmp_path / "v1")
    first = [s.to_json() for s in models.suggest(test[:150])]
    second = [s.to_json() for s in again.suggest(test[:150])]
    assert first == second


def test_null_labels_train_each_target_on_the_lines_that_have_it(history):
    tenant = history[0].tenant
    lines = [r for r in history if r.tenant == tenant]
    lines = [
        r.model_copy(update={"project": None, "department": r.department if i % 3 else None})
        for i, r in enumerate(lines)
    ]
    models = ModelSet.train(lines, CONFIG)
    model = models.tenants[tenant]
    assert "project" not in model.targets
    if any(r.department for r in lines):
        expected = sum(1 for r in lines if r.department)
        assert model.targets["department"].stats["lines"] == expected
    suggestion = models.suggest([lines[-1].without_labels()])[0]
    assert suggestion.value("project") is None and suggestion.value("account") is not None


def test_confidence_is_a_probability_and_ranks_right_above_wrong(trained):
    models, _, test = trained
    suggestions = models.suggest(test, explain_=False)
    confidences, right = [], []
    for record, suggestion in zip(test, suggestions, strict=True):
        found = suggestion.targets["account"]
        assert 0.0 <= found.confidence <= 1.0 and 0.0 <= suggestion.confidence <= 1.0
        confidences.append(found.confidence)
        right.append(found.value == record.account)
    confidences, right = np.array(confidences), np.array(right)
    assert right.mean() > 0.8
    assert confidences[right].mean() > confidences[~right].mean()
    # calibrated: the stated confidence is near the observed accuracy
    assert abs(confidences.mean() - right.mean()) < 0.1


def test_explanation_names_similar_vouchers_and_deciding_features(trained):
    models, train, test = trained
    known = {(r.tenant, r.supplier) for r in train}
    record = next(r for r in test if (r.tenant, r.supplier) in known)
    suggestion = models.suggest([record.without_labels()])[0]
    assert suggestion.source == "tenant"
    assert suggestion.similar and suggestion.similar[0].date < record.date.isoformat() + "~"
    assert all(v.account for v in suggestion.similar)
    reasons = suggestion.targets["account"].reasons
    assert reasons and any(
        ("leverandør" in r) or ("ord «" in r) or ("ligner" in r) for r in reasons
    )
    assert suggestion.to_json()["explanation"]["similar"][0]["description"]


def test_unseen_supplier_uses_the_shared_model_and_unknown_tenant_too(trained):
    models, train, _ = trained
    template = train[-1]
    stranger = template.model_copy(
        update={
            "supplier_orgnr": "999999999",
            "supplier_name": "Helt Ny Leverandør AS",
            "description": "kopipapir a4 og toner",
        }
    ).without_labels()
    suggestion = models.suggest([stranger])[0]
    assert models.route(stranger) == "shared" and suggestion.source == "shared"
    assert suggestion.value("account") is not None
    newcomer = stranger.model_copy(update={"tenant": "not-a-customer-yet"})
    assert models.suggest([newcomer])[0].source == "shared"
    assert models.shared is not None and models.shared.references is None
    assert "buyer" not in models.shared.kinds and "order" not in models.shared.kinds


def test_shared_model_files_hold_no_tenant_and_no_line(trained, tmp_path):
    models, train, _ = trained
    models.save(tmp_path / "v")
    blob = "".join(
        p.read_text("utf-8", errors="ignore") for p in (tmp_path / "v" / "shared").rglob("*.json")
    )
    assert not any(r.tenant in blob for r in train)
    assert not any(r.description in blob for r in train[:50] if len(r.description) > 12)


def test_no_model_means_no_source(history):
    empty = ModelSet({}, None)
    suggestion = empty.suggest([history[0].without_labels()])[0]
    assert suggestion.source is None and suggestion.to_json()["account"] is None


def test_evaluate_scores_each_label_for_known_and_unseen(trained):
    models, train, test = trained
    report = score(models, train, test)
    assert set(report.scores) >= {"account", "vat_code"}
    assert report.scores["account"]["known"].lines > 0
    assert report.scores["vat_code"]["all"].to_json()["top1"] > 0.95
    assert "top-1" in report.table()


def test_cli_train_then_suggest_prints_the_documented_lines(tmp_path, capsys):
    rows = generate(900, seed=9, tenants=2, suppliers=60)
    history = write(tmp_path / "history.jsonl", rows[:800])
    unlabeled = [{k: v for k, v in r.items() if k not in TARGETS} for r in rows[800:810]]
    given = write(tmp_path / "input.jsonl", unlabeled)
    assert (
        main(["train", str(history), "--model", str(tmp_path / "m"), "--rounds", "20", "--quiet"])
        == 0
    )
    capsys.readouterr()
    assert main(["suggest", "--model", str(tmp_path / "m"), str(given)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    for line in lines:
        data = json.loads(line)
        assert set(data) == DOCUMENTED
        assert data["account"] is None or isinstance(data["account"], str)
        assert 0 <= data["confidence"] <= 1


def test_cli_evaluate_prints_per_label_accuracy(tmp_path, capsys):
    history = write(tmp_path / "h.jsonl", generate(900, seed=4, tenants=2, suppliers=60))
    assert main(["evaluate", str(history), "--rounds", "20", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "account" in out and "vat_code" in out and "unseen" in out and "%" in out


def test_cli_bad_input_exits_2_naming_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"tenant": "t", "date": "2025-01-01"}\n{"tenant": "t", "date": "yesterday"}\n')
    assert main(["train", str(bad), "--model", str(tmp_path / "m"), "--quiet"]) == 2
    assert "line 2" in capsys.readouterr().err
    assert main(["suggest", "--model", str(tmp_path / "m"), str(tmp_path / "missing.jsonl")]) == 2


def test_retrain_policy():
    assert not store.should_retrain(0, 1000)
    assert not store.should_retrain(10, 1000)
    assert store.should_retrain(60, 1000)
    assert not store.should_retrain(60, 100_000)  # 2 % of a large history is 2000
    assert store.should_retrain(1, 0)


def test_publishing_switches_atomically_and_never_loads_a_half_written_version(trained, tmp_path):
    models, _, test = trained
    root = tmp_path / "models"
    first = store.publish(models, root, now=_at(1))
    assert store.current_version(root) == first
    # a crash while writing the next version leaves a partial directory and a torn manifest
    (root / "versions" / ".20990101T000000Z.partial").mkdir()
    torn = root / "versions" / "20990101T000000Z"
    torn.mkdir()
    (torn / "manifest.json").write_text('{"format": 1, "comp')
    assert store.current_version(root) == first
    (root / "CURRENT").write_text("20990101T000000Z\n")  # even if the pointer were wrong
    assert store.current_version(root) == first
    second = store.publish(models, root, now=_at(2))
    assert (
        store.current_version(root) == second
        and (root / "CURRENT").read_text().strip() == second.name
    )
    loaded = store.load(root)
    assert loaded.manifest["version"] == second.name
    assert [s.to_json() for s in loaded.suggest(test[:20])] == [
        s.to_json() for s in models.suggest(test[:20])
    ]


def test_record_keys_use_order_prefix_and_vat_treatment():
    record = CodingRecord(
        tenant="t",
        date=date(2025, 3, 1),
        order_reference="K12-443",
        vat_rate=Decimal("25.00"),
        tax_category="S",
    )
    keys = record_keys(record)
    assert keys["order"] == "K12" and keys["vat"] == "S|25|NOK"


def _at(day: int):
    from datetime import UTC, datetime

    return datetime(2026, 1, day, tzinfo=UTC)
