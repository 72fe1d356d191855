"""The History tab: every report AICMO wrote, per client, with its versions (drafts, refinements, finals,
section edits and rewrites). Open any version, download it as the client's PDF or Word file, or compare two
versions section by section.

Reports are resources of the contract (aicmo.memory.v1.ReportArchiveService), not reassembled from learned
items. Versions never change once saved, so an opened version is kept for the session.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import html
from dataclasses import dataclass
from typing import Any

import streamlit as st

from services.common.client_ids import client_key
from ui import deliverables
from ui.api import GatewayClient, GatewayError
from ui.common import (
    get_state,
    open_selected_row,
    pager,
    reset_paging,
    show_error,
    technical_details,
)
from ui.contract import rpb
from ui.labels import (
    AUTHOR_WORDS,
    VERSION_STAGE_LABELS,
    changed_titles,
    enum_name,
    format_time,
    origin_words,
    version_label,
)

# Session-state keys.
K_CLIENT = "hist_client"
K_PAGE_SIZE = "hist_page_size"
K_TOKENS = "hist_page_tokens"
K_TABLE_IDS = "hist_table_ids"
K_REPORT = "hist_report"
# history id → label, for every report listed this session (a selected report stays choosable on any page).
K_KNOWN = "hist_known_reports"
K_OPEN_VERSION = "hist_open_version"
K_FROM = "hist_compare_from"
K_TO = "hist_compare_to"
K_DIFF_STYLE = "hist_diff_style"
# (history id, version) → the version with its text (versions never change once saved).
K_CACHE = "hist_version_cache"
# The report the version pickers belong to: they start afresh when another report is opened.
K_PICKERS_FOR = "hist_pickers_for"

LINE_BY_LINE = "Line by line"
SIDE_BY_SIDE = "Side by side"
CACHE_SIZE = 16


# ---------------------------------------------------------------------------------------------------------
# Comparing two versions (no Streamlit here).


@dataclass(frozen=True)
class SectionChange:
    """One section of two versions: how it changed ("changed", "added", "removed", "unchanged")."""

    section_id: str
    title: str
    change: str
    before: str
    after: str


def compare_sections(older: rpb.ReportVersion, newer: rpb.ReportVersion) -> list[SectionChange]:
    """Section by section, in the newer version's order (sections it no longer has at the end)."""
    before = {s.section_id: s for s in older.sections}
    after = {s.section_id: s for s in newer.sections}
    changes: list[SectionChange] = []
    for section in newer.sections:
        old = before.get(section.section_id)
        if old is None:
            change = "added"
        elif _normalised(old.markdown) == _normalised(section.markdown):
            change = "unchanged"
        else:
            change = "changed"
        changes.append(
            SectionChange(
                section.section_id,
                section.title or section.section_id,
                change,
                old.markdown if old is not None else "",
                section.markdown,
            )
        )
    for section in older.sections:
        if section.section_id not in after:
            changes.append(
                SectionChange(
                    section.section_id, section.title or section.section_id, "removed", section.markdown, ""
                )
            )
    return changes


def _normalised(markdown: str) -> str:
    return "\n".join(line.rstrip() for line in markdown.strip().splitlines())


def unified_diff(before: str, after: str, older: str, newer: str, context: int = 2) -> str:
    """A readable line-by-line diff of one section ("-" lines removed, "+" lines added)."""
    lines = difflib.unified_diff(
        _normalised(before).splitlines(),
        _normalised(after).splitlines(),
        fromfile=older,
        tofile=newer,
        lineterm="",
        n=context,
    )
    return "\n".join(lines)


_SIDE_BY_SIDE_STYLE = """
<style>
table.aicmo-diff { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
table.aicmo-diff td, table.aicmo-diff th { vertical-align: top; padding: 2px 6px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
table.aicmo-diff th { text-align: left; border-bottom: 1px solid #ccc; }
table.aicmo-diff td { width: 50%; }
table.aicmo-diff .diff_next { display: none; }
table.aicmo-diff td.diff_header { color: #888; width: 2.5em; text-align: right; white-space: nowrap; }
table.aicmo-diff .diff_add { background: #d9f5dd; }
table.aicmo-diff .diff_chg { background: #fdf1c7; }
table.aicmo-diff .diff_sub { background: #fbdcdc; text-decoration: line-through; }
</style>
"""


