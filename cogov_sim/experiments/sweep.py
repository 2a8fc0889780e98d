"""Running an experiment and streaming its results to disk.

A sweep's folder holds::

    manifest.json        the experiment (with its resolved base scenario), its fingerprint,
                         replication seeds, versions and commit: enough to rebuild any run
    design.parquet       one row per run: run_id, point, replication, seed, the factor values
                         (and the unit-cube coordinates u:<key> of sampled designs)
    runs/part-*.parquet  one row per finished run: the design columns, status ("ok" or
                         "failed"), error and traceback of a failed run, wall_s, and the kept outcomes
    steps/part-*.parquet with ``keep = ["per_step"]``: one row per run and step

``runs/`` (and ``steps/``) are read as one dataset by pandas (``pd.read_parquet(folder /
"runs")``) and DuckDB (``read_parquet('folder/runs/*.parquet')``). Parts are written to a
temporary name and renamed, so a part is complete or absent; a run is done exactly when its row
is in a ``runs`` part. After a crash, ``resume`` runs only the runs that are missing. Every
column but ``wall_s`` is the same whatever the executor, the number of workers, the shard split
or the order of completion.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.design import Experiment, OutcomeSpec, RunSpec
from cogov_sim.model.scenario import Scenario

MANIFEST = "manifest.json"
FORMAT = "cogov-sweep/1"


# ------------------------------------------------------------------------------------ one run
@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (small and picklable)."""

    run: RunSpec
    base: Scenario
    outcomes: OutcomeSpec
    experiment: str


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one design point under one replication seed; never raises.

    Returns ``{"row": {...}, "steps": {...} | None}``. A run that raises becomes a row with
    ``status = "failed"``, its error and traceback, so the sweep goes on.
    """
    from cogov_sim.model.model import CoGovModel

    t0 = time.perf_counter()
    run = task.run
    try:
        scenario = task.base.with_values({**run.values, "run.seed": run.seed},
                                         source=f"{task.experiment}, point {run.point}")
        model = CoGovModel(scenario)
        model.run()
        series = model.timeseries()
        del model
        row: dict[str, Any] = {"status": "ok", "error": "", "traceback": ""}
        row.update(task.outcomes.summarise(series))
        steps = None
        if "per_step" in task.outcomes.keep:
            steps = {"step": series["step"], **{n: series[n] for n in task.outcomes.names}}
    except Exception as exc:  # recorded as a failure row
        row = {"status": "failed", "error": f"{exc.__class__.__name__}: {exc}".splitlines()[0][:500],
               "traceback": traceback.format_exc()}
        steps = None
    row["wall_s"] = time.perf_counter() - t0
    gc.collect()
    return {"row": row, "steps": steps}


# ------------------------------------------------------------------------------------ the store
def design_frame(exp: Experiment) -> pd.DataFrame:
    """One row per run: ids, seed and factor values (and unit-cube coordinates when sampled)."""
    unit, points = exp.points()
    runs = exp.runs()
    df = pd.DataFrame({"run_id": [r.run_id for r in runs], "point": [r.point for r in runs],
                       "replication": [r.replication for r in runs],
                       "seed": np.array([r.seed for r in runs], dtype=np.uint64)})
    for f in exp.factors:
        df[f.key] = [r.values[f.key] for r in runs]
    if unit is not None:
        for j, f in enumerate(exp.factors):
            df[f"u:{f.key}"] = unit[[r.point for r in runs], j]
    return df


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _read_parts(folder: Path) -> pd.DataFrame | None:
    parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not parts:
        return None
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def read_results(out: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep folder, one row per run, sorted by run id."""
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise CoGovInputError("not a sweep results folder (no manifest.json); allowed: a folder written by "
                              "`cogov sweep`", source=str(out))
    df = _read_parts(out / "runs")
    if df is None:
        design = pd.read_parquet(out / "design.parquet")
        return design.iloc[0:0]
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def read_steps(out: str | Path) -> pd.DataFrame | None:
    """The per-step table of a sweep (None when the experiment kept no per-step outcomes)."""
    df = _read_parts(Path(out) / "steps")
    if df is None:
        return None
    return df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)


