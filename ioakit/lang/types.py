"""Typed state schemas: the value types of ioakit automata.

Every type has one *concrete* representation, chosen for speed and hashability, so that explored
states are plain immutable tuples that can be interned:

==================  =========================================  =====================================
type                concrete value                             example
==================  =========================================  =====================================
``BoolT``           ``bool``                                   ``True``
``IntT(lo, hi)``    ``int`` in ``[lo, hi]``                    ``next[p] = 1``
``EnumT(D)``        element index ``0..n-1``; ⊥ is ``-1``      ``current-viewid[p] = -1`` (⊥)
``RecordT``         ``tuple`` of field values                  view ``(1, frozenset({0, 1}))``
``SeqT(T, n)``      ``tuple`` of length ``<= n``               ``pending[p] = (0, 1)``
``SetT(T)``         ``frozenset``                              ``created = frozenset({(0, ...)})``
``BagT(T, n)``      ``tuple`` of counts ``<= n``, one per      ``(0, 2, 1)``: no p1, two p2, one p3
                    element of ``T`` in ``T.values()`` order
``MapT(K..., V)``   ``tuple`` over the keys in row-major order ``next[p, g]``
``UnionT(N, vs)``   ``(tag_index, payload)``                   ``(1, (0, frozenset()))``: 2nd tag
``OptionT(T)``      ``None`` (⊥) or a value of ``T``           ``gotstate[p, q] = None``
==================  =========================================  =====================================

⊥ is the *least* element of ``S_⊥`` (Fekete–Lynch–Shvartsman, Sec. 2: "⊥ is less than every
element"), which the index ``-1`` gives for free under integer order.

The same types drive the Z3 encoding (``ioakit.backends.symbolic``), the JSON encoding of traces
(``traces/FORMAT.md``) and the invariant DSL's type checker.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioakit.errors import UserError

BOT_INDEX = -1
"""Concrete representation of ⊥ in an ``EnumT`` with ``bottom=True``."""


class SchemaError(UserError):  # UserError is a ValueError, as before
    """A type or value does not fit the declared schema (a definition-time error)."""


@dataclass(frozen=True)
class Domain:
    """A finite, totally ordered set of named elements (e.g. processors ``P``, view ids ``G``).

    Elements are represented by their index; ``names`` are used for display and JSON.
    """

    name: str
    names: tuple[str, ...]

    @staticmethod
    def numbered(name: str, size: int, prefix: str, start: int = 1) -> Domain:
        """``Domain("P", 3, "p")`` is ``{p1, p2, p3}``; ``start=0`` gives ``g0, g1, ...``."""
        if size < 0:
            raise SchemaError(f"domain {name} needs a non-negative size, got {size}")
        return Domain(name, tuple(f"{prefix}{i}" for i in range(start, start + size)))

    def __len__(self) -> int:
        return len(self.names)

    def index(self, element_name: str) -> int:
        try:
            return self.names.index(element_name)
        except ValueError:
            raise SchemaError(
                f"{element_name!r} is not an element of {self.name} = {{{', '.join(self.names)}}}"
            ) from None


class Type:
    """Base class of value types. Subclasses are frozen dataclasses (hashable, comparable)."""

    finite: bool = True

    def values(self) -> Iterator[Any]:
        """Every concrete value of the type, in a fixed order (finite types only)."""
        raise SchemaError(f"{self} has no finite enumeration")

    def default(self) -> Any:
        raise NotImplementedError

    def check(self, v: Any) -> bool:
        """Whether ``v`` is a well-formed concrete value of this type (bounds included)."""
        raise NotImplementedError

    def show(self, v: Any) -> str:
        raise NotImplementedError

    def to_json(self, v: Any) -> Any:
        raise NotImplementedError

    def from_json(self, j: Any) -> Any:
        raise NotImplementedError

    def cardinality(self) -> int:
        return sum(1 for _ in self.values())


@dataclass(frozen=True)
class BoolT(Type):
    def values(self) -> Iterator[bool]:
        yield from (False, True)

    def default(self) -> bool:
        return False

    def check(self, v: Any) -> bool:
        return isinstance(v, bool)

    def show(self, v: Any) -> str:
        return "true" if v else "false"

    def to_json(self, v: Any) -> Any:
        return bool(v)

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, bool):
            raise SchemaError(f"expected true/false, got {j!r}")
        return j

    def __str__(self) -> str:
        return "Bool"


@dataclass(frozen=True)
class IntT(Type):
    """Bounded integer ``lo..hi`` (``Nat`` in the papers, bounded by the scope)."""

    lo: int
    hi: int

    def values(self) -> Iterator[int]:
        yield from range(self.lo, self.hi + 1)

    def default(self) -> int:
        return max(self.lo, min(0, self.hi))

    def check(self, v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and self.lo <= v <= self.hi

    def show(self, v: Any) -> str:
        return str(v)

    def to_json(self, v: Any) -> Any:
        return int(v)

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, int) or isinstance(j, bool):
            raise SchemaError(f"expected an integer, got {j!r}")
        if not self.lo <= j <= self.hi:
            raise SchemaError(f"{j} is outside {self.lo}..{self.hi}")
        return j

    def __str__(self) -> str:
        return f"Int[{_bound_text(self.lo)}..{_bound_text(self.hi)}]"


@dataclass(frozen=True)
class EnumT(Type):
    """Elements of a finite domain, optionally with ⊥ (``S_⊥``), ordered with ⊥ least."""

    domain: Domain
    bottom: bool = False

    def values(self) -> Iterator[int]:
        if self.bottom:
            yield BOT_INDEX
        yield from range(len(self.domain))

    def default(self) -> int:
        return BOT_INDEX if self.bottom else 0

    def check(self, v: Any) -> bool:
        return (
            isinstance(v, int)
            and not isinstance(v, bool)
            and ((self.bottom and v == BOT_INDEX) or 0 <= v < len(self.domain))
        )

    def show(self, v: Any) -> str:
        return "⊥" if v == BOT_INDEX else self.domain.names[v]

    def to_json(self, v: Any) -> Any:
        return None if v == BOT_INDEX else self.domain.names[v]

    def from_json(self, j: Any) -> Any:
        if j is None:
            if not self.bottom:
                raise SchemaError(f"⊥ (null) is not a value of {self}")
            return BOT_INDEX
        if not isinstance(j, str):
            raise SchemaError(f"expected an element name of {self.domain.name}, got {j!r}")
        return self.domain.index(j)

    def without_bottom(self) -> EnumT:
        return EnumT(self.domain, False)

    def __str__(self) -> str:
        return self.domain.name + ("⊥" if self.bottom else "")


@dataclass(frozen=True)
class RecordT(Type):
    """A record (named tuple) type, e.g. ``views = G × 2^P`` with fields ``id`` and ``set``."""

    name: str
    fields: tuple[tuple[str, Type], ...]

    def field_index(self, fname: str) -> int:
        for i, (n, _) in enumerate(self.fields):
            if n == fname:
                return i
        raise SchemaError(f"record {self.name} has no field {fname!r} (fields: {', '.join(n for n, _ in self.fields)})")

    def field_type(self, fname: str) -> Type:
        return self.fields[self.field_index(fname)][1]

    @property
    def finite(self) -> bool:  # type: ignore[override]
        return all(t.finite for _, t in self.fields)

    def values(self) -> Iterator[tuple[Any, ...]]:
        yield from itertools.product(*(list(t.values()) for _, t in self.fields))

    def default(self) -> tuple[Any, ...]:
        return tuple(t.default() for _, t in self.fields)

    def check(self, v: Any) -> bool:
        return (
            isinstance(v, tuple) and len(v) == len(self.fields) and all(t.check(x) for (_, t), x in zip(self.fields, v))
        )

    def show(self, v: Any) -> str:
        return "⟨" + ", ".join(t.show(x) for (_, t), x in zip(self.fields, v)) + "⟩"

    @property
    def anonymous(self) -> bool:
        """A tuple type ``T1 × T2`` (fields ``_1, _2, ...``): JSON arrays, as ``traces/FORMAT.md`` says."""
        return all(n == f"_{i + 1}" for i, (n, _) in enumerate(self.fields))

    def to_json(self, v: Any) -> Any:
        if self.anonymous:
            return [t.to_json(x) for (_, t), x in zip(self.fields, v)]
        return {n: t.to_json(x) for (n, t), x in zip(self.fields, v)}

    def from_json(self, j: Any) -> Any:
        if isinstance(j, list) and len(j) == len(self.fields):
            return tuple(t.from_json(x) for (_, t), x in zip(self.fields, j))
        if not isinstance(j, dict) or set(j) != {n for n, _ in self.fields}:
            raise SchemaError(
                f"expected a {self.name} object with fields {', '.join(n for n, _ in self.fields)}, got {j!r}"
            )
        return tuple(t.from_json(j[n]) for n, t in self.fields)

    def __str__(self) -> str:
        return self.name


def TupleT(*elems: Type) -> RecordT:
    """An anonymous tuple type ``T1 × T2 × ...`` with fields ``_1, _2, ...``."""
    return RecordT("(" + " × ".join(str(e) for e in elems) + ")", tuple((f"_{i + 1}", e) for i, e in enumerate(elems)))


@dataclass(frozen=True)
class SeqT(Type):
    """Finite sequence over ``elem`` of length at most ``maxlen`` (the scope's bound)."""

    elem: Type
    maxlen: int
    finite: bool = field(default=False, init=False, compare=False)

    def default(self) -> tuple[Any, ...]:
        return ()

    def check(self, v: Any) -> bool:
        return isinstance(v, tuple) and len(v) <= self.maxlen and all(self.elem.check(x) for x in v)

    def show(self, v: Any) -> str:
        return "⟨" + ", ".join(self.elem.show(x) for x in v) + "⟩" if v else "λ"

    def to_json(self, v: Any) -> Any:
        return [self.elem.to_json(x) for x in v]

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, list):
            raise SchemaError(f"expected a list for {self}, got {j!r}")
        if len(j) > self.maxlen:
            raise SchemaError(f"sequence of length {len(j)} exceeds the scope bound {self.maxlen}")
        return tuple(self.elem.from_json(x) for x in j)

    def __str__(self) -> str:
        return f"Seq[{self.elem}; <= {self.maxlen}]"


