"""`python -m services.memory [serve|migrate|reembed|import PATH|prepare-model|db start|db stop|db status|
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
    from services.common.observability.metrics import serve_metrics
    from services.common.observability.tracing import configure_tracing, shutdown_tracing
    from services.common.server import exit_process
    from services.memory.bootstrap import create_runtime

    configure_tracing("memory")
    runtime = create_runtime(settings)
    runtime.app.start()
    runtime.health.start()
    log.info("memory service ready on %s:%d", settings.bind_host, runtime.app.port)
    try:
        serve_metrics(settings.bind_host, settings.memory_metrics_port, "memory")
    except OSError as exc:
        log.error(
            "memory metrics cannot listen on port %d (%s): set AICMO_MEMORY_METRICS_PORT",
            settings.memory_metrics_port,
            exc,
        )
        runtime.stop()
        return 2
    runtime.app.serve_forever()
    shutdown_tracing()
    exit_process(0)
    return 0


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
