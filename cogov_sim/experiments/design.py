"""Experiments: a base scenario, factors, a design, replications, a root seed and the outcomes to keep.

An experiment file (TOML, in ``experiments/``) declares what to vary and how, as data::

    name = "age_gap"
    scenario = "baseline"            # a path relative to this file, or a scenario name
    replications = 5
    seed = 2024
    [set]                            # fixed changes to the base scenario
    "run.steps" = 104
    [design]
    kind = "latin_hypercube"         # full_factorial | latin_hypercube | sobol | morris
    samples = 32
    [[factors]]
    key = "levers.digital_investment"
    role = "lever"                   # lever (a policy choice) or uncertainty (a fact we do not know)
    low = 0.0
    high = 300000.0
    [[factors]]
    key = "levers.online_platform"
    values = [false, true]
    [outcomes]
    names = ["participation_gap_age", "cumulative_spend"]
    keep = ["summary", "final"]      # final value, summary statistics over a window, and/or every step
    window = 52
    stats = ["mean"]

Every design point is run once per replication. Replication ``r`` uses the same seed at every
design point (common random numbers across the design), spawned from the root seed with
:func:`cogov_sim.model.rng.replication_seeds`; design sampling draws from its own stream of the root
seed. A run is therefore fully determined by (experiment, run id), whatever executes it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.model import shipped
from cogov_sim.model.outcomes import OUTCOME_NAMES
from cogov_sim.model.parameters import PARAMETERS
from cogov_sim.model.rng import replication_seeds
from cogov_sim.model.scenario import Scenario, coerce, find_named_file, load_scenario, suggest

DESIGNS: tuple[str, ...] = ("full_factorial", "latin_hypercube", "sobol", "morris")
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular", "loguniform", "normal")
ROLES: tuple[str, ...] = ("uncertainty", "lever")
KEEP: tuple[str, ...] = ("final", "summary", "per_step")
STATS: tuple[str, ...] = ("mean", "sd", "min", "max")
TOP_KEYS: tuple[str, ...] = ("name", "description", "description_zh", "scenario", "replications", "seed", "set",
                             "design", "factors", "outcomes")


# ------------------------------------------------------------------------------------------ factors
@dataclass(frozen=True)
class Factor:
    """One thing an experiment varies: a list of values, or a range with a distribution.

    ``key`` is a dotted scenario key for model experiments; designs themselves accept any name
    (so a design can drive a test function). ``from_unit`` maps a point of the unit interval to a
    value: the quantile function of the distribution for a range, and equal slices for a list.
    """

    key: str
    role: str = "uncertainty"
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    distribution: str = "uniform"
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    levels: int | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.values is None

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for unit-interval points ``u`` (each in [0, 1])."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            return [self.values[i] for i in idx]
        x = _quantile(self, u)
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]

    def grid(self) -> list[Any]:
        """The levels of a full factorial: the listed values, or ``levels`` evenly spaced points
        of the range from low to high inclusive."""
        if self.values is not None:
            return list(self.values)
        pts = np.linspace(self.low, self.high, int(self.levels or 2))
        if self.integer:
            return sorted({int(v) for v in np.rint(pts)})
        return [float(v) for v in pts]


def _quantile(f: Factor, u: np.ndarray) -> np.ndarray:
    lo, hi = float(f.low), float(f.high)
    if f.distribution == "uniform":
        return lo + u * (hi - lo)
    if f.distribution == "loguniform":
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    if f.distribution == "triangular":
        from scipy.stats import triang

        c = (float(f.mode) - lo) / (hi - lo)
        return triang.ppf(u, c, loc=lo, scale=hi - lo)
    if f.distribution == "normal":  # truncated to [low, high]
        from scipy.stats import truncnorm

        a, b = (lo - f.mean) / f.sd, (hi - f.mean) / f.sd
        return truncnorm.ppf(u, a, b, loc=f.mean, scale=f.sd)
    raise ValueError(f.distribution)


# ------------------------------------------------------------------------------------------ designs
@dataclass(frozen=True)
class DesignSpec:
    """How design points are chosen.

    ``samples``: latin_hypercube points; sobol's base sample N (a power of 2; the design has
    N (2d + 2) points with second-order indices, N (d + 2) without); morris trajectories r (the
    design has r (d + 1) points). ``levels``: the grid of a morris design, and the levels of a
    range in a full factorial.
    """

    kind: str = "full_factorial"
    samples: int | None = None
    levels: int = 4
    second_order: bool = False


def design_seed(root_seed: int) -> int:
    """Seed of the design sampling, a named stream of the root seed (independent of the runs)."""
    seq = np.random.SeedSequence(int(root_seed), spawn_key=(zlib.crc32(b"design"),))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def salib_problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of a design: every factor on the unit interval (values are mapped after)."""
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def design_matrix(factors: Sequence[Factor], design: DesignSpec, seed: int) -> tuple[np.ndarray | None,
                                                                                    list[dict[str, Any]]]:
    """The design points: the unit-cube sample (None for a full factorial) and each point's values.

    Latin hypercube: scipy's ``qmc.LatinHypercube`` (McKay, Beckman & Conover 1979). Sobol:
    Saltelli's extension of the Sobol sequence through SALib (Saltelli et al. 2010). Morris:
    elementary-effect trajectories through SALib (Morris 1991; Campolongo et al. 2007).
    """
    keys = [f.key for f in factors]
    if design.kind == "full_factorial":
        grids = [f.grid() for f in factors]
        return None, [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grids)]
    d = len(factors)
    if design.kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(int(design.samples))
    elif design.kind == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(salib_problem(factors), int(design.samples), calc_second_order=design.second_order,
                            seed=seed)
    elif design.kind == "morris":
        from SALib.sample import morris

        unit = morris.sample(salib_problem(factors), int(design.samples), num_levels=design.levels, seed=seed)
    else:
        raise ValueError(design.kind)
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    points = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    return unit, points


