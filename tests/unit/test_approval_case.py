from datetime import timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import Application

from services.approval.case import ApprovalCase
from services.approval.organisation import Organisation
from services.approval.reminders import Escalation, Reminder, due_actions, record
from services.approval.sod import Refusal
from tests.unit.approval_org import ORG, T0, line, org, summary

H = timedelta(hours=1)


def new_case(amount="12500", lines=None, o=None, **kw):
    return ApprovalCase.request(
        uuid4(),
        "demo",
        summary(amount),
        lines or [line(amount)],
        "anne",
        "carl",
        o or org(),
        T0,
        {},
        **kw,
    )


def refused(call, code, status=403):
    with pytest.raises(Refusal) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status), caught.value.reason
    return caught.value


def names(case):
    return [type(e).__name__ for e in case.collect_events()]


def test_two_levels_approved_in_order_with_the_approvals_recorded():
    case, o = new_case(), org()
    refused(lambda: case.approve("kari", T0, o, {}, "budget:D100"), "not-started", 409)
    refused(lambda: case.approve("mona", T0, o, {}), "not-assignee")
    assert case.approve("ola", T0 + H, o, {}).approved == ["attestation:D100"]
    budget = case.step("budget:D100")
    assert budget.activated_at == T0 + H and budget.due_at == T0 + 49 * H
    decision = case.approve("kari", T0 + 2 * H, o, {})
    assert decision.case_approved and case.status == "approved"
    events = case.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Requested",
        "StepApproved",
        "StepsStarted",
        "StepApproved",
        "Approved",
    ]
    assert [a["approved_by"] for a in events[-1].approvals] == ["ola", "kari"]
    refused(lambda: case.approve("kari", T0, o, {}), "closed", 409)


def test_over_the_threshold_three_levels():
    case, o = new_case("125000"), org()
    case.approve("ola", T0, o, {})
    case.approve("lise", T0, o, {})
    assert case.status == "open"
    assert case.approve("finn", T0, o, {}).case_approved


def test_duties_are_checked_again_when_deciding():
    case = new_case()
    case.approve("ola", T0, org(), {})
    # since planning, kari turned out to be linked to the supplier
    users = [
        u | {"supplier_orgnrs": ["987654321"]} if u["id"] == "kari" else u for u in ORG["users"]
    ]
    r = refused(lambda: case.approve("kari", T0, org(users=users), {}), "supplier-linked")
    assert "kari is linked to the supplier" in r.reason_en


def test_too_little_authority_routes_upwards_instead_of_approving():
    case = new_case("40000")
    case.approve("ola", T0, org(), {})
    lowered = [
        a | {"max_amount": "10000"} if a.get("user") == "kari" else a for a in ORG["authority"]
    ]
    decision = case.approve("kari", T0 + H, org(authority=lowered), {})
    assert decision.approved == [] and decision.routed == {"budget:D100": "lise"}
    step = case.step("budget:D100")
    assert (step.assignee, step.route, step.approved_by) == ("lise", "routed-upwards", None)
    assert step.due_at == T0 + H + 48 * H
    routed = next(e for e in case.collect_events() if isinstance(e, ApprovalCase.RoutedUpwards))
    assert "above kari's authority of NOK 10000" in routed.reason
    assert case.approve("lise", T0 + 2 * H, org(authority=lowered), {}).case_approved


def test_a_substitute_approves_on_behalf_within_the_period_only():
    case = new_case()
    subs = [{"user": "kari", "substitute": "per", "valid_from": T0, "valid_to": T0 + 24 * H}]
    o = org(substitutes=subs)
    case.approve("ola", T0, o, {})
    refused(lambda: case.approve("per", T0 + 25 * H, o, {}), "not-assignee")
    decision = case.approve("per", T0 + 2 * H, o, {})  # per has no own authority on D100
    assert decision.case_approved
    step = case.step("budget:D100")
    assert (step.approved_by, step.on_behalf_of) == ("per", "kari")
    approved = case.collect_events()[-1]
    assert approved.approvals[-1]["on_behalf_of"] == "kari"


