"""Calibration patterns: the whole model against what is observed in real grassroots governance
(pattern-oriented modelling, Grimm et al. 2005), with a report of fit and the grid search that
fitted the parameters of the calibration scenarios.

Each pattern is a number measured on runs of one scenario of ``scenarios/calibration/`` (or the
baseline), averaged over replications, against a published target and tolerance. Measurements
read the model's outputs and its residents' state after each week; they never change a rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.model import CoGovModel
from cogov_sim.model.population import OLDER, YOUNG
from cogov_sim.model.rng import replication_seeds
from cogov_sim.model.rules import OFFLINE, ONLINE
from cogov_sim.model.scenario import Scenario, find_named_file, load_scenario


@dataclass(frozen=True)
class Pattern:
    """An observed pattern: where it is measured, its target and tolerance, and its source."""

    id: str
    scenario: str  # file under scenarios/
    claim: str
    source: str
    target: float
    tolerance: float
    unit: str = "share"


PATTERNS: tuple[Pattern, ...] = (
    Pattern("reply_rate_online", "calibration/passive_online.toml",
            "a passive local government answers about one third of ordinary online requests (answered: resolved "
            "within the patience of government.patience_weeks)", "Chen, Pan & Xu (2016), AJPS 60(2):383-400",
            0.33, 0.10),
    Pattern("offline_older_to_young", "calibration/passive_online.toml",
            "residents aged 60+ take part offline several times as often as those aged 18-39 (turnout 78% at 70-79 "
            "against 14% at 18-29; broader age bands compress the ratio)",
            "Shanghai residents' committee election survey, N = 6,581", 3.0, 1.5, "ratio"),
    Pattern("online_older_to_young", "calibration/passive_online.toml",
            "residents aged 60+ take part online far less than those aged 18-39", "CNNIC statistical reports",
            0.3, 0.25, "ratio"),
    Pattern("internet_use_older", "calibration/passive_online.toml",
            "about 43% (2021) to 52% (2025) of people aged 60+ use the internet (mean digital literacy of 60+)",
            "CNNIC statistical reports 2021-2025", 0.475, 0.05),
    Pattern("internet_use_all", "calibration/passive_online.toml",
            "about 78-80% of adults use the internet (mean digital literacy)", "CNNIC statistical reports", 0.79, 0.05),
    Pattern("hotline_resolution_start", "calibration/hotline_reform.toml",
            "resolution rate of the cases the hotline received at the start of the 12345 reform: about 53% (first quarter)",
            "Beijing 12345 official reports 2019-2024", 0.53, 0.05),
    Pattern("hotline_resolution_end", "calibration/hotline_reform.toml",
            "resolution rate of the cases the hotline received after about five years: about 97% (last quarter)",
            "Beijing 12345 official reports",
            0.97, 0.05),
    Pattern("hotline_satisfaction_start", "calibration/hotline_reform.toml",
            "satisfaction at the start of the 12345 reform: about 65% (first quarter)", "Beijing 12345 official reports",
            0.65, 0.05),
    Pattern("hotline_satisfaction_end", "calibration/hotline_reform.toml",
            "satisfaction after about five years: about 97% (last quarter)", "Beijing 12345 official reports",
            0.97, 0.05),
)

#: Parameters fitted in each calibration scenario, and the grid searched (cogov validate --patterns --fit).
FIT_GRIDS: dict[str, dict[str, tuple[float, ...]]] = {
    "calibration/hotline_reform.toml": {
        "government.cases_per_staff_week": (1.8, 2.1, 2.4, 2.7, 3.0),
        "government.satisfaction_late": (0.7, 0.75, 0.8, 0.85, 0.9),
    },
}


def scenario_path(name: str) -> Path:
    return find_named_file(name, "scenarios", "calibration scenario")


def measure_run(scenario: Scenario) -> dict[str, float]:
    """Run a scenario week by week and measure every pattern it can show.

    Online requests: each request reported online is followed from its report (its channel is
    read before the week that closes it) to resolution or failure; it counts as answered when
    resolved within ``government.patience_weeks``, over the last 52 weeks.
    """
    m = CoGovModel(scenario)
    r = m.residents
    steps = scenario.run.steps
    tail = max(1, steps - 52)
    answered = closed = 0
    for week in range(1, steps + 1):
        channel = r.channel.copy()
        m.step()
        if week <= tail:
            continue
        w = m._week
        resolved, failed = w["resolved"], w["failed"]
        on_res = channel[resolved] == ONLINE
        answered += int((w["resolved_wait"][on_res] < scenario.government.patience_weeks).sum())
        closed += int(on_res.sum() + (channel[failed] == ONLINE).sum())
    ts = m.timeseries()
    recent = (steps - r.last_part) <= scenario.participation.window
    older, young = r.age_group == OLDER, r.age_group == YOUNG

    def share(group: np.ndarray, ch: int) -> float:
        return float((recent & (r.last_channel == ch))[group].mean())

    return {
        "reply_rate_online": answered / closed if closed else float("nan"),
        "offline_older_to_young": share(older, OFFLINE) / max(share(young, OFFLINE), 1e-12),
        "online_older_to_young": share(older, ONLINE) / max(share(young, ONLINE), 1e-12),
        "internet_use_older": float(r.literacy[older].mean()),
        "internet_use_all": float(r.literacy.mean()),
        "resolution_start": float(np.nanmean(ts["reported_resolution_rate"][:13])),
        "resolution_end": float(np.nanmean(ts["reported_resolution_rate"][-13:])),
        "satisfaction_start": float(np.nanmean(ts["satisfaction"][:13])),
        "satisfaction_end": float(np.nanmean(ts["satisfaction"][-13:])),
    }


METRIC_OF = {"hotline_resolution_start": "resolution_start", "hotline_resolution_end": "resolution_end",
             "hotline_satisfaction_start": "satisfaction_start", "hotline_satisfaction_end": "satisfaction_end"}


@dataclass
class PatternResult:
    pattern: Pattern
    value: float
    values: list[float]

    @property
    def gap(self) -> float:
        return self.value - self.pattern.target

    @property
    def within(self) -> bool:
        return bool(abs(self.gap) <= self.pattern.tolerance)

    def to_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {"pattern": p.id, "scenario": p.scenario, "claim": p.claim, "source": p.source, "target": p.target,
                "tolerance": p.tolerance, "value": self.value, "gap": self.gap, "within": self.within,
                "replications": self.values}


def run_patterns(*, seed: int = 2024, replications: int = 3, overrides: Mapping[str, Mapping[str, Any]] | None = None,
                 patterns: Sequence[Pattern] = PATTERNS, executor=None) -> list[PatternResult]:
    """Measure every pattern: each scenario once per replication (seeds spawned from ``seed``)."""
    from cogov_sim.experiments.executors import SerialExecutor

    seeds = replication_seeds(seed, replications)
    files = list(dict.fromkeys(p.scenario for p in patterns))
    tasks = [(f, r, load_scenario(scenario_path(f), {**(overrides or {}).get(f, {}), "run.seed": seeds[r]}))
             for f in files for r in range(replications)]
    measured: dict[tuple[str, int], dict[str, float]] = {}
    for task, res in (executor or SerialExecutor()).map_unordered(_measure_task, tasks):
        if isinstance(res, BaseException):
            raise res
        measured[task[0], task[1]] = res
    out = []
    for p in patterns:
        values = [measured[p.scenario, r][METRIC_OF.get(p.id, p.id)] for r in range(replications)]
        out.append(PatternResult(p, float(np.nanmean(values)), values))
    return out


def _measure_task(task: tuple[str, int, Scenario]) -> dict[str, float]:
    return measure_run(task[2])


def loss(results: Sequence[PatternResult]) -> float:
    """Sum of squared gaps in units of each pattern's tolerance."""
    return float(sum((r.gap / r.pattern.tolerance) ** 2 for r in results))


def fit(scenario: str, *, seed: int = 2024, replications: int = 2, executor=None,
        progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, float], float, list[dict[str, Any]]]:
    """Grid search of the parameters :data:`FIT_GRIDS` names for one calibration scenario,
    minimising :func:`loss` over that scenario's patterns. Returns the best values, their loss,
    and every grid point's loss."""
    grid = FIT_GRIDS.get(scenario)
    if not grid:
        raise CoGovInputError(f"no fitted parameters; allowed: {', '.join(FIT_GRIDS)}", key="--fit")
    patterns = [p for p in PATTERNS if p.scenario == scenario]
    names = list(grid)
    points = list(itertools.product(*grid.values()))
    table = []
    for i, values in enumerate(points):
        setting = dict(zip(names, values, strict=True))
        res = run_patterns(seed=seed, replications=replications, overrides={scenario: setting}, patterns=patterns,
                           executor=executor)
        table.append({**setting, "loss": loss(res)})
        if progress is not None:
            progress(i + 1, len(points))
    best = min(table, key=lambda row: row["loss"])
    return {k: best[k] for k in names}, best["loss"], table
