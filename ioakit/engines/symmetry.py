"""Symmetry reduction: interchangeable domain elements, orbit representatives, concrete runs.

A machine declares in ``declare`` which elements of which domains it does not distinguish
(``Decl.symmetric``: a domain, or blocks of it — VS-machine's ``P0`` and ``P ∖ P0``). The group
is the product of the permutations of each block (elements outside every block fixed). This
module

* checks the declaration on the traced terms (``check_symmetry``): for each generator σ of the
  group (the adjacent transpositions of each block) the start states are mapped onto the start
  states, and every action instance ``a`` has an instance ``σ(a)`` (same family, arguments
  permuted) whose precondition, effects and bound parameters are ``a``'s with every constant
  permuted — compared structurally, up to the order of the arguments of commutative operators
  (``and``, ``or``, ``eq``, ``+``, ``*``, set and bag literals). Order comparisons (``<``,
  ``<=``), sorted insertion and set sorting on values of a symmetric domain are refused: they
  are not preserved by a permutation. A constant element name in the code (``p1``) or a folded
  comparison of parameters (``p < q``) shows up as a difference between ``σ(a)`` and the
  permuted ``a`` and is refused too. The default value a read returns out of range (``at``,
  a map read at ⊥, ``as_``, ``get``) is a constant and must be permuted like the others, except
  for ``s.at(i)`` / ``head()`` under a precondition conjunct ``i <= s.length`` (or
  ``s.length > c``): then the default is never read when the step is taken;
* canonicalises a state (``Symmetry.canon``): the least image under every group element, in a
  total order of values (sets as sorted tuples, ⊥ first), so that two states of one orbit have
  one representative;
* maps a path of representatives back to a real execution (``Symmetry.concretize``): from a
  start state, each step is a real step of the machine from the previous concrete state whose
  post-state has the next representative; the last state is then permuted onto the violating
  state asked for, and every step is taken again from ``succ``.

What is assumed rather than checked: that the machine's semantics is its traced terms (the
generated code and the Z3 encoding read the same terms), and that the operators of the term
language other than those refused above commute with a permutation of element indices (their
Python meanings in ``ioakit.lang.ops`` compare elements only with ``==`` and membership; maps and
bags are permuted position by position).

Invariants need not be symmetric: one whose term is unchanged by every generator (same test as
for actions, with no precondition to protect an out-of-range read) is checked on the
representatives; any other on every state of each representative's orbit (``Symmetry.orbit``),
which is exact and costs |G| evaluations per representative — a reduction never hides a
violation.
"""

from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioakit.errors import InternalError, UserError
from ioakit.lang.automaton import ActionInstance, Machine
from ioakit.lang.ir import Term, subterms
from ioakit.lang.types import (
    BagT,
    EnumT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    Type,
    UnionT,
)

State = tuple[Any, ...]
Perm = dict[str, tuple[int, ...]]
"""One group element: domain name -> the image of each element index (``perm[d][i]``)."""

MAX_GROUP = 5_040
"""The largest group canonicalised by enumerating its elements (7!): beyond it generating the
canonicalisation and running it on every successor would cost more than the reduction saves."""


class SymmetryError(UserError):
    """A symmetry declaration the machine does not respect, or one that cannot be used."""


# -- permutations acting on values ---------------------------------------------------------------


def involves(t: Type, names: frozenset[str]) -> bool:
    """Whether values of ``t`` can hold an element of one of the domains ``names``."""
    if isinstance(t, EnumT):
        return t.domain.name in names
    if isinstance(t, RecordT):
        return any(involves(ft, names) for _, ft in t.fields)
    if isinstance(t, SeqT | SetT | OptionT):
        return involves(t.elem, names)
    if isinstance(t, BagT):
        return involves(t.elem, names)
    if isinstance(t, MapT):
        return any(involves(k, names) for k in t.keys) or involves(t.val, names)
    if isinstance(t, UnionT):
        return any(involves(vt, names) for _, vt in t.variants)
    return False


