"""Which version of its history the shown report is, and the way to all of its versions (the History tab)."""

from __future__ import annotations

import streamlit as st

from ui import history_tab
from ui.api import GatewayClient, GatewayError
from ui.common import get_obj, say, show_message
from ui.contract import gpb, rpb
from ui.generate_state import K_VERSION
from ui.labels import origin_words


def shown_version(client: GatewayClient, result: gpb.GenerateReportResponse) -> rpb.ReportVersion | None:
    """The shown report's version in its history (number, stage, origin, changed sections), or None while
    it is not in the history (its learning waits in the queue) or the history cannot be reached."""
    cached = get_obj(K_VERSION, rpb.ReportVersion)
    if cached is not None and cached.report_id == result.report_id:
        return cached
    if not result.history_id:
        return None
    try:
        versions = client.list_report_versions(result.history_id)
    except GatewayError:
        return None
    found = next((v for v in versions if v.report_id == result.report_id), None)
    if found is not None:
        st.session_state[K_VERSION] = found
    return found


def render_version_line(
    result: gpb.GenerateReportResponse, version: rpb.ReportVersion | None, brief: gpb.ClientBrief
) -> None:
    """Which version of the report this is, and the way to all of its versions (the History tab)."""
    if not result.history_id:
        return
    cols = st.columns([5, 1], vertical_alignment="center")
    if version is not None:
        cols[0].caption(
            f"Version {version.version} of this report · {origin_words(version)}. Every version is kept in "
            "the History tab, where you can open, download and compare them."
        )
    elif result.learning_state == gpb.LEARNING_STATE_QUEUED:
        cols[0].caption(
            "This version joins the report's history (the History tab) once AICMO has learned it."
        )
    else:
        cols[0].caption("This version is not in the report's history yet; see the History tab.")
    label = f"{brief.brand_name} — {result.package_label}".strip(" —")
    cols[1].button(
        "Show in History",
        key="gen_show_history",
        icon=":material/history:",
        on_click=_on_show_history,
        args=(result.history_id, f"{label} · {brief.client_name}" if brief.client_name else label),
        help="Selects this report in the History tab: open that tab to see, download and compare its versions.",
    )
    show_message("gen_show_history_msg")


def _on_show_history(history_id: str, label: str) -> None:
    history_tab.select_report(history_id, label)
    say(
        "gen_show_history_msg",
        "info",
        "This report is open in the History tab: switch to that tab to see all of its versions.",
    )


def reworked_sections(version: rpb.ReportVersion | None) -> set[str]:
    """The sections a section rewrite or edit changed in this version (none for a whole new version)."""
    if version is None or version.origin == rpb.VERSION_ORIGIN_GENERATED:
        return set()
    return {s.section_id for s in version.sections if s.changed}
