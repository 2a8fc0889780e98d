"""The side-by-side benchmark runs end to end at small sizes and leaves README.md alone."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_bench_reference_prints_its_three_tables():
    readme = (ROOT / "benchmarks" / "README.md").read_bytes()
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_reference.py"), "--reference-sizes", "400",
         "--sizes", "2000", "--degree-residents", "2000", "--quick", "--no-write"],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "| 400 | 40 |" in text and "| yes |" in text  # the reference ended in the model's state
    assert "| 2,000 |" in text and "week / product" in text
    assert text.count("| 80 |") == 1 and "R^2 =" in text  # one row per degree, and the fitted line
    assert "Machine:" in text
    assert (ROOT / "benchmarks" / "README.md").read_bytes() == readme
