"""The residents' rules written the ordinary Mesa way, one ``mesa.Agent`` per resident: the
reference against which the vectorised model is checked and timed (tests and benchmarks only).

:class:`ReferenceModel` is a :class:`~cogov_sim.model.model.CoGovModel` whose resident phases are
replaced by per-agent code: every resident is a :class:`Resident` holding its own state as
Python values, and each phase is one or more passes of ``AgentSet.do`` over the residents, in
which each resident reads its neighbours (its own list, taken from the network) and the
week's draws. Rules that update everybody at once from last week's state (awareness, the
volunteering game) take two passes, *plan* then *commit*, as synchronous updating requires in
any agent-based model.

The two implementations must agree exactly, so the reference consumes the same random draws:
the model draws each phase's uniform numbers from the same named streams, in the same order
and amount, and each resident reads its own entry (as a resident of an ordinary Mesa model
would draw ``self.random.random()``). What is not about residents is shared with the model
as it is: funding, capacities and decisions of the government, the capacity of each sector,
the chances per community (issue rate, finding, resolution, breach), pilots, shocks and
measurement (which reads the residents' arrays, written from the agents at the end of each
week, as a data collector would gather them).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from cogov_sim.model.institutions import _WeakIdCounters
from cogov_sim.model.model import N_CAT, CoGovModel, rules
from cogov_sim.model.population import OLDER
from cogov_sim.model.rules import FOUND, HOTLINE, NONE, OFFLINE, ONLINE, QUEUED, TIME_LIMITED, UNREPORTED

#: The resident attributes that change during a run (the rest are fixed at creation).
STATE = ("trust", "efficacy", "privacy", "satisfied", "aware", "cooperator", "status", "category", "cross", "issue_age",
         "wait", "channel", "last_part", "last_channel", "has_record", "followed_up")


def _toward(x: float, target: float, rate: float) -> float:
    """Move ``x`` a share ``rate`` of the way to ``target`` (:func:`cogov_sim.model.rules.toward` for
    one resident, written out here so that the reference does not share it)."""
    return x + rate * (target - x)


class Resident(mesa.Agent):
    """One resident with its own state and one method per thing it does in a week.

    Attributes mirror the columns of :class:`~cogov_sim.model.population.Residents`; ``neighbours``
    is the list of the resident's neighbours (in the network's order). Methods take the
    week's draws and per-community values from the model.
    """

    _ids = _WeakIdCounters()
    model: ReferenceModel

    def __init__(self, model: ReferenceModel, index: int):
        super().__init__(model)
        r = model.residents
        s = model.settings
        self.index = index
        self.community = int(r.community[index])
        self.age_group = int(r.age_group[index])
        self.literacy = float(r.literacy[index])
        self.threshold = float(r.threshold[index])
        self.member_of = int(r.member_of[index])
        self.trust_rest = float(r.trust_rest[index])
        self.efficacy_rest = float(r.efficacy_rest[index])
        self.privacy_rest = float(r.privacy_rest[index])
        self.satisfied_rest = float(r.satisfied_rest[index])
        for name in STATE:
            setattr(self, name, getattr(r, name)[index].item())
        degree = int(model.network.indptr[index + 1] - model.network.indptr[index])
        self.degree = degree
        self.inv_degree = 1.0 / degree if degree else 0.0
        self.neighbours: list[Resident] = []
        older = 1.0 if self.age_group == OLDER else 0.0
        ch = s.channels
        self.cost_online = ch.online_cost + ch.online_literacy_penalty * (1.0 - self.literacy)
        self.cost_hotline = ch.hotline_cost + ch.hotline_literacy_penalty * (1.0 - self.literacy)
        self.cost_offline = ch.offline_cost - ch.offline_older_discount * older
        self.recent = False
        self.resolved_now = self.failed_now = self.gave_up_now = self.exposed_now = False
        self.contribution = self.share = self.payoff = 0.0
        self.next_aware = self.next_cooperator = False

    # ---------------------------------------------------------------------------------- issues
    def get_issue(self, w: dict) -> None:
        """A resident without an open issue gets one with the community's weekly chance; its
        category follows the age group's mix, shifted toward a surge's category (model.md process 1)."""
        i, c = self.index, self.community
        if not (self.status == NONE and w["u"][i] < w["rate"][c]):
            return
        mix = w["mix"][self.age_group]
        surge_category = w["surge_category"][c]
        if surge_category >= 0:
            s = w["surge"][c]
            mix = [(m + (s if j == surge_category else 0.0)) / (1.0 + s) for j, m in enumerate(mix)]
        cdf, category, u_cat = 0.0, 0, w["u_cat"][i]
        for share in mix[:-1]:
            cdf += share
            category += u_cat >= cdf
        self.category = category
        self.cross = w["u_cross"][i] < w["cross_share"]
        self.status = UNREPORTED
        self.issue_age = 0
        self.wait = 0
        self.channel = -1
        self.model.government.arrived[c, category] += 1
        w["raised"].append(i)

    # ---------------------------------------------------------------------------------- awareness
    def plan_awareness(self, w: dict) -> None:
        """Learn the channels from a campaign or from enough aware neighbours (complex contagion,
        Centola & Macy 2007), or forget them without recent use (model.md process 2)."""
        i, c = self.index, self.community
        self.recent = (w["t"] - self.last_part) <= w["window"]
        p = w["public_reach"] * w["campaign"][c]
        if self.member_of >= 0:
            p = 1.0 - (1.0 - p) * (1.0 - min(w["campaign_reach"] * w["campaign"][c] * w["pull"][self.member_of][c]
                                             * w["org_weight"][c], 1.0))
        aware_neighbours = 0
        for nb in self.neighbours:
            aware_neighbours += nb.aware
        wom = w["word_of_mouth"] if aware_neighbours >= w["threshold"] else 0.0
        p_learn = 1.0 - (1.0 - p) * (1.0 - wom)
        u = w["u"][i]
        learn = not self.aware and u < p_learn
        forget = self.aware and not self.recent and u < w["forgetting"]
        self.next_aware = (self.aware or learn) and not forget

    def commit_awareness(self) -> None:
        """Take on the planned awareness (all residents at once)."""
        self.aware = self.next_aware

    # ---------------------------------------------------------------------------------- participation
    def take_part(self, w: dict) -> None:
        """Stay silent or take part through one channel: a nested logit with silence in its own
        nest, whose upper level is a threshold rule with a taste shock (Granovetter 1978;
        McFadden 1978; Verba et al. 1995); report an open issue (Fang 2024, 3.1-3.2)."""
        i, c = self.index, self.community
        recent_neighbours = 0
        for nb in self.neighbours:
            recent_neighbours += nb.recent
        social = recent_neighbours * self.inv_degree
        has_unreported = self.status == UNREPORTED
        base = (w["base"] + w["issue_motive"] * has_unreported + w["efficacy_weight"] * self.efficacy
                + w["trust_weight"] * self.trust + w["social_weight"] * social)
        # channels as (utility, channel) in the order online, hotline, offline, open ones only
        options = []
        if self.aware and w["platform_open"][c]:
            options.append((w["quality_weight"] * w["platform_quality"][c] - w["privacy_weight"] * self.privacy
                            - self.cost_online, ONLINE))
        if self.aware and w["hotline_open"][c]:
            options.append((-self.cost_hotline, HOTLINE))
        options.append((-self.cost_offline, OFFLINE))
        scale = w["channel_scale"]
        if scale > 0:
            top = max(v for v, _ in options)
            weights = [math.exp((v - top) / scale) for v, _ in options]
            total = sum(weights)
            best = top + scale * math.log(total)
            x, cumulative = w["u_channel"][i] * total, 0.0
            channel = OFFLINE
            for weight, (_, ch) in zip(weights, options, strict=True):
                cumulative += weight
                if x < cumulative:
                    channel = ch
                    break
        else:  # the best channel; ties go to the first in the order online, hotline, offline
            best, channel = max(options, key=lambda o: (o[0], -o[1]))
        if not (base + best) + w["shock"][i] >= self.threshold - 1e-12:
            return
        self.last_part = w["t"]
        self.last_channel = channel
        w["took_part"].append(i)
        if not has_unreported:
            return
        self.status = QUEUED
        self.channel = channel
        self.wait = 0
        # upper levels follow up a watched online request (rules.follow_up_chance)
        self.followed_up = channel == ONLINE and w["u_watch"][i] < w["watch"][c]
        if channel != OFFLINE:
            self.has_record = True
            weight = 1.0
        else:
            weight = w["paper"] + (1 - w["paper"]) * w["platform_quality"][c]
        w["tally"][c, self.category] += weight
        w["reported"].append(i)

    def be_found(self, w: dict) -> None:
        """Grid workers find an unreported issue with the community's weekly chance (Fang 2024, 4.3)."""
        i, c = self.index, self.community
        if self.status == UNREPORTED and w["u"][i] < w["p_find"][c]:
            self.status = QUEUED
            self.channel = FOUND
            self.wait = 0
            self.has_record = True
            w["tally"][c, self.category] += 1.0
            w["found"].append(i)

    # ---------------------------------------------------------------------------------- handling
    def join_queue(self, w: dict) -> None:
        """Count this resident's queued case (and whether it is overdue), and its volunteering,
        toward its community's."""
        if self.status == QUEUED:
            cell = (self.community, self.category)
            w["queue"][cell] += 1
            late = self.wait > w["patience"]
            if late:
                w["overdue"][cell] += 1
            if self.followed_up:
                w["followed"][cell] += 1
                w["followed_overdue"][cell] += late
            elif self.channel in TIME_LIMITED:
                w["limited"][cell] += 1
                w["limited_overdue"][cell] += late
        if self.cooperator:
            w["volunteers"][self.community] += 1

    def await_case(self, w: dict) -> None:
        """The queued case closes with its cell's chance (higher when overdue and escalated, lower
        for a cross-department case under silos), fails after the longest wait, or an unreported
        issue is given up (model.md process 3)."""
        i, c = self.index, self.community
        self.resolved_now = self.failed_now = self.gave_up_now = False
        if self.status == QUEUED:
            cell = c * N_CAT + self.category
            # served first when followed up from above, next when under a time limit
            q = (w["first"][cell] if self.followed_up else w["second"][cell] if self.channel in TIME_LIMITED
                 else 0.0)
            p = (q + (1.0 - q) * (w["p_overdue"][cell] if self.wait > w["patience"] else w["p_other"][cell])) * (
                w["silo"][c] if self.cross else 1.0)
            u = w["u"][i]
            if u < p:
                self.resolved_now = True
                v = u / max(p, 1e-300)
                cdf, sector = 0.0, 0
                for share in w["shares"][cell]:
                    cdf += share
                    sector += v >= cdf
                w["resolved"].append(i)
                w["sector"].append(min(sector, 3))
                w["resolved_wait"].append(float(self.wait))
            elif self.wait + 1 >= w["max_wait"]:
                self.failed_now = True
                w["failed"].append(i)
                w["failed_wait"].append(float(self.wait))
        elif self.status == UNREPORTED and self.issue_age + 1 >= w["max_unreported"]:
            self.gave_up_now = True
            w["given_up"].append(i)
        if self.resolved_now or self.failed_now or self.gave_up_now:
            self.status = NONE
            self.category = -1
            self.channel = -1
            self.followed_up = False
        self.issue_age += self.status != NONE
        self.wait += self.status == QUEUED

    # ---------------------------------------------------------------------------------- feedback
    def learn(self, w: dict) -> None:
        """Own outcomes move trust, efficacy and standing satisfaction; with transparency, the
        outcomes seen among neighbours this week move trust and efficacy too (model.md process 5;
        Fang 2024, 2.2)."""
        if w["memory_fade"] > 0:  # experience fades toward the resting levels (Mishler & Rose 2001)
            self.trust = self.trust + w["memory_fade"] * (self.trust_rest - self.trust)
            self.efficacy = self.efficacy + w["memory_fade"] * (self.efficacy_rest - self.efficacy)
        if w["privacy_fade"] > 0:
            self.privacy = self.privacy + w["privacy_fade"] * (self.privacy_rest - self.privacy)
        if self.resolved_now:
            self.trust = _toward(self.trust, 1.0, w["trust_gain"])
            self.efficacy = _toward(self.efficacy, 1.0, w["efficacy_gain"])
        elif self.failed_now:
            self.trust = _toward(self.trust, 0.0, w["trust_loss"])
            self.efficacy = _toward(self.efficacy, 0.0, w["efficacy_loss"])
        elif self.status == QUEUED and self.wait > w["patience"]:
            self.trust = _toward(self.trust, 0.0, w["wait_loss"])
        if self.gave_up_now:
            self.efficacy = _toward(self.efficacy, 0.0, w["silent_loss"])
        if w["memory_fade"] > 0:
            self.satisfied = self.satisfied + w["memory_fade"] * (self.satisfied_rest - self.satisfied)
        if self.resolved_now:  # the wait at resolution is kept until a new case starts
            score = 1.0 if self.wait <= w["patience"] else w["late"]
            self.satisfied = _toward(self.satisfied, score, w["satisfaction_weight"])
        elif self.failed_now or self.gave_up_now:
            self.satisfied = _toward(self.satisfied, w["failed"], w["satisfaction_weight"])
        if not w["vicarious"]:
            return
        good = bad = 0
        for nb in self.neighbours:
            good += nb.resolved_now
            bad += nb.failed_now
        if good + bad == 0:
            return
        weight = w["weight"][self.community]
        up = min(max(weight * (good * self.inv_degree), 0.0), 1.0)
        down = min(max(weight * (bad * self.inv_degree), 0.0), 1.0)
        self.trust = self.trust + up * (1.0 - self.trust) - down * self.trust
        self.efficacy = self.efficacy + up * (1.0 - self.efficacy) - down * self.efficacy

    def meet(self, other: Resident, epsilon: float, mu: float) -> None:
        """Two neighbours whose trust differs by less than ``epsilon`` move toward each other by
        ``mu`` times the difference (Deffuant et al. 2000)."""
        a, b = self.trust, other.trust
        if abs(a - b) < epsilon:
            d = mu * (b - a)
            self.trust, other.trust = a + d, b - d

    # ---------------------------------------------------------------------------------- volunteering
    def contribute(self, w: dict) -> None:
        """Give to the games one plays in (Santos, Santos & Pacheco 2008): 1 per game, or 1 in
        total split over one's degree + 1 games."""
        coop = 1.0 if self.cooperator else 0.0
        self.contribution = coop / (self.degree + 1.0) if w["per_individual"] else coop

    def collect_pot(self, w: dict) -> None:
        """Share of the game this resident centres: its pot times the synergy, split equally."""
        pot = self.contribution
        total = 0.0
        for nb in self.neighbours:
            total += nb.contribution
        self.share = w["synergy"][self.community] * (pot + total) / (self.degree + 1.0)

    def add_payoff(self, w: dict) -> None:
        """Payoff: shares of the own game and of each neighbour's, less what one gave."""
        total = 0.0
        for nb in self.neighbours:
            total += nb.share
        coop = 1.0 if self.cooperator else 0.0
        cost = coop if w["per_individual"] else coop * (self.degree + 1.0)
        self.payoff = self.share + total - cost

    def game_terms(self, w: dict) -> None:
        """What one unit given to one's own game returns to each player (synergy over group
        size), and one's share of a game when every player gives (1 over group size)."""
        groups = self.degree + 1.0
        self.synergy = w["synergy"][self.community]
        self.back = self.synergy / groups
        self.in_share = 1.0 / groups

    def game_pots(self, w: dict) -> None:
        """What a unit given to every game one plays returns (B), and, for a cost per individual,
        what one's own game pays each player when everybody in it gives (r C / (k + 1))."""
        returned, in_pot = self.back, self.in_share
        for nb in self.neighbours:
            returned += nb.back
            in_pot += nb.in_share
        self.returned = returned
        self.full = self.synergy * in_pot / (self.degree + 1.0)

    def payoff_bounds(self, w: dict) -> None:
        """The highest and lowest payoff one can get over every choice of every player
        (``rules.payoff_bounds``, case by case)."""
        groups = self.degree + 1.0
        if w["per_individual"]:
            total = self.full
            for nb in self.neighbours:
                total += nb.full
            own = self.returned / groups
            self.highest = total - own + max(0.0, own - 1.0)
            self.lowest = min(0.0, own - 1.0)
        else:
            total = self.synergy
            for nb in self.neighbours:
                total += nb.synergy
            self.highest = total - min(self.returned, groups)
            self.lowest = min(0.0, self.returned - groups)

    def plan_imitation(self, w: dict) -> None:
        """Look at one random neighbour and copy its strategy with a chance proportional to how
        much better it did (Santos et al. 2008), over the largest possible gap between the two
        payoffs (each at its own extremes)."""
        i = self.index
        self.next_cooperator = self.cooperator
        if not self.neighbours:
            return
        pick = min(int(w["u1"][i] * self.degree), self.degree - 1)
        model = self.neighbours[pick]
        max_gap = max(model.highest - self.lowest, self.highest - model.lowest)
        gap = model.payoff - self.payoff
        if gap > 0 and w["u2"][i] < gap / max_gap:
            self.next_cooperator = model.cooperator

    def plan_volunteering(self, w: dict) -> None:
        """Volunteer with the logit chance of what it is worth: one's own return and, weighed by
        altruism, what it gives the others, less its cost (Goeree, Holt & Laury 2002)."""
        synergy = w["synergy"]
        groups = self.degree + 1.0
        from_neighbours = of_neighbours = 0.0
        for nb in self.neighbours:
            from_neighbours += synergy[nb.community] / (nb.degree + 1.0)
            of_neighbours += synergy[nb.community]
        own = synergy[self.community] / groups + from_neighbours
        total = synergy[self.community] + of_neighbours
        if w["per_individual"]:
            own, total, cost = own / groups, total / groups, 1.0
        else:
            cost = groups
        gain = (1.0 - w["altruism"]) * own + w["altruism"] * total - cost
        noise = w["noise"]
        if noise <= 0:
            self.next_cooperator = gain > 0
        else:
            z = min(max(gain / noise, -500.0), 500.0)
            self.next_cooperator = bool(w["u2"][self.index] < 1.0 / (1.0 + math.exp(-z)))

    def commit_strategy(self) -> None:
        """Take on the planned strategy (all residents at once)."""
        self.cooperator = self.next_cooperator

    # ---------------------------------------------------------------------------------- data risk
    def count_record(self, w: dict) -> None:
        """Count this resident's stored data toward its community's (for the breach hazard)."""
        if self.has_record:
            w["records"][self.community] += 1

    def suffer_exposure(self, w: dict) -> None:
        """A breach where one lives exposes one's stored data with a chance (Fang 2024, 3.1)."""
        self.exposed_now = bool(w["breached"][self.community] and self.has_record and w["u"][self.index] < w["exposure"])
        if self.exposed_now:
            self.trust = _toward(self.trust, 0.0, w["trust_loss"])
            self.privacy = _toward(self.privacy, 1.0, w["privacy_gain"])

    def hear_of_breach(self, w: dict) -> None:
        """Privacy concern rises with exposed neighbours and with local news of the breach, which
        also costs some trust."""
        exposed = 0
        for nb in self.neighbours:
            exposed += nb.exposed_now
        news = w["media_gain"] if w["breached"][self.community] else 0.0
        self.privacy = _toward(self.privacy, 1.0, w["neighbour_gain"] * (exposed * self.inv_degree) + news)
        if w["media_trust_loss"] > 0 and w["breached"][self.community]:
            self.trust = _toward(self.trust, 0.0, w["media_trust_loss"])

    def keep_record(self, w: dict) -> None:
        """Stored data is deleted with a weekly chance (retention)."""
        self.has_record = self.has_record and w["u"][self.index] < w["retention"]


