"""Sweeps where users run them, and what goes wrong there.

- ``cogov sweep --scheduler`` on a real Dask cluster started with the ``dask`` command line
  (scheduler and workers on 127.0.0.1), including a worker killed while runs are in flight,
  and a fast one-line error for a scheduler that is not there.

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

from cogov_sim.experiments.design import load_experiment
from cogov_sim.experiments.executors import SerialExecutor
from cogov_sim.experiments.sweep import read_results, read_steps, run_sweep

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
