"""ASGI guards around the API: admission control and security headers.

Admission answers excess API requests with an immediate 503 and ``Retry-After`` instead
of queueing them: a queue of hundreds of readers once held every database connection
and thread while alarm ingestion waited (issue 14). Devices pushing events have a budget
of their own, so readers can never use it up.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SHED = Counter("anfang_api_shed_total", "API requests refused at once for load", ["budget"])
IN_FLIGHT = Gauge("anfang_api_in_flight", "API requests being served", ["budget"])

DEVICE_PREFIX = "/api/v1/ingest/"
API_PREFIX = "/api/"

# Every answer: no MIME sniffing, never framed, no referrer leaks, own browsing context.
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")


class Admission:
    """Serves at most ``limit`` API requests at once (per budget); the rest get 503."""

    def __init__(self, app: ASGIApp, limit: int, device_limit: int | None = None) -> None:
        self.app = app
        self.limits = {"api": limit, "device": device_limit or limit}
        self.busy = {"api": 0, "device": 0}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        budget = "device" if path.startswith(DEVICE_PREFIX) else "api"
        if self.busy[budget] >= self.limits[budget]:
            SHED.labels(budget).inc()
            await _busy(send)
            return
        self.busy[budget] += 1
        IN_FLIGHT.labels(budget).inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.busy[budget] -= 1
            IN_FLIGHT.labels(budget).dec()


async def _busy(send: Send) -> None:
    body = b'{"detail":"server busy: too many requests at once; retry shortly"}'
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"cache-control", b"no-store"),
                *COMMON_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the common security headers, ``Cache-Control: no-store`` on API answers (they
    carry personal data and alarms) and HSTS when served over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = list(COMMON_HEADERS)
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                if path.startswith(API_PREFIX) and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
