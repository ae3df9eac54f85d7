"""VStoTO-system outside ioakit: seeded runs written as ioakit traces with state snapshots.

A standard-library-only implementation of Fekete, Lynch and Shvartsman, *Specifying and Using a
Partitionable Group Communication Service*: VStoTO_p (Fig. 7 types and operations, Fig. 8 states,
Fig. 9 transitions) for p1, p2 over VS-machine (Fig. 5), composed as VStoTO-system (Section 6,
with its history variables ``established`` and ``buildorder``). It shows that a refinement
checker can check, from recorded snapshots, a run of an implementation that is not an ioakit
automaton. The file follows ``traces/FORMAT.md``: a header with ``start_state``, then one event
per step with the whole ``state`` after it, spelled and encoded as ioakit's VStoTO-system does.

Scope: P = P0 = {p1, p2}, majority quorums, values a1 .. aV, K bcasts, view ids g0 .. g(G-1).
With G = 1 a run is the normal case in g0 (bcast, label, gpsnd, vs-order, gprcv, safe, confirm,
brcv) until nothing is enabled; with G > 1 views may also be created, installed and established
(state exchange). The scheduler labels only in status normal: Fig. 9 also allows status send,
which can deliver a value twice. ``--bug`` seeds a defect into a run that stays in g0 (so it is
confirmed and reported): ``deliver-unconfirmed`` (brcv delivers an ordered label that no one has
confirmed, as soon as it can) or ``duplicate-order`` (each processor appends the first label it
orders twice; needs G > 1, as the scope bounds ``order`` by K × G).

Usage: ``python vstoto_writer.py OUT.jsonl --seed N --inputs K --values V [--view-ids G] [--bug NAME]``
"""

from __future__ import annotations

import argparse
import functools
import json
import random
from collections.abc import Callable
from typing import Any

BUGS = ("deliver-unconfirmed", "duplicate-order")
PROCS = (1, 2)  # p1, p2; P0 = PROCS (the initial view is ⟨g0, P⟩)
KIND = {"bcast": "input", "brcv": "output"}  # VStoTO-system hides the rest (Section 6)

# Values: processor i, view id g (None = ⊥), value a are ints; label = (g, seqno, origin)
# (ordered lexicographically, Section 5); view = (g, frozenset of processors); summary =
# (con, ord, next, high) (Fig. 7); message = ("msg", (label, a)) or ("summary", summary).


def P(i: int) -> str:
    return f"p{i}"


def G(g: int | None) -> str | None:
    return None if g is None else f"g{g}"


def lab(l: tuple[int, int, int]) -> dict[str, Any]:
    return {"id": G(l[0]), "seqno": l[1], "origin": P(l[2])}


def view(v: tuple[int, frozenset[int]] | None) -> dict[str, Any] | None:
    return None if v is None else {"id": G(v[0]), "set": [P(i) for i in sorted(v[1])]}


def pairs(con: set | frozenset) -> list[list[Any]]:
    """A set of ⟨label, value⟩ pairs, in domain order (labels first, then values)."""
    return [[lab(l), f"a{a}"] for l, a in sorted(con)]


def summ(x: tuple | None) -> dict[str, Any] | None:
    return None if x is None else {"con": pairs(x[0]), "ord": [lab(l) for l in x[1]], "next": x[2], "high": G(x[3])}


def msg(m: tuple) -> dict[str, Any]:
    return {"msg": [lab(m[1][0]), f"a{m[1][1]}"]} if m[0] == "msg" else {"summary": summ(m[1])}


class Proc:
    """VStoTO_p's state (Fig. 8) and its history variables (Section 6), with their start values
    for p ∈ P0: current = ⟨g0, P0⟩, status normal, highprimary g0, established[g0]."""

    def __init__(self, current: tuple, gs: range) -> None:
        self.current, self.status, self.delay, self.content = current, "normal", [], set()
        self.nextseqno, self.buffer, self.safe_labels, self.order = 1, [], set(), []
        self.nextconfirm, self.nextreport, self.highprimary = 1, 1, 0
        self.gotstate: dict[int, tuple] = {}
        self.safe_exch: set[int] = set()
        self.established, self.buildorder = {g: g == 0 for g in gs}, {g: [] for g in gs}

    def primary(self) -> bool:
        """Fig. 8: current ≠ ⊥ and current.set contains a quorum (a majority of P)."""
        return self.current is not None and 2 * len(self.current[1]) > len(PROCS)

    def set_order(self, order: list) -> None:
        """order ← order, and Section 6's buildorder[p, current.id] ← order."""
        self.order = order
        self.buildorder[self.current[0]] = list(order)


