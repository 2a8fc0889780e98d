"""Comparing scenarios for planners: replications under common random numbers, KPIs with
intervals, and what a pilot programme's evaluation would and would not tell (Fang 2024, 4.3).

Every scenario is run with the same replication seeds, so each difference between scenarios
is paired within a replication and its interval is narrow. For a scenario with pilot
programmes, two more variants are run under the same seeds: the reform **nowhere** (the
scenario without its pilots) and **everywhere** (its levers in every community from the
pilot's start, without the pilot's extra effort). They give the reform's true effect, which
the model knows and a real planner does not, so the pilot's measured effect can be set next
to it: the gap is selection of favourable sites, the extra effort of the pilot, spill-over
onto comparison communities, and chance.

Definitions (one replication; Y a community's mean of the evaluated outcome over a window):

- measured effect: the pilot's own difference-in-differences
  (:func:`cogov_sim.model.pilots.difference_in_differences`), as the model's evaluation computed it;
- true effect everywhere (ATE): mean over all communities of
  ``[Y_post - Y_pre](everywhere) - [Y_post - Y_pre](nowhere)``;
- true effect in the pilot sites (ATT): the same over the pilot's sites; ATT - ATE is the
  selection effect of where the pilot was placed;
- effect in the pilot sites: the same with the pilot scenario in place of *everywhere*
  (the pilot as run, with its extra effort, in a few places only);
- trend gap (a placebo): the difference-in-differences the evaluation would have found in the
  reform-nowhere run, from differing trends of the chosen and the comparison communities;
- spill-over onto the comparison: the effect of the pilot on the comparison communities.
  The measured effect is exactly trend gap + effect in the sites - spill-over onto the
  comparison (up to missing weeks);
- spill-over by distance: for the non-pilot communities, ``Y_post(pilot scenario) - Y_post(nowhere)``,
  split into *near* (share of their external ties that reach pilot sites above the median)
  and *far* (at or below it);
- cost-effectiveness: outcome gained over the last weeks per million CNY of extra spend,
  against the reform nowhere (pilot scenarios) or the first scenario (others).

Intervals are 95% t intervals of the mean across replications; ratios use a paired
bootstrap over replications with a fixed seed, so the same seeds give the same numbers.
Sources: Rubin (1974) and Angrist & Pischke (2009) on potential outcomes and DiD; Heilmann
(2008) and Wang & Yang (2025, JPE) on how Chinese policy pilots are chosen and scaled up.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cogov_sim.analysis.stats import mean_ci, poisson_mean_ci, ratio_ci
from cogov_sim.errors import CoGovInputError
from cogov_sim.model.outcomes import OUTCOME_NAMES
from cogov_sim.model.pilots import PILOT, difference_in_differences
from cogov_sim.model.rng import replication_seeds
from cogov_sim.model.scenario import Intervention, Scenario

#: Weeks at the end of the run over which the KPIs are averaged (one year).
KPI_WEEKS = 52


@dataclass(frozen=True)
class Kpi:
    """A key performance indicator: an outcome summarised over a run.

    ``summary``: ``window`` (mean over the last :data:`KPI_WEEKS` weeks), ``total`` (sum over
    the run) or ``final`` (value in the last week). ``scale`` converts to the reported unit.
    """

    name: str
    summary: str
    unit_en: str
    unit_zh: str
    better: str = "higher"
    scale: float = 1.0
    bounded: bool = False  # a share or 0-1 level: intervals are clipped to 0..scale
    #: ``count``: events counted over a run (never negative), with the exact Poisson interval of
    #: the mean count; ``level``: anything else (a t interval).
    kind: str = "level"
    nonnegative: bool = False  # a quantity that cannot be below 0 (a stock of cases): intervals clipped at 0


KPIS: tuple[Kpi, ...] = (
    Kpi("participation_rate", "window", "%", "%", scale=100.0, bounded=True),
    Kpi("participation_gap_age", "window", "pp", "个百分点", better="lower", scale=100.0),
    Kpi("mean_trust", "window", "0-100", "0-100", scale=100.0, bounded=True),
    Kpi("resolution_rate", "window", "%", "%", scale=100.0, bounded=True),
    Kpi("satisfaction", "window", "%", "%", scale=100.0, bounded=True),
    Kpi("backlog", "window", "cases", "件", better="lower", nonnegative=True),
    Kpi("breaches", "total", "breaches", "次", better="lower", kind="count"),
    Kpi("adopted", "final", "% of communities", "% 社区", scale=100.0, bounded=True),
    Kpi("cumulative_spend", "final", "million CNY", "百万元", better="lower", scale=1e-6),
)
KPI_BY_NAME = {k.name: k for k in KPIS}
#: Outcomes whose gain per unit of money is reported.
VALUE_FOR_MONEY: tuple[str, ...] = ("participation_rate", "resolution_rate", "satisfaction", "mean_trust")
#: Weekly series kept from every run (for KPIs and the trajectory figures).
SERIES: tuple[str, ...] = tuple(dict.fromkeys([k.name for k in KPIS] + ["spend"]))


def summarise_kpi(kpi: Kpi, series: np.ndarray) -> float:
    """One run's value of ``kpi`` from its weekly series, in the reported unit."""
    s = np.asarray(series, dtype=np.float64)
    if kpi.summary == "total":
        v = np.nansum(s)
    elif kpi.summary == "final":
        v = s[-1]
    else:
        tail = s[-min(KPI_WEEKS, s.size):]
        v = np.nanmean(tail) if np.isfinite(tail).any() else np.nan
    return float(v) * kpi.scale


