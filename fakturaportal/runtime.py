"""Process roles shared by every service: api, consumer and relay, started from `__main__`."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import uvicorn
from confluent_kafka.admin import AdminClient
from fastapi import FastAPI, Request, Response
from opentelemetry.trace import SpanKind

from fakturaportal.consumer import ConsumerLoop
from fakturaportal.db import connect
from fakturaportal.eventstore import ServiceApplication
from fakturaportal.health import Check, health_router, serve_health
from fakturaportal.relay import Relay, Translate
from fakturaportal.settings import CommonSettings, common_settings
from fakturaportal.telemetry import context_from_headers, setup_tracing, tracer

#: Local ports of the HTTP processes; in Kubernetes every api listens on 8080 in its own pod.
SERVICE_PORTS: Mapping[str, int] = {
    "portal": 8000,
    "intake": 8001,
    "validation": 8002,
    "approval": 8003,
    "posting": 8004,
    "payment": 8005,
    "audit": 8006,
}

A = TypeVar("A", bound=ServiceApplication)


def configure(service: str, role: str) -> CommonSettings:
    logging.basicConfig(
        level=os.environ.get("FP_LOG_LEVEL", "INFO"),
        format=f"%(asctime)s {service}-{role} %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = common_settings()
    setup_tracing(service, settings.data_dir / "traces")
    return settings


def database_ready(settings: CommonSettings) -> Check:
    def check() -> bool:
        with connect(settings) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    return check


def broker_ready(settings: CommonSettings) -> Check:
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})

    def check() -> bool:
        return bool(admin.list_topics(timeout=3).brokers)

    return check


def readiness(settings: CommonSettings) -> dict[str, Check]:
    return {"database": database_ready(settings), "kafka": broker_ready(settings)}


def create_api(title: str, settings: CommonSettings) -> FastAPI:
    """A FastAPI app with health endpoints and a server span per request (trace context in)."""
    api = FastAPI(title=title, version="0.1.0")
    api.include_router(health_router(readiness(settings)))

    @api.middleware("http")
    async def trace_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        parent = context_from_headers([(k, v) for k, v in request.headers.items()])
        name = f"{request.method} {request.url.path}"
        with tracer().start_as_current_span(name, context=parent, kind=SpanKind.SERVER):
            return await call_next(request)

    return api


def serve_api(api: FastAPI, service: str) -> None:
    port = int(os.environ.get("FP_HTTP_PORT", SERVICE_PORTS[service]))
    host = os.environ.get("FP_HTTP_HOST", "127.0.0.1")
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)


def run_consumer(app: ServiceApplication, service: str, group_id: str | None = None) -> None:
    group = group_id or service
    loop = ConsumerLoop(app, group_id=group, client_id=f"{group}-consumer")
    serve_health(app.settings.health_port, readiness(app.settings))
    loop.run()


def run_relay(app: ServiceApplication, translate: Translate, service: str) -> None:
    serve_health(app.settings.health_port, readiness(app.settings))
    Relay(app, translate, source=f"/services/{service}").run()


def main(service: str, roles: Mapping[str, Callable[[], None]]) -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role not in roles:
        print(f"usage: python -m services.{service} {{{'|'.join(roles)}}}", file=sys.stderr)
        raise SystemExit(2)
    configure(service, role)
    roles[role]()
