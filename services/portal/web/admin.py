"""The finance admin's pages: users and roles, the authority matrix, and every other setting.

Users and authority are real forms (a row per person or limit, a blank one to add, a box to
remove); the other sections (routing, further level, tolerances, coding rules, the chart …) are a
clearly labelled JSON editor of exactly what the owning service's API takes. Each save is one PUT
to that service as the admin, so its checks decide and its refusal is shown as it gives it; each
page shows the section's change history from the service's own event store.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.config import PortalSettings
from services.portal.web.backend import Backend, Reply
from services.portal.web.session import Session
from services.portal.web.ui import PageError, Web

ADMIN_ROLES = ("finance-admin",)
ORG_ROLES = (
    "accountant",
    "attestant",
    "budget-holder",
    "payment-approver",
    "finance-admin",
    "auditor",
    "supplier-contact",
)
"""The roles approval's organisation gives people (`services/approval/organisation.py`)."""
BLANK_ROWS = 2
Form = dict[str, str]


@dataclass(frozen=True)
class Section:
    """A setting edited as JSON: where it is read, where it is written, whose history it is."""

    name: str
    service: str
    read: str
    write: str
    history: str
    pick: Callable[[Any], Any]
    """The section's value out of what `read` answers."""
    value_key: str | None
    """Where a history entry keeps the new value (None: the service keeps only who and when)."""
    mine: Callable[[dict[str, Any]], bool]
    """Which history entries are this section's."""


def _org(name: str) -> Section:
    return Section(
        name,
        "approval",
        "/approval/organisation",
        f"/approval/organisation/{name}",
        "/approval/organisation/history",
        lambda body: body.get(name),
        "value",
        lambda change: change.get("section") == name,
    )


def _coding(name: str) -> Section:
    return Section(
        name,
        "posting",
        "/coding/setup",
        f"/coding/{name}",
        "/coding/setup/history",
        lambda body: body.get(name),
        None,
        lambda change: change.get("section") == name,
    )


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        _org("routing"),
        _org("second_level"),
        _org("groups"),
        _org("cost_centres"),
        _org("sla"),
        Section(
            "policy",
            "validation",
            "/validation/policy",
            "/validation/policy",
            "/validation/policy/history",
            lambda body: body,
            "policy",
            lambda change: True,
        ),
        _coding("rules"),
        _coding("chart"),
        _coding("dimensions"),
        _coding("settings"),
        _coding("export"),
    )
}
"""In the order the admin page lists them."""


def users_from(form: Form) -> list[dict[str, Any]]:
    """The people of the users form: one per row with an id that is not marked for removal."""
    users = []
    for n in range(_rows(form)):
        user_id = _text(form, f"id_{n}")
        if not user_id or form.get(f"remove_{n}"):
            continue
        orgnrs = [o.strip() for o in _text(form, f"orgnrs_{n}").split(",") if o.strip()]
        users.append(
            {
                "id": user_id,
                "name": _text(form, f"name_{n}") or None,
                "email": _text(form, f"email_{n}") or None,
                "roles": [r for r in ORG_ROLES if form.get(f"role_{n}_{r}")],
                "supplier_orgnrs": orgnrs,
                "manager": _text(form, f"manager_{n}") or None,
            }
        )
    return users


def authority_from(form: Form) -> list[dict[str, Any]]:
    """The limits of the authority form: one per row with an amount, not marked for removal.
    Amounts may be written the Norwegian way (100 000,50)."""
    rows = []
    for n in range(_rows(form)):
        amount = _text(form, f"max_amount_{n}")
        for space in (" ", "\u00a0", "\u202f"):
            amount = amount.replace(space, "")
        if not amount or form.get(f"remove_{n}"):
            continue
        rows.append(
            {
                "role": _text(form, f"role_{n}"),
                "cost_centre": _text(form, f"cost_centre_{n}") or "*",
                "max_amount": amount.replace(",", "."),
                "user": _text(form, f"user_{n}") or None,
            }
        )
    return rows


def _rows(form: Form) -> int:
    try:
        return min(int(form.get("rows", "0")), 20_000)
    except ValueError:
        return 0


def _text(form: Form, name: str) -> str:
    return form.get(name, "").strip()


