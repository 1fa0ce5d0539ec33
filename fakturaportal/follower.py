"""A process that follows one application's event log from its own recorded position.

The relay (to Kafka) and posting's exporter (to the ERP) are both followers: each resumes after
the last notification it recorded, so a restart repeats at most the one it was working on.
"""

from __future__ import annotations

import logging
import signal
from abc import ABC, abstractmethod
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

    @abstractmethod
    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        """Act on one event and record the position (with whatever the act produced)."""
