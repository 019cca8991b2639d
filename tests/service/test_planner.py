"""The planner's decisions, in-process against fakes of its ports (tests/service/fakes.py): refuse
an invalid request, an unknown organization, a job over its organization's limits or another
organization's job id with a `failed` event, plan a job once however often its request arrives,
hand out only unfinished chunks (or the last one, for a dead assembler), re-announce a finished
job, render small cheap jobs inline and expensive ones through the chunk path, cancel."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from labelkit.ids import new_job_id
from render_service.planning.request_handler import RequestHandler
from shared import events
from shared.consumer import Record
from shared.org_limits import LimitName, limit_message
from shared.ownership import conflict_error
from tests.service.fakes import Clock, FakeChunkTasks, FakeEvents, FakeStorage, FakeStore

CHEAP = {"scope": "serials", "export_type": "datamatrix", "file_format": "png"}
# codes_combined PNG at the costliest rasters submit accepts (~113 Mpx a label): 150 of them are
# estimated at over 3 CPU-s (render_service/planning/inline_cost.py). One GS1-128 symbol a label
# (long data refused, not split in two stacked symbols, whose taller PNG is over the raster cap).
COSTLY = {
    "scope": "serials",
    "export_type": "codes_combined",
    "file_format": "png",
    "asset_config": {"dpi": 1500, "module_mm": 0.52, "quiet_zone_modules": 100, "gs1_128_overflow": "refuse"},
}


class Planner:
    """A planner with its ports faked: 4 chunk partitions, 2 render replicas, chunks of 10 unless
    told otherwise."""

    def __init__(self, chunk_size: int = 10) -> None:
        self.store = FakeStore(Clock())
        self.events = FakeEvents()
        self.tasks = FakeChunkTasks(partitions=4)
        self.storage = FakeStorage()
        self.inline: list[tuple[str, int]] = []
        self.replicas: int | None = 2
        self.handler = RequestHandler(
            store=self.store,
            emitter=self.events,
            tasks=self.tasks,
            storage=self.storage,
            render_inline=self._render_inline,
            chunk_size=chunk_size,
            replicas=lambda: self.replicas,
            inline_max_items=200,
            inline_max_cpu_seconds=3.0,
        )

    async def _render_inline(self, job_id: str, chunk_index: int) -> None:
        self.inline.append((job_id, chunk_index))

    def organization(self, items: int) -> uuid.UUID:
        org = uuid.uuid4()
        self.store.catalog[org] = items
        return org

    async def request(self, org: uuid.UUID, body: dict[str, Any], job_id: str | None = None) -> str:
        job_id = job_id or new_job_id()
        event = events.export_requested(
            job_id=job_id, organization_id=org, spec=body, requested_at=dt.datetime.now(dt.UTC), source="test"
        )
        await self.handler.handle(record(events.encode(event)))
        return job_id

    def sent(self, job_id: str) -> list[tuple[int, int]]:
        """(chunk index, partition) of every task sent for the job, in order."""
        return [(task.chunk_index, partition) for task, partition in self.tasks.sent if task.job_id == job_id]


def record(value: bytes) -> Record:
    return ConsumerRecord(
        topic="label-export.requested",
        partition=0,
        offset=0,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value),
        headers=(),
    )


@pytest.fixture
def planner() -> Planner:
    return Planner()


async def test_a_job_is_planned_once_and_its_chunks_spread_over_consecutive_partitions(
    planner: Planner,
) -> None:
    job_id = await planner.request(planner.organization(items=30), CHEAP)
    job = planner.store.jobs[job_id]
    # 3 chunks of 10 would leave one replica a third: the count is a multiple of the 2 replicas.
    assert (job.total_items, job.chunk_count) == (30, 4)
    sent = planner.sent(job_id)
    assert [index for index, _ in sent] == [0, 1, 2, 3]
    partitions = [partition for _, partition in sent]
    assert sorted(partitions) == [0, 1, 2, 3]  # consecutive chunks, consecutive partitions
    assert all((b - a) % 4 == 1 for a, b in itertools.pairwise(partitions))
    assert planner.events.of("started", job_id) == [(30,)]
    assert planner.inline == []


async def test_a_redelivered_request_plans_nothing_new_and_hands_out_only_unfinished_chunks(
    planner: Planner,
) -> None:
    org = planner.organization(items=40)
    job_id = await planner.request(org, CHEAP)
    planned = planner.store.jobs[job_id]
    planner.store.finish_chunk(job_id, 0)
    planner.store.finish_chunk(job_id, 2)
    planner.store.catalog[org] = 999  # the catalog changed meanwhile: the snapshot does not
    planner.tasks.sent.clear()
    await planner.request(org, CHEAP, job_id=job_id)
    assert planner.store.jobs[job_id] == planned
    assert [index for index, _ in planner.sent(job_id)] == [1, 3]


async def test_a_job_whose_chunks_are_all_done_gets_a_task_for_the_last_one_so_assembly_is_claimed(
    planner: Planner,
) -> None:
    org = planner.organization(items=40)
    job_id = await planner.request(org, CHEAP)
    for index in range(4):
        planner.store.finish_chunk(job_id, index)  # ... and the replica assembling it died
    planner.tasks.sent.clear()
    await planner.request(org, CHEAP, job_id=job_id)
    assert [index for index, _ in planner.sent(job_id)] == [3]


async def test_a_request_for_a_finished_job_only_reannounces_its_outcome(planner: Planner) -> None:
    org = planner.organization(items=40)
    job_id = await planner.request(org, CHEAP)
    planner.store.complete_elsewhere(job_id)
    planner.tasks.sent.clear()
    await planner.request(org, CHEAP, job_id=job_id)
    assert planner.tasks.sent == [] and planner.inline == []
    assert len(planner.events.of("completed", job_id)) == 1


async def test_a_small_cheap_job_renders_inline_and_a_small_costly_one_goes_through_the_chunk_path() -> None:
    planner = Planner(chunk_size=1000)  # 150 items are one chunk, under the 200-item inline limit
    cheap = await planner.request(planner.organization(items=150), CHEAP)
    assert planner.inline == [(cheap, 0)] and planner.sent(cheap) == []
    costly = await planner.request(planner.organization(items=150), COSTLY)
    assert planner.store.jobs[costly].chunk_count == 1
    assert planner.inline == [(cheap, 0)]  # the planner is not held by it ...
    assert [index for index, _ in planner.sent(costly)] == [0]  # ... a replica's chunk worker takes it


async def test_an_invalid_request_ends_failed_naming_the_field_and_plans_nothing(planner: Planner) -> None:
    body = {**CHEAP, "asset_config": {"dpi": 2400, "module_mm": 0.5, "quiet_zone_modules": 100}}
    job_id = await planner.request(planner.organization(items=5), body)
    (failed,) = planner.events.of("failed", job_id)
    assert str(failed[0]).startswith("invalid request: asset_config.dpi"), failed
    assert job_id not in planner.store.jobs and planner.tasks.sent == []


async def test_a_request_of_an_unknown_organization_ends_failed_saying_so(planner: Planner) -> None:
    stranger = uuid.uuid4()
    job_id = await planner.request(stranger, CHEAP)
    assert planner.events.of("failed", job_id) == [(f"unknown organization {stranger}",)]
    assert job_id not in planner.store.jobs


async def test_a_request_over_its_organizations_limit_ends_failed_and_says_so_again(planner: Planner) -> None:
    org = planner.organization(items=11)
    planner.store.max_items_per_job[org] = 10
    job_id = await planner.request(org, CHEAP)
    message = limit_message(LimitName.ITEMS_PER_JOB, 10, retryable=False)
    assert planner.events.of("failed", job_id) == [(message,)]
    assert planner.store.jobs[job_id].status == "failed" and planner.tasks.sent == []
    # Recorded: a re-delivery says the same, even once the limit would let it through.
    del planner.store.max_items_per_job[org]
    await planner.request(org, CHEAP, job_id=job_id)
    assert planner.events.of("failed", job_id) == [(message,), (message,)]
    assert planner.events.of("started", job_id) == [] and planner.inline == []


async def test_a_message_that_is_not_a_usable_request_goes_to_the_dlq(planner: Planner) -> None:
    with pytest.raises(events.InvalidMessage):
        await planner.handler.handle(record(b"\xff not json"))
    bad_id = events.export_requested(
        job_id="0" * 22,
        organization_id=uuid.uuid4(),
        spec=CHEAP,
        requested_at=dt.datetime.now(dt.UTC),
        source="t",
    )
    with pytest.raises(events.InvalidMessage, match="job_id"):
        await planner.handler.handle(record(events.encode(bad_id)))
    assert planner.events.sent == []


async def test_a_cancel_fails_the_job_deletes_its_objects_and_says_so_once(planner: Planner) -> None:
    org = planner.organization(items=40)
    job_id = await planner.request(org, CHEAP)
    job = planner.store.jobs[job_id]
    prefix = f"exports/{org}/{job_id}/"
    planner.storage.objects[prefix + "parts/0.bin"] = b"part"
    planner.storage.objects[f"exports/{org}/other-job/a.zip"] = b"another job's"

    def cancel(organization_id: uuid.UUID) -> Record:
        data = events.CancelRequested(
            job_id=job_id, organization_id=organization_id, requested_at=dt.datetime.now(dt.UTC)
        )
        return record(events.encode(events.make_event(data, source="test")))

    with pytest.raises(events.InvalidMessage, match="another organization"):
        await planner.handler.handle(cancel(uuid.uuid4()))
    assert planner.store.jobs[job_id] == job  # untouched by a stranger's cancel

    await planner.handler.handle(cancel(org))
    assert planner.store.jobs[job_id].status == "failed"
    assert planner.store.jobs[job_id].error == events.CANCELLED_ERROR
    assert sorted(planner.storage.objects) == [f"exports/{org}/other-job/a.zip"]
    assert planner.events.of("failed", job_id) == [(events.CANCELLED_ERROR,)]


def cancel_record(job_id: str, organization_id: uuid.UUID) -> Record:
    data = events.CancelRequested(
        job_id=job_id, organization_id=organization_id, requested_at=dt.datetime.now(dt.UTC)
    )
    return record(events.encode(events.make_event(data, source="test")))


async def test_a_request_reusing_another_organizations_job_id_is_refused_under_its_own_organization(
    planner: Planner,
) -> None:
    """Tenancy: a job id belongs to the first organization that used it."""
    owner, other = planner.organization(items=40), planner.organization(items=30)
    job_id = await planner.request(owner, CHEAP)
    job, sent = planner.store.jobs[job_id], list(planner.events.sent)
    planner.tasks.sent.clear()
    await planner.request(other, CHEAP, job_id=job_id)
    assert planner.store.jobs[job_id] == job and planner.tasks.sent == []  # nothing planned or re-announced
    assert planner.events.sent[len(sent) :] == [("failed", job_id, (conflict_error(job_id),))]
    assert planner.events.organizations[-1] == (job_id, other)  # under the requester's organization
    assert {org for _, org in planner.events.organizations[:-1]} == {owner}


async def test_a_request_without_organization_goes_to_the_dlq(planner: Planner) -> None:
    event = events.export_requested(
        job_id=new_job_id(),
        organization_id=uuid.uuid4(),
        spec=CHEAP,
        requested_at=dt.datetime.now(dt.UTC),
        source="t",
    )
    older = event.model_copy(update={"data": {k: v for k, v in event.data.items() if k != "organization_id"}})
    with pytest.raises(events.InvalidMessage, match="organization_id is missing or not a UUID"):
        await planner.handler.handle(record(events.encode(older)))
    assert planner.events.sent == [] and planner.store.jobs == {}


async def test_a_cancel_for_a_job_not_planned_yet_claims_nothing(planner: Planner) -> None:
    """Answered under the cancel's organization; another organization's request for that id, arriving
    later, is planned for it as usual."""
    stranger, owner = uuid.uuid4(), planner.organization(items=40)
    job_id = new_job_id()
    await planner.handler.handle(cancel_record(job_id, stranger))
    assert planner.events.of("failed", job_id) == [(events.CANCELLED_ERROR,)]
    assert planner.events.organizations == [(job_id, stranger)] and planner.store.jobs == {}
    await planner.request(owner, CHEAP, job_id=job_id)
    assert planner.store.jobs[job_id].organization_id == owner
    assert planner.store.jobs[job_id].status == "rendering" and planner.sent(job_id)