def design_size(n_factors: int, design: DesignSpec, factors: Sequence[Factor] = ()) -> int:
    """How many points a design has."""
    if design.kind == "full_factorial":
        return math.prod(len(f.grid()) for f in factors)
    if design.kind == "latin_hypercube":
        return int(design.samples)
    if design.kind == "sobol":
        return int(design.samples) * (2 * n_factors + 2 if design.second_order else n_factors + 2)
    return int(design.samples) * (n_factors + 1)


# --------------------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class OutcomeSpec:
    """Which outcomes to keep and how: the value at the last step (``final``, column ``name``),
    statistics over the last ``window`` steps (``summary``, columns ``name_stat``) and the whole
    trajectory (``per_step``, a separate table with one row per run and step)."""

    names: tuple[str, ...] = ("participation_rate", "participation_gap_age", "mean_trust", "resolution_rate",
                              "satisfaction", "cumulative_spend")
    keep: tuple[str, ...] = ("final", "summary")
    window: int = 52
    stats: tuple[str, ...] = ("mean",)

    def columns(self) -> list[str]:
        cols = []
        if "final" in self.keep:
            cols += list(self.names)
        if "summary" in self.keep:
            cols += [f"{n}_{s}" for n in self.names for s in self.stats]
        return cols

    def summarise(self, series: Mapping[str, np.ndarray]) -> dict[str, float]:
        """The kept values of one run from its per-step outcomes (NaN steps are skipped)."""
        row: dict[str, float] = {}
        if "final" in self.keep:
            for n in self.names:
                row[n] = float(series[n][-1])
        if "summary" in self.keep:
            for n in self.names:
                x = np.asarray(series[n][-self.window:], dtype=np.float64)
                x = x[~np.isnan(x)]
                for s in self.stats:
                    if x.size == 0:
                        row[f"{n}_{s}"] = float("nan")
                    elif s == "mean":
                        row[f"{n}_{s}"] = float(x.mean())
                    elif s == "sd":
                        row[f"{n}_{s}"] = float(x.std(ddof=1)) if x.size > 1 else 0.0
                    elif s == "min":
                        row[f"{n}_{s}"] = float(x.min())
                    else:
                        row[f"{n}_{s}"] = float(x.max())
        return row


