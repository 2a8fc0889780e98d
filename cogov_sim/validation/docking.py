"""Docking cases: each mechanism of the model, isolated, against the published model it comes
from (Axtell, Axelrod, Epstein & Cohen 1996).

Every case runs :class:`~cogov_sim.model.model.CoGovModel` itself, built from a scenario file in
``scenarios/docking/`` that switches every other mechanism off (``isolated.toml``), and exposes
the canonical model's own parameters under their usual names, mapped onto the scenario's
parameters. A case may set the initial state the published set-up prescribes (explicit
thresholds, the seed of a contagion) after construction; the weekly rules are the model's own.
The published results, their sources and tolerances are in ``cogov_sim/data/published.toml``
(read by :mod:`cogov_sim.validation.checks`).

Cases and statistics:

- ``granovetter`` (Granovetter 1978): ``participants``, the final number who take part;
- ``deffuant`` (Deffuant et al. 2000): ``clusters`` and ``major_clusters`` (at least 5% of agents);
- ``santos`` (Santos, Santos & Pacheco 2008): ``cooperator_fraction`` (mean over graphs of the share
  of cooperators over the last ``window`` generations);
- ``bass`` (Bass 1969): ``adoption`` (share adopted after each step) and ``peak_step``;
- ``centola`` (Centola & Macy 2007): ``adopted_fraction`` and ``steps_to_99``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.model import CoGovModel
from cogov_sim.model.population import NEVER
from cogov_sim.model.scenario import Scenario, find_named_file, load_scenario


@dataclass(frozen=True)
class CaseParam:
    """A parameter of a published model: its usual name, type, default and meaning."""

    name: str
    kind: str  # int, float, choice, thresholds
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def parse(self, value: Any, case: str) -> Any:
        """A value from a data file or the command line, checked; one-line errors name the case."""
        key = f"{case}.{self.name}"
        if self.kind == "thresholds":
            return parse_thresholds(value, key)
        if self.kind == "choice":
            if value not in self.choices:
                raise CoGovInputError(f"{value!r} is not allowed; allowed: {self.describe()}", key=key)
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CoGovInputError(f"{value!r} is not a number; allowed: {self.describe()}", key=key) from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise CoGovInputError(f"{value!r} is not allowed; allowed: {self.describe()}", key=key)
        if self.kind == "int":
            if number != int(number):
                raise CoGovInputError(f"{value!r} is not an integer; allowed: {self.describe()}", key=key)
            number = int(number)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise CoGovInputError(f"{value!r} is out of range; allowed: {self.describe()}", key=key)
        return number

    def describe(self) -> str:
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.kind == "thresholds":
            return "a list of numbers and a..b integer ranges, e.g. 0,2,2..99"
        what = "an integer" if self.kind == "int" else "a number"
        return f"{what} from {self.low:g} to {self.high:g}"


def parse_thresholds(value: Any, key: str) -> tuple[float, ...] | None:
    """Explicit thresholds: a list (or comma-separated text) of numbers and ``a..b`` inclusive
    integer ranges, e.g. ``[0, 2, "2..99"]`` or ``0,2,2..99``; empty or ``none``: not given."""
    if value is None or value == "" or value == "none":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[float] = []
    for item in items:
        text = str(item).strip()
        try:
            if ".." in text:
                a, b = (int(x) for x in text.split(".."))
                out.extend(float(x) for x in range(a, b + 1))
            else:
                out.append(float(text))
        except ValueError:
            raise CoGovInputError(f"{text!r} is not a number or a..b range; allowed: e.g. 0,2,2..99",
                                  key=key) from None
    return tuple(out)


@dataclass(frozen=True)
class Case:
    """A docking case: the published model, its parameters and how one replication runs."""

    name: str
    title: str
    source: str
    params: tuple[CaseParam, ...]
    statistics: tuple[str, ...]
    run_one: Callable[[dict[str, Any], int], dict[str, Any]]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults with ``values`` applied, each checked."""
        by_name = {p.name: p for p in self.params}
        out = self.defaults()
        for name, value in values.items():
            if name not in by_name:
                raise CoGovInputError(f"'{name}' is not a parameter of {self.name}; allowed: "
                                      f"{', '.join(by_name)}", key=f"{self.name}.{name}")
            out[name] = by_name[name].parse(value, self.name)
        return out


