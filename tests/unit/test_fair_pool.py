"""The render pool shared fairly between organizations (render_service/fair_pool.py), in front of
an executor whose tasks the test finishes by hand."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any

import pytest

from render_service.fair_pool import FairPool


class HandExecutor(Executor):
    """Records what reaches it; each task finishes when the test says so."""

    def __init__(self) -> None:
        self.started: list[tuple[Future[Any], Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.started.append((future, args[0]))
        return future

    def names(self) -> list[Any]:
        return [name for _, name in self.started]

    def finish(self, n: int) -> None:
        future, name = self.started[n]
        future.set_result(f"done {name}")


def task(name: str) -> str:
    return name


def test_another_organizations_task_starts_next_whatever_the_first_has_queued() -> None:
    executor = HandExecutor()
    pool = FairPool(executor, slots=2)
    a, b = pool.lane("A"), pool.lane("B")
    giant = [a.submit(task, f"a{n}") for n in range(8)]
    assert executor.names() == ["a0", "a1"]  # only as many as the slots reach the executor
    small = b.submit(task, "b0")
    executor.finish(0)
    assert executor.names() == ["a0", "a1", "b0"]  # B before A's six queued tasks
    assert giant[0].result() == "done a0"
    executor.finish(2)
    assert small.result() == "done b0"
    executor.finish(1)
    assert executor.names()[3:] == ["a2", "a3"]


def test_organizations_with_work_waiting_take_turns() -> None:
    executor = HandExecutor()
    pool = FairPool(executor, slots=1)
    for name in ("a0", "a1", "a2"):
        pool.lane("A").submit(task, name)
    for name in ("b0", "b1"):
        pool.lane("B").submit(task, name)
    pool.lane("C").submit(task, "c0")
    for n in range(5):
        executor.finish(n)
    assert executor.names() == ["a0", "b0", "c0", "a1", "b1", "a2"]


def test_a_task_cancelled_while_it_waits_never_runs_and_errors_reach_the_caller() -> None:
    executor = HandExecutor()
    pool = FairPool(executor, slots=1)
    first = pool.lane("A").submit(task, "a0")
    dropped = pool.lane("A").submit(task, "a1")
    kept = pool.lane("A").submit(task, "a2")
    assert dropped.cancel()
    executor.started[0][0].set_exception(ValueError("label a0 does not fit"))
    with pytest.raises(ValueError, match="label a0 does not fit"):
        first.result()
    assert executor.names() == ["a0", "a2"]
    executor.started[1][0].cancel()  # the executor shut down under it
    with pytest.raises(CancelledError):
        kept.result()
