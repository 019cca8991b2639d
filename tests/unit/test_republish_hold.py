"""When the stale-job sweep holds a re-publish back: while the last copy is provably on its way."""

from __future__ import annotations

from api_service.domain.republish import BrokerView, LatestCopy, on_its_way

HOLD = 25.0


def copy(**changes: object) -> LatestCopy:
    fields: dict[object, object] = {
        "partition": 1,
        "offset": 10,
        "age_s": 6.0,
        "copies": 1,
        "later_send_not_above": False,
        "taken": False,
        "counted": False,
        "events_end": None,
    }
    fields.update(changes)
    return LatestCopy(**fields)  # type: ignore[arg-type]


QUEUED = BrokerView(planner={1: 4}, requests_end={1: 30})


def test_a_copy_still_in_the_log_that_the_planner_has_not_reached_is_on_its_way() -> None:
    assert on_its_way(copy(), QUEUED, hold_at_most=HOLD)


def test_not_held_past_the_bound_whatever_the_broker_says() -> None:
    assert not on_its_way(copy(age_s=HOLD), QUEUED, hold_at_most=HOLD)
    # The bound doubles with each copy since the job last moved, up to 16 times.
    assert on_its_way(copy(age_s=HOLD, copies=2), QUEUED, hold_at_most=HOLD)
    assert not on_its_way(copy(age_s=2 * HOLD, copies=2), QUEUED, hold_at_most=HOLD)
    assert on_its_way(copy(age_s=15 * HOLD, copies=9), QUEUED, hold_at_most=HOLD)
    assert not on_its_way(copy(age_s=16 * HOLD, copies=9), QUEUED, hold_at_most=HOLD)


def test_a_copy_the_broker_lost_is_not_on_its_way() -> None:
    # A later send of ours on that partition got an offset not above it: the log restarted.
    assert not on_its_way(copy(later_send_not_above=True), QUEUED, hold_at_most=HOLD)
    # The partition ends at or before it: the log restarted and holds fewer records.
    assert not on_its_way(copy(), BrokerView(planner={1: 4}, requests_end={1: 10}), hold_at_most=HOLD)


def test_unknown_positions_mean_republish() -> None:
    assert not on_its_way(copy(), BrokerView(), hold_at_most=HOLD)
    assert not on_its_way(copy(partition=None, offset=None), QUEUED, hold_at_most=HOLD)
    taken = copy(taken=True, events_end={0: 5, 1: 9})
    assert not on_its_way(taken, BrokerView(events_end={0: 5, 1: 9}), hold_at_most=HOLD)


def test_taken_copy_is_on_its_way_until_the_projection_reaches_where_events_ended() -> None:
    taken = copy(taken=True, events_end={0: 5, 1: 9})
    behind = BrokerView(events_end={0: 6, 1: 12}, projection={0: 5, 1: 8})
    caught_up = BrokerView(events_end={0: 6, 1: 12}, projection={0: 5, 1: 9})
    assert on_its_way(taken, behind, hold_at_most=HOLD)
    assert not on_its_way(taken, caught_up, hold_at_most=HOLD)
    # The events log restarted (it now ends below what was kept): an answer in it is gone.
    restarted = BrokerView(events_end={0: 1, 1: 2}, projection={0: 1, 1: 2})
    assert not on_its_way(taken, restarted, hold_at_most=HOLD)


def test_counted_or_just_taken_copies_are_not_held() -> None:
    assert not on_its_way(copy(counted=True), QUEUED, hold_at_most=HOLD)
    # The planner is past it but where its answer would be is not known yet.
    assert not on_its_way(copy(), BrokerView(planner={1: 11}, requests_end={1: 30}), hold_at_most=HOLD)