@dataclass(frozen=True)
class SetT(Type):
    """Finite set (``2^P``, ``created ⊆ views``).

    Over a finite element type the Z3 encoding has one bit per element of ``universe()``. The
    element type may also have no finite enumeration (a record holding a sequence: the FLS
    ``allstate``, a set of summaries): such a set is concrete (a frozenset) and ``universe()`` /
    ``values()`` raise ``SchemaError``; the term language then reads membership and quantifiers
    off the syntax of the set term (``ir.elements``), so neither backend needs the universe.
    """

    elem: Type

    @property
    def finite(self) -> bool:  # type: ignore[override]
        return self.elem.finite

    def _no_universe(self) -> SchemaError:
        return SchemaError(
            f"{self}: the element type {self.elem} has no finite enumeration (it holds a sequence), so the set "
            f"has no universe; use membership and quantifiers over a set built from set literals, add, union, "
            f"ite, setof or union_all (read off the term), and no other set operation in Z3"
        )

    def values(self) -> Iterator[frozenset[Any]]:
        if not self.elem.finite:
            raise self._no_universe()
        els = list(self.elem.values())
        for r in range(len(els) + 1):
            for c in itertools.combinations(els, r):
                yield frozenset(c)

    def universe(self) -> list[Any]:
        """The possible elements, in domain order (the Z3 encoding has one bit per element);
        ``SchemaError`` when the element type has no finite enumeration."""
        if not self.elem.finite:
            raise self._no_universe()
        return list(self.elem.values())

    def max_card(self) -> int:
        """An upper bound of the cardinality: the universe's size, or ``UNBOUNDED_CARD`` without one."""
        return universe_size(self.elem, UNBOUNDED_CARD)

    def default(self) -> frozenset[Any]:
        return frozenset()

    def check(self, v: Any) -> bool:
        return isinstance(v, frozenset) and all(self.elem.check(x) for x in v)

    def sort_key(self, v: frozenset[Any]) -> list[Any]:
        """The elements of ``v`` in a canonical order: universe order, or (without a universe)
        the structural order of ``value_key``."""
        if not self.elem.finite:
            return sorted(v, key=lambda x: value_key(self.elem, x))
        order = {x: i for i, x in enumerate(self.universe())}
        return sorted(v, key=lambda x: order.get(x, -1))

    def show(self, v: Any) -> str:
        return "{" + ", ".join(self.elem.show(x) for x in self.sort_key(v)) + "}"

    def to_json(self, v: Any) -> Any:
        return [self.elem.to_json(x) for x in self.sort_key(v)]

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, list):
            raise SchemaError(f"expected a list for {self}, got {j!r}")
        return frozenset(self.elem.from_json(x) for x in j)

    def __str__(self) -> str:
        return f"Set[{self.elem}]"


