"""Independent reference searches of the Deconstructing Paxos specifications (Section 3.1, the
round-based register; Section 3.2, round-based consensus), in plain Python, sharing no code with
ioakit.

Each is written straight from the paper's properties, read as guards on the responses
(Read-write-abort, Read-write-commit, Read-commit; Validity, Agreement, Termination), with the
environment of well-formed clients: at most ``max_ops`` operation invocations and ``crashes``
crash events in a run, an invocation only at a process that is up and has no pending operation,
a crash at any time. The state is a frozen record of history variables:

* register: per process the pending operation ``(kind, k, v, highest round committed before its
  invocation)`` or ``None``, which processes are up, the highest invoked and committed rounds,
  for each value the least round of an invoked write of it, and the two environment counters;
* consensus: the same with proposals ``(k, v, highest committed)``, the set of proposed values
  and the decided value.

Counting is the explorer's: ``transitions`` counts enabled (state, action) pairs, one per
action (so a read that aborts is one transition per value it may return), ``depth`` the BFS
layers after the start state, ``deadlocks`` the reachable states with nothing enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

BOTTOM = None  # the register's initial value ⊥ / "no pending operation" / "none"

State = tuple[Any, ...]
Label = tuple[Any, ...]


@dataclass(frozen=True)
class Result:
    states: int
    transitions: int
    depth: int
    deadlocks: int


def bfs(start: State, successors: Callable[[State], Iterator[tuple[Label, State]]]) -> Result:
    seen = {start}
    layer = [start]
    transitions = deadlocks = depth = 0
    while layer:
        nxt = []
        for s in layer:
            n = 0
            for _, t in successors(s):
                n += 1
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
            transitions += n
            deadlocks += n == 0
        if nxt:
            depth += 1
        layer = nxt
    return Result(len(seen), transitions, depth, deadlocks)


def _set(tup: tuple[Any, ...], i: int, x: Any) -> tuple[Any, ...]:
    return tup[:i] + (x,) + tup[i + 1 :]


# -- the round-based register (Section 3.1) ------------------------------------------------------
# state: (pending, up, max_invoked, max_committed, minw, ops, crashes)
#   pending[p] = None | ("read" | "write", k, v, maxc_at_inv); minw[v] = None | least round


def register_start(processes: int, values: int) -> State:
    return ((None,) * processes, (True,) * processes, 0, 0, (None,) * values, 0, 0)


def register_successors(
    processes: int, values: int, rounds: int, max_ops: int, crashes: int
) -> Callable[[State], Iterator[tuple[Label, State]]]:
    def succ(s: State) -> Iterator[tuple[Label, State]]:
        pending, up, maxi, maxc, minw, ops, cr = s
        for p in range(processes):
            op = pending[p]
            # invocations, by a well-formed client
            if ops < max_ops and up[p] and op is None:
                for k in range(1, rounds + 1):
                    yield (
                        ("read", p, k),
                        (_set(pending, p, ("read", k, None, maxc)), up, max(maxi, k), maxc, minw, ops + 1, cr),
                    )
                    for v in range(values):
                        w = minw[v]
                        nw = _set(minw, v, k if w is None or k < w else w)
                        yield (
                            ("write", p, k, v),
                            (_set(pending, p, ("write", k, v, maxc)), up, max(maxi, k), maxc, nw, ops + 1, cr),
                        )
            if cr < crashes:
                yield ("crash", p), (_set(pending, p, None), _set(up, p, False), maxi, maxc, minw, ops, cr + 1)
            if op is None:
                continue
            kind, k, _, maxc_at_inv = op
            done = _set(pending, p, None)
            can_abort = maxi > k  # Read-write-abort
            can_commit = maxc_at_inv <= k  # Read-write-commit
            committed = (done, up, maxi, max(maxc, k), minw, ops, cr)
            aborted = (done, up, maxi, maxc, minw, ops, cr)
            if kind == "write":
                if can_abort:
                    yield ("write_return", p, "abort"), aborted
                if can_commit:
                    yield ("write_return", p, "commit"), committed
                continue
            for v in (None, *range(values)):
                if can_abort:
                    yield ("read_return", p, "abort", v), aborted
                # Read-commit: a read committing with v ≠ ⊥ needs an invoked write(k', v), k' ≤ k
                if can_commit and (v is None or (minw[v] is not None and minw[v] <= k)):
                    yield ("read_return", p, "commit", v), committed

    return succ


def register_search(processes: int, values: int, rounds: int, max_ops: int, crashes: int) -> Result:
    return bfs(register_start(processes, values), register_successors(processes, values, rounds, max_ops, crashes))


# -- round-based consensus (Section 3.2) ---------------------------------------------------------
# state: (pending, up, proposed, decided, max_invoked, max_committed, ops, crashes)
#   pending[p] = None | (k, v, maxc_at_inv); proposed: frozenset of values


def consensus_start(processes: int) -> State:
    return ((None,) * processes, (True,) * processes, frozenset(), None, 0, 0, 0, 0)


def consensus_successors(
    processes: int, values: int, rounds: int, max_ops: int, crashes: int
) -> Callable[[State], Iterator[tuple[Label, State]]]:
    def succ(s: State) -> Iterator[tuple[Label, State]]:
        pending, up, proposed, decided, maxi, maxc, ops, cr = s
        for p in range(processes):
            op = pending[p]
            if ops < max_ops and up[p] and op is None:
                for k in range(1, rounds + 1):
                    for v in range(values):
                        yield (
                            ("propose", p, k, v),
                            (
                                _set(pending, p, (k, v, maxc)),
                                up,
                                proposed | {v},
                                decided,
                                max(maxi, k),
                                maxc,
                                ops + 1,
                                cr,
                            ),
                        )
            if cr < crashes:
                yield (
                    ("crash", p),
                    (_set(pending, p, None), _set(up, p, False), proposed, decided, maxi, maxc, ops, cr + 1),
                )
            if op is None:
                continue
            k, _, maxc_at_inv = op
            done = _set(pending, p, None)
            for v in range(values):
                if maxi > k:  # Termination (1): a higher round was proposed; any value
                    yield ("propose_return", p, "abort", v), (done, up, proposed, decided, maxi, maxc, ops, cr)
                # Validity, Agreement, Termination (2)
                if v in proposed and decided in (None, v) and maxc_at_inv <= k:
                    yield (
                        ("propose_return", p, "commit", v),
                        (done, up, proposed, v, maxi, max(maxc, k), ops, cr),
                    )

    return succ


def consensus_search(processes: int, values: int, rounds: int, max_ops: int, crashes: int) -> Result:
    return bfs(consensus_start(processes), consensus_successors(processes, values, rounds, max_ops, crashes))


def is_trace(start: State, successors: Callable[[State], Iterator[tuple[Label, State]]], trace: list[Label]) -> bool:
    """Whether the sequence of labels is a trace (these automata have no internal actions)."""
    current = {start}
    for lab in trace:
        current = {t for s in current for lab2, t in successors(s) if lab2 == lab}
        if not current:
            return False
    return True
