"""confluent-kafka configuration and topic administration, in one place."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from fakturaportal.settings import CommonSettings
from shared.schemas.topics import all_topic_names

log = logging.getLogger(__name__)


def producer_config(settings: CommonSettings, client_id: str) -> dict[str, Any]:
    """Idempotent producer: retries never duplicate or reorder within a partition."""
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "client.id": client_id,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "zstd",
    }


def consumer_config(settings: CommonSettings, group_id: str) -> dict[str, Any]:
    """Offsets live in our tracking rows; Kafka's committed offsets only feed lag monitoring."""
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "group.id": group_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 1000,
    }


def create_topics(settings: CommonSettings, names: list[str] | None = None) -> list[str]:
    """Create missing topics (and their dead-letter topics); returns the ones created."""
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    wanted = [settings.topic(n) for n in (names or all_topic_names())]
    existing = set(admin.list_topics(timeout=30).topics)
    missing = [n for n in wanted if n not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(n, num_partitions=settings.kafka_partitions, replication_factor=1)
            for n in missing
        ]
    )
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=30)
            created.append(name)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    return created
