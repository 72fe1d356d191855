"""ui/api.py against the real services (the shared stack, and the outage environment for parts that are
down): the generated messages both ways, and every kind of failure in plain words with the technical part
kept apart. What the real services never send (a stream cut short, an error line in the middle of a stream,
a body that is not JSON, a newer gateway's extra fields, an answer held back) comes from `Responder`, a
purpose-built HTTP server here that replays what the real gateway sent, changed in that one way: it checks
the client's reading of the protocol, and knows nothing of what the services do."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.common.client_ids import client_key
from services.generator.adapters.spool import LearningSpool
from tests.e2e.stack import StackProcess
from tests.support import free_port
from tests.ui.apptest_support import embedded, unique
from tests.ui.outage import RETRIEVAL_BUDGET_MS, Outage
from ui.api import GatewayClient, GatewayError
from ui.contract import ARCHIVE, GENERATOR, MEMORY, binding, gpb, mpb, parse, rpb
from ui.labels import is_shared, retrieval_skipped

STREAM = "/api/aicmo/generate_report/stream"


# -- a purpose-built responder for what the real gateway never sends --------------------------------------


@dataclass
class Answer:
    """What the responder sends for one path: a status and chunks (NDJSON lines, or one body), optionally
    holding back after `hold_after` chunks until released."""

    chunks: list[bytes]
    status: int = 200
    content_type: str = "application/json"
    hold_after: int | None = None


@dataclass
class Responder:
    answers: dict[str, Answer] = field(default_factory=dict)
    bodies: list[Any] = field(default_factory=list)  # the request bodies it received, decoded
    release: threading.Event = field(default_factory=threading.Event)
    sent: int = 0  # chunks sent of the last answer
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        responder = self.server.responder
        length = int(self.headers.get("Content-Length") or 0)
        responder.bodies.append(json.loads(self.rfile.read(length)) if length else None)
        answer = responder.answers[self.path.split("?")[0]]
        if answer.hold_after == 0 and not responder.release.wait(10):  # no answer at all until released
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        responder.sent = 0
        for n, chunk in enumerate(answer.chunks):
            if n == answer.hold_after and n and not responder.release.wait(10):
                return
            responder.sent = n + 1  # counted before the write, so the client never sees more
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    responder: Responder


@pytest.fixture
def responder() -> Iterator[Responder]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.responder = Responder(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.responder
    server.responder.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def real_stream(running_stack: StackProcess) -> list[bytes]:
    """The NDJSON lines the real gateway streams for one report (started, a line per section, completed)."""
    answer = running_stack.post(STREAM, {"client_brief": {"client_name": unique("Stream Co"), "brand_name": "Stream"},
                                         "package_key": "quick_social_basic", "use_learning": False})  # fmt: skip
    assert answer.status == 200, answer.body
    return [line + b"\n" for line in answer.body.splitlines() if line.strip()]


def brief_request(
    client: str = "Northwind Coffee Co.", package: str = "quick_social_basic"
) -> gpb.GenerateReportRequest:
    brief = gpb.ClientBrief(
        client_name=client, brand_name="Northwind", industry="Coffee & cafés", launch_date="2026-12-01"
    )
    return gpb.GenerateReportRequest(
        client_brief=brief, package_key=package, report_stage=gpb.REPORT_STAGE_DRAFT, use_learning=True
    )


def event_kinds(events: list[gpb.StreamGenerateReportResponse]) -> list[str | None]:
    return [e.WhichOneof("event") for e in events]


def admin(stack: StackProcess) -> GatewayClient:
    return GatewayClient(stack.gateway_url, stack.admin_token())


# -- the contract both ways, against the real services -----------------------------------------------------


def test_packages_are_parsed_and_the_token_is_sent_when_set(running_stack: StackProcess) -> None:
    packages = admin(running_stack).list_packages().packages
    assert {"strategy_campaign_standard", "quick_social_basic"} <= {p.key for p in packages}
    quick = next(p for p in packages if p.key == "quick_social_basic")
    assert isinstance(quick, gpb.Package)
    assert quick.label == "Quick Social Pack (Basic)" and quick.section_count == len(quick.sections) >= 3
    assert all(s.id and s.title for s in quick.sections)
    # Without a token the services refuse (so the one above was sent).
    with pytest.raises(GatewayError) as caught:
        GatewayClient(running_stack.gateway_url).list_packages()
    assert caught.value.kind == "unauthorized"


def test_the_stream_is_read_incrementally(responder: Responder, real_stream: list[bytes]) -> None:
    """The client sees `started` while the server is still holding the rest of the stream back."""
    responder.answers[STREAM] = Answer(real_stream, hold_after=1)
    events = []
    sent_when_started_arrived = None
    for event in GatewayClient(responder.url).stream_generate_report(brief_request()):
        events.append(event)
        if event.WhichOneof("event") == "started":
            sent_when_started_arrived = responder.sent
            responder.release.set()  # only now may the server send the sections
    assert sent_when_started_arrived == 1
    sections = len(real_stream) - 2
    assert event_kinds(events) == ["started", *["section_completed"] * sections, "completed"]
    assert [(e.section_completed.index, e.section_completed.total) for e in events[1:-1]] == [
        (n, sections) for n in range(1, sections + 1)
    ]
    assert [s.title for s in events[0].started.sections] == [
        e.section_completed.section.title for e in events[1:-1]
    ]
    result = events[-1].completed
    assert result.report_id == events[0].started.report_id
    assert result.mode == gpb.GENERATION_MODE_OFFLINE and result.learning_state == gpb.LEARNING_STATE_OFF
    assert "total_ms" in result.timings  # the field is there (its value is the machine's business)
    assert result.report_markdown.startswith("# Stream — Quick Social Pack (Basic)")


def test_the_request_body_is_the_contracts_json(responder: Responder, real_stream: list[bytes]) -> None:
    """Proto field names, enums by name, defaults left out, the deprecated `services` and `stage` not sent."""
    responder.answers[STREAM] = Answer(real_stream)
    list(GatewayClient(responder.url).stream_generate_report(brief_request()))
    assert responder.bodies[-1] == {
        "client_brief": {
            "client_name": "Northwind Coffee Co.",
            "brand_name": "Northwind",
            "industry": "Coffee & cafés",
            "launch_date": "2026-12-01",
        },
        "package_key": "quick_social_basic",
        "use_learning": True,
        "report_stage": "REPORT_STAGE_DRAFT",
    }
    # Turning learning off is sent (use_learning is optional: false is not the default).
    completed = json.loads(real_stream[-1])["completed"]
    responder.answers["/api/aicmo/generate_report"] = Answer([json.dumps(completed).encode()])
    off = brief_request()
    off.use_learning = False
    assert GatewayClient(responder.url).generate_report(off).report_id == completed["report_id"]
    assert responder.bodies[-1]["use_learning"] is False


def test_a_refinement_joins_the_draft_with_feedback_and_the_previous_draft(
    running_stack: StackProcess,
) -> None:
    client = admin(running_stack)
    draft = brief_request(unique("Northwind Coffee Co."))
    first = client.generate_report(draft)
    refine = gpb.GenerateReportRequest(
        client_brief=draft.client_brief,
        package_key="quick_social_basic",
        report_stage=gpb.REPORT_STAGE_REFINE,
        feedback="More premium tone",
        previous_draft=first.report_markdown,
        history_id=first.history_id,
    )
    second = client.generate_report(refine)
    assert second.history_id == first.history_id != second.report_id
    versions = client.list_report_versions(first.history_id)
    assert [(v.stage, v.note) for v in versions] == [
        (rpb.VERSION_STAGE_DRAFT, ""),
        (rpb.VERSION_STAGE_REFINE, "More premium tone"),
    ]
    assert second.refine_applied  # the generator says what the feedback changed


def test_a_stream_that_ends_early_is_an_error(responder: Responder, real_stream: list[bytes]) -> None:
    responder.answers[STREAM] = Answer(real_stream[:2])
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(responder.url).stream_generate_report(brief_request()))
    assert caught.value.kind == "protocol"
    assert "stopped part-way" in str(caught.value)
    assert "`completed` event" in caught.value.detail


def test_an_error_in_the_middle_of_a_stream_is_said_plainly(
    responder: Responder, real_stream: list[bytes]
) -> None:
    """After the stream started, an error arrives as a status object instead of an event."""
    failure = json.dumps({"code": 14, "message": "memory went away", "details": []}).encode() + b"\n"
    responder.answers[STREAM] = Answer([*real_stream[:2], failure])
    events: list[gpb.StreamGenerateReportResponse] = []
    with pytest.raises(GatewayError) as caught:
        events.extend(GatewayClient(responder.url).stream_generate_report(brief_request()))
    assert event_kinds(events) == ["started", "section_completed"]
    assert (caught.value.kind, caught.value.code) == ("unavailable", 14)
    assert (
        str(caught.value)
        == "The report stopped part-way: a part of AICMO stopped answering. Try again in a moment."
    )
    assert "memory went away" in caught.value.detail


def test_understand_brief_sends_the_brief_as_the_body_and_reads_the_facts(
    running_stack: StackProcess,
) -> None:
    brief = gpb.ClientBrief(
        client_name="Halberd Security Inc.",
        brand_name="Halberd ID",
        budget="$250,000",
        raw_brief_text="We compete with CrowdStrike and Okta. No paid social on TikTok.",
    )
    brief.metadata.update({"tone": "calm and exact"})
    # The body is the ClientBrief itself (the binding's body is "client_brief").
    path, sent, _ = binding(GENERATOR, "UnderstandBrief").expand(
        gpb.UnderstandBriefRequest(client_brief=brief)
    )
    assert (path, sent) == (
        "/api/aicmo/brief:understand",
        {
            "client_name": "Halberd Security Inc.",
            "brand_name": "Halberd ID",
            "budget": "$250,000",
            "raw_brief_text": "We compete with CrowdStrike and Okta. No paid social on TikTok.",
            "metadata": {"tone": "calm and exact"},
        },
    )
    understood = admin(running_stack).understand_brief(brief)
    assert [c.name for c in understood.competitors] == ["CrowdStrike", "Okta"]
    assert (understood.budget.amount, understood.budget.currency_code) == (250_000, "USD")
    assert understood.tone == "calm and exact"
    assert list(understood.rules.excluded_channels) == ["TikTok"]
    origins = {s.fact: s.origin for s in understood.sources}
    assert origins["budget"] == origins["tone"] == gpb.FACT_ORIGIN_FORM
    assert origins["competitors"] == gpb.FACT_ORIGIN_TEXT

    # The brief is validated by the generator.
    with pytest.raises(GatewayError) as caught:
        admin(running_stack).understand_brief(gpb.ClientBrief(brand_name="X", launch_date="soon"))
    assert (caught.value.kind, caught.value.field) == ("invalid", "client_brief.client_name")
    assert str(caught.value).startswith("Checking the brief did not work")


def test_400_names_the_field_and_the_servers_words(running_stack: StackProcess) -> None:
    request = gpb.GenerateReportRequest(
        client_brief=gpb.ClientBrief(brand_name="X"), package_key="quick_social_basic"
    )
    with pytest.raises(GatewayError) as caught:
        list(admin(running_stack).stream_generate_report(request))
    error = caught.value
    assert (error.kind, error.status, error.code) == ("invalid", 400, 3)
    # From the google.rpc.BadRequest detail, not guessed from the text (the streaming RPC's request wraps the
    # report's request in `request`).
    assert error.field == "request.client_brief.client_name"
    assert "BadRequest" in [type(d).__name__ for d in error.details]
    assert "client_brief.client_name" in str(error)
    assert str(error).startswith("Generating the report did not work")
    assert "HTTP 400 (gRPC status 3)" in error.detail
    assert "Traceback" not in str(error)


@pytest.fixture(scope="module")
def gateway_without_memory(running_stack: StackProcess) -> Iterator[str]:
    """The real gateway with nothing listening where memory should be (the generator is the stack's)."""
    from tests.support import new_data_dir, start_gateway

    data_dir = new_data_dir("ui-no-memory")
    gateway, url = start_gateway(
        data_dir, generator=running_stack.generator_target, memory=f"127.0.0.1:{free_port()}"
    )
    yield url
    gateway.stop()


def test_503_says_in_plain_words_what_is_down_and_keeps_the_technical_part_apart(
    gateway_without_memory: str, running_stack: StackProcess
) -> None:
    with pytest.raises(GatewayError) as caught:
        GatewayClient(gateway_without_memory, running_stack.admin_token()).summary()
    error = caught.value
    assert (error.kind, error.status) == ("unavailable", 503)
    assert str(error).startswith("AICMO's memory (what it has learned) is not available right now")
    assert "try again in a minute" in str(error).lower()
    assert "make run" not in str(error) and "HTTP" not in str(error)
    assert error.server_message and error.server_message in error.detail
    assert "`make run`" in error.detail and "var/logs" in error.detail


def test_health_503_is_a_degraded_health_with_every_component(outage: Outage) -> None:
    client = GatewayClient(outage.gateway_url, outage.stack.admin_token())
    outage.link.cut()
    health = client.health()
    assert not health.serving
    assert "memory" in health.detail
    # The generator's CheckHealthResponse travels in the failure's details.
    states = {c.name: c.state for c in health.response.components}
    assert states["generator"] == gpb.SERVING_STATE_SERVING
    assert states["memory"] == gpb.SERVING_STATE_UNREACHABLE
    outage.memory_back()
    health = client.health()
    assert health.serving
    assert {"generator", "memory", "database"} <= {c.name for c in health.response.components}


def test_health_503_without_details_is_still_not_serving(outage: Outage) -> None:
    """Envoy answers for a generator that is down, with no CheckHealthResponse in the details."""
    outage.stop_generator()
    health = GatewayClient(outage.gateway_url, outage.stack.admin_token()).health()
    assert not health.serving
    assert list(health.response.components) == []
    assert health.detail


def test_a_refused_connection_says_what_to_do_in_plain_words() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(GatewayError) as caught:
        GatewayClient(url).list_packages()
    error = caught.value
    assert error.kind == "unreachable"
    assert str(error).startswith(
        "AICMO is not running or cannot be reached, so loading the packages did not work"
    )
    assert "What you typed is kept" in str(error)
    assert "make run" not in str(error) and url not in str(error)
    assert f"No connection to the AICMO gateway at {url}" in error.detail
    assert "`make run`" in error.detail and "AICMO_GATEWAY_URL" in error.detail
    assert error.__cause__ is None  # no chained transport exception to leak a traceback


def test_a_refused_connection_fails_a_stream_too() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(url).stream_generate_report(brief_request()))
    assert caught.value.kind == "unreachable"


