"""The ``cogov`` command line.

Bad input (a scenario file, an override, an argument) prints one line, ``error: ...``, that
names the file, the key and what is allowed, and exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cogov_sim.errors import CoGovInputError

SUMMARY = (
    ("participation_rate", "{:.1%}"), ("participation_gap_age", "{:+.1%}"), ("online_gap_age", "{:+.1%}"),
    ("mean_trust", "{:.3f}"), ("resolution_rate", "{:.1%}"), ("satisfaction", "{:.1%}"),
    ("responsiveness", "{:.3f}"), ("backlog", "{:.0f}"), ("unreported_issues", "{:.0f}"),
    ("awareness", "{:.1%}"), ("volunteer_rate", "{:.1%}"), ("privacy_concern", "{:.3f}"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2
        self.exit(2, f"error: {self.prog}: {message}\n")


def resolve_scenario_path(name: str) -> Path:
    """A scenario given as a path, or as a name in ./scenarios/ (``baseline`` or ``pilots/random``)."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (Path("scenarios") / name, Path("scenarios") / f"{name}.toml"):
        if candidate.is_file():
            return candidate
    raise CoGovInputError("scenario file not found; allowed: a path to a .toml file or a name in scenarios/",
                          source=name)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    from cogov_sim.scenario import parse_override

    values: dict[str, object] = dict(parse_override(s) for s in args.set or [])
    if getattr(args, "seed", None) is not None:
        values["run.seed"] = args.seed
    if getattr(args, "steps", None) is not None:
        values["run.steps"] = args.steps
    return values


def cmd_run(args: argparse.Namespace) -> int:
    from cogov_sim.runner import run_scenario
    from cogov_sim.scenario import load_scenario

    path = resolve_scenario_path(args.scenario)
    scenario = load_scenario(path, _overrides(args))
    out = Path(args.out) if args.out else None
    result = run_scenario(scenario, out_dir=out, progress=not args.quiet, argv=sys.argv)
    ts = result.timeseries
    first = ts.head(13)
    last = ts.tail(13)
    print(f"{scenario.name}: {scenario.population.residents:,} residents, {scenario.space.communities} communities, "
          f"{len(ts)} weeks, seed {scenario.run.seed}, model time {result.manifest['model_time_s']:.2f} s")
    print(f"{'outcome':28s} {'first 13 weeks':>15s} {'last 13 weeks':>15s}")
    for name, fmt in SUMMARY:
        print(f"{name:28s} {fmt.format(first[name].mean()):>15s} {fmt.format(last[name].mean()):>15s}")
    print(f"{'breaches (total)':28s} {'':>15s} {ts['breaches'].sum():>15.0f}")
    print(f"{'spend (million CNY, total)':28s} {'':>15s} {ts['spend'].sum() / 1e6:>15.2f}")
    print(f"results: {result.out_dir}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from cogov_sim.scenario import parameter_specs

    for key, spec in parameter_specs().items():
        if args.levers and not spec.lever:
            continue
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        print(f"{key} = {default!r}  [{spec.unit}] {spec.describe_allowed()}. {spec.doc} Source: {spec.source}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cogov", description="Agent-based simulation of grassroots co-governance (Fang 2024).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", help="run one scenario and write its results")
    p.add_argument("scenario", help="scenario file, or a name in scenarios/ (e.g. baseline)")
    p.add_argument("--out", help="folder for the results (default results/<scenario>/<run id>/)")
    p.add_argument("--seed", type=int, help="root seed (overrides run.seed)")
    p.add_argument("--steps", type=int, help="weeks to run (overrides run.steps)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter, e.g. "
                   "population.residents=50000 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("params", help="list every parameter with its default, unit, range and source")
    p.add_argument("--levers", action="store_true", help="only the policy levers")
    p.set_defaults(func=cmd_params)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CoGovInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
