"""ui/api.py against the local fake gateway: the generated messages both ways, incremental streaming, and
every kind of failure in plain words with the technical part kept apart."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from tests.ui.fake_gateway import ROUTES, FakeGateway, RpcError, closed_port, running_fake_gateway
from ui.api import GatewayClient, GatewayError
from ui.contract import ACCOUNTS, ARCHIVE, AUDIT, GENERATOR, MEMORY, binding, bindings, gpb, mpb, parse, rpb
from ui.labels import is_shared, retrieval_skipped


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        yield server


def brief_request(package: str = "quick_social_basic") -> gpb.GenerateReportRequest:
    brief = gpb.ClientBrief(
        client_name="Northwind Coffee Co.",
        brand_name="Northwind",
        industry="Coffee & cafés",
        launch_date="2026-12-01",
    )
    return gpb.GenerateReportRequest(
        client_brief=brief, package_key=package, report_stage=gpb.REPORT_STAGE_DRAFT, use_learning=True
    )


def event_kinds(events: list[gpb.StreamGenerateReportResponse]) -> list[str | None]:
    return [e.WhichOneof("event") for e in events]


def test_packages_are_parsed_and_the_token_is_sent_when_set(fake: FakeGateway) -> None:
    packages = GatewayClient(fake.url, "s3cret").list_packages().packages
    assert [p.key for p in packages] == ["strategy_campaign_standard", "quick_social_basic"]
    quick = packages[1]
    assert isinstance(quick, gpb.Package)
    assert (quick.label, quick.section_count) == ("Quick Social Pack (Basic)", 3)
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
        if event.WhichOneof("event") == "started":
            sent_when_started_arrived = fake.stream_sent_events
            fake.stream_gate.set()  # only now may the server send the sections
    # The server had sent exactly one event when the client got it, and was released by the client in time.
    assert sent_when_started_arrived == 1
    assert fake.gate_released_in_time is True
    assert event_kinds(events) == [
        "started",
        "section_completed",
        "section_completed",
        "section_completed",
        "completed",
    ]
    assert [s.id for s in events[0].started.sections] == ["overview", "audience_segments", "final_summary"]
    assert [
        (e.section_completed.index, e.section_completed.total, e.section_completed.section.title)
        for e in events[1:4]
    ] == [(1, 3, "Overview"), (2, 3, "Audience Segments"), (3, 3, "Final Summary")]
    result = events[-1].completed
    assert result.report_id == events[0].started.report_id
    assert (result.mode, result.learning_state) == (gpb.GENERATION_MODE_OFFLINE, gpb.LEARNING_STATE_RECORDED)
    assert result.timings["total_ms"] == 36.0
    assert result.report_markdown.startswith("# Northwind — Quick Social Pack (Basic)")


def test_the_request_body_is_the_contracts_json(fake: FakeGateway) -> None:
    """Proto field names, enums by name, defaults left out, the deprecated `services` and `stage` not sent;
    the fake parsed it strictly into the request message, so it has no field the contract lacks."""
    list(GatewayClient(fake.url).stream_generate_report(brief_request()))
    call = fake.calls("POST", "/api/aicmo/generate_report/stream")[0]
    assert call.body == {
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
    assert call.message == gpb.StreamGenerateReportRequest(request=brief_request())

    # Turning learning off is sent (use_learning is optional: false is not the default).
    off = brief_request()
    off.use_learning = False
    GatewayClient(fake.url).generate_report(off)
    assert fake.calls("POST", "/api/aicmo/generate_report")[0].body["use_learning"] is False


def test_a_refinement_sends_feedback_and_the_previous_draft(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    first = client.generate_report(brief_request())
    refine = gpb.GenerateReportRequest(
        client_brief=brief_request().client_brief,
        package_key="quick_social_basic",
        report_stage=gpb.REPORT_STAGE_REFINE,
        feedback="More premium tone",
        previous_draft=first.report_markdown,
    )
    second = client.generate_report(refine)
    sent = fake.calls("POST", "/api/aicmo/generate_report")[1].message
    assert isinstance(sent, gpb.GenerateReportRequest)
    assert (sent.report_stage, sent.feedback, sent.previous_draft) == (
        gpb.REPORT_STAGE_REFINE,
        "More premium tone",
        first.report_markdown,
    )
    assert "More premium tone" in second.report_markdown
    assert "(refine)" in second.sections[0].markdown


def test_a_stream_that_ends_early_is_an_error(fake: FakeGateway) -> None:
    fake.stream_break_after = 2
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(fake.url).stream_generate_report(brief_request()))
    assert caught.value.kind == "protocol"
    assert "stopped part-way" in str(caught.value)
    assert "`completed` event" in caught.value.detail


def test_understand_brief_sends_the_brief_as_the_body_and_reads_the_facts(fake: FakeGateway) -> None:
    brief = gpb.ClientBrief(
        client_name="Halberd Security Inc.",
        brand_name="Halberd ID",
        budget="$250,000",
        raw_brief_text="We compete with CrowdStrike and Okta. No paid social on TikTok.",
    )
    brief.metadata.update({"tone": "calm and exact"})
    understood = GatewayClient(fake.url).understand_brief(brief)
    [call] = fake.calls("POST", "/api/aicmo/brief:understand")
    # The body is the ClientBrief itself (the binding's body is "client_brief").
    assert call.body == {
        "client_name": "Halberd Security Inc.",
        "brand_name": "Halberd ID",
        "budget": "$250,000",
        "raw_brief_text": "We compete with CrowdStrike and Okta. No paid social on TikTok.",
        "metadata": {"tone": "calm and exact"},
    }
    assert [c.name for c in understood.competitors] == ["CrowdStrike", "Okta"]
    assert (understood.budget.amount, understood.budget.currency_code) == (250_000, "USD")
    assert understood.tone == "calm and exact"
    assert list(understood.rules.excluded_channels) == ["TikTok"]
    origins = {s.fact: s.origin for s in understood.sources}
    assert origins["budget"] == origins["tone"] == gpb.FACT_ORIGIN_FORM
    assert origins["competitors"] == gpb.FACT_ORIGIN_TEXT

    # The brief is validated as the generator validates it.
    with pytest.raises(GatewayError) as caught:
        GatewayClient(fake.url).understand_brief(gpb.ClientBrief(brand_name="X", launch_date="soon"))
    assert (caught.value.kind, caught.value.field) == ("invalid", "client_brief.client_name")
    assert str(caught.value).startswith("Checking the brief did not work")


def test_400_names_the_field_and_the_servers_words(fake: FakeGateway) -> None:
    request = gpb.GenerateReportRequest(
        client_brief=gpb.ClientBrief(brand_name="X"), package_key="quick_social_basic"
    )
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(fake.url).stream_generate_report(request))
    error = caught.value
    assert (error.kind, error.status, error.code) == ("invalid", 400, 3)
    # From the google.rpc.BadRequest detail, not guessed from the text.
    assert error.field == "client_brief.client_name"
    assert [type(d).__name__ for d in error.details] == ["BadRequest"]
    assert "client_brief.client_name: is required" in str(error)
    assert str(error).startswith("Generating the report did not work")
    assert "HTTP 400 (gRPC status 3)" in error.detail
    assert "Traceback" not in str(error)


def test_503_says_in_plain_words_what_is_down_and_keeps_the_technical_part_apart(fake: FakeGateway) -> None:
    fake.fail(
        "GET", "/api/learn/debug/summary", 503, "memory service unavailable: connection refused", code=14
    )
    with pytest.raises(GatewayError) as caught:
        GatewayClient(fake.url).summary()
    error = caught.value
    assert (error.kind, error.status) == ("unavailable", 503)
    assert str(error).startswith("AICMO's memory (what it has learned) is not available right now")
    assert "try again in a minute" in str(error).lower()
    assert "make run" not in str(error) and "HTTP" not in str(error)
    assert "memory service unavailable: connection refused" in error.detail
    assert "`make run`" in error.detail and "var/logs" in error.detail


def test_health_503_is_a_degraded_health_with_every_component(fake: FakeGateway) -> None:
    fake.health_down = "memory UNREACHABLE (connection refused)"
    health = GatewayClient(fake.url).health()
    assert not health.serving
    assert health.detail == "not serving: memory UNREACHABLE (connection refused)"
    # The generator's CheckHealthResponse travels in the failure's details.
    assert [(c.name, c.state) for c in health.response.components] == [
        ("generator", gpb.SERVING_STATE_SERVING),
        ("memory", gpb.SERVING_STATE_UNREACHABLE),
        ("database", gpb.SERVING_STATE_UNREACHABLE),
    ]
    fake.health_down = ""
    health = GatewayClient(fake.url).health()
    assert health.serving
    assert [c.name for c in health.response.components] == ["generator", "memory", "database"]


def test_health_503_without_details_is_still_not_serving(fake: FakeGateway) -> None:
    """Envoy answers for a generator that is down, with no CheckHealthResponse in the details."""
    fake.fail("GET", "/api/health", 503, "upstream connect error or disconnect/reset before headers", code=14)
    health = GatewayClient(fake.url).health()
    assert not health.serving
    assert health.response.components == []
    assert "upstream connect error" in health.detail


def test_a_refused_connection_says_what_to_do_in_plain_words() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
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
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(GatewayError) as caught:
        list(GatewayClient(url).stream_generate_report(brief_request()))
    assert caught.value.kind == "unreachable"


def test_a_slow_gateway_is_a_timeout(fake: FakeGateway) -> None:
    fake.slow_paths["/api/learn/debug/summary"] = 1.0
    with pytest.raises(GatewayError) as caught:
        GatewayClient(fake.url, read_timeout=0.2).summary()
    assert caught.value.kind == "timeout"
    assert "took too long (over 0.2 s)" in str(caught.value)
    assert "AICMO_GENERATE_TIMEOUT_SECONDS" in caught.value.detail


def test_401_and_504_and_non_json_have_their_own_messages(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    fake.fail("GET", "/api/learn/items", 401, "missing or invalid bearer token", code=16)
    with pytest.raises(GatewayError) as caught:
        client.list_items()
    assert caught.value.kind == "unauthorized"
    fake.fail("GET", "/api/learn/items", 403, "DeleteItem needs the admin role", code=7)
    with pytest.raises(GatewayError) as caught:
        client.list_items()
    assert caught.value.kind == "forbidden"

    fake.fail("POST", "/api/learn/search", 504, "upstream request timeout", code=4)
    with pytest.raises(GatewayError) as caught:
        client.search(mpb.SearchItemsRequest(query="coffee"))
    assert caught.value.kind == "deadline"
    assert "took longer than AICMO allows" in str(caught.value)

    fake.fail_raw("GET", "/api/aicmo/packages", 200, "<html>not the gateway</html>")
    with pytest.raises(GatewayError) as caught:
        client.list_packages()
    assert caught.value.kind == "protocol"
    assert "not JSON" in caught.value.detail

    fake.fail("POST", "/api/learn/items", 413, "request body too large", code=8)
    with pytest.raises(GatewayError) as caught:
        client.record_item(mpb.RecordItemRequest(item=mpb.LearningItem(kind="uploaded_example", text="x")))
    assert caught.value.kind == "too_large"


def test_an_error_in_the_middle_of_a_stream_is_said_plainly(fake: FakeGateway) -> None:
    """After the stream started, an error arrives as a status object instead of an event."""
    fake.stream_error_after = (2, RpcError(14, "memory went away"))
    events: list[gpb.StreamGenerateReportResponse] = []
    with pytest.raises(GatewayError) as caught:
        events.extend(GatewayClient(fake.url).stream_generate_report(brief_request()))
    assert event_kinds(events) == ["started", "section_completed"]
    assert (caught.value.kind, caught.value.code) == ("unavailable", 14)
    assert str(caught.value) == (
        "The report stopped part-way: a part of AICMO stopped answering. Try again in a moment."
    )
    assert "memory went away" in caught.value.detail


def test_memory_endpoints_round_trip(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    assert client.summary().total_items == 0

    def record(**fields: object) -> mpb.RecordItemResponse:
        return client.record_item(mpb.RecordItemRequest(item=mpb.LearningItem(**fields)))  # type: ignore[arg-type]

    first = record(
        kind="uploaded_example",
        title="Gold email",
        text="Loyalty email for coffee lovers",
        tags=["email"],
        source="upload",
    )
    assert (first.created, first.result) == (True, mpb.RECORD_RESULT_CREATED)
    again = record(kind="uploaded_example", title="Gold email", text="Loyalty email for coffee lovers")
    assert (again.result, again.item.id) == (mpb.RECORD_RESULT_EXISTING, first.item.id)
    assert fake.calls("POST", "/api/learn/items")[0].body["item"]["source"] == "upload"

    for n in range(4):
        record(kind="note", title=f"n{n}", text=f"note {n}", client_id="acme")
    page1 = client.list_items(mpb.ListItemsRequest(page_size=3))
    assert (page1.total_size, len(page1.items)) == (5, 3)
    assert page1.next_page_token
    page2 = client.list_items(mpb.ListItemsRequest(page_size=3, page_token=page1.next_page_token))
    assert len(page2.items) == 2 and not page2.next_page_token
    assert {i.id for i in page1.items}.isdisjoint(i.id for i in page2.items)
    assert client.list_items(mpb.ListItemsRequest(client_id="acme", page_size=1)).total_size == 4
    # Query parameters are the request's fields (defaults left out).
    assert fake.calls("GET", "/api/learn/items")[-1].query == {"client_id": ["acme"], "page_size": ["1"]}

    rated = client.rate_item(first.item.id, mpb.RATING_GOLD, "great tone")
    assert (rated.item.verdict, rated.item.rating_note, rated.rated_count) == (
        mpb.RATING_GOLD,
        "great tone",
        1,
    )
    assert fake.calls("POST", f"/api/learn/items/{first.item.id}/rating")[0].body == {
        "verdict": "RATING_GOLD",
        "note": "great tone",
    }
    assert client.get_item(first.item.id).verdict == mpb.RATING_GOLD
    summary = client.summary()
    assert dict(summary.per_rating) == {"gold": 1}
    assert dict(summary.per_kind) == {"uploaded_example": 1, "note": 4}
    assert summary.learned_per_day[0].count == 5

    hits = client.search(mpb.SearchItemsRequest(query="coffee loyalty", top_k=3))
    assert hits.results[0].item.id == first.item.id
    assert hits.results[0].score > hits.results[0].similarity  # gold ranks up

    # Clearing a rating sends no verdict at all (RATING_UNSPECIFIED is the default).
    client.rate_item(first.item.id, mpb.RATING_UNSPECIFIED)
    assert fake.calls("POST", f"/api/learn/items/{first.item.id}/rating")[1].body == {}
    assert client.get_item(first.item.id).verdict == mpb.RATING_UNSPECIFIED

    assert client.delete_item(first.item.id).id == first.item.id
    with pytest.raises(GatewayError) as caught:
        client.get_item(first.item.id)
    assert caught.value.kind == "not_found"

    forgot = client.forget_client("acme")
    assert (forgot.deleted_count, dict(forgot.per_kind)) == (4, {"note": 4})
    assert forgot.HasField("forget_time")
    assert client.summary().total_items == 0
    assert [
        (f.client_id, f.deleted_count, f.discarded_count) for f in client.list_forgotten_clients().clients
    ] == [("acme", 4, 0)]


def test_a_report_is_rated_by_its_learned_id_and_rates_its_sections(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    result = client.generate_report(brief_request())
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


def test_learning_off_and_skipped_retrieval_are_enums(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    off = brief_request()
    off.use_learning = False
    done = client.generate_report(off)
    assert (done.learning_state, done.retrieval_state, done.learned_item_id) == (
        gpb.LEARNING_STATE_OFF,
        gpb.RETRIEVAL_STATE_OFF,
        "",
    )
    fake.retrieval_state = gpb.RETRIEVAL_STATE_SKIPPED_SLOW
    assert retrieval_skipped(client.generate_report(brief_request()))
    # Enums printed as numbers parse too; a value this app does not know yet is left unspecified.
    parsed = parse(
        '{"learning_state": 2, "retrieval_state": "RETRIEVAL_STATE_NEW"}', gpb.GenerateReportResponse
    )
    assert (parsed.learning_state, parsed.retrieval_state) == (
        gpb.LEARNING_STATE_QUEUED,
        gpb.RETRIEVAL_STATE_UNSPECIFIED,
    )


def test_a_newer_gateways_extra_fields_are_ignored(fake: FakeGateway) -> None:
    """Fields this app does not know, at every level of every answer, are ignored (not errors)."""
    fake.extra_fields = {"added_in_v2": {"nested": [1, 2]}, "another_new_field": "x"}
    client = GatewayClient(fake.url)
    item = client.record_item(
        mpb.RecordItemRequest(item=mpb.LearningItem(kind="uploaded_example", title="t", text="coffee"))
    ).item
    assert client.get_item(item.id).title == "t"
    assert client.list_items().items[0].id == item.id
    assert client.search(mpb.SearchItemsRequest(query="coffee")).results[0].item.id == item.id
    assert client.summary().total_items == 1
    events = list(client.stream_generate_report(brief_request()))
    assert events[-1].completed.sections[0].learned_from[0].item_id == item.id
    assert client.health().serving


def test_the_fake_refuses_what_the_contract_does_not_have(fake: FakeGateway) -> None:
    """The fake transcodes strictly, so a client drifting from the contract fails in tests."""
    response = requests.post(
        f"{fake.url}/api/learn/items", json={"item": {"kind": "x", "text": "y", "stars": 5}}
    )
    assert response.status_code == 400
    assert "LearningItem" in response.json()["message"] and "stars" in response.json()["message"]
    response = requests.get(f"{fake.url}/api/learn/items", params={"sort": "title"})
    assert response.status_code == 400
    response = requests.get(f"{fake.url}/api/learn/everything")
    assert response.status_code == 404
    # An RPC of the contract that the fake does not implement says so (as UNIMPLEMENTED).
    response = requests.post(f"{fake.url}/api/learn/items:batchRecord", json={})
    assert (response.status_code, response.json()["code"]) == (501, 12)


def test_the_fake_serves_the_contracts_routes_and_implements_only_its_rpcs() -> None:
    assert bindings(GENERATOR, MEMORY, ARCHIVE, ACCOUNTS, AUDIT) == ROUTES
    rpcs = {b.method.name for b in ROUTES}
    implemented = {name for name in vars(FakeGateway) if name[:1].isupper()}
    assert implemented <= rpcs, implemented - rpcs
    # Every RPC the app calls is implemented.
    used = {
        "CheckHealth", "ListPackages", "ListLearningQueue", "ReplayLearningBatch", "DropLearningBatch",
        "GenerateReport", "StreamGenerateReport", "GetSummary", "ListItems", "GetItem", "DeleteItem",
        "RateItem", "SetItemScope", "RecordItem", "SearchItems", "ForgetClient", "ListForgottenClients",
        "RegenerateSection", "EditSection", "ListReports", "ListReportVersions", "GetReportVersion",
        "UnderstandBrief", "SignIn", "ListAuditEntries",
    }  # fmt: skip
    assert used <= implemented


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


def test_scope_upload_share_and_search_for_a_client(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)

    def record(
        title: str, text: str, client_id: str = "", scope: mpb.Scope.ValueType = mpb.SCOPE_UNSPECIFIED
    ) -> mpb.RecordItemResponse:
        item = mpb.LearningItem(
            kind="uploaded_example", title=title, text=text, client_id=client_id, scope=scope
        )
        return client.record_item(mpb.RecordItemRequest(item=item))

    own = record(title="Acme email", text="acme coffee email", client_id="acme")
    assert (own.item.scope, own.result) == (mpb.SCOPE_CLIENT, mpb.RECORD_RESULT_CREATED)
    library = record(title="Playbook", text="coffee playbook")
    assert library.item.scope == mpb.SCOPE_AGENCY and is_shared(library.item)
    other = record(title="Zeta", text="zeta coffee", client_id="zeta", scope=mpb.SCOPE_CLIENT)
    assert fake.calls("POST", "/api/learn/items")[-1].body["item"]["scope"] == "SCOPE_CLIENT"
    assert "scope" not in fake.calls("POST", "/api/learn/items")[0].body["item"]

    found = client.search(mpb.SearchItemsRequest(query="coffee", top_k=10, for_client_id="acme"))
    assert {h.item.id for h in found.results} == {own.item.id, library.item.id}
    assert fake.calls("POST", "/api/learn/search")[-1].body["for_client_id"] == "acme"

    shared = client.set_item_scope(other.item.id, mpb.SCOPE_AGENCY)
    assert shared.scope == mpb.SCOPE_AGENCY and is_shared(shared)
    assert fake.calls("POST", f"/api/learn/items/{other.item.id}/scope")[0].body == {"scope": "SCOPE_AGENCY"}
    again = client.search(mpb.SearchItemsRequest(query="coffee", top_k=10, for_client_id="acme"))
    assert other.item.id in {h.item.id for h in again.results}
    with pytest.raises(GatewayError) as caught:
        client.set_item_scope(library.item.id, mpb.SCOPE_CLIENT)
    assert caught.value.kind == "invalid"


def test_learning_queue_list_replay_and_drop(fake: FakeGateway) -> None:
    client = GatewayClient(fake.url)
    fake.learning_state = gpb.LEARNING_STATE_QUEUED
    result = client.generate_report(brief_request())
    assert result.learning_state == gpb.LEARNING_STATE_QUEUED
    with pytest.raises(GatewayError) as caught:
        client.rate_item(result.learned_item_id, mpb.RATING_GOLD)
    assert caught.value.kind == "not_found"
    aside = fake.add_batch(title="Rejected", reason="item.text: too long")
    health = client.health().response
    assert (health.pending_learning, health.set_aside_learning) == (1, 1)

    queue = client.list_learning_queue()
    assert (queue.queued_count, queue.set_aside_count) == (1, 1)
    queued, rejected = queue.batches
    assert (queued.state, queued.report_id, queued.item_count) == (
        gpb.QUEUE_STATE_QUEUED,
        result.report_id,
        1 + len(result.sections),
    )
    assert rejected.state == gpb.QUEUE_STATE_SET_ASIDE and rejected.reason == "item.text: too long"

    fake.replay_delivers = False
    failed = client.replay_learning_batch(queued.name)
    assert not failed.delivered and failed.batch.reason == fake.replay_reason
    fake.replay_delivers = True
    assert client.replay_learning_batch(queued.name).delivered
    assert fake.calls("POST", f"/api/aicmo/learning_queue/{queued.name}/replay")[0].body == {}
    assert client.rate_item(result.learned_item_id, mpb.RATING_GOLD).rated_count == 1 + len(result.sections)

    assert client.drop_learning_batch(aside.name).name == aside.name
    assert list(client.list_learning_queue().batches) == []


def test_report_history_and_section_work_through_the_client(fake: FakeGateway) -> None:
    """Refinements join a history; a section rewrite and an edit are its next versions; the history lists,
    pages and serves them, as the contract's routes."""
    client = GatewayClient(fake.url)
    brief = gpb.ClientBrief(client_name="Northwind Coffee Co.", brand_name="Northwind")
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
    sent = fake.calls("POST", "/api/aicmo/generate_report")[1].body
    assert sent["history_id"] == first.history_id

    rewritten = client.regenerate_section(
        gpb.RegenerateSectionRequest(
            history_id=first.history_id, version=2, section_id="overview", instruction="Shorter"
        )
    )
    path = f"/api/aicmo/reports/{first.history_id}/sections/overview/regenerate"
    assert [c.body for c in fake.calls("POST", path)] == [{"version": 2, "instruction": "Shorter"}]
    assert rewritten.history_id == first.history_id
    assert "Instruction: Shorter" in rewritten.sections[0].markdown
    assert rewritten.sections[1].markdown == refined.sections[1].markdown

    edited = client.edit_section(
        gpb.EditSectionRequest(
            history_id=first.history_id, section_id="final_summary", markdown="Our own words.", note="Tone"
        )
    )
    path = f"/api/aicmo/reports/{first.history_id}/sections/final_summary/edit"
    assert [c.body for c in fake.calls("POST", path)] == [{"markdown": "Our own words.", "note": "Tone"}]
    assert edited.sections[-1].written_by == gpb.GENERATION_MODE_OPERATOR
    assert "Instruction: Shorter" in edited.sections[0].markdown  # built on the latest version

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
    assert fake.calls("GET", f"/api/reports/{first.history_id}/versions/0")
    assert latest.version == 4 and latest.markdown == edited.report_markdown
    assert latest.sections[-1].author == rpb.SECTION_AUTHOR_OPERATOR
    assert client.get_report_version(first.history_id, 1).markdown == first.report_markdown

    other = client.generate_report(
        gpb.GenerateReportRequest(
            client_brief=gpb.ClientBrief(client_name="Acme", brand_name="Acme"),
            package_key="quick_social_basic",
        )
    )
    page = client.list_reports(rpb.ListReportsRequest(page_size=1))
    assert [r.history_id for r in page.reports] == [other.history_id] and page.next_page_token
    assert fake.calls("GET", "/api/reports")[0].query == {"page_size": ["1"]}
    page = client.list_reports(rpb.ListReportsRequest(page_size=1, page_token=page.next_page_token))
    assert [(r.history_id, r.latest_version) for r in page.reports] == [(first.history_id, 4)]
    assert not page.next_page_token
    mine = client.list_reports(rpb.ListReportsRequest(client_id="northwind-coffee-co"))
    assert [r.client_name for r in mine.reports] == ["Northwind Coffee Co."]

    with pytest.raises(GatewayError) as missing:
        client.get_report_version(first.history_id, 9)
    assert missing.value.kind == "not_found"
    with pytest.raises(GatewayError) as unknown:
        client.regenerate_section(
            gpb.RegenerateSectionRequest(history_id=first.history_id, section_id="nope")
        )
    assert unknown.value.kind == "invalid" and unknown.value.field == "section_id"
