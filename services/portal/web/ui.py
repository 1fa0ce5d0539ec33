"""The web UI's kernel: the request's session and language, templates, error pages, cookies.

Every page is rendered through `Web.render`, which gives templates the words of the request's
language, the CSRF field and the language switch, and sets the security headers. Anything that
stops a page (no login, wrong role, not found, a form without its CSRF token) is an exception
that `install` turns into a redirect or an error page in the reader's language.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from services.portal.web import csrf, i18n
from services.portal.web.backend import Reply, ServiceDown
from services.portal.web.config import WebSettings
from services.portal.web.session import COOKIE, SECURE_COOKIE, Session, SessionCodec, anonymous

HERE = Path(__file__).parent
NBSP = "\u00a0"
OSLO = ZoneInfo("Europe/Oslo")
SUPPLIER_ROLES = ("supplier",)
APPROVER_ROLES = ("attestant", "budget-holder", "finance-admin", "payment-approver", "accountant")
"""Who gets the approver's pages: everyone the approval inbox serves."""
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


STATIC = HERE / "static"
STYLESHEET = (
    "/static/portal.css?v=" + hashlib.sha256((STATIC / "portal.css").read_bytes()).hexdigest()[:12]
)
"""The stylesheet's address names its content, so a browser may keep it for a year: a changed
file is a new address. Slow phones then load a page in one request."""
STATIC_CACHE = "public, max-age=31536000, immutable"


class CachedStatic(StaticFiles):
    """The static files, cached for a year (their addresses carry their content's hash)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def cached(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", STATIC_CACHE.encode()),
                ]
            await send(message)

        await super().__call__(scope, receive, cached)


class PageError(Exception):
    """Stop with an error page: 403, 404, or 502 when a service is down."""

    def __init__(self, status: int, message_key: str | None = None, **extra: Any) -> None:
        super().__init__(status)
        self.status = status
        self.message_key = message_key or f"error.{status}"
        self.extra = extra


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Ui:
    """What every template reads: language, words, session, navigation."""

    lang: str
    session: Session
    path: str
    query: dict[str, str]

    @property
    def other_lang(self) -> str:
        return "en" if self.lang == "nb" else "nb"

    @property
    def switch_url(self) -> str:
        return f"{self.path}?{urlencode(self.query | {'lang': self.other_lang})}"

    @property
    def is_supplier(self) -> bool:
        return self.session.has_any(*SUPPLIER_ROLES)

    @property
    def is_approver(self) -> bool:
        return self.session.has_any(*APPROVER_ROLES)


class Web:
    def __init__(self, settings: WebSettings, session_key: bytes) -> None:
        self.settings = settings
        self.codec = SessionCodec(session_key)
        self.cookie = SECURE_COOKIE if settings.cookie_secure else COOKIE
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = money
        self.env.filters["percent"] = percent
        self.env.filters["local_time"] = local_time
        self.env.globals["stylesheet"] = STYLESHEET

    # -- the request ----------------------------------------------------------------------------

    def session(self, request: Request) -> Session:
        """The request's session: from the cookie, else a new anonymous one (kept per request)."""
        found: Session | None = getattr(request.state, "session", None)
        if found is None:
            now = int(time.time())
            cookie = request.cookies.get(self.cookie)
            found = self.codec.decode(cookie, now) or anonymous(
                now + self.settings.session_minutes * 60
            )
            request.state.session = found
        return found

    def start(self, request: Request, session: Session) -> None:
        """Replace the request's session (login, logout): the response sets the new cookie."""
        request.state.session = replace(session, fresh=True)

    def lang(self, request: Request) -> str:
        return i18n.negotiate(
            request.query_params.get("lang"),
            request.cookies.get(i18n.COOKIE),
            request.headers.get("accept-language"),
        )

    def t(self, request: Request, key: str, **values: Any) -> str:
        return i18n.translator(self.lang(request))(key, **values)

    def refusal(self, request: Request, reply: Reply) -> str:
        """A service's refusal as the page says it: in the reader's language, as the service
        gave it (`reason_nb` for bokmål, `detail` for English)."""
        return self.t(request, "refused", reason=reply.reason(self.lang(request)))

    def signed_in(self, request: Request, *roles: str) -> Session:
        """The session of someone logged in with one of `roles`; else to login, or a 403 page."""
        session = self.session(request)
        if not session.signed_in:
            raise LoginRequired(request.url.path)
        if not session.has_any(*roles):
            raise PageError(403)
        return session

    async def checked_form(self, request: Request) -> dict[str, Any]:
        """The posted form, once its CSRF token matches the session's."""
        form = await request.form()
        csrf.check(self.session(request).csrf, form.get(csrf.FIELD))
        return dict(form)

    # -- the response ---------------------------------------------------------------------------

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = self.lang(request)
        session = self.session(request)
        query = {k: v for k, v in request.query_params.items() if k not in ("lang", "done")}
        ui = Ui(lang=lang, session=session, path=request.url.path, query=query)
        t = i18n.translator(lang)
        field = Markup('<input type="hidden" name="{}" value="{}">').format(
            csrf.FIELD, session.csrf
        )
        done = request.query_params.get("done")
        flash = t(f"done.{done}") if done and f"done.{done}" in i18n.CATALOGUE[lang] else None
        html = self.env.get_template(template).render(
            ui=ui, t=t, csrf_field=lambda: field, flash=flash, **context
        )
        response = HTMLResponse(html, status_code=status)
        self.finish(request, response)
        return response

    def redirect(self, request: Request, url: str) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        self.finish(request, response)
        return response

    def finish(self, request: Request, response: Response) -> None:
        """Security headers, the session cookie when it is new, the language when chosen."""
        response.headers.update(SECURITY_HEADERS)
        session = self.session(request)
        secure = self.settings.cookie_secure
        if session.fresh:
            response.set_cookie(
                self.cookie,
                self.codec.encode(session),
                max_age=max(session.expires - int(time.time()), 0),
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )
        chosen = request.query_params.get("lang")
        if chosen in i18n.LANGUAGES:
            response.set_cookie(
                i18n.COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )

    def error_page(self, request: Request, error: PageError) -> HTMLResponse:
        return self.render(
            request,
            "error.html",
            status=error.status,
            error_status=error.status,
            message_key=error.message_key,
            **error.extra,
        )


