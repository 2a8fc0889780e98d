"""Running an experiment and streaming its results to disk.

A sweep's folder holds::

    manifest.json        the experiment (with its resolved base scenario), its fingerprint,
                         replication seeds, versions and commit: enough to rebuild any run
    design.parquet       one row per run: run_id, point, replication, seed, the factor values
                         (and the unit-cube coordinates u:<key> of sampled designs)
    runs/part-*.parquet  one row per finished run: the design columns, status ("ok" or
                         "failed"), error and traceback of a failed run, wall_s, and the kept outcomes
    steps/part-*.parquet with ``keep = ["per_step"]``: one row per run and step
    damaged/             part files found cut off or unreadable, moved aside (their runs are redone)

``runs/`` (and ``steps/``) are read as one dataset by pandas (``pd.read_parquet(folder /
"runs")``) and DuckDB (``read_parquet('folder/runs/*.parquet')``). Every column but ``wall_s``
is the same whatever the executor, the number of workers, the shard split or the order of
completion.

The folder survives a kill at any moment, and shards of a SLURM job array may start into it at
the same moment:

- every file is written to a temporary name of its own writer (``.<name>.tmp-<shard>-<host>-<pid>``),
  flushed to disk, then renamed into place and the folder flushed, so a file is whole or absent;
  a process removes temporary files only when they are its own or their writer (on this host) is
  gone, never another running shard's;
- the manifest is the folder's commit point: it is linked into place only if absent, so of
  shards starting together exactly one creates it and the others check its fingerprint; a folder
  that holds nothing but what a sweep writes before its manifest (killed early) is taken as new;
- a run is done exactly when its row is in a whole ``runs`` part (and, with per-step outcomes,
  its ``steps`` part is whole too; the steps part is written first). A part that is cut off,
  empty or not Parquet is moved into ``damaged/`` with a note, and its runs are done again.

After a crash, ``resume`` runs only the runs that are missing.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import re
import socket
import sys
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
from cogov_sim.experiments.tables import read_table, write_parquet
from cogov_sim.model.scenario import Scenario

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
DAMAGED = "damaged"
FORMAT = "cogov-sweep/1"
PART = "part-*.parquet"
RUN_COLUMNS = ("run_id", "status")    # columns every runs part has
STEP_COLUMNS = ("run_id", "step")     # ... and every steps part
MANIFEST_WAIT_S = 5.0                 # how long to wait for a manifest another shard is creating


# ------------------------------------------------------------------------------------ one run
@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (small and picklable)."""

    run: RunSpec
    base: Scenario
    outcomes: OutcomeSpec
    experiment: str
    #: Whether runs of this sweep can share a replication's week-0 state (every factor a lever:
    #: :mod:`cogov_sim.experiments.starts`), so the worker keeps what it builds.
    share_start: bool = False


def shares_starts(exp: Experiment) -> bool:
    """Whether the runs of ``exp`` under one replication seed share their week-0 state: every
    factor is a lever, which the burn-in does not see (:func:`cogov_sim.model.model.start_key`)."""
    return bool(exp.factors) and all(f.key.startswith("levers.") for f in exp.factors)


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one design point under one replication seed; never raises.

    Returns ``{"row": {...}, "steps": {...} | None}``. A run that raises becomes a row with
    ``status = "failed"``, its error and traceback, so the sweep goes on.
    """
    from cogov_sim.experiments.starts import process_starts

    t0 = time.perf_counter()
    run = task.run
    try:
        scenario = task.base.with_values({**run.values, "run.seed": run.seed},
                                         source=f"{task.experiment}, point {run.point}")
        # design points that differ only in levers share the burn-in of a replication seed
        model = process_starts().model(scenario, keep=task.share_start)
        model.keep_institutions = False  # a sweep keeps outcomes only
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
    if exp.posterior:
        df.insert(3, "draw", [r.draw for r in runs])
    columns = {f.key: [r.values[f.key] for r in runs] for f in exp.factors}
    if unit is not None:
        rows = [r.point for r in runs]
        columns.update({f"u:{f.key}": unit[rows, j] for j, f in enumerate(exp.factors)})
    return pd.concat([df, pd.DataFrame(columns, index=df.index)], axis=1)


# ------------------------------------------------------------------ files that survive a kill
_HOST = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _tag(shard: tuple[int, int] | None) -> str:
    """The shard in file names: ``s2of3``, or ``all`` for a whole sweep."""
    return f"s{shard[0]}of{shard[1]}" if shard else "all"


def _tmp_path(path: Path, tag: str) -> Path:
    """This process's temporary name for ``path``: no other process writes or removes it."""
    return path.with_name(f".{path.name}.tmp-{tag}-{_HOST}-{os.getpid()}")


