"""The GA/T 1400 (视图库) client: register, keepalive, time and unregister with digest
authentication and ``User-Identify``, then face and motor-vehicle records posted as
``application/VIID+JSON`` (httpx, whose ``DigestAuth`` answers the upper's challenge,
``qop=auth`` included)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from anfang.uplink.adapters import ga1400
from anfang.uplink.adapters.link_state import AgentState

log = logging.getLogger(__name__)
_BACKOFF_MAX = 60.0


@dataclass(frozen=True, slots=True)
class ViidConfig:
    """One GA/T 1400 upper as the client sees it."""

    name: str
    base_url: str
    local_id: str
    password: str
    keepalive_s: int = 50


class UploadFailed(Exception):
    """The upper did not take a batch (unreachable, 5xx, not registered): send it later."""


class ViidClient:
    """The lower side of one GA/T 1400 link."""

    def __init__(self, cfg: ViidConfig, on_state: Callable[[], None] | None = None) -> None:
        self.cfg = cfg
        self.on_state = on_state
        self.status = AgentState()
        self.registered = asyncio.Event()
        self._http = httpx.AsyncClient(
            base_url=cfg.base_url,
            auth=httpx.DigestAuth(cfg.local_id, cfg.password),
            headers={"User-Identify": cfg.local_id, "Content-Type": ga1400.CONTENT_TYPE},
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    async def start(self) -> None:
        """Start registering and keeping alive."""
        self._task = asyncio.create_task(self._run(), name=f"ga1400-{self.cfg.name}")

    async def stop(self) -> None:
        """Unregister (briefly) and close."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.registered.is_set():
            with contextlib.suppress(Exception):
                await self._post("/VIID/System/UnRegister", ga1400.unregister(self.cfg.local_id))
        await self._http.aclose()
        self._set("stopped", "")

    def _set(self, state: str, detail: str, code: str = "") -> None:
        changed = (state, detail) != (self.status.state, self.status.detail)
        self.status.state, self.status.detail, self.status.code = state, detail, code
        if state == "registered":
            self.registered.set()
        else:
            self.registered.clear()
        if changed:
            log.info("view library %s: %s %s", self.cfg.name, state, detail)
            if self.on_state is not None:
                self.on_state()

    def lost(self, why: str) -> None:
        """An upload found the upper gone or not knowing us: register again."""
        self._set("offline", why, "upload_failed")
        self._wake.set()

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self._http.post(path, content=orjson.dumps(body))

    async def _register(self) -> bool:
        self._set("registering", "")
        try:
            resp = await self._post("/VIID/System/Register", ga1400.register(self.cfg.local_id))
        except httpx.HTTPError as exc:
            self._set("offline", f"cannot reach the view library: {exc}", "unreachable")
            return False
        if resp.status_code in (401, 403):
            self._set("refused", f"{resp.status_code}: check the ID and password", "credentials")
            return False
        if not _ok(resp):
            self._set("offline", f"Register answered {resp.status_code}", "register_refused")
            return False
        await self._time()
        self._set("registered", "")
        self.status.registered_at = datetime.now(UTC)
        return True

    async def _time(self) -> None:
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
            resp = await self._http.get("/VIID/System/Time")
            local = resp.json()["SystemTimeObject"]["LocalTime"]
            at = datetime.strptime(str(local), "%Y%m%d%H%M%S").replace(tzinfo=ga1400.CHINA)
            self.status.clock_offset_s = round((at - datetime.now(UTC)).total_seconds(), 3)

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            if await self._register():
                backoff = 1.0
                await self._keep()
            if self._stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await self._stopping.wait()
            backoff = min(backoff * 2, _BACKOFF_MAX)

    async def _keep(self) -> None:
        missed = 0
        while not self._stopping.is_set():
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.cfg.keepalive_s):
                    await self._wake.wait()
            if not self.registered.is_set():
                return  # an upload found us unknown: register again
            try:
                resp = await self._post(
                    "/VIID/System/Keepalive", ga1400.keepalive(self.cfg.local_id)
                )
                ok = _ok(resp)
                if resp.status_code == 401:
                    self._set(
                        "offline", "keepalive answered 401: registering again", "keepalive_refused"
                    )
                    return
            except httpx.HTTPError:
                ok = False
            missed = 0 if ok else missed + 1
            self.status.missed = missed
            if missed >= 3:
                self._set("offline", "3 keepalives unanswered", "keepalive_lost")
                return

    async def notify(self, url: str, body: dict[str, Any]) -> None:
        """POST a subscription notification to the subscriber's ``ReceiveAddr``;
        :class:`UploadFailed` unless it is taken."""
        try:
            resp = await self._http.post(url, content=orjson.dumps(body))
        except httpx.HTTPError as exc:
            raise UploadFailed(f"notification not delivered: {exc}") from exc
        if not _ok(resp):
            raise UploadFailed(f"notification answered {resp.status_code}")

    async def upload(self, path: str, body: dict[str, Any]) -> list[tuple[str, str]]:
        """POST a list of records; (Id, StatusCode) per record. :class:`UploadFailed` when
        the batch as a whole was not taken."""
        if not self.registered.is_set():
            raise UploadFailed("not registered")
        try:
            resp = await self._post(path, body)
        except httpx.HTTPError as exc:
            self.lost(f"upload failed: {exc}")
            raise UploadFailed(str(exc)) from exc
        if resp.status_code == 401:
            self.lost("the view library answered 401")
            raise UploadFailed("401")
        if resp.status_code >= 300:
            raise UploadFailed(f"HTTP {resp.status_code}")
        try:
            return ga1400.status_codes(resp.json())
        except (ValueError, ga1400.ViidError) as exc:
            raise UploadFailed(f"answer not understood: {exc}") from exc


def _ok(resp: httpx.Response) -> bool:
    if resp.status_code != 200:
        return False
    try:
        codes = ga1400.status_codes(resp.json())
    except (ValueError, ga1400.ViidError):
        return False
    return bool(codes) and all(code in ("0", "") for _, code in codes)
