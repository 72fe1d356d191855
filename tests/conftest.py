"""Fixtures shared by all tests. Integration fixtures use the real embedded Postgres and real channels."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.stack import StackProcess
from tests.support import CREATED_DATA_DIRS, TEST_DATA_ROOT, free_port, new_data_dir


@pytest.fixture(scope="session")
def embedded_pg() -> Iterator[object]:
    """One embedded Postgres for the test session (its own data dir and port)."""
    from services.memory.adapters.embedded_postgres import EmbeddedPostgres

    server = EmbeddedPostgres(new_data_dir("session-pg"), free_port())
    server.ensure_running()
    yield server
    server.stop()
    shutil.rmtree(server.data_dir, ignore_errors=True)


@pytest.fixture
def database_url(embedded_pg: object) -> Iterator[str]:
    """A fresh, empty database on the session's Postgres, dropped afterwards."""
    from services.memory.adapters.embedded_postgres import EmbeddedPostgres

    assert isinstance(embedded_pg, EmbeddedPostgres)
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(host=embedded_pg.host, port=embedded_pg.port, user="aicmo", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg2://aicmo@{embedded_pg.host}:{embedded_pg.port}/{name}"
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = new_data_dir("data")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def running_stack() -> Iterator[StackProcess]:
    """Memory, generator, Envoy and the Streamlit UI, started by the launcher on free ports (shared by the
    e2e and UI tests)."""
    stack = StackProcess(new_data_dir("stack"), with_ui=True)
    stack.start()
    yield stack
    stack.stop()
    shutil.rmtree(stack.data_dir, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Leave no test data behind (a failing run keeps its logs for inspection).
    if exitstatus == 0:
        for path in CREATED_DATA_DIRS:
            shutil.rmtree(path, ignore_errors=True)
        if TEST_DATA_ROOT.exists() and not any(TEST_DATA_ROOT.iterdir()):
            TEST_DATA_ROOT.rmdir()
