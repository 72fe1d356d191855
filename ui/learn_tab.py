"""The Learn tab: Memory Database Stats, browse/search/open/rate/share/delete learned items, the client
playbook (ui/playbook_panel.py), upload reference examples, forget a client (and see who was forgotten), and
the generator's learning queue."""

from __future__ import annotations

import functools
import json
from typing import Any

import streamlit as st
from google.protobuf import json_format

from services.common.client_ids import client_key
from ui import documents, playbook_panel, session
from ui.api import GatewayClient, GatewayError
from ui.common import (
    all_sections,
    call_or_say,
    get_obj,
    get_state,
    load_packages,
    open_selected_row,
    pager,
    reset_paging,
    say,
    show_error,
    show_message,
    technical_details,
)
from ui.contract import gpb, mpb
from ui.labels import (
    KIND_LABELS,
    PER_RATING_KEYS,
    UPLOAD_KINDS,
    format_time,
    is_shared,
    item_client,
    item_labels,
    item_stage,
    kind_label,
    plain_preview,
    rating_badge,
    scope_label,
)

ALL_KINDS = "All kinds"

K_KIND = "learn_kind"
K_CLIENT_FILTER = "learn_client_filter"
K_PAGE_SIZE = "learn_page_size"
K_TOKENS = "learn_page_tokens"
K_SEARCH_QUERY = "learn_search_query"
K_SEARCH_TOP_K = "learn_search_top_k"
K_SEARCH_KINDS = "learn_search_kinds"
K_SEARCH_FOR_CLIENT = "learn_search_for_client"
K_SEARCH_RESULTS = "learn_search_results"
K_SEARCH_MSG = "learn_search_message"
K_OPEN = "learn_open_id"
K_TABLE_IDS = "learn_table_ids"
K_KNOWN_KINDS = "learn_known_kinds"
K_RATE_CHOICE = "learn_rate_choice"
K_RATE_NOTE = "learn_rate_note"
K_CONFIRM_DELETE = "learn_confirm_delete"
K_SHARE = "learn_share"
K_CONFIRM_SHARE = "learn_confirm_share"
K_ITEM_MSG = "learn_item_message"
K_UPLOAD_FILE = "learn_upload_file"
K_UPLOAD_KIND = "learn_upload_kind"
K_UPLOAD_SECTION = "learn_upload_section"
K_UPLOAD_TITLE = "learn_upload_title"
K_UPLOAD_CLIENT = "learn_upload_client"
K_UPLOAD_INDUSTRY = "learn_upload_industry"
K_UPLOAD_TAGS = "learn_upload_tags"
K_UPLOAD_SCOPE = "learn_upload_scope"
K_UPLOAD_MSG = "learn_upload_message"
K_FORGET_INPUT = "learn_forget_input"
K_FORGET_EXACT = "learn_forget_exact"
K_FORGET_PENDING = "learn_forget_pending"
K_FORGET_MSG = "learn_forget_message"
K_QUEUE_MSG = "learn_queue_message"
K_CONFIRM_DROP = "learn_queue_confirm_drop"

RATING_OPTIONS = (mpb.RATING_GOLD, mpb.RATING_WEAK, mpb.RATING_UNSPECIFIED)
RATING_CHOICE_WORDS = {
    mpb.RATING_GOLD: "gold",
    mpb.RATING_WEAK: "weak",
    mpb.RATING_UNSPECIFIED: "clear rating",
}

# The upload form's scope choice: SCOPE_UNSPECIFIED ("automatic") follows the memory service's rule.
UPLOAD_SCOPE_OPTIONS = (mpb.SCOPE_UNSPECIFIED, mpb.SCOPE_CLIENT, mpb.SCOPE_AGENCY)
UPLOAD_SCOPE_WORDS = {
    mpb.SCOPE_UNSPECIFIED: "Automatic: the client's own when a client is given, else the agency library",
    mpb.SCOPE_CLIENT: "Only this client's reports",
    mpb.SCOPE_AGENCY: "The agency library (any client's reports)",
}
# Opening another item (a row picked in the table) closes the last one's delete question and message.
_ON_OPEN_ITEM: dict[str, Any] = {K_CONFIRM_DELETE: "", K_ITEM_MSG: None}
# An upload's section choice meaning "no particular section".
ANY_SECTION = ""

SOURCE_WORDS = {"generator": "written by AICMO", "upload": "uploaded", "api": "added through the API"}


