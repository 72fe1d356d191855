"""The Learn tab's Playbook panel: what AICMO believes a client (or the whole agency) decided, each entry with
where it came from. The operator reads, corrects (a new version with a note), pins, removes or restores
entries, adds their own, and sees every version of an entry."""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.common.client_ids import client_key
from ui import session
from ui.api import GatewayClient, GatewayError
from ui.common import (
    all_sections,
    call_or_say,
    get_state,
    load_packages,
    say,
    show_error,
    show_message,
    technical_details,
)
from ui.contract import ppb
from ui.labels import format_time, plain_preview

K_CLIENT = "playbook_client"
K_AGENCY = "playbook_agency_only"
K_WITH_AGENCY = "playbook_with_agency"
K_WITH_REMOVED = "playbook_with_removed"
K_OPEN = "playbook_open_id"
K_OPEN_LABEL = "playbook_open_label"
K_EDIT_TEXT = "playbook_edit_text"
K_EDIT_NOTE = "playbook_edit_note"
K_EDIT_FOR = "playbook_edit_for"
K_NEW_KIND = "playbook_new_kind"
K_NEW_SECTION = "playbook_new_section"
K_NEW_TEXT = "playbook_new_text"
K_MSG = "playbook_message"

KIND_WORDS = {
    ppb.PLAYBOOK_ENTRY_KIND_BIG_IDEA: "Big idea",
    ppb.PLAYBOOK_ENTRY_KIND_POSITIONING: "Positioning",
    ppb.PLAYBOOK_ENTRY_KIND_MESSAGE: "Message",
    ppb.PLAYBOOK_ENTRY_KIND_CHANNEL_MIX: "Channel mix",
    ppb.PLAYBOOK_ENTRY_KIND_OFFER: "Offer",
    ppb.PLAYBOOK_ENTRY_KIND_TONE: "Tone and voice",
    ppb.PLAYBOOK_ENTRY_KIND_DO: "Do",
    ppb.PLAYBOOK_ENTRY_KIND_DONT: "Don't",
    ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT: "Approved text",
    ppb.PLAYBOOK_ENTRY_KIND_AVOID_TEXT: "Text to avoid",
    ppb.PLAYBOOK_ENTRY_KIND_STANDING_INSTRUCTION: "Standing instruction",
}
ORIGIN_WORDS = {
    ppb.PLAYBOOK_ENTRY_ORIGIN_UNSPECIFIED: "",
    ppb.PLAYBOOK_ENTRY_ORIGIN_OPERATOR: "written by an operator",
    ppb.PLAYBOOK_ENTRY_ORIGIN_GOLD_RATING: "rated gold",
    ppb.PLAYBOOK_ENTRY_ORIGIN_WEAK_RATING: "rated weak",
    ppb.PLAYBOOK_ENTRY_ORIGIN_EDIT: "an operator's edit",
    ppb.PLAYBOOK_ENTRY_ORIGIN_INSTRUCTION: "an instruction",
    ppb.PLAYBOOK_ENTRY_ORIGIN_REFINE_FEEDBACK: "refine feedback",
}
# The section choice meaning "the whole plan".
WHOLE_PLAN = ""


def kind_words(kind: int) -> str:
    return str(KIND_WORDS.get(kind, "Entry"))  # type: ignore[call-overload]


def source_words(entry: ppb.PlaybookEntry) -> str:
    """Where an entry came from, in words: its origin, and the report version and section it names."""
    source = entry.source
    parts = [ORIGIN_WORDS.get(entry.origin, "")]
    if source.report_id or source.history_id:
        parts.append(f"report version {source.report_version}" if source.report_version else "a report")
    if source.section_id:
        parts.append(f"section {source.section_id.replace('_', ' ')}")
    return ", ".join(p for p in parts if p)


def _playbook_client() -> str | None:
    """The client whose playbook is shown ("" the agency-wide one), or None when none is chosen yet."""
    if get_state(K_AGENCY, False):
        return ""
    typed = get_state(K_CLIENT, "").strip()
    return client_key(typed) if typed else None


# Callbacks (they run before the script, and leave their message under K_MSG).


def _on_save_text(entry_id: str, version: int) -> None:
    text = get_state(K_EDIT_TEXT, "")
    note = get_state(K_EDIT_NOTE, "").strip()
    request = ppb.UpdatePlaybookEntryRequest(
        entry_id=entry_id, text=text, note=note, expected_version=version
    )
    saved = call_or_say(K_MSG, lambda client: client.update_playbook_entry(request))
    if saved is not None:
        st.session_state[K_EDIT_NOTE] = ""
        say(K_MSG, "success", f"Saved version {saved.version} of the entry.")


