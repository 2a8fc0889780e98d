"""Starts kept warm in a process: each run of a batch begins from a stored week-0 state.

Every run builds its network, residents and institutions and burns in for 300-520 weeks
under the status-quo levers before its own week 1, which costs more than its three years. The
burn-in does not see a scenario's levers, interventions, shocks, pilots or horizon, so the
design points of a sweep and the variants of a comparison that differ only in these, run
under one replication seed (common random numbers), start from the same state, bit for bit
(:func:`cogov_sim.model.model.start_key`). A worker process keeps the starts it has built
and gives each such run a copy: one build and burn-in per replication and worker instead of
one per run. Results are unchanged (tests/test_start.py).
"""

from __future__ import annotations

from collections import OrderedDict

from cogov_sim.model.model import CoGovModel, Start, start_key
from cogov_sim.model.scenario import Scenario

#: How many residents' worth of starts a process keeps, residents. A start holds about 1 KB per
#: resident (benchmarks/README.md, memory per resident), so this is about 1 GB a worker: every
#: replication of a sweep at the default size (10^4 residents) up to 100 replications, one
#: start at 10^6 residents.
BUDGET_RESIDENTS = 1_000_000


class StartCache:
    """The starts of this process, least recently used dropped first when over budget."""

    def __init__(self, budget_residents: int = BUDGET_RESIDENTS):
        self.budget = int(budget_residents)
        self._starts: OrderedDict[Scenario, Start] = OrderedDict()
        self.built = 0
        self.reused = 0

    def model(self, scenario: Scenario) -> CoGovModel:
        """The model of ``scenario`` at week 0: a copy of a kept start, or built (and kept)."""
        key = start_key(scenario)
        start = self._starts.get(key)
        if start is not None:
            self._starts.move_to_end(key)
            self.reused += 1
            return start.model(scenario)
        model = CoGovModel(scenario)
        self.built += 1
        if model.n <= self.budget:
            self._starts[key] = Start(model)
            while sum(s.residents for s in self._starts.values()) > self.budget:
                self._starts.popitem(last=False)
        return model

    def __len__(self) -> int:
        return len(self._starts)

    def clear(self) -> None:
        self._starts.clear()


_PROCESS = StartCache()


def process_starts() -> StartCache:
    """The starts of this process (each worker of a pool or a Dask cluster has its own)."""
    return _PROCESS
