"""Composition root: python -m services.validation {api|consumer|relay}."""

from fakturaportal.runtime import create_api, main, run_consumer, run_relay, serve_api
from services.validation.api import build_router
from services.validation.app import ValidationApp
from services.validation.translate import translate

SERVICE = "validation"


def api() -> None:
    app = ValidationApp()
    http = create_api("fakturaportal validation", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


main(
    SERVICE,
    {
        "api": api,
        "consumer": lambda: run_consumer(ValidationApp(), SERVICE),
        "relay": lambda: run_relay(ValidationApp(), translate, SERVICE),
    },
)
