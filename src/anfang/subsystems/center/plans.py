"""Site and floor plans as uploaded: PNG or JPEG (decoded and checked), SVG (parsed;
scripts, event handlers, external references and DTDs refused) or a PDF page (drawn as
PNG with pdfium). Each comes back as the bytes to store, their type and their size in
pixels, or is refused with a code and the reason."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from anfang.core.errors import DomainError

MAX_BYTES = 20 * 1024 * 1024
MAX_SIDE = 12_000
PDF_SCALE = 2.0  # 144 dpi: a floor plan's room numbers stay readable when zoomed


class PlanRefused(DomainError):
    """A plan that cannot be used; ``code`` names why."""

    status = 422

    def __init__(self, message: str, code: str = "plan_bad", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = dict(params)


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan ready to store."""

    data: bytes
    mime: str
    ext: str
    width: int
    height: int


def accept(data: bytes, page: int = 1) -> Plan:
    """Check and normalise an uploaded plan (``page``: which page of a PDF)."""
    if not data:
        raise PlanRefused("the file is empty", "plan_empty")
    if len(data) > MAX_BYTES:
        raise PlanRefused(f"larger than {MAX_BYTES // 2**20} MB", "plan_too_large")
    head = data[:16]
    if head.startswith(b"%PDF"):
        return _pdf(data, page)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _raster(data)
    text = data[:2048].lstrip().lower()
    if text.startswith((b"<?xml", b"<svg", b"<!--")):
        return _svg(data)
    raise PlanRefused("not a PNG, JPEG, SVG or PDF file", "plan_format")


def _raster(data: bytes) -> Plan:
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()  # the whole file, not only its header
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            width, height, fmt = im.width, im.height, im.format
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PlanRefused(f"the image is damaged: {exc}", "plan_damaged") from None
    _check_size(width, height)
    ext = "png" if fmt == "PNG" else "jpg"
    return Plan(data, "image/png" if ext == "png" else "image/jpeg", ext, width, height)


def _check_size(width: int, height: int) -> None:
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise PlanRefused(f"{width}×{height} pixels: at most {MAX_SIDE} a side", "plan_size")


_NUMBER = re.compile(r"[-+]?\d*\.?\d+")


def _svg(data: bytes) -> Plan:
    low = data.lower()
    # A DTD can define entities that expand without end or reach outside: none is needed.
    if b"<!doctype" in low or b"<!entity" in low:
        raise PlanRefused("an SVG with a DTD or entities is not accepted", "plan_unsafe")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise PlanRefused(f"the SVG does not parse: {exc}", "plan_damaged") from None
    if not root.tag.endswith("svg"):
        raise PlanRefused("the XML is not an SVG", "plan_format")
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject", "iframe"):
            raise PlanRefused(f"an SVG with <{tag}> is not accepted", "plan_unsafe")
        for name, value in el.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            v = value.strip().lower()
            if attr.startswith("on"):
                raise PlanRefused(f"an SVG with an {attr} handler is not accepted", "plan_unsafe")
            if attr == "href" and not v.startswith(("#", "data:image/")):
                raise PlanRefused(
                    "an SVG that refers outside itself is not accepted", "plan_unsafe"
                )
    width, height = _svg_size(root)
    return Plan(data, "image/svg+xml", "svg", width, height)


def _svg_size(root: ET.Element) -> tuple[int, int]:
    box = root.get("viewBox")
    if box:
        nums = [float(x) for x in _NUMBER.findall(box)]
        if len(nums) == 4 and nums[2] > 0 and nums[3] > 0:
            return round(nums[2]), round(nums[3])
    w, h = _NUMBER.match(root.get("width", "") or ""), _NUMBER.match(root.get("height", "") or "")
    if w and h and float(w.group()) > 0 and float(h.group()) > 0:
        return round(float(w.group())), round(float(h.group()))
    raise PlanRefused("the SVG has no size (viewBox or width and height)", "plan_size")


def _pdf(data: bytes, page: int) -> Plan:
    import pypdfium2 as pdfium  # only for PDFs: it loads a native library

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PlanRefused(f"the PDF does not open: {exc}", "plan_damaged") from None
    try:
        if not 1 <= page <= len(doc):
            raise PlanRefused(f"the PDF has {len(doc)} pages", "plan_page", pages=len(doc))
        image = doc[page - 1].render(scale=PDF_SCALE).to_pil()
        _check_size(image.width, image.height)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return Plan(out.getvalue(), "image/png", "png", image.width, image.height)
    finally:
        doc.close()
