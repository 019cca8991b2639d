"""The fault-injection rig: a stack, the API and render replicas of our own, per test module.

Nothing here is shared with the session fixtures of `tests/conftest.py`: these tests kill and
restart processes (render replicas, the API, Tansu, SeaweedFS, PostgreSQL), so every module gets
its own LocalStack (own data dir, own database, own ports), the API as a child process (so it can
be SIGKILLed by PID too) and render replicas as child processes, all with fast settings so that
recoveries take seconds (leases, stale-job republish, storage retry budget, watchdog).

Helpers check the two allowed endings of every fault:
- `verify_completed`: the artifact holds every entity exactly once, in order (manifest ids =
  the catalog's ids), a sample of symbols decodes to the expected GS1 data, its SHA-256 is the
  one recorded, and the job's S3 prefix holds the final artifact only (no parts, no
  half-finished multipart uploads).
- `verify_failed_clean`: failed with a readable error, no download URL, and nothing under the
  job's S3 prefix.
Recovery times go to `TIMINGS` (printed at the end of the run and written to
`test-artifacts/<run>/faults/timings.json`, the source of docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import os
import random
import signal
import subprocess
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from api_service.adapters import api_keys_repo, catalog_repo
from shared.db.migrate import migrate
from shared.db.pool import create_pool
from shared.devstack.services import ServiceProcess
from shared.devstack.stack import LocalStack, StackOptions
from shared.s3 import s3_client
from shared.settings import CommonSettings
from tests.support.api import EXPORTS, Api, Tenant
from tests.support.readers import decode_png

T = TypeVar("T")

GTIN = "09506000134352"
EXPIRY = "2027-06-30"
EXPIRY_AI = "270630"
PG_CLUSTER = ("15", "main")

# Fast recovery settings (the brief's values): failures heal in seconds instead of minutes.
FAST_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "RENDER_POOL_SIZE": "1",  # two cores: two replicas with one render process each
    "RENDER_CHUNK_SIZE": "1000",  # modest jobs fan out into many chunks ...
    "RENDER_INLINE_MAX_ITEMS": "100",  # ... and only tiny ones render inline in the planner
    "RENDER_CHUNK_LEASE_SECONDS": "5",
    "RENDER_ASSEMBLY_LEASE_SECONDS": "10",
    "RENDER_STORAGE_RETRY_BUDGET_SECONDS": "15",
    "RENDER_WATCHDOG_INTERVAL_SECONDS": "2",
    "STALE_JOB_SECONDS": "5",
    "LOG_LEVEL": "INFO",
}

# Errors a test's own database access may meet while PostgreSQL restarts.
DB_DOWN: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
)

TIMINGS: list[dict[str, Any]] = []


def record(scenario: str, **facts: Any) -> dict[str, Any]:
    """Keep one measured fact sheet per scenario (rounded seconds)."""
    entry = {
        "scenario": scenario,
        **{k: round(v, 2) if isinstance(v, float) else v for k, v in facts.items()},
    }
    TIMINGS.append(entry)
    return entry


def now() -> float:
    return time.monotonic()


async def wait_for(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float, what: str, interval: float = 0.1
) -> T:
    """Call `probe` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = now() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if now() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


# ----------------------------------------------------------------------------------------------
# PostgreSQL (the machine's server: restarted by scenario 6, shared with anything else running)


def _pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, action],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


async def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_pg_ctl, action)


async def postgres_answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=2)
    except Exception:
        return False
    try:
        await conn.fetchval("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        await conn.close()


async def ensure_postgres_running(url: str, within: float = 60) -> None:
    """Start the machine's cluster if it does not answer (never leave it stopped)."""
    if await postgres_answers(url):
        return
    await pg_ctl("start")  # exit code 2 = already running: fine
    await wait_for(lambda: postgres_answers(url), timeout=within, what="PostgreSQL to answer", interval=0.2)


# ----------------------------------------------------------------------------------------------
# Catalog data


@dataclass
class Catalog:
    """Serials of one lot, in creation (= export) order."""

    lot_id: str
    lot_number: str
    ids: list[str]
    serials: list[str]

    def encoded(self, index: int) -> str:
        """What the DataMatrix of the index-th entity must decode to (GS1, FNC1 as GS)."""
        return f"01{GTIN}17{EXPIRY_AI}10{self.lot_number}\x1d21{self.serials[index]}"

    @property
    def body(self) -> dict[str, Any]:
        """An export of exactly these serials as DataMatrix PNGs."""
        return {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [self.lot_id]},
        }


