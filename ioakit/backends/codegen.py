"""The concrete semantics: traced terms compiled to straight-line Python.

Generated functions test action instances' preconditions and build post-states with tuple
operations specialised to each instance's constant parameters (so ``pending[p]`` with ``p``
fixed is the tuple slot ``s[1][0]``): ``successors(s)`` lists every enabled instance in order;
``steps[k]`` runs one instance (generated on its own, on first use: the reference for the others); the
explorer's ``layer`` (``compile_layer``) expands a whole breadth-first frontier with family
structure recovered from the terms (dispatch on keys, loops over set elements); ``compile_scan``
checks many properties on a batch of states. This is what makes the generic explorer at least as
fast as a hand-written search (``benchmarks/explore_speed.py``). The generated source is our own
text built from the traced terms; no user-supplied text is ever executed. What one op compiles
to is its ``emit`` entry in the op table (``ioakit.lang.ops``), beside its concrete and Z3
meanings; this module adds what spans several terms (sharing, dispatch, loops over sets).

Inside the generated functions the instances share work: structurally equal subterms of different
instances' preconditions (``next[q] <= len(queue)`` in every ``brcv(a, p, q)`` with the same
``q``) are computed once per state. A shared subterm that some instance's *first* precondition
conjunct computes unconditionally is bound there and reused by name; one met only in
conditional positions is memoised lazily (``_h if _h is not _U else (_h := ...)``). Every
generated expression is pure and total on well-formed states, so sharing changes no value.
Within one instance the code is as large as the term DAG, not its tree (``_Emitter``): subterms
are bound in conditional positions too, and what both branches of an ``ite`` evaluate is bound
before its condition.

Bounds of the scope (sequence lengths, integer ranges) are checked on the post-state: a step
that would leave them is not taken, and is counted, so reports can say the scope cut the
behaviour off (the same rule as the Z3 semantics, ``symbolic.step``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from ioakit.errors import UserError
from ioakit.lang.ir import Term, subterms
from ioakit.lang.ops import OPS, Template, helpers
from ioakit.lang.types import (
    BagT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SchemaError,
    SeqT,
    SetT,
    Type,
    UnionT,
    contained,
    join,
)
from ioakit.measure import Cost, measure


def _bound_checks(typ: Type, code: str, ns: dict[str, Any]) -> list[str]:
    """Python conditions that hold iff the value ``code`` respects the scope bounds of ``typ``."""
    if isinstance(typ, SeqT) and not _has_bounds(typ.elem):
        return [f"len({code}) <= {typ.maxlen}"]
    if isinstance(typ, IntT):
        return [f"{typ.lo} <= {code} <= {typ.hi}"]
    if isinstance(typ, MapT) and typ.size == 0:
        return []
    if isinstance(typ, MapT) and isinstance(typ.val, SeqT) and not _has_bounds(typ.val.elem):
        return [f"max(map(len, {code})) <= {typ.val.maxlen}"]
    if isinstance(typ, SeqT) and typ.elem.finite:
        return [f"{_seq_checker(typ, ns)}(({code},))"]
    if isinstance(typ, MapT) and isinstance(typ.val, SeqT) and typ.val.elem.finite:
        return [f"{_seq_checker(typ.val, ns)}({code})"]
    if isinstance(typ, MapT) and isinstance(typ.val, IntT):
        return [f"{typ.val.lo} <= min({code}) and max({code}) <= {typ.val.hi}"]
    if isinstance(typ, BagT):  # counts never go below 0: only the scope's bound can be exceeded
        return [f"max({code}) <= {typ.bound}"] if typ.universe() else []
    if _has_bounds(typ):
        return [f"{_typed(typ, ns)}.check({code})"]
    return []


def _holds_set(t: Type) -> bool:
    """Whether values of ``t`` contain sets (whose elements the scope bounds too)."""
    if isinstance(t, SetT):
        return True
    if isinstance(t, RecordT):
        return any(_holds_set(ft) for _, ft in t.fields)
    if isinstance(t, SeqT | BagT):
        return _holds_set(t.elem)
    if isinstance(t, MapT):
        return _holds_set(t.val)
    if isinstance(t, UnionT):
        return any(_holds_set(vt) for _, vt in t.variants)
    if isinstance(t, OptionT):
        return _holds_set(t.elem)
    return False


def _stored_type(t: Term) -> Type | None:
    """The static type of what a write stores, through map updates and conditionals (a map_put
    term keeps the map's declared type even when the stored value's type is wider); None when no
    single type holds it statically."""
    if t.op == "map_put" and isinstance(t.type, MapT):
        val = _stored_type(t.args[1])
        return _widest(_stored_type(t.args[0]), None if val is None else MapT(t.type.keys, val))
    if t.op == "ite":
        return _widest(_stored_type(t.args[1]), _stored_type(t.args[2]))
    return t.type


def _widest(a: Type | None, b: Type | None) -> Type | None:
    """The least type holding both (``join``, extended to maps with the same keys), or None."""
    if a is None or b is None:
        return None
    if isinstance(a, MapT) and isinstance(b, MapT) and a.keys == b.keys:
        val = _widest(a.val, b.val)
        return None if val is None else MapT(a.keys, val)
    try:
        return join(a, b)
    except SchemaError:
        return None


def _write_checks(declared: Type, stored: Term, code: str, ns: dict[str, Any]) -> list[str]:
    """The bound checks of storing ``code`` (the value of term ``stored``) where ``declared`` is
    declared: a value holding sets whose static type is not contained in the declared one (an
    element the declared set type lacks may have been added) is checked whole, as the Z3 encoding
    does (``symbolic.wf``); other values get the scope's usual checks."""
    if _holds_set(declared):
        st = _stored_type(stored)
        if st is None or not contained(st, declared):
            return [f"{_typed(declared, ns)}.check({code})"]
    return _bound_checks(declared, code, ns)


def _seq_checker(typ: SeqT, ns: dict[str, Any]) -> str:
    """The name of a function that checks sequences of ``typ`` (given as a tuple of sequences)
    against its bounds, remembering the elements already found in bounds: a network's in-flight
    messages are re-checked at every step, and there are few distinct ones."""
    key = ("seq checker", typ)
    if key in ns:
        return ns[key]  # type: ignore[no-any-return]
    good: set[Any] = set()
    maxlen, elem_check = typ.maxlen, typ.elem.check

    def check(seqs: Any) -> bool:
        for seq in seqs:
            if len(seq) > maxlen:
                return False
            for x in seq:
                if x not in good:
                    if not elem_check(x):
                        return False
                    good.add(x)
        return True

    name = f"_seqcheck{len(ns)}"
    ns[name] = check
    ns[key] = name
    return name


def _typed(typ: Type, ns: dict[str, Any]) -> str:
    """The name under which generated code finds ``typ`` (for ``typ.check``)."""
    name = f"_type{len(ns)}"
    ns[name] = typ
    return name


def _has_bounds(t: Type) -> bool:
    if isinstance(t, SeqT | IntT | BagT):
        return True
    if isinstance(t, RecordT):
        return any(_has_bounds(ft) for _, ft in t.fields)
    if isinstance(t, MapT):
        return _has_bounds(t.val)
    if isinstance(t, UnionT):
        return any(_has_bounds(vt) for _, vt in t.variants)
    if isinstance(t, OptionT):
        return _has_bounds(t.elem)
    return False


def _literal(v: Any) -> bool:
    """Whether ``repr(v)`` is a Python literal for ``v`` (bools, ints, None, tuples of those); an
    int of thousands of digits (a folded product of literals) is not: Python refuses to ``repr``
    one over 4,300 digits, so it is passed to the code by name, as other constants are."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v.bit_length() <= 10_000
    if v is None or isinstance(v, bool):
        return True
    return type(v) is tuple and all(_literal(x) for x in v)


def _namespace() -> dict[str, Any]:
    """A fresh namespace for generated code, holding the helpers the op table's emissions call
    and ``_U``, the value no term has (the hoisted bindings of ``ite`` test against it)."""
    ns = helpers()
    ns["_U"] = _UNSET
    return ns


LOOKUP_RECENT = 8
"""How many of a term's bindings ``_Emitter.lookup`` tries (see there)."""


