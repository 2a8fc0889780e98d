"""Sweeps where users run them, and what goes wrong there.

- ``cogov sweep --scheduler`` on a real Dask cluster started with the ``dask`` command line
  (scheduler and workers on 127.0.0.1), including a worker killed while runs are in flight,
  and a fast one-line error for a scheduler that is not there;
- shards of a SLURM job array started at the same moment into one folder (new or existing);
- resuming a sweep killed at any moment: before its manifest, before its first part, in the
  middle, and with part files cut off, emptied or overwritten.

Every sweep here is the real ``cogov`` command in a subprocess; results are the Parquet files
on disk read back by pandas, compared with an uninterrupted local sweep of the same experiment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.design import load_experiment
from cogov_sim.experiments.executors import SerialExecutor
from cogov_sim.experiments.sweep import (
    _HOST,
    check_folder,
    design_frame,
    manifest_for,
    read_results,
    read_steps,
    run_sweep,
)

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "experiments" / "smoke.toml"


def small_smoke(tmp: Path, *, name: str = "small.toml", residents: int = 300, steps: int = 8, samples: int = 8,
                per_step: bool = False) -> Path:
    """experiments/smoke.toml with few residents and weeks (and per-step outcomes if asked)."""
    text = SMOKE.read_text(encoding="utf-8")
    for old, new in (('scenario = "baseline"', f'scenario = "{ROOT / "scenarios" / "baseline.toml"}"'),
                     ('"population.residents" = 2000', f'"population.residents" = {residents}\n"space.communities" = 3'),
                     ('"run.steps" = 52', f'"run.steps" = {steps}'), ('"run.burn_in" = 13', '"run.burn_in" = 2'),
                     ("samples = 8", f"samples = {samples}"), ("window = 13", "window = 4")):
        assert old in text
        text = text.replace(old, new)
    if per_step:
        text = text.replace('keep = ["final", "summary"]', 'keep = ["final", "summary", "per_step"]')
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def cogov(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The ``cogov`` command with the user's warning settings (a stray warning would show)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run([sys.executable, "-m", "cogov_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """The outcome and design columns by run id (wall time left out: it is the only column that
    may differ between executors)."""
    return df.drop(columns=["wall_s"]).sort_values("run_id").reset_index(drop=True)


def all_rows(out: Path) -> pd.DataFrame:
    """Every row of every runs part, as pandas reads the folder as one dataset."""
    return pd.read_parquet(out / "runs")


def assert_complete(out: Path, ref: pd.DataFrame, ref_steps: pd.DataFrame | None = None) -> None:
    rows = all_rows(out)
    counts = rows["run_id"].value_counts()
    assert set(counts.index) == set(ref["run_id"]) and (counts == 1).all(), counts[counts != 1]
    pd.testing.assert_frame_equal(comparable(read_results(out)), comparable(ref))
    if ref_steps is not None:
        got = read_steps(out)
        assert not got.duplicated(["run_id", "step"]).any()
        pd.testing.assert_frame_equal(got, ref_steps)
    assert not [p for p in out.rglob("*.tmp-*")], "temporary files left behind"


def dead_pid() -> int:
    """The id of a process that has ended (on this host)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def local_reference(path: Path, out: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    run_sweep(load_experiment(path), out, executor=SerialExecutor())
    return read_results(out), read_steps(out)


# ----------------------------------------------------------------------------------- Dask cluster
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """A scheduler and workers started with the ``dask`` command line, on 127.0.0.1 only, each
    in a process group of its own (so a worker and its nanny are killed together)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
        assert self.dask, "the dask command comes with the distributed dependency"
        self.procs: dict[str, subprocess.Popen] = {}
        self.scheduler_file = tmp / "scheduler.json"

    def _start(self, name: str, *args: str) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen([self.dask, *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp,
                                            start_new_session=True)
        log.close()

    def start_scheduler(self) -> str:
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
                    "127.0.0.1:0", "--scheduler-file", str(self.scheduler_file))
        deadline = time.monotonic() + 60
        while not self.scheduler_file.is_file():
            assert self.procs["scheduler"].poll() is None, (self.tmp / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole, but give it a moment
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        return self.address

    def start_worker(self, name: str) -> None:
        self._start(name, "worker", self.address, "--nworkers", "1", "--nthreads", "1", "--name", name, "--host",
                    "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--local-directory", str(self.tmp / name),
                    "--death-timeout", "60")

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.procs):  # workers first, then the scheduler
            if name != "scheduler":
                self.kill(name)
        if "scheduler" in self.procs:
            self.kill("scheduler")


@pytest.fixture
def dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    cluster = DaskCluster(tmp_path / "cluster")
    cluster.tmp.mkdir()
    try:
        cluster.start_scheduler()
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.slow
def test_sweep_on_a_dask_cluster_from_the_command_line_survives_a_killed_worker(dask_cluster, tmp_path):
    from distributed import Client

    path = small_smoke(tmp_path, residents=1000, steps=26)  # 24 runs of about 0.2 s
    ref, _ = local_reference(path, tmp_path / "local")
    with Client(dask_cluster.address, set_as_default=False, timeout=30) as watcher:
        # the scheduler file as --scheduler, started before any worker (as worker jobs still queued)
        proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "sweep", str(path), "--scheduler",
                                 str(dask_cluster.scheduler_file), "--out", str(tmp_path / "dask"), "--quiet"],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            log = dask_cluster.tmp / "scheduler.log"
            while log.read_text().count("Receive client connection") < 2:  # the watcher's, and the sweep's
                assert proc.poll() is None and time.monotonic() < deadline, "the sweep did not connect"
                time.sleep(0.1)
            dask_cluster.start_worker("w1")
            dask_cluster.start_worker("w2")
            out, err = proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err
        assert "Dask cluster at tcp://127.0.0.1:" in err and "no workers yet" in err and "Traceback" not in err
        assert_complete(tmp_path / "dask", ref)
        assert len(watcher.scheduler_info(n_workers=-1)["workers"]) == 2

        # the address as --scheduler; one worker killed (with its nanny) while it runs a task
        proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "sweep", str(path), "--scheduler",
                                 dask_cluster.address, "--out", str(tmp_path / "killed"), "--quiet"], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            victim = next(a for a, w in watcher.scheduler_info(n_workers=-1)["workers"].items() if w["name"] == "w2")
            deadline = time.monotonic() + 120
            busy = 0
            while busy < 3:  # the victim has had a task in flight at three looks in a row
                assert time.monotonic() < deadline, "the victim never got a task"
                assert proc.poll() is None, "the sweep ended before the worker was killed"
                busy = busy + 1 if watcher.processing(workers=[victim]).get(victim) else 0
                time.sleep(0.05)
            dask_cluster.kill("w2")
            killed_while_running = proc.poll() is None
            out, err = proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert killed_while_running
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert len(watcher.scheduler_info(n_workers=-1)["workers"]) == 1  # the worker was really lost
        got = read_results(tmp_path / "killed")
        assert (got["status"] == "ok").all(), got["error"]
        assert_complete(tmp_path / "killed", ref)


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (not a scheduler)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("kind", ["closed port", "silent server", "garbage", "unknown protocol", "bad port",
                                  "missing scheduler file"])
def test_a_scheduler_that_is_not_there_is_a_fast_one_line_error(tmp_path, kind):
    server = SilentServer() if kind == "silent server" else None
    address = {"closed port": f"tcp://127.0.0.1:{free_port()}", "garbage": "garbage",
               "unknown protocol": "http://127.0.0.1:8786", "bad port": "tcp://127.0.0.1:notaport",
               "missing scheduler file": str(tmp_path / "nowhere" / "scheduler.json"),
               "silent server": f"tcp://127.0.0.1:{server.port if server else 0}"}[kind]
    path = small_smoke(tmp_path)
    try:
        t0 = time.monotonic()
        res = cogov("sweep", str(path), "--scheduler", address, "--out", str(tmp_path / "x"), "--quiet", cwd=tmp_path,
                    timeout=120)
        elapsed = time.monotonic() - t0
    finally:
        if server:
            server.close()
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith(f"error: {address}: key '--scheduler': ") and res.stderr.count("\n") == 1, res.stderr
    assert "; allowed: " in res.stderr and "Traceback" not in res.stderr and "Warning" not in res.stderr
    assert res.stdout == ""
    assert elapsed < 20, f"{elapsed:.1f} s"  # about 4 s to start the command, at most 3 s to give up
    assert not (tmp_path / "x").exists()


# -------------------------------------------------------------------------- shards starting together
GATE = """
import sys, time, pathlib
import cogov_sim.cli, cogov_sim.experiments.design, cogov_sim.experiments.sweep, cogov_sim.model.model
ready, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
sys.exit(cogov_sim.cli.main(sys.argv[3:]))
"""


def shards_at_once(path: Path, out: Path, n: int, *extra: str) -> list[subprocess.CompletedProcess]:
    """``cogov sweep PATH --shard i/n`` for every i, entering the command's ``main`` at the same
    moment, as array tasks that start together: each process imports, says it is ready, and
    waits at a gate the test opens when all are."""
    gate = out.parent / f"gate-{out.name}"
    gate.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", GATE, str(gate / f"ready{i}"), str(gate / "go"), "sweep",
                               str(path), "--shard", f"{i}/{n}", "--workers", "1", "--out", str(out), "--quiet",
                               *extra], cwd=out.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(1, n + 1)]
    results = []
    try:
        deadline = time.monotonic() + 120
        while len(list(gate.glob("ready*"))) < n:
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "the shards did not start"
            time.sleep(0.01)
        (gate / "go").touch()
        for p in procs:
            so, se = p.communicate(timeout=240)
            results.append(subprocess.CompletedProcess(p.args, p.returncode, so, se))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return results


@pytest.fixture(scope="module")
def shard_experiment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    path = small_smoke(tmp, samples=6, per_step=True)
    return path, *local_reference(path, tmp / "local")


@pytest.mark.slow
def test_three_shards_started_together_into_a_new_folder(shard_experiment, tmp_path):
    path, ref, ref_steps = shard_experiment
    for attempt in range(2):  # twice: each start is one chance for the shards to collide
        out = tmp_path / f"new{attempt}"
        results = shards_at_once(path, out, 3)
        for r in results:
            assert r.returncode == 0, r.stderr
            assert "Traceback" not in r.stderr
        assert json.loads((out / "manifest.json").read_text())["fingerprint"] == load_experiment(path).fingerprint()
        assert_complete(out, ref, ref_steps)


@pytest.mark.slow
def test_three_shards_started_together_into_an_existing_folder(shard_experiment, tmp_path):
    path, ref, ref_steps = shard_experiment
    exp = load_experiment(path)
    out = tmp_path / "existing"
    for i in (1, 2, 3):  # each shard already has a run done
        run_sweep(exp, out, shard=(i, 3), limit=1)
    stale = out / "runs" / f".part-s2of3-x.parquet.tmp-s2of3-{_HOST}-{dead_pid()}"
    stale.write_bytes(b"PAR1 cut off")
    results = shards_at_once(path, out, 3, "--resume")
    for r in results:
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr and "1 were already done" in r.stdout
    assert_complete(out, ref, ref_steps)


def test_a_shard_touches_only_its_own_and_dead_writers_temporary_files(shard_experiment, tmp_path):
    """A starting shard must leave alone what other running shards are writing, here or on other
    hosts, and may clear only what a process that is gone (on this host) left behind."""
    path, ref, ref_steps = shard_experiment
    exp = load_experiment(path)
    out = tmp_path / "out"
    run_sweep(exp, out, shard=(2, 3))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = {out / "runs" / f".part-s1of3-a.parquet.tmp-s1of3-{_HOST}-{sleeper.pid}": b"being written",
                out / "steps" / f".part-s1of3-a.parquet.tmp-s1of3-{_HOST}-{sleeper.pid}": b"being written",
                out / "runs" / f".part-s1of3-b.parquet.tmp-s1of3-otherhost-{os.getpid()}": b"on another node",
                out / f".manifest.json.tmp-s1of3-otherhost-{dead_pid()}": b"{",
                # a steps part of another shard between its steps and runs renames
                out / "steps" / "part-s1of3-20250101T000000-abcdef12.parquet": None}
        for p, data in live.items():
            if data is None:
                ref_steps.iloc[:2].to_parquet(p, index=False)
            else:
                p.write_bytes(data)
        dead = [out / "runs" / f".part-s3of3-c.parquet.tmp-s3of3-{_HOST}-{dead_pid()}",
                out / f".manifest.json.tmp-all-{_HOST}-{dead_pid()}",
                out / "steps" / "part-s3of3-20250101T000000-abcdef12.parquet"]  # this shard's own orphan
        for p in dead:
            p.write_bytes(b"left by a kill")
        before = {p: p.read_bytes() for p in live}
        res = cogov("sweep", str(path), "--shard", "3/3", "--workers", "1", "--out", str(out), "--quiet", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert {p: p.read_bytes() for p in live if p.exists()} == before and all(p.exists() for p in live)
        assert not [p for p in dead if p.exists()]
        # the other shard's steps part without its runs part is not read as results
        got = read_steps(out)
        assert not got.duplicated(["run_id", "step"]).any()
        assert set(got["run_id"]) == {r for r in ref["run_id"] if r % 3 != 0}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_shard_waits_for_a_manifest_another_shard_is_creating(shard_experiment, tmp_path):
    """A folder with a temporary manifest of a running writer is being created: the check waits
    for the manifest instead of taking the folder as new, so a different experiment's folder is
    refused before anything starts."""
    path, _, _ = shard_experiment
    exp = load_experiment(path)
    other = load_experiment(small_smoke(tmp_path, name="other.toml", samples=5))
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        tmp = out / f".manifest.json.tmp-s1of3-{_HOST}-{sleeper.pid}"
        tmp.write_text("{")  # being written

        def finish_creating() -> None:
            time.sleep(1.0)
            tmp.write_text(json.dumps(manifest_for(other)))
            os.link(tmp, out / "manifest.json")
            tmp.unlink()

        writer = threading.Thread(target=finish_creating)
        t0 = time.monotonic()
        writer.start()
        with pytest.raises(CoGovInputError, match="different experiment"):
            check_folder(exp, out, shard=(2, 3))
        assert time.monotonic() - t0 >= 1.0
        writer.join()
    finally:
        sleeper.kill()
        sleeper.wait()


# ----------------------------------------------------------------------------- resume after a kill
@pytest.fixture(scope="module")
def resume_experiment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    path = small_smoke(tmp, residents=600, steps=13, samples=6, per_step=True)
    return path, *local_reference(path, tmp / "local")


def killed_before_the_manifest(out: Path, pid: int) -> None:
    """What a sweep killed while creating its folder leaves: a half-written temporary manifest,
    an empty runs folder, a cut-off temporary design table."""
    (out / "runs").mkdir(parents=True)
    (out / f".manifest.json.tmp-all-{_HOST}-{pid}").write_text('{"format": "cogov-sweep/1", "experi')
    (out / f".design.parquet.tmp-all-{_HOST}-{pid}").write_bytes(b"PAR1\x15\x00")


@pytest.mark.parametrize("point", ["only a temporary manifest", "runs folder and temporary files",
                                   "manifest but no design", "manifest but no part"])
def test_resume_after_a_kill_before_the_first_part(resume_experiment, tmp_path, point):
    path, ref, ref_steps = resume_experiment
    out = tmp_path / "out"
    if point == "only a temporary manifest":
        out.mkdir()
        (out / f".manifest.json.tmp-all-{_HOST}-{dead_pid()}").write_text('{"format": "cogov-sw')
    elif point == "runs folder and temporary files":
        killed_before_the_manifest(out, dead_pid())
    else:
        run_sweep(load_experiment(path), out, limit=0)
        assert (out / "manifest.json").is_file() and not list((out / "runs").iterdir())
        if point == "manifest but no design":
            (out / "design.parquet").unlink()
    res = cogov("sweep", str(path), "--workers", "1", "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_complete(out, ref, ref_steps)
    assert pd.read_parquet(out / "design.parquet").equals(design_frame(load_experiment(path)))


def test_a_folder_with_results_but_no_manifest_is_still_refused(resume_experiment, tmp_path):
    """Only what a sweep writes before its manifest is taken as a fresh start: parts without a
    manifest (someone removed it) are not overwritten or mixed with new runs."""
    path, ref, _ = resume_experiment
    out = tmp_path / "out"
    run_sweep(load_experiment(path), out, limit=2)
    (out / "manifest.json").unlink()
    before = sorted(p.name for p in (out / "runs").iterdir())
    res = cogov("sweep", str(path), "--workers", "1", "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "no manifest.json" in res.stderr
    assert sorted(p.name for p in (out / "runs").iterdir()) == before


@pytest.mark.slow
def test_resume_after_kill_9_in_the_middle(resume_experiment, tmp_path):
    path, ref, ref_steps = resume_experiment
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cogov_sim.cli", "sweep", str(path), "--workers", "2", "--out",
                             str(out), "--quiet"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its pool workers
        proc.wait()
    partial = read_results(out)
    assert 0 < len(partial) < len(ref), "the kill should land part-way"
    res = cogov("sweep", str(path), "--workers", "2", "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"{len(partial)} were already done" in res.stdout
    assert_complete(out, ref, ref_steps)


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"not parquet at all\n" * 50}[how])


@pytest.mark.slow
def test_damaged_parts_are_moved_aside_and_their_runs_redone(resume_experiment, tmp_path):
    path, ref, ref_steps = resume_experiment
    out = tmp_path / "out"
    run_sweep(load_experiment(path), out, flush_every=2)  # runs parts of two runs each
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == len(ref) // 2
    damaged = {parts[0]: "truncated", parts[1]: "empty", parts[2]: "garbage",
               out / "steps" / parts[3].name: "truncated"}  # runs part whole, its steps part not
    for p, how in damaged.items():
        damage(p, how)
    damaged_bytes = {p: p.read_bytes() for p in damaged}

    # analysis of a damaged folder: one line naming a damaged file, no traceback
    res = cogov("sensitivity", str(out), cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith(f"error: {parts[0]}: damaged part file") and "--resume" in res.stderr

    # without --resume the folder (which holds runs) is refused as before, and nothing moves
    res = cogov("sweep", str(path), "--workers", "1", "--out", str(out), "--quiet", cwd=tmp_path)
    assert res.returncode == 2 and "--resume" in res.stderr and all(p.exists() for p in damaged)

    res = cogov("sweep", str(path), "--workers", "1", "--out", str(out), "--resume", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    notes = [line for line in res.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 4 and "Traceback" not in res.stderr, res.stderr
    for p in damaged:
        assert any(str(p) in line for line in notes), (p, notes)
        assert not p.exists() and (out / "damaged" / p.parent.name / p.name).read_bytes() == damaged_bytes[p]
    assert sorted(p.name for p in (out / "damaged" / "runs").iterdir()) == sorted(p.name for p in parts[:4])
    assert f"{len(ref) - 8} were already done" in res.stdout
    assert_complete(out, ref, ref_steps)
    assert cogov("sensitivity", str(out), cwd=tmp_path).returncode == 0
