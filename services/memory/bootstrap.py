"""Composition root of the memory service: settings in, a ready-to-serve gRPC app out."""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field

import grpc
from aicmo.memory.v1 import accounts_pb2 as apb
from aicmo.memory.v1 import accounts_pb2_grpc as apb_grpc
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import audit_pb2_grpc as aupb_grpc
from aicmo.memory.v1 import client_transfer_pb2 as tpb
from aicmo.memory.v1 import client_transfer_pb2_grpc as tpb_grpc
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import playbook_pb2 as ppb
from aicmo.memory.v1 import playbook_pb2_grpc as ppb_grpc
from aicmo.memory.v1 import report_archive_pb2 as rpb
from aicmo.memory.v1 import report_archive_pb2_grpc as rpb_grpc
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from services.common.auth import auth_interceptors, key_source
from services.common.errors import GrpcErrorInterceptor, is_database_outage
from services.common.logging import register_secret
from services.common.observability.metrics import REGISTRY
from services.common.server import GrpcApp
from services.common.tls import server_credentials
from services.memory.adapters.database import (
    StorageError,
    check_pgvector,
    create_db_engine,
    is_permanent,
    migrate,
    redact_url,
    schema_behind,
    startup_hint,
)
from services.memory.adapters.embedded_postgres import EmbeddedPostgres
from services.memory.adapters.forget_ledger import ForgetLedger
from services.memory.adapters.people import AccountRepository, AuditRepository
from services.memory.adapters.playbook import PlaybookRepository
from services.memory.adapters.report_archive import ReportArchiveRepository
from services.memory.adapters.repository import LearningRepository
from services.memory.embeddings.factory import build_embedder
from services.memory.embeddings.measured import MeasuredEmbedder
from services.memory.entrypoints.grpc_servicer import MemoryServicer
from services.memory.entrypoints.people_servicer import AccountServicer, AuditServicer, MemoryAudit
from services.memory.entrypoints.playbook_servicer import PlaybookServicer
from services.memory.entrypoints.report_servicer import ReportArchiveServicer
from services.memory.entrypoints.transfer_servicer import ClientTransferServicer
from services.memory.figures import LearningFigures
from services.memory.service_layer.embedding_worker import EmbeddingWorker
from services.memory.service_layer.learning import LearningService
from services.memory.service_layer.people import People
from services.memory.service_layer.playbook import Playbook
from services.memory.service_layer.ports import Embedder
from services.memory.service_layer.reports import ReportArchive
from services.memory.settings import MemorySettings

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["MemoryService"].full_name
ARCHIVE_SERVICE_NAME = rpb.DESCRIPTOR.services_by_name["ReportArchiveService"].full_name
PLAYBOOK_SERVICE_NAME = ppb.DESCRIPTOR.services_by_name["PlaybookService"].full_name
TRANSFER_SERVICE_NAME = tpb.DESCRIPTOR.services_by_name["ClientTransferService"].full_name
ACCOUNT_SERVICE_NAME = apb.DESCRIPTOR.services_by_name["AccountService"].full_name
AUDIT_SERVICE_NAME = aupb.DESCRIPTOR.services_by_name["AuditService"].full_name
REEMBED_COMMAND = "make reembed  (or: .venv/bin/python -m services.memory reembed)"


@dataclass
class Storage:
    """The open database, and the embedded server when we manage one."""

    engine: Engine
    label: str
    embedded: EmbeddedPostgres | None = None
    started_embedded: bool = False
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.engine.dispose()
        if self.embedded is not None and self.started_embedded:
            self.embedded.stop()


def open_storage(
    settings: MemorySettings, *, wait_seconds: float | None = None, migrate_schema: bool | None = None
) -> Storage:
    """Connects to AICMO_MEMORY_DB, or starts the embedded Postgres; checks pgvector; migrates (unless
    AICMO_MIGRATE_ON_START=false, or migrate_schema=False: then waits until the schema is current)."""
    embedded: EmbeddedPostgres | None = None
    started = False
    url = settings.sqlalchemy_url
    if url is None:
        embedded = EmbeddedPostgres(settings.data_dir, settings.embedded_pg_port)
        started = embedded.ensure_running()
        url = embedded.url
    else:
        password = settings.memory_db.get_secret_value() if settings.memory_db else ""
        register_secret(_password_of(password))
    label = redact_url(url)
    log.info("Phase L: Using Postgres memory engine for learning (%s)", label)
    if settings.data_dir_is_temporary() and embedded is not None:
        log.warning(
            "Phase L: AICMO_DATA_DIR=%s is under a temporary directory: learned data may be LOST on reboot. "
            "Point AICMO_DATA_DIR at a persistent path.",
            settings.data_dir,
        )
    engine = create_db_engine(
        url, connect_timeout=settings.db_connect_timeout_seconds, ef_search=settings.hnsw_ef_search
    )
    storage = Storage(engine=engine, label=label, embedded=embedded, started_embedded=started)
    try:
        _wait_for_database(engine, label, settings.db_wait_seconds if wait_seconds is None else wait_seconds)
        check_pgvector(engine, label)
        if settings.migrate_on_start if migrate_schema is None else migrate_schema:
            migrate(
                engine,
                lock_timeout_ms=settings.migration_lock_timeout_ms,
                wait_seconds=settings.migration_wait_seconds,
            )
        else:
            _wait_for_schema(engine, settings.db_wait_seconds if wait_seconds is None else wait_seconds)
    except BaseException:
        storage.close()
        raise
    return storage


