"""The planner's report of a comparison (``cogov compare``): tables, figures and text, in
Chinese or English.

Writes ``report.html`` (self-contained: styles inline, figures as embedded PNG, opens offline),
``report.md`` (figures linked from ``figures/``), ``kpis.csv``, ``pilot_effects.csv``,
``spillover.csv``, ``cost_effectiveness.csv``, ``runs.csv`` (one row per run), the figures as
PNG and ``manifest.json`` (scenarios, seeds, versions; enough to rebuild every run). All
numbers come from :mod:`cogov_sim.analysis.compare`; nothing here computes an outcome.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogov_sim.analysis.compare import (
    KPI_BY_NAME,
    KPI_WEEKS,
    KPIS,
    VALUE_FOR_MONEY,
    Comparison,
    adoption_curves,
    cost_effectiveness,
    kpi_table,
    pilot_effects,
    runs_frame,
    spillover,
    trajectories,
)
from cogov_sim.errors import CoGovInputError
from cogov_sim.model.outcomes import OUTCOME_BY_NAME
from cogov_sim.model.pilots import PILOT

LANGS = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Comparing reforms and pilot programmes", "zh": "改革方案与试点方案比较"},
    "meta": {"en": "{n} scenarios{extra_en}, {r} replications each with the same seeds (root seed {seed}): "
                   "{variants} x {r} = {runs} runs in {wall:.0f} s ({executor}). Generated {date} by cogov_sim "
                   "{version}.",
             "zh": "{n} 个方案{extra_zh}，每个各重复 {r} 次，均使用相同的随机种子（根种子 {seed}）：{variants} × {r} = "
                   "{runs} 次运行，用时 {wall:.0f} 秒（{executor}）。由 cogov_sim {version} 于 {date} 生成。"},
    "extra_variants": {"en": " and {k} counterfactual variants the pilots are measured against (the reform nowhere "
                             "and everywhere)",
                       "zh": "及试点评估所需的 {k} 个反事实情景（不实施改革、全面实施改革）"},
    "how": {"en": "How to read this report: every number is a mean across replications with its 95% interval in "
                  "brackets. Replication i of every scenario uses the same random draws, so differences between "
                  "scenarios are paired and their intervals are narrower than the spread of each scenario. KPIs are "
                  "averages over the last {weeks} weeks unless the table says otherwise.",
            "zh": "阅读说明：每个数字是各次重复的平均值，方括号内为 95% 置信区间。各方案的第 i 次重复使用相同的随机抽样，"
                  "因此方案之间的差异是配对比较，区间比单个方案的波动更窄。除另有说明外，指标为最后 {weeks} 周的平均值。"},
    "scenarios": {"en": "Scenarios", "zh": "方案"},
    "kpis": {"en": "Key indicators", "zh": "关键指标"},
    "kpis_note": {"en": "Mean [95% interval]. Breaches: total over the run; adoption and spend: at the end.",
                  "zh": "平均值 [95% 区间]。数据泄露：全程合计；改革覆盖率与投入：期末值。"},
    "diffs": {"en": "Differences from the first scenario ({ref})", "zh": "与第一个方案（{ref}）的差异"},
    "diffs_note": {"en": "Paired differences, mean [95% interval]; bold where the interval excludes zero.",
                   "zh": "配对差异，平均值 [95% 区间]；区间不含零者加粗。"},
    "uncertainty": {"en": "How sure: the model's parameters and chance", "zh": "有多确定：模型参数与随机性"},
    "uncertainty_note": {
        "en": "Each scenario ran under {draws} parameter sets drawn from the calibration's posterior, {per} times each "
              "with seeds of their own (the scenarios share every seed), so the intervals above are intervals of the "
              "mean over the posterior: they narrow with more parameter sets. For each difference from the first "
              "scenario: the share of its run-to-run variance that comes from the parameters (the rest is chance), "
              "the range of the difference over parameter sets (5% to 95% of the sets' means), and the share of "
              "parameter sets under which it is above zero.",
        "zh": "每个方案在从校准后验分布中抽取的 {draws} 组参数下各运行 {per} 次，每次使用各自的随机种子（各方案共用同一种子），"
              "因此上文的区间是后验平均值的区间，参数组越多区间越窄。对与第一个方案的每项差异：其方差中来自参数的比例"
              "（其余来自随机性）、差异在各参数组之间的范围（各组平均值的 5% 至 95%），以及使差异大于零的参数组比例。"},
    "param_range": {"en": "{kpi}: range over sets", "zh": "{kpi}：参数组间范围"},
    "from_params": {"en": "{kpi}: from parameters", "zh": "{kpi}：来自参数"},
    "above_zero": {"en": "{kpi}: sets above 0", "zh": "{kpi}：大于零的参数组"},
    "pilots": {"en": "What the pilots measured, and what is true", "zh": "试点测得的效果与真实效果"},
    "pilots_note": {
        "en": "The measured effect is each pilot's own difference-in-differences evaluation: the change in its "
              "sites minus the change in the comparison communities, over the {window} weeks before the start "
              "and before the end. The true effect is what the model knows and a planner does not: the same "
              "reform everywhere against nowhere, under the same seeds, over the same weeks. Measured = trend gap "
              "+ effect in the sites - spill-over onto the comparison. A single pilot gives one draw from the "
              "range shown; 'wrong sign' is how often one pilot points the other way from the truth.",
        "zh": "测得效果是每个试点自身的双重差分评估：试点社区的变化减去对照社区的变化，比较开始前与结束前各 {window} 周。"
              "真实效果是模型知道而决策者不知道的：在相同随机种子下，同一改革在所有社区实施与不实施之差，时间窗相同。"
              "测得效果 = 趋势差 + 试点社区中的效果 − 对照社区受到的溢出。单个试点只是所示范围中的一次抽样；"
              "“方向相反”指单个试点结论与真实效果方向相反的比例。"},
    "spill": {"en": "Spill-over to neighbouring communities", "zh": "对相邻社区的溢出效应"},
    "spill_note": {
        "en": "Change in non-pilot communities against the reform nowhere, over weeks {weeks}: near = more than "
              "the median share of their ties to other communities reach pilot sites; far = the rest.",
        "zh": "非试点社区相对于“不实施改革”的变化（第 {weeks} 周）：近 = 与试点社区联系占其对外联系的比例高于中位数；"
              "远 = 其余社区。"},
    "money": {"en": "Cost and cost-effectiveness", "zh": "成本与成本效益"},
    "money_note": {
        "en": "Extra spend over the whole run (million CNY) and outcomes gained over the last {weeks} weeks, against "
              "the reference (the same street without the reform for a pilot scenario). Gain per million CNY: "
              "ratio of means, with a paired bootstrap interval; blank when nothing extra was spent.",
        "zh": "全程新增投入（百万元）与最后 {weeks} 周的结果改善，均相对于参照方案（试点方案的参照为不实施改革）。"
              "每百万元改善：均值之比，区间由配对自助法得到；未新增投入时留空。"},
    "figures": {"en": "Figures", "zh": "图表"},
    "fig_traj": {"en": "Outcomes over time (mean and 95% band across replications)",
                 "zh": "主要结果随时间变化（各次重复的平均值与 95% 区间带）"},
    "fig_adopt": {"en": "Adoption of the reform over communities", "zh": "改革在各社区的推广进程"},
    "fig_map": {"en": "Communities on the network, coloured by the week they adopted (replication 1)",
                "zh": "社区网络图，颜色表示采纳改革的周次（第 1 次重复）"},
    "fig_effects": {"en": "Measured pilot effect against the true effect", "zh": "试点测得效果与真实效果对比"},
    "fig_money": {"en": "What each programme buys", "zh": "各方案的投入与收益"},
    "rebuild": {"en": "Rebuilding a run", "zh": "重现任一次运行"},
    "rebuild_text": {"en": "Replication i of every scenario ran with seed i of the list in manifest.json. To rebuild "
                           "one run: cogov run SCENARIO --seed SEED.",
                     "zh": "每个方案的第 i 次重复使用 manifest.json 中种子列表的第 i 个种子。"
                           "重现一次运行：cogov run 方案文件 --seed 种子。"},
    "scenario": {"en": "Scenario", "zh": "方案"},
    "description": {"en": "Description", "zh": "说明"},
    "section": {"en": "Paper section", "zh": "论文章节"},
    "pilot_design": {"en": "Pilot design", "zh": "试点设计"},
    "indicator": {"en": "Indicator", "zh": "指标"},
    "measured": {"en": "Measured", "zh": "测得效果"},
    "ate": {"en": "True, everywhere", "zh": "真实效果（全面实施）"},
    "att": {"en": "True, in the pilot sites", "zh": "真实效果（试点社区）"},
    "in_sites": {"en": "Effect in the sites during the pilot", "zh": "试点期间试点社区中的效果"},
    "placebo": {"en": "Trend gap", "zh": "趋势差"},
    "spill_c": {"en": "Spill-over onto the comparison", "zh": "对照社区受到的溢出"},
    "bias": {"en": "Measured - true", "zh": "测得 − 真实"},
    "one_pilot": {"en": "One pilot's range", "zh": "单个试点的范围"},
    "wrong": {"en": "Wrong sign", "zh": "方向相反"},
    "passed": {"en": "Passed threshold", "zh": "通过阈值"},
    "near": {"en": "Near", "zh": "近"},
    "far": {"en": "Far", "zh": "远"},
    "near_far": {"en": "Near - far", "zh": "近 − 远"},
    "reference": {"en": "Reference", "zh": "参照"},
    "extra_spend": {"en": "Extra spend (M CNY)", "zh": "新增投入（百万元）"},
    "gain": {"en": "{o} gained", "zh": "{o}改善"},
    "per_million": {"en": "{o} per M CNY", "zh": "每百万元{o}改善"},
    "week": {"en": "week", "zh": "周"},
    "adopted_share": {"en": "share of communities adopted", "zh": "已采纳社区比例"},
    "adoption_week": {"en": "week adopted", "zh": "采纳周次"},
    "not_adopted": {"en": "grey: not adopted", "zh": "灰色：未采纳"},
    "pilot_site": {"en": "pilot site (thick outline)", "zh": "试点社区（粗边框）"},
    "single_runs": {"en": "single pilots", "zh": "单个试点"},
    "nowhere": {"en": "reform nowhere", "zh": "不实施改革"},
    "everywhere": {"en": "reform everywhere", "zh": "全面实施改革"},
    "none_pilots": {"en": "No scenario has a pilot programme.", "zh": "没有包含试点方案的情景。"},
    "sites": {"en": "{n} sites ({how}), weeks {a}-{b}, scale-up: {up}",
              "zh": "{n} 个试点社区（{how}），第 {a}-{b} 周，推广方式：{up}"},
    "unit_pp": {"en": "pp", "zh": "个百分点"},
    "unit_points": {"en": "points", "zh": "分"},
    "per_million_unit": {"en": "{u} per M CNY", "zh": "{u}/百万元"},
    "range_to": {"en": "{a} to {b}", "zh": "{a} 至 {b}"},
    "summary": {"en": "In short", "zh": "要点"},
    "finding_best": {"en": "Highest {kpi}: {s} ({v}).", "zh": "{kpi}最高：{s}（{v}）。"},
    "finding_bias": {"en": "{s}: the pilot measured {m} where the reform's true effect everywhere is {t}; "
                           "a single pilot points the wrong way in {w} of replications.",
                     "zh": "{s}：试点测得 {m}，而改革全面实施的真实效果为 {t}；单个试点有 {w} 的重复得出相反方向的结论。"},
    "finding_money": {"en": "Most {o} per million CNY: {s} ({v}).", "zh": "每百万元{o}改善最多：{s}（{v}）。"},
}
SELECT_ZH = {"list": "指定", "random": "随机", "most_in_need": "最需要", "best_connected": "联系最广", "most_able": "条件最好"}
SELECT_EN = {"list": "listed", "random": "random", "most_in_need": "most in need", "best_connected": "best connected",
             "most_able": "best off"}
SCALE_ZH = {"none": "不推广", "mandate": "达标后全面推行", "imitation": "相互效仿扩散"}
SCALE_EN = {"none": "none", "mandate": "mandate if it passes", "imitation": "imitation"}


def executor_text(description: str, lang: str) -> str:
    """Where the runs ran (an executor's description), in ``lang``."""
    if lang != "zh":
        return description
    m = re.fullmatch(r"local process pool, (\d+) workers", description)
    if m:
        return f"本机进程池，{m.group(1)} 个进程"
    if description.startswith("serial"):
        return "本进程串行运行"
    m = re.match(r"Dask cluster at (\S+), (\d+) threads", description)
    if m:
        return f"Dask 集群 {m.group(1)}，{m.group(2)} 个线程"
    m = re.match(r"Dask cluster at (\S+), no workers yet", description)
    if m:
        return f"Dask 集群 {m.group(1)}，工作进程随启动陆续加入"
    return description


def display_names(cmp: Comparison, lang: str) -> dict[str, str]:
    """What a reader sees for each variant's label: a scenario's display name in ``lang``
    (``title`` / ``title_zh``), and for a shared counterfactual what it is."""
    out = {}
    for var in cmp.plan.variants:
        out[var.label] = var.scenario.scenario.display(lang) if var.role == "scenario" else t(var.role, lang)
    shown_twice = {name for name in out.values() if list(out.values()).count(name) > 1}
    for var in cmp.plan.variants:  # two files with one title (a copy renamed): told apart by their names
        if out[var.label] in shown_twice and var.role == "scenario":
            out[var.label] = f"{out[var.label]} ({var.scenario.name})"
    return out


def shown(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``frame`` with its ``scenario`` and ``reference`` columns in display names."""
    cols = {c: frame[c].map(lambda x: names.get(x, x)) for c in ("scenario", "reference") if c in frame}
    return frame.assign(**cols)


def t(key: str, lang: str, **kw: Any) -> str:
    """The text ``key`` in ``lang``, formatted."""
    return TEXT[key][lang].format(**kw)


def outcome_label(name: str, lang: str) -> str:
    o = OUTCOME_BY_NAME[name]
    return o.label_zh if lang == "zh" else o.label_en


def effect_scale(outcome: str, lang: str) -> tuple[float, str]:
    """How an effect on ``outcome`` is shown, in the unit its key indicator is shown in: shares
    (and scores shown in per cent, as satisfaction) as percentage points, 0-1 scales shown out of
    100 as points of 100."""
    k = KPI_BY_NAME.get(outcome)
    if k is not None and k.unit_en == "%":
        return 100.0, t("unit_pp", lang)
    if k is not None and k.unit_en == "0-100":
        return 100.0, t("unit_points", lang)
    unit = OUTCOME_BY_NAME[outcome].unit
    if unit == "share":
        return 100.0, t("unit_pp", lang)
    if unit == "0-1":
        return 100.0, t("unit_points", lang)
    return 1.0, unit


def _unsigned_zero(x: float, digits: int) -> float:
    """``x``, or 0 where it rounds to zero at ``digits``, so that no "-0.00" is shown."""
    return 0.0 if round(float(x), digits) == 0 else float(x)


def fmt(x: float, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{_unsigned_zero(x, digits):,.{digits}f}"


def fmt_ci(m: float, lo: float, hi: float, digits: int = 1, signed: bool = False) -> str:
    if m is None or not np.isfinite(m):
        return "–"
    m = _unsigned_zero(m, digits)
    s = f"{m:+,.{digits}f}" if signed and m != 0 else f"{m:,.{digits}f}"
    if np.isfinite(lo) and np.isfinite(hi):
        s += f" [{_unsigned_zero(lo, digits):,.{digits}f}, {_unsigned_zero(hi, digits):,.{digits}f}]"
    return s


def kpi_digits(name: str) -> int:
    return 0 if name == "backlog" else 2 if name in ("cumulative_spend", "breaches") else 1


# ------------------------------------------------------------------------------------------ tables
NUMERIC = re.compile(r"^[-+–0-9]")


class Table:
    """A table for both outputs: header, rows of strings, and which cells to emphasise."""

    def __init__(self, header: list[str], rows: list[list[str]], bold: set[tuple[int, int]] | None = None):
        self.header, self.rows, self.bold = header, rows, bold or set()

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = []
        for i, row in enumerate(self.rows):
            cells = []
            for j, c in enumerate(row):
                kind = "num" if NUMERIC.match(c) else "text"
                if kind == "num" and " [" in c:  # the interval on a line of its own keeps wide tables narrow
                    mean, interval = c.split(" [", 1)
                    text = f"{html.escape(mean)}<br><span class='ci'>[{html.escape(interval)}</span>"
                else:
                    text = html.escape(c)
                if (i, j) in self.bold:
                    text = f"<b>{text}</b>"
                cells.append(f"<td class='{kind}'>{text}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def markdown(self) -> str:
        def cell(i: int, j: int, c: str) -> str:
            c = c.replace("|", "\\|")
            return f"**{c}**" if (i, j) in self.bold else c

        lines = ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(cell(i, j, c) for j, c in enumerate(row)) + " |" for i, row in enumerate(self.rows)]
        return "\n".join(lines)


def kpi_label(name: str, lang: str) -> str:
    k = KPI_BY_NAME[name]
    return f"{outcome_label(name, lang)} ({k.unit_zh if lang == 'zh' else k.unit_en})"


def kpi_tables(kpis: pd.DataFrame, lang: str) -> tuple[Table, Table | None]:
    scenarios = list(dict.fromkeys(kpis["scenario"]))
    header = [t("scenario", lang)] + [kpi_label(k.name, lang) for k in KPIS]
    rows, diff_rows, bold = [], [], set()
    for i, s in enumerate(scenarios):
        sub = kpis[kpis["scenario"] == s].set_index("kpi")
        rows.append([s] + [fmt_ci(sub.at[k.name, "mean"], sub.at[k.name, "ci_low"], sub.at[k.name, "ci_high"],
                                  kpi_digits(k.name)) for k in KPIS])
        if i == 0:
            continue
        cells = [s]
        for j, k in enumerate(KPIS, start=1):
            d, lo, hi = sub.at[k.name, "diff"], sub.at[k.name, "diff_low"], sub.at[k.name, "diff_high"]
            cells.append(fmt_ci(d, lo, hi, kpi_digits(k.name), signed=True))
            if np.isfinite(lo) and (lo > 0 or hi < 0):
                bold.add((len(diff_rows), j))
        diff_rows.append(cells)
    return Table(header, rows), (Table(header, diff_rows, bold) if diff_rows else None)


def uncertainty_table(kpis: pd.DataFrame, lang: str) -> Table:
    """Per scenario after the first and per KPI: the parameters' share of the variance of its
    difference from the first scenario, and the share of posterior draws under which that
    difference is above zero (a comparison run with ``--posterior``)."""
    scenarios = list(dict.fromkeys(kpis["scenario"]))[1:]
    header = [t("scenario", lang)]
    for k in KPIS:
        header += [t("from_params", lang, kpi=kpi_label(k.name, lang)), t("param_range", lang, kpi=kpi_label(k.name, lang)),
                   t("above_zero", lang, kpi=kpi_label(k.name, lang))]
    rows = []
    for s in scenarios:
        sub = kpis[kpis["scenario"] == s].set_index("kpi")
        cells = [s]
        for k in KPIS:
            share, above = sub.at[k.name, "parameter_share"], sub.at[k.name, "draws_above_zero"]
            span = t("range_to", lang, a=fmt(sub.at[k.name, "draw_low"], kpi_digits(k.name)),
                     b=fmt(sub.at[k.name, "draw_high"], kpi_digits(k.name)))
            cells += ["–" if not np.isfinite(share) else fmt(100 * share, 0) + "%", span, fmt(100 * above, 0) + "%"]
        rows.append(cells)
    return Table(header, rows)


def pilot_table(effects: pd.DataFrame, lang: str) -> Table:
    header = [t("scenario", lang), t("indicator", lang), t("measured", lang), t("ate", lang), t("att", lang),
              t("in_sites", lang), t("placebo", lang), t("spill_c", lang), t("bias", lang), t("one_pilot", lang),
              t("wrong", lang), t("passed", lang)]
    rows = []
    for _, e in effects.iterrows():
        sc, unit = effect_scale(e["outcome"], lang)

        def ci(key: str, e=e, sc=sc) -> str:
            return fmt_ci(e[key] * sc, e[f"{key}_low"] * sc, e[f"{key}_high"] * sc, 2, signed=True)

        rows.append([e["scenario"], f"{outcome_label(e['outcome'], lang)} ({unit})", ci("measured"), ci("ate"),
                     ci("att"), ci("in_sites"), ci("placebo"), ci("spill"), ci("bias"),
                     t("range_to", lang, a=fmt(e["single_low"] * sc, 2), b=fmt(e["single_high"] * sc, 2)),
                     fmt(100 * e["wrong_sign_share"], 0) + "%",
                     "–" if not np.isfinite(e["passed_share"]) else fmt(100 * e["passed_share"], 0) + "%"])
    return Table(header, rows)


def spill_table(spill: pd.DataFrame, lang: str) -> Table:
    header = [t("scenario", lang), t("indicator", lang), t("near", lang), t("far", lang), t("near_far", lang)]
    rows = []
    for _, e in spill.iterrows():
        sc, unit = effect_scale(e["outcome"], lang)
        rows.append([e["scenario"], f"{outcome_label(e['outcome'], lang)} ({unit})"]
                    + [fmt_ci(e[k] * sc, e[f"{k}_low"] * sc, e[f"{k}_high"] * sc, 2, signed=True)
                       for k in ("near", "far", "near_minus_far")])
    return Table(header, rows)


def money_table(money: pd.DataFrame, lang: str) -> Table:
    header = [t("scenario", lang), t("reference", lang), t("extra_spend", lang)]
    for name in VALUE_FOR_MONEY:
        _, unit = effect_scale(name, lang)
        o = outcome_label(name, lang)
        header += [f"{t('gain', lang, o=o)} ({unit})",
                   f"{t('per_million', lang, o=o)} ({t('per_million_unit', lang, u=unit)})"]
    rows = []
    for _, e in money.iterrows():
        row = [e["scenario"], e["reference"], fmt_ci(e["extra_spend"], e["extra_spend_low"], e["extra_spend_high"], 3)]
        for name in VALUE_FOR_MONEY:
            sc, _ = effect_scale(name, lang)
            row.append(fmt_ci(e[f"{name}_gain"] * sc, e[f"{name}_gain_low"] * sc, e[f"{name}_gain_high"] * sc, 2,
                              signed=True))
            p = f"{name}_per_million"
            row.append(fmt_ci(e[p] * sc, e[f"{p}_low"] * sc, e[f"{p}_high"] * sc, 1, signed=True))
        rows.append(row)
    return Table(header, rows)


def scenario_table(cmp: Comparison, lang: str) -> Table:
    rows = []
    for v in cmp.scenario_variants():
        s = cmp.plan.variants[v].scenario
        designs = []
        for pl in s.pilots:
            how = (SELECT_ZH if lang == "zh" else SELECT_EN)[pl.select]
            up = (SCALE_ZH if lang == "zh" else SCALE_EN)[pl.scale_up]
            text = t("sites", lang, n=pl.n_sites(s.space.communities), how=how, a=pl.start, b=pl.end - 1, up=up)
            designs.append((f"{pl.label}: " if len(s.pilots) > 1 and lang != "zh" else "") + text)
        text = (s.scenario.description_zh if lang == "zh" else "") or s.scenario.description
        rows.append([s.scenario.display(lang), text, s.scenario.paper_section,
                     ("；" if lang == "zh" else "; ").join(designs) or "–"])
    return Table([t("scenario", lang), t("description", lang), t("section", lang), t("pilot_design", lang)], rows)


def findings(kpis: pd.DataFrame, effects: pd.DataFrame, money: pd.DataFrame, lang: str) -> list[str]:
    """A few sentences a planner reads first, drawn from the tables."""
    out = []
    for name in ("participation_rate", "resolution_rate", "satisfaction"):
        sub = kpis[kpis["kpi"] == name]
        if len(sub) > 1:
            best = sub.loc[sub["mean"].idxmax()]
            k = KPI_BY_NAME[name]
            out.append(t("finding_best", lang, kpi=outcome_label(name, lang), s=best["scenario"],
                         v=f"{fmt_ci(best['mean'], best['ci_low'], best['ci_high'], 1)} "
                           f"{k.unit_zh if lang == 'zh' else k.unit_en}"))
    for _, e in effects.iterrows():
        sc, unit = effect_scale(e["outcome"], lang)
        out.append(t("finding_bias", lang, s=e["scenario"],
                     m=f"{fmt_ci(e['measured'] * sc, e['measured_low'] * sc, e['measured_high'] * sc, 2, True)} {unit}",
                     t=f"{fmt_ci(e['ate'] * sc, e['ate_low'] * sc, e['ate_high'] * sc, 2, True)} {unit}",
                     w=fmt(100 * e["wrong_sign_share"], 0) + "%"))
    if len(money):
        name = VALUE_FOR_MONEY[0]
        col = f"{name}_per_million"
        ok = money[np.isfinite(money[col])]
        if len(ok):
            best = ok.loc[ok[col].idxmax()]
            sc, unit = effect_scale(name, lang)
            out.append(t("finding_money", lang, o=outcome_label(name, lang), s=best["scenario"],
                         v=f"{fmt_ci(best[col] * sc, best[col + '_low'] * sc, best[col + '_high'] * sc, 1, True)} "
                           f"{t('per_million_unit', lang, u=unit)}"))
    return out


# ----------------------------------------------------------------------------------------- figures
TRAJECTORY_KPIS = ("participation_rate", "mean_trust", "resolution_rate", "satisfaction")


def _variant_name(cmp: Comparison, v: int, lang: str) -> str:
    return display_names(cmp, lang)[cmp.plan.variants[v].label]


def figure_trajectories(cmp: Comparison, lang: str):
    """Small multiples: one row per indicator, one column per scenario, each panel that scenario's
    mean and 95% band, over the first scenario's mean (grey) and, for a pilot scenario, the
    reform nowhere (dotted) and everywhere (dashed); the same y range along a row."""
    import matplotlib.pyplot as plt

    from cogov_sim.present.plots import font_rc, smooth

    columns = cmp.scenario_variants()
    names = display_names(cmp, lang)
    with plt.rc_context(font_rc(lang)):
        fig, axes = plt.subplots(len(TRAJECTORY_KPIS), len(columns), figsize=(3.2 * len(columns) + 1.5, 10.5),
                                 sharex=True, sharey="row", squeeze=False, constrained_layout=True)
        colours = plt.get_cmap("tab10")
        for row, name in enumerate(TRAJECTORY_KPIS):
            traj = trajectories(cmp, name)
            top = KPI_BY_NAME[name].scale if KPI_BY_NAME[name].bounded else None
            for col, v in enumerate(columns):
                ax = axes[row, col]
                m, lo, hi = traj[v]
                weeks = np.arange(1, m.size + 1)
                lo, hi = (np.clip(lo, 0.0, top), np.clip(hi, 0.0, top)) if top else (lo, hi)
                if col > 0:
                    ax.plot(weeks, smooth(traj[columns[0]][0]), color="0.55", lw=1.2,
                            label=f"{t('reference', lang)}{'：' if lang == 'zh' else ': '}{names[cmp.label(columns[0])]}")
                for role, style in (("nowhere", ":"), ("everywhere", "--")):
                    other = getattr(cmp.plan, role).get(v)
                    if other is not None:
                        ax.plot(weeks, smooth(traj[other][0]), color="0.3", ls=style, lw=1.2, label=t(role, lang))
                ax.fill_between(weeks, smooth(lo), smooth(hi), color=colours(col % 10), alpha=0.25, lw=0)
                ax.plot(weeks, smooth(m), color=colours(col % 10), lw=1.8, label=names[cmp.label(v)])
                if row == 0:
                    ax.set_title(names[cmp.label(v)], fontsize=10)
                if col == 0:
                    ax.set_ylabel(kpi_label(name, lang), fontsize=9)
                if row == len(TRAJECTORY_KPIS) - 1:
                    ax.set_xlabel(t("week", lang))
                ax.grid(alpha=0.3)
        handles = {}
        for ax in axes.flat:
            for h, text in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(text, h)
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=min(6, len(handles)),
                   fontsize=9)
        fig.suptitle(t("fig_traj", lang), fontsize=13)
    return fig


def figure_adoption(cmp: Comparison, lang: str):
    import matplotlib.pyplot as plt

    from cogov_sim.present.plots import font_rc

    curves = adoption_curves(cmp)
    with plt.rc_context(font_rc(lang)):
        fig, ax = plt.subplots(figsize=(9, 5), constrained_layout=True)
        colours = plt.get_cmap("tab10")
        for i, v in enumerate(cmp.scenario_variants()):
            if v not in curves:
                continue
            m, lo, hi = curves[v]
            lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)  # a share of communities stays within 0-100%
            weeks = np.arange(1, m.size + 1)
            ax.step(weeks, 100 * m, where="post", color=colours(i % 10), label=display_names(cmp, lang)[cmp.label(v)])
            ax.fill_between(weeks, 100 * lo, 100 * hi, step="post", color=colours(i % 10), alpha=0.15, lw=0)
        ax.set_ylim(-2, 102)
        ax.set_xlabel(t("week", lang))
        ax.set_ylabel(t("adopted_share", lang) + " (%)")
        ax.set_title(t("fig_adopt", lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return fig


def community_layout(links: np.ndarray, seed: int) -> np.ndarray:
    """Positions of communities for the map: a seeded force layout of the community graph,
    edges weighted by the ties between communities."""
    import networkx as nx

    k = links.shape[0]
    g = nx.Graph()
    g.add_nodes_from(range(k))
    w = np.asarray(links, dtype=float).copy()
    np.fill_diagonal(w, 0.0)
    top = w.max() if w.size and w.max() > 0 else 1.0
    for a, b in zip(*np.nonzero(np.triu(w)), strict=True):
        g.add_edge(int(a), int(b), weight=w[a, b] / top)
    pos = nx.spring_layout(g, weight="weight", seed=seed % (2**32))
    return np.array([pos[i] for i in range(k)])


def figure_map(cmp: Comparison, lang: str):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from cogov_sim.present.plots import font_rc

    pilot_vs = [v for v in cmp.scenario_variants() if cmp.plan.variants[v].scenario.pilots]
    first = cmp.runs[pilot_vs[0], 0]
    links = first["links"]
    pos = community_layout(links, cmp.seeds[0])
    sizes = first["sizes"].astype(float)
    w = links.astype(float).copy()
    np.fill_diagonal(w, 0)
    a, b = np.nonzero(np.triu(w))
    widths = 0.3 + 3.0 * w[a, b] / max(w.max(), 1.0)
    steps = max(len(cmp.runs[v, 0]["series"]["adopted"]) for v in pilot_vs)
    cols = min(3, len(pilot_vs))
    rows = int(np.ceil(len(pilot_vs) / cols))
    with plt.rc_context(font_rc(lang)):
        fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols + 1.2, 4.4 * rows), squeeze=False,
                                 constrained_layout=True)
        cmap = plt.get_cmap("viridis")
        norm = plt.Normalize(1, steps)
        for ax, v in zip(axes.flat, pilot_vs, strict=False):
            run = cmp.runs[v, 0]
            ax.add_collection(LineCollection(np.stack([pos[a], pos[b]], axis=1), linewidths=widths, colors="0.75",
                                             zorder=1))
            adopted = run["adopted_at"] >= 0
            colours = np.where(adopted[:, None], cmap(norm(np.maximum(run["adopted_at"], 1))), (0.85, 0.85, 0.85, 1.0))
            edge = np.where(run["reason"] == PILOT, 3.0, 0.8)
            ax.scatter(pos[:, 0], pos[:, 1], s=120 + 900 * sizes / sizes.max(), c=colours, edgecolors="black",
                       linewidths=edge, zorder=2)
            for i, (x, y) in enumerate(pos):
                ax.annotate(str(i), (x, y), ha="center", va="center", fontsize=7, zorder=3,
                            color="white" if adopted[i] else "black")
            ax.set_title(display_names(cmp, lang)[cmp.label(v)], fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.margins(0.12)
        for ax in list(axes.flat)[len(pilot_vs):]:
            ax.axis("off")
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=axes, shrink=0.8, label=t("adoption_week", lang))
        fig.suptitle(f"{t('fig_map', lang)}\n{t('not_adopted', lang)} · {t('pilot_site', lang)}", fontsize=11)
    return fig


def figure_effects(cmp: Comparison, effects: pd.DataFrame, lang: str):
    import matplotlib.pyplot as plt

    from cogov_sim.present.plots import font_rc

    with plt.rc_context(font_rc(lang)):
        fig, ax = plt.subplots(figsize=(10, 1.2 + 0.9 * len(effects)), constrained_layout=True)
        for i, (_, e) in enumerate(effects.iterrows()):
            sc, unit = effect_scale(e["outcome"], lang)
            y = len(effects) - 1 - i
            runs = np.asarray(e["measured_runs"]) * sc
            jitter = np.linspace(-0.15, 0.15, runs.size) if runs.size else runs
            ax.scatter(runs, y + 0.18 + jitter * 0.3, s=10, color="tab:blue", alpha=0.35,
                       label=t("single_runs", lang) if i == 0 else None)
            ax.errorbar(e["measured"] * sc, y + 0.1, xerr=[[sc * (e["measured"] - e["measured_low"])],
                                                          [sc * (e["measured_high"] - e["measured"])]],
                        fmt="o", color="tab:blue", capsize=4, label=t("measured", lang) if i == 0 else None)
            ax.errorbar(e["ate"] * sc, y - 0.15, xerr=[[sc * (e["ate"] - e["ate_low"])],
                                                      [sc * (e["ate_high"] - e["ate"])]],
                        fmt="D", color="tab:red", capsize=4, label=t("ate", lang) if i == 0 else None)
            ax.scatter(e["att"] * sc, y - 0.15, marker="x", color="black", zorder=3,
                       label=t("att", lang) if i == 0 else None)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_yticks(range(len(effects)), list(effects["scenario"])[::-1])
        outcome = effects["outcome"].iloc[0]
        ax.set_xlabel(f"{outcome_label(outcome, lang)} ({effect_scale(outcome, lang)[1]})")
        ax.set_title(t("fig_effects", lang))
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="best")
    return fig


def figure_money(money: pd.DataFrame, lang: str):
    import matplotlib.pyplot as plt

    from cogov_sim.present.plots import font_rc

    name = VALUE_FOR_MONEY[0]
    sc, unit = effect_scale(name, lang)
    with plt.rc_context(font_rc(lang)):
        fig, ax = plt.subplots(figsize=(8, 5.5), constrained_layout=True)
        colours = plt.get_cmap("tab10")
        for i, (_, e) in enumerate(money.iterrows()):
            g, glo, ghi = e[f"{name}_gain"] * sc, e[f"{name}_gain_low"] * sc, e[f"{name}_gain_high"] * sc
            ax.errorbar(e["extra_spend"], g, xerr=[[e["extra_spend"] - e["extra_spend_low"]],
                                                   [e["extra_spend_high"] - e["extra_spend"]]],
                        yerr=[[g - glo], [ghi - g]], fmt="o", capsize=4, color=colours(i % 10), label=e["scenario"])
        ax.axhline(0, color="0.5", lw=0.8)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_xlabel(t("extra_spend", lang))
        ax.set_ylabel(f"{t('gain', lang, o=outcome_label(name, lang))} ({unit})")
        ax.set_title(t("fig_money", lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return fig


# ------------------------------------------------------------------------------------------ writing
def _png(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.drop(columns=[c for c in ("measured_runs",) if c in df.columns]).to_csv(path, index=False, float_format="%.6g")


CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"Helvetica Neue",Arial,sans-serif;margin:2rem auto;max-width:1360px;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.7rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25rem .45rem;vertical-align:top}
th{background:#f1f3f6;text-align:left;min-width:5rem}td.num{text-align:right;white-space:nowrap}
td.text{text-align:left;min-width:8rem}td:first-child{white-space:nowrap}.ci{color:#666;font-size:.92em}
.note{color:#555;font-size:.9rem}figure{margin:1.2rem 0}img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9rem}.findings li{margin:.2rem 0}
"""


def write_report(cmp: Comparison, out: Path, *, lang: str = "en", argv: list[str] | None = None) -> Path:
    """Write the report and its data into ``out`` (new or empty), atomically; returns ``out``."""
    from cogov_sim.experiments.runner import atomic_folder, check_new_folder, versions

    if lang not in LANGS:
        raise CoGovInputError(f"'{lang}' is not a language; allowed: {', '.join(LANGS)}", key="--lang")
    check_new_folder(out)
    kpis, effects, spill, money = kpi_table(cmp), pilot_effects(cmp), spillover(cmp), cost_effectiveness(cmp)
    names = display_names(cmp, lang)  # the tables on disk keep labels; the reader sees display names
    with atomic_folder(out) as tmp:
        (tmp / "figures").mkdir()
        figures: list[tuple[str, str]] = [("trajectories.png", t("fig_traj", lang))]
        _png(figure_trajectories(cmp, lang), tmp / "figures" / "trajectories.png")
        if cmp.plan.nowhere:
            _png(figure_adoption(cmp, lang), tmp / "figures" / "adoption.png")
            _png(figure_map(cmp, lang), tmp / "figures" / "network_map.png")
            figures += [("adoption.png", t("fig_adopt", lang)), ("network_map.png", t("fig_map", lang))]
        if len(effects):
            _png(figure_effects(cmp, shown(effects, names), lang), tmp / "figures" / "pilot_effects.png")
            figures.append(("pilot_effects.png", t("fig_effects", lang)))
        if len(money):
            _png(figure_money(shown(money, names), lang), tmp / "figures" / "cost_effectiveness.png")
            figures.append(("cost_effectiveness.png", t("fig_money", lang)))
        _csv(kpis, tmp / "kpis.csv")
        _csv(effects, tmp / "pilot_effects.csv")
        _csv(spill, tmp / "spillover.csv")
        _csv(money, tmp / "cost_effectiveness.csv")
        runs_frame(cmp).to_csv(tmp / "runs.csv", index=False, float_format="%.6g")
        manifest = build_manifest(cmp, versions(), argv)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str),
                                           encoding="utf-8")
        sections = _sections(cmp, shown(kpis, names), shown(effects, names), shown(spill, names), shown(money, names),
                             lang, manifest)
        (tmp / "report.md").write_text(_markdown(sections, figures, lang), encoding="utf-8")
        (tmp / "report.html").write_text(_html(sections, figures, tmp / "figures", lang), encoding="utf-8")
    return out


