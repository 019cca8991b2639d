"""A server process we started, and only those: start it, know its PID, stop it by that PID.

- Output (stdout + stderr) is appended to a log file in the part's data dir, so restarts keep the
  earlier runs' lines and a failure can quote the tail.
- The child gets its own session (`start_new_session`): a Ctrl-C in the terminal reaches only
  the launcher, which then stops the parts itself, in order, instead of every server racing it.
- On Linux the child is started through util-linux `setpriv --pdeathsig TERM` (which execs the
  server, so the PID is the server's): if the launcher dies without cleaning up (SIGKILL, a
  crashed test run), the kernel sends the server SIGTERM instead of leaving an orphan holding
  ports. The death signal follows the *thread* that forked, so start parts from the event-loop
  thread, not from a worker thread that may exit.
- Stop is SIGTERM, then SIGKILL after a grace period. `Popen` keeps the child unreaped until we
  poll it, so signalling our `Popen` can never hit a recycled PID.
- An `atexit` hook stops whatever is still running when the interpreter exits normally.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from devtools.errors import DevstackError

log = logging.getLogger(__name__)

_POLL_INTERVAL = 0.02
_KILL_WAIT = 5.0

# Environment variables a server may need; everything else is dropped so that the project's
# own settings (S3_BUCKET, KAFKA_*, AWS_*, OTEL_*, LISTENER_URL...) can't silently reconfigure
# a server that reads them (both SeaweedFS and Tansu read some of those).
_PASS_THROUGH_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR")


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASS_THROUGH_ENV if key in os.environ}
    env.update(extra or {})
    return env


@functools.cache
def _pdeathsig_prefix() -> tuple[str, ...]:
    if not sys.platform.startswith("linux"):
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ()
    prefix = (setpriv, "--pdeathsig", "TERM", "--")
    # util-linux < 2.33 has no --pdeathsig: check once rather than fail every start.
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else ()


_running: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_running):
        proc.stop_sync()


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_grace: float = 5.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = minimal_env() if env is None else dict(env)
        self.cwd = cwd
        self.stop_grace = stop_grace
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        # poll() also reaps a child that something else killed (fault-injection tests do).
        return self._popen is not None and self._popen.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the live process, None when not started or exited."""
        return self._popen.pid if self.running and self._popen is not None else None

    @property
    def returncode(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def start(self) -> int:
        """Spawn the process (no readiness wait here) and return its PID."""
        if self.running:
            raise DevstackError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            log_file.write(f"\n=== {stamp} starting: {' '.join(self.argv)}\n".encode())
            log_file.flush()
            try:
                self._popen = subprocess.Popen(
                    [*_pdeathsig_prefix(), *self.argv],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise DevstackError(f"cannot execute {self.argv[0]} for {self.name}: {exc}") from exc
        _running.add(self)
        log.debug("started %s pid=%d: %s", self.name, self._popen.pid, " ".join(self.argv))
        return self._popen.pid

    async def stop(self) -> None:
        """SIGTERM, wait `stop_grace` seconds, then SIGKILL. No-op if not running."""
        popen = self._popen
        if popen is None or popen.poll() is not None:
            _running.discard(self)
            return
        popen.send_signal(signal.SIGTERM)
        if not await self._wait_async(popen, self.stop_grace):
            log.warning(
                "%s (pid %d) still running %.1fs after SIGTERM: SIGKILL",
                self.name,
                popen.pid,
                self.stop_grace,
            )
            popen.kill()
            await self._wait_async(popen, _KILL_WAIT)
        _running.discard(self)

    def stop_sync(self) -> None:
        """Blocking `stop()`, for atexit and other places without an event loop."""
        popen = self._popen
        if popen is None or popen.poll() is not None:
            _running.discard(self)
            return
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(self.stop_grace)
        except subprocess.TimeoutExpired:
            popen.kill()
            try:
                popen.wait(_KILL_WAIT)
            except subprocess.TimeoutExpired:
                log.error("%s (pid %d) survived SIGKILL", self.name, popen.pid)
        _running.discard(self)

    @staticmethod
    async def _wait_async(popen: subprocess.Popen[bytes], seconds: float) -> bool:
        # Polling rather than asyncio's child watcher: works on any loop, and in whichever loop
        # stops the part (pytest may start and stop a stack from different loops).
        deadline = time.monotonic() + seconds
        while popen.poll() is None:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_INTERVAL)
        return True

    def log_tail(self, lines: int = 30) -> str:
        return tail_of_file(self.log_path, lines)


def tail_of_file(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])
