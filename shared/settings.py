"""Settings both services read from the environment.

Every field maps to an upper-case environment variable of the same name (`database_url` →
`DATABASE_URL`). A wrong value fails at start-up with pydantic's message naming the variable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.kafka_security import check_kafka_security
from shared.org_limits import OrgLimits


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: str = "postgresql://postgres@127.0.0.1:5432/labels"
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=10, ge=1)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_client_id: str = "label-export"
    # Off for Tansu (it rejects aiokafka's InitProducerId); turn on against Apache Kafka.
    # Correctness never depends on it: every consumer tolerates duplicates.
    kafka_enable_idempotence: bool = False
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    kafka_max_poll_interval_ms: int = Field(default=300_000, ge=1000)
    # How long the broker may hold a fetch that has no data yet: the floor of every hop's latency
    # (request → planner, events → read model). aiokafka's default is 500 ms.
    kafka_fetch_max_wait_ms: int = Field(default=50, ge=0, le=5000)
    # Static group membership (KIP-345): the pod name on Kubernetes, so a restart does not
    # rebalance. Unset locally and in tests.
    kafka_group_instance_id: str | None = None
    # The producers' largest message (aiokafka max_request_size; its default, and the broker's
    # usual message.max.bytes). The API refuses at submit a job whose `requested` event would not
    # fit, so no outbox row can be unpublishable for its size.
    kafka_max_message_bytes: int = Field(default=1_048_576, ge=65_536)
    # When a refused message cannot be copied whole to the DLQ (too large, refused by the broker),
    # its first this-many bytes go instead, with its size, SHA-256 and the reason (docs/events.md).
    dlq_excerpt_bytes: int = Field(default=4096, ge=0, le=32_768)
    # How every Kafka client of both services authenticates and encrypts (docs/security.md).
    # PLAINTEXT locally (Tansu); production runs SASL_SSL with SCRAM-SHA-512 (deploy/k8s prod).
    # Combinations are checked at start-up (shared/kafka_security.py), naming the setting.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None  # from a Secret; never logged (SecretStr)
    # PEM files: the CA that signed the brokers' certificates (unset: the system's trust store),
    # and optionally a client certificate and its key (mutual TLS).
    kafka_ssl_ca_file: FilePath | None = None
    kafka_ssl_cert_file: FilePath | None = None
    kafka_ssl_key_file: FilePath | None = None

    topic_requested: str = "label-export.requested"
    # The render planner's consumer group: the render service consumes the requests topic in it, and
    # the API reads its committed offsets (which re-published requests the render service took).
    render_planner_group_id: str = "label-export-render-planner"
    topic_events: str = "label-export.events"
    topic_dlq: str = "label-export.dlq"

    s3_endpoint_url: str | None = None  # None = AWS
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_bucket: str = "label-exports"

    # Per-organization limits (shared/org_limits.py, docs/contract.md#organization-limits): service
    # defaults an organization's own values override (labels-admin set-org-limits). Both services
    # enforce them: the API at submit, the render planner on the exact count of every request.
    org_max_items_per_job: int = Field(default=1_000_000, ge=1)
    org_max_open_jobs: int = Field(default=100, ge=1)
    org_max_open_items: int = Field(default=5_000_000, ge=1)

    log_level: str = "INFO"

    @model_validator(mode="after")
    def _kafka_security_is_consistent(self) -> CommonSettings:
        check_kafka_security(self)
        return self

    @property
    def org_limits(self) -> OrgLimits:
        """The service defaults of the per-organization limits."""
        return OrgLimits(
            max_items_per_job=self.org_max_items_per_job,
            max_open_jobs=self.org_max_open_jobs,
            max_open_items=self.org_max_open_items,
        )
