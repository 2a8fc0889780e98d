"""A participatory workshop session: people play the model's actors round by round.

The room's street office (the grassroots government), enterprises, social organisations and
residents' committees are *roles*. In each round every role that a person has taken submits its
decisions; a role nobody takes is played by the model's own decision rule. The round then opens
with the institutions deciding (each person's choices stand in for that institution's policy:
:mod:`cogov_sim.model.policies`, where "a person in a workshop is one more policy") and the
shared model runs the round's weeks. The facilitator can set off events (a data breach, a budget
cut, a surge of issues) for the next round. Every round's decisions and events go into a log
from which :func:`replay` rebuilds the session exactly, from the same seed; :func:`debrief`
sets each round's outcomes beside the same rounds with every role played by the model's rules.

This module is the session without its screens: what a role may decide, how a decision is
checked (like a scenario value: one line naming the role, the field and what is allowed), how it
becomes an action of the model, the rounds, the log and its replay. The browser pages of
``cogov workshop`` are built on it.

Rounds and decisions: institutions decide at the start of every round (the model's calendar of
decisions every ``decision.interval`` weeks is switched off, ``CoGovModel.decisions_on_schedule``),
so what a person chooses acts from the round's first week; a round lasts ``decision.interval``
weeks unless the session says otherwise. The levers that a role sets (the street office's
programmes and budget lines, a committee's campaign in its community) change from the round's
first week on.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.model import CoGovModel, lever_value
from cogov_sim.model.parameters import CATEGORIES, LEVER_NAMES, lever_spec
from cogov_sim.model.policies.views import EnterpriseAction, GovernmentAction, OrganisationAction
from cogov_sim.model.rules import QUEUED
from cogov_sim.model.scenario import Scenario, coerce, load_scenario

#: The kinds of role, in the order a room is usually seated.
ROLE_KINDS: tuple[str, ...] = ("street_office", "enterprise", "organisation", "committee")
#: Levers the street office sets for the whole jurisdiction (all but the awareness campaign,
#: which each residents' committee runs in its own community when one is played).
STREET_OFFICE_LEVERS: tuple[str, ...] = LEVER_NAMES
#: Shocks the facilitator can set off, with their size and duration (as in the workshop app).
EVENTS: dict[str, dict[str, float]] = {"data_breach": {"duration": 1, "magnitude": 1.0},
                                       "budget_cut": {"duration": 8, "magnitude": 0.3},
                                       "issue_surge": {"duration": 4, "magnitude": 1.0}}
#: What the summary of a round reports, from the model's outcome definitions.
ROUND_OUTCOMES: tuple[str, ...] = ("participation_rate", "mean_trust", "privacy_concern", "resolution_rate",
                                   "satisfaction_attitude", "backlog", "unreported_issues", "spend", "breaches")
LOG_VERSION = 1


# ----------------------------------------------------------------------------------------- roles
def roles(model: CoGovModel) -> list[str]:
    """Every role of a session on ``model``: ``street_office``, ``enterprise:<i>`` for each
    enterprise, ``organisation:<j>`` for each social organisation and ``committee:<c>`` for the
    residents' committee of each community (indices from 0, as in the tables)."""
    return (["street_office"] + [f"enterprise:{i}" for i in range(len(model.enterprises))]
            + [f"organisation:{j}" for j in range(len(model.social_organisations))]
            + [f"committee:{c}" for c in range(model.n_communities)])


def _role_parts(role: str, model: CoGovModel) -> tuple[str, int]:
    kind, _, index = role.partition(":")
    known = roles(model)
    if role not in known:
        raise CoGovInputError(f"unknown role {role!r}; allowed: street_office, enterprise:0-{len(model.enterprises) - 1}, "
                              f"organisation:0-{len(model.social_organisations) - 1}, committee:0-{model.n_communities - 1}",
                              key="role")
    return kind, int(index) if index else -1


