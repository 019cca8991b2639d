"""The local infrastructure launcher (devtools): real Tansu, SeaweedFS and PostgreSQL.

One stack serves the module (~1 s to start, ~1.3 s to stop); tests that stop or restart parts
either use their own stack or leave the shared one running as they found it. Names carry a
per-run suffix because Postgres is the machine's, shared with other runs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aioboto3
import aiohttp
import asyncpg
import pytest
from aiokafka import TopicPartition
from botocore.config import Config
from botocore.exceptions import ClientError

from devtools import DevstackError, LocalStack, StackEndpoints, StackOptions
from devtools import postgres as devstack_postgres
from devtools.kafka_admin import client_settings
from devtools.ports import free_port
from devtools.postgres import PostgresPart, with_database
from shared.kafka import make_admin, make_consumer, make_producer

pytestmark = pytest.mark.timeout(90)

REPO = Path(__file__).resolve().parents[2]
RUN_ID = secrets.token_hex(4)
DATABASE = f"devstack_test_{RUN_ID}"
TOPICS = (f"devstack-test-a-{RUN_ID}", f"devstack-test-b-{RUN_ID}")
BUCKET = "devstack-test"
ENDPOINT_VARS = set(StackEndpoints("", "", "", "", "", "", "").as_env())
MACHINE_URL = devstack_postgres.MACHINE_URL  # before any test patches it


def _options(data_dir: Path, database: str = DATABASE, **overrides: Any) -> StackOptions:
    # Explicit options, not from_env: these tests are about the parts we start. Only Postgres
    # follows DATABASE_URL (CI without a machine server), on a database of our own.
    given = os.environ.get("DATABASE_URL")
    return StackOptions(
        data_dir=data_dir,
        database=database,
        database_url=with_database(given, database) if given else None,
        topics=TOPICS,
        partitions=4,
        bucket=BUCKET,
        drop_database_on_stop=True,
        stop_grace=5.0,
        **overrides,
    )


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalStack]:
    async with LocalStack(_options(tmp_path_factory.mktemp("devstack"))) as running:
        yield running


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


def _listening(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket the process holds, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A = LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            raw = bytes.fromhex(addr_hex)
            # The kernel prints the address as host-order 32-bit words.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add((socket.inet_ntop(family, raw), int(port_hex, 16)))
    return found


def _s3_client(endpoints: StackEndpoints, secret: str | None = None) -> Any:
    return aioboto3.Session().client(
        "s3",
        endpoint_url=endpoints.s3_endpoint_url,
        region_name=endpoints.s3_region,
        aws_access_key_id=endpoints.s3_access_key_id,
        aws_secret_access_key=secret or endpoints.s3_secret_access_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


async def _produce_and_consume(bootstrap: str, topic: str) -> None:
    value = secrets.token_bytes(8)
    settings = client_settings(bootstrap)
    producer = make_producer(settings)
    await producer.start()
    try:
        assert await producer.partitions_for(topic) == {0, 1, 2, 3}
        sent = await producer.send_and_wait(topic, value, partition=2)
    finally:
        await producer.stop()
    # Plain assignment, no group: a Tansu group join waits half the session timeout.
    consumer = make_consumer(settings, group_id=None)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 2)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), 10)
    finally:
        await consumer.stop()
    assert record.value == value


async def test_kafka_topics_exist_with_partitions_and_carry_messages(stack: LocalStack) -> None:
    await _produce_and_consume(stack.endpoints.kafka_bootstrap_servers, TOPICS[0])


async def test_s3_accepts_sigv4_and_refuses_unsigned_or_wrongly_signed(stack: LocalStack) -> None:
    endpoints = stack.endpoints
    key = f"devstack/{RUN_ID}.txt"
    async with _s3_client(endpoints) as s3:
        await s3.put_object(Bucket=BUCKET, Key=key, Body=b"label")
        got = await (await s3.get_object(Bucket=BUCKET, Key=key))["Body"].read()
        presigned = await s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60
        )
    assert got == b"label"
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in presigned

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{endpoints.s3_endpoint_url}/{BUCKET}/{key}") as unsigned:
            assert unsigned.status == 403
        async with http.get(presigned) as signed:
            assert signed.status == 200
            assert await signed.read() == b"label"

    async with _s3_client(endpoints, secret="not-the-secret") as wrong:
        with pytest.raises(ClientError) as refused:
            await wrong.get_object(Bucket=BUCKET, Key=key)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


async def test_postgres_database_is_created_and_answers(stack: LocalStack) -> None:
    conn = await asyncpg.connect(stack.endpoints.database_url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_database()") == DATABASE
    finally:
        await conn.close()


async def test_servers_listen_on_loopback_only(stack: LocalStack) -> None:
    assert stack.broker is not None and stack.s3_server is not None
    assert stack.broker.pid is not None and stack.s3_server.pid is not None
    assert _listening(stack.broker.pid) == {("127.0.0.1", stack.broker.port)}
    # SeaweedFS's admin server comes up ~0.5 s after S3 answers: wait for the full set.
    expected = {("127.0.0.1", port) for port in stack.s3_server.ports.all()}
    for _ in range(100):
        found = _listening(stack.s3_server.pid)
        if found >= expected:
            break
        await asyncio.sleep(0.05)
    assert found == expected


async def test_broker_stops_and_starts_again_on_the_same_port(stack: LocalStack) -> None:
    broker = stack.broker
    assert broker is not None
    old_pid, bootstrap = broker.pid, broker.bootstrap_servers
    assert old_pid is not None

    await broker.stop()
    assert broker.pid is None and not _alive(old_pid)
    assert await _refuses_connections(broker.port)

    await broker.start()
    assert broker.pid is not None and broker.pid != old_pid
    assert broker.bootstrap_servers == bootstrap
    # Memory storage starts empty: start() has re-created the topics, 4 partitions each.
    await _produce_and_consume(bootstrap, TOPICS[1])


async def test_s3_server_killed_by_pid_starts_again_with_its_data(stack: LocalStack) -> None:
    server = stack.s3_server
    assert server is not None and server.pid is not None
    key = f"devstack/{RUN_ID}-survives.txt"
    async with _s3_client(stack.endpoints) as s3:
        await s3.put_object(Bucket=BUCKET, Key=key, Body=b"kept")

    old_pid = server.pid
    os.kill(old_pid, signal.SIGKILL)  # what a fault-injection test does
    for _ in range(100):
        if not server.running:
            break
        await asyncio.sleep(0.02)
    assert not server.running and not _alive(old_pid)

    await server.start()
    assert server.pid not in (None, old_pid)
    async with _s3_client(stack.endpoints) as s3:
        assert await (await s3.get_object(Bucket=BUCKET, Key=key))["Body"].read() == b"kept"


async def test_given_endpoints_are_waited_for_and_set_up_not_started(
    stack: LocalStack, tmp_path: Path
) -> None:
    outer = stack.endpoints
    topic = f"devstack-test-given-{RUN_ID}"
    options = StackOptions.from_env(
        env={**outer.as_env(), "S3_BUCKET": "devstack-test-given"},
        data_dir=tmp_path,
        topics=(topic,),
        partitions=2,
    )
    async with LocalStack(options) as given:
        assert given.broker is None and given.s3_server is None and given.pids() == {}
        assert given.endpoints == StackEndpoints(**{**vars(outer), "s3_bucket": "devstack-test-given"})

    admin = make_admin(client_settings(outer.kafka_bootstrap_servers))
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 2
    async with _s3_client(outer) as s3:
        await s3.head_bucket(Bucket="devstack-test-given")
    # Stopping the second stack left the first one's servers alone.
    assert stack.broker is not None and stack.broker.running
    assert stack.s3_server is not None and stack.s3_server.running


async def test_stop_ends_every_process_it_started_and_nothing_else(tmp_path: Path) -> None:
    database = f"{DATABASE}_stop"
    stack = LocalStack(_options(tmp_path, database=database))
    await stack.start()
    assert stack.broker is not None and stack.s3_server is not None
    pids = stack.pids()
    assert set(pids) >= {"kafka", "s3"} and all(_alive(pid) for pid in pids.values())
    ports = [stack.broker.port, *stack.s3_server.ports.all()]
    admin_url = with_database(stack.endpoints.database_url, "postgres")

    await stack.stop()

    assert not any(_alive(pid) for pid in pids.values())
    assert stack.pids() == {}
    for port in ports:
        assert await _refuses_connections(port), port
    # The shared Postgres still runs; only the database this stack created is gone.
    conn = await asyncpg.connect(admin_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", database) == 0
    finally:
        await conn.close()


def test_options_from_env_reads_service_variables() -> None:
    options = StackOptions.from_env(
        env={
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
            "S3_BUCKET": "b-1",
            "S3_REGION": "eu-west-1",
            "DEVSTACK_S3_PORT": "18333",
            "DEVSTACK_DATA_DIR": "/tmp/x",
        },
        partitions=8,
    )
    assert options.kafka_bootstrap_servers == "k:9092"
    assert options.database_url is None and options.s3_endpoint_url is None
    assert (options.bucket, options.region, options.s3_port) == ("b-1", "eu-west-1", 18333)
    assert (options.data_dir, options.partitions) == (Path("/tmp/x"), 8)


class _FakePgServer:
    """Stands in for `pgserver.PostgresServer` (same calls), serving from the real server."""

    def __init__(self, pgdata: Path, cleanup_mode: str) -> None:
        self.pgdata, self.cleanup_mode, self.cleaned_up = pgdata, cleanup_mode, False

    def get_uri(self, database: str) -> str:
        server = os.environ.get("DATABASE_URL") or MACHINE_URL.format(database="postgres")
        return with_database(server, database)

    def get_pid(self) -> int:
        return 4242

    def cleanup(self) -> None:
        self.cleaned_up = True


def _no_machine_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    unused = free_port()  # nothing listens there
    monkeypatch.setattr(
        devstack_postgres, "MACHINE_URL", f"postgresql://postgres@127.0.0.1:{unused}/{{database}}"
    )
    monkeypatch.setattr(devstack_postgres, "_newest_cluster_version", lambda: None)


async def test_without_machine_postgres_pgserver_runs_it_and_stop_ends_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_machine_postgres(monkeypatch)
    servers: list[_FakePgServer] = []

    def get_server(pgdata: Path, cleanup_mode: str) -> _FakePgServer:
        servers.append(_FakePgServer(pgdata, cleanup_mode))
        return servers[-1]

    monkeypatch.setitem(sys.modules, "pgserver", type(sys)("pgserver"))
    monkeypatch.setattr(sys.modules["pgserver"], "get_server", get_server, raising=False)
    database = f"{DATABASE}_pgserver"
    part = PostgresPart(database=database, data_dir=tmp_path, drop_database_on_stop=True)
    await part.start()
    try:
        [server] = servers
        assert (server.pgdata, server.cleanup_mode) == (tmp_path / "pgdata", "stop")
        assert part.managed and part.pid == 4242 and part.created_database
        conn = await asyncpg.connect(part.url)
        try:
            assert await conn.fetchval("SELECT current_database()") == database
        finally:
            await conn.close()
    finally:
        await part.stop()
    assert server.cleaned_up and part.pid is None and not part.created_database


async def test_without_any_postgres_the_error_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_machine_postgres(monkeypatch)
    monkeypatch.setitem(sys.modules, "pgserver", None)  # import fails
    with pytest.raises(DevstackError, match=r"pip install pgserver.*DATABASE_URL"):
        await PostgresPart(database="unused", data_dir=tmp_path).start()


def _cli_env() -> dict[str, str]:
    # The CLI must start its own broker and S3, whatever the developer's shell exports.
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARS - {"DATABASE_URL"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _cli(*args: str) -> list[str]:
    # The shared stack's database (already there): the CLI does not drop what it creates.
    return [
        sys.executable,
        "-m",
        "devtools",
        *args[:1],
        "--database",
        DATABASE,
        "--topics",
        TOPICS[0],
        *args[1:],
    ]


async def test_cli_exec_runs_the_command_with_endpoints_and_returns_its_exit_code(
    stack: LocalStack, tmp_path: Path
) -> None:
    script = "import os, sys; print(os.environ['KAFKA_BOOTSTRAP_SERVERS']); sys.exit(3)"
    proc = await asyncio.create_subprocess_exec(
        *_cli("exec", "--data-dir", str(tmp_path), "--", sys.executable, "-c", script),
        cwd=REPO,
        env=_cli_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 3, err.decode()
    bootstrap = out.decode().strip()
    assert bootstrap.startswith("127.0.0.1:") and bootstrap != stack.endpoints.kafka_bootstrap_servers
    assert await _refuses_connections(int(bootstrap.rsplit(":", 1)[1]))


@pytest.mark.parametrize(
    ("signum", "given"),
    [(signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["ctrl-c-own-servers", "sigterm-given-endpoints"],
)
async def test_cli_up_publishes_endpoints_until_signalled(
    stack: LocalStack, tmp_path: Path, signum: signal.Signals, given: bool
) -> None:
    env = _cli_env()
    if given:  # endpoints from the environment: nothing started, and nothing of theirs stopped
        env.update(stack.endpoints.as_env())
    env_file = tmp_path / "stack.env"
    proc = await asyncio.create_subprocess_exec(
        *_cli("up", "--data-dir", str(tmp_path / "data"), "--env-file", str(env_file)),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 60)).decode() for _ in ENDPOINT_VARS]
        if not all(lines):  # exited before printing: show why
            pytest.fail((await proc.stderr.read()).decode())
        values = dict(shlex.split(line)[0].split("=", 1) for line in lines)
        assert set(values) == ENDPOINT_VARS
        assert env_file.read_text() == "".join(lines)
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the S3 secret
        kafka_port = int(values["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
        assert not await _refuses_connections(kafka_port)
    finally:
        proc.send_signal(signum)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0, (await proc.stderr.read()).decode()
    assert not env_file.exists()
    if given:
        assert values == stack.endpoints.as_env()
        assert stack.broker is not None and stack.broker.running
        assert stack.s3_server is not None and stack.s3_server.running
    else:
        assert values["KAFKA_BOOTSTRAP_SERVERS"] != stack.endpoints.kafka_bootstrap_servers
        assert await _refuses_connections(kafka_port)
