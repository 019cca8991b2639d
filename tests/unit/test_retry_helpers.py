"""The pure parts of every retry loop: backoff, the log throttle, the transient list, the bounded
DLQ copy, the periodic helper and the loop supervisor."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging

import asyncpg
import orjson
import pytest
from aiokafka import ConsumerRecord
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    UnknownError,
)

from shared.backoff import Backoff, LogThrottle
from shared.kafka import bounded_copy
from shared.lifecycle import Loops
from shared.periodic import every
from shared.transient import is_record_fault, is_transient


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets() -> None:
    low = Backoff(initial=1.0, cap=8.0, jitter=lambda: 0.0)
    assert [low.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    high = Backoff(initial=1.0, cap=8.0, jitter=lambda: 0.999)
    delays = [high.next() for _ in range(6)]
    assert delays[-1] == 8.0 and all(d <= 8.0 for d in delays)
    high.reset()
    assert high.next() == pytest.approx(1.499)


def test_log_throttle_lets_one_message_through_per_interval_and_counts_the_rest() -> None:
    clock = [0.0]
    throttle = LogThrottle(interval=60, clock=lambda: clock[0])
    assert throttle.ready() == 0
    assert [throttle.ready() for _ in range(3)] == [None, None, None]
    clock[0] = 61
    assert throttle.ready() == 3
    throttle.reset()
    assert throttle.ready() == 0


def test_the_transient_list() -> None:
    assert is_transient(asyncpg.exceptions.InternalClientError("broken pooled connection"))
    assert is_transient(asyncpg.exceptions.AdminShutdownError())
    assert is_transient(ConnectionRefusedError())
    assert is_transient(KafkaConnectionError()) and is_transient(KafkaTimeoutError())
    assert not is_transient(MessageSizeTooLargeError())
    assert not is_transient(ValueError("bad input"))
    assert not is_transient(asyncpg.exceptions.UniqueViolationError())


def test_only_a_fault_of_the_record_itself_makes_an_outbox_row_dead() -> None:
    """A broker shutting down answers UnknownError (not retriable by aiokafka's flag): the row must
    stay due, or a broker outage would fail every job submitted during it."""
    assert is_record_fault(MessageSizeTooLargeError()) and is_record_fault(RecordTooLargeError())
    assert is_record_fault(TypeError("value must be bytes"))
    assert not is_record_fault(UnknownError())
    assert not is_record_fault(TopicAuthorizationFailedError())
    assert not is_record_fault(KafkaConnectionError()) and not is_record_fault(ConnectionRefusedError())


def test_bounded_copy_keeps_size_hash_head_and_reason_of_any_value() -> None:
    value = b"\xff" * 1_000_000
    record = ConsumerRecord(
        "label-export.requested", 3, 42, 0, 0, b"k", value, None, len(b"k"), len(value), []
    )
    copy = orjson.loads(
        bounded_copy(record, reason="not JSON", error="MessageSizeTooLargeError: 1MB", excerpt_bytes=100)
    )
    assert copy["original_size"] == 1_000_000
    assert copy["sha256"] == hashlib.sha256(value).hexdigest()
    assert base64.b64decode(copy["head_base64"]) == value[:100]
    assert copy["reason"] == "not JSON" and copy["full_copy_error"].startswith("MessageSizeTooLarge")
    assert copy["source"] == {"topic": "label-export.requested", "partition": 3, "offset": 42}
    assert len(orjson.dumps(copy)) < 1_000


async def test_periodic_goes_on_after_transient_and_other_errors(caplog: pytest.LogCaptureFixture) -> None:
    outcomes: list[BaseException | None] = [OSError("db away"), OSError("db away"), ValueError("bug"), None]
    calls = 0
    done = asyncio.Event()

    async def step() -> None:
        nonlocal calls
        calls += 1
        outcome = outcomes[min(calls - 1, len(outcomes) - 1)]
        if calls == len(outcomes):
            done.set()
        if outcome is not None:
            raise outcome

    with caplog.at_level(logging.WARNING, logger="shared.periodic"):
        task = asyncio.create_task(every(0.01, step, name="sweep", cap=0.05))
        await asyncio.wait_for(done.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    transient = [r for r in caplog.records if "skipped a beat" in r.getMessage()]
    assert len(transient) == 1  # once per interval, not once per try
    failed = [r for r in caplog.records if "step failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None  # with its traceback


async def test_a_loop_that_ends_is_restarted_and_reported() -> None:
    runs = 0
    forever = asyncio.Event()

    async def run() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("crashed")
        if runs == 2:
            return  # ended on its own
        await forever.wait()

    loops = Loops(initial_backoff=0.01, max_backoff=0.02)
    handle = loops.start("planner", run)
    for _ in range(200):
        if runs == 3:
            break
        await asyncio.sleep(0.01)
    report = loops.report()["planner"]
    assert report["state"] == "running" and report["restarts"] == 2 and report["last_error"] == "ended"
    assert loops.supervisors_alive() and loops.all_running()
    handle.stop()
    forever.set()
    await asyncio.wait_for(handle.task, 1)
    assert runs == 3 and loops.supervisors_alive()  # stopped on purpose: not a lost supervisor