def _on_pin(entry_id: str, version: int, pinned: bool) -> None:
    request = ppb.UpdatePlaybookEntryRequest(entry_id=entry_id, pinned=pinned, expected_version=version)
    saved = call_or_say(K_MSG, lambda client: client.update_playbook_entry(request))
    if saved is not None:
        say(K_MSG, "success", "Pinned: it is listed first and always applied." if pinned else "Unpinned.")


def _on_state(entry_id: str, version: int, state: ppb.PlaybookEntryState.ValueType) -> None:
    note = get_state(K_EDIT_NOTE, "").strip()
    request = ppb.UpdatePlaybookEntryRequest(
        entry_id=entry_id, state=state, note=note, expected_version=version
    )
    saved = call_or_say(K_MSG, lambda client: client.update_playbook_entry(request))
    if saved is None:
        return
    if state == ppb.PLAYBOOK_ENTRY_STATE_REMOVED:
        say(K_MSG, "success", "Removed: new reports no longer apply it, and ratings will not bring it back.")
    else:
        say(K_MSG, "success", "Restored: new reports apply it again.")


def _on_add(client_id: str) -> None:
    text = get_state(K_NEW_TEXT, "")
    entry = ppb.PlaybookEntry(
        client_id=client_id,
        kind=get_state(K_NEW_KIND, ppb.PLAYBOOK_ENTRY_KIND_DO),
        section_id=get_state(K_NEW_SECTION, WHOLE_PLAN),
        text=text,
        origin=ppb.PLAYBOOK_ENTRY_ORIGIN_OPERATOR,
    )
    added = call_or_say(K_MSG, lambda client: client.create_playbook_entry(entry))
    if added is None:
        return
    st.session_state[K_NEW_TEXT] = ""
    st.session_state[K_OPEN] = added.entry.id
    say(K_MSG, "success", f"Added to the playbook: {kind_words(added.entry.kind)}.")


# Rendering.


def render(client: GatewayClient) -> None:
    st.subheader("Playbook")
    st.caption(
        "What the agency and a client have decided — big idea, positioning, channel mix, offers, tone, do's "
        "and don'ts, approved texts — and where each came from. New reports for the client start from it; "
        "their facts (budgets, dates, targets) always come from the new brief."
    )
    head = st.columns([3, 2], vertical_alignment="bottom")
    head[0].text_input("Client", key=K_CLIENT, placeholder="A client's name, e.g. Northwind Coffee Co.")
    head[1].toggle(
        "The agency-wide playbook", key=K_AGENCY, help="What the agency shares: it names no client."
    )
    client_id = _playbook_client()
    if client_id is None:
        st.caption("Type a client's name to see its playbook, or choose the agency-wide playbook.")
        return
    show = st.columns(2)
    if client_id:
        show[0].checkbox("Show the agency-wide entries too", key=K_WITH_AGENCY)
    show[1].checkbox("Show removed entries", key=K_WITH_REMOVED)
    show_message(K_MSG)
    try:
        entries = client.list_playbook(
            client_id,
            include_agency=bool(client_id) and get_state(K_WITH_AGENCY, False),
            include_removed=get_state(K_WITH_REMOVED, False),
        )
    except GatewayError as exc:
        show_error(exc, "The playbook")
        return
    whose = f"client `{client_id}`" if client_id else "the agency"
    if not entries:
        st.caption(
            f"Nothing in the playbook of {whose} yet. Rate a report's sections gold or weak, edit a section, "
            "or add an entry below."
        )
    else:
        st.caption(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} for {whose}, pinned first.")
        st.dataframe([_row(e) for e in entries], hide_index=True, width="stretch", key="playbook_table")
        _render_entry(client, entries)
    if session.can(session.OPERATOR):
        _render_add(client, client_id)


def _row(entry: ppb.PlaybookEntry) -> dict[str, Any]:
    return {
        "kind": kind_words(entry.kind),
        "text": plain_preview(entry.text),
        "pinned": entry.pinned,
        "state": "active" if entry.state == ppb.PLAYBOOK_ENTRY_STATE_ACTIVE else "removed",
        "whose": f"client {entry.client_id}" if entry.client_id else "agency",
        "from": source_words(entry),
        "version": entry.version,
        "when": format_time(entry.update_time, seconds=False),
    }


def _label(entry: ppb.PlaybookEntry) -> str:
    flags = ("📌 " if entry.pinned else "") + (
        "(removed) " if entry.state == ppb.PLAYBOOK_ENTRY_STATE_REMOVED else ""
    )
    return f"{flags}{kind_words(entry.kind)}: {plain_preview(entry.text, 60)}"


