"""Worker processes: how they are started and the first thing each one does, so that
stopping stays the parent's job."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")


@contextmanager
def interrupt_held() -> Iterator[None]:
    """Start worker processes inside this: they are born with SIGINT blocked.

    A child inherits the starting thread's signal mask, so a Ctrl-C that arrives while
    it is still importing waits for it to reach :func:`leave_interrupt_to_parent` instead
    of killing it with a traceback. The parent loses nothing: the kernel hands its SIGINT
    to another of its threads, or delivers it here when the block ends."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def leave_interrupt_to_parent() -> None:
    """Ignore SIGINT in a worker process (call it first in the worker).

    A terminal's Ctrl-C goes to the whole process group, workers included. The parent
    stops its workers in order (open segments finished, queues drained); a worker that took
    the signal itself died mid-task and printed a ``KeyboardInterrupt`` traceback, which is
    what ``make run`` and Ctrl-C showed for the health, plate and masking workers. A
    SIGINT held since the worker's start (:func:`interrupt_held`) is dropped here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_held(proc: BaseProcess) -> None:
    """``proc.start()`` inside :func:`interrupt_held` (in whichever thread calls it)."""
    with interrupt_held():
        proc.start()


def submit_held(pool: Executor, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """``loop.run_in_executor(pool, fn, *args)`` inside :func:`interrupt_held`: a process
    pool starts its workers on submit, and each is then born holding SIGINT."""
    with interrupt_held():
        return asyncio.get_running_loop().run_in_executor(pool, fn, *args)
