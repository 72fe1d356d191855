"""The Learn tab: Memory Database Stats, browse/search/open/rate/delete learned items, upload reference
examples, and forget a client."""

from __future__ import annotations

import functools
import re
from typing import Any

import streamlit as st

from ui import documents
from ui.api import GatewayClient, GatewayError, ItemPage, LearningItem, SearchHit, client_key
from ui.common import get_obj, get_state, make_client, rating_badge, show_error

COMMON_KINDS = ("full_report", "report_section", "uploaded_example")
ALL_KINDS = "All kinds"

K_KIND = "learn_kind"
K_CLIENT_FILTER = "learn_client_filter"
K_PAGE_SIZE = "learn_page_size"
K_TOKENS = "learn_page_tokens"
K_SEARCH_QUERY = "learn_search_query"
K_SEARCH_TOP_K = "learn_search_top_k"
K_SEARCH_KINDS = "learn_search_kinds"
K_SEARCH_RESULTS = "learn_search_results"
K_SEARCH_MSG = "learn_search_message"
K_OPEN = "learn_open_id"
K_TABLE_IDS = "learn_table_ids"
K_SEARCH_IDS = "learn_search_ids"
K_KNOWN_KINDS = "learn_known_kinds"
K_RATE_CHOICE = "learn_rate_choice"
K_RATE_NOTE = "learn_rate_note"
K_CONFIRM_DELETE = "learn_confirm_delete"
K_ITEM_MSG = "learn_item_message"
K_UPLOAD_FILE = "learn_upload_file"
K_UPLOAD_KIND = "learn_upload_kind"
K_UPLOAD_TITLE = "learn_upload_title"
K_UPLOAD_CLIENT = "learn_upload_client"
K_UPLOAD_INDUSTRY = "learn_upload_industry"
K_UPLOAD_TAGS = "learn_upload_tags"
K_UPLOAD_MSG = "learn_upload_message"
K_FORGET_INPUT = "learn_forget_input"
K_FORGET_EXACT = "learn_forget_exact"
K_FORGET_PENDING = "learn_forget_pending"
K_FORGET_MSG = "learn_forget_message"

RATING_OPTIONS = ("gold", "weak", "clear")


def _say(key: str, level: str, text: str) -> None:
    st.session_state[key] = (level, text)


def _show_message(key: str) -> None:
    message = st.session_state.get(key)
    if isinstance(message, tuple) and len(message) == 2:
        level, text = message
        {"success": st.success, "info": st.info, "warning": st.warning}.get(str(level), st.error)(str(text))


# ---------------------------------------------------------------------------------------------------------
# Callbacks: run before the script, so they may reset widgets.


def _reset_paging() -> None:
    st.session_state[K_TOKENS] = [""]


def _next_page(token: str) -> None:
    tokens: list[str] = get_state(K_TOKENS, [""])
    st.session_state[K_TOKENS] = [*tokens, token]


def _previous_page() -> None:
    tokens: list[str] = get_state(K_TOKENS, [""])
    st.session_state[K_TOKENS] = tokens[:-1] or [""]


def _open_selected_row(table_key: str, ids_key: str) -> None:
    """A row picked in a table opens that item (the tables list ids in `ids_key`, in row order)."""
    table: Any = st.session_state.get(table_key)
    ids: list[str] = get_state(ids_key, [])
    try:
        rows = list(table.selection.rows)
    except AttributeError:
        return
    if rows and 0 <= int(rows[0]) < len(ids):
        st.session_state[K_OPEN] = ids[int(rows[0])]
        st.session_state[K_CONFIRM_DELETE] = ""
        st.session_state[K_ITEM_MSG] = None


def _on_search() -> None:
    query = get_state(K_SEARCH_QUERY, "").strip()
    if not query:
        _say(K_SEARCH_MSG, "warning", "Type something to search for.")
        st.session_state[K_SEARCH_RESULTS] = []
        return
    selected: list[Any] = get_state(K_SEARCH_KINDS, [])
    kinds = [str(k) for k in selected]
    client = make_client()
    try:
        found = client.search(query, top_k=int(get_state(K_SEARCH_TOP_K, 5)), kinds=kinds)
    except GatewayError as exc:
        _say(K_SEARCH_MSG, "error", str(exc))
        return
    finally:
        client.close()
    st.session_state[K_SEARCH_RESULTS] = list(found.results)
    note = f"{len(found.results)} result{'s' if len(found.results) != 1 else ''} for “{query}”"
    note += f" (embedding model {found.embedding_model})" if found.embedding_model else ""
    if found.warnings:
        _say(K_SEARCH_MSG, "warning", note + ". " + " ".join(found.warnings))
    else:
        _say(K_SEARCH_MSG, "info", note + ".")


