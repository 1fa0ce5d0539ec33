"""Composition root: python -m services.payment {api|consumer|relay|bank}."""

import threading

from fakturaportal.health import serve_health
from fakturaportal.runtime import create_api, main, readiness, run_consumer, run_relay, serve_api
from services.payment.api import build_router
from services.payment.app import PaymentApp
from services.payment.translate import translate
from services.payment.worker import BankWorker, stop_on_signals

SERVICE = "payment"


def api() -> None:
    app = PaymentApp()
    http = create_api("fakturaportal payment", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


def bank() -> None:
    """Delivers released runs' files to the bank channel and reads the bank inbox."""
    app = PaymentApp()
    serve_health(app.settings.health_port, readiness(app.settings))
    stop = threading.Event()
    stop_on_signals(stop)
    BankWorker(app).watch(stop)


main(
    SERVICE,
    {
        "api": api,
        "consumer": lambda: run_consumer(PaymentApp(), SERVICE),
        "relay": lambda: run_relay(PaymentApp(), translate, SERVICE),
        "bank": bank,
    },
)
