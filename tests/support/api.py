"""A small HTTP helper for tests: every call carries the tenant's key; answers come back parsed."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDict

EXPORTS = "/products/api/v1/labels/export/"


@dataclass(frozen=True)
class Tenant:
    organization_id: uuid.UUID
    api_key: str
    key_id: uuid.UUID


@dataclass
class Answer:
    status: int
    body: Any
    headers: CIMultiDict[str]  # case-insensitive, like HTTP


class Api:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, who: Tenant | str | None) -> None:
        self.session = session
        self.base_url = base_url
        self.tenant = who if isinstance(who, Tenant) else None
        self.api_key = who.api_key if isinstance(who, Tenant) else who

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        all_headers = {"X-API-Key": self.api_key} if self.api_key else {}
        all_headers.update(headers or {})
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method, self.base_url + path, json=json, data=data, headers=all_headers
        ) as resp:
            raw = await resp.read()
            body: Any = None
            if raw and resp.content_type == "application/json":
                body = await resp.json()
            elif raw:
                body = raw.decode(errors="replace")
            return Answer(resp.status, body, CIMultiDict(resp.headers))

    async def post(self, path: str, json: Any, **kw: Any) -> Answer:
        return await self.request("POST", path, json=json, **kw)

    async def get(self, path: str, **kw: Any) -> Answer:
        return await self.request("GET", path, **kw)

    # Catalog helpers.
    async def product(self, gtin: str, name: str = "Product") -> dict[str, Any]:
        answer = await self.post("/products/api/v1/products/", {"gtin": gtin, "name": name})
        assert answer.status == 201, answer.body
        return answer.body  # type: ignore[no-any-return]

    async def lots(self, product_id: str, lots: list[dict[str, Any]]) -> dict[str, Any]:
        answer = await self.post("/products/api/v1/lots/bulk/", {"product_id": product_id, "lots": lots})
        assert answer.status == 201, answer.body
        return answer.body  # type: ignore[no-any-return]

    async def serials(self, lot_id: str, serial_numbers: list[str]) -> dict[str, Any]:
        answer = await self.post(
            "/products/api/v1/serials/bulk/", {"lot_id": lot_id, "serial_numbers": serial_numbers}
        )
        assert answer.status == 201, answer.body
        return answer.body  # type: ignore[no-any-return]

    # Export helpers.
    async def submit(self, body: dict[str, Any], **kw: Any) -> Answer:
        return await self.post(EXPORTS, body, **kw)

    async def wait_terminal(self, job_id: str, *, timeout: float = 60) -> dict[str, Any]:
        """Poll like a client would, checking the monotonic-progress promise on the way."""
        deadline = asyncio.get_running_loop().time() + timeout
        last_processed = 0
        while True:
            answer = await self.get(f"{EXPORTS}{job_id}/")
            assert answer.status == 200, answer.body
            body = answer.body
            assert body["processed_items"] >= last_processed, "processed_items went down"
            last_processed = body["processed_items"]
            if body["status"] in ("completed", "failed"):
                return body  # type: ignore[no-any-return]
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"job {job_id} still {body['status']} after {timeout}s: {body}")
            await asyncio.sleep(0.1)