def _is_stale(tmp: Path) -> bool:
    """Whether the writer of temporary file ``tmp`` is known to be gone: it ran on this host and
    its process no longer exists. Files of other hosts, of running processes, or with names
    that do not say who wrote them are left alone."""
    _, sep, writer = tmp.name.rpartition(".tmp-")
    fields = writer.split("-")
    if not sep or len(fields) != 3 or fields[1] != _HOST or not fields[2].isdigit():
        return False
    try:
        os.kill(int(fields[2]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):  # alive under another user / not a pid
        return False
    return False


def _remove_stale_temps(out: Path) -> None:
    for folder in (out, out / "runs", out / "steps"):
        for tmp in folder.glob(".*.tmp-*") if folder.is_dir() else ():
            if _is_stale(tmp):
                tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so that a file renamed into it survives a crash."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder
        pass
    finally:
        os.close(fd)


def _mkdir(folder: Path) -> None:
    """Create ``folder`` (and its parents) if need be, durably: its entry is flushed too."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_dir(folder.parent)


def _write_file(path: Path, tag: str, write: Callable[[Any], None], *, exclusive: bool = False) -> bool:
    """Write ``path`` so that it is whole or absent after a crash: ``write`` fills this process's
    temporary file, which is flushed to disk and renamed into place (or, when ``exclusive``,
    linked into place only if no file has that name yet); then the folder is flushed. Returns
    whether this call put the file there (False: ``exclusive`` and another writer was first)."""
    tmp = _tmp_path(path, tag)
    tmp.unlink(missing_ok=True)  # a leftover of a dead process that had this pid
    placed = True
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if not exclusive:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                placed = False
            except OSError:  # a file system without hard links: rename if still absent (not race-free)
                placed = not path.exists()
                if placed:
                    os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return placed


def _write_parquet(df: pd.DataFrame, path: Path, tag: str, table: str, window: int | None = None) -> None:
    """Write a self-described Parquet file (:mod:`cogov_sim.experiments.tables`) that survives a
    kill; a column of a design built in Python that names no parameter is marked undescribed."""
    _write_file(path, tag, lambda f: write_parquet(df, f, table=table, window=window, strict=False))


# ------------------------------------------------------------------ reading parts, finding damage
class DamagedPart(Exception):
    """A part file that is not a whole part of a sweep (cut off, empty, not Parquet, or without
    the columns every part has)."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _why(exc: BaseException) -> str:
    text = re.sub(r"^Could not open Parquet input source '[^']*': ", "", str(exc)).strip()
    text = (text.split(". ")[0] if text else exc.__class__.__name__).splitlines()[0].rstrip(".")
    return text[:160]


def _read_part(path: Path, columns: tuple[str, ...], *, full: bool = True) -> pd.DataFrame | None:
    """A part file as a table (``full``), or only its footer checked; raises
    :class:`DamagedPart` when it is not a whole part, and FileNotFoundError when it is gone
    (another process moved it aside)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if full:
            df = read_table(path)
            names = list(df.columns)
        else:
            df = None
            names = pq.read_schema(path).names
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno is not None:  # the file system's fault (permissions, I/O), not the file's
            raise CoGovInputError(f"cannot read this part file ({exc.strerror}); allowed: a readable sweep folder",
                                  source=str(path)) from None
        raise DamagedPart(path, f"cut off or corrupt ({_why(exc)})") from None
    except (pa.ArrowException, ValueError) as exc:
        raise DamagedPart(path, f"cut off, empty or not Parquet ({_why(exc)})") from None
    missing = [c for c in columns if c not in names]
    if missing:
        raise DamagedPart(path, f"not a part of a sweep (no column '{missing[0]}')")
    return df


def _scan(out: Path) -> tuple[dict[str, pd.DataFrame], list[DamagedPart]]:
    """The whole ``runs`` parts of a sweep folder by file name, and the damaged ones. A runs
    part counts as damaged, too, when its ``steps`` part is (its runs must be redone to have
    their steps)."""
    whole: dict[str, pd.DataFrame] = {}
    damaged: list[DamagedPart] = []
    runs, steps = out / "runs", out / "steps"
    for part in sorted(runs.glob(PART)) if runs.is_dir() else ():
        try:
            df = _read_part(part, RUN_COLUMNS)
            if (steps / part.name).exists():
                _read_part(steps / part.name, STEP_COLUMNS, full=False)
        except FileNotFoundError:  # moved aside by another shard meanwhile: its runs are not done
            continue
        except DamagedPart as exc:
            damaged.append(exc)
            continue
        whole[part.name] = df
    return whole, damaged


def _set_aside(out: Path, damaged: list[DamagedPart], note: Callable[[str], None]) -> None:
    """Move damaged parts (with the other file of their pair) into ``damaged/``, one note each."""
    for bad in damaged:
        name = Path(bad.path).name
        moved = []
        for sub in ("runs", "steps"):
            src = out / sub / name
            if not src.exists():
                continue
            dst = out / DAMAGED / sub / name
            _mkdir(dst.parent)
            if dst.exists():
                dst = dst.with_name(f"{name}.{uuid.uuid4().hex[:8]}")
            try:
                os.rename(src, dst)
            except FileNotFoundError:  # another shard moved it first
                continue
            _fsync_dir(src.parent)
            _fsync_dir(dst.parent)
            moved.append(f"{sub}/{name}")
        if moved:
            note(f"{bad.path}: damaged part, {bad.reason}; moved {' and '.join(moved)} into {out / DAMAGED}, "
                 "its runs will be run again")


def _remove_own_orphans(out: Path, tag: str) -> None:
    """Remove this shard's steps parts whose runs part was never written (cut off by a kill
    between the two): their runs are redone. Other shards' are left to them (and ignored by
    :func:`read_steps`)."""
    steps, runs = out / "steps", out / "runs"
    for part in steps.glob(f"part-{tag}-*.parquet") if steps.is_dir() else ():
        if not (runs / part.name).exists():
            part.unlink(missing_ok=True)


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


def _empty_results(manifest: dict[str, Any]) -> pd.DataFrame:
    cols = manifest.get("columns", {})
    draw = ["draw"] if manifest.get("experiment", {}).get("posterior_draws") else []
    return pd.DataFrame(columns=["run_id", "point", "replication", *draw, "seed", *cols.get("factors", []), "status",
                                 "error", "traceback", "wall_s", *cols.get("outcomes", [])])


def _damaged_error(out: Path, damaged: list[DamagedPart]) -> CoGovInputError:
    more = f" (and {len(damaged) - 1} more damaged parts)" if len(damaged) > 1 else ""
    return CoGovInputError(f"damaged part file, {damaged[0].reason}{more}; allowed: `cogov sweep EXPERIMENT --out "
                           f"{out} --resume` moves damaged parts aside and runs their runs again",
                           source=str(damaged[0].path))


def read_results(out: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep folder, one row per run, sorted by run id. A damaged part
    file is an input error naming it (``cogov sweep --resume`` repairs the folder)."""
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise CoGovInputError("not a sweep results folder (no manifest.json); allowed: a folder written by "
                              "`cogov sweep`", source=str(out))
    whole, damaged = _scan(out)
    if damaged:
        raise _damaged_error(out, damaged)
    if not whole:
        return _empty_results(read_manifest(out))
    df = pd.concat(list(whole.values()), ignore_index=True)
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def read_steps(out: str | Path) -> pd.DataFrame | None:
    """The per-step table of a sweep (None when the experiment kept no per-step outcomes): the
    steps parts of finished runs (a steps part whose runs part is missing was cut off)."""
    out = Path(out)
    steps = out / "steps"
    parts = [p for p in sorted(steps.glob(PART)) if (out / "runs" / p.name).exists()] if steps.is_dir() else []
    frames, damaged = [], []
    for p in parts:
        try:
            frames.append(_read_part(p, STEP_COLUMNS))
        except FileNotFoundError:
            continue
        except DamagedPart as exc:
            damaged.append(exc)
    if damaged:
        raise _damaged_error(out, damaged)
    if not frames:
        return None
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)


