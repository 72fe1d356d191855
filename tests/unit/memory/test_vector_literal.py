"""Vectors bound as pgvector literals round-trip every float32 exactly."""

from __future__ import annotations

import numpy as np

from services.memory.adapters.database import VectorLiteral


def _parse(literal: bytes) -> np.ndarray:
    text = literal.decode()
    assert text.startswith("'[") and text.endswith("]'")
    return np.array([float(v) for v in text[2:-2].split(",")], dtype=np.float32)


def test_every_float32_round_trips_exactly() -> None:
    rng = np.random.default_rng(7)
    for scale in (1e-8, 1e-3, 0.05, 1.0, 1e6):
        vector = (rng.standard_normal(384) * scale).astype(np.float32)
        assert np.array_equal(_parse(VectorLiteral(vector).getquoted()), vector)


def test_other_lengths_and_shapes() -> None:
    assert VectorLiteral(np.zeros(0, dtype=np.float32)).getquoted() == b"'[]'"
    small = np.array([[0.5, -0.25, 3.0]], dtype=np.float32)  # a (1, n) row binds like its flat vector
    assert _parse(VectorLiteral(small).getquoted()).tolist() == [0.5, -0.25, 3.0]
