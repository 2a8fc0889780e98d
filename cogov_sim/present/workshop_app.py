"""``cogov workshop``: the browser pages of a participatory session, in Chinese or English.

One shared :class:`~cogov_sim.experiments.workshop.WorkshopSession` per server. The facilitator
opens the page whose address carries the facilitator's key (printed when the server starts): it
shows the join code and its QR code, the round and its time limit, who has submitted, the
buttons to extend the time, advance the round and set off events, the whole street on the big
screen, and the debrief. Participants open the join address on their own devices, pick a role
(several people may share one), and get a page of their own: what their actor knows and the
form of its decisions.

Safety on a shared network: the server binds 127.0.0.1 unless told otherwise (and then the
command warns); joining needs the join code and facilitating needs the key (both random); a
participant's token is bound to one role and every decision it sends is for that role only,
checked like a scenario value (:func:`cogov_sim.experiments.workshop.check_decision`); nothing a
participant sends is executed, rendered unescaped or used as a path. A participant who closes the
browser rejoins the same role by opening the same page again (the token is in its address).
"""

from __future__ import annotations

import html
import io
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.workshop import EVENTS, ROUND_OUTCOMES, STREET_OFFICE_LEVERS, WorkshopSession, debrief
from cogov_sim.model.parameters import CATEGORIES, CATEGORY_LABELS_ZH, lever_spec
from cogov_sim.present.plots import UNIT_ZH, font_rc, label
from cogov_sim.present.viz import SlideView, choice_label, layout

#: Seconds added by the facilitator's "extend" button.
EXTEND_SECONDS = 60
#: The largest request a participant may send, bytes (a decision is a small table).
MAX_BODY_BYTES = 20_000
TEXT = {
    "title": ("Co-governance workshop", "协同治理工作坊"),
    "join_title": ("Join the workshop", "加入工作坊"), "pick": ("Pick your role", "选择你的角色"),
    "your_name": ("Your name", "你的名字"), "join": ("Join", "加入"),
    "bad_code": ("This join code is not valid. Ask the facilitator for the address.", "加入码无效，请向主持人索取地址。"),
    "bad_token": ("This page is not valid. Join again with the code.", "页面无效，请用加入码重新加入。"),
    "round": ("Round {n} of {total}", "第 {n} 轮，共 {total} 轮"), "finished": ("The session has ended", "工作坊已结束"),
    "time_left": ("Time left: {s} s", "剩余时间：{s} 秒"), "time_up": ("Time is up", "时间到"),
    "submit": ("Submit my decision", "提交我的决策"), "submitted": ("Submitted for this round", "本轮已提交"),
    "not_submitted": ("Not submitted yet", "尚未提交"),
    "street": ("Week {week}: participation {p}, trust {t}, privacy concern {c}, resolution {r}, backlog {b} cases",
               "第 {week} 周：参与率 {p}，信任 {t}，隐私担忧 {c}，解决率 {r}，积压 {b} 件"),
    "advance": ("Play the round", "运行本轮"), "extend": ("+60 s", "延长 60 秒"), "debrief": ("Debrief", "复盘"),
    "log": ("Session log", "会话记录"), "join_at": ("Join at", "加入地址"), "code": ("Join code", "加入码"),
    "who": ("Participants", "参与者"), "role": ("Role", "角色"), "name": ("Name", "名字"),
    "status": ("Status", "状态"), "events": ("Events for the next round", "下一轮的突发事件"),
    "pending_events": ("Set off for the next round: {e}", "下一轮将发生：{e}"),
    "model_plays": ("Roles nobody plays are played by the model's own rules.", "无人担任的角色由模型自身的规则决策。"),
    "round_col": ("Round", "轮次"), "weeks": ("Weeks", "周"), "decisions": ("Decisions", "决策"),
    "outcome": ("Outcome", "结果"), "played": ("As played", "本场"), "rules": ("Model's rules", "模型规则"),
    "difference": ("Difference", "差异"),
    "debrief_intro": ("Each round as the room played it, beside the same rounds with every role played by the "
                      "model's own rules (same seed, same events).",
                      "每一轮的实际结果，与同样轮次中所有角色均由模型规则决策的结果（相同随机种子、相同事件）对照。"),
    "priorities": ("Effort by department (weights)", "各部门工作力量（权重）"),
    "effort": ("Working hours (x normal)", "工作时长（正常的倍数）"),
    "escalation": ("Overdue cases first (share)", "超期案件优先（比例）"), "levers": ("Levers", "政策杠杆"),
    "csr": ("Readiness to help unpaid (CSR, 0-1)", "无偿参与意愿（社会责任，0-1）"),
    "accept_contract": ("Take a service contract if offered", "如有合同，接受政府服务合同"),
    "bid": ("Your bid: the share of the contract price you need (0-1)", "你的报价：承接合同所需的价格比例（0-1）"),
    "evaluate": ("Evaluate the government where it commissions evaluation", "承接政府委托的第三方评估"),
    "ask": ("Ask the street office to attend to", "请求街道办关注"), "decided": ("Decisions in force", "现行决策"),
    "campaign_org": ("Where to campaign", "在哪个社区宣传动员"), "mediation": ("Where to mediate", "在哪个社区调解服务"),
    "accept_purchase": ("Sell services to the government if it buys", "如政府购买服务，则承接"),
    "campaign_committee": ("Awareness campaign in our community (0-1)", "本社区宣传动员强度（0-1）"),
    "your_actor": ("What you know", "你掌握的情况"), "community": ("community {c}", "{c}号社区"),
    "none": ("none", "无"), "error": ("Not accepted: {e}", "未被接受：{e}"),
}
ROLE_NAMES = {"street_office": ("Street office", "街道办事处"), "enterprise": ("Enterprise {i}", "企业 {i}"),
              "organisation": ("Social organisation {i}", "社会组织 {i}"),
              "committee": ("Residents' committee of community {i}", "{i}号社区居委会")}
