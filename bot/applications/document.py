"""The printable application: HTML (Jinja2, autoescaped) and PDF (reportlab, STSong-Light)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.applications.schemas import StoredApplication

TEMPLATES = Path(__file__).with_name("templates")
CJK_FONT = "STSong-Light"


def _created(app: StoredApplication) -> str:
    return app.created_at.strftime("%Y-%m-%d %H:%M")


def render_html(app: StoredApplication) -> str:
    """The application as a standalone, printable HTML page."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("application.html").render(app=app, created=_created(app))


def _styles() -> dict[str, object]:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=10),
        "body": base,
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, textColor="#555555"),
    }


def _table(app: StoredApplication, styles: dict[str, object]) -> object:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    rows = [
        [
            Paragraph(escape(f.label), styles["body"]),
            Paragraph(escape(f.value if f.value is not None else "（未填写）"), styles["body"]),
        ]
        for f in app.fields
    ]
    table = Table(rows, colWidths=[130, 330])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_pdf(app: StoredApplication) -> bytes:
    """The application as an A4 PDF with Chinese text in reportlab's built-in CID font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    s = _styles()
    guide = app.guide
    story: list[object] = [
        Paragraph(escape(guide.form_title), s["title"]),
        Paragraph(
            escape(
                f"申请编号：{app.reference}　生成时间：{_created(app)}"
                f"　受理部门：{guide.department}"
            ),
            s["meta"],
        ),
        Spacer(1, 8),
        _table(app, s),
        Paragraph("需携带的材料", s["h2"]),
        *[Paragraph(escape(f"{i}. {m}"), s["body"]) for i, m in enumerate(guide.materials, 1)],
        Paragraph("提交地点和方式", s["h2"]),
        *[Paragraph(escape(f"· {loc}"), s["body"]) for loc in guide.locations],
    ]
    if guide.online:
        story.append(Paragraph(escape(f"· 网上办理：{guide.online}"), s["body"]))
    story += [
        Spacer(1, 10),
        Paragraph(
            escape(
                f"咨询电话：{guide.phone}。本表由示例市政务服务智能助手预填，请核对无误后签字提交。"
            ),
            s["meta"],
        ),
        Spacer(1, 16),
        Paragraph("申请人签字：____________　　日期：____________", s["body"]),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=guide.form_title, author="govassist")
    doc.build(story)
    return buffer.getvalue()
