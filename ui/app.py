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

from ui import generate_tab, learn_tab  # noqa: E402
from ui.api import GatewayClient, GatewayError  # noqa: E402
from ui.common import GATEWAY_DOWN_KEY, make_client  # noqa: E402


def _render_sidebar(client: GatewayClient) -> None:
    """The gateway's address and the system's health; sets GATEWAY_DOWN_KEY for the tabs."""
    st.session_state[GATEWAY_DOWN_KEY] = ""
    with st.sidebar:
        st.markdown("### AICMO")
        st.caption(f"Gateway: `{client.base_url}`")
        try:
            health = client.health()
        except GatewayError as exc:
            if exc.kind in ("unreachable", "timeout"):
                st.session_state[GATEWAY_DOWN_KEY] = str(exc)
            st.error("Gateway: not reachable" if exc.kind == "unreachable" else str(exc))
            return
        if health.serving:
            st.success("All services are serving", icon=":material/check_circle:")
        else:
            st.warning(f"Degraded: {health.detail or health.status}", icon=":material/warning:")
        for component in health.components:
            mark = ":green[●]" if component.status == "SERVING" else ":red[●]"
            detail = f" — {component.detail}" if component.detail else ""
            st.caption(f"{mark} {component.name}: {component.status}{detail}")
        if health.pending_learning:
            st.caption(
                f"{health.pending_learning} report(s) wait to be learned (memory was unreachable); "
                "they are delivered automatically."
            )
        if health.set_aside_learning:
            st.caption(
                f":orange[{health.set_aside_learning} report(s) set aside]: memory rejected their learning. "
                "See “Learning queue” in the Learn tab to replay or drop them."
            )
        st.button("Check again", key="sidebar_health_refresh")


def main() -> None:
    st.set_page_config(page_title="AICMO operator", page_icon=":material/campaign:", layout="wide")
    client = make_client()
    try:
        _render_sidebar(client)
        st.title("AICMO — AI chief marketing officer")
        down = st.session_state.get(GATEWAY_DOWN_KEY)
        if down:
            st.error(str(down), icon=":material/cloud_off:")
        generate, learn = st.tabs(["Generate", "Learn"])
        with generate:
            generate_tab.render(client)
        with learn:
            learn_tab.render(client)
    finally:
        client.close()


main()
