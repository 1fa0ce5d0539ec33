"""Logging in with a magic link, logging out, and the start page.

The answer to "send me a link" is the same whether or not the address is known, and the look-up
and the mail happen after the answer, so neither the words nor the time tell who is registered.
The link opens a confirmation form; its POST uses the link up and starts a new session with the
person's current roles. A tenant's identity provider (OIDC, `sso.py`) starts the session the
same way.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from fakturaportal.mailer import Replier
from services.portal.web.directory import Directory, Person
from services.portal.web.links import LinkRefused, LinkSigner
from services.portal.web.session import Session, anonymous, signed_in
from services.portal.web.ui import APPROVER_ROLES, SUPPLIER_ROLES, Web

log = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
TENANT = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def local_path(value: object, default: str = "/") -> str:
    """Only a path on this site (never `//host` or `https://…`) as where to go after login."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value if "\\" not in value else default
    return default


def home_of(roles: frozenset[str]) -> str:
    if "accountant" in roles:
        return "/desk"
    if roles.intersection(APPROVER_ROLES):
        return "/approver/inbox"
    if roles.intersection(SUPPLIER_ROLES):
        return "/supplier/invoices"
    if "auditor" in roles:
        return "/audit/invoices"
    return "/"


def session_for(person: Person, minutes: int) -> Session:
    """A new session with the person's roles as the organisation gives them now."""
    return signed_in(
        tenant=person.tenant,
        user=person.user,
        name=person.name,
        roles=person.roles,
        orgnrs=person.orgnrs,
        expires=int(time.time()) + minutes * 60,
    )


def build_router(
    web: Web, directory: Directory, links: LinkSigner, mailer: Replier, public_url: str
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings = web.settings

    @router.get("/", response_class=HTMLResponse)
    def start(request: Request) -> Response:
        session = web.session(request)
        if session.signed_in and home_of(session.roles) != "/":
            return web.redirect(request, home_of(session.roles))
        return web.render(request, "home.html", title_key="home.title")

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        return web.render(
            request,
            "login.html",
            title_key="login.title",
            tenant=settings.default_tenant,
            next=local_path(next),
            sso_label=settings.oidc_label if settings.oidc_enabled else None,
        )

    @router.post("/login", response_class=HTMLResponse)
    async def send_link(request: Request, background: BackgroundTasks) -> Response:
        form = await web.checked_form(request)
        email = str(form.get("email", "")).strip()
        tenant = str(form.get("tenant", "")).strip() or settings.default_tenant
        next_path = local_path(form.get("next"))
        if EMAIL.match(email) and TENANT.match(tenant):
            lang = web.lang(request)
            background.add_task(mail_link, tenant, email, next_path, lang)
        return web.render(
            request,
            "login_sent.html",
            title_key="login.sent_title",
            email=email,
            tenant=tenant,
            minutes=settings.link_minutes,
        )

    async def mail_link(tenant: str, email: str, next_path: str, lang: str) -> None:
        try:
            person = await directory.by_email(tenant, email)
            if person is None:
                log.info("login link asked for an unknown address at %s", tenant)
                return
            token = links.issue(tenant=tenant, user=person.user, email=person.email)
            query = urlencode({"token": token, "next": next_path, "lang": lang})
            message = link_message(person, f"{public_url}/login/link?{query}", settings.mail_from)
            await run_in_threadpool(mailer.send, message)
        except Exception:
            log.exception("login link for %s not sent", tenant)

    def link_message(person: Person, url: str, sender: str) -> EmailMessage:
        minutes = settings.link_minutes
        message = EmailMessage()
        message["From"] = sender
        message["To"] = person.email
        message["Subject"] = "Innlogging til Fakturaportal / Log in to Fakturaportal"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid("login", sender.split("@")[-1])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            f"""Hei {person.name or person.user},

her er lenken for å logge inn hos {person.tenant}. Den virker én gang, i {minutes} minutter:
{url}

Ba du ikke om den, kan du se bort fra denne e-posten.

---

Here is your link to log in at {person.tenant}. It works once, for {minutes} minutes:
{url}

If you did not ask for it, you may ignore this e-mail.
"""
        )
        return message

    @router.get("/login/link", response_class=HTMLResponse)
    def confirm(request: Request, token: str = "", next: str = "/") -> Response:
        try:
            claim = links.read(token)
        except LinkRefused:
            return web.render(request, "login_bad.html", status=400, title_key="login.title")
        return web.render(
            request,
            "login_confirm.html",
            title_key="login.confirm_title",
            token=token,
            email=claim.email,
            tenant=claim.tenant,
            next=local_path(next),
        )

    @router.post("/login/link", response_class=HTMLResponse)
    async def use_link(request: Request) -> Response:
        form = await web.checked_form(request)
        try:
            claim = links.redeem(str(form.get("token", "")))
        except LinkRefused:
            return web.render(request, "login_bad.html", status=400, title_key="login.title")
        person = await directory.by_user(claim.tenant, claim.user)
        if person is None or person.email.lower() != claim.email.lower():
            return web.render(request, "login_bad.html", status=400, title_key="login.title")
        web.start(request, session_for(person, settings.session_minutes))
        log.info("%s logged in at %s", person.user, person.tenant)
        next_path = local_path(form.get("next"))
        return web.redirect(request, next_path if next_path != "/" else home_of(person.roles))

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await web.checked_form(request)
        web.start(request, anonymous(int(time.time()) + settings.session_minutes * 60))
        return web.redirect(request, "/login")

    @router.get("/invoices/{invoice_id}")
    def invoice_link(invoice_id: UUID, request: Request) -> Response:
        """Links in reminder mails: the invoice's page for whoever follows them."""
        session = web.session(request)
        if session.has_any(*APPROVER_ROLES):
            return web.redirect(request, f"/approver/invoices/{invoice_id}")
        if session.has_any(*SUPPLIER_ROLES):
            return web.redirect(request, f"/supplier/invoices/{invoice_id}")
        return web.redirect(request, f"/login?{urlencode({'next': request.url.path})}")

    return router
