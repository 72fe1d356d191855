"""Memory service benchmark: retrieval quality and speed against a raw-SQL + pgvector floor, and ingest.

One run, everything real: a throwaway embedded Postgres (pgvector), the memory service in-process with the
real all-MiniLM-L6-v2 model behind a real gRPC channel, and beside it two floors: what a developer writes by
hand with psycopg2 + pgvector (one table, a default HNSW index, `ORDER BY embedding <=> %s LIMIT 10`).
The torch floor (bench/torch_floor.py) embeds with sentence-transformers on torch, library defaults, as the
issue's peers did: the targets compare with it. The same-model floor embeds with our own model object, to
show what the service adds on top of the model. Queries are interleaved, system by system, query by query,
so machine noise hits all alike.

The corpus is labelled (bench/labelled_corpus.py): snippets naming made-up brands and product lines, and
queries paraphrasing one snippet and naming its brand and line. Its 10k snippets are embedded for real
(cached under var/bench-cache after the first run, since embedding them takes minutes on two cores). At
100k (full run only) the other 90k rows are snippets of other brands whose vectors are synthetic
neighbours of the real snippet with the same facts (see bench/synthetic.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import signal
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg2
from aicmo.memory.v1 import memory_service_pb2 as pb
from pgvector.psycopg2 import register_vector
from sqlalchemy.exc import DBAPIError

from bench import Benchmark, hard_index, realistic_memory
from bench.labelled_corpus import LabelledCorpus, Snippet
from bench.memory_env import F32, ROOT, SEARCH_DEADLINE, Env, environment
from bench.report import Progress, ResultTable, load_average, percentile_ms, warn
from bench.synthetic import SyntheticVectors, _text_array, _vector, copy_buffer
from bench.torch_floor import FloorUnavailable, TorchFloor
from services.common.logging import configure_logging
from services.memory.adapters.repository import (
    LEGACY_RANKING,
    RANKING,
    LearningRepository,
    agency_index_name,
    vector_index_name,
)
from services.memory.domain.model import SearchFilters, embedding_text
from services.memory.service_layer.learning import CANDIDATES_MAX, PENDING_MAX, VECTOR_CANDIDATES_MIN
from services.memory.service_layer.ports import SearchQuery

CACHE = ROOT / "var" / "bench-cache"
TOP_K = 10
WRITE_DEADLINE = 120.0
ID_BASE = 1 << 64  # corpus row i gets uuid int ID_BASE + i, so results map back to snippets
# Targets (issue 10), on a 2-core machine.
TARGET_RECALL5 = 0.90
TARGET_P50_MS = 15.0
TARGET_P50_VS_FLOOR = 0.6
TARGET_SCALE_RATIO = 1.5
TARGET_REPORT_ACK_MS = 25.0
TARGET_SEARCHABLE_S = 3.0
TARGET_INGEST_VS_FLOOR = 2.0
TARGET_OVERLAP = 0.98


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...] = (10_000, 100_000)
    queries: int = 200
    filtered_queries: int = 100
    singles: int = 50
    reports: int = 20
    batches: int = 5
    batch_size: int = 64
    seed: int = 20240611
    quick: bool = False
    # The corpus searched and timed: "hard" (bench/hard_index.py's: ~200 snippets per brand, near
    # neighbours; issue 20's speed target is measured there) or "brand" (~20 per brand, issue 10's).
    corpus: str = "hard"


QUICK = Plan(sizes=(10_000,), queries=200, filtered_queries=60, singles=30, reports=10, batches=3, quick=True)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--sizes", help="corpus sizes, comma-separated (default 10000,100000; the first is real)"
    )
    group.add_argument("--queries", type=int, help="labelled queries per size (default 200)")
    group.add_argument("--seed", type=int, help="seed of the corpus and queries")
    group.add_argument(
        "--corpus",
        choices=("hard", "brand"),
        help="corpus searched and timed against the floors (default hard: ~200 snippets per brand)",
    )


def plan_from(args: argparse.Namespace) -> Plan:
    plan = QUICK if getattr(args, "quick", False) else Plan()
    if getattr(args, "sizes", None):
        plan = replace(
            plan, sizes=tuple(sorted({int(v.replace("_", "")) for v in args.sizes.split(",") if v}))
        )
    if getattr(args, "queries", None):
        plan = replace(plan, queries=args.queries)
    if getattr(args, "seed", None) is not None:
        plan = replace(plan, seed=args.seed)
    if getattr(args, "corpus", None):
        plan = replace(plan, corpus=args.corpus)
    return plan


# -- loading ------------------------------------------------------------------------------------------------
def corpus_vectors(env: Env, snippets: Sequence[Snippet], progress: Progress) -> F32:
    """Real embeddings of the snippets, from the cache when this exact corpus was embedded before."""
    texts = [embedding_text(s.title, s.text) for s in snippets]
    variant = f"{env.model}/{getattr(env.embedder, 'precision', '')}"
    digest = hashlib.sha256(("\x1e".join([variant, *texts])).encode()).hexdigest()[:16]
    path = CACHE / f"labelled-{digest}.npy"
    if path.exists():
        vectors: F32 = np.load(path)
        progress(f"corpus vectors: {len(vectors):,} real embeddings from the cache ({path.name})")
        return vectors
    progress(f"embedding {len(texts):,} snippets with {env.model} (first run only; cached afterwards) ...")
    started = time.perf_counter()
    chunks = []
    for start in range(0, len(texts), 512):
        chunks.append(env.embedder.embed(texts[start : start + 512]))
        if start and start % 2048 == 0:
            progress(f"  {start:,} embedded")
    vectors = np.vstack(chunks).astype(np.float32)
    took = time.perf_counter() - started
    progress(f"  embedded in {took:.0f} s ({len(texts) / took:.0f} snippets/s in-process)")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


_COLUMNS = (
    "id, kind, title, text, content_hash, client_id, industry, tags, metadata, source, embedding, "
    "embedding_model, scope"
)


def copy_rows(env: Env, snippets: Sequence[Snippet], vectors: F32, first: int, source: str) -> None:
    """Binary COPY into learning_examples (ids ID_BASE + index) and the floor's table, in chunks."""
    model = env.model.encode()
    tags = _text_array(["bench"])
    for start in range(0, len(snippets), 5000):
        ours: list[tuple[bytes, ...]] = []
        floor: list[tuple[bytes, ...]] = []
        for offset, s in enumerate(snippets[start : start + 5000]):
            index = first + start + offset
            vector = _vector(vectors[start + offset])
            ours.append(
                (
                    uuid.UUID(int=ID_BASE + index).bytes,
                    s.kind.encode(),
                    s.title.encode(),
                    s.text.encode(),
                    hashlib.sha256(s.text.encode()).hexdigest().encode(),
                    s.client_id.encode(),
                    s.industry.encode(),
                    tags,
                    b"\x01" + json.dumps({"brand": s.brand}).encode(),
                    source.encode(),
                    vector,
                    model,
                    b"agency" if s.agency else b"client",
                )
            )
            floor.append((struct.pack("!i", index), s.title.encode(), s.text.encode(), vector))
        with env.admin.cursor() as cur:
            cur.copy_expert(
                f"COPY learning_examples ({_COLUMNS}) FROM STDIN WITH (FORMAT binary)", copy_buffer(ours)
            )
            cur.copy_expert(
                "COPY floor_items (id, title, text, embedding) FROM STDIN WITH (FORMAT binary)",
                copy_buffer(floor),
            )


