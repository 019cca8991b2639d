"""`LocalStack`: PostgreSQL + a Kafka-protocol broker + S3, started together on 127.0.0.1.

A part whose endpoint is given (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT_URL, or the
matching `StackOptions` fields) is not started, only waited for; the database, topics and
bucket are ensured either way. The parts start concurrently (SeaweedFS's ~0.7 s dominates:
a whole stack is ready in ~1 s and stops in ~1.3 s here).

Handles for fault injection: `stack.broker` (TansuBroker) and `stack.s3_server` (SeaweedS3)
have `pid`, `stop()` and `start()` (same ports, so clients reconnect); they are None when the
endpoint came from outside.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from devtools.endpoints import StackEndpoints
from devtools.errors import DevstackError
from devtools.kafka_admin import check_kafka, client_settings, ensure_topics, security_from_env
from devtools.paths import default_data_dir
from devtools.ports import PortAllocator
from devtools.postgres import PostgresPart
from devtools.s3_admin import admin_client, check_s3, ensure_bucket
from devtools.seaweed import SeaweedPorts, SeaweedS3
from devtools.tansu import TansuBroker
from devtools.waiting import wait_until_ready

log = logging.getLogger(__name__)

DEFAULT_TOPICS = (
    "label-export.requested",
    "label-export.events",
    "label-export.dlq",
    "label-export.chunks",
)


class Part(Protocol):
    """What every part handle offers (TansuBroker, SeaweedS3, PostgresPart)."""

    name: str

    @property
    def pid(self) -> int | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, kw_only=True)
class StackOptions:
    data_dir: Path = field(default_factory=default_data_dir)
    database: str = "labels"
    topics: tuple[str, ...] = DEFAULT_TOPICS
    partitions: int = 4
    bucket: str = "label-exports"
    region: str = "us-east-1"
    kafka_port: int | None = None  # None: a free port
    s3_port: int | None = None
    ready_timeout: float = 30.0
    stop_grace: float = 5.0
    drop_database_on_stop: bool = False  # only ever drops a database this stack created
    # Endpoints from outside: the part is then not started, only waited for and set up.
    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    s3_endpoint_url: str | None = None
    # Credentials of the outside S3, or of ours (random secret per stack when None).
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> StackOptions:
        """Options from the service variables (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS,
        S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET, S3_REGION) and
        DEVSTACK_DATA_DIR / DEVSTACK_KAFKA_PORT / DEVSTACK_S3_PORT; `overrides` win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        text_fields = {
            "DATABASE_URL": "database_url",
            "KAFKA_BOOTSTRAP_SERVERS": "kafka_bootstrap_servers",
            "S3_ENDPOINT_URL": "s3_endpoint_url",
            "S3_ACCESS_KEY_ID": "s3_access_key_id",
            "S3_SECRET_ACCESS_KEY": "s3_secret_access_key",
            "S3_BUCKET": "bucket",
            "S3_REGION": "region",
        }
        for var, name in text_fields.items():
            if env.get(var):
                values[name] = env[var]
        for var, name in (("DEVSTACK_KAFKA_PORT", "kafka_port"), ("DEVSTACK_S3_PORT", "s3_port")):
            if env.get(var):
                try:
                    values[name] = int(env[var])
                except ValueError as exc:
                    raise DevstackError(f"{var}={env[var]!r} is not a port number") from exc
        if env.get("DEVSTACK_DATA_DIR"):
            values["data_dir"] = Path(env["DEVSTACK_DATA_DIR"])
        values.update(overrides)
        return replace(cls(), **values)