def upload_scope(choice: mpb.Scope.ValueType, client_id: str) -> mpb.Scope.ValueType:
    """The scope an upload is recorded with: the choice, or for "automatic" the client's own when there is
    a client, else the agency library."""
    if choice in (mpb.SCOPE_CLIENT, mpb.SCOPE_AGENCY):
        return choice
    return mpb.SCOPE_CLIENT if client_id else mpb.SCOPE_AGENCY


def _scope_words(scope: mpb.Scope.ValueType, client_id: str) -> str:
    if scope == mpb.SCOPE_AGENCY:
        return "the agency library (any client's reports may learn from it)"
    return f"client `{client_id}` only (only that client's reports learn from it)"


# ---------------------------------------------------------------------------------------------------------
# Callbacks: run before the script, so they may reset widgets.


def _on_search() -> None:
    query = get_state(K_SEARCH_QUERY, "").strip()
    if not query:
        say(K_SEARCH_MSG, "warning", "Type something to search for.")
        st.session_state[K_SEARCH_RESULTS] = []
        return
    selected: list[Any] = get_state(K_SEARCH_KINDS, [])
    typed_client = get_state(K_SEARCH_FOR_CLIENT, "").strip()
    for_client = client_key(typed_client) if typed_client else ""
    found = call_or_say(
        K_SEARCH_MSG,
        lambda client: client.search(
            mpb.SearchItemsRequest(
                query=query,
                top_k=int(get_state(K_SEARCH_TOP_K, 5)),
                kinds=[str(k) for k in selected],
                for_client_id=for_client,
            )
        ),
    )
    if found is None:
        return
    st.session_state[K_SEARCH_RESULTS] = list(found.results)
    note = f"{len(found.results)} result{'s' if len(found.results) != 1 else ''} for “{query}”"
    if for_client:
        note += (
            f", as a report for `{for_client}` would see them (that client's own items and the agency "
            "library)"
        )
    detail = f"Embedding model: {found.embedding_model}" if found.embedding_model else ""
    if found.warnings:
        say(K_SEARCH_MSG, "warning", note + ". " + " ".join(found.warnings), detail)
    else:
        say(K_SEARCH_MSG, "info", note + ".", detail)


def _on_rate_item(item_id: str) -> None:
    verdict = get_state(K_RATE_CHOICE, mpb.RATING_GOLD)
    note = get_state(K_RATE_NOTE, "").strip()
    rated = call_or_say(K_ITEM_MSG, lambda client: client.rate_item(item_id, verdict, note))
    if rated is None:
        return
    item = rated.item
    sections = rated.rated_count - 1
    say(
        K_ITEM_MSG,
        "success",
        f"Saved: “{item.title}” is now {rating_badge(item.verdict)}"
        + (f" — {item.rating_note}" if item.rating_note else "")
        + (f" (its {sections} section{'s' if sections != 1 else ''} too)" if sections > 0 else ""),
    )


def _set_scope(item_id: str, scope: mpb.Scope.ValueType) -> None:
    item = call_or_say(K_ITEM_MSG, lambda client: client.set_item_scope(item_id, scope))
    if item is None:
        return
    st.session_state[K_CONFIRM_SHARE] = ""
    if is_shared(item):
        say(
            K_ITEM_MSG,
            "success",
            f"Shared “{item.title}” with the agency library: reports for any client may now learn from it.",
        )
    else:
        say(
            K_ITEM_MSG,
            "success",
            f"“{item.title}” is kept to client `{item.client_id}` again: only that client's reports learn "
            "from it.",
        )


def _on_toggle_share(item_id: str) -> None:
    """Un-sharing is immediate; sharing a client's item is confirmed first (it may name the client)."""
    if get_state(K_SHARE, False):
        st.session_state[K_CONFIRM_SHARE] = item_id
        st.session_state[K_ITEM_MSG] = None
    else:
        st.session_state[K_CONFIRM_SHARE] = ""
        _set_scope(item_id, mpb.SCOPE_CLIENT)


def _on_confirm_share(item_id: str) -> None:
    _set_scope(item_id, mpb.SCOPE_AGENCY)


def _on_cancel_share() -> None:
    st.session_state[K_CONFIRM_SHARE] = ""


def _on_ask_delete(item_id: str) -> None:
    st.session_state[K_CONFIRM_DELETE] = item_id


def _on_cancel_delete() -> None:
    st.session_state[K_CONFIRM_DELETE] = ""


def _on_delete_item(item_id: str, title: str) -> None:
    if call_or_say(K_ITEM_MSG, lambda client: client.delete_item(item_id)) is None:
        return
    st.session_state[K_CONFIRM_DELETE] = ""
    st.session_state[K_OPEN] = ""
    results: list[mpb.SearchResult] = get_state(K_SEARCH_RESULTS, [])
    st.session_state[K_SEARCH_RESULTS] = [hit for hit in results if hit.item.id != item_id]
    say(
        K_ITEM_MSG, "success", f"Deleted “{title}”. It will no longer inform reports.", f"Item id `{item_id}`"
    )


