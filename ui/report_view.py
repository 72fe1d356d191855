"""The report a generation returned: who wrote it and how it was learned (in words), warnings, what it learned
from, its technical details, downloads, the report section by section with its tools, refine and rating."""

from __future__ import annotations

import re

import streamlit as st

from ui import deliverables, understood
from ui.api import GatewayClient
from ui.common import get_obj, get_state, show_said, technical_details
from ui.contract import gpb, rpb
from ui.generate_progress import regenerate
from ui.generate_state import (
    K_ERROR,
    K_REQUEST,
    K_RETRY,
    K_SECTIONS_FOR,
    SECTION_PREFIX,
    client_words,
    section_key,
)
from ui.labels import (
    LEARNING_STATE_WORDS,
    REPORT_STAGE_LABELS,
    RETRIEVAL_SKIPPED_WORDS,
    SOURCE_WORDS,
    enum_name,
    format_ms,
    format_timings,
    kind_label,
    rating_badge,
    refused_section,
    retrieval_skipped,
    writers_words,
)
from ui.report_rating import render_rate
from ui.report_refine import render_refine
from ui.report_section_tools import render_section_editor, render_section_tools
from ui.report_version import render_version_line, reworked_sections, shown_version


def render_result(client: GatewayClient, result: gpb.GenerateReportResponse) -> None:
    """The report with everything the operator can see and do with it."""
    request = get_obj(K_REQUEST, gpb.GenerateReportRequest)
    brief = request.client_brief if request else gpb.ClientBrief()
    _reset_section_widgets(result)
    st.divider()
    total = result.timings.get("total_ms")
    facts = [
        f"Written by {writers_words(result)}",
        REPORT_STAGE_LABELS.get(request.report_stage, "Draft") if request else "",
        f"learning: {LEARNING_STATE_WORDS.get(result.learning_state, 'not reported')}",
        f"took {format_ms(total)}" if total else "",
    ]
    st.caption(" · ".join(f for f in facts if f))
    version = shown_version(client, result)
    render_version_line(result, version, brief)
    _render_learning_state(client, result, request)
    _render_warnings(result)

    _render_learned_from(result)
    understood.render_for_report(result)
    _render_technical(result)

    cover = deliverables.deliverable(
        client=brief.client_name, brand=brief.brand_name, package=result.package_label
    )
    stem = deliverables.file_stem(brief.brand_name, brief.client_name, result.package_key)
    if version is not None:
        stem += f"-v{version.version}"
    deliverables.download_buttons(result.report_markdown, cover, stem, "gen_download")

    with st.container(border=True, key="gen_report_box"):
        _render_report(client, result, version)

    render_refine(client, result)
    render_rate(result)


def _render_warnings(result: gpb.GenerateReportResponse) -> None:
    """What the operator should know about the report; a model-written section refused for breaking a rule of
    the brief is said in words (which section, which rule, who wrote it instead)."""
    titles = {s.id: s.title for s in result.sections}
    for warning in result.warnings:
        if warning in result.learning_detail:
            continue
        refused = refused_section(warning)
        if refused is None:
            st.warning(warning)
            continue
        section_id, broken = refused
        title = titles.get(section_id, section_id)
        st.warning(
            f"The language model's text for “{title}” was refused: it "
            + ("; it ".join(broken) or "broke a rule of the brief")
            + ". AICMO's built-in writer wrote that section instead, within the brief's rules.",
            icon=":material/gavel:",
        )


def _render_technical(result: gpb.GenerateReportResponse) -> None:
    """The report's ids, states, timings and the scores of what informed it, for whoever runs AICMO."""
    lines = [
        f"Report id `{result.report_id}`",
        f"Learned as item `{result.learned_item_id}`" if result.learned_item_id else "",
        f"Mode {enum_name(gpb.GenerationMode, result.mode)} · "
        f"{enum_name(gpb.LearningState, result.learning_state)} · "
        f"{enum_name(gpb.RetrievalState, result.retrieval_state)}",
        f"Timings: {format_timings(dict(result.timings))}" if result.timings else "",
    ]
    seen: set[str] = set()
    for section in result.sections:
        for lf in section.learned_from:
            if lf.item_id not in seen:
                seen.add(lf.item_id)
                lines.append(
                    f"Informed by “{lf.title}” (`{lf.item_id}`): score {lf.score:.2f}, "
                    f"similarity {lf.similarity:.2f}"
                )
    technical_details(*lines, label="Technical details of this report")


def _reset_section_widgets(result: gpb.GenerateReportResponse) -> None:
    """Section rating widgets and messages start afresh for each report (before any of them is drawn)."""
    if get_state(K_SECTIONS_FOR, "") == result.report_id:
        return
    for key in [k for k in st.session_state if str(k).startswith(SECTION_PREFIX)]:
        del st.session_state[key]
    st.session_state[K_SECTIONS_FOR] = result.report_id


def _learning_words(result: gpb.GenerateReportResponse, client_name: str) -> tuple[str, str] | None:
    """What happened to this report's learning, from learning_state: (level, sentence), or None."""
    if result.learning_state == gpb.LEARNING_STATE_RECORDED:
        return (
            "success",
            f"Learned: this report and its sections are stored in memory. Later reports for {client_name} "
            "can learn from them, and you can rate them now.",
        )
    if result.learning_state == gpb.LEARNING_STATE_QUEUED:
        return (
            "warning",
            "Not learned yet: the memory service could not take this report, so it waits in the learning "
            "queue. It will be learned when the memory service is back; rating works once it is learned.",
        )
    if result.learning_state == gpb.LEARNING_STATE_OFF:
        return (
            "info",
            "Not learned: learning was turned off for this report, so it was written without past "
            "learning, is not stored in memory, and cannot be rated.",
        )
    return None


