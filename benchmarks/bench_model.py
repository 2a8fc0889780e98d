"""Speed and memory of the model at 10^4, 10^5, 10^6 and 10^7 residents (156 weekly steps).

Each size runs in a fresh process, so its peak memory (maximum resident set size) is its own.
Model time is the time of the 156 steps, after the network, residents and burn-in are built;
build time is reported beside it. The table is printed and written into benchmarks/README.md
between the markers, with the last measurement of any size not measured this time (kept in
benchmarks/model_rows.json; each row says its date). All four sizes take about 35 minutes. Run:
``python benchmarks/bench_model.py [--sizes 10000 100000 1000000 10000000]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

#: Targets per size: model time of the 156 steps (s; at 10^7 build and steps together), time per
#: resident-step (ns), peak memory (MiB).
TARGETS = {10_000: {"seconds": 0.25}, 100_000: {"ns": 100.0, "mib": 1024.0},
           1_000_000: {"ns": 100.0, "mib": 6144.0}, 10_000_000: {"whole_s": 600.0, "mib": 12288.0}}
HERE = Path(__file__).resolve().parent
#: The last measurement of each size, so that one size can be measured again on its own.
ROWS = HERE / "model_rows.json"


def measure(n: int, repeats: int) -> dict:
    """Run in this process: build and run the default scenario with ``n`` residents."""
    import resource

    from cogov_sim import CoGovModel, Scenario

    scenario = Scenario().with_values({"population.residents": n})
    best = float("inf")
    build = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = CoGovModel(scenario)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        best, build = min(best, t2 - t1), min(build, t1 - t0)
        ties = int(model.network.edges.shape[0])
        del model
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"residents": n, "ties": ties, "steps": scenario.run.steps, "model_s": best, "build_s": build,
            "date": time.strftime("%Y-%m-%d"),
            "peak_mib": peak}


def table(rows: list[dict]) -> str:
    lines = ["| residents | ties | build (s) | model time, 156 steps (s) | ns per resident-step | peak memory (MiB) "
             "| target | met | measured |",
             "|---:|---:|---:|---:|---:|---:|:---|:---:|:---|"]
    for r in rows:
        target = TARGETS.get(r["residents"], {})
        per = r["model_s"] / (r["residents"] * r["steps"]) * 1e9
        checks, said = [], []
        if "seconds" in target:
            checks.append(r["model_s"] <= target["seconds"])
            said.append(f"<= {target['seconds']} s")
        if "whole_s" in target:
            checks.append(r["model_s"] + r["build_s"] <= target["whole_s"])
            said.append(f"build + steps <= {target['whole_s']:.0f} s")
        if "ns" in target:
            checks.append(per <= target["ns"])
            said.append(f"<= {target['ns']:.0f} ns")
        if "mib" in target:
            checks.append(r["peak_mib"] <= target["mib"])
            said.append(f"<= {target['mib']:.0f} MiB")
        met = "-" if not checks else "yes" if all(checks) else "NO"
        lines.append(f"| {r['residents']:,} | {r['ties']:,} | {r['build_s']:.2f} | {r['model_s']:.3f} | {per:.0f} | "
                     f"{r['peak_mib']:.0f} | {', '.join(said) or '-'} | {met} | {r.get('date', '-')} |")
    return "\n".join(lines)


def machine() -> str:
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    import numpy

    return (f"{cpu}, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, {time.strftime('%Y-%m-%d')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    ap.add_argument("--repeats", type=int, default=5,
                    help="runs per size (the best time is kept, as timings on a shared machine vary by some "
                         "tens of per cent from run to run); 2 at 10^5, 1 at 10^6")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-write", action="store_true", help="print only; leave README.md as it is")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.repeats)))
        return
    rows = []
    kept = json.loads(ROWS.read_text(encoding="utf-8")) if ROWS.exists() else []
    for n in args.sizes:
        repeats = 1 if n >= 1_000_000 else 2 if n >= 100_000 else args.repeats
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--repeats", str(repeats)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{n:>9,} residents: model {rows[-1]['model_s']:.3f} s, peak {rows[-1]['peak_mib']:.0f} MiB",
              file=sys.stderr)
    if not args.no_write:  # sizes not measured this time keep their last measurement
        measured = {r["residents"] for r in rows}
        rows = sorted([r for r in kept if r["residents"] not in measured] + rows, key=lambda r: r["residents"])
        ROWS.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    text = table(rows)
    publish("model-table", text, write=not args.no_write)


def publish(marker: str, text: str, *, write: bool = True) -> None:
    """Print a benchmark's table and the machine, and (with ``write``) put both into README.md."""
    print(text)
    print(f"\nMachine: {machine()}")
    if write:
        write_block(marker, text)


def write_block(marker: str, text: str) -> None:
    """Replace what stands between ``<!-- marker -->`` and ``<!-- /marker -->`` in README.md
    with ``text`` and the machine it ran on."""
    readme = HERE / "README.md"
    body = readme.read_text(encoding="utf-8")
    block = f"<!-- {marker} -->\n{text}\n\nMachine: {machine()}\n<!-- /{marker} -->"
    body = re.sub(rf"<!-- {marker} -->.*<!-- /{marker} -->", lambda _: block, body, flags=re.S)
    readme.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