@dataclass(frozen=True)
class BagT(Type):
    """Finite multiset over a finite element type, each element at most ``bound`` times (the
    in-flight messages of an unordered channel; ``bound`` comes from the scope).

    The concrete value is a tuple of counts, one per element of ``universe()`` in domain order:
    canonical (equal bags are equal tuples, so equal states are equal) and hashable, and a
    count is a slot read at a known index. The Z3 encoding has one bounded integer per element,
    in the same order. A step that would make a count exceed ``bound`` is cut off by the scope,
    as a sequence growing past its bound is (``check`` is false for it). Removing an element the
    bag does not hold changes nothing (as for a set), in both semantics; action code that must
    not remove from an empty bag says so with ``s.require(s.net.contains(m))``.
    """

    elem: Type
    bound: int

    def universe(self) -> list[Any]:
        """The possible elements, in domain order (one count each). Do not modify the list."""
        return self._universe

    @functools.cached_property
    def _universe(self) -> list[Any]:
        return list(self.elem.values())

    @functools.cached_property
    def _index(self) -> dict[Any, int]:
        return {x: i for i, x in enumerate(self._universe)}

    def index(self, x: Any) -> int:
        """Position of element ``x`` in ``universe()``; -1 if ``x`` is not an element."""
        return self._index.get(x, -1)

    def index_table(self) -> dict[Any, int]:
        """element -> position in ``universe()`` (generated code looks elements up in it)."""
        return self._index

    def values(self) -> Iterator[tuple[int, ...]]:
        yield from itertools.product(range(self.bound + 1), repeat=len(self.universe()))

    def default(self) -> tuple[int, ...]:
        return (0,) * len(self.universe())

    def empty(self) -> tuple[int, ...]:
        return self.default()

    def of(self, elems: Sequence[Any]) -> tuple[int, ...]:
        """The bag holding ``elems`` (with repetitions); elements outside the universe are skipped."""
        counts = [0] * len(self.universe())
        for x in elems:
            i = self.index(x)
            if i >= 0:
                counts[i] += 1
        return tuple(counts)

    def elements(self, v: tuple[int, ...]) -> list[Any]:
        """The elements of ``v`` with repetitions, in domain order."""
        return [x for x, c in zip(self.universe(), v) for _ in range(c)]

    def check(self, v: Any) -> bool:
        return (
            isinstance(v, tuple)
            and len(v) == len(self.universe())
            and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= self.bound for c in v)
        )

    def show(self, v: Any) -> str:
        return "⦃" + ", ".join(self.elem.show(x) for x in self.elements(v)) + "⦄"

    def to_json(self, v: Any) -> Any:
        return [self.elem.to_json(x) for x in self.elements(v)]

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, list):
            raise SchemaError(f"expected a list for {self}, got {j!r}")
        v = self.of([self.elem.from_json(x) for x in j])
        if any(c > self.bound for c in v):
            raise SchemaError(f"a bag element occurs more than the scope bound {self.bound} times")
        return v

    def __str__(self) -> str:
        return f"Bag[{self.elem}; <= {self.bound}]"


