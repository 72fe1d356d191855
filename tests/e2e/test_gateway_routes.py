"""Every REST route through the real Envoy, with the JSON names and statuses clients depend on."""

from __future__ import annotations

import json
import uuid

from tests.e2e.stack import StackProcess

BRIEF = {
    "client_name": "Route Test Client",
    "brand_name": "Routy",
    "product_service": "bike repair subscriptions",
    "industry": "Retail",
    "launch_date": "2026-05-04",
    "metadata": {"stores": 3, "vip": True},
}


def generate_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"client_brief": BRIEF, "package_key": "quick_social_basic"}
    body.update(overrides)
    return body


def test_health_and_packages(running_stack: StackProcess) -> None:
    health = running_stack.get("/api/health")
    assert health.status == 200
    assert health.json()["status"] == "SERVING"
    assert {c["name"] for c in health.json()["components"]} == {"generator", "memory", "database"}
    packages = running_stack.get("/api/aicmo/packages").json()["packages"]
    flagship = next(p for p in packages if p["key"] == "strategy_campaign_standard")
    assert flagship["label"] == "Strategy + Campaign Pack (Standard)"
    assert flagship["section_count"] == 17 and len(flagship["sections"]) == 17
    assert set(flagship["sections"][0]) == {"id", "title"}


def test_generate_report_json_names(running_stack: StackProcess) -> None:
    response = running_stack.post("/api/aicmo/generate_report", generate_body())
    assert response.status == 200, response.body
    report = response.json()
    assert set(report) >= {
        "report_id", "package_key", "sections", "report_markdown", "generation_mode", "learning_status", "timings",
    }  # fmt: skip
    assert report["package_key"] == "quick_social_basic" and len(report["sections"]) == 10
    assert set(report["sections"][0]) >= {"id", "title", "markdown", "learned_from"}
    assert report["generation_mode"] == "offline" and report["mode"] == "GENERATION_MODE_OFFLINE"
    assert report["learning_state"] in ("LEARNING_STATE_RECORDED", "LEARNING_STATE_QUEUED")
    assert report["sections"][0]["written_by"] == "GENERATION_MODE_OFFLINE"
    final = running_stack.post("/api/aicmo/generate_report", generate_body(report_stage="REPORT_STAGE_FINAL"))
    assert final.status == 200 and "Sign-off" in final.json()["report_markdown"]
    legacy = running_stack.post(
        "/api/aicmo/generate_report", generate_body(stage="final", use_learning=False)
    )
    assert legacy.status == 200 and "Sign-off" in legacy.json()["report_markdown"]
    assert isinstance(report["timings"]["total_ms"], float | int)
    # The route's 120 s reached the generator as its deadline (minus the gateway's 2 s margin, capped at
    # the generator's own default of 115 s).
    assert 100_000 <= report["timings"]["deadline_ms"] <= 118_000


