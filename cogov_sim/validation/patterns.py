"""Calibration patterns: the whole model against what is observed in real grassroots governance
(pattern-oriented modelling, Grimm et al. 2005).

Each pattern is a number measured on runs of one shipped scenario (most of them in
``scenarios/calibration/``), or the difference between two, averaged over replications, against
a published target and tolerance; some are held out of the calibration (``cogov calibrate``) to
check its posterior. Measurements read the model's outputs and its residents' state after each
week; they never change a rule.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.outcomes import OUTCOME_NAMES
from cogov_sim.model.parameters import CATEGORIES, LEVERS
from cogov_sim.model.population import OLDER, YOUNG
from cogov_sim.model.rng import replication_seeds
from cogov_sim.model.rules import OFFLINE, ONLINE
from cogov_sim.model.scenario import FrozenMap, Scenario, find_named_file, load_scenario


@dataclass(frozen=True)
class Pattern:
    """An observed pattern: where it is measured, what the model measures for it (``construct``),
    its target and tolerance, its source, and whether it is held out of the calibration (a
    posterior predictive check). Its value is ``metric`` (default: ``id``) of :func:`measure_run`
    on ``scenario``, minus the same metric on ``versus`` (same seeds: common random numbers)
    when a pattern is a difference between two scenarios."""

    id: str
    scenario: str  # file under scenarios/
    claim: str
    construct: str
    source: str
    target: float
    tolerance: float
    unit: str = "share"
    held_out: bool = False
    metric: str = ""
    versus: str = ""
    #: A direction: the value must also be above this (a pattern whose source gives a sign only).
    floor: float | None = None
    #: Further metrics reported per experiment with a pattern measured on experiments.
    details: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.metric or self.id

    @property
    def scenarios(self) -> tuple[str, ...]:
        return (self.scenario, self.versus) if self.versus else (self.scenario,)


#: Digital literacy at or above which a resident counts as an internet user (the construct of
#: CNNIC's "used the internet in the last six months"): able to use an online channel with at most
#: half of its literacy penalty. Modelling choice.
INTERNET_USER_LITERACY = 0.5

#: The welfare categories (Jiang, Meng & Zhang 2019: the social safety net), as indices of CATEGORIES.
WELFARE = [CATEGORIES.index("civil_affairs"), CATEGORIES.index("social_security")]

#: Weeks at the end of a run over which yearly patterns are measured (a survey's year of recall).
YEAR = 52

#: Weeks of a survey's six months of recall (participation_half_year).
HALF_YEAR = 26

PATTERNS: tuple[Pattern, ...] = (
    Pattern("reply_rate_online", "calibration/passive_online.toml",
            "a local government answers about one third of ordinary online requests",
            "share of online reports of the last 52 weeks that were answered at all: resolved before failing at "
            "government.max_wait_weeks (a reply of any kind; the model answers a case by closing it)",
            "Chen, Pan & Xu (2016), AJPS 60(2):383-400 (control arm, 2,103 counties)", 0.33, 0.10),
    Pattern("offline_older_to_young", "calibration/passive_online.toml",
            "residents aged 60+ take part offline several times as often as those aged 18-39 (turnout 78% at 70-79 "
            "against 14% at 18-29; broader age bands compress the ratio)",
            "share of residents 60+ who took part offline (went to the committee or a meeting) at least once in the "
            "last 52 weeks, over the same share of residents 18-39: a year's recall, as a survey asks",
            "Shanghai residents' committee election survey, N = 6,581", 3.0, 1.5, "ratio"),
    Pattern("online_older_to_young", "calibration/passive_online.toml",
            "residents aged 60+ take part online far less than those aged 18-39",
            "share of residents 60+ who took part online at least once in the last 52 weeks, over the same share of "
            "residents 18-39", "CNNIC statistical reports (internet use and online government services by age)",
            0.3, 0.25, "ratio"),
    Pattern("participation_half_year", "calibration/passive_online.toml",
            "about one urban resident in five takes part in the community's affairs in half a year (20% took part "
            "in activities their community organised in the past six months)",
            "share of residents who took part at least once, through any channel, in the last 26 weeks "
            "(HALF_YEAR): six months of recall, as the survey asks",
            "CASS Social Attitudes and Social Development survey, May 2013, urban residents, N = 7,114 (Chinese "
            "Academy of Social Sciences, Annual Report on China's Social Development 2013, 'public participation'; "
            "People's Daily Online, 27 Dec 2013, politics.people.com.cn/n/2013/1227/c1001-23961177.html); "
            "tolerance: one-year recall would raise it and counting only requests would lower it",
            0.20, 0.10),
    Pattern("internet_use_older", "calibration/passive_online.toml",
            "about 43% (2021) to 52% (2025) of people aged 60+ use the internet",
            "share of residents 60+ whose digital literacy is at least 0.5 (INTERNET_USER_LITERACY)",
            "CNNIC statistical reports 2021-2025", 0.475, 0.05),
    Pattern("internet_use_all", "calibration/passive_online.toml",
            "about 78-80% of adults use the internet",
            "share of residents whose digital literacy is at least 0.5 (INTERNET_USER_LITERACY)",
            "CNNIC statistical reports", 0.79, 0.05),
    Pattern("hotline_resolution_start", "calibration/hotline_reform.toml",
            "resolution rate of the cases the hotline received at the start of the 12345 reform: about 53% (first "
            "quarter)", "resolved share of the cases closed in the first 13 weeks (reported_resolution_rate)",
            "Beijing 12345 official reports 2019-2024", 0.53, 0.05, metric="resolution_start"),
    Pattern("hotline_resolution_end", "calibration/hotline_reform.toml",
            "resolution rate of the cases the hotline received after about five years: about 97% (last quarter)",
            "resolved share of the cases closed in the last 13 weeks (reported_resolution_rate)",
            "Beijing 12345 official reports", 0.97, 0.05, metric="resolution_end"),
    Pattern("hotline_satisfaction_start", "calibration/hotline_reform.toml",
            "satisfaction at the start of the 12345 reform: about 65% (first quarter)",
            "mean satisfaction score of the cases closed in the first 13 weeks", "Beijing 12345 official reports",
            0.65, 0.05, metric="satisfaction_start"),
    Pattern("hotline_satisfaction_end", "calibration/hotline_reform.toml",
            "satisfaction after about five years: about 97% (last quarter)",
            "mean satisfaction score of the cases closed in the last 13 weeks", "Beijing 12345 official reports",
            0.97, 0.05, metric="satisfaction_end"),
    Pattern("message_board_replies", "calibration/leaders_board.toml",
            "requests on a board that upper levels watch (the People's Daily Leaders' Message Board) are answered "
            "about 60% of the time, against about a third for an ordinary request",
            "as reply_rate_online, in the same street with the online requests of a random 61% of its communities "
            "watched from above from week 14 (levers.upper_supervision = 1 there: 19 of 31 provinces had a fixed "
            "mechanism for the board's messages in 2016)",
            "People's Daily Online reports: 57.6% (April 2016), 60% (September 2016); later 75-82% (2018-2020)",
            0.60, 0.10, held_out=True, metric="reply_rate_online"),
    Pattern("welfare_shift", "data_driven_decisions.toml",
            "online participation that feeds decisions shifts local priorities toward welfare",
            "welfare share (civil affairs and social security) of caseworker effort over the last 52 weeks, with "
            "the platform feeding data-driven allocation, minus the same with the platform alone (habit)",
            "Jiang, Meng & Zhang (2019), Governance 32(3):531-546 (the direction: the study reports no effect size "
            "on spending shares, so any shift toward welfare, above 0 and up to 20 points, counts)", 0.10, 0.10,
            "share points", held_out=True, floor=0.0,
            metric="welfare_effort", versus="online_platform.toml"),
    Pattern("pilots_rolled_out", "calibration/pilot_experiment.toml",
            "about 46% of China's central policy experiments were never rolled out",
            "share of the experiments (each lever the combined reform moves, piloted alone in a district of its own: "
            "lever_experiments) whose evaluation, a difference-in-differences of the resolved share of reported and "
            "found cases against the district's other communities, finds a gain of at least two percentage points, "
            "the rollout rule of pilots/04_mandate.toml",
            "Wang & Yang (2025), JPE 133(7):2180-2228 (630+ experiments since 1980; The Economist, 9 Apr 2022)",
            0.54, 0.15, held_out=True, details=("pilot_gain",)),
    Pattern("pilot_sites_better_off", "calibration/pilot_experiment.toml",
            "more than 80% of the experiments exhibit positive sample selection in terms of a locality's economic "
            "development",
            "share of the experiments whose sites' mean resolution of need over the 13 weeks before the pilot starts "
            "is above the mean of all communities of their district (the model has no income: a community's being "
            "well served stands for being better off)",
            "Wang & Yang (2025), JPE 133(7):2180-2228; NBER w29402 (2021), abstract", 0.85, 0.10, held_out=True),
)

#: The scenario of the pilots' fate and the reform whose levers are its experiments
#: (:func:`lever_experiments`).
EXPERIMENT_SCENARIO = "calibration/pilot_experiment.toml"
EXPERIMENT_REFORM = "combined_reform.toml"

#: Separates a scenario file from an experiment's name in the task name of one experiment.
EXPERIMENT_MARK = "#"


def scenario_path(name: str) -> Path:
    return find_named_file(name, "scenarios", "calibration scenario")


def measure_run(scenario: Scenario, *, model: CoGovModel | None = None) -> dict[str, float]:
    """Run a scenario week by week and measure every metric a pattern can read.

    Online requests: each request reported online is followed from its report (its channel is
    read before the week that closes it, or from the week's reports when it is reported and
    closed in the same week) to resolution or failure; over the last :data:`YEAR`
    weeks, the share resolved is the reply rate. Who took part offline and online is gathered
    over the same weeks, and who took part at all over the last :data:`HALF_YEAR` weeks.
    Welfare effort: the government's share of effort on civil affairs and social security,
    averaged over those weeks. ``model``: the scenario's model at week 0, if it is at hand (from
    a start, :func:`measure_group`); built from the scenario otherwise.
    """
    m = CoGovModel(scenario) if model is None else model
    r = m.residents
    steps = scenario.run.steps
    tail = max(0, steps - YEAR)
    answered = closed = 0
    seen = {OFFLINE: np.zeros(m.n, dtype=bool), ONLINE: np.zeros(m.n, dtype=bool)}
    half_year = np.zeros(m.n, dtype=bool)
    welfare = []
    for week in range(1, steps + 1):
        channel = r.channel.copy()
        m.step()
        if week <= tail:
            continue
        w = m._week
        rep = w["reported"]  # reported this week: closed cases among them took this week's channel
        channel[rep] = r.last_channel[rep]
        resolved, failed = w["resolved"], w["failed"]
        answered += int(np.count_nonzero(channel[resolved] == ONLINE))
        closed += int(np.count_nonzero(channel[resolved] == ONLINE) + np.count_nonzero(channel[failed] == ONLINE))
        part = w["took_part"]
        for ch, mask in seen.items():
            mask[part[r.last_channel[part] == ch]] = True
        if week > steps - HALF_YEAR:
            half_year[part] = True
        welfare.append(m.government.allocation[:, WELFARE].sum() / m.government.allocation.sum())
    ts = m.timeseries()
    older, young = r.age_group == OLDER, r.age_group == YOUNG
    users = r.literacy >= INTERNET_USER_LITERACY


    return {
        **_pilot_metrics(m),
        "reply_rate_online": answered / closed if closed else float("nan"),
        "participation_half_year": float(half_year.mean()),
        "offline_older_to_young": age_ratio(seen[OFFLINE], older, young),
        "online_older_to_young": age_ratio(seen[ONLINE], older, young),
        "internet_use_older": float(users[older].mean()),
        "internet_use_all": float(users.mean()),
        "resolution_start": float(np.nanmean(ts["reported_resolution_rate"][:13])),
        "resolution_end": float(np.nanmean(ts["reported_resolution_rate"][-13:])),
        "satisfaction_start": float(np.nanmean(ts["satisfaction"][:13])),
        "satisfaction_end": float(np.nanmean(ts["satisfaction"][-13:])),
        "welfare_effort": float(np.mean(welfare)) if welfare else float("nan"),
    }


def age_ratio(mask: np.ndarray, older: np.ndarray, young: np.ndarray) -> float:
    """The share of the older residents in ``mask`` over the share of the young. A share of the
    young measured as 0 counts as one young resident, the smallest share a street of this size
    can show, so that the ratio stays finite (and very large)."""
    return float(mask[older].mean() / max(mask[young].mean(), 1.0 / max(int(young.sum()), 1)))

def _pilot_metrics(m: CoGovModel) -> dict[str, float]:
    """The fate of a run's pilots: the share whose evaluation passed its threshold, and the share
    of pilots whose sites were on average better served than the average community over the
    window before the first pilot starts, positive selection per experiment as Wang & Yang
    count it; and the evaluations' mean gain (``pilot_gain``, the difference-in-differences in the
    direction the pilot aims at). NaN without pilots."""
    pilots = m.pilots.pilots
    evs = [ev for ev in m.pilots.evaluations if ev.passed is not None]
    if not pilots or not evs:
        return {"pilots_rolled_out": float("nan"), "pilot_sites_better_off": float("nan"), "pilot_gain": float("nan")}
    k = m.n_communities
    first = min(pilots, key=lambda pl: pl.start)
    values = m.recorder.values[:, OUTCOME_NAMES.index("resolution_rate"), :k]
    with warnings.catch_warnings():  # a community without any closed case in the window has no rate (NaN)
        warnings.simplefilter("ignore", RuntimeWarning)
        pre = np.nanmean(values[first.start - 1 - first.window:first.start - 1], axis=0)
    return {"pilots_rolled_out": float(np.mean([ev.passed for ev in evs])),
            "pilot_sites_better_off": positive_selection(pre, m.pilots.sites),
            "pilot_gain": float(np.mean([ev.gain for ev in evs]))}


def positive_selection(level: np.ndarray, sites: Sequence[np.ndarray]) -> float:
    """Share of the experiments (pilots) whose sites are, on average, above the mean of every
    community in ``level`` (one value per community; NaN where a community has none, left out of
    both means): positive sample selection per experiment, as Wang & Yang (2025) count it. Pilots
    without sites are left out, and a pilot none of whose sites has a value counts as not above;
    NaN when none has any sites."""
    with warnings.catch_warnings():  # sites without any value have no mean (NaN): not above
        warnings.simplefilter("ignore", RuntimeWarning)
        above = [bool(np.nanmean(level[s]) > np.nanmean(level)) for s in sites if np.size(s)]
    return float(np.mean(above)) if above else float("nan")


@dataclass
class PatternResult:
    pattern: Pattern
    value: float
    values: list[float]
    #: For a pattern measured on experiments: each experiment's value of the pattern's metric and
    #: of its ``details``, one per replication.
    experiments: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return self.value - self.pattern.target

    @property
    def within(self) -> bool:
        floor = self.pattern.floor
        return bool(abs(self.gap) <= self.pattern.tolerance and (floor is None or self.value > floor))

    def to_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {"pattern": p.id, "source": p.source, "value": self.value, "target": p.target,
                "tolerance": p.tolerance, "within": self.within, "held_out": p.held_out, "floor": p.floor,
                "gap": self.gap,
                "unit": p.unit, "scenario": p.scenario, "versus": p.versus or None, "claim": p.claim,
                "construct": p.construct, "replications": self.values,
                **({"experiments": self.experiments} if self.experiments else {})}


def lever_experiments(template: Scenario, reform: Scenario) -> list[tuple[str, Scenario]]:
    """The population of policy experiments: one per lever that ``reform`` sets differently
    from ``template``, named by the lever, each the template with its one pilot setting that
    lever alone at the reform's value.

    Wang & Yang (2025) count single policies, each tried in sites its initiators chose; the
    paper's reforms are bundles of the model's instruments, so its programme's instruments,
    each tried alone, are the model's population of experiments (docs/validation.md,
    section 8). Each has the reform's budget per resident, so that its sites pay for the lever
    and the extra effort in full (local governments put more resources into experiments, Wang &
    Yang's second fact); communities that pilot nothing cost the status quo, which either budget
    pays in full."""
    (pilot,) = template.pilots
    government = dataclasses.replace(template.government, budget=reform.government.budget)
    out = []
    for name in LEVERS:
        value = getattr(reform.levers, name)
        if value != getattr(template.levers, name):
            one = dataclasses.replace(pilot, levers=FrozenMap({name: value}), label=name)
            out.append((name, dataclasses.replace(template, pilots=(one,), government=government)))
    return out


def pattern_tasks(*, seed: int, replications: int, overrides: Mapping[str, Any] | None = None,
                  patterns: Sequence[Pattern] = PATTERNS, residents: int | None = None) -> list[tuple[str, int, Scenario]]:
    """One task per (scenario, replication) the patterns need: the scenario with ``overrides``
    (parameter values for every scenario: one model) and the replication's seed (spawned from
    ``seed``; the same seed for every scenario of a replication, so that differences between
    scenarios see common random numbers); ``residents`` scales the population (communities kept).

    The experiments scenario (:data:`EXPERIMENT_SCENARIO`) is one task per experiment
    (:func:`lever_experiments`), named ``<file>#<lever>``, each in a district of its own: its
    seed is spawned from the replication's seed, one child per experiment."""
    seeds = replication_seeds(seed, replications)
    files = list(dict.fromkeys(f for p in patterns for f in p.scenarios))
    extra = {} if residents is None else {"population.residents": residents}
    reform = load_scenario(scenario_path(EXPERIMENT_REFORM)) if EXPERIMENT_SCENARIO in files else None
    tasks = []
    for f in files:
        for r in range(replications):
            scenario = load_scenario(scenario_path(f), {**(overrides or {}), **extra, "run.seed": seeds[r]})
            if f != EXPERIMENT_SCENARIO:
                tasks.append((f, r, scenario))
                continue
            experiments = lever_experiments(scenario, reform)
            for (name, one), own in zip(experiments, replication_seeds(seeds[r], len(experiments)), strict=True):
                run = dataclasses.replace(one.run, seed=own)
                tasks.append((f"{f}{EXPERIMENT_MARK}{name}", r, dataclasses.replace(one, run=run)))
    return tasks


