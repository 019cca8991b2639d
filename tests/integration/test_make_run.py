"""`make run` supervises (python -m devtools.local_system, as a user starts it): a render replica
SIGKILLed is restarted with a log line saying so, its pool processes go with it (nothing left
reparented to init), another organization's job submitted afterwards completes with every
service healthy, and SIGTERM stops everything.

Its own ports, its own database and its own `.run/` (the working directory is a temp dir).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from devtools import StackEndpoints
from devtools.ports import free_port
from devtools.postgres import MACHINE_URL, with_database
from tests.support.api import Api

pytestmark = pytest.mark.timeout(240)

REPO = Path(__file__).resolve().parents[2]
ENDPOINT_VARS = set(StackEndpoints("", "", "", "", "", "", "").as_env())


def _tree() -> dict[int, list[int]]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        pid, ppid = (int(x) for x in line.split())
        children.setdefault(ppid, []).append(pid)
    return children


def _descendants(pid: int) -> set[int]:
    children, found, todo = _tree(), set[int](), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _pid_on_port(candidates: set[int], port: int) -> int:
    """The service process (of `candidates`) listening on `port`."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    for pid in candidates:
        if f"pid={pid}," in out:
            return pid
    raise AssertionError(f"nothing of ours listens on {port}: {out}")


def _alive(pid: int) -> bool:
    """Running, not a zombie: an exited process reparented to a PID 1 that never reaps (as in
    many containers) stays a zombie, holding nothing but its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def _left_behind(pids: list[int], *, within: float) -> list[int]:
    """The pids still running after `within` s: pool processes notice their replica's end by
    polling (every 0.5 s), so they may outlive `make run` by a moment."""
    deadline = asyncio.get_running_loop().time() + within
    while (alive := [p for p in pids if _alive(p)]) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
    return alive


async def _healthy(url: str, *, within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{url}/healthz") as resp:
                    if resp.status == 200 and (await resp.json())["status"] == "ok":
                        return
            except aiohttp.ClientError:
                pass
            assert asyncio.get_running_loop().time() < deadline, f"{url} not healthy after {within}s"
            await asyncio.sleep(0.2)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


async def _wait_for(path: Path, text: str, *, within: float) -> str:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        content = _read(path)
        if text in content:
            return content
        assert asyncio.get_running_loop().time() < deadline, (
            f"no {text!r} within {within}s:\n{content[-3000:]}"
        )
        await asyncio.sleep(0.2)


async def _new_organization_key(env: dict[str, str]) -> str:
    """An organization and key of its own, made with labels-admin as an operator would."""

    async def admin(*args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api_service.admin_cli",
            *args,
            env=env,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        return out.decode()

    org = (await admin("create-org", f"other-{secrets.token_hex(3)}")).strip()
    printed = await admin("create-key", org, "--name", "make-run-test")
    return printed.rsplit("API key (shown once): ", 1)[1].strip()


async def test_a_sigkilled_replica_is_restarted_leaves_nothing_and_jobs_complete(tmp_path: Path) -> None:
    api_port, render_ports = free_port(), [free_port(), free_port()]
    database = f"make_run_test_{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARS}
    env |= {
        "PYTHONPATH": str(REPO),
        "API_PORT": str(api_port),
        "RENDER_PORTS": ",".join(map(str, render_ports)),
        "DEVSTACK_KAFKA_PORT": str(free_port()),
        "DEVSTACK_S3_PORT": str(free_port()),
        "DATABASE_URL": with_database(
            os.environ.get("DATABASE_URL") or MACHINE_URL.format(database="x"), database
        ),
    }
    output = tmp_path / "make-run.out"
    with output.open("wb") as out:
        # Popen only forks and returns; the test watches the process by PID.
        proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "devtools.local_system"], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        await _wait_for(output, "Label export is running", within=120)
        api_key = dict(
            line.split("=", 1) for line in (tmp_path / ".run" / "demo.env").read_text().splitlines()
        )["API_KEY"]
        async with aiohttp.ClientSession() as session:
            api = Api(session, f"http://127.0.0.1:{api_port}", api_key)
            body = {"scope": "lots", "export_type": "datamatrix", "file_format": "png"}
            first = await api.submit(body)
            assert first.status == 202, first.body
            assert (await api.wait_terminal(first.body["job_id"]))["status"] == "completed"

            # The replica that rendered it: its process pool (forkserver, workers, resource
            # tracker) is running.
            ours = _descendants(proc.pid)
            replicas = {port: _pid_on_port(ours, port) for port in render_ports}
            _, victim = max(replicas.items(), key=lambda item: len(_descendants(item[1])))
            pool = _descendants(victim)
            assert len(pool) >= 3, pool
            os.kill(victim, signal.SIGKILL)
            log = await _wait_for(
                output, "exited with signal SIGKILL; restarting, next try in 1 s", within=10
            )
            assert f"(pid {victim})" in log
            deadline = asyncio.get_running_loop().time() + 5
            while any(_alive(p) for p in pool) and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
            assert [p for p in pool if _alive(p)] == [], "pool processes outlived their replica"

            await _wait_for(output, "restarted (pid", within=60)
            for port in render_ports:
                await _healthy(f"http://127.0.0.1:{port}", within=60)
            # Then another organization's normal job completes, and every service is healthy.
            other = Api(session, f"http://127.0.0.1:{api_port}", await _new_organization_key(env))
            product = await other.product("09506000134352")
            await other.lots(product["id"], [{"lot_number": "OTHER1", "expiry_date": "2030-01-31"}])
            second = await other.submit(body)
            assert second.status == 202, second.body
            final = await other.wait_terminal(second.body["job_id"], timeout=90)
            assert final["status"] == "completed" and final["total_items"] == 1, final
            for port in [api_port, *render_ports]:
                await _healthy(f"http://127.0.0.1:{port}", within=5)
        started = _descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=90)
    assert code == 0, output.read_text()[-3000:]
    assert await _left_behind(started, within=5) == [], "make run left processes behind"
    conn = await asyncpg.connect(with_database(env["DATABASE_URL"], "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()
