"""Sensitivity analysis of a finished sweep.

- A ``sobol`` design gives first-order and total Sobol indices with bootstrap confidence
  intervals (Saltelli et al. 2010, through SALib); second-order indices when the design has them.
- A ``morris`` design gives the elementary effects' mu, mu* and sigma (Morris 1991; Campolongo,
  Cariboni & Saltelli 2007), in outcome units per full range of each factor.
- With ``replications``, any design gives the number of replications its outcome needs: the
  coefficient of variation over the first n replications against n, and the smallest n from
  which it stays within :data:`CV_CRITERION` of its value over all replications (Lee et al.
  2015, JASSS 18(4):4), with the relative half-width of the mean's 95% interval at each n.
- Any other design gives a plain summary: the mean of the outcome at each design point with a
  95% t-interval over replications, and how much of the outcome's variance each factor explains
  on its own (the correlation ratio eta^2 for listed values and factorial grids, the squared
  Spearman rank correlation for sampled ranges).

The outcome at a design point is its mean over successful replications.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogov_sim.analysis.textable import markdown
from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.design import DesignSpec, Factor, salib_problem


@dataclass
class Sensitivity:
    """The result of an analysis: which method, for which outcome, the table, and a note."""

    method: str
    outcome: str
    table: pd.DataFrame
    note: str = ""
    second_order: pd.DataFrame | None = None


def sobol_indices(factors: Sequence[Factor], y: np.ndarray, *, second_order: bool = False, seed: int = 0,
                  resamples: int = 1000) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """First-order (S1) and total (ST) Sobol indices with 95% intervals from outcomes ``y`` in
    the order of :func:`cogov_sim.experiments.design.design_matrix`'s sobol design."""
    from SALib.analyze import sobol

    res = sobol.analyze(salib_problem(factors), np.asarray(y, dtype=np.float64), calc_second_order=second_order,
                        num_resamples=resamples, conf_level=0.95, seed=seed)
    table = pd.DataFrame({"factor": [f.key for f in factors], "S1": res["S1"], "S1_conf": res["S1_conf"],
                          "ST": res["ST"], "ST_conf": res["ST_conf"]})
    s2 = None
    if second_order:
        rows = []
        for i, a in enumerate(factors):
            for j in range(i + 1, len(factors)):
                rows.append({"factor": a.key, "with": factors[j].key, "S2": res["S2"][i, j],
                             "S2_conf": res["S2_conf"][i, j]})
        s2 = pd.DataFrame(rows)
    return table.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True), s2


#: A factor is influential on an outcome when the lower end of the 95% bootstrap interval of its
#: Morris mu* reaches this share of the largest mu* on that outcome. Modelling choice, declared
#: before the screening of every uncertain parameter was run (docs/validation.md section 7):
#: relative to the strongest factor, since the outcomes have different units, and on the
#: interval's lower end, so that an effect within the replications' noise does not count.
INFLUENTIAL_SHARE = 0.1


def influential(table: pd.DataFrame, share: float = INFLUENTIAL_SHARE) -> pd.Series:
    """Which factors of a Morris table (:func:`morris_effects`) are influential: ``mu_star -
    mu_star_conf >= share * max(mu_star)`` (:data:`INFLUENTIAL_SHARE`)."""
    top = float(table["mu_star"].max()) if len(table) else 0.0
    return (table["mu_star"] - table["mu_star_conf"] >= share * top) & (top > 0)