def test_a_slow_gateway_is_a_timeout(responder: Responder) -> None:
    responder.answers["/api/learn/debug/summary"] = Answer([b"{}"], hold_after=0)  # held until the test ends
    with pytest.raises(GatewayError) as caught:
        GatewayClient(responder.url, read_timeout=0.2).summary()
    assert caught.value.kind == "timeout", caught.value.detail
    assert "took too long (over 0.2 s)" in str(caught.value)
    assert "AICMO_GENERATE_TIMEOUT_SECONDS" in caught.value.detail


def test_401_403_413_and_504_and_non_json_have_their_own_messages(
    running_stack: StackProcess, responder: Responder
) -> None:
    with pytest.raises(GatewayError) as caught:
        GatewayClient(running_stack.gateway_url, "not-a-token").list_items()
    assert caught.value.kind == "unauthorized"

    viewer = running_stack.token_for(unique("viewer").replace(" ", "-"), "viewer")
    with pytest.raises(GatewayError) as caught:
        GatewayClient(running_stack.gateway_url, viewer).delete_item(str(uuid.uuid4()))
    assert caught.value.kind == "forbidden"

    with pytest.raises(GatewayError) as caught:
        admin(running_stack).search(mpb.SearchItemsRequest(query="x" * (3 * 1024 * 1024)))
    assert caught.value.kind == "too_large"

    # What the real gateway sends when a service takes longer than the route allows (not caused here: it
    # takes the route's whole timeout).
    late = json.dumps({"code": 4, "message": "upstream request timeout", "details": []}).encode()
    responder.answers["/api/learn/search"] = Answer([late], status=504)
    with pytest.raises(GatewayError) as caught:
        GatewayClient(responder.url).search(mpb.SearchItemsRequest(query="coffee"))
    assert caught.value.kind == "deadline"
    assert "took longer than AICMO allows" in str(caught.value)

    responder.answers["/api/aicmo/packages"] = Answer(
        [b"<html>not the gateway</html>"], content_type="text/html"
    )
    with pytest.raises(GatewayError) as caught:
        GatewayClient(responder.url).list_packages()
    assert caught.value.kind == "protocol"
    assert "not JSON" in caught.value.detail


