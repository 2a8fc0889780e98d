"""What stepping replications together could gain: the cost of a week per replication when B
replications of the calibration size are one model.

Batched replications (issue: many runs fast) would step B replications of 2,000 residents as one
state: B x 12 communities, one network without ties between replications, the institutions of
each replication deciding for their own communities. Before building that, this measures its
bound with the model as it is: the default scenario with ``B x 2,000`` residents in ``B x 12``
communities, whose week divided by B is what a batched week would cost per replication if
nothing but the residents grew with B (*bound*). What would stay per replication unless the
institutions were vectorised too (the phases of the government and the institutions' decisions,
measured at B = 1) is added for the *with institutions per replication* column.

From those, the table projects a calibration-size run (2,000 residents, 104 recorded weeks): with
its own burn-in (the mean number of burn-in weeks of the default scenario at 2,000 residents over
``--seeds`` seeds, as in a calibration where every run has its own parameters), and after a
shared start (104 weeks, as in a policy sweep). The target of 30 ms a run is the issue's.
The table is printed and written into benchmarks/README.md between the markers.
Run: ``python benchmarks/bench_batching.py [--batches 1 2 5 10 25 50] [--no-write]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402
from bench_phases import measure  # noqa: E402

#: One replication of the calibration size.
RESIDENTS, COMMUNITIES, RECORDED = 2000, 12, 104
#: The phases that act per jurisdiction rather than per resident (their cost does not shrink by
#: batching unless the institutions of all replications decide in one array operation).
PER_JURISDICTION = ("apply_schedule", "gov.fund", "_effective_levers", "gov.develop_capacity",
                    "institutions_decide", "gov.track_need")
TARGET_MS = 30.0


def week_cost(batch: int, weeks: int, repeats: int) -> tuple[float, float]:
    """Best wall time of a week (s) of ``batch`` replications as one model, and the time of its
    per-jurisdiction phases (s a week)."""
    total, spent = measure(RESIDENTS * batch, weeks, repeats, {"space.communities": COMMUNITIES * batch})
    return total / weeks, sum(spent.get(p, 0.0) for p in PER_JURISDICTION) / weeks


def burn_in_weeks(seeds: int) -> float:
    """Mean burn-in of the default scenario at the calibration size over ``seeds`` seeds, weeks."""
    from cogov_sim import CoGovModel, Scenario

    weeks = [CoGovModel(Scenario().with_values({"population.residents": RESIDENTS, "run.seed": s})).burn_in_weeks
             for s in range(1, seeds + 1)]
    return sum(weeks) / len(weeks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 2, 5, 10, 25, 50])
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5, help="seeds for the mean burn-in at 2,000 residents")
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    burn = burn_in_weeks(args.seeds)
    _, institutions = week_cost(1, args.weeks, args.repeats)
    lines = ["| replications stepped together (B) | residents | week (ms) | per replication: bound (us/week) "
             "| with institutions per replication (us/week) | ns per resident-step | calibration run, own burn-in "
             "(ms) | sweep run, shared start (ms) | target (ms) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for b in args.batches:
        print(f"B = {b} ...", file=sys.stderr, flush=True)
        week, _ = week_cost(b, args.weeks, args.repeats)
        bound = week / b
        per_rep = bound + institutions * (b - 1) / b
        lines.append(f"| {b} | {RESIDENTS * b:,} | {week * 1e3:.2f} | {bound * 1e6:,.0f} | {per_rep * 1e6:,.0f} "
                     f"| {week / (RESIDENTS * b) * 1e9:.0f} | {per_rep * (burn + RECORDED) * 1e3:,.0f} "
                     f"| {per_rep * RECORDED * 1e3:,.0f} | {TARGET_MS:.0f} |")
    text = "\n".join(lines) + (
        f"\n\nEach replication {RESIDENTS:,} residents in {COMMUNITIES} communities; best of {args.repeats} runs of "
        f"{args.weeks} weeks from one start. The per-jurisdiction phases cost {institutions * 1e6:,.0f} us a week "
        f"at B = 1. A calibration run: {RECORDED} weeks after a burn-in of {burn:.0f} weeks (the mean over "
        f"{args.seeds} seeds at {RESIDENTS:,} residents); a sweep run: {RECORDED} weeks. Building the network "
        "and residents is left out of both projections.")
    publish("batching-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
