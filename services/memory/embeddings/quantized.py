"""The local model with int8 weights, prepared once from the shipped model and cached on disk.

The shipped all-MiniLM-L6-v2 file stores its weights compactly but computes in float32: every matrix
product runs at full precision. Quantizing each weight matrix to int8, one scale per output channel
(onnxruntime's dynamic quantization: activations are quantized per run), makes a query's embedding about
1.7x and a batch about 1.7x faster on two cores, and the vectors stay close to the full-precision ones
(cosine 0.987 at worst, 0.994 on average, over the benchmark's queries and snippets; recall is measured by
`make bench`). The attention products between activations stay in float32: quantizing them too cost
another 4 points of cosine for no speed.

Preparing takes about a second and a half (constant folding, then quantization). The result is cached
under a name derived from the source model file, the onnxruntime version and this recipe, written
atomically under a file lock, so replicas and test processes sharing the cache prepare it once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import onnxruntime as ort

log = logging.getLogger(__name__)

RECIPE = "int8-per-channel-v1"


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/aicmo/models, else ~/.cache/aicmo/models."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aicmo" / "models"


def _fingerprint(source: Path) -> str:
    """Names the prepared model after the source file (path, size, modification time), the onnxruntime
    version and the recipe: cheap to compute on every start, and a reinstalled or changed model, another
    onnxruntime or another recipe gets a new file."""
    stat = source.stat()
    key = f"{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{ort.__version__}\0{RECIPE}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with (directory / ".prepare.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def quantized_model(source: Path, cache_dir: Path, name: str) -> Path:
    """The int8 version of `source`, from the cache or prepared now. Raises OSError or RuntimeError when it
    cannot be prepared (the caller falls back to the source model)."""
    target = cache_dir / f"{name}.{RECIPE}.{_fingerprint(source)}.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir):
        if target.exists():  # another process prepared it while this one waited
            return target
        log.info(
            "preparing the int8 embedding model in %s (once per model and onnxruntime version)", cache_dir
        )
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".prepare-") as work:
            folded = Path(work) / "folded.onnx"
            quantized = Path(work) / "quantized.onnx"
            _fold_constants(source, folded)
            _quantize(folded, quantized)
            os.replace(quantized, target)
    return target


def _fold_constants(source: Path, out: Path) -> None:
    """onnxruntime's portable (basic) graph rewrites: the stored weights become plain float32 initializers
    that the quantizer can see."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(out)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def _quantize(folded: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(folded))
    weights = {i.name for i in model.graph.initializer}
    # Products of two activations (attention scores and their use) stay in float32.
    between_activations = [
        n.name for n in model.graph.node if n.op_type == "MatMul" and not any(i in weights for i in n.input)
    ]
    quiet = _QuietQuantizer()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            str(folded),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=between_activations,
        )
    finally:
        logging.getLogger().removeFilter(quiet)
    if not out.exists():
        raise RuntimeError("onnxruntime's quantizer wrote no model")


class _QuietQuantizer(logging.Filter):
    """onnxruntime's quantizer logs through the root logger: a line per tensor it leaves alone (INFO), and
    advice to 'pre-process' that is for image models. Neither is ours to act on; its real warnings pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (
            record.levelno >= logging.WARNING
            and "pre-processing before quantization" not in record.getMessage()
        )