def test_a_newer_gateways_extra_fields_are_ignored(
    running_stack: StackProcess, responder: Responder, real_stream: list[bytes]
) -> None:
    """Fields this app does not know, at every level of every answer, are ignored (not errors): the real
    gateway's answers, with fields added."""
    extra = {"added_in_v2": {"nested": [1, 2]}, "another_new_field": "x"}
    client = admin(running_stack)
    item = client.record_item(
        mpb.RecordItemRequest(
            item=mpb.LearningItem(kind="uploaded_example", title="t", text=unique("coffee"))
        )
    ).item
    answers: list[tuple[str, Any]] = [
        (f"/api/learn/items/{item.id}", mpb.GetItemResponse.DESCRIPTOR),
        ("/api/learn/items", mpb.ListItemsResponse.DESCRIPTOR),
        ("/api/learn/debug/summary", mpb.GetSummaryResponse.DESCRIPTOR),
        ("/api/health", gpb.CheckHealthResponse.DESCRIPTOR),
    ]
    for path, descriptor in answers:
        real = running_stack.get(path + ("?page_size=1" if path == "/api/learn/items" else ""))
        assert real.status == 200, real.body
        responder.answers[path] = Answer([json.dumps(_with_extra(real.json(), descriptor, extra)).encode()])
    lines = [json.loads(line) for line in real_stream]
    responder.answers[STREAM] = Answer(
        [
            json.dumps(_with_extra(x, gpb.StreamGenerateReportResponse.DESCRIPTOR, extra)).encode() + b"\n"
            for x in lines
        ]
    )
    newer = GatewayClient(responder.url)
    assert newer.get_item(item.id).title == "t"
    assert len(newer.list_items().items) == 1
    assert newer.summary().total_items >= 1
    assert newer.health().serving
    events = list(newer.stream_generate_report(brief_request()))
    assert event_kinds(events)[-1] == "completed" and events[-1].completed.sections