def build_indexes(env: Env, progress: Progress) -> None:
    """Both HNSW indexes built after loading (faster than inserting into a live graph), then statistics."""
    started = time.perf_counter()
    builder = LearningRepository(env.plain_engine, model=env.model, dimensions=env.embedder.dimensions)
    for attempt in range(3):
        try:
            builder.ensure_vector_index()
            break
        except DBAPIError as exc:
            # The service's own statistics refresh (ANALYZE, in a transaction) can deadlock with CREATE INDEX
            # CONCURRENTLY right after a bulk load; Postgres cancels the build, which is simply run again
            # (ensure_vector_index drops the invalid index first).
            if attempt == 2 or "deadlock" not in str(exc):
                raise
            progress(f"  index build cancelled by a deadlock with a statistics refresh; again ({exc.orig})")
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    env.sql("SET maintenance_work_mem = '512MB'")
    env.sql("CREATE INDEX floor_items_hnsw ON floor_items USING hnsw (embedding vector_cosine_ops)")
    floor_s = time.perf_counter() - started
    env.sql("VACUUM (ANALYZE) learning_examples")
    env.sql("VACUUM (ANALYZE) floor_items")
    builder.refresh_search_statistics(force=True)
    progress(f"HNSW built: ours {ours_s:.1f} s, floor's {floor_s:.1f} s; statistics refreshed")


