"""Scenarios: the one definition of every parameter, and the loading of scenario files.

A scenario is an immutable, validated :class:`Scenario`: one frozen section per topic
(``population``, ``issues``, ``levers`` ...) plus scheduled ``interventions`` and ``shocks``.
Every parameter is declared exactly once, below, as a dataclass field whose metadata carries
its unit, its allowed range, its plausible range for sensitivity analysis, a line of
documentation, its source or the reason for its value, and its label in English and Chinese.
The command line, the experiment designs and the workshop app read parameters from here
(:func:`parameter_specs`), never from a copy.

Scenario files are TOML. A file may name a ``base`` file (relative to itself) whose values it
overrides, so that a remedy scenario states only what differs from the baseline; the resolved
scenario written to every run's manifest is always complete.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints

from cogov_sim.errors import CoGovInputError

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
    "decision_mode", "third_party_evaluation", "partnerships",
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
    en: str = "",
    zh: str = "",
    lever: bool = False,
) -> Any:
    """Declare one parameter: a dataclass field whose metadata is its specification."""
    meta = dict(
        unit=unit, doc=doc, source=source, low=low, high=high, choices=choices, length=length,
        plausible=plausible, label_en=en, label_zh=zh, lever=lever,
    )
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata=meta)


# --------------------------------------------------------------------------------------------
# Sections. Sources: Fang (2024) is the seed paper; "calibrated" values were set so that the
# baseline reproduces the patterns of docs/validation.md; "modelling choice" values carry the
# reason in their doc line.
# --------------------------------------------------------------------------------------------
FANG = "Fang (2024)"
CALIB = "calibrated by hand to the baseline patterns of docs/odd.md, section 1"


@dataclass(frozen=True)
class ScenarioInfo:
    """What the scenario is and which part of the paper it stands for."""

    name: str = p("scenario", "-", "Short name used in result paths and reports.", "user")
    description: str = p("", "-", "One sentence on what the scenario represents.", "user")
    description_zh: str = p("", "-", "The same sentence in Chinese, for Chinese reports and workshops.", "user")
    paper_section: str = p("", "-", "Section of Fang (2024) the scenario stands for.", FANG)


@dataclass(frozen=True)
class RunSettings:
    """Horizon and the root seed."""

    steps: int = p(156, "weeks", "Number of weekly steps (156 = three years).",
                   "model.md: a step is one week, default horizon three years", 1, 5200,
                   en="Weeks to run", zh="运行周数")
    seed: int = p(20240514, "-", "Root seed; every random stream is spawned from it.",
                  "modelling choice (the paper's publication date)", 0, 2**63 - 1)
    burn_in: int = p(26, "weeks", "Weeks simulated before week 1, unrecorded, under the status-quo levers, so that "
                     "queues, participation and attitudes start near their steady state.",
                     "modelling choice: common ABM practice (a spin-up period)", 0, 5200)
    inert_levers: tuple[str, ...] = p([], "-", "Levers whose cost is paid but whose effect is switched off "
                                      "(to show that a lever acts only through its mechanism).",
                                      "testing aid", choices=LEVER_NAMES)


@dataclass(frozen=True)
class Space:
    """The jurisdiction: a street office or township made of communities."""

    communities: int = p(12, "communities", "Number of communities (社区/村) in the jurisdiction.",
                         "model.md: about a dozen communities in an urban street", 1, 2000,
                         plausible=(6, 30), en="Communities", zh="社区数")


@dataclass(frozen=True)
class NetworkSettings:
    """The residents' social network."""

    kind: str = p("sbm", "-", "Generator: community block model, Watts-Strogatz, Barabasi-Albert, "
                  "complete graph, or a file.", "model.md: generator chosen in the scenario",
                  choices=NETWORK_KINDS, en="Network kind", zh="网络类型")
    degree_within: float = p(8.0, "ties/resident", "Mean number of ties inside one's own community (sbm).",
                             "modelling choice: neighbourhood ties dominate (Granovetter 1973)",
                             0.0, 500.0, plausible=(4.0, 14.0))
    degree_between: float = p(2.0, "ties/resident", "Mean number of ties to other communities (sbm).",
                              "modelling choice: a fifth of ties cross community lines", 0.0, 100.0,
                              plausible=(0.5, 4.0))
    ws_k: int = p(10, "ties/resident", "Ring-lattice degree before rewiring (watts_strogatz); even.",
                  "Watts & Strogatz (1998)", 2, 1000)
    ws_rewiring: float = p(0.1, "probability", "Share of lattice ties rewired at random (watts_strogatz).",
                           "Watts & Strogatz (1998)", 0.0, 1.0, plausible=(0.0, 0.5))
    ba_m: int = p(5, "ties/new resident", "Ties each new node brings (barabasi_albert).",
                  "Barabasi & Albert (1999)", 1, 500)
    file: str = p("", "path", "Network file (GraphML, or an edge list with node_file) for kind 'file', "
                  "relative to the scenario file.", "user")
    node_file: str = p("", "path", "For an edge list: CSV with columns 'node' and the community attribute.",
                       "user")
    community_attribute: str = p("community", "-", "Node attribute holding each resident's community.",
                                 "user")


