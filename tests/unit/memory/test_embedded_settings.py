"""The embedded Postgres sizes its shared buffers from the machine: an eighth of memory, 128 MB to 2 GB."""

from __future__ import annotations

import os

import pytest

from services.memory.adapters.embedded_postgres import shared_buffers_mb


@pytest.mark.parametrize(
    ("memory_mb", "expected"),
    [(512, 128), (4096, 512), (8192, 1024), (24 * 1024, 2048), (256 * 1024, 2048)],
)
def test_an_eighth_of_memory_within_bounds(
    monkeypatch: pytest.MonkeyPatch, memory_mb: int, expected: int
) -> None:
    values = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": memory_mb * 2**20 // 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: values[name])
    assert shared_buffers_mb() == expected


def test_an_unknown_memory_size_keeps_a_modest_default(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(_name: str) -> int:
        raise ValueError("unsupported")

    monkeypatch.setattr(os, "sysconf", unknown)
    assert shared_buffers_mb() == 256


def test_this_machine() -> None:
    assert 128 <= shared_buffers_mb() <= 2048