EVENT_NAMES = {"data_breach": ("Data breach", "数据泄露"), "budget_cut": ("Budget cut 30%", "预算削减 30%"),
               "issue_surge": ("Surge of issues", "问题激增")}
KEY_LABELS = {"allocation": ("Effort by department now", "目前各部门工作力量"),
              "funding": ("Funded share of costs", "经费保障比例"),
              "queued_per_1000": ("Open cases per 1,000 residents, by community", "各社区每千人待办案件"),
              "reputation": ("Reputation", "声誉"), "demand_per_1000": ("Open cases per 1,000 residents where you work",
                                                                     "所服务社区每千人待办案件"),
              "contract_offered": ("A contract is offered", "政府提供服务合同"),
              "contract": ("You hold a contract", "你持有合同"),
              "members": ("Members", "成员"), "participation": ("Participation", "参与率"),
              "unmet_per_1000": ("Unmet need per 1,000 residents", "每千人未满足需求"), "credibility": ("Credibility", "公信力"),
              "purchase_offered": ("The government buys services", "政府购买服务"), "campaign": ("Campaign", "宣传动员"),
              "csr": ("CSR now", "目前的社会责任投入"), "effort": ("Working hours now", "目前工作时长"),
              "escalation": ("Overdue first now", "目前超期优先比例"), "communities": ("Communities", "社区"),
              "third_party": ("Third-party evaluator", "第三方评估机构"), "mediation": ("Mediation", "调解服务"),
              "community": ("Community", "社区"), "price_share": ("Share of the price the government pays", "政府支付价格比例"),
              "reservation": ("Share of the price you need to cover costs", "你覆盖成本所需的价格比例"),
              "evaluates": ("You evaluate the government", "你承接第三方评估"),
              "requests": ("Requests from residents' committees", "居委会的请求")}


def tr(key: str, lang: str, **kw) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**kw)


def role_name(role: str, lang: str) -> str:
    kind, _, index = role.partition(":")
    en, zh = ROLE_NAMES[kind]
    return (zh if lang == "zh" else en).format(i=index)


def department(category: str, lang: str) -> str:
    """A department (issue category) by name in ``lang``; "" is no department."""
    if not category:
        return tr("none", lang)
    return CATEGORY_LABELS_ZH[CATEGORIES.index(category)] if lang == "zh" else category.replace("_", " ")


#: Words of the decision summaries on the facilitator's screen and in the debrief.
DECISION_WORDS = {"priorities": ("effort by department", "部门力量"), "effort": ("hours", "工时"),
                  "escalation": ("overdue first", "超期优先"), "levers": ("levers", "杠杆"), "csr": ("CSR", "社会责任"),
                  "accept_contract": ("takes a contract", "接受合同"), "bid": ("bid", "报价"),
                  "campaign": ("campaign", "宣传动员"), "mediation": ("mediation", "调解"),
                  "accept_purchase": ("sells services", "承接购买服务"), "evaluate": ("evaluates", "承接评估"),
                  "ask": ("asks for", "请求关注")}