class _Emitter:
    """Emits Python expressions for terms, sharing repeated subterms through walrus temporaries.

    Generated code stays the size of the term DAG, not of its expansion as a tree: a subterm used
    more than once is bound to a name (``(_t3 := ...)``) where it is first evaluated and read by
    name afterwards, in conditional positions too. Each position has a *path*: the conditions
    known to hold when it runs (``c`` in the then-branch of ``ite(c, a, b)``, ``not a`` after
    ``a or ...``), or an opaque mark for conditional positions of other kinds; a name bound at
    path ``P`` is read at any later position whose path contains ``P`` (the binding ran there).
    A non-trivial subterm that both branches of an ``ite`` evaluate is bound before the
    condition (``_hoist``), so it is not expanded once per branch. Only terms the tree-walking
    semantics evaluates anyway are evaluated earlier: nothing speculative is added."""

    def __init__(
        self,
        consts: dict[Any, str],
        namespace: dict[str, Any],
        roots: Sequence[Term],
        shared: _Shared | None = None,
        var_code: str = "s[{}]",
    ) -> None:
        self.consts = consts
        self.ns = namespace
        self.bound: dict[int, list[tuple[frozenset[Any], str]]] = {}
        """term id -> (path, name) of each binding of it emitted so far."""
        self.path: frozenset[Any] = frozenset()
        """The conditions that hold at the current position (``_literals``, opaque marks)."""
        self.counter = 0
        self.depth = 0
        """Nesting of conditional positions (0: runs whenever the instance's code runs)."""
        self.refs: dict[int, int] = {}
        self.shared = shared
        self.first = False
        """True while emitting an instance's first precondition conjunct (run for every state)."""
        self.var_code = var_code
        self.opaque = 0
        """Opaque conditional positions so far (each gets its own mark)."""
        self.runs_with: dict[int, frozenset[int]] = shared.definite_sets if shared is not None else {}
        """Memo of ``definite_set`` (shared by the instances' emitters of one function)."""
        self.terms: dict[int, Term] = {}
        for t in subterms(list(roots)):
            self.terms[id(t)] = t
            for a in t.args:
                self.refs[id(a)] = self.refs.get(id(a), 0) + 1

    def fresh(self) -> str:
        if self.shared is not None:  # one namespace for all instances of ``successors``
            self.shared.counter += 1
            return f"_t{self.shared.counter}"
        self.counter += 1
        return f"_t{self.counter}"

    def const(self, t: Term) -> str:
        v = t.data
        if _literal(v):  # compiled to a constant of the code object, no name lookup
            return repr(v)
        key: Any = (t.type, type(v), v)  # one name per constant value (so equal code is equal text)
        try:
            hash(key)
        except TypeError:
            key = id(t)
        if key not in self.consts:
            name = f"_c{len(self.ns)}"
            self.ns[name] = v
            self.consts[key] = name
        return self.consts[key]

    def lookup(self, k: int) -> str | None:
        """The name of a binding of the term with id ``k`` that has run at the current position.

        Only the ``LOOKUP_RECENT`` most recent bindings are tried, latest first: a term bound in
        many conditional positions (one per element of a big union) would otherwise make the
        lookups quadratic; a binding not found is a re-evaluation, never a wrong value."""
        for path, name in reversed(self.bound.get(k, ())[-LOOKUP_RECENT:]):
            if path <= self.path:
                return name
        return None

    def bind(self, k: int, name: str) -> None:
        """Record that the term with id ``k`` is bound to ``name`` at the current position."""
        self.bound.setdefault(k, []).append((self.path, name))

    @contextmanager
    def scope(self, literals: Iterable[Any] | None = None) -> Iterator[None]:
        """A conditional position: one where ``literals`` hold (``_literals``), or, with None, an
        opaque one (what is bound inside is read only inside)."""
        saved = self.path
        if literals is None:
            self.opaque += 1
            literals = (("opaque", self.opaque),)
        self.path = saved.union(literals)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            self.path = saved

    def expr(self, t: Term, cond: bool = False) -> str:
        """Code for ``t``; ``cond`` is true inside short-circuited or conditional positions."""
        if t.op == "const":
            return self.const(t)
        if t.op == "var":
            return self.var_code.format(t.data[0])
        k = id(t)
        found = self.lookup(k)
        if found is not None:
            return found
        sh = self.shared
        if sh is not None and k in sh.definite:
            return sh.definite[k]
        # A temporary bound inside a short-circuited or conditional position might never be
        # assigned at run time: it is read only at positions whose path says it was (``lookup``).
        always = self.depth == 0 and not cond
        name = sh.names.get(k) if sh is not None else None
        # a subterm shared with other instances is memoised (``_h if _h is not _U else (_h := ...)``)
        # unless this position always runs and nothing assigned it before; the code inside a
        # memoised form runs conditionally: what it binds is read only inside it
        lazy = name is not None and (name in sh.maybe_set or not always)  # type: ignore[union-attr]
        if cond or lazy:
            with self.scope():
                code = self._expr(t)
        else:
            code = self._expr(t)
        if name is not None and sh is not None:
            if lazy:
                sh.lazy.add(name)
                code = f"({name} if {name} is not _U else ({name} := {code}))"
            else:
                code = f"({name} := {code})"
            sh.maybe_set.add(name)
            if not cond:  # assigned (or memoised) whenever this position runs
                self.bind(k, name)
                if always and self.first:
                    sh.definite[k] = name
            return code
        # in conditional positions a cheap subterm (a slot read) is recomputed rather than bound:
        # its code is as short as a name, and the code of the paper machines stays as it was
        if self.refs.get(k, 0) > 1 and not cond and (self.depth == 0 or not _cheap(t)):
            name = self.fresh()
            self.bind(k, name)
            return f"({name} := {code})"
        return code

    def atom(self, t: Term, cond: bool) -> tuple[str, str]:
        """(setup, use): ``use`` may be repeated; ``setup`` must be evaluated first."""
        if (
            t.op in ("const", "var")
            or self.lookup(id(t)) is not None
            or (self.shared is not None and id(t) in self.shared.definite)
        ):
            c = self.expr(t, cond)
            return c, c
        name = self.fresh()
        return f"({name} := {self.expr(t, True)})", name

    def definite_set(self, t: Term) -> frozenset[int]:
        """Ids of the non-leaf subterms whose code runs whenever the code of ``t`` runs (``t``
        included): the arguments an op's emission puts in unconditional positions, and for
        ``ite`` what both branches run. Computed children first, memoised."""
        memo = self.runs_with
        if id(t) in memo:
            return memo[id(t)]
        for u in subterms([t]):
            if id(u) in memo:
                continue
            if u.op in ("const", "var"):
                memo[id(u)] = frozenset()
                continue
            self.terms[id(u)] = u
            if u.op == "ite":
                c, a, b = u.args
                d = memo[id(c)] | (memo[id(a)] & memo[id(b)])
            else:
                d = frozenset().union(*(memo[id(a)] for a in _unconditional_args(u)))
            memo[id(u)] = d | {id(u)}
        return memo[id(t)]

    def _hoist(self, a: Term, b: Term) -> list[Term]:
        """The largest non-trivial subterms that both ``a`` and ``b`` run and that are not bound
        yet: bound once before an ``ite`` chooses between them (each branch would otherwise
        expand them: ``x = ite(c, x.append(l), x)`` repeated n times would be 2^n copies)."""
        both = self.definite_set(a) & self.definite_set(b)
        if not both:
            return []
        terms = self.terms
        cands = [terms[k] for k in both if self.lookup(k) is None and not _cheap(terms[k])]
        cands.sort(key=lambda u: -len(self.runs_with[id(u)]))
        covered: set[int] = set()
        out = []
        for u in cands:
            if id(u) in covered:
                continue
            out.append(u)
            covered |= self.runs_with[id(u)]
        return out

    def _expr(self, t: Term) -> str:
        """Code for the operation at ``t``: its ``emit`` entry in the op table (``ioakit.lang.ops``),
        except where ``and``/``or`` regroup memberships in one set (``_over_sets``)."""
        op = t.op
        if op in ("and", "or"):
            # each item runs only when the ones before it were true (and) / false (or): nested
            # scopes, so that what an item binds is read by the items after it
            items = _over_sets(op, t.args)
            parts: list[str] = []
            with ExitStack() as scopes:
                for n, item in enumerate(items):
                    if n > 0:
                        prev = items[n - 1]
                        known = _literals(prev, op == "and") if isinstance(prev, Term) else None
                        scopes.enter_context(self.scope(known))
                    if isinstance(item, Term):
                        parts.append(self.expr(item))
                    else:
                        parts.append(self.over_set(op, *item, cond=False))
            return "(" + f" {op} ".join(parts) + ")"
        if op == "ite":
            c, a, b = t.args
            hoisted = []
            for u in self._hoist(a, b):  # bound before the condition: both branches read them
                code = self.expr(u)
                if self.lookup(id(u)) is None:
                    name = self.fresh()
                    self.bind(id(u), name)
                    code = f"({name} := {code})"
                hoisted.append(f"{code} is not _U and ")
            c_code = self.expr(c)
            with self.scope(_literals(c, True)):
                a_code = self.expr(a)
            with self.scope(_literals(c, False)):
                b_code = self.expr(b)
            return f"({a_code} if {''.join(hoisted)}{c_code} else {b_code})"
        entry = OPS.get(op)
        if entry is None:
            raise AssertionError(f"no code generation for op {op}")
        tp = entry.emit
        if isinstance(tp, Template):  # ``Template.__call__`` inline: one frame less per level
            args = t.args
            codes: list[str] = [""] * len(args)
            for i in tp.order or range(len(args)):
                codes[i] = self.expr(args[i], i in tp.cond)
            return tp.text.format(*codes)
        return entry.emit(self, t)

    def const_set(self, elems: Sequence[Any]) -> str:
        """A name for the constant set of ``elems`` in the generated code's namespace."""
        name = f"_c{len(self.ns)}"
        self.ns[name] = frozenset(elems)
        return name

    def over_set(self, op: str, S: Term, elems: list[Any], cond: bool) -> str:
        """Code for memberships of constants in the state set ``S`` regrouped by ``_over_sets``:
        in an ``and``, none of ``elems`` is in ``S``; in an ``or``, one of them is. One set
        operation that looks at the elements ``S`` has, not one membership test per element."""
        code = f"{self.const_set(elems)}.isdisjoint({self.expr(S, cond)})"
        return code if op == "and" else f"(not {code})"

    def key_index(self, mt: MapT, keys: Sequence[Term]) -> tuple[str, str | None]:
        """(index expression, validity guard or None) for a map key tuple."""
        if all(k.op == "const" for k in keys):
            i = mt.flat_index([k.data for k in keys])
            return (str(i), None) if i >= 0 else ("0", "False")
        parts: list[str] = []
        guards: list[str] = []
        idx = ""
        for j, (k, kt) in enumerate(zip(keys, mt.keys)):
            size = len(mt.key_universe(j))
            if k.op == "const":
                pos = mt.key_position(j, k.data)
                if pos < 0:  # a constant ⊥ key (a value outside the key type): the key names no entry
                    return "0", "False"
                code = str(pos)
            elif not isinstance(kt, EnumT):  # any other finite key type: its position, by lookup
                table = self._key_table(mt, j)
                if contained(k.type, kt):  # every value of the key's type is a key
                    code = f"{table}[{self.expr(k, True)}]"
                else:  # maybe not a key: position -1, the lookup names no entry
                    code = self.fresh()
                    guards.append(f"({code} := {table}.get({self.expr(k, True)}, -1)) >= 0")
            elif isinstance(k.type, EnumT) and k.type.bottom:
                setup, code = self.atom(k, False)
                guards.append(f"{setup} >= 0")
            else:
                code = self.expr(k, True)
            parts.append(code)
            idx = code if not idx else f"({idx}) * {size} + {code}"
        return idx, (" and ".join(guards) if guards else None)

    def _key_table(self, mt: MapT, j: int) -> str:
        """The name of key ``j``'s value -> position table in the generated code (one per key type)."""
        key = ("map key table", mt.keys[j])
        name = self.consts.get(key)
        if name is None:
            name = f"_c{len(self.ns)}"
            self.ns[name] = mt.key_table(j)
            self.consts[key] = name
        return name


