"""The workshop app (``cogov demo``): a Solara page where a trainer picks a scenario, moves the
levers, runs the model week by week or continuously, sets off shocks, and watches the network
and the main outcomes, in Chinese or English.

Lever controls are generated from the one definition of each lever (label in both languages,
plausible range) in :mod:`cogov_sim.model.scenario`; views come from :mod:`cogov_sim.present.viz`. Each
browser session has its own model. Start it with ``cogov demo``; the scenario and language it
opens with come from the environment variables ``COGOV_DEMO_SCENARIO`` and ``COGOV_DEMO_LANG``.
"""

from __future__ import annotations

import functools
import os
import threading
import time

import matplotlib
import numpy as np
import solara

from cogov_sim.experiments.workshop import street_now
from cogov_sim.model.model import CoGovModel, lever_value
from cogov_sim.model.parameters import LEVER_NAMES, lever_spec
from cogov_sim.model.scenario import find_named_file, load_scenario
from cogov_sim.model.shipped import locate, names
from cogov_sim.present.plots import EVENT_NAMES, UNIT_ZH, font_rc
from cogov_sim.present.viz import APP_DPI, COLOUR_BY, LiveViews, choice_label, layout

#: The app keeps running past a scenario's horizon up to this many weeks.
MIN_HORIZON = 260
TEXT = {
    "title": ("cogov_sim · grassroots co-governance", "cogov_sim · 基层协同治理模拟"),
    "scenario": ("Scenario", "情景"), "levers": ("Levers", "政策杠杆"), "run": ("Run", "运行"),
    "step": ("Step 1 week", "前进 1 周"), "step4": ("4 weeks", "4 周"), "play": ("Play", "播放"),
    "pause": ("Pause", "暂停"), "reset": ("Reset", "重置"), "events": ("Events", "突发事件"),
    "breach": ("Data breach", "数据泄露"), "cut": ("Budget cut 30%", "预算削减 30%"),
    "surge": ("Surge of issues", "问题激增"), "colour": ("Colour residents by", "居民着色依据"),
    "trust": ("trust", "信任"), "participation": ("participation", "参与"), "privacy": ("privacy concern", "隐私担忧"),
    "week": ("Week", "第"), "language": ("Language", "语言"),
    "status": ("Week {w}: participation {p:.1%}, trust {t:.2f}, privacy concern {c:.2f}, resolution {r}, "
               "backlog {b:,.0f} cases",
               "第 {w} 周：参与率 {p:.1%}，信任 {t:.2f}，隐私担忧 {c:.2f}，解决率 {r}，积压 {b:,.0f} 件"),
    "event_set": ("{e} from week {w}", "第 {w} 周起：{e}"),
}
#: The page's styles: text large enough for a 1920 x 1080 projector, views as wide as the room allows.
CSS = """
.cogov-app, .cogov-app .v-label, .cogov-app .v-btn, .cogov-app .v-select__selection { font-size: 18px !important; }
.cogov-app h3 { font-size: 28px; }
.cogov-status { font-size: 22px !important; font-weight: 500; }
.cogov-lever { font-size: 18px; margin-top: 6px; display: block; }
.cogov-network, .cogov-outcomes { width: 100%; height: auto; }
"""


def tr(key: str, lang: str, **kw) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**kw)


def scenario_names() -> list[str]:
    """Scenarios a trainer can pick by name, the user's own in ./scenarios/ and the shipped ones:
    the top level and pilots/ (not docking or calibration)."""
    picked = [n for n in names("scenarios") if "/" not in n or n.startswith("pilots/")]
    return sorted(picked, key=lambda n: ("/" in n, n))


@functools.lru_cache(maxsize=256)
def scenario_title(name: str, lang: str) -> str:
    """A scenario's display name in ``lang`` (its title in the file), as the picker shows it;
    its file name when the file has no title or cannot be read."""
    try:
        return load_scenario(find_named_file(name, "scenarios", "scenario")).scenario.display(lang)
    except Exception:  # a broken user file is still listed, by its name; picking it reports the error
        return name


def scenario_choices(lang: str) -> dict[str, str]:
    """What the scenario picker lists, display name -> scenario name (two with one title are
    told apart by their names)."""
    out: dict[str, str] = {}
    for name in scenario_names():
        title = scenario_title(name, lang)
        out[title if title not in out else f"{title} ({name})"] = name
    return out


