"""Composition root: python -m services.portal api."""

from fakturaportal.runtime import create_api, main, serve_api
from services.portal.api import build_router
from services.portal.config import PortalSettings

SERVICE = "portal"


def api() -> None:
    from fakturaportal.settings import common_settings

    settings = common_settings()
    http = create_api("fakturaportal", settings)
    http.include_router(build_router(settings, PortalSettings()))
    serve_api(http, SERVICE)


main(SERVICE, {"api": api})