def _with_extra(data: Any, descriptor: Any, extra: dict[str, Any]) -> Any:
    """`data` (a printed message) with `extra` fields added to it and to every message inside it (maps and
    well-known types left alone)."""
    if not isinstance(data, dict) or descriptor.full_name.startswith("google.protobuf."):
        return data
    out = dict(data)
    for f in descriptor.fields:
        if f.message_type is None or f.message_type.GetOptions().map_entry or f.name not in out:
            continue
        value = out[f.name]
        if isinstance(value, list):
            out[f.name] = [_with_extra(v, f.message_type, extra) for v in value]
        else:
            out[f.name] = _with_extra(value, f.message_type, extra)
    return {**out, **extra}


def test_enums_printed_as_numbers_parse_and_unknown_values_are_unspecified() -> None:
    parsed = parse(
        '{"learning_state": 2, "retrieval_state": "RETRIEVAL_STATE_NEW"}', gpb.GenerateReportResponse
    )
    assert (parsed.learning_state, parsed.retrieval_state) == (
        gpb.LEARNING_STATE_QUEUED,
        gpb.RETRIEVAL_STATE_UNSPECIFIED,
    )


def test_memory_endpoints_round_trip(running_stack: StackProcess) -> None:
    client = admin(running_stack)
    acme = client_key(unique("Acme"))
    kind = f"note_{uuid.uuid4().hex[:8]}"  # a kind of this test's own: searches and counts see only its items

    def record(**fields: Any) -> mpb.RecordItemResponse:
        return client.record_item(mpb.RecordItemRequest(item=mpb.LearningItem(**fields)))

    text = unique("Loyalty email for coffee lovers")
    first = record(kind=kind, title="Gold email", text=text, tags=["email"], source="upload", client_id=acme)
    assert (first.created, first.result) == (True, mpb.RECORD_RESULT_CREATED)
    assert (first.item.source, list(first.item.tags)) == ("upload", ["email"])
    again = record(kind=kind, title="Gold email", text=text, client_id=acme)
    assert (again.result, again.item.id) == (mpb.RECORD_RESULT_EXISTING, first.item.id)

    for n in range(4):
        record(kind=kind, title=f"n{n}", text=f"note {n} {acme}", client_id=acme)
    page1 = client.list_items(mpb.ListItemsRequest(kind=kind, page_size=3))
    assert (page1.total_size, len(page1.items)) == (5, 3)
    assert page1.next_page_token
    page2 = client.list_items(mpb.ListItemsRequest(kind=kind, page_size=3, page_token=page1.next_page_token))
    assert len(page2.items) == 2 and not page2.next_page_token
    assert {i.id for i in page1.items}.isdisjoint(i.id for i in page2.items)
    assert client.list_items(mpb.ListItemsRequest(client_id=acme, page_size=1)).total_size == 5

    gold_before = client.summary().per_rating.get("gold", 0)
    rated = client.rate_item(first.item.id, mpb.RATING_GOLD, "great tone")
    assert (rated.item.verdict, rated.item.rating_note, rated.rated_count) == (
        mpb.RATING_GOLD,
        "great tone",
        1,
    )
    assert client.get_item(first.item.id).verdict == mpb.RATING_GOLD
    summary = client.summary()
    assert summary.per_rating["gold"] == gold_before + 1
    assert summary.per_kind[kind] == 5
    assert summary.learned_per_day and summary.total_items >= 5

    embedded(running_stack)
    hits = client.search(mpb.SearchItemsRequest(query=text, top_k=3, kinds=[kind], for_client_id=acme))
    assert hits.results[0].item.id == first.item.id
    assert hits.results[0].score > hits.results[0].similarity  # gold ranks up

    # Clearing a rating sends no verdict at all (RATING_UNSPECIFIED is the default).
    assert binding(MEMORY, "RateItem").expand(mpb.RateItemRequest(id="x"))[1] == {}
    client.rate_item(first.item.id, mpb.RATING_UNSPECIFIED)
    assert client.get_item(first.item.id).verdict == mpb.RATING_UNSPECIFIED

    assert client.delete_item(first.item.id).id == first.item.id
    with pytest.raises(GatewayError) as caught:
        client.get_item(first.item.id)
    assert caught.value.kind == "not_found"

    forgot = client.forget_client(acme)
    assert (forgot.deleted_count, dict(forgot.per_kind)) == (4, {kind: 4})
    assert forgot.HasField("forget_time")
    assert client.list_items(mpb.ListItemsRequest(kind=kind)).total_size == 0
    forgotten = {f.client_id: f for f in client.list_forgotten_clients().clients}
    assert (forgotten[acme].deleted_count, forgotten[acme].discarded_count) == (4, 0)


