"""Composition of the web UI: settings, keys, the mailer, the backend, and the routers."""

from __future__ import annotations

from fastapi import FastAPI

from fakturaportal.settings import CommonSettings
from services.portal.config import PortalSettings
from services.portal.web import (
    admin,
    approver,
    audit_pages,
    desk,
    finance,
    login,
    onboarding,
    sso,
    supplier,
)
from services.portal.web.backend import Backend
from services.portal.web.config import WebSettings
from services.portal.web.directory import Directory
from services.portal.web.links import LinkSigner, PostgresUsedLinks
from services.portal.web.oidc import PendingCodec
from services.portal.web.ui import Web, install


def mount_web(
    http: FastAPI, common: CommonSettings, portal: PortalSettings, settings: WebSettings
) -> Web:
    """Add the web UI to the portal's app. Mounted before the API router, so `/` is its start
    page; the API keeps every `/api/v1` path."""
    web = Web(settings, settings.secret(common, "session"))
    backend = Backend(common)
    directory = Directory(backend, portal.service_url_approval)
    links = LinkSigner(
        settings.secret(common, "login-link"), settings.link_minutes, PostgresUsedLinks(common)
    )  # used links shared by every portal replica
    mailer = settings.mailer(common.data_dir)
    install(http, web)
    http.include_router(login.build_router(web, directory, links, mailer, portal.portal_public_url))
    client = sso.client_from(settings)
    if client is not None:
        codec = PendingCodec(settings.secret(common, "oidc"))
        http.include_router(
            sso.build_router(web, directory, client, codec, portal.portal_public_url)
        )
    http.include_router(supplier.build_router(web, backend, common, portal))
    http.include_router(approver.build_router(web, backend, directory, common, portal))
    http.include_router(desk.build_router(web, backend, common, portal))
    http.include_router(admin.build_router(web, backend, portal))
    http.include_router(audit_pages.build_router(web, backend, common, portal))
    http.include_router(finance.build_router(web, backend, common, portal))
    http.include_router(onboarding.build_router(web, backend, common, portal))
    return web
