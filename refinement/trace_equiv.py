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

Steps cut off by the scope's bounds (``ioakit.engines.bounds``) remove traces from a side, so
neither equality nor a difference can then be concluded for the machines themselves: a trace
missing from a side that cut steps may be a trace of that machine. The comparison is then
INCOMPLETE, except for a witness trace missing from a side that cut nothing (a real difference,
VIOLATED); ``allow_bound_hits`` makes the verdict about the bounded machines instead.

Ctrl-C (or SIGTERM, turned into it by ``ioakit.cli.main``) ends the search with a partial
result: INCOMPLETE, saying how many macro-state pairs were compared with no difference found
(nothing is claimed about the rest); a witness found before the interrupt stays a difference —
both machines were explored completely before the product search began, so it is exact.

External actions are matched by name and JSON arguments, as in composition.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ioakit.engines.bounds import BoundHit, cut_reason, diagnose
from ioakit.lang.automaton import Kind, Machine
from ioakit.results import Verdict

PROGRESS_EVERY = 2048
"""Macro-state pairs between two calls of ``compare_traces``'s progress callback."""


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
    right_scope: dict[str, int] | None = None
    """The right machine's scope when it differs from the left's (a specification's)."""
    left_bound_hits: int = 0
    right_bound_hits: int = 0
    first_bound_hit_left: BoundHit | None = None
    first_bound_hit_right: BoundHit | None = None
    bound_hits_allowed: bool = False
    interrupted: bool = False
    """Ctrl-C ended the comparison: ``left_in_right`` / ``right_in_left`` then only say that no
    witness was found among the ``compared`` pairs."""
    compared: int = 0
    """Macro-state pairs whose every external action was compared (all of them, unless
    interrupted)."""
    interrupted_while: str | None = None
    """What was running when interrupted: exploring a machine, or the product search."""

    @property
    def equivalent(self) -> bool:
        """The computed trace sets are equal (about the bounded machines when steps were cut:
        read ``verdict`` for what is established about the machines); never after an interrupt."""
        return self.left_in_right and self.right_in_left and not self.interrupted

    @property
    def verdict(self) -> Verdict:
        """OK: the trace sets are equal; VIOLATED: a trace of one machine that the other lacks;
        INCOMPLETE: steps were cut off by the bounds, or Ctrl-C stopped the search before a
        difference was found, so neither can be concluded.

        A witness found on one side is a real trace of that machine (every step taken is a real
        step); it is missing from the other only if the other cut nothing."""
        real_left_only = self.witness_left_only is not None and (not self.right_bound_hits or self.bound_hits_allowed)
        real_right_only = self.witness_right_only is not None and (not self.left_bound_hits or self.bound_hits_allowed)
        if real_left_only or real_right_only:
            return Verdict.VIOLATED
        if self.interrupted:
            return Verdict.INCOMPLETE
        if (self.left_bound_hits or self.right_bound_hits) and not self.bound_hits_allowed:
            return Verdict.INCOMPLETE
        return Verdict.OK if self.equivalent else Verdict.VIOLATED

    @property
    def inclusion_verdict(self) -> Verdict:
        """The verdict on "every finite trace of left is one of right" alone (a refinement's
        trace inclusion): VIOLATED only with a witness that is real on both sides (left's steps
        are real steps; right lacks the trace only if right cut nothing), INCOMPLETE when steps
        were cut or Ctrl-C stopped the search, and nothing is established, else OK."""
        allowed = self.bound_hits_allowed
        if not self.left_in_right and (not self.right_bound_hits or allowed):
            return Verdict.VIOLATED
        if self.interrupted:
            return Verdict.INCOMPLETE
        if (self.left_bound_hits or self.right_bound_hits) and not allowed:
            return Verdict.INCOMPLETE
        return Verdict.OK

    @property
    def reason(self) -> str | None:
        """Why the comparison is incomplete (or about the bounded machines only), or None."""
        parts = [self.interruption] if self.interrupted else []
        if self.bound_reason:
            parts.append(self.bound_reason)
        return "; ".join(parts) or None

    @property
    def bound_reason(self) -> str | None:
        """The steps cut off by the scope's bounds on each side, in words, or None."""
        parts = []
        for side, n, first in (
            (self.left, self.left_bound_hits, self.first_bound_hit_left),
            (self.right, self.right_bound_hits, self.first_bound_hit_right),
        ):
            if n:
                parts.append(f"{side}: {cut_reason(n, first, self.bound_hits_allowed)}")
        return "; ".join(parts) or None

    @property
    def interruption(self) -> str:
        """What an interrupted comparison established, in words ("" when not interrupted)."""
        if not self.interrupted:
            return ""
        if self.interrupted_while != "the product search":
            reached = f"{self.left_states:,} / {self.right_states:,} states reached"
            return (
                f"interrupted (Ctrl-C) while {self.interrupted_while} ({reached}), before any trace was compared; "
                "nothing is claimed"
            )
        found = " (apart from the difference shown)" if not (self.left_in_right and self.right_in_left) else ""
        return (
            f"interrupted (Ctrl-C): no difference found{found} among the {self.compared:,} macro-state pairs "
            f"compared before the interrupt ({self.macro_pairs - self.compared:,} reached but not compared); "
            "nothing is claimed about the rest"
        )

    def show(self) -> str:
        """Human-readable result (``format_compare``)."""
        return format_compare(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "scope": self.scope,
            "verdict": self.verdict.value,
            "complete": not (self.left_bound_hits or self.right_bound_hits or self.interrupted),
            "interrupted": self.interrupted,
            "interrupted_while": self.interrupted_while,
            "reason": self.reason,
            "equivalent": self.equivalent,
            # after an interrupt, no witness found is not an inclusion: null (unknown)
            "left_in_right": False if not self.left_in_right else None if self.interrupted else True,
            "right_in_left": False if not self.right_in_left else None if self.interrupted else True,
            "witness_left_only": list(self.witness_left_only) if self.witness_left_only is not None else None,
            "witness_right_only": list(self.witness_right_only) if self.witness_right_only is not None else None,
            "left_states": self.left_states,
            "right_states": self.right_states,
            "macro_pairs": self.macro_pairs,
            "macro_pairs_compared": self.compared,
            "bound_hits": {"left": self.left_bound_hits, "right": self.right_bound_hits},
            "bound_hits_allowed": self.bound_hits_allowed,
            "first_bound_hit": {
                "left": self.first_bound_hit_left.to_json() if self.first_bound_hit_left else None,
                "right": self.first_bound_hit_right.to_json() if self.first_bound_hit_right else None,
            },
            "seconds": round(self.seconds, 3),
            "right_scope": self.right_scope,
        }


