"""`python -m services.memory [serve|migrate|reembed|import PATH|prepare-model|db start|db stop|db status|
export-client --client ID --out FILE|import-client FILE|backup --out FILE|restore FILE|reapply-forgets|
accounts ...|keys ...|audit export]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.exc import ArgumentError, DBAPIError

from services.common.logging import configure_logging, redact
from services.common.server import PortInUseError
from services.common.settings import load_settings
from services.memory.adapters.database import StorageError, startup_hint
from services.memory.adapters.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError
from services.memory.people_cli import (
    add_people_commands,
    first_admin_file,
    run_people_command,
    write_private,
)
from services.memory.settings import MemorySettings

log = logging.getLogger("services.memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.memory", description="AICMO memory service")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve aicmo.memory.v1.MemoryService over gRPC (default)")
    sub.add_parser(
        "migrate",
        help="bring the learning tables to this version's schema, safely while older replicas serve; "
        "then exit (make run and the Kubernetes init container run it before the service starts)",
    )
    sub.add_parser("reembed", help="re-embed every stored item with the configured embedding model")
    bulk = sub.add_parser(
        "import", help="bulk-load learning items from JSONL files or Markdown folders (see bulk_import.py)"
    )
    bulk.add_argument("path", type=Path, help="a .jsonl or .md file, or a folder of them")
    bulk.add_argument("--kind", default="uploaded_example", help="kind of items without one")
    bulk.add_argument("--client-id", default="", help="client of items without one")
    bulk.add_argument("--industry", default="", help="industry of items without one")
    bulk.add_argument(
        "--scope", default="", choices=["", "client", "agency"], help="scope of items without one"
    )
    bulk.add_argument(
        "--no-embed",
        action="store_true",
        help="store only; leave the embedding to the running memory service",
    )
    sub.add_parser(
        "prepare-model",
        help="prepare the int8 embedding model into AICMO_EMBEDDING_CACHE_DIR now (an image build does this)",
    )
    export = sub.add_parser(
        "export-client",
        help="write one client's learning items and report history to a portable, checksummed file",
    )
    export.add_argument("--client", required=True, help="the client id (as in the app's Learn tab)")
    export.add_argument("--out", required=True, type=Path, help="the file to write")
    imported = sub.add_parser(
        "import-client", help="import a client from an export-client file (all or nothing)"
    )
    imported.add_argument("file", type=Path)
    imported.add_argument(
        "--bring-back-forgotten",
        action="store_true",
        help="import a client that was forgotten here (the explicit operator act that brings it back)",
    )
    dump = sub.add_parser("backup", help="back the whole learning database up with pg_dump")
    dump.add_argument("--out", required=True, type=Path, help="the archive to write (pg_dump custom format)")
    back = sub.add_parser(
        "restore",
        help="replace the learning database with a backup, then forget again every client the forget "
        "ledger says was forgotten since (stop the memory service first)",
    )
    back.add_argument("file", type=Path)
    sub.add_parser(
        "reapply-forgets",
        help="forget again every client the forget ledger holds a later forget for than the database does",
    )
    db = sub.add_parser("db", help="manage the embedded Postgres server")
    db.add_argument("action", choices=["start", "stop", "status"])
    add_people_commands(sub)
    args = parser.parse_args(argv)

    settings = load_settings(MemorySettings, "memory service")
    configure_logging(settings.log_level, settings.log_format, service="memory")
    try:
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "reembed":
            return _reembed(settings)
        if args.command == "import":
            return _import(settings, args)
        if args.command == "db":
            return _db(settings, args.action)
        if args.command == "export-client":
            return _export_client(settings, args.client, args.out)
        if args.command == "import-client":
            return _import_client(settings, args.file, bring_back=args.bring_back_forgotten)
        if args.command == "backup":
            return _backup(settings, args.out)
        if args.command == "restore":
            return _restore(settings, args.file)
        if args.command == "reapply-forgets":
            return _reapply_forgets(settings)
        if args.command == "prepare-model":
            return _prepare_model(settings)
        if args.command in ("accounts", "keys", "audit"):
            return run_people_command(settings, args)
        return _serve(settings)
    except (StorageError, EmbeddedPostgresError, PortInUseError) as exc:
        log.error("memory service cannot start: %s", exc)
        return 2
    except ArgumentError as exc:  # an AICMO_MEMORY_DB that is not a database URL
        log.error(
            "memory service cannot start: AICMO_MEMORY_DB is not a database URL (%s); expected e.g. "
            "postgresql+psycopg2://user:password@host:5432/dbname",
            redact(str(exc))[:200],
        )
        return 2
    except DBAPIError as exc:
        log.error("memory service cannot start: %s", startup_hint(exc))
        return 2


def _serve(settings: MemorySettings) -> int:
    from services.common.serve import run_service
    from services.memory.bootstrap import MemoryRuntime, create_runtime

    def start() -> MemoryRuntime:
        runtime = create_runtime(settings)
        runtime.app.start()
        runtime.health.start()
        log.info("memory service ready on %s:%d", settings.bind_host, runtime.app.port)
        return runtime

    return run_service(
        "memory",
        start,
        host=settings.bind_host,
        metrics_port=settings.memory_metrics_port,
        metrics_env="AICMO_MEMORY_METRICS_PORT",
    )


def _migrate(settings: MemorySettings) -> int:
    """Migrates, then makes the first admin of an empty account store. Under `make run` a password made up
    for it goes to a file only the launcher reads (it prints it once and deletes the file); else to the
    terminal."""
    from services.memory.adapters.people import AccountRepository
    from services.memory.bootstrap import ensure_first_admin, open_storage, print_first_admin
    from services.memory.service_layer.people import People

    storage = open_storage(settings, migrate_schema=True)
    try:
        made_up = ensure_first_admin(settings, People(AccountRepository(storage.engine)))
    finally:
        storage.close()
    if made_up:
        if os.environ.get("AICMO_LAUNCHED_AS") == "migrate":
            write_private(first_admin_file(settings.data_dir), made_up)
        else:
            print_first_admin(made_up)
    return 0


def _prepare_model(settings: MemorySettings) -> int:
    from services.memory.embeddings.minilm_onnx import MiniLMOnnxEmbedder

    embedder = MiniLMOnnxEmbedder(precision="int8", cache_dir=settings.embedding_cache_dir)
    if embedder.precision != "int8":
        log.error("the int8 embedding model could not be prepared (see the warning above)")
        return 1
    print(f"int8 embedding model ready: {embedder.model_path}")
    return 0


def _reembed(settings: MemorySettings) -> int:
    from services.memory.bootstrap import build_service, open_storage

    storage = open_storage(settings)
    try:
        service = build_service(settings, storage)
        count = service.reembed_all()
        log.info("re-embedded %d item(s) with %s", count, service.embedder.model_name)
        print(f"re-embedded {count} item(s) with {service.embedder.model_name}")
    finally:
        storage.close()
    return 0


def _import(settings: MemorySettings, args: argparse.Namespace) -> int:
    from services.memory.adapters.repository import LearningRepository
    from services.memory.bootstrap import build_service, check_embedding_model, open_storage
    from services.memory.entrypoints.bulk_import import Defaults, run_import

    storage = open_storage(settings)
    try:
        service = build_service(settings, storage)
        assert isinstance(service.repository, LearningRepository)
        check_embedding_model(service.repository)  # never mix models: the same refusal as at start
        report = run_import(
            service,
            args.path,
            Defaults(kind=args.kind, client_id=args.client_id, industry=args.industry, scope=args.scope),
            embed=not args.no_embed,
        )
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        storage.close()
    print(
        f"imported {args.path}: {report.created} new, {report.existing} already known, "
        f"{report.discarded} discarded (client forgotten), {report.invalid} skipped as invalid; "
        f"{report.embedded} embedded here"
    )
    return 1 if report.invalid else 0


def _export_client(settings: MemorySettings, client_id: str, out: Path) -> int:
    from services.memory.adapters.client_transfer import export_client_to_file
    from services.memory.adapters.database import schema_revisions
    from services.memory.bootstrap import open_storage

    client_id = client_id.strip()
    if not client_id:
        print("--client: is required", file=sys.stderr)
        return 2
    storage = open_storage(settings)
    try:
        current, _ = schema_revisions(storage.engine)
        summary = export_client_to_file(storage.engine, client_id, out, schema_version=current)
    except OSError as exc:
        print(f"--out: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    finally:
        storage.close()
    counts = ", ".join(f"{n} {name}" for name, n in summary.counts.items())
    print(f"exported client {client_id} to {out}: {counts} (sha256 {summary.body_sha256})")
    return 0


def _import_client(settings: MemorySettings, path: Path, *, bring_back: bool) -> int:
    from services.common.domain_errors import ServiceError
    from services.memory.adapters.client_transfer import ImportContext, import_client
    from services.memory.adapters.database import schema_revisions
    from services.memory.adapters.forget_ledger import ForgetLedger
    from services.memory.bootstrap import open_storage
    from services.memory.embeddings.factory import build_embedder

    try:
        source = path.open("rb")
    except OSError as exc:
        print(f"file: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    storage = open_storage(settings)
    try:
        _, known = schema_revisions(storage.engine)
        model = build_embedder(settings).model_name
        summary = import_client(
            storage.engine,
            source,
            context=ImportContext(embedding_model=model),
            known_schema_versions=known,
            bring_back_forgotten=bring_back,
            ledger=ForgetLedger(settings.forget_ledger_path),
        )
    except ServiceError as exc:
        print(f"import refused: {exc.message}", file=sys.stderr)
        return 1
    finally:
        source.close()
        storage.close()
    counts = ", ".join(f"{n} {name}" for name, n in summary.counts.items())
    back = " (a forgotten client, brought back)" if summary.was_forgotten else ""
    queued = (
        f"; {summary.requeued_for_embedding} item(s) queued for embedding with {model}"
        if summary.requeued_for_embedding
        else ""
    )
    print(f"imported client {summary.client_id}{back} from {path}: {counts}{queued}")
    return 0


def _backup(settings: MemorySettings, out: Path) -> int:
    from services.memory.adapters.backup import BackupError, backup, running_database

    try:
        with running_database(
            settings.data_dir, settings.embedded_pg_port, settings.sqlalchemy_url
        ) as target:
            size = backup(target, out)
    except BackupError as exc:
        print(f"backup failed: {redact(str(exc))}", file=sys.stderr)
        return 1
    print(f"backed up the learning database to {out} ({size} bytes)")
    return 0


def _restore(settings: MemorySettings, path: Path) -> int:
    from services.memory.adapters.backup import BackupError, restore, running_database
    from services.memory.adapters.forget_ledger import ForgetLedger, LedgerError

    ledger = ForgetLedger(settings.forget_ledger_path)
    try:
        with running_database(
            settings.data_dir, settings.embedded_pg_port, settings.sqlalchemy_url
        ) as target:
            report = restore(target, path, ledger)
    except (BackupError, LedgerError) as exc:
        print(f"restore failed: {redact(str(exc))}", file=sys.stderr)
        return 1
    print(f"restored the learning database from {path}")
    _print_reapplied(report)
    return 0


def _reapply_forgets(settings: MemorySettings) -> int:
    from services.memory.adapters.backup import reapply_forgets
    from services.memory.adapters.forget_ledger import ForgetLedger
    from services.memory.bootstrap import open_storage

    storage = open_storage(settings)
    try:
        report = reapply_forgets(storage.engine.url, ForgetLedger(settings.forget_ledger_path))
    finally:
        storage.close()
    _print_reapplied(report)
    return 0


def _print_reapplied(report: object) -> None:
    from services.memory.adapters.backup import RestoreReport

    assert isinstance(report, RestoreReport)
    print(
        f"forgot again {len(report.reapplied)} client(s) forgotten since: {', '.join(report.reapplied) or '-'}"
    )
    for entry in report.imports_to_repeat:
        print(
            f"client {entry.client_id} was imported after its forget (at {entry.time.isoformat()}, file sha256 "
            f"{entry.file_sha256}): run import-client --bring-back-forgotten with that file again"
        )


def _db(settings: MemorySettings, action: str) -> int:
    if settings.sqlalchemy_url is not None:
        print("AICMO_MEMORY_DB is set: the database is external, nothing to manage here", file=sys.stderr)
        return 1
    server = EmbeddedPostgres(settings.data_dir, settings.embedded_pg_port)
    if action == "start":
        server.ensure_running()
    elif action == "stop":
        server.stop()
    print(
        f"embedded Postgres on 127.0.0.1:{settings.embedded_pg_port}: "
        f"{'running' if server.is_running() else 'stopped'} (data {server.pgdata})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