def side_by_side(before: str, after: str, older: str, newer: str) -> str:
    """The two texts side by side as an HTML table (changed lines marked, words changed highlighted)."""
    table = difflib.HtmlDiff().make_table(
        _normalised(before).splitlines(),
        _normalised(after).splitlines(),
        fromdesc=html.escape(older),
        todesc=html.escape(newer),
        context=True,
        numlines=2,
    )
    # Let the browser wrap long lines (paragraphs are one line each) at spaces, in each half of the page.
    table = table.replace('<table class="diff"', '<table class="aicmo-diff"', 1)
    table = table.replace(' nowrap="nowrap"', "").replace("&nbsp;", " ")
    return _SIDE_BY_SIDE_STYLE + table


# ---------------------------------------------------------------------------------------------------------
# Callbacks.


def select_report(history_id: str, label: str = "") -> None:
    """Opens a report in the History tab (e.g. from the Generate tab's "See all versions")."""
    known: dict[str, str] = get_state(K_KNOWN, {})
    if label and history_id not in known:
        st.session_state[K_KNOWN] = {**known, history_id: label}
    st.session_state[K_REPORT] = history_id
    st.session_state[K_PICKERS_FOR] = ""


# ---------------------------------------------------------------------------------------------------------
# Rendering.


def render(client: GatewayClient) -> None:
    st.subheader("Report history")
    st.caption(
        "Every report AICMO wrote, with all of its versions: the first draft, refinements, finals, and each "
        "section you edited or had written again. Open any version, download it, or compare two."
    )
    _render_list(client)
    history_id = get_state(K_REPORT, "")
    if history_id:
        _render_report(client, history_id)


def _report_label(report: rpb.ReportSummary) -> str:
    title = f"{report.brand_name} — {report.package_label}".strip(" —") or "(untitled report)"
    facts = [
        report.client_name or report.client_id,
        f"{report.latest_version} version{'s' if report.latest_version != 1 else ''}",
        f"changed {format_time(report.update_time, seconds=False)}" if report.HasField("update_time") else "",
    ]
    return f"{title} · " + " · ".join(f for f in facts if f)


def _render_list(client: GatewayClient) -> None:
    cols = st.columns([3, 1])
    cols[0].text_input(
        "Client (optional)",
        key=K_CLIENT,
        placeholder="A client's name, e.g. Northwind Coffee Co. (empty: every client)",
        on_change=reset_paging,
        args=(K_TOKENS,),
    )
    cols[1].selectbox(
        "Per page",
        options=[10, 20, 50],
        index=0,
        key=K_PAGE_SIZE,
        on_change=reset_paging,
        args=(K_TOKENS,),
    )
    typed = get_state(K_CLIENT, "").strip()
    client_id = client_key(typed) if typed else ""
    tokens: list[str] = get_state(K_TOKENS, [""]) or [""]
    size = int(get_state(K_PAGE_SIZE, 10))
    try:
        page = client.list_reports(
            rpb.ListReportsRequest(client_id=client_id, page_size=size, page_token=tokens[-1])
        )
    except GatewayError as exc:
        show_error(exc, "The report history")
        return
    known: dict[str, str] = dict(get_state(K_KNOWN, {}))
    known.update({r.history_id: _report_label(r) for r in page.reports})
    st.session_state[K_KNOWN] = known
    page_number = len(tokens)
    if page.reports:
        whose = f" for client `{client_id}`" if client_id else ""
        st.caption(f"Reports{whose}, most recently changed first (page {page_number}).")
        st.session_state[K_TABLE_IDS] = [r.history_id for r in page.reports]
        st.dataframe(
            [_report_row(r) for r in page.reports],
            hide_index=True,
            width="stretch",
            key="hist_reports_table",
            on_select=functools.partial(open_selected_row, "hist_reports_table", K_TABLE_IDS, K_REPORT),
            selection_mode="single-row",
            column_config={"Report": st.column_config.TextColumn(width="large")},
        )
        st.caption("Select a row to open the report's versions below.")
    elif page_number == 1:
        st.caption(
            f"No reports for client `{client_id}` yet."
            if client_id
            else "No reports yet: generate one first."
        )
    else:
        st.caption("No more reports.")
    pager(K_TOKENS, page.next_page_token, "hist")
    listed = [r.history_id for r in page.reports]
    current = get_state(K_REPORT, "")
    options = ["", *listed] + ([current] if current and current not in listed else [])
    st.selectbox(
        "Report",
        options=options,
        key=K_REPORT,
        format_func=lambda h: known.get(h, "the report opened before") if h else "(choose a report)",
    )


