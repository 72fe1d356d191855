"""Report -> report: the second of two same-client reports, generated back to back, learns from the first,
while memory's background embedder is stuck (GatedWorkerEmbedder holds the first report's items)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc

from services.memory.bootstrap import create_runtime
from services.memory.embeddings.factory import build_embedder
from services.memory.settings import MemorySettings
from tests.integration.generator.conftest import T, brief, generate_request, start_generator
from tests.integration.memory.slow_embedder import GatedWorkerEmbedder, gated

pytestmark = pytest.mark.integration

LIBRARY_TOPICS = [
    "a referral programme", "a win-back email flow", "a holiday gift box", "an Instagram giveaway",
    "a loyalty tier scheme", "a barista video series", "a tasting event", "a podcast sponsorship",
    "a local press push", "a first-order discount", "a subscription pause option", "a bundle offer",
    "a creator seeding plan", "a cafe partnership", "an office coffee trial", "a brewing workshop",
    "a review request flow", "a seasonal blend launch", "a sampling stand", "a newsletter relaunch",
    "a price test", "a gift card push", "a community group", "a retargeting plan", "a landing page test",
    "a cost per acquisition target", "a channel budget split", "a persona study", "a launch calendar",
    "a post-campaign review",
]  # fmt: skip


@pytest.fixture
def stuck_stack(
    database_url: str, data_dir: Path
) -> Iterator[tuple[pb_grpc.GeneratorServiceStub, mpb_grpc.MemoryServiceStub, GatedWorkerEmbedder]]:
    settings = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,
        memory_port=0,
        fake_embeddings=False,
        db_health_interval_seconds=0.5,
    )
    with gated(build_embedder(settings)) as embedder:
        memory = create_runtime(settings, embedder)
        memory.app.start()
        memory_target = f"127.0.0.1:{memory.app.port}"
        generator = start_generator(data_dir, memory_target)
        try:
            with (
                grpc.insecure_channel(f"127.0.0.1:{generator.app.port}") as g,
                grpc.insecure_channel(memory_target) as m,
            ):
                yield pb_grpc.GeneratorServiceStub(g), mpb_grpc.MemoryServiceStub(m), embedder
        finally:
            embedder.release()
            generator.stop()
            memory.stop()


def test_the_second_of_two_reports_learns_from_the_first_at_once(
    stuck_stack: tuple[pb_grpc.GeneratorServiceStub, mpb_grpc.MemoryServiceStub, GatedWorkerEmbedder],
) -> None:
    generator, memory, embedder = stuck_stack
    # An agency library the report's search also sees (embedded, so it fills the meaning ranking).
    library = [
        f"Agency playbook {n}: {topic} for a coffee subscription brand, with a weekly review of results."
        for n, topic in enumerate(LIBRARY_TOPICS)
    ]
    memory.BatchRecordItems(
        mpb.BatchRecordItemsRequest(
            requests=[
                mpb.RecordItemRequest(
                    item=mpb.LearningItem(kind="uploaded_example", text=t, scope=mpb.SCOPE_AGENCY)
                )
                for t in library
            ]
        ),
        timeout=T,
    )
    first = generator.GenerateReport(generate_request(), timeout=T)
    assert first.learning_status == "recorded"
    first_ids = {s.learned_item_id for s in first.sections}
    assert embedder.worker_waiting.wait(T), "the background embedder never claimed the report"

    follow_up = brief(
        objectives="win back lapsed subscribers and launch a holiday gift box",
        raw_brief_text="Northwind wants lapsed subscribers back before the holidays.",
    )
    second = generator.GenerateReport(generate_request(client_brief=follow_up), timeout=T)  # no wait
    assert second.retrieval_state == pb.RETRIEVAL_STATE_DONE
    informed = [s.id for s in second.sections if any(lf.item_id in first_ids for lf in s.learned_from)]
    assert len(informed) >= 10, f"only {informed} drew on the first report"
    assert all(
        lf.source == pb.LEARNING_SOURCE_SAME_CLIENT
        for s in second.sections
        for lf in s.learned_from
        if lf.item_id in first_ids
    )
    # The first report's items were still waiting for the (stuck) background embedder meanwhile.
    assert memory.GetSummary(mpb.GetSummaryRequest(), timeout=T).embedding_backlog > 0
