"""What the embedding models share. Each implements the service's `Embedder` port
(services/memory/service_layer/ports.py)."""

from __future__ import annotations

import numpy as np

from services.memory.service_layer.ports import Vectors


def normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (vectors / norms).astype(np.float32, copy=False)
    return result