class ReferenceModel(CoGovModel):
    """:class:`~cogov_sim.model.model.CoGovModel` with one Mesa agent per resident (see the module).

    Each resident phase (``issues_arise``, ``spread_awareness``, ``residents_take_part``,
    ``find_issues``, ``handle_cases``, ``learn_from_outcomes``, ``exchange_trust``,
    ``revise_volunteering``, ``suffer_data_risk``) overrides the model's method of the same name,
    whose docstring says what it does, with passes of the :class:`Resident` methods.
    """

    def burn_in(self, weeks: int) -> None:
        """Create the resident agents from the drawn population, then burn in as the model does."""
        if not hasattr(self, "resident_agents"):
            self._create_residents()
        super().burn_in(weeks)
        # a burn-in that stops early renumbers its last week as week 0 in the residents' arrays
        # (weeks since each resident last took part are kept); the agents take the same numbering
        for agent, week in zip(self.resident_list, self.residents.last_part.tolist(), strict=True):
            agent.last_part = week

    def _create_residents(self) -> None:
        """One agent per row of the drawn residents, then each agent's list of neighbour agents."""
        agents = [Resident(self, i) for i in range(self.n)]
        indptr, indices = self.network.indptr, self.network.indices
        for i, agent in enumerate(agents):
            agent.neighbours = [agents[j] for j in indices[indptr[i]:indptr[i + 1]].tolist()]
        self.resident_agents = self.agents_by_type[Resident]
        #: The same agents by resident index.
        self.resident_list = agents

    def week(self, t: int, *, record: bool) -> None:
        """The model's week, then the agents' state written into the residents' arrays."""
        super().week(t, record=False)
        self.write_residents()
        if record:
            self.measure(t)

    def institutions_decide(self) -> None:
        """The institutions decide from the residents' state of this week, gathered first."""
        self.write_residents()
        super().institutions_decide()

    def write_residents(self) -> None:
        """Gather every agent's state into ``self.residents`` (as a data collector would)."""
        r = self.residents
        agents = self.resident_list
        for name in STATE:
            getattr(r, name)[:] = [getattr(a, name) for a in agents]

    def _draws(self, stream: str, *sizes: int) -> list[list[float]]:
        """Uniform draws from a named stream, as the model takes them, one list per call size."""
        rng = self.streams[stream]
        return [rng.random(size).tolist() for size in sizes]

    def _events(self, *names: str, **extra) -> dict:
        """The week's shared values (``extra``) and an empty list for each event the agents report."""
        w = {name: [] for name in names}
        w.update(extra)
        return w

    def _publish(self, w: dict, **dtypes) -> None:
        """Put the week's event lists where measurement reads them."""
        for name, dtype in dtypes.items():
            self._week[name] = np.asarray(w[name], dtype=dtype)

    # ---------------------------------------------------------------------------------- phases
    def issues_arise(self) -> None:
        s = self.settings
        u, u_cat, u_cross = self._draws("issues", self.n, self.n, self.n)
        w = self._events("raised", u=u, u_cat=u_cat, u_cross=u_cross, rate=self.issue_rates().tolist(),
                         mix=self._mix.tolist(), surge=self.surge.tolist(),
                         surge_category=self.surge_category.tolist(),
                         cross_share=s.issues.cross_department_share)
        self.resident_agents.do("get_issue", w)
        self._publish(w, raised=np.int64)

    def spread_awareness(self, t: int) -> None:
        s = self.settings
        (u,) = self._draws("awareness", self.n)
        w = dict(t=t, u=u, window=s.participation.window, public_reach=s.social_orgs.public_reach,
                 campaign_reach=s.social_orgs.campaign_reach, campaign=self.effective["awareness_campaign"].tolist(),
                 org_weight=self.mode_weights("org_weight").tolist(), pull=self.campaign_pull().tolist(),
                 word_of_mouth=s.awareness.word_of_mouth, threshold=s.awareness.threshold,
                 forgetting=s.awareness.forgetting)
        self.resident_agents.do("plan_awareness", w)
        self.resident_agents.do("commit_awareness")

    def residents_take_part(self, t: int) -> None:
        s = self.settings
        pp = s.participation
        u, u_channel = self._draws("participation", self.n, self.n)
        shock = rules.taste_shock(np.asarray(u), pp.noise).tolist() if pp.noise > 0 else [0.0] * self.n
        watch = rules.follow_up_chance(self.effective["upper_supervision"], s.government.follow_up_share)
        (u_watch,) = self._draws("supervision", self.n)
        w = self._events("took_part", "reported", t=t, shock=shock, u_channel=u_channel, watch=watch.tolist(),
                         u_watch=u_watch,
                         channel_scale=pp.noise * pp.channel_dissimilarity, base=pp.base, issue_motive=pp.issue_motive,
                         efficacy_weight=pp.efficacy_weight, trust_weight=pp.trust_weight,
                         social_weight=pp.social_weight, privacy_weight=pp.privacy_weight,
                         quality_weight=pp.quality_weight,
                         hotline_open=(self.effective["hotline"] > 0.5).tolist(),
                         platform_open=(self.effective["online_platform"] > 0.5).tolist(),
                         platform_quality=self.government.platform_quality.tolist(),
                         paper=s.government.paper_record_rate, tally=np.zeros((self.n_communities, N_CAT)))
        self.resident_agents.do("take_part", w)
        self.government.observed += w["tally"]
        self._publish(w, took_part=np.int64, reported=np.int64)

    def find_issues(self) -> None:
        (u,) = self._draws("handling", self.n)
        w = self._events("found", u=u, p_find=self.government.finding_probability().tolist(),
                         tally=np.zeros((self.n_communities, N_CAT)))
        self.resident_agents.do("be_found", w)
        self.government.observed += w["tally"]
        self._publish(w, found=np.int64)

    def handle_cases(self) -> None:
        s = self.settings
        (u,) = self._draws("handling", self.n)
        patience = s.government.patience_weeks
        cells = (self.n_communities, N_CAT)
        counts = dict(queue=np.zeros(cells), overdue=np.zeros(cells), followed=np.zeros(cells),
                      followed_overdue=np.zeros(cells), limited=np.zeros(cells), limited_overdue=np.zeros(cells),
                      volunteers=np.zeros(self.n_communities), patience=patience)
        self.resident_agents.do("join_queue", counts)
        cap = self.capacity_by_sector(counts["queue"], counts["volunteers"])
        first, second, p_overdue, p_other, silo, shares = self.handling_odds(
            counts["queue"], counts["overdue"], cap, counts["followed"], counts["followed_overdue"], counts["limited"],
            counts["limited_overdue"])
        w = self._events("resolved", "sector", "resolved_wait", "failed", "failed_wait", "given_up", u=u,
                         first=first.tolist(), second=second.tolist(), p_overdue=p_overdue.tolist(),
                         p_other=p_other.tolist(), patience=patience,
                         silo=silo.tolist(), shares=shares.tolist(),
                         max_wait=s.government.max_wait_weeks, max_unreported=s.issues.max_unreported_weeks)
        self.resident_agents.do("await_case", w)
        self._publish(w, resolved=np.int64, sector=np.int8, resolved_wait=np.float64, failed=np.int64,
                      failed_wait=np.float64, given_up=np.int64)
        week = self._week
        self.tally_period(week["resolved"], week["sector"], week["failed"], week["given_up"])

    def learn_from_outcomes(self) -> None:
        fb = self.settings.feedback
        weight = fb.vicarious_weight * self.effective["transparency"]
        w = dict(trust_gain=fb.resolved_trust_gain, efficacy_gain=fb.resolved_efficacy_gain,
                 trust_loss=fb.failed_trust_loss, efficacy_loss=fb.failed_efficacy_loss,
                 wait_loss=fb.wait_trust_loss, silent_loss=fb.silent_efficacy_loss,
                 patience=self.settings.government.patience_weeks, weight=weight.tolist(),
                 memory_fade=self._fading["memory"], privacy_fade=self._fading["privacy"],
                 satisfaction_weight=fb.satisfaction_weight, late=self._sat_scores["late"],
                 failed=self._sat_scores["failed"],
                 vicarious=bool(weight.any() and (self._week["resolved"].size or self._week["failed"].size)))
        self.resident_agents.do("learn", w)

    def exchange_trust(self) -> None:
        """Sampled ties meet; a tie meets when it is the first sampled tie of both its ends."""
        tr = self.settings.trust
        ties = self.sample_meetings().tolist()
        first: dict[int, int] = {}
        for k, (a, b) in enumerate(ties):
            first.setdefault(a, k)
            first.setdefault(b, k)
        agents = self.resident_list
        for k, (a, b) in enumerate(ties):
            if first[a] == k and first[b] == k:
                agents[a].meet(agents[b], tr.epsilon, tr.mu)

    def revise_volunteering(self) -> None:
        v = self.settings.volunteering
        u1, u2 = self._draws("volunteering", self.n, self.n)
        w = dict(u1=u1, u2=u2, synergy=self.synergy().tolist(), per_individual=v.cost_model == "per_individual",
                 altruism=v.altruism, noise=v.noise)
        self._last_yield = self.volunteer_yield()
        self._yield_sum = np.zeros(self.n_communities)
        self._yield_weeks = 0
        phases = ("plan_volunteering",) if v.revision == "logit" else (
            "contribute", "collect_pot", "add_payoff", "game_terms", "game_pots", "payoff_bounds", "plan_imitation")
        for phase in phases:
            self.resident_agents.do(phase, w)
        self.resident_agents.do("commit_strategy")

    def suffer_data_risk(self) -> None:
        d = self.settings.data
        u_k, u_e, u = self._draws("data", self.n_communities, len(self.enterprises), self.n)
        counts = dict(records=np.zeros(self.n_communities))
        self.resident_agents.do("count_record", counts)
        breached = self.breached_communities(counts["records"], np.asarray(u_k), np.asarray(u_e))
        self._week["breaches"] = breached
        w = dict(u=u, breached=breached.tolist(), exposure=d.exposure, trust_loss=d.trust_loss,
                 privacy_gain=d.privacy_gain, neighbour_gain=d.neighbour_privacy_gain,
                 media_gain=d.media_privacy_gain, media_trust_loss=d.media_trust_loss,
                 retention=d.record_retention)
        if breached.any():
            self.resident_agents.do("suffer_exposure", w)
            self.resident_agents.do("hear_of_breach", w)
        self.resident_agents.do("keep_record", w)

