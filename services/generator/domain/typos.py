"""Mending one-slip typos in long words ("billbaord" for "billboard") so a brief's misspelt names still match.

Only slips that keep the word's length are mended (two letters swapped, or one letter wrong), so every
offset in the text stays where it was; only words of seven letters or more, where one slip cannot turn one
real word into another.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_MIN_LENGTH = 7
_WORD = re.compile(rf"[^\W\d_]{{{_MIN_LENGTH},}}")


def one_slip(word: str, target: str) -> bool:
    """Whether `word` is `target` with two neighbouring letters swapped or one letter wrong."""
    if len(word) != len(target) or word == target:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
    if len(diff) == 1:
        return True
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and word[diff[0]] == target[diff[1]]
        and word[diff[1]] == target[diff[0]]
    )


@functools.cache
def _by_length(words: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for w in words:
        if len(w) >= _MIN_LENGTH and w.isalpha():
            out.setdefault(len(w), []).append(w)
    return {n: tuple(ws) for n, ws in out.items()}


def mend(text: str, known: Iterable[str]) -> str:
    """The text with each long word one slip away from a known word written as that word (same length)."""
    key = known if isinstance(known, tuple) else tuple(sorted({k.casefold() for k in known}))
    table = _by_length(key)
    exact = {w for ws in table.values() for w in ws}

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.casefold()
        if low in exact:
            return word
        return next((t for t in table.get(len(low), ()) if one_slip(low, t)), word)

    return _WORD.sub(fix, text)
