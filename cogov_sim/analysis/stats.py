"""Intervals over replications, shared by comparisons and sensitivity summaries."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

#: Bootstrap resamples for the intervals of ratios.
BOOTSTRAP = 2000


def mean_ci(x: np.ndarray, axis: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and the ``level`` t interval of the mean along ``axis``, ignoring NaN (NaN interval
    with fewer than two values)."""
    x = np.asarray(x, dtype=np.float64)
    x = np.where(np.isfinite(x), x, np.nan)
    n = np.sum(np.isfinite(x), axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.nanmean(x, axis=axis)
        sd = np.nanstd(x, axis=axis, ddof=1)
        h = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1)),
                     np.nan)
    return m, m - h, m + h


def poisson_mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean count per replication and its exact ``level`` interval, for counts of events (each
    replication's total of e.g. breaches): the Garwood (1936) interval of a Poisson total
    ``S`` over ``n`` replications, ``[chi2(a/2; 2S) / 2, chi2(1 - a/2; 2S + 2) / 2] / n`` with
    the lower end 0 when ``S`` is 0. Never below 0, unlike a t interval of a rare count; it
    assumes no overdispersion between replications. NaN without any finite value."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    total, n, alpha = float(x.sum()), x.size, 1.0 - level
    lo = stats.chi2.ppf(alpha / 2, 2 * total) / 2 if total > 0 else 0.0
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * total + 2) / 2
    return total / n, float(lo) / n, float(hi) / n


def ratio_ci(num: np.ndarray, den: np.ndarray, seed: int, level: float = 0.95) -> tuple[float, float, float]:
    """mean(num) / mean(den) with a paired bootstrap interval over replications; NaN when the
    mean denominator is not positive (no extra money spent)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    ok = np.isfinite(num) & np.isfinite(den)
    num, den = num[ok], den[ok]
    if num.size < 2 or den.mean() <= 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num.size, size=(BOOTSTRAP, num.size))
    d = den[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(d > 0, num[idx].mean(axis=1) / d, np.nan)
    lo, hi = np.nanpercentile(r, [50 - level * 50, 50 + level * 50])
    return float(num.mean() / den.mean()), float(lo), float(hi)