def drop_indexes(env: Env) -> None:
    env.sql(f"DROP INDEX IF EXISTS {vector_index_name(env.model)}")
    env.sql(f"DROP INDEX IF EXISTS {agency_index_name(env.model)}")
    env.sql("DROP INDEX IF EXISTS floor_items_hnsw")


# -- the floor ----------------------------------------------------------------------------------------------
class Floor:
    """Raw psycopg2 + pgvector, as a developer would write it; the same model object embeds the query."""

    label = "same-model floor"

    def __init__(self, env: Env) -> None:
        self.conn = psycopg2.connect(host=env.pg.host, port=env.pg.port, user="aicmo", dbname="aicmo")
        self.conn.autocommit = True
        register_vector(self.conn)
        self.embed = env.embedder.embed

    def search(self, query: str, k: int = TOP_K) -> list[int]:
        vector = self.embed([query])[0]
        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM floor_items ORDER BY embedding <=> %s LIMIT %s", (vector, k))
            return [r[0] for r in cur.fetchall()]

    def ingest(self, texts: Sequence[tuple[str, str]]) -> None:
        vectors = self.embed([f"{t}\n{b}" for t, b in texts])
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO floor_items (title, text, embedding) VALUES (%s, %s, %s)",
                [(t, b, v) for (t, b), v in zip(texts, vectors, strict=True)],
            )

    def close(self) -> None:
        self.conn.close()


AnyFloor = Floor | TorchFloor


# -- measuring ----------------------------------------------------------------------------------------------
def index_of(item_id: str) -> int:
    return uuid.UUID(item_id).int - ID_BASE


@dataclass
class Quality:
    ranks: list[int | None]

    def recall(self, k: int) -> float:
        return float(np.mean([r is not None and r <= k for r in self.ranks])) if self.ranks else 0.0

    @property
    def mrr(self) -> float:
        return float(np.mean([1.0 / r if r else 0.0 for r in self.ranks])) if self.ranks else 0.0

    def line(self) -> str:
        return f"{self.recall(1):.3f} / {self.recall(5):.3f} / {self.recall(10):.3f} / {self.mrr:.3f}"


def rank_of(target: int, found: Sequence[int]) -> int | None:
    return found.index(target) + 1 if target in found else None


@dataclass
class FloorFigures:
    quality: Quality
    seconds: list[float]


@dataclass
class SearchFigures:
    hybrid: Quality
    hybrid_before: Quality  # the same gRPC search with the ranking before issue 20 (not timed)
    vector: Quality
    exact_vector: Quality
    hybrid_s: list[float]
    floors: dict[str, FloorFigures]  # by floor label, the reference floor first
    overlap: float
    filtered: dict[str, tuple[list[float], Quality, float]]


