"""Scenarios: a complete, validated, immutable parameterisation, and the reading of scenario files.

A scenario is an immutable :class:`Scenario`: one frozen section per topic of
:mod:`cogov_sim.model.parameters` plus scheduled ``interventions``, ``shocks`` and ``pilots``.
Every value is checked against its parameter's definition on the way in.

Scenario files are TOML. A file may name a ``base`` file (relative to itself, else a scenario
name: :func:`cogov_sim.model.shipped.resolve_base`) whose values it overrides, so that a remedy
scenario states only what differs from the baseline; the resolved scenario written to every
run's manifest is always complete.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import reprlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogov_sim.errors import CoGovInputError
from cogov_sim.model import shipped
from cogov_sim.model.parameters import (
    CATEGORIES,
    LEVERS,
    PARAMETERS,
    SECTIONS,
    SHOCK_KINDS,
    Awareness,
    CapacityChange,
    Channels,
    CoGovernance,
    Costs,
    DataRisk,
    Decision,
    Enterprises,
    Feedback,
    Government,
    Institutions,
    Issues,
    Levers,
    NetworkSettings,
    ParamSpec,
    Participation,
    Population,
    RunSettings,
    ScenarioInfo,
    SocialOrgs,
    Space,
    TrustDynamics,
    Volunteering,
    lever_spec,
)


class FrozenMap(Mapping):
    """A read-only mapping that pickles (lever settings must travel to worker processes)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None):
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", dict(state))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items())))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


@dataclass(frozen=True)
class Intervention:
    """Levers set to new values in some communities from a given step on (the hook for pilots)."""

    step: int
    communities: tuple[int, ...] | None  # None: every community
    levers: Mapping[str, Any]
    label: str = ""


@dataclass(frozen=True)
class Shock:
    """A scheduled event: a surge of issues (flood, epidemic), a budget cut, or a data breach."""

    kind: str
    step: int
    duration: int = 1
    magnitude: float = 1.0
    communities: tuple[int, ...] | None = None
    category: str | None = None
    label: str = ""


PILOT_SELECTIONS: tuple[str, ...] = ("list", "random", "most_in_need", "best_connected", "most_able")
SCALE_UPS: tuple[str, ...] = ("none", "mandate", "imitation")
COMPARISONS: tuple[str, ...] = ("others", "neighbours", "distant")


