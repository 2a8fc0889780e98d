"""Live views of a running model for workshops and slides: the network with a fixed layout and the
main outcomes over time, in Chinese or English, sized to be read from the back of a room. Used by
the workshop app (``cogov demo``, two figures) and by ``cogov animate`` (one 1920 x 1080 figure);
they read the model and never change it.

Figures are built on matplotlib's Agg canvas directly, not through ``pyplot``: the app draws
inside a Solara server, where pyplot's global backend state would reach for an interactive
IPython display hook, and each browser session owns its figures outright. Each view is built
once and then updated in place (residents recoloured, lines given their new data, new events
marked), so a redraw costs a fraction of a build.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.rules import HOTLINE, OFFLINE, ONLINE
from cogov_sim.present.plots import AXES, EVENT_NAMES, font_rc, label, smooth

#: Residents drawn at most; more are sampled in proportion to community size.
MAX_DRAWN = 900
#: What residents can be coloured by: trust, how they last took part, privacy concern.
COLOUR_BY = ("trust", "participation", "privacy")
#: Colour maps of the attitudes residents can be coloured by (low to high).
CMAPS = {"trust": "RdYlGn", "privacy": "YlOrRd"}
#: The attitude values the colour scale spans (the ends of the map; values beyond take the end
#: colour): most residents' trust and privacy concern lie within it, so their differences show.
ATTITUDE_SHOWN = (0.2, 0.8)

WORDS = {
    "government": ("Government", "政府"), "enterprise": ("Enterprise", "企业"),
    "social_org": ("Social organisation", "社会组织"), "resident": ("Resident", "居民"),
    "trust": ("Trust", "信任"), "participation": ("Participation", "参与"), "privacy": ("Privacy concern", "隐私担忧"),
    "online": ("took part online", "线上参与"), "hotline": ("took part by hotline", "热线参与"),
    "offline": ("took part offline", "线下参与"), "silent": ("did not take part", "未参与"),
    "week": ("week", "周"), "network": ("Residents and institutions", "居民与各类主体"),
    "community": ("community", "社区"), "low": ("low", "低"), "high": ("high", "高"),
    "outcomes": ("Main outcomes", "主要结果"), "breach": ("data breach", "数据泄露"),
}
#: Chinese and English names of the choices of mode levers.
CHOICE_LABELS = {
    "government_led": ("Government-led", "政府主导"), "consultative": ("Consultative", "协商共治"),
    "collaborative": ("Collaborative", "协同共治"), "habit": ("By habit", "凭经验"),
    "data_driven": ("Data-driven", "数据驱动"),
}
#: The outcome panels: outcomes, title (en, zh), unit of the y axis (a key of
#: :data:`cogov_sim.present.plots.AXES`; shares in per cent as the terminal prints them).
PANELS = (
    (("participation_rate", "participation_young", "participation_older"), ("Participation", "参与率"),
     "percent_residents"),
    (("mean_trust", "satisfaction_attitude", "privacy_concern", "responsiveness"),
     ("Attitudes and responsiveness", "信任、满意度与隐私担忧"), "score"),
    (("resolution_rate", "reported_resolution_rate"), ("Handling", "诉求办理"), "percent_cases"),
    (("backlog", "unreported_issues"), ("Unresolved problems", "未解决问题"), "issues"),
)
#: Outcomes drawn as a four-week moving average (they jump from week to week).
SMOOTHED = ("resolution_rate", "reported_resolution_rate")
#: Text sizes in points for the app's figures (at :data:`APP_DPI`) and for a 1920 x 1080 slide.
SIZES = {"app": {"title": 16, "text": 12, "legend": 11, "label": 11.5, "marker": 22, "legend_columns": 2},
         "slide": {"title": 22, "text": 17, "legend": 16, "label": 14, "marker": 46, "legend_columns": 3}}
#: The outcome plots show at least this many weeks, and this many weeks beyond the last one run,
#: up to the horizon: early in a run the data fill the panel instead of a sliver of it.
MIN_WEEKS_SHOWN, WEEKS_AHEAD = 26, 13
APP_DPI = 100


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
    """RGBA per drawn resident: trust (red low to green high) or privacy concern (pale yellow low
    to dark red high) on a colour scale over :data:`ATTITUDE_SHOWN`, or the channel of recent
    participation (grey for none)."""
    r = model.residents
    idx = lay.drawn
    if colour_by in CMAPS:
        values = r.trust[idx] if colour_by == "trust" else r.privacy[idx]
        lo, hi = ATTITUDE_SHOWN
        return matplotlib.colormaps[CMAPS[colour_by]](np.clip((values - lo) / (hi - lo), 0, 1))
    recent = (model.steps - r.last_part[idx]) <= model.settings.participation.window
    colours = np.tile(np.array([0.72, 0.72, 0.72, 1.0]), (idx.size, 1))
    for ch, rgba in ((ONLINE, (0.12, 0.47, 0.71, 1)), (HOTLINE, (1.0, 0.5, 0.05, 1)), (OFFLINE, (0.17, 0.63, 0.17, 1))):
        colours[recent & (r.last_channel[idx] == ch)] = rgba
    return colours


def network_title(model: CoGovModel, lang: str) -> str:
    if lang == "zh":
        return f"{word('network', lang)} · 第 {model.steps} {word('week', lang)}"
    return f"{word('network', lang)} · {word('week', lang)} {model.steps}"


def live_events(model: CoGovModel, lang: str) -> list[tuple[int, str]]:
    """What to mark on the outcome plots, as (week, what): the scenario's interventions, shocks
    and pilot starts, and the shocks set off live (:meth:`CoGovModel.schedule_shock`), each
    named in ``lang`` (:data:`cogov_sim.present.plots.EVENT_NAMES`)."""
    from cogov_sim.present.plots import events

    out = events(model.settings, lang)
    out += [(sh.step, EVENT_NAMES[sh.kind][1 if lang == "zh" else 0]) for sh in model._live_shocks]
    return sorted(set(out))


def resident_legend(colour_by: str, lang: str, size: float) -> list[Line2D]:
    """Legend entries for the residents' colours."""
    ms = size ** 0.5
    if colour_by in CMAPS:
        cmap = matplotlib.colormaps[CMAPS[colour_by]]
        return [Line2D([], [], marker="o", ls="", ms=ms, mfc=cmap(x), mec="none",
                       label=f"{word('resident', lang)}: {word(colour_by, lang)} {word(level, lang)}")
                for x, level in ((0.1, "low"), (0.9, "high"))]
    return [Line2D([], [], marker="o", ls="", ms=ms, mfc=colour, mec="none", label=f"{word('resident', lang)}: "
                   f"{word(key, lang)}")
            for key, colour in (("online", "#1f77b4"), ("hotline", "#ff7f0e"), ("offline", "#2ca02c"),
                                ("silent", "#b8b8b8"))]


