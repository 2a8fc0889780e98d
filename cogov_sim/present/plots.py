"""Figures for people: the dashboard of a run's main outcomes over time, and the chart of a
sensitivity analysis.

Uses matplotlib's non-interactive Agg backend; labels come from the one definition of each
outcome in :mod:`cogov_sim.model.outcomes`, in English or Chinese.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from cogov_sim.analysis.sensitivity import Sensitivity  # noqa: E402
from cogov_sim.model.outcomes import OUTCOME_BY_NAME  # noqa: E402
from cogov_sim.model.scenario import Scenario  # noqa: E402

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "AR PL UMing CN", "Droid Sans Fallback")


def _bundled_cjk_files() -> list[str]:
    """Noto Sans CJK SC as shipped by the ``mplfonts`` dependency (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return [str(p) for p in sorted(folder.glob("NotoSansCJKsc-Regular.*"))]


_REGISTERED = False


def cjk_font() -> str | None:
    """The name of a font with Chinese glyphs: the bundled Noto Sans CJK SC (registered with
    matplotlib on first use), else the first installed one from :data:`CJK_FONTS`."""
    global _REGISTERED
    if not _REGISTERED:
        for path in _bundled_cjk_files():
            font_manager.fontManager.addfont(path)
        _REGISTERED = True
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def font_rc(lang: str) -> dict:
    """matplotlib settings for text in ``lang``: a CJK font first for Chinese; for English,
    matplotlib's own font first and a CJK font behind it, so that Chinese in English figures (a
    scenario's name, a community's) is drawn rather than boxes."""
    font = cjk_font()
    if font is None:
        return {}
    if lang == "zh":
        return {"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False}
    return {"font.family": ["DejaVu Sans", font]}


def label(name: str, lang: str = "en") -> str:
    o = OUTCOME_BY_NAME.get(name)
    if o is None:
        return name
    return o.label_zh if lang == "zh" else o.label_en


def smooth(y: pd.Series | np.ndarray, weeks: int = 4) -> np.ndarray:
    """A trailing moving average that skips weeks with no value (NaN)."""
    s = pd.Series(np.asarray(y, dtype=float))
    return s.rolling(weeks, min_periods=1).mean().to_numpy()


#: The dashboard's panels: (title, outcomes, how drawn, unit of the y axis). Shares are drawn in
#: per cent, as ``cogov run`` prints them; scores 0-1 as they are.
PANELS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("Participation by channel", ("participation_online", "participation_hotline", "participation_offline"), "stack",
     "percent_residents"),
    ("Participation and awareness by age", ("participation_young", "participation_middle", "participation_older",
                                            "awareness"), "line", "percent_residents"),
    ("Trust, efficacy and responsiveness", ("mean_trust", "mean_efficacy", "privacy_concern", "responsiveness"), "line",
     "score"),
    ("Handling", ("resolution_rate", "reported_resolution_rate", "satisfaction"), "line", "percent_cases"),
    ("Open issues", ("backlog", "unreported_issues"), "line", "issues"),
    ("Money and data", ("cumulative_spend",), "spend", "million_cny"),
)
PANEL_TITLES_ZH = {"Participation by channel": "各渠道参与率", "Participation and awareness by age": "各年龄段参与率与知晓率",
                   "Trust, efficacy and responsiveness": "信任、效能感与回应性", "Handling": "诉求办理",
                   "Open issues": "未结问题", "Money and data": "投入与数据安全"}
#: The y axis of each kind of panel, in English and Chinese.
AXES = {"percent_residents": ("% of residents", "占居民比例（%）"),
        "percent_cases": ("% of issues ended / cases closed", "占已结问题 / 已办结诉求比例（%）"),
        "score": ("score, 0 to 1", "得分（0-1）"), "issues": ("open issues", "未结问题（件）"),
        "million_cny": ("cumulative spend, million CNY", "累计支出（百万元）")}
#: Names of scheduled events on the dashboard when they have no label of their own.
EVENT_NAMES = {"issue_surge": ("Issue surge", "问题激增"), "budget_cut": ("Budget cut", "预算削减"),
               "data_breach": ("Data breach", "数据泄露"), "intervention": ("Levers change", "政策调整"),
               "pilot": ("pilot starts", "试点开始")}
#: Units of levers in Chinese, where they are words (the rest are symbols: shares, 0-1).
UNIT_ZH = {"CNY/resident/year": "元/人/年", "workers/1000 residents": "人/千名居民", "0-1": "0-1", "-": ""}
#: Dashboard width when none is asked for, pixels (at :data:`DPI`).
DASHBOARD_WIDTH = 1800
DPI = 120


def events(scenario: Scenario, lang: str = "en") -> list[tuple[int, str]]:
    """The scheduled events of a scenario as (week, what) for the dashboard's markers: each
    intervention, shock and pilot start. In English by its own label (else by what it is); in
    Chinese by what it is, since labels in scenario files are free text in any language."""
    if lang == "zh":
        out = [(max(iv.step, 1), EVENT_NAMES["intervention"][1]) for iv in scenario.interventions]
        out += [(sh.step, EVENT_NAMES[sh.kind][1]) for sh in scenario.shocks]
        out += [(pl.start, EVENT_NAMES["pilot"][1]) for pl in scenario.pilots]
    else:
        out = [(max(iv.step, 1), iv.label or EVENT_NAMES["intervention"][0]) for iv in scenario.interventions]
        out += [(sh.step, sh.label or EVENT_NAMES[sh.kind][0]) for sh in scenario.shocks]
        out += [(pl.start, f"{pl.label}: {EVENT_NAMES['pilot'][0]}") for pl in scenario.pilots]
    return sorted(out)


def dashboard(ts: pd.DataFrame, *, title: str = "", lang: str = "en", events: list[tuple[int, str]] = (),
              width: int = DASHBOARD_WIDTH) -> plt.Figure:
    """A 2 x 3 figure of the main outcomes over time, for a slide: ``width`` pixels wide at
    :data:`DPI`, every y axis with its unit (shares in per cent), ``events`` (week, what) marked
    on every panel and named on the first."""
    from matplotlib.ticker import PercentFormatter

    zh = lang == "zh"
    scale = width / DASHBOARD_WIDTH
    with plt.rc_context({**font_rc(lang), "font.size": 10 * scale}):
        inches = width / DPI
        fig, axes = plt.subplots(2, 3, figsize=(inches, inches * 0.56), constrained_layout=True)
        weeks = ts["step"].to_numpy()
        for ax, (panel, cols, kind, unit) in zip(axes.flat, PANELS, strict=True):
            percent = unit.startswith("percent")
            factor = 100.0 if percent else 1.0
            if kind == "stack":
                ax.stackplot(weeks, *[factor * ts[c].to_numpy() for c in cols], labels=[label(c, lang) for c in cols],
                             alpha=0.85)
                stacked = max(5.0, factor * float(ts[list(cols)].sum(axis=1).max()) * 1.3)
                ax.set_ylim(0, min(100.0, stacked) if percent else stacked)
            elif kind == "spend":
                ax.plot(weeks, ts["cumulative_spend"] / 1e6, color="tab:green", label=label("cumulative_spend", lang))
                ax2 = ax.twinx()
                ax2.bar(weeks, ts["breaches"], color="tab:red", alpha=0.6, label=label("breaches", lang))
                ax2.set_ylim(0, max(3, float(ts["breaches"].max()) * 2))
                ax2.set_ylabel("泄露（社区数据库个数/周）" if zh else "breaches (community stores/week)")
            else:
                for c in cols:
                    y = smooth(ts[c]) if c in ("resolution_rate", "reported_resolution_rate", "satisfaction") \
                        else ts[c].to_numpy()
                    ax.plot(weeks, factor * y, label=label(c, lang), linestyle="--" if c == "awareness" else "-")
                top = float(np.nanmax(factor * ts[list(cols)].to_numpy())) if len(ts) else 0.0
                if percent:  # head room above the data for the legend, within 0-100%
                    ax.set_ylim(0, min(100.0, max(10.0, 1.45 * top)))
                elif unit == "score":
                    ax.set_ylim(0, 1)
                else:
                    ax.set_ylim(0, max(1.0, 1.45 * top))
            if percent:
                ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=0))
            ax.set_ylabel(AXES[unit][1 if zh else 0])
            for week, _ in events:
                ax.axvline(week, color="0.3", linestyle=":", linewidth=1.2)
            if events:  # named along the top edge, outside the data
                top_axis = ax.secondary_xaxis("top")
                top_axis.set_xticks([w for w, _ in events], [what for _, what in events], fontsize=8 * scale,
                                    color="0.25")
            handles, labels = ax.get_legend_handles_labels()
            if kind == "spend":
                h2, l2 = ax2.get_legend_handles_labels()
                handles, labels = handles + h2, labels + l2
            # legends above the data (head room kept by the limits), never over the lines
            ax.legend(handles, labels, loc="best", fontsize=8.5 * scale, ncol=2, framealpha=0.85)
            ax.set_title(PANEL_TITLES_ZH[panel] if zh else panel)
            ax.set_xlabel("周" if zh else "week")
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title, fontsize=15 * scale)
    return fig


