"""The co-governance model: a grassroots jurisdiction of communities, residents on a social network,
a government, enterprises and social organisations (Fang 2024; design in docs/odd.md).

One call to :meth:`CoGovModel.step` is one week. Its phases, in order, read as the theory:
levers and events of the week, funding, capacity change, issues arising, awareness,
participation, active finding, case handling, feedback from outcomes, trust exchange among
neighbours, volunteering, data risk, periodic re-allocation, and measurement.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from types import MappingProxyType

import mesa
import numpy as np

from cogov_sim.model import rules
from cogov_sim.model.institutions import (
    COLLABORATIVE,
    CONSULTATIVE,
    Enterprise,
    Government,
    SocialOrganisation,
    lever_costs,
)
from cogov_sim.model.networks import NeighbourCounter, Network, build_network
from cogov_sim.model.outcomes import INSTITUTION_COLUMNS, OUTCOME_NAMES, OUTCOMES, Recorder, safe_ratio
from cogov_sim.model.parameters import (
    AGE_GROUPS,
    CATEGORIES,
    CHANNELS,
    COGOVERNANCE_MODES,
    DECISION_MODES,
    LEVER_NAMES,
    Levers,
    RunSettings,
    ScenarioInfo,
    lever_spec,
)
from cogov_sim.model.pilots import PilotProgrammes
from cogov_sim.model.population import NEVER, OLDER, YOUNG, ResidentView, draw_residents
from cogov_sim.model.rng import Streams
from cogov_sim.model.rules import FOUND, HOTLINE, NONE, OFFLINE, ONLINE, QUEUED, TIME_LIMITED, UNREPORTED
from cogov_sim.model.scenario import Scenario, fit_to_network

N_CAT = len(CATEGORIES)
#: Value each lever takes when its effect is switched off (``run.inert_levers``).
NEUTRAL = {"online_platform": 0.0, "hotline": 0.0, "cogovernance_mode": 0.0, "decision_mode": 0.0,
           "third_party_evaluation": 0.0, "partnerships": 0.0}
#: Levers whose effect scales with how much of their cost was funded.
FUNDED = ("transparency", "digital_investment", "security_investment", "training", "active_service",
          "grid_workers", "data_sharing", "awareness_campaign", "third_party_evaluation", "partnerships")


#: The burn-in tests for stationarity every this many weeks, weeks.
BURN_IN_BLOCK = 26
#: The stationarity test fits a trend over this many last burn-in weeks, weeks.
STATIONARITY_WINDOW = 104
#: ... and projects it over this many weeks (the default horizon, three years), weeks.
STATIONARITY_HORIZON = 156
#: What the stationarity test follows, as means over residents (CoGovModel.burn_in_state).
STATIONARY_STATE = ("participation", "trust", "efficacy", "privacy_concern", "awareness",
                    "open_issues_per_resident", "volunteering")


def stationary(history: list[np.ndarray], window: int, horizon: int, tolerance: float, *, z: float = 2.0) -> bool:
    """Whether a state has stopped drifting: for each of its quantities (``history`` holds one
    array of them per week), the least-squares linear trend over the last ``window`` weeks,
    projected over ``horizon`` weeks, is within ``tolerance`` of zero once ``z`` standard errors
    of that projection are allowed for. False until ``window`` weeks are there.

    A trend, not a difference of block means, so that a slow drift below the week-to-week
    noise is still caught; the allowance for its standard error, so that noise alone does not
    count as drift in a small population. The standard error is that of a least-squares slope
    whose residuals follow an AR(1) process (lag-1 autocorrelation rho of the residuals, clipped
    to [0, 0.95]): the ordinary one times sqrt((1 + rho) / (1 - rho)), the usual variance
    inflation for autocorrelated errors (Box, Jenkins & Reinsel 2008, ch. 2; Wilks 2011, 5.2.3).
    A drift counts when its projection exceeds the tolerance by more than the noise can explain
    (units: those of the quantities, here shares).
    """
    if len(history) < window:
        return False
    y = np.asarray(history[-window:])
    t = np.arange(window, dtype=np.float64)
    t -= t.mean()
    tt = t @ t
    centred = y - y.mean(axis=0)
    slope = t @ centred / tt
    resid = centred - np.outer(t, slope)
    ss = (resid * resid).sum(axis=0)
    lag = (resid[1:] * resid[:-1]).sum(axis=0)
    rho = np.clip(np.divide(lag, ss, out=np.zeros_like(ss), where=ss > 0), 0.0, 0.95)
    se = np.sqrt(ss / (window - 2) / tt) * np.sqrt((1 + rho) / (1 - rho))
    return bool(np.all(np.abs(slope) * horizon < tolerance + z * se * horizon))


def start_key(scenario: Scenario) -> Scenario:
    """What a run's state at week 0 depends on: the scenario without what acts only from week 1.

    The burn-in runs under the status-quo levers, so a scenario's own levers, interventions,
    shocks (all from week 1 on), pilots, horizon, inert levers and name do not change it.
    Scenarios with one key (the seed included) start from the same state, bit for bit, and can
    share one burn-in (:class:`Start`, common random numbers across the design points of a
    sweep). Where a network file is read, where it was read from is part of the key.

    The budget is part of the key only where it does not pay for the status quo in full: a
    budget that covers every status-quo lever's cost pays it all, however large, so the burn-in
    is the same (:func:`covers_the_status_quo`; the 12345 reform's own budget and the passive
    street's share one burn-in)."""
    run = dataclasses.replace(scenario.run, steps=RunSettings().steps, inert_levers=())
    shocks = tuple(sh for sh in scenario.shocks if sh.step < 1)
    government = scenario.government
    if covers_the_status_quo(scenario.costs, government.budget) and not any(sh.kind == "budget_cut" for sh in shocks):
        government = dataclasses.replace(government, budget=math.inf)
    return dataclasses.replace(
        scenario, scenario=ScenarioInfo(), run=run, levers=Levers(), interventions=(), pilots=(), shocks=shocks,
        government=government, base_dir=scenario.base_dir if scenario.network.kind == "file" else "")


#: How far inside the budget the status quo's cost must stay to count as paid in full: the
#: budget's shares of each tier of costs are computed in floating point (Government.fund).
STATUS_QUO_MARGIN = 1e-9


def covers_the_status_quo(costs, budget: float) -> bool:
    """Whether ``budget`` (CNY/resident/year) pays every lever of the status quo (the defaults of
    ``[levers]``, under which the burn-in runs) in full: their yearly cost per resident
    (:func:`~cogov_sim.model.institutions.lever_costs`, with every enterprise under contract and
    every organisation's services bought, the most they can cost) is below it by a margin."""
    yearly = sum(lever_costs(costs, lever_codes(Levers()), 1.0, 1.0, 1.0).values())
    return bool(yearly <= budget * (1.0 - STATUS_QUO_MARGIN))


class Start:
    """A built model at week 0 (network, residents, institutions, burn-in), kept to start runs
    of any scenario with the same :func:`start_key` from it without building and burning in again.

    ``Start(model)`` takes a model straight after construction (it copies it, so the model may
    then be run); :meth:`CoGovModel.from_start` gives each run its own copy. The network, which no
    run changes, is shared by every copy. A run from a start is the same, bit for bit, as a run
    built from its scenario (tests/test_start.py)."""

    def __init__(self, model: CoGovModel):
        if model.steps != 0 or model._live_shocks:
            raise ValueError("a start is taken from a model at week 0, before any step or live change")
        self.key = start_key(model.scenario_given)
        self.residents = model.n
        self.burn_in_weeks = model.burn_in_weeks
        self._model = copy.deepcopy(model, {id(model.network): model.network})

    def model(self, scenario: Scenario) -> CoGovModel:
        """A fresh copy of the start, running ``scenario`` (whose key must be this start's)."""
        if start_key(scenario) != self.key:
            raise ValueError("this start was burnt in for another scenario: only the levers, interventions, "
                             "shocks, pilots, horizon, inert levers and name may differ")
        model = copy.deepcopy(self._model, {id(self._model.network): self._model.network})
        model._adopt(scenario)
        return model


def policy_label(policy) -> str:
    """A policy's name for the tables: its registered name, else the function's (or its type's)."""
    return getattr(policy, "policy_name", getattr(policy, "__name__", type(policy).__name__))


def lever_code(name: str, value: object) -> float:
    """A lever value as a number: booleans as 0/1, modes as their index."""
    if name == "cogovernance_mode":
        return float(COGOVERNANCE_MODES.index(value))
    if name == "decision_mode":
        return float(DECISION_MODES.index(value))
    return float(value)


def lever_codes(levers: Levers) -> dict[str, float]:
    """Every lever of ``levers`` as its number (:func:`lever_code`), by name."""
    return {name: lever_code(name, getattr(levers, name)) for name in LEVER_NAMES}


def lever_value(name: str, code: float) -> object:
    """A lever's value as a scenario file gives it, from its number (the inverse of
    :func:`lever_code`)."""
    if name == "cogovernance_mode":
        return COGOVERNANCE_MODES[int(code)]
    if name == "decision_mode":
        return DECISION_MODES[int(code)]
    return bool(code) if lever_spec(name).type is bool else float(code)


def _share_holding(flags: list[bool], membership: np.ndarray) -> np.ndarray:
    """Per community, the share of the institutions present there (``membership``, institutions x
    communities) whose ``flags`` hold; 0 where none is present."""
    present = membership.sum(axis=0).astype(np.float64)
    holding = np.array(flags, dtype=np.float64) @ membership
    return np.divide(holding, present, out=np.zeros_like(present), where=present > 0)


# ---------------------------------------------------------------------------------- measurement layout
# Per-resident quantities summed over each community every week, in one pass (CoGovModel.measure).
RESIDENT_SUMS = ("recent", "online", "hotline", "offline", "rec_older", "rec_young", "onl_older", "onl_young",
                 "hot_older", "hot_young", "off_older", "off_young", "rec_low", "aware", "records", "volunteers",
                 "unreported", "backlog", "trust", "efficacy", "privacy", "trust_sq", "trust_older", "trust_young",
                 "satisfied", "sat_older", "sat_young")
# This week's events, counted per community.
EVENTS = ("resolved", "failed", "raised", "reported", "found", "given_up", "took_part")
# Issues resolved and ended this week among residents aged 60+ and 18-39, and cross-department
# cases resolved and closed (resolved or failed) this week.
GROUP_EVENTS = ("resolved_older", "resolved_young", "ended_older", "ended_young", "resolved_cross", "closed_cross")
SUM_ROWS = (RESIDENT_SUMS + EVENTS + ("satisfaction", "wait", "sector_0", "sector_1", "sector_2", "sector_3",
                                      "n_older", "n_young", "n_low", "cum_spend", "cum_resolved") + GROUP_EVENTS)
DERIVED_ROWS = ("sizes", "n_middle", "rec_middle", "rec_high", "n_high", "closed", "ended")
# Outcomes that are a ratio of two rows (NaN on an empty denominator); the last one is an
# intermediate ratio (name None) that another outcome is built from.
RATIOS = (
    ("participation_rate", "recent", "sizes"), ("participation_online", "online", "sizes"),
    ("participation_hotline", "hotline", "sizes"), ("participation_offline", "offline", "sizes"),
    ("participation_young", "rec_young", "n_young"), ("participation_middle", "rec_middle", "n_middle"),
    ("participation_older", "rec_older", "n_older"), ("participation_low_literacy", "rec_low", "n_low"),
    ("participation_high_literacy", "rec_high", "n_high"), ("took_part", "took_part", "sizes"),
    ("mean_trust", "trust", "sizes"), ("trust_older", "trust_older", "n_older"),
    ("trust_young", "trust_young", "n_young"), ("mean_efficacy", "efficacy", "sizes"),
    ("privacy_concern", "privacy", "sizes"), ("awareness", "aware", "sizes"),
    ("resolution_rate", "resolved", "ended"), ("reported_resolution_rate", "resolved", "closed"),
    ("time_to_resolution", "wait", "resolved"),
    ("satisfaction", "satisfaction", "closed"), ("data_subjects", "records", "sizes"),
    ("volunteer_rate", "volunteers", "sizes"), ("cost_per_resolution", "cum_spend", "cum_resolved"),
    ("participation_online_older", "onl_older", "n_older"), ("participation_online_young", "onl_young", "n_young"),
    ("participation_hotline_older", "hot_older", "n_older"), ("participation_hotline_young", "hot_young", "n_young"),
    ("participation_offline_older", "off_older", "n_older"), ("participation_offline_young", "off_young", "n_young"),
    ("satisfaction_attitude", "satisfied", "sizes"), ("satisfaction_attitude_older", "sat_older", "n_older"),
    ("satisfaction_attitude_young", "sat_young", "n_young"), ("resolution_rate_older", "resolved_older", "ended_older"),
    ("resolution_rate_young", "resolved_young", "ended_young"),
    ("resolution_rate_cross", "resolved_cross", "closed_cross"),
    (None, "trust_sq", "sizes"),
)
# Outcomes that are a row as it is.
COPIES = (("issues_raised", "raised"), ("issues_reported", "reported"), ("issues_found", "found"),
          ("issues_resolved", "resolved"), ("issues_failed", "failed"), ("issues_given_up", "given_up"),
          ("backlog", "backlog"), ("unreported_issues", "unreported"), ("resolved_by_government", "sector_0"),
          ("resolved_by_enterprise", "sector_1"), ("resolved_by_social_org", "sector_2"),
          ("resolved_by_residents", "sector_3"), ("cumulative_spend", "cum_spend"))
_ROW = {name: i for i, name in enumerate(SUM_ROWS + DERIVED_ROWS)}
_OUT = {name: i for i, name in enumerate(OUTCOME_NAMES)}
_RATIO_NUM = np.array([_ROW[num] for _, num, _ in RATIOS])
_RATIO_DEN = np.array([_ROW[den] for _, _, den in RATIOS])
_RATIO_OUT = np.array([_OUT[name] for name, _, _ in RATIOS if name is not None])
_COPY_OUT = np.array([_OUT[name] for name, _ in COPIES])
_COPY_ROWS = np.array([_ROW[row] for _, row in COPIES])
_INSTITUTION_COLUMN = {name: j for j, name in enumerate(INSTITUTION_COLUMNS)}
#: Whether a case that came by each channel runs under a time limit (:data:`rules.TIME_LIMITED`),
#: indexed by the channel plus one (-1, no channel, first): one lookup instead of ``np.isin``.
_LIMITED_BY_CHANNEL = np.isin(np.arange(-1, FOUND + 1), TIME_LIMITED)


class _SumRows:
    """Rows of the weekly sums matrix by name (``SUM_ROWS``)."""

    __slots__ = ("sums",)

    def __init__(self, sums: np.ndarray):
        self.sums = sums

    def __getitem__(self, name: str) -> np.ndarray:
        return self.sums[_ROW[name]]


class CoGovModel(mesa.Model):
    """The whole model, built from one :class:`~cogov_sim.model.scenario.Scenario`.

    Residents live in ``self.residents`` (arrays); the government, enterprises and social
    organisations are Mesa agents. ``self.levers[name]`` holds each lever's value per community,
    which scheduled interventions change from their step on.
    """

    #: Whether each week records a row per institution (:meth:`institution_table`, written as
    #: ``institutions.parquet`` by ``cogov run``). Batches that keep only outcomes (sweeps,
    #: comparisons) switch it off: a row costs some microseconds per institution and week and
    #: changes nothing else.
    keep_institutions: bool = True
    #: Whether institutions decide every ``decision.interval`` weeks by the calendar. A workshop
    #: (:mod:`cogov_sim.experiments.workshop`) switches it off and has them decide at the start
    #: of each of its rounds, when the people playing them have made their choices.
    decisions_on_schedule: bool = True

    def __init__(self, scenario: Scenario | None = None, *, seed: int | None = None, network: Network | None = None):
        scenario = scenario or Scenario()
        if seed is not None:
            scenario = scenario.with_values({"run.seed": seed})
        given = scenario
        self.streams = Streams(scenario.run.seed)
        super().__init__(rng=np.random.Generator(np.random.PCG64(self.streams.seed_sequence("agents"))))
        self.network = network if network is not None else build_network(scenario, self.streams["network"])
        if scenario.network.kind == "file":  # the file decides how many residents and communities there are
            scenario = fit_to_network(scenario, self.network.n, self.network.n_communities)
        self.settings = scenario
        #: The scenario as given, before a network file fitted it (what :func:`start_key` reads).
        self.scenario_given = given
        self.n_communities = self.network.n_communities
        self.residents, self.rate_multiplier = draw_residents(
            scenario, self.network.community, self.n_communities, lambda part: self.streams.part("population", part))
        self.n = self.residents.n
        self._burning_in = False
        self._shared = np.asarray(scenario.volunteering.shared, dtype=np.float64)
        self._yield_sum = np.zeros(self.n_communities)
        self._yield_weeks = 0
        self._last_yield = np.ones(self.n_communities)
        self._setup_institutions()
        self._setup_levers()
        self.government = Government(self)
        self._mix = np.array([scenario.issues.mix_young, scenario.issues.mix_middle, scenario.issues.mix_older])
        self.recorder = Recorder(scenario.run.steps, self.n_communities)
        self.pilots = PilotProgrammes(self)
        self.budget_cut = np.zeros(self.n_communities)
        self.surge = np.zeros(self.n_communities)
        self.surge_category = np.full(self.n_communities, -1)
        self.forced_breach = np.zeros(self.n_communities, dtype=bool)
        self._week: dict[str, np.ndarray] = {}
        self._live_shocks: list = []
        self._older = self.residents.age_group == OLDER
        self._young = self.residents.age_group == YOUNG
        self._low_lit = self.residents.literacy < 0.5
        ch = scenario.channels
        # column-major, so that each channel's costs are contiguous
        self._channel_costs = np.asfortranarray(rules.channel_costs(
            literacy=self.residents.literacy, older=self._older, online_cost=ch.online_cost,
            online_literacy_penalty=ch.online_literacy_penalty, hotline_cost=ch.hotline_cost,
            hotline_literacy_penalty=ch.hotline_literacy_penalty, offline_cost=ch.offline_cost,
            offline_older_discount=ch.offline_older_discount))
        self.effective = self._effective_levers()
        cs = self.network.community_sum
        self._n_older, self._n_young, self._n_low = cs(self._older), cs(self._young), cs(self._low_lit)
        self._cum_resolved_c = np.zeros(self.n_communities)
        g = scenario.government
        self._sat_scores = {"late": g.satisfaction_late, "failed": g.satisfaction_failed}
        self._fading = {"memory": rules.fading_rate(scenario.feedback.memory_half_life),
                        "privacy": rules.fading_rate(scenario.data.privacy_half_life)}
        self._recent = np.zeros(self.n, dtype=bool)
        self._aware_neighbours = NeighbourCounter(self.network)
        self._recent_neighbours = NeighbourCounter(self.network)
        self._sum_buffer = np.empty((len(RESIDENT_SUMS) - 13, self.n))
        c64 = self.residents.community.astype(np.int64)
        self._participation_key = c64 * 24 + self.residents.age_group * 2 + self._low_lit
        self.burn_in(scenario.run.burn_in)

    def __getstate__(self) -> dict:
        """Copies and pickles hold the levers themselves; their read-only view is rebuilt."""
        state = self.__dict__.copy()
        state.pop("levers", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.levers = MappingProxyType(self._levers)

    # ------------------------------------------------------------------------------------- setup
    def _setup_institutions(self) -> None:
        """Draw enterprises and social organisations, and whom they reach (``institutions`` stream)."""
        s = self.settings
        rng = self.streams["institutions"]
        k, n = self.n_communities, self.n
        ent, org = s.enterprises, s.social_orgs
        weights = rng.lognormal(0.0, 0.5, size=ent.count)
        total = ent.capacity_per_10k * n / 1e4
        for i in range(ent.count):
            served = np.sort(rng.choice(k, size=min(ent.communities_served, k), replace=False))
            Enterprise(self, communities=served, capacity=total * weights[i] / weights.sum(),
                       csr=float(rng.beta(*_ab(ent.csr_mean))), tech=float(rng.beta(*_ab(ent.tech_mean))),
                       security=float(rng.beta(*_ab(ent.security_mean))), reputation=0.5, reservation=1.0)
        weights = rng.lognormal(0.0, 0.5, size=org.count)
        total = org.capacity_per_10k * n / 1e4
        n_third = int(round(org.count * org.third_party_share))
        member_of = self.residents.member_of
        community = self.residents.community
        for j in range(org.count):
            reached = np.sort(rng.choice(k, size=min(org.communities_reached, k), replace=False))
            o = SocialOrganisation(self, communities=reached, capacity=total * weights[j] / weights.sum(),
                                   credibility=float(rng.beta(*_ab(org.credibility_mean))),
                                   independence=float(rng.beta(*_ab(org.independence_mean))),
                                   third_party=j < n_third)
            u = rng.random(n)
            in_reach = np.isin(community, reached)
            joins = in_reach & (u < org.membership_share) & (member_of < 0)
            member_of[joins] = j
            o.members = int(joins.sum())
        self.enterprises = list(self.agents_by_type.get(Enterprise, []))
        self.social_organisations = list(self.agents_by_type.get(SocialOrganisation, []))
        inst = s.institutions
        for e in self.enterprises:  # drawn after the rest, so that earlier draws stay as they were
            e.reservation = float(rng.beta(*_ab(inst.reservation_mean)))
        for o in self.social_organisations:
            o.reservation = float(rng.beta(*_ab(inst.purchase_reservation_mean)))
        self.enterprise_tech = float(np.mean([e.tech for e in self.enterprises])) if self.enterprises else 0.0
        #: Which communities each enterprise serves and each social organisation other than an
        #: evaluator works in, (institutions, communities).
        self._serves = np.zeros((len(self.enterprises), k), dtype=bool)
        for i, e in enumerate(self.enterprises):
            self._serves[i, e.communities] = True
        self._providers = [o for o in self.social_organisations if not o.third_party]
        self._works_in = np.zeros((len(self._providers), k), dtype=bool)
        for i, o in enumerate(self._providers):
            self._works_in[i, o.communities] = True
        members = np.flatnonzero(member_of >= 0)
        #: Members of each organisation per community, (organisations, communities).
        self.organisation_members = np.zeros((len(self.social_organisations), k))
        np.add.at(self.organisation_members, (member_of[members], community[members]), 1.0)
        #: Members of social organisations: index, community, and how strongly their
        #: organisation's campaign reaches them (credibility times campaign focus, see
        #: :meth:`campaign_pull`).
        self._members = (members, community[members], np.zeros(members.size))
        self.enterprise_offers: dict[int, np.ndarray] = {e.unique_id: np.zeros(k) for e in self.enterprises}
        self.organisation_offers: dict[int, np.ndarray] = {o.unique_id: np.zeros(k)
                                                           for o in self.social_organisations}
        self._period = {name: np.zeros(k) for name in ("resolved", "ended", "by_enterprise")}
        #: Institutions' weeks as recorded: (week, block, policies) (:meth:`record_institutions`).
        self.institution_rows: list[tuple[int, np.ndarray, list[str]]] = []
        self.update_campaign_pull()

    def campaign_pull(self) -> np.ndarray:
        """How strongly each organisation's campaign reaches a member in each community,
        (organisations + 1, communities): its credibility times its campaign focus there (its
        share of campaign effort over an even share); the last row, for residents who belong to
        no organisation, is 0."""
        pull = np.zeros((len(self.social_organisations) + 1, self.n_communities))
        for j, o in enumerate(self.social_organisations):
            pull[j, o.communities] = o.credibility * o.campaign_focus()
        return pull

    def update_campaign_pull(self) -> None:
        """Give each member the pull of their organisation's campaign where they live."""
        mi, mc, _ = self._members
        self._members = (mi, mc, self.campaign_pull()[self.residents.member_of[mi], mc])

    @classmethod
    def from_start(cls, start: Start, scenario: Scenario) -> CoGovModel:
        """The model of ``scenario`` from a :class:`Start` taken from a model with the same
        :func:`start_key`: the same as ``CoGovModel(scenario)``, without its build and burn-in."""
        return start.model(scenario)

    def _adopt(self, scenario: Scenario) -> None:
        """Run ``scenario`` from this week-0 state: its levers, interventions, shocks, pilots and
        horizon replace those of the scenario the state was built for (the rest is the same)."""
        self.scenario_given = scenario
        if scenario.network.kind == "file":
            scenario = fit_to_network(scenario, self.network.n, self.network.n_communities)
        self.settings = scenario
        self._setup_levers()
        self.recorder = Recorder(scenario.run.steps, self.n_communities)
        self.pilots = PilotProgrammes(self)
        self.effective = self._effective_levers()

    def _setup_levers(self) -> None:
        s = self.settings
        self._levers = {name: np.full(self.n_communities, code) for name, code in lever_codes(s.levers).items()}
        self.levers = MappingProxyType(self._levers)
        self._schedule: dict[int, list] = {}
        for iv in s.interventions:
            self._schedule.setdefault(max(iv.step, 1), []).append(iv)

    def set_lever(self, name: str, value: object, communities: list[int] | np.ndarray | None = None) -> None:
        """Set a lever from now on, everywhere or in some communities (validated like a file)."""
        from cogov_sim.model.scenario import coerce

        value = coerce(lever_spec(name), value, source="set_lever")
        idx = slice(None) if communities is None else np.asarray(communities, dtype=np.int64)
        self._levers[name][idx] = lever_code(name, value)
        self.effective = self._effective_levers()

    def schedule_shock(self, kind: str, *, duration: int = 1, magnitude: float = 1.0,
                       communities: list[int] | None = None, category: str | None = None) -> None:
        """Add a shock from the next week on, as a ``[[shocks]]`` entry would (used live, e.g. by
        the workshop app): ``issue_surge``, ``budget_cut`` (``magnitude`` the share cut) or
        ``data_breach``."""
        from cogov_sim.model.parameters import SHOCK_KINDS
        from cogov_sim.model.scenario import Shock

        if kind not in SHOCK_KINDS:
            raise ValueError(f"unknown shock kind {kind!r}; known: {', '.join(SHOCK_KINDS)}")
        comms = None if communities is None else tuple(int(c) for c in communities)
        self._live_shocks.append(Shock(kind=kind, step=self.steps + 1, duration=int(duration),
                                       magnitude=float(magnitude), communities=comms, category=category))

    def lever_key(self) -> bytes:
        """Every lever's value in every community as bytes: what the institution-level quantities
        that follow from the levers alone (costs, funding, effective levers) are kept for, so
        that they are computed again only in a week when a lever changed."""
        return b"".join(v.tobytes() for v in self._levers.values())

    def _effective_levers(self) -> dict[str, np.ndarray]:
        """Lever values as their mechanisms see them: scaled by funding where they cost money, and
        neutral for levers listed in ``run.inert_levers``. The same levers under the same funding
        give the same values, kept from the last call."""
        funded = self.government.funded if hasattr(self, "government") else {}
        key = (self.lever_key(), getattr(getattr(self, "government", None), "funding_version", -1),
               self._burning_in, self.settings.run.inert_levers)
        if key == getattr(self, "_effective_key", None):
            return self.effective
        self._effective_key = key
        eff = {}
        for name, value in self._levers.items():
            v = value * funded.get(name, 1.0) if name in FUNDED else value.copy()
            if name in self.settings.run.inert_levers and not self._burning_in:
                v = np.full_like(v, NEUTRAL.get(name, 0.0))
            eff[name] = v
        return eff

    # ------------------------------------------------------------------------------------- step
    def step(self) -> None:
        """One week."""
        self.week(self.steps, record=True)

    def burn_in(self, weeks: int) -> None:
        """Simulate up to ``weeks`` unrecorded weeks before week 1 under the status-quo levers (the
        defaults of ``[levers]``), so that every scenario starts from the same steady state of
        queues, participation and attitudes and its own levers act from week 1 (``run.burn_in``).

        The burn-in stops early at the end of a block of :data:`BURN_IN_BLOCK` weeks once the
        status quo is stationary: no quantity of :data:`STATIONARY_STATE` trends by as much as
        ``run.burn_in_tolerance`` over :data:`STATIONARITY_HORIZON` weeks (:func:`stationary`);
        the weeks it took are :attr:`burn_in_weeks`. Weeks since each resident last took part are
        kept as of week 0.
        """
        from cogov_sim.model.parameters import Levers

        own = {name: value.copy() for name, value in self._levers.items()}
        self._burning_in = True
        status_quo = Levers()
        for name, code in lever_codes(status_quo).items():
            self._levers[name][:] = code
        self.effective = self._effective_levers()
        tolerance = self.settings.run.burn_in_tolerance
        history: list[np.ndarray] = []
        done = 0
        for t in range(1 - weeks, 1):
            self.week(t, record=False)
            done += 1
            if tolerance > 0 and done < weeks:
                history.append(self.burn_in_state(t))
                if done % BURN_IN_BLOCK == 0 and stationary(history, STATIONARITY_WINDOW,
                                                             STATIONARITY_HORIZON, tolerance):
                    r = self.residents
                    r.last_part[r.last_part > NEVER] -= t  # the last burn-in week becomes week 0
                    break
        self.burn_in_weeks = done
        for name, value in own.items():
            self._levers[name][:] = value
        self._burning_in = False
        self.effective = self._effective_levers()
        self.government.cumulative_spend_by_community = np.zeros(self.n_communities)

    def burn_in_state(self, t: int) -> np.ndarray:
        """The means after week ``t`` that the stationarity test of the burn-in follows
        (:data:`STATIONARY_STATE`)."""
        r = self.residents
        n = max(self.n, 1)
        recent = np.count_nonzero((t - r.last_part) <= self.settings.participation.window)
        return np.array([recent / n, r.trust.mean() if self.n else 0.0,
                         r.efficacy.mean() if self.n else 0.0, r.privacy.mean() if self.n else 0.0,
                         np.count_nonzero(r.aware) / n, np.count_nonzero(r.status != NONE) / n,
                         np.count_nonzero(r.cooperator) / n])

    def week(self, t: int, *, record: bool) -> None:
        """The phases of week ``t`` (weeks before 1 are burn-in weeks)."""
        self.apply_schedule(t)
        if t >= 1 and self.pilots.pilots:
            self.pilots.before_week(t)
        self.government.fund()
        self.effective = self._effective_levers()
        self.government.develop_capacity()
        self.issues_arise()
        self.spread_awareness(t)
        self.residents_take_part(t)
        self.find_issues()
        self.handle_cases()
        self.learn_from_outcomes()
        self.exchange_trust()
        if t % self.settings.volunteering.interval == 0:
            self.revise_volunteering()
        self.suffer_data_risk()
        if self.decisions_on_schedule and t % self.settings.decision.interval == 0:
            self.institutions_decide()
        self.government.track_need()
        if record:
            self.measure(t)

    def run(self, steps: int | None = None, progress=None) -> None:
        """Run ``steps`` weeks (default: the scenario's horizon); ``progress(t)`` is called each week."""
        for _ in range(self.settings.run.steps if steps is None else steps):
            self.step()
            if progress is not None:
                progress(self.steps)

    # ------------------------------------------------------------------------------- processes
    def mode_weights(self, name: str) -> np.ndarray:
        """Per community, the value of the ``[cogovernance]`` list ``name`` for the community's
        co-governance mode."""
        return np.asarray(getattr(self.settings.cogovernance, name))[self.effective["cogovernance_mode"].astype(int)]

    def _by_resident(self, values: np.ndarray) -> np.ndarray:
        """Per-community ``values`` for each resident: a 0-d value when every community has the
        same one (the usual case; elementwise arithmetic and comparisons then broadcast to the
        same results without gathering), else one row per resident."""
        if (values == values[0]).all():
            return values[0]
        return self.network.by_resident(values)

    def apply_schedule(self, t: int) -> None:
        """Apply the interventions that start this week, and set this week's shocks."""
        changed = False
        for iv in self._schedule.get(t, ()):
            comms = slice(None) if iv.communities is None else np.asarray(iv.communities)
            for name, value in iv.levers.items():
                self._levers[name][comms] = lever_code(name, value)
            changed = True
        if changed:
            self.effective = self._effective_levers()
        self.budget_cut[:] = 0.0
        self.surge[:] = 0.0
        self.surge_category[:] = -1
        self.forced_breach[:] = False
        for sh in (*self.settings.shocks, *self._live_shocks):
            if not sh.step <= t < sh.step + sh.duration:
                continue
            comms = slice(None) if sh.communities is None else np.asarray(sh.communities)
            if sh.kind == "budget_cut":
                self.budget_cut[comms] = np.maximum(self.budget_cut[comms], sh.magnitude)
            elif sh.kind == "issue_surge":
                self.surge[comms] += sh.magnitude
                if sh.category is not None:
                    self.surge_category[comms] = CATEGORIES.index(sh.category)
            elif sh.kind == "data_breach":
                self.forced_breach[comms] = True

    def issue_rates(self) -> np.ndarray:
        """This week's chance of a new issue per resident without one, per community: the base
        rate times the community's need level, raised by surges (model.md process 1)."""
        return self.settings.issues.rate * self.rate_multiplier * (1.0 + self.surge)

    def resident_issue_rates(self) -> np.ndarray:
        """:meth:`issue_rates` for each resident (:meth:`_by_resident`), kept from the last call while
        the settings and the surges are as they were (surges change with shocks only)."""
        key = (self.settings, self.surge.tobytes())
        if key != getattr(self, "_issue_rates_key", None):
            self._resident_rates = self._by_resident(self.issue_rates())
        self._issue_rates_key = key  # next week's key then matches by identity (see Government.fund)
        return self._resident_rates

    def issues_arise(self) -> None:
        """New issues, by category and community; surges raise rates (model.md process 1)."""
        r = self.residents
        rng = self.streams["issues"]
        u, u_cat, u_cross = rng.random(self.n), rng.random(self.n), rng.random(self.n)
        new = np.flatnonzero(rules.issue_arrivals(r.status, self.resident_issue_rates(), u))
        c = r.community[new]
        mix = self._mix[r.age_group[new]]
        if (self.surge_category >= 0).any():
            cat = self.surge_category[c]
            s = np.where(cat >= 0, self.surge[c], 0.0)
            bump = np.zeros_like(mix)
            bump[np.arange(new.size), np.maximum(cat, 0)] = s
            mix = (mix + bump) / (1.0 + s)[:, None]
        r.category[new] = rules.issue_categories(mix, u_cat[new])
        r.cross[new] = u_cross[new] < self.settings.issues.cross_department_share
        r.status[new] = UNREPORTED
        r.issue_age[new] = 0
        r.wait[new] = 0
        r.channel[new] = -1
        self.government.arrived += np.bincount(c * N_CAT + r.category[new], minlength=self.n_communities * N_CAT
                                               ).reshape(self.n_communities, N_CAT)
        self._week["raised"] = new

    def spread_awareness(self, t: int) -> None:
        """Campaigns through social organisations, word of mouth, forgetting (model.md process 2)."""
        s = self.settings
        r = self.residents
        u = self.streams["awareness"].random(self.n)
        campaign = self.effective["awareness_campaign"]
        org_w = self.mode_weights("org_weight")
        p = s.social_orgs.public_reach * self.network.by_resident(campaign)
        mi, mc, mcred = self._members
        if mi.size:
            p[mi] = 1.0 - (1.0 - p[mi]) * (1.0 - np.minimum(
                s.social_orgs.campaign_reach * campaign[mc] * mcred * org_w[mc], 1.0))
        self._recent = recent = (t - r.last_part) <= s.participation.window
        aware_nb = self._aware_neighbours(r.aware)
        r.aware = rules.awareness_transition(r.aware, aware_nb, recent, p, threshold=s.awareness.threshold,
                                             word_of_mouth=s.awareness.word_of_mouth,
                                             forgetting=s.awareness.forgetting, u=u)

    def follow_up(self, reported: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """Whether upper levels follow up each request reported this week (resident indices and
        their channels): an online request, with its community's chance ``levers.upper_supervision``
        x ``government.follow_up_share`` (:func:`rules.follow_up_chance`). One uniform per resident
        a week from the ``supervision`` stream, drawn whether or not anyone is watched, so that runs
        whose watching starts in different weeks still share their draws (common random numbers).
        A request followed up stays first in line until it closes, even if the watching ends."""
        chance = rules.follow_up_chance(self.effective["upper_supervision"],
                                        self.settings.government.follow_up_share)
        u = self.streams["supervision"].random(self.n)
        return (channel == ONLINE) & (u[reported] < chance[self.residents.community[reported]])

    def residents_take_part(self, t: int) -> None:
        """Each resident stays silent or takes part through one channel, a nested logit with
        silence in its own nest (McFadden 1978); those with an unreported issue who take part
        report it (model.md process 2)."""
        s = self.settings
        r = self.residents
        pp = s.participation
        rng = self.streams["participation"]
        u, u_channel = rng.random(self.n), rng.random(self.n)
        social = self._recent_neighbours(self._recent) * self.network.inv_degree
        has_unrep = r.status == UNREPORTED
        base = rules.participation_base(
            base=pp.base, issue_motive=pp.issue_motive, has_unreported=has_unrep, efficacy=r.efficacy,
            trust=r.trust, social_share=social, efficacy_weight=pp.efficacy_weight, trust_weight=pp.trust_weight,
            social_weight=pp.social_weight)
        v = rules.channel_utilities(
            costs=self._channel_costs, privacy=r.privacy, aware=r.aware,
            platform_open=self._by_resident(self.effective["online_platform"] > 0.5),
            hotline_open=self._by_resident(self.effective["hotline"] > 0.5),
            platform_quality=self._by_resident(self.government.platform_quality),
            privacy_weight=pp.privacy_weight, quality_weight=pp.quality_weight)
        scale = pp.noise * pp.channel_dissimilarity
        if scale > 0:
            inclusive, weights = rules.channel_logit(v, scale)
            best = base + inclusive
            channel = rules.pick_channel(weights, u_channel)
        else:
            best, channel = rules.best_channel(base, v)
        takes = rules.participation_choice(best, r.threshold, pp.noise, u)
        part = np.flatnonzero(takes)
        r.last_part[part] = t
        r.last_channel[part] = channel[part]
        rep = np.flatnonzero(takes & has_unrep)
        rc = channel[rep]
        r.status[rep] = QUEUED
        r.channel[rep] = rc
        r.wait[rep] = 0
        r.has_record[rep[rc != OFFLINE]] = True
        r.followed_up[rep] = self.follow_up(rep, rc)
        paper = s.government.paper_record_rate
        weight = np.where(rc == OFFLINE, paper + (1 - paper) * self.government.platform_quality[r.community[rep]], 1.0)
        self.government.record(r.community[rep], r.category[rep], weight)
        self._week["took_part"] = part
        self._week["reported"] = rep

    def find_issues(self) -> None:
        """Grid workers of an active government find unreported issues (model.md process 2)."""
        r = self.residents
        u = self.streams["handling"].random(self.n)
        p = self.government.finding_probability()
        found = np.flatnonzero((r.status == UNREPORTED) & (u < self._by_resident(p)))
        r.status[found] = QUEUED
        r.channel[found] = FOUND
        r.wait[found] = 0
        r.has_record[found] = True
        self.government.record(r.community[found], r.category[found], 1.0)
        self._week["found"] = found

    def sector_capacity(self) -> tuple[np.ndarray, np.ndarray]:
        """Queue and capacity per (community, category) cell and sector (government, enterprise,
        social organisation, residents), cases/week (model.md process 3)."""
        r = self.residents
        k = self.n_communities
        queued = np.flatnonzero(r.status == QUEUED)
        cell = r.community[queued] * N_CAT + r.category[queued]
        queue = np.bincount(cell, minlength=k * N_CAT).reshape(k, N_CAT).astype(np.float64)
        late = r.wait[queued] > self.settings.government.patience_weeks
        channel = r.channel[queued]
        followed = r.followed_up[queued]
        limited = _LIMITED_BY_CHANNEL[channel + 1]
        self._week["queued"] = queued
        self._week["cell"] = cell
        self._week["late"] = late
        self._week["followed"] = followed
        self._week["limited"] = limited

        def per_cell(mask: np.ndarray) -> np.ndarray:
            return np.bincount(cell[mask], minlength=k * N_CAT).reshape(k, N_CAT).astype(np.float64)

        self._week["overdue"] = per_cell(late)
        self._week["followed_cases"] = per_cell(followed)
        self._week["followed_overdue"] = per_cell(late & followed)
        self._week["limited_cases"] = per_cell(limited)
        self._week["limited_overdue"] = per_cell(late & limited)
        return queue, self.capacity_by_sector(queue, self.network.community_sum(r.cooperator))

    def capacity_by_sector(self, queue: np.ndarray, volunteers: np.ndarray) -> np.ndarray:
        """Capacity per (community, category) cell and sector, cases/week, given the queue per
        cell and the volunteers per community: caseworkers by their allocation, grid workers,
        enterprises and organisations in proportion to the queue, volunteers in proportion to the
        queue of the shared problems they can help with (``volunteering.shared``; model.md
        process 3). Notes how much of the volunteers' capacity finds work this week
        (:func:`rules.volunteer_yield`), which the volunteering choice weighs."""
        s = self.settings
        ent, org = self.institution_offers()
        vol = volunteers * s.volunteering.cases_per_volunteer
        total = queue.sum(axis=1, keepdims=True)
        share = np.divide(queue, total, out=np.zeros_like(queue), where=total > 0)
        gov = self.government.capacity() + self.government.grid_capacity()[:, None] * share
        shared = queue * self._shared
        total_shared = shared.sum(axis=1, keepdims=True)
        vol_cap = vol[:, None] * np.divide(shared, total_shared, out=np.zeros_like(shared), where=total_shared > 0)
        cap = np.stack([gov, ent[:, None] * share, org[:, None] * share, vol_cap], axis=-1)
        self._yield_sum += rules.volunteer_yield(queue, cap.sum(axis=-1), vol_cap, vol)
        self._yield_weeks += 1
        return cap

    def institution_offers(self) -> tuple[np.ndarray, np.ndarray]:
        """What enterprises and social organisations offer to close in each community this week,
        cases/week, in all (each one's offer is kept in :attr:`enterprise_offers` and
        :attr:`organisation_offers`). An offer follows from the co-governance mode's engagement,
        the funded share of contracts and purchases and each institution's own decisions; with
        all of them as they were last week (they change with levers and decisions) the offers
        are last week's."""
        funding = self.contract_funding()
        key = (self.settings, self.effective["cogovernance_mode"].tobytes(), funding.tobytes(),
               tuple((e.csr, e.contract) for e in self.enterprises),
               tuple((o.credibility, o.purchase, o.mediation.tobytes()) for o in self.social_organisations))
        if key == getattr(self, "_offers_key", None):
            self._offers_key = key  # next week's key then matches by identity (see Government.fund)
            return self._offers
        mode = self.effective["cogovernance_mode"].astype(int)
        ent_w = self.mode_weights("enterprise_weight")
        org_w = self.mode_weights("org_weight")
        paid = (mode == COLLABORATIVE) * funding
        bought = (mode >= CONSULTATIVE) * funding
        ent = np.zeros(self.n_communities)
        for e in self.enterprises:
            offer = self.enterprise_offers[e.unique_id] = e.offer_capacity(ent_w, paid)
            ent += offer
        org = np.zeros(self.n_communities)
        for o in self.social_organisations:
            offer = self.organisation_offers[o.unique_id] = o.offer_capacity(org_w, bought)
            org += offer
        self._offers_key, self._offers = key, (ent, org)
        return ent, org

    def handling_odds(self, queue: np.ndarray, overdue: np.ndarray, cap: np.ndarray, followed: np.ndarray,
                      followed_overdue: np.ndarray, limited: np.ndarray,
                      limited_overdue: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per cell (flat, community * categories + category): the chance that a followed-up case (an
        online request that upper levels follow up: :meth:`follow_up`) is served first, then the
        chance that a case under a formal time limit (:data:`rules.TIME_LIMITED`,
        ``government.time_limit_priority``) is served next (both :func:`rules.served_first`),
        then the chance that an overdue queued case and that another queued case close with the
        capacity left (the government's escalation priority, :func:`rules.priority_probabilities`),
        and each sector's share of the closing capacity; per community: the factor on the chance of
        a cross-department case (silos). Counts per cell are (communities, categories)."""
        s = self.settings
        first, left = rules.served_first(followed, cap.sum(axis=-1), 1.0)
        second, left = rules.served_first(limited, left, s.government.time_limit_priority)
        p_overdue, p_other = rules.priority_probabilities(
            queue - first * followed - second * limited, overdue - first * followed_overdue - second * limited_overdue,
            left, self.government.priority[:, None])
        relief = self.mode_weights("silo_relief")
        silo = rules.silo_factor(s.government.silo_level, self.effective["data_sharing"], relief,
                                 s.government.silo_penalty)
        return (first.reshape(-1), second.reshape(-1), p_overdue.reshape(-1), p_other.reshape(-1), silo,
                rules.sector_shares(cap.reshape(-1, 4)))

    def handle_cases(self) -> None:
        """Departments, enterprises, organisations and volunteers close queued cases; silos slow
        cross-department cases; cases that wait too long fail, unreported issues are given up."""
        s = self.settings
        r = self.residents
        u = self.streams["handling"].random(self.n)
        queue, cap = self.sector_capacity()
        queued, cell = self._week["queued"], self._week["cell"]
        w = self._week
        first, second, p_overdue, p_other, silo, shares = self.handling_odds(
            queue, w["overdue"], cap, w["followed_cases"], w["followed_overdue"], w["limited_cases"],
            w["limited_overdue"])
        q = np.where(w["followed"], first[cell], np.where(w["limited"], second[cell], 0.0))
        p = (q + (1.0 - q) * np.where(w["late"], p_overdue[cell], p_other[cell])) * np.where(
            r.cross[queued], silo[r.community[queued]], 1.0)
        uq = u[queued]
        ok = uq < p
        resolved = queued[ok]
        sector = rules.attribute_sector(shares[cell[ok]], uq[ok] / np.maximum(p[ok], 1e-300))
        wait_after = r.wait[queued] + 1
        failed = queued[~ok & (wait_after >= s.government.max_wait_weeks)]
        unrep = np.flatnonzero(r.status == UNREPORTED)
        given_up = unrep[r.issue_age[unrep] + 1 >= s.issues.max_unreported_weeks]
        self.tally_period(resolved, sector, failed, given_up)
        self._week.update(resolved=resolved, sector=sector, failed=failed, given_up=given_up,
                          resolved_wait=r.wait[resolved].astype(np.float64),
                          failed_wait=r.wait[failed].astype(np.float64))
        for closed in (resolved, failed, given_up):
            r.status[closed] = NONE
            r.category[closed] = -1
            r.channel[closed] = -1
            r.followed_up[closed] = False
        r.issue_age += r.status != NONE
        r.wait += r.status == QUEUED

    def tally_period(self, resolved: np.ndarray, sector: np.ndarray, failed: np.ndarray,
                     given_up: np.ndarray) -> None:
        """Add this week's closed cases (resident indices; ``sector`` of each resolved one) to the
        counts of the decision period that institutions observe: resolved and ended issues per
        community, cases resolved by enterprises, and failed cases (complaints)."""
        k = self.n_communities
        c = self.residents.community
        period = self._period
        done = np.bincount(c[resolved], minlength=k)
        lost = np.bincount(c[failed], minlength=k)
        period["resolved"] += done
        period["ended"] += done + lost + np.bincount(c[given_up], minlength=k)
        period["by_enterprise"] += np.bincount(c[resolved[sector == 1]], minlength=k)
        self.government.failed += lost
        self.government.period_weeks += 1

    def learn_from_outcomes(self) -> None:
        """Past experience fades (attitudes move back toward their resting levels); then own
        outcomes, and with transparency neighbours' outcomes, move trust and efficacy, and own
        outcomes move the resident's standing satisfaction toward the score of the closed case
        (model.md process 5; Fang 2024, 2.2; Mishler & Rose 2001)."""
        s = self.settings
        fb = s.feedback
        r = self.residents
        w = self._week
        r.trust = rules.fade(r.trust, r.trust_rest, self._fading["memory"])
        r.efficacy = rules.fade(r.efficacy, r.efficacy_rest, self._fading["memory"])
        r.privacy = rules.fade(r.privacy, r.privacy_rest, self._fading["privacy"])
        waiting = np.flatnonzero((r.status == QUEUED) & (r.wait > s.government.patience_weeks))
        r.trust, r.efficacy = rules.outcome_feedback(
            r.trust, r.efficacy, w["resolved"], w["failed"], waiting, trust_gain=fb.resolved_trust_gain,
            efficacy_gain=fb.resolved_efficacy_gain, trust_loss=fb.failed_trust_loss,
            efficacy_loss=fb.failed_efficacy_loss, wait_loss=fb.wait_trust_loss)
        gu = w["given_up"]
        r.efficacy[gu] = rules.toward(r.efficacy[gu], 0.0, fb.silent_efficacy_loss)
        r.satisfied = rules.fade(r.satisfied, r.satisfied_rest, self._fading["memory"])
        res = w["resolved"]
        score = rules.satisfaction_score(np.ones(res.size, bool), w["resolved_wait"], s.government.patience_weeks,
                                         **self._sat_scores)
        r.satisfied[res] = rules.toward(r.satisfied[res], score, fb.satisfaction_weight)
        unmet = np.concatenate([w["failed"], gu])
        r.satisfied[unmet] = rules.toward(r.satisfied[unmet], self._sat_scores["failed"], fb.satisfaction_weight)
        weight = fb.vicarious_weight * self.effective["transparency"]
        if weight.any() and (w["resolved"].size or w["failed"].size):
            seen, good, bad = self.network.outcome_shares(w["resolved"], w["failed"])
            wi = weight[r.community[seen]]
            r.trust[seen] = rules.vicarious_feedback(r.trust[seen], good, bad, wi)
            r.efficacy[seen] = rules.vicarious_feedback(r.efficacy[seen], good, bad, wi)

    def sample_meetings(self) -> np.ndarray:
        """This week's sampled ties, (m, 2), drawn uniformly with replacement from the ``trust``
        stream: ``trust.interaction_rate`` meetings per resident, two residents a meeting."""
        edges = self.network.edges
        m = int(round(self.settings.trust.interaction_rate * self.n / 2))
        if m == 0 or edges.shape[0] == 0:
            return edges[:0]
        return edges[self.streams["trust"].integers(0, edges.shape[0], size=m)]

    def exchange_trust(self) -> None:
        """Neighbours who meet move their trust together within a confidence bound (Deffuant et al. 2000)."""
        tr = self.settings.trust
        ties = self.sample_meetings()
        if ties.shape[0] == 0:
            return
        a, b = ties[:, 0], ties[:, 1]
        keep = rules.disjoint_pairs(a, b, self.n)
        self.residents.trust = rules.bounded_confidence(self.residents.trust, a[keep], b[keep], tr.epsilon, tr.mu)

    def volunteer_yield(self) -> np.ndarray:
        """Mean share of volunteers' capacity that closed cases, per community, over the weeks
        since the last revision of who volunteers (right after a revision: the share that
        revision weighed; 1 before any week was handled)."""
        if self._yield_weeks == 0:
            return self._last_yield
        return self._yield_sum / self._yield_weeks

    def synergy(self) -> np.ndarray:
        """Synergy factor r of the volunteering game per community: the base factor, raised by
        co-governance (``synergy_bonus``) and scaled by the share of volunteers' capacity that
        got shared problems resolved (:meth:`volunteer_yield`): a contribution is worth what it
        resolves."""
        return (self.settings.volunteering.synergy * (1.0 + self.mode_weights("synergy_bonus"))
                * self.volunteer_yield())

    def revise_volunteering(self) -> None:
        """Residents revise whether to volunteer in the neighbourhood public goods game
        (``volunteering.revision``): by a noisy best response to what volunteering is worth to
        them (Goeree, Holt & Laury 2002), or by imitating better-off neighbours (Santos, Santos &
        Pacheco 2008). Both weigh the synergy of :meth:`synergy`, which depends on what the
        volunteers got resolved since the last revision."""
        s = self.settings
        v = s.volunteering
        r = self.residents
        rng = self.streams["volunteering"]
        u1, u2 = rng.random(self.n), rng.random(self.n)
        synergy = self.network.by_resident(self.synergy())
        self._last_yield = self.volunteer_yield()
        self._yield_sum = np.zeros(self.n_communities)
        self._yield_weeks = 0
        net = self.network
        per_individual = v.cost_model == "per_individual"
        if v.revision == "logit":
            gain = rules.volunteering_gain(net.degree, net.neighbour_sum, synergy, per_individual, v.altruism)
            r.cooperator = rules.logit_volunteering(gain, v.noise, u2)
            return
        payoff = rules.public_goods_payoffs(r.cooperator, net.degree, net.neighbour_sum, synergy, per_individual)
        y = rules.random_neighbour(net.indptr, net.indices, u1)
        highest, lowest = rules.payoff_bounds(net.degree, net.neighbour_sum, synergy, per_individual)
        max_gap = rules.largest_payoff_gap(highest, lowest, y)
        r.cooperator = rules.imitation(r.cooperator, payoff, y, max_gap, u2)

    def data_holdings(self) -> np.ndarray:
        """Share of each community's stored records that each enterprise processes, (enterprises,
        communities): the outsourced share ``enterprises.data_share``, split equally among the
        enterprises serving the community that hold its data, all of them under partnerships and
        those holding a service contract under collaborative co-governance (Fang 2024, 3.1, 4.1).
        Kept from the last call while the levers it reads and the contracts are as they were."""
        contracts = tuple(e.contract for e in self.enterprises)
        key = (self.settings, self.effective["cogovernance_mode"].tobytes(), self.effective["partnerships"].tobytes(),
               contracts)
        if key != getattr(self, "_holdings_key", None):
            self._holdings = self._data_holdings(contracts)
        self._holdings_key = key  # next week's key then matches by identity (see Government.fund)
        return self._holdings

    def _data_holdings(self, contracts: tuple[bool, ...]) -> np.ndarray:
        collaborative = self.effective["cogovernance_mode"].astype(int) == COLLABORATIVE
        contract = np.array(contracts, dtype=bool)
        # the partnership as far as it is funded, a contract in full
        weight = self._serves * np.maximum(self.effective["partnerships"], collaborative & contract[:, None])
        holders = np.count_nonzero(weight > 0, axis=0).astype(np.float64)
        return weight * np.divide(self.settings.enterprises.data_share, holders, out=np.zeros_like(holders),
                                  where=holders > 0)

    def breach_probability(self, records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This week's chance that each data store leaks, given how many residents per community
        have data stored (``records``): the government's store of each community, whose copies
        grow with data sharing, and each enterprise's store of the records it processes, at its
        own security (:func:`rules.breach_probability`; model.md process 6). Also keeps the
        holdings of :meth:`data_holdings` for this week."""
        d = self.settings.data
        record_share = records / np.maximum(self.network.community_sizes, 1)
        government = rules.breach_probability(record_share, self.government.security,
                                              1.0 + d.sharing_records * self.effective["data_sharing"],
                                              hazard=d.breach_hazard)
        self._held = self.data_holdings()
        if not self._held.any():  # no enterprise holds residents' data: no enterprise store can leak
            return government, np.zeros(len(self.enterprises))
        security = np.array([e.security for e in self.enterprises], dtype=np.float64)
        enterprises = rules.breach_probability(self._held @ record_share, security, hazard=d.breach_hazard)
        return government, enterprises

    def breached_communities(self, records: np.ndarray, u_government: np.ndarray,
                             u_enterprises: np.ndarray) -> np.ndarray:
        """Which communities' data leaked this week: their government store, any enterprise store
        holding their records, or a scheduled breach. Notes each store's leak on the government
        (per community) and on each enterprise."""
        p_government, p_enterprises = self.breach_probability(records)
        own = u_government < p_government
        leaked = u_enterprises < p_enterprises
        self.government.breached = own
        if not self._held.any():
            for e in self.enterprises:
                e.breached, e.data_held = False, 0.0
            return own | self.forced_breach
        for i, e in enumerate(self.enterprises):
            e.breached = bool(leaked[i])
            e.data_held = float(self._held[i, e.communities].mean())
        return own | self.forced_breach | (self._held[leaked] > 0).any(axis=0)

    def suffer_data_risk(self) -> None:
        """Stored data may leak, from the government's store or an enterprise's; a breach of a
        community's data lowers the trust of those exposed and raises their privacy
        concern, which spreads to neighbours and through local news; the news also costs the
        government some trust among everyone in the community (model.md process 6; Fang 2024,
        3.1; Shandler & Gomez 2023)."""
        s = self.settings
        d = s.data
        r = self.residents
        rng = self.streams["data"]
        u_k = rng.random(self.n_communities)
        u_e = rng.random(len(self.enterprises))
        u = rng.random(self.n)
        breached = self.breached_communities(self.network.community_sum(r.has_record), u_k, u_e)
        self._week["breaches"] = breached
        if breached.any():
            hit = self.network.by_resident(breached)
            exposed = hit & r.has_record & (u < d.exposure)
            r.trust[exposed] = rules.toward(r.trust[exposed], 0.0, d.trust_loss)
            r.privacy[exposed] = rules.toward(r.privacy[exposed], 1.0, d.privacy_gain)
            nb = self.network.neighbour_mask_share(exposed)
            r.privacy = rules.toward(r.privacy, 1.0, d.neighbour_privacy_gain * nb + d.media_privacy_gain * hit)
            if d.media_trust_loss > 0:
                r.trust[hit] = rules.toward(r.trust[hit], 0.0, d.media_trust_loss)
        r.has_record &= u < d.record_retention

    # ------------------------------------------------------------------------------------- institutions
    def institutions_decide(self) -> None:
        """Every decision period, each institution observes and decides through its policy, in the
        order social organisations (and third parties' evaluations), enterprises, government, so
        that the government's decision can use this period's evaluation (model.md, Institutions
        decide). Each kind is driven through its ``AgentSet``; the period's counts then restart."""
        for kind in (SocialOrganisation, Enterprise, Government):
            agents = self.agents_by_type.get(kind)
            if agents:
                agents.do("step")
        self.update_campaign_pull()
        for counts in self._period.values():
            counts[:] = 0.0

    def set_policy(self, kind: str, policy) -> None:
        """From now on, institutions of ``kind`` (government, enterprise, social_organisation) decide
        by ``policy``: a registered name, or any function from the kind's view to its action
        (:mod:`cogov_sim.model.policies`), such as a person's choices in a workshop."""
        from cogov_sim.model.policies import KINDS, get_policy

        if kind not in KINDS:
            raise ValueError(f"unknown institution kind {kind!r}; known: {', '.join(KINDS)}")
        fn = get_policy(kind, policy) if isinstance(policy, str) else policy
        agents = {"government": [self.government], "enterprise": self.enterprises,
                  "social_organisation": self.social_organisations}[kind]
        for agent in agents:
            agent.policy = fn

    def contract_offer(self) -> np.ndarray:
        """Where the government offers enterprises service contracts: collaborative co-governance
        with the contract budget at least partly funded, per community."""
        mode = self.effective["cogovernance_mode"].astype(int)
        return (mode == COLLABORATIVE) & (self.contract_funding() > 0)

    def contracted_share(self) -> np.ndarray:
        """Share of the enterprises serving each community that hold a service contract (0 where
        none serves): the part of the contract budget the government pays."""
        return _share_holding([e.contract for e in self.enterprises], self._serves)

    def purchase_offer(self) -> np.ndarray:
        """Where the government offers to buy social organisations' services (政府购买服务):
        consultative and collaborative co-governance with the budget at least partly funded, per
        community."""
        mode = self.effective["cogovernance_mode"].astype(int)
        return (mode >= CONSULTATIVE) & (self.contract_funding() > 0)

    def purchased_share(self) -> np.ndarray:
        """Share of the social organisations working in each community (third-party evaluators
        aside) that sell their services to the government (0 where none works)."""
        return _share_holding([o.purchase for o in self._providers], self._works_in)

    def contract_funding(self) -> np.ndarray:
        """Funded share of the budget for enterprises' service contracts and the purchase of
        organisations' services this week, per community."""
        return self.government.funded.get("cogovernance_mode", np.ones(self.n_communities))

    def open_cases_per_1000(self) -> np.ndarray:
        """Queued cases per 1,000 residents now, per community."""
        queued = self.network.community_sum(self.residents.status == QUEUED)
        return queued / np.maximum(self.network.community_sizes, 1) * 1000.0

    def unreported_per_1000(self) -> np.ndarray:
        """Open unreported issues per 1,000 residents now, per community."""
        open_ = self.network.community_sum(self.residents.status == UNREPORTED)
        return open_ / np.maximum(self.network.community_sizes, 1) * 1000.0

    def participation_by_community(self) -> np.ndarray:
        """Share of residents who took part within the participation window, per community."""
        r = self.residents
        recent = (self.steps - r.last_part) <= self.settings.participation.window
        return self.network.community_sum(recent) / np.maximum(self.network.community_sizes, 1)

    def members_by_community(self, organisation: SocialOrganisation) -> np.ndarray:
        """The organisation's members per community."""
        return self.organisation_members[self.social_organisations.index(organisation)]

    def local_resolution(self, communities: np.ndarray) -> float:
        """Resolved share of the issues that ended in these communities this decision period
        (NaN when none ended): the results residents there saw."""
        ended = self._period["ended"][communities].sum()
        return float(self._period["resolved"][communities].sum() / ended) if ended > 0 else float("nan")

    def help_seen(self, enterprise: Enterprise) -> float:
        """Help residents saw from an enterprise this decision period, 0-1: the cases closed by
        enterprises in each community it serves, its share by its current offer there, over
        what it could close at full engagement (a share of its capacity)."""
        offers = self.enterprise_offers[enterprise.unique_id]
        total = sum(self.enterprise_offers.values())
        share = np.divide(offers, total, out=np.zeros_like(offers), where=total > 0)
        closed = float((self._period["by_enterprise"] * share).sum())
        weeks = max(self.government.period_weeks, 1)
        return float(np.clip(closed / max(enterprise.capacity * weeks, 1e-12), 0.0, 1.0))

    def record_institutions(self, t: int) -> None:
        """One row per institution for week ``t`` (``institutions.parquet``), unless
        :attr:`keep_institutions` is off: a (institutions, columns) block, NaN where a kind has no
        such column, with each one's policy."""
        if not self.keep_institutions:
            return
        groups = ((Government, [self.government]), (Enterprise, self.enterprises),
                  (SocialOrganisation, self.social_organisations))
        block = np.full((1 + len(self.enterprises) + len(self.social_organisations), len(INSTITUTION_COLUMNS)), np.nan)
        first = 0
        for kind, agents in groups:
            if agents:
                for name, values in kind.columns(self, agents).items():
                    block[first:first + len(agents), _INSTITUTION_COLUMN[name]] = values
            first += len(agents)
        agents = (self.government, *self.enterprises, *self.social_organisations)
        self.institution_rows.append((t, block, [policy_label(a.policy) for a in agents]))

    def institution_table(self) -> dict[str, np.ndarray]:
        """Every recorded institution-week as columns (step, kind, agent, policy, then
        :data:`cogov_sim.model.outcomes.INSTITUTION_COLUMNS`)."""
        agents = (self.government, *self.enterprises, *self.social_organisations)
        weeks = self.institution_rows
        blocks = (np.concatenate([b for _, b, _ in weeks]) if weeks
                  else np.empty((0, len(INSTITUTION_COLUMNS))))
        out = {"step": np.repeat(np.array([t for t, _, _ in weeks], dtype=np.int64), len(agents)),
               "kind": np.array([a.kind for a in agents] * len(weeks), dtype=object),
               "agent": np.tile(np.array([a.unique_id for a in agents], dtype=np.int64), len(weeks)),
               "policy": np.array([p for _, _, labels in weeks for p in labels], dtype=object)}
        out.update({name: blocks[:, j].copy() for j, name in enumerate(INSTITUTION_COLUMNS)})
        return out

    # ------------------------------------------------------------------------------------- outcomes
    def measure(self, t: int) -> None:
        """Record this week's outcomes, overall and per community (model.md, Outcomes).

        Every count and sum is taken per community (one pass over the contiguous community blocks
        for all resident quantities at once) into one matrix with a last column for the whole
        jurisdiction, so the overall and per-community tables always agree.
        """
        r = self.residents
        k = self.n_communities
        c = r.community
        w = self._week
        g = self.government
        net = self.network
        recent = (t - r.last_part) <= self.settings.participation.window
        older, young = self._older, self._young
        # who took part recently, by channel, age group and literacy: one count per community and
        # cell (channel + 1 for recent participants, 0 otherwise; age group; low literacy)
        rc = np.where(recent, r.last_channel, -1).astype(np.int64)
        cells = np.bincount(self._participation_key + 6 * (rc + 1), minlength=24 * k).reshape(k, 4, 3, 2)
        took = cells[:, 1:]
        buf = self._sum_buffer
        for i, x in enumerate((r.aware, r.has_record, r.cooperator, r.status == UNREPORTED, r.status == QUEUED,
                               r.trust, r.efficacy, r.privacy)):
            buf[i] = x
        np.multiply(r.trust, r.trust, out=buf[8])
        np.multiply(r.trust, older, out=buf[9])
        np.multiply(r.trust, young, out=buf[10])
        buf[11] = r.satisfied
        np.multiply(r.satisfied, older, out=buf[12])
        np.multiply(r.satisfied, young, out=buf[13])
        sums = np.empty((len(SUM_ROWS), k + 1))
        body = sums[:, :k]
        body[0] = took.sum(axis=(1, 2, 3))
        body[1:4] = took.sum(axis=(2, 3)).T[[ONLINE, HOTLINE, OFFLINE]]
        body[4] = took[:, :, OLDER].sum(axis=(1, 2))
        body[5] = took[:, :, YOUNG].sum(axis=(1, 2))
        body[6:12] = took[:, [ONLINE, ONLINE, HOTLINE, HOTLINE, OFFLINE, OFFLINE],
                          [OLDER, YOUNG, OLDER, YOUNG, OLDER, YOUNG]].sum(axis=2).T
        body[12] = took[:, :, :, 1].sum(axis=(1, 2))
        n_res = len(RESIDENT_SUMS)
        body[13:n_res] = np.add.reduceat(buf, net.starts, axis=1)
        where = {name: c[w[name]] for name in EVENTS}  # the community of each event
        for i, name in enumerate(EVENTS, start=n_res):
            body[i] = np.bincount(where[name], minlength=k)
        resolved, failed = w["resolved"], w["failed"]
        c_resolved, c_failed = where["resolved"], where["failed"]
        sat = rules.satisfaction_score(np.ones(resolved.size, bool), w["resolved_wait"],
                                       self.settings.government.patience_weeks, **self._sat_scores)
        i = n_res + len(EVENTS)
        body[i] = (np.bincount(c_resolved, weights=sat, minlength=k)
                   + np.bincount(c_failed, weights=np.full(failed.size, self._sat_scores["failed"]), minlength=k))
        body[i + 1] = np.bincount(c_resolved, weights=w["resolved_wait"], minlength=k)
        body[i + 2:i + 6] = np.bincount(c_resolved * 4 + w["sector"], minlength=4 * k).reshape(k, 4).T
        self._cum_resolved_c += body[n_res]
        body[i + 6:i + 11] = (self._n_older, self._n_young, self._n_low, g.cumulative_spend_by_community,
                              self._cum_resolved_c)
        # ended: resolved, failed, given up; closed: its first two parts (resolved, failed)
        ended = np.concatenate([resolved, failed, w["given_up"]])
        c_ended = np.concatenate([c_resolved, c_failed, where["given_up"]])
        n_closed = resolved.size + failed.size
        cross = r.cross
        # counts of those in a group as sums of 0/1 weights: whole numbers, exact in float64
        for j, (idx, cidx, group) in enumerate((
                (resolved, c_resolved, older), (resolved, c_resolved, young), (ended, c_ended, older),
                (ended, c_ended, young), (resolved, c_resolved, cross), (ended[:n_closed], c_ended[:n_closed], cross))):
            body[i + 11 + j] = np.bincount(cidx, weights=group[idx], minlength=k)
        sums[:, k] = body.sum(axis=1)
        x = _SumRows(sums)
        sizes = net.community_sizes.astype(np.float64)
        derived = np.empty((len(DERIVED_ROWS), k + 1))
        derived[0, :k] = sizes
        derived[0, k] = sizes.sum()
        derived[1] = derived[0] - x["n_older"] - x["n_young"]
        derived[2] = x["recent"] - x["rec_older"] - x["rec_young"]
        derived[3] = x["recent"] - x["rec_low"]
        derived[4] = derived[0] - x["n_low"]
        derived[5] = x["resolved"] + x["failed"]
        derived[6] = derived[5] + x["given_up"]
        rows = np.concatenate([sums, derived])
        out = np.empty((len(OUTCOMES), k + 1))
        ratios = safe_ratio(rows[_RATIO_NUM], rows[_RATIO_DEN])
        out[_RATIO_OUT] = ratios[:-1]
        o = _OUT
        trust_sq = ratios[-1]
        out[o["trust_sd"]] = np.sqrt(np.maximum(trust_sq - out[o["mean_trust"]] ** 2, 0.0))
        out[o["participation_gap_age"]] = out[o["participation_older"]] - out[o["participation_young"]]
        out[o["online_gap_age"]] = out[o["participation_online_older"]] - out[o["participation_online_young"]]
        out[o["participation_gap_literacy"]] = out[o["participation_low_literacy"]] - out[o["participation_high_literacy"]]
        out[_COPY_OUT] = rows[_COPY_ROWS]
        out[o["open_issues"]] = x["unreported"] + x["backlog"]
        # effort against the flow of need (new issues, reported or not, over the decision period)
        need = g.need_flow
        out[o["responsiveness"], :k] = rules.responsiveness_rows(g.allocation, need)
        out[o["responsiveness"], k] = rules.responsiveness(g.allocation, need)
        breaches = w["breaches"]
        out[o["breaches"], :k] = breaches
        out[o["breaches"], k] = breaches.sum()
        weights = sizes / sizes.sum()
        out[o["spend"], :k] = g.spend
        out[o["spend"], k] = g.spend.sum()
        for name, level in (("platform_quality", g.platform_quality), ("security_level", g.security),
                            ("staff_skill", g.skill), ("service_orientation", g.orientation)):
            out[o[name], :k] = level
            out[o[name], k] = level @ weights
        spend, funding = g.spend.sum(), g.funding
        cost = g.cost.sum()
        adopted = self.pilots.adopted
        out[o["adopted"], :k] = adopted
        out[o["adopted"], k] = np.count_nonzero(adopted) / k
        out[o["funding_ratio"], :k] = funding
        out[o["funding_ratio"], k] = spend / cost if cost > 0 else 1.0
        self.recorder.put(t, out)
        self.record_institutions(t)

    # ------------------------------------------------------------------------------------- inspection
    def resident(self, i: int) -> ResidentView:
        """One resident as an object (a snapshot of its row)."""
        r = self.residents
        if not 0 <= i < self.n:
            raise IndexError(f"resident {i} does not exist; there are {self.n}")
        status = {NONE: "none", UNREPORTED: "unreported", QUEUED: "queued"}[int(r.status[i])]
        return ResidentView(
            index=i, community=int(r.community[i]), age_group=AGE_GROUPS[int(r.age_group[i])],
            literacy=float(r.literacy[i]), trust=float(r.trust[i]), efficacy=float(r.efficacy[i]),
            privacy_concern=float(r.privacy[i]), aware=bool(r.aware[i]), threshold=float(r.threshold[i]),
            volunteers=bool(r.cooperator[i]), member_of=int(r.member_of[i]) if r.member_of[i] >= 0 else None,
            issue=status, issue_category=CATEGORIES[int(r.category[i])] if r.category[i] >= 0 else None,
            issue_age_weeks=int(r.issue_age[i]),
            issue_channel=(CHANNELS + ("found",))[int(r.channel[i])] if status == "queued" and r.channel[i] >= 0 else None,
            followed_up=bool(r.followed_up[i]),
            last_participation_week=int(r.last_part[i]) if r.last_part[i] > NEVER else None,
            last_channel=(CHANNELS + ("found",))[int(r.last_channel[i])] if r.last_channel[i] >= 0 else None,
            data_stored=bool(r.has_record[i]),
        )

    def timeseries(self) -> dict[str, np.ndarray]:
        """Overall outcomes per step so far (column name -> array)."""
        return self.recorder.series()

    def community_timeseries(self) -> dict[str, np.ndarray]:
        """Per-community outcomes per step so far, in long form."""
        return self.recorder.community_series()


def _ab(mean: float, concentration: float = 6.0) -> tuple[float, float]:
    m = min(max(mean, 1e-6), 1 - 1e-6)
    return m * concentration, (1 - m) * concentration
