"""Signing in to the app (AppTest against the real stack's sign-in), and what each role is shown."""

from __future__ import annotations

import time

import pytest

from services.common.client_ids import client_key
from services.common.signing import issue_token, keyset_path, read_keyset
from tests.e2e.stack import TEST_PASSWORD, StackProcess
from tests.ui.apptest_support import alerts, new_app, run, table_with, unique
from ui.session import AUTH_KEY


def name_for(role: str) -> str:
    return unique(role).replace(" ", "-")


def test_nothing_but_sign_in_until_signed_in(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    olive = name_for("olive")
    running_stack.token_for(olive, "operator")
    at = run(new_app(monkeypatch, running_stack.gateway_url, signed_in=False))
    assert not at.tabs
    at.text_input(key="signin_name").input(olive)
    at.text_input(key="signin_password").input("wrong-password")
    at.button(key="signin_submit").click()
    run(at)
    assert alerts(at, "error") and not at.tabs
    assert at.text_input(key="signin_password").value == ""  # never kept
    at.text_input(key="signin_password").input(TEST_PASSWORD)
    at.button(key="signin_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    assert [t.label for t in at.tabs] == ["Generate", "History", "Learn"]
    # The app holds the token memory gave out, and every call after sign-in carries it: memory names the
    # person on what they do (the audit trail), so an upload made in the app is filed under them.
    held = at.session_state[AUTH_KEY]
    assert (held["name"], held["role"]) == (olive, "operator")
    client = unique("Olive Client")
    at.file_uploader(key="learn_upload_file").set_value(
        ("note.md", f"A note for {client}".encode(), "text/markdown")
    )
    at.text_input(key="learn_upload_client").input(client)
    at.button(key="learn_upload_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    audit = running_stack.get(f"/api/audit?client_id={client_key(client)}").json()
    assert {e["person"] for e in audit.get("entries", [])} == {olive}, audit
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
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, role: str, tabs: list[str], present: set[str],
    absent: set[str],
) -> None:  # fmt: skip
    made = running_stack.post(
        "/api/learn/items",
        {"item": {"kind": "uploaded_example", "title": "An example", "text": unique("Some text"),
                  "client_id": client_key(unique("Acme"))}},
    )  # fmt: skip
    assert made.status == 200, made.body
    name = name_for(role)
    token = running_stack.token_for(name, role)
    at = new_app(monkeypatch, running_stack.gateway_url, token, role=role, name=name)
    at.session_state["learn_open_id"] = made.json()["item"]["id"]
    run(at)
    assert not at.error, alerts(at, "error")
    assert [t.label for t in at.tabs] == tabs
    shown = {b.key for b in at.button if b.key}
    assert present <= shown, present - shown
    assert not (absent & shown), absent & shown


def test_an_expired_sign_in_goes_back_to_the_form(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    name = name_for("olive")
    token = running_stack.token_for(name, "operator")
    at = run(new_app(monkeypatch, running_stack.gateway_url, token, role="operator", name=name))
    assert at.tabs and not at.error
    # The sign-in runs out (a token the stack's own keys signed, expired an hour ago): memory answers 401.
    keys = read_keyset(keyset_path(running_stack.data_dir))
    at.session_state[AUTH_KEY] = {
        "token": issue_token(keys, name, "operator", ttl_seconds=3600, now=time.time() - 7200),
        "name": name,
        "role": "operator",
    }
    at.button(key="sidebar_health_refresh").click()
    run(at)
    assert not at.tabs and alerts(at, "error")
    assert at.text_input(key="signin_name") is not None


def test_the_audit_tab_says_who_did_what_filtered_by_client_and_person(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    olive = name_for("olive")
    token = running_stack.token_for(olive, "operator")
    client_id = client_key(unique("Audited Client"))
    made = running_stack.post(
        "/api/learn/items",
        {"item": {"kind": "uploaded_example", "title": "Audited", "text": f"An example for {client_id}",
                  "client_id": client_id}},
        token=token,
    )  # fmt: skip
    assert made.status == 200, made.body
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="audit_client").input(client_id)
    run(at)
    assert not at.error, alerts(at, "error")
    rows = table_with(at, "request id")
    assert set(zip(rows["person"], rows["role"], rows["client"], strict=True)) == {
        (olive, "operator", client_id)
    }
    assert "OK" in set(rows["outcome"])
    # Filtered by person too: someone else did nothing for this client.
    at.text_input(key="audit_person").input("nobody-else")
    run(at)
    assert "No entries match." in alerts(at, "info")
