"""Experiments: designs, executors, the results store, resume after a kill, and sensitivity."""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cogov_sim.analysis.sensitivity import analyse, morris_effects, sobol_indices
from cogov_sim.experiments.design import DesignSpec, Factor, design_matrix, design_size, load_experiment
from cogov_sim.experiments.executors import DaskExecutor, LocalExecutor, SerialExecutor
from cogov_sim.experiments.sweep import read_results, read_steps, run_sweep

from .test_cli import cogov

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
TINY = {"population.residents": 300, "space.communities": 3, "run.steps": 8, "run.burn_in": 2}

TINY_TOML = """
name = "tiny"
scenario = "{scenario}"
replications = 2
seed = 5
[set]
"population.residents" = {residents}
"space.communities" = 3
"run.steps" = {steps}
"run.burn_in" = 2
[design]
kind = "latin_hypercube"
samples = {samples}
[[factors]]
key = "levers.digital_investment"
low = 0.0
high = 50.0
[[factors]]
key = "levers.online_platform"
values = [false, true]
[outcomes]
names = ["participation_rate", "mean_trust"]
keep = ["final", "summary", "per_step"]
window = 4
stats = ["mean", "sd"]
"""


def write_tiny(tmp_path: Path, *, residents=300, steps=8, samples=3, name="tiny.toml", extra="") -> Path:
    path = tmp_path / name
    path.write_text(TINY_TOML.format(scenario=ROOT / "scenarios" / "baseline.toml", residents=residents, steps=steps,
                                     samples=samples) + extra)
    return path


