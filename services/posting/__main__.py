"""Composition root: python -m services.posting {api|consumer|relay}."""

from fakturaportal.runtime import create_api, main, run_consumer, run_relay, serve_api
from services.posting.api import build_router
from services.posting.app import PostingApp
from services.posting.translate import translate

SERVICE = "posting"


def api() -> None:
    app = PostingApp()
    http = create_api("fakturaportal posting", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


main(
    SERVICE,
    {
        "api": api,
        "consumer": lambda: run_consumer(PostingApp(), SERVICE),
        "relay": lambda: run_relay(PostingApp(), translate, SERVICE),
    },
)
