"""`python -m services.memory [serve|reembed|db start|db stop|db status]`."""

from __future__ import annotations

import argparse
import logging
import sys

from services.common.logging import configure_logging
from services.common.server import PortInUseError
from services.memory.adapters.database import StorageError
from services.memory.adapters.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError
from services.memory.settings import MemorySettings

log = logging.getLogger("services.memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.memory", description="AICMO memory service")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve aicmo.memory.v1.MemoryService over gRPC (default)")
    sub.add_parser("reembed", help="re-embed every stored item with the configured embedding model")
    db = sub.add_parser("db", help="manage the embedded Postgres server")
    db.add_argument("action", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)

    settings = MemorySettings()
    configure_logging(settings.log_level, settings.log_format, service="memory")
    try:
        if args.command == "reembed":
            return _reembed(settings)
        if args.command == "db":
            return _db(settings, args.action)
        return _serve(settings)
    except (StorageError, EmbeddedPostgresError, PortInUseError) as exc:
        log.error("memory service cannot start: %s", exc)
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
