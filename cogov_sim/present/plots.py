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
    """matplotlib settings for text in ``lang`` (a CJK font first for Chinese)."""
    font = cjk_font() if lang == "zh" else None
    return {"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}


def label(name: str, lang: str = "en") -> str:
    o = OUTCOME_BY_NAME.get(name)
    if o is None:
        return name
    return o.label_zh if lang == "zh" else o.label_en


def smooth(y: pd.Series | np.ndarray, weeks: int = 4) -> np.ndarray:
    """A trailing moving average that skips weeks with no value (NaN)."""
    s = pd.Series(np.asarray(y, dtype=float))
    return s.rolling(weeks, min_periods=1).mean().to_numpy()


PANELS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Participation by channel", ("participation_online", "participation_hotline", "participation_offline"), "stack"),
    ("Participation by age", ("participation_young", "participation_middle", "participation_older"), "line"),
    ("Trust and efficacy", ("mean_trust", "mean_efficacy", "privacy_concern", "awareness"), "line"),
    ("Handling", ("resolution_rate", "satisfaction", "responsiveness"), "line"),
    ("Open issues", ("backlog", "unreported_issues"), "line"),
    ("Money and data", ("cumulative_spend",), "spend"),
)
PANEL_TITLES_ZH = {"Participation by channel": "各渠道参与率", "Participation by age": "各年龄段参与率",
                   "Trust and efficacy": "信任与效能感", "Handling": "诉求办理", "Open issues": "未结问题",
                   "Money and data": "投入与数据安全"}


def dashboard(ts: pd.DataFrame, *, title: str = "", lang: str = "en") -> plt.Figure:
    """A 2 x 3 figure of the main outcomes over time, for a slide."""
    with plt.rc_context(font_rc(lang)):
        fig, axes = plt.subplots(2, 3, figsize=(15, 8.2), constrained_layout=True)
        weeks = ts["step"].to_numpy()
        for ax, (panel, cols, kind) in zip(axes.flat, PANELS, strict=True):
            if kind == "stack":
                ax.stackplot(weeks, *[ts[c].to_numpy() for c in cols], labels=[label(c, lang) for c in cols],
                             alpha=0.85)
                ax.set_ylim(0, max(0.05, float(ts[list(cols)].sum(axis=1).max()) * 1.15))
            elif kind == "spend":
                ax.plot(weeks, ts["cumulative_spend"] / 1e6, color="tab:green", label=label("cumulative_spend", lang)
                        + (" (百万元)" if lang == "zh" else " (million CNY)"))
                ax2 = ax.twinx()
                ax2.bar(weeks, ts["breaches"], color="tab:red", alpha=0.6, label=label("breaches", lang))
                ax2.set_ylim(0, max(3, float(ts["breaches"].max()) * 2))
                ax2.set_ylabel(label("breaches", lang))
                h1, l1 = ax.get_legend_handles_labels()
                h2, l2 = ax2.get_legend_handles_labels()
                ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=9)
            else:
                for c in cols:
                    y = smooth(ts[c]) if c in ("resolution_rate", "satisfaction") else ts[c].to_numpy()
                    ax.plot(weeks, y, label=label(c, lang))
                if panel != "Open issues":
                    ax.set_ylim(0, 1)
            if kind != "spend":
                ax.legend(loc="best", fontsize=9)
            ax.set_title(PANEL_TITLES_ZH[panel] if lang == "zh" else panel)
            ax.set_xlabel("周" if lang == "zh" else "week")
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title, fontsize=14)
    return fig


def write_figures(ts: pd.DataFrame, scenario: Scenario, folder: Path, *, lang: str = "en") -> None:
    """The figures of one run (``dashboard.png``) into ``folder``, for ``cogov run``."""
    fig = dashboard(ts, title=scenario.name, lang=lang)
    fig.savefig(folder / "dashboard.png", dpi=120)
    plt.close(fig)


def sensitivity_chart(result: Sensitivity, lang: str = "en") -> plt.Figure:
    """A bar chart of the indices (Sobol S1 and ST, Morris mu* with sigma, or explained shares)."""
    if lang == "zh":
        cjk_font()
    t = result.table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.6))
    y = np.arange(len(t))
    if result.method == "sobol":
        ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1 (first order)" if lang == "en" else "一阶指数 S1")
        ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST (total)" if lang == "en" else "总效应指数 ST")
        ax.set_xlabel("Sobol index" if lang == "en" else "Sobol 指数")
        ax.legend(loc="lower right")
    elif result.method == "morris":
        ax.barh(y, t["mu_star"], 0.6, xerr=t["mu_star_conf"], label="mu*")
        ax.plot(t["sigma"], y, "ko", label="sigma")
        ax.set_xlabel(f"elementary effect on {result.outcome}" if lang == "en" else f"基本效应: {result.outcome}")
        ax.legend(loc="lower right")
    else:
        ax.barh(y, t["explained"], 0.6)
        ax.set_xlabel("share of variance explained alone" if lang == "en" else "单因素解释的方差比例")
    ax.set_yticks(y, t["factor"])
    ax.set_title(result.outcome)
    fig.tight_layout()
    return fig


def write_sensitivity_chart(result: Sensitivity, path: Path) -> None:
    """The chart of a sensitivity result as a PNG file (for ``cogov sensitivity``)."""
    fig = sensitivity_chart(result)
    fig.savefig(path, dpi=120)
    plt.close(fig)
