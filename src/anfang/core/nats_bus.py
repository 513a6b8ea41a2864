"""The bus over NATS JetStream, for several processes or a district node; and ``make_bus``.

Subjects handed to the bus are relative (``events.perimeter.intrusion``); on the wire they
carry a prefix (``anfang.events.perimeter.intrusion``), and one stream named after the prefix
keeps ``<prefix>.>`` within configurable age and size limits. nats-py reconnects by itself;
publishes that are not acknowledged in time raise :class:`BusPublishError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import SlowConsumerError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

from anfang.core.bus import BUS_DROPPED, Bus, InProcessBus, Message, Subscription

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


class BusError(RuntimeError):
    """Something went wrong talking to the bus server."""


class BusUnavailable(BusError):
    """The bus server cannot be reached, or has no JetStream."""


class BusPublishError(BusError):
    """JetStream did not confirm a publish."""


def _check_subject(subject: str, *, wildcards: bool) -> None:
    tokens = subject.split(".")
    for i, tok in enumerate(tokens):
        ok = bool(_TOKEN.match(tok)) or (
            wildcards and (tok == "*" or (tok == ">" and i == len(tokens) - 1))
        )
        if not ok:
            kind = "pattern" if wildcards else "subject"
            raise ValueError(f"bad bus {kind} {subject!r}: dotted words of [A-Za-z0-9_-]")


def _decode(msg: Msg, prefix_len: int) -> Message | None:
    try:
        data = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        log.warning("dropping non-object bus message on %s", msg.subject)
        return None
    return Message(msg.subject[prefix_len:], data)


class _NatsSubscription:
    """Messages from an ordered, ephemeral push consumer (delivers new messages only)."""

    def __init__(self, bus: NatsJetStreamBus, psub: JetStreamContext.PushSubscription) -> None:
        self._bus = bus
        self._psub = psub
        self._closed = False
        self._iter: AsyncIterator[Message] | None = None

    async def __aiter__(self) -> AsyncIterator[Message]:
        async for msg in self._psub.messages:
            decoded = _decode(msg, self._bus.wire_prefix_len)
            if decoded is not None:
                yield decoded

    async def batch(self, limit: int) -> list[Message]:
        """The next message ([] once closed); NATS hands them over one at a time."""
        if self._iter is None:
            self._iter = aiter(self)
        try:
            return [await anext(self._iter)]
        except StopAsyncIteration:
            return []

    async def close(self) -> None:
        """Stop receiving and remove the server-side consumer."""
        if self._closed:
            return
        self._closed = True
        self._bus._subs.discard(self)
        nc = self._bus._nc
        if nc is None or nc.is_closed:
            return
        with contextlib.suppress(nats.errors.Error):
            await self._psub.unsubscribe()
        # Ephemeral consumers expire on their own; deleting now frees the server at once.
        with contextlib.suppress(nats.errors.Error, asyncio.TimeoutError):
            await self._bus._js_or_raise().delete_consumer(
                self._bus.stream_name, self._psub._consumer
            )


class DurableSubscription:
    """A durable pull consumer that resumes after the last acknowledged message.

    A message is acknowledged when the iteration asks for the next one, that is after the
    body of ``async for`` handled it without raising. A message whose handling did not
    finish (exception, ``break``, ``close()`` from elsewhere) is delivered again, so
    handlers must tolerate repeats (at-least-once). Call :meth:`ack` to acknowledge the
    current message early, e.g. before ``break``.
    """

    def __init__(
        self, bus: NatsJetStreamBus, psub: JetStreamContext.PullSubscription, batch: int
    ) -> None:
        self._bus = bus
        self._psub = psub
        self._batch = batch
        self._buffer: list[Msg] = []
        self._current: Msg | None = None
        self._fetch: asyncio.Task[list[Msg]] | None = None
        self._closed = False

    def __aiter__(self) -> DurableSubscription:
        return self

    async def batch(self, limit: int) -> list[Message]:
        """The next message, acknowledging the one before ([] once closed)."""
        try:
            return [await self.__anext__()]
        except StopAsyncIteration:
            return []

    async def ack(self) -> None:
        """Acknowledge the message last handed out (no-op when there is none)."""
        msg, self._current = self._current, None
        if msg is not None:
            with contextlib.suppress(nats.errors.Error):
                await msg.ack()

    async def __anext__(self) -> Message:
        await self.ack()
        while True:
            while self._buffer:
                msg = self._buffer.pop(0)
                decoded = _decode(msg, self._bus.wire_prefix_len)
                if decoded is None:
                    await msg.term()  # never redeliver what can never be read
                    continue
                self._current = msg
                return decoded
            if self._closed:
                raise StopAsyncIteration
            self._fetch = asyncio.create_task(self._psub.fetch(self._batch, timeout=1.0))
            try:
                self._buffer = await self._fetch
            except TimeoutError:  # nats-py raises its own and asyncio's
                continue
            except nats.errors.ConnectionClosedError as exc:
                raise BusError(f"the connection to NATS {self._bus.url} is closed") from exc
            except asyncio.CancelledError:
                if self._closed:
                    raise StopAsyncIteration from None
                raise
            finally:
                self._fetch = None

    async def close(self) -> None:
        """Stop fetching; unacknowledged messages go back to the server at once."""
        if self._closed:
            return
        self._closed = True
        self._bus._subs.discard(self)
        if self._fetch is not None:
            self._fetch.cancel()
        nc = self._bus._nc
        if nc is None or nc.is_closed:
            return
        pending, self._buffer = self._buffer, []
        if self._current is not None:
            pending.insert(0, self._current)
            self._current = None
        with contextlib.suppress(nats.errors.Error):
            for msg in pending:
                await msg.nak()  # redeliver now rather than after ack_wait
            await self._psub.unsubscribe()
            await nc.flush()


class NatsJetStreamBus:
    """The :class:`~anfang.core.bus.Bus` over NATS JetStream (publishes confirmed by acks)."""

    def __init__(
        self,
        url: str,
        prefix: str = "anfang",
        *,
        max_age_seconds: float = 7 * 24 * 3600,
        max_bytes: int = 1 << 30,
        connect_wait: float = 5.0,
        publish_timeout: float = 5.0,
        ack_wait_seconds: float = 30.0,
        heartbeat_seconds: float = 1.0,
    ) -> None:
        _check_subject(prefix, wildcards=False)
        self.url = url
        self.prefix = prefix
        self.stream_name = re.sub(r"[^A-Za-z0-9_-]", "_", prefix).upper()
        self.wire_prefix_len = len(prefix) + 1
        self.max_age_seconds = max_age_seconds
        self.max_bytes = max_bytes
        self.connect_wait = connect_wait
        self.publish_timeout = publish_timeout
        self.ack_wait_seconds = ack_wait_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._subs: set[_NatsSubscription | DurableSubscription] = set()
        self._last_error: BaseException | None = None
        self._up = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether the connection to the server is up at this moment."""
        return self._nc is not None and self._nc.is_connected

    async def wait_connected(self) -> None:
        """Return once the connection is up (at once when it is)."""
        await self._up.wait()

    async def _on_error(self, err: Exception) -> None:
        self._last_error = err
        if isinstance(err, SlowConsumerError):
            BUS_DROPPED.inc()
        else:
            log.warning("NATS %s: %r", self.url, err)

    async def _on_disconnected(self) -> None:
        self._up.clear()
        if self._nc is not None:  # not when closing on purpose
            log.warning("disconnected from NATS %s; reconnecting", self.url)

    async def _on_reconnected(self) -> None:
        self._up.set()
        log.info("reconnected to NATS %s", self.url)

    async def start(self) -> None:
        """Connect (retrying for ``connect_wait`` seconds) and create or update the stream."""
        self._last_error = None
        try:
            self._nc = await asyncio.wait_for(
                nats.connect(
                    self.url,
                    name=f"anfang-{self.prefix}",
                    max_reconnect_attempts=-1,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                ),
                self.connect_wait,
            )
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            cause = self._last_error or exc
            raise BusUnavailable(
                f"cannot reach the NATS server at {self.url} within {self.connect_wait:g} s: "
                f"{cause!r}"
            ) from cause
        self._up.set()
        self._js = self._nc.jetstream(timeout=self.publish_timeout)
        config = StreamConfig(
            name=self.stream_name,
            subjects=[f"{self.prefix}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_seconds,
            max_bytes=self.max_bytes,
        )
        try:
            try:
                await self._js.stream_info(self.stream_name)
            except NotFoundError:
                await self._js.add_stream(config)
            else:
                await self._js.update_stream(config)
        except (nats.errors.NoRespondersError, ServiceUnavailableError) as exc:
            await self.close()
            raise BusUnavailable(
                f"the NATS server at {self.url} has no JetStream (run nats-server -js)"
            ) from exc
        except APIError as exc:
            await self.close()
            raise BusError(f"cannot set up stream {self.stream_name} at {self.url}: {exc}") from exc

    async def close(self) -> None:
        """End every subscription and disconnect (pending publishes are flushed first)."""
        for sub in list(self._subs):
            await sub.close()
        nc, self._nc, self._js = self._nc, None, None
        self._up.clear()
        if nc is not None and not nc.is_closed:
            await nc.close()

    def _js_or_raise(self) -> JetStreamContext:
        if self._js is None:
            raise BusError("the NATS bus is not started")
        return self._js

    async def publish(self, subject: str, data: dict[str, Any]) -> None:
        """Publish one message and wait for JetStream to store it."""
        await self.publish_many([(subject, data)])

    async def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish messages in order, pipelined, returning once JetStream stored them all."""
        js = self._js_or_raise()
        for subject, _ in messages:
            _check_subject(subject, wildcards=False)
        # Encode everything first so that a bad payload sends nothing.
        encoded = [(f"{self.prefix}.{subject}", orjson.dumps(data)) for subject, data in messages]
        futures: list[asyncio.Future[Any]] = []
        try:
            for wire, payload in encoded:
                # One connection keeps the order; acks are gathered, not awaited one by one.
                futures.append(
                    await js.publish_async(
                        wire,
                        payload,
                        wait_stall=self.publish_timeout,
                        stream=self.stream_name,
                    )
                )
            if not futures:
                return
            done, pending = await asyncio.wait(futures, timeout=self.publish_timeout)
        except nats.errors.Error as exc:
            for fut in futures:
                fut.cancel()
            raise BusPublishError(f"publishing to NATS {self.url} failed: {exc!r}") from exc
        for fut in pending:
            fut.cancel()
        if pending:
            raise BusPublishError(
                f"NATS {self.url} confirmed {len(done)} of {len(futures)} messages within "
                f"{self.publish_timeout:g} s (unconfirmed ones may still be stored on reconnect)"
            )
        for fut in futures:
            if (err := fut.exception()) is not None:
                raise BusPublishError(f"JetStream refused a message: {err!r}") from err

    async def subscribe(self, pattern: str, *, max_pending: int = 100_000) -> Subscription:
        """Receive every message matching ``pattern`` published from now on."""
        _check_subject(pattern, wildcards=True)
        psub = await self._js_or_raise().subscribe(
            f"{self.prefix}.{pattern}",
            stream=self.stream_name,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            pending_msgs_limit=max_pending,
            # Two missed heartbeats make nats-py recreate the consumer after a server restart.
            idle_heartbeat=self.heartbeat_seconds,
        )
        sub = _NatsSubscription(self, psub)
        self._subs.add(sub)
        return sub

    async def subscribe_durable(
        self, pattern: str, durable_name: str, *, batch: int = 100
    ) -> DurableSubscription:
        """Resume a named consumer where it left off (created, starting now, if absent).

        See :class:`DurableSubscription` for when messages are acknowledged.
        """
        _check_subject(pattern, wildcards=True)
        _check_subject(durable_name, wildcards=False)
        if "." in durable_name:
            raise ValueError(f"bad durable name {durable_name!r}: no dots")
        js = self._js_or_raise()
        wire = f"{self.prefix}.{pattern}"
        try:
            info = await js.consumer_info(self.stream_name, durable_name)
        except NotFoundError:
            await js.add_consumer(
                self.stream_name,
                ConsumerConfig(
                    durable_name=durable_name,
                    filter_subject=wire,
                    deliver_policy=DeliverPolicy.NEW,
                    ack_policy=AckPolicy.EXPLICIT,
                    ack_wait=self.ack_wait_seconds,
                    max_ack_pending=max(batch * 10, 1000),
                ),
            )
        else:
            if info.config.filter_subject != wire:
                raise BusError(
                    f"durable consumer {durable_name!r} follows {info.config.filter_subject!r}, "
                    f"not {wire!r}: pick another name or delete it"
                )
        psub = await js.pull_subscribe_bind(durable=durable_name, stream=self.stream_name)
        sub = DurableSubscription(self, psub, batch)
        self._subs.add(sub)
        return sub

    async def delete_stream(self) -> None:
        """Delete this prefix's stream and every consumer of it (tests, decommissioning)."""
        with contextlib.suppress(NotFoundError):
            await self._js_or_raise().delete_stream(self.stream_name)


def make_bus(
    bus_url: str | None,
    prefix: str = "anfang",
    *,
    max_age_seconds: float = 7 * 24 * 3600,
    max_bytes: int = 1 << 30,
) -> Bus:
    """The bus the settings ask for: in-process without a URL, NATS JetStream with one."""
    if bus_url is None:
        return InProcessBus()
    return NatsJetStreamBus(bus_url, prefix, max_age_seconds=max_age_seconds, max_bytes=max_bytes)
