"""A process that follows one application's event log from its own recorded position.

The relay (to Kafka) and posting's exporter (to the ERP) are both followers: each resumes after
the last notification it recorded, so a restart repeats at most the one it was working on. The
approval scheduler's mail follower runs between the scheduler's rounds instead (`catch_up`).
"""

from __future__ import annotations

import logging
import signal
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from eventsourcing.projection import ApplicationSubscription

from fakturaportal.eventstore import ServiceApplication

log = logging.getLogger(__name__)


class LogFollower(ABC):
    def __init__(self, app: ServiceApplication, name: str) -> None:
        self.app = app
        self.name = name
        self.subscription: ApplicationSubscription[UUID] | None = None

    def stop(self, *_: Any) -> None:
        if self.subscription is not None:
            self.subscription.stop()

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        position = self.app.position(self.name)
        log.info("%s resuming after notification %s", self.name, position)
        with ApplicationSubscription(self.app, gt=position) as subscription:
            self.subscription = subscription
            for domain_event, tracking in subscription:
                self.follow(domain_event, tracking)

    def catch_up(self, topics: Sequence[str] = (), batch: int = 100) -> int:
        """Follows what was recorded since the position (of `topics`, default all), then returns
        how many it followed: for a follower that runs between other work, not as a process."""
        followed = 0
        while True:
            found = self.app.recorder.select_notifications(
                start=self.app.position(self.name) or 0,
                limit=batch,
                topics=topics,
                inclusive_of_start=False,
            )
            for notification in found:
                domain_event = self.app.mapper.to_domain_event(notification)
                self.follow(domain_event, Tracking(self.app.name, notification.id))
                followed += 1
            if len(found) < batch:
                return followed

    @abstractmethod
    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        """Act on one event and record the position (with whatever the act produced)."""
