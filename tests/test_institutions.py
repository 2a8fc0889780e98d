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
from cogov_sim.model.policies.enterprise import csr_target, local_demand, price_covers
from cogov_sim.model.policies.government import effort_target, pressure
from cogov_sim.model.policies.organisation import proportional
from cogov_sim.model.policies.views import ACTIONS, VIEWS, GovernmentAction, OrganisationAction, check_action

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


def test_a_contract_is_taken_when_offered_and_the_price_covers_the_costs():
    assert price_covers(True, 0.8, 0.6) and price_covers(True, 0.6, 0.6)
    assert not price_covers(True, 0.5, 0.6)
    assert not price_covers(False, 1.0, 0.0)  # nothing offered, nothing taken


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
    org = dataclasses.replace(reform_model.social_organisations[0].view(), purchase_offered=False)
    even = np.full(org.communities.size, 1.0 / org.communities.size)
    with pytest.raises(ValueError, match="no purchase of services was offered"):
        check_action("social_organisation", org, OrganisationAction(campaign=even, mediation=even,
                                                                    accept_purchase=True))


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
                          rules=rules, supervision=np.zeros(k))
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
    # the government's effort follows the complaints it sees: as the reform bites, complaints
    # fall, and effort falls from where the first reviews under the reform set it (the first
    # quarter's effort is the status quo's, which transparency's pressure alone can exceed)
    gov = df[df.kind == "government"]
    assert gov.complaints.iloc[-13:].mean() < gov.complaints.iloc[:13].mean()
    assert gov.effort.iloc[-13:].mean() < gov.effort.iloc[13:26].mean()


# ---------------------------------------------------------------------------- enterprises' data
def _partners(**values):
    return CoGovModel(small(**{"run.burn_in": 2, "levers.partnerships": True, "enterprises.count": 3,
                               "enterprises.communities_served": 2, **values}))


def test_each_enterprise_is_its_own_source_of_breaches():
    m = _partners()
    k = m.n_communities
    m.enterprises[0].security, m.enterprises[1].security = 0.0, 1.0
    records = np.full(k, 50.0)
    held = m.data_holdings()
    for i, e in enumerate(m.enterprises):  # under partnerships every enterprise holds its communities' data
        assert (held[i, e.communities] > 0).all() and held[i].sum() == pytest.approx(held[i, e.communities].sum())
    _, p_enterprises = m.breach_probability(records)
    assert p_enterprises[0] > 0 and p_enterprises[1] == 0  # a secure store does not leak
    # only enterprise 0's store leaks: exactly the communities whose records it processes are breached
    breached = m.breached_communities(records, np.ones(k), np.array([0.0, 1.0, 1.0]))
    assert set(np.flatnonzero(breached)) == set(m.enterprises[0].communities.tolist())
    assert [e.breached for e in m.enterprises] == [True, False, False]
    assert not m.government.breached.any()
    row = m.enterprises[0].decisions()
    assert row["breached"] == 1.0 and row["security"] == 0.0 and 0 < row["data_held"] <= 1


def test_the_more_enterprises_hold_a_community_s_data_the_less_each_holds():
    m = _partners(**{"enterprises.count": 6, "enterprises.communities_served": 6, "space.communities": 6})
    held = m.data_holdings()
    np.testing.assert_allclose(held.sum(axis=0), m.settings.enterprises.data_share)
    np.testing.assert_allclose(held, m.settings.enterprises.data_share / 6)


