"""Several memory replicas on one database: migrations and index builds happen once, writes go on, and
every replica serves."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, text

from services.memory.adapters.repository import agency_index_name, vector_index_name
from services.memory.bootstrap import MemoryRuntime
from services.memory.domain.model import validate_new_item
from tests.integration.memory.conftest import start_memory
from tests.support import health_status, wait_until


def test_two_replicas_starting_on_a_filled_table_without_the_index_both_serve_with_one_index(
    database_url: str, data_dir: Path
) -> None:
    first, _ = start_memory(database_url, data_dir, fake=True)
    model = first.service.embedder.model_name
    items = [
        validate_new_item(kind="note", text=f"note {i} about loyalty, coffee and campaign {i % 97}",
                          client_id=f"client-{i % 7}" if i % 3 else "")
        for i in range(3000)
    ]  # fmt: skip
    for offset in range(0, len(items), 500):
        first.service.record(items[offset : offset + 500])
    first.stop()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for name in (vector_index_name(model), agency_index_name(model)):
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))

    runtimes: list[MemoryRuntime] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            runtimes.append(start_memory(database_url, data_dir, fake=True)[0])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    try:
        assert not errors, errors
        assert len(runtimes) == 2
        targets = [f"127.0.0.1:{runtime.app.port}" for runtime in runtimes]
        wait_until(
            lambda: all(health_status(t) == "SERVING" for t in targets), 60, what="each replica to serve"
        )
        repository = runtimes[0].service.repository
        wait_until(
            lambda: (
                repository.vector_indexes()  # type: ignore[attr-defined]
                == {vector_index_name(model): True, agency_index_name(model): True}
            ),
            120,
            what="both search indexes, built once and valid",
        )
        with engine.connect() as conn:
            names = (
                conn.execute(
                    text(
                        "SELECT indexname FROM pg_indexes WHERE tablename = 'learning_examples' AND indexname LIKE :p"
                    ),
                    {"p": "ix_learning_%hnsw%"},
                )
                .scalars()
                .all()
            )
        assert sorted(names) == sorted({vector_index_name(model), agency_index_name(model)})
    finally:
        for runtime in runtimes:
            runtime.stop()
        engine.dispose()
