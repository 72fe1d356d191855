"""Signing in to the app (AppTest against the fake gateway), and what each role is shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ui.apptest_support import alerts, new_app, run
from tests.ui.fake_gateway import FakeGateway, running_fake_gateway
from ui.contract import apb


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        server.accounts = {"olive": ("a-long-password", apb.ROLE_OPERATOR)}
        yield server


def test_nothing_but_sign_in_until_signed_in(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url, signed_in=False))
    assert not at.tabs
    at.text_input(key="signin_name").input("olive")
    at.text_input(key="signin_password").input("wrong-password")
    at.button(key="signin_submit").click()
    run(at)
    assert alerts(at, "error") and not at.tabs
    assert at.text_input(key="signin_password").value == ""  # never kept
    at.text_input(key="signin_password").input("a-long-password")
    at.button(key="signin_submit").click()
    run(at)
    assert [t.label for t in at.tabs] == ["Generate", "History", "Learn"]
    # Every call after sign-in carries the person's token.
    later = [r for r in fake.requests if r.path not in ("/api/auth/sign_in", "/api/health")]
    assert later and {r.headers.get("authorization") for r in later} == {"Bearer fake-olive"}
    at.button(key="sidebar_sign_out").click()
    run(at)
    assert not at.tabs


@pytest.mark.parametrize(
    ("role", "tabs", "present", "absent"),
    [
        ("viewer", ["History", "Learn"], set(), {"learn_rate_submit", "learn_delete", "learn_upload_submit",
                                                 "learn_forget_count", "gen_submit"}),
        ("operator", ["Generate", "History", "Learn"], {"learn_rate_submit", "learn_upload_submit", "gen_submit"},
         {"learn_delete", "learn_forget_count"}),
        ("admin", ["Generate", "History", "Learn", "Audit"],
         {"learn_rate_submit", "learn_delete", "learn_upload_submit", "learn_forget_count", "gen_submit"}, set()),
    ],
)  # fmt: skip
def test_each_role_is_shown_only_what_it_may_do(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway, role: str, tabs: list[str], present: set[str],
    absent: set[str],
) -> None:  # fmt: skip
    item = fake.add_item(kind="uploaded_example", title="An example", text="Some text", client_id="acme")
    at = new_app(monkeypatch, fake.url, token="t", role=role, name=f"a-{role}")
    at.session_state["learn_open_id"] = item.id
    run(at)
    assert [t.label for t in at.tabs] == tabs
    shown = {b.key for b in at.button if b.key}
    assert present <= shown, present - shown
    assert not (absent & shown), absent & shown


def test_an_expired_sign_in_goes_back_to_the_form(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url, token="expired", role="operator", name="olive"))
    assert at.tabs
    fake.fail("GET", "/api/learn/debug/summary", 401, "the token has expired: sign in again", code=16)
    at.button(key="sidebar_health_refresh").click()
    run(at)
    assert not at.tabs and alerts(at, "error")
    assert at.text_input(key="signin_name") is not None
