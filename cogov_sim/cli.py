"""The ``cogov`` command line.

Bad input (a scenario file, an override, an argument) prints one line, ``error: ...``, that
names the file, the key and what is allowed, and exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from cogov_sim.errors import CoGovInputError

#: Outcomes ``cogov run`` prints, with their format; ``pp``: a difference of two shares, printed
#: in percentage points.
SUMMARY = (
    ("participation_rate", "{:.1%}"), ("participation_gap_age", "pp"), ("online_gap_age", "pp"),
    ("mean_trust", "{:.3f}"), ("resolution_rate", "{:.1%}"), ("satisfaction", "{:.1%}"),
    ("responsiveness", "{:.3f}"), ("backlog", "{:.0f}"), ("unreported_issues", "{:.0f}"),
    ("awareness", "{:.1%}"), ("volunteer_rate", "{:.1%}"), ("privacy_concern", "{:.3f}"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2
        self.exit(2, f"error: {self.prog}: {message}\n")


def resolve_scenario_path(name: str) -> Path:
    """A scenario given as a path, or by name (``baseline`` or ``pilots/01_random_sites``) in
    ./scenarios/ or among the shipped scenarios, in that order."""
    from cogov_sim.model.scenario import find_named_file

    return find_named_file(name, "scenarios", "scenario")


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    from cogov_sim.model.scenario import parse_override

    values: dict[str, object] = dict(parse_override(s) for s in args.set or [])
    if getattr(args, "seed", None) is not None:
        values["run.seed"] = args.seed
    if getattr(args, "steps", None) is not None:
        values["run.steps"] = args.steps
    return values


def cmd_run(args: argparse.Namespace) -> int:
    from cogov_sim.experiments.runner import run_scenario
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.present.plots import DASHBOARD_WIDTH, write_figures

    path = resolve_scenario_path(args.scenario)
    scenario = load_scenario(path, _overrides(args))
    out = Path(args.out) if args.out else None
    if args.figure_width is not None and not 640 <= args.figure_width <= 7680:
        raise CoGovInputError(f"{args.figure_width}; allowed: 640 to 7680 pixels", key="--figure-width")
    figures = functools.partial(write_figures, lang=args.lang, width=args.figure_width or DASHBOARD_WIDTH)
    result = run_scenario(scenario, out_dir=out, progress=not args.quiet, figures=figures, argv=sys.argv)
    ts = result.timeseries
    first = ts.head(13)
    last = ts.tail(13)
    net = result.manifest["network"]  # what the model built (a file network decides its own size)
    zh = args.lang == "zh"
    title = scenario.scenario.display(args.lang)
    if scenario.name not in title:  # the file's name once, for finding it again
        title = f"{title}（{scenario.name}）" if zh else f"{title} ({scenario.name})"
    if zh:
        print(f"{title}：居民 {net['residents']:,} 人，社区 {net['communities']} 个，"
              f"{len(ts)} 周，种子 {scenario.run.seed}，模型用时 {result.manifest['model_time_s']:.2f} 秒")
    else:
        print(f"{title}: {net['residents']:,} residents, {net['communities']} communities, "
              f"{len(ts)} weeks, seed {scenario.run.seed}, model time {result.manifest['model_time_s']:.2f} s")
    head = ("指标", "最初 13 周", "最后 13 周") if zh else ("outcome", "first 13 weeks", "last 13 weeks")
    print(f"{_pad(head[0], 28)} {_pad(head[1], 15, right=True)} {_pad(head[2], 15, right=True)}")
    for name, fmt in SUMMARY:
        shown = _label(name, args.lang)
        values = [_show(part[name].mean(), fmt, args.lang) for part in (first, last)]
        print(f"{_pad(shown, 28)} {_pad(values[0], 15, right=True)} {_pad(values[1], 15, right=True)}")
    print(f"{_pad('数据泄露（合计，次）' if zh else 'Breaches (total)', 28)} {'':>15s} {ts['breaches'].sum():>15.0f}")
    print(f"{_pad('支出（合计，百万元）' if zh else 'Spend (million CNY, total)', 28)} {'':>15s} "
          f"{ts['spend'].sum() / 1e6:>15.2f}")
    if zh:
        print("年龄差为 60 岁及以上居民减去 18-39 岁居民的参与率（单位：百分点）：小于 0 表示老年居民参与更少。")
        print(f"结果：{result.out_dir}（cogov describe {result.out_dir} 说明每一列的含义）")
    else:
        print("pp: percentage points. Age gaps are residents aged 60+ minus those aged 18-39: below 0, older "
              "residents take part less.")
        print(f"results: {result.out_dir}  (cogov describe {result.out_dir} says what each column holds)")
    return 0


def _label(name: str, lang: str) -> str:
    """An outcome's label in ``lang``, as the figures name it (the table's column is in
    ``cogov describe``)."""
    from cogov_sim.model.outcomes import OUTCOME_BY_NAME

    return OUTCOME_BY_NAME[name].label_zh if lang == "zh" else OUTCOME_BY_NAME[name].label_en


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two), on the right or,
    with ``right``, on the left."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill


def _show(value: float, fmt: str, lang: str = "en") -> str:
    """A value as the run summary prints it (``pp``: a share difference in percentage points)."""
    if fmt == "pp":
        return f"{100.0 * value:+.1f} 个百分点" if lang == "zh" else f"{100.0 * value:+.1f} pp"
    return fmt.format(value)


def cmd_describe(args: argparse.Namespace) -> int:
    from cogov_sim.experiments.tables import describe_file, table_name

    path = Path(args.results)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.parquet"))
        for sub in ("runs", "steps"):  # a sweep: one part of each dataset holds the schema
            part = next(iter(sorted((path / sub).glob("part-*.parquet"))), None) if (path / sub).is_dir() else None
            if part is not None:
                files.append(part)
    else:
        raise CoGovInputError("no such file or folder; allowed: a run's or a sweep's results folder, or a Parquet "
                              "file", source=str(path), key="RESULTS")
    if not files:
        raise CoGovInputError("holds no Parquet tables; allowed: a run's or a sweep's results folder, or a Parquet "
                              "file", source=str(path), key="RESULTS")
    for f in files:
        try:
            rows, table = describe_file(f), table_name(f)
        except Exception as exc:  # not Parquet, cut off
            raise CoGovInputError(f"is not a readable Parquet file ({exc.__class__.__name__}); allowed: a table "
                                  "written by cogov", source=str(f), key="RESULTS") from None
        shown = f.relative_to(path) if f != path else f
        zh = args.lang == "zh"
        if table:
            what = f"（{table}，{len(rows)} 列）" if zh else f" ({table}, {len(rows)} columns)"
        else:
            what = f"（{len(rows)} 列；不是 cogov 写出的表，没有说明）" if zh else \
                f" ({len(rows)} columns; not written by cogov, so undescribed)"
        print(f"{shown}{what}")
        for r in rows:
            label = r["label_zh"] if zh and r["label_zh"] else r["label_en"]
            unit = r["unit"] or "?"
            text = r["description"] or ("（无说明）" if zh else "(no description)")
            print(f"  {r['column']:34s} {unit:24s} {label + ': ' if label else ''}{text}")
    return 0


def plausible_text(spec) -> str:
    """A parameter's plausible range and why, as ``cogov params`` and docs/odd.md show it ("" for
    one without: names, switches, the seed)."""
    if spec.plausible is None:
        return ""
    lo, hi = spec.plausible
    each = "each " if spec.type is tuple else ""
    return f"{each}{lo:g} to {hi:g}: {spec.why}"


def cmd_params(args: argparse.Namespace) -> int:
    from cogov_sim.model.parameters import parameter_specs

    specs = {key: spec for key, spec in parameter_specs().items() if spec.lever or not args.levers}
    if args.markdown:  # the table of docs/odd.md, section 8
        print("| parameter | default | unit | allowed | plausible range and why | source or reason |")
        print("|---|---|---|---|---|---|")
    for key, spec in specs.items():
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        plausible = plausible_text(spec)
        if args.markdown:
            cells = (f"`{key}`", f"`{default!r}`", spec.unit, spec.describe_allowed(), plausible or "-",
                     f"{spec.doc} *{spec.source}*")
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            continue
        range_text = f" Plausible: {plausible}." if plausible else ""
        print(f"{key} = {default!r}  [{spec.unit}] {spec.describe_allowed()}. {spec.doc}{range_text} "
              f"Source: {spec.source}")
    return 0


#: Headings of ``cogov scenarios``, by subfolder ("" is the top level), in English and Chinese.
LISTING = {
    ("scenarios", ""): ("Scenarios (cogov run NAME)", "情景（cogov run 名称）"),
    ("scenarios", "pilots"): ("Pilot designs (cogov compare NAME ...)", "试点方案（cogov compare 名称 ...）"),
    ("scenarios", "docking"): ("Docking cases (cogov validate)", "对接检验案例（cogov validate）"),
    ("scenarios", "calibration"): ("Calibration scenarios (cogov validate --patterns)",
                                   "校准情景（cogov validate --patterns）"),
    ("experiments", ""): ("Experiments (cogov sweep NAME)", "实验（cogov sweep 名称）"),
    "other": ("Scenarios in {sub}/", "{sub}/ 中的情景"),
    "own": ("* your own, in ./scenarios/ or ./experiments/: used before a shipped file of the same name",
            "* 你自己的文件，位于 ./scenarios/ 或 ./experiments/：优先于随软件包提供的同名文件"),
    "replaces": ("(replaces the shipped one)", "（替代随附的同名文件）"),
    "shipped": ("shipped with cogov_sim in: {where}", "随软件包提供的文件位于：{where}"),
}


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenarios and experiments that can be given by name, with their descriptions."""
    from cogov_sim.model.shipped import entries, shipped_folder

    langs = (0, 1) if args.lang is None else ((0,) if args.lang == "en" else (1,))

    def say(text: tuple[str, str], **kw: str) -> str:
        return " · ".join(text[i].format(**kw) for i in langs)

    groups: dict[tuple[str, str], list] = {}
    for folder in ("scenarios", "experiments"):
        for e in entries(folder):
            groups.setdefault((folder, e.name.rpartition("/")[0]), []).append(e)
    width = max((len(e.name) for es in groups.values() for e in es), default=0) + 2
    order = [k for k in LISTING if isinstance(k, tuple)]
    any_own = False
    for key, es in sorted(groups.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order),
                                                         kv[0])):
        print(say(LISTING.get(key) or LISTING["other"], sub=key[1]))
        for e in es:
            any_own |= e.own
            en, zh = e.descriptions()
            texts = list(dict.fromkeys([en or zh, zh or en][i] for i in langs))
            if e.replaces_shipped:
                texts[0] += " " + say(LISTING["replaces"])
            print(f"{'*' if e.own else ' '} {e.name:{width}s}{texts[0]}".rstrip())
            for more in texts[1:]:
                print(f"  {'':{width}s}{more}")
        print()
    if any_own:
        print(say(LISTING["own"]))
    where = ", ".join(str(f) for f in (shipped_folder("scenarios"), shipped_folder("experiments")) if f)
    print(say(LISTING["shipped"], where=where) if len(langs) == 1 else LISTING["shipped"][0].format(where=where))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from cogov_sim.experiments.design import load_experiment, resolve_experiment_path
    from cogov_sim.experiments.executors import make_executor
    from cogov_sim.experiments.sweep import check_folder, parse_shard, run_sweep

    exp = load_experiment(resolve_experiment_path(args.experiment))
    draws = _posterior_draws(args, exp.seed, [exp.base.with_values(exp.points()[1][0])])
    if draws:
        import dataclasses

        exp = dataclasses.replace(exp, posterior=tuple(draws))
    shard = parse_shard(args.shard)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / exp.name
    n_runs = len(exp.runs())
    check_folder(exp, out, resume=args.resume, shard=shard)
    executor = make_executor(args.workers, args.scheduler)
    try:
        under = f" x {exp.draws} posterior parameter sets" if exp.posterior else ""
        print(f"{exp.name}: {exp.design.kind} design, {n_runs // exp.runs_per_point} points{under} x "
              f"{exp.replications} replications = {n_runs} runs{f', shard {shard[0]}/{shard[1]}' if shard else ''}; "
              f"{executor.description}; results in {out}", file=sys.stderr)
        report = run_sweep(exp, out, executor=executor, shard=shard, resume=args.resume, progress=not args.quiet)
    finally:
        executor.close()
    print(f"{report.ran} runs in {report.seconds:.1f} s ({report.failed} failed); {report.already_done} were already "
          f"done; results: {report.out}")
    if report.failed:
        print(f"failed runs are rows with status 'failed' (error and traceback columns) in {report.out / 'runs'}",
              file=sys.stderr)
    return 0


