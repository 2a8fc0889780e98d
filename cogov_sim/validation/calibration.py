"""Bayesian calibration of the model to the observed patterns: approximate Bayesian computation
by sequential Monte Carlo with MCMC moves (Del Moral, Doucet & Jasra 2012; the sampler is
:mod:`cogov_sim.validation.abcsmc`, which says why it is not the importance-weighted ABC-SMC of
Toni et al. 2009 and Beaumont et al. 2009).

Every behavioural parameter that is not measured directly (:data:`CALIBRATED`) gets a uniform
prior over its plausible range (the one parameter definition, ``plausible``). A particle is one
parameter set; it is simulated on every scenario the fitting patterns need (``replications``
replications, one by default, their seeds spawned from a seed derived from the root seed and the
parameter values, so that a particle is reproducible wherever it ran; with more than one, each
pattern is their mean, so that a particle is not kept for one lucky draw), and its distance to
the data is the root of the summed squared gaps in units of each pattern's tolerance, so that
every pattern counts in the units its source allows. Held-out
patterns (``Pattern.held_out``) are not fitted: they check the posterior afterwards.

What a calibration writes (``cogov calibrate --out DIR``): ``posterior.parquet`` (the last
population's particles and weights, parameters under their keys), ``populations.parquet`` (every
population's particles with their distances and simulated patterns), ``diagnostics.json``
(tolerance schedule, particles kept at each tolerance, moves, acceptance rates, distinct
particles, wall time), ``identifiability.csv`` (posterior width against prior width and the
strongest correlation of each parameter), ``point_estimate.toml`` (of the densest particle and
the marginal medians, the one nearer the fitting patterns when simulated again at fresh seeds,
:func:`choose_point`; in the form of ``cogov_sim/data/calibrated.toml``; ``diagnostics.json``
records both candidates' distances),
``marginals.png`` and ``pairs.png``, and the state that ``--resume`` continues from
(``calibration.json``, ``state.json``, ``state.<population>.npz``), written after every population.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.tables import read_table
from cogov_sim.model.parameters import PARAMETERS
from cogov_sim.validation.abcsmc import (
    MAX_MOVES,
    MIN_ACCEPTANCE,
    MOVE_MISS,
    SHRINKAGE,
    SURVIVE,
    WALK_SCALE,
    Population,
    Sampler,
    generator_state,
    sampler_rng,
    set_generator_state,
    to_logit,
)
from cogov_sim.validation.patterns import PATTERNS, Pattern, run_patterns

#: The behavioural parameters calibrated: how residents choose, learn and forget, how
#: productive and satisfying the government's handling is, how institutions answer pressure, how
#: fast capacities grow and what a breach does. Left out: sizes and structure (population,
#: communities, network, counts of institutions), money (budgets and costs, which are accounts),
#: the run's own settings, quantities measured directly (staff per resident, the share of older
#: residents, patience from the 12345 time limits, initial capacities from Fang 2024's
#: description) and integers (weeks and thresholds, which a sampler of continuous priors does
#: not move in steps).
CALIBRATED: tuple[str, ...] = (
    "population.literacy_middle", "population.literacy_older", "population.literacy_concentration",
    "participation.base", "participation.issue_motive", "participation.efficacy_weight",
    "participation.trust_weight", "participation.social_weight", "participation.privacy_weight",
    "participation.quality_weight", "participation.noise", "participation.channel_dissimilarity",
    "channels.online_cost", "channels.online_literacy_penalty", "channels.hotline_cost",
    "channels.hotline_literacy_penalty", "channels.offline_cost", "channels.offline_older_discount",
    "government.cases_per_staff_week", "government.silo_penalty", "government.platform_productivity_gain",
    "government.satisfaction_late", "government.satisfaction_failed", "government.grid_cases_per_worker",
    "government.time_limit_priority",
    "feedback.resolved_trust_gain", "feedback.resolved_efficacy_gain", "feedback.failed_trust_loss",
    "feedback.failed_efficacy_loss", "feedback.satisfaction_weight", "feedback.vicarious_weight",
    "institutions.accountability", "institutions.complaint_scale", "institutions.effort_max",
    "institutions.escalation", "institutions.transparency_pressure",
    "capacity.platform_scale", "capacity.training_scale", "capacity.grid_find_rate",
    "capacity.active_service_effect",
    "awareness.word_of_mouth", "awareness.forgetting",
    "enterprises.capacity_per_10k", "social_orgs.capacity_per_10k", "social_orgs.campaign_reach",
)

#: Residents of a particle's runs: the size of every pattern scenario (tests/test_calibration.py
#: checks it), so that a particle is simulated as ``cogov validate --patterns`` measures the
#: model. The model is not invariant to size at fixed communities (community sizes, the
#: neighbours' share, per-community capacities): a calibration at 2,000 residents fitted a street
#: whose patterns at 10,000 differed by up to two tolerances (docs/validation.md, section 8).
CALIBRATION_RESIDENTS = 10_000

#: How the point estimate is chosen between its two candidates (:func:`point_candidates`): each
#: is simulated again at :data:`POINT_SEEDS` fresh root seeds (spawned from the calibration's
#: seed, none a particle's) with :data:`POINT_REPLICATIONS` replications, as ``cogov validate
#: --patterns`` measures the model, and the one at the smaller mean distance to the fitting
#: patterns is kept (the densest particle on a tie). The fitting patterns alone decide, so the
#: held-out patterns stay a test. Why two candidates: the densest particle can lie at the edge of
#: the posterior in two dozen dimensions, and the marginal medians far from every particle where
#: parameters trade off; at the calibrations of docs/validation.md (section 8) each has been the
#: better one.
POINT_SEEDS = 3
POINT_REPLICATIONS = 3


def prior_ranges(keys: Sequence[str] = CALIBRATED) -> dict[str, tuple[float, float]]:
    """Each calibrated parameter's plausible range (the uniform prior), clipped to its allowed range."""
    out = {}
    for key in keys:
        spec = PARAMETERS[key]
        if spec.plausible is None or spec.type is not float:
            raise ValueError(f"{key} has no plausible range or is not a real number")
        lo, hi = spec.plausible
        lo = max(lo, spec.low) if spec.low is not None else lo
        hi = min(hi, spec.high) if spec.high is not None else hi
        if not lo < hi:
            raise ValueError(f"{key}: its plausible range {spec.plausible} leaves nothing to calibrate")
        out[key] = (float(lo), float(hi))
    return out