def format_compare(r: TraceComparison) -> str:
    """Human-readable result of ``compare``: EQUAL, DIFFERENT (with witnesses) or INCOMPLETE."""
    scope = ",".join(f"{k}={v}" for k, v in r.scope.items())
    if r.right_scope is not None:
        scope += "; " + r.right + ": " + ",".join(f"{k}={v}" for k, v in r.right_scope.items())
    text = [f"finite traces of {r.left} vs {r.right}  [scope {scope}]"]
    figures = (
        f"determinised external-trace automata, {r.macro_pairs:,} macro-state pairs; {r.left_states:,} / "
        f"{r.right_states:,} states; {r.seconds:.2f} s"
    )
    if r.verdict is Verdict.INCOMPLETE:
        text.append(f"  INCOMPLETE — neither equality nor a difference is established: {r.reason} ({figures})")
    else:
        word = "EQUAL" if r.verdict is Verdict.OK else "DIFFERENT"
        text.append(f"  {word} — exact at this scope ({figures})")
        if r.interrupted:
            text.append(f"  {r.interruption}")
        if r.bound_reason:
            text.append(f"  BOUND HITS ACCEPTED (--allow-bound-hits): {r.bound_reason}")
    for side, w in ((f"{r.left} only", r.witness_left_only), (f"{r.right} only", r.witness_right_only)):
        if w is not None:
            text.append(f"  shortest trace of {side}: " + " · ".join(w))
    return "\n".join(text)


