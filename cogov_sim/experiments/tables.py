"""Self-describing tables: every column of every Parquet file carries its unit and meaning.

A column's unit, description and labels (English, and Chinese where defined) are stored in its Parquet field
metadata (keys ``unit``, ``description``, ``label_en``, ``label_zh``), read from the one
definition of each quantity: outcomes from :data:`cogov_sim.model.outcomes.OUTCOMES`,
institutions' columns from :data:`~cogov_sim.model.outcomes.INSTITUTIONS`, a sweep's factors
from the parameter definitions (:data:`cogov_sim.model.parameters.PARAMETERS`), and the few
bookkeeping columns (ids, weeks, status) from :data:`COLUMNS` here. pandas reads the files as
before; ``cogov describe`` and :func:`describe_file` print what they hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cogov_sim.model.outcomes import INSTITUTIONS, OUTCOMES
from cogov_sim.model.parameters import PARAMETERS
from cogov_sim.model.pilots import REASONS


@dataclass(frozen=True)
class Column:
    """What one column holds: its unit (``-`` for labels and ids) and what it means."""

    unit: str
    description: str
    label_en: str = ""
    label_zh: str = ""


#: Columns that are not an outcome, an institution's decision or a parameter.
COLUMNS: Mapping[str, Column] = {
    "step": Column("week", "Week of the run; week 1 is the first week after the burn-in.", "Week", "周"),
    "community": Column("-", "Community index (0-based), as in the network.", "Community", "社区"),
    "residents": Column("residents", "Residents of the community.", "Residents", "居民人数"),
    "pilot": Column("-", "Label of the pilot whose site the community was (empty: none).", "Pilot", "试点"),
    "is_pilot": Column("0/1", "Whether the community was a pilot site.", "Pilot site", "试点社区"),
    "adopted_step": Column("week", "Week the community adopted the reform (-1: never).", "Adopted in week",
                           "采纳周"),
    "adoption_reason": Column("-", "Why it adopted: " + ", ".join(r for r in REASONS if r) + " (empty: it did "
                              "not).", "Reason", "采纳原因"),
    "kind": Column("-", "Kind of institution: government, enterprise or social_organisation.", "Kind", "类型"),
    "agent": Column("-", "The institution's agent id in the model.", "Agent", "主体"),
    "policy": Column("-", "The decision policy it followed that week (its registered name).", "Policy", "策略"),
    "run_id": Column("-", "Run number in the experiment's design.", "Run", "运行"),
    "point": Column("-", "Design point (a combination of factor values).", "Design point", "设计点"),
    "replication": Column("-", "Replication; replication r uses the same seed at every design point.",
                          "Replication", "重复"),
    "seed": Column("-", "Root seed of the run (run.seed).", "Seed", "种子"),
    "status": Column("-", "ok, or failed (then error and traceback say why).", "Status", "状态"),
    "error": Column("-", "The error of a failed run, one line.", "Error", "错误"),
    "traceback": Column("-", "The traceback of a failed run.", "Traceback", "回溯"),
    "wall_s": Column("s", "Wall time of the run in its worker, build included (not reproducible).", "Wall time",
                     "耗时"),
}

_STATS = {"mean": "mean", "sd": "standard deviation", "min": "minimum", "max": "maximum"}
_STATS_ZH = {"mean": "均值", "sd": "标准差", "min": "最小值", "max": "最大值"}


def column_info(name: str, *, window: int | None = None) -> Column | None:
    """What the column ``name`` holds, or None when nothing defines it. Sweep columns
    ``<outcome>_<stat>`` are the statistic of the outcome over the last ``window`` weeks;
    ``u:<key>`` is a factor's coordinate in the unit cube of the design."""
    if name in COLUMNS:
        return COLUMNS[name]
    for o in OUTCOMES:
        if o.name == name:
            return Column(o.unit, o.doc, o.label_en, o.label_zh)
    for c in INSTITUTIONS:
        if c.name == name:
            return Column(c.unit, f"{c.doc} (kinds: {', '.join(c.kinds)}; empty for others)")
    if name in PARAMETERS:
        p = PARAMETERS[name]
        return Column(p.unit, f"Factor: {p.doc}", p.label_en, p.label_zh)
    if name.startswith("u:") and name[2:] in PARAMETERS:
        return Column("0-1", f"Coordinate of factor {name[2:]} in the unit cube the design sampled.")
    stem, _, stat = name.rpartition("_")
    if stat in _STATS and stem:
        base = column_info(stem)
        if base is not None and stem not in COLUMNS:
            over = f"the last {window} weeks" if window else "the summary window"
            return Column(base.unit, f"{_STATS[stat].capitalize()} over {over} of: {base.description}",
                          f"{base.label_en} ({_STATS[stat]})" if base.label_en else "",
                          f"{base.label_zh}（{_STATS_ZH[stat]}）" if base.label_zh else "")
    return None