def particle_seed(root: int, values: Mapping[str, float]) -> int:
    """The seed of a particle's runs: from the root seed and the parameter values (sorted by key,
    as their exact binary values), so that a particle is simulated the same wherever it runs."""
    text = repr((int(root), sorted((k, float(v).hex()) for k, v in values.items())))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def distance(simulated: Mapping[str, float], observed: Mapping[str, float], tolerances: Mapping[str, float]) -> float:
    """Root of the summed squared gaps, each in units of its pattern's tolerance; infinite when a
    pattern could not be measured (NaN), so that such a particle is never accepted."""
    total = 0.0
    for k, target in observed.items():
        v = simulated.get(k, float("nan"))
        if not math.isfinite(v):
            return math.inf
        total += ((v - target) / tolerances[k]) ** 2
    return math.sqrt(total)


@dataclass
class Simulator:
    """A particle's simulation: every scenario the patterns need, at ``residents``, with
    ``replications`` replications (seeds spawned from the particle's seed: the first is the same
    whatever their number); returns each pattern's value, their mean. Picklable, for worker
    processes and Dask."""

    patterns: Sequence[Pattern]
    root_seed: int
    residents: int
    replications: int = 1

    def __call__(self, par: Mapping[str, float]) -> dict[str, float]:
        values = {k: float(v) for k, v in par.items()}
        return self._simulate(values, particle_seed(self.root_seed, values))

    def at_seed(self, par: Mapping[str, float]) -> dict[str, float]:
        """As a call, but every parameter set at the root seed itself (not a seed of its values):
        the candidates of the point estimate are simulated on the same seeds."""
        return self._simulate({k: float(v) for k, v in par.items()}, self.root_seed)

    def _simulate(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """Every pattern's value at ``values`` (the replications spawned from ``seed``)."""
        results = run_patterns(seed=seed, replications=self.replications, overrides=values,
                               patterns=self.patterns, residents=self.residents)
        return {res.pattern.id: res.value for res in results}

    def task_at_seed(self, item: tuple[int, Mapping[str, float]]) -> dict[str, float]:
        """An executor's task of :meth:`at_seed`, reported as :meth:`task` reports."""
        return _reported(self.at_seed, item[1])

    def task(self, item: tuple[int, Mapping[str, float]]) -> dict[str, float]:
        """An executor's task: ``(index, parameter values)``; a simulation that raises is reported
        with its particle (:class:`SimulationFailed`)."""
        return _reported(self, item[1])


def _reported(simulate: Callable[[Mapping[str, float]], dict[str, float]], values: Mapping[str, float]) -> dict[str, float]:
    """``simulate(values)``, with a failure reported as :class:`SimulationFailed` naming ``values``."""
    try:
        return simulate(values)
    except Exception as exc:
        raise SimulationFailed(values, exc) from exc


class SimulationFailed(RuntimeError):
    """A particle's simulation raised: a defect of the model at those values, not of the input.
    The message names the particle, so that its run can be rebuilt (``cogov run`` with its values
    and seed, :func:`particle_seed`); the populations before it are saved for ``--resume``."""

    def __init__(self, values: Mapping[str, float], error: BaseException):
        self.values, self.error = dict(values), error
        shown = ", ".join(f"{k}={v:.6g}" for k, v in self.values.items())
        super().__init__(f"a particle's simulation failed ({type(error).__name__}: {error}) at {shown}; the populations "
                         "before this one are saved, and cogov calibrate --resume continues once it is fixed")

    def __reduce__(self):  # rebuilt from its values and error when it comes back from a worker process
        return SimulationFailed, (self.values, self.error)


class CalibrationDegenerate(CoGovInputError):
    """The sequential Monte Carlo lost its particles' diversity: a setting to change, not a bug."""


@dataclass
class CalibrationSettings:
    """What a calibration runs: which patterns, how many particles and populations, where."""

    patterns: tuple[str, ...] = ()
    particles: int = 200
    populations: int = 12
    min_epsilon: float = 1.0
    residents: int = CALIBRATION_RESIDENTS
    seed: int = 2024
    parameters: tuple[str, ...] = CALIBRATED
    #: Replications per particle: the distance reads their mean. One is the cheapest, but a
    #: particle can then be kept for a lucky draw (docs/validation.md, section 8).
    replications: int = 1

    def fitting(self) -> list[Pattern]:
        """The fitting patterns: the named ones, or every pattern not held out."""
        known = {p.id: p for p in PATTERNS}
        if self.patterns:
            bad = [n for n in self.patterns if n not in known]
            if bad:
                raise CoGovInputError(f"'{bad[0]}' is not a pattern; allowed: {', '.join(known)}", key="--patterns")
            return [known[n] for n in self.patterns]
        return [p for p in PATTERNS if not p.held_out]


def check_settings(s: CalibrationSettings) -> None:
    """One-line input errors before anything runs."""
    if s.particles < 2:
        raise CoGovInputError(f"{s.particles}; allowed: at least 2 particles", key="--particles")
    if s.populations < 1:
        raise CoGovInputError(f"{s.populations}; allowed: at least 1 population", key="--populations")
    if not 10 <= s.residents <= 200_000:
        raise CoGovInputError(f"{s.residents}; allowed: 10 to 200000 residents", key="--residents")
    if s.replications < 1:
        raise CoGovInputError(f"{s.replications}; allowed: at least 1 replication per particle", key="--replications")
    if not s.min_epsilon >= 0:
        raise CoGovInputError(f"{s.min_epsilon}; allowed: a distance of 0 or more", key="--min-epsilon")
    s.fitting()
    bad = [k for k in s.parameters if k not in CALIBRATED]
    if bad or not s.parameters:
        raise CoGovInputError(f"'{bad[0] if bad else ''}' is not a calibrated parameter; allowed: "
                              f"{', '.join(CALIBRATED)}", key="--parameters")


def check_folder(out: Path, resume: bool, populations: int | None = None) -> None:
    """A calibration is never written over: a new one needs a folder without one, ``--resume``
    a folder with one, and no fewer ``populations`` than it has done."""
    if out.exists() and not out.is_dir():
        raise CoGovInputError("is a file; allowed: a folder for the calibration", source=str(out), key="--out")
    here = (out / "state.json").exists() and (out / "calibration.json").exists()
    if resume and not here:
        raise CoGovInputError("nothing to resume; allowed: --resume with the folder of a calibration begun before",
                              source=str(out), key="--resume")
    if not resume and ((out / "calibration.json").exists() or (out / "state.json").exists()):
        raise CoGovInputError("a calibration is already here; allowed: --resume to continue it, or another --out",
                              source=str(out), key="--out")
    if resume and populations is not None:
        done = json.loads((out / "state.json").read_text())["t"] + 1
        if populations < done:
            raise CoGovInputError(f"{populations}; allowed: at least the {done} populations this calibration has done",
                                  source=str(out), key="--populations")


#: The value of each setting added after calibrations were first written: what one written
#: before it ran with.
SETTINGS_BEFORE: dict[str, Any] = {"replications": 1}


def resume_conflict(saved: dict[str, Any], now: dict[str, Any]) -> str | None:
    """What a resumed calibration would do differently from the one begun in a folder: the
    first setting (other than the number of populations), prior range, pattern target or
    tolerance, or sampler constant of manifest ``now`` that differs from ``saved``
    (``calibration.json``), named as ``section key``; None when they agree. A resume under other
    priors, targets or sampler constants would continue another calibration's particles."""
    now = json.loads(json.dumps(now))
    for section in ("settings", "priors", "observed", "tolerances", "sampler"):
        a, b = saved.get(section, {}), now.get(section, {})
        if section == "settings":  # settings added since a calibration began keep their old meaning
            a, b = {**SETTINGS_BEFORE, **a}, {**SETTINGS_BEFORE, **b}
        for key in sorted(set(a) | set(b)):
            if not (section == "settings" and key == "populations") and a.get(key) != b.get(key):
                return key if section == "settings" else f"{section} {key}"
    return None


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of values ``x`` with weights ``w`` (the inverse of the weighted
    empirical distribution function, midpoint convention)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    x, w = x[w > 0], w[w > 0]
    order = np.argsort(x)
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, x))


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2."""
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / (w * w).sum()) if w.size else 0.0


def weighted_covariance(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance matrix of the rows of ``x`` (particles by parameters) under weights
    ``w`` that sum to 1 (the population's, not the unbiased sample covariance)."""
    mean = w @ x
    return mean, np.atleast_2d((x - mean).T @ ((x - mean) * w[:, None]))


