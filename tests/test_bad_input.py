"""Bad input through the ``cogov`` command: one line ``error: <source>: key '<key>': ...; allowed: ...``
on stderr, exit status 2, no traceback, and nothing written or overwritten; checked before a
long run wherever it can be.

Most cases call :func:`cogov_sim.cli.main` in this process (a traceback would fail the test as
an exception); those that need a real process (a busy port, a read-only folder) run the entry
point as a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from cogov_sim.cli import main
from cogov_sim.errors import CoGovInputError
from cogov_sim.model.scenario import NAME_MAX, check_name, load_scenario

from .conftest import ROOT, SCENARIOS

TINY = "[population]\nresidents = 300\n[space]\ncommunities = 3\n[run]\nsteps = 3\nburn_in = 1\n"
QUICK = ["--quiet"]


# ------------------------------------------------------------------------------------------ helpers
def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a digest of its content."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def refused(capsys, *args: str, allowed: str = "allowed") -> str:
    """Run ``cogov args`` in this process; assert exit 2 and one ``error:`` line that says what
    is ``allowed``; return the line."""
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2, (rc, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and allowed in lines[0], err
    return lines[0]


def cogov(*args: str, cwd: Path, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **kw.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "cogov_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout, **kw)


def one_error_line(res: subprocess.CompletedProcess) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_run(monkeypatch):
    """Make any simulation fail loudly: a check that must come before the run is then seen to."""

    def boom(*a, **k):
        raise AssertionError("the simulation started before the bad input was refused")

    import cogov_sim.analysis.compare as compare
    import cogov_sim.experiments.runner as runner
    import cogov_sim.present.animate as animate

    monkeypatch.setattr(runner, "simulate", boom)
    monkeypatch.setattr(compare, "run_comparison", boom)
    monkeypatch.setattr(animate, "animate", boom)


def karate(folder: Path, name: str = "karate.graphml") -> Path:
    """Zachary's karate club with its two factions as communities (34 nodes, 78 ties)."""
    g = nx.karate_club_graph()
    for v in g.nodes:
        g.nodes[v]["community"] = 0 if g.nodes[v]["club"] == "Mr. Hi" else 1
        del g.nodes[v]["club"]
    nx.write_graphml(g, folder / name)
    return folder / name


FILE_NET = "[network]\nkind = 'file'\nfile = 'karate.graphml'\n[run]\nsteps = 6\nburn_in = 1\n"


# ---------------------------------------------------------------- 1. the scenario's name is one folder
BAD_NAMES = ["../../escaped", "/tmp/cogov-absolute", "", "a/b", "..", ".", "-dash-first", "a b", "x" * (NAME_MAX + 1),
             "a\\b", "名字/上级", "tab\there"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_a_scenario_name_that_is_not_one_safe_folder_name_is_refused_from_a_file(tmp_path, monkeypatch, capsys,
                                                                               no_run, name):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "s.toml", TINY + f"[scenario]\nname = {json.dumps(name)}\n")
    before = snapshot(tmp_path)
    line = refused(capsys, "run", str(path), *QUICK)
    assert str(path) in line and "key 'scenario.name'" in line and "letters, digits, CJK" in line
    assert snapshot(tmp_path) == before and not Path("/tmp/cogov-absolute").exists()


def test_a_nul_byte_in_the_name_is_refused_before_the_run(tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "s.toml", TINY + '[scenario]\nname = "a\\u0000b"\n')
    line = refused(capsys, "run", str(path), *QUICK)
    assert "'a\\x00b'" in line and "key 'scenario.name'" in line
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/cogov-absolute", ""])
def test_a_bad_name_from_set_is_refused(tmp_path, monkeypatch, capsys, no_run, name):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "s.toml", TINY)
    line = refused(capsys, "run", str(path), "--set", f"scenario.name={name}", *QUICK)
    assert line.startswith("error: --set: key 'scenario.name':")
    assert list(tmp_path.iterdir()) == [path] and not Path("/tmp/cogov-absolute").exists()


