"""The generated concrete code (ioakit.backends.codegen) means what the fold table ``ir.PY`` means.

Constant folding at trace time uses ``ir.PY``; the code generator re-implements every op as
inline Python text, with special cases for constant indices and keys, ⊥ keys and shared
subterms. For random concrete arguments, the compiled code of each op applied to *variable*
arguments (and to every mix of variable and constant arguments) must equal the folded constant;
random term DAGs with shared subterms under short-circuiting operators must compile to code
that agrees with a bottom-up evaluation by ``ir.PY``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles.op_cases import (
    CASES,
    EG,
    EP,
    MAP1,
    MAP2,
    SEQ,
    SETP,
    VIEW,
    B,
    Case,
    EGb,
    EPb,
    P,
    values,
)

from ioakit.backends.codegen import OUT_OF_BOUNDS, compile_terms
from ioakit.lang import ir
from ioakit.lang.automaton import ActionFamily, ActionInstance, Decl, Kind, Machine, Scope, Spec, internal
from ioakit.lang.ir import BOT, Term
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type, same_shape

_FAKE_MACHINE = SimpleNamespace(name="codegen-test")


def test_the_cases_cover_every_op_of_the_fold_table() -> None:
    assert {c.op for c in CASES} == set(ir.PY)


def _var(i: int, t: Type) -> Term:
    return Term("var", (), t, (i, f"v{i}"))


def _compile(term: Term) -> Callable[[tuple[Any, ...]], Any]:
    return compile_terms(_FAKE_MACHINE, [term])[0]


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_op_on_variables_equals_the_folded_constant(case: Case, data: st.DataObject) -> None:
    args = [data.draw(values(t), label=f"arg{i}") for i, t in enumerate(case.arg_types)]
    folded = case.build(*(ir.const(t, v) for t, v in zip(case.arg_types, args)))
    assert folded.is_const, f"{case}: constant arguments did not fold"
    # every mix of variable and constant arguments (codegen special-cases constant indices and keys)
    is_var = data.draw(st.lists(st.booleans(), min_size=len(args), max_size=len(args)), label="variable args")
    for mask in {tuple(True for _ in args), tuple(is_var)}:
        terms = [_var(i, t) if var else ir.const(t, v) for i, (t, v, var) in enumerate(zip(case.arg_types, args, mask))]
        term = case.build(*terms)
        if all(mask):
            assert term.op == case.op, f"{case}: the constructor built {term.op}, not the op under test"
        # (with some constant arguments a constructor may simplify, e.g. And(x, True) is x)
        state = tuple(args)
        assert _compile(term)(state) == folded.value, f"{case} at {args} with variables {mask}"


# -- random term DAGs: sharing, short circuits, conditional positions ---------------------------

_VARS: list[tuple[str, Type]] = [
    ("b", B),
    ("i", IntT(0, 3)),
    ("g", EGb),
    ("q", SEQ),
    ("s", SETP),
    ("m", MAP1),
    ("r", VIEW),
    ("k", EPb),
    ("n", MAP2),
]
_P_ELEMS = [ir.const(EP, 0), ir.const(EP, 1)]


def _pyeval(t: Term, env: tuple[Any, ...]) -> Any:
    """Bottom-up evaluation with the fold table: the reference meaning of a term."""
    if t.op == "const":
        return t.data
    if t.op == "var":
        return env[t.data[0]]
    return ir.PY[t.op](t.data, *(_pyeval(a, env) for a in t.args))


def _kind(t: Term) -> str:
    typ = t.type
    if isinstance(typ, EnumT):
        return ("P" if typ.domain == P else "G") + ("b" if typ.bottom else "")
    if isinstance(typ, MapT):
        return "map" if len(typ.keys) == 1 else "map2"
    return {BoolT: "bool", IntT: "int", SeqT: "seq", SetT: "set", RecordT: "rec"}[type(typ)]


_BUILDERS: dict[str, list[tuple[tuple[str, ...], Callable[..., Term]]]] = {
    "bool": [
        (("bool", "bool"), ir.And),
        (("bool", "bool"), ir.Or),
        (("bool",), ir.Not),
        (("int", "int"), lambda a, b: a < b),
        (("int", "int"), ir.eq),
        (("G", "G"), lambda a, b: a <= b),
        (("Gb", "G"), lambda a, b: a < b),
        (("Pb", "P"), ir.eq),
        (("set", "Pb"), lambda s, x: s.contains(x)),
        (("bool", "bool"), lambda a, b: ir.Or(b, a)),
        (("seq", "P"), lambda q, x: q.contains(x)),
        (("set", "P"), lambda s, x: s.contains(x)),
        (("seq", "seq"), ir.prefix),
        (("set", "set"), lambda a, b: a.subset(b)),
        (("seq", "seq"), ir.eq),
        (("bool", "bool", "bool"), ir.ite),
    ],
    "int": [
        (("map2", "Pb", "Gb"), lambda m, k1, k2: m[k1, k2]),
        (("int", "int"), lambda a, b: a + b),
        (("int", "int"), lambda a, b: a - b),
        (("seq",), lambda q: q.length),
        (("set",), lambda s: s.card()),
        (("bool", "int", "int"), ir.ite),
    ],
    "P": [
        (("seq", "int"), lambda q, i: q.at(i)),
        (("seq",), lambda q: q.head()),
        (("seq",), lambda q: q.last()),
        (("bool", "P", "P"), ir.ite),
    ],
    "G": [(("rec",), lambda r: r.id), (("bool", "G", "G"), ir.ite)],
    "Gb": [(("bool", "Gb", "Gb"), ir.ite)],
    "Pb": [(("bool", "Pb", "Pb"), ir.ite)],
    "seq": [
        (("seq",), lambda q: q.tail()),
        (("seq", "P"), lambda q, x: q.append(x)),
        (("seq", "seq"), lambda a, b: a.concat(b)),
        (("map", "P"), lambda m, k: m[k]),
        (("map", "Pb"), lambda m, k: m[k]),  # a ⊥ key reads the default
        (("bool", "seq", "seq"), ir.ite),
    ],
    "set": [
        (("set", "P"), lambda s, x: s.add(x)),
        (("set", "set"), lambda a, b: a.union(b)),
        (("set", "set"), lambda a, b: a.minus(b)),
        (("seq",), lambda q: q.elems()),
        (("rec",), lambda r: r.set),
        (("bool", "set", "set"), ir.ite),
    ],
    "map": [
        (("map", "P", "seq"), lambda m, k, v: m.put(k, v)),
        (("map", "Pb", "seq"), lambda m, k, v: m.put(k, v)),
        (("bool", "map", "map"), ir.ite),
    ],
    "map2": [
        (("map2", "Pb", "Gb", "int"), lambda m, k1, k2, v: m.put((k1, k2), v)),
        (("map2", "P", "G", "int"), lambda m, k1, k2, v: m.put((k1, k2), v)),
    ],
    "rec": [(("G", "set"), lambda g, s: ir.record(VIEW, g, s)), (("bool", "rec", "rec"), ir.ite)],
}


@st.composite
def term_dags(draw: st.DrawFn) -> list[Term]:
    """A pool of terms built step by step from earlier ones, so subterms are shared (a DAG)."""
    return draw(term_pools())[1]


@st.composite
def term_pools(draw: st.DrawFn) -> tuple[dict[str, list[Term]], list[Term]]:
    """Terms by kind (variables and constants included), and the built ones in order."""
    pool: dict[str, list[Term]] = {k: [] for k in _BUILDERS}
    for i, (_, t) in enumerate(_VARS):
        v = _var(i, t)
        pool[_kind(v)].append(v)
    pool["P"] += _P_ELEMS
    pool["G"] += [ir.const(EG, 0), ir.const(EG, 1)]
    pool["Pb"].append(ir.const(EPb, -1))  # a constant ⊥ key
    pool["int"].append(ir.const(IntT(1, 1), 1))
    built: list[Term] = []
    for _ in range(draw(st.integers(1, 14), label="size")):
        kind = draw(st.sampled_from(sorted(_BUILDERS)), label="kind")
        arg_kinds, fn = draw(st.sampled_from(_BUILDERS[kind]), label="op")
        if not all(pool[k] for k in arg_kinds):
            continue
        args = [draw(st.sampled_from(pool[k])) for k in arg_kinds]
        try:
            t = fn(*args)
        except ir.TraceError:  # e.g. ite over two maps of one shape but different bounds
            continue
        if _kind(t) == "int" and isinstance(t.type, IntT) and (t.type.hi - t.type.lo) > 50:
            continue  # keep integers small
        pool[_kind(t)].append(t)
        built.append(t)
    return pool, built


@settings(max_examples=300, deadline=None)
@given(dag=term_dags(), data=st.data())
def test_compiled_term_dags_agree_with_the_fold_table(dag: list[Term], data: st.DataObject) -> None:
    env = tuple(data.draw(values(t), label=n) for n, t in _VARS)
    expected = [_pyeval(t, env) for t in dag]
    # one function per term, and one function computing all of them at once, where subterms
    # shared between positions (some conditional, some not) go through walrus temporaries
    assert [f(env) for f in compile_terms(_FAKE_MACHINE, dag)] == expected
    together = ir.record(TupleT(*(t.type for t in dag)), *dag)
    assert _compile(together)(env) == tuple(expected)
    # each term followed by all its strict subterms: every subterm is shared, and is first met
    # inside the term, possibly in a conditional position that must not bind a temporary
    for t in dag:
        subs = [u for u in ir.subterms([t])[:-1] if u.op not in ("const", "var")]
        if subs:
            both = ir.record(TupleT(t.type, *(u.type for u in subs)), t, *subs)
            assert _compile(both)(env) == (_pyeval(t, env), *(_pyeval(u, env) for u in subs))


# -- regressions ----------------------------------------------------------------------------------


class _MapUse(Spec):
    """y is written from reads of score *after* score's own write, at keys that may be ⊥."""

    name = "map-use"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", 2, "p"))
        G = d.domain(Domain.numbered("G", 2, "g", start=0))
        d.var("cv", MapT((EnumT(P),), EnumT(G, bottom=True)), (-1, 0))
        d.var("y", IntT(0, 10))  # declared (so written) before score
        d.var("score", MapT((EnumT(G),), IntT(0, 5)))
        return d

    @internal()
    def read_after_write(self, s: Any) -> None:
        p1, p2 = (ir.const(s.cv.type.keys[0], i) for i in range(2))
        s.score[ir.const(s.score.type.keys[0], 0)] = 1
        s.y = s.score[s.cv[p1]] + s.score[s.cv[p2]]  # cv[p1] = ⊥: the first read is the default

    @internal()
    def write_at_bottom(self, s: Any) -> None:
        v = s.y + 1
        s.score = s.score.term.put(BOT, v)  # a ⊥ key changes nothing; v is still used below
        s.y = v