def _forget_target() -> str:
    typed = get_state(K_FORGET_INPUT, "").strip()
    if not typed:
        return ""
    return typed if get_state(K_FORGET_EXACT, False) else client_key(typed)


def _on_count_forget() -> None:
    client_id = _forget_target()
    if not client_id:
        say(K_FORGET_MSG, "warning", "Type a client name or client id first.")
        return
    page = call_or_say(
        K_FORGET_MSG, lambda client: client.list_items(mpb.ListItemsRequest(client_id=client_id, page_size=1))
    )
    if page is None:
        return
    st.session_state[K_FORGET_MSG] = None
    st.session_state[K_FORGET_PENDING] = {"client_id": client_id, "count": page.total_size}


def _on_cancel_forget() -> None:
    st.session_state[K_FORGET_PENDING] = None


def _on_forget(client_id: str) -> None:
    result = call_or_say(K_FORGET_MSG, lambda client: client.forget_client(client_id))
    if result is None:
        return
    st.session_state[K_FORGET_PENDING] = None
    kinds = ", ".join(f"{kind_label(kind).lower()}: {n}" for kind, n in sorted(result.per_kind.items()))
    when = format_time(result.forget_time)
    say(
        K_FORGET_MSG,
        "success",
        f"Forgot client `{result.client_id}`{f' at {when}' if when else ''}: deleted {result.deleted_count} "
        f"item{'s' if result.deleted_count != 1 else ''}"
        + (f" ({kinds})" if kinds else "")
        + (
            f" and {result.playbook_entries_deleted_count} playbook "
            f"entr{'y' if result.playbook_entries_deleted_count == 1 else 'ies'} with their versions."
            if result.playbook_entries_deleted_count
            else "."
        )
        + " Anything still on its way for this client (a report being written, a queued batch) is "
        "discarded when it arrives.",
    )


def _on_replay(name: str, title: str) -> None:
    replayed = call_or_say(K_QUEUE_MSG, lambda client: client.replay_learning_batch(name))
    if replayed is None:
        return
    if replayed.delivered:
        say(K_QUEUE_MSG, "success", f"Delivered: “{title}” is learned now.")
        return
    where = "set aside" if replayed.batch.state == gpb.QUEUE_STATE_SET_ASIDE else "in the queue"
    why = replayed.batch.reason or "the memory service did not take it"
    say(K_QUEUE_MSG, "warning", f"“{title}” was not delivered: {why}. It stays {where}.")


def _on_ask_drop(name: str) -> None:
    st.session_state[K_CONFIRM_DROP] = name


def _on_cancel_drop() -> None:
    st.session_state[K_CONFIRM_DROP] = ""


def _on_drop(name: str, title: str) -> None:
    if call_or_say(K_QUEUE_MSG, lambda client: client.drop_learning_batch(name)) is None:
        return
    st.session_state[K_CONFIRM_DROP] = ""
    say(
        K_QUEUE_MSG, "success", f"Dropped “{title}” from the learning queue: that report will not be learned."
    )


