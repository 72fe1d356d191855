"""A small in-process stand-in for the AICMO REST gateway, for UI tests that need no stack.

It speaks the REST contract (JSON field names are the proto names, enums are printed as their names, zero
values are printed; errors are {"code","message","details"} with the matching HTTP status), keeps learned
items in memory so stats, rating (a report's rating rates its sections), scope, deletion, uploads and
forgetting behave, keeps a learning queue (reports generated while `learning_state` is set to
LEARNING_STATE_QUEUED wait there until replayed), streams generation as chunked NDJSON like Envoy's
transcoder, and records every request for assertions. Failures can be injected per path.
"""

from __future__ import annotations

import datetime
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PACKAGES: list[dict[str, Any]] = [
    {
        "key": "strategy_campaign_standard",
        "label": "Strategy + Campaign Pack (Standard)",
        "sections": [
            {"id": "overview", "title": "Overview"},
            {"id": "campaign_objective", "title": "Campaign Objective"},
            {"id": "core_campaign_idea", "title": "Core Campaign Idea"},
            {"id": "final_summary", "title": "Final Summary"},
        ],
        "section_count": 4,
    },
    {
        "key": "quick_social_basic",
        "label": "Quick Social Pack (Basic)",
        "sections": [
            {"id": "overview", "title": "Overview"},
            {"id": "audience_segments", "title": "Audience Segments"},
            {"id": "final_summary", "title": "Final Summary"},
        ],
        "section_count": 3,
    },
]


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-") or "unknown-client"


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


SCOPES = ("SCOPE_CLIENT", "SCOPE_AGENCY")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Failure:
    status: int
    body: Any
    # How many more requests fail (None: all of them).
    times: int | None = None


