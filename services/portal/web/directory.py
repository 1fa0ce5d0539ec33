"""Who may log in: the people of a tenant's organisation, as approval keeps it.

Staff have e-mail addresses and roles; supplier contacts have the role `supplier-contact` and the
supplier org.nrs they speak for. Reading the organisation needs a service identity: the portal
signs itself a one-minute token with the read-only role `auditor` (user `portal-login`) for this
look-up only; in production the portal signs it with its own key (`fakturaportal/signing.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fakturaportal.auth import Principal
from services.portal.web.backend import Backend

log = logging.getLogger(__name__)

SERVICE_USER = "portal-login"
SERVICE_ROLE = "auditor"
API_ROLE = {"supplier-contact": "supplier"}
"""Organisation roles as the API names them (the others are the same)."""


@dataclass(frozen=True)
class Person:
    tenant: str
    user: str
    name: str | None
    email: str
    roles: frozenset[str]
    orgnrs: tuple[str, ...]


class Directory:
    def __init__(self, backend: Backend, approval_url: str) -> None:
        self.backend = backend
        self.url = f"{approval_url}/api/v1/approval/organisation"

    async def by_email(self, tenant: str, email: str) -> Person | None:
        """The one person with this address (case does not matter); None if none or several."""
        wanted = email.strip().lower()
        found = [p for p in await self.people(tenant) if p.email.lower() == wanted]
        if len(found) > 1:
            log.warning(
                "%d people of %s share a login address; none may log in", len(found), tenant
            )
        return found[0] if len(found) == 1 else None

    async def by_user(self, tenant: str, user: str) -> Person | None:
        return next((p for p in await self.people(tenant) if p.user == user), None)

    async def substitutes_of(self, tenant: str, user: str) -> list[dict[str, Any]]:
        org = await self.organisation(tenant)
        return [s for s in org.get("substitutes", []) if s.get("user") == user]

    async def people(self, tenant: str) -> list[Person]:
        org = await self.organisation(tenant)
        return [p for p in (_person(tenant, u) for u in org.get("users", [])) if p is not None]

    async def organisation(self, tenant: str) -> dict[str, Any]:
        service = Principal(tenant=tenant, user=SERVICE_USER, roles=frozenset({SERVICE_ROLE}))
        reply = await self.backend.call(service, "GET", self.url)
        if not reply.ok or not isinstance(reply.body, dict):
            log.warning("organisation of %s not readable: HTTP %s", tenant, reply.status)
            return {}
        return reply.body


def _person(tenant: str, user: dict[str, Any]) -> Person | None:
    email = user.get("email")
    if not email:
        return None
    return Person(
        tenant=tenant,
        user=str(user["id"]),
        name=user.get("name"),
        email=str(email),
        roles=frozenset(API_ROLE.get(r, r) for r in user.get("roles", [])),
        orgnrs=tuple(user.get("supplier_orgnrs", [])),
    )
