"""The demo's access configuration, made the way an installer makes it: over the REST API
(doors, readers, groups, rules, resident holders, cards) and the face API (enrolment)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)
INSTALLER = "demo-installer"
PACKAGED_FACES = Path(__file__).with_name("demo_faces")
_PHOTO_RE = re.compile(r"^(.+)_(\d{4})\.jpe?g$", re.IGNORECASE)


def shared_faces() -> Path:
    """``../shared/datasets/faces/lfw-dev`` next to the checkout (or ``ANFANG_FACES_DIR``)."""
    import os

    env = os.environ.get("ANFANG_FACES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4].parent / "shared" / "datasets" / "faces" / "lfw-dev"


def photo_sets(root: Path, people: int = 6, strangers: int = 12) -> tuple[
    list[list[Path]], list[Path]
]:  # fmt: skip
    """People with two or more photos (to enrol and to show) and one-photo strangers."""
    by_person: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*.jp*g")):
        m = _PHOTO_RE.match(path.name)
        if m:
            by_person.setdefault(m.group(1), []).append(path)
    multi = [p for p in by_person.values() if len(p) >= 2][:people]
    single = [p[0] for p in by_person.values() if len(p) == 1][:strangers]
    return multi, single


def card_number(holder_id: int) -> str:
    """A demo card number that fits a Wiegand 26 frame (24 data bits)."""
    return str((holder_id * 2654435761) % 0xFFFFFF or 1)


@dataclass
class DemoAccess:
    """What the terminals need to know of the configuration they act out."""

    cards: list[str] = field(default_factory=list)
    probes: list[Path] = field(default_factory=list)  # enrolled people's other photos
    strangers: list[Path] = field(default_factory=list)


def _password_file(work_dir: Path) -> tuple[Path, str | None]:
    """The demo installer's password file, and a new password when there is none yet."""
    pw_file = work_dir / "access-installer.txt"
    if pw_file.exists():
        return pw_file, None
    work_dir.mkdir(parents=True, exist_ok=True)
    return pw_file, secrets.token_urlsafe(16)


async def installer_token(platform: Any, client: httpx.AsyncClient, work_dir: Path) -> str:
    """Log in as the demo installer (created on first run; password kept in the demo dir)."""
    pw_file, fresh = await asyncio.to_thread(_password_file, work_dir)
    if fresh is not None:
        # Seeding the installer's account is configuration, like the demo's admin.
        await platform.users.create(INSTALLER, fresh, "installer", "demo", "演示安装员")
        await asyncio.to_thread(pw_file.write_text, fresh)
    password = await asyncio.to_thread(pw_file.read_text)
    r = await client.post("/api/v1/auth/token", json={"username": INSTALLER, "password": password})
    r.raise_for_status()
    token: str = r.json()["access_token"]
    return token


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/api/v1{path}", json=body)
    if r.status_code >= 400:
        raise RuntimeError(f"demo access setup: POST {path} -> {r.status_code} {r.text[:200]}")
    out: dict[str, Any] = r.json()
    return out


async def get_json(client: httpx.AsyncClient, path: str) -> Any:
    """GET ``/api/v1`` + ``path``; raises with the answer on an error status."""
    r = await client.get(f"/api/v1{path}")
    if r.status_code >= 400:
        raise RuntimeError(f"demo access setup: GET {path} -> {r.status_code} {r.text[:200]}")
    return r.json()


async def configure(client: httpx.AsyncClient, devices: list[dict[str, Any]]) -> None:
    """Doors, readers, the residents group and its rules (first run only)."""
    existing = await get_json(client, "/access/doors")
    if existing:
        return
    ids = {d["code"]: d["id"] for d in await get_json(client, "/devices?limit=1000")}
    group = await _post(client, "/access/groups", {"code": "residents", "name": "本小区住户"})
    for dev in devices:
        if dev.get("subsystem") != "access" or dev["code"] not in ids:
            continue
        kind = {"turnstile": "turnstile", "barrier": "barrier"}.get(dev["type"], "door")
        gate = kind in ("turnstile", "barrier")
        door = await _post(client, "/access/doors", {
            "code": dev["code"], "name": dev["name"], "kind": kind, "device_id": ids[dev["code"]],
            "anti_passback": "soft" if gate else "off", "held_open_s": 20,
        })  # fmt: skip
        sides = [("in", "entry"), ("out", "exit")] if gate else [("1", "entry")]
        for address, direction in sides:
            await _post(client, "/access/readers", {
                "door_id": door["id"], "device_id": ids[dev["code"]], "address": address,
                "direction": direction,
            })  # fmt: skip
        await _post(client, "/access/rules", {"group_id": group["id"], "door_id": door["id"]})
    await _post(client, "/access/holders/import-residents", {"group_id": group["id"]})
    holders = await get_json(client, "/access/holders?limit=1000")
    for h in holders[:120]:  # cards for the first households; the rest use faces or passes
        await _post(client, "/access/credentials", {
            "holder_id": h["id"], "kind": "card", "value": card_number(h["id"]), "label": "IC卡",
        })  # fmt: skip


async def enrol_faces(
    client: httpx.AsyncClient, people: list[list[Path]], holders: list[dict[str, Any]]
) -> list[Path]:
    """Enrol one photo per person as a resident (face API), bind it as a face credential;
    returns the other photos of those enrolled (what the terminals will show)."""
    creds = await get_json(client, "/access/credentials")
    have = {c["holder_id"] for c in creds if c["kind"] == "face"}
    probes: list[Path] = []
    for photos, holder in zip(people, holders, strict=False):
        person_id = f"demo-H{holder['id']}"
        if holder["id"] in have:  # enrolled by an earlier run
            probes += photos[1:]
            continue
        for photo in photos:
            form = {"person_id": person_id, "name": holder["name"], "kind": "resident"}
            form |= {"consent_basis": "demo", "consent_by": INSTALLER}
            if holder.get("resident_id"):
                form["resident_id"] = str(holder["resident_id"])
            r = await client.post(
                "/api/v1/face/enroll",
                data=form,
                files={"image": (photo.name, await asyncio.to_thread(photo.read_bytes))},
            )
            if r.status_code == 404:
                log.warning("demo: no face API; face terminals will be refused")
                return []
            if r.status_code == 201:
                await _post(client, "/access/credentials", {
                    "holder_id": holder["id"], "kind": "face", "value": person_id,
                })  # fmt: skip
                probes += [p for p in photos if p != photo]
                break
            log.info("demo: %s not enrollable (%s)", photo.name, r.text[:120])
    return probes