def money(value: Any, currency: str | None = None) -> str:
    """Norwegian style, as both languages read it here: 12 345,50 NOK."""
    if value in (None, ""):
        return "–"
    try:
        whole, _, cents = f"{Decimal(str(value)):,.2f}".partition(".")
    except InvalidOperation:
        return str(escape(value))
    text = whole.replace(",", NBSP) + "," + cents
    return f"{text}{NBSP}{currency}" if currency else text


def percent(value: Any) -> str:
    """A rate as Norwegians write it, without trailing zeros: 2, 1,5."""
    try:
        number = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(escape(value))
    return f"{number:f}".replace(".", ",")


def local_time(value: Any) -> str:
    """A stored UTC time as Norwegians read it: 2026-11-28 14:05 (Oslo time)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def install(http: FastAPI, web: Web) -> None:
    """The static asset and the handlers that turn a stopped page into its answer.

    Only the static files are compressed: pages carry the session's CSRF token next to what the
    reader typed, and compressing both together would leak the token (BREACH)."""
    http.mount("/static", GZipMiddleware(CachedStatic(directory=STATIC), minimum_size=500))

    @http.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return web.error_page(request, exc)

    @http.exception_handler(ServiceDown)
    async def service_down(request: Request, exc: ServiceDown) -> Response:
        return web.error_page(request, PageError(502))

    @http.exception_handler(csrf.CsrfRefused)
    async def csrf_refused(request: Request, exc: csrf.CsrfRefused) -> Response:
        return web.error_page(request, PageError(403, "error.csrf"))

    @http.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        """A browser that follows a wrong link gets the portal's page, an API client JSON."""
        wants_page = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 404 and wants_page and not request.url.path.startswith("/api/"):
            return web.error_page(request, PageError(404))
        return await http_exception_handler(request, exc)

    @http.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return web.redirect(request, f"/login?{urlencode({'next': exc.next_path})}")
