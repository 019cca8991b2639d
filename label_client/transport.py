"""HTTP plumbing: one aiohttp session, the API key on API calls only, envelope errors, retries.

The key goes on requests to the API base URL and nowhere else: download URLs are presigned for
object storage, and sending the key there would leak it to another host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from multidict import CIMultiDict

from .backoff import RETRYABLE_STATUSES, parse_retry_after, retry_delay
from .errors import ApiError, NetworkError, error_from_answer

USER_AGENT = "label-client/0.1"
# Methods whose repetition cannot create a second effect; a POST joins them when it carries an
# Idempotency-Key (docs/contract.md#export-request: the same key and body return the same receipt).
SAFE_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))

    @property
    def obj(self) -> Mapping[str, Any]:
        """The body as a JSON object; a success answer without one is the server's fault."""
        if not isinstance(self.body, Mapping):
            raise ApiError(
                self.status, "BAD_RESPONSE", f"expected a JSON object, got {type(self.body).__name__}"
            )
        return self.body


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_retries = max_retries
        # A Retry-After longer than this (a daily limit, say) is reported instead of slept through.
        self.max_retry_wait = max_retry_wait

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Created lazily inside a running loop, as aiohttp requires.
            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
    ) -> Answer:
        """Send one API call; return its answer when the status is in `ok`, else raise `ApiError`."""
        all_headers = {"X-API-Key": self._api_key, "Accept": "application/json", **(headers or {})}
        repeatable = method in SAFE_METHODS or "Idempotency-Key" in all_headers
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._send(method, self.url(path), json, params, all_headers)
            except NetworkError:
                if not repeatable or attempt > self.max_retries:
                    raise
                await asyncio.sleep(retry_delay(attempt, retry_after=None))
                continue
            if answer.status in ok:
                return answer
            # A 429 had no effect (a rate limit refuses before any handler runs; an organization's
            # open-work limit refuses before the job is recorded): safe to repeat whatever the method.
            retryable = answer.status == 429 or (repeatable and answer.status in RETRYABLE_STATUSES)
            delay = retry_delay(attempt, retry_after=answer.retry_after)
            if retryable and attempt <= self.max_retries and delay <= self.max_retry_wait:
                await asyncio.sleep(delay)
                continue
            raise error_from_answer(
                answer.status, answer.body, answer.body if isinstance(answer.body, str) else ""
            )

    async def _send(
        self,
        method: str,
        url: str,
        json: Any,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str],
    ) -> Answer:
        try:
            async with self.session.request(
                method, url, json=json, params=params, headers=headers, timeout=self._timeout
            ) as resp:
                raw = await resp.read()
                body: Any = None
                if raw and resp.content_type == "application/json":
                    body = await resp.json(content_type=None)
                elif raw:
                    body = raw.decode("utf-8", errors="replace")
                # Case-insensitive, as HTTP header names are (a plain dict would miss `Etag`).
                return Answer(resp.status, CIMultiDict(resp.headers), body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NetworkError(f"{method} {url}: {_describe(exc)}") from exc
        except ValueError as exc:  # a JSON body that does not parse
            raise ApiError(0, "BAD_RESPONSE", f"{method} {url}: unreadable JSON answer: {exc}") from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
