"""Export and import of one client through the CLI, on the real embedded Postgres: export -> forget ->
import gives back the same items, ratings, scopes, aliases and report versions, column for column; a
damaged file or one of another format version is refused and imports nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from google.protobuf import timestamp_pb2

from services.common.domain_errors import ErrorKind, ServiceError
from services.memory.__main__ import main
from services.memory.adapters.client_transfer import ImportContext, import_client
from services.memory.adapters.database import schema_revisions
from tests.integration.memory.client_data import T, client_snapshot, write_client
from tests.integration.memory.conftest import MemoryHarness

EMPTY: dict[str, list[object]] = {"learning_examples": [], "learning_item_aliases": [], "report_versions": []}


@pytest.fixture
def cli_env(
    memory: MemoryHarness, database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The CLI sees the same database and data directory (so the same forget ledger) as the service."""
    monkeypatch.setenv("AICMO_MEMORY_DB", database_url)
    monkeypatch.setenv("AICMO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AICMO_FAKE_EMBEDDINGS", "1")
    monkeypatch.setenv("AICMO_LOG_FORMAT", "text")
    return data_dir


def _forget(memory: MemoryHarness, client_id: str) -> pb.ForgetClientResponse:
    response: pb.ForgetClientResponse = memory.stub.ForgetClient(
        pb.ForgetClientRequest(client_id=client_id), timeout=T
    )
    return response


def test_export_forget_import_gives_the_client_back_exactly(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    ids = write_client(memory, "northwind")
    write_client(memory, "globex")
    before = client_snapshot(database_url, "northwind")
    other = client_snapshot(database_url, "globex")
    assert len(before["learning_examples"]) == 3 and len(before["learning_item_aliases"]) == 1
    assert len(before["report_versions"]) == 2
    assert {r["rating"] for r in before["learning_examples"]} == {"gold", "weak", ""}
    assert all(r["embedding_model"] for r in before["learning_examples"])

    export = cli_env / "northwind.aicmo-client.jsonl"
    assert main(["export-client", "--client", "northwind", "--out", str(export)]) == 0
    forgotten = _forget(memory, "northwind")
    assert client_snapshot(database_url, "northwind") == EMPTY

    # A forgotten client comes back only by the operator's explicit choice.
    assert main(["import-client", str(export)]) == 1
    assert client_snapshot(database_url, "northwind") == EMPTY
    assert main(["import-client", str(export), "--bring-back-forgotten"]) == 0
    assert client_snapshot(database_url, "northwind") == before
    assert client_snapshot(database_url, "globex") == other

    # The imported items serve as before: the alias resolves, the client's search finds its gold item.
    got = memory.stub.GetItem(pb.GetItemRequest(id=ids["alias"]), timeout=T)
    assert got.item.id == ids["weak"] and got.item.rating == "weak"
    found = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="neighbourhood pride roast", for_client_id="northwind", top_k=3),
        timeout=T,
    )
    assert found.results[0].item.id == ids["gold"]

    # The forget record stays: work started before the forget and delivered late is still discarded,
    # while new work is learned.
    listed = memory.stub.ListForgottenClients(pb.ListForgottenClientsRequest(), timeout=T)
    assert "northwind" in {c.client_id for c in listed.clients}
    started = timestamp_pb2.Timestamp()
    started.FromDatetime(forgotten.forget_time.ToDatetime() - dt.timedelta(seconds=5))
    late = memory.stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(
                kind="report_section", text="late delivery of old work", client_id="northwind"
            ),
            work_start_time=started,
        ),
        timeout=T,
    )
    assert late.result == pb.RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN
    fresh = memory.stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(kind="report_section", text="new work", client_id="northwind")
        ),
        timeout=T,
    )
    assert fresh.result == pb.RECORD_RESULT_CREATED


def _rewrite(path: Path, out: Path, *, header_changes: dict[str, object], body: bytes | None = None) -> Path:
    """A copy with its header changed and, if given, another body (with a matching checksum)."""
    first, rest = path.read_bytes().split(b"\n", 1)
    header = json.loads(first)
    if body is not None:
        rest = body
        header["body_sha256"] = hashlib.sha256(body).hexdigest()
    header.update(header_changes)
    out.write_bytes(json.dumps(header).encode() + b"\n" + rest)
    return out


def _import(memory: MemoryHarness, database_url: str, path: Path, bring_back: bool = True) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        _, known = schema_revisions(engine)
        with path.open("rb") as source:
            import_client(
                engine,
                source,
                context=ImportContext(embedding_model=memory.runtime.service.embedder.model_name),
                known_schema_versions=known,
                bring_back_forgotten=bring_back,
            )
    finally:
        engine.dispose()


