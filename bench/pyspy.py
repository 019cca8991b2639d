"""Optional py-spy sampling of a running service (and its process pool), summarised as text.

`py-spy record --format raw` writes collapsed stacks ("frame;frame;frame count"); `summarize`
turns them into the functions with the most self time and the most inclusive time, which is what
a report needs. py-spy is not a project dependency: `.venv/bin/pip install py-spy`.
"""

from __future__ import annotations

import collections
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any


def executable() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    if local.exists():
        return str(local)
    return shutil.which("py-spy")


class Recording:
    """`py-spy record` on `pid` until `stop()` (SIGINT makes py-spy write its output)."""

    def __init__(self, pid: int, out: Path, *, subprocesses: bool = False, rate: int = 67) -> None:
        exe = executable()
        if exe is None:
            raise RuntimeError("py-spy not found: .venv/bin/pip install py-spy")
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            exe,
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ]
        if subprocesses:
            cmd.append("--subprocesses")
        self._log = out.with_suffix(".log").open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)

    def stop(self, timeout: float = 30) -> Path | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.out if self.out.exists() else None


_PROCESS = re.compile(r'process (\d+):"[^"]*";?')
# Frames worth listing by inclusive time: our packages (library frames show up in the self list).
OWN_CODE = ("api_service/", "render_service/", "shared/")


def _short(frame: str) -> str:
    """ "function (path/to/pkg/file.py:123)" -> "function (pkg/file.py)": per function, not per line."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    parts = Path(path).parts
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    for package in ("api_service", "render_service", "shared", "bench"):
        if package in parts:
            parts = parts[parts.index(package) :]
            break
    else:
        parts = parts[-2:]
    return f"{name} ({'/'.join(parts)})" if where else name


def summarize(raw: Path, *, top: int = 15) -> dict[str, Any]:
    """Per process role ("main" / "pool worker"): share of samples, top self-time functions, and
    top inclusive-time functions of our own code. Shares are % of that role's samples."""
    roles: dict[str, dict[str, Any]] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        processes = _PROCESS.findall(stack)
        stack = _PROCESS.sub("", stack)
        role = "pool worker" if len(processes) >= 2 else "main"
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        r = roles.setdefault(
            role, {"samples": 0, "self": collections.Counter(), "incl": collections.Counter()}
        )
        r["samples"] += count
        r["self"][_short(frames[-1])] += count
        for frame in {_short(f) for f in frames}:
            if any(p in frame for p in OWN_CODE):
                r["incl"][frame] += count
    out: dict[str, Any] = {"samples": total}
    for role, r in roles.items():
        n = r["samples"]
        out[role] = {
            "share_percent": round(100 * n / total, 1),
            "self_percent": [[f, round(100 * c / n, 1)] for f, c in r["self"].most_common(top)],
            "own_code_inclusive_percent": [[f, round(100 * c / n, 1)] for f, c in r["incl"].most_common(top)],
        }
    return out
