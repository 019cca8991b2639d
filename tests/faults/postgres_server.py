"""The machine's PostgreSQL server: restarted by scenario 6, shared with anything else running."""

from __future__ import annotations

import asyncio
import subprocess

import asyncpg

from tests.faults.waiting import wait_for

PG_CLUSTER = ("15", "main")


# Errors a test's own database access may meet while PostgreSQL restarts.
DB_DOWN: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
)


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