@dataclass(frozen=True)
class MapT(Type):
    """Total map from the product of finite key types to ``val`` (``pending[p, g]``, ``f[v]``).

    A key type is any finite type without ⊥ at its top: an enum without ⊥ (the common case:
    its value *is* its position), a record or tuple of finite types (``views = G × 2^P``),
    ``Bool``, an integer range. The concrete tuple holds one value per key tuple, row-major,
    each key at its position in ``key_type.values()``. Looking a key up at a value outside the
    key type (⊥, an integer beyond the range) gives ``val.default()`` and writing there changes
    nothing, in both semantics (FLS never indexes a map at ⊥ in reachable states, but the
    inductive checks visit arbitrary states). A partial map is ``MapT(keys, OptionT(V))``.
    """

    keys: tuple[Type, ...]
    val: Type

    def __post_init__(self) -> None:
        for k in self.keys:
            if (
                not isinstance(k, Type)
                or not k.finite
                or (isinstance(k, EnumT) and k.bottom)
                or isinstance(k, OptionT | SeqT)
            ):
                raise SchemaError(f"map keys must be finite types without ⊥, got {k}")

    @functools.cached_property
    def _universes(self) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(k.values()) for k in self.keys)

    @functools.cached_property
    def _tables(self) -> tuple[dict[Any, int], ...]:
        return tuple({x: i for i, x in enumerate(u)} for u in self._universes)

    def key_universe(self, j: int) -> tuple[Any, ...]:
        """The values of key ``j`` in position order (for an enum key: ``0..n-1``)."""
        return self._universes[j]

    def key_table(self, j: int) -> dict[Any, int]:
        """key ``j``'s value -> its position (generated code looks non-enum keys up in it)."""
        return self._tables[j]

    def key_position(self, j: int, x: Any) -> int:
        """Position of ``x`` among key ``j``'s values; -1 if ``x`` is not one (⊥, out of range)."""
        k = self.keys[j]
        if isinstance(k, EnumT):  # the fast path: an element is its index
            return x if isinstance(x, int) and 0 <= x < len(k.domain) else -1
        return self._tables[j].get(x, -1)

    @property
    def size(self) -> int:
        n = 1
        for u in self._universes:
            n *= len(u)
        return n

    @property
    def finite(self) -> bool:  # type: ignore[override]
        return self.val.finite

    def key_tuples(self) -> list[tuple[Any, ...]]:
        """All keys in row-major order (the order of the concrete tuple)."""
        return list(itertools.product(*self._universes))

    def flat_index(self, key: Sequence[Any]) -> int:
        i = 0
        for j, x in enumerate(key):
            p = self.key_position(j, x)
            if p < 0:
                return -1
            i = i * len(self._universes[j]) + p
        return i

    def values(self) -> Iterator[tuple[Any, ...]]:
        yield from itertools.product(*([list(self.val.values())] * self.size))

    def default(self) -> tuple[Any, ...]:
        return (self.val.default(),) * self.size

    def const(self, v: Any) -> tuple[Any, ...]:
        return (v,) * self.size

    def check(self, v: Any) -> bool:
        return isinstance(v, tuple) and len(v) == self.size and all(self.val.check(x) for x in v)

    def key_name(self, key: Sequence[Any]) -> str:
        return ",".join(k.domain.names[x] if isinstance(k, EnumT) else k.show(x) for k, x in zip(self.keys, key))

    def show(self, v: Any) -> str:
        return "[" + ", ".join(f"{self.key_name(k)}↦{self.val.show(x)}" for k, x in zip(self.key_tuples(), v)) + "]"

    def to_json(self, v: Any) -> Any:
        return {self.key_name(k): self.val.to_json(x) for k, x in zip(self.key_tuples(), v)}

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, dict):
            raise SchemaError(f"expected an object for {self}, got {j!r}")
        names = [self.key_name(k) for k in self.key_tuples()]
        if set(j) != set(names):
            missing = sorted(set(names) - set(j))
            extra = sorted(set(j) - set(names))
            raise SchemaError(f"map keys do not match {self}: missing {missing}, unexpected {extra}")
        return tuple(self.val.from_json(j[n]) for n in names)

    def __str__(self) -> str:
        return f"Map[{' × '.join(str(k) for k in self.keys)} → {self.val}]"