# ------------------------------------------------------------------------------------- experiment
@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: a design point under one replication seed."""

    run_id: int
    point: int
    replication: int
    seed: int
    values: Mapping[str, Any]
    #: Which posterior parameter set the run uses (0 without a posterior).
    draw: int = 0


@dataclass(frozen=True)
class Experiment:
    """A validated experiment. Build one with :func:`load_experiment` or directly in Python."""

    name: str
    base: Scenario
    factors: tuple[Factor, ...]
    design: DesignSpec = DesignSpec()
    replications: int = 1
    seed: int = 0
    outcomes: OutcomeSpec = OutcomeSpec()
    description: str = ""
    scenario_file: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    #: Parameter sets drawn from a calibration's posterior (``cogov sweep --posterior N``): every
    #: design point runs ``replications`` times under each, so that its outcome carries parameter
    #: uncertainty as well as chance. Empty: the model's defaults.
    posterior: tuple[Mapping[str, float], ...] = ()

    @property
    def draws(self) -> int:
        """Parameter sets each design point runs under (1 without a posterior)."""
        return max(1, len(self.posterior))

    @property
    def runs_per_point(self) -> int:
        return self.replications * self.draws

    def points(self) -> tuple[np.ndarray | None, list[dict[str, Any]]]:
        """The unit-cube sample (None for a full factorial) and every design point's values."""
        return design_matrix(self.factors, self.design, design_seed(self.seed))

    def replication_seeds(self) -> list[int]:
        """One seed per replication of each parameter set (``replications * draws``), the same at
        every design point (common random numbers)."""
        return replication_seeds(self.seed, self.runs_per_point)

    def runs(self) -> list[RunSpec]:
        """Every run, ``run_id = point * runs_per_point + replication``; with a posterior,
        replication ``j`` runs under parameter set ``j // replications`` (nested: every set has
        ``replications`` seeds of its own)."""
        _, points = self.points()
        seeds = self.replication_seeds()
        n = self.runs_per_point
        out = []
        for p, values in enumerate(points):
            for j in range(n):
                d = j // self.replications
                merged = {**self.posterior[d], **values} if self.posterior else values
                out.append(RunSpec(p * n + j, p, j, seeds[j], merged, d))
        return out

    def scenario_for(self, run: RunSpec) -> Scenario:
        """The scenario of one run: the base with the point's values and the replication seed."""
        return self.base.with_values({**run.values, "run.seed": run.seed}, source=f"{self.name}, point {run.point}")

    def with_base_values(self, values: Mapping[str, Any]) -> Experiment:
        """The same experiment on a changed base scenario (e.g. smaller, for a quick check)."""
        return replace(self, base=self.base.with_values(values, source=self.source or self.name),
                       fixed={**self.fixed, **values})

    def to_dict(self) -> dict[str, Any]:
        """The experiment as plain data, with the fully resolved base scenario."""
        return {
            "name": self.name, "description": self.description, "scenario_file": self.scenario_file,
            "fixed": dict(self.fixed), "replications": self.replications, "seed": self.seed,
            "design": vars(self.design).copy(),
            "factors": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(f).items() if v is not None}
                        for f in self.factors],
            "outcomes": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.outcomes).items()},
            "base_scenario": self.base.to_dict(),
            **({"posterior_draws": [dict(d) for d in self.posterior]} if self.posterior else {}),
        }

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs' results (to recognise a results folder)."""
        d = self.to_dict()
        d.pop("description")
        d.pop("scenario_file")
        text = json.dumps(d, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# -------------------------------------------------------------------------------------- loading
def _err(msg: str, src: str, key: str | None = None) -> CoGovInputError:
    return CoGovInputError(msg, source=src, key=key)


def _resolve_scenario(ref: str, exp_path: Path) -> Path:
    """The experiment's base scenario: a path relative to the experiment file, else a path or a
    scenario name looked up as on the command line (./scenarios/, then the shipped scenarios).
    The experiment file itself is never its own scenario (``experiments/baseline.toml`` with
    ``scenario = "baseline"`` means the scenario of that name)."""
    for candidate in (exp_path.parent / ref, exp_path.parent / f"{ref}.toml"):
        if candidate.is_file() and candidate.resolve() != exp_path.resolve():
            return candidate
    found = shipped.locate(ref, "scenarios", skip=exp_path)
    if found is not None:
        return found
    raise _err(shipped.not_found(ref, "scenarios", f"scenario '{ref}'", "a path relative to the experiment file",
                                 first="next to the experiment file, then as a path"), str(exp_path), "scenario")


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _parse_factor(raw: Any, i: int, src: str, keys_seen: set[str]) -> Factor:
    where = f"factors[{i}]"
    if not isinstance(raw, dict):
        raise _err("each factor must be a table ([[factors]])", src, where)
    allowed = ("key", "role", "values", "low", "high", "distribution", "mode", "mean", "sd", "levels")
    for k in raw:
        if k not in allowed:
            raise _err(f"unknown factor setting '{k}'{suggest(k, allowed)}; allowed: {', '.join(allowed)}", src,
                       where)
    key = raw.get("key")
    if not isinstance(key, str):
        raise _err("missing 'key'; allowed: a dotted scenario key such as levers.digital_investment", src, where)
    if key not in PARAMETERS:
        raise _err(f"unknown parameter{suggest(key, list(PARAMETERS))}; see `cogov params`", src, f"{where}.key={key}")
    if key in keys_seen:
        raise _err("the same key is varied twice", src, key)
    if key == "run.seed":
        raise _err("the seed is set by replications and the root seed; allowed: any other parameter", src, key)
    keys_seen.add(key)
    spec = PARAMETERS[key]
    role = raw.get("role", "lever" if spec.lever else "uncertainty")
    if role not in ROLES:
        raise _err(f"role {role!r} is not allowed; allowed: {', '.join(ROLES)}", src, key)
    if "values" in raw:
        if any(k in raw for k in ("low", "high", "distribution", "mode", "mean", "sd")):
            raise _err("give either 'values' or a range ('low', 'high'), not both", src, key)
        values = raw["values"]
        if not isinstance(values, list) or not values:
            raise _err("'values' must be a non-empty list", src, key)
        checked = tuple(coerce(spec, v, source=src) for v in values)
        if len(set(map(repr, checked))) != len(checked):
            raise _err(f"'values' repeats a value: {values!r}", src, key)
        return Factor(key=key, role=role, values=checked)
    if spec.type not in (int, float):
        raise _err(f"a {spec.type.__name__} parameter needs a list of 'values'; allowed: {spec.describe_allowed()}",
                   src, key)
    lo, hi = raw.get("low"), raw.get("high")
    if lo is None and hi is None:  # no range given: the parameter's plausible range (model/parameters.py)
        if spec.plausible is None:
            raise _err("this parameter has no plausible range; allowed: give 'low' and 'high', or 'values'", src, key)
        lo, hi = spec.plausible
    if not (_number(lo) and _number(hi)):
        raise _err("a range needs numbers 'low' and 'high' (or give 'values', or neither to use the parameter's "
                   "plausible range)", src, key)
    coerce(spec, int(lo) if spec.type is int else float(lo), source=src)
    coerce(spec, int(hi) if spec.type is int else float(hi), source=src)
    if not lo < hi:
        raise _err(f"empty range: low = {lo} is not below high = {hi}", src, key)
    dist = raw.get("distribution", "uniform")
    if dist not in DISTRIBUTIONS:
        raise _err(f"distribution {dist!r} is not allowed; allowed: {', '.join(DISTRIBUTIONS)}"
                   f"{suggest(str(dist), DISTRIBUTIONS)}", src, key)
    mode = raw.get("mode")
    mean, sd = raw.get("mean"), raw.get("sd")
    if dist == "triangular" and not (_number(mode) and lo <= mode <= hi):
        raise _err("a triangular distribution needs 'mode' between low and high", src, key)
    if dist == "normal" and not (_number(mean) and _number(sd) and sd > 0):
        raise _err("a normal distribution (truncated to low-high) needs 'mean' and a positive 'sd'", src, key)
    if dist == "loguniform" and lo <= 0:
        raise _err("a loguniform distribution needs low > 0", src, key)
    levels = raw.get("levels")
    if levels is not None and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 2):
        raise _err(f"levels = {levels!r}; allowed: an integer of at least 2", src, key)
    return Factor(key=key, role=role, low=float(lo), high=float(hi), distribution=dist,
                  mode=float(mode) if mode is not None else None, mean=float(mean) if mean is not None else None,
                  sd=float(sd) if sd is not None else None, levels=levels, integer=spec.type is int)


