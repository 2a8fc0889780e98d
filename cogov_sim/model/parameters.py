"""The parameters: the one definition of every parameter of the model, in one table.

Every parameter is declared exactly once, below, as a field of a frozen section (``population``,
``issues``, ``levers`` ...) whose metadata carries its unit, its allowed range, its plausible
range for sensitivity analysis, a line of documentation, its source or the reason for its value,
and its label in English and Chinese. The command line, the experiment designs, the workshop app
and the tables' metadata read parameters from here (:func:`parameter_specs`), never from a copy.
Reading, merging and checking scenario files is :mod:`cogov_sim.model.scenario`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, get_type_hints

from cogov_sim.model.policies import POLICY_NAMES

#: Issue categories, one per government department (section 3.2: departments that do not share).
CATEGORIES: tuple[str, ...] = ("civil_affairs", "urban_management", "environment", "social_security")
CATEGORY_LABELS_ZH: tuple[str, ...] = ("民政", "城市管理", "环境", "社会保障")
#: Participation channels, in the order used by every channel array.
CHANNELS: tuple[str, ...] = ("online", "hotline", "offline")
#: Age groups of residents, in the order used by every group array.
AGE_GROUPS: tuple[str, ...] = ("young", "middle", "older")
COGOVERNANCE_MODES: tuple[str, ...] = ("government_led", "consultative", "collaborative")
DECISION_MODES: tuple[str, ...] = ("habit", "data_driven")
NETWORK_KINDS: tuple[str, ...] = ("sbm", "watts_strogatz", "barabasi_albert", "complete", "file")
SHOCK_KINDS: tuple[str, ...] = ("issue_surge", "budget_cut", "data_breach")
LEVER_NAMES: tuple[str, ...] = (
    "online_platform", "hotline", "transparency", "digital_investment", "security_investment", "training",
    "active_service", "grid_workers", "data_sharing", "awareness_campaign", "cogovernance_mode",
    "decision_mode", "third_party_evaluation", "partnerships", "upper_supervision",
)


@dataclass(frozen=True)
class ParamSpec:
    """Everything known about one parameter: what it is, its unit, range and source."""

    key: str
    type: type
    default: Any
    unit: str
    doc: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    length: int | None = None
    plausible: tuple[float, float] | None = None
    #: Why the plausible range is what it is (a source, or the modelling reason).
    why: str = ""
    label_en: str = ""
    label_zh: str = ""
    lever: bool = False

    def describe_allowed(self) -> str:
        """A short phrase saying which values are allowed."""
        if self.choices is not None and self.type is tuple:
            return "a list of names from " + ", ".join(repr(c) for c in self.choices)
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is bool:
            return "true or false"
        kind = {int: "an integer", float: "a number", str: "a string"}.get(self.type, "a list")
        if self.length is not None:
            kind = f"a list of {self.length} numbers"
        if self.low is not None and self.high is not None:
            return f"{kind} from {_fmt(self.low)} to {_fmt(self.high)}"
        return kind


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def p(
    default: Any,
    unit: str,
    doc: str,
    source: str,
    low: float | None = None,
    high: float | None = None,
    *,
    choices: tuple[str, ...] | None = None,
    length: int | None = None,
    plausible: tuple[float, float] | None = None,
    why: str = "",
    en: str = "",
    zh: str = "",
    lever: bool = False,
) -> Any:
    """Declare one parameter: a dataclass field whose metadata is its specification. Every
    numeric parameter has a ``plausible`` range (for sensitivity analysis and as the prior of
    calibration; for a list, the range of each element) and ``why`` it is that range."""
    meta = dict(
        unit=unit, doc=doc, source=source, low=low, high=high, choices=choices, length=length,
        plausible=plausible, why=why, label_en=en, label_zh=zh, lever=lever,
    )
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata=meta)



# --------------------------------------------------------------------------------------------
# Calibrated defaults: the point estimate of the Bayesian calibration (cogov calibrate), kept in
# one data file that every scenario's defaults come from.
# --------------------------------------------------------------------------------------------
CALIBRATION_SOURCE = ("calibrated: point estimate of the ABC-SMC calibration to the observed patterns "
                      "(cogov calibrate; cogov_sim/data/calibrated.toml; docs/validation.md)")


def _calibrated_defaults() -> dict[str, dict[str, float]]:
    """``cogov_sim/data/calibrated.toml``: the calibrated value of each calibrated parameter, by
    section (the format of a calibration's ``point_estimate.toml``); empty without the file."""
    import tomllib
    from importlib.resources import files

    path = files("cogov_sim").joinpath("data", "calibrated.toml")
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


CALIBRATED_DEFAULTS: dict[str, dict[str, float]] = _calibrated_defaults()


def calibrated(section: str):
    """Class decorator (below ``@dataclass``): the section's calibrated parameters take their
    default from :data:`CALIBRATED_DEFAULTS` instead of the value written in the class."""

    def apply(cls: type) -> type:
        for name, value in CALIBRATED_DEFAULTS.get(section, {}).items():
            f = cls.__dict__.get(name)
            if not isinstance(f, dataclasses.Field) or not isinstance(f.default, float):
                raise ValueError(f"cogov_sim/data/calibrated.toml: {section}.{name} is not a real-valued parameter")
            f.default = float(value)
        return cls

    return apply


# --------------------------------------------------------------------------------------------
# Sections. Sources: Fang (2024) is the seed paper; "calibrated" values were set so that the
# baseline reproduces the patterns of docs/validation.md; "modelling choice" values carry the
# reason in their doc line.
# --------------------------------------------------------------------------------------------
FANG = "Fang (2024)"
#: Reasons for plausible ranges that many parameters share.
RANGE_NO_DATA = ("half to twice the value: a modelling choice without data, so the range spans what a modeller could "
                 "defend")
RANGE_CALIBRATED = "the hand calibration pinned it only roughly: about half to twice the calibrated value"
CALIB = "calibrated by hand to the baseline patterns of docs/odd.md, section 1"


@dataclass(frozen=True)
class ScenarioInfo:
    """What the scenario is and which part of the paper it stands for."""

    name: str = p("scenario", "-", "Short name used in result paths (results/<name>/) and reports: 1 to 64 letters, "
                   "digits, CJK characters, '-' or '_', not starting with '-'.", "user")
    title: str = p("", "-", "Display name in English, for figures and reports (empty: the name); not inherited "
                   "from a base file.", "user")
    title_zh: str = p("", "-", "Display name in Chinese, for figures, reports and workshops (empty: the English "
                      "title); not inherited from a base file.", "user")
    description: str = p("", "-", "One sentence on what the scenario represents.", "user")
    description_zh: str = p("", "-", "The same sentence in Chinese, for Chinese reports and workshops.", "user")
    paper_section: str = p("", "-", "Section of Fang (2024) the scenario stands for.", FANG)

    def display(self, lang: str = "en") -> str:
        """The scenario's name as people read it: its title in ``lang`` (zh, en), else the English
        title, else its short name."""
        return (self.title_zh if lang == "zh" else "") or self.title or self.name


@dataclass(frozen=True)
class RunSettings:
    """Horizon and the root seed."""

    steps: int = p(156, "weeks", "Number of weekly steps (156 = three years).",
                   "model design (docs/odd.md, 2. Entities and scales): a step is one week, default horizon three years", 1, 5200,
                   en="Weeks to run", zh="运行周数",
                   plausible=(52, 520), why="a policy horizon of one to ten years: what planners compare reforms over")
    seed: int = p(20240514, "-", "Root seed; every random stream is spawned from it.",
                  "modelling choice (the paper's publication date)", 0, 2**63 - 1)
    burn_in: int = p(520, "weeks", "Most weeks simulated before week 1, unrecorded, under the status-quo levers, "
                     "so that queues, participation and attitudes start from the status quo's steady state; the "
                     "burn-in ends earlier once the status quo is stationary (run.burn_in_tolerance).",
                     "modelling choice: a spin-up period (common ABM practice) long enough for the slowest "
                     "adjustment, here awareness spreading by word of mouth", 0, 5200,
                     plausible=(260, 1040), why=("five to twenty years of status quo: long enough for the slowest "
                                                 "adjustment (service orientation, lag 104 weeks) and the stationarity test"
                                                 " (a 104-week window)"))
    burn_in_tolerance: float = p(0.01, "share", "The status quo counts as stationary when none of participation, "
                                 "trust, efficacy, privacy concern, awareness and open issues per resident trends, "
                                 "over the last 104 burn-in weeks, by as much as this per 156 weeks beyond two "
                                 "standard errors of the trend (tested every 26 weeks); 0: always burn in for "
                                 "run.burn_in weeks.",
                                 "modelling choice: half of the 0.02 within which the baseline's first and last "
                                 "half-years must agree", 0.0, 1.0,
                                 plausible=(0.005, 0.02), why=("a quarter to all of the 0.02 within which the baseline's "
                                                               "first and last half-years must agree"))
    inert_levers: tuple[str, ...] = p([], "-", "Levers whose cost is paid but whose effect is switched off "
                                      "(to show that a lever acts only through its mechanism).",
                                      "testing aid", choices=LEVER_NAMES)


@dataclass(frozen=True)
class Space:
    """The jurisdiction: a street office or township made of communities."""

    communities: int = p(12, "communities", "Number of communities (社区/村) in the jurisdiction.",
                         "model design (docs/odd.md, 2. Entities and scales): about a dozen communities in an "
                         "urban street", 1, 2000,
                         en="Communities", zh="社区数",
                         plausible=(6, 30), why=("modelling choice: an urban street office oversees from several to a few "
                                                 "dozen residents' committees"))


@dataclass(frozen=True)
class NetworkSettings:
    """The residents' social network."""

    kind: str = p("sbm", "-", "Generator: community block model, Watts-Strogatz, Barabasi-Albert, "
                  "complete graph, or a file.", "model design (docs/odd.md, 7. Submodels): generator chosen in the scenario",
                  choices=NETWORK_KINDS, en="Network kind", zh="网络类型")
    degree_within: float = p(8.0, "ties/resident", "Mean number of ties inside one's own community (sbm).",
                             "modelling choice: neighbourhood ties dominate (Granovetter 1973)",
                             0.0, 500.0,
                             plausible=(4.0, 14.0), why=("modelling choice: from a sparse to a dense neighbourhood network,"
                                                         " about half to almost twice the value"))
    degree_between: float = p(2.0, "ties/resident", "Mean number of ties to other communities (sbm).",
                              "modelling choice: a fifth of ties cross community lines", 0.0, 100.0,
                              plausible=(0.5, 4.0), why="from a tenth to about a third of ties crossing community lines")
    ws_k: int = p(10, "ties/resident", "Ring-lattice degree before rewiring (watts_strogatz); even.",
                  "Watts & Strogatz (1998)", 2, 1000,
                  plausible=(4, 20), why="the degrees of the sbm range (4-14 within plus a few between), rounded to even")
    ws_rewiring: float = p(0.1, "probability", "Share of lattice ties rewired at random (watts_strogatz).",
                           "Watts & Strogatz (1998)", 0.0, 1.0,
                           plausible=(0.0, 0.5), why=("from a lattice to a network as random as Watts & Strogatz's small-"
                                                      "world range allows"))
    ba_m: int = p(5, "ties/new resident", "Ties each new node brings (barabasi_albert).",
                  "Barabasi & Albert (1999)", 1, 500,
                  plausible=(2, 10), why="mean degree 4 to 20, as for the other generators")
    file: str = p("", "path", "Network file (GraphML, or an edge list with node_file) for kind 'file', "
                  "relative to the scenario file.", "user")
    node_file: str = p("", "path", "For an edge list: CSV with columns 'node' and the community attribute.",
                       "user")
    community_attribute: str = p("community", "-", "Node attribute holding each resident's community.",
                                 "user")


@dataclass(frozen=True)
@calibrated("population")
class Population:
    """Residents: how many, their ages, digital literacy and starting attitudes."""

    residents: int = p(10_000, "residents", "Number of adult residents.",
                       "model design (docs/odd.md, 2. Entities and scales): around ten thousand residents in an "
                       "urban street", 10, 20_000_000,
                       en="Residents", zh="居民人数",
                       plausible=(5000, 50000), why=("modelling choice: a street office of small to large size, half to "
                                                     "five times the default"))
    community_size_cv: float = p(0.3, "-", "Coefficient of variation of community sizes.",
                                 "modelling choice: urban communities range from ~2,000 to ~10,000 people",
                                 0.0, 2.0,
                                 plausible=(0.1, 0.6), why=("communities of roughly equal size up to the 2,000-10,000 "
                                                            "spread of urban communities"))
    share_older: float = p(0.21, "share", "Share of residents aged 60 and over.",
                           "NBS 2023: 21.1% of the population aged 60+", 0.0, 1.0,
                           en="Share aged 60+", zh="60岁以上比例",
                           plausible=(0.12, 0.35), why=("modelling choice around the national 21% (NBS 2023): from younger "
                                                        "to strongly ageing streets"))
    share_young: float = p(0.36, "share", "Share of adult residents aged 18-39.",
                           "NBS 7th census (2020) age structure of adults", 0.0, 1.0,
                           plausible=(0.25, 0.45), why=("modelling choice around the 2020 census value: from older to "
                                                        "younger cities"))
    older_share_spread: float = p(0.06, "share", "Spread (sd) of the older share across communities.",
                                  "modelling choice: old work-unit compounds vs new estates", 0.0, 0.3,
                                  plausible=(0.02, 0.12), why=("from similar estates to the contrast of old work-unit "
                                                               "compounds and new estates"))
    literacy_young: float = p(0.90, "0-1", "Mean digital literacy of residents aged 18-39.",
                              "CNNIC 2023: internet use above 95% under 40", 0.0, 1.0,
                              plausible=(0.8, 0.97), why="CNNIC 2023: internet use above 95% under 40; literacy below use")
    literacy_middle: float = p(0.74, "0-1", "Mean digital literacy of residents aged 40-59.",
                               "CNNIC 2023: internet use about 85% at 40-59", 0.0, 1.0,
                               plausible=(0.6, 0.85), why="CNNIC 2023: internet use about 85% at 40-59; literacy below use")
    literacy_older: float = p(0.45, "0-1", "Mean digital literacy of residents aged 60+.",
                              "CNNIC 2021-2025: 43% to 52% of the 60+ online", 0.0, 1.0,
                              plausible=(0.3, 0.6), why="CNNIC 2021-2025: 43% to 52% of the 60+ online")
    literacy_concentration: float = p(6.0, "-", "Beta concentration (a+b) of digital literacy.",
                                      "modelling choice: wide spread within each age group", 0.5, 1000.0,
                                      plausible=(3.0, 12.0), why=RANGE_NO_DATA)
    trust_mean: float = p(0.55, "0-1", "Mean initial trust in the grassroots government.",
                          "Ash Center survey 2011: satisfaction with township government about 0.55",
                          0.0, 1.0, en="Initial trust", zh="初始信任",
                          plausible=(0.4, 0.7), why=("Ash Center surveys 2003-2016 (Cunningham, Saich & Turiel 2020): "
                                                     "satisfaction with township government rose from about 0.44 to 0.70"))
    trust_concentration: float = p(8.0, "-", "Beta concentration of initial trust.", "modelling choice",
                                   0.5, 1000.0,
                                   plausible=(4.0, 16.0), why=RANGE_NO_DATA)
    efficacy_mean: float = p(0.35, "0-1", "Mean initial belief that participating works.",
                             "Fang (2024) 3.2: most people only wish to receive policy passively",
                             0.0, 1.0,
                             plausible=(0.2, 0.5), why=("Fang (2024) 3.2: most people only wish to receive policy "
                                                        "passively; below the middle of the scale"))
    privacy_mean: float = p(0.40, "0-1", "Mean initial privacy concern.",
                            "Fang (2024) 3.1: widespread worry about data leaks", 0.0, 1.0,
                            plausible=(0.2, 0.6), why=("Fang (2024) 3.1: widespread worry about data leaks; below to "
                                                       "somewhat above the middle"))
    satisfaction_mean: float = p(0.55, "0-1", "Mean initial satisfaction with the grassroots government (a standing "
                                 "attitude, also its resting level).", "Ash Center survey 2011: satisfaction with "
                                 "township government about 0.55", 0.0, 1.0,
                                 plausible=(0.4, 0.7), why="as trust_mean: surveys of satisfaction with local government")
    attitude_concentration: float = p(6.0, "-", "Beta concentration of efficacy and privacy concern.",
                                      "modelling choice", 0.5, 1000.0,
                                      plausible=(3.0, 12.0), why=RANGE_NO_DATA)
    aware_share: float = p(0.45, "share", "Initial share aware of the online and hotline channels.",
                           "Fang (2024) 3.2: residents understand the mechanisms only superficially",
                           0.0, 1.0,
                           plausible=(0.2, 0.7), why=("Fang (2024) 3.2: residents know the channels only superficially; "
                                                      "from a fifth to most"))
    threshold_mean: float = p(0.0, "utility", "Mean personal participation threshold.",
                              "Granovetter (1978): heterogeneous thresholds; 0 puts the scale in `participation`",
                              -100.0, 100.0,
                              plausible=(-0.5, 0.5), why=("a shift of the threshold scale of about one threshold_sd either "
                                                          "way (the scale is set by participation.base)"))
    threshold_sd: float = p(0.5, "utility", "Spread of personal participation thresholds.",
                            "Granovetter (1978)", 0.0, 100.0,
                            plausible=(0.2, 1.0), why=("Granovetter (1978): heterogeneous thresholds; a spread from well "
                                                       "below to twice the taste noise"))
    cooperator_share: float = p(0.5, "share", "Initial share of residents willing to volunteer.",
                                "Santos, Santos & Pacheco (2008): half cooperators at start", 0.0, 1.0,
                                plausible=(0.3, 0.7), why=("Santos et al. (2008) start from half; the logit revision "
                                                           "forgets the start within months"))


@dataclass(frozen=True)
class Issues:
    """Local problems that residents face."""

    rate: float = p(0.02, "issues/resident/week", "Weekly chance that a resident without an open issue gets one.",
                    "Beijing 12345 reports: about one request per resident per year", 0.0, 1.0,
                    en="Issue rate", zh="问题发生率",
                    plausible=(0.01, 0.04), why=("Beijing 12345: about one request per resident per year; half to twice "
                                                 "that for need that goes unreported"))
    community_rate_spread: float = p(0.3, "log-sd", "Spread of issue rates across communities.",
                                     "modelling choice: needs differ between old and new estates", 0.0, 2.0,
                                     plausible=(0.1, 0.6), why=("from similar communities to a two-fold difference in need "
                                                                "between old and new estates"))
    cross_department_share: float = p(0.3, "share", "Share of issues that span two departments.",
                                      "Fang (2024) 3.2: information does not flow between departments",
                                      0.0, 1.0,
                                      plausible=(0.1, 0.5), why=("Fang (2024) 3.2; modelling choice: from a tenth to half "
                                                                 "of issues"))
    max_unreported_weeks: int = p(12, "weeks", "An unreported issue is given up (unmet) after this long.",
                                  "modelling choice: a quarter", 1, 10_000,
                                  plausible=(6, 26), why="a resident gives up an unvoiced problem after one to six months")
    mix_young: tuple[float, ...] = p([0.15, 0.40, 0.30, 0.15], "shares", "Issue categories of residents 18-39 "
                                     "(civil affairs, urban management, environment, social security).",
                                     "Beijing 12345 topic shares by caller age (housing, traffic, environment lead)",
                                     0.0, 1.0, length=4,
                                     plausible=(0.05, 0.5), why=("each category's share of 12345 requests by caller age "
                                                                 "lies within about 0.05-0.5; a design that varies a mix "
                                                                 "must keep it summing to 1"))
    mix_middle: tuple[float, ...] = p([0.20, 0.30, 0.25, 0.25], "shares", "Issue categories of residents 40-59.",
                                      "as mix_young", 0.0, 1.0, length=4,
                                      plausible=(0.05, 0.5), why="as issues.mix_young")
    mix_older: tuple[float, ...] = p([0.35, 0.20, 0.15, 0.30], "shares", "Issue categories of residents 60+.",
                                     "modelling choice: older residents' needs lean to civil affairs and social "
                                     "security (welfare)",
                                     0.0, 1.0, length=4,
                                     plausible=(0.05, 0.5), why="as issues.mix_young")


@dataclass(frozen=True)
@calibrated("participation")
class Participation:
    """The participation choice: a nested logit over staying silent and the three channels, whose
    upper level is a random-utility threshold rule (Granovetter 1978; McFadden 1978)."""

    base: float = p(-2.5, "utility", "Utility of taking part with no motive.", CALIB, -20.0, 20.0,
                    plausible=(-3.5, -1.5), why=("the calibrated value plus or minus one utility unit, about the taste "
                                                 "noise's spread: the hand calibration pinned it to the baseline "
                                                 "participation only roughly"))
    issue_motive: float = p(1.1, "utility", "Added utility for a resident with an unreported issue.",
                            CALIB, 0.0, 20.0,
                            plausible=(1.0, 2.5), why=("an own unreported problem is the strongest single motive (Verba, "
                                                       "Schlozman & Brady 1995); about one to two and a half utility units"))
    efficacy_weight: float = p(1.0, "utility", "Weight of efficacy.", "Verba, Schlozman & Brady (1995)",
                               0.0, 20.0,
                               plausible=(0.5, 2.0), why="Verba, Schlozman & Brady (1995); half to twice the value")
    trust_weight: float = p(0.5, "utility", "Weight of trust in the government.", "Verba et al. (1995)",
                            0.0, 20.0,
                            plausible=(0.25, 1.0), why=("Verba et al. (1995): trust matters less than efficacy; half to "
                                                        "twice the value"))
    social_weight: float = p(1.0, "utility", "Weight of the share of neighbours who took part recently.",
                             "Granovetter (1978)", 0.0, 100.0,
                             plausible=(1.0, 3.0), why=("Granovetter (1978): neighbours' participation can outweigh own "
                                                        "motives; one to three utility units"))
    privacy_weight: float = p(0.8, "utility", "Cost of privacy concern on the online channel.",
                              "Fang (2024) 3.1", 0.0, 20.0,
                              plausible=(0.3, 1.5), why=("Fang (2024) 3.1: privacy worries deter online use; from a small "
                                                         "to a dominant cost"))
    quality_weight: float = p(0.5, "utility", "Gain from platform quality on the online channel.",
                              "Fang (2024) 3.1", 0.0, 20.0,
                              plausible=(0.25, 1.0), why=("half to twice the value: no data on how much platform quality "
                                                          "draws users"))
    noise: float = p(0.5, "utility", "Scale of the logistic taste shock on taking part against staying silent; "
                     "0 makes the rule deterministic.", "McFadden (1974) random utility", 0.0, 20.0,
                     plausible=(0.25, 1.0), why="McFadden (1974): the taste shock's scale from half to twice the value")
    channel_dissimilarity: float = p(
        1.0, "1", "Dissimilarity of the channel nest: the taste shock on the choice among channels is this "
        "times noise. 1 is a multinomial logit over silence and the three channels; toward 0 the best channel is "
        "always taken (channels perfect substitutes).",
        "McFadden (1978) nested logit; Train (2009) ch. 4: a value in (0, 1] is consistent with random utility. "
        "Modelling choice 1 (no nesting assumed) until calibrated to channel use by age", 0.0, 1.0,
        plausible=(0.3, 1.0), why="Train (2009) ch. 4: values in (0, 1] are consistent with random utility")
    window: int = p(13, "weeks", "A resident counts as participating for this long after taking part.",
                    "modelling choice: a quarter, as in participation surveys", 1, 100_000,
                    plausible=(4, 52), why="surveys ask about participation in the last month to the last year")


@dataclass(frozen=True)
@calibrated("channels")
class Channels:
    """Costs of the participation channels, in utility units."""

    online_cost: float = p(0.3, "utility", "Cost of the online platform for a fully literate resident.",
                           CALIB, 0.0, 20.0,
                           plausible=(0.1, 0.6), why=RANGE_CALIBRATED)
    online_literacy_penalty: float = p(1.6, "utility", "Extra online cost at zero digital literacy.",
                                       "CNNIC: the digital divide by age", 0.0, 20.0,
                                       plausible=(0.8, 2.5), why=("CNNIC: the digital divide by age; half to about one and "
                                                                  "a half times the value"))
    hotline_cost: float = p(0.7, "utility", "Cost of the hotline.", CALIB, 0.0, 20.0,
                            plausible=(0.35, 1.4), why=RANGE_CALIBRATED)
    hotline_literacy_penalty: float = p(0.3, "utility", "Extra hotline cost at zero digital literacy.",
                                        "modelling choice: a phone call needs little literacy", 0.0, 20.0,
                                        plausible=(0.0, 0.6), why=("a phone call needs little literacy: from none to twice "
                                                                   "the value"))
    offline_cost: float = p(1.0, "utility", "Cost of going to the residents' committee or a meeting.",
                            CALIB, 0.0, 20.0,
                            plausible=(0.5, 2.0), why=RANGE_CALIBRATED)
    offline_older_discount: float = p(0.5, "utility", "Lower offline cost for residents aged 60+ (more time, "
                                      "live nearby).", "Shanghai survey: turnout 14% at 18-29, 78% at 70-79",
                                      0.0, 20.0,
                                      plausible=(0.25, 1.0), why=("Shanghai survey of turnout by age (14% at 18-29, 78% at "
                                                                  "70-79): the older take part offline far more; half to "
                                                                  "twice the value"))


@dataclass(frozen=True)
@calibrated("government")
class Government:
    """The grassroots government's starting capacities."""

    budget: float = p(120.0, "CNY/resident/year", "Discretionary budget for reforms and channels.",
                      "modelling choice: about 1% of a street's per-capita spending", 0.0, 10_000.0,
                      en="Reform budget", zh="改革预算",
                      plausible=(60.0, 240.0), why=("half to twice the value: about 0.5% to 2% of a street's per-capita "
                                                    "spending"))
    staff_per_10k: float = p(18.0, "staff/10,000 residents", "Caseworkers per 10,000 residents.",
                             "MCA 2021: at least 18 community workers per 10,000 urban residents",
                             0.0, 1000.0, en="Staff per 10k", zh="每万人工作人员",
                             plausible=(10.0, 30.0), why=("MCA 2021: at least 18 community workers per 10,000 urban "
                                                          "residents; streets range from below to well above the norm"))
    cases_per_staff_week: float = p(2.5, "cases/staff/week", "Cases a caseworker of skill 1 closes per week "
                                    "with no platform.", CALIB, 0.0, 100.0,
                                    plausible=(1.5, 5.0), why="calibrated (docs/validation.md): the grid fit's range")
    initial_skill: float = p(0.4, "0-1", "Starting staff skill.", "Fang (2024) 3.1: lack of talent",
                             0.0, 1.0,
                             plausible=(0.2, 0.6), why="Fang (2024) 3.1: lack of talent; low to middling")
    initial_orientation: float = p(0.15, "0-1", "Starting service orientation (0 passive, 1 active).",
                                   "Fang (2024) 3.3: passive, top-down habits", 0.0, 1.0,
                                   plausible=(0.05, 0.3), why="Fang (2024) 3.3: passive, top-down habits; low")
    initial_platform_quality: float = p(0.1, "0-1", "Starting digital platform quality.",
                                        "Fang (2024) 3.1: weak digital construction", 0.0, 1.0,
                                        plausible=(0.05, 0.3), why="Fang (2024) 3.1: weak digital construction; low")
    initial_security: float = p(0.2, "0-1", "Starting data-security level.",
                                "Fang (2024) 3.1: weak data security", 0.0, 1.0,
                                plausible=(0.1, 0.4), why="Fang (2024) 3.1: weak data security; low")
    silo_level: float = p(0.7, "0-1", "How little departments share information at the start.",
                          "Fang (2024) 3.2: departments' information is hard to pass", 0.0, 1.0,
                          en="Silo level", zh="部门壁垒",
                          plausible=(0.3, 0.9), why=("Fang (2024) 3.2: departments share little; from partly to almost not "
                                                     "at all"))
    silo_penalty: float = p(0.8, "share", "Loss of handling chance of a cross-department case at full silo.",
                            CALIB, 0.0, 1.0,
                            plausible=(0.4, 1.0), why=RANGE_CALIBRATED)
    platform_productivity_gain: float = p(1.0, "share", "Extra productivity at platform quality 1.",
                                          "Fang (2024) 3.3: paper processing is slow", 0.0, 10.0,
                                          plausible=(0.5, 2.0), why=RANGE_NO_DATA)
    paper_record_rate: float = p(0.5, "share", "Share of offline reports recorded with no platform.",
                                 "Fang (2024) 3.3: paper-based document management", 0.0, 1.0,
                                 plausible=(0.25, 0.75), why=("half to one and a half times the value: how much of paper-"
                                                              "based reporting reaches the records"))
    patience_weeks: float = p(2.0, "weeks", "A case resolved within this wait satisfies its reporter.",
                              "Beijing 12345: requests answered within days", 0.0, 100.0,
                              plausible=(1.0, 4.0), why=("Beijing 12345 answers within days; residents expect an answer "
                                                         "within one to four weeks"))
    grid_cases_per_worker: float = p(4.0, "cases/worker/week", "Minor cases a grid worker settles on the spot "
                                     "each week.", "grid management practice: grid workers resolve small matters "
                                     "directly (网格员就地解决)", 0.0, 100.0,
                                     plausible=(0.5, 4.0), why=("grid workers settle small matters on the spot; from one "
                                                                "every two weeks to most of a working week's visits"))
    satisfaction_late: float = p(0.6, "0-1", "Satisfaction of a reporter whose case was resolved after patience.",
                                 CALIB, 0.0, 1.0,
                                 plausible=(0.4, 0.95), why=("a late solution satisfies less than a timely one (1) and more "
                                                             "than none; nothing measured sets a lower ceiling"))
    satisfaction_failed: float = p(0.2, "0-1", "Satisfaction of a reporter whose case failed (a clear answer "
                                   "still satisfies some).", "Beijing 12345 ratings count answers as well as "
                                   "solutions", 0.0, 1.0,
                                   plausible=(0.1, 0.4), why=("Beijing 12345 ratings count a clear answer without a "
                                                              "solution as partly satisfying"))
    max_wait_weeks: int = p(8, "weeks", "A queued case still open after this long is counted as failed.",
                            "modelling choice: two months", 1, 10_000,
                            plausible=(4, 16), why=("one to four months: the time limits of 12345 handling rules and their "
                                                    "extensions"))
    time_limit_priority: float = p(0.5, "share", "Share of each cell's capacity left after watched requests that "
                                   "serves cases under a formal time limit (by hotline, in person, or filed by a grid "
                                   "worker: rules.TIME_LIMITED) before ordinary online messages.",
                                   "12345 time limits (General Office of the State Council 2020, Guofaban 53); letters "
                                   "and visits within 60 days (Regulations on Letters and Visits 2005, art. 33) and "
                                   "counted in officials' evaluations (Minzner 2006); ordinary online messages had no "
                                   "limit and about a third were answered (Chen, Pan & Xu 2016); size calibrated",
                                   0.0, 1.0, en="Time-limited cases first", zh="限时案件优先",
                                   plausible=(0.0, 1.0), why=("not measured: from no precedence to serving every "
                                                              "time-limited case first; fitted by calibration"))
    follow_up_share: float = p(0.7, "share", "Share of the online requests on a board that upper levels watch "
                               "(levers.upper_supervision = 1) which they follow up: forward to the office concerned "
                               "with a deadline (督办), so that the office serves them before every other case. "
                               "The rest wait as ordinary requests.",
                               "People's Daily Leaders' Message Board once every province had a mechanism for its "
                               "messages: 83% answered at district and county level (first half of 2018) and 78% in "
                               "all (January-April 2019), People's Daily Online reports; with a followed-up message "
                               "answered and the rest at the ordinary third (Chen, Pan & Xu 2016), "
                               "(0.78 - 1/3) / (1 - 1/3) = 0.67 to (0.83 - 1/3) / (1 - 1/3) = 0.75",
                               0.0, 1.0, en="Watched requests followed up", zh="督办跟进比例",
                               plausible=(0.45, 0.8), why=("the board's province-level rate of 66% (first half of "
                                                           "2018) gives 0.49, its district and county rate of 83% "
                                                           "0.75; a little room either side"))


@dataclass(frozen=True)
class Decision:
    """Periodic re-allocation of effort across communities and categories (paper 2.1)."""

    interval: int = p(13, "weeks", "Weeks between allocation decisions.", "modelling choice: quarterly",
                      1, 1000,
                      plausible=(4, 26), why="monthly to half-yearly allocation meetings")
    adjustment: float = p(0.5, "share", "How far a data-driven decision moves toward the observed demand.",
                          "modelling choice: partial adjustment", 0.0, 1.0,
                          plausible=(0.25, 1.0), why=("partial adjustment, from a quarter to all of the way toward observed"
                                                      " demand each decision"))
    evaluation_weight: float = p(0.6, "share", "Weight of the third-party estimate of true need.",
                                 "Fang (2024) 4.2: third parties reduce decision risk", 0.0, 1.0,
                                 plausible=(0.3, 0.9), why=("Fang (2024) 4.2: third parties inform decisions; from a minor "
                                                            "to the main input"))
    habit_weights: tuple[float, ...] = p([0.7, 1.0, 1.0, 0.7], "weight", "Weight the inherited allocation that "
                                         "habit repeats gives each category (civil affairs, urban management, "
                                         "environment, social security) against its expected need.",
                                         "Fu & Zhang (2007), Management World 2007(3): China's local governments, "
                                         "competing for growth, bias spending toward construction and away from "
                                         "public services; Jiang, Meng & Zhang (2019): welfare gained once online "
                                         "participation revealed demand; size a modelling choice",
                                         0.0, 10.0, length=4,
                                         plausible=(0.5, 1.0), why=("Fu & Zhang (2007): spending biased away from public "
                                                                    "services; each category's weight from half to full"))


@dataclass(frozen=True)
@calibrated("feedback")
class Feedback:
    """How outcomes change residents' trust and efficacy (paper 2.2)."""

    resolved_trust_gain: float = p(0.08, "share of gap", "Trust gained by a resolved reporter.", CALIB, 0.0, 1.0,
                                   plausible=(0.04, 0.16), why=RANGE_CALIBRATED)
    resolved_efficacy_gain: float = p(0.15, "share of gap", "Efficacy gained by a resolved reporter.",
                                      CALIB, 0.0, 1.0,
                                      plausible=(0.08, 0.3), why=RANGE_CALIBRATED)
    failed_trust_loss: float = p(0.15, "share", "Trust lost when a reported case fails.", CALIB, 0.0, 1.0,
                                 plausible=(0.08, 0.3), why=RANGE_CALIBRATED)
    failed_efficacy_loss: float = p(0.2, "share", "Efficacy lost when a reported case fails.", CALIB, 0.0, 1.0,
                                    plausible=(0.1, 0.4), why=RANGE_CALIBRATED)
    wait_trust_loss: float = p(0.01, "share/week", "Trust lost per week of waiting beyond patience.",
                               CALIB, 0.0, 1.0,
                               plausible=(0.005, 0.02), why=RANGE_CALIBRATED)
    silent_efficacy_loss: float = p(0.03, "share", "Efficacy lost when an unreported issue is given up.",
                                    "modelling choice", 0.0, 1.0,
                                    plausible=(0.015, 0.06), why=RANGE_NO_DATA)
    satisfaction_weight: float = p(0.3, "share of gap", "How far a resident's standing satisfaction moves toward "
                                   "the score of a case of theirs that closed (or of an issue given up unreported, "
                                   "scored as a failed case).", "modelling choice: an exponentially weighted memory "
                                   "of one's recent cases", 0.0, 1.0,
                                   plausible=(0.1, 0.5), why=("an exponentially weighted memory of one's last two to ten "
                                                              "cases"))
    vicarious_weight: float = p(0.3, "share of gap", "Weight of neighbours' visible outcomes, times transparency.",
                                "Fang (2024) 2.2: disclosure builds trust", 0.0, 10.0,
                                plausible=(0.1, 0.6), why=("Fang (2024) 2.2: disclosure builds trust; a neighbour's outcome"
                                                           " counts a third to twice as much as the value"))
    memory_half_life: float = p(
        52.0, "weeks", "Half-life of experience: each week trust and efficacy move back toward the resident's "
        "resting level (its initial draw) so that half of any gap closes in this time; 0: experience never fades.",
        "Mishler & Rose (2001): trust is part socialised disposition, part learned from recent institutional "
        "performance; about a year: the loss of patients after a hospital's breach is largest in the first "
        "years and then fades (Kwon & Johnson 2025, Prod. Oper. Manag. 34(7):1779-1798)",
        0.0, 100_000.0,
        plausible=(26.0, 156.0), why=("Mishler & Rose (2001): trust follows recent performance; half a year to three years "
                                      "(modelling choice)"))


@dataclass(frozen=True)
class TrustDynamics:
    """Trust influence among neighbours: bounded confidence (Deffuant et al. 2000)."""

    epsilon: float = p(0.3, "trust units", "Confidence bound: neighbours closer than this influence each other.",
                       "Deffuant et al. (2000)", 0.0, 1.0,
                       plausible=(0.1, 0.5), why=("Deffuant et al. (2000): from several opinion clusters (0.1) to consensus"
                                                  " (0.5)"))
    mu: float = p(0.1, "share", "Convergence parameter.", "Deffuant et al. (2000)", 0.0, 0.5,
                  plausible=(0.05, 0.3), why=("Deffuant et al. (2000): the convergence parameter affects only the speed; "
                                              "half to three times the value"))
    interaction_rate: float = p(0.2, "pairs/resident/week", "Chance a resident discusses with a neighbour in a week.",
                                "modelling choice", 0.0, 1.0,
                                plausible=(0.1, 0.4), why=RANGE_NO_DATA)


@dataclass(frozen=True)
class DataRisk:
    """Stored personal data and breaches (paper 3.1)."""

    breach_hazard: float = p(0.004, "1/week", "Breach hazard per stored record per resident at zero security.",
                             CALIB, 0.0, 10.0,
                             plausible=(0.002, 0.03), why=("calibrated by hand; from half to several times the value, for "
                                                           "the uncertainty in breach frequencies of public bodies' records"))
    record_retention: float = p(0.99, "share/week", "Share of stored records kept each week.",
                                "modelling choice: records deleted over about two years", 0.0, 1.0,
                                plausible=(0.98, 0.995), why="records deleted over about one to four years")
    sharing_records: float = p(0.5, "records/case", "Extra records per case at full inter-department sharing.",
                               "modelling choice", 0.0, 10.0,
                               plausible=(0.25, 1.0), why=RANGE_NO_DATA)
    exposure: float = p(0.3, "share", "Share of residents with stored data who are hit by a breach.",
                        "modelling choice", 0.0, 1.0,
                        plausible=(0.15, 0.6), why=RANGE_NO_DATA)
    trust_loss: float = p(0.2, "share", "Trust lost by a resident whose data leaked (share of the way to 0; "
                          "about 0.1 points at trust 0.5).", "calibrated by hand; in the range of Strzelecki & "
                          "Rizun (2022), Sustainability 14:5866 (trust in a breached retailer fell strongly, one "
                          "in three customers would leave) and Ablon et al. (2016), RAND RR-1187 (11% of notified "
                          "customers stopped dealing with the firm)", 0.0, 1.0,
                          plausible=(0.1, 0.3), why=("Strzelecki & Rizun (2022): breached customers' trust fell strongly; a"
                                                     " tenth to three tenths of the way to 0"))
    privacy_gain: float = p(0.3, "share of gap", "Privacy concern gained by a resident whose data leaked.",
                            CALIB, 0.0, 1.0,
                            plausible=(0.15, 0.6), why=RANGE_CALIBRATED)
    neighbour_privacy_gain: float = p(0.3, "share of gap", "Privacy concern gained, times the share of "
                                      "neighbours hit.", "modelling choice: news spreads by word of mouth",
                                      0.0, 1.0,
                                      plausible=(0.15, 0.6), why=RANGE_NO_DATA)
    media_privacy_gain: float = p(0.02, "share of gap", "Privacy concern gained by every resident of the "
                                  "community from news of a breach.", "modelling choice", 0.0, 1.0,
                                  plausible=(0.01, 0.05), why=RANGE_NO_DATA)
    media_trust_loss: float = p(0.02, "share", "Trust lost by every resident of a community from news of a breach "
                                "there (share of the way to 0; about 0.01 points at trust 0.5).",
                                "Shandler & Gomez (2023), J. Inf. Technol. Politics 20:359-374: exposure to news of "
                                "a cyberattack on a hospital lowered confidence in government; size a modelling "
                                "choice, a fifth of the loss of those exposed", 0.0, 1.0,
                                plausible=(0.0, 0.05), why=("Shandler & Gomez (2023): news of a cyberattack lowered "
                                                            "confidence in government by a few per cent"))
    privacy_half_life: float = p(
        13.0, "weeks", "Half-life of heightened privacy concern: each week concern moves back toward the "
        "resident's resting level so that half of any gap closes in this time; 0: concern never fades.",
        "Preibusch (2015), Commun. ACM 58(5):48-55: public interest in privacy after the Snowden revelations "
        "fell back to its earlier level within months, with no lasting change in behaviour; Acquisti, Friedman & "
        "Telang (2006, ICIS): the market's reaction to a breach fades within days", 0.0, 100_000.0,
        plausible=(4.0, 26.0), why=("Preibusch (2015): interest in privacy fell back within months of the Snowden "
                                    "revelations"))


@dataclass(frozen=True)
@calibrated("capacity")
class CapacityChange:
    """How money and programmes change capacities, slowly (paper 4.1, 4.3)."""

    platform_scale: float = p(30.0, "CNY/resident/year", "Digital investment giving 63% of the full platform.",
                              CALIB, 0.1, 10_000.0,
                              plausible=(15.0, 60.0), why=RANGE_CALIBRATED)
    platform_lag: float = p(52.0, "weeks", "Time constant of platform quality.", "modelling choice: a year",
                            1.0, 1000.0,
                            plausible=(26.0, 104.0), why="a platform is built over half a year to two years")
    security_scale: float = p(15.0, "CNY/resident/year", "Security investment giving 63% of full security.",
                              CALIB, 0.1, 10_000.0,
                              plausible=(7.5, 30.0), why=RANGE_CALIBRATED)
    security_lag: float = p(26.0, "weeks", "Time constant of the security level.", "modelling choice", 1.0, 1000.0,
                            plausible=(13.0, 52.0), why="security measures take a quarter to a year to take effect")
    training_scale: float = p(20.0, "CNY/resident/year", "Training spend giving 63% of the skill gap closed.",
                              CALIB, 0.1, 10_000.0,
                              plausible=(10.0, 40.0), why=RANGE_CALIBRATED)
    skill_lag: float = p(78.0, "weeks", "Time constant of staff skill.", "Fang (2024) 4.3: mindsets change slowly",
                         1.0, 1000.0,
                         plausible=(52.0, 156.0), why="Fang (2024) 4.3: skills and mindsets change over one to three years")
    orientation_lag: float = p(104.0, "weeks", "Time constant of service orientation.",
                               "Fang (2024) 3.3: traditional thinking is entrenched", 1.0, 1000.0,
                               plausible=(52.0, 208.0), why=("Fang (2024) 3.3: entrenched thinking changes over one to four"
                                                             " years"))
    active_service_effect: float = p(2.0, "-", "Pull of a full active-service programme on service orientation "
                                     "(orientation target 1 - (1 - o0) exp(-effect x intensity)).",
                                     "Fang (2024) 4.3", 0.0, 100.0,
                                     plausible=(1.0, 4.0), why=RANGE_NO_DATA)
    training_orientation_effect: float = p(0.5, "-", "Pull of training on service orientation, per training_scale "
                                           "of spending.", "Fang (2024) 4.3", 0.0, 100.0,
                                           plausible=(0.25, 1.0), why=RANGE_NO_DATA)
    grid_find_rate: float = p(0.15, "1/week per worker/1000", "Weekly finding hazard of one grid worker per "
                              "1,000 residents at full active orientation.", CALIB, 0.0, 10.0,
                              plausible=(0.075, 0.3), why=RANGE_CALIBRATED)
    partnership_gain: float = p(0.5, "share", "Extra effect of digital investment with firm/university partners.",
                                "Fang (2024) 4.1", 0.0, 10.0,
                                plausible=(0.25, 1.0), why=RANGE_NO_DATA)


@dataclass(frozen=True)
@calibrated("enterprises")
class Enterprises:
    """Enterprises: capacity, CSR, technology, and data they process."""

    count: int = p(6, "enterprises", "Number of enterprises.", "modelling choice", 0, 10_000,
                   plausible=(3, 12), why=RANGE_NO_DATA)
    communities_served: int = p(3, "communities", "Communities each enterprise serves.", "modelling choice",
                                1, 2000,
                                plausible=(1, 6), why="from one community to half of a dozen")
    capacity_per_10k: float = p(6.0, "cases/week/10,000 residents", "Cases all enterprises together could "
                                "close per week at full engagement.", CALIB, 0.0, 10_000.0,
                                plausible=(3.0, 12.0), why=RANGE_CALIBRATED)
    csr_mean: float = p(0.3, "0-1", "Mean readiness to help unpaid (CSR).", "modelling choice", 0.0, 1.0,
                        plausible=(0.15, 0.5), why=("modelling choice: firms help unpaid a little; half to about one and a "
                                                    "half times the value"))
    tech_mean: float = p(0.5, "0-1", "Mean technical capability.", "modelling choice", 0.0, 1.0,
                         plausible=(0.3, 0.7), why="from modest to strong technical capability")
    security_mean: float = p(0.5, "0-1", "Mean data security of enterprises' own stores of residents' records; "
                             "each enterprise's store is its own source of breaches.", "modelling choice",
                             0.0, 1.0,
                             plausible=(0.3, 0.7), why="from weaker to stronger than a middling data security")
    data_share: float = p(0.3, "share", "Share of a community's stored records that enterprises process when they "
                          "hold its data (under partnerships, or a service contract under collaboration), split "
                          "equally among them.", "Fang (2024) 3.1", 0.0, 1.0,
                          plausible=(0.15, 0.6), why=RANGE_NO_DATA)


@dataclass(frozen=True)
@calibrated("social_orgs")
class SocialOrgs:
    """Community organisations, NGOs, volunteer groups and professional/academic third parties."""

    count: int = p(8, "organisations", "Number of social organisations.", "modelling choice", 0, 10_000,
                   plausible=(4, 16), why=RANGE_NO_DATA)
    communities_reached: int = p(2, "communities", "Communities each organisation works in.",
                                 "modelling choice", 1, 2000,
                                 plausible=(1, 4), why="from one community to a third of a dozen")
    membership_share: float = p(0.15, "share", "Share of a reached community's residents who are members.",
                                "modelling choice", 0.0, 1.0,
                                plausible=(0.05, 0.3), why=("from a twentieth to under a third of residents belonging to an"
                                                            " organisation"))
    capacity_per_10k: float = p(5.0, "cases/week/10,000 residents", "Cases all organisations together could "
                                "mediate per week at full engagement.", CALIB, 0.0, 10_000.0,
                                plausible=(2.5, 10.0), why=RANGE_CALIBRATED)
    credibility_mean: float = p(0.6, "0-1", "Mean credibility.", "modelling choice", 0.0, 1.0,
                                plausible=(0.4, 0.8), why="from doubted to trusted organisations")
    independence_mean: float = p(0.5, "0-1", "Mean independence from the government.", "modelling choice",
                                 0.0, 1.0,
                                 plausible=(0.2, 0.8), why=("Zheng & Bu (2020): many third parties are pseudo-independent; "
                                                            "from dependent to largely independent"))
    third_party_share: float = p(0.25, "share", "Share of organisations that are professional/academic third "
                                 "parties able to evaluate.", "Fang (2024) 4.2", 0.0, 1.0,
                                 plausible=(0.1, 0.5), why=("Fang (2024) 4.2; from one evaluator in ten organisations to "
                                                            "half"))
    campaign_reach: float = p(0.08, "1/week", "Weekly chance an unaware member becomes aware at full campaign.",
                              CALIB, 0.0, 1.0,
                              plausible=(0.04, 0.16), why=RANGE_CALIBRATED)
    public_reach: float = p(0.01, "1/week", "Weekly chance an unaware non-member becomes aware at full campaign.",
                            CALIB, 0.0, 1.0,
                            plausible=(0.005, 0.02), why=RANGE_CALIBRATED)


@dataclass(frozen=True)
@calibrated("institutions")
class Institutions:
    """How the government, enterprises and social organisations decide: which policy each kind
    follows (cogov_sim.model.policies) and the coefficients of the shipped policies."""

    government_policy: str = p("accountable", "-", "Policy of the government: 'accountable' answers to pressure "
                               "(escalation, longer hours), 'passive' only follows the decision mode.",
                               "cogov_sim.model.policies.government", choices=POLICY_NAMES["government"])
    enterprise_policy: str = p("reputation", "-", "Policy of enterprises: 'reputation' sets CSR from local demand, "
                               "visibility and reputation and takes contracts that pay; 'fixed' keeps its "
                               "disposition and takes every contract.", "cogov_sim.model.policies.enterprise",
                               choices=POLICY_NAMES["enterprise"])
    organisation_policy: str = p("need", "-", "Policy of social organisations: 'need' campaigns and mediates where "
                                 "residents are silent and need is unmet; 'members' stays with its members.",
                                 "cogov_sim.model.policies.organisation", choices=POLICY_NAMES["social_organisation"])
    budget_priority: str = p("protect_running", "-", "What a short budget keeps: 'protect_running' pays running "
                             "the channels and staff first, then programmes, and cuts investment first; 'pro_rata' "
                             "runs every costed lever at the same funded share.", "Bamba, Combes & Minea (2019), "
                             "Applied Economics: fiscal consolidations cut government investment more than "
                             "consumption (53 countries, 1980-2011)", choices=("protect_running", "pro_rata"))
    accountability: float = p(0.5, "0-1", "Upward accountability: how far complaints that can reach upper levels "
                              "press the government to answer.", "Chen, Pan & Xu (2016), AJPS 60(2): about a third of "
                              "county governments answered an online request; a threat to tell upper levels or of "
                              "collective action raised that considerably, a claim of loyalty did not", 0.0, 1.0,
                              en="Upward accountability", zh="向上问责",
                              plausible=(0.2, 0.8), why=("Chen, Pan & Xu (2016): threats to tell upper levels raise "
                                                         "responsiveness; from weak to strong"))
    complaint_scale: float = p(2.0, "failed cases/1,000 residents/week", "Complaints at which their pressure is "
                               "half its maximum.", "modelling choice (the status quo has about 5 failed cases per "
                               "1,000 residents a week)", 0.01, 1000.0,
                               plausible=(0.5, 5.0), why=("from a tenth to all of the status quo's about 5 failed cases per"
                                                          " 1,000 residents a week"))
    transparency_pressure: float = p(0.3, "0-1", "Pressure from full transparency on its own.",
                                     "Fang (2024) 2.2: open government curbs inaction", 0.0, 1.0,
                                     plausible=(0.1, 0.5), why=("Fang (2024) 2.2: open government curbs inaction; a weaker "
                                                                "pressure than complaints"))
    effort_max: float = p(0.2, "share of normal hours", "Most extra caseworker effort under full pressure.",
                          "Labour Law of the PRC (1994) art. 41: overtime at most 36 hours a month, about a fifth "
                          "of normal hours", 0.0, 1.0,
                          plausible=(0.1, 0.3), why=("Labour Law of the PRC (1994) art. 41: overtime at most about a fifth "
                                                     "of normal hours; half to one and a half times that"))
    escalation: float = p(0.5, "share", "Share of each department's capacity that serves overdue cases first "
                          "under full pressure (escalation scales with pressure).", "modelling choice: 12345 "
                          "rules escalate cases past their time limit (督办)", 0.0, 1.0,
                          plausible=(0.2, 1.0), why="12345 rules escalate overdue cases; from a fifth to all of capacity")
    integration_reach: float = p(0.5, "share", "Share of unreported need visible in departments' shared records at "
                                 "full data sharing.", "model design (docs/odd.md, 7. Submodels): data integration "
                                 "corrects for unreported need; modelling choice", 0.0, 1.0,
                                 plausible=(0.2, 0.8), why=("from a fifth to most of unreported need visible in shared "
                                                            "records"))
    evaluation_coverage: float = p(0.1, "share", "Share of need that third parties' surveys observe per decision "
                                   "period without shared data (doubled at full data sharing).",
                                   "modelling choice: a survey of a tenth of households a quarter", 0.001, 1.0,
                                   plausible=(0.02, 0.3), why="surveys of 2% to 30% of households a quarter")
    csr_adjustment: float = p(0.5, "share", "How far an enterprise moves toward its CSR target each decision.",
                              "modelling choice: partial adjustment", 0.0, 1.0,
                              plausible=(0.25, 1.0), why=("partial adjustment, from a quarter to all of the way each "
                                                          "decision"))
    csr_demand_weight: float = p(0.3, "share", "Pull of local demand on CSR.", "McWilliams & Siegel (2001)",
                                 0.0, 1.0,
                                 plausible=(0.1, 0.5), why=("McWilliams & Siegel (2001): demand drives CSR; a minor to a "
                                                            "major pull"))
    csr_reputation_weight: float = p(0.2, "share", "Pull of reputation on CSR.", "Fombrun & Shanley (1990)",
                                     0.0, 1.0,
                                     plausible=(0.0, 0.4), why="Fombrun & Shanley (1990): from no pull to a major one")
    csr_visibility_weight: float = p(0.2, "share", "Pull of visibility (transparency) on CSR.", "Campbell (2007)",
                                     0.0, 1.0,
                                     plausible=(0.0, 0.4), why="Campbell (2007): from no pull to a major one")
    demand_scale: float = p(20.0, "open cases/1,000 residents", "Local demand at which its pull on CSR is half.",
                            "modelling choice", 0.01, 10_000.0,
                            plausible=(5.0, 50.0), why=("a quarter to two and a half times the value: local demand half-"
                                                        "saturating CSR"))
    reputation_rate: float = p(0.2, "share/decision", "How far reputation moves toward the help residents saw.",
                               "modelling choice", 0.0, 1.0,
                               plausible=(0.1, 0.5), why=("reputation follows what residents see over two to ten decision "
                                                          "periods"))
    reservation_mean: float = p(0.6, "share of price", "Mean share of the contract price an enterprise needs to "
                                "cover its costs.", "modelling choice", 0.0, 1.0,
                                plausible=(0.3, 0.9), why=("from firms that take most contracts to firms that need nearly "
                                                           "the full price"))
    purchase_reservation_mean: float = p(0.4, "share of price", "Mean share of the price of a service purchase "
                                         "a social organisation needs to cover its costs.",
                                         "modelling choice: below enterprises', as organisations depend on "
                                         "government funding (Teets 2013)", 0.0, 1.0,
                                         plausible=(0.1, 0.8), why=("Teets (2013): organisations depend on government "
                                                                    "funding; from low to high cost cover needed"))
    credibility_rate: float = p(0.2, "share/decision", "How far an organisation's credibility moves toward the "
                                "resolved share of need where it works.", "modelling choice: residents judge by "
                                "results they see", 0.0, 1.0,
                                plausible=(0.1, 0.5), why="credibility follows results over two to ten decision periods")


@dataclass(frozen=True)
@calibrated("awareness")
class Awareness:
    """Awareness of the participation channels: complex contagion (Centola & Macy 2007)."""

    threshold: int = p(2, "neighbours", "Aware neighbours needed before word of mouth can convince.",
                       "Centola & Macy (2007)", 0, 1000,
                       plausible=(1, 3), why=("Centola & Macy (2007): complex contagion needs two or more contacts; one is "
                                              "simple contagion"))
    word_of_mouth: float = p(0.01, "1/week", "Weekly chance of becoming aware once the threshold is met.",
                             CALIB, 0.0, 1.0,
                             plausible=(0.005, 0.02), why=RANGE_CALIBRATED)
    forgetting: float = p(0.01, "1/week", "Weekly chance an aware resident who has not taken part forgets.",
                          "modelling choice", 0.0, 1.0,
                          plausible=(0.005, 0.02), why=RANGE_NO_DATA)


@dataclass(frozen=True)
class Volunteering:
    """Volunteering as a public goods game on the network (Santos, Santos & Pacheco 2008) whose
    product is the shared problems that volunteers get resolved."""

    synergy: float = p(6.0, "-", "Multiplication factor r of the neighbourhood public goods game when all of the "
                       "volunteers' capacity resolves problems (scaled by the share that does).",
                       "Santos et al. (2008)", 0.0, 1000.0,
                       plausible=(3.0, 9.0), why=("Santos et al. (2008): cooperation sets in at r / (z + 1) of about "
                                                  "0.3-0.8 on their networks; with about ten ties, r of about 3-9"))
    cost_model: str = p("per_individual", "-", "Volunteering cost per game, or fixed per individual.",
                        "Santos et al. (2008)", choices=("per_game", "per_individual"))
    interval: int = p(4, "weeks", "Weeks between revisions of who volunteers.", "modelling choice: monthly",
                      1, 1000,
                      plausible=(1, 13), why="weekly to quarterly revision of who volunteers")
    cases_per_volunteer: float = p(0.0015, "cases/week", "Cases a volunteer helps close per week.", CALIB,
                                   0.0, 10.0,
                                   plausible=(0.00075, 0.003), why=RANGE_CALIBRATED)
    shared: tuple[float, ...] = p([0.0, 1.0, 1.0, 0.0], "weight", "Relative weight of each category (civil affairs, "
                                  "urban management, environment, social security) in volunteers' work, times its "
                                  "queue (0: they do not help with it): the shared problems of a neighbourhood, not "
                                  "one household's entitlements.",
                                  "modelling choice: residents co-produce neighbourhood public goods such as "
                                  "clean streets and safe public space (Ostrom 1996), while civil-affairs and "
                                  "social-security cases are a household's own claims on the state",
                                  0.0, 1.0, length=4,
                                  plausible=(0.0, 1.0), why=("each category's weight from none to full: which problems "
                                                             "residents co-produce is a modelling choice (Ostrom 1996)"))
    revision: str = p("logit", "-", "How residents revise whether to volunteer: a noisy best response to what "
                      "volunteering is worth (logit), or copying a better-off neighbour (imitation).",
                      "Goeree, Holt & Laury (2002) logit; Santos, Santos & Pacheco (2008) imitation",
                      choices=("logit", "imitation"))
    altruism: float = p(0.1, "weight", "Weight a resident gives to what a contribution yields others, against 1 "
                        "for its own return (logit revision).",
                        "modelling choice in the logit-equilibrium form of Goeree, Holt & Laury (2002), who "
                        "find significant altruism in one-shot public goods games; to be calibrated",
                        0.0, 1.0,
                        plausible=(0.0, 0.3), why=("Goeree, Holt & Laury (2002): significant but modest altruism in one-"
                                                   "shot public goods games"))
    noise: float = p(1.0, "payoff units", "Scale of the logit error of the volunteering choice, in units of the "
                     "cost of volunteering (0: strict best response).",
                     "modelling choice: decision errors of the order of the stake, as in public goods "
                     "experiments (Goeree, Holt & Laury 2002; Palfrey & Prisbrey 1997); to be calibrated",
                     0.0, 100.0,
                     plausible=(0.3, 3.0), why=("Goeree, Holt & Laury (2002); Palfrey & Prisbrey (1997): decision errors of"
                                                " the order of the stake"))


@dataclass(frozen=True)
class CoGovernance:
    """What each co-governance mode lets other actors contribute (paper 4.2), in mode order
    government_led, consultative, collaborative."""

    enterprise_weight: tuple[float, ...] = p([0.2, 0.5, 1.0], "share", "Engagement of enterprises by mode.",
                                             "Fang (2024) 2.3, 4.2", 0.0, 1.0, length=3,
                                             plausible=(0.1, 1.0), why=("engagement from a tenth to full under each mode; "
                                                                        "it must rise from government-led to collaborative "
                                                                        "(Fang 2024, 4.2)"))
    org_weight: tuple[float, ...] = p([0.3, 0.7, 1.0], "share", "Engagement of social organisations by mode.",
                                      "Fang (2024) 2.3, 4.2", 0.0, 1.0, length=3,
                                      plausible=(0.15, 1.0), why="as cogovernance.enterprise_weight")
    synergy_bonus: tuple[float, ...] = p([0.0, 0.2, 0.5], "share", "Extra public-goods synergy by mode.",
                                         "Fang (2024) 4.2: e-co-governance", 0.0, 10.0, length=3,
                                         plausible=(0.0, 1.0), why=("from no extra synergy to double it under collaboration"
                                                                    " (Fang 2024, 4.2)"))
    silo_relief: tuple[float, ...] = p([0.0, 0.1, 0.3], "share", "Reduction of silo effects by mode (joint "
                                       "handling).", "Fang (2024) 4.2", 0.0, 1.0, length=3,
                                       plausible=(0.0, 0.5), why=("from none to half of the silo effect relieved by joint "
                                                                  "handling"))


@dataclass(frozen=True)
class Levers:
    """Policy levers. Each can be changed for a subset of communities from a given step."""

    online_platform: bool = p(False, "-", "An online participation platform is open.", "Fang (2024) 3.1, 3.2",
                              en="Online platform", zh="线上平台", lever=True)
    hotline: bool = p(True, "-", "A service hotline is open.", "Beijing 12345 practice",
                      en="Hotline", zh="服务热线", lever=True)
    transparency: float = p(0.2, "0-1", "How much of others' outcomes residents can see.", "Fang (2024) 2.2",
                            0.0, 1.0, en="Transparency", zh="政务公开", lever=True,
                            plausible=(0.0, 1.0), why="the lever's whole range")
    digital_investment: float = p(5.0, "CNY/resident/year", "Investment in the digital platform and data systems.",
                                  "Fang (2024) 3.1, 4.1", 0.0, 1000.0,
                                  en="Digital investment", zh="数字化投入", lever=True,
                                  plausible=(0.0, 60.0), why=("from none to twice the spending that builds most of the "
                                                              "platform (capacity.platform_scale)"))
    security_investment: float = p(1.0, "CNY/resident/year", "Investment in data security and encryption.",
                                   "Fang (2024) 3.1, 4.1", 0.0, 1000.0,
                                   en="Security investment", zh="数据安全投入", lever=True,
                                   plausible=(0.0, 30.0), why="from none to twice capacity.security_scale")
    training: float = p(2.0, "CNY/resident/year", "Staff training and talent programmes.", "Fang (2024) 4.1, 4.3",
                        0.0, 1000.0, en="Training", zh="人才培训", lever=True,
                        plausible=(0.0, 40.0), why="from none to twice capacity.training_scale")
    active_service: float = p(0.0, "0-1", "Intensity of the active-service programme (mindset, exchanges).",
                              "Fang (2024) 4.3", 0.0, 1.0,
                              en="Active service", zh="主动服务", lever=True,
                              plausible=(0.0, 1.0), why="the lever's whole range")
    grid_workers: float = p(0.5, "workers/1000 residents", "Grid workers who seek problems out.",
                            "grid management practice (网格化管理)", 0.0, 50.0,
                            en="Grid workers", zh="网格员", lever=True,
                            plausible=(0.0, 3.0), why=("from none to six times the status quo's 0.5 per 1,000 residents (a "
                                                       "grid of 300-500 households with one or more workers)"))
    data_sharing: float = p(0.1, "0-1", "Information sharing between departments.", "Fang (2024) 3.2, 4.1",
                            0.0, 1.0, en="Data sharing", zh="部门数据共享", lever=True,
                            plausible=(0.0, 1.0), why="the lever's whole range")
    awareness_campaign: float = p(0.1, "0-1", "Intensity of awareness campaigns through social organisations.",
                                  "Fang (2024) 3.2", 0.0, 1.0,
                                  en="Awareness campaign", zh="宣传动员", lever=True,
                                  plausible=(0.0, 1.0), why="the lever's whole range")
    cogovernance_mode: str = p("government_led", "-", "Who governs with the government.", "Fang (2024) 4.2",
                               choices=COGOVERNANCE_MODES, en="Co-governance mode", zh="共治模式", lever=True)
    decision_mode: str = p("habit", "-", "How effort is allocated: repeat the past, or follow recorded demand.",
                           "Fang (2024) 2.1", choices=DECISION_MODES, en="Decision mode", zh="决策方式",
                           lever=True)
    third_party_evaluation: bool = p(False, "-", "Professional third parties evaluate need and decisions.",
                                     "Fang (2024) 4.2", en="Third-party evaluation", zh="第三方评估", lever=True)
    partnerships: bool = p(False, "-", "Partnerships with firms and universities.", "Fang (2024) 4.1",
                           en="Partnerships", zh="校企合作", lever=True)
    upper_supervision: float = p(0.0, "0-1", "How closely upper levels watch the street's online requests (a "
                                 "leaders' message board): the chance that an online request is watched, times "
                                 "government.follow_up_share the chance that it is followed up and served first, and "
                                 "the share of the way from institutions.accountability to full accountability that "
                                 "failed requests, of every channel, press the street office with. Upper levels pay "
                                 "for it; the street office's budget does not.",
                                 "Chen, Pan & Xu (2016), AJPS 60(2):383-400: a threat to tell upper levels makes "
                                 "county governments answer more; Su & Meng (2016), Soc. Sci. Research 59:52-67: "
                                 "the People's Daily Leaders' Message Board, watched by provincial leaders, is "
                                 "answered far more often than ordinary requests", 0.0, 1.0,
                                 en="Supervision from above", zh="上级督办", lever=True,
                                 plausible=(0.0, 1.0), why="the lever's whole range")


@dataclass(frozen=True)
class Costs:
    """Running costs of levers that are not themselves money."""

    platform_operation: float = p(4.0, "CNY/resident/year", "Running the online platform.", "modelling choice",
                                  0.0, 10_000.0,
                                  plausible=(2.0, 8.0), why=RANGE_NO_DATA)
    hotline_operation: float = p(3.0, "CNY/resident/year", "Running the hotline.", "modelling choice",
                                 0.0, 10_000.0,
                                 plausible=(1.5, 6.0), why=RANGE_NO_DATA)
    transparency: float = p(4.0, "CNY/resident/year", "Disclosure at transparency 1.", "modelling choice",
                            0.0, 10_000.0,
                            plausible=(2.0, 8.0), why=RANGE_NO_DATA)
    grid_worker_wage: float = p(60_000.0, "CNY/worker/year", "Cost of one grid worker.",
                                "urban grid worker pay, about 5,000 CNY a month", 0.0, 1e7,
                                plausible=(40000.0, 90000.0), why="about 0.7 to 1.5 times the source's 5,000 CNY a month")
    data_sharing: float = p(8.0, "CNY/resident/year", "Data integration at sharing 1.", "modelling choice",
                            0.0, 10_000.0,
                            plausible=(4.0, 16.0), why=RANGE_NO_DATA)
    awareness_campaign: float = p(6.0, "CNY/resident/year", "Campaigns at intensity 1.", "modelling choice",
                                  0.0, 10_000.0,
                                  plausible=(3.0, 12.0), why=RANGE_NO_DATA)
    active_service: float = p(8.0, "CNY/resident/year", "Active-service programme at intensity 1.",
                              "modelling choice", 0.0, 10_000.0,
                              plausible=(4.0, 16.0), why=RANGE_NO_DATA)
    evaluation: float = p(5.0, "CNY/resident/year", "Third-party evaluation contracts.", "modelling choice",
                          0.0, 10_000.0,
                          plausible=(2.5, 10.0), why=RANGE_NO_DATA)
    partnerships: float = p(3.0, "CNY/resident/year", "Partnership management.", "modelling choice",
                            0.0, 10_000.0,
                            plausible=(1.5, 6.0), why=RANGE_NO_DATA)
    enterprise_contract: float = p(6.0, "CNY/resident/year", "Service contracts with enterprises under "
                                   "collaborative co-governance, paid as far as the enterprises serving a "
                                   "community hold one.", "modelling choice", 0.0, 10_000.0,
                                   plausible=(3.0, 12.0), why=RANGE_NO_DATA)
    service_purchase: float = p(4.0, "CNY/resident/year", "The government's purchase of social organisations' "
                                "services (政府购买服务) under consultative and collaborative co-governance, paid as "
                                "far as the organisations working in a community take it.",
                                "modelling choice; the practice: Teets (2013), China Quarterly 213:19-38",
                                0.0, 10_000.0,
                                plausible=(2.0, 8.0), why=RANGE_NO_DATA)


SECTIONS: dict[str, type] = {
    "scenario": ScenarioInfo,
    "run": RunSettings,
    "space": Space,
    "network": NetworkSettings,
    "population": Population,
    "issues": Issues,
    "participation": Participation,
    "channels": Channels,
    "government": Government,
    "decision": Decision,
    "feedback": Feedback,
    "trust": TrustDynamics,
    "data": DataRisk,
    "capacity": CapacityChange,
    "enterprises": Enterprises,
    "social_orgs": SocialOrgs,
    "institutions": Institutions,
    "awareness": Awareness,
    "volunteering": Volunteering,
    "cogovernance": CoGovernance,
    "levers": Levers,
    "costs": Costs,
}


# --------------------------------------------------------------------------------------------
# The registry derived from the sections
# --------------------------------------------------------------------------------------------
def _build_specs() -> dict[str, ParamSpec]:
    specs: dict[str, ParamSpec] = {}
    for section, cls in SECTIONS.items():
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            m = f.metadata
            typ = hints[f.name]
            base_type = tuple if getattr(typ, "__origin__", None) is tuple else typ
            key = f"{section}.{f.name}"
            fitted = f.name in CALIBRATED_DEFAULTS.get(section, {})
            specs[key] = ParamSpec(
                key=key, type=base_type, default=f.default, unit=m["unit"], doc=m["doc"],
                source=f"{CALIBRATION_SOURCE}; before: {m['source']}" if fitted else m["source"],
                low=m["low"], high=m["high"], choices=m["choices"], length=m["length"],
                plausible=m["plausible"], why=m["why"], label_en=m["label_en"] or f.name.replace("_", " ").capitalize(),
                label_zh=m["label_zh"], lever=m["lever"],
            )
    return specs


_SPECS: dict[str, ParamSpec] = _build_specs()
_unknown = [f"{sec}.{name}" for sec, items in CALIBRATED_DEFAULTS.items() for name in items
            if f"{sec}.{name}" not in _SPECS or _SPECS[f"{sec}.{name}"].default != items[name]]
if _unknown:
    raise ValueError(f"cogov_sim/data/calibrated.toml: {', '.join(_unknown)} not applied; allowed: parameters of a "
                     "section decorated with @calibrated")
PARAMETERS: Mapping[str, ParamSpec] = MappingProxyType(_SPECS)
LEVERS: tuple[str, ...] = tuple(k.split(".", 1)[1] for k, s in _SPECS.items() if s.lever)

#: Settings of the scale and the run, not of how the street works: a screening of the whole
#: model keeps them as its scenario sets them.
SCALE_AND_RUN: tuple[str, ...] = ("population.residents", "space.communities")

#: Every parameter whose value is uncertain: each number with a plausible range that is neither a
#: lever (a decision the scenario takes), a setting of the run (section ``run``) nor of the scale
#: (:data:`SCALE_AND_RUN`). What a screening of the whole model varies (an experiment's factor
#: ``all = "uncertain"``).
UNCERTAIN: tuple[str, ...] = tuple(
    k for k, s in _SPECS.items()
    if s.type in (int, float) and s.plausible is not None and not s.lever and not k.startswith(("run.", "scenario."))
    and k not in SCALE_AND_RUN)


def parameter_specs() -> Mapping[str, ParamSpec]:
    """Every parameter's specification, keyed by dotted name, in declaration order."""
    return PARAMETERS


def lever_spec(name: str) -> ParamSpec:
    return _SPECS[f"levers.{name}"]
