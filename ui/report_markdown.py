"""A report's markdown as a small document model that the PDF and Word writers render.

Parsing is markdown-it-py (CommonMark plus GitHub tables and strikethrough, raw HTML shown as text); this
module only maps its tokens onto the blocks a report uses: headings, paragraphs, list items, quotes,
tables, rules and code. Anything else degrades to plain text rather than disappearing.

`prepare_report` also separates what belongs on a deliverable's cover (the `# title` and the italic
"_Prepared for …_" line) from the body, and `fit_column_widths` chooses table column widths that fit
their content without breaking words.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@dataclass(frozen=True)
class Span:
    """A run of text with one style. `href` is set inside links; `code` for inline code."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str = ""


Inline = tuple[Span, ...]


def plain(spans: Sequence[Span]) -> str:
    return "".join(span.text for span in spans)


class _Spanned:
    """A block of styled text; `text` is its plain text."""

    spans: Inline

    @property
    def text(self) -> str:
        return plain(self.spans)


@dataclass(frozen=True)
class Heading(_Spanned):
    level: int
    spans: Inline


@dataclass(frozen=True)
class Paragraph(_Spanned):
    spans: Inline


@dataclass(frozen=True)
class ListItem(_Spanned):
    spans: Inline
    ordered: bool
    number: str
    depth: int


@dataclass(frozen=True)
class Quote(_Spanned):
    spans: Inline


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Table:
    """`header` is the first row's cells (empty when the table has none); `align` is "", "left",
    "center" or "right" per column."""

    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: tuple[str, ...]

    @property
    def columns(self) -> int:
        return len(self.align)

    def text_rows(self) -> list[list[str]]:
        rows = [self.header, *self.rows] if self.header else list(self.rows)
        return [[plain(cell) for cell in row] for row in rows]


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | ListItem | Quote | Code | Table | Rule


# ---------------------------------------------------------------------------------------------------------
# Parsing.


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # No raw HTML: a "<b>" in a report is text, never markup.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def inline_spans(source: str) -> Inline:
    """Inline markdown (bold, italic, code, links) as styled runs."""
    tokens = _parser().parseInline(source)
    return _spans(tokens[0].children or []) if tokens else ()


def plain_text(source: str) -> str:
    """Inline markdown as the text a reader sees (links as "label (url)")."""
    return plain(inline_spans(source))


def _spans(tokens: Sequence[Token]) -> Inline:
    out: list[Span] = []
    bold = italic = strike = 0
    links: list[tuple[str, int]] = []  # (href, index of the link's first span) per open link

    def span(text: str, *, code: bool = False) -> Span:
        href = links[-1][0] if links else ""
        return Span(text, bold=bold > 0, italic=italic > 0, code=code, strike=strike > 0, href=href)

    for token in tokens:
        kind = token.type
        if kind == "text":
            out.append(span(token.content))
        elif kind == "code_inline":
            out.append(span(token.content, code=True))
        elif kind == "softbreak":
            out.append(span(" "))
        elif kind == "hardbreak":
            out.append(span("\n"))
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "s_open":
            strike += 1
        elif kind == "s_close":
            strike -= 1
        elif kind == "link_open":
            links.append((str(token.attrs.get("href", "")), len(out)))
        elif kind == "link_close" and links:
            url, start = links.pop()
            label = "".join(s.text for s in out[start:])
            # A reader of a printed page cannot click: the address follows its label.
            if url and not url.startswith(("#", "mailto:")) and label.strip() != url:
                out.append(span(f" ({url})"))
        elif token.content:  # an image's alt text, anything else as text
            out.append(span(token.content))
    return _merge(out)


def _merge(spans: Sequence[Span]) -> Inline:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last is not None and replace(last, text="") == replace(span, text=""):
            merged[-1] = replace(last, text=last.text + span.text)
        else:
            merged.append(span)
    return tuple(merged)


_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