# -------------------------------------------------------------------------------------- variants
@dataclass(frozen=True)
class Variant:
    """One scenario to run in every replication: a planner's scenario, or a derived one.

    ``role``: ``scenario`` (given), ``nowhere`` (a pilot scenario without its pilots) or
    ``everywhere`` (its pilots' levers in every community from their start).
    """

    key: str
    label: str
    scenario: Scenario
    role: str = "scenario"


def reform_nowhere(s: Scenario) -> Scenario:
    """The scenario without its pilot programmes (the counterfactual of no reform)."""
    info = dataclasses.replace(s.scenario, name=f"{s.name}__nowhere",
                               description=f"{s.name} without its pilot programmes")
    return dataclasses.replace(s, scenario=info, pilots=())


def reform_everywhere(s: Scenario) -> Scenario:
    """Each pilot's levers in every community from the pilot's start, without its extra effort."""
    info = dataclasses.replace(s.scenario, name=f"{s.name}__everywhere",
                               description=f"{s.name} with its reform in every community from the pilot's start")
    added = tuple(Intervention(step=pl.start, communities=None, levers=pl.levers, label=f"{pl.label} everywhere")
                  for pl in s.pilots)
    return dataclasses.replace(s, scenario=info, pilots=(), interventions=(*s.interventions, *added))


def behaviour_key(s: Scenario) -> str:
    """A hash of everything that changes the runs (not the name, description or seed)."""
    d = s.to_dict()
    d.pop("scenario", None)
    d.get("run", {}).pop("seed", None)
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class Plan:
    """The variants to run and, for each planner's scenario, which variants are its nowhere and
    everywhere counterfactuals (indices into ``variants``)."""

    variants: list[Variant]
    scenarios: list[int]
    nowhere: dict[int, int] = field(default_factory=dict)
    everywhere: dict[int, int] = field(default_factory=dict)


def plan(scenarios: Sequence[Scenario]) -> Plan:
    """The variants: the scenarios in order, then derived counterfactuals, each run once even
    when several scenarios share it (or a given scenario already is one)."""
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise CoGovInputError(f"scenario name '{name}' appears more than once; allowed: scenarios with distinct "
                                  "[scenario] name", key="scenario.name")
    variants: list[Variant] = []
    by_key: dict[str, int] = {}
    out = Plan(variants, [])

    def add(s: Scenario, role: str, label: str) -> int:
        key = behaviour_key(s)
        if key in by_key and role != "scenario":
            return by_key[key]
        variants.append(Variant(key, label, s, role))
        by_key.setdefault(key, len(variants) - 1)
        return len(variants) - 1

    for s in scenarios:
        out.scenarios.append(add(s, "scenario", s.name))
    for i in list(out.scenarios):
        s = variants[i].scenario
        if s.pilots:
            out.nowhere[i] = add(reform_nowhere(s), "nowhere", f"{s.name}: reform nowhere")
            out.everywhere[i] = add(reform_everywhere(s), "everywhere", f"{s.name}: reform everywhere")
    return out


