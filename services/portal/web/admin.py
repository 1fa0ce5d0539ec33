"""The finance admin's pages: users and roles, the authority matrix, and every other setting.

Users, authority, tolerances, the chart of accounts and the coding rules are real forms (a row per
person, limit, rule or account, blank ones to add, a box to remove; see `admin_forms`); every
setup section, these too, is also a clearly labelled JSON editor of exactly what the owning
service's API takes. Each save is one PUT to that service as the admin, so its checks decide and
its refusal is shown as it gives it; each page shows the section's change history from the
service's own event store.

No lost updates: every page carries the fingerprint of the section as it was read, and a save
whose section has changed since is refused (409) with the current value shown and the admin's
input kept. The services take no version precondition, so this is check-then-write in the
portal: a change landing between the check and the PUT (milliseconds) can still be overwritten.
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
from services.portal.web.admin_forms import (
    BLANK_ROWS,
    FORMS,
    RULE_FLAGS,
    Form,
    FormProblem,
    fingerprint,
    rows_of,
)
from services.portal.web.admin_forms import field_text as _text
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

PEOPLE = {name: _org(name) for name in ("users", "authority")}
"""Approval's people and limits: forms only (a JSON editor of people helps nobody)."""


@dataclass(frozen=True)
class View:
    """How a page shows a section: its template, title, and the template variable (`shows`)
    that gets the section's value as `shown` makes it (rows, form fields or JSON text)."""

    template: str
    title_key: str
    shows: str
    shown: Callable[[Any], Any]


@dataclass(frozen=True)
class Kept:
    """What the admin sent, shown again after a refusal with the reason."""

    shown: Any
    error: str
    status: int
    seen: str | None
    """The fingerprint their page carried; None after a conflict: the page then carries the
    current one, so saving again (having seen the current value) replaces it."""


def users_from(form: Form) -> list[dict[str, Any]]:
    """The people of the users form: one per row with an id that is not marked for removal."""
    users = []
    for n in range(rows_of(form)):
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
    for n in range(rows_of(form)):
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


