"""Fixtures of the whole-journey tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from shared.kafka import make_producer


@pytest.fixture
async def producer(endpoints: StackEndpoints) -> AsyncIterator[AIOKafkaProducer]:
    """A producer of another service, publishing requests straight to Kafka."""
    producer = make_producer(client_settings(endpoints.kafka_bootstrap_servers))
    await producer.start()
    yield producer
    await producer.stop()
