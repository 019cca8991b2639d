"""Process-tree sampling from /proc (Linux): RSS, PSS and CPU time of a process and all its
descendants, sampled in a background thread while a benchmark runs.

A render replica is `python -m render_service` plus its process pool. The pool uses the
forkserver start method, so the workers are children of the forkserver process, which is itself
a child of the replica: "descendants", not "children", is what must be summed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
        rest = stat[stat.rindex(b")") + 2 :].split()
        children.setdefault(int(rest[1]), []).append(int(name))
    return children


def tree(pid: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """`pid` and every descendant that is alive now."""
    children = _children_map() if children is None else children
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def rss_bytes(pid: int) -> int:
    """Resident set size (statm field 2); 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size (shared pages split between sharers): the honest sum over a tree."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process itself (not of reaped children)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        rest = stat[stat.rindex(b")") + 2 :].split()
        return (int(rest[11]) + int(rest[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat", "rb") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


def _role(pid: int, root: int) -> str:
    """What a process of a replica's tree is, from its command line."""
    if pid == root:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
    except OSError:
        return "gone"
    if b"forkserver" in cmd:
        # The forkserver itself and the pool workers it forks share the command line.
        return "forkserver" if _ppid(pid) == root else "pool worker"
    if b"resource_tracker" in cmd:
        return "resource tracker"
    return "child"


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class TreeStats:
    peak_rss: int = 0  # max over samples of the summed RSS of the tree
    peak_pss: int = 0
    peak_processes: int = 0
    # CPU seconds per pid seen (the last reading before it vanished), summed at the end.
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    cpu_start: dict[int, float] = field(default_factory=dict)

    root: int = 0
    # At the sample of the peak: (role, RSS bytes) of every process of the tree.
    peak_breakdown: list[tuple[str, int]] = field(default_factory=list)

    @property
    def cpu_seconds(self) -> float:
        return sum(v - self.cpu_start.get(pid, 0.0) for pid, v in self.cpu_by_pid.items())

    @property
    def root_cpu_seconds(self) -> float:
        return self.cpu_by_pid.get(self.root, 0.0) - self.cpu_start.get(self.root, 0.0)


class TreeSampler:
    """Samples named process trees every `interval` s in a thread until `stop()`.

    `roots`: name -> root pid. PSS is read every `pss_every`-th sample (smaps_rollup is costlier).
    """

    def __init__(self, roots: dict[str, int], *, interval: float = 0.2, pss_every: int = 5) -> None:
        self.roots = roots
        self.interval = interval
        self.pss_every = pss_every
        self.stats = {name: TreeStats(root=pid) for name, pid in roots.items()}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._t0 = 0.0
        self._busy0 = self._total0 = 0.0
        self.wall = 0.0
        self.system_busy_fraction = 0.0

    def __enter__(self) -> TreeSampler:
        self._t0 = time.monotonic()
        self._busy0, self._total0 = system_cpu()
        # Baseline CPU of processes alive at the start: only what they use from now on counts.
        children = _children_map()
        for name, root in self.roots.items():
            for pid in tree(root, children):
                self.stats[name].cpu_start[pid] = cpu_seconds(pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(pss=True)
        self.wall = time.monotonic() - self._t0
        busy, total = system_cpu()
        if total > self._total0:
            self.system_busy_fraction = (busy - self._busy0) / (total - self._total0)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample(pss=self.samples % self.pss_every == 0)

    def _sample(self, *, pss: bool) -> None:
        self.samples += 1
        children = _children_map()
        for name, root in self.roots.items():
            st = self.stats[name]
            pids = tree(root, children)
            each = [(p, rss_bytes(p)) for p in pids]
            rss = sum(r for _, r in each)
            if rss > st.peak_rss:
                st.peak_rss = rss
                st.peak_breakdown = [(_role(p, root), r) for p, r in each]
            st.peak_processes = max(st.peak_processes, len(pids))
            if pss:
                st.peak_pss = max(st.peak_pss, sum(pss_bytes(p) for p in pids))
            for p in pids:
                c = cpu_seconds(p)
                if c:
                    st.cpu_by_pid[p] = c

    def summary(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "peak_rss_mb": round(st.peak_rss / 2**20, 1),
                "peak_pss_mb": round(st.peak_pss / 2**20, 1),
                "peak_processes": st.peak_processes,
                "cpu_seconds": round(st.cpu_seconds, 2),
                # The root process alone (a replica's main process; the rest is its pool).
                "root_cpu_seconds": round(st.root_cpu_seconds, 2),
                "peak_rss_by_process_mb": [[role, round(r / 2**20, 1)] for role, r in st.peak_breakdown],
            }
            for name, st in self.stats.items()
        }