def draw_network(ax, model: CoGovModel, lay: Layout, colour_by: str = "trust", lang: str = "en",
                 size: str = "app"):
    """The network view: ties, residents coloured by ``colour_by`` (:data:`COLOUR_BY`), community
    labels, and the four agent kinds with distinct markers; the legend goes below the drawing,
    over no resident. Returns the residents' scatter (recoloured in place later)."""
    z = SIZES[size]
    ax.clear()
    if lay.ties.size:
        ax.add_collection(LineCollection(lay.xy[lay.ties], colors=(0.55, 0.55, 0.55, 0.22), linewidths=0.5, zorder=1))
    residents = ax.scatter(lay.xy[:, 0], lay.xy[:, 1], s=z["marker"], c=resident_colours(model, lay, colour_by),
                           linewidths=0.3, edgecolors=(0, 0, 0, 0.35), zorder=2)
    for c, (x, y) in enumerate(lay.centres):
        ax.annotate(f"{word('community', lang)} {c}" if lang == "en" else f"{c}号{word('community', lang)}",
                    (x * 1.33, y * 1.33), ha="center", va="center", fontsize=z["label"], color="0.25")
    if len(lay.enterprises):
        ax.scatter(lay.enterprises[:, 0], lay.enterprises[:, 1], marker="s", s=6 * z["marker"], c="tab:purple",
                   edgecolors="k", zorder=3)
    if len(lay.organisations):
        ax.scatter(lay.organisations[:, 0], lay.organisations[:, 1], marker="^", s=7 * z["marker"], c="tab:cyan",
                   edgecolors="k", zorder=3)
    ax.scatter([0], [0], marker="*", s=26 * z["marker"], c="gold", edgecolors="k", zorder=4)
    ms = 1.4 * z["marker"] ** 0.5
    handles = [Line2D([], [], marker="*", ls="", ms=1.5 * ms, mfc="gold", mec="k", label=word("government", lang)),
               Line2D([], [], marker="s", ls="", ms=ms, mfc="tab:purple", mec="k", label=word("enterprise", lang)),
               Line2D([], [], marker="^", ls="", ms=ms, mfc="tab:cyan", mec="k", label=word("social_org", lang))]
    handles += resident_legend(colour_by, lang, z["marker"])
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=z["legend_columns"],
              fontsize=z["legend"],
              frameon=False, handletextpad=0.3, columnspacing=1.0)
    ax.set_title(network_title(model, lang), fontsize=z["title"])
    ax.set_aspect("equal")
    ax.set_xlim(-1.55, 1.55)
    ax.set_ylim(-1.5, 1.5)
    ax.axis("off")
    return residents


