"""A report as the PDF a client receives, laid out with ReportLab's Platypus.

Cover page (brand, package, client, date, agency), a table of contents with page numbers, then the
sections. Every page after the cover has a header ("Brand · Package", the agency) and a footer (the client,
"Page X of Y"). Headings stay with what follows them; tables get column widths that fit their content
(no word is broken), repeat their header row on every page they run over, and never leave a lone row at
the foot or head of a page. The PDF outline (bookmarks) has every section and sub-section.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable
from reportlab.platypus.tableofcontents import TableOfContents

from ui import report_markdown as rm
from ui.report_fonts import unicode_font_files

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
ACCENT = colors.HexColor("#1F3A5F")
ACCENT_LIGHT = colors.HexColor("#E6ECF3")
ZEBRA = colors.HexColor("#F6F8FA")
RULE = colors.HexColor("#B7C3D0")
MUTED = colors.HexColor("#5B6673")
TEXT = colors.HexColor("#1E2329")

# Table cells: font sizes tried in turn until the longest words of every column fit side by side.
CELL_SIZES = (8.5, 7.8, 7.0, 6.4)
CELL_PADDING = 4.0  # points, left and right
# Tables this short are never split across pages.
KEEP_WHOLE_ROWS = 5

# Characters the standard (Latin) PDF fonts cannot show, when no Unicode font is installed.
_CP1252_REPLACEMENTS = {
    "\u2192": "->",
    "\u2190": "<-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2212": "-",
    "\u2011": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2015": "-",
    "\u2713": "v",
    "\u2717": "x",
    "\u2605": "*",
    "\u25bd": "v",
}


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str
    bold_italic: str
    unicode: bool

    def clean(self, text: str) -> str:
        """Text the fonts can show: unchanged with Unicode fonts, else mapped to Windows-1252."""
        if self.unicode:
            return text
        for char, replacement in _CP1252_REPLACEMENTS.items():
            text = text.replace(char, replacement)
        return text.encode("cp1252", errors="replace").decode("cp1252")

    def measure(self, size: float) -> Callable[[str, bool], float]:
        def width(text: str, bold: bool) -> float:
            return float(pdfmetrics.stringWidth(self.clean(text), self.bold if bold else self.regular, size))

        return width


@lru_cache(maxsize=2)
def load_fonts(unicode: bool = True) -> Fonts:
    """DejaVu Sans (full Unicode) when installed and wanted, else the built-in Helvetica (Windows-1252)."""
    files = unicode_font_files() if unicode else None
    if not files:
        return Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", False)
    names = {"": "AicmoSans", "B": "AicmoSans-Bold", "I": "AicmoSans-Italic", "BI": "AicmoSans-BoldItalic"}
    for style, path in files.items():
        pdfmetrics.registerFont(TTFont(names[style], str(path)))
    pdfmetrics.registerFontFamily(
        names[""], normal=names[""], bold=names["B"], italic=names["I"], boldItalic=names["BI"]
    )
    return Fonts(names[""], names["B"], names["I"], names["BI"], True)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    bullet: ParagraphStyle
    quote: ParagraphStyle
    code: ParagraphStyle
    headings: tuple[ParagraphStyle, ...]
    contents_title: ParagraphStyle
    toc: ParagraphStyle
    cover_agency: ParagraphStyle
    cover_title: ParagraphStyle
    cover_subtitle: ParagraphStyle
    cover_label: ParagraphStyle
    cover_value: ParagraphStyle


def _styles(fonts: Fonts) -> Styles:
    body = ParagraphStyle(
        "Body",
        fontName=fonts.regular,
        fontSize=10,
        leading=14.2,
        textColor=TEXT,
        spaceAfter=6,
        allowWidows=0,
        allowOrphans=0,
    )
    heading_sizes = ((17.0, 22.0, 16.0, 8.0), (12.5, 16.0, 12.0, 4.0), (10.5, 14.0, 9.0, 3.0))
    headings = tuple(
        ParagraphStyle(
            f"Heading{level + 1}",
            parent=body,
            fontName=fonts.bold,
            fontSize=size,
            leading=leading,
            spaceBefore=before,
            spaceAfter=after,
            textColor=ACCENT if level < 2 else TEXT,
            keepWithNext=1,
        )
        for level, (size, leading, before, after) in enumerate(heading_sizes)
    )
    cover_base = ParagraphStyle("Cover", parent=body, spaceAfter=0)
    return Styles(
        body=body,
        bullet=ParagraphStyle("Bullet", parent=body, spaceAfter=3, bulletFontName=fonts.regular),
        quote=ParagraphStyle(
            "Quote", parent=body, fontName=fonts.italic, textColor=colors.HexColor("#33404D"), spaceAfter=0
        ),
        code=ParagraphStyle("Code", parent=body, fontSize=9, leading=12.5, textColor=MUTED),
        headings=headings,
        contents_title=ParagraphStyle("Contents", parent=headings[0], spaceBefore=0, spaceAfter=14),
        toc=ParagraphStyle("TOC1", parent=body, fontSize=10.5, leading=14, spaceAfter=0),
        cover_agency=ParagraphStyle(
            "CoverAgency", parent=cover_base, fontName=fonts.bold, fontSize=11, leading=14, textColor=ACCENT
        ),
        cover_title=ParagraphStyle(
            "CoverTitle", parent=cover_base, fontName=fonts.bold, fontSize=30, leading=36, textColor=ACCENT
        ),
        cover_subtitle=ParagraphStyle(
            "CoverSubtitle", parent=cover_base, fontSize=16, leading=21, textColor=MUTED, spaceBefore=6
        ),
        cover_label=ParagraphStyle(
            "CoverLabel", parent=cover_base, fontSize=8.5, leading=11, textColor=MUTED, spaceBefore=14
        ),
        cover_value=ParagraphStyle("CoverValue", parent=cover_base, fontSize=13, leading=17, spaceBefore=2),
    )


# ---------------------------------------------------------------------------------------------------------
# Inline markup.


def _markup(spans: Sequence[rm.Span], fonts: Fonts, *, bold: bool = False) -> str:
    """Spans as ReportLab paragraph markup (text escaped; bold, italic, strike, links)."""
    parts: list[str] = []
    for span in spans:
        text = escape(fonts.clean(span.text)).replace("\n", "<br/>")
        if span.code:
            text = f'<font color="#5B6673">{text}</font>'
        if span.strike:
            text = f"<strike>{text}</strike>"
        if span.italic:
            text = f"<i>{text}</i>"
        if span.bold or bold:
            text = f"<b>{text}</b>"
        if span.href and span.href.startswith(("http://", "https://", "mailto:")):
            text = f'<a href="{escape(span.href, {chr(34): "&quot;"})}" color="#1F5FA8">{text}</a>'
        parts.append(text)
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Tables.


def _table(table: rm.Table, width: float, fonts: Fonts) -> Table:
    words = rm.table_words(table)
    size = CELL_SIZES[0]
    widths: list[float] | None = None
    for size in CELL_SIZES:
        widths = rm.fit_column_widths(words, width, fonts.measure(size), padding=CELL_PADDING)
        if widths is not None:
            break
    if widths is None:
        # Even the smallest type cannot fit the longest words side by side: share the width out by need.
        measure = fonts.measure(size)
        need = [
            max((measure(w, b) for row in words for w, b in (row[c] if c < len(row) else [])), default=1.0)
            for c in range(table.columns)
        ]
        widths = [width * n / sum(need) for n in need]
    numeric = rm.numeric_columns(table)
    leading = round(size * 1.3, 1)
    base = ParagraphStyle("Cell", fontName=fonts.regular, fontSize=size, leading=leading, textColor=TEXT)
    right = ParagraphStyle("CellRight", parent=base, alignment=TA_RIGHT)
    header_style = ParagraphStyle("CellHead", parent=base, fontName=fonts.bold, textColor=ACCENT)
    header_right = ParagraphStyle("CellHeadRight", parent=header_style, alignment=TA_RIGHT)
    data: list[list[Flowable]] = []
    if table.header:
        data.append(
            [
                Paragraph(_markup(cell, fonts), header_right if numeric[c] else header_style)
                for c, cell in enumerate(table.header)
            ]
        )
    for row in table.rows:
        data.append(
            [Paragraph(_markup(cell, fonts), right if numeric[c] else base) for c, cell in enumerate(row)]
        )
    heads = 1 if table.header else 0
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 3.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
    ]
    if heads:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    if len(table.rows) > 2:
        commands.append(("ROWBACKGROUNDS", (0, heads), (-1, -1), [colors.white, ZEBRA]))
    rows = len(data)
    if rows <= KEEP_WHOLE_ROWS:
        commands.append(("NOSPLIT", (0, 0), (-1, -1)))
    else:
        # No orphans: the header and the first two rows stay together, and so do the last two rows.
        commands.append(("NOSPLIT", (0, 0), (-1, min(heads + 1, rows - 1))))
        commands.append(("NOSPLIT", (0, rows - 2), (-1, rows - 1)))
    flowable = Table(
        data, colWidths=widths, repeatRows=heads, hAlign="LEFT", splitByRow=1, spaceBefore=2, spaceAfter=9
    )
    flowable.setStyle(TableStyle(commands))
    return flowable


# ---------------------------------------------------------------------------------------------------------
# The document.


class _Entry(Paragraph):
    """A heading that goes into the outline (and, at the top level, into the table of contents)."""

    def __init__(self, text: str, style: ParagraphStyle, *, level: int, title: str, key: str) -> None:
        super().__init__(text, style)
        self.outline_level = level
        self.outline_title = title
        self.outline_key = key


class _Contents(TableOfContents):
    """The table of contents: each section and the page it starts on, both linked to it, with a dotted
    rule under each line (the page number follows its title in the text, for copying and screen readers,
    which ReportLab's dot leaders would put first)."""

    def __init__(self, title_style: ParagraphStyle, page_style: ParagraphStyle) -> None:
        super().__init__(levelStyles=[title_style])
        self.title_style = title_style
        self.page_style = page_style

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Entries from the previous pass (the first pass only counts the pages).
        last: list[tuple[int, str, int, str | None]] = getattr(self, "_lastEntries", [])
        entries = last or [(0, "Contents", 0, None)]
        rows: list[list[Flowable]] = []
        for _level, text, page, key in entries:

            def link(markup: str, key: object = key) -> str:
                return f'<a href="#{key}">{markup}</a>' if key else markup

            rows.append(
                [
                    Paragraph(link(escape(str(text))), self.title_style),
                    Paragraph(link(str(page)), self.page_style),
                ]
            )
        number_width = 16 * mm
        self._table = Table(rows, colWidths=(availWidth - number_width, number_width), hAlign="LEFT")
        self._table.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE, None, (1, 2)),
                ]
            )
        )
        self.width, self.height = self._table.wrapOn(self.canv, availWidth, availHeight)
        return self.width, self.height


