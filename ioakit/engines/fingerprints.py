"""The fingerprint seen-set of ``Explorer.run`` (``--store fingerprint``; ``ioakit.engines.store``
says how the stores plug into the one explorer): 64-bit fingerprints of the reached states and
their parents' indices in numpy arrays, with the bound on the probability of a collision and
what it assumes."""

from __future__ import annotations

import dataclasses
import operator
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.store import Expansion, Layer, State, Successors
from ioakit.errors import InternalError, UserError
from ioakit.lang.types import IntT, Type


class FingerprintHazardError(UserError):
    """The machine's states hold values that Python's ``hash`` equates by construction
    (``hash_hazards``): fingerprints would merge distinct states with certainty, not by chance."""


class FingerprintCollisionError(InternalError):
    """Two distinct states were found to share a fingerprint (when a counterexample was rebuilt):
    the run that used them is not sound, and no counterexample is printed. Exit status 4, as an
    internal error: not a verdict."""


_EMPTY = np.uint32(0xFFFFFFFF)
"""A free slot of the fingerprint table, and the parent index of a start state."""
_MAX_STATES = 0xFFFFFFFF - 1
"""Indices are 32-bit: the fingerprint store holds at most this many states."""
_MIX = np.uint64(0x9E3779B97F4A7C15)
"""Fibonacci hashing: a fingerprint times this odd constant, top bits, is its table slot."""
_MIN_BITS = 12


def hash_hazards(variables: Sequence[tuple[str, Type]]) -> list[str]:
    """The state variables whose values Python's ``hash`` maps together *by construction*: an
    integer range holding both -1 and -2 (``hash(-1) == hash(-2)``), or wider than 2**61-1 (an int
    hashes to itself modulo that prime), anywhere inside the variable's type. States differing only
    there would always share a fingerprint, which the birthday bound does not cover, so the
    fingerprint store refuses such machines."""
    out = []

    def bad(t: Any, where: str) -> None:
        if isinstance(t, IntT):
            if t.lo <= -2 and t.hi >= -1:
                out.append(f"{where}: the range {t.lo}..{t.hi} holds -1 and -2, whose hashes are equal")
            elif t.hi - t.lo >= 2**61 - 1:
                out.append(f"{where}: the range {t.lo}..{t.hi} is wider than 2**61-1, the modulus of int hashes")
        elif isinstance(t, Type) and dataclasses.is_dataclass(t):
            for f in dataclasses.fields(t):
                for u in _types_in(getattr(t, f.name)):
                    bad(u, where)

    for name, t in variables:
        bad(t, name)
    return out


def _types_in(v: Any) -> Iterator[Type]:
    """The types directly inside a field of a type (a type, or tuples of types and names)."""
    if isinstance(v, Type):
        yield v
    elif isinstance(v, tuple):
        for x in v:
            yield from _types_in(x)


def fingerprint(s: State) -> int:
    """A state's 64-bit fingerprint: Python's ``hash`` of the state tuple as an unsigned integer
    (``collision_bound`` says what this assumes)."""
    return hash(s) & 0xFFFFFFFFFFFFFFFF


def _fingerprints(states: Iterable[State], count: int) -> np.ndarray:
    """The fingerprints of ``count`` states, computed at C speed (``map(hash, ...)``)."""
    return np.fromiter(map(hash, states), dtype=np.int64, count=count).view(np.uint64)