def case_scenario(name: str, values: Mapping[str, Any], seed: int) -> Scenario:
    """The case's scenario file with ``values`` (scenario parameters) and the seed applied."""
    path = find_named_file(f"docking/{name}", "scenarios", "docking scenario")
    return load_scenario(path, {**values, "run.seed": int(seed)})


def run_until(model: CoGovModel, measure: Callable[[], float], *, steps: int, stop: Callable[[list[float]], bool]
              ) -> list[float]:
    """Step the model up to ``steps`` weeks, recording ``measure()`` after each, until ``stop``."""
    history: list[float] = []
    for _ in range(steps):
        model.step()
        history.append(measure())
        if stop(history):
            break
    return history


def _settled(history: list[float], weeks: int = 2) -> bool:
    """Nothing changed for ``weeks`` weeks (a deterministic rule has reached its equilibrium)."""
    return len(history) > weeks and len(set(history[-weeks - 1:])) == 1


# ------------------------------------------------------------------------------------ granovetter
def run_granovetter(p: dict[str, Any], seed: int) -> dict[str, Any]:
    """Granovetter (1978) under complete mixing: a resident takes part once the number of others
    taking part reaches the resident's threshold (synchronous rounds, to equilibrium)."""
    n = p["n"]
    thresholds = p["thresholds"]
    if thresholds is not None and len(thresholds) != n:
        raise CoGovInputError(f"{len(thresholds)} thresholds for n = {n}; allowed: exactly n thresholds",
                              key="granovetter.thresholds")
    s = case_scenario("granovetter", {"population.residents": n, "population.threshold_mean": p["threshold_mean"],
                                      "population.threshold_sd": p["threshold_sd"],
                                      "participation.social_weight": float(n - 1), "run.steps": p["steps"]}, seed)
    model = CoGovModel(s)
    if thresholds is not None:
        model.residents.threshold[:] = np.asarray(thresholds, dtype=np.float64)
    r = model.residents
    history = run_until(model, lambda: float((r.last_part != NEVER).sum()), steps=p["steps"], stop=_settled)
    return {"participants": int(history[-1]), "rounds": len(history)}


# --------------------------------------------------------------------------------------- deffuant
def opinion_clusters(opinions: np.ndarray, gap: float) -> np.ndarray:
    """Sizes of the clusters of sorted opinions separated by at least ``gap``."""
    x = np.sort(np.asarray(opinions, dtype=np.float64))
    cuts = np.flatnonzero(np.diff(x) >= gap)
    return np.diff(np.concatenate([[0], cuts + 1, [x.size]]))


def run_deffuant(p: dict[str, Any], seed: int) -> dict[str, Any]:
    """Deffuant et al. (2000): random pairs on a complete graph, opinions U(0, 1) (trust)."""
    n = p["n"]
    weeks = max(1, math.ceil(p["interactions"] / (n / 2)))
    s = case_scenario("deffuant", {"population.residents": n, "trust.epsilon": p["epsilon"], "trust.mu": p["mu"],
                                   "trust.interaction_rate": 1.0, "run.steps": weeks}, seed)
    model = CoGovModel(s)
    model.run()
    sizes = opinion_clusters(model.residents.trust, p["epsilon"] / 2)
    return {"clusters": int(sizes.size), "major_clusters": int((sizes >= 0.05 * n).sum()),
            "largest_cluster_share": float(sizes.max() / n), "weeks": weeks}


# ----------------------------------------------------------------------------------------- santos
#: The scenario horizon caps at this many weeks; longer runs step the model on (its recorder grows).
LONGEST_SCENARIO = 5200


