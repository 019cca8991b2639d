"""Fair scheduling across organizations (docs/design.md#fair-scheduling): the chunk worker's
choice of what to render when a task frees a slot, against the fakes of its ports."""

from __future__ import annotations

import uuid

from tests.service.world import World

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def _in_flight_elsewhere(world: World, job_id: str, *chunks: int) -> None:
    """Other replicas are rendering these chunks: their leases are live."""
    for index in chunks:
        taken = await world.store.take_chunk_lease(
            job_id=job_id, chunk_index=index, token=f"other-{index}", seconds=15
        )
        assert taken == ("taken", 0.0)


async def test_a_task_of_a_busy_organization_renders_another_organizations_waiting_chunks_first(
    world: World,
) -> None:
    giant = world.store.plan(items=60, chunk_size=10, organization_id=A)
    await _in_flight_elsewhere(world, giant.job_id, 0, 1)
    small = world.store.plan(items=20, chunk_size=10, organization_id=B)  # its tasks queue behind A's

    await world.worker("r1").run_task(giant.job_id, 2)

    assert world.renderer.rendered == [(small.job_id, 0), (small.job_id, 1), (giant.job_id, 2)]
    assert world.store.jobs[small.job_id].status == "completed"
    assert len(world.events.of("completed", small.job_id)) == 1
    # A's other chunks stay for their own tasks (the slot went back to A only for its own chunk).
    assert [r.chunk.status for r in world.store.chunks[giant.job_id]] == ["pending"] * 2 + ["done"] + [
        "pending"
    ] * 3

    # B's own tasks arrive later: nothing is rendered twice; the outcome is announced again.
    for index in (0, 1):
        await world.worker("r2").run_task(small.job_id, index)
    assert len(world.renderer.rendered) == 3
    assert world.store.jobs[small.job_id].status == "completed"


async def test_the_organization_with_fewest_chunks_in_flight_goes_first_then_the_oldest_job(
    world: World,
) -> None:
    a = world.store.plan(items=40, chunk_size=10, organization_id=A)
    await _in_flight_elsewhere(world, a.job_id, 0, 1)
    b = world.store.plan(items=40, chunk_size=10, organization_id=B)
    await _in_flight_elsewhere(world, b.job_id, 0)
    c_old = world.store.plan(items=10, chunk_size=10, organization_id=C)
    c_new = world.store.plan(items=10, chunk_size=10, organization_id=C)

    picks = [
        await world.store.take_waiting_chunk(prefer=(a.job_id, 2), token=f"w{n}", seconds=15)
        for n in range(4)
    ]
    # C has nothing in flight: its older job, then (C now 1, like B) B before A's preferred chunk;
    # then A, B and C all have 2, and A's preferred chunk wins the tie.
    assert picks == [(c_old.job_id, 0), (b.job_id, 1), (c_new.job_id, 0), (a.job_id, 2)]


async def test_one_organization_alone_renders_its_own_chunk_and_no_other(world: World) -> None:
    job = world.store.plan(items=40, chunk_size=10, organization_id=A)
    await world.worker("r1").run_task(job.job_id, 2)
    assert world.renderer.rendered == [(job.job_id, 2)]


async def test_a_dead_workers_chunk_is_waiting_again_once_its_lease_runs_out(world: World) -> None:
    giant = world.store.plan(items=40, chunk_size=10, organization_id=A)
    small = world.store.plan(items=20, chunk_size=10, organization_id=B)
    await _in_flight_elsewhere(world, small.job_id, 0)  # a replica took it, then died
    await world.worker("r1").run_task(giant.job_id, 0)
    # B's leased chunk counts as in flight, A has none: A's own chunk goes first.
    assert world.renderer.rendered == [(giant.job_id, 0)]

    world.clock.advance(16)  # the dead replica's lease runs out: B has nothing in flight
    await _in_flight_elsewhere(world, giant.job_id, 3)
    await world.worker("r1").run_task(giant.job_id, 1)
    assert world.renderer.rendered[1:] == [(small.job_id, 0), (small.job_id, 1), (giant.job_id, 1)]
    assert world.store.jobs[small.job_id].status == "completed"