def _posterior_draws(args: argparse.Namespace, root: int, scenarios) -> list[dict[str, float]]:
    """The parameter sets of ``--posterior N`` (``--posterior-file`` or the shipped posterior),
    drawn with seed ``root``, each checked against every scenario before any run; none without
    ``--posterior``."""
    if args.posterior_file is not None and args.posterior is None:
        raise CoGovInputError("a posterior file without --posterior N; allowed: --posterior N with it",
                              key="--posterior-file")
    if args.posterior is None:
        return []
    from cogov_sim.analysis.compare import posterior_draws
    from cogov_sim.validation.calibration import read_posterior

    draws = posterior_draws(read_posterior(args.posterior_file), args.posterior, root)
    source = str(args.posterior_file or "the shipped posterior")
    for s in scenarios:
        for d in {tuple(sorted(d.items())): d for d in draws}.values():
            s.with_values(d, source=source)
    return draws

def cmd_sensitivity(args: argparse.Namespace) -> int:
    from cogov_sim.analysis.sensitivity import analyse, refuse_overwrite, write
    from cogov_sim.analysis.textable import plain
    from cogov_sim.experiments.runner import check_output_dir
    from cogov_sim.present.plots import write_sensitivity_chart, write_sensitivity_panels

    if args.rows < 1:
        raise CoGovInputError(f"{args.rows}; allowed: an integer from 1", key="--rows")
    folder = Path(args.results)
    out = Path(args.out) if args.out else folder / "sensitivity"
    if folder.is_dir():  # else the analysis says that it is not a sweep's folder
        check_output_dir(out)
    outcomes = list(dict.fromkeys(args.outcome or [None]))
    results = [analyse(folder, outcome, replications=args.replications) for outcome in outcomes]
    panels = out / f"{results[0].method}_panels.png"
    if not args.replace:  # every outcome's files, before any is written
        refuse_overwrite(results, out, shared=panels if len(results) > 1 else None)
    for result in results:
        paths = write(result, out, chart=write_sensitivity_chart, replace=args.replace)
        print(result.note)
        print(plain(result.table.head(args.rows) if len(results) > 1 else result.table))
        if result.second_order is not None and result.method == "summary":
            print("\ndesign points (mean and 95% interval over replications):")
            print(plain(result.second_order.head(args.rows)))
            if len(result.second_order) > args.rows:
                print(f"... {len(result.second_order) - args.rows} more rows in {paths[1]}")
        print(f"written: {', '.join(str(p) for p in paths)}\n")
    if len(results) > 1 and results[0].method != "replications":
        write_sensitivity_panels(results, panels)
        print(f"written: {panels} (the {len(results)} outcomes side by side)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    import datetime as _dt

    from cogov_sim.analysis.compare import CompareRunError, plan, run_comparison
    from cogov_sim.experiments.executors import make_executor
    from cogov_sim.experiments.runner import check_new_folder
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.present.report import display_names, findings, shown, write_report

    if args.replications < 2:
        raise CoGovInputError(f"{args.replications} replications give no interval; allowed: an integer from 2",
                              key="--replications")
    overrides = _overrides(argparse.Namespace(set=args.set))
    scenarios = [load_scenario(resolve_scenario_path(name), overrides) for name in args.scenarios]
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path("results") / "compare" / stamp
    check_new_folder(out)
    plan(scenarios)  # e.g. two scenarios of one name: an error before workers start
    draws = _posterior_draws(args, int(scenarios[0].run.seed if args.seed is None else args.seed), scenarios)
    executor = make_executor(args.workers, args.scheduler)
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(unit="run", desc="compare", file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        cmp = run_comparison(scenarios, replications=args.replications, seed=args.seed, executor=executor,
                             progress=progress, draws=draws)
    except CompareRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    write_report(cmp, out, lang=args.lang, argv=sys.argv)
    from cogov_sim.analysis.compare import cost_effectiveness, kpi_table, pilot_effects

    names = display_names(cmp, args.lang)
    for line in findings(shown(kpi_table(cmp), names), shown(pilot_effects(cmp), names),
                         shown(cost_effectiveness(cmp), names), args.lang):
        print(f"- {line}")
    if args.lang == "zh":
        print(f"{len(cmp.plan.variants)} 个情景 × {cmp.replications} 次重复 = {len(cmp.runs)} 次运行，用时 "
              f"{cmp.wall_s:.0f} 秒；报告：{out / 'report.html'}")
    else:
        print(f"{len(cmp.runs)} runs ({len(cmp.plan.variants)} variants x {cmp.replications} replications) in "
              f"{cmp.wall_s:.0f} s; report: {out / 'report.html'}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    import json
    import time

    from cogov_sim.analysis.textable import plain
    from cogov_sim.experiments.executors import make_executor
    from cogov_sim.model.scenario import suggest
    from cogov_sim.model.shipped import entries
    from cogov_sim.validation.checks import (
        DEFAULT_SEED,
        fmt_value,
        load_checks,
        run_check,
        run_sets,
        short_params,
    )
    from cogov_sim.validation.docking import CASES

    for name in args.cases:
        if name not in CASES:
            raise CoGovInputError(f"'{name}' is not a docking case{suggest(name, list(CASES))}; allowed: "
                                  f"{', '.join(CASES)}", key="CASE")
    own = {e.name: e.path for e in entries("scenarios") if e.own}
    for name in args.cases or ([] if args.patterns else list(CASES)):
        if f"docking/{name}" in own and not args.quiet:
            print(f"note: {name} runs your own {own[f'docking/{name}']}, not the shipped case file", file=sys.stderr)
    if args.replications is not None and args.replications < 1:
        raise CoGovInputError(f"{args.replications}; allowed: an integer from 1", key="--replications")
    seed = DEFAULT_SEED if args.seed is None else args.seed
    executor = make_executor(args.workers, None)
    try:
        if args.patterns:
            return _patterns(args, executor)
        if args.param:
            if not args.cases:
                raise CoGovInputError("--param needs the case it is for; allowed: e.g. cogov validate deffuant "
                                      "--param epsilon=0.15", key="--param")
            values = {}
            for text in args.param:
                if "=" not in text:
                    raise CoGovInputError(f"'{text}' is not NAME=VALUE; allowed: e.g. epsilon=0.15", key="--param")
                k, v = text.split("=", 1)
                values[k.strip()] = v.strip()
            rows = []
            for name in args.cases:
                params = CASES[name].resolve(values)
                res = run_sets(name, [params], seed=seed, replications=args.replications or 1, executor=executor)[0]
                if args.json:
                    print(json.dumps({"case": name, "check": None, "params": _jsonable(params), "seed": seed,
                                      "replications": args.replications or 1, "statistics": res["mean"],
                                      "per_replication": res["replications"]}, ensure_ascii=False))
                else:
                    for stat in CASES[name].statistics:
                        rows.append({"case": name, "params": short_params(params, name), "statistic": stat,
                                     "ours": fmt_value(res["mean"][stat])})
            if rows:
                print(plain(pd_frame(rows)))
            return 0
        checks = [c for c in load_checks() if not args.cases or c.case in args.cases]
        if args.check:
            known = [c.id for c in checks]
            for name in args.check:
                if name not in known:
                    raise CoGovInputError(f"'{name}' is not a check{' of ' + ', '.join(args.cases) if args.cases else ''}"
                                          f"{suggest(name, known)}; allowed: {', '.join(known)}", key="--check")
            checks = [c for c in checks if c.id in args.check]
        if args.held_out:
            checks = [c for c in checks if c.held_out]
            if not checks:
                raise CoGovInputError("no held-out check among those chosen; allowed: a case or --check with held-out "
                                      "checks (cogov_sim/data/published.toml marks them held_out)", key="--held-out")
        rows, failed = [], 0
        t0 = time.perf_counter()
        for check in checks:
            result = run_check(check, seed=seed, replications=args.replications, reduced=args.reduced,
                               executor=executor)
            failed += not result.passed
            if args.json:
                print(json.dumps(_jsonable(result.to_dict()), ensure_ascii=False), flush=True)
                continue
            if not args.quiet:
                print(f"{check.id}: {'pass' if result.passed else 'FAIL'} ({time.perf_counter() - t0:.0f} s)",
                      file=sys.stderr, flush=True)
            for i, run in enumerate(result.runs):
                verdict = "pass" if run.passed else "FAIL"
                if i == len(result.runs) - 1 and check.relation:
                    verdict += f"; {check.relation}: {'yes' if result.relation_holds else 'NO'}"
                rows.append({"check": check.id if i == 0 else "", "params": short_params(run.params, check.case),
                             "statistic": check.statistic, "published": run.expected, "ours": fmt_value(run.value),
                             "verdict": verdict})
        if not args.json:
            print(plain(pd_frame(rows)))
            print(f"{len(checks) - failed} of {len(checks)} checks passed (seed {seed}"
                  f"{', reduced sizes' if args.reduced else ''}); published values: cogov_sim/data/published.toml")
        return 1 if failed else 0
    finally:
        executor.close()


def cmd_calibrate(args: argparse.Namespace) -> int:
    """ABC-SMC calibration to the fitting patterns (cogov_sim/validation/calibration.py)."""
    from cogov_sim.validation.calibration import CALIBRATED, CalibrationSettings, calibrate, check_folder, check_settings

    given = {"patterns": tuple(args.patterns or ()), "parameters": tuple(args.parameters or CALIBRATED),
             "particles": args.particles, "populations": args.populations, "min_epsilon": args.min_epsilon,
             "residents": args.residents, "seed": args.seed, "replications": args.replications}
    settings = CalibrationSettings(**{k: v for k, v in given.items() if v is not None})
    check_settings(settings)
    if args.workers is not None and args.workers < 1:
        raise CoGovInputError(f"{args.workers}; allowed: a positive number of worker processes", key="--workers")
    out = Path(args.out) if args.out else Path("results") / "calibration"
    check_folder(out, args.resume, settings.populations)
    from cogov_sim.experiments.runner import check_writable

    check_writable(out, into=True)
    workers = args.workers or os.cpu_count() or 1
    fitting = settings.fitting()
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{workers} local worker(s)"
    print(f"calibrate: {len(settings.parameters)} parameters, {len(fitting)} fitting patterns "
          f"({', '.join(p.id for p in fitting)}); {settings.particles} particles, at most {settings.populations} "
          f"populations, stop at distance {settings.min_epsilon:g}; {settings.residents} residents, "
          f"{settings.replications} replication{'s' * (settings.replications > 1)} a particle; {where}; "
          f"results in {out}", file=sys.stderr)

    def progress(d: dict) -> None:
        if args.quiet:
            return
        if d.get("partial"):
            print(f"population {d['population'] + 1}/{d['of']}: {d['simulated']} simulations so far, "
                  f"{d['elapsed_seconds'] / 60:.1f} min since the start", file=sys.stderr, flush=True)
            return
        if d.get("point"):
            print(f"point estimate: simulating its candidates ({', '.join(d['candidates'])}) at {d['seeds']} fresh "
                  "seeds", file=sys.stderr, flush=True)
            return
        eta = d["eta_seconds"]
        what = ("the prior" if d["population"] == 0 else
                f"{d['survivors']} of {d['particles']} kept, {d['moves']} move{'s' * (d['moves'] > 1)}, "
                f"{d['acceptance_rate']:.1%} accepted, "
                f"{d['distinct']} distinct")
        runs = f" of {settings.replications} runs each" if settings.replications > 1 else ""
        print(f"population {d['population'] + 1}/{d['of']}: tolerance {d['epsilon']:.3g}; {what}; "
              f"{d['simulations']} simulations{runs}, {d['wall_seconds']:.0f} s; at most {eta / 60:.1f} min left at "
              f"this pace", file=sys.stderr, flush=True)

    diag = calibrate(settings, out, workers=workers, scheduler=args.scheduler, resume=args.resume, progress=progress)
    from cogov_sim.present.plots import calibration_figures

    calibration_figures(out)
    last = diag["populations"][-1]
    chosen = diag["point"]["chosen"]
    means = ", ".join(f"{k} {v:.2f}" for k, v in diag["point"]["mean_distance"].items())
    print(f"{len(diag['populations'])} populations, {diag['simulations']} simulations, stopped at {diag['stopped']}; "
          f"last tolerance {last['epsilon']:.3g}, {last['distinct']} distinct particles; point estimate: the "
          f"{chosen} (mean distance at fresh seeds: {means}); posterior, diagnostics, identifiability, point "
          f"estimate and figures in {out}")
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    """Morris screening of the calibrated parameters against the patterns (validation/screening.py)."""
    from cogov_sim.experiments.executors import make_executor
    from cogov_sim.validation.calibration import CALIBRATED
    from cogov_sim.validation.screening import ScreeningSettings, check_folder, check_settings, screen

    given = {"parameters": tuple(args.parameters or CALIBRATED), "trajectories": args.trajectories,
             "levels": args.levels, "replications": args.replications, "residents": args.residents, "seed": args.seed}
    settings = ScreeningSettings(**{k: v for k, v in given.items() if v is not None})
    check_settings(settings)
    if args.workers is not None and args.workers < 1:
        raise CoGovInputError(f"{args.workers}; allowed: a positive number of worker processes", key="--workers")
    out = Path(args.out) if args.out else Path("results") / "screening"
    check_folder(out)
    from cogov_sim.experiments.runner import check_writable

    check_writable(out, into=True)
    executor = make_executor(args.workers, args.scheduler)
    print(f"screen: {len(settings.parameters)} parameters, {settings.trajectories} Morris trajectories on "
          f"{settings.levels} levels = {settings.points} points x {settings.replications} replication(s) = "
          f"{settings.runs()} runs of {settings.residents} residents; {executor.description}; results in {out}",
          file=sys.stderr)
    last = [0.0]

    def progress(d: dict) -> None:
        now = d["seconds"]
        if args.quiet or (now - last[0] < 10 and d["done"] < d["of"]):
            return
        last[0] = now
        print(f"{d['done']}/{d['of']} points, {now:.0f} s; about {d['eta_seconds'] / 60:.1f} min left",
              file=sys.stderr, flush=True)

    try:
        summary = screen(settings, out, executor=executor, progress=progress)
    finally:
        executor.close()
    from cogov_sim.present.plots import screening_figure

    screening_figure(out)
    chosen = summary["influential"]
    print(f"{len(chosen)} of {len(settings.parameters)} parameters move a fitting pattern by at least "
          f"{summary['influence_threshold']:g} of its tolerance: {' '.join(chosen) or '(none)'}")
    print(f"best design point: distance {summary['best']['distance']:.3g}, {summary['best']['within']} of "
          f"{len(summary['best']['patterns'])} patterns within; effects, reach and figure in {out}")
    return 0


def _patterns(args: argparse.Namespace, executor) -> int:
    """The calibration report: every pattern's value against its target, held-out ones marked."""
    import json

    from cogov_sim.analysis.textable import plain
    from cogov_sim.validation.patterns import run_patterns

    seed = 2024 if args.seed is None else args.seed
    reps = args.replications or 3
    results = run_patterns(seed=seed, replications=reps, executor=executor)
    if args.json:
        for r in results:
            print(json.dumps(_jsonable(r.to_dict()), ensure_ascii=False))
        return 0
    rows = [{"pattern": r.pattern.id + (" (held out)" if r.pattern.held_out else ""),
             "scenario": r.pattern.scenario + (f" x {len(r.experiments)} experiments" if r.experiments else ""),
             "target": f"{r.pattern.target:g} +- {r.pattern.tolerance:g}", "ours": f"{r.value:.3f}",
             "gap": f"{r.gap:+.3f}", "verdict": "within" if r.within else "OUTSIDE"} for r in results]
    print(plain(pd_frame(rows)))
    held = [r for r in results if r.pattern.held_out]
    print(f"{sum(r.within for r in results)} of {len(results)} patterns within tolerance, "
          f"{sum(r.within for r in held)} of {len(held)} held out ({reps} replications, seed {seed}); "
          "sources and constructs: docs/validation.md")
    return 0


def _jsonable(x):
    import math

    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and math.isinf(x):
        return None
    if hasattr(x, "item"):
        return x.item()
    return x


def pd_frame(rows):
    import pandas as pd

    return pd.DataFrame(rows)


def cmd_demo(args: argparse.Namespace) -> int:
    import os

    name = args.scenario
    path = resolve_scenario_path(name)
    from cogov_sim.model.scenario import load_scenario

    load_scenario(path)  # a bad file is a one-line error before the server starts
    from cogov_sim.model.shipped import name_of, names

    rel = name_of(path, "scenarios")
    if rel is None:
        raise CoGovInputError("the workshop app offers scenarios by name; allowed: a file in ./scenarios/ or one of: "
                              f"{', '.join(names('scenarios'))}", source=str(path), key="--scenario")
    sock = listen(args.host, args.port)  # a busy port is a one-line error before the server starts
    os.environ["COGOV_DEMO_SCENARIO"] = str(rel)
    os.environ["COGOV_DEMO_LANG"] = args.lang
    os.environ["SOLARA_APP"] = "cogov_sim.present.app"
    import uvicorn

    where = f"http://{args.host}:{args.port}/"
    print(f"cogov demo: open {where} in a browser (scenario {rel}, language {args.lang}); Ctrl+C stops it.",
          flush=True)
    if args.host not in ("127.0.0.1", "localhost"):
        print(f"note: listening on {args.host}: other machines on the network can open the app.", file=sys.stderr)
    config = uvicorn.Config("solara.server.starlette:app", host=args.host, port=args.port, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def cmd_workshop(args: argparse.Namespace) -> int:
    """A participatory session: the facilitator's page and participants' pages in the browser."""
    import datetime as _dt
    import socket

    from cogov_sim.experiments.runner import check_new_folder
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.model.shipped import name_of, names

    path = resolve_scenario_path(args.scenario)
    scenario = load_scenario(path, _overrides(args))  # a bad file or value is one line before the server starts
    if name_of(path, "scenarios") is None:
        raise CoGovInputError("a workshop plays scenarios by name; allowed: a file in ./scenarios/ or one of: "
                              f"{', '.join(names('scenarios'))}", source=str(path), key="--scenario")
    out = Path(args.out) if args.out else Path("results") / "workshop" / (
        f"{_dt.datetime.now(_dt.UTC):%Y%m%dT%H%M%SZ}-{scenario.name}")
    check_new_folder(out)
    sock = listen(args.host, args.port)
    from cogov_sim.experiments.workshop import WorkshopSession
    from cogov_sim.present.workshop_app import Room, create_app

    print(f"cogov workshop: building {scenario.name} (burn-in) ...", flush=True)
    session = WorkshopSession(scenario, weeks_per_round=args.weeks_per_round, rounds=args.rounds)
    room = Room(session, lang=args.lang, time_limit=args.time_limit, out_dir=out)
    shown = args.host
    if args.host in ("0.0.0.0", "::"):  # the address participants on the network can reach
        try:
            shown = socket.gethostbyname(socket.gethostname())
        except OSError:
            shown = "127.0.0.1"
    base = f"http://{shown}:{args.port}"
    join_url = f"{base}/?code={room.join_code}"
    print(f"facilitator: {base}/facilitator?k={room.facilitator_key}", flush=True)
    print(f"participants: {join_url}  (join code {room.join_code})", flush=True)
    print(f"session log: {out / 'session.json'} (after every round); Ctrl+C stops the workshop.", flush=True)
    if args.host not in ("127.0.0.1", "localhost"):
        print(f"note: listening on {args.host}: anyone on the network with the join code can join.", file=sys.stderr)
    import uvicorn

    config = uvicorn.Config(create_app(room, join_url=join_url), host=args.host, port=args.port, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def port_number(text: str) -> int:
    """A TCP port from the command line: an integer from 1 to 65535 (0 would pick a port the
    printed address does not name)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number; allowed: an integer from 1 to 65535"
                                         ) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range; allowed: an integer from 1 to 65535")
    return port


def listen(host: str, port: int):
    """A socket bound to ``host:port`` for the server (as uvicorn binds it: IPv6 when the host
    has a ':', address reuse on), or a one-line error naming the port or host that cannot be had."""
    import errno
    import socket

    sock = socket.socket(family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (OSError, UnicodeError, OverflowError) as exc:
        sock.close()
        code = getattr(exc, "errno", None)
        if code == errno.EADDRINUSE:
            raise CoGovInputError(f"port {port} on {host} is in use (another program, or a demo already running); "
                                  f"allowed: a free port, e.g. --port {port + 1 if port < 65535 else 8765}",
                                  key="--port") from None
        if code == errno.EACCES:
            raise CoGovInputError(f"port {port} needs administrator rights; allowed: a port from 1024 to 65535",
                                  key="--port") from None
        raise CoGovInputError(f"cannot listen on {host}:{port} ({exc}); allowed: an address of this machine, e.g. "
                              "127.0.0.1", key="--host") from None
    sock.set_inheritable(True)
    return sock


def cmd_animate(args: argparse.Namespace) -> int:
    from cogov_sim.experiments.runner import check_new_file
    from cogov_sim.model.scenario import load_scenario
    from cogov_sim.present.animate import animate

    scenario = load_scenario(resolve_scenario_path(args.scenario), _overrides(args))
    out = Path(args.out) if args.out else Path("results") / scenario.name / f"animation-{args.lang}.gif"
    if out.suffix.lower() not in (".gif", ".mp4"):
        raise CoGovInputError(f"'{out.suffix}' is not an animation format; allowed: .gif or .mp4", source=str(out),
                              key="--out")
    check_new_file(out)
    path = animate(scenario, out, lang=args.lang, every=args.every, colour_by=args.colour_by,
                   progress=not args.quiet)
    print(f"animation: {path}")
    return 0


def positive_int(option: str):
    """An argument type: an integer of at least 1, else a one-line usage error naming ``option``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer; allowed: an integer from 1") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: an integer from 1")
        return value

    parse.__name__ = option
    return parse


def param_int(key: str):
    """An argument type: an integer in the allowed range of the parameter ``key`` (``--seed`` is
    ``run.seed``, ``--steps`` is ``run.steps``), so a bad value is a one-line usage error
    before anything runs, in every command that takes it."""

    def parse(text: str) -> int:
        from cogov_sim.model.parameters import PARAMETERS

        spec = PARAMETERS[key]
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer; allowed: {spec.describe_allowed()}"
                                             ) from None
        if not spec.low <= value <= spec.high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: {spec.describe_allowed()} "
                                             f"({key})")
        return value

    parse.__name__ = key  # argparse names the type in some messages
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cogov", description="Agent-based simulation of grassroots co-governance (Fang 2024).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", help="run one scenario and write its results")
    p.add_argument("scenario", help="scenario file, or a name (e.g. baseline; cogov scenarios lists them)")
    p.add_argument("--out", help="folder for the results (default results/<scenario>/<run id>/)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed (overrides run.seed)")
    p.add_argument("--steps", type=param_int("run.steps"), help="weeks to run (overrides run.steps)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter, e.g. "
                   "population.residents=50000 (repeatable)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the summary and the dashboard "
                   "(default en)")
    p.add_argument("--figure-width", type=int, metavar="PX", help="width of figures/dashboard.png in pixels, 640 to "
                   "7680 (default 1800; 1920 or more for a projector)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("params", help="list every parameter with its default, unit, range, plausible range and source")
    p.add_argument("--levers", action="store_true", help="only the policy levers")
    p.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/odd.md, section 8")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("scenarios", help="list the scenarios and experiments by name (shipped, and your own in "
                       "./scenarios/ and ./experiments/) with their descriptions")
    p.add_argument("--lang", choices=("zh", "en"), help="descriptions in one language (default: both)")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("sweep", help="run an experiment: every design point and replication, streamed to Parquet")
    p.add_argument("experiment", help="experiment file, or a name (e.g. smoke; cogov scenarios lists them)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores; 1 runs in "
                   "this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler, e.g. "
                   "tcp://127.0.0.1:8786, or the file `dask scheduler --scheduler-file` wrote")
    p.add_argument("--shard", metavar="I/N", help="run only the I-th of N disjoint parts (e.g. a SLURM array task)")
    p.add_argument("--out", help="results folder (default results/sweeps/<experiment>/)")
    p.add_argument("--resume", action="store_true", help="finish the runs missing from --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--posterior", type=int, metavar="N", help="run every design point under N parameter sets drawn "
                   "from the calibration's posterior, each with the experiment's replications (seeds of their own, "
                   "the same at every point), so that outcomes carry parameter uncertainty as well as chance")
    p.add_argument("--posterior-file", metavar="PATH", help="the posterior.parquet of a calibration (default: the "
                   "one that ships with the model, of the adopted calibration)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("compare", help="compare scenarios and pilot programmes under the same seeds; write a "
                       "planner's report")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files or names in scenarios/; the "
                   "first is the reference for differences")
    p.add_argument("--replications", type=int, default=20, help="replications per scenario, from 2 (default 20)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed of the replication seeds (default: the "
                   "first scenario's)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter in every scenario")
    p.add_argument("--posterior", type=int, metavar="N", help="run every scenario under N parameter sets drawn from "
                   "the calibration's posterior (each with the same --replications seeds), so that intervals hold "
                   "parameter uncertainty too and the report tells it from chance")
    p.add_argument("--posterior-file", metavar="PATH", help="the posterior.parquet of a calibration (default: the "
                   "one that ships with the model, of the adopted calibration)")
    p.add_argument("--out", help="report folder (default results/compare/<time>/)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the report (default en)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("validate", help="docking: run each mechanism alone against its published model")
    p.add_argument("cases", nargs="*", metavar="CASE", help="granovetter, deffuant, santos, bass, centola (default: all)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="run the case at these parameters instead "
                   "of the published checks (repeatable), e.g. epsilon=0.15")
    p.add_argument("--replications", type=int, help="replications (default: each check's own; 1 with --param)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed (default 1978)")
    p.add_argument("--reduced", action="store_true", help="the smaller sizes at which the published results still hold")
    p.add_argument("--check", nargs="+", metavar="ID", help="run only these checks (their ids in "
                   "cogov_sim/data/published.toml, e.g. santos_regular_held_out)")
    p.add_argument("--held-out", action="store_true", help="run only the checks held out of the tests (at parameter "
                   "points the tests never run)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores)")
    p.add_argument("--json", action="store_true", help="one JSON object per check (per case with --param, per pattern with "
                   "--patterns)")
    p.add_argument("--patterns", action="store_true", help="the calibration report: patterns of the real system, "
                   "the model's value, the target and the gap")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("calibrate", help="Bayesian calibration (ABC-SMC) of the behavioural parameters to the "
                       "observed patterns")
    p.add_argument("--patterns", nargs="+", metavar="NAME", help="fit these patterns (default: every pattern not "
                   "held out; cogov validate --patterns lists them)")
    p.add_argument("--parameters", nargs="+", metavar="KEY", help="calibrate only these parameters, the others kept "
                   "at their defaults (default: every calibrated parameter; cogov params lists them)")
    p.add_argument("--populations", type=int, help="most ABC-SMC populations (default 12)")
    p.add_argument("--particles", type=int, help="particles per population (default 200)")
    p.add_argument("--min-epsilon", type=float, help="stop once the tolerance reaches this distance, in units of the "
                   "patterns' tolerances (default 1)")
    p.add_argument("--residents", type=int, help="residents of each simulated street (default 10000, the pattern "
                   "scenarios' own size)")
    p.add_argument("--replications", type=int, help="simulations of each particle, whose mean the distance reads "
                   "(default 1; 2-3 keep particles from being chosen for a lucky draw, at 2-3 times the cost)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed (default 2024)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler, e.g. "
                   "tcp://127.0.0.1:8786, or the file `dask scheduler --scheduler-file` wrote")
    p.add_argument("--out", help="results folder (default results/calibration/)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("screen", help="Morris screening: which calibrated parameters move which observed pattern")
    p.add_argument("--parameters", nargs="+", metavar="KEY", help="screen only these parameters (default: every "
                   "calibrated parameter)")
    p.add_argument("--trajectories", type=int, help="Morris trajectories (default 10)")
    p.add_argument("--levels", type=int, help="grid levels of each parameter's range, even (default 4)")
    p.add_argument("--replications", type=int, help="runs per design point, same seeds at every point (default 2)")
    p.add_argument("--residents", type=int, help="residents of each simulated street (default 10000, the pattern "
                   "scenarios' own size)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed (default 2024)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler, e.g. "
                   "tcp://127.0.0.1:8786, or the file `dask scheduler --scheduler-file` wrote")
    p.add_argument("--out", help="results folder (default results/screening/)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("demo", help="the workshop app in the browser (levers, live network and plots, zh/en)")
    p.add_argument("--scenario", default="baseline", help="scenario it opens with (default baseline)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, default=8765, help="port, 1 to 65535 (default 8765)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language it opens in (default zh)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("workshop", help="a participatory session: people in a room play the street office, "
                       "enterprises, social organisations and residents' committees, round by round")
    p.add_argument("--scenario", default="baseline", help="scenario it plays (default baseline)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only; "
                   "0.0.0.0 lets participants on the network join)")
    p.add_argument("--port", type=port_number, default=8770, help="port, 1 to 65535 (default 8770)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of every page (default zh)")
    p.add_argument("--rounds", type=positive_int("--rounds"), default=4, help="rounds to play (default 4)")
    p.add_argument("--weeks-per-round", type=positive_int("--weeks-per-round"), default=None,
                   help="weeks a round stands for (default the scenario's decision.interval, 13)")
    p.add_argument("--time-limit", type=positive_int("--time-limit"), default=300,
                   help="seconds participants have to decide in a round (default 300; the facilitator can extend it)")
    p.add_argument("--out", help="new folder for the session log (default results/workshop/<time>-<scenario>/)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter")
    p.set_defaults(func=cmd_workshop)

    p = sub.add_parser("animate", help="an animation of the network and the main outcomes over a run, for slides")
    p.add_argument("scenario", help="scenario file, or a name in scenarios/")
    p.add_argument("--out", help="FILE.gif or FILE.mp4 (default results/<scenario>/animation-<lang>.gif)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    p.add_argument("--every", type=int, default=4, help="weeks between frames (default 4)")
    p.add_argument("--colour-by", choices=("trust", "participation", "privacy"), default="trust",
                   help="what colours the residents: trust, how they last took part, or privacy concern (default trust)")
    p.add_argument("--steps", type=param_int("run.steps"), help="weeks to run (overrides run.steps)")
    p.add_argument("--seed", type=param_int("run.seed"), help="root seed")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_animate)

    p = sub.add_parser("describe", help="what each column of a run's or a sweep's tables holds: unit and meaning")
    p.add_argument("results", help="a run's or a sweep's results folder, or a Parquet file")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the labels (default en)")
    p.set_defaults(func=cmd_describe)

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices, or a summary, of a finished sweep")
    p.add_argument("results", help="a sweep's results folder")
    p.add_argument("--outcome", nargs="+", help="outcome columns to analyse, each into its own tables and chart, and "
                   "with several a chart of them side by side (default: the first kept outcome)")
    p.add_argument("--replications", action="store_true", help="how many replications the outcome needs at each "
                   "design point: the coefficient of variation against replications (Lee et al. 2015)")
    p.add_argument("--rows", type=int, default=20, help="design points to print for a summary (default 20)")
    p.add_argument("--out", help="folder for the tables and chart (default RESULTS/sensitivity/)")
    p.add_argument("--replace", action="store_true", help="replace an earlier analysis of the same outcome there "
                   "(without it, existing tables are never overwritten)")
    p.set_defaults(func=cmd_sensitivity)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CoGovInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