@dataclass(frozen=True)
class Population:
    """Residents: how many, their ages, digital literacy and starting attitudes."""

    residents: int = p(10_000, "residents", "Number of adult residents.",
                       "model.md: around ten thousand residents in an urban street", 10, 5_000_000,
                       plausible=(5_000, 50_000), en="Residents", zh="居民人数")
    community_size_cv: float = p(0.3, "-", "Coefficient of variation of community sizes.",
                                 "modelling choice: urban communities range from ~2,000 to ~10,000 people",
                                 0.0, 2.0)
    share_older: float = p(0.21, "share", "Share of residents aged 60 and over.",
                           "NBS 2023: 21.1% of the population aged 60+", 0.0, 1.0, plausible=(0.12, 0.35),
                           en="Share aged 60+", zh="60岁以上比例")
    share_young: float = p(0.36, "share", "Share of adult residents aged 18-39.",
                           "NBS 7th census (2020) age structure of adults", 0.0, 1.0)
    older_share_spread: float = p(0.06, "share", "Spread (sd) of the older share across communities.",
                                  "modelling choice: old work-unit compounds vs new estates", 0.0, 0.3)
    literacy_young: float = p(0.90, "0-1", "Mean digital literacy of residents aged 18-39.",
                              "CNNIC 2023: internet use above 95% under 40", 0.0, 1.0)
    literacy_middle: float = p(0.74, "0-1", "Mean digital literacy of residents aged 40-59.",
                               "CNNIC 2023: internet use about 85% at 40-59", 0.0, 1.0)
    literacy_older: float = p(0.45, "0-1", "Mean digital literacy of residents aged 60+.",
                              "CNNIC 2021-2025: 43% to 52% of the 60+ online", 0.0, 1.0,
                              plausible=(0.3, 0.6))
    literacy_concentration: float = p(6.0, "-", "Beta concentration (a+b) of digital literacy.",
                                      "modelling choice: wide spread within each age group", 0.5, 1000.0)
    trust_mean: float = p(0.55, "0-1", "Mean initial trust in the grassroots government.",
                          "Ash Center survey 2011: satisfaction with township government about 0.55",
                          0.0, 1.0, plausible=(0.4, 0.7), en="Initial trust", zh="初始信任")
    trust_concentration: float = p(8.0, "-", "Beta concentration of initial trust.", "modelling choice",
                                   0.5, 1000.0)
    efficacy_mean: float = p(0.35, "0-1", "Mean initial belief that participating works.",
                             "Fang (2024) 3.2: most people only wish to receive policy passively",
                             0.0, 1.0, plausible=(0.2, 0.5))
    privacy_mean: float = p(0.40, "0-1", "Mean initial privacy concern.",
                            "Fang (2024) 3.1: widespread worry about data leaks", 0.0, 1.0,
                            plausible=(0.2, 0.6))
    attitude_concentration: float = p(6.0, "-", "Beta concentration of efficacy and privacy concern.",
                                      "modelling choice", 0.5, 1000.0)
    aware_share: float = p(0.45, "share", "Initial share aware of the online and hotline channels.",
                           "Fang (2024) 3.2: residents understand the mechanisms only superficially",
                           0.0, 1.0, plausible=(0.2, 0.7))
    threshold_mean: float = p(0.0, "utility", "Mean personal participation threshold.",
                              "Granovetter (1978): heterogeneous thresholds; 0 puts the scale in `participation`",
                              -100.0, 100.0)
    threshold_sd: float = p(0.5, "utility", "Spread of personal participation thresholds.",
                            "Granovetter (1978)", 0.0, 100.0, plausible=(0.2, 1.0))
    cooperator_share: float = p(0.5, "share", "Initial share of residents willing to volunteer.",
                                "Santos, Santos & Pacheco (2008): half cooperators at start", 0.0, 1.0)


@dataclass(frozen=True)
class Issues:
    """Local problems that residents face."""

    rate: float = p(0.02, "issues/resident/week", "Weekly chance that a resident without an open issue gets one.",
                    "Beijing 12345 reports: about one request per resident per year", 0.0, 1.0,
                    plausible=(0.01, 0.04), en="Issue rate", zh="问题发生率")
    community_rate_spread: float = p(0.3, "log-sd", "Spread of issue rates across communities.",
                                     "modelling choice: needs differ between old and new estates", 0.0, 2.0)
    cross_department_share: float = p(0.3, "share", "Share of issues that span two departments.",
                                      "Fang (2024) 3.2: information does not flow between departments",
                                      0.0, 1.0, plausible=(0.1, 0.5))
    max_unreported_weeks: int = p(12, "weeks", "An unreported issue is given up (unmet) after this long.",
                                  "modelling choice: a quarter", 1, 10_000)
    mix_young: tuple[float, ...] = p([0.15, 0.40, 0.30, 0.15], "shares", "Issue categories of residents 18-39 "
                                     "(civil affairs, urban management, environment, social security).",
                                     "Beijing 12345 topic shares by caller age (housing, traffic, environment lead)",
                                     0.0, 1.0, length=4)
    mix_middle: tuple[float, ...] = p([0.20, 0.30, 0.25, 0.25], "shares", "Issue categories of residents 40-59.",
                                      "as mix_young", 0.0, 1.0, length=4)
    mix_older: tuple[float, ...] = p([0.35, 0.20, 0.15, 0.30], "shares", "Issue categories of residents 60+.",
                                     "Jiang, Meng & Zhang (2019): welfare needs are under-voiced online",
                                     0.0, 1.0, length=4)


@dataclass(frozen=True)
class Participation:
    """The participation choice: a random-utility threshold rule (Granovetter 1978)."""

    base: float = p(-2.5, "utility", "Utility of taking part with no motive.", CALIB, -20.0, 20.0)
    issue_motive: float = p(1.1, "utility", "Added utility for a resident with an unreported issue.",
                            CALIB, 0.0, 20.0, plausible=(1.0, 2.5))
    efficacy_weight: float = p(1.0, "utility", "Weight of efficacy.", "Verba, Schlozman & Brady (1995)",
                               0.0, 20.0, plausible=(0.5, 2.0))
    trust_weight: float = p(0.5, "utility", "Weight of trust in the government.", "Verba et al. (1995)",
                            0.0, 20.0)
    social_weight: float = p(1.0, "utility", "Weight of the share of neighbours who took part recently.",
                             "Granovetter (1978)", 0.0, 100.0, plausible=(1.0, 3.0))
    privacy_weight: float = p(0.8, "utility", "Cost of privacy concern on the online channel.",
                              "Fang (2024) 3.1", 0.0, 20.0, plausible=(0.3, 1.5))
    quality_weight: float = p(0.5, "utility", "Gain from platform quality on the online channel.",
                              "Fang (2024) 3.1", 0.0, 20.0)
    noise: float = p(0.5, "utility", "Scale of the logistic taste shock; 0 makes the rule deterministic.",
                     "McFadden (1974) random utility", 0.0, 20.0)
    window: int = p(13, "weeks", "A resident counts as participating for this long after taking part.",
                    "modelling choice: a quarter, as in participation surveys", 1, 100_000)


