"""The grassroots government's policies: where caseworkers' effort goes and how hard they work.

Both policies follow the planner's decision-mode lever (habit repeats the allocation,
data-driven allocation moves toward recorded demand, third-party evaluation toward the
evaluated need: :func:`cogov_sim.model.rules.reallocate`). ``accountable``, the default,
also answers to pressure: complaints that can reach upper levels and transparency make it
escalate overdue cases (served first within their department) and work longer hours;
``passive`` does neither.
"""

from __future__ import annotations

import numpy as np

from cogov_sim.model import rules
from cogov_sim.model.policies.registry import register
from cogov_sim.model.policies.views import GovernmentAction, GovernmentView


def pressure(complaints: np.ndarray, transparency: np.ndarray, *, accountability: float, complaint_scale: float,
             transparency_pressure: float, supervision: np.ndarray | float = 0.0) -> np.ndarray:
    """Pressure on the government per community, 0-1.

    ``a * complaints / (complaints + complaint_scale) + transparency_pressure * transparency``,
    clipped to [0, 1], with ``a = accountability + (1 - accountability) * supervision``.
    Complaints (failed cases per 1,000 residents per week) press through upward accountability:
    local officials answer more when a citizen may tell upper levels or act collectively (Chen,
    Pan & Xu 2016); the pressure saturates, half its maximum at ``complaint_scale``. Supervision
    from above (the ``upper_supervision`` lever, 0-1: upper levels watching a message board)
    moves accountability toward 1 (Su & Meng 2016). Transparency adds pressure of its own by
    making inaction visible (open government curbs 懒政, Fang 2024, 2.2).
    """
    c = np.asarray(complaints, dtype=np.float64)
    from_complaints = np.divide(c, c + complaint_scale, out=np.zeros_like(c), where=(c + complaint_scale) > 0)
    a = accountability + (1.0 - accountability) * np.asarray(supervision, dtype=np.float64)
    return np.clip(a * from_complaints + transparency_pressure * transparency, 0.0, 1.0)


def effort_target(pressure_level: np.ndarray, effort_max: float) -> np.ndarray:
    """Caseworker effort the government aims at, as a multiple of normal hours: ``1 + effort_max
    * pressure`` (overtime under pressure, bounded by what staff can sustain)."""
    return 1.0 + effort_max * pressure_level


def _allocation(view: GovernmentView) -> np.ndarray:
    estimate = view.estimate if view.estimate.sum() > 0 else None
    return rules.reallocate(view.allocation, view.recorded + view.integrated, estimate, view.data_driven,
                            view.evaluation_weight, adjustment=view.adjustment)


@register("government", "accountable")
def accountable(view: GovernmentView) -> GovernmentAction:
    """Allocate as the decision mode says; where pressure is high, escalate overdue cases (a share
    ``escalation * pressure`` of each cell's capacity serves them first) and work longer, moving
    ``adjustment`` of the way to the effort target each decision (Chen, Pan & Xu 2016; Fang 2024,
    2.1-2.2)."""
    r = view.rules
    level = pressure(view.complaints, view.transparency, accountability=r.accountability,
                     complaint_scale=r.complaint_scale, transparency_pressure=r.transparency_pressure,
                     supervision=view.supervision)
    effort = view.effort + view.adjustment * (effort_target(level, r.effort_max) - view.effort)
    return GovernmentAction(allocation=_allocation(view), effort=np.clip(effort, 1.0, 1.0 + r.effort_max),
                            priority=np.clip(r.escalation * level, 0.0, 1.0))


@register("government", "passive")
def passive(view: GovernmentView) -> GovernmentAction:
    """Allocate as the decision mode says and nothing more: no escalation, normal hours whatever
    the complaints (the passive government of Fang 2024, section 3)."""
    return GovernmentAction(allocation=_allocation(view), effort=np.ones_like(view.effort),
                            priority=np.zeros_like(view.effort))
