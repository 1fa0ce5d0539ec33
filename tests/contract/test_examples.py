"""The examples are realistic: valid Norwegian identifiers, amounts that add up, UTC times."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from stdnum import luhn
from stdnum.no import kontonr, mva, orgnr

from shared.schemas.envelope import Envelope, event_type
from shared.schemas.examples import EXAMPLES, INVOICE_APPROVED, PAYMENT_SENT
from shared.schemas.topics import PUBLIC_TOPICS, Topic


def test_every_public_contract_has_an_example() -> None:
    assert set(EXAMPLES) == PUBLIC_TOPICS


def test_supplier_identifiers_are_valid() -> None:
    invoice = INVOICE_APPROVED.invoice
    assert orgnr.is_valid(invoice.seller_legal_id or "")
    assert mva.is_valid(invoice.seller_vat_id or "")
    assert invoice.seller_vat_id == f"NO{invoice.seller_legal_id}MVA"
    assert kontonr.is_valid(invoice.payment_account or "")
    assert len(invoice.payment_account or "") == 11


def test_kid_is_mod10() -> None:
    kid = INVOICE_APPROVED.invoice.payment_id or ""
    assert kid.isdigit()
    assert len(kid) <= 25
    assert luhn.is_valid(kid)


def test_amounts_add_up_in_nok() -> None:
    invoice = INVOICE_APPROVED.invoice
    net = sum((line.net_amount for line in INVOICE_APPROVED.coding), Decimal(0))
    vat = sum((line.vat_amount for line in INVOICE_APPROVED.coding), Decimal(0))
    assert invoice.currency == PAYMENT_SENT.currency == "NOK"
    assert vat == invoice.tax_amount
    assert net + vat == invoice.payable_amount == PAYMENT_SENT.amount
    assert all(
        line.vat_amount == line.net_amount * Decimal("0.25") for line in INVOICE_APPROVED.coding
    )


def test_payment_pays_the_approved_invoice() -> None:
    invoice = INVOICE_APPROVED.invoice
    assert PAYMENT_SENT.invoice_id == INVOICE_APPROVED.invoice_id
    assert PAYMENT_SENT.creditor_account == invoice.payment_account
    assert PAYMENT_SENT.kid == invoice.payment_id
    assert PAYMENT_SENT.execution_date == invoice.due_date
    assert PAYMENT_SENT.sent_at > INVOICE_APPROVED.approved_at
    assert len(PAYMENT_SENT.payment_id) <= 35  # EndToEndId


def test_four_eyes() -> None:
    approvers = [approval.approved_by for approval in INVOICE_APPROVED.approvals]
    assert len(set(approvers)) == len(approvers) == 2
    assert PAYMENT_SENT.released_by not in approvers


@pytest.mark.parametrize("topic", sorted(EXAMPLES), ids=str)
def test_envelope_matches_its_payload(topic: Topic) -> None:
    envelope, payload = EXAMPLES[topic]
    assert isinstance(envelope, Envelope)
    assert envelope.type == event_type(topic)
    assert envelope.topic is topic
    assert envelope.subject == str(payload.invoice_id)
    assert envelope.tenantid == payload.tenant_id
    assert envelope.source.startswith("/services/")
    assert envelope.time.utcoffset() == timedelta(0)


def test_times_are_utc() -> None:
    times = [INVOICE_APPROVED.approved_at, PAYMENT_SENT.sent_at]
    times += [approval.approved_at for approval in INVOICE_APPROVED.approvals]
    assert all(time.utcoffset() == timedelta(0) for time in times)


def test_one_journey_one_correlation_id() -> None:
    (first, _), (second, _) = EXAMPLES.values()
    assert first.correlationid == second.correlationid