@dataclass(frozen=True)
class Channels:
    """Costs of the participation channels, in utility units."""

    online_cost: float = p(0.3, "utility", "Cost of the online platform for a fully literate resident.",
                           CALIB, 0.0, 20.0)
    online_literacy_penalty: float = p(1.6, "utility", "Extra online cost at zero digital literacy.",
                                       "CNNIC: the digital divide by age", 0.0, 20.0, plausible=(0.8, 2.5))
    hotline_cost: float = p(0.7, "utility", "Cost of the hotline.", CALIB, 0.0, 20.0)
    hotline_literacy_penalty: float = p(0.3, "utility", "Extra hotline cost at zero digital literacy.",
                                        "modelling choice: a phone call needs little literacy", 0.0, 20.0)
    offline_cost: float = p(1.0, "utility", "Cost of going to the residents' committee or a meeting.",
                            CALIB, 0.0, 20.0)
    offline_older_discount: float = p(0.5, "utility", "Lower offline cost for residents aged 60+ (more time, "
                                      "live nearby).", "Shanghai survey: turnout 14% at 18-29, 78% at 70-79",
                                      0.0, 20.0)


@dataclass(frozen=True)
class Government:
    """The grassroots government's starting capacities."""

    budget: float = p(120.0, "CNY/resident/year", "Discretionary budget for reforms and channels.",
                      "modelling choice: about 1% of a street's per-capita spending", 0.0, 10_000.0,
                      plausible=(60.0, 240.0), en="Reform budget", zh="改革预算")
    staff_per_10k: float = p(18.0, "staff/10,000 residents", "Caseworkers per 10,000 residents.",
                             "MCA 2021: at least 18 community workers per 10,000 urban residents",
                             0.0, 1000.0, plausible=(10.0, 30.0), en="Staff per 10k", zh="每万人工作人员")
    cases_per_staff_week: float = p(2.5, "cases/staff/week", "Cases a caseworker of skill 1 closes per week "
                                    "with no platform.", CALIB, 0.0, 100.0, plausible=(1.5, 5.0))
    initial_skill: float = p(0.4, "0-1", "Starting staff skill.", "Fang (2024) 3.1: lack of talent",
                             0.0, 1.0, plausible=(0.2, 0.6))
    initial_orientation: float = p(0.15, "0-1", "Starting service orientation (0 passive, 1 active).",
                                   "Fang (2024) 3.3: passive, top-down habits", 0.0, 1.0)
    initial_platform_quality: float = p(0.1, "0-1", "Starting digital platform quality.",
                                        "Fang (2024) 3.1: weak digital construction", 0.0, 1.0)
    initial_security: float = p(0.2, "0-1", "Starting data-security level.",
                                "Fang (2024) 3.1: weak data security", 0.0, 1.0)
    silo_level: float = p(0.7, "0-1", "How little departments share information at the start.",
                          "Fang (2024) 3.2: departments' information is hard to pass", 0.0, 1.0,
                          plausible=(0.3, 0.9), en="Silo level", zh="部门壁垒")
    silo_penalty: float = p(0.8, "share", "Loss of handling chance of a cross-department case at full silo.",
                            CALIB, 0.0, 1.0)
    platform_productivity_gain: float = p(1.0, "share", "Extra productivity at platform quality 1.",
                                          "Fang (2024) 3.3: paper processing is slow", 0.0, 10.0)
    paper_record_rate: float = p(0.5, "share", "Share of offline reports recorded with no platform.",
                                 "Fang (2024) 3.3: paper-based document management", 0.0, 1.0)
    patience_weeks: float = p(2.0, "weeks", "A case resolved within this wait satisfies its reporter.",
                              "Beijing 12345: requests answered within days", 0.0, 100.0)
    grid_cases_per_worker: float = p(4.0, "cases/worker/week", "Minor cases a grid worker settles on the spot "
                                     "each week.", "grid management practice: grid workers resolve small matters "
                                     "directly (网格员就地解决)", 0.0, 100.0, plausible=(0.5, 4.0))
    satisfaction_late: float = p(0.6, "0-1", "Satisfaction of a reporter whose case was resolved after patience.",
                                 CALIB, 0.0, 1.0)
    satisfaction_failed: float = p(0.2, "0-1", "Satisfaction of a reporter whose case failed (a clear answer "
                                   "still satisfies some).", "Beijing 12345 ratings count answers as well as "
                                   "solutions", 0.0, 1.0)
    max_wait_weeks: int = p(8, "weeks", "A queued case still open after this long is counted as failed.",
                            "modelling choice: two months", 1, 10_000)


@dataclass(frozen=True)
class Decision:
    """Periodic re-allocation of effort across communities and categories (paper 2.1)."""

    interval: int = p(13, "weeks", "Weeks between allocation decisions.", "modelling choice: quarterly",
                      1, 1000)
    adjustment: float = p(0.5, "share", "How far a data-driven decision moves toward the observed demand.",
                          "modelling choice: partial adjustment", 0.0, 1.0)
    evaluation_weight: float = p(0.6, "share", "Weight of the third-party estimate of true need.",
                                 "Fang (2024) 4.2: third parties reduce decision risk", 0.0, 1.0)
    evaluation_noise: float = p(0.2, "log-sd", "Error of the third-party need estimate at zero independence.",
                                "modelling choice", 0.0, 5.0)


