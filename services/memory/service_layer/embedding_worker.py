"""The background embedder: computes the vectors of items that were acknowledged before their embedding.

The queue is the committed rows themselves (embedding IS NULL). Each worker claims a batch with
`FOR UPDATE SKIP LOCKED`, embeds it and stores the vectors in the same transaction, so several workers and
several replicas share the work without coordination, and a crash (or a lost database) leaves the items
waiting for the next claim: nothing is lost. A write on this replica wakes its worker at once; otherwise
it looks every `poll_seconds`, which picks up other replicas' writes and anything left by a crash.
"""

from __future__ import annotations

import logging
import threading
import time

from services.memory.service_layer.ports import EmbedTexts, LearningStore

log = logging.getLogger(__name__)

_MAX_BACKOFF_SECONDS = 30.0
# How often an idle worker checks whether keyword search's word statistics need a refresh.
_STATS_SECONDS = 60.0


class EmbeddingWorker:
    """One background thread working off the embedding queue (and, when idle, keeping keyword search's
    word statistics fresh)."""

    def __init__(
        self,
        store: LearningStore,
        embed: EmbedTexts,
        *,
        batch_size: int = 32,
        poll_seconds: float = 1.0,
        name: str = "embedding-worker",
    ) -> None:
        self._store = store
        self._embed = embed
        self._batch_size = max(1, batch_size)
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.embedded = 0  # items this worker embedded (for logs and tests)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """New items are queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops after the batch in hand (its transaction commits or rolls back as a whole)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)

    def drain(self) -> int:
        """Embeds queued items in this thread until none is left to claim; returns how many."""
        total = 0
        while not self._stop.is_set() and (done := self._store.embed_pending(self._batch_size, self._embed)):
            total += done
        return total

    def _run(self) -> None:
        backoff = 0.0
        stats_due = time.monotonic()
        # After a failed batch, items are claimed one at a time for a while, so one item the model cannot
        # embed holds back only itself (its failure count sends it behind the others).
        singles = 0
        while not self._stop.is_set():
            self._wake.clear()  # before looking, so a write committed from now on wakes the wait below
            try:
                done = self._store.embed_pending(1 if singles else self._batch_size, self._embed)
            except Exception as exc:
                backoff = min(max(backoff * 2, 1.0), _MAX_BACKOFF_SECONDS)
                singles = self._batch_size
                log.warning(
                    "embedding queued items failed (%s); retrying in %.0f s",
                    type(exc).__name__,
                    backoff,
                    extra={"error": type(exc).__name__},
                )
                self._stop.wait(backoff)
                continue
            backoff = 0.0
            singles = max(0, singles - 1)
            if done:
                self.embedded += done
                continue
            if time.monotonic() >= stats_due:
                stats_due = time.monotonic() + _STATS_SECONDS
                try:
                    self._store.refresh_search_statistics()
                except Exception as exc:
                    log.warning("refreshing search statistics failed (%s)", type(exc).__name__)
            self._wake.wait(self._poll_seconds)
