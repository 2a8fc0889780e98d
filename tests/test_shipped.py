"""The shipped scenarios and experiments: they travel with the package, so every command works
from any folder after ``pip install .``; a path or the user's own ./scenarios/ comes first; a
misspelt name gets the closest name and the list; ``cogov scenarios`` lists them in both languages."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cogov_sim.errors import CoGovInputError
from cogov_sim.experiments.design import load_experiment, resolve_experiment_path
from cogov_sim.model.scenario import find_named_file, load_scenario
from cogov_sim.model.shipped import entries, name_of, names, shipped_folder

from .conftest import ROOT
from .test_cli import cogov

FOLDERS = ("scenarios", "experiments")
MINI = "[population]\nresidents = 300\n[space]\ncommunities = 3\n[run]\nsteps = 3\nburn_in = 1\n"


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                  and "__pycache__" not in p.parts)


def one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


# ------------------------------------------------------------------------------ the package data
def test_every_shipped_file_and_every_subpackage_is_in_the_package_configuration():
    """pyproject.toml lists packages by hand (the data packages are mapped, which `find` cannot
    see): a new subpackage, or a file in scenarios/ or experiments/ outside the package-data
    globs, would be left out of a regular install."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for folder in FOLDERS:
        package = f"cogov_sim.shipped.{folder}"
        assert config["package-dir"][package] == folder and package in config["packages"]
        included = {Path(f).as_posix() for g in config["package-data"][package]  # as setuptools expands them
                    for f in glob.glob(g, root_dir=ROOT / folder, recursive=True)}
        missing = [f for f in files_under(ROOT / folder) if f not in included]
        assert not missing, f"not package data: {missing}"
    code = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cogov_sim").rglob("__init__.py"))
    assert set(code) <= set(config["packages"]), set(code) - set(config["packages"])


def test_every_shipped_file_is_found_by_its_name():
    for folder, what in (("scenarios", "scenario"), ("experiments", "experiment")):
        on_disk = {p.relative_to(ROOT / folder).with_suffix("").as_posix(): p
                   for p in (ROOT / folder).rglob("*.toml")}
        assert set(names(folder)) >= set(on_disk) and on_disk
        for name, path in on_disk.items():
            assert find_named_file(name, folder, what).resolve() == path.resolve(), name
            assert name_of(path, folder) == name


