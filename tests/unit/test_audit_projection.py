"""The invoice status reducer through whole lifecycles (pure, no database).

`lifecycle()` is also what the integration test feeds the real audit application.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from uuid import UUID, uuid4

import pytest

from fakturaportal.messaging import InboundMessage, event_id
from services.audit.app import observation_of
from services.audit.domain import AuditTrail, Entry
from services.audit.projection import Row, apply
from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import (
    Approval,
    Channel,
    CodingLine,
    DocumentRef,
    EventPayload,
    Finding,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceCaptured,
    InvoiceCoded,
    InvoiceDisputed,
    InvoiceFlagged,
    InvoicePosted,
    InvoiceReceived,
    InvoiceRejected,
    InvoiceSummary,
    InvoiceValidated,
    PaymentFailed,
    PaymentProposed,
    PaymentSent,
    PaymentSettled,
    Severity,
    VoucherLine,
    topic_of,
)
from shared.schemas.invoice import CanonicalInvoice, Party, Totals

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DOC = DocumentRef(sha256="a" * 64, media_type="application/xml", size=1234, filename="f.xml")
SOURCES = {
    "invoice-received": "intake",
    "invoice-captured": "intake",
    "invoice-validated": "validation",
    "invoice-rejected": "validation",
    "invoice-flagged": "validation",
    "invoice-coded": "posting",
    "invoice-approval-requested": "approval",
    "invoice-approved": "approval",
    "invoice-disputed": "approval",
    "invoice-posted": "posting",
}


def canonical() -> CanonicalInvoice:
    return CanonicalInvoice(
        number="10042",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        currency="NOK",
        type_code="380",
        seller=Party(name="Kontorrekvisita AS", vat_id="NO923456783MVA"),
        buyer=Party(name="Acme AS"),
        totals=Totals(
            tax_exclusive=Decimal("1000.00"),
            tax=Decimal("250.00"),
            tax_inclusive=Decimal("1250.00"),
            payable=Decimal("1250.00"),
        ),
    )


def summary() -> InvoiceSummary:
    return InvoiceSummary(
        number="10042",
        kind="invoice",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        currency="NOK",
        payable_amount=Decimal("1250.00"),
        tax_amount=Decimal("250.00"),
        seller_name="Kontorrekvisita AS",
        seller_legal_id="923456783",
        seller_vat_id=None,
        payment_id="12345678903",
        payment_account="15030123456",
    )


def happy_path(invoice_id: UUID, tenant: str) -> list[EventPayload]:
    ids = {"invoice_id": invoice_id, "tenant_id": tenant}
    coding = [
        CodingLine(
            account="6800",
            vat_code="1",
            net_amount=Decimal("1000.00"),
            vat_amount=Decimal("250.00"),
        )
    ]
    run_id = uuid4()
    return [
        InvoiceReceived(
            **ids, channel=Channel.UPLOAD, document=DOC, registered_by="anne", received_at=T0
        ),
        InvoiceCaptured(**ids, invoice=canonical(), document=DOC, registered_by="anne"),
        InvoiceValidated(**ids, invoice=canonical(), registered_by="anne"),
        InvoiceCoded(
            **ids,
            invoice=summary(),
            registered_by="anne",
            lines=coding,
            confidence=0.9,
            method="history",
            explanation="as last time",
        ),
        InvoiceApprovalRequested(**ids, step="attestation", assignee="bjorn"),
        InvoiceApproved(
            **ids,
            invoice=summary(),
            coding=coding,
            approved_at=T0,
            approvals=[Approval(step="attestation", approved_by="bjorn", approved_at=T0)],
        ),
        InvoicePosted(
            **ids,
            voucher_number="2026-0042",
            voucher_date=date(2026, 3, 3),
            invoice=summary(),
            lines=[VoucherLine(account="2400", credit=Decimal("1250.00"))],
        ),
        PaymentProposed(
            **ids,
            payment_id="P-1",
            run_id=run_id,
            amount=Decimal("1250.00"),
            currency="NOK",
            execution_date=date(2026, 3, 30),
            proposed_by="carl",
        ),
        PaymentSent(
            **ids,
            payment_id="P-1",
            run_id=run_id,
            amount=Decimal("1250.00"),
            currency="NOK",
            execution_date=date(2026, 3, 30),
            creditor_name="K AS",
            creditor_account="15030123456",
            kid="12345678903",
            message_id="M-1",
            file_name="pain001.xml",
            released_by="dina",
            sent_at=T0,
        ),
        PaymentSettled(
            **ids, payment_id="P-1", booking_date=date(2026, 3, 30), amount=Decimal("1250.00")
        ),
    ]


def rejected_path(invoice_id: UUID, tenant: str) -> list[EventPayload]:
    ids = {"invoice_id": invoice_id, "tenant_id": tenant}
    finding = Finding(
        rule_id="BR-02",
        flag=Severity.FATAL,
        message_nb="Mangler fakturanummer.",
        message_en="An invoice shall have an invoice number (BT-1).",
    )
    return [
        happy_path(invoice_id, tenant)[0],
        InvoiceCaptured(**ids, invoice=canonical(), document=DOC, registered_by="anne"),
        InvoiceRejected(**ids, findings=[finding]),
    ]


def messages(payloads: list[EventPayload], start: datetime = T0) -> list[InboundMessage]:
    """Payloads as the consumer hands them over, one minute apart, each caused by the one before."""
    out: list[InboundMessage] = []
    for n, payload in enumerate(payloads):
        topic = topic_of(payload)
        envelope = Envelope(
            id=event_id("test", payload.invoice_id, topic.value, n),
            type=event_type(topic),
            source=f"/services/{SOURCES.get(topic.value, 'payment')}",
            subject=str(payload.invoice_id),
            time=start + timedelta(minutes=n),
            tenantid=payload.tenant_id,
            correlationid=str(payload.invoice_id),
            causationid=out[-1].envelope.id if out else None,
            traceparent=f"00-{payload.invoice_id.hex}-{n + 1:016x}-01",
        )
        out.append(InboundMessage(envelope=envelope, payload=payload, topic=topic, offset=n))
    return out


def entries(msgs: list[InboundMessage]) -> list[Entry]:
    first = msgs[0].payload
    trail = AuditTrail(invoice_id=first.invoice_id, tenant_id=first.tenant_id)
    for m in msgs:
        trail.record(observation_of(m), T0 + timedelta(days=1))
    return trail.entries


def project(items: list[Entry], row: Row | None = None) -> Row:
    return reduce(apply, items, row)  # type: ignore[arg-type]


def statuses(items: list[Entry]) -> list[str]:
    out, row = [], None
    for entry in items:
        row = apply(row, entry)
        out.append(row["status"])
    return out


def test_the_whole_lifecycle() -> None:
    invoice_id = uuid4()
    items = entries(messages(happy_path(invoice_id, "acme")))
    assert statuses(items) == [
        "received",
        "captured",
        "validated",
        "coded",
        "awaiting-approval",
        "approved",
        "posted",
        "payment-proposed",
        "payment-sent",
        "paid",
    ]
    row = project(items)
    assert row == row | {
        "invoice_id": str(invoice_id),
        "tenant_id": "acme",
        "status": "paid",
        "invoice_number": "10042",
        "supplier_name": "Kontorrekvisita AS",
        "supplier_orgnr": "923456783",
        "amount_payable": "1250.00",
        "kind": "invoice",
        "currency": "NOK",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "registered_by": "anne",
        "channel": "upload",
        "assignee": "bjorn",
        "approval_step": "attestation",
        "approved_by": ["bjorn"],
        "voucher_number": "2026-0042",
        "voucher_date": "2026-03-03",
        "payment_id": "P-1",
        "settled_on": "2026-03-30",
        "findings": [],  # validation's warnings that travel on: none
        "last_topic": "payment-settled",
        "updated_at": (T0 + timedelta(minutes=9)).isoformat(),
    }


def test_awaiting_approval_names_the_assignee() -> None:
    items = entries(messages(happy_path(uuid4(), "acme")[:5]))
    row = project(items)
    assert (row["status"], row["assignee"]) == ("awaiting-approval", "bjorn")


def test_rejected_keeps_the_findings() -> None:
    row = project(entries(messages(rejected_path(uuid4(), "acme"))))
    assert row["status"] == "rejected"
    assert row["findings"] == [
        {
            "rule_id": "BR-02",
            "flag": "fatal",
            "message_nb": "Mangler fakturanummer.",
            "message_en": "An invoice shall have an invoice number (BT-1).",
            "location": None,
        }
    ]
    assert row["invoice_number"] == "10042"


@pytest.mark.parametrize(
    ("make", "status", "field", "value"),
    [
        (
            lambda ids: InvoiceFlagged(**ids, reason="duplicate?"),
            "flagged",
            "flag_reason",
            "duplicate?",
        ),
        (
            lambda ids: InvoiceDisputed(**ids, disputed_by="bjorn", reason="not ordered"),
            "disputed",
            "dispute_reason",
            "not ordered",
        ),
        (
            lambda ids: PaymentFailed(
                **ids, payment_id="P-1", reason_code="AC04", reason="closed account"
            ),
            "payment-failed",
            "payment_failure",
            "closed account",
        ),
    ],
)
def test_side_exits(make, status: str, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    invoice_id = uuid4()
    payloads = [
        *happy_path(invoice_id, "acme")[:3],
        make({"invoice_id": invoice_id, "tenant_id": "acme"}),
    ]
    row = project(entries(messages(payloads)))
    assert (row["status"], row[field]) == (status, value)


def test_out_of_order_arrival_keeps_the_latest_status_and_all_facts() -> None:
    """Topics are consumed independently: `coded` may be recorded before `validated`."""
    items = entries(messages(happy_path(uuid4(), "acme")[:4]))
    received, captured, validated, coded = items
    row = project([received, coded, captured, validated])
    assert row["status"] == "coded"
    assert row["invoice_number"] == "10042"
    assert row["updated_at"] == coded.time
    assert row["last_topic"] == "invoice-coded"


def test_apply_does_not_change_its_input() -> None:
    first, second = entries(messages(happy_path(uuid4(), "acme")[:2]))
    row = apply(None, first)
    before = dict(row)
    apply(row, second)
    assert row == before


def test_rows_are_plain_json() -> None:
    import json

    row = project(entries(messages(happy_path(uuid4(), "acme"))))
    assert json.loads(json.dumps(row)) == row


def test_the_desk_sees_how_sure_capture_and_coding_were_and_who_recoded() -> None:
    """The AP desk's queues read these: uncertain captures, codings that were not touchless."""
    from shared.schemas.events import InvoiceRecoded
    from shared.schemas.invoice import CaptureSource, Provenance

    invoice_id = uuid4()
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    read = canonical().model_copy(
        update={
            "provenance": {
                "BT-1": Provenance(source=CaptureSource.PDF_TEXT, confidence=0.35),
                "BT-2": Provenance(source=CaptureSource.PDF_TEXT, confidence=0.95),
            }
        }
    )
    path = happy_path(invoice_id, "acme")
    coded = path[3].model_copy(update={"touchless": False, "confidence": 0.42})
    recoded = InvoiceRecoded(**ids, recoded_by="anne", lines=coded.lines)  # type: ignore[attr-defined]
    payloads = [
        path[0],
        InvoiceCaptured(**ids, invoice=read, document=DOC, registered_by="anne"),
        path[2],
        coded,
        recoded,
    ]
    row = project(entries(messages(payloads)))
    assert row["capture_confidence"] == {"BT-1": 0.35, "BT-2": 0.95}
    assert (row["coding_confidence"], row["coding_touchless"]) == (0.42, False)
    assert (row["recoded_by"], row["status"]) == ("anne", "coded")


