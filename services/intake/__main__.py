"""Composition root: python -m services.intake {api|relay|ocr-worker|folder|mail}."""

import os
import signal
import threading

from fakturaportal.health import serve_health
from fakturaportal.runtime import (
    create_api,
    main,
    readiness,
    run_consumer,
    run_relay,
    serve_api,
)
from services.intake.api import build_router
from services.intake.app import IntakeApp
from services.intake.config import IntakeSettings
from services.intake.folder import watch_folder
from services.intake.mail_channel import start_mail_server
from services.intake.mailconfig import MailSettings
from services.intake.translate import translate

SERVICE = "intake"


def api() -> None:
    app = IntakeApp()
    http = create_api("fakturaportal intake", app.settings)
    http.include_router(build_router(app, IntakeSettings()))
    serve_api(http, SERVICE)


def ocr_worker() -> None:
    # Tesseract may use one thread per process: workers scale as processes, not threads.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    run_consumer(IntakeApp(), SERVICE, group_id="intake-ocr-worker")


def folder() -> None:
    app = IntakeApp()
    serve_health(app.settings.health_port, readiness(app.settings))
    watch_folder(app, IntakeSettings())


def mail() -> None:
    app = IntakeApp()
    serve_health(app.settings.health_port, readiness(app.settings))
    controller = start_mail_server(app, IntakeSettings(), MailSettings())
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    controller.stop()


main(
    SERVICE,
    {
        "api": api,
        "relay": lambda: run_relay(IntakeApp(), translate, SERVICE),
        "ocr-worker": ocr_worker,
        "folder": folder,
        "mail": mail,
    },
)
