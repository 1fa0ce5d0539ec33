import json
import urllib.error
import urllib.request

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakturaportal.health import health_router, run_checks, serve_health


def broken() -> bool:
    raise ConnectionError("database down")


def test_readiness_reports_each_check_and_fails_when_one_fails():
    ready, results = run_checks({"database": broken, "kafka": lambda: True})
    assert not ready
    assert results == {"database": "error: ConnectionError", "kafka": "ok"}


def test_api_health_endpoints():
    app = FastAPI()
    app.include_router(health_router({"database": broken}))
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


def test_worker_health_server_answers_on_its_port():
    server = serve_health(0, {})
    assert server is None  # port 0 means off, as in local mode
    server = serve_health(_free_port(), {"kafka": lambda: True})
    assert server is not None
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert json.load(r) == {"status": "ok", "checks": {"kafka": "ok"}}
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nope", timeout=5)
    finally:
        server.shutdown()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
