"""Documents in and out: text from uploaded briefs and examples (.txt, .md, .pdf, .docx), and a report's
markdown written as PDF or Word for download.

Reports use a small markdown subset (headings, paragraphs, bullet and numbered lists, tables, quotes,
bold and italic); the writers below render exactly that subset and degrade anything else to plain text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_UPLOADS = ("txt", "md", "pdf", "docx")
# The memory service stores at most this many characters per item.
MAX_ITEM_CHARS = 100_000
# Uploads larger than this are refused by the uploader (a PDF carries far more bytes than text).
MAX_UPLOAD_MB = 25


class DocumentError(Exception):
    """An upload could not be read; `str(error)` says why, for the operator."""


# ---------------------------------------------------------------------------------------------------------
# Reading uploads.


def read_upload(filename: str, data: bytes) -> str:
    """The text of an uploaded .txt, .md, .pdf or .docx file, with normalised line ends."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix in ("txt", "md", "markdown"):
        text = _decode_text(data)
    elif suffix == "pdf":
        text = _pdf_text(filename, data)
    elif suffix == "docx":
        text = _docx_text(filename, data)
    elif suffix == "doc":
        raise DocumentError(f"{filename} is an old Word .doc file: save it as .docx and upload that.")
    else:
        kinds = ", ".join(f".{s}" for s in SUPPORTED_UPLOADS)
        raise DocumentError(f"{filename}: unsupported file type; upload one of {kinds}.")
    text = re.sub(r"\r\n?", "\n", text).replace("\x00", "")
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        raise DocumentError(f"{filename} contains no text.")
    return text


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _pdf_text(filename: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{filename} is password-protected: remove the password and upload it again.")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{filename} could not be read as a PDF ({exc}).") from None
    text = "\n\n".join(p for p in pages if p)
    if not text:
        raise DocumentError(
            f"{filename} has no extractable text (is it a scan?). Upload a text-based PDF, .docx or .txt."
        )
    return text


def _docx_text(filename: str, data: bytes) -> str:
    import zipfile

    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"{filename} could not be read as a Word .docx file ({exc}).") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, DocxParagraph):
            text = block.text.strip()
            if not text:
                lines.append("")
                continue
            style = (block.style.name if block.style is not None else "") or ""
            heading = re.fullmatch(r"Heading (\d)", style)
            if style == "Title":
                lines.append(f"# {text}")
            elif heading:
                lines.append(f"{'#' * min(int(heading.group(1)) + 1, 6)} {text}")
            elif style.startswith("List"):
                lines.append(f"- {text}")
            else:
                lines.append(text)
        elif isinstance(block, DocxTable):
            lines.append("")
            for row in block.rows:
                lines.append(
                    "| " + " | ".join(cell.text.strip().replace("\n", " ") for cell in row.cells) + " |"
                )
            lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# The markdown subset.


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class ListItem:
    text: str
    ordered: bool
    number: str
    depth: int


@dataclass(frozen=True)
class Quote:
    text: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    header: bool


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | ListItem | Quote | Table | Rule

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner.removeprefix("|")
    inner = inner.removesuffix("|")
    return tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", inner))


def parse_markdown(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    lines = markdown.replace("\r\n", "\n").split("\n")
    paragraph: list[str] = []
    quote: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph(" ".join(s.strip() for s in paragraph)))
            paragraph.clear()
        if quote:
            blocks.append(Quote(" ".join(s.strip() for s in quote if s.strip())))
            quote.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        if line.lstrip().startswith("|"):
            flush()
            rows: list[tuple[str, ...]] = []
            header = False
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                if _TABLE_SEPARATOR.match(lines[i]):
                    header = header or len(rows) == 1
                else:
                    rows.append(_cells(lines[i]))
                i += 1
            width = max(len(r) for r in rows) if rows else 0
            if rows:
                blocks.append(Table(tuple(r + ("",) * (width - len(r)) for r in rows), header))
            continue
        if m := _HEADING.match(line):
            flush()
            blocks.append(Heading(len(m.group(1)), m.group(2)))
        elif _RULE.match(line):
            flush()
            blocks.append(Rule())
        elif m := _QUOTE.match(line):
            if paragraph:
                flush()
            quote.append(m.group(1))
        elif m := _BULLET.match(line):
            flush()
            blocks.append(ListItem(m.group(2), False, "", len(m.group(1).expandtabs(4)) // 2))
        elif m := _NUMBERED.match(line):
            flush()
            blocks.append(ListItem(m.group(3), True, m.group(2), len(m.group(1).expandtabs(4)) // 2))
        else:
            if quote:
                flush()
            paragraph.append(line)
        i += 1
    flush()
    return blocks


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


_INLINE = re.compile(
    r"\*\*(?P<b>.+?)\*\*"
    r"|(?<!\w)__(?P<b2>.+?)__(?!\w)"
    r"|(?<![\w*])\*(?P<i>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])"
    r"|(?<!\w)_(?P<i2>[^_\s](?:[^_]*?[^_\s])?)_(?!\w)"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<lt>[^\]]+)\]\((?P<lu>[^)\s]+)\)"
)


def inline_spans(text: str, *, bold: bool = False, italic: bool = False) -> list[Span]:
    """Inline markdown as styled runs (bold, italic); code and links become plain text."""
    spans: list[Span] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            spans.append(Span(_unescape(text[pos : m.start()]), bold, italic))
        if m.group("b") is not None or m.group("b2") is not None:
            spans += inline_spans(m.group("b") or m.group("b2"), bold=True, italic=italic)
        elif m.group("i") is not None or m.group("i2") is not None:
            spans += inline_spans(m.group("i") or m.group("i2"), bold=bold, italic=True)
        elif m.group("code") is not None:
            spans.append(Span(m.group("code"), bold, italic))
        else:
            label, url = m.group("lt"), m.group("lu")
            spans.append(Span(label if label == url else f"{label} ({url})", bold, italic))
        pos = m.end()
    if pos < len(text):
        spans.append(Span(_unescape(text[pos:]), bold, italic))
    return [s for s in spans if s.text]


