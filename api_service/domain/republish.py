"""Whether a stale job's latest re-published request is still on its way (then it is not re-published
again). Pure: the stale-job sweep passes what the database and the broker said.

Re-publishing a job whose last copy is merely queued (behind a backlog of requests) or whose answer
is merely queued (behind a backlog of events, on its way to the read model) only adds to the backlog
that made it stale: every copy of a finished job is one more request for the projection and one more
terminal event. A copy lost for good (a broker restart with memory storage) must be re-published
(no lost job), so a copy is held only while the broker shows it is still there. Both holds end by
themselves once the consumer gets there (the planner passes the copy's offset, the projection the
kept end offsets), also when the log was lost and refilled by others; a bound covers what that
reasoning misses (say, a planner group name the API was given wrong): `hold_at_most` seconds for the
first copy since the job last moved, doubling with each further copy up to 16 times that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_DOUBLINGS = 4


@dataclass(frozen=True)
class LatestCopy:
    """A job's latest re-published request, as the outbox knows it."""

    partition: int | None  # where the broker put it (None: not sent, or sent before we kept it)
    offset: int | None
    age_s: float  # since it was re-published
    copies: int  # re-published copies since the job last moved, this one included
    later_send_not_above: bool  # a row of ours sent later on its partition at an offset not above it
    taken: bool  # the render planner was seen past it
    counted: bool  # counted as taken and left unanswered
    events_end: Mapping[int, int] | None  # the events topic's end offsets when it was seen taken


@dataclass(frozen=True)
class BrokerView:
    """What the broker said in this sweep; None for what it did not say."""

    planner: Mapping[int, int] | None = None  # requests topic: the planner group's committed offsets
    requests_end: Mapping[int, int] | None = None  # requests topic: end offsets
    events_end: Mapping[int, int] | None = None  # events topic: end offsets
    projection: Mapping[int, int] | None = None  # events topic: the projection group's committed offsets


def on_its_way(copy: LatestCopy, view: BrokerView, *, hold_at_most: float) -> bool:
    """True while the copy waits in the requests log for the planner, or its answer may still be
    waiting in the events log for the projection; False when unknown (then re-publishing is right)."""
    if copy.counted or copy.partition is None or copy.offset is None:
        return False
    if copy.age_s >= hold_at_most * 2 ** min(max(copy.copies - 1, 0), MAX_DOUBLINGS):
        return False
    if copy.later_send_not_above:
        return False  # its log is gone: the broker restarted (memory storage) after it was sent
    if not copy.taken:
        if view.planner is None or view.requests_end is None:
            return False
        if view.planner.get(copy.partition, 0) > copy.offset:
            return False  # taken since, but not yet known where its answer would be
        return view.requests_end.get(copy.partition, 0) > copy.offset  # still in the log
    if copy.events_end is None or view.events_end is None or view.projection is None:
        return False
    if any(view.events_end.get(p, 0) < end for p, end in copy.events_end.items()):
        return False  # the events log restarted: an answer in it is gone
    return any(view.projection.get(p, 0) < end for p, end in copy.events_end.items())
