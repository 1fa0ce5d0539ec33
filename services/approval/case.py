"""One invoice's approval: its steps, every decision on them, and the talk around them.

Commands check everything first and record nothing when refused (`Refusal`: 403 for duties and
authority, 409 for the case's state, 422 for bad input). The organisation and the clock are
arguments, so the aggregate stays pure; events carry JSON values only.

Decisions made here:
- A substitute acts with the authority of the person they stand in for, but the duties bind both:
  neither may have registered, coded, attested or be linked to the supplier. The decision records
  the substitute as `approved_by` and the absent person as `on_behalf_of`.
- An approver whose authority is too low does not approve: the step routes upwards to the next
  person with enough authority, and that is recorded (`RoutedUpwards`).
- An accountant who recodes codes the invoice (the AP desk's work): like the first coder they may
  then decide no step of it (`coded`). An approver who recodes may still attest (checking the
  coding is part of attesting), but may never approve budget or the further level on it. The
  steps are planned anew for the new coding, keeping approvals whose step (kind, cost centre,
  amount) is unchanged and whose approver may still decide it. A recode must keep the invoice's
  total: it moves amounts, it does not change them.
- Escalation tells the next level and lets them forward the step; it does not let them approve in
  the assignee's stead, which could break the duties. A finance admin may forward any step.
- Forwarding restarts the step's service-level clock for the new assignee.
- A hold pauses reminders and escalation until its date; it does not stop anyone approving.
- Comments may be written on closed cases too (a dispute goes on with the supplier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.approval.flow import Step, gross, plan_steps, upwards
from services.approval.organisation import Organisation, Role, StepKind
from services.approval.sod import (
    AUTHORISING,
    Involvement,
    Refusal,
    above_authority,
    conflict,
    covers,
    eligibility,
    lacks_role,
)
from shared.schemas.events import CodingLine, InvoiceSummary

Visibility = Literal["internal", "supplier"]
SUPPLIER = "supplier"
"""`question_to` for a question to the supplier."""


@dataclass
class Decision:
    """What an approve call did: steps approved, steps routed upwards (step -> new assignee)."""

    approved: list[str] = field(default_factory=list)
    routed: dict[str, str] = field(default_factory=dict)
    case_approved: bool = False


def _state(status: int, code: str, en: str, nb: str) -> Refusal:
    return Refusal(code, en, nb, status=status)


def _with(people: list[str], person: str) -> list[str]:
    return people if person in people else [*people, person]


def _required(text: str | None, what_en: str, what_nb: str) -> str:
    if text is None or not text.strip():
        raise _state(422, f"{what_en}-required", f"a {what_en} is required", f"{what_nb} mangler")
    return text.strip()


class ApprovalCase(Aggregate):
    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    # -- request --------------------------------------------------------------------------------

    @classmethod
    def request(
        cls,
        invoice_id: UUID,
        tenant_id: str,
        summary: InvoiceSummary,
        lines: Sequence[CodingLine],
        registered_by: str,
        coded_by: str | None,
        org: Organisation,
        at: datetime,
        meta: dict[str, str],
        order_owner: str | None = None,
        rate: Decimal | None = None,
    ) -> ApprovalCase:
        """Plans the steps (NoEligibleApprover when nobody may take one) and opens the case."""
        coders = [coded_by] if coded_by else []
        steps = plan_steps(
            summary, lines, registered_by, coders, org, at, order_owner=order_owner, rate=rate
        )
        return cls(
            invoice_id=invoice_id,
            tenant_id=tenant_id,
            summary=summary.model_dump(mode="json"),
            lines=[line.model_dump(mode="json") for line in lines],
            registered_by=registered_by,
            coded_by=coders,
            order_owner=order_owner,
            rate=str(rate) if rate is not None else None,
            steps=[s.model_dump(mode="json") for s in steps],
            requested_at=at.isoformat(),
            meta=meta,
        )

    class Requested(Aggregate.Created):
        invoice_id: UUID
        tenant_id: str
        summary: dict[str, Any]
        lines: list[dict[str, Any]]
        registered_by: str
        coded_by: list[str]
        order_owner: str | None
        rate: str | None
        steps: list[dict[str, Any]]
        requested_at: str
        meta: dict[str, str]

    @event(Requested)
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        summary: dict[str, Any],
        lines: list[dict[str, Any]],
        registered_by: str,
        coded_by: list[str],
        order_owner: str | None,
        rate: str | None,
        steps: list[dict[str, Any]],
        requested_at: str,
        meta: dict[str, str],
    ) -> None:
        self.invoice_id = invoice_id
        self.tenant_id = tenant_id
        self.summary = summary
        self.lines = lines
        self.registered_by = registered_by
        self.coded_by = list(coded_by)
        self.recoded_by: list[str] = []
        self.order_owner = order_owner
        self.rate = rate
        self.steps = [Step.model_validate(s) for s in steps]
        self.status: Literal["open", "approved", "disputed"] = "open"
        self.approved_at: datetime | None = None
        self.disputed_by: str | None = None
        self.dispute_reason: str | None = None
        self.held_until: datetime | None = None
        self.comments: list[dict[str, Any]] = []

    # -- reading --------------------------------------------------------------------------------

    @property
    def invoice(self) -> InvoiceSummary:
        return InvoiceSummary.model_validate(self.summary)

    @property
    def coding(self) -> list[CodingLine]:
        return [CodingLine.model_validate(line) for line in self.lines]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise _state(404, "unknown-step", f"no step {step_id}", f"ingen steg {step_id}")

    def active_steps(self) -> list[Step]:
        return [s for s in self.steps if s.active] if self.status == "open" else []

    def involvement(
        self, exclude: str | None = None, org: Organisation | None = None
    ) -> Involvement:
        """Who has a part in the invoice; `exclude` leaves out one step's (pending) assignee,
        e.g. the one being forwarded away."""
        attestants: set[str] = set()
        authorisers: set[str] = set()
        budget: set[str] = set()
        for step in self.steps:
            if step.done:
                people = {p for p in (step.approved_by, step.on_behalf_of) if p}
            elif step.id == exclude:
                continue
            else:
                people = set(org.members(step.assignee)) if org else {step.assignee}
            if step.kind is StepKind.ATTESTATION:
                attestants |= people
            else:
                authorisers |= people
            if step.kind is StepKind.BUDGET:
                budget |= people
        return Involvement(
            registered_by=self.registered_by,
            supplier_orgnr=self.invoice.seller_legal_id,
            coded_by=frozenset(self.coded_by),
            recoded_by=frozenset(self.recoded_by),
            attestants=frozenset(attestants),
            authorisers=frozenset(authorisers),
            budget_approvers=frozenset(budget),
        )

    def open_questions(self) -> list[dict[str, Any]]:
        """Questions nobody they were put to has answered yet."""
        answered = {
            c["reply_to"]
            for c in self.comments
            for q in self.comments
            if c["reply_to"] == q["comment_id"]
            and (
                c["author"] == q["question_to"]
                or (q["question_to"] == SUPPLIER and c["by_supplier"])
            )
        }
        return [c for c in self.comments if c["question_to"] and c["comment_id"] not in answered]

    # -- who acts -------------------------------------------------------------------------------

    def _open(self) -> None:
        if self.status != "open":
            raise _state(
                409,
                "closed",
                f"the invoice is {self.status} already",
                "fakturaen er allerede "
                + {"approved": "godkjent", "disputed": "avvist"}.get(self.status, self.status),
            )

    @staticmethod
    def acting(actor: str, step: Step, org: Organisation, at: datetime) -> tuple[str, str | None]:
        """(actor, on_behalf_of): the actor is the assignee (or in its group), or substitutes
        for them now."""
        members = org.members(step.assignee)
        if actor in members:
            return actor, None
        for principal in org.principals_of(actor, at):
            if principal in members:
                return actor, principal
        raise Refusal(
            "not-assignee",
            f"the {step.kind.value} step is assigned to {step.assignee}, not to {actor}",
            f"steget {step.kind.value} er tildelt {step.assignee}, ikke {actor}",
        )

    def _may_act(self, actor: str, step: Step, org: Organisation, at: datetime) -> bool:
        try:
            self.acting(actor, step, org, at)
        except Refusal:
            return False
        return True

    def _participant(self, actor: str, org: Organisation, at: datetime) -> str | None:
        """For dispute, hold and recode: someone on an active step (returns whom they stand in
        for, if anyone), else a finance admin; refused otherwise."""
        for step in self.active_steps():
            if self._may_act(actor, step, org, at):
                return self.acting(actor, step, org, at)[1]
        if org.has_role(actor, Role.FINANCE_ADMIN):
            return None
        raise Refusal(
            "not-participant",
            f"{actor} has no step awaiting them on this invoice",
            f"{actor} har ikke noe steg som venter på seg på denne fakturaen",
        )

    def _mine(self, actor: str, step_id: str | None, org: Organisation, at: datetime) -> list[Step]:
        if step_id is not None:
            return [self.step(step_id)]
        mine = [s for s in self.active_steps() if self._may_act(actor, s, org, at)]
        if not mine:
            raise Refusal(
                "not-assignee",
                f"nothing on this invoice awaits {actor}",
                f"ingenting på denne fakturaen venter på {actor}",
            )
        return mine

    # -- approve --------------------------------------------------------------------------------

    def approve(
        self,
        actor: str,
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
        step_id: str | None = None,
    ) -> Decision:
        """Approves the given step, or every active step the actor may act on. A step above the
        authority of the person deciding routes upwards instead."""
        self._open()
        plan: list[tuple[Step, str, str | None, tuple[str, str] | None]] = []
        for step in self._mine(actor, step_id, org, at):
            if step.done:
                raise _state(
                    409, "done", f"{step.id} is approved already", f"{step.id} er godkjent"
                )
            if not step.active:
                raise _state(
                    409,
                    "not-started",
                    f"{step.id} waits for the steps before it",
                    f"{step.id} venter på stegene før",
                )
            person, principal = self.acting(actor, step, org, at)
            inv = self.involvement(exclude=step.id, org=org)
            for who in (person, principal):
                refusal = conflict(who, step.kind, inv, org) if who else None
                if refusal:
                    raise refusal
            holder = principal or person
            refusal = lacks_role(holder, step.kind, org)
            if refusal:
                raise refusal
            route = None
            if not covers(holder, step.kind, step.cost_centre, step.amount, org):
                skip = {person, step.assignee} | ({principal} if principal else set())
                route = upwards(step.kind, step.cost_centre, step.amount, inv, org, skip)
                if route is None:
                    low = above_authority(holder, step.kind, step.cost_centre, step.amount, org)
                    raise Refusal(
                        "authority",
                        f"{low.reason_en}, and nobody above may take it",
                        f"{low.reason_nb}, og ingen over kan ta det",
                    )
            plan.append((step, person, principal, route))
        decision = Decision()
        for step, person, principal, route in plan:
            if route is not None:
                low = above_authority(
                    principal or person, step.kind, step.cost_centre, step.amount, org
                )
                self._routed_upwards(
                    step_id=step.id,
                    from_=step.assignee,
                    to=route[0],
                    reason=low.reason_en,
                    escalate_to=org.superior(route[0], step.cost_centre),
                    at=at.isoformat(),
                    meta=meta,
                )
                decision.routed[step.id] = route[0]
            else:
                self._step_approved(
                    step_id=step.id,
                    approved_by=person,
                    on_behalf_of=principal,
                    at=at.isoformat(),
                    meta=meta,
                )
                decision.approved.append(step.id)
        self._advance(at, meta)
        decision.case_approved = self.status == "approved"
        return decision

    def _advance(self, at: datetime, meta: dict[str, str]) -> None:
        """Starts the next group when the current one is done; closes the case when all are."""
        if any(s.active for s in self.steps):
            return
        waiting = [s for s in self.steps if not s.done]
        if waiting:
            group = min(s.parallel_group for s in waiting)
            ids = [s.id for s in waiting if s.parallel_group == group]
            self._steps_started(step_ids=ids, at=at.isoformat(), meta=meta)
            return
        approvals = [
            {
                "step": s.id,
                "approved_by": s.approved_by,
                "on_behalf_of": s.on_behalf_of,
                "approved_at": s.approved_at.isoformat() if s.approved_at else None,
            }
            for s in self.steps
        ]
        self._approved(approvals=approvals, at=at.isoformat(), meta=meta)

    class StepApproved(Aggregate.Event):
        step_id: str
        approved_by: str
        on_behalf_of: str | None
        at: str
        meta: dict[str, str]

    @event(StepApproved)
    def _step_approved(
        self,
        step_id: str,
        approved_by: str,
        on_behalf_of: str | None,
        at: str,
        meta: dict[str, str],
    ) -> None:
        when = datetime.fromisoformat(at)
        self._replace(step_id, approved_by=approved_by, on_behalf_of=on_behalf_of, approved_at=when)

    class RoutedUpwards(Aggregate.Event):
        step_id: str
        from_: str
        to: str
        reason: str
        escalate_to: str | None
        at: str
        meta: dict[str, str]

    @event(RoutedUpwards)
    def _routed_upwards(
        self,
        step_id: str,
        from_: str,
        to: str,
        reason: str,
        escalate_to: str | None,
        at: str,
        meta: dict[str, str],
    ) -> None:
        self._reassign(step_id, to, "routed-upwards", escalate_to, datetime.fromisoformat(at))

    class StepsStarted(Aggregate.Event):
        step_ids: list[str]
        at: str
        meta: dict[str, str]

    @event(StepsStarted)
    def _steps_started(self, step_ids: list[str], at: str, meta: dict[str, str]) -> None:
        when = datetime.fromisoformat(at)
        for step_id in step_ids:
            hours = self.step(step_id).reminder_hours
            self._replace(step_id, activated_at=when, due_at=when + timedelta(hours=hours))

    class Approved(Aggregate.Event):
        approvals: list[dict[str, Any]]
        at: str
        meta: dict[str, str]

    @event(Approved)
    def _approved(self, approvals: list[dict[str, Any]], at: str, meta: dict[str, str]) -> None:
        self.status = "approved"
        self.approved_at = datetime.fromisoformat(at)

    # -- dispute --------------------------------------------------------------------------------

    def dispute(
        self, actor: str, reason: str, at: datetime, org: Organisation, meta: dict[str, str]
    ) -> None:
        """Rejects the invoice (the supplier is told and may send a credit note)."""
        self._open()
        text = _required(reason, "reason", "begrunnelse")
        principal = self._participant(actor, org, at)
        self._disputed(
            disputed_by=actor, on_behalf_of=principal, reason=text, at=at.isoformat(), meta=meta
        )

    reject = dispute

    class Disputed(Aggregate.Event):
        disputed_by: str
        on_behalf_of: str | None
        reason: str
        at: str
        meta: dict[str, str]

    @event(Disputed)
    def _disputed(
        self, disputed_by: str, on_behalf_of: str | None, reason: str, at: str, meta: dict[str, str]
    ) -> None:
        self.status = "disputed"
        self.disputed_by = disputed_by
        self.dispute_reason = reason

    # -- forward --------------------------------------------------------------------------------

    def forward(
        self,
        actor: str,
        to: str,
        note: str,
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
        step_id: str | None = None,
    ) -> list[str]:
        """Hands the actor's steps (or the given one) to someone else, who must pass the duties,
        role and authority for it. The assignee, their substitute, the person it was escalated
        to, or a finance admin may forward. Returns the steps forwarded."""
        self._open()
        text = _required(note, "note", "merknad")
        escalated = [
            s for s in self.active_steps() if s.escalated_at is not None and s.escalate_to == actor
        ]
        steps = escalated if step_id is None and escalated else self._mine(actor, step_id, org, at)
        planned: list[tuple[Step, str | None]] = []
        for step in steps:
            if step.done:
                raise _state(
                    409, "done", f"{step.id} is approved already", f"{step.id} er godkjent"
                )
            planned.append((step, self._may_forward(actor, step, org, at)))
            if to == step.assignee:
                raise _state(
                    422,
                    "same-assignee",
                    f"{step.id} is assigned to {to} already",
                    f"{step.id} er allerede tildelt {to}",
                )
            self._check_assignee(to, step, org)
        for step, principal in planned:
            self._forwarded(
                step_id=step.id,
                forwarded_by=actor,
                on_behalf_of=principal,
                to=to,
                note=text,
                escalate_to=org.superior(to, step.cost_centre),
                at=at.isoformat(),
                meta=meta,
            )
        return [s.id for s, _ in planned]

    def _may_forward(self, actor: str, step: Step, org: Organisation, at: datetime) -> str | None:
        if self._may_act(actor, step, org, at):
            return self.acting(actor, step, org, at)[1]
        if step.escalated_at is not None and actor == step.escalate_to:
            return None
        if org.has_role(actor, Role.FINANCE_ADMIN):
            return None
        return self.acting(actor, step, org, at)[1]  # raises not-assignee

    def _check_assignee(self, to: str, step: Step, org: Organisation) -> None:
        inv = self.involvement(exclude=step.id, org=org)
        group = org.group(to)
        if group is not None and step.kind is StepKind.ATTESTATION:
            refusals = [
                eligibility(m, step.kind, step.cost_centre, step.amount, inv, org)
                for m in group.members
            ]
            if all(refusals):
                raise _state(
                    403,
                    "group-ineligible",
                    f"nobody in {to} may take {step.id}",
                    f"ingen i {to} kan ta {step.id}",
                )
            return
        refusal = eligibility(to, step.kind, step.cost_centre, step.amount, inv, org)
        if refusal:
            raise refusal

    class Forwarded(Aggregate.Event):
        step_id: str
        forwarded_by: str
        on_behalf_of: str | None
        to: str
        note: str
        escalate_to: str | None
        at: str
        meta: dict[str, str]

    @event(Forwarded)
    def _forwarded(
        self,
        step_id: str,
        forwarded_by: str,
        on_behalf_of: str | None,
        to: str,
        note: str,
        escalate_to: str | None,
        at: str,
        meta: dict[str, str],
    ) -> None:
        self._reassign(step_id, to, "forwarded", escalate_to, datetime.fromisoformat(at))

    # -- recode ---------------------------------------------------------------------------------

    def recode(
        self,
        actor: str,
        lines: Sequence[CodingLine],
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
    ) -> list[Step]:
        """Changes the coding and plans the steps anew (see the module's decisions)."""
        self._open()
        as_coder = org.has_role(actor, Role.ACCOUNTANT)
        principal = None if as_coder else self._participant(actor, org, at)
        if not lines:
            raise _state(422, "no-lines", "a coding needs lines", "konteringen mangler linjer")
        before = sum((gross(line) for line in self.coding), Decimal(0))
        after = sum((gross(line) for line in lines), Decimal(0))
        if self.lines and before != after:
            raise _state(
                422,
                "total-changed",
                f"a recode must keep the total of {before}; the new lines sum to {after}",
                f"omkontering må beholde totalen {before}; nye linjer blir {after}",
            )
        coders = _with(self.coded_by, actor) if as_coder else self.coded_by
        recoders = self.recoded_by if as_coder else _with(self.recoded_by, actor)
        new = plan_steps(
            self.invoice,
            lines,
            self.registered_by,
            coders,
            org,
            at,
            order_owner=self.order_owner,
            recoded_by=recoders,
            rate=Decimal(self.rate) if self.rate else None,
        )
        steps = self._carry_over(new, coders, recoders, at)
        self._recoded(
            lines=[line.model_dump(mode="json") for line in lines],
            recoded_by=actor,
            as_coder=as_coder,
            on_behalf_of=principal,
            steps=[s.model_dump(mode="json") for s in steps],
            at=at.isoformat(),
            meta=meta,
        )
        self._advance(at, meta)
        return self.steps

    def _carry_over(
        self, new: list[Step], coders: list[str], recoders: list[str], at: datetime
    ) -> list[Step]:
        """Keeps approvals of unchanged steps, unless their approver may no longer decide them
        (now a coder, or a recoder on an authorising step); starts the first group not done."""
        old = {(s.kind, s.cost_centre, s.amount): s for s in self.steps}
        kept: list[Step] = []
        for step in new:
            was = old.get((step.kind, step.cost_centre, step.amount))
            barred = was is not None and (
                was.approved_by in coders
                or (step.kind in AUTHORISING and was.approved_by in recoders)
            )
            if was is not None and was.done and not barred:
                step = was.model_copy(update={"parallel_group": step.parallel_group})
            kept.append(step)
        waiting = [s.parallel_group for s in kept if not s.done]
        current = min(waiting, default=0)
        out = []
        for step in kept:
            if step.done or step.parallel_group != current:
                out.append(step if step.done else step.model_copy(update={"activated_at": None}))
                continue
            was = old.get((step.kind, step.cost_centre, step.amount))
            same = was is not None and was.assignee == step.assignee and was.active
            start = was.activated_at if same and was and was.activated_at else at
            out.append(
                step.model_copy(
                    update={
                        "activated_at": start,
                        "due_at": start + timedelta(hours=step.reminder_hours),
                    }
                )
            )
        return out

    class Recoded(Aggregate.Event):
        lines: list[dict[str, Any]]
        recoded_by: str
        on_behalf_of: str | None
        steps: list[dict[str, Any]]
        at: str
        meta: dict[str, str]
        as_coder: bool = False

    @event(Recoded)
    def _recoded(
        self,
        lines: list[dict[str, Any]],
        recoded_by: str,
        on_behalf_of: str | None,
        steps: list[dict[str, Any]],
        at: str,
        meta: dict[str, str],
        as_coder: bool = False,
    ) -> None:
        self.lines = lines
        people = self.coded_by if as_coder else self.recoded_by
        if recoded_by not in people:
            people.append(recoded_by)
        self.steps = [Step.model_validate(s) for s in steps]

    # -- hold -----------------------------------------------------------------------------------

    def hold(
        self,
        actor: str,
        until: datetime,
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
        reason: str | None = None,
    ) -> None:
        """Pauses reminders and escalation until `until` (e.g. waiting for the goods)."""
        self._open()
        principal = self._participant(actor, org, at)
        if until <= at:
            raise _state(
                422, "hold-past", "a hold must end in the future", "et hold må slutte fram i tid"
            )
        self._held(
            held_by=actor,
            on_behalf_of=principal,
            until=until.isoformat(),
            reason=reason.strip() if reason else None,
            at=at.isoformat(),
            meta=meta,
        )

    class Held(Aggregate.Event):
        held_by: str
        on_behalf_of: str | None
        until: str
        reason: str | None
        at: str
        meta: dict[str, str]

    @event(Held)
    def _held(
        self,
        held_by: str,
        on_behalf_of: str | None,
        until: str,
        reason: str | None,
        at: str,
        meta: dict[str, str],
    ) -> None:
        self.held_until = datetime.fromisoformat(until)

    def on_hold(self, now: datetime) -> bool:
        return self.held_until is not None and now < self.held_until

    # -- comments and questions -----------------------------------------------------------------

    def comment(
        self,
        author: str,
        text: str,
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
        visibility: Visibility = "internal",
        reply_to: str | None = None,
        question_to: str | None = None,
    ) -> str:
        """Adds a comment (a question when `question_to` names a user or `supplier`); returns
        its id. Supplier contacts of this supplier see and write supplier-visible ones only."""
        body = _required(text, "text", "tekst")
        if len(body) > 5000:
            raise _state(422, "too-long", "a comment has at most 5000 characters", "maks 5000 tegn")
        by_supplier = self._check_author(author, org, visibility)
        if reply_to is not None:
            parent = next((c for c in self.comments if c["comment_id"] == reply_to), None)
            if parent is None:
                raise _state(404, "unknown-comment", f"no comment {reply_to}", "ukjent kommentar")
            if parent["visibility"] == "internal" and visibility == "supplier":
                raise _state(
                    422,
                    "visibility",
                    "a reply visible to the supplier cannot answer an internal comment",
                    "et svar leverandøren ser kan ikke svare på en intern kommentar",
                )
        if question_to == SUPPLIER and visibility != "supplier":
            raise _state(
                422,
                "visibility",
                "a question to the supplier must be visible to the supplier",
                "et spørsmål til leverandøren må være synlig for leverandøren",
            )
        if question_to not in (None, SUPPLIER) and org.user(question_to) is None:
            raise _state(422, "unknown-user", f"{question_to} is not a user", "ukjent bruker")
        self._commented(
            comment_id=str(len(self.comments) + 1),
            author=author,
            by_supplier=by_supplier,
            text=body,
            visibility=visibility,
            reply_to=reply_to,
            question_to=question_to,
            at=at.isoformat(),
            meta=meta,
        )
        return str(len(self.comments))

    def ask(
        self,
        author: str,
        question: str,
        to: str,
        at: datetime,
        org: Organisation,
        meta: dict[str, str],
        visibility: Visibility = "internal",
    ) -> str:
        return self.comment(author, question, at, org, meta, visibility, question_to=to)

    def _check_author(self, author: str, org: Organisation, visibility: Visibility) -> bool:
        user = org.user(author)
        if user is None:
            raise _state(403, "unknown-user", f"{author} is not a user", f"{author} er ukjent")
        if user.roles and set(user.roles) <= {Role.AUDITOR}:
            raise Refusal("read-only", "auditors read only", "revisorer har bare lesetilgang")
        if user.roles and set(user.roles) <= {Role.SUPPLIER_CONTACT}:
            if not org.linked_to_supplier(author, self.invoice.seller_legal_id):
                raise Refusal(
                    "other-supplier",
                    "this invoice is from another supplier",
                    "fakturaen er fra en annen leverandør",
                )
            if visibility != "supplier":
                raise _state(
                    422,
                    "visibility",
                    "a supplier's comment is visible to the supplier",
                    "leverandørens kommentar er synlig for leverandøren",
                )
            return True
        return False

    class Commented(Aggregate.Event):
        comment_id: str
        author: str
        by_supplier: bool
        text: str
        visibility: str
        reply_to: str | None
        question_to: str | None
        at: str
        meta: dict[str, str]

    @event(Commented)
    def _commented(
        self,
        comment_id: str,
        author: str,
        by_supplier: bool,
        text: str,
        visibility: str,
        reply_to: str | None,
        question_to: str | None,
        at: str,
        meta: dict[str, str],
    ) -> None:
        self.comments.append(
            {
                "comment_id": comment_id,
                "author": author,
                "by_supplier": by_supplier,
                "text": text,
                "visibility": visibility,
                "reply_to": reply_to,
                "question_to": question_to,
                "at": at,
            }
        )

    def comments_for(self, supplier: bool) -> list[dict[str, Any]]:
        """What a reader sees: the supplier only comments marked for them."""
        return [c for c in self.comments if not supplier or c["visibility"] == "supplier"]

    # -- reminders and escalation (see `reminders.due_actions`) ---------------------------------

    class Reminded(Aggregate.Event):
        step_id: str
        assignee: str
        at: str
        meta: dict[str, str]

    @event(Reminded)
    def remind(self, step_id: str, assignee: str, at: str, meta: dict[str, str]) -> None:
        self._replace(step_id, reminded_at=datetime.fromisoformat(at))

    class Escalated(Aggregate.Event):
        step_id: str
        assignee: str
        to: str
        at: str
        meta: dict[str, str]

    @event(Escalated)
    def escalate(self, step_id: str, assignee: str, to: str, at: str, meta: dict[str, str]) -> None:
        self._replace(step_id, escalated_at=datetime.fromisoformat(at))

    # -- step bookkeeping -----------------------------------------------------------------------

    def _replace(self, step_id: str, **changes: Any) -> None:
        self.steps = [s.model_copy(update=changes) if s.id == step_id else s for s in self.steps]

    def _reassign(
        self, step_id: str, to: str, route: str, escalate_to: str | None, at: datetime
    ) -> None:
        step = self.step(step_id)
        changes: dict[str, Any] = {
            "assignee": to,
            "route": route,
            "escalate_to": escalate_to,
            "reminded_at": None,
            "escalated_at": None,
        }
        if step.activated_at is not None:
            changes |= {"activated_at": at, "due_at": at + timedelta(hours=step.reminder_hours)}
        self._replace(step_id, **changes)
