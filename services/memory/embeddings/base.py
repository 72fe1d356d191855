"""What every embedding model offers the memory service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors. `model_name` is stored with every vector."""

    model_name: str
    dimensions: int
    is_fake: bool

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape (len(texts), dimensions), each row of unit length."""
        ...


def normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (vectors / norms).astype(np.float32, copy=False)
    return result