class LocalStack:
    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = opts = options or StackOptions()
        if opts.s3_endpoint_url is not None and not (opts.s3_access_key_id and opts.s3_secret_access_key):
            raise DevstackError("S3_ENDPOINT_URL given without S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY")
        data_dir = opts.data_dir.resolve()
        self.postgres = PostgresPart(
            database=opts.database,
            data_dir=data_dir / "postgres",
            url=opts.database_url,
            ready_timeout=opts.ready_timeout,
            drop_database_on_stop=opts.drop_database_on_stop,
        )
        self.s3_access_key_id = opts.s3_access_key_id or "devstack"
        self.s3_secret_access_key = opts.s3_secret_access_key or secrets.token_urlsafe(24)
        self.broker: TansuBroker | None = None
        self.s3_server: SeaweedS3 | None = None
        # One allocator for every port of the stack, held until all are picked: a port released
        # early is handed out again by the kernel (measured: Tansu and the volume server once
        # got the same one). Picked once, kept across part restarts so clients reconnect.
        with PortAllocator() as ports:
            if opts.kafka_bootstrap_servers is None:
                self.broker = TansuBroker(
                    data_dir=data_dir / "tansu",
                    port=ports.take(opts.kafka_port),
                    topics=opts.topics,
                    partitions=opts.partitions,
                    ready_timeout=opts.ready_timeout,
                    stop_grace=opts.stop_grace,
                )
            if opts.s3_endpoint_url is None:
                self.s3_server = SeaweedS3(
                    data_dir=data_dir / "seaweed",
                    ports=SeaweedPorts.pick(ports, opts.s3_port),
                    access_key_id=self.s3_access_key_id,
                    secret_access_key=self.s3_secret_access_key,
                    bucket=opts.bucket,
                    region=opts.region,
                    ready_timeout=opts.ready_timeout,
                    stop_grace=opts.stop_grace,
                )
        self._started = False
        self._lock_fd: int | None = None

    @property
    def kafka_bootstrap_servers(self) -> str:
        if self.broker is not None:
            return self.broker.bootstrap_servers
        assert self.options.kafka_bootstrap_servers is not None
        return self.options.kafka_bootstrap_servers

    @property
    def s3_endpoint_url(self) -> str:
        if self.s3_server is not None:
            return self.s3_server.endpoint_url
        assert self.options.s3_endpoint_url is not None
        return self.options.s3_endpoint_url

    @property
    def endpoints(self) -> StackEndpoints:
        if not self._started:
            raise DevstackError("stack not started")
        return StackEndpoints(
            database_url=self.postgres.url,
            kafka_bootstrap_servers=self.kafka_bootstrap_servers,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_access_key_id=self.s3_access_key_id,
            s3_secret_access_key=self.s3_secret_access_key,
            s3_bucket=self.options.bucket,
            s3_region=self.options.region,
        )

    @property
    def parts(self) -> list[Part]:
        """The handles of this stack's parts, including those only reached (pid None)."""
        candidates: list[Part | None] = [self.postgres, self.broker, self.s3_server]
        return [part for part in candidates if part is not None]

    def pids(self) -> dict[str, int]:
        """PIDs of the processes this stack runs, by part name."""
        return {part.name: pid for part in self.parts if (pid := part.pid) is not None}

    async def start(self) -> None:
        """Start or reach every part concurrently; on any failure stop what was started, raise."""
        self._lock_data_dir()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.postgres.start())
                group.create_task(self._start_kafka())
                group.create_task(self._start_s3())
        except BaseException as exc:
            await self.stop()
            if isinstance(exc, BaseExceptionGroup):
                errors = exc.exceptions
                # One failing part is the common case: raise its error, not a group.
                if len(errors) == 1 and isinstance(errors[0], Exception):
                    raise errors[0] from None
            raise
        self._started = True

    def _lock_data_dir(self) -> None:
        """Two stacks on one data dir would share SeaweedFS's files: refuse with a clear error
        (flock, so a crashed holder releases it with its death)."""
        if self._lock_fd is not None:
            return
        self.options.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.options.data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DevstackError(
                f"{self.options.data_dir} is in use by another stack (pid {holder}); "
                "use another --name/--data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _unlock_data_dir(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    async def _start_kafka(self) -> None:
        if self.broker is not None:
            await self.broker.start()
            return
        bootstrap = self.kafka_bootstrap_servers
        # A broker from outside is reached the way the services reach it: with the KAFKA_SECURITY_*
        # / KAFKA_SASL_* / KAFKA_SSL_* variables of this environment.
        settings = client_settings(bootstrap, security_from_env(os.environ))
        await wait_until_ready(
            f"Kafka at {bootstrap}", lambda: check_kafka(settings), within=self.options.ready_timeout
        )
        await ensure_topics(settings, self.options.topics, self.options.partitions)

    async def _start_s3(self) -> None:
        if self.s3_server is not None:
            await self.s3_server.start()
            return
        opts = self.options
        async with admin_client(
            self.s3_endpoint_url, self.s3_access_key_id, self.s3_secret_access_key, opts.region
        ) as client:
            await wait_until_ready(
                f"S3 at {self.s3_endpoint_url}", lambda: check_s3(client), within=opts.ready_timeout
            )
            await ensure_bucket(client, opts.bucket, opts.region)

    async def stop(self) -> None:
        """Stop every process this stack started (never outside servers); safe to call twice.
        A cancellation (second Ctrl-C) waits for the stops to finish before propagating, so no
        server is left half-stopped."""
        stopping = asyncio.ensure_future(
            asyncio.gather(*(part.stop() for part in self.parts), return_exceptions=True)
        )
        try:
            results = await asyncio.shield(stopping)
        except asyncio.CancelledError:
            await stopping
            raise
        finally:
            self._started = False
            self._unlock_data_dir()
        for result in results:
            if isinstance(result, BaseException):
                log.error("stopping a part failed: %r", result)

    async def __aenter__(self) -> LocalStack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