async def make_catalog(api: Api, count: int, lot_number: str | None = None) -> Catalog:
    products = await api.get("/products/api/v1/products/")
    existing = [p for p in products.body["data"] if p["gtin"] == GTIN]
    product = existing[0] if existing else await api.product(GTIN)
    lot_number = lot_number or f"L{uuid.uuid4().hex[:8].upper()}"
    lot = (await api.lots(product["id"], [{"lot_number": lot_number, "expiry_date": EXPIRY}]))["ids"][0]
    ids: list[str] = []
    serials: list[str] = []
    width = max(6, len(str(count)))
    while len(ids) < count:  # bulk create takes 100,000 at most
        n = min(count - len(ids), 100_000)
        answer = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": n}})
        assert answer.status == 201, answer.body
        ids += answer.body["ids"]
    serials = [f"{n:0{width}d}" for n in range(1, count + 1)]
    return Catalog(lot_id=lot, lot_number=lot_number, ids=ids, serials=serials)


# ----------------------------------------------------------------------------------------------
# Polling like a client, with timeouts


@dataclass
class PollLog:
    """Every answer a poller saw: status codes, and the worst latency."""

    codes: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    max_latency: float = 0.0

    def add(self, code: int, latency: float) -> None:
        self.codes[code] = self.codes.get(code, 0) + 1
        self.max_latency = max(self.max_latency, latency)