def test_only_contract_holders_hold_data_and_are_paid_under_collaboration():
    m = CoGovModel(small(**{"run.burn_in": 2, "enterprises.count": 2, "enterprises.communities_served": 6,
                            "space.communities": 6, "levers.cogovernance_mode": "collaborative"}))
    m.effective = m._effective_levers()
    for e, holds in zip(m.enterprises, (True, False), strict=True):
        e.contract = holds
    held = m.data_holdings()
    assert (held[0] > 0).all() and (held[1] == 0).all()
    np.testing.assert_allclose(m.contracted_share(), 0.5)
    full = m.government.lever_costs()["cogovernance_mode"]
    for e in m.enterprises:
        e.contract = False
    assert (m.contracted_share() == 0).all()
    assert (m.government.lever_costs()["cogovernance_mode"] == 0).all()  # no contract held, nothing paid
    for e in m.enterprises:
        e.contract = True
    np.testing.assert_allclose(m.government.lever_costs()["cogovernance_mode"], 2 * full)


# ------------------------------------------------------------------------ decisions inherit who reports
def _welfare_share_of_effort(mix_young, mix_older, decision_mode):
    s = small(**{"population.residents": 4000, "space.communities": 4, "run.burn_in": 52, "run.steps": 78,
                 "levers.online_platform": True, "levers.hotline": False, "levers.awareness_campaign": 0.6,
                 "levers.decision_mode": decision_mode, "issues.mix_young": mix_young, "issues.mix_older": mix_older,
                 "channels.offline_cost": 4.0,  # almost only the platform's users, mostly the young, report
                 "decision.habit_weights": [1.0, 1.0, 1.0, 1.0]})  # habit starts from expected need
    m = CoGovModel(s)
    shares = []
    for _ in range(78):
        m.step()
        a = m.government.allocation
        shares.append((a[:, 0] + a[:, 3]).sum() / a.sum())  # civil affairs and social security
    return float(np.mean(shares[-26:]))


WELFARE, PUBLIC = [0.40, 0.10, 0.10, 0.40], [0.10, 0.40, 0.40, 0.10]


@pytest.mark.parametrize("mix_young, mix_older, direction", [(WELFARE, PUBLIC, +1), (PUBLIC, WELFARE, -1)])
def test_data_driven_allocation_moves_toward_what_those_who_report_online_raise(mix_young, mix_older, direction):
    """Effort follows recorded demand, so where an online platform used mostly by the young is
    nearly the only way to report, whether data-driven allocation moves effort toward welfare
    depends on what the young raise, not on a rule that says so."""
    habit = _welfare_share_of_effort(mix_young, mix_older, "habit")
    data = _welfare_share_of_effort(mix_young, mix_older, "data_driven")
    assert direction * (data - habit) > 0.01, (habit, data)


# --------------------------------------------------------------- the government buys organisations' services
def test_organisations_sell_their_services_when_the_price_covers_their_costs():
    m = CoGovModel(small(**{"run.burn_in": 2, "levers.cogovernance_mode": "consultative", "social_orgs.count": 4,
                            "social_orgs.third_party_share": 0.25}))
    m.effective = m._effective_levers()
    assert m.purchase_offer().all()
    evaluator, *providers = m.social_organisations
    assert evaluator.third_party and not any(o.third_party for o in providers)
    assert not evaluator.view().purchase_offered  # an evaluator stays apart from whom it evaluates
    cheap, dear = providers[0], providers[1]
    cheap.reservation, dear.reservation = 0.0, 1.5
    for o in (cheap, dear):
        o.step()
    assert cheap.purchase and not dear.purchase
    assert cheap.decisions()["purchase"] == 1.0


def test_a_bought_organisation_engages_more_and_the_government_pays_for_what_it_buys():
    m = CoGovModel(small(**{"run.burn_in": 2, "levers.cogovernance_mode": "consultative", "social_orgs.count": 2,
                            "social_orgs.third_party_share": 0.0, "social_orgs.communities_reached": 6,
                            "space.communities": 6}))
    m.effective = m._effective_levers()
    o = m.social_organisations[0]
    o.credibility = 0.4
    weight, paid = np.ones(6), np.full(6, 0.5)
    unpaid = o.offer_capacity(weight, paid)
    o.purchase = True
    np.testing.assert_allclose(o.offer_capacity(weight, paid), unpaid * (0.4 + 0.6 * 0.5) / 0.4)
    for org, sells in zip(m.social_organisations, (True, False), strict=True):
        org.purchase = sells
    np.testing.assert_allclose(m.purchased_share(), 0.5)
    half = m.government.lever_costs()["cogovernance_mode"]
    assert (half > 0).all()
    for org in m.social_organisations:
        org.purchase = False
    assert (m.government.lever_costs()["cogovernance_mode"] == 0).all()  # nothing bought, nothing paid



