"""The replica's process pool, shared fairly between organizations (docs/design.md#fair-scheduling).

A `ProcessPoolExecutor` runs its tasks first come, first served: a small job's one batch would
queue behind every batch a giant job's chunks have submitted. `FairPool` sits in front of it and
keeps at most `slots` tasks inside the executor (enough to keep every render process busy: one
running and one queued each); the rest wait here in one queue per organization. When a slot
frees, the organization with the fewest tasks in the executor goes next, ties in round-robin
order, so another organization's batch starts after at most `slots` batches of the giant, whatever
the giant has queued.

Callers see a plain `Executor` per organization (`lane`), so `loop.run_in_executor` works as
before. Completion callbacks come from the executor's own thread, hence the lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Item = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class FairPool:
    def __init__(self, executor: Executor, *, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self._executor = executor
        self._slots = slots
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, deque[_Item]] = {}
        self._running: dict[Hashable, int] = {}
        self._served: dict[Hashable, int] = {}  # when each owner last started a task: the round's order
        self._ticks = 0
        self._in_executor = 0

    def lane(self, owner: Hashable) -> Executor:
        """An `Executor` whose tasks are scheduled as `owner`'s (an organization id)."""
        return _Lane(self, owner)

    @property
    def executor(self) -> Executor:
        return self._executor

    def submit_as(self, owner: Hashable, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        outer: Future[T] = Future()
        with self._lock:
            self._waiting.setdefault(owner, deque()).append((outer, fn, args, kwargs))
        self._dispatch()
        return outer

    def _next(self) -> tuple[Hashable, _Item] | None:
        """Under the lock: the next task to start, or None when the slots are full or none waits."""
        while self._in_executor < self._slots and self._waiting:
            # The fewest tasks in the executor first; among equals, whoever started one longest ago.
            owner = min(self._waiting, key=lambda o: (self._running.get(o, 0), self._served.get(o, -1)))
            queue = self._waiting[owner]
            item = queue.popleft()
            if not queue:
                del self._waiting[owner]
            if not item[0].set_running_or_notify_cancel():
                continue  # cancelled while it waited
            self._in_executor += 1
            self._running[owner] = self._running.get(owner, 0) + 1
            self._ticks += 1
            self._served[owner] = self._ticks
            return owner, item
        return None

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                picked = self._next()
            if picked is None:
                return
            owner, (outer, fn, args, kwargs) = picked
            try:
                inner = self._executor.submit(fn, *args, **kwargs)
            except BaseException as exc:  # shut down: the caller sees why
                self._finished(owner)
                outer.set_exception(exc)
                continue
            inner.add_done_callback(lambda done, o=owner, out=outer: self._settle(o, out, done))  # type: ignore[misc]

    def _settle(self, owner: Hashable, outer: Future[Any], inner: Future[Any]) -> None:
        self._finished(owner)
        if inner.cancelled():  # the executor shut down; `outer` runs already, so it cannot be cancelled
            outer.set_exception(CancelledError())
        elif (exc := inner.exception()) is not None:
            outer.set_exception(exc)
        else:
            outer.set_result(inner.result())
        self._dispatch()

    def _finished(self, owner: Hashable) -> None:
        with self._lock:
            self._in_executor -= 1
            left = self._running[owner] - 1
            if left:
                self._running[owner] = left
            else:
                del self._running[owner]
                if owner not in self._waiting:
                    del self._served[owner]  # idle: forgotten, so the maps hold only active owners


class _Lane(Executor):
    def __init__(self, pool: FairPool, owner: Hashable) -> None:
        self._pool = pool
        self._owner = owner

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._pool.submit_as(self._owner, fn, *args, **kwargs)