#: Groups of factors a ``[[factors]]`` table can name with ``all``: each becomes one factor per
#: parameter on its plausible range (uniform; integers stay integers).
GROUPS: dict[str, str] = {"uncertain": "every uncertain parameter (model.parameters.UNCERTAIN)"}


def _expand_groups(raw_factors: list[Any], src: str) -> list[Any]:
    """``[[factors]] all = "uncertain"`` stands for one factor per uncertain parameter not
    listed in another factor table (so that a listed factor can give its own range), with an
    optional ``except`` list of keys to leave out."""
    from cogov_sim.model.parameters import UNCERTAIN

    listed = {r.get("key") for r in raw_factors if isinstance(r, dict) and "all" not in r}
    out: list[Any] = []
    for i, raw in enumerate(raw_factors):
        if not (isinstance(raw, dict) and "all" in raw):
            out.append(raw)
            continue
        where = f"factors[{i}]"
        extra = [k for k in raw if k not in ("all", "except")]
        if extra:
            raise _err(f"a group factor takes only 'all' and 'except', not '{extra[0]}'", src, where)
        if raw["all"] not in GROUPS:
            raise _err(f"{raw['all']!r} is not a group; allowed: {', '.join(f'{k} ({v})' for k, v in GROUPS.items())}",
                       src, f"{where}.all")
        leave = raw.get("except", [])
        if not isinstance(leave, list) or any(k not in UNCERTAIN for k in leave):
            bad = next((k for k in leave if k not in UNCERTAIN), leave) if isinstance(leave, list) else leave
            raise _err(f"{bad!r} is not an uncertain parameter; allowed: a list of keys of the group", src,
                       f"{where}.except")
        out.extend({"key": k} for k in UNCERTAIN if k not in listed and k not in leave)
    return out