@dataclass(frozen=True)
class Pilot:
    """A pilot programme (Fang 2024, 4.3: 以点带面, from points to the whole).

    ``levers`` are applied in the pilot communities from ``start`` and kept there; ``extra``
    levers (extra effort: attention, staff, money) only during the ``duration`` weeks. Sites are
    an explicit list, or ``count`` (or ``share``) communities chosen by ``select``: at random,
    most in need (most open issues per resident), best connected (most ties to other
    communities) or most able (highest mean digital literacy plus trust: the better-off sites
    real pilots favour). At the end the pilot is evaluated as a difference-in-differences of
    ``evaluate`` over ``window`` weeks before the start and before the end, against the
    comparison communities; then scale-up: ``none``; ``mandate`` (every community adopts when
    the gain reaches ``threshold``); or ``imitation``, where each community that has not adopted
    adopts each week with probability p + q x (share of its neighbouring communities, or of all
    communities with ``neighbourhood = "all"``, that have adopted): Bass (1969) diffusion.
    """

    levers: Mapping[str, Any]
    start: int
    duration: int
    label: str = "pilot"
    communities: tuple[int, ...] | None = None
    select: str = "list"
    count: int | None = None
    share: float | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: FrozenMap())
    evaluate: str = "resolution_rate"
    better: str = "higher"
    compare_with: str = "others"
    window: int = 13
    scale_up: str = "none"
    threshold: float | None = None
    p: float = 0.0
    q: float = 0.0
    neighbourhood: str = "network"

    def to_dict(self) -> dict[str, Any]:
        """As in a scenario file (``set`` for the levers), leaving out unset fields."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            out["set" if f.name == "levers" else f.name] = (list(v) if isinstance(v, tuple) else
                                                            dict(v) if isinstance(v, Mapping) else v)
        if out["select"] != "list":
            out.pop("communities", None)
        return out

    @property
    def end(self) -> int:
        """The week of the evaluation (the first week after the pilot)."""
        return self.start + self.duration

    def n_sites(self, n_communities: int) -> int:
        if self.communities is not None:
            return len(self.communities)
        if self.count is not None:
            return self.count
        return max(1, int(round((self.share or 0.0) * n_communities)))


@dataclass(frozen=True)
class Scenario:
    """A complete, validated, immutable parameterisation of the model."""

    scenario: ScenarioInfo = ScenarioInfo()
    run: RunSettings = RunSettings()
    space: Space = Space()
    network: NetworkSettings = NetworkSettings()
    population: Population = Population()
    issues: Issues = Issues()
    participation: Participation = Participation()
    channels: Channels = Channels()
    government: Government = Government()
    decision: Decision = Decision()
    feedback: Feedback = Feedback()
    trust: TrustDynamics = TrustDynamics()
    data: DataRisk = DataRisk()
    capacity: CapacityChange = CapacityChange()
    enterprises: Enterprises = Enterprises()
    social_orgs: SocialOrgs = SocialOrgs()
    institutions: Institutions = Institutions()
    awareness: Awareness = Awareness()
    volunteering: Volunteering = Volunteering()
    cogovernance: CoGovernance = CoGovernance()
    levers: Levers = Levers()
    costs: Costs = Costs()
    interventions: tuple[Intervention, ...] = ()
    shocks: tuple[Shock, ...] = ()
    pilots: tuple[Pilot, ...] = ()
    #: Folder that relative paths in the scenario (network files) are resolved against.
    base_dir: str = ""
    #: The file the scenario was read from (for error messages about it once the model is
    #: built); not part of its identity.
    source: str = field(default="", compare=False)

    def get(self, key: str) -> Any:
        """The value of a dotted key such as ``population.residents``."""
        section, name = key.split(".", 1)
        return getattr(getattr(self, section), name)

    def with_values(self, values: Mapping[str, Any], *, source: str = "--set") -> Scenario:
        """A new scenario with some dotted keys changed, validated like a file."""
        return apply_values(self, values, source=source)

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario as plain data (TOML/JSON-ready)."""
        out: dict[str, Any] = {}
        for section in SECTIONS:
            out[section] = {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(getattr(self, section)).items()
            }
        out["interventions"] = [
            {"step": i.step, "communities": list(i.communities) if i.communities is not None else "all",
             "set": dict(i.levers), "label": i.label}
            for i in self.interventions
        ]
        out["pilots"] = [pl.to_dict() for pl in self.pilots]
        out["shocks"] = [
            {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(s).items() if v is not None}
            for s in self.shocks
        ]
        return out

    @property
    def name(self) -> str:
        return self.scenario.name


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """'; did you mean ...?' for the closest of ``options`` to a misspelt ``word``, else ''."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def coerce(spec: ParamSpec, value: Any, *, source: str | None) -> Any:
    """Check one value against its specification and return it in canonical form."""

    def bad(what: str) -> CoGovInputError:
        return CoGovInputError(f"{what}; allowed: {spec.describe_allowed()} ({spec.unit})"
                               if spec.unit not in ("-", "") else f"{what}; allowed: {spec.describe_allowed()}",
                               source=source, key=spec.key)

    if spec.type is bool:
        if not isinstance(value, bool):
            raise bad(f"{_show(value)} is not a boolean")
        return value
    if spec.type is str:
        if not isinstance(value, str):
            raise bad(f"{_show(value)} is not a string")
        if spec.choices is not None and value not in spec.choices:
            raise CoGovInputError(f"{_show(value)} is not allowed; allowed: {spec.describe_allowed()}"
                                  f"{suggest(value, spec.choices)}", source=source, key=spec.key)
        return value
    if spec.type is tuple and spec.choices is not None:
        if not isinstance(value, (list, tuple)) or any(not isinstance(v, str) for v in value):
            raise bad(f"{_show(value)} is not a list of names")
        for v in value:
            if v not in spec.choices:
                raise CoGovInputError(f"{_show(v)} is not allowed; allowed: {spec.describe_allowed()}"
                                      f"{suggest(v, spec.choices)}", source=source, key=spec.key)
        return tuple(value)
    if spec.type is tuple:
        if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                       for v in value):
            raise bad(f"{_show(value)} is not a list of numbers")
        if spec.length is not None and len(value) != spec.length:
            raise bad(f"has {len(value)} numbers")
        vals = tuple(float(v) for v in value)
        for v in vals:
            if not math.isfinite(v) or (spec.low is not None and v < spec.low) or (
                    spec.high is not None and v > spec.high):
                raise bad(f"{v:g} is out of range")
        return vals
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{_show(value)} is not a number")
    if spec.type is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise bad(f"{_show(value)} is not an integer")
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise bad(f"{_show(value)} is not finite")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise bad(f"{_show(value)} is out of range")
    return value


#: Longest scenario name: 64 characters are at most 192 bytes in UTF-8 (every allowed character
#: takes at most 3), well inside the 255-byte limit of a folder name on common file systems.
NAME_MAX = 64
#: The characters a scenario name may hold besides ASCII letters, digits, ``-`` and ``_``: CJK
#: ideographs (Extension A, the unified block, compatibility ideographs), kana, Hangul, and the
#: full-width letters and digits that Chinese input methods type.
_CJK = ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
        "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a")
_NAME = re.compile(f"[0-9A-Za-z_{_CJK}][0-9A-Za-z_{_CJK}-]{{0,{NAME_MAX - 1}}}")
NAME_RULE = f"1 to {NAME_MAX} letters, digits, CJK characters, '-' or '_', not starting with '-'"


def check_name(name: str, *, source: str | None, from_file_name: bool = False) -> None:
    """Refuse a scenario name that is not one safe folder name.

    The name becomes a folder under ``results/`` (``results/<name>/<run id>``), so a name with a
    separator, ``..``, an absolute path, a NUL byte, an empty name or an overlong one would put
    results elsewhere or fail after the run."""
    if not _NAME.fullmatch(name):
        hint = "; set [scenario] name in the file" if from_file_name else ""
        what = "the file's name, used as the scenario name," if from_file_name else "it"
        raise CoGovInputError(f"{_show(name)} is not a safe folder name ({what} becomes results/<name>/){hint}; "
                              f"allowed: {NAME_RULE}", source=source, key="scenario.name")


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlist, _short.maxlevel = 60, 60, 8, 3


def _show(value: Any) -> str:
    """``repr(value)`` cut short, so that an error message about a huge or deeply nested value
    stays one readable line."""
    return _short.repr(value)


def _check_consistency(s: Scenario, source: str | None) -> None:
    """Rules that involve more than one parameter."""
    pop = s.population
    if pop.share_older + pop.share_young > 1.0 + 1e-9:
        raise CoGovInputError(
            f"population.share_older + population.share_young = {pop.share_older + pop.share_young:g} "
            "exceeds 1; allowed: shares that sum to at most 1", source=source, key="population.share_young")
    for name in ("mix_young", "mix_middle", "mix_older"):
        mix = getattr(s.issues, name)
        if abs(sum(mix) - 1.0) > 1e-6:
            raise CoGovInputError(f"shares sum to {sum(mix):g}; allowed: 4 shares that sum to 1",
                                  source=source, key=f"issues.{name}")
    if s.network.kind == "watts_strogatz" and s.network.ws_k % 2:
        raise CoGovInputError(f"{s.network.ws_k} is odd; allowed: an even integer", source=source,
                              key="network.ws_k")
    if s.network.kind == "file" and not s.network.file:
        raise CoGovInputError("network.kind = 'file' needs a file; allowed: a GraphML or edge-list path",
                              source=source, key="network.file")
    if s.network.kind == "complete" and pop.residents > 5000:
        raise CoGovInputError(f"{pop.residents} residents is too many for a complete graph; allowed: at most 5000",
                              source=source, key="population.residents")
    if s.network.kind != "file" and pop.residents < s.space.communities:
        raise CoGovInputError(f"{pop.residents} residents cannot fill {s.space.communities} communities; "
                              "allowed: at least one resident per community", source=source,
                              key="population.residents")
    k = None if s.network.kind == "file" else s.space.communities  # a file network's count is known when built
    for i in s.interventions:
        _check_communities(i.communities, k, source, "interventions")
        if i.step > s.run.steps:
            raise CoGovInputError(f"step {i.step} is after the last step {s.run.steps}; allowed: 0 to {s.run.steps}",
                                  source=source, key="interventions.step")
    for sh in s.shocks:
        _check_communities(sh.communities, k, source, "shocks")
        if sh.step > s.run.steps:
            raise CoGovInputError(f"{sh.kind} at step {sh.step} is after the last step {s.run.steps}, so it would "
                                  f"never happen; allowed: 1 to {s.run.steps}", source=source, key="shocks.step")
    _check_pilots(s, k, source)


def _check_communities(comms: tuple[int, ...] | None, k: int | None, source: str | None, where: str,
                       network: str = "") -> None:
    """Every community in ``comms`` must be one of the ``k`` communities (``k`` None: not known yet)."""
    if comms is None or k is None:
        return
    for c in comms:
        if not 0 <= c < k:
            raise CoGovInputError(f"community {c} does not exist{network}; allowed: 0 to {k - 1}",
                                  source=source, key=f"{where}.communities")


def fit_to_network(s: Scenario, n_residents: int, n_communities: int) -> Scenario:
    """The scenario with the residents and communities of the network read from a file.

    A scenario file cannot know how many communities its network file has, so the communities
    its interventions, shocks and pilots name are checked here, when the model is built; each
    fault is a :class:`CoGovInputError` naming the scenario file and the key. The recorded counts
    are the network's own, so the summary, manifest and written scenario of a run are true."""
    source = s.source or None
    network_file = str(Path(s.base_dir or ".") / s.network.file)
    low, high = PARAMETERS["population.residents"].low, PARAMETERS["population.residents"].high
    if not low <= n_residents <= high:
        raise CoGovInputError(f"has {n_residents:,} nodes; allowed: a network of {int(low):,} to {int(high):,} "
                              "nodes (the range of population.residents)", source=network_file, key="network.file")
    low, high = PARAMETERS["space.communities"].low, PARAMETERS["space.communities"].high
    if not low <= n_communities <= high:
        raise CoGovInputError(f"has {n_communities:,} communities; allowed: {int(low)} to {int(high):,} (the range "
                              "of space.communities)", source=network_file, key="network.community_attribute")
    where = f" in the network file {network_file} ({n_communities} communities)"
    for i in s.interventions:
        _check_communities(i.communities, n_communities, source, "interventions", where)
    for sh in s.shocks:
        _check_communities(sh.communities, n_communities, source, "shocks", where)
    fitted = dataclasses.replace(s, population=dataclasses.replace(s.population, residents=n_residents),
                                 space=dataclasses.replace(s.space, communities=n_communities))
    _check_pilots(fitted, n_communities, source, where)
    return fitted


