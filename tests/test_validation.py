"""Docking: each mechanism alone against its published model (cogov validate)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.executors import LocalExecutor
from cogov_sim.model.model import CoGovModel
from cogov_sim.validation.checks import load_checks, relation_holds, run_check, run_sets
from cogov_sim.validation.docking import (
    CASES,
    bass_peak,
    bass_recursion,
    case_scenario,
    opinion_clusters,
    parse_thresholds,
    peak_step,
)

from .conftest import ROOT

CHECKS = load_checks()


def cogov(*args, timeout=600):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "cogov_sim.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=timeout)


# ----------------------------------------------------------------------------------- pieces by hand
def test_thresholds_are_numbers_and_inclusive_ranges():
    assert parse_thresholds("0..3", "k") == (0.0, 1.0, 2.0, 3.0)
    assert parse_thresholds([0, 2, "2..4"], "k") == (0.0, 2.0, 2.0, 3.0, 4.0)
    assert parse_thresholds("none", "k") is None
    with pytest.raises(CoGovInputError, match="a..b range"):
        parse_thresholds("0,x", "granovetter.thresholds")


def test_opinion_clusters_split_at_gaps():
    sizes = opinion_clusters(np.array([0.1, 0.11, 0.5, 0.52, 0.53, 0.9]), gap=0.1)
    assert sizes.tolist() == [2, 3, 1]


def test_the_discrete_bass_recursion_and_the_continuous_peak_by_hand():
    f = bass_recursion(0.03, 0.38, 3)
    f1 = 0.03
    f2 = f1 + (0.03 + 0.38 * f1) * (1 - f1)
    assert f.tolist() == pytest.approx([f1, f2, f2 + (0.03 + 0.38 * f2) * (1 - f2)])
    t_star, f_star = bass_peak(0.03, 0.38)
    assert t_star == pytest.approx(6.19, abs=0.005) and f_star == pytest.approx(0.4605, abs=0.0001)
    assert peak_step(np.array([0.1, 0.3, 0.45, 0.5])) == 2


def test_relations():
    assert relation_holds("increasing", [1, 2, 3]) and not relation_holds("increasing", [1, 1, 3])
    assert relation_holds("decreasing", [math.inf, 20, 5]) and relation_holds("increasing_or_equal", [0, 0, 1])
    assert relation_holds(None, [1]) is None
    assert relation_holds("equal", [0.25, 0.25]) and not relation_holds("equal", [0.25, 0.26])


def test_the_isolated_base_switches_every_mechanism_off():
    s = case_scenario("isolated", {"population.residents": 300, "run.steps": 30, "population.aware_share": 0.5,
                                   "network.kind": "watts_strogatz", "network.ws_k": 6}, seed=3)
    m = CoGovModel(s)
    before = {k: getattr(m.residents, k).copy() for k in ("trust", "aware", "cooperator", "efficacy", "privacy",
                                                          "status", "last_part")}
    m.run()
    for name, value in before.items():
        assert np.array_equal(getattr(m.residents, name), value), name
    ts = m.timeseries()
    assert ts["issues_raised"].sum() == 0 and ts["spend"].sum() == 0 and ts["breaches"].sum() == 0


# ----------------------------------------------------------------------------------- the data file
def test_every_check_names_a_case_statistic_source_and_tolerance_reason():
    assert {c.case for c in CHECKS} == set(CASES)
    assert len({c.id for c in CHECKS}) == len(CHECKS)
    for c in CHECKS:
        assert c.source and c.claim and c.why and c.equivalence in ("numerical identity", "distributional",
                                                                    "relational")
        assert len(c.params()) == len(c.expect) == len(c.runs)


def test_a_bad_published_file_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "published.toml"
    bad.write_text('[[checks]]\nid = "x"\ncase = "schelling"\n', encoding="utf-8")
    with pytest.raises(CoGovInputError, match="not a docking case") as err:
        load_checks(bad)
    assert "published.toml" in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------------------- the cases
@pytest.mark.parametrize("case, params, check", [
    ("granovetter", {"n": 30, "thresholds": "0..29"}, lambda s: s["participants"] == 30),
    ("granovetter", {"n": 50, "threshold_mean": -1.0, "threshold_sd": 0.0}, lambda s: s["participants"] == 50),
    ("deffuant", {"n": 200, "epsilon": 0.45, "mu": 0.3, "interactions": 20000}, lambda s: s["major_clusters"] == 1),
    ("santos", {"n": 100, "z": 4, "eta": 0.3, "graphs": 2, "generations": 100},
     lambda s: 0.0 <= s["cooperator_fraction"] <= 1.0),
    ("bass", {"n": 60, "p": 0.1, "q": 0.2, "steps": 12},
     lambda s: np.all(np.diff(s["adoption"]) >= 0) and 1 <= s["peak_step"] <= 12),
    ("centola", {"n": 300, "k": 4, "threshold": 1, "rewiring": 0.05, "steps": 300},
     lambda s: s["adopted_fraction"] >= 0.99 and s["steps_to_99"] is not None),
])
def test_each_case_runs_at_parameters_other_than_the_published(case, params, check):
    res = run_sets(case, [CASES[case].resolve(params)], seed=5, replications=1)[0]
    assert check(res["replications"][0]), res["replications"][0]


def test_case_parameters_are_checked():
    with pytest.raises(CoGovInputError, match="not a parameter of deffuant"):
        CASES["deffuant"].resolve({"epsilonn": 0.2})
    with pytest.raises(CoGovInputError, match="out of range"):
        CASES["deffuant"].resolve({"epsilon": 2})
    with pytest.raises(CoGovInputError, match="allowed: regular, scale_free"):
        CASES["santos"].resolve({"graph": "lattice"})
    with pytest.raises(CoGovInputError, match="exactly n thresholds"):
        run_sets("granovetter", [CASES["granovetter"].resolve({"n": 10, "thresholds": "0..3"})], seed=1,
                 replications=1)


# ----------------------------------------------------------------------------------- docking
#: The checks the tests run; those ``held_out`` are at other parameter points and run only on
#: demand (``cogov validate``), so that passing them is evidence the tests did not select.
TESTED = [c for c in CHECKS if not c.held_out]


@pytest.mark.parametrize("check", [c for c in TESTED if c.case != "santos"], ids=lambda c: c.id)
def test_docking_at_reduced_size(check):
    result = run_check(check, reduced=True)
    assert result.passed, result.to_dict()


@pytest.mark.slow
def test_santos_docking_at_reduced_size():
    """The Santos checks at N = 500 and 3,000 generations, one process (about a minute)."""
    results = [run_check(c, reduced=True) for c in TESTED if c.case == "santos"]
    failed = [r.to_dict() for r in results if not r.passed]
    assert not failed, failed


@pytest.mark.slow
def test_docking_at_full_size():
    """Full size for the cases whose full size is affordable; the Santos checks' full size is the
    published protocol (10^5 generations a run, hours in all), run on demand by cogov validate."""
    ex = LocalExecutor(2)
    try:
        results = [run_check(c, executor=ex) for c in TESTED if c.reduced and c.case != "santos"]
    finally:
        ex.close()
    failed = [r.to_dict() for r in results if not r.passed]
    assert not failed, failed


def _points(checks, reduced):
    return {(c.case, tuple(sorted((k, str(v)) for k, v in p.items()))) for c in checks for p in c.params(reduced)}


def test_held_out_checks_are_at_points_the_tests_do_not_run():
    held = [c for c in CHECKS if c.held_out]
    assert {c.case for c in held} >= {"santos", "deffuant"} and sum(c.case == "santos" for c in held) >= 3
    tested = _points(TESTED, reduced=False) | _points(TESTED, reduced=True)
    assert not _points(held, reduced=False) & tested
    assert all(c.why and not c.reduced for c in held)  # declared, and never run at another size


def test_the_santos_protocol_is_the_published_one():
    """10^5 transient generations then 2,000 averaged, N = 1000, z = 4, 10 runs a point."""
    for c in (c for c in CHECKS if c.case == "santos"):
        assert c.replications == 10
        for p in c.params():
            assert (p["n"], p["z"], p["generations"], p["window"]) == (1000, 4, 102000, 2000)


def test_the_santos_case_is_deterministic_and_averages_its_graphs():
    p = CASES["santos"].resolve({"n": 60, "eta": 0.9, "graphs": 2, "generations": 40, "window": 10})
    a, b = CASES["santos"].run_one(p, 3), CASES["santos"].run_one(p, 3)
    assert a == b and len(a["per_graph"]) == 2 and 0.0 <= a["absorbed_share"] <= 1.0
    assert a["cooperator_fraction"] == pytest.approx(np.mean(a["per_graph"]))


# ----------------------------------------------------------------------------------- the command
def test_validate_json_prints_one_object_per_check_with_params_and_statistics():
    res = cogov("validate", "granovetter", "bass", "--json", "--workers", "1")
    assert res.returncode == 0, res.stderr
    objects = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["check"] for o in objects] == [c.id for c in CHECKS if c.case in ("granovetter", "bass")]
    for o in objects:
        assert o["passed"] and o["runs"] and "params" in o["runs"][0] and "value" in o["runs"][0]


def test_validate_with_params_runs_the_case_there():
    res = cogov("validate", "deffuant", "--param", "n=300", "--param", "epsilon=0.45", "--param",
                "interactions=30000", "--json", "--workers", "1")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["case"] == "deffuant" and out["params"]["epsilon"] == 0.45
    assert out["statistics"]["major_clusters"] == 1 and "clusters" in out["statistics"]
    table = cogov("validate", "granovetter", "--param", "thresholds=0,2,2..99", "--workers", "1")
    assert table.returncode == 0 and "participants" in table.stdout


def test_validate_runs_only_the_checks_asked_for():
    res = cogov("validate", "granovetter", "bass", "--check", "bass_peak", "granovetter_uniform", "--json", "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert [json.loads(line)["check"] for line in res.stdout.splitlines()] == ["granovetter_uniform", "bass_peak"]
    held = cogov("validate", "deffuant", "--held-out", "--reduced", "--json", "--workers", "1")
    assert held.returncode == 0, held.stderr
    ids = [json.loads(line)["check"] for line in held.stdout.splitlines()]
    assert ids == [c.id for c in CHECKS if c.case == "deffuant" and c.held_out] and ids


@pytest.mark.parametrize("args, fragment", [
    (["schelling"], "not a docking case"),
    (["santos", "--check", "bass_peak"], "'bass_peak' is not a check of santos"),
    (["bass", "--held-out"], "no held-out check"),
    (["deffuant", "--param", "epsilonn=0.2"], "not a parameter of deffuant"),
    (["deffuant", "--param", "epsilon=7"], "out of range"),
    (["--param", "epsilon=0.2"], "needs the case"),
])
def test_bad_validate_input_one_line_exit_2(args, fragment):
    res = cogov("validate", *args)
    assert res.returncode == 2 and fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------------- calibration
def test_the_calibration_report_shows_every_pattern_with_value_target_and_gap():
    from cogov_sim.validation.patterns import PATTERNS

    res = cogov("validate", "--patterns", "--json", "--replications", "1", "--workers", "2")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["pattern"] for r in rows] == [p.id for p in PATTERNS]
    for r in rows:
        assert {"pattern", "source", "value", "target", "tolerance", "within", "held_out"} <= set(r)
        assert math.isfinite(r["value"]) and r["gap"] == pytest.approx(r["value"] - r["target"])
        assert r["within"] == (abs(r["value"] - r["target"]) <= r["tolerance"])
        assert r["source"] and r["claim"] and r["construct"] and isinstance(r["held_out"], bool)
    assert len(rows) >= 11 and sum(r["held_out"] for r in rows) >= 3
    by_id = {r["pattern"]: r for r in rows}
    assert 0 <= by_id["reply_rate_online"]["value"] <= 1
    assert by_id["hotline_resolution_end"]["value"] > by_id["hotline_resolution_start"]["value"] + 0.2
    # the pilots' fate shows each experiment: whether it rolled out (0 or 1) and its evaluated gain
    experiments = by_id["pilots_rolled_out"]["experiments"]
    assert len(experiments) == 13 and "data_sharing" in experiments
    assert all(e["pilots_rolled_out"][0] in (0.0, 1.0) and math.isfinite(e["pilot_gain"][0]) for e in experiments.values())
    table = cogov("validate", "--patterns", "--replications", "1", "--workers", "2")
    assert "gap" in table.stdout and "patterns within tolerance" in table.stdout and "(held out)" in table.stdout
    assert "x 13 experiments" in table.stdout


def test_a_pattern_between_two_scenarios_is_their_difference_under_common_seeds():
    from cogov_sim.validation.patterns import PATTERNS, pattern_values

    shift = next(p for p in PATTERNS if p.versus)
    measured = {(shift.scenario, 0): {shift.key: 0.43}, (shift.versus, 0): {shift.key: 0.35},
                (shift.scenario, 1): {shift.key: 0.41}, (shift.versus, 1): {shift.key: 0.36}}
    (res,) = pattern_values([shift], measured, 2)
    assert res.values == pytest.approx([0.08, 0.05]) and res.value == pytest.approx(0.065)
    # a pattern that gives a direction: no shift at all is not within, whatever the tolerance
    assert shift.floor == 0.0 and res.within
    (flat,) = pattern_values([shift], {**measured, (shift.scenario, 0): {shift.key: 0.35},
                                       (shift.scenario, 1): {shift.key: 0.36}}, 2)
    assert flat.value == 0.0 and abs(flat.gap) <= shift.tolerance and not flat.within


def test_the_experiments_are_the_combined_reform_s_levers_each_alone_in_a_district_of_its_own():
    import dataclasses

    from cogov_sim.model.parameters import LEVERS
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.validation.patterns import (
        EXPERIMENT_MARK,
        EXPERIMENT_SCENARIO,
        PATTERNS,
        pattern_tasks,
        scenario_path,
    )

    fate = [p for p in PATTERNS if p.scenario == EXPERIMENT_SCENARIO]
    assert {p.id for p in fate} == {"pilots_rolled_out", "pilot_sites_better_off"}
    tasks = pattern_tasks(seed=3, replications=2, patterns=fate)
    reform = load_scenario(ROOT / "scenarios" / "combined_reform.toml")
    template = load_scenario(scenario_path(EXPERIMENT_SCENARIO))
    moved = [n for n in LEVERS if getattr(reform.levers, n) != getattr(template.levers, n)]
    assert len(moved) == 13 and "online_platform" in moved and "hotline" not in moved
    assert [t[0] for t in tasks] == [f"{EXPERIMENT_SCENARIO}{EXPERIMENT_MARK}{n}" for n in moved] * 2
    assert [t[1] for t in tasks] == [0] * 13 + [1] * 13
    for name, _, s in tasks:
        (pilot,) = s.pilots
        lever = name.split(EXPERIMENT_MARK)[1]
        assert dict(pilot.levers) == {lever: getattr(reform.levers, lever)} and pilot.label == lever
        # everything else is the template's: the same sites rule, extra effort, evaluation and horizon
        assert dataclasses.replace(pilot, levers=template.pilots[0].levers, label=template.pilots[0].label) == \
            template.pilots[0]
        # the reform's budget, so that the sites pay for the lever and the extra effort in full
        assert s.government.budget == reform.government.budget > template.government.budget
        assert dataclasses.replace(s, pilots=template.pilots, run=template.run, government=template.government) == \
            dataclasses.replace(template, run=template.run)
    # each experiment is a district of its own: no two runs share a seed, nor with another pattern's
    everything = pattern_tasks(seed=3, replications=2, residents=3000)
    assert len({s.run.seed for _, _, s in everything}) == 26 + 2
    assert all(s.population.residents == 3000 for _, _, s in everything)
    # and the same root seed gives the same districts
    assert [s.run.seed for _, _, s in pattern_tasks(seed=3, replications=2, patterns=fate)] == \
        [s.run.seed for _, _, s in tasks]


def test_a_pattern_of_experiments_is_their_mean_in_each_replication():
    from cogov_sim.validation.patterns import EXPERIMENT_MARK, EXPERIMENT_SCENARIO, PATTERNS, pattern_values

    rolled = next(p for p in PATTERNS if p.id == "pilots_rolled_out")
    assert rolled.details == ("pilot_gain",)
    f = EXPERIMENT_SCENARIO + EXPERIMENT_MARK

    def run(passed: float, gain: float) -> dict[str, float]:
        return {rolled.key: passed, "pilot_gain": gain}

    measured = {(f + "a", 0): run(1.0, 0.05), (f + "b", 0): run(0.0, -0.01), (f + "c", 0): run(1.0, 0.03),
                (f + "a", 1): run(0.0, 0.01), (f + "b", 1): run(0.0, 0.0), (f + "c", 1): run(1.0, 0.02),
                ("other.toml", 0): run(1.0, 0.0), (EXPERIMENT_SCENARIO + "x" + EXPERIMENT_MARK + "d", 0): run(1.0, 0.0)}
    (res,) = pattern_values([rolled], measured, 2)
    assert res.values == pytest.approx([2 / 3, 1 / 3]) and res.value == pytest.approx(0.5)
    assert res.experiments == {"a": {rolled.key: [1.0, 0.0], "pilot_gain": [0.05, 0.01]},
                               "b": {rolled.key: [0.0, 0.0], "pilot_gain": [-0.01, 0.0]},
                               "c": {rolled.key: [1.0, 1.0], "pilot_gain": [0.03, 0.02]}}
    assert res.to_dict()["experiments"] == res.experiments
    # a replication none of whose experiments was measured is an error, not a mean of nothing
    with pytest.raises(KeyError, match="replication 2"):
        pattern_values([rolled], measured, 3)


def test_positive_selection_counts_experiments_whose_sites_are_above_the_mean_on_average():
    from cogov_sim.validation.patterns import positive_selection

    level = np.array([0.2, 0.4, 0.6, 0.8, np.nan])  # mean 0.5 over the communities with a value
    # sites {3, 0} average 0.5: not above (strictly); {2, 3} 0.7: above; {1} 0.4: below; no sites: left out
    assert positive_selection(level, [np.array([3, 0]), np.array([2, 3]), np.array([1]), np.array([], int)]) == 1 / 3
    assert positive_selection(level, [np.array([4, 3])]) == 1.0  # a site without a value is left out of its mean
    assert np.isnan(positive_selection(level, [np.array([], int)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pilot whose only site has no value: not above, and no warning
        assert positive_selection(level, [np.array([4]), np.array([2, 3])]) == 0.5
