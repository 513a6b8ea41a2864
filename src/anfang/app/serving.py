"""How the HTTP server is run: forwarded headers only from configured proxies, and
HTTPS when a certificate is configured."""

from __future__ import annotations

from typing import Any

from anfang.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` from ``settings``.

    uvicorn trusts ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise, so anything
    on the server itself could pose as any client to the login throttle and the audit
    log (issue 14). Forwarded headers are honoured only from ``ANFANG_TRUSTED_PROXIES``.
    """
    proxies = settings.trusted_proxies
    options: dict[str, Any] = {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies) if proxies else "",
        "server_header": False,
        # Open connections (a console's WebSocket, a slow client) may delay a stop by this
        # much, not for ever: a service manager must see the process end (issue 14).
        "timeout_graceful_shutdown": 10,
    }
    if settings.tls_certfile is not None:
        options["ssl_certfile"] = str(settings.tls_certfile)
        options["ssl_keyfile"] = str(settings.tls_keyfile)
    return options
