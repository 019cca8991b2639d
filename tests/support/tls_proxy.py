"""TLS in front of a plain-TCP broker, as a TLS-terminating sidecar (stunnel, an Envoy) would be:
the local broker (Tansu) has no TLS listener of its own (devtools/tansu.py), and this is what lets
the tests run our clients with KAFKA_SECURITY_PROTOCOL=SSL against a real broker. It forwards bytes
and nothing else; with `client_ca` it also requires a client certificate signed by that CA."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

from devtools.ports import LOOPBACK


class TlsProxy:
    def __init__(
        self, *, port: int, upstream_port: int, cert: Path, key: Path, client_ca: Path | None = None
    ) -> None:
        self.port = port
        self.upstream_port = upstream_port
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        if client_ca is not None:
            self._context.load_verify_locations(client_ca)
            self._context.verify_mode = ssl.CERT_REQUIRED
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.handshake_failures = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, self.port, ssl=self._context)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        except OSError:
            writer.close()
            return
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
                self._tasks.discard(task)
            for w in (writer, up_writer):
                w.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
