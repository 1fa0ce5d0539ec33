"""Intake's relay publishes the intake cases' events only: what a correction taught the
extractor about a supplier stays inside intake (its first event carries no tenant meta)."""

from __future__ import annotations

from services.intake.domain import SupplierProfile
from services.intake.translate import translate


def test_a_supplier_profile_publishes_nothing() -> None:
    profile = SupplierProfile(tenant_id="demo", supplier="974760673")
    profile.learn(
        hints={"fields": {}},
        field="BT-1",
        invoice_id="x",
        corrected_by="anne",
        meta={"tenant_id": "demo"},
    )
    assert [translate(event) for event in profile.collect_events()] == [[], []]
