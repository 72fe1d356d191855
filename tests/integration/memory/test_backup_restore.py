"""Whole-database backup and restore with the embedded distribution's pg_dump and pg_restore, through the
CLI: the restored database is the backup's, row for row, except that a client forgotten after the backup
(recorded in the forget ledger) is forgotten again, with its original forget time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb

from services.memory.__main__ import main
from tests.integration.memory.client_data import T, client_snapshot, database_snapshot, write_client
from tests.integration.memory.conftest import MemoryHarness


@pytest.fixture
def cli_env(
    memory: MemoryHarness, database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("AICMO_MEMORY_DB", database_url)
    monkeypatch.setenv("AICMO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AICMO_FAKE_EMBEDDINGS", "1")
    monkeypatch.setenv("AICMO_LOG_FORMAT", "text")
    return data_dir


def test_backup_forget_restore_keeps_the_client_forgotten_and_the_rest_exact(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    write_client(memory, "acme")
    write_client(memory, "globex")
    memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="soylent"), timeout=T)  # forgotten before
    before = database_snapshot(database_url)
    globex = client_snapshot(database_url, "globex")
    archive = cli_env / "backups" / "aicmo.dump"
    assert main(["backup", "--out", str(archive)]) == 0
    assert archive.stat().st_size > 0

    forgotten = memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="globex"), timeout=T)
    memory.stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(kind="report_section", text="after the backup", client_id="acme")
        ),
        timeout=T,
    )
    memory.runtime.stop()  # as the README says: stop the memory service, then restore

    assert main(["restore", str(archive)]) == 0
    after = database_snapshot(database_url)
    assert client_snapshot(database_url, "globex") == {
        "learning_examples": [],
        "learning_item_aliases": [],
        "report_versions": [],
    }
    assert globex["learning_examples"]  # it was in the backup
    # Everything else is the backup's, exactly; globex's forget record carries its original time.
    for table in ("learning_examples", "learning_item_aliases", "report_versions"):
        assert after[table] == [r for r in before[table] if _client(before, table, r) != "globex"], table
    records = {r["client_id"]: r for r in after["forgotten_clients"]}
    assert set(records) == {"soylent", "globex"}
    assert records["soylent"] == next(r for r in before["forgotten_clients"] if r["client_id"] == "soylent")
    assert _as_time(records["globex"]["forget_time"]) == _pg_time(forgotten.forget_time.ToDatetime())

    # A second restore of the same backup is the same (the ledger is replayed again, idempotently).
    assert main(["restore", str(archive)]) == 0
    assert database_snapshot(database_url) == after


def test_a_damaged_backup_is_refused_and_the_database_left_as_it_was(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    write_client(memory, "acme")
    archive = cli_env / "aicmo.dump"
    assert main(["backup", "--out", str(archive)]) == 0
    before = database_snapshot(database_url)
    memory.runtime.stop()
    truncated = cli_env / "truncated.dump"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    garbage = cli_env / "garbage.dump"
    garbage.write_bytes(b"not a backup at all\n" * 10)
    for bad in (truncated, garbage, cli_env / "missing.dump"):
        assert main(["restore", str(bad)]) == 1, bad.name
        assert database_snapshot(database_url) == before, bad.name


def _client(snapshot: dict[str, list[dict[str, object]]], table: str, row: dict[str, object]) -> object:
    if table == "learning_item_aliases":
        owners = {r["id"]: r["client_id"] for r in snapshot["learning_examples"]}
        return owners.get(row["item_id"])
    return row["client_id"]


def _pg_time(value: object) -> dt.datetime:
    """A forget time from the API, in UTC."""
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC)


def _as_time(value: object) -> dt.datetime:
    """A timestamptz as to_jsonb writes it (Postgres drops trailing zeros of the microseconds: compare
    instants, not strings)."""
    assert isinstance(value, str)
    return dt.datetime.fromisoformat(value)


def test_a_client_brought_back_after_the_backup_is_forgotten_again_and_its_import_named(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    from services.memory.adapters.backup import restore, target_for
    from services.memory.adapters.forget_ledger import ForgetLedger

    write_client(memory, "initech")
    archive = cli_env / "aicmo.dump"
    export = cli_env / "initech.jsonl"
    assert main(["backup", "--out", str(archive)]) == 0
    assert main(["export-client", "--client", "initech", "--out", str(export)]) == 0
    memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="initech"), timeout=T)
    assert main(["import-client", str(export), "--bring-back-forgotten"]) == 0
    memory.runtime.stop()

    report = restore(target_for(database_url), archive, ForgetLedger(cli_env / "forget-ledger.jsonl"))
    assert report.reapplied == ["initech"]
    assert [e.client_id for e in report.imports_to_repeat] == ["initech"]
    assert client_snapshot(database_url, "initech")["learning_examples"] == []
    # The operator repeats the import the restore named.
    assert main(["import-client", str(export), "--bring-back-forgotten"]) == 0
    assert client_snapshot(database_url, "initech")["learning_examples"]


def test_backup_and_restore_of_the_embedded_postgres(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without AICMO_MEMORY_DB the commands start the embedded server under AICMO_DATA_DIR for the
    duration (as root too: the tools then reach it as the service user's server) and stop it after."""
    from services.memory.adapters.embedded_postgres import EmbeddedPostgres
    from tests.support import free_port

    port = free_port()
    monkeypatch.delenv("AICMO_MEMORY_DB", raising=False)
    monkeypatch.setenv("AICMO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AICMO_EMBEDDED_PG_PORT", str(port))
    monkeypatch.setenv("AICMO_LOG_FORMAT", "text")
    server = EmbeddedPostgres(data_dir, port)
    try:
        assert main(["migrate"]) == 0
        assert not server.is_running()
        archive = data_dir / "backups" / "aicmo.dump"
        assert main(["backup", "--out", str(archive)]) == 0
        assert archive.stat().st_size > 0 and not server.is_running()
        assert main(["restore", str(archive)]) == 0
        assert not server.is_running()
        server.ensure_running()
        url = f"postgresql+psycopg2://aicmo@127.0.0.1:{port}/aicmo"
        assert [r for r in database_snapshot(url)["learning_examples"]] == []
    finally:
        server.stop()
