"""Outcomes: their one definition (name, unit, meaning, labels) and their per-step records.

The model fills a :class:`Recorder` with one value per outcome per step, for the whole
jurisdiction and for each community; the running layer turns it into tables. Rates whose
denominator is empty in a step (no case closed) are NaN for that step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cogov_sim.model.parameters import CATEGORIES


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    doc: str
    label_en: str
    label_zh: str
    per_community: bool = True


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("participation_rate", "share", "Residents who took part through any channel within the participation "
            "window.", "Participation", "参与率"),
    Outcome("participation_online", "share", "Residents whose recent participation was online.",
            "Online participation", "线上参与"),
    Outcome("participation_hotline", "share", "Residents whose recent participation was by hotline.",
            "Hotline participation", "热线参与"),
    Outcome("participation_offline", "share", "Residents whose recent participation was offline.",
            "Offline participation", "线下参与"),
    Outcome("participation_young", "share", "Participation rate of residents aged 18-39.", "Participation 18-39",
            "青年参与率"),
    Outcome("participation_middle", "share", "Participation rate of residents aged 40-59.", "Participation 40-59",
            "中年参与率"),
    Outcome("participation_older", "share", "Participation rate of residents aged 60+.", "Participation 60+",
            "老年参与率"),
    Outcome("participation_online_young", "share", "Residents aged 18-39 whose recent participation was online.",
            "Online participation 18-39", "青年线上参与"),
    Outcome("participation_online_older", "share", "Residents aged 60+ whose recent participation was online.",
            "Online participation 60+", "老年线上参与"),
    Outcome("participation_hotline_young", "share", "Residents aged 18-39 whose recent participation was by hotline.",
            "Hotline participation 18-39", "青年热线参与"),
    Outcome("participation_hotline_older", "share", "Residents aged 60+ whose recent participation was by hotline.",
            "Hotline participation 60+", "老年热线参与"),
    Outcome("participation_offline_young", "share", "Residents aged 18-39 whose recent participation was offline.",
            "Offline participation 18-39", "青年线下参与"),
    Outcome("participation_offline_older", "share", "Residents aged 60+ whose recent participation was offline.",
            "Offline participation 60+", "老年线下参与"),
    Outcome("participation_gap_age", "share", "Older (60+) minus younger (18-39) residents' participation rate, a "
            "difference of shares (x 100: percentage points); below 0, older residents take part less.",
            "Age gap in participation", "参与年龄差"),
    Outcome("online_gap_age", "share", "Older (60+) minus younger (18-39) residents' online participation rate, "
            "a difference of shares; below 0, older residents are less often online.",
            "Age gap online", "线上参与年龄差"),
    Outcome("participation_low_literacy", "share", "Participation rate of residents with digital literacy below 0.5.",
            "Participation, low literacy", "低数字素养参与率"),
    Outcome("participation_high_literacy", "share", "Participation rate of residents with literacy 0.5 or more.",
            "Participation, high literacy", "高数字素养参与率"),
    Outcome("participation_gap_literacy", "share", "Low- minus high-literacy residents' participation rate, a "
            "difference of shares; below 0, residents of low digital literacy take part less.",
            "Literacy gap in participation", "数字素养参与差"),
    Outcome("took_part", "share", "Residents who took part this week.", "Took part this week", "本周参与"),
    Outcome("mean_trust", "0-1", "Mean trust in the grassroots government.", "Trust", "信任"),
    Outcome("trust_sd", "0-1", "Standard deviation of trust.", "Trust spread", "信任离散度"),
    Outcome("trust_older", "0-1", "Mean trust of residents aged 60+.", "Trust 60+", "老年信任"),
    Outcome("trust_young", "0-1", "Mean trust of residents aged 18-39.", "Trust 18-39", "青年信任"),
    Outcome("mean_efficacy", "0-1", "Mean belief that taking part works.", "Efficacy", "效能感"),
    Outcome("privacy_concern", "0-1", "Mean privacy concern.", "Privacy concern", "隐私担忧"),
    Outcome("awareness", "share", "Residents who know the online and hotline channels.", "Awareness", "知晓率"),
    Outcome("issues_raised", "issues", "New issues this week.", "Issues raised", "新增问题"),
    Outcome("issues_reported", "issues", "Issues reported by residents this week.", "Issues reported", "上报问题"),
    Outcome("issues_found", "issues", "Issues found by grid workers this week.", "Issues found", "主动发现"),
    Outcome("issues_resolved", "issues", "Cases resolved this week.", "Issues resolved", "已解决"),
    Outcome("issues_failed", "issues", "Queued cases that failed (waited past the limit) this week.",
            "Cases failed", "未解决"),
    Outcome("issues_given_up", "issues", "Unreported issues given up this week.", "Issues given up", "放弃的问题"),
    Outcome("open_issues", "issues", "Open issues, reported or not, at the end of the week.", "Open issues",
            "未结问题"),
    Outcome("backlog", "cases", "Queued cases awaiting handling at the end of the week.", "Backlog", "积压案件"),
    Outcome("unreported_issues", "issues", "Open issues nobody has reported or found.", "Unreported issues",
            "未上报问题"),
    Outcome("resolution_rate", "share", "Resolved share of all issues that ended this week: resolved, failed, or "
            "given up without ever being reported (silent need counts).", "Resolution of all need", "问题解决率"),
    Outcome("reported_resolution_rate", "share", "Resolved share of the reported and found cases closed this week "
            "(resolved or failed): what a hotline reports.", "Resolution of reported cases", "诉求解决率"),
    Outcome("time_to_resolution", "weeks", "Mean wait of the cases resolved this week.", "Time to resolution",
            "办结时间"),
    Outcome("satisfaction_attitude", "0-1", "Residents' standing satisfaction with the grassroots government: "
            "each resident's memory of their own recent cases, fading to a resting level.",
            "Standing satisfaction", "居民满意度"),
    Outcome("satisfaction_attitude_older", "0-1", "Standing satisfaction of residents aged 60+.",
            "Standing satisfaction 60+", "老年居民满意度"),
    Outcome("satisfaction_attitude_young", "0-1", "Standing satisfaction of residents aged 18-39.",
            "Standing satisfaction 18-39", "青年居民满意度"),
    Outcome("resolution_rate_older", "share", "Resolved share of the issues of residents aged 60+ that ended this "
            "week (silent ones included).", "Resolution of all need 60+", "老年问题解决率"),
    Outcome("resolution_rate_young", "share", "Resolved share of the issues of residents aged 18-39 that ended this "
            "week (silent ones included).", "Resolution of all need 18-39", "青年问题解决率"),
    Outcome("resolution_rate_cross", "share", "Resolved share of the cross-department cases closed this week "
            "(resolved or failed): what silos hold up.", "Resolution of cross-department cases", "跨部门诉求解决率"),
    Outcome("satisfaction", "0-1", "Mean satisfaction of reporters whose cases closed this week.", "Satisfaction",
            "满意率"),
    Outcome("responsiveness", "0-1", "One minus the total variation distance between the allocation of effort "
            "across communities and categories and the flow of true need (new issues, reported or not, over the "
            "last decision period).",
            "Responsiveness", "回应性"),
    Outcome("breaches", "breaches", "Data breaches this week.", "Data breaches", "数据泄露"),
    Outcome("data_subjects", "share", "Residents whose personal data the government holds.", "Data held",
            "数据留存"),
    Outcome("volunteer_rate", "share", "Residents who volunteer (cooperate in the public goods game).",
            "Volunteering", "志愿参与"),
    Outcome("resolved_by_government", "cases", "Cases closed by caseworkers this week.", "Closed by government",
            "政府解决"),
    Outcome("resolved_by_enterprise", "cases", "Cases closed with enterprises this week.", "Closed by enterprises",
            "企业解决"),
    Outcome("resolved_by_social_org", "cases", "Cases closed with social organisations this week.",
            "Closed by social organisations", "社会组织解决"),
    Outcome("resolved_by_residents", "cases", "Cases closed with resident volunteers this week.",
            "Closed by volunteers", "居民志愿解决"),
    Outcome("spend", "CNY", "Money spent on levers this week.", "Spend", "支出"),
    Outcome("cumulative_spend", "CNY", "Money spent on levers so far.", "Cumulative spend", "累计支出"),
    Outcome("funding_ratio", "share", "Share of lever costs the budget covered this week.", "Funding ratio",
            "资金保障率"),
    Outcome("cost_per_resolution", "CNY/case", "Cumulative spend per case resolved so far.",
            "Cost per resolution", "单件成本"),
    Outcome("platform_quality", "0-1", "Digital platform quality (resident-weighted).", "Platform quality",
            "平台质量"),
    Outcome("security_level", "0-1", "Data-security level (resident-weighted).", "Security level", "安全水平"),
    Outcome("staff_skill", "0-1", "Staff skill (resident-weighted).", "Staff skill", "人员能力"),
    Outcome("adopted", "share", "Communities running a piloted reform (pilot sites and adopters; per community 1 "
            "or 0).", "Reform adopted", "改革覆盖率"),
    Outcome("service_orientation", "0-1", "Service orientation, 0 passive to 1 active (resident-weighted).",
            "Service orientation", "主动服务"),
)
OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


@dataclass(frozen=True)
class InstitutionColumn:
    """One column of ``institutions.parquet``: its name, unit, meaning and the institution kinds
    that fill it."""

    name: str
    unit: str
    doc: str
    kinds: tuple[str, ...]


#: The decisions and state of each institution per week (``institutions.parquet``, one row per
#: institution per week, besides ``step``, ``kind``, ``agent`` (its id) and ``policy``); NaN where
#: a column does not apply to the kind.
INSTITUTIONS: tuple[InstitutionColumn, ...] = (
    InstitutionColumn("effort", "multiple of normal hours", "Caseworker effort, mean over communities weighted by "
                      "residents.", ("government",)),
    InstitutionColumn("priority", "share", "Share of departments' capacity serving overdue cases first, mean over "
                      "communities weighted by residents.", ("government",)),
    InstitutionColumn("complaints", "failed cases/1,000 residents/week", "Complaints it saw at its last decision.",
                      ("government",)),
    *(InstitutionColumn(f"allocation_{c}", "share", f"Share of caseworker effort on {c.replace('_', ' ')}.",
                        ("government",)) for c in CATEGORIES),
    InstitutionColumn("offer", "cases/week", "Cases it can close this week (caseworker capacity; an enterprise's or "
                      "organisation's engaged capacity).", ("government", "enterprise", "social_organisation")),
    InstitutionColumn("csr", "0-1", "Readiness to help unpaid.", ("enterprise",)),
    InstitutionColumn("reputation", "0-1", "Reputation among residents where it works.", ("enterprise",)),
    InstitutionColumn("contract", "0/1", "Holds a government service contract.", ("enterprise",)),
    InstitutionColumn("security", "0-1", "Data security of its store of residents' records (the government's: mean "
                      "over communities weighted by residents).", ("government", "enterprise")),
    InstitutionColumn("data_held", "share", "Share of its communities' stored records it processes.", ("enterprise",)),
    InstitutionColumn("breached", "stores", "Its data stores that leaked this week: communities' stores for the "
                      "government, 0 or 1 for an enterprise.", ("government", "enterprise")),
    InstitutionColumn("purchase", "0/1", "Sells its services to the government (政府购买服务).",
                      ("social_organisation",)),
    InstitutionColumn("credibility", "0-1", "Credibility among residents where it works.", ("social_organisation",)),
    InstitutionColumn("campaign_target", "community", "Community with its largest share of campaign effort.",
                      ("social_organisation",)),
    InstitutionColumn("campaign_focus", "share", "That largest share.", ("social_organisation",)),
    InstitutionColumn("mediation_target", "community", "Community with its largest share of mediation capacity.",
                      ("social_organisation",)),
    InstitutionColumn("evaluation_error", "share", "A third party's error: total variation distance between its "
                      "estimate of need and the true need, at its last evaluation.", ("social_organisation",)),
)
INSTITUTION_COLUMNS: tuple[str, ...] = tuple(c.name for c in INSTITUTIONS)


class Recorder:
    """Preallocated per-step values: ``values[t - 1, outcome, column]``, one column per
    community and a last column for the whole jurisdiction, outcomes in :data:`OUTCOMES` order."""

    def __init__(self, steps: int, n_communities: int):
        self.steps = steps
        self.n_communities = n_communities
        self.recorded = 0
        self.values = np.full((steps, len(OUTCOMES), n_communities + 1), np.nan)

    def ensure(self, steps: int) -> None:
        """Grow the array when a model is run past its planned horizon."""
        if steps <= self.steps:
            return
        extra = max(steps, 2 * self.steps) - self.steps
        self.values = np.concatenate([self.values, np.full((extra,) + self.values.shape[1:], np.nan)])
        self.steps += extra

    def put(self, t: int, values: np.ndarray) -> None:
        """Record step ``t`` (1-based): ``values`` has one row per outcome, one column per
        community and a last column for the whole jurisdiction."""
        self.ensure(t)
        self.values[t - 1] = values
        self.recorded = max(self.recorded, t)

    def series(self) -> dict[str, np.ndarray]:
        """Overall outcomes for the recorded steps, plus a ``step`` column."""
        n = self.recorded
        out = {"step": np.arange(1, n + 1, dtype=np.int64)}
        out.update({name: self.values[:n, i, -1].copy() for i, name in enumerate(OUTCOME_NAMES)})
        return out

    def community_series(self) -> dict[str, np.ndarray]:
        """Per-community outcomes in long form: ``step`` and ``community`` columns plus outcomes."""
        n, k = self.recorded, self.n_communities
        out = {"step": np.repeat(np.arange(1, n + 1, dtype=np.int64), k),
               "community": np.tile(np.arange(k, dtype=np.int64), n)}
        out.update({name: self.values[:n, i, :k].reshape(-1) for i, name in enumerate(OUTCOME_NAMES)})
        return out


def safe_ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """num / den, NaN where den is 0."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    return np.divide(num, den, out=out, where=den > 0)