def read_manifest(out: str | Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CoGovInputError(f"cannot read the sweep manifest ({exc.__class__.__name__})", source=str(path)) from None


def manifest_for(exp: Experiment) -> dict[str, Any]:
    from cogov_sim.experiments.runner import git_commit, versions

    return {
        "format": FORMAT,
        "experiment": exp.to_dict(),
        "fingerprint": exp.fingerprint(),
        "design_points": len(exp.points()[1]),
        "runs": len(exp.runs()),
        "replication_seeds": [str(s) for s in exp.replication_seeds()],
        "seeding": "replication r of every design point uses replication_seeds[r] as run.seed (common random "
                   "numbers); replication_seeds = SeedSequence(seed).spawn(replications); design sampling uses "
                   "SeedSequence(seed, spawn_key=(crc32('design'),))",
        "columns": {"factors": [f.key for f in exp.factors], "outcomes": exp.outcomes.columns()},
        "versions": versions(),
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "rebuild": "cogov run <base scenario> --set <factor>=<value> ... --seed <seed of the run in design.parquet>",
    }


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"I/N"`` (1 <= I <= N) as (I, N); the I-th part holds runs with run_id % N == I - 1."""
    if text is None:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise CoGovInputError(f"'{text}' is not I/N; allowed: e.g. 1/4 (the first of four parts)",
                              key="--shard") from None
    if not (n >= 1 and 1 <= i <= n):
        raise CoGovInputError(f"'{text}': allowed: I/N with 1 <= I <= N", key="--shard")
    return i, n


@dataclass
class SweepReport:
    out: Path
    selected: int
    already_done: int
    ran: int
    failed: int
    seconds: float


class _PartWriter:
    """Buffers finished runs and writes them as parts: after ``every`` runs or ``seconds``."""

    def __init__(self, out: Path, shard: tuple[int, int] | None, every: int, seconds: float):
        self.out = out
        self.tag = f"s{shard[0]}of{shard[1]}" if shard else "all"
        self.every = every
        self.seconds = seconds
        self.rows: list[dict[str, Any]] = []
        self.steps: list[pd.DataFrame] = []
        self.last = time.monotonic()

    def add(self, row: dict[str, Any], steps: pd.DataFrame | None) -> None:
        self.rows.append(row)
        if steps is not None:
            self.steps.append(steps)
        if len(self.rows) >= self.every or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        name = f"part-{self.tag}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.parquet"
        if self.steps:  # steps first: a runs part without its steps part never exists
            (self.out / "steps").mkdir(exist_ok=True)
            _write_parquet(pd.concat(self.steps, ignore_index=True), self.out / "steps" / name)
        _write_parquet(pd.DataFrame(self.rows), self.out / "runs" / name)
        self.rows, self.steps = [], []
        self.last = time.monotonic()


def _select(exp: Experiment, shard: tuple[int, int] | None) -> list[RunSpec]:
    runs = exp.runs()
    if shard is not None:
        i, n = shard
        runs = [r for r in runs if r.run_id % n == i - 1]
    return runs


def check_folder(exp: Experiment, out: str | Path, *, resume: bool = False,
                 shard: tuple[int, int] | None = None) -> set[int]:
    """Check, without writing, that ``out`` can take this experiment's (shard of) runs; return
    the run ids already done there. Refuses a file, a folder of something else, a folder of a
    different experiment, and (without ``resume``) a folder that already holds selected runs."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CoGovInputError("is a file; allowed: a folder for the sweep's results", source=str(out), key="--out")
    if not out.is_dir() or not any(out.iterdir()):
        return set()
    if not (out / MANIFEST).is_file():
        raise CoGovInputError("folder exists and is not a sweep of this experiment (no manifest.json); allowed: a new "
                              "or empty folder (results are never overwritten)", source=str(out), key="--out")
    found = read_manifest(out)
    fp = exp.fingerprint()
    if found.get("fingerprint") != fp:
        raise CoGovInputError(f"holds results of a different experiment ('{found.get('experiment', {}).get('name')}', "
                              f"fingerprint {found.get('fingerprint')}, not {fp}); allowed: the folder of this "
                              "experiment, or a new one (results are never overwritten)", source=str(out),
                              key="--resume" if resume else "--out")
    parts = _read_parts(out / "runs")
    done = set() if parts is None else set(parts["run_id"].astype(int).tolist())
    selected = _select(exp, shard)
    already = sum(r.run_id in done for r in selected)
    if already and not resume:
        raise CoGovInputError(f"already holds {already} of the {len(selected)} selected runs of this experiment; "
                              "allowed: --resume to finish the rest, or a new --out (results are never overwritten)",
                              source=str(out), key="--out")
    return done


def _prepare(exp: Experiment, out: Path, resume: bool, shard: tuple[int, int] | None) -> set[int]:
    """Check the folder, create it when new, and return the run ids already done there."""
    check_folder(exp, out, resume=resume, shard=shard)
    manifest = out / MANIFEST
    out.mkdir(parents=True, exist_ok=True)
    (out / "runs").mkdir(exist_ok=True)
    if not manifest.is_file():
        _write_parquet(design_frame(exp), out / "design.parquet")
        tmp = out / f".{MANIFEST}.tmp-{os.getpid()}"
        tmp.write_text(json.dumps(manifest_for(exp), indent=2, ensure_ascii=False), encoding="utf-8")
        try:  # another shard may have written it meanwhile: keep the first
            os.link(tmp, manifest)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    # a steps part whose runs part is missing was cut off by a crash: its runs will be redone
    runs_parts = {p.name for p in (out / "runs").glob("part-*.parquet")}
    for p in (out / "steps").glob("part-*.parquet") if (out / "steps").is_dir() else ():
        if p.name not in runs_parts:
            p.unlink()
    for p in list(out.glob("**/.*.tmp-*")):
        p.unlink(missing_ok=True)
    return check_folder(exp, out, resume=True, shard=shard)


def run_sweep(exp: Experiment, out: str | Path, *, executor: Any = None, shard: tuple[int, int] | None = None,
              resume: bool = False, progress: bool = False, flush_every: int | None = None,
              flush_seconds: float = 30.0, limit: int | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> SweepReport:
    """Run the experiment's runs that are missing in ``out`` (all of them, or one shard's).

    Without ``resume``, a folder that already holds some of the selected runs is refused (so
    nothing is run twice); with it, only the missing runs are run. ``limit`` runs at most that
    many (for quick checks). Results are written as they finish.
    """
    from cogov_sim.experiments.executors import SerialExecutor

    out = Path(out)
    t0 = time.perf_counter()
    executor = executor or SerialExecutor()
    done = _prepare(exp, out, resume, shard)
    runs = _select(exp, shard)
    already = sum(r.run_id in done for r in runs)
    todo = [r for r in runs if r.run_id not in done]
    if limit is not None:
        todo = todo[:limit]
    design = [f.key for f in exp.factors]
    writer = _PartWriter(out, shard, flush_every or max(4, min(64, 4 * getattr(executor, "workers", 1))),
                         flush_seconds)
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="run", desc=exp.name, file=sys.stderr, dynamic_ncols=True)
    failed = 0
    tasks: Iterable[RunTask] = (RunTask(r, exp.base, exp.outcomes, exp.name) for r in todo)
    try:
        for task, result in executor.map_unordered(run_task, tasks):
            run = task.run
            if isinstance(result, BaseException):  # the worker itself was lost
                result = {"row": {"status": "failed", "error": f"{result.__class__.__name__}: {result}"[:500],
                                  "traceback": "", "wall_s": float("nan")}, "steps": None}
            row = {"run_id": run.run_id, "point": run.point, "replication": run.replication,
                   "seed": np.uint64(run.seed)}
            row.update({k: run.values[k] for k in design})
            row.update(result["row"])
            for col in exp.outcomes.columns():
                row.setdefault(col, float("nan"))
            steps = None
            if result["steps"] is not None:
                steps = pd.DataFrame(result["steps"])
                steps.insert(0, "run_id", run.run_id)
            writer.add(row, steps)
            failed += row["status"] != "ok"
            if on_result is not None:
                on_result(row)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
    finally:
        writer.flush()
        if bar is not None:
            bar.close()
    return SweepReport(out=out, selected=len(runs), already_done=already, ran=len(todo), failed=failed,
                       seconds=time.perf_counter() - t0)


def run_experiment(exp: Experiment, *, executor: Any = None, out: str | Path | None = None,
                   progress: bool = False) -> pd.DataFrame:
    """Run a whole experiment and return its results table (the Python face of ``cogov sweep``).

    Results are streamed to ``out`` (a temporary folder when None) and read back, so a large
    experiment never holds more than a few runs in memory while it runs.
    """
    if out is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="cogov-sweep-") as tmp:
            run_sweep(exp, Path(tmp) / exp.name, executor=executor, progress=progress)
            return read_results(Path(tmp) / exp.name)
    run_sweep(exp, out, executor=executor, progress=progress, resume=Path(out).exists())
    return read_results(out)