def build_manifest(cmp: Comparison, versions: dict[str, str], argv: list[str] | None) -> dict[str, Any]:
    from cogov_sim.experiments.runner import git_commit

    return {
        "format": "cogov-compare/1",
        "root_seed": cmp.seed,
        "replication_seeds": cmp.seeds,
        "posterior_draws": cmp.draws,
        "draw_of_replication": cmp.draw_of,
        "variants": [{"label": v.label, "role": v.role, "scenario": v.scenario.to_dict()} for v in cmp.plan.variants],
        "nowhere": {cmp.label(k): cmp.label(v) for k, v in cmp.plan.nowhere.items()},
        "everywhere": {cmp.label(k): cmp.label(v) for k, v in cmp.plan.everywhere.items()},
        "kpi_weeks": KPI_WEEKS,
        "versions": versions,
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(cmp.wall_s, 2),
        "executor": cmp.executor,
        "command": argv,
        "rebuild": "cogov run <scenario file> --seed <replication seed>",
    }


def _sections(cmp: Comparison, kpis, effects, spill, money, lang: str, manifest) -> list[tuple[str, list]]:
    """The report as (heading, [paragraph str | Table | list of str]) in order."""
    n_runs = len(cmp.runs)
    n_scen, n_var = len(cmp.scenario_variants()), len(cmp.plan.variants)
    extra = t("extra_variants", lang, k=n_var - n_scen) if n_var > n_scen else ""
    meta = t("meta", lang, n=n_scen, extra_en=extra, extra_zh=extra, variants=n_var, r=cmp.replications,
             seed=cmp.seed, runs=n_runs, wall=cmp.wall_s, executor=executor_text(cmp.executor, lang),
             date=manifest["created"][:10], version=manifest["versions"].get("cogov_sim", ""))
    main, diffs = kpi_tables(kpis, lang)
    out: list[tuple[str, list]] = [
        ("", [meta, t("how", lang, weeks=KPI_WEEKS)]),
        (t("summary", lang), [findings(kpis, effects, money, lang)]),
        (t("scenarios", lang), [scenario_table(cmp, lang)]),
        (t("kpis", lang), [t("kpis_note", lang), main]),
    ]
    if diffs is not None:
        ref = display_names(cmp, lang)[cmp.label(cmp.scenario_variants()[0])]
        out.append((t("diffs", lang, ref=ref), [t("diffs_note", lang), diffs]))
    if cmp.draws and diffs is not None:
        out.append((t("uncertainty", lang), [t("uncertainty_note", lang, draws=len(cmp.draws),
                                                per=cmp.replications // len(cmp.draws)), uncertainty_table(kpis, lang)]))
    if len(effects):
        window = int(cmp.plan.variants[cmp.scenario_variants()[0]].scenario.pilots[0].window) \
            if cmp.plan.variants[cmp.scenario_variants()[0]].scenario.pilots else 13
        out.append((t("pilots", lang), [t("pilots_note", lang, window=window), pilot_table(effects, lang)]))
    elif not cmp.plan.nowhere:
        out.append((t("pilots", lang), [t("none_pilots", lang)]))
    if len(spill):
        out.append((t("spill", lang), [t("spill_note", lang, weeks=spill["weeks"].iloc[0]), spill_table(spill, lang)]))
    if len(money):
        out.append((t("money", lang), [t("money_note", lang, weeks=KPI_WEEKS), money_table(money, lang)]))
    seeds = ", ".join(str(s) for s in cmp.seeds[:5]) + (" …" if len(cmp.seeds) > 5 else "")
    out.append((t("rebuild", lang), [t("rebuild_text", lang) + f" ({seeds})"]))
    return out


def _markdown(sections, figures, lang: str) -> str:
    lines = [f"# {t('title', lang)}", ""]
    for heading, parts in sections:
        if heading:
            lines += [f"## {heading}", ""]
        for part in parts:
            if isinstance(part, Table):
                lines.append(part.markdown())
            elif isinstance(part, list):
                lines += [f"- {x}" for x in part]
            else:
                lines.append(part)
            lines.append("")
    lines += [f"## {t('figures', lang)}", ""]
    for name, caption in figures:
        lines += [f"![{caption}](figures/{name})", "", f"*{caption}*", ""]
    return "\n".join(lines)


def _html(sections, figures, folder: Path, lang: str) -> str:
    body = [f"<h1>{html.escape(t('title', lang))}</h1>"]
    for heading, parts in sections:
        if heading:
            body.append(f"<h2>{html.escape(heading)}</h2>")
        for part in parts:
            if isinstance(part, Table):
                body.append(part.html())
            elif isinstance(part, list):
                body.append("<ul class='findings'>" + "".join(f"<li>{html.escape(x)}</li>" for x in part) + "</ul>")
            else:
                body.append(f"<p class='note'>{html.escape(part)}</p>")
    body.append(f"<h2>{html.escape(t('figures', lang))}</h2>")
    for name, caption in figures:
        data = base64.b64encode((folder / name).read_bytes()).decode("ascii")
        body.append(f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f"<!DOCTYPE html>\n<html lang='{html_lang}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(t('title', lang))}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")
