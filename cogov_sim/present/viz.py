"""Live views of a running model for workshops: the network with a fixed layout and the main
outcomes over time, in Chinese or English. Used by the workshop app (``cogov demo``) and by
``cogov animate``; they read the model and never change it.

Figures are built on matplotlib's Agg canvas directly, not through ``pyplot``: the app draws
inside a Solara server, where pyplot's global backend state would reach for an interactive
IPython display hook, and each browser session owns its figures outright.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.rules import HOTLINE, OFFLINE, ONLINE
from cogov_sim.present.plots import font_rc, label, smooth

#: Residents drawn at most; more are sampled in proportion to community size.
MAX_DRAWN = 900
COLOUR_BY = ("trust", "participation")

WORDS = {
    "government": ("Government", "政府"), "enterprise": ("Enterprise", "企业"),
    "social_org": ("Social organisation", "社会组织"), "resident": ("Resident", "居民"),
    "trust": ("Trust", "信任"), "participation": ("Participation", "参与"),
    "online": ("took part online", "线上参与"), "hotline": ("took part by hotline", "热线参与"),
    "offline": ("took part offline", "线下参与"), "silent": ("did not take part", "未参与"),
    "week": ("week", "周"), "network": ("Residents and institutions", "居民与各类主体"),
    "community": ("community", "社区"), "low": ("low", "低"), "high": ("high", "高"),
    "outcomes": ("Main outcomes", "主要结果"),
}
#: Chinese and English names of the choices of mode levers.
CHOICE_LABELS = {
    "government_led": ("Government-led", "政府主导"), "consultative": ("Consultative", "协商共治"),
    "collaborative": ("Collaborative", "协同共治"), "habit": ("By habit", "凭经验"),
    "data_driven": ("Data-driven", "数据驱动"),
}
PANELS = (
    (("participation_rate", "participation_young", "participation_older"), ("Participation", "参与率"), (0, 1)),
    (("mean_trust", "satisfaction"), ("Trust and satisfaction", "信任与满意度"), (0, 1)),
    (("resolution_rate", "responsiveness"), ("Handling", "诉求办理"), (0, 1)),
    (("backlog", "unreported_issues"), ("Unresolved problems", "未解决问题"), None),
)


def word(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def choice_label(value: str, lang: str) -> str:
    en, zh = CHOICE_LABELS.get(value, (value, value))
    return zh if lang == "zh" else en


@dataclass
class Layout:
    """Fixed positions: communities on a circle, a sample of residents around their community's
    centre, the government in the middle, institutions between it and the communities they serve."""

    centres: np.ndarray
    drawn: np.ndarray
    xy: np.ndarray
    ties: np.ndarray
    government: np.ndarray
    enterprises: np.ndarray
    organisations: np.ndarray


def layout(model: CoGovModel, max_drawn: int = MAX_DRAWN, seed: int = 7) -> Layout:
    """The view's layout, the same for the whole run (seeded; independent of the model's streams)."""
    rng = np.random.default_rng(seed)
    net = model.network
    k = model.n_communities
    angle = 2 * np.pi * np.arange(k) / max(k, 1)
    centres = np.c_[np.cos(angle), np.sin(angle)] * (0.0 if k == 1 else 1.0)
    n = model.n
    drawn = np.sort(rng.choice(n, size=min(n, max_drawn), replace=False))
    spread = 0.55 * np.sqrt(np.maximum(net.community_sizes, 1) / max(net.community_sizes.max(), 1))
    spread = spread * (np.pi / max(k, 3)) if k > 1 else spread
    comm = model.residents.community[drawn]
    xy = centres[comm] + rng.normal(0, 1, (drawn.size, 2)) * spread[comm, None] * 0.45
    where = np.full(n, -1)
    where[drawn] = np.arange(drawn.size)
    edges = net.edges
    both = (where[edges[:, 0]] >= 0) & (where[edges[:, 1]] >= 0)
    ties = np.c_[where[edges[both, 0]], where[edges[both, 1]]]
    if ties.shape[0] > 1500:
        ties = ties[rng.choice(ties.shape[0], 1500, replace=False)]

    def near(served: np.ndarray, pull: float, i: int, count: int) -> np.ndarray:
        c = centres[np.asarray(served, dtype=int)].mean(axis=0) if len(served) else np.zeros(2)
        jitter = 0.12 * np.array([np.cos(2 * np.pi * i / max(count, 1)), np.sin(2 * np.pi * i / max(count, 1))])
        return c * pull + jitter

    ents = model.enterprises
    orgs = model.social_organisations
    return Layout(centres, drawn, xy, ties, np.zeros(2),
                  np.array([near(e.communities, 0.55, i, len(ents)) for i, e in enumerate(ents)]).reshape(-1, 2),
                  np.array([near(o.communities, 0.8, i, len(orgs)) for i, o in enumerate(orgs)]).reshape(-1, 2))


def resident_colours(model: CoGovModel, lay: Layout, colour_by: str) -> np.ndarray:
    """RGBA per drawn resident: trust on a red-to-green scale, or the channel of recent participation."""
    r = model.residents
    idx = lay.drawn
    if colour_by == "trust":
        return matplotlib.colormaps["RdYlGn"](np.clip(r.trust[idx], 0, 1))
    recent = (model.steps - r.last_part[idx]) <= model.settings.participation.window
    colours = np.tile(np.array([0.8, 0.8, 0.8, 1.0]), (idx.size, 1))
    for ch, rgba in ((ONLINE, (0.12, 0.47, 0.71, 1)), (HOTLINE, (1.0, 0.5, 0.05, 1)), (OFFLINE, (0.17, 0.63, 0.17, 1))):
        colours[recent & (r.last_channel[idx] == ch)] = rgba
    return colours


def network_title(model: CoGovModel, lang: str) -> str:
    if lang == "zh":
        return f"{word('network', lang)} · 第 {model.steps} {word('week', lang)}"
    return f"{word('network', lang)} · {word('week', lang)} {model.steps}"


def draw_network(ax, model: CoGovModel, lay: Layout, colour_by: str = "trust", lang: str = "en") -> None:
    """The network view: ties, residents coloured by trust or participation, community labels,
    and the four agent kinds with distinct markers."""
    ax.clear()
    if lay.ties.size:
        ax.add_collection(LineCollection(lay.xy[lay.ties], colors=(0.6, 0.6, 0.6, 0.25), linewidths=0.4, zorder=1))
    ax.scatter(lay.xy[:, 0], lay.xy[:, 1], s=9, c=resident_colours(model, lay, colour_by), linewidths=0, zorder=2)
    for c, (x, y) in enumerate(lay.centres):
        ax.annotate(f"{word('community', lang)} {c}" if lang == "en" else f"{c}号{word('community', lang)}",
                    (x * 1.32, y * 1.32), ha="center", va="center", fontsize=7, color="0.3")
    if len(lay.enterprises):
        ax.scatter(lay.enterprises[:, 0], lay.enterprises[:, 1], marker="s", s=70, c="tab:purple", edgecolors="k",
                   zorder=3)
    if len(lay.organisations):
        ax.scatter(lay.organisations[:, 0], lay.organisations[:, 1], marker="^", s=80, c="tab:cyan", edgecolors="k",
                   zorder=3)
    ax.scatter([0], [0], marker="*", s=380, c="gold", edgecolors="k", zorder=4)
    handles = [Line2D([], [], marker="*", ls="", ms=13, mfc="gold", mec="k", label=word("government", lang)),
               Line2D([], [], marker="s", ls="", ms=8, mfc="tab:purple", mec="k", label=word("enterprise", lang)),
               Line2D([], [], marker="^", ls="", ms=8, mfc="tab:cyan", mec="k", label=word("social_org", lang))]
    if colour_by == "trust":
        cmap = matplotlib.colormaps["RdYlGn"]
        handles += [Line2D([], [], marker="o", ls="", ms=6, mfc=cmap(0.1), mec="none",
                           label=f"{word('resident', lang)}: {word('trust', lang)} {word('low', lang)}"),
                    Line2D([], [], marker="o", ls="", ms=6, mfc=cmap(0.9), mec="none",
                           label=f"{word('resident', lang)}: {word('trust', lang)} {word('high', lang)}")]
    else:
        for key, colour in (("online", "#1f77b4"), ("hotline", "#ff7f0e"), ("offline", "#2ca02c"), ("silent", "#cccccc")):
            handles.append(Line2D([], [], marker="o", ls="", ms=6, mfc=colour, mec="none",
                                  label=f"{word('resident', lang)}: {word(key, lang)}"))
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.8)
    ax.set_title(network_title(model, lang), fontsize=10)
    ax.set_aspect("equal")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.axis("off")


def draw_outcomes(axes, series: dict[str, np.ndarray], lang: str = "en", horizon: int | None = None) -> None:
    """The main outcomes week by week on four axes."""
    weeks = series["step"]
    for ax, (cols, title, ylim) in zip(np.ravel(axes), PANELS, strict=True):
        ax.clear()
        for col in cols:
            y = series[col]
            y = smooth(y) if col in ("resolution_rate", "satisfaction") else y
            ax.plot(weeks, y, label=label(col, lang), lw=1.5)
        ax.set_title(title[1] if lang == "zh" else title[0], fontsize=10)
        if ylim:
            ax.set_ylim(*ylim)
        ax.set_xlim(0, max(horizon or 0, int(weeks[-1]) if len(weeks) else 1, 10))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.set_xlabel(word("week", lang), fontsize=8)
        ax.legend(fontsize=7, loc="upper left")


def new_figure(**kwargs) -> Figure:
    """A figure on its own Agg canvas, outside pyplot's registry of open figures."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