def _check_table(raw: Any, section: str, allowed: tuple[str, ...], src: str) -> None:
    if not isinstance(raw, dict):
        raise _err(f"must be a table, e.g. [{section}]", src, section)
    for k in raw:
        if k not in allowed:
            raise _err(f"unknown setting{suggest(k, allowed)}; allowed: {', '.join(allowed)}", src, f"{section}.{k}")


def _parse_design(raw: Any, factors: tuple[Factor, ...], src: str) -> DesignSpec:
    _check_table(raw, "design", ("kind", "samples", "levels", "second_order"), src)
    kind = raw.get("kind", "full_factorial")
    if kind not in DESIGNS:
        raise _err(f"{kind!r} is not a design; allowed: {', '.join(DESIGNS)}{suggest(str(kind), DESIGNS)}", src,
                   "design.kind")
    samples = raw.get("samples")
    levels = raw.get("levels", 4)
    second = raw.get("second_order", False)
    if not isinstance(second, bool):
        raise _err(f"{second!r}; allowed: true or false", src, "design.second_order")
    if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2:
        raise _err(f"{levels!r}; allowed: an integer of at least 2", src, "design.levels")
    if kind == "full_factorial":
        if samples is not None:
            raise _err("a full factorial has no 'samples' (its size is the product of the factors' levels); "
                       "allowed: 'levels' for ranges", src, "design.samples")
    else:
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise _err(f"{samples!r}; allowed: a positive integer (the {kind} sample count)", src, "design.samples")
        if kind == "sobol" and samples & (samples - 1):
            lower = 1 << (samples.bit_length() - 1)
            raise _err(f"{samples} is not a power of 2; a sobol design needs one (e.g. {lower} or {2 * lower})", src,
                       "design.samples")
        if kind == "latin_hypercube" and samples < 2:
            raise _err(f"{samples}; a latin hypercube needs at least 2 samples", src, "design.samples")
        if kind == "morris" and samples < 2:
            raise _err(f"{samples}; a morris design needs at least 2 trajectories", src, "design.samples")
        if kind == "morris" and levels % 2:
            raise _err(f"{levels}; a morris grid needs an even number of levels (e.g. 4)", src, "design.levels")
        if kind in ("sobol", "morris") and len(factors) < 2:
            raise _err(f"a {kind} design needs at least 2 factors", src, "factors")
    return DesignSpec(kind=kind, samples=samples, levels=levels, second_order=second)


