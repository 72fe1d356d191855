"""A memory service that cannot start says why in one line, with what to do: no traceback, no waiting on
an error that waiting cannot fix."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest

from tests.support import ROOT, free_port


def start(url: str, data_dir: Path, **extra: str) -> tuple[int, str]:
    env = {
        **os.environ,
        **extra,
        "AICMO_MEMORY_DB": url,
        "AICMO_DATA_DIR": str(data_dir),
        "AICMO_MEMORY_PORT": str(free_port()),
        "AICMO_MEMORY_METRICS_PORT": "0",
        "AICMO_FAKE_EMBEDDINGS": "1",
        "AICMO_LOG_FORMAT": "text",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "services.memory"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout + proc.stderr


def refused(output: str) -> list[str]:
    return [line for line in output.splitlines() if "cannot start" in line or "cannot use" in line]


def test_a_database_that_does_not_exist(embedded_pg: object, data_dir: Path) -> None:
    host, port = embedded_pg.host, embedded_pg.port  # type: ignore[attr-defined]
    code, output = start(
        f"postgresql+psycopg2://aicmo@{host}:{port}/no_such_db_{uuid.uuid4().hex[:6]}", data_dir
    )
    assert code == 2 and "Traceback" not in output
    (line,) = refused(output)
    assert "does not exist" in line and "AICMO_MEMORY_DB" in line
    assert "waiting for the learning database" not in output  # not retried: waiting cannot fix it


def test_a_url_that_is_not_a_database_url(data_dir: Path) -> None:
    code, output = start("this is not a url", data_dir)
    assert code == 2 and "Traceback" not in output
    assert any("AICMO_MEMORY_DB" in line and "Postgres URL" in line for line in refused(output))


def test_a_role_without_rights_on_the_schema(embedded_pg: object, data_dir: Path) -> None:
    host, port = embedded_pg.host, embedded_pg.port  # type: ignore[attr-defined]
    name, role = f"t_{uuid.uuid4().hex[:10]}", f"r_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host=host, port=port, user="aicmo", dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE ROLE "{role}" LOGIN')
            cur.execute(f'CREATE DATABASE "{name}"')
        owner = psycopg2.connect(host=host, port=port, user="aicmo", dbname=name)
        owner.autocommit = True
        with owner.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
            cur.execute(f'REVOKE CREATE ON SCHEMA public FROM PUBLIC, "{role}"')
        owner.close()
        code, output = start(f"postgresql+psycopg2://{role}@{host}:{port}/{name}", data_dir)
        assert code == 2 and "Traceback" not in output and "InFailedSqlTransaction" not in output
        (line,) = refused(output)
        assert "permission" in line and "grant" in line
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


@pytest.mark.parametrize("url", ["postgresql+psycopg2://nobody:secret-pass@127.0.0.1:1/x"])
def test_a_server_that_is_not_there_is_waited_for_then_named_without_the_password(
    url: str, data_dir: Path
) -> None:
    code, output = start(url, data_dir, AICMO_DB_WAIT_SECONDS="2")
    assert code == 2 and "Traceback" not in output and "secret-pass" not in output
    assert refused(output)
