"""The handling of ``/VIID/Subscribes``: authenticate the upper (digest, ``User-Identify``),
read the JSON, take the subscriptions, answer in the standard's shape."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson
from fastapi import Request, Response

from anfang.uplink import service, subscriptions
from anfang.uplink.adapters import ga1400
from anfang.uplink.adapters.viid_auth import DigestServer
from anfang.uplink.models import UpperPlatform

if TYPE_CHECKING:
    from anfang.kernel import Kernel

MAX_BODY = 1 << 20
# Nonces are signed with a key of this process: a restart only makes callers answer a
# fresh challenge.
SERVER = DigestServer("anfang", secrets.token_bytes(32))


def _lookup(platform: Kernel, ident: str) -> tuple[UpperPlatform, str] | None:
    with platform.read_session() as s:
        upper = subscriptions.upper_of(s, ident)
        return (upper, service.password(platform.secrets, upper)) if upper else None


def _status(request: Request, ident: str, code: int, text: str, http: int) -> Response:
    out = ga1400.status(request.url.path, ident, code, text, datetime.now(UTC))
    return Response(orjson.dumps(out), status_code=http, media_type=ga1400.CONTENT_TYPE)


async def subscribe(platform: Kernel, request: Request) -> Response:
    """Authenticate and take subscriptions."""
    ident = request.headers.get("user-identify", "")
    found = await asyncio.to_thread(_lookup, platform, ident) if ident else None
    header = request.headers.get("authorization", "")
    user = None
    if header and found is not None:
        password = found[1]
        user = SERVER.check(
            header, request.method, lambda u: password if u == ident else None, time.time()
        )
    if user is None or found is None:
        challenge = SERVER.challenge(time.time())
        return Response(status_code=401, headers={"WWW-Authenticate": challenge})
    body = await request.body()
    try:
        if len(body) > MAX_BODY:
            raise TypeError
        objects = orjson.loads(body)["SubscribeListObject"]["SubscribeObject"]
        if not isinstance(objects, list):
            raise TypeError
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return _status(request, ident, 4, "no SubscribeListObject", 400)
    results = await subscriptions.subscribe(platform, found[0], objects)
    now = ga1400.viid_time(datetime.now(UTC))
    statuses = [
        {
            "Id": sid,
            "RequestURL": request.url.path,
            "StatusCode": str(code),
            "StatusString": text,
            "LocalTime": now,
        }
        for sid, code, text in results
    ]
    out = {"ResponseStatusListObject": {"ResponseStatusObject": statuses}}
    return Response(orjson.dumps(out), media_type=ga1400.CONTENT_TYPE)
