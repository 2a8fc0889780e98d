"""Screening the calibrated parameters against the patterns: which parameters can move which
pattern at all, before a calibration spends its simulations on them (Morris 1991,
Technometrics 33(2):161-174; Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw.
22:1509-1518).

A Morris design over the plausible ranges of the parameters (:data:`CALIBRATED` by default)
runs every scenario the patterns need at every design point, one run per replication, with the
same seeds at every point (common random numbers: an elementary effect is then the parameter's
effect, not the difference of two draws of chance). Each pattern's value is read in units of its
tolerance, so that effects on different patterns compare. For each pattern and for the distance
of the fitting patterns (:func:`cogov_sim.validation.calibration.distance`) it gives each
parameter's elementary effects over the whole plausible range: mu* (mean absolute effect), its
95% bootstrap interval and sigma (interaction or non-linearity).

A parameter is *influential* when the lower end of its mu* interval on some fitting pattern is
at least :data:`INFLUENCE` tolerance units: over its plausible range it moves a pattern by more
than the pattern's sources can tell apart from noise. The others cannot be pinned down by the
patterns; a calibration leaves them at their defaults (``cogov calibrate --parameters``).

What a screening writes (``cogov screen --out DIR``): ``points.parquet`` (every design point's
parameter values, each pattern's value and the distance), ``effects.csv`` (parameter, pattern,
mu, mu*, its interval and sigma, in tolerance units), ``reach.csv`` (per pattern: target,
tolerance and the range of values over the design, and the share of points within tolerance:
whether the model can reach the observation anywhere in the prior box), ``influential.txt``
(one parameter key a line, ready for ``cogov calibrate --parameters $(cat ...)``),
``screening.json`` (settings and timing) and ``effects.png``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.validation.calibration import CALIBRATED, CALIBRATION_RESIDENTS, distance, prior_ranges
from cogov_sim.validation.patterns import (
    PATTERNS,
    Pattern,
    measure_group,
    pattern_tasks,
    pattern_values,
    runs_per_replication,
    start_groups,
)

#: Lower bound of mu*'s 95% interval, in tolerance units over the whole plausible range, at which
#: a parameter counts as influential: a quarter of a tolerance is about what a pattern measured
#: on two replications at the calibration size resolves (replication sd 0.1-0.2 tolerances).
#: Modelling choice, declared before the screening was run.
INFLUENCE = 0.25

#: The pseudo-pattern of the fitting patterns' distance (tolerance units) in the effects table.
DISTANCE = "distance"


@dataclass
class ScreeningSettings:
    """What a screening runs: which parameters, how many Morris trajectories on how many grid
    levels, replications per point, residents per run and the root seed."""

    parameters: tuple[str, ...] = CALIBRATED
    trajectories: int = 10
    levels: int = 4
    replications: int = 2
    residents: int = CALIBRATION_RESIDENTS
    seed: int = 2024

    @property
    def points(self) -> int:
        return self.trajectories * (len(self.parameters) + 1)

    def runs(self) -> int:
        return self.points * self.replications * runs_per_replication(PATTERNS)


def check_settings(s: ScreeningSettings) -> None:
    """One-line input errors before anything runs."""
    bad = [k for k in s.parameters if k not in CALIBRATED]
    if bad or len(s.parameters) < 2:
        raise CoGovInputError(f"'{bad[0] if bad else ' '.join(s.parameters)}' is not a calibrated parameter or too "
                              f"few to screen; allowed: two or more of {', '.join(CALIBRATED)}", key="--parameters")
    if len(set(s.parameters)) != len(s.parameters):
        raise CoGovInputError("a parameter is named twice; allowed: each once", key="--parameters")
    if s.trajectories < 2:
        raise CoGovInputError(f"{s.trajectories}; allowed: at least 2 trajectories", key="--trajectories")
    if s.levels < 2 or s.levels % 2:
        raise CoGovInputError(f"{s.levels}; allowed: an even number of levels, at least 2", key="--levels")
    if s.replications < 1:
        raise CoGovInputError(f"{s.replications}; allowed: at least 1 replication", key="--replications")
    if not 10 <= s.residents <= 200_000:
        raise CoGovInputError(f"{s.residents}; allowed: 10 to 200000 residents", key="--residents")


def check_folder(out: Path) -> None:
    """A screening is never written over."""
    if out.exists() and not out.is_dir():
        raise CoGovInputError("is a file; allowed: a folder for the screening", source=str(out), key="--out")
    if (out / "screening.json").exists():
        raise CoGovInputError("a screening is already here; allowed: another --out", source=str(out), key="--out")


def factors(settings: ScreeningSettings):
    """The design's factors: each parameter uniform on its plausible range."""
    from cogov_sim.experiments.design import Factor

    return [Factor(k, low=lo, high=hi) for k, (lo, hi) in prior_ranges(settings.parameters).items()]


def design(settings: ScreeningSettings) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The Morris design: the unit-cube trajectories and each point's parameter values, drawn
    from the design stream of the root seed."""
    from cogov_sim.experiments.design import DesignSpec, design_matrix, design_seed

    spec = DesignSpec(kind="morris", samples=settings.trajectories, levels=settings.levels)
    unit, points = design_matrix(factors(settings), spec, design_seed(settings.seed))
    return unit, points


def _task(task: tuple[int, tuple]) -> dict[tuple[str, int], dict[str, float]]:
    """A design point's group of pattern runs that share a start (:func:`start_groups`)."""
    return measure_group(task[1])


