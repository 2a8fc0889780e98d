"""Residents as a table: one row per resident, one numpy array per attribute.

Residents are many, so they are not Python objects: their state lives in the arrays of
:class:`Residents` and the rules update whole columns at once. :class:`ResidentView` gives a
read-only look at one resident as an object, for inspection and teaching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from cogov_sim.model.rules import NONE
from cogov_sim.model.scenario import Scenario

YOUNG, MIDDLE, OLDER = 0, 1, 2
NEVER = -(10**9)


def beta_mean(rng: np.random.Generator, mean: np.ndarray | float, concentration: float, size: int) -> np.ndarray:
    """Beta draws with the given mean and concentration a + b (mean clipped to stay inside (0, 1))."""
    m = np.clip(np.broadcast_to(np.asarray(mean, dtype=np.float64), (size,)), 1e-9, 1 - 1e-9)
    return rng.beta(m * concentration, (1.0 - m) * concentration)


@dataclass
class Residents:
    """The state of every resident (arrays of length n)."""

    community: np.ndarray      # int32: community index
    age_group: np.ndarray      # int8: 0 = 18-39, 1 = 40-59, 2 = 60+
    literacy: np.ndarray       # digital literacy, 0-1
    trust: np.ndarray          # trust in the grassroots government, 0-1
    efficacy: np.ndarray       # belief that taking part works, 0-1
    privacy: np.ndarray        # privacy concern, 0-1
    aware: np.ndarray          # bool: knows the online and hotline channels
    threshold: np.ndarray      # personal participation threshold, utility units
    cooperator: np.ndarray     # bool: volunteers in the neighbourhood public goods game
    member_of: np.ndarray      # int32: social organisation the resident belongs to, -1 none
    status: np.ndarray         # int8: 0 no open issue, 1 unreported issue, 2 queued case
    category: np.ndarray       # int8: category of the open issue, -1 none
    cross: np.ndarray          # bool: the open issue spans two departments
    issue_age: np.ndarray      # int32: weeks since the open issue arose
    wait: np.ndarray           # int32: weeks the case has been queued
    channel: np.ndarray        # int8: how the case was queued (0 online, 1 hotline, 2 offline, 3 found)
    last_part: np.ndarray      # int32: last week the resident took part (NEVER if never)
    last_channel: np.ndarray   # int8: channel of the last participation, -1 none
    has_record: np.ndarray     # bool: personal data held by the government
    followed_up: np.ndarray    # bool: the queued online request is followed up from above (served first)
    trust_rest: np.ndarray     # resting level of trust (disposition), 0-1: the initial draw
    efficacy_rest: np.ndarray  # resting level of efficacy, 0-1: the initial draw
    privacy_rest: np.ndarray   # resting level of privacy concern, 0-1: the initial draw
    satisfied: np.ndarray      # standing satisfaction with the grassroots government, 0-1
    satisfied_rest: np.ndarray  # its resting level, 0-1: the initial draw

    @property
    def n(self) -> int:
        return int(self.community.size)

    @property
    def older(self) -> np.ndarray:
        return self.age_group == OLDER

    def copy(self) -> Residents:
        return Residents(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


@dataclass(frozen=True)
class ResidentView:
    """A snapshot of one resident, as an object (read-only).

    ``issue_channel``: where the open issue was reported, or "found" when a grid worker found it
    (None when it is not in the queue);
    ``followed_up``: whether upper levels follow that request up, so that it is served first
    (:meth:`cogov_sim.model.model.CoGovModel.follow_up`)."""

    index: int
    community: int
    age_group: str
    literacy: float
    trust: float
    efficacy: float
    privacy_concern: float
    aware: bool
    threshold: float
    volunteers: bool
    member_of: int | None
    issue: str
    issue_category: str | None
    issue_age_weeks: int
    issue_channel: str | None
    followed_up: bool
    last_participation_week: int | None
    last_channel: str | None
    data_stored: bool


def draw_residents(scenario: Scenario, community: np.ndarray, n_communities: int,
                   draw: Callable[[str], np.random.Generator]) -> tuple[Residents, np.ndarray]:
    """Draw every resident's attributes, each from its own part of the ``population`` stream
    (``draw(part)``, :meth:`cogov_sim.model.rng.Streams.part`).

    Returns the residents and each community's issue-rate multiplier (mean 1, lognormal).
    The draws depend only on the population settings, never on levers, so runs that differ in
    levers share the same residents; and each attribute's draws depend only on its own
    parameters (and on age, which literacy follows), so runs that differ in one attribute's
    parameters, as the points of a calibration or a sensitivity analysis do, share every other
    attribute's draws.
    """
    pop = scenario.population
    n = community.size
    rng = draw("age")
    older_k = np.clip(rng.normal(pop.share_older, pop.older_share_spread, size=n_communities),
                      0.0, 1.0 - pop.share_young)
    u = rng.random(n)
    older_i = older_k[community]
    age = np.where(u < older_i, OLDER, np.where(u < older_i + pop.share_young, YOUNG, MIDDLE)).astype(np.int8)
    lit_mean = np.array([pop.literacy_young, pop.literacy_middle, pop.literacy_older])[age]
    literacy = beta_mean(draw("literacy"), lit_mean, pop.literacy_concentration, n)
    trust = beta_mean(draw("trust"), pop.trust_mean, pop.trust_concentration, n)
    efficacy = beta_mean(draw("efficacy"), pop.efficacy_mean, pop.attitude_concentration, n)
    privacy = beta_mean(draw("privacy"), pop.privacy_mean, pop.attitude_concentration, n)
    aware = draw("awareness").random(n) < pop.aware_share
    threshold = pop.threshold_mean + pop.threshold_sd * draw("threshold").standard_normal(n)
    cooperator = draw("cooperator").random(n) < pop.cooperator_share
    sigma = scenario.issues.community_rate_spread
    rate_multiplier = draw("issue_rate").lognormal(-0.5 * sigma**2, sigma, size=n_communities)
    satisfied = beta_mean(draw("satisfaction"), pop.satisfaction_mean, pop.attitude_concentration, n)
    residents = Residents(
        community=community.astype(np.int32),
        age_group=age,
        literacy=literacy,
        trust=trust,
        efficacy=efficacy,
        privacy=privacy,
        aware=aware,
        threshold=threshold,
        cooperator=cooperator,
        member_of=np.full(n, -1, dtype=np.int32),
        status=np.full(n, NONE, dtype=np.int8),
        category=np.full(n, -1, dtype=np.int8),
        cross=np.zeros(n, dtype=bool),
        issue_age=np.zeros(n, dtype=np.int32),
        wait=np.zeros(n, dtype=np.int32),
        channel=np.full(n, -1, dtype=np.int8),
        last_part=np.full(n, NEVER, dtype=np.int32),
        last_channel=np.full(n, -1, dtype=np.int8),
        has_record=np.zeros(n, dtype=bool),
        followed_up=np.zeros(n, dtype=bool),
        trust_rest=trust.copy(),
        efficacy_rest=efficacy.copy(),
        privacy_rest=privacy.copy(),
        satisfied=satisfied,
        satisfied_rest=satisfied.copy(),
    )
    return residents, rate_multiplier