@pytest.mark.slow
def test_a_regular_install_works_from_an_empty_folder(tmp_path):
    """A real (non-editable) ``pip install`` into a new virtual environment, then the commands
    from an empty folder. The environment reaches this one's dependencies through a .pth line
    (``--no-deps``, no download), and the source is copied first, so no build/ folder of the
    checkout goes into the wheel; the test checks that cogov_sim and its shipped files are the
    installed ones, not the checkout."""
    import site
    import sysconfig

    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "build", "dist", "results", "*.egg-info",
                                                             "__pycache__", ".venv*", ".pytest_cache", ".ruff_cache",
                                                             ".hypothesis", "benchmarks"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    py = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    parents = [p for p in dict.fromkeys([sysconfig.get_paths()["purelib"], *site.getsitepackages()])]
    (purelib / "_test_parent_env.pth").write_text("\n".join(parents) + "\n")
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--quiet", str(src)], capture_output=True,
                             text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    shutil.rmtree(src)  # nothing may come from the copy of the source any more

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONWARNINGS"] = "ignore"
    cmd = str(venv / "bin" / "cogov")

    def run(*args):
        return subprocess.run([cmd, *args], cwd=empty, capture_output=True, text=True, env=env, timeout=600)

    probe = subprocess.run([str(py), "-c", (
        "import json, cogov_sim; from cogov_sim.model.shipped import shipped_folder; "
        "print(json.dumps({'package': cogov_sim.__file__, "
        "**{f: str(shipped_folder(f)) for f in ('scenarios', 'experiments')}, "
        "'files': {f: sorted(p.relative_to(shipped_folder(f)).as_posix() for p in shipped_folder(f).rglob('*') "
        "if p.is_file() and '__pycache__' not in p.parts) for f in ('scenarios', 'experiments')}}))")],
        cwd=empty, capture_output=True, text=True, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    for key in ("package", *FOLDERS):
        assert Path(found[key]).resolve().is_relative_to(purelib.resolve()), (key, found[key])
    for folder in FOLDERS:
        assert found["files"][folder] == files_under(ROOT / folder), folder  # every file, nothing else

    listing = run("scenarios")
    assert listing.returncode == 0, listing.stderr
    assert "baseline" in listing.stdout and "被动、纸质、政府主导的街道办" in listing.stdout and "smoke" in listing.stdout
    assert str(Path(found["scenarios"])) in listing.stdout

    res = run("run", "baseline", "--steps", "3", "--quiet")
    assert res.returncode == 0, res.stderr
    assert len(list((empty / "results" / "baseline").iterdir())) == 1

    res = run("validate", "granovetter", "--reduced", "--workers", "1", "--quiet")
    assert res.returncode == 0, res.stderr
    assert "checks passed" in res.stdout

    line = one_error_line(run("run", "basline"))
    assert "did you mean 'baseline'?" in line


# ------------------------------------------------------------------------------------ precedence
def test_the_users_own_scenario_replaces_the_shipped_one_of_that_name(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.toml").write_text(MINI)
    res = cogov("run", "baseline", "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenario"]["population"]["residents"] == 300
    listing = cogov("scenarios", "--lang", "en", cwd=tmp_path)
    assert any(line.startswith("* baseline") and "replaces the shipped one" in line
               for line in listing.stdout.splitlines()), listing.stdout


def test_a_path_comes_first_then_the_users_folder_then_the_shipped_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = shipped_folder("scenarios")
    assert find_named_file("pilots/01_random_sites", "scenarios", "scenario").resolve() == \
        (shipped / "pilots" / "01_random_sites.toml").resolve()
    (tmp_path / "scenarios" / "pilots").mkdir(parents=True)
    (tmp_path / "scenarios" / "pilots" / "01_random_sites.toml").write_text(MINI)
    assert find_named_file("pilots/01_random_sites", "scenarios", "scenario") == \
        Path("scenarios") / "pilots" / "01_random_sites.toml"
    (tmp_path / "pilots").mkdir()
    (tmp_path / "pilots" / "01_random_sites.toml").write_text(MINI)
    assert find_named_file("pilots/01_random_sites.toml", "scenarios", "scenario") == \
        Path("pilots") / "01_random_sites.toml"
    # the user's own file does not change what a shipped file names as its base
    (tmp_path / "scenarios" / "baseline.toml").write_text(MINI)
    assert load_scenario("baseline").population.residents == 300
    assert load_scenario("active_service").population.residents == load_scenario(shipped / "baseline.toml"
                                                                                  ).population.residents != 300


def test_a_users_file_may_name_a_shipped_scenario_as_its_base(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = load_scenario(shipped_folder("scenarios") / "online_platform.toml")
    (tmp_path / "mine.toml").write_text('base = "online_platform"\n[population]\nresidents = 700\n')
    mine = load_scenario("mine.toml")
    assert mine.population.residents == 700 and mine.levers == shipped.levers
    # a file never is its own base: ./scenarios/online_platform.toml builds on the shipped one
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "online_platform.toml").write_text('base = "online_platform.toml"\n'
                                                                  "[population]\nresidents = 800\n")
    own = load_scenario("online_platform")
    assert own.population.residents == 800 and own.levers == shipped.levers
    # a copy of a docking case in ./scenarios/docking/ still finds docking/isolated.toml
    (tmp_path / "scenarios" / "docking").mkdir()
    shutil.copy(shipped_folder("scenarios") / "docking" / "bass.toml", tmp_path / "scenarios" / "docking")
    assert find_named_file("docking/bass", "scenarios", "scenario") == Path("scenarios/docking/bass.toml")
    assert load_scenario("docking/bass").to_dict() == \
        load_scenario(shipped_folder("scenarios") / "docking" / "bass.toml").to_dict()


def test_a_missing_or_looping_base_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toml").write_text('base = "basline"\n')
    with pytest.raises(CoGovInputError) as err:
        load_scenario("a.toml")
    text = str(err.value)
    assert text.startswith("a.toml: key 'base': 'basline' not found (looked next to this file, then in ./scenarios/")
    assert "did you mean 'baseline'?" in text and "one of: " in text and "\n" not in text
    (tmp_path / "b.toml").write_text('base = "c.toml"\n')
    (tmp_path / "c.toml").write_text('base = "b.toml"\n')
    with pytest.raises(CoGovInputError, match="in a loop"):
        load_scenario("b.toml")


def test_an_experiment_names_its_scenario_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = load_experiment(resolve_experiment_path("smoke"))
    assert Path(exp.scenario_file).resolve() == (shipped_folder("scenarios") / "baseline.toml").resolve()
    text = resolve_experiment_path("smoke").read_text().replace('scenario = "baseline"', 'scenario = "basline"')
    (tmp_path / "e.toml").write_text(text)
    res = cogov("sweep", "e.toml", "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    line = one_error_line(res)
    assert line.startswith("error: e.toml: key 'scenario': scenario 'basline' not found")
    assert "did you mean 'baseline'?" in line and not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------- did you mean
@pytest.mark.parametrize(("args", "start", "closest", "listed"), [
    (["run", "basline"], "error: basline: scenario file not found (looked as a path, then in ./scenarios/, then "
                         "among the shipped scenarios)", "baseline", ["baseline", "active_service",
                                                                      "pilots/01_random_sites", "docking/bass"]),
    (["compare", "baseline", "pilots/01_random_site"], "error: pilots/01_random_site: scenario file not found",
     "pilots/01_random_sites", ["baseline"]),
    (["sweep", "smok"], "error: smok: experiment file not found (looked as a path, then in ./experiments/, then "
                        "among the shipped experiments)", "smoke", ["smoke", "age_gap", "trust_sobol"]),
    (["validate", "granoveter"], "error: key 'CASE': 'granoveter' is not a docking case", "granovetter",
     ["granovetter", "deffuant", "santos", "bass", "centola"]),
])
def test_a_misspelt_name_gets_the_closest_name_and_the_list(tmp_path, args, start, closest, listed):
    line = one_error_line(cogov(*args, cwd=tmp_path))
    assert line.startswith(start), line
    head, _, allowed = line.partition("; allowed: ")
    assert head.endswith(f"; did you mean '{closest}'?"), line
    assert all(name in allowed.replace(",", " ").split() for name in listed), line
    assert list(tmp_path.iterdir()) == []  # nothing written


# ------------------------------------------------------------------------------ cogov scenarios
def test_cogov_scenarios_lists_every_name_with_its_description_in_both_languages(tmp_path):
    res = cogov("scenarios", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for e in entries("scenarios") + entries("experiments"):
        en, zh = e.descriptions()
        assert en and zh, e.name  # every shipped file has both
        assert f"  {e.name} " in out and en in out and zh in out, e.name
    assert out.index("Scenarios (cogov run NAME)") < out.index("Pilot designs") < out.index("Experiments")
    assert "情景" in out and "实验" in out

    zh_only = cogov("scenarios", "--lang", "zh", cwd=tmp_path).stdout
    en_only = cogov("scenarios", "--lang", "en", cwd=tmp_path).stdout
    base = next(e for e in entries("scenarios") if e.name == "baseline")
    en, zh = base.descriptions()
    assert zh in zh_only and en not in zh_only and "情景（cogov run 名称）" in zh_only
    assert en in en_only and zh not in en_only and "情景" not in en_only


def test_cogov_scenarios_marks_the_users_own_files(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "my_street.toml").write_text(
        'base = "baseline"\n[scenario]\ndescription = "My own street."\ndescription_zh = "我自己的街道。"\n')
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "broken.toml").write_text("name = \n")
    res = cogov("scenarios", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    mine = next(i for i, line in enumerate(lines) if line.startswith("* my_street"))
    assert "My own street." in lines[mine] and "我自己的街道。" in lines[mine + 1]
    assert any(line.startswith("* broken") and "cannot be read" in line for line in lines)
    assert any(line.startswith("* your own, in ./scenarios/") for line in lines)
    assert not any(line.startswith("* baseline") for line in lines)
    run = cogov("run", "my_street", "--steps", "2", "--set", "population.residents=300", "--set", "run.burn_in=1",
                "--quiet", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_every_shipped_scenario_has_display_names_of_its_own(tmp_path):
    titles = {}
    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        info = load_scenario(path).scenario
        assert info.title and any("\u4e00" <= ch <= "\u9fff" for ch in info.title_zh), path
        assert info.display("zh") == info.title_zh and info.display("en") == info.title
        titles[info.title] = path
    assert len(titles) == len(list((ROOT / "scenarios").rglob("*.toml")))  # no two share a name
    # a file of one's own on a shipped base is not named by the base's title
    (tmp_path / "mine.toml").write_text('base = "baseline"\n[levers]\nonline_platform = true\n', encoding="utf-8")
    mine = load_scenario(tmp_path / "mine.toml").scenario
    assert (mine.title, mine.display("zh")) == ("", "mine")
