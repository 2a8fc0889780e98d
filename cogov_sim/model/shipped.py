"""The scenario and experiment files shipped with the package, and finding a file by name.

The repository keeps its scenarios (``scenarios/``, with ``pilots/``, ``docking/`` and
``calibration/``) and experiments (``experiments/``) in top-level folders, where a reader finds
them. ``pyproject.toml`` maps those folders into the package as the data packages
``cogov_sim.shipped.scenarios`` and ``cogov_sim.shipped.experiments``, so that a regular
``pip install .`` carries them and every command works from any folder; they are found at run
time through :mod:`importlib.resources`. An editable install or a checkout on ``sys.path`` has
no importable data package (setuptools' editable finder cannot import a data package nested in
a folder that does not exist in the source tree), and reads the same files from the folders
beside the package.

A name given on the command line (``baseline``, ``pilots/01_random_sites``, ``smoke``) is looked
up in this order, and the first file that exists wins:

1. the name as a path (absolute, or relative to the current folder);
2. the user's own folder: ``./scenarios/<name>`` or ``./scenarios/<name>.toml`` (experiments:
   ``./experiments/``), so a file of one's own replaces a shipped one of the same name;
3. the shipped files.

A scenario's ``base`` is a path relative to the scenario file itself; when no file is there, it
is a scenario name looked up in ``./scenarios/`` and then among the shipped scenarios (for a file
in a subfolder such as ``docking/``, first within that subfolder). A file is never its own base:
a name that leads back to the file itself goes on to the next place in the order, so
``./scenarios/baseline.toml`` may say ``base = "baseline.toml"`` to change the shipped baseline.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cogov_sim.errors import CoGovInputError

#: The folders of files that are looked up by name, and what one file in each is called.
FOLDERS: dict[str, str] = {"scenarios": "scenario", "experiments": "experiment"}
#: The places a name is looked up in after the path itself, as the error messages state them.
ORDER = "in ./{folder}/, then among the shipped {folder}"


def shipped_folder(folder: str) -> Path | None:
    """The folder of the shipped files of ``folder`` (``scenarios`` or ``experiments``), or None.

    An installed package has them as the data package ``cogov_sim.shipped.<folder>``. That
    package has no ``__init__.py`` (the folders hold only data), so :mod:`importlib.resources`
    gives a multiplexed path over its one folder, whose entries are plain paths; the folder is
    taken from them. Without that package (an editable install, a checkout) it is the folder of
    that name beside the package.
    """
    if folder not in FOLDERS:
        raise ValueError(f"unknown folder {folder!r}; allowed: {', '.join(FOLDERS)}")
    try:
        root = resources.files(f"cogov_sim.shipped.{folder}")
    except ModuleNotFoundError:
        root = None
    if isinstance(root, Path):
        return root
    if root is not None:
        for entry in root.iterdir():
            if isinstance(entry, Path):
                return entry.parent
    beside = Path(__file__).resolve().parents[2] / folder
    return beside if beside.is_dir() else None


def roots(folder: str) -> list[Path]:
    """The folders a name is looked up in after the path itself: the user's own, then the shipped."""
    shipped = shipped_folder(folder)
    return [Path(folder)] + ([shipped] if shipped is not None else [])


def _with_suffix(name: str) -> list[str]:
    return [name] if name.endswith(".toml") else [name, f"{name}.toml"]


def _order(name: str) -> tuple[bool, str, str]:
    """Names in listing order: the top level first, then each subfolder."""
    folder, _, stem = name.rpartition("/")
    return bool(folder), folder, stem


