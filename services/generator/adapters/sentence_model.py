"""The offline sentence model (MiniLM, the one the memory service embeds with) behind the readers' port
(domain/sentence_model.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from services.generator.domain.sentence_model import Embed

log = logging.getLogger(__name__)


def offline_sentence_model() -> Embed | None:
    """The model as an `Embed`, or None (logged) when it cannot load."""
    try:
        # Loaded on the first brief read, not when the generator is imported: the model takes a while.
        from services.memory.embeddings.minilm_onnx import MiniLMOnnxEmbedder

        model = MiniLMOnnxEmbedder(threads=1)
    except Exception as exc:  # pragma: no cover - the model ships with the product
        log.warning("brief understanding runs without the sentence model: %s", exc)
        return None

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.embed(list(texts)), dtype=np.float32)

    return embed
