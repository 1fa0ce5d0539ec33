"""Local process supervision for `make run` and the end-to-end tests: every service role as its
own OS process, pid files and logs under the data folder."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fakturaportal.runtime import SERVICE_PORTS


@dataclass(frozen=True)
class ProcessSpec:
    service: str
    role: str

    @property
    def name(self) -> str:
        return f"{self.service}-{self.role}"


PROCESSES: tuple[ProcessSpec, ...] = tuple(
    ProcessSpec(service, role)
    for service, roles in (
        ("intake", ("api", "relay", "ocr-worker", "folder", "mail")),
        ("validation", ("api", "consumer", "relay")),
        ("posting", ("api", "consumer", "relay", "exporter", "trainer")),
        ("approval", ("api", "consumer", "relay", "scheduler")),
        ("payment", ("api", "consumer", "relay", "bank")),
        ("audit", ("api", "consumer")),
        ("portal", ("api", "notifier")),
    )
    for role in roles
)


SMTP_PORT = 2525


def ports(base: int) -> dict[str, int]:
    return {svc: base + (port - SERVICE_PORTS["portal"]) for svc, port in SERVICE_PORTS.items()}


def process_env(base_env: dict[str, str], port_base: int, spec: ProcessSpec) -> dict[str, str]:
    env = dict(base_env)
    mapping = ports(port_base)
    for svc in ("intake", "validation", "posting", "approval", "payment", "audit"):
        env[f"FP_SERVICE_URL_{svc.upper()}"] = f"http://127.0.0.1:{mapping[svc]}"
    env["FP_HTTP_PORT"] = str(mapping[spec.service])
    env["FP_INTAKE_MAIL_PORT"] = str(SMTP_PORT + port_base - SERVICE_PORTS["portal"])
    env["FP_PORTAL_PUBLIC_URL"] = f"http://localhost:{mapping['portal']}"
    # The portal signs its calls with its own key, as in production; services fetch its JWKS.
    env["FP_PORTAL_JWKS_URL"] = f"http://127.0.0.1:{mapping['portal']}/.well-known/jwks.json"
    if spec.service != "portal":
        env.pop("FP_PORTAL_SIGNING_KEY", None)  # only the portal holds it
    return env


class Supervisor:
    def __init__(self, run_dir: Path, log_dir: Path, port_base: int = 8000) -> None:
        self.run_dir = run_dir
        self.log_dir = log_dir
        self.port_base = port_base

    def portal_key(self) -> str:
        """The local portal's signing key, made once next to the run folder (never in the repo)."""
        from fakturaportal.signing import new_private_key_pem

        path = self.run_dir.parent / "portal-key.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(new_private_key_pem())
        return path.read_text()

    def pid_file(self, spec: ProcessSpec) -> Path:
        return self.run_dir / f"{spec.name}.pid"

    def pid_of(self, spec: ProcessSpec) -> int | None:
        try:
            pid = int(self.pid_file(spec).read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def start(
        self,
        spec: ProcessSpec,
        extra_env: dict[str, str] | None = None,
        service_env: dict[str, str] | None = None,
    ) -> int:
        running = self.pid_of(spec)
        if running:
            return running
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        base = dict(os.environ) | (extra_env or {}) | (service_env or {})
        if spec.service == "portal":
            base.setdefault("FP_PORTAL_SIGNING_KEY", self.portal_key())
        env = process_env(base, self.port_base, spec)
        log = (self.log_dir / f"{spec.name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", f"services.{spec.service}", spec.role],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.pid_file(spec).write_text(str(proc.pid))
        return proc.pid

    def stop(
        self, spec: ProcessSpec, sig: signal.Signals = signal.SIGTERM, timeout: float = 15
    ) -> bool:
        pid = self.pid_of(spec)
        if pid is None:
            self.pid_file(spec).unlink(missing_ok=True)
            return False
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                _reap(pid)
            except OSError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file(spec).unlink(missing_ok=True)
        return True

    def start_all(
        self, extra_env: dict[str, str] | None = None, service_env: dict[str, str] | None = None
    ) -> None:
        for spec in PROCESSES:
            self.start(spec, extra_env, service_env)

    def stop_all(self) -> list[str]:
        return [spec.name for spec in reversed(PROCESSES) if self.stop(spec)]

    def status(self) -> dict[str, int | None]:
        return {spec.name: self.pid_of(spec) for spec in PROCESSES}

    def wait_healthy(self, timeout: float = 90) -> list[str]:
        """Wait until every HTTP process answers /readyz; returns those that did not."""
        pending = {
            svc: port
            for svc, port in ports(self.port_base).items()
            if any(p.service == svc and p.role == "api" for p in PROCESSES)
        }
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for svc, port in list(pending.items()):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                        if r.status == 200:
                            del pending[svc]
                except OSError:
                    pass
            time.sleep(0.3)
        return sorted(pending)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
