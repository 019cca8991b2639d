"""Free TCP ports on 127.0.0.1.

Ports are found by binding and releasing, so another program could take one before our server
binds it; the window is milliseconds and the server then fails with a clear "address in use" in
its log. All ports of one allocator are held open together until `close()`, so they are distinct.
"""

from __future__ import annotations

import random
import socket
from types import TracebackType

from devtools.errors import DevstackError

LOOPBACK = "127.0.0.1"


class PortAllocator:
    def __init__(self) -> None:
        self._held: list[socket.socket] = []

    def _hold(self, port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            sock.close()
            raise
        self._held.append(sock)
        return int(sock.getsockname()[1])

    def take(self, port: int | None = None) -> int:
        """`port` if given (checked free), else any free port the kernel picks."""
        try:
            return self._hold(port or 0)
        except OSError as exc:
            raise DevstackError(f"port {port} on {LOOPBACK} is not available: {exc.strerror}") from exc

    def take_pair(self, offset: int, low: int = 20_000, high: int = 30_000, attempts: int = 200) -> int:
        """A free port p such that p + offset is free too (both are held); returns p.

        For servers that derive a second port from the first regardless of what they are told
        (SeaweedFS's built-in worker dials admin port + 10000). Picked from [low, high) so that
        p + offset stays a valid port below the kernel's ephemeral range's upper end."""
        for _ in range(attempts):
            port = random.randrange(low, high)
            try:
                self._hold(port)
            except OSError:
                continue
            try:
                self._hold(port + offset)
            except OSError:
                self._held.pop().close()
                continue
            return port
        raise OSError(f"no free port pair (p, p+{offset}) in [{low}, {high}) after {attempts} tries")

    def close(self) -> None:
        for sock in self._held:
            sock.close()
        self._held.clear()

    def __enter__(self) -> PortAllocator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def free_port(port: int | None = None) -> int:
    """A free port, or `port` after checking that it is free."""
    with PortAllocator() as ports:
        return ports.take(port)
