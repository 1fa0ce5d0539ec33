"""The identity provider's login: send the person there, and start a session when they return.

What the person may do comes from the tenant's organisation (`Directory`), as for a magic link;
the identity provider only vouches for the e-mail address.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.web.config import WebSettings
from services.portal.web.directory import Directory
from services.portal.web.login import home_of, local_path, session_for
from services.portal.web.oidc import PENDING_SECONDS, OidcClient, OidcRefused, Pending, PendingCodec
from services.portal.web.ui import PageError, Web

log = logging.getLogger(__name__)

CALLBACK = "/login/sso/callback"


def client_from(settings: WebSettings) -> OidcClient | None:
    """The identity provider's client when the portal is configured for one."""
    issuer, client_id, secret = (
        settings.oidc_issuer,
        settings.oidc_client_id,
        settings.oidc_client_secret,
    )
    if not (issuer and client_id and secret):
        return None
    return OidcClient(
        issuer,
        client_id,
        secret.get_secret_value(),
        scopes=settings.oidc_scopes,
        tenant_claim=settings.oidc_tenant_claim,
    )


def build_router(
    web: Web, directory: Directory, client: OidcClient, codec: PendingCodec, public_url: str
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings = web.settings
    cookie = "__Host-fp_oidc" if settings.cookie_secure else "fp_oidc"
    redirect_uri = f"{public_url.rstrip('/')}{CALLBACK}"

    def refused(request: Request, status: int, message_key: str) -> Response:
        response = web.render(
            request,
            "login_bad.html",
            status=status,
            title_key="login.title",
            message_key=message_key,
        )
        response.delete_cookie(cookie, path="/", secure=settings.cookie_secure, httponly=True)
        return response

    @router.get("/login/sso")
    async def start(request: Request, next: str = "/") -> Response:
        pending = Pending.new(local_path(next))
        try:
            url = await client.authorization_url(pending, redirect_uri)
        except OidcRefused as exc:
            log.warning("identity provider not usable: %s", exc)
            raise PageError(502) from exc
        response = web.redirect(request, url)
        response.set_cookie(
            cookie,
            codec.encode(pending),
            max_age=PENDING_SECONDS,
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="lax",  # the provider's redirect back is a top-level GET: Lax sends it
        )
        return response

    @router.get(CALLBACK, response_class=HTMLResponse)
    async def finish(
        request: Request, code: str = "", state: str = "", error: str = ""
    ) -> Response:
        pending = codec.decode(request.cookies.get(cookie))
        if pending is None or not hmac.compare_digest(state, pending.state):
            return refused(request, 400, "login.sso_expired")
        if error or not code:
            log.info("identity provider refused the login: %s", error or "no code")
            return refused(request, 400, "login.sso_refused")
        try:
            identity = await client.identity(code, pending, redirect_uri)
        except OidcRefused as exc:
            log.warning("login through the identity provider refused: %s", exc)
            return refused(request, 400, "login.sso_refused")
        tenant = identity.tenant or settings.oidc_tenant
        person = await directory.by_email(tenant, identity.email) if tenant else None
        if person is None:
            log.info("identity provider login for an address the organisation does not know")
            return refused(request, 403, "login.sso_unknown")
        web.start(request, session_for(person, settings.session_minutes))
        log.info("%s logged in at %s through the identity provider", person.user, person.tenant)
        target = pending.next_path if pending.next_path != "/" else home_of(person.roles)
        response = web.redirect(request, target)
        response.delete_cookie(cookie, path="/", secure=settings.cookie_secure, httponly=True)
        return response

    return router
