"""``docs/your-own-model.md`` is executed: its files are written to a fresh folder, each console
block's command is run there as a user would run it, and the exit status and the lines the page
shows are compared with what ioakit prints — so the tutorial cannot rot. The model's state counts
are also cross-checked against an independent search written here from the model's description."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "your-own-model.md"
IOAKIT = [sys.executable, "-m", "ioakit"]


def _files(text: str) -> dict[str, str]:
    return dict(re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```", text, flags=re.S))


def _blocks(text: str) -> list[tuple[str, list[str], int]]:
    out = []
    for body in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        lines = body.rstrip("\n").splitlines()
        cmd = lines[0].removeprefix("$ ioakit ")
        status = int(re.fullmatch(r"\[exit status (\d)\]", lines[-1]).group(1))  # type: ignore[union-attr]
        out.append((cmd, lines[1:-1], status))
    return out


def _normal(line: str) -> str:
    line = re.sub(r"[Zz]3 [\d.]+", "z3 X", line)
    line = re.sub(r" · [\d.]+ s · [\d,]+ states/s", " · …", line)
    return re.sub(r"\(\d+\.\d\d s\)", "(… s)", line)


def _checked_lines(shown: list[str]) -> list[str]:
    """The shown lines that must appear verbatim: all but the elisions and the body of a
    counterexample to induction (which CTI Z3 returns first may vary between versions)."""
    keep, in_cti = [], False
    for ln in shown:
        if ln.startswith("  CTI:"):
            in_cti = True
        elif in_cti and not ln.startswith("    "):
            in_cti = False
        if ln != "…" and not in_cti:
            keep.append(ln)
    return keep


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("own-model")
    for name, body in _files(DOC.read_text(encoding="utf-8")).items():
        (d / name).write_text(body, encoding="utf-8")
    return d


def test_the_page_has_files_and_commands() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert set(_files(text)) == {"twopc.py", "twopc.inv", "twopc_inductive.inv"}
    commands = [c.split()[0] for c, _, _ in _blocks(text)]
    assert {"list", "explore", "check", "prove", "render"} <= set(commands)


@pytest.mark.parametrize("index", range(len(_blocks(DOC.read_text(encoding="utf-8")))))
def test_each_command_prints_what_the_page_shows(workdir: Path, index: int) -> None:
    cmd, shown, status = _blocks(DOC.read_text(encoding="utf-8"))[index]
    if cmd.startswith("render") and shutil.which("dot") is None and ".svg" in cmd:
        pytest.skip("graphviz `dot` is not installed")
    out = workdir / "twopc.svg"
    if cmd.startswith("render") and out.exists():
        out.unlink()
    r = subprocess.run([*IOAKIT, *cmd.split()], cwd=workdir, capture_output=True, text=True, timeout=300)
    printed = [_normal(ln) for ln in (r.stdout + r.stderr).splitlines()]
    assert r.returncode == status, r.stdout + r.stderr
    for ln in _checked_lines(shown):
        assert _normal(ln) in printed, f"the page shows {ln!r}; ioakit printed:\n" + "\n".join(printed)
    if cmd.startswith("render"):
        assert out.read_text().lstrip().startswith(("<?xml", "<svg"))
    if "--junit" in cmd:  # what the page says of the file: one case per invariant, failures as shown
        _check_junit(workdir / cmd.split("--junit")[1].split()[0], printed)


def _check_junit(path: Path, printed: list[str]) -> None:
    import junitparser

    cases = [c for s in junitparser.JUnitXml.fromfile(str(path)) for c in s]
    verdicts = {c.name: [type(r).__name__ for r in c.result] for c in cases}
    assert verdicts == {"consistent": ["Failure"], "commit_needs_all": ["Failure"]}, verdicts
    for failure in (r for c in cases for r in c.result):
        assert "shortest execution" in failure.message and "start: rm = " in failure.text
    assert sum("shortest execution" in ln for ln in printed) == 2


# -- an independent search of the page's model (plain Python, from its description) ----------

WORKING, PREPARED, COMMITTED, ABORTED = "working", "prepared", "committed", "aborted"


def _two_phase_commit_states(rms: int, eager: bool) -> int:
    start = ((WORKING,) * rms, "init", frozenset())
    seen, todo = {start}, [start]
    while todo:
        rm, tm, tp = todo.pop()
        nxt = []
        for r in range(rms):
            if rm[r] == WORKING:
                nxt.append((rm[:r] + (PREPARED,) + rm[r + 1 :], tm, tp | {r}))
                nxt.append((rm[:r] + (ABORTED,) + rm[r + 1 :], tm, tp))
            if tm == "commit" and rm[r] == PREPARED:
                nxt.append((rm[:r] + (COMMITTED,) + rm[r + 1 :], tm, tp))
            if tm == "abort" and rm[r] not in (COMMITTED, ABORTED):
                nxt.append((rm[:r] + (ABORTED,) + rm[r + 1 :], tm, tp))
        if tm == "init":
            if (len(tp) > 0) if eager else (len(tp) == rms):
                nxt.append((rm, "commit", tp))
            nxt.append((rm, "abort", tp))
        for s in nxt:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return len(seen)


@pytest.mark.parametrize(("cls", "eager"), [("TwoPhaseCommit", False), ("EagerCommit", True)])
@pytest.mark.parametrize("rms", [1, 2, 3])
def test_state_counts_agree_with_an_independent_search(workdir: Path, cls: str, eager: bool, rms: int) -> None:
    from ioakit.engines.explore import Explorer
    from ioakit.registry import get_spec

    m = get_spec(f"{workdir / 'twopc.py'}:{cls}").build({"rms": rms})
    r = Explorer(m).run()
    assert r.complete and r.states == _two_phase_commit_states(rms, eager)
