"""The explorer's seen-set: which states were reached, and each one's breadth-first parent.

``Explorer.run`` is one breadth-first search whose seen-set is pluggable (``make_store``):

* ``CompactStore`` (``ioakit.engines.fingerprints``) is exact in the same arrays: the key is each
  variable's value numbered (interned) and the numbers packed into one 64-bit word, so no
  collision bound applies; a machine whose states need more than 64 bits is refused.
* ``ExactStore`` (the default) keeps every reached state as a Python tuple in a dict mapping it to
  its parent state; the generated ``layer`` looks post-states up in it directly. Exact, but about
  200 bytes per state for the FLS machines (dict slot, tuple and its changed components).
* ``FingerprintStore`` (``ioakit.engines.fingerprints``) keeps, per reached state, only a 64-bit
  *fingerprint* (Python's ``hash`` of the state tuple) and the breadth-first index of its parent,
  in numpy arrays, with an open-addressing table of indices for membership: 16-28 bytes per
  state. The full states exist only transiently (the frontier of the level being expanded and
  the next one). Two distinct states with the same fingerprint are taken for one, so a state (and
  what only it leads to) can be missed: a verdict of OK is then *up to fingerprint collisions*,
  and the report says so with ``collision_bound`` (``fingerprints.collision_bound`` says what the
  bound assumes).

Both expand a chunk of the frontier with the same generated ``layer``: the fingerprint store hands
it a fresh dict per chunk (the chunk's distinct post-states and the parent each was first reached
from, in discovery order), then keeps, in that order, those whose fingerprints it had not stored:
the same new states, in the same breadth-first order, with the same parents, as the exact store
finds (unless fingerprints collide). Fixed-size keys are also what a partitioned seen-set needs
for cheap exchange between worker processes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

State = tuple[Any, ...]
Layer = Callable[[Sequence[State], Any, list[State], int], tuple[int, int, int, int, int]]
Successors = Callable[[State], Iterable[tuple[int, Any]]]
Expansion = tuple[int, int, int, int, bool]
"""``(transitions, bound_hits, deadlocks, first_cut_instance or -1, capped)`` of one chunk."""

STORES = ("exact", "fingerprint", "compact")
"""The seen-set kinds ``Explorer.store`` and ``--store`` accept."""


class SeenStore(Protocol):
    """What ``Explorer.run`` needs of a seen-set (see the module docstring)."""

    name: str
    keeps_states: bool
    """True when ``states()`` can list the reached states after the search (the exact store);
    otherwise step properties are judged level by level during the search."""

    def __len__(self) -> int: ...

    def add_starts(self, starts: Iterable[State], cap: int) -> tuple[list[State], bool]:
        """Store the distinct start states (at most ``cap``); return them in order, and whether
        some were dropped for the cap."""
        ...

    def expand(self, layer: Layer, chunk: Sequence[State], new: list[State], cap: int) -> Expansion:
        """Take every step out of ``chunk``; append the states reached for the first time to
        ``new`` in breadth-first order, keeping exactly the first ``cap`` states in all. Returns
        ``(transitions, bound_hits, deadlocks, first_cut_instance or -1, capped)``."""
        ...

    def states(self) -> Iterable[State]:
        """Every reached state in breadth-first order (only when ``keeps_states``)."""
        ...

    def path(self, t: State, succ: Successors) -> tuple[State, list[tuple[int, State]]]:
        """A shortest execution to the reached state ``t``: its start state and its steps."""
        ...

    def collision_bound(self) -> float | None:
        """An upper bound on the probability that two reached states were taken for one (None: exact)."""
        ...


def parent_chain(parent: Callable[[State], State | None], t: State) -> list[State]:
    """The breadth-first ancestors of ``t``, from its start state to ``t``."""
    chain = [t]
    while (u := parent(chain[-1])) is not None:
        chain.append(u)
    chain.reverse()
    return chain


def steps_of(chain: Sequence[State], succ: Successors) -> tuple[State, list[tuple[int, State]]]:
    """A chain of states each a successor of the one before, as (start state, steps): each step
    taken by the first instance leading from the one state to the next."""
    steps = []
    for pre, post in itertools.pairwise(chain):
        k = next(k for k, ns in succ(pre) if ns == post)
        steps.append((k, post))
    return chain[0], steps


def make_store(kind: str, variables: Sequence[tuple[str, Any]] = ()) -> SeenStore:
    """The seen-set named ``kind`` (one of ``STORES``) for states of ``variables`` (a machine's
    ``(name, type)`` pairs: the fingerprint store refuses types whose values Python's hash equates)."""
    if kind == "exact":
        return ExactStore()
    if kind == "fingerprint":
        from ioakit.engines.fingerprints import FingerprintStore  # numpy, imported only when used

        return FingerprintStore(variables)
    if kind == "compact":
        from ioakit.engines.fingerprints import CompactStore

        return CompactStore(variables)
    raise ValueError(f"unknown store {kind!r}: one of {', '.join(STORES)}")


class ExactStore:
    """Every reached state mapped to its breadth-first parent (None for start states); the dict's
    insertion order is the breadth-first order, so no other state table is kept."""

    name = "exact"
    keeps_states = True

    def __init__(self) -> None:
        self.seen: dict[State, State | None] = {}

    def __len__(self) -> int:
        return len(self.seen)

    def add_starts(self, starts: Iterable[State], cap: int) -> tuple[list[State], bool]:
        seen = self.seen
        for s0 in starts:
            seen.setdefault(s0, None)
        capped = len(seen) > cap
        for _ in range(len(seen) - cap if capped else 0):
            seen.popitem()
        return list(seen), capped

    def expand(self, layer: Layer, chunk: Sequence[State], new: list[State], cap: int) -> Expansion:
        seen = self.seen
        nt, nb, nd, fb, _ = layer(chunk, seen, new, cap)
        if len(seen) <= cap:
            return nt, nb, nd, fb, False
        excess = len(seen) - cap  # keep exactly the first ``cap`` states found
        for _ in range(excess):
            seen.popitem()
        del new[len(new) - excess :]
        return nt, nb, nd, fb, True

    def states(self) -> Iterable[State]:
        return self.seen

    def parent(self, t: State) -> State | None:
        """``t``'s breadth-first parent (None for a start state)."""
        return self.seen[t]

    def path(self, t: State, succ: Successors) -> tuple[State, list[tuple[int, State]]]:
        return steps_of(parent_chain(self.parent, t), succ)

    def collision_bound(self) -> float | None:
        return None
