"""The checked-in contracts are exactly what the generator makes from the models today."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from shared.schemas import events
from shared.schemas.events import EVENT_MODELS
from shared.schemas.generate import (
    ASYNCAPI_FILE,
    ENVELOPE_FILE,
    GENERATED_DIR,
    drift,
    main,
    render,
    schema_file,
    write,
)
from shared.schemas.topics import Topic


def _diff(name: str, expected: str, limit: int = 40) -> str:
    lines = difflib.unified_diff(
        (GENERATED_DIR / name).read_text(encoding="utf-8").splitlines(),
        expected.splitlines(),
        f"checked-in/{name}",
        f"generated/{name}",
        lineterm="",
    )
    return "\n".join(list(lines)[:limit])


def test_checked_in_files_match_the_models() -> None:
    expected = render()
    problems = drift(expected, GENERATED_DIR)
    details = [_diff(name, expected[name]) for problem, name in problems if problem == "drifted"]
    assert not problems, (
        f"generated contracts are stale: {problems}\n"
        "run `python -m shared.schemas.generate` and commit the result\n" + "\n".join(details)
    )


def test_one_schema_per_topic_plus_envelope_and_asyncapi() -> None:
    names = {schema_file(topic) for topic in Topic} | {ENVELOPE_FILE, ASYNCAPI_FILE}
    assert set(render()) == names
    assert {path.name for path in GENERATED_DIR.iterdir()} == names


def test_rendering_is_deterministic_and_ends_with_a_newline() -> None:
    first, second = render(), render()
    assert first == second
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in first.values())


def test_a_changed_model_makes_the_check_fail() -> None:
    class InvoiceApproved(events.InvoiceApproved):
        cost_centre: str | None = None

    changed = render({**EVENT_MODELS, Topic.INVOICE_APPROVED: InvoiceApproved})

    problems = drift(changed, GENERATED_DIR)
    assert ("drifted", schema_file(Topic.INVOICE_APPROVED)) in problems
    assert ("drifted", ASYNCAPI_FILE) in problems
    assert "cost_centre" in changed[schema_file(Topic.INVOICE_APPROVED)]


def test_check_lists_drifted_missing_and_extra_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--directory", str(tmp_path)]) == 0
    drifted = tmp_path / schema_file(Topic.PAYMENT_SENT)
    drifted.write_text(drifted.read_text(encoding="utf-8") + " ", encoding="utf-8")
    (tmp_path / ENVELOPE_FILE).unlink()
    (tmp_path / "stale.v1.schema.json").write_text("{}\n", encoding="utf-8")
    before = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.iterdir()}
    capsys.readouterr()

    assert main(["--check", "--directory", str(tmp_path)]) == 1

    report = capsys.readouterr().err
    assert f"drifted  {drifted.name}" in report
    assert f"missing  {ENVELOPE_FILE}" in report
    assert "extra    stale.v1.schema.json" in report
    after = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.iterdir()}
    assert after == before, "--check must not write"


def test_write_repairs_the_directory(tmp_path: Path) -> None:
    (tmp_path / "stale.v1.schema.json").write_text("{}\n", encoding="utf-8")
    expected = render()

    changes = write(expected, tmp_path)

    assert ("extra", "stale.v1.schema.json") in changes
    assert drift(expected, tmp_path) == []
    assert main(["--check", "--directory", str(tmp_path)]) == 0