def _report_row(report: rpb.ReportSummary) -> dict[str, Any]:
    return {
        "Report": f"{report.brand_name} — {report.package_label}".strip(" —"),
        "Client": report.client_name or report.client_id,
        "Versions": report.latest_version,
        "Latest": VERSION_STAGE_LABELS.get(report.latest_stage, ""),
        "Last changed": format_time(report.update_time, seconds=False),
        "First written": format_time(report.create_time, seconds=False),
    }


def _version_row(version: rpb.ReportVersion) -> dict[str, Any]:
    titles = changed_titles(version)
    if version.origin == rpb.VERSION_ORIGIN_GENERATED and version.version > 1:
        changed = f"{len(titles)} of {len(version.sections)}"
    elif version.version <= 1 and version.origin == rpb.VERSION_ORIGIN_GENERATED:
        changed = "all (first version)"
    else:
        changed = ", ".join(titles)
    return {
        "Version": version.version,
        "Saved": format_time(version.create_time, seconds=False),
        "Stage": VERSION_STAGE_LABELS.get(version.stage, ""),
        "What happened": origin_words(version),
        "Note": version.note,
        "Sections changed": changed,
    }


def _full_version(client: GatewayClient, history_id: str, number: int) -> rpb.ReportVersion:
    """A version with its text, kept for the session (versions never change once saved)."""
    cache: dict[tuple[str, int], rpb.ReportVersion] = get_state(K_CACHE, {})
    found = cache.get((history_id, number))
    if found is not None:
        return found
    version = client.get_report_version(history_id, number)
    cache = dict(list(cache.items())[-(CACHE_SIZE - 1) :])
    cache[(history_id, number)] = version
    st.session_state[K_CACHE] = cache
    return version


def _render_report(client: GatewayClient, history_id: str) -> None:
    try:
        versions = client.list_report_versions(history_id)
    except GatewayError as exc:
        show_error(exc, "The report's versions")
        return
    if not versions:
        st.caption("This report has no versions.")
        return
    numbers = [v.version for v in versions]
    by_number = {v.version: v for v in versions}
    latest = versions[-1]
    if get_state(K_PICKERS_FOR, "") != f"{history_id}:{latest.version}":
        # Another report, or a new version of it: open its latest version, and compare it with the one before.
        st.session_state[K_PICKERS_FOR] = f"{history_id}:{latest.version}"
        st.session_state[K_OPEN_VERSION] = latest.version
        st.session_state[K_TO] = latest.version
        st.session_state[K_FROM] = numbers[-2] if len(numbers) > 1 else latest.version
    for key, default in ((K_OPEN_VERSION, latest.version), (K_TO, latest.version), (K_FROM, numbers[0])):
        if st.session_state.get(key) not in by_number:
            st.session_state[key] = default

    with st.container(border=True, key="hist_report_box"):
        title = f"{latest.brand_name} — {latest.package_label}".strip(" —")
        st.markdown(f"#### {title}")
        st.caption(
            f"For {latest.client_name or latest.client_id} · {len(versions)} "
            f"version{'s' if len(versions) != 1 else ''} · latest: version {latest.version} "
            f"({VERSION_STAGE_LABELS.get(latest.stage, '').lower() or 'draft'}), saved "
            f"{format_time(latest.create_time, seconds=False)}"
        )
        st.dataframe(
            [_version_row(v) for v in reversed(versions)],
            hide_index=True,
            width="stretch",
            key="hist_versions_table",
            column_config={
                "Version": st.column_config.NumberColumn(width="small"),
                "What happened": st.column_config.TextColumn(width="large"),
                "Note": st.column_config.TextColumn(width="medium"),
            },
        )
        technical_details(
            f"History id `{history_id}`",
            f"Client id `{latest.client_id}` · package `{latest.package_key}`",
            *(
                f"Version {v.version}: report id `{v.report_id}` · {enum_name(rpb.VersionStage, v.stage)} · "
                f"{enum_name(rpb.VersionOrigin, v.origin)}"
                for v in versions
            ),
            label="Technical details of this report's history",
        )

    _render_open_version(client, history_id, numbers, by_number)
    _render_compare(client, history_id, numbers, by_number)