def test_an_experiment_named_as_its_scenario_reads_the_scenario_not_itself(tmp_path, monkeypatch):
    """experiments/baseline.toml with scenario = "baseline": the shipped scenario of that name."""
    path = write_tiny(tmp_path, name="baseline.toml")
    path.write_text(path.read_text().replace(f'"{ROOT / "scenarios" / "baseline.toml"}"', '"baseline"'))
    assert 'scenario = "baseline"' in path.read_text()
    exp = load_experiment(path)
    assert exp.base.scenario.name == "baseline" and exp.base.population.residents == 300
    # ... and so does one that names the scenario's file from the experiment's own folder
    path.write_text(path.read_text().replace('scenario = "baseline"', 'scenario = "baseline.toml"'))
    monkeypatch.chdir(tmp_path)
    assert load_experiment(Path("baseline.toml")).base.scenario.name == "baseline"


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Everything but the wall time, by run id."""
    return df.drop(columns=["wall_s"]).sort_values("run_id").reset_index(drop=True)


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------ designs
RANGE = Factor("a", low=2.0, high=5.0)
INT = Factor("n", low=10, high=20, integer=True)
LIST = Factor("flag", values=(False, True))


@pytest.mark.parametrize(("spec", "expected"), [
    (DesignSpec("latin_hypercube", samples=17), 17),
    (DesignSpec("sobol", samples=16), 16 * (3 + 2)),
    (DesignSpec("sobol", samples=16, second_order=True), 16 * (2 * 3 + 2)),
    (DesignSpec("morris", samples=6, levels=4), 6 * (3 + 1)),
])
def test_sampled_designs_have_the_right_size_and_respect_ranges(spec, expected):
    factors = [RANGE, INT, LIST]
    unit, points = design_matrix(factors, spec, seed=3)
    assert len(points) == expected == design_size(3, spec) and unit.shape == (expected, 3)
    a = np.array([p["a"] for p in points])
    assert a.min() >= 2.0 and a.max() <= 5.0
    assert all(isinstance(p["n"], int) and 10 <= p["n"] <= 20 for p in points)
    assert {p["flag"] for p in points} == {False, True}
    again = design_matrix(factors, spec, seed=3)[1]
    assert again == points
    assert design_matrix(factors, spec, seed=4)[1] != points


def test_full_factorial_crosses_every_level():
    factors = [Factor("a", low=0.0, high=1.0, levels=3), LIST]
    unit, points = design_matrix(factors, DesignSpec("full_factorial"), seed=0)
    assert unit is None and len(points) == 6 == design_size(2, DesignSpec("full_factorial"), factors)
    assert {(p["a"], p["flag"]) for p in points} == {(a, f) for a in (0.0, 0.5, 1.0) for f in (False, True)}


def test_latin_hypercube_has_one_point_per_stratum():
    unit, _ = design_matrix([RANGE, INT], DesignSpec("latin_hypercube", samples=10), seed=1)
    for j in range(2):
        assert sorted(np.floor(unit[:, j] * 10).astype(int)) == list(range(10))


def test_distributions_map_the_unit_interval_into_the_range():
    u = np.linspace(0, 1, 101)
    tri = Factor("t", low=0.0, high=10.0, distribution="triangular", mode=2.0).from_unit(u)
    norm = Factor("z", low=0.0, high=1.0, distribution="normal", mean=0.3, sd=0.1).from_unit(u)
    log = Factor("l", low=1.0, high=100.0, distribution="loguniform").from_unit(u)
    assert tri[0] == 0.0 and math.isclose(tri[-1], 10.0) and tri == sorted(tri)
    assert 0.0 <= min(norm) and max(norm) <= 1.0 and math.isclose(norm[50], 0.3, abs_tol=0.01)
    assert math.isclose(log[50], 10.0, rel_tol=1e-9)


def test_runs_share_replication_seeds_across_points(tmp_path):
    exp = load_experiment(write_tiny(tmp_path))
    runs = exp.runs()
    assert len(runs) == 3 * 2 and [r.run_id for r in runs] == list(range(6))
    seeds = exp.replication_seeds()
    assert len(set(seeds)) == 2 and all(r.seed == seeds[r.replication] for r in runs)
    assert exp.scenario_for(runs[3]).run.seed == seeds[1]


# ------------------------------------------------------------------------------------ executors
@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    exp = load_experiment(write_tiny(tmp))
    run_sweep(exp, tmp / "serial", executor=SerialExecutor())
    return exp, read_results(tmp / "serial"), read_steps(tmp / "serial")


def test_results_have_design_columns_outcomes_and_steps(tiny_reference):
    exp, df, steps = tiny_reference
    assert list(df["run_id"]) == list(range(6)) and (df["status"] == "ok").all()
    for col in ("point", "replication", "seed", "levers.digital_investment", "levers.online_platform",
                "participation_rate", "participation_rate_mean", "mean_trust_sd", "wall_s"):
        assert col in df.columns
    assert len(steps) == 6 * 8 and set(steps.columns) == {"run_id", "step", "participation_rate", "mean_trust"}
    # the final value is the last step's value
    last = steps[steps["step"] == 8].set_index("run_id")["participation_rate"]
    assert np.allclose(df.set_index("run_id")["participation_rate"], last)


def test_two_workers_give_the_same_table_as_one(tiny_reference, tmp_path):
    exp, ref, ref_steps = tiny_reference
    ex = LocalExecutor(2)
    try:
        run_sweep(exp, tmp_path / "pool", executor=ex, flush_every=2)
    finally:
        ex.close()
    pd.testing.assert_frame_equal(comparable(read_results(tmp_path / "pool")), comparable(ref))
    pd.testing.assert_frame_equal(read_steps(tmp_path / "pool"), ref_steps)


def test_two_shards_joined_give_the_whole_table(tiny_reference, tmp_path):
    exp, ref, _ = tiny_reference
    out = tmp_path / "shards"
    a = run_sweep(exp, out, shard=(1, 2))
    b = run_sweep(exp, out, shard=(2, 2))
    assert a.ran + b.ran == 6 and {a.ran, b.ran} == {3}
    pd.testing.assert_frame_equal(comparable(read_results(out)), comparable(ref))
    duckdb = pytest.importorskip("duckdb")
    n, mean = duckdb.sql(f"select count(*), avg(participation_rate) from read_parquet('{out}/runs/*.parquet')").fetchall()[0]
    assert n == 6 and math.isclose(mean, ref["participation_rate"].mean())
    # each shard also works in a folder of its own, and the parts join
    for i in (1, 2):
        run_sweep(exp, tmp_path / f"own{i}", shard=(i, 2))
    joined = pd.concat([read_results(tmp_path / f"own{i}") for i in (1, 2)])
    pd.testing.assert_frame_equal(comparable(joined), comparable(ref))


def test_dask_local_cluster_gives_the_same_table_and_survives_a_killed_worker(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = load_experiment(write_tiny(tmp_path, residents=1500, steps=26, samples=6))
    run_sweep(exp, tmp_path / "ref", executor=SerialExecutor())
    ref = read_results(tmp_path / "ref")
    # not the default client, as `cogov sweep --scheduler` makes it (a default one hid a bug)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                                  silence_logs=50) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        run_sweep(exp, tmp_path / "dask", executor=DaskExecutor(client=client))
        pd.testing.assert_frame_equal(comparable(read_results(tmp_path / "dask")), comparable(ref))

        killed = []

        def kill_one_worker(row):
            if not killed:
                pids = client.run(os.getpid)
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        run_sweep(exp, tmp_path / "killed", executor=DaskExecutor(client=client), on_result=kill_one_worker)
        assert killed
        got = read_results(tmp_path / "killed")
        assert (got["status"] == "ok").all()
        pd.testing.assert_frame_equal(comparable(got), comparable(ref))


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    exp = write_tiny(tmp_path)
    res = cogov("sweep", str(exp), "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "x"), "--quiet",
                cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "--scheduler" in res.stderr and not (tmp_path / "x").exists()


# ------------------------------------------------------------------------------ failures and resume
def test_a_failing_run_becomes_a_failure_row_and_the_sweep_goes_on(tmp_path):
    extra = '''
[[factors]]
key = "network.kind"
values = ["sbm", "file"]
'''
    path = write_tiny(tmp_path, extra=extra)
    text = path.read_text().replace('"run.burn_in" = 2', '"run.burn_in" = 2\n"network.file" = "missing.graphml"')
    path.write_text(text)
    res = cogov("sweep", str(path), "--workers", "1", "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    df = read_results(tmp_path / "out")
    failed = df[df["status"] == "failed"]
    assert len(df) == 6 and len(failed) >= 1 and (df["status"] == "ok").any()
    assert (failed["network.kind"] == "file").all()
    assert failed["error"].str.contains("missing.graphml").all() and failed["traceback"].str.contains("Traceback").all()
    assert failed["participation_rate"].isna().all() and (failed["seed"] > 0).all()


def test_sigkill_then_resume_gives_exactly_the_full_set(tmp_path):
    path = write_tiny(tmp_path, residents=1500, steps=26, samples=12)
    exp = load_experiment(path)
    run_sweep(exp, tmp_path / "ref")
    ref = read_results(tmp_path / "ref")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "sweep", str(path), "--workers", "1", "--out",
                             str(out), "--quiet"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = read_results(out)
    assert 0 < len(partial) < len(ref), "the kill should land part-way"
    again = cogov("sweep", str(path), "--workers", "1", "--out", str(out), "--quiet", cwd=tmp_path)
    assert again.returncode == 2 and "--resume" in again.stderr  # without --resume nothing is redone
    res = cogov("sweep", str(path), "--workers", "2", "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    got = read_results(out)
    assert got["run_id"].is_unique and len(got) == len(ref)
    pd.testing.assert_frame_equal(comparable(got), comparable(ref))
    steps = read_steps(out)
    assert len(steps) == len(ref) * 26 and not steps.duplicated(["run_id", "step"]).any()


def test_no_model_outlives_its_run(tmp_path):
    from cogov_sim.experiments.starts import process_starts
    from cogov_sim.model.model import CoGovModel

    process_starts().clear()
    exp = load_experiment(write_tiny(tmp_path, samples=5))
    run_sweep(exp, tmp_path / "out")
    gc.collect()
    kept = {id(start._model) for start in process_starts().kept()}
    assert 0 < len(kept) <= exp.replications  # one week-0 state per replication seed, kept on purpose
    assert {id(o) for o in gc.get_objects() if isinstance(o, CoGovModel)} <= kept  # no run's own model
    process_starts().clear()
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, CoGovModel)]


# ------------------------------------------------------------------------------------- bad input
BAD = [
    ('key = "levers.digital_investment"', 'key = "levers.digital_investmnt"', "did you mean 'levers.digital_investment'"),
    ("low = 0.0\nhigh = 50.0", "low = 50.0\nhigh = 50.0", "empty range"),
    ('kind = "latin_hypercube"\nsamples = 3', 'kind = "sobol"\nsamples = 3', "power of 2"),
    ('kind = "latin_hypercube"\nsamples = 3', 'kind = "morris"\nsamples = 3\nlevels = 3', "even number of levels"),
    ('kind = "latin_hypercube"\nsamples = 3', 'kind = "full_factorial"\nsamples = 3', "no 'samples'"),
    ("low = 0.0\nhigh = 50.0", "low = 0.0\nhigh = 5000.0", "from 0 to 1000"),
    ('names = ["participation_rate", "mean_trust"]', 'names = ["participation"]', "participation_rate"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_experiment_files_are_one_line_errors(tmp_path, old, new, message):
    path = write_tiny(tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    res = cogov("sweep", str(path), "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert message in res.stderr and str(path) in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_resume_into_another_experiments_folder_is_refused_and_changes_nothing(tmp_path):
    a = write_tiny(tmp_path, name="a.toml")
    b = write_tiny(tmp_path, name="b.toml", samples=4)
    out = tmp_path / "out"
    assert cogov("sweep", str(a), "--workers", "1", "--out", str(out), "--quiet", cwd=tmp_path).returncode == 0
    before = tree_digest(out)
    res = cogov("sweep", str(b), "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 2 and "different experiment" in res.stderr and res.stderr.count("\n") == 1
    res = cogov("sweep", str(a), "--out", str(out), "--shard", "3/2", "--quiet", cwd=tmp_path)
    assert res.returncode == 2 and "--shard" in res.stderr
    assert tree_digest(out) == before


# ------------------------------------------------------------------------------------ sensitivity
def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    """Analytic values (Ishigami & Homma 1990; Saltelli et al. 2008): S1 = 0.314, 0.442, 0;
    ST = 0.558, 0.442, 0.244."""
    factors = [Factor(f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)]
    _, points = design_matrix(factors, DesignSpec("sobol", samples=2048), seed=1)
    x = np.array([[p[f.key] for f in factors] for p in points])
    table, _ = sobol_indices(factors, ishigami(x), seed=1)
    t = table.set_index("factor")
    assert np.allclose(t.loc[["x1", "x2", "x3"], "S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    assert np.allclose(t.loc[["x1", "x2", "x3"], "ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    assert (t["S1_conf"] > 0).all() and (t["S1_conf"] < 0.1).all()


def test_morris_ranks_a_linear_function_by_its_slopes():
    factors = [Factor("big", low=0.0, high=1.0), Factor("small", low=0.0, high=1.0), Factor("none", low=0.0, high=1.0)]
    unit, points = design_matrix(factors, DesignSpec("morris", samples=20, levels=4), seed=2)
    y = np.array([3.0 * p["big"] + 0.5 * p["small"] for p in points])
    t = morris_effects(factors, unit, y).set_index("factor")
    assert list(t.index) == ["big", "small", "none"]
    assert np.isclose(t.loc["big", "mu_star"], 3.0) and np.isclose(t.loc["small", "mu_star"], 0.5)
    assert np.isclose(t.loc["none", "mu_star"], 0.0) and np.allclose(t["sigma"], 0.0)
    assert list(t["influential"]) == [True, True, False]


def test_a_factor_is_influential_when_its_interval_reaches_a_tenth_of_the_strongest():
    from cogov_sim.analysis.sensitivity import influential

    table = pd.DataFrame({"factor": ["a", "b", "c", "d"], "mu_star": [2.0, 0.5, 0.25, 0.21],
                          "mu_star_conf": [0.1, 0.29, 0.04, 0.0]})
    # a tenth of the strongest is 0.2: b's interval reaches down to 0.21, c's to 0.21, d's to 0.21
    assert list(influential(table)) == [True, True, True, True]
    table["mu_star_conf"] = [0.1, 0.31, 0.06, 0.02]
    assert list(influential(table)) == [True, False, False, False]
    assert not influential(table.assign(mu_star=0.0, mu_star_conf=0.0)).any()


def test_sensitivity_command_on_a_sweep(tiny_reference, tmp_path):
    exp, _, _ = tiny_reference
    run_sweep(exp, tmp_path / "s")
    res = cogov("sensitivity", str(tmp_path / "s"), "--outcome", "mean_trust_mean", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "levers.online_platform" in res.stdout and "explained" in res.stdout
    files = sorted(p.name for p in (tmp_path / "s" / "sensitivity").iterdir())
    assert files == ["summary_mean_trust_mean.csv", "summary_mean_trust_mean.md", "summary_mean_trust_mean.png"]
    bad = cogov("sensitivity", str(tmp_path / "s"), "--outcome", "mean_trust_avg", cwd=tmp_path)
    assert bad.returncode == 2 and "mean_trust_mean" in bad.stderr


def test_sobol_sweep_of_the_model_end_to_end(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text(write_tiny(tmp_path).read_text().replace(
        'kind = "latin_hypercube"\nsamples = 3', 'kind = "sobol"\nsamples = 4').replace(
        'values = [false, true]', 'values = [false, true]\n[[factors]]\nkey = "trust.epsilon"\nlow = 0.1\nhigh = 0.4'))
    exp = load_experiment(path)
    assert len(exp.runs()) == 4 * (3 + 2) * 2
    run_sweep(exp, tmp_path / "out")
    result = analyse(tmp_path / "out", "mean_trust_mean")
    assert result.method == "sobol" and set(result.table["factor"]) == {f.key for f in exp.factors}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(result.table.columns)
    outcomes = [c for c in read_results(tmp_path / "out").columns if c.endswith("_mean")][:2]
    res = cogov("sensitivity", str(tmp_path / "out"), "--outcome", *outcomes, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    files = {p.name for p in (tmp_path / "out" / "sensitivity").iterdir()}
    assert {f"sobol_{o}.{ext}" for o in outcomes for ext in ("csv", "md", "png")} | {"sobol_panels.png"} == files
    with Image.open(tmp_path / "out" / "sensitivity" / "sobol_panels.png") as img:
        assert img.width > img.height > 200  # two panels side by side
    again = cogov("sensitivity", str(tmp_path / "out"), "--outcome", *outcomes, cwd=tmp_path)
    assert again.returncode == 2 and "--replace" in again.stderr
    # a later outcome's earlier files refuse the whole call before the first outcome is written
    for ext in ("csv", "md", "png"):
        (tmp_path / "out" / "sensitivity" / f"sobol_{outcomes[0]}.{ext}").unlink()
    partly = cogov("sensitivity", str(tmp_path / "out"), "--outcome", *outcomes, cwd=tmp_path)
    assert partly.returncode == 2 and outcomes[1] in partly.stderr
    assert not (tmp_path / "out" / "sensitivity" / f"sobol_{outcomes[0]}.csv").exists()


# ------------------------------------------------------------------------------------------- smoke
@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_every_experiment_file_loads_and_its_first_runs_run(path, tmp_path):
    exp = load_experiment(path).with_base_values(TINY)
    report = run_sweep(exp, tmp_path / "out", limit=2)
    df = read_results(tmp_path / "out")
    assert report.ran == 2 and (df["status"] == "ok").all(), df.get("error")
    assert set(exp.outcomes.columns()) <= set(df.columns)


@pytest.mark.slow
def test_smoke_experiment_runs_in_full_from_the_command_line(root, tmp_path):
    t0 = time.monotonic()
    res = cogov("sweep", "smoke", "--workers", "2", "--out", str(tmp_path / "smoke"), "--quiet", cwd=root)
    assert res.returncode == 0, res.stderr
    assert time.monotonic() - t0 < 60
    df = read_results(tmp_path / "smoke")
    assert len(df) == 24 and (df["status"] == "ok").all()


def test_a_factor_without_a_range_takes_the_plausible_range_of_its_parameter(tmp_path):
    from cogov_sim.errors import CoGovInputError
    from cogov_sim.model.parameters import PARAMETERS

    path = write_tiny(tmp_path, extra='[[factors]]\nkey = "trust.epsilon"\n')
    spec = load_experiment(path)
    factor = next(f for f in spec.factors if f.key == "trust.epsilon")
    assert (factor.low, factor.high) == PARAMETERS["trust.epsilon"].plausible == (0.1, 0.5)
    assert factor.role == "uncertainty"
    bad = write_tiny(tmp_path, name="bad.toml", extra='[[factors]]\nkey = "trust.epsilon"\nlow = 0.2\n')
    with pytest.raises(CoGovInputError, match="'low' and 'high'"):
        load_experiment(bad)
    no_range = write_tiny(tmp_path, name="seed.toml", extra='[[factors]]\nkey = "network.kind"\n')
    with pytest.raises(CoGovInputError, match="values"):
        load_experiment(no_range)


# ------------------------------------------------------------------------------ whole-model groups
def test_a_group_factor_stands_for_every_uncertain_parameter_on_its_plausible_range(tmp_path):
    from cogov_sim.errors import CoGovInputError
    from cogov_sim.model.parameters import PARAMETERS, UNCERTAIN

    assert len(UNCERTAIN) > 100
    assert all(not PARAMETERS[k].lever and PARAMETERS[k].plausible is not None for k in UNCERTAIN)
    assert not any(k.startswith(("run.", "levers.")) for k in UNCERTAIN)
    assert "population.residents" not in UNCERTAIN and "trust.epsilon" in UNCERTAIN
    path = write_tiny(tmp_path, extra='[[factors]]\nall = "uncertain"\nexcept = ["data.breach_hazard"]\n'
                                      '[[factors]]\nkey = "trust.epsilon"\nlow = 0.2\nhigh = 0.3\n')
    path.write_text(path.read_text().replace('kind = "latin_hypercube"', 'kind = "morris"'))
    exp = load_experiment(path)
    keys = [f.key for f in exp.factors]
    assert len(keys) == len(set(keys)) == len(UNCERTAIN) - 1 + 2  # less the exception, with the tiny file's two levers
    assert "data.breach_hazard" not in keys
    eps = next(f for f in exp.factors if f.key == "trust.epsilon")
    assert (eps.low, eps.high) == (0.2, 0.3)  # a listed factor keeps its own range
    comm = next(f for f in exp.factors if f.key == "institutions.accountability")
    assert (comm.low, comm.high) == PARAMETERS["institutions.accountability"].plausible
    for extra, fragment in (('[[factors]]\nall = "everything"\n', "is not a group"),
                            ('[[factors]]\nall = "uncertain"\nexcept = ["run.steps"]\n', "not an uncertain parameter"),
                            ('[[factors]]\nall = "uncertain"\nlow = 1\n', "only 'all' and 'except'")):
        bad = write_tiny(tmp_path, name="bad.toml", extra=extra)
        with pytest.raises(CoGovInputError, match=fragment):
            load_experiment(bad)


# ------------------------------------------------------------------------------------ replications
def test_the_coefficient_of_variation_curve_on_hand_checked_values():
    from cogov_sim.analysis.sensitivity import cv_curve, replications_needed

    c = cv_curve([1.0, 3.0, 2.0])
    assert list(c["n"]) == [2, 3]
    assert c["cv"].iloc[0] == pytest.approx(np.sqrt(2) / 2)  # sd sqrt(2), mean 2
    assert c["half_width"].iloc[0] == pytest.approx(12.7062 * np.sqrt(2) / np.sqrt(2) / 2, rel=1e-4)
    assert c["cv"].iloc[1] == pytest.approx(0.5)  # sd 1, mean 2
    curve = pd.DataFrame({"n": [2, 3, 4, 5], "cv": [0.5, 0.3, 0.21, 0.2]})
    assert replications_needed(curve, 0.1) == 4  # 0.21 is within a tenth of 0.2, 0.3 is not
    assert replications_needed(curve, 2.0) == 2
    assert replications_needed(pd.DataFrame({"n": [2], "cv": [np.nan]})) is None


def test_the_replications_analysis_of_a_sweep_from_the_command_line(tiny_reference, tmp_path):
    exp, _, _ = tiny_reference
    run_sweep(exp, tmp_path / "s")
    res = cogov("sensitivity", str(tmp_path / "s"), "--replications", "--outcome", "mean_trust_mean", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Lee et al. 2015" in res.stdout and "needed" in res.stdout
    table = pd.read_csv(tmp_path / "s" / "sensitivity" / "replications_mean_trust_mean.csv")
    df = read_results(tmp_path / "s")
    assert len(table) == df["point"].nunique()
    assert (table["replications"] == exp.replications).all()
    first = df[(df["point"] == 0) & (df["status"] == "ok")].sort_values("replication")["mean_trust_mean"]
    assert table.loc[0, "cv"] == pytest.approx(first.std(ddof=1) / abs(first.mean()))
    assert (tmp_path / "s" / "sensitivity" / "replications_mean_trust_mean.png").stat().st_size > 10_000


# ------------------------------------------------------------------------------ posterior sweeps
def test_a_sweep_under_posterior_draws_nests_seeds_in_parameter_sets(tmp_path):
    import dataclasses

    exp = load_experiment(write_tiny(tmp_path))
    draws = ({"participation.base": -2.0, "trust.epsilon": 0.2}, {"participation.base": -1.0, "trust.epsilon": 0.3})
    post = dataclasses.replace(exp, posterior=draws)
    runs = post.runs()
    assert len(runs) == len(exp.runs()) * 2 and post.runs_per_point == 2 * exp.replications
    seeds = post.replication_seeds()
    assert seeds[:exp.replications] == exp.replication_seeds()  # the first set keeps the plain sweep's seeds
    for r in runs:
        assert r.draw == r.replication // exp.replications and r.seed == seeds[r.replication]
        assert r.values["participation.base"] == draws[r.draw]["participation.base"]
        assert post.scenario_for(r).participation.base == draws[r.draw]["participation.base"]
    by_point = {}
    for r in runs:  # the same seeds at every design point: common random numbers
        by_point.setdefault(r.point, []).append(r.seed)
    assert len({tuple(v) for v in by_point.values()}) == 1
    assert post.fingerprint() != exp.fingerprint()
    run_sweep(post, tmp_path / "out", limit=4)
    df = read_results(tmp_path / "out")
    assert list(df.sort_values("run_id")["draw"]) == [0, 0, 1, 1]


def test_sweep_posterior_from_the_command_line(tmp_path):
    pd.DataFrame({"participation.base": [-2.0, -1.0], "government.cases_per_staff_week": [2.0, 3.0],
                  "weight": [1.0, 1.0]}).to_parquet(tmp_path / "post.parquet")
    path = write_tiny(tmp_path, samples=2)
    res = cogov("sweep", str(path), "--posterior", "3", "--posterior-file", str(tmp_path / "post.parquet"),
                "--workers", "1", "--quiet", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "x 3 posterior parameter sets x 2 replications = 12 runs" in res.stderr
    df = read_results(tmp_path / "out")
    assert len(df) == 12 and set(df["draw"]) == {0, 1, 2} and (df["status"] == "ok").all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest["experiment"]["posterior_draws"]) == 3
    for args, fragment in ((["--posterior-file", str(tmp_path / "post.parquet")], "without --posterior N"),
                           (["--posterior", "3", "--posterior-file", str(tmp_path / "none.parquet")], "no such file"),
                           (["--posterior", "1", "--posterior-file", str(tmp_path / "post.parquet")], "from 2")):
        bad = cogov("sweep", str(path), *args, "--out", str(tmp_path / "bad"), cwd=tmp_path)
        assert bad.returncode == 2 and fragment in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "bad").exists()
