"""Segregation of duties (DESIGN §4): who may never decide a step of an invoice, and why.

Each refusal carries a stable `code`, an English `reason` (the HTTP detail) and a Norwegian
`reason_nb`, so the portal can show either and clients can branch on the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from services.approval.domain import ApprovalRefused
from services.approval.organisation import Organisation, Role, StepKind

AUTHORISING = (StepKind.BUDGET, StepKind.SECOND_LEVEL)
"""Steps that give authority over money (anvisning), as opposed to attestation."""


class Refusal(ApprovalRefused):
    """An action the rules forbid: 403 for duties and authority, 409 for the case's state,
    422 for a missing or wrong input."""

    def __init__(self, code: str, reason_en: str, reason_nb: str, status: int = 403) -> None:
        super().__init__(reason_en, reason_nb, status)
        self.code = code
        self.reason_en = reason_en
        self.reason_nb = reason_nb


@dataclass(frozen=True)
class Involvement:
    """Who has had, or has been given, a part in one invoice."""

    registered_by: str
    supplier_orgnr: str | None = None
    coded_by: frozenset[str] = frozenset()
    recoded_by: frozenset[str] = frozenset()
    """People who changed the coding in approval: they may still attest, never authorise."""
    attestants: frozenset[str] = frozenset()
    """Who attested (or is assigned to attest): never also budget or second-level approver."""
    authorisers: frozenset[str] = frozenset()
    """Who approved budget or second level (or is assigned to): never also attestant."""
    budget_approvers: frozenset[str] = field(default_factory=frozenset)
    """Who approved a budget step: the second level must be a fourth pair of eyes."""


def required_roles(kind: StepKind) -> tuple[Role, ...]:
    if kind is StepKind.ATTESTATION:
        return (Role.ATTESTANT,)
    if kind is StepKind.BUDGET:
        return (Role.BUDGET_HOLDER,)
    return (Role.BUDGET_HOLDER, Role.FINANCE_ADMIN)


def conflict(person: str, kind: StepKind, inv: Involvement, org: Organisation) -> Refusal | None:
    """The first duty a person would break by deciding a step of this kind, or None."""
    if person == inv.registered_by:
        return Refusal(
            "registered",
            f"segregation of duties: {person} registered this invoice and may not approve it",
            f"arbeidsdeling: {person} registrerte fakturaen og kan ikke godkjenne den",
        )
    if person in inv.coded_by:
        return Refusal(
            "coded",
            f"segregation of duties: {person} coded this invoice and may not approve it",
            f"arbeidsdeling: {person} konterte fakturaen og kan ikke godkjenne den",
        )
    if org.linked_to_supplier(person, inv.supplier_orgnr):
        return Refusal(
            "supplier-linked",
            f"segregation of duties: {person} is linked to the supplier "
            f"{inv.supplier_orgnr} and may not approve paying them",
            f"arbeidsdeling: {person} er knyttet til leverandøren {inv.supplier_orgnr} og kan "
            "ikke godkjenne betaling til dem",
        )
    if kind in AUTHORISING and person in inv.recoded_by:
        return Refusal(
            "recoded",
            f"segregation of duties: {person} changed the coding and may not also approve "
            "budget on this invoice",
            f"arbeidsdeling: {person} endret konteringen og kan ikke også anvise fakturaen",
        )
    if kind in AUTHORISING and person in inv.attestants:
        return Refusal(
            "attestant",
            f"segregation of duties: {person} attests this invoice and may not also approve "
            "its budget",
            f"arbeidsdeling: {person} attesterer fakturaen og kan ikke også anvise den",
        )
    if kind is StepKind.ATTESTATION and person in inv.authorisers:
        return Refusal(
            "budget-holder",
            f"segregation of duties: {person} approves budget on this invoice and may not also "
            "attest it",
            f"arbeidsdeling: {person} anviser fakturaen og kan ikke også attestere den",
        )
    if kind is StepKind.SECOND_LEVEL and person in inv.budget_approvers:
        return Refusal(
            "second-level",
            f"segregation of duties: {person} approved budget on this invoice; the further "
            "level must be someone else",
            f"arbeidsdeling: {person} har anvist fakturaen; neste nivå må være en annen",
        )
    return None


def lacks_role(person: str, kind: StepKind, org: Organisation) -> Refusal | None:
    roles = required_roles(kind)
    if org.has_role(person, *roles):
        return None
    names = " or ".join(r.value for r in roles)
    return Refusal(
        "role",
        f"{person} does not have the role {names} needed for the {kind.value} step",
        f"{person} har ikke rollen {names} som trengs for steget {kind.value}",
    )


def authority(person: str, kind: StepKind, cost_centre: str | None, org: Organisation) -> Decimal:
    """The person's limit for a step (0 without any); attestation has no amount limit."""
    if kind is StepKind.ATTESTATION:
        return Decimal("Infinity")
    limits = [org.limit(person, role, cost_centre) for role in required_roles(kind)]
    return max((limit for limit in limits if limit is not None), default=Decimal(0))


def covers(
    person: str, kind: StepKind, cost_centre: str | None, amount: Decimal, org: Organisation
) -> bool:
    return amount <= authority(person, kind, cost_centre, org)


def above_authority(
    person: str, kind: StepKind, cost_centre: str | None, amount: Decimal, org: Organisation
) -> Refusal:
    where = cost_centre or "*"
    limit = authority(person, kind, cost_centre, org)
    return Refusal(
        "authority",
        f"NOK {amount} is above {person}'s authority of NOK {limit} on cost centre {where}",
        f"NOK {amount} er over {person}s fullmakt på NOK {limit} for koststed {where}",
    )


def eligibility(
    person: str,
    kind: StepKind,
    cost_centre: str | None,
    amount: Decimal,
    inv: Involvement,
    org: Organisation,
) -> Refusal | None:
    """Why this person may not be given the step: a duty, the role, or the authority."""
    if org.user(person) is None:
        return Refusal(
            "unknown-user", f"{person} is not a user", f"{person} er ikke en bruker", status=422
        )
    found = conflict(person, kind, inv, org) or lacks_role(person, kind, org)
    if found is None and not covers(person, kind, cost_centre, amount, org):
        found = above_authority(person, kind, cost_centre, amount, org)
    return found
