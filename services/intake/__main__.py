"""Composition root: python -m services.intake {api|relay}."""

from fakturaportal.runtime import create_api, main, run_relay, serve_api
from services.intake.api import build_router
from services.intake.app import IntakeApp
from services.intake.config import IntakeSettings
from services.intake.translate import translate

SERVICE = "intake"


def api() -> None:
    app = IntakeApp()
    http = create_api("fakturaportal intake", app.settings)
    http.include_router(build_router(app, IntakeSettings()))
    serve_api(http, SERVICE)


main(SERVICE, {"api": api, "relay": lambda: run_relay(IntakeApp(), translate, SERVICE)})
