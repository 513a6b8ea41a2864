"""The NATS JetStream connection of the district federation (nats-py): connect with endless
reconnects, and make sure the stream exists (file storage, a week, de-duplication by
message id for two minutes, so that a message sent again after a lost ack is kept once)."""

from __future__ import annotations

import logging
from datetime import timedelta

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from anfang.uplink.adapters.district import prefix

log = logging.getLogger(__name__)
MAX_AGE = timedelta(days=7).total_seconds()


async def connect(url: str, stream: str, name: str) -> tuple[Client, JetStreamContext]:
    """A connection and its JetStream context; raises ``OSError``/``nats.errors.Error``."""

    async def quiet(exc: Exception) -> None:
        log.debug("district NATS %s: %s", url, exc)

    nc = await nats.connect(
        url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=1, error_cb=quiet,
        connect_timeout=3, allow_reconnect=True,
    )  # fmt: skip
    js = nc.jetstream(timeout=5)
    config = StreamConfig(
        name=stream,
        subjects=[f"{prefix(stream)}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=MAX_AGE,
        duplicate_window=120,
    )
    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(config)
    return nc, js
