"""The channel between the platform and its SIA front process: pickled messages on a socketpair.

Each message is a 4-byte big-endian length and a pickle. Pickle is safe here only because
both ends are this program: the channel is one end of a ``socket.socketpair()`` made by the
platform for the child it spawns, never a network socket. An ``asyncio.Protocol`` on both
sides, so that neither event loop ever blocks on the other (a ``multiprocessing.Pipe`` would
block a sender whose peer is slow to read).
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from collections.abc import Callable
from typing import Any, cast

_LEN = struct.Struct("!I")
# No message comes near this (a batch of frames is a few tens of kB); a longer length can
# only mean a broken stream.
MAX_MESSAGE = 64 * 1024 * 1024


class Channel(asyncio.Protocol):
    """One end of the channel: ``send`` objects, ``on_message`` gets the peer's."""

    def __init__(self, on_message: Callable[[Any], None], on_lost: Callable[[], None]) -> None:
        self.on_message = on_message
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.on_lost()

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        start = 0
        while len(buf) - start >= 4:
            (size,) = _LEN.unpack_from(buf, start)
            if size > MAX_MESSAGE:
                raise ValueError(f"SIA channel: message of {size} bytes")
            if len(buf) - start - 4 < size:
                break
            obj = pickle.loads(memoryview(buf)[start + 4 : start + 4 + size])
            start += 4 + size
            self.on_message(obj)
        del buf[:start]

    def send(self, obj: Any) -> bool:
        """Queue ``obj`` for the peer; False when the channel is closed."""
        if self.transport is None or self.transport.is_closing():
            return False
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.transport.write(_LEN.pack(len(data)) + data)
        return True

    def close(self) -> None:
        """Close this end (the peer sees the channel lost)."""
        if self.transport is not None:
            self.transport.close()