#: What a column nothing defines is said to be, when a table is written without ``strict``.
UNDEFINED = Column("?", "Not described: a name that no outcome, parameter or table column of cogov_sim defines.")


def describe_frame(df: pd.DataFrame, *, table: str, window: int | None = None, strict: bool = True) -> Any:
    """``df`` as a pyarrow table whose every field carries its :func:`column_info` and whose
    schema names the table (``cogov_sim.table``). A column nothing defines is an error with
    ``strict`` (the model's own tables never leave without their meaning), else marked
    :data:`UNDEFINED` (a sweep of a design built in Python may vary any name)."""
    import pyarrow as pa

    arrow = pa.Table.from_pandas(df, preserve_index=False)
    fields = []
    for f in arrow.schema:
        info = column_info(f.name, window=window)
        if info is None and not strict:
            info = UNDEFINED
        if info is None:
            raise KeyError(f"column {f.name!r} of {table} has no definition (cogov_sim.experiments.tables)")
        meta = {"unit": info.unit, "description": info.description}
        meta.update({k: v for k, v in (("label_en", info.label_en), ("label_zh", info.label_zh)) if v})
        fields.append(f.with_metadata({k.encode(): v.encode("utf-8") for k, v in meta.items()}))
    schema = pa.schema(fields, metadata={**(arrow.schema.metadata or {}), b"cogov_sim.table": table.encode()})
    return pa.Table.from_arrays(arrow.columns, schema=schema)


def write_parquet(df: pd.DataFrame, target: Any, *, table: str, window: int | None = None,
                  strict: bool = True) -> None:
    """Write ``df`` as Parquet to ``target`` (a path or an open binary file), self-described
    (:func:`describe_frame`)."""
    import pyarrow.parquet as pq

    pq.write_table(describe_frame(df, table=table, window=window, strict=strict), target)


def read_table(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet file (or a folder of parts) as a DataFrame, read without Arrow's thread pools.

    The tables are small (a sweep's runs, a posterior), so one thread costs little. A threaded
    read starts Arrow's pools lazily, and a process that exits within moments of it (a command
    that refuses its input, or prints a short table) can abort while those pools are torn down
    ("terminate called without an active exception", apache/arrow#34314; seen with pyarrow 14 to
    21). Every read of the package's files goes through here.
    """
    return pd.read_parquet(path, columns=columns, use_threads=False, pre_buffer=False)


def describe_file(path: str | Path) -> list[dict[str, str]]:
    """Each column of a Parquet file with its type and what its metadata says (empty strings
    for a file this package did not write)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    rows = []
    for f in schema:
        meta = {k.decode(): v.decode("utf-8") for k, v in (f.metadata or {}).items()}
        rows.append({"column": f.name, "type": str(f.type), "unit": meta.get("unit", ""),
                     "description": meta.get("description", ""), "label_en": meta.get("label_en", ""),
                     "label_zh": meta.get("label_zh", "")})
    return rows


def table_name(path: str | Path) -> str:
    """The table a Parquet file of this package holds (``cogov_sim.table``), or ''."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return meta.get(b"cogov_sim.table", b"").decode()