@dataclass(frozen=True)
class Feedback:
    """How outcomes change residents' trust and efficacy (paper 2.2)."""

    resolved_trust_gain: float = p(0.08, "share of gap", "Trust gained by a resolved reporter.", CALIB, 0.0, 1.0)
    resolved_efficacy_gain: float = p(0.15, "share of gap", "Efficacy gained by a resolved reporter.",
                                      CALIB, 0.0, 1.0)
    failed_trust_loss: float = p(0.15, "share", "Trust lost when a reported case fails.", CALIB, 0.0, 1.0)
    failed_efficacy_loss: float = p(0.2, "share", "Efficacy lost when a reported case fails.", CALIB, 0.0, 1.0)
    wait_trust_loss: float = p(0.01, "share/week", "Trust lost per week of waiting beyond patience.",
                               CALIB, 0.0, 1.0)
    silent_efficacy_loss: float = p(0.03, "share", "Efficacy lost when an unreported issue is given up.",
                                    "modelling choice", 0.0, 1.0)
    vicarious_weight: float = p(0.3, "share of gap", "Weight of neighbours' visible outcomes, times transparency.",
                                "Fang (2024) 2.2: disclosure builds trust", 0.0, 10.0, plausible=(0.1, 0.6))


@dataclass(frozen=True)
class TrustDynamics:
    """Trust influence among neighbours: bounded confidence (Deffuant et al. 2000)."""

    epsilon: float = p(0.3, "trust units", "Confidence bound: neighbours closer than this influence each other.",
                       "Deffuant et al. (2000)", 0.0, 1.0, plausible=(0.1, 0.5))
    mu: float = p(0.1, "share", "Convergence parameter.", "Deffuant et al. (2000)", 0.0, 0.5)
    interaction_rate: float = p(0.2, "pairs/resident/week", "Chance a resident discusses with a neighbour in a week.",
                                "modelling choice", 0.0, 1.0)


@dataclass(frozen=True)
class DataRisk:
    """Stored personal data and breaches (paper 3.1)."""

    breach_hazard: float = p(0.004, "1/week", "Breach hazard per stored record per resident at zero security.",
                             CALIB, 0.0, 10.0, plausible=(0.002, 0.03))
    record_retention: float = p(0.99, "share/week", "Share of stored records kept each week.",
                                "modelling choice: records deleted over about two years", 0.0, 1.0)
    sharing_records: float = p(0.5, "records/case", "Extra records per case at full inter-department sharing.",
                               "modelling choice", 0.0, 10.0)
    exposure: float = p(0.3, "share", "Share of residents with stored data who are hit by a breach.",
                        "modelling choice", 0.0, 1.0)
    trust_loss: float = p(0.2, "share", "Trust lost by a resident whose data leaked.", CALIB, 0.0, 1.0)
    privacy_gain: float = p(0.3, "share of gap", "Privacy concern gained by a resident whose data leaked.",
                            CALIB, 0.0, 1.0)
    neighbour_privacy_gain: float = p(0.3, "share of gap", "Privacy concern gained, times the share of "
                                      "neighbours hit.", "modelling choice: news spreads by word of mouth",
                                      0.0, 1.0)
    media_privacy_gain: float = p(0.02, "share of gap", "Privacy concern gained by every resident of the "
                                  "community from news of a breach.", "modelling choice", 0.0, 1.0)


@dataclass(frozen=True)
class CapacityChange:
    """How money and programmes change capacities, slowly (paper 4.1, 4.3)."""

    platform_scale: float = p(30.0, "CNY/resident/year", "Digital investment giving 63% of the full platform.",
                              CALIB, 0.1, 10_000.0)
    platform_lag: float = p(52.0, "weeks", "Time constant of platform quality.", "modelling choice: a year",
                            1.0, 1000.0)
    security_scale: float = p(15.0, "CNY/resident/year", "Security investment giving 63% of full security.",
                              CALIB, 0.1, 10_000.0)
    security_lag: float = p(26.0, "weeks", "Time constant of the security level.", "modelling choice", 1.0, 1000.0)
    training_scale: float = p(20.0, "CNY/resident/year", "Training spend giving 63% of the skill gap closed.",
                              CALIB, 0.1, 10_000.0)
    skill_lag: float = p(78.0, "weeks", "Time constant of staff skill.", "Fang (2024) 4.3: mindsets change slowly",
                         1.0, 1000.0)
    orientation_lag: float = p(104.0, "weeks", "Time constant of service orientation.",
                               "Fang (2024) 3.3: traditional thinking is entrenched", 1.0, 1000.0)
    active_service_effect: float = p(2.0, "-", "Pull of a full active-service programme on service orientation "
                                     "(orientation target 1 - (1 - o0) exp(-effect x intensity)).",
                                     "Fang (2024) 4.3", 0.0, 100.0)
    training_orientation_effect: float = p(0.5, "-", "Pull of training on service orientation, per training_scale "
                                           "of spending.", "Fang (2024) 4.3", 0.0, 100.0)
    grid_find_rate: float = p(0.15, "1/week per worker/1000", "Weekly finding hazard of one grid worker per "
                              "1,000 residents at full active orientation.", CALIB, 0.0, 10.0)
    partnership_gain: float = p(0.5, "share", "Extra effect of digital investment with firm/university partners.",
                                "Fang (2024) 4.1", 0.0, 10.0)