# ------------------------------------------------------------------------------------- decisions
def _number(role: str, key: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or not low <= value <= high:
        raise CoGovInputError(f"{value!r}; allowed: a number from {low:g} to {high:g}", source=role, key=key)
    return float(value)


def _flag(role: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise CoGovInputError(f"{value!r}; allowed: true or false", source=role, key=key)
    return value


def _community(role: str, key: str, value: Any, allowed: np.ndarray) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in set(int(c) for c in allowed):
        raise CoGovInputError(f"{value!r}; allowed: one of the communities {', '.join(str(int(c)) for c in allowed)}",
                              source=role, key=key)
    return int(value)


def check_decision(model: CoGovModel, role: str, decision: Any) -> dict[str, Any]:
    """A role's decision in canonical form, or a :class:`CoGovInputError` (one line naming the
    role, the field and what is allowed). Nothing a participant sends is executed or used as a
    path: a decision is a small table of numbers, switches, names from fixed lists and community
    indices.

    - ``street_office``: ``priorities`` (a weight per department, ``civil_affairs``,
      ``urban_management``, ``environment``, ``social_security``, each 0-1, not all 0: the share
      of caseworkers' effort each gets, community by community), ``effort`` (hours as a multiple
      of normal, 1 to 1 + ``institutions.effort_max``), ``escalation`` (0-1: share of each
      department's capacity that serves overdue cases first) and ``levers`` (any lever of the
      scenario file, checked as there).
    - ``enterprise:<i>``: ``csr`` (0-1, readiness to help unpaid) and either ``accept_contract``
      (whether to take a service contract if the street office offers one) or ``bid`` (0-1: the
      share of the contract price it needs; it takes an offered contract that pays at least that).
    - ``organisation:<j>``: ``campaign`` and ``mediation`` (a community it works in, where all of
      its campaign or mediation goes), ``accept_purchase`` (whether to sell its services if
      the street office buys them) and, for a third-party evaluator, ``evaluate`` (whether to take
      on evaluating the government where evaluation is commissioned).
    - ``committee:<c>``: ``campaign`` (0-1, the awareness campaign in its community) and ``ask``
      (a department whose problems it asks the street office to attend to in its community, or
      "" for none: a message the street office's page shows).
    Fields left out keep the model's own rule for that part of the decision."""
    kind, index = _role_parts(role, model)
    if not isinstance(decision, dict):
        raise CoGovInputError(f"a decision is a table of fields, not {type(decision).__name__}", source=role)
    allowed = {"street_office": ("priorities", "effort", "escalation", "levers"),
               "enterprise": ("csr", "accept_contract", "bid"),
               "organisation": ("campaign", "mediation", "accept_purchase", "evaluate"),
               "committee": ("campaign", "ask")}[kind]
    for key in decision:
        if key not in allowed:
            raise CoGovInputError(f"unknown field; allowed: {', '.join(allowed)}", source=role, key=str(key))
    out: dict[str, Any] = {}
    if kind == "street_office":
        if "priorities" in decision:
            pri = decision["priorities"]
            if not isinstance(pri, dict) or set(pri) - set(CATEGORIES):
                raise CoGovInputError(f"{pri!r}; allowed: a weight 0-1 for each of {', '.join(CATEGORIES)}",
                                      source=role, key="priorities")
            weights = {c: _number(role, f"priorities.{c}", pri.get(c, 0.0), 0.0, 1.0) for c in CATEGORIES}
            if sum(weights.values()) <= 0:
                raise CoGovInputError("all weights are 0; allowed: at least one department above 0", source=role,
                                      key="priorities")
            out["priorities"] = weights
        if "effort" in decision:
            top = 1.0 + model.settings.institutions.effort_max
            out["effort"] = _number(role, "effort", decision["effort"], 1.0, top)
        if "escalation" in decision:
            out["escalation"] = _number(role, "escalation", decision["escalation"], 0.0, 1.0)
        if "levers" in decision:
            levers = decision["levers"]
            if not isinstance(levers, dict):
                raise CoGovInputError(f"{levers!r}; allowed: a table of levers", source=role, key="levers")
            checked = {}
            for name, value in levers.items():
                if name not in STREET_OFFICE_LEVERS:
                    raise CoGovInputError(f"unknown lever; allowed: {', '.join(STREET_OFFICE_LEVERS)}", source=role,
                                          key=f"levers.{name}")
                checked[name] = coerce(lever_spec(name), value, source=role)
            out["levers"] = checked
    elif kind == "enterprise":
        if "csr" in decision:
            out["csr"] = _number(role, "csr", decision["csr"], 0.0, 1.0)
        if "accept_contract" in decision and "bid" in decision:
            raise CoGovInputError("give either accept_contract or bid, not both", source=role, key="bid")
        if "accept_contract" in decision:
            out["accept_contract"] = _flag(role, "accept_contract", decision["accept_contract"])
        if "bid" in decision:
            out["bid"] = _number(role, "bid", decision["bid"], 0.0, 1.0)
    elif kind == "organisation":
        works_in = model.social_organisations[index].communities
        for key in ("campaign", "mediation"):
            if key in decision:
                out[key] = _community(role, key, decision[key], works_in)
        if "accept_purchase" in decision:
            out["accept_purchase"] = _flag(role, "accept_purchase", decision["accept_purchase"])
        if "evaluate" in decision:
            if not model.social_organisations[index].third_party:
                raise CoGovInputError("only a third-party evaluator decides whether to evaluate; allowed: campaign, "
                                      "mediation, accept_purchase", source=role, key="evaluate")
            out["evaluate"] = _flag(role, "evaluate", decision["evaluate"])
    else:
        if "campaign" in decision:
            out["campaign"] = _number(role, "campaign", decision["campaign"], 0.0, 1.0)
        if "ask" in decision:
            ask = decision["ask"]
            if ask not in ("", *CATEGORIES):
                raise CoGovInputError(f"{ask!r}; allowed: \"\" (no request) or one of {', '.join(CATEGORIES)}",
                                      source=role, key="ask")
            out["ask"] = ask
    return out


@dataclass
class PersonPolicy:
    """A person's decision as an institution's policy: the model's own rule (``rule``) decides
    first and the person's choices replace the parts they decided, so a person who sets only
    some fields leaves the rest to the rule. Deterministic given the view, as every policy is."""

    kind: str
    rule: Any
    decision: dict[str, Any]
    role: str

    @property
    def policy_name(self) -> str:
        return f"person ({self.role})"

    def __call__(self, view):
        base = self.rule(view)
        d = self.decision
        if self.kind == "government":
            allocation = base.allocation
            if "priorities" in d:  # effort across departments as the person weighs them, community by community
                w = np.array([d["priorities"][c] for c in CATEGORIES])
                share = view.allocation.sum(axis=1, keepdims=True)
                share = share / share.sum() if share.sum() > 0 else np.full_like(share, 1.0 / share.size)
                allocation = share * (w / w.sum())[None, :]
            k = view.effort.shape
            effort = np.full(k, d["effort"]) if "effort" in d else base.effort
            priority = np.full(k, d["escalation"]) if "escalation" in d else base.priority
            return GovernmentAction(allocation=allocation, effort=effort, priority=priority)
        if self.kind == "enterprise":
            accept = (view.price_share >= d["bid"]) if "bid" in d else d.get("accept_contract", base.accept_contract)
            return EnterpriseAction(csr=d.get("csr", base.csr), accept_contract=bool(accept and view.contract_offered))
        campaign, mediation = base.campaign, base.mediation
        if "campaign" in d:
            campaign = (view.communities == d["campaign"]).astype(np.float64)
        if "mediation" in d:
            mediation = (view.communities == d["mediation"]).astype(np.float64)
        return OrganisationAction(campaign=campaign, mediation=mediation,
                                  accept_purchase=bool(d.get("accept_purchase", base.accept_purchase)
                                                       and view.purchase_offered),
                                  evaluate=bool(d.get("evaluate", base.evaluate)))


# ----------------------------------------------------------------------------------------- session
@dataclass
class Round:
    """One round as it was played: its number (from 1), its weeks, the decisions of the roles
    people played, and the events set off for it."""

    number: int
    first_week: int
    last_week: int
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    #: The street's outcomes over the round as the room saw them (:func:`summarise`).
    outcomes: dict[str, float] = field(default_factory=dict)


class WorkshopSession:
    """A shared model that a room plays round by round.

    ``WorkshopSession(scenario, weeks_per_round=None)``: the scenario's model, built and burnt in
    as for a run (its seed is the session's), with rounds of ``decision.interval`` weeks unless
    given. Participants :meth:`submit` decisions for the coming round, the facilitator may
    :meth:`set_off` events, and :meth:`play_round` plays it. :attr:`log` is everything needed to
    replay the session (:func:`replay`)."""

    def __init__(self, scenario: Scenario, *, weeks_per_round: int | None = None, rounds: int | None = None):
        if scenario.network.kind == "file":
            raise CoGovInputError("a workshop needs a generated network; allowed: network.kind other than 'file'",
                                  key="network.kind")
        self.scenario = scenario
        self.weeks_per_round = int(weeks_per_round or scenario.decision.interval)
        if self.weeks_per_round < 1:
            raise CoGovInputError(f"{weeks_per_round}; allowed: an integer from 1", key="weeks_per_round")
        self.rounds_planned = int(rounds) if rounds is not None else max(1, scenario.run.steps // self.weeks_per_round)
        horizon = self.rounds_planned * self.weeks_per_round
        self.model = CoGovModel(scenario.with_values({"run.steps": horizon}))
        self.model.decisions_on_schedule = False
        self._rules = {"government": self.model.government.policy,
                       "enterprise": [e.policy for e in self.model.enterprises],
                       "organisation": [o.policy for o in self.model.social_organisations]}
        self.pending: dict[str, dict[str, Any]] = {}
        self.pending_events: list[str] = []
        #: Each played role's decision in force: its last submission stands until it submits again.
        self.standing: dict[str, dict[str, Any]] = {}
        self.played: list[Round] = []

    # -- what the room does --------------------------------------------------------------------
    def roles(self) -> list[str]:
        return roles(self.model)

    def submit(self, role: str, decision: Any) -> dict[str, Any]:
        """Record ``role``'s decision for the coming round (checked; a later submission of the same
        role replaces it) and return it in canonical form. It stands in later rounds until the
        role submits again; a field left out is decided by the model's rule."""
        checked = check_decision(self.model, role, decision)
        self.pending[role] = checked
        return checked

    def set_off(self, event: str) -> None:
        """An event from the coming round's first week: ``data_breach`` (everywhere),
        ``budget_cut`` (30% for eight weeks) or ``issue_surge`` (twice the issues for four weeks)."""
        if event not in EVENTS:
            raise CoGovInputError(f"unknown event {event!r}; allowed: {', '.join(EVENTS)}", key="event")
        self.pending_events.append(event)

    @property
    def finished(self) -> bool:
        return len(self.played) >= self.rounds_planned

    def play_round(self) -> Round:
        """Play the coming round: apply the submitted decisions and events, let every institution
        decide (people's choices where roles are taken, the model's rules elsewhere), run the
        round's weeks, and return what was played."""
        if self.finished:
            raise CoGovInputError(f"all {self.rounds_planned} rounds are played", key="round")
        m = self.model
        first = m.steps + 1
        rnd = Round(number=len(self.played) + 1, first_week=first, last_week=first + self.weeks_per_round - 1,
                    decisions=dict(sorted(self.pending.items())), events=list(self.pending_events))
        self._apply(rnd)
        m.institutions_decide()
        for _ in range(self.weeks_per_round):
            m.step()
        rnd.outcomes = summarise(m, rnd)
        self.played.append(rnd)
        self.pending, self.pending_events = {}, []
        return rnd

    def _apply(self, rnd: Round) -> None:
        """Levers and events of this round's submissions; every institution's policy from the
        decisions in force (:attr:`standing`), the model's rule where there is none."""
        m = self.model
        for role, decision in rnd.decisions.items():  # levers stay as set until set again
            kind, index = _role_parts(role, m)
            if kind == "street_office":
                for name, value in decision.get("levers", {}).items():
                    m.set_lever(name, value)
        for role, decision in rnd.decisions.items():  # committees after the street office: their own community
            kind, index = _role_parts(role, m)
            if kind == "committee" and "campaign" in decision:
                m.set_lever("awareness_campaign", decision["campaign"], [index])
        for event in rnd.events:
            m.schedule_shock(event, **EVENTS[event])
        self.standing.update(rnd.decisions)
        m.government.policy = self._rules["government"]
        for agent, rule in zip(m.enterprises, self._rules["enterprise"], strict=True):
            agent.policy = rule
        for agent, rule in zip(m.social_organisations, self._rules["organisation"], strict=True):
            agent.policy = rule
        for role, decision in self.standing.items():
            kind, index = _role_parts(role, m)
            if kind == "street_office":
                if {"priorities", "effort", "escalation"} & set(decision):
                    m.government.policy = PersonPolicy("government", self._rules["government"], decision, role)
            elif kind == "enterprise":
                m.enterprises[index].policy = PersonPolicy("enterprise", self._rules["enterprise"][index], decision, role)
            elif kind == "organisation":
                m.social_organisations[index].policy = PersonPolicy(
                    "social_organisation", self._rules["organisation"][index], decision, role)

    # -- what the room sees --------------------------------------------------------------------
    def street(self) -> dict[str, float]:
        """What everyone sees of the street now (:func:`street_now`)."""
        return street_now(self.model)

    def requests(self) -> list[dict[str, Any]]:
        """Residents' committees' requests, those in force and those just sent: which department
        each asks the street office to attend to in its community."""
        out = []
        for role, decision in sorted({**self.standing, **self.pending}.items()):
            kind, index = _role_parts(role, self.model)
            if kind == "committee" and decision.get("ask"):
                out.append({"community": index, "department": decision["ask"]})
        return out

    def role_view(self, role: str) -> dict[str, Any]:
        """What the actor of ``role`` knows now, in JSON types, for its participant's screen: its
        own state and choices, its communities, what it is offered; never the model's hidden
        truth beyond what the actor's own view holds (:mod:`cogov_sim.model.policies.views`)."""
        kind, index = _role_parts(role, self.model)
        m = self.model
        out: dict[str, Any] = {"role": role, "kind": kind, "decision": self.standing.get(role, {}),
                               "submitted": role in self.pending}
        if kind == "street_office":
            g = m.government
            queued = m.open_cases_per_1000()
            out.update(allocation={c: float(v) for c, v in zip(CATEGORIES, g.allocation.sum(axis=0), strict=True)},
                       effort=float(g.effort.mean()), escalation=float(g.priority.mean()),
                       funding=float(g.spend.sum() / g.cost.sum()) if g.cost.sum() > 0 else 1.0,
                       queued_per_1000=[float(x) for x in queued],
                       levers={name: lever_value(name, float(m.levers[name][0])) for name in STREET_OFFICE_LEVERS},
                       effort_max=float(m.settings.institutions.effort_max), requests=self.requests())
        elif kind == "enterprise":
            e = m.enterprises[index]
            v = e.view()
            out.update(communities=[int(c) for c in v.communities], csr=float(e.csr), reputation=float(e.reputation),
                       demand_per_1000=[float(x) for x in v.demand], contract_offered=bool(v.contract_offered),
                       price_share=float(v.price_share), reservation=float(v.reservation), contract=bool(e.contract))
        elif kind == "organisation":
            o = m.social_organisations[index]
            v = o.view()
            out.update(communities=[int(c) for c in v.communities], members=[float(x) for x in v.members],
                       participation=[float(x) for x in v.participation], unmet_per_1000=[float(x) for x in v.unmet],
                       credibility=float(o.credibility), purchase_offered=bool(v.purchase_offered),
                       third_party=bool(o.third_party), evaluates=bool(o.third_party and o.evaluates),
                       campaign=[float(x) for x in o.campaign],
                       mediation=[float(x) for x in o.mediation])
        else:
            out.update(community=index, participation=float(m.participation_by_community()[index]),
                       queued_per_1000=float(m.open_cases_per_1000()[index]),
                       campaign=float(m.levers["awareness_campaign"][index]))
        return out

    def round_summary(self, rnd: Round) -> dict[str, float]:
        """The street's outcomes over a round's weeks (means; spend and breaches summed)."""
        return summarise(self.model, rnd)

    @property
    def log(self) -> dict[str, Any]:
        """Everything needed to replay the session: the resolved scenario (as a file), rounds'
        length and number, and each round's decisions and events, in JSON types."""
        from cogov_sim.experiments.runner import scenario_toml

        return {"version": LOG_VERSION, "scenario": scenario_toml(self.scenario), "seed": self.scenario.run.seed,
                "weeks_per_round": self.weeks_per_round, "rounds_planned": self.rounds_planned,
                "rounds": [_jsonable(dataclasses.asdict(r)) for r in self.played]}

    def save(self, path: str | Path, *, replace: bool = False) -> Path:
        """Write :attr:`log` as JSON to ``path``, whole or not at all (through a temporary file):
        a new file, or with ``replace`` this session's own file again (as ``cogov workshop``
        does after every round); never another file that exists."""
        path = Path(path)
        if path.exists() and not replace:
            raise CoGovInputError("file exists; allowed: a new file", source=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.partial")
        tmp.write_text(json.dumps(self.log, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        return path


def street_now(model: CoGovModel) -> dict[str, float]:
    """The street as it stands: the week, and participation, trust, privacy concern, resolution of
    all need and the backlog of the last week run; at week 0 read from the burnt-in state
    (participation within its window, queued cases), where resolution is not yet known (NaN)."""
    r = model.residents
    ts = model.timeseries()
    if len(ts["step"]):
        return {"week": int(ts["step"][-1]), "participation": float(ts["participation_rate"][-1]),
                "trust": float(ts["mean_trust"][-1]), "privacy_concern": float(ts["privacy_concern"][-1]),
                "resolution": float(ts["resolution_rate"][-1]), "backlog": float(ts["backlog"][-1])}
    window = model.settings.participation.window
    return {"week": 0, "participation": float(np.mean((model.steps - r.last_part) <= window)) if model.n else 0.0,
            "trust": float(r.trust.mean()), "privacy_concern": float(r.privacy.mean()), "resolution": float("nan"),
            "backlog": float(np.count_nonzero(r.status == QUEUED))}


def summarise(model: CoGovModel, rnd: Round) -> dict[str, float]:
    """A round's outcomes from ``model``'s series: the mean over its weeks of each of
    :data:`ROUND_OUTCOMES` (spend and breaches summed)."""
    ts = model.timeseries()
    weeks = ts["step"]
    sel = (weeks >= rnd.first_week) & (weeks <= rnd.last_week)
    out = {}
    for name in ROUND_OUTCOMES:
        values = np.asarray(ts[name], dtype=np.float64)[sel]
        finite = values[np.isfinite(values)]
        out[name] = float(finite.sum() if name in ("spend", "breaches") else finite.mean()) if finite.size else float("nan")
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


# ---------------------------------------------------------------------------------- replay, debrief
def read_log(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A session log from a file written by :meth:`WorkshopSession.save` (or the dict itself),
    checked for its version and fields."""
    if isinstance(source, dict):
        log, where = source, "log"
    else:
        where = str(source)
        try:
            log = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CoGovInputError(f"cannot read a session log ({exc}); allowed: a file written by a workshop",
                                  source=where) from None
    missing = [k for k in ("version", "scenario", "weeks_per_round", "rounds_planned", "rounds") if k not in log]
    if missing:
        raise CoGovInputError(f"not a session log: no {', '.join(missing)}", source=where)
    if log["version"] != LOG_VERSION:
        raise CoGovInputError(f"log version {log['version']!r}; allowed: {LOG_VERSION}", source=where, key="version")
    return log


def _scenario_of(log: dict[str, Any]) -> Scenario:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.toml"
        path.write_text(log["scenario"], encoding="utf-8")
        return load_scenario(path)


def replay(source: str | Path | dict[str, Any], *, people: bool = True) -> WorkshopSession:
    """Play a logged session again from its seed: the same decisions and events, round by round,
    give the same outcomes, to the bit (checked against the outcomes the log holds: a
    difference raises). With ``people=False`` every role is played by the model's own rules
    (the events stay): the session's counterfactual for the debrief."""
    log = read_log(source)
    session = WorkshopSession(_scenario_of(log), weeks_per_round=log["weeks_per_round"],
                              rounds=log["rounds_planned"])
    for logged in log["rounds"]:
        if people:
            for role, decision in logged["decisions"].items():
                session.submit(role, decision)
        for event in logged["events"]:
            session.set_off(event)
        rnd = session.play_round()
        seen = logged.get("outcomes")
        if people and seen and json.dumps(_jsonable(rnd.outcomes)) != json.dumps(seen):
            raise RuntimeError(f"round {rnd.number} replayed to other outcomes than the log holds: "
                               f"{rnd.outcomes} against {seen}")
    return session


def debrief(session: WorkshopSession) -> list[dict[str, Any]]:
    """Each round played: the decisions people made, the events, and the round's outcomes beside
    the same rounds with every role played by the model's own rules (same seed, same events),
    with the difference. One dict per round."""
    rules_only = replay(session.log, people=False)
    rows = []
    for rnd, other in zip(session.played, rules_only.played, strict=True):
        played, ruled = session.round_summary(rnd), rules_only.round_summary(other)
        rows.append({"round": rnd.number, "weeks": (rnd.first_week, rnd.last_week), "decisions": rnd.decisions,
                     "events": rnd.events, "outcomes": played, "rules_only": ruled,
                     "difference": {k: played[k] - ruled[k] for k in played}})
    return rows
