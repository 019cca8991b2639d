"""The chunk worker's decisions, in-process against fakes of its ports (tests/service/fakes.py):
leases, takeover, duplicate tasks, a job completed by another replica, assembly once."""

from __future__ import annotations

import asyncio

from render_service.chunks.part_keys import part_keys
from tests.service.world import World


async def test_chunks_rendered_then_the_last_assembles_once(world: World) -> None:
    job = world.store.plan(items=30, chunk_size=10)
    worker = world.worker("a")
    for index in range(3):
        await worker.run_chunk(job.job_id, index)
    assert world.renderer.rendered == [(job.job_id, i) for i in range(3)]
    assert world.joiner.joined == [job.job_id]
    completed = world.events.of("completed", job.job_id)
    assert len(completed) == 1 and completed[0][1] == 30
    assert world.store.jobs[job.job_id].status == "completed"
    # Parts are gone once assembled; the artifact holds every item once, in order.
    assert not [k for k in world.storage.objects if "/parts/" in k]
    artifact = world.storage.objects[completed[0][0]]  # type: ignore[index]
    assert artifact.decode().split() == [str(n) for n in range(30)]
    # Tenancy: every event names the job's organization.
    assert world.events.organizations and {org for _, org in world.events.organizations} == {
        job.organization_id
    }


async def test_a_duplicate_task_for_a_done_chunk_renders_nothing_and_counts_nothing(world: World) -> None:
    job = world.store.plan(items=30, chunk_size=10)
    worker = world.worker("a")
    await worker.run_chunk(job.job_id, 0)
    progress_before = world.events.of("progress", job.job_id)
    await worker.run_chunk(job.job_id, 0)  # re-delivered
    assert world.renderer.rendered == [(job.job_id, 0)]
    assert world.events.of("progress", job.job_id) == progress_before
    assert max(p[0] for p in progress_before) == 10  # type: ignore[type-var]


async def test_a_chunk_whose_lease_another_worker_holds_waits_then_takes_over_when_it_runs_out(
    world: World,
) -> None:
    job = world.store.plan(items=20, chunk_size=10)
    # Worker "dead" took chunk 0 and died: its lease is live for 15 s of the fake clock.
    assert await world.store.take_chunk_lease(job_id=job.job_id, chunk_index=0, token="dead", seconds=15) == (
        "taken",
        0.0,
    )
    task = asyncio.create_task(world.worker("b").run_chunk(job.job_id, 0))
    await asyncio.sleep(0.05)
    assert world.renderer.rendered == []  # held: not rendered twice at once
    world.clock.advance(16)  # the dead worker's lease runs out
    await asyncio.wait_for(task, 5)
    assert world.renderer.rendered == [(job.job_id, 0)]
    assert world.store.chunks[job.job_id][0].rendered_by == "b"


async def test_a_job_completed_by_another_replica_keeps_its_artifact_and_is_reannounced(world: World) -> None:
    job = world.store.plan(items=20, chunk_size=10)
    artifact_key = f"exports/{job.organization_id}/{job.job_id}/artifact.zip"
    world.storage.objects[artifact_key] = b"finished by another replica"

    def finished_elsewhere() -> None:
        world.store.complete_elsewhere(job.job_id)

    world.renderer.before_item[(job.job_id, 3)] = finished_elsewhere
    await world.worker("late").run_chunk(job.job_id, 0)
    assert world.storage.objects[artifact_key] == b"finished by another replica"
    assert not [k for k in world.storage.objects if "/parts/" in k]
    assert world.joiner.joined == []
    assert len(world.events.of("completed", job.job_id)) == 1  # said again, for a lost event


async def test_a_task_for_a_finished_job_only_reannounces_its_outcome(world: World) -> None:
    job = world.store.plan(items=10, chunk_size=10)
    world.store.complete_elsewhere(job.job_id)
    await world.worker("a").run_chunk(job.job_id, 0)
    assert world.renderer.rendered == []
    assert len(world.events.of("completed", job.job_id)) == 1


async def test_a_cancelled_job_discards_everything_it_wrote(world: World) -> None:
    job = world.store.plan(items=20, chunk_size=10)
    worker = world.worker("a")
    await worker.run_chunk(job.job_id, 0)
    assert part_keys(job.organization_id, job.job_id, 0).data in world.storage.objects
    world.store.cancel(job.job_id)
    await worker.run_chunk(job.job_id, 1)
    assert world.renderer.rendered == [(job.job_id, 0)]
    assert world.events.of("failed", job.job_id)
    # Cancel arriving mid-chunk: the worker stops and deletes the job's objects.
    other = world.store.plan(items=20, chunk_size=10)

    def cancel() -> None:
        world.store.cancel(other.job_id)

    world.renderer.before_item[(other.job_id, 2)] = cancel
    await worker.run_chunk(other.job_id, 0)
    assert not [k for k in world.storage.objects if other.job_id in k]
    assert other.job_id in world.store.cleaned


async def test_a_label_that_cannot_render_fails_the_job_once_with_the_reason(world: World) -> None:
    job = world.store.plan(items=20, chunk_size=10)
    world.renderer.fail_with = "cannot render entity e-7: label does not fit"
    await world.worker("a").run_chunk(job.job_id, 0)
    assert world.store.jobs[job.job_id].status == "failed"
    assert world.events.of("failed", job.job_id) == [("cannot render entity e-7: label does not fit",)]
    assert job.job_id in world.store.cleaned


async def test_a_worker_that_lost_its_lease_mid_chunk_is_counted_once_and_reports_no_more(
    world: World,
) -> None:
    job = world.store.plan(items=20, chunk_size=10)
    slow, fast = world.worker("slow"), world.worker("fast")

    async def stall_past_the_lease() -> None:
        del world.renderer.before_item[(job.job_id, 5)]
        world.clock.advance(16)  # "slow" stalls longer than its 15 s lease ...
        await fast.run_chunk(job.job_id, 0)  # ... and the re-delivered task takes the chunk over

    world.renderer.before_item[(job.job_id, 5)] = stall_past_the_lease
    await slow.run_chunk(job.job_id, 0)
    assert world.renderer.rendered == [(job.job_id, 0), (job.job_id, 0)]  # rendered on: harmless
    assert world.store.chunks[job.job_id][0].rendered_by == "fast"  # the first to finish counts
    # Only chunk 0 is done: no report may claim more (the slow worker's share is not its own).
    progress = [p[0] for p in world.events.of("progress", job.job_id)]
    assert progress and max(progress) == 10, progress  # type: ignore[type-var]
    assert world.joiner.joined == []  # chunk 1 still pending

    await slow.run_chunk(job.job_id, 1)
    assert world.joiner.joined == [job.job_id]
    (completed,) = world.events.of("completed", job.job_id)
    assert completed[1] == 20
    artifact = world.storage.objects[completed[0]]  # type: ignore[index]
    assert artifact.decode().split() == [str(n) for n in range(20)]  # each item once, in order
