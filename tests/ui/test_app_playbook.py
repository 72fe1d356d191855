"""The Learn tab's Playbook panel under AppTest against the real running stack: read a client's playbook,
edit an entry with a note (a new version), pin it, remove and restore it, add one, see its versions — each
checked over REST."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.common.client_ids import client_key
from tests.ui.apptest_support import alerts, new_app, run, stack_logs_on_failure, table_with, texts


def _entries(stack: Any, client_id: str, *, removed: bool = False) -> list[dict[str, Any]]:
    flag = "&include_removed=true" if removed else ""
    response = stack.get(f"/api/playbook?client_id={client_id}{flag}")
    assert response.status == 200, response.body
    entries: list[dict[str, Any]] = response.json().get("entries", [])
    return entries


def test_curate_a_playbook_in_the_app(monkeypatch: pytest.MonkeyPatch, running_stack: Any) -> None:
    with stack_logs_on_failure(running_stack, "apptest-playbook"):
        curate(monkeypatch, running_stack)


def curate(monkeypatch: pytest.MonkeyPatch, stack: Any) -> None:
    client_name = f"Harbour Clinic {uuid.uuid4().hex[:6]}"
    client_id = client_key(client_name)
    created = stack.post(
        "/api/playbook",
        {"client_id": client_id, "kind": "PLAYBOOK_ENTRY_KIND_CHANNEL_MIX", "text": "Google Search leads"},
    )
    assert created.status == 200, created.body
    entry_id = created.json()["entry"]["id"]

    at = run(new_app(monkeypatch, stack.gateway_url, stack.env.get("AICMO_API_TOKEN")))
    at.text_input(key="playbook_client").input(client_name)
    run(at)
    assert not at.error, alerts(at, "error")
    table = table_with(at, "from")
    assert list(table["kind"]) == ["Channel mix"] and list(table["state"]) == ["active"]

    # Edit the text with a note: a new version.
    at.selectbox(key="playbook_open_id").select(entry_id)
    run(at)
    at.text_area(key="playbook_edit_text").input("WhatsApp leads at 40%, then Google Search")
    at.text_input(key="playbook_edit_note").input("client asked")
    at.button(key="playbook_save").click()
    run(at)
    assert not at.error, alerts(at, "error")
    stored = _entries(stack, client_id)[0]
    assert (stored["text"], stored["version"], stored["note"]) == (
        "WhatsApp leads at 40%, then Google Search",
        2,
        "client asked",
    )
    # The browser is told the entry picker's new label (it knows the choice by its label: left at the old
    # words, its next rerun would close the entry).
    picker = at.selectbox(key="playbook_open_id")
    assert picker.value == entry_id
    assert picker.proto.set_value
    assert picker.proto.raw_value == "Channel mix: WhatsApp leads at 40%, then Google Search"

    # Pin it, then remove and restore it.
    at.button(key="playbook_pin").click()
    run(at)
    assert _entries(stack, client_id)[0]["pinned"] is True
    assert at.selectbox(key="playbook_open_id").proto.raw_value.startswith("📌 Channel mix: ")
    at.button(key="playbook_state").click()
    run(at)
    assert _entries(stack, client_id) == []
    assert _entries(stack, client_id, removed=True)[0]["state"] == "PLAYBOOK_ENTRY_STATE_REMOVED"
    at.checkbox(key="playbook_with_removed").check()
    run(at)
    at.selectbox(key="playbook_open_id").select(entry_id)
    run(at)
    at.button(key="playbook_state").click()
    run(at)
    assert not at.error, alerts(at, "error")
    assert _entries(stack, client_id)[0]["version"] == 5
    assert "Version 5" in texts(at) and "Version 1" in texts(at)

    # Add an entry of the operator's own.
    at.selectbox(key="playbook_new_kind").set_value(10)  # PLAYBOOK_ENTRY_KIND_AVOID_TEXT
    at.text_area(key="playbook_new_text").input("Never say 'cheap'")
    at.button(key="playbook_add").click()
    run(at)
    assert not at.error, alerts(at, "error")
    kinds = {e["kind"] for e in _entries(stack, client_id)}
    assert kinds == {"PLAYBOOK_ENTRY_KIND_CHANNEL_MIX", "PLAYBOOK_ENTRY_KIND_AVOID_TEXT"}

    # Bad input is said in plain words; nothing is stored.
    at.text_area(key="playbook_new_text").input("   ")
    at.button(key="playbook_add").click()
    run(at)
    assert at.error
    assert len(_entries(stack, client_id)) == 2


def test_a_viewer_reads_the_playbook_and_cannot_change_it(
    monkeypatch: pytest.MonkeyPatch, running_stack: Any
) -> None:
    with stack_logs_on_failure(running_stack, "apptest-playbook-viewer"):
        client_name = f"Quay Books {uuid.uuid4().hex[:6]}"
        created = running_stack.post(
            "/api/playbook",
            {
                "client_id": client_key(client_name),
                "kind": "PLAYBOOK_ENTRY_KIND_TONE",
                "text": "Calm and plain",
            },
        )
        assert created.status == 200, created.body
        token = running_stack.token_for(f"viewer-{uuid.uuid4().hex[:6]}", "viewer")
        at = run(new_app(monkeypatch, running_stack.gateway_url, token, role="viewer", name="viewer"))
        at.text_input(key="playbook_client").input(client_name)
        run(at)
        at.selectbox(key="playbook_open_id").select(created.json()["entry"]["id"])
        run(at)
        assert not at.error, alerts(at, "error")
        assert "Calm and plain" in texts(at)
        keys = {b.key for b in at.button}
        assert not keys & {"playbook_save", "playbook_pin", "playbook_state", "playbook_add"}
