"""The platform's HTTP API served on a free local port, for benchmarks' console clients."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from anfang.app.http import create_app
from anfang.app.platform import Platform


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serve_api(platform: Platform) -> AsyncIterator[int]:
    """Serve ``platform``'s API (uvicorn, in this event loop) until exit; yields its port."""
    port = free_port()
    app = create_app(platform.settings, platform=platform)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # start-up failed: raise its error
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await serving