def _parse_communities(value: Any, source: str | None, where: str) -> tuple[int, ...] | None:
    if value is None or value == "all":
        return None
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and value:
        return tuple(sorted(set(value)))
    raise CoGovInputError(f"{_show(value)} is not a community list; allowed: \"all\" or a non-empty list of "
                          "community numbers", source=source, key=f"{where}.communities")


def _parse_intervention(raw: Any, source: str | None) -> Intervention:
    if not isinstance(raw, dict):
        raise CoGovInputError("each [[interventions]] must be a table", source=source, key="interventions")
    allowed = {"step", "communities", "set", "label"}
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(sorted(allowed))}"
                                  f"{suggest(k, sorted(allowed))}", source=source, key=f"interventions.{k}")
    step = raw.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise CoGovInputError(f"{_show(step)} is not a step; allowed: an integer from 0", source=source,
                              key="interventions.step")
    levers = _parse_levers(raw.get("set"), source, "interventions.set")
    label = raw.get("label", "")
    return Intervention(step=step, communities=_parse_communities(raw.get("communities"), source, "interventions"),
                        levers=levers, label=str(label))


def _parse_levers(sets: Any, source: str | None, key: str, *, empty_ok: bool = False) -> Mapping[str, Any]:
    if sets is None and empty_ok:
        return FrozenMap()
    if not isinstance(sets, dict) or (not sets and not empty_ok):
        raise CoGovInputError("missing or empty; allowed: a table of lever = value", source=source, key=key)
    levers: dict[str, Any] = {}
    for name, value in sets.items():
        name = name.removeprefix("levers.")
        if name not in LEVERS:
            raise CoGovInputError(f"'{name}' is not a lever; allowed: {', '.join(LEVERS)}{suggest(name, LEVERS)}",
                                  source=source, key=key)
        levers[name] = coerce(lever_spec(name), value, source=source)
    return FrozenMap(levers)


