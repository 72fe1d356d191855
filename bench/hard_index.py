"""The index check on a hard corpus: many near neighbours per brand, product line and tactic.

The brand corpus (bench/labelled_corpus.py, ~20 snippets per brand) is easy for HNSW: its nearest items are
far apart, and the index's top 10 matches the exact top 10 ~99.6% of the time at ef_search 40. Memory in use
holds many items per brand and line that differ by a tactic or an audience. Here the same generator makes
~200 snippets per brand (~67 per brand and line), real embeddings (cached under var/bench-cache), and the
HNSW half of search is compared with exact search on its top 10 at several ef_search values, with hybrid
and exact-vector recall for the configured one. Run last by `python -m bench memory` (it replaces the table).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from aicmo.memory.v1 import memory_service_pb2 as pb

from bench.labelled_corpus import LabelledCorpus
from bench.memory_env import SEARCH_DEADLINE, Env
from bench.report import Progress, ResultTable, percentile_ms
from services.memory.domain.model import SearchFilters

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
    hybrid = Quality([])
    for q in asked:
        response = env.stub.SearchItems(
            pb.SearchItemsRequest(query=q.text, top_k=TOP_K, min_score=-1), timeout=SEARCH_DEADLINE
        )
        hybrid.ranks.append(rank_of(q.target, [index_of(r.item.id) for r in response.results]))
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
    table.info(f"  ... recall@1/5/10 / MRR at {n}: hybrid (gRPC)", hybrid.line())
    table.info("  ... exact vector search", exact_quality.line())


def smallest_passing(overlaps: dict[int, float], target: float = TARGET_OVERLAP) -> int | None:
    passing: Sequence[int] = [ef for ef, overlap in sorted(overlaps.items()) if overlap >= target]
    return passing[0] if passing else None
