"""A user's own model, as a new user writes it: mistakes in the model's Python code are input
errors located in the user's file (exit 2), never ioakit's internal errors; a model without a
docstring or source is listed; invariant files are loaded by path given as a plain string."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ioakit import registry
from ioakit.cli import main
from ioakit.errors import ModelCodeError
from ioakit.invariants import load_invariants

RING = textwrap.dedent(
    """
    from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
    from ioakit.lang.types import Domain, EnumT, IntT, SetT


    class Ring(Spec):
        name = "Ring"
        parameters = (ScopeParam("max_passes", 3, "bound on passes", min=0),)

        def declare(self, sc: Scope) -> Decl:
            d = Decl()
            P = d.domain(Domain.numbered("P", 3, "p"))
            d.var("token", EnumT(P))
            d.var("passes", IntT(0, sc["max_passes"]))
            d.var("cs", SetT(EnumT(P)))
            return d

        @internal(p="P")
        def pass_(self, s, p):
            s.require(s.token == p)
            s.token = {"p1": "p2", "p2": "p3", "p3": "p1"}[KEY]
            s.passes = s.passes + 1

        @internal(p="P")
        def enter(self, s, p):
            s.require(s.token == p)
            s.cs = s.cs.add(p)
    """
)


def _model(tmp_path: Path, key: str) -> str:
    f = tmp_path / f"ring_{key.replace('(', '_').replace(')', '')}.py"
    f.write_text(RING.replace("KEY", key), encoding="utf-8")
    return f"{f}:Ring"


def test_an_exception_in_an_action_body_is_a_located_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    ref = _model(tmp_path, "p")  # a parameter is a term, not the string "p1": the lookup fails
    assert main(["explore", ref]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert "Ring: action pass_(p=p1)" in err and "KeyError" in err
    assert f"{ref.split(':')[0]}:21:" in err and "str(param)" in err  # the user's file and line, and what to do
    with pytest.raises(ModelCodeError):
        registry.get_spec(ref).build({})


def test_the_hint_works_and_the_model_then_explores(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    ref = _model(tmp_path, "str(p)")
    assert main(["explore", ref, "--json"]) == 3  # the pass after the third is cut by passes' bound
    assert main(["explore", ref, "--json", "--allow-bound-hits"]) == 0
    # after k passes the token is at p(k mod 3 + 1) and cs is any subset of the holders so far:
    # 2 + 4 + 8 + 8 states for k = 0..3
    assert '"states": 22,' in capsys.readouterr().out


def test_a_model_without_docstring_or_source_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["list", _model(tmp_path, "str(p)")]) == 0
    assert "Ring  — (no source given" in capsys.readouterr().out


def test_load_invariants_reads_a_path_given_as_a_string(tmp_path: Path):
    m = registry.get_spec(_model(tmp_path, "str(p)")).build({})
    inv = tmp_path / "ring.inv"
    inv.write_text("machine Ring\ninvariant one_holder: passes >= 0\n", encoding="utf-8")
    assert [p.name for p in load_invariants(str(inv), m).properties] == ["one_holder"]
    with pytest.raises(ValueError, match="cannot read the invariant file"):
        load_invariants(str(tmp_path / "missing.inv"), m)


def test_an_exception_in_declare_is_a_located_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    f = tmp_path / "typo.py"
    f.write_text(RING.replace('d.var("cs"', 'd.vr("cs"').replace("KEY", "str(p)"), encoding="utf-8")
    assert main(["list", f"{f}:Ring"]) == 0  # listing does not build the machine
    assert main(["explore", f"{f}:Ring"]) == 2
    err = capsys.readouterr().err
    assert "Ring: declare: " in err and f"{f}:15:" in err and "AttributeError" in err and "internal" not in err
