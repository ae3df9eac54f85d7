"""Independent oracles for the explorer tests: naive breadth-first searches of TO-machine
(FLS Fig. 2) and VS-/WeakVS-machine (FLS Fig. 5, Remark after Lemma 4.2), written straight
from the figures (catalogue A.3, A.5) in plain Python, sharing no code with ``ioakit.specs``.

They produce states in the *same concrete layout* as the generic machines (so the test can
compare the reachable *sets*, not only their sizes) and count transitions and BFS depths the
same way the explorer does: a transition is an enabled action instance (with its post-state),
the depth is the number of BFS layers after the start state.

Layouts (``Machine.variables`` order, ⊥ = -1, maps row-major):

* TO: ``(queue, pending[p], next[p], inputs_issued)``; ``queue`` holds ``(a, p)`` pairs.
* VS: ``(created, current_viewid[p], queue[g], pending[p, g], next[p, g], next_safe[p, g],
  inputs_issued)``; a view is ``(g, frozenset(S))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

State = tuple[Any, ...]


@dataclass(frozen=True)
class BFSResult:
    """Reachable states with their BFS depth, and the number of transitions explored."""

    depth_of: dict[State, int]
    transitions: int

    @property
    def states(self) -> int:
        return len(self.depth_of)

    @property
    def depth(self) -> int:
        return max(self.depth_of.values())

    def min_depth(self, pred: Callable[[State], bool]) -> int | None:
        """The least depth of a reachable state satisfying ``pred`` (``None`` if there is none)."""
        ds = [d for s, d in self.depth_of.items() if pred(s)]
        return min(ds) if ds else None


def bfs(start: State, successors: Callable[[State], Iterable[State]]) -> BFSResult:
    """Plain breadth-first search; ``successors`` yields one post-state per enabled instance."""
    depth_of = {start: 0}
    frontier = [start]
    transitions = 0
    d = 0
    while frontier:
        d += 1
        nxt = []
        for s in frontier:
            for t in successors(s):
                transitions += 1
                if t not in depth_of:
                    depth_of[t] = d
                    nxt.append(t)
        frontier = nxt
    return BFSResult(depth_of, transitions)


def _set(tup: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return tup[:i] + (v,) + tup[i + 1 :]


# -- TO-machine (Fig. 2) -------------------------------------------------------------------------


def to_start(processors: int) -> State:
    return ((), ((),) * processors, (1,) * processors, 0)


def to_successors(processors: int, values: int, max_inputs: int) -> Callable[[State], list[State]]:
    P, A = range(processors), range(values)

    def succ(s: State) -> list[State]:
        queue, pending, nxt, issued = s
        out = []
        # input bcast(a)_p: pending[p] <- pending[p] . <<a>>   (environment: at most max_inputs)
        for a in A:
            for p in P:
                if issued < max_inputs:
                    out.append((queue, _set(pending, p, pending[p] + (a,)), nxt, issued + 1))
        # internal to-order(a, p): pre a = head(pending[p]); eff move it to queue
        for a in A:
            for p in P:
                if pending[p] and pending[p][0] == a:
                    out.append((queue + ((a, p),), _set(pending, p, pending[p][1:]), nxt, issued))
        # output brcv(a)_{p,q}: pre queue[next[q]] = (a, p); eff next[q] += 1
        for a in A:
            for p in P:
                for q in P:
                    if nxt[q] <= len(queue) and queue[nxt[q] - 1] == (a, p):
                        out.append((queue, pending, _set(nxt, q, nxt[q] + 1), issued))
        return out

    return succ


def to_bfs(processors: int, values: int, max_inputs: int) -> BFSResult:
    return bfs(to_start(processors), to_successors(processors, values, max_inputs))


# -- VS-machine and WeakVS-machine (Fig. 5) ---------------------------------------------------


def vs_start(processors: int, initial_members: int, view_ids: int) -> State:
    P0 = frozenset(range(initial_members))
    n_pg = processors * view_ids
    return (
        frozenset({(0, P0)}),
        tuple(0 if p in P0 else -1 for p in range(processors)),
        ((),) * view_ids,
        ((),) * n_pg,
        (1,) * n_pg,
        (1,) * n_pg,
        0,
    )


def vs_successors(
    processors: int, view_ids: int, messages: int, max_inputs: int, weak: bool = False
) -> Callable[[State], list[State]]:
    P, G, M = range(processors), range(view_ids), range(messages)
    subsets = [frozenset(c) for r in range(processors + 1) for c in itertools.combinations(P, r)]
    views = [(g, S) for g in G for S in subsets]

    def pg(p: int, g: int) -> int:
        return p * view_ids + g

    def succ(s: State) -> list[State]:
        created, cv, queue, pending, nxt, nsafe, issued = s
        out = []
        # internal createview(v): pre ∀w ∈ created: v.id > w.id (WeakVS: v.id ≠ w.id)
        for v in views:
            ok = all(v[0] != w[0] for w in created) if weak else all(v[0] > w[0] for w in created)
            if ok:
                out.append((created | {v}, cv, queue, pending, nxt, nsafe, issued))
        # output newview(v)_p, p ∈ v.set: pre v ∈ created, v.id > cv[p] or cv[p] = ⊥
        for v in views:
            for p in sorted(v[1]):
                if v in created and (cv[p] == -1 or v[0] > cv[p]):
                    out.append((created, _set(cv, p, v[0]), queue, pending, nxt, nsafe, issued))
        # input gpsnd(m)_p: if cv[p] ≠ ⊥ then append m to pending[p, cv[p]]
        for m in M:
            for p in P:
                if issued < max_inputs:
                    g = cv[p]
                    new_pending = pending if g == -1 else _set(pending, pg(p, g), pending[pg(p, g)] + (m,))
                    out.append((created, cv, queue, new_pending, nxt, nsafe, issued + 1))
        # internal vs-order(m, p, g): pre m = head(pending[p, g]); eff move it to queue[g]
        for m in M:
            for p in P:
                for g in G:
                    pend = pending[pg(p, g)]
                    if pend and pend[0] == m:
                        out.append(
                            (
                                created,
                                cv,
                                _set(queue, g, queue[g] + ((m, p),)),
                                _set(pending, pg(p, g), pend[1:]),
                                nxt,
                                nsafe,
                                issued,
                            )
                        )
        # output gprcv(m)_{p,q}: g = cv[q] ≠ ⊥, queue[g][next[q, g]] = (m, p); eff next[q, g] += 1
        for m in M:
            for p in P:
                for q in P:
                    g = cv[q]
                    if g != -1:
                        k = nxt[pg(q, g)]
                        if k <= len(queue[g]) and queue[g][k - 1] == (m, p):
                            out.append((created, cv, queue, pending, _set(nxt, pg(q, g), k + 1), nsafe, issued))
        # output safe(m)_{p,q}: g = cv[q] ≠ ⊥, queue[g][next_safe[q, g]] = (m, p),
        #   some ⟨g, S⟩ ∈ created with ∀r ∈ S: next[r, g] > next_safe[q, g]; eff next_safe[q, g] += 1
        for m in M:
            for p in P:
                for q in P:
                    g = cv[q]
                    if g != -1:
                        k = nsafe[pg(q, g)]
                        if (
                            k <= len(queue[g])
                            and queue[g][k - 1] == (m, p)
                            and any(w[0] == g and all(nxt[pg(r, g)] > k for r in w[1]) for w in created)
                        ):
                            out.append((created, cv, queue, pending, nxt, _set(nsafe, pg(q, g), k + 1), issued))
        return out

    return succ


def vs_bfs(
    processors: int, initial_members: int, view_ids: int, messages: int, max_inputs: int, weak: bool = False
) -> BFSResult:
    return bfs(
        vs_start(processors, initial_members, view_ids),
        vs_successors(processors, view_ids, messages, max_inputs, weak),
    )
