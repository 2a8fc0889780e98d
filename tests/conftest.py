"""Shared helpers for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cogov_sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.toml"))


def small(**values) -> Scenario:
    """A small, quick scenario: 600 residents, 6 communities, 30 weeks, short burn-in."""
    base = {"population.residents": 600, "space.communities": 6, "run.steps": 30, "run.burn_in": 4}
    base.update(values)
    return Scenario().with_values(base)


@pytest.fixture
def root() -> Path:
    return ROOT