def test_the_cockpits_facts_come_from_the_events() -> None:
    """Milestone times, who approved each step after which request, the approved cost per
    account, and whether a person had to step in (the finance cockpit reads these)."""
    invoice_id = uuid4()
    items = entries(messages(happy_path(invoice_id, "acme")))
    row = project(items)
    t0 = T0.isoformat().replace("+00:00", "Z")  # as the payloads carry times
    assert row["received_at"] == t0
    requested = items[4].time  # the approval request, four minutes after receipt
    assert row["approval_requested_at"] == {"attestation": requested}
    assert row["approved_at"] == t0
    assert row["approvals"] == [
        {
            "step": "attestation",
            "approved_by": "bjorn",
            "on_behalf_of": None,
            "approved_at": t0,
        }
    ]
    assert row["costs"] == {"6800": "1000.00"}
    assert (row["touchless"], row["touched"]) == (False, None)


def test_a_flag_or_a_recoding_marks_the_invoice_touched() -> None:
    from shared.schemas.events import InvoiceRecoded

    invoice_id = uuid4()
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    coded = happy_path(invoice_id, "acme")[3].model_copy(update={"touchless": True})
    untouched = project(entries(messages([*happy_path(invoice_id, "acme")[:3], coded])))
    assert (untouched["touchless"], untouched["touched"]) == (True, None)
    recoded = InvoiceRecoded(**ids, recoded_by="bjorn", lines=[])
    row = project(entries(messages([*happy_path(invoice_id, "acme")[:3], coded, recoded])))
    assert (row["touchless"], row["touched"], row["status"]) == (True, True, "coded")
    flagged = InvoiceFlagged(**ids, reason="duplicate?")
    assert project(entries(messages([flagged])))["touched"] is True