def _names_in(root: Path) -> list[str]:
    """The names of the .toml files under ``root``, in listing order."""
    if not root.is_dir():
        return []
    return sorted((p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.toml") if p.is_file()),
                  key=_order)


@dataclass(frozen=True)
class Entry:
    """One file that can be given by name: the user's own (in ./<folder>/) or shipped."""

    name: str
    path: Path
    own: bool
    #: For the user's own file: a shipped file of the same name that it replaces.
    replaces_shipped: bool = False

    def descriptions(self) -> tuple[str, str]:
        """The file's description in English and in Chinese (``description`` and
        ``description_zh``: of ``[scenario]`` in a scenario, at the top of an experiment), read
        from the file alone (not its base), or a note when it cannot be read."""
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            note = f"(cannot be read: {exc.__class__.__name__})"
            return note, note
        table = data["scenario"] if isinstance(data.get("scenario"), dict) else data
        en, zh = table.get("description", ""), table.get("description_zh", "")
        return (en if isinstance(en, str) else "", zh if isinstance(zh, str) else "")


def entries(folder: str) -> list[Entry]:
    """Every file of ``folder`` that can be given by name, in listing order: the user's own
    (those that replace a shipped one marked) and the shipped ones no file of the user's replaces."""
    own_root, *rest = roots(folder)
    shipped_root = rest[0] if rest else None
    shipped = {} if shipped_root is None else {n: shipped_root / f"{n}.toml" for n in _names_in(shipped_root)}
    own_names = [] if shipped_root is not None and own_root.resolve() == shipped_root.resolve() else _names_in(own_root)
    out = [Entry(n, own_root / f"{n}.toml", True, n in shipped) for n in own_names]
    out += [Entry(n, p, False) for n, p in shipped.items() if n not in own_names]
    return sorted(out, key=lambda e: _order(e.name))


def names(folder: str) -> list[str]:
    """The names that can be given for ``folder`` (the user's own and the shipped ones)."""
    return [e.name for e in entries(folder)]


def locate(name: str, folder: str, *, skip: Path | None = None) -> Path | None:
    """The file a name stands for, in the order of the module docstring, or None; never ``skip``
    (an experiment file naming its scenario must not find itself)."""
    def usable(path: Path) -> bool:
        return path.is_file() and (skip is None or path.resolve() != skip.resolve())

    path = Path(name)
    if usable(path):
        return path
    for root in roots(folder):
        for candidate in _with_suffix(name):
            if usable(root / candidate):
                return root / candidate
    return None


def not_found(name: str, folder: str, what: str, allowed: str = "a path to a .toml file",
              first: str = "as a path") -> str:
    """The one-line message for a name that is no file: ``what`` (``scenario file``) not found,
    the places looked in (``first``, then ./<folder>/, then the shipped files), the closest name,
    and every name there is."""
    from cogov_sim.model.scenario import suggest

    options = names(folder)
    stem = name[: -len(".toml")] if name.endswith(".toml") else name
    looked = f"{first}, then {ORDER.format(folder=folder)}"
    return (f"{what} not found (looked {looked}){suggest(stem, options)}; "
            f"allowed: {allowed} or one of: {', '.join(options)}")


def find_named_file(name: str, folder: str, what: str) -> Path:
    """A file given as a path, or by name in ``./<folder>/`` or among the shipped files (in that
    order); a one-line :class:`CoGovInputError` with the closest name and the list otherwise."""
    found = locate(name, folder)
    if found is None:
        raise CoGovInputError(not_found(name, folder, f"{what} file"), source=name)
    return found


def name_of(path: Path, folder: str) -> str | None:
    """The name by which ``path`` is found (``pilots/01_random_sites``), or None when looking up
    its name relative to ./<folder>/ or the shipped folder leads to another file or none."""
    resolved = path.resolve()
    for root in roots(folder):
        try:
            name = resolved.relative_to(root.resolve()).with_suffix("").as_posix()
        except ValueError:
            continue
        found = locate(name, folder)
        if found is not None and found.resolve() == resolved:
            return name
    return None


def _subfolder(path: Path) -> Path | None:
    """The folder of ``path`` below the scenarios folder it lies in (``docking``), or None."""
    parent = path.resolve().parent
    for root in roots("scenarios"):
        try:
            rel = parent.relative_to(root.resolve())
        except ValueError:
            continue
        return rel if rel.parts else None
    return None


def resolve_base(base: str, path: Path, seen: Iterable[Path] = ()) -> Path:
    """The file that the scenario file ``path`` names as its ``base`` (the rule of the module
    docstring); ``seen`` are the files whose base chain led to it, to refuse a loop."""
    me = path.resolve()
    chain = set(seen)
    sub = _subfolder(path)
    candidates = [path.parent / b for b in _with_suffix(base)]
    for rel in ([sub / base] if sub is not None else []) + [Path(base)]:
        for root in roots("scenarios"):
            candidates += [root / b for b in _with_suffix(rel.as_posix())]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        resolved = candidate.resolve()
        if resolved == me:
            continue
        if resolved in chain:
            raise CoGovInputError("scenario files name each other as base in a loop; allowed: a chain of base "
                                  "files that ends", source=str(path), key="base")
        return resolved
    raise CoGovInputError(not_found(base, "scenarios", f"'{base}'", "a path relative to this file",
                                    first="next to this file"), source=str(path), key="base")