def test_learning_routes(running_stack: StackProcess) -> None:
    client = f"client-{uuid.uuid4().hex[:8]}"
    before = running_stack.get("/api/learn/debug/summary").json()
    assert isinstance(before["total_items"], int)

    created = running_stack.post(
        "/api/learn/items",
        {
            "item": {
                "kind": "uploaded_example",
                "title": "Reference: bakery loyalty card",
                "text": "A stamp card for a neighbourhood bakery: the tenth loaf is free, doubled on Mondays.",
                "client_id": client,
                "industry": "Food",
                "tags": ["loyalty"],
                "metadata": {"uploaded_by": "ops", "when": "2026-01-05"},
                "source": "upload",
            },
            "idempotency_key": f"upload-{client}",
        },
    )
    assert created.status == 200, created.body
    item = created.json()["item"]
    assert created.json()["created"] is True
    assert set(item) == {
        "id", "kind", "title", "text", "client_id", "industry", "package_key", "section_id", "tags", "metadata",
        "source", "rating", "rating_note", "create_time", "embedding_model", "scope", "parent_id", "verdict",
    }  # fmt: skip
    assert item["scope"] == "SCOPE_CLIENT" and created.json()["result"] == "RECORD_RESULT_CREATED"

    summary = running_stack.get("/api/learn/debug/summary").json()
    assert summary["total_items"] == before["total_items"] + 1
    assert isinstance(summary["per_kind"]["uploaded_example"], int)
    assert summary["embedding_model"] == "all-MiniLM-L6-v2" and summary["storage"].startswith("postgresql")

    listed = running_stack.get(
        f"/api/learn/items?kind=uploaded_example&page_size=5&client_id={client}"
    ).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]] and listed["total_size"] == 1
    assert running_stack.get(f"/api/learn/items/{item['id']}").json()["item"]["text"] == item["text"]

    found = running_stack.post(
        "/api/learn/search", {"query": "free bread after ten visits", "top_k": 3, "client_id": client}
    ).json()
    assert found["results"][0]["item"]["id"] == item["id"]
    assert 0 < found["results"][0]["score"] <= 1.2

    rated = running_stack.post(f"/api/learn/items/{item['id']}/rating", {"rating": "gold", "note": "great"})
    assert rated.status == 200 and rated.json()["item"]["rating"] == "gold"
    assert rated.json()["item"]["verdict"] == "RATING_GOLD"
    weak = running_stack.post(f"/api/learn/items/{item['id']}/rating", {"verdict": "RATING_WEAK"})
    assert weak.json()["item"]["rating"] == "weak" and weak.json()["rated_count"] == 1
    cleared = running_stack.post(f"/api/learn/items/{item['id']}/rating", {})
    assert (
        cleared.json()["item"]["verdict"] == "RATING_UNSPECIFIED" and cleared.json()["item"]["rating"] == ""
    )

    deleted = running_stack.delete(f"/api/learn/items/{item['id']}")
    assert deleted.status == 200 and deleted.json()["id"] == item["id"]
    assert running_stack.get(f"/api/learn/items/{item['id']}").status == 404


def test_forget_client(running_stack: StackProcess) -> None:
    client = f"client-{uuid.uuid4().hex[:8]}"
    for text in ("first note about the client", "second note about the client"):
        running_stack.post(
            "/api/learn/items", {"item": {"kind": "uploaded_example", "text": text, "client_id": client}}
        )
    forgotten = running_stack.delete(f"/api/learn/clients/{client}")
    assert forgotten.status == 200
    assert forgotten.json()["deleted_count"] == 2 and forgotten.json()["per_kind"] == {"uploaded_example": 2}
    assert running_stack.get(f"/api/learn/items?client_id={client}").json()["total_size"] == 0


def test_error_statuses_are_json(running_stack: StackProcess) -> None:
    bad = running_stack.post("/api/aicmo/generate_report", generate_body(package_key="nope"))
    assert bad.status == 400
    assert bad.json()["details"][0]["field_violations"][0]["field"] == "package_key"
    assert "strategy_campaign_standard" in bad.json()["message"]

    missing_brand = running_stack.post("/api/aicmo/generate_report", {"client_brief": {"client_name": "x"},
                                                                      "package_key": "quick_social_basic"})  # fmt: skip
    assert missing_brand.status == 400 and "client_brief.brand_name" in missing_brand.json()["message"]

    assert running_stack.post("/api/learn/search", {"query": "x", "top_k": 99}).status == 400
    unknown_id = running_stack.get("/api/learn/items/2b7e1f6c-0000-4000-8000-000000000000")
    assert unknown_id.status == 404 and unknown_id.json()["code"] == 5
    unknown_path = running_stack.get("/api/nothing/here")
    assert unknown_path.status == 404 and "message" in unknown_path.json()
    unknown_param = running_stack.get("/api/learn/items?colour=blue")
    assert unknown_param.status == 400 and "colour" in unknown_param.json()["message"]
    too_big = running_stack.post("/api/learn/search", json.dumps({"query": "x" * (3 * 1024 * 1024)}).encode())
    assert too_big.status == 413 and too_big.json()["code"] == 413
    for response in (bad, unknown_id, unknown_path, too_big):
        assert b"Traceback" not in response.body


def test_stream_is_newline_delimited_events(running_stack: StackProcess) -> None:
    response = running_stack.post("/api/aicmo/generate_report/stream", generate_body())
    assert response.status == 200
    events = [json.loads(line) for line in response.body.splitlines() if line.strip()]
    assert list(events[0]) == ["started"] and list(events[-1]) == ["completed"]
    assert [e["section_completed"]["index"] for e in events[1:-1]] == list(range(1, 11))
    assert events[-1]["completed"]["report_id"] == events[0]["started"]["report_id"]
