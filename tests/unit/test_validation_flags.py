"""A person's decision on a flagged invoice, and the re-check after a correction: pure rules."""

from __future__ import annotations

from uuid import uuid4

import pytest

from fakturaportal.demo import demo_invoice
from services.intake.ehf import capture
from services.validation.domain import (
    Decision,
    FlagRefused,
    FlagState,
    ValidationCase,
    judge,
    rechecked_document,
    status_of,
)
from services.validation.translate import translate
from shared.schemas.events import (
    Finding,
    InvoiceFlagged,
    InvoiceRejected,
    InvoiceValidated,
    Severity,
)
from shared.xmlsafe import parse_untrusted

DESK = ("accountant",)


def flagged(
    *rules: str, assignee: str | None = None, decision: Decision | None = None
) -> FlagState:
    return FlagState(
        status="flagged",
        registered_by="anne",
        rules=frozenset(rules or ("FP-DUP-01",)),
        assignee=assignee,
        decision=decision,
    )


def refusal(
    state: FlagState,
    person: str,
    roles: tuple[str, ...],
    kind: str = "released",
    note: str = "checked with the supplier",
) -> FlagRefused:
    with pytest.raises(FlagRefused) as caught:
        judge(state, person, roles, kind, note)  # type: ignore[arg-type]
    return caught.value


def test_an_accountant_who_did_not_register_it_may_release_a_duplicate_flag():
    assert judge(flagged(), "ola", DESK, "released", "not a duplicate: a new delivery") is True


def test_who_registered_the_invoice_may_not_release_it_but_may_reject_it():
    refused = refusal(flagged(), "anne", DESK)
    assert (refused.status, refused.code) == (403, "registered")
    assert "segregation of duties" in refused.reason and "arbeidsdeling" in refused.reason_nb
    assert judge(flagged(), "anne", DESK, "rejected", "sent twice") is True


@pytest.mark.parametrize("rule", ["FP-FRAUD-01", "FP-FRAUD-02", "FP-FRAUD-03"])
def test_releasing_a_possible_payment_diversion_takes_finance_admin(rule: str):
    refused = refusal(flagged(rule), "ola", DESK)
    assert (refused.status, refused.code) == (403, "fraud")
    assert "finance-admin" in refused.reason and "finance-admin" in refused.reason_nb
    assert judge(flagged(rule), "finn", ("finance-admin",), "released", "called them") is True
    assert judge(flagged(rule), "ola", DESK, "rejected", "not their account") is True


def test_the_orders_owner_decides_a_flag_that_is_only_about_their_order():
    only_order = flagged("FP-PO-10", assignee="kari")
    assert judge(only_order, "kari", ("budget-holder",), "released", "agreed price") is True
    refused = refusal(flagged("FP-PO-10", "FP-DUP-02", assignee="kari"), "kari", ("budget-holder",))
    assert (refused.status, refused.code) == (403, "role")
    assert "not only about the order" in refused.reason


def test_nobody_else_decides_a_flag():
    refused = refusal(flagged("FP-PO-10", assignee="kari"), "per", ("attestant",), "rejected")
    assert (refused.status, refused.code) == (403, "role")
    assert refused.reason_nb.startswith("per kan ikke")


@pytest.mark.parametrize("status", ["validated", "rejected"])
def test_only_a_flagged_invoice_can_be_decided(status: str):
    state = FlagState(status, "anne", frozenset(), None, None)
    refused = refusal(state, "ola", DESK)
    assert (refused.status, refused.code) == (409, "not-flagged")
    assert status in refused.reason


def test_a_decided_flag_answers_its_decision_to_a_repeat_and_refuses_anything_else():
    done = flagged(decision=Decision("released", "ola", "fine"))
    assert judge(done, "ola", DESK, "released", "fine, again") is False
    for person, kind in (("ola", "rejected"), ("finn", "released")):
        refused = refusal(done, person, ("finance-admin",), kind)
        assert (refused.status, refused.code) == (409, "decided")
        assert "released by ola" in refused.reason and "frigitt av ola" in refused.reason_nb