def check_unavailable_envelope(answer: Any) -> None:
    """A 503 must be the SPEC §1.4 envelope with a Retry-After, never HTML or a traceback."""
    assert isinstance(answer.body, dict) and set(answer.body) == {"error"}, answer.body
    error = answer.body["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and error["status"] == 503, error
    assert isinstance(error["message"], str) and error["message"], error
    assert answer.headers.get("Retry-After"), dict(answer.headers)


async def poll_terminal(
    api: Api,
    job_id: str,
    *,
    timeout: float,
    tolerate_unavailable: bool = False,
    log: PollLog | None = None,
    interval: float = 0.1,
) -> dict[str, Any]:
    """Poll until completed/failed, checking that progress never goes down and a terminal state
    stays put. With `tolerate_unavailable`, 503 (in the envelope) and refused connections (the
    API being restarted) are retried; anything else fails the test."""
    deadline = now() + timeout
    last = 0
    while True:
        started = now()
        try:
            answer = await api.get(f"{EXPORTS}{job_id}/")
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            if not tolerate_unavailable or isinstance(exc, asyncio.TimeoutError):
                raise
            if log is not None:
                log.errors.append(f"{type(exc).__name__}: {exc}")
            answer = None
        if answer is not None:
            if log is not None:
                log.add(answer.status, now() - started)
            if answer.status == 503 and tolerate_unavailable:
                check_unavailable_envelope(answer)
            else:
                assert answer.status == 200, (answer.status, answer.body)
                body = answer.body
                assert body["processed_items"] >= last, f"processed_items went down: {last} -> {body}"
                last = body["processed_items"]
                if body["status"] in ("completed", "failed"):
                    return body  # type: ignore[no-any-return]
        if now() > deadline:
            raise AssertionError(f"job {job_id} not terminal after {timeout:.0f}s")
        await asyncio.sleep(interval)


# ----------------------------------------------------------------------------------------------
# The rig


class Rig:
    """One module's own stack + API + render replicas."""

    def __init__(self, name: str, stack: LocalStack, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.stack = stack
        self.env = env
        self.log_dir = log_dir
        self.db: asyncpg.Pool = None
        self.api = ServiceProcess(
            module="api_service", name="api", env=env, log_dir=log_dir, port_var="API_PORT"
        )
        self.renders: dict[str, ServiceProcess] = {}
        self._s3: Any = None  # one S3 client for the module's checks (reconnects after restarts)
        self._exits = contextlib.AsyncExitStack()
        fields: dict[str, Any] = {
            k.lower(): v for k, v in env.items() if k.lower() in CommonSettings.model_fields
        }
        self.settings = CommonSettings(**fields)

    # -- life cycle -----------------------------------------------------------------------------
    @classmethod
    async def create(cls, *, name: str, run_id: str, data_dir: Path, log_dir: Path) -> Rig:
        options = StackOptions.from_env(
            {},  # never an outside endpoint: these tests stop and start every part themselves
            database=f"labels_faults_{run_id}_{name}"[:63],
            drop_database_on_stop=True,
            data_dir=data_dir,
        )
        stack = LocalStack(options)
        await stack.start()
        rig: Rig | None = None
        try:
            await migrate(stack.endpoints.database_url)
            env = {
                **stack.endpoints.as_env(),
                **FAST_ENV,
                "RENDER_PLANNER_GROUP_ID": f"faults-planner-{run_id}-{name}",
                "RENDER_WORKER_GROUP_ID": f"faults-worker-{run_id}-{name}",
                "PROJECTION_GROUP_ID": f"faults-projection-{run_id}-{name}",
            }
            rig = cls(name, stack, env, log_dir)
            rig.db = await create_pool(rig.settings, min_size=1, max_size=4)
            await rig.start(rig.api)
        except BaseException:
            if rig is not None:
                await rig.close()
            else:
                await stack.stop()
            raise
        return rig

    async def close(self) -> None:
        await ensure_postgres_running(self.stack.endpoints.database_url)
        for proc in [*self.renders.values(), self.api]:
            with contextlib.suppress(Exception):
                await proc.stop(grace=20)
        with contextlib.suppress(Exception):
            await self._exits.aclose()
        if self.db is not None:
            try:
                await asyncio.wait_for(self.db.close(), 10)
            except Exception:
                self.db.terminate()
        # Parts stopped by a test may be down: start() is a no-op when running, and stop() of a
        # stopped part is a no-op too, so the database drop below always has a server.
        await self.stack.stop()

    def mark(self, text: str) -> None:
        """Write a marker line into every service log of this rig (to find a scenario in them)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for proc in [self.api, *self.renders.values()]:
            with proc.log_path.open("a") as handle:
                handle.write(f"=== {time.strftime('%H:%M:%S')} {text}\n")

    async def start(self, proc: ServiceProcess) -> float:
        """Start a service (marked in its log); returns the seconds until it was ready."""
        proc.log_path.parent.mkdir(parents=True, exist_ok=True)
        with proc.log_path.open("a") as handle:
            handle.write(f"=== {time.strftime('%H:%M:%S')} starting {proc.name}\n")
        started = now()
        await proc.start()
        with proc.log_path.open("a") as handle:
            handle.write(f"=== {time.strftime('%H:%M:%S')} {proc.name} ready, pid {proc.pid}\n")
        return now() - started

    # -- render replicas ------------------------------------------------------------------------
    def render(self, name: str) -> ServiceProcess:
        """The replica called `name` (same RENDER_INSTANCE_ID across restarts, like a pod name)."""
        if name not in self.renders:
            self.renders[name] = ServiceProcess(
                module="render_service",
                name=name,
                env={**self.env, "RENDER_INSTANCE_ID": name},
                log_dir=self.log_dir,
                port_var="RENDER_HTTP_PORT",
            )
        return self.renders[name]

    async def ensure_renders(self, *names: str) -> list[ServiceProcess]:
        """Exactly these replicas running (others stopped gracefully); returns them."""
        for other, proc in self.renders.items():
            if other not in names and alive(proc):
                await proc.stop()
        procs = [self.render(n) for n in names]
        await asyncio.gather(*(self.start(p) for p in procs if not alive(p)))
        return procs

    # -- tenants and clients --------------------------------------------------------------------
    async def tenant(self, name: str | None = None) -> Tenant:
        org = await catalog_repo.create_organization(self.db, name=name or f"faults-{uuid.uuid4().hex[:8]}")
        key_id, key = await api_keys_repo.create_key(self.db, organization_id=org, name="faults")
        await api_keys_repo.set_rate_limits(self.db, key_id=key_id, per_minute=1_000_000, per_day=10_000_000)
        return Tenant(organization_id=org, api_key=key, key_id=key_id)

    @contextlib.asynccontextmanager
    async def client(self, tenant: Tenant, *, timeout: float = 15) -> AsyncIterator[Api]:
        """An API client whose every request gives up after `timeout` s (no hangs)."""
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout), connector=connector
        ) as s:
            yield Api(s, self.api.url, tenant)

    # -- database, tolerant of a restarting server -----------------------------------------------
    async def q(self, method: str, sql: str, *args: Any, within: float = 60) -> Any:
        deadline = now() + within
        while True:
            try:
                return await getattr(self.db, method)(sql, *args)
            except DB_DOWN:
                if now() > deadline:
                    raise
                await asyncio.sleep(0.2)

    # -- S3 -------------------------------------------------------------------------------------
    @staticmethod
    def job_prefix(tenant: Tenant, job_id: str) -> str:
        return f"exports/{tenant.organization_id}/{job_id}/"

    async def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = await self._exits.enter_async_context(s3_client(self.settings))
        return self._s3

    async def s3_keys(self, prefix: str) -> list[str]:
        s3 = await self.s3()
        keys: list[str] = []
        async for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.settings.s3_bucket, Prefix=prefix
        ):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    async def open_uploads(self, prefix: str) -> list[str]:
        """Multipart uploads started and never completed or aborted under `prefix`."""
        s3 = await self.s3()
        page = await s3.list_multipart_uploads(Bucket=self.settings.s3_bucket, Prefix=prefix)
        return [u["Key"] for u in page.get("Uploads", [])]

    async def download(self, api: Api, url: str) -> bytes:
        async with api.session.get(url) as resp:
            assert resp.status == 200, (resp.status, await resp.text())
            return await resp.read()

    # -- Kafka ----------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def producer(self) -> AsyncIterator[AIOKafkaProducer]:
        producer = AIOKafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap_servers, linger_ms=0)
        await producer.start()
        try:
            yield producer
        finally:
            await producer.stop()

    async def read_topic(
        self, topic: str, *, idle: float = 2.0, first_wait: float = 10.0
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Everything on `topic` from offset 0, read by a fresh consumer without a group (no
        commits, nothing shared with the services); stops after `idle` s without a new record.
        (Tansu's end_offsets() is unreliable after batched produce: DESIGN §3.)"""
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        records: list[ConsumerRecord[bytes, bytes]] = []
        try:
            quiet_since = now()
            while True:
                batch = await consumer.getmany(timeout_ms=200)
                got = [r for rs in batch.values() for r in rs]
                if got:
                    records += got
                    quiet_since = now()
                elif now() - quiet_since > (idle if records else max(idle, first_wait)):
                    break
        finally:
            await consumer.stop()
        return records


def alive(proc: ServiceProcess) -> bool:
    return proc.proc is not None and proc.proc.poll() is None


def descendants(pid: int) -> list[int]:
    """PIDs of a process's children, grandchildren... (from /proc), e.g. a replica's pool."""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as handle:
                    kids = [int(k) for k in handle.read().split()]
            except OSError:
                continue
            found += kids
            stack += kids
    return found


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def processes_with_env(*pairs: str) -> list[int]:
    """PIDs whose environment holds every `NAME=value` in `pairs` (scanned from /proc): finds a
    replica's forkserver, resource tracker and pool workers by the unique ids we gave it."""
    wanted = [p.encode() for p in pairs]
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        if all(w in environ for w in wanted):
            found.append(int(entry))
    return found


def replica_processes(proc: ServiceProcess) -> list[int]:
    """The replica and everything it started (by the run-unique group id and its instance id)."""
    return processes_with_env(
        f"RENDER_WORKER_GROUP_ID={proc.env['RENDER_WORKER_GROUP_ID']}",
        f"RENDER_INSTANCE_ID={proc.env['RENDER_INSTANCE_ID']}",
    )


async def sigkill(proc: ServiceProcess) -> list[int]:
    """SIGKILL a service by its PID and reap it; returns the PIDs of the processes it had started
    (its process pool), so the caller can see whether they go away by themselves."""
    assert proc.proc is not None and proc.pid is not None
    pid = proc.pid
    found = set(descendants(pid))
    if "RENDER_INSTANCE_ID" in proc.env:
        found |= set(replica_processes(proc))
    children = sorted(found - {pid})
    proc.proc.send_signal(signal.SIGKILL)
    await asyncio.to_thread(proc.proc.wait, 10)
    return children


async def reap_orphans(pids: list[int], within: float = 5) -> list[int]:
    """Wait up to `within` s for a killed replica's pool processes to exit on their own; SIGKILL
    (by PID: we started them) and return the ones that did not."""
    deadline = now() + within
    while now() < deadline and any(pid_alive(p) for p in pids):
        await asyncio.sleep(0.2)
    left = [p for p in pids if pid_alive(p)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


# ----------------------------------------------------------------------------------------------
# Mid-job triggers


async def chunk_leased_by(rig: Rig, job_id: str, replica: str) -> int | None:
    """Index of a chunk `replica` is rendering right now (live lease, not done), else None."""
    value = await rig.q(
        "fetchval",
        """SELECT chunk_index FROM render.chunks WHERE job_id = $1 AND status = 'pending'
               AND lease_token LIKE $2 AND lease_until > now() ORDER BY chunk_index LIMIT 1""",
        job_id,
        f"{replica}/%",
    )
    return value if value is not None else None


async def wait_chunk_in_hand(rig: Rig, job_id: str, replica: str, timeout: float = 60) -> int:
    async def probe() -> int | None:
        index = await chunk_leased_by(rig, job_id, replica)
        return None if index is None else index + 1  # 0 is a valid index: make it truthy

    return (
        await wait_for(probe, timeout=timeout, what=f"{replica} to render a chunk of {job_id}", interval=0.02)
        - 1
    )


async def done_chunks(rig: Rig, job_id: str) -> int:
    return int(
        await rig.q(
            "fetchval", "SELECT count(*) FROM render.chunks WHERE job_id = $1 AND status = 'done'", job_id
        )
    )


async def wait_done_chunks(rig: Rig, job_id: str, at_least: int, timeout: float = 60) -> int:
    async def probe() -> int | None:
        n = await done_chunks(rig, job_id)
        return n if n >= at_least else None

    return await wait_for(
        probe, timeout=timeout, what=f"{at_least} finished chunks of {job_id}", interval=0.02
    )


# ----------------------------------------------------------------------------------------------
# The two allowed endings


async def verify_completed(
    rig: Rig, api: Api, tenant: Tenant, status: dict[str, Any], catalog: Catalog, *, sample: int = 25
) -> bytes:
    """Completed with a correct artifact: every entity exactly once in order, sampled symbols
    decode to the expected data, recorded SHA-256 matches, only the final object remains."""
    job_id = status["job_id"]
    assert status["status"] == "completed", status
    assert status["error"] is None and status["download_url"], status
    total = len(catalog.ids)
    assert status["total_items"] == status["processed_items"] == total, status
    data = await rig.download(api, status["download_url"])
    assert len(data) == status["file_size_bytes"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(set(names)) == total + 1, "duplicate or missing entries"
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["entity_id"] for row in manifest] == catalog.ids, "manifest ids differ from the catalog"
    picks = sorted({0, total - 1, *random.Random(job_id).sample(range(total), min(sample, total))})
    for i in picks:
        decoded = decode_png(archive.read(manifest[i]["file_name"]))
        assert decoded == [("]d2", catalog.encoded(i))], (i, manifest[i]["file_name"], decoded)
    recorded = await rig.q("fetchval", "SELECT sha256 FROM api.export_jobs WHERE job_id = $1", job_id)
    assert hashlib.sha256(data).hexdigest() == recorded
    prefix = rig.job_prefix(tenant, job_id)
    assert await rig.s3_keys(prefix) == [prefix + status["output_filename"]], "parts or strays left in S3"
    assert await rig.open_uploads(prefix) == [], "a multipart upload was left open"
    assert (
        await rig.q("fetchval", "SELECT count(*) FROM render.print_history WHERE job_id = $1", job_id)
        == total
    )
    return data


async def verify_failed_clean(
    rig: Rig, tenant: Tenant, status: dict[str, Any], *, cleanup_within: float = 30
) -> float:
    """Failed with a readable error, nothing offered, nothing left under the job's prefix
    (waits for the watchdog when the store was down at failure time); returns the wait."""
    assert status["status"] == "failed", status
    assert isinstance(status["error"], str) and len(status["error"]) > 10, status
    assert "Traceback" not in status["error"]
    assert status["download_url"] is None and status["expires_at"] is None, status
    assert status["output_filename"] is None and status["file_size_bytes"] == 0, status
    job_id = status["job_id"]
    prefix = rig.job_prefix(tenant, job_id)
    started = now()

    async def settled() -> bool:
        # A worker that was mid-chunk when the job failed may still write its part and then
        # delete it (it checks the job after every write): wait until no chunk of the job is
        # leased any more and the prefix is empty.
        live = await rig.q(
            "fetchval",
            "SELECT count(*) FROM render.chunks WHERE job_id = $1 AND status = 'pending'"
            " AND lease_until > now()",
            job_id,
        )
        return live == 0 and not await rig.s3_keys(prefix)

    await wait_for(
        settled, timeout=cleanup_within, what=f"objects under {prefix} to be deleted", interval=0.25
    )
    took = now() - started
    await asyncio.sleep(3)  # and it stays empty
    assert await rig.s3_keys(prefix) == [], "objects of the failed job re-appeared"
    assert await rig.open_uploads(prefix) == []
    return took