def test_map_reads_at_a_bottom_key_do_not_hide_shared_temporaries() -> None:
    """Regression: the map of ``m[k]`` with a ⊥-typed key was emitted in the conditional branch
    ``m[k] if k >= 0 else default`` *and* bound there as a shared temporary, so a later use
    failed with UnboundLocalError (or, in ``successors``, read another instance's stale value)."""
    m = _MapUse().build({})
    s = m.start_states[0]
    assert m.compiled().steps[0](s) == ((-1, 0), 1, (1, 0))
    assert m.compiled().successors(s)[0] == (0, ((-1, 0), 1, (1, 0)))


def test_a_map_write_at_a_constant_bottom_key_still_computes_shared_values() -> None:
    """Regression: ``m.put(⊥, v)`` discarded the code of ``v`` after registering its temporaries."""
    m = _MapUse().build({})
    s = m.start_states[0]
    assert m.compiled().steps[1](s) == ((-1, 0), 1, (0, 0))
    assert m.compiled().successors(s)[1] == (1, ((-1, 0), 1, (0, 0)))


# -- successors: instances sharing structurally equal subterms ----------------------------------


def _copy(t: Term, memo: dict[int, tuple[Term, Term]]) -> Term:
    """A structurally equal copy made of new term objects (sharing inside ``t`` is kept).

    ``memo`` maps ``id(original)`` to ``(original, copy)``: holding the original keeps its id
    from being reused by a later term while the memo lives."""
    if id(t) not in memo:
        memo[id(t)] = (t, Term(t.op, tuple(_copy(a, memo) for a in t.args), t.type, t.data))
    return memo[id(t)][1]


