"""Streaming an artifact to disk and proving it is the one the status promised.

Bytes go to `<dest>.part` and are renamed into place only after the size (and the sha256, when the
status carries one) match, so a file at `dest` is always a whole, verified artifact; a failed or
interrupted download leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path

import aiohttp

from .errors import DownloadError, NetworkError
from .models import DownloadResult

CHUNK_BYTES = 256 * 1024
# No total deadline: a large artifact over a slow link may take long; a stalled socket may not.
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)

ByteCallback = Callable[[int, int | None], object]


async def stream_to_file(
    session: aiohttp.ClientSession,
    url: str,
    dest: str | os.PathLike[str],
    *,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    on_bytes: ByteCallback | None = None,
) -> DownloadResult:
    """GET `url` (no API key: it is a presigned URL) into `dest`; `on_bytes(done, total)` per chunk."""
    target = Path(dest)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        async with session.get(url, timeout=DOWNLOAD_TIMEOUT) as resp:
            if resp.status != 200:
                text = (await resp.text(errors="replace"))[:200]
                raise DownloadError(
                    resp.status, "DOWNLOAD_FAILED", f"download answered {resp.status}: {text}"
                )
            total = expected_size if expected_size else resp.content_length
            fh = await asyncio.to_thread(part.open, "wb")
            try:
                async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
                    await asyncio.to_thread(fh.write, chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    await _notify(on_bytes, done, total)
            finally:
                await asyncio.to_thread(fh.close)
        verify(
            size=done, sha256=digest.hexdigest(), expected_size=expected_size, expected_sha256=expected_sha256
        )
        await asyncio.to_thread(os.replace, part, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.shield(asyncio.to_thread(part.unlink))
        if isinstance(exc, aiohttp.ClientError | TimeoutError):
            raise NetworkError(f"download of {_redact(url)} broke after {done} bytes: {exc}") from exc
        raise
    return DownloadResult(path=str(target), size=done, sha256=digest.hexdigest())


def verify(*, size: int, sha256: str, expected_size: int | None, expected_sha256: str | None) -> None:
    """Raise `DownloadError` when what arrived is not what was promised. Pure."""
    if expected_size is not None and size != expected_size:
        raise DownloadError(
            0,
            "SIZE_MISMATCH",
            f"downloaded {size} bytes but the job reported {expected_size}; file discarded",
        )
    if expected_sha256 is not None and sha256.lower() != expected_sha256.lower():
        raise DownloadError(
            0, "CHECKSUM_MISMATCH", f"downloaded sha256 {sha256} but the job reported {expected_sha256}"
        )


async def _notify(callback: ByteCallback | None, done: int, total: int | None) -> None:
    if callback is None:
        return
    result = callback(done, total)
    if inspect.isawaitable(result):
        await result


def _redact(url: str) -> str:
    # The query string of a presigned URL is a credential; keep it out of messages and logs.
    return url.split("?", 1)[0]
