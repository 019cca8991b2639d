"""The fault-injection rig: a stack, the API and render replicas of our own, per test module.

Nothing here is shared with the session fixtures of `tests/conftest.py`: these tests kill and
restart processes (render replicas, the API, Tansu, SeaweedFS, PostgreSQL), so every module gets
its own LocalStack (own data dir, own database, own ports), the API as a child process (so it can
be SIGKILLed by PID too) and render replicas as child processes, all with fast settings so that
recoveries take seconds (leases, stale-job republish, storage retry budget, watchdog).

The rest of the suite's helpers live next to it: `waiting` and `timings` (deadlines, recovery
times), `postgres_server`, `catalog`, `polling` (a client's view of a job), `stores` (database,
S3 and Kafka access, mixed into `Rig`), `processes` (PIDs, SIGKILL), `chunks` (mid-job
triggers) and `allowed_endings` (`verify_completed`, `verify_failed_clean`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from devtools.services import ServiceProcess
from devtools.stack import LocalStack, StackOptions
from devtools.system import Services, service_env
from shared.db.migrate import migrate
from shared.db.pool import create_pool
from shared.settings import CommonSettings
from tests.faults.postgres_server import ensure_postgres_running
from tests.faults.processes import alive
from tests.faults.stores import StoreAccess
from tests.faults.waiting import now
from tests.support.api import Api, Tenant
from tests.support.tenants import make_tenant

# Fast recovery settings (docs/reliability.md lists them): failures heal in seconds instead of minutes.
FAST_ENV = {
    "RENDER_POOL_SIZE": "1",  # two cores: two replicas with one render process each
    "RENDER_CHUNK_SIZE": "1000",  # modest jobs fan out into many chunks ...
    "RENDER_INLINE_MAX_ITEMS": "100",  # ... and only tiny ones render inline in the planner
    "RENDER_CHUNK_LEASE_SECONDS": "5",
    "RENDER_ASSEMBLY_LEASE_SECONDS": "10",
    "RENDER_STORAGE_RETRY_BUDGET_SECONDS": "15",
    "RENDER_WATCHDOG_INTERVAL_SECONDS": "2",
    "STALE_JOB_SECONDS": "5",
}


class Rig(StoreAccess):
    """One module's own stack + API + render replicas."""

    def __init__(self, name: str, stack: LocalStack, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.stack = stack
        self.env = env
        self.log_dir = log_dir
        self.db: asyncpg.Pool = None
        self.services = Services(env=env, log_dir=log_dir)
        self.api = self.services.api()
        self.renders = self.services.renders
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
            env = service_env(stack.endpoints, group_prefix=f"faults-{run_id}-{name}", extra=FAST_ENV)
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
        return self.services.render(name)

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
        name = name or f"faults-{uuid.uuid4().hex[:8]}"
        return await make_tenant(self.db, name, per_minute=1_000_000, per_day=10_000_000)

    @contextlib.asynccontextmanager
    async def client(self, tenant: Tenant, *, timeout: float = 15) -> AsyncIterator[Api]:
        """An API client whose every request gives up after `timeout` s (no hangs)."""
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout), connector=connector
        ) as s:
            yield Api(s, self.api.url, tenant)