class _Document(BaseDocTemplate):
    def __init__(self, out: io.BytesIO, **kwargs: Any) -> None:
        super().__init__(out, **kwargs)
        self._outline_level = -1

    def beforeDocument(self) -> None:
        self._outline_level = -1

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Entry):
            # The outline cannot skip a level (a "###" before any "##" hangs off the top level).
            level = min(flowable.outline_level, self._outline_level + 1)
            self._outline_level = level
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(flowable.outline_title, flowable.outline_key, level=level, closed=True)
            if flowable.outline_level == 0:
                self.notify("TOCEntry", (0, flowable.outline_title, self.page, flowable.outline_key))


def _page_furniture(report: rm.Report, fonts: Fonts) -> Callable[[Canvas, int, int], None]:
    head = fonts.clean(report.running_head)
    agency = fonts.clean(report.cover.agency)
    client = fonts.clean(report.footer_note)

    def draw(canvas: Canvas, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setFont(fonts.regular, 8)
        top = PAGE_HEIGHT - 13 * mm
        right = PAGE_WIDTH - MARGIN_X
        agency_width = pdfmetrics.stringWidth(agency, fonts.bold, 8) if agency else 0.0
        room = right - MARGIN_X - agency_width - 8 * mm
        canvas.drawString(MARGIN_X, top, _fit(head, fonts.regular, 8, room))
        if agency:
            canvas.setFont(fonts.bold, 8)
            canvas.setFillColor(ACCENT)
            canvas.drawRightString(right, top, agency)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top - 2.6 * mm, right, top - 2.6 * mm)
        bottom = 11 * mm
        canvas.line(MARGIN_X, bottom + 4 * mm, right, bottom + 4 * mm)
        canvas.setFillColor(MUTED)
        canvas.setFont(fonts.regular, 8)
        number = f"Page {page} of {pages}"
        number_width = pdfmetrics.stringWidth(number, fonts.regular, 8)
        canvas.drawString(
            MARGIN_X, bottom, _fit(client, fonts.regular, 8, right - MARGIN_X - number_width - 8 * mm)
        )
        canvas.drawRightString(right, bottom, number)
        canvas.restoreState()

    return draw


