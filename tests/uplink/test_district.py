"""District federation with real processes: two ``anfang serve`` communities publish to the
real NATS JetStream server on 127.0.0.1; a third ``anfang serve`` is their district node. A
community cut off from NATS keeps taking events, and the district has every one of them,
once, after the link comes back. Each run uses a stream of its own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from anfang.uplink.adapters import district as wire
from tests.web.conftest import Server, serve

NATS = ("127.0.0.1", 4222)
pytestmark = pytest.mark.slow


def _nats_up() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(NATS, timeout=1):
        return True
    return False


class Cuttable:
    """A TCP forwarder to NATS that can be cut and restored (the community's WAN link)."""

    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._socks: list[socket.socket] = []
        self.restore()

    def restore(self) -> None:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen()
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            upstream = socket.create_connection(NATS)
            self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        for s in self._socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._socks.clear()


def _wait(
    cond: Callable[[], bool], within_s: float, what: str, show: Callable[[], object] = str
) -> None:
    deadline = time.monotonic() + within_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within_s} s ({show()})")
        time.sleep(0.2)


def _submit(srv: Server, token: str, n: int, tag: str) -> None:
    with srv.client(token) as c:
        for i in range(n):
            body = {
                "kind": "perimeter.intrusion",
                "source": f"{tag}-{i % 3}",
                "payload": {"n": i},
                "idempotency_key": f"{tag}-{i}",
            }
            r = c.post("/api/v1/events", json=body)
            assert r.status_code == 201, r.text


@pytest.fixture
def link() -> Iterator[Cuttable]:
    link = Cuttable()
    try:
        yield link
    finally:
        link.cut()


@pytest.mark.skipif(not _nats_up(), reason="NATS is not running on 127.0.0.1:4222")
def test_communities_reach_the_district_and_catch_up_after_a_cut(
    tmp_path: Path, link: Cuttable
) -> None:
    stream = f"ANFANG_T_{uuid.uuid4().hex[:10].upper()}"
    url = f"nats://{NATS[0]}:{NATS[1]}"
    common = {"ANFANG_UPLINK_DISTRICT_STREAM": stream, "ANFANG_VIDEO_RECORDING": "false"}
    district_env = {**common, "ANFANG_UPLINK_ROLE": "district", "ANFANG_UPLINK_DISTRICT_URL": url}
    a_env = {
        **common,
        "ANFANG_UPLINK_DISTRICT_URL": f"nats://127.0.0.1:{link.port}",
        "ANFANG_UPLINK_COMMUNITY": "A",
        "ANFANG_UPLINK_COMMUNITY_NAME": "阳光小区",
    }
    b_env = {**common, "ANFANG_UPLINK_DISTRICT_URL": url, "ANFANG_UPLINK_COMMUNITY": "B"}
    with (
        serve(tmp_path / "district", district_env) as district,
        serve(tmp_path / "a", a_env) as a,
        serve(tmp_path / "b", b_env) as b,
    ):
        d_token, a_token, b_token = district.admin_token(), a.admin_token(), b.admin_token()

        def communities() -> dict[str, dict[str, Any]]:
            with district.client(d_token) as c:
                r = c.get("/api/v1/uplink/district/communities")
                r.raise_for_status()
                return {x["code"]: x for x in r.json()}

        _submit(a, a_token, 10, "a1")
        _submit(b, b_token, 5, "b1")
        _wait(lambda: communities().get("A", {}).get("events", 0) == 10, 30, "A's first events")
        _wait(lambda: communities().get("B", {}).get("events", 0) == 5, 30, "B's events")
        link.cut()  # A loses its district link, and goes on working
        _submit(a, a_token, 20, "a2")
        time.sleep(2.0)
        assert communities()["A"]["events"] == 10
        link.restore()
        _wait(lambda: communities()["A"]["events"] == 30, 60, "A catching up", communities)
        _wait(lambda: communities()["A"]["name"] == "阳光小区", 20, "A's snapshot")
        a_view = communities()["A"]
        assert a_view["open_alarms"] >= 1 and a_view["lag_p99_s"] is not None
        with district.client(d_token) as c:
            detail = c.get("/api/v1/uplink/district/communities/A").json()
            assert detail["by_kind"]["perimeter.intrusion"] == 30
            assert c.get("/api/v1/uplink/district/communities/Z").status_code == 404
        with a.client(a_token) as c:
            assert c.get("/api/v1/uplink/district/communities").json() == []
    _delete_stream(stream)


def _delete_stream(stream: str) -> None:
    async def drop() -> None:
        nc = await nats.connect(f"nats://{NATS[0]}:{NATS[1]}")
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(stream)
        await nc.close()

    asyncio.run(drop())
    assert wire.prefix(stream) == stream.lower()
