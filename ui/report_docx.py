"""A report as the Word document a client receives (python-docx).

A cover page (brand, package, client, date, agency), a table of contents field, the sections in Word's
own heading styles (so the navigation pane and the contents work), numbered and bulleted lists, tables
with fitted column widths whose header row repeats on every page and whose rows never split, and a header
("Brand · Package", the agency) and footer (the client, "Page X of Y") on every page after the cover.
Word fills in the contents' page numbers when the file is opened (it asks to update fields).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from ui import report_markdown as rm

ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x5B, 0x66, 0x73)
HEADER_FILL = "E6ECF3"
CELL_SIZE = 8.5
CELL_PADDING_PT = 5.4  # the Table Grid style's cell margins (108 twips) on each side
# Tables this short are never split across pages.
KEEP_WHOLE_ROWS = 5
TOC_LEVELS = "1-1"
# Word's own default font (LibreOffice shows its metric twin, Carlito), set on every style we use.
FONT = "Calibri"


def render_docx(report: rm.Report, *, title: str) -> bytes:
    document = docx.Document()
    _page_setup(document)
    _styles(document)
    properties = document.core_properties
    properties.title = title
    properties.author = report.cover.agency
    properties.subject = report.cover.package or report.cover.title
    properties.comments = ""
    _cover(document, report)
    if any(isinstance(b, rm.Heading) and b.level == 1 for b in report.blocks):
        _contents(document, report)
    _body(document, report)
    _header_footer(document, report)
    _update_fields_on_open(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Page and styles.


def _page_setup(document: DocxDocument) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)
    section.header_distance = section.footer_distance = Mm(10)
    # The cover has no header or footer.
    section.different_first_page_header_footer = True


def _text_width(document: DocxDocument) -> int:
    section = document.sections[0]
    width = (section.page_width or Mm(210)) - (section.left_margin or 0) - (section.right_margin or 0)
    return int(width)


def _styles(document: DocxDocument) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.widow_control = True
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title", "Subtitle"):
        styles[name].font.name = FONT
        styles[name].font.color.rgb = ACCENT
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["Heading 1"].font.size = Pt(16)
    styles["Heading 2"].font.size = Pt(12.5)
    styles["Subtitle"].font.color.rgb = MUTED
    existing = {s.name for s in styles}
    # Word's own names, so updating the table of contents uses (and keeps) these styles.
    for level in (1, 2):
        name = f"TOC {level}"
        if name not in existing:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.paragraph_format.left_indent = Mm(5 * (level - 1))
            style.paragraph_format.space_after = Pt(3)


# ---------------------------------------------------------------------------------------------------------
# Cover and contents.


def _cover(document: DocxDocument, report: rm.Report) -> None:
    cover = report.cover
    agency = document.add_paragraph()
    run = agency.add_run(cover.agency.upper())
    run.bold = True
    run.font.color.rgb = ACCENT
    run.font.size = Pt(11)
    agency.paragraph_format.space_after = Pt(150)
    document.add_paragraph(cover.brand or cover.title, style="Title")
    if cover.brand and cover.package:
        document.add_paragraph(cover.package, style="Subtitle")
    for label, value in (("Prepared for", cover.client), ("Date", cover.date)):
        if not value:
            continue
        caption = document.add_paragraph()
        caption.paragraph_format.space_before = Pt(14)
        caption.paragraph_format.space_after = Pt(0)
        small = caption.add_run(label.upper())
        small.font.size = Pt(8.5)
        small.font.color.rgb = MUTED
        line = document.add_paragraph()
        big = line.add_run(value)
        big.font.size = Pt(13)
    by = document.add_paragraph()
    by.paragraph_format.space_before = Pt(120)
    prepared = by.add_run(f"Prepared by {cover.agency}")
    prepared.font.size = Pt(9)
    prepared.font.color.rgb = MUTED
    _page_break(document)


def _contents(document: DocxDocument, report: rm.Report) -> None:
    document.add_paragraph("Contents", style="TOC Heading")
    entries = [b for b in report.blocks if isinstance(b, rm.Heading) and b.level == 1]
    first = document.add_paragraph(style="TOC 1")
    _field_start(first, f'TOC \\o "{TOC_LEVELS}" \\h \\z \\u')
    # Until Word updates the field, the contents lists the sections (without page numbers).
    paragraph = first
    for index, heading in enumerate(entries):
        if index:
            paragraph = document.add_paragraph(style=f"TOC {heading.level}")
        paragraph.add_run(heading.text.strip())
    _field_end(paragraph)
    _page_break(document)


def _page_break(document: DocxDocument) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field_char(paragraph: DocxParagraph, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        element.set(qn("w:dirty"), "true")  # ask Word to recompute it on open
    paragraph.add_run()._r.append(element)


def _field_start(paragraph: DocxParagraph, instruction: str) -> None:
    _field_char(paragraph, "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    _field_char(paragraph, "separate")


def _field_end(paragraph: DocxParagraph) -> None:
    _field_char(paragraph, "end")


def _field(paragraph: DocxParagraph, instruction: str, shown: str) -> None:
    """A field such as PAGE or NUMPAGES, showing `shown` until Word computes it."""
    _field_start(paragraph, instruction)
    paragraph.add_run(shown)
    _field_end(paragraph)


def _update_fields_on_open(document: DocxDocument) -> None:
    settings = document.settings.element
    element = settings.find(qn("w:updateFields"))
    if element is None:
        element = OxmlElement("w:updateFields")
        settings.append(element)
    element.set(qn("w:val"), "true")


def _header_footer(document: DocxDocument, report: rm.Report) -> None:
    section = document.sections[0]
    right = _text_width(document)
    header = section.header.paragraphs[0]
    _right_tab(header, right)
    head = header.add_run(report.running_head)
    head.font.size = Pt(8)
    head.font.color.rgb = MUTED
    agency = header.add_run(f"\t{report.cover.agency}")
    agency.font.size = Pt(8)
    agency.bold = True
    agency.font.color.rgb = ACCENT
    _bottom_border(header)

    footer = section.footer.paragraphs[0]
    _right_tab(footer, right)
    for text, field in ((f"{report.footer_note}\tPage ", ""), ("", "PAGE"), (" of ", ""), ("", "NUMPAGES")):
        if field:
            before = len(footer.runs)
            _field(footer, field, "1")
            runs = footer.runs[before:]
        else:
            runs = [footer.add_run(text)]
        for run in runs:
            run.font.size = Pt(8)
            run.font.color.rgb = MUTED


def _right_tab(paragraph: DocxParagraph, position: int) -> None:
    """One tab stop, at the right margin (the Header and Footer styles' centre and right stops cleared)."""
    stops = paragraph.paragraph_format.tab_stops
    style = paragraph.style
    inherited = style.paragraph_format.tab_stops if style is not None else []
    for stop in inherited:
        stops.add_tab_stop(stop.position, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Emu(position), WD_TAB_ALIGNMENT.RIGHT)


def _bottom_border(paragraph: DocxParagraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "4"), ("w:color", "B7C3D0")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    properties.append(borders)


# ---------------------------------------------------------------------------------------------------------
# The body.


def _add_runs(paragraph: DocxParagraph, spans: Sequence[rm.Span], *, bold: bool = False) -> None:
    for span in spans:
        parts = span.text.split("\n")
        for index, part in enumerate(parts):
            run = paragraph.add_run(part)
            if index:
                run.add_break()
            run.bold = span.bold or bold or None
            run.italic = span.italic or None
            if span.strike:
                run.font.strike = True
            if span.code:
                run.font.color.rgb = MUTED


class _Numbering:
    """Each numbered list starts again at its own first number (Word otherwise runs one on from the last)."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.current: dict[int, int] = {}  # depth -> numId of the list being written

    def restart(self, paragraph: DocxParagraph, depth: int, start: int) -> None:
        numbering = self.document.part.numbering_part.numbering_definitions._numbering
        style = paragraph.style
        style_pr = style.element.pPr if style is not None else None
        num_pr = style_pr.numPr if style_pr is not None else None
        if num_pr is None or num_pr.numId is None:
            return
        abstract = numbering.num_having_numId(num_pr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract)
        override = num.add_lvlOverride(ilvl=0)
        override.add_startOverride(start)
        self.current[depth] = num.numId

    def apply(self, paragraph: DocxParagraph, depth: int) -> None:
        num_id = self.current.get(depth)
        if num_id is None:
            return
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def _body(document: DocxDocument, report: rm.Report) -> None:
    numbering = _Numbering(document)
    previous: rm.Block | None = None
    for block in report.blocks:
        if isinstance(block, rm.Heading):
            paragraph = document.add_heading(level=min(block.level, 9))
            _add_runs(paragraph, block.spans)
        elif isinstance(block, rm.Paragraph):
            _add_runs(document.add_paragraph(), block.spans)
        elif isinstance(block, rm.Quote):
            _add_runs(document.add_paragraph(style="Quote"), block.spans)
        elif isinstance(block, rm.ListItem):
            level = min(block.depth, 2)
            base = "List Number" if block.ordered else "List Bullet"
            paragraph = document.add_paragraph(style=base if level == 0 else f"{base} {level + 1}")
            paragraph.paragraph_format.space_after = Pt(3)
            if block.ordered:
                starts_list = not (
                    isinstance(previous, rm.ListItem)
                    and (previous.depth > block.depth or (previous.depth == block.depth and previous.ordered))
                )
                if starts_list:
                    numbering.restart(paragraph, level, int(block.number or "1"))
                numbering.apply(paragraph, level)
            _add_runs(paragraph, block.spans)
        elif isinstance(block, rm.Code):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            run.font.name = "Consolas"
            run.font.size = Pt(9)
        elif isinstance(block, rm.Table):
            if block.header or block.rows:
                _table(document, block)
                document.add_paragraph().paragraph_format.space_after = Pt(2)
        elif isinstance(block, rm.Rule):
            _bottom_border(document.add_paragraph())
        previous = block


def _measure(text: str, bold: bool) -> float:
    """Printed width in points at the table size, by DejaVu Sans's metrics where installed (else
    Helvetica's). Both are wider than Calibri, and DejaVu Sans is what LibreOffice falls back to without
    Calibri or Carlito, so columns sized by it are wide enough wherever the file is opened."""
    from ui.report_pdf import load_fonts

    return load_fonts(True).measure(CELL_SIZE)(text, bold)


def _table(document: DocxDocument, block: rm.Table) -> None:
    width_pt = _text_width(document) / 12700
    widths = rm.fit_column_widths(rm.table_words(block), width_pt, _measure, padding=CELL_PADDING_PT)
    if widths is None:
        widths = [width_pt / block.columns] * block.columns
    numeric = rm.numeric_columns(block)
    table = document.add_table(rows=0, cols=block.columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _cell_margins(table, top=50, bottom=50)
    rows = ([block.header] if block.header else []) + list(block.rows)
    for index, row in enumerate(rows):
        cells = table.add_row().cells
        is_header = bool(block.header) and index == 0
        properties = table.rows[index]._tr.get_or_add_trPr()
        # Rows never break across pages; the header row repeats on every page.
        properties.append(_on("w:cantSplit"))
        if is_header:
            properties.append(_on("w:tblHeader"))
        for c, cell in enumerate(cells):
            cell.width = Emu(int(widths[c] * 12700))
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            # No lone rows: a short table stays whole; a long one keeps its header with the first two
            # rows and its last two rows together.
            if index < len(rows) - 1 and (
                len(rows) <= KEEP_WHOLE_ROWS or index < (2 if block.header else 1) or index == len(rows) - 2
            ):
                paragraph.paragraph_format.keep_with_next = True
            if numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _add_runs(paragraph, row[c] if c < len(row) else (), bold=is_header)
            for run in paragraph.runs:
                run.font.size = Pt(CELL_SIZE)
                if is_header:
                    run.font.color.rgb = ACCENT
            if is_header:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), HEADER_FILL)
                cell._tc.get_or_add_tcPr().append(shading)
    for c, column in enumerate(table.columns):
        column.width = Emu(int(widths[c] * 12700))


def _cell_margins(table: DocxTable, **twips: int) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side, value in twips.items():
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def _on(tag: str) -> OxmlElement:  # type: ignore[valid-type]
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    return element