def outcome_values(series: dict[str, np.ndarray], col: str, unit: str) -> np.ndarray:
    """One outcome as drawn: smoothed where it jumps, in per cent where its panel is."""
    y = np.asarray(series[col], dtype=float)
    y = smooth(y) if col in SMOOTHED else y
    return 100.0 * y if unit.startswith("percent") else y


def weeks_shown(weeks: np.ndarray, horizon: int | None) -> float:
    """The last week the outcome plots show: :data:`WEEKS_AHEAD` beyond the last week run, at
    least :data:`MIN_WEEKS_SHOWN`, at most the horizon (unless the run went past it)."""
    last = int(weeks[-1]) if len(weeks) else 0
    ahead = max(MIN_WEEKS_SHOWN, last + WEEKS_AHEAD)
    return float(max(last, min(ahead, horizon))) if horizon else float(ahead)


def issues_top(series: dict[str, np.ndarray], cols: tuple[str, ...]) -> float:
    """Top of a panel of counts: 15% above the largest count so far (at least 1)."""
    values = [np.nanmax(series[c]) for c in cols if np.isfinite(series[c]).any()]
    return max(1.0, 1.15 * float(max(values))) if values else 1.0


def draw_outcomes(axes, series: dict[str, np.ndarray], lang: str = "en", horizon: int | None = None,
                  size: str = "app") -> None:
    """The main outcomes week by week on four axes (:data:`PANELS`), every y axis with its unit,
    each panel's legend below it, over no data."""
    z = SIZES[size]
    weeks = series["step"]
    zh = lang == "zh"
    for ax, (cols, title, unit) in zip(np.ravel(axes), PANELS, strict=True):
        ax.clear()
        for col in cols:
            ax.plot(weeks, outcome_values(series, col, unit), label=label(col, lang), lw=2.2 if size == "slide" else 1.8)
        ax.set_title(title[1] if zh else title[0], fontsize=z["title"], pad=z["text"] * 1.6)
        if unit.startswith("percent"):
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=0))
        elif unit == "score":
            ax.set_ylim(0, 1)
        else:
            ax.set_ylim(0, issues_top(series, cols))
        ax.set_ylabel(AXES[unit][1 if zh else 0], fontsize=z["label"])
        ax.set_xlim(0, weeks_shown(weeks, horizon))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=z["label"])
        ax.set_xlabel(word("week", lang), fontsize=z["label"], labelpad=1)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=z["legend"], frameon=False,
                  handlelength=1.2, handletextpad=0.4, columnspacing=0.9)


