"""Learning you can trust, on the real stack (real Postgres, real model, real gRPC channels):

one client's learning never reaches another client's report (text, PDF or Word), a forget holds also for
learning in flight or queued and across a generator restart, and ratings from the response's ids count.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc

from services.generator.service_layer.generation import client_key
from tests.example_briefs import example_fields
from tests.integration.generator.conftest import (
    Stack,
    StackFactory,
    T,
    brief,
    embedded,
    generate_request,
    start_generator,
)
from tests.integration.memory.conftest import start_memory
from tests.openai_stub_server import OpenAIStubServer
from tests.support import free_port, wait_until
from ui.documents import markdown_to_docx, markdown_to_pdf, read_upload

VAULTLINE = brief(**example_fields("vaultline"))
AEGIS = brief(**example_fields("aegis_cloud"))
# What VaultLine's report says that Aegis's must never say: its names, figures, targets and hashtag.
VAULTLINE_IDENTIFIERS = re.compile(
    r"vaultline|180,000|\$180k|\$3m|3,000,000|120 enterprise demos|zerotrust|passwordless", re.I
)


def _exported_texts(report: pb.GenerateReportResponse) -> dict[str, str]:
    markdown = report.report_markdown
    return {
        "markdown": markdown,
        "sections": "\n".join(s.markdown for s in report.sections),
        "pdf": read_upload("report.pdf", markdown_to_pdf(markdown, title="Aegis")),
        "word": read_upload("report.docx", markdown_to_docx(markdown, title="Aegis")),
    }


def test_another_clients_learning_never_reaches_a_report(stack: Stack) -> None:
    vaultline = stack.generator.GenerateReport(generate_request(client_brief=VAULTLINE), timeout=T)
    embedded(stack)  # searchable from now on
    assert vaultline.learning_state == pb.LEARNING_STATE_RECORDED
    assert VAULTLINE_IDENTIFIERS.search(vaultline.report_markdown)  # the identifiers are there to leak

    # Without scoping, memory would hand VaultLine's sections to an Aegis brief: the test means something.
    unscoped = stack.memory.SearchItems(
        mpb.SearchItemsRequest(query="Aegis cloud security posture management campaign", top_k=20), timeout=T
    )
    assert any(r.item.client_id == client_key(VAULTLINE.client_name) for r in unscoped.results)

    aegis = stack.generator.GenerateReport(generate_request(client_brief=AEGIS), timeout=T)
    assert aegis.retrieval_state == pb.RETRIEVAL_STATE_DONE
    assert all(not s.learned_from for s in aegis.sections), "nothing of another client may inform it"
    for where, text in _exported_texts(aegis).items():
        leaked = VAULTLINE_IDENTIFIERS.search(text)
        assert leaked is None, f"VaultLine's {leaked.group(0)!r} is in Aegis's {where}"

    # VaultLine's own next report does build on its first one.
    again = stack.generator.GenerateReport(
        generate_request(client_brief=VAULTLINE, stage="draft", report_id=""), timeout=T
    )
    informed = [s for s in again.sections if s.learned_from]
    assert len(informed) >= 10
    assert all(lf.source == pb.LEARNING_SOURCE_SAME_CLIENT for s in informed for lf in s.learned_from)


def test_agency_library_examples_shape_any_clients_report(stack: Stack) -> None:
    playbook = (
        "## Channel Plan\n\nHow cloud security platforms win security leaders at cloud-first companies.\n\n"
        "- Anchor the launch on a founder-led webinar series about cloud misconfigurations.\n"
        "- Retarget webinar registrants with a cloud security checklist download within 48 hours."
    )
    recorded = stack.memory.RecordItem(
        mpb.RecordItemRequest(
            item=mpb.LearningItem(
                kind="uploaded_example",
                title="B2B security channel playbook",
                text=playbook,
                section_id="channel_plan",
                industry="Cybersecurity",
            )
        ),
        timeout=T,
    )
    assert recorded.item.scope == mpb.SCOPE_AGENCY  # no client: the agency library
    report = stack.generator.GenerateReport(generate_request(client_brief=AEGIS), timeout=T)
    channel = next(s for s in report.sections if s.id == "channel_plan")
    assert [lf.item_id for lf in channel.learned_from] == [recorded.item.id]
    assert channel.learned_from[0].source == pb.LEARNING_SOURCE_AGENCY_LIBRARY
    assert "founder-led webinar series" in channel.markdown  # it shaped the body...
    assert "B2B security channel playbook" not in report.report_markdown  # ...without naming its source


def test_sharing_a_clients_item_with_the_agency_makes_it_available_to_others(stack: Stack) -> None:
    stack.generator.GenerateReport(generate_request(client_brief=VAULTLINE), timeout=T)
    sections = stack.memory.ListItems(
        mpb.ListItemsRequest(
            kind="report_section", client_id=client_key(VAULTLINE.client_name), page_size=50
        ),
        timeout=T,
    ).items
    overview = next(i for i in sections if i.section_id == "overview")
    assert overview.scope == mpb.SCOPE_CLIENT
    shared = stack.memory.SetItemScope(
        mpb.SetItemScopeRequest(id=overview.id, scope=mpb.SCOPE_AGENCY), timeout=T
    )
    assert shared.item.scope == mpb.SCOPE_AGENCY
    embedded(stack)
    aegis = stack.generator.GenerateReport(generate_request(client_brief=AEGIS), timeout=T)
    used = {lf.item_id: lf.source for s in aegis.sections for lf in s.learned_from}
    assert used == {overview.id: pb.LEARNING_SOURCE_AGENCY_LIBRARY}


def _client_items(memory: mpb_grpc.MemoryServiceStub, client_id: str) -> int:
    return int(memory.ListItems(mpb.ListItemsRequest(client_id=client_id, page_size=1), timeout=T).total_size)


def test_forget_with_learning_queued_holds_after_the_queue_drains_and_a_restart(
    database_url: str, data_dir: Path
) -> None:
    memory_runtime, _ = start_memory(database_url, data_dir, fake=False)
    memory_target = f"127.0.0.1:{memory_runtime.app.port}"
    client_id = client_key(VAULTLINE.client_name)
    try:
        with grpc.insecure_channel(memory_target) as channel:
            memory = mpb_grpc.MemoryServiceStub(channel)
            # A generator that cannot reach memory: its reports are queued durably in the spool.
            away = start_generator(data_dir, f"127.0.0.1:{free_port()}", record_budget_ms=0)
            try:
                with grpc.insecure_channel(f"127.0.0.1:{away.app.port}") as gchannel:
                    queued = pb_grpc.GeneratorServiceStub(gchannel).GenerateReport(
                        generate_request(client_brief=VAULTLINE), timeout=T
                    )
                assert queued.learning_state == pb.LEARNING_STATE_QUEUED
                assert away.spool.pending() == 1
            finally:
                away.stop()

            forgot = memory.ForgetClient(mpb.ForgetClientRequest(client_id=client_id), timeout=T)
            assert forgot.deleted_count == 0 and forgot.HasField("forget_time")

            # The same spool, delivered by a restarted generator that reaches memory: discarded, not stored.
            restarted = start_generator(data_dir, memory_target)
            try:
                wait_until(lambda: restarted.spool.pending() == 0, 30, what="the spool to drain")
                assert restarted.spool.set_aside_count() == 0
                assert _client_items(memory, client_id) == 0
                with pytest.raises(grpc.RpcError) as err:
                    memory.GetItem(mpb.GetItemRequest(id=queued.learned_item_id), timeout=T)
                assert err.value.code() == grpc.StatusCode.NOT_FOUND
                listed = memory.ListForgottenClients(mpb.ListForgottenClientsRequest(), timeout=T).clients
                assert [(c.client_id, c.discarded_count) for c in listed] == [(client_id, 18)]

                # New work for the client after the forget is learned normally.
                with grpc.insecure_channel(f"127.0.0.1:{restarted.app.port}") as gchannel:
                    fresh = pb_grpc.GeneratorServiceStub(gchannel).GenerateReport(
                        generate_request(client_brief=VAULTLINE), timeout=T
                    )
                assert fresh.learning_state == pb.LEARNING_STATE_RECORDED
                assert _client_items(memory, client_id) == 18
            finally:
                restarted.stop()
    finally:
        memory_runtime.stop()


@pytest.fixture
def openai_server() -> Iterator[OpenAIStubServer]:
    server = OpenAIStubServer()
    yield server
    server.stop()


def test_forget_during_generation_holds(make_stack: StackFactory, openai_server: OpenAIStubServer) -> None:
    # Sections written by the model take a while for this brand, so the forget lands mid-generation.
    openai_server.behaviour.slow_markers["VaultLine"] = 1.5
    stack = make_stack(
        openai_api_key="sk-test", openai_base_url=openai_server.base_url, llm_section_timeout_seconds=20.0
    )
    client_id = client_key(VAULTLINE.client_name)
    with futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            stack.generator.GenerateReport, generate_request(client_brief=VAULTLINE), timeout=T * 2
        )
        wait_until(lambda: len(openai_server.chat_requests) > 0, T, what="generation to start")
        forgot = stack.memory.ForgetClient(mpb.ForgetClientRequest(client_id=client_id), timeout=T)
        report = running.result(timeout=T * 2)
    assert forgot.deleted_count == 0
    assert report.learning_state in (pb.LEARNING_STATE_RECORDED, pb.LEARNING_STATE_QUEUED)
    wait_until(lambda: stack.generator_runtime.spool.pending() == 0, T, what="the spool to drain")
    assert _client_items(stack.memory, client_id) == 0


def test_a_forget_racing_writes_leaves_nothing_behind(stack: Stack) -> None:
    """Writes stamped before a forget, racing it from several threads: none survives."""
    client_id = "racing-client"
    started = mpb.RecordItemRequest().work_start_time
    started.GetCurrentTime()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            request = mpb.RecordItemRequest(
                item=mpb.LearningItem(kind="note", text=f"note {n}-{i}", client_id=client_id),
                work_start_time=started,
            )
            stack.memory.RecordItem(request, timeout=T)
            i += 1

    with futures.ThreadPoolExecutor(3) as pool:
        running = [pool.submit(writer, n) for n in range(3)]
        wait_until(lambda: _client_items(stack.memory, client_id) >= 3, T, what="some writes")
        stack.memory.ForgetClient(mpb.ForgetClientRequest(client_id=client_id), timeout=T)
        time.sleep(0.5)  # writes keep arriving after the forget
        stop.set()
        for r in running:
            r.result(timeout=T)
    assert _client_items(stack.memory, client_id) == 0


def test_rating_a_report_by_its_id_rates_its_sections_and_gold_is_kept(stack: Stack) -> None:
    first = stack.generator.GenerateReport(generate_request(client_brief=VAULTLINE), timeout=T)
    rated = stack.memory.RateItem(
        mpb.RateItemRequest(id=first.learned_item_id, rating="gold", note="client loved it"), timeout=T
    )
    assert rated.rated_count == 18
    for section in first.sections:
        item = stack.memory.GetItem(mpb.GetItemRequest(id=section.learned_item_id), timeout=T).item
        assert item.rating == "gold" and item.rating_note == "client loved it"

    # One section rated weak on its own, right from the response.
    overview = next(s for s in first.sections if s.id == "overview")
    stack.memory.RateItem(mpb.RateItemRequest(id=overview.learned_item_id, rating="weak"), timeout=T)

    follow_up = brief(
        **{
            f.name: getattr(VAULTLINE, f.name)
            for f in pb.ClientBrief.DESCRIPTOR.fields
            if f.name not in ("objectives", "metadata")
        },
        objectives="book 80 enterprise demos with financial-services CISOs",
    )
    embedded(stack)
    second = stack.generator.GenerateReport(generate_request(client_brief=follow_up), timeout=T)
    by_id = {s.id: s for s in second.sections}
    channel_before = next(s for s in first.sections if s.id == "channel_plan")
    kept = [line for line in channel_before.markdown.splitlines() if line.startswith("- ")][:3]
    assert kept and all(line.removeprefix("- ").strip() in by_id["channel_plan"].markdown for line in kept)
    assert by_id["channel_plan"].learned_from[0].rating == "gold"
    # The overview rated weak: none of its lines comes back (the rating made it a text to avoid).
    weak_lines = {
        line.strip()
        for line in overview.markdown.splitlines()
        if len(line.split()) >= 6 and not line.lstrip().startswith(("#", "|"))
    }
    assert weak_lines and not weak_lines & {line.strip() for line in by_id["overview"].markdown.splitlines()}
    # Nothing about learning is printed in the deliverable.
    assert not re.search(r"what already works|proven elements|stay at its core", second.report_markdown, re.I)
