"""A SIGKILLed replica leaves no pool process behind: forkserver, workers and resource tracker
all exit within a few seconds (without the initializer all four stayed, reparented to init)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REPLICA = """
import multiprocessing, os, time
from concurrent.futures import ProcessPoolExecutor
from render_service.pool_lifetime import init_worker
if __name__ == "__main__":
    pool = ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("forkserver"),
        initializer=init_worker, initargs=(os.getpid(),),
    )
    list(pool.map(abs, range(4)))
    print("ready", flush=True)
    time.sleep(600)
"""


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        p, pp = (int(x) for x in line.split())
        children.setdefault(pp, []).append(p)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pool_processes_exit_when_their_replica_is_sigkilled(tmp_path: Path) -> None:
    script = tmp_path / "replica.py"
    script.write_text(REPLICA)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    pool = _descendants(proc.pid)
    assert len(pool) >= 4  # resource tracker, forkserver, two workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pool):
        time.sleep(0.1)
    left = [p for p in pool if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert left == []