class FakeGateway:
    """The fake's state. Start it with `running_fake_gateway()`."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []  # newest first
        self.requests: list[Recorded] = []
        self.failures: dict[tuple[str, str], Failure] = {}
        self.stream_delay = 0.0
        # When set, the stream pauses after its first event until this is set (or 10 s pass).
        self.stream_gate: threading.Event | None = None
        self.gate_released_in_time: bool | None = None
        self.stream_sent_events = 0
        self.stream_break_after: int | None = None
        self.slow_paths: dict[str, float] = {}
        self.fake_embeddings = False
        self.summary_warnings: list[str] = []
        self.health_down = ""
        # What generation reports (None: RECORDED / DONE when learning is on, OFF when it is off). With
        # LEARNING_STATE_QUEUED a report's items go to `queue` instead of `items`.
        self.learning_state: str | None = None
        self.retrieval_state: str | None = None
        # The learning queue: batches as the gateway prints them, plus "_items" (what delivery stores).
        self.queue: list[dict[str, Any]] = []
        # Whether a replay delivers; when not, the batch stays and its reason becomes replay_reason.
        self.replay_delivers = True
        self.replay_reason = "memory UNAVAILABLE: connection refused"
        # Forgotten clients, newest first, as ListForgottenClients prints them.
        self.forgotten: list[dict[str, Any]] = []
        # Every generation's `completed` payload, in order.
        self.completed: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""

    # -- helpers for tests -----------------------------------------------------------------------------

    def fail(
        self, method: str, path: str, status: int, message: str, code: int, times: int | None = None
    ) -> None:
        body = {"code": code, "message": message, "details": []}
        if status == 400 and ":" in message:
            name, _, description = message.partition(": ")
            body["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "field_violations": [{"field": name, "description": description, "reason": ""}],
                }
            ]
        self.failures[(method, path)] = Failure(status, body, times)

    def fail_raw(self, method: str, path: str, status: int, text: str) -> None:
        """Answer with a non-JSON body (as a proxy or another server in the way would)."""
        self.failures[(method, path)] = Failure(status, text)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def add_item(self, **fields: Any) -> dict[str, Any]:
        item = self._new_item(fields)
        with self.lock:
            self.items.insert(0, item)
        return item

    def item(self, item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.items if i["id"] == item_id), None)

    def add_batch(
        self,
        *,
        title: str = "Acme — Quick Social Pack (Basic)",
        client_id: str = "acme",
        state: str = "QUEUE_STATE_SET_ASIDE",
        reason: str = "",
        items: list[dict[str, Any]] | None = None,
        report_id: str = "",
    ) -> dict[str, Any]:
        """A batch in the learning queue; delivering it stores `items` (default: one full_report)."""
        report_id = report_id or str(uuid.uuid4())
        stored = items or [
            self._new_item(
                {"kind": "full_report", "title": title, "text": f"{title} text", "client_id": client_id}
            )
        ]
        batch = {
            "name": f"{int(time.time() * 1000)}-{report_id}.json",
            "state": state,
            "report_id": report_id,
            "client_id": client_id,
            "title": title,
            "item_count": len(stored),
            "enqueue_time": now_rfc3339(),
            "reason": reason,
            "attempts": 1,
            "_items": stored,
        }
        with self.lock:
            self.queue.append(batch)
        return batch

    def batch(self, name: str) -> dict[str, Any] | None:
        return next((b for b in self.queue if b["name"] == name), None)

    # -- behaviour -------------------------------------------------------------------------------------

    def _new_item(self, fields: dict[str, Any], item_id: str = "") -> dict[str, Any]:
        client_id = fields.get("client_id", "")
        scope = fields.get("scope") if fields.get("scope") in SCOPES else ""
        return {
            "id": item_id or str(uuid.uuid4()),
            "kind": fields.get("kind", "uploaded_example"),
            "title": fields.get("title", ""),
            "text": fields.get("text", ""),
            "client_id": fields.get("client_id", ""),
            "industry": fields.get("industry", ""),
            "package_key": fields.get("package_key", ""),
            "section_id": fields.get("section_id", ""),
            "tags": list(fields.get("tags", [])),
            "metadata": dict(fields.get("metadata", {})),
            "source": fields.get("source", "api"),
            "rating": "",
            "rating_note": "",
            "create_time": now_rfc3339(),
            "embedding_model": "fake-test-model",
            "scope": scope or ("SCOPE_CLIENT" if client_id else "SCOPE_AGENCY"),
            "parent_id": fields.get("parent_id", ""),
        }

    def visible_to(self, client_id: str) -> list[dict[str, Any]]:
        """What a report for client_id may learn from: its own items and the agency library."""
        return [i for i in self.items if i["client_id"] == client_id or i["scope"] == "SCOPE_AGENCY"]

    def public_batch(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in batch.items() if not k.startswith("_")}

    def deliver(self, batch: dict[str, Any]) -> None:
        """Stores a batch's items (discarded, and counted, when its client was forgotten)."""
        forgotten = next((f for f in self.forgotten if f["client_id"] == batch["client_id"]), None)
        with self.lock:
            self.queue.remove(batch)
            if forgotten is not None:
                forgotten["discarded_count"] += len(batch["_items"])
            else:
                self.items[:0] = batch["_items"]

    def summary(self) -> dict[str, Any]:
        per_kind: dict[str, int] = {}
        per_rating: dict[str, int] = {}
        per_day: dict[str, int] = {}
        for item in self.items:
            per_kind[item["kind"]] = per_kind.get(item["kind"], 0) + 1
            if item["rating"]:
                per_rating[item["rating"]] = per_rating.get(item["rating"], 0) + 1
            day = item["create_time"][:10]
            per_day[day] = per_day.get(day, 0) + 1
        return {
            "total_items": len(self.items),
            "per_kind": per_kind,
            "embedding_model": "fake-test-model",
            "storage": "postgresql+psycopg2://aicmo:***@127.0.0.1:5432/aicmo",
            "embedding_dimensions": 384,
            "fake_embeddings": self.fake_embeddings,
            "per_rating": per_rating,
            "learned_per_day": [{"date": d, "count": n} for d, n in sorted(per_day.items())],
            "warnings": list(self.summary_warnings),
        }

    def generate(self, request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The started event's payload and the completed response for a generate request."""
        brief = request.get("client_brief") or {}
        package = next(
            (
                p
                for p in PACKAGES
                if p["key"] == request.get("package_key") or p["label"] == request.get("package_key")
            ),
            None,
        )
        if package is None:
            raise ValueError(f"package_key: unknown package {request.get('package_key')!r}")
        if not brief.get("client_name"):
            raise ValueError("client_brief.client_name: is required")
        if not brief.get("brand_name"):
            raise ValueError("client_brief.brand_name: is required")
        report_id = str(uuid.uuid4())
        brand = brief["brand_name"]
        client_id = client_key(brief["client_name"])
        stage = request.get("stage") or "draft"
        use_learning = request.get("use_learning", True) is not False
        if use_learning:
            learning_state = self.learning_state or "LEARNING_STATE_RECORDED"
            retrieval_state = self.retrieval_state or "RETRIEVAL_STATE_DONE"
        else:
            learning_state, retrieval_state = "LEARNING_STATE_OFF", "RETRIEVAL_STATE_OFF"
        learned = [
            {
                "item_id": i["id"],
                "score": 0.8,
                "title": i["title"],
                "kind": i["kind"],
                "rating": i["rating"],
                "source": "LEARNING_SOURCE_SAME_CLIENT"
                if i["client_id"] == client_id
                else "LEARNING_SOURCE_AGENCY_LIBRARY",
                "similarity": 0.7,
            }
            for i in (self.visible_to(client_id)[:2] if retrieval_state == "RETRIEVAL_STATE_DONE" else [])
        ]
        report_item_id = str(uuid.uuid4()) if use_learning else ""
        sections = []
        for spec in package["sections"]:
            body = f"{brand} plan for {spec['title'].lower()} ({stage})."
            if request.get("feedback"):
                body += f" Revised for feedback: {request['feedback']}"
            sections.append(
                {
                    "id": spec["id"],
                    "title": spec["title"],
                    "markdown": body,
                    "learned_from": learned if spec["id"] == "overview" else [],
                    "mode": "offline",
                    "learned_item_id": str(uuid.uuid4()) if use_learning else "",
                    "revision_notes": [f"Applied the feedback: {request['feedback']}"]
                    if request.get("feedback")
                    else [],
                }
            )
        markdown = "\n".join(
            [f"# {brand} — {package['label']}", "", f"_Prepared for {brief['client_name']}_", ""]
            + [line for s in sections for line in (f"## {s['title']}", "", s["markdown"], "")]
        )
        completed = {
            "report_id": report_id,
            "package_key": package["key"],
            "package_label": package["label"],
            "sections": sections,
            "report_markdown": markdown,
            "generation_mode": "offline",
            "learning_status": {"LEARNING_STATE_QUEUED": "pending", "LEARNING_STATE_OFF": "skipped"}.get(
                learning_state, "recorded"
            ),
            "learning_detail": "" if use_learning else "learning was turned off for this request",
            "timings": {"retrieve_ms": 3.5, "compose_ms": 12.25, "record_ms": 20.0, "total_ms": 36.0},
            "warnings": [],
            "learned_item_id": report_item_id,
            "learning_state": learning_state,
            "retrieval_state": retrieval_state,
        }
        if use_learning:
            common = {
                "client_id": client_id,
                "industry": brief.get("industry", ""),
                "package_key": package["key"],
                "source": "generator",
                "metadata": {
                    "report_id": report_id,
                    "brand_name": brand,
                    "client_name": brief["client_name"],
                },
            }
            title = f"{brand} — {package['label']}"
            new = [
                self._new_item(
                    {"kind": "full_report", "title": title, "text": markdown, **common}, report_item_id
                )
            ]
            new += [
                self._new_item(
                    {
                        "kind": "report_section",
                        "title": f"{s['title']} — {brand}",
                        "text": s["markdown"],
                        "section_id": s["id"],
                        "parent_id": report_item_id,
                        **common,
                    },
                    s["learned_item_id"],
                )
                for s in sections
            ]
            if learning_state == "LEARNING_STATE_QUEUED":
                self.add_batch(
                    title=title,
                    client_id=client_id,
                    state="QUEUE_STATE_QUEUED",
                    reason="memory UNAVAILABLE: connection refused",
                    items=new,
                    report_id=report_id,
                )
            else:
                with self.lock:
                    self.items[:0] = new
        started = {
            "report_id": report_id,
            "package_key": package["key"],
            "package_label": package["label"],
            "sections": [{"id": s["id"], "title": s["title"]} for s in package["sections"]],
        }
        events = [{"started": started}]
        events += [
            {"section_completed": {"index": n, "total": len(sections), "section": s}}
            for n, s in enumerate(sections, start=1)
        ]
        events.append({"completed": completed})
        with self.lock:
            self.completed.append(completed)
        return completed, events


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing --------------------------------------------------------------------------------------

    def _send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        body: dict[str, Any] = {"code": code, "message": message, "details": []}
        if status == 400 and ": " in message:
            name, _, description = message.partition(": ")
            body["details"] = [{"field_violations": [{"field": name, "description": description}]}]
        self._send_json(status, body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        with fake.lock:
            fake.requests.append(
                Recorded(
                    method, path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
        if path in fake.slow_paths:
            time.sleep(fake.slow_paths[path])
        failure = fake.failures.get((method, path))
        if failure is not None and (failure.times is None or failure.times > 0):
            if failure.times is not None:
                failure.times -= 1
            if isinstance(failure.body, str):
                data = failure.body.encode()
                self.send_response(failure.status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self._send_json(failure.status, failure.body)
            return
        try:
            self._route(method, path, parse_qs(parts.query), body if isinstance(body, dict) else {})
        except ValueError as exc:
            self._error(400, 3, str(exc))

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> None:
        fake = self.server.fake
        if method == "GET" and path == "/api/health":
            if fake.health_down:
                self._error(503, 14, f"not serving: {fake.health_down}")
            else:
                components = [
                    {"name": n, "status": "SERVING", "detail": ""}
                    for n in ("generator", "memory", "database")
                ]
                self._send_json(
                    200,
                    {
                        "status": "SERVING",
                        "components": components,
                        "pending_learning": sum(b["state"] == "QUEUE_STATE_QUEUED" for b in fake.queue),
                        "set_aside_learning": sum(b["state"] == "QUEUE_STATE_SET_ASIDE" for b in fake.queue),
                    },
                )
        elif method == "GET" and path == "/api/aicmo/packages":
            self._send_json(200, {"packages": PACKAGES})
        elif method == "POST" and path == "/api/aicmo/generate_report":
            completed, _ = fake.generate(body)
            self._send_json(200, completed)
        elif method == "POST" and path == "/api/aicmo/generate_report/stream":
            self._stream(body)
        elif method == "GET" and path == "/api/learn/debug/summary":
            self._send_json(200, fake.summary())
        elif method == "GET" and path == "/api/learn/items":
            self._list(query)
        elif method == "POST" and path == "/api/learn/items":
            self._record(body)
        elif method == "POST" and path == "/api/learn/search":
            self._search(body)
        elif (m := re.fullmatch(r"/api/learn/items/([^/]+)/rating", path)) and method == "POST":
            item = fake.item(unquote(m.group(1)))
            if item is None:
                self._error(404, 5, f"item {m.group(1)} not found")
                return
            rating = body.get("rating", "")
            if rating not in ("gold", "weak", "", "none"):
                raise ValueError("rating: must be gold, weak or empty")
            rated = [item]
            if item["kind"] == "full_report":
                rated += [i for i in fake.items if i["parent_id"] == item["id"]]
            for one in rated:
                one["rating"] = "" if rating == "none" else rating
                one["rating_note"] = body.get("note", "")
            self._send_json(200, {"item": item, "rated_count": len(rated)})
        elif (m := re.fullmatch(r"/api/learn/items/([^/]+)/scope", path)) and method == "POST":
            item = fake.item(unquote(m.group(1)))
            if item is None:
                self._error(404, 5, f"item {m.group(1)} not found")
                return
            scope = body.get("scope", "")
            if scope not in SCOPES:
                raise ValueError("scope: must be SCOPE_CLIENT or SCOPE_AGENCY")
            if scope == "SCOPE_CLIENT" and not item["client_id"]:
                raise ValueError("scope: SCOPE_CLIENT needs the item to have a client_id")
            item["scope"] = scope
            self._send_json(200, {"item": item})
        elif (m := re.fullmatch(r"/api/learn/items/([^/]+)", path)) and method in ("GET", "DELETE"):
            item = fake.item(unquote(m.group(1)))
            if item is None:
                self._error(404, 5, f"item {m.group(1)} not found")
            elif method == "GET":
                self._send_json(200, {"item": item})
            else:
                with fake.lock:
                    fake.items.remove(item)
                self._send_json(200, {"id": item["id"]})
        elif (m := re.fullmatch(r"/api/learn/clients/([^/]+)", path)) and method == "DELETE":
            client_id = unquote(m.group(1))
            gone = [i for i in fake.items if i["client_id"] == client_id]
            per_kind: dict[str, int] = {}
            for item in gone:
                per_kind[item["kind"]] = per_kind.get(item["kind"], 0) + 1
            forget_time = now_rfc3339()
            with fake.lock:
                fake.items = [i for i in fake.items if i["client_id"] != client_id]
                before = next((f for f in fake.forgotten if f["client_id"] == client_id), None)
                if before is not None:
                    fake.forgotten.remove(before)
                fake.forgotten.insert(
                    0,
                    {
                        "client_id": client_id,
                        "forget_time": forget_time,
                        "deleted_count": len(gone) + (before["deleted_count"] if before else 0),
                        "discarded_count": before["discarded_count"] if before else 0,
                    },
                )
            self._send_json(
                200,
                {
                    "client_id": client_id,
                    "deleted_count": len(gone),
                    "per_kind": per_kind,
                    # Deprecated (the first 100 only); the app must not rely on it.
                    "deleted_ids": [i["id"] for i in gone][:100],
                    "forget_time": forget_time,
                },
            )
        elif method == "GET" and path == "/api/learn/forgotten_clients":
            self._send_json(200, {"clients": fake.forgotten})
        elif method == "GET" and path == "/api/aicmo/learning_queue":
            self._send_json(
                200,
                {
                    "batches": [fake.public_batch(b) for b in fake.queue[:200]],
                    "queued_count": sum(b["state"] == "QUEUE_STATE_QUEUED" for b in fake.queue),
                    "set_aside_count": sum(b["state"] == "QUEUE_STATE_SET_ASIDE" for b in fake.queue),
                },
            )
        elif (m := re.fullmatch(r"/api/aicmo/learning_queue/([^/]+)/replay", path)) and method == "POST":
            batch = fake.batch(unquote(m.group(1)))
            if batch is None:
                self._error(404, 5, f"no learning batch {unquote(m.group(1))}")
                return
            batch["attempts"] += 1
            if fake.replay_delivers:
                fake.deliver(batch)
                delivered = {**fake.public_batch(batch), "state": "QUEUE_STATE_UNSPECIFIED", "reason": ""}
                self._send_json(200, {"batch": delivered, "delivered": True})
            else:
                batch["reason"] = fake.replay_reason
                self._send_json(200, {"batch": fake.public_batch(batch), "delivered": False})
        elif (m := re.fullmatch(r"/api/aicmo/learning_queue/([^/]+)", path)) and method == "DELETE":
            batch = fake.batch(unquote(m.group(1)))
            if batch is None:
                self._error(404, 5, f"no learning batch {unquote(m.group(1))}")
                return
            with fake.lock:
                fake.queue.remove(batch)
            self._send_json(200, {"name": batch["name"]})
        else:
            self._send_json(
                404, {"code": 404, "details": [], "message": f"Could not resolve {path} to a method."}
            )

    def _stream(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        _, events = fake.generate(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        fake.stream_sent_events = 0
        for n, event in enumerate(events):
            if fake.stream_break_after is not None and n >= fake.stream_break_after:
                break
            fake.stream_sent_events = n + 1  # counted before the write, so the client never sees more
            self._chunk(json.dumps(event).encode() + b"\n")
            if n == 0 and fake.stream_gate is not None:
                fake.gate_released_in_time = fake.stream_gate.wait(timeout=10)
            if fake.stream_delay:
                time.sleep(fake.stream_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _list(self, query: dict[str, list[str]]) -> None:
        fake = self.server.fake

        def one(name: str) -> str:
            return query.get(name, [""])[0]

        size = int(one("page_size") or 20)
        if not 1 <= size <= 100:
            raise ValueError(f"page_size: must be between 1 and 100 (got {size})")
        offset = int(one("page_token") or 0)
        matching = [
            i
            for i in fake.items
            if (not one("kind") or i["kind"] == one("kind"))
            and (not one("client_id") or i["client_id"] == one("client_id"))
        ]
        page = matching[offset : offset + size]
        next_token = str(offset + size) if offset + size < len(matching) else ""
        self._send_json(200, {"items": page, "next_page_token": next_token, "total_size": len(matching)})

    def _record(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        item = body.get("item") or {}
        if not item.get("text"):
            raise ValueError("item.text: must not be empty")
        if not item.get("kind"):
            raise ValueError("item.kind: is required")
        if item.get("scope") == "SCOPE_CLIENT" and not item.get("client_id"):
            raise ValueError("item.scope: SCOPE_CLIENT needs a client_id")
        for existing in fake.items:
            if (existing["kind"], existing["client_id"], existing["text"]) == (
                item["kind"],
                item.get("client_id", ""),
                item["text"],
            ):
                self._send_json(200, {"item": existing, "created": False, "result": "RECORD_RESULT_EXISTING"})
                return
        new = fake.add_item(**{k: v for k, v in item.items() if k != "id"})
        self._send_json(200, {"item": new, "created": True, "result": "RECORD_RESULT_CREATED"})

    def _search(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        words = set(re.findall(r"\w+", str(body.get("query", "")).lower()))
        kinds = body.get("kinds") or []
        results: list[dict[str, Any]] = []
        for item in fake.items:
            if kinds and item["kind"] not in kinds:
                continue
            if body.get("client_id") and item["client_id"] != body["client_id"]:
                continue
            if body.get("for_client_id") and item not in fake.visible_to(body["for_client_id"]):
                continue
            text_words = set(re.findall(r"\w+", (item["title"] + " " + item["text"]).lower()))
            similarity = len(words & text_words) / max(len(words), 1)
            if similarity > 0:
                bonus = 0.1 if item["rating"] == "gold" else -0.1 if item["rating"] == "weak" else 0.0
                results.append({"item": item, "score": similarity + bonus, "similarity": similarity})
        results.sort(key=lambda r: -float(r["score"]))
        top_k = int(body.get("top_k") or 5)
        self._send_json(
            200,
            {
                "results": results[:top_k],
                "embedding_model": "fake-test-model",
                "warnings": ["fake embeddings are in use"] if fake.fake_embeddings else [],
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGateway


@contextmanager
def running_fake_gateway() -> Iterator[FakeGateway]:
    """A FakeGateway serving on 127.0.0.1 (a free port) for the duration of the block."""
    fake = FakeGateway()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-gateway", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        if fake.stream_gate is not None:
            fake.stream_gate.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
