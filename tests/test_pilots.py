"""Pilot programmes and scale-up: site selection, difference-in-differences, Bass imitation,
mandates, levers from the start, per-community outputs, and bad pilot settings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.runner import tables
from cogov_sim.model.model import CoGovModel, rules
from cogov_sim.model.pilots import (
    IMITATION,
    MANDATE,
    adoption_probability,
    difference_in_differences,
    select_sites,
)
from cogov_sim.model.scenario import Pilot, Scenario, load_scenario

from .conftest import small


def with_pilots(scenario: Scenario, *pilots: Pilot) -> Scenario:
    return dataclasses.replace(scenario, pilots=tuple(pilots))


def write(tmp_path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """
[run]
steps = 30
burn_in = 4
[population]
residents = 600
[space]
communities = 6
"""


# ------------------------------------------------------------------------------------ pure rules
def test_select_sites_random_takes_the_smallest_draws_and_skips_the_ineligible():
    u = np.array([0.9, 0.1, 0.5, 0.05, 0.7])
    assert select_sites("random", 2, u=u).tolist() == [1, 3]
    eligible = np.array([True, False, True, True, True])
    assert select_sites("random", 2, u=u, eligible=eligible).tolist() == [2, 3]


def test_select_sites_by_score_takes_the_highest_ties_to_the_lower_index():
    score = np.array([1.0, 3.0, 3.0, 2.0])
    assert select_sites("most_able", 2, score=score).tolist() == [1, 2]
    assert select_sites("most_in_need", 3, score=score).tolist() == [1, 2, 3]
    assert select_sites("most_able", 10, score=score).tolist() == [0, 1, 2, 3]


def test_difference_in_differences_by_hand():
    pre = np.array([0.2, 0.3, 0.4, 0.1])
    post = np.array([0.5, 0.5, 0.45, 0.2])  # treated change 0.3, 0.2 (mean 0.25); control 0.05, 0.1 (0.075)
    treated = np.array([True, True, False, False])
    assert difference_in_differences(pre, post, treated, ~treated) == pytest.approx(0.175)
    assert np.isnan(difference_in_differences(pre, post, treated, np.zeros(4, dtype=bool)))


@given(st.lists(st.floats(-5, 5), min_size=6, max_size=30), st.floats(-3, 3), st.floats(-2, 2), st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_difference_in_differences_recovers_a_planted_effect_whatever_the_common_trend(pre, effect, trend, seed):
    pre = np.array(pre)
    treated = np.random.default_rng(seed).random(pre.size) < 0.5
    treated[0], treated[1] = True, False
    post = pre + trend + effect * treated
    assert difference_in_differences(pre, post, treated, ~treated) == pytest.approx(effect, abs=1e-9)


def test_adoption_probability_by_hand():
    adopted = np.array([True, False, False, False])
    links = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 1], [0, 0, 1, 0]], dtype=bool)
    prob = adoption_probability(adopted, links, p=0.1, q=0.5)
    # community 1: 1 of 1 neighbour adopted; 2: 1 of 2; 3: 0 of 1; adopted community: 0
    assert prob.tolist() == pytest.approx([0.0, 0.6, 0.35, 0.1])
    everyone = adoption_probability(adopted, None, p=0.1, q=0.5)
    assert everyone.tolist() == pytest.approx([0.0, 0.225, 0.225, 0.225])


# ------------------------------------------------------------------------------------ in the model
def test_pilot_communities_get_the_levers_only_from_their_start_and_extra_effort_only_during_it():
    pl = Pilot(levers={"grid_workers": 3.0}, extra={"training": 20.0}, start=8, duration=6, window=4,
               communities=(0, 2), select="list")
    s = with_pilots(small(), pl)
    m = CoGovModel(s)
    base_training, base_grid = float(m.levers["training"][1]), float(m.levers["grid_workers"][1])
    seen = []
    for week in range(1, s.run.steps + 1):
        m.step()
        seen.append((week, m.levers["grid_workers"].copy(), m.levers["training"].copy()))
    for week, grid, training in seen:
        in_pilot = week >= pl.start
        assert grid[[0, 2]].tolist() == ([3.0, 3.0] if in_pilot else [base_grid] * 2), week
        assert (grid[[1, 3, 4, 5]] == base_grid).all(), week
        during = pl.start <= week < pl.end
        assert training[[0, 2]].tolist() == ([20.0, 20.0] if during else [base_training] * 2), week
        assert (training[[1, 3, 4, 5]] == base_training).all(), week
    table = m.pilots.table()
    assert table["is_pilot"].tolist() == [True, False, True, False, False, False]
    assert table["adopted_step"].tolist() == [8, -1, 8, -1, -1, -1]
    assert table["adoption_reason"].tolist() == ["pilot", "", "pilot", "", "", ""]


def test_a_pilot_leaves_everything_before_its_start_unchanged():
    s = small()
    pl = Pilot(levers={"online_platform": True, "digital_investment": 30.0}, start=10, duration=8, window=4,
               select="random", count=2)
    a, b = CoGovModel(s), CoGovModel(with_pilots(s, pl))
    a.run()
    b.run()
    before = slice(0, pl.start - 1)
    ta, tb = a.timeseries(), b.timeseries()
    for name in ("participation_rate", "mean_trust", "backlog", "spend"):
        assert np.array_equal(ta[name][before], tb[name][before], equal_nan=True), name
    assert not np.array_equal(ta["spend"], tb["spend"])


def test_the_per_community_table_says_who_piloted_when_and_why():
    pl = Pilot(levers={"grid_workers": 2.0}, start=6, duration=6, window=4, select="most_in_need", count=2,
               scale_up="mandate", threshold=-1e9, evaluate="resolution_rate")
    m = CoGovModel(with_pilots(small(), pl))
    m.run()
    _, cs = tables(m)
    last = cs[cs["step"] == cs["step"].max()].set_index("community")
    assert last["is_pilot"].sum() == 2
    assert (last.loc[last["is_pilot"], "adopted_step"] == 6).all()
    assert (last.loc[last["is_pilot"], "adoption_reason"] == "pilot").all()
    assert (last.loc[~last["is_pilot"], "adoption_reason"] == "mandate").all()
    assert (last.loc[~last["is_pilot"], "adopted_step"] == pl.end).all()
    assert (last["adopted"] == 1.0).all()


def test_most_in_need_and_most_able_pick_the_communities_with_the_highest_score():
    for rule in ("most_in_need", "most_able", "best_connected"):
        pl = Pilot(levers={"grid_workers": 2.0}, start=6, duration=6, window=4, select=rule, count=2)
        m = CoGovModel(with_pilots(small(), pl))
        for _ in range(pl.start - 1):
            m.step()
        score = m.pilots.site_score(rule)
        m.step()
        chosen = m.pilots.sites[0]
        assert score[chosen].min() >= np.delete(score, chosen).max(), rule


def test_a_mandate_fires_only_past_its_threshold():
    base = dict(levers={"grid_workers": 3.0, "active_service": 1.0}, start=6, duration=10, window=4,
                communities=(0, 1), select="list", evaluate="resolution_rate", scale_up="mandate")
    probe = CoGovModel(with_pilots(small(), Pilot(**base, threshold=0.0)))
    probe.run()
    gain = probe.pilots.evaluations[0].gain
    assert np.isfinite(gain)
    for threshold, fires in ((gain - 1e-9, True), (gain, True), (gain + 1e-9, False)):
        m = CoGovModel(with_pilots(small(), Pilot(**base, threshold=threshold)))
        m.run()
        ev = m.pilots.evaluations[0]
        assert ev.gain == gain  # common random numbers: the same evaluation whatever the threshold
        assert ev.passed is fires
        reasons = m.pilots.reason
        assert bool((reasons == MANDATE).sum() == 4) is fires, threshold
        if fires:
            assert (m.levers["grid_workers"] == 3.0).all()
            assert (m.pilots.adopted_at[2:] == base["start"] + base["duration"]).all()
        else:
            assert (m.levers["grid_workers"][2:] == probe.settings.levers.grid_workers).all()


def _bass(p: float, q: float, weeks: int) -> np.ndarray:
    """The discrete Bass recursion F(t+1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0."""
    f, out = 0.0, []
    for _ in range(weeks):
        f = f + (p + q * f) * (1.0 - f)
        out.append(f)
    return np.array(out)


@pytest.mark.slow
def test_imitation_on_many_communities_follows_the_bass_curve():
    p, q, weeks = 0.03, 0.38, 30  # Bass (1969) textbook values, per step
    s = Scenario().with_values({"population.residents": 8000, "space.communities": 800, "run.steps": weeks,
                                "run.burn_in": 0})
    pl = Pilot(levers={"online_platform": True}, start=1, duration=1, window=1, select="random", count=0,
               scale_up="imitation", p=p, q=q, neighbourhood="all")
    curves = []
    for seed in (1, 2, 3):
        m = CoGovModel(with_pilots(s, pl).with_values({"run.seed": seed}))
        m.run()
        curves.append(m.timeseries()["adopted"])
        assert set(np.unique(m.pilots.reason)) <= {0, IMITATION}
    mean = np.mean(curves, axis=0)
    expected = _bass(p, q, weeks)
    assert np.abs(mean - expected).max() < 0.03, np.abs(mean - expected).max()
    # the S shape: adoption accelerates, then slows
    gains = np.diff(np.concatenate([[0.0], expected]))
    assert gains.argmax() not in (0, weeks - 1)


def test_imitation_over_the_network_uses_neighbouring_communities_only():
    s = small(**{"space.communities": 6})
    pl = Pilot(levers={"grid_workers": 1.0}, start=6, duration=4, window=4, communities=(0,), select="list",
               scale_up="imitation", p=0.0, q=1.0)
    m = CoGovModel(with_pilots(s, pl))
    links = m.pilots.neighbours.copy()
    links[:] = False
    links[0, 1] = links[1, 0] = True  # only community 1 is linked to the pilot
    m.pilots.neighbours = links
    m.run()
    adopted = m.pilots.adopted
    assert adopted[0] and adopted[1] and not adopted[2:].any()


def test_the_difference_in_differences_recovers_a_known_effect():
    """Digital investment moves platform quality along a known path (no chance involved, budget
    ample), so the evaluation must find exactly the difference in differences of that path:
    pilot sites relax toward the higher target from the start, the others keep their course."""
    s = small(**{"government.budget": 10_000.0, "run.steps": 40})
    pl = Pilot(levers={"digital_investment": 40.0}, start=10, duration=20, window=6, communities=(1, 3, 4),
               select="list", evaluate="platform_quality")
    m = CoGovModel(with_pilots(s, pl))
    q0 = float(m.government.platform_quality[0])  # after burn-in, the same in every community
    m.run()
    cap, g = s.capacity, s.government

    def path(spend_from_start: float) -> np.ndarray:
        q, out = q0, []
        for week in range(1, s.run.steps + 1):
            spend = spend_from_start if week >= pl.start else s.levers.digital_investment
            q = rules.relax(q, rules.target_level(g.initial_platform_quality, spend, cap.platform_scale),
                            cap.platform_lag)
            out.append(q)
        return np.array(out)

    def change(y: np.ndarray) -> float:  # weeks [end - window, end) against [start - window, start)
        return y[pl.end - 1 - pl.window:pl.end - 1].mean() - y[pl.start - 1 - pl.window:pl.start - 1].mean()

    known = change(path(40.0)) - change(path(s.levers.digital_investment))
    ev = m.pilots.evaluations[0]
    assert ev.sites == [1, 3, 4] and ev.controls == [0, 2, 5]
    assert ev.effect == pytest.approx(known, rel=1e-9)
    assert ev.comparison_change == pytest.approx(change(path(s.levers.digital_investment)), rel=1e-9)
    assert known > 0.05


# ------------------------------------------------------------------------------------ bad settings
@pytest.mark.parametrize("pilot, fragment", [
    ('communities = [0, 99]\nstart = 6\nduration = 5\nwindow = 4', "99"),
    ('select = "random"\ncount = 2\nstart = 20\nduration = 20\nwindow = 4', "longer than the run"),
    ('select = "random"\ncount = 6\nstart = 6\nduration = 5\nwindow = 4', "no comparison community"),
    ('select = "random"\ncount = 2\nstart = 3\nduration = 5', "recorded weeks before the start"),
    ('select = "luck"\ncount = 2\nstart = 6\nduration = 5\nwindow = 4', "allowed: list, random"),
    ('select = "random"\nstart = 6\nduration = 5\nwindow = 4', "exactly one of 'count' or 'share'"),
    ('select = "random"\ncount = 2\nstart = 6\nduration = 5\nwindow = 4\nscale_up = "mandate"', "threshold"),
    ('select = "random"\ncount = 2\nstart = 6\nduration = 5\nwindow = 4\nevaluate = "happiness"', "not an outcome"),
])
def test_bad_pilots_get_one_clear_error(tmp_path, pilot, fragment):
    path = write(tmp_path, SMALL + "\n[[pilots]]\nset = { grid_workers = 2.0 }\n" + pilot + "\n")
    with pytest.raises(CoGovInputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert fragment in message and "\n" not in message and "pilots" in message and "s.toml" in message


def test_overlapping_pilots_that_set_a_lever_differently_are_refused(tmp_path):
    text = SMALL + """
[[pilots]]
label = "a"
set = { grid_workers = 2.0 }
select = "random"
count = 2
start = 6
duration = 5
window = 4

[[pilots]]
label = "b"
set = { grid_workers = 3.0 }
select = "random"
count = 2
start = 8
duration = 5
window = 4
"""
    # sites chosen by a rule are never sites already taken: two such pilots that spread nothing never share one
    assert len(load_scenario(write(tmp_path, text)).pilots) == 2
    spreading = text.replace('count = 2\nstart = 6\nduration = 5\nwindow = 4',
                             'count = 2\nstart = 6\nduration = 5\nwindow = 4\nscale_up = "mandate"\nthreshold = 0.0')
    assert spreading != text
    with pytest.raises(CoGovInputError, match="set grid_workers differently"):
        load_scenario(write(tmp_path, spreading))
    disjoint = text.replace('select = "random"\ncount = 2\nstart = 6', 'communities = [0, 1]\nstart = 6').replace(
        'select = "random"\ncount = 2\nstart = 8', 'communities = [2, 3]\nstart = 8')
    assert len(load_scenario(write(tmp_path, disjoint)).pilots) == 2


def test_shipped_pilot_scenarios_pilot_the_same_reform_with_every_selection_and_scale_up(root):
    scenarios = [load_scenario(p) for p in sorted((root / "scenarios" / "pilots").glob("*.toml"))]
    assert len(scenarios) >= 5
    reforms = {tuple(sorted(s.pilots[0].levers.items())) for s in scenarios}
    assert len(reforms) == 1
    assert {"random", "most_able", "most_in_need"} <= {s.pilots[0].select for s in scenarios}
    assert {"none", "mandate", "imitation"} <= {s.pilots[0].scale_up for s in scenarios}
    for s in scenarios:
        assert s.scenario.description and s.scenario.description_zh
        assert s.pilots[0].n_sites(s.space.communities) > 0



def test_a_pilot_run_writes_its_table_and_evaluation_and_rebuilds_from_its_scenario_file(root, tmp_path):
    from cogov_sim.experiments.runner import run_scenario

    s = load_scenario(root / "scenarios" / "pilots" / "04_mandate.toml",
                      {"population.residents": 800, "space.communities": 8, "run.steps": 60, "run.burn_in": 4})
    first = run_scenario(s, out_dir=tmp_path / "a")
    evaluation = first.manifest["pilots"][0]
    assert evaluation["pilot"] == "online platform" and len(evaluation["sites"]) == 3
    assert set(evaluation["sites"]).isdisjoint(evaluation["controls"])
    rebuilt = load_scenario(tmp_path / "a" / "scenario.toml")
    assert rebuilt.pilots == s.pilots
    again = run_scenario(rebuilt, out_dir=tmp_path / "b")
    assert (tmp_path / "a" / "communities.parquet").read_bytes() == (tmp_path / "b" / "communities.parquet").read_bytes()
    cs = first.communities
    assert {"pilot", "is_pilot", "adopted_step", "adoption_reason", "adopted"} <= set(cs.columns)
    assert again.manifest["pilots"] == first.manifest["pilots"]
