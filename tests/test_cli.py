"""The ``cogov`` command as a user runs it: results on disk, and clear errors for bad input."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

SMALL = ["--set", "population.residents=800", "--set", "space.communities=4", "--steps", "12",
         "--set", "run.burn_in=4", "--quiet"]


def cogov(*args, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "cogov_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def test_run_writes_manifest_tables_and_dashboard(root, tmp_path):
    out = tmp_path / "run"
    res = cogov("run", str(root / "scenarios" / "baseline.toml"), "--out", str(out), "--seed", "11", *SMALL, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Resolution of all need" in res.stdout and "Status quo (baseline):" in res.stdout  # labels, the name once
    assert "resolution_rate" not in res.stdout
    ts = pd.read_parquet(out / "timeseries.parquet")
    cs = pd.read_parquet(out / "communities.parquet")
    for col in ("step", "participation_rate", "mean_trust", "resolution_rate", "backlog", "satisfaction",
                "responsiveness", "participation_gap_age", "breaches", "spend"):
        assert col in ts.columns
    assert len(ts) == 12 and len(cs) == 12 * 4 and set(cs["community"]) == {0, 1, 2, 3}
    inst = pd.read_parquet(out / "institutions.parquet")
    assert set(inst["kind"]) == {"government", "enterprise", "social_organisation"}
    assert inst.groupby("step").size().nunique() == 1 and set(inst["step"]) == set(ts["step"])
    m = json.loads((out / "manifest.json").read_text())
    assert m["root_seed"] == 11 and m["scenario"]["population"]["residents"] == 800
    assert {"numpy", "mesa", "python", "cogov_sim"} <= set(m["versions"]) and m["wall_time_s"] > 0
    assert m["seeds"]["stream_states"]["network"]
    from cogov_sim.model.rng import STREAM_PARTS

    assert {f"population/{p}" for p in STREAM_PARTS["population"]} <= set(m["seeds"]["stream_states"])
    assert set(m["seeds"]["parts"]) >= {f"population/{p}" for p in STREAM_PARTS["population"]}
    png = (out / "figures" / "dashboard.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    # the resolved scenario written beside the results rebuilds the run exactly
    again = tmp_path / "again"
    res = cogov("run", str(out / "scenario.toml"), "--out", str(again), "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (again / "timeseries.parquet").read_bytes() == (out / "timeseries.parquet").read_bytes()


def test_same_seed_gives_byte_identical_parquet(root, tmp_path):
    for name in ("a", "b"):
        res = cogov("run", "baseline", "--out", str(tmp_path / name), *SMALL, cwd=root)
        assert res.returncode == 0, res.stderr
    for f in ("timeseries.parquet", "communities.parquet", "institutions.parquet"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_default_output_folder(root, tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mini.toml").write_text("[population]\nresidents = 300\n[run]\nsteps = 3\nburn_in = 1\n")
    res = cogov("run", "mini", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    runs = list((tmp_path / "results" / "mini").iterdir())
    assert len(runs) == 1 and (runs[0] / "manifest.json").exists()


BAD = [
    ("malformed", "[population\nresidents = 3\n", [], "malformed TOML"),
    ("unknown key", "[population]\nresidnts = 3\n", [], "did you mean 'population.residents'"),
    ("wrong type", "[levers]\ntransparency = 'high'\n", [], "is not a number"),
    ("out of range", "[levers]\ntransparency = 2.0\n", [], "out of range"),
    ("network kind", "[network]\nkind = 'lattice'\n", [], "allowed: one of 'sbm'"),
    ("network file", "[network]\nkind = 'file'\nfile = 'missing.graphml'\n", [], "network file not found"),
    ("no community attribute", "[network]\nkind = 'file'\nfile = 'g.graphml'\n", [], "lack the community attribute"),
    ("bad --set key", "", ["--set", "levers.transparncy=0.5"], "did you mean 'levers.transparency'"),
    ("bad --set value", "", ["--set", "population.residents=-4"], "out of range"),
]


@pytest.mark.parametrize("name,text,extra,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, name, text, extra, fragment):
    import networkx as nx

    nx.write_graphml(nx.path_graph(5), tmp_path / "g.graphml")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    res = cogov("run", str(path), "--out", str(tmp_path / "out"), "--quiet", *extra, cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_missing_scenario_file(tmp_path):
    res = cogov("run", "nowhere.toml", cwd=tmp_path)
    assert res.returncode == 2 and "scenario file not found" in res.stderr and "Traceback" not in res.stderr


def test_existing_results_are_never_overwritten(root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    res = cogov("run", "baseline", "--out", str(out), *SMALL, cwd=root)
    assert res.returncode == 2 and "never overwritten" in res.stderr
    assert (out / "keep.txt").read_text() == "earlier results" and len(list(out.iterdir())) == 1


def test_params_lists_every_parameter(tmp_path):
    res = cogov("params", cwd=tmp_path)
    assert res.returncode == 0 and "population.residents = 10000" in res.stdout and "Source:" in res.stdout
