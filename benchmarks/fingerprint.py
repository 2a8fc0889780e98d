"""Fingerprint of every shipped scenario: a hash of its outcome tables and final resident state.

An optimisation or a move of code must leave every fingerprint unchanged:

    python benchmarks/fingerprint.py > before.txt
    ... change ...
    python benchmarks/fingerprint.py | diff before.txt -

Each scenario is run at its own size and horizon (or ``--steps`` weeks) under ``--seed``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path

import numpy as np

from cogov_sim import CoGovModel, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(model: CoGovModel) -> str:
    """SHA-256 over the overall and per-community outcome series and every resident array."""
    h = hashlib.sha256()
    for table in (model.timeseries(), model.community_timeseries()):
        for name in sorted(table):
            h.update(name.encode())
            h.update(np.ascontiguousarray(table[name]).tobytes())
    for f in dataclasses.fields(model.residents):
        h.update(f.name.encode())
        h.update(np.ascontiguousarray(getattr(model.residents, f.name)).tobytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None, help="weeks per scenario (default: its own horizon)")
    ap.add_argument("--seed", type=int, default=11, help="root seed (default 11)")
    ap.add_argument("files", nargs="*", help="scenario files (default: every file under the shipped scenarios)")
    args = ap.parse_args(argv)
    files = [Path(f) for f in args.files] or sorted((ROOT / "scenarios").rglob("*.toml"))
    for path in files:
        overrides = {"run.seed": args.seed} | ({"run.steps": args.steps} if args.steps else {})
        scenario = load_scenario(path, overrides)
        model = CoGovModel(scenario)
        model.run()
        print(f"{fingerprint(model)}  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
