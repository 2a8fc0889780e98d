"""The workshop session without its screens: roles, decisions as the institutions' actions, checks
on what participants send, rounds, and a saved session replayed to the bit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.workshop import WorkshopSession, debrief, read_log, replay
from cogov_sim.model.parameters import Institutions

from .conftest import small


def session(**kw) -> WorkshopSession:
    return WorkshopSession(small(**{"run.steps": 12, **kw}), weeks_per_round=4)


def same_run(a, b) -> bool:
    ta, tb = a.model.timeseries(), b.model.timeseries()
    ia, ib = a.model.institution_table(), b.model.institution_table()
    return (all(np.array_equal(ta[k], tb[k], equal_nan=True) for k in ta)
            and all(np.array_equal(ia[k], ib[k]) if ia[k].dtype == object else np.array_equal(ia[k], ib[k], equal_nan=True)
                    for k in ia)
            and np.array_equal(a.model.residents.trust, b.model.residents.trust))


def test_the_roles_of_a_street():
    s = session()
    m = s.model
    assert s.roles() == (["street_office"] + [f"enterprise:{i}" for i in range(len(m.enterprises))]
                         + [f"organisation:{j}" for j in range(len(m.social_organisations))]
                         + [f"committee:{c}" for c in range(m.n_communities)])
    assert s.rounds_planned == 3 and s.weeks_per_round == 4


def test_people_s_decisions_become_the_institutions_actions_from_the_round_s_first_week():
    s = session()
    m = s.model
    org = m.social_organisations[1]
    target = int(org.communities[-1])
    s.submit("street_office", {"priorities": {"civil_affairs": 1.0, "social_security": 1.0}, "effort": 1.1,
                               "escalation": 0.8, "levers": {"grid_workers": 2.0, "online_platform": True}})
    s.submit("enterprise:0", {"csr": 0.95})
    s.submit("organisation:1", {"campaign": target, "mediation": target})
    s.submit("committee:2", {"campaign": 0.9})
    rnd = s.play_round()
    assert (rnd.first_week, rnd.last_week) == (1, 4)
    g = m.government
    by_department = g.allocation.sum(axis=0)
    assert by_department[1] == 0 and by_department[2] == 0 and np.isclose(by_department[0], 0.5)
    assert np.allclose(g.effort, 1.1) and np.allclose(g.priority, 0.8)
    assert m.enterprises[0].csr == 0.95 and m.enterprises[1].csr != 0.95  # only the role that was played
    assert org.campaign[-1] == 1.0 and org.mediation[-1] == 1.0
    assert (m.levers["grid_workers"] == 2.0).all() and (m.levers["online_platform"] == 1.0).all()
    campaign = m.levers["awareness_campaign"]
    assert campaign[2] == 0.9 and (np.delete(campaign, 2) == s.scenario.levers.awareness_campaign).all()
    rows = m.institution_table()
    first = rows["step"] == 1
    policies = dict(zip(rows["agent"][first], rows["policy"][first], strict=True))
    assert policies[m.enterprises[0].unique_id] == "person (enterprise:0)"
    assert policies[m.enterprises[1].unique_id] == s.scenario.institutions.enterprise_policy  # nobody played it
    assert rows["csr"][first][list(rows["agent"][first]).index(m.enterprises[0].unique_id)] == 0.95
    # a decision stands until the role submits again; an unplayed round leaves it in force
    s.play_round()
    assert m.enterprises[0].csr == 0.95


@pytest.mark.parametrize("role, decision, fragment", [
    ("enterprise:0", {"csr": 1.5}, "key 'csr': 1.5; allowed: a number from 0 to 1"),
    ("enterprise:0", {"price": 3}, "key 'price': unknown field; allowed: csr, accept_contract"),
    ("enterprise:0", {"accept_contract": "yes"}, "allowed: true or false"),
    ("enterprise:99", {"csr": 0.5}, "unknown role 'enterprise:99'"),
    ("organisation:0", {"campaign": 99}, "allowed: one of the communities"),
    ("street_office", {"levers": {"rocket": 1}}, "key 'levers.rocket': unknown lever"),
    ("street_office", {"levers": {"grid_workers": -1}}, "grid_workers"),
    ("street_office", {"priorities": {"civil_affairs": 0}}, "all weights are 0"),
    ("street_office", {"effort": 5}, f"key 'effort': 5; allowed: a number from 1 to {1 + Institutions().effort_max:g}"),
    ("committee:0", {"campaign": "/etc/passwd"}, "key 'campaign': '/etc/passwd'; allowed: a number from 0 to 1"),
    ("committee:0", ["campaign"], "a decision is a table of fields"),
])
def test_what_a_participant_sends_is_checked_in_one_line(role, decision, fragment):
    s = session()
    with pytest.raises(CoGovInputError) as err:
        s.submit(role, decision)
    assert fragment in str(err.value) and "\n" not in str(err.value)
    assert s.pending == {}


def test_a_saved_session_replays_to_the_bit_and_the_debrief_sets_it_beside_the_rules(tmp_path):
    s = session()
    s.submit("street_office", {"levers": {"active_service": 1.0, "digital_investment": 40.0}})
    s.submit("enterprise:1", {"csr": 0.0, "accept_contract": True})
    s.play_round()
    s.set_off("data_breach")
    s.submit("committee:0", {"campaign": 1.0})
    s.play_round()
    s.set_off("budget_cut")
    s.play_round()
    assert s.finished
    with pytest.raises(CoGovInputError, match="all 3 rounds are played"):
        s.play_round()
    path = s.save(tmp_path / "session.json")
    with pytest.raises(CoGovInputError, match="file exists"):
        s.save(path)
    again = replay(path)
    assert same_run(s, again)
    log = read_log(path)
    assert [r["events"] for r in log["rounds"]] == [[], ["data_breach"], ["budget_cut"]]
    rows = debrief(s)
    assert [r["round"] for r in rows] == [1, 2, 3] and rows[1]["events"] == ["data_breach"]
    rules = replay(path, people=False)  # the counterfactual: the same events, the model's rules everywhere
    assert rows[2]["rules_only"] == rules.round_summary(rules.played[2])
    assert rows[0]["difference"]["spend"] > 0  # the street office paid for active service and the platform
    assert not same_run(s, rules)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1}), encoding="utf-8")
    with pytest.raises(CoGovInputError, match="not a session log"):
        read_log(bad)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csr=st.floats(0, 1), priority=st.floats(0.01, 1), campaign=st.floats(0, 1), breach=st.booleans())
def test_any_valid_decisions_replay_exactly(csr, priority, campaign, breach):
    s = WorkshopSession(small(**{"population.residents": 300, "space.communities": 3, "run.steps": 4}),
                        weeks_per_round=2)
    s.submit("enterprise:0", {"csr": csr})
    s.submit("street_office", {"priorities": {"environment": priority, "civil_affairs": 1.0 - priority / 2}})
    s.submit("committee:1", {"campaign": campaign})
    if breach:
        s.set_off("data_breach")
    s.play_round()
    s.play_round()
    assert same_run(s, replay(s.log))


def test_a_bid_a_declined_evaluation_and_a_committee_s_request():
    s = session(**{"levers.cogovernance_mode": "collaborative", "levers.third_party_evaluation": True,
                   "government.budget": 40.0})  # a budget that pays contracts only in part
    m = s.model
    evaluator = next(j for j, o in enumerate(m.social_organisations) if o.third_party)
    other = next(j for j, o in enumerate(m.social_organisations) if not o.third_party)
    s.submit("enterprise:0", {"bid": 1.0})   # only the full price will do
    s.submit("enterprise:1", {"bid": 0.0})   # any price
    s.submit(f"organisation:{evaluator}", {"evaluate": False})
    s.submit("committee:2", {"ask": "environment"})
    assert s.role_view("street_office")["requests"] == [{"community": 2, "department": "environment"}]
    with pytest.raises(CoGovInputError, match="only a third-party evaluator"):
        s.submit(f"organisation:{other}", {"evaluate": False})
    with pytest.raises(CoGovInputError, match="either accept_contract or bid"):
        s.submit("enterprise:2", {"bid": 0.5, "accept_contract": True})
    with pytest.raises(CoGovInputError, match="allowed: \"\" \\(no request\\)"):
        s.submit("committee:2", {"ask": "weather"})
    s.play_round()
    # with contracts held the budget pays them only in part: the next decision sees a lower price
    price = s.role_view("enterprise:0")["price_share"]
    assert s.role_view("enterprise:0")["contract_offered"] and price < 1.0
    s.play_round()
    assert not m.enterprises[0].contract  # its bid is above what the street office now pays
    assert m.enterprises[1].contract  # any price will do
    assert not m.social_organisations[evaluator].evaluates
    assert all(o.evaluates for j, o in enumerate(m.social_organisations) if j != evaluator)
