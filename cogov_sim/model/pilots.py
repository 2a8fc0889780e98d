"""Pilot programmes and their scale-up (Fang 2024, 4.3: 以点带面, from points to the whole).

Pure rules (site selection, the difference-in-differences evaluation, one step of Bass-type
imitation) and :class:`PilotProgrammes`, which the model calls at the start of every week to
start pilots, end their extra effort, evaluate them and spread the reform. The settings of a
pilot are :class:`cogov_sim.model.scenario.Pilot`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cogov_sim.model.outcomes import OUTCOME_NAMES

if TYPE_CHECKING:
    from cogov_sim.model.model import CoGovModel
    from cogov_sim.model.scenario import Pilot

NOT_ADOPTED = -1
REASONS: tuple[str, ...] = ("", "pilot", "mandate", "imitation")
PILOT, MANDATE, IMITATION = 1, 2, 3


# ------------------------------------------------------------------------------------ pure rules
def select_sites(rule: str, n_sites: int, *, score: np.ndarray | None = None, u: np.ndarray | None = None,
                 eligible: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``n_sites`` pilot communities, sorted.

    ``random``: the communities with the smallest of the uniform draws ``u`` (a uniformly
    random subset). Any other rule: the highest ``score`` (ties to the lower index). Only
    ``eligible`` communities (default: all) can be chosen.
    """
    k = (u if u is not None else score).size
    ok = np.ones(k, dtype=bool) if eligible is None else eligible
    key = u.copy() if rule == "random" else -np.asarray(score, dtype=np.float64)
    key = np.where(ok, key, np.inf)
    order = np.argsort(key, kind="stable")
    return np.sort(order[:min(n_sites, int(ok.sum()))])


def difference_in_differences(pre: np.ndarray, post: np.ndarray, treated: np.ndarray,
                              control: np.ndarray) -> float:
    """(mean change in treated units) - (mean change in control units); NaN when a group is empty.

    ``pre`` and ``post`` hold one value per unit (community); the changes are post - pre.
    Units with a missing value in either period are left out. Source: Card & Krueger (1994);
    Angrist & Pischke (2009), ch. 5.
    """
    change = post - pre
    t = change[treated & np.isfinite(change)]
    c = change[control & np.isfinite(change)]
    if t.size == 0 or c.size == 0:
        return float("nan")
    return float(t.mean() - c.mean())


def adoption_probability(adopted: np.ndarray, neighbours: np.ndarray | None, p: float, q: float) -> np.ndarray:
    """Weekly chance that each community adopts: ``p + q x F``, with F the share of its
    neighbouring communities that have adopted (``neighbours`` a boolean K x K matrix), or of all
    communities when ``neighbours`` is None (Bass 1969: external influence p, imitation q).
    Adopted communities get 0."""
    a = adopted.astype(np.float64)
    if neighbours is None:
        share = np.full(adopted.size, a.mean())
    else:
        deg = neighbours.sum(axis=1)
        share = np.divide(neighbours @ a, deg, out=np.zeros(adopted.size), where=deg > 0)
    return np.where(adopted, 0.0, np.clip(p + q * share, 0.0, 1.0))