def plain_text(text: str) -> str:
    return "".join(span.text for span in inline_spans(text))


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)


# ---------------------------------------------------------------------------------------------------------
# Writing PDF (fpdf2).

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
_FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
_LATIN1_REPLACEMENTS = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "-",
    "\u2026": "...",
    "\u2192": "->",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2212": "-",
    "\u00a0": " ",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
}


def unicode_font_files() -> dict[str, Path] | None:
    """DejaVu Sans in its four styles, if installed (Debian: fonts-dejavu-core)."""
    for directory in _FONT_DIRS:
        files = {style: directory / name for style, name in _FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    return None


def _latin1(text: str) -> str:
    for char, replacement in _LATIN1_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def markdown_to_pdf(markdown: str, title: str = "AICMO report", *, unicode_fonts: bool = True) -> bytes:
    """The report as an A4 PDF. Uses DejaVu Sans for full Unicode when installed, else Helvetica (Latin-1)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("AICMO")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 18, 18)
    fonts = unicode_font_files() if unicode_fonts else None
    if fonts:
        for style, path in fonts.items():
            pdf.add_font("DejaVu", style, str(path))
        family = "DejaVu"

        def clean(text: str) -> str:
            return text

    else:
        family = "Helvetica"
        clean = _latin1
    pdf.add_page()
    base = 10.0
    line_height = 5.2

    def style_of(span: Span) -> str:
        return ("B" if span.bold else "") + ("I" if span.italic else "")

    def write_spans(spans: list[Span], size: float, height: float) -> None:
        for span in spans:
            pdf.set_font(family, style_of(span), size)
            pdf.write(height, clean(span.text))
        pdf.ln(height)

    for block in parse_markdown(markdown):
        pdf.set_x(pdf.l_margin)
        if isinstance(block, Heading):
            size = {1: 18.0, 2: 14.0, 3: 12.0}.get(block.level, 11.0)
            pdf.ln(3 if block.level > 1 else 0)
            pdf.set_font(family, "B", size)
            pdf.multi_cell(0, size * 0.5, clean(plain_text(block.text)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
        elif isinstance(block, Paragraph):
            write_spans(inline_spans(block.text), base, line_height)
            pdf.ln(1.8)
        elif isinstance(block, Quote):
            indent = 6.0
            pdf.set_left_margin(pdf.l_margin + indent)
            pdf.set_x(pdf.l_margin)
            write_spans(inline_spans(block.text, italic=True), base, line_height)
            pdf.set_left_margin(pdf.l_margin - indent)
            pdf.ln(1.8)
        elif isinstance(block, ListItem):
            indent = 5.0 * (block.depth + 1)
            marker = f"{block.number}. " if block.ordered else "\u2022 " if fonts else "- "
            pdf.set_left_margin(pdf.l_margin + indent)
            pdf.set_x(pdf.l_margin)
            pdf.set_font(family, "", base)
            pdf.write(line_height, marker)
            write_spans(inline_spans(block.text), base, line_height)
            pdf.set_left_margin(pdf.l_margin - indent)
            pdf.ln(0.8)
        elif isinstance(block, Table):
            pdf.set_font(family, "", base - 1)
            pdf.ln(1)
            with pdf.table(
                first_row_as_headings=block.header,
                line_height=(base - 1) * 0.5,
                text_align="LEFT",
            ) as table:
                for row in block.rows:
                    cells = table.row()
                    for cell in row:
                        cells.cell(clean(plain_text(cell)))
            pdf.ln(2.5)
        elif isinstance(block, Rule):
            y = pdf.get_y() + 2
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.ln(5)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------------------
# Writing Word (python-docx).


def markdown_to_docx(markdown: str, title: str = "AICMO report") -> bytes:
    """The report as a Word document with real headings, lists and tables."""
    import docx
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "AICMO"

    def add_runs(paragraph: DocxParagraph, spans: list[Span]) -> None:
        for span in spans:
            run = paragraph.add_run(span.text)
            run.bold = span.bold or None
            run.italic = span.italic or None

    for block in parse_markdown(markdown):
        if isinstance(block, Heading):
            document.add_heading(plain_text(block.text), level=min(block.level - 1, 9))
        elif isinstance(block, Paragraph):
            add_runs(document.add_paragraph(), inline_spans(block.text))
        elif isinstance(block, Quote):
            add_runs(document.add_paragraph(style="Quote"), inline_spans(block.text))
        elif isinstance(block, ListItem):
            level = min(block.depth, 2)
            base_style = "List Number" if block.ordered else "List Bullet"
            style = base_style if level == 0 else f"{base_style} {level + 1}"
            add_runs(document.add_paragraph(style=style), inline_spans(block.text))
        elif isinstance(block, Table):
            columns = len(block.rows[0]) if block.rows else 0
            table = document.add_table(rows=0, cols=columns)
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                cells = table.add_row().cells
                for c, text in enumerate(row):
                    cell_paragraph = cells[c].paragraphs[0]
                    add_runs(cell_paragraph, inline_spans(text, bold=block.header and r == 0))
            document.add_paragraph()
        elif isinstance(block, Rule):
            document.add_paragraph("\u2015" * 20)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def preview(text: str, limit: int = 600) -> str:
    """The first `limit` characters of text, cut at a word boundary (for previews)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
