"""Validation: the docking checks of ``cogov_sim/data/published.toml`` run on the docking cases
(:mod:`cogov_sim.validation.docking`), with their verdicts.

A check runs one case at one or more parameter sets, each ``replications`` times with seeds
spawned from one root seed (the same seeds for every parameter set of a check), averages the
statistic over replications and compares it with the published value, range or reference
curve, and the relation between parameter sets when the check states one. ``reduced`` gives the
smaller size the tests run (case parameters, and ``replications``); a check ``held_out`` is at
parameter points the tests do not run, so that passing it is evidence the tests did not select.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.rng import replication_seeds
from cogov_sim.validation.docking import CASES, bass_recursion, peak_step

DEFAULT_SEED = 1978
RELATIONS = ("increasing", "decreasing", "increasing_or_equal", "equal")
#: How close means must be for ``equal`` (rounding of the same arithmetic done two ways).
EQUAL_WITHIN = 1e-9


@dataclass(frozen=True)
class Check:
    """A published result to reproduce (one entry of the data file)."""

    id: str
    case: str
    source: str
    claim: str
    equivalence: str
    statistic: str
    replications: int
    runs: tuple[Mapping[str, Any], ...]
    expect: tuple[Mapping[str, Any], ...]
    relation: str | None = None
    reduced: Mapping[str, Any] = field(default_factory=dict)
    why: str = ""
    held_out: bool = False

    def params(self, reduced: bool = False) -> list[dict[str, Any]]:
        """Every run's full parameters (the case's defaults, the run's values, the reduced size)."""
        case = CASES[self.case]
        smaller = {k: v for k, v in self.reduced.items() if k != "replications"} if reduced else {}
        return [case.resolve({**run, **smaller}) for run in self.runs]

    def replications_at(self, reduced: bool = False) -> int:
        """Replications at full size, or at the reduced size when ``reduced`` gives them."""
        return int(self.reduced.get("replications", self.replications)) if reduced else self.replications


def published_path() -> Path:
    return Path(str(resources.files("cogov_sim") / "data" / "published.toml"))


def load_checks(path: str | Path | None = None) -> list[Check]:
    """The checks of the published-results file, validated (one-line errors naming the file)."""
    path = Path(path) if path else published_path()
    src = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CoGovInputError(f"cannot read: {exc}", source=src) from None
    checks = []
    for i, raw in enumerate(data.get("checks", [])):
        where = f"checks[{i}]"
        case = raw.get("case")
        if case not in CASES:
            raise CoGovInputError(f"{case!r} is not a docking case; allowed: {', '.join(CASES)}", source=src,
                                  key=f"{where}.case")
        runs, expect = tuple(raw.get("runs", ())), tuple(raw.get("expect", ()))
        if not runs or len(runs) != len(expect):
            raise CoGovInputError("needs 'runs' and one 'expect' entry per run", source=src, key=f"{where}.expect")
        if raw.get("relation") not in (None, *RELATIONS):
            raise CoGovInputError(f"{raw['relation']!r}; allowed: {', '.join(RELATIONS)}", source=src,
                                  key=f"{where}.relation")
        stat = raw.get("statistic")
        if stat not in CASES[case].statistics:
            raise CoGovInputError(f"{stat!r} is not a statistic of {case}; allowed: "
                                  f"{', '.join(CASES[case].statistics)}", source=src, key=f"{where}.statistic")
        check = Check(id=str(raw["id"]), case=case, source=str(raw.get("source", "")), claim=str(raw.get("claim", "")),
                      equivalence=str(raw.get("equivalence", "")), statistic=stat,
                      replications=int(raw.get("replications", 1)), runs=runs, expect=expect,
                      relation=raw.get("relation"), reduced=dict(raw.get("reduced", {})), why=str(raw.get("why", "")),
                      held_out=bool(raw.get("held_out", False)))
        check.params()  # every parameter known and allowed
        checks.append(check)
    return checks


# ------------------------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class Task:
    """One replication of one parameter set of a case."""

    index: int
    replication: int
    case: str
    params: Mapping[str, Any]
    seed: int


def run_task(task: Task) -> dict[str, Any]:
    return CASES[task.case].run_one(dict(task.params), task.seed)


