"""Documents in and out: text from uploaded briefs and examples (.txt, .md, .pdf, .docx), and a report's
markdown written as the PDF and Word files a client receives.

The markdown is parsed by markdown-it-py (`ui.report_markdown`); the PDF is laid out by ReportLab
(`ui.report_pdf`) and the Word file written by python-docx (`ui.report_docx`). Both have a cover (client,
brand, package, date, agency), a table of contents, page numbers and a header and footer.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

from ui.report_fonts import unicode_font_files
from ui.report_markdown import (
    Block,
    Code,
    Cover,
    Heading,
    ListItem,
    Paragraph,
    Quote,
    Report,
    Rule,
    Span,
    Table,
    format_date,
    inline_spans,
    parse_markdown,
    plain_text,
    prepare_report,
)

__all__ = [
    "MAX_ITEM_CHARS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_MB",
    "SUPPORTED_UPLOADS",
    "Block",
    "Code",
    "Cover",
    "DocumentError",
    "Heading",
    "ListItem",
    "Paragraph",
    "Quote",
    "Report",
    "Rule",
    "Span",
    "Table",
    "default_agency",
    "format_date",
    "inline_spans",
    "markdown_to_docx",
    "markdown_to_pdf",
    "parse_markdown",
    "plain_text",
    "prepare_report",
    "preview",
    "read_upload",
    "unicode_font_files",
]

SUPPORTED_UPLOADS = ("txt", "md", "pdf", "docx")
# The memory service stores at most this many characters per item.
MAX_ITEM_CHARS = 100_000
# The one upload limit, per file, for every upload widget (brief and reference examples): the widgets show
# and apply it, read_upload enforces it, and .streamlit/config.toml (server.maxUploadSize) holds the server
# to it too. Generous because a PDF carries far more bytes than text; the text itself is bounded separately.
MAX_UPLOAD_MB = 25
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


class DocumentError(Exception):
    """An upload could not be read; `str(error)` says why, for the operator."""


# ---------------------------------------------------------------------------------------------------------
# Reading uploads.


def read_upload(filename: str, data: bytes) -> str:
    """The text of an uploaded .txt, .md, .pdf or .docx file, with normalised line ends."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DocumentError(
            f"{filename} is {len(data) / (1024 * 1024):.1f} MB; files up to {MAX_UPLOAD_MB} MB can be uploaded. "
            "Upload a smaller file (for a PDF, a version without large images)."
        )
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
# Writing the deliverables.


def default_agency() -> str:
    """The agency named on covers and page headers: AICMO_AGENCY_NAME, else "AICMO"."""
    from ui.settings import UISettings

    return UISettings().agency_name


def _report(
    markdown: str,
    title: str,
    client: str,
    brand: str,
    package: str,
    date: datetime.date | str | None,
    agency: str | None,
) -> Report:
    return prepare_report(
        markdown,
        title=title,
        client=client,
        brand=brand,
        package=package,
        date=date,
        agency=default_agency() if agency is None else agency,
    )


def markdown_to_pdf(
    markdown: str,
    title: str = "AICMO report",
    *,
    client: str = "",
    brand: str = "",
    package: str = "",
    date: datetime.date | str | None = None,
    agency: str | None = None,
    unicode_fonts: bool = True,
) -> bytes:
    """The report as an A4 PDF a client receives: cover, contents, numbered pages, header and footer.

    `title` is the file's title (its metadata). The cover shows `brand`, `package`, `client`, `date`
    (today when None) and `agency` (the AICMO_AGENCY_NAME setting when None); brand and package default
    to the report's "# Brand — Package" heading and the client to its "_Prepared for …_" line.
    DejaVu Sans gives full Unicode when installed (`unicode_fonts`), else the built-in Helvetica.
    """
    from ui.report_pdf import render_pdf

    report = _report(markdown, title, client, brand, package, date, agency)
    return render_pdf(report, title=title, unicode_fonts=unicode_fonts)


def markdown_to_docx(
    markdown: str,
    title: str = "AICMO report",
    *,
    client: str = "",
    brand: str = "",
    package: str = "",
    date: datetime.date | str | None = None,
    agency: str | None = None,
) -> bytes:
    """The report as a Word document: cover, a table of contents field, real heading styles, tables,
    and a header and footer with page numbers. Arguments as for `markdown_to_pdf`."""
    from ui.report_docx import render_docx

    report = _report(markdown, title, client, brand, package, date, agency)
    return render_docx(report, title=title)


def preview(text: str, limit: int = 600) -> str:
    """The first `limit` characters of text, cut at a word boundary (for previews)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