def test_damaged_or_foreign_files_are_refused_and_import_nothing(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    write_client(memory, "initech")
    before = client_snapshot(database_url, "initech")
    good = cli_env / "initech.jsonl"
    assert main(["export-client", "--client", "initech", "--out", str(good)]) == 0
    _forget(memory, "initech")
    data = good.read_bytes()
    lines = data.split(b"\n")

    flipped = bytearray(data)
    flipped[len(lines[0]) + 40] ^= 0x01
    broken_json = b"\n".join(lines[1:-2]) + b"\n{not json\n"
    other_client = lines[1].replace(b'"client_id":"initech"', b'"client_id":"someone-else"')
    variants = {
        "bit flipped": (cli_env / "flipped.jsonl", bytes(flipped)),
        "truncated": (cli_env / "truncated.jsonl", data[: len(data) * 2 // 3]),
        "header only": (cli_env / "header.jsonl", lines[0] + b"\n"),
        "not an export": (cli_env / "random.jsonl", b'{"hello": "world"}\n'),
        "empty": (cli_env / "empty.jsonl", b""),
    }
    for path, content in variants.values():
        path.write_bytes(content)
    rewritten = {
        "another format version": _rewrite(good, cli_env / "v2.jsonl", header_changes={"format_version": 2}),
        "a newer schema": _rewrite(good, cli_env / "schema.jsonl", header_changes={"schema_version": "9999"}),
        "bad JSON, good checksum": _rewrite(
            good, cli_env / "badjson.jsonl", header_changes={}, body=broken_json
        ),
        "a row of another client": _rewrite(
            good,
            cli_env / "other.jsonl",
            header_changes={},
            body=other_client + b"\n" + b"\n".join(lines[2:]),
        ),
        "counts off": _rewrite(
            good, cli_env / "counts.jsonl", header_changes={"counts": {"learning_items": 1}}
        ),
        "counts not numbers": _rewrite(
            good, cli_env / "counts-text.jsonl", header_changes={"counts": {"learning_items": "many"}}
        ),
    }
    paths = {name: path for name, (path, _) in variants.items()} | rewritten
    for name, path in paths.items():
        with pytest.raises(ServiceError) as refused:
            _import(memory, database_url, path)
        assert refused.value.kind == ErrorKind.INVALID_ARGUMENT, name
        assert getattr(refused.value, "field", None) == "file", name
        assert client_snapshot(database_url, "initech") == EMPTY, name
        assert main(["import-client", str(path), "--bring-back-forgotten"]) == 1, name
        assert client_snapshot(database_url, "initech") == EMPTY, name

    _import(memory, database_url, good)
    assert client_snapshot(database_url, "initech") == before


def test_an_import_over_existing_client_data_is_refused(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    write_client(memory, "umbrella")
    before = client_snapshot(database_url, "umbrella")
    export = cli_env / "umbrella.jsonl"
    assert main(["export-client", "--client", "umbrella", "--out", str(export)]) == 0
    with pytest.raises(ServiceError) as refused:
        _import(memory, database_url, export)
    assert refused.value.kind == ErrorKind.FAILED_PRECONDITION
    assert client_snapshot(database_url, "umbrella") == before


def test_vectors_of_another_model_are_queued_for_embedding(
    memory: MemoryHarness, database_url: str, cli_env: Path
) -> None:
    write_client(memory, "hooli")
    export = cli_env / "hooli.jsonl"
    assert main(["export-client", "--client", "hooli", "--out", str(export)]) == 0
    _forget(memory, "hooli")
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        _, known = schema_revisions(engine)
        with export.open("rb") as source:
            summary = import_client(
                engine,
                source,
                context=ImportContext(embedding_model=f"another-model-{uuid.uuid4().hex[:6]}"),
                known_schema_versions=known,
                bring_back_forgotten=True,
            )
    finally:
        engine.dispose()
    assert summary.requeued_for_embedding == 3
    assert {r["embedding_model"] for r in client_snapshot(database_url, "hooli")["learning_examples"]} <= {
        "",
        memory.runtime.service.embedder.model_name,  # the running service's embedders may already have run
    }


def test_export_and_import_over_the_api(memory: MemoryHarness, database_url: str) -> None:
    import grpc
    from aicmo.memory.v1 import client_transfer_pb2 as tpb
    from aicmo.memory.v1 import client_transfer_pb2_grpc as tpb_grpc
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    write_client(memory, "wayne")
    before = client_snapshot(database_url, "wayne")
    with grpc.insecure_channel(
        memory.target, options=[("grpc.max_receive_message_length", 64 << 20)]
    ) as channel:
        stub = tpb_grpc.ClientTransferServiceStub(channel)
        exported = stub.ExportClient(tpb.ExportClientRequest(client_id="wayne"), timeout=T)
        assert {c.section: c.rows for c in exported.counts}["learning_items"] == 3
        _forget(memory, "wayne")

        def refused(request: tpb.ImportClientRequest) -> tuple[grpc.StatusCode, list[str]]:
            with pytest.raises(grpc.RpcError) as err:
                stub.ImportClient(request, timeout=T)
            status = rpc_status.from_call(err.value)
            fields: list[str] = []
            for detail in status.details if status else []:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad):
                    fields += [v.field for v in bad.field_violations]
            return err.value.code(), fields

        assert refused(tpb.ImportClientRequest(data=exported.data)) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            [],
        )
        damaged = exported.data[:-10]
        assert refused(tpb.ImportClientRequest(data=damaged, bring_back_forgotten=True)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            ["data"],
        )
        assert refused(tpb.ImportClientRequest()) == (grpc.StatusCode.INVALID_ARGUMENT, ["data"])
        assert client_snapshot(database_url, "wayne") == EMPTY
        imported = stub.ImportClient(
            tpb.ImportClientRequest(data=exported.data, bring_back_forgotten=True), timeout=T
        )
        assert imported.was_forgotten and imported.client_id == "wayne"
        assert client_snapshot(database_url, "wayne") == before
        with pytest.raises(grpc.RpcError) as err:
            stub.ExportClient(tpb.ExportClientRequest(client_id="nobody-at-all"), timeout=T)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            stub.ExportClient(tpb.ExportClientRequest(), timeout=T)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
