"""Every column of every Parquet table says its unit and meaning, and `cogov describe` prints them."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cogov_sim.experiments.design import load_experiment
from cogov_sim.experiments.sweep import run_sweep
from cogov_sim.experiments.tables import column_info, describe_file, describe_frame, table_name
from cogov_sim.model.outcomes import INSTITUTION_COLUMNS, OUTCOMES
from tests.conftest import ROOT
from tests.test_cli import SMALL, cogov
from tests.test_experiment import write_tiny


def described(path) -> dict[str, dict[str, str]]:
    rows = describe_file(path)
    assert rows, path
    for r in rows:
        assert r["unit"] and r["description"], (path.name, r["column"])
    return {r["column"]: r for r in rows}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("described")
    pilots = ROOT / "scenarios" / "pilots" / "01_random_sites.toml"
    res = cogov("run", str(pilots), "--out", str(tmp / "run"), *SMALL, "--steps", "60", cwd=tmp)
    assert res.returncode == 0, res.stderr
    (tmp / "stdout.txt").write_text(res.stdout, encoding="utf-8")
    return tmp / "run"


def test_the_run_summary_gives_share_differences_in_percentage_points(run_folder):
    lines = (run_folder.parent / "stdout.txt").read_text(encoding="utf-8").splitlines()
    gap = next(line for line in lines if line.startswith("Age gap in participation"))
    assert gap.count(" pp") == 2 and "%" not in gap
    assert any("below 0, older residents take part less" in line for line in lines)
    assert any(line.startswith("results:") and "cogov describe" in line for line in lines)


def test_a_run_s_three_tables_describe_every_column(run_folder):
    ts = described(run_folder / "timeseries.parquet")
    assert ts["participation_rate"]["unit"] == "share" and ts["participation_rate"]["label_zh"] == "参与率"
    assert "percentage points" in ts["participation_gap_age"]["description"]
    assert ts["step"]["unit"] == "week"
    cs = described(run_folder / "communities.parquet")
    assert {"community", "residents", "pilot", "adopted_step"} <= set(cs)
    inst = described(run_folder / "institutions.parquet")
    assert set(INSTITUTION_COLUMNS) <= set(inst) and "kinds: enterprise" in inst["csr"]["description"]
    assert [table_name(run_folder / f"{t}.parquet") for t in ("timeseries", "communities", "institutions")] == \
        ["timeseries", "communities", "institutions"]
    # pandas reads the tables as before: the description lives only in the Parquet metadata
    df = pd.read_parquet(run_folder / "timeseries.parquet")
    assert df["step"].dtype == "int64" and df["participation_rate"].dtype == "float64"


def test_a_sweep_s_design_runs_and_steps_describe_every_column(tmp_path):
    exp = load_experiment(write_tiny(tmp_path))
    run_sweep(exp, tmp_path / "out")
    design = described(tmp_path / "out" / "design.parquet")
    assert design["levers.digital_investment"]["unit"] == "CNY/resident/year"
    assert design["u:levers.digital_investment"]["unit"] == "0-1"
    runs = described(next((tmp_path / "out" / "runs").glob("part-*.parquet")))
    assert runs["mean_trust_sd"]["description"].startswith("Standard deviation over the last 4 weeks of")
    assert runs["mean_trust_sd"]["label_zh"] == "信任（标准差）" and runs["wall_s"]["unit"] == "s"
    steps = described(next((tmp_path / "out" / "steps").glob("part-*.parquet")))
    assert {"run_id", "step", "participation_rate"} <= set(steps)


def test_every_outcome_and_institution_column_has_its_definition():
    for o in OUTCOMES:
        assert column_info(o.name).description == o.doc
    for name in INSTITUTION_COLUMNS:
        assert column_info(name) is not None
    assert column_info("no_such_column") is None
    with pytest.raises(KeyError, match="no_such_column"):
        describe_frame(pd.DataFrame({"step": [1], "no_such_column": [0.0]}), table="test")


def test_describe_prints_units_and_meanings_in_either_language(run_folder, tmp_path):
    res = cogov("describe", str(run_folder), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "timeseries.parquet (timeseries, " in res.stdout and "institutions.parquet (institutions, " in res.stdout
    rate = next(line for line in lines if line.split()[:1] == ["participation_rate"])
    assert "share" in rate and "Participation:" in rate
    zh = cogov("describe", str(run_folder / "timeseries.parquet"), "--lang", "zh", cwd=tmp_path)
    assert zh.returncode == 0 and "参与率:" in zh.stdout


def test_describe_refuses_what_is_not_a_table_in_one_line(tmp_path):
    missing = cogov("describe", str(tmp_path / "nothing"), cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "RESULTS" in missing.stderr
    (tmp_path / "empty").mkdir()
    assert "holds no Parquet tables" in cogov("describe", str(tmp_path / "empty"), cwd=tmp_path).stderr
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    bad = cogov("describe", str(tmp_path / "bad.parquet"), cwd=tmp_path)
    assert bad.returncode == 2 and "not a readable Parquet file" in bad.stderr and "Traceback" not in bad.stderr
    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "other.parquet")
    other = cogov("describe", str(tmp_path / "other.parquet"), cwd=tmp_path)
    assert other.returncode == 0 and "undescribed" in other.stdout


def test_every_read_of_a_table_goes_through_the_one_reader():
    """Reads outside ``read_table`` would bring back Arrow's thread pools (see the next test)."""
    package = ROOT / "cogov_sim"
    direct = [f"{p.relative_to(ROOT)}:{i}" for p in package.rglob("*.py") for i, line in
              enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if ("read_parquet(" in line or "read_table(" in line and "pq." in line)
              and not line.lstrip().startswith(("``", "#")) and "use_threads=False" not in line
              and "read_parquet('" not in line and "(folder /" not in line]
    assert direct == []


def test_a_process_that_exits_right_after_reading_a_table_exits_cleanly(tmp_path):
    """A threaded Arrow read followed at once by the end of the process aborts it in a share of
    tries with pyarrow 14 to 21 (apache/arrow#34314); a command refusing a bad posterior file
    did so. The one reader uses no thread pool, so the exit status is the program's own."""
    import subprocess
    import sys

    path = tmp_path / "p.parquet"
    pd.DataFrame({"weight": [1.0, 2.0]}).to_parquet(path, index=False)
    code = ("import sys; from cogov_sim.experiments.tables import read_table; "
            f"read_table({str(path)!r}); sys.exit(2)")
    codes = [subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT).returncode
             for _ in range(12)]
    assert codes == [2] * 12
