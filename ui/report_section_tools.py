"""The tools under each section of the shown report: rate it, write it again with an instruction, edit its
text (a rewrite or an edit becomes the report's next version); and what they did."""

from __future__ import annotations

import streamlit as st

from ui.api import GatewayClient, GatewayError
from ui.common import get_state, say, show_message, show_said
from ui.contract import gpb, rpb
from ui.generate_state import K_RATE_MSG, K_RESULT, K_REWORK_MSG, section_key
from ui.labels import short_text
from ui.report_rating import rateable, render_section_rating
from ui.report_version import shown_version


def render_section_tools(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """Under a section: rate it, write it again with an instruction, edit its text; then what they did."""
    no_history = (
        "" if result.history_id else "This report has no history in AICMO, so it cannot be changed here."
    )
    with st.container(horizontal=True, gap="small", key=section_key("tools", section.id)):
        if rateable(result, section):
            render_section_rating(section)
        with st.popover(
            "Regenerate with an instruction", icon=":material/autorenew:", disabled=bool(no_history)
        ):
            st.text_area(
                f"What should change in “{section.title}”?",
                key=section_key("instruction", section.id),
                placeholder="e.g. Focus on Instagram and TikTok, and add a weekly posting rhythm.",
                height=100,
            )
            st.caption("Only this section is written again; the other sections stay as they are.")
            if st.button(
                "Write this section again", key=section_key("regenerate", section.id), type="primary"
            ):
                _regenerate_section(client, result, section, version)
        st.button(
            "Edit text",
            key=section_key("edit", section.id),
            icon=":material/edit:",
            on_click=_on_start_edit,
            args=(section.id, section.markdown),
            disabled=bool(no_history),
            help=no_history
            or "Change this section's text yourself; it is saved as the report's next version.",
        )
    show_message(section_key("msg", section.id))
    _show_rework_message(section.id)


def _show_rework_message(section_id: str) -> None:
    said = st.session_state.get(K_REWORK_MSG)
    if isinstance(said, tuple) and len(said) == 4 and said[0] == section_id:
        _, level, text, detail = said
        show_said(level, text, detail)


def _on_start_edit(section_id: str, markdown: str) -> None:
    st.session_state[section_key("editing", section_id)] = True
    st.session_state[section_key("text", section_id)] = markdown.strip()
    st.session_state[section_key("edit_note", section_id)] = ""


def _on_cancel_edit(section_id: str) -> None:
    st.session_state[section_key("editing", section_id)] = False


def render_section_editor(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """The section's text in place, editable (markdown, no heading); saving makes the report's next version."""
    st.markdown(f"## {section.title}")
    with st.container(border=True, key=section_key("editor", section.id)):
        text_key = section_key("text", section.id)
        if text_key not in st.session_state:
            st.session_state[text_key] = section.markdown.strip()
        st.text_area(
            f"Text of “{section.title}” (Markdown: **bold**, - lists, | tables |)",
            key=text_key,
            height=320,
        )
        st.text_input(
            "What did you change? (optional, shown in the report's history)",
            key=section_key("edit_note", section.id),
            placeholder="e.g. Corrected the budget split and the launch date.",
        )
        st.caption(
            "Saving keeps your text as the report's next version. From then on your text is what AICMO learns "
            "for this section, and what a gold rating keeps."
        )
        with st.container(horizontal=True, gap="small"):
            save = st.button(
                "Save as new version",
                key=section_key("save", section.id),
                type="primary",
                icon=":material/save:",
            )
            st.button(
                "Cancel", key=section_key("cancel", section.id), on_click=_on_cancel_edit, args=(section.id,)
            )
        if save:
            _save_section_edit(client, result, section, version)
    show_message(section_key("msg", section.id))
    _show_rework_message(section.id)


def _not_in_history_yet(
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
    what: str,
) -> bool:
    """Says so (under the section) when the shown version is not in its history yet, so that nothing is
    built on another version by mistake."""
    if version is not None:
        return False
    if result.learning_state == gpb.LEARNING_STATE_QUEUED:
        why = "this report is still waiting to be learned, and it joins its history then"
    else:
        why = "this version is not in the report's history yet (or the history cannot be reached right now)"
    st.session_state[K_REWORK_MSG] = (
        section.id,
        "warning",
        f"{what} is not possible yet: {why}. Try again in a moment.",
        f"No version of history {result.history_id} has report id {result.report_id}.",
    )
    return True


def _rework_failure(exc: GatewayError, result: gpb.GenerateReportResponse, what: str) -> tuple[str, str]:
    """What to say when a section could not be written again or saved: level, text."""
    if exc.kind == "not_found" and result.learning_state == gpb.LEARNING_STATE_QUEUED:
        return (
            "warning",
            f"{what} is not possible yet: this report is still waiting to be learned, and it joins its history "
            "then. Try again in a moment.",
        )
    if exc.kind == "not_found":
        return (
            "warning",
            f"{what} did not work: this report is no longer in its history (it may have been removed with its "
            "client). Generate it again.",
        )
    return ("error", str(exc))


def _regenerate_section(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """RegenerateSection from the shown version; the new version is then shown."""
    instruction = get_state(section_key("instruction", section.id), "").strip()
    if _not_in_history_yet(result, section, version, f"Writing “{section.title}” again") or version is None:
        return
    request = gpb.RegenerateSectionRequest(
        history_id=result.history_id,
        version=version.version,
        section_id=section.id,
        instruction=instruction,
    )
    with st.spinner(f"Writing “{section.title}” again…", show_time=True):
        try:
            new = client.regenerate_section(request)
        except GatewayError as exc:
            level, text = _rework_failure(exc, result, f"Writing “{section.title}” again")
            st.session_state[K_REWORK_MSG] = (section.id, level, text, exc.detail)
            return
    number = _new_version_words(client, new)
    _show_new_report(new, (section.id, *_instruction_outcome(section.title, instruction, number, new), ""))


def _instruction_outcome(
    title: str, instruction: str, number: str, new: gpb.GenerateReportResponse
) -> tuple[str, str]:
    """The level and words of what a rewrite with an instruction did: success only for what was applied;
    what could not be applied is said, with the reason, and an instruction that changed nothing is too."""
    written = f"Wrote “{title}” again: this is {number} of the report. The other sections are unchanged."
    if not instruction:
        return "success", written
    applied = "".join(f"\n- Applied: {line}" for line in new.refine_applied)
    refused = "".join(f"\n- Not applied: {line}" for line in new.refine_unapplied)
    if new.refine_unapplied:
        return "warning", f"{written}{applied}{refused}"
    if not new.refine_applied:
        return (
            "warning",
            f"{written}\n- Your instruction “{short_text(instruction, 80)}” was not read as a change to the plan; "
            "the section was written again as it stands.",
        )
    return "success", f"{written}{applied}"


def _save_section_edit(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """EditSection with the operator's text; the new version is then shown."""
    text = get_state(section_key("text", section.id), "").strip()
    note = get_state(section_key("edit_note", section.id), "").strip()
    if not text:
        say(
            section_key("msg", section.id),
            "warning",
            "The text is empty: write the section's text, or cancel to keep it as it is.",
        )
        return
    if text == section.markdown.strip():
        say(section_key("msg", section.id), "info", "Nothing changed: the text is the same as before.")
        return
    if (
        _not_in_history_yet(result, section, version, f"Saving your text for “{section.title}”")
        or version is None
    ):
        return
    request = gpb.EditSectionRequest(
        history_id=result.history_id,
        version=version.version,
        section_id=section.id,
        markdown=text,
        note=note,
    )
    with st.spinner("Saving your text…"):
        try:
            new = client.edit_section(request)
        except GatewayError as exc:
            level, message = _rework_failure(exc, result, f"Saving your text for “{section.title}”")
            st.session_state[K_REWORK_MSG] = (section.id, level, message, exc.detail)
            return
    number = _new_version_words(client, new)
    _show_new_report(
        new,
        (
            section.id,
            "success",
            f"Saved your text for “{section.title}” as {number} of the report. Your text is what AICMO learns "
            "for this section from now on, and what a gold rating keeps.",
            "",
        ),
    )


def _new_version_words(client: GatewayClient, new: gpb.GenerateReportResponse) -> str:
    """ "version 4" once the new version is in the history, else "the next version" (and when it joins)."""
    version = shown_version(client, new)
    if version is not None:
        return f"version {version.version}"
    if new.learning_state == gpb.LEARNING_STATE_QUEUED:
        return "the next version (it joins the report's history once AICMO has learned it)"
    return "the next version"


def _show_new_report(new: gpb.GenerateReportResponse, message: tuple[str, str, str, str]) -> None:
    st.session_state[K_RESULT] = new
    st.session_state[K_REWORK_MSG] = message
    st.session_state[K_RATE_MSG] = None
    st.rerun()
