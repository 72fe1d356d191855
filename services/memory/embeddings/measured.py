"""An embedder that reports how long each batch took and how big it was (Prometheus)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from services.common.observability import metrics
from services.memory.service_layer.ports import Embedder, Vectors


class MeasuredEmbedder:
    """Wraps any Embedder; behaves exactly like it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.is_fake = inner.is_fake

    def embed(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        vectors = self.inner.embed(texts)
        metrics.EMBEDDING_SECONDS.observe(time.perf_counter() - started)
        metrics.EMBEDDING_BATCH_SIZE.observe(len(texts))
        return vectors
