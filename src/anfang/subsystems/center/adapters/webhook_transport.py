"""Delivering a linkage webhook over HTTP with retries (the thin transport of webhook.py)."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from anfang.subsystems.center.adapters import webhook

log = logging.getLogger(__name__)


async def deliver(
    client: httpx.AsyncClient, url: str, payload: bytes, secret: bytes | None, delivery: str
) -> tuple[bool, int | None, int]:
    """POST until a 2xx answer or :func:`webhook.retry_after` gives up; (delivered, last
    status or None for no answer, attempts). The URL is never logged whole (it may carry
    a token): only its host."""
    host = httpx.URL(url).host
    status: int | None = None
    attempt = 0
    while True:
        attempt += 1
        ts = str(int(time.time()))
        try:
            r = await client.post(
                url, content=payload, headers=webhook.headers(secret, ts, delivery, payload)
            )
            status = r.status_code
            if 200 <= status < 300:
                return True, status, attempt
        except httpx.HTTPError as exc:
            status = None
            log.info("webhook to %s: %s (attempt %d)", host, type(exc).__name__, attempt)
        wait = webhook.retry_after(attempt, status)
        if wait is None:
            log.warning("webhook to %s gave up after %d attempts (last %s)", host, attempt, status)
            return False, status, attempt
        await asyncio.sleep(wait)
