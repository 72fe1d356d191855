"""LearningService against the in-memory store: validation, dedup, acknowledgement modes, the embedding
queue, forgets and aliases, with no database and no model (the hash embedder stands in)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from services.common.domain_errors import InvalidArgument, NotFound
from services.memory.domain.model import (
    Acknowledge,
    NewItem,
    RecordResult,
    Scope,
    SearchFilters,
    validate_new_item,
)
from services.memory.embeddings.fake import FakeHashEmbedder
from services.memory.service_layer.embedding_worker import EmbeddingWorker
from services.memory.service_layer.learning import LearningService
from services.memory.service_layer.ports import LearningStore, Vectors
from tests.unit.memory.fakes import FakeStore


class CountingEmbedder(FakeHashEmbedder):
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.fail = False

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.fail:
            raise RuntimeError("model failed")
        self.calls.append(len(texts))
        return super().embed(texts)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(model=FakeHashEmbedder.model_name)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def service(store: FakeStore, embedder: CountingEmbedder) -> LearningService:
    return LearningService(store, embedder, storage="memory://fake")


def item(text: str, client: str = "acme", **kw: Any) -> NewItem:
    return validate_new_item(kind="report_section", text=text, client_id=client, **kw)


def test_the_fake_is_a_learning_store(store: FakeStore) -> None:
    typed: LearningStore = store  # mypy checks the fake against the port
    assert typed.model == FakeHashEmbedder.model_name


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.search("", 5, 0.0, SearchFilters()), "query"),
        (lambda s: s.search("   ", 5, 0.0, SearchFilters()), "query"),
        (lambda s: s.search("x" * 10_001, 5, 0.0, SearchFilters()), "query"),
        (lambda s: s.search("x", 51, 0.0, SearchFilters()), "top_k"),
        (lambda s: s.search("x", -1, 0.0, SearchFilters()), "top_k"),
        (lambda s: s.search("x", 5, 2.0, SearchFilters()), "min_score"),
        (lambda s: s.search("x", 5, 0.0, SearchFilters(industry="a\x00b")), "industry"),
        (lambda s: s.list(kind="", client_id="", page_size=101, page_token=""), "page_size"),
        (lambda s: s.list(kind="", client_id="", page_size=5, page_token="garbage!"), "page_token"),
        (lambda s: s.get("not-a-uuid"), "id"),
        (lambda s: s.delete(""), "id"),
        (lambda s: s.rate("00000000-0000-0000-0000-000000000001", "great", ""), "rating"),
        (lambda s: s.rate("00000000-0000-0000-0000-000000000001", "gold", "n" * 2001), "note"),
        (lambda s: s.forget_client(" "), "client_id"),
        (lambda s: s.record([item(f"t{i}") for i in range(501)]), "requests"),
    ],
)
def test_bad_input_names_the_field(service: LearningService, call: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        call(service)  # type: ignore[operator]
    assert err.value.field == field


def test_unknown_ids_are_not_found(service: LearningService) -> None:
    unknown = str(uuid.uuid4())
    for call in (service.get, service.delete):
        with pytest.raises(NotFound):
            call(unknown)
    with pytest.raises(NotFound):
        service.rate(unknown, "gold", "")


def test_record_is_idempotent_by_key_and_by_content(service: LearningService, store: FakeStore) -> None:
    first = service.record([item("Version one", idempotency_key="k1")])[0]
    again = service.record([item("Version two, retried", idempotency_key="k1")])[0]
    dup = service.record([item("Version one")])[0]
    other_client = service.record([item("Version one", client="globex")])[0]
    assert first.result is RecordResult.CREATED
    assert again.result is RecordResult.EXISTING and again.item == first.item
    assert dup.result is RecordResult.EXISTING and dup.item == first.item
    assert other_client.result is RecordResult.CREATED
    in_batch = service.record([item("twice in a batch")] * 3)
    assert [o.result for o in in_batch] == [
        RecordResult.CREATED,
        RecordResult.EXISTING,
        RecordResult.EXISTING,
    ]
    assert len(store.rows) == 3


def test_default_acknowledgement_embeds_before_storing(
    service: LearningService, embedder: CountingEmbedder
) -> None:
    outcome = service.record([item("Espresso launch with reels")])[0]
    assert outcome.item is not None and outcome.item.embedding_model == FakeHashEmbedder.model_name
    assert embedder.calls == [1]
    assert [h.item.id for h in service.search("espresso launch reels", 3, 0.0, SearchFilters())] == [
        outcome.item.id
    ]


def test_acknowledged_on_commit_the_model_is_not_waited_for(
    service: LearningService, store: FakeStore, embedder: CountingEmbedder
) -> None:
    woken: list[bool] = []
    service.on_queued = lambda: woken.append(True)
    texts = [f"Section {i}: email nurture flow for churned trial users" for i in range(18)]
    outcomes = service.record([item(t, acknowledge=Acknowledge.COMMITTED) for t in texts])
    assert all(o.result is RecordResult.CREATED for o in outcomes)
    assert all(o.item is not None and o.item.embedding_model == "" for o in outcomes)
    assert embedder.calls == [] and woken == [True]
    assert service.summary().backlog.pending == 18
    assert service.search("email nurture flow", 5, 0.0, SearchFilters()) == []  # stored, not yet searchable

    worker = EmbeddingWorker(store, embedder.embed, batch_size=8)
    assert worker.drain() == 18
    assert embedder.calls == [1, 8, 8, 2]  # the query, then the queue in batches
    assert service.summary().backlog.pending == 0
    assert service.get(str(outcomes[0].item.id)).embedding_model == FakeHashEmbedder.model_name  # type: ignore[union-attr]
    assert len(service.search("email nurture flow", 5, 0.0, SearchFilters())) == 5


def test_a_batch_may_mix_acknowledgements(service: LearningService, embedder: CountingEmbedder) -> None:
    outcomes = service.record(
        [item("waits for the model"), item("does not wait", acknowledge=Acknowledge.COMMITTED)]
    )
    assert [o.item.embedding_model for o in outcomes if o.item] == [FakeHashEmbedder.model_name, ""]
    assert embedder.calls == [1]


def test_a_failing_embedding_goes_to_the_back_and_is_counted(
    service: LearningService, store: FakeStore, embedder: CountingEmbedder
) -> None:
    service.record([item("first", acknowledge=Acknowledge.COMMITTED)])
    embedder.fail = True
    with pytest.raises(RuntimeError):
        service.embed_queued(10)
    assert service.summary().backlog.failing == 1
    service.record([item("second", acknowledge=Acknowledge.COMMITTED)])
    embedder.fail = False
    assert service.embed_queued(1) == 1
    assert [r.item.text for r in store.rows.values() if r.vector is None] == [
        "first"
    ]  # the new one went first


def test_an_old_backlog_is_a_warning_in_the_summary(service: LearningService, store: FakeStore) -> None:
    service.record([item("queued", acknowledge=Acknowledge.COMMITTED)])
    assert not any("wait for their embeddings" in w for w in service.summary().warnings)
    store.clock += dt.timedelta(minutes=5)
    assert any("wait for their embeddings" in w for w in service.summary().warnings)


def test_scoped_search_never_returns_another_clients_items(service: LearningService) -> None:
    own = service.record([item("loyalty programme for pet food", client="c1")])[0].item
    other = service.record([item("loyalty programme for pet food buyers", client="c2")])[0].item
    library = service.record([item("loyalty programme playbook", client="")])[0].item
    assert own and other and library and library.scope is Scope.AGENCY
    found = {
        h.item.id for h in service.search("loyalty programme", 10, -1.0, SearchFilters(for_client_id="c1"))
    }
    assert found == {own.id, library.id}


def test_gold_ranks_up_by_the_boost(service: LearningService) -> None:
    a = service.record([item("rainy day promotion hot drink free cookie today")])[0].item
    b = service.record([item("rainy day promotion hot drink free cookie now")])[0].item
    assert a and b
    service.rate(str(b.id), "gold", "client loved it")
    hits = service.search("rainy day promotion hot drink free cookie", 2, -1.0, SearchFilters())
    assert hits[0].item.id == b.id and hits[0].score == pytest.approx(hits[0].similarity + 0.1)


def test_writes_of_work_started_before_a_forget_are_discarded(service: LearningService) -> None:
    service.record([item("kept until the forget", client="gone")])
    forgot = service.forget_client("gone")
    assert len(forgot.deleted_ids) == 1
    before = forgot.forget_time - dt.timedelta(seconds=5)
    late = service.record(
        [
            item("late", client="gone", work_start_time=before),
            item("fine", client="kept", work_start_time=before),
        ]
    )
    assert [o.result for o in late] == [RecordResult.DISCARDED_CLIENT_FORGOTTEN, RecordResult.CREATED]
    assert service.forgotten_clients()[0].discarded_count == 1


def test_a_chosen_id_that_duplicates_content_becomes_an_alias(service: LearningService) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    a = service.record([item("same text", item_id=str(first))])[0]
    b = service.record([item("same text", item_id=str(second))])[0]
    assert a.result is RecordResult.CREATED and b.result is RecordResult.EXISTING
    assert service.get(str(second)).id == first


def test_reembed_embeds_the_queue_too(service: LearningService, embedder: CountingEmbedder) -> None:
    service.record([item(f"queued {i}", acknowledge=Acknowledge.COMMITTED) for i in range(3)])
    assert service.reembed_all() == 3
    assert service.summary().backlog.pending == 0


def test_the_worker_thread_drains_the_queue_when_woken(store: FakeStore, embedder: CountingEmbedder) -> None:
    service = LearningService(store, embedder, storage="memory://fake")
    worker = EmbeddingWorker(store, embedder.embed, poll_seconds=60.0)
    service.on_queued = worker.wake
    worker.start()
    try:
        service.record([item("wake up", acknowledge=Acknowledge.COMMITTED)])
        for _ in range(500):  # generous: the thread only needs to be scheduled
            if store.backlog().pending == 0:
                break
            worker._stop.wait(0.01)
        assert store.backlog().pending == 0
    finally:
        worker.stop()
    assert np.isclose(np.linalg.norm(next(iter(store.rows.values())).vector), 1.0)
