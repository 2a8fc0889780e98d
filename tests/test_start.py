"""Runs from a stored week-0 state (a start) are the runs built from their scenario, bit for bit."""

from __future__ import annotations

import dataclasses
import hashlib

import networkx as nx
import numpy as np
import pytest

from cogov_sim import CoGovModel, Scenario, load_scenario
from cogov_sim.experiments.starts import StartCache, start_bytes
from cogov_sim.experiments.sweep import RunTask, run_task
from cogov_sim.model.model import Start, start_key
from tests.conftest import ROOT, small

#: Groups of shipped scenarios that differ only in what acts from week 1 on (levers,
#: interventions, shocks, pilots, horizon) and in budgets that pay for the status quo in full:
#: each group shares one start.
SHARING = (("baseline.toml", "data_breach.toml", "online_platform.toml", "collaborative_cogovernance.toml",
            "combined_reform.toml", "reform_under_austerity.toml"),
           ("mixed_estates.toml", "pilots/01_random_sites.toml", "pilots/05_imitation.toml"))
QUICK = {"population.residents": 1000, "run.burn_in": 60, "run.seed": 5}


def digest(model: CoGovModel) -> str:
    """Hash of every outcome series (overall, per community, per institution) and resident array."""
    h = hashlib.sha256()
    for table in (model.timeseries(), model.community_timeseries(), model.institution_table()):
        for name in sorted(table):
            h.update(name.encode())
            h.update(np.ascontiguousarray(table[name]).tobytes() if table[name].dtype != object
                     else repr(table[name].tolist()).encode())
    for f in dataclasses.fields(model.residents):
        h.update(np.ascontiguousarray(getattr(model.residents, f.name)).tobytes())
    return h.hexdigest()


def fresh(scenario: Scenario) -> str:
    model = CoGovModel(scenario)
    model.run()
    return digest(model)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Scenario]:
    return {name: load_scenario(ROOT / "scenarios" / name, QUICK) for group in SHARING for name in group}


def test_policy_scenarios_share_a_key_and_what_the_burn_in_sees_separates_them(shipped):
    keys = [{start_key(shipped[name]) for name in group} for group in SHARING]
    assert [len(k) for k in keys] == [1, 1]
    assert len(set.union(*keys)) == 2  # the spread of needs and ages differ between groups
    assert len({shipped[name].government.budget for name in SHARING[0]}) > 1
    assert len({shipped[name].levers for name in SHARING[0][:5]}) == 5  # the austerity reform differs by a cut


@pytest.mark.parametrize("group", range(len(SHARING)))
def test_a_run_from_a_start_is_the_run_built_from_its_scenario(shipped, group):
    names = SHARING[group]
    start = Start(CoGovModel(shipped[names[0]]))
    inert = shipped[names[0]].with_values({"run.inert_levers": ["transparency"], "run.steps": 40})
    for scenario in (*(shipped[name] for name in names), inert):
        model = CoGovModel.from_start(start, scenario)
        assert model.burn_in_weeks == start.burn_in_weeks
        model.run()
        assert digest(model) == fresh(scenario), scenario.name


def test_a_start_is_not_changed_by_the_runs_taken_from_it(shipped):
    base = CoGovModel(shipped["mixed_estates.toml"])
    start = Start(base)
    base.run()  # the model a start was taken from may go on
    first = CoGovModel.from_start(start, shipped["pilots/01_random_sites.toml"])
    first.run()
    again = CoGovModel.from_start(start, shipped["pilots/01_random_sites.toml"])
    again.run()
    assert digest(first) == digest(again) == fresh(shipped["pilots/01_random_sites.toml"])
    assert first.network is again.network  # shared, never written


def test_the_budget_is_in_the_key_only_where_it_does_not_pay_for_the_status_quo():
    """The status quo's levers cost 43.2 CNY a resident a year at the defaults (the hotline,
    grid workers, some openness, upkeep): any budget above pays them in full, so the burn-in is
    the same; below, it is not, and neither is a burn-in with a budget cut before week 1."""
    from cogov_sim.model.model import covers_the_status_quo
    from cogov_sim.model.scenario import Shock

    costs = small().costs
    assert covers_the_status_quo(costs, 43.3) and not covers_the_status_quo(costs, 43.2)
    key = lambda budget, **kw: start_key(small(**{"government.budget": budget, **kw}))  # noqa: E731
    assert key(120.0) == key(320.0) and key(20.0) != key(30.0) and key(20.0) != key(120.0)
    cut = dataclasses.replace(small(**{"government.budget": 120.0}),
                              shocks=(Shock(kind="budget_cut", step=0, duration=1, magnitude=0.5),))
    assert start_key(cut) != start_key(dataclasses.replace(cut, government=dataclasses.replace(
        cut.government, budget=320.0)))
    poor = CoGovModel(small(**{"government.budget": 20.0, "run.burn_in": 30}))
    rich = CoGovModel(small(**{"government.budget": 320.0, "run.burn_in": 30}))
    ample = CoGovModel(small(**{"government.budget": 120.0, "run.burn_in": 30}))
    assert np.array_equal(rich.residents.trust, ample.residents.trust)
    assert not np.array_equal(poor.residents.trust, ample.residents.trust)


