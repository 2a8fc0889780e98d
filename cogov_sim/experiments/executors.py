"""Executors: where a batch of independent tasks runs.

Each executor maps a picklable function over tasks and yields ``(task, result)`` pairs as they
finish, in any order, with a bounded number of tasks in flight, so memory stays flat however
long the batch. Results never depend on the executor: every run carries its own seed.

- :class:`SerialExecutor`: in this process (debugging, notebooks, tests);
- :class:`LocalExecutor`: a process pool on this machine (the default; ``workers`` processes);
  a worker process that dies takes its task with it, and the task is run again on a fresh pool;
- :class:`DaskExecutor`: a Dask distributed scheduler (``tcp://host:port``), the same code a
  SLURM or PBS cluster uses through dask-jobqueue; the scheduler reruns the tasks of a lost worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from cogov_sim.errors import CoGovInputError


class WorkerLost(RuntimeError):
    """A task whose worker process died every time it was tried."""


class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers = 1
    description = "serial (this process)"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)

    def close(self) -> None:
        pass


class LocalExecutor:
    """A pool of ``workers`` processes on this machine (started with forkserver, so workers do
    not inherit the parent's threads or open files)."""

    def __init__(self, workers: int | None = None, *, max_attempts: int = 3):
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.max_attempts = max_attempts
        self.description = f"local process pool, {self.workers} workers"
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["cogov_sim.experiments.sweep", "cogov_sim.model.model"])  # import once, not per worker
        else:
            ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        pending = iter(tasks)
        retry: list[Any] = []
        attempts: dict[int, int] = {}
        in_flight: dict[Future, Any] = {}
        window = 2 * self.workers
        self._pool = self._pool or self._new_pool()
        try:
            while True:
                while len(in_flight) < window:
                    task = retry.pop() if retry else next(pending, None)
                    if task is None:
                        break
                    in_flight[self._pool.submit(fn, task)] = task
                if not in_flight:
                    return
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    task = in_flight.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        n = attempts[id(task)] = attempts.get(id(task), 0) + 1
                        if n >= self.max_attempts:
                            yield task, WorkerLost(f"worker process died {n} times running this task")
                        else:
                            retry.append(task)
                        continue
                    yield task, result
                if broken:  # the pool is unusable: requeue what was in flight on a fresh pool
                    retry.extend(in_flight.values())
                    in_flight.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
        finally:
            for fut in in_flight:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Tasks on a Dask distributed cluster at ``address`` (``tcp://host:port``), or on a given
    ``distributed.Client``."""

    def __init__(self, address: str | None = None, *, client: Any = None, timeout: float = 10.0):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise CoGovInputError("Dask distributed is not installed; allowed: pip install distributed",
                                  key="--scheduler") from None
        if client is None:
            try:
                client = Client(address, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise CoGovInputError(f"cannot reach the Dask scheduler ({exc.__class__.__name__}); allowed: the "
                                      "address of a running scheduler, e.g. tcp://127.0.0.1:8786",
                                      source=str(address), key="--scheduler") from None
            self._own = True
        else:
            self._own = False
        self.client = client
        workers = client.scheduler_info().get("workers", {})
        self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        self.description = f"Dask cluster at {client.scheduler.address}, {self.workers} threads"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        pending = iter(tasks)
        window = 2 * self.workers + 2
        futures = {}
        seq = as_completed()
        for task in pending:
            fut = self.client.submit(fn, task, pure=False)
            futures[fut.key] = task
            seq.add(fut)
            if len(futures) >= window:
                break
        for fut in seq:
            task = futures.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # a task the scheduler gave up on (e.g. KilledWorker)
                result = exc
            fut.release()
            yield task, result
            nxt = next(pending, None)
            if nxt is not None:
                new = self.client.submit(fn, nxt, pure=False)
                futures[new.key] = nxt
                seq.add(new)

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> SerialExecutor | LocalExecutor | \
        DaskExecutor:
    """The executor the command line asks for: Dask when ``scheduler`` is given, else a local
    pool (``workers`` defaults to the number of cores; 1 means in this process)."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers is not None and workers < 1:
        raise CoGovInputError(f"{workers}; allowed: a positive number of worker processes", key="--workers")
    n = workers or os.cpu_count() or 1
    return SerialExecutor() if n == 1 else LocalExecutor(n)
