"""Audit (admins only): who did what, when, to which client, with the request id and the outcome."""

from __future__ import annotations

import streamlit as st

from ui.api import GatewayClient, GatewayError
from ui.common import get_state, pager, reset_paging, show_error
from ui.contract import aupb

K_CLIENT = "audit_client"
K_PERSON = "audit_person"
K_PAGES = "audit_pages"  # page tokens of the pages before the one shown
PAGE_SIZE = 50


def render(client: GatewayClient) -> None:
    st.subheader("Audit trail")
    st.caption(
        "Every change, allowed or refused: generate, rate, edit, regenerate, upload, delete, share, forget, "
        "replay or drop of set-aside learning, sign-in and account changes. Entries are never changed or "
        "removed; forgetting a client keeps them."
    )
    cols = st.columns(2)
    cols[0].text_input(
        "Client id", key=K_CLIENT, on_change=reset_paging, args=(K_PAGES,), placeholder="all clients"
    )
    cols[1].text_input(
        "Person", key=K_PERSON, on_change=reset_paging, args=(K_PAGES,), placeholder="everyone"
    )
    pages = get_state(K_PAGES, [""])
    request = aupb.ListAuditEntriesRequest(
        client_id=get_state(K_CLIENT, "").strip(),
        person=get_state(K_PERSON, "").strip(),
        page_size=PAGE_SIZE,
        page_token=pages[-1],
    )
    try:
        response = client.list_audit(request)
    except GatewayError as exc:
        show_error(exc, "The audit trail")
        return
    rows = [
        {
            "when": e.at.ToDatetime().strftime("%Y-%m-%d %H:%M:%S") if e.HasField("at") else "",
            "person": e.person or "(no sign-in)",
            "role": e.role or ("service " + e.service if e.service else ""),
            "action": e.action,
            "client": e.client_id,
            "target": e.target,
            "outcome": e.outcome,
            "request id": e.request_id,
        }
        for e in response.entries
    ]
    if not rows:
        st.info("No entries match.")
    else:
        st.dataframe(rows, hide_index=True, width="stretch", key="audit_table")
    pager(K_PAGES, response.next_page_token, "audit", ("Newer", "Older"))
    st.caption(
        "To export: `GET /api/audit` (a page at a time) or `python -m services.memory audit export "
        "--format csv` (or jsonl) on the memory host."
    )
