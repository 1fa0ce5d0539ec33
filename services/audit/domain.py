"""The audit trail of one invoice: every event it went through, hash-chained (DESIGN §3).

Pure: no I/O, the clock is passed in. An entry holds only JSON values, so the hash an auditor
recomputes from the stored or exported entry is the hash recorded here:

    hash = sha256(prev_hash + canonical JSON of the entry without prev_hash and hash)

with canonical JSON = sorted keys, no whitespace, UTF-8; the first prev_hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

GENESIS = "0" * 64

JsonObject = dict[str, Any]


class TenantMismatchError(ValueError):
    """An event for an invoice id that already belongs to another tenant's trail."""


@dataclass(frozen=True)
class Observation:
    """One consumed event as the audit service saw it: CloudEvents context plus payload."""

    ce_id: str
    ce_type: str
    topic: str
    source: str
    subject: str
    time: str
    """ce_time: when the emitting service says the event happened (ISO 8601, UTC)."""
    tenant_id: str
    correlation_id: str
    causation_id: str | None
    traceparent: str | None
    payload: JsonObject


@dataclass(frozen=True)
class Entry(Observation):
    """An observation as recorded: its place in the trail and its link in the hash chain."""

    seq: int
    recorded_at: str
    prev_hash: str
    hash: str

    def to_dict(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JsonObject) -> Entry:
        return cls(**{f.name: data[f.name] for f in fields(cls)})

    @property
    def trace_id(self) -> str | None:
        """The W3C trace id inside the traceparent (version-traceid-spanid-flags)."""
        parts = (self.traceparent or "").split("-")
        return parts[1] if len(parts) == 4 else None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hashed_content(entry: Entry) -> JsonObject:
    content = entry.to_dict()
    del content["prev_hash"], content["hash"]
    return content


def chain_hash(prev_hash: str, content: JsonObject) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode()).hexdigest()


def next_entry(previous: Entry | None, observation: Observation, recorded_at: datetime) -> Entry:
    prev_hash = previous.hash if previous else GENESIS
    seq = previous.seq + 1 if previous else 1
    unsealed = Entry(
        **asdict(observation),
        seq=seq,
        recorded_at=recorded_at.isoformat(),
        prev_hash=prev_hash,
        hash="",
    )
    return Entry(**{**unsealed.to_dict(), "hash": chain_hash(prev_hash, hashed_content(unsealed))})


def verify_chain(entries: Sequence[Entry]) -> list[str]:
    """What is wrong with a trail: gaps, broken links, hashes that do not match the content."""
    problems: list[str] = []
    prev_hash = GENESIS
    seen: set[str] = set()
    for expected_seq, entry in enumerate(entries, start=1):
        where = f"entry {entry.seq} ({entry.ce_id})"
        if entry.seq != expected_seq:
            problems.append(f"{where}: sequence number {entry.seq}, expected {expected_seq}")
        if entry.prev_hash != prev_hash:
            problems.append(f"{where}: prev_hash does not link to the entry before")
        if entry.hash != chain_hash(entry.prev_hash, hashed_content(entry)):
            problems.append(f"{where}: hash does not match the content (altered)")
        if entry.ce_id in seen:
            problems.append(f"{where}: ce_id recorded twice")
        seen.add(entry.ce_id)
        prev_hash = entry.hash
    return problems


class AuditTrail(Aggregate):
    """Everything that happened to one invoice, in the order the audit service recorded it."""

    @staticmethod
    def create_id(invoice_id: UUID, tenant_id: str) -> UUID:
        return invoice_id

    @event("Opened")
    def __init__(self, invoice_id: UUID, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.entries: list[Entry] = []

    def has(self, ce_id: str) -> bool:
        return any(e.ce_id == ce_id for e in self.entries)

    def record(self, observation: Observation, recorded_at: datetime) -> Entry | None:
        """Append an entry; a ce_id already in the trail (a redelivery or republish) is a no-op."""
        if observation.tenant_id != self.tenant_id:
            raise TenantMismatchError(
                f"invoice {self.id} belongs to another tenant; refusing {observation.ce_id}"
            )
        if self.has(observation.ce_id):
            return None
        entry = next_entry(self.entries[-1] if self.entries else None, observation, recorded_at)
        self._append(entry.to_dict())
        return entry

    class EntryRecorded(Aggregate.Event):
        entry: JsonObject

    @event(EntryRecorded)
    def _append(self, entry: JsonObject) -> None:
        self.entries.append(Entry.from_dict(entry))
