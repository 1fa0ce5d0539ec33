"""OpenTelemetry setup and W3C trace context carried in Kafka headers and stored events."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.schemas.envelope import RawHeaders, header_pairs

_propagator = TraceContextTextMapPropagator()
_configured = False
_trace_file: IO[str] | None = None


def setup_tracing(service_name: str, trace_dir: Path | None = None) -> None:
    """Install a tracer provider once per process.

    In production spans go to the OTLP collector named by the standard OTEL_EXPORTER_OTLP_*
    environment; locally, without one, to `<trace_dir>/<service>.jsonl`, readable as is.
    """
    global _configured, _trace_file
    if _configured:
        return
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)}
        )
    )
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif trace_dir is not None:
        trace_dir.mkdir(parents=True, exist_ok=True)
        _trace_file = (trace_dir / f"{service_name}.jsonl").open("a", encoding="utf-8")
        exporter = ConsoleSpanExporter(
            out=_trace_file, formatter=lambda span: span.to_json(indent=None) + "\n"
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer("fakturaportal")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> context.Context:
    if not traceparent:
        return context.Context()
    return _propagator.extract({"traceparent": traceparent})


def context_from_headers(headers: RawHeaders) -> context.Context:
    carrier = {k: v for k, v in header_pairs(headers) if k == "traceparent"}
    return _propagator.extract(carrier)


def trace_id_of(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


@contextmanager
def continue_trace(
    name: str, traceparent: str | None, kind: SpanKind = SpanKind.INTERNAL
) -> Iterator[None]:
    """Work on an invoice joins the invoice's own trace, linked to the request that caused it.

    An approval click or a payment run is a new HTTP request with its own trace; the events it
    produces for an invoice continue that invoice's trace so one trace id spans its whole way.
    """
    links = []
    here = trace.get_current_span().get_span_context()
    if here.is_valid:
        links.append(Link(here))
    parent = context_from_traceparent(traceparent) if traceparent else None
    with tracer().start_as_current_span(name, context=parent, kind=kind, links=links):
        yield
