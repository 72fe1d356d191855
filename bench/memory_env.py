"""The benchmarks' memory environment: a throwaway embedded Postgres and an in-process memory service.

Everything runs for real: a throwaway embedded Postgres (pgvector) under var/bench-<random>, the memory
service in-process with the real all-MiniLM-L6-v2 ONNX model, reached through a real gRPC channel with a
deadline on every call. `fill_to` bulk-loads synthetic rows (see bench/synthetic.py) derived from real ones.
Used by bench/stack_bench.py (and the memory benchmark's environment is the same).
"""

from __future__ import annotations

import shutil
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt
import psycopg2
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc
from google.protobuf import struct_pb2
from sqlalchemy import Engine, create_engine

from bench.corpus import Doc
from bench.instrument import CallTimer
from bench.report import Progress
from bench.synthetic import (
    COPY_COLUMNS,
    SYNTHETIC_SOURCE,
    Anchor,
    SyntheticVectors,
    synthetic_copy_chunks,
)
from services.memory.adapters.embedded_postgres import EmbeddedPostgres
from services.memory.adapters.repository import LearningRepository, vector_index_name
from services.memory.bootstrap import MemoryRuntime, create_runtime
from services.memory.service_layer.ports import Embedder
from services.memory.settings import MemorySettings

ROOT = Path(__file__).resolve().parent.parent
F32 = npt.NDArray[np.float32]
EXPECTED_MODEL = "all-MiniLM-L6-v2"
BATCH = 100
CLIENTS = 200
# Search deadline (seconds): generous, a noisy 2-core machine can stall; a miss is an error, not a figure.
SEARCH_DEADLINE = 10.0


# -- the environment ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Env:
    pg: EmbeddedPostgres
    runtime: MemoryRuntime
    settings: MemorySettings
    stub: pb_grpc.MemoryServiceStub
    embedder: Embedder
    repository: LearningRepository
    admin: Any  # psycopg2 connection, autocommit, for bulk loading and maintenance
    plain_engine: Engine  # no statement_timeout: for building the index after a bulk load
    # Server-side time inside the service's embedder and repository (installed in place of them).
    embed_timer: CallTimer
    db_timer: CallTimer

    def reset_timers(self) -> None:
        self.embed_timer.reset()
        self.db_timer.reset()

    def breakdown(self, total_s: float, calls: int) -> str:
        """Where the client-observed time went, per call: embedding, database, and the rest."""
        embed = self.embed_timer.total() / calls * 1000
        db = self.db_timer.total() / calls * 1000
        rest = total_s / calls * 1000 - embed - db
        return f"embedding {embed:.1f} ms + database {db:.1f} ms + gRPC/validation/protobuf {rest:.1f} ms"

    @property
    def model(self) -> str:
        return self.embedder.model_name

    def sql(self, statement: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.admin.cursor() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall()) if cur.description else []

    def count(self) -> int:
        return int(self.sql("SELECT count(*) FROM learning_examples")[0][0])


@contextmanager
def environment(progress: Progress, **settings_overrides: Any) -> Iterator[Env]:
    bench_dir = ROOT / "var" / f"bench-{uuid.uuid4().hex[:8]}"
    bench_dir.mkdir(parents=True)
    pg = EmbeddedPostgres(bench_dir, free_port())
    runtime: MemoryRuntime | None = None
    channel: grpc.Channel | None = None
    admin: Any = None
    plain_engine: Engine | None = None
    try:
        pg.ensure_running()
        progress(f"embedded Postgres on 127.0.0.1:{pg.port}, data {pg.pgdata}")
        settings = MemorySettings(
            memory_db=pg.url,  # type: ignore[arg-type]
            data_dir=bench_dir / "service",
            memory_port=0,
            fake_embeddings=False,
            embedding_provider="local",
            log_level="WARNING",
            db_health_interval_seconds=5.0,
            auth="off",  # the service's own figures, without sign-in
            **settings_overrides,
        )
        runtime = create_runtime(settings)
        runtime.app.start()
        runtime.health.start()
        embedder = runtime.service.embedder
        if embedder.is_fake or embedder.model_name != EXPECTED_MODEL:
            raise RuntimeError(f"expected the real {EXPECTED_MODEL} model, got {embedder.model_name}")
        target = f"127.0.0.1:{runtime.app.port}"
        channel = grpc.insecure_channel(target)
        grpc.channel_ready_future(channel).result(timeout=10)
        progress(f"memory service on {target} (model {embedder.model_name}, {embedder.dimensions} dims)")
        admin = psycopg2.connect(host=pg.host, port=pg.port, user="aicmo", dbname="aicmo", connect_timeout=10)
        admin.autocommit = True
        plain_engine = create_engine(pg.url, pool_size=1, max_overflow=0)
        # The bench keeps the real objects for its own calls; the service gets timed stand-ins.
        service: Any = runtime.service
        repository = runtime.service.repository
        assert isinstance(repository, LearningRepository)
        embed_timer = CallTimer(embedder, ["embed"])
        db_timer = CallTimer(repository, ["find_existing", "insert_new", "search"])
        service.embedder = embed_timer
        service.repository = db_timer
        yield Env(
            pg=pg,
            runtime=runtime,
            settings=settings,
            stub=pb_grpc.MemoryServiceStub(channel),
            embedder=embedder,
            repository=repository,
            admin=admin,
            plain_engine=plain_engine,
            embed_timer=embed_timer,
            db_timer=db_timer,
        )
    finally:
        if channel is not None:
            channel.close()
        if runtime is not None:
            runtime.stop()
        if admin is not None:
            admin.close()
        if plain_engine is not None:
            plain_engine.dispose()
        try:
            pg.stop()
        finally:
            shutil.rmtree(bench_dir, ignore_errors=True)
        progress(f"stopped the service and Postgres; removed {bench_dir}")


