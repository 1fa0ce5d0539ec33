"""What approval publishes for each domain event (the relay's side of the contract)."""

from uuid import uuid4

from eventsourcing.application import Application

from services.approval.app import fallback_organisation
from services.approval.case import ApprovalCase
from services.approval.flow import plan_steps
from services.approval.organisation import Organisation
from services.approval.translate import CaseLookup, translate
from services.approval.unrouted import AP_INBOX, Unrouted
from shared.schemas.events import (
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceCommented,
    InvoiceDisputed,
    InvoiceRecoded,
)
from tests.unit.approval_org import T0, line, org, summary

META = {"tenant_id": "demo", "correlation_id": "c"}


def published(app: Application, aggregate: object) -> list[object]:
    app.save(aggregate)  # type: ignore[arg-type]
    lookup = CaseLookup(app.repository.get)
    payloads = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        event = app.mapper.to_domain_event(notification)
        payloads += [p.payload for p in translate(event, case_of=lookup)]
    return payloads


def request(o: Organisation, amount: str = "12500") -> ApprovalCase:
    return ApprovalCase.request(
        uuid4(), "demo", summary(amount), [line(amount)], "anne", None, o, T0, META
    )


def test_two_steps_one_request_each_then_the_contract_with_every_decision():
    app = Application()
    o = org()
    case = request(o)
    case.approve("ola", T0, o, META)
    case.approve("kari", T0, o, META)
    out = published(app, case)
    requested = [p for p in out if isinstance(p, InvoiceApprovalRequested)]
    assert [(r.step, r.assignee) for r in requested] == [
        ("attestation:D100", "ola"),
        ("budget:D100", "kari"),
    ]
    assert all(r.due_at is not None for r in requested)
    (approved,) = [p for p in out if isinstance(p, InvoiceApproved)]
    assert [(a.step, a.approved_by) for a in approved.approvals] == [
        ("attestation:D100", "ola"),
        ("budget:D100", "kari"),
    ]
    assert approved.tenant_id == "demo" and approved.coding == [line("12500")]


def test_dispute_recode_and_comment_are_published():
    app = Application()
    o = org()
    case = request(o)
    case.comment("ola", "Mangler pakkseddel", T0, o, META, visibility="supplier")
    case.recode("ola", [line("12500", account="6810")], T0, o, META)
    case.dispute("ola", "Ikke levert", T0, o, META)
    out = published(app, case)
    (commented,) = [p for p in out if isinstance(p, InvoiceCommented)]
    assert (commented.author, commented.visibility, commented.comment_id) == (
        "ola",
        "supplier",
        "1",
    )
    (recoded,) = [p for p in out if isinstance(p, InvoiceRecoded)]
    assert recoded.recoded_by == "ola" and recoded.lines[0].account == "6810"
    (disputed,) = [p for p in out if isinstance(p, InvoiceDisputed)]
    assert (disputed.disputed_by, disputed.reason, disputed.tenant_id) == (
        "ola",
        "Ikke levert",
        "demo",
    )


def test_an_unroutable_invoice_waits_in_the_ap_inbox():
    app = Application()
    parked = Unrouted(
        invoice_id=uuid4(),
        tenant_id="demo",
        summary={},
        lines=[],
        registered_by="anne",
        code="no-approver",
        reason="nobody",
        reason_nb="ingen",
        meta=META,
    )
    (requested,) = published(app, parked)
    assert isinstance(requested, InvoiceApprovalRequested)
    assert (requested.step, requested.assignee) == ("routing", AP_INBOX)


def test_the_fallback_organisation_is_the_walking_skeleton():
    o = fallback_organisation(["kari", "ola"], ["anne"])
    steps = plan_steps(summary("500", ref=None), [line("500")], "anne", None, o, T0)
    assert [(s.id, s.assignee) for s in steps] == [("attestation:D100", "kari")]
    o = fallback_organisation(["kari", "ola"], ["anne"], registered_by="kari")
    steps = plan_steps(summary("500", ref=None), [line("500")], "kari", None, o, T0)
    assert [s.assignee for s in steps] == ["ola"]
    steps = plan_steps(summary("500", ref="ola"), [line("500")], "anne", None, o, T0)
    assert [s.assignee for s in steps] == ["ola"]