def build_router(web: Web, backend: Backend, portal: PortalSettings) -> APIRouter:
    router = APIRouter(prefix="/admin", include_in_schema=False)
    bases = {
        "approval": f"{portal.service_url_approval}/api/v1",
        "validation": f"{portal.service_url_validation}/api/v1",
        "posting": f"{portal.service_url_posting}/api/v1",
    }
    approval = bases["approval"]

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *ADMIN_ROLES)

    async def form_of(request: Request) -> Form:
        return {k: v for k, v in (await web.checked_form(request)).items() if isinstance(v, str)}

    async def read(session: Session, url: str) -> Reply:
        reply = await backend.call(session.principal(), "GET", url)
        if not reply.ok:
            raise PageError(403 if reply.status == 403 else 502)
        return reply

    @router.get("", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        session_of(request)
        return web.render(
            request, "admin_overview.html", title_key="admin.title", sections=list(SECTIONS)
        )

    # -- people and authority: real forms ---------------------------------------------------

    async def org_page(
        request: Request,
        section: str,
        rows: list[dict[str, Any]] | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        session = session_of(request)
        org, history = await asyncio.gather(
            read(session, f"{approval}/approval/organisation"),
            read(session, f"{approval}/approval/organisation/history"),
        )
        changes = [c for c in history.body["changes"] if c.get("section") == section]
        shown = rows if rows is not None else org.body.get(section) or []
        return web.render(
            request,
            f"admin_{section}.html",
            status=status,
            title_key=f"admin.{section}",
            rows=shown,
            blank=BLANK_ROWS,
            roles=ORG_ROLES,
            changes=_history(changes, "value"),
            error=error,
        )

    async def save_org(request: Request, section: str, rows: list[dict[str, Any]]) -> Response:
        session = session_of(request)
        reply = await backend.call(
            session.principal(), "PUT", f"{approval}/approval/organisation/{section}", json=rows
        )
        if not reply.ok:
            return await org_page(request, section, rows, web.refusal(request, reply), reply.status)
        return web.redirect(request, f"/admin/{section}?done=setup_saved")

    @router.get("/users", response_class=HTMLResponse)
    async def users(request: Request) -> Response:
        return await org_page(request, "users")

    @router.post("/users", response_class=HTMLResponse)
    async def save_users(request: Request) -> Response:
        session_of(request)
        return await save_org(request, "users", users_from(await form_of(request)))

    @router.get("/authority", response_class=HTMLResponse)
    async def authority(request: Request) -> Response:
        return await org_page(request, "authority")

    @router.post("/authority", response_class=HTMLResponse)
    async def save_authority(request: Request) -> Response:
        session_of(request)
        return await save_org(request, "authority", authority_from(await form_of(request)))

    # -- everything else: the section as JSON -----------------------------------------------

    def section_of(name: str) -> Section:
        if name not in SECTIONS:
            raise PageError(404)
        return SECTIONS[name]

    async def json_page(
        request: Request,
        section: Section,
        text: str | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        session = session_of(request)
        base = bases[section.service]
        current, history = await asyncio.gather(
            read(session, f"{base}{section.read}"), read(session, f"{base}{section.history}")
        )
        if text is None:
            text = json.dumps(section.pick(current.body), indent=2, ensure_ascii=False)
        changes = [c for c in history.body["changes"] if section.mine(c)]
        return web.render(
            request,
            "admin_json.html",
            status=status,
            title_key=f"admin.section.{section.name}",
            section=section.name,
            text=text,
            changes=_history(changes, section.value_key),
            error=error,
        )

    @router.get("/settings/{name}", response_class=HTMLResponse)
    async def setting(request: Request, name: str) -> Response:
        return await json_page(request, section_of(name))

    @router.post("/settings/{name}", response_class=HTMLResponse)
    async def save_setting(request: Request, name: str) -> Response:
        session = session_of(request)
        section = section_of(name)
        text = (await form_of(request)).get("value", "")
        try:
            value = json.loads(text)
        except ValueError as exc:
            error = web.t(request, "admin.bad_json", reason=str(exc))
            return await json_page(request, section, text, error, 422)
        reply = await backend.call(
            session.principal(), "PUT", f"{bases[section.service]}{section.write}", json=value
        )
        if not reply.ok:
            return await json_page(
                request, section, text, web.refusal(request, reply), reply.status
            )
        return web.redirect(request, f"/admin/settings/{name}?done=setup_saved")

    return router


def _history(changes: list[dict[str, Any]], value_key: str | None) -> list[dict[str, Any]]:
    """Newest first, each with its new value as indented JSON when the service kept it."""
    shown = []
    for change in reversed(changes):
        value = change.get(value_key) if value_key else None
        text = json.dumps(value, indent=2, ensure_ascii=False) if value is not None else None
        shown.append(change | {"shown": text})
    return shown
