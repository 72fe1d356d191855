"""Small helpers the tabs share: the gateway client from settings, errors and messages in plain words with
the technical part one click away, the package catalogue, typed session state."""

from __future__ import annotations

from typing import Any, TypeVar

import streamlit as st

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
    """A gateway client from the current settings (read on every call, so tests and restarts see changes)."""
    settings = UISettings()
    return GatewayClient(
        settings.gateway_url,
        settings.token(),
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
    st.error(str(exc), icon=":material/error:")
    technical_details(exc.detail)


def say(key: str, level: str, text: str, detail: str = "") -> None:
    """Leaves a message for the next run (callbacks run before the script): level, text, technical detail."""
    st.session_state[key] = (level, text, detail)


def say_error(key: str, exc: GatewayError) -> None:
    say(key, "error", str(exc), exc.detail)


def show_message(key: str) -> None:
    """The message a callback left under `key`, if any."""
    message = st.session_state.get(key)
    if not (isinstance(message, tuple) and len(message) in (2, 3)):
        return
    level, text, *rest = message
    show = {"success": st.success, "info": st.info, "warning": st.warning}.get(str(level), st.error)
    show(str(text))
    if rest:
        technical_details(str(rest[0]))


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
