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
from cogov_sim.model.policies import get_policy
from cogov_sim.model.policies.views import EnterpriseView, GovernmentView, OrganisationView, check_action
from cogov_sim.model.rules import QUEUED

if TYPE_CHECKING:
    from cogov_sim.model.model import CoGovModel

COLLABORATIVE = COGOVERNANCE_MODES.index("collaborative")
CONSULTATIVE = COGOVERNANCE_MODES.index("consultative")
#: The costed levers in the order a short budget pays them under ``protect_running``: running
#: the channels and staff, then programmes, then investment (cut first).
BUDGET_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("running", ("online_platform", "hotline", "grid_workers", "active_service")),
    ("programmes", ("transparency", "data_sharing", "awareness_campaign", "third_party_evaluation", "partnerships",
                    "cogovernance_mode")),
    ("investment", ("digital_investment", "security_investment", "training")),
)


def lever_costs(c, lv, scale, contracted, purchased) -> dict:
    """The cost of each costed lever, ``scale`` times its yearly cost per resident (``[costs]``
    ``c``; the lever values ``lv`` that are money are CNY/resident/year): with ``scale`` each
    community's residents over 52, this week's CNY per community; with 1, CNY per resident and
    year. ``contracted`` and ``purchased`` are the funded shares of enterprises' contracts and of
    bought services (:meth:`CoGovModel.contracted_share`, ``purchased_share``), which matter only
    under consultative and collaborative co-governance."""
    return {
        "online_platform": scale * c.platform_operation * lv["online_platform"],
        "hotline": scale * c.hotline_operation * lv["hotline"],
        "grid_workers": scale * lv["grid_workers"] / 1000.0 * c.grid_worker_wage,
        "active_service": scale * c.active_service * lv["active_service"],
        "transparency": scale * c.transparency * lv["transparency"],
        "data_sharing": scale * c.data_sharing * lv["data_sharing"],
        "awareness_campaign": scale * c.awareness_campaign * lv["awareness_campaign"],
        "third_party_evaluation": scale * c.evaluation * lv["third_party_evaluation"],
        "partnerships": scale * c.partnerships * lv["partnerships"],
        "cogovernance_mode": scale * (
            c.enterprise_contract * (lv["cogovernance_mode"] == COLLABORATIVE) * contracted
            + c.service_purchase * (lv["cogovernance_mode"] >= CONSULTATIVE) * purchased),
        "digital_investment": scale * lv["digital_investment"],
        "security_investment": scale * lv["security_investment"],
        "training": scale * lv["training"],
    }


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

    @staticmethod
    def columns(model: CoGovModel, agents: list) -> dict[str, np.ndarray]:
        """The decisions and state of ``agents`` (all of this kind) for ``institutions.parquet``:
        per column of :data:`cogov_sim.model.outcomes.INSTITUTION_COLUMNS` that the kind has, one
        value per agent (one call per kind and week)."""
        raise NotImplementedError

    def decisions(self) -> dict[str, float]:
        """Its own row of :meth:`columns`."""
        return {name: float(values[0]) for name, values in type(self).columns(self.model, [self]).items()}