def _on_upload() -> None:
    uploaded = st.session_state.get(K_UPLOAD_FILE)
    if uploaded is None:
        say(K_UPLOAD_MSG, "warning", "Choose a file to upload first.")
        return
    try:
        text = documents.read_upload(uploaded.name, uploaded.getvalue())
    except documents.DocumentError as exc:
        say(K_UPLOAD_MSG, "error", str(exc))
        return
    if len(text) > documents.MAX_ITEM_CHARS:
        say(
            K_UPLOAD_MSG,
            "error",
            f"{uploaded.name} has {len(text):,} characters of text; one learned item holds at most "
            f"{documents.MAX_ITEM_CHARS:,}. Split it into smaller files.",
        )
        return
    kind = get_state(K_UPLOAD_KIND, "uploaded_example")
    kind = kind if kind in UPLOAD_KINDS else "uploaded_example"
    section = get_state(K_UPLOAD_SECTION, ANY_SECTION)
    if kind == "report_section" and section == ANY_SECTION:
        say(
            K_UPLOAD_MSG,
            "warning",
            "Choose the section this is an example of: an example report section always belongs to one.",
        )
        return
    client_name = get_state(K_UPLOAD_CLIENT, "").strip()
    client_id = client_key(client_name) if client_name else ""
    scope = upload_scope(get_state(K_UPLOAD_SCOPE, mpb.SCOPE_UNSPECIFIED), client_id)
    if scope == mpb.SCOPE_CLIENT and not client_id:
        say(
            K_UPLOAD_MSG,
            "warning",
            "Give the client this example belongs to, or choose the agency library: only an example with a "
            "client can be kept to that client.",
        )
        return
    item = mpb.LearningItem(
        kind=kind,
        title=get_state(K_UPLOAD_TITLE, "").strip() or uploaded.name,
        text=text,
        client_id=client_id,
        industry=get_state(K_UPLOAD_INDUSTRY, "").strip(),
        section_id=section,
        tags=[t.strip() for t in get_state(K_UPLOAD_TAGS, "").split(",") if t.strip()],
        source="upload",
        scope=scope,
    )
    item.metadata.update({"file_name": uploaded.name, "client_name": client_name, "characters": len(text)})
    recorded = call_or_say(K_UPLOAD_MSG, lambda client: client.record_item(mpb.RecordItemRequest(item=item)))
    if recorded is None:
        return
    stored = recorded.item
    detail = f"Item id `{stored.id}` · kind `{stored.kind}`" if stored.id else ""
    if recorded.result == mpb.RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN:
        say(
            K_UPLOAD_MSG,
            "warning",
            f"Not stored: client `{client_id}` was forgotten while this upload was on its way, so nothing "
            "was learned from it.",
        )
    elif recorded.result == mpb.RECORD_RESULT_CREATED or recorded.created:
        kept = stored.scope if stored.scope in (mpb.SCOPE_CLIENT, mpb.SCOPE_AGENCY) else scope
        say(
            K_UPLOAD_MSG,
            "success",
            f"Learned “{stored.title}” as a new {kind_label(stored.kind).lower()} for "
            f"{_scope_words(kept, stored.client_id)} ({len(text):,} characters).",
            detail,
        )
    else:
        say(
            K_UPLOAD_MSG,
            "info",
            f"Already known: “{stored.title}” ({kind_label(stored.kind).lower()}, {scope_label(stored)}) has "
            "the same content, so nothing new was stored.",
            detail,
        )


# ---------------------------------------------------------------------------------------------------------
# Rendering.


def render(client: GatewayClient) -> None:
    _render_stats(client)
    st.divider()
    seen: list[mpb.LearningItem] = []
    _render_browse(client, seen)
    _render_search(seen)
    _render_item(client, seen)
    if session.can(session.OPERATOR):
        st.divider()
        _render_upload(client)
    st.divider()
    playbook_panel.render(client)
    st.divider()
    if session.can(session.ADMIN):
        _render_forget()
    _render_forgotten(client)
    st.divider()
    _render_learning_queue(client)


def _render_stats(client: GatewayClient) -> None:
    head = st.columns([4, 1], vertical_alignment="bottom")
    head[0].subheader("Memory Database Stats")
    head[1].button("Refresh", key="learn_refresh", icon=":material/refresh:")
    try:
        summary = client.summary()
    except GatewayError as exc:
        show_error(exc, "Memory stats")
        return
    st.session_state[K_KNOWN_KINDS] = sorted(summary.per_kind)
    if summary.fake_embeddings:
        st.warning(
            "Search and learning are not meaningful right now: AICMO runs with stand-in embeddings meant "
            "only for tests. Ask whoever runs AICMO to switch to the real embedding model.",
            icon=":material/warning:",
        )
    for warning in summary.warnings:
        st.warning(warning, icon=":material/warning:")
    cols = st.columns(4)
    cols[0].metric("Items learned", f"{summary.total_items:,}")
    cols[1].metric("Gold-rated", summary.per_rating.get(PER_RATING_KEYS[mpb.RATING_GOLD], 0))
    cols[2].metric("Weak-rated", summary.per_rating.get(PER_RATING_KEYS[mpb.RATING_WEAK], 0))
    cols[3].metric("Kinds", len(summary.per_kind))
    technical_details(
        f"Embedding model: {summary.embedding_model or 'unknown'} ({summary.embedding_dimensions} dimensions)",
        "Fake (hash) embeddings are in use (AICMO_FAKE_EMBEDDINGS=1): unset it and restart the memory service."
        if summary.fake_embeddings
        else "",
        f"Storage: `{summary.storage or 'unknown'}`",
        label="Technical details: model and storage",
    )
    charts = st.columns(2)
    with charts[0]:
        st.markdown("**Items per kind**")
        if summary.per_kind:
            rows = [{"kind": kind_label(k), "items": n} for k, n in sorted(summary.per_kind.items())]
            st.bar_chart(rows, x="kind", y="items", horizontal=True, height=240)
        else:
            st.caption("Nothing learned yet: generate a report or upload an example.")
    with charts[1]:
        st.markdown("**Items learned per day (last 30 days)**")
        if summary.learned_per_day:
            days = [{"date": d.date, "items": d.count} for d in summary.learned_per_day]
            st.bar_chart(days, x="date", y="items", height=240)
        else:
            st.caption("No items learned in the last 30 days.")


