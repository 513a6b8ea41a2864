"""Chinese licence plates, pure core: a string as a camera or an operator wrote it in, the
canonical plate with its kind and colour out, or the reason it cannot be a plate.

The forms follow GA 36 (机动车号牌): a province abbreviation and an issuing-office letter
followed by

- ``ordinary``: 5 characters (letters other than I and O, digits): blue, yellow or black;
- ``new_energy``: 6 characters, a small car's starting with one of A–H, J, K (D and F in the
  2018 rules) and ending in 4 digits, a large vehicle's 5 digits and then one of those
  letters: green (large: yellow-green);
- ``police`` (…警), ``trailer`` (…挂), ``learner`` (…学), ``consulate`` (…领), and the
  Hong Kong and Macau cross-border ``hk``/``macau`` plates (粤Z…港/澳): 4 characters and
  the suffix;

and without a province: ``embassy`` (6 digits and 使, or 使 and 6 digits), ``army`` (two
letters and 5 digits) and ``armed_police`` (WJ, an optional province and 5 characters).

Writing is forgiven where it cannot change the plate: full-width characters, lower case,
spaces, dots and dashes (京A·12345), and O and I in the serial (never issued there) read as
0 and 1. Nothing else is guessed: a misread character is a different plate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
Colour = Literal["blue", "yellow", "green", "yellow_green", "white", "black"]
COLOURS: tuple[Colour, ...] = ("blue", "yellow", "green", "yellow_green", "white", "black")
_COLOUR_NAMES: dict[str, Colour] = {
    "蓝": "blue", "黄": "yellow", "绿": "green", "黄绿": "yellow_green", "白": "white",
    "黑": "black", **{c: c for c in COLOURS},
}  # fmt: skip
# Vzenith (臻识) ``colorType``: 1 blue, 2 yellow, 3 white, 4 black, 5 green, 6 yellow-green.
VZENITH_COLOURS: dict[int, Colour] = {
    1: "blue", 2: "yellow", 3: "white", 4: "black", 5: "green", 6: "yellow_green",
}  # fmt: skip

_P = f"[{PROVINCES}]"
_S = "[A-HJ-NP-Z0-9]"  # a serial character: no I, no O
_NEV = "[A-HJK]"
_FORMS: list[tuple[str, re.Pattern[str], Colour]] = [
    ("ordinary", re.compile(f"{_P}[A-Z]{_S}{{5}}"), "blue"),
    ("new_energy", re.compile(f"{_P}[A-Z](?:{_NEV}{_S}[0-9]{{4}}|[0-9]{{5}}{_NEV})"), "green"),
    ("police", re.compile(f"{_P}[A-Z]{_S}{{4}}警"), "white"),
    ("trailer", re.compile(f"{_P}[A-Z]{_S}{{4}}挂"), "yellow"),
    ("learner", re.compile(f"{_P}[A-Z]{_S}{{4}}学"), "yellow"),
    ("consulate", re.compile(f"{_P}[A-Z]{_S}{{4}}领"), "black"),
    ("hk", re.compile(f"粤Z{_S}{{4}}港"), "black"),
    ("macau", re.compile(f"粤Z{_S}{{4}}澳"), "black"),
    ("embassy", re.compile("[0-9]{6}使|使[0-9]{6}"), "black"),
    ("army", re.compile("[A-Z]{2}[0-9]{5}"), "white"),
    ("armed_police", re.compile(f"WJ{_P}?{_S}{{5}}"), "white"),
]
PlateKind = Literal[
    "ordinary", "new_energy", "police", "trailer", "learner", "consulate", "hk", "macau",
    "embassy", "army", "armed_police",
]  # fmt: skip
_DROP = re.compile(r"[\s·•.\-_]")
MAX_RAW = 32


class PlateError(ValueError):
    """Not a plate; the message says why (shown to the operator, counted by reason)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Plate:
    """A canonical plate: its text, form, colour and the reader's confidence (0–1)."""

    text: str
    kind: PlateKind
    colour: Colour
    confidence: float | None = None


def _serial_fix(text: str) -> str:
    """O and I in the part after the province and office letter read as 0 and 1."""
    if len(text) > 2 and text[0] in PROVINCES:
        return text[:2] + text[2:].replace("O", "0").replace("I", "1")
    return text


def clean(raw: str) -> str:
    """The plate text with the harmless differences of writing removed."""
    text = _DROP.sub("", unicodedata.normalize("NFKC", raw)).upper()
    return _serial_fix(text)


def colour_of(value: object) -> Colour | None:
    """A colour from a name (English or Chinese, ``蓝``/``蓝色``/``blue``) or ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        key = value.strip().lower().removesuffix("色").removesuffix("牌")
        if key in _COLOUR_NAMES:
            return _COLOUR_NAMES[key]
    raise PlateError("bad_colour", f"unknown plate colour {str(value)[:20]!r}")


def parse(raw: object, colour: object = None, confidence: object = None) -> Plate:
    """Read a plate; :class:`PlateError` with a reason when it is not one."""
    if not isinstance(raw, str) or not raw.strip():
        raise PlateError("empty", "plate is empty")
    if len(raw) > MAX_RAW:
        raise PlateError("too_long", f"plate longer than {MAX_RAW} characters")
    text = clean(raw)
    given = colour_of(colour)
    conf = _confidence(confidence)
    for kind, pattern, default in _FORMS:
        if pattern.fullmatch(text):
            col = given or default
            if kind == "new_energy" and given is None and text[-1] in "ABCDEFGHJK":
                col = "yellow_green"  # a large new-energy vehicle
            return Plate(text, kind, col, conf)  # type: ignore[arg-type]
    raise PlateError("malformed", _why(text))


def _confidence(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlateError("bad_confidence", "confidence must be a number")
    conf = float(value) / 100 if value > 1 else float(value)
    if not 0.0 <= conf <= 1.0:
        raise PlateError("bad_confidence", "confidence must be 0–1 (or 0–100)")
    return round(conf, 4)


def _why(text: str) -> str:
    if text and text[0] not in PROVINCES and not text[:1].isascii() and text[0] != "使":
        return f"{text[0]!r} is not a province abbreviation"
    if text[:1] in PROVINCES and len(text) not in (7, 8):
        return f"{len(text)} characters: a plate has 7 (8 for new-energy vehicles)"
    return f"{text!r} is not a plate of any known form"


def distance(a: str, b: str) -> int:
    """Levenshtein distance (used with a bound of 1: one character read wrong, missed or
    added)."""
    if abs(len(a) - len(b)) > 1:
        return 2
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near(plate: str, candidates: list[str]) -> list[str]:
    """The candidates one character away from ``plate`` (never ``plate`` itself)."""
    return [c for c in candidates if c != plate and distance(plate, c) == 1]
