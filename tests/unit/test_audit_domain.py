"""The audit trail: hash chain, idempotence, tamper detection (pure, no database)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application

from services.audit.domain import (
    GENESIS,
    AuditTrail,
    Entry,
    Observation,
    TenantMismatchError,
    canonical_json,
    hashed_content,
    verify_chain,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def observation(
    invoice_id: UUID, n: int, topic: str = "invoice-received", **kw: object
) -> Observation:
    fields: dict[str, object] = {
        "ce_id": f"ce-{n}",
        "ce_type": f"no.fakturaportal.{topic}.v1",
        "topic": topic,
        "source": "/services/intake",
        "subject": str(invoice_id),
        "time": (T0 + timedelta(minutes=n)).isoformat(),
        "tenant_id": "acme",
        "correlation_id": str(invoice_id),
        "causation_id": f"ce-{n - 1}" if n > 1 else None,
        "traceparent": TRACEPARENT,
        "payload": {
            "invoice_id": str(invoice_id),
            "tenant_id": "acme",
            "amount": "1250.00",
            "n": n,
        },
    }
    fields.update(kw)
    return Observation(**fields)  # type: ignore[arg-type]


def trail_of(count: int) -> AuditTrail:
    invoice_id = uuid4()
    trail = AuditTrail(invoice_id=invoice_id, tenant_id="acme")
    for n in range(1, count + 1):
        trail.record(observation(invoice_id, n), T0 + timedelta(hours=1, minutes=n))
    return trail


def test_trail_id_is_the_invoice_id() -> None:
    invoice_id = uuid4()
    assert AuditTrail(invoice_id=invoice_id, tenant_id="acme").id == invoice_id


def test_entries_form_a_sha256_chain_from_64_zeros() -> None:
    entries = trail_of(3).entries
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS == "0" * 64
    for before, after in pairwise(entries):
        assert after.prev_hash == before.hash
    first = entries[0]
    expected = hashlib.sha256(
        (GENESIS + canonical_json(hashed_content(first))).encode()
    ).hexdigest()
    assert first.hash == expected
    assert verify_chain(entries) == []


def test_entry_keeps_the_cloudevents_context_and_payload() -> None:
    entry = trail_of(2).entries[1]
    assert entry.ce_id == "ce-2"
    assert entry.causation_id == "ce-1"
    assert entry.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert entry.payload["amount"] == "1250.00"
    assert entry.recorded_at == (T0 + timedelta(hours=1, minutes=2)).isoformat()


def test_the_same_ce_id_twice_records_nothing() -> None:
    trail = trail_of(2)
    version = trail.version
    again = observation(trail.id, 1)
    assert trail.record(again, T0 + timedelta(days=1)) is None
    assert len(trail.entries) == 2
    assert trail.version == version
    assert len(trail.collect_events()) == 3  # opened + two entries; nothing for the repeat


def test_an_event_of_another_tenant_is_refused() -> None:
    trail = trail_of(1)
    with pytest.raises(TenantMismatchError):
        trail.record(observation(trail.id, 2, tenant_id="other"), T0)


@pytest.mark.parametrize(
    ("index", "change"),
    [
        (0, {"payload": {"invoice_id": "x", "tenant_id": "acme", "amount": "9999.00", "n": 1}}),
        (1, {"time": "2026-01-01T00:00:00+00:00"}),
        (2, {"source": "/services/evil"}),
    ],
)
def test_altering_an_entry_breaks_the_chain(index: int, change: dict[str, object]) -> None:
    entries = list(trail_of(3).entries)
    entries[index] = replace(entries[index], **change)  # type: ignore[arg-type]
    problems = verify_chain(entries)
    assert problems
    assert f"entry {index + 1}" in problems[0]


def test_rehashing_an_altered_entry_still_breaks_the_next_link() -> None:
    entries = list(trail_of(3).entries)
    forged = replace(entries[0], payload={"amount": "1.00"})
    forged = replace(
        forged,
        hash=hashlib.sha256(
            (GENESIS + canonical_json(hashed_content(forged))).encode()
        ).hexdigest(),
    )
    problems = verify_chain([forged, *entries[1:]])
    assert problems == [
        f"entry 2 ({entries[1].ce_id}): prev_hash does not link to the entry before"
    ]


def test_removed_or_reordered_entries_are_detected() -> None:
    entries = trail_of(3).entries
    assert verify_chain([entries[0], entries[2]])
    assert verify_chain([entries[1], entries[0], entries[2]])


def test_entries_survive_storage_with_their_hashes() -> None:
    """Through the library's mapper and transcoder (in memory): the chain still verifies."""
    store: Application[UUID] = Application()
    trail = trail_of(4)
    store.save(trail)
    loaded = store.repository.get(trail.id)
    assert isinstance(loaded, AuditTrail)
    assert loaded.entries == trail.entries
    assert verify_chain(loaded.entries) == []
    assert Entry.from_dict(loaded.entries[0].to_dict()) == trail.entries[0]