def decision_text(role: str, decision: dict[str, Any], lang: str, defaults: dict[str, Any] | None = None) -> str:
    """A role's decision in words of ``lang``, for people: departments and levers by their names,
    communities as communities, switches as yes or no; of the levers only those that differ from
    ``defaults`` (the scenario's values)."""
    i = 1 if lang == "zh" else 0
    sep = "；" if lang == "zh" else "; "

    def value(key: str, v: Any) -> str:
        if isinstance(v, bool):
            return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
        if key in ("campaign", "mediation") and role.startswith("organisation"):
            return tr("community", lang, c=v)
        if key == "ask":
            return department(v, lang)
        return f"{v:g}" if isinstance(v, float) else str(v)

    parts = []
    for key, v in decision.items():
        word = DECISION_WORDS.get(key, (key, key))[i]
        if key == "priorities":
            parts.append(word + " " + ", ".join(f"{department(c, lang)} {w:g}" for c, w in v.items()))
        elif key == "levers":
            changed = {n: x for n, x in v.items() if defaults is None or defaults.get(n) != x}
            if changed:
                names = {n: (lever_spec(n).label_zh if lang == "zh" else lever_spec(n).label_en) for n in changed}
                parts.append(word + " " + ", ".join(
                    f"{names[n]} {choice_label(x, lang) if isinstance(x, str) else value(n, x)}" for n, x in changed.items()))
        else:
            parts.append(f"{word} {value(key, v)}")
    return sep.join(parts) or tr("none", lang)


def street_line(street: dict[str, float], lang: str) -> str:
    r = street["resolution"]
    return tr("street", lang, week=street["week"], p=f"{street['participation']:.1%}", t=f"{street['trust']:.2f}",
              c=f"{street['privacy_concern']:.2f}", r="—" if r != r else f"{r:.0%}", b=f"{street['backlog']:,.0f}")


@dataclass
class Participant:
    token: str
    role: str
    name: str
    joined: float = field(default_factory=time.monotonic)


