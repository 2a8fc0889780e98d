"""Executors: where a batch of independent tasks runs.

Each executor maps a picklable function over tasks and yields ``(task, result)`` pairs as they
finish, in any order, with a bounded number of tasks in flight, so memory stays flat however
long the batch. Results never depend on the executor: every run carries its own seed.

- :class:`SerialExecutor`: in this process (debugging, notebooks, tests);
- :class:`LocalExecutor`: a process pool on this machine (the default; ``workers`` processes);
  a worker process that dies takes its task with it, and the task is run again on a fresh pool;
- :class:`DaskExecutor`: a Dask distributed scheduler (``tcp://host:port``, or the file
  ``dask scheduler --scheduler-file`` writes), the same code a SLURM or PBS cluster uses through
  dask-jobqueue; the scheduler reruns the tasks of a lost worker, and workers may join late.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
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
            ctx.set_forkserver_preload(["cogov_sim.experiments.sweep", "cogov_sim.experiments.starts",
                                        "cogov_sim.model.model"])  # import once, not per worker
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
    """Tasks on a Dask distributed cluster at ``address``, or on a given ``distributed.Client``.

    ``address`` is a scheduler address (``tcp://host:port``; ``host:port`` means tcp) or the
    path of the JSON file ``dask scheduler --scheduler-file`` writes. Before a client is made
    the address is checked and the scheduler asked who it is, within ``connect_timeout``
    seconds: a wrong address, a closed port or something that is not a Dask scheduler is a
    one-line input error at once, instead of a 10 s wait and a client that hangs on exit.
    """

    def __init__(self, address: str | None = None, *, client: Any = None, timeout: float = 30.0,
                 connect_timeout: float = 3.0):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise CoGovInputError("Dask distributed is not installed; allowed: pip install distributed",
                                  key="--scheduler") from None
        if client is None:
            address = _scheduler_address(str(address))
            _ask_scheduler(address, connect_timeout)
            try:
                # not the default client: a sweep run from a notebook leaves the user's own client alone
                client = Client(address, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:  # the scheduler went away since it answered
                raise CoGovInputError(f"cannot connect a client to the Dask scheduler ({exc.__class__.__name__}); "
                                      f"allowed: {_ALLOWED_ADDRESS}", source=address, key="--scheduler") from None
            self._own = True
        else:
            self._own = False
        self.client = client
        self._threads_seen = 0.0
        threads = self._threads()
        self.workers = max(1, threads)
        self.description = (f"Dask cluster at {client.scheduler.address}, "
                            f"{f'{threads} threads' if threads else 'no workers yet (they join as they start)'}")

    def _threads(self) -> int:
        """Threads of the workers connected now (none yet, on a batch cluster whose worker jobs
        are still queued: they join while the sweep runs)."""
        threads = self.client.nthreads()
        self._threads_seen = time.monotonic()
        return sum(int(n) for n in threads.values())

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        pending = iter(tasks)
        futures: dict[str, Any] = {}
        # the client's own loop: this client is not the default one, which as_completed would look for
        seq = as_completed(loop=self.client.loop)

        def submit(n: int) -> None:
            for _ in range(n):
                task = next(pending, None)
                if task is None:
                    return
                fut = self.client.submit(fn, task, pure=False)
                futures[fut.key] = task
                seq.add(fut)

        submit(2 * self.workers + 2)
        while futures:
            fut = next(seq)
            task = futures.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # a task the scheduler gave up on (e.g. KilledWorker)
                result = exc
            fut.release()
            yield task, result
            if time.monotonic() - self._threads_seen > 5.0:  # workers come and go: keep every thread busy
                self.workers = max(1, self._threads())
            submit(2 * self.workers + 2 - len(futures))

    def close(self) -> None:
        if self._own:
            self.client.close()


_ALLOWED_ADDRESS = ("the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786, or the file `dask scheduler "
                    "--scheduler-file` wrote")


def _scheduler_address(text: str) -> str:
    """The scheduler address in ``text``: an address, or read from a scheduler file; checked
    for form (a known protocol, a host and a port) without touching the network."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    path = Path(text)
    if text.endswith(".json") or path.is_file():
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            text = str(info["address"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CoGovInputError(f"cannot read a scheduler address from this file ({exc.__class__.__name__}); "
                                  f"allowed: {_ALLOWED_ADDRESS}", source=text, key="--scheduler") from None
    try:
        scheme, loc = parse_address(text)
        if scheme not in backends:
            raise ValueError(f"unknown protocol '{scheme}'")
        if scheme in ("tcp", "tls", "ucx"):
            parse_host_port(loc)
    except ValueError as exc:
        raise CoGovInputError(f"not a scheduler address ({exc}); allowed: {_ALLOWED_ADDRESS}", source=text,
                              key="--scheduler") from None
    return text


def _ask_scheduler(address: str, timeout: float) -> None:
    """Connect to ``address`` and ask it to identify itself, within ``timeout`` seconds; raise an
    input error unless a Dask scheduler answers. Runs on a thread of its own, so it works from
    a program (or notebook) that already has an event loop."""
    import asyncio

    from distributed.core import rpc
    from distributed.security import Security

    async def identity() -> dict:
        r = rpc(address, timeout=timeout, connection_args=Security().get_connection_args("client"))
        try:
            return await asyncio.wait_for(r.identity(), timeout + 1.0)  # connect's own timeout speaks first
        finally:
            await r.close_rpc()

    with ThreadPoolExecutor(1) as pool:
        try:
            info = pool.submit(asyncio.run, identity()).result()
        except Exception as exc:
            reason = (f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__).splitlines()[0][:200]
            raise CoGovInputError(f"no Dask scheduler answered within {timeout:g} s ({reason}); allowed: "
                                  f"{_ALLOWED_ADDRESS}", source=address, key="--scheduler") from None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind != "Scheduler":
        raise CoGovInputError(f"this is a Dask {kind or 'server'}, not a scheduler; allowed: {_ALLOWED_ADDRESS}",
                              source=address, key="--scheduler")


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
