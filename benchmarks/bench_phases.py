"""Where a week's time goes: each phase of ``CoGovModel.week`` in microseconds a week.

The default scenario at 2,000 residents (the calibration size) and at 10,000 (the default), 156
weeks from one start (build and burn-in excluded), the best of three runs. Each phase is timed
by wrapping the model's method of that name, so the table follows the model's own phases; the
rest of the week (the loop, the phase calls themselves) is *other*. The table is printed and
written into benchmarks/README.md between the markers.
Run: ``python benchmarks/bench_phases.py [--sizes 2000 10000] [--no-write]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402

#: The phases of a week, in order, as methods of the model (``gov.``: of its government).
PHASES = ("apply_schedule", "gov.fund", "_effective_levers", "gov.develop_capacity", "issues_arise",
          "spread_awareness", "residents_take_part", "find_issues", "handle_cases", "learn_from_outcomes",
          "exchange_trust", "revise_volunteering", "suffer_data_risk", "institutions_decide", "gov.track_need",
          "measure")


def timed(model, spent: Counter) -> None:
    """Wrap each phase of ``model`` so that its time adds to ``spent``."""
    for name in PHASES:
        owner = model.government if name.startswith("gov.") else model
        attr = name.removeprefix("gov.")
        inner = getattr(owner, attr)

        def wrapper(*args, _inner=inner, _name=name, **kwargs):
            t0 = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                spent[_name] += time.perf_counter() - t0

        setattr(owner, attr, wrapper)


def measure(n: int, weeks: int, repeats: int, values: dict | None = None) -> tuple[float, dict[str, float]]:
    """The best of ``repeats`` runs of ``weeks`` weeks of the default scenario with ``n`` residents
    (and any other scenario ``values``) from one start: its wall time (s) and each phase's (s)."""
    from cogov_sim import CoGovModel, Scenario
    from cogov_sim.model.model import Start

    scenario = Scenario().with_values({"population.residents": n, "run.steps": weeks} | (values or {}))
    start = Start(CoGovModel(scenario))
    best = None
    for _ in range(repeats):
        model = CoGovModel.from_start(start, scenario)
        spent: Counter = Counter()
        timed(model, spent)
        t0 = time.perf_counter()
        model.run()
        total = time.perf_counter() - t0
        if best is None or total < best[0]:
            best = (total, dict(spent))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000])
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    results = {n: measure(n, args.weeks, args.repeats) for n in args.sizes}
    head = " | ".join(f"{n:,} residents (us/week)" for n in args.sizes)
    lines = [f"| phase | {head} |", "|:---|" + "---:|" * len(args.sizes)]
    for name in PHASES:
        lines.append(f"| `{name}` | " + " | ".join(f"{results[n][1].get(name, 0.0) / args.weeks * 1e6:,.0f}"
                                                  for n in args.sizes) + " |")
    lines.append("| other | " + " | ".join(
        f"{(results[n][0] - sum(results[n][1].values())) / args.weeks * 1e6:,.0f}" for n in args.sizes) + " |")
    lines.append("| **week** | " + " | ".join(f"**{results[n][0] / args.weeks * 1e6:,.0f}**" for n in args.sizes)
                 + " |")
    text = "\n".join(lines) + f"\n\nBest of {args.repeats} runs of {args.weeks} weeks from one start."
    publish("phases-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