class Enterprise(Institution):
    """An enterprise: capacity to help with local problems, technical capability, and data.

    It serves some communities; it helps close cases there as far as the co-governance mode
    engages it, unpaid out of social responsibility (``csr``, which it decides) and, under
    collaborative co-governance, under a paid service contract when it takes one. Its technical
    capability makes digital investment go further under partnerships, and the records it
    processes for the government carry its own data security. Its reputation follows the help
    residents see from it. Source: Fang (2024) 2.3, 4.1, 4.2.
    """

    kind = "enterprise"

    def __init__(self, model: CoGovModel, *, communities: np.ndarray, capacity: float, csr: float,
                 tech: float, security: float, reputation: float, reservation: float):
        super().__init__(model)
        self.communities = communities
        self.capacity = capacity  # cases/week at full engagement, over all its communities
        self.disposition = csr    # resting readiness to help unpaid, 0-1
        self.csr = csr            # readiness to help unpaid now, 0-1 (decided)
        self.tech = tech
        self.security = security
        self.reputation = reputation    # 0-1, among residents where it works
        self.reservation = reservation  # share of the contract price that covers its costs
        self.contract = False           # holds a service contract (decided)
        self.data_held = 0.0            # share of its communities' stored records it processes
        self.breached = False           # its store leaked this week
        self.policy = get_policy("enterprise", model.settings.institutions.enterprise_policy)

    def offer_capacity(self, mode_weight: np.ndarray, paid: np.ndarray) -> np.ndarray:
        """Cases per week this enterprise helps close in each community: its capacity spread over
        its communities, times the mode's engagement, times ``csr`` plus, under a contract, the
        paid share ``paid`` (per community) of the rest."""
        out = np.zeros(mode_weight.size)
        c = self.communities
        engagement = self.csr + (1.0 - self.csr) * (paid[c] if self.contract else 0.0)
        out[c] = self.capacity / c.size * mode_weight[c] * engagement
        return out

    def view(self) -> EnterpriseView:
        """What it sees (:class:`~cogov_sim.model.policies.views.EnterpriseView`)."""
        m = self.model
        c = self.communities
        offered = m.contract_offer()
        return EnterpriseView(
            week=m.steps, communities=c.copy(), csr=self.csr, disposition=self.disposition,
            reputation=self.reputation, demand=m.open_cases_per_1000()[c],
            visibility=float(np.mean(m.effective["transparency"][c])), contract_offered=bool(offered[c].any()),
            price_share=float(np.mean(m.contract_funding()[c])), reservation=self.reservation,
            rules=m.settings.institutions)

    def step(self) -> None:
        """Update its reputation from the help residents saw, then decide CSR and the contract."""
        m = self.model
        self.reputation = float(rules.toward(self.reputation, m.help_seen(self), m.settings.institutions.reputation_rate))
        view = self.view()
        action = self.policy(view)
        check_action(self.kind, view, action)
        self.csr, self.contract = float(action.csr), bool(action.accept_contract)

    @staticmethod
    def columns(model: CoGovModel, agents: list[Enterprise]) -> dict[str, np.ndarray]:
        """The decisions and state of ``agents`` for ``institutions.parquet``, one value each per
        column of :data:`cogov_sim.model.outcomes.INSTITUTION_COLUMNS` that enterprises have."""
        offers = np.array([model.enterprise_offers[e.unique_id] for e in agents]).reshape(len(agents), -1)
        return {"csr": np.array([e.csr for e in agents], dtype=np.float64),
                "reputation": np.array([e.reputation for e in agents], dtype=np.float64),
                "contract": np.array([e.contract for e in agents], dtype=np.float64),
                "offer": offers.sum(axis=1), "security": np.array([e.security for e in agents], dtype=np.float64),
                "data_held": np.array([e.data_held for e in agents], dtype=np.float64),
                "breached": np.array([e.breached for e in agents], dtype=np.float64)}