def _parse_outcomes(raw: Any, src: str) -> OutcomeSpec:
    if raw is None:
        return OutcomeSpec()
    _check_table(raw, "outcomes", ("names", "keep", "window", "stats"), src)
    d = OutcomeSpec()
    names = raw.get("names", list(d.names))
    keep = raw.get("keep", list(d.keep))
    stats = raw.get("stats", list(d.stats))
    window = raw.get("window", d.window)
    for key, lst, options in (("names", names, OUTCOME_NAMES), ("keep", keep, KEEP), ("stats", stats, STATS)):
        if not isinstance(lst, list) or not lst:
            raise _err(f"must be a non-empty list; allowed: {', '.join(options)}", src, f"outcomes.{key}")
        for x in lst:
            if x not in options:
                raise _err(f"{x!r} is not allowed{suggest(str(x), options)}; allowed: {', '.join(options)}", src,
                           f"outcomes.{key}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise _err(f"{window!r}; allowed: a positive number of steps", src, "outcomes.window")
    return OutcomeSpec(names=tuple(names), keep=tuple(keep), window=window, stats=tuple(stats))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; every problem is one :class:`CoGovInputError` line."""
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise _err("experiment file not found; allowed: a path to a .toml file or a name in experiments/", src)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _err(f"malformed TOML: {exc}", src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(f"cannot be read ({exc.__class__.__name__}); allowed: a UTF-8 TOML file", src) from None
    for k in data:
        if k not in TOP_KEYS:
            raise _err(f"unknown key{suggest(k, TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}", src, k)
    ref = data.get("scenario")
    if not isinstance(ref, str):
        raise _err("missing; allowed: the base scenario, a path or a name in scenarios/", src, "scenario")
    scenario_path = _resolve_scenario(ref, path)
    fixed = data.get("set", {})
    if not isinstance(fixed, dict):
        raise _err("must be a table of dotted keys, e.g. [set] \"run.steps\" = 104", src, "set")
    for key in fixed:
        if key not in PARAMETERS:
            raise _err(f"unknown parameter{suggest(key, list(PARAMETERS))}", src, f"set.{key}")
    base = load_scenario(scenario_path).with_values(fixed, source=src)
    reps = data.get("replications", 1)
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise _err(f"{reps!r}; allowed: a positive integer", src, "replications")
    seed = data.get("seed", base.run.seed)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _err(f"{seed!r}; allowed: a non-negative integer", src, "seed")
    raw_factors = data.get("factors", [])
    if not isinstance(raw_factors, list) or not raw_factors:
        raise _err("no factors; allowed: one or more [[factors]] tables", src, "factors")
    seen: set[str] = set()
    factors = tuple(_parse_factor(r, i, src, seen) for i, r in enumerate(_expand_groups(raw_factors, src)))
    design = _parse_design(data.get("design", {}), factors, src)
    if design.kind == "full_factorial":
        for f in factors:
            if f.is_range and f.levels is None:
                raise _err("a range in a full factorial needs 'levels' (how many evenly spaced values)", src, f.key)
    outcomes = _parse_outcomes(data.get("outcomes"), src)
    if outcomes.window > base.run.steps and "summary" in outcomes.keep:
        raise _err(f"window of {outcomes.window} steps is longer than the run ({base.run.steps} steps)", src,
                   "outcomes.window")
    exp = Experiment(name=str(data.get("name", path.stem)), base=base, factors=factors, design=design,
                     replications=reps, seed=seed, outcomes=outcomes, description=str(data.get("description", "")),
                     scenario_file=str(scenario_path), fixed=dict(fixed), source=src)
    # every design point must make a valid scenario (e.g. consistent lever combinations)
    _, points = exp.points()
    for i, values in enumerate(points):
        try:
            base.with_values(values, source=src)
        except CoGovInputError as exc:
            raise _err(f"design point {i} is not a valid scenario: {exc}", src) from None
    return exp


def resolve_experiment_path(name: str) -> Path:
    """An experiment given as a path, or by name in ./experiments/ or among the shipped
    experiments, in that order (:mod:`cogov_sim.model.shipped`)."""
    return find_named_file(name, "experiments", "experiment")