def read_design(out: str | Path) -> pd.DataFrame:
    """The design table of a sweep folder (an input error when it is missing or unreadable)."""
    path = Path(out) / DESIGN
    try:
        return read_table(path)
    except Exception as exc:  # missing, cut off, not Parquet
        raise CoGovInputError(f"cannot read the design table ({_why(exc)}); allowed: `cogov sweep EXPERIMENT --out "
                              f"{out} --resume` writes it again", source=str(path)) from None


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
                   "numbers); replication_seeds = SeedSequence(seed).spawn(replications x posterior draws); with "
                   "posterior draws, replication r runs under experiment.posterior_draws[r // replications]; design "
                   "sampling uses SeedSequence(seed, spawn_key=(crc32('design'),))",
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

    def __init__(self, out: Path, shard: tuple[int, int] | None, every: int, seconds: float, window: int):
        self.out = out
        self.window = window
        self.tag = _tag(shard)
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
            _mkdir(self.out / "steps")
            _write_parquet(pd.concat(self.steps, ignore_index=True), self.out / "steps" / name, self.tag, "steps")
        _write_parquet(pd.DataFrame(self.rows), self.out / "runs" / name, self.tag, "runs", self.window)
        self.rows, self.steps = [], []
        self.last = time.monotonic()


def _select(exp: Experiment, shard: tuple[int, int] | None) -> list[RunSpec]:
    runs = exp.runs()
    if shard is not None:
        i, n = shard
        runs = [r for r in runs if r.run_id % n == i - 1]
    return runs