def value_map(t: Type, perm: Perm) -> Callable[[Any], Any] | None:
    """The function applying ``perm`` to concrete values of ``t`` (None: the identity)."""
    if isinstance(t, EnumT):
        p = perm.get(t.domain.name)
        if p is None or all(i == x for i, x in enumerate(p)):
            return None
        return lambda v: v if v < 0 else p[v]
    if isinstance(t, RecordT):
        fs = [value_map(ft, perm) for _, ft in t.fields]
        if all(f is None for f in fs):
            return None
        return lambda v: tuple(x if f is None else f(x) for f, x in zip(fs, v))
    if isinstance(t, SeqT):
        f = value_map(t.elem, perm)
        return None if f is None else (lambda v: tuple(map(f, v)))
    if isinstance(t, SetT):
        f = value_map(t.elem, perm)
        return None if f is None else (lambda v: frozenset(map(f, v)))
    if isinstance(t, OptionT):
        f = value_map(t.elem, perm)
        return None if f is None else (lambda v: None if v is None else f(v))
    if isinstance(t, UnionT):
        fs = [value_map(vt, perm) for _, vt in t.variants]
        if all(f is None for f in fs):
            return None
        return lambda v: (v[0], v[1] if fs[v[0]] is None else fs[v[0]](v[1]))  # type: ignore[misc]
    if isinstance(t, MapT):
        keys = t.key_tuples()
        kfs = [value_map(k, perm) for k in t.keys]
        src = [0] * len(keys)
        for j, k in enumerate(keys):
            img = tuple(x if f is None else f(x) for f, x in zip(kfs, k))
            src[t.flat_index(img)] = j
        vf = value_map(t.val, perm)
        if vf is None and src == list(range(len(keys))):
            return None
        if vf is None:
            return lambda v: tuple(v[i] for i in src)
        return lambda v: tuple(vf(v[i]) for i in src)
    if isinstance(t, BagT):
        f = value_map(t.elem, perm)
        if f is None:
            return None
        u = t.universe()
        bsrc = [0] * len(u)
        for j, x in enumerate(u):
            bsrc[t.index(f(x))] = j
        return lambda v: tuple(v[i] for i in bsrc)
    return None


def compiled_value_map(t: Type, perm: Perm) -> Callable[[Any], Any] | None:
    """``value_map(t, perm)`` as one generated Python expression (comprehensions and index
    tables instead of nested closures: canonicalisation applies it to every successor, once per
    group element). None: the identity."""
    ns: dict[str, Any] = {}
    body = _value_code(t, perm, "x", ns, itertools.count())
    if body is None:
        return None
    fn: Callable[[Any], Any] = eval(f"lambda x: {body}", ns)  # generated from types only
    return fn


def compiled_images(t: Type, perms: Sequence[Perm]) -> Callable[[Any], list[Any]]:
    """One generated function: a value of ``t`` -> the list of its images under each of
    ``perms``, in order (a list display of the ``compiled_value_map`` expressions)."""
    ns: dict[str, Any] = {}
    names = itertools.count()
    parts = [_value_code(t, p, "x", ns, names) or "x" for p in perms]
    fn: Callable[[Any], list[Any]] = eval(f"lambda x: [{', '.join(parts)}]", ns)  # generated from types only
    return fn


