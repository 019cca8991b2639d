"""What was measured where: the command line, the git tree and the machine."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench.system.constants import ROOT


def command_line() -> str:
    entry = Path(sys.argv[0])
    how = (
        ["-m", "bench"]
        if entry.name == "__main__.py"
        else [
            str(entry.relative_to(ROOT)) if entry.is_absolute() and entry.is_relative_to(ROOT) else str(entry)
        ]
    )
    return " ".join([".venv/bin/python", *how, *sys.argv[1:]])


def git_state() -> dict[str, Any]:
    """The tree measured: HEAD and the files that differ from it (others edit the tree meanwhile)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "head": git("rev-parse", "--short", "HEAD").strip(),
        "changed_files": [
            ln[3:] for ln in git("status", "--porcelain").splitlines() if not ln[3:].startswith("bench/")
        ],
    }


def machine() -> dict[str, Any]:
    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": model,
        "cpus": os.cpu_count(),
        "memory_mb": mem,
        "load_average_at_start": os.getloadavg(),
    }
