"""The checker's report as files, in Chinese: a self-contained HTML page (no asset loaded
from anywhere) and an A4 PDF (reportlab's built-in CID font STSong-Light, so no font file
ships). Both are signed by :mod:`signing` after rendering."""

from __future__ import annotations

import html
import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
STATE_ZH = {"pass": "符合", "fail": "不符合", "advisory": "提示"}
STATE_COLOUR = {"pass": "#2e7d32", "fail": "#c62828", "advisory": "#b26a00"}
STRENGTH_ZH = {"mandatory": "强制", "recommended": "推荐"}
CONF_ZH = {"text": "原文", "secondhand": "转述（仅提示）", "anfang": "anfang 基线"}
MODE_ZH = {"live": "运行系统实测", "design": "设计文件"}


def title(r: dict[str, Any]) -> str:
    """The report's title."""
    return f"安全防范系统合规检查报告（{MODE_ZH[r['mode']]}）"


def _head(r: dict[str, Any]) -> list[tuple[str, str]]:
    t = r["tally"]
    obliged = r["obliged"]
    return [
        ("小区", r["site"]),
        ("报告编号", str(r["id"])),
        ("生成时间", r["generated_at"][:19].replace("T", " ")),
        ("生成人", r["generated_by"]),
        ("规则版本", r["rulebook"]),
        ("项目阶段", r.get("stage_zh", "")),
        ("建设义务", obliged["text"]),
        (
            "结论",
            f"{t['verdict']}：符合 {t['pass']} 项，不符合 {t['fail']} 项"
            f"（强制 {t['mandatory_fail']} 项），提示 {t['advisory']} 项",
        ),
    ]


def to_html(r: dict[str, Any]) -> bytes:
    """The report as one HTML page."""
    e = html.escape
    t = r["tally"]
    total = max(1, t["pass"] + t["fail"] + t["advisory"])
    bar = "".join(
        f'<span style="display:inline-block;height:14px;width:{100 * t[s] / total:.1f}%;'
        f'background:{STATE_COLOUR[s]}" title="{STATE_ZH[s]} {t[s]}"></span>'
        for s in ("pass", "fail", "advisory")
    )
    head = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _head(r))
    rows = []
    for x in r["results"]:
        ev = "".join(f"<li>{e(line)}</li>" for line in x["evidence"])
        rows.append(
            f'<tr class="{x["state"]}"><td>{e(x["rule"])}</td><td>{e(x["title"])}</td>'
            f'<td style="color:{STATE_COLOUR[x["state"]]};font-weight:bold">'
            f"{STATE_ZH[x['state']]}</td>"
            f"<td>{STRENGTH_ZH[x['strength']]}</td><td>{e(x['summary'])}<ul>{ev}</ul></td>"
            f"<td>{e(x['source'])}<br><small>{CONF_ZH[x['confidence']]}</small></td></tr>"
        )
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title(r))}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left;font-size:13px}}
th{{background:#e8eef5}}ul{{margin:2px 0 0 1em;padding:0}}.bar{{width:100%;margin:8px 0 16px}}
small{{color:#666}}</style></head><body>
<h1>{e(title(r))}</h1><table>{head}</table>
<div class="bar">{bar}</div>
<table><tr><th>编号</th><th>要求</th><th>结果</th><th>强度</th><th>依据与证据</th><th>来源</th></tr>
{"".join(rows)}</table>
<p><small>本报告由 anfang 根据系统自身记录生成，并以审计密钥（Ed25519）签名；
签名附在文件末尾，任何改动都会使签名失效。
可在控制台“合规”页或 POST /api/v1/compliance/reports/verify 校验。</small></p>
</body></html>
"""
    return page.encode()


def to_pdf(r: dict[str, Any]) -> bytes:
    """The report as an A4 PDF."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=title(r), leftMargin=12 * mm, rightMargin=12 * mm
    )
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=22, spaceAfter=6)
    body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
    e = html.escape
    flow: list[Any] = [Paragraph(e(title(r)), h1)]
    head = Table(
        [[Paragraph(e(k), body), Paragraph(e(v), body)] for k, v in _head(r)],
        colWidths=[30 * mm, 150 * mm],
    )
    head.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    flow += [head, Spacer(1, 4 * mm)]
    data: list[list[Any]] = [
        [Paragraph(x, body) for x in ("编号", "要求", "结果", "依据与证据", "来源")]
    ]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ]
    for i, x in enumerate(r["results"], 1):
        evidence = "<br/>".join(e(line) for line in [x["summary"], *x["evidence"][:12]])
        data.append(
            [
                Paragraph(e(x["rule"]), body),
                Paragraph(e(x["title"]), body),
                Paragraph(f"{STATE_ZH[x['state']]}（{STRENGTH_ZH[x['strength']]}）", body),
                Paragraph(evidence, body),
                Paragraph(f"{e(x['source'])}<br/>{CONF_ZH[x['confidence']]}", body),
            ]
        )
        style.append(("TEXTCOLOR", (2, i), (2, i), colors.HexColor(STATE_COLOUR[x["state"]])))
    table = Table(data, colWidths=[16 * mm, 34 * mm, 20 * mm, 80 * mm, 36 * mm], repeatRows=1)
    table.setStyle(TableStyle(style))
    flow.append(table)
    flow.append(Spacer(1, 4 * mm))
    flow.append(
        Paragraph(
            "本报告以审计密钥（Ed25519）签名，签名附在文件末尾；任何改动都会使签名失效。", body
        )
    )
    doc.build(flow)
    return out.getvalue()
