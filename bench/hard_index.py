"""The index check on a hard corpus: many near neighbours per brand, product line and tactic.

The brand corpus (bench/labelled_corpus.py, ~20 snippets per brand) is easy for HNSW: its nearest items are
far apart, and the index's top 10 matches the exact top 10 ~99.6% of the time at ef_search 40. Memory in use
holds many items per brand and line that differ by a tactic or an audience. Here the same generator makes
~200 snippets per brand (~67 per brand and line), real embeddings (cached under var/bench-cache), and the
HNSW half of search is compared with exact search on its top 10 at several ef_search values, with hybrid
and exact-vector recall for the configured one (hybrid also with the rankings before issue 20 and without
the title ranking). Run last by `python -m bench memory` (it replaces the table); alone, with the brand
corpus's quality beside it and no timing of other systems: `python -m bench.hard_index` (a few minutes the
first time, while the corpora are embedded; cached in var/bench-cache).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from aicmo.memory.v1 import memory_service_pb2 as pb

from bench.labelled_corpus import LabelledCorpus
from bench.labelled_corpus import Query as LabelledQuery
from bench.memory_env import F32, ROOT, SEARCH_DEADLINE, Env, environment
from bench.report import Progress, ResultTable, load_average, percentile_ms
from services.common.logging import configure_logging
from services.memory.adapters.repository import (
    LEGACY_RANKING,
    RANKING,
    TITLES_RANKING,
    WITHOUT_TITLES,
    Ranking,
)
from services.memory.domain.model import SearchFilters

if TYPE_CHECKING:
    from bench.memory_bench import Quality

PER_BRAND = 200
EF_VALUES = (40, 64, 100, 160)
TOP_K = 10
TARGET_OVERLAP = 0.98


def measure(env: Env, size: int, queries: int, seed: int, table: ResultTable, progress: Progress) -> None:
    # Imported here: memory_bench imports this module.
    from bench.memory_bench import (
        Quality,
        build_indexes,
        copy_rows,
        corpus_vectors,
        drop_indexes,
        index_of,
        rank_of,
    )

    env.sql("TRUNCATE learning_item_aliases, learning_examples")
    env.sql("DELETE FROM learning_lexeme_stats")
    env.sql("DELETE FROM learning_title_lexeme_stats")
    env.sql("TRUNCATE floor_items")
    drop_indexes(env)
    corpus = LabelledCorpus(size, seed, per_brand=PER_BRAND)
    vectors = corpus_vectors(env, corpus.snippets, progress)
    copy_rows(env, corpus.snippets, vectors, 0, "bench-hard")
    build_indexes(env, progress)
    asked = corpus.queries(queries, seed + 1)
    repo = env.repository
    configured = repo.ef_search
    query_vectors = env.embedder.embed([q.text for q in asked])
    exact = [repo.nearest_ids(v, SearchFilters(), TOP_K, exact=True) for v in query_vectors]
    overlaps: dict[int, float] = {}
    latencies: dict[int, list[float]] = {}
    try:
        for ef in sorted({*EF_VALUES, configured}):
            repo.ef_search = ef
            found = []
            latencies[ef] = []
            for v in query_vectors:
                started = time.perf_counter()
                found.append(repo.nearest_ids(v, SearchFilters(), TOP_K, exact=False))
                latencies[ef].append(time.perf_counter() - started)
            overlaps[ef] = float(
                np.mean([len(set(a) & set(e)) / len(e) for a, e in zip(found, exact, strict=True)])
            )
    finally:
        repo.ef_search = configured
    seconds: dict[str, list[float]] = {}
    rankings = hybrid_by_ranking(env, asked, seconds)
    hybrid = rankings["now"]
    exact_quality = Quality(
        [rank_of(q.target, [index_of(str(i)) for i in e]) for q, e in zip(asked, exact, strict=True)]
    )
    line = ", ".join(
        f"ef {ef} {overlaps[ef]:.3f} ({percentile_ms(latencies[ef], 50):.1f} ms)" for ef in overlaps
    )
    progress(
        f"  hard corpus at {size:,} ({PER_BRAND} per brand): index overlap with exact top-{TOP_K}: {line}"
    )
    progress(f"  hard corpus: hybrid {hybrid.line()}, exact vector {exact_quality.line()}")
    n = f"{size // 1000}k"
    table.at_least(
        f"hard corpus at {n}: index overlap with exact top-{TOP_K} (ef_search {configured})",
        overlaps[configured],
        TARGET_OVERLAP,
        ".3f",
    )
    table.info(
        "  ... by ef_search (overlap, p50 of the index lookup)",
        ", ".join(f"{ef}: {overlaps[ef]:.3f} {percentile_ms(latencies[ef], 50):.1f} ms" for ef in overlaps),
    )
    chosen = smallest_passing(overlaps)
    table.info(
        f"  ... smallest ef_search with overlap >= {TARGET_OVERLAP}", str(chosen) if chosen else "none tried"
    )
    for label, line in filtered_overlaps(env, corpus, asked, query_vectors).items():
        progress(f"  hard corpus, {label}: {line}")
        table.info(f"  ... {label}", line)
    table.info(f"  ... recall@1/5/10 / MRR at {n}: hybrid (gRPC)", hybrid.line())
    for name, quality in rankings.items():
        if name != "now":
            table.info(f"  ... hybrid, {name}", quality.line())
    table.info("  ... search p50 (gRPC, interleaved) by ranking", latency_line(seconds))
    table.info("  ... exact vector search", exact_quality.line())


def smallest_passing(overlaps: dict[int, float], target: float = TARGET_OVERLAP) -> int | None:
    passing: Sequence[int] = [ef for ef, overlap in sorted(overlaps.items()) if overlap >= target]
    return passing[0] if passing else None


def _overlap(
    env: Env, vectors: Sequence[F32] | F32, filters: Sequence[SearchFilters], seconds: list[float]
) -> float:
    repo = env.repository
    shares = []
    for v, f in zip(vectors, filters, strict=True):
        exact = repo.nearest_ids(v, f, TOP_K, exact=True)
        started = time.perf_counter()
        found = repo.nearest_ids(v, f, TOP_K, exact=False)
        seconds.append(time.perf_counter() - started)
        if exact:
            shares.append(len(set(found) & set(exact)) / len(exact))
    return float(np.mean(shares)) if shares else 1.0


def filtered_overlaps(
    env: Env, corpus: LabelledCorpus, asked: Sequence[LabelledQuery], vectors: F32
) -> dict[str, str]:
    """The vector half's overlap with the exact top 10 as the generator and the Learn tab search: filtered
    by the target's kind (ef_search_filtered) and in the target's client's scope (ef_search: the library
    and the client's own items, two lookups), at the configured breadth and wider ones."""
    repo = env.repository
    configured = (repo.ef_search, repo.ef_search_filtered)
    by_kind = [SearchFilters(kinds=(corpus.snippets[q.target].kind,)) for q in asked]
    scoped = [
        (v, SearchFilters(for_client_id=corpus.snippets[q.target].client_id))
        for q, v in zip(asked, vectors, strict=True)
        if corpus.snippets[q.target].client_id
    ]
    out: dict[str, str] = {}
    try:
        parts = []
        for ef in sorted({configured[1], 64, 160}):
            repo.ef_search_filtered = ef
            seconds: list[float] = []
            overlap = _overlap(env, vectors, by_kind, seconds)
            parts.append(f"{ef}: {overlap:.3f} {percentile_ms(seconds, 50):.1f} ms")
        repo.ef_search_filtered = configured[1]
        out[f"filtered by kind: overlap by ef_search_filtered (configured {configured[1]})"] = ", ".join(
            parts
        )
        parts = []
        for ef in sorted({configured[0], 64, 100}):
            repo.ef_search = ef
            seconds = []
            overlap = _overlap(env, [v for v, _ in scoped], [f for _, f in scoped], seconds)
            parts.append(f"{ef}: {overlap:.3f} {percentile_ms(seconds, 50):.1f} ms")
        out[f"client-scoped: overlap by ef_search (configured {configured[0]}; {len(scoped)} queries)"] = (
            ", ".join(parts)
        )
    finally:
        repo.ef_search, repo.ef_search_filtered = configured
    return out