def runs_per_replication(patterns: Sequence[Pattern] = PATTERNS) -> int:
    """How many runs one replication of the patterns takes (:func:`pattern_tasks`)."""
    return len(pattern_tasks(seed=0, replications=1, patterns=patterns))


def pattern_values(patterns: Sequence[Pattern], measured: Mapping[tuple[str, int], Mapping[str, float]],
                   replications: int) -> list[PatternResult]:
    """Each pattern's value per replication from the measured runs, and their mean. The
    experiments scenario, measured as ``<file>#<experiment>`` runs, reads the mean over its
    experiments, and each experiment's values are kept (:attr:`PatternResult.experiments`)."""
    def runs(f: str, r: int) -> dict[str, Mapping[str, float]]:
        if f != EXPERIMENT_SCENARIO:
            return {"": measured[f, r]}
        mine = {g.partition(EXPERIMENT_MARK)[2]: v for (g, q), v in measured.items()
                if q == r and g.partition(EXPERIMENT_MARK)[0] == f and EXPERIMENT_MARK in g}
        if not mine:
            raise KeyError(f"no experiment of {f} was measured in replication {r}")
        return mine

    out = []
    for p in patterns:
        values = []
        parts: dict[str, dict[str, list[float]]] = {}
        for r in range(replications):
            these = runs(p.scenario, r)
            v = float(np.nanmean([run[p.key] for run in these.values()]))
            if p.versus:
                v -= float(np.nanmean([run[p.key] for run in runs(p.versus, r).values()]))
            values.append(v)
            if p.scenario == EXPERIMENT_SCENARIO:
                for name, run in these.items():
                    mine = parts.setdefault(name, {k: [] for k in (p.key, *p.details)})
                    for k in mine:
                        mine[k].append(float(run[k]))
        out.append(PatternResult(p, float(np.nanmean(values)), values, parts))
    return out


