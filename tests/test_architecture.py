"""ARCHITECTURE.md stays true to the tree: every module of the package folders is listed in it,
and every file it names exists.

So the map cannot rot: adding a module without a line there, or removing or renaming one without
updating it, fails here. ``__init__.py`` files are not required (a package's ``__init__`` is
described by its folder's heading). ``ioakit/lang/ops.py`` may be listed before it exists: it is
being added on another branch.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("ioakit", "specs", "impl", "invariants", "traces", "refinement")
MAY_BE_ABSENT = frozenset({"ioakit/lang/ops.py"})
_NAMED_PATH = re.compile(r"`([A-Za-z0-9_./-]+\.(?:py|lark|inv|md|toml))`")


def package_modules(repo: Path) -> set[str]:
    """Repo-relative paths of the ``.py`` files under the package folders, ``__init__.py`` excluded."""
    return {
        p.relative_to(repo).as_posix()
        for folder in PACKAGE_FOLDERS
        for p in (repo / folder).rglob("*.py")
        if p.name != "__init__.py" and "__pycache__" not in p.parts
    }


def named_paths(text: str) -> set[str]:
    """The file paths written in backquotes in ``text`` (those containing a folder)."""
    return {m for m in _NAMED_PATH.findall(text) if "/" in m}


def test_every_module_of_the_package_folders_is_in_architecture_md() -> None:
    listed = named_paths((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    missing = sorted(package_modules(REPO) - listed)
    assert not missing, f"modules missing from ARCHITECTURE.md (add one line each): {missing}"


def test_every_file_architecture_md_names_exists() -> None:
    listed = named_paths((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    stale = sorted(p for p in listed - MAY_BE_ABSENT if not (REPO / p).exists())
    assert not stale, f"ARCHITECTURE.md names files that do not exist: {stale}"


def test_the_data_files_are_listed() -> None:
    """The grammar, the invariant files and the two language / format references are listed too."""
    listed = named_paths((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    data = {p.relative_to(REPO).as_posix() for p in (REPO / "invariants").rglob("*.inv")}
    data |= {"invariants/grammar.lark", "invariants/LANGUAGE.md", "traces/FORMAT.md"}
    assert data <= listed, sorted(data - listed)


def test_the_checks_see_a_missing_module_and_a_stale_name(tmp_path: Path) -> None:
    """The helpers themselves: a module absent from the text is found, ``__init__`` is not required."""
    (tmp_path / "ioakit" / "lang").mkdir(parents=True)
    for name in ("ioakit/__init__.py", "ioakit/cli.py", "ioakit/lang/new.py"):
        (tmp_path / name).write_text("")
    text = "- `ioakit/cli.py` — the command line.\n- `ioakit/gone.py` — removed.\n- `grammar.lark`"
    assert package_modules(tmp_path) == {"ioakit/cli.py", "ioakit/lang/new.py"}
    assert package_modules(tmp_path) - named_paths(text) == {"ioakit/lang/new.py"}
    assert named_paths(text) == {"ioakit/cli.py", "ioakit/gone.py"}
