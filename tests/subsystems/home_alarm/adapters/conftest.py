"""Shared helpers of the SIA DC-09 core's tests (parsing and building)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from anfang.subsystems.home_alarm.adapters.sia_dc09 import crc16_arc

SAMPLES = Path(__file__).parents[3] / "fixtures" / "sia" / "samples.tsv"
NOW = datetime(2026, 9, 25, 14, 12, 4, tzinfo=UTC)
KEY16 = bytes(range(16))
KEY24 = bytes(range(24))
KEY32 = bytes(range(32))


def no_keys(account: str) -> bytes | None:
    return None


def keys(mapping: dict[str, bytes]) -> Callable[[str], bytes | None]:
    return mapping.get


def sample_rows() -> list[list[str]]:
    rows = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def frame_time(frame: str) -> datetime:
    m = re.search(r"_(\d\d:\d\d:\d\d,\d\d-\d\d-\d{4})$", frame)
    if m is None:
        return NOW
    return datetime.strptime(m.group(1), "%H:%M:%S,%m-%d-%Y").replace(tzinfo=UTC)


def check_frame(frame: bytes) -> str:
    """Validate LF, CRC, length and CR of a built frame independently and return the body."""
    assert frame.startswith(b"\n") and frame.endswith(b"\r")
    body = frame[9:-1]
    assert int(frame[1:5], 16) == crc16_arc(body)
    assert frame[5:6] == b"0" and int(frame[6:9], 16) == len(body)
    return body.decode("ascii")


def decrypt_hex(hex_text: str, key: bytes) -> str:
    dec = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
    return (dec.update(bytes.fromhex(hex_text)) + dec.finalize()).decode("ascii")
