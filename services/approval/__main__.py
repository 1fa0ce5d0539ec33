"""Composition root: python -m services.approval {api|consumer|relay|scheduler [--once]}."""

import os
import signal
import sys
from functools import partial

from fakturaportal.health import serve_health
from fakturaportal.runtime import create_api, main, readiness, run_consumer, run_relay, serve_api
from services.approval.api import build_router
from services.approval.app import ApprovalApp
from services.approval.scheduler import Scheduler
from services.approval.translate import CaseLookup, translate

SERVICE = "approval"


def api() -> None:
    app = ApprovalApp()
    http = create_api("fakturaportal approval", app.settings)
    http.include_router(build_router(app))
    serve_api(http, SERVICE)


def relay() -> None:
    app = ApprovalApp()
    run_relay(app, partial(translate, case_of=CaseLookup(app.repository.get)), SERVICE)


def scheduler() -> None:
    """Reminders and escalations on a timer; `--once`: one round, then exit (tests, cron)."""
    app = ApprovalApp()
    worker = Scheduler(app, tenant_id=os.environ.get("FP_APPROVAL_SCHEDULER_TENANT") or None)
    if "--once" in sys.argv[2:]:
        done = worker.tick()
        print(
            f"reminded {len(done.reminded)}, escalated {len(done.escalated)}, mailed {done.mailed}"
        )
        return
    serve_health(app.settings.health_port, readiness(app.settings))
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run()


main(
    SERVICE,
    {
        "api": api,
        "consumer": lambda: run_consumer(ApprovalApp(), SERVICE),
        "relay": relay,
        "scheduler": scheduler,
    },
)