def identifiability(samples: Any, weights: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> Any:
    """Per parameter: prior range, posterior median and 90% interval, the interval's width as a
    share of the prior's 90% width (near 1: the patterns leave it free; small: they pin it down),
    and the parameter it is most correlated with in the posterior (weighted)."""
    import pandas as pd

    keys = list(ranges)
    x = samples[keys].to_numpy(float)
    w = np.asarray(weights, float) / np.sum(weights)
    _, cov = weighted_covariance(x, w)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 0.0)
    corr = np.nan_to_num(corr)
    rows = []
    for i, k in enumerate(keys):
        lo, hi = ranges[k]
        q05, q50, q95 = (weighted_quantile(x[:, i], w, q) for q in (0.05, 0.5, 0.95))
        j = int(np.argmax(np.abs(corr[i]))) if len(keys) > 1 else i
        rows.append({"parameter": k, "prior_low": lo, "prior_high": hi, "median": q50, "q05": q05, "q95": q95,
                     "width_share": (q95 - q05) / (0.9 * (hi - lo)) if hi > lo else float("nan"),
                     "most_correlated": keys[j] if j != i else "", "correlation": float(corr[i, j]) if j != i else 0.0})
    return pd.DataFrame(rows).sort_values("width_share").reset_index(drop=True)


