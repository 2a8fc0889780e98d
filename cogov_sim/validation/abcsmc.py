"""Adaptive ABC-SMC with MCMC moves over a box of uniform priors: the sampler of ``cogov calibrate``.

Approximate Bayesian computation by sequential Monte Carlo in the form of Del Moral, Doucet &
Jasra (2012, Statistics and Computing 22:1009-1020), with the move schedule of Drovandi &
Pettitt (2011, Biometrics 67:225-233). The target of population ``t`` is the prior restricted
to parameter sets whose simulated distance to the data is at most the tolerance ``eps_t``:

1. population 0 is a sample of the prior, each particle simulated once;
2. each next tolerance keeps a share :data:`SURVIVE` of the particles (the weights are the
   indicator of ``distance <= eps_t``, so the effective sample size is the number kept); the
   kept particles are resampled back to the population size;
3. every particle then takes Metropolis-Hastings moves that leave the target invariant: a
   Gaussian random walk whose covariance is the kept particles' covariance scaled by
   ``2.38^2 / d`` (Roberts, Gelman & Gilks 1997, Ann. Appl. Probab. 7:110-120), accepted when
   the prior ratio allows it (checked first, without simulating: Picchini 2014, J. Comput.
   Graph. Stat. 23:151-175) and the proposal's simulation is within ``eps_t``; as many moves as
   make a particle stay put with probability at most :data:`MOVE_MISS` at the last population's
   acceptance rate, at most :data:`MAX_MOVES`;
4. it stops at the last population asked for, at the smallest tolerance asked for, or when
   fewer than :data:`MIN_ACCEPTANCE` of the moves are accepted.

Why not importance weights (the ABC-SMC of Toni et al. 2009 and Beaumont et al. 2009, as in
pyabc): each new particle's weight is the prior over a kernel density of the last population,
and in two dozen dimensions that density at a proposal is its own parent's kernel, which varies
over the chi-square spread of the dimensions; the weights spread over orders of magnitude and the
effective sample size collapses (docs/validation.md, section 8, measured with pyabc 0.13 on the
model and on a 26-parameter test problem). Here every particle of a population weighs the same
and diversity comes from the moves, whose acceptance rate and count of distinct particles are
reported instead.

Moves happen on the logit of each parameter's position in its range, where a uniform prior on
``[lo, hi]`` is the standard logistic distribution: a proposal can never leave the prior's box,
and the Metropolis-Hastings ratio of the symmetric walk is the ratio of logistic densities.
Every draw of the sampler comes from one generator seeded from the root seed; simulations are
deterministic functions of their parameter values; so a calibration is the same to the bit on
one worker, many, or a Dask cluster, and resumes exactly from its saved state.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Share of a population kept at each new tolerance: the median of the distances, the schedule
#: of pyabc's default and of Beaumont et al. (2009), and Lenormand et al.'s (2013) alpha = 0.5.
SURVIVE = 0.5
#: A particle should stay put through a population's moves with probability at most this
#: (Drovandi & Pettitt 2011 use 0.01; 0.1 halves the simulations at an acceptance of 20%).
MOVE_MISS = 0.1
#: Most Metropolis-Hastings moves per population (modelling choice for the budget: at low
#: acceptance more moves cost more than a smaller step of the tolerance gains).
MAX_MOVES = 5
#: The calibration stops when fewer moves than this share are accepted: the tolerance is then as
#: small as the model's own noise lets the particles move (Del Moral et al. 2012 stop on the
#: same sign).
MIN_ACCEPTANCE = 0.02
#: Random-walk scale, times the population covariance over the dimension (Roberts et al. 1997).
WALK_SCALE = 2.38 ** 2


def to_logit(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Values in their ranges ``[lo, hi]`` as the logit of their position in the range
    (clipped a hair inside the bounds, where the logit is infinite)."""
    u = np.clip((np.asarray(x, float) - lo) / (hi - lo), 1e-12, 1 - 1e-12)
    return np.log(u) - np.log1p(-u)


