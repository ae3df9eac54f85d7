"""The independent reference searches of the FLS machines: one hand-written breadth-first search
per machine, written straight from the figures of Fekete, Lynch, Shvartsman, *Specifying and
Using a Partitionable Group Communication Service* — Figure 2 (TO-machine), Figure 5
(VS-machine) and the remark after Lemma 4.2 (WeakVS-machine) — in plain Python, sharing no code
with ioakit.

It is used twice, which is why there is only one of it:

* by the tests (``tests/engines/test_explore.py``): the explorer must reach the same *set* of
  states, with the same numbers of transitions, BFS layers and deadlocks;
* by the benchmarks (``benchmarks/explore_speed.py``, which puts ``tests/`` on ``sys.path``):
  it is the "hand-written search" yardstick — what a competent engineer writes by hand for one
  machine when speed matters. So it is specialised to the figures rather than trying every
  action instance: e.g. ``brcv(a)_{p,q}`` is enabled only for ``(a, p) = queue[next[q]]``, so it
  is generated once per destination ``q`` from that queue entry. Each such shortcut is argued in
  a comment next to it, from the precondition in the figure.

States are nested tuples in the *same concrete layout* as the generic machines (the order of
``Machine.variables``, ⊥ = -1, maps indexed row-major), so the two searches can be compared
state by state:

* TO: ``(queue, pending[p], next[p], inputs_issued)``; ``queue`` holds ``(a, p)`` pairs.
* VS: ``(created, current_viewid[p], queue[g], pending[p, g], next[p, g], next_safe[p, g],
  inputs_issued)``, index ``p * |G| + g``; a view is ``(g, frozenset(S))``.

Counting is the explorer's: a transition is an enabled action instance (with its post-state,
seen before or not), the depth is the number of BFS layers after the start state, a deadlock is a
reachable state with no enabled instance. ``inputs_issued`` bounds the environment: at most
``max_inputs`` inputs (bcast / gpsnd) in total.

With ``check=True`` each search also evaluates, hand-coded, the facts the generic run checks —
:func:`to_facts_hold` (TO-machine) and :func:`lemma_4_1_holds` (Lemma 4.1, items 1-14) — on
every reachable state and counts the states where they fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

State = tuple[Any, ...]


@dataclass(frozen=True)
class Result:
    """One search: its BFS layers (``layers[d]`` = the states first reached at depth ``d``),
    the number of transitions and deadlocks, and the number of states violating a checked fact
    (0 when nothing is checked)."""

    layers: list[list[State]]
    transitions: int
    deadlocks: int
    violations: int

    @property
    def states(self) -> int:
        return sum(map(len, self.layers))

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    @property
    def reachable(self) -> set[State]:
        return {s for layer in self.layers for s in layer}

    def min_depth(self, pred: Callable[[State], bool]) -> int | None:
        """The least depth of a reachable state satisfying ``pred`` (``None`` if there is none)."""
        return next((d for d, layer in enumerate(self.layers) if any(map(pred, layer))), None)


# -- TO-machine (Figure 2) ----------------------------------------------------------------------


def to_start(processors: int) -> State:
    """queue = λ, pending[p] = λ, next[p] = 1, no input issued yet."""
    return ((), ((),) * processors, (1,) * processors, 0)


def to_facts_hold(s: State) -> bool:
    """The two TO-machine facts: next[p] ≤ length(queue) + 1 for every p (the analogue of
    Lemma 4.1(10)), and length(queue) + Σ_p length(pending[p]) = inputs issued (no bcast is lost
    or duplicated before it is ordered)."""
    queue, pending, nxt, issued = s
    lq = len(queue)
    return all(n <= lq + 1 for n in nxt) and lq + sum(map(len, pending)) == issued


def to_bfs(processors: int, values: int, max_inputs: int, check: bool = False) -> Result:
    """The reachable states of TO-machine with at most ``max_inputs`` bcast inputs in total."""
    rP = range(processors)
    rA = range(values)
    start = to_start(processors)
    seen = {start}
    add = seen.add
    frontier = [start]
    layers = [frontier]
    transitions = deadlocks = 0
    violations = 0 if not check or to_facts_hold(start) else 1
    while frontier:
        new: list[State] = []
        push = new.append
        for s in frontier:
            queue, pending, nxt, issued = s
            before = transitions
            # input bcast(a)_p — eff: pending[p] := pending[p] . a   (always enabled: an input)
            if issued < max_inputs:
                i1 = issued + 1
                for p in rP:
                    head, pp, tail = pending[:p], pending[p], pending[p + 1 :]
                    for a in rA:
                        t = (queue, head + (pp + (a,),) + tail, nxt, i1)
                        transitions += 1
                        if t not in seen:
                            add(t)
                            push(t)
            # internal to-order(a, p) — pre: a = head(pending[p]); eff: pending[p] := tail(pending[p]),
            #   queue := queue . (a, p). Only the head value is enabled: one instance per nonempty p.
            for p in rP:
                pp = pending[p]
                if pp:
                    t = (queue + ((pp[0], p),), pending[:p] + (pp[1:],) + pending[p + 1 :], nxt, issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            # output brcv(a)_{p,q} — pre: queue[next[q]] = (a, p); eff: next[q] := next[q] + 1.
            #   Only (a, p) = queue[next[q]] is enabled: one instance per q with next[q] ≤ length(queue).
            lq = len(queue)
            for q in rP:
                n = nxt[q]
                if n <= lq:
                    t = (queue, pending, nxt[:q] + (n + 1,) + nxt[q + 1 :], issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            if transitions == before:
                deadlocks += 1
        if check:
            violations += sum(1 for t in new if not to_facts_hold(t))
        if new:
            layers.append(new)
        frontier = new
    return Result(layers, transitions, deadlocks, violations)


# -- VS-machine and WeakVS-machine (Figure 5, remark after Lemma 4.2) ----------------------------


def vs_start(processors: int, initial_members: int, view_ids: int) -> State:
    """created = {⟨g0, P0⟩}, current-viewid[p] = g0 for p ∈ P0 and ⊥ otherwise, every queue and
    pending empty, every next and next-safe 1. P0 = the first ``initial_members`` processors."""
    P0 = frozenset(range(initial_members))
    n = processors * view_ids
    return (
        frozenset({(0, P0)}),
        tuple(0 if p in P0 else -1 for p in range(processors)),
        ((),) * view_ids,
        ((),) * n,
        (1,) * n,
        (1,) * n,
        0,
    )


def lemma_4_1_holds(s: State, processors: int, view_ids: int) -> bool:
    """Lemma 4.1, items 1-14, on one VS state. Item 12 is printed ``next-safe[p, q] ≤ next[p, g]``
    in the paper; ``q`` is a processor there, not a view id, so it is read as
    ``next-safe[p, g] ≤ next[p, g]``."""
    created, cv, queue, pending, nxt, nsafe, _ = s
    G = view_ids
    ids = [w[0] for w in created]
    idset = set(ids)
    if len(ids) != len(idset):  # (1) one S per created id
        return False
    for p in range(processors):
        c = cv[p]
        if c != -1 and c not in idset:  # (2)
            return False
        for w in created:  # (3)
            if w[0] == c and p not in w[1]:
                return False
        base = p * G
        for g in range(G):
            if pending[base + g] and (g not in idset or c == -1 or g > c):  # (4) (5) (6)
                return False
            lq1 = len(queue[g]) + 1
            n, ns = nxt[base + g], nsafe[base + g]
            if n > lq1 or ns > lq1 or ns > n:  # (10) (11) (12)
                return False
    for g in range(G):
        if queue[g]:
            if g not in idset:  # (7)
                return False
            for _, p in queue[g]:
                if cv[p] == -1 or g > cv[p]:  # (8) (9)
                    return False
    for g, S in created:  # (13) (14)
        for p in range(processors):
            if (nxt[p * G + g] != 1 or nsafe[p * G + g] != 1) and p not in S:
                return False
    return True


def vs_bfs(
    processors: int,
    initial_members: int,
    view_ids: int,
    messages: int,
    max_inputs: int,
    weak: bool = False,
    check: bool = False,
) -> Result:
    """The reachable states of VS-machine (``weak``: WeakVS-machine) with at most ``max_inputs``
    gpsnd inputs in total (counted also when dropped at a processor whose view is ⊥)."""
    P, G = processors, view_ids
    rP, rG, rM = range(P), range(G), range(messages)
    subsets = [frozenset(c) for r in range(P + 1) for c in itertools.combinations(rP, r)]
    start = vs_start(P, initial_members, G)
    seen = {start}
    add = seen.add
    frontier = [start]
    layers = [frontier]
    transitions = deadlocks = 0
    violations = 0 if not check or lemma_4_1_holds(start, P, G) else 1
    while frontier:
        new: list[State] = []
        push = new.append
        for s in frontier:
            created, cv, queue, pending, nxt, nsafe, issued = s
            before = transitions
            # internal createview(v) — pre: v.id > w.id for every w ∈ created (WeakVS: v.id ≠ w.id);
            #   eff: created := created ∪ {v}. v ranges over G × 2^P, the empty set included.
            ids = [w[0] for w in created]
            fresh = [g for g in rG if g not in ids] if weak else range(max(ids) + 1, G)
            for g in fresh:
                for S in subsets:
                    t = (created | {(g, S)}, cv, queue, pending, nxt, nsafe, issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            # output newview(v)_p, p ∈ v.set — pre: v ∈ created, v.id > current-viewid[p] (⊥ = -1
            #   is below every id); eff: current-viewid[p] := v.id.
            for v in created:
                g = v[0]
                for p in v[1]:
                    if g > cv[p]:
                        t = (created, cv[:p] + (g,) + cv[p + 1 :], queue, pending, nxt, nsafe, issued)
                        transitions += 1
                        if t not in seen:
                            add(t)
                            push(t)
            # input gpsnd(m)_p — eff: if current-viewid[p] ≠ ⊥ then append m to
            #   pending[p, current-viewid[p]] (otherwise the message is dropped).
            if issued < max_inputs:
                i1 = issued + 1
                for p in rP:
                    g = cv[p]
                    for m in rM:
                        if g == -1:
                            t = (created, cv, queue, pending, nxt, nsafe, i1)
                        else:
                            i = p * G + g
                            t = (
                                created,
                                cv,
                                queue,
                                pending[:i] + (pending[i] + (m,),) + pending[i + 1 :],
                                nxt,
                                nsafe,
                                i1,
                            )
                        transitions += 1
                        if t not in seen:
                            add(t)
                            push(t)
            # internal vs-order(m, p, g) — pre: m = head(pending[p, g]); eff: move it to queue[g]
            #   as (m, p). Only the head message is enabled: one instance per nonempty pending[p, g].
            for p in rP:
                base = p * G
                for g in rG:
                    i = base + g
                    pend = pending[i]
                    if pend:
                        t = (
                            created,
                            cv,
                            queue[:g] + (queue[g] + ((pend[0], p),),) + queue[g + 1 :],
                            pending[:i] + (pend[1:],) + pending[i + 1 :],
                            nxt,
                            nsafe,
                            issued,
                        )
                        transitions += 1
                        if t not in seen:
                            add(t)
                            push(t)
            # output gprcv(m)_{p,q} — pre: g = current-viewid[q] ≠ ⊥, queue[g][next[q, g]] = (m, p);
            #   eff: next[q, g] += 1. output safe(m)_{p,q} — pre: g = current-viewid[q] ≠ ⊥,
            #   queue[g][next-safe[q, g]] = (m, p), some ⟨g, S⟩ ∈ created with next[r, g] >
            #   next-safe[q, g] for every r ∈ S; eff: next-safe[q, g] += 1. Only the queue entry at
            #   next / next-safe is enabled: at most one instance of each per destination q.
            for q in rP:
                g = cv[q]
                if g == -1:
                    continue
                i = q * G + g
                lq = len(queue[g])
                k = nxt[i]
                if k <= lq:
                    t = (created, cv, queue, pending, nxt[:i] + (k + 1,) + nxt[i + 1 :], nsafe, issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
                k = nsafe[i]
                if k <= lq and any(w[0] == g and all(nxt[r * G + g] > k for r in w[1]) for w in created):
                    t = (created, cv, queue, pending, nxt, nsafe[:i] + (k + 1,) + nsafe[i + 1 :], issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            if transitions == before:
                deadlocks += 1
        if check:
            violations += sum(1 for t in new if not lemma_4_1_holds(t, P, G))
        if new:
            layers.append(new)
        frontier = new
    return Result(layers, transitions, deadlocks, violations)