# ------------------------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class CompareTask:
    """One variant under one replication seed."""

    variant: int
    replication: int
    seed: int
    scenario: Scenario
    track: tuple[str, ...]
    links: bool


def run_one(task: CompareTask) -> dict[str, Any]:
    """Run one variant under one seed and keep what the comparison needs; never raises (a
    failure comes back as ``{"error": ..., "traceback": ...}``)."""
    from cogov_sim.experiments.starts import process_starts

    t0 = time.perf_counter()
    try:
        # the variants share the burn-in of each replication seed (common random numbers)
        model = process_starts().model(task.scenario.with_values({"run.seed": task.seed}, source="compare"))
        model.keep_institutions = False  # a comparison keeps outcomes only
        model.run()
        k = model.n_communities
        values = model.recorder.values
        pilots = model.pilots
        out: dict[str, Any] = {
            "series": {n: values[:, OUTCOME_NAMES.index(n), k].copy() for n in SERIES},
            "community": {n: values[:, OUTCOME_NAMES.index(n), :k].copy() for n in task.track},
            "sizes": model.network.community_sizes.copy(),
            "adopted_at": pilots.adopted_at.copy(), "reason": pilots.reason.copy(), "pilot_of": pilots.pilot_of.copy(),
            "sites": [s.copy() for s in pilots.sites],
            "evaluations": [ev.to_dict() for ev in pilots.evaluations],
            "tie_share": tie_share(model.network.community_links, pilots.reason == PILOT),
            "links": model.network.community_links.copy() if task.links else None,
        }
        del model
    except Exception as exc:  # reported with the scenario and seed by the caller
        out = {"error": f"{exc.__class__.__name__}: {exc}".splitlines()[0][:500], "traceback": traceback.format_exc()}
    out["wall_s"] = time.perf_counter() - t0
    gc.collect()
    return out