def point_estimate(samples: Any, weights: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """The posterior's mode among its particles, rounded to 4 significant digits (the shipped
    defaults carry no false precision): the particle with the highest weighted Gaussian kernel
    density of the population, on the logit scale of each prior range (where the sampler moves),
    with the population's covariance times Scott's factor n_eff^(-2/(d+4)) as bandwidth.

    Not the marginal medians: where parameters trade off against each other (the grid's
    productivity against literacy's spread, participation's noise against the channels'
    dissimilarity), medians taken one at a time
    can make a parameter set far from every particle, one the patterns reject (docs/validation.md,
    section 8). The mode is a particle, so it met the last tolerance once. In two dozen dimensions
    Scott's bandwidth is most of the population's spread (0.74 of it at 27 parameters and 100
    particles), so the mode is close to the particle nearest the posterior's centre in the
    Mahalanobis sense rather than a sharp peak."""
    keys = list(ranges)
    lo = np.array([ranges[k][0] for k in keys], float)
    hi = np.array([ranges[k][1] for k in keys], float)
    z = to_logit(samples[keys].to_numpy(float), lo, hi)
    w = np.asarray(weights, float) / np.sum(weights)
    n, d = z.shape
    _, cov = weighted_covariance(z, w)
    factor = effective_sample_size(w) ** (-2.0 / (d + 4))
    precision = np.linalg.pinv(cov * factor)
    diff = z[:, None, :] - z[None, :, :]
    log_k = -0.5 * np.einsum("ijk,kl,ijl->ij", diff, precision, diff)
    peak = log_k.max(axis=1, keepdims=True)
    log_density = np.log(np.exp(log_k - peak) @ w) + peak[:, 0]
    best = samples[keys].to_numpy(float)[int(np.argmax(log_density))]
    return {k: float(f"{v:.4g}") for k, v in zip(keys, best, strict=True)}


def marginal_medians(samples: Any, weights: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Each parameter's weighted posterior median, rounded to 4 significant digits as
    :func:`point_estimate`: the candidate that sits at the centre of every marginal, though not
    necessarily near any particle where parameters trade off."""
    w = np.asarray(weights, float)
    return {k: float(f"{weighted_quantile(samples[k].to_numpy(float), w, 0.5):.4g}") for k in ranges}


def point_candidates(samples: Any, weights: np.ndarray,
                     ranges: Mapping[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    """The two candidates for the point estimate: ``mode``, the densest particle
    (:func:`point_estimate`), and ``medians``, the marginal medians (:func:`marginal_medians`)."""
    return {"mode": point_estimate(samples, weights, ranges), "medians": marginal_medians(samples, weights, ranges)}


def point_check_seeds(seed: int, n: int = POINT_SEEDS) -> list[int]:
    """The root seeds at which the candidates are simulated again: spawned from the calibration's
    seed under the name "point", so they are fresh (a particle's seeds come from its values)."""
    import zlib

    ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(b"point"),))
    return [int(x) for x in ss.generate_state(n, dtype=np.uint32)]


def choose_point(candidates: Mapping[str, Mapping[str, float]], patterns: Sequence[Pattern], *, seed: int,
                 residents: int, executor: Any) -> tuple[str, dict[str, Any]]:
    """Simulate every candidate at :func:`point_check_seeds` (:data:`POINT_REPLICATIONS` each)
    and return the name of the one at the smaller mean distance to ``patterns`` (the first named
    on a tie), with what was measured: each candidate's distance at each seed and its mean."""
    observed = {p.id: p.target for p in patterns}
    tol = {p.id: p.tolerance for p in patterns}
    names = list(candidates)
    seeds = point_check_seeds(seed)
    dist = {name: [math.nan] * len(seeds) for name in names}
    for j, root in enumerate(seeds):
        sim = Simulator(list(patterns), root, residents, POINT_REPLICATIONS)
        tasks = [(i, dict(candidates[name])) for i, name in enumerate(names)]
        for (i, _), result in executor.map_unordered(sim.task_at_seed, tasks):
            if isinstance(result, BaseException):
                raise result
            dist[names[i]][j] = distance(result, observed, tol)
    mean = {name: float(np.mean(d)) for name, d in dist.items()}
    chosen = min(names, key=lambda name: (mean[name], names.index(name)))
    return chosen, {"rule": "the candidate nearer the fitting patterns at fresh seeds", "chosen": chosen,
                    "seeds": seeds, "replications": POINT_REPLICATIONS, "residents": residents,
                    "distances": dist, "mean_distance": mean}


def point_estimate_toml(point: Mapping[str, float], *, note: str) -> str:
    """The point estimate as the TOML of ``cogov_sim/data/calibrated.toml``: sections as in a
    scenario file."""
    lines = [f"# {line}" if line else "#" for line in note.splitlines()] + [""]
    sections: dict[str, list[str]] = {}
    for key, value in point.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {value!r}")
    for section, items in sections.items():
        lines += [f"[{section}]", *items, ""]
    return "\n".join(lines)


class _Batch:
    """Simulates a batch of parameter sets on an executor: each set's distance and pattern values
    (rows in the order given), whatever order the workers finish in."""

    def __init__(self, sim: Simulator, keys: Sequence[str], observed: Mapping[str, float],
                 tolerances: Mapping[str, float], executor: Any):
        self.sim, self.keys, self.observed, self.tol, self.executor = sim, list(keys), observed, tolerances, executor
        self.patterns = list(observed)

    def __call__(self, values: np.ndarray, tick: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        tasks = [(i, {k: float(v) for k, v in zip(self.keys, row, strict=True)}) for i, row in enumerate(values)]
        dist = np.full(len(tasks), np.inf)
        stats = np.full((len(tasks), len(self.patterns)), np.nan)
        for done, ((i, _), result) in enumerate(self.executor.map_unordered(self.sim.task, tasks), start=1):
            if isinstance(result, BaseException):
                raise result
            stats[i] = [result.get(p, np.nan) for p in self.patterns]
            dist[i] = distance(result, self.observed, self.tol)
            if tick is not None:
                tick(done)
        return dist, stats


def _executor(workers: int, scheduler: str | None):
    from cogov_sim.experiments.executors import DaskExecutor, LocalExecutor, SerialExecutor

    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers) if workers > 1 else SerialExecutor()


def _save(out: Path, pop: Population, rng: np.random.Generator, rows: list[dict[str, Any]],
          frames: list[Any]) -> None:
    """The state a calibration resumes from: the population (logit scale) in ``state.<t>.npz``,
    every population's particles, then ``state.json`` (the generator's state, the diagnostics so
    far and which arrays file is current), each written whole before it replaces the last.
    ``state.json`` is replaced last and commits the population: a run that dies before it
    resumes from the population before, and rows of a later population are dropped on resume."""
    import pandas as pd

    arrays = f"state.{pop.t}.npz"
    np.savez(out / "state.tmp.npz", z=pop.z, distance=pop.distance, stats=pop.stats)
    (out / "state.tmp.npz").replace(out / arrays)
    pd.concat(frames, ignore_index=True).to_parquet(out / "populations.tmp.parquet", index=False)
    (out / "populations.tmp.parquet").replace(out / "populations.parquet")
    (out / "state.tmp.json").write_text(json.dumps({"t": pop.t, "epsilon": pop.epsilon, "acceptance": pop.acceptance,
                                                    "info": pop.info, "rng": generator_state(rng),
                                                    "populations": rows, "arrays": arrays}))
    (out / "state.tmp.json").replace(out / "state.json")
    for old in out.glob("state.*.npz"):
        if old.name != arrays:
            old.unlink()


def calibrate(settings: CalibrationSettings, out: Path, *, workers: int = 1, scheduler: str | None = None,
              resume: bool = False, progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run (or, with ``resume``, continue) the calibration into ``out`` and write its outputs.
    ``progress`` is called with each population's diagnostics and an estimate of the time left,
    and, with ``partial`` set, with the simulations done so far in a long population. Returns
    the diagnostics."""
    import pandas as pd

    check_settings(settings)
    fitting = settings.fitting()
    ranges = prior_ranges(settings.parameters)
    keys = list(ranges)
    observed = {p.id: p.target for p in fitting}
    tol = {p.id: p.tolerance for p in fitting}
    check_folder(out, resume)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"settings": {**settings.__dict__, "parameters": list(settings.parameters), "patterns": [p.id for p in fitting]},
                "priors": ranges, "observed": observed, "tolerances": tol,
                "sampler": {"method": "adaptive ABC-SMC with MCMC moves (Del Moral et al. 2012)", "survive": SURVIVE,
                            "move_miss": MOVE_MISS, "max_moves": MAX_MOVES, "min_acceptance": MIN_ACCEPTANCE,
                            "walk_scale": WALK_SCALE, "shrinkage": SHRINKAGE,
                            "generator": "SFC64(SeedSequence(seed, spawn_key=(crc32('calibration'),)))"}}
    state_file = out / "calibration.json"
    if resume:
        differ = resume_conflict(json.loads(state_file.read_text()), manifest)
        if differ:
            raise CoGovInputError(f"the calibration in this folder was begun with another {differ}; allowed: "
                                  "--resume with the same settings, priors, patterns and sampler (only --populations "
                                  "may change)", source=str(out), key="--resume")
    else:
        state_file.write_text(json.dumps(manifest, indent=1))
    lo = np.array([ranges[k][0] for k in keys])
    hi = np.array([ranges[k][1] for k in keys])
    rng = sampler_rng(settings.seed)
    executor = _executor(workers, scheduler)
    simulator = Simulator(fitting, settings.seed, settings.residents, settings.replications)
    sampler = Sampler(_Batch(simulator, keys, observed, tol, executor), lo, hi, settings.particles, rng)

    def frame(pop: Population) -> pd.DataFrame:
        df = pd.DataFrame(sampler.values(pop.z), columns=keys)
        df["weight"] = 1.0 / len(df)
        df["distance"] = pop.distance
        for j, pid in enumerate(observed):  # each particle's simulated patterns
            df[f"pattern.{pid}"] = pop.stats[:, j]
        df["population"] = pop.t
        return df

    started = time.perf_counter()
    timings: list[float] = []

    def report(pop: Population, seconds: float) -> dict[str, Any]:
        row = {"population": pop.t, "epsilon": pop.epsilon, **pop.info, "particles": settings.particles,
               "acceptance_rate": pop.acceptance, "effective_sample_size": float(pop.info["survivors"]),
               "wall_seconds": seconds}
        timings.append(seconds)
        if progress is not None:
            left = settings.populations - 1 - pop.t
            progress({**row, "of": settings.populations, "eta_seconds": float(np.mean(timings[-3:])) * left})
        return row

    def ticker(t: int) -> Callable[[int], None]:
        """Progress within a population, every 30 seconds at most (a population of the full
        calibration takes minutes)."""
        last = [time.perf_counter()]

        def tick(done: int) -> None:
            now = time.perf_counter()
            if progress is not None and now - last[0] >= 30.0:
                last[0] = now
                progress({"partial": True, "population": t, "of": settings.populations, "simulated": done,
                          "elapsed_seconds": now - started})
        return tick

    try:
        if resume:
            check_folder(out, True, settings.populations)
            state = json.loads((out / "state.json").read_text())
            arrays = np.load(out / state.get("arrays", "state.npz"))
            pop = Population(state["t"], arrays["z"], arrays["distance"], arrays["stats"], state["epsilon"],
                             state["acceptance"], state["info"])
            set_generator_state(rng, state["rng"])
            rows = state["populations"]
            done = read_table(out / "populations.parquet")
            frames = [done[done["population"] <= state["t"]]]
        else:
            t0 = time.perf_counter()
            pop = sampler.start(ticker(0))
            rows = [report(pop, time.perf_counter() - t0)]
            frames = [frame(pop)]
            _save(out, pop, rng, rows, frames)
        stop = _stopped(pop, settings, rows)
        while stop is None:
            t0 = time.perf_counter()
            try:
                pop = sampler.step(pop, settings.min_epsilon, ticker(pop.t + 1))
            except ValueError as exc:
                raise CalibrationDegenerate(f"{exc} after population {pop.t}; allowed: other --parameters or "
                                            "--patterns, in a new --out") from None
            rows.append(report(pop, time.perf_counter() - t0))
            frames.append(frame(pop))
            _save(out, pop, rng, rows, frames)
            stop = _stopped(pop, settings, rows)
        last = frame(pop)
        candidates = point_candidates(last, last["weight"].to_numpy(), ranges)
        if progress is not None:
            progress({"point": True, "seeds": POINT_SEEDS, "candidates": list(candidates)})
        chosen, point_check = choose_point(candidates, fitting, seed=settings.seed, residents=settings.residents,
                                           executor=executor)
    finally:
        executor.close()
    diag = {"populations": rows, "simulations": int(sum(r["simulations"] for r in rows)), "stopped": stop,
            "wall_seconds": float(sum(r["wall_seconds"] for r in rows)), "point": point_check}
    write_outputs(out, last, pd.concat(frames, ignore_index=True), ranges, settings, diag,
                  point=candidates[chosen])
    return diag


def _stopped(pop: Population, settings: CalibrationSettings, rows: list[dict[str, Any]]) -> str | None:
    """Why the calibration stops after ``pop``, or None to go on."""
    if pop.t + 1 >= settings.populations:
        return f"{settings.populations} populations"
    if pop.t > 0 and pop.epsilon <= settings.min_epsilon:
        return f"tolerance {settings.min_epsilon:g} reached"
    if pop.t > 0 and pop.acceptance < MIN_ACCEPTANCE:
        return f"fewer than {MIN_ACCEPTANCE:.0%} of moves accepted"
    return None


def read_posterior(path: str | None):
    """A calibration's posterior (``posterior.parquet`` of ``cogov calibrate``), or the shipped one
    (``cogov_sim/data/posterior.parquet``, of the adopted calibration): its columns must be
    calibrated parameters and finite, non-negative weights."""
    import pandas as pd

    if path is None:
        from importlib.resources import files

        shipped = files("cogov_sim").joinpath("data", "posterior.parquet")
        if not shipped.is_file():
            raise CoGovInputError("no posterior is shipped with this version; allowed: --posterior-file with the "
                                  "posterior.parquet of cogov calibrate", key="--posterior")
        source, where = str(shipped), shipped
    else:
        source, where = path, Path(path)
        if not where.is_file():
            raise CoGovInputError("no such file; allowed: the posterior.parquet of cogov calibrate", source=source,
                                  key="--posterior-file")
    try:
        post = read_table(where)
    except Exception as exc:  # not Parquet, or damaged
        raise CoGovInputError(f"cannot be read as Parquet ({exc.__class__.__name__}); allowed: the posterior.parquet "
                              "of cogov calibrate", source=source, key="--posterior-file") from None
    unknown = [c for c in post.columns if c != "weight" and c not in CALIBRATED]
    if unknown or "weight" not in post.columns or len(post) == 0:
        what = (f"'{unknown[0]}' is not a calibrated parameter" if unknown else "no 'weight' column or no rows")
        raise CoGovInputError(f"{what}; allowed: the posterior.parquet of cogov calibrate", source=source,
                              key="--posterior-file")
    w = pd.to_numeric(post["weight"], errors="coerce").to_numpy(float)
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise CoGovInputError("weights that are missing, negative or all zero; allowed: the posterior.parquet of "
                              "cogov calibrate", source=source, key="weight")
    return post


def write_outputs(out: Path, last: Any, populations: Any, ranges: Mapping[str, tuple[float, float]],
                  settings: CalibrationSettings, diag: Mapping[str, Any],
                  point: Mapping[str, float] | None = None) -> None:
    """The posterior, every population, diagnostics, identifiability, point estimate (``point``,
    as :func:`choose_point` chose it; the densest particle when not given) and figures."""
    last = last[[*ranges, "weight"]]
    last.to_parquet(out / "posterior.parquet", index=False)
    populations.to_parquet(out / "populations.parquet", index=False)
    (out / "diagnostics.json").write_text(json.dumps(diag, indent=1))
    ident = identifiability(last, last["weight"].to_numpy(), ranges)
    ident.to_csv(out / "identifiability.csv", index=False)
    if point is None:
        point = point_estimate(last, last["weight"].to_numpy(), ranges)
    eps = diag["populations"][-1]["epsilon"] if diag["populations"] else float("nan")
    which = {"mode": "the posterior mode among the particles", "medians": "the posterior's marginal medians"}.get(
        diag.get("point", {}).get("chosen", "mode"))
    note = (f"The calibrated parameters of cogov_sim: {which} (the nearer of the two candidates\n"
            f"to the fitting patterns at fresh seeds) of an ABC-SMC calibration\n"
            f"(cogov calibrate: {settings.particles} particles, {len(diag['populations'])} populations, last tolerance "
            f"{eps:.3g}\nin units of the patterns' tolerances, {settings.residents} residents, "
            f"{settings.replications} replication{'s' * (settings.replications > 1)} a particle, seed {settings.seed}).")
    (out / "point_estimate.toml").write_text(point_estimate_toml(point, note=note))