RANKINGS: dict[str, Ranking] = {
    "before (issue 20)": LEGACY_RANKING,
    "without the title ranking": WITHOUT_TITLES,
    "with titles, before brand finders": TITLES_RANKING,
    "now": RANKING,
}


def hybrid_by_ranking(
    env: Env, asked: Sequence[LabelledQuery], seconds: dict[str, list[float]] | None = None
) -> dict[str, Quality]:
    """Hybrid recall through gRPC under each ranking, interleaved query by query (each ranking goes first
    equally often); each search's time goes into `seconds` by ranking."""
    from bench.memory_bench import Quality, index_of, rank_of

    results = {name: Quality([]) for name in RANKINGS}
    times = seconds if seconds is not None else {}
    names = list(RANKINGS)
    repo = env.repository
    saved = repo.ranking
    try:
        for n, q in enumerate(asked):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                repo.ranking = RANKINGS[name]
                started = time.perf_counter()
                response = env.stub.SearchItems(
                    pb.SearchItemsRequest(query=q.text, top_k=TOP_K, min_score=-1), timeout=SEARCH_DEADLINE
                )
                times.setdefault(name, []).append(time.perf_counter() - started)
                results[name].ranks.append(rank_of(q.target, [index_of(r.item.id) for r in response.results]))
    finally:
        repo.ranking = saved
    return results