def _not_written_by_a_sweep(out: Path) -> str | None:
    """The first entry of ``out`` (a folder without a manifest) that a sweep does not write
    before its manifest, or None when the folder holds nothing else (an empty folder, or one
    a sweep was killed in before its manifest was whole)."""
    def temporary(p: Path) -> bool:
        return p.name.startswith(".") and ".tmp-" in p.name

    for entry in sorted(out.iterdir()):
        if temporary(entry) or (entry.name == DESIGN and entry.is_file()):
            continue
        if entry.name not in ("runs", "steps") or not entry.is_dir():
            return entry.name
        for inner in entry.iterdir():
            if not temporary(inner):
                return f"{entry.name}/{inner.name}"
    return None


def _wait_for_manifest(out: Path, seconds: float = MANIFEST_WAIT_S) -> None:
    """When another process may be creating the manifest (its temporary manifest is there and
    its writer is not known to be gone), wait up to ``seconds`` for it to appear."""
    deadline = time.monotonic() + seconds
    while not (out / MANIFEST).is_file() and time.monotonic() < deadline:
        if all(_is_stale(t) for t in out.glob(f".{MANIFEST}.tmp-*")):
            return
        time.sleep(0.05)


def _check_fingerprint(exp: Experiment, out: Path, resume: bool) -> None:
    found = read_manifest(out)
    fp = exp.fingerprint()
    if found.get("fingerprint") != fp:
        raise CoGovInputError(f"holds results of a different experiment ('{found.get('experiment', {}).get('name')}', "
                              f"fingerprint {found.get('fingerprint')}, not {fp}); allowed: the folder of this "
                              "experiment, or a new one (results are never overwritten)", source=str(out),
                              key="--resume" if resume else "--out")