# -- tagged unions and options ------------------------------------------------------------------


@dataclass(frozen=True)
class UnionT(Type):
    """A tagged union (disjoint sum) ``msg(L × A) | summary(Summary)``: one of the variants,
    with the payload of that variant's type.

    The concrete value is ``(tag_index, payload)``, tags numbered in declaration order; the
    default is the first variant with its type's default payload. Symbolically it is a tag
    integer plus one payload structure per variant, of which only the tag's is meaningful
    (``ioakit.backends.symbolic.SymUnion``).
    """

    name: str
    variants: tuple[tuple[str, Type], ...]

    def __post_init__(self) -> None:
        tags = [n for n, _ in self.variants]
        if not tags:
            raise SchemaError(f"union {self.name} needs at least one variant")
        if len(set(tags)) != len(tags):
            raise SchemaError(f"union {self.name} names a variant twice: {', '.join(tags)}")
        for n, t in self.variants:
            if not isinstance(n, str) or not isinstance(t, Type):
                raise SchemaError(f"union {self.name}: variants are (name, Type) pairs, got {(n, t)!r}")

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.variants)

    def tag_index(self, tag: str) -> int:
        for i, (n, _) in enumerate(self.variants):
            if n == tag:
                return i
        raise SchemaError(f"union {self.name} has no variant {tag!r} (variants: {', '.join(self.tags)})")

    def variant_type(self, tag: str) -> Type:
        return self.variants[self.tag_index(tag)][1]

    @property
    def finite(self) -> bool:  # type: ignore[override]
        return all(t.finite for _, t in self.variants)

    def values(self) -> Iterator[tuple[int, Any]]:
        for i, (_, t) in enumerate(self.variants):
            for v in t.values():
                yield (i, v)

    def cardinality(self) -> int:
        return sum(t.cardinality() for _, t in self.variants)

    def default(self) -> tuple[int, Any]:
        return (0, self.variants[0][1].default())

    def check(self, v: Any) -> bool:
        return (
            isinstance(v, tuple)
            and len(v) == 2
            and isinstance(v[0], int)
            and not isinstance(v[0], bool)
            and 0 <= v[0] < len(self.variants)
            and self.variants[v[0]][1].check(v[1])
        )

    def show(self, v: Any) -> str:
        tag, t = self.variants[v[0]]
        return f"{tag}({t.show(v[1])})"

    def to_json(self, v: Any) -> Any:
        tag, t = self.variants[v[0]]
        return {tag: t.to_json(v[1])}

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, dict) or len(j) != 1:
            raise SchemaError(
                f"expected a {self.name} object with exactly one of the keys {', '.join(self.tags)}, got {j!r}"
            )
        ((tag, payload),) = j.items()
        i = self.tag_index(tag)
        return (i, self.variants[i][1].from_json(payload))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class OptionT(Type):
    """⊥ or a value of ``elem`` (``S_⊥`` for any ``S``; FLS's ``gotstate[p][q] ∈ summaries_⊥``).

    The concrete value is ``None`` (⊥) or the element's own value, so an option costs nothing
    in the explored states; JSON ``null`` or the element's JSON. ``elem`` may not itself have a
    ⊥ (an option of an option, or of ``D⊥``: write ``EnumT(D, bottom=True)`` for ``D⊥``), so
    that ⊥ means one thing. Options are not ordered; they compare with ``==``.
    """

    elem: Type

    def __post_init__(self) -> None:
        if not isinstance(self.elem, Type):
            raise SchemaError(f"OptionT needs a Type, got {self.elem!r}")
        if isinstance(self.elem, OptionT) or (isinstance(self.elem, EnumT) and self.elem.bottom):
            raise SchemaError(f"an option of {self.elem} would have two ⊥s (use EnumT(D, bottom=True) for D⊥)")

    @property
    def finite(self) -> bool:  # type: ignore[override]
        return self.elem.finite

    def values(self) -> Iterator[Any]:
        yield None
        yield from self.elem.values()

    def cardinality(self) -> int:
        return 1 + self.elem.cardinality()

    def default(self) -> Any:
        return None

    def check(self, v: Any) -> bool:
        return v is None or self.elem.check(v)

    def show(self, v: Any) -> str:
        return "⊥" if v is None else self.elem.show(v)

    def to_json(self, v: Any) -> Any:
        return None if v is None else self.elem.to_json(v)

    def from_json(self, j: Any) -> Any:
        return None if j is None else self.elem.from_json(j)

    def __str__(self) -> str:
        return f"Option[{self.elem}]"


