"""The server believes X-Forwarded-For only from configured proxies and serves HTTPS
when a certificate is configured."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.app.serving import uvicorn_options
from anfang.store.models import AuditEntry
from tests.conftest import make_settings, serving


def _serving(platform: Platform) -> AbstractAsyncContextManager[int]:
    return serving(platform, **uvicorn_options(platform.settings))


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _login_clients(platform: Platform) -> list[str]:
    with platform.read_session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "login.failed"))
        return [str(r.detail.get("client")) for r in rows]


async def test_forwarded_for_from_loopback_is_not_believed(platform: Platform) -> None:
    """Issue 14 item 7: X-Forwarded-For from loopback bypassed the per-address limit and
    was recorded as the client in the audit log."""
    async with _serving(platform) as port, httpx.AsyncClient() as c:
        for i in range(platform.settings.login_max_failures + 1):
            r = await c.post(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                json={"username": "admin", "password": "wrong"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
        assert r.status_code == 429  # one address, however it calls itself
    assert set(_login_clients(platform)) == {"127.0.0.1"}


async def test_forwarded_for_from_a_configured_proxy_is_believed(tmp_path: Path) -> None:
    platform = Platform(make_settings(tmp_path, trusted_proxies="127.0.0.1"))
    await platform.start()
    try:
        async with _serving(platform) as port, httpx.AsyncClient() as c:
            r = await c.post(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                json={"username": "admin", "password": "wrong"},
                headers={"X-Forwarded-For": "198.51.100.9"},
            )
            assert r.status_code == 401
        assert _login_clients(platform) == ["198.51.100.9"]
    finally:
        await platform.stop()


async def test_https_with_a_configured_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    platform = Platform(make_settings(tmp_path, tls_certfile=cert, tls_keyfile=key))
    await platform.start()
    try:
        async with _serving(platform) as port, httpx.AsyncClient(verify=False) as c:
            r = await c.get(f"https://127.0.0.1:{port}/healthz")
            assert r.status_code == 200
            assert r.headers["strict-transport-security"].startswith("max-age=")
            assert "server" not in r.headers
    finally:
        await platform.stop()