class Session:
    """One trainer's model: built from a scenario, stepped, levers moved, shocks set off."""

    def __init__(self, name: str):
        self.lock = threading.Lock()
        self.reset(name)

    def reset(self, name: str) -> None:
        scenario = load_scenario(find_named_file(name, "scenarios", "scenario"))
        #: Counts the models this session has had: the lever controls are made anew for each, so
        #: that they show its levers (a control keeps its own state while its key stays the same).
        self.generation = getattr(self, "generation", 0) + 1
        self.name = name
        self.horizon = max(scenario.run.steps, MIN_HORIZON)
        self.planned = scenario.run.steps
        with self.lock:
            self.model = CoGovModel(scenario.with_values({"run.steps": self.horizon}))
            self.layout = layout(self.model)
            if getattr(self, "views", None) is not None:
                self.views.close()
            self.views: LiveViews | None = None
            #: Levers moved in the app, as (week from which they act, lever name), marked on the plots.
            self.changes: list[tuple[int, str]] = []

    def render(self, lang: str, colour_by: str) -> tuple[bytes, bytes]:
        """Both views as PNG: the network and the outcome plots, updated in place."""
        with self.lock:
            v = self.views
            if v is None or v.lang != lang or v.colour_by != colour_by:
                if v is not None:
                    v.close()
                self.views = v = LiveViews(self.model, self.layout, lang=lang, colour_by=colour_by,
                                           horizon=self.planned)
            v.update(self.model, self.events(lang))
            with matplotlib.rc_context(font_rc(lang)):
                return png(v.net_fig), png(v.out_fig)

    def step(self, weeks: int = 1) -> None:
        with self.lock:
            for _ in range(weeks):
                if self.model.steps < self.horizon:
                    self.model.step()

    def lever(self, name: str):
        """The lever's current value (as in a scenario file), from the first community."""
        return lever_value(name, float(self.model.levers[name][0]))

    def set_lever(self, name: str, value) -> None:
        with self.lock:
            self.model.set_lever(name, value)
            self.changes.append((self.model.steps + 1, name))

    def events(self, lang: str) -> list[tuple[int, str]]:
        """Levers moved in the app, as (week, what) to mark on the plots: the lever's name, or
        "levers change" when several moved for the same week."""
        by_week: dict[int, set[str]] = {}
        for week, name in self.changes:
            by_week.setdefault(week, set()).add(name)
        out = []
        for week, moved in sorted(by_week.items()):
            if len(moved) == 1:
                spec = lever_spec(next(iter(moved)))
                out.append((week, spec.label_zh if lang == "zh" else spec.label_en))
            else:
                out.append((week, EVENT_NAMES["intervention"][1 if lang == "zh" else 0]))
        return out

    def shock(self, kind: str) -> None:
        with self.lock:
            if kind == "budget_cut":
                self.model.schedule_shock(kind, magnitude=0.3, duration=8)
            elif kind == "issue_surge":
                self.model.schedule_shock(kind, magnitude=1.0, duration=4)
            else:
                self.model.schedule_shock(kind)

    def status(self, lang: str) -> str:
        """The line above the views: the street as it stands now. At week 0 it is read from the
        burned-in state (participation within its window, trust, privacy concern, backlog); the
        resolution rate, a share of the issues that ended in recent weeks, needs a week run."""
        street = street_now(self.model)
        last = self.model.timeseries()["resolution_rate"][-4:]  # the last four weeks' mean: it jumps
        resolution = f"{np.nanmean(last):.0%}" if np.isfinite(last).any() else "—"
        return tr("status", lang, w=street["week"], p=street["participation"], t=street["trust"],
                  c=street["privacy_concern"], r=resolution, b=street["backlog"])


