"""The institutions decide: their policies on hand-checked cases, one contract test over every
registered policy, invariants, and institutions.parquet showing each kind respond to what it sees."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogov_sim.experiments.runner import run_scenario
from cogov_sim.model.model import CoGovModel
from cogov_sim.model.parameters import Institutions
from cogov_sim.model.policies import KINDS, POLICIES, POLICY_NAMES, get_policy
from cogov_sim.model.policies.enterprise import csr_target, local_demand
from cogov_sim.model.policies.government import effort_target, pressure
from cogov_sim.model.policies.organisation import proportional
from cogov_sim.model.policies.views import ACTIONS, VIEWS, GovernmentAction, check_action

from .conftest import ROOT, small

RULES = Institutions()


# ------------------------------------------------------------------------------------ the rules
def test_pressure_saturates_in_complaints_and_adds_transparency():
    p = pressure(np.array([0.0, 2.0, 1e9, 2.0]), np.array([0.0, 0.0, 0.0, 1.0]), accountability=0.5,
                 complaint_scale=2.0, transparency_pressure=0.3)
    np.testing.assert_allclose(p, [0.0, 0.25, 0.5, 0.55])
    assert pressure(np.array([1e9]), np.array([1.0]), accountability=1.0, complaint_scale=1.0,
                    transparency_pressure=1.0)[0] == 1.0  # clipped
    np.testing.assert_allclose(effort_target(np.array([0.0, 0.5, 1.0]), 0.2), [1.0, 1.1, 1.2])


def test_enterprise_csr_target_and_demand():
    assert local_demand(np.array([10.0, 30.0]), 20.0) == pytest.approx(0.5)
    assert local_demand(np.array([]), 20.0) == 0.0
    # disposition 0.4 plus 0.6 of (0.3 * 0.5 + 0.2 * 1 + 0.2 * 0.5) = 0.4 + 0.6 * 0.45
    assert csr_target(0.4, 1.0, 0.5, 0.5, demand_weight=0.3, reputation_weight=0.2,
                      visibility_weight=0.2) == pytest.approx(0.67)
    assert csr_target(0.9, 1.0, 1.0, 1.0, demand_weight=1.0, reputation_weight=1.0, visibility_weight=1.0) == 1.0


def test_proportional_shares():
    np.testing.assert_allclose(proportional(np.array([1.0, 3.0])), [0.25, 0.75])
    np.testing.assert_allclose(proportional(np.zeros(4)), [0.25] * 4)
    np.testing.assert_allclose(proportional(np.array([-1.0, 1.0])), [0.0, 1.0])


# ---------------------------------------------------------------------- contract over every policy
def _views(model: CoGovModel) -> dict[str, list]:
    return {"government": [model.government.view()], "enterprise": [e.view() for e in model.enterprises],
            "social_organisation": [o.view() for o in model.social_organisations]}


@pytest.fixture(scope="module")
def reform_model() -> CoGovModel:
    m = CoGovModel(small(**{"run.steps": 20, "levers.online_platform": True, "levers.transparency": 0.8,
                            "levers.data_sharing": 0.7, "levers.third_party_evaluation": True,
                            "levers.decision_mode": "data_driven", "levers.cogovernance_mode": "collaborative"}))
    m.run()
    return m


@pytest.mark.parametrize("kind,name", [(k, n) for k in KINDS for n in POLICY_NAMES[k]])
def test_every_registered_policy_keeps_the_contract(kind, name, reform_model):
    """What it may observe (its kind's view and nothing else), a valid action, deterministic
    given its inputs, and its references in its docstring."""
    policy = get_policy(kind, name)
    assert policy.__doc__ and len(policy.__doc__) > 40
    fields = {f.name for f in dataclasses.fields(VIEWS[kind])}
    assert not fields & {"arrived", "need", "need_flow", "true_need", "model"}  # no hidden truth
    for view in _views(reform_model)[kind]:
        frozen = {f: np.copy(v) if isinstance(v, np.ndarray) else v for f, v in vars(view).items()}
        a, b = policy(view), policy(view)
        check_action(kind, view, a)
        assert isinstance(a, ACTIONS[kind])
        for f in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))
        for f, v in frozen.items():  # the view is not changed
            np.testing.assert_array_equal(getattr(view, f), v)


def test_unknown_policies_and_kinds_are_refused_with_the_known_names():
    with pytest.raises(ValueError, match="known: accountable, passive"):
        get_policy("government", "benevolent")
    with pytest.raises(ValueError, match="known: government, enterprise, social_organisation"):
        CoGovModel(small()).set_policy("university", "need")
    assert set(POLICIES) == set(KINDS)


def test_check_action_refuses_invalid_actions(reform_model):
    view = reform_model.government.view()
    ok = np.zeros(view.effort.shape)
    bad = GovernmentAction(allocation=view.allocation * 2, effort=view.effort, priority=ok)
    with pytest.raises(ValueError, match="summing to 1"):
        check_action("government", view, bad)
    with pytest.raises(ValueError, match="effort must be"):
        check_action("government", view, GovernmentAction(allocation=view.allocation, effort=view.effort * 0.5,
                                                          priority=ok))
    with pytest.raises(ValueError, match="priority must be"):
        check_action("government", view, GovernmentAction(allocation=view.allocation, effort=view.effort,
                                                          priority=ok + 2))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=8, max_size=8), st.lists(st.floats(0, 10), min_size=8, max_size=8),
       st.floats(0, 1), st.floats(0, 20), st.floats(0, 1))
def test_government_policies_give_valid_actions_on_any_observation(recorded, overdue, transparency, complaints,
                                                                  accountability):
    k, c = 2, 4
    alloc = np.full((k, c), 1 / (k * c))
    rules = dataclasses.replace(RULES, accountability=accountability)
    from cogov_sim.model.policies.views import GovernmentView

    view = GovernmentView(week=1, allocation=alloc, effort=np.ones(k), recorded=np.reshape(recorded, (k, c)),
                          integrated=np.zeros((k, c)), overdue=np.reshape(overdue, (k, c)),
                          queue=np.reshape(overdue, (k, c)) * 2, capacity=np.full((k, c), 2.5),
                          complaints=np.full(k, complaints), estimate=np.zeros((k, c)), evaluation_weight=np.zeros(k),
                          data_driven=np.array([True, False]), transparency=np.full(k, transparency), adjustment=0.5,
                          rules=rules)
    for name in POLICY_NAMES["government"]:
        action = get_policy("government", name)(view)
        check_action("government", view, action)
        assert ((action.allocation >= 0) & (action.allocation <= 1)).all()


# ------------------------------------------------------------------------ decisions respond to state
def test_the_government_works_harder_under_complaints_and_less_when_passive():
    strained = small(**{"run.steps": 26, "government.staff_per_10k": 4.0})
    a = CoGovModel(strained)
    a.run()
    b = CoGovModel(strained.with_values({"institutions.government_policy": "passive"}))
    b.run()
    assert a.government.complaints.mean() > 0 and a.government.effort.mean() > 1.0
    assert (b.government.effort == 1.0).all()


def test_a_policy_can_be_replaced_while_the_model_runs():
    m = CoGovModel(small(**{"run.steps": 30}))
    seen = []

    def keep_everything(view):
        seen.append(view.week)
        return GovernmentAction(allocation=view.allocation, effort=np.full(view.effort.shape, 1.1),
                                priority=np.zeros(view.effort.shape))

    m.set_policy("government", keep_everything)
    m.run()
    assert seen and all(w % m.settings.decision.interval == 0 for w in seen)
    assert (m.government.effort == 1.1).all()
    table = pd.DataFrame(m.institution_table())
    assert set(table.loc[table.kind == "government", "policy"]) >= {"keep_everything"}


def test_institutions_parquet_shows_every_kind_changing_its_decisions(tmp_path):
    """A reform run's institutions.parquet, read back by pandas: one row per institution per week,
    and every kind's decisions change over the run as what it observes changes."""
    from cogov_sim.model.scenario import load_scenario

    s = load_scenario(ROOT / "scenarios" / "combined_reform.toml", {"run.steps": 78})
    result = run_scenario(s, out_dir=tmp_path / "run")
    df = pd.read_parquet(tmp_path / "run" / "institutions.parquet")
    model_institutions = 1 + s.enterprises.count + s.social_orgs.count
    assert len(df) == 78 * model_institutions and set(df["kind"]) == set(KINDS)
    assert df.groupby("step").size().eq(model_institutions).all()
    assert result.manifest["burn_in_weeks"] > 0

    def moves(kind: str, column: str) -> bool:
        rows = df[df.kind == kind]
        return bool((rows.groupby("agent")[column].agg(lambda x: x.max() - x.min()) > 1e-6).any())

    assert moves("government", "effort") and moves("government", "allocation_civil_affairs")
    assert moves("enterprise", "csr") and moves("enterprise", "reputation")
    assert moves("social_organisation", "credibility") and moves("social_organisation", "campaign_focus")
    third = df[(df.kind == "social_organisation") & df.evaluation_error.notna()]
    assert len(third) and third.evaluation_error.between(0, 1).all()
    # the government's effort follows the complaints it sees: lower after the reform bites
    gov = df[df.kind == "government"]
    assert gov.complaints.iloc[-13:].mean() < gov.complaints.iloc[:13].mean()
    assert gov.effort.iloc[-13:].mean() < gov.effort.iloc[:13].mean()
