"""Composition root: python -m services.validation {consumer|relay}."""

from fakturaportal.runtime import main, run_consumer, run_relay
from services.validation.app import ValidationApp
from services.validation.translate import translate

SERVICE = "validation"

main(
    SERVICE,
    {
        "consumer": lambda: run_consumer(ValidationApp(), SERVICE),
        "relay": lambda: run_relay(ValidationApp(), translate, SERVICE),
    },
)
