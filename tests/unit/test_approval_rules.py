from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.approval.domain import ApprovalCase, ApprovalRefused, NoApprover, route


def test_route_prefers_buyer_reference_and_never_the_registrant():
    assert route(["kari", "ola"], "anne", "Ola") == "ola"
    assert route(["kari", "ola"], "anne", None) == "kari"
    assert route(["kari", "ola"], "kari", "kari") == "ola"
    with pytest.raises(NoApprover):
        route(["anne"], "anne", None)


def case(assignee="kari", registered_by="anne"):
    return ApprovalCase(
        invoice_id=uuid4(),
        tenant_id="demo",
        summary={},
        coding=[],
        registered_by=registered_by,
        step="attestation",
        assignee=assignee,
        meta={},
    )


def test_only_the_assignee_may_approve_and_only_once():
    c = case()
    with pytest.raises(ApprovalRefused, match="assigned to kari"):
        c.approve("ola", datetime.now(UTC), {})
    c.approve("kari", datetime.now(UTC), {})
    assert c.approved_by == "kari"
    with pytest.raises(ApprovalRefused) as refused:
        c.approve("kari", datetime.now(UTC), {})
    assert refused.value.status == 409


def test_nobody_approves_what_they_registered():
    c = case(assignee="anne", registered_by="anne")
    with pytest.raises(ApprovalRefused, match="segregation"):
        c.approve("anne", datetime.now(UTC), {})
