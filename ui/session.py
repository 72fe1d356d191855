"""Who is signed in to this browser session, and what their role lets the app show.

The services enforce every role themselves; the app only leaves out what the role may not do, so nobody is
offered a button that would be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

AUTH_KEY = "aicmo_auth"
# What the sign-in form says above itself (a refused sign-in, or why the person was signed out).
SIGN_IN_PROBLEM = "signin_error"
VIEWER, OPERATOR, ADMIN = "viewer", "operator", "admin"
_RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}


@dataclass(frozen=True)
class SignedIn:
    token: str
    name: str
    role: str


def current() -> SignedIn | None:
    value: Any = st.session_state.get(AUTH_KEY)
    if isinstance(value, dict) and isinstance(value.get("token"), str) and value.get("role") in _RANK:
        return SignedIn(value["token"], str(value.get("name", "")), value["role"])
    return None


def remember(token: str, name: str, role: str) -> None:
    st.session_state[AUTH_KEY] = {"token": token, "name": name, "role": role}


def forget() -> None:
    st.session_state.pop(AUTH_KEY, None)


def can(role: str) -> bool:
    """Whether the signed-in person's role reaches `role` (viewer < operator < admin)."""
    who = current()
    return who is not None and _RANK[who.role] >= _RANK[role]
