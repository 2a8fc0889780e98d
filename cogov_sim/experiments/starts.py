"""Starts kept warm in a process: each run of a batch begins from a stored week-0 state.

Every run builds its network, residents and institutions and burns in for 300-520 weeks
under the status-quo levers before its own week 1, which costs more than its three years. The
burn-in does not see a scenario's levers, interventions, shocks, pilots or horizon, so the
design points of a sweep and the variants of a comparison that differ only in these, run
under one replication seed (common random numbers), start from the same state, bit for bit
(:func:`cogov_sim.model.model.start_key`). A worker process keeps the starts it has built
for a batch whose runs can share them and gives each such run a copy: one build and burn-in
per replication and worker instead of one per run. Results are unchanged (tests/test_start.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np

from cogov_sim.model.model import CoGovModel, Start, start_key
from cogov_sim.model.scenario import Scenario

#: How much memory a process's kept starts may take, bytes (:func:`start_bytes`): every
#: replication of a sweep at the default size (a start of 10^4 residents holds about 6 MB) up
#: to about 150 replications, or one start of 10^6 residents.
BUDGET_BYTES = 1 << 30


def start_bytes(model: CoGovModel) -> int:
    """What keeping a start of ``model`` costs, bytes: its resident arrays and every array of its
    network (edge list, sparse matrices, which grow with the ties, so a dense network counts
    for what it holds), plus 1 MB for the institutions and the rest."""
    r = model.residents
    total = sum(getattr(r, f.name).nbytes for f in dataclasses.fields(r)) + (1 << 20)
    for value in vars(model.network).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif hasattr(value, "indptr"):  # a scipy sparse matrix
            total += value.data.nbytes + value.indices.nbytes + value.indptr.nbytes
    return int(total)


class StartCache:
    """The starts of this process, least recently used dropped first when over budget. Safe to
    use from several threads (a Dask worker runs tasks on several)."""

    def __init__(self, budget_bytes: int = BUDGET_BYTES):
        self.budget = int(budget_bytes)
        self._starts: OrderedDict[Scenario, tuple[Start, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.built = 0
        self.reused = 0

    def model(self, scenario: Scenario, *, keep: bool = True) -> CoGovModel:
        """The model of ``scenario`` at week 0: a copy of a kept start, or built; a built one is
        kept for later runs with the same key only with ``keep`` (a batch whose runs can share,
        e.g. a sweep over levers alone; a calibration's runs never can)."""
        key = start_key(scenario)
        with self._lock:
            found = self._starts.get(key)
            if found is not None:
                self._starts.move_to_end(key)
                self.reused += 1
        if found is not None:
            return found[0].model(scenario)
        model = CoGovModel(scenario)
        with self._lock:
            self.built += 1
        if keep:
            size = start_bytes(model)
            if size <= self.budget:
                start = Start(model)
                with self._lock:
                    self._starts[key] = (start, size)
                    while sum(n for _, n in self._starts.values()) > self.budget:
                        self._starts.popitem(last=False)
        return model

    def __len__(self) -> int:
        return len(self._starts)

    def kept(self) -> list[Start]:
        """The starts kept now, least recently used first."""
        with self._lock:
            return [start for start, _ in self._starts.values()]

    def clear(self) -> None:
        with self._lock:
            self._starts.clear()


_PROCESS = StartCache()


def process_starts() -> StartCache:
    """The starts of this process (each worker of a pool or a Dask cluster has its own)."""
    return _PROCESS