@dataclass(frozen=True)
class Enterprises:
    """Enterprises: capacity, CSR, technology, and data they process."""

    count: int = p(6, "enterprises", "Number of enterprises.", "modelling choice", 0, 10_000)
    communities_served: int = p(3, "communities", "Communities each enterprise serves.", "modelling choice",
                                1, 2000)
    capacity_per_10k: float = p(6.0, "cases/week/10,000 residents", "Cases all enterprises together could "
                                "close per week at full engagement.", CALIB, 0.0, 10_000.0)
    csr_mean: float = p(0.3, "0-1", "Mean readiness to help unpaid (CSR).", "modelling choice", 0.0, 1.0)
    tech_mean: float = p(0.5, "0-1", "Mean technical capability.", "modelling choice", 0.0, 1.0)
    security_mean: float = p(0.5, "0-1", "Mean data security of contracted enterprises.", "modelling choice",
                             0.0, 1.0)
    data_share: float = p(0.3, "share", "Share of stored records processed by contracted enterprises.",
                          "Fang (2024) 3.1", 0.0, 1.0)


@dataclass(frozen=True)
class SocialOrgs:
    """Community organisations, NGOs, volunteer groups and professional/academic third parties."""

    count: int = p(8, "organisations", "Number of social organisations.", "modelling choice", 0, 10_000)
    communities_reached: int = p(2, "communities", "Communities each organisation works in.",
                                 "modelling choice", 1, 2000)
    membership_share: float = p(0.15, "share", "Share of a reached community's residents who are members.",
                                "modelling choice", 0.0, 1.0)
    capacity_per_10k: float = p(5.0, "cases/week/10,000 residents", "Cases all organisations together could "
                                "mediate per week at full engagement.", CALIB, 0.0, 10_000.0)
    credibility_mean: float = p(0.6, "0-1", "Mean credibility.", "modelling choice", 0.0, 1.0)
    independence_mean: float = p(0.5, "0-1", "Mean independence from the government.", "modelling choice",
                                 0.0, 1.0)
    third_party_share: float = p(0.25, "share", "Share of organisations that are professional/academic third "
                                 "parties able to evaluate.", "Fang (2024) 4.2", 0.0, 1.0)
    campaign_reach: float = p(0.08, "1/week", "Weekly chance an unaware member becomes aware at full campaign.",
                              CALIB, 0.0, 1.0)
    public_reach: float = p(0.01, "1/week", "Weekly chance an unaware non-member becomes aware at full campaign.",
                            CALIB, 0.0, 1.0)


@dataclass(frozen=True)
class Awareness:
    """Awareness of the participation channels: complex contagion (Centola & Macy 2007)."""

    threshold: int = p(2, "neighbours", "Aware neighbours needed before word of mouth can convince.",
                       "Centola & Macy (2007)", 0, 1000)
    word_of_mouth: float = p(0.01, "1/week", "Weekly chance of becoming aware once the threshold is met.",
                             CALIB, 0.0, 1.0)
    forgetting: float = p(0.01, "1/week", "Weekly chance an aware resident who has not taken part forgets.",
                          "modelling choice", 0.0, 1.0)


@dataclass(frozen=True)
class Volunteering:
    """Volunteering as a public goods game on the network (Santos, Santos & Pacheco 2008)."""

    synergy: float = p(6.0, "-", "Multiplication factor r of the neighbourhood public goods game.",
                       "Santos et al. (2008)", 0.0, 1000.0, plausible=(3.0, 9.0))
    cost_model: str = p("per_individual", "-", "Volunteering cost per game, or fixed per individual.",
                        "Santos et al. (2008)", choices=("per_game", "per_individual"))
    interval: int = p(4, "weeks", "Weeks between strategy revisions.", "modelling choice: monthly", 1, 1000)
    cases_per_volunteer: float = p(0.0015, "cases/week", "Cases a volunteer helps close per week.", CALIB,
                                   0.0, 10.0)


@dataclass(frozen=True)
class CoGovernance:
    """What each co-governance mode lets other actors contribute (paper 4.2), in mode order
    government_led, consultative, collaborative."""

    enterprise_weight: tuple[float, ...] = p([0.2, 0.5, 1.0], "share", "Engagement of enterprises by mode.",
                                             "Fang (2024) 2.3, 4.2", 0.0, 1.0, length=3)
    org_weight: tuple[float, ...] = p([0.3, 0.7, 1.0], "share", "Engagement of social organisations by mode.",
                                      "Fang (2024) 2.3, 4.2", 0.0, 1.0, length=3)
    synergy_bonus: tuple[float, ...] = p([0.0, 0.2, 0.5], "share", "Extra public-goods synergy by mode.",
                                         "Fang (2024) 4.2: e-co-governance", 0.0, 10.0, length=3)
    silo_relief: tuple[float, ...] = p([0.0, 0.1, 0.3], "share", "Reduction of silo effects by mode (joint "
                                       "handling).", "Fang (2024) 4.2", 0.0, 1.0, length=3)