def write_figures(ts: pd.DataFrame, scenario: Scenario, folder: Path, *, lang: str = "en",
                  width: int = DASHBOARD_WIDTH) -> None:
    """The figures of one run (``dashboard.png``, ``width`` pixels wide) into ``folder``, for
    ``cogov run``: titled with the scenario's display name in ``lang``, its events marked."""
    fig = dashboard(ts, title=scenario.scenario.display(lang), lang=lang, events=events(scenario, lang), width=width)
    fig.savefig(folder / "dashboard.png", dpi=DPI)
    plt.close(fig)


def _draw_indices(ax, result: Sensitivity, t, lang: str, *, legend: bool = True) -> None:
    """The bars of one sensitivity table ``t`` (its rows bottom to top) on ``ax``."""
    y = np.arange(len(t))
    if result.method == "sobol":
        ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1 (first order)" if lang == "en" else "一阶指数 S1")
        ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST (total)" if lang == "en" else "总效应指数 ST")
        ax.set_xlabel("Sobol index" if lang == "en" else "Sobol 指数")
    elif result.method == "morris":
        strong = t["influential"].to_numpy(bool) if "influential" in t else np.zeros(len(t), bool)
        ax.barh(y, t["mu_star"], 0.6, xerr=t["mu_star_conf"], color=np.where(strong, "#1f4e79", "#9ecae1"),
                label="mu* (dark: influential)" if lang == "en" else "mu*（深色：有影响）")
        ax.plot(t["sigma"], y, "ko", ms=4, label="sigma")
        ax.set_xlabel(f"elementary effect on {result.outcome}" if lang == "en" else f"基本效应: {result.outcome}")
    else:
        ax.barh(y, t["explained"], 0.6)
        ax.set_xlabel("share of variance explained alone" if lang == "en" else "单因素解释的方差比例")
    if legend and result.method in ("sobol", "morris"):
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(y, t["factor"])


