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


def keep_image(path: Path, name: str) -> Path:
    """Keep a screenshot a test took: in results/e2e/ always, and in docs/img/ (the pictures the
    docs show) when COGOV_UPDATE_DOC_IMAGES is set, so the docs are refreshed on purpose only."""
    import os
    import shutil

    keep = ROOT / "results" / "e2e"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, keep / name)
    if os.environ.get("COGOV_UPDATE_DOC_IMAGES"):
        shutil.copy(path, ROOT / "docs" / "img" / name)
    return keep / name


def stop(proc) -> None:
    """End a server a test started: ask it to stop, and kill it if it has not within 10 s."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
