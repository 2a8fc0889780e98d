"""Why the calibration's sampler moves its particles instead of weighting them.

A test problem of the calibration's shape: 26 parameters with uniform priors on [0, 1], 13
summary statistics that saturate (``tanh`` of sparse linear combinations, four parameters strong,
the rest weak or absent) with a little noise, and the calibration's distance (root of summed
squares in units of a tolerance of 0.15). Two samplers, 200 particles each, from the same
prior:

* *importance weights*: pyabc 0.13's ABC-SMC with its default kernel (Silverman's rule) on the
  parameters' own scale (if pyabc is installed: ``pip install pyabc``; it is not a dependency);
* *MCMC moves*: ``cogov_sim.validation.abcsmc`` (Del Moral et al. 2012), the sampler of
  ``cogov calibrate``.

Each row is a population: its tolerance, the effective sample size of its weights (Kish) and,
for the moving sampler, its distinct particles. Prints the table and writes it into
benchmarks/README.md. Run: ``python benchmarks/abc_samplers.py [--populations 8] [--no-write]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_model import publish  # noqa: E402

DIM, STATS, TOL, PARTICLES = 26, 13, 0.15, 200


def problem(seed: int = 1):
    """The loadings, the true point and the observed statistics."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(STATS, DIM)) * (rng.random((STATS, DIM)) < 0.3)
    a[:, :4] += rng.normal(size=(STATS, 4)) * 2
    truth = rng.random(DIM)
    return a, truth, np.tanh(a @ (truth - 0.5))


def ours(populations: int) -> list[tuple[int, float, float, int]]:
    from cogov_sim.validation.abcsmc import Sampler, sampler_rng

    a, _, obs = problem()
    noise = np.random.default_rng(7)

    def simulate(x, tick=None):
        y = np.tanh((x - 0.5) @ a.T) + noise.normal(0, 0.03, (len(x), STATS))
        return np.sqrt((((y - obs) / TOL) ** 2).sum(axis=1)), y

    s = Sampler(simulate, np.zeros(DIM), np.ones(DIM), PARTICLES, sampler_rng(3))
    pop = s.start()
    rows = [(0, float("nan"), float(PARTICLES), PARTICLES)]
    for _ in range(populations - 1):
        pop = s.step(pop)
        rows.append((pop.t, pop.epsilon, float(pop.info["survivors"]), pop.info["distinct"]))
    return rows


def pyabc_rows(populations: int) -> list[tuple[int, float, float, int]] | None:
    try:
        import pyabc
    except ImportError:
        return None
    logging.getLogger("ABC").setLevel(logging.ERROR)
    a, _, obs = problem()

    def model(p):
        x = np.array([p[f"p{i}"] for i in range(DIM)])
        y = np.tanh(a @ (x - 0.5)) + np.random.normal(0, 0.03, STATS)  # noqa: NPY002 - pyabc's own generator
        return {f"s{k}": y[k] for k in range(STATS)}

    def dist(x, y):
        return float(np.sqrt(sum(((x[f"s{k}"] - y[f"s{k}"]) / TOL) ** 2 for k in range(STATS))))

    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", 0, 1) for i in range(DIM)})
    np.random.seed(3)  # noqa: NPY002
    abc = pyabc.ABCSMC(model, prior, dist, population_size=PARTICLES, sampler=pyabc.sampler.SingleCoreSampler())
    abc.new("sqlite:///" + os.path.join(tempfile.mkdtemp(), "abc.db"), {f"s{k}": obs[k] for k in range(STATS)})
    try:
        abc.run(max_nr_populations=populations)
    except AssertionError:  # "total weight nan is not normalized": the weights collapsed
        pass
    h = abc.history
    pops = h.get_all_populations().set_index("t")
    rows = []
    for t in range(h.max_t + 1):
        _, w = h.get_distribution(t=t)
        rows.append((t, float(pops.loc[t, "epsilon"]), float(1 / np.sum(np.asarray(w) ** 2)), -1))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--populations", type=int, default=8)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    mine = ours(args.populations)
    theirs = pyabc_rows(args.populations)
    lines = ["| population | importance weights (pyabc): tolerance | effective sample size | MCMC moves (cogov): "
             "tolerance | particles kept | distinct particles |",
             "|---:|---:|---:|---:|---:|---:|"]
    for i, (t, eps, kept, distinct) in enumerate(mine):
        if theirs is not None and i < len(theirs):
            p_eps, p_ess = f"{theirs[i][1]:.2f}", f"{theirs[i][2]:.0f}"
        else:
            p_eps = p_ess = "-" if theirs is not None else "(pyabc not installed)"
        lines.append(f"| {t} | {p_eps} | {p_ess} | {'prior' if t == 0 else f'{eps:.2f}'} | {kept:.0f} | {distinct} |")
    lines.append(f"\n{DIM} parameters, {STATS} statistics, {PARTICLES} particles; a dash: pyabc stopped "
                 "(its weights no longer sum to a number).")
    publish("abc-table", "\n".join(lines), write=not args.no_write)


if __name__ == "__main__":
    main()
