"""Small statistics over a run's figures."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100]; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def spread(values: Sequence[float]) -> dict[str, float]:
    """min, median and max of one figure over the runs."""
    if not values:
        return {"min": math.nan, "median": math.nan, "max": math.nan}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }
