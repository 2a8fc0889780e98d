"""Morris screening of the calibrated parameters against the patterns (cogov screen): units of the
effects on a function known by hand, the influence rule, a pattern's reach, bad input, and a
reduced screening end to end through the command line with its files read back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cogov_sim.analysis.sensitivity import morris_effects
from cogov_sim.validation import screening as scr
from cogov_sim.validation.patterns import PATTERNS, Pattern, runs_per_replication
from tests.test_calibration import cogov

SETTINGS = scr.ScreeningSettings(parameters=("participation.base", "government.cases_per_staff_week",
                                             "institutions.accountability"), trajectories=6, replications=1)


def test_effects_are_in_tolerances_over_the_whole_plausible_range():
    """A pattern moving by 2 tolerances from the low to the high end of one parameter's range,
    and not at all with the others, has mu* = 2 for that parameter and 0 for the others."""
    unit, points = scr.design(SETTINGS)
    assert len(points) == SETTINGS.points == 6 * 4
    p = PATTERNS[0]
    table = pd.DataFrame(points)
    for q in PATTERNS:
        table[q.id] = 0.0
    table[p.id] = 2.0 * p.tolerance * unit[:, 1]
    table[scr.DISTANCE] = unit[:, 0]
    eff = scr.elementary_effects(table, unit, SETTINGS, PATTERNS, morris_effects)
    on_p = eff[eff["pattern"] == p.id].set_index("parameter")
    assert on_p.loc["government.cases_per_staff_week", "mu_star"] == pytest.approx(2.0)
    assert on_p.loc["government.cases_per_staff_week", "mu"] == pytest.approx(2.0)
    assert on_p.loc["participation.base", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    on_d = eff[eff["pattern"] == scr.DISTANCE].set_index("parameter")
    assert on_d.loc["participation.base", "mu_star"] == pytest.approx(1.0)


def test_the_design_comes_from_the_root_seed_and_spans_each_plausible_range():
    unit, points = scr.design(SETTINGS)
    unit2, points2 = scr.design(SETTINGS)
    assert np.array_equal(unit, unit2) and points == points2
    other, _ = scr.design(scr.ScreeningSettings(**{**SETTINGS.__dict__, "seed": 7}))
    assert not np.array_equal(unit, other)
    ranges = scr.prior_ranges(SETTINGS.parameters)
    for key, (lo, hi) in ranges.items():
        values = sorted({pt[key] for pt in points})
        assert values[0] == pytest.approx(lo) and values[-1] == pytest.approx(hi)
    # along a trajectory, consecutive points differ in exactly one parameter
    for t in range(SETTINGS.trajectories):
        block = unit[t * 4:(t + 1) * 4]
        assert (np.count_nonzero(np.diff(block, axis=0), axis=1) == 1).all()


def test_a_parameter_is_influential_only_when_its_interval_clears_the_threshold():
    fit = [Pattern("a", "x.toml", "", "", "", 0.5, 0.1), Pattern("b", "x.toml", "", "", "", 0.5, 0.1)]
    held = Pattern("h", "x.toml", "", "", "", 0.5, 0.1, held_out=True)
    effects = pd.DataFrame([
        {"parameter": "strong", "pattern": "a", "mu": 1, "mu_star": 1.0, "mu_star_conf": 0.2, "sigma": 0},
        {"parameter": "noisy", "pattern": "a", "mu": 0, "mu_star": 0.4, "mu_star_conf": 0.3, "sigma": 0},
        {"parameter": "weak", "pattern": "b", "mu": 0, "mu_star": 0.3, "mu_star_conf": 0.0, "sigma": 0},
        {"parameter": "only_held", "pattern": "h", "mu": 5, "mu_star": 5.0, "mu_star_conf": 0.0, "sigma": 0},
        {"parameter": "only_held", "pattern": "a", "mu": 0, "mu_star": 0.0, "mu_star_conf": 0.0, "sigma": 0},
    ])
    assert scr.influential(effects, fit, threshold=0.25) == ["strong", "weak"]
    assert scr.influential(effects, [*fit, held], threshold=0.25) == ["only_held", "strong", "weak"]


def test_reach_and_the_best_point_on_a_hand_made_table():
    p = Pattern("a", "x.toml", "", "", "", 0.5, 0.1)
    q = Pattern("b", "x.toml", "", "", "", 0.0, 0.1, floor=0.0)
    table = pd.DataFrame({"a": [0.3, 0.45, 0.9, np.nan], "b": [0.05, -0.05, 0.0, 0.05],
                          scr.DISTANCE: [3.0, 0.4, 9.0, np.nan]})
    reach = scr.pattern_reach(table, [p, q]).set_index("pattern")
    assert reach.loc["a", "low"] == 0.3 and reach.loc["a", "high"] == 0.9 and reach.loc["a", "unmeasured"] == 1
    assert reach.loc["a", "share_within"] == pytest.approx(1 / 3)
    assert reach.loc["b", "share_within"] == pytest.approx(0.5)  # within 0.1 of 0 and above the floor
    best = scr.best_point(table, [p, q])
    assert best["point"] == 1 and best["distance"] == 0.4
    assert best["patterns"] == {"a": True, "b": False} and best["within"] == 1


@pytest.mark.parametrize(("args", "fragment"), [
    (["--parameters", "participation.base"], "--parameters"),
    (["--parameters", "participation.base", "no.such"], "'no.such' is not a calibrated parameter"),
    (["--parameters", "participation.base", "participation.base"], "named twice"),
    (["--trajectories", "1"], "at least 2 trajectories"),
    (["--levels", "3"], "an even number of levels"),
    (["--replications", "0"], "at least 1 replication"),
    (["--residents", "5"], "10 to 200000 residents"),
    (["--workers", "0"], "--workers"),
])
def test_bad_screen_input_is_one_line_and_exit_2(tmp_path, args, fragment):
    res = cogov("screen", "--out", str(tmp_path / "s"), *args)
    assert res.returncode == 2, res.stderr
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_a_reduced_screening_runs_end_to_end_and_never_overwrites(tmp_path):
    out = tmp_path / "screen"
    args = ["screen", "--parameters", "participation.base", "government.cases_per_staff_week", "--trajectories", "2",
            "--replications", "1", "--residents", "2000", "--workers", "2", "--seed", "5", "--out", str(out)]
    res = cogov(*args)
    assert res.returncode == 0, res.stderr
    assert "points" in res.stderr and "move a fitting pattern" in res.stdout
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 2 * 3
    assert {"participation.base", "government.cases_per_staff_week", scr.DISTANCE} <= set(points.columns)
    assert {p.id for p in PATTERNS} <= set(points.columns)
    effects = pd.read_csv(out / "effects.csv")
    assert set(effects["parameter"]) == {"participation.base", "government.cases_per_staff_week"}
    assert (effects["mu_star"] >= 0).all() and scr.DISTANCE in set(effects["pattern"])
    # fewer staff hours per case move the hotline's resolution: the strongest lever of the hotline patterns
    # (at 2,000 residents: at 300 the first quarter closes a few dozen cases, and chance can reverse the sign)
    hot = effects[effects["pattern"] == "hotline_resolution_start"].set_index("parameter")
    assert hot.loc["government.cases_per_staff_week", "mu"] > 0
    reach = pd.read_csv(out / "reach.csv")
    assert list(reach["pattern"]) == [p.id for p in PATTERNS]
    assert (reach["low"] <= reach["high"]).all()
    summary = json.loads((out / "screening.json").read_text())
    assert summary["points"] == 6 and summary["runs"] == 6 * runs_per_replication()
    listed = (out / "influential.txt").read_text().split()
    assert listed == summary["influential"]
    assert (out / "effects.png").stat().st_size > 10_000
    again = cogov(*args)
    assert again.returncode == 2 and "already here" in again.stderr
    assert pd.read_parquet(out / "points.parquet").equals(points)


def test_the_age_ratio_of_a_street_where_no_young_resident_took_part_stays_finite():
    from cogov_sim.validation.patterns import age_ratio

    older = np.array([True, True, False, False, False, False])
    young = ~older
    assert age_ratio(np.array([True, False, True, False, False, False]), older, young) == pytest.approx(2.0)
    # no young resident took part: as if one of the four had
    assert age_ratio(np.array([True, True, False, False, False, False]), older, young) == pytest.approx(4.0)
