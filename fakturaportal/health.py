"""Health endpoints: a FastAPI router for API processes, a tiny HTTP server for workers.

`/healthz` says the process is alive; `/readyz` runs the readiness checks (database, broker).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi import APIRouter, Response

Check = Callable[[], bool]


def run_checks(checks: dict[str, Check]) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = "ok" if check() else "failing"
        except Exception as exc:  # a failing dependency is a result, not a crash
            results[name] = f"error: {type(exc).__name__}"
    return all(v == "ok" for v in results.values()), results


def health_router(checks: dict[str, Check]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(response: Response) -> dict[str, object]:
        ready, results = run_checks(checks)
        response.status_code = 200 if ready else 503
        return {"status": "ok" if ready else "unavailable", "checks": results}

    return router


def serve_health(port: int, checks: dict[str, Check]) -> ThreadingHTTPServer | None:
    """Serve health for a worker process in a daemon thread; port 0 disables it."""
    if not port:
        return None

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body: dict[str, object]
            if self.path == "/healthz":
                status, body = 200, {"status": "ok"}
            elif self.path == "/readyz":
                ready, results = run_checks(checks)
                status = 200 if ready else 503
                body = {"status": "ok" if ready else "unavailable", "checks": results}
            else:
                status, body = 404, {"detail": "not found"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)  # noqa: S104 - probes come from the kubelet
    threading.Thread(target=server.serve_forever, daemon=True, name="health").start()
    return server