def test_a_report_is_rated_by_its_learned_id_and_rates_its_sections(running_stack: StackProcess) -> None:
    client = admin(running_stack)
    result = client.generate_report(brief_request(unique("Northwind Coffee Co.")))
    assert (result.learning_state, result.retrieval_state) == (
        gpb.LEARNING_STATE_RECORDED,
        gpb.RETRIEVAL_STATE_DONE,
    )
    assert not retrieval_skipped(result)
    assert result.learned_item_id and all(s.learned_item_id for s in result.sections)
    rated = client.rate_item(result.learned_item_id, mpb.RATING_GOLD, "our voice")
    assert rated.item.kind == "full_report"
    assert rated.rated_count == 1 + len(result.sections)
    section = client.get_item(result.sections[0].learned_item_id)
    assert (section.verdict, section.parent_id, section.scope) == (
        mpb.RATING_GOLD,
        result.learned_item_id,
        mpb.SCOPE_CLIENT,
    )
    assert not is_shared(section)


def test_learning_off_and_skipped_retrieval_are_enums(running_stack: StackProcess, outage: Outage) -> None:
    off = brief_request(unique("Northwind Coffee Co."))
    off.use_learning = False
    done = admin(running_stack).generate_report(off)
    assert (done.learning_state, done.retrieval_state, done.learned_item_id) == (
        gpb.LEARNING_STATE_OFF,
        gpb.RETRIEVAL_STATE_OFF,
        "",
    )
    outage.link.slow["SearchItems"] = RETRIEVAL_BUDGET_MS / 1000 + 1  # memory's search slower than the budget
    slow = GatewayClient(outage.gateway_url, outage.stack.admin_token()).generate_report(
        brief_request(unique("Northwind Coffee Co."))
    )
    assert slow.retrieval_state == gpb.RETRIEVAL_STATE_SKIPPED_SLOW and retrieval_skipped(slow)