def tie_share(links: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Share of each community's ties to other communities that reach a pilot site."""
    links = np.asarray(links, dtype=np.float64)
    external = links.sum(axis=1) - np.diag(links)
    to_sites = links[:, sites].sum(axis=1) - np.where(sites, np.diag(links), 0.0)
    return np.divide(to_sites, external, out=np.zeros(links.shape[0]), where=external > 0)


class CompareRunError(RuntimeError):
    """A run of the comparison failed."""


@dataclass
class Comparison:
    """Every run's kept data, by variant and replication, and what it was run with."""

    plan: Plan
    seed: int
    seeds: list[int]
    runs: dict[tuple[int, int], dict[str, Any]]
    wall_s: float = 0.0
    executor: str = ""
    #: With parameter uncertainty (``cogov compare --posterior N``): the posterior draws, each a
    #: parameter set, and the draw each replication ran with (replication i = draw i // runs per
    #: draw; every replication has its own seed, shared by the scenarios).
    draws: list[dict[str, float]] = field(default_factory=list)
    draw_of: list[int] = field(default_factory=list)

    @property
    def replications(self) -> int:
        return len(self.seeds)

    def label(self, v: int) -> str:
        return self.plan.variants[v].label

    def scenario_variants(self) -> list[int]:
        return list(self.plan.scenarios)

    def by_draw(self, x: np.ndarray) -> np.ndarray:
        """Values per replication (first axis) as what an interval is taken over: unchanged, or,
        with posterior draws, their mean within each draw (missing values left out), so that an
        interval is one of the mean over the posterior and never treats a draw's runs as
        independent parameter sets."""
        return draw_means(x, self.draw_of) if self.draws else np.asarray(x, dtype=np.float64)

    def series(self, v: int, name: str) -> np.ndarray:
        """Replications x weeks of one overall outcome of variant ``v``."""
        return np.stack([self.runs[v, r]["series"][name] for r in range(self.replications)])


def posterior_draws(posterior: pd.DataFrame, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn from a calibration's posterior (its particles, resampled with
    their weights, with replacement) by a generator seeded from ``seed``: the same seed gives the
    same draws."""
    if n < 2:
        raise CoGovInputError(f"{n} posterior draws give no parameter uncertainty; allowed: an integer from 2",
                              key="--posterior")
    keys = [c for c in posterior.columns if c != "weight"]
    w = posterior["weight"].to_numpy(float) if "weight" in posterior else np.ones(len(posterior))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x9057]))
    rows = rng.choice(len(posterior), size=n, replace=True, p=w / w.sum())
    return [{k: float(posterior[k].iloc[i]) for k in keys} for i in rows]


def run_comparison(scenarios: Sequence[Scenario], *, replications: int, seed: int | None = None, executor=None,
                   progress: Callable[[int, int], None] | None = None,
                   draws: Sequence[Mapping[str, float]] = ()) -> Comparison:
    """Run every scenario (and the counterfactuals of pilot scenarios) under the same
    ``replications`` seeds spawned from ``seed`` (default: the first scenario's root seed).
    With ``draws`` (parameter sets from a posterior, :func:`posterior_draws`), every scenario runs
    ``replications`` times under every draw, each (draw, replication) with a seed of its own
    shared by all scenarios: ``len(draws) * replications`` runs each, so that parameter
    uncertainty and chance can be told apart (:func:`uncertainty_split`)."""
    from cogov_sim.experiments.executors import SerialExecutor

    if not isinstance(replications, int) or replications < 2:
        raise CoGovInputError(f"{replications!r} replications give no interval; allowed: an integer from 2",
                              key="--replications")
    if not scenarios:
        raise CoGovInputError("no scenario given; allowed: one or more scenario files", key="SCENARIO")
    root = int(scenarios[0].run.seed if seed is None else seed)
    p = plan(scenarios)
    draws = [dict(d) for d in draws]
    # with draws, every (draw, replication) has a seed of its own (nested: chance is independent
    # between draws, which uncertainty_split assumes); scenarios still share each run's seed
    draw_of = [i // replications for i in range(len(draws) * replications)] if draws else []
    seeds = replication_seeds(root, len(draws) * replications if draws else replications)
    track = tuple(dict.fromkeys(pl.evaluate for v in p.variants for pl in v.scenario.pilots)) or ("participation_rate",)

    def scenario(var: Variant, r: int) -> Scenario:
        return var.scenario.with_values(draws[draw_of[r]], source="posterior") if draws else var.scenario

    tasks = [CompareTask(v, r, seeds[r], scenario(var, r), track, links=r == 0)
             for r in range(len(seeds)) for v, var in enumerate(p.variants)]
    executor = executor or SerialExecutor()
    runs: dict[tuple[int, int], dict[str, Any]] = {}
    t0 = time.perf_counter()
    for task, result in executor.map_unordered(run_one, tasks):
        if isinstance(result, BaseException):
            raise CompareRunError(f"scenario '{p.variants[task.variant].label}', replication {task.replication} "
                                  f"(seed {task.seed}): {result}")
        if "error" in result:
            raise CompareRunError(f"scenario '{p.variants[task.variant].label}', replication {task.replication} "
                                  f"(seed {task.seed}) failed: {result['error']}")
        runs[task.variant, task.replication] = result
        if progress is not None:
            progress(len(runs), len(tasks))
    return Comparison(p, root, seeds, runs, wall_s=time.perf_counter() - t0,
                      executor=getattr(executor, "description", type(executor).__name__), draws=draws, draw_of=draw_of)


def draw_means(values: np.ndarray, draw_of: Sequence[int]) -> np.ndarray:
    """The mean of ``values`` (one per replication, along the first axis) within each posterior
    draw; missing values are left out, and a draw with none stays missing."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(draw_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.stack([np.nanmean(values[groups == g], axis=0) for g in np.unique(groups)])


def uncertainty_split(values: np.ndarray, draw_of: Sequence[int]) -> dict[str, float]:
    """How much of the spread of ``values`` (one per replication) comes from the parameters and
    how much from chance, when replications are nested in posterior draws, the same number in
    each and every one with a seed of its own (the law of total variance): the variance within a
    draw is chance; the variance of the draws' means less the chance it still holds (within /
    runs per draw) is the parameters'. Returns both variances, the parameters' share of their
    sum, the share of draws whose mean is above zero (for a difference: how many plausible
    parameter sets give it that sign) and the 5% and 95% quantiles of the draws' means."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(draw_of)
    ids = np.unique(groups)
    means = draw_means(values, draw_of)
    per = values.size // ids.size
    within = float(np.mean([values[groups == g].var(ddof=1) for g in ids])) if per > 1 else float("nan")
    between = float(means.var(ddof=1)) if ids.size > 1 else float("nan")
    param = max(between - (within / per if per > 1 else 0.0), 0.0)
    total = param + within
    return {"parameter_var": param, "chance_var": within,
            "parameter_share": param / total if total > 0 else float("nan"),
            "draws_above_zero": float(np.mean(means > 0)),
            "draw_low": float(np.quantile(means, 0.05)), "draw_high": float(np.quantile(means, 0.95))}


# --------------------------------------------------------------------------------------- analysis
def kpi_table(cmp: Comparison) -> pd.DataFrame:
    """One row per (scenario, KPI): mean and 95% interval across replications (clipped to 0-100%
    for shares and at 0 for stocks; the exact Poisson interval for counts of events), and the
    paired difference from the first scenario with its interval."""
    rows = []
    variants = cmp.scenario_variants()
    ref = variants[0]
    values = {v: {k.name: np.array([summarise_kpi(k, cmp.runs[v, r]["series"][k.name])
                                    for r in range(cmp.replications)]) for k in KPIS} for v in variants}
    for v in variants:
        for k in KPIS:
            if cmp.draws:  # one mean per posterior draw: the interval of the mean over the posterior
                m, lo, hi = mean_ci(cmp.by_draw(values[v][k.name]))
            else:
                m, lo, hi = poisson_mean_ci(values[v][k.name]) if k.kind == "count" else mean_ci(values[v][k.name])
            if k.bounded:
                lo, hi = np.clip(lo, 0.0, k.scale), np.clip(hi, 0.0, k.scale)
            elif k.nonnegative:
                lo, hi = max(float(lo), 0.0), max(float(hi), 0.0)
            row = {"scenario": cmp.label(v), "kpi": k.name, "unit": k.unit_en, "better": k.better,
                   "mean": float(m), "ci_low": float(lo), "ci_high": float(hi), "replications": cmp.replications}
            if v == ref:
                row.update(diff=np.nan, diff_low=np.nan, diff_high=np.nan)
            else:
                diff = values[v][k.name] - values[ref][k.name]
                if cmp.draws:  # the interval of the posterior's mean effect: one mean per draw
                    d, dlo, dhi = mean_ci(cmp.by_draw(diff))
                    split = uncertainty_split(diff, cmp.draw_of)
                    row.update(parameter_share=split["parameter_share"], draws_above_zero=split["draws_above_zero"],
                               draw_low=split["draw_low"], draw_high=split["draw_high"])
                else:
                    d, dlo, dhi = mean_ci(diff)
                row.update(diff=float(d), diff_low=float(dlo), diff_high=float(dhi))
            rows.append(row)
    return pd.DataFrame(rows)


def _window(values: np.ndarray, last_step: int, weeks: int) -> np.ndarray:
    """Per-community mean over the ``weeks`` recorded weeks before week ``last_step`` (rows are
    weeks 1, 2, ...; the same windows as the model's own evaluation)."""
    return np.nanmean(values[last_step - 1 - weeks:last_step - 1], axis=0)


def pilot_effects(cmp: Comparison) -> pd.DataFrame:
    """Per pilot scenario and pilot: the measured effect next to the true effects, across replications."""
    rows = []
    for v in cmp.scenario_variants():
        s = cmp.plan.variants[v].scenario
        if not s.pilots:
            continue
        nw, ew = cmp.plan.nowhere[v], cmp.plan.everywhere[v]
        for pl in s.pilots:
            if pl.n_sites(s.space.communities) == 0:
                continue
            est = {key: np.full(cmp.replications, np.nan) for key in
                   ("measured", "ate", "att", "in_sites", "placebo", "spill", "passed")}
            for r in range(cmp.replications):
                run = cmp.runs[v, r]
                ev = next((e for e in run["evaluations"] if e["pilot"] == pl.label), None)
                if ev is None:
                    continue
                change = {name: _window(y, pl.end, pl.window) - _window(y, pl.start, pl.window)
                          for name, y in (("s", run["community"][pl.evaluate]),
                                          ("nw", cmp.runs[nw, r]["community"][pl.evaluate]),
                                          ("ew", cmp.runs[ew, r]["community"][pl.evaluate]))}
                k = change["s"].size
                sites, controls = np.zeros(k, dtype=bool), np.zeros(k, dtype=bool)
                sites[ev["sites"]], controls[ev["controls"]] = True, True
                reform = change["ew"] - change["nw"]
                pilot = change["s"] - change["nw"]
                est["measured"][r] = ev["effect"]
                est["ate"][r] = np.nanmean(reform)
                est["att"][r] = np.nanmean(reform[sites])
                est["in_sites"][r] = np.nanmean(pilot[sites])
                est["placebo"][r] = difference_in_differences(np.zeros(k), change["nw"], sites, controls)
                est["spill"][r] = np.nanmean(pilot[controls]) if controls.any() else np.nan
                est["passed"][r] = np.nan if ev["passed"] is None else float(ev["passed"])
            sign = 1.0 if pl.better == "higher" else -1.0
            row: dict[str, Any] = {"scenario": cmp.label(v), "pilot": pl.label, "outcome": pl.evaluate,
                                   "select": pl.select, "sites": pl.n_sites(s.space.communities),
                                   "start": pl.start, "duration": pl.duration, "scale_up": pl.scale_up,
                                   "better": pl.better}
            for key in ("measured", "ate", "att", "in_sites", "placebo", "spill"):
                m, lo, hi = mean_ci(cmp.by_draw(est[key]))
                row.update({key: float(m), f"{key}_low": float(lo), f"{key}_high": float(hi)})
            m, lo, hi = mean_ci(cmp.by_draw(est["att"] - est["ate"]))
            row.update(selection=float(m), selection_low=float(lo), selection_high=float(hi))
            m, lo, hi = mean_ci(cmp.by_draw(est["measured"] - est["ate"]))
            row.update(bias=float(m), bias_low=float(lo), bias_high=float(hi))
            single = est["measured"][np.isfinite(est["measured"])]
            row["single_low"], row["single_high"] = (np.percentile(single, [2.5, 97.5]) if single.size else (np.nan,) * 2)
            row["wrong_sign_share"] = float(np.mean(np.sign(single) != np.sign(np.nanmean(est["ate"])))) \
                if single.size else np.nan
            row["passed_share"] = float(np.nanmean(est["passed"])) if np.isfinite(est["passed"]).any() else np.nan
            row["sign"] = sign
            row["replications"] = int(single.size)
            row["measured_runs"] = single.tolist()
            rows.append(row)
    return pd.DataFrame(rows)


def spillover(cmp: Comparison) -> pd.DataFrame:
    """Per pilot scenario: the change its pilots cause in non-pilot communities with many ties to
    the pilot sites (near) and with few (far), against the reform nowhere, over the last
    evaluation window of the first pilot with sites."""
    rows = []
    for v in cmp.scenario_variants():
        s = cmp.plan.variants[v].scenario
        pls = [pl for pl in s.pilots if pl.n_sites(s.space.communities) > 0]
        if not pls:
            continue
        pl = pls[0]
        nw = cmp.plan.nowhere[v]
        near = np.full(cmp.replications, np.nan)
        far = np.full(cmp.replications, np.nan)
        diff = np.full(cmp.replications, np.nan)
        n_near = n_far = 0
        for r in range(cmp.replications):
            run = cmp.runs[v, r]
            others = run["reason"] != PILOT
            if others.sum() < 2:
                continue
            effect = (_window(run["community"][pl.evaluate], pl.end, pl.window)
                      - _window(cmp.runs[nw, r]["community"][pl.evaluate], pl.end, pl.window))
            share = run["tie_share"][others]
            is_near = share > np.median(share)
            e = effect[others]
            if is_near.any() and (~is_near).any():
                near[r], far[r] = np.nanmean(e[is_near]), np.nanmean(e[~is_near])
                diff[r] = near[r] - far[r]
                n_near, n_far = n_near + int(is_near.sum()), n_far + int((~is_near).sum())
        row: dict[str, Any] = {"scenario": cmp.label(v), "pilot": pl.label, "outcome": pl.evaluate,
                               "weeks": f"{pl.end - pl.window}-{pl.end - 1}"}
        for key, x in (("near", near), ("far", far), ("near_minus_far", diff)):
            m, lo, hi = mean_ci(cmp.by_draw(x))
            row.update({key: float(m), f"{key}_low": float(lo), f"{key}_high": float(hi)})
        row["near_communities"] = n_near / max(1, np.isfinite(near).sum())
        row["far_communities"] = n_far / max(1, np.isfinite(far).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def cost_effectiveness(cmp: Comparison) -> pd.DataFrame:
    """Per scenario: extra spend and outcome gained against its reference (the reform nowhere for
    a pilot scenario, else the first scenario), and gain per million CNY."""
    rows = []
    variants = cmp.scenario_variants()
    spend = KPI_BY_NAME["cumulative_spend"]
    for i, v in enumerate(variants):
        ref = cmp.plan.nowhere.get(v, variants[0] if i > 0 else None)
        if ref is None or ref == v:
            continue
        d_spend = np.array([summarise_kpi(spend, cmp.runs[v, r]["series"][spend.name])
                            - summarise_kpi(spend, cmp.runs[ref, r]["series"][spend.name])
                            for r in range(cmp.replications)])
        m, lo, hi = mean_ci(cmp.by_draw(d_spend))
        row: dict[str, Any] = {"scenario": cmp.label(v), "reference": cmp.label(ref), "extra_spend": float(m),
                               "extra_spend_low": float(lo), "extra_spend_high": float(hi)}
        for j, name in enumerate(VALUE_FOR_MONEY):
            k = KPI_BY_NAME[name]
            gain = np.array([summarise_kpi(k, cmp.runs[v, r]["series"][name])
                             - summarise_kpi(k, cmp.runs[ref, r]["series"][name])
                             for r in range(cmp.replications)]) / k.scale  # in the outcome's own unit
            m, lo, hi = mean_ci(cmp.by_draw(gain))
            row.update({f"{name}_gain": float(m), f"{name}_gain_low": float(lo), f"{name}_gain_high": float(hi)})
            per, plo, phi = ratio_ci(cmp.by_draw(gain), cmp.by_draw(d_spend), seed=cmp.seed + 7919 * (i + 1) + j)
            row.update({f"{name}_per_million": per, f"{name}_per_million_low": plo,
                        f"{name}_per_million_high": phi})
        rows.append(row)
    return pd.DataFrame(rows)


def trajectories(cmp: Comparison, name: str) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per variant: weekly mean of an outcome across replications and its 95% interval."""
    scale = KPI_BY_NAME[name].scale if name in KPI_BY_NAME else 1.0
    return {v: tuple(a * scale for a in mean_ci(cmp.by_draw(cmp.series(v, name)), axis=0))
            for v in range(len(cmp.plan.variants))}


def adoption_curves(cmp: Comparison) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per pilot scenario: the share of communities that have adopted, by week (mean and interval)."""
    return {v: mean_ci(cmp.by_draw(cmp.series(v, "adopted")), axis=0) for v in cmp.scenario_variants()
            if cmp.plan.variants[v].scenario.pilots}


def runs_frame(cmp: Comparison) -> pd.DataFrame:
    """One row per run: variant, replication, seed and every KPI (for anyone who wants the raw numbers)."""
    rows = []
    for (v, r), run in sorted(cmp.runs.items()):
        var = cmp.plan.variants[v]
        row = {"variant": var.label, "role": var.role, "replication": r, "seed": cmp.seeds[r]}
        row.update({k.name: summarise_kpi(k, run["series"][k.name]) for k in KPIS})
        row["wall_s"] = run["wall_s"]
        rows.append(row)
    df = pd.DataFrame(rows)
    df["seed"] = df["seed"].astype(np.uint64)
    return df
