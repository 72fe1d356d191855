"""ui/documents.py: reading real .txt/.md/.pdf/.docx uploads, and writing reports as the PDF and Word
files a client receives (cover, contents, page numbers, header and footer, tables that fit).

The flagship tests export a real 17-section report (the offline composer, no running stack), read the
files back, and render the PDF's pages to PNG with poppler's pdftoppm (kept under
var/test-artifacts/documents/ for a person to look at).
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from services.generator.composer.offline import compose_section
from services.generator.domain.brief import Brief
from services.generator.domain.packages import get_package
from services.generator.service_layer.generation import GenerationRequest, SectionResult, assemble
from tests.example_briefs import example_brief
from ui import documents, report_markdown
from ui.documents import Code, DocumentError, Heading, ListItem, Paragraph, Quote, Rule, Table, read_upload
from ui.report_markdown import Span

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "documents"
AGENCY = "Northstar Partners"
DATE = datetime.date(2026, 9, 1)

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

Final words with `code` and a [link](https://example.com); <b>raw html</b> stays text; ≤ 5 → 6.
"""


# ---------------------------------------------------------------------------------------------------------
# Uploads.


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


# ---------------------------------------------------------------------------------------------------------
# The markdown model.


def test_parses_report_markdown_with_markdown_it() -> None:
    blocks = documents.parse_markdown(REPORT)
    assert blocks[0] == Heading(1, (Span("Northwind — Quick Social Pack (Basic)"),))
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1
    assert tables[0].text_rows() == [
        ["Field", "Detail"],
        ["Client", "Northwind Coffee Co."],
        ["Budget", "€20,000 for 12 weeks"],
    ]
    items = [b for b in blocks if isinstance(b, ListItem)]
    assert [(i.text, i.ordered, i.number, i.depth) for i in items] == [
        ("Drive trial and repeat purchase.", False, "", 0),
        ("Build a loyal community.", False, "", 0),
        ("Nested: ambassadors", False, "", 1),
        ("Launch week", True, "1", 0),
        ("Always-on", True, "2", 0),
    ]
    assert Quote((Span("For urban food lovers, Northwind is the coffee that keeps up."),)) in blocks
    assert Rule() in blocks
    overview = next(b for b in blocks if isinstance(b, Paragraph) and b.text.startswith("This pack"))
    assert [(s.text, s.bold, s.italic) for s in overview.spans] == [
        ("This pack sets out how ", False, False),
        ("Northwind", True, False),
        (" will win ", False, False),
        ("urban food lovers", False, True),
        (" in Seattle.", False, False),
    ]
    last = [b for b in blocks if isinstance(b, Paragraph)][-1]
    assert last.text == (
        "Final words with code and a link (https://example.com); <b>raw html</b> stays text; ≤ 5 → 6."
    )
    assert documents.plain_text("snake_case_names stay intact") == "snake_case_names stay intact"
    assert documents.plain_text("**Total** and [https://a.example](https://a.example)") == (
        "Total and https://a.example"
    )
    assert documents.parse_markdown("```\nline one\n  two\n```") == [Code("line one\n  two")]


def test_prepare_report_moves_title_and_prepared_for_line_to_the_cover() -> None:
    report = documents.prepare_report(REPORT, date=DATE, agency=AGENCY)
    assert report.cover == documents.Cover(
        title="Northwind — Quick Social Pack (Basic)",
        client="Northwind Coffee Co.",
        brand="Northwind",
        package="Quick Social Pack (Basic)",
        date="1 September 2026",
        agency=AGENCY,
    )
    texts = [getattr(b, "text", "") for b in report.blocks]
    assert not any("Prepared for" in t or "Draft" in t for t in texts)
    # The report's "##" sections are the top level of the deliverable.
    assert report.blocks[0] == Heading(1, (Span("Overview"),))
    assert Heading(2, (Span("Brief at a glance"),)) in report.blocks
    assert report.running_head == "Northwind · Quick Social Pack (Basic)"
    # What the caller knows wins over what the markdown says.
    named = documents.prepare_report(REPORT, client="Northwind Coffee Company", brand="NW", date="Q3 2026")
    assert (named.cover.client, named.cover.brand, named.cover.date) == (
        "Northwind Coffee Company",
        "NW",
        "Q3 2026",
    )


