"""AICMO operator app (Streamlit). Run from the repo root: `python -m streamlit run ui/app.py`.

It talks only to the REST gateway (AICMO_GATEWAY_URL). People sign in; every call carries their token, and
the app shows only what their role may do (the services enforce it either way).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ (not the repo root) on sys.path; the app imports the `ui` package.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from ui import audit_tab, generate_tab, history_tab, learn_tab, session  # noqa: E402
from ui.api import GatewayClient, GatewayError, Health  # noqa: E402
from ui.common import GATEWAY_DOWN_KEY, make_client, technical_details  # noqa: E402
from ui.contract import apb, gpb  # noqa: E402
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


def _render_who() -> None:
    who = session.current()
    if who is None:
        return
    with st.sidebar:
        st.divider()
        st.caption(f"Signed in as **{who.name}** ({who.role})")
        st.button("Sign out", key="sidebar_sign_out", on_click=session.forget)


_ROLE_NAMES = {
    apb.ROLE_VIEWER: session.VIEWER,
    apb.ROLE_OPERATOR: session.OPERATOR,
    apb.ROLE_ADMIN: session.ADMIN,
}
K_SIGNIN_ERROR = session.SIGN_IN_PROBLEM


def _on_sign_in() -> None:
    name = str(st.session_state.get("signin_name", "")).strip()
    password = str(st.session_state.get("signin_password", ""))
    st.session_state["signin_password"] = ""  # never kept in the session
    st.session_state[K_SIGNIN_ERROR] = None
    if not name or not password:
        st.session_state[K_SIGNIN_ERROR] = "Enter your name and password."
        return
    client = make_client()
    try:
        response = client.sign_in(name, password)
    except GatewayError as exc:
        st.session_state[K_SIGNIN_ERROR] = exc
        return
    finally:
        client.close()
    role = _ROLE_NAMES.get(response.account.role)
    if role is None:
        st.session_state[K_SIGNIN_ERROR] = "AICMO gave this account no role the app knows."
        return
    session.remember(response.token, response.account.name, role)


def _render_sign_in() -> None:
    st.subheader("Sign in")
    with st.form("signin_form", border=True):
        st.text_input("Name", key="signin_name", autocomplete="username")
        st.text_input("Password", key="signin_password", type="password", autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", key="signin_submit", on_click=_on_sign_in)
    problem = st.session_state.get(K_SIGNIN_ERROR)
    if isinstance(problem, GatewayError):
        st.error(str(problem))
        technical_details(problem.detail)
    elif isinstance(problem, str) and problem:
        st.error(problem)


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
        _render_who()
        if session.current() is None:
            _render_sign_in()
            return
        # Viewers read; operators also write reports; admins also read the audit trail.
        names = ["Generate"] if session.can(session.OPERATOR) else []
        names += ["History", "Learn"] + (["Audit"] if session.can(session.ADMIN) else [])
        tabs = dict(zip(names, st.tabs(names), strict=True))
        if "Generate" in tabs:
            with tabs["Generate"]:
                generate_tab.render(client)
        with tabs["History"]:
            history_tab.render(client)
        with tabs["Learn"]:
            learn_tab.render(client)
        if "Audit" in tabs:
            with tabs["Audit"]:
                audit_tab.render(client)
    finally:
        client.close()


main()
