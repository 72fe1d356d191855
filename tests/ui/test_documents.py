"""ui/documents.py: reading real .txt/.md/.pdf/.docx uploads, and writing reports as PDF and Word."""

from __future__ import annotations

import io

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from ui import documents
from ui.documents import DocumentError, Heading, ListItem, Paragraph, Quote, Table, read_upload

REPORT = """# Northwind — Quick Social Pack (Basic)

_Prepared for Northwind Coffee Co. by AICMO · Draft_

## Overview

This pack sets out how **Northwind** will win *urban food lovers* in Seattle.

### Brief at a glance

| Field | Detail |
|---|---|
| Client | Northwind Coffee Co. |
| Budget | €20,000 for 12 weeks |

### Objectives

- Drive trial and repeat purchase.
- Build a loyal community.
  - Nested: ambassadors

1. Launch week
2. Always-on

> For urban food lovers, Northwind is the coffee that keeps up.

---

Final words with `code` and a [link](https://example.com).
"""


def make_pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.cell(0, 8, "Second page: budget 50000 USD", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Client brief", level=1)
    document.add_paragraph("Brand: Northwind. Audience: commuters who love good coffee.")
    document.add_paragraph("Launch in Seattle", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Budget"
    table.cell(0, 1).text = "$50,000"
    table.cell(1, 0).text = "Timeline"
    table.cell(1, 1).text = "8 weeks"
    document.add_paragraph("Constraints: no discounts above 20%.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_reads_text_and_markdown() -> None:
    assert read_upload("brief.txt", "Café brief\r\nline two\r\n".encode()) == "Café brief\nline two"
    assert read_upload("brief.TXT", b"\xef\xbb\xbfwith BOM") == "with BOM"
    assert read_upload("notes.md", b"# Title\n\n\n\n\nBody") == "# Title\n\nBody"
    # Not UTF-8: falls back to Windows-1252 rather than failing.
    assert read_upload("legacy.txt", "Caf\xe9 cr\xe8me".encode("cp1252")) == "Café crème"
    assert read_upload("wide.txt", "UTF-16 brief".encode("utf-16")) == "UTF-16 brief"


def test_reads_a_real_pdf() -> None:
    data = make_pdf(["Client: Northwind Coffee Co.", "Objective: grow subscriptions by 30%"])
    text = read_upload("brief.pdf", data)
    assert "Client: Northwind Coffee Co." in text
    assert "Objective: grow subscriptions by 30%" in text
    assert "Second page: budget 50000 USD" in text


def test_reads_a_real_docx_in_document_order() -> None:
    text = read_upload("brief.docx", make_docx())
    lines = text.splitlines()
    assert lines[0] == "## Client brief"
    assert "Brand: Northwind. Audience: commuters who love good coffee." in lines
    assert "- Launch in Seattle" in lines
    assert "| Budget | $50,000 |" in lines
    assert "| Timeline | 8 weeks |" in lines
    assert lines.index("| Budget | $50,000 |") < lines.index("Constraints: no discounts above 20%.")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("brief.xlsx", b"PK\x03\x04", "unsupported file type"),
        ("brief.doc", b"\xd0\xcf\x11\xe0", "save it as .docx"),
        ("empty.txt", b"  \n\n ", "contains no text"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "could not be read as a PDF"),
        ("broken.docx", b"not a zip file", "could not be read as a Word .docx file"),
    ],
)
def test_unreadable_uploads_say_why(name: str, data: bytes, expected: str) -> None:
    with pytest.raises(DocumentError) as caught:
        read_upload(name, data)
    assert expected in str(caught.value)
    assert name in str(caught.value)


def test_a_pdf_without_text_is_explained() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    with pytest.raises(DocumentError) as caught:
        read_upload("scan.pdf", bytes(pdf.output()))
    assert "no extractable text" in str(caught.value)


def test_parses_the_report_markdown_subset() -> None:
    blocks = documents.parse_markdown(REPORT)
    assert blocks[0] == Heading(1, "Northwind — Quick Social Pack (Basic)")
    tables = [b for b in blocks if isinstance(b, Table)]
    assert tables == [
        Table(
            (("Field", "Detail"), ("Client", "Northwind Coffee Co."), ("Budget", "€20,000 for 12 weeks")),
            True,
        )
    ]
    items = [b for b in blocks if isinstance(b, ListItem)]
    assert [(i.text, i.ordered, i.depth) for i in items] == [
        ("Drive trial and repeat purchase.", False, 0),
        ("Build a loyal community.", False, 0),
        ("Nested: ambassadors", False, 1),
        ("Launch week", True, 0),
        ("Always-on", True, 0),
    ]
    assert Quote("For urban food lovers, Northwind is the coffee that keeps up.") in blocks
    spans = documents.inline_spans(
        "This pack sets out how **Northwind** will win *urban food lovers* in Seattle."
    )
    assert [(s.text, s.bold, s.italic) for s in spans] == [
        ("This pack sets out how ", False, False),
        ("Northwind", True, False),
        (" will win ", False, False),
        ("urban food lovers", False, True),
        (" in Seattle.", False, False),
    ]
    last = [b for b in blocks if isinstance(b, Paragraph)][-1]
    assert documents.plain_text(last.text) == "Final words with code and a link (https://example.com)."
    assert documents.plain_text("snake_case_names stay intact") == "snake_case_names stay intact"


def test_writes_a_pdf_that_reads_back() -> None:
    data = documents.markdown_to_pdf(REPORT, "Northwind report")
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == "Northwind report"
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Quick Social Pack (Basic)",
        "Brief at a glance",
        "Northwind Coffee Co.",
        "Launch week",
        "Always-on",
    ):
        assert expected in text
    if documents.unicode_font_files():
        assert "€20,000" in text
        assert "Northwind — Quick" in text


def test_writes_a_pdf_without_unicode_fonts() -> None:
    data = documents.markdown_to_pdf(REPORT, "Northwind report", unicode_fonts=False)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Northwind - Quick Social Pack (Basic)" in text
    assert "EUR20,000" in text


def test_writes_a_word_document_with_real_structure() -> None:
    data = documents.markdown_to_docx(REPORT, "Northwind report")
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "Northwind report"
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    assert ("Title", "Northwind — Quick Social Pack (Basic)") in styled
    assert ("Heading 1", "Overview") in styled
    assert ("Heading 2", "Brief at a glance") in styled
    assert ("List Bullet", "Drive trial and repeat purchase.") in styled
    assert ("List Bullet 2", "Nested: ambassadors") in styled
    assert ("List Number", "Launch week") in styled
    assert ("Quote", "For urban food lovers, Northwind is the coffee that keeps up.") in styled
    overview = next(p for p in document.paragraphs if p.text.startswith("This pack sets out"))
    assert [r.text for r in overview.runs if r.bold] == ["Northwind"]
    assert [r.text for r in overview.runs if r.italic] == ["urban food lovers"]
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Field", "Detail"],
        ["Client", "Northwind Coffee Co."],
        ["Budget", "€20,000 for 12 weeks"],
    ]
    # And the app's own reader gets the text back out of it.
    assert "| Client | Northwind Coffee Co. |" in read_upload("report.docx", data)