def _render_open_version(
    client: GatewayClient, history_id: str, numbers: list[int], by_number: dict[int, rpb.ReportVersion]
) -> None:
    st.markdown("#### Open a version")
    st.selectbox(
        "Version",
        options=list(reversed(numbers)),
        key=K_OPEN_VERSION,
        format_func=lambda n: version_label(by_number[n]) if n in by_number else f"Version {n}",
    )
    number = int(get_state(K_OPEN_VERSION, numbers[-1]))
    try:
        version = _full_version(client, history_id, number)
    except GatewayError as exc:
        show_error(exc, "The version")
        return
    facts = [
        f"Version {version.version} of {numbers[-1]}",
        VERSION_STAGE_LABELS.get(version.stage, ""),
        origin_words(version),
        f"saved {format_time(version.create_time)}",
    ]
    st.caption(" · ".join(f for f in facts if f))
    if version.note:
        st.caption(f"Note: {version.note}")
    edited = [s.title for s in version.sections if s.author == rpb.SECTION_AUTHOR_OPERATOR]
    if edited:
        st.caption(
            "Written by hand (what AICMO learns for these sections): " + ", ".join(f"“{t}”" for t in edited)
        )
    saved = (
        version.create_time.ToDatetime(tzinfo=datetime.UTC).date() if version.create_time.seconds else None
    )
    cover = deliverables.deliverable(
        client=version.client_name, brand=version.brand_name, package=version.package_label, date=saved
    )
    stem = deliverables.file_stem(version.brand_name, version.client_name, version.package_key)
    deliverables.download_buttons(version.markdown, cover, f"{stem}-v{version.version}", "hist_download")
    with st.container(border=True, height=560, key="hist_version_box"):
        st.markdown(version.markdown)


def _render_compare(
    client: GatewayClient, history_id: str, numbers: list[int], by_number: dict[int, rpb.ReportVersion]
) -> None:
    st.markdown("#### Compare two versions")
    if len(numbers) < 2:
        st.caption(
            "There is only one version so far: refine the report, or edit or rewrite a section, to compare."
        )
        return

    def label(n: int) -> str:
        return version_label(by_number[n]) if n in by_number else f"Version {n}"

    cols = st.columns([2, 2, 1], vertical_alignment="bottom")
    cols[0].selectbox("Compare version", options=numbers, key=K_FROM, format_func=label)
    cols[1].selectbox("with version", options=numbers, key=K_TO, format_func=label)
    cols[2].radio("Show changes", options=[LINE_BY_LINE, SIDE_BY_SIDE], key=K_DIFF_STYLE, horizontal=False)
    first, second = int(get_state(K_FROM, numbers[0])), int(get_state(K_TO, numbers[-1]))
    if first == second:
        st.caption("Pick two different versions to compare.")
        return
    older_n, newer_n = sorted((first, second))
    try:
        older = _full_version(client, history_id, older_n)
        newer = _full_version(client, history_id, newer_n)
    except GatewayError as exc:
        show_error(exc, "The versions")
        return
    changes = compare_sections(older, newer)
    different = [c for c in changes if c.change != "unchanged"]
    total = len(changes)
    if not different:
        st.info(f"No section differs between version {older_n} and version {newer_n}.")
        return
    names = ", ".join(f"“{c.title}”" for c in different)
    st.markdown(
        f"**{len(different)} of {total} section{'s' if total != 1 else ''} changed** between version "
        f"{older_n} and version {newer_n}: {names}."
    )
    st.dataframe(
        [
            {
                "Section": c.title,
                "Change": _CHANGE_WORDS[c.change],
                "Written by": _author(newer, c.section_id),
            }
            for c in changes
        ],
        hide_index=True,
        width="stretch",
        key="hist_compare_table",
    )
    style = get_state(K_DIFF_STYLE, LINE_BY_LINE)
    older_name, newer_name = f"Version {older_n}", f"Version {newer_n}"
    for n, change in enumerate(different):
        with st.expander(f"{change.title} — {_CHANGE_WORDS[change.change]}", expanded=n < 3):
            if style == SIDE_BY_SIDE:
                st.html(side_by_side(change.before, change.after, older_name, newer_name))
            else:
                st.caption("Lines starting with - were removed, lines starting with + were added.")
                st.code(
                    unified_diff(change.before, change.after, older_name, newer_name),
                    language="diff",
                    wrap_lines=True,
                )


_CHANGE_WORDS = {
    "changed": "changed",
    "added": "added in the newer version",
    "removed": "removed in the newer version",
    "unchanged": "unchanged",
}


def _author(version: rpb.ReportVersion, section_id: str) -> str:
    section = next((s for s in version.sections if s.section_id == section_id), None)
    return AUTHOR_WORDS.get(section.author, "") if section is not None else ""