def _kind_options() -> list[str]:
    return list(dict.fromkeys([*KIND_LABELS, *get_state(K_KNOWN_KINDS, [])]))


def _render_browse(client: GatewayClient, seen: list[mpb.LearningItem]) -> None:
    st.subheader("Learned items")
    cols = st.columns([2, 2, 1])
    cols[0].selectbox(
        "Kind",
        options=[ALL_KINDS, *_kind_options()],
        format_func=lambda k: k if k == ALL_KINDS else kind_label(k),
        key=K_KIND,
        on_change=reset_paging,
        args=(K_TOKENS,),
    )
    cols[1].text_input("Client id (optional)", key=K_CLIENT_FILTER, on_change=reset_paging, args=(K_TOKENS,))
    cols[2].selectbox(
        "Per page",
        options=[10, 20, 50, 100],
        index=1,
        key=K_PAGE_SIZE,
        on_change=reset_paging,
        args=(K_TOKENS,),
    )
    tokens: list[str] = get_state(K_TOKENS, [""]) or [""]
    kind = get_state(K_KIND, ALL_KINDS)
    size = int(get_state(K_PAGE_SIZE, 20))
    try:
        page = client.list_items(
            mpb.ListItemsRequest(
                kind="" if kind == ALL_KINDS else kind,
                client_id=get_state(K_CLIENT_FILTER, "").strip(),
                page_size=size,
                page_token=tokens[-1],
            )
        )
    except GatewayError as exc:
        show_error(exc, "The item list")
        return
    page_number = len(tokens)
    first = (page_number - 1) * size + 1
    if page.items:
        st.caption(
            f"Showing {first} to {first + len(page.items) - 1} of {page.total_size} matching items "
            f"(page {page_number})."
        )
        st.session_state[K_TABLE_IDS] = [item.id for item in page.items]
        st.dataframe(
            [_row(item) for item in page.items],
            hide_index=True,
            width="stretch",
            column_config=_COLUMNS,
            key="learn_items_table",
            on_select=functools.partial(
                open_selected_row, "learn_items_table", K_TABLE_IDS, K_OPEN, _ON_OPEN_ITEM
            ),
            selection_mode="single-row",
        )
        st.caption("Select a row to open the item below.")
    else:
        st.caption("No learned items match." if page_number == 1 else "No more items.")
    seen.extend(page.items)
    pager(K_TOKENS, page.next_page_token, "learn")


def _row(item: mpb.LearningItem) -> dict[str, Any]:
    """One learned item as a table row: enough to tell reports with the same title apart at a glance."""
    return {
        "Title": item.title or "(untitled)",
        "Kind": kind_label(item.kind),
        "Stage": item_stage(item),
        "Client": item_client(item),
        "Learned": format_time(item.create_time, seconds=False),
        "Preview": plain_preview(item.text),
        "Rating": rating_badge(item.verdict) if item.verdict else "",
        "Used for": scope_label(item),
    }


# What tells rows apart gets the room; the other columns fit their content.
_COLUMNS = {name: st.column_config.TextColumn(width="medium") for name in ("Title", "Client", "Preview")}


def _render_search(seen: list[mpb.LearningItem]) -> None:
    with st.form("learn_search_form", border=False):
        cols = st.columns([4, 1, 2], vertical_alignment="bottom")
        cols[0].text_input(
            "Search what was learned", key=K_SEARCH_QUERY, placeholder="e.g. loyalty offer for coffee"
        )
        cols[1].number_input("Top", min_value=1, max_value=50, value=5, step=1, key=K_SEARCH_TOP_K)
        cols[2].multiselect(
            "Kinds",
            options=list(KIND_LABELS),
            format_func=kind_label,
            key=K_SEARCH_KINDS,
            placeholder="All kinds",
        )
        st.text_input(
            "For client (optional): search only what a report for this client may learn from",
            key=K_SEARCH_FOR_CLIENT,
            placeholder="e.g. Northwind Coffee Co. — that client's own items and the agency library",
        )
        st.form_submit_button("Search", key="learn_search_submit", on_click=_on_search)
    show_message(K_SEARCH_MSG)
    results: list[mpb.SearchResult] = get_state(K_SEARCH_RESULTS, [])
    if results:
        st.dataframe(
            [{"Match": f"{max(hit.similarity, 0.0):.0%}", **_row(hit.item)} for hit in results],
            hide_index=True,
            width="stretch",
            column_config=_COLUMNS,
            key="learn_search_table",
        )
        seen.extend(hit.item for hit in results)


