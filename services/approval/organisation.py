"""A tenant's organisation as approval sees it: people, roles, cost centres, authority, routing.

Changed through the API; every change is an event of the tenant's `OrganisationBook`, so the trail
shows who gave whom which authority and when (bokføringsloven: traceability). A change that would
leave the organisation inconsistent (an owner who is not a user, a limit for an unknown cost
centre …) is refused with every problem named, before anything is recorded.

Amounts are NOK. The authority matrix gives limits per role and cost centre (`*` for any), and may
name a person to give them a limit of their own; the most specific entry wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.checkdigits import valid_orgnr

ORGANISATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/approval/organisation")
ANY = "*"
"""Cost centre wildcard in the authority matrix."""


class Role(StrEnum):
    SUPPLIER_CONTACT = "supplier-contact"
    ACCOUNTANT = "accountant"
    """Registers and codes invoices."""
    ATTESTANT = "attestant"
    """Attestasjon: goods or services received, price and coding right."""
    BUDGET_HOLDER = "budget-holder"
    """Anvisning: authority over the budget the cost is charged to."""
    PAYMENT_APPROVER = "payment-approver"
    FINANCE_ADMIN = "finance-admin"
    AUDITOR = "auditor"
    """Read-only."""


class StepKind(StrEnum):
    ATTESTATION = "attestation"
    BUDGET = "budget"
    SECOND_LEVEL = "second-level"


_Frozen = ConfigDict(frozen=True, extra="forbid")
Orgnr = Field(pattern=r"^\d{9}$")


class User(BaseModel):
    model_config = _Frozen

    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    roles: list[Role] = Field(default_factory=list)
    supplier_orgnrs: list[str] = Field(default_factory=list, max_length=100)
    """Suppliers this person is, owns or is related to: they never approve paying them."""
    manager: str | None = None
    """Superior for escalation; when unset, the owner of the parent cost centre."""
    language: Literal["nb", "en"] | None = None
    """The language of the e-mails this person gets (portal notices); unset: bokmål."""


class Group(BaseModel):
    """A shared inbox (e.g. the AP desk): any member may act on what is assigned to it."""

    model_config = _Frozen

    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    members: list[str] = Field(min_length=1)


class CostCentre(BaseModel):
    """A department or project as coded on invoice lines (`department` / `project`)."""

    model_config = _Frozen

    code: str = Field(min_length=1, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    kind: Literal["department", "project"] = "department"
    owner: str | None = None
    parent: str | None = None
    """The cost centre above; its owner is the next level up."""


class Authority(BaseModel):
    """A limit (NOK, incl. VAT) for a role on a cost centre; `user` makes it that person's own."""

    model_config = _Frozen

    role: Role
    cost_centre: str = ANY
    max_amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    user: str | None = None


class Routing(BaseModel):
    model_config = _Frozen

    buyer_references: dict[str, str] = Field(default_factory=dict)
    """'Deres ref' (BT-10) as suppliers write it -> user; a user's id, name or e-mail also match."""
    supplier_defaults: dict[str, str] = Field(default_factory=dict)
    """Supplier orgnr -> user or group who attests that supplier's invoices by default."""
    ap_inbox: str | None = None
    """User or group that gets what no other rule routes."""


class SecondLevel(BaseModel):
    model_config = _Frozen

    threshold: Decimal | None = Field(default=None, ge=0, max_digits=15, decimal_places=2)
    """Invoices above this amount (NOK, incl. VAT) need a further approval; null: never."""
    approver: str | None = None
    """Who gives it; null: the person with the least sufficient authority on `*`."""


class Sla(BaseModel):
    model_config = _Frozen

    reminder_hours: int = Field(default=48, ge=1, le=24 * 90)
    """A reminder once the step has waited this long (its due time)."""
    escalation_hours: int = Field(default=48, ge=1, le=24 * 90)
    """An escalation this long after the reminder."""