_MIN_OVER_SET = 3
"""Membership tests of at least this many constants in one set are regrouped (``_over_sets``)."""


def _const_membership(t: Term) -> tuple[Any, Term, Any] | None:
    """``(set key, S, c)`` when ``t`` is ``c ∈ S`` for a hashable constant ``c``. The key
    identifies ``S``: by index for a state variable (each traced read is its own term), by
    identity otherwise (the terms are hash-consed)."""
    if t.op != "set_member" or t.args[0].op != "const":
        return None
    try:
        hash(t.args[0].data)
    except TypeError:
        return None
    S = t.args[1]
    return ("var", S.data[0]) if S.op == "var" else id(S), S, t.args[0].data


def _over_sets(op: str, args: Sequence[Term]) -> list[Term | tuple[Term, list[Any]]]:
    """Regroup the arguments of an ``and``/``or`` that test constants for membership in one set.

    ``forall(S, body)`` over a state set is expanded when traced into one conjunct per element
    ``e`` of S's *type*, and where ``body(e)`` folds to false that conjunct is ``not (e ∈ S)``
    (``createview(v)``: every view with an id ≥ v's); ``exists`` gives ``e ∈ S`` disjuncts
    likewise. Concretely that tests the membership of every such element (16 views for two view
    ids and three processors) where the state's set has one or two. At least ``_MIN_OVER_SET``
    such arguments over the same set are replaced, at the place of the first, by ``(S,
    elements)``; the others stay as they are. The regrouping is an equivalence (every part is
    pure and total), so only the cost changes.

    The conjuncts ``not (e ∈ S) or body(e)`` with a non-constant body could likewise loop over
    ``S``'s elements; generated as a generator expression that measured slower than the
    expansion at the benchmark scopes, so they are left expanded."""
    members: dict[Any, tuple[Term, list[Any]]] = {}
    plan: list[tuple[Any, Term]] = []  # (set key or None, original)
    for x in args:
        t = x.args[0] if op == "and" and x.op == "not" else x if op == "or" else None
        found = _const_membership(t) if t is not None else None
        if found is None:
            plan.append((None, x))
            continue
        key, S, c = found
        members.setdefault(key, (S, []))[1].append(c)
        plan.append((key, x))
    out: list[Term | tuple[Term, list[Any]]] = []
    placed: set[Any] = set()
    for key, x in plan:
        if key is None or len(members[key][1]) < _MIN_OVER_SET:
            out.append(x)
        elif key not in placed:
            placed.add(key)
            out.append(members[key])
    return out


def _literals(t: Term, value: bool) -> list[Any]:
    """The facts known where ``t`` evaluated to ``value``: ``(id(u), v)`` for ``t`` and, through
    ``not`` and a true ``and`` / false ``or``, its parts (so that ``with s.when(c)`` effects and a
    ``require`` under the same condition recognise each other's positions)."""
    out: list[Any] = []
    stack = [(t, value)]
    while stack:
        u, v = stack.pop()
        while u.op == "not":
            u, v = u.args[0], not v
        out.append((id(u), v))
        if (u.op == "and" and v) or (u.op == "or" and not v):
            stack.extend((a, v) for a in u.args)
    return out


class _Probe:
    """Stands in for the emitter while an op's ``emit`` function is asked which arguments it
    puts in unconditional positions (``_unconditional_args``): the op table stays the one place
    that says so."""

    def __init__(self) -> None:
        self.seen: list[Term] = []
        self.consts: dict[Any, str] = {}
        self.ns: dict[str, Any] = {}

    def expr(self, t: Term, cond: bool = False) -> str:
        if not cond:
            self.seen.append(t)
        return "_"

    def atom(self, t: Term, cond: bool) -> tuple[str, str]:
        return "_", "_"  # its setup may sit in a condition: not counted

    def const(self, t: Term) -> str:
        return "_"

    def const_set(self, elems: Sequence[Any]) -> str:
        return "_"

    def key_index(self, mt: MapT, keys: Sequence[Term]) -> tuple[str, str | None]:
        return _Emitter.key_index(self, mt, keys)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Callable[..., str]:
        """Any other emitter helper (``fresh``, ``_key_table``, ...): its text does not matter here."""
        return lambda *args, **kw: "_"


def _unconditional_args(t: Term) -> list[Term]:
    """The arguments whose code runs whenever the code of ``t`` runs (``ite`` aside)."""
    if t.op in ("and", "or"):
        first = _over_sets(t.op, t.args)[0]
        return [first] if isinstance(first, Term) else [first[0]]
    entry = OPS.get(t.op)
    if entry is None:
        return []
    if isinstance(entry.emit, Template):
        return [a for i, a in enumerate(t.args) if i not in entry.emit.cond]
    probe = _Probe()
    entry.emit(probe, t)
    return probe.seen


class _Shared:
    """Subterms shared between the instances of one generated ``successors`` function.

    ``names`` gives each worthwhile subterm that occurs in the preconditions of two or more
    instances one local name. ``definite`` holds those assigned, for every state, before the
    current position (bound in some instance's first conjunct); ``maybe_set`` those assigned
    somewhere before it; ``lazy`` those read in memoised form, which must start out as ``_U``.
    """

    def __init__(self, instance_guards: Sequence[Term]) -> None:
        uses: dict[int, int] = {}
        terms: dict[int, Term] = {}
        for g in instance_guards:
            for t in subterms([g]):
                uses[id(t)] = uses.get(id(t), 0) + 1
                terms[id(t)] = t
        self.names: dict[int, str] = {}
        for k, n in uses.items():
            if n > 1 and not _cheap(terms[k]):
                self.names[k] = f"_h{len(self.names) + 1}"
        self.definite: dict[int, str] = {}
        self.definite_sets: dict[int, frozenset[int]] = {}
        """``_Emitter.definite_set`` of the canonical terms, shared by the instances' emitters."""
        self.maybe_set: set[str] = set()
        self.lazy: set[str] = set()
        self.counter = 0


_LIGHT_OPS = frozenset({"not", "and", "or", "ite", "lt", "le", "add", "sub", "mul", "field", "seq_len", "map_get"})


def _cheap(t: Term, limit: int = 2) -> bool:
    """Terms costing at most ``limit``: recomputing them costs about what a memoised read costs.

    Scalar operations and slot reads cost 1 (``cv[p] == -1``, ``next[q] + 1``); hashing,
    membership, comparison of structures and sequence/set construction cost more."""

    def cost(u: Term, budget: int) -> int:
        if u.op in ("const", "var"):
            return 0
        light = u.op in _LIGHT_OPS or (u.op == "eq" and isinstance(u.args[0].type, BoolT | IntT | EnumT))
        n = 1 if light else budget + 1
        for a in u.args:
            if n > budget:
                break
            n += cost(a, budget - n)
        return n

    return cost(t, limit) <= limit


class _Canon:
    """Hash-consing: structurally equal terms (of any instance) map to one canonical term, so
    that sharing between instances is sharing of term identity."""

    def __init__(self) -> None:
        self.table: dict[tuple[Any, ...], Term] = {}
        self.memo: dict[int, Term] = {}
        self.keep: list[Term] = []  # keeps the originals alive while their ids are memo keys

    def __call__(self, root: Term) -> Term:
        for u in subterms([root]):
            if id(u) in self.memo:
                continue
            args = tuple(self.memo[id(a)] for a in u.args)
            if u.op == "const":
                key: tuple[Any, ...] = ("const", u.type, type(u.data), u.data)
            else:
                key = (u.op, u.type, u.data, *(id(a) for a in args))
            try:
                c = self.table.get(key)
            except TypeError:  # an unhashable static datum: keep the term as it is
                c, key = None, ("unique", id(u))
            if c is None:
                same = all(x is y for x, y in zip(args, u.args))
                c = u if same else Term(u.op, args, u.type, u.data)
                self.table[key] = c
            self.memo[id(u)] = c
            self.keep.append(u)
        return self.memo[id(root)]