def _fit(text: str, font: str, size: float, room: float) -> str:
    """Text cut with an ellipsis to fit a header or footer line."""
    if pdfmetrics.stringWidth(text, font, size) <= room:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _canvas_maker(furniture: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Holds pages back until the end, so each can say "Page X of Y"; the cover (page 1) has none."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            pages = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                page = self.getPageNumber()
                if page > 1:
                    furniture(self, page, pages)
                super().showPage()
            super().save()

    return NumberedCanvas


def _cover_background(report: rm.Report, fonts: Fonts) -> Callable[[Canvas, BaseDocTemplate], None]:
    agency = fonts.clean(report.cover.agency)

    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, 0, 12 * mm, PAGE_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(ACCENT_LIGHT)
        canvas.rect(12 * mm, 0, 2.5 * mm, PAGE_HEIGHT, stroke=0, fill=1)
        if agency:
            canvas.setFillColor(MUTED)
            canvas.setFont(fonts.regular, 9)
            canvas.drawString(32 * mm + 6, 24 * mm, f"Prepared by {agency}")  # the frame pads 6 pt
        canvas.restoreState()

    return draw


def _cover(report: rm.Report, fonts: Fonts, styles: Styles) -> list[Flowable]:
    cover = report.cover
    title = cover.brand or cover.title
    subtitle = cover.package if cover.brand else ""
    story: list[Flowable] = []
    if cover.agency:
        story.append(Paragraph(escape(fonts.clean(cover.agency.upper())), styles.cover_agency))
    story.append(Spacer(1, 62 * mm))
    story.append(Paragraph(escape(fonts.clean(title)), styles.cover_title))
    if subtitle:
        story.append(Paragraph(escape(fonts.clean(subtitle)), styles.cover_subtitle))
    story.append(Spacer(1, 10 * mm))
    story.append(HRFlowable(width="30%", thickness=2, color=ACCENT, hAlign="LEFT", spaceAfter=4 * mm))
    for label, value in (("PREPARED FOR", cover.client), ("DATE", cover.date)):
        if value:
            story.append(Paragraph(label, styles.cover_label))
            story.append(Paragraph(escape(fonts.clean(value)), styles.cover_value))
    return story


def _quote(spans: Sequence[rm.Span], width: float, fonts: Fonts, styles: Styles) -> Flowable:
    box = Table(
        [[Paragraph(_markup(spans, fonts), styles.quote)]], colWidths=[width - 6 * mm], hAlign="RIGHT"
    )
    box.setStyle(
        TableStyle(
            [
                ("LINEBEFORE", (0, 0), (0, 0), 2.4, ACCENT),
                ("BACKGROUND", (0, 0), (0, 0), ZEBRA),
                ("LEFTPADDING", (0, 0), (0, 0), 10),
                ("RIGHTPADDING", (0, 0), (0, 0), 10),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, 0), (0, 0), 7),
            ]
        )
    )
    return box