def measure_search(
    env: Env, corpus: LabelledCorpus, plan: Plan, size: int, floors: Sequence[AnyFloor], progress: Progress
) -> SearchFigures:
    queries = corpus.queries(plan.queries, plan.seed + size)
    repo = env.repository
    service_candidates = min(max(4 * TOP_K, VECTOR_CANDIDATES_MIN), CANDIDATES_MAX)
    for q in queries[:10]:  # warm-up of every path
        env.stub.SearchItems(
            pb.SearchItemsRequest(query=q.text, top_k=TOP_K, min_score=-1), timeout=SEARCH_DEADLINE
        )
        for floor in floors:
            floor.search(q.text)
    figures = SearchFigures(
        Quality([]),
        Quality([]),
        Quality([]),
        Quality([]),
        [],
        {f.label: FloorFigures(Quality([]), []) for f in floors},
        0.0,
        {},
    )
    overlaps = []
    for n, q in enumerate(queries):

        def ours(q: Any = q) -> None:
            started = time.perf_counter()
            response = env.stub.SearchItems(
                pb.SearchItemsRequest(query=q.text, top_k=TOP_K, min_score=-1), timeout=SEARCH_DEADLINE
            )
            figures.hybrid_s.append(time.perf_counter() - started)
            figures.hybrid.ranks.append(rank_of(q.target, [index_of(r.item.id) for r in response.results]))

        def raw(floor: AnyFloor, q: Any = q) -> None:
            started = time.perf_counter()
            found = floor.search(q.text)
            figures.floors[floor.label].seconds.append(time.perf_counter() - started)
            figures.floors[floor.label].quality.ranks.append(rank_of(q.target, found))

        calls: list[Callable[[], None]] = [ours, *[lambda f=f: raw(f) for f in floors]]
        shift = n % len(calls)  # each system goes first, second, ... equally often
        for call in calls[shift:] + calls[:shift]:
            call()
        # Not timed: the ranking before issue 20, the vector half alone, exact vector search, and the
        # index's overlap with exact.
        repo.ranking = LEGACY_RANKING
        try:
            before = env.stub.SearchItems(
                pb.SearchItemsRequest(query=q.text, top_k=TOP_K, min_score=-1), timeout=SEARCH_DEADLINE
            )
        finally:
            repo.ranking = RANKING
        figures.hybrid_before.ranks.append(rank_of(q.target, [index_of(r.item.id) for r in before.results]))
        vector = env.embedder.embed([q.text])[0]
        vector_only = repo.search(
            SearchQuery(vector, q.text, SearchFilters(), TOP_K, -1.0, service_candidates, 0)
        )
        figures.vector.ranks.append(rank_of(q.target, [index_of(str(i.id)) for i, _, _ in vector_only]))
        exact = [index_of(str(i)) for i in repo.nearest_ids(vector, SearchFilters(), TOP_K, exact=True)]
        ann = [index_of(str(i)) for i in repo.nearest_ids(vector, SearchFilters(), TOP_K, exact=False)]
        figures.exact_vector.ranks.append(rank_of(q.target, exact))
        overlaps.append(len(set(exact) & set(ann)) / len(exact))
    figures.overlap = float(np.mean(overlaps))
    floor_lines = "; ".join(
        f"{label} p50 {percentile_ms(f.seconds, 50):.1f} ms, {f.quality.line()}"
        for label, f in figures.floors.items()
    )
    progress(
        f"  {len(queries)} queries at {size:,}: hybrid p50 {percentile_ms(figures.hybrid_s, 50):.1f} ms, "
        f"recall@1/5/10/MRR {figures.hybrid.line()}; {floor_lines}"
    )

    # Filtered searches through gRPC: by kind, by industry, scoped to the target's client.
    snippets = corpus.snippets
    makers: list[tuple[str, Callable[[Snippet], pb.SearchItemsRequest]]] = [
        ("kind", lambda s: pb.SearchItemsRequest(kinds=[s.kind])),
        ("industry", lambda s: pb.SearchItemsRequest(industry=s.industry)),
        ("client scope", lambda s: pb.SearchItemsRequest(for_client_id=s.client_id or "client-00000")),
    ]
    for name, make in makers:
        latencies: list[float] = []
        quality = Quality([])
        overlap = []
        for q in queries[: plan.filtered_queries]:
            target = snippets[q.target] if q.target < len(snippets) else None
            if target is None:
                continue
            request = make(target)
            request.query, request.top_k, request.min_score = q.text, TOP_K, -1
            started = time.perf_counter()
            response = env.stub.SearchItems(request, timeout=SEARCH_DEADLINE)
            latencies.append(time.perf_counter() - started)
            quality.ranks.append(rank_of(q.target, [index_of(r.item.id) for r in response.results]))
            filters = SearchFilters(
                kinds=tuple(request.kinds), industry=request.industry, for_client_id=request.for_client_id
            )
            vector = env.embedder.embed([q.text])[0]
            exact_ids = set(repo.nearest_ids(vector, filters, TOP_K, exact=True))
            ann_ids = set(repo.nearest_ids(vector, filters, TOP_K, exact=False))
            overlap.append(len(exact_ids & ann_ids) / max(len(exact_ids), 1))
        figures.filtered[name] = (latencies, quality, float(np.mean(overlap)))
        progress(
            f"  filtered by {name}: p50 {percentile_ms(latencies, 50):.1f} ms, p99 "
            f"{percentile_ms(latencies, 99):.1f} ms, recall@10 {quality.recall(10):.3f}, index overlap with "
            f"exact {np.mean(overlap):.3f}"
        )
    return figures