def from_logit(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The inverse of :func:`to_logit`: ``lo + (hi - lo) / (1 + exp(-z))``, always inside the range."""
    from scipy.special import expit

    return lo + (hi - lo) * expit(np.asarray(z, float))


def log_prior(z: np.ndarray) -> np.ndarray:
    """Log density of independent standard logistic coordinates (a uniform prior on each range,
    seen on the logit scale), summed over the last axis: ``-|z| - 2 log(1 + exp(-|z|))``."""
    a = np.abs(np.asarray(z, float))
    return (-a - 2.0 * np.log1p(np.exp(-a))).sum(axis=-1)


def next_tolerance(distances: np.ndarray, survive: float = SURVIVE) -> float:
    """The smallest tolerance that keeps at least a share ``survive`` of the particles (the
    ``ceil(survive * n)``-th smallest distance); infinite distances (a pattern not measured)
    never count as kept. NaN when fewer than two particles have a finite distance."""
    d = np.sort(np.asarray(distances, float))
    finite = int(np.isfinite(d).sum())
    if finite < 2:
        return float("nan")
    k = min(finite, max(2, math.ceil(survive * d.size)))
    return float(d[k - 1])


def moves_needed(acceptance: float, miss: float = MOVE_MISS, most: int = MAX_MOVES) -> int:
    """Moves that leave a particle unmoved with probability at most ``miss`` when each move is
    accepted with probability ``acceptance`` (Drovandi & Pettitt 2011): ``log(miss) /
    log(1 - acceptance)``, rounded up, between 1 and ``most``."""
    if acceptance >= 1.0:
        return 1
    if acceptance <= 0.0:
        return most
    return int(min(most, max(1, math.ceil(math.log(miss) / math.log1p(-acceptance)))))


#: Share of each parameter's own variance added to the walk's covariance: with fewer distinct
#: kept particles than parameters their covariance is singular, and a walk confined to the span
#: of the particles could never again explore the directions it lacks (a diagonal loading of the
#: sample covariance; Ledoit & Wolf 2004, J. Multivariate Analysis 88:365-411, for the idea).
SHRINKAGE = 0.05


def walk_factor(z: np.ndarray) -> np.ndarray:
    """Cholesky factor of the random walk's covariance: the particles' covariance on the logit
    scale plus :data:`SHRINKAGE` times its diagonal, times ``2.38^2 / d``, with a small ridge so
    that it stays positive definite when a parameter has collapsed onto one value."""
    z = np.asarray(z, float)
    d = z.shape[1]
    cov = np.atleast_2d(np.cov(z, rowvar=False)) if len(z) > 1 else np.eye(d)
    cov = cov + SHRINKAGE * np.diag(np.diag(cov))
    ridge = 1e-6 * max(float(np.mean(np.diag(cov))), 1e-6)
    return np.linalg.cholesky(cov * WALK_SCALE / d + ridge * np.eye(d))


#: A batch simulator: parameter sets in their natural units (rows) to each set's distance and
#: summary statistics (rows of the pattern values). ``tick`` is called with the number done (the
#: sampler passes the population's count so far).
Simulate = Callable[[np.ndarray, Callable[[int], None] | None], tuple[np.ndarray, np.ndarray]]


@dataclass
class Population:
    """One population: particles on the logit scale, their distances and statistics, the
    tolerance they satisfy and what it took (diagnostics)."""

    t: int
    z: np.ndarray
    distance: np.ndarray
    stats: np.ndarray
    epsilon: float
    acceptance: float
    info: dict[str, Any] = field(default_factory=dict)


class Sampler:
    """The sequential Monte Carlo over ``lo``/``hi`` (arrays of the prior ranges), simulating
    batches with ``simulate``; ``rng`` is its one generator."""

    def __init__(self, simulate: Simulate, lo: np.ndarray, hi: np.ndarray, particles: int, rng: np.random.Generator):
        self.simulate, self.particles, self.rng = simulate, int(particles), rng
        self.lo, self.hi = np.asarray(lo, float), np.asarray(hi, float)

    def values(self, z: np.ndarray) -> np.ndarray:
        return from_logit(z, self.lo, self.hi)

    def start(self, tick: Callable[[int], None] | None = None) -> Population:
        """Population 0: the prior, every particle simulated once."""
        z = self.rng.logistic(size=(self.particles, self.lo.size))
        d, s = self.simulate(self.values(z), tick)
        finite = np.isfinite(d)
        eps = float(d[finite].max()) if finite.any() else float("inf")
        return Population(0, z, d, s, eps, 1.0, {"simulations": self.particles, "survivors": int(finite.sum()),
                                                 "moves": 0, "proposals": 0, "accepted": 0,
                                                 "distinct": self.particles})

    def step(self, pop: Population, min_epsilon: float = 0.0, tick: Callable[[int], None] | None = None) -> Population:
        """The next population: a smaller tolerance, resampling, then the moves."""
        eps = next_tolerance(pop.distance)
        if not math.isfinite(eps):
            raise ValueError("fewer than two particles were measured on every pattern")
        eps = max(eps, float(min_epsilon))
        kept = np.flatnonzero(pop.distance <= eps)
        chol = walk_factor(pop.z[kept])
        pick = kept[self.rng.integers(0, kept.size, self.particles)]
        z, d, s = pop.z[pick].copy(), pop.distance[pick].copy(), pop.stats[pick].copy()
        moves = moves_needed(pop.acceptance)
        n, dim = z.shape
        accepted = simulations = 0
        moved = np.zeros(n, bool)
        for _ in range(moves):
            prop = z + self.rng.standard_normal((n, dim)) @ chol.T
            prior_ok = np.log(self.rng.random(n)) < log_prior(prop) - log_prior(z)
            run = np.flatnonzero(prior_ok)
            if run.size:
                counted = None if tick is None else (lambda k, before=simulations: tick(before + k))
                dn, sn = self.simulate(self.values(prop[run]), counted)
                simulations += run.size
                ok = run[dn <= eps]
                z[ok], d[ok], s[ok] = prop[ok], dn[dn <= eps], sn[dn <= eps]
                accepted += ok.size
                moved[ok] = True
        acceptance = accepted / (n * moves)
        distinct = int(np.unique(z, axis=0).shape[0])
        return Population(pop.t + 1, z, d, s, eps, acceptance,
                          {"simulations": simulations, "survivors": int(kept.size), "moves": moves,
                           "proposals": n * moves, "accepted": accepted, "distinct": distinct,
                           "moved_share": float(moved.mean())})


def sampler_rng(seed: int) -> np.random.Generator:
    """The sampler's generator: the root seed with the spawn key of the name "calibration"
    (as the model's named streams, ``cogov_sim.model.rng``)."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(int(seed),
                                                                      spawn_key=(zlib.crc32(b"calibration"),))))


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """The generator's state as JSON-ready data (its words as integers)."""
    state = rng.bit_generator.state
    inner = state["state"]
    return {**state, "state": {k: [int(x) for x in v] if isinstance(v, np.ndarray) else v for k, v in inner.items()}}


def set_generator_state(rng: np.random.Generator, state: dict[str, Any]) -> None:
    """Restore what :func:`generator_state` wrote."""
    inner = {k: np.array(v, dtype=np.uint64) if isinstance(v, list) else v for k, v in state["state"].items()}
    rng.bit_generator.state = {**state, "state": inner}