def _splits(table: Table) -> bool:
    """May this table run over a page break (it is longer than KEEP_WHOLE_ROWS)?"""
    return len(getattr(table, "_cellvalues", ())) > KEEP_WHOLE_ROWS


def _first_rows_height(table: Table, width: float) -> float:
    """The height of the header and the first two rows, which stay together."""
    table.wrap(width, PAGE_HEIGHT)
    heights: list[float] = list(getattr(table, "_rowHeights", []))
    return sum(heights[:3])


def _body(report: rm.Report, width: float, fonts: Fonts, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = []
    previous: rm.Block | None = None
    tables = {
        index: _table(block, width, fonts)
        for index, block in enumerate(report.blocks)
        if isinstance(block, rm.Table) and (block.rows or block.header)
    }
    for index, block in enumerate(report.blocks):
        if isinstance(previous, rm.ListItem) and not isinstance(block, rm.ListItem):
            story.append(Spacer(1, 4))
        if isinstance(block, rm.Heading):
            level = min(block.level, len(styles.headings)) - 1
            style = styles.headings[level]
            # Start a section on a new page unless a good part of this one is left; keep any heading off
            # the foot of a page.
            room = 60 * mm if level == 0 else 32 * mm
            table = tables.get(index + 1)
            if table is not None and _splits(table):
                # A heading over a long table: it needs room for the table's first rows, but the table may
                # then run on (keep-with-next would move the whole table to the next page).
                room = max(room, style.leading + style.spaceAfter + _first_rows_height(table, width) + 4)
                style = ParagraphStyle(f"{style.name}-split", parent=style, keepWithNext=0)
            story.append(CondPageBreak(room))
            story.append(
                _Entry(
                    _markup(block.spans, fonts),
                    style,
                    level=block.level - 1,
                    title=fonts.clean(block.text.strip()) or "Section",
                    key=f"h{index}",
                )
            )
        elif isinstance(block, rm.Paragraph):
            story.append(Paragraph(_markup(block.spans, fonts), styles.body))
        elif isinstance(block, rm.ListItem):
            indent = 14 + 14 * block.depth
            marker = f"{block.number}." if block.ordered else ("•" if block.depth % 2 == 0 else "◦")
            following = report.blocks[index + 1 : index + 3]
            # No widowed item: the last two items of a list of three or more share a page.
            penultimate = (
                len(following) == 2
                and isinstance(following[0], rm.ListItem)
                and not isinstance(following[1], rm.ListItem)
                and isinstance(previous, rm.ListItem)
            )
            style = ParagraphStyle(
                f"Bullet{block.depth}{block.ordered}",
                parent=styles.bullet,
                leftIndent=indent,
                bulletIndent=indent - 12,
                keepWithNext=1 if penultimate else 0,
            )
            story.append(Paragraph(_markup(block.spans, fonts), style, bulletText=fonts.clean(marker)))
        elif isinstance(block, rm.Quote):
            story.append(_quote(block.spans, width, fonts, styles))
            story.append(Spacer(1, 6))
        elif isinstance(block, rm.Code):
            text = escape(fonts.clean(block.text)).replace("\n", "<br/>")
            story.append(Paragraph(text, styles.code))
        elif isinstance(block, rm.Table):
            if index in tables:
                # Spacing on the table itself, so a heading's keep-with-next reaches the table.
                story.append(tables[index])
        elif isinstance(block, rm.Rule):
            story.append(HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=4, spaceAfter=8))
        previous = block
    return story