@st.composite
def random_machines(draw: st.DrawFn) -> Machine:
    """A machine over ``_VARS`` whose instances' preconditions (1-3 conjuncts) and effects are
    drawn from one pool of terms, each instance holding its own *copy*: instances share
    structure, not objects, as traced instances of one action family do."""
    pool, _ = draw(term_pools())
    fam = ActionFamily("act", Kind.INTERNAL, ())
    insts = []
    # like a family: common conjuncts, after or before one conjunct of the instance's own
    common = draw(st.lists(st.sampled_from(pool["bool"]), max_size=2), label="common conjuncts")
    for k in range(draw(st.integers(1, 8), label="instances")):
        memo: dict[int, tuple[Term, Term]] = {}
        own = draw(st.lists(st.sampled_from(pool["bool"]), max_size=2), label="own conjuncts")
        conjuncts = own + common if draw(st.booleans(), label="own first") else common + own
        if not conjuncts:
            conjuncts = [ir.TRUE]
        guard = ir.And(*(_copy(c, memo) for c in conjuncts))
        # effects reuse the guard's own subterms as often as the pool's other terms
        inside = [u for u in ir.subterms(conjuncts) if u.op not in ("const", "var")]
        writes = []
        for i, (_, vt) in enumerate(_VARS):
            kind = _kind(_var(i, vt))
            candidates = [
                t
                for t in pool[kind] + [u for u in inside if _kind(u) == kind] * 3
                if t.op != "var" and same_shape(t.type, vt)
            ]
            if isinstance(vt, MapT) and draw(st.booleans(), label=f"write one entry of {i}"):
                # one entry at keys that may be ⊥, with a value that may leave the bounds
                keys = tuple(
                    draw(st.sampled_from(pool["Pb" if k.domain == P else "Gb"] + pool[_kind(ir.const(k, 0))]))
                    for k in vt.keys
                )
                value = draw(
                    st.sampled_from(
                        [t for t in pool[_kind(ir.const(vt.val, vt.val.default()))] if same_shape(t.type, vt.val)]
                    )
                )
                candidates = [ir.map_put(_var(i, vt), keys if len(keys) > 1 else keys[0], value)]
            if candidates and draw(st.booleans(), label=f"write {i}"):
                writes.append((i, _copy(draw(st.sampled_from(candidates)), memo)))
        insts.append(ActionInstance(fam, (), guard, tuple(writes), f"act#{k}"))
    return Machine(
        name="random",
        scope=Scope(()),
        decl=Decl(),
        variables=tuple(_VARS),
        start_states=(),
        families=(fam,),
        actions=tuple(insts),
        derived={},
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=random_machines(), data=st.data())
def test_successors_agree_with_the_fold_table_and_with_steps(m: Machine, data: st.DataObject) -> None:
    """``successors`` shares subterms between instances (computed once per state, memoised when
    met in conditional positions); each instance must still do exactly what its terms say."""
    compiled = m.compiled()
    for _ in range(3):
        env = tuple(data.draw(values(t), label=n) for n, t in _VARS)
        expected = []
        for k, a in enumerate(m.actions):
            if not _pyeval(a.guard, env):
                assert compiled.steps[k](env) is None
                continue
            post = list(env)
            for i, t in a.writes:
                post[i] = _pyeval(t, env)
            ok = all(vt.check(v) for (_, vt), v in zip(_VARS, post))
            expected.append((k, tuple(post) if ok else None))
            assert compiled.steps[k](env) == (tuple(post) if ok else OUT_OF_BOUNDS)
        assert compiled.successors(env) == expected


