"""The public goods game's imitation rule that the Santos docking case runs: its normalisation M,
the maximum possible difference between two payoffs (Santos, Santos & Pacheco 2008, Methods)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from cogov_sim.model import rules


def _graph(g: nx.Graph):
    adj = sp.csr_matrix(nx.to_numpy_array(g, nodelist=sorted(g)))
    return np.asarray(adj.sum(axis=1)).ravel(), (lambda x: adj @ x)


def _every_payoff(degree, neighbour_sum, synergy, per_individual):
    n = degree.size
    return np.array([rules.public_goods_payoffs(np.array(c, dtype=bool), degree, neighbour_sum, synergy, per_individual)
                     for c in itertools.product((False, True), repeat=n)])


@pytest.mark.parametrize("per_individual", [False, True])
def test_payoff_bounds_are_the_highest_and_lowest_payoffs_over_every_choice(per_individual):
    g = nx.barabasi_albert_graph(9, 2, seed=4)
    degree, neighbour_sum = _graph(g)
    synergy = np.random.default_rng(1).uniform(0.5, 6.0, 9)  # a synergy per game centre, as per community
    highest, lowest = rules.payoff_bounds(degree, neighbour_sum, synergy, per_individual)
    every = _every_payoff(degree, neighbour_sum, synergy, per_individual)  # all 512 choices
    np.testing.assert_allclose(highest, every.max(axis=0), atol=1e-12)
    np.testing.assert_allclose(lowest, every.min(axis=0), atol=1e-12)
    for x, y in g.edges:
        model_of = np.full(9, -1)
        model_of[x] = y
        m = rules.largest_payoff_gap(highest, lowest, model_of)
        assert m[x] >= np.abs(every[:, y] - every[:, x]).max() - 1e-12  # the chance is a probability
        assert m[x] == pytest.approx(max(highest[y] - lowest[x], highest[x] - lowest[y]))
        assert m[y] == 1.0  # no model


def test_on_a_regular_graph_the_two_cost_models_are_the_same_game():
    """Cost per individual divides every payoff, and so M, by z + 1: the chances are equal."""
    degree, neighbour_sum = _graph(nx.watts_strogatz_graph(30, 4, 0.0, seed=1))
    synergy = np.full(30, 4.5)
    coop = np.random.default_rng(2).random(30) < 0.5
    model_of = (np.arange(30) + 1) % 30
    chance = {}
    for per_individual in (False, True):
        pay = rules.public_goods_payoffs(coop, degree, neighbour_sum, synergy, per_individual)
        m = rules.largest_payoff_gap(*rules.payoff_bounds(degree, neighbour_sum, synergy, per_individual), model_of)
        chance[per_individual] = (pay[model_of] - pay) / m
    np.testing.assert_allclose(chance[True], chance[False], atol=1e-12)


@pytest.mark.parametrize("rows", [
    # centre 0 with leaves 1, 2; r = 3. Cost per game: 0 gets at most 3 + 3 + 3 - min(1 + 1.5 + 1.5, 3)
    # = 6 and at least min(0, 4 - 3) = 0; a leaf at most 3 + 3 - min(1 + 1.5, 2) = 4, at least
    # min(0, 2.5 - 2) = 0. Cost per individual (the centre gives 1/3 a game, a leaf 1/2): with
    # everybody giving, the centre's pot is 3 (1/3 + 1/2 + 1/2) = 4 and a leaf's 3 (1/2 + 1/3) = 2.5,
    # so the centre gets 4/3 + 2 x 1.25 - 1 = 17/6 and a leaf 1.25 + 4/3 - 1 = 19/12; giving
    # alone returns more than it costs to each, so the lowest payoff is 0 (nobody gives)
    (False, [6.0, 4.0, 4.0], [0.0, 0.0, 0.0]),
    (True, [17 / 6, 19 / 12, 19 / 12], [0.0, 0.0, 0.0]),
])
def test_payoff_bounds_on_a_star_by_hand(rows):
    per_individual, high, low = rows
    adj = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    highest, lowest = rules.payoff_bounds(np.array([2.0, 1.0, 1.0]), lambda x: adj @ x, np.full(3, 3.0),
                                          per_individual)
    np.testing.assert_allclose(highest, high)
    np.testing.assert_allclose(lowest, low)
