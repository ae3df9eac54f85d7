"""The CI example cannot rot: ``docs/examples/github-actions.yml`` is loaded as YAML, every
``ioakit ...`` command in it is parsed by ioakit's own argument parser (``ioakit.cli.make_parser``)
and names machines, invariant files, traces and manifests that exist; its outputs go where the
workflow uploads them; and ``docs/ci.md`` shows the very same file."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, in the dev extra (pyproject.toml), which scripts/setup installs

from ioakit import registry
from ioakit.cli import make_parser

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "docs" / "examples" / "github-actions.yml"


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(wf: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in wf["jobs"].values() for s in job["steps"]]


def ioakit_commands(wf: dict[str, Any]) -> list[list[str]]:
    """The argument lists of the ``ioakit`` commands the workflow runs (shell redirections cut)."""
    out = []
    for step in _steps(wf):
        for line in str(step.get("run", "")).splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "ioakit":
                out.append(words[1 : words.index(">")] if ">" in words else words[1:])
    return out


def _parse(argv: list[str]) -> argparse.Namespace:
    try:
        return make_parser().parse_args(argv)
    except SystemExit as e:
        raise AssertionError(f"`ioakit {' '.join(argv)}` does not parse (exit {e.code})") from None


def _uploaded(wf: dict[str, Any]) -> list[str]:
    ups = [s for s in _steps(wf) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert ups, "the workflow keeps nothing as an artifact"
    return [p.strip() for s in ups for p in str(s["with"]["path"]).splitlines() if p.strip()]


def test_every_ioakit_command_parses_and_names_what_exists() -> None:
    wf = _workflow()
    commands = ioakit_commands(wf)
    assert len(commands) >= 8
    seen = set()
    for argv in commands:
        args = _parse(argv)
        seen.add(args.command)
        for attr in ("machine", "left", "right", "impl", "spec"):
            if getattr(args, attr, None):
                registry.get_spec(getattr(args, attr))  # RegistryError if the machine does not exist
        if args.command in ("check", "prove"):
            assert registry.find_invariant_file(args.file).is_file()
        if args.command == "trace":
            assert (REPO / args.file).is_file(), args.file
        if args.command == "baseline":
            from ioakit.baseline import load_manifest

            load_manifest(REPO / args.file)  # BaselineError if missing or malformed
        if args.command == "render":  # small enough to draw (render refuses more than --max-states)
            from ioakit.cli import build_machine
            from ioakit.engines.explore import Explorer

            m = build_machine(args.machine, args.scope, args.scope_file)
            r = Explorer(m).max_states(args.max_states).run()
            assert r.complete and r.states <= args.max_states, f"{args.machine}: {r.states} states to draw"
    assert {"explore", "check", "prove", "trace", "papers", "baseline", "render"} <= seen


def test_results_and_figures_are_published_and_kept() -> None:
    wf = _workflow()
    kept = _uploaded(wf)
    junit = [a.junit for a in map(_parse, ioakit_commands(wf)) if getattr(a, "junit", None)]
    figures = [a.output for a in map(_parse, ioakit_commands(wf)) if a.command == "render"]
    assert len(junit) >= 7 and figures
    for path in junit + figures:
        assert any(path.startswith(k.rstrip("/") + "/") for k in kept), f"{path} is not uploaded"
    publish = [s for s in _steps(wf) if "junit" in str(s.get("uses", "")).lower()]
    assert publish and all(p.get("if") for p in publish), "the JUnit results must be published even after a failure"
    assert all(s.get("if") for s in _steps(wf) if "ioakit" in str(s.get("run", "")).split("\n", 1)[0])
    assert wf.get(True, wf.get("on")) is not None and "push" in wf.get(
        True, wf.get("on")
    )  # YAML 1.1 reads `on` as True


def test_docs_ci_md_shows_the_example_file() -> None:
    doc = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert WORKFLOW.read_text(encoding="utf-8").strip() in doc


def test_the_command_extraction_would_see_a_broken_command() -> None:
    """The check above can fail: a misspelt option does not parse, an unknown machine is refused."""
    wf = {"jobs": {"j": {"steps": [{"run": "ioakit explore TO-machine --junitt r.xml"}]}}}
    (argv,) = ioakit_commands(wf)
    with pytest.raises(AssertionError, match="does not parse"):
        _parse(argv)
    args = _parse(["explore", "No-such-machine"])
    with pytest.raises(registry.RegistryError):
        registry.get_spec(args.machine)