def _parse_pilot(raw: Any, source: str | None) -> Pilot:
    from cogov_sim.model.outcomes import OUTCOME_NAMES

    if not isinstance(raw, dict):
        raise CoGovInputError("each [[pilots]] must be a table", source=source, key="pilots")
    allowed = ("label", "set", "extra", "start", "duration", "communities", "select", "count", "share", "evaluate",
               "better", "compare_with", "window", "scale_up", "threshold", "p", "q", "neighbourhood")
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(allowed)}{suggest(k, allowed)}",
                                  source=source, key=f"pilots.{k}")

    def integer(k: str, lo: int, default: Any = None) -> Any:
        v = raw.get(k, default)
        if v is None:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            raise CoGovInputError(f"{_show(v)} is not allowed; allowed: an integer from {lo}", source=source,
                                  key=f"pilots.{k}")
        return v

    def number(k: str, lo: float, hi: float, default: Any = None) -> Any:
        v = raw.get(k, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise CoGovInputError(f"{_show(v)} is not allowed; allowed: a number from {lo:g} to {hi:g}", source=source,
                                  key=f"pilots.{k}")
        return float(v)

    def choice(k: str, options: tuple[str, ...], default: str) -> str:
        v = raw.get(k, default)
        if v not in options:
            raise CoGovInputError(f"{_show(v)} is not allowed; allowed: {', '.join(options)}{suggest(str(v), options)}",
                                  source=source, key=f"pilots.{k}")
        return v

    communities = _parse_communities(raw.get("communities"), source, "pilots") if "communities" in raw else None
    select = choice("select", PILOT_SELECTIONS, "list" if communities is not None else "random")
    count, share = integer("count", 0), number("share", 0.0, 1.0)
    if select == "list" and communities is None:
        raise CoGovInputError("select = 'list' needs 'communities'; allowed: a list of community numbers, or "
                              f"select = one of {', '.join(PILOT_SELECTIONS[1:])} with 'count' or 'share'",
                              source=source, key="pilots.communities")
    if select != "list" and communities is not None:
        raise CoGovInputError(f"give either 'communities' or select = '{select}', not both", source=source,
                              key="pilots.select")
    if select != "list" and (count is None) == (share is None):
        raise CoGovInputError(f"select = '{select}' needs exactly one of 'count' or 'share'", source=source,
                              key="pilots.count")
    scale_up = choice("scale_up", SCALE_UPS, "none")
    threshold = number("threshold", -1e12, 1e12)
    if scale_up == "mandate" and threshold is None:
        raise CoGovInputError("scale_up = 'mandate' needs a 'threshold' (the evaluated gain that triggers it)",
                              source=source, key="pilots.threshold")
    evaluate = raw.get("evaluate", "resolution_rate")
    if evaluate not in OUTCOME_NAMES:
        raise CoGovInputError(f"{_show(evaluate)} is not an outcome{suggest(str(evaluate), OUTCOME_NAMES)}; allowed: an "
                              "outcome name such as resolution_rate", source=source, key="pilots.evaluate")
    if count == 0 and not (scale_up == "imitation" and threshold is None):
        raise CoGovInputError("count = 0 (no pilot sites) is only allowed for pure imitation (scale_up = "
                              "'imitation' without a threshold)", source=source, key="pilots.count")
    return Pilot(
        levers=_parse_levers(raw.get("set"), source, "pilots.set"), start=integer("start", 1, None) or 0,
        duration=integer("duration", 1, None) or 0, label=str(raw.get("label", "pilot")), communities=communities,
        select=select, count=count, share=share, extra=_parse_levers(raw.get("extra"), source, "pilots.extra",
                                                                      empty_ok=True),
        evaluate=evaluate, better=choice("better", ("higher", "lower"), "higher"),
        compare_with=choice("compare_with", COMPARISONS, "others"), window=integer("window", 1, 13),
        scale_up=scale_up, threshold=threshold, p=number("p", 0.0, 1.0, 0.0), q=number("q", 0.0, 1.0, 0.0),
        neighbourhood=choice("neighbourhood", ("network", "all"), "network"))


def _check_pilots(s: Scenario, known: int | None, source: str | None, network: str = "") -> None:
    """Each pilot against the horizon and, when the number of communities is ``known``, against
    it (sites that exist and leave a comparison community)."""
    k = s.space.communities
    for i, pl in enumerate(s.pilots):
        where = f"pilots[{i}] '{pl.label}'"
        if pl.start < 1 or pl.duration < 1:
            raise CoGovInputError(f"{where}: needs 'start' and 'duration' (integers from 1)", source=source,
                                  key="pilots.start")
        _check_communities(pl.communities, known, source, "pilots", network)
        if pl.end > s.run.steps:
            raise CoGovInputError(f"{where} is longer than the run: it runs from week {pl.start} for {pl.duration} "
                                  f"weeks and is evaluated in week {pl.end}, after the last week {s.run.steps}; "
                                  "allowed: start + duration <= run.steps",
                                  source=source, key="pilots.duration")
        if pl.start - pl.window < 1 and pl.n_sites(k) > 0:
            raise CoGovInputError(f"{where}: the evaluation needs {pl.window} recorded weeks before the start; "
                                  f"allowed: start > window ({pl.window})", source=source, key="pilots.start")
        if pl.window > pl.duration and pl.n_sites(k) > 0:
            raise CoGovInputError(f"{where}: window {pl.window} is longer than the pilot ({pl.duration} weeks)",
                                  source=source, key="pilots.window")
        if known is not None and pl.n_sites(k) >= k:
            raise CoGovInputError(f"{where}: {pl.n_sites(k)} pilot sites leave no comparison community{network}; "
                                  f"allowed: fewer than {k}", source=source, key="pilots.count")
    for i, a in enumerate(s.pilots):
        for b in s.pilots[i + 1:]:
            both = [n for n in a.levers if n in b.levers and a.levers[n] != b.levers[n]]
            both += [n for n in a.extra if n in b.extra and a.extra[n] != b.extra[n]]
            if not both:
                continue
            # sites chosen by a rule are never communities that have adopted already, so two pilots
            # that both choose by rule and spread nothing never share a site
            disjoint = a.scale_up == b.scale_up == "none" and (
                (a.communities is not None and b.communities is not None and not set(a.communities) & set(b.communities))
                or (a.select != "list" and b.select != "list"))
            if not disjoint:
                raise CoGovInputError(f"pilots '{a.label}' and '{b.label}' may cover the same communities but set "
                                      f"{', '.join(sorted(set(both)))} differently; allowed: the same value, or "
                                      "disjoint sites (explicit lists, or both chosen by a rule) without scale-up",
                                      source=source, key="pilots.set")


def _parse_shock(raw: Any, source: str | None) -> Shock:
    if not isinstance(raw, dict):
        raise CoGovInputError("each [[shocks]] must be a table", source=source, key="shocks")
    allowed = {"kind", "step", "duration", "magnitude", "communities", "category", "label"}
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(sorted(allowed))}"
                                  f"{suggest(k, sorted(allowed))}", source=source, key=f"shocks.{k}")
    kind = raw.get("kind")
    if kind not in SHOCK_KINDS:
        raise CoGovInputError(f"{_show(kind)} is not a shock kind; allowed: {', '.join(SHOCK_KINDS)}"
                              f"{suggest(str(kind), SHOCK_KINDS)}", source=source, key="shocks.kind")
    step, duration = raw.get("step"), raw.get("duration", 1)
    for k, v, lo in (("step", step, 1), ("duration", duration, 1)):
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            raise CoGovInputError(f"{_show(v)} is not allowed; allowed: an integer from {lo}", source=source,
                                  key=f"shocks.{k}")
    magnitude = raw.get("magnitude", 1.0)
    if isinstance(magnitude, bool) or not isinstance(magnitude, (int, float)) or not 0 <= magnitude <= 100:
        raise CoGovInputError(f"{_show(magnitude)} is not allowed; allowed: a number from 0 to 100", source=source,
                              key="shocks.magnitude")
    if kind == "budget_cut" and magnitude > 1:
        raise CoGovInputError(f"{_show(magnitude)} is not a share; allowed: a budget cut from 0 to 1", source=source,
                              key="shocks.magnitude")
    category = raw.get("category")
    if category is not None and category not in CATEGORIES:
        raise CoGovInputError(f"{_show(category)} is not a category; allowed: {', '.join(CATEGORIES)}"
                              f"{suggest(str(category), CATEGORIES)}", source=source, key="shocks.category")
    return Shock(kind=kind, step=step, duration=duration, magnitude=float(magnitude),
                 communities=_parse_communities(raw.get("communities"), source, "shocks"), category=category,
                 label=str(raw.get("label", "")))