def check_folder(exp: Experiment, out: str | Path, *, resume: bool = False,
                 shard: tuple[int, int] | None = None) -> set[int]:
    """Check, without writing, that ``out`` can take this experiment's (shard of) runs; return
    the run ids already done there (in whole parts). Refuses a file, a folder of something
    else, a folder of a different experiment, and (without ``resume``) a folder that already
    holds selected runs. A folder with nothing but what a sweep writes before its manifest is
    new; if another shard is creating its manifest, this waits briefly for it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CoGovInputError("is a file; allowed: a folder for the sweep's results", source=str(out), key="--out")
    if not out.is_dir():
        return set()
    if not (out / MANIFEST).is_file():
        other = _not_written_by_a_sweep(out)
        if other is not None and not (out / MANIFEST).is_file():  # (the manifest may have appeared meanwhile)
            raise CoGovInputError(f"folder exists and is not a sweep of this experiment (no manifest.json, holds "
                                  f"'{other}'); allowed: a new or empty folder (results are never overwritten)",
                                  source=str(out), key="--out")
        _wait_for_manifest(out)
        if not (out / MANIFEST).is_file():
            return set()
    _check_fingerprint(exp, out, resume)
    whole, _ = _scan(out)
    done = {int(r) for df in whole.values() for r in df["run_id"]}
    selected = _select(exp, shard)
    already = sum(r.run_id in done for r in selected)
    if already and not resume:
        raise CoGovInputError(f"already holds {already} of the {len(selected)} selected runs of this experiment; "
                              "allowed: --resume to finish the rest, or a new --out (results are never overwritten)",
                              source=str(out), key="--out")
    return done


def _ensure_design(exp: Experiment, out: Path, tag: str) -> None:
    """Write ``design.parquet`` unless the one there is whole and this experiment's (it is
    derived from the manifest, so any process of the sweep may rewrite it)."""
    want = design_frame(exp)
    try:
        if read_table(out / DESIGN).equals(want):
            return
    except Exception:  # missing, cut off, not Parquet: write it
        pass
    _write_parquet(want, out / DESIGN, tag, "design")


def _prepare(exp: Experiment, out: Path, resume: bool, shard: tuple[int, int] | None,
             note: Callable[[str], None]) -> set[int]:
    """Check the folder, create it (or finish creating it) when new, repair it, and return the
    run ids already done there."""
    check_folder(exp, out, resume=resume, shard=shard)
    tag = _tag(shard)
    _mkdir(out)
    _remove_stale_temps(out)
    if not (out / MANIFEST).is_file():  # the commit point: of shards starting together, one creates it
        text = json.dumps(manifest_for(exp), indent=2, ensure_ascii=False).encode("utf-8")
        _write_file(out / MANIFEST, tag, lambda f: f.write(text), exclusive=True)
    _check_fingerprint(exp, out, resume)
    _mkdir(out / "runs")
    _ensure_design(exp, out, tag)
    _, damaged = _scan(out)
    _set_aside(out, damaged, note)
    _remove_own_orphans(out, tag)
    return check_folder(exp, out, resume=True, shard=shard)


def run_sweep(exp: Experiment, out: str | Path, *, executor: Any = None, shard: tuple[int, int] | None = None,
              resume: bool = False, progress: bool = False, flush_every: int | None = None,
              flush_seconds: float = 30.0, limit: int | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None,
              on_note: Callable[[str], None] | None = None) -> SweepReport:
    """Run the experiment's runs that are missing in ``out`` (all of them, or one shard's).

    Without ``resume``, a folder that already holds some of the selected runs is refused (so
    nothing is run twice); with it, only the missing runs are run. ``limit`` runs at most that
    many (for quick checks). Results are written as they finish. ``on_note`` gets a line for
    each repair of the folder (a damaged part moved aside); by default it goes to stderr.
    """
    from cogov_sim.experiments.executors import SerialExecutor

    out = Path(out)
    t0 = time.perf_counter()
    executor = executor or SerialExecutor()
    done = _prepare(exp, out, resume, shard, on_note or _note)
    runs = _select(exp, shard)
    already = sum(r.run_id in done for r in runs)
    todo = [r for r in runs if r.run_id not in done]
    if limit is not None:
        todo = todo[:limit]
    design = [f.key for f in exp.factors]
    writer = _PartWriter(out, shard, flush_every or max(4, min(64, 4 * getattr(executor, "workers", 1))),
                         flush_seconds, exp.outcomes.window)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="run", desc=exp.name, file=sys.stderr, dynamic_ncols=True)
    failed = 0
    share = shares_starts(exp)
    if share:  # replication by replication, so that a worker needs few starts at a time
        todo = sorted(todo, key=lambda r: (r.replication, r.point))
    tasks: Iterable[RunTask] = (RunTask(r, exp.base, exp.outcomes, exp.name, share) for r in todo)
    try:
        for task, result in executor.map_unordered(run_task, tasks):
            run = task.run
            if isinstance(result, BaseException):  # the worker itself was lost
                result = {"row": {"status": "failed", "error": f"{result.__class__.__name__}: {result}"[:500],
                                  "traceback": "", "wall_s": float("nan")}, "steps": None}
            row = {"run_id": run.run_id, "point": run.point, "replication": run.replication,
                   **({"draw": run.draw} if exp.posterior else {}), "seed": np.uint64(run.seed)}
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
