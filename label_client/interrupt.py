"""Ctrl-C while waiting: stop waiting, then let a person decide whether the job should stop too.

A job runs on the server whether or not anyone watches it, so Ctrl-C first only ends the wait.
Cancelling is a separate, explicit choice, asked only when someone can answer (stdin is a TTY).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable
from typing import TypeVar

from rich.console import Console
from rich.prompt import Confirm

T = TypeVar("T")


class Interrupted:
    """What `until_interrupted` returns when Ctrl-C came first."""


INTERRUPTED = Interrupted()


async def until_interrupted(awaitable: Awaitable[T]) -> T | Interrupted:
    """Await `awaitable`, or stop it at the first SIGINT and return `INTERRUPTED`."""
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    # asyncio.run's own SIGINT handler cancels the whole program; ours only ends this wait. Put
    # the previous one back afterwards, so a later Ctrl-C behaves as usual.
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
    except (NotImplementedError, RuntimeError, ValueError):  # no signal support (Windows, threads)
        return await awaitable
    work = asyncio.ensure_future(awaitable)
    stop = asyncio.ensure_future(interrupted.wait())
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if previous is not None:  # None: installed outside Python, nothing we can put back
            signal.signal(signal.SIGINT, previous)
        stop.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
    if work.done() and not work.cancelled():
        return work.result()
    return INTERRUPTED


def can_ask() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def ask_yes_no(console: Console, question: str) -> bool:
    """Ask on the terminal; no answer (EOF, a second Ctrl-C) means no.

    This blocks the event loop on purpose: nothing else is running while a person decides, and a
    prompt in a worker thread could not be interrupted (asyncio would wait for the thread).
    Python's default SIGINT handler is put in place for the prompt so a second Ctrl-C raises
    here instead of cancelling the program around a blocked input().
    """
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return bool(Confirm.ask(question, console=console, default=False))
    except (KeyboardInterrupt, EOFError):
        console.print()
        return False
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
