"""Runs per hour at the calibration size (2,000 residents, 104 weeks) on one and two workers.

Two batches of the same size go through the sweep's own task (``cogov_sim.experiments.sweep.
run_task``) on a warm local process pool (its start-up is timed apart):

* *distinct parameters*, as in a calibration: every run has its own value of a behavioural
  parameter (``participation.base``), so every run builds its network, residents and
  institutions and burns in;
* *levers under common seeds*, as in a policy sweep: eight lever settings under each
  replication seed, so the eight share one burn-in (``cogov_sim.experiments.starts``).

*Per run in a worker* is the mean wall time of a run inside its worker, build included. The
table is printed and written into benchmarks/README.md between the markers. Target (issue: many
runs fast): at most 30 ms a run, build included, in a warm worker.
Run: ``python benchmarks/bench_runs.py [--seeds 4] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402

SIZE = {"population.residents": 2000, "run.steps": 104}
LEVERS = [{"levers.online_platform": p, "levers.digital_investment": d, "levers.active_service": a}
          for p in (False, True) for d in (0.0, 40.0) for a in (0.0, 1.0)]


def tasks(kind: str, seeds: int) -> list:
    from cogov_sim.experiments.design import OutcomeSpec, RunSpec
    from cogov_sim.experiments.sweep import RunTask
    from cogov_sim.model.rng import replication_seeds
    from cogov_sim.model.scenario import Scenario

    base = Scenario().with_values(SIZE)
    outcomes = OutcomeSpec(names=("participation_rate", "mean_trust", "resolution_rate"), keep=("final",))
    seed_list = replication_seeds(7, seeds)
    out = []
    for r, seed in enumerate(seed_list):
        for i, levers in enumerate(LEVERS):
            values = levers if kind == "levers" else {"participation.base": -1.0 + 0.01 * (r * len(LEVERS) + i)}
            # as run_sweep marks them (sweep.shares_starts): a sweep over levers alone shares starts
            out.append(RunTask(RunSpec(run_id=len(out), point=i, replication=r, seed=seed, values=values), base,
                               outcomes, "bench", share_start=kind == "levers"))
    return out


def warm_up(_: int) -> float:
    """Import and touch the model in a worker, so the pool is warm before timing."""
    from cogov_sim import CoGovModel, Scenario

    CoGovModel(Scenario().with_values({"population.residents": 200, "run.burn_in": 1, "run.steps": 1})).run()
    return 0.0


def measure(kind: str, workers: int, seeds: int) -> dict:
    from cogov_sim.experiments.executors import LocalExecutor, SerialExecutor
    from cogov_sim.experiments.starts import process_starts
    from cogov_sim.experiments.sweep import run_task

    process_starts().clear()
    batch = tasks(kind, seeds)
    ex = SerialExecutor() if workers == 1 else LocalExecutor(workers)
    try:
        list(ex.map_unordered(warm_up, range(2 * workers)))
        t0 = time.perf_counter()
        results = [res for _, res in ex.map_unordered(run_task, batch)]
        seconds = time.perf_counter() - t0
    finally:
        ex.close()
    assert all(res["row"]["status"] == "ok" for res in results), [res["row"]["error"] for res in results][:3]
    per_run = sum(res["row"]["wall_s"] for res in results) / len(results)
    return {"kind": kind, "workers": workers, "runs": len(results), "seconds": seconds,
            "per_hour": 3600.0 * len(results) / seconds, "per_run_ms": 1000.0 * per_run}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4, help="replication seeds (eight runs each)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    rows = [measure(kind, w, args.seeds) for kind in ("distinct", "levers") for w in (1, 2)]
    names = {"distinct": "distinct parameters (calibration)", "levers": "levers under common seeds (sweep)"}
    lines = ["| batch | workers | runs | wall time (s) | runs per hour | per run in a worker (ms) | target (ms) | met |",
             "|:---|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in rows:
        lines.append(f"| {names[r['kind']]} | {r['workers']} | {r['runs']} | {r['seconds']:.1f} | "
                     f"{r['per_hour']:,.0f} | {r['per_run_ms']:.0f} | 30 | {'yes' if r['per_run_ms'] <= 30 else 'NO'} |")
    text = "\n".join(lines) + f"\n\n2,000 residents x 104 weeks; one worker runs in this process. {os.cpu_count()} cores."
    publish("runs-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
