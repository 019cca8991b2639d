"""Session fixtures: one real stack (PostgreSQL, Tansu, SeaweedFS) per test run, the API served
in-process on a real socket, and render replicas as real processes.

Unit tests request none of these, so `pytest tests/unit` starts nothing.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from api_service.app import create_app
from api_service.settings import ApiSettings
from devtools.endpoints import StackEndpoints
from devtools.ports import free_port
from devtools.services import ServiceProcess
from devtools.stack import LocalStack, StackOptions
from devtools.system import Services
from devtools.system import service_env as service_env_for
from shared.db.migrate import migrate
from tests.support.api import Tenant
from tests.support.tenants import make_tenant

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
RUN_ID = secrets.token_hex(3)


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalStack]:
    options = StackOptions.from_env(
        database=f"labels_test_{RUN_ID}",
        drop_database_on_stop=True,
        data_dir=tmp_path_factory.mktemp("devstack"),
    )
    async with LocalStack(options) as local:
        await migrate(local.endpoints.database_url)
        yield local


@pytest.fixture(scope="session")
def endpoints(stack: LocalStack) -> StackEndpoints:
    return stack.endpoints


@pytest.fixture(scope="session")
def service_env(endpoints: StackEndpoints) -> dict[str, str]:
    """Environment of every service the tests start: groups unique to this run, and small chunks
    so modest test jobs fan out over both replicas (tiny jobs still go inline)."""
    return service_env_for(
        endpoints,
        group_prefix=f"tests-{RUN_ID}",
        extra={"RENDER_POOL_SIZE": "2", "RENDER_CHUNK_SIZE": "1000", "RENDER_INLINE_MAX_ITEMS": "200"},
    )


@pytest.fixture(scope="session")
async def db(endpoints: StackEndpoints) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(endpoints.database_url, min_size=1, max_size=4)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def api_url(service_env: dict[str, str]) -> AsyncIterator[str]:
    """The API application, in this process, on a real socket."""
    settings = ApiSettings(**{k.lower(): v for k, v in service_env.items()}, api_port=free_port())
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.api_port)
    await site.start()
    yield f"http://127.0.0.1:{settings.api_port}"
    await runner.cleanup()


@pytest.fixture
async def second_api_url(service_env: dict[str, str]) -> AsyncIterator[str]:
    """Another API replica on the same database and topics: whatever is shared (rate limits,
    organization limits) must hold across replicas. Its projection has a group of its own."""
    env = {k.lower(): v for k, v in service_env.items()}
    env["projection_group_id"] += "-second"
    settings = ApiSettings(**env, api_port=free_port())
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.api_port).start()
    yield f"http://127.0.0.1:{settings.api_port}"
    await runner.cleanup()


@pytest.fixture(scope="session")
async def render_replicas(service_env: dict[str, str]) -> AsyncIterator[list[ServiceProcess]]:
    """Two render replicas in one consumer group, as real processes."""
    services = Services(env=service_env, log_dir=ARTIFACTS / RUN_ID)
    replicas = [services.render(f"render-{n}") for n in (1, 2)]
    for replica in replicas:
        await replica.start()
    yield replicas
    await services.stop_all()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def tenant(db: asyncpg.Pool) -> Tenant:
    """A fresh organization with its own key: tests never see each other's data."""
    return await make_tenant(db, f"org-{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def other_tenant(db: asyncpg.Pool) -> Tenant:
    return await make_tenant(db, f"other-{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def third_tenant(db: asyncpg.Pool) -> Tenant:
    """A bystander: when two organizations' ids clash, a third one's job shows nothing stopped."""
    return await make_tenant(db, f"third-{uuid.uuid4().hex[:8]}")


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
