"""The client playbook's REST routes through the real Envoy: create, edit, list, versions, forget, and the
HTTP statuses of bad input, unknown entries and stale edits."""

from __future__ import annotations

import uuid

from tests.e2e.stack import StackProcess


def test_create_edit_list_and_forget_over_rest(running_stack: StackProcess) -> None:
    client = f"playbook-{uuid.uuid4().hex[:8]}"
    created = running_stack.post(
        "/api/playbook",
        {"client_id": client, "kind": "PLAYBOOK_ENTRY_KIND_CHANNEL_MIX", "section_id": "channel_plan",
         "text": "Google Search 40%, Meta 30%"},
    )  # fmt: skip
    assert created.status == 200, created.body
    entry = created.json()["entry"]
    assert entry["version"] == 1 and entry["state"] == "PLAYBOOK_ENTRY_STATE_ACTIVE"
    assert entry["origin"] == "PLAYBOOK_ENTRY_ORIGIN_OPERATOR" and created.json()["created"] is True
    assert entry["author"] == "admin"  # the signed-in person, from the verified token
    agency = running_stack.post("/api/playbook", {"kind": "PLAYBOOK_ENTRY_KIND_DO", "text": "Test two hooks"})
    assert agency.status == 200

    edited = running_stack.patch(
        f"/api/playbook/{entry['id']}",
        {
            "text": "WhatsApp 40%, Google Search 30%",
            "note": "client asked",
            "pinned": True,
            "expected_version": 1,
        },
    )
    assert edited.status == 200, edited.body
    assert edited.json()["entry"]["version"] == 2 and edited.json()["entry"]["pinned"] is True
    stale = running_stack.patch(f"/api/playbook/{entry['id']}", {"text": "again", "expected_version": 1})
    assert stale.status == 409

    listed = running_stack.get(f"/api/playbook?client_id={client}&include_agency=true")
    assert listed.status == 200
    entries = listed.json()["entries"]
    assert entries[0]["id"] == entry["id"] and entries[0]["text"] == "WhatsApp 40%, Google Search 30%"
    assert agency.json()["entry"]["id"] in {e["id"] for e in entries}
    versions = running_stack.get(f"/api/playbook/{entry['id']}/versions").json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    # Each version names who made it: the person the token was issued to.
    pat = running_stack.token_for("pat", "operator")
    by_pat = running_stack.patch(
        f"/api/playbook/{entry['id']}", {"text": "WhatsApp 50%, Google Search 20%"}, token=pat
    )
    assert by_pat.status == 200 and by_pat.json()["entry"]["author"] == "pat"

    forgot = running_stack.delete(f"/api/learn/clients/{client}")
    assert forgot.status == 200 and forgot.json()["playbook_entries_deleted_count"] == 1
    assert running_stack.get(f"/api/playbook?client_id={client}").json().get("entries", []) == []


def test_bad_input_and_unknown_entries(running_stack: StackProcess) -> None:
    no_kind = running_stack.post("/api/playbook", {"client_id": "acme", "text": "x"})
    assert no_kind.status == 400
    empty = running_stack.post(
        "/api/playbook", {"client_id": "acme", "kind": "PLAYBOOK_ENTRY_KIND_DO", "text": ""}
    )
    assert empty.status == 400
    nul = running_stack.post(
        "/api/playbook", {"client_id": "acme", "kind": "PLAYBOOK_ENTRY_KIND_DO", "text": "a\u0000b"}
    )
    assert nul.status == 400
    unknown = str(uuid.uuid4())
    assert running_stack.patch(f"/api/playbook/{unknown}", {"text": "x"}).status == 404
    assert running_stack.get(f"/api/playbook/{unknown}/versions").status == 404
    assert running_stack.get("/api/playbook/not-a-uuid/versions").status == 400