def test_the_first_request_of_a_step_counts() -> None:
    invoice_id = uuid4()
    request = happy_path(invoice_id, "acme")[4]
    again = request.model_copy(update={"assignee": "mona"})
    second = InvoiceApprovalRequested(
        invoice_id=invoice_id, tenant_id="acme", step="budget:*", assignee="ola"
    )
    first, repeated, budget = entries(messages([request, again, second]))
    row = project([repeated, first, budget])  # out of order: the earlier time still wins
    assert row["approval_requested_at"] == {"attestation": first.time, "budget:*": budget.time}


def test_a_correction_validated_after_a_rejection_wins_and_a_release_says_who() -> None:
    invoice_id = uuid4()
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    again = InvoiceValidated(
        **ids, invoice=canonical(), registered_by="anne", released_by="ola", release_note="ok"
    )
    row = project(entries(messages([*rejected_path(invoice_id, "acme"), again])))
    assert row["status"] == "validated"
    assert row["findings"] == [], "the rejection's findings are not the invoice's any more"
    assert (row["released_by"], row["release_note"]) == ("ola", "ok")
    path = rejected_path(invoice_id, "acme")[:2]
    by_person = InvoiceRejected(**ids, findings=[], rejected_by="ola", reason="Sent twice.")
    items = entries(messages([*path, by_person, again]))
    row = project(items)
    assert (row["status"], row["rejected_by"], row["rejection_reason"]) == ("validated", None, None)
    late = project([*items[:2], items[3], items[2]])  # the rejection arrives after its successor
    assert (late["status"], late["rejected_by"]) == ("validated", None)