def aggregate(stats: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean over replications of each statistic (curves elementwise; ``None``, as in 'never
    reached', counts as infinity)."""
    out: dict[str, Any] = {}
    for name in stats[0]:
        values = [s[name] for s in stats]
        if isinstance(values[0], list):
            if all(len(v) == len(values[0]) for v in values) and not isinstance(values[0][0], list):
                out[name] = np.mean(np.asarray(values, dtype=np.float64), axis=0).tolist()
            continue
        numbers = [math.inf if v is None else float(v) for v in values]
        out[name] = float(np.mean(numbers))
    return out


def run_sets(case: str, param_sets: Sequence[Mapping[str, Any]], *, seed: int, replications: int, executor=None,
             progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """Run each parameter set ``replications`` times (the same seeds for every set); return the
    per-replication statistics and their means, one dict per set."""
    from cogov_sim.experiments.executors import SerialExecutor

    seeds = replication_seeds(seed, replications)
    tasks = [Task(i, r, case, dict(p), seeds[r]) for i, p in enumerate(param_sets) for r in range(replications)]
    results: dict[tuple[int, int], dict[str, Any]] = {}
    for task, res in (executor or SerialExecutor()).map_unordered(run_task, tasks):
        if isinstance(res, BaseException):
            raise res
        results[task.index, task.replication] = res
        if progress is not None:
            progress(len(results), len(tasks))
    out = []
    for i, p in enumerate(param_sets):
        per_rep = [results[i, r] for r in range(replications)]
        out.append({"params": dict(p), "seeds": seeds, "replications": per_rep, "mean": aggregate(per_rep)})
    return out


# ----------------------------------------------------------------------------------------- verdicts
@dataclass
class RunVerdict:
    params: dict[str, Any]
    value: Any
    expected: str
    passed: bool
    gap: float | None = None


@dataclass
class CheckResult:
    check: Check
    runs: list[RunVerdict]
    relation_holds: bool | None
    seed: int
    replications: int
    reduced: bool

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.runs) and self.relation_holds is not False

    def to_dict(self) -> dict[str, Any]:
        c = self.check
        return {"check": c.id, "case": c.case, "claim": c.claim, "source": c.source, "equivalence": c.equivalence,
                "statistic": c.statistic, "held_out": c.held_out, "seed": self.seed, "replications": self.replications,
                "reduced": self.reduced, "relation": c.relation, "relation_holds": self.relation_holds,
                "passed": self.passed,
                "runs": [{"params": r.params, "value": r.value, "expected": r.expected, "gap": r.gap,
                          "passed": r.passed} for r in self.runs]}


def judge(expect: Mapping[str, Any], value: Any, params: Mapping[str, Any]) -> tuple[bool, str, float | None]:
    """Whether ``value`` meets ``expect``; the expectation in words, and the gap when it has one."""
    if "reference" in expect:
        tol = float(expect.get("tolerance", 0.0))
        ref = expect["reference"]
        if ref == "bass_recursion":
            curve = bass_recursion(params["p"], params["q"], params["steps"])
            gap = float(np.max(np.abs(np.asarray(value) - curve)))
            return gap <= tol, f"recursion, max gap <= {tol:g}", gap
        if ref == "bass_recursion_peak":
            target = peak_step(bass_recursion(params["p"], params["q"], params["steps"]))
            gap = abs(float(value) - target)
            return gap <= tol, f"{target} +- {tol:g}", gap
        raise CoGovInputError(f"unknown reference {ref!r}; allowed: bass_recursion, bass_recursion_peak",
                              key="expect.reference")
    v = float(value)
    if "value" in expect:
        target, tol = float(expect["value"]), float(expect.get("tolerance", 0.0))
        return abs(v - target) <= tol + 1e-12, f"{target:g} +- {tol:g}", abs(v - target)
    low, high = float(expect.get("low", -math.inf)), float(expect.get("high", math.inf))
    return low <= v <= high, f"{low:g} to {high:g}", None


def relation_holds(relation: str | None, values: Sequence[float]) -> bool | None:
    if relation is None:
        return None
    pairs = list(zip(values, values[1:], strict=False))
    if relation == "increasing":
        return all(b > a for a, b in pairs)
    if relation == "decreasing":
        return all(b < a for a, b in pairs)
    if relation == "equal":
        return all(abs(b - a) <= EQUAL_WITHIN for a, b in pairs)
    return all(b >= a for a, b in pairs)


def run_check(check: Check, *, seed: int = DEFAULT_SEED, replications: int | None = None, reduced: bool = False,
              executor=None, progress=None) -> CheckResult:
    """Run a check and judge it."""
    reps = replications or check.replications_at(reduced)
    sets = run_sets(check.case, check.params(reduced), seed=seed, replications=reps, executor=executor,
                    progress=progress)
    verdicts = []
    for s, expect in zip(sets, check.expect, strict=True):
        value = s["mean"][check.statistic]
        ok, expected, gap = judge(expect, value, s["params"])
        verdicts.append(RunVerdict(s["params"], value, expected, ok, gap))
    rel = relation_holds(check.relation, [float(np.mean(v.value)) if isinstance(v.value, list) else v.value
                                          for v in verdicts])
    return CheckResult(check, verdicts, rel, seed, reps, reduced)


def short_params(params: Mapping[str, Any], case: str) -> str:
    """The parameters that differ from the case's defaults, as text."""
    defaults = CASES[case].defaults()
    parts = []
    for k, v in params.items():
        if v == defaults.get(k):
            continue
        if isinstance(v, tuple):
            v = f"{len(v)} given"
        parts.append(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts) or "defaults"


def fmt_value(value: Any) -> str:
    if isinstance(value, list):
        return f"curve of {len(value)}"
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return "never"
    return f"{value:.3g}" if isinstance(value, float) else str(value)