def test_column_widths_fit_every_word() -> None:
    def measure(text: str, bold: bool) -> float:
        return len(text) * (1.2 if bold else 1.0)

    def row(*cells: str, bold: bool = False) -> list[list[report_markdown.Word]]:
        return [report_markdown.cell_words((Span(cell),), bold=bold) for cell in cells]

    rows = [
        row("Day", "Content", "Owner", bold=True),
        row("1", "Behind-the-scenes look at Cloud security", "CRM"),
        row("2", "Launch post", "Performance marketer"),
    ]
    widths = report_markdown.fit_column_widths(rows, 40, measure, padding=1, slack=0)
    assert widths is not None
    assert sum(widths) == pytest.approx(40)
    longest = [3 * 1.2, len("Behind-the-scenes"), len("Performance")]
    assert all(w >= need + 2 for w, need in zip(widths, longest, strict=True))
    # Everything fits on one line: widths follow the content.
    wide = report_markdown.fit_column_widths(rows, 200, measure, padding=1, slack=0)
    assert wide is not None and sum(wide) == pytest.approx(200) and wide[1] > wide[2] > wide[0]
    # The longest words cannot sit side by side: the caller has to do something else (smaller type).
    assert report_markdown.fit_column_widths(rows, 30, measure, padding=1, slack=0) is None


# ---------------------------------------------------------------------------------------------------------
# A small report, both writers.


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def test_writes_a_pdf_that_reads_back() -> None:
    data = documents.markdown_to_pdf(REPORT, "Northwind report", date=DATE, agency=AGENCY)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == "Northwind report"
    assert reader.metadata.author == AGENCY
    pages = _pdf_pages(data)
    cover, body = pages[0], "\n".join(pages[1:])
    for expected in (
        "Northwind",
        "Quick Social Pack (Basic)",
        "Northwind Coffee Co.",
        "1 September 2026",
        AGENCY,
    ):
        assert expected in cover
    for expected in ("Brief at a glance", "Northwind Coffee Co.", "Launch week", "Always-on", "Contents"):
        assert expected in body
    assert "Prepared for" not in body and "Draft" not in body
    if documents.unicode_font_files():
        assert "€20,000" in body
        assert "≤ 5 → 6" in body


def test_writes_a_pdf_without_unicode_fonts() -> None:
    data = documents.markdown_to_pdf(REPORT, "Northwind report", unicode_fonts=False, agency=AGENCY)
    text = "\n".join(_pdf_pages(data))
    # The built-in fonts cover Windows-1252 (€, dashes, quotes); other characters get ASCII stand-ins.
    assert "Northwind" in text and "Quick Social Pack (Basic)" in text
    assert "€20,000" in text
    assert "<= 5 -> 6" in text


def test_the_agency_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICMO_AGENCY_NAME", "  Brightside   Agency ")
    assert "Brightside Agency" in _pdf_pages(documents.markdown_to_pdf(REPORT))[0]
    monkeypatch.setenv("AICMO_AGENCY_NAME", "")
    assert documents.default_agency() == "AICMO"


def test_writes_a_word_document_with_real_structure() -> None:
    data = documents.markdown_to_docx(REPORT, "Northwind report", date=DATE, agency=AGENCY)
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "Northwind report"
    assert document.core_properties.author == AGENCY
    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    assert ("Title", "Northwind") in styled
    assert ("Subtitle", "Quick Social Pack (Basic)") in styled
    assert ("Heading 1", "Overview") in styled
    assert ("Heading 2", "Brief at a glance") in styled
    assert ("List Bullet", "Drive trial and repeat purchase.") in styled
    assert ("List Bullet 2", "Nested: ambassadors") in styled
    assert ("List Number", "Launch week") in styled
    assert ("Quote", "For urban food lovers, Northwind is the coffee that keeps up.") in styled
    assert not any("Prepared for" in text or "Draft" in text for _, text in styled)
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