def same_shape(a: Type, b: Type) -> bool:
    """Whether values of ``a`` and ``b`` may be compared (same type up to ⊥ and integer bounds)."""
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return a.domain == b.domain
    if isinstance(a, IntT) and isinstance(b, IntT):
        return True
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        return len(a.fields) == len(b.fields) and all(
            na == nb and same_shape(ta, tb) for (na, ta), (nb, tb) in zip(a.fields, b.fields)
        )
    if isinstance(a, SeqT) and isinstance(b, SeqT):
        return same_shape(a.elem, b.elem)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return same_shape(a.elem, b.elem)
    if isinstance(a, BagT) and isinstance(b, BagT):
        return a.elem == b.elem  # one universe: the counts line up
    if isinstance(a, MapT) and isinstance(b, MapT):
        return a.keys == b.keys and same_shape(a.val, b.val)
    if isinstance(a, UnionT) and isinstance(b, UnionT):
        return a.tags == b.tags and all(same_shape(ta, tb) for (_, ta), (_, tb) in zip(a.variants, b.variants))
    if isinstance(a, OptionT) and isinstance(b, OptionT):
        return same_shape(a.elem, b.elem)
    return type(a) is type(b)


def contained(a: Type, b: Type) -> bool:
    """Whether every value of ``a`` is a value of ``b`` (statically: no bound check is needed when
    a value of type ``a`` is stored where ``b`` is declared)."""
    if a == b:
        return True
    if isinstance(a, IntT) and isinstance(b, IntT):
        return b.lo <= a.lo and a.hi <= b.hi
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return a.domain == b.domain and (b.bottom or not a.bottom)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return contained(a.elem, b.elem)
    if isinstance(a, SeqT) and isinstance(b, SeqT):
        return a.maxlen <= b.maxlen and contained(a.elem, b.elem)
    if isinstance(a, RecordT) and isinstance(b, RecordT) and same_shape(a, b):
        return all(contained(ta, tb) for (_, ta), (_, tb) in zip(a.fields, b.fields))
    if isinstance(a, MapT) and isinstance(b, MapT) and a.keys == b.keys:
        return contained(a.val, b.val)
    if isinstance(a, BagT) and isinstance(b, BagT):
        return a.bound <= b.bound and contained(a.elem, b.elem)
    if isinstance(a, UnionT) and isinstance(b, UnionT) and same_shape(a, b):
        return all(contained(ta, tb) for (_, ta), (_, tb) in zip(a.variants, b.variants))
    if isinstance(a, OptionT) and isinstance(b, OptionT):
        return contained(a.elem, b.elem)
    return False