class _SharedAfterConditional(Spec):
    """The VS pattern behind a bug found while writing the sharing: ``seen ∋ cv[p]`` (shared by
    ``up`` and ``bump``) is met first in a short-circuited disjunct of ``up``; in ``bump`` it is
    memoised, and ``cv[p]`` inside it is also read by the effect, so it must not be bound inside
    the memoised code."""

    name = "shared-after-conditional"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", 2, "p"))
        G = d.domain(Domain.numbered("G", 2, "g", start=0))
        d.var("cv", MapT((EnumT(P),), EnumT(G, bottom=True)))
        d.var("seen", SetT(EnumT(G, bottom=True)))
        d.var("y", MapT((EnumT(P), EnumT(G)), IntT(0, 1)))
        return d

    @internal(p="P", g="G")
    def up(self, s: Any, p: Any, g: Any) -> None:
        s.require((g > s.cv[p]) | s.seen.contains(s.cv[p]))
        s.cv[p] = g

    @internal(p="P")
    def bump(self, s: Any, p: Any) -> None:
        g = s.cv[p]
        with s.when(s.seen.contains(g)):
            s.y[p, g] = s.y[p, g] + 1


def test_successors_equal_steps_on_every_state_of_a_family_pattern() -> None:
    m = _SharedAfterConditional().build({})
    compiled = m.compiled()
    states = list(itertools.product(*(t.values() for _, t in m.variables)))
    assert len(states) == 9 * 8 * 16
    for s in states:
        expected = []
        for k in range(len(m.actions)):
            post = compiled.steps[k](s)
            if post is not None:
                expected.append((k, None if post is OUT_OF_BOUNDS else post))
        assert compiled.successors(s) == expected, s


def test_default_values_of_different_types_keep_their_own_constants() -> None:
    """Regression: generated constants were cached by ``id()`` of short-lived terms, so the
    out-of-range default of one ``s(i)`` could come out as another type's default."""
    elems: list[Type] = [VIEW, TupleT(EP, EG), SETP, SeqT(EP, 1), TupleT(B, IntT(3, 4))]
    terms, env = [], []
    for j, e in enumerate(elems):
        terms.append(_var(2 * j, SeqT(e, 2)).at(_var(2 * j + 1, IntT(0, 3))))
        env += [(), 0]  # empty sequences: every read is out of range
    got = [f(tuple(env)) for f in compile_terms(_FAKE_MACHINE, terms)]
    assert got == [e.default() for e in elems]