@dataclass(frozen=True)
class Levers:
    """Policy levers. Each can be changed for a subset of communities from a given step."""

    online_platform: bool = p(False, "-", "An online participation platform is open.", "Fang (2024) 3.1, 3.2",
                              en="Online platform", zh="线上平台", lever=True)
    hotline: bool = p(True, "-", "A service hotline is open.", "Beijing 12345 practice",
                      en="Hotline", zh="服务热线", lever=True)
    transparency: float = p(0.2, "0-1", "How much of others' outcomes residents can see.", "Fang (2024) 2.2",
                            0.0, 1.0, plausible=(0.0, 1.0), en="Transparency", zh="政务公开", lever=True)
    digital_investment: float = p(5.0, "CNY/resident/year", "Investment in the digital platform and data systems.",
                                  "Fang (2024) 3.1, 4.1", 0.0, 1000.0, plausible=(0.0, 60.0),
                                  en="Digital investment", zh="数字化投入", lever=True)
    security_investment: float = p(1.0, "CNY/resident/year", "Investment in data security and encryption.",
                                   "Fang (2024) 3.1, 4.1", 0.0, 1000.0, plausible=(0.0, 30.0),
                                   en="Security investment", zh="数据安全投入", lever=True)
    training: float = p(2.0, "CNY/resident/year", "Staff training and talent programmes.", "Fang (2024) 4.1, 4.3",
                        0.0, 1000.0, plausible=(0.0, 40.0), en="Training", zh="人才培训", lever=True)
    active_service: float = p(0.0, "0-1", "Intensity of the active-service programme (mindset, exchanges).",
                              "Fang (2024) 4.3", 0.0, 1.0, plausible=(0.0, 1.0),
                              en="Active service", zh="主动服务", lever=True)
    grid_workers: float = p(0.5, "workers/1000 residents", "Grid workers who seek problems out.",
                            "grid management practice (网格化管理)", 0.0, 50.0, plausible=(0.0, 3.0),
                            en="Grid workers", zh="网格员", lever=True)
    data_sharing: float = p(0.1, "0-1", "Information sharing between departments.", "Fang (2024) 3.2, 4.1",
                            0.0, 1.0, plausible=(0.0, 1.0), en="Data sharing", zh="部门数据共享", lever=True)
    awareness_campaign: float = p(0.1, "0-1", "Intensity of awareness campaigns through social organisations.",
                                  "Fang (2024) 3.2", 0.0, 1.0, plausible=(0.0, 1.0),
                                  en="Awareness campaign", zh="宣传动员", lever=True)
    cogovernance_mode: str = p("government_led", "-", "Who governs with the government.", "Fang (2024) 4.2",
                               choices=COGOVERNANCE_MODES, en="Co-governance mode", zh="共治模式", lever=True)
    decision_mode: str = p("habit", "-", "How effort is allocated: repeat the past, or follow recorded demand.",
                           "Fang (2024) 2.1", choices=DECISION_MODES, en="Decision mode", zh="决策方式",
                           lever=True)
    third_party_evaluation: bool = p(False, "-", "Professional third parties evaluate need and decisions.",
                                     "Fang (2024) 4.2", en="Third-party evaluation", zh="第三方评估", lever=True)
    partnerships: bool = p(False, "-", "Partnerships with firms and universities.", "Fang (2024) 4.1",
                           en="Partnerships", zh="校企合作", lever=True)


@dataclass(frozen=True)
class Costs:
    """Running costs of levers that are not themselves money."""

    platform_operation: float = p(4.0, "CNY/resident/year", "Running the online platform.", "modelling choice",
                                  0.0, 10_000.0)
    hotline_operation: float = p(3.0, "CNY/resident/year", "Running the hotline.", "modelling choice",
                                 0.0, 10_000.0)
    transparency: float = p(4.0, "CNY/resident/year", "Disclosure at transparency 1.", "modelling choice",
                            0.0, 10_000.0)
    grid_worker_wage: float = p(60_000.0, "CNY/worker/year", "Cost of one grid worker.",
                                "urban grid worker pay, about 5,000 CNY a month", 0.0, 1e7)
    data_sharing: float = p(8.0, "CNY/resident/year", "Data integration at sharing 1.", "modelling choice",
                            0.0, 10_000.0)
    awareness_campaign: float = p(6.0, "CNY/resident/year", "Campaigns at intensity 1.", "modelling choice",
                                  0.0, 10_000.0)
    active_service: float = p(8.0, "CNY/resident/year", "Active-service programme at intensity 1.",
                              "modelling choice", 0.0, 10_000.0)
    evaluation: float = p(5.0, "CNY/resident/year", "Third-party evaluation contracts.", "modelling choice",
                          0.0, 10_000.0)
    partnerships: float = p(3.0, "CNY/resident/year", "Partnership management.", "modelling choice",
                            0.0, 10_000.0)
    enterprise_contract: float = p(6.0, "CNY/resident/year", "Service contracts with enterprises under "
                                   "collaborative co-governance.", "modelling choice", 0.0, 10_000.0)


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
    "awareness": Awareness,
    "volunteering": Volunteering,
    "cogovernance": CoGovernance,
    "levers": Levers,
    "costs": Costs,
}


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
            specs[key] = ParamSpec(
                key=key, type=base_type, default=f.default, unit=m["unit"], doc=m["doc"], source=m["source"],
                low=m["low"], high=m["high"], choices=m["choices"], length=m["length"],
                plausible=m["plausible"], label_en=m["label_en"] or f.name.replace("_", " ").capitalize(),
                label_zh=m["label_zh"], lever=m["lever"],
            )
    return specs


_SPECS: dict[str, ParamSpec] = _build_specs()
PARAMETERS: Mapping[str, ParamSpec] = MappingProxyType(_SPECS)
LEVERS: tuple[str, ...] = tuple(k.split(".", 1)[1] for k, s in _SPECS.items() if s.lever)


def parameter_specs() -> Mapping[str, ParamSpec]:
    """Every parameter's specification, keyed by dotted name, in declaration order."""
    return PARAMETERS