def latency_line(seconds: dict[str, list[float]]) -> str:
    return ", ".join(f"{name} {percentile_ms(s, 50):.1f} ms" for name, s in seconds.items())


def brand_quality(
    env: Env, size: int, queries: int, seed: int, table: ResultTable, progress: Progress
) -> None:
    """The brand corpus (bench/labelled_corpus.py, as `python -m bench memory` loads it): hybrid recall
    under each ranking, without timing anything."""
    from bench.memory_bench import build_indexes, copy_rows, corpus_vectors, drop_indexes

    env.sql("TRUNCATE learning_item_aliases, learning_examples")
    env.sql("DELETE FROM learning_lexeme_stats")
    env.sql("DELETE FROM learning_title_lexeme_stats")
    env.sql("TRUNCATE floor_items")
    drop_indexes(env)
    corpus = LabelledCorpus(size, seed)
    copy_rows(env, corpus.snippets, corpus_vectors(env, corpus.snippets, progress), 0, "bench-corpus")
    build_indexes(env, progress)
    seconds: dict[str, list[float]] = {}
    results = hybrid_by_ranking(env, corpus.queries(queries, seed + size), seconds)
    n = f"{size // 1000}k"
    for name, quality in results.items():
        progress(f"  brand corpus at {size:,}, hybrid {name}: {quality.line()}")
        table.info(f"brand corpus at {n}: hybrid recall@1/5/10 / MRR, {name}", quality.line())
    table.info("  ... search p50 (gRPC, interleaved) by ranking", latency_line(seconds))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hard_index", description=__doc__)
    parser.add_argument("--sizes", default="10000", help="hard corpus sizes, comma-separated (default 10000)")
    parser.add_argument("--brand-size", type=int, default=2000, help="brand corpus size (0: skip it)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240611, help="as `python -m bench memory`'s")
    args = parser.parse_args()
    configure_logging("WARNING", "text", service="bench")
    progress = Progress()
    table = ResultTable()
    print(f"load average before: {load_average()}")
    with environment(progress) as env:
        env.sql(
            "CREATE TABLE floor_items (id integer PRIMARY KEY, title text, text text, embedding vector(384))"
        )
        if args.brand_size:
            brand_quality(env, args.brand_size, args.queries, args.seed, table, progress)
        for size in (int(s) for s in args.sizes.split(",")):
            measure(env, size, args.queries, args.seed + 20, table, progress)
    print()
    print(table.render())
    print(f"load average after: {load_average()} (the index lookups' p50 depend on it; recall does not)")
    print(f"command: cd {ROOT} && .venv/bin/python -m bench.hard_index {' '.join(sys.argv[1:])}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
