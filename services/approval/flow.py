"""Which steps an invoice needs, and who gets each. Pure: the clock comes in as `now`.

Order: attestation (goods received, price and coding right), then budget approval (anvisning),
then a further level above the tenant's threshold. Steps of one `parallel_group` run side by side;
the next group starts when all of the previous one are approved. An invoice coded to several cost
centres gets one attestation and one budget step per cost centre, routed to each.

A line's cost centre is its department, else its project (codes are unique across both).
Attestation goes to the first eligible of: the person named by the buyer reference ('Deres ref'),
the purchase order's owner, the cost centre's owner, the supplier's default attestant, the AP
inbox. Budget goes to the cost centre's owner, else up the cost-centre tree, else to whoever in
the authority matrix has the least sufficient limit; a person whose limit is too low is passed
over (the amount routes upwards). Nobody gets a step the duties forbid them (see `sod`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.approval.organisation import ANY, Organisation, Sla, StepKind
from services.approval.sod import Involvement, Refusal, eligibility, required_roles
from shared.schemas.events import CodingLine, InvoiceSummary

ROUTES = (
    "buyer-reference",
    "order-owner",
    "cost-centre-owner",
    "supplier-default",
    "ap-inbox",
    "authority",
    "second-level",
    "forwarded",
    "routed-upwards",
)
"""Why a step has its assignee, as recorded on the step."""


class Step(BaseModel):
    """One decision an invoice needs; progress fields are filled in as the case moves."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: StepKind
    parallel_group: int
    cost_centre: str | None
    amount: Decimal
    """NOK incl. VAT: what the step decides on, and what the authority must cover."""
    assignee: str
    """A user; for attestation also a group (any member may act)."""
    route: str
    due_at: datetime | None
    """When the reminder goes out; for later groups an estimate until the step starts."""
    reminder_hours: int
    escalation_hours: int
    escalate_to: str | None
    activated_at: datetime | None = None
    approved_by: str | None = None
    on_behalf_of: str | None = None
    approved_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.approved_by is not None

    @property
    def active(self) -> bool:
        return self.activated_at is not None and not self.done


class NoEligibleApprover(Refusal):
    """Nobody in the organisation may take a step: the AP desk must fix the organisation."""

    def __init__(self, kind: StepKind, cost_centre: str | None, amount: Decimal) -> None:
        where = cost_centre or "*"
        super().__init__(
            "no-approver",
            f"nobody may take the {kind.value} step for cost centre {where} (NOK {amount}): "
            "check owners, roles and the authority matrix",
            f"ingen kan ta steget {kind.value} for koststed {where} (NOK {amount}): "
            "sjekk eiere, roller og fullmaktsmatrisen",
            status=409,
        )


def gross(line: CodingLine) -> Decimal:
    return line.net_amount + line.vat_amount


def cost_centre_of(line: CodingLine) -> str | None:
    return line.department or line.project


def split_by_cost_centre(lines: Iterable[CodingLine], rate: Decimal) -> dict[str | None, Decimal]:
    """Gross NOK per cost centre, in the order the lines first name them."""
    amounts: dict[str | None, Decimal] = {}
    for line in lines:
        key = cost_centre_of(line)
        amounts[key] = amounts.get(key, Decimal(0)) + gross(line) * rate
    return {k: v.quantize(Decimal("0.01")) for k, v in amounts.items()}


def nok_rate(summary: InvoiceSummary, rate: Decimal | None) -> Decimal:
    if summary.currency in (None, "NOK"):
        return Decimal(1)
    if rate is None or rate <= 0:
        raise Refusal(
            "currency",
            f"limits are in NOK: an invoice in {summary.currency} needs a NOK rate to be routed",
            f"fullmakter er i NOK: en faktura i {summary.currency} trenger en NOK-kurs",
            status=422,
        )
    return rate


def plan_steps(
    summary: InvoiceSummary,
    coding_lines: Sequence[CodingLine],
    registered_by: str,
    coded_by: str | Collection[str] | None,
    org: Organisation,
    now: datetime,
    *,
    order_owner: str | None = None,
    recoded_by: Collection[str] = (),
    rate: Decimal | None = None,
) -> list[Step]:
    """The steps this invoice needs, each with its assignee and due time; NoEligibleApprover
    when the organisation has nobody who may take one."""
    fx = nok_rate(summary, rate)
    amounts = split_by_cost_centre(coding_lines, fx)
    total = (summary.payable_amount * fx) if summary.payable_amount is not None else None
    if not amounts:
        amounts = {None: (total or Decimal(0)).quantize(Decimal("0.01"))}
    if total is None:
        total = sum(amounts.values(), Decimal(0))
    coders = {coded_by} if isinstance(coded_by, str) else set(coded_by or ())
    inv = Involvement(
        registered_by=registered_by,
        supplier_orgnr=summary.seller_legal_id,
        coded_by=frozenset(coders),
        recoded_by=frozenset(recoded_by),
    )
    clock = _Clock(org, now)
    attestation = [
        _attestation(cc, amount, summary, order_owner, inv, org, clock)
        for cc, amount in amounts.items()
    ]
    attestants = frozenset(m for step in attestation for m in org.members(step.assignee))
    inv = _with(inv, attestants=attestants)
    clock.next_group()
    budget = (
        [_budget(cc, amount, inv, org, clock) for cc, amount in amounts.items()]
        if org.budget_approval
        else []
    )
    steps = attestation + budget
    threshold = org.second_level.threshold
    if threshold is not None and total > threshold:
        inv = _with(inv, budget_approvers=frozenset(s.assignee for s in budget))
        clock.next_group()
        steps.append(_second_level(total.quantize(Decimal("0.01")), inv, org, clock))
    return steps