def test_scope_upload_share_and_search_for_a_client(running_stack: StackProcess) -> None:
    client = admin(running_stack)
    acme, zeta = client_key(unique("Acme")), client_key(unique("Zeta"))
    kind = f"example_{uuid.uuid4().hex[:8]}"

    def record(
        title: str, text: str, client_id: str = "", scope: mpb.Scope.ValueType = mpb.SCOPE_UNSPECIFIED
    ) -> mpb.RecordItemResponse:
        item = mpb.LearningItem(
            kind=kind, title=title, text=f"{text} {kind}", client_id=client_id, scope=scope
        )
        return client.record_item(mpb.RecordItemRequest(item=item))

    own = record(title="Acme email", text="acme coffee email", client_id=acme)
    assert (own.item.scope, own.result) == (mpb.SCOPE_CLIENT, mpb.RECORD_RESULT_CREATED)
    library = record(title="Playbook", text="coffee playbook")
    assert library.item.scope == mpb.SCOPE_AGENCY and is_shared(library.item)
    other = record(title="Zeta", text="zeta coffee", client_id=zeta, scope=mpb.SCOPE_CLIENT)
    assert other.item.scope == mpb.SCOPE_CLIENT
    # A scope left unspecified is not sent (the service picks it).
    sent = binding(MEMORY, "RecordItem").expand(
        mpb.RecordItemRequest(item=mpb.LearningItem(kind="k", text="t"))
    )[1]
    assert sent == {"item": {"kind": "k", "text": "t"}}

    embedded(running_stack)
    found = client.search(mpb.SearchItemsRequest(query="coffee", top_k=10, kinds=[kind], for_client_id=acme))
    assert {h.item.id for h in found.results} == {own.item.id, library.item.id}

    shared = client.set_item_scope(other.item.id, mpb.SCOPE_AGENCY)
    assert shared.scope == mpb.SCOPE_AGENCY and is_shared(shared)
    again = client.search(mpb.SearchItemsRequest(query="coffee", top_k=10, kinds=[kind], for_client_id=acme))
    assert other.item.id in {h.item.id for h in again.results}
    with pytest.raises(GatewayError) as caught:
        client.set_item_scope(library.item.id, mpb.SCOPE_CLIENT)
    assert caught.value.kind == "invalid"