def apply_values(base: Scenario, values: Mapping[str, Any], *, source: str | None) -> Scenario:
    """Return ``base`` with dotted keys replaced, each validated against its specification."""
    changes: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if key not in PARAMETERS:
            raise CoGovInputError(f"unknown parameter{suggest(key, list(PARAMETERS))}", source=source, key=key)
        section, name = key.split(".", 1)
        changes.setdefault(section, {})[name] = coerce(PARAMETERS[key], value, source=source)
        if key == "scenario.name":
            check_name(changes[section][name], source=source)
    replaced = {sec: dataclasses.replace(getattr(base, sec), **vals) for sec, vals in changes.items()}
    out = dataclasses.replace(base, **replaced)
    _check_consistency(out, source)
    return out


def _flatten(data: Mapping[str, Any], source: str) -> tuple[dict[str, Any], list[Any], list[Any], list[Any]]:
    flat: dict[str, Any] = {}
    interventions: list[Any] = []
    shocks: list[Any] = []
    pilots: list[Any] = []
    for section, body in data.items():
        if section == "base":
            continue
        if section == "interventions":
            interventions = body if isinstance(body, list) else [body]
            continue
        if section == "shocks":
            shocks = body if isinstance(body, list) else [body]
            continue
        if section == "pilots":
            pilots = body if isinstance(body, list) else [body]
            continue
        if section not in SECTIONS:
            options = [*SECTIONS, "base", "interventions", "shocks", "pilots"]
            raise CoGovInputError(f"unknown section{suggest(section, options)}; allowed: {', '.join(options)}",
                                  source=source, key=section)
        if not isinstance(body, dict):
            raise CoGovInputError("must be a table, e.g. [population]", source=source, key=section)
        for name, value in body.items():
            flat[f"{section}.{name}"] = value
    return flat, interventions, shocks, pilots