@pytest.mark.parametrize("note", ["", "   ", "x" * 1001])
def test_a_decision_needs_a_note_of_at_most_1000_characters(note: str):
    refused = refusal(flagged(), "ola", DESK, note=note)
    assert (refused.status, refused.code) == (422, "note")
    assert judge(flagged(), "ola", DESK, "released", "x" * 1000) is True


def finding(rule_id: str, flag: Severity = Severity.WARNING) -> Finding:
    return Finding(rule_id=rule_id, flag=flag, message_nb=rule_id, message_en=rule_id)


def test_status_of_findings():
    assert status_of([finding("BR-02", Severity.FATAL), finding("FP-DUP-01")]) == "rejected"
    assert status_of([finding("FP-DUP-01"), finding("NO-R-002")]) == "flagged"
    assert status_of([finding("NO-R-002")]) == "validated"


def test_a_correction_decides_the_canonical_rules_again_and_keeps_what_only_the_original_answers():
    invoice = capture(parse_untrusted(demo_invoice(7)))
    earlier = [
        finding("BR-02", Severity.FATAL),  # no number: the canonical invoice answers it
        finding("PEPPOL-EN16931-R008", Severity.FATAL),  # only the original XML answers it
        finding("FP-DUP-01"),  # the supplier's history: checked afresh by the app
    ]
    again = rechecked_document(earlier, invoice)
    assert [f.rule_id for f in again] == ["PEPPOL-EN16931-R008"]
    missing_number = invoice.model_copy(update={"number": None})
    assert "BR-02" in {f.rule_id for f in rechecked_document(earlier, missing_number)}


def a_case(*findings: Finding) -> ValidationCase:
    invoice = capture(parse_untrusted(demo_invoice(8)))
    return ValidationCase(
        invoice_id=uuid4(),
        tenant_id="demo",
        invoice=invoice.model_dump(mode="json"),
        registered_by="anne",
        findings=[f.model_dump(mode="json") for f in findings],
        meta={"tenant_id": "demo", "correlation_id": "journey-1"},
    )


def published(case: ValidationCase) -> list:
    return [p.payload for e in case.collect_events() for p in translate(e)]


def test_a_release_publishes_the_invoice_validated_with_who_and_why():
    case = a_case(finding("FP-DUP-02"))
    assert isinstance(published(case)[0], InvoiceFlagged)
    case.release(by="ola", note="  a new delivery ", meta={})
    (validated,) = published(case)
    assert isinstance(validated, InvoiceValidated)
    assert (validated.released_by, validated.release_note) == ("ola", "a new delivery")
    assert [f.rule_id for f in validated.findings] == ["FP-DUP-02"]
    assert validated.registered_by == "anne" and case.status == "validated"
    assert case.flag_state().decision == Decision("released", "ola", "a new delivery")


def test_a_persons_rejection_publishes_invoice_rejected_with_the_reason():
    case = a_case(finding("FP-FRAUD-01"))
    case.collect_events()
    case.reject(by="ola", reason="not their account", meta={})
    (rejected,) = published(case)
    assert isinstance(rejected, InvoiceRejected)
    assert (rejected.rejected_by, rejected.reason) == ("ola", "not their account")
    assert case.status == "rejected"


def test_a_stopped_case_is_checked_again_once_per_correction_an_accepted_one_never():
    case = a_case(finding("BR-02", Severity.FATAL))
    assert case.rechecks("correction-1")
    case.recheck(
        correction="correction-1",
        corrected_by="ola",
        case=case.outcome() | {"findings": []},
        meta={},
    )
    assert not case.rechecks("correction-1")
    assert not case.rechecks("correction-2")  # validated now: downstream has moved on
    events = case.collect_events()
    assert [type(p.payload) for p in translate(events[-1])] == [InvoiceValidated]
    released = a_case(finding("FP-DUP-01"))
    released.release(by="ola", note="ok", meta={})
    assert not released.rechecks("correction-3")
    rejected = a_case(finding("FP-DUP-01"))
    rejected.reject(by="ola", reason="a copy", meta={})
    assert rejected.rechecks("correction-4")
