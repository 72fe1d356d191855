"""The old guide's acceptance scenario, end to end over REST: generate, see it learned, stop everything,
start again, and find the same learning."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

from tests.e2e.stack import StackProcess
from tests.openai_stub_server import OpenAIStubServer
from tests.support import wait_until_embedded

BRIEF = {
    "client_name": "Harbor Yoga",
    "brand_name": "Harbor Yoga Studio",
    "product_service": "hot yoga classes and memberships",
    "industry": "Fitness",
    "geography": "Seattle",
    "audience": "office workers looking for stress relief",
    "objectives": "fill evening classes and sell 300 memberships",
    "budget": "$25,000",
    "launch_date": "2026-09-07",
}
BODY = {"client_brief": BRIEF, "package_key": "strategy_campaign_standard"}


def test_learning_survives_a_full_restart(fresh_stack: StackProcess) -> None:
    fresh_stack.start()
    report = fresh_stack.post("/api/aicmo/generate_report", BODY)
    assert report.status == 200 and report.json()["learning_status"] == "recorded"
    summary = fresh_stack.get("/api/learn/debug/summary").json()
    assert summary["total_items"] == 18
    assert summary["per_kind"] == {"full_report": 1, "report_section": 17}
    assert fresh_stack.stop() == 0
    assert not (fresh_stack.data_dir / "postgres" / "postmaster.pid").exists(), "Postgres stopped too"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", fresh_stack.ports["gateway"])) != 0, "Envoy stopped too"

    fresh_stack.start()
    assert fresh_stack.get("/api/learn/debug/summary").json()["per_kind"] == summary["per_kind"]
    # Acknowledged on commit: whatever was not yet embedded when the stack stopped is embedded after it.
    wait_until_embedded(lambda: int(fresh_stack.get("/api/learn/debug/summary").json()["embedding_backlog"]))
    found = fresh_stack.post(
        "/api/learn/search", {"query": "yoga studio memberships for stressed office staff", "top_k": 3}
    ).json()
    assert found["results"] and all(r["item"]["client_id"] == "harbor-yoga" for r in found["results"])
    # The client's next report builds on what was learned before the restart...
    follow_up = {**BRIEF, "objectives": "fill weekend workshops and sell 120 gift cards"}
    second = fresh_stack.post("/api/aicmo/generate_report", {**BODY, "client_brief": follow_up})
    informed = [s for s in second.json()["sections"] if s["learned_from"]]
    assert len(informed) >= 10
    assert {lf["source"] for s in informed for lf in s["learned_from"]} == {"LEARNING_SOURCE_SAME_CLIENT"}
    # ...and another client's report does not.
    other_brief = {**BRIEF, "client_name": "Pier Pilates", "brand_name": "Pier Pilates"}
    third = fresh_stack.post("/api/aicmo/generate_report", {**BODY, "client_brief": other_brief})
    assert not any(s["learned_from"] for s in third.json()["sections"])


def test_stream_delivers_first_event_before_the_report_is_complete(fresh_stack: StackProcess) -> None:
    llm = OpenAIStubServer()
    llm.behaviour.slow_markers["Section to write:"] = 0.3  # every section takes 0.3 s
    fresh_stack.env.update(
        {"OPENAI_API_KEY": "sk-stream-test", "OPENAI_BASE_URL": llm.base_url, "AICMO_LLM_CONCURRENCY": "2"}
    )
    try:
        fresh_stack.start()
        request = urllib.request.Request(
            fresh_stack.gateway_url + "/api/aicmo/generate_report/stream",
            data=json.dumps(BODY | {"use_learning": False}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {fresh_stack.admin_token()}",
            },
            method="POST",
        )
        arrivals: list[tuple[float, str]] = []
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=130) as response:
            for line in response:
                if line.strip():
                    arrivals.append((time.monotonic() - started, next(iter(json.loads(line)))))
        kinds = [k for _, k in arrivals]
        assert kinds[0] == "started" and kinds[-1] == "completed" and kinds.count("section_completed") == 17
        first_at, done_at = arrivals[0][0], arrivals[-1][0]
        # 17 sections at 0.3 s, two at a time, take over 2.5 s; the first event must not wait for them.
        assert done_at - first_at > 1.5, arrivals
    finally:
        fresh_stack.stop()
        llm.stop()
