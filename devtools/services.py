"""Our own services as child processes, started and stopped by PID: used by `make run` and by the
tests (render replicas, and the API for fault injection)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from devtools.ports import free_port


class ServiceProcess:
    """`python -m MODULE` with extra environment, logs in a file, readiness on /readyz."""

    def __init__(
        self,
        *,
        module: str,
        name: str,
        env: dict[str, str],
        log_dir: Path,
        port_var: str,
        port: int | None = None,
    ) -> None:
        self.module = module
        self.name = name
        self.port = port or free_port()
        self.env = {**os.environ, **env, port_var: str(self.port)}
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, *, ready_within: float = 30) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # Popen only forks and returns: it does not wait, so the loop is not held up.
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", self.module], env=self.env, stdout=log, stderr=log
        )
        log.close()
        deadline = asyncio.get_running_loop().time() + ready_within
        async with aiohttp.ClientSession() as http:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    async with http.get(f"{self.url}/readyz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{self.name} not ready after {ready_within}s:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    async def stop(self, sig: int = signal.SIGTERM, *, grace: float = 30) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        for _ in range(int(grace * 10)):
            if self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.1)
        self.proc.kill()
        return self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