def render_pdf(report: rm.Report, *, title: str, unicode_fonts: bool = True) -> bytes:
    """The report as an A4 PDF."""
    fonts = load_fonts(unicode_fonts)
    styles = _styles(fonts)
    out = io.BytesIO()
    doc = _Document(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=fonts.clean(title),
        author=fonts.clean(report.cover.agency),
        subject=fonts.clean(report.cover.package or report.cover.title),
        creator="AICMO",
    )
    width = doc.width
    body_frame = Frame(MARGIN_X, MARGIN_BOTTOM, width, doc.height, id="body", leftPadding=0, rightPadding=0)
    cover_frame = Frame(
        32 * mm, 40 * mm, PAGE_WIDTH - 32 * mm - 24 * mm, PAGE_HEIGHT - 40 * mm - 30 * mm, id="cover"
    )
    doc.addPageTemplates(
        [
            PageTemplate("cover", [cover_frame], onPage=_cover_background(report, fonts)),
            PageTemplate("body", [body_frame]),
        ]
    )
    story: list[Flowable] = [*_cover(report, fonts, styles), NextPageTemplate("body"), PageBreak()]
    if any(isinstance(b, rm.Heading) and b.level == 1 for b in report.blocks):
        page_style = ParagraphStyle("TOCPage", parent=styles.toc, alignment=TA_RIGHT)
        story += [
            Paragraph("Contents", styles.contents_title),
            _Contents(styles.toc, page_style),
            PageBreak(),
        ]
    story += _body(report, width, fonts, styles)
    if len(story) == 3:  # nothing but the cover
        story.append(Spacer(1, 1))
    doc.multiBuild(story, canvasmaker=_canvas_maker(_page_furniture(report, fonts)))
    return out.getvalue()