# -- requests ---------------------------------------------------------------------------------------------
def record_request(doc: Doc) -> pb.RecordItemRequest:
    metadata = struct_pb2.Struct()
    metadata.update({"origin": "bench", "brief_id": uuid.uuid4().hex[:12]})
    return pb.RecordItemRequest(
        item=pb.LearningItem(
            kind=doc.kind,
            title=doc.title,
            text=doc.text,
            client_id=doc.client_id,
            industry=doc.industry,
            package_key=doc.package_key,
            section_id=doc.section_id,
            tags=list(doc.tags),
            metadata=metadata,
            source="bench",
        ),
        idempotency_key=f"bench-{uuid.uuid4()}",
    )


def load_anchors(env: Env) -> tuple[list[Anchor], F32]:
    rows = env.sql(
        "SELECT kind, title, text, industry, package_key, section_id, embedding::real[] "
        "FROM learning_examples WHERE source <> %s AND embedding_model = %s ORDER BY create_time, id",
        (SYNTHETIC_SOURCE, env.model),
    )
    anchors = [Anchor(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
    vectors = np.asarray([r[6] for r in rows], dtype=np.float32)
    return anchors, vectors


@dataclass
class FillFigures:
    added: int
    load_s: float
    build_s: float | None  # None: nothing loaded, the service kept the index up to date itself
    vacuum_s: float
    index_mb: float


def fill_to(env: Env, size: int, anchors: list[Anchor], synth: SyntheticVectors, seed: int) -> FillFigures:
    """Bulk-loads synthetic rows up to `size`, then builds the HNSW index and VACUUM ANALYZEs."""
    index = vector_index_name(env.model)
    need = size - env.count()
    load_s = 0.0
    if need > 0:
        # Build after loading: inserting into a live HNSW graph row by row is several times slower.
        env.sql(f"DROP INDEX IF EXISTS {index}")
        started = time.perf_counter()
        variant0 = env.count()
        anchor_index, vectors = synth.generate(need)
        with env.admin.cursor() as cur:
            for _rows, buf in synthetic_copy_chunks(
                anchors,
                anchor_index,
                vectors,
                model=env.model,
                first_variant=variant0,
                clients=CLIENTS,
                seed=seed + size,
            ):
                cur.copy_expert(
                    f"COPY learning_examples ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT binary)", buf
                )
        load_s = time.perf_counter() - started
        # The service's own method, on an engine without the service's 30 s statement_timeout.
        started = time.perf_counter()
        builder = LearningRepository(env.plain_engine, model=env.model, dimensions=env.embedder.dimensions)
        builder.ensure_vector_index()
        build_s: float | None = time.perf_counter() - started
    else:
        build_s = None
    started = time.perf_counter()
    env.sql("VACUUM (ANALYZE) learning_examples")  # also keeps autovacuum from waking up mid-measurement
    vacuum_s = time.perf_counter() - started
    index_mb = float(env.sql("SELECT pg_relation_size(%s::regclass)", (index,))[0][0]) / 2**20
    return FillFigures(max(need, 0), load_s, build_s, vacuum_s, index_mb)
