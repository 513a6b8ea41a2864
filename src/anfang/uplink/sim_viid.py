"""A simulated GA/T 1400 view library (视图库): a real HTTP server that checks what a lower
platform sends against the standard as the spec digest gives it: digest authentication,
``User-Identify``, the content type, 20/41/48-character IDs, the JSON shapes and base64
images. The demo's police platform uses it, and the tests do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from anfang.uplink.adapters import ga1400
from anfang.wire import digest

_ID20 = re.compile(r"^[0-9]{20}$")
_ID41 = re.compile(r"^[0-9]{41}$")
_ID48 = re.compile(r"^[0-9]{48}$")


@dataclass
class ViidSeen:
    """What the view library took and refused."""

    registered: set[str] = field(default_factory=set)
    keepalives: int = 0
    faces: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    notified: list[dict[str, Any]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)


class SimViid:
    """The view library; ``mode``: "up", "down" (503), "slow" (answers after ``delay_s``)."""

    def __init__(self, users: dict[str, str], realm: str = "viid") -> None:
        self.users = users
        self.realm = realm
        self.seen = ViidSeen()
        self.mode = "up"
        self.delay_s = 0.0
        self.port = 0
        self._nonce = secrets.token_hex(8)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        routes = [
            Route("/VIID/System/Register", self._register, methods=["POST"]),
            Route("/VIID/System/Keepalive", self._keepalive, methods=["POST"]),
            Route("/VIID/System/UnRegister", self._unregister, methods=["POST"]),
            Route("/VIID/System/Time", self._time, methods=["GET"]),
            Route("/VIID/Faces", self._faces, methods=["POST"]),
            Route("/VIID/MotorVehicles", self._vehicles, methods=["POST"]),
            Route("/VIID/SubscribeNotifications", self._notifications, methods=["POST"]),
        ]
        self.app = Starlette(routes=routes)

    async def start(self, host: str = "127.0.0.1") -> int:
        """Serve on a free port; returns it."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        return self.port

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5.0)

    # ------------------------------------------------------------------ checks

    def _auth(self, request: Request) -> str | None:
        """The authenticated user, or None."""
        header = request.headers.get("authorization")
        if not header:
            return None
        try:
            p = digest.parse_digest(header)
        except digest.DigestError:
            return None
        user = p.get("username", "")
        pw = self.users.get(user)
        if pw is None or p.get("nonce") != self._nonce:
            return None
        want = digest.digest_response(
            user,
            p.get("realm", ""),
            pw,
            request.method,
            p.get("uri", ""),
            p.get("nonce", ""),
            qop=p.get("qop"),
            nc=p.get("nc", ""),
            cnonce=p.get("cnonce", ""),
        )
        return user if p.get("response") == want else None

    async def _gate(self, request: Request) -> tuple[str | None, Response | None]:
        if self.mode == "down":
            return None, Response(status_code=503)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        user = self._auth(request)
        if user is None:
            challenge = f'Digest realm="{self.realm}", nonce="{self._nonce}", qop="auth"'
            return None, Response(status_code=401, headers={"WWW-Authenticate": challenge})
        ident = request.headers.get("user-identify", "")
        if ident != user or not _ID20.match(ident):
            self.seen.refusals.append(f"User-Identify {ident!r} is not the 20-digit user")
            return None, self._status(request, ident, 4, "bad User-Identify")
        if request.method == "POST" and not request.headers.get(
            "content-type", ""
        ).lower().startswith("application/viid+json"):
            self.seen.refusals.append("content type is not application/VIID+JSON")
            return None, self._status(request, ident, 4, "bad content type")
        return user, None

    def _status(self, request: Request, ident: str, code: int, text: str) -> Response:
        body = ga1400.status(str(request.url.path), ident, code, text, datetime.now(UTC))
        return Response(orjson.dumps(body), media_type=ga1400.CONTENT_TYPE)

    async def _json(self, request: Request) -> Any:
        try:
            return orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None

    # ------------------------------------------------------------------ routes

    async def _register(self, request: Request) -> Response:
        user, refused = await self._gate(request)
        if refused is not None:
            return refused
        body = await self._json(request)
        device = (body or {}).get("RegisterObject", {}).get("DeviceID", "")
        if device != user:
            self.seen.refusals.append(f"RegisterObject.DeviceID {device!r}")
            return self._status(request, str(device), 4, "bad DeviceID")
        self.seen.registered.add(device)
        return self._status(request, device, 0, "OK")

    async def _keepalive(self, request: Request) -> Response:
        user, refused = await self._gate(request)
        if refused is not None:
            return refused
        if user not in self.seen.registered:
            return Response(status_code=401)
        self.seen.keepalives += 1
        return self._status(request, str(user), 0, "OK")

    async def _unregister(self, request: Request) -> Response:
        user, refused = await self._gate(request)
        if refused is not None:
            return refused
        self.seen.registered.discard(str(user))
        return self._status(request, str(user), 0, "OK")

    async def _time(self, request: Request) -> Response:
        _, refused = await self._gate(request)
        if refused is not None:
            return refused
        obj = {
            "VIIDServerID": "viid",
            "TimeMode": "1",
            "LocalTime": ga1400.viid_time(datetime.now(UTC)),
            "TimeZone": "Asia/Shanghai",
        }
        return Response(orjson.dumps({"SystemTimeObject": obj}), media_type=ga1400.CONTENT_TYPE)

    async def _records(self, request: Request, outer: str, inner: str, id_key: str) -> Response:
        user, refused = await self._gate(request)
        if refused is not None:
            return refused
        if user not in self.seen.registered:
            return Response(status_code=401)
        body = await self._json(request)
        records = ((body or {}).get(outer) or {}).get(inner)
        if not isinstance(records, list):
            self.seen.refusals.append(f"{outer}.{inner} is not a list")
            return self._status(request, "", 4, f"{outer}.{inner} missing")
        statuses = []
        for rec in records:
            problem = _check(rec, id_key)
            rid = str(rec.get(id_key, "")) if isinstance(rec, dict) else ""
            if problem:
                self.seen.refusals.append(problem)
            else:
                (self.seen.faces if id_key == "FaceID" else self.seen.vehicles).append(rec)
                self.seen.received_at.append(time.monotonic())
            statuses.append(
                {
                    "Id": rid,
                    "StatusCode": "4" if problem else "0",
                    "StatusString": problem or "OK",
                    "RequestURL": str(request.url.path),
                    "LocalTime": ga1400.viid_time(datetime.now(UTC)),
                }
            )
        out = {"ResponseStatusListObject": {"ResponseStatusObject": statuses}}
        return Response(orjson.dumps(out), media_type=ga1400.CONTENT_TYPE)

    async def _notifications(self, request: Request) -> Response:
        user, refused = await self._gate(request)
        if refused is not None:
            return refused
        body = await self._json(request)
        outer = (body or {}).get("SubscribeNotificationListObject") or {}
        items = outer.get("SubscribeNotificationObject")
        if not isinstance(items, list):
            self.seen.refusals.append("SubscribeNotificationObject is not a list")
            return self._status(request, str(user), 4, "no notifications")
        for item in items:
            faces = ((item or {}).get("FaceObjectList") or {}).get("FaceObject") or []
            cars = ((item or {}).get("MotorVehicleObjectList") or {}).get(
                "MotorVehicleObject"
            ) or []
            for rec, key in [
                *((f, "FaceID") for f in faces),
                *((c, "MotorVehicleID") for c in cars),
            ]:
                problem = _check(rec, key)
                if problem:
                    self.seen.refusals.append(problem)
                else:
                    self.seen.notified.append({**rec, "SubscribeID": item.get("SubscribeID")})
        return self._status(request, str(user), 0, "OK")

    async def _faces(self, request: Request) -> Response:
        return await self._records(request, "FaceListObject", "FaceObject", "FaceID")

    async def _vehicles(self, request: Request) -> Response:
        return await self._records(
            request, "MotorVehicleListObject", "MotorVehicleObject", "MotorVehicleID"
        )


def _check(rec: Any, id_key: str) -> str:
    """What is wrong with one record ("" when nothing)."""
    if not isinstance(rec, dict):
        return "a record is not an object"
    if not _ID48.match(str(rec.get(id_key, ""))):
        return f"{id_key} is not 48 digits"
    if not _ID41.match(str(rec.get("SourceID", ""))):
        return "SourceID is not 41 digits"
    if not _ID20.match(str(rec.get("DeviceID", ""))):
        return "DeviceID is not 20 digits"
    if not str(rec[id_key]).startswith(str(rec["SourceID"])):
        return f"{id_key} does not begin with its SourceID"
    if id_key == "MotorVehicleID" and not rec.get("PlateNo"):
        return "PlateNo missing"
    for image in (rec.get("SubImageList") or {}).get("SubImageInfoObject") or []:
        if not _ID41.match(str(image.get("ImageID", ""))):
            return "ImageID is not 41 digits"
        try:
            data = base64.b64decode(str(image.get("Data", "")), validate=True)
        except (binascii.Error, ValueError):
            return "image Data is not base64"
        if not data.startswith(b"\xff\xd8"):
            return "image Data is not a JPEG"
    return ""
