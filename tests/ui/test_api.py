"""ui/api.py against a local fake gateway: shapes, incremental streaming, and every kind of failure."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest

from tests.ui.fake_gateway import FakeGateway, closed_port, running_fake_gateway
from ui.api import (
    LEARNING_SOURCE_AGENCY_LIBRARY,
    LEARNING_STATE_OFF,
    LEARNING_STATE_QUEUED,
    LEARNING_STATE_RECORDED,
    LEARNING_STATE_UNSPECIFIED,
    QUEUE_STATE_QUEUED,
    RECORD_RESULT_CREATED,
    RETRIEVAL_STATE_DONE,
    RETRIEVAL_STATE_OFF,
    RETRIEVAL_STATE_SKIPPED_SLOW,
    SCOPE_AGENCY,
    SCOPE_CLIENT,
    ClientBrief,
    GatewayClient,
    GatewayError,
    GenerateRequest,
    GenerateResult,
    LearnedFrom,
    SectionCompleted,
    StreamCompleted,
    StreamStarted,
    client_key,
)


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        yield server


def brief_request(package: str = "quick_social_basic") -> GenerateRequest:
    brief = ClientBrief(
        client_name="Northwind Coffee Co.",
        brand_name="Northwind",
        industry="Coffee & cafés",
        launch_date="2026-12-01",
    )
    return GenerateRequest(client_brief=brief, package_key=package)


def test_packages_are_parsed_and_the_token_is_sent_when_set(fake: FakeGateway) -> None:
    packages = GatewayClient(fake.url, "s3cret").list_packages()
    assert [p.key for p in packages] == ["strategy_campaign_standard", "quick_social_basic"]
    quick = packages[1]
    assert quick.label == "Quick Social Pack (Basic)"
    assert quick.section_count == 3
    assert [s.title for s in quick.sections] == ["Overview", "Audience Segments", "Final Summary"]
    assert fake.calls("GET", "/api/aicmo/packages")[0].headers["authorization"] == "Bearer s3cret"

    GatewayClient(fake.url).list_packages()
    assert "authorization" not in fake.calls("GET", "/api/aicmo/packages")[1].headers


def test_the_stream_is_read_incrementally(fake: FakeGateway) -> None:
    """The client sees `started` while the server is still holding the rest of the stream back."""
    fake.stream_gate = threading.Event()
    fake.stream_delay = 0.05
    client = GatewayClient(fake.url)
    events = []
    sent_when_started_arrived = None
    for event in client.stream_generate_report(brief_request()):
        events.append(event)
        if isinstance(event, StreamStarted):
            sent_when_started_arrived = fake.stream_sent_events
            fake.stream_gate.set()  # only now may the server send the sections
    # The server had sent exactly one event when the client got it, and was released by the client in time.
    assert sent_when_started_arrived == 1
    assert fake.gate_released_in_time is True
    assert isinstance(events[0], StreamStarted)
    assert [s.id for s in events[0].sections] == ["overview", "audience_segments", "final_summary"]
    progress = [e for e in events if isinstance(e, SectionCompleted)]
    assert [(e.index, e.total, e.section.title) for e in progress] == [
        (1, 3, "Overview"),
        (2, 3, "Audience Segments"),
        (3, 3, "Final Summary"),
    ]
    assert isinstance(events[-1], StreamCompleted)
    result = events[-1].result
    assert result.report_id == events[0].report_id
    assert result.generation_mode == "offline"
    assert result.learning_status == "recorded"
    assert result.timings["total_ms"] == 36.0
    assert result.report_markdown.startswith("# Northwind — Quick Social Pack (Basic)")
    # The request body follows the contract: the brief, the package, every service on, the stage.
    body = fake.calls("POST", "/api/aicmo/generate_report/stream")[0].body
    assert body["client_brief"]["client_name"] == "Northwind Coffee Co."
    assert body["client_brief"]["launch_date"] == "2026-12-01"
    assert body["package_key"] == "quick_social_basic"
    assert body["services"] == {
        "marketing_plan": True,
        "campaign_blueprint": True,
        "social_calendar": True,
        "creatives": True,
        "include_agency_grade": True,
    }
    assert body["stage"] == "draft"
    assert body["use_learning"] is True


def test_a_refinement_sends_feedback_and_the_previous_draft(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    first = client.generate_report(brief_request())
    refine = GenerateRequest(
        client_brief=brief_request().client_brief,
        package_key="quick_social_basic",
        stage="refine",
        feedback="More premium tone",
        previous_draft=first.report_markdown,
    )
    second = client.generate_report(refine)
    body = fake.calls("POST", "/api/aicmo/generate_report")[1].body
    assert body["stage"] == "refine"
    assert body["feedback"] == "More premium tone"
    assert body["previous_draft"] == first.report_markdown
    assert "More premium tone" in second.report_markdown


def test_a_stream_that_ends_early_is_an_error(fake: FakeGateway) -> None:
    fake.stream_break_after = 2
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(fake.url).stream_generate_report(brief_request()))
    assert caught.value.kind == "protocol"
    assert "ended before the report was complete" in str(caught.value)


def test_400_names_the_field_and_the_servers_words(fake: FakeGateway) -> None:
    request = GenerateRequest(
        client_brief=ClientBrief(client_name="", brand_name="X"), package_key="quick_social_basic"
    )
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(fake.url).stream_generate_report(request))
    error = caught.value
    assert error.kind == "invalid"
    assert error.status == 400
    assert error.code == 3
    assert error.field == "client_brief.client_name"
    assert "client_brief.client_name: is required" in str(error)
    assert str(error).startswith("Generating the report failed")
    assert "Traceback" not in str(error)


def test_503_says_a_service_is_down(fake: FakeGateway) -> None:
    fake.fail(
        "GET", "/api/learn/debug/summary", 503, "memory service unavailable: connection refused", code=14
    )
    with pytest.raises(GatewayError) as caught:
        GatewayClient(fake.url).summary()
    assert caught.value.kind == "unavailable"
    assert caught.value.status == 503
    message = str(caught.value)
    assert "a service is down" in message
    assert "memory service unavailable: connection refused" in message
    assert "make run" in message


def test_health_503_is_a_degraded_health_not_an_exception(fake: FakeGateway) -> None:
    fake.health_down = "memory UNREACHABLE (connection refused)"
    health = GatewayClient(fake.url).health()
    assert not health.serving
    assert health.detail == "not serving: memory UNREACHABLE (connection refused)"
    fake.health_down = ""
    health = GatewayClient(fake.url).health()
    assert health.serving
    assert [c.name for c in health.components] == ["generator", "memory", "database"]


def test_a_refused_connection_says_to_start_the_system() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(GatewayError) as caught:
        GatewayClient(url).list_packages()
    assert caught.value.kind == "unreachable"
    message = str(caught.value)
    assert f"The AICMO gateway at {url} is not reachable" in message
    assert "`make run`" in message
    assert caught.value.__cause__ is None  # no chained transport exception to leak a traceback


def test_a_refused_connection_fails_a_stream_too() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(url).stream_generate_report(brief_request()))
    assert caught.value.kind == "unreachable"


def test_a_slow_gateway_is_a_timeout(fake: FakeGateway) -> None:
    fake.slow_paths["/api/learn/debug/summary"] = 1.0
    with pytest.raises(GatewayError) as caught:
        GatewayClient(fake.url, read_timeout=0.2).summary()
    assert caught.value.kind == "timeout"
    assert "did not answer within 0.2 s" in str(caught.value)


def test_401_and_504_and_non_json_have_their_own_messages(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    fake.fail("GET", "/api/learn/items", 401, "missing or invalid bearer token", code=16)
    with pytest.raises(GatewayError) as caught:
        client.list_items()
    assert caught.value.kind == "unauthorized"
    assert "AICMO_API_TOKEN" in str(caught.value)

    fake.fail("POST", "/api/learn/search", 504, "upstream request timeout", code=4)
    with pytest.raises(GatewayError) as caught:
        client.search("coffee")
    assert caught.value.kind == "deadline"
    assert "deadline exceeded" in str(caught.value)

    fake.fail_raw("GET", "/api/aicmo/packages", 200, "<html>not the gateway</html>")
    with pytest.raises(GatewayError) as caught:
        client.list_packages()
    assert caught.value.kind == "protocol"
    assert "not JSON" in str(caught.value)

    fake.fail("POST", "/api/learn/items", 413, "request body too large", code=8)
    with pytest.raises(GatewayError) as caught:
        client.record_item(kind="uploaded_example", title="t", text="x")
    assert caught.value.kind == "too_large"


def test_memory_endpoints_round_trip(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    assert client.summary().total_items == 0

    first = client.record_item(
        kind="uploaded_example", title="Gold email", text="Loyalty email for coffee lovers", tags=["email"]
    )
    assert first.created is True
    again = client.record_item(
        kind="uploaded_example", title="Gold email", text="Loyalty email for coffee lovers"
    )
    assert again.created is False
    assert again.item.id == first.item.id
    assert fake.calls("POST", "/api/learn/items")[0].body["item"]["source"] == "upload"

    for n in range(4):
        client.record_item(kind="note", title=f"n{n}", text=f"note {n}", client_id="acme")
    page1 = client.list_items(page_size=3)
    assert page1.total_size == 5
    assert len(page1.items) == 3
    assert page1.next_page_token
    page2 = client.list_items(page_size=3, page_token=page1.next_page_token)
    assert len(page2.items) == 2
    assert not page2.next_page_token
    assert {i.id for i in page1.items}.isdisjoint(i.id for i in page2.items)
    assert client.list_items(client_id="acme", page_size=1).total_size == 4

    rated = client.rate_item(first.item.id, "gold", "great tone")
    assert (rated.item.rating, rated.item.rating_note, rated.rated_count) == ("gold", "great tone", 1)
    assert client.get_item(first.item.id).rating == "gold"
    summary = client.summary()
    assert summary.per_rating == {"gold": 1}
    assert summary.per_kind == {"uploaded_example": 1, "note": 4}
    assert summary.learned_per_day[0].count == 5

    hits = client.search("coffee loyalty", top_k=3)
    assert hits.results[0].item.id == first.item.id
    assert hits.results[0].score > hits.results[0].similarity  # gold ranks up

    assert client.delete_item(first.item.id) == first.item.id
    with pytest.raises(GatewayError) as caught:
        client.get_item(first.item.id)
    assert caught.value.kind == "not_found"

    forgot = client.forget_client("acme")
    assert forgot.deleted_count == 4
    assert forgot.per_kind == {"note": 4}
    assert forgot.forget_time.endswith("Z")
    assert client.summary().total_items == 0
    assert [(f.client_id, f.deleted_count, f.discarded_count) for f in client.list_forgotten_clients()] == [
        ("acme", 4, 0)
    ]


def test_a_report_is_rated_by_its_learned_id_and_rates_its_sections(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    result = client.generate_report(brief_request())
    assert (result.learning_state, result.retrieval_state) == (LEARNING_STATE_RECORDED, RETRIEVAL_STATE_DONE)
    assert not result.retrieval_skipped
    assert result.learned_item_id
    assert all(s.learned_item_id for s in result.sections)
    rated = client.rate_item(result.learned_item_id, "gold", "our voice")
    assert rated.item.kind == "full_report"
    assert rated.rated_count == 1 + len(result.sections)
    section = client.get_item(result.sections[0].learned_item_id)
    assert (section.rating, section.parent_id, section.scope) == (
        "gold",
        result.learned_item_id,
        SCOPE_CLIENT,
    )
    assert not section.shared


def test_learning_off_and_skipped_retrieval_are_parsed(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    off = client.generate_report(dataclasses.replace(brief_request(), use_learning=False))
    assert (off.learning_state, off.retrieval_state, off.learned_item_id) == (
        LEARNING_STATE_OFF,
        RETRIEVAL_STATE_OFF,
        "",
    )
    fake.retrieval_state = RETRIEVAL_STATE_SKIPPED_SLOW
    skipped = client.generate_report(brief_request())
    assert skipped.retrieval_skipped
    # Enums printed as numbers (another JSON printer) map by position; unknown names are kept.
    parsed = GenerateResult.from_json({"learning_state": 2, "retrieval_state": "RETRIEVAL_STATE_NEW"})
    assert (parsed.learning_state, parsed.retrieval_state) == (LEARNING_STATE_QUEUED, "RETRIEVAL_STATE_NEW")
    assert LearnedFrom.from_json({"source": 2}).source == LEARNING_SOURCE_AGENCY_LIBRARY
    assert GenerateResult.from_json({}).learning_state == LEARNING_STATE_UNSPECIFIED


def test_scope_upload_share_and_search_for_a_client(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    own = client.record_item(
        kind="uploaded_example", title="Acme email", text="acme coffee email", client_id="acme"
    )
    assert (own.item.scope, own.result) == (SCOPE_CLIENT, RECORD_RESULT_CREATED)
    library = client.record_item(kind="uploaded_example", title="Playbook", text="coffee playbook")
    assert library.item.scope == SCOPE_AGENCY and library.item.shared
    other = client.record_item(
        kind="uploaded_example", title="Zeta", text="zeta coffee", client_id="zeta", scope=SCOPE_CLIENT
    )
    assert fake.calls("POST", "/api/learn/items")[-1].body["item"]["scope"] == SCOPE_CLIENT
    assert "scope" not in fake.calls("POST", "/api/learn/items")[0].body["item"]

    found = client.search("coffee", top_k=10, for_client_id="acme")
    assert {h.item.id for h in found.results} == {own.item.id, library.item.id}
    assert fake.calls("POST", "/api/learn/search")[-1].body["for_client_id"] == "acme"

    shared = client.set_item_scope(other.item.id, SCOPE_AGENCY)
    assert shared.scope == SCOPE_AGENCY and shared.shared
    assert fake.calls("POST", f"/api/learn/items/{other.item.id}/scope")[0].body == {"scope": SCOPE_AGENCY}
    assert other.item.id in {
        h.item.id for h in client.search("coffee", top_k=10, for_client_id="acme").results
    }
    with pytest.raises(GatewayError) as caught:
        client.set_item_scope(library.item.id, SCOPE_CLIENT)
    assert caught.value.kind == "invalid"


def test_learning_queue_list_replay_and_drop(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    fake.learning_state = LEARNING_STATE_QUEUED
    result = client.generate_report(brief_request())
    assert result.learning_state == LEARNING_STATE_QUEUED
    with pytest.raises(GatewayError) as caught:
        client.rate_item(result.learned_item_id, "gold")
    assert caught.value.kind == "not_found"
    aside = fake.add_batch(title="Rejected", reason="item.text: too long")
    health = client.health()
    assert (health.pending_learning, health.set_aside_learning) == (1, 1)

    queue = client.list_learning_queue()
    assert (queue.queued_count, queue.set_aside_count) == (1, 1)
    queued, rejected = queue.batches
    assert (queued.state, queued.report_id, queued.item_count) == (
        QUEUE_STATE_QUEUED,
        result.report_id,
        1 + len(result.sections),
    )
    assert rejected.set_aside and rejected.reason == "item.text: too long"

    fake.replay_delivers = False
    failed = client.replay_learning_batch(queued.name)
    assert not failed.delivered and failed.batch.reason == fake.replay_reason
    fake.replay_delivers = True
    done = client.replay_learning_batch(queued.name)
    assert done.delivered
    assert fake.calls("POST", f"/api/aicmo/learning_queue/{queued.name}/replay")[0].body == {}
    assert client.rate_item(result.learned_item_id, "gold").rated_count == 1 + len(result.sections)

    assert client.drop_learning_batch(aside["name"]) == aside["name"]
    assert client.list_learning_queue().batches == ()


def test_client_key_matches_the_generators_rule() -> None:
    assert client_key("Northwind Coffee Co.") == "northwind-coffee-co"
    assert client_key("  ACME  GmbH & Co. KG ") == "acme-gmbh-co-kg"
    assert client_key("northwind-coffee-co") == "northwind-coffee-co"