def test_requests_watched_from_above_are_answered_far_more_often_but_not_all():
    """A leaders' board: with the online requests watched (upper_supervision = 1) offices serve
    the followed-up share (government.follow_up_share) first, so that far more of them are
    answered than in the same street unwatched, under common seeds, in each of two replications;
    but not all: clearly fewer than when upper levels follow up every watched request."""
    from cogov_sim.validation.patterns import PATTERNS, measure_run, pattern_tasks

    reply = [p for p in PATTERNS if p.id == "reply_rate_online"]
    for _, rep, scenario in pattern_tasks(seed=3, replications=2, residents=2000, overrides={"run.steps": 60},
                                          patterns=reply):
        watched = scenario.with_values({"levers.upper_supervision": 1.0})
        ordinary, some, every = (measure_run(s)["reply_rate_online"] for s in (
            scenario, watched, watched.with_values({"government.follow_up_share": 1.0})))
        assert some - ordinary > 0.15, (rep, ordinary, some)
        assert every - some > 0.1, (rep, some, every)


def test_upper_levels_follow_up_their_share_of_online_requests_and_no_other():
    """Under a watched board (upper_supervision = 1, follow_up_share 0.6) about 60% of the online
    requests are followed up when reported, no request of another channel, and the flag the case
    keeps is that decision (and the per-resident view shows it); with nobody watching, none is."""
    from cogov_sim.model.rules import ONLINE, QUEUED
    from cogov_sim.validation.patterns import PATTERNS, pattern_tasks

    reply = [p for p in PATTERNS if p.id == "reply_rate_online"]
    [(_, _, base)] = pattern_tasks(seed=5, replications=1, residents=10_000, patterns=reply,
                                   overrides={"government.follow_up_share": 0.6})
    m = CoGovModel(base.with_values({"levers.upper_supervision": 1.0}))
    decided = []  # (reported, channel, followed up) of each week's reports, when reported
    follow_up = m.follow_up

    def spy(reported, channel):
        decided.append((reported, channel, follow_up(reported, channel)))
        return decided[-1][2]

    m.follow_up = spy
    for _ in range(30):
        m.step()
        r = m.residents
        assert not (r.followed_up & ((r.status != QUEUED) | (r.channel != ONLINE))).any()
        reported, _, followed = decided[-1]
        still = (r.status[reported] == QUEUED) & (r.wait[reported] == 1)  # reported this week, still open
        np.testing.assert_array_equal(r.followed_up[reported[still]], followed[still])
    for i in np.flatnonzero(r.followed_up)[:5]:  # what the per-resident view shows
        view = m.resident(int(i))
        assert view.followed_up and view.issue == "queued" and view.issue_channel == "online"
    i = int(np.flatnonzero(r.status != QUEUED)[0])
    assert not m.resident(i).followed_up and m.resident(i).issue_channel is None
    assert r.followed_up.any()
    channel = np.concatenate([c for _, c, _ in decided])
    followed = np.concatenate([f for _, _, f in decided])
    online = int((channel == ONLINE).sum())
    assert online > 150 and not followed[channel != ONLINE].any()
    assert abs(followed.sum() / online - 0.6) < 4 * (0.24 / online) ** 0.5, (followed.sum(), online)
    quiet = CoGovModel(base)
    for _ in range(10):
        quiet.step()
        assert not quiet.residents.followed_up.any()