def new_figure(**kwargs) -> Figure:
    """A figure on its own Agg canvas, outside pyplot's registry of open figures."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


class Views:
    """The network and outcome views of a running model, built once on given axes and updated in
    place by :meth:`update`: residents recoloured, the title's week, the lines' data, the axes
    that follow the data, and any event not yet marked."""

    def __init__(self, model: CoGovModel, lay: Layout, net_ax, axes, caption, *, lang: str, colour_by: str,
                 horizon: int, size: str):
        if colour_by not in COLOUR_BY:
            raise ValueError(f"unknown colouring {colour_by!r}; known: {', '.join(COLOUR_BY)}")
        self.lang, self.colour_by, self.horizon, self.size, self.lay = lang, colour_by, horizon, size, lay
        self.net_ax, self.axes = net_ax, list(np.ravel(axes))
        with matplotlib.rc_context(font_rc(lang)):
            self.residents = draw_network(net_ax, model, lay, colour_by, lang, size)
            draw_outcomes(self.axes, model.timeseries(), lang, horizon, size)
        self.marked: dict[int, list] = {}  # week -> its line and number on each panel
        self.caption = caption
        self.mark_events(model)

    def mark_events(self, model: CoGovModel, extra: list[tuple[int, str]] = ()) -> None:
        """A dotted line on every panel at the week of each event (:func:`live_events`, and
        ``extra`` (week, what) such as a lever moved in the app), numbered in a circle along the
        top of each panel and named in the caption (numbers stay legible where events are close
        together; names would run into each other); weeks with a data breach in red."""
        z = SIZES[self.size]
        breach = EVENT_NAMES["data_breach"][1 if self.lang == "zh" else 0]
        by_week: dict[int, list[str]] = {}
        for week, what in sorted(set(live_events(model, self.lang)) | set(extra)):
            if what not in by_week.setdefault(week, []):
                by_week[week].append(what)
        sep = "、" if self.lang == "zh" else ", "
        parts = []
        with matplotlib.rc_context(font_rc(self.lang)):
            for number, (week, names) in enumerate(sorted(by_week.items()), start=1):
                colour = "firebrick" if breach in names else "0.3"
                if week not in self.marked:
                    self.marked[week] = [artist for ax in self.axes for artist in (
                        ax.axvline(week, linestyle=":", linewidth=1.6, zorder=0),
                        ax.text(week, 1.02, "", transform=ax.get_xaxis_transform(), fontsize=z["label"] * 0.85,
                                ha="center", va="bottom", clip_on=False,
                                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "linewidth": 1.0}))]
                for artist in self.marked[week]:
                    artist.set_color(colour)
                    if hasattr(artist, "set_text"):
                        artist.set_text(str(number))
                        artist.get_bbox_patch().set_edgecolor(colour)
                when = f"第 {week} 周" if self.lang == "zh" else f"week {week}"
                parts.append(f"({number}) {when} {sep.join(names)}")
            if parts:
                title = "事件：" if self.lang == "zh" else "Events: "
                self.caption.set_text(title + ("；" if self.lang == "zh" else "; ").join(parts))

    def update(self, model: CoGovModel, extra: list[tuple[int, str]] = ()) -> None:
        """Bring the views to the model's current week (``extra``: more events to mark)."""
        self.residents.set_facecolors(resident_colours(model, self.lay, self.colour_by))
        with matplotlib.rc_context(font_rc(self.lang)):
            self.net_ax.set_title(network_title(model, self.lang), fontsize=SIZES[self.size]["title"])
        series = model.timeseries()
        weeks = series["step"]
        for ax, (cols, _, unit) in zip(self.axes, PANELS, strict=True):
            for line, col in zip(ax.get_lines(), cols, strict=False):
                line.set_data(weeks, outcome_values(series, col, unit))
            ax.set_xlim(0, weeks_shown(weeks, self.horizon))
            if unit == "issues":
                ax.set_ylim(0, issues_top(series, cols))
        self.mark_events(model, extra)


class LiveViews(Views):
    """The app's two views as two figures (network, outcomes) at :data:`APP_DPI`, sized for a
    1920 x 1080 projector next to the controls."""

    def __init__(self, model: CoGovModel, lay: Layout, *, lang: str, colour_by: str, horizon: int):
        with matplotlib.rc_context(font_rc(lang)):
            self.net_fig = new_figure(figsize=(6.6, 7.2), dpi=APP_DPI)
            net_ax = self.net_fig.add_axes((0.01, 0.13, 0.98, 0.8))
            self.out_fig = new_figure(figsize=(8.8, 7.2), dpi=APP_DPI)
            axes = self.out_fig.subplots(2, 2)
            self.out_fig.subplots_adjust(left=0.1, right=0.985, top=0.88, bottom=0.15, wspace=0.34, hspace=0.85)
            caption = self.out_fig.text(0.01, 0.99, "", ha="left", va="top", fontsize=SIZES["app"]["legend"],
                                        wrap=True)
        super().__init__(model, lay, net_ax, axes, caption, lang=lang, colour_by=colour_by, horizon=horizon, size="app")

    def close(self) -> None:
        """Let go of both figures (they belong to no global registry, so clearing them is enough)."""
        self.net_fig.clear()
        self.out_fig.clear()


class SlideView(Views):
    """Both views on one 1920 x 1080 figure (at 100 dpi) for slides and animations: the network
    on the left, the four outcome panels on the right."""

    WIDTH, HEIGHT, DPI = 1920, 1080, 100

    def __init__(self, model: CoGovModel, lay: Layout, *, lang: str, colour_by: str, horizon: int, title: str = ""):
        with matplotlib.rc_context(font_rc(lang)):
            self.fig = new_figure(figsize=(self.WIDTH / self.DPI, self.HEIGHT / self.DPI), dpi=self.DPI)
            net_ax = self.fig.add_axes((0.005, 0.14, 0.44, 0.78))
            grid = self.fig.add_gridspec(2, 2, left=0.5, right=0.99, top=0.86, bottom=0.15, wspace=0.3, hspace=0.8)
            axes = [self.fig.add_subplot(grid[i, j]) for i in range(2) for j in range(2)]
            if title:
                self.fig.suptitle(title, fontsize=SIZES["slide"]["title"] * 1.2, y=0.985)
            caption = self.fig.text(0.5, 0.015, "", ha="center", va="bottom", fontsize=SIZES["slide"]["legend"])
        super().__init__(model, lay, net_ax, axes, caption, lang=lang, colour_by=colour_by, horizon=horizon, size="slide")
