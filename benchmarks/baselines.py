"""Hand-written, specialised breadth-first searches of TO-machine and VS-/WeakVS-machine.

These are the yardstick of ``explore_speed.py`` (issue item 9): what a competent engineer writes
by hand for one machine when speed matters — plain Python, states as nested tuples in the same
layout as the generic machines (so the two searches can be compared state for state), a ``set``
of seen states, and successor generation specialised to the figure instead of trying every
action instance: e.g. ``brcv(a)_{p,q}`` is generated once per destination ``q`` from the queue
entry at ``next[q]``, rather than testing every ``(a, p, q)``.

Each search optionally checks the same facts as the generic run (TO facts; Lemma 4.1 items
1–14), hand-coded, on every new state. They count states, transitions (enabled instances, as
the explorer does) and depth (BFS layers).

Sources: Fekete–Lynch–Shvartsman, Figure 2 (TO-machine), Figure 5 and the Remark after
Lemma 4.2 (VS-, WeakVS-machine); catalogue A.3, A.5, A.7.1.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

State = tuple[Any, ...]


@dataclass(frozen=True)
class Result:
    states: int
    transitions: int
    depth: int
    violations: int
    """Number of explored states on which some checked fact was false (0 when nothing is checked)."""


# -- TO-machine ---------------------------------------------------------------------------------


def to_start(processors: int) -> State:
    """``(queue, pending[p], next[p], inputs_issued)``; queue entries are ``(a, p)`` pairs."""
    return ((), ((),) * processors, (1,) * processors, 0)


def to_facts_hold(s: State) -> bool:
    """next[p] ≤ len(queue) + 1 for every p, and len(queue) + Σ len(pending[p]) = inputs_issued."""
    queue, pending, nxt, issued = s
    lq = len(queue)
    return all(n <= lq + 1 for n in nxt) and lq + sum(map(len, pending)) == issued


def to_bfs(processors: int, values: int, max_inputs: int, check: bool = False) -> Result:
    """Reachable states of TO-machine with at most ``max_inputs`` bcast inputs in total."""
    rP = range(processors)
    rA = range(values)
    start = to_start(processors)
    seen = {start}
    add = seen.add
    frontier = [start]
    transitions = depth = violations = 0
    if check and not to_facts_hold(start):
        violations += 1
    while frontier:
        new: list[State] = []
        push = new.append
        for s in frontier:
            queue, pending, nxt, issued = s
            # input bcast(a)_p: append a to pending[p]
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
            # internal to-order(a, p): only a = head(pending[p]) is enabled
            for p in rP:
                pp = pending[p]
                if pp:
                    t = (queue + ((pp[0], p),), pending[:p] + (pp[1:],) + pending[p + 1 :], nxt, issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            # output brcv(a)_{p,q}: only (a, p) = queue[next[q]] is enabled
            lq = len(queue)
            for q in rP:
                n = nxt[q]
                if n <= lq:
                    t = (queue, pending, nxt[:q] + (n + 1,) + nxt[q + 1 :], issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
        if check:
            violations += sum(1 for t in new if not to_facts_hold(t))
        if new:
            depth += 1
        frontier = new
    return Result(len(seen), transitions, depth, violations)


# -- VS-machine / WeakVS-machine ------------------------------------------------------------------


def vs_start(processors: int, initial_members: int, view_ids: int) -> State:
    """``(created, current_viewid[p], queue[g], pending[p,g], next[p,g], next_safe[p,g], inputs_issued)``,
    maps row-major (index ``p * |G| + g``), ⊥ = -1, a view is ``(g, frozenset(S))``."""
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
    """Lemma 4.1, items 1–14 (item 12 read as next-safe[p, g] ≤ next[p, g], catalogue C.1)."""
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
    """Reachable states of VS-machine (``weak``: WeakVS-machine) with at most ``max_inputs`` gpsnd."""
    P, G = processors, view_ids
    rP, rG, rM = range(P), range(G), range(messages)
    subsets = [frozenset(c) for r in range(P + 1) for c in itertools.combinations(rP, r)]
    start = vs_start(P, initial_members, G)
    seen = {start}
    add = seen.add
    frontier = [start]
    transitions = depth = violations = 0
    if check and not lemma_4_1_holds(start, P, G):
        violations += 1
    while frontier:
        new: list[State] = []
        push = new.append
        for s in frontier:
            created, cv, queue, pending, nxt, nsafe, issued = s
            # internal createview(v): v.id above every created id (WeakVS: distinct from them)
            ids = [w[0] for w in created]
            fresh = [g for g in rG if g not in ids] if weak else range(max(ids) + 1, G)
            for g in fresh:
                for S in subsets:
                    t = (created | {(g, S)}, cv, queue, pending, nxt, nsafe, issued)
                    transitions += 1
                    if t not in seen:
                        add(t)
                        push(t)
            # output newview(v)_p, p ∈ v.set: v created, v.id > current_viewid[p] (⊥ = -1 is least)
            for v in created:
                g = v[0]
                for p in v[1]:
                    if g > cv[p]:
                        t = (created, cv[:p] + (g,) + cv[p + 1 :], queue, pending, nxt, nsafe, issued)
                        transitions += 1
                        if t not in seen:
                            add(t)
                            push(t)
            # input gpsnd(m)_p: append m to pending[p, current_viewid[p]] unless it is ⊥
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
            # internal vs-order(m, p, g): only m = head(pending[p, g]) is enabled
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
            # output gprcv(m)_{p,q} and safe(m)_{p,q}: only the entry at next / next_safe is enabled
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
        if check:
            violations += sum(1 for t in new if not lemma_4_1_holds(t, P, G))
        if new:
            depth += 1
        frontier = new
    return Result(len(seen), transitions, depth, violations)
