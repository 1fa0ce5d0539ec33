"""Composition root: python -m services.approval {api|consumer|relay}."""

from functools import partial

from fakturaportal.runtime import create_api, main, run_consumer, run_relay, serve_api
from services.approval.api import build_router
from services.approval.app import ApprovalApp
from services.approval.translate import CaseLookup, translate

SERVICE = "approval"


def api() -> None:
    app = ApprovalApp()
    http = create_api("fakturaportal approval", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


def relay() -> None:
    app = ApprovalApp()
    run_relay(app, partial(translate, case_of=CaseLookup(app.repository.get)), SERVICE)


main(
    SERVICE, {"api": api, "consumer": lambda: run_consumer(ApprovalApp(), SERVICE), "relay": relay}
)
