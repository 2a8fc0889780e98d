"""The layout keeps the architecture (docs/architecture.md): one direction of dependency from the
outside in, a headless core that loads no plotting, web, dataframe, cluster or progress-bar
library, and no import cycles between modules."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cogov_sim"

#: Which layers each layer may import (besides itself and the shared ``errors`` module).
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "model": set(),
    "experiments": {"model"},
    "analysis": {"model", "experiments"},
    "validation": {"model", "experiments", "analysis"},
    "present": {"model", "experiments", "analysis", "validation"},
    "cli": {"model", "experiments", "analysis", "validation", "present"},
    "__init__": {"model"},
}
#: Third-party packages the core may import (docs/architecture.md).
CORE_THIRD_PARTY = {"numpy", "scipy", "networkx", "mesa"}
#: Libraries the core must not bring in, unless Mesa itself loads them.
HEAVY = ("matplotlib", "pandas", "pyarrow", "solara", "uvicorn", "starlette", "distributed", "dask", "tqdm",
         "SALib", "duckdb", "plotly", "altair", "bokeh", "seaborn", "IPython", "ipywidgets", "polars", "PIL")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """``cogov_sim.model.rules`` -> ``model``; ``cogov_sim`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(source: str, module: str, known: set[str], *, top_level_only: bool) -> list[tuple[str, int]]:
    """Absolute names imported by a module (``from a.b import c`` gives ``a.b.c`` when that is one
    of the ``known`` modules, else ``a.b``), with line numbers. With ``top_level_only``, imports
    inside functions and ``if TYPE_CHECKING:`` blocks are left out (they cannot form cycles)."""
    tree = ast.parse(source)
    out: list[tuple[str, int]] = []
    is_package = module in known and any(k.startswith(module + ".") for k in known)

    def visit(nodes, nested: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import) and not (nested and top_level_only):
                out.extend((a.name, node.lineno) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not (nested and top_level_only):
                base = node.module or ""
                if node.level:
                    pkg = module.split(".") if is_package else module.split(".")[:-1]
                    pkg = pkg[: len(pkg) - node.level + 1]
                    base = ".".join(pkg + ([node.module] if node.module else []))
                for a in node.names:
                    candidate = f"{base}.{a.name}"
                    out.append((candidate if candidate in known else base, node.lineno))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(node.body, True if not isinstance(node, ast.ClassDef) else nested)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.body, True)
            elif hasattr(node, "body") and isinstance(node.body, list):
                visit(node.body, nested)
                for extra in ("orelse", "finalbody", "handlers"):
                    visit(getattr(node, extra, []) or [], nested)

    visit(tree.body, False)
    return out


def modules() -> dict[str, str]:
    return {module_name(p): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def layer_violations(sources: dict[str, str]) -> list[str]:
    """Every import of the package that goes against :data:`MAY_IMPORT`, and every third-party
    import of the core beyond :data:`CORE_THIRD_PARTY`."""
    bad = []
    stdlib = sys.stdlib_module_names
    for module, source in sources.items():
        layer = layer_of(module)
        for name, line in imports(source, module, set(sources), top_level_only=False):
            top = name.split(".")[0]
            if top == "cogov_sim":
                target = layer_of(name)
                if target not in (layer, "errors", "__init__") and target not in MAY_IMPORT[layer]:
                    bad.append(f"{module}:{line} ({layer}) imports {name} ({target})")
                if target == "__init__" and layer != "__init__":
                    bad.append(f"{module}:{line} imports the top-level package; import the module itself")
            elif layer == "model" and top not in stdlib and top not in CORE_THIRD_PARTY and top != "__future__":
                bad.append(f"{module}:{line} (core) imports {name}")
    return bad


def import_cycles(sources: dict[str, str]) -> list[list[str]]:
    """Cycles of module-level imports between the package's modules (Tarjan's strongly
    connected components with more than one module, or a module importing itself)."""
    graph = {m: sorted({n for n, _ in imports(s, m, set(sources), top_level_only=True) if n in sources and n != m})
             for m, s in sources.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            strong(v)
    return cycles


def test_every_import_goes_from_the_outside_in():
    assert layer_violations(modules()) == []


def test_the_layer_check_catches_a_wrong_import_and_a_heavy_core():
    planted = {
        "cogov_sim.model.rules": "import numpy\nfrom cogov_sim.present.plots import dashboard\n",
        "cogov_sim.model.outcomes": "def f():\n    import pandas\n",
        "cogov_sim.experiments.runner": "from cogov_sim.model import scenario\nfrom cogov_sim.errors import X\n",
    }
    bad = layer_violations(planted)
    assert len(bad) == 2
    assert "present.plots" in bad[0] and "pandas" in bad[1]


def test_no_module_level_import_cycles():
    assert import_cycles(modules()) == []


def test_the_cycle_check_finds_a_planted_cycle():
    planted = {
        "cogov_sim.model.a": "from cogov_sim.model import b\n",
        "cogov_sim.model.b": "import cogov_sim.model.c\n",
        "cogov_sim.model.c": "from cogov_sim.model.a import thing\n",
        "cogov_sim.model.d": "def f():\n    from cogov_sim.model import a\n",
    }
    assert import_cycles(planted) == [["cogov_sim.model.a", "cogov_sim.model.b", "cogov_sim.model.c"]]


CORE_RUN = """
import json, sys
import mesa  # what Mesa itself loads is allowed
before = set(sys.modules)
from cogov_sim import CoGovModel, Scenario
from cogov_sim.model import rules, networks, population, institutions, pilots, outcomes, rng, parameters
from cogov_sim.model.scenario import load_scenario
s = Scenario().with_values({"population.residents": 300, "space.communities": 3, "run.steps": 4, "run.burn_in": 2})
m = CoGovModel(s)
m.run()
assert len(m.timeseries()["step"]) == 4
print(json.dumps({"before": sorted(before), "after": sorted(sys.modules)}))
"""


def test_the_core_imported_and_run_loads_no_heavy_library():
    res = subprocess.run([sys.executable, "-c", CORE_RUN], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    loaded = json.loads(res.stdout.strip().splitlines()[-1])
    by_mesa = {m.split(".")[0] for m in loaded["before"]}
    brought = {m.split(".")[0] for m in loaded["after"]} - by_mesa
    assert not brought & set(HEAVY), f"the core loaded {sorted(brought & set(HEAVY))}"
    assert "cogov_sim.present" not in loaded["after"] and "cogov_sim.experiments" not in loaded["after"]


@pytest.mark.parametrize("name", ["CoGovModel", "Scenario", "load_scenario", "parameter_specs"])
def test_the_public_api_stays(name):
    import cogov_sim

    assert hasattr(cogov_sim, name)