def _password_of(url: str) -> str | None:
    from sqlalchemy import make_url

    try:
        return make_url(url).password
    except Exception:
        return None


def _wait_for_schema(engine: Engine, wait_seconds: float) -> None:
    """Waits for a migration run as a step of its own (by make run's launcher, a Kubernetes init
    container) to bring the schema to this version's head."""
    deadline = time.monotonic() + wait_seconds
    logged = False
    while (behind := schema_behind(engine)) is not None:
        if time.monotonic() >= deadline:
            raise StorageError(behind)
        if not logged:
            log.info("waiting for the migrations: %s", behind)
            logged = True
        time.sleep(1.0)


def _wait_for_database(engine: Engine, label: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with engine.connect():
                return
        except DBAPIError as exc:
            if is_permanent(exc):
                raise StorageError(
                    f"cannot use the learning database at {label}: {startup_hint(exc)}"
                ) from None
            if time.monotonic() >= deadline:
                raise StorageError(
                    f"cannot reach the learning database at {label}: {startup_hint(exc)}"
                ) from None
            log.warning("waiting for the learning database at %s (%s)", label, startup_hint(exc))
            time.sleep(1.0)


def check_embedding_model(repository: LearningRepository) -> None:
    """Refuses to mix vectors of different models: a switch needs an explicit re-embed."""
    others = {m: n for m, n in repository.count_by_model().items() if m != repository.model}
    if others:
        found = ", ".join(f"{n} item(s) embedded with '{m}'" for m, n in sorted(others.items()))
        raise StorageError(
            f"learning_examples holds {found}, but the configured embedding model is '{repository.model}'. "
            f"Vectors of different models cannot be compared. Re-embed the stored items with the new model: "
            f"{REEMBED_COMMAND}; or switch the configuration back."
        )


def build_service(
    settings: MemorySettings, storage: Storage, embedder: Embedder | None = None
) -> LearningService:
    embedder = MeasuredEmbedder(embedder or build_embedder(settings))
    repository = LearningRepository(
        storage.engine,
        model=embedder.model_name,
        dimensions=embedder.dimensions,
        ef_search=settings.hnsw_ef_search,
        ef_search_filtered=settings.hnsw_ef_search_filtered,
        ledger=ForgetLedger(settings.forget_ledger_path),
    )
    return LearningService(
        repository, embedder, storage=storage.label, playbook=Playbook(PlaybookRepository(storage.engine))
    )


def start_embedding_workers(settings: MemorySettings, service: LearningService) -> list[EmbeddingWorker]:
    """The background embedders of this replica; a write acknowledged before its embedding wakes them."""
    workers = [
        EmbeddingWorker(
            service.repository,
            service.embedder.embed,
            batch_size=settings.embedding_batch_size,
            poll_seconds=settings.embedding_poll_seconds,
            name=f"embedding-worker-{n}",
        )
        for n in range(settings.embedding_workers)
    ]

    def wake() -> None:
        for worker in workers:
            worker.wake()

    service.on_queued = wake
    for worker in workers:
        worker.start()
    return workers


class DatabaseHealth:
    """Keeps gRPC health in step with the database: NOT_SERVING while it is unreachable, back by itself."""

    def __init__(self, app: GrpcApp, repository: LearningRepository, interval: float) -> None:
        self._app = app
        self._repository = repository
        self._interval = interval
        self._stop = threading.Event()
        self._serving: bool | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="db-health", daemon=True)

    def start(self) -> None:
        self.check()
        self._thread.start()

    def stop(self) -> None:
        """Stops the checker and waits for it, so no ping opens a connection after the engine is disposed."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def check(self) -> bool:
        try:
            self._repository.ping()
            ok = True
        except Exception:
            ok = False
        self._set(ok)
        return ok

    def on_error(self, exc: BaseException) -> None:
        if is_database_outage(exc):
            self._set(False)

    def _set(self, ok: bool) -> None:
        with self._lock:
            if self._stop.is_set() or ok == self._serving:
                return
            self._serving = ok
            self._app.set_serving(ok)
        if ok:
            log.info("learning database reachable: SERVING")
        else:
            log.error("learning database unreachable: NOT_SERVING until it returns")

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()


def ensure_first_admin(settings: MemorySettings, people: People) -> str | None:
    """Makes the first admin of an empty account store; returns the password made up for it, if one was."""
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    return people.ensure_first_admin(given or None)


def print_first_admin(password: str) -> None:
    """Said once, on the terminal (never in a log line: the password is a registered secret)."""
    print(
        f"\nFirst admin created. Sign in as: admin  password: {password}\n"
        "(shown once; change it with: python -m services.memory accounts set-password admin)\n",
        file=sys.stderr,
        flush=True,
    )


@dataclass
class MemoryRuntime:
    app: GrpcApp
    service: LearningService
    storage: Storage
    health: DatabaseHealth
    embedding_workers: list[EmbeddingWorker] = field(default_factory=list)

    def stop(self) -> None:
        self.app.stop()


INDEX_WAIT_SECONDS = 10.0
_figures: list[LearningFigures] = []


def register_figures(repository: LearningRepository) -> None:
    """Items per kind and the database size on /metrics (one collector per process, for the latest
    repository)."""
    while _figures:
        REGISTRY.unregister(_figures.pop())
    figures = LearningFigures(repository.figures)
    REGISTRY.register(figures)
    _figures.append(figures)


def build_search_indexes(repository: LearningRepository) -> threading.Thread:
    """Builds the search indexes in the background and waits for them at most INDEX_WAIT_SECONDS: a big
    table's build (minutes at scale) never holds the start past a startup probe, and until the index is
    valid searches are exact (slower, never wrong)."""

    def build() -> None:
        try:
            repository.ensure_vector_index()
        except Exception as exc:
            log.error("building the search index failed (searches stay exact until the next start): %s", exc)

    thread = threading.Thread(target=build, name="index-build", daemon=True)
    thread.start()
    thread.join(INDEX_WAIT_SECONDS)
    if thread.is_alive():
        log.warning(
            "the search index is still being built; serving meanwhile (searches are exact until then)"
        )
    return thread


def create_runtime(settings: MemorySettings, embedder: Embedder | None = None) -> MemoryRuntime:
    """Opens storage, loads the model, checks the stored vectors match it, and builds the server."""
    storage = open_storage(settings)
    try:
        service = build_service(settings, storage, embedder)
        repository = service.repository
        assert isinstance(repository, LearningRepository)
        check_embedding_model(repository)
        build_search_indexes(repository)
    except BaseException:
        storage.close()
        raise
    register_figures(repository)
    archive = ReportArchive(ReportArchiveRepository(storage.engine))
    assert service.playbook is not None
    servicer = MemoryServicer(service, archive, service.playbook)
    archive_servicer = ReportArchiveServicer(archive)
    playbook_servicer = PlaybookServicer(service.playbook)
    transfer_servicer = ClientTransferServicer(
        storage.engine,
        embedding_model=service.embedder.model_name,
        ledger=ForgetLedger(settings.forget_ledger_path),
    )
    keys = key_source(settings)
    accounts = AccountRepository(storage.engine)
    people = People(accounts)
    audit = AuditRepository(storage.engine)
    made_up = ensure_first_admin(settings, people)
    if made_up:
        print_first_admin(made_up)
    account_servicer = AccountServicer(people, keys, settings.auth_token_ttl_seconds)
    audit_servicer = AuditServicer(audit)

    def register(server: grpc.Server) -> None:
        pb_grpc.add_MemoryServiceServicer_to_server(servicer, server)
        rpb_grpc.add_ReportArchiveServiceServicer_to_server(archive_servicer, server)
        ppb_grpc.add_PlaybookServiceServicer_to_server(playbook_servicer, server)
        tpb_grpc.add_ClientTransferServiceServicer_to_server(transfer_servicer, server)
        apb_grpc.add_AccountServiceServicer_to_server(account_servicer, server)
        aupb_grpc.add_AuditServiceServicer_to_server(audit_servicer, server)

    health_ref: list[DatabaseHealth] = []

    def on_error(exc: BaseException) -> None:
        if health_ref:
            health_ref[0].on_error(exc)

    app = GrpcApp(
        name="memory",
        host=settings.bind_host,
        port=settings.memory_port,
        service_names=[
            SERVICE_NAME,
            ARCHIVE_SERVICE_NAME,
            PLAYBOOK_SERVICE_NAME,
            TRANSFER_SERVICE_NAME,
            ACCOUNT_SERVICE_NAME,
            AUDIT_SERVICE_NAME,
        ],
        register=register,
        grace_seconds=settings.shutdown_grace_seconds,
        # Calls to memory are short: recycling connections every few minutes spreads the generators'
        # round robin over memory replicas added since (Kubernetes scale-up).
        max_connection_age_seconds=300.0,
        interceptors=[
            *auth_interceptors(settings, "memory", keys, MemoryAudit(audit, accounts)),
            GrpcErrorInterceptor(on_error=on_error),
        ],
        credentials=server_credentials(settings),
        health_port=settings.memory_health_port,
    )
    health = DatabaseHealth(app, repository, settings.db_health_interval_seconds)
    health_ref.append(health)
    workers = start_embedding_workers(settings, service)
    # Hooks run in reverse: workers and health stop before the database closes.
    app.on_stop(storage.close)
    app.on_stop(health.stop)
    for worker in workers:
        app.on_stop(worker.stop)
    return MemoryRuntime(app=app, service=service, storage=storage, health=health, embedding_workers=workers)
