"""`make run`'s restart policy: what the log line says about an exit, and the backoff."""

from __future__ import annotations

import signal

from devtools.supervise import FIRST_DELAY, MAX_DELAY, describe_exit, next_delay


def test_an_exit_is_named_by_its_code_or_its_signal() -> None:
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-signal.SIGKILL) == "signal SIGKILL"


def test_backoff_doubles_from_the_first_delay_up_to_the_cap() -> None:
    delays = [next_delay(None)]
    for _ in range(8):
        delays.append(next_delay(delays[-1]))
    assert delays[:3] == [FIRST_DELAY, 2 * FIRST_DELAY, 4 * FIRST_DELAY]
    assert max(delays) == MAX_DELAY == delays[-1]
