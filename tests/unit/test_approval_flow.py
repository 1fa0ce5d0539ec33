from datetime import timedelta
from decimal import Decimal

import pytest

from services.approval.flow import NoEligibleApprover, plan_steps
from services.approval.organisation import StepKind
from services.approval.sod import Involvement, Refusal, conflict
from tests.unit.approval_org import OTHER_SUPPLIER, SUPPLIER, T0, line, org, summary


def plan(
    amount="12500", lines=None, ref="Ola Nordmann", registered_by="anne", coded_by="carl", **kw
):
    o = kw.pop("o", None) or org()
    supplier = kw.pop("supplier", SUPPLIER)
    lines = lines if lines is not None else [line(amount)]
    return plan_steps(summary(amount, ref, supplier), lines, registered_by, coded_by, o, T0, **kw)


def brief(steps):
    return [(s.id, s.assignee, s.route, s.parallel_group) for s in steps]


def test_under_the_threshold_attestation_then_budget():
    steps = plan()
    assert brief(steps) == [
        ("attestation:D100", "ola", "buyer-reference", 1),
        ("budget:D100", "kari", "cost-centre-owner", 2),
    ]
    attest, budget = steps
    assert attest.amount == budget.amount == Decimal("12500.00")
    assert attest.activated_at == T0 and budget.activated_at is None
    assert attest.due_at == T0 + timedelta(hours=24)  # SLA of attestation
    assert budget.due_at == T0 + timedelta(hours=24 + 48)  # estimate: after attestation is due
    assert attest.escalate_to == "kari" and budget.escalate_to == "lise"


def test_above_the_owners_limit_budget_routes_upwards():
    steps = plan("62500")
    assert brief(steps)[1] == ("budget:D100", "lise", "routed-upwards", 2)


def test_above_the_threshold_a_further_level_by_a_fourth_pair_of_eyes():
    steps = plan("125000")
    assert brief(steps) == [
        ("attestation:D100", "ola", "buyer-reference", 1),
        ("budget:D100", "lise", "routed-upwards", 2),
        ("second-level", "finn", "authority", 3),  # lise has the authority but approved budget
    ]
    assert steps[2].kind is StepKind.SECOND_LEVEL and steps[2].cost_centre is None


def test_a_named_second_level_approver_is_used():
    o = org(second_level={"threshold": "10000", "approver": "lise"})
    assert brief(plan(o=o))[2] == ("second-level", "lise", "second-level", 3)


def test_several_cost_centres_run_in_parallel_one_step_per_owner():
    steps = plan(
        "30000", lines=[line("10000"), line("15000", "D200"), line("5000", "D100")], ref=None
    )
    assert brief(steps) == [
        ("attestation:D100", "kari", "cost-centre-owner", 1),
        ("attestation:D200", "per", "cost-centre-owner", 1),
        # the owners attest, so budget goes one level up, to lise
        ("budget:D100", "lise", "routed-upwards", 2),
        ("budget:D200", "lise", "routed-upwards", 2),
    ]
    assert [s.amount for s in steps] == [Decimal("15000.00"), Decimal("15000.00")] * 2


def test_a_project_is_the_cost_centre_when_no_department_is_coded():
    steps = plan(lines=[line("12500", None, project="P1")])
    assert brief(steps)[1] == ("budget:P1", "per", "cost-centre-owner", 2)


def test_routing_order_reference_then_order_owner_then_owner_then_supplier_then_inbox():
    assert plan(ref=None, order_owner="mona")[0].assignee == "mona"
    assert plan(order_owner="mona")[0].assignee == "ola"  # buyer reference wins
    assert plan(ref="someone unknown")[0].route == "cost-centre-owner"
    no_dept = [line("12500", None)]
    assert plan(lines=no_dept, ref=None, supplier=OTHER_SUPPLIER)[0].assignee == "mona"
    inbox = plan(lines=no_dept, ref=None)[0]
    assert (inbox.assignee, inbox.route) == ("ap", "ap-inbox")


def test_routing_passes_over_whom_the_duties_forbid():
    # the buyer reference names the registrant, then someone linked to the supplier
    assert plan(ref="Ola Nordmann", registered_by="ola")[0].route == "cost-centre-owner"
    assert plan(ref="sven")[0].route == "cost-centre-owner"
    # the AP inbox group: anne registered it, mona may still take it
    assert plan(lines=[line("12500", None)], ref=None)[0].assignee == "ap"


def test_a_foreign_currency_needs_a_rate_and_limits_apply_in_nok():
    s = summary("6000", "Ola Nordmann", SUPPLIER, currency="EUR")
    with pytest.raises(Refusal) as refused:
        plan_steps(s, [line("6000")], "anne", "carl", org(), T0)
    assert refused.value.code == "currency" and refused.value.status == 422
    steps = plan_steps(s, [line("6000")], "anne", "carl", org(), T0, rate=Decimal("11.5"))
    assert steps[1].amount == Decimal("69000.00")
    assert steps[1].assignee == "lise"  # above kari's NOK 50,000
    assert len(steps) == 2  # NOK 69,000 is under the further level


def test_nobody_eligible_is_a_clear_refusal():
    o = org(authority=[])
    with pytest.raises(NoEligibleApprover, match="budget step for cost centre D100"):
        plan(o=o)


def inv(**kw):
    return Involvement(registered_by="anne", supplier_orgnr=SUPPLIER, **kw)


@pytest.mark.parametrize(
    "person, kind, involvement, code, words",
    [
        ("anne", StepKind.ATTESTATION, inv(), "registered", "anne registered this invoice"),
        ("carl", StepKind.BUDGET, inv(coded_by=frozenset({"carl"})), "coded", "carl coded"),
        (
            "sven",
            StepKind.ATTESTATION,
            inv(),
            "supplier-linked",
            "linked to the supplier 987654321",
        ),
        (
            "ola",
            StepKind.BUDGET,
            inv(attestants=frozenset({"ola"})),
            "attestant",
            "may not also approve",
        ),
        (
            "kari",
            StepKind.ATTESTATION,
            inv(authorisers=frozenset({"kari"})),
            "budget-holder",
            "may not also attest",
        ),
        (
            "ola",
            StepKind.BUDGET,
            inv(recoded_by=frozenset({"ola"})),
            "recoded",
            "changed the coding",
        ),
        (
            "lise",
            StepKind.SECOND_LEVEL,
            inv(budget_approvers=frozenset({"lise"})),
            "second-level",
            "someone else",
        ),
    ],
)
def test_each_duty_has_a_code_and_a_reason_in_both_languages(
    person, kind, involvement, code, words
):
    refusal = conflict(person, kind, involvement, org())
    assert refusal is not None
    assert (refusal.code, refusal.status) == (code, 403)
    assert words in refusal.reason and refusal.reason == refusal.reason_en
    assert refusal.reason_nb.startswith("arbeidsdeling")


def test_a_recoder_may_still_attest():
    assert conflict("ola", StepKind.ATTESTATION, inv(recoded_by=frozenset({"ola"})), org()) is None
