"""The institutional agents: the grassroots government, enterprises and social organisations.

They are few, so each is a ``mesa.Agent`` with its own state and verbs; residents are many and
live in :mod:`cogov_sim.model.population` as arrays. The government keeps its capacities per
community (platform quality, security, skill, service orientation), because any lever can be
applied to some communities only (a pilot) while the rest keep the status quo.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa
import numpy as np

from cogov_sim.model import rules
from cogov_sim.model.parameters import CATEGORIES, COGOVERNANCE_MODES

if TYPE_CHECKING:
    from cogov_sim.model.model import CoGovModel

COLLABORATIVE = COGOVERNANCE_MODES.index("collaborative")


class _WeakIdCounters:
    """Per-model id counters that do not keep models alive.

    Mesa 3.3 counts agent ids in a class-level dict keyed by model, which keeps every model ever
    built in memory; a sweep of thousands of runs must not grow. This mapping holds its models
    weakly, so a finished model is freed.
    """

    def __init__(self) -> None:
        self._counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __getitem__(self, model: object) -> itertools.count:
        counter = self._counters.get(model)
        if counter is None:
            counter = itertools.count(1)
            self._counters[model] = counter
        return counter


class Institution(mesa.Agent):
    """Base class of the model's agents: Mesa agents whose ids do not pin the model in memory."""

    _ids = _WeakIdCounters()
    model: CoGovModel


class Enterprise(Institution):
    """An enterprise: capacity to help with local problems, technical capability, and data.

    It serves some communities; it helps close cases there as far as the co-governance mode
    engages it, unpaid out of social responsibility (``csr``) and, under collaborative
    co-governance, under paid service contracts. Its technical capability makes digital
    investment go further under partnerships, and the records it processes for the government
    carry its own data security. Source: Fang (2024) 2.3, 4.1, 4.2.
    """

    def __init__(self, model: CoGovModel, *, communities: np.ndarray, capacity: float, csr: float,
                 tech: float, security: float):
        super().__init__(model)
        self.communities = communities
        self.capacity = capacity  # cases/week at full engagement, over all its communities
        self.csr = csr
        self.tech = tech
        self.security = security

    def offer_capacity(self, mode_weight: np.ndarray, contract: np.ndarray) -> np.ndarray:
        """Cases per week this enterprise helps close in each community."""
        out = np.zeros(mode_weight.size)
        c = self.communities
        engagement = self.csr + (1.0 - self.csr) * contract[c]
        out[c] = self.capacity / c.size * mode_weight[c] * engagement
        return out


class SocialOrganisation(Institution):
    """A community organisation, NGO, volunteer group, or professional/academic third party.

    It works in some communities and has members there. It raises its members' awareness of
    the participation channels (campaigns), mediates and solves some problems as far as the
    co-governance mode engages it, and, if it is a third party, can evaluate need for the
    government with an error that falls with its independence. Source: Fang (2024) 2.3, 4.2.
    """

    def __init__(self, model: CoGovModel, *, communities: np.ndarray, capacity: float, credibility: float,
                 independence: float, third_party: bool):
        super().__init__(model)
        self.communities = communities
        self.capacity = capacity
        self.credibility = credibility
        self.independence = independence
        self.third_party = third_party
        self.members = 0

    def offer_capacity(self, mode_weight: np.ndarray) -> np.ndarray:
        """Cases per week this organisation helps close in each community."""
        out = np.zeros(mode_weight.size)
        c = self.communities
        out[c] = self.capacity / c.size * mode_weight[c] * self.credibility
        return out