def test_word_numbered_lists_each_start_at_their_own_number() -> None:
    markdown = "## Plan\n\n1. One\n2. Two\n\nBetween.\n\n1. Again one\n2. Again two\n\n3. Three on\n"
    document = docx.Document(io.BytesIO(documents.markdown_to_docx(markdown, agency=AGENCY)))
    numbered = {
        p.text: "".join(p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val"))
        for p in document.paragraphs
        if p.style is not None and p.style.name == "List Number"
    }
    assert numbered["One"] == numbered["Two"]
    assert numbered["Again one"] == numbered["Again two"] != numbered["One"]


@pytest.mark.parametrize("markdown", ["", "just text", "### deep\n\n## then", "| a |\n|---|\n", "- \n- x"])
def test_odd_markdown_still_exports(markdown: str) -> None:
    pdf = documents.markdown_to_pdf(markdown, "Odd", agency=AGENCY)
    assert AGENCY in _pdf_pages(pdf)[0]
    assert docx.Document(io.BytesIO(documents.markdown_to_docx(markdown, "Odd", agency=AGENCY))).paragraphs


# ---------------------------------------------------------------------------------------------------------
# The flagship report, as a client receives it.


@dataclass(frozen=True)
class Flagship:
    markdown: str
    sections: tuple[str, ...]
    package_label: str
    brief: Brief
    pdf: bytes
    pages: list[str]


FLAGSHIP_BRIEF = example_brief("aegis_cspm")


def flagship_markdown() -> tuple[str, tuple[str, ...], str]:
    """The 17-section "Strategy + Campaign Pack (Standard)" as the generator assembles it, offline."""
    package = get_package("strategy_campaign_standard")
    request = GenerationRequest(brief=FLAGSHIP_BRIEF, package=package)
    sections = [
        SectionResult(spec, compose_section(spec, FLAGSHIP_BRIEF, package), (), "offline")
        for spec in package.sections
    ]
    return assemble(request, sections), tuple(s.title for s in package.sections), package.label


@pytest.fixture(scope="module")
def flagship() -> Iterator[Flagship]:
    markdown, sections, label = flagship_markdown()
    pdf = documents.markdown_to_pdf(
        markdown,
        f"{FLAGSHIP_BRIEF.brand_name} — {label}",
        client=FLAGSHIP_BRIEF.client_name,
        brand=FLAGSHIP_BRIEF.brand_name,
        package=label,
        date=DATE,
        agency=AGENCY,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "flagship.md").write_text(markdown)
    (ARTIFACTS / "flagship.pdf").write_bytes(pdf)
    yield Flagship(markdown, sections, label, FLAGSHIP_BRIEF, pdf, _pdf_pages(pdf))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_flagship_pdf_has_a_cover_contents_and_numbered_pages(flagship: Flagship) -> None:
    pages = flagship.pages
    assert 8 <= len(pages) <= 40, f"{len(pages)} pages"
    cover = pages[0]
    for expected in ("Aegis CSPM", flagship.package_label, "Aegis Security Ltd", "1 September 2026", AGENCY):
        assert expected in cover, expected
    assert "Page 1 of" not in cover

    # Every other page: the running header and "Page X of Y".
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text, f"page {number}"
        assert f"Aegis CSPM · {flagship.package_label}" in text, f"page {number}"

    # The table of contents lists every section with the page it starts on.
    contents = pages[1]
    assert "Contents" in contents
    listed = {
        title: int(match.group(1))
        for title in flagship.sections
        if (match := re.search(re.escape(title) + r"[\s.]*?(\d+)\s*$", contents, re.MULTILINE))
    }
    assert set(listed) == set(flagship.sections), set(flagship.sections) - set(listed)
    for title, page in listed.items():
        assert re.search(rf"^{re.escape(title)}\s*$", pages[page - 1], re.MULTILINE), (
            f"{title} on page {page}"
        )
    assert list(listed.values()) == sorted(listed.values())

    # No internal notes and no "Prepared for" line in the body (it is on the cover).
    body = "\n".join(pages[1:])
    for unwanted in (
        "Prepared for",
        "Draft",
        "Revisions for this draft",
        "Building on past work",
        "similarity",
    ):
        assert unwanted not in body, unwanted
    assert not re.search(r"\bscore \d\.\d\d", body)  # no retrieval scores either


def test_flagship_pdf_tables_break_no_word(flagship: Flagship) -> None:
    """Each table cell's text comes back whole, its words separated only by spaces or line ends: a word
    broken across lines ("Behind-the-sc / enes") would not."""
    text = _flat(" ".join(flagship.pages))
    words = set(text.split())
    report = documents.prepare_report(flagship.markdown)
    cells = [cell for b in report.blocks if isinstance(b, Table) for row in b.text_rows() for cell in row]
    assert len(cells) > 300
    broken = [cell for cell in cells if _flat(cell) not in text]
    assert not broken, broken[:5]
    assert not [w for cell in cells for w in cell.split() if w not in words]
    hyphenated = {w.strip(".,;:()") for cell in cells for w in cell.split() if w.strip("-").count("-") >= 1}
    assert any(len(w) >= 10 for w in hyphenated), "the flagship's tables hold long hyphenated words"


def test_flagship_pdf_long_tables_repeat_their_header_row(flagship: Flagship) -> None:
    header = "Day Date Theme Channel Content / action Owner Goal"
    calendar_pages = [n for n, text in enumerate(flagship.pages) if header in _flat(text)]
    assert len(calendar_pages) >= 2, "the 30-day calendar runs over a page break"
    assert calendar_pages == list(range(calendar_pages[0], calendar_pages[0] + len(calendar_pages)))
    # Neither page of the break holds a lone row (day 1 and 2 stay together, and so do days 29 and 30).
    first, last = _flat(flagship.pages[calendar_pages[0]]), _flat(flagship.pages[calendar_pages[-1]])
    assert "Tue 1 Sep" in first and "Wed 2 Sep" in first
    assert "Tue 29 Sep" in last and "Wed 30 Sep" in last


def test_a_table_too_wide_for_the_page_is_still_readable() -> None:
    """When the longest words cannot fit side by side even in small type, nothing is lost (the check
    above would see the breaks: this is its negative control)."""
    header = "| " + " | ".join(f"Column {i}" for i in range(12)) + " |"
    line = "|" + "---|" * 12
    row = "| " + " | ".join("Supercalifragilistic" for _ in range(12)) + " |"
    markdown = f"# Wide — Test\n\n## Table\n\n{header}\n{line}\n{row}\n"
    text = _flat(" ".join(_pdf_pages(documents.markdown_to_pdf(markdown, agency=AGENCY))))
    assert _flat("Supercalifragilistic Supercalifragilistic") not in text  # words were broken…
    assert text.replace(" ", "").count("Supercalifragilistic") == 12  # …but every letter is there


def test_flagship_pdf_pages_render_as_images(flagship: Flagship) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed: `make test-deps` installs it")
    pages_dir = ARTIFACTS / "flagship-pages"
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    subprocess.run(
        [pdftoppm, "-r", "60", "-png", str(ARTIFACTS / "flagship.pdf"), str(pages_dir / "page")],
        check=True,
        timeout=120,
    )
    images = sorted(pages_dir.glob("page-*.png"))
    assert len(images) == len(flagship.pages)
    for path in images:
        with Image.open(path) as image:
            width, height = image.size
            assert height / width == pytest.approx(297 / 210, rel=0.01), path.name  # A4 portrait
            gray = image.convert("L")
            # Something is printed on every page, and nothing runs into the outer 5 mm of the paper.
            darkest, _ = gray.getextrema()
            assert isinstance(darkest, int) and darkest < 128, f"{path.name} is blank"
            edge = round(5 / 210 * width)
            inner = gray.crop((edge, edge, width - edge, height - edge))
            if path.name != images[0].name:  # the cover's accent band is full-bleed
                assert _ink(gray) == _ink(inner), f"{path.name} prints in the margin"


def _ink(image: Image.Image) -> int:
    """How many pixels are darker than paper."""
    histogram = image.histogram()
    return sum(histogram[:200])


def test_flagship_word_document(flagship: Flagship) -> None:
    data = documents.markdown_to_docx(
        flagship.markdown,
        "Aegis",
        client=flagship.brief.client_name,
        brand=flagship.brief.brand_name,
        package=flagship.package_label,
        date=DATE,
        agency=AGENCY,
    )
    (ARTIFACTS / "flagship.docx").write_bytes(data)
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    # The cover has no header or footer; every other page has both, with the page number and count.
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0].text
    assert f"Aegis CSPM · {flagship.package_label}" in header and AGENCY in header
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "Aegis Security Ltd" in section.footer.paragraphs[0].text

    styled = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    assert ("Title", "Aegis CSPM") in styled
    assert ("Subtitle", flagship.package_label) in styled
    assert {text for style, text in styled if style == "Heading 1"} == set(flagship.sections)
    # A table of contents field Word fills in (it is asked to update fields on open).
    body = document.element.body.xml
    assert re.search(r"<w:instrText[^>]*> TOC \\o", body)
    assert document.settings.element.find(qn("w:updateFields")) is not None
    assert not any("Prepared for" in text for _, text in styled)

    # Tables: the header row repeats on each page, rows do not split, columns fit their longest word.
    assert len(document.tables) >= 15
    for table in document.tables:
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        assert all(
            r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows
        )
    calendar = next(t for t in document.tables if t.rows[0].cells[0].text == "Day")
    assert len(calendar.rows) == 31
    text = read_upload("report.docx", data)
    assert all(cell.text.split()[0] in text for cell in calendar.rows[1].cells if cell.text.split())