def png(fig, dpi: int = APP_DPI) -> bytes:
    """The figure as PNG bytes (light compression: a redraw is sent on every click)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def default_scenario() -> str:
    name = os.environ.get("COGOV_DEMO_SCENARIO", "baseline")
    return name if locate(name, "scenarios") is not None else "baseline"


def lever_value_text(name: str, value: float, lang: str) -> str:
    """A slider's value as shown beside its name, with its unit in ``lang``: money and workers
    as numbers with their unit, shares of 0-1 as per cent."""
    spec = lever_spec(name)
    if spec.unit in ("-", "0-1", "share"):
        return f"{value:.0%}"
    unit = UNIT_ZH.get(spec.unit, spec.unit) if lang == "zh" else spec.unit
    return f"{value:,.{0 if abs(value) >= 10 else 1}f} {unit}"


@solara.component
def LeverControl(session: Session, name: str, lang: str, on_change, version: int):
    """One lever's control, showing the lever as the model has it (``version``, the page's count
    of changes, makes it render again whenever anything changed)."""
    spec = lever_spec(name)
    text = spec.label_zh if lang == "zh" else spec.label_en
    value = session.lever(name)

    def set_value(v):
        session.set_lever(name, v)
        on_change()

    if spec.type is bool:
        solara.Switch(label=text, value=bool(value), on_value=set_value, color="primary")
    elif spec.choices:
        labels = [choice_label(c, lang) for c in spec.choices]
        solara.Select(label=text, values=labels, value=choice_label(value, lang),
                      on_value=lambda lab: set_value(spec.choices[labels.index(lab)]))
    else:
        low, high = spec.plausible or (spec.low, spec.high)
        # the name and value above a full-width slider: long names with units would squeeze it
        solara.Text(f"{text}{'：' if lang == 'zh' else ': '}{lever_value_text(name, float(value), lang)}",
                    classes=["cogov-lever"])
        solara.SliderFloat(label="", value=float(value), min=float(low), max=float(max(high, value)),
                           step=(float(high) - float(low)) / 20.0, on_value=set_value)


@solara.component
def Page():
    lang, set_lang = solara.use_state(os.environ.get("COGOV_DEMO_LANG", "zh") if
                                      os.environ.get("COGOV_DEMO_LANG", "zh") in ("zh", "en") else "zh")
    session = solara.use_memo(lambda: Session(default_scenario()), [])
    version, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    colour_by, set_colour_by = solara.use_state("trust")

    def bump():
        set_version(lambda v: v + 1)

    def play_loop(cancel: threading.Event):
        while playing and not cancel.is_set() and session.model.steps < session.horizon:
            t0 = time.perf_counter()
            session.step(1)
            bump()
            cancel.wait(max(0.0, 0.35 - (time.perf_counter() - t0)))

    solara.use_thread(play_loop, dependencies=[playing], intrusive_cancel=False)

    solara.Style(CSS)
    with solara.Column(style={"padding": "8px"}, classes=["cogov-app"]):
        solara.Title(tr("title", lang))
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Markdown(f"### {tr('title', lang)}")
            solara.ToggleButtonsSingle(value=lang, on_value=set_lang,
                                       children=[solara.Button("中文", value="zh", classes=["lang-zh"]),
                                                 solara.Button("English", value="en", classes=["lang-en"])])
        with solara.Columns([1, 4]):
            with solara.Column(style={"max-height": "92vh", "overflow-y": "auto"}):
                Controls(session, lang, playing, set_playing, bump, version)
            with solara.Column():
                solara.Text(session.status(lang), classes=["cogov-status"])
                with solara.Row(style={"align-items": "center"}):
                    solara.Text(tr("colour", lang) + ":")
                    solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by, children=[
                        solara.Button(tr(c, lang), value=c, classes=[f"colour-{c}"]) for c in COLOUR_BY])
                net, out = solara.use_memo(lambda: session.render(lang, colour_by),
                                           [version, lang, colour_by, session.name])
                with solara.Columns([43, 57], gutters_dense=True):
                    solara.Image(net, format="png", classes=["cogov-network"], width="100%")
                    solara.Image(out, format="png", classes=["cogov-outcomes"], width="100%")


@solara.component
def Controls(session: Session, lang: str, playing: bool, set_playing, bump, version: int):
    """Scenario, run buttons, events and the levers."""
    choices = scenario_choices(lang)
    shown = next((title for title, name in choices.items() if name == session.name), session.name)
    solara.Select(label=tr("scenario", lang), values=list(choices), value=shown,
                  on_value=lambda title: (set_playing(False), session.reset(choices.get(title, title)), bump()))
    solara.Markdown(f"**{tr('run', lang)}**")
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button(tr("step", lang), on_click=lambda: (session.step(1), bump()), classes=["btn-step"])
        solara.Button(tr("step4", lang), on_click=lambda: (session.step(4), bump()), classes=["btn-step4"])
        solara.Button(tr("pause", lang) if playing else tr("play", lang), on_click=lambda: set_playing(not playing),
                      classes=["btn-play"], color="primary")
        solara.Button(tr("reset", lang), on_click=lambda: (set_playing(False), session.reset(session.name), bump()),
                      classes=["btn-reset"])
    solara.Markdown(f"**{tr('events', lang)}**")
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button(tr("breach", lang), on_click=lambda: (session.shock("data_breach"), bump()),
                      classes=["btn-breach"], color="error")
        solara.Button(tr("cut", lang), on_click=lambda: (session.shock("budget_cut"), bump()), classes=["btn-cut"])
        solara.Button(tr("surge", lang), on_click=lambda: (session.shock("issue_surge"), bump()),
                      classes=["btn-surge"])
    solara.Markdown(f"**{tr('levers', lang)}**")
    for name in LEVER_NAMES:
        LeverControl(session, name, lang, bump, version).key(f"lever-{name}-{session.generation}")
