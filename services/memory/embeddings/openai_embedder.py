"""OpenAI embeddings (AICMO_EMBEDDING_PROVIDER=openai) through the official SDK.

OPENAI_BASE_URL points it at any OpenAI-compatible server. The model name stored with each vector is
prefixed with "openai/" so it can never be mistaken for a local model's vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from services.common.domain_errors import Unavailable
from services.memory.embeddings.base import normalise
from services.memory.service_layer.ports import Vectors

KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
_BATCH = 256


class OpenAIEmbedder:
    is_fake = False

    def __init__(
        self, *, api_key: str, model: str, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=2)
        self._model = model
        self.model_name = f"openai/{model}"
        known = KNOWN_DIMENSIONS.get(model)
        self.dimensions = known if known is not None else int(self.embed(["dimension probe"]).shape[1])

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), _BATCH):
                response = self._client.embeddings.create(
                    model=self._model, input=list(texts[start : start + _BATCH])
                )
                rows.extend(d.embedding for d in sorted(response.data, key=lambda d: d.index))
        except openai.APIError as exc:
            raise Unavailable(f"the embedding service failed: {type(exc).__name__}") from exc
        return normalise(np.asarray(rows, dtype=np.float32).reshape(len(texts), -1))
