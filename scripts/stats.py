"""Statistics over a benchmark's repetitions: the median with its min-max spread, and
"different" as a two-sided Mann-Whitney U test (as Google Benchmark's tools/compare.py
decides it), never overlapping ranges."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Sequence

SIGNIFICANCE_ALPHA = 0.05   # "different" means a two-sided Mann-Whitney U test at p below this
RELIABLE_REPETITIONS = 9    # the repetitions a side Google Benchmark's compare.py wants for its U test


@dataclass(frozen=True)
class Spread:
    """Median and min-max range of one quantity over the repetitions, and the values themselves."""

    median: float
    low: float
    high: float
    values: tuple[float, ...] = field(default=(), compare=False)  # the repetitions, for significance tests


def spread_of(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("spread_of needs at least one value")
    return Spread(statistics.median(values), min(values), max(values), tuple(values))


def u_test_p_value(before: Spread, after: Spread) -> float | None:
    """The two-sided Mann-Whitney U test's p-value over two spreads' repetitions (as Google Benchmark's
    tools/compare.py computes it); None when either side has fewer than 2 values."""
    if len(before.values) < 2 or len(after.values) < 2:
        return None
    from scipy.stats import mannwhitneyu  # here, not at the top: scipy takes a second to import
    return float(mannwhitneyu(before.values, after.values, alternative="two-sided").pvalue)


def smallest_p_value(first: int, second: int) -> float:
    """The smallest two-sided p the exact U test can give for samples of these sizes (scipy's method for
    small samples without ties): 2 / C(first + second, first). With 3 values a side it is 0.1, so no
    difference can reach p < 0.05."""
    from math import comb
    return min(1.0, 2 / comb(first + second, first))


def differs(before: Spread, after: Spread, alpha: float = SIGNIFICANCE_ALPHA) -> bool:
    """Whether two timings differ: the U test's p-value is below alpha (never with fewer than 2 values)."""
    p_value = u_test_p_value(before, after)
    return p_value is not None and p_value < alpha


def slower(first: Spread, second: Spread, alpha: float = SIGNIFICANCE_ALPHA) -> bool:
    """first is slower than second: a higher median and a significant difference."""
    return first.median > second.median and differs(first, second, alpha)