def sensitivity_chart(result: Sensitivity, lang: str = "en", top: int = 30) -> plt.Figure:
    """A bar chart of the indices (Sobol S1 and ST, Morris mu* with sigma, or explained shares),
    the ``top`` strongest factors; for a replication analysis, :func:`replications_chart`."""
    if lang == "zh":
        cjk_font()
    if result.method == "replications":
        return replications_chart(result, lang)
    t = result.table.iloc[:top].iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.6))
    _draw_indices(ax, result, t, lang)
    more = len(result.table) - len(t)
    ax.set_title(result.outcome + (f" (strongest {len(t)} of {len(result.table)} factors)" if more > 0 else ""))
    fig.tight_layout()
    return fig


def sensitivity_panels(results: list[Sensitivity], lang: str = "en", top: int = 12) -> plt.Figure:
    """The charts of several outcomes of one design side by side, two to a row, each with its
    ``top`` strongest factors, so that which factors matter for which outcome reads at a glance."""
    if lang == "zh":
        cjk_font()
    cols = 2 if len(results) > 1 else 1
    rows = -(-len(results) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 0.32 * top * rows + 1.4 * rows), squeeze=False)
    for i, (ax, result) in enumerate(zip(axes.flat, results, strict=False)):
        t = result.table.iloc[:top].iloc[::-1]
        _draw_indices(ax, result, t, lang, legend=i == 0)
        ax.tick_params(axis="y", labelsize=8)
        more = len(result.table) - len(t)
        ax.set_title(result.outcome + (f" (strongest {len(t)} of {len(result.table)})" if more > 0 else ""), fontsize=10)
    for ax in list(axes.flat)[len(results):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def write_sensitivity_panels(results: list[Sensitivity], path: Path) -> None:
    """:func:`sensitivity_panels` as a PNG file (for ``cogov sensitivity`` with several outcomes)."""
    fig = sensitivity_panels(results)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def replications_chart(result: Sensitivity, lang: str = "en", points: int = 8) -> plt.Figure:
    """The coefficient of variation over the first n replications against n (left) and the 95%
    interval of the mean relative to the mean (right), one line per design point (the first
    ``points``); the band is the criterion around each point's final value, the marker where its
    replications become enough."""
    from cogov_sim.analysis.sensitivity import CV_CRITERION

    curves, table = result.second_order, result.table.set_index("point")
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for i, (point, c) in enumerate(curves.groupby("point")):
        if i >= points:
            break
        factors = [k for k in table.columns if k not in ("replications", "mean", "cv", "needed", "half_width_at_needed",
                                                          "half_width_at_all")]
        name = ", ".join(f"{k.split('.')[-1]} = {table.loc[point, k]}" for k in factors[:3])
        line, = a.plot(c["n"], c["cv"], lw=1.2, label=name or f"point {point}")
        final = float(c["cv"].iloc[-1])
        a.fill_between(c["n"], final * (1 - CV_CRITERION), final * (1 + CV_CRITERION), color=line.get_color(),
                       alpha=0.12, lw=0)
        need = table.loc[point, "needed"]
        if need == need and need is not None:
            a.plot([need], c.loc[c["n"] == need, "cv"], "o", color=line.get_color())
        b.plot(c["n"], c["half_width"], lw=1.2, color=line.get_color())
    zh = lang == "zh"
    a.set_xlabel("重复次数 n" if zh else "replications n")
    a.set_ylabel("变异系数" if zh else "coefficient of variation")
    a.set_title(("变异系数的稳定（Lee 等 2015）" if zh else "CV over the first n replications (Lee et al. 2015)"),
                fontsize=9)
    a.legend(fontsize=7)
    b.set_xlabel("重复次数 n" if zh else "replications n")
    b.set_ylabel("均值95%区间半宽 / 均值" if zh else "95% half-width of the mean / mean")
    b.set_yscale("log")
    fig.suptitle(result.outcome)
    fig.tight_layout()
    return fig

def write_sensitivity_chart(result: Sensitivity, path: Path) -> None:
    """The chart of a sensitivity result as a PNG file (for ``cogov sensitivity``)."""
    fig = sensitivity_chart(result)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def calibration_figures(folder: Path, *, pairs: int = 6) -> list[Path]:
    """The figures of a calibration in ``folder`` (``cogov calibrate``): ``marginals.png``, the
    weighted posterior of every calibrated parameter over its prior range (the prior is flat
    across each panel; parameters the patterns pin down first), and ``pairs.png``, the joint
    posterior of the ``pairs`` best-identified parameters (colour: weight)."""
    import json

    from cogov_sim.experiments.tables import read_table
    from cogov_sim.model.parameters import PARAMETERS

    post = read_table(folder / "posterior.parquet")
    ident = pd.read_csv(folder / "identifiability.csv")
    priors = json.loads((folder / "calibration.json").read_text())["priors"]
    keys = list(ident["parameter"])
    w = post["weight"].to_numpy(float)
    cols = 6
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.2 * rows), squeeze=False)
    for ax, (_, row) in zip(axes.flat, ident.iterrows(), strict=False):
        k = row["parameter"]
        lo, hi = priors[k]
        ax.hist(post[k], bins=16, range=(lo, hi), weights=w, color="#4c72b0", density=True)
        ax.axhline(1.0 / (hi - lo), color="0.4", lw=1, ls="--")
        ax.axvline(row["median"], color="#c44e52", lw=1.5)
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        unit = PARAMETERS[k].unit
        ax.set_title(f"{k}\n[{unit}]  width {row['width_share']:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle("Posterior marginals (bars), flat prior (dashed), median (red); width: posterior 90% interval "
                 "over the prior's", fontsize=10)
    fig.tight_layout()
    written = [folder / "marginals.png"]
    fig.savefig(written[0], dpi=100)
    plt.close(fig)
    top = keys[:min(pairs, len(keys))]
    n = len(top)
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n, 2.2 * n), squeeze=False)
    for i, a in enumerate(top):
        for j, b in enumerate(top):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[a], bins=16, range=tuple(priors[a]), weights=w, color="#4c72b0")
                ax.set_xlim(*priors[a])
            elif i > j:
                ax.scatter(post[b], post[a], c=w, s=6, cmap="viridis")
                ax.set_xlim(*priors[b])
                ax.set_ylim(*priors[a])
            else:
                ax.axis("off")
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle("Joint posterior of the best-identified parameters (colour: weight)", fontsize=10)
    fig.tight_layout()
    written.append(folder / "pairs.png")
    fig.savefig(written[1], dpi=100)
    plt.close(fig)
    return written


