"""Composition root: python -m services.posting {api|consumer|relay|exporter|trainer}."""

import signal
from functools import partial
from pathlib import Path
from typing import cast

from fakturaportal.health import serve_health
from fakturaportal.runtime import create_api, main, readiness, run_consumer, run_relay, serve_api
from services.posting.api import build_router
from services.posting.app import PostingApp
from services.posting.domain import PostingCase
from services.posting.eventlog import EventLogReader
from services.posting.exporter import Exporter
from services.posting.learner import ModelPredictor, Trainer
from services.posting.translate import translate

SERVICE = "posting"


def api() -> None:
    app = PostingApp()
    http = create_api("fakturaportal posting", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


def model_root(app: PostingApp) -> Path:
    return app.posting.model_dir or app.settings.data_dir / "models"


def consumer() -> None:
    app = PostingApp()
    app.predictor = ModelPredictor(model_root(app))
    run_consumer(app, SERVICE)


def trainer() -> None:
    app = PostingApp()
    serve_health(app.settings.health_port, readiness(app.settings))
    learner = Trainer(EventLogReader(app), model_root(app), app.posting)
    signal.signal(signal.SIGTERM, learner.stop)
    signal.signal(signal.SIGINT, learner.stop)
    learner.run()


def relay() -> None:
    app = PostingApp()

    def case_of(invoice_id: object, version: int) -> PostingCase:
        return cast(PostingCase, app.repository.get(invoice_id, version=version))  # type: ignore[arg-type]

    run_relay(app, partial(translate, case_of=case_of), SERVICE)


def exporter() -> None:
    app = PostingApp()
    serve_health(app.settings.health_port, readiness(app.settings))
    Exporter(app).run()


main(
    SERVICE,
    {
        "api": api,
        "consumer": consumer,
        "relay": relay,
        "exporter": exporter,
        "trainer": trainer,
    },
)