def orders(Y: dict) -> tuple[list, list, int | None]:
    """Fig. 7 on gotstate Y: (fullorder(Y), shortorder(Y), maxprimary(Y)). shortorder is the ord
    of chosenrep(Y), the highest processor among those whose ``high`` is maxprimary(Y) (⊥ least);
    fullorder appends the other labels of knowncontent(Y) in label order."""
    top = max((x[3] for x in Y.values()), key=lambda h: -1 if h is None else h)
    short = list(Y[max(q for q, x in Y.items() if x[3] == top)][1])
    known = {l for x in Y.values() for l, _ in x[0]}
    return short + sorted(known - set(short)), short, top


class System:
    """VS-machine (Fig. 5) composed with VStoTO_p for every p (Figs. 8, 9)."""

    def __init__(self, view_ids: int, inputs: int, values: int, bug: str | None) -> None:
        self.gs, self.inputs, self.values, self.bug = range(view_ids), inputs, values, bug
        v0 = (0, frozenset(PROCS))
        self.current_viewid: dict[int, int | None] = {p: 0 for p in PROCS}
        self.queue: dict[int, list] = {g: [] for g in self.gs}
        self.pending = {(p, g): [] for p in PROCS for g in self.gs}
        self.next = {(p, g): 1 for p in PROCS for g in self.gs}
        self.next_safe = dict(self.next)
        self.proc = {p: Proc(v0, self.gs) for p in PROCS}
        self.created, self.inputs_issued, self.twice = {v0}, 0, set()  # twice: for duplicate-order

    def snapshot(self) -> dict[str, Any]:
        """Every variable, as ioakit's VStoTO-system names and encodes it (FORMAT.md §4)."""
        each = lambda f: {P(p): f(self.proc[p]) for p in PROCS}  # noqa: E731
        pg = lambda f: {f"{P(p)},{G(g)}": f(p, g) for p in PROCS for g in self.gs}  # noqa: E731
        return {
            "created": [view(v) for v in sorted(self.created, key=lambda v: v[0])],
            "current_viewid": {P(p): G(self.current_viewid[p]) for p in PROCS},
            "queue": {G(g): [[msg(m), P(q)] for m, q in self.queue[g]] for g in self.gs},
            "pending": pg(lambda p, g: [msg(m) for m in self.pending[p, g]]),
            "next": pg(lambda p, g: self.next[p, g]),
            "next_safe": pg(lambda p, g: self.next_safe[p, g]),
            "current": each(lambda x: view(x.current)),
            "status": each(lambda x: x.status),
            "delay": each(lambda x: [f"a{a}" for a in x.delay]),
            "content": each(lambda x: pairs(x.content)),
            "nextseqno": each(lambda x: x.nextseqno),
            "buffer": each(lambda x: [lab(l) for l in x.buffer]),
            "safe_labels": each(lambda x: [lab(l) for l in sorted(x.safe_labels)]),
            "order": each(lambda x: [lab(l) for l in x.order]),
            "nextconfirm": each(lambda x: x.nextconfirm),
            "nextreport": each(lambda x: x.nextreport),
            "highprimary": each(lambda x: G(x.highprimary)),
            "gotstate": {f"{P(p)},{P(q)}": summ(self.proc[p].gotstate.get(q)) for p in PROCS for q in PROCS},
            "safe_exch": each(lambda x: [P(q) for q in sorted(x.safe_exch)]),
            "established": pg(lambda p, g: self.proc[p].established[g]),
            "buildorder": pg(lambda p, g: [lab(l) for l in self.proc[p].buildorder[g]]),
            "inputs_issued": self.inputs_issued,
        }

    def moves(self) -> list[tuple[str, dict[str, Any], int | None, Callable[[], None], bool]]:
        """The enabled steps: (action, encoded args, location, effect, enabled only by the bug)."""
        out: list = []

        def add(action: str, args: dict, at: int | None, effect: Callable, *params: Any, buggy: bool = False) -> None:
            out.append((action, args, at, functools.partial(effect, *params), buggy))

        views = sorted(self.created, key=lambda v: v[0])
        for p in PROCS:
            x, g = self.proc[p], self.current_viewid[p]
            if self.inputs_issued < self.inputs:  # the environment's bcast budget
                for a in range(1, self.values + 1):
                    add("bcast", {"a": f"a{a}", "p": P(p)}, p, self.bcast, p, a)
            if x.delay and x.current is not None and x.status == "normal":  # status: see the docstring
                add("label", {"a": f"a{x.delay[0]}", "p": P(p)}, p, self.label, p)
            if x.status == "normal" and x.buffer:
                m = ("msg", min(la for la in x.content if la[0] == x.buffer[0]))
                add("gpsnd", {"m": msg(m), "p": P(p)}, p, self.gpsnd, p, m)
            if x.status == "send":
                m = ("summary", (frozenset(x.content), tuple(x.order), x.nextconfirm, x.highprimary))
                add("gpsnd", {"m": msg(m), "p": P(p)}, p, self.gpsnd, p, m)
            for h in (h for h in self.gs if self.pending[p, h]):
                add("vs_order", {"m": msg(self.pending[p, h][0]), "p": P(p), "g": G(h)}, None, self.vs_order, p, h)
            if g is not None and self.next[p, g] <= len(self.queue[g]):
                m, q = self.queue[g][self.next[p, g] - 1]
                add("gprcv", {"m": msg(m), "p": P(q), "q": P(p)}, p, self.gprcv, p, g)
            ns = self.next_safe[p, g] if g is not None else 0
            if g is not None and ns <= len(self.queue[g]) and all(self.next[r, g] > ns for r in dict(views)[g]):
                m, q = self.queue[g][ns - 1]
                add("safe", {"m": msg(m), "p": P(q), "q": P(p)}, p, self.safe, p, g)
            if x.primary() and x.nextconfirm <= len(x.order) and x.order[x.nextconfirm - 1] in x.safe_labels:
                add("confirm", {"p": P(p)}, p, self.bump, p, "nextconfirm")
            if x.nextreport <= len(x.order):
                l, buggy = x.order[x.nextreport - 1], x.nextreport >= x.nextconfirm
                for a in sorted(a for k, a in x.content if k == l and (not buggy or self.bug == "deliver-unconfirmed")):
                    add("brcv", {"a": f"a{a}", "p": P(l[2]), "q": P(p)}, p, self.bump, p, "nextreport", buggy=buggy)
            for v in (v for v in views if p in v[1] and (g is None or v[0] > g)):
                add("newview", {"v": view(v), "p": P(p)}, p, self.newview, p, v)
        for h in (h for h in self.gs if h > views[-1][0] and not self.bug):  # a bug's run stays in g0
            for v in ((h, frozenset(s)) for s in ({1}, {2}, {1, 2})):
                add("createview", {"v": view(v)}, None, self.created.add, v)
        return out

    # -- the transitions' effects (Fig. 9, VStoTO_p; Fig. 5, VS-machine) ----------------------------
    def bcast(self, p: int, a: int) -> None:
        self.proc[p].delay.append(a)
        self.inputs_issued += 1

    def label(self, p: int) -> None:
        x = self.proc[p]
        l = (x.current[0], x.nextseqno, p)
        x.content.add((l, x.delay.pop(0)))
        x.buffer.append(l)
        x.nextseqno += 1

    def gpsnd(self, p: int, m: tuple) -> None:
        if m[0] == "msg":
            self.proc[p].buffer.pop(0)
        else:
            self.proc[p].status = "collect"
        if self.current_viewid[p] is not None:  # VS-machine drops it otherwise
            self.pending[p, self.current_viewid[p]].append(m)

    def vs_order(self, p: int, g: int) -> None:
        self.queue[g].append((self.pending[p, g].pop(0), p))

    def gprcv(self, p: int, g: int) -> None:
        """Delivery at p of the next message of view g from q, and VStoTO_p's two gprcv effects."""
        (kind, y), q = self.queue[g][self.next[p, g] - 1]
        self.next[p, g] += 1
        x = self.proc[p]
        if kind == "msg":
            x.content.add(y)
            if x.primary():
                twice = self.bug == "duplicate-order" and p not in self.twice
                self.twice |= {p} if twice else set()
                x.set_order(x.order + [y[0]] * (2 if twice else 1))
            return
        x.content |= y[0]
        x.gotstate[q] = y
        if set(x.gotstate) == x.current[1] and x.status == "collect":  # establish the view
            x.nextconfirm = max(s[2] for s in x.gotstate.values())
            full, short, top = orders(x.gotstate)
            x.set_order(full if x.primary() else short)
            x.highprimary = x.current[0] if x.primary() else top
            x.status = "normal"
            x.established[x.current[0]] = True

    def safe(self, p: int, g: int) -> None:
        """The next safe indication at p in view g, and VStoTO_p's two safe effects."""
        (kind, y), q = self.queue[g][self.next_safe[p, g] - 1]
        self.next_safe[p, g] += 1
        x = self.proc[p]
        if kind == "msg" and x.primary():
            x.safe_labels.add(y[0])
        elif kind == "summary":
            x.safe_exch.add(q)
            if x.safe_exch == x.current[1] and x.primary():
                x.safe_labels |= set(orders(x.gotstate)[0])

    def bump(self, p: int, counter: str) -> None:
        """confirm_p (nextconfirm) and brcv(a)_{q,p} (nextreport): add one to p's counter."""
        setattr(self.proc[p], counter, getattr(self.proc[p], counter) + 1)

    def newview(self, p: int, v: tuple) -> None:
        self.current_viewid[p] = v[0]
        x = self.proc[p]
        x.current, x.nextseqno, x.buffer, x.gotstate = v, 1, [], {}
        x.safe_exch, x.safe_labels, x.status = set(), set(), "send"


