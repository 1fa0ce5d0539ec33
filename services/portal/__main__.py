"""Composition root: python -m services.portal {api|notifier}."""

from fakturaportal.runtime import create_api, main, serve_api
from services.portal.api import build_router
from services.portal.config import PortalSettings
from services.portal.keys import build_router as build_keys_router
from services.portal.web.app import mount_web
from services.portal.web.config import WebSettings

SERVICE = "portal"


def api() -> None:
    from fakturaportal.settings import common_settings

    settings = common_settings()
    portal = PortalSettings()
    http = create_api("fakturaportal", settings)
    mount_web(http, settings, portal, WebSettings())  # first: the web UI's start page is `/`
    http.include_router(build_router(settings, portal))
    http.include_router(build_keys_router(settings))
    serve_api(http, SERVICE)


def notifier() -> None:
    """E-mail to suppliers and approvers about their invoices (`services/portal/notify`)."""
    from services.portal.notify.process import run_notifier

    run_notifier()


main(SERVICE, {"api": api, "notifier": notifier})
