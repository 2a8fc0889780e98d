"""The run dashboard as a reader sees it: units on every axis, the scenario's name in the reader's
language, scheduled events marked, and a size for a projector on request."""

from __future__ import annotations

import struct

import pandas as pd
import pytest
from matplotlib.ticker import PercentFormatter

from cogov_sim import CoGovModel, load_scenario
from cogov_sim.present.plots import PANELS, dashboard, events
from tests.conftest import ROOT
from tests.test_cli import SMALL, cogov


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def breach_run():
    scenario = load_scenario(ROOT / "scenarios" / "data_breach.toml",
                             {"population.residents": 800, "space.communities": 4, "run.burn_in": 4, "run.steps": 70})
    model = CoGovModel(scenario)
    model.run()
    return scenario, pd.DataFrame(model.timeseries())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_axis_has_its_unit_and_events_are_marked(breach_run, lang):
    scenario, ts = breach_run
    marked = events(scenario, lang)
    assert marked == [(60, "数据泄露" if lang == "zh" else scenario.shocks[0].label)]
    fig = dashboard(ts, title=scenario.scenario.display(lang), lang=lang, events=marked)
    main_axes = fig.axes[:len(PANELS)]
    assert fig._suptitle.get_text() == ("数据泄露" if lang == "zh" else "Data breach")
    for ax, (_, _, _, unit) in zip(main_axes, PANELS, strict=True):
        assert ax.get_ylabel(), ax.get_title()
        assert any(line.get_xdata()[0] == 60 for line in ax.get_lines() if line.get_linestyle() == ":")
        if unit.startswith("percent"):
            assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
            assert ax.get_ylim()[1] <= 100.0
    names = [t.get_text() for a in main_axes for top in a.child_axes for t in top.get_xticklabels()
             if t.get_text() == marked[0][1]]
    assert len(names) == len(PANELS)  # the event is named above every panel
    if lang == "zh":
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in ax.get_title()) for ax in main_axes)


def test_cogov_run_in_chinese_draws_a_projector_sized_dashboard(tmp_path):
    out = tmp_path / "run"
    res = cogov("run", "data_breach", "--out", str(out), *SMALL, "--steps", "70", "--lang", "zh",
                "--figure-width", "1920", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "参与率" in res.stdout and "participation_rate" not in res.stdout
    assert "个百分点" in res.stdout and " pp" not in res.stdout
    assert png_size(out / "figures" / "dashboard.png")[0] == 1920
    bad = cogov("run", "baseline", "--out", str(tmp_path / "bad"), *SMALL, "--figure-width", "99", cwd=tmp_path)
    assert bad.returncode == 2 and "--figure-width" in bad.stderr and bad.stderr.count("\n") == 1
    assert not (tmp_path / "bad").exists()


def test_an_english_figure_draws_chinese_names_without_missing_glyphs(breach_run):
    import warnings

    import matplotlib.pyplot as plt

    _, ts = breach_run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = dashboard(ts, title="基层治理 (my street)", lang="en")
        fig.canvas.draw()
        plt.close(fig)
    assert not [w for w in caught if "missing from" in str(w.message)]