def screen(settings: ScreeningSettings, out: Path, *, executor=None,
           progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the screening into ``out`` and write its outputs; ``progress`` is called as design
    points finish (points done, of, seconds so far, estimated seconds left). Returns the summary
    of ``screening.json``."""
    import pandas as pd

    from cogov_sim.analysis.sensitivity import morris_effects
    from cogov_sim.experiments.executors import SerialExecutor

    check_settings(settings)
    check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    unit, points = design(settings)
    tasks = [(i, group) for i, values in enumerate(points)
             for group in start_groups(pattern_tasks(seed=settings.seed, replications=settings.replications,
                                                     overrides=values, patterns=PATTERNS, residents=settings.residents))]
    runs = sum(len(group) for _, group in tasks)
    per_point = runs // len(points)
    measured: list[dict[tuple[str, int], dict[str, float]]] = [{} for _ in points]
    started = time.perf_counter()
    done = 0
    for task, res in (executor or SerialExecutor()).map_unordered(_task, tasks):
        if isinstance(res, BaseException):
            raise res
        i = task[0]
        measured[i].update(res)
        if len(measured[i]) == per_point:
            done += 1
            if progress is not None:
                spent = time.perf_counter() - started
                progress({"done": done, "of": len(points), "seconds": spent,
                          "eta_seconds": spent / done * (len(points) - done)})
    fitting = [p for p in PATTERNS if not p.held_out]
    rows = []
    for values, m in zip(points, measured, strict=True):
        res = {r.pattern.id: r.value for r in pattern_values(PATTERNS, m, settings.replications)}
        dist = distance(res, {p.id: p.target for p in fitting}, {p.id: p.tolerance for p in fitting})
        rows.append({**values, **res, DISTANCE: dist})
    table = pd.DataFrame(rows)
    table.to_parquet(out / "points.parquet", index=False)
    effects = elementary_effects(table, unit, settings, PATTERNS, morris_effects)
    effects.to_csv(out / "effects.csv", index=False)
    reach = pattern_reach(table, PATTERNS)
    reach.to_csv(out / "reach.csv", index=False)
    chosen = influential(effects, fitting)
    (out / "influential.txt").write_text("".join(f"{k}\n" for k in chosen))
    summary = {"settings": {**asdict(settings), "parameters": list(settings.parameters)},
               "points": len(points), "runs": runs, "wall_seconds": time.perf_counter() - started,
               "influence_threshold": INFLUENCE, "influential": chosen,
               "fitting_patterns": [p.id for p in fitting], "best": best_point(table, PATTERNS)}
    (out / "screening.json").write_text(json.dumps(summary, indent=1))
    return summary


def elementary_effects(table, unit: np.ndarray, settings: ScreeningSettings, patterns: Sequence[Pattern],
                       analyse: Callable[..., Any]):
    """The Morris statistics of every parameter on every pattern and on the distance, in units
    of each pattern's tolerance over the parameter's whole plausible range. A pattern that could
    not be measured at some point (NaN: no pilot was evaluated) is left out, with a note."""
    import pandas as pd

    fs = factors(settings)
    frames = []
    for name, tol in [(p.id, p.tolerance) for p in patterns] + [(DISTANCE, 1.0)]:
        y = table[name].to_numpy(float)
        if not np.isfinite(y).all():
            continue
        t = analyse(fs, unit, y / tol, levels=settings.levels, seed=settings.seed)
        frames.append(t.rename(columns={"factor": "parameter"}).assign(pattern=name))
    effects = pd.concat(frames, ignore_index=True)
    return effects[["parameter", "pattern", "mu", "mu_star", "mu_star_conf", "sigma"]]


def influential(effects, fitting: Sequence[Pattern], threshold: float = INFLUENCE) -> list[str]:
    """Parameters whose mu* on some fitting pattern is at least ``threshold`` tolerance units at
    the lower end of its 95% interval, strongest first."""
    ids = {p.id for p in fitting}
    fit = effects[effects["pattern"].isin(ids)].copy()
    fit["low"] = fit["mu_star"] - fit["mu_star_conf"]
    best = fit.groupby("parameter")["low"].max().sort_values(ascending=False)
    return [k for k, v in best.items() if v >= threshold]


def best_point(table, patterns: Sequence[Pattern]) -> dict[str, Any]:
    """The design point nearest the fitting patterns (least distance): its index, distance, and
    which patterns (held-out ones too) are within tolerance there."""
    i = int(np.nanargmin(table[DISTANCE].to_numpy(float)))
    row = table.iloc[i]
    ok = {}
    for p in patterns:
        v = float(row[p.id])
        ok[p.id] = bool(math.isfinite(v) and abs(v - p.target) <= p.tolerance and (p.floor is None or v > p.floor))
    return {"point": i, "distance": float(row[DISTANCE]), "within": sum(ok.values()), "patterns": ok}


def pattern_reach(table, patterns: Sequence[Pattern]):
    """Per pattern, the values the model takes over the design: lowest, median and highest, and
    the share of design points within tolerance (a target outside every point's value is out of
    the model's reach anywhere in the prior box, unless parameters must combine in a way the
    design did not visit)."""
    import pandas as pd

    rows = []
    for p in patterns:
        v = table[p.id].to_numpy(float)
        ok = np.isfinite(v)
        within = np.abs(v[ok] - p.target) <= p.tolerance
        if p.floor is not None:
            within &= v[ok] > p.floor
        rows.append({"pattern": p.id, "held_out": p.held_out, "target": p.target, "tolerance": p.tolerance,
                     "low": float(np.min(v[ok])) if ok.any() else math.nan,
                     "median": float(np.median(v[ok])) if ok.any() else math.nan,
                     "high": float(np.max(v[ok])) if ok.any() else math.nan,
                     "share_within": float(within.mean()) if ok.any() else math.nan,
                     "unmeasured": int((~ok).sum())})
    return pd.DataFrame(rows)
