"""CPU accounting beyond our own process trees: the machine's PostgreSQL server and other load."""

from __future__ import annotations

import os
from pathlib import Path

from bench.procstats import TreeSampler


def postmaster_pid() -> int | None:
    """The machine's PostgreSQL server process (the one whose parent is not a postgres)."""
    comms: dict[int, tuple[str, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode(errors="replace")
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        comms[int(name)] = (comm, ppid)
    for pid, (comm, ppid) in comms.items():
        if comm.startswith("postgres") and not comms.get(ppid, ("", 0))[0].startswith("postgres"):
            return pid
    return None


def unattributed_cpu_percent(sampler: TreeSampler, extra_cpu: float = 0.0) -> float:
    """CPU busy on the machine beyond our process trees (and the load generator), as % of all
    cores: other people's work on a shared box, or kernel time not charged to a process."""
    cores = os.cpu_count() or 1
    ours = sum(st.cpu_seconds for st in sampler.stats.values()) + extra_cpu
    busy = sampler.system_busy_fraction * cores * sampler.wall
    return round(100 * max(0.0, busy - ours) / (cores * sampler.wall), 1)
