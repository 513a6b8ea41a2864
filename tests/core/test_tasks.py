"""stop_task: cancel and wait, swallowing only the cancellation."""

from __future__ import annotations

import asyncio

import pytest

from anfang.core.tasks import stop_task


async def test_stops_a_running_task_and_waits_for_its_cleanup() -> None:
    cleaned = asyncio.Event()

    async def loop() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.set()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    await stop_task(task)
    assert task.cancelled() and cleaned.is_set()
    await stop_task(None)  # nothing to stop
    await stop_task(task)  # already ended


async def test_an_error_other_than_cancellation_is_raised() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="boom"):
        await stop_task(task)