class Government(Institution):
    """The grassroots government (street office or township) and its departments.

    Its departments are the issue categories. Per community it keeps the platform quality,
    data-security level, staff skill and service orientation, which move slowly toward levels set
    by funded levers; across communities and categories it keeps an allocation of its
    caseworkers' effort, re-decided periodically. Source: model.md; Fang (2024) sections 2-4.
    """

    def __init__(self, model: CoGovModel):
        super().__init__(model)
        s = model.settings
        k = model.n_communities
        g = s.government
        self.platform_quality = np.full(k, g.initial_platform_quality)
        self.security = np.full(k, g.initial_security)
        self.skill = np.full(k, g.initial_skill)
        self.orientation = np.full(k, g.initial_orientation)
        sizes = model.network.community_sizes.astype(np.float64)
        mix = np.array([s.issues.mix_young, s.issues.mix_middle, s.issues.mix_older])
        groups = np.bincount(model.residents.community * 3 + model.residents.age_group,
                             minlength=3 * k).reshape(k, 3)
        prior = groups @ mix  # expected issues by category if every community behaved alike
        prior = np.where(sizes[:, None] > 0, prior, 0.0)
        #: Share of caseworker effort per (community, category); habit repeats it.
        self.allocation = prior / prior.sum()
        self.observed = np.zeros((k, len(CATEGORIES)))  # recorded demand since the last decision
        self.arrived = np.zeros((k, len(CATEGORIES)))   # true new need since the last decision
        #: True new need per (community, category) in each of the last ``decision.interval``
        #: weeks (a ring buffer, filled during the burn-in too): the flow of need that
        #: responsiveness is measured against.
        self.need_window = np.zeros((max(1, s.decision.interval), k, len(CATEGORIES)))
        self._need_weeks = 0
        self._arrived_decided = np.zeros((k, len(CATEGORIES)))  # arrivals before the last decision
        self._arrived_tracked = np.zeros((k, len(CATEGORIES)))  # arrivals up to the last tracked week
        self.funding = np.ones(k)
        self.spend = np.zeros(k)
        self.cumulative_spend_by_community = np.zeros(k)
        self.staff = g.staff_per_10k * model.residents.n / 1e4

    # -- money ---------------------------------------------------------------------------------
    def fund(self) -> None:
        """Pay this week's lever costs out of this week's budget, per community.

        A community's costs are paid in full when its weekly budget covers them; otherwise every
        costed lever there runs at the funded share. Nothing carries over, so no budget is ever
        negative and no money is spent twice.
        """
        m = self.model
        s = m.settings
        lv = m.levers
        n_k = m.network.community_sizes.astype(np.float64)
        per_week = n_k / 52.0
        c = s.costs
        cost = per_week * (
            lv["digital_investment"] + lv["security_investment"] + lv["training"]
            + c.platform_operation * lv["online_platform"] + c.hotline_operation * lv["hotline"]
            + c.transparency * lv["transparency"] + c.data_sharing * lv["data_sharing"]
            + c.awareness_campaign * lv["awareness_campaign"] + c.active_service * lv["active_service"]
            + c.evaluation * lv["third_party_evaluation"] + c.partnerships * lv["partnerships"]
            + c.enterprise_contract * (lv["cogovernance_mode"] == COLLABORATIVE)
            + lv["grid_workers"] / 1000.0 * c.grid_worker_wage
        )
        available = s.government.budget * per_week * (1.0 - m.budget_cut)
        self.funding = np.divide(available, cost, out=np.ones_like(cost), where=cost > 0).clip(0.0, 1.0)
        self.spend = self.funding * cost
        self.cumulative_spend_by_community = self.cumulative_spend_by_community + self.spend

    # -- capacity ------------------------------------------------------------------------------
    def develop_capacity(self) -> None:
        """Move platform quality, security, skill and service orientation toward the levels that
        the funded levers sustain, with their lags (Fang 2024, 3.1, 4.1, 4.3)."""
        m = self.model
        s = m.settings
        cap, g = s.capacity, s.government
        eff = m.effective
        tech = m.enterprise_tech
        digital = eff["digital_investment"] * (1.0 + cap.partnership_gain * eff["partnerships"] * tech)
        self.platform_quality = rules.relax(
            self.platform_quality, rules.target_level(g.initial_platform_quality, digital, cap.platform_scale),
            cap.platform_lag)
        self.security = rules.relax(
            self.security, rules.target_level(g.initial_security, eff["security_investment"], cap.security_scale),
            cap.security_lag)
        self.skill = rules.relax(
            self.skill, rules.target_level(g.initial_skill, eff["training"], cap.training_scale), cap.skill_lag)
        pull = cap.active_service_effect * eff["active_service"] + \
            cap.training_orientation_effect * eff["training"] / cap.training_scale
        self.orientation = rules.relax(self.orientation, 1.0 - (1.0 - g.initial_orientation) * np.exp(-pull),
                                       cap.orientation_lag)

    def productivity(self) -> np.ndarray:
        """Cases a caseworker closes per week, per community: skill (0.5 + skill, so 1 at the
        baseline) times the platform's speed-up over paper processing (Fang 2024, 3.3)."""
        g = self.model.settings.government
        return g.cases_per_staff_week * (0.5 + self.skill) * (1.0 + g.platform_productivity_gain
                                                              * self.platform_quality)

    def capacity(self) -> np.ndarray:
        """Caseworker capacity per (community, category) cell, cases/week."""
        return self.staff * self.allocation * self.productivity()[:, None]

    def grid_capacity(self) -> np.ndarray:
        """Cases per week that grid workers settle on the spot, per community."""
        m = self.model
        workers = m.effective["grid_workers"] * m.network.community_sizes / 1000.0
        return workers * m.settings.government.grid_cases_per_worker

    def finding_probability(self) -> np.ndarray:
        """Weekly chance that an unreported issue is found, per community."""
        eff = self.model.effective
        return rules.finding_probability(eff["grid_workers"], self.orientation,
                                         self.model.settings.capacity.grid_find_rate)

    def record(self, community: np.ndarray, category: np.ndarray, weight: np.ndarray | float) -> None:
        """Add queued cases to the recorded demand the next decision will see."""
        if community.size == 0:
            return
        k = self.model.n_communities
        self.observed += np.bincount(community * len(CATEGORIES) + category, weights=np.broadcast_to(
            np.asarray(weight, dtype=np.float64), community.shape), minlength=k * len(CATEGORIES)
        ).reshape(k, len(CATEGORIES))

    # -- decisions -----------------------------------------------------------------------------
    def evaluation_weight(self) -> np.ndarray:
        """Weight of the third-party need estimate per community (0 where no evaluation)."""
        m = self.model
        tp = [o for o in m.social_organisations if o.third_party]
        if not tp:
            return np.zeros(m.n_communities)
        credibility = float(np.mean([o.credibility for o in tp]))
        return m.settings.decision.evaluation_weight * credibility * m.effective["third_party_evaluation"]

    def decide(self) -> None:
        """Re-allocate caseworker effort (model.md process 4; Fang 2024, 2.1)."""
        m = self.model
        d = m.settings.decision
        tp = [o for o in m.social_organisations if o.third_party]
        independence = float(np.mean([o.independence for o in tp])) if tp else 0.0
        noise = m.streams["decision"].lognormal(0.0, 1.0, size=self.arrived.shape)
        sd = d.evaluation_noise * (1.0 - independence)
        estimate = self.arrived * noise**sd
        data_driven = m.effective["decision_mode"] > 0.5
        self.allocation = rules.reallocate(self.allocation, self.observed, estimate, data_driven,
                                           self.evaluation_weight(), adjustment=d.adjustment)
        self.observed[:] = 0.0
        self._arrived_decided += self.arrived
        self.arrived[:] = 0.0

    def track_need(self) -> None:
        """Put this week's true new need (arrivals per community and category, whether reported
        or not) into :attr:`need_window`. Called once at the end of every week."""
        total = self._arrived_decided + self.arrived
        self.need_window[self._need_weeks % self.need_window.shape[0]] = total - self._arrived_tracked
        self._arrived_tracked = total
        self._need_weeks += 1

    @property
    def need_flow(self) -> np.ndarray:
        """True new need per (community, category) over the last decision period (issues)."""
        return self.need_window.sum(axis=0)