def join(a: Type, b: Type) -> Type:
    """The least type holding values of both (for ``ite`` branches, sequence literals, ...)."""
    if isinstance(a, EnumT) and isinstance(b, EnumT) and a.domain == b.domain:
        return EnumT(a.domain, a.bottom or b.bottom)
    if isinstance(a, IntT) and isinstance(b, IntT):
        return IntT(min(a.lo, b.lo), max(a.hi, b.hi))
    if isinstance(a, SeqT) and isinstance(b, SeqT):
        return SeqT(join(a.elem, b.elem), max(a.maxlen, b.maxlen))
    if isinstance(a, RecordT) and isinstance(b, RecordT) and same_shape(a, b):
        return RecordT(a.name, tuple((n, join(ta, tb)) for (n, ta), (_, tb) in zip(a.fields, b.fields)))
    if isinstance(a, SetT) and isinstance(b, SetT) and same_shape(a, b):
        return SetT(join(a.elem, b.elem))
    if isinstance(a, BagT) and isinstance(b, BagT) and same_shape(a, b):
        return BagT(a.elem, max(a.bound, b.bound))
    if isinstance(a, UnionT) and isinstance(b, UnionT) and same_shape(a, b):
        return UnionT(a.name, tuple((n, join(ta, tb)) for (n, ta), (_, tb) in zip(a.variants, b.variants)))
    if isinstance(a, OptionT) and isinstance(b, OptionT) and same_shape(a, b):
        return OptionT(join(a.elem, b.elem))
    if a == b:
        return a
    raise SchemaError(f"incompatible types {a} and {b}")


