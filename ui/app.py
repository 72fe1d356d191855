"""AICMO operator app (Streamlit). Run from the repo root: `python -m streamlit run ui/app.py`.

It talks only to the REST gateway (AICMO_GATEWAY_URL, with AICMO_API_TOKEN as a bearer token when set).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ (not the repo root) on sys.path; the app imports the `ui` package.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from ui import generate_tab, history_tab, learn_tab  # noqa: E402
from ui.api import GatewayClient, GatewayError, Health  # noqa: E402
from ui.common import GATEWAY_DOWN_KEY, make_client, technical_details  # noqa: E402
from ui.contract import gpb  # noqa: E402
from ui.labels import DOWN_MEANS, SERVING_WORDS, component_label, enum_name  # noqa: E402


def _render_sidebar(client: GatewayClient) -> None:
    """What works and what does not, in plain words; sets GATEWAY_DOWN_KEY for the tabs."""
    st.session_state[GATEWAY_DOWN_KEY] = None
    with st.sidebar:
        st.markdown("### AICMO")
        try:
            health = client.health()
        except GatewayError as exc:
            if exc.kind in ("unreachable", "timeout"):
                # Said in full at the top of the page, with the technical details.
                st.session_state[GATEWAY_DOWN_KEY] = exc
                st.error("AICMO cannot be reached.", icon=":material/cloud_off:")
            else:
                st.error(str(exc))
                technical_details(f"Gateway: `{client.base_url}`", exc.detail)
            st.button("Check again", key="sidebar_health_refresh")
            return
        _render_health(health, client.base_url)
        st.button("Check again", key="sidebar_health_refresh")


def _render_health(health: Health, gateway_url: str) -> None:
    response = health.response
    down = [c for c in response.components if c.state != gpb.SERVING_STATE_SERVING]
    if health.serving:
        st.success("All services are serving", icon=":material/check_circle:")
    elif down:
        names = ", ".join(component_label(c.name) for c in down)
        st.warning(f"Not everything works: {names}.", icon=":material/warning:")
    else:
        st.warning("Part of AICMO is not working.", icon=":material/warning:")
    for component in response.components:
        up = component.state == gpb.SERVING_STATE_SERVING
        words = SERVING_WORDS.get(component.state, "unknown")
        st.caption(f"{':green[●]' if up else ':red[●]'} {component_label(component.name)}: {words}")
    for component in down:
        if component.name in DOWN_MEANS:
            st.caption(DOWN_MEANS[component.name])
    if response.pending_learning:
        st.caption(
            f"{response.pending_learning} report(s) wait to be learned; they are learned automatically once "
            "memory answers."
        )
    if response.set_aside_learning:
        st.caption(
            f":orange[{response.set_aside_learning} report(s) set aside]: memory refused to learn them. "
            "See “Learning queue” in the Learn tab to retry or drop them."
        )
    technical_details(
        f"Gateway: `{gateway_url}`",
        *(
            f"{c.name}: {enum_name(gpb.ServingState, c.state)}" + (f" — {c.detail}" if c.detail else "")
            for c in response.components
        ),
        f"Gateway said: {health.detail}" if health.detail else "",
    )


def main() -> None:
    st.set_page_config(page_title="AICMO operator", page_icon=":material/campaign:", layout="wide")
    client = make_client()
    try:
        _render_sidebar(client)
        st.title("AICMO — AI chief marketing officer")
        down = st.session_state.get(GATEWAY_DOWN_KEY)
        if isinstance(down, GatewayError):
            st.error(
                "AICMO is not running or cannot be reached, so reports cannot be written and what it learned "
                "cannot be shown right now. What you type here is kept: start AICMO (or ask whoever runs it), "
                "then press “Check again” in the sidebar.",
                icon=":material/cloud_off:",
            )
            technical_details(f"Gateway: `{client.base_url}`", down.detail)
        generate, history, learn = st.tabs(["Generate", "History", "Learn"])
        with generate:
            generate_tab.render(client)
        with history:
            history_tab.render(client)
        with learn:
            learn_tab.render(client)
    finally:
        client.close()


main()
