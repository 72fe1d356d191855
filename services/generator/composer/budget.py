"""Exact budget splits: `allocate` splits an amount into integer percentages that add up to exactly 100
and amounts that add up to exactly the total. (Reading budgets from text is services/generator/domain/money.py.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def _largest_remainder(total: int, numerators: Sequence[int], denominator: int) -> list[int]:
    """Integers close to numerators[i] / denominator (which add up to `total`), adding up to it exactly."""
    floors = [n // denominator for n in numerators]
    remainders = [n % denominator for n in numerators]
    order = sorted(range(len(numerators)), key=lambda i: (-remainders[i], i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return floors


def _as_ints(weights: Sequence[int | Fraction]) -> list[int]:
    if all(isinstance(w, int) for w in weights):
        return [int(w) for w in weights]
    fractions = [Fraction(w) for w in weights]
    denominator = math.lcm(*(f.denominator for f in fractions))
    return [f.numerator * (denominator // f.denominator) for f in fractions]


def split_percentages(weights: Sequence[int | Fraction]) -> list[int]:
    """Integer percentages proportional to weights, adding up to exactly 100."""
    if not weights:
        return []
    ints = _as_ints(weights)
    total = sum(ints)
    if total <= 0 or any(w < 0 for w in ints):
        ints, total = [1] * len(ints), len(ints)
    return _largest_remainder(100, [w * 100 for w in ints], total)


def split_amount(total: int, percentages: Sequence[int]) -> list[int]:
    """Amounts for integer percentages (adding up to 100) of `total`, adding up to exactly `total`."""
    if not percentages:
        return []
    return _largest_remainder(total, [total * p for p in percentages], 100)


def allocate(total: int, weights: Sequence[int | Fraction]) -> list[tuple[int, int]]:
    """(percentage, amount) per weight; percentages add to 100 and amounts to `total` exactly."""
    pcts = split_percentages(weights)
    return list(zip(pcts, split_amount(total, pcts), strict=True))