def report_request(snippets: Sequence[Snippet], ack: int) -> pb.BatchRecordItemsRequest:
    return pb.BatchRecordItemsRequest(
        requests=[
            pb.RecordItemRequest(
                item=pb.LearningItem(
                    kind="report_section",
                    title=s.title,
                    text=s.text,
                    client_id=s.client_id or "client-bench",
                    industry=s.industry,
                    source="bench",
                ),
                idempotency_key=f"bench-{uuid.uuid4()}",
                acknowledge=ack,  # type: ignore[arg-type]
            )
            for s in snippets
        ]
    )


def wait_embedded(env: Env, deadline_s: float = 60.0) -> float:
    """Seconds until the embedding backlog is empty (asked of the repository directly: GetSummary also
    counts every item per kind and day, too heavy to poll at 100k without slowing the embedder)."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline_s:
        if env.repository.backlog().pending == 0:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise RuntimeError(f"the embedding backlog did not drain within {deadline_s:.0f} s")


def measure_ingest(
    env: Env, plan: Plan, floors: Sequence[AnyFloor], table: ResultTable, progress: Progress
) -> None:
    fresh = LabelledCorpus(
        plan.singles * 2 + plan.reports * (18 + 19) + plan.batches * plan.batch_size * (2 + len(floors)),
        plan.seed + 7,
    )
    pool = iter(fresh.snippets)

    def take(n: int) -> list[Snippet]:
        return [next(pool) for _ in range(n)]

    measure_read_your_writes(env, plan, take, table, progress)

    # Single RecordItem, acknowledged on commit and (the default) once embedded.
    modes: list[tuple[int, str]] = [
        (pb.ACKNOWLEDGE_COMMITTED, "committed"),
        (pb.ACKNOWLEDGE_EMBEDDED, "embedded"),
    ]
    for mode, label in modes:
        latencies = []
        for s in take(plan.singles):
            request = report_request([s], mode).requests[0]
            started = time.perf_counter()
            env.stub.RecordItem(request, timeout=WRITE_DEADLINE)
            latencies.append(time.perf_counter() - started)
        wait_embedded(env)
        progress(f"  RecordItem acknowledged {label}: p50 {percentile_ms(latencies, 50):.1f} ms")
        table.info(f"RecordItem p50, acknowledged when {label}", f"{percentile_ms(latencies, 50):.1f} ms")

    # An 18-section report acknowledged on commit, then how long until all of it is searchable.
    acks, searchable = [], []
    for _ in range(plan.reports):
        sections = take(18)
        started = time.perf_counter()
        response = env.stub.BatchRecordItems(
            report_request(sections, pb.ACKNOWLEDGE_COMMITTED), timeout=WRITE_DEADLINE
        )
        acks.append(time.perf_counter() - started)
        last = response.results[-1].item
        while True:  # searchable = found by a search scoped to its client
            hits = env.stub.SearchItems(
                pb.SearchItemsRequest(query=last.title, for_client_id=last.client_id, top_k=20, min_score=-1),
                timeout=SEARCH_DEADLINE,
            )
            if last.id in {h.item.id for h in hits.results}:
                break
            if time.perf_counter() - started > 60:
                raise RuntimeError("a recorded report was not searchable within 60 s")
            time.sleep(0.02)
        wait_embedded(env)
        searchable.append(time.perf_counter() - started)
    ack_p50 = percentile_ms(acks, 50)
    table.at_most(
        "18-section report acknowledged (committed) p50", ack_p50, TARGET_REPORT_ACK_MS, ".1f", "ms"
    )
    table.at_most(
        "  ... until all of it is searchable, p50 (max)",
        percentile_ms(searchable, 50) / 1000,
        TARGET_SEARCHABLE_S,
        ".2f",
        f"s ({max(searchable):.2f})",
    )
    progress(f"  18-section reports: ack p50 {ack_p50:.1f} ms; searchable p50 {np.median(searchable):.2f} s")

    # Batch ingest of ~100-word snippets: ours (inline, and on commit + background until drained) vs floors.
    # The floors write into their searchable table (its HNSW index kept up to date), as ours does.
    env.sql("CREATE SEQUENCE IF NOT EXISTS floor_item_ids START 100000000")
    env.sql("ALTER TABLE floor_items ALTER COLUMN id SET DEFAULT nextval('floor_item_ids')")
    rates: dict[str, float] = {}
    systems: list[tuple[str, int | AnyFloor]] = [
        ("embedded", pb.ACKNOWLEDGE_EMBEDDED),
        ("committed", pb.ACKNOWLEDGE_COMMITTED),
        *[(f.label, f) for f in floors],
    ]
    for label, system in systems:
        batches = [take(plan.batch_size) for _ in range(plan.batches)]
        started = time.perf_counter()
        for batch in batches:
            if isinstance(system, int):
                env.stub.BatchRecordItems(report_request(batch, system), timeout=WRITE_DEADLINE)
            else:
                system.ingest([(s.title, s.text) for s in batch])
        if system == pb.ACKNOWLEDGE_COMMITTED:
            wait_embedded(env, 300)
        rates[label] = plan.batches * plan.batch_size / (time.perf_counter() - started)
    words = np.mean([len(s.text.split()) for s in fresh.snippets])
    progress(
        f"  batches of {plan.batch_size} (~{words:.0f} words): "
        + ", ".join(f"{label} {rate:.0f}" for label, rate in rates.items())
        + " items/s"
    )
    table.info(
        f"batch ingest x{plan.batch_size}, ~{words:.0f} words, ack embedded",
        f"{rates['embedded']:.0f} items/s",
    )
    table.info("  ... ack committed, until embedded", f"{rates['committed']:.0f} items/s")
    for floor in floors:
        table.info(f"  ... {floor.label} (executemany)", f"{rates[floor.label]:.0f} items/s")
    reference = floors[0]
    table.at_least(
        f"  ours / {reference.label}",
        rates["embedded"] / rates[reference.label],
        TARGET_INGEST_VS_FLOOR,
        ".2f",
        "x",
    )


def measure_read_your_writes(
    env: Env, plan: Plan, take: Callable[[int], list[Snippet]], table: ResultTable, progress: Progress
) -> None:
    """What read-your-writes costs a client-scoped search (the background embedder running as usual): with
    nothing of the client's waiting, right after one item acknowledged on commit (the search embeds it),
    and right after an 18-section report acknowledged on commit (the search embeds what fits its budget and
    finds the rest by keyword); and whether the item written is the first hit, the report's last section
    among the hits."""
    quiet: list[float] = []
    check: list[float] = []
    one: list[float] = []
    report: list[float] = []
    first = found = 0
    for n in range(plan.reports):
        client = f"ryw-client-{n}"
        item = take(1)[0]

        def search(query: str, top_k: int = TOP_K, client: str = client) -> tuple[float, list[str]]:
            started = time.perf_counter()
            response = env.stub.SearchItems(
                pb.SearchItemsRequest(query=query, for_client_id=client, top_k=top_k, min_score=-1),
                timeout=SEARCH_DEADLINE,
            )
            return time.perf_counter() - started, [r.item.id for r in response.results]

        quiet.append(search(item.text)[0])
        started = time.perf_counter()  # the read a scoped search adds when nothing waits
        env.repository.pending_in_scope(client, SearchFilters(for_client_id=client), PENDING_MAX)
        check.append(time.perf_counter() - started)
        request = report_request([item], pb.ACKNOWLEDGE_COMMITTED).requests[0]
        request.item.client_id = client
        written = env.stub.RecordItem(request, timeout=WRITE_DEADLINE).item.id
        took, ids = search(item.text)
        one.append(took)
        first += bool(ids) and ids[0] == written
        batch = report_request(take(18), pb.ACKNOWLEDGE_COMMITTED)
        for r in batch.requests:
            r.item.client_id = client
        last = env.stub.BatchRecordItems(batch, timeout=WRITE_DEADLINE).results[-1].item
        took, ids = search(last.title, 20)
        report.append(took)
        found += last.id in ids
        wait_embedded(env)
    progress(
        f"  read-your-writes, scoped search p50: nothing waiting {percentile_ms(quiet, 50):.1f} ms (of which "
        f"the read of waiting items {percentile_ms(check, 50):.2f} ms), after one "
        f"write {percentile_ms(one, 50):.1f} ms (first {first}/{plan.reports}), after an 18-section report "
        f"{percentile_ms(report, 50):.1f} ms (found {found}/{plan.reports})"
    )
    table.info("read-your-writes: written item first, at once", f"{first}/{plan.reports}")
    table.info("  ... report's last section found, at once", f"{found}/{plan.reports}")
    table.info(
        "  ... what a scoped search adds when nothing waits, p50", f"{percentile_ms(check, 50):.2f} ms"
    )
    table.info(
        "  ... scoped search p50: nothing waiting / 1 waiting / 18 waiting",
        f"{percentile_ms(quiet, 50):.1f} / {percentile_ms(one, 50):.1f} / {percentile_ms(report, 50):.1f} ms",
    )


# -- the run ------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    plan = plan_from(args)
    progress = Progress()
    table = ResultTable()
    configure_logging("WARNING", "text", service="bench")
    previous = signal.signal(signal.SIGTERM, _terminate)
    load_before = load_average()
    try:
        import onnxruntime

        print(
            f"machine: {os.cpu_count()} CPUs, load {load_average()}; Python {platform.python_version()}, "
            f"onnxruntime {onnxruntime.__version__}"
        )
        print(
            f"plan: sizes {', '.join(f'{s:,}' for s in plan.sizes)}; {plan.queries} labelled queries per size "
            f"({plan.filtered_queries} per filter); {plan.singles} RecordItem per mode; {plan.reports} "
            f"18-section reports; {plan.batches}x{plan.batch_size} batch records per system"
            + (" [--quick]" if plan.quick else ""),
            flush=True,
        )
        with environment(progress) as env:
            _phases(env, plan, table, progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    took = progress.elapsed()
    table.info("wall time" + (" (--quick)" if plan.quick else ""), f"{took:.0f} s")
    print()
    print(table.render())
    print()
    print(f"load average (1/5/15 min) before: {load_before}; after: {load_average()}")
    print(f"command: cd {ROOT} && {getattr(args, 'command', '.venv/bin/python -m bench memory')}")
    return 0


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _phases(env: Env, plan: Plan, table: ResultTable, progress: Progress) -> None:
    versions = env.sql(
        "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
    )[0]
    progress(
        f"PostgreSQL {versions[0]}, pgvector {versions[1]}; ef_search {env.settings.hnsw_ef_search}, "
        f"embedding threads {env.settings.embedding_threads or 'one per core'}"
    )
    # First, on the empty database: the realistic memory (generated reports, uploads, ratings; see
    # bench/realistic_memory.py), ranking before and after issue 20; then it makes room for the corpus.
    realistic = realistic_memory.evaluate(env, progress)
    realistic_memory.report(realistic, table, progress)
    env.sql("TRUNCATE learning_item_aliases, learning_examples")
    env.sql("DELETE FROM learning_lexeme_stats")
    env.sql("DELETE FROM learning_title_lexeme_stats")
    env.sql("CREATE TABLE floor_items (id integer PRIMARY KEY, title text, text text, embedding vector(384))")
    # The hard corpus is hard_index.measure's own (same seed), so its embeddings are cached once for both.
    hard = plan.corpus == "hard"
    per_brand = hard_index.PER_BRAND if hard else 20
    seed = plan.seed + 20 if hard else plan.seed
    real = LabelledCorpus(plan.sizes[0], seed, per_brand=per_brand)
    vectors = corpus_vectors(env, real.snippets, progress)
    floors: list[AnyFloor] = [Floor(env)]
    try:
        torch_floor = TorchFloor(env.pg.host, env.pg.port)
        floors.insert(0, torch_floor)  # the reference: the targets compare with it
        progress(f"torch floor: {torch_floor.describe()}")
    except FloorUnavailable as exc:
        warn(f"no torch floor ({exc}); the targets compare with the same-model floor instead")
    by_size: dict[int, SearchFigures] = {}
    try:
        loaded = 0
        synth: SyntheticVectors | None = None
        for size in plan.sizes:
            drop_indexes(env)
            if loaded == 0:
                copy_rows(env, real.snippets, vectors, 0, "bench-corpus")
                loaded = len(real.snippets)
            elif size > loaded:
                synth = synth or SyntheticVectors(vectors, seed=plan.seed)
                filler = LabelledCorpus(
                    size - loaded,
                    plan.seed + size,
                    brand_offset=len(real.snippets) // per_brand + 1,
                    per_brand=per_brand,
                )
                anchors = _same_facts(real.snippets, filler.snippets, plan.seed)
                synthetic = synth.around(anchors)
                copy_rows(env, filler.snippets, synthetic, loaded, "bench-synthetic")
                loaded = size
                progress(
                    f"+{len(filler.snippets):,} synthetic rows (other brands; vectors near same-fact snippets)"
                )
            build_indexes(env, progress)
            figures = measure_search(env, real, plan, size, floors, progress)
            by_size[size] = figures
            _table_search(table, size, figures, plan.corpus)
        if len(by_size) > 1:
            small, large = min(by_size), max(by_size)
            ratio = percentile_ms(by_size[large].hybrid_s, 50) / percentile_ms(by_size[small].hybrid_s, 50)
            table.at_most(f"search p50 {large:,} / {small:,}", ratio, TARGET_SCALE_RATIO, ".2f", "x")
        measure_ingest(env, plan, floors, table, progress)
        # Last: it replaces the table with the hard corpus (near neighbours) and checks the index on it.
        hard_index.measure(env, plan.sizes[0], plan.queries, plan.seed + 20, table, progress)
    finally:
        for floor in floors:
            floor.close()


def _same_facts(real: Sequence[Snippet], filler: Sequence[Snippet], seed: int) -> npt.NDArray[np.int64]:
    """For each filler snippet, a real snippet with the same audience, channel and tactic (else any)."""
    rng = np.random.default_rng(seed)
    by_facts: dict[tuple[int, ...], list[int]] = {}
    for s in real:
        by_facts.setdefault(s.facts[:3], []).append(s.index)
    out = np.empty(len(filler), dtype=np.int64)
    for i, s in enumerate(filler):
        same = by_facts.get(s.facts[:3])
        out[i] = same[int(rng.integers(len(same)))] if same else int(rng.integers(len(real)))
    return out


def _table_search(table: ResultTable, size: int, f: SearchFigures, corpus: str = "hard") -> None:
    p50, p99 = percentile_ms(f.hybrid_s, 50), percentile_ms(f.hybrid_s, 99)
    n = f"{size // 1000}k"
    table.info(
        "corpus searched and timed", f"{corpus} ({'~200' if corpus == 'hard' else '~20'} snippets per brand)"
    )
    if corpus == "hard":
        # Issue 20: above exact vector search's on the same data.
        table.at_least(
            f"recall@5 hybrid at {n} (target: exact vector search's)",
            f.hybrid.recall(5),
            f.exact_vector.recall(5),
            ".3f",
        )
    elif size == 10_000:
        table.at_least(f"recall@5 hybrid at {n}", f.hybrid.recall(5), TARGET_RECALL5, ".3f")
    table.info(f"recall@1/5/10 / MRR at {n}: hybrid (gRPC)", f.hybrid.line())
    table.info("  ... hybrid, ranking before issue 20", f.hybrid_before.line())
    table.info("  ... vector only (our index, same candidates)", f.vector.line())
    table.info("  ... exact vector search", f.exact_vector.line())
    for label, floor in f.floors.items():
        table.info(f"  ... {label} (raw SQL + pgvector)", floor.quality.line())
    table.at_least(f"  index overlap with exact top-{TOP_K} at {n}", f.overlap, TARGET_OVERLAP, ".3f")
    table.at_most(f"search p50 at {n} (gRPC, incl. query embedding)", p50, TARGET_P50_MS, ".1f", "ms")
    table.info(f"  ... p99 at {n}", f"{p99:.1f} ms")
    for i, (label, floor) in enumerate(f.floors.items()):
        floor50, floor99 = percentile_ms(floor.seconds, 50), percentile_ms(floor.seconds, 99)
        table.info(f"  ... {label} p50 / p99 at {n}", f"{floor50:.1f} / {floor99:.1f} ms")
        if i == 0:
            table.at_most(f"  ... ours / {label} p50", p50 / floor50, TARGET_P50_VS_FLOOR, ".2f", "x")
            table.info("  ... load average (1/5/15 min) right after these searches", load_average())
        else:
            table.info(f"  ... ours / {label} p50", f"{p50 / floor50:.2f} x")
    for name, (lat, quality, overlap) in f.filtered.items():
        table.info(
            f"  filtered by {name}: p50 / p99, recall@10, overlap",
            f"{percentile_ms(lat, 50):.1f} / {percentile_ms(lat, 99):.1f} ms, {quality.recall(10):.3f}, {overlap:.3f}",
        )


BENCHMARK = Benchmark(
    name="memory",
    description="memory service: hybrid retrieval vs raw-SQL floors (torch, same model) at 10k/100k, ingest, time to searchable",
    run=run,
    add_arguments=add_arguments,
)
