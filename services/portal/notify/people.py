"""Who gets a notice, at which address, in which language: from the tenant's organisation as
approval keeps it (`GET /api/v1/approval/organisation`).

Suppliers: the contacts the tenant registered for the invoice's seller org.nr (role
`supplier-contact`), or, while no org.nr is known, the supplier contact who sent it. Never an
address read from the invoice itself: that one the supplier writes, and only validation's
rejection notice answers it (as EHF practice has it). Approvers: the step's assignee, a group's
members, and whoever stands in for one of them at that moment. The language is the person's
(`language` in the organisation), else bokmål.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from fakturaportal.auth import issue_call_token
from fakturaportal.settings import CommonSettings

log = logging.getLogger(__name__)

SERVICE_USER = "portal-notifier"
SERVICE_ROLE = "auditor"
"""Reading the organisation needs a service identity: read-only, for this look-up only."""
SUPPLIER_CONTACT = "supplier-contact"

Org = dict[str, Any]


class OrganisationUnreachable(Exception):
    """Approval did not answer: the notice waits for the next round."""


@dataclass(frozen=True)
class Recipient:
    user: str
    name: str | None
    email: str
    language: str


def _recipient(user: dict[str, Any]) -> Recipient | None:
    email = (user.get("email") or "").strip()
    if not email:
        return None
    language = "en" if user.get("language") == "en" else "nb"
    return Recipient(str(user["id"]), user.get("name"), email, language)


def _unique(found: Iterable[Recipient | None]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for r in found:
        if r is not None and r.email.casefold() not in seen:
            seen[r.email.casefold()] = r
    return list(seen.values())


def supplier_contacts(
    org: Org, orgnr: str | None, registered_by: str | None, told: Iterable[str] = ()
) -> list[Recipient]:
    """The supplier's registered contacts; `told`: addresses another service told already."""
    users = [u for u in org.get("users", []) if SUPPLIER_CONTACT in u.get("roles", [])]
    if orgnr:
        chosen = [u for u in users if orgnr in u.get("supplier_orgnrs", [])]
    else:
        chosen = [u for u in users if u.get("id") == registered_by]
    skip = {a.strip().casefold() for a in told if a}
    return [r for r in _unique(map(_recipient, chosen)) if r.email.casefold() not in skip]


def assignees(org: Org, assignee: str, at: datetime) -> list[Recipient]:
    """The people a step waits for: the user or the group's members, and their substitutes."""
    by_id = {u.get("id"): u for u in org.get("users", [])}
    group = next((g for g in org.get("groups", []) if g.get("id") == assignee), None)
    members = list(group.get("members", [])) if group else [assignee]
    standing_in = [
        s["substitute"]
        for s in org.get("substitutes", [])
        if s.get("user") in members
        and datetime.fromisoformat(s["valid_from"]) <= at <= datetime.fromisoformat(s["valid_to"])
    ]
    return _unique(_recipient(by_id[m]) for m in [*members, *standing_in] if m in by_id)


class OrganisationReader:
    """Reads a tenant's organisation from approval's API, once per tenant per round."""

    def __init__(self, settings: CommonSettings, approval_url: str) -> None:
        self.settings = settings
        self.url = f"{approval_url}/api/v1/approval/organisation"
        self.client = httpx.Client(timeout=30.0)
        self.cache: dict[str, Org] = {}

    def forget(self) -> None:
        """The next look-ups read afresh (each round starts with this)."""
        self.cache.clear()

    def __call__(self, tenant: str) -> Org:
        if tenant not in self.cache:
            self.cache[tenant] = self._read(tenant)
        return self.cache[tenant]

    def _read(self, tenant: str) -> Org:
        token = issue_call_token(
            self.settings, tenant=tenant, user=SERVICE_USER, roles=[SERVICE_ROLE], ttl_seconds=60
        )
        try:
            reply = self.client.get(self.url, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise OrganisationUnreachable(f"{self.url}: {type(exc).__name__}") from exc
        if reply.status_code >= 500:
            raise OrganisationUnreachable(f"{self.url}: HTTP {reply.status_code}")
        if reply.status_code != 200:
            log.warning("organisation of %s not readable: HTTP %s", tenant, reply.status_code)
            return {}
        body: Org = reply.json()
        return body