def _value_code(t: Type, perm: Perm, x: str, ns: dict[str, Any], names: Iterator[int]) -> str | None:
    """The expression of ``value_map(t, perm)`` applied to the expression ``x`` (None: ``x``
    itself); index tables and helper functions are put into ``ns``."""

    def table(v: Any) -> str:
        n = f"_t{next(names)}"
        ns[n] = v
        return n

    def code(t: Type, x: str) -> str | None:
        if isinstance(t, EnumT):
            p = perm.get(t.domain.name)
            if p is None or all(i == j for i, j in enumerate(p)):
                return None
            tb = table(p)
            return f"({x} if {x} < 0 else {tb}[{x}])" if t.bottom else f"{tb}[{x}]"
        if isinstance(t, RecordT):
            parts = [code(ft, f"{x}[{i}]") for i, (_, ft) in enumerate(t.fields)]
            if all(c is None for c in parts):
                return None
            return "(" + "".join(f"{c or f'{x}[{i}]'}, " for i, c in enumerate(parts)) + ")"
        if isinstance(t, SeqT | SetT):
            y = f"_y{next(names)}"
            c = code(t.elem, y)
            if c is None:
                return None
            return f"{'tuple' if isinstance(t, SeqT) else 'frozenset'}([{c} for {y} in {x}])"
        if isinstance(t, OptionT):
            c = code(t.elem, x)
            return None if c is None else f"(None if {x} is None else {c})"
        if isinstance(t, MapT | BagT | UnionT):
            f = value_map(t, perm)
            if f is None:
                return None
            if isinstance(t, MapT):
                keys = t.key_tuples()
                kfs = [value_map(k, perm) for k in t.keys]
                src = [0] * len(keys)
                for j, k in enumerate(keys):
                    src[t.flat_index(tuple(a if kf is None else kf(a) for kf, a in zip(kfs, k)))] = j
                parts = [code(t.val, f"{x}[{i}]") or f"{x}[{i}]" for i in src]
                return "(" + "".join(f"{c}, " for c in parts) + ")"
            return f"{table(f)}({x})"
        return None

    return code(t, x)


def compiled_order_key(t: Type) -> Callable[[Any], Any] | None:
    """``order_key(t)`` as one generated Python expression (None: values compare as they are)."""
    names = iter(range(1 << 30))

    def code(t: Type, x: str) -> str | None:
        if isinstance(t, SetT):
            y = f"_y{next(names)}"
            c = code(t.elem, y)
            return f"tuple(sorted({x}))" if c is None else f"tuple(sorted([{c} for {y} in {x}]))"
        if isinstance(t, OptionT):
            c = code(t.elem, x)
            return f"((0,) if {x} is None else (1, {c or x}))"
        if isinstance(t, RecordT):
            parts = [code(ft, f"{x}[{i}]") for i, (_, ft) in enumerate(t.fields)]
            if all(c is None for c in parts):
                return None
            return "(" + "".join(f"{c or f'{x}[{i}]'}, " for i, c in enumerate(parts)) + ")"
        if isinstance(t, SeqT | MapT):
            y = f"_y{next(names)}"
            c = code(t.elem if isinstance(t, SeqT) else t.val, y)
            return None if c is None else f"tuple([{c} for {y} in {x}])"
        if isinstance(t, UnionT):
            f = order_key(t)
            if f is None:
                return None
            ns["_union_key"] = f
            return f"_union_key({x})"
        return None

    ns: dict[str, Any] = {}
    body = code(t, "x")
    if body is None:
        return None
    fn: Callable[[Any], Any] = eval(f"lambda x: {body}", ns)  # generated from types only
    return fn


def order_key(t: Type) -> Callable[[Any], Any] | None:
    """A total-order key of the concrete values of ``t`` (None: the values compare as they are):
    sets as their sorted keys, ⊥ of an option before every value."""
    if isinstance(t, SetT):
        f = order_key(t.elem)
        return (lambda v: tuple(sorted(v))) if f is None else (lambda v: tuple(sorted(map(f, v))))
    if isinstance(t, OptionT):
        f = order_key(t.elem)
        return lambda v: (0,) if v is None else (1, v if f is None else f(v))
    if isinstance(t, RecordT):
        fs = [order_key(ft) for _, ft in t.fields]
        if all(f is None for f in fs):
            return None
        return lambda v: tuple(x if f is None else f(x) for f, x in zip(fs, v))
    if isinstance(t, SeqT | MapT):
        f = order_key(t.elem if isinstance(t, SeqT) else t.val)
        return None if f is None else (lambda v: tuple(map(f, v)))
    if isinstance(t, UnionT):
        fs = [order_key(vt) for _, vt in t.variants]
        if all(f is None for f in fs):
            return None
        return lambda v: (v[0], v[1] if fs[v[0]] is None else fs[v[0]](v[1]))  # type: ignore[misc]
    return None


