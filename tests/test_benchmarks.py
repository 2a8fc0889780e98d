"""The side-by-side benchmark runs end to end at small sizes and leaves README.md alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


@pytest.mark.slow
def test_bench_runs_times_both_batches_on_one_and_two_workers():
    readme = (ROOT / "benchmarks" / "README.md").read_bytes()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_runs.py"), "--seeds", "1", "--no-write"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("| distinct") or line.startswith("| levers")]
    assert [row.split("|")[2].strip() for row in rows] == ["1", "2", "1", "2"]
    assert all(row.split("|")[3].strip() == "8" for row in rows)
    assert (ROOT / "benchmarks" / "README.md").read_bytes() == readme


def test_bench_phases_times_every_phase_of_the_week():
    from benchmarks.bench_phases import PHASES

    week = (ROOT / "cogov_sim" / "model" / "model.py").read_text(encoding="utf-8")
    body = week[week.index("    def week(self"):week.index("    def run(self")]
    called = [name for name in PHASES if f"self.{name.replace('gov.', 'government.')}(" in body]
    assert called == list(PHASES)  # the benchmark follows the model's phases, all of them
    readme = (ROOT / "benchmarks" / "README.md").read_bytes()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_phases.py"), "--sizes", "600",
                          "--weeks", "10", "--repeats", "1", "--no-write"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("| `") == len(PHASES) and "| **week** |" in out.stdout
    assert (ROOT / "benchmarks" / "README.md").read_bytes() == readme


@pytest.mark.slow
def test_bench_workshop_plays_rounds_with_participants_on_threads():
    readme = (ROOT / "benchmarks" / "README.md").read_bytes()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_workshop.py"), "--participants", "5",
                          "--rounds", "2", "--no-write"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if line.startswith("| 5 |"))
    assert row.split("|")[2].strip() == "2"
    assert (ROOT / "benchmarks" / "README.md").read_bytes() == readme


def test_bench_batching_projects_runs_from_batched_weeks():
    from benchmarks.bench_batching import PER_JURISDICTION
    from benchmarks.bench_phases import PHASES

    assert set(PER_JURISDICTION) <= set(PHASES)  # the phases it adds back are the model's own
    readme = (ROOT / "benchmarks" / "README.md").read_bytes()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_batching.py"), "--batches", "1", "2",
                          "--weeks", "5", "--repeats", "1", "--seeds", "1", "--no-write"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    rows = {int(line.split("|")[1]): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in out.stdout.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")}
    assert rows[1][0] == "2,000" and rows[2][0] == "4,000"  # B replications of 2,000 residents
    week, bound, with_institutions = (float(rows[1][i].replace(",", "")) for i in range(1, 4))
    assert abs(week * 1000 - bound) <= 10 and bound == with_institutions  # alone: the week itself
    assert float(rows[2][3].replace(",", "")) > float(rows[2][2].replace(",", ""))  # institutions added back
    for cells in rows.values():  # a sweep run: 104 weeks at the cost with institutions
        per_rep, calibration, sweep = (float(cells[i].replace(",", "")) for i in (3, 5, 6))
        assert abs(sweep - per_rep * 104 / 1000) <= 1 and calibration > sweep  # plus a burn-in
    assert (ROOT / "benchmarks" / "README.md").read_bytes() == readme
