"""Prometheus metrics on both services move by exactly what a job did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devtools.services import ServiceProcess
from tests.support.api import EXPORTS, Api, Tenant

pytestmark = pytest.mark.e2e
Sample = tuple[str, tuple[tuple[str, str], ...]]


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def scrape(session: aiohttp.ClientSession, url: str) -> dict[Sample, float]:
    async with session.get(url + "/metrics") as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict[Sample, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_move_by_the_right_amounts(
    api: Api, api_url: str, render_replicas: list[ServiceProcess]
) -> None:
    product = await api.product("09506000134352")
    lot = (await api.lots(product["id"], [{"lot_number": "M1"}]))["ids"][0]
    await api.serials(lot, [f"S{n}" for n in range(7)])

    async def everything() -> tuple[dict[Sample, float], list[dict[Sample, float]]]:
        return await scrape(api.session, api_url), [await scrape(api.session, r.url) for r in render_replicas]

    api_before, render_before = await everything()
    receipt = await api.submit(
        {"scope": "serials", "export_type": "qr_codes", "file_format": "svg", "filters": {"lot_ids": [lot]}}
    )
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed"
    await api.get(f"{EXPORTS}{receipt.body['job_id']}/")
    api_after, render_after = await everything()

    def api_delta(name: str, **labels: str) -> float:
        return value(api_after, name, **labels) - value(api_before, name, **labels)

    assert api_delta("label_export_jobs_submitted_total", export_type="qr_codes") == 1
    assert api_delta("label_export_job_transitions_total", status="completed") == 1
    assert api_delta("label_export_outbox_published_total") >= 1
    route = "/products/api/v1/labels/export/"
    assert api_delta("label_export_http_request_seconds_count", route=route, method="POST", status="202") == 1
    polls = api_delta(
        "label_export_http_request_seconds_count", route=route + "{job_id}/", method="GET", status="200"
    )
    assert polls >= 2
    rendered = sum(
        value(after, "label_export_items_rendered_total", export_type="qr_codes", file_format="svg")
        - value(before, "label_export_items_rendered_total", export_type="qr_codes", file_format="svg")
        for before, after in zip(render_before, render_after, strict=True)
    )
    assert rendered == 7
    finished = sum(
        value(after, "label_export_render_jobs_finished_total", status="completed")
        - value(before, "label_export_render_jobs_finished_total", status="completed")
        for before, after in zip(render_before, render_after, strict=True)
    )
    assert finished == 1
    for samples in render_after:  # every replica reports its consumers' lag
        assert (
            "label_export_consumer_lag_messages",
            (("group", "chunks"), ("topic", "label-export.chunks")),
        ) in samples
        assert (
            "label_export_consumer_lag_messages",
            (("group", "planner"), ("topic", "label-export.requested")),
        ) in samples
