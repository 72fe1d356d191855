"""The realistic-memory evaluation (bench/realistic_corpus.py): recall of the right item through gRPC.

Loads the corpus into the memory service's database (vectors from the real model, cached under
var/bench-cache), then sends every labelled query through gRPC as an operator or the generator would
(scoped where the query is), with the ranking before issue 20, the current one without its title ranking and
the current one, interleaved, and
exact cosine over the same vectors as a reference. Part of `python -m bench memory` (run first, on an
empty database); alone: `python -m bench.realistic_memory`.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from aicmo.memory.v1 import memory_service_pb2 as pb

from bench.memory_env import F32, ROOT, SEARCH_DEADLINE, Env, environment
from bench.realistic_corpus import Item, Query, build
from bench.report import Progress, ResultTable, load_average, percentile_ms
from services.common.logging import configure_logging
from services.memory.adapters.repository import (
    LEGACY_RANKING,
    RANKING,
    TITLES_RANKING,
    WITHOUT_TITLES,
    Ranking,
)
from services.memory.domain.model import GOLD_BOOST, WEAK_PENALTY, NewItem, Scope, embedding_text

CACHE = ROOT / "var" / "bench-cache"
TOP_K = 10
TARGET_RECALL1 = 0.90
TARGET_RECALL5 = 0.98


@dataclass
class Ranks:
    by_kind: dict[str, list[int | None]] = field(default_factory=dict)
    # Search time through gRPC (seconds) of the queries in a client's scope, where the title ranking applies.
    scoped_seconds: list[float] = field(default_factory=list)

    def add(self, kind: str, rank: int | None) -> None:
        self.by_kind.setdefault(kind, []).append(rank)

    def all(self) -> list[int | None]:
        return [r for ranks in self.by_kind.values() for r in ranks]

    @staticmethod
    def recall(ranks: Sequence[int | None], k: int) -> float:
        return float(np.mean([r is not None and r <= k for r in ranks])) if ranks else 0.0

    @staticmethod
    def mrr(ranks: Sequence[int | None]) -> float:
        return float(np.mean([1.0 / r if r else 0.0 for r in ranks])) if ranks else 0.0

    def line(self, ranks: Sequence[int | None] | None = None) -> str:
        r = self.all() if ranks is None else ranks
        return f"{self.recall(r, 1):.3f} / {self.recall(r, 5):.3f} / {self.recall(r, 10):.3f} / {self.mrr(r):.3f}"


def vectors_for(env: Env, items: Sequence[Item], progress: Progress) -> F32:
    texts = [embedding_text(i.title, i.text) for i in items]
    variant = f"{env.model}/{getattr(env.embedder, 'precision', '')}"
    digest = hashlib.sha256("\x1e".join([variant, *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"realistic-{digest}.npy"
    if path.exists():
        cached: F32 = np.load(path)
        return cached
    progress(f"embedding the realistic memory's {len(texts)} items (first run only; cached afterwards) ...")
    vectors = np.vstack([env.embedder.embed(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors.astype(np.float32)


def load(env: Env, items: Sequence[Item], vectors: F32) -> dict[str, str]:
    """Stores the items with their vectors and ratings; returns item id -> item key."""
    new = [
        NewItem(
            kind=i.kind, text=i.text, title=i.title, client_id=i.client_id, industry=i.industry,
            section_id=i.section_id, source="bench-realistic", scope=Scope.AGENCY if i.agency else Scope.CLIENT,
        )
        for i in items
    ]  # fmt: skip
    stored = env.repository.insert_new(new, list(vectors))
    keys: dict[str, str] = {}
    for item, row in zip(items, stored, strict=True):
        assert not isinstance(row, str) and row is not None, f"{item.key} was not stored"
        keys[str(row.id)] = item.key
        if item.rating:
            env.sql("UPDATE learning_examples SET rating = %s WHERE id = %s", (item.rating, str(row.id)))
    env.repository.ensure_vector_index()
    env.sql("VACUUM (ANALYZE) learning_examples")
    env.repository.refresh_search_statistics(force=True)
    return keys


def exact_rank(query: Query, qv: F32, items: Sequence[Item], vectors: F32) -> int | None:
    """The target's rank by cosine alone (with the rating adjustment), in the query's scope."""
    target = next(n for n, i in enumerate(items) if i.key == query.target)
    scores = vectors @ qv
    scores = scores + np.array([GOLD_BOOST if i.rating == "gold" else -WEAK_PENALTY if i.rating == "weak" else 0.0
                                for i in items])  # fmt: skip
    if query.for_client_id:
        allowed = np.array([i.agency or i.client_id == query.for_client_id for i in items])
        scores = np.where(allowed, scores, -np.inf)
    better = int(np.sum(scores > scores[target]))
    return better + 1 if better < TOP_K else None


def evaluate(env: Env, progress: Progress, rankings: dict[str, Ranking] | None = None) -> dict[str, Ranks]:
    """Loads the realistic memory (into an empty database) and runs every query under each ranking."""
    rankings = rankings or {
        "before (issue 20)": LEGACY_RANKING,
        "without the title ranking": WITHOUT_TITLES,
        "with titles, before brand finders": TITLES_RANKING,
        "now": RANKING,
    }
    started = time.perf_counter()
    items, queries = build()
    vectors = vectors_for(env, items, progress)
    keys = load(env, items, vectors)
    clients = len({i.client_id for i in items if i.kind == "full_report"})
    progress(
        f"realistic memory: {len(items)} items ({clients} clients' generated reports and sections, "
        f"{sum(i.kind == 'uploaded_example' for i in items)} short uploads, {sum(bool(i.rating) for i in items)} "
        f"rated), {len(queries)} labelled queries; loaded in {time.perf_counter() - started:.0f} s"
    )
    results = {name: Ranks() for name in [*rankings, "exact cosine"]}
    repository = env.repository
    saved = repository.ranking
    try:
        names = list(rankings)
        for n, query in enumerate(queries):
            # Interleaved query by query, each ranking first equally often.
            for name in names[n % len(names) :] + names[: n % len(names)]:
                repository.ranking = rankings[name]
                started = time.perf_counter()
                response = env.stub.SearchItems(
                    pb.SearchItemsRequest(
                        query=query.text, top_k=TOP_K, min_score=-1, for_client_id=query.for_client_id
                    ),
                    timeout=SEARCH_DEADLINE,
                )
                if query.for_client_id:
                    results[name].scoped_seconds.append(time.perf_counter() - started)
                found = [keys.get(r.item.id, "") for r in response.results]
                results[name].add(
                    query.kind, found.index(query.target) + 1 if query.target in found else None
                )
            qv = env.embedder.embed([query.text])[0]
            results["exact cosine"].add(query.kind, exact_rank(query, qv, items, vectors))
    finally:
        repository.ranking = saved
    return results


def report(results: dict[str, Ranks], table: ResultTable, progress: Progress) -> None:
    kinds = list(next(iter(results.values())).by_kind)
    for name, ranks in results.items():
        per_kind = "; ".join(f"{k} {ranks.line(ranks.by_kind[k])}" for k in kinds)
        progress(f"  {name}: recall@1/5/10/MRR {ranks.line()} ({per_kind})")
    now = results["now"].all()
    table.at_least("realistic memory recall@1 (gRPC)", Ranks.recall(now, 1), TARGET_RECALL1, ".3f")
    table.at_least("realistic memory recall@5 (gRPC)", Ranks.recall(now, 5), TARGET_RECALL5, ".3f")
    for name, ranks in results.items():
        table.info(f"  ... recall@1/5/10 / MRR, {name}", ranks.line())
    table.info(
        "  ... search p50 in a client's scope (gRPC, interleaved)",
        ", ".join(
            f"{name} {percentile_ms(ranks.scoped_seconds, 50):.1f} ms"
            for name, ranks in results.items()
            if ranks.scoped_seconds
        ),
    )
    for kind in kinds:
        table.info(
            f"  ... now, {kind} queries ({len(results['now'].by_kind[kind])})",
            results["now"].line(results["now"].by_kind[kind]),
        )


def main() -> int:
    configure_logging("WARNING", "text", service="bench")
    progress = Progress()
    table = ResultTable()
    print(f"load average before: {load_average()}")
    with environment(progress) as env:
        results = evaluate(env, progress)
    report(results, table, progress)
    print()
    print(table.render())
    print(f"load average after: {load_average()}")
    print(f"command: cd {ROOT} && .venv/bin/python -m bench.realistic_memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
