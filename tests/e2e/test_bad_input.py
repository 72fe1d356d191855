"""Text Postgres cannot store (NUL, lone surrogates) in any field of any write, filter or brief: a 400 that
names the field, through the real Envoy, before anything is generated or queued; never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e.stack import StackProcess

NUL = "bad\u0000value"
ITEM = {"kind": "uploaded_example", "text": "a reference example", "client_id": "nul-test"}
BRIEF = {"client_name": "Nul Client", "brand_name": "Nully", "industry": "Retail"}
GENERATE = {"client_brief": BRIEF, "package_key": "quick_social_basic"}


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of body with the dotted path set to value (a trailing [0] makes a one-element list)."""
    out: dict[str, Any] = json.loads(json.dumps(body))
    node = out
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if last.endswith("[0]"):
        node[last[:-3]] = [value]
    else:
        node[last] = value
    return out


ITEM_FIELDS = ["kind", "title", "text", "client_id", "industry", "package_key", "section_id", "source",
               "parent_id", "tags[0]"]  # fmt: skip
BRIEF_FIELDS = ["client_name", "brand_name", "product_service", "industry", "geography", "audience",
                "objectives", "budget", "timeline", "constraints", "raw_brief_text", "launch_date"]  # fmt: skip

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    *[("POST", "/api/learn/items", _with({"item": ITEM}, f"item.{f}", NUL), f"item.{f.replace('[0]', '')}")
      for f in ITEM_FIELDS],
    ("POST", "/api/learn/items", _with({"item": ITEM}, "item.metadata.note", NUL), "item.metadata"),
    ("POST", "/api/learn/items", {"item": ITEM, "idempotency_key": NUL}, "idempotency_key"),
    ("POST", "/api/learn/items", {"item": ITEM, "item_id": NUL}, "item_id"),
    ("POST", "/api/learn/items:batchRecord",
     {"requests": [{"item": ITEM}, {"item": {**ITEM, "text": NUL}}]}, "requests[1].item.text"),
    *[("POST", "/api/learn/search", {"query": "loyalty", f: NUL}, f)
      for f in ("client_id", "industry", "package_key", "section_id", "for_client_id")],
    ("POST", "/api/learn/search", {"query": NUL}, "query"),
    ("POST", "/api/learn/search", {"query": "loyalty", "kinds": [NUL]}, "kinds"),
    ("POST", "/api/learn/items/00000000-0000-4000-8000-000000000001/rating", {"rating": NUL}, "rating"),
    ("POST", "/api/learn/items/00000000-0000-4000-8000-000000000001/rating",
     {"rating": "gold", "note": NUL}, "note"),
    *[("POST", "/api/aicmo/generate_report", _with(GENERATE, f"client_brief.{f}", NUL), f"client_brief.{f}")
      for f in BRIEF_FIELDS],
    ("POST", "/api/aicmo/generate_report", _with(GENERATE, "client_brief.metadata.note", NUL),
     "client_brief.metadata"),
    *[("POST", "/api/aicmo/generate_report", {**GENERATE, f: NUL}, f)
      for f in ("package_key", "stage", "feedback", "previous_draft", "report_id")],
    ("POST", "/api/aicmo/generate_report/stream", _with(GENERATE, "client_brief.brand_name", NUL),
     "request.client_brief.brand_name"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES, ids=[f"{c[1]}:{c[3]}" for c in CASES])
def test_unstorable_text_is_a_400_naming_the_field(
    running_stack: StackProcess, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    before = running_stack.get("/api/learn/debug/summary").json()["total_items"]
    response = running_stack.post(path, body) if method == "POST" else running_stack.delete(path)
    assert response.status == 400, response.body[:500]
    if path.endswith("/stream"):  # a stream's error arrives as its one event
        payload = json.loads(response.body.splitlines()[0])
        payload = payload.get("error", payload)
    else:
        payload = response.json()
    violations = payload["details"][0]["field_violations"]
    assert violations[0]["field"].startswith(field)
    assert b"Traceback" not in response.body
    assert running_stack.get("/api/learn/debug/summary").json()["total_items"] == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/learn/items?client_id=a%00b",
        "/api/learn/items?kind=a%00b",
        "/api/learn/items/a%00b",
    ],
)
def test_unstorable_text_in_urls_is_a_400(running_stack: StackProcess, path: str) -> None:
    response = running_stack.get(path)
    assert response.status == 400, response.body[:500]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/learn/clients/a%00b"),
        ("DELETE", "/api/learn/items/a%00b"),
        ("POST", "/api/learn/items/a%00b/scope"),
        ("DELETE", "/api/aicmo/learning_queue/a%00b"),
        ("POST", "/api/aicmo/learning_queue/a%00b/replay"),
    ],
)
def test_unstorable_text_in_path_parameters_is_a_400(
    running_stack: StackProcess, method: str, path: str
) -> None:
    if method == "DELETE":
        response = running_stack.delete(path)
    else:
        response = running_stack.post(path, {"scope": "SCOPE_AGENCY"} if path.endswith("scope") else {})
    assert response.status == 400, response.body[:500]


def test_a_brief_with_nul_queues_nothing(running_stack: StackProcess) -> None:
    queue = running_stack.get("/api/aicmo/learning_queue").json()
    body = _with(GENERATE, "client_brief.brand_name", NUL)
    body["report_id"] = str(uuid.uuid4())
    assert running_stack.post("/api/aicmo/generate_report", body).status == 400
    assert running_stack.get("/api/aicmo/learning_queue").json() == queue