class SocialOrganisation(Institution):
    """A community organisation, NGO, volunteer group, or professional/academic third party.

    It works in some communities and has members there. It decides where to campaign (raising
    its members' awareness of the participation channels) and where to put its capacity to
    mediate and solve problems, which the co-governance mode engages; its credibility follows
    the results residents see where it works; a third party can evaluate need for the
    government, with an error that falls with its independence and with the data it gets.
    Source: Fang (2024) 2.3, 4.2.
    """

    kind = "social_organisation"

    def __init__(self, model: CoGovModel, *, communities: np.ndarray, capacity: float, credibility: float,
                 independence: float, third_party: bool):
        super().__init__(model)
        self.communities = communities
        self.capacity = capacity
        self.credibility = credibility
        self.independence = independence
        self.third_party = third_party
        self.members = 0
        self.campaign = np.full(communities.size, 1.0 / communities.size)   # decided
        self.mediation = np.full(communities.size, 1.0 / communities.size)  # decided
        self.evaluation_error = float("nan")
        self.reservation = 1.0  # share of a purchase's price that covers its costs
        self.purchase = False   # sells its services to the government (decided)
        self.evaluates = True   # a third party that takes on evaluating the government (decided)
        self.policy = get_policy("social_organisation", model.settings.institutions.organisation_policy)

    def offer_capacity(self, mode_weight: np.ndarray, paid: np.ndarray) -> np.ndarray:
        """Cases per week this organisation helps close in each community: its capacity by its
        mediation shares, times the mode's engagement and its credibility plus, when the
        government buys its services, the paid share ``paid`` (per community) of the rest."""
        out = np.zeros(mode_weight.size)
        c = self.communities
        engagement = self.credibility + (1.0 - self.credibility) * (paid[c] if self.purchase else 0.0)
        out[c] = self.capacity * self.mediation * mode_weight[c] * engagement
        return out

    def campaign_focus(self) -> np.ndarray:
        """Its campaign effort per community it works in, relative to spreading it evenly (1 each)."""
        return self.campaign * self.communities.size

    def view(self) -> OrganisationView:
        """What it sees (:class:`~cogov_sim.model.policies.views.OrganisationView`)."""
        m = self.model
        c = self.communities
        return OrganisationView(
            week=m.steps, communities=c.copy(), members=m.members_by_community(self)[c],
            participation=m.participation_by_community()[c], unmet=m.unreported_per_1000()[c],
            credibility=self.credibility, purchase_offered=bool(not self.third_party and m.purchase_offer()[c].any()),
            price_share=float(np.mean(m.contract_funding()[c])), reservation=self.reservation,
            rules=m.settings.institutions)

    def step(self) -> None:
        """Update its credibility from the results seen where it works, then decide where to
        campaign and mediate."""
        m = self.model
        seen = m.local_resolution(self.communities)
        if np.isfinite(seen):
            self.credibility = float(rules.toward(self.credibility, seen, m.settings.institutions.credibility_rate))
        view = self.view()
        action = self.policy(view)
        check_action(self.kind, view, action)
        self.campaign = np.asarray(action.campaign, dtype=np.float64).copy()
        self.mediation = np.asarray(action.mediation, dtype=np.float64).copy()
        self.purchase = bool(action.accept_purchase)
        self.evaluates = bool(action.evaluate)

    @staticmethod
    def columns(model: CoGovModel, agents: list[SocialOrganisation]) -> dict[str, np.ndarray]:
        """The decisions and state of ``agents`` for ``institutions.parquet``, one value each per
        column of :data:`cogov_sim.model.outcomes.INSTITUTION_COLUMNS` that organisations have."""
        top = [int(o.campaign.argmax()) for o in agents]
        offers = np.array([model.organisation_offers[o.unique_id] for o in agents]).reshape(len(agents), -1)
        return {"credibility": np.array([o.credibility for o in agents], dtype=np.float64),
                "campaign_target": np.array([o.communities[i] for o, i in zip(agents, top, strict=True)],
                                            dtype=np.float64),
                "campaign_focus": np.array([o.campaign[i] for o, i in zip(agents, top, strict=True)], dtype=np.float64),
                "mediation_target": np.array([o.communities[int(o.mediation.argmax())] for o in agents],
                                             dtype=np.float64),
                "offer": offers.sum(axis=1), "purchase": np.array([o.purchase for o in agents], dtype=np.float64),
                "evaluation_error": np.array([o.evaluation_error if o.third_party else np.nan for o in agents],
                                             dtype=np.float64)}