class _Det:
    """The external-trace automaton of a machine, determinised lazily: ``explore()`` first
    builds the machine's reachable state graph (``states`` counts the states reached so far,
    also when Ctrl-C stopped it half-way)."""

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.ids: dict[tuple[Any, ...], int] = {}
        self.bound_hits = 0
        self.first_bound_hit: BoundHit | None = None

    @property
    def states(self) -> int:
        """States of the machine reached so far (all of them once ``explore`` returned)."""
        return len(self.ids)

    def explore(self, labels: dict[str, int]) -> None:
        """Build the reachable state graph, split into internal and external (labelled) steps;
        external labels are numbered in ``labels``, shared by the two machines compared."""
        m = self.m
        succ = m.compiled().successors

        def label_id(k: int, pre: tuple[Any, ...]) -> int:
            key = m.actions[k].name + json.dumps(m.args_json_of(k, pre), sort_keys=True)
            return labels.setdefault(key, len(labels))

        # external label ids of instances whose arguments are fixed; -2: computed per state
        # (arguments taken from the state); -1: internal
        ext_label = [
            -1 if a.kind is Kind.INTERNAL else -2 if a.bound else label_id(k, ()) for k, a in enumerate(m.actions)
        ]
        ids = self.ids
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
                if ns is None:  # cut off by the scope's bounds: counted, never silent
                    self.bound_hits += 1
                    if self.first_bound_hit is None:
                        self.first_bound_hit = diagnose(m, k, s)
                    continue
                if ns not in ids:
                    ids[ns] = len(ids)
                    todo.append(ns)
                j = ids[ns]
                lab = ext_label[k]
                if lab == -1:
                    internal[i].append(j)
                else:
                    external[i].append((lab if lab >= 0 else label_id(k, s), j))
        while len(internal) < len(ids):
            internal.append([])
            external.append([])
        self.internal = internal
        self.external = external
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


def compare_traces(
    left: Machine,
    right: Machine,
    *,
    allow_bound_hits: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TraceComparison:
    """Decide ``traces(left) ⊆ traces(right)`` and the converse, with shortest witnesses.

    With ``allow_bound_hits`` the verdict is about the bounded machines even when steps were cut
    off by the scope's bounds (see the module docstring). ``progress(pairs, queued)`` is called
    every ``PROGRESS_EVERY`` macro-state pairs (a status line; never part of the result)."""
    t0 = time.perf_counter()
    labels: dict[str, int] = {}
    A, B = _Det(left), _Det(right)
    names: dict[int, str] = {}
    parent: dict[tuple[frozenset[int], frozenset[int]], tuple[Any, int] | None] = {}
    left_only: tuple[str, ...] | None = None
    right_only: tuple[str, ...] | None = None
    compared = 0
    interrupted_while: str | None = None

    def trace_to(pair: Any, last: int) -> tuple[str, ...]:
        out = [names[last]]
        while parent[pair] is not None:
            pair, lab = parent[pair]  # type: ignore[misc]
            out.append(names[lab])
        return tuple(reversed(out))

    phase = f"exploring {left.name}"
    try:
        A.explore(labels)
        phase = f"exploring {right.name}"
        B.explore(labels)
        phase = "the product search"
        names.update((v, k) for k, v in labels.items())
        start = (A.start, B.start)
        parent[start] = None
        queue = deque([start])
        while queue and (left_only is None or right_only is None):
            pair = queue.popleft()
            if progress is not None and (compared + 1) % PROGRESS_EVERY == 0:
                progress(len(parent), len(queue))
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
            compared += 1  # every external action of this pair compared
    except KeyboardInterrupt:  # Ctrl-C / SIGTERM: report what was compared (the module docstring)
        interrupted_while = phase
    return TraceComparison(
        left=left.name,
        right=right.name,
        scope=left.scope.as_dict(),
        right_scope=None if right.scope == left.scope else right.scope.as_dict(),
        left_in_right=left_only is None,
        right_in_left=right_only is None,
        witness_left_only=left_only,
        witness_right_only=right_only,
        left_states=A.states,
        right_states=B.states,
        macro_pairs=len(parent),
        seconds=time.perf_counter() - t0,
        left_bound_hits=A.bound_hits,
        right_bound_hits=B.bound_hits,
        first_bound_hit_left=A.first_bound_hit,
        first_bound_hit_right=B.first_bound_hit,
        bound_hits_allowed=allow_bound_hits,
        interrupted=interrupted_while is not None,
        compared=compared,
        interrupted_while=interrupted_while,
    )
