"""Retry-After parsing and the poll/retry delays: the server's ask is a floor."""

from __future__ import annotations

import datetime as dt

import pytest

from label_client.backoff import PollPolicy, parse_retry_after, poll_delay, retry_delay

NOW = dt.datetime(2026, 11, 28, 10, 15, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        (" 3 ", 3.0),
        ("0.25", 0.25),
        ("0", 0.0),
        ("-5", 0.0),  # never a negative sleep
        ("Sat, 28 Nov 2026 10:15:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 10:14:00 GMT", 0.0),  # a date in the past: go now
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_poll_delay_grows_while_nothing_changes_and_caps() -> None:
    policy = PollPolicy(initial=0.5, factor=2, maximum=3, jitter=0)
    delays = [poll_delay(policy, unchanged_polls=n, retry_after=None) for n in range(5)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_retry_after_is_a_floor_not_a_ceiling() -> None:
    policy = PollPolicy(initial=0.5, factor=2, maximum=3, jitter=0)
    assert poll_delay(policy, unchanged_polls=0, retry_after=1) == 1  # never sooner than asked
    assert poll_delay(policy, unchanged_polls=3, retry_after=1) == 3  # our backoff may add to it
    assert poll_delay(policy, unchanged_polls=0, retry_after=30) == 30  # above our cap: honoured


def test_jitter_stays_within_its_fraction() -> None:
    policy = PollPolicy(initial=1, factor=1, maximum=1, jitter=0.1)
    assert poll_delay(policy, unchanged_polls=0, retry_after=None, rand=0.0) == pytest.approx(0.9)
    assert poll_delay(policy, unchanged_polls=0, retry_after=None, rand=0.5) == pytest.approx(1.0)
    assert poll_delay(policy, unchanged_polls=0, retry_after=None, rand=0.999) < 1.1


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        PollPolicy(initial=2, maximum=1)
    with pytest.raises(ValueError):
        PollPolicy(factor=0.5)


def test_retry_delay_doubles_and_caps_unless_the_server_says() -> None:
    assert [retry_delay(n, retry_after=None) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1, 2, 4, 8, 8]
    assert retry_delay(1, retry_after=12) == 12
