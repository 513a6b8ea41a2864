"""Wiegand 26 and 34 bit frames, pure core: bits in, card number out (and back).

Frame layout (both formats): an even-parity bit over the first half of the data bits,
the data bits, an odd-parity bit over the second half. Wiegand 26 carries an 8-bit
facility code and a 16-bit card number; Wiegand 34 carries 16 + 16 bits. anfang stores
a card as the decimal number of all data bits (``facility << 16 | number``): that is
what Chinese readers print as the card's "韦根号" and what card issuers export.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = {26: 24, 34: 32}  # frame bits -> data bits


class WiegandError(ValueError):
    """A frame that is not a valid Wiegand 26/34 frame; ``reason`` is a metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Card:
    """A card read from a frame: its format, facility code and number."""

    bits: int
    facility: int
    number: int

    @property
    def value(self) -> int:
        """All data bits as one number (``facility << 16 | number``)."""
        return self.facility << 16 | self.number

    @property
    def credential(self) -> str:
        """The card as stored in a credential: the decimal data value."""
        return str(self.value)


def _parity(value: int) -> int:
    return value.bit_count() & 1


def encode(bits: int, facility: int, number: int) -> int:
    """The frame (as an integer, most significant bit first) for a card."""
    data_bits = FORMATS.get(bits)
    if data_bits is None:
        raise WiegandError("bad_length", f"unsupported Wiegand format: {bits} bits")
    if not 0 <= number < 1 << 16 or not 0 <= facility < 1 << (data_bits - 16):
        raise WiegandError("out_of_range", "facility code or card number out of range")
    data = facility << 16 | number
    half = data_bits // 2
    first, second = data >> half, data & ((1 << half) - 1)
    even = _parity(first)  # makes the first half plus this bit even
    odd = 1 - _parity(second)  # makes the second half plus this bit odd
    return even << (data_bits + 1) | data << 1 | odd


def decode(frame: int, bits: int) -> Card:
    """Check a frame's length and both parity bits; return the card or raise."""
    data_bits = FORMATS.get(bits)
    if data_bits is None:
        raise WiegandError("bad_length", f"unsupported Wiegand format: {bits} bits")
    if frame < 0 or frame >> bits:
        raise WiegandError("bad_length", f"frame longer than {bits} bits")
    data = (frame >> 1) & ((1 << data_bits) - 1)
    half = data_bits // 2
    even_bit, odd_bit = frame >> (data_bits + 1), frame & 1
    if (_parity(data >> half) ^ even_bit) != 0:
        raise WiegandError("parity", "even parity (leading bit) does not match")
    if (_parity(data & ((1 << half) - 1)) ^ odd_bit) != 1:
        raise WiegandError("parity", "odd parity (trailing bit) does not match")
    return Card(bits, data >> 16, data & 0xFFFF)


def decode_bytes(data: bytes, bits: int) -> Card:
    """Decode a frame packed MSB first into bytes, padded with zeros at the end.

    That is how OSDP ``osdp_RAW`` card reads carry Wiegand bits.
    """
    if bits not in FORMATS:
        raise WiegandError("bad_length", f"unsupported Wiegand format: {bits} bits")
    need = (bits + 7) // 8
    if len(data) != need:
        raise WiegandError("bad_length", f"{bits}-bit frame needs {need} bytes, got {len(data)}")
    whole = int.from_bytes(data, "big")
    pad = need * 8 - bits
    if whole & ((1 << pad) - 1):
        raise WiegandError("bad_length", "padding bits after the frame are not zero")
    return decode(whole >> pad, bits)


def encode_bytes(bits: int, facility: int, number: int) -> bytes:
    """A frame packed MSB first into bytes (the inverse of :func:`decode_bytes`)."""
    need = (bits + 7) // 8
    return (encode(bits, facility, number) << (need * 8 - bits)).to_bytes(need, "big")


def parse_text(text: str) -> Card:
    """Parse a frame given as a string of ``0``/``1`` characters (26 or 34 of them)."""
    text = text.strip()
    if not text or any(c not in "01" for c in text):
        raise WiegandError("bad_format", "a Wiegand frame is a string of 0 and 1")
    return decode(int(text, 2), len(text))
