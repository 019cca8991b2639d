"""Fixtures of the fault-injection suite: one rig (stack + API + render replicas) per module.

The session fixtures of tests/conftest.py are never used here: these tests kill things.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.conftest import ARTIFACTS, RUN_ID
from tests.faults.postgres_server import ensure_postgres_running
from tests.faults.rig import Rig
from tests.faults.timings import TIMINGS

FAULT_LOGS = ARTIFACTS / RUN_ID / "faults"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection scenario (own stack; kills processes)")
    config.addinivalue_line("markers", "slow: takes tens of seconds; still part of `make test`")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="module")
async def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    """This module's own LocalStack (own data dir, database and ports), its migrations, and the
    API as a child process. Render replicas are started by the tests (`rig.ensure_renders`)."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    started = await Rig.create(
        name=name,
        run_id=RUN_ID,
        data_dir=tmp_path_factory.mktemp(f"faults-{name}"),
        log_dir=FAULT_LOGS / name,
    )
    try:
        yield started
    finally:
        await started.close()


@pytest.fixture(autouse=True)
def mark_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Scenario boundaries in every service log of the module's rig."""
    if "rig" not in request.fixturenames:
        yield
        return
    current: Rig = request.getfixturevalue("rig")
    current.mark(f"BEGIN {request.node.name}")
    yield
    current.mark(f"END {request.node.name}")


@pytest.fixture
async def postgres_guard(rig: Rig) -> AsyncIterator[None]:
    """Whatever a test does to PostgreSQL, it is running again when the test ends."""
    try:
        yield
    finally:
        await ensure_postgres_running(rig.stack.endpoints.database_url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    FAULT_LOGS.mkdir(parents=True, exist_ok=True)
    path = FAULT_LOGS / "timings.json"
    path.write_text(json.dumps(TIMINGS, indent=2, default=str))
    terminalreporter.section("fault-injection timings")
    for entry in TIMINGS:
        facts = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "scenario")
        terminalreporter.write_line(f"{entry['scenario']}: {facts}")
    terminalreporter.write_line(f"(written to {path}; service logs under {FAULT_LOGS})")
