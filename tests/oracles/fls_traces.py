"""Test helpers at the level of traces: event builders, execution simulators of TO-machine
(FLS Fig. 2) and VS-machine (FLS Fig. 5), and brute-force oracles for the trace checkers.

These are not a second copy of the reachable-state oracle (``oracles/fls.py``, which pins the
machines' state spaces): they answer questions about *traces*, which that search cannot. The
simulators produce executions as trace-format events (named processors and views), and tag every
bcast / gpsnd with a uid carried through ``pending`` and ``queue`` — exactly how the proof of
Lemma 4.2 constructs ``cause`` — so each run comes with the ground-truth ``cause`` the checkers
are tested against. ``is_to_trace`` decides membership of a given event sequence in the traces of
TO-machine by following it through sets of states. All are deliberately naive transcriptions of
the figures, independent of the code under test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from ioakit.traces import Event

# ---------------------------------------------------------------------------------------------
# Event builders (argument names and subscript roles as in traces/FORMAT.md section 5: the first
# subscript is the origin / sender, the second the destination / receiver).


def gpsnd(m: Any, p: str) -> Event:
    return Event("gpsnd", "input", {"m": m, "p": p})


def gprcv(m: Any, p: str, q: str) -> Event:
    """gprcv(m)_{p,q}: q receives m sent by p."""
    return Event("gprcv", "output", {"m": m, "p": p, "q": q})


def safe(m: Any, p: str, q: str) -> Event:
    return Event("safe", "output", {"m": m, "p": p, "q": q})


def newview(view_id: str, members: Sequence[str], p: str) -> Event:
    return Event("newview", "output", {"v": {"id": view_id, "set": list(members)}, "p": p})


def bcast(a: Any, p: str) -> Event:
    return Event("bcast", "input", {"a": a, "p": p})


def brcv(a: Any, p: str, q: str) -> Event:
    """brcv(a)_{p,q}: deliver at destination q the value a that originated at p."""
    return Event("brcv", "output", {"a": a, "p": p, "q": q})


def to_order(a: Any, p: str) -> Event:
    return Event("to-order", "internal", {"a": a, "p": p})


# ---------------------------------------------------------------------------------------------
# VS-machine (Fig. 5) with uid-tagged messages.

Choose = Callable[[Sequence[Any]], Any]


def simulate_vs(
    choose: Choose,
    processors: Sequence[str],
    initial_members: Sequence[str],
    steps: int,
    max_views: int = 3,
    fresh_messages: bool = True,
) -> tuple[list[Event], dict[int, int]]:
    """Run VS-machine for up to ``steps`` actions, each picked by ``choose`` among enabled ones.

    Returns the execution's events (internal ones included) and the uid-based ``cause``:
    gprcv/safe event index -> index of the gpsnd that produced the message (proof of Lemma 4.2).
    """
    created: dict[str, frozenset[str]] = {"g0": frozenset(initial_members)}
    view_ids = ["g0"]
    current: dict[str, str | None] = {p: ("g0" if p in initial_members else None) for p in processors}
    queue: dict[str, list[tuple[str, str, int]]] = {"g0": []}
    pending: dict[tuple[str, str], list[tuple[str, int]]] = {}
    nxt: dict[tuple[str, str], int] = {}
    nxt_safe: dict[tuple[str, str], int] = {}
    events: list[Event] = []
    cause: dict[int, int] = {}
    message_count = 0

    def view_arg(g: str) -> dict[str, Any]:
        return {"id": g, "set": sorted(created[g])}

    subsets = [frozenset(s) for r in range(1, len(processors) + 1) for s in itertools.combinations(processors, r)]
    for _ in range(steps):
        # Progress first, and one entry per input family, so that random runs deliver messages.
        enabled: list[tuple[Any, ...]] = []
        for g, members in created.items():
            for p in sorted(members):
                cur = current[p]
                if cur is None or int(g[1:]) > int(cur[1:]):
                    enabled.append(("newview", g, p))
        enabled += [("vs-order", p, g) for (p, g), msgs in pending.items() if msgs]
        for q in processors:
            g = current[q]
            if g is None:
                continue
            i = nxt.get((q, g), 1)
            if i <= len(queue[g]):
                enabled.append(("gprcv", q, g))
            j = nxt_safe.get((q, g), 1)
            if j <= len(queue[g]) and all(nxt.get((r, g), 1) > j for r in created[g]):
                enabled.append(("safe", q, g))
        enabled.append(("gpsnd",))
        if len(view_ids) < max_views:
            enabled.append(("createview",))
        step = choose(enabled)
        kind = step[0]
        if kind == "gpsnd":
            p = choose(processors)
            message_count += 1
            m = f"m{message_count}" if fresh_messages else f"m{choose([1, 2])}"
            uid = len(events)  # the uid of a gpsnd is its event index
            if current[p] is not None:
                pending.setdefault((p, current[p]), []).append((m, uid))
            events.append(gpsnd(m, p))
        elif kind == "createview":
            g = f"g{len(view_ids)}"
            view_ids.append(g)
            created[g] = choose(subsets)
            queue[g] = []
            events.append(Event("createview", "internal", {"v": view_arg(g)}))
        elif kind == "newview":
            _, g, p = step
            current[p] = g
            events.append(Event("newview", "output", {"v": view_arg(g), "p": p}))
        elif kind == "vs-order":
            _, p, g = step
            m, uid = pending[(p, g)].pop(0)
            queue[g].append((m, p, uid))
            events.append(Event("vs-order", "internal", {"m": m, "p": p, "g": g}))
        elif kind == "gprcv":
            _, q, g = step
            i = nxt.get((q, g), 1)
            m, p, uid = queue[g][i - 1]
            nxt[(q, g)] = i + 1
            cause[len(events)] = uid
            events.append(gprcv(m, p, q))
        else:
            _, q, g = step
            j = nxt_safe.get((q, g), 1)
            m, p, uid = queue[g][j - 1]
            nxt_safe[(q, g)] = j + 1
            cause[len(events)] = uid
            events.append(safe(m, p, q))
    return events, cause


def lemma_4_2_causes(
    events: Sequence[Event], initial_members: Sequence[str], limit: int = 50_000
) -> list[dict[int, int]] | None:
    """All functions ``cause`` satisfying items 1-4 of Lemma 4.2, by exhaustive enumeration.

    A literal transcription of the lemma's statement (FLS Sec. 4.1), for tiny traces. Returns
    ``None`` if the search space exceeds ``limit``.
    """
    view: dict[str, tuple[str, frozenset[str]] | None] = {}
    initial = ("g0", frozenset(initial_members))
    view_at: list[tuple[str, frozenset[str]] | None] = []  # current view at the event's location
    for e in events:
        if e.action == "newview":
            view_at.append(None)
            view[e.args["p"]] = (e.args["v"]["id"], frozenset(e.args["v"]["set"]))
            continue
        loc = e.args["q"] if e.action in ("gprcv", "safe") else e.args["p"]
        view_at.append(view.get(loc, initial if loc in initial_members else None))
    sends = [i for i, e in enumerate(events) if e.action == "gpsnd"]
    receives = [i for i, e in enumerate(events) if e.action in ("gprcv", "safe")]

    def integrity(pi: int, c: int) -> bool:  # 1. message integrity
        e, s = events[pi], events[c]
        return (
            c < pi
            and s.args["m"] == e.args["m"]
            and s.args["p"] == e.args["p"]
            and view_at[pi] is not None
            and view_at[pi] == view_at[c]
        )

    # Functions violating item 1 are never solutions: enumerate only the others.
    options = [[c for c in sends if integrity(pi, c)] for pi in receives]
    size = 1
    for option in options:
        size *= len(option)
    if size > limit:
        return None
    solutions = []
    for choice in itertools.product(*options):
        cause = dict(zip(receives, choice))
        ok = True
        groups: dict[tuple[Any, ...], list[int]] = {}
        for pi in receives:
            e = events[pi]
            groups.setdefault((e.action, e.args["p"], e.args["q"], view_at[pi]), []).append(pi)
        by_destination: dict[tuple[str, str], list[int]] = {}
        for pi in receives:
            by_destination.setdefault((events[pi].action, events[pi].args["q"]), []).append(pi)
        for members in by_destination.values():  # 2. no duplication
            if len({cause[pi] for pi in members}) != len(members):
                ok = False
        for (_, p, _, v), members in groups.items():
            if any(cause[a] >= cause[b] for a, b in itertools.combinations(members, 2)):  # 3. no reordering
                ok = False
            in_view = [i for i in sends if events[i].args["p"] == p and view_at[i] == v]
            image = {cause[pi] for pi in members}
            if image != set(in_view[: len(image)]):  # 4. no losses
                ok = False
        if ok:
            solutions.append(cause)
    return solutions


# ---------------------------------------------------------------------------------------------
# TO-machine (Fig. 2).


def simulate_to(
    choose: Choose, processors: Sequence[str], values: Sequence[str], steps: int
) -> tuple[list[Event], dict[int, int]]:
    """Run TO-machine; returns the execution (to-order included) and the uid-based brcv -> bcast map."""
    queue: list[tuple[str, str, int]] = []
    pending: dict[str, list[tuple[str, int]]] = {p: [] for p in processors}
    nxt = dict.fromkeys(processors, 1)
    events: list[Event] = []
    cause: dict[int, int] = {}
    for _ in range(steps):
        enabled: list[tuple[Any, ...]] = [("brcv", q) for q in processors if nxt[q] <= len(queue)]
        enabled += [("to-order", p) for p in processors if pending[p]]
        enabled.append(("bcast",))
        step = choose(enabled)
        if step[0] == "bcast":
            a, p = choose(values), choose(processors)
            pending[p].append((a, len(events)))
            events.append(bcast(a, p))
        elif step[0] == "to-order":
            p = step[1]
            a, uid = pending[p].pop(0)
            queue.append((a, p, uid))
            events.append(to_order(a, p))
        else:
            q = step[1]
            a, p, uid = queue[nxt[q] - 1]
            nxt[q] += 1
            cause[len(events)] = uid
            events.append(brcv(a, p, q))
    return events, cause


def is_to_trace(events: Sequence[Event], processors: Sequence[str]) -> bool:
    """Exact membership in the traces of TO-machine, by tracking every reachable state.

    States are (queue, pending per p, next per q); ``to-order`` steps are taken by closure
    between external events, as the internal action may fire at any time (Fig. 2).
    """
    index = {p: i for i, p in enumerate(processors)}
    State = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, ...], ...], tuple[int, ...]]

    def closure(states: set[State]) -> set[State]:
        frontier = list(states)
        seen = set(states)
        while frontier:
            queue, pending, nxt = frontier.pop()
            for i, p in enumerate(processors):
                if pending[i]:
                    new_pending = pending[:i] + (pending[i][1:],) + pending[i + 1 :]
                    state = (queue + ((pending[i][0], p),), new_pending, nxt)
                    if state not in seen:
                        seen.add(state)
                        frontier.append(state)
        return seen

    start: State = ((), tuple(() for _ in processors), tuple(1 for _ in processors))
    states: set[State] = {start}
    for e in events:
        states = closure(states)
        if e.action == "bcast":
            i = index[e.args["p"]]
            states = {(qu, pe[:i] + (pe[i] + (e.args["a"],),) + pe[i + 1 :], nx) for qu, pe, nx in states}
        elif e.action == "brcv":
            j = index[e.args["q"]]
            pair = (e.args["a"], e.args["p"])
            states = {
                (qu, pe, nx[:j] + (nx[j] + 1,) + nx[j + 1 :])
                for qu, pe, nx in states
                if nx[j] <= len(qu) and qu[nx[j] - 1] == pair
            }
        if not states:
            return False
    return True
