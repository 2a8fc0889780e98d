"""`cogov compare`: common random numbers, intervals, the pilot-effect decomposition, the
planner's report (read back, and opened in a real browser), and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from cogov_sim.analysis.compare import (
    Comparison,
    kpi_table,
    mean_ci,
    pilot_effects,
    plan,
    ratio_ci,
    reform_everywhere,
    reform_nowhere,
    run_comparison,
    spillover,
    tie_share,
)
from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.executors import LocalExecutor, SerialExecutor
from cogov_sim.model.scenario import load_scenario

from .conftest import ROOT, keep_image

TINY = {"population.residents": 800, "space.communities": 8, "run.steps": 60, "run.burn_in": 4}
PILOTS = sorted((ROOT / "scenarios" / "pilots").glob("*.toml"))
TINY_ARGS = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]


def cogov(*args, cwd=ROOT, timeout=600):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "cogov_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout)


def tiny(path):
    return load_scenario(path, TINY)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return run_comparison([tiny(PILOTS[0]), tiny(PILOTS[1]), tiny(ROOT / "scenarios" / "mixed_estates.toml")],
                          replications=3, executor=SerialExecutor())


# ---------------------------------------------------------------------------------- statistics
def test_mean_ci_by_hand():
    m, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0]))
    h = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - h, 2.0 + h))
    m, lo, hi = mean_ci(np.array([[1.0, 5.0], [3.0, np.nan], [2.0, 7.0]]), axis=0)
    assert m.tolist() == pytest.approx([2.0, 6.0]) and np.isfinite(lo).all()
    m, lo, hi = mean_ci(np.array([4.0]))
    assert m == 4.0 and np.isnan(lo) and np.isnan(hi)


def test_poisson_interval_of_a_mean_count_by_hand():
    from cogov_sim.analysis.stats import poisson_mean_ci

    # 5 events over 4 replications: Garwood's 95% limits of a Poisson total of 5 are 1.6235 and 11.668
    assert poisson_mean_ci(np.array([0.0, 1.0, 0.0, 4.0])) == pytest.approx((1.25, 1.6235 / 4, 11.668 / 4), rel=1e-4)
    m, lo, hi = poisson_mean_ci(np.array([0.0, 0.0, 0.0]))  # none seen: from 0 up to -ln(0.025) / 3
    assert (m, lo) == (0.0, 0.0) and hi == pytest.approx(3.6889 / 3, rel=1e-4)
    t_lo = mean_ci(np.array([0.0, 0.0, 0.0, 5.0]))[1]
    assert t_lo < 0 <= poisson_mean_ci(np.array([0.0, 0.0, 0.0, 5.0]))[1]  # where a t interval goes below zero


def test_ratio_ci_is_a_ratio_of_means_with_a_reproducible_interval():
    num, den = np.array([2.0, 4.0, 3.0, 5.0]), np.array([1.0, 1.0, 2.0, 2.0])
    r, lo, hi = ratio_ci(num, den, seed=3)
    assert r == pytest.approx(14 / 6) and lo <= r <= hi
    assert ratio_ci(num, den, seed=3) == (r, lo, hi)
    assert np.isnan(ratio_ci(num, -den, seed=3)[0])


def test_tie_share_counts_ties_to_pilot_sites_over_all_external_ties():
    links = np.array([[5, 2, 1], [2, 7, 0], [1, 0, 3]])
    share = tie_share(links, np.array([True, False, False]))
    assert share.tolist() == pytest.approx([0.0, 1.0, 1.0])
    share = tie_share(links, np.array([False, True, False]))
    assert share.tolist() == pytest.approx([2 / 3, 0.0, 0.0])


# ---------------------------------------------------------------------------------- variants
def test_counterfactuals_remove_the_pilots_or_apply_the_reform_everywhere_from_the_start():
    s = tiny(PILOTS[1])
    pl = s.pilots[0]
    nowhere, everywhere = reform_nowhere(s), reform_everywhere(s)
    assert nowhere.pilots == () and everywhere.pilots == ()
    added = everywhere.interventions[-1]
    assert added.step == pl.start and added.communities is None and dict(added.levers) == dict(pl.levers)
    assert not set(pl.extra) & set(added.levers)  # the pilot's extra effort is not part of the roll-out


def test_plan_runs_shared_counterfactuals_once_and_reuses_a_given_scenario():
    scenarios = [tiny(p) for p in PILOTS] + [tiny(ROOT / "scenarios" / "mixed_estates.toml")]
    p = plan(scenarios)
    # every pilot scenario pilots the same reform from the same week: one nowhere (= mixed_estates) and one
    # everywhere variant serve them all
    assert len(p.variants) == len(scenarios) + 1
    assert set(p.nowhere.values()) == {len(scenarios) - 1}
    assert len(set(p.everywhere.values())) == 1
    with pytest.raises(CoGovInputError, match="appears more than once"):
        plan([scenarios[0], scenarios[0]])


def test_fewer_than_two_replications_are_refused():
    with pytest.raises(CoGovInputError, match="allowed: an integer from 2"):
        run_comparison([tiny(PILOTS[0])], replications=1)


# ---------------------------------------------------------------------------------- analysis
def test_the_measured_effect_is_trend_gap_plus_effect_in_sites_minus_spill_over(comparison):
    effects = pilot_effects(comparison)
    assert list(effects["scenario"]) == ["pilot_random_sites", "pilot_best_off_sites"]
    recomposed = effects["placebo"] + effects["in_sites"] - effects["spill"]
    assert np.allclose(effects["measured"], recomposed, atol=1e-12)
    assert np.allclose(effects["bias"], effects["measured"] - effects["ate"], atol=1e-12)
    # the true effect everywhere is one number for the reform, whichever sites a pilot used
    assert effects["ate"].nunique() == 1
    for _, e in effects.iterrows():
        assert e["measured_low"] <= e["measured"] <= e["measured_high"]


def test_no_interval_of_a_count_or_a_stock_goes_below_zero(comparison):
    kpis = kpi_table(comparison)
    for name in ("breaches", "backlog"):
        sub = kpis[kpis["kpi"] == name]
        assert (sub["ci_low"] >= 0).all() and (sub["ci_low"] <= sub["mean"]).all(), name
        assert (sub["mean"] <= sub["ci_high"]).all()


def test_kpis_have_intervals_and_paired_differences_against_the_first_scenario(comparison):
    kpis = kpi_table(comparison)
    first = kpis[kpis["scenario"] == "pilot_random_sites"]
    assert first["diff"].isna().all()
    other = kpis[(kpis["scenario"] == "mixed_estates") & (kpis["kpi"] == "participation_rate")].iloc[0]
    by_run = {v: [comparison.runs[v, r]["series"]["participation_rate"][-52:].mean() * 100 for r in range(3)]
              for v in (0, 2)}
    diff = np.array(by_run[2]) - np.array(by_run[0])
    assert other["diff"] == pytest.approx(diff.mean())
    assert other["diff_low"] == pytest.approx(mean_ci(diff)[1])
    adopted = kpis[kpis["kpi"] == "adopted"].set_index("scenario")["mean"]
    assert adopted["mixed_estates"] == 0.0 and adopted["pilot_random_sites"] == pytest.approx(100 * 3 / 8)


def test_spillover_splits_non_pilots_into_near_and_far(comparison):
    spill = spillover(comparison)
    assert len(spill) == 2
    assert (spill["near_communities"] + spill["far_communities"] == 5).all()
    assert np.allclose(spill["near_minus_far"], spill["near"] - spill["far"], atol=1e-12)


def test_the_same_seeds_give_the_same_numbers_whatever_runs_them(comparison):
    again = run_comparison([tiny(PILOTS[0]), tiny(PILOTS[1]), tiny(ROOT / "scenarios" / "mixed_estates.toml")],
                           replications=3, executor=LocalExecutor(2))
    pd.testing.assert_frame_equal(kpi_table(comparison), kpi_table(again))
    pd.testing.assert_frame_equal(pilot_effects(comparison), pilot_effects(again))
    other = run_comparison([tiny(PILOTS[0]), tiny(PILOTS[1]), tiny(ROOT / "scenarios" / "mixed_estates.toml")],
                           replications=3, seed=99)
    assert other.seeds != comparison.seeds
    assert not np.allclose(kpi_table(other)["mean"], kpi_table(comparison)["mean"])


# ---------------------------------------------------------------------------------- the report
@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "report"
    res = cogov("compare", str(PILOTS[0]), str(PILOTS[1]), str(PILOTS[3]), str(PILOTS[4]), "--replications", "3",
                "--workers", "2", "--out", str(out), "--quiet", "--lang", "zh", *TINY_ARGS)
    assert res.returncode == 0, res.stderr
    return out, res


def test_report_files_are_written_and_read_back(report):
    out, res = report
    for name in ("report.html", "report.md", "kpis.csv", "pilot_effects.csv", "spillover.csv",
                 "cost_effectiveness.csv", "runs.csv", "manifest.json"):
        assert (out / name).is_file(), name
    for name in ("trajectories.png", "adoption.png", "network_map.png", "pilot_effects.png",
                 "cost_effectiveness.png"):
        assert (out / "figures" / name).stat().st_size > 10_000, name
    kpis = pd.read_csv(out / "kpis.csv")
    assert set(kpis["scenario"]) == {"pilot_random_sites", "pilot_best_off_sites", "pilot_mandate",
                                     "pilot_imitation"}
    assert {"mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high"} <= set(kpis.columns)
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 3 * 6  # four scenarios and the two shared counterfactuals
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # opens offline
    assert html.count("data:image/png;base64,") == 5
    assert "关键指标" in html and "试点测得的效果与真实效果" in html and "<table>" in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "](figures/network_map.png)" in md and "| 方案 |" in md
    assert "report.html" in res.stdout


def visible_text(page: str) -> str:
    """What a reader of an HTML page sees as text (no tags, styles or embedded images)."""
    import html as _html
    import re

    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_chinese_report_names_scenarios_as_their_files_do_and_explains_its_runs(report):
    out, res = report
    text = visible_text((out / "report.html").read_text(encoding="utf-8"))
    for slug in ("pilot_random_sites", "pilot_best_off_sites", "pilot_mandate", "pilot_imitation", "reform nowhere",
                 "process pool", "workers"):
        assert slug not in text and slug not in res.stdout, slug
    for title in ("随机社区试点", "条件最好的社区试点", "试点后全面推行", "试点后相互效仿扩散"):
        assert title in text and title in res.stdout
    assert "6 × 3 = 18 次运行" in text and "2 个反事实情景" in text and "本机进程池，2 个进程" in text
    # the reference of every pilot's cost-effectiveness is the shared counterfactual, named as what it is
    money = text[text.index("成本与成本效益"):]
    assert money.count("不实施改革") >= 4
    # English words left in the Chinese page are names of software, files and commands only
    import re

    words = set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", text))
    assert words <= {"cogov_sim", "manifest", "json", "cogov", "run", "seed", "Sobol", "PNG", "CSV"}, words


@pytest.fixture(scope="module")
def report_en(tmp_path_factory):
    """The same comparison as :func:`report`, in English, on one worker."""
    out = tmp_path_factory.mktemp("compare_en") / "report"
    res = cogov("compare", str(PILOTS[0]), str(PILOTS[1]), str(PILOTS[3]), str(PILOTS[4]), "--replications", "3",
                "--workers", "1", "--out", str(out), "--quiet", "--lang", "en", *TINY_ARGS)
    assert res.returncode == 0, res.stderr
    return out, res


def test_the_same_seeds_give_identical_report_numbers(report, report_en):
    out, _ = report
    again, _ = report_en
    for name in ("kpis.csv", "pilot_effects.csv", "spillover.csv", "cost_effectiveness.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_chinese_labels_render_with_a_cjk_font():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cogov_sim.present.plots import cjk_font, font_rc

    assert cjk_font() is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with plt.rc_context(font_rc("zh")):
            fig, ax = plt.subplots()
            ax.set_title("试点社区的参与率与满意率")
            fig.canvas.draw()
        plt.close(fig)
    assert not [w for w in caught if "missing from" in str(w.message)]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_html_report_shows_its_tables_and_figures_in_a_real_browser(report, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("COGOV_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (COGOV_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from PIL import Image

    out, _ = report
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars"]
    url = (out / "report.html").resolve().as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<table>") >= 5 and dom.count("<img") == 5
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, "--window-size=1280,9000", f"--screenshot={shot}", url], capture_output=True,
                   timeout=120, check=True)
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    rows_with_ink = (pixels.min(axis=2) < 100).any(axis=1).sum()
    assert rows_with_ink > 1000  # text and tables down the page
    blue = (abs(pixels[..., 0] - 31) < 12) & (abs(pixels[..., 1] - 119) < 12) & (abs(pixels[..., 2] - 180) < 12)
    assert blue.sum() > 2000  # the figures' first colour (matplotlib's tab:blue) is on screen


@pytest.mark.parametrize("args, fragment", [
    (["--replications", "1"], "--replications"),
    (["--lang", "fr"], "invalid choice"),
    (["--set", "population.residents=-5"], "population.residents"),
])
def test_bad_compare_input_one_line_exit_2(tmp_path, args, fragment):
    res = cogov("compare", str(PILOTS[0]), str(PILOTS[1]), "--out", str(tmp_path / "o"), *args)
    assert res.returncode == 2, res.stderr
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_compare_never_overwrites_a_report(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = cogov("compare", str(PILOTS[0]), "--replications", "2", "--out", str(out), *TINY_ARGS)
    assert res.returncode == 2 and "not empty" in res.stderr
    assert (out / "keep.txt").read_text() == "mine" and len(list(out.iterdir())) == 1


def test_compare_names_an_unknown_community_in_a_pilot(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = "{PILOTS[0].as_posix()}"\n[[pilots]]\nlabel = "x"\nset = {{ grid_workers = 2.0 }}\n'
                   "communities = [0, 40]\nstart = 30\nduration = 10\n", encoding="utf-8")
    res = cogov("compare", str(bad), "--replications", "2", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "40" in res.stderr and "bad.toml" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_as_a_reader_sees_it_in_each_language(report, report_en, lang, tmp_path):
    """The top of the planner's report in Chromium, as docs/img shows it: in the reader's language
    (no slugs or English filler in Chinese, no Chinese in English), every figure loaded."""
    from playwright.sync_api import sync_playwright

    from .test_app import FLAGS, chromium

    path = chromium()
    out, _ = report if lang == "zh" else report_en
    shot = tmp_path / f"report_{lang}.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto((out / "report.html").resolve().as_uri())
        page.wait_for_load_state("load")
        text = page.inner_text("body")
        loaded = page.eval_on_selector_all("img", "xs => xs.map(x => x.complete && x.naturalWidth >= 800)")
        page.screenshot(path=str(shot))
        figure = tmp_path / f"report_trajectories_{lang}.png"  # the first figure: the trajectories
        page.locator("img").first.screenshot(path=str(figure))
        browser.close()
    keep_image(shot, f"report_{lang}.png")
    keep_image(figure, f"report_trajectories_{lang}.png")
    assert np.asarray(Image.open(figure).convert("RGB")).std() > 20
    assert len(loaded) == 5 and all(loaded)  # the five figures, at a readable size
    slugs = ("pilot_random_sites", "pilot_best_off_sites", "pilot_mandate", "pilot_imitation", "reform nowhere")
    chinese = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if lang == "zh":
        assert "关键指标" in text and "随机社区试点" in text and len(chinese) > 500
        assert not [slug for slug in slugs if slug in text]
    else:
        assert "Pilot in random communities" in text and not chinese, chinese[:20]
        assert not [slug for slug in slugs[:4] if slug in text]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (1800, 1400) and pixels.std() > 20


def test_every_table_of_the_report_fits_a_1400_pixel_window(report):
    from playwright.sync_api import sync_playwright

    from .test_app import FLAGS, chromium

    path = chromium()
    out, _ = report
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto((out / "report.html").resolve().as_uri())
        widths = page.eval_on_selector_all("table", "ts => ts.map(t => [t.scrollWidth, t.clientWidth])")
        lang = page.eval_on_selector("html", "h => h.lang")
        browser.close()
    assert len(widths) >= 5 and lang == "zh-CN"
    assert all(scroll <= client + 1 for scroll, client in widths), widths  # nothing cut off or scrolled sideways


# ------------------------------------------------------------------------ parameter uncertainty
def test_uncertainty_split_on_a_hand_checked_case():
    from cogov_sim.analysis.compare import uncertainty_split

    # two draws of three seeds: draw means 1 and 3 (between-draw variance 2), within-draw variance 1
    values = np.array([0.0, 1.0, 2.0, 2.0, 3.0, 4.0])
    split = uncertainty_split(values, [0, 0, 0, 1, 1, 1])
    assert split["chance_var"] == pytest.approx(1.0)
    assert split["parameter_var"] == pytest.approx(2.0 - 1.0 / 3)
    assert split["parameter_share"] == pytest.approx((5 / 3) / (5 / 3 + 1))
    assert split["draws_above_zero"] == 1.0
    # the same values, each draw spread like the other: no parameter variance left
    assert uncertainty_split(np.array([0.0, 1.0, 2.0, 0.0, 1.0, 2.0]), [0, 0, 0, 1, 1, 1])["parameter_share"] == 0.0


def test_posterior_draws_follow_the_weights_and_the_seed():
    from cogov_sim.analysis.compare import posterior_draws

    post = pd.DataFrame({"participation.base": [-3.0, -2.0], "weight": [0.0, 1.0]})
    draws = posterior_draws(post, 5, seed=1)
    assert draws == [{"participation.base": -2.0}] * 5  # no weight, never drawn
    post = pd.DataFrame({"participation.base": np.linspace(-3, -2, 50), "weight": np.ones(50)})
    assert posterior_draws(post, 8, seed=3) == posterior_draws(post, 8, seed=3)
    assert posterior_draws(post, 8, seed=3) != posterior_draws(post, 8, seed=4)


def _posterior_file(path):
    pd.DataFrame({"government.cases_per_staff_week": [1.5, 4.5], "participation.base": [-3.2, -1.8],
                  "weight": [0.5, 0.5]}).to_parquet(path, index=False)
    return path


def test_compare_with_posterior_draws_separates_parameters_from_chance(tmp_path):
    post = _posterior_file(tmp_path / "posterior.parquet")
    out = tmp_path / "o"
    res = cogov("compare", "baseline", "active_service", "--replications", "2", "--posterior", "3",
                "--posterior-file", str(post), "--out", str(out), *TINY_ARGS)
    assert res.returncode == 0, res.stderr
    manifest = __import__("json").loads((out / "manifest.json").read_text())
    assert len(manifest["posterior_draws"]) == 3 and manifest["draw_of_replication"] == [0, 0, 1, 1, 2, 2]
    assert len(set(manifest["replication_seeds"])) == 6  # nested: every run of every draw has a seed of its own
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "How sure: the model's parameters and chance" in md and "from parameters" in md
    assert "range over sets" in md
    assert "3 parameter sets drawn from the calibration's posterior" in md


def test_compare_draws_from_the_shipped_posterior_by_default(tmp_path):
    out = tmp_path / "shipped"
    res = cogov("compare", "baseline", "active_service", "--replications", "2", "--posterior", "2", "--out", str(out),
                *TINY_ARGS)
    assert res.returncode == 0, res.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    draws = manifest["posterior_draws"]
    post = pd.read_parquet(ROOT / "cogov_sim" / "data" / "posterior.parquet")
    assert len(draws) == 2 and set(draws[0]) == set(post.columns) - {"weight"}
    assert all(((post[list(d)] == pd.Series(d)).all(axis=1)).any() for d in draws)  # each draw is a particle


@pytest.mark.parametrize("args, fragment", [
    (["--posterior", "1"], "--posterior"),
    (["--posterior-file", "p.parquet"], "without --posterior"),
    (["--posterior", "2", "--posterior-file", "missing.parquet"], "no such file"),
])
def test_bad_posterior_input_one_line_exit_2(tmp_path, args, fragment):
    res = cogov("compare", "baseline", "--replications", "2", "--out", str(tmp_path / "o"), *args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_posterior_with_an_unknown_parameter_is_refused(tmp_path):
    bad = tmp_path / "p.parquet"
    pd.DataFrame({"participation.no_such": [1.0], "weight": [1.0]}).to_parquet(bad, index=False)
    res = cogov("compare", "baseline", "--replications", "2", "--posterior", "2", "--posterior-file", str(bad),
                "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "participation.no_such" in res.stderr and "p.parquet" in res.stderr


def test_a_posterior_with_weights_that_are_not_weights_is_refused(tmp_path):
    bad = tmp_path / "p.parquet"
    pd.DataFrame({"participation.base": [-2.0, -3.0], "weight": [np.nan, 1.0]}).to_parquet(bad, index=False)
    res = cogov("compare", "baseline", "--replications", "2", "--posterior", "2", "--posterior-file", str(bad),
                "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "weight" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_with_draws_every_interval_is_over_the_draws_means():
    from cogov_sim.analysis.compare import Comparison

    cmp = Comparison(plan=None, seed=1, seeds=[1, 2, 3, 4, 5, 6], runs={}, draws=[{}, {}, {}], draw_of=[0, 0, 1, 1, 2, 2])
    x = np.array([1.0, 3.0, 5.0, np.nan, 0.0, 2.0])
    np.testing.assert_allclose(cmp.by_draw(x), [2.0, 5.0, 1.0])
    weeks = np.arange(12.0).reshape(6, 2)
    np.testing.assert_allclose(cmp.by_draw(weeks), [[1, 2], [5, 6], [9, 10]])
    plain = Comparison(plan=None, seed=1, seeds=[1, 2], runs={})
    np.testing.assert_array_equal(plain.by_draw(np.array([1.0, 2.0])), [1.0, 2.0])
