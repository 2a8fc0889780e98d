"""What each kind of institution observes (its view) and what it decides (its action).

Views hold only what the institution could know in the field: its own records and state, what
residents report or complain about, what its partners tell it; never the model's hidden truth.
Counts are per decision period (``decision.interval`` weeks) unless stated; per-community
arrays of the government have one entry per community, an enterprise's or organisation's one
entry per community it works in (``communities``). ``rules`` is the ``[institutions]`` section
of the scenario, whose fields the policies read as their coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class GovernmentView:
    """What the grassroots government sees when it decides.

    ``recorded``: cases recorded per (community, category) since the last decision (online and
    hotline reports in full, offline reports as far as they are written down, found cases);
    ``integrated``: unreported need visible in departments' shared records (0 without data
    sharing); ``overdue``: queued cases now waiting beyond patience, ``queue`` all queued cases and
    ``capacity`` the cases per week its caseworkers close, each per (community, category);
    ``complaints``: failed cases
    per 1,000 residents per week; ``estimate``: the third parties' estimate of need (0 without
    evaluation) and ``evaluation_weight`` the weight the lever gives it; ``data_driven``: where the
    decision mode is data-driven; ``transparency``: the transparency lever per community;
    ``adjustment``: how far one decision moves toward its target (``decision.adjustment``)."""

    week: int
    allocation: np.ndarray
    effort: np.ndarray
    recorded: np.ndarray
    integrated: np.ndarray
    overdue: np.ndarray
    queue: np.ndarray
    capacity: np.ndarray
    complaints: np.ndarray
    estimate: np.ndarray
    evaluation_weight: np.ndarray
    data_driven: np.ndarray
    transparency: np.ndarray
    adjustment: float
    supervision: np.ndarray
    rules: Any


@dataclass(frozen=True)
class GovernmentAction:
    """Share of caseworker effort per (community, category), summing to 1; the effort per
    community as a multiple of normal hours (1 to 1 + ``effort_max``); and per community the share
    of each department's capacity that serves overdue cases first (0-1, escalation)."""

    allocation: np.ndarray
    effort: np.ndarray
    priority: np.ndarray


@dataclass(frozen=True)
class EnterpriseView:
    """What an enterprise sees: its readiness to help unpaid (``csr``, now, and ``disposition``,
    its own resting level), its reputation among residents (0-1), local demand (open cases per
    1,000 residents in each community it serves), whether the government offers it a service
    contract and what share of the contract price it would pay (``price_share``), and the
    share of the price it needs to cover its costs (``reservation``); ``visibility``: how openly
    the government shows who helps (the transparency lever where it works, 0-1)."""

    week: int
    communities: np.ndarray
    csr: float
    disposition: float
    reputation: float
    demand: np.ndarray
    visibility: float
    contract_offered: bool
    price_share: float
    reservation: float
    rules: Any


@dataclass(frozen=True)
class EnterpriseAction:
    """Readiness to help unpaid (0-1) and whether it takes the offered contract."""

    csr: float
    accept_contract: bool


@dataclass(frozen=True)
class OrganisationView:
    """What a social organisation sees in each community it works in: its members there,
    residents' participation (share who took part recently) and unmet need (issues known to be
    open but unreported, per 1,000 residents, as its members and volunteers hear of them); and its
    own credibility (0-1); whether the government offers to buy its services there (政府购买服务,
    never to a third-party evaluator, which must stay apart from whom it evaluates), the share of
    the price it can pay and the share the organisation needs to cover its costs.
    """

    week: int
    communities: np.ndarray
    members: np.ndarray
    participation: np.ndarray
    unmet: np.ndarray
    credibility: float
    purchase_offered: bool
    price_share: float
    reservation: float
    rules: Any


@dataclass(frozen=True)
class OrganisationAction:
    """Shares of its campaign effort (raising awareness) and of its mediation capacity across the
    communities it works in, each summing to 1, whether it sells its services to the
    government, and, for a third-party evaluator, whether it takes on evaluating the government
    where evaluation is commissioned (the registered rules always do; a person may decline)."""

    campaign: np.ndarray
    mediation: np.ndarray
    accept_purchase: bool = False
    evaluate: bool = True


VIEWS = {"government": GovernmentView, "enterprise": EnterpriseView, "social_organisation": OrganisationView}
ACTIONS = {"government": GovernmentAction, "enterprise": EnterpriseAction, "social_organisation": OrganisationAction}


def _shares(name: str, x: np.ndarray, shape: tuple[int, ...]) -> None:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != shape:
        raise ValueError(f"{name} has shape {x.shape}; allowed: {shape}")
    if not np.all(np.isfinite(x)) or (x < -1e-12).any() or abs(x.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must be finite shares >= 0 summing to 1 (sum {x.sum():.6g})")


def check_action(kind: str, view: Any, action: Any) -> None:
    """Raise a ValueError naming what is wrong if ``action`` is not a valid action of ``kind``
    for ``view``: the right type, shares that are shares, levels within their bounds."""
    expected = ACTIONS[kind]
    if not isinstance(action, expected):
        raise ValueError(f"a {kind} policy returned {type(action).__name__}; allowed: {expected.__name__}")
    if kind == "government":
        _shares("allocation", action.allocation, view.allocation.shape)
        e = np.asarray(action.effort, dtype=np.float64)
        top = 1.0 + view.rules.effort_max
        if e.shape != view.effort.shape or not np.all(np.isfinite(e)) or (e < 1 - 1e-12).any() or (e > top + 1e-12).any():
            raise ValueError(f"effort must be one number per community from 1 to {top:g}")
        q = np.asarray(action.priority, dtype=np.float64)
        if q.shape != view.effort.shape or not np.all(np.isfinite(q)) or (q < 0).any() or (q > 1).any():
            raise ValueError("priority must be one share per community from 0 to 1")
    elif kind == "enterprise":
        if not (0.0 <= float(action.csr) <= 1.0):
            raise ValueError(f"csr {action.csr!r}; allowed: a number from 0 to 1")
        if action.accept_contract and not view.contract_offered:
            raise ValueError("accept_contract is true but no contract was offered")
    else:
        shape = view.communities.shape
        _shares("campaign", action.campaign, shape)
        _shares("mediation", action.mediation, shape)
        if action.accept_purchase and not view.purchase_offered:
            raise ValueError("accept_purchase is true but no purchase of services was offered")
