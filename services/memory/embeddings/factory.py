"""Chooses the embedding model from settings (one place)."""

from __future__ import annotations

import logging

from services.memory.service_layer.ports import FAKE_EMBEDDINGS_WARNING, Embedder
from services.memory.settings import MemorySettings

log = logging.getLogger(__name__)


def build_embedder(settings: MemorySettings) -> Embedder:
    if settings.fake_embeddings:
        from services.memory.embeddings.fake import FakeHashEmbedder

        log.warning(FAKE_EMBEDDINGS_WARNING)
        return FakeHashEmbedder()
    if settings.embedding_provider == "openai":
        from services.memory.embeddings.openai_embedder import OpenAIEmbedder

        if settings.openai_api_key is None:
            raise SystemExit("AICMO_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
        return OpenAIEmbedder(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_embedding_model,
            base_url=settings.openai_base_url,
        )
    from services.memory.embeddings.minilm_onnx import MiniLMOnnxEmbedder

    return MiniLMOnnxEmbedder(
        threads=settings.embedding_threads,
        precision=settings.embedding_precision,
        cache_dir=settings.embedding_cache_dir,
    )