def morris_effects(factors: Sequence[Factor], unit: np.ndarray, y: np.ndarray, *, levels: int = 4,
                   seed: int = 0, resamples: int = 1000) -> pd.DataFrame:
    """Morris elementary effects (mu, mu*, sigma, and the 95% interval of mu*) from the unit-cube
    design ``unit`` and outcomes ``y``, with whether each factor is :func:`influential`."""
    from SALib.analyze import morris

    res = morris.analyze(salib_problem(factors), np.asarray(unit, dtype=np.float64), np.asarray(y, dtype=np.float64),
                         num_resamples=resamples, conf_level=0.95, num_levels=levels, seed=seed)
    table = pd.DataFrame({"factor": [f.key for f in factors], "mu": res["mu"], "mu_star": res["mu_star"],
                          "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
    table["influential"] = influential(table)
    return table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def factor_importance(design: pd.DataFrame, y: pd.Series, factors: Sequence[Factor],
                      grid: bool = False) -> pd.DataFrame:
    """Share of the outcome's variance each factor explains alone, highest first: eta^2 (between-
    level variance over total) for a factor with listed values or on a factorial grid, else
    Spearman's rho^2 (a sampled continuous factor has a different value at every point)."""
    rows = []
    total = float(np.var(y))
    for f in factors:
        x = design[f.key]
        if f.values is not None or grid:
            means = y.groupby(x.astype(str)).transform("mean")
            share = float(np.var(means)) / total if total > 0 else 0.0
            how = "eta^2"
        else:
            rho = pd.Series(x.astype(float).to_numpy()).rank().corr(pd.Series(y.to_numpy()).rank())
            share = float(rho) ** 2 if np.isfinite(rho) else 0.0
            how = "Spearman rho^2"
        rows.append({"factor": f.key, "explained": share, "measure": how, "levels": int(x.nunique())})
    return pd.DataFrame(rows).sort_values("explained", ascending=False, kind="stable").reset_index(drop=True)


def point_summary(results: pd.DataFrame, outcome: str, factors: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% t-interval of ``outcome`` over replications at each design point."""
    from cogov_sim.analysis.stats import mean_ci

    ok = results[results["status"] == "ok"]
    g = ok.groupby("point")[outcome]
    out = ok.groupby("point")[list(factors)].first()
    out["n"] = g.count()
    intervals = g.apply(lambda x: mean_ci(x.to_numpy()))
    out["mean"], out["low"], out["high"] = (intervals.map(lambda v, i=i: float(v[i])) for i in range(3))
    return out.reset_index()


def _factors_from_manifest(manifest: dict[str, Any]) -> tuple[list[Factor], DesignSpec]:
    exp = manifest["experiment"]
    factors = []
    for f in exp["factors"]:
        f = dict(f)
        if "values" in f:
            f["values"] = tuple(f["values"])
        factors.append(Factor(**f))
    return factors, DesignSpec(**exp["design"])


#: How close (relative) the coefficient of variation over the first n replications must stay to
#: its value over all of them for n replications to count as enough (Lee et al. 2015, JASSS
#: 18(4):4, who leave the criterion to the modeller). Modelling choice: a tenth, so that a
#: dispersion read from n replications is within a tenth of the best estimate at hand.
CV_CRITERION = 0.1


def cv_curve(values: Sequence[float]) -> pd.DataFrame:
    """For n = 2..N: the coefficient of variation (sd / |mean|, sd with n - 1) of the first n
    values, in replication order (each replication's seed is fixed, so the order is the
    experiment's), and the half-width of the mean's 95% t-interval relative to |mean|."""
    from cogov_sim.analysis.stats import mean_ci

    v = np.asarray(values, dtype=np.float64)
    rows = []
    for n in range(2, len(v) + 1):
        mean, low, high = (float(a) for a in mean_ci(v[:n]))
        scale = abs(mean) if mean != 0 else float("nan")
        rows.append({"n": n, "mean": mean, "cv": float(np.std(v[:n], ddof=1)) / scale,
                     "half_width": (high - low) / 2 / scale})
    return pd.DataFrame(rows)


def replications_needed(curve: pd.DataFrame, criterion: float = CV_CRITERION) -> int | None:
    """The smallest n from which the coefficient of variation stays within ``criterion``
    (relative) of its value at the largest n; None when the curve is undefined (a mean of 0)."""
    cv = curve["cv"].to_numpy(float)
    if cv.size == 0 or not np.isfinite(cv).all():
        return None
    final = cv[-1]
    ok = np.abs(cv - final) <= criterion * abs(final)
    bad = np.flatnonzero(~ok)
    first = bad[-1] + 1 if bad.size else 0
    return int(curve["n"].iloc[first])


def replication_analysis(results: pd.DataFrame, outcome: str, keys: Sequence[str],
                         criterion: float = CV_CRITERION) -> Sensitivity:
    """The replications ``outcome`` needs at each design point (:func:`cv_curve`,
    :func:`replications_needed`)."""
    ok = results[results["status"] == "ok"].sort_values(["point", "replication"])
    rows, curves = [], []
    for point, g in ok.groupby("point"):
        curve = cv_curve(g[outcome].to_numpy(float))
        if curve.empty:
            continue
        need = replications_needed(curve, criterion)
        at = curve[curve["n"] == need] if need is not None else curve.iloc[0:0]
        rows.append({"point": point, **g[list(keys)].iloc[0].to_dict(), "replications": len(g),
                     "mean": curve["mean"].iloc[-1], "cv": curve["cv"].iloc[-1], "needed": need,
                     "half_width_at_needed": float(at["half_width"].iloc[0]) if len(at) else float("nan"),
                     "half_width_at_all": curve["half_width"].iloc[-1]})
        curves.append(curve.assign(point=point))
    if not rows:
        raise CoGovInputError("no design point has two successful replications; allowed: a sweep with "
                              "replications of at least 2", key="--replications")
    table = pd.DataFrame(rows)
    note = (f"Replications needed for {outcome}: the smallest n from which the coefficient of variation over the "
            f"first n replications stays within {criterion:.0%} of its value over all of them (Lee et al. 2015, "
            "JASSS 18(4):4); half_width is the 95% interval of the mean relative to the mean.")
    return Sensitivity("replications", outcome, table, note, pd.concat(curves, ignore_index=True))


def analyse(out: str | Path, outcome: str | None = None, *, replications: bool = False) -> Sensitivity:
    """Analyse the sweep in folder ``out`` for one kept outcome column (default: the first).

    A folder that cannot be analysed (not a sweep, a damaged part file, no successful run, an
    unfinished Sobol or Morris design) is an input error naming the file."""
    from cogov_sim.experiments.design import design_seed
    from cogov_sim.experiments.sweep import read_design, read_manifest, read_results

    out = Path(out)
    results = read_results(out)
    manifest = read_manifest(out)
    factors, design = _factors_from_manifest(manifest)
    columns = manifest["columns"]["outcomes"]
    outcome = outcome or columns[0]
    if outcome not in columns:
        from cogov_sim.model.scenario import suggest

        raise CoGovInputError(f"'{outcome}' is not an outcome of this sweep{suggest(outcome, columns)}; allowed: "
                              f"{', '.join(columns)}", source=str(out), key="--outcome")
    n_points = int(manifest["design_points"])
    ok = results[results["status"] == "ok"]
    if ok.empty:
        raise CoGovInputError("the sweep has no successful run yet; allowed: a folder with finished runs (see "
                              "`cogov sweep --resume`)", source=str(out))
    if replications:
        return replication_analysis(results, outcome, [f.key for f in factors])
    y = ok.groupby("point")[outcome].mean()
    missing = n_points - int(y.notna().sum())
    seed = design_seed(int(manifest["experiment"]["seed"]))
    if design.kind in ("sobol", "morris"):
        if missing:
            raise CoGovInputError(f"{missing} of {n_points} design points have no successful run with a value of "
                                  f"{outcome}; a {design.kind} analysis needs every point (finish the sweep with "
                                  "--resume)", source=str(out))
        yv = y.reindex(range(n_points)).to_numpy()
        if design.kind == "sobol":
            table, s2 = sobol_indices(factors, yv, second_order=design.second_order, seed=seed)
            note = (f"Sobol indices of {outcome} from {n_points} design points x {manifest['experiment']['replications']}"
                    " replications (mean per point); intervals are 95% bootstrap intervals.")
            return Sensitivity("sobol", outcome, table, note, s2)
        design_df = read_design(out).drop_duplicates("point").sort_values("point")
        unit = design_df[[f"u:{f.key}" for f in factors]].to_numpy()
        table = morris_effects(factors, unit, yv, levels=design.levels, seed=seed)
        note = (f"Morris elementary effects of {outcome} ({design.samples} trajectories); mu* and sigma are in units "
                "of the outcome per full range of the factor; influential: the lower end of mu*'s 95% interval reaches "
                f"{INFLUENTIAL_SHARE:g} of the largest mu* ({int(table['influential'].sum())} of {len(table)}).")
        return Sensitivity("morris", outcome, table, note)
    keys = [f.key for f in factors]
    points = point_summary(results, outcome, keys)
    per_point = ok.groupby("point")[keys].first().join(y.rename(outcome)).dropna()
    table = factor_importance(per_point, per_point[outcome], factors, grid=design.kind == "full_factorial")
    note = (f"{design.kind} design, {n_points} points; 'explained' is the share of the variance of the point means "
            f"of {outcome} that each factor explains on its own.")
    return Sensitivity("summary", outcome, table, note, points)


#: Draws a result's chart into a PNG file (the CLI passes
#: :func:`cogov_sim.present.plots.write_sensitivity_chart`; analysis draws nothing itself).
ChartWriter = Callable[[Sensitivity, Path], None]


def output_paths(result: Sensitivity, folder: Path, *, chart: bool = True) -> list[Path]:
    """Where :func:`write` puts ``result``: ``<method>_<outcome>.csv``, ``.md`` (and ``.png``)."""
    stem = f"{result.method}_{result.outcome}"
    return [folder / f"{stem}.csv", folder / f"{stem}.md"] + ([folder / f"{stem}.png"] if chart else [])


def refuse_overwrite(results: Sequence[Sensitivity], folder: Path, *, chart: bool = True,
                     shared: Path | None = None) -> None:
    """An input error naming the first file an earlier analysis of one of ``results`` left in
    ``folder`` (or ``shared``, a file drawn from all of them), so that several analyses are
    refused before any of them is written."""
    found = [(path, result.outcome) for result in results for path in output_paths(result, folder, chart=chart)]
    if shared is not None:
        found.append((shared, "several outcomes"))
    for path, what in found:
        if path.exists():
            raise CoGovInputError(f"exists, from an earlier analysis of {what}; allowed: --replace to replace it, or "
                                  "another --out", source=str(path), key="--out")


def write(result: Sensitivity, folder: Path, *, chart: ChartWriter | None = None, replace: bool = False) -> list[Path]:
    """Write the table (CSV and Markdown), and the chart when ``chart`` is given, into ``folder``
    as ``<method>_<outcome>.*``; return the paths.

    An earlier analysis of the same outcome there is never overwritten unless ``replace`` says
    so (analyses of other outcomes stay beside it either way). Each file is written under a
    temporary name and renamed into place, so an interrupted write leaves the earlier files."""
    paths = output_paths(result, folder, chart=chart is not None)
    if not replace:
        refuse_overwrite([result], folder, chart=chart is not None)
    folder.mkdir(parents=True, exist_ok=True)
    temps = [path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}") for path in paths]
    try:
        result.table.to_csv(temps[0], index=False)
        text = f"# {result.method}: {result.outcome}\n\n{result.note}\n\n{markdown(result.table)}\n"
        if result.second_order is not None:
            extra = {"sobol": "second-order indices", "replications": "coefficient of variation against replications"}.get(
                result.method, "design points (mean and 95% interval)")
            text += f"\n## {extra}\n\n{markdown(result.second_order)}\n"
        temps[1].write_text(text, encoding="utf-8")
        if chart is not None:
            chart(result, temps[2])
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return paths
