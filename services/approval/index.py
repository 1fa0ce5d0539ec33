"""Which approval cases are open, per tenant: followed from approval's own notification log.

Each process (API, scheduler) keeps its own copy in memory and catches up before it answers;
the first call reads the whole log. A read-model table is the next step when that gets slow.
"""

from __future__ import annotations

import threading
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from services.approval.case import ApprovalCase

OPENS = get_topic(ApprovalCase.Requested)
CLOSES = (get_topic(ApprovalCase.Approved), get_topic(ApprovalCase.Disputed))
BATCH = 1000


class _Store(Protocol):
    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> Mapper[UUID]: ...


class OpenCases:
    def __init__(self, app: _Store) -> None:
        self._app = app
        self._position = 0
        self._open: dict[UUID, str] = {}
        self._lock = threading.Lock()

    def of(self, tenant_id: str | None = None) -> list[UUID]:
        """Open cases, oldest first; all tenants' when `tenant_id` is None."""
        with self._lock:
            self._catch_up()
            return [c for c, t in self._open.items() if tenant_id is None or t == tenant_id]

    def _catch_up(self) -> None:
        while True:
            batch = self._app.recorder.select_notifications(
                start=self._position + 1, limit=BATCH, topics=(OPENS, *CLOSES)
            )
            for notification in batch:
                self._position = notification.id
                case_id = UUID(str(notification.originator_id))
                if notification.topic == OPENS:
                    found: DomainEventProtocol[UUID] = self._app.mapper.to_domain_event(
                        notification
                    )
                    tenant = getattr(found, "tenant_id", None)
                    if isinstance(tenant, str):
                        self._open[case_id] = tenant
                else:
                    self._open.pop(case_id, None)
            if len(batch) < BATCH:
                return
