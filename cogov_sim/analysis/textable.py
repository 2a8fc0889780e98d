"""Plain-text tables for reports and the terminal (Markdown pipe tables)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def cell(value: Any, digits: int = 4) -> str:
    """One value as text: numbers to ``digits`` significant figures, NaN as a dash."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}g}"
    return str(value)


def markdown(df: pd.DataFrame, digits: int = 4) -> str:
    """``df`` as a Markdown pipe table (numbers right-aligned)."""
    cols = [str(c) for c in df.columns]
    rows = [[cell(v, digits) for v in r] for r in df.itertuples(index=False, name=None)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    head = "| " + " | ".join(cols) + " |"
    rule = "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"
    body = ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def plain(df: pd.DataFrame, digits: int = 4) -> str:
    """``df`` as aligned columns for the terminal."""
    cols = [str(c) for c in df.columns]
    rows = [[cell(v, digits) for v in r] for r in df.itertuples(index=False, name=None)]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
