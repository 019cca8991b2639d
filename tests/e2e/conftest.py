"""Fixtures of the whole-journey tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from devtools.endpoints import StackEndpoints


@pytest.fixture
async def producer(endpoints: StackEndpoints) -> AsyncIterator[AIOKafkaProducer]:
    """A producer of another service, publishing requests straight to Kafka."""
    producer = AIOKafkaProducer(bootstrap_servers=endpoints.kafka_bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()