class FingerprintStore:
    """64-bit fingerprints of the reached states, in breadth-first order, with each state's parent
    index (``_parent``: 4 bytes) beside its fingerprint (``_fps``: 8 bytes), and an open-addressing
    table (linear probing, load at most one half) of indices into them: 4 bytes a slot, so 8-16
    bytes a state. Lookups and insertions are vectorised over a whole chunk's post-states.

    A counterexample is rebuilt by walking parent indices back to a start state, then replaying
    forward from it, at each step choosing the first successor whose fingerprint is the next one
    on the chain: the same shortest length as the exact store's, and the same execution unless
    fingerprints collide (a replay that does not end in the wanted state is reported as a
    detected collision, never returned)."""

    name = "fingerprint"
    keeps_states = False

    def __init__(self, variables: Sequence[tuple[str, Type]] = ()) -> None:
        """A store for states of ``variables`` (a machine's), refused when Python's hash equates
        some of their values by construction (``hash_hazards``)."""
        hazards = hash_hazards(variables)
        if hazards:
            raise FingerprintHazardError(
                "the fingerprint store cannot be used for this machine: " + "; ".join(hazards) + " (use --store exact)"
            )
        self._n = 0
        self._fps = np.zeros(1 << _MIN_BITS, dtype=np.uint64)
        self._parent = np.zeros(1 << _MIN_BITS, dtype=np.uint32)
        self._bits = _MIN_BITS + 1
        self._table = np.full(1 << self._bits, _EMPTY, dtype=np.uint32)
        self._starts: list[State] = []
        """The start states stored (few): where a counterexample's replay begins."""

    def __len__(self) -> int:
        return self._n

    def nbytes(self) -> int:
        """The bytes the store's arrays hold (allocated, not only used)."""
        return self._fps.nbytes + self._parent.nbytes + self._table.nbytes

    # -- the keys -------------------------------------------------------------------------------
    def _keys(self, states: Sequence[State], count: int) -> np.ndarray:
        """The keys of ``count`` states: their fingerprints."""
        return _fingerprints(states, count)

    def _key(self, s: State) -> int:
        return int(self._keys([s], 1)[0])

    # -- the table ------------------------------------------------------------------------------
    def _slots(self, fps: np.ndarray) -> np.ndarray:
        return ((fps * _MIX) >> np.uint64(64 - self._bits)).astype(np.int64)

    def _find(self, fps: np.ndarray) -> np.ndarray:
        """The index of each fingerprint in the store, or -1 where it is not stored."""
        out = np.full(len(fps), -1, dtype=np.int64)
        pending = np.arange(len(fps))
        slot = self._slots(fps)
        table, mask = self._table, (1 << self._bits) - 1
        while pending.size:
            cur = table[slot]
            free = cur == _EMPTY
            hit = np.zeros(len(pending), dtype=bool)
            occ = ~free
            hit[occ] = self._fps[cur[occ]] == fps[pending[occ]]
            out[pending[hit]] = cur[hit]
            go_on = occ & ~hit
            pending, slot = pending[go_on], (slot[go_on] + 1) & mask
        return out

    def _place(self, first: int, count: int) -> None:
        """Enter the stored states ``first .. first+count-1`` (fingerprints not in the table yet,
        pairwise distinct) into the table."""
        table, mask = self._table, (1 << self._bits) - 1
        pending = np.arange(first, first + count, dtype=np.int64)
        slot = self._slots(self._fps[first : first + count])
        while pending.size:
            cur = table[slot]
            occ = cur != _EMPTY
            slot[occ] = (slot[occ] + 1) & mask
            free = np.nonzero(~occ)[0]
            # several may want one free slot: the first of each slot takes it, the others look again
            _, winners = np.unique(slot[free], return_index=True)
            won = free[winners]
            table[slot[won]] = pending[won]
            keep = np.ones(len(pending), dtype=bool)
            keep[won] = False
            pending, slot = pending[keep], slot[keep]

    def _reserve(self, extra: int) -> None:
        """Room for ``extra`` more states: arrays grown in place (``resize``), the table doubled
        and rebuilt while it would be more than half full."""
        need = self._n + extra
        if need > _MAX_STATES:
            raise InternalError(f"the fingerprint store holds at most {_MAX_STATES:,} states")
        if need > len(self._fps):
            size = max(need, len(self._fps) + len(self._fps) // 2)
            self._fps.resize(size, refcheck=False)
            self._parent.resize(size, refcheck=False)
        if 2 * need > (1 << self._bits):
            while 2 * need > (1 << self._bits):
                self._bits += 1
            self._table = np.full(1 << self._bits, _EMPTY, dtype=np.uint32)
            self._place(0, self._n)

    def _append(self, fps: np.ndarray, parents: np.ndarray) -> None:
        """Store new states (distinct fingerprints, none stored yet), in breadth-first order."""
        m = len(fps)
        self._reserve(m)
        n = self._n
        self._fps[n : n + m] = fps
        self._parent[n : n + m] = parents
        self._n = n + m
        self._place(n, m)

    # -- the explorer's interface ----------------------------------------------------------------
    def add_starts(self, starts: Iterable[State], cap: int) -> tuple[list[State], bool]:
        distinct = list(dict.fromkeys(starts))
        fps = self._keys(distinct, len(distinct))
        _, first = np.unique(fps, return_index=True)  # colliding start states: the first one stands
        keep = np.sort(first)
        capped = len(keep) > cap
        keep = keep[:cap]
        self._append(fps[keep], np.full(len(keep), _EMPTY, dtype=np.uint32))
        self._starts = [distinct[i] for i in keep.tolist()]
        return list(self._starts), capped

    def expand(self, layer: Layer, chunk: Sequence[State], new: list[State], cap: int) -> Expansion:
        batch: dict[State, State] = {}
        try:
            nt, nb, nd, fb, _ = layer(chunk, batch, [], sys.maxsize)
        except KeyboardInterrupt:  # keep what the chunk found, as the exact store does
            self._keep(batch, new, cap)
            raise
        return nt, nb, nd, fb, self._keep(batch, new, cap)

    def _keep(self, batch: dict[State, State], new: list[State], cap: int) -> bool:
        """Store the states of ``batch`` (post-state -> the parent it was first reached from, in
        discovery order) whose fingerprints are not stored yet, at most up to ``cap`` states in
        all, and append them to ``new``; return whether some were dropped for the cap."""
        if not batch:
            return False
        posts = list(batch)
        fps = self._keys(posts, len(posts))
        # distinct states of the chunk with one fingerprint (a collision): the first one stands
        _, first = np.unique(fps, return_index=True)
        fresh = np.zeros(len(posts), dtype=bool)
        fresh[first] = True
        fresh &= self._find(fps) < 0
        picked = np.nonzero(fresh)[0]
        room = max(cap - self._n, 0)
        capped = len(picked) > room
        picked = picked[:room]
        if not len(picked):
            return capped
        chosen = [posts[i] for i in picked.tolist()]
        parents = self._find(self._keys([batch[c] for c in chosen], len(chosen)))
        if (parents < 0).any():
            raise InternalError("a frontier state's fingerprint is missing from the fingerprint store")
        self._append(fps[picked], parents.astype(np.uint32))
        new.extend(chosen)
        return capped

    def states(self) -> Iterator[State]:
        raise InternalError("the fingerprint store does not keep the reached states")

    def path(self, t: State, succ: Successors) -> tuple[State, list[tuple[int, State]]]:
        (i,) = self._find(self._keys([t], 1)).tolist()
        if i < 0:
            raise InternalError("a reached state's fingerprint is missing from the fingerprint store")
        chain = [i]
        while (p := int(self._parent[chain[-1]])) != int(_EMPTY):
            chain.append(p)
        chain.reverse()
        fps = self._fps
        want = int(fps[chain[0]])
        state = next((s0 for s0 in self._starts if self._key(s0) == want), None)
        if state is None:
            raise InternalError("no start state has the fingerprint at the root of a counterexample")
        start, steps = state, []
        for j in chain[1:]:
            want = int(fps[j])
            step = next(((k, ns) for k, ns in succ(state) if ns is not OUT_OF_BOUNDS and self._key(ns) == want), None)
            if step is None:
                raise InternalError("no successor has the next fingerprint of a counterexample")
            steps.append(step)
            state = step[1]
        if state != t:
            raise FingerprintCollisionError(
                "fingerprint collision detected while rebuilding a counterexample (two distinct states share a "
                "fingerprint): this run is not sound; run it again with the exact store (--store exact)"
            )
        return start, steps

    def collision_bound(self) -> float | None:
        return collision_bound(self._n)


class _Interner(dict[Any, int]):
    """Values of one state variable numbered 0, 1, 2, ... in the order first met."""

    def __missing__(self, v: Any) -> int:
        i = self[v] = len(self)
        return i


class CompactOverflowError(UserError):
    """The compact store's key (one 64-bit word) cannot hold the states' interned values."""


class CompactStore(FingerprintStore):
    """Exact, in the fingerprint store's arrays: a state's key is the number of each variable's
    value (``_Interner``, one per variable) packed into one 64-bit word, variable 0 in the lowest
    bits — an injective encoding, so no two states share a key and no collision bound applies.

    A variable's field is as wide as its values so far need; when a new value outgrows it, the
    stored keys are re-packed (the fields above shifted, in place) and the table rebuilt. If the
    fields together would need more than 64 bits the run stops with ``CompactOverflowError``
    (exit 2: use the exact or the fingerprint store). The interning tables cost one dict entry per
    distinct value of a variable (at the README's TO scope 9,331 queues, the largest), far fewer
    than the states; the key needs 35 bits there, 42 at the VS scope, but 88 for VStoTO-system
    already at its default scope, which the compact store therefore refuses.
    """

    name = "compact"

    def __init__(self, variables: Sequence[tuple[str, Type]]) -> None:
        super().__init__()  # no hash is involved: nothing to refuse
        self._names = [n for n, _ in variables]
        self._interners = [_Interner() for _ in variables]
        self._widths = [0] * len(variables)

    def _keys(self, states: Sequence[State], count: int) -> np.ndarray:
        cols = [
            np.fromiter(map(it.__getitem__, map(operator.itemgetter(i), states)), dtype=np.uint64, count=count)
            for i, it in enumerate(self._interners)
        ]
        for i, it in enumerate(self._interners):
            need = (len(it) - 1).bit_length()
            if need > self._widths[i]:
                self._widen(i, need)
        key = np.zeros(count, dtype=np.uint64)
        shift = 0
        for col, w in zip(cols, self._widths):
            if w:
                key |= col << np.uint64(shift)
            shift += w
        return key

    def _widen(self, i: int, need: int) -> None:
        """Make field ``i`` ``need`` bits wide: re-pack the stored keys and rebuild the table (at
        most once per bit of the final key, mostly while few states are stored)."""
        others = sum(self._widths) - self._widths[i]
        if others + need > 64:
            used = ", ".join(f"{n} {w}" for n, w in zip(self._names, self._widths) if w)
            raise CompactOverflowError(
                f"the compact store packs a state's interned values into 64 bits, and {self._names[i]} now needs "
                f"{need} bits beside the others' {others} ({used}): use --store exact or --store fingerprint"
            )
        new = need  # no headroom: a field's spare bits could be what a later field lacks
        low = sum(self._widths[: i + 1])  # the bits of fields 0..i, unchanged
        delta = new - self._widths[i]
        self._widths[i] = new
        if not self._n or not any(self._widths[i + 1 :]):
            return  # nothing stored, or no field above the widened one: the keys are unchanged
        keys = self._fps[: self._n]  # fields above exist, so low + delta < 64
        above = (keys >> np.uint64(low)) << np.uint64(low + delta)
        keys &= np.uint64((1 << low) - 1)
        keys |= above
        self._table.fill(_EMPTY)
        self._place(0, self._n)

    def collision_bound(self) -> float | None:
        return None


def collision_bound(n: int) -> float:
    """``n(n-1)/2 · 2**-64``: the probability that some two of ``n`` states share a fingerprint,
    *if* the fingerprints of distinct states were independent and uniform 64-bit values (the
    birthday bound).

    What that assumes: the fingerprint is CPython's ``hash`` of the state tuple (64 bits on a
    64-bit build), an xxHash-style mix of its elements' hashes with no final avalanche; it is
    built for hash tables, not as a fingerprint, and nothing guarantees it behaves as a random
    function on the reachable states. Equal hashes for distinct values are built into it: an
    ``int`` hashes to itself modulo 2**61-1, so ``hash(-1) == hash(-2)`` (the store refuses a
    machine whose types admit such pairs: ``hash_hazards``); a frozenset's hash XORs a fixed
    non-cryptographic shuffle of its elements' hashes; strings are hashed with SipHash under a
    per-process random key (``PYTHONHASHSEED``). The shipped machines' states are tuples of small
    ints (enum indices, -1 for ⊥, bounded counters), nested tuples and frozensets of them. The
    bound is therefore a heuristic (as is TLC's, which reports the same birthday figure for its
    fingerprints), not a proof, which is why the exact store stays the default."""
    return n * (n - 1) / 2 / 2.0**sys.hash_info.width  # 64 on a 64-bit build