def test_a_file_name_that_cannot_be_the_scenario_name_asks_for_one(tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "my scenario.toml", TINY)
    line = refused(capsys, "run", str(path), *QUICK)
    assert "set [scenario] name" in line and "key 'scenario.name'" in line


def test_names_of_letters_digits_cjk_dash_and_underscore_are_results_folders(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("基层治理_2024-v2", "x" * NAME_MAX, "ａｂ", "한국어", "かな"):
        check_name(name, source=None)
    path = write(tmp_path, "s.toml", TINY + '[scenario]\nname = "基层治理_2024-v2"\n')
    assert main(["run", str(path), *QUICK]) == 0
    runs = list((tmp_path / "results" / "基层治理_2024-v2").iterdir())
    assert len(runs) == 1 and (runs[0] / "manifest.json").is_file()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_name_is_a_safe_folder_name(path):
    check_name(load_scenario(path).name, source=str(path))


# ------------------------------------------------------------------ 2. --out checked before the run
def bad_outs(tmp_path: Path) -> dict[str, Path]:
    afile = write(tmp_path, "afile.txt", "keep me")
    return {"is a file": afile, "is under a file": afile / "sub" / "out",
            "longer than the file system allows": tmp_path / ("n" * 300) / "out"}


@pytest.mark.parametrize("case", ["is a file", "is under a file", "longer than the file system allows"])
def test_run_out_that_cannot_be_a_results_folder_is_refused_before_the_run(tmp_path, capsys, no_run, case):
    out = bad_outs(tmp_path)[case]
    scenario = write(tmp_path, "s.toml", TINY)
    before = snapshot(tmp_path)
    line = refused(capsys, "run", str(scenario), "--out", str(out), *QUICK)
    assert case in line and "key '--out'" in line and line.startswith(f"error: {out}:")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", ["is a file", "is under a file"])
def test_compare_out_is_checked_before_the_runs(tmp_path, monkeypatch, capsys, no_run, case):
    monkeypatch.chdir(tmp_path)
    out = bad_outs(tmp_path)[case]
    before = snapshot(tmp_path)
    line = refused(capsys, "compare", str(ROOT / "scenarios" / "baseline.toml"), "--replications", "2", "--out",
                   str(out), "--quiet")
    assert case in line and "key '--out'" in line
    assert snapshot(tmp_path) == before


def test_animate_out_is_checked_before_the_run(tmp_path, capsys, no_run):
    afile = write(tmp_path, "afile.txt", "keep me")
    before = snapshot(tmp_path)
    line = refused(capsys, "animate", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(afile / "a.gif"),
                   "--quiet")
    assert "is under a file" in line and "key '--out'" in line
    folder = tmp_path / "a.gif"
    folder.mkdir()
    line = refused(capsys, "animate", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(folder), "--quiet")
    assert "is a folder" in line
    assert snapshot(tmp_path) == {**before, "a.gif": "dir"}


def test_default_results_folder_that_cannot_be_made_is_refused_before_the_run(tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "results", "a file where the results folder would go")
    scenario = write(tmp_path, "s.toml", TINY)
    before = snapshot(tmp_path)
    line = refused(capsys, "run", str(scenario), *QUICK)
    assert "is under a file" in line and "key '--out'" in line
    assert snapshot(tmp_path) == before


def subject_to_permissions():
    """A ``preexec_fn`` that makes a child process subject to folder permissions: none for an
    ordinary user; for root (whom a folder's mode does not stop), CAP_DAC_OVERRIDE dropped from
    the capability bounding set (Linux), so the child keeps root's uid but not that override."""
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(24, 1, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, CAP_DAC_OVERRIDE
            os._exit(97)

    return drop


@pytest.fixture
def read_only(tmp_path):
    """A folder this test's child processes cannot write in (and the preexec_fn that makes it so),
    with a sweep's results folder inside it; skipped where that cannot be arranged."""
    folder = tmp_path / "read_only"
    sweep = folder / "sweep"
    sweep.mkdir(parents=True)
    (sweep / "manifest.json").write_text("{}")
    for f in (sweep, folder):
        f.chmod(0o555)
    preexec = subject_to_permissions()
    try:
        probe = subprocess.run([sys.executable, "-c", f"import os; os.mkdir({str(folder / 'probe')!r})"],
                               preexec_fn=preexec, capture_output=True)
        if probe.returncode == 0:
            pytest.skip("cannot make a folder read-only for a child process here")
        yield folder, preexec
    finally:
        for f in (folder, sweep):
            f.chmod(0o755)


@pytest.mark.parametrize("command", ["run", "compare", "animate", "sensitivity"])
def test_out_in_a_read_only_folder_is_refused_before_anything_runs(tmp_path, read_only, command):
    ro, preexec = read_only
    scenario = write(tmp_path, "s.toml", TINY)
    args = {"run": ["run", str(scenario), "--out", str(ro / "out"), "--quiet"],
            "compare": ["compare", str(scenario), "--replications", "2", "--out", str(ro / "out"), "--quiet"],
            "animate": ["animate", str(scenario), "--out", str(ro / "a.gif"), "--quiet"],
            "sensitivity": ["sensitivity", str(ro / "sweep")]}[command]
    before = snapshot(tmp_path)
    t0 = time.perf_counter()
    line = one_error_line(cogov(*args, cwd=tmp_path, preexec_fn=preexec))
    assert "cannot write in" in line and "key '--out'" in line, line
    assert snapshot(tmp_path) == before
    assert time.perf_counter() - t0 < 60  # refused at once, not after the run


# ------------------------------------------------------------------------ 3. deep nesting, base chains
@pytest.mark.parametrize("text", [
    "[levers]\ntransparency = " + "[" * 3000 + "]" * 3000 + "\n",
    "[levers]\ntransparency = " + "{ a = " * 3000 + "1" + " }" * 3000 + "\n",
], ids=["arrays", "inline tables"])
def test_toml_nested_thousands_of_levels_is_one_line(tmp_path, capsys, no_run, text):
    path = write(tmp_path, "deep.toml", text)
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert line.startswith(f"error: {path}: ") and "nested too deeply" in line
    assert not (tmp_path / "out").exists()


def test_a_set_value_nested_thousands_of_levels_is_one_line(tmp_path, capsys, no_run):
    path = write(tmp_path, "s.toml", TINY)
    line = refused(capsys, "run", str(path), "--set", "levers.transparency=" + "[" * 3000 + "]" * 3000, *QUICK)
    assert "key 'levers.transparency'" in line and "nested too deeply" in line


def test_a_long_nested_value_is_shown_short(tmp_path, capsys, no_run):
    path = write(tmp_path, "s.toml", "[levers]\ntransparency = " + "[" * 200 + "]" * 200 + "\n")
    line = refused(capsys, "run", str(path), *QUICK)
    assert "is not a number" in line and len(line) < 400


def test_base_files_in_a_loop_are_refused(tmp_path, capsys, no_run):
    write(tmp_path, "a.toml", 'base = "b.toml"\n')
    write(tmp_path, "b.toml", 'base = "a.toml"\n')
    write(tmp_path, "self.toml", 'base = "self.toml"\n')
    line = refused(capsys, "run", str(tmp_path / "a.toml"), *QUICK)
    assert "key 'base'" in line and "loop" in line
    # a file is never its own base: the name is looked up further on, and found nowhere
    line = refused(capsys, "run", str(tmp_path / "self.toml"), *QUICK)
    assert "key 'base'" in line and "not found" in line


def test_a_base_chain_is_limited_in_length(tmp_path, capsys, no_run):
    from cogov_sim.model.scenario import MAX_BASE_DEPTH

    write(tmp_path, "f0.toml", TINY)
    for i in range(1, MAX_BASE_DEPTH + 5):
        write(tmp_path, f"f{i}.toml", f'base = "f{i - 1}.toml"\n')
    assert load_scenario(tmp_path / f"f{MAX_BASE_DEPTH - 1}.toml").population.residents == 300  # 16 files: fine
    line = refused(capsys, "run", str(tmp_path / f"f{MAX_BASE_DEPTH + 4}.toml"), *QUICK)
    assert "key 'base'" in line and f"more than {MAX_BASE_DEPTH} files" in line


def test_a_chain_of_thousands_of_base_files_is_refused_without_recursion(tmp_path, capsys, no_run):
    write(tmp_path, "f0.toml", TINY)
    for i in range(1, 3000):
        write(tmp_path, f"f{i}.toml", f'base = "f{i - 1}.toml"\n')
    assert "more than" in refused(capsys, "run", str(tmp_path / "f2999.toml"), *QUICK)


# ------------------------------------------------------- 4. communities beyond a file network's count
@pytest.mark.parametrize("table,key", [
    ("[[interventions]]\nstep = 2\ncommunities = [0, 5]\nset = { grid_workers = 2.0 }\n", "interventions.communities"),
    ("[[shocks]]\nkind = 'issue_surge'\nstep = 2\ncommunities = [2]\n", "shocks.communities"),
    ("[[pilots]]\nset = { online_platform = true }\ncommunities = [3]\nstart = 2\nduration = 3\nwindow = 1\n",
     "pilots.communities"),
])
def test_communities_beyond_a_file_networks_are_refused_when_the_model_is_built(tmp_path, capsys, table, key):
    karate(tmp_path)
    path = write(tmp_path, "s.toml", FILE_NET + table)
    before = snapshot(tmp_path)
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert line.startswith(f"error: {path}: key '{key}': community ") and "allowed: 0 to 1" in line
    assert "karate.graphml (2 communities)" in line
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------- 5. the demo
@pytest.mark.parametrize("port", ["70000", "0", "http"])
def test_demo_port_out_of_range_is_a_usage_error(tmp_path, port):
    # a process with a time limit: were the port let through, a server would start (port 0: on any port)
    line = one_error_line(cogov("demo", "--port", port, cwd=ROOT, timeout=60))
    assert "argument --port" in line and "allowed: an integer from 1 to 65535" in line


def test_demo_on_a_busy_port_is_one_line_naming_the_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = cogov("demo", "--port", str(port), "--host", "127.0.0.1", cwd=ROOT, timeout=60)
    line = one_error_line(res)
    assert f"port {port}" in line and "in use" in line and "key '--port'" in line
    assert "cogov demo: open" not in res.stdout


def test_demo_on_a_free_port_serves_the_app(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "demo", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "cogov demo did not start"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --------------------------------------------------------------------------- 6. silent acceptance
def test_more_pilot_sites_than_a_file_network_has_communities_is_refused(tmp_path, capsys):
    karate(tmp_path)
    path = write(tmp_path, "s.toml", FILE_NET.replace("steps = 6", "steps = 12") +
                 "[[pilots]]\nset = { online_platform = true }\nselect = 'random'\ncount = 2\nstart = 3\n"
                 "duration = 4\nwindow = 2\n")
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert "key 'pilots.count'" in line and "2 pilot sites leave no comparison community" in line
    assert "allowed: fewer than 2" in line and not (tmp_path / "out").exists()


def test_a_shock_after_the_horizon_is_refused(tmp_path, capsys, no_run):
    path = write(tmp_path, "s.toml", TINY + "[[shocks]]\nkind = 'budget_cut'\nstep = 4\nmagnitude = 0.5\n")
    line = refused(capsys, "run", str(path), *QUICK)
    assert line.startswith(f"error: {path}: key 'shocks.step':") and "allowed: 1 to 3" in line
    # and when --steps shortens the run past a shock of the file
    line = refused(capsys, "run", str(ROOT / "scenarios" / "data_breach.toml"), "--steps", "20", *QUICK)
    assert "key 'shocks.step'" in line and "step 60 is after the last step 20" in line


def test_an_intervention_after_the_horizon_is_refused(tmp_path, capsys, no_run):
    path = write(tmp_path, "s.toml", TINY + "[[interventions]]\nstep = 9\nset = { grid_workers = 2.0 }\n")
    line = refused(capsys, "run", str(path), *QUICK)
    assert "key 'interventions.step'" in line and "allowed: 0 to 3" in line


EDGES = "a b\nb c\nc d\nd e\ne f\nf g\ng h\nh i\ni j\nj a\n"
NODES = "node,community\n" + "".join(f"{n},{i % 2}\n" for i, n in enumerate("abcdefghij"))


@pytest.mark.parametrize("nodes,line_no,fragment", [
    (NODES.replace("c,0", "c,nan"), 4, "node 'c' has the value NaN"),
    (NODES.replace("c,0", "c,NaN"), 4, "node 'c' has the value NaN"),
    (NODES.replace("c,0", "c,"), 4, "node 'c' has a blank value"),
    (NODES.replace("c,0", "c,  "), 4, "node 'c' has a blank value"),
    (NODES.replace("c,0", "c"), 4, "node 'c' has no value"),
    (NODES.replace("c,0", ",0"), 4, "a node without a name"),
    (NODES + "c,1\n", 12, "node 'c' is listed again (first on line 4)"),
    (NODES.replace("c,0", "c x,0"), 4, "node name 'c x' holds a space"),
], ids=["nan", "NaN", "blank", "spaces", "missing", "no name", "duplicate", "space in name"])
def test_bad_labels_in_a_node_file_are_refused_with_their_line(tmp_path, capsys, nodes, line_no, fragment):
    write(tmp_path, "edges.txt", EDGES)
    node_file = write(tmp_path, "nodes.csv", nodes)
    path = write(tmp_path, "s.toml", "[network]\nkind = 'file'\nfile = 'edges.txt'\nnode_file = 'nodes.csv'\n"
                 "[run]\nsteps = 3\nburn_in = 1\n")
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert line.startswith(f"error: {node_file}: key 'network.node_file': line {line_no}: ") and fragment in line
    assert not (tmp_path / "out").exists()


GRAPHML = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="community" attr.type="{type}"/>
  <graph edgedefault="undirected">
{nodes}
    <edge source="n0" target="n1"/>
  </graph>
</graphml>
"""


@pytest.mark.parametrize("kind,value,node_id,fragment", [
    ("double", "NaN", "n3", "node 'n3' has the value NaN"),
    ("string", "", "n3", "node 'n3' has a blank value"),
    ("string", "x", "n0", "node 'n0' is declared again (first on line 5)"),
    ("string", "x", "", "a node without an id"),
], ids=["nan", "blank", "duplicate", "no id"])
def test_bad_labels_in_a_graphml_file_are_refused_with_their_line(tmp_path, capsys, kind, value, node_id, fragment):
    nodes = [f'    <node id="n{i}"><data key="d0">{i % 2}</data></node>' for i in range(12)]
    nodes[3] = f'    <node id="{node_id}"><data key="d0">{value}</data></node>'  # line 8 of the file
    graph = write(tmp_path, "g.graphml", GRAPHML.format(type=kind, nodes="\n".join(nodes)))
    path = write(tmp_path, "s.toml", "[network]\nkind = 'file'\nfile = 'g.graphml'\n[run]\nsteps = 3\nburn_in = 1\n")
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert line.startswith(f"error: {graph}: key 'network.") and "line 8" in line
    # networkx before 3.3 drops a blank <data> value, so the node has no community at all
    assert fragment in line or (kind == "string" and not value.strip() and "without the community" in line
                                or "'community'" in line and not value.strip())
    assert not (tmp_path / "out").exists()


def test_a_tiny_file_network_is_refused_not_recorded_as_ten_residents(tmp_path, capsys):
    g = nx.path_graph(3)
    nx.set_node_attributes(g, {v: v % 2 for v in g}, "community")
    nx.write_graphml(g, tmp_path / "karate.graphml")
    path = write(tmp_path, "s.toml", FILE_NET)
    line = refused(capsys, "run", str(path), "--out", str(tmp_path / "out"), *QUICK)
    assert "has 3 nodes" in line and "allowed: a network of 10 to" in line
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------- 7. a file network's run is reported truly
@pytest.mark.parametrize("form", ["graphml", "edge list"])
def test_a_file_network_run_reports_its_own_size_and_rebuilds_from_anywhere(tmp_path, monkeypatch, capsys, form):
    src = tmp_path / "data"
    src.mkdir()
    if form == "graphml":
        karate(src)
        network = "[network]\nkind = 'file'\nfile = 'data/karate.graphml'\n"
    else:
        g = nx.karate_club_graph()
        write(src, "edges.txt", "".join(f"v{a} v{b}\n" for a, b in g.edges))
        write(src, "nodes.csv", "node,faction\n" + "".join(f"v{v},{g.nodes[v]['club']}\n" for v in g.nodes))
        network = ("[network]\nkind = 'file'\nfile = 'data/edges.txt'\nnode_file = 'data/nodes.csv'\n"
                   "community_attribute = 'faction'\n")
    path = write(tmp_path, "s.toml", network + "[run]\nsteps = 8\nburn_in = 2\n"
                 "[[interventions]]\nstep = 3\ncommunities = [1]\nset = { online_platform = true }\n")
    first = tmp_path / "first"
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "--out", str(first), *QUICK]) == 0
    out = capsys.readouterr().out
    assert "s: 34 residents, 2 communities, 8 weeks" in out
    m = json.loads((first / "manifest.json").read_text())
    assert m["network"]["residents"] == 34 and m["network"]["communities"] == 2
    assert m["scenario"]["population"]["residents"] == 34 and m["scenario"]["space"]["communities"] == 2
    rebuilt = load_scenario(first / "scenario.toml")
    assert rebuilt.population.residents == 34 and rebuilt.space.communities == 2
    for info in m["network"]["files"].values():
        assert (first / info["copy"]).read_bytes() == Path(info["original"]).read_bytes()
        assert info["sha256"] == hashlib.sha256((first / info["copy"]).read_bytes()).hexdigest()
    # the original network files go away, the results move: the folder still rebuilds the run
    shutil.rmtree(src)
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    first.rename(moved)
    other = tmp_path / "another_cwd"
    other.mkdir()
    monkeypatch.chdir(other)
    assert main(["run", str(moved / "scenario.toml"), "--out", str(tmp_path / "again"), *QUICK]) == 0
    for table in ("timeseries.parquet", "communities.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(moved / table), pd.read_parquet(tmp_path / "again" / table))


# --------------------------------------------------------------- 8. sensitivity never overwrites unasked
SWEEP = """
name = "bad_input_sweep"
scenario = "{scenario}"
replications = 2
seed = 3
[set]
"population.residents" = 300
"space.communities" = 3
"run.steps" = 4
"run.burn_in" = 1
[design]
kind = "full_factorial"
[[factors]]
key = "levers.online_platform"
values = [false, true]
[outcomes]
names = ["participation_rate", "mean_trust"]
keep = ["final"]
"""


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    exp = write(folder, "exp.toml", SWEEP.format(scenario=ROOT / "scenarios" / "baseline.toml"))
    res = cogov("sweep", str(exp), "--out", str(folder / "results"), "--workers", "1", "--quiet", cwd=folder)
    assert res.returncode == 0, res.stderr
    return folder / "results"


def test_sensitivity_never_overwrites_an_earlier_analysis_unless_asked(sweep_folder, tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(sweep_folder, results)
    assert main(["sensitivity", str(results), "--outcome", "participation_rate"]) == 0
    capsys.readouterr()
    written = results / "sensitivity"
    stamp = write(written, "summary_participation_rate.md", "an earlier analysis the user edited")
    before = snapshot(results)
    line = refused(capsys, "sensitivity", str(results), "--outcome", "participation_rate")
    assert "key '--out'" in line and "--replace" in line and "summary_participation_rate" in line
    assert snapshot(results) == before
    # another outcome goes beside it; --replace replaces this one
    assert main(["sensitivity", str(results), "--outcome", "mean_trust"]) == 0
    assert (written / "summary_mean_trust.csv").is_file() and stamp.read_text() == "an earlier analysis the user edited"
    assert main(["sensitivity", str(results), "--outcome", "participation_rate", "--replace"]) == 0
    assert stamp.read_text().startswith("# summary: participation_rate")
    assert not [p for p in written.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_sensitivity_out_that_cannot_be_written_is_refused_before_the_analysis(sweep_folder, tmp_path, capsys,
                                                                              monkeypatch):
    import cogov_sim.analysis.sensitivity as sensitivity

    monkeypatch.setattr(sensitivity, "analyse", lambda *a, **k: pytest.fail("analysed before checking --out"))
    afile = write(tmp_path, "afile.txt", "keep me")
    for out, fragment in ((afile, "is a file"), (afile / "x", "is under a file")):
        line = refused(capsys, "sensitivity", str(sweep_folder), "--out", str(out))
        assert fragment in line and "key '--out'" in line
    assert afile.read_text() == "keep me"
    assert "--rows" in refused(capsys, "sensitivity", str(sweep_folder), "--rows", "0")


# ----------------------------------------------------------------------- other arguments of the CLI
@pytest.mark.parametrize("args,fragment", [
    (["run", "baseline", "--steps", "0"], "argument --steps: 0 is out of range"),
    (["run", "baseline", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["compare", "baseline", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["validate", "granovetter", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["animate", "baseline", "--steps", "x"], "argument --steps: 'x' is not an integer"),
    (["compare", "baseline", "--replications", "0"], "key '--replications'"),
    (["compare", "baseline", "--lang", "xx"], "argument --lang: invalid choice"),
])
def test_bad_arguments_are_one_line(tmp_path, monkeypatch, capsys, no_run, args, fragment):
    monkeypatch.chdir(tmp_path)
    assert fragment in refused(capsys, *args, allowed="choose from" if "--lang" in args else "allowed")
    assert list(tmp_path.iterdir()) == []


def test_two_scenarios_of_one_name_are_refused_before_workers_start(tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    baseline = str(ROOT / "scenarios" / "baseline.toml")
    line = refused(capsys, "compare", baseline, baseline, "--replications", "2")
    assert "appears more than once" in line


def test_the_installed_entry_point_prints_no_traceback(tmp_path):
    """The same checks through a real `cogov` process."""
    path = write(tmp_path, "s.toml", TINY + '[scenario]\nname = "../../escaped"\n')
    line = one_error_line(cogov("run", str(path), "--quiet", cwd=tmp_path))
    assert "key 'scenario.name'" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_errors_are_input_errors_in_python_too(tmp_path):
    karate(tmp_path)
    path = write(tmp_path, "s.toml", FILE_NET + "[[shocks]]\nkind = 'data_breach'\nstep = 2\ncommunities = [7]\n")
    from cogov_sim.model.model import CoGovModel

    with pytest.raises(CoGovInputError, match="community 7 does not exist"):
        CoGovModel(load_scenario(path))
