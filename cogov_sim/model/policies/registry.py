"""The registry of institutions' policies (see :mod:`cogov_sim.model.policies`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KINDS: tuple[str, ...] = ("government", "enterprise", "social_organisation")

#: Policies by kind and name.
POLICIES: dict[str, dict[str, Callable[[Any], Any]]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str) -> Callable[[Callable], Callable]:
    """Decorator: register ``policy`` under ``name`` for institutions of ``kind``."""
    if kind not in POLICIES:
        raise ValueError(f"unknown institution kind {kind!r}; known: {', '.join(KINDS)}")

    def add(policy: Callable) -> Callable:
        if name in POLICIES[kind]:
            raise ValueError(f"a {kind} policy named {name!r} is already registered")
        POLICIES[kind][name] = policy
        policy.policy_name = name
        return policy

    return add


def get_policy(kind: str, name: str) -> Callable[[Any], Any]:
    """The registered policy, or a ValueError that lists the known names."""
    try:
        return POLICIES[kind][name]
    except KeyError:
        known = ", ".join(POLICIES.get(kind, {})) or "none"
        raise ValueError(f"unknown {kind} policy {name!r}; known: {known}") from None