def _render_item(client: GatewayClient, seen: list[mpb.LearningItem]) -> None:
    st.markdown("#### Open an item")
    show_message(K_ITEM_MSG)
    labels = item_labels(list({item.id: item for item in seen}.values()))
    current = get_state(K_OPEN, "")
    if current and current not in labels:
        labels[current] = "the item opened before"
    st.selectbox(
        "Item",
        options=["", *labels],
        key=K_OPEN,
        format_func=lambda item_id: (
            labels.get(item_id, item_id) if item_id else "(choose an item from the list above)"
        ),
    )
    item_id = get_state(K_OPEN, "")
    if not item_id:
        return
    try:
        item = client.get_item(item_id)
    except GatewayError as exc:
        show_error(exc, "The item")
        return
    with st.container(border=True, key="learn_item_box"):
        st.markdown(
            f"**{item.title or '(untitled)'}** — {kind_label(item.kind)} · {rating_badge(item.verdict)} · "
            f"{scope_label(item)}"
        )
        section = item.section_id.replace("_", " ") if item.section_id else ""
        facts = [
            item_stage(item),
            f"client {item_client(item)}" if item_client(item) else "",
            f"section: {section}" if section else "",
            f"industry: {item.industry}" if item.industry else "",
            SOURCE_WORDS.get(item.source, ""),
            f"learned {format_time(item.create_time)}" if item.HasField("create_time") else "",
        ]
        st.caption(" · ".join(f for f in facts if f))
        if item.tags:
            st.caption("Tags: " + ", ".join(item.tags))
        if item.rating_note:
            st.caption(f"Rating note: {item.rating_note}")
        with st.expander("Text", expanded=False):
            st.markdown(item.text)
        technical_details(
            f"id `{item.id}`",
            f"kind `{item.kind}`",
            f"client id `{item.client_id}`" if item.client_id else "",
            f"part of report item `{item.parent_id}`" if item.parent_id else "",
            f"package `{item.package_key}`" if item.package_key else "",
            f"section `{item.section_id}`" if item.section_id else "",
            f"source `{item.source}`" if item.source else "",
            f"embedding model {item.embedding_model}" if item.embedding_model else "not indexed yet",
            "metadata `" + json.dumps(json_format.MessageToDict(item.metadata), ensure_ascii=False) + "`"
            if item.HasField("metadata") and item.metadata.fields
            else "",
        )
        # Sharing and deleting are for admins, rating for operators (the services refuse the rest anyway).
        if session.can(session.ADMIN):
            _render_share(item)
        cols = st.columns([2, 3, 1, 1], vertical_alignment="bottom")
        if session.can(session.OPERATOR):
            cols[0].radio(
                "Rating",
                options=list(RATING_OPTIONS),
                key=K_RATE_CHOICE,
                horizontal=True,
                format_func=lambda verdict: RATING_CHOICE_WORDS.get(verdict, str(verdict)),
            )
            cols[1].text_input("Note", key=K_RATE_NOTE, placeholder="Why?")
            cols[2].button("Save rating", key="learn_rate_submit", on_click=_on_rate_item, args=(item.id,))
        if session.can(session.ADMIN):
            cols[3].button("Delete…", key="learn_delete", on_click=_on_ask_delete, args=(item.id,))
        if get_state(K_CONFIRM_DELETE, "") == item.id:
            st.warning(f"Delete “{item.title}” for good? Reports will no longer learn from it.")
            confirm = st.columns([1, 1, 4])
            confirm[0].button(
                "Yes, delete it",
                key="learn_delete_confirm",
                type="primary",
                on_click=_on_delete_item,
                args=(item.id, item.title),
            )
            confirm[1].button("Cancel", key="learn_delete_cancel", on_click=_on_cancel_delete)