def test_duties_bind_the_substitute_too():
    case = new_case()
    o = org(
        substitutes=[{"user": "ola", "substitute": "anne", "valid_from": T0, "valid_to": T0 + H}]
    )
    refused(lambda: case.approve("anne", T0, o, {}), "registered")
    o = org(
        substitutes=[{"user": "ola", "substitute": "sven", "valid_from": T0, "valid_to": T0 + H}]
    )
    refused(lambda: case.approve("sven", T0, o, {}), "supplier-linked")


def test_forward_with_a_note_checks_the_new_assignee():
    case, o = new_case(), org()
    refused(lambda: case.forward("ola", "mona", " ", T0, o, {}), "note-required", 422)
    refused(lambda: case.forward("ola", "carl", "ferie", T0, o, {}), "coded")
    refused(lambda: case.forward("ola", "kari", "ferie", T0, o, {}), "budget-holder")
    refused(lambda: case.forward("mona", "ola", "x", T0, o, {}, "attestation:D100"), "not-assignee")
    assert case.forward("ola", "mona", "Mona tok imot varene", T0 + H, o, {}) == [
        "attestation:D100"
    ]
    step = case.step("attestation:D100")
    assert (step.assignee, step.route, step.due_at) == ("mona", "forwarded", T0 + 25 * H)
    case.approve("mona", T0 + 2 * H, o, {})
    refused(lambda: case.forward("kari", "mona", "x", T0, o, {}), "attestant")  # mona attested
    refused(lambda: case.forward("kari", "per", "x", T0, o, {}), "authority")  # per: none on D100
    assert case.forward("finn", "lise", "kari er syk", T0, o, {}, "budget:D100")  # finance admin
    assert case.step("budget:D100").assignee == "lise"


def test_dispute_needs_a_reason_and_closes_the_case():
    case, o = new_case(), org()
    refused(lambda: case.dispute("ola", "", T0, o, {}), "reason-required", 422)
    refused(lambda: case.dispute("mona", "feil pris", T0, o, {}), "not-participant")
    case.reject("ola", "Feil pris: avtalt 100 kr/stk", T0, o, {})
    assert (case.status, case.disputed_by) == ("disputed", "ola")
    refused(lambda: case.approve("ola", T0, o, {}), "closed", 409)


def test_recode_replans_and_bars_the_recoder_from_budget():
    case, o = new_case("30000"), org()
    refused(lambda: case.recode("ola", [line("29000")], T0, o, {}), "total-changed", 422)
    refused(lambda: case.recode("mona", [line("30000")], T0, o, {}), "not-participant")
    case.recode("ola", [line("10000"), line("20000", "D200")], T0 + H, o, {})
    assert [(s.id, s.assignee, s.amount) for s in case.steps] == [
        ("attestation:D100", "ola", 10000),
        ("attestation:D200", "ola", 20000),
        ("budget:D100", "kari", 10000),
        ("budget:D200", "per", 20000),
    ]
    recoded = next(e for e in case.collect_events() if isinstance(e, ApprovalCase.Recoded))
    assert recoded.recoded_by == "ola" and len(recoded.lines) == 2  # for invoice-recoded
    case.approve("ola", T0 + 2 * H, o, {})  # a recoder may still attest: both cost centres
    assert [s.id for s in case.active_steps()] == ["budget:D100", "budget:D200"]
    # kari recodes during her budget step: the attestation stands, her budget goes up to lise
    case.recode("kari", [line("10000", account="6540"), line("20000", "D200")], T0 + 3 * H, o, {})
    assert case.step("attestation:D100").approved_by == "ola"
    assert case.step("budget:D100").assignee == "lise"
    refused(lambda: case.approve("kari", T0, o, {}, "budget:D100"), "not-assignee")


