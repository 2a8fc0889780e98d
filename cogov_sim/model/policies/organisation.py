"""Social organisations' policies: where to campaign and where to mediate.

``need``, the default, goes where residents are silent and need is unmet; ``members`` stays
with its own members (philanthropic particularism, Salamon 1987).
"""

from __future__ import annotations

import numpy as np

from cogov_sim.model.policies.enterprise import price_covers
from cogov_sim.model.policies.registry import register
from cogov_sim.model.policies.views import OrganisationAction, OrganisationView


def proportional(score: np.ndarray) -> np.ndarray:
    """Shares proportional to non-negative ``score``; equal shares when every score is 0."""
    s = np.maximum(np.asarray(score, dtype=np.float64), 0.0)
    total = s.sum()
    return s / total if total > 0 else np.full(s.size, 1.0 / max(s.size, 1))


@register("social_organisation", "need")
def need(view: OrganisationView) -> OrganisationAction:
    """Campaign in proportion to unmet need times the share of residents who stay silent, and
    mediate in proportion to unmet need: community organisations mobilise where participation
    is low and problems go unreported (Fang 2024, 2.3, 4.2); sell its services to the government
    when the price covers its costs."""
    campaign = proportional(view.unmet * (1.0 - view.participation))
    return OrganisationAction(campaign=campaign, mediation=proportional(view.unmet),
                              accept_purchase=price_covers(view.purchase_offered, view.price_share, view.reservation))


@register("social_organisation", "members")
def members(view: OrganisationView) -> OrganisationAction:
    """Campaign and mediate in proportion to its members in each community, whatever the need
    elsewhere: voluntary organisations serve their own constituencies rather than the neediest
    (philanthropic particularism, Salamon 1987); sell its services when the price covers its costs."""
    shares = proportional(view.members)
    return OrganisationAction(campaign=shares, mediation=shares.copy(),
                              accept_purchase=price_covers(view.purchase_offered, view.price_share, view.reservation))