def lever_spec(name: str) -> ParamSpec:
    return _SPECS[f"levers.{name}"]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def _suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
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
            raise bad(f"{value!r} is not a boolean")
        return value
    if spec.type is str:
        if not isinstance(value, str):
            raise bad(f"{value!r} is not a string")
        if spec.choices is not None and value not in spec.choices:
            raise CoGovInputError(f"{value!r} is not allowed; allowed: {spec.describe_allowed()}"
                                  f"{_suggest(value, spec.choices)}", source=source, key=spec.key)
        return value
    if spec.type is tuple and spec.choices is not None:
        if not isinstance(value, (list, tuple)) or any(not isinstance(v, str) for v in value):
            raise bad(f"{value!r} is not a list of names")
        for v in value:
            if v not in spec.choices:
                raise CoGovInputError(f"{v!r} is not allowed; allowed: {spec.describe_allowed()}"
                                      f"{_suggest(v, spec.choices)}", source=source, key=spec.key)
        return tuple(value)
    if spec.type is tuple:
        if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                       for v in value):
            raise bad(f"{value!r} is not a list of numbers")
        if spec.length is not None and len(value) != spec.length:
            raise bad(f"has {len(value)} numbers")
        vals = tuple(float(v) for v in value)
        for v in vals:
            if not math.isfinite(v) or (spec.low is not None and v < spec.low) or (
                    spec.high is not None and v > spec.high):
                raise bad(f"{v:g} is out of range")
        return vals
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{value!r} is not a number")
    if spec.type is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise bad(f"{value!r} is not an integer")
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise bad(f"{value!r} is not finite")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise bad(f"{value!r} is out of range")
    return value


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
    for i in s.interventions:
        _check_communities(i.communities, s, source, "interventions")
        if i.step > s.run.steps:
            raise CoGovInputError(f"step {i.step} is after the last step {s.run.steps}; allowed: 0 to {s.run.steps}",
                                  source=source, key="interventions.step")
    for sh in s.shocks:
        _check_communities(sh.communities, s, source, "shocks")
    _check_pilots(s, source)


def _check_communities(comms: tuple[int, ...] | None, s: Scenario, source: str | None, where: str) -> None:
    if comms is None or s.network.kind == "file":
        return
    for c in comms:
        if not 0 <= c < s.space.communities:
            raise CoGovInputError(f"community {c} does not exist; allowed: 0 to {s.space.communities - 1}",
                                  source=source, key=f"{where}.communities")


def _parse_communities(value: Any, source: str | None, where: str) -> tuple[int, ...] | None:
    if value is None or value == "all":
        return None
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and value:
        return tuple(sorted(set(value)))
    raise CoGovInputError(f"{value!r} is not a community list; allowed: \"all\" or a non-empty list of "
                          "community numbers", source=source, key=f"{where}.communities")


