"""Fixtures of the client tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.unit.client.fake_api import Script, serve_script


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, Script]]:
    async with serve_script() as served:
        yield served