class _Clock:
    """Due times: the first group starts now; each later group is estimated to start when the
    one before is due."""

    def __init__(self, org: Organisation, now: datetime) -> None:
        self.org = org
        self.now = now
        self.start = now
        self.group = 1
        self.latest = now

    def next_group(self) -> None:
        self.group += 1
        self.start = self.latest

    def step(
        self, kind: StepKind, cost_centre: str | None, amount: Decimal, assignee: str, route: str
    ) -> Step:
        sla = self.org.sla.get(kind, Sla())
        due = self.start + timedelta(hours=sla.reminder_hours)
        self.latest = max(self.latest, due)
        return Step(
            id=step_id(kind, cost_centre),
            kind=kind,
            parallel_group=self.group,
            cost_centre=cost_centre,
            amount=amount,
            assignee=assignee,
            route=route,
            due_at=due,
            reminder_hours=sla.reminder_hours,
            escalation_hours=sla.escalation_hours,
            escalate_to=self.org.superior(assignee, cost_centre),
            activated_at=self.now if self.group == 1 else None,
        )


def step_id(kind: StepKind, cost_centre: str | None) -> str:
    return kind.value if kind is StepKind.SECOND_LEVEL else f"{kind.value}:{cost_centre or ANY}"


def _with(inv: Involvement, **changes: frozenset[str]) -> Involvement:
    return Involvement(**{**inv.__dict__, **changes})


def _attestation(
    cost_centre: str | None,
    amount: Decimal,
    summary: InvoiceSummary,
    order_owner: str | None,
    inv: Involvement,
    org: Organisation,
    clock: _Clock,
) -> Step:
    owners = org.owners_upwards(cost_centre)
    candidates = [
        (org.resolve_reference(summary.buyer_reference), "buyer-reference"),
        (order_owner, "order-owner"),
        (owners[0] if owners else None, "cost-centre-owner"),
        (org.routing.supplier_defaults.get(summary.seller_legal_id or ""), "supplier-default"),
        (org.routing.ap_inbox, "ap-inbox"),
    ]
    kind = StepKind.ATTESTATION
    for who, route in candidates:
        if who and any(
            eligibility(m, kind, cost_centre, amount, inv, org) is None for m in org.members(who)
        ):
            return clock.step(kind, cost_centre, amount, who, route)
    raise NoEligibleApprover(kind, cost_centre, amount)


def upwards(
    kind: StepKind,
    cost_centre: str | None,
    amount: Decimal,
    inv: Involvement,
    org: Organisation,
    skip: Collection[str] = (),
) -> tuple[str, str] | None:
    """The first person who may authorise: the owners up the cost-centre tree, then the
    matrix's least sufficient limit. Returns (person, route)."""
    owners = org.owners_upwards(cost_centre) if kind is StepKind.BUDGET else []
    named = [org.second_level.approver] if kind is StepKind.SECOND_LEVEL else []
    roles_matrix = [
        person
        for role in required_roles(kind)
        for person in org.with_authority(role, cost_centre, amount)
    ]
    candidates = (
        [(p, "cost-centre-owner" if i == 0 else "routed-upwards") for i, p in enumerate(owners)]
        + [(p, "second-level") for p in named if p]
        + [(p, "authority") for p in roles_matrix]
    )
    for person, route in candidates:
        if person not in skip and eligibility(person, kind, cost_centre, amount, inv, org) is None:
            return person, route
    return None


def _budget(
    cost_centre: str | None, amount: Decimal, inv: Involvement, org: Organisation, clock: _Clock
) -> Step:
    found = upwards(StepKind.BUDGET, cost_centre, amount, inv, org)
    if found is None:
        raise NoEligibleApprover(StepKind.BUDGET, cost_centre, amount)
    return clock.step(StepKind.BUDGET, cost_centre, amount, *found)


def _second_level(amount: Decimal, inv: Involvement, org: Organisation, clock: _Clock) -> Step:
    found = upwards(StepKind.SECOND_LEVEL, None, amount, inv, org)
    if found is None:
        raise NoEligibleApprover(StepKind.SECOND_LEVEL, None, amount)
    return clock.step(StepKind.SECOND_LEVEL, None, amount, *found)