def test_a_start_refuses_what_would_change_its_burn_in():
    start = Start(CoGovModel(small(**{"run.burn_in": 2})))
    for key, value in (("run.seed", 99), ("issues.rate", 0.01), ("run.burn_in", 3), ("population.residents", 601)):
        with pytest.raises(ValueError, match="burnt in for another scenario"):
            start.model(small(**{"run.burn_in": 2, key: value}))
    stepped = CoGovModel(small())
    stepped.step()
    with pytest.raises(ValueError, match="week 0"):
        Start(stepped)


def test_a_network_file_is_read_once_and_fitted_for_every_scenario(tmp_path):
    g = nx.connected_caveman_graph(6, 40)
    for v in g.nodes:
        g.nodes[v]["community"] = v // 40
    nx.write_graphml(g, tmp_path / "g.graphml")
    base = Scenario().with_values({"network.kind": "file", "network.file": "g.graphml", "run.burn_in": 30,
                                   "run.steps": 20})
    base = dataclasses.replace(base, base_dir=str(tmp_path))
    reform = base.with_values({"levers.online_platform": True, "levers.digital_investment": 0.8})
    start = Start(CoGovModel(base))
    model = CoGovModel.from_start(start, reform)
    assert model.n == 240 and model.settings.space.communities == 6
    model.run()
    assert digest(model) == fresh(reform)


def test_the_cache_builds_once_per_key_and_keeps_to_its_budget():
    a, b = small(**{"run.seed": 1}), small(**{"run.seed": 2})
    size = start_bytes(CoGovModel(a))
    assert 600 * 8 < size < 600 * 4000 + (2 << 20)  # resident arrays and network, not a guess per resident
    cache = StartCache(budget_bytes=int(2.5 * size))
    for s in (a, a.with_values({"levers.online_platform": True}), b, a):
        model = cache.model(s)
        model.run()
        assert digest(model) == fresh(s)
    assert (cache.built, cache.reused, len(cache)) == (2, 2, 2)
    cache.model(small(**{"run.seed": 3}))  # over budget (three starts): the least recent goes
    assert len(cache) == 2 and cache.built == 3
    cache.model(b)
    assert cache.built == 4  # b was the least recently used
    lone = StartCache()
    lone.model(a, keep=False)  # a calibration's run: nothing it builds can serve another
    assert len(lone) == 0 and lone.built == 1


def test_a_dense_network_counts_for_what_it_holds():
    sparse = CoGovModel(small(**{"run.burn_in": 1}))
    dense = CoGovModel(small(**{"run.burn_in": 1, "network.kind": "complete"}))
    assert start_bytes(dense) > 5 * start_bytes(sparse)


def test_sweep_runs_give_the_same_rows_with_and_without_kept_starts():
    from cogov_sim.experiments.design import OutcomeSpec, RunSpec
    from cogov_sim.experiments.starts import process_starts

    base = small(**{"run.burn_in": 20})
    outcomes = OutcomeSpec(names=("participation_rate", "mean_trust", "resolution_rate"), keep=("final", "summary"))
    tasks = [RunTask(RunSpec(run_id=i, point=i % 2, replication=0, seed=7,
                             values={"levers.online_platform": bool(i % 2)}), base, outcomes, "t", True)
             for i in range(4)]
    process_starts().clear()
    rows = [run_task(t)["row"] for t in tasks]
    assert process_starts().reused >= 3
    for t, row in zip(tasks, rows, strict=True):
        process_starts().clear()
        again = run_task(t)["row"]
        assert row["status"] == again["status"] == "ok"
        assert {k: v for k, v in row.items() if k != "wall_s"} == {k: v for k, v in again.items() if k != "wall_s"}


def test_a_start_whose_burn_in_stopped_once_stationary_gives_the_fresh_run():
    base = Scenario().with_values({"run.steps": 30})  # at the default size the stationarity test ends it early
    start = Start(CoGovModel(base))
    assert 104 < start.burn_in_weeks < 520
    reform = base.with_values({"levers.online_platform": True, "levers.active_service": 1.0})
    model = CoGovModel.from_start(start, reform)
    model.run()
    assert digest(model) == fresh(reform)


def test_a_sweep_shares_starts_only_when_every_factor_is_a_lever(tmp_path):
    from cogov_sim.experiments.design import load_experiment
    from cogov_sim.experiments.sweep import shares_starts

    exp = load_experiment(ROOT / "experiments" / "smoke.toml")
    assert not shares_starts(exp)  # trust.epsilon changes the burn-in
    levers_only = dataclasses.replace(exp, factors=tuple(f for f in exp.factors if f.key.startswith("levers.")))
    assert shares_starts(levers_only)