def _on_rate_item(item_id: str) -> None:
    choice = get_state(K_RATE_CHOICE, "gold")
    rating = "" if choice == "clear" else choice
    note = get_state(K_RATE_NOTE, "").strip()
    client = make_client()
    try:
        item = client.rate_item(item_id, rating, note)
    except GatewayError as exc:
        _say(K_ITEM_MSG, "error", str(exc))
        return
    finally:
        client.close()
    _say(
        K_ITEM_MSG,
        "success",
        f"Saved: “{item.title}” is now {rating_badge(item.rating)}"
        + (f" — {item.rating_note}" if item.rating_note else ""),
    )


def _on_ask_delete(item_id: str) -> None:
    st.session_state[K_CONFIRM_DELETE] = item_id


def _on_cancel_delete() -> None:
    st.session_state[K_CONFIRM_DELETE] = ""


def _on_delete_item(item_id: str, title: str) -> None:
    client = make_client()
    try:
        client.delete_item(item_id)
    except GatewayError as exc:
        _say(K_ITEM_MSG, "error", str(exc))
        return
    finally:
        client.close()
    st.session_state[K_CONFIRM_DELETE] = ""
    st.session_state[K_OPEN] = ""
    results: list[SearchHit] = get_state(K_SEARCH_RESULTS, [])
    st.session_state[K_SEARCH_RESULTS] = [hit for hit in results if hit.item.id != item_id]
    _say(K_ITEM_MSG, "success", f"Deleted “{title}” ({item_id}). It will no longer inform reports.")


def _forget_target() -> str:
    typed = get_state(K_FORGET_INPUT, "").strip()
    return typed if get_state(K_FORGET_EXACT, False) else client_key(typed)


def _on_count_forget() -> None:
    client_id = _forget_target()
    if not client_id:
        _say(K_FORGET_MSG, "warning", "Type a client name or client id first.")
        return
    client = make_client()
    try:
        page = client.list_items(client_id=client_id, page_size=1)
    except GatewayError as exc:
        _say(K_FORGET_MSG, "error", str(exc))
        return
    finally:
        client.close()
    st.session_state[K_FORGET_MSG] = None
    st.session_state[K_FORGET_PENDING] = {"client_id": client_id, "count": page.total_size}


def _on_cancel_forget() -> None:
    st.session_state[K_FORGET_PENDING] = None


def _on_forget(client_id: str) -> None:
    client = make_client()
    try:
        result = client.forget_client(client_id)
    except GatewayError as exc:
        _say(K_FORGET_MSG, "error", str(exc))
        return
    finally:
        client.close()
    st.session_state[K_FORGET_PENDING] = None
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(result.per_kind.items()))
    _say(
        K_FORGET_MSG,
        "success",
        f"Forgot client `{result.client_id}`: deleted {result.deleted_count} item"
        f"{'s' if result.deleted_count != 1 else ''}" + (f" ({kinds})." if kinds else "."),
    )


def _on_upload() -> None:
    uploaded = st.session_state.get(K_UPLOAD_FILE)
    if uploaded is None:
        _say(K_UPLOAD_MSG, "warning", "Choose a file to upload first.")
        return
    try:
        text = documents.read_upload(uploaded.name, uploaded.getvalue())
    except documents.DocumentError as exc:
        _say(K_UPLOAD_MSG, "error", str(exc))
        return
    if len(text) > documents.MAX_ITEM_CHARS:
        _say(
            K_UPLOAD_MSG,
            "error",
            f"{uploaded.name} has {len(text):,} characters of text; one learned item holds at most "
            f"{documents.MAX_ITEM_CHARS:,}. Split it into smaller files.",
        )
        return
    kind = re.sub(r"[^a-z0-9_]+", "_", get_state(K_UPLOAD_KIND, "").strip().lower()).strip("_")
    client_name = get_state(K_UPLOAD_CLIENT, "").strip()
    tags = [t.strip() for t in get_state(K_UPLOAD_TAGS, "").split(",") if t.strip()]
    title = get_state(K_UPLOAD_TITLE, "").strip() or uploaded.name
    client = make_client()
    try:
        recorded = client.record_item(
            kind=kind or "uploaded_example",
            title=title,
            text=text,
            client_id=client_key(client_name) if client_name else "",
            industry=get_state(K_UPLOAD_INDUSTRY, "").strip(),
            tags=tags,
            metadata={"file_name": uploaded.name, "client_name": client_name, "characters": len(text)},
            source="upload",
        )
    except GatewayError as exc:
        _say(K_UPLOAD_MSG, "error", str(exc))
        return
    finally:
        client.close()
    item = recorded.item
    if recorded.created:
        _say(
            K_UPLOAD_MSG,
            "success",
            f"Learned “{item.title}” as a new {item.kind} ({len(text):,} characters, id {item.id}).",
        )
    else:
        _say(
            K_UPLOAD_MSG,
            "info",
            f"Already known: “{item.title}” ({item.kind}, id {item.id}) has the same content, so nothing new "
            "was stored.",
        )


