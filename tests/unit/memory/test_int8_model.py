"""The int8 embedding model: prepared once into the cache, close to full precision, and never fatal."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from services.memory.embeddings.minilm_onnx import MiniLMOnnxEmbedder

TEXTS = [
    "Referral program for a meal-kit startup: give a friend a free box, get one yourself",
    "Trade show plan for an industrial robot maker, with demo slots booked in advance",
    "How did Lumora's Brightline serum win over young professionals on Instagram?",
    "A podcast sponsorship that names the founder's origin story",
    "Quarterly budget split across search, social and email for a regional bank",
]


@pytest.fixture(scope="module")
def full_precision() -> MiniLMOnnxEmbedder:
    return MiniLMOnnxEmbedder(threads=1, precision="float32")


def test_int8_vectors_stay_close_to_full_precision_and_rank_alike(
    tmp_path: Path, full_precision: MiniLMOnnxEmbedder
) -> None:
    fast = MiniLMOnnxEmbedder(threads=1, precision="int8", cache_dir=tmp_path)
    assert fast.precision == "int8" and fast.model_name == full_precision.model_name
    a, b = fast.embed(TEXTS), full_precision.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(a * b, axis=1))) >= 0.98
    # Each text's nearest other text is the same at both precisions.
    for vectors_a, vectors_b in [(a @ a.T, b @ b.T)]:
        np.fill_diagonal(vectors_a, -1)
        np.fill_diagonal(vectors_b, -1)
        assert list(np.argmax(vectors_a, axis=1)) == list(np.argmax(vectors_b, axis=1))


def test_the_prepared_model_is_cached_and_reused(tmp_path: Path) -> None:
    MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    models = list(tmp_path.glob("*.onnx"))
    assert len(models) == 1
    stamp = models[0].stat().st_mtime_ns
    again = MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    assert again.precision == "int8"
    assert [p.stat().st_mtime_ns for p in tmp_path.glob("*.onnx")] == [stamp]
    assert not list(tmp_path.glob(".prepare-*")), "no half-written work left behind"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions; see the file-in-the-way case")
def test_an_unwritable_cache_falls_back_to_full_precision(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, full_precision: MiniLMOnnxEmbedder
) -> None:
    tmp_path.chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING):
            embedder = MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path / "models")
    finally:
        tmp_path.chmod(0o700)
    assert embedder.precision == "float32"
    assert "AICMO_EMBEDDING_CACHE_DIR" in caplog.text


def test_a_cache_path_that_is_not_a_directory_falls_back_to_full_precision(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, full_precision: MiniLMOnnxEmbedder
) -> None:
    in_the_way = tmp_path / "models"
    in_the_way.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        embedder = MiniLMOnnxEmbedder(threads=1, cache_dir=in_the_way)
    assert embedder.precision == "float32"
    assert "AICMO_EMBEDDING_CACHE_DIR" in caplog.text
    # Still the real model: same vectors as full precision.
    assert np.allclose(embedder.embed(TEXTS[:2]), full_precision.embed(TEXTS[:2]), atol=1e-5)


def test_a_damaged_cached_model_is_removed_and_prepared_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, full_precision: MiniLMOnnxEmbedder
) -> None:
    MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("*.onnx")
    cached.write_bytes(b"not an onnx model")  # a disk that lost the file's contents
    with caplog.at_level(logging.WARNING):
        degraded = MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    assert degraded.precision == "float32" and "could not be loaded" in caplog.text
    assert np.allclose(degraded.embed(TEXTS[:1]), full_precision.embed(TEXTS[:1]), atol=1e-5)
    assert not cached.exists()
    # The next start prepares it again.
    healed = MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    assert healed.precision == "int8" and cached.exists()


def test_a_single_text_runs_on_its_own_one_thread_session_with_the_same_vectors(tmp_path: Path) -> None:
    embedder = MiniLMOnnxEmbedder(threads=2, cache_dir=tmp_path)
    assert embedder._single is not embedder._session  # a search's query: one thread, whatever `threads`
    one_thread = MiniLMOnnxEmbedder(threads=1, cache_dir=tmp_path)
    assert one_thread._single is one_thread._session
    alone = np.vstack([embedder.embed([t]) for t in TEXTS])
    reference = np.vstack([one_thread.embed([t]) for t in TEXTS])
    assert float(np.min(np.sum(alone * reference, axis=1))) >= 0.9999


def test_a_batch_runs_in_parts_at_once_and_keeps_each_text_in_its_place(tmp_path: Path) -> None:
    embedder = MiniLMOnnxEmbedder(threads=2, cache_dir=tmp_path)
    assert len(embedder._parts) == 2
    many = [f"{text} (variant {n})" for n in range(4) for text in TEXTS]  # 20 texts: two parts of 10
    batched = embedder.embed(many)
    alone = np.vstack([embedder.embed([t]) for t in many])
    assert batched.shape == (len(many), 384)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(batched * alone, axis=1))) >= 0.98
    # Each place holds its own text: nearest to its own base text among the five.
    bases = np.vstack([embedder.embed([t]) for t in TEXTS])
    assert list(np.argmax(batched @ bases.T, axis=1)) == [n % len(TEXTS) for n in range(len(many))]
