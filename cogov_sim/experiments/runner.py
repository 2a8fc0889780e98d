"""Running one scenario and writing its results.

A run writes into a fresh folder: ``manifest.json`` (everything needed to rebuild the run),
``timeseries.parquet`` (one row per step), ``communities.parquet`` (one row per community per
step), ``institutions.parquet`` (one row per institution per step), ``scenario.toml``, for a
network read from a file a copy of the file(s) it names, and, when a figure writer is given,
``figures/``. Files are first written to a temporary sibling folder
that is renamed into place at the end, so a failed run leaves nothing behind and never
overwrites an earlier one.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import errno
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.tables import write_parquet
from cogov_sim.model.model import CoGovModel
from cogov_sim.model.scenario import Scenario, check_name

PACKAGES = ("cogov_sim", "mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "matplotlib")


@dataclass
class RunResult:
    """What one run produced: the two tables, the manifest, and where they were written."""

    timeseries: pd.DataFrame
    communities: pd.DataFrame
    manifest: dict[str, Any]
    out_dir: Path | None


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    """The commit of the source tree the package runs from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--", str(here)], cwd=here, capture_output=True,
                           text=True, timeout=5).stdout.strip()
    return res.stdout.strip() + ("-dirty" if dirty else "")


def simulate(scenario: Scenario, *, progress: bool = False) -> tuple[CoGovModel, float]:
    """Build and run the model; return it and the model time in seconds (construction excluded)."""
    model = CoGovModel(scenario)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=scenario.run.steps, unit="week", desc=scenario.name, file=sys.stderr, leave=False)
    t0 = time.perf_counter()
    model.run(progress=(lambda t: bar.update(1)) if bar is not None else None)
    elapsed = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    return model, elapsed