# ---------------------------------------------------------------------------------------------------------
# Rendering.


def render(client: GatewayClient) -> None:
    _render_stats(client)
    st.divider()
    labels: dict[str, str] = {}
    _render_browse(client, labels)
    _render_search(labels)
    _render_item(client, labels)
    st.divider()
    _render_upload()
    st.divider()
    _render_forget()


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
            "Fake (hash) embeddings are in use (AICMO_FAKE_EMBEDDINGS=1): similarity search is not meaningful. "
            "Unset it and restart to use the real embedding model.",
            icon=":material/warning:",
        )
    for warning in summary.warnings:
        st.warning(warning, icon=":material/warning:")
    cols = st.columns(4)
    cols[0].metric("Items learned", f"{summary.total_items:,}")
    cols[1].metric("Gold-rated", summary.per_rating.get("gold", 0))
    cols[2].metric("Weak-rated", summary.per_rating.get("weak", 0))
    cols[3].metric("Kinds", len(summary.per_kind))
    st.caption(
        f"Embedding model: **{summary.embedding_model or 'unknown'}** ({summary.embedding_dimensions} dimensions)"
        f" · storage: `{summary.storage or 'unknown'}`"
    )
    charts = st.columns(2)
    with charts[0]:
        st.markdown("**Items per kind**")
        if summary.per_kind:
            rows = [{"kind": k, "items": n} for k, n in sorted(summary.per_kind.items())]
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


def _render_browse(client: GatewayClient, labels: dict[str, str]) -> None:
    st.subheader("Learned items")
    cols = st.columns([2, 2, 1])
    kinds = list(dict.fromkeys([*COMMON_KINDS, *get_state(K_KNOWN_KINDS, [])]))
    cols[0].selectbox("Kind", options=[ALL_KINDS, *kinds], key=K_KIND, on_change=_reset_paging)
    cols[1].text_input("Client id (optional)", key=K_CLIENT_FILTER, on_change=_reset_paging)
    cols[2].selectbox(
        "Per page", options=[10, 20, 50, 100], index=1, key=K_PAGE_SIZE, on_change=_reset_paging
    )
    tokens: list[str] = get_state(K_TOKENS, [""]) or [""]
    kind = get_state(K_KIND, ALL_KINDS)
    try:
        page: ItemPage = client.list_items(
            kind="" if kind == ALL_KINDS else kind,
            client_id=get_state(K_CLIENT_FILTER, "").strip(),
            page_size=int(get_state(K_PAGE_SIZE, 20)),
            page_token=tokens[-1],
        )
    except GatewayError as exc:
        show_error(exc, "The item list")
        return
    page_number = len(tokens)
    first = (page_number - 1) * int(get_state(K_PAGE_SIZE, 20)) + 1
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
            key="learn_items_table",
            on_select=functools.partial(_open_selected_row, "learn_items_table", K_TABLE_IDS),
            selection_mode="single-row",
        )
        st.caption("Select a row to open the item below.")
    else:
        st.caption("No learned items match." if page_number == 1 else "No more items.")
    for item in page.items:
        labels[item.id] = _label(item)
    nav = st.columns([1, 1, 4])
    nav[0].button("← Previous", key="learn_prev", disabled=page_number <= 1, on_click=_previous_page)
    nav[1].button(
        "Next →",
        key="learn_next",
        disabled=not page.next_page_token,
        on_click=_next_page,
        args=(page.next_page_token,),
    )


def _row(item: LearningItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "kind": item.kind,
        "client": item.client_id,
        "rating": item.rating or "",
        "learned": item.create_time[:19].replace("T", " "),
        "source": item.source,
        "id": item.id,
    }


def _label(item: LearningItem) -> str:
    return f"{item.title or '(untitled)'} · {item.kind} · {item.id[:8]}"


