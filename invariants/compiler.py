"""Compiling checked core formulas to ``ioakit.lang.ir`` terms, and finding vacuity witnesses.

One term per invariant gives both semantics: ``codegen.compile_predicates`` runs
it on concrete states, ``symbolic.predicate`` turns it into a Z3 formula. No user text is ever
evaluated: every core node maps to one call of the ``ir`` vocabulary, quantifiers are expanded
over the scope's finite ranges exactly as ``ir.forall`` / ``ir.exists`` do. The ``ir`` builders
type their terms by the op table (``ioakit.lang.ops``), the table the checker's result types come
from too, so a checked formula builds the term the checker expected.

Vacuity. For each implication reached from the top of an invariant through
``forall`` and ``and`` — the paper's "if ... then ..." items — the witness is its premise under
its quantifiers, e.g. ``exists p in P, g in G: pending[p, g] != empty``; for each ``forall`` over
a state-dependent set or sequence it is "the range is non-empty somewhere". The explorer records
which witnesses no explored state satisfies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ioakit.engines.explore import Property
from ioakit.lang import ir
from ioakit.lang.automaton import Machine
from ioakit.lang.ir import StateProxy, Term
from ioakit.lang.steps import StepProperty, act_of, post_var, step_vocabulary
from ioakit.lang.types import BoolT, IntT, SchemaError, SeqT, SetT

from .core import (
    BoundVar,
    CBound,
    CConst,
    CDerived,
    CheckedStep,
    CollRange,
    COp,
    Core,
    CQuant,
    CStateVar,
    IntRange,
    SubsetRange,
    TypeRange,
)
from .errors import InvariantScopeError, InvariantTypeError, SourceFile, Span

MAX_INSTANCES = 20_000
"""Most quantifier-body instances one invariant may expand to at a scope."""


MAX_TERM_DEPTH = 60
"""Deepest compiled term accepted (the generated Python code must stay within the parser's
nesting limit of 200 parentheses)."""

MAX_TREE_SIZE = 2_000_000
"""Largest size of a compiled term counted as a tree (shared subterms counted at every use):
``tree_size``'s default cap (kept for callers that measure expansion)."""

MAX_DAG_SIZE = 500_000
"""Most distinct nodes a compiled term may have. Both backends read the term as a DAG (the code
generator binds shared subterms, in conditional positions too; Z3 hash-conses), so what a
formula costs is its number of distinct subterms, not its size as a tree: Lemma 6.24 of FLS at
two bcasts is 25,000 nodes but more than 2,000,000 as a tree."""


def tree_size(t: Term, cap: int = MAX_TREE_SIZE + 1) -> int:
    """Size of ``t`` as a tree (saturating at ``cap``), computed over the DAG."""
    size: dict[int, int] = {}
    for n in ir.subterms([t]):
        size[id(n)] = min(cap, 1 + sum(size[id(a)] for a in n.args))
    return size[id(t)]


def term_depth(t: Term) -> int:
    """Longest path from ``t`` to a leaf (the nesting the code generator will emit)."""
    depth: dict[int, int] = {}
    for n in ir.subterms([t]):
        depth[id(n)] = 1 + max((depth[id(a)] for a in n.args), default=0)
    return depth[id(t)]


def _balanced_sum(xs: list[Term]) -> Term:
    """``x1 + ... + xn`` as a balanced tree (depth log n; a chain would nest n levels deep)."""
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return ir.arith("add", _balanced_sum(xs[:mid]), _balanced_sum(xs[mid:]))


def _take(s: Term, n: Term) -> Term:
    """take(s, n): the prefix of ``s`` of length min(n, len(s)), spelt in term ops (one ``ite``
    per position up to the sequence's capacity), so both semantics read it."""
    out = ir.seq_lit(s.type)
    for k in range(1, s.type.maxlen + 1):
        out = ir.ite(ir.And(ir.lift(k) <= n, ir.lift(k) <= ir.seq_len(s)), ir.seq_append(out, ir.seq_at(s, k)), out)
    return out


def _positions(s: Term) -> Term:
    """dom(s) of a sequence: the set of its positions {1, ..., len(s)} (the paper's domain(x.ord)),
    over the integer range 1..capacity."""
    t = SetT(IntT(1, max(1, s.type.maxlen)))
    out = ir.set_lit(t)
    for k in range(1, s.type.maxlen + 1):
        out = ir.ite(ir.lift(k) <= ir.seq_len(s), out.add(ir.const(t.elem, k)), out)
    return out


