"""Statistics where the process is the unit (Kalibera and Jones, "Rigorous Benchmarking in
Reasonable Time"): a process's repetitions share its drift and the machine's speed state,
so they are reduced to one median per process, and two sides are compared by the
two-sided Mann-Whitney U test over those medians (stats.u_test_p_value on spreads of
process medians). A change is judged against the noise (Chromium's and Mozilla's perf
sheriffing): it is real only when that test is significant *and* the change lies beyond
the benchmark's noise band, the change that 95 % of same-code comparisons of the same
numbers of processes stay within.

The band is measured, never assumed: from pools of process medians of one code (an A/A
run's two sides pooled, or each side of the comparison on its own), BAND_DRAWS pairs of
groups of the comparison's sizes are drawn with replacement from one pool, and the band is
the BAND_QUANTILE quantile of their relative changes' magnitudes. The draws are seeded by
the benchmark's name, so a comparison prints the same bands every time.
"""

from __future__ import annotations

import zlib
from typing import Sequence

MIN_PROCESSES = 4        # a side: the exact U test over 4 and 4 processes can reach p = 0.029 < 0.05
BAND_QUANTILE = 0.95     # the noise band holds this share of same-code changes
BAND_DRAWS = 4000        # resampled same-code comparisons per benchmark

SLOWER = "slower"
FASTER = "faster"
WITHIN_NOISE = "within noise"
UNJUDGED = "n/a"


def relative_change_percent(before: float, after: float) -> float | None:
    """(after - before) / before in %, None when before is 0."""
    return None if before == 0 else (after - before) / before * 100


def noise_band_percent(pools: Sequence[Sequence[float]], sizes: tuple[int, int], seed_text: str,
                       draws: int = BAND_DRAWS, quantile: float = BAND_QUANTILE) -> float | None:
    """The `quantile` quantile of |change| in % between two groups of `sizes` processes drawn with
    replacement from one pool of same-code process medians (the draws spread evenly over the pools);
    None when no pool has two processes or a pool's median is 0."""
    import numpy  # here, not at the top: the report's other scripts do not need it

    usable = [numpy.asarray(pool, dtype=float) for pool in pools if len(pool) >= 2]
    if not usable or any(numpy.median(pool) == 0 for pool in usable) or min(sizes) < 1:
        return None
    generator = numpy.random.default_rng(zlib.crc32(seed_text.encode("utf-8")))
    changes = []
    for index, pool in enumerate(usable):
        count = draws // len(usable) + (1 if index < draws % len(usable) else 0)
        first = numpy.median(pool[generator.integers(0, len(pool), size=(count, sizes[0]))], axis=1)
        second = numpy.median(pool[generator.integers(0, len(pool), size=(count, sizes[1]))], axis=1)
        changes.append(numpy.abs(second - first) / first * 100)
    return float(numpy.quantile(numpy.concatenate(changes), quantile))


def judge(change_percent: float | None, p_value: float | None, band_percent: float | None, alpha: float) -> str:
    """SLOWER or FASTER when the process-level test is significant and the change is beyond the band,
    WITHIN_NOISE when either is not, UNJUDGED when a figure is missing."""
    if change_percent is None or p_value is None or band_percent is None:
        return UNJUDGED
    if p_value >= alpha or abs(change_percent) <= band_percent:
        return WITHIN_NOISE
    return SLOWER if change_percent > 0 else FASTER