# --------------------------------------------------------------------------------- in the model
@dataclass
class Evaluation:
    """What a pilot's evaluation found."""

    pilot: str
    step: int
    outcome: str
    pilot_change: float
    comparison_change: float
    effect: float
    gain: float
    comparison: str
    passed: bool | None
    sites: list[int]
    controls: list[int]

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class PilotProgrammes:
    """The pilots of one model run: their sites, who adopted when and why, and evaluations."""

    def __init__(self, model: CoGovModel):
        self.model = model
        self.pilots: tuple[Pilot, ...] = model.settings.pilots
        k = model.n_communities
        self.adopted_at = np.full(k, NOT_ADOPTED, dtype=np.int64)
        self.reason = np.zeros(k, dtype=np.int8)
        self.pilot_of = np.full(k, -1, dtype=np.int64)
        self.sites: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in self.pilots]
        self.evaluations: list[Evaluation] = []
        self._spreading: list[int] = []
        self._saved_extra: list[dict[str, np.ndarray]] = [{} for _ in self.pilots]
        links = model.network.community_links > 0
        np.fill_diagonal(links, False)
        self.neighbours = links

    @property
    def adopted(self) -> np.ndarray:
        return self.adopted_at != NOT_ADOPTED

    def before_week(self, t: int) -> bool:
        """Start, end, evaluate and spread pilots at the start of week ``t``; True when a lever changed."""
        changed = False
        for i, pl in enumerate(self.pilots):
            if t == pl.start:
                changed |= self._start(i, pl, t)
            if t == pl.end:
                changed |= self._finish(i, pl, t)
        for i in self._spreading:
            changed |= self._imitate(i, t)
        return changed

    # ------------------------------------------------------------------------ phases of a pilot
    def _start(self, i: int, pl: Pilot, t: int) -> bool:
        m = self.model
        k = m.n_communities
        n = pl.n_sites(k)
        eligible = ~self.adopted
        if pl.select == "list":
            sites = np.asarray(pl.communities, dtype=np.int64)
        elif pl.select == "random":
            sites = select_sites("random", n, u=m.streams["pilots"].random(k), eligible=eligible)
        else:
            sites = select_sites(pl.select, n, score=self.site_score(pl.select), eligible=eligible)
        self.sites[i] = sites
        self.pilot_of[sites] = i
        self._adopt(sites, pl, t, PILOT)
        self._saved_extra[i] = {name: m.levers[name][sites].copy() for name in pl.extra}
        for name, value in pl.extra.items():
            m.set_lever(name, value, sites)
        if n == 0:  # pure diffusion: imitation from the start
            self._spreading.append(i)
        return sites.size > 0

    def site_score(self, rule: str) -> np.ndarray:
        """Per-community score of a selection rule, from the state at the pilot's start."""
        m = self.model
        r = m.residents
        net = m.network
        sizes = np.maximum(net.community_sizes, 1).astype(np.float64)
        if rule == "most_in_need":
            from cogov_sim.model.rules import NONE

            return net.community_sum(r.status != NONE) / sizes
        if rule == "best_connected":
            links = net.community_links.astype(np.float64)
            return links.sum(axis=1) - np.diag(links)
        if rule == "most_able":
            return (net.community_sum(r.literacy) + net.community_sum(r.trust)) / sizes
        raise ValueError(rule)

    def _finish(self, i: int, pl: Pilot, t: int) -> bool:
        m = self.model
        sites = self.sites[i]
        changed = False
        for name, saved in self._saved_extra[i].items():  # the extra effort ends
            m._levers[name][sites] = saved
            changed = True
        if sites.size == 0:
            return changed
        ev = self.evaluate(i, pl, t)
        self.evaluations.append(ev)
        if pl.scale_up == "mandate" and ev.passed:
            rest = np.flatnonzero(~self.adopted)
            self._adopt(rest, pl, t, MANDATE)
            changed |= rest.size > 0
        elif pl.scale_up == "imitation" and ev.passed is not False:
            self._spreading.append(i)
        return changed

    def evaluate(self, i: int, pl: Pilot, t: int) -> Evaluation:
        """Difference-in-differences of the pilot's outcome: the ``window`` weeks before the start
        against the ``window`` weeks before the evaluation, pilot sites against the comparison
        communities (non-pilots: all, those linked to a pilot site, or those not linked)."""
        m = self.model
        values = m.recorder.values[:, OUTCOME_NAMES.index(pl.evaluate), :m.n_communities]
        with warnings.catch_warnings():  # a community with no value in a window is left out (NaN)
            warnings.simplefilter("ignore", RuntimeWarning)
            pre = np.nanmean(values[pl.start - 1 - pl.window:pl.start - 1], axis=0)
            post = np.nanmean(values[t - 1 - pl.window:t - 1], axis=0)
        treated = np.zeros(m.n_communities, dtype=bool)
        treated[self.sites[i]] = True
        control = self.comparison(treated, pl.compare_with) & (self.reason != PILOT)
        did = difference_in_differences(pre, post, treated, control)
        change = post - pre
        change_t = float(change[treated & np.isfinite(change)].mean()) if np.isfinite(change[treated]).any() \
            else float("nan")
        change_c = float(change[control & np.isfinite(change)].mean()) if np.isfinite(change[control]).any() \
            else float("nan")
        gain = did if pl.better == "higher" else -did
        passed = None if pl.threshold is None else bool(np.isfinite(gain) and gain >= pl.threshold)
        return Evaluation(pilot=pl.label, step=t, outcome=pl.evaluate, pilot_change=change_t,
                          comparison_change=change_c, effect=did, gain=gain, comparison=pl.compare_with,
                          passed=passed, sites=self.sites[i].tolist(), controls=np.flatnonzero(control).tolist())

    def comparison(self, treated: np.ndarray, how: str) -> np.ndarray:
        """Comparison communities: every non-pilot, or those linked (or not) to a pilot site."""
        near = self.neighbours[treated].any(axis=0) & ~treated
        if how == "neighbours":
            return near
        if how == "distant":
            return ~near & ~treated
        return ~treated

    def _imitate(self, i: int, t: int) -> bool:
        pl = self.pilots[i]
        u = self.model.streams["scaleup"].random(self.model.n_communities)
        prob = adoption_probability(self.adopted, None if pl.neighbourhood == "all" else self.neighbours, pl.p, pl.q)
        new = np.flatnonzero(u < prob)
        self._adopt(new, pl, t, IMITATION)
        return new.size > 0

    def _adopt(self, communities: np.ndarray, pl: Pilot, t: int, reason: int) -> None:
        if communities.size == 0:
            return
        self.adopted_at[communities] = t
        self.reason[communities] = reason
        for name, value in pl.levers.items():
            self.model.set_lever(name, value, communities)

    def table(self) -> dict[str, np.ndarray]:
        """One row per community: pilot label, whether a pilot site, week adopted and why."""
        labels = np.array([""] + [pl.label for pl in self.pilots], dtype=object)
        return {"community": np.arange(self.model.n_communities), "pilot": labels[self.pilot_of + 1],
                "is_pilot": self.reason == PILOT,
                "adopted_step": np.where(self.adopted, self.adopted_at, -1),
                "adoption_reason": np.array(REASONS, dtype=object)[self.reason]}
