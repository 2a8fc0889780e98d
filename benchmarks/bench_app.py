"""Responsiveness of the workshop app: one step of the default scenario (10,000 residents) plus
the redraw of both views (network and outcomes, PNG as the browser receives them), as the app
does on every click and every frame of play. Target: well under a second (0.5 s).
Run: ``python benchmarks/bench_app.py [--weeks 40] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402

TARGET_S = 0.5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=40)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    os.chdir(HERE.parent)
    from cogov_sim.present.app import Session

    session = Session("baseline")
    rows = {"step": [], "redraw": []}
    switch = []
    for i in range(args.weeks):
        t0 = time.perf_counter()
        session.step(1)
        t1 = time.perf_counter()
        lang = "zh" if (i // 10) % 2 else "en"  # a language switch every 10 weeks rebuilds the views
        session.render(lang, "trust")
        t2 = time.perf_counter()
        (switch if i % 10 == 0 else rows["redraw"]).append(t2 - t1)
        rows["step"].append(t1 - t0)
    total = [a + b for a, b in zip(rows["step"][1:], rows["redraw"], strict=False)]
    p95 = sorted(total)[int(0.95 * (len(total) - 1))]
    text = ("| step (s) | redraw of both views (s) | step + redraw, median (s) | 95th percentile (s) | "
            "after a language switch (s) |\n|---:|---:|---:|---:|---:|\n"
            f"| {statistics.median(rows['step']):.3f} | {statistics.median(rows['redraw']):.3f} | "
            f"{statistics.median(total):.3f} | {p95:.3f} | {statistics.median(switch):.3f} |\n\n"
            f"{args.weeks} weeks of the baseline (10,000 residents, 900 drawn). Target: step + redraw under "
            f"{TARGET_S} s (95th percentile): {'met' if p95 < TARGET_S else 'NOT met'}.")
    publish("app-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