def test_a_persons_rejection_keeps_who_and_why() -> None:
    invoice_id = uuid4()
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    path = rejected_path(invoice_id, "acme")[:2]
    rejected = InvoiceRejected(**ids, findings=[], rejected_by="ola", reason="Sent twice.")
    row = project(entries(messages([*path, rejected])))
    assert (row["status"], row["rejected_by"], row["rejection_reason"]) == (
        "rejected",
        "ola",
        "Sent twice.",
    )


def _unsure_capture(invoice_id: UUID) -> tuple[list[EventPayload], CanonicalInvoice]:
    from shared.schemas.invoice import CaptureSource, Provenance

    unsure = Provenance(source=CaptureSource.PDF_TEXT, confidence=0.35)
    sure = Provenance(source=CaptureSource.PDF_TEXT, confidence=0.95)
    read = canonical().model_copy(
        update={"provenance": {"BT-1": unsure, "BT-2": sure, "BT-27": sure, "BT-115": unsure}}
    )
    ids = {"invoice_id": invoice_id, "tenant_id": "acme"}
    path = happy_path(invoice_id, "acme")
    captured = InvoiceCaptured(**ids, invoice=read, document=DOC, registered_by="anne")
    return [path[0], captured, path[2]], read


def _correction(invoice_id: UUID, invoice: CanonicalInvoice, term: str, value: str):  # type: ignore[no-untyped-def]
    from services.intake.correction import apply_correction
    from shared.schemas.events import InvoiceCorrected

    done = apply_correction(invoice, term, value)
    payload = InvoiceCorrected(
        invoice_id=invoice_id,
        tenant_id="acme",
        field=term,
        value=done.value,
        previous=done.previous,
        corrected_by="anne",
        invoice=done.invoice,
    )
    return payload, done.invoice


