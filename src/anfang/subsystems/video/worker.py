"""The recording worker process: one event loop recording many cameras' main streams.

It runs outside the platform's process and event loop. The platform sends it the set of
cameras to record (``{"op": "set", "cameras": [...]}``) and ``{"op": "stop"}``; the worker
reports back, as plain dicts on the same pipe: ``state`` (connecting, recording,
unauthorized, unreachable, unsupported, lost, disk_full, storage_error), ``segment`` (a
complete file) and ``gap_open`` / ``gap_close``. Each camera is a task of the loop
(:mod:`anfang.subsystems.video.camera_task`); a camera's failure never touches the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import av

from anfang.core.processes import leave_interrupt_to_parent
from anfang.subsystems.video.camera_task import CameraJob, CameraTask, Reporter

log = logging.getLogger(__name__)
STOP_GRACE = 15.0  # seconds for the cameras to finish their open segments


async def serve(conn: Connection, root: Path) -> None:
    """Obey the platform's commands until ``stop``, SIGTERM, or the pipe closes."""
    loop = asyncio.get_running_loop()
    report = Reporter(conn)
    tasks: dict[int, CameraTask] = {}
    done = asyncio.Event()
    commands: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    def readable() -> None:
        try:
            while conn.poll():
                commands.put_nowait(conn.recv())
        except (EOFError, OSError):
            done.set()

    loop.add_reader(conn.fileno(), readable)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, done.set)  # a service manager stops us
    waiter = asyncio.ensure_future(done.wait())
    try:
        while not done.is_set():
            getter = asyncio.ensure_future(commands.get())
            await asyncio.wait([getter, waiter], return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                break
            msg = getter.result()
            if msg.get("op") == "stop":
                break
            if msg.get("op") == "set":
                await _apply(tasks, msg, root, report)
    finally:
        waiter.cancel()
        loop.remove_reader(conn.fileno())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE):
                await asyncio.gather(*(t.stop() for t in tasks.values()))
        report.send({"t": "bye"})


async def _apply(
    tasks: dict[int, CameraTask], msg: dict[str, object], root: Path, report: Reporter
) -> None:
    cameras = msg.get("cameras")
    assert isinstance(cameras, list)
    wanted = {int(j["id"]): CameraJob(**j) for j in cameras}
    for cid, task in list(tasks.items()):
        if wanted.get(cid) != task.job:
            await task.stop()
            del tasks[cid]
    for cid, job in wanted.items():
        if cid not in tasks:
            tasks[cid] = CameraTask(job, root, report)
            tasks[cid].start()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m anfang.subsystems.video.worker FD ROOT``.

    The recorder starts the worker as a fresh interpreter that imports only this module
    (and PyAV): a ``multiprocessing`` spawn would re-import the parent's main module and
    everything it loaded, several times the memory.
    """
    args = argv if argv is not None else sys.argv[1:]
    leave_interrupt_to_parent()  # the platform stops us in order (segments finished, indexed)
    logging.basicConfig(level=logging.WARNING)
    av.logging.set_level(av.logging.FATAL)
    run = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # comes with uvicorn[standard]; fewer cycles per socket read

        run = uvloop.run
    run(serve(Connection(int(args[0])), Path(args[1])))


if __name__ == "__main__":
    main()
