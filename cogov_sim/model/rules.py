"""The behaviour rules of the model, as small pure functions over arrays.

Each rule takes plain numpy arrays (one row per resident, or one per community) and random
numbers drawn by the caller, and returns new arrays; none keeps state or draws randomness of
its own. That makes every rule testable on hand-checked cases, and lets the per-agent reference
implementation consume the same draws. Units: time in weeks, money in CNY, attitudes (trust,
efficacy, privacy concern, literacy) and levels (quality, security, skill) on [0, 1],
utilities in the random-utility units of the participation choice.
"""

from __future__ import annotations

import numpy as np

NONE, UNREPORTED, QUEUED = 0, 1, 2
ONLINE, HOTLINE, OFFLINE, FOUND = 0, 1, 2, 3

#: Channels whose cases run under a formal time limit that upper levels check: a hotline case
#: (12345 handling rules set time limits for each step, General Office of the State Council
#: 2020, Guofaban 53), a request made in person (letters and visits are handled within 60 days,
#: Regulations on Letters and Visits 2005 art. 33, and their numbers enter officials'
#: evaluations, Minzner 2006, Stanford J. Int'l Law 42:103-179) and a case a grid worker files
#: (grid systems dispatch each case with a deadline). An ordinary online message has none: about a
#: third were answered, more when they threatened to tell upper levels (Chen, Pan & Xu 2016).
TIME_LIMITED = (HOTLINE, OFFLINE, FOUND)


