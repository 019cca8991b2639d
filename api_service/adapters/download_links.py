"""Presigned download links, minted at read time and reused while they are fresh.

SigV4 presigning costs ~0.15 ms of CPU: at thousands of polls a second it was a quarter of the
API's CPU. A link is reused while more than half its lifetime is left, so every answer still
carries a link valid for at least `ttl / 2` and its true `expires_at`.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from shared.s3 import content_disposition

_MAX_CACHED = 10_000


class DownloadLinks:
    def __init__(self, client: Any, *, bucket: str, ttl_seconds: int) -> None:
        self._client = client
        self._bucket = bucket
        self._ttl = ttl_seconds
        self._cache: OrderedDict[tuple[str, str], tuple[str, dt.datetime]] = OrderedDict()

    async def link(self, key: str, filename: str) -> tuple[str, dt.datetime]:
        now = dt.datetime.now(dt.UTC)
        cached = self._cache.get((key, filename))
        if cached is not None and (cached[1] - now).total_seconds() > self._ttl / 2:
            return cached
        url: str = await self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=self._ttl,
        )
        # botocore signs with the current second; the link expires `ttl` after it.
        fresh = (url, now.replace(microsecond=0) + dt.timedelta(seconds=self._ttl))
        self._cache[(key, filename)] = fresh
        self._cache.move_to_end((key, filename))
        while len(self._cache) > _MAX_CACHED:
            self._cache.popitem(last=False)
        return fresh
