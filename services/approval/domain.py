"""Approval's walking skeleton, kept for what it still gives: `ApprovalRefused` (the base of
`sod.Refusal`) and the old `ApprovalCase`, so events stored before issue #6 still load.

The service runs `case.ApprovalCase` now; nothing creates this module's case any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

ATTESTATION = "attestation"


class ApprovalRefused(Exception):
    """A decision the rules forbid, in English and bokmål; `status` tells the HTTP layer how to
    answer."""

    def __init__(self, reason: str, reason_nb: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_nb = reason_nb
        self.status = status


class NoApprover(Exception):
    pass


def route(approvers: list[str], registered_by: str, buyer_reference: str | None) -> str:
    """Buyer reference ('Deres ref') naming an approver wins.

    Nobody approves what they registered.
    """
    eligible = [a for a in approvers if a != registered_by]
    if buyer_reference:
        for approver in eligible:
            if approver.lower() == buyer_reference.strip().lower():
                return approver
    if not eligible:
        raise NoApprover(f"no approver other than {registered_by} is configured")
    return eligible[0]


class ApprovalCase(Aggregate):
    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    @event("Requested")
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        summary: dict[str, Any],
        coding: list[dict[str, Any]],
        registered_by: str,
        step: str,
        assignee: str,
        meta: dict[str, str],
    ) -> None:
        self.tenant_id = tenant_id
        self.summary = summary
        self.coding = coding
        self.registered_by = registered_by
        self.step = step
        self.assignee = assignee
        self.approved_by: str | None = None

    def check_may_approve(self, user: str) -> None:
        if self.approved_by is not None:
            raise ApprovalRefused(
                "the invoice is already approved", "fakturaen er allerede godkjent", status=409
            )
        if user == self.registered_by:
            raise ApprovalRefused(
                "segregation of duties: you registered this invoice",
                "arbeidsdeling: du registrerte fakturaen selv",
            )
        if user != self.assignee:
            raise ApprovalRefused(
                f"the invoice is assigned to {self.assignee}, not to you",
                f"fakturaen er tildelt {self.assignee}, ikke deg",
            )

    def approve(self, user: str, at: datetime, meta: dict[str, str]) -> None:
        self.check_may_approve(user)
        self._approved(approved_by=user, approved_at=at.isoformat(), meta=meta)

    @event("Approved")
    def _approved(self, approved_by: str, approved_at: str, meta: dict[str, str]) -> None:
        self.approved_by = approved_by
