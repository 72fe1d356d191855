"""Deterministic hash embeddings, for tests only (AICMO_FAKE_EMBEDDINGS=1).

Feature hashing of words and word pairs: identical texts match and shared words raise similarity, but it
understands nothing. The service warns loudly whenever these are in use.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np

from services.memory.embeddings.base import normalise
from services.memory.service_layer.ports import Vectors

MODEL_NAME = "fake-hash-384"
DIMENSIONS = 384
_WORD = re.compile(r"[a-z0-9]+")


def _bucket(token: str) -> tuple[int, float]:
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % DIMENSIONS, 1.0 if (value >> 32) & 1 else -1.0


class FakeHashEmbedder:
    model_name = MODEL_NAME
    dimensions = DIMENSIONS
    is_fake = True

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for token in (*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))):
                index, sign = _bucket(token)
                out[row, index] += sign
            if not words:
                out[row, 0] = 1.0
        return normalise(out)
