"""Render pool processes never outlive their replica, whatever signal ends it (SIGKILL included).

A pool worker's parent is the forkserver, not the replica: the forkserver exits on its own when
the replica dies (its "alive" pipe reaches EOF), and PR_SET_PDEATHSIG makes the kernel kill the
worker the moment the forkserver goes. The resource tracker exits once every holder of its pipe
(the replica and the workers) is gone. Where prctl is not available, a daemon thread watching
for the replica's pid to disappear does the same job, a little later.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 1.0


def init_worker(replica_pid: int) -> None:
    """ProcessPoolExecutor initializer: tie this worker's life to the replica's."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_exit_when_gone, args=(replica_pid,), daemon=True).start()


def _exit_when_gone(replica_pid: int) -> None:
    while True:
        try:
            os.kill(replica_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            # The pid was reused by another user's process: ours is gone.
            os._exit(1)
        time.sleep(POLL_SECONDS)