def _render_share(item: mpb.LearningItem) -> None:
    """The "Shared with the agency library" control, in step with the item's scope on the server."""
    shared = is_shared(item)
    st.session_state[K_SHARE] = shared
    st.toggle(
        "Shared with the agency library",
        key=K_SHARE,
        on_change=_on_toggle_share,
        args=(item.id,),
        disabled=not item.client_id,
        help=(
            "On: reports for any client may learn from this item. Off: only reports for its own client do."
            if item.client_id
            else "An item with no client always belongs to the agency library."
        ),
    )
    if not item.client_id:
        st.caption(
            "This item names no client, so it is in the agency library: any client's report may use it."
        )
    elif shared:
        st.caption(f"Reports for any client may learn from it, not only for `{item.client_id}`.")
    else:
        st.caption(f"Only reports for client `{item.client_id}` learn from it.")
    if get_state(K_CONFIRM_SHARE, "") == item.id and not shared:
        st.warning(
            f"Share “{item.title}” with the agency library? Reports for every client, including "
            f"competitors of `{item.client_id}`, may then learn from it and from any names, figures, targets "
            "or hashtags in it. Share only what names no client."
        )
        confirm = st.columns([1, 1, 4])
        confirm[0].button(
            "Yes, share it",
            key="learn_share_confirm",
            type="primary",
            on_click=_on_confirm_share,
            args=(item.id,),
        )
        confirm[1].button("Cancel", key="learn_share_cancel", on_click=_on_cancel_share)


def _render_upload(client: GatewayClient) -> None:
    st.subheader("Upload reference examples")
    st.caption(
        "Good examples teach AICMO what great looks like: they are embedded and retrieved for similar briefs."
    )
    packages, error = load_packages(client)
    sections = all_sections(packages)
    if get_state(K_UPLOAD_SECTION, ANY_SECTION) not in (ANY_SECTION, *sections):
        st.session_state[K_UPLOAD_SECTION] = ANY_SECTION
    with st.form("learn_upload_form"):
        st.file_uploader(
            "Example file (.txt, .md, .pdf or .docx)",
            type=list(documents.SUPPORTED_UPLOADS),
            key=K_UPLOAD_FILE,
            max_upload_size=documents.MAX_UPLOAD_MB,
        )
        cols = st.columns(2)
        cols[0].selectbox(
            "Kind",
            options=list(UPLOAD_KINDS),
            format_func=kind_label,
            key=K_UPLOAD_KIND,
            help=" · ".join(f"{kind_label(k)}: {what}" for k, what in UPLOAD_KINDS.items()),
        )
        cols[1].selectbox(
            "Section it is an example of",
            options=[ANY_SECTION, *sections],
            format_func=lambda s: sections.get(s, s) if s else "Any section (informs the overview)",
            key=K_UPLOAD_SECTION,
            help="Reports learn from it when they write this section.",
        )
        cols[0].text_input("Title (optional; defaults to the file name)", key=K_UPLOAD_TITLE)
        cols[1].text_input("Client (optional)", key=K_UPLOAD_CLIENT, placeholder="e.g. Northwind Coffee Co.")
        cols[0].text_input("Industry (optional)", key=K_UPLOAD_INDUSTRY)
        cols[1].text_input(
            "Tags (comma-separated)", key=K_UPLOAD_TAGS, placeholder="e.g. email, loyalty, gold-standard"
        )
        st.selectbox(
            "Who may learn from it",
            options=list(UPLOAD_SCOPE_OPTIONS),
            key=K_UPLOAD_SCOPE,
            format_func=lambda choice: UPLOAD_SCOPE_WORDS.get(choice, str(choice)),
            help=(
                "The agency library shapes every client's reports: put there only examples that name no "
                "client. A client's own examples shape only that client's reports."
            ),
        )
        st.form_submit_button("Learn from this file", key="learn_upload_submit", on_click=_on_upload)
    if error is not None:
        st.caption("The list of sections is unavailable until AICMO answers again.")
    client_name = get_state(K_UPLOAD_CLIENT, "").strip()
    if client_name:
        st.caption(f"Filed under client id `{client_key(client_name)}` (the id “Forget a client” uses).")
    show_message(K_UPLOAD_MSG)


def _render_forgotten(client: GatewayClient) -> None:
    st.markdown("#### Forgotten clients")
    try:
        forgotten = list(client.list_forgotten_clients().clients)
    except GatewayError as exc:
        show_error(exc, "The list of forgotten clients")
        return
    if not forgotten:
        st.caption("No client has been forgotten.")
        return
    st.caption(
        "Newest first. “Discarded since” counts learning that arrived after the forget from work started "
        "before it (a report being written, a queued batch): it was thrown away, never stored."
    )
    st.dataframe(
        [
            {
                "client": f.client_id,
                "forgotten": format_time(f.forget_time),
                "deleted": f.deleted_count,
                "discarded since": f.discarded_count,
            }
            for f in forgotten
        ],
        hide_index=True,
        width="stretch",
        key="learn_forgotten_table",
    )