def tables(model: CoGovModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model's outcomes as DataFrames: overall per step, and per community per step."""
    ts = pd.DataFrame(model.timeseries())
    cs = pd.DataFrame(model.community_timeseries())
    sizes = model.network.community_sizes
    comm = cs["community"].to_numpy()
    cs.insert(2, "residents", sizes[comm].astype(np.int64))
    for name, values in model.pilots.table().items():
        if name != "community":
            cs[name] = values[comm]
    return ts, cs


def network_copies(s: Scenario) -> dict[str, tuple[Path, str]]:
    """For a network read from a file: each file the run copies into its results folder, by the
    key that names it (``network.file``, ``network.node_file``), as (the original, the copy's name).

    A run keeps copies so that its folder is whole: its ``scenario.toml`` names the copies
    relative to itself, so ``cogov run <folder>/scenario.toml`` rebuilds the run from any working
    folder, on any machine, even after the original file has moved or changed."""
    if s.network.kind != "file":
        return {}
    base = Path(s.base_dir or ".")
    out = {"network.file": (base / s.network.file, "network" + Path(s.network.file).suffix)}
    if s.network.node_file:
        out["network.node_file"] = (base / s.network.node_file, "nodes" + Path(s.network.node_file).suffix)
    return out


def recorded_scenario(s: Scenario) -> Scenario:
    """The scenario as a run's results record it: a file network names the copies in the results
    folder (:func:`network_copies`), relative to it."""
    copies = network_copies(s)
    if not copies:
        return s
    names = {key.split(".", 1)[1]: copy for key, (_, copy) in copies.items()}
    return dataclasses.replace(s, network=dataclasses.replace(s.network, **names))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_manifest(model: CoGovModel, *, started: _dt.datetime, wall: float, model_time: float,
                   argv: list[str] | None = None) -> dict[str, Any]:
    """Everything needed to rebuild the run: resolved scenario, seeds, versions, commit, timing.

    The scenario is the one the model ran (for a file network: its true residents and
    communities) as :func:`recorded_scenario` writes it; a file network's entry also says which
    original each copied file came from, with its SHA-256."""
    s = model.settings
    streams = model.streams.describe()
    streams["stream_states"] = {name: seeds for name, seeds in sorted(model.streams.seeds.items())}
    net = model.network
    network: dict[str, Any] = {"kind": s.network.kind, "residents": net.n, "ties": int(net.edges.shape[0]),
                               "mean_degree": float(net.degree.mean()), "communities": net.n_communities,
                               "community_sizes": net.community_sizes.tolist()}
    copies = network_copies(s)
    if copies:
        network["files"] = {key: {"copy": copy, "original": str(original.resolve()), "sha256": _sha256(original)}
                            for key, (original, copy) in copies.items()}
    return {
        "scenario_name": s.name,
        "scenario": recorded_scenario(s).to_dict(),
        "root_seed": s.run.seed,
        "seeds": streams,
        "network": network,
        "burn_in_weeks": model.burn_in_weeks,
        "versions": versions(),
        "git_commit": git_commit(),
        "started": started.isoformat(timespec="seconds"),
        "wall_time_s": round(wall, 3),
        "model_time_s": round(model_time, 3),
        "command": argv,
        "pilots": [ev.to_dict() for ev in model.pilots.evaluations],
        "rebuild": f"cogov run <scenario.toml from this manifest> --seed {s.run.seed}",
    }


def new_run_dir(root: Path, scenario: Scenario, started: _dt.datetime) -> Path:
    """``root/<scenario>/<UTC time>-s<seed>``, with a suffix if that already exists."""
    check_name(scenario.name, source=scenario.source or None)  # a scenario built in Python is not checked on load
    base = root / scenario.name / f"{started:%Y%m%dT%H%M%SZ}-s{scenario.run.seed}"
    out, i = base, 1
    while out.exists():
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def check_writable(path: Path, *, key: str = "--out", into: bool = False) -> None:
    """Refuse, before a long run, an output path (a folder or a file) that could not be created.

    The path must hold no NUL byte, every existing ancestor must be a folder, its new names must
    fit the file system, and the folder it would be made in (with ``into``, the path itself when
    it is an existing folder that files are written into) must let us create entries: that is
    tried for real (an empty folder made and removed at once), which answers for read-only file
    systems, permissions, ACLs and network file systems alike. Whether the path itself may
    already exist is for the caller (:func:`check_new_folder`, :func:`check_new_file`,
    :func:`check_output_dir`); a sweep's folder can be checked with this too."""
    src = str(path)
    if "\0" in src:
        raise CoGovInputError("holds a NUL byte; allowed: a folder path", source=repr(src), key=key)
    path = Path(os.path.abspath(path))
    missing: list[str] = []
    anchor = path  # the nearest part of the path that exists
    while True:
        try:
            anchor.stat()
            break
        except (FileNotFoundError, NotADirectoryError):
            pass  # not there, or a file above it: found where the walk reaches it
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise CoGovInputError(f"cannot be created ({exc.strerror}: {anchor}); allowed: a folder you can "
                                      "write to", source=src, key=key) from None
        missing.append(anchor.name)
        anchor = anchor.parent
    where = anchor if anchor != path else path if into and path.is_dir() else path.parent
    if not where.is_dir():
        raise CoGovInputError(f"is under a file ({where}); allowed: a path whose every parent is a folder",
                              source=src, key=key)
    try:
        name_max = os.pathconf(where, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    for name in missing:
        if len(os.fsencode(name)) > name_max:
            raise CoGovInputError(f"the name '{name[:24]}...' is longer than the file system allows ({name_max} "
                                  "bytes); allowed: shorter names", source=src, key=key)
    try:
        probe = tempfile.mkdtemp(prefix=".cogov-write-check-", dir=where)
    except OSError as exc:
        raise CoGovInputError(f"cannot be created: cannot write in {where} ({exc.strerror}); allowed: a folder you "
                              "can write to", source=src, key=key) from None
    os.rmdir(probe)


def _refuse_a_file(out_dir: Path, allowed: str, key: str) -> None:
    """A one-line error when ``out_dir`` is an existing file (an unusable path passes here:
    :func:`check_writable` says why)."""
    try:
        is_file = out_dir.exists() and not out_dir.is_dir()
    except (ValueError, OSError):
        is_file = False
    if is_file:
        raise CoGovInputError(f"is a file; allowed: {allowed}", source=str(out_dir), key=key)


def check_new_folder(out_dir: Path, *, key: str = "--out") -> None:
    """Refuse an output folder that is a file, exists and is not empty (results are never
    overwritten), or could not be created (:func:`check_writable`)."""
    _refuse_a_file(out_dir, "a new or empty folder", key)
    check_writable(out_dir, key=key)
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise CoGovInputError("folder exists and is not empty; allowed: a new or empty folder (results are never "
                              "overwritten)", source=str(out_dir), key=key)


def check_output_dir(out_dir: Path, *, key: str = "--out") -> None:
    """Refuse an output folder that is a file, or that could not be created or written into; it
    may already hold files (whoever writes there must then not overwrite them unasked)."""
    _refuse_a_file(out_dir, "a folder", key)
    check_writable(out_dir, key=key, into=True)


def check_new_file(out: Path, *, key: str = "--out") -> None:
    """Refuse an output file that exists (or is a folder), or could not be created."""
    try:
        exists, is_dir = out.exists(), out.is_dir()
    except (ValueError, OSError):
        exists = is_dir = False  # an unusable path: check_writable says why
    if is_dir:
        raise CoGovInputError("is a folder; allowed: a new file", source=str(out), key=key)
    if exists:
        raise CoGovInputError("file exists; allowed: a new file (results are never overwritten)", source=str(out),
                              key=key)
    check_writable(out, key=key)


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """A temporary sibling folder to write into; it becomes ``out_dir`` when the block ends
    normally and is removed if it raises, so a folder of results is complete or absent."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if out_dir.exists():
            out_dir.rmdir()
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


#: Writes a run's figures into a folder, from its per-step table and scenario (the CLI passes
#: :func:`cogov_sim.present.plots.write_figures`; the running layer draws nothing itself).
FigureWriter = Callable[[pd.DataFrame, Scenario, Path], None]


def write_run(model: CoGovModel, out_dir: Path, manifest: dict[str, Any], *,
              figures: FigureWriter | None = None) -> RunResult:
    """Write the run's files into ``out_dir`` (which must not exist or be empty), atomically;
    ``figures``, when given, writes into ``out_dir/figures``."""
    check_new_folder(out_dir)
    ts, cs = tables(model)
    with atomic_folder(out_dir) as tmp:
        write_parquet(ts, tmp / "timeseries.parquet", table="timeseries")
        write_parquet(cs, tmp / "communities.parquet", table="communities")
        write_parquet(pd.DataFrame(model.institution_table()), tmp / "institutions.parquet", table="institutions")
        for original, copy in network_copies(model.settings).values():
            shutil.copyfile(original, tmp / copy)
        (tmp / "scenario.toml").write_text(scenario_toml(recorded_scenario(model.settings)), encoding="utf-8")
        if figures is not None:
            (tmp / "figures").mkdir()
            figures(ts, model.settings, tmp / "figures")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=_plain),
                                           encoding="utf-8")
    return RunResult(ts, cs, manifest, out_dir)


def run_scenario(scenario: Scenario, *, out_dir: Path | None = None, results_root: Path = Path("results"),
                 progress: bool = False, figures: FigureWriter | None = None,
                 argv: list[str] | None = None) -> RunResult:
    """Run one scenario and write its results (to ``out_dir``, or a new folder under ``results_root``)."""
    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    if out_dir is not None:
        check_new_folder(out_dir)
    else:  # the folder's name is fixed after the run (unique then); that it can be made is checked now
        check_writable(new_run_dir(results_root, scenario, started))
    model, model_time = simulate(scenario, progress=progress)
    manifest = build_manifest(model, started=started, wall=time.perf_counter() - t0, model_time=model_time,
                              argv=argv)
    target = out_dir if out_dir is not None else new_run_dir(results_root, scenario, started)
    return write_run(model, target, manifest, figures=figures)


def scenario_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as a TOML file that `cogov run` accepts as it is."""
    d = scenario.to_dict()
    lines = [f"# Fully resolved scenario '{scenario.name}', written by cogov_sim.", ""]
    for section, body in d.items():
        if section in ("interventions", "shocks", "pilots"):
            continue
        lines.append(f"[{section}]")
        for key, value in body.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    for iv in d["interventions"]:
        lines.append("[[interventions]]")
        lines.append(f"step = {iv['step']}")
        lines.append(f"communities = {_toml_value(iv['communities'])}")
        lines.append(f"label = {_toml_value(iv['label'])}")
        lines.append(f"set = {_toml_table(iv['set'])}")
        lines.append("")
    for pl in d["pilots"]:
        lines.append("[[pilots]]")
        for key, value in pl.items():
            lines.append(f"{key} = {_toml_table(value) if isinstance(value, dict) else _toml_value(value)}")
        lines.append("")
    for sh in d["shocks"]:
        lines.append("[[shocks]]")
        for key, value in sh.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_table(d: dict[str, Any]) -> str:
    """A TOML inline table."""
    return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in d.items()) + " }"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def _plain(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return dict(o) if hasattr(o, "items") else str(o)