def test_a_correction_makes_its_term_certain_and_the_desk_stops_queueing_once_all_are() -> None:
    from services.portal.web.desk import queues, uncertain_terms

    invoice_id = uuid4()
    payloads, read = _unsure_capture(invoice_id)
    first, read = _correction(invoice_id, read, "BT-1", "10042-B")
    row = project(entries(messages([*payloads, first])))
    assert row["capture_confidence"] == {"BT-1": 1.0, "BT-2": 0.95, "BT-27": 0.95, "BT-115": 0.35}
    assert row["invoice_number"] == "10042-B" and row["status"] == "validated"
    assert (row["corrections"], row["touched"]) == ({"BT-1": "10042-B"}, True)
    assert uncertain_terms(row) == ["BT-115"]
    second, read = _correction(invoice_id, read, "BT-115", "1 250,00")  # confirmed as read
    row = project(entries(messages([*payloads, first, second])))
    assert row["corrections"] == {"BT-1": "10042-B", "BT-115": "1250.00"}
    assert uncertain_terms(row) == [] and queues([row])["captures"] == []


def test_a_correction_stays_whatever_arrives_after_it() -> None:
    invoice_id = uuid4()
    payloads, read = _unsure_capture(invoice_id)
    fixed, _ = _correction(invoice_id, read, "BT-1", "10042-B")
    items = entries(messages([*payloads, fixed]))
    row = project([items[3], items[1], items[2]])  # capture and validation lagged behind
    assert row["capture_confidence"]["BT-1"] == 1.0
    assert row["invoice_number"] == "10042-B"
    later = happy_path(invoice_id, "acme")[3:7]  # coded … posted: their invoice predates it
    row = project(entries(messages([*payloads, fixed, *later])))
    assert (row["invoice_number"], row["status"]) == ("10042-B", "posted")


def test_a_supplier_sees_no_step_for_a_correction() -> None:
    """Corrections are internal: the status (and so the supplier's timeline) stays."""
    from services.portal.web.stages import timeline

    invoice_id = uuid4()
    payloads, read = _unsure_capture(invoice_id)
    fixed, _ = _correction(invoice_id, read, "BT-1", "10042-B")
    before = project(entries(messages(payloads)))
    after = project(entries(messages([*payloads, fixed])))
    assert after["status"] == before["status"] == "validated"
    assert timeline(after) == timeline(before)
