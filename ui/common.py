"""Small helpers the tabs share: the gateway client from settings, errors and messages in plain words with
the technical part one click away, the package catalogue, typed session state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from ui import session
from ui.api import GatewayClient, GatewayError
from ui.contract import gpb
from ui.settings import UISettings

T = TypeVar("T")

# Set by app.py at the start of every run: the error when the gateway is not reachable, else None.
GATEWAY_DOWN_KEY = "_aicmo_gateway_down"
# The package catalogue, loaded once per session (Generate's package choice, Learn's section picker).
PACKAGES_KEY = "gen_packages_cache"
TECHNICAL = "Technical details"


def make_client() -> GatewayClient:
    """A gateway client from the current settings (read on every call, so tests and restarts see changes),
    carrying the signed-in person's token."""
    settings = UISettings()
    signed_in = session.current()
    return GatewayClient(
        settings.gateway_url,
        signed_in.token if signed_in else None,
        connect_timeout=settings.ui_connect_timeout_seconds,
        read_timeout=settings.ui_read_timeout_seconds,
    )


def get_state(key: str, default: T) -> T:
    """st.session_state[key] when it has the default's type, else the default."""
    value: Any = st.session_state.get(key, default)
    return value if isinstance(value, type(default)) else default


def get_obj(key: str, kind: type[T]) -> T | None:
    value: Any = st.session_state.get(key)
    return value if isinstance(value, kind) else None


def technical_details(*lines: str, label: str = TECHNICAL) -> None:
    """Technical detail for whoever runs AICMO, one click away (an expander), never in the operator's way."""
    shown = [line for line in lines if line]
    if shown:
        with st.expander(label, icon=":material/build:"):
            st.caption("  \n".join(shown))


def show_error(exc: GatewayError, where: str = "") -> None:
    """The error in plain words, with its technical detail one click away. While the gateway is down
    (already said at the top of the page) a short note instead."""
    down = get_obj(GATEWAY_DOWN_KEY, GatewayError)
    if down is not None and exc.kind == "unreachable":
        st.caption(f"{where or 'This'} is unavailable while AICMO cannot be reached (see the message above).")
        return
    if exc.kind == "unauthorized" and session.current() is not None:
        # The token expired or its key was retired: back to the sign-in form, saying why.
        session.forget()
        st.session_state[session.SIGN_IN_PROBLEM] = (
            "Your sign-in has expired or is no longer valid: sign in again."
        )
        st.rerun()
    st.error(str(exc), icon=":material/error:")
    technical_details(exc.detail)


def say(key: str, level: str, text: str, detail: str = "") -> None:
    """Leaves a message for the next run (callbacks run before the script): level, text, technical detail."""
    st.session_state[key] = (level, text, detail)


def say_error(key: str, exc: GatewayError) -> None:
    say(key, "error", str(exc), exc.detail)


def call_or_say(key: str, call: Callable[[GatewayClient], T]) -> T | None:
    """`call` with a fresh gateway client (closed afterwards): its answer, or None after leaving the error
    under `key` for the next run. Only for calls whose answer is never None."""
    client = make_client()
    try:
        return call(client)
    except GatewayError as exc:
        say_error(key, exc)
        return None
    finally:
        client.close()


def show_said(level: str, text: str, detail: str = "") -> None:
    """A message at its level (success, info, warning; anything else an error), its detail one click away."""
    show = {"success": st.success, "info": st.info, "warning": st.warning}.get(level, st.error)
    show(text)
    technical_details(detail)


def show_message(key: str) -> None:
    """The message a callback left under `key`, if any."""
    message = st.session_state.get(key)
    if not (isinstance(message, tuple) and len(message) in (2, 3)):
        return
    level, text, *rest = message
    show_said(str(level), str(text), str(rest[0]) if rest else "")


# ---------------------------------------------------------------------------------------------------------
# Paged tables (callbacks: the page tokens so far live under `tokens_key`, the first page's being "").


def reset_paging(tokens_key: str) -> None:
    st.session_state[tokens_key] = [""]


def next_page(tokens_key: str, token: str) -> None:
    tokens: list[str] = get_state(tokens_key, [""])
    st.session_state[tokens_key] = [*tokens, token]


def previous_page(tokens_key: str) -> None:
    tokens: list[str] = get_state(tokens_key, [""])
    st.session_state[tokens_key] = tokens[:-1] or [""]


def pager(
    tokens_key: str, next_token: str, key: str, labels: tuple[str, str] = ("← Previous", "Next →")
) -> None:
    """The buttons under a paged table (keys `<key>_prev` and `<key>_next`): back to the page before, and on
    to the page `next_token` starts (none: this is the last page)."""
    tokens: list[str] = get_state(tokens_key, [""]) or [""]
    nav = st.columns([1, 1, 4])
    nav[0].button(
        labels[0], key=f"{key}_prev", disabled=len(tokens) <= 1, on_click=previous_page, args=(tokens_key,)
    )
    nav[1].button(
        labels[1],
        key=f"{key}_next",
        disabled=not next_token,
        on_click=next_page,
        args=(tokens_key, next_token),
    )


def open_selected_row(
    table_key: str, ids_key: str, open_key: str, also: Mapping[str, Any] | None = None
) -> None:
    """A row picked in the table under `table_key` opens its id (the table lists ids in `ids_key`, in row
    order) under `open_key`, and then sets the state in `also` (say, to close what the last one had open)."""
    table: Any = st.session_state.get(table_key)
    ids: list[str] = get_state(ids_key, [])
    try:
        rows = list(table.selection.rows)
    except AttributeError:
        return
    if rows and 0 <= int(rows[0]) < len(ids):
        st.session_state[open_key] = ids[int(rows[0])]
        for key, value in (also or {}).items():
            st.session_state[key] = value


def load_packages(client: GatewayClient) -> tuple[list[gpb.Package], GatewayError | None]:
    """The package catalogue (cached for the session once loaded), or the error that kept it away."""
    cached: list[gpb.Package] = get_state(PACKAGES_KEY, [])
    if cached:
        return cached, None
    try:
        packages = list(client.list_packages().packages)
    except GatewayError as exc:
        return [], exc
    st.session_state[PACKAGES_KEY] = packages
    return packages, None


def all_sections(packages: list[gpb.Package]) -> dict[str, str]:
    """Every section id in the catalogue with its title, in the order the packages first list them."""
    sections: dict[str, str] = {}
    for package in packages:
        for section in package.sections:
            sections.setdefault(section.id, section.title)
    return sections