def parse_markdown(markdown: str) -> list[Block]:
    """The blocks of a markdown document, in order."""
    tokens = _parser().parse(markdown.replace("\r\n", "\n"))
    blocks: list[Block] = []
    lists: list[tuple[bool, int]] = []  # (ordered, next number) per open list
    item_open: list[bool] = []  # per open list item: has its first paragraph been emitted
    quote = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            blocks.append(Heading(int(token.tag[1:]), _inline_at(tokens, i + 1)))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1)
            lists.append((kind == "ordered_list_open", int(start) if isinstance(start, int | str) else 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            item_open.append(False)
        elif kind == "list_item_close":
            if item_open and not item_open[-1] and lists:  # an empty item still shows its marker
                blocks.append(_list_item((), lists))
            item_open.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "paragraph_open":
            spans = _inline_at(tokens, i + 1)
            if item_open and not item_open[-1] and lists:
                item_open[-1] = True
                blocks.append(_list_item(spans, lists))
            elif quote:
                blocks.append(Quote(spans))
            else:
                blocks.append(Paragraph(spans))
            i += 3
            continue
        elif kind in ("fence", "code_block"):
            blocks.append(Code(token.content.rstrip("\n")))
        elif kind == "hr":
            blocks.append(Rule())
        elif kind == "table_open":
            end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            blocks.append(_table(tokens[i:end]))
            i = end
        elif kind == "html_block" and token.content.strip():
            blocks.append(Paragraph((Span(token.content.strip()),)))
        i += 1
    return blocks


def _inline_at(tokens: Sequence[Token], index: int) -> Inline:
    token = tokens[index] if index < len(tokens) else None
    if token is None or token.type != "inline":
        return ()
    return _spans(token.children or [])


def _list_item(spans: Inline, lists: list[tuple[bool, int]]) -> ListItem:
    ordered, number = lists[-1]
    if ordered:
        lists[-1] = (ordered, number + 1)
    return ListItem(spans, ordered, str(number) if ordered else "", len(lists) - 1)


def _table(tokens: Sequence[Token]) -> Table:
    header: list[Inline] = []
    rows: list[list[Inline]] = []
    align: list[str] = []
    in_head = False
    for index, token in enumerate(tokens):
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            cell = _inline_at(tokens, index + 1)
            if in_head:
                header.append(cell)
                match = _ALIGN.search(str(token.attrs.get("style", "")))
                align.append(match.group(1) if match else "")
            else:
                rows[-1].append(cell)
    width = max([len(header), *(len(r) for r in rows)])
    align += [""] * (width - len(align))
    return Table(
        tuple(header) + ((),) * (width - len(header)) if header else (),
        tuple(tuple(r) + ((),) * (width - len(r)) for r in rows),
        tuple(align),
    )


# ---------------------------------------------------------------------------------------------------------
# The deliverable: cover metadata and body.


@dataclass(frozen=True)
class Cover:
    """What the cover page says. Empty fields are left off."""

    title: str
    client: str = ""
    brand: str = ""
    package: str = ""
    date: str = ""
    agency: str = "AICMO"


@dataclass(frozen=True)
class Report:
    cover: Cover
    blocks: list[Block] = field(default_factory=list)

    @property
    def running_head(self) -> str:
        """The header line of every page after the cover: "Brand · Package"."""
        parts = [p for p in (self.cover.brand, self.cover.package) if p]
        return " · ".join(parts) or self.cover.title

    @property
    def footer_note(self) -> str:
        """The footer line of every page after the cover: "Client · date"."""
        return " · ".join(p for p in (self.cover.client, self.cover.date) if p)


_PREPARED_FOR = re.compile(r"^\s*prepared for\s+(?P<rest>.+?)\s*$", re.IGNORECASE | re.DOTALL)
_TITLE_SPLIT = re.compile(r"\s+[\u2014\u2013-]\s+")  # "Brand — Package" (em dash, en dash or hyphen)


def format_date(value: datetime.date | str | None) -> str:
    """A date as a client reads it ("1 September 2026"); today when None; strings are kept as given."""
    if isinstance(value, str):
        return value.strip()
    day = value or datetime.date.today()
    return f"{day.day} {day:%B %Y}"


def prepare_report(
    markdown: str,
    *,
    title: str = "",
    client: str = "",
    brand: str = "",
    package: str = "",
    date: datetime.date | str | None = None,
    agency: str = "AICMO",
) -> Report:
    """The report's body blocks and its cover.

    The first `# heading` is the document title and moves to the cover ("Brand — Package" fills brand
    and package when they are not given). A paragraph that is entirely italic and starts "Prepared for"
    (the generator writes "_Prepared for Client_") also moves to the cover and gives the client when not
    given. Headings in the body move up a level, so the report's `##` sections are the top level.
    """
    blocks = parse_markdown(markdown)
    heading = ""
    prepared_for = ""
    body: list[Block] = []
    for index, block in enumerate(blocks):
        if not heading and not body and isinstance(block, Heading) and block.level == 1:
            heading = block.text.strip()
            continue
        if (
            not prepared_for
            and index <= 2
            and isinstance(block, Paragraph)
            and block.spans
            and all(s.italic or not s.text.strip() for s in block.spans)
            and (match := _PREPARED_FOR.match(block.text))
        ):
            prepared_for = match.group("rest")
            continue
        body.append(block)
    if heading and not (brand and package):
        parts = _TITLE_SPLIT.split(heading, maxsplit=1)
        if len(parts) == 2:
            brand, package = brand or parts[0], package or parts[1]
    if prepared_for and not client:
        client = _client_of(prepared_for, agency)
    levels = sorted({b.level for b in body if isinstance(b, Heading)})
    shift = levels[0] - 1 if levels else 0
    if shift:
        body = [Heading(b.level - shift, b.spans) if isinstance(b, Heading) else b for b in body]
    cover = Cover(
        title=heading or title or " · ".join(p for p in (brand, package) if p) or "Report",
        client=client.strip(),
        brand=brand.strip(),
        package=package.strip(),
        date=format_date(date),
        agency=agency.strip() or "AICMO",
    )
    return Report(cover, body)


def _client_of(prepared_for: str, agency: str) -> str:
    """ "Northwind Coffee Co. by AICMO · Draft" → "Northwind Coffee Co." (older reports named the agency
    and the stage on this line)."""
    text = prepared_for.split(" · ", 1)[0].strip()
    for name in {agency.strip(), "AICMO"} - {""}:
        text = re.sub(rf"\s+by\s+{re.escape(name)}\s*$", "", text, flags=re.IGNORECASE)
    return text.strip()


# ---------------------------------------------------------------------------------------------------------
# Tables: alignment and column widths.

_NUMERIC = frozenset("0123456789$€£¥%+-\u2013.,x≤≥<>~ ")


def numeric_columns(table: Table) -> list[bool]:
    """Per column: are its body cells all figures (amounts, shares, counts)? Those are right-aligned."""
    result = []
    for c in range(table.columns):
        filled = [text for row in table.rows if c < len(row) and (text := plain(row[c]).strip())]
        result.append(
            bool(filled)
            and all(any(ch.isdigit() for ch in text) and set(text) <= _NUMERIC for text in filled)
        )
    return result


# A word as printed: its text and whether it is bold (bold is wider).
Word = tuple[str, bool]
Measure = Callable[[str, bool], float]


def cell_words(spans: Sequence[Span], *, bold: bool = False) -> list[Word]:
    """The words of a cell; a word is measured bold when any part of it is bold."""
    words: list[Word] = []
    text = ""
    strong = False
    for span in spans:
        for char in span.text:
            if char.isspace():
                if text:
                    words.append((text, strong))
                text, strong = "", False
            else:
                text += char
                strong = strong or bold or span.bold
    if text:
        words.append((text, strong))
    return words


def table_words(table: Table) -> list[list[list[Word]]]:
    """Every cell's words, row by row (the header row first, measured bold)."""
    rows = [[cell_words(cell, bold=True) for cell in table.header]] if table.header else []
    rows += [[cell_words(cell) for cell in row] for row in table.rows]
    return rows


def fit_column_widths(
    rows: Sequence[Sequence[Sequence[Word]]],
    available: float,
    measure: Measure,
    *,
    padding: float,
    slack: float = 0.5,
) -> list[float] | None:
    """Column widths (summing to `available`) that fit the content, or None when the longest words of
    the columns do not fit side by side.

    Every column gets at least its longest word (plus `padding` each side and a little `slack`), so no
    word is ever broken. When the whole table fits on single lines, the spare width is shared in
    proportion to the content. Otherwise the rest of the width goes, a step at a time, to the column
    where it saves the most lines of table height, which keeps short cells (dates, owners) from wrapping
    onto three lines while a long description column has room to spare.
    """
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    widths_of: dict[Word, float] = {}

    def width(word: Word) -> float:
        if word not in widths_of:
            widths_of[word] = measure(*word)
        return widths_of[word]

    space = measure(" ", False)
    cells = [[[width(w) for w in row[c]] if c < len(row) else [] for c in range(columns)] for row in rows]
    least = [
        max((max(cell, default=0.0) for cell in (r[c] for r in cells)), default=0.0) for c in range(columns)
    ]
    most = [
        max((sum(cell) + space * max(len(cell) - 1, 0) for cell in (r[c] for r in cells)), default=0.0)
        for c in range(columns)
    ]
    least = [w + 2 * padding + slack for w in least]
    most = [w + 2 * padding + slack for w in most]
    if sum(least) > available + 1e-9:
        return None
    if sum(most) <= available:
        spare = available - sum(most)
        total = sum(most) or 1.0
        return [w + spare * w / total for w in most]

    def lines(cell: list[float], outer: float) -> int:
        inner = outer - 2 * padding - slack + 1e-9
        count, line = 1, -1.0
        for w in cell:
            if line < 0:
                line = w
            elif line + space + w <= inner:
                line += space + w
            else:
                count, line = count + 1, w
        return count

    widths = list(least)
    counts = [[lines(r[c], widths[c]) for c in range(columns)] for r in cells]
    spare = available - sum(widths)
    step = max(available / 400, spare / 80)
    while spare > 1e-6:
        best: tuple[float, int, float, list[int]] | None = None
        for c in range(columns):
            room = min(spare, most[c] - widths[c])
            if room <= 1e-6:
                continue
            delta = min(step, room)
            while True:
                column = [lines(r[c], widths[c] + delta) for r in cells]
                gain = sum(
                    max(row) - max(*row[:c], new, *row[c + 1 :])
                    for row, new in zip(counts, column, strict=True)
                )
                if gain > 0:
                    if best is None or gain / delta > best[0]:
                        best = (gain / delta, c, delta, column)
                    break
                if delta >= room:
                    break
                delta = min(delta * 2, room)
        if best is None:
            break
        _, c, delta, column = best
        widths[c] += delta
        spare -= delta
        for row, new in zip(counts, column, strict=True):
            row[c] = new
    if spare > 1e-6:
        # No more lines to save: the rest goes where text is still wrapped, else to every column.
        need = [max(hi - w, 0.0) for hi, w in zip(most, widths, strict=True)]
        total = sum(need)
        share = need if total > 1e-6 else widths
        total = sum(share) or 1.0
        widths = [w + spare * s / total for w, s in zip(widths, share, strict=True)]
    return widths
