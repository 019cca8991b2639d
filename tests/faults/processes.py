"""Processes of the services under test: alive or not, what they started, SIGKILL and reaping."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from devtools.services import ServiceProcess
from tests.faults.waiting import now


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


def signal_all(pids: list[int], sig: signal.Signals) -> None:
    """Send `sig` to each process still there (SIGSTOP/SIGCONT freeze and wake a whole replica)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


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