# -- orders and sizes (record order, sorted sets, sets without a universe) ------------------------

UNBOUNDED_CARD = 2**31 - 1
"""Cardinality bound of a set whose element type has no finite enumeration (``SetT.max_card``)."""


def _bound_text(v: int) -> str:
    """An integer bound for a type's name: a huge one (a folded product of literals) by its
    length, since Python refuses to format an int of more than 4,300 digits and the type rules
    format their messages eagerly."""
    if abs(v) < 10**30:
        return str(v)
    return f"{'-' if v < 0 else ''}<{int(abs(v).bit_length() * 0.30103) + 1:,}-digit number>"


def universe_size(t: Type, cap: int) -> int:
    """The number of values of ``t``, saturating at ``cap`` (``cap`` when ``t`` is not finite);
    never enumerates a product."""
    if not t.finite:
        return cap
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT):
        return min(max(t.hi - t.lo + 1, 0), cap)
    if isinstance(t, EnumT):
        return min(len(t.domain) + (1 if t.bottom else 0), cap)
    if isinstance(t, RecordT):
        n = 1
        for _, ft in t.fields:
            n = min(n * universe_size(ft, cap), cap)
        return n
    if isinstance(t, SetT):
        e = universe_size(t.elem, cap)
        return cap if e >= cap.bit_length() else min(2**e, cap)
    if isinstance(t, BagT):
        e = universe_size(t.elem, cap)
        return cap if e >= cap.bit_length() else min((t.bound + 1) ** e, cap)
    if isinstance(t, MapT):
        v = universe_size(t.val, cap)
        n = 1
        for _ in range(t.size):
            n = min(n * v, cap)
            if n >= cap:
                break
        return n
    return cap


def unordered_part(t: Type, path: str = "") -> str | None:
    """``None`` when ``t`` is ordered — integers, enums (⊥ least), Bool (false < true) as a
    field, records and tuples of ordered fields (lexicographic by field order) — else a
    description of the first unordered part (``"field ord: Seq[L; <= 2]"``)."""
    if isinstance(t, IntT | EnumT) or (isinstance(t, BoolT) and path):
        return None
    if isinstance(t, RecordT):
        for n, ft in t.fields:
            label = f"component {n[1:]}" if t.anonymous else f"field {n}"
            bad = unordered_part(ft, f"{path}{label} of {t.name}: ")
            if bad is not None:
                return bad
        return None
    return f"{path}{t}" if path else str(t)


def value_key(t: Type, v: Any) -> Any:
    """A sort key of the concrete value ``v`` of ``t``, consistent across values of one type
    (the canonical order of sets without a universe, for display and JSON)."""
    if isinstance(t, RecordT):
        return tuple(value_key(ft, x) for (_, ft), x in zip(t.fields, v))
    if isinstance(t, SeqT):
        return tuple(value_key(t.elem, x) for x in v)
    if isinstance(t, SetT):
        return tuple(sorted(value_key(t.elem, x) for x in v))
    if isinstance(t, MapT):
        return tuple(value_key(t.val, x) for x in v)
    return v
