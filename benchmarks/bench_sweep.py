"""Sweep throughput: runs per minute at the default scenario size with 1 and 2 local workers.

The experiment is experiments/smoke.toml's design (8 Latin-hypercube points) on the default
scenario (10,000 residents, 156 weekly steps), 8 replications = 64 runs, each written to Parquet
as in a real sweep. Each measurement uses a fresh process pool (its start-up is included, as a
user would see it) and a fresh results folder. Target: 2 workers give at least 1.6 times the
throughput of 1. Run: ``python benchmarks/bench_sweep.py [--runs-per-point 8] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402


def measure(workers: int, reps: int) -> dict:
    from cogov_sim.experiments.design import load_experiment
    from cogov_sim.experiments.executors import LocalExecutor
    from cogov_sim.experiments.sweep import read_results, run_sweep
    from cogov_sim.model.scenario import Scenario

    exp = load_experiment(HERE.parent / "experiments" / "smoke.toml")
    exp = replace(exp, base=Scenario().with_values({"trust.epsilon": 0.3}), replications=reps, fixed={})
    with tempfile.TemporaryDirectory() as tmp:
        ex = LocalExecutor(workers)
        t0 = time.perf_counter()
        try:
            run_sweep(exp, Path(tmp) / "out", executor=ex)
        finally:
            ex.close()
        seconds = time.perf_counter() - t0
        df = read_results(Path(tmp) / "out")
    assert (df["status"] == "ok").all() and len(df) == len(exp.runs())
    return {"workers": workers, "runs": len(df), "seconds": seconds, "per_minute": 60.0 * len(df) / seconds,
            "model_s": float(df["wall_s"].mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-per-point", type=int, default=8, help="replications of each of the 8 points")
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    rows = [measure(w, args.runs_per_point) for w in (1, 2)]
    speedup = rows[1]["per_minute"] / rows[0]["per_minute"]
    lines = ["| workers | runs | wall time (s) | runs per minute | mean time per run in a worker (s) | speed-up |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workers']} | {r['runs']} | {r['seconds']:.1f} | {r['per_minute']:.1f} | {r['model_s']:.2f} | "
                     f"{r['per_minute'] / rows[0]['per_minute']:.2f} |")
    verdict = f"2 workers: {speedup:.2f} x the throughput of 1 (target 1.6): {'met' if speedup >= 1.6 else 'NOT met'}"
    text = "\n".join(lines) + f"\n\n{verdict}. {os.cpu_count()} cores."
    publish("sweep-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