class Room:
    """The server's state: the session, its participants and the round's clock, behind one lock."""

    def __init__(self, session: WorkshopSession, *, lang: str, time_limit: float, out_dir: Path | None,
                 join_code: str | None = None, facilitator_key: str | None = None):
        self.session = session
        self.lang = lang
        self.time_limit = float(time_limit)
        self.out_dir = out_dir
        self.join_code = join_code or secrets.token_hex(3).upper()
        self.facilitator_key = facilitator_key or secrets.token_urlsafe(16)
        self.participants: dict[str, Participant] = {}
        self.lock = threading.RLock()
        self.deadline = time.monotonic() + self.time_limit
        self.layout = layout(session.model)
        #: The scenario's lever values: a decision summary names the levers set otherwise.
        self.defaults = {name: getattr(session.scenario.levers, name) for name in STREET_OFFICE_LEVERS}
        self._screen: tuple[int, bytes] | None = None

    # -- participants --------------------------------------------------------------------------
    def join(self, code: str, role: str, name: str) -> Participant:
        if not secrets.compare_digest(code.upper(), self.join_code):
            raise PermissionError("bad join code")
        if role not in self.session.roles():
            raise CoGovInputError(f"unknown role {role!r}", key="role")
        p = Participant(secrets.token_urlsafe(16), role, name.strip()[:40] or role)
        with self.lock:
            self.participants[p.token] = p
        return p

    def participant(self, token: str) -> Participant:
        p = self.participants.get(token or "")
        if p is None:
            raise PermissionError("unknown participant")
        return p

    def submit(self, token: str, body: Any) -> dict[str, Any]:
        p = self.participant(token)
        if not isinstance(body, dict) or set(body) - {"role", "decision"}:
            raise CoGovInputError("allowed: {\"decision\": {...}}", key="body")
        if body.get("role", p.role) != p.role:
            raise PermissionError(f"this page acts for {p.role} only")
        with self.lock:
            if self.session.finished:
                raise CoGovInputError("the session has ended", key="round")
            if time.monotonic() > self.deadline:
                raise CoGovInputError("time is up for this round; allowed: wait for the next round", key="round")
            return self.session.submit(p.role, body.get("decision", {}))

    def state(self, token: str) -> dict[str, Any]:
        p = self.participant(token)
        with self.lock:
            s = self.session
            return {"round": len(s.played) + 1, "rounds": s.rounds_planned, "finished": s.finished,
                    "time_left": max(0.0, self.deadline - time.monotonic()), "street": street_line(s.street(), self.lang),
                    "view": s.role_view(p.role), "role": p.role, "role_name": role_name(p.role, self.lang)}

    # -- the facilitator -----------------------------------------------------------------------
    def check_key(self, key: str) -> None:
        if not secrets.compare_digest(key or "", self.facilitator_key):
            raise PermissionError("bad facilitator key")

    def advance(self) -> dict[str, Any]:
        with self.lock:
            rnd = self.session.play_round()
            self.deadline = time.monotonic() + self.time_limit
            if self.out_dir is not None:
                self.save()
                if self.session.finished:  # the debrief replays the session once more: written at the end
                    (self.out_dir / "debrief.html").write_text(debrief_html(self.session, self.lang), encoding="utf-8")
            return {"round": rnd.number, "weeks": [rnd.first_week, rnd.last_week]}

    def extend(self) -> float:
        with self.lock:
            self.deadline = max(self.deadline, time.monotonic()) + EXTEND_SECONDS
            return self.deadline - time.monotonic()

    def event(self, kind: str) -> None:
        with self.lock:
            self.session.set_off(kind)

    def room(self) -> dict[str, Any]:
        with self.lock:
            s = self.session
            return {"round": len(s.played) + 1, "rounds": s.rounds_planned, "finished": s.finished,
                    "time_left": max(0.0, self.deadline - time.monotonic()), "street": street_line(s.street(), self.lang),
                    "events": [EVENT_NAMES[e][1 if self.lang == "zh" else 0] for e in s.pending_events],
                    "participants": [{"name": p.name, "role": role_name(p.role, self.lang),
                                      "submitted": p.role in s.pending} for p in self.participants.values()],
                    "decided": [{"role": role_name(r, self.lang), "decision": decision_text(r, d, self.lang,
                                                                                                 self.defaults)}
                                for r, d in sorted(s.standing.items())]}

    def screen(self) -> bytes:
        """The big screen: the street's network and outcomes (1920 x 1080 PNG), drawn once a round."""
        with self.lock:
            played = len(self.session.played)
            if self._screen is None or self._screen[0] != played:
                m = self.session.model
                view = SlideView(m, self.layout, lang=self.lang, colour_by="trust",
                                 horizon=self.session.rounds_planned * self.session.weeks_per_round,
                                 title=self.session.scenario.scenario.display(self.lang))
                buf = io.BytesIO()
                with matplotlib.rc_context(font_rc(self.lang)):
                    view.fig.savefig(buf, format="png", dpi=SlideView.DPI, pil_kwargs={"compress_level": 1})
                view.fig.clear()
                self._screen = (played, buf.getvalue())
            return self._screen[1]

    def save(self) -> Path:
        """The session log, rewritten after every round in this session's own folder."""
        assert self.out_dir is not None
        return self.session.save(self.out_dir / "session.json", replace=True)


