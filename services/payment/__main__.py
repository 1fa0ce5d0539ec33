"""Composition root: python -m services.payment {api|consumer|relay}."""

from fakturaportal.runtime import create_api, main, run_consumer, run_relay, serve_api
from services.payment.api import build_router
from services.payment.app import PaymentApp
from services.payment.translate import translate

SERVICE = "payment"


def api() -> None:
    app = PaymentApp()
    http = create_api("fakturaportal payment", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


main(
    SERVICE,
    {
        "api": api,
        "consumer": lambda: run_consumer(PaymentApp(), SERVICE),
        "relay": lambda: run_relay(PaymentApp(), translate, SERVICE),
    },
)