def run(out: str, seed: int, inputs: int, values: int, view_ids: int, bug: str | None, max_steps: int) -> None:
    """Run the system with a seeded uniform scheduler until nothing is enabled (or ``max_steps``)
    and write the trace. With a bug seeded, a step that only the bug enables is preferred."""
    rng, sysm = random.Random(seed), System(view_ids, inputs, values, bug)
    scope = {"processors": 2, "initial_members": 2, "view_ids": view_ids, "values": values, "max_inputs": inputs}
    header: dict[str, Any] = {"format": "ioakit-trace", "version": 1, "automaton": "VStoTO-system"}
    header |= {"scope": scope | {"quorums": 0}, "created_by": "tests/refinement/external/vstoto_writer.py"}
    header |= {"seed": seed, "start_state": sysm.snapshot()} | ({"x-bug": bug} if bug else {})
    lines = [header]
    for _ in range(max_steps):
        moves = sysm.moves()
        if not moves:
            break
        action, args, at, effect, _ = rng.choice([m for m in moves if m[4]] or moves)
        effect()
        event = {"action": action, "kind": KIND.get(action, "internal"), "args": args, "state": sysm.snapshot()}
        lines.append(event | ({"at": P(at)} if at is not None else {}))
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(line, separators=(",", ":"), allow_nan=False) + "\n" for line in lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the trace file to write (replaced if it exists)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--inputs", type=int, default=2, help="max_inputs: how many bcasts the environment issues")
    ap.add_argument("--values", type=int, default=2, help="|A|: values a1 .. aV")
    ap.add_argument("--view-ids", type=int, default=1, help="|G|: view ids g0 .. g(G-1); 2 or more allows view changes")
    ap.add_argument("--bug", choices=BUGS, help="seed this defect")
    ap.add_argument("--max-steps", type=int, default=1000)
    a = ap.parse_args()
    if min(a.inputs + 1, a.values, a.view_ids) < 1:
        ap.error("--inputs must be at least 0, --values and --view-ids at least 1")
    if a.bug == "duplicate-order" and a.view_ids < 2:
        ap.error("--bug duplicate-order needs --view-ids 2 or more (order is bounded by max_inputs × view_ids)")
    run(a.out, a.seed, a.inputs, a.values, a.view_ids, a.bug, a.max_steps)


if __name__ == "__main__":
    main()
