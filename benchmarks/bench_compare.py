"""Time of the planner's comparison: ``cogov compare scenarios/pilots/*.toml --replications 20``
at the default sizes (10,000 residents, 156 weeks) on a local pool of two workers, from
starting the runs to the written report. Target: a few minutes (under 5) on two cores.
Run: ``python benchmarks/bench_compare.py [--replications 20] [--no-write]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402

TARGET_S = 300.0


def main() -> None:
    from cogov_sim.analysis.compare import run_comparison
    from cogov_sim.experiments.executors import LocalExecutor
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.present.report import write_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    scenarios = [load_scenario(p) for p in sorted((HERE.parent / "scenarios" / "pilots").glob("*.toml"))]
    ex = LocalExecutor(2)
    t0 = time.perf_counter()
    try:
        cmp = run_comparison(scenarios, replications=args.replications, executor=ex)
    finally:
        ex.close()
    t_runs = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        write_report(cmp, Path(tmp) / "report", lang="zh")
    total = time.perf_counter() - t0
    text = (f"| scenarios | variants run | replications | runs | runs (s) | report (s) | total (s) |\n"
            f"|---:|---:|---:|---:|---:|---:|---:|\n"
            f"| {len(scenarios)} | {len(cmp.plan.variants)} | {args.replications} | {len(cmp.runs)} | {t_runs:.1f} | "
            f"{total - t_runs:.1f} | {total:.1f} |\n\n"
            f"Target: under {TARGET_S:.0f} s on two cores: {'met' if total < TARGET_S else 'NOT met'}.")
    publish("compare-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
