"""The rows the inbox and the scheduler read, as pure functions of a case and the organisation."""

from datetime import timedelta
from uuid import uuid4

from services.approval.case import ApprovalCase
from services.approval.inbox import assignees_for, open_steps, why
from services.approval.reminders import due_actions, record
from tests.unit.approval_org import T0, line, org, summary

H = timedelta(hours=1)


def new_case(**kw):
    department = kw.pop("department", "D100")
    return ApprovalCase.request(
        uuid4(), "demo", summary(**kw), [line("12500", department)], "anne", "carl", org(), T0, {}
    )


def has_due(case, at):
    return any(r.next_action_at is not None and r.next_action_at <= at for r in open_steps(case))


def test_next_action_at_says_exactly_when_the_scheduler_has_something():
    case = new_case()
    hours = [0, 23, 24, 30, 47, 48, 60]
    for hour in hours:
        at = T0 + hour * H
        assert has_due(case, at) == bool(due_actions(case, at)), hour
    record(case, due_actions(case, T0 + 24 * H), T0 + 24 * H, {})
    for hour in hours:
        at = T0 + hour * H
        assert has_due(case, at) == bool(due_actions(case, at)), hour
    record(case, due_actions(case, T0 + 48 * H), T0 + 48 * H, {})
    assert [r.next_action_at for r in open_steps(case)] == [None]


def test_a_hold_moves_the_next_action_to_after_it():
    case = new_case()
    case.hold("ola", T0 + 100 * H, T0, org(), {})
    [row] = open_steps(case)
    assert row.next_action_at == T0 + 124 * H
    assert not due_actions(case, T0 + 123 * H) and due_actions(case, T0 + 124 * H)
    assert row.held_until == (T0 + 100 * H).isoformat()


def test_only_active_steps_of_open_cases_are_rows():
    case = new_case()
    assert [(r.step_id, r.ordinal, r.assignee) for r in open_steps(case)] == [
        ("attestation:D100", 0, "ola")
    ]
    case.approve("ola", T0, org(), {})
    assert [(r.step_id, r.ordinal) for r in open_steps(case)] == [("budget:D100", 1)]
    case.approve("kari", T0, org(), {})
    assert open_steps(case) == []


def test_whose_a_row_is():
    o = org(
        substitutes=[
            {"user": "ola", "substitute": "mona", "valid_from": T0 - H, "valid_to": T0 + H}
        ]
    )
    [to_ola] = open_steps(new_case())
    [to_group] = open_steps(new_case(ref=None, department=None))
    assert to_group.assignee == "ap"
    assert assignees_for(o, "mona", T0) == ["mona", "ola", "ap"]
    assert assignees_for(o, "mona", T0 + 2 * H) == ["mona", "ap"]
    assert why(to_ola, o, "mona", T0) == ("substitute", "ola")
    assert why(to_ola, o, "mona", T0 + 2 * H) is None
    assert why(to_group, o, "mona", T0) == ("assigned", None)
    assert why(to_ola, o, "kari", T0) is None


def test_a_row_carries_the_cash_discount_its_terms_state():
    [row] = open_steps(new_case(payment_terms="2 % rabatt ved betaling innen 10 dager, netto 30"))
    assert (str(row.discount_percent), row.discount_until.isoformat()) == ("2", "2026-03-11")
    [unclear] = open_steps(new_case(payment_terms="2/10 eller 3/5 netto 30"))
    [none] = open_steps(new_case())
    assert unclear.discount_percent is None and none.discount_until is None