def _render_search(labels: dict[str, str]) -> None:
    with st.form("learn_search_form", border=False):
        cols = st.columns([4, 1, 2], vertical_alignment="bottom")
        cols[0].text_input(
            "Search what was learned", key=K_SEARCH_QUERY, placeholder="e.g. loyalty offer for coffee"
        )
        cols[1].number_input("Top", min_value=1, max_value=50, value=5, step=1, key=K_SEARCH_TOP_K)
        cols[2].multiselect("Kinds", options=list(COMMON_KINDS), key=K_SEARCH_KINDS, placeholder="All kinds")
        st.form_submit_button("Search", key="learn_search_submit", on_click=_on_search)
    _show_message(K_SEARCH_MSG)
    results: list[SearchHit] = get_state(K_SEARCH_RESULTS, [])
    if results:
        st.dataframe(
            [
                {"score": round(h.score, 3), "similarity": round(h.similarity, 3), **_row(h.item)}
                for h in results
            ],
            hide_index=True,
            width="stretch",
            key="learn_search_table",
        )
        for hit in results:
            labels.setdefault(hit.item.id, _label(hit.item))


def _render_item(client: GatewayClient, labels: dict[str, str]) -> None:
    st.markdown("#### Open an item")
    _show_message(K_ITEM_MSG)
    current = get_state(K_OPEN, "")
    if current and current not in labels:
        labels[current] = current
    options = ["", *labels]
    st.selectbox(
        "Item",
        options=options,
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
        st.markdown(f"**{item.title or '(untitled)'}** — {item.kind} · {rating_badge(item.rating)}")
        facts = [
            f"id `{item.id}`",
            f"client `{item.client_id}`" if item.client_id else "",
            f"industry {item.industry}" if item.industry else "",
            f"package `{item.package_key}`" if item.package_key else "",
            f"section `{item.section_id}`" if item.section_id else "",
            f"source {item.source}" if item.source else "",
            f"learned {item.create_time}" if item.create_time else "",
            f"model {item.embedding_model}" if item.embedding_model else "",
        ]
        st.caption(" · ".join(f for f in facts if f))
        if item.tags:
            st.caption("Tags: " + ", ".join(item.tags))
        if item.rating_note:
            st.caption(f"Rating note: {item.rating_note}")
        with st.expander("Text", expanded=False):
            st.markdown(item.text)
        if item.metadata:
            with st.expander("Metadata", expanded=False):
                st.json(item.metadata)
        cols = st.columns([2, 3, 1, 1], vertical_alignment="bottom")
        cols[0].radio(
            "Rating",
            options=list(RATING_OPTIONS),
            key=K_RATE_CHOICE,
            horizontal=True,
            format_func=lambda r: {"clear": "clear rating"}.get(r, r),
        )
        cols[1].text_input("Note", key=K_RATE_NOTE, placeholder="Why?")
        cols[2].button("Save rating", key="learn_rate_submit", on_click=_on_rate_item, args=(item.id,))
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


def _render_upload() -> None:
    st.subheader("Upload reference examples")
    st.caption(
        "Good examples teach AICMO what great looks like: they are embedded and retrieved for similar briefs."
    )
    with st.form("learn_upload_form"):
        st.file_uploader(
            "Example file (.txt, .md, .pdf or .docx)",
            type=list(documents.SUPPORTED_UPLOADS),
            key=K_UPLOAD_FILE,
        )
        cols = st.columns(2)
        if K_UPLOAD_KIND not in st.session_state:
            st.session_state[K_UPLOAD_KIND] = "uploaded_example"
        cols[0].text_input("Kind", key=K_UPLOAD_KIND)
        cols[1].text_input("Title (optional; defaults to the file name)", key=K_UPLOAD_TITLE)
        cols[0].text_input("Client (optional)", key=K_UPLOAD_CLIENT, placeholder="e.g. Northwind Coffee Co.")
        cols[1].text_input("Industry (optional)", key=K_UPLOAD_INDUSTRY)
        st.text_input(
            "Tags (comma-separated)", key=K_UPLOAD_TAGS, placeholder="e.g. email, loyalty, gold-standard"
        )
        st.form_submit_button("Learn from this file", key="learn_upload_submit", on_click=_on_upload)
    client_name = get_state(K_UPLOAD_CLIENT, "").strip()
    if client_name:
        st.caption(f"Filed under client id `{client_key(client_name)}` (the id “Forget a client” uses).")
    _show_message(K_UPLOAD_MSG)


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
    _show_message(K_FORGET_MSG)
