"""The consumer loop: Kafka -> app.process_event(message, tracking), exactly once in effect.

The new events and the topic-partition's tracking row commit in one transaction, and on partition
assignment the consumer seeks to the stored position + 1, so a crash anywhere repeats nothing.
A message that cannot be processed goes to `<topic>.dlq` with the error; the partition flows on.
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, Producer, TopicPartition
from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from opentelemetry.trace import SpanKind

from fakturaportal import faults
from fakturaportal.eventstore import ServiceApplication
from fakturaportal.kafka import consumer_config, producer_config
from fakturaportal.messaging import (
    InboundMessage,
    UndecodableMessage,
    dead_letter_headers,
    decode,
    tracking_name,
)
from fakturaportal.telemetry import context_from_headers, tracer
from shared.schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)

TRANSIENT_RETRIES = 30


class ConsumerLoop:
    def __init__(self, app: ServiceApplication, group_id: str, client_id: str) -> None:
        self.app = app
        self.settings = app.settings
        self.topics = [self.settings.topic(t.value) for t in app.subscribed_topics()]
        self.consumer = Consumer(consumer_config(self.settings, self.settings.topic(group_id)))
        self.dlq = Producer(producer_config(self.settings, f"{client_id}-dlq"))
        self.running = True
        self.assigned: list[TopicPartition] = []
        self.processed = 0

    def stop(self, *_: Any) -> None:
        self.running = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        log.info("consuming %s", ", ".join(self.topics))
        try:
            while self.running:
                record = self.consumer.poll(0.5)
                if record is None:
                    continue
                if record.error():
                    log.warning("kafka: %s", record.error())
                    continue
                self.handle(record)
        finally:
            self.consumer.close()
            self.dlq.flush(10)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            position = self.app.position(tracking_name(tp.topic, tp.partition))
            tp.offset = OFFSET_BEGINNING if position is None else position + 1
        log.info("assigned %s", [(tp.topic, tp.partition, tp.offset) for tp in partitions])
        consumer.assign(partitions)
        self.assigned = list(partitions)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned = []

    def handle(self, record: Message) -> None:
        topic, partition, offset = record.topic(), record.partition(), record.offset()
        assert topic is not None
        assert partition is not None
        assert offset is not None
        tracking = Tracking(tracking_name(topic, partition), offset)
        if self._already_processed(tracking):
            return
        try:
            message = decode(record, self.settings.topic_prefix)
        except UndecodableMessage as exc:
            self._dead_letter(record, exc, tracking)
            return
        parent = context_from_headers(record.headers())
        with tracer().start_as_current_span(
            f"{topic} process", context=parent, kind=SpanKind.CONSUMER
        ):
            self._process(record, message, tracking)
        faults.crash_point(faults.CONSUMER_AFTER_STORE, self.settings.fault)
        self.consumer.commit(message=record, asynchronous=True)
        self.processed += 1

    def _process(self, record: Message, message: InboundMessage, tracking: Tracking) -> None:
        for attempt in range(1, TRANSIENT_RETRIES + 1):
            try:
                self.app.handle(message, tracking)
                return
            except OperationalError as exc:
                log.warning("database unavailable (attempt %d): %s", attempt, exc)
                time.sleep(min(2.0, 0.1 * attempt))
            except IntegrityError as exc:
                if self._already_processed(tracking):
                    return
                log.info("concurrent write, retrying (attempt %d): %s", attempt, exc)
                time.sleep(0.05 * attempt)
            except Exception as exc:
                log.exception(
                    "cannot process %s@%s", tracking.application_name, tracking.notification_id
                )
                self._dead_letter(record, exc, tracking)
                return
        raise RuntimeError(f"gave up on {tracking} after {TRANSIENT_RETRIES} attempts")

    def _already_processed(self, tracking: Tracking) -> bool:
        position = self.app.position(tracking.application_name)
        return position is not None and position >= tracking.notification_id

    def _dead_letter(self, record: Message, error: BaseException, tracking: Tracking) -> None:
        topic = record.topic()
        assert topic is not None
        self.dlq.produce(
            dead_letter_topic(topic),
            key=record.key(),
            value=record.value(),
            headers=dead_letter_headers(record, error),
        )
        if self.dlq.flush(30) != 0:
            raise RuntimeError("dead-letter topic unreachable; not moving past the message")
        log.warning(
            "dead-lettered %s@%s: %s", tracking.application_name, tracking.notification_id, error
        )
        self.app.record_position_only(tracking)