def _slice(s: Term, i: Term, j: Term) -> Term:
    """s[i..j]: the entries of ``s`` at positions max(i, 1) to min(j, len(s)), in order (λ when
    that is empty), spelt in term ops: with ``n`` = max(0, min(j, len(s)) - max(i, 1) + 1) entries
    from ``st`` = max(i, 1), a balanced ``ite`` over the possible ``n`` whose leaves are sequence
    literals ⟨s[st], …, s[st + n - 1]⟩. The term's depth grows with the logarithm of the capacity
    (a chain of appends, as ``take``'s, would grow with the capacity itself)."""
    st: SeqT = s.type  # type: ignore[assignment]
    one = ir.lift(1)
    start = ir.ite(i <= one, one, i)
    stop = ir.ite(j <= ir.seq_len(s), j, ir.seq_len(s))
    diff = ir.arith("add", ir.arith("sub", stop, start), one)
    n = ir.ite(diff <= ir.lift(0), ir.lift(0), diff)
    entries = [ir.seq_at(s, start if k == 0 else ir.arith("add", start, k)) for k in range(st.maxlen)]

    def tree(lo: int, hi: int) -> Term:  # n is known to be in lo..hi
        if lo == hi:
            return ir.seq_lit(st, *entries[:lo])
        mid = (lo + hi) // 2
        return ir.ite(n <= ir.lift(mid), tree(lo, mid), tree(mid + 1, hi))

    return tree(0, st.maxlen)


MAX_RANGE_VALUES = 4096
"""Most integers one range ``a..b`` may expand over at a scope (as a quantifier over a type)."""


def _set_op(op: str) -> Callable[[Term, Term], Term]:
    return lambda a, b: ir.set_op(op, a, b)


# Core ops that are term ops (``ioakit.lang.ops.OPS``) map to the ``ir`` constructor of that op,
# which lifts, simplifies (``not not x``, reads through a write) and types by the table; the
# others are the DSL's sugar, spelt here in term ops: ``implies``, ``iff``, ``neg``, ``min``,
# ``max``, ``head``, ``last``, ``contains`` (membership in a set, a bag or a sequence alike),
# ``seq_take`` (take), ``seq_slice`` (``s[i..j]``) and ``seq_dom`` (dom of a sequence).
OPS: dict[str, Callable[..., Term]] = {
    "not": ir.Not,
    "and": lambda a, b: ir.And(a, b),
    "or": lambda a, b: ir.Or(a, b),
    "implies": ir.Implies,
    "iff": ir.Iff,
    "eq": ir.eq,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "add": lambda a, b: ir.arith("add", a, b),
    "sub": lambda a, b: ir.arith("sub", a, b),
    "mul": lambda a, b: ir.arith("mul", a, b),
    "neg": lambda a: ir.arith("sub", 0, a),
    "min": lambda a, b: ir.ite(a <= b, a, b),
    "max": lambda a, b: ir.ite(a <= b, b, a),
    "ite": ir.ite,
    "seq_len": ir.seq_len,
    "seq_at": ir.seq_at,
    "head": lambda s: s.head(),
    "last": lambda s: s.last(),
    "seq_tail": lambda s: s.tail(),
    "seq_append": ir.seq_append,
    "seq_concat": ir.seq_concat,
    "seq_prefix": ir.prefix,
    "seq_elems": ir.seq_elems,
    "contains": ir.contains,
    "set_subset": _set_op("set_subset"),
    "set_union": _set_op("set_union"),
    "set_inter": _set_op("set_inter"),
    "set_diff": _set_op("set_diff"),
    "set_card": ir.set_card,
    "bag_size": ir.bag_size,
    "map_get": lambda m, *ks: ir.map_get(m, tuple(ks)),
    "opt_get": lambda o: o.get(),
    "dom": ir.dom,
    "seq_dom": _positions,
    "seq_take": _take,
    "seq_slice": _slice,
}
"""core op -> the ``ir`` builder it stands for. ``field``, ``record``, ``set_lit``, ``union_is``
and ``union_as`` also need the node's static data and are handled in ``Compiler``."""


