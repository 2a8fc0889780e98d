"""Each rule on small hand-checked cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogov_sim.model import rules
from cogov_sim.model.rules import HOTLINE, OFFLINE, ONLINE


def test_issue_arrivals_only_for_residents_without_an_issue():
    status = np.array([0, 0, 1, 2, 0])
    u = np.array([0.01, 0.5, 0.0, 0.0, 0.019])
    assert rules.issue_arrivals(status, np.full(5, 0.02), u).tolist() == [True, False, False, False, True]


@pytest.mark.parametrize("u,expected", [(0.0, 0), (0.099, 0), (0.1, 1), (0.59, 1), (0.6, 2), (0.99, 3)])
def test_issue_categories_inverse_transform(u, expected):
    mix = np.array([[0.1, 0.5, 0.3, 0.1]])
    assert rules.issue_categories(mix, np.array([u]))[0] == expected


def test_channel_costs_and_best_channel():
    costs = rules.channel_costs(literacy=np.array([1.0, 0.0]), older=np.array([False, True]), online_cost=0.3,
                                online_literacy_penalty=1.6, hotline_cost=0.7, hotline_literacy_penalty=0.3,
                                offline_cost=1.0, offline_older_discount=0.5)
    np.testing.assert_allclose(costs, [[0.3, 0.7, 1.0], [1.9, 1.0, 0.5]])
    both = np.array([True, True])
    v = rules.channel_utilities(costs=costs, privacy=np.array([0.0, 0.0]), aware=both, platform_open=both,
                                hotline_open=both, platform_quality=np.zeros(2), privacy_weight=0.8,
                                quality_weight=0.5)
    best, ch = rules.best_channel(np.zeros(2), v)
    assert ch.tolist() == [ONLINE, OFFLINE]
    np.testing.assert_allclose(best, [-0.3, -0.5])
    # unaware residents can only go offline; privacy concern pushes a literate resident to the hotline
    v = rules.channel_utilities(costs=costs, privacy=np.array([1.0, 0.0]), aware=np.array([True, False]),
                                platform_open=both, hotline_open=both, platform_quality=np.zeros(2),
                                privacy_weight=0.8, quality_weight=0.5)
    assert rules.best_channel(np.zeros(2), v)[1].tolist() == [HOTLINE, OFFLINE]
    # ties go to the lower index
    assert rules.best_channel(np.zeros(1), np.array([[-1.0, -1.0, -1.0]]))[1].tolist() == [ONLINE]


def test_channel_logit_on_a_hand_checked_case():
    # utilities online -0.3, hotline -0.7, offline -1.0 at scale 0.5: weights exp(0), exp(-0.8), exp(-1.4)
    v = np.array([[-0.3, -0.7, -1.0], [-np.inf, -np.inf, -0.5]])
    iv, w = rules.channel_logit(v, 0.5)
    np.testing.assert_allclose(w[0], [1.0, np.exp(-0.8), np.exp(-1.4)])
    np.testing.assert_allclose(iv[0], -0.3 + 0.5 * np.log(1 + np.exp(-0.8) + np.exp(-1.4)))
    # only offline open: the nest is worth offline's utility and offline is always drawn
    assert w[1].tolist() == [0.0, 0.0, 1.0]
    assert iv[1] == -0.5
    total = w[0].sum()
    u = np.array([0.0, 0.999 / total, 1.001 / total, (1 + np.exp(-0.8)) * 0.999 / total, 0.999999])
    assert rules.pick_channel(np.repeat(w[:1], 5, axis=0), u).tolist() == [ONLINE, ONLINE, HOTLINE, HOTLINE,
                                                                            OFFLINE]
    assert rules.pick_channel(np.repeat(w[1:], 3, axis=0), np.array([0.0, 0.5, 0.9999])).tolist() == [OFFLINE] * 3


def test_channel_utilities_agree_with_best_channel():
    costs = rules.channel_costs(literacy=np.array([1.0, 0.0, 0.5]), older=np.array([False, True, False]),
                                online_cost=0.3, online_literacy_penalty=1.6, hotline_cost=0.7,
                                hotline_literacy_penalty=0.3, offline_cost=1.0, offline_older_discount=0.5)
    kw = dict(costs=costs, privacy=np.array([0.0, 0.2, 1.0]), aware=np.array([True, True, False]),
              platform_open=np.array([True, True, True]), hotline_open=np.array([True, False, True]),
              platform_quality=np.array([0.5, 0.5, 0.5]), privacy_weight=0.8, quality_weight=0.5)
    v = rules.channel_utilities(**kw)
    np.testing.assert_allclose(v[0], [0.25 - 0.3, -0.7, -1.0])
    assert v[1, HOTLINE] == -np.inf and v[2, ONLINE] == -np.inf and v[2, HOTLINE] == -np.inf
    best, ch = rules.best_channel(np.zeros(3), v)
    np.testing.assert_array_equal(best, v.max(axis=1))
    np.testing.assert_array_equal(ch, v.argmax(axis=1))
    # as the scale goes to 0 the logit's nest is worth the best channel and draws only it
    iv, w = rules.channel_logit(v, 1e-6)
    np.testing.assert_allclose(iv, best, atol=1e-5)
    np.testing.assert_array_equal(rules.pick_channel(w, np.full(3, 0.5)), ch)


def test_pick_channel_frequencies_follow_the_logit_probabilities():
    v = np.tile([[-0.2, -0.9, -0.6]], (200_000, 1))
    _, w = rules.channel_logit(v, 0.5)
    u = np.random.default_rng(3).random(v.shape[0])
    share = np.bincount(rules.pick_channel(w, u), minlength=3) / v.shape[0]
    expected = np.exp(v[0] / 0.5) / np.exp(v[0] / 0.5).sum()
    np.testing.assert_allclose(share, expected, atol=0.005)  # 5 standard errors at 200,000 draws


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5), st.booleans(), st.booleans(),
                          st.floats(0, 1, exclude_max=True)), min_size=1, max_size=20),
       st.floats(0.01, 5.0))
def test_channel_logit_invariants(rows, scale):
    v = np.array([[a if open_a else -np.inf, b if open_b else -np.inf, c] for a, b, c, open_a, open_b, _ in rows])
    u = np.array([row[-1] for row in rows])
    iv, w = rules.channel_logit(v, scale)
    top = v.max(axis=1)
    n_open = np.isfinite(v).sum(axis=1)
    assert (iv >= top - 1e-12).all() and (iv <= top + scale * np.log(n_open) + 1e-9).all()
    assert ((w >= 0) & (w <= 1)).all() and (w.max(axis=1) == 1).all()
    # each weight is numpy's exp of the scaled gap to the best channel, to the bit (closed: 0)
    with np.errstate(over="ignore"):
        assert np.array_equal(w, np.exp((v - top[:, None]) / scale))
    ch = rules.pick_channel(w, u)
    assert np.isfinite(v[np.arange(v.shape[0]), ch]).all()  # a closed channel is never drawn


def test_participation_choice_is_granovetter_without_noise():
    best = np.array([0.2, 0.2, 0.2])
    thr = np.array([0.1, 0.2, 0.3])
    assert rules.participation_choice(best, thr, 0.0, np.full(3, 0.5)).tolist() == [True, True, False]


def test_participation_choice_logistic_noise():
    # with noise, P(take part) = logistic((best - threshold) / noise): u above 1 - p takes part
    best, thr, noise = np.array([0.0]), np.array([0.0]), 1.0
    assert rules.participation_choice(best, thr, noise, np.array([0.51]))[0]
    assert not rules.participation_choice(best, thr, noise, np.array([0.49]))[0]
    p = 1 / (1 + np.exp(-1.0))  # best - threshold = 1
    u = np.array([1 - p - 0.01, 1 - p + 0.01])
    assert rules.participation_choice(np.full(2, 1.0), np.zeros(2), 1.0, u).tolist() == [False, True]


def test_finding_probability():
    p = rules.finding_probability(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.5]), 0.15)
    np.testing.assert_allclose(p, [0.0, 1 - np.exp(-0.15), 1 - np.exp(-0.15)])


def test_target_level_and_relax():
    assert rules.target_level(0.2, np.array([0.0]), 10.0)[0] == pytest.approx(0.2)
    assert rules.target_level(0.0, np.array([10.0]), 10.0)[0] == pytest.approx(1 - np.exp(-1))
    assert rules.relax(np.array([0.0]), np.array([1.0]), 4.0)[0] == pytest.approx(0.25)


def test_resolution_probability_never_exceeds_capacity():
    q = np.array([[10.0, 0.0], [4.0, 2.0]])
    cap = np.array([[5.0, 3.0], [8.0, 1.0]])
    np.testing.assert_allclose(rules.resolution_probability(q, cap), [[0.5, 1.0], [1.0, 0.5]])


def test_silo_factor():
    f = rules.silo_factor(0.7, np.array([0.0, 1.0, 0.5]), np.array([0.0, 0.0, 0.3]), 0.8)
    np.testing.assert_allclose(f, [1 - 0.8 * 0.7, 1.0, 1 - 0.8 * 0.7 * 0.5 * 0.7])


def test_attribute_sector():
    share = np.array([[0.5, 0.25, 0.25, 0.0]] * 3)
    assert rules.attribute_sector(share, np.array([0.1, 0.6, 0.8])).tolist() == [0, 1, 2]


def test_satisfaction_score():
    s = rules.satisfaction_score(np.array([True, True, False]), np.array([1, 5, 3]), 2, late=0.6, failed=0.2)
    np.testing.assert_allclose(s, [1.0, 0.6, 0.2])


def test_outcome_feedback():
    t, e = rules.outcome_feedback(np.array([0.5, 0.5, 0.5]), np.array([0.4, 0.4, 0.4]),
                                  np.array([True, False, False]), np.array([False, True, False]),
                                  np.array([False, False, True]), trust_gain=0.1, efficacy_gain=0.2,
                                  trust_loss=0.2, efficacy_loss=0.5, wait_loss=0.1)
    np.testing.assert_allclose(t, [0.55, 0.4, 0.45])
    np.testing.assert_allclose(e, [0.52, 0.2, 0.4])


def test_vicarious_feedback():
    x = rules.vicarious_feedback(np.array([0.5, 0.5]), np.array([1.0, 0.0]), np.array([0.0, 0.5]), np.array([0.2, 0.2]))
    np.testing.assert_allclose(x, [0.6, 0.45])


def test_bounded_confidence_deffuant():
    op = np.array([0.1, 0.3, 0.6, 0.95])
    out = rules.bounded_confidence(op, np.array([0, 2]), np.array([1, 3]), epsilon=0.25, mu=0.5)
    np.testing.assert_allclose(out, [0.2, 0.2, 0.6, 0.95])  # second pair is farther than epsilon


def test_disjoint_pairs_keep_first_sampled_tie_of_each_resident():
    u = np.array([0, 1, 2, 4])
    v = np.array([1, 2, 3, 5])
    assert rules.disjoint_pairs(u, v, 6).tolist() == [0, 3]


def test_awareness_transition_complex_contagion():
    aware = np.array([False, False, True, True])
    nb = np.array([2, 1, 0, 0])
    recent = np.array([False, False, True, False])
    out = rules.awareness_transition(aware, nb, recent, np.zeros(4), threshold=2, word_of_mouth=1.0,
                                     forgetting=0.5, u=np.array([0.3, 0.0, 0.1, 0.1]))
    assert out.tolist() == [True, False, True, False]


def test_public_goods_payoffs_star():
    # star: centre 0 with leaves 1, 2; only the centre cooperates; r = 3, cost per game
    import scipy.sparse as sp

    adj = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    deg = np.array([2.0, 1.0, 1.0])
    coop = np.array([True, False, False])
    pay = rules.public_goods_payoffs(coop, deg, lambda x: adj @ x, np.full(3, 3.0), per_individual=False)
    # game at 0: pot 3*1 shared by 3 -> 1 each; games at leaves (groups of 2): pot 3*1, 1.5 each
    np.testing.assert_allclose(pay, [1 + 1.5 + 1.5 - 3, 1 + 1.5, 1 + 1.5])
    pay = rules.public_goods_payoffs(coop, deg, lambda x: adj @ x, np.full(3, 3.0), per_individual=True)
    # the centre gives 1/3 to each of its 3 games
    np.testing.assert_allclose(pay, [1 / 3 + 0.5 + 0.5 - 1, 1 / 3 + 0.5, 1 / 3 + 0.5])


def test_imitation():
    coop = np.array([True, False, False])
    pay = np.array([1.0, 3.0, 0.0])
    out = rules.imitation(coop, pay, np.array([1, 0, -1]), np.full(3, 4.0), np.array([0.4, 0.0, 0.0]))
    assert out.tolist() == [False, False, False]  # 0 copies 1 (gap 2/4 > 0.4); 1 is better off; 2 has no model


def test_random_neighbour():
    indptr = np.array([0, 2, 2, 3])
    indices = np.array([1, 2, 0])
    assert rules.random_neighbour(indptr, indices, np.array([0.0, 0.5, 0.9])).tolist() == [1, -1, 0]
    assert rules.random_neighbour(indptr, indices, np.array([0.99, 0.5, 0.0])).tolist() == [2, -1, 0]


def test_breach_probability_grows_with_data_and_copies_and_falls_with_security():
    p = rules.breach_probability(np.array([0.0, 0.5, 1.0, 1.0, 1.0]), np.array([0.0, 0.0, 0.0, 1.0, 0.5]),
                                 np.array([1.0, 1.0, 1.0, 1.0, 2.0]), hazard=0.01)
    np.testing.assert_allclose(p, [0.0, 1 - np.exp(-0.005), 1 - np.exp(-0.01), 0.0, 1 - np.exp(-0.01)])


@given(st.floats(0, 1), st.floats(0, 1), st.floats(1, 5), st.floats(0.001, 1), st.floats(0.01, 0.5))
def test_breach_risk_grows_with_records_and_copies_and_falls_with_security(share, security, copies, hazard, step):
    def p(share=share, security=security, copies=copies):
        return float(rules.breach_probability(np.array([share]), np.array([security]), copies, hazard=hazard)[0])

    base = p()
    assert 0.0 <= base < 1.0
    assert p(share=share + step) >= base and p(copies=copies + step) >= base
    assert p(security=min(security + step, 1.0)) <= base


def test_reallocate_habit_keeps_and_data_driven_moves():
    alloc = np.array([[0.25, 0.25], [0.25, 0.25]])
    observed = np.array([[3.0, 1.0], [0.0, 0.0]])
    new = rules.reallocate(alloc, observed, None, np.array([False, False]), np.zeros(2), adjustment=0.5)
    np.testing.assert_allclose(new, alloc)
    new = rules.reallocate(alloc, observed, None, np.array([True, True]), np.zeros(2), adjustment=1.0)
    np.testing.assert_allclose(new, [[0.75, 0.25], [0.0, 0.0]])
    # evaluation pulls toward the estimated need
    est = np.array([[1.0, 1.0], [1.0, 1.0]])
    new = rules.reallocate(alloc, observed, est, np.array([True, True]), np.ones(2), adjustment=1.0)
    np.testing.assert_allclose(new, alloc)


def test_responsiveness():
    assert rules.responsiveness(np.array([0.5, 0.5]), np.array([5.0, 5.0])) == pytest.approx(1.0)
    assert rules.responsiveness(np.array([1.0, 0.0]), np.array([0.0, 5.0])) == pytest.approx(0.0)
    rows = rules.responsiveness_rows(np.array([[0.2, 0.2], [0.3, 0.3]]), np.array([[1.0, 3.0], [0.0, 0.0]]))
    assert rows[0] == pytest.approx(0.75) and np.isnan(rows[1])


def test_fading_memory_halves_a_gap_in_one_half_life():
    rate = rules.fading_rate(52.0)
    assert rate == pytest.approx(1 - 0.5 ** (1 / 52))
    x = np.array([0.9, 0.1, 0.5])
    rest = np.array([0.5, 0.5, 0.5])
    for _ in range(52):
        x = rules.fade(x, rest, rate)
    np.testing.assert_allclose(x, [0.7, 0.3, 0.5])
    assert rules.fading_rate(0.0) == 0.0
    assert rules.fade(np.array([0.9]), np.array([0.5]), 0.0)[0] == 0.9


def test_stationary_sees_a_slow_trend_below_the_noise_and_not_noise_alone():
    from cogov_sim.model.model import stationary

    rng = np.random.default_rng(7)
    noise = rng.normal(0, 0.005, size=(104, 2))
    flat = [row for row in 0.5 + noise]
    assert stationary(flat, 104, 156, 0.01)
    assert not stationary(flat[:100], 104, 156, 0.01)  # not enough weeks yet
    # a drift of 0.02 per 156 weeks in one quantity, under noise of the same size week to week
    drift = [row + np.array([0.0, 0.02 * t / 156]) for t, row in enumerate(flat)]
    assert not stationary(drift, 104, 156, 0.01)


def test_priority_probabilities_serve_overdue_cases_first():
    queue, overdue, cap = np.array([10.0, 10.0, 4.0]), np.array([2.0, 6.0, 0.0]), np.array([5.0, 5.0, 8.0])
    p_o, p_n = rules.priority_probabilities(queue, overdue, cap, 0.0)
    np.testing.assert_allclose(p_o[:2], [0.5, 0.5])  # no priority: everyone the fair chance
    np.testing.assert_allclose(p_n, [0.5, 0.5, 1.0])
    p_o, p_n = rules.priority_probabilities(queue, overdue, cap, 1.0)
    # full priority: 2 overdue all served, the other 3 of 5 cases a week go to the 8 others
    np.testing.assert_allclose(p_o[:2], [1.0, 5 / 6])
    np.testing.assert_allclose(p_n[:2], [3 / 8, 0.0])
    p_o, p_n = rules.priority_probabilities(queue, overdue, cap, 0.5)
    np.testing.assert_allclose(p_o[0], (0.5 * 2 + 0.5 * 5 * 0.2) / 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.floats(0, 80)), min_size=1, max_size=10),
       st.floats(0, 1))
def test_priority_never_closes_more_than_capacity_or_queue(cells, priority):
    others = np.array([a for a, _, _ in cells], dtype=float)
    overdue = np.array([b for _, b, _ in cells], dtype=float)
    cap = np.array([c for _, _, c in cells])
    queue = others + overdue
    p_o, p_n = rules.priority_probabilities(queue, overdue, cap, priority)
    assert ((p_o >= 0) & (p_o <= 1) & (p_n >= 0) & (p_n <= 1)).all()
    expected = p_o * overdue + p_n * others
    assert (expected <= np.minimum(cap, queue) + 1e-9).all()


def test_a_watched_request_is_followed_up_with_the_watch_times_the_follow_up_share():
    np.testing.assert_allclose(rules.follow_up_chance(np.array([0.0, 1.0, 0.5]), 0.7), [0.0, 0.7, 0.35])
    np.testing.assert_allclose(rules.follow_up_chance(np.array([1.0]), 1.0), [1.0])  # every message followed up


def test_watched_cases_are_served_first_by_the_share_of_capacity_given_to_them():
    watched, cap = np.array([4.0, 10.0, 0.0]), np.array([6.0, 5.0, 3.0])
    first, left = rules.served_first(watched, cap, 0.0)
    np.testing.assert_array_equal(first, 0.0)  # nobody watching: nothing first, the capacity untouched
    np.testing.assert_array_equal(left, cap)
    first, left = rules.served_first(watched, cap, 1.0)
    # fully watched: all 4 watched cases served first (2 of 6 left); 5 of the 10 (nothing left)
    np.testing.assert_allclose(first, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(left, [2.0, 0.0, 3.0])
    first, left = rules.served_first(watched, cap, 0.5)
    np.testing.assert_allclose(first, [0.5, 0.25, 0.0])
    np.testing.assert_allclose(left, [4.0, 2.5, 3.0])


def test_time_limited_cases_are_served_after_watched_ones_and_before_ordinary_ones():
    # one cell: 2 watched online requests, 4 time-limited cases, 6 ordinary online messages, capacity 6
    watched, limited, ordinary, cap = np.array([2.0]), np.array([4.0]), np.array([6.0]), np.array([6.0])
    first, left = rules.served_first(watched, cap, 1.0)  # all 2 watched first: 4 left
    second, left = rules.served_first(limited, left, 0.5)  # half of those 4 serve the limited first: 2 left
    np.testing.assert_allclose([first[0], second[0], left[0]], [1.0, 0.5, 2.0])
    # 2 limited and 6 ordinary still open share the last 2 fairly: 1/4 each
    _, p_rest = rules.priority_probabilities(watched * (1 - first) + limited * (1 - second) + ordinary,
                                             np.zeros(1), left, 0.0)
    np.testing.assert_allclose(p_rest, [0.25])
    p_limited = second + (1 - second) * p_rest
    np.testing.assert_allclose(p_limited, [0.625])
    # expected closures use the whole capacity and no more: 2 + 4 x 0.625 + 6 x 0.25 = 6
    np.testing.assert_allclose(watched * first + limited * p_limited + ordinary * p_rest, cap)
    assert rules.ONLINE not in rules.TIME_LIMITED and set(rules.TIME_LIMITED) == {rules.HOTLINE, rules.OFFLINE,
                                                                                  rules.FOUND}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.floats(0, 80)), min_size=1,
                max_size=10), st.floats(0, 1), st.floats(0, 1))
def test_serving_watched_cases_first_never_closes_more_than_capacity_or_queue(cells, supervision, priority):
    """Watched cases first, then overdue ones, as the model composes them: expected closures stay
    within the capacity and the queue, every chance within 0-1."""
    watched = np.array([a for a, _, _, _ in cells], dtype=float)
    overdue_other = np.array([b for _, b, _, _ in cells], dtype=float)
    others = np.array([c for _, _, c, _ in cells], dtype=float)
    cap = np.array([d for _, _, _, d in cells])
    watched_overdue = np.floor(watched / 2)
    queue = watched + overdue_other + others
    overdue = overdue_other + watched_overdue
    first, left = rules.served_first(watched, cap, supervision)
    assert ((first >= 0) & (first <= 1)).all() and (left >= -1e-9).all()
    p_o, p_n = rules.priority_probabilities(queue - first * watched, overdue - first * watched_overdue, left,
                                            priority)
    assert ((p_o >= 0) & (p_o <= 1) & (p_n >= 0) & (p_n <= 1)).all()
    p_watched_late = first + (1 - first) * p_o
    p_watched = first + (1 - first) * p_n
    expected = (p_watched_late * watched_overdue + p_watched * (watched - watched_overdue) + p_o * overdue_other
                + p_n * others)
    assert (expected <= np.minimum(cap, queue) + 1e-6).all()
    if supervision > 0:  # a watched case never fares worse than an unwatched one of its kind
        assert (p_watched >= p_n - 1e-12).all() and (p_watched_late >= p_o - 1e-12).all()

def test_volunteer_yield():
    queue = np.array([[4.0, 0.0], [3.0, 1.0]])
    capacity = np.array([[8.0, 2.0], [2.0, 0.0]])
    volunteers = np.array([[2.0, 2.0], [0.0, 0.0]])
    # community 0: half of the first cell's capacity finds work, none of the second's: (2 * 0.5 + 2 * 0) / 4
    # community 1: volunteers offer nothing, so nothing of theirs is idle
    np.testing.assert_allclose(rules.volunteer_yield(queue, capacity, volunteers, [4.0, 0.0]), [0.25, 1.0])
    # volunteers who find no shared problem to go to produce nothing
    np.testing.assert_allclose(rules.volunteer_yield(queue, capacity, volunteers * 0, [4.0, 3.0]), [0.0, 0.0])


@given(st.lists(st.tuples(st.floats(0, 50), st.floats(0, 50), st.floats(0, 1)), min_size=1, max_size=8))
def test_volunteer_yield_is_a_share(cells):
    q, other, vshare = (np.array(x, dtype=float)[None, :] for x in zip(*cells, strict=True))
    vol = other * vshare
    y = rules.volunteer_yield(q, other, vol, vol.sum(axis=-1) * 1.5)
    assert ((0.0 <= y) & (y <= 1.0)).all()


def _star():
    import scipy.sparse as sp

    adj = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    return np.array([2.0, 1.0, 1.0]), (lambda x: adj @ x)


def test_volunteering_gain_on_a_star():
    deg, nsum = _star()
    r = np.full(3, 3.0)
    # cost per game, centre: own return 3/3 + 3/2 + 3/2 = 4 for a cost of 3; the three games gain 9 in all
    gain = rules.volunteering_gain(deg, nsum, r, per_individual=False, altruism=0.0)
    np.testing.assert_allclose(gain, [4 - 3, 3 / 2 + 3 / 3 - 2, 3 / 2 + 3 / 3 - 2])
    gain = rules.volunteering_gain(deg, nsum, r, per_individual=False, altruism=0.1)
    assert gain[0] == pytest.approx(0.9 * 4 + 0.1 * 9 - 3)
    # cost per individual: the centre splits 1 over its 3 games
    gain = rules.volunteering_gain(deg, nsum, r, per_individual=True, altruism=0.0)
    assert gain[0] == pytest.approx(4 / 3 - 1)


@given(st.integers(2, 9), st.integers(0, 2**31 - 1), st.booleans(), st.floats(0.5, 8.0))
@settings(max_examples=60, deadline=None)
def test_volunteering_gain_is_the_payoff_difference_whatever_the_others_do(n, seed, per_individual, r):
    """Selfish gain = own payoff as a volunteer less own payoff as a free rider; fully altruistic
    gain = the change in everyone's payoffs together; in any profile of the others' choices."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    a = np.triu(rng.random((n, n)) < 0.5, 1)
    adj = sp.csr_matrix((a | a.T).astype(float))
    deg = np.asarray(adj.sum(axis=1)).ravel()
    nsum = lambda x: adj @ x  # noqa: E731
    syn = r * (0.5 + rng.random(n))
    coop = rng.random(n) < 0.5
    selfish = rules.volunteering_gain(deg, nsum, syn, per_individual, 0.0)
    altruist = rules.volunteering_gain(deg, nsum, syn, per_individual, 1.0)
    for i in range(n):
        on, off = coop.copy(), coop.copy()
        on[i], off[i] = True, False
        p_on = rules.public_goods_payoffs(on, deg, nsum, syn, per_individual)
        p_off = rules.public_goods_payoffs(off, deg, nsum, syn, per_individual)
        assert selfish[i] == pytest.approx(p_on[i] - p_off[i], abs=1e-9)
        assert altruist[i] == pytest.approx(p_on.sum() - p_off.sum(), abs=1e-9)


def test_logit_volunteering():
    gain = np.array([0.0, 0.0, 2.0, -2.0])
    v = np.array([0.49, 0.51, 0.85, 0.15])
    # chances 0.5, 0.5, 1 / (1 + e^-2) = 0.881, 0.119
    assert rules.logit_volunteering(gain, 1.0, v).tolist() == [True, False, True, False]
    assert rules.logit_volunteering(np.array([0.1, -0.1]), 0.0, np.array([0.99, 0.0])).tolist() == [True, False]