def start_groups(tasks: Sequence[tuple[str, int, Scenario]]) -> list[tuple[tuple[str, int, Scenario], ...]]:
    """The tasks of :func:`pattern_tasks` in groups that start from one week-0 state: same
    replication, same :func:`~cogov_sim.model.model.start_key` (the pattern scenarios differ
    mostly in what acts from week 1 on), in their order. A group is one executor task, so that
    its scenarios share one build and burn-in (:func:`measure_group`)."""
    from cogov_sim.model.model import start_key

    groups: dict[tuple[int, Scenario], list[tuple[str, int, Scenario]]] = {}
    for task in tasks:
        groups.setdefault((task[1], start_key(task[2])), []).append(task)
    return [tuple(g) for g in groups.values()]


def measure_group(group: Sequence[tuple[str, int, Scenario]]) -> dict[tuple[str, int], dict[str, float]]:
    """:func:`measure_run` of every task of a group from one start (the first scenario's build
    and burn-in, copied for each; the same, bit for bit, as building each, tests/test_start.py)."""
    from cogov_sim.experiments.starts import StartCache

    starts = StartCache()
    return {(f, r): measure_run(scenario, model=starts.model(scenario, keep=len(group) > 1))
            for f, r, scenario in group}


def run_patterns(*, seed: int = 2024, replications: int = 3, overrides: Mapping[str, Any] | None = None,
                 patterns: Sequence[Pattern] = PATTERNS, executor=None, residents: int | None = None) -> list[PatternResult]:
    """Measure every pattern: each scenario once per replication (seeds spawned from ``seed``),
    the scenarios of a replication that start alike from one burn-in (:func:`start_groups`)."""
    from cogov_sim.experiments.executors import SerialExecutor

    groups = start_groups(pattern_tasks(seed=seed, replications=replications, overrides=overrides,
                                        patterns=patterns, residents=residents))
    measured: dict[tuple[str, int], dict[str, float]] = {}
    for _, res in (executor or SerialExecutor()).map_unordered(measure_group, groups):
        if isinstance(res, BaseException):
            raise res
        measured.update(res)
    return pattern_values(patterns, measured, replications)