@dataclass
class Compiled:
    """Generated concrete semantics of a machine."""

    successors: Callable[[tuple[Any, ...]], list[tuple[int, tuple[Any, ...] | None]]]
    """``(instance index, post-state)`` for every enabled instance, in instance order; the
    post-state is ``None`` when the step would leave the scope's bounds (it is then not a step,
    but is counted)."""
    steps: Sequence[Callable[[tuple[Any, ...]], tuple[Any, ...] | None]]
    """``steps[k](s)``: instance ``k``'s post-state from ``s``, None when it is disabled,
    ``OUT_OF_BOUNDS`` when the scope cuts it; generated on first use (``_InstanceFunctions``)."""
    enabled: Sequence[Callable[[tuple[Any, ...]], bool]]
    """``enabled[k](s)``: whether instance ``k``'s precondition holds; generated on first use."""
    source: str
    """The generated source of ``successors`` (``steps.source(k)``: of one instance's step)."""
    machine: Any = field(default=None, repr=False)
    _layer: Layer | None = field(default=None, repr=False)
    _partition_layers: dict[int | None, Layer] = field(default_factory=dict, repr=False)
    _canonical: _Canonical | None = field(default=None, repr=False)
    """The hash-consed terms ``successors`` was generated from, reused for the layer."""
    cost: Cost | None = field(default=None, repr=False)
    """What generating ``successors`` cost (``compile_machine``)."""

    @property
    def layer(self) -> Layer:
        """The generated breadth-first expansion step (``compile_layer``), built on first use."""
        if self._layer is None:
            self._layer = compile_layer(self.machine, self._canonical)
        return self._layer

    def canonical_layer(self, canon: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> Layer:
        """A layer that passes each post-state through ``canon`` before looking it up in
        ``seen`` (symmetry reduction, ``ioakit.engines.symmetry``: ``seen`` then holds orbit
        representatives); generated anew for each call, not cached."""
        return compile_layer(self.machine, self._canonical, canon=canon)

    def partition_layer(self, key: int | None = None) -> Layer:
        """The inner loop of a worker of the partitioned search (``compile_partition_layer``)
        whose states' owners are decided by their variable ``key`` (None: the whole state), built
        on first use."""
        if key not in self._partition_layers:
            self._partition_layers[key] = compile_partition_layer(self.machine, self._canonical, key)
        return self._partition_layers[key]

    @property
    def layer_cost(self) -> Cost | None:
        """What generating the layer cost, or None while it is not built."""
        return None if self._layer is None else self._layer.cost  # type: ignore[attr-defined]

    def generation_summary(self) -> str:
        """``generated 180 KB of code in 0.31 s (25 MB)``: ``successors`` and, when built, the
        layer (the per-instance steps are generated on demand and not counted)."""
        size = len(self.source)
        cost = self.cost or Cost(0.0)
        if self._layer is not None:
            size += len(self._layer.source)  # type: ignore[attr-defined]
            cost = cost + (self.layer_cost or Cost(0.0))
        return f"generated {size / 1e3:.0f} KB of code in {cost}"


Layer = Callable[[Sequence[tuple[Any, ...]], dict[Any, Any], list[Any], int], tuple[int, int, int, int, int]]
"""``layer(frontier, seen, new, cap) -> (transitions, bound_hits, deadlocks, first_bound_hit, done)``.

For each state ``s`` of ``frontier`` in order, every enabled step's post-state ``t`` not yet in
``seen`` is recorded as ``seen[t] = s`` (its breadth-first parent) and appended to ``new``.
``transitions`` counts steps taken (duplicates included), ``bound_hits`` enabled steps cut off by
the scope's bounds (``first_bound_hit`` is the instance index of the first, or -1), ``deadlocks``
states with no enabled instance. It stops after the first state that makes ``len(seen)`` exceed
``cap``; ``done`` is the number of frontier states expanded."""


def _instance_code(
    em: _Emitter,
    guard: Term,
    writes: Sequence[tuple[int, Term]],
    nvars: int,
    variables: Sequence[tuple[str, Type]],
    drop: tuple[Term, ...] = (),
    always: bool = True,
    loops: bool = False,
) -> tuple[list[tuple[str, Any]], list[str], str, str]:
    """(guard steps, effect statements, bounds condition, post-state expression).

    The guard steps are ``("if", expression)`` and, with ``loops``, ``("do", statements)``
    (``_exists_loop``, ``_forall_loop``): emitted in order, each ``if`` nesting what follows. ``drop`` are
    conjuncts already known to hold (tested by a dispatch); ``always`` is false when the code
    sits in a conditional branch, where nothing it binds is assigned for every state."""
    conjuncts = list(guard.args) if guard.op == "and" else [guard]
    if em.shared is not None and id(guard) in em.shared.names and not drop:
        conjuncts = [guard]  # the whole precondition recurs in other instances: share it whole
    conjuncts = [c for c in conjuncts if not any(c is d for d in drop)]
    steps: list[tuple[str, Any]] = []
    codes: list[str] = []
    items: list[Any] = _over_sets("and", conjuncts)
    if loops:
        items = _forall_groups(items)
    for j, c in enumerate(items):
        em.first = always and j == 0  # the first conjunct runs for every state; the others may not
        if isinstance(c, _ForallLoop):
            loop: tuple[list[str], str] | None = _forall_loop(em, c)
        else:
            loop = _exists_loop(em, c) if loops and isinstance(c, Term) else None
        if loop is not None:
            if codes:
                steps.append(("if", " and ".join(codes)))
            steps.append(("do", loop[0]))
            codes = [loop[1]]
        else:
            codes.append(em.expr(c) if isinstance(c, Term) else em.over_set("and", *c, cond=j > 0))
    em.first = False
    if codes:
        steps.append(("if", " and ".join(codes)))
    stmts: list[str] = []
    post = [em.var_code.format(i) for i in range(nvars)]
    checks: list[str] = []
    for i, t in writes:
        name = f"_n{i}"
        stmts.append(f"{name} = {em.expr(t)}")
        post[i] = name
        typ = variables[i][1]
        if (
            isinstance(typ, MapT)
            and t.op == "map_put"
            and t.args[0].op == "var"
            and t.args[0].data[0] == i
            and all(k.op == "const" for k in t.args[2:])
        ):
            at = f"{name}[{typ.flat_index([k.data for k in t.args[2:]])}]"
            checks += _write_checks(typ.val, t.args[1], at, em.ns)
        else:
            checks += _write_checks(typ, t, name, em.ns)
    return steps, stmts, " and ".join(checks) if checks else "True", "(" + "".join(p + ", " for p in post) + ")"


@dataclass
class _ForallLoop:
    """Conjuncts ``not (c ∈ S) or body(c)`` for several constants ``c`` of one set ``S`` (an
    expanded ``forall(S, body)``), to be decided by a loop over ``S``'s elements."""

    S: Term
    bodies: dict[Any, Term]


def _forall_groups(items: list[Any]) -> list[Any]:
    """Replace, at the place of the first, at least ``_MIN_OVER_SET`` conjuncts ``not (c ∈ S)
    or body`` over one set ``S`` (distinct constants ``c``) by a ``_ForallLoop``."""
    found: dict[Any, tuple[Term, list[tuple[Any, Term, int]]]] = {}
    for n, x in enumerate(items):
        if isinstance(x, Term) and x.op == "or" and len(x.args) >= 2 and x.args[0].op == "not":
            m = _const_membership(x.args[0].args[0])
            if m is not None:
                rest = x.args[1:]
                body = rest[0] if len(rest) == 1 else Term("or", tuple(rest), x.type)
                found.setdefault(m[0], (m[1], []))[1].append((m[2], body, n))
    replace: dict[int, _ForallLoop | None] = {}
    for S, parts in found.values():
        if len(parts) < _MIN_OVER_SET or len({c for c, _, _ in parts}) != len(parts):
            continue
        replace[parts[0][2]] = _ForallLoop(S, {c: b for c, b, _ in parts})
        for _, _, n in parts[1:]:
            replace[n] = None
    out = []
    for n, x in enumerate(items):
        r = replace.get(n, x)
        if r is not None:
            out.append(r)
    return out


def _forall_loop(em: _Emitter, group: _ForallLoop) -> tuple[list[str], str]:
    """Statements deciding a ``_ForallLoop`` (each element of ``S`` that has a body satisfies
    it), and the name of the variable holding the result."""
    ok = em.fresh()
    s_code = em.expr(group.S, True)
    return [f"{ok} = True", *_element_loop(em, s_code, group.bodies, ok, settle_when=False)], ok


def _element_loop(em: _Emitter, s_code: str, bodies: dict[Any, Term], ok: str, settle_when: bool) -> list[str]:
    """A loop over the elements of the set ``s_code`` that evaluates, for each element with an
    entry in ``bodies``, that body, and stops with ``ok = settle_when`` at the first one whose
    value is ``settle_when`` (∃: a true body; ∀: a false one)."""
    e, j = em.fresh(), em.fresh()
    table = f"_T{len(em.ns)}"
    keys = list(bodies)
    em.ns[table] = {x: n for n, x in enumerate(keys)}
    with em.scope():  # per element: nothing in the bodies is bound for later use
        tree = _body_tree(em, j, [bodies[x] for x in keys], 0, len(keys))
    return [
        f"for {e} in {s_code}:",
        f"    {j} = {table}.get({e})",
        f"    if {j} is not None and {'' if settle_when else 'not '}{tree}:",
        f"        {ok} = {settle_when}",
        "        break",
    ]


def _guard_expression(steps: list[tuple[str, Any]]) -> str:
    """The guard steps of ``_instance_code`` without loops, as one expression."""
    assert all(kind == "if" for kind, _ in steps)
    return " and ".join(code for _, code in steps) or "True"


def _exists_loop(em: _Emitter, t: Term) -> tuple[list[str], str] | None:
    """Statements deciding an expanded ∃ over a state set by looping over its elements.

    ``exists(S, body)`` is traced into ``⋁_e (e ∈ S ∧ body(e))`` over every element ``e`` S's
    type allows (``safe``: the 16 views of G × 2^P, each with ``w.id = g ∧ ∀ r ∈ w.set: …``).
    When at least ``_MIN_OVER_SET`` disjuncts have that form for one set, this returns
    statements that look up each element S has in a table of those bodies and evaluate only
    theirs, and the name of the variable holding the result; ``None`` when ``t`` has no such
    part. Statement code: a generator expression measured slower than the expansion."""
    if t.op != "or":
        return None
    by_set: dict[Any, tuple[Term, list[tuple[Any, Term | None]], set[int]]] = {}
    for a in t.args:
        found = _const_membership(a.args[0] if a.op == "and" else a)
        if found is None:
            continue
        key, S, c = found
        rest = a.args[1:] if a.op == "and" else ()
        body = None if not rest else rest[0] if len(rest) == 1 else Term("and", tuple(rest), a.type)
        entry = by_set.setdefault(key, (S, [], set()))
        entry[1].append((c, body))
        entry[2].add(id(a))
    if not by_set:
        return None
    S, parts, taken = max(by_set.values(), key=lambda entry: len(entry[1]))
    if len(parts) < _MIN_OVER_SET or len({e for e, _ in parts}) != len(parts):
        return None
    others = [a for a in t.args if id(a) not in taken]
    ok = em.fresh()
    s_code = em.expr(S, True)
    bare = [x for x, b in parts if b is None]
    bodies = {x: b for x, b in parts if b is not None}
    lines: list[str] = []
    if bare:
        lines.append(f"{ok} = not {em.const_set(bare)}.isdisjoint({s_code})")
    else:
        lines.append(f"{ok} = False")
    if bodies:
        loop = _element_loop(em, s_code, bodies, ok, settle_when=True)
        if bare:
            lines.append(f"if not {ok}:")
            lines += ["    " + x for x in loop]
        else:
            lines += loop
    if others:
        rest_code = em.expr(others[0] if len(others) == 1 else Term("or", tuple(others), t.type), True)
        lines += [f"if not {ok}:", f"    {ok} = {rest_code}"]
    return lines, ok


def _body_tree(em: _Emitter, j: str, bodies: list[Term], lo: int, hi: int) -> str:
    """A conditional expression selecting ``bodies[j]`` by comparisons on ``j``."""
    if hi - lo == 1:
        return f"({em.expr(bodies[lo], True)})"
    mid = (lo + hi) // 2
    return f"({_body_tree(em, j, bodies, lo, mid)} if {j} < {mid} else {_body_tree(em, j, bodies, mid, hi)})"


Sink = Callable[[str, str, str, frozenset[int]], list[str]]
"""``sink(instance index code, post-state expression, bounds condition, written)``: the statements
that hand one enabled step to the caller of the generated code (``written``: the indices of the
variables the step's effect assigns; every other variable of the post-state is the pre-state's)."""


def _conjuncts(guard: Term) -> tuple[Term, ...]:
    return guard.args if guard.op == "and" else (guard,)


def _dispatch_groups(guards: Sequence[Term]) -> dict[int, tuple[Term, dict[int, Term]]]:
    """Instances whose preconditions test one state-dependent key against different constants.

    A conjunct ``key == c`` (``c`` a constant) with the same canonical ``key`` in several
    instances makes them mutually exclusive: at most the one whose ``c`` equals the key's value
    can be enabled. Such a group is generated as one evaluation of ``key`` and a branch on its
    value, instead of one test per instance (``brcv(a, p, q)`` in TO-machine: the queue entry at
    ``next[q]`` names the one ``(a, p)`` that can be delivered to ``q``; ``gprcv``/``safe`` in
    VS-machine likewise). Returns ``instance -> (key, {instance: its eq conjunct})`` for every
    member of a group with at least two distinct constants."""
    cands: dict[int, list[tuple[int, Term, Any]]] = {}
    keys: dict[int, Term] = {}
    for k, g in enumerate(guards):
        for c in _conjuncts(g):
            if c.op != "eq":
                continue
            a, b = c.args
            if b.op == "const" and a.op != "const":
                key, value = a, b
            elif a.op == "const" and b.op != "const":
                key, value = b, a
            else:
                continue
            try:
                hash(value.data)
            except TypeError:
                continue
            keys[id(key)] = key
            cands.setdefault(id(key), []).append((k, c, value.data))
    # each instance joins the largest group it can (ties: the key met first)
    size = {kid: len({v for _, _, v in members}) for kid, members in cands.items()}
    choice: dict[int, tuple[int, Term]] = {}
    for kid, members in cands.items():
        if size[kid] < 2:
            continue
        for k, c, _ in members:
            if k not in choice or size[choice[k][0]] < size[kid]:
                choice[k] = (kid, c)
    groups: dict[int, tuple[Term, dict[int, Term]]] = {}
    by_key: dict[int, dict[int, Term]] = {}
    for k, (kid, c) in choice.items():
        by_key.setdefault(kid, {})[k] = c
    for kid, members in by_key.items():
        if len({_eq_constant(c).data for c in members.values()}) < 2:
            continue
        for k in members:
            groups[k] = (keys[kid], members)
    return groups


def _membership_groups(guards: Sequence[Term], taken: set[int]) -> dict[int, tuple[Term, dict[int, Term]]]:
    """Instances whose preconditions each need a different constant to be in one state set.

    ``newview(v)_p`` needs ``v ∈ created``: of the 24 instances (two view ids, three
    processors) only those whose view the state has created can be enabled, and ``created``
    holds one or two views. Instances with a conjunct ``c ∈ S`` (``c`` a constant), at least
    ``_MIN_OVER_SET`` of them for one ``S`` with at least two different constants, are
    generated as a loop over ``S``'s elements that runs only the instances of each element.
    (Instances in ``taken``, already in a dispatch group, are left out.) Returns
    ``instance -> (S, {instance: its membership conjunct})``."""
    cands: dict[Any, tuple[Term, dict[int, Term]]] = {}
    for k, g in enumerate(guards):
        if k in taken:
            continue
        for c in _conjuncts(g):
            found = _const_membership(c)
            if found is not None:
                cands.setdefault(found[0], (found[1], {}))[1][k] = c
                break
    out: dict[int, tuple[Term, dict[int, Term]]] = {}
    for S, members in cands.values():
        if len(members) < _MIN_OVER_SET or len({_member_constant(c) for c in members.values()}) < 2:
            continue
        for k in members:
            out[k] = (S, members)
    return out


def _member_constant(c: Term) -> Any:
    return c.args[0].data


def _mergeable(
    order: Sequence[int],
    members: dict[int, Term],
    common: Sequence[Term],
    guards: Sequence[Term],
    writes: Sequence[tuple[tuple[int, Term], ...]],
    by_value: dict[Any, list[int]],
) -> bool:
    """Whether a dispatch group's members are one instance per key value with the same other
    conjuncts and the same effects (canonical terms), so one block serves them all."""
    if any(len(js) != 1 for js in by_value.values()):
        return False

    def signature(j: int) -> tuple[Any, ...]:
        rest = tuple(id(c) for c in _conjuncts(guards[j]) if c is not members[j] and not any(c is d for d in common))
        return rest, tuple((i, id(t)) for i, t in writes[j])

    first = signature(order[0])
    return all(signature(j) == first for j in order[1:])


def _covers(typ: Type, by_value: dict[Any, list[int]]) -> bool:
    """Whether every value of ``typ`` is among the constants (then the key, a total term of
    that type, always equals one of them and need not be tested)."""
    if not typ.finite:
        return False
    values = []
    for v in typ.values():
        values.append(v)
        if len(values) > len(by_value):
            return False
    return all(v in by_value for v in values)


def _before(conjuncts: Sequence[Term], c: Term) -> Sequence[Term]:
    """The conjuncts before ``c`` (by identity: terms overload ``==``)."""
    return conjuncts[: next(i for i, d in enumerate(conjuncts) if d is c)]


def _eq_constant(c: Term) -> Term:
    return c.args[1] if c.args[1].op == "const" else c.args[0]


_Canonical = tuple[list[Term], list[tuple[tuple[int, Term], ...]]]
"""Every instance's precondition and effects as hash-consed terms (``_canonical``)."""


def _canonical(m: Any) -> _Canonical:
    """The instances' terms hash-consed together, so that instances share subterms by identity."""
    canon = _Canon()
    guards = [canon(a.guard) for a in m.actions]
    writes = [tuple((i, canon(t)) for i, t in a.writes) for a in m.actions]
    return guards, writes


def _generate_instances(
    m: Any, ns: dict[str, Any], consts: dict[Any, str], sink: Sink, dispatch: bool, canonical: _Canonical
) -> tuple[list[str], _Shared]:
    """Statements testing every action instance and handing each enabled step to ``sink``.

    With ``dispatch``, instances of a dispatch group (``_dispatch_groups``) are generated
    together, at the place of the group's first instance, so steps are not in instance order."""
    nvars = len(m.variables)
    guards, writes = canonical
    shared = _Shared(guards)
    groups = _dispatch_groups(guards) if dispatch else {}
    var_code = "_s{}"
    body: list[str] = []
    done: set[int] = set()

    def instance(k: int, indent: str, drop: tuple[Term, ...], k_code: str | None = None) -> None:
        em = _Emitter(consts, ns, [guards[k], *(t for _, t in writes[k])], shared, var_code)
        gsteps, stmts, bounds, post = _instance_code(
            em, guards[k], writes[k], nvars, m.variables, drop=drop, always=not drop, loops=True
        )
        body.append(f"{indent}# [{k}] {m.actions[k].label}")
        inner = indent
        for kind, code in gsteps:
            if kind == "do":
                body.extend(f"{inner}{line}" for line in code)
            elif code != "True":
                body.append(f"{inner}if {code}:")
                inner += "    "
        body.extend(f"{inner}{st}" for st in stmts)
        written = frozenset(i for i, _ in writes[k])
        body.extend(f"{inner}{line}" for line in sink(k_code or str(k), post, bounds, written))

    def branches(jname: str, leaves: list[list[int]], emit: Callable[[int, str], None], indent: str) -> None:
        """Binary if/else on the small int ``jname`` that reaches ``leaves[jname]``'s instances
        in log(len(leaves)) comparisons; ``emit(instance, indent)`` writes one instance."""

        def tree(lo: int, hi: int, ind: str) -> None:
            if hi - lo == 1:
                for i in leaves[lo]:
                    emit(i, ind)
                return
            mid = (lo + hi) // 2
            body.append(f"{ind}if {jname} < {mid}:")
            tree(lo, mid, ind + "    ")
            body.append(f"{ind}else:")
            tree(mid, hi, ind + "    ")

        tree(0, len(leaves), indent)

    def group(k: int) -> None:
        """Emit the dispatch group of instance ``k`` (``_dispatch_groups``) as one block."""
        key, members = groups[k]
        order = sorted(members)
        for j in order:
            done.add(j)
        # conjuncts that every member tests before its dispatch conjunct (``next[q] <= len(queue)``
        # in ``brcv``): tested once, before the key is computed
        heads = [_before(_conjuncts(guards[j]), members[j]) for j in order]
        common = [c for c in heads[0] if all(any(c is d for d in h) for h in heads[1:])]
        indent = ""
        if common:
            em = _Emitter(consts, ns, common, shared, var_code)
            codes = []
            for n, c in enumerate(common):
                em.first = n == 0
                codes.append(em.expr(c))
            em.first = False
            body.append(f"if {' and '.join(codes)}:")
            indent = "    "
        by_value: dict[Any, list[int]] = {}
        for j in order:
            by_value.setdefault(_eq_constant(members[j]).data, []).append(j)
        if _mergeable(order, members, common, guards, writes, by_value):
            # one block for the group: the members differ only in the constant they compare
            # the key with (``brcv(a, p, q)`` for every ``(a, p)``: the same effect on next[q])
            em = _Emitter(consts, ns, [key], shared, var_code)
            table = f"_D{len(ns)}"
            ns[table] = {v: js[0] for v, js in by_value.items()}
            k_code = f"{table}[{em.expr(key, True)}]"
            if not _covers(key.type, by_value):
                em = _Emitter(consts, ns, [key], shared, var_code)
                body.append(f"{indent}if {em.expr(key, bool(common))} in {table}:")
                indent += "    "
            body.append(f"{indent}# {len(order)} instances that differ only in the value of a key they test")
            instance(order[0], indent, (members[order[0]], *common), k_code)
            return
        em = _Emitter(consts, ns, [key], shared, var_code)
        em.first = not common  # evaluated for every state: what it binds is definite afterwards
        kcode = em.expr(key)
        xname = f"_x{k}"
        body.append(f"{indent}{xname} = {kcode}")
        shared.definite[id(key)] = xname  # within the group only (removed below)
        values = list(by_value)
        body.append(f"{indent}# dispatch of {len(members)} instances on {len(values)} values")

        def member(j: int, ind: str) -> None:
            instance(j, ind, (members[j], *common))

        if len(values) <= 4:
            for n, v in enumerate(values):
                cname = em.const(_eq_constant(members[by_value[v][0]]))
                body.append(f"{indent}{'if' if n == 0 else 'elif'} {xname} == {cname}:")
                for j in by_value[v]:
                    member(j, indent + "    ")
        else:
            table = f"_D{len(ns)}"
            ns[table] = {v: n for n, v in enumerate(values)}
            jname = f"_j{k}"
            body.append(f"{indent}{jname} = {table}.get({xname}, -1)")
            body.append(f"{indent}if {jname} >= 0:")

            branches(jname, [by_value[v] for v in values], member, indent + "    ")
        if common:  # the key was computed only when the common conjuncts held
            del shared.definite[id(key)]

    loops = _membership_groups(guards, set(groups)) if dispatch else {}

    def loop(k: int) -> None:
        """Emit the membership group of instance ``k`` (``_membership_groups``): a loop over
        the set's elements that runs only the instances whose constant is one of them."""
        S, members = loops[k]
        order = sorted(members)
        done.update(order)
        by_elem: dict[Any, list[int]] = {}
        for i in order:
            by_elem.setdefault(_member_constant(members[i]), []).append(i)
        elems = list(by_elem)
        table = f"_D{len(ns)}"
        ns[table] = {e: n for n, e in enumerate(elems)}
        em = _Emitter(consts, ns, [S], shared, var_code)
        em.first = True
        e, j = f"_e{k}", f"_j{k}"
        body.append(f"# {len(order)} instances that each need one constant in a set: loop over its elements")
        body.append(f"for {e} in {em.expr(S)}:")
        body.append(f"    {j} = {table}.get({e})")
        body.append(f"    if {j} is not None:")

        branches(j, [by_elem[x] for x in elems], lambda i, ind: instance(i, ind, (members[i],)), "        ")

    for k in range(len(m.actions)):
        if k in done:
            continue
        if k in groups:
            group(k)
        elif k in loops:
            loop(k)
        else:
            instance(k, "", ())
    return body, shared


def _prologue(m: Any, shared: _Shared, indent: str) -> list[str]:
    nvars = len(m.variables)
    lines = []
    if nvars:
        lines.append(indent + "".join(f"_s{i}, " for i in range(nvars)) + "= s")
    if shared.lazy:
        lines.append(indent + " = ".join(sorted(shared.lazy, key=lambda n: int(n[2:]))) + " = _U")
    return lines


def compile_machine(m: Any) -> Compiled:
    """Generate and compile the successor function of a ``Machine``; its per-instance ``steps``
    and ``enabled`` functions are generated on first use (``_InstanceFunctions``). What it cost
    is the result's ``cost``."""
    with measure() as meter:
        compiled = _compile_machine(m)
    compiled.cost = meter.cost
    return compiled


def _compile_machine(m: Any) -> Compiled:
    ns = _namespace()
    consts: dict[Any, str] = {}

    def sink(k: str, post: str, bounds: str, written: frozenset[int]) -> list[str]:
        if bounds == "True":
            return [f"ap(({k}, {post}))"]
        return [f"ap(({k}, {post}) if {bounds} else ({k}, None))"]

    canonical = _canonical(m)
    body, shared = _generate_instances(m, ns, consts, sink, dispatch=False, canonical=canonical)
    lines = ["def successors(s):", "    out = []", "    ap = out.append", "    _U = _UNSET"]
    lines += _prologue(m, shared, "    ")
    lines += [f"    {line}" for line in body]
    lines.append("    return out")
    src = "\n".join(lines) + "\n"
    ns["_UNSET"] = _UNSET
    run_generated(src, f"<ioakit generated: {m.name}>", ns)
    return Compiled(
        successors=ns["successors"],
        steps=_InstanceFunctions(m, "step"),
        enabled=_InstanceFunctions(m, "enabled"),
        source=src,
        machine=m,
        _canonical=canonical,
    )


class _InstanceFunctions(Sequence[Callable[[tuple[Any, ...]], Any]]):
    """``steps`` / ``enabled`` of a ``Compiled``: one function per instance, each generated and
    compiled the first time it is used. Exploration needs only ``successors`` and the layer;
    the per-instance functions (the reference the others are tested against, and what replays
    a counterexample step by step) would otherwise double the generated code of every machine.
    Each is generated on its own, from the instance's own terms (hash-consed per instance)."""

    def __init__(self, m: Any, kind: str) -> None:
        self.machine = m
        self.kind = kind
        self.made: dict[int, tuple[Callable[[tuple[Any, ...]], Any], str]] = {}

    def __len__(self) -> int:
        return len(self.machine.actions)

    def __getitem__(self, k: int) -> Callable[[tuple[Any, ...]], Any]:  # type: ignore[override]
        if not isinstance(k, int):
            raise TypeError("instance functions are indexed by instance number")
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        if k not in self.made:
            self.made[k] = _instance_function(self.machine, k, self.kind)
        return self.made[k][0]

    def source(self, k: int) -> str:
        """The generated source of instance ``k``'s function (generating it if need be)."""
        self[k]
        return self.made[k][1]


def _instance_function(m: Any, k: int, kind: str) -> tuple[Callable[[tuple[Any, ...]], Any], str]:
    """``_step{k}`` (``kind="step"``: the post-state, None when disabled, ``OUT_OF_BOUNDS`` when
    cut) or ``_en{k}`` (``kind="enabled"``: whether the precondition holds) of instance ``k``."""
    a = m.actions[k]
    ns = _namespace()
    consts: dict[Any, str] = {}
    canon = _Canon()
    guard = canon(a.guard)
    if kind == "enabled":
        fn = f"_en{k}"
        src = [f"def {fn}(s):", f"    return bool({_Emitter(consts, ns, [guard]).expr(guard)})"]
    else:
        fn = f"_step{k}"
        writes = [(i, canon(t)) for i, t in a.writes]
        em = _Emitter(consts, ns, [guard, *(t for _, t in writes)])
        gsteps, stmts, bounds, post = _instance_code(em, guard, writes, len(m.variables), m.variables)
        src = [
            f"def {fn}(s):",
            f"    if not ({_guard_expression(gsteps)}):",
            "        return None",
            *(f"    {st}" for st in stmts),
            f"    if not ({bounds}):",
            "        return _OUT",
            f"    return {post}",
        ]
    text = "\n".join(src) + "\n"
    ns["_OUT"] = OUT_OF_BOUNDS
    run_generated(text, f"<ioakit generated: {m.name} {a.label}>", ns)
    return ns[fn], text


def compile_layer(
    m: Any, canonical: _Canonical | None = None, canon: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
) -> Layer:
    """Generate the explorer's inner loop for ``m`` (see ``Layer``): successors inlined, each
    post-state looked up in ``seen`` where it is built, and dispatch groups
    (``_dispatch_groups``) tested once per key rather than once per instance. The same terms
    as ``successors`` (``canonical``: their hash-consed form, when ``successors`` already built
    it); only the order in which steps are found differs. The function's ``source`` is its
    text, its ``cost`` what generating it cost. With ``canon`` (the symmetry hook) each post-state
    is replaced by ``canon(post)`` before the lookup."""
    with measure() as meter:
        fn = _compile_layer(m, canonical, canon)
    fn.cost = meter.cost  # type: ignore[attr-defined]
    return fn


def _compile_layer(
    m: Any, canonical: _Canonical | None, canon: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
) -> Layer:
    ns = _namespace()
    consts: dict[Any, str] = {}
    # -- symmetry hook (ioakit.engines.symmetry): post-states canonicalised before the lookup --
    if canon is not None:
        ns["_canon"] = canon

    def post_value(post: str) -> str:
        return post if canon is None else f"_canon({post})"

    # -- end of the symmetry hook --

    def sink(k: str, post: str, bounds: str, written: frozenset[int]) -> list[str]:
        take = ["_t = " + post_value(post), "nt += 1", "if _t not in seen:", "    seen[_t] = s", "    push(_t)"]
        if bounds == "True":
            return take
        cut = ["nb += 1", "if fb < 0:", f"    fb = {k}"]
        return [f"if {bounds}:", *("    " + x for x in take), "else:", *("    " + x for x in cut)]

    head = ["def layer(frontier, seen, new, cap):", "    push = new.append"]
    tail = ["        if len(seen) > cap:", "            break"]
    return _layer_function(m, ns, consts, sink, canonical, head, ["    for s in frontier:"], tail, "layer")


def _layer_function(
    m: Any,
    ns: dict[str, Any],
    consts: dict[Any, str],
    sink: Sink,
    canonical: _Canonical | None,
    head: list[str],
    loop: list[str],
    tail: list[str],
    what: str,
) -> Layer:
    """A breadth-first expansion loop: ``head`` (the signature and ``push``), the counters,
    ``loop`` (the ``for`` over the states to expand, binding ``s``, and what each state needs
    first), every instance's step handed to ``sink``, the deadlock count, ``tail`` (the end of
    the loop's body), and ``return nt, nb, nd, fb, done`` (transitions, bound hits, deadlocks,
    first cut instance or -1, states expanded)."""
    body, shared = _generate_instances(m, ns, consts, sink, dispatch=True, canonical=canonical or _canonical(m))
    lines = [*head, "    nt = nb = nd = 0", "    fb = -1", "    _U = _UNSET", "    done = 0", *loop]
    lines += ["        before = nt + nb"]
    lines += _prologue(m, shared, "        ")
    lines += [f"        {line}" for line in body]
    lines += ["        done += 1", "        if nt + nb == before:", "            nd += 1", *tail]
    lines += ["    return nt, nb, nd, fb, done"]
    src = "\n".join(lines) + "\n"
    ns["_UNSET"] = _UNSET
    run_generated(src, f"<ioakit generated {what}: {m.name}>", ns)
    fn: Layer = ns["layer"]
    fn.source = src  # type: ignore[attr-defined]
    return fn


def compile_partition_layer(m: Any, canonical: _Canonical | None = None, key: int | None = None) -> Layer:
    """The inner loop of one worker of a partitioned breadth-first search
    (``ioakit.engines.parallel``): the same successors as ``compile_layer``, but each post-state
    goes to its owner, ``hash(state) % W`` (``key`` None) or ``hash(state[key]) % W``. A state this
    worker owns (``ME``) is looked up in its own ``seen`` (state → the parent's code
    ``index * W + ME``) and, when new, appended to ``own`` (its states in breadth-first order); a
    state another worker owns is kept once per level in ``outs[owner]`` (state → the parent's
    code), for the owner to look up when the level ends. A step whose effect leaves variable
    ``key`` alone stays with this worker, which owns its pre-state: its post-state is looked up
    here without computing an owner, exactly as ``compile_layer`` does. States are compared whole,
    never by their hash alone: Python's ``hash`` equates distinct states (``hash(-1) ==
    hash(-2)``), and a search that merged them would miss states.

    ``layer(own, lo, hi, seen, outs, W, ME)`` expands ``own[lo:hi]`` and returns
    (transitions, bound hits, deadlocks, first bound-hit instance or -1, states expanded)."""
    with measure() as meter:
        ns = _namespace()
        consts: dict[Any, str] = {}

        def sink(k: str, post: str, bounds: str, written: frozenset[int]) -> list[str]:
            if key is not None and key not in written:  # the owner's variable is unchanged: ours
                take = ["_t = " + post, "nt += 1", "if _t not in seen:", "    seen[_t] = _pc", "    push(_t)"]
            else:
                take = [
                    "_t = " + post,
                    "nt += 1",
                    "_o = hash(_t) % W" if key is None else f"_o = hash(_t[{key}]) % W",
                    "if _o == ME:",
                    "    if _t not in seen:",
                    "        seen[_t] = _pc",
                    "        push(_t)",
                    "else:",
                    "    _d = outs[_o]",
                    "    if _t not in _d:",
                    "        _d[_t] = _pc",
                ]
            if bounds == "True":
                return take
            cut = ["nb += 1", "if fb < 0:", f"    fb = {k}"]
            return [f"if {bounds}:", *("    " + x for x in take), "else:", *("    " + x for x in cut)]

        head = ["def layer(own, lo, hi, seen, outs, W, ME):", "    push = own.append"]
        loop = ["    for _i in range(lo, hi):", "        s = own[_i]", "        _pc = _i * W + ME"]
        fn = _layer_function(m, ns, consts, sink, canonical, head, loop, [], "partition layer")
    fn.cost = meter.cost  # type: ignore[attr-defined]
    return fn


class _OutOfBounds:
    def __repr__(self) -> str:
        return "OUT_OF_BOUNDS"


OUT_OF_BOUNDS: Any = _OutOfBounds()
"""Returned by a compiled step whose post-state leaves the scope's bounds."""

_UNSET: Any = object()
"""Initial value of a lazily memoised shared subterm in ``successors`` (no term evaluates to it)."""


def compile_predicates(m: Any, preds: Sequence[Term]) -> list[Callable[[tuple[Any, ...]], bool]]:
    """Compile boolean terms over the machine's state to fast Python predicates.

    Raises ``CodegenLimitError`` for a term nested too deeply for Python's compiler."""
    return _compile_each(m, preds, "predicates", "_p", "bool({})")


def compile_terms(m: Any, terms: Sequence[Term]) -> list[Callable[[tuple[Any, ...]], Any]]:
    """Compile arbitrary terms over the state to Python functions returning their values.

    Raises ``CodegenLimitError`` for a term nested too deeply for Python's compiler."""
    return _compile_each(m, terms, "terms", "_v", "{}")


def _compile_each(
    m: Any, terms: Sequence[Term], what: str, prefix: str, result: str
) -> list[Callable[[tuple[Any, ...]], Any]]:
    """One generated function ``{prefix}{k}(s) -> result.format(term k)`` per term."""
    ns = _namespace()
    consts: dict[Any, str] = {}
    src: list[str] = []
    label = f"<ioakit {what}: {m.name}>"
    try:
        for k, t in enumerate(terms):
            src += [f"def {prefix}{k}(s):", f"    return {result.format(_Emitter(consts, ns, [t]).expr(t))}"]
    except RecursionError:
        raise CodegenLimitError(label, _depth_note(terms)) from None
    run_generated("\n".join(src) + "\n", label, ns)  # generated from traced terms only
    return [ns[f"{prefix}{k}"] for k in range(len(terms))]


def compile_scan(m: Any, preds: Sequence[Term], find: bool) -> Callable[[Sequence[tuple[Any, ...]], int], int]:
    """A generated ``scan(states, start)``: the first index ``i >= start`` at which some
    predicate is false (``find=False``: the first state violating the conjunction) or some
    predicate is true (``find=True``: the first state witnessing the disjunction); -1 if none.

    One loop over a batch of states with every predicate inlined, so that checking many
    properties costs one call per batch rather than one per state and property; subterms that
    several predicates use (``created-viewids`` in Lemma 4.1) are computed once per state, as
    the preconditions of different instances share them in ``successors``."""
    ns = _namespace()
    consts: dict[Any, str] = {}
    canon = _Canon()
    terms = [canon(p) for p in preds]
    shared = _Shared(terms)
    lines: list[str] = []
    if not find:
        # statements: each predicate's conjuncts tested in turn, loops over a state set's elements
        # for quantifiers over it (as in the layer); the first false one settles the state
        nvars = len(m.variables)
        for j, p in enumerate(terms):
            em = _Emitter(consts, ns, [p], shared, "_s{}")
            steps, _, _, _ = _instance_code(em, p, (), nvars, m.variables, always=j == 0, loops=True)
            for kind, code in steps:
                if kind == "do":
                    lines += code
                else:
                    lines += [f"if not ({code}):", "    return i"]
    elif terms:
        codes = []
        for j, p in enumerate(terms):
            em = _Emitter(consts, ns, [p], shared, "_s{}")
            em.first = j == 0  # the first predicate is evaluated for every state
            codes.append(f"({em.expr(p)})")
        lines += [f"if {' or '.join(codes)}:", "    return i"]
    src = "\n".join(
        [
            "def scan(states, start):",
            "    _U = _UNSET",
            "    for i in range(start, len(states)):",
            "        s = states[i]",
            *_prologue(m, shared, "        "),
            *("        " + x for x in lines),
            "    return -1",
        ]
    )
    ns["_UNSET"] = _UNSET
    run_generated(src + "\n", f"<ioakit scan: {m.name}>", ns)
    scan = ns["scan"]
    scan.source = src
    return scan  # type: ignore[no-any-return]


# -- limits of the Python compiler ------------------------------------------------------------


class CodegenLimitError(UserError):  # UserError is a ValueError, as before
    """An expression nests too deeply to become Python code (a ``ValueError``: the input, not
    ioakit, is at fault). Raised instead of the ``SyntaxError`` / ``RecursionError`` traceback
    that CPython gives; ``str()`` names the generated code, the depth and what to write instead.
    """

    def __init__(self, label: str, detail: str) -> None:
        super().__init__(
            f"{label}: an expression nests too deeply for the concrete compiler ({detail}). "
            "Write it as shorter pieces: split it into several named predicates or invariants, or a "
            "conjunction of short conjuncts rather than one deep expression, and group long sums or "
            "chains as balanced trees ((a + b) + (c + d) nests log n levels deep, a + b + c + ... n levels)."
        )
        self.label = label
        self.detail = detail


def _depth_note(terms: Sequence[Term]) -> str:
    """``"the deepest term nests N operations deep"``, computed without recursion."""
    depth: dict[int, int] = {}
    for t in subterms(list(terms)):
        depth[id(t)] = 1 + max((depth[id(a)] for a in t.args), default=0)
    deepest = max((depth[id(t)] for t in terms), default=0)
    return f"the deepest term nests {deepest} operations deep"


def _code_depth(src: str) -> tuple[int, str]:
    """(deepest bracket nesting of ``src``, the generated function it is in). Generated code has
    no string literals, so brackets are code; labels in comments are balanced."""
    best, where, fn, level = 0, "", "", 0
    for line in src.splitlines():
        if line.startswith("def "):
            fn = line[4:].split("(", 1)[0]
        for ch in line:
            if ch in "([{":
                level += 1
                if level > best:
                    best, where = level, fn
            elif ch in ")]}":
                level -= 1
    return best, where


def run_generated(src: str, label: str, ns: dict[str, Any]) -> None:
    """Compile generated source ``src`` (``label`` is its file name in tracebacks) and run it in
    ``ns``, defining its functions there.

    CPython refuses code nested too deeply: its tokenizer allows 200 nested brackets
    (``SyntaxError: too many nested parentheses``), its parser and compiler overflow their
    stacks on deeper expressions (``MemoryError``, ``RecursionError``). Those become a
    ``CodegenLimitError``; any other ``SyntaxError`` is a bug of the generator and propagates.
    """
    for chunk, first_line in _chunks(src):
        _run_chunk(chunk, first_line, label, ns)


CHUNK_CHARS = 200_000
"""The most generated source compiled in one ``compile()`` call (whole top-level definitions, so a
bigger definition is a chunk of its own). Python handles a signal only between bytecodes, and
one ``compile()`` of f's 8 MB of code for VStoTO-system held Ctrl-C for up to 9 s; a chunk of
200 KB compiles in about 0.2 s."""


def _chunks(src: str) -> list[tuple[str, int]]:
    """``src`` cut before top-level ``def`` lines (not after a decorator) into pieces of about
    ``CHUNK_CHARS``, with the line number each starts at (for tracebacks). Generated code has no
    string literals, so a ``def`` in column 0 always starts a statement."""
    if len(src) <= CHUNK_CHARS:
        return [(src, 1)]
    lines = src.splitlines(keepends=True)
    out: list[tuple[str, int]] = []
    start, size = 0, 0
    for i, line in enumerate(lines):
        boundary = line.startswith("def ") and i > start and not lines[i - 1].startswith("@")
        if boundary and size >= CHUNK_CHARS:
            out.append(("".join(lines[start:i]), start + 1))
            start, size = i, 0
        size += len(line)
    out.append(("".join(lines[start:]), start + 1))
    return out


def _run_chunk(src: str, first_line: int, label: str, ns: dict[str, Any]) -> None:
    """Compile and run one piece of generated code (see ``run_generated``), its line numbers
    those of the whole source."""
    try:
        code = compile("\n" * (first_line - 1) + src, label, "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        depth, fn = _code_depth(src)
        if isinstance(e, SyntaxError) and not any(w in str(e.msg) for w in ("nested", "too complex")):
            raise
        if isinstance(e, MemoryError) and depth < 100:
            raise  # shallow code: really out of memory
        reason = e.msg if isinstance(e, SyntaxError) else (str(e) or type(e).__name__)
        where = f" in {fn}" if fn else ""
        raise CodegenLimitError(
            label, f"the generated code nests {depth} brackets deep{where}, CPython's parser allows 200: {reason}"
        ) from None
    exec(code, ns)  # our own generated code, never user text


Walk = Callable[..., tuple[int, int, int, Any, bool]]
"""``walk(s, steps, getrandbits, trail, sadd, lims, hit, stepcb)`` -> ``(taken, bound_hits,
first_bound_hit, its_pre_state, interrupted)``: one random walk of the simulator (``compile_walk``)."""


def compile_walk(m: Any, npreds: int, step_props: bool, canonical: _Canonical | None = None) -> Walk:
    """Generate the simulator's random walk for ``m``: the steps of ``successors`` generated inline
    (with the layer's dispatch groups, then sorted into instance order, as ``successors`` lists
    them), the
    uniform choice among them made with ``getrandbits`` exactly as ``random.Random.randrange``
    makes it (``_randbelow``: the fewest bits covering the count, redrawn while out of range), the
    invariants called inline.

    ``walk(s, steps, getrandbits, trail, sadd, lims, hit, stepcb)`` walks at most ``steps`` steps
    from ``s``, appending ``(instance, post-state)`` to ``trail`` and every state to the set (via
    ``sadd``). After each state (the start state too) it tests predicate ``j`` while
    ``len(trail) < lims[j]``, through ``_CHECK`` in its namespace (``walk.namespace``: the
    ``compile_checks`` function of the predicates, bound by the caller); a violation calls
    ``hit(j)`` (which records the prefix and lowers ``lims[j]`` to ``len(trail)``). With
    ``step_props``, ``stepcb(k, pre, post)`` is called after each step is appended. Enabled steps
    cut off by the scope's bounds are counted, not taken; the first one's instance and pre-state are
    returned. Ctrl-C ends the walk and is reported (``interrupted``) with the counts so far."""
    ns = _namespace()
    consts: dict[Any, str] = {}

    def sink(k: str, post: str, bounds: str, written: frozenset[int]) -> list[str]:
        if bounds == "True":
            return [f"ap(({k}, {post}))"]
        cut = ["nb += 1", "if fb < 0:", f"    fb = {k}", "    fbs = s"]
        return [f"if {bounds}:", f"    ap(({k}, {post}))", "else:", *("    " + x for x in cut)]

    # dispatch groups as in the layer (far fewer tests per state); they find steps out of instance
    # order, so the steps are sorted by instance (one step per instance: the sort never compares
    # states) before the choice
    body, shared = _generate_instances(m, ns, consts, sink, dispatch=True, canonical=canonical or _canonical(m))

    def check_lines(fast: str) -> list[str]:
        """Test the predicates on ``s`` (``fast``: the test when ``pok``, the previous state
        satisfied them all); ``pok`` becomes whether ``s`` does (False when not tested)."""
        if not npreds:
            return []
        return [
            "if _i < _Lm:",
            f"    if {fast} if pok else allok(s):",
            "        pok = True",
            "    else:",
            "        pok = False",
            "        if chk(s, _i, lims, hit):",
            "            _Lm = min(lims)",
            "else:",
            "    pok = False",
        ]

    lines = [
        "def walk(s, steps, getrandbits, trail, sadd, lims, hit, stepcb):",
        "    tpush = trail.append",
        "    _U = _UNSET",
        "    nb = 0",
        "    fb = -1",
        "    fbs = None",
        "    _i = 0",
        *(
            ["    _Lm = min(lims)", "    chk = _CHECK", "    allok = _CHECK.all_hold", "    after = _CHECK.after_step"]
            if npreds
            else []
        ),
        "    pok = False",
        "    try:",
        "        sadd(s)",
        *("        " + x for x in check_lines("allok(s)")),
        "        while _i < steps:",
        "            out = []",
        "            ap = out.append",
    ]
    lines += _prologue(m, shared, "            ")
    lines += [f"            {line}" for line in body]
    lines += [
        "            if not out:",
        "                break",
        "            out.sort()",
        "            n = len(out)",
        "            kb = n.bit_length()",
        "            r = getrandbits(kb)",
        "            while r >= n:",
        "                r = getrandbits(kb)",
        "            k, t = out[r]",
        "            _i += 1",
        "            tpush((k, t))",
        *(["            stepcb(k, s, t)"] if step_props else []),
        "            s = t",
        "            sadd(s)",
        *("            " + x for x in check_lines("after[k](s)")),
        "    except KeyboardInterrupt:",
        "        return _i, nb, fb, fbs, True",
        "    return _i, nb, fb, fbs, False",
    ]
    src = "\n".join(lines) + "\n"
    ns["_UNSET"] = _UNSET
    run_generated(src, f"<ioakit generated walk: {m.name}>", ns)
    fn = ns["walk"]
    fn.source = src
    fn.namespace = ns
    return fn  # type: ignore[no-any-return]


def compile_checks(m: Any, preds: Sequence[Term]) -> Callable[[tuple[Any, ...], int, list[int], Any], bool]:
    """A generated ``check(s, i, lims, hit)`` for the simulator's walk: for each predicate ``j``
    with ``i < lims[j]`` that ``s`` violates, ``hit(j)``; true if any was. Its ``all_hold(s)``:
    whether ``s`` satisfies every predicate, the walk's test before ``check`` (the common case,
    without the limits). The predicates' code inlined, their shared subterms computed once (as
    in ``compile_scan``)."""
    ns = _namespace()
    consts: dict[Any, str] = {}
    canon = _Canon()
    terms = [canon(p) for p in preds]
    shared = _Shared(terms)
    nvars = len(m.variables)
    lines: list[str] = []
    for j, p in enumerate(terms):
        em = _Emitter(consts, ns, [p], shared, "_s{}")
        steps, _, _, _ = _instance_code(em, p, (), nvars, m.variables, always=False, loops=True)
        lines += [f"if i < lims[{j}]:", "    while True:"]
        for kind, code in steps:
            if kind == "do":
                lines += ["        " + x for x in code]
            else:
                lines += [
                    f"        if not ({code}):",
                    f"            hit({j})",
                    "            hot = True",
                    "            break",
                ]
        lines.append("        break")
    src = "\n".join(
        [
            "def check(s, i, lims, hit):",
            "    _U = _UNSET",
            "    hot = False",
            *_prologue(m, shared, "    "),
            *("    " + x for x in lines),
            "    return hot",
        ]
    )
    ns["_UNSET"] = _UNSET
    try:
        run_generated(src + "\n", f"<ioakit checks: {m.name}>", ns)
    except RecursionError:
        raise CodegenLimitError(f"<ioakit checks: {m.name}>", _depth_note(preds)) from None
    # the common case first: every predicate holds (one pass, shared subterms bound definitely);
    # after a state satisfying them all, a step needs only the predicates reading a variable it
    # writes (the others keep their values): one such function per set of predicates
    src2 = _all_hold_source(m, consts, ns, terms, range(len(terms)), "all_hold")
    reads = [{t.data[0] for t in subterms([p]) if t.op == "var"} for p in terms]
    by_subset: dict[tuple[int, ...], str] = {}
    per_instance: list[str] = []
    for a in m.actions:
        written = {i for i, _ in a.writes}
        subset = tuple(j for j, r in enumerate(reads) if r & written)
        if subset not in by_subset:
            name = f"all_hold_{len(by_subset)}"
            by_subset[subset] = name
            src2 += "\n" + _all_hold_source(m, consts, ns, terms, subset, name)
        per_instance.append(by_subset[subset])
    try:
        run_generated(src2 + "\n", f"<ioakit checks: {m.name}>", ns)
    except RecursionError:
        raise CodegenLimitError(f"<ioakit checks: {m.name}>", _depth_note(preds)) from None
    check = ns["check"]
    check.all_hold = ns["all_hold"]
    check.after_step = [ns[n] for n in per_instance]
    check.source = src + "\n" + src2
    return check  # type: ignore[no-any-return]


def _all_hold_source(
    m: Any, consts: dict[Any, str], ns: dict[str, Any], terms: Sequence[Term], which: Iterable[int], name: str
) -> str:
    """``def name(s)``: whether ``s`` satisfies the predicates ``terms[j]`` for ``j`` in ``which``."""
    chosen = [terms[j] for j in which]
    shared = _Shared(chosen)
    lines: list[str] = []
    for j, p in enumerate(chosen):
        em = _Emitter(consts, ns, [p], shared, "_s{}")
        steps, _, _, _ = _instance_code(em, p, (), len(m.variables), m.variables, always=j == 0, loops=True)
        for kind, code in steps:
            lines += code if kind == "do" else [f"if not ({code}):", "    return False"]
    return "\n".join(
        [
            f"def {name}(s):",
            "    _U = _UNSET",
            *_prologue(m, shared, "    "),
            *("    " + x for x in lines),
            "    return True",
        ]
    )
