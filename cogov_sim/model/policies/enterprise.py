"""Enterprises' policies: how ready to help unpaid (CSR) and whether to take a service contract.

``reputation``, the default, helps more where local demand is high, where its help is seen
(transparency) and the more reputation it has to keep; it takes a contract when the price
covers its costs. ``fixed`` keeps its disposition and takes every contract offered.
"""

from __future__ import annotations

import numpy as np

from cogov_sim.model.policies.registry import register
from cogov_sim.model.policies.views import EnterpriseAction, EnterpriseView


def price_covers(offered: bool, price_share: float, reservation: float) -> bool:
    """Whether to take a contract: it is offered and the share of the price the government can pay
    covers the share the provider needs to cover its costs (a reservation price)."""
    return bool(offered and price_share >= reservation)


def local_demand(demand: np.ndarray, scale: float) -> float:
    """Local demand for help, 0-1: mean open cases per 1,000 residents where the enterprise works,
    ``d / (d + scale)`` (half at ``scale``)."""
    d = float(np.mean(demand)) if np.size(demand) else 0.0
    return d / (d + scale) if d + scale > 0 else 0.0


def csr_target(disposition: float, reputation: float, demand: float, visibility: float, *, demand_weight: float,
               reputation_weight: float, visibility_weight: float) -> float:
    """Readiness to help unpaid that the enterprise aims at, 0-1: its disposition plus a share of
    the rest, ``(demand_weight * demand + reputation_weight * reputation + visibility_weight *
    visibility)``, clipped. Firms supply CSR where stakeholders demand it (McWilliams & Siegel
    2001), act more responsibly where they are watched by the public and the state (Campbell 2007),
    and protect a reputation once they have one (Fombrun & Shanley 1990)."""
    pull = demand_weight * demand + reputation_weight * reputation + visibility_weight * visibility
    return float(np.clip(disposition + (1.0 - disposition) * pull, 0.0, 1.0))


@register("enterprise", "reputation")
def reputation(view: EnterpriseView) -> EnterpriseAction:
    """Move half-way to the CSR target each decision; take the contract when the price the
    government can pay covers the enterprise's reservation share."""
    r = view.rules
    target = csr_target(view.disposition, view.reputation, local_demand(view.demand, r.demand_scale),
                        view.visibility, demand_weight=r.csr_demand_weight, reputation_weight=r.csr_reputation_weight,
                        visibility_weight=r.csr_visibility_weight)
    csr = float(np.clip(view.csr + r.csr_adjustment * (target - view.csr), 0.0, 1.0))
    return EnterpriseAction(csr=csr, accept_contract=price_covers(view.contract_offered, view.price_share,
                                                                  view.reservation))


@register("enterprise", "fixed")
def fixed(view: EnterpriseView) -> EnterpriseAction:
    """Keep the disposition and take every contract offered, whatever it pays."""
    return EnterpriseAction(csr=float(view.disposition), accept_contract=bool(view.contract_offered))
