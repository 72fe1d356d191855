"""Figures of the learning database for Prometheus: items per kind and the database's size, read at most
every REFRESH_SECONDS (a scrape every few seconds must not count a large table every time)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
REFRESH_SECONDS = 30.0
METRIC_NAMES = ("aicmo_items", "aicmo_database_bytes")  # what collect() yields


class LearningFigures(Collector):
    def __init__(self, read: Callable[[], tuple[dict[str, int], int]]) -> None:
        """`read`: items per kind and the database's size in bytes (LearningRepository.figures)."""
        self._read = read
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._per_kind: dict[str, int] = {}
        self._bytes = 0

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._read_at < REFRESH_SECONDS:
                return
            self._read_at = time.monotonic()
            try:
                self._per_kind, self._bytes = self._read()
            except Exception as exc:  # the database may be down: keep the last figures
                log.debug("learning figures not refreshed: %s", exc)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        self._refresh()
        items = GaugeMetricFamily(
            "aicmo_items", "Learned items per kind (refreshed at most every 30 s).", labels=["kind"]
        )
        for kind, count in sorted(self._per_kind.items()):
            items.add_metric([kind], count)
        yield items
        yield GaugeMetricFamily(
            "aicmo_database_bytes",
            "Size of the learning database (refreshed at most every 30 s).",
            value=self._bytes,
        )