def test_an_accountant_who_recodes_has_coded_and_decides_no_step():
    vera = {"id": "vera", "roles": ["accountant", "budget-holder"]}
    limit = {"role": "budget-holder", "cost_centre": "*", "max_amount": "50000", "user": "vera"}
    o = org(users=[*ORG["users"], vera], authority=[*ORG["authority"], limit])
    case = new_case("12500", o=o)
    case.recode("vera", [line("12500", account="6540")], T0 + H, o, {})
    recoded = next(e for e in case.collect_events() if isinstance(e, ApprovalCase.Recoded))
    assert (recoded.recoded_by, recoded.as_coder) == ("vera", True)
    assert (case.coded_by, case.recoded_by) == (["carl", "vera"], [])
    for step in ("attestation:D100", "budget:D100"):
        why = refused(lambda s=step: case.forward("finn", "vera", "ta den", T0, o, {}, s), "coded")
        assert "vera coded this invoice" in why.reason_en


def test_hold_pauses_reminders_until_its_end():
    case, o = new_case(), org()
    refused(lambda: case.hold("ola", T0 - H, T0, o, {}), "hold-past", 422)
    case.hold("ola", T0 + 72 * H, T0 + H, o, {}, reason="venter på levering")
    assert due_actions(case, T0 + 71 * H) == []
    assert due_actions(case, T0 + 95 * H) == []
    assert [type(a) for a in due_actions(case, T0 + 96 * H)] == [Reminder]


def test_reminder_then_escalation_each_once_by_the_clock():
    case = new_case()
    assert due_actions(case, T0 + 23 * H) == []
    actions = due_actions(case, T0 + 24 * H)
    assert actions == [Reminder("attestation:D100", "ola", T0 + 24 * H)]
    record(case, actions, T0 + 24 * H, {})
    assert due_actions(case, T0 + 47 * H) == []
    actions = due_actions(case, T0 + 48 * H)
    assert actions == [Escalation("attestation:D100", "ola", "kari", T0 + 48 * H)]
    record(case, actions, T0 + 48 * H, {})
    assert due_actions(case, T0 + 500 * H) == []
    assert names(case)[-2:] == ["Reminded", "Escalated"]
    # the person escalated to may forward the step, not approve it
    refused(lambda: case.approve("kari", T0, org(), {}, "attestation:D100"), "not-assignee")
    case.forward("kari", "mona", "Ola er borte", T0 + 49 * H, org(), {})
    assert due_actions(case, T0 + 72 * H) == []  # a fresh clock for mona
    assert len(due_actions(case, T0 + 73 * H)) == 1


def test_comments_are_threaded_and_marked_internal_or_for_the_supplier():
    case, o = new_case(), org()
    first = case.comment("ola", "Er dette riktig pris?", T0, o, {})
    refused(
        lambda: case.comment("ola", "svar", T0, o, {}, "supplier", reply_to=first),
        "visibility",
        422,
    )
    refused(lambda: case.comment("audun", "hei", T0, o, {}), "read-only")
    q = case.ask("ola", "Kan dere sende pakkseddel?", "supplier", T0, o, {}, "supplier")
    refused(lambda: case.comment("siri", "intern?", T0, o, {}), "visibility", 422)
    assert [c["comment_id"] for c in case.open_questions()] == [q]
    case.comment("siri", "Vedlagt", T0 + H, o, {}, "supplier", reply_to=q)
    assert case.open_questions() == []
    asked = case.ask("ola", "Har du fått varene?", "kari", T0, o, {})
    assert [c["comment_id"] for c in case.open_questions()] == [asked]
    assert [c["text"] for c in case.comments_for(supplier=True)] == [
        "Kan dere sende pakkseddel?",
        "Vedlagt",
    ]
    assert case.comments[2]["by_supplier"] and case.comments[2]["reply_to"] == q


def test_events_survive_storage_and_replay():
    app = Application[object]()
    case, o = new_case("125000"), org()
    case.approve("ola", T0, o, {})
    case.comment("ola", "ok", T0, o, {})
    app.save(case)
    again = app.repository.get(case.id)
    assert [s.model_dump() for s in again.steps] == [s.model_dump() for s in case.steps]
    assert again.comments == case.comments and isinstance(o, Organisation)
