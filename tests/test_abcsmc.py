"""The calibration's sampler (cogov_sim/validation/abcsmc.py) on hand-checked cases and on a
problem whose ABC posterior is known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.integrate import trapezoid
from scipy.linalg import null_space

from cogov_sim.validation import abcsmc


@given(st.floats(-50, 50), st.floats(0.1, 100))
def test_the_logit_scale_maps_every_value_into_its_range_and_back(lo, width):
    hi = lo + width
    x = np.linspace(lo, hi, 11)[1:-1]
    back = abcsmc.from_logit(abcsmc.to_logit(x, lo, hi), lo, hi)
    np.testing.assert_allclose(back, x, rtol=1e-9, atol=1e-9 * width)
    z = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    y = abcsmc.from_logit(z, lo, hi)
    assert ((y >= lo) & (y <= hi)).all() and y[2] == pytest.approx(lo + width / 2)


def test_the_log_prior_is_the_standard_logistic_density_and_stays_finite_far_out():
    z = np.array([[-3.0, 0.0], [0.5, 12.0]])
    np.testing.assert_allclose(abcsmc.log_prior(z), stats.logistic.logpdf(z).sum(axis=1))
    assert np.isfinite(abcsmc.log_prior(np.array([[1e4, -1e4]]))).all()
    # a uniform draw seen on the logit scale is standard logistic: its density integrates to 1
    grid = np.linspace(-40, 40, 200_001)
    assert trapezoid(np.exp(abcsmc.log_prior(grid[:, None])), grid) == pytest.approx(1.0, abs=1e-9)


def test_the_next_tolerance_keeps_half_and_never_counts_an_unmeasured_particle():
    assert abcsmc.next_tolerance(np.array([4.0, 1.0, 3.0, 2.0])) == 2.0  # two of four kept
    assert abcsmc.next_tolerance(np.array([5.0, 1.0, 3.0, 2.0, 4.0])) == 3.0  # ceil(2.5) = 3 of five
    assert abcsmc.next_tolerance(np.array([np.inf, 1.0, np.inf, 2.0])) == 2.0
    assert math.isnan(abcsmc.next_tolerance(np.array([np.inf, 1.0, np.inf])))


def test_moves_leave_a_particle_unmoved_with_probability_at_most_the_miss():
    # 1 - (1 - 0.5)^4 = 0.9375 >= 0.9 > 1 - 0.5^3
    assert abcsmc.moves_needed(0.5, miss=0.1, most=10) == 4
    assert abcsmc.moves_needed(0.05, miss=0.1, most=5) == 5  # capped
    assert abcsmc.moves_needed(0.99, miss=0.1, most=5) == 1
    assert abcsmc.moves_needed(0.0) == abcsmc.MAX_MOVES and abcsmc.moves_needed(1.0) == 1


def test_the_generator_state_survives_json():
    import json

    rng = abcsmc.sampler_rng(5)
    rng.random(7)
    saved = json.loads(json.dumps(abcsmc.generator_state(rng)))
    ahead = rng.random(4)
    other = abcsmc.sampler_rng(6)
    abcsmc.set_generator_state(other, saved)
    np.testing.assert_array_equal(other.random(4), ahead)


def ball_problem(centre: np.ndarray):
    """A deterministic model whose distance is the Euclidean distance of the parameters to
    ``centre``: the ABC posterior at tolerance eps is uniform on the ball of radius eps (inside
    the unit box)."""
    calls = []

    def simulate(values, tick=None):
        calls.append(len(values))
        d = np.sqrt(((values - centre) ** 2).sum(axis=1))
        return d, values.copy()

    return simulate, calls


def test_the_sampler_recovers_a_known_abc_posterior_and_repeats_to_the_bit():
    centre = np.array([0.3, 0.6, 0.5])
    runs = []
    for _ in range(2):
        simulate, calls = ball_problem(centre)
        s = abcsmc.Sampler(simulate, np.zeros(3), np.ones(3), 2000, abcsmc.sampler_rng(11))
        pop = s.start()
        for _ in range(4):
            pop = s.step(pop)
        runs.append((pop, sum(calls)))
    pop, sims = runs[0]
    np.testing.assert_array_equal(pop.z, runs[1][0].z)
    eps = pop.epsilon
    x = s.values(pop.z)
    r = np.sqrt(((x - centre) ** 2).sum(axis=1))
    assert (r <= eps).all() and eps < 0.3  # every particle satisfies its tolerance, inside the box
    # uniform on the 3-ball: the mean is the centre, and the radius has P(r <= eps / 2^(1/3)) = 1/2
    np.testing.assert_allclose(x.mean(axis=0), centre, atol=0.1 * eps)
    assert np.mean(r <= eps / 2 ** (1 / 3)) == pytest.approx(0.5, abs=0.05)
    assert pop.info["distinct"] > 0.6 * len(x)  # the moves keep the particles apart
    assert sims < 2000 * (1 + 4 * abcsmc.MAX_MOVES)


def test_a_population_step_keeps_half_and_moves_within_its_tolerance():
    simulate, calls = ball_problem(np.array([0.5, 0.5]))
    s = abcsmc.Sampler(simulate, np.zeros(2), np.ones(2), 400, abcsmc.sampler_rng(2))
    first = s.start()
    assert calls == [400] and first.t == 0 and first.info["survivors"] == 400
    nxt = s.step(first, min_epsilon=0.0)
    assert nxt.t == 1 and nxt.epsilon == abcsmc.next_tolerance(first.distance)
    assert nxt.info["survivors"] == 200 and (nxt.distance <= nxt.epsilon).all()
    assert 0 < nxt.acceptance <= 1 and nxt.info["moves"] == abcsmc.moves_needed(1.0)
    # proposals refused by the prior ratio are never simulated
    assert sum(calls[1:]) <= nxt.info["proposals"]
    floor = s.step(nxt, min_epsilon=10.0)
    assert floor.epsilon == 10.0


def test_the_walk_still_reaches_directions_the_kept_particles_do_not_span():
    """Five distinct particles in ten dimensions span four directions; the walk's covariance keeps
    a share of each parameter's variance in the others, so the sampler can widen them again."""
    rng = np.random.default_rng(3)
    z = np.repeat(rng.standard_normal((5, 10)), 20, axis=0)
    factor = abcsmc.walk_factor(z)
    cov = factor @ factor.T
    outside = null_space(z - z.mean(axis=0)).T  # unit directions orthogonal to the particles' span
    assert len(outside) == 6
    spread = np.diag(np.cov(z, rowvar=False)).mean() * abcsmc.WALK_SCALE / 10
    assert np.einsum("ij,jk,ik->i", outside, cov, outside).min() > 0.01 * spread