def _parse_intervention(raw: Any, source: str | None) -> Intervention:
    if not isinstance(raw, dict):
        raise CoGovInputError("each [[interventions]] must be a table", source=source, key="interventions")
    allowed = {"step", "communities", "set", "label"}
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(sorted(allowed))}"
                                  f"{_suggest(k, sorted(allowed))}", source=source, key=f"interventions.{k}")
    step = raw.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise CoGovInputError(f"{step!r} is not a step; allowed: an integer from 0", source=source,
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
            raise CoGovInputError(f"'{name}' is not a lever; allowed: {', '.join(LEVERS)}{_suggest(name, LEVERS)}",
                                  source=source, key=key)
        levers[name] = coerce(lever_spec(name), value, source=source)
    return FrozenMap(levers)


def _parse_pilot(raw: Any, source: str | None) -> Pilot:
    from cogov_sim.metrics import OUTCOME_NAMES

    if not isinstance(raw, dict):
        raise CoGovInputError("each [[pilots]] must be a table", source=source, key="pilots")
    allowed = ("label", "set", "extra", "start", "duration", "communities", "select", "count", "share", "evaluate",
               "better", "compare_with", "window", "scale_up", "threshold", "p", "q", "neighbourhood")
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(allowed)}{_suggest(k, allowed)}",
                                  source=source, key=f"pilots.{k}")

    def integer(k: str, lo: int, default: Any = None) -> Any:
        v = raw.get(k, default)
        if v is None:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            raise CoGovInputError(f"{v!r} is not allowed; allowed: an integer from {lo}", source=source,
                                  key=f"pilots.{k}")
        return v

    def number(k: str, lo: float, hi: float, default: Any = None) -> Any:
        v = raw.get(k, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise CoGovInputError(f"{v!r} is not allowed; allowed: a number from {lo:g} to {hi:g}", source=source,
                                  key=f"pilots.{k}")
        return float(v)

    def choice(k: str, options: tuple[str, ...], default: str) -> str:
        v = raw.get(k, default)
        if v not in options:
            raise CoGovInputError(f"{v!r} is not allowed; allowed: {', '.join(options)}{_suggest(str(v), options)}",
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
        raise CoGovInputError(f"{evaluate!r} is not an outcome{_suggest(str(evaluate), OUTCOME_NAMES)}; allowed: an "
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


def _check_pilots(s: Scenario, source: str | None) -> None:
    k = s.space.communities
    for i, pl in enumerate(s.pilots):
        where = f"pilots[{i}] '{pl.label}'"
        if pl.start < 1 or pl.duration < 1:
            raise CoGovInputError(f"{where}: needs 'start' and 'duration' (integers from 1)", source=source,
                                  key="pilots.start")
        _check_communities(pl.communities, s, source, "pilots")
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
        if s.network.kind != "file" and pl.n_sites(k) >= k:
            raise CoGovInputError(f"{where}: {pl.n_sites(k)} pilot sites leave no comparison community; allowed: "
                                  f"fewer than {k}", source=source, key="pilots.count")
    for i, a in enumerate(s.pilots):
        for b in s.pilots[i + 1:]:
            both = [n for n in a.levers if n in b.levers and a.levers[n] != b.levers[n]]
            both += [n for n in a.extra if n in b.extra and a.extra[n] != b.extra[n]]
            if not both:
                continue
            disjoint = (a.communities is not None and b.communities is not None
                        and not set(a.communities) & set(b.communities) and a.scale_up == b.scale_up == "none")
            if not disjoint:
                raise CoGovInputError(f"pilots '{a.label}' and '{b.label}' may cover the same communities but set "
                                      f"{', '.join(sorted(set(both)))} differently; allowed: the same value, or "
                                      "explicit disjoint communities without scale-up", source=source, key="pilots.set")


def _parse_shock(raw: Any, source: str | None) -> Shock:
    if not isinstance(raw, dict):
        raise CoGovInputError("each [[shocks]] must be a table", source=source, key="shocks")
    allowed = {"kind", "step", "duration", "magnitude", "communities", "category", "label"}
    for k in raw:
        if k not in allowed:
            raise CoGovInputError(f"unknown field '{k}'; allowed: {', '.join(sorted(allowed))}"
                                  f"{_suggest(k, sorted(allowed))}", source=source, key=f"shocks.{k}")
    kind = raw.get("kind")
    if kind not in SHOCK_KINDS:
        raise CoGovInputError(f"{kind!r} is not a shock kind; allowed: {', '.join(SHOCK_KINDS)}"
                              f"{_suggest(str(kind), SHOCK_KINDS)}", source=source, key="shocks.kind")
    step, duration = raw.get("step"), raw.get("duration", 1)
    for k, v, lo in (("step", step, 1), ("duration", duration, 1)):
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            raise CoGovInputError(f"{v!r} is not allowed; allowed: an integer from {lo}", source=source,
                                  key=f"shocks.{k}")
    magnitude = raw.get("magnitude", 1.0)
    if isinstance(magnitude, bool) or not isinstance(magnitude, (int, float)) or not 0 <= magnitude <= 100:
        raise CoGovInputError(f"{magnitude!r} is not allowed; allowed: a number from 0 to 100", source=source,
                              key="shocks.magnitude")
    if kind == "budget_cut" and magnitude > 1:
        raise CoGovInputError(f"{magnitude!r} is not a share; allowed: a budget cut from 0 to 1", source=source,
                              key="shocks.magnitude")
    category = raw.get("category")
    if category is not None and category not in CATEGORIES:
        raise CoGovInputError(f"{category!r} is not a category; allowed: {', '.join(CATEGORIES)}"
                              f"{_suggest(str(category), CATEGORIES)}", source=source, key="shocks.category")
    return Shock(kind=kind, step=step, duration=duration, magnitude=float(magnitude),
                 communities=_parse_communities(raw.get("communities"), source, "shocks"), category=category,
                 label=str(raw.get("label", "")))


def apply_values(base: Scenario, values: Mapping[str, Any], *, source: str | None) -> Scenario:
    """Return ``base`` with dotted keys replaced, each validated against its specification."""
    changes: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if key not in PARAMETERS:
            raise CoGovInputError(f"unknown parameter{_suggest(key, list(PARAMETERS))}", source=source, key=key)
        section, name = key.split(".", 1)
        changes.setdefault(section, {})[name] = coerce(PARAMETERS[key], value, source=source)
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
            raise CoGovInputError(f"unknown section{_suggest(section, options)}; allowed: {', '.join(options)}",
                                  source=source, key=section)
        if not isinstance(body, dict):
            raise CoGovInputError("must be a table, e.g. [population]", source=source, key=section)
        for name, value in body.items():
            flat[f"{section}.{name}"] = value
    return flat, interventions, shocks, pilots


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario file (and its ``base`` chain), apply overrides, validate, and return it."""
    return _load(Path(path), overrides or {}, seen=())


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


def _load(path: Path, overrides: Mapping[str, Any], seen: tuple[Path, ...]) -> Scenario:
    src = str(path)
    data = _read_toml(path)
    base_name = data.get("base")
    if base_name is not None:
        if not isinstance(base_name, str):
            raise CoGovInputError(f"{base_name!r} is not a path; allowed: a scenario file name", source=src,
                                  key="base")
        base_path = (path.parent / base_name).resolve()
        if base_path in seen or base_path == path.resolve():
            raise CoGovInputError("scenario files name each other as base in a loop", source=src, key="base")
        base = _load(base_path, {}, (*seen, path.resolve()))
    else:
        base = Scenario()
    flat, raw_int, raw_shocks, raw_pilots = _flatten(data, src)
    if "scenario.name" not in flat and base_name is None:
        flat["scenario.name"] = path.stem
    elif "scenario.name" not in flat:
        flat["scenario.name"] = path.stem
    scenario = apply_values(base, flat, source=src)
    interventions = (*base.interventions, *(_parse_intervention(r, src) for r in raw_int))
    shocks = (*base.shocks, *(_parse_shock(r, src) for r in raw_shocks))
    pilots = (*base.pilots, *(_parse_pilot(r, src) for r in raw_pilots))
    scenario = dataclasses.replace(scenario, interventions=tuple(interventions), shocks=tuple(shocks),
                                   pilots=tuple(pilots),
                                   base_dir=str(path.parent.resolve()))
    _check_consistency(scenario, src)
    if overrides:
        scenario = apply_values(scenario, overrides, source="--set")
    return scenario


def find_named_file(name: str, folder: str, what: str) -> Path:
    """A file given as a path, or by name in ``./<folder>/`` (``baseline`` or ``pilots/random``),
    else in that folder of the source tree the package runs from (a checkout)."""
    path = Path(name)
    if path.is_file():
        return path
    for root in (Path(), Path(__file__).resolve().parents[1]):
        for candidate in (root / folder / name, root / folder / f"{name}.toml"):
            if candidate.is_file():
                return candidate
    raise CoGovInputError(f"{what} file not found; allowed: a path to a .toml file or a name in {folder}/", source=name)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``KEY=VALUE`` command-line override; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise CoGovInputError(f"'{text}' is not KEY=VALUE; allowed: e.g. population.residents=50000",
                              source="--set")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if key not in PARAMETERS:
        raise CoGovInputError(f"unknown parameter{_suggest(key, list(PARAMETERS))}", source="--set", key=key)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value