def _batch_title(batch: gpb.LearningBatch) -> str:
    return batch.title or (f"report {batch.report_id}" if batch.report_id else batch.name)


def _render_learning_queue(client: GatewayClient) -> None:
    head = st.columns([4, 1], vertical_alignment="bottom")
    head[0].subheader("Learning queue")
    head[1].button("Reload the queue", key="learn_queue_refresh", icon=":material/sync:")
    st.caption(
        "Reports whose learning has not reached memory yet, as held by the generator that answered. "
        "Queued: waiting for the memory service, delivered automatically when it is back. Set aside: memory "
        "rejected them; replay once the cause is fixed, or drop them."
    )
    show_message(K_QUEUE_MSG)
    try:
        queue = client.list_learning_queue()
    except GatewayError as exc:
        show_error(exc, "The learning queue")
        return
    if not queue.batches:
        st.caption("Nothing is waiting: every report has reached memory.")
        return
    st.markdown(f"**{queue.queued_count} queued · {queue.set_aside_count} set aside**")
    for batch in queue.batches:
        title = _batch_title(batch)
        set_aside = batch.state == gpb.QUEUE_STATE_SET_ASIDE
        with st.container(border=True):
            st.markdown(f"**{title}** — {'set aside' if set_aside else 'queued'}")
            facts = [
                f"client `{batch.client_id}`" if batch.client_id else "",
                f"{batch.item_count} item{'s' if batch.item_count != 1 else ''}",
                f"queued {format_time(batch.enqueue_time)}" if batch.enqueue_time else "",
                f"{batch.attempts} attempt{'s' if batch.attempts != 1 else ''}",
            ]
            st.caption(" · ".join(f for f in facts if f))
            if batch.reason:
                if set_aside:
                    st.warning(f"Why it was set aside: {batch.reason}", icon=":material/block:")
                else:
                    st.caption(f"Last delivery error: {batch.reason}")
            if not session.can(session.ADMIN):
                continue  # replaying or dropping is for admins
            cols = st.columns([1, 1, 4])
            cols[0].button(
                "Replay",
                key=f"learn_queue_replay_{batch.name}",
                on_click=_on_replay,
                args=(batch.name, title),
                help="Try to deliver it to memory now.",
            )
            cols[1].button(
                "Drop…", key=f"learn_queue_drop_{batch.name}", on_click=_on_ask_drop, args=(batch.name,)
            )
            if get_state(K_CONFIRM_DROP, "") == batch.name:
                st.warning(
                    f"Drop “{title}” from the learning queue? Its report will never be learned "
                    f"({batch.item_count} item{'s' if batch.item_count != 1 else ''})."
                )
                confirm = st.columns([1, 1, 4])
                confirm[0].button(
                    "Yes, drop it",
                    key=f"learn_queue_drop_confirm_{batch.name}",
                    type="primary",
                    on_click=_on_drop,
                    args=(batch.name, title),
                )
                confirm[1].button(
                    "Cancel", key=f"learn_queue_drop_cancel_{batch.name}", on_click=_on_cancel_drop
                )


def _render_forget() -> None:
    st.subheader("Forget a client")
    st.caption(
        "Deletes everything learned for one client (right to be forgotten). The generator files reports under "
        "the client name lower-cased with runs of other characters replaced by “-”: "
        "“Northwind Coffee Co.” → `northwind-coffee-co`."
    )
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].text_input("Client name or client id", key=K_FORGET_INPUT)
    cols[1].checkbox(
        "Use exactly as typed", key=K_FORGET_EXACT, help="For ids that are not in the usual form."
    )
    target = _forget_target()
    if target:
        st.caption(f"Client id: `{target}`")
    st.button("Count items to forget", key="learn_forget_count", on_click=_on_count_forget)
    pending = get_obj(K_FORGET_PENDING, dict)
    if pending and pending.get("client_id") == target:
        count = int(pending.get("count", 0))
        if count == 0:
            st.info(f"Nothing is learned for client `{target}`; there is nothing to forget.")
        else:
            st.warning(
                f"{count} item{'s' if count != 1 else ''} learned for client `{target}` will be deleted for good."
            )
            confirm = st.columns([2, 1, 3])
            confirm[0].button(
                f"Forget {target} ({count} item{'s' if count != 1 else ''})",
                key="learn_forget_confirm",
                type="primary",
                on_click=_on_forget,
                args=(target,),
            )
            confirm[1].button("Cancel", key="learn_forget_cancel", on_click=_on_cancel_forget)
    show_message(K_FORGET_MSG)
