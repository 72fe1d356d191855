"""Helpers for driving ui/app.py with Streamlit's own test harness (AppTest)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from services.common.client_ids import client_key
from tests.e2e.stack import ADMIN, ADMIN_PASSWORD, StackProcess, http
from tests.support import ROOT, wait_until_embedded
from ui.api import GatewayClient
from ui.contract import parse_dict, rpb
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


# -- what the real services hold, over REST (as the stack's first admin) --------------------------------


def reports_of(stack: StackProcess, client: str) -> list[dict[str, Any]]:
    answer = stack.get(f"/api/reports?client_id={quote(client_key(client))}")
    assert answer.status == 200, answer.body
    reports: list[dict[str, Any]] = answer.json().get("reports", [])
    return reports


def versions_of(stack: StackProcess, history_id: str) -> list[rpb.ReportVersion]:
    """A report's versions as the real archive keeps them (each with its text), oldest first."""
    listed = stack.get(f"/api/reports/{history_id}/versions")
    assert listed.status == 200, listed.body
    out = []
    for short in listed.json()["versions"]:
        full = stack.get(f"/api/reports/{history_id}/versions/{short['version']}")
        assert full.status == 200, full.body
        out.append(parse_dict(full.json()["version"], rpb.ReportVersion))
    return out


def section_text(version: rpb.ReportVersion, section_id: str) -> str:
    return next(s.markdown for s in version.sections if s.section_id == section_id)


def item(stack: StackProcess, item_id: str) -> dict[str, Any]:
    answer = stack.get(f"/api/learn/items/{item_id}")
    assert answer.status == 200, answer.body
    found: dict[str, Any] = answer.json()["item"]
    return found


def record(stack: StackProcess, **fields: Any) -> dict[str, Any]:
    """Stores a learning item through memory's own RecordItem (fields are LearningItem's)."""
    answer = stack.post("/api/learn/items", {"item": fields})
    assert answer.status == 200, answer.body
    stored: dict[str, Any] = answer.json()["item"]
    return stored


def items_of(stack: StackProcess, client_id: str, kind: str = "") -> list[dict[str, Any]]:
    """A client's learned items, newest first."""
    query = f"client_id={quote(client_id)}&page_size=100" + (f"&kind={kind}" if kind else "")
    answer = stack.get(f"/api/learn/items?{query}")
    assert answer.status == 200, answer.body
    found: list[dict[str, Any]] = answer.json().get("items", [])
    return found


def embedded(stack: StackProcess) -> None:
    """Waits until memory has embedded everything recorded so far (search finds only embedded items)."""
    wait_until_embedded(lambda: int(stack.get("/api/learn/debug/summary").json().get("embedding_backlog", 0)))
