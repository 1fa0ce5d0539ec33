"""The web UI on a slow phone: what each main page costs to load, measured in Chromium.

python -m bench.bench_portal [--url http://localhost:8000]      # against `make run`
python -m bench.bench_portal --start [--port-base 18000]        # starts a system of its own

Chromium (Debian's, as the browser tests use) is throttled through the DevTools protocol to
Lighthouse's mobile profile: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, CPU 4x
slower. The demo tenant's people log in with a magic link read from the local mail folder
(`make run` gives them addresses). Each page is loaded with an empty cache and then again with
the cache warm; we report what went over the wire (bytes, requests; the invoice's own picture
apart), the server's time to the first byte (request start to response start; Chromium adds
the emulated round trip after it), DOMContentLoaded and load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, CDPSession, Page, sync_playwright

OUT = Path(".data/bench/portal.json")
LOGS = Path(".data/bench/portal-logs")
"""The started system's logs, kept for a look after it stops."""
CHROMIUM = Path(os.environ.get("FP_CHROMIUM", "/usr/bin/chromium"))
TENANT = "demo"
DOMAIN = "demo.fakturaportal.localhost"
PHONE = {"width": 390, "height": 844}
NETWORK = {  # Lighthouse's mobile throttling ("slow 4G")
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
CPU_SLOWDOWN = 4
TARGETS = {"kb": 100.0, "requests": 5, "load_ms": 2000.0}
"""Per page, cold cache: under 100 KB (the invoice's picture apart), at most 5 requests,
loaded in under 2 s."""
PICTURE = "/original"
"""The invoice's own picture (a PDF's first page): counted apart, it is the content."""


@dataclass
class Load:
    bytes: int = 0
    requests: int = 0
    picture_bytes: int = 0
    server_ms: float = 0.0
    dcl_ms: float = 0.0
    load_ms: float = 0.0
    status: int = 0
    urls: list[str] = field(default_factory=list)


@dataclass
class Measured:
    page: str
    path: str
    cold: Load
    warm: Load
    misses: list[str] = field(default_factory=list)


# -- the browser --------------------------------------------------------------------------------


class Wire:
    """The requests of one page load, as the DevTools protocol reports them."""

    def __init__(self, cdp: CDPSession) -> None:
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.cached: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith("http"):  # not data: URLs
            self.urls[event["requestId"]] = event["request"]["url"]

    def _cached(self, event: dict[str, Any]) -> None:
        self.cached.add(event["requestId"])

    def _received(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def reset(self) -> None:
        self.urls.clear()
        self.sizes.clear()
        self.cached.clear()

    def load(self, timing: dict[str, float], status: int) -> Load:
        """What went over the network: requests answered from the cache do not count."""
        wired = {r: url for r, url in self.urls.items() if r not in self.cached}
        picture = [r for r, url in wired.items() if PICTURE in url]
        return Load(
            status=status,
            urls=[urlsplit(url).path for url in wired.values()],
            bytes=sum(self.sizes.get(r, 0) for r in wired if r not in picture),
            requests=sum(1 for r in wired if r not in picture),
            picture_bytes=sum(self.sizes.get(r, 0) for r in picture),
            server_ms=round(timing["responseStart"] - timing["requestStart"], 1),
            dcl_ms=round(timing["domContentLoadedEventEnd"], 1),
            load_ms=round(timing["loadEventEnd"], 1),
        )


NAVIGATION = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {requestStart: n.requestStart, responseStart: n.responseStart,
          domContentLoadedEventEnd: n.domContentLoadedEventEnd, loadEventEnd: n.loadEventEnd};
}"""


def throttled(page: Page) -> tuple[CDPSession, Wire]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp, Wire(cdp)


def measure_once(page: Page, wire: Wire, url: str) -> Load:
    wire.reset()
    response = page.goto(url, wait_until="load")
    page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    page.wait_for_timeout(300)  # the last loadingFinished events
    return wire.load(page.evaluate(NAVIGATION), response.status if response else 0)


def measure(page: Page, base: str, name: str, path: str) -> Measured:
    cdp, wire = throttled(page)
    cdp.send("Network.clearBrowserCache")
    cold = measure_once(page, wire, base + path)
    warm = measure_once(page, wire, base + path)
    cdp.detach()
    misses = [f"HTTP {cold.status}"] if cold.status != 200 else []
    misses += [
        f"{what} {value} > {TARGETS[key]}"
        for what, key, value in (
            ("KB", "kb", round(cold.bytes / 1024, 1)),
            ("requests", "requests", cold.requests),
            ("load ms", "load_ms", cold.load_ms),
        )
        if value > TARGETS[key]
    ]
    return Measured(name, path, cold, warm, misses)


# -- logging in ---------------------------------------------------------------------------------


def log_in(ctx: BrowserContext, base: str, address: str, mail: Path) -> Page:
    """Ask for a link, take the newest one mailed to the address, confirm it."""
    from services.portal.web.newest_link import newest_link

    page = ctx.new_page()
    before = newest_link(mail, address) if mail.exists() else None
    page.goto(f"{base}/login?lang=nb")
    page.fill("#email", address)
    page.fill("#tenant", TENANT)
    page.locator("main button[type=submit]").click()
    page.get_by_test_id("link-sent").wait_for()
    deadline = time.monotonic() + 30
    link = None
    while time.monotonic() < deadline and link in (None, before):
        time.sleep(0.2)
        link = newest_link(mail, address) if mail.exists() else None
    if link is None or link == before:
        raise SystemExit(f"no login link for {address} in {mail}")
    page.goto(link)
    page.locator("main button[type=submit]").click()
    page.locator("form.logout").wait_for()
    return page


def first_link(page: Page, base: str, path: str, selector: str, wait: float) -> str | None:
    """The href of the first element matching `selector` on `path`, waiting for the projection."""
    deadline = time.monotonic() + wait
    while True:
        page.goto(base + path)
        found = page.locator(selector)
        if found.count():
            href = found.first.get_attribute("href")
            return href.split("?")[0] if href else None
        if time.monotonic() > deadline:
            return None
        time.sleep(2)


def pages_of(page: Page, base: str, who: str, wait: float) -> dict[str, str]:
    """The main pages each of the demo people sees, with a real invoice's page among them."""
    found: dict[str, str | None] = {}
    if who == "siri":
        found = {
            "supplier: invoices": "/supplier/invoices",
            "supplier: invoice": first_link(page, base, "/supplier/invoices", ".card a", wait),
            "supplier: upload": "/supplier/upload",
        }
    elif who == "kari":
        found = {
            "approver: inbox": "/approver/inbox",
            "approver: invoice": first_link(page, base, "/approver/inbox", ".card a", wait),
        }
    elif who == "anne":
        found = {
            "desk: queues": "/desk",
            "desk: invoice": first_link(page, base, "/desk", ".card a", wait)
            or first_link(page, base, "/audit/invoices", "main a[href^='/audit/invoices/']", 0),
        }
        if found["desk: invoice"]:
            found["desk: invoice"] = "/desk/invoices/" + found["desk: invoice"].rsplit("/", 1)[1]
    elif who == "finn":
        found = {
            "finance: cockpit": "/finance/cockpit",
            "finance: payment runs": "/finance/payment-runs",
            "finance: a run": first_link(page, base, "/finance/payment-runs", "[data-run] a", 0),
            "finance: bank files": "/finance/bank",
            "admin: sections": "/admin",
            "admin: authority": "/admin/authority",
        }
    elif who == "revisor":
        found = {
            "audit: invoices": "/audit/invoices",
            "audit: invoice": first_link(
                page, base, "/audit/invoices", "main a[href^='/audit/invoices/']", wait
            ),
        }
    return {name: path for name, path in found.items() if path}


PEOPLE = {
    "siri": "siri@kontorrekvisita.example",
    "kari": f"kari@{DOMAIN}",
    "anne": f"anne@{DOMAIN}",
    "finn": f"finn@{DOMAIN}",
    "revisor": f"revisor@{DOMAIN}",
}


def run(base: str, mail: Path, wait: float) -> list[Measured]:
    results: list[Measured] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        ctx = browser.new_context(viewport=PHONE, locale="nb-NO", is_mobile=True)
        page = ctx.new_page()
        results.append(measure(page, base, "login", "/login"))
        page.close()
        for who, address in PEOPLE.items():
            ctx = browser.new_context(viewport=PHONE, locale="nb-NO", is_mobile=True)
            page = log_in(ctx, base, address, mail)
            for name, path in pages_of(page, base, who, wait).items():
                results.append(measure(page, base, name, path))
                print(f"  {name}: {results[-1].cold.load_ms:.0f} ms", file=sys.stderr)
            ctx.close()
        browser.close()
    return results


# -- a system of its own ------------------------------------------------------------------------


@contextmanager
def own_system(port_base: int) -> Iterator[Path]:
    """The system as the e2e and browser tests start it (a database and topics of its own, every
    service as a process), with the demo tenant's people and invoices as `make run` loads them.
    Yields the mail folder."""
    from pydantic import SecretStr

    from fakturaportal import cli
    from fakturaportal.kafka import create_topics
    from fakturaportal.processes import Supervisor
    from fakturaportal.settings import REPO_ROOT, CommonSettings, common_settings
    from services.portal.web import demo_people
    from tests.e2e.system import LEARN_QUICKLY, SERVICE_ROLE
    from tests.infra import throwaway_database

    base = CommonSettings()
    with throwaway_database(base, "fp_bench") as db, tempfile.TemporaryDirectory() as data:
        env = {
            "FP_PG_DB": db,
            "FP_TOPIC_PREFIX": f"b{int(time.time())}{uuid.uuid4().hex[:6]}.",
            "FP_DATA_DIR": data,
            "FP_JWT_SECRET": "bench-secret-" + "x" * 32,
        }
        os.environ.update(env)
        common_settings.cache_clear()
        settings = common_settings()
        create_topics(settings)
        migrated = subprocess.run(
            [sys.executable, "-m", "fakturaportal.cli", "migrate"],
            env=os.environ | SERVICE_ROLE,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            check=False,
        )
        if migrated.returncode:
            raise SystemExit(migrated.stderr)
        service = settings.model_copy(
            update={
                "pg_service_user": SERVICE_ROLE["FP_PG_SERVICE_USER"],
                "pg_service_password": SecretStr(SERVICE_ROLE["FP_PG_SERVICE_PASSWORD"]),
            }
        )
        sup = Supervisor(Path(data) / "run", Path(data) / "logs", port_base)
        extra = {k: v for k, v in os.environ.items() if k.startswith(("FP_", "PYTHON"))}
        sup.start_all(extra | LEARN_QUICKLY, service.service_env())
        try:
            missing = sup.wait_healthy(120)
            if missing:
                raise SystemExit(f"not ready: {missing}; logs in {data}/logs")
            for step in (
                lambda: demo_people.main(["--port-base", str(port_base)]),
                lambda: cli.main(["demo", "--port-base", str(port_base)]),
            ):
                if step():
                    raise SystemExit("loading the demo data failed")
            yield Path(data) / "mail-outbox" / "portal"
        finally:
            sup.stop_all()
            shutil.copytree(Path(data) / "logs", LOGS, dirs_exist_ok=True)
            settings_topics = [settings.topic(n) for n in _topics()]
            _delete_topics(settings.kafka_bootstrap, settings_topics)


def _topics() -> list[str]:
    from shared.schemas.topics import all_topic_names

    return list(all_topic_names())


def _delete_topics(bootstrap: str, topics: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    AdminClient({"bootstrap.servers": bootstrap}).delete_topics(topics, operation_timeout=30)


# -- the report ---------------------------------------------------------------------------------


def table(results: list[Measured]) -> str:
    head = (
        "| page | KB | requests | picture KB | server ms | DOMContentLoaded ms | load ms "
        "| warm: KB / requests / load ms | target |"
    )
    rows = [head, "|" + "---|" * 9]
    for m in results:
        c, w = m.cold, m.warm
        rows.append(
            f"| {m.page} | {c.bytes / 1024:.1f} | {c.requests} | {c.picture_bytes / 1024:.1f} | "
            f"{c.server_ms:.0f} | {c.dcl_ms:.0f} | {c.load_ms:.0f} | "
            f"{w.bytes / 1024:.1f} / {w.requests} / {w.load_ms:.0f} | "
            f"{'met' if not m.misses else 'MISSED: ' + ', '.join(m.misses)} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8000", help="a running portal")
    parser.add_argument("--start", action="store_true", help="start a system of its own")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("FP_E2E_PORT_BASE", "18000")),
        help="with --start (default FP_E2E_PORT_BASE, else 18000)",
    )
    parser.add_argument(
        "--mail", type=Path, help="the portal's mail folder (default: the data dir's)"
    )
    parser.add_argument("--wait", type=float, default=90, help="seconds to wait for demo invoices")
    parser.add_argument("--json", type=Path, default=OUT)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM} (set FP_CHROMIUM)", file=sys.stderr)
        return 2
    if args.start:
        with own_system(args.port_base) as mail:
            results = run(f"http://localhost:{args.port_base}", mail, args.wait)
    else:
        from fakturaportal.settings import common_settings

        mail = args.mail or common_settings().data_dir / "mail-outbox" / "portal"
        results = run(args.url.rstrip("/"), mail, args.wait)
    print(
        f"{date.today()}, {platform.node()}, {os.cpu_count()} cores; Chromium throttled to "
        f"1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT, CPU {CPU_SLOWDOWN}x slower; cold cache "
        "unless 'warm'"
    )
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "cores": os.cpu_count(),
                "profile": {"network": NETWORK, "cpu_slowdown": CPU_SLOWDOWN},
                "targets": TARGETS,
                "pages": [asdict(m) for m in results],
            },
            indent=2,
        )
    )
    missed = [m for m in results if m.misses]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
