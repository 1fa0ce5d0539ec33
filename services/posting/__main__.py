"""Composition root: python -m services.posting {consumer|relay}."""

from fakturaportal.runtime import main, run_consumer, run_relay
from services.posting.app import PostingApp
from services.posting.translate import translate

SERVICE = "posting"

main(
    SERVICE,
    {
        "consumer": lambda: run_consumer(PostingApp(), SERVICE),
        "relay": lambda: run_relay(PostingApp(), translate, SERVICE),
    },
)
