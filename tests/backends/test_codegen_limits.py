"""Terms too deep for CPython's compiler give a ``CodegenLimitError``, not a traceback.

The generated code nests one bracket level (or more) per term level; CPython's tokenizer refuses
more than 200 nested brackets, and the code generator itself recurses once per level. Both limits
must surface as one clear error that names the compiled set and says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from ioakit.backends.codegen import CodegenLimitError, compile_predicates, compile_terms, run_generated
from ioakit.lang import ir
from ioakit.lang.ir import Term, ite
from ioakit.lang.types import IntT

MACHINE = SimpleNamespace(name="deep-machine")


def _x() -> Term:
    return Term("var", (), IntT(0, 3), (0, "x"))


def _sum(n: int) -> Term:
    """``x + x + ... + x`` (n terms), a left-nested chain n - 1 levels deep."""
    x = _x()
    t = x
    for _ in range(n - 1):
        t = t + x
    return t


def _nested_ite(n: int) -> Term:
    x = _x()
    t = x
    for i in range(n):
        t = ite(x < i % 4, t + 1, x)
    return t


def test_shallow_terms_still_compile() -> None:
    (f,) = compile_predicates(MACHINE, [_sum(150) >= 0])
    assert f((2,)) is True
    (g,) = compile_terms(MACHINE, [_sum(150)])
    assert g((2,)) == 300


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        # past the tokenizer's 200 nested brackets (the second predicate is ``_p1``)
        (lambda: _sum(300) >= 0, r"the generated code nests 30\d brackets deep in _p1, CPython's parser allows 200"),
        (lambda: _nested_ite(150) == 0, r"nests 30\d brackets deep in _p1"),
        # past the code generator's own recursion
        (lambda: _sum(3000) >= 0, r"the deepest term nests 300\d operations deep"),
        (lambda: _nested_ite(1000) == 0, r"the deepest term nests 200\d operations deep"),
    ],
    ids=["sum-300", "ite-150", "sum-3000", "ite-1000"],
)
def test_deep_predicates_raise_a_codegen_limit_error(build: Callable[[], Term], detail: str) -> None:
    shallow = _sum(3) >= 0
    with pytest.raises(CodegenLimitError) as info:
        compile_predicates(MACHINE, [shallow, build()])
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert msg.startswith("<ioakit predicates: deep-machine>: an expression nests too deeply for the concrete compiler")
    assert re.search(detail, msg), msg
    assert "split it into several named predicates or invariants" in msg and "conjunction" in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_deep_terms_raise_a_codegen_limit_error() -> None:
    with pytest.raises(CodegenLimitError, match=r"^<ioakit terms: deep-machine>: .*nests 30\d brackets deep in _v0"):
        compile_terms(MACHINE, [_sum(300)])


def test_run_generated_runs_good_code_and_keeps_other_syntax_errors() -> None:
    ns: dict[str, object] = {}
    run_generated("def f(s):\n    return s + 1\n", "<test>", ns)
    assert ns["f"](1) == 2  # type: ignore[operator]
    with pytest.raises(SyntaxError):  # a bug of a generator, not a limit: not disguised
        run_generated("def f(s):\n    return s +\n", "<test>", {})
    with pytest.raises(CodegenLimitError, match=r"<test>: .*nests 250 brackets deep in g"):
        run_generated("def g(s):\n    return " + "(" * 250 + "s" + ")" * 250 + "\n", "<test>", {})


def test_the_repr_of_a_too_deep_term_is_still_printable() -> None:
    # the error path may print the term: repr must not recurse either
    assert ir.format_term(_sum(3000), 50).endswith("…")


def test_large_generated_source_is_compiled_in_pieces_that_keep_their_line_numbers() -> None:
    """Generated code over ``CHUNK_CHARS`` is compiled a few top-level definitions at a time (so
    Ctrl-C is handled between pieces); every function is defined, later ones may call earlier
    ones, and a traceback names the line of the whole source."""
    import traceback

    from ioakit.backends import codegen

    n = 2 * codegen.CHUNK_CHARS // 40
    src = "".join(f"def f{k}(x):\n    return x + {k}\n" for k in range(n))
    src += f"def bad():\n    return 1 // 0\ndef last():\n    return f{n - 1}(1)\n"
    pieces = codegen._chunks(src)
    assert len(pieces) >= 2 and "".join(p for p, _ in pieces) == src
    assert all(p.startswith("def ") for p, _ in pieces)
    ns: dict[str, object] = {}
    codegen.run_generated(src, "<test>", ns)
    assert ns["last"]() == n and ns["f0"](5) == 5  # type: ignore[operator]
    try:
        ns["bad"]()  # type: ignore[operator]
    except ZeroDivisionError as e:
        line = traceback.extract_tb(e.__traceback__)[-1].lineno
    assert line == 2 * n + 2  # the line of `return 1 // 0` in the whole source
