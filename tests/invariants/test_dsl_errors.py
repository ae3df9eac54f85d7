"""Golden error messages of the invariant language (mypyvy-style ``.expect`` files).

Each ``expect/NAME.inv`` is a malformed invariant file; ``expect/NAME.expect`` is exactly what
``str(error)`` must be when it is loaded for VS-machine at the default scope (the file name
printed is ``NAME.inv``). Run with ``IOAKIT_UPDATE_EXPECT=1`` to rewrite the ``.expect`` files
after a deliberate change of wording, and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ioakit.invariants import (
    InvariantError,
    InvariantFileError,
    InvariantMachineError,
    InvariantScopeError,
    InvariantSyntaxError,
    InvariantTypeError,
    load_invariants,
)
from ioakit.registry import get_spec

EXPECT = Path(__file__).parent / "expect"
CASES = sorted(p.stem for p in EXPECT.glob("*.inv"))

KIND = {
    "next_safe_typo": InvariantTypeError,
    "missing_colon": InvariantSyntaxError,
    "single_equals": InvariantSyntaxError,
    "unbalanced_paren": InvariantSyntaxError,
    "unknown_machine": InvariantMachineError,
    "wrong_machine": InvariantMachineError,
    "unknown_variable": InvariantTypeError,
    "wrong_arity": InvariantTypeError,
    "view_vs_processor": InvariantTypeError,
    "hyphen_subtraction": InvariantTypeError,
    "macro_error": InvariantTypeError,
    "several_errors": InvariantTypeError,
    "bad_characters": InvariantSyntaxError,
    "include_missing": InvariantFileError,
    "include_cycle": InvariantFileError,
    "include_duplicate": InvariantTypeError,
    "include_inner_error": InvariantTypeError,
    "slice_not_sequence": InvariantTypeError,
    "range_too_large": InvariantScopeError,
    "scope_parameter_typo": InvariantTypeError,
}

INCLUDED_ERROR = {"include_cycle", "include_inner_error"}
"""Cases whose error is located in a file the case includes (checked by the golden message)."""


@pytest.fixture(scope="module")
def vs():
    return get_spec("VS-machine").build({})


def _error(name: str, machine) -> InvariantError:
    # the file's path (so that its includes are found next to it), printed as NAME.inv
    with pytest.raises(InvariantError) as info:
        load_invariants(EXPECT / f"{name}.inv", machine, filename=f"{name}.inv")
    return info.value


def test_every_case_has_a_kind():
    assert set(CASES) == set(KIND), "add new golden cases to KIND"
    assert len(CASES) >= 8


@pytest.mark.parametrize("name", CASES)
def test_golden_message(name, vs):
    err = _error(name, vs)
    got = str(err) + "\n"
    path = EXPECT / f"{name}.expect"
    if os.environ.get("IOAKIT_UPDATE_EXPECT"):
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with IOAKIT_UPDATE_EXPECT=1"
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_error_kind_and_location(name, vs):
    err = _error(name, vs)
    assert type(err) is KIND[name]
    if name in INCLUDED_ERROR:
        return
    # mypyvy style: file:line:col: error: message, then the source line and a caret under it
    first = str(err).splitlines()
    assert first[0].startswith(f"{name}.inv:{err.line}:{err.column}: error: ")
    src_line = (EXPECT / f"{name}.inv").read_text(encoding="utf-8").splitlines()[err.line - 1]
    assert first[1].endswith(src_line)
    caret = first[2]
    assert caret.index("^") - caret.index("|") - 2 == err.column - 1


def test_typo_of_lemma_4_1_12_names_the_key_and_domain(vs):
    """Lemma 4.1(12) as printed (next-safe[p, q], a typo) must be rejected with what was expected."""
    err = _error("next_safe_typo", vs)
    assert "key 2 of next_safe must be an element of G, got P" in err.message
    assert (err.line, err.column) == (4, 47)  # at `q` inside next_safe[p, q]
    assert any("`q` is bound here, to P" in n.message for n in err.notes)


def test_several_errors_are_all_reported(vs):
    err = _error("several_errors", vs)
    assert len(err.others) == 3
    assert [e.line for e in (err, *err.others)] == [3, 4, 5, 6]


def test_file_errors_are_invariant_errors(tmp_path, vs):
    with pytest.raises(InvariantError, match="cannot read"):
        load_invariants(tmp_path / "missing.inv", vs)
    bad = tmp_path / "latin1.inv"
    bad.write_bytes(b"machine VS-machine\ninvariant a: true # \xe9\xff\n")
    with pytest.raises(InvariantError, match="UTF-8"):
        load_invariants(bad, vs)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("invariant a: true", "must start with `machine NAME`"),
        ("machine VS-machine\ninvariant a: forall p in P: (next[p, g0] == 1))", "unmatched `)`"),
        ("machine VS-machine\ninvariant a: forall p in P: next[p, g0) == 1", "does not match"),
        ("machine VS-machine\ninvariant a: sum(p in P len(pending[p, g0])) == 0", "after the bindings of `sum`"),
        ("machine VS-machine\ninvariant a forall p in P: true", "after the invariant's name"),
        ("machine VS-machine\ndef f(p P) = true\ninvariant a: true", "between a parameter and its type"),
        ("machine VS-machine\ninvariant a: true => false", "write `implies`"),
        ("machine VS-machine\ninvariant a: true || false", "write `or`"),
        ('machine VS-machine\ninvariant a "ref: true', "unterminated string"),
        ("machine VS-machine\ninvariant a: 1 <", "unexpected end of the file"),
        ("machine VS-machine\ninvariant a: 1 + \ninvariant b: true", "the previous item is incomplete"),
        ("machine VS-machine\ninvariant a: bot == bot", "cannot tell which ⊥"),
        ("machine VS-machine\ninvariant a: forall p in P: p3 == p", "not an element of P = {p1, p2} at this scope"),
        ("machine VS-machine\ninvariant a: forall S in Set[Set[views]]: true", "more than 4096 cases"),
        ("machine VS-machine\ninvariant a: created <= created", "write `subset`"),
        ("machine VS-machine\ninvariant a: forall g in G: queue[g] + queue[g] == empty", "use `++`"),
        ("machine VS-machine\ninvariant a: len(created) == 1", "use card(S) or |S|"),
        ("machine VS-machine\ninvariant a: forall next in P: true", "is a state variable of VS-machine"),
        ("machine VS-machine\ninvariant a: forall p in P: forall p in G: true", "`p` is already bound"),
        ("machine VS-machine\ndef f = g\ndef g = 1\ninvariant a: f == 1", "defined later (line 3)"),
        ("machine VS-machine\ndef f(x) = f(x)\ninvariant a: f(1) == 1", "cannot use itself"),
        ("machine VS-machine\ndef f(x: P) = x\ninvariant a: forall g in G: f(g) == g", "argument 1 of f must be a P"),
        ("machine VS-machine\ninvariant a: forall v in created: v.size == 1", "has no field `size` (fields: id, set)"),
        ("machine VS-machine\ninvariant a: exists! x in queue[g0]: true", "ambiguous"),
        ("machine VS-machine\ninvariant a: forall g in G: len(queue[g])", "must be a formula (Bool), got an Int"),
        ("machine VS-machine\ninvariant a: 1" + "0" * 40 + " == 1", "integer literal"),
        ("machine VS-machine\ninvariant a: " + "not " * 200 + "true", "nested too deeply"),
    ],
)
def test_friendly_messages(text, needle, vs):
    with pytest.raises(InvariantError) as info:
        load_invariants(text, vs, filename="t.inv")
    assert needle in str(info.value)


def test_deep_definition_chains_are_refused_not_crashing(vs):
    # each definition doubles the previous one: shared, not copied, when checked and compiled
    defs = "\n".join(f"def d{i} = d{i - 1} + d{i - 1}" for i in range(1, 11))
    text = f"machine VS-machine\ndef d0 = inputs_issued\n{defs}\ninvariant a: d10 >= 0"
    assert load_invariants(text, vs).names == ["a"]
    # 60 levels deep (and 2^60 operations once unshared): refused before code generation
    defs = "\n".join(f"def d{i} = d{i - 1} + d{i - 1}" for i in range(1, 61))
    deep = f"machine VS-machine\ndef d0 = inputs_issued\n{defs}\ninvariant a: d60 >= 0"
    with pytest.raises(InvariantScopeError, match="more than 60 operations deep"):
        load_invariants(deep, vs)
    macros = "\n".join(f"def e{i}(x) = e{i - 1}(x) + e{i - 1}(x)" for i in range(1, 40))
    text = f"machine VS-machine\ndef e0(x) = x\n{macros}\ninvariant a: e39(inputs_issued) >= 0"
    with pytest.raises(InvariantScopeError, match="expands to more than"):
        load_invariants(text, vs)


def test_definitions_expanding_too_deep_to_compile_are_located(vs):
    """Six shallow definitions, each extending the previous chain: 540 levels once expanded. The
    compiler's recursion gives out before its depth check; the error names the invariant."""
    chain = " + ".join(["inputs_issued"] * 90)
    defs = "\n".join([f"def d1 = {chain}"] + [f"def d{i} = d{i - 1} + {chain}" for i in range(2, 7)])
    with pytest.raises(InvariantScopeError) as info:
        load_invariants(f"machine VS-machine\n{defs}\ninvariant a: d6 >= 0", vs, filename="t.inv")
    assert (info.value.line, info.value.column) == (8, 14)
    assert str(info.value).startswith("t.inv:8:14: error: this formula nests too deeply to compile")
