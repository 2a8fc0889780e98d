"""The institutions' decisions as pluggable policies, registered by name.

A policy is a function from what one institution can observe (its *view*, a frozen dataclass
of arrays: :mod:`cogov_sim.model.policies.views`) to what it does (its *action*). Policies
never see the model itself, so they cannot read the hidden truth (true need, other actors'
state), and they draw no random numbers, so they are deterministic given their view. The
model builds each view, calls the institution's policy, checks the action
(:func:`cogov_sim.model.policies.views.check_action`) and applies it.

Each kind of institution has its policies in one module of this package, registered with
:func:`register`; the scenario chooses one per kind (``[institutions]``), and
:meth:`cogov_sim.model.model.CoGovModel.set_policy` replaces one while the model runs, which is
how another rule, or a person in a workshop, takes an institution's place. Adding a policy is
one function in its kind's module and one ``@register`` line above it.
"""

from __future__ import annotations

from cogov_sim.model.policies import enterprise, government, organisation  # noqa: F401  (they register)
from cogov_sim.model.policies.registry import KINDS, POLICIES, get_policy, register

__all__ = ["KINDS", "POLICIES", "POLICY_NAMES", "get_policy", "register"]

#: The registered names per kind, in registration order (the default first).
POLICY_NAMES: dict[str, tuple[str, ...]] = {kind: tuple(POLICIES[kind]) for kind in KINDS}