def _render_learning_state(
    client: GatewayClient, result: gpb.GenerateReportResponse, request: gpb.GenerateReportRequest | None
) -> None:
    """The report's learning and retrieval states in words, and the offer to retry with learning."""
    client_name = client_words(request)
    said = _learning_words(result, client_name)
    if said is not None:
        level, text = said
        show_said(level, text)
    if result.retrieval_state == gpb.RETRIEVAL_STATE_OFF and result.learning_state != gpb.LEARNING_STATE_OFF:
        st.info("This report was written without past learning: looking up past work was turned off.")
    if retrieval_skipped(result):
        why = RETRIEVAL_SKIPPED_WORDS.get(result.retrieval_state, "past work could not be looked up")
        st.warning(
            f"This report was written without past learning: {why}, so nothing {client_name} or the agency "
            "library learned before shaped it. Retry to write it again with past learning"
            + (
                " once the memory service is back."
                if result.retrieval_state == gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE
                else "."
            ),
            icon=":material/history_toggle_off:",
        )
        if st.button("Retry with learning", key=K_RETRY, icon=":material/autorenew:"):
            if request is None:
                st.session_state[K_ERROR] = "Generate a report first."
            else:
                # The same brief, package and stage, with learning on; a new report (and report id).
                retry = gpb.GenerateReportRequest()
                retry.CopyFrom(request)
                retry.use_learning = True
                retry.report_id = ""
                # Written again, it is the report's next version.
                retry.history_id = result.history_id
                regenerate(client, retry)
    if result.learning_detail:
        st.caption(f"Learning detail from AICMO: {result.learning_detail}")


_SECTION_HEADING = re.compile(r"^## ", re.MULTILINE)


def _render_report(
    client: GatewayClient, result: gpb.GenerateReportResponse, version: rpb.ReportVersion | None
) -> None:
    """The report as the client gets it, section by section, each with its tools below it: rate it, write
    it again with an instruction, edit its text."""
    markdown = result.report_markdown
    first = _SECTION_HEADING.search(markdown)
    if not result.sections or first is None:
        # Not in the usual shape (a heading part, then "## Title" per section): show it whole.
        st.markdown(markdown)
        for section in result.sections:
            st.markdown(f"**{section.title}**")
            render_section_tools(client, result, section, version)
        return
    heading = markdown[: first.start()].strip()
    if heading:
        st.markdown(heading)
    changed = reworked_sections(version)
    for section in result.sections:
        if get_state(section_key("editing", section.id), False):
            render_section_editor(client, result, section, version)
            continue
        st.markdown(f"## {section.title}\n\n{section.markdown.strip()}")
        if section.written_by == gpb.GENERATION_MODE_OPERATOR:
            st.caption(
                ":material/edit_note: Your text: this is what AICMO learns for this section (and what a "
                "gold rating keeps)."
            )
        elif section.id in changed:
            st.caption(":material/autorenew: Written again in this version.")
        render_section_tools(client, result, section, version)


def _learned_from_line(lf: gpb.LearnedFrom) -> str:
    where = SOURCE_WORDS.get(lf.source, "")
    facts = [f"from {where}" if where else "", kind_label(lf.kind), rating_badge(lf.verdict)]
    return f"- {lf.title or 'an untitled item'} — " + ", ".join(f for f in facts if f)


def _render_learned_from(result: gpb.GenerateReportResponse) -> None:
    """Provenance for the operator (what informed each section, revision notes); never in the report."""
    used = [s for s in result.sections if s.learned_from]
    revised = [s for s in result.sections if s.revision_notes]
    count = len({lf.item_id for s in used for lf in s.learned_from})
    if retrieval_skipped(result):
        label = "Learned from: nothing — this report was written without past learning"
    else:
        label = (
            f"Learned from: {count} past item{'s' if count != 1 else ''} informed {len(used)} of "
            f"{len(result.sections)} sections"
        )
    if result.playbook_applied:
        label += " · the client playbook"
    if revised:
        label += f" · revision notes on {len(revised)} section{'s' if len(revised) != 1 else ''}"
    with st.expander(label, expanded=False):
        st.caption("For you only: none of this is printed in the report or its downloads.")
        if result.playbook_applied:
            st.markdown(
                "**From the client playbook and approved past work:**\n"
                + "\n".join(f"- {line}" for line in result.playbook_applied)
            )
        if not used and not revised:
            st.markdown(
                "No past items were quoted or adapted in this report: memory had nothing similar and approved "
                "enough yet, or learning was off."
                if not result.playbook_applied
                else "No single past item was quoted or adapted; the decisions above shaped the plan."
            )
            return
        sources: dict[int, set[str]] = {}
        for section in used:
            for lf in section.learned_from:
                sources.setdefault(lf.source, set()).add(lf.item_id)
        summary = [
            f"{len(sources[source])} from {words}"
            for source, words in SOURCE_WORDS.items()
            if source in sources
        ]
        if summary:
            st.caption("Past items used: " + " · ".join(summary) + ".")
        lines: list[str] = []
        for section in result.sections:
            if not section.learned_from and not section.revision_notes:
                continue
            lines.append(f"**{section.title}**")
            lines += [_learned_from_line(lf) for lf in section.learned_from]
            if section.revision_notes:
                lines.append("")
                lines.append("*Revision notes:*")
                lines += [f"- {note}" for note in section.revision_notes]
            lines.append("")
        st.markdown("\n".join(lines))
