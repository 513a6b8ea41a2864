"""The centre's report as files, in Chinese: an XLSX workbook (a sheet per table, with
charts) and a PDF (tables and bar charts; the text in reportlab's built-in CID font
STSong-Light, so no font file ships or is embedded)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def title(r: dict[str, Any]) -> str:
    """The report's title ("监控中心日报 2026-12-06")."""
    name = "日报" if r["period"] == "day" else "月报"
    when = r["start"][:10] if r["period"] == "day" else r["start"][:7]
    return f"监控中心{name} {when}"


def _seconds(v: float | None) -> str:
    return "—" if v is None else f"{v:g}"


def _spread(x: dict[str, Any]) -> str:
    return " / ".join(_seconds(x[k]) for k in ("mean_s", "p50_s", "p90_s"))


def tables(r: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables: (title, header, rows), in order."""
    t, resp, hand = r["totals"], r["response"], r["handling"]
    rate = "—" if t["false_rate"] is None else f"{t['false_rate'] * 100:.1f}%"
    return [
        (
            "概览",
            ["项目", "数值"],
            [
                ["告警总数", t["alarms"]],
                ["已处理", t["closed"]],
                ["未结", t["open"]],
                ["误报", t["false"]],
                ["误报率", rate],
                ["超时升级", t["escalated"]],
                ["确认用时 平均/中位/90%（秒）", _spread(resp)],
                ["处置用时 平均/中位/90%（秒）", _spread(hand)],
            ],
        ),
        (
            "按时间",
            ["时间", "告警数", "误报"],
            [[x["label"], x["count"], x["false"]] for x in r["by_time"]],
        ),
        ("按类型", ["类型", "告警数"], [[x["zh"], x["count"]] for x in r["by_kind"]]),
        ("按防区", ["防区", "告警数"], [[x["zone"], x["count"]] for x in r["by_zone"]]),
        ("处置结论", ["结论", "数量"], [[x["zh"], x["count"]] for x in r["dispositions"]]),
        ("误报原因", ["原因", "数量"], [[x["zh"], x["count"]] for x in r["causes"]]),
        (
            "设备",
            ["类型", "总数", "在线", "在线率", "离线次数"],
            [
                [
                    x["type"],
                    x["total"],
                    x["online"],
                    "—" if x["availability"] is None else f"{x['availability'] * 100:.1f}%",
                    x["offline_events"],
                ]
                for x in r["devices"]
            ],
        ),
        ("通行与活动", ["项目", "次数"], [[x["zh"], x["count"]] for x in r["activity"]]),
    ]


# Tables drawn as a bar chart too: title → the column of values.
CHARTED = {"按时间": 1, "按类型": 1, "按防区": 1, "误报原因": 1}


def xlsx(r: dict[str, Any]) -> bytes:
    """The report as an XLSX workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in tables(r):
        ws = wb.create_sheet(name)
        ws.append([title(r)])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(header)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.column_dimensions["A"].width = 32
        if name in CHARTED and rows:
            chart = BarChart()
            chart.title = name
            chart.legend = None
            data = Reference(ws, min_col=2, min_row=2, max_row=2 + len(rows))
            cats = Reference(ws, min_col=1, min_row=3, max_row=2 + len(rows))
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(cats)
            chart.width, chart.height = 22, 9
            ws.add_chart(chart, "E2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bar(rows: list[list[Any]], col: int) -> Drawing:
    d = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 10 * mm, 12 * mm, 155 * mm, 40 * mm
    chart.data = [[float(row[col]) for row in rows]]
    chart.categoryAxis.categoryNames = [str(row[0])[:8] for row in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45 if len(rows) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2f6fb3")
    d.add(chart)
    return d


def pdf(r: dict[str, Any]) -> bytes:
    """The report as a PDF (A4, Chinese)."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=title(r), leftMargin=15 * mm, rightMargin=15 * mm
    )
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=FONT, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    flow: list[Any] = [
        Paragraph(title(r), h1),
        Paragraph(f"统计区间：{r['start'][:16]} 至 {r['end'][:16]}", body),
    ]
    for name, header, rows in tables(r):
        flow.append(Paragraph(name, h2))
        if not rows:
            flow.append(Paragraph("（无）", body))
            continue
        if name in CHARTED and any(float(row[CHARTED[name]]) for row in rows):
            flow.append(_bar(rows[:31], CHARTED[name]))
        table = Table([header, *[[str(c) for c in row] for row in rows]], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ]
            )
        )
        flow += [table, Spacer(1, 4 * mm)]
    doc.build(flow)
    return out.getvalue()