# -- the group ------------------------------------------------------------------------------------


def _block_perms(size: int, blocks: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """Every permutation of ``0..size-1`` that permutes each block and fixes the rest."""
    out = []
    for choice in itertools.product(*(itertools.permutations(b) for b in blocks)):
        p = list(range(size))
        for b, img in zip(blocks, choice):
            for i, j in zip(b, img):
                p[i] = j
        out.append(tuple(p))
    return out


def _generators(size: int, blocks: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """The adjacent transpositions of each block: they generate the block permutations."""
    out = []
    for b in blocks:
        for i, j in itertools.pairwise(b):
            p = list(range(size))
            p[i], p[j] = j, i
            out.append(tuple(p))
    return out


@dataclass
class Symmetry:
    """The symmetry group a machine declares, acting on its states.

    ``elements`` lists every group element (the identity first), ``generators`` a generating
    set; ``canon`` maps a state to its orbit's representative."""

    machine: Machine
    blocks: dict[str, tuple[tuple[int, ...], ...]]
    elements: list[Perm] = field(init=False)
    generators: list[Perm] = field(init=False)

    def __post_init__(self) -> None:
        doms = self.machine.decl.domains
        per_domain = [[(d, p) for p in _block_perms(len(doms[d]), bs)] for d, bs in self.blocks.items()]
        size = 1
        for choices in per_domain:
            size *= len(choices)
        if size > MAX_GROUP:
            raise SymmetryError(
                f"{self.machine.name}: the declared symmetry group has {size:,} elements, more than "
                f"{MAX_GROUP:,} (canonicalisation enumerates them); declare fewer symmetric elements"
            )
        self.elements = [dict(c) for c in itertools.product(*per_domain)]
        ident = {d: tuple(range(len(doms[d]))) for d in self.blocks}
        self.generators = [{**ident, d: g} for d, bs in self.blocks.items() for g in _generators(len(doms[d]), bs)]
        self.names = frozenset(self.blocks)
        keyed = []
        for i, (_, t) in enumerate(self.machine.variables):
            if involves(t, self.names):
                keyed.append((i, compiled_order_key(t)))
        self._keyed = keyed
        # per variable a permutation can change, in key order: for each group element the map
        # of that variable's values (None: unchanged) — ``canon`` prunes the group variable by
        # variable
        self._columns = [
            (i, key, [compiled_value_map(self.machine.variables[i][1], p) for p in self.elements]) for i, key in keyed
        ]
        self._first_images = compiled_images(self.machine.variables[keyed[0][0]][1], self.elements) if keyed else None
        self._layer: Any = None

    def layer(self) -> Any:
        """The explorer's generated layer with ``canon`` applied to each post-state
        (``Compiled.canonical_layer``), generated once per ``Symmetry``."""
        if self._layer is None:
            self._layer = self.machine.compiled().canonical_layer(self.canon)
        return self._layer

    @functools.cached_property
    def _maps(self) -> list[Callable[[State], State]]:
        """The state map of every group element (for orbits and counterexamples: built on first use)."""
        return [self._state_map(p) for p in self.elements]

    @property
    def order(self) -> int:
        """The number of group elements."""
        return len(self.elements)

    def describe(self) -> str:
        """``P (blocks {p1,p2} {p3}), A`` — the declared domains and their blocks."""
        doms = self.machine.decl.domains
        parts = []
        for d, bs in self.blocks.items():
            whole = len(bs) == 1 and len(bs[0]) == len(doms[d])
            if whole:
                parts.append(d)
            else:
                shown = " ".join("{" + ",".join(doms[d].names[i] for i in b) + "}" for b in bs)
                parts.append(f"{d} (within {shown})")
        return ", ".join(parts) + f"; group of {self.order} permutations"

    def _state_map(self, perm: Perm) -> Callable[[State], State]:
        fs = [compiled_value_map(t, perm) for _, t in self.machine.variables]
        if all(f is None for f in fs):
            return lambda s: s
        return lambda s: tuple(x if f is None else f(x) for f, x in zip(fs, s))

    def state_map(self, perm: Perm) -> Callable[[State], State]:
        """The function applying the group element ``perm`` to states."""
        return self._state_map(perm)

    def _key(self, s: State) -> tuple[Any, ...]:
        return tuple(s[i] if f is None else f(s[i]) for i, f in self._keyed)

    def canon(self, s: State) -> State:
        """The orbit's representative: the image of ``s`` least in ``order_key``'s order, comparing
        only the variables a permutation can change, in state order.

        Computed variable by variable: the group elements whose image of the first such variable
        is least are kept, and only they are applied to the next one, and so on; the elements left
        at the end give one and the same image (the key is injective), which is built from the
        values already computed."""
        out = list(s)
        if not self._columns:
            return s
        i, key, _ = self._columns[0]  # the first column: every element's image in one call
        imgs = self._first_images(s[i])
        keys = imgs if key is None else list(map(key, imgs))
        least = min(keys)
        cands = [g for g, k in enumerate(keys) if k == least]
        out[i] = imgs[cands[0]]
        for i, key, maps in self._columns[1:]:
            if len(cands) == 1:
                f = maps[cands[0]]
                out[i] = s[i] if f is None else f(s[i])
                continue
            x = s[i]
            best_k: Any = None
            keep: list[int] = []
            best_v: Any = None
            for g in cands:
                f = maps[g]
                v = x if f is None else f(x)
                k = v if key is None else key(v)
                if best_k is None or k < best_k:
                    best_k, best_v, keep = k, v, [g]
                elif k == best_k:
                    keep.append(g)
            out[i] = best_v
            cands = keep
        return tuple(out)

    def orbit(self, s: State) -> list[State]:
        """The distinct states of ``s``'s orbit, ``s`` first."""
        return list(dict.fromkeys(f(s) for f in self._maps))

    def permutation_to(self, a: State, b: State) -> Callable[[State], State] | None:
        """A group element's state map taking ``a`` to ``b`` (None if they are in two orbits)."""
        for f in self._maps:
            if f(a) == b:
                return f
        return None

    def concretize(
        self,
        succ: Callable[[State], Iterable[tuple[int, State | None]]],
        chain: Sequence[State],
        target: State | None = None,
    ) -> tuple[State, list[tuple[int, State]]]:
        """A real execution ``(start, [(instance, state), ...])`` through the orbits of the
        representatives ``chain`` (a path of the reduced search, start first), ending in
        ``target`` when given (a state of the last representative's orbit). Every step is one
        ``succ`` returns; ``InternalError`` if none fits, which an accepted declaration excludes."""
        m = self.machine
        starts = [s for s in m.start_states if self.canon(s) == chain[0]]
        if not starts:
            raise InternalError(f"symmetry: no start state of {m.name} has representative {chain[0]!r}")
        c = chain[0] if chain[0] in starts else starts[0]
        start, states, steps = c, [c], []
        for rep in chain[1:]:
            step = next(((k, ns) for k, ns in succ(c) if ns is not None and self.canon(ns) == rep), None)
            if step is None:
                raise InternalError(f"symmetry: no step of {m.name} from a state of an orbit reaches the next orbit")
            steps.append(step)
            c = step[1]
            states.append(c)
        if target is None or c == target:
            return start, steps
        f = self.permutation_to(c, target)
        if f is None:
            raise InternalError("symmetry: the target state is not in the last representative's orbit")
        mapped = [f(x) for x in states]
        if mapped[0] not in m.start_states:
            raise InternalError(f"symmetry: a permuted start state is not a start state of {m.name}")
        out = []
        for pre, post in itertools.pairwise(mapped):
            k = next((k for k, ns in succ(pre) if ns == post), None)
            if k is None:
                raise InternalError(f"symmetry: a permuted step is not a step of {m.name}")
            out.append((k, post))
        return mapped[0], out


# -- the check of a declaration on the traced terms ------------------------------------------------

_COMMUTATIVE = frozenset({"and", "or", "eq", "add", "mul", "set_lit", "bag_lit"})
_ASSOCIATIVE = frozenset({"and", "or", "add", "mul"})
"""Nested applications are flattened (a sum over P is a chain of binary additions)."""
_ORDERED = frozenset({"lt", "le"})
_COMMUTING = frozenset(
    {
        *("var", "not", "and", "or", "ite", "eq", "add", "sub", "mul", "field", "record"),
        *("seq_lit", "seq_len", "seq_at", "seq_append", "seq_tail", "seq_remove_at", "seq_concat"),
        *("seq_prefix", "seq_contains", "seq_elems"),
        *("set_lit", "set_member", "set_add", "set_remove", "set_union", "set_inter", "set_diff"),
        *("set_subset", "set_card", "map_get", "map_put"),
        *("bag_lit", "bag_add", "bag_remove", "bag_count", "bag_member", "bag_size"),
        *("union_inj", "union_is", "union_as", "opt_some", "opt_is_some", "opt_get"),
    }
)
"""The operators whose Python meaning (``ioakit.lang.ops``) commutes with a permutation of element
indices (they compare elements only with ``==`` and membership; maps and bags are permuted
position by position); an operator of the term language not listed here (a later addition) is
refused on values of a symmetric domain until it is reviewed and listed. ``lt``, ``le``,
``seq_insort`` and ``set_sorted`` are not listed: they use the order of the elements; nor is
``oracle``: a Python predicate whose meaning nothing here can inspect."""


class _Refused(Exception):
    """A term uses an operator that a permutation does not commute with."""


class _Keys:
    """Structural keys of terms, interned to integers (equal keys: equal terms up to the order of
    commutative arguments), optionally with every constant permuted."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.table: dict[Any, int] = {}
        self._moved: dict[tuple[Type, Any], bool] = {}
        self.gens: list[Perm] = []

    def intern(self, k: Any) -> int:
        return self.table.setdefault(k, len(self.table))

    def moved(self, t: Type, v: Any) -> bool:
        """Whether some generator moves the value ``v`` of ``t``."""
        key = (t, v)
        if key not in self._moved:
            self._moved[key] = any((f := value_map(t, g)) is not None and f(v) != v for g in self.gens)
        return self._moved[key]

    def keys(
        self, roots: Sequence[Term], perm: Perm | None, facts: frozenset[tuple[int, Any]] = frozenset()
    ) -> dict[int, int]:
        """id(term) -> key for every node under ``roots`` (``_Refused`` for an order operator on a
        symmetric domain's values). ``facts``: (key of s, key of i or ("ge", c)) pairs a
        precondition guarantees, ``s.length >= i`` / ``s.length >= c``."""
        memo: dict[int, int] = {}
        flat: dict[int, tuple[int, ...]] = {}
        for u in subterms(roots):
            ch = tuple(memo[id(a)] for a in u.args)
            op = u.op
            if op in _ASSOCIATIVE:
                parts: list[int] = []
                for a in u.args:
                    parts.extend(flat[id(a)] if a.op == op else (memo[id(a)],))
                flat[id(u)] = tuple(sorted(parts))
                memo[id(u)] = self.intern((op, u.type, None, flat[id(u)]))
                continue
            if op == "const":
                f = value_map(u.type, perm) if perm is not None else None
                v = u.data if f is None else f(u.data)
                memo[id(u)] = self.intern(("const", u.type, _hashable(v)))
                continue
            if op not in _COMMUTING and any(involves(a.type, self.names) for a in (u, *u.args)):
                if op in _ORDERED:
                    raise _Refused(f"an order comparison ({op}) of values of {u.args[0].type}")
                if op == "seq_insort":
                    raise _Refused(f"a sorted insertion into {u.type}")
                if op == "set_sorted":
                    raise _Refused(f"sorting a set of {u.args[0].type}")
                raise _Refused(f"the operator {op} (not known to commute with permutations)")
            data = self._data(u, perm, ch, facts)
            if op in _COMMUTATIVE:
                ch = tuple(sorted(ch))
            memo[id(u)] = self.intern((op, u.type, data, ch))
        return memo

    def _data(self, u: Term, perm: Perm | None, ch: tuple[int, ...], facts: frozenset[tuple[int, Any]]) -> Any:
        """The static datum of ``u`` as a key: a default value permuted like constants, or the
        marker ``protected`` for an in-range read (``at`` under a precondition bounding it)."""
        op, d = u.op, u.data
        if op == "seq_at":
            if self.moved(u.type, d):
                if _in_range(u, ch, facts):
                    return "protected"
                return ("default", _permuted(u.type, d, perm))
            return ("default", _hashable(d))
        if op == "map_get":
            mt, default = d
            return (mt, _permuted(mt.val, default, perm))
        if op == "union_as":
            i, default = d
            return (i, _permuted(u.type, default, perm))
        if op == "opt_get":
            return _permuted(u.type, d, perm)
        return _hashable(d)


def _permuted(t: Type, v: Any, perm: Perm | None) -> Any:
    f = value_map(t, perm) if perm is not None else None
    return _hashable(v if f is None else f(v))


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


def _in_range(u: Term, ch: tuple[int, ...], facts: frozenset[tuple[int, Any]]) -> bool:
    """Whether the precondition bounds the index of the read ``u = seq_at(s, i)``: ``i >= 1``
    (by its type or value) and a conjunct ``i <= s.length``, or ``i`` a constant at most a
    constant ``c`` with ``s.length >= c``."""
    s_key, i_key = ch
    i = u.args[1]
    lo = i.data if i.op == "const" else getattr(i.type, "lo", 0)
    if not isinstance(lo, int) or lo < 1:
        return False
    if (s_key, i_key) in facts:
        return True
    return i.op == "const" and any(
        sk == s_key and isinstance(c, tuple) and c[0] == "ge" and c[1] >= i.data for sk, c in facts
    )


def _conjuncts(t: Term) -> list[Term]:
    return list(t.args) if t.op == "and" else [t]


def _facts(keys: _Keys, guard: Term, perm: Perm | None) -> frozenset[tuple[int, Any]]:
    """The length bounds the precondition's conjuncts state: ``i <= s.length`` as (s, i), and
    ``c < s.length`` / ``c <= s.length`` for a constant ``c`` as (s, ("ge", c + 1)) / (s, ("ge", c))."""
    out: set[tuple[int, Any]] = set()
    conj = [c for c in _conjuncts(guard) if c.op in _ORDERED and c.args[1].op == "seq_len"]
    if not conj:
        return frozenset()
    memo = keys.keys(conj, perm)
    for c in conj:
        lhs, rhs = c.args
        s_key = memo[id(rhs.args[0])]
        if lhs.op == "const" and isinstance(lhs.data, int):
            out.add((s_key, ("ge", lhs.data + (1 if c.op == "lt" else 0))))
        elif c.op == "le":
            out.add((s_key, memo[id(lhs)]))
    return frozenset(out)


def _signature(keys: _Keys, m: Machine, a: ActionInstance, perm: Perm | None) -> tuple[Any, ...]:
    """Precondition, effects (identity writes dropped) and bound parameters of ``a`` as keys."""
    roots = [a.guard, *(t for _, t in a.writes), *(t for _, t in a.bound)]
    facts = _facts(keys, a.guard, perm)
    memo = keys.keys(roots, perm, facts)
    writes = tuple((i, memo[id(t)]) for i, t in a.writes if not (t.op == "var" and t.data[0] == i))
    return (memo[id(a.guard)], writes, tuple((i, memo[id(t)]) for i, t in a.bound))


def check_symmetry(m: Machine, sym: Symmetry | None = None) -> Symmetry:
    """The machine's declared symmetry, checked (module docstring); ``SymmetryError`` naming the
    first start state or action instance that distinguishes elements the declaration says are
    interchangeable."""
    blocks = {d: bs for d, bs in m.decl.symmetries.items() if bs}
    if not blocks:
        raise SymmetryError(
            f"{m.name} declares no symmetric domain (Decl.symmetric in its declare: docs/spec-api.md, Symmetry)"
        )
    sym = sym or Symmetry(m, blocks)
    keys = _Keys(sym.names)
    keys.gens = sym.generators
    starts = set(m.start_states)
    for g in sym.generators:
        f = sym.state_map(g)
        if {f(s) for s in m.start_states} != starts:
            raise SymmetryError(
                f"{m.name}: the start states are not symmetric under {_show_perm(m, g)}: the machine "
                f"distinguishes elements declared interchangeable (declare them in separate blocks)"
            )
    index: dict[tuple[str, tuple[Any, ...]], list[int]] = {}
    for k, a in enumerate(m.actions):
        index.setdefault((a.family.name, a.args), []).append(k)
    own: dict[int, tuple[Any, ...]] = {}
    for g in sym.generators:
        for a in m.actions:
            fs = [value_map(t, g) for _, t in a.family.params]
            args = tuple(v if v is None or f is None else f(v) for f, v in zip(fs, a.args))
            try:
                sig = _signature(keys, m, a, g)
            except _Refused as e:
                raise SymmetryError(
                    f"{m.name}: {a.label} uses {e}, which a permutation of {_names(sym)} does not preserve"
                ) from None
            cands = index.get((a.family.name, args), [])
            ok = False
            for j in cands:
                if j not in own:
                    own[j] = _signature(keys, m, m.actions[j], None)
                if own[j] == sig:
                    ok = True
                    break
            if not ok:
                what = m.actions[cands[0]].label if cands else "no instance"
                raise SymmetryError(
                    f"{m.name}: {a.label} with its elements permuted by {_show_perm(m, g)} is not the "
                    f"instance {what} (a constant element, a folded comparison of parameters, an unguarded "
                    f"out-of-range default or a signature restriction distinguishes them)"
                )
    return sym


_CHECKED: weakref.WeakKeyDictionary[Machine, Symmetry] = weakref.WeakKeyDictionary()


def checked_symmetry(m: Machine) -> Symmetry:
    """``check_symmetry(m)``, done once per machine (the machine's actions do not change)."""
    sym = _CHECKED.get(m)
    if sym is None:
        sym = _CHECKED[m] = check_symmetry(m)
    return sym


def term_symmetric(sym: Symmetry, t: Term) -> bool:
    """Whether the predicate ``t`` is unchanged by every generator (then it holds on a whole orbit
    when it holds on its representative)."""
    keys = _Keys(sym.names)
    keys.gens = sym.generators
    try:
        own = keys.keys([t], None)[id(t)]
        return all(keys.keys([t], g)[id(t)] == own for g in sym.generators)
    except _Refused:
        return False


def _names(sym: Symmetry) -> str:
    return ", ".join(sorted(sym.names))


def _show_perm(m: Machine, g: Perm) -> str:
    doms = m.decl.domains
    moved = [f"{doms[d].names[i]}↦{doms[d].names[j]}" for d, p in g.items() for i, j in enumerate(p) if i != j]
    return "(" + " ".join(moved) + ")"
