"""Finite-trace inclusion and equivalence of two automata at a bounded scope.

Used to check the *unproved* remark of Fekete–Lynch–Shvartsman after Lemma 4.2: "WeakVS-machine
and VS-machine … allow exactly the same finite traces".

Method: both automata are finite at a scope, so their sets of finite traces are regular. We
determinise each over its external actions (subset construction; a macro-state is the set of
states reachable by internal steps after a trace) and search the product of the two
deterministic automata breadth-first. Trace inclusion ``A ⊆ B`` fails iff some reachable pair
``(X_A, X_B)`` has an external action enabled in ``X_A`` and not in ``X_B``; the search returns a
*shortest* such trace. This decides inclusion for traces of every length at that scope, not
only up to a depth. It says nothing about larger scopes: the report names the scope.

External actions are matched by name and JSON arguments, as in composition.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from ioakit.lang.automaton import Kind, Machine


@dataclass(frozen=True)
class TraceComparison:
    """Outcome of comparing the finite-trace sets of two machines at their scopes."""

    left: str
    right: str
    scope: dict[str, int]
    left_in_right: bool
    right_in_left: bool
    witness_left_only: tuple[str, ...] | None
    witness_right_only: tuple[str, ...] | None
    left_states: int
    right_states: int
    macro_pairs: int
    seconds: float

    @property
    def equivalent(self) -> bool:
        return self.left_in_right and self.right_in_left

    def to_json(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "scope": self.scope,
            "equivalent": self.equivalent,
            "left_in_right": self.left_in_right,
            "right_in_left": self.right_in_left,
            "witness_left_only": list(self.witness_left_only) if self.witness_left_only is not None else None,
            "witness_right_only": list(self.witness_right_only) if self.witness_right_only is not None else None,
            "left_states": self.left_states,
            "right_states": self.right_states,
            "macro_pairs": self.macro_pairs,
            "seconds": round(self.seconds, 3),
        }


class _Det:
    """The external-trace automaton of a machine, determinised lazily."""

    def __init__(self, m: Machine, labels: dict[str, int]) -> None:
        self.m = m
        succ = m.compiled().successors
        ext_label = [
            labels.setdefault(a.name + json.dumps(a.args_json(), sort_keys=True), len(labels))
            if a.kind is not Kind.INTERNAL
            else -1
            for a in m.actions
        ]
        ids: dict[tuple[Any, ...], int] = {}
        internal: list[list[int]] = []
        external: list[list[tuple[int, int]]] = []
        todo = list(m.start_states)
        for s in todo:
            ids.setdefault(s, len(ids))
        while todo:
            s = todo.pop()
            i = ids[s]
            while len(internal) <= i:
                internal.append([])
                external.append([])
            for k, ns in succ(s):
                if ns is None:
                    continue
                if ns not in ids:
                    ids[ns] = len(ids)
                    todo.append(ns)
                j = ids[ns]
                if ext_label[k] < 0:
                    internal[i].append(j)
                else:
                    external[i].append((ext_label[k], j))
        while len(internal) < len(ids):
            internal.append([])
            external.append([])
        self.internal = internal
        self.external = external
        self.states = len(ids)
        self.start = self.closure({ids[s] for s in m.start_states})

    def closure(self, xs: set[int]) -> frozenset[int]:
        out = set(xs)
        stack = list(xs)
        while stack:
            i = stack.pop()
            for j in self.internal[i]:
                if j not in out:
                    out.add(j)
                    stack.append(j)
        return frozenset(out)

    def moves(self, X: frozenset[int]) -> dict[int, frozenset[int]]:
        nxt: dict[int, set[int]] = {}
        for i in X:
            for lab, j in self.external[i]:
                nxt.setdefault(lab, set()).add(j)
        return {lab: self.closure(js) for lab, js in nxt.items()}


def compare_traces(left: Machine, right: Machine) -> TraceComparison:
    """Decide ``traces(left) ⊆ traces(right)`` and the converse, with shortest witnesses."""
    t0 = time.perf_counter()
    labels: dict[str, int] = {}
    A, B = _Det(left, labels), _Det(right, labels)
    names = {v: k for k, v in labels.items()}
    start = (A.start, B.start)
    parent: dict[tuple[frozenset[int], frozenset[int]], tuple[Any, int] | None] = {start: None}
    queue = deque([start])
    left_only: tuple[str, ...] | None = None
    right_only: tuple[str, ...] | None = None

    def trace_to(pair: Any, last: int) -> tuple[str, ...]:
        out = [names[last]]
        while parent[pair] is not None:
            pair, lab = parent[pair]  # type: ignore[misc]
            out.append(names[lab])
        return tuple(reversed(out))

    while queue and (left_only is None or right_only is None):
        pair = queue.popleft()
        ma, mb = A.moves(pair[0]), B.moves(pair[1])
        for lab in sorted(set(ma) | set(mb)):
            if lab not in mb:
                left_only = left_only or trace_to(pair, lab)
                continue
            if lab not in ma:
                right_only = right_only or trace_to(pair, lab)
                continue
            nxt = (ma[lab], mb[lab])
            if nxt not in parent:
                parent[nxt] = (pair, lab)
                queue.append(nxt)
    return TraceComparison(
        left=left.name,
        right=right.name,
        scope=left.scope.as_dict(),
        left_in_right=left_only is None,
        right_in_left=right_only is None,
        witness_left_only=left_only,
        witness_right_only=right_only,
        left_states=A.states,
        right_states=B.states,
        macro_pairs=len(parent),
        seconds=time.perf_counter() - t0,
    )
