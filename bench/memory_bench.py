"""Memory service benchmark: record latency and throughput, search latency and HNSW recall at 10k-100k items.

Everything runs for real: a throwaway embedded Postgres (pgvector) under var/bench-<random>, the memory
service in-process with the real all-MiniLM-L6-v2 ONNX model, reached through a real gRPC channel with a
deadline on every call. Only the bulk of the 10k/100k fill is synthetic (see bench/synthetic.py): a few
thousand real texts are recorded through the service, and the remaining vectors are derived from theirs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import textwrap
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
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

from bench import Benchmark
from bench.corpus import Doc, MarketingCorpus
from bench.instrument import CallTimer, explain_captured, plan_kind
from bench.report import Progress, ResultTable, load_average, percentile_ms, warn
from bench.synthetic import (
    COPY_COLUMNS,
    SYNTHETIC_SOURCE,
    Anchor,
    SyntheticVectors,
    median_nn_cosine,
    synthetic_copy_chunks,
)
from services.common.logging import configure_logging
from services.memory.adapters.database import create_db_engine
from services.memory.adapters.embedded_postgres import EmbeddedPostgres
from services.memory.adapters.repository import LearningRepository, vector_index_name
from services.memory.bootstrap import MemoryRuntime, create_runtime
from services.memory.domain.model import SearchFilters
from services.memory.embeddings import minilm_onnx
from services.memory.embeddings.base import Embedder
from services.memory.settings import MemorySettings

ROOT = Path(__file__).resolve().parent.parent
F32 = npt.NDArray[np.float32]
EXPECTED_MODEL = "all-MiniLM-L6-v2"
TOP_K = 10
BATCH = 100
CLIENTS = 200
# Deadlines (seconds): generous, a noisy 2-core machine can stall; a miss is an error, not a figure.
RECORD_DEADLINE = 30.0
BATCH_DEADLINE = 180.0
SEARCH_DEADLINE = 10.0
# Targets from the brief.
TARGET_BATCH_ITEMS_PER_S = 250.0
TARGET_SEARCH_P50_MS = 10.0
TARGET_SEARCH_P99_MS = 25.0
TARGET_SEARCH_AT = 100_000
TARGET_RECALL = 0.95
TARGET_FULL_RUN_S = 480.0
# Below this many rows an exact sequential scan is as fast as the index, and the planner rightly picks it.
SEQ_SCAN_MATTERS_AT = 5_000


def service_limit(top_k: int) -> int:
    """How many rows LearningService.search asks the index for (it over-fetches to re-rank by rating)."""
    return min(max(4 * top_k, 40), 200)


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...] = (10_000, 100_000)
    single_calls: int = 200
    short_batches: int = 30  # also the real anchors for the synthetic fill: ~3,000 real vectors
    long_batches: int = 2
    long_batch_size: int = BATCH
    long_words: int = 300
    search_warmup: int = 30
    search_calls: int = 300
    recall_queries: int = 100
    ef_values: tuple[int, ...] = (40, 100, 200)
    batches_at_size: int = 2
    seed: int = 20240611
    quick: bool = False


QUICK = Plan(
    sizes=(10_000,),
    single_calls=100,
    short_batches=10,
    long_batches=1,
    long_batch_size=25,
    search_warmup=15,
    search_calls=150,
    recall_queries=50,
    ef_values=(40, 100),
    batches_at_size=1,
    quick=True,
)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--sizes",
        help="stored-item counts to search at, comma-separated (default 10000,100000)",
    )
    group.add_argument("--search-calls", type=int, help="timed SearchItems calls per size (default 300)")
    group.add_argument("--recall-queries", type=int, help="queries for recall@10 per size (default 100)")
    group.add_argument("--ef-search", help="hnsw.ef_search values for the recall sweep (default 40,100,200)")
    group.add_argument("--seed", type=int, help="seed for texts and synthetic vectors")


def _ints(value: str) -> tuple[int, ...]:
    return tuple(int(v.replace("_", "")) for v in value.split(",") if v.strip())


def plan_from(args: argparse.Namespace) -> Plan:
    plan = QUICK if getattr(args, "quick", False) else Plan()
    if getattr(args, "sizes", None):
        plan = replace(plan, sizes=tuple(sorted(set(_ints(args.sizes)))))
    if getattr(args, "search_calls", None):
        plan = replace(plan, search_calls=args.search_calls)
    if getattr(args, "recall_queries", None):
        plan = replace(plan, recall_queries=args.recall_queries)
    if getattr(args, "ef_search", None):
        plan = replace(plan, ef_values=_ints(args.ef_search))
    if getattr(args, "seed", None) is not None:
        plan = replace(plan, seed=args.seed)
    if not plan.sizes or min(plan.sizes) <= 0:
        raise SystemExit("--sizes needs positive counts")
    return plan


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
def environment(progress: Progress) -> Iterator[Env]:
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


def embedding_text(doc: Doc) -> str:
    return f"{doc.title}\n{doc.text}" if doc.title else doc.text


@dataclass
class BatchFigures:
    items: int
    seconds: float
    batch_seconds: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def record_batches(env: Env, batches: Sequence[Sequence[Doc]]) -> BatchFigures:
    figures = BatchFigures(0, 0.0)
    env.reset_timers()
    for docs in batches:
        request = pb.BatchRecordItemsRequest(requests=[record_request(d) for d in docs])
        started = time.perf_counter()
        response = env.stub.BatchRecordItems(request, timeout=BATCH_DEADLINE)
        took = time.perf_counter() - started
        if response.created_count != len(docs):
            warn(f"a batch of {len(docs)} unique texts created only {response.created_count} items")
        figures.items += len(docs)
        figures.seconds += took
        figures.batch_seconds.append(took)
    return figures


# -- phases -------------------------------------------------------------------------------------------------
def measure_single_record(
    env: Env, corpus: MarketingCorpus, plan: Plan, table: ResultTable, progress: Progress
) -> None:
    for _ in range(5):  # warm-up: first calls open pool connections and warm the model
        env.stub.RecordItem(record_request(corpus.short()), timeout=RECORD_DEADLINE)
    docs = [corpus.short() for _ in range(plan.single_calls)]
    latencies: list[float] = []
    created = 0
    env.reset_timers()
    for doc in docs:
        request = record_request(doc)
        started = time.perf_counter()
        response = env.stub.RecordItem(request, timeout=RECORD_DEADLINE)
        latencies.append(time.perf_counter() - started)
        created += response.created
    if created != len(docs):
        warn(f"{len(docs)} unique RecordItem calls created {created} items")
    p50, p99 = percentile_ms(latencies, 50), percentile_ms(latencies, 99)
    progress(f"RecordItem x{len(docs)} (unique short texts, small table): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    progress(f"  mean per call: {env.breakdown(sum(latencies), len(latencies))}")
    table.info(f"RecordItem latency p50 (n={len(docs)})", f"{p50:.1f} ms")
    table.info(f"RecordItem latency p99 (n={len(docs)})", f"{p99:.1f} ms")


def measure_batch_record(
    env: Env, corpus: MarketingCorpus, plan: Plan, table: ResultTable, progress: Progress
) -> None:
    short = [[corpus.short() for _ in range(BATCH)] for _ in range(plan.short_batches)]
    words = np.mean([len(d.text.split()) for b in short for d in b])
    figures = record_batches(env, short)
    progress(
        f"BatchRecordItems short texts: {figures.items} items in {figures.seconds:.1f} s = "
        f"{figures.per_second:.0f} items/s (mean {words:.0f} words/text, batch p50 "
        f"{percentile_ms(figures.batch_seconds, 50):.0f} ms)"
    )
    embed_share = env.embed_timer.total() / figures.seconds
    progress(f"  mean per batch of {BATCH}: {env.breakdown(figures.seconds, len(short))}")
    table.at_least(
        f"BatchRecordItems short texts (x{BATCH}, {figures.items} items)",
        figures.per_second,
        TARGET_BATCH_ITEMS_PER_S,
        ".0f",
        "items/s",
    )
    # The ceiling: the same model embedding the same texts in-process, no gRPC, no database.
    texts = [embedding_text(d) for d in short[-1]]
    started = time.perf_counter()
    env.embedder.embed(texts)
    ceiling = len(texts) / (time.perf_counter() - started)
    progress(f"  in-process embedding of one batch of those texts alone: {ceiling:.0f} items/s (the ceiling)")
    table.info("  share of that time spent embedding (server-side)", f"{embed_share:.0%}")
    table.info("  embedding alone, same short texts (in-process)", f"{ceiling:.0f} items/s")

    size = plan.long_batch_size
    long = [[corpus.long(plan.long_words) for _ in range(size)] for _ in range(plan.long_batches)]
    long_words = np.mean([len(d.text.split()) for b in long for d in b])
    figures = record_batches(env, long)
    truncation = getattr(minilm_onnx, "MAX_TOKENS", "?")
    progress(
        f"BatchRecordItems long sections (~{long_words:.0f} words, x{size}): {figures.items} items in "
        f"{figures.seconds:.1f} s = {figures.per_second:.1f} items/s (the model reads only the first "
        f"{truncation} tokens of each, ~{_words_in_tokens(truncation)} words)"
    )
    progress(f"  mean per batch of {size}: {env.breakdown(figures.seconds, len(long))}")
    table.info(
        f"BatchRecordItems ~{long_words:.0f}-word sections (x{plan.long_batch_size}, {figures.items} items)",
        f"{figures.per_second:.1f} items/s",
    )


def _words_in_tokens(tokens: object) -> str:
    return str(int(tokens * 0.75)) if isinstance(tokens, int) else "?"


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


def fill_to(
    env: Env, size: int, anchors: list[Anchor], synth: SyntheticVectors, seed: int, loaded: list[F32]
) -> FillFigures:
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
        loaded.append(vectors)
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


def measure_search(
    env: Env, corpus: MarketingCorpus, plan: Plan, size: int, table: ResultTable, progress: Progress
) -> None:
    stored = env.count()
    queries = [corpus.query() for _ in range(plan.search_warmup + plan.search_calls)]
    warmup, timed = queries[: plan.search_warmup], queries[plan.search_warmup :]
    for q in warmup:
        env.stub.SearchItems(pb.SearchItemsRequest(query=q, top_k=TOP_K), timeout=SEARCH_DEADLINE)
    latencies: list[float] = []
    env.reset_timers()
    returned: list[list[str]] = []
    top1: list[float] = []
    top10: list[float] = []
    for q in timed:
        request = pb.SearchItemsRequest(query=q, top_k=TOP_K)
        started = time.perf_counter()
        response = env.stub.SearchItems(request, timeout=SEARCH_DEADLINE)
        latencies.append(time.perf_counter() - started)
        returned.append([r.item.id for r in response.results])
        if len(response.results) >= TOP_K:
            top1.append(response.results[0].similarity)
            top10.append(response.results[TOP_K - 1].similarity)
        if response.embedding_model != env.model:
            raise RuntimeError(f"SearchItems answered with model {response.embedding_model!r}")
    if not any(returned):
        raise RuntimeError("SearchItems returned nothing over a non-empty table")
    p50, p99 = percentile_ms(latencies, 50), percentile_ms(latencies, 99)
    progress(
        f"SearchItems top_k={TOP_K} x{len(timed)} at {stored:,} items: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    progress(
        f"  mean per call: {env.breakdown(sum(latencies), len(latencies))}; median similarity of "
        f"hit 1 {np.median(top1):.3f}, of hit {TOP_K} {np.median(top10):.3f}"
    )
    label = f"SearchItems at {stored:,} items (gRPC, incl. query embedding)"
    if size >= TARGET_SEARCH_AT:
        table.at_most(f"{label} p50", p50, TARGET_SEARCH_P50_MS, ".1f", "ms")
        table.at_most(f"{label} p99", p99, TARGET_SEARCH_P99_MS, ".1f", "ms")
    else:
        table.info(f"{label} p50", f"{p50:.1f} ms")
        table.info(f"{label} p99", f"{p99:.1f} ms")

    # Query vectors for the recall queries, embedded exactly as the service does (one text per call).
    recall_n = min(plan.recall_queries, len(timed))
    vectors = []
    embed_s = []
    for q in timed[:recall_n]:
        started = time.perf_counter()
        vectors.append(env.embedder.embed([q])[0])
        embed_s.append(time.perf_counter() - started)
    started = time.perf_counter()
    exact = [[str(i) for i in env.repository.exact_search_ids(v, TOP_K)] for v in vectors]
    exact_ms = (time.perf_counter() - started) / max(recall_n, 1) * 1000
    recall = _recall(returned[:recall_n], exact)
    progress(
        f"  recall@{TOP_K} via SearchItems (ef_search={env.settings.hnsw_ef_search}, service): {recall:.3f} "
        f"over {recall_n} queries (exact search {exact_ms:.0f} ms/query); query embedding alone p50 "
        f"{percentile_ms(embed_s, 50):.1f} ms"
    )
    table.at_least(
        f"recall@{TOP_K} at {stored:,} items (service, ef_search={env.settings.hnsw_ef_search})",
        recall,
        TARGET_RECALL,
        ".3f",
    )
    embed_p50 = percentile_ms(embed_s, 50)
    table.info(f"  query embedding alone p50 at {stored:,} (in-process)", f"{embed_p50:.1f} ms")

    # The index alone at several ef_search values: the service's repository SQL on engines set like its own.
    for ef in plan.ef_values:
        engine = create_db_engine(env.pg.url, ef_search=ef)
        try:
            repo = LearningRepository(engine, model=env.model, dimensions=env.embedder.dimensions)
            for v in vectors[:10]:
                repo.search(
                    v, SearchFilters(), top_k=TOP_K, candidates=service_limit(TOP_K), min_similarity=-1.0
                )
            probe = partial(
                repo.search,
                vectors[0],
                SearchFilters(),
                top_k=TOP_K,
                candidates=service_limit(TOP_K),
                min_similarity=-1.0,
            )
            kind = plan_kind(explain_captured(engine, probe), vector_index_name(env.model))
            sql_s: list[float] = []
            got: list[list[str]] = []
            for v in vectors:
                started = time.perf_counter()
                hits = repo.search(
                    v, SearchFilters(), top_k=TOP_K, candidates=service_limit(TOP_K), min_similarity=-1.0
                )
                sql_s.append(time.perf_counter() - started)
                hits.sort(key=lambda h: h[1], reverse=True)
                got.append([str(item.id) for item, _ in hits[:TOP_K]])
        finally:
            engine.dispose()
        r = _recall(got, exact)
        sp50, sp99 = percentile_ms(sql_s, 50), percentile_ms(sql_s, 99)
        progress(
            f"  ef_search={ef}: recall@{TOP_K} {r:.3f}, repository search (SQL, LIMIT "
            f"{service_limit(TOP_K)}) p50 {sp50:.1f} ms p99 {sp99:.1f} ms; plan: {kind}"
        )
        if not kind.startswith("HNSW") and stored >= SEQ_SCAN_MATTERS_AT:
            warn(f"at ef_search={ef} and {stored:,} items the planner does not use the HNSW index ({kind})")
        note = "" if kind.startswith("HNSW") else " (seq scan)"
        table.info(
            f"  ef_search={ef} at {stored:,}: recall@{TOP_K} / SQL p50 / p99{note}",
            f"{r:.3f} / {sp50:.1f} / {sp99:.1f} ms",
        )


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=104, initial_indent=indent, subsequent_indent=indent)


def _recall(found: Sequence[Sequence[str]], exact: Sequence[Sequence[str]]) -> float:
    scores = [len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True) if e]
    return float(np.mean(scores)) if scores else 0.0


# -- the run ------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    plan = plan_from(args)
    progress = Progress()
    table = ResultTable()
    configure_logging("WARNING", "text", service="bench")
    previous = signal.signal(signal.SIGTERM, _terminate)  # so `finally` cleans up on SIGTERM too
    load_before = load_average()
    try:
        _print_header(plan)
        with environment(progress) as env:
            _run_phases(env, plan, table, progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    took = progress.elapsed()
    if plan.quick:
        table.info("wall time (--quick)", f"{took:.0f} s")
    elif plan.sizes == Plan().sizes:
        table.at_most("wall time (full run)", took, TARGET_FULL_RUN_S, ".0f", "s")
    else:
        table.info("wall time", f"{took:.0f} s")
    print()
    print(table.render())
    print()
    print(f"load average (1/5/15 min) before: {load_before}; after: {load_average()}")
    print(f"command: cd {ROOT} && {getattr(args, 'command', '.venv/bin/python -m bench memory')}")
    return 0


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _print_header(plan: Plan) -> None:
    import onnxruntime

    print(
        f"machine: {os.cpu_count()} CPUs, load {load_average()}; Python {platform.python_version()}, "
        f"onnxruntime {onnxruntime.__version__}"
    )
    print(
        f"plan: sizes {', '.join(f'{s:,}' for s in plan.sizes)}; {plan.single_calls} RecordItem; "
        f"{plan.short_batches}x{BATCH} short + {plan.long_batches}x{plan.long_batch_size} long "
        "batch records; "
        f"{plan.search_calls} SearchItems (+{plan.search_warmup} warm-up) and {plan.recall_queries} recall "
        f"queries per size; ef_search sweep {', '.join(map(str, plan.ef_values))}"
        + (" [--quick]" if plan.quick else ""),
        flush=True,
    )


def _run_phases(env: Env, plan: Plan, table: ResultTable, progress: Progress) -> None:
    versions = env.sql(
        "SELECT current_setting('server_version'), "
        "(SELECT extversion FROM pg_extension WHERE extname = 'vector'), "
        "current_setting('maintenance_work_mem'), current_setting('shared_buffers')"
    )[0]
    progress(
        f"PostgreSQL {versions[0]}, pgvector {versions[1]}, maintenance_work_mem {versions[2]}, "
        f"shared_buffers {versions[3]}; service hnsw_ef_search={env.settings.hnsw_ef_search}, "
        f"embedding_threads={env.settings.embedding_threads or 'all cores'}"
    )
    corpus = MarketingCorpus(plan.seed, clients=CLIENTS)

    measure_single_record(env, corpus, plan, table, progress)
    measure_batch_record(env, corpus, plan, table, progress)

    anchors, vectors = load_anchors(env)
    synth = SyntheticVectors(vectors, seed=plan.seed)
    stats = synth.stats()
    print(
        "\nDATA — what is real and what is synthetic:\n"
        f"  REAL: {len(anchors):,} items recorded above through the gRPC service: template-generated\n"
        f"        marketing texts, embedded by the real {env.model} model.\n"
        "  SYNTHETIC: every further row up to each size, bulk-loaded with COPY (source='bench-synthetic').\n"
        f"{_wrap('Vector = ' + synth.describe() + '.', '        ')}\n"
        "        Text = the real anchor's text + ' (variant N)'.\n"
        f"        Synthetic-to-anchor cosine: median {stats.median_cos_to_anchor:.3f}, p10 "
        f"{stats.p10_cos_to_anchor:.3f}; real texts' nearest real neighbour: median "
        f"{stats.median_real_nn_cos:.3f}.\n"
        "  QUERIES: new text (not stored), embedded for real by the service inside SearchItems.\n",
        flush=True,
    )
    table.info("real (model-embedded) items in the table", f"{len(anchors):,}")
    loaded: list[F32] = [vectors]

    for size in plan.sizes:
        fill = fill_to(env, size, anchors, synth, plan.seed, loaded)
        stored = env.count()
        if fill.build_s is None:
            progress(
                f"size {stored:,}: already {stored:,} real items, nothing loaded; HNSW index maintained by "
                f"the service ({fill.index_mb:.0f} MB); VACUUM ANALYZE {fill.vacuum_s:.1f} s"
            )
        else:
            progress(
                f"size {stored:,}: +{fill.added:,} synthetic rows by COPY in {fill.load_s:.1f} s; HNSW index "
                f"built in {fill.build_s:.1f} s ({fill.index_mb:.0f} MB); VACUUM ANALYZE "
                f"{fill.vacuum_s:.1f} s"
            )
        nn = median_nn_cosine(np.vstack(loaded), sample=300, seed=plan.seed + size)
        progress(f"  density: median nearest-neighbour cosine of 300 sampled rows = {nn:.3f}")
        if fill.build_s is not None:
            # The service builds it with no statement timeout (ensure_vector_index), so this is information.
            table.info(f"HNSW build at {stored:,} items", f"{fill.build_s:.1f} s")
        index = vector_index_name(env.model)
        request = pb.SearchItemsRequest(query=corpus.query(), top_k=TOP_K)
        call = partial(env.stub.SearchItems, request, timeout=SEARCH_DEADLINE)
        plan_text = explain_captured(env.runtime.storage.engine, call)
        kind = plan_kind(plan_text, index)
        progress(f"  the service's search query plan: {kind} ({index})")
        if not kind.startswith("HNSW") and stored >= SEQ_SCAN_MATTERS_AT:
            warn(f"the service's search does not use the HNSW index at {stored:,} items:\n{plan_text}")
        measure_search(env, corpus, plan, size, table, progress)
        if plan.batches_at_size:
            batches = [[corpus.short() for _ in range(BATCH)] for _ in range(plan.batches_at_size)]
            figures = record_batches(env, batches)
            progress(
                f"  BatchRecordItems short texts at {stored:,} items (HNSW maintained on insert): "
                f"{figures.per_second:.0f} items/s"
            )
            progress(f"    mean per batch of {BATCH}: {env.breakdown(figures.seconds, len(batches))}")
            table.info(
                f"BatchRecordItems short texts at {stored:,} items ({figures.items} items)",
                f"{figures.per_second:.0f} items/s",
            )


BENCHMARK = Benchmark(
    name="memory",
    description="memory service: record latency/throughput, search latency and HNSW recall at 10k-100k items",
    run=run,
    add_arguments=add_arguments,
)
