"""The invariant language: syntax (precedence, layout, Unicode spellings, spans) and the meaning
of each construct, checked against hand-written Python on every reachable state and against the
Z3 semantics of the same term."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Explorer
from ioakit.invariants import load_invariants
from ioakit.invariants import syntax as S
from ioakit.invariants.errors import SourceFile
from ioakit.invariants.parser import parse
from ioakit.registry import get_spec


def body(formula: str) -> S.Expr:
    f = parse(SourceFile("t.inv", f"machine VS-machine\ninvariant a: {formula}\n"))
    item = f.items[0]
    assert isinstance(item, S.InvariantDecl)
    return item.body


def n(x: str) -> S.Name:
    return S.Name(x)


# ---------------------------------------------------------------------------------------------
# Syntax


def test_layout_and_comments_do_not_change_the_tree():
    a = parse(SourceFile("a", 'machine VS-machine\ninvariant x "r": forall p in P: next[p, g0] >= 1\n'))
    b = parse(
        SourceFile(
            "b",
            '# leading comment\nmachine   VS-machine   # trailing\n\ninvariant x\n  "r"\n  :\n'
            "  forall p in P:   # the body\n    next[p,g0]>=1\n",
        )
    )
    assert a == b
    assert a.items[0].span != b.items[0].span  # spans differ but do not count


def test_unicode_spellings_are_the_ascii_ones():
    uni = "∀ p ∈ P: ¬(x ≠ y) ∧ a ∨ b ⇒ (c ⇔ d) ∧ ⟨x, y⟩ ∉ s ∧ s ⊆ t ∪ u ∩ v ∧ z == ⊥ ∧ w == λ ∧ i ≤ j ∧ i ≥ j"
    asc = (
        "forall p in P: not (x != y) and a or b implies (c iff d) and (x, y) not in s and s subset t union u "
        "inter v and z == bot and w == empty and i <= j and i >= j"
    )
    assert body(uni) == body(asc)
    assert body("∃! S ⊆ P: true") == body("exists! S subset P: true")


def test_precedence():
    # and binds tighter than implies; implies is right-associative; iff is loosest
    assert body("a and b implies c") == S.Binary("implies", S.Binary("and", n("a"), n("b")), n("c"))
    assert body("a implies b implies c") == S.Binary("implies", n("a"), S.Binary("implies", n("b"), n("c")))
    assert body("a implies b iff c") == S.Binary("iff", S.Binary("implies", n("a"), n("b")), n("c"))
    assert body("a or b and c") == S.Binary("or", n("a"), S.Binary("and", n("b"), n("c")))
    assert body("not a == b") == S.Unary("not", S.Binary("==", n("a"), n("b")))
    assert body("x + y * z == w") == S.Binary("==", S.Binary("+", n("x"), S.Binary("*", n("y"), n("z"))), n("w"))
    assert body("x - y - z") == S.Binary("-", S.Binary("-", n("x"), n("y")), n("z"))
    assert body("s ++ t union u") == S.Binary("union", S.Binary("++", n("s"), n("t")), n("u"))


def test_quantifier_and_if_bodies_extend_to_the_right():
    q = S.Quant("forall", (S.Binder(S.Ident("p"), "in", n("P")),), S.Binary("or", n("b"), n("c")))
    assert body("a implies forall p in P: b or c") == S.Binary("implies", n("a"), q)
    assert body("a and forall p in P: b or c") == S.Binary("and", n("a"), q)
    assert body("if a then b else c or d") == S.Ite(n("a"), n("b"), S.Binary("or", n("c"), n("d")))
    assert body("(forall p in P: b) or c") == S.Binary("or", S.Quant("forall", q.binders, n("b")), n("c"))


def test_binders():
    e = body("forall p, q in P, S subset P, v in created: true")
    assert isinstance(e, S.Quant)
    assert [(b.var.name, b.mode) for b in e.binders] == [("p", "in"), ("q", "in"), ("S", "subset"), ("v", "in")]
    assert e.binders[0].range == e.binders[1].range == n("P")
    e = body("forall S in Set[P]: true")
    assert e.binders[0].range == S.SetType(S.TypeName("P"))
    assert body("sum(p in P: 1) == 2").left.kind == "sum"


def test_hyphenated_names_and_subtraction():
    assert body("current-viewid[p]") == S.Index(n("current-viewid"), (n("p"),))
    assert body("a - b") == S.Binary("-", n("a"), n("b"))
    assert body("next[p]-1") == S.Binary("-", S.Index(n("next"), (n("p"),)), S.IntLit(1))


def test_spans_point_at_the_source():
    src = "machine VS-machine\ninvariant a:\n  forall p in P:\n    next[p, g0] >= 1\n"
    e = parse(SourceFile("t", src)).items[0].body
    cmp = e.body
    assert (cmp.span.line, cmp.span.column) == (4, 5)
    assert cmp.op_span.column == 17 and cmp.left.keys[1].span.column == 13
    assert cmp.span.text(SourceFile("t", src)) == "next[p, g0] >= 1"


def test_reference_and_multiline_description():
    f = parse(
        SourceFile(
            "t",
            'machine VS-machine\ninvariant a "Lemma 4.1(10)":\n  "first part,\n   second"  "third"\n  true\n'
            "invariant b: true\n",
        )
    )
    a, b = f.items
    assert (a.reference, a.description) == ("Lemma 4.1(10)", "first part, second third")
    assert (b.reference, b.description) == ("", "")


# ---------------------------------------------------------------------------------------------
# Meaning, against Python on every reachable state


@pytest.fixture(scope="module")
def to():
    m = get_spec("TO-machine").build({})
    return m, Explorer(m).reachable()


@pytest.fixture(scope="module")
def vs():
    m = get_spec("VS-machine").build({"initial_members": 1})
    return m, Explorer(m).reachable()


def _head(s: tuple[Any, ...], default: Any) -> Any:
    return s[0] if s else default


TO_CASES: list[tuple[str, Callable[[Any], bool]]] = [
    ("sum(p in P: len(pending[p])) >= 2", lambda s: sum(map(len, s[1])) >= 2),
    ("exists! p in P: pending[p] != empty", lambda s: sum(1 for x in s[1] if x) == 1),
    ("prefix(pending[p1], pending[p2])", lambda s: s[1][1][: len(s[1][0])] == s[1][0]),
    ("pending[p1] <= pending[p2]", lambda s: s[1][1][: len(s[1][0])] == s[1][0]),
    ("pending[p1] < pending[p2]", lambda s: s[1][1][: len(s[1][0])] == s[1][0] and s[1][0] != s[1][1]),
    ("pending[p2] >= pending[p1]", lambda s: s[1][1][: len(s[1][0])] == s[1][0]),
    ("head(queue).2 == p1", lambda s: _head(s[0], (0, 0))[1] == 0),
    ("last(queue) == (a2, p2)", lambda s: (s[0][-1] if s[0] else (0, 0)) == (1, 1)),
    ("queue[2].1 == a1", lambda s: (s[0][1] if len(s[0]) >= 2 else (0, 0))[0] == 0),
    ("len(pending[p1] ++ pending[p2]) == 2", lambda s: len(s[1][0]) + len(s[1][1]) == 2),
    ("range(pending[p1]) subset {a1}", lambda s: set(s[1][0]) <= {0}),
    ("(a1, p1) in queue", lambda s: (0, 0) in s[0]),
    ("(a1, p1) not in queue", lambda s: (0, 0) not in s[0]),
    ("if len(queue) > 1 then queue[1] == queue[2] else true", lambda s: len(s[0]) <= 1 or s[0][0] == s[0][1]),
    ("card(range(pending[p1]) union range(pending[p2])) == 2", lambda s: len(set(s[1][0]) | set(s[1][1])) == 2),
    ("|range(pending[p1]) inter range(pending[p2])| >= 1", lambda s: len(set(s[1][0]) & set(s[1][1])) >= 1),
    ("range(pending[p1]) minus range(pending[p2]) == {}", lambda s: not (set(s[1][0]) - set(s[1][1]))),
    ("min(next[p1], next[p2]) == 1 and max(next[p1], next[p2]) >= 2", lambda s: min(s[2]) == 1 and max(s[2]) >= 2),
    ("-next[p1] + 2 * next[p2] > 1", lambda s: -s[2][0] + 2 * s[2][1] > 1),
    ("exists e in queue: e.1 == a2", lambda s: any(e[0] == 1 for e in s[0])),
    ("sum(e in queue: if e.2 == p2 then 1 else 0) == 1", lambda s: sum(e[1] == 1 for e in s[0]) == 1),
    ("tail(queue) == empty", lambda s: len(s[0]) <= 1),
    ("append(pending[p1], a1) == pending[p2]", lambda s: s[1][0] + (0,) == s[1][1]),
    ("forall S subset range(pending[p1]): S subset {a1}", lambda s: set(s[1][0]) <= {0}),
    ("exists S in Set[A]: S == range(pending[p2]) and card(S) == 2", lambda s: len(set(s[1][1])) == 2),
    ("(next[p1] == 1) iff (next[p2] == 1)", lambda s: (s[2][0] == 1) == (s[2][1] == 1)),
    (
        "⟨a1, p1⟩ ∈ queue ∧ ¬(next[p1] ≥ 2) ⇒ ∀ p ∈ P: next[p] ≤ 1",
        lambda s: not ((0, 0) in s[0] and s[2][0] < 2) or all(x <= 1 for x in s[2]),
    ),
    ("|P| == 2 and |A| == 2 and inputs_issued <= 3", lambda s: True),
    ("exists p in P: forall q in P: next[q] <= next[p] and p == p2", lambda s: s[2][1] >= s[2][0]),
]

VS_CASES: list[tuple[str, Callable[[Any], bool]]] = [
    ("forall v in created: v.id in created_viewids", lambda s: True),
    ("view(g0, {p1}) in created", lambda s: (0, frozenset({0})) in s[0]),
    ("views(g1, P) in created", lambda s: (1, frozenset({0, 1})) in s[0]),
    ("(g1, {p2}) in created", lambda s: (1, frozenset({1})) in s[0]),
    ("{current_viewid[p1], current_viewid[p2]} == {g0, bot}", lambda s: {s[1][0], s[1][1]} == {0, -1}),
    ("current_viewid[p1] < current_viewid[p2]", lambda s: s[1][0] < s[1][1]),
    ("current-viewid[p2] == ⊥", lambda s: s[1][1] == -1),
    ("exists g in G: g > g0 and g in created_viewids", lambda s: any(v[0] > 0 for v in s[0])),
    ("next-safe[p1, g0] < next[p1, g0]", lambda s: s[5][0] < s[4][0]),
    (
        "forall v in created: forall p in v.set: current_viewid[p] >= g0",
        lambda s: all(s[1][p] >= 0 for v in s[0] for p in v[1]),
    ),
    ("exists! S subset P: (g1, S) in created", lambda s: sum(1 for v in s[0] if v[0] == 1) == 1),
    ("card(created) == 2", lambda s: len(s[0]) == 2),
    ("forall g in G: queue[g] == empty or head(queue[g]).2 in P", lambda s: True),
    ("pending[p1, g1] != empty", lambda s: bool(s[3][1])),
]


def _check_cases(machine, states, cases):
    terms = [
        load_invariants(f"machine {machine.name}\ninvariant c: {f}\n", machine).properties[0].term for f, _ in cases
    ]
    preds = compile_predicates(machine, terms)
    sample = random.Random(3).sample(states, 8)
    for (formula, py), pred, term in zip(cases, preds, terms):
        values = {pred(s) for s in states}
        for s in states:
            assert pred(s) == py(s), (formula, machine.show_state(s))
        for s in sample:
            f = z3.simplify(symbolic.predicate(term, symbolic.const_state(machine, s).vars))
            assert z3.is_true(f) == pred(s), formula
        yield formula, values


def test_to_constructs_mean_what_python_says(to):
    m, states = to
    nontrivial = [f for f, vals in _check_cases(m, states, TO_CASES) if vals == {True, False}]
    assert len(nontrivial) >= len(TO_CASES) - 3  # the cases are not constant on reachable states


def test_vs_constructs_mean_what_python_says(vs):
    m, states = vs
    list(_check_cases(m, states, VS_CASES))


def test_definitions_with_and_without_types(vs):
    m, states = vs
    text = """machine VS-machine
def member(p: P, g: G) = exists S subset P: (g, S) in created and p in S
def in_queue(g, m, p) = (m, p) in queue[g]
def queued = sum(g in G: len(queue[g]))
invariant a: forall p in P, g in G: next[p, g] != 1 implies member(p, g)
invariant b: forall g in G, m in M, p in P: in_queue(g, m, p) implies current_viewid[p] != bot
invariant c: queued <= inputs_issued
"""
    inv = load_invariants(text, m)
    assert inv.definitions["member"].typed and inv.definitions["member"].type_text == "Bool"
    assert not inv.definitions["in_queue"].typed
    assert inv.definitions["queued"].signature() == "queued"
    assert inv.definitions["in_queue"].signature() == "in_queue(g, m, p)"
    preds = compile_predicates(m, [p.term for p in inv.properties])
    assert all(f(s) for s in states for f in preds)
    (q,) = compile_predicates(m, [load_invariants(text + "invariant d: queued == 1\n", m).properties[3].term])
    assert {q(s) for s in states} == {True, False}