def test_learning_queue_list_replay_and_drop(outage: Outage) -> None:
    client = GatewayClient(outage.gateway_url, outage.stack.admin_token())
    for batch in client.list_learning_queue().batches:  # what earlier tests left behind
        client.drop_learning_batch(batch.name)
    outage.link.cut()
    result = client.generate_report(brief_request(unique("Northwind Coffee Co.")))
    assert result.learning_state == gpb.LEARNING_STATE_QUEUED
    # A batch memory will refuse for good, in the generator's own spool.
    refused = mpb.BatchRecordItemsRequest(
        requests=[mpb.RecordItemRequest(item=mpb.LearningItem(kind="Not A Kind", title="Rejected", text="x"))]
    )
    LearningSpool(outage.spool_dir, lambda batch, timeout: None).enqueue(refused, "refused")
    with pytest.raises(GatewayError) as caught:
        client.rate_item(result.learned_item_id, mpb.RATING_GOLD)  # memory itself answers: not learned yet
    assert caught.value.kind in ("not_found", "unavailable")

    queue = client.list_learning_queue()
    assert (queue.queued_count, queue.set_aside_count) == (2, 0)
    queued, rejected = queue.batches
    assert (queued.state, queued.report_id, queued.item_count) == (
        gpb.QUEUE_STATE_QUEUED,
        result.report_id,
        1 + len(result.sections),
    )
    # While memory is away a replay delivers nothing, and says so.
    failed = client.replay_learning_batch(queued.name)
    assert not failed.delivered, failed
    assert failed.batch.state == gpb.QUEUE_STATE_QUEUED, failed

    outage.memory_back()
    outage.deliver_queued(queued.client_id)
    assert binding(GENERATOR, "ReplayLearningBatch").expand(gpb.ReplayLearningBatchRequest(name="n"))[1] == {}
    assert client.rate_item(result.learned_item_id, mpb.RATING_GOLD).rated_count == 1 + len(result.sections)
    refused_now = client.replay_learning_batch(rejected.name)
    assert not refused_now.delivered and refused_now.batch.state == gpb.QUEUE_STATE_SET_ASIDE
    assert refused_now.batch.reason.startswith("INVALID_ARGUMENT")
    health = client.health().response
    assert (health.pending_learning, health.set_aside_learning) == (0, 1)

    assert client.drop_learning_batch(rejected.name).name == rejected.name
    assert list(client.list_learning_queue().batches) == []