class LiveViews:
    """The two views of a running model kept as figures whose data are updated in place, so a
    redraw costs a fraction of building them (the workshop app redraws on every click)."""

    def __init__(self, model: CoGovModel, lay: Layout, *, lang: str, colour_by: str, horizon: int):
        self.lang, self.colour_by, self.horizon = lang, colour_by, horizon
        with matplotlib.rc_context(font_rc(lang)):
            self.net_fig = new_figure(figsize=(5.4, 5.4))
            self.net_ax = self.net_fig.add_axes((0.01, 0.01, 0.98, 0.94))
            draw_network(self.net_ax, model, lay, colour_by, lang)
            self.out_fig = new_figure(figsize=(6.8, 5.4))
            axes = self.out_fig.subplots(2, 2)
            self.out_fig.subplots_adjust(left=0.08, right=0.98, top=0.94, bottom=0.08, wspace=0.25, hspace=0.38)
            self.axes = list(np.ravel(axes))
            draw_outcomes(axes, model.timeseries(), lang, horizon)
        self.residents = next(c for c in self.net_ax.collections if c.get_offsets().shape[0] == lay.drawn.size)
        self.lay = lay

    def update(self, model: CoGovModel) -> None:
        """Recolour the residents, retitle the network, and give the outcome lines their new data."""
        self.residents.set_facecolors(resident_colours(model, self.lay, self.colour_by))
        with matplotlib.rc_context(font_rc(self.lang)):
            self.net_ax.set_title(network_title(model, self.lang), fontsize=10)
        series = model.timeseries()
        weeks = series["step"]
        for ax, (cols, _, ylim) in zip(self.axes, PANELS, strict=True):
            for line, col in zip(ax.get_lines(), cols, strict=True):
                y = series[col]
                line.set_data(weeks, smooth(y) if col in ("resolution_rate", "satisfaction") else y)
            ax.set_xlim(0, max(self.horizon or 0, int(weeks[-1]) if len(weeks) else 1, 10))
            if ylim is None and len(weeks):
                top = np.nanmax([np.nanmax(series[c]) for c in cols])
                ax.set_ylim(0, max(1.0, float(top) * 1.1))

    def close(self) -> None:
        """Let go of both figures (they belong to no global registry, so clearing them is enough)."""
        self.net_fig.clear()
        self.out_fig.clear()


def frame(model: CoGovModel, lay: Layout, *, colour_by: str = "trust", lang: str = "en", horizon: int | None = None,
          fig=None):
    """The whole view as one figure (network left, outcomes right); reuses ``fig`` when given."""
    with matplotlib.rc_context(font_rc(lang)):
        if fig is None:
            fig = new_figure(figsize=(13, 6.2))
        else:
            fig.clear()
        grid = fig.add_gridspec(2, 4, left=0.01, right=0.99, top=0.95, bottom=0.08, wspace=0.28, hspace=0.38)
        net_ax = fig.add_subplot(grid[:, :2])
        axes = [fig.add_subplot(grid[i, 2 + j]) for i in range(2) for j in range(2)]
        draw_network(net_ax, model, lay, colour_by, lang)
        draw_outcomes(axes, model.timeseries(), lang, horizon)
    return fig
