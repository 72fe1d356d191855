"""The sentence model the readers compare meanings with, as a port: texts in, one unit vector per text out.

The domain loads no model itself. An adapter (services/generator/adapters/sentence_model.py: the offline
MiniLM the memory service uses) is plugged in with `provide` when the generator package is imported, so the
service, its tests and the benchmarks all read briefs with the same model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]
# Loads the model once; None when it cannot be loaded (then no kind of business is guessed).
LoadModel = Callable[[], Embed | None]


def _no_model() -> Embed | None:
    return None


_load: LoadModel = _no_model


def provide(load: LoadModel) -> None:
    """Plugs in the model the readers use from now on (loaded on first use)."""
    global _load
    _load = load
    sentence_model.cache_clear()


@functools.cache
def sentence_model() -> Embed | None:
    """The plugged-in model, loaded once; None without one."""
    return _load()