def test_report_history_and_section_work_through_the_client(running_stack: StackProcess) -> None:
    """Refinements join a history; a section rewrite and an edit are its next versions; the history lists,
    pages and serves them, as the contract's routes."""
    client = admin(running_stack)
    name = unique("Northwind Coffee Co.")
    brief = gpb.ClientBrief(client_name=name, brand_name="Northwind")
    first = client.generate_report(
        gpb.GenerateReportRequest(client_brief=brief, package_key="quick_social_basic")
    )
    assert first.history_id == first.report_id
    refined = client.generate_report(
        gpb.GenerateReportRequest(
            client_brief=brief,
            package_key="quick_social_basic",
            report_stage=gpb.REPORT_STAGE_REFINE,
            feedback="More premium",
            history_id=first.history_id,
        )
    )
    assert refined.history_id == first.history_id != refined.report_id

    rewritten = client.regenerate_section(
        gpb.RegenerateSectionRequest(
            history_id=first.history_id, version=2, section_id="overview", instruction="Shorter"
        )
    )
    path, sent, _ = binding(GENERATOR, "RegenerateSection").expand(
        gpb.RegenerateSectionRequest(history_id="h", version=2, section_id="overview", instruction="Shorter")
    )
    assert (path, sent) == (
        "/api/aicmo/reports/h/sections/overview/regenerate",
        {"version": 2, "instruction": "Shorter"},
    )
    assert rewritten.history_id == first.history_id
    assert [s.markdown for s in rewritten.sections[1:]] == [s.markdown for s in refined.sections[1:]]

    edited = client.edit_section(
        gpb.EditSectionRequest(
            history_id=first.history_id, section_id="final_summary", markdown="Our own words.", note="Tone"
        )
    )
    edited_final = next(s for s in edited.sections if s.id == "final_summary")
    assert (edited_final.markdown, edited_final.written_by) == (
        "Our own words.",
        gpb.GENERATION_MODE_OPERATOR,
    )
    assert edited.sections[0].markdown == rewritten.sections[0].markdown  # built on the latest version

    versions = client.list_report_versions(first.history_id)
    assert [(v.version, v.stage, v.origin) for v in versions] == [
        (1, rpb.VERSION_STAGE_DRAFT, rpb.VERSION_ORIGIN_GENERATED),
        (2, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_GENERATED),
        (3, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_SECTION_REGENERATED),
        (4, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_SECTION_EDITED),
    ]
    assert [v.report_id for v in versions] == [r.report_id for r in (first, refined, rewritten, edited)]
    assert [s.section_id for s in versions[3].sections if s.changed] == ["final_summary"]
    assert versions[3].note == "Tone" and not versions[3].markdown  # listed without text
    latest = client.get_report_version(first.history_id)
    assert latest.version == 4 and latest.markdown == edited.report_markdown
    assert (
        next(s for s in latest.sections if s.section_id == "final_summary").author
        == rpb.SECTION_AUTHOR_OPERATOR
    )
    assert client.get_report_version(first.history_id, 1).markdown == first.report_markdown

    other = client.generate_report(
        gpb.GenerateReportRequest(
            client_brief=gpb.ClientBrief(client_name=name, brand_name="Acme"),
            package_key="quick_social_basic",
        )
    )
    page = client.list_reports(rpb.ListReportsRequest(client_id=client_key(name), page_size=1))
    assert [r.history_id for r in page.reports] == [other.history_id] and page.next_page_token
    page = client.list_reports(
        rpb.ListReportsRequest(client_id=client_key(name), page_size=1, page_token=page.next_page_token)
    )
    assert [(r.history_id, r.latest_version) for r in page.reports] == [(first.history_id, 4)]
    if page.next_page_token:  # a full page may still have a token; the page after it is empty and the end
        page = client.list_reports(
            rpb.ListReportsRequest(client_id=client_key(name), page_size=1, page_token=page.next_page_token)
        )
        assert list(page.reports) == []
    assert not page.next_page_token
    assert binding(ARCHIVE, "ListReports").expand(rpb.ListReportsRequest(page_size=1))[2] == {"page_size": 1}

    with pytest.raises(GatewayError) as missing:
        client.get_report_version(first.history_id, 9)
    assert missing.value.kind == "not_found"
    with pytest.raises(GatewayError) as unknown:
        client.regenerate_section(
            gpb.RegenerateSectionRequest(history_id=first.history_id, section_id="nope")
        )
    assert unknown.value.kind == "invalid" and unknown.value.field == "section_id"


def test_bindings_expand_and_match_as_the_transcoder_does() -> None:
    rate = binding(MEMORY, "RateItem")
    path, body, query = rate.expand(mpb.RateItemRequest(id="a/b c", verdict=mpb.RATING_WEAK, note="n"))
    assert (rate.http_method, path, body, query) == (
        "POST",
        "/api/learn/items/a%2Fb%20c/rating",
        {"verdict": "RATING_WEAK", "note": "n"},
        {},
    )
    assert rate.match("POST", "/api/learn/items/x1/rating") == {"id": "x1"}
    assert rate.match("GET", "/api/learn/items/x1/rating") is None
    assert rate.match("POST", "/api/learn/items/x1/scope") is None
    listing = binding(MEMORY, "ListItems")
    assert listing.expand(mpb.ListItemsRequest(kind="note", page_size=5)) == (
        "/api/learn/items",
        None,
        {"kind": "note", "page_size": 5},
    )
    stream = binding(GENERATOR, "StreamGenerateReport")
    assert stream.expand(gpb.StreamGenerateReportRequest(request=gpb.GenerateReportRequest(package_key="p")))[
        1
    ] == {"package_key": "p"}
    with pytest.raises(ValueError, match="id is required"):
        binding(MEMORY, "GetItem").expand(mpb.GetItemRequest())