class Government(Institution):
    """The grassroots government (street office or township) and its departments.

    Its departments are the issue categories. Per community it keeps the platform quality,
    data-security level, staff skill and service orientation, which move slowly toward levels set
    by funded levers; across communities and categories it keeps an allocation of its
    caseworkers' effort and, per community, how hard they work, both re-decided every decision
    period by its policy from what it observes. Source: model.md; Fang (2024) sections 2-4.
    """

    kind = "government"

    def __init__(self, model: CoGovModel):
        super().__init__(model)
        s = model.settings
        k = model.n_communities
        g = s.government
        self.platform_quality = np.full(k, g.initial_platform_quality)
        self.security = np.full(k, g.initial_security)
        self.breached = np.zeros(k, dtype=bool)  # communities whose store leaked this week
        self.skill = np.full(k, g.initial_skill)
        self.orientation = np.full(k, g.initial_orientation)
        sizes = model.network.community_sizes.astype(np.float64)
        mix = np.array([s.issues.mix_young, s.issues.mix_middle, s.issues.mix_older])
        groups = np.bincount(model.residents.community * 3 + model.residents.age_group,
                             minlength=3 * k).reshape(k, 3)
        # expected issues by category if every community behaved alike, weighed by the inherited
        # priorities of the status quo (decision.habit_weights)
        need = groups @ mix
        prior = need * np.asarray(s.decision.habit_weights, dtype=np.float64)
        if prior.sum() <= 0:  # no category weighed at all: habit starts from expected need
            prior = need
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
        self._funding_key: tuple | None = None  # the inputs of the last funding decision (fund)
        self.funding_version = 0  # how many times funding was decided anew (what effective levers follow)
        #: Funded share of each costed lever this week, per community.
        self.funded: dict[str, np.ndarray] = {}
        self.cost = np.zeros(k)
        self.spend = np.zeros(k)
        self.cumulative_spend_by_community = np.zeros(k)
        self.staff = g.staff_per_10k * model.residents.n / 1e4
        #: Caseworker effort per community as a multiple of normal hours (decided).
        self.effort = np.ones(k)
        #: Share of each department's capacity serving overdue cases first, per community (decided).
        self.priority = np.zeros(k)
        self.failed = np.zeros(k)  # failed cases since the last decision (complaints)
        self.period_weeks = 0      # weeks since the last decision
        self.complaints = np.zeros(k)  # complaints per 1,000 residents per week at the last decision
        self.policy = get_policy("government", s.institutions.government_policy)

    # -- money ---------------------------------------------------------------------------------
    def lever_costs(self) -> dict[str, np.ndarray]:
        """This week's cost of each costed lever per community, CNY (:func:`lever_costs`)."""
        m = self.model
        per_week = m.network.community_sizes.astype(np.float64) / 52.0
        return lever_costs(m.settings.costs, m.levers, per_week, m.contracted_share(), m.purchased_share())

    def fund(self) -> None:
        """Pay this week's lever costs out of this week's budget, per community.

        When the budget covers every cost, everything is paid. When it does not, the government
        chooses what to keep (``institutions.budget_priority``): under ``protect_running`` it pays
        the tiers of :data:`BUDGET_TIERS` in order, running the channels and staff first, then
        programmes, and cuts investment first, as governments under fiscal consolidation cut
        public investment more than current spending (Bamba, Combes & Minea 2019, Applied
        Economics); within a tier, and under ``pro_rata`` across all, every lever runs at the same
        funded share. Nothing carries over, so no budget is ever negative and no money is spent
        twice. :attr:`funded` holds each lever's funded share, :attr:`funding` the overall one.
        """
        m = self.model
        s = m.settings
        # what this week's funding depends on; the same as last week's (the usual case) pays the same
        key = (s, m.lever_key(), m.budget_cut.tobytes(), tuple(e.contract for e in m.enterprises),
               tuple(o.purchase for o in m._providers))
        if key == self._funding_key:
            # keep this key: its objects are next week's, so that comparison stops at their identity
            # (a copy's settings compare equal field by field, which costs tens of microseconds)
            self._funding_key = key
            self.cumulative_spend_by_community = self.cumulative_spend_by_community + self.spend
            return
        costs = self.lever_costs()
        per_week = m.network.community_sizes.astype(np.float64) / 52.0
        available = s.government.budget * per_week * (1.0 - m.budget_cut)
        tiers = BUDGET_TIERS if s.institutions.budget_priority == "protect_running" else (("all", tuple(costs)),)
        self.funded = {}
        left = available.copy()
        for _, levers in tiers:
            cost = sum(costs[name] for name in levers)
            share = np.divide(left, cost, out=np.ones_like(cost), where=cost > 0).clip(0.0, 1.0)
            left = np.maximum(left - share * cost, 0.0)
            for name in levers:
                self.funded[name] = share
        self.cost = sum(costs.values())
        self.spend = sum(self.funded[name] * cost for name, cost in costs.items())
        self.funding = np.divide(self.spend, self.cost, out=np.ones_like(self.cost), where=self.cost > 0)
        self.cumulative_spend_by_community = self.cumulative_spend_by_community + self.spend
        self._funding_key = key
        self.funding_version += 1

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
        """Caseworker capacity per (community, category) cell, cases/week: staff by allocation,
        productivity and effort."""
        return self.staff * self.allocation * (self.productivity() * self.effort)[:, None]

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
        tp = [o for o in m.social_organisations if o.third_party and o.evaluates]
        if not tp:
            return np.zeros(m.n_communities)
        credibility = float(np.mean([o.credibility for o in tp]))
        return m.settings.decision.evaluation_weight * credibility * m.effective["third_party_evaluation"]

    def evaluate_need(self) -> np.ndarray:
        """The third parties' estimate of need per (community, category) since the last decision.

        Their surveys observe each new issue with chance ``evaluation_coverage`` (doubled at full
        data sharing: the data they are given) and scale up what they saw; an evaluator that is
        not independent echoes what the government already records instead (its estimate is
        ``independence * survey + (1 - independence) * recorded``, the recorded demand scaled to
        the survey's total): evaluators who depend on whoever commissions them come under pressure
        to report what it wants (Pleger et al. 2017, Am. J. Evaluation; in China, Zheng & Bu 2020 on
        "pseudo-independent" third-party evaluation). Each third party's ``evaluation_error`` is the total variation
        distance between the estimate's shares and the true need's. Draws: ``decision`` stream,
        every decision, evaluation or not."""
        m = self.model
        inst = m.settings.institutions
        coverage = np.clip(inst.evaluation_coverage * (1.0 + m.effective["data_sharing"]), 1e-9, 1.0)
        counts = np.rint(self.arrived).astype(np.int64)
        seen = m.streams["decision"].binomial(counts, np.broadcast_to(coverage[:, None], counts.shape))
        survey = seen / coverage[:, None]
        tp = [o for o in m.social_organisations if o.third_party and o.evaluates]
        if not tp:
            return np.zeros_like(survey)
        independence = float(np.mean([o.independence for o in tp]))
        recorded = self.observed.sum()
        echo = self.observed * (survey.sum() / recorded) if recorded > 0 else survey
        estimate = independence * survey + (1.0 - independence) * echo
        error = 1.0 - rules.responsiveness(estimate, self.arrived) if self.arrived.sum() > 0 else float("nan")
        for o in tp:
            o.evaluation_error = error
        return estimate

    def cases_by_cell(self, mask: np.ndarray) -> np.ndarray:
        """How many residents selected by ``mask`` there are per (community, category) of their
        open issue."""
        m = self.model
        r = m.residents
        idx = np.flatnonzero(mask)
        k = m.n_communities
        return np.bincount(r.community[idx] * len(CATEGORIES) + r.category[idx],
                           minlength=k * len(CATEGORIES)).reshape(k, len(CATEGORIES)).astype(np.float64)

    def overdue(self) -> np.ndarray:
        """Queued cases waiting beyond patience now, per (community, category)."""
        r = self.model.residents
        return self.cases_by_cell((r.status == QUEUED) & (r.wait > self.model.settings.government.patience_weeks))

    def queued(self) -> np.ndarray:
        """Queued cases now, per (community, category)."""
        return self.cases_by_cell(self.model.residents.status == QUEUED)

    def view(self) -> GovernmentView:
        """What it sees (:class:`~cogov_sim.model.policies.views.GovernmentView`)."""
        m = self.model
        inst = m.settings.institutions
        sizes = np.maximum(m.network.community_sizes, 1)
        self.complaints = self.failed / max(self.period_weeks, 1) / sizes * 1000.0
        unrecorded = np.maximum(self.arrived - self.observed, 0.0)
        estimate = self.evaluate_need()
        return GovernmentView(
            week=m.steps, allocation=self.allocation.copy(), effort=self.effort.copy(), recorded=self.observed.copy(),
            integrated=inst.integration_reach * m.effective["data_sharing"][:, None] * unrecorded,
            overdue=self.overdue(), queue=self.queued(), capacity=self.capacity(), complaints=self.complaints.copy(),
            estimate=estimate,
            evaluation_weight=self.evaluation_weight(), data_driven=m.effective["decision_mode"] > 0.5,
            transparency=m.effective["transparency"].copy(), adjustment=m.settings.decision.adjustment,
            rules=inst, supervision=m.effective["upper_supervision"].copy())

    def step(self) -> None:
        """Decide the allocation of effort and the effort per community (model.md process 4; Fang
        2024, 2.1-2.2), then start a new decision period."""
        view = self.view()
        action = self.policy(view)
        check_action(self.kind, view, action)
        self.allocation = np.asarray(action.allocation, dtype=np.float64) / np.sum(action.allocation)
        self.effort = np.asarray(action.effort, dtype=np.float64).copy()
        self.priority = np.asarray(action.priority, dtype=np.float64).copy()
        self.observed[:] = 0.0
        self._arrived_decided += self.arrived
        self.arrived[:] = 0.0
        self.failed[:] = 0.0
        self.period_weeks = 0

    @staticmethod
    def columns(model: CoGovModel, agents: list[Government]) -> dict[str, np.ndarray]:
        """The decisions and state of the government for ``institutions.parquet``, one value each
        per column of :data:`cogov_sim.model.outcomes.INSTITUTION_COLUMNS` it has."""
        (g,) = agents
        sizes = model.network.community_sizes.astype(np.float64)
        total = sizes.sum()
        row = {"effort": g.effort @ sizes / total, "priority": g.priority @ sizes / total,
               "complaints": g.complaints @ sizes / total, "offer": g.capacity().sum(),
               "security": g.security @ sizes / total, "breached": np.count_nonzero(g.breached)}
        row.update({f"allocation_{c}": a for c, a in zip(CATEGORIES, g.allocation.sum(axis=0), strict=True)})
        return {name: np.array([value], dtype=np.float64) for name, value in row.items()}

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