class Compiler:
    """Builds ``ir`` terms for the core formulas of one machine (state variables as ``var``
    terms, derived variables traced through a read-only ``StateProxy``)."""

    def __init__(self, machine: Machine, source: SourceFile | None = None) -> None:
        self.machine = machine
        self.source = source
        self.vars = [Term("var", (), t, (i, n)) for i, (n, t) in enumerate(machine.variables)]
        self.proxy = StateProxy(machine.variables, self.vars, machine.derived)
        _, self.post_proxy = step_vocabulary(machine)
        self.vars += [post_var(machine, i) for i in range(len(machine.variables))]  # step items: n + i
        self._free: dict[int, frozenset[int]] = {}
        self._memo: dict[tuple[Any, ...], Term] = {}
        self._alive: list[Any] = []
        """Every object whose ``id`` is part of a memo key, kept alive so that the id is never reused
        by another object while the memo exists (witness cores and bound terms are transient)."""
        self.instances = 0

    # -- free bound variables (for memoisation of shared nodes) ---------------------------------
    def free(self, c: Core) -> frozenset[int]:
        k = id(c)
        if k in self._free:
            return self._free[k]
        if isinstance(c, CBound):
            out = frozenset({id(c.var)})
        elif isinstance(c, COp):
            out = frozenset().union(*(self.free(a) for a in c.args)) if c.args else frozenset()
        elif isinstance(c, CQuant):
            inner = self.free(c.body) - {id(c.var)}
            out = inner | self._range_free(c.range)
        else:
            out = frozenset()
        self._free[k] = out
        self._alive.append(c)
        return out

    def _range_free(self, r: Any) -> frozenset[int]:
        if isinstance(r, CollRange):
            return self.free(r.coll)
        if isinstance(r, SubsetRange):
            return self.free(r.sup)
        if isinstance(r, IntRange):
            return self.free(r.lo) | self.free(r.hi)
        return frozenset()

    # -- terms ----------------------------------------------------------------------------------
    def term(self, c: Core, env: dict[int, Term] | None = None) -> Term:
        """The ``ir`` term of ``c`` with bound variables (by id) given by ``env``."""
        env = env or {}
        fv = self.free(c)
        key = (id(c), *sorted((v, id(env[v])) for v in fv))
        t = self._memo.get(key)
        if t is None:
            t = self._term(c, env)
            self._memo[key] = t
            self._alive.append((c, [env[v] for v in fv]))
        return t

    def _term(self, c: Core, env: dict[int, Term]) -> Term:
        if isinstance(c, CConst):
            return ir.const(c.type, c.value)
        if isinstance(c, CStateVar):
            return self.vars[c.index]
        if isinstance(c, CDerived):
            return ir.lift(getattr(self.post_proxy if c.post else self.proxy, c.name))
        if isinstance(c, CBound):
            return env[id(c.var)]
        if isinstance(c, COp):
            args = [self.term(a, env) for a in c.args]
            if c.op == "field":
                return ir.field(args[0], c.data)
            if c.op == "record":
                return ir.record(c.type, *args)  # type: ignore[arg-type]
            if c.op == "set_lit":
                return ir.set_lit(c.type, *args)  # type: ignore[arg-type]
            if c.op == "union_is":  # data: the tag's name
                return ir.union_is(args[0], c.data)
            if c.op == "union_as":
                return ir.union_as(args[0], c.data)
            if c.op == "set_sorted":  # the maximal length from the compiled term's own type
                return ir.set_sorted(args[0])
            return OPS[c.op](*args)
        if isinstance(c, CQuant):
            return self._quant(c, env)
        raise AssertionError(f"unknown core node {c!r}")

    def elements(
        self, var: BoundVar, r: Any, env: dict[int, Term], distinct: bool = True
    ) -> list[tuple[Term | None, Term]]:
        """(guard, element) pairs a quantifier ranges over, as ``ir.elements`` (``distinct``: each
        value once, for ``sum`` and ``exists!`` over a set read off its term)."""
        if isinstance(r, TypeRange):
            return [(None, ir.const(r.type, v)) for v in r.type.values()]
        if isinstance(r, CollRange):
            return ir.elements(self.term(r.coll, env), distinct=distinct)
        if isinstance(r, IntRange):
            return self._int_elements(r, env)
        sup = self.term(r.sup, env)
        out: list[tuple[Term | None, Term]] = []
        for v in r.type.values():
            s = ir.const(r.type, v)
            g = ir.set_op("set_subset", s, sup)
            if g.is_const:
                if g.value:
                    out.append((None, s))
                continue
            out.append((g, s))
        return out

    def _int_elements(self, r: IntRange, env: dict[int, Term]) -> list[tuple[Term | None, Term]]:
        """The integers of ``lo..hi``: from the least value ``lo`` can take to the greatest ``hi``
        can take at the scope (their terms' integer types; exact when constant), each guarded by
        ``lo <= i <= hi`` unless that folds to true. More than ``MAX_RANGE_VALUES`` candidates is a
        located error: the range is not finite enough at this scope."""
        lo, hi = self.term(r.lo, env), self.term(r.hi, env)
        lt, ht = lo.type, hi.type
        assert isinstance(lt, IntT) and isinstance(ht, IntT)
        first, last = lt.lo, ht.hi
        if last - first + 1 > MAX_RANGE_VALUES:
            what = ""
            if not (lo.is_const and hi.is_const):
                what = " (the least value of its lower bound to the greatest of its upper bound, at this scope)"
            raise InvariantScopeError(
                f"the range {first}..{last}{what} has {last - first + 1} integers; at most {MAX_RANGE_VALUES} "
                f"are accepted: bound it by constants, scope parameters or lengths of sequences",
                r.span,
                r.source or self.source,
            )
        t = IntT(first, max(first, last))
        out: list[tuple[Term | None, Term]] = []
        for v in range(first, last + 1):
            x = ir.const(t, v)
            g = ir.And(lo <= x, x <= hi)
            if g.is_const:
                if g.value:
                    out.append((None, x))
                continue
            out.append((g, x))
        return out

    def _quant(self, c: CQuant, env: dict[int, Term]) -> Term:
        try:
            elems = self.elements(c.var, c.range, env, distinct=c.kind in ("sum", "exists1"))
        except ir.TraceError as e:  # a set without a finite universe whose elements cannot be read off
            msg = str(e).split("\n", 1)[-1].strip()
            raise InvariantScopeError(f"`{c.range_text}`: {msg}", c.span, self.source) from None
        self.instances += len(elems)
        if self.instances > MAX_INSTANCES:
            raise InvariantScopeError(
                f"this invariant expands to more than {MAX_INSTANCES} quantifier instances at this scope; "
                f"use a smaller scope or fewer nested quantifiers",
                c.span,
                self.source,
            )
        vid = id(c.var)
        if vid not in self.free(c.body) and isinstance(c.range, TypeRange) and elems and c.kind not in ("sum", "union"):
            # the variable is unused and its range a non-empty type: the quantifier is its body
            # (nesting unused binders would otherwise build terms exponential once unshared)
            b = self.term(c.body, env)
            return b if c.kind != "exists1" or len(elems) == 1 else ir.const(BoolT(), False)
        bodies = [(g, self.term(c.body, {**env, vid: e})) for g, e in elems]
        if c.kind == "forall":
            return ir.And(b if g is None else ir.Implies(g, b) for g, b in bodies)
        if c.kind == "exists":
            return ir.Or(b if g is None else ir.And(g, b) for g, b in bodies)
        if c.kind == "union":
            empty = ir.const(c.type, frozenset())
            parts = [b if g is None else ir.ite(g, b, empty) for g, b in bodies]
            return ir.balanced_union(parts) if parts else empty
        if c.kind == "exists1":
            sat = [b if g is None else ir.And(g, b) for g, b in bodies]
            return ir.Or(ir.And(s, *(ir.Not(o) for j, o in enumerate(sat) if j != i)) for i, s in enumerate(sat))
        zero = ir.const(IntT(0, 0), 0)
        return _balanced_sum([b if g is None else ir.ite(g, b, zero) for g, b in bodies]) if bodies else zero

    # -- vacuity witnesses ----------------------------------------------------------------------
    def witnesses(self, root: Core, line_of: Callable[[Span], int] | None = None) -> list[tuple[str, Core]]:
        """(description, core) witnesses of ``root`` (see the module docstring)."""
        out: list[tuple[str, Core]] = []
        true = CConst(BoolT(), True)

        def where(sp: Span) -> str:
            return f" (line {sp.line})" if sp.line else ""

        def wrap(binders: Sequence[CQuant], conds: Sequence[Core]) -> Core:
            body: Core = true
            for cnd in conds:
                body = cnd if body is true else COp(BoolT(), "and", (body, cnd))
            for q in reversed(binders):
                body = CQuant(BoolT(), "exists", q.var, q.range, body, q.range_text, span=q.span)
            return body

        stack: list[tuple[Core, tuple[CQuant, ...], tuple[Core, ...], frozenset[int]]] = [(root, (), (), frozenset())]
        while stack:
            c, binders, path, dep = stack.pop()
            if isinstance(c, CQuant) and c.kind == "forall":
                if not isinstance(c.range, TypeRange) and self._range_reads_state(c.range, dep):
                    out.append(
                        (
                            f"range `{c.range_text}` of `{c.var.name}`{where(c.span)}",
                            wrap((*binders, c), path),
                        )
                    )
                    dep = dep | {id(c.var)}
                stack.append((c.body, (*binders, c), path, dep))
            elif isinstance(c, COp) and c.op == "and":
                stack.extend((a, binders, path, dep) for a in reversed(c.args))
            elif isinstance(c, COp) and c.op == "implies":
                premise = c.args[0]
                out.append((f"premise `{premise.text}`{where(premise.span)}", wrap(binders, (*path, premise))))
                stack.append((c.args[1], binders, (*path, premise), dep))
        return out

    def _range_reads_state(self, r: Any, dep: frozenset[int]) -> bool:
        from .core import reads_state

        if isinstance(r, CollRange):
            return reads_state(r.coll, dep)
        if isinstance(r, SubsetRange):
            return False  # the empty set is always a subset: never vacuous
        if isinstance(r, IntRange):
            return reads_state(r.lo, dep) or reads_state(r.hi, dep)
        return False

    # -- properties -----------------------------------------------------------------------------
    def property(self, name: str, body: Core, reference: str, description: str) -> Property:
        """The ``Property`` of one invariant, with its vacuity witnesses."""
        self.instances = 0
        term = self.safe_term(body)
        ws = []
        for desc, wc in self.witnesses(body):
            self.instances = 0
            ws.append((desc, self.safe_term(wc)))
        return Property(name, term, reference, description, witnesses=tuple(ws))

    def step_property(self, name: str, step: CheckedStep, reference: str, description: str) -> StepProperty:
        """The ``StepProperty`` of one step item: its body compiled once per action instance, with
        ``action`` the instance's family and the ``on`` parameters its arguments (constants, or terms
        over the pre-state for arguments taken from the state); ``true`` at the instances of other
        families when the item has an ``on`` clause."""
        m = self.machine
        families: dict[str, Term] = {}
        terms = []
        for inst in m.actions:
            if step.family is not None and inst.name != step.family:
                terms.append(ir.TRUE)
                continue
            env: dict[int, Term] = {}
            if step.action is not None:
                at = step.action.type
                if inst.name not in families:
                    families[inst.name] = ir.const(at, at.domain.names.index(inst.name))  # type: ignore[attr-defined]
                env[id(step.action)] = families[inst.name]
            act = act_of(inst)
            for pn, var in step.params:
                env[id(var)] = act.args[pn]
            self.instances = 0
            terms.append(self.safe_term(step.body, env))
        return StepProperty(name, tuple(terms), m.name, reference, description)

    def safe_term(self, c: Core, env: dict[int, Term] | None = None) -> Term:
        """``term(c)``, reporting a failure of the ``ir`` layer as a located error (it would be a
        bug of the checker: a well-typed core always compiles), and refusing terms too deep for the
        code generator or whose unshared size is too large for the backends (they expand shared
        subterms in some positions)."""
        try:
            t = self.term(c, env)
        except (ir.TraceError, SchemaError) as e:
            raise InvariantTypeError(
                f"internal error (please report): the checked formula does not compile: {e}", c.span, self.source
            ) from None
        except RecursionError:  # definitions nested in definitions: deeper than any one formula
            raise InvariantScopeError(
                f"this formula nests too deeply to compile once its definitions are expanded (the limit is "
                f"{MAX_TERM_DEPTH} operations); split it into several invariants, or flatten the chain of definitions",
                c.span,
                self.source,
            ) from None
        if term_depth(t) > MAX_TERM_DEPTH:
            raise InvariantScopeError(
                f"this formula nests more than {MAX_TERM_DEPTH} operations deep once compiled; split it with "
                f"definitions or invariants",
                c.span,
                self.source,
            )
        if len(ir.subterms([t])) > MAX_DAG_SIZE:
            raise InvariantScopeError(
                f"this formula expands to more than {MAX_DAG_SIZE} distinct operations at this scope; use a smaller "
                f"scope, fewer nested quantifiers, or definitions that do not repeat their arguments",
                c.span,
                self.source,
            )
        if isinstance(c.type, BoolT) and not isinstance(t.type, BoolT):  # pragma: no cover - defensive
            raise InvariantTypeError("internal error (please report): not a formula", c.span, self.source)
        return t