# ----------------------------------------------------------------------------------------- issues
def issue_arrivals(status: np.ndarray, rate: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Residents who get a new issue this week.

    A resident with no open issue gets one with probability ``rate`` (issues/resident/week),
    so each resident has at most one open issue. Source: model.md process 1.
    """
    return (status == NONE) & (u < rate)


def issue_categories(mix: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category of each new issue by inverse transform of its row of category shares.

    ``mix`` is (m, categories), each row summing to 1; ``u`` is uniform on [0, 1). Returns the
    index of the first category whose cumulative share exceeds ``u``.
    """
    cdf = np.cumsum(mix, axis=1)
    cat = (u[:, None] >= cdf[:, :-1]).sum(axis=1)
    return cat.astype(np.int8)


# ---------------------------------------------------------------------------------- participation
def channel_costs(
    *,
    literacy: np.ndarray,
    older: np.ndarray,
    online_cost: float,
    online_literacy_penalty: float,
    hotline_cost: float,
    hotline_literacy_penalty: float,
    offline_cost: float,
    offline_older_discount: float,
) -> np.ndarray:
    """Each resident's fixed cost of each channel (online, hotline, offline), shape (n, 3).

    The online platform costs more with low digital literacy (the digital divide: CNNIC internet
    use by age); the hotline a little more; going offline costs less for residents aged 60+, who
    have more time and live close to the residents' committee (Shanghai turnout by age,
    docs/validation.md).
    """
    out = np.empty((literacy.size, 3), dtype=np.float64)
    out[:, ONLINE] = online_cost + online_literacy_penalty * (1.0 - literacy)
    out[:, HOTLINE] = hotline_cost + hotline_literacy_penalty * (1.0 - literacy)
    out[:, OFFLINE] = offline_cost - offline_older_discount * older
    return out


def channel_utilities(
    *,
    costs: np.ndarray,
    privacy: np.ndarray,
    aware: np.ndarray,
    platform_open: np.ndarray,
    hotline_open: np.ndarray,
    platform_quality: np.ndarray,
    privacy_weight: float,
    quality_weight: float,
) -> np.ndarray:
    """Systematic utility of each channel (online, hotline, offline), shape (n, 3), in utility
    units; ``-inf`` where a channel is not open to the resident.

    A channel's utility is minus its cost (:func:`channel_costs`); online also loses
    ``privacy_weight * privacy`` and gains ``quality_weight * platform_quality`` (Fang 2024, 3.1).
    Online and hotline need the resident to know the channel (``aware``) and the lever to be on
    where the resident lives; offline is always possible. Source: Fang (2024) 3.1-3.2.
    """
    v = np.empty((costs.shape[0], 3), dtype=np.float64, order="F")
    np.negative(costs[:, OFFLINE], out=v[:, OFFLINE])
    v[:, HOTLINE] = np.where(aware & hotline_open, -costs[:, HOTLINE], -np.inf)
    v[:, ONLINE] = np.where(aware & platform_open,
                            quality_weight * platform_quality - privacy_weight * privacy - costs[:, ONLINE], -np.inf)
    return v


def best_channel(base: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Utility of taking part through the best open channel, ``base`` plus the best of ``v``
    (:func:`channel_utilities`), and which channel it is (0 online, 1 hotline, 2 offline; ties go
    to the lower index): the limit of :func:`channel_logit` as its scale goes to 0, used when
    channel choice has no taste shock."""
    return base + v.max(axis=1), v.argmax(axis=1).astype(np.int8)


def channel_logit(v: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Inclusive value of the channel nest and each channel's unnormalised logit weight.

    Channel ``j`` of a resident who takes part is chosen with probability
    ``exp(v_j / scale) / sum_k exp(v_k / scale)`` (a logit with a Gumbel error of scale ``scale``
    on each channel, McFadden 1974); the nest is worth its inclusive value
    ``IV = scale * log sum_k exp(v_k / scale)`` (McFadden 1978), which is at least the best
    channel's utility and exceeds it more the closer the alternatives are. ``v`` is (n, 3) in
    utility units with ``-inf`` for closed channels (at least one channel open per row);
    ``scale`` > 0 in utility units. Returns ``IV`` (n,) and weights ``exp((v_j - max v) / scale)``
    (n, 3), 0 for closed channels and 1 for the best.
    """
    columns = [v[:, j] for j in range(v.shape[1])]
    top = columns[0].copy()
    for col in columns[1:]:
        np.maximum(top, col, out=top)
    w = np.empty_like(v, order="F")
    total = np.zeros_like(top)
    with np.errstate(over="ignore"):  # a gap far beyond the scale is a weight of 0, as it should be
        for j, col in enumerate(columns):
            open_ = col > -np.inf
            if not open_.any():  # closed for everyone: exp(-inf) is 0, without computing it
                w[:, j] = 0.0
                continue
            wj = w[:, j]
            np.subtract(col, top, out=wj)
            wj /= scale
            if open_.all():
                np.exp(wj, out=wj)
            else:
                # exp(-inf) is 0; numpy's vectorised exp is several times slower on -inf than on
                # finite values, so closed channels take exp(0) * 0 instead: the same weights
                np.exp(np.where(open_, wj, 0.0), out=wj)
                wj *= open_
            total += wj
    return top + scale * np.log(total), w


def pick_channel(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Channel drawn from logit weights (:func:`channel_logit`) by inverse transform: the first
    channel, in the order online, hotline, offline, whose cumulative weight exceeds ``u`` times
    the total weight, ``u`` uniform on [0, 1). A channel of weight 0 is never drawn."""
    first_two = weights[:, 0] + weights[:, 1]
    x = u * (first_two + weights[:, 2])
    channel = (x >= weights[:, 0]).astype(np.int8)
    channel += x >= first_two
    return channel


def participation_base(
    *,
    base: float,
    issue_motive: float,
    has_unreported: np.ndarray,
    efficacy: np.ndarray,
    trust: np.ndarray,
    social_share: np.ndarray,
    efficacy_weight: float,
    trust_weight: float,
    social_weight: float,
) -> np.ndarray:
    """Channel-independent utility of taking part this week.

    Rises with an unreported issue of one's own, with efficacy and trust (Verba, Schlozman &
    Brady 1995), and with the share of neighbours who took part recently (social influence,
    Granovetter 1978).
    """
    return (base + issue_motive * has_unreported + efficacy_weight * efficacy + trust_weight * trust
            + social_weight * social_share)


def taste_shock(u: np.ndarray, noise: float) -> np.ndarray:
    """Logistic taste shocks of scale ``noise`` from uniform draws ``u`` on (0, 1):
    ``noise * log(u / (1 - u))`` (inverse transform), computed in single precision (ample for a
    taste shock, four times faster) and returned in double precision."""
    u32 = np.clip(u.astype(np.float32), np.float32(1e-7), np.float32(1 - 1e-7))
    return noise * np.log(u32 / (np.float32(1) - u32)).astype(np.float64)


def participation_choice(best: np.ndarray, threshold: np.ndarray, noise: float, u: np.ndarray) -> np.ndarray:
    """Who takes part this week.

    A resident takes part when the utility of taking part (``best``: the channel-independent
    utility plus the channel nest's inclusive value, :func:`channel_logit`) plus a logistic taste
    shock of scale ``noise`` (:func:`taste_shock` of the uniform draws ``u``) reaches the
    resident's own threshold, the utility of staying silent. This is the upper level of a nested
    logit with silence in its own nest (McFadden 1978): ``P = 1 / (1 + exp((threshold - best) /
    noise))``. With ``noise = 0`` it is Granovetter's (1978) deterministic threshold rule.
    """
    if noise > 0:
        best = best + taste_shock(u, noise)
    return best >= threshold - 1e-12


# ----------------------------------------------------------------------------------------- handling
def finding_probability(grid_workers: np.ndarray, orientation: np.ndarray, rate: float) -> np.ndarray:
    """Weekly chance that grid workers find an unreported issue, per community.

    ``1 - exp(-rate * workers_per_1000 * orientation)``: each worker per 1,000 residents adds a
    finding hazard, realised only as far as the government's service orientation is active.
    Source: Fang (2024) 3.3, 4.3; urban grid management (网格化管理).
    """
    return -np.expm1(-rate * grid_workers * orientation)


def target_level(initial: np.ndarray | float, spend: np.ndarray, scale: float) -> np.ndarray:
    """Level a capacity tends to under sustained spending: ``1 - (1 - initial) exp(-spend/scale)``.

    Spending of ``scale`` CNY/resident/year closes 63% of the gap between the starting level
    (what the jurisdiction keeps without spending) and 1. Source: diminishing returns to
    investment; Fang (2024) 4.1.
    """
    return 1.0 - (1.0 - np.asarray(initial)) * np.exp(-spend / scale)


def relax(level: np.ndarray, target: np.ndarray, lag: float) -> np.ndarray:
    """One week of first-order adjustment toward ``target`` with time constant ``lag`` weeks
    (capacities change with a lag: Fang 2024, 3.1, 4.3)."""
    return level + (target - level) / lag


def resolution_probability(queue: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Chance that a queued case in a (community, category) cell is closed this week:
    ``min(1, capacity / queue)``, so expected closures never exceed capacity."""
    return np.divide(capacity, queue, out=np.ones_like(capacity, dtype=np.float64), where=queue > 0).clip(0, 1)


def priority_probabilities(queue: np.ndarray, overdue: np.ndarray, capacity: np.ndarray,
                           priority: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Chance that an overdue queued case and that another queued case close this week, per cell,
    when a share ``priority`` of each cell's capacity serves overdue cases first.

    Overdue cases get ``priority * min(capacity, overdue)`` of the capacity first and their fair
    share ``capacity * overdue / queue`` of the rest; the other cases get what is left; each
    chance is capped at 1. With ``priority = 0`` both are :func:`resolution_probability`; expected
    closures never exceed the capacity. Escalating cases past their time limit is how 12345
    hotlines enforce time limits (督办). ``queue`` and ``overdue`` are counts, ``capacity`` cases/week.
    """
    fair = resolution_probability(queue, capacity)
    share = np.divide(overdue, queue, out=np.zeros_like(capacity, dtype=np.float64), where=queue > 0)
    for_overdue = priority * np.minimum(capacity, overdue) + (1.0 - priority) * capacity * share
    others = queue - overdue
    p_overdue = np.divide(for_overdue, overdue, out=fair.copy(), where=overdue > 0).clip(0.0, 1.0)
    p_other = np.divide(capacity - for_overdue, others, out=fair.copy(), where=others > 0).clip(0.0, 1.0)
    return p_overdue, p_other


def follow_up_chance(supervision: np.ndarray, follow_up_share: float) -> np.ndarray:
    """Chance that upper levels follow up an online request, per community: how closely they
    watch the street's online requests (``levers.upper_supervision``, 0-1; 1 where a province has
    a fixed mechanism for the messages of the People's Daily Leaders' Message Board) times the
    share of watched messages they forward to the office concerned with a deadline
    (``government.follow_up_share``). A followed-up request is served before every other case
    (:func:`served_first`); the rest wait as ordinary requests. Even with a mechanism in every
    province the board answered about four in five messages, not all (78% in January-April 2019,
    83% at district and county level in the first half of 2018: People's Daily Online reports)."""
    return np.asarray(supervision, dtype=np.float64) * follow_up_share


def served_first(favoured: np.ndarray, capacity: np.ndarray,
                 supervision: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Chance that a case of a favoured class is served before the cases after it this week, per
    cell, and the capacity left for them (cases/week), when a share ``supervision`` of each cell's
    capacity serves that class first.

    The favoured cases get ``supervision * min(capacity, favoured)`` of the capacity before the
    rest; what is left then serves every case still open, the favoured ones included, by
    :func:`priority_probabilities` (or first serves the next favoured class, by this rule again).
    Two classes are favoured, in this order. Online requests that upper levels follow up
    (:func:`follow_up_chance`), with ``supervision = 1``: upper levels forward the messages of a
    favoured board to the office concerned with a deadline and rank offices by their reply rates,
    so that offices answer the followed-up requests selectively and first (Su & Meng 2016, Soc.
    Sci. Research 59:52-67; Chen, Pan & Xu 2016, AJPS 60(2):383-400). Then cases under a formal time limit
    (:data:`TIME_LIMITED`, ``government.time_limit_priority``). With ``supervision = 0`` nothing
    is served first and the capacity is untouched. ``favoured`` is a count, ``capacity`` cases/week.
    """
    first = np.asarray(supervision, dtype=np.float64) * np.minimum(capacity, favoured)
    chance = np.divide(first, favoured, out=np.zeros_like(first), where=favoured > 0).clip(0.0, 1.0)
    return chance, capacity - first

def silo_factor(silo_level: float, data_sharing: np.ndarray, relief: np.ndarray, penalty: float) -> np.ndarray:
    """Multiplier on the closing chance of a cross-department case, per community.

    ``1 - penalty * silo``, where the effective silo is the starting silo level reduced by data
    sharing and by joint handling under co-governance. Source: Fang (2024) 3.2.
    """
    silo = silo_level * (1.0 - data_sharing) * (1.0 - relief)
    return 1.0 - penalty * silo


def sector_shares(capacity: np.ndarray) -> np.ndarray:
    """Each sector's share of a cell's capacity, ``capacity`` (..., sectors); rows of zero
    capacity stay zero."""
    return capacity / np.maximum(capacity.sum(axis=-1, keepdims=True), 1e-300)


def attribute_sector(share: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Which sector closed each case: the first whose cumulative capacity share exceeds ``v``.

    ``share`` is (m, sectors) with rows summing to 1, ``v`` uniform on [0, 1).
    """
    cdf = np.cumsum(share, axis=1)
    return np.minimum((v[:, None] >= cdf).sum(axis=1), share.shape[1] - 1).astype(np.int8)


def satisfaction_score(resolved: np.ndarray, wait: np.ndarray, patience: float, *, late: float,
                       failed: float) -> np.ndarray:
    """Satisfaction of a reporter whose case closed: 1 when resolved within ``patience`` weeks,
    ``late`` when resolved later, ``failed`` when it was not resolved (ratings like Beijing
    12345's, where a clear answer without a solution still satisfies some callers)."""
    return np.where(resolved, np.where(wait <= patience, 1.0, late), failed)


# ----------------------------------------------------------------------------------------- feedback
def toward(x: np.ndarray, target: float | np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Move ``x`` a share ``rate`` of the way to ``target`` (stays inside [0, 1] when all are)."""
    return x + rate * (target - x)


def fading_rate(half_life: float) -> float:
    """Weekly share of the gap to its resting level that an attitude closes when experience fades
    with ``half_life`` weeks: ``1 - 2 ** (-1 / half_life)``; 0 (never fades) for ``half_life`` 0."""
    return 0.0 if half_life <= 0 else float(-np.expm1(-np.log(2.0) / half_life))


def fade(x: np.ndarray, rest: np.ndarray, rate: float) -> np.ndarray:
    """One week of fading memory: an attitude moves a share ``rate`` (:func:`fading_rate`) of the
    way back to the resident's resting level ``rest``, its disposition before any experience
    of this government. Trust has a stable, socialised part and a part learned from
    institutional performance that recent experience keeps up (Mishler & Rose 2001); privacy
    concern rises after a breach and returns toward its resting level as the news fades."""
    if rate <= 0:
        return x
    return x + rate * (rest - x)


def outcome_feedback(trust: np.ndarray, efficacy: np.ndarray, resolved: np.ndarray, failed: np.ndarray,
                     waiting: np.ndarray, *, trust_gain: float, efficacy_gain: float, trust_loss: float,
                     efficacy_loss: float, wait_loss: float) -> tuple[np.ndarray, np.ndarray]:
    """A reporter's own outcome: a resolved case raises trust and efficacy a share of the way to
    1; a failed case lowers them; each week waiting beyond patience erodes trust. ``resolved``,
    ``failed`` and ``waiting`` select residents (boolean masks or index arrays). Source: model.md process 5;
    Chen, Pan & Xu (2016) on responsiveness."""
    t = trust.copy()
    e = efficacy.copy()
    t[resolved] = toward(t[resolved], 1.0, trust_gain)
    e[resolved] = toward(e[resolved], 1.0, efficacy_gain)
    t[failed] = toward(t[failed], 0.0, trust_loss)
    e[failed] = toward(e[failed], 0.0, efficacy_loss)
    t[waiting] = toward(t[waiting], 0.0, wait_loss)
    return t, e


def vicarious_feedback(x: np.ndarray, good_share: np.ndarray, bad_share: np.ndarray,
                       weight: np.ndarray) -> np.ndarray:
    """Learning from neighbours' visible outcomes: move toward 1 by ``weight * good_share`` and
    toward 0 by ``weight * bad_share``, where the shares are of one's neighbours whose cases were
    resolved or failed this week and ``weight`` is the vicarious weight times transparency.
    Source: Fang (2024) 2.2 (open government builds trust)."""
    up = np.minimum(np.maximum(weight * good_share, 0.0), 1.0)
    down = np.minimum(np.maximum(weight * bad_share, 0.0), 1.0)
    return x + up * (1.0 - x) - down * x


def bounded_confidence(opinion: np.ndarray, a: np.ndarray, b: np.ndarray, epsilon: float, mu: float) -> np.ndarray:
    """Deffuant, Neau, Amblard & Weisbuch (2000): pairs (a[i], b[i]) whose opinions differ by less
    than ``epsilon`` move toward each other by ``mu`` times the difference. The pairs must be
    disjoint, so the simultaneous update equals any sequential order."""
    out = opinion.copy()
    oa, ob = opinion[a], opinion[b]
    close = np.abs(oa - ob) < epsilon
    d = mu * (ob - oa) * close
    out[a] = oa + d
    out[b] = ob - d
    return out


def disjoint_pairs(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Indices of the sampled ties to keep so that no resident is in two pairs: a tie is kept when
    it is the first sampled tie of both its ends (sampling order breaks ties)."""
    m = u.size
    first = np.full(n, m, dtype=np.int64)
    order = np.arange(m, dtype=np.int64)
    np.minimum.at(first, u, order)
    np.minimum.at(first, v, order)
    return np.flatnonzero((first[u] == order) & (first[v] == order))


# ----------------------------------------------------------------------------------------- awareness
def awareness_transition(aware: np.ndarray, aware_neighbours: np.ndarray, recently_active: np.ndarray,
                         p_campaign: np.ndarray, *, threshold: int, word_of_mouth: float, forgetting: float,
                         u: np.ndarray) -> np.ndarray:
    """Who knows the participation channels after this week.

    An unaware resident learns through a campaign (chance ``p_campaign``) or by word of mouth,
    which needs at least ``threshold`` aware neighbours (complex contagion, Centola & Macy 2007)
    and then succeeds with chance ``word_of_mouth``. An aware resident who has not taken part
    recently forgets with chance ``forgetting``. One uniform draw per resident decides.
    """
    wom = (aware_neighbours >= threshold) * word_of_mouth  # word_of_mouth or 0, without a branch per resident
    p_learn = 1.0 - (1.0 - p_campaign) * (1.0 - wom)
    learn = ~aware & (u < p_learn)
    forget = aware & ~recently_active & (u < forgetting)
    return (aware | learn) & ~forget


# --------------------------------------------------------------------------------------- volunteering
def public_goods_payoffs(cooperate: np.ndarray, degree: np.ndarray, neighbour_sum, synergy: np.ndarray,
                         per_individual: bool) -> np.ndarray:
    """Payoffs of the neighbourhood public goods game of Santos, Santos & Pacheco (2008).

    Every resident centres one game with its neighbours (group size degree + 1) and plays in the
    games centred on each neighbour. A cooperator gives 1 to each game it plays (cost per game)
    or 1 in total split over its games (cost per individual); each game's pot is multiplied by
    the centre's ``synergy`` r and shared equally. ``neighbour_sum(x)`` sums x over neighbours.
    """
    coop = cooperate.astype(np.float64)
    groups = degree + 1.0
    contribution = coop / groups if per_individual else coop
    pot = synergy * (contribution + neighbour_sum(contribution))
    share = pot / groups
    cost = coop if per_individual else coop * groups
    return share + neighbour_sum(share) - cost


def volunteer_yield(queue: np.ndarray, capacity: np.ndarray, volunteer_capacity: np.ndarray,
                    offered: np.ndarray) -> np.ndarray:
    """Share of volunteers' capacity that closes a case this week, per community (1 where they
    offer none).

    Cells are (community, category); ``capacity`` is every sector's capacity in a cell,
    ``volunteer_capacity`` the volunteers' part of it and ``offered`` what volunteers offer in
    the community in all (cases/week; more than the cells hold when there are no shared problems
    to go to), ``queue`` the queued cases. Capacity beyond the queue closes nothing, so a cell's
    capacity finds work in the proportion ``min(queue, capacity) / capacity``
    (:func:`resolution_probability` seen from the capacity side). The yield falls below 1 once
    the shared problems are solved faster than they arise: what volunteering produces is what it
    gets resolved (modelling reason: the benefit of a neighbourhood public good is the problems
    it fixes; Ostrom 1996, co-production)."""
    used = np.divide(np.minimum(queue, capacity), capacity, out=np.ones_like(capacity, dtype=np.float64),
                     where=capacity > 0)
    offered = np.asarray(offered, dtype=np.float64)
    return np.divide((volunteer_capacity * used).sum(axis=-1), offered, out=np.ones_like(offered),
                     where=offered > 0)


def volunteering_gain(degree: np.ndarray, neighbour_sum, synergy: np.ndarray, per_individual: bool,
                      altruism: float) -> np.ndarray:
    """What volunteering is worth to each resident over not volunteering, in the payoff units of
    the neighbourhood public goods game (the cost of one contribution is 1), whatever the others
    do (the game is linear, so the gain does not depend on their choices).

    A volunteer gives to the game it centres and to each neighbour's (cost 1 in total, split
    over the degree + 1 games, or 1 per game); game j multiplies what it gets by its ``synergy``
    r_j and shares it among its degree + 1 players (Santos, Santos & Pacheco 2008). The gain
    weighs the resident's own return by 1 and what the contribution gives the others by
    ``altruism`` (Goeree, Holt & Laury 2002): ``(1 - a) * own + a * total - cost``.
    ``neighbour_sum(x)`` sums x over neighbours.
    """
    groups = degree + 1.0
    per_game = synergy / groups
    own = per_game + neighbour_sum(per_game)
    total = synergy + neighbour_sum(synergy)
    if per_individual:
        own, total, cost = own / groups, total / groups, 1.0
    else:
        cost = groups
    return (1.0 - altruism) * own + altruism * total - cost


def logit_volunteering(gain: np.ndarray, noise: float, v: np.ndarray) -> np.ndarray:
    """Who volunteers after a revision: each resident volunteers with the logit chance
    ``1 / (1 + exp(-gain / noise))`` of a noisy best response (the logit equilibrium of public
    goods experiments, Anderson, Goeree & Holt 1998; Goeree, Holt & Laury 2002); ``v`` uniform
    on [0, 1). ``noise`` (payoff units) -> 0 is the strict best response."""
    if noise <= 0:
        return gain > 0
    z = np.clip(gain / noise, -500.0, 500.0)
    return v < 1.0 / (1.0 + np.exp(-z))


def payoff_bounds(degree: np.ndarray, neighbour_sum, synergy: np.ndarray, per_individual: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The highest and the lowest payoff each resident can get in the neighbourhood public goods
    game of :func:`public_goods_payoffs`, over every choice of every player (payoff units: the
    cost of one contribution is 1).

    The payoff is linear in each player's choice and contributions only add to the pots, so it
    is highest when everybody else contributes and lowest when nobody else does, the resident
    itself choosing whichever is better (or worse). With k_j the degree of the centre j of each
    game the resident plays (its own and its neighbours'), r_j that game's synergy and
    B = sum_j r_j / (k_j + 1) what one unit given to every game returns to the giver:

    - cost per game: highest = sum_j r_j - min(B, k + 1), lowest = min(0, B - (k + 1));
    - cost per individual (1 in all, 1 / (k_i + 1) to each game, so a game's pot is at most
      r_j C_j with C_j = sum over its players i of 1 / (k_i + 1)):
      highest = sum_j r_j C_j / (k_j + 1) - B / (k + 1) + max(0, B / (k + 1) - 1),
      lowest = min(0, B / (k + 1) - 1).

    These give the normalisation M of :func:`imitation` (:func:`largest_payoff_gap`).
    ``neighbour_sum(x)`` sums x over neighbours.
    """
    groups = degree + 1.0
    back = synergy / groups
    returned = back + neighbour_sum(back)  # B
    if per_individual:
        in_pot = 1.0 / groups + neighbour_sum(1.0 / groups)  # C_j
        full = synergy * in_pot / groups
        own = returned / groups
        highest = full + neighbour_sum(full) - own + np.maximum(0.0, own - 1.0)
        lowest = np.minimum(0.0, own - 1.0)
    else:
        highest = synergy + neighbour_sum(synergy) - np.minimum(returned, groups)
        lowest = np.minimum(0.0, returned - groups)
    return highest, lowest


def largest_payoff_gap(highest: np.ndarray, lowest: np.ndarray, model_of: np.ndarray) -> np.ndarray:
    """The normalisation M of :func:`imitation` for each resident x and its model y
    (``model_of``, -1 for none): the maximum possible difference between the payoffs of x and y,
    max(highest_y - lowest_x, highest_x - lowest_y), from :func:`payoff_bounds` (payoff units).

    Santos, Santos & Pacheco (2008, Methods) define M as "the maximum possible difference
    between the payoffs of x and y", so that the chance (P_y - P_x) / M is a probability; each
    payoff is taken at its own extremes, as Santos & Pacheco (2005) bound the prisoner's
    dilemma's gap by k_max (T - S). M is computed from the game itself rather than as
    r (max(k_x, k_y) + 1) for both cost models: with a cost of 1 per game that product is
    0.6 to 1.3 times the largest gap on the published graphs (eta 0.2 to 1), so a chance could
    exceed 1; with a cost of 1 in all, spread over k + 1 games, payoffs are about k + 1 times
    smaller and the product was 2.4 to 7.5 times the largest gap, which slowed imitation by
    that factor, unevenly across pairs, and made the two cost models differ on a regular graph,
    where the published game makes them the same game (every payoff divided by z + 1). 1 where
    there is no model."""
    y = np.maximum(model_of, 0)
    gap = np.maximum(highest[y] - lowest, highest - lowest[y])
    return np.where(model_of >= 0, gap, 1.0)


def imitation(cooperate: np.ndarray, payoff: np.ndarray, model_of: np.ndarray, max_gap: np.ndarray,
              v: np.ndarray) -> np.ndarray:
    """Synchronous imitation (Santos, Santos & Pacheco 2008): each resident x looks at one random
    neighbour y (``model_of``, -1 for none) and copies y's strategy with chance (P_y - P_x) / M
    when P_y > P_x, where M (``max_gap``, :func:`largest_payoff_gap`) is the maximum possible
    difference between the payoffs of x and y; ``v`` uniform on [0, 1)."""
    has = model_of >= 0
    y = np.where(has, model_of, 0)
    gap = np.where(has, payoff[y] - payoff, 0.0)
    switch = has & (gap > 0) & (v < gap / max_gap)
    return np.where(switch, cooperate[y], cooperate)


def random_neighbour(indptr: np.ndarray, indices: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One uniformly chosen neighbour per resident (-1 for residents with no ties)."""
    deg = np.diff(indptr)
    pick = indptr[:-1] + np.minimum((u * deg).astype(np.int64), np.maximum(deg - 1, 0))
    return np.where(deg > 0, indices[np.minimum(pick, indices.size - 1)] if indices.size else -1, -1)


# ----------------------------------------------------------------------------------------- data risk
def breach_probability(record_share: np.ndarray, security: np.ndarray, copies: np.ndarray | float = 1.0, *,
                       hazard: float) -> np.ndarray:
    """Weekly chance that one data store leaks: ``1 - exp(-hazard * record_share * copies *
    (1 - security))``.

    ``record_share`` is the share of residents whose data the store holds (for an enterprise,
    summed over the communities whose records it processes, each weighted by the share of
    that community's records it holds), ``copies`` how many copies of them the store spreads
    (the government's: 1 plus ``data.sharing_records`` per unit of data sharing), ``security``
    its data security (0-1). Each store is its own source of breaches: the government's per
    community and every enterprise's. Source: Fang (2024) 3.1 (more stored and shared data, more
    risk; security lowers it).
    """
    return -np.expm1(-hazard * record_share * copies * (1.0 - security))


# ---------------------------------------------------------------------------------------- decisions
def reallocate(alloc: np.ndarray, observed: np.ndarray, estimate: np.ndarray | None, data_driven: np.ndarray,
               evaluation: np.ndarray, *, adjustment: float) -> np.ndarray:
    """Re-allocate effort across (community, category) cells; ``alloc`` sums to 1.

    Communities decided by habit keep their allocation, unless third parties evaluate there, in
    which case it moves toward the evaluated need. Data-driven communities move a share
    ``adjustment`` of the way toward the observed (recorded) demand, blended with the evaluated
    need by the evaluation weight (``evaluation``, per community, 0 without evaluation).
    Observed demand inherits the bias of who reports (Jiang, Meng & Zhang 2019); evaluation of
    true need corrects it (Fang 2024, 2.1 and 4.2).
    """
    total_obs = observed.sum()
    obs_share = observed / total_obs if total_obs > 0 else alloc
    est_share = alloc if estimate is None or estimate.sum() <= 0 else estimate / estimate.sum()
    lam = evaluation[:, None]
    target = np.where(data_driven[:, None], (1 - lam) * obs_share + lam * est_share,
                      (1 - lam) * alloc + lam * est_share)
    moves = data_driven | (evaluation > 0)
    new = np.where(moves[:, None], (1 - adjustment) * alloc + adjustment * target, alloc)
    fixed_mass = alloc[~moves].sum()
    free = new[moves].sum()
    if free > 0:
        new[moves] *= (1.0 - fixed_mass) / free
    return new / new.sum()


def responsiveness_rows(alloc: np.ndarray, need: np.ndarray) -> np.ndarray:
    """:func:`responsiveness` within each row (community): effort across that community's
    categories against its own need; NaN for a community with no open issue."""
    a_tot = alloc.sum(axis=1, keepdims=True)
    n_tot = need.sum(axis=1, keepdims=True)
    a = np.divide(alloc, a_tot, out=np.zeros_like(alloc), where=a_tot > 0)
    nd = np.divide(need, n_tot, out=np.zeros_like(need, dtype=np.float64), where=n_tot > 0)
    return np.where(n_tot[:, 0] > 0, 1.0 - 0.5 * np.abs(a - nd).sum(axis=1), np.nan)


def responsiveness(alloc: np.ndarray, need: np.ndarray) -> float:
    """How well effort matches true need: ``1 - (1/2) sum |alloc - need share|`` (one minus the
    total variation distance), 1 for a perfect match. Source: model.md process 4."""
    a = alloc / alloc.sum() if alloc.sum() > 0 else alloc
    total = need.sum()
    if total <= 0:
        return float("nan")
    return float(1.0 - 0.5 * np.abs(a - need / total).sum())
