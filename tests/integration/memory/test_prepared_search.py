"""Searches run as prepared statements, and keep working where prepared statements do not (a pooler)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from services.memory.adapters.repository import LearningRepository
from tests.integration.memory.conftest import MemoryHarness

T = 10.0
TEXTS = {
    "Referral program for a meal-kit startup": "client-a",
    "Trade show plan for an industrial robot maker": "client-b",
    "Podcast sponsorship for a dog-food brand": "",
}


def _record(memory: MemoryHarness) -> None:
    for text, client in TEXTS.items():
        memory.stub.RecordItem(
            pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text=text, client_id=client)),
            timeout=T,
        )


def _search(memory: MemoryHarness, for_client_id: str = "", kinds: tuple[str, ...] = ()) -> list[str]:
    request = pb.SearchItemsRequest(query="referral program", for_client_id=for_client_id, kinds=list(kinds))
    return [r.item.text for r in memory.stub.SearchItems(request, timeout=T).results]


def _checked_in(repository: LearningRepository) -> int:
    pool = repository.engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedin()


def _repository(memory: MemoryHarness) -> LearningRepository:
    repository = memory.runtime.service.repository
    assert isinstance(repository, LearningRepository)
    return repository


@pytest.mark.integration
def test_searches_are_prepared_once_per_connection_and_stay_correct(memory: MemoryHarness) -> None:
    _record(memory)
    for _ in range(8):  # past Postgres's five custom plans before it considers a generic one
        assert _search(memory)[0] == "Referral program for a meal-kit startup"
        assert _search(memory, for_client_id="client-b")[0] != "Referral program for a meal-kit startup"
        assert _search(memory, kinds=("nothing-of-this-kind",)) == []
    repository = _repository(memory)
    assert repository._reads.enabled
    # The pooled connections hold the prepared searches: one per shape (plain, scoped, filtered by kind).
    # A connection the background embedder has checked out at that moment cannot be looked at, so the
    # look is repeated (with fresh searches) until every shape is seen, within a generous bound.
    deadline = time.monotonic() + 60
    while True:
        held = [repository.engine.raw_connection() for _ in range(_checked_in(repository))]
        prepared: list[str] = []
        for pooled in held:
            with pooled.dbapi_connection.cursor() as cur:  # type: ignore[union-attr]
                cur.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'aicmo_search%'")
                prepared += [r[0] for r in cur.fetchall()]
            pooled.close()
        if len(set(prepared)) == 3 or time.monotonic() > deadline:
            break
        _search(memory)
        _search(memory, for_client_id="client-b")
        _search(memory, kinds=("nothing-of-this-kind",))
        time.sleep(0.2)
    assert prepared and len(set(prepared)) == 3


@pytest.mark.integration
def test_statements_that_vanish_between_calls_turn_preparing_off_and_lose_nothing(
    memory: MemoryHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """As behind PgBouncer in transaction mode: the next server connection does not know the statement."""
    _record(memory)
    assert _search(memory)[0] == "Referral program for a meal-kit startup"
    repository = _repository(memory)

    def forget_prepared(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Every checkout now gets a server session that knows none of the statements the pool believes
        # prepared on it.
        with dbapi_connection.cursor() as cur:
            cur.execute("DEALLOCATE ALL")
        dbapi_connection.commit()
        record.info.setdefault("aicmo_prepared", set()).update(f"aicmo_search_{n}" for n in range(1, 4))

    event.listen(repository.engine, "checkout", forget_prepared)
    try:
        with caplog.at_level(logging.WARNING):
            assert _search(memory)[0] == "Referral program for a meal-kit startup"
            assert _search(memory, for_client_id="client-a")[0] == "Referral program for a meal-kit startup"
    finally:
        event.remove(repository.engine, "checkout", forget_prepared)
    assert not repository._reads.enabled
    assert "prepared statements" in caplog.text
