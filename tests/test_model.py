"""The whole model: determinism, common random numbers, invariants, levers, schedule, scenarios."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.parameters import CATEGORIES, COGOVERNANCE_MODES, LEVER_NAMES
from cogov_sim.model.rules import NONE
from cogov_sim.model.scenario import Shock, load_scenario

from .conftest import ROOT, SCENARIOS, small

COST_COLUMNS = {"spend", "cumulative_spend", "cost_per_resolution", "funding_ratio"}


def run(s):
    m = CoGovModel(s)
    m.run()
    return m


def same(a: dict, b: dict, skip=()) -> bool:
    return all(np.array_equal(a[k], b[k], equal_nan=True) for k in a if k not in skip)


def test_same_seed_same_tables_and_other_seed_differs():
    a, b = run(small()), run(small())
    assert same(a.timeseries(), b.timeseries()) and same(a.community_timeseries(), b.community_timeseries())
    c = run(small(**{"run.seed": 7}))
    assert not same(a.timeseries(), c.timeseries())


def test_levers_leave_network_and_population_unchanged():
    a = CoGovModel(small(**{"run.burn_in": 0}))
    b = CoGovModel(small(**{"run.burn_in": 0, "levers.online_platform": True, "levers.grid_workers": 3.0,
                            "levers.cogovernance_mode": "collaborative"}))
    assert np.array_equal(a.network.edges, b.network.edges)
    for name in ("community", "age_group", "literacy", "trust", "efficacy", "privacy", "threshold", "member_of"):
        assert np.array_equal(getattr(a.residents, name), getattr(b.residents, name)), name


def test_each_attribute_of_the_residents_keeps_its_draws_when_another_attributes_parameters_change():
    """Every attribute is drawn from its own part of the population stream: a beta variate by
    rejection takes more or fewer uniforms as its parameters change, which must not shift the
    draws of the attributes after it (common random numbers across calibration points)."""
    base = CoGovModel(small(**{"run.burn_in": 0})).residents
    other = CoGovModel(small(**{"run.burn_in": 0, "population.literacy_concentration": 3.7,
                                "population.trust_mean": 0.4})).residents
    assert not np.array_equal(base.literacy, other.literacy) and not np.array_equal(base.trust, other.trust)
    for name in ("age_group", "efficacy", "privacy", "aware", "threshold", "cooperator", "satisfied"):
        assert np.array_equal(getattr(base, name), getattr(other, name)), name


def test_burn_in_is_common_to_all_scenarios():
    a = CoGovModel(small())
    b = CoGovModel(small(**{"levers.online_platform": True, "levers.digital_investment": 50.0}))
    assert np.array_equal(a.residents.trust, b.residents.trust)
    assert np.array_equal(a.residents.status, b.residents.status)


LEVER_ON = {
    "online_platform": True, "hotline": True, "transparency": 0.9, "digital_investment": 60.0,
    "security_investment": 30.0, "training": 40.0, "active_service": 1.0, "grid_workers": 3.0,
    "data_sharing": 1.0, "awareness_campaign": 1.0, "cogovernance_mode": "collaborative",
    "decision_mode": "data_driven", "third_party_evaluation": True, "partnerships": True, "upper_supervision": 1.0,
}
LEVER_OFF = {"online_platform": False, "hotline": False, "transparency": 0.0, "digital_investment": 0.0,
             "security_investment": 0.0, "training": 0.0, "active_service": 0.0, "grid_workers": 0.0,
             "data_sharing": 0.0, "awareness_campaign": 0.0, "cogovernance_mode": "government_led",
             "decision_mode": "habit", "third_party_evaluation": False, "partnerships": False,
             "upper_supervision": 0.0}


@pytest.mark.parametrize("lever", LEVER_NAMES)
def test_each_lever_acts_only_through_its_mechanism(lever):
    """With its effect switched off, a lever leaves every outcome but the money as without it;
    with its effect on, it changes outcomes."""
    common = {"government.budget": 5000.0, "run.steps": 40, "levers.online_platform": True,
              "levers.decision_mode": "data_driven" if lever == "third_party_evaluation" else "habit",
              "data.breach_hazard": 0.05}
    off = small(**{**common, f"levers.{lever}": LEVER_OFF[lever]})
    inert = small(**{**common, f"levers.{lever}": LEVER_ON[lever], "run.inert_levers": [lever]})
    on = small(**{**common, f"levers.{lever}": LEVER_ON[lever]})
    a, b, c = run(off).timeseries(), run(inert).timeseries(), run(on).timeseries()
    assert same(a, b, skip=COST_COLUMNS)
    assert not same(a, c, skip=COST_COLUMNS)


scenario_values = st.fixed_dictionaries({
    "population.residents": st.integers(60, 500),
    "space.communities": st.integers(1, 8),
    "run.steps": st.integers(1, 25),
    "run.burn_in": st.integers(0, 6),
    "run.seed": st.integers(0, 2**32),
    "network.kind": st.sampled_from(["sbm", "watts_strogatz", "barabasi_albert"]),
    "issues.rate": st.floats(0.0, 0.3),
    "levers.online_platform": st.booleans(),
    "levers.transparency": st.floats(0, 1),
    "levers.grid_workers": st.floats(0, 5),
    "levers.data_sharing": st.floats(0, 1),
    "levers.cogovernance_mode": st.sampled_from(COGOVERNANCE_MODES),
    "levers.decision_mode": st.sampled_from(["habit", "data_driven"]),
    "levers.third_party_evaluation": st.booleans(),
    "government.budget": st.floats(0, 400),
    "data.breach_hazard": st.floats(0, 1),
    "participation.noise": st.floats(0, 2),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_values)
def test_invariants_on_random_valid_scenarios(values):
    m = CoGovModel(small(**values))
    open0 = int((m.residents.status != NONE).sum())
    m.run()
    ts = m.timeseries()
    r = m.residents
    for name in ("participation_rate", "mean_trust", "awareness", "volunteer_rate", "privacy_concern",
                 "mean_efficacy", "data_subjects", "funding_ratio", "platform_quality", "security_level",
                 "resolution_rate", "reported_resolution_rate", "responsiveness", "participation_online_older",
                 "participation_online_young", "participation_hotline_older", "participation_offline_young"):
        v = ts[name][~np.isnan(ts[name])]
        assert ((v >= -1e-12) & (v <= 1 + 1e-12)).all(), name
    for arr in (r.trust, r.efficacy, r.privacy, r.literacy):
        assert ((arr >= 0) & (arr <= 1)).all()
    # issues are conserved: raised = resolved + failed + given up + change in open issues
    raised = ts["issues_raised"].sum()
    closed = ts["issues_resolved"].sum() + ts["issues_failed"].sum() + ts["issues_given_up"].sum()
    assert open0 + raised - closed == ts["open_issues"][-1] == int((r.status != NONE).sum())
    # money: never more than the week's budget, never negative
    cs = m.community_timeseries()
    budget = values["government.budget"] * m.network.community_sizes / 52.0
    spend = cs["spend"].reshape(-1, m.n_communities)
    assert (spend >= 0).all() and (spend <= budget[None, :] * (1 + 1e-9) + 1e-9).all()
    # silent need counts: resolution of all need never exceeds resolution of reported cases,
    # overall and in every community
    cs_all = {k: cs[k].reshape(-1, m.n_communities) for k in ("resolution_rate", "reported_resolution_rate")}
    for rate, reported in ((ts["resolution_rate"], ts["reported_resolution_rate"]),
                           (cs_all["resolution_rate"], cs_all["reported_resolution_rate"])):
        both = ~np.isnan(reported)
        assert (rate[both] <= reported[both] + 1e-12).all()
    # channel shares of a group add up to its participation
    for group in ("young", "older"):
        parts = sum(ts[f"participation_{ch}_{group}"] for ch in ("online", "hotline", "offline"))
        assert np.allclose(parts, ts[f"participation_{group}"], equal_nan=True)
    # per-community tables add up to the overall one
    assert np.allclose(cs["issues_resolved"].reshape(-1, m.n_communities).sum(axis=1), ts["issues_resolved"])


def test_interventions_apply_from_their_step_to_their_communities(tmp_path):
    p = tmp_path / "pilot.toml"
    p.write_text("[population]\nresidents = 3000\n[space]\ncommunities = 6\n[run]\nsteps = 20\nburn_in = 2\n"
                 "[[interventions]]\nstep = 10\ncommunities = [1, 3]\nset = { grid_workers = 4.0, online_platform = true }\n",
                 encoding="utf-8")
    m = CoGovModel(load_scenario(p))
    for _ in range(9):
        m.step()
    assert (m.levers["grid_workers"] == 0.5).all() and not m.levers["online_platform"].any()
    m.step()
    assert m.levers["grid_workers"].tolist() == [0.5, 4.0, 0.5, 4.0, 0.5, 0.5]
    assert m.levers["online_platform"].tolist() == [0, 1, 0, 1, 0, 0]
    m.run(10)
    online = m.community_timeseries()["participation_online"].reshape(-1, 6)
    assert (online[:9] == 0).all() and online[-1, [1, 3]].min() > 0 and (online[-1, [0, 2, 4, 5]] == 0).all()


def test_shocks():
    s = small()
    from dataclasses import replace

    from cogov_sim.model.scenario import Shock

    s = replace(s, shocks=(Shock("data_breach", 5, communities=(0,)), Shock("budget_cut", 3, duration=4, magnitude=1.0),
                           Shock("issue_surge", 10, duration=2, magnitude=3.0, category="environment")))
    m = run(s)
    ts, cs = m.timeseries(), m.community_timeseries()
    assert cs["breaches"].reshape(-1, 6)[4, 0] == 1
    assert (ts["spend"][2:6] == 0).all() and ts["spend"][6] > 0
    assert ts["issues_raised"][9:11].mean() > 2 * ts["issues_raised"][:9].mean()


def test_resident_view():
    m = run(small(**{"run.steps": 5}))
    v = m.resident(3)
    assert v.index == 3 and v.age_group in ("young", "middle", "older") and 0 <= v.trust <= 1
    with pytest.raises(IndexError):
        m.resident(10**6)


def test_model_is_freed_after_use():
    import gc
    import weakref

    m = CoGovModel(small(**{"run.steps": 2}))
    m.run()
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_runs(path):
    full = load_scenario(path)  # pilots, interventions and shocks must fall within the run
    steps = max([8] + [pl.end for pl in full.pilots] + [iv.step for iv in full.interventions]
                + [sh.step for sh in full.shocks])
    s = load_scenario(path, {"population.residents": 1500, "run.steps": steps, "run.burn_in": 4})
    m = run(s)
    assert len(m.timeseries()["step"]) == steps
    if s.pilots:
        with_sites = [pl for pl in s.pilots if pl.n_sites(s.space.communities) > 0]
        assert m.pilots.adopted.any() and len(m.pilots.evaluations) == len(with_sites)


def test_resolution_counts_issues_given_up_in_silence():
    """Hand-checked week: 6 resolved, 2 failed and 4 given up unreported give 6/12 of all need
    and 6/8 of the reported cases."""
    m = CoGovModel(small())
    m.step()
    w, r = m._week, m.residents
    pick = np.flatnonzero(r.community == 0)[:12]
    w.update(resolved=pick[:6], failed=pick[6:8], given_up=pick[8:12], resolved_wait=np.ones(6),
             sector=np.zeros(6, dtype=np.int64))
    m.measure(1)
    cs = m.community_timeseries()
    first = cs["community"] == 0
    assert cs["resolution_rate"][first][0] == pytest.approx(6 / 12)
    assert cs["reported_resolution_rate"][first][0] == pytest.approx(6 / 8)


class _CountingModel(CoGovModel):
    """Counts new issues per week by community and category as they arise."""

    def issues_arise(self) -> None:
        super().issues_arise()
        new = self._week["raised"]
        counts = np.zeros((self.n_communities, len(CATEGORIES)))
        np.add.at(counts, (self.residents.community[new], self.residents.category[new]), 1)
        self.__dict__.setdefault("weekly_arrivals", []).append(counts)


def test_responsiveness_is_measured_against_the_flow_of_need():
    m = _CountingModel(small(**{"decision.interval": 4, "run.burn_in": 6}))
    m.run(7)
    flow = sum(m.weekly_arrivals[-4:])
    assert np.array_equal(m.government.need_flow, flow)
    alloc = m.government.allocation
    expected = 1 - 0.5 * np.abs(alloc / alloc.sum() - flow / flow.sum()).sum()
    assert m.timeseries()["responsiveness"][-1] == pytest.approx(expected)


STATIONARY_OUTCOMES = ("participation_rate", "mean_trust", "mean_efficacy", "awareness", "resolution_rate",
                       "satisfaction", "volunteer_rate")


def _half_year_drift(seed=None, *, stationary_before_the_cap=False):
    values = {} if seed is None else {"run.seed": seed}
    model = CoGovModel(load_scenario(ROOT / "scenarios" / "baseline.toml", values))
    model.run()
    if stationary_before_the_cap:
        assert model.burn_in_weeks < model.settings.run.burn_in
    ts = model.timeseries()
    return {name: np.nanmean(ts[name][-26:]) - np.nanmean(ts[name][:26]) for name in STATIONARY_OUTCOMES}


#: The outcomes whose means over residents the burn-in's stationarity test follows; the weekly
#: rates of closed cases (resolution rate, satisfaction) are noisier: the half-year difference of
#: the resolution rate has a standard deviation of 0.019 over twelve seeds (docs/validation.md),
#: so one seed cannot show their stationarity to 0.02 and the test over seeds below does.
FOLLOWED = ("participation_rate", "mean_trust", "mean_efficacy", "awareness", "volunteer_rate")


@pytest.mark.slow
def test_the_baseline_is_stationary_over_three_years():
    """The status quo neither drifts up nor down: over the 156 weeks of the shipped baseline the
    first and the last half-year differ by less than 0.02 in each outcome the burn-in follows
    (the burn-in ends once the status quo is stationary)."""
    drift = _half_year_drift(stationary_before_the_cap=True)
    assert all(abs(drift[name]) < 0.02 for name in FOLLOWED), drift


@pytest.mark.slow
def test_the_baseline_has_no_trend_over_seeds():
    """Averaged over sixteen more seeds, so that a trend is not hidden in (or faked by) the
    noise of single runs, the half-year difference of each main outcome is below the burn-in's
    tolerance of 0.01. Sixteen, because the half-year difference of the closed cases' rates
    varies by a seed-to-seed sd of up to 0.014 with no trend (satisfaction, forty seeds,
    docs/validation.md): the mean of sixteen has a standard error of about 0.0035, so a mean of
    0.01 is 2.9 of them from zero and noise alone fails the test less than once in a hundred;
    the mean of four seeds had 0.007 and failed by chance about once in seven."""
    drifts = [_half_year_drift(seed) for seed in range(11, 27)]
    mean = {name: float(np.mean([d[name] for d in drifts])) for name in STATIONARY_OUTCOMES}
    assert all(abs(d) < 0.01 for d in mean.values()), mean


def test_burn_in_stops_once_stationary_and_keeps_weeks_since_taking_part():
    s = small(**{"run.burn_in": 520, "population.residents": 10_000, "space.communities": 12})
    model = CoGovModel(s)
    assert 104 <= model.burn_in_weeks < 520 and model.burn_in_weeks % 26 == 0
    r = model.residents
    seen = r.last_part > -(10**9)
    assert seen.any() and (r.last_part[seen] <= 0).all()  # the last burn-in week is week 0
    fixed = CoGovModel(small(**{"run.burn_in": 130, "run.burn_in_tolerance": 0.0}))
    assert fixed.burn_in_weeks == 130


def test_privacy_concern_after_a_breach_fades_back_toward_its_resting_level():
    s = small(**{"run.steps": 80, "levers.online_platform": True, "levers.hotline": True,
                 "data.breach_hazard": 0.0, "data.exposure": 1.0})
    s = replace(s, shocks=(Shock(kind="data_breach", step=10, duration=1, magnitude=1.0),))
    model = CoGovModel(s)
    model.run()
    privacy = model.timeseries()["privacy_concern"]
    peak = privacy[9:14].max()
    rest = float(model.residents.privacy_rest.mean())
    assert peak > privacy[8] + 0.005  # the breach raised concern
    half_life = s.data.privacy_half_life
    later = privacy[int(10 + 2 * half_life)]
    # two half-lives later at most about a quarter of the rise is left (plus new records' noise)
    assert later - rest < 0.35 * (peak - rest), (privacy[8], peak, later, rest)


def test_standing_satisfaction_follows_own_cases_and_fades():
    m = CoGovModel(small(**{"run.steps": 30, "levers.hotline": True}))
    r = m.residents
    weight = m.settings.feedback.satisfaction_weight
    g = m.settings.government
    seen = {"resolved": 0, "unmet": 0}
    for _ in range(30):
        before = r.satisfied.copy()
        m.step()
        w = m._week
        faded = before + m._fading["memory"] * (r.satisfied_rest - before)
        res = w["resolved"]
        score = np.where(w["resolved_wait"] <= g.patience_weeks, 1.0, g.satisfaction_late)
        np.testing.assert_allclose(r.satisfied[res], faded[res] + weight * (score - faded[res]))
        unmet = np.concatenate([w["failed"], w["given_up"]])
        np.testing.assert_allclose(r.satisfied[unmet], faded[unmet] + weight * (g.satisfaction_failed - faded[unmet]))
        rest = np.setdiff1d(np.arange(m.n), np.concatenate([res, unmet]))
        np.testing.assert_allclose(r.satisfied[rest], faded[rest])
        seen["resolved"] += res.size
        seen["unmet"] += unmet.size
    assert seen["resolved"] and seen["unmet"]
    ts = m.timeseries()
    assert ((ts["satisfaction_attitude"] >= 0) & (ts["satisfaction_attitude"] <= 1)).all()


def test_volunteers_help_only_with_the_shared_problems_of_their_neighbourhood():
    model = CoGovModel(small(**{"run.burn_in": 8}))
    model.run(2)
    _, cap = model.sector_capacity()
    shared = np.asarray(model.settings.volunteering.shared) > 0
    assert cap[:, ~shared, 3].sum() == 0 and cap[:, shared, 3].sum() > 0
    volunteers = model.network.community_sum(model.residents.cooperator)
    queue = np.zeros_like(cap[..., 0])
    np.add.at(queue, (model.residents.community[model._week["queued"]], model.residents.category[model._week["queued"]]), 1)
    somewhere = queue[:, shared].sum(axis=1) > 0  # with no shared problem queued, volunteers have nothing to do
    np.testing.assert_allclose(cap[somewhere, :, 3].sum(axis=1),
                               volunteers[somewhere] * model.settings.volunteering.cases_per_volunteer)
    assert (cap[~somewhere, :, 3] == 0).all()


def test_what_volunteering_is_worth_falls_when_its_capacity_finds_no_problems_to_solve():
    """When volunteers could close more shared cases than there are, the game's synergy falls with
    the share of their capacity that resolves something, and fewer residents volunteer."""
    s = small(**{"run.burn_in": 0, "population.residents": 2000})
    busy = CoGovModel(s)
    idle = CoGovModel(s.with_values({"volunteering.cases_per_volunteer": 5.0}))
    for m in (busy, idle):
        m.run(12)
    assert busy.volunteer_yield().mean() > 0.8
    assert idle.volunteer_yield().max() < 0.1
    assert (idle.synergy() < busy.synergy()).all()
    assert idle.residents.cooperator.mean() < busy.residents.cooperator.mean() - 0.05


def test_logit_volunteering_settles_at_the_logit_share_within_a_few_revisions():
    """From any start, after a few revisions the share of volunteers is the mean logit chance of
    what volunteering is worth to each resident (to within sampling error)."""
    from cogov_sim.model import rules

    for start in (0.05, 0.95):
        m = CoGovModel(small(**{"run.burn_in": 0, "population.residents": 4000,
                                "population.cooperator_share": start}))
        m.run(24)  # the last revision, in week 24, weighed the yield of weeks 21-24
        v, net = m.settings.volunteering, m.network
        synergy = net.by_resident(m.volunteer_yield() * v.synergy * (1.0 + m.mode_weights("synergy_bonus")))
        gain = rules.volunteering_gain(net.degree, net.neighbour_sum, synergy, v.cost_model == "per_individual",
                                       v.altruism)
        chance = 1.0 / (1.0 + np.exp(-gain / v.noise))
        sd = np.sqrt((chance * (1 - chance)).sum()) / m.n
        assert abs(m.residents.cooperator.mean() - chance.mean()) < 4 * sd + 1e-9, (start, chance.mean())


def test_ordinary_online_messages_wait_behind_cases_under_a_time_limit():
    """With time-limited cases served first, online requests are answered less often than the
    offline ones of the same street, and less often than when no case comes first (same seed)."""
    from cogov_sim.validation.patterns import measure_run, scenario_path

    def reply_rate(priority: float) -> float:
        sc = load_scenario(scenario_path("calibration/passive_online.toml"), overrides={
            "population.residents": 1200, "run.steps": 60, "government.time_limit_priority": priority})
        return measure_run(sc)["reply_rate_online"]

    assert reply_rate(1.0) < reply_rate(0.0) - 0.05