# ------------------------------------------------------------------------------------------ pages
STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; margin: 16px; font-size: 18px; }
h1 { font-size: 30px; margin: 4px 0 12px; } h2 { font-size: 22px; margin: 14px 0 6px; }
button { font-size: 18px; padding: 8px 16px; margin: 4px; cursor: pointer; }
.status { font-size: 22px; font-weight: 500; margin: 8px 0; } .ok { color: #1b7a2f; } .bad { color: #b00020; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
label { display: block; margin: 8px 0 2px; } input[type=range] { width: 320px; vertical-align: middle; }
.code { font-size: 40px; letter-spacing: 6px; font-weight: 700; }
.screen { max-width: 100%; max-height: 78vh; display: block; } .decided { max-width: 1100px; }
.grid { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
"""


def page(title: str, body: str, lang: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
                        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{html.escape(title)}"
                        f"</title><style>{STYLE}</style></head><body>{body}</body></html>")


def _range(name: str, text: str, low: float, high: float, value: float, step: float) -> str:
    return (f"<label>{html.escape(text)}: <output id=\"o-{name}\">{value:g}</output></label>"
            f"<input type=range name=\"{name}\" min=\"{low:g}\" max=\"{high:g}\" step=\"{step:g}\" value=\"{value:g}\" "
            f"oninput=\"document.getElementById('o-{name}').textContent=this.value\">")


def decision_form(view: dict[str, Any], lang: str) -> str:
    """The form of a role's decisions, filled with its current choices."""
    kind = view["kind"]
    zh = lang == "zh"
    parts = []
    if kind == "street_office":
        alloc = view["allocation"]
        top = max(alloc.values()) or 1.0
        parts.append(f"<h2>{tr('priorities', lang)}</h2>")
        for c, c_zh in zip(CATEGORIES, CATEGORY_LABELS_ZH, strict=True):
            parts.append(_range(f"priorities.{c}", c_zh if zh else c.replace("_", " "), 0, 1, round(alloc[c] / top, 2), 0.05))
        parts.append(_range("effort", tr("effort", lang), 1, 1 + view["effort_max"], round(view["effort"], 2), 0.01))
        parts.append(_range("escalation", tr("escalation", lang), 0, 1, round(view["escalation"], 2), 0.05))
        parts.append(f"<h2>{tr('levers', lang)}</h2>")
        for name in STREET_OFFICE_LEVERS:
            spec = lever_spec(name)
            text = spec.label_zh if zh else spec.label_en
            value = view["levers"][name]
            if spec.type is bool:
                checked = " checked" if value else ""
                parts.append(f"<label><input type=checkbox name=\"levers.{name}\"{checked}> {html.escape(text)}</label>")
            elif spec.choices:
                opts = "".join(f"<option value=\"{c}\"{' selected' if c == value else ''}>{html.escape(choice_label(c, lang))}"
                               "</option>" for c in spec.choices)
                parts.append(f"<label>{html.escape(text)} <select name=\"levers.{name}\">{opts}</select></label>")
            else:
                low, high = spec.plausible
                unit = UNIT_ZH.get(spec.unit, spec.unit) if zh else spec.unit
                parts.append(_range(f"levers.{name}", f"{text} ({unit})", low, high, float(value), (high - low) / 20))
    elif kind == "enterprise":
        parts.append(_range("csr", tr("csr", lang), 0, 1, round(view["csr"], 2), 0.05))
        parts.append(_range("bid", tr("bid", lang), 0, 1, round(view["reservation"], 2), 0.05))
    elif kind == "organisation":
        for key, text, shares in (("campaign", "campaign_org", view["campaign"]), ("mediation", "mediation", view["mediation"])):
            best = view["communities"][max(range(len(shares)), key=shares.__getitem__)]
            opts = "".join(f"<option value=\"{c}\"{' selected' if c == best else ''}>{tr('community', lang, c=c)}</option>"
                           for c in view["communities"])
            parts.append(f"<label>{tr(text, lang)} <select name=\"{key}\" data-int=1>{opts}</select></label>")
        parts.append(f"<label><input type=checkbox name=\"accept_purchase\"> {tr('accept_purchase', lang)}</label>")
        if view["third_party"]:
            checked = " checked" if view["evaluates"] else ""
            parts.append(f"<label><input type=checkbox name=\"evaluate\"{checked}> {tr('evaluate', lang)}</label>")
    else:
        parts.append(_range("campaign", tr("campaign_committee", lang), 0, 1, round(view["campaign"], 2), 0.05))
        asked = view["decision"].get("ask", "")
        opts = "".join(f"<option value=\"{c}\"{' selected' if c == asked else ''}>{html.escape(department(c, lang))}</option>"
                       for c in ("", *CATEGORIES))
        parts.append(f"<label>{tr('ask', lang)} <select name=ask>{opts}</select></label>")
    return "<form id=decision onsubmit=\"return false\">" + "".join(parts) + "</form>"


def known_table(view: dict[str, Any], lang: str) -> str:
    """What the actor knows, as a table (numbers rounded, lists joined)."""
    i = 1 if lang == "zh" else 0
    rows = []
    for key, value in view.items():
        if key not in KEY_LABELS:
            continue
        if key == "requests":
            shown = "; ".join(f"{tr('community', lang, c=q['community'])}: {department(q['department'], lang)}"
                              for q in value) or tr("none", lang)
        elif isinstance(value, dict):
            shown = ", ".join(f"{(CATEGORY_LABELS_ZH[CATEGORIES.index(k)] if lang == 'zh' else k)} {v:.2f}"
                              for k, v in value.items())
        elif isinstance(value, list):
            shown = ", ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in value)
        elif isinstance(value, bool):
            shown = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        elif isinstance(value, float):
            shown = f"{value:.2f}"
        else:
            shown = str(value)
        rows.append(f"<tr><th>{html.escape(KEY_LABELS[key][i])}</th><td>{html.escape(shown)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


PLAY_JS = """
const token = new URLSearchParams(location.search).get('t');
async function refresh() {
  const r = await fetch('/api/state?t=' + encodeURIComponent(token)); if (!r.ok) return;
  const s = await r.json();
  document.getElementById('round').textContent = s.finished ? T.finished
    : T.round.replace('{n}', s.round).replace('{total}', s.rounds);
  document.getElementById('street').textContent = s.street;
  document.getElementById('clock').textContent = s.time_left > 0 ? T.time_left.replace('{s}', Math.ceil(s.time_left)) : T.time_up;
  const mine = document.getElementById('mine');
  mine.textContent = s.view.submitted ? T.submitted : T.not_submitted; mine.className = s.view.submitted ? 'ok' : '';
  if (s.round !== window.lastRound) { if (window.lastRound !== undefined) location.reload(); window.lastRound = s.round; }
}
function decision() {
  const d = {};
  for (const el of document.getElementById('decision').elements) {
    if (!el.name) continue;
    let v = el.type === 'checkbox' ? el.checked
      : (el.dataset.int ? parseInt(el.value) : (el.type === 'range' ? parseFloat(el.value) : el.value));
    const path = el.name.split('.'); let o = d;
    for (const k of path.slice(0, -1)) { o[k] = o[k] || {}; o = o[k]; }
    o[path[path.length - 1]] = v;
  }
  return d;
}
async function send() {
  const r = await fetch('/api/submit?t=' + encodeURIComponent(token),
    {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({decision: decision()})});
  const s = await r.json(); const msg = document.getElementById('msg');
  msg.textContent = r.ok ? T.submitted : T.error.replace('{e}', s.error); msg.className = r.ok ? 'ok' : 'bad';
  refresh();
}
refresh(); setInterval(refresh, 1500);
"""

ROOM_JS = """
const key = new URLSearchParams(location.search).get('k');
async function post(path) {
  const r = await fetch(path + (path.includes('?') ? '&' : '?') + 'k=' + encodeURIComponent(key), {method: 'POST'});
  const s = await r.json(); if (!r.ok) document.getElementById('msg').textContent = s.error; refresh(); return s; }
async function advance() { document.getElementById('advance').disabled = true; await post('/api/advance');
  document.getElementById('screen').src = '/screen.png?k=' + encodeURIComponent(key) + '&r=' + Date.now();
  document.getElementById('advance').disabled = false; }
async function refresh() {
  const r = await fetch('/api/room?k=' + encodeURIComponent(key)); if (!r.ok) return; const s = await r.json();
  document.getElementById('round').textContent = s.finished ? T.finished
    : T.round.replace('{n}', s.round).replace('{total}', s.rounds);
  document.getElementById('street').textContent = s.street;
  document.getElementById('clock').textContent = s.time_left > 0 ? T.time_left.replace('{s}', Math.ceil(s.time_left)) : T.time_up;
  document.getElementById('events').textContent = s.events.length ? T.pending_events.replace('{e}', s.events.join(', ')) : '';
  const rows = s.participants.map(p => '<tr><td>' + esc(p.name) + '</td><td>' + esc(p.role) + '</td><td class="'
     + (p.submitted ? 'ok' : '') + '">' + (p.submitted ? T.submitted : T.not_submitted) + '</td></tr>');
  document.getElementById('who').innerHTML = rows.join('');
  document.getElementById('decided').innerHTML = s.decided.map(d => '<tr><td>' + esc(d.role) + '</td><td>'
     + esc(d.decision) + '</td></tr>').join('');
  document.getElementById('advance').disabled = s.finished;
}
function esc(x) { const d = document.createElement('div'); d.textContent = x; return d.innerHTML; }
refresh(); setInterval(refresh, 1500);
"""


def _texts(lang: str) -> str:
    """The page's words for its script, in ``lang`` (placeholders filled in by the script)."""
    keys = ("round", "finished", "time_left", "time_up", "submitted", "not_submitted", "error", "pending_events")
    words = {k: TEXT[k][1 if lang == "zh" else 0] for k in keys}
    return "const T = " + json.dumps(words, ensure_ascii=False).replace("</", "<\\/") + ";"


def debrief_html(session: WorkshopSession, lang: str) -> str:
    """The debrief as a page in ``lang``: each round's decisions and events, and its outcomes as
    played beside the same rounds played by the model's own rules, with the difference."""
    rows = debrief(session)
    i = 1 if lang == "zh" else 0
    head = (f"<tr><th>{tr('round_col', lang)}</th><th>{tr('weeks', lang)}</th><th>{tr('decisions', lang)}</th>"
            f"<th>{tr('outcome', lang)}</th><th>{tr('played', lang)}</th><th>{tr('rules', lang)}</th>"
            f"<th>{tr('difference', lang)}</th></tr>")
    body_rows = []
    for row in rows:
        defaults = {name: getattr(session.scenario.levers, name) for name in STREET_OFFICE_LEVERS}
        decided = "<br>".join(f"{html.escape(role_name(r, lang))}: {html.escape(decision_text(r, d, lang, defaults))}"
                              for r, d in row["decisions"].items()) or tr("none", lang)
        if row["events"]:
            decided += "<br>" + ", ".join(EVENT_NAMES[e][i] for e in row["events"])
        for j, name in enumerate(ROUND_OUTCOMES):
            span = f"<td rowspan={len(ROUND_OUTCOMES)}>"
            lead = (f"{span}{row['round']}</td>{span}{row['weeks'][0]}-{row['weeks'][1]}</td>{span}{decided}</td>"
                    if j == 0 else "")
            body_rows.append(f"<tr>{lead}<td>{html.escape(label(name, lang))}</td><td>{row['outcomes'][name]:.3g}</td>"
                             f"<td>{row['rules_only'][name]:.3g}</td><td>{row['difference'][name]:+.3g}</td></tr>")
    body = (f"<h1>{tr('debrief', lang)}</h1><p>{tr('debrief_intro', lang)}</p><table class=debrief>{head}"
            f"{''.join(body_rows)}</table>")
    return page(tr("debrief", lang), body, lang).body.decode("utf-8")


def create_app(room: Room, *, join_url: str) -> Starlette:
    """The Starlette application of a workshop ``room``; ``join_url`` is the address the QR code holds."""
    lang = room.lang

    def forbidden(message: str) -> HTMLResponse:
        return page(tr("title", lang), f"<h1>{tr('title', lang)}</h1><p class=bad>{html.escape(message)}</p>", lang)

    async def home(request: Request) -> Response:
        code = request.query_params.get("code", "")
        if not secrets.compare_digest(code.upper(), room.join_code):
            return HTMLResponse(forbidden(tr("bad_code", lang)).body, status_code=403)
        counts: dict[str, int] = {}
        for p in room.participants.values():
            counts[p.role] = counts.get(p.role, 0) + 1
        options = "".join(f"<label><input type=radio name=role value=\"{r}\"{' checked' if i == 0 else ''}> "
                          f"{html.escape(role_name(r, lang))} ({counts.get(r, 0)})</label>"
                          for i, r in enumerate(room.session.roles()))
        body = (f"<h1>{tr('join_title', lang)}</h1><form method=post action=/join><input type=hidden name=code "
                f"value=\"{html.escape(room.join_code)}\"><label>{tr('your_name', lang)} <input name=name maxlength=40></label>"
                f"<h2>{tr('pick', lang)}</h2>{options}<p><button type=submit>{tr('join', lang)}</button></p></form>"
                f"<p>{tr('model_plays', lang)}</p>")
        return page(tr("join_title", lang), body, lang)

    async def join(request: Request) -> Response:
        from urllib.parse import parse_qs

        body = await request.body()
        form = {k: v[0] for k, v in parse_qs(body[:MAX_BODY_BYTES].decode("utf-8", "replace")).items()}  # a small form
        try:
            p = room.join(form.get("code", ""), form.get("role", ""), form.get("name", ""))
        except (PermissionError, CoGovInputError):
            return HTMLResponse(forbidden(tr("bad_code", lang)).body, status_code=403)
        return RedirectResponse(f"/play?t={p.token}", status_code=303)

    async def play(request: Request) -> Response:
        try:
            state = room.state(request.query_params.get("t", ""))
        except PermissionError:
            return HTMLResponse(forbidden(tr("bad_token", lang)).body, status_code=403)
        view = state["view"]
        body = (f"<h1>{html.escape(state['role_name'])}</h1><div id=round class=status></div><div id=clock></div>"
                f"<div id=street class=status></div><div class=grid><div><h2>{tr('your_actor', lang)}</h2>"
                f"{known_table(view, lang)}</div><div>{decision_form(view, lang)}"
                f"<p><button id=send onclick=\"send()\">{tr('submit', lang)}</button> <span id=mine></span></p>"
                f"<p id=msg></p></div></div><script>{_texts(lang)}{PLAY_JS}</script>")
        return page(role_name(state["role"], lang), body, lang)

    async def api_state(request: Request) -> Response:
        try:
            return JSONResponse(room.state(request.query_params.get("t", "")))
        except PermissionError as exc:
            return JSONResponse({"error": str(exc)}, status_code=403)

    async def api_submit(request: Request) -> Response:
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:  # refused before it is read
            return JSONResponse({"error": f"allowed: a decision of at most {MAX_BODY_BYTES:,} bytes"}, status_code=413)
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:  # a decision is a small table
            return JSONResponse({"error": f"a decision of {len(raw):,} bytes; allowed: at most {MAX_BODY_BYTES:,}"},
                                status_code=413)
        try:
            body = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "allowed: a JSON body {\"decision\": {...}}"}, status_code=400)
        try:
            return JSONResponse({"decision": room.submit(request.query_params.get("t", ""), body)})
        except PermissionError as exc:
            return JSONResponse({"error": str(exc)}, status_code=403)
        except CoGovInputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    def facilitator_only(handler):
        async def wrapped(request: Request) -> Response:
            try:
                room.check_key(request.query_params.get("k", ""))
            except PermissionError as exc:
                if request.url.path.startswith("/api/"):
                    return JSONResponse({"error": str(exc)}, status_code=403)
                return HTMLResponse(forbidden(tr("bad_token", lang)).body, status_code=403)
            try:
                return await handler(request)
            except CoGovInputError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return wrapped

    @facilitator_only
    async def facilitator(request: Request) -> Response:
        import segno

        qr = segno.make(join_url, error="m").svg_inline(scale=5)
        events = "".join(f"<button class=\"event-{e}\" onclick=\"post('/api/event?kind={e}')\">"
                         f"{EVENT_NAMES[e][1 if lang == 'zh' else 0]}</button>" for e in EVENTS)
        body = (f"<h1>{tr('title', lang)} · {html.escape(room.session.scenario.scenario.display(lang))}</h1>"
                f"<div class=grid><div>{qr}</div><div><div>{tr('join_at', lang)}: <b>{html.escape(join_url)}</b></div>"
                f"<div>{tr('code', lang)}: <span class=code>{html.escape(room.join_code)}</span></div>"
                f"<div id=round class=status></div><div id=clock></div>"
                f"<p><button id=advance onclick=\"advance()\">{tr('advance', lang)}</button>"
                f"<button onclick=\"post('/api/extend')\">{tr('extend', lang)}</button>"
                f"<a href=\"/debrief?k={html.escape(room.facilitator_key)}\" target=_blank><button>{tr('debrief', lang)}"
                f"</button></a><a href=\"/log.json?k={html.escape(room.facilitator_key)}\"><button>{tr('log', lang)}</button>"
                f"</a></p><h2>{tr('events', lang)}</h2>{events}<div id=events></div><p id=msg class=bad></p></div></div>"
                f"<div id=street class=status></div><img id=screen class=screen alt=\"\" "
                f"src=\"/screen.png?k={html.escape(room.facilitator_key)}\">"
                f"<div class=grid><div><h2>{tr('who', lang)}</h2><table><thead><tr><th>{tr('name', lang)}</th>"
                f"<th>{tr('role', lang)}</th><th>{tr('status', lang)}</th></tr></thead><tbody id=who></tbody></table></div>"
                f"<div class=decided><h2>{tr('decided', lang)}</h2><table><tbody id=decided></tbody></table></div></div>"
                f"<script>{_texts(lang)}{ROOM_JS}</script>")
        return page(tr("title", lang), body, lang)

    @facilitator_only
    async def api_room(request: Request) -> Response:
        return JSONResponse(room.room())

    @facilitator_only
    async def api_advance(request: Request) -> Response:
        return JSONResponse(room.advance())

    @facilitator_only
    async def api_extend(request: Request) -> Response:
        return JSONResponse({"time_left": room.extend()})

    @facilitator_only
    async def api_event(request: Request) -> Response:
        room.event(request.query_params.get("kind", ""))
        return JSONResponse({"events": room.session.pending_events})

    @facilitator_only
    async def screen(request: Request) -> Response:
        return Response(room.screen(), media_type="image/png", headers={"Cache-Control": "no-store"})

    @facilitator_only
    async def log(request: Request) -> Response:
        return JSONResponse(room.session.log)

    @facilitator_only
    async def debrief_page(request: Request) -> Response:
        with room.lock:
            return HTMLResponse(debrief_html(room.session, lang))

    routes = [Route("/", home), Route("/join", join, methods=["POST"]), Route("/play", play),
              Route("/api/state", api_state), Route("/api/submit", api_submit, methods=["POST"]),
              Route("/facilitator", facilitator), Route("/api/room", api_room),
              Route("/api/advance", api_advance, methods=["POST"]), Route("/api/extend", api_extend, methods=["POST"]),
              Route("/api/event", api_event, methods=["POST"]), Route("/screen.png", screen), Route("/log.json", log),
              Route("/debrief", debrief_page)]
    return Starlette(routes=routes)