def _render_entry(client: GatewayClient, entries: list[ppb.PlaybookEntry]) -> None:
    by_id = {e.id: e for e in entries}
    opened = get_state(K_OPEN, "")
    if opened not in by_id:
        st.session_state[K_OPEN] = ""
    elif get_state(K_OPEN_LABEL, "") != _label(by_id[opened]):
        # The open entry's label changed (a new text, pinned, removed): the browser knows a selectbox's choice
        # by its label, so it is told the new one; else it would keep showing the old words and, at the next
        # rerun from anywhere in the app, send back a label no option has, which closes the entry.
        st.session_state[K_OPEN] = opened
    st.selectbox(
        "Entry",
        options=["", *by_id],
        key=K_OPEN,
        format_func=lambda entry_id: _label(by_id[entry_id]) if entry_id else "(choose an entry to open)",
    )
    entry = by_id.get(get_state(K_OPEN, ""))
    st.session_state[K_OPEN_LABEL] = _label(entry) if entry is not None else ""
    if entry is None:
        return
    if get_state(K_EDIT_FOR, "") != f"{entry.id}/{entry.version}":
        # A newly opened entry (or a new version of it) starts the editor from its current text.
        st.session_state[K_EDIT_FOR] = f"{entry.id}/{entry.version}"
        st.session_state[K_EDIT_TEXT] = entry.text
    removed = entry.state == ppb.PLAYBOOK_ENTRY_STATE_REMOVED
    with st.container(border=True, key="playbook_entry_box"):
        facts = [
            kind_words(entry.kind),
            f"section {entry.section_id.replace('_', ' ')}" if entry.section_id else "the whole plan",
            "pinned" if entry.pinned else "",
            "removed" if removed else "active",
            f"from {source_words(entry)}" if source_words(entry) else "",
            f"version {entry.version}, {format_time(entry.update_time, seconds=False)}",
            f"by {entry.author}" if entry.author else "",
        ]
        st.caption(" · ".join(f for f in facts if f))
        if entry.note:
            st.caption(f"Note: {entry.note}")
        if not session.can(session.OPERATOR):  # a viewer reads the playbook; operators curate it
            st.markdown(entry.text)
            with st.expander(f"Versions ({entry.version})", expanded=False):
                _render_versions(client, entry.id)
            return
        st.text_area("Text", key=K_EDIT_TEXT, height=180)
        st.text_input(
            "Note for this change", key=K_EDIT_NOTE, placeholder="Why? e.g. client asked for a warmer tone"
        )
        cols = st.columns(3)
        cols[0].button(
            "Save as a new version",
            key="playbook_save",
            type="primary",
            on_click=_on_save_text,
            args=(entry.id, entry.version),
        )
        cols[1].button(
            "Unpin" if entry.pinned else "Pin",
            key="playbook_pin",
            on_click=_on_pin,
            args=(entry.id, entry.version, not entry.pinned),
        )
        cols[2].button(
            "Restore" if removed else "Remove",
            key="playbook_state",
            on_click=_on_state,
            args=(
                entry.id,
                entry.version,
                ppb.PLAYBOOK_ENTRY_STATE_ACTIVE if removed else ppb.PLAYBOOK_ENTRY_STATE_REMOVED,
            ),
        )
        with st.expander(f"Versions ({entry.version})", expanded=False):
            _render_versions(client, entry.id)
        source = entry.source
        technical_details(
            f"id `{entry.id}`",
            f"client id `{entry.client_id}`" if entry.client_id else "agency-wide (no client)",
            f"report history `{source.history_id}`" if source.history_id else "",
            f"report `{source.report_id}`" if source.report_id else "",
            f"learning item `{source.item_id}`" if source.item_id else "",
        )


def _render_versions(client: GatewayClient, entry_id: str) -> None:
    try:
        versions = client.list_playbook_entry_versions(entry_id)
    except GatewayError as exc:
        show_error(exc, "The versions")
        return
    for version in versions:
        state = "removed" if version.state == ppb.PLAYBOOK_ENTRY_STATE_REMOVED else "active"
        head = [
            f"**Version {version.version}**",
            format_time(version.update_time, seconds=False),
            state,
            "pinned" if version.pinned else "",
            f"note: {version.note}" if version.note else "",
        ]
        st.markdown(" · ".join(h for h in head if h))
        st.text(version.text)


def _render_add(client: GatewayClient, client_id: str) -> None:
    whose = f"client `{client_id}`" if client_id else "the agency"
    with st.expander(f"Add an entry to the playbook of {whose}", expanded=False):
        packages, _ = load_packages(client)
        sections = all_sections(packages)
        cols = st.columns(2)
        cols[0].selectbox(
            "Kind",
            options=list(KIND_WORDS),
            key=K_NEW_KIND,
            format_func=kind_words,
        )
        cols[1].selectbox(
            "Section",
            options=[WHOLE_PLAN, *sections],
            key=K_NEW_SECTION,
            format_func=lambda s: sections.get(s, s) if s else "The whole plan",
        )
        st.text_area("Text", key=K_NEW_TEXT, height=120, placeholder="e.g. WhatsApp leads the channel mix")
        st.button("Add to the playbook", key="playbook_add", on_click=_on_add, args=(client_id,))
