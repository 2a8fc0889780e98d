"""What stepping replications together could gain: the cost of a week per replication when B
replications of the calibration size are one model.

Batched replications (issue: many runs fast) would step B replications of 2,000 residents as one
state: B x 12 communities, one network without ties between replications, the institutions of
each replication deciding for their own communities. This measures the bound of that design
with the model as it is: the default scenario with ``B x 2,000`` residents in ``B x 12``
communities (its ties across communities join the stand-in replications, which costs the same
as ties inside them), whose week divided by B is what a batched week would cost per replication
if nothing but the residents grew with B (*bound*). The phases that act per jurisdiction (the
government's and the institutions' decisions) would stay per replication unless they were
vectorised too; the *with institutions per replication* column adds back (B - 1) / B of their
cost at B = 1, so that one replication's institutions are counted once, as in the bound.

From those, the table projects a calibration-size run (2,000 residents, 104 recorded weeks): with
its own burn-in (the mean number of burn-in weeks of the default scenario at 2,000 residents over
``--seeds`` seeds, as in a calibration where every run has its own parameters; a burn-in week
costs a week without ``measure``, which burn-in weeks skip), and after a shared start (104 weeks,
as in a policy sweep). Replications stepped in lock-step would burn in until the last of them is
stationary, so the mean burn-in makes the first projection a lower bound too. Building the
network and residents is left out of both. The target of 30 ms a run is the issue's.
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


def week_cost(batch: int, weeks: int, repeats: int) -> tuple[float, float, float]:
    """Best wall time of a week (s) of ``batch`` replications as one model, and the time (s a
    week) of its per-jurisdiction phases and of ``measure`` in that run."""
    total, spent = measure(RESIDENTS * batch, weeks, repeats, {"space.communities": COMMUNITIES * batch})
    return (total / weeks, sum(spent.get(p, 0.0) for p in PER_JURISDICTION) / weeks,
            spent.get("measure", 0.0) / weeks)


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
    costs = {}
    for b in sorted({1, *args.batches}):  # B = 1 gives the per-jurisdiction cost the others add back
        print(f"B = {b} ...", file=sys.stderr, flush=True)
        costs[b] = week_cost(b, args.weeks, args.repeats)
    institutions = costs[1][1]
    lines = ["| replications stepped together (B) | residents | week (ms) | per replication: bound (us/week) "
             "| with institutions per replication (us/week) | ns per resident-step | calibration run, own burn-in "
             "(ms) | sweep run, shared start (ms) | target (ms) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for b in args.batches:
        week, _, recording = costs[b]
        bound = week / b
        per_rep = bound + institutions * (b - 1) / b
        burn_week = per_rep - recording / b  # burn-in weeks are not measured
        lines.append(f"| {b} | {RESIDENTS * b:,} | {week * 1e3:.2f} | {bound * 1e6:,.0f} | {per_rep * 1e6:,.0f} "
                     f"| {week / (RESIDENTS * b) * 1e9:.0f} | {(burn_week * burn + per_rep * RECORDED) * 1e3:,.0f} "
                     f"| {per_rep * RECORDED * 1e3:,.0f} | {TARGET_MS:.0f} |")
    text = "\n".join(lines) + (
        f"\n\nEach replication {RESIDENTS:,} residents in {COMMUNITIES} communities; best of {args.repeats} runs of "
        f"{args.weeks} weeks from one start. The per-jurisdiction phases cost {institutions * 1e6:,.0f} us a week "
        f"at B = 1. A calibration run: {RECORDED} weeks after a burn-in of {burn:.0f} weeks (the mean over "
        f"{args.seeds} seeds at {RESIDENTS:,} residents; a burn-in week is a week without its measurement); a sweep "
        f"run: {RECORDED} weeks. Building the network and residents is left out of both projections.")
    publish("batching-table", text, write=not args.no_write)


if __name__ == "__main__":
    main()
