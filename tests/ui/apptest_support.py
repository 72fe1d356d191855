"""Helpers for driving ui/app.py with Streamlit's own test harness (AppTest)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.e2e.stack import ADMIN, ADMIN_PASSWORD, http
from tests.support import ROOT
from ui.api import GatewayClient
from ui.session import AUTH_KEY

APP = ROOT / "ui" / "app.py"
ARTIFACTS = ROOT / "var" / "artifacts" / "ui"
# One script run may stream a whole report from the real stack.
RUN_TIMEOUT = 90.0


# What the app holds when no gateway answers the sign-in (a test of the app with AICMO down).
UNSIGNED_TOKEN = "no-gateway-to-sign-in-with"


def new_app(
    monkeypatch: pytest.MonkeyPatch,
    gateway_url: str,
    token: str | None = None,
    *,
    role: str = "admin",
    name: str = "admin",
    signed_in: bool = True,
) -> AppTest:
    """The app against `gateway_url`, already signed in as an admin (the stack's first admin, through the
    real sign-in), or as `name`/`role` with `token`.
    `signed_in=False` starts at the sign-in form."""
    monkeypatch.setenv("AICMO_GATEWAY_URL", gateway_url)
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    if signed_in:
        at.session_state[AUTH_KEY] = {"token": token or _admin_token(gateway_url), "name": name, "role": role}
    return at


def _admin_token(gateway_url: str) -> str:
    """The first admin's token (signed in once per gateway), or UNSIGNED_TOKEN when no gateway answers."""
    if gateway_url not in _TOKENS:
        try:
            answer = http(
                "POST",
                gateway_url + "/api/auth/sign_in",
                {"name": ADMIN, "password": ADMIN_PASSWORD},
                timeout=30,
            )
        except OSError:  # no gateway there (a test of the app with AICMO down)
            return UNSIGNED_TOKEN
        assert answer.status == 200, (answer.status, answer.body[:300])
        _TOKENS[gateway_url] = str(answer.json()["token"])
    return _TOKENS[gateway_url]


_TOKENS: dict[str, str] = {}


def unique(name: str) -> str:
    """`name` with a short random suffix: the tests share one stack, so each works with clients of its own."""
    return f"{name} {uuid.uuid4().hex[:6]}"


def run(at: AppTest) -> AppTest:
    """One script run; it must finish without an exception shown in the app."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return values[0]


def texts(at: AppTest) -> str:
    """Everything the page says (markdown, captions and alerts) as one string, for `in` checks."""
    parts: list[str] = []
    for group in (at.markdown, at.caption, at.error, at.warning, at.info, at.success):
        parts += [str(e.value) for e in group]
    parts += [e.label for e in at.expander] + [s.label for s in at.status]
    return "\n".join(parts)


def alerts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def table_with(at: AppTest, column: str) -> Any:
    """The first table (as a pandas DataFrame) that has `column`: e.g. "score" picks the search results,
    "scope" the learned items, "discarded since" the forgotten clients."""
    tables = [d.value for d in at.dataframe]
    found = [t for t in tables if column in t.columns]
    assert found, f"no table with a {column!r} column in {[list(t.columns) for t in tables]}"
    return found[0]


def fill_brief(
    at: AppTest,
    *,
    client: str,
    brand: str,
    package: str = "quick_social_basic",
    industry: str = "Coffee & cafés",
    other_industry: str = "",
    launch: datetime.date | None = None,
    raw_text: str = "",
) -> None:
    at.text_input(key="brief_client_name").input(client)
    at.text_input(key="brief_brand_name").input(brand)
    at.text_input(key="brief_product_service").input("Specialty coffee subscription")
    at.selectbox(key="brief_industry").select(industry)
    if other_industry:
        at.text_input(key="brief_industry_other").input(other_industry)
    at.text_input(key="brief_geography").input("Seattle")
    at.text_area(key="brief_audience").input("Commuters who love good coffee")
    at.text_area(key="brief_objectives").input("Grow subscriptions by 30%")
    at.text_input(key="brief_budget").input("$50,000")
    at.text_input(key="brief_timeline").input("8 weeks")
    at.text_area(key="brief_constraints").input("No discounts above 20%")
    if launch is not None:
        at.date_input(key="brief_launch_date").set_value(launch)
    if raw_text:
        at.text_area(key="brief_raw_text").input(raw_text)
    at.selectbox(key="gen_package").select(package)


@contextmanager
def stack_logs_on_failure(stack: Any, name: str) -> Iterator[None]:
    """When the block fails, keep the stack's logs in var/artifacts/ui/ (the stack's own dir is removed)."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{name}-stack-logs.txt").write_text(stack.all_logs()[-300_000:])
        raise


def spy(monkeypatch: pytest.MonkeyPatch, method: str) -> list[Any]:
    """What the app passes to `GatewayClient.<method>` (its request message, or first argument), in order: what
    the app sent, read in the test's own process (AppTest runs the app here), the real call going ahead."""
    calls: list[Any] = []
    original = getattr(GatewayClient, method)

    def recording(self: GatewayClient, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GatewayClient, method, recording)
    return calls


def body(message: Message) -> dict[str, Any]:
    """A request message as its JSON body (proto field names, defaults left out)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)
