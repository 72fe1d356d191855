"""A test-only wrapper of the embedder port that makes the background embedder as slow as a test needs.

Calls from the background embedding workers (threads named embedding-worker-*) wait until the test opens
the gate; every other call (a search's query, an inline write) runs at the model's own speed. A worker that
claimed a batch holds it, locked, for as long as the gate stays shut: the worst embedding backlog there is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from services.memory.service_layer.ports import Embedder, Vectors


class GatedWorkerEmbedder:
    """Behaves like `inner`, except that the background workers' calls wait for `release()`."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.is_fake = inner.is_fake
        self.worker_waiting = threading.Event()  # a worker holds a claimed batch and waits at the gate
        self._gate = threading.Event()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if threading.current_thread().name.startswith("embedding-worker"):
            self.worker_waiting.set()
            self._gate.wait()
        return self.inner.embed(texts)

    def release(self) -> None:
        self._gate.set()


@contextmanager
def gated(inner: Embedder) -> Iterator[GatedWorkerEmbedder]:
    embedder = GatedWorkerEmbedder(inner)
    try:
        yield embedder
    finally:
        embedder.release()  # lets the workers finish so the service stops promptly