def _default_sla() -> dict[StepKind, Sla]:
    return {kind: Sla() for kind in StepKind}


class Substitution(BaseModel):
    model_config = _Frozen

    user: str
    substitute: str
    valid_from: datetime
    valid_to: datetime

    def active(self, at: datetime) -> bool:
        return self.valid_from <= at <= self.valid_to


class SupplierContact(BaseModel):
    """Whom to invite for a supplier: their address, the supplier's orgnr, optionally a name and
    the language of their e-mails."""

    model_config = _Frozen

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    orgnr: str = Orgnr
    name: str | None = Field(default=None, max_length=200)
    language: Literal["nb", "en"] | None = None

    @field_validator("orgnr")
    @classmethod
    def _mod11(cls, value: str) -> str:
        if not valid_orgnr(value):
            raise ValueError(f"{value} is not an organisation number (MOD11)")
        return value


class Problem(NamedTuple):
    """One thing wrong with the organisation, in English and bokmål."""

    en: str
    nb: str


class OrganisationRefused(ValueError):
    """A change that would leave the organisation inconsistent; `problems` names each (in
    English), `problems_nb` the same in bokmål."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.en for p in problems))
        self.problems = [p.en for p in problems]
        self.problems_nb = [p.nb for p in problems]


class Organisation(BaseModel):
    """The whole organisation as the approval flow reads it."""

    model_config = ConfigDict(frozen=True)

    users: list[User] = Field(default_factory=list, max_length=20_000)
    groups: list[Group] = Field(default_factory=list, max_length=1000)
    cost_centres: list[CostCentre] = Field(default_factory=list, max_length=20_000)
    authority: list[Authority] = Field(default_factory=list, max_length=50_000)
    routing: Routing = Field(default_factory=Routing)
    second_level: SecondLevel = Field(default_factory=SecondLevel)
    sla: dict[StepKind, Sla] = Field(default_factory=_default_sla)
    substitutes: list[Substitution] = Field(default_factory=list)
    budget_approval: bool = True
    """False: attestation only, no budget step. Only the fallback organisation of a tenant that
    has set up none uses it (the walking skeleton's single approval); not an API section."""

    # -- look-ups -------------------------------------------------------------------------------

    def user(self, user_id: str) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def cost_centre(self, code: str | None) -> CostCentre | None:
        return next((c for c in self.cost_centres if c.code == code), None)

    def has_role(self, user_id: str, *roles: Role) -> bool:
        user = self.user(user_id)
        return user is not None and any(r in user.roles for r in roles)

    def members(self, assignee: str) -> list[str]:
        """Who may act on what is assigned to `assignee`: the user, or a group's members."""
        group = self.group(assignee)
        return list(group.members) if group is not None else [assignee]

    def linked_to_supplier(self, user_id: str, orgnr: str | None) -> bool:
        user = self.user(user_id)
        return bool(orgnr) and user is not None and orgnr in user.supplier_orgnrs

    def limit(self, user_id: str, role: Role, cost_centre: str | None) -> Decimal | None:
        """The user's authority for a role on a cost centre; None when they have none.

        Most specific first: their own limit on the cost centre, their own on `*`, the role's on
        the cost centre, the role's on `*`. A user without the role has no authority at all.
        """
        if not self.has_role(user_id, role):
            return None
        code = cost_centre or ANY
        entries = [a for a in self.authority if a.role == role]
        for user, centre in ((user_id, code), (user_id, ANY), (None, code), (None, ANY)):
            for entry in entries:
                if entry.user == user and entry.cost_centre == centre:
                    return entry.max_amount
        return None

    def may_authorise(
        self, user_id: str, role: Role, cost_centre: str | None, amount: Decimal
    ) -> bool:
        limit = self.limit(user_id, role, cost_centre)
        return limit is not None and amount <= limit

    def with_authority(self, role: Role, cost_centre: str | None, amount: Decimal) -> list[str]:
        """Everyone whose authority covers the amount, the least sufficient limit first."""
        found = []
        for user in self.users:
            limit = self.limit(user.id, role, cost_centre)
            if limit is not None and amount <= limit:
                found.append((limit, user.id))
        return [user for _, user in sorted(found)]

    def owners_upwards(self, cost_centre: str | None) -> list[str]:
        """The cost centre's owner, then each parent's owner, without repeats."""
        found: list[str] = []
        seen: set[str] = set()
        centre = self.cost_centre(cost_centre)
        while centre is not None and centre.code not in seen:
            seen.add(centre.code)
            if centre.owner and centre.owner not in found:
                found.append(centre.owner)
            centre = self.cost_centre(centre.parent)
        return found

    def superior(self, user_id: str, cost_centre: str | None) -> str | None:
        """The next level above a person: their manager, else the owner above them in the cost
        centre tree, else a finance admin."""
        user = self.user(user_id)
        if user is not None and user.manager and user.manager != user_id:
            return user.manager
        owners = self.owners_upwards(cost_centre)
        above = owners[owners.index(user_id) + 1 :] if user_id in owners else owners
        for owner in above:
            if owner != user_id:
                return owner
        return next(
            (u.id for u in self.users if Role.FINANCE_ADMIN in u.roles and u.id != user_id), None
        )

    def principals_of(self, actor: str, at: datetime) -> list[str]:
        """Whom the actor stands in for at that moment (substitutes do not chain)."""
        return [s.user for s in self.substitutes if s.substitute == actor and s.active(at)]

    def resolve_reference(self, reference: str | None) -> str | None:
        """The user or group a buyer reference ('Deres ref') names, if any."""
        if not reference or not reference.strip():
            return None
        wanted = reference.strip().casefold()
        for text, target in self.routing.buyer_references.items():
            if text.strip().casefold() == wanted:
                return target
        for user in self.users:
            names = (user.id, user.name, user.email)
            if any(n and n.strip().casefold() == wanted for n in names):
                return user.id
        return None

    # -- consistency ----------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What refers to something the organisation does not have, or contradicts itself."""
        return [found.en for found in self.findings()]

    def findings(self) -> list[Problem]:
        """The problems, each in English and bokmål."""
        found: list[Problem] = []
        user_ids = [u.id for u in self.users]
        users = set(user_ids)
        groups = {g.id for g in self.groups}
        codes = [c.code for c in self.cost_centres]
        found += [
            Problem(f"user {u} is listed twice", f"brukeren {u} står der to ganger")
            for u in _twice(user_ids)
        ]
        found += [
            Problem(f"cost centre {c} is listed twice", f"koststedet {c} står der to ganger")
            for c in _twice(codes)
        ]
        found += [
            Problem(f"{g} is both a user and a group", f"{g} er både en bruker og en gruppe")
            for g in sorted(users & groups)
        ]
        for user in self.users:
            found += _user_problems(user, users)
        for group in self.groups:
            found += [
                Problem(
                    f"group {group.id}: member {m} is not a user",
                    f"gruppen {group.id}: medlemmet {m} er ikke en bruker",
                )
                for m in group.members
                if m not in users
            ]
        for centre in self.cost_centres:
            if centre.owner is not None and centre.owner not in users:
                found.append(
                    Problem(
                        f"cost centre {centre.code}: owner {centre.owner} is not a user",
                        f"koststedet {centre.code}: eieren {centre.owner} er ikke en bruker",
                    )
                )
            if centre.parent is not None and centre.parent not in codes:
                found.append(
                    Problem(
                        f"cost centre {centre.code}: parent {centre.parent} does not exist",
                        f"koststedet {centre.code}: overordnet {centre.parent} finnes ikke",
                    )
                )
        found += [
            Problem(f"cost centre {c} is its own ancestor", f"koststedet {c} ligger under seg selv")
            for c in self._cycles()
        ]
        found += self._authority_problems(users, codes)
        found += self._routing_problems(users | groups)
        approver = self.second_level.approver
        if approver is not None and approver not in users:
            found.append(
                Problem(
                    f"second-level approver {approver} is not a user",
                    f"godkjenneren på andre nivå, {approver}, er ikke en bruker",
                )
            )
        for sub in self.substitutes:
            found += _substitution_problems(sub, users)
        return found

    def _authority_problems(self, users: set[str], codes: list[str]) -> list[Problem]:
        found = []
        for entry in self.authority:
            where = f"authority {entry.role.value} on {entry.cost_centre}"
            hvor = f"fullmakt {entry.role.value} på {entry.cost_centre}"
            if entry.cost_centre != ANY and entry.cost_centre not in codes:
                found.append(
                    Problem(
                        f"{where}: no cost centre {entry.cost_centre}",
                        f"{hvor}: koststedet {entry.cost_centre} finnes ikke",
                    )
                )
            if entry.user is not None and entry.user not in users:
                found.append(
                    Problem(
                        f"{where}: {entry.user} is not a user",
                        f"{hvor}: {entry.user} er ikke en bruker",
                    )
                )
            elif entry.user is not None and not self.has_role(entry.user, entry.role):
                found.append(
                    Problem(
                        f"{where}: {entry.user} does not have the role {entry.role.value}",
                        f"{hvor}: {entry.user} har ikke rollen {entry.role.value}",
                    )
                )
        keys = [(a.role, a.cost_centre, a.user) for a in self.authority]
        found += [
            Problem(
                f"authority {r.value} on {c} for {u or 'the role'} twice",
                f"fullmakt {r.value} på {c} for {u or 'rollen'} står der to ganger",
            )
            for r, c, u in _twice(keys)
        ]
        return found

    def _routing_problems(self, targets: set[str]) -> list[Problem]:
        found = []
        routing = self.routing
        for ref, target in routing.buyer_references.items():
            if target not in targets:
                found.append(
                    Problem(
                        f"buyer reference {ref!r}: {target} is neither a user nor a group",
                        f"kjøperreferansen {ref!r}: {target} er verken en bruker eller en gruppe",
                    )
                )
        for orgnr, target in routing.supplier_defaults.items():
            if not (len(orgnr) == 9 and orgnr.isdigit()):
                found.append(
                    Problem(
                        f"supplier default {orgnr}: an orgnr has 9 digits",
                        f"standard for leverandør {orgnr}: et organisasjonsnummer har 9 sifre",
                    )
                )
            if target not in targets:
                found.append(
                    Problem(
                        f"supplier default {orgnr}: {target} is neither a user nor a group",
                        f"standard for leverandør {orgnr}: {target} er verken en bruker eller "
                        "en gruppe",
                    )
                )
        if routing.ap_inbox is not None and routing.ap_inbox not in targets:
            found.append(
                Problem(
                    f"AP inbox {routing.ap_inbox} is neither a user nor a group",
                    f"fakturamottaket {routing.ap_inbox} er verken en bruker eller en gruppe",
                )
            )
        return found

    def _cycles(self) -> list[str]:
        cyclic = []
        for centre in self.cost_centres:
            seen = {centre.code}
            parent = self.cost_centre(centre.parent)
            while parent is not None:
                if parent.code in seen:
                    if parent.code == centre.code:
                        cyclic.append(centre.code)
                    break
                seen.add(parent.code)
                parent = self.cost_centre(parent.parent)
        return cyclic


def _twice(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    twice: list[Any] = []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.append(item)
    return twice


def _user_problems(user: User, users: set[str]) -> list[Problem]:
    found = []
    if user.manager is not None and user.manager not in users:
        found.append(
            Problem(
                f"user {user.id}: manager {user.manager} is not a user",
                f"brukeren {user.id}: lederen {user.manager} er ikke en bruker",
            )
        )
    if user.manager == user.id:
        found.append(
            Problem(
                f"user {user.id} cannot be their own manager",
                f"brukeren {user.id} kan ikke være sin egen leder",
            )
        )
    found += [
        Problem(
            f"user {user.id}: supplier orgnr {o} must be 9 digits",
            f"brukeren {user.id}: leverandørens organisasjonsnummer {o} må ha 9 sifre",
        )
        for o in user.supplier_orgnrs
        if not (len(o) == 9 and o.isdigit())
    ]
    return found


def _substitution_problems(sub: Substitution, users: set[str]) -> list[Problem]:
    found = [
        Problem(f"substitute: {u} is not a user", f"stedfortreder: {u} er ikke en bruker")
        for u in (sub.user, sub.substitute)
        if u not in users
    ]
    if sub.user == sub.substitute:
        found.append(
            Problem(
                f"substitute: {sub.user} cannot stand in for themselves",
                f"stedfortreder: {sub.user} kan ikke være sin egen stedfortreder",
            )
        )
    if sub.valid_to < sub.valid_from:
        found.append(
            Problem(
                f"substitute for {sub.user}: the period ends before it starts",
                f"stedfortreder for {sub.user}: perioden slutter før den begynner",
            )
        )
    return found


SECTIONS: dict[str, Any] = {
    "users": list[User],
    "groups": list[Group],
    "cost_centres": list[CostCentre],
    "authority": list[Authority],
    "routing": Routing,
    "second_level": SecondLevel,
    "sla": dict[StepKind, Sla],
}
"""What the API may replace, section by section (substitutes go through `set_substitute`)."""


def organisation_id(tenant_id: str) -> UUID:
    return uuid5(ORGANISATION_NAMESPACE, tenant_id)


class OrganisationBook(Aggregate):
    """One tenant's organisation, section by section, each change with who made it."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return organisation_id(tenant_id)

    class Opened(Aggregate.Created):
        tenant_id: str

    @event(Opened)
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.sections: dict[str, Any] = {}
        self.substitutes: list[dict[str, Any]] = []

    def change(
        self, section: str, value: Any, changed_by: str, meta: dict[str, str]
    ) -> Organisation:
        """Checks the organisation as it would be, then records the change."""
        if section not in SECTIONS:
            named = ", ".join(SECTIONS)
            raise OrganisationRefused(
                [
                    Problem(
                        f"unknown section {section!r}: one of {named}",
                        f"ukjent del {section!r}: en av {named}",
                    )
                ]
            )
        candidate = self._checked(self.sections | {section: value}, self.substitutes)
        stored = candidate.model_dump(mode="json")[section]
        self._changed(section=section, value=stored, changed_by=changed_by, meta=meta)
        return candidate

    class Changed(Aggregate.Event):
        section: str
        value: Any
        changed_by: str
        meta: dict[str, str]

    @event(Changed)
    def _changed(self, section: str, value: Any, changed_by: str, meta: dict[str, str]) -> None:
        self.sections[section] = value

    def set_substitute(
        self,
        user: str,
        substitute: str,
        valid_from: datetime,
        valid_to: datetime,
        changed_by: str,
        meta: dict[str, str],
    ) -> Organisation:
        """A person (or a finance admin for them) names who stands in for them in a period.

        One substitute per person at a time: a new period replaces the person's earlier one.
        """
        current = self.current()
        if changed_by != user and not current.has_role(changed_by, Role.FINANCE_ADMIN):
            raise OrganisationRefused(
                [
                    Problem(
                        f"only {user} or a finance admin may set {user}'s substitute",
                        f"bare {user} eller en økonomiansvarlig kan velge stedfortreder for {user}",
                    )
                ]
            )
        sub = Substitution(
            user=user, substitute=substitute, valid_from=valid_from, valid_to=valid_to
        ).model_dump(mode="json")
        others = [s for s in self.substitutes if s["user"] != user]
        candidate = self._checked(self.sections, [*others, sub])
        self._substitute_set(substitution=sub, changed_by=changed_by, meta=meta)
        return candidate

    class SubstituteSet(Aggregate.Event):
        substitution: dict[str, Any]
        changed_by: str
        meta: dict[str, str]

    @event(SubstituteSet)
    def _substitute_set(
        self, substitution: dict[str, Any], changed_by: str, meta: dict[str, str]
    ) -> None:
        self.substitutes = [s for s in self.substitutes if s["user"] != substitution["user"]]
        self.substitutes.append(substitution)

    def clear_substitute(self, user: str, changed_by: str, meta: dict[str, str]) -> None:
        current = self.current()
        if changed_by != user and not current.has_role(changed_by, Role.FINANCE_ADMIN):
            raise OrganisationRefused(
                [
                    Problem(
                        f"only {user} or a finance admin may clear the substitute",
                        f"bare {user} eller en økonomiansvarlig kan fjerne stedfortrederen",
                    )
                ]
            )
        self._substitute_cleared(user=user, changed_by=changed_by, meta=meta)

    class SubstituteCleared(Aggregate.Event):
        user: str
        changed_by: str
        meta: dict[str, str]

    @event(SubstituteCleared)
    def _substitute_cleared(self, user: str, changed_by: str, meta: dict[str, str]) -> None:
        self.substitutes = [s for s in self.substitutes if s["user"] != user]

    def add_supplier_contact(
        self, contact: SupplierContact, changed_by: str, meta: dict[str, str]
    ) -> User:
        """Invite a supplier's contact: a new `supplier-contact` user, or one more orgnr for the
        contact who has that address already. Only the users section changes, as a `Changed`
        event like any other, so the trail shows who invited whom. Refused when the address is a
        staff member's (they would be barred from that supplier's invoices without anyone
        deciding so), or when the tenant has no organisation of its own yet (its fallback would
        be replaced by this one person)."""
        if "users" not in self.sections:
            raise OrganisationRefused(
                [
                    Problem(
                        "set up the organisation before inviting suppliers",
                        "sett opp organisasjonen før du inviterer leverandører",
                    )
                ]
            )
        users = [User.model_validate(u) for u in self.sections["users"]]
        wanted = contact.email.strip().casefold()
        found = next((u for u in users if (u.email or "").strip().casefold() == wanted), None)
        if found is not None and found.roles != [Role.SUPPLIER_CONTACT]:
            raise OrganisationRefused(
                [
                    Problem(
                        f"{contact.email} belongs to {found.id}, not a supplier",
                        f"{contact.email} tilhører {found.id}, ikke en leverandør",
                    )
                ]
            )
        before = found or User(id=wanted, roles=[Role.SUPPLIER_CONTACT], email=contact.email)
        after = before.model_copy(
            update={
                "name": contact.name or before.name,
                "language": contact.language or before.language,
                "supplier_orgnrs": list(dict.fromkeys([*before.supplier_orgnrs, contact.orgnr])),
            }
        )
        if found is not None and after == found:
            return found  # invited again: nothing changes
        users = [after if u.id == after.id else u for u in users] if found else [*users, after]
        self.change("users", [u.model_dump(mode="json") for u in users], changed_by, meta)
        return after

    def current(self) -> Organisation:
        return Organisation.model_validate(self.sections | {"substitutes": self.substitutes})

    @staticmethod
    def _checked(sections: dict[str, Any], substitutes: list[dict[str, Any]]) -> Organisation:
        try:
            candidate = Organisation.model_validate(sections | {"substitutes": substitutes})
        except ValueError as exc:
            said = str(exc)
            raise OrganisationRefused(
                [Problem(said, f"organisasjonen er ikke gyldig: {said}")]
            ) from exc
        problems = candidate.findings()
        if problems:
            raise OrganisationRefused(problems)
        return candidate
