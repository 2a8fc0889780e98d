"""The one definition of every parameter, and the loading and validation of scenario files."""

import pytest

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.parameters import LEVER_NAMES, LEVERS, PARAMETERS
from cogov_sim.model.scenario import Scenario, load_scenario, parse_override

from .conftest import SCENARIOS


def test_every_parameter_has_unit_doc_source_and_range():
    for key, spec in PARAMETERS.items():
        assert spec.unit and spec.doc and spec.source, key
        if spec.type in (int, float):
            assert spec.low is not None and spec.high is not None, key
            assert spec.low <= spec.default <= spec.high, key
        if spec.type is str and key.split(".")[0] not in ("scenario", "network"):
            assert spec.choices, key


def test_levers_are_declared_once_with_labels_in_both_languages():
    assert set(LEVERS) == set(LEVER_NAMES)
    for name in LEVERS:
        spec = PARAMETERS[f"levers.{name}"]
        assert spec.label_en and spec.label_zh


def test_defaults_are_the_status_quo():
    s = Scenario()
    assert s.levers.online_platform is False and s.levers.decision_mode == "habit"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_file_loads_and_names_its_paper_section(path):
    s = load_scenario(path)
    assert s.scenario.paper_section
    first = path.read_text(encoding="utf-8").splitlines()[0].lower()
    if path.parent.name in ("docking", "calibration"):  # these stand for a published model or observation
        assert first.startswith(f"# {path.parent.name[:7]}"), first
    else:
        assert "section" in first or "Fang" in path.read_text()


def test_base_chain_overrides(root):
    s = load_scenario(root / "scenarios" / "data_breach.toml")
    assert s.levers.online_platform is True  # from online_platform.toml
    assert s.levers.security_investment == 0.0
    assert s.shocks[0].kind == "data_breach" and s.shocks[0].step == 60


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text,fragment", [
    ("[population]\nresidnts = 5\n", "did you mean 'population.residents'"),
    ("[population]\nresidents = 'many'\n", "is not a number"),
    ("[population]\nresidents = 3\n", "out of range"),
    ("[population\nresidents = 3\n", "malformed TOML"),
    ("[network]\nkind = 'smallworld'\n", "allowed: one of 'sbm'"),
    ("[levers]\nonline_platform = 1\n", "not a boolean"),
    ("[popul]\nresidents = 3\n", "unknown section"),
    ("[[interventions]]\nstep = 3\nset = { grid_worker = 1.0 }\n", "did you mean 'grid_workers'"),
    ("[[interventions]]\nstep = 3\ncommunities = [40]\nset = { grid_workers = 1.0 }\n", "community 40 does not exist"),
    ("[[shocks]]\nkind = 'flood'\nstep = 3\n", "not a shock kind"),
    ("[issues]\nmix_young = [0.5, 0.5, 0.5, 0.5]\n", "sum to"),
])
def test_bad_files_name_file_key_and_allowed_values(tmp_path, text, fragment):
    p = write(tmp_path, text)
    with pytest.raises(CoGovInputError) as exc:
        load_scenario(p)
    msg = str(exc.value)
    assert fragment in msg and str(p) in msg and "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(CoGovInputError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_overrides_are_validated_like_the_file():
    key, value = parse_override("population.residents=50000")
    assert (key, value) == ("population.residents", 50000)
    assert parse_override("levers.cogovernance_mode=collaborative")[1] == "collaborative"
    with pytest.raises(CoGovInputError, match="did you mean 'levers.transparency'"):
        parse_override("levers.transparncy=0.5")
    with pytest.raises(CoGovInputError, match="out of range"):
        Scenario().with_values({"levers.transparency": 1.5})


def test_scenarios_are_immutable():
    s = Scenario()
    with pytest.raises(AttributeError):
        s.population.residents = 5  # type: ignore[misc]


def test_odd_lists_every_parameter(root):
    text = (root / "docs" / "odd.md").read_text(encoding="utf-8")
    missing = [k for k in PARAMETERS if f"`{k}`" not in text]
    assert not missing, f"docs/odd.md lacks {missing}"


def test_every_numeric_parameter_has_a_plausible_range_with_its_reason():
    """The one parameter definition gives every number a plausible range (what sensitivity
    analyses vary and a calibration searches) inside its allowed range, around its default, and
    says why; the seed is the one number that is not a parameter of the model."""
    for key, spec in PARAMETERS.items():
        numeric = spec.type in (int, float) or (spec.type is tuple and spec.choices is None)
        if not numeric or key == "run.seed":
            assert spec.plausible is None or numeric, key
            continue
        assert spec.plausible is not None, f"{key} has no plausible range"
        lo, hi = spec.plausible
        assert lo < hi, key
        if spec.low is not None:
            assert spec.low <= lo and hi <= spec.high, f"{key}: {spec.plausible} outside {spec.low}-{spec.high}"
        values = spec.default if isinstance(spec.default, tuple) else (spec.default,)
        assert all(lo <= v <= hi for v in values), f"{key}: default {spec.default} outside {spec.plausible}"
        if spec.type is int:
            assert isinstance(lo, int) and isinstance(hi, int), key
        assert len(spec.why) > 15, f"{key}: say why the range is {spec.plausible}"


def test_cogov_params_shows_each_plausible_range_and_the_odd_table_is_its_output(root):
    from tests.test_cli import cogov

    res = cogov("params", cwd=root)
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("trust.epsilon = "))
    assert "Plausible: 0.1 to 0.5: Deffuant" in line
    table = cogov("params", "--markdown", cwd=root).stdout
    odd = (root / "docs" / "odd.md").read_text(encoding="utf-8")
    assert table.strip() in odd, "docs/odd.md, section 8, is not the output of `cogov params --markdown`"
