"""The notifier process: `python -m services.portal notifier`.

Its main thread consumes the topics through the consumer machinery (each message's notice and
its offset in one transaction); a second thread mails what was recorded, every
`FP_NOTIFY_INTERVAL_SECONDS`, so a slow relay never holds up consuming. One replica: two would
mail the same notices (harmless, the same Message-IDs, but twice the traffic).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from fakturaportal.consumer import ConsumerLoop
from fakturaportal.health import serve_health
from fakturaportal.runtime import readiness
from fakturaportal.settings import common_settings
from services.portal.config import PortalSettings
from services.portal.notify.app import NotifierApp
from services.portal.notify.config import NotifySettings
from services.portal.notify.mailing import NoticeMailer
from services.portal.notify.people import OrganisationReader, OrganisationUnreachable

log = logging.getLogger(__name__)
GROUP = "portal-notifier"


class NotifierLoop(ConsumerLoop):
    """The consumer loop whose stop (SIGTERM) also ends the mail rounds."""

    def __init__(self, app: NotifierApp, stopped: threading.Event) -> None:
        super().__init__(app, group_id=GROUP, client_id=GROUP)
        self.stopped = stopped

    def stop(self, *args: Any) -> None:
        super().stop(*args)
        self.stopped.set()


def mail_rounds(
    mailer: NoticeMailer, reader: OrganisationReader, stopped: threading.Event, interval: float
) -> None:
    while not stopped.is_set():
        reader.forget()
        try:
            mailer.deliver()
        except OrganisationUnreachable as exc:
            log.warning("organisation not readable, mailing later: %s", exc)
        except Exception:  # a bad round must not end the mailing; the next one retries
            log.exception("mail round failed")
        stopped.wait(interval)


def run_notifier() -> None:
    settings = common_settings()
    notify = NotifySettings()
    portal = PortalSettings()
    app = NotifierApp(settings)
    reader = OrganisationReader(settings, portal.service_url_approval)
    mailer = NoticeMailer(
        app,
        notify.mailer(settings.data_dir),
        reader,
        sender=notify.mail_from,
        portal_url=portal.portal_public_url,
        max_age=timedelta(hours=notify.max_age_hours),
    )
    stopped = threading.Event()
    loop = NotifierLoop(app, stopped)
    serve_health(settings.health_port, readiness(settings))
    rounds = threading.Thread(
        target=mail_rounds, args=(mailer, reader, stopped, notify.interval_seconds), daemon=True
    )
    rounds.start()
    try:
        loop.run()
    finally:
        stopped.set()
        rounds.join(timeout=30)