def run_santos(p: dict[str, Any], seed: int) -> dict[str, Any]:
    """Santos, Santos & Pacheco (2008): the neighbourhood public goods game, synchronous
    imitation. One replication runs ``graphs`` independent graphs (seeds spawned from ``seed``),
    each for ``generations`` generations from half cooperators; a graph's value is its share of
    cooperators averaged over the last ``window`` generations (the published protocol: 10^5
    transient generations, then 2,000 averaged), or its absorbing state (all or none, which
    nothing can change) once reached. The statistic is the mean over graphs."""
    from cogov_sim.model.rng import replication_seeds

    z = p["z"]
    values: dict[str, Any] = {"population.residents": p["n"], "volunteering.synergy": p["eta"] * (z + 1),
                              "volunteering.cost_model": p["cost"], "volunteering.interval": 1,
                              "volunteering.revision": "imitation",
                              "run.steps": min(p["generations"], LONGEST_SCENARIO)}
    if p["graph"] == "regular":
        if z % 2:
            raise CoGovInputError(f"z = {z} for a regular ring lattice; allowed: an even degree", key="santos.z")
        values.update({"network.kind": "watts_strogatz", "network.ws_k": z, "network.ws_rewiring": 0.0})
    else:
        if z % 2:
            raise CoGovInputError(f"z = {z} for a scale-free graph (m = z / 2); allowed: an even mean degree",
                                  key="santos.z")
        values.update({"network.kind": "barabasi_albert", "network.ba_m": z // 2})
    window = min(p["window"], p["generations"])
    fractions, absorbed = [], []
    for graph_seed in replication_seeds(seed, p["graphs"]):
        model = CoGovModel(case_scenario("santos", values, graph_seed))
        coop = model.residents
        history = run_until(model, lambda coop=coop: float(coop.cooperator.mean()), steps=p["generations"],
                            stop=lambda h: h[-1] in (0.0, 1.0))  # absorbed: nothing can change any more
        absorbed.append(history[-1] in (0.0, 1.0))
        fractions.append(history[-1] if absorbed[-1] else float(np.mean(history[-window:])))
    return {"cooperator_fraction": float(np.mean(fractions)), "per_graph": fractions,
            "absorbed_share": float(np.mean(absorbed))}


# ------------------------------------------------------------------------------------------- bass
def bass_recursion(p: float, q: float, steps: int) -> np.ndarray:
    """Expected share adopted after each step of the discrete Bass process:
    F(t+1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0 (Bass 1969, one-step increments)."""
    f, out = 0.0, np.empty(steps)
    for t in range(steps):
        f = f + (p + q * f) * (1.0 - f)
        out[t] = f
    return out


def bass_peak(p: float, q: float) -> tuple[float, float]:
    """Continuous Bass peak: t* = ln(q/p) / (p + q) and F(t*) = 1/2 - p / (2q)."""
    return math.log(q / p) / (p + q), 0.5 - p / (2 * q)


def peak_step(adoption: np.ndarray) -> int:
    """The step (1-based) with the most new adopters."""
    return int(np.argmax(np.diff(np.concatenate([[0.0], adoption])))) + 1


def run_bass(p: dict[str, Any], seed: int) -> dict[str, Any]:
    """Bass (1969) among ``n`` communities: imitation scale-up of a reform with no pilot sites."""
    n = p["n"]
    s = case_scenario("bass", {"space.communities": n, "population.residents": 10 * n, "run.steps": p["steps"]},
                      seed)
    model = CoGovModel(dataclasses.replace(s, pilots=(dataclasses.replace(s.pilots[0], p=p["p"], q=p["q"]),)))
    model.run()
    adoption = model.timeseries()["adopted"]
    return {"adoption": adoption.tolist(), "peak_step": peak_step(adoption), "final": float(adoption[-1])}


# ---------------------------------------------------------------------------------------- centola
def run_centola(p: dict[str, Any], seed: int) -> dict[str, Any]:
    """Centola & Macy (2007): complex contagion from a seeded neighbourhood on a rewired ring."""
    s = case_scenario("centola", {"population.residents": p["n"], "network.ws_k": p["k"],
                                  "network.ws_rewiring": p["rewiring"], "awareness.threshold": p["threshold"],
                                  "run.steps": p["steps"]}, seed)
    model = CoGovModel(s)
    net, r = model.network, model.residents
    r.aware[np.concatenate([[0], net.indices[net.indptr[0]:net.indptr[1]]])] = True
    history = run_until(model, lambda: float(r.aware.mean()), steps=p["steps"],
                        stop=lambda h: h[-1] >= 0.99 or _settled(h))
    reached = [i for i, a in enumerate(history) if a >= 0.99]
    return {"adopted_fraction": history[-1], "steps_to_99": (reached[0] + 1) if reached else None,
            "steps": len(history)}


CASES: dict[str, Case] = {c.name: c for c in (
    Case("granovetter", "Threshold model of collective behaviour", "Granovetter (1978), AJS 83(6):1420-1443",
         (CaseParam("n", "int", 100, "people (complete mixing)", 2, 5000),
          CaseParam("threshold_mean", "float", 25.0, "mean threshold, a count of others taking part", -1e6, 1e6),
          CaseParam("threshold_sd", "float", 10.0, "standard deviation of the normal thresholds", 0, 1e6),
          CaseParam("thresholds", "thresholds", None, "explicit thresholds instead, e.g. 0,2,2..99"),
          CaseParam("steps", "int", 1000, "most rounds to run (stops at equilibrium)", 1, 100000)),
         ("participants",), run_granovetter),
    Case("deffuant", "Bounded-confidence opinion dynamics", "Deffuant, Neau, Amblard & Weisbuch (2000), ACS 3:87-98",
         (CaseParam("n", "int", 1000, "agents (random pairs, complete graph)", 2, 5000),
          CaseParam("epsilon", "float", 0.2, "confidence bound", 0, 1),
          CaseParam("mu", "float", 0.5, "convergence parameter", 0, 0.5),
          CaseParam("interactions", "int", 100000, "pair meetings drawn in all", 1, 10**9)),
         ("clusters", "major_clusters"), run_deffuant),
    Case("santos", "Public goods game on networks", "Santos, Santos & Pacheco (2008), Nature 454:213-216",
         (CaseParam("n", "int", 1000, "individuals", 10, 10**6),
          CaseParam("z", "int", 4, "mean degree", 2, 100),
          CaseParam("eta", "float", 0.8, "renormalised synergy r / (z + 1)", 0, 100),
          CaseParam("graph", "choice", "regular", "regular ring lattice or scale-free (Barabasi-Albert)",
                    choices=("regular", "scale_free")),
          CaseParam("cost", "choice", "per_game", "a cooperator pays per game or a fixed amount in all",
                    choices=("per_game", "per_individual")),
          CaseParam("graphs", "int", 5, "independent graphs averaged in one replication", 1, 1000),
          CaseParam("generations", "int", 3000, "generations (synchronous updates) in all", 1, 10**6),
          CaseParam("window", "int", 2000, "last generations averaged (all of them when fewer)", 1, 10**6)),
         ("cooperator_fraction",), run_santos),
    Case("bass", "Bass diffusion of a reform among communities", "Bass (1969), Management Science 15(5):215-227",
         (CaseParam("n", "int", 1000, "communities", 2, 2000),
          CaseParam("p", "float", 0.03, "coefficient of innovation (external push), per step", 0, 1),
          CaseParam("q", "float", 0.38, "coefficient of imitation, per step", 0, 1),
          CaseParam("steps", "int", 30, "steps", 1, 5200)),
         ("adoption", "peak_step"), run_bass),
    Case("centola", "Complex contagion and the weakness of long ties", "Centola & Macy (2007), AJS 113(3):702-734",
         (CaseParam("n", "int", 10000, "nodes of the ring lattice", 20, 10**6),
          CaseParam("k", "int", 8, "ring-lattice degree (even)", 2, 1000),
          CaseParam("threshold", "int", 2, "adopting neighbours needed", 1, 1000),
          CaseParam("rewiring", "float", 0.0, "probability that a tie is rewired at random", 0, 1),
          CaseParam("steps", "int", 3000, "most steps (stops when 99% adopted or nothing changes)", 1, 10**6)),
         ("adopted_fraction", "steps_to_99"), run_centola),
)}