def build_router(web: Web, backend: Backend, portal: PortalSettings) -> APIRouter:
    router = APIRouter(prefix="/admin", include_in_schema=False)
    bases = {
        "approval": f"{portal.service_url_approval}/api/v1",
        "validation": f"{portal.service_url_validation}/api/v1",
        "posting": f"{portal.service_url_posting}/api/v1",
    }

    def session_of(request: Request) -> Session:
        return web.signed_in(request, *ADMIN_ROLES)

    async def form_of(request: Request) -> Form:
        return {k: v for k, v in (await web.checked_form(request)).items() if isinstance(v, str)}

    async def read(session: Session, url: str) -> Reply:
        reply = await backend.call(session.principal(), "GET", url)
        if not reply.ok:
            raise PageError(403 if reply.status == 403 else 502)
        return reply

    def problem(request: Request, found: FormProblem) -> str:
        where = web.t(request, found.field)
        if found.n:
            where = web.t(request, "admin.form.in_row", n=found.n, field=where)
        return web.t(request, found.key, field=where, value=found.value)

    async def current_value(session: Session, section: Section) -> Any:
        return section.pick((await read(session, f"{bases[section.service]}{section.read}")).body)

    @router.get("", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        session_of(request)
        return web.render(
            request,
            "admin_overview.html",
            title_key="admin.title",
            sections=list(SECTIONS),
            forms=list(FORMS),
        )

    async def page(
        request: Request, section: Section, view: View, kept: Kept | None = None
    ) -> Response:
        """The section's page: its value as `view` shows it (or what the admin sent, after a
        refusal), the fingerprint of what was read, its history; after a conflict, the value
        as it is now."""
        session = session_of(request)
        base = bases[section.service]
        current, history = await asyncio.gather(
            read(session, f"{base}{section.read}"), read(session, f"{base}{section.history}")
        )
        value = section.pick(current.body)
        changes = [c for c in history.body["changes"] if section.mine(c)]
        conflict = kept is not None and kept.seen is None
        return web.render(
            request,
            view.template,
            status=kept.status if kept else 200,
            title_key=view.title_key,
            section=section.name,
            fingerprint=kept.seen if kept and kept.seen is not None else fingerprint(value),
            current=_pretty(value) if conflict else None,
            changes=_history(changes, section.value_key),
            error=kept.error if kept else None,
            blank=BLANK_ROWS,
            roles=ORG_ROLES,
            flags=RULE_FLAGS,
            has_form=section.name in FORMS,
            **{view.shows: kept.shown if kept else view.shown(value)},
        )

    async def save(
        request: Request, section: Section, view: View, form: Form, value: Any, shown: Any
    ) -> Response:
        """Writes `value` unless the section changed since the admin's page read it.

        Check-then-write: the services take no version precondition, so a change landing
        between this read and the PUT is still overwritten; the window is one round trip."""
        session = session_of(request)
        seen = form.get("fingerprint", "")
        if fingerprint(await current_value(session, section)) != seen:
            conflict = Kept(shown, web.t(request, "admin.conflict"), 409, None)
            return await page(request, section, view, conflict)
        reply = await backend.call(
            session.principal(), "PUT", f"{bases[section.service]}{section.write}", json=value
        )
        if not reply.ok:
            refused = Kept(shown, web.refusal(request, reply), reply.status, seen)
            return await page(request, section, view, refused)
        return web.redirect(request, f"{request.url.path}?done=setup_saved")

    # -- people and authority -----------------------------------------------------------------

    people_forms = {
        "users": (View("admin_users.html", "admin.users", "rows", _rows_of), users_from),
        "authority": (
            View("admin_authority.html", "admin.authority", "rows", _rows_of),
            authority_from,
        ),
    }

    @router.get("/users", response_class=HTMLResponse)
    async def users(request: Request) -> Response:
        return await page(request, PEOPLE["users"], people_forms["users"][0])

    @router.post("/users", response_class=HTMLResponse)
    async def save_users(request: Request) -> Response:
        return await save_people(request, "users")

    @router.get("/authority", response_class=HTMLResponse)
    async def authority(request: Request) -> Response:
        return await page(request, PEOPLE["authority"], people_forms["authority"][0])

    @router.post("/authority", response_class=HTMLResponse)
    async def save_authority(request: Request) -> Response:
        return await save_people(request, "authority")

    async def save_people(request: Request, name: str) -> Response:
        session_of(request)
        view, parse = people_forms[name]
        form = await form_of(request)
        rows = parse(form)
        return await save(request, PEOPLE[name], view, form, rows, rows)

    # -- every setup section as JSON ------------------------------------------------------------

    def section_of(name: str) -> Section:
        if name not in SECTIONS:
            raise PageError(404)
        return SECTIONS[name]

    def json_view(name: str) -> View:
        return View("admin_json.html", f"admin.section.{name}", "text", _pretty)

    @router.get("/settings/{name}", response_class=HTMLResponse)
    async def setting(request: Request, name: str) -> Response:
        return await page(request, section_of(name), json_view(name))

    @router.post("/settings/{name}", response_class=HTMLResponse)
    async def save_setting(request: Request, name: str) -> Response:
        session_of(request)
        section, view = section_of(name), json_view(name)
        form = await form_of(request)
        text = form.get("value", "")
        try:
            value = json.loads(text)
        except ValueError as exc:
            error = web.t(request, "admin.bad_json", reason=str(exc))
            kept = Kept(text, error, 422, form.get("fingerprint", ""))
            return await page(request, section, view, kept)
        return await save(request, section, view, form, value, text)

    # -- tolerances, the chart and coding rules as forms ----------------------------------------

    def form_of_section(name: str) -> tuple[Section, View]:
        if name not in FORMS:
            raise PageError(404)
        form = FORMS[name]
        return SECTIONS[name], View(form.template, f"admin.section.{name}", "form", form.to_form)

    @router.get("/{name}", response_class=HTMLResponse)
    async def section_form(request: Request, name: str) -> Response:
        session_of(request)
        return await page(request, *form_of_section(name))

    @router.post("/{name}", response_class=HTMLResponse)
    async def save_section_form(request: Request, name: str) -> Response:
        session_of(request)
        section, view = form_of_section(name)
        form = await form_of(request)
        try:
            value = FORMS[name].from_form(form)
        except FormProblem as found:
            kept = Kept(form, problem(request, found), 422, form.get("fingerprint", ""))
            return await page(request, section, view, kept)
        return await save(request, section, view, form, value, form)

    return router


def _history(changes: list[dict[str, Any]], value_key: str | None) -> list[dict[str, Any]]:
    """Newest first, each with its new value as indented JSON when the service kept it."""
    shown = []
    for change in reversed(changes):
        value = change.get(value_key) if value_key else None
        text = json.dumps(value, indent=2, ensure_ascii=False) if value is not None else None
        shown.append(change | {"shown": text})
    return shown


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _rows_of(value: Any) -> Any:
    return value or []
