"""Bringing a supplier in: the AP desk or a finance admin invites the supplier's contact, who gets
a login link and a short guide by e-mail, and the guide page itself.

The invitation goes through approval's organisation API as the person inviting
(`POST /api/v1/approval/organisation/supplier-contacts`: the contact becomes a `supplier-contact`
for that org.nr), so the API decides who may invite and refuses a staff address; the page shows
its refusal in the reader's language. The link in the invitation is a login link like the ones
the login page mails (same key, same single use), only valid for days instead of minutes
(`FP_PORTAL_INVITE_DAYS`), and it leads to the guide.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.notify.messages import INVITATION_FIELDS, invitation
from services.portal.notify.people import Recipient
from services.portal.web.backend import Backend
from services.portal.web.links import LinkSigner, PostgresUsedLinks
from services.portal.web.login import EMAIL
from services.portal.web.session import Session
from services.portal.web.ui import SUPPLIER_ROLES, Web
from shared.checkdigits import valid_orgnr

log = logging.getLogger(__name__)

INVITERS = ("accountant", "finance-admin")
"""Who may invite: as the approval API's `supplier-contacts` endpoint allows."""
GUIDE_READERS = (*SUPPLIER_ROLES, *INVITERS)
"""Suppliers, and those who invite them (to see what the supplier gets)."""
GUIDE = "/supplier/guide"


class OnboardingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_PORTAL_", extra="ignore")

    invite_days: int = Field(default=7, ge=1, le=30)
    """How long the link in an invitation may be used (once)."""
    intake_mail_domain: str = Field(
        default="faktura.localhost", validation_alias="FP_INTAKE_MAIL_DOMAIN"
    )
    """Intake's e-mail channel: a tenant's invoices go to `<tenant>@<domain>`."""


def build_router(
    web: Web, backend: Backend, common: CommonSettings, portal: PortalSettings
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings = OnboardingSettings()
    links = LinkSigner(
        web.settings.secret(common, "login-link"),
        settings.invite_days * 24 * 60,
        PostgresUsedLinks(common),
    )  # issues only: the login page's signer redeems (same key, the same table of used links)
    mailer = web.settings.mailer(common.data_dir)
    invite_url = f"{portal.service_url_approval}/api/v1/approval/organisation/supplier-contacts"

    def page(request: Request, status: int = 200, **context: Any) -> Response:
        return web.render(
            request, "onboarding_invite.html", status=status, title_key="invite.title", **context
        )

    @router.get("/suppliers/invite", response_class=HTMLResponse)
    def invite_form(request: Request) -> Response:
        web.signed_in(request, *INVITERS)
        return page(request, form={"language": web.lang(request)})

    @router.post("/suppliers/invite", response_class=HTMLResponse)
    async def invite(request: Request) -> Response:
        session = web.signed_in(request, *INVITERS)
        form = {k: str(v).strip() for k, v in (await web.checked_form(request)).items()}
        problem = _problem(form)
        if problem:
            return page(request, 422, form=form, error=web.t(request, problem))
        body = {
            "email": form["email"],
            "orgnr": form["orgnr"].replace(" ", ""),
            "name": form.get("name") or None,
            "language": form.get("language") if form.get("language") in ("nb", "en") else None,
        }
        reply = await backend.call(session.principal(), "POST", invite_url, json=body)
        if not reply.ok or not isinstance(reply.body, dict):
            error = web.refusal(request, reply)
            return page(
                request, reply.status if reply.status >= 400 else 502, form=form, error=error
            )
        try:
            await run_in_threadpool(mailer.send, _invitation(session, reply.body))
        except Exception:  # the contact is registered; inviting again sends the mail again
            log.exception("invitation to %s not sent", body["email"])
            return page(request, 502, form=form, error=web.t(request, "invite.not_sent"))
        sent = web.t(request, "invite.sent", email=body["email"])
        return page(request, form={"language": web.lang(request)}, sent=sent)

    def _invitation(session: Session, user: dict[str, Any]) -> Any:
        assert session.tenant is not None
        language = user.get("language") or "nb"
        token = links.issue(tenant=session.tenant, user=str(user["id"]), email=str(user["email"]))
        query = urlencode({"token": token, "next": GUIDE, "lang": language})
        public = portal.portal_public_url
        return invitation(
            to=Recipient(str(user["id"]), user.get("name"), str(user["email"]), language),
            tenant=session.tenant,
            inviter=session.name or session.user or session.tenant,
            login_url=f"{public}/login/link?{query}",
            portal_url=public,
            invoice_address=f"{session.tenant}@{settings.intake_mail_domain}",
            days=settings.invite_days,
            sender=web.settings.mail_from,
            at=datetime.now(UTC),
        )

    @router.get(GUIDE, response_class=HTMLResponse)
    def guide(request: Request) -> Response:
        session = web.signed_in(request, *GUIDE_READERS)
        return web.render(
            request,
            "onboarding_guide.html",
            title_key="nav.guide",
            tenant=session.tenant,
            invoice_address=f"{session.tenant}@{settings.intake_mail_domain}",
            fields=INVITATION_FIELDS,
        )

    return router


def _problem(form: dict[str, str]) -> str | None:
    """The first thing wrong with the form (a word key), before bothering approval."""
    if not EMAIL.match(form.get("email", "")):
        return "invite.bad_email"
    if not valid_orgnr(form.get("orgnr", "").replace(" ", "")):
        return "invite.bad_orgnr"
    return None
