"""Reading an application's event log forward in pages, from where the reader left off.

For work that wants all events of some kinds, old and new, without a subscription's blocking:
the trainer looks for new approved codings and corrections once a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fakturaportal.eventstore import ServiceApplication

PAGE = 500


class EventLogReader:
    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self.position = 0

    def new_events(self, names: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any], datetime]]:
        """(qualified event name, its attributes, its time) of the named events since last time."""
        while True:
            page = self.app.recorder.select_notifications(
                self.position, PAGE, inclusive_of_start=False
            )
            if not page:
                return
            for notification in page:
                self.position = notification.id
                event: Any = self.app.mapper.to_domain_event(notification)
                name = type(event).__qualname__
                if name in names:
                    yield name, dict(vars(event)), event.timestamp
