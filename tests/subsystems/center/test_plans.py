"""Plans as uploaded: images decoded, SVGs that could run or reach out refused, a PDF page
drawn; everything else refused with a code."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen import canvas

from anfang.subsystems.center import plans


def png(w: int = 40, h: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(out, format="PNG")
    return out.getvalue()


def test_images_svgs_and_pdf_pages_are_accepted() -> None:
    p = plans.accept(png())
    assert (p.mime, p.width, p.height) == ("image/png", 40, 30)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600"><rect/></svg>'
    assert (plans.accept(svg).width, plans.accept(svg).height) == (800, 600)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(200, 100))
    pdf.drawString(20, 50, "floor 1")
    pdf.showPage()
    pdf.drawString(20, 50, "floor 2")
    pdf.save()
    page2 = plans.accept(out.getvalue(), page=2)
    assert page2.mime == "image/png" and (page2.width, page2.height) == (400, 200)
    with pytest.raises(plans.PlanRefused) as bad_page:
        plans.accept(out.getvalue(), page=3)
    assert bad_page.value.code == "plan_page" and bad_page.value.params == {"pages": 2}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "plan_empty"),
        (b"GIF89a....", "plan_format"),
        (png()[:60], "plan_damaged"),
        (b"%PDF-1.4 garbage", "plan_damaged"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'><script>x()</script></svg>",
            "plan_unsafe",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1' onload='x()'/>",
            "plan_unsafe",
        ),
        (b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'b'>]><svg/>", "plan_unsafe"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:x='http://www.w3.org/1999/xlink'"
            b" viewBox='0 0 1 1'><image x:href='http://evil/x.png'/></svg>",
            "plan_unsafe",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>", "plan_size"),
        (b"<svg><unclosed", "plan_damaged"),
        (b"<?xml version='1.0'?><html/>", "plan_format"),
    ],
)
def test_bad_plans_are_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(plans.PlanRefused) as refused:
        plans.accept(data)
    assert refused.value.code == code and refused.value.status == 422


@given(st.binary(max_size=300))
def test_any_bytes_are_accepted_or_refused_never_crash(data: bytes) -> None:
    with contextlib.suppress(plans.PlanRefused):
        plans.accept(data)
