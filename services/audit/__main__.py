"""Composition root: python -m services.audit {api|consumer}. Audit emits nothing: no relay."""

import threading

from fakturaportal.runtime import create_api, main, run_consumer, serve_api
from services.audit.api import build_router
from services.audit.app import AuditApp
from services.audit.projection import Projector, follow

SERVICE = "audit"


def api() -> None:
    app = AuditApp()
    http = create_api("fakturaportal audit", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


def consumer() -> None:
    """Record every lifecycle event; a background thread keeps `invoice_status` current."""
    app = AuditApp()
    stop = threading.Event()
    projector = follow(Projector(app), stop)
    try:
        run_consumer(app, SERVICE)
    finally:
        stop.set()
        projector.join(timeout=10)


main(SERVICE, {"api": api, "consumer": consumer})