#: Longest chain of ``base`` files (a file, its base, its base's base ...): far more than any
#: real scenario needs, and far less than Python's recursion limit.
MAX_BASE_DEPTH = 16


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario file (and its ``base`` chain), apply overrides, validate, and return it.

    ``path`` may also be a scenario name (``"baseline"``), looked up as on the command line."""
    return _load(shipped.locate(str(path), "scenarios") or Path(path), overrides or {}, seen=())


def _read_toml(path: Path) -> dict[str, Any]:
    src = str(path)
    if not path.exists():
        raise CoGovInputError("file not found; allowed: a path to a .toml scenario file", source=src)
    if path.is_dir():
        raise CoGovInputError("is a folder; allowed: a path to a .toml scenario file", source=src)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoGovInputError(f"cannot be read ({exc.__class__.__name__}); allowed: a UTF-8 TOML file",
                              source=src) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CoGovInputError(f"malformed TOML: {exc}", source=src) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise CoGovInputError("values nested too deeply to read; allowed: a scenario file (a few levels of "
                              "tables and lists)", source=src) from None


def _load(path: Path, overrides: Mapping[str, Any], seen: tuple[Path, ...]) -> Scenario:
    src = str(path)
    data = _read_toml(path)
    base_name = data.get("base")
    if base_name is not None:
        if not isinstance(base_name, str):
            raise CoGovInputError(f"{_show(base_name)} is not a path; allowed: a scenario file name", source=src,
                                  key="base")
        try:
            base_path = shipped.resolve_base(base_name, path, seen)
        except CoGovInputError:
            raise
        except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop
            raise CoGovInputError(f"{_show(base_name)} is not a usable path ({exc}); allowed: a scenario file name",
                                  source=src, key="base") from None
        if len(seen) + 1 >= MAX_BASE_DEPTH:
            raise CoGovInputError(f"the chain of base files is more than {MAX_BASE_DEPTH} files long; allowed: at "
                                  f"most {MAX_BASE_DEPTH} files from this one to the first", source=src, key="base")
        base = _load(base_path, {}, (*seen, path.resolve()))
    else:
        base = Scenario()
    flat, raw_int, raw_shocks, raw_pilots = _flatten(data, src)
    if "scenario.name" not in flat:
        check_name(path.stem, source=src, from_file_name=True)
        flat["scenario.name"] = path.stem
    for key in ("scenario.title", "scenario.title_zh"):  # a display name names its own file, never a child
        flat.setdefault(key, "")
    scenario = apply_values(base, flat, source=src)
    interventions = (*base.interventions, *(_parse_intervention(r, src) for r in raw_int))
    shocks = (*base.shocks, *(_parse_shock(r, src) for r in raw_shocks))
    pilots = (*base.pilots, *(_parse_pilot(r, src) for r in raw_pilots))
    scenario = dataclasses.replace(scenario, interventions=tuple(interventions), shocks=tuple(shocks),
                                   pilots=tuple(pilots),
                                   base_dir=str(path.parent.resolve()), source=src)
    _check_consistency(scenario, src)
    if overrides:
        scenario = apply_values(scenario, overrides, source="--set")
    return scenario


def find_named_file(name: str, folder: str, what: str) -> Path:
    """A file given as a path, or by name (``baseline`` or ``pilots/01_random_sites``) in
    ``./<folder>/`` or among the files shipped with the package, in that order
    (:mod:`cogov_sim.model.shipped`); a one-line error with the closest name otherwise."""
    return shipped.find_named_file(name, folder, what)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``KEY=VALUE`` command-line override; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise CoGovInputError(f"{_show(text)} is not KEY=VALUE; allowed: e.g. population.residents=50000",
                              source="--set")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if key not in PARAMETERS:
        raise CoGovInputError(f"unknown parameter{suggest(key, list(PARAMETERS))}", source="--set", key=key)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    except RecursionError:
        raise CoGovInputError("value nested too deeply to read; allowed: a number, a string, true/false or a "
                              "flat list", source="--set", key=key) from None
    return key, value
