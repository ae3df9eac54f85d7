"""Generated code grows with the term DAG, not with its expansion as a tree.

Tracing ``x = ite(c_i, x.append(l_i), x)`` n times (what ``with s.when(c_i): s.x = s.x.append(l_i)``
records) gives a DAG of n nodes whose tree has 2^n leaves: each branch of each ``ite`` holds the
whole previous value. Before the emitter bound subterms in conditional positions, the generated
code was that tree (254 KB for n = 12). These tests measure the generated source at n = 4, 8, 16 and
require it to grow linearly (a size ratio, not a timing), and check the code still computes what
the terms say on every state.
"""

from __future__ import annotations

import itertools
from typing import Any

from ioakit.backends.codegen import OUT_OF_BOUNDS, compile_layer, compile_predicates
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Machine, Scope, ScopeParam, Spec, internal
from ioakit.lang.ir import And, Or, const, ite
from ioakit.lang.types import BoolT, Domain, EnumT, IntT, MapT, SeqT

from .test_codegen import _pyeval


class ConditionalChains(Spec):
    """Effects and preconditions whose terms are DAGs of size O(n) but trees of size O(2^n)."""

    name = "conditional-chains"
    parameters = (ScopeParam("n", 4, "length of the chains", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        n = sc["n"]
        d.domain(Domain.numbered("P", n, "p"))
        P = EnumT(d.domains["P"])
        d.var("flag", MapT((P,), BoolT()))
        d.var("order", SeqT(P, n))
        d.var("copy", SeqT(P, n))
        d.var("total", IntT(0, 2**n))
        return d

    def _procs(self, s: Any) -> list[ir.Term]:
        P = s.flag.term.type.keys[0]
        return [const(P, i) for i in range(len(P.domain))]

    @internal()
    def collect(self, s: Any) -> None:
        """``if flag[p] then order ← order·p`` for every p: each write's branches share the
        previous value; ``copy`` repeats the chain under the same conditions (effects that
        share each other's terms)."""
        for p in self._procs(s):
            with s.when(s.flag[p]):
                s.order = s.order.append(p)
        for p in self._procs(s):
            with s.when(s.flag[p]):
                s.copy = s.copy.append(p)

    @internal()
    def double(self, s: Any) -> None:
        """``x ← if flag[p] then x + x else 1``: one branch uses the previous value twice."""
        x = s.total
        for p in self._procs(s):
            x = ite(s.flag[p], x + x, 1)
        s.require(Or(s.order.length > 0, x <= 2 ** len(self._procs(s))))
        s.total = x

    @internal()
    def guarded(self, s: Any) -> None:
        """A precondition whose later conjuncts and disjuncts reuse the earlier ones' terms."""
        order = s.order
        for p in self._procs(s):
            order = ite(s.flag[p], order.tail(), order.append(p))
        s.require(And(order.length > 0, Or(order.head() == self._procs(s)[0], order.length > 1)))
        s.copy = order


def _sizes(n: int) -> dict[str, int]:
    m = ConditionalChains().build({"n": n})
    compiled = m.compiled()
    steps = sum(len(compiled.steps.source(k)) for k in range(len(m.actions)))
    return {"successors": len(compiled.source), "steps": steps, "layer": len(compile_layer(m).source)}  # type: ignore[attr-defined]


def test_generated_code_grows_linearly_with_conditional_chains() -> None:
    sizes = {n: _sizes(n) for n in (4, 8, 16)}
    for what in ("successors", "steps", "layer"):
        s4, s8, s16 = (sizes[n][what] for n in (4, 8, 16))
        # linear growth doubles (plus a constant) per doubling of n; the tree would square it
        assert s8 < 2.5 * s4 and s16 < 2.5 * s8, (what, s4, s8, s16)
    assert sizes[16]["successors"] < 20_000, sizes[16]


def _reference(m: Machine, s: tuple[Any, ...]) -> list[tuple[int, Any]]:
    """Every instance's step by the fold table (the terms' meaning, no generated code)."""
    out = []
    for k, a in enumerate(m.actions):
        if not _pyeval(a.guard, s):
            continue
        post = list(s)
        for i, t in a.writes:
            post[i] = _pyeval(t, s)
        ok = all(vt.check(v) for (_, vt), v in zip(m.variables, post))
        out.append((k, tuple(post) if ok else None))
    return out


def test_the_shared_code_computes_what_the_terms_say_on_every_state() -> None:
    m = ConditionalChains().build({"n": 3})
    compiled = m.compiled()
    layer = compile_layer(m)
    P = m.variables[1][1].elem  # type: ignore[attr-defined]
    seqs = [t for k in range(3) for t in itertools.product(P.values(), repeat=k)]
    states = list(itertools.product(m.variables[0][1].values(), seqs, seqs[::3], m.variables[3][1].values()))
    assert len(states) > 2_000
    for s in states:
        expected = _reference(m, s)
        assert compiled.successors(s) == expected, s
        steps = [(k, compiled.steps[k](s)) for k in range(len(m.actions))]
        assert [(k, None if t is OUT_OF_BOUNDS else t) for k, t in steps if t is not None] == expected, s
        assert [compiled.enabled[k](s) for k in range(len(m.actions))] == [
            any(k == j for j, _ in expected) for k in range(len(m.actions))
        ], s
        seen: dict[Any, Any] = {}
        new: list[Any] = []
        nt, nb, _, _, _ = layer([s], seen, new, 10**9)
        posts = [t for _, t in expected if t is not None]
        assert nt == len(posts) and set(new) == set(posts) and nb == len(expected) - len(posts)


def test_predicates_over_conditional_chains_stay_small_and_agree() -> None:
    """``created_viewids``-like derived values: ``out = ite(∃…, out.add(g), out)`` per element."""
    sizes = []
    for n in (4, 8, 16):
        m = ConditionalChains().build({"n": n})

        def pred(s: Any) -> ir.Term:
            order = s.order
            for p in ConditionalChains()._procs(s):
                order = ite(s.flag[p], order.append(p), order)
            return order.length <= len(ConditionalChains()._procs(s))

        t = m.predicate(pred)
        (f,) = compile_predicates(m, [t])
        for s in [(tuple(bool(i & (1 << j)) for j in range(n)), (), (), 0) for i in (0, 1, 2**n - 1)]:
            assert f(s) == _pyeval(t, s)
        sizes.append(len(repr(f.__code__.co_code)))
    assert sizes[2] < 2.5 * sizes[1] and sizes[1] < 2.5 * sizes[0], sizes


class SharedEffects(Spec):
    """Writes under one ``when`` condition (and a nested one) that share a computed value."""

    name = "shared-effects"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = EnumT(d.domain(Domain.numbered("P", 2, "p")))
        d.var("flag", MapT((P,), BoolT()))
        d.var("a", SeqT(P, 3))
        d.var("b", SeqT(P, 3))
        d.var("m", MapT((P,), SeqT(P, 3)))
        return d

    @internal()
    def go(self, s: Any) -> None:
        P = s.flag.term.type.keys[0]
        p0, p1 = const(P, 0), const(P, 1)
        x = s.a.append(p0).concat(s.b)
        with s.when(s.flag[p0]):
            s.a = x
            with s.when(s.flag[p1]):
                s.m[p1] = x.tail()
            s.b = x.append(p1)


def test_effects_under_one_condition_compute_their_shared_value_once() -> None:
    """``x`` is computed in the then-branch of the first write and read by name in the
    branches of the later writes taken under the same (or a stronger) condition."""
    m = SharedEffects().build({})
    compiled = m.compiled()
    for src in (compiled.source, compiled.steps.source(0), compile_layer(m).source):  # type: ignore[attr-defined]
        assert src.count("+ (0,))") == 1, src
    P = m.variables[1][1].elem  # type: ignore[attr-defined]
    seqs = [t for k in range(4) for t in itertools.product(P.values(), repeat=k)]
    maps = list(itertools.product(seqs[:4], seqs[::5]))
    for s in itertools.product(m.variables[0][1].values(), seqs, seqs, maps):
        assert compiled.successors(s) == _reference(m, s), s
        post = compiled.steps[0](s)
        assert [(0, None if post is OUT_OF_BOUNDS else post)] == _reference(m, s), s
