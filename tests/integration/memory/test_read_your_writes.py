"""Read-your-writes: an item acknowledged on commit is found by its client's very next search, first, while
the background embedder is stuck (GatedWorkerEmbedder), with no sleep between the write and the search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from services.memory.bootstrap import MemoryRuntime, create_runtime
from services.memory.embeddings.factory import build_embedder
from services.memory.settings import MemorySettings
from tests.integration.memory.slow_embedder import GatedWorkerEmbedder, gated

pytestmark = pytest.mark.integration

T = 30.0
CLIENT = "harbor-lane-bikes"
TOPICS = [
    "a spring tune-up offer for commuters, booked online",
    "a referral card that gives both riders a free safety check",
    "an e-bike test-ride weekend with the city's cycling club",
    "a winter storage service with pick-up and delivery",
    "a loyalty stamp card for chain and brake servicing",
    "an Instagram series on route planning for new commuters",
    "a school-run cargo bike rental for families",
    "a workshop evening teaching puncture repair",
    "a corporate fleet maintenance plan for office bike schemes",
    "a trade-in week for old bikes towards e-bikes",
    "a newsletter with seasonal maintenance checklists",
    "a partnership with a coffee shop for group rides on Sundays",
    "a student discount on helmets and lights in September",
    "a local search campaign for emergency repairs",
    "a charity ride raising money for the children's hospital",
    "a bike-fit consultation bundled with every road bike",
    "a gift card push before the holidays",
    "a video walkthrough of the new service bays",
    "a customer story series about commuting year round",
    "a pop-up repair stand at the farmers' market",
]


@pytest.fixture
def stuck(
    database_url: str, data_dir: Path
) -> Iterator[tuple[pb_grpc.MemoryServiceStub, GatedWorkerEmbedder]]:
    settings = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,
        memory_port=0,
        fake_embeddings=False,
        db_health_interval_seconds=0.5,
    )
    with gated(build_embedder(settings)) as embedder:
        runtime: MemoryRuntime = create_runtime(settings, embedder)
        runtime.app.start()
        try:
            with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
                yield pb_grpc.MemoryServiceStub(channel), embedder
        finally:
            embedder.release()
            runtime.stop()


def _record(stub: pb_grpc.MemoryServiceStub, text: str, client: str, ack: int) -> pb.LearningItem:
    response = stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(kind="uploaded_example", text=text, client_id=client),
            acknowledge=ack,  # type: ignore[arg-type]
        ),
        timeout=T,
    )
    item: pb.LearningItem = response.item
    return item


def _search(stub: pb_grpc.MemoryServiceStub, text: str, **scope: str) -> list[pb.SearchResult]:
    response = stub.SearchItems(pb.SearchItemsRequest(query=text, top_k=5, min_score=0.3, **scope), timeout=T)
    return list(response.results)


def test_a_recorded_item_is_its_clients_first_hit_at_once_whatever_the_backlog(
    stuck: tuple[pb_grpc.MemoryServiceStub, GatedWorkerEmbedder],
) -> None:
    stub, embedder = stuck
    # Embedded neighbours in the same scope (same brand, same kind of text), written inline.
    for topic in TOPICS[::5]:
        _record(stub, f"Harbor Lane Bikes tried {topic}; it worked.", CLIENT, pb.ACKNOWLEDGE_EMBEDDED)
    # The background embedder claims the first write and holds it, locked, for the rest of the test.
    texts = [f"Harbor Lane Bikes: {topic}, which brought in new riders in the spring." for topic in TOPICS]
    held = _record(stub, texts[0], CLIENT, pb.ACKNOWLEDGE_COMMITTED)
    assert embedder.worker_waiting.wait(T), "the background embedder never claimed the write"
    # A backlog of other clients' writes that nothing will embed during the test.
    for n in range(40):
        _record(
            stub,
            f"Backlog item {n} for another shop: {TOPICS[n % 20]}",
            f"other-{n % 4}",
            pb.ACKNOWLEDGE_COMMITTED,
        )

    ids = [held.id]
    firsts = [_search(stub, texts[0], for_client_id=CLIENT)[0].item.id == held.id]
    for text in texts[1:]:  # back to back, no sleep
        ids.append(_record(stub, text, CLIENT, pb.ACKNOWLEDGE_COMMITTED).id)
        hits = _search(stub, text, for_client_id=CLIENT)
        firsts.append(bool(hits) and hits[0].item.id == ids[-1])
    assert sum(firsts) == 20, f"found first {sum(firsts)}/20 times: {firsts}"

    # Filtered to the client (an operator's view) as well as scoped for a report.
    assert _search(stub, texts[7], client_id=CLIENT)[0].item.id == ids[7]
    # Nothing was embedded by the background worker: the first item is still held by it, the others were
    # embedded by the searches themselves and stored (the worker has less left to do).
    summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
    assert summary.embedding_backlog == 41
    assert stub.GetItem(pb.GetItemRequest(id=held.id), timeout=T).item.embedding_model == ""
    assert (
        stub.GetItem(pb.GetItemRequest(id=ids[5]), timeout=T).item.embedding_model == summary.embedding_model
    )


def test_waiting_items_stay_within_their_clients_scope(
    stuck: tuple[pb_grpc.MemoryServiceStub, GatedWorkerEmbedder],
) -> None:
    stub, embedder = stuck
    text = "Harbor Lane Bikes: a spring tune-up offer for commuters, booked online."
    other = _record(stub, text, "someone-else", pb.ACKNOWLEDGE_COMMITTED)
    assert embedder.worker_waiting.wait(T)
    mine = _record(stub, text, CLIENT, pb.ACKNOWLEDGE_COMMITTED)
    for scope in ({"for_client_id": CLIENT}, {"client_id": CLIENT}):
        assert [h.item.id for h in _search(stub, text, **scope)] == [mine.id]
    # Unscoped, waiting items are not searched (only the asking client's are): neither copy is found.
    assert other.id not in {h.item.id for h in _search(stub, text)}
