"""A worker started held and calling leave_interrupt_to_parent outlives a SIGINT sent to
its group, whether the signal comes while it starts or once it runs."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from anfang.core.processes import interrupt_held, submit_held

WORKER = """
import os, signal, sys, time
time.sleep(float(sys.argv[1]))  # still starting (importing) for this long
from anfang.core.processes import leave_interrupt_to_parent
leave_interrupt_to_parent()
os.kill(os.getpid(), signal.SIGINT)  # what a terminal's Ctrl-C does to every process
time.sleep(0.2)
print("still here")
"""


def _run(body: str, starting_s: float = 0.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", body, str(starting_s)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def test_sigint_is_left_to_the_parent() -> None:
    out = _run(WORKER)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "still here" and "Traceback" not in out.stderr


def test_without_it_the_worker_dies_with_a_traceback() -> None:
    """The control: the same worker, the call left out."""
    out = _run(WORKER.replace("leave_interrupt_to_parent()\n", "", 1))
    assert out.returncode != 0 and "KeyboardInterrupt" in out.stderr


def test_a_sigint_while_it_starts_waits_and_is_dropped() -> None:
    """Started held, a worker signalled before it has called leave_interrupt_to_parent
    lives on; started plainly, the same worker dies."""
    for held, survives in ((True, True), (False, False)):
        with interrupt_held() if held else contextlib.nullcontext():
            proc = subprocess.Popen(
                [sys.executable, "-c", WORKER, "1.0"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert (proc.returncode == 0 and out.strip() == "still here") is survives, (held, err)


def test_the_parent_keeps_its_own_mask() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    with interrupt_held():
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before


async def test_submit_held_runs_the_call() -> None:
    with ThreadPoolExecutor(1) as pool:
        assert await submit_held(pool, pow, 2, 10) == 1024
