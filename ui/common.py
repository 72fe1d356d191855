"""Small helpers the tabs share: the gateway client from settings, error display, typed session state."""

from __future__ import annotations

import datetime
import re
from typing import Any, TypeVar

import streamlit as st

from ui.api import GatewayClient, GatewayError, LearningItem
from ui.settings import UISettings

T = TypeVar("T")

# Set by app.py at the start of every run: the message when the gateway is not reachable, else "".
GATEWAY_DOWN_KEY = "_aicmo_gateway_down"


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


def show_error(exc: GatewayError, where: str = "") -> None:
    """The error's message; when the gateway is down (already said at the top), a short note instead."""
    down = get_state(GATEWAY_DOWN_KEY, "")
    if down and exc.kind == "unreachable":
        st.caption(
            f"{where or 'This'} is unavailable while the gateway is not reachable (see the message above)."
        )
    else:
        st.error(str(exc), icon=":material/error:")


def format_ms(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def format_timings(timings: dict[str, float]) -> str:
    """e.g. "retrieve 11 ms · compose 4 ms · record 1.5 s · total 1.5 s" (stages in pipeline order)."""
    order = ["validate", "retrieve", "compose", "record", "total"]
    stages: dict[str, float] = {}
    for key, value in timings.items():
        name = key.removesuffix("_ms")
        if name == "deadline":
            continue
        stages[name] = value
    names = sorted(stages, key=lambda n: (order.index(n) if n in order else len(order) - 0.5, n))
    return " · ".join(f"{name} {format_ms(stages[name])}" for name in names)


def rating_badge(rating: str) -> str:
    return {"gold": "★ gold", "weak": "▽ weak"}.get(rating, "unrated")


_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def format_time(value: str) -> str:
    """An RFC 3339 timestamp (as the gateway prints them) as "2026-05-01 12:34:56 UTC"; others unchanged."""
    match = _TIMESTAMP.match(value.strip())
    if not match:
        return value
    offset = match.group(3)
    zone = "+00:00" if offset in (None, "Z") else offset
    try:
        moment = datetime.datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{zone}")
    except ValueError:
        return value
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def scope_label(item: LearningItem) -> str:
    """Who may learn from an item, in words: "agency library" or "this client only"."""
    return "agency library" if item.shared else "this client only"