def screening_figure(folder: Path) -> Path:
    """``effects.png`` of a screening in ``folder`` (``cogov screen``): mu*, each parameter's mean
    absolute elementary effect on each pattern in units of the pattern's tolerance over the
    parameter's plausible range, as a heat map on a log scale from 0.01 to 100 tolerances
    (parameters by their strongest effect on a pattern; held-out patterns marked); cells whose
    interval's lower end passes the influence threshold outlined."""
    import json

    effects = pd.read_csv(folder / "effects.csv")
    reach = pd.read_csv(folder / "reach.csv")
    summary = json.loads((folder / "screening.json").read_text())
    mu = effects.pivot(index="parameter", columns="pattern", values="mu_star")
    low = effects.assign(low=effects["mu_star"] - effects["mu_star_conf"]).pivot(index="parameter", columns="pattern",
                                                                                values="low")
    cols = [c for c in reach["pattern"] if c in mu.columns] + (["distance"] if "distance" in mu.columns else [])
    patterns = [c for c in cols if c != "distance"]
    order = mu[patterns].max(axis=1).sort_values(ascending=False).index
    mu, low = mu.loc[order, cols], low.loc[order, cols]
    held = set(reach.loc[reach["held_out"], "pattern"])
    fig, ax = plt.subplots(figsize=(3.0 + 0.55 * len(cols), 3.0 + 0.22 * len(order)), layout="constrained")
    shown = np.log10(np.clip(mu.to_numpy(float), 1e-2, None))
    im = ax.imshow(shown, aspect="auto", cmap="magma_r", vmin=-2, vmax=2)  # beyond 100 tolerances: the darkest
    threshold = summary["influence_threshold"]
    for i, j in zip(*np.nonzero(low.to_numpy(float) >= threshold), strict=True):
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#1f77b4", lw=1.2))
    ax.set_xticks(range(len(cols)), [c + (" (held out)" if c in held else "") for c in cols], rotation=60,
                  ha="right", fontsize=7)
    ax.set_yticks(range(len(order)), list(order), fontsize=7)
    bar = fig.colorbar(im, ax=ax, shrink=0.6, extend="max")
    bar.set_label("mu* (tolerances per plausible range), log10", fontsize=8)
    ax.set_title(f"Morris screening: {summary['points']} points; outlined: lower 95% bound >= {threshold:g}",
                 fontsize=9)
    path = folder / "effects.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
