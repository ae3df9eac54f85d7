"""The registry: paper bundles, and users' own machines through the same door (exit 2 on bad refs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ioakit import registry
from ioakit.cli import main

MODEL = '''
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
from ioakit.lang.types import IntT


class Counter(Spec):
    """A counter that counts to its bound."""

    name = "Counter"
    source = "a test"
    parameters = (ScopeParam("bound", 3, "largest value"),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("x", IntT(0, sc["bound"]))
        return d

    @internal()
    def tick(self, s):
        s.require(s.x < s.x.type.hi)
        s.x = s.x + 1


NOT_A_SPEC = 3
'''


@pytest.fixture
def model(tmp_path: Path) -> Path:
    p = tmp_path / "counter.py"
    p.write_text(MODEL, encoding="utf-8")
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_machine_belongs_to_one_paper_bundle() -> None:
    keys = [p.key for p in registry.papers()]
    assert len(keys) == len(set(keys)) and "fls" in keys
    for name in registry.machine_classes():
        assert registry.paper_of(name) is not None
    assert registry.trace_check("VS-machine").automata == ("VS-machine", "WeakVS-machine")
    assert set(registry.invariant_files()) >= {"vs_lemma_4_1", "to_machine"}
    assert all(p.is_file() for p in registry.invariant_files().values())


def test_users_model_by_file_reference(capsys: pytest.CaptureFixture[str], model: Path) -> None:
    ref = f"{model}:Counter"
    code, out, _ = run(capsys, "list", ref)
    assert code == 0 and "Counter  — a test" in out and "bound" in out
    code, out, _ = run(capsys, "explore", ref, "--scope", "bound=5", "--json")
    data = json.loads(out)
    assert code == 0 and data["states"] == 6 and data["machine"] == "Counter"


def test_users_model_by_module_reference(capsys: pytest.CaptureFixture[str], model: Path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(model.parent))
    code, out, _ = run(capsys, "explore", "counter:Counter", "--json")
    assert code == 0 and json.loads(out)["states"] == 4


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("VS-machin", "did you mean VS-machine"),
        ("{dir}/nope.py:Counter", "no such model file"),
        ("{dir}/counter.py:Nope", "has no attribute 'Nope'; Spec classes there: Counter"),
        ("{dir}/counter.py:NOT_A_SPEC", "is not a Spec subclass"),
        ("no_such_module_xyz:Counter", "cannot import module"),
        ("{dir}/broken.py:X", "syntax error in model file"),
        ("{dir}/raises.py:X", "importing the model file failed: RuntimeError: boom"),
    ],
)
def test_bad_machine_references_are_input_errors(
    capsys: pytest.CaptureFixture[str], model: Path, ref: str, message: str
) -> None:
    (model.parent / "broken.py").write_text("def (:\n", encoding="utf-8")
    (model.parent / "raises.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    code, out, err = run(capsys, "explore", ref.format(dir=model.parent))
    assert code == 2 and message in err and "Traceback" not in err and out == ""


def test_unknown_trace_automaton_names_the_registered_ones(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps({"format": "ioakit-trace", "version": 1, "automaton": "Nope", "scope": {}}) + "\n")
    code, _, err = run(capsys, "trace", str(f))
    assert code == 2 and "no trace checker for automaton 'Nope'" in err and "TO-machine" in err


def test_a_paper_from_another_distribution_is_listed_and_checked(
    capsys: pytest.CaptureFixture[str], model: Path, monkeypatch
) -> None:
    """A third-party bundle in the ``ioakit.papers`` entry-point group: its machines are listed,
    its invariant files found by name, its claims run by the main job — with no edit to ioakit."""
    from importlib.metadata import EntryPoint

    from ioakit import papers

    counter = registry.spec_class(f"{model}:Counter")
    inv = model.parent / "counter.inv"
    inv.write_text('machine Counter\ninvariant bounded "ours": x <= 3\n', encoding="utf-8")

    def claims() -> list[registry.Claim]:
        return [registry.Claim("bounded", lambda: papers.invariant_file_job("Counter", {}, "counter"))]

    bundle = registry.Paper("counter", "A counter", "nobody, 2026", (counter,), {"counter": inv}, claims=claims)
    monkeypatch.setattr(registry, "BUILTIN_PAPERS", ())
    monkeypatch.setattr(registry, "_load_paper", lambda m: bundle)

    def fake_entry_points(group: str) -> list[EntryPoint]:
        if group != registry.PAPERS_GROUP:
            return []
        ep = EntryPoint("counter", "counter_pkg:PAPER", group)
        monkeypatch.setattr(EntryPoint, "load", lambda self: bundle)
        return [ep]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry.papers.cache_clear()
    try:
        code, out, _ = run(capsys, "list")
        assert code == 0 and "Counter  — a test" in out and "TO-machine" not in out
        code, out, _ = run(capsys, "check", "Counter", "counter")
        assert code == 0 and "holds" in out
        code, out, _ = run(capsys, "papers")
        assert code == 0 and "check counter.inv" in out and "1/1 checks hold" in out
    finally:
        registry.papers.cache_clear()
