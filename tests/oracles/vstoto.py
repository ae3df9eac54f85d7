"""An independent, hand-written breadth-first search of *VStoTO-system* — the composition of
VS-machine (Figure 5) with VStoTO_p for every p (Figures 7, 8, 9), gpsnd / gprcv / safe /
newview hidden — from Fekete, Lynch, Shvartsman, *Specifying and Using a Partitionable Group
Communication Service*, Section 6, with the history variables ``established`` and
``buildorder`` of Section 6 and the derived variables ``allstate`` / ``allcontent`` /
``allconfirm``.

It imports nothing from ioakit: it exists to cross-check the state counts and the lemma verdicts
of ioakit's own encoding. It is written for obviousness, not speed: states are named tuples of
tuples / frozensets, and every transition is a transcription of the figure next to it.

Scope and conventions (fixed, so that two encodings can be compared):

* P = p1..pn is ``range(n)`` (p1 = 0), P0 = the first ``initial_members`` processors,
  G = g0..g(k-1) is ``range(k)`` with ⊥ = -1 below every id, A = a1.. is ``range(values)``.
* Labels L = G × N>0 × P are tuples ``(id, seqno, origin)``; Python's tuple order *is* the
  paper's lexicographic label order. An ordinary message ⟨l, a⟩ is the pair ``(l, a)``; a summary
  is a :class:`Summary` ``(con, ord, next, high)``.
* ``quorums``: 0 = majorities (2|Q| > n), 1 = every subset containing p1 (intersecting, not a
  majority family). ``primary`` = current ≠ ⊥ ∧ some quorum ⊆ current.set.
* ``chosenrep(Y)`` = the element of ``reps(Y)`` with the highest processor index (Figure 7
  allows any deterministic choice). ``fullorder(Y)`` = ``shortorder(Y)`` followed by the labels
  of ``dom(knowncontent(Y))`` not in ``range(shortorder(Y))``, ascending.
* ``createview(v)`` ranges over all of G × 2^P (the empty set included) with v.id above every
  created id; ``newview(v)_p`` only for p ∈ v.set (the VS signature).
* The environment issues at most ``max_inputs`` ``bcast`` inputs in total (the counter
  ``issued`` is part of the state). Nothing else is bounded: views and bcasts bound everything.

Action labels are ``name(arg=value,...)`` with the paper's names and subscripts: VS's
``gprcv(m)_{p,q}`` / ``safe(m)_{p,q}`` are ``gprcv(m=…,p=sender,q=receiver)`` (they are
VStoTO_q's inputs), VStoTO_p's ``brcv(a)_{q,p}`` is ``brcv(a=…,q=origin,p=destination)``.

API: :func:`explore` returns a :class:`Result` (``states``, ``transitions`` = distinct (state,
action, next state) triples, ``maxima`` = the largest sequence lengths / counters seen,
``complete``, ``reachable()`` in BFS order, ``path(state)`` = a shortest execution);
:class:`Derived` computes allstate / allcontent / allconfirm; :data:`LEMMAS` holds the 48 items
of Lemmas 6.1–6.24 as predicates, :func:`check_lemmas` evaluates them with shortest
counterexamples; :func:`check_traces` checks the bcast / brcv history against TO-machine
(Theorem 6.26) on a search made with ``monitor=True``.

What it finds on the algorithm *as printed* (the tests pin it): ``label(a)_p`` is enabled while
status_p = send, so p's summary carries ⟨l, a⟩, the establishing ``fullorder`` puts l into
order, and the ordinary message ⟨l, a⟩ sent afterwards appends l a second time — a value bcast
once is delivered twice. No lemma item catches this at n = 1 (only the trace check does); at
n = 2 it breaks Lemma 6.20, 6.22(1) and Corollary 6.23.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

BOT = -1  # ⊥ for view ids (G_⊥); ``current`` = ⊥ is None

Label = tuple[int, int, int]  # (id, seqno, origin)
View = tuple[int, frozenset[int]]  # (id, set)


class Summary(NamedTuple):
    """An element of *summaries* = 2^(L×A) × L* × N>0 × G_⊥ (Figure 7)."""

    con: frozenset[tuple[Label, int]]
    ord: tuple[Label, ...]
    next: int
    high: int


class Proc(NamedTuple):
    """The state of VStoTO_p (Figure 8)."""

    current: View | None
    status: str  # "normal" | "send" | "collect"
    delay: tuple[int, ...]
    content: frozenset[tuple[Label, int]]
    nextseqno: int
    buffer: tuple[Label, ...]
    safe_labels: frozenset[Label]
    order: tuple[Label, ...]
    nextconfirm: int
    nextreport: int
    highprimary: int
    gotstate: tuple[Summary | None, ...]  # partial function P -> summaries, None = undefined
    safe_exch: frozenset[int]


class State(NamedTuple):
    """A state of VStoTO-system: VS-machine's variables (Figure 5; ``pending``, ``next``,
    ``next_safe`` indexed ``[p][g]``), every VStoTO_p, the history variables of Section 6
    (``established[p][g]``, ``buildorder[p][g]``), the bcast counter, and — only when the trace
    monitor is on — ``trace`` = (values bcast per origin, (value, origin) delivered per
    destination)."""

    created: frozenset[View]
    cvid: tuple[int, ...]
    queue: tuple[tuple[tuple[Any, int], ...], ...]
    pending: tuple[tuple[tuple[Any, ...], ...], ...]
    next: tuple[tuple[int, ...], ...]
    next_safe: tuple[tuple[int, ...], ...]
    procs: tuple[Proc, ...]
    established: tuple[tuple[bool, ...], ...]
    buildorder: tuple[tuple[tuple[Label, ...], ...], ...]
    issued: int
    trace: Any = None


ActionLabel = tuple[str, tuple[tuple[str, Any], ...]]


@dataclass(frozen=True)
class Scope:
    processors: int
    initial_members: int
    view_ids: int
    values: int
    max_inputs: int
    quorums: int

    def has_quorum(self, s: frozenset[int]) -> bool:
        """∃Q ∈ 𝒬: Q ⊆ s."""
        if self.quorums == 0:
            return 2 * len(s) > self.processors
        if self.quorums == 1:
            return 0 in s
        raise ValueError(f"unknown quorum system {self.quorums}")

    def primary(self, pr: Proc) -> bool:
        """Figure 8's derived variable: current ≠ ⊥ ∧ ∃Q ∈ 𝒬: Q ⊆ current.set."""
        return pr.current is not None and self.has_quorum(pr.current[1])

    @property
    def subsets(self) -> list[frozenset[int]]:
        rP = range(self.processors)
        return [frozenset(c) for r in range(self.processors + 1) for c in itertools.combinations(rP, r)]


# -- rendering ------------------------------------------------------------------------------------


def show(v: Any, key: str = "") -> str:
    """Paper-style rendering of an action argument."""
    if key in ("p", "q"):
        return f"p{v + 1}"
    if key == "g":
        return f"g{v}"
    if key == "a":
        return f"a{v + 1}"
    if key == "v":
        return f"<g{v[0]},{{{','.join(f'p{p + 1}' for p in sorted(v[1]))}}}>"
    if key == "m":
        if isinstance(v, Summary):
            con = ",".join(f"<{show_label(l)},a{a + 1}>" for l, a in sorted(v.con))
            ord_ = ",".join(show_label(l) for l in v.ord)
            high = "⊥" if v.high == BOT else f"g{v.high}"
            return f"<{{{con}}},[{ord_}],{v.next},{high}>"
        l, a = v
        return f"<{show_label(l)},a{a + 1}>"
    return str(v)


def show_label(l: Label) -> str:
    return f"<g{l[0]},{l[1]},p{l[2] + 1}>"


def render(action: ActionLabel) -> str:
    name, args = action
    return f"{name}({','.join(f'{k}={show(v, k)}' for k, v in args)})"


# -- Figure 7 --------------------------------------------------------------------------------------


def confirm_of(x: Summary) -> tuple[Label, ...]:
    """x.confirm: the prefix of x.ord of length min(x.next - 1, length(x.ord))."""
    return x.ord[: min(x.next - 1, len(x.ord))]


def defined(Y: tuple[Summary | None, ...]) -> list[tuple[int, Summary]]:
    return [(q, y) for q, y in enumerate(Y) if y is not None]


def knowncontent(Y: tuple[Summary | None, ...]) -> frozenset[tuple[Label, int]]:
    return frozenset().union(*(y.con for _, y in defined(Y)))


def maxprimary(Y: tuple[Summary | None, ...]) -> int:
    return max(y.high for _, y in defined(Y))


def chosenrep(Y: tuple[Summary | None, ...]) -> int:
    """The element of reps(Y) = {q ∈ dom(Y) : Y(q).high = maxprimary(Y)} with the highest index."""
    mp = maxprimary(Y)
    return max(q for q, y in defined(Y) if y.high == mp)


def shortorder(Y: tuple[Summary | None, ...]) -> tuple[Label, ...]:
    y = Y[chosenrep(Y)]
    assert y is not None
    return y.ord


def fullorder(Y: tuple[Summary | None, ...]) -> tuple[Label, ...]:
    short = shortorder(Y)
    rest = {l for l, _ in knowncontent(Y)} - set(short)
    return short + tuple(sorted(rest))


def maxnextconfirm(Y: tuple[Summary | None, ...]) -> int:
    return max(y.next for _, y in defined(Y))


def local_summary(pr: Proc) -> Summary:
    """⟨content, order, nextconfirm, highprimary⟩: the summary p sends (Figure 9, gpsnd(x))."""
    return Summary(pr.content, pr.order, pr.nextconfirm, pr.highprimary)


def cid(pr: Proc) -> int:
    """current.id, with ⊥ below every view id."""
    return BOT if pr.current is None else pr.current[0]


# -- the start state ---------------------------------------------------------------------------


def start_state(sc: Scope, monitor: bool = False) -> State:
    n, k = sc.processors, sc.view_ids
    P0 = frozenset(range(sc.initial_members))
    v0 = (0, P0)
    procs = tuple(
        Proc(
            current=v0 if p in P0 else None,
            status="normal",
            delay=(),
            content=frozenset(),
            nextseqno=1,
            buffer=(),
            safe_labels=frozenset(),
            order=(),
            nextconfirm=1,
            nextreport=1,
            highprimary=0 if p in P0 else BOT,
            gotstate=(None,) * n,
            safe_exch=frozenset(),
        )
        for p in range(n)
    )
    return State(
        created=frozenset({v0}),
        cvid=tuple(0 if p in P0 else BOT for p in range(n)),
        queue=((),) * k,
        pending=(((),) * k,) * n,
        next=((1,) * k,) * n,
        next_safe=((1,) * k,) * n,
        procs=procs,
        established=tuple(tuple(g == 0 and p in P0 for g in range(k)) for p in range(n)),
        buildorder=(((),) * k,) * n,
        issued=0,
        trace=((((),) * n), (((),) * n)) if monitor else None,
    )


# -- tuple helpers ---------------------------------------------------------------------------------


def put(t: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return t[:i] + (v,) + t[i + 1 :]


def put2(t: tuple[tuple[Any, ...], ...], i: int, j: int, v: Any) -> tuple[tuple[Any, ...], ...]:
    return put(t, i, put(t[i], j, v))


def with_proc(s: State, p: int, pr: Proc) -> State:
    return s._replace(procs=put(s.procs, p, pr))


def vs_gpsnd(s: State, p: int, m: Any) -> State:
    """VS-machine's input gpsnd(m)_p (Figure 5): if current-viewid[p] ≠ ⊥ append m to
    pending[p, current-viewid[p]]; otherwise the message is dropped."""
    g = s.cvid[p]
    if g == BOT:
        return s
    return s._replace(pending=put2(s.pending, p, g, s.pending[p][g] + (m,)))


# -- VStoTO_p's inputs from VS (Figure 9) -----------------------------------------------------------


def vstoto_gprcv(s: State, sc: Scope, q: int, p: int, m: Any) -> State:
    """VStoTO_p's input gprcv(m)_{q,p} (q the sender), Figure 9, with Section 6's history
    statements: buildorder[p, current.id] ← order after every assignment to order, and
    established[p, current.id] ← true in the establishing branch."""
    pr = s.procs[p]
    if not isinstance(m, Summary):
        # gprcv(⟨l,a⟩)_{q,p}: content ← content ∪ {⟨l,a⟩}; if primary then order ← order·l
        pr = pr._replace(content=pr.content | {m})
        if sc.primary(pr):
            pr = pr._replace(order=pr.order + (m[0],))
            assert pr.current is not None
            s = s._replace(buildorder=put2(s.buildorder, p, pr.current[0], pr.order))
        return with_proc(s, p, pr)
    # gprcv(x)_{q,p}: content ← content ∪ x.con; gotstate ← gotstate ⊕ ⟨q,x⟩; then, if
    # dom(gotstate) = current.set ∧ status = collect, establish the view.
    got = put(pr.gotstate, q, m)
    pr = pr._replace(content=pr.content | m.con, gotstate=got)
    dom = frozenset(r for r, y in enumerate(got) if y is not None)
    if pr.current is not None and dom == pr.current[1] and pr.status == "collect":
        g = pr.current[0]
        pr = pr._replace(nextconfirm=maxnextconfirm(got))
        if sc.primary(pr):
            pr = pr._replace(order=fullorder(got), highprimary=g)
        else:
            pr = pr._replace(order=shortorder(got), highprimary=maxprimary(got))
        pr = pr._replace(status="normal")
        s = s._replace(
            buildorder=put2(s.buildorder, p, g, pr.order),
            established=put2(s.established, p, g, True),
        )
    return with_proc(s, p, pr)


def vstoto_safe(s: State, sc: Scope, q: int, p: int, m: Any) -> State:
    """VStoTO_p's input safe(m)_{q,p}, Figure 9."""
    pr = s.procs[p]
    if not isinstance(m, Summary):
        # safe(⟨l,a⟩): if primary then safe-labels ← safe-labels ∪ {l}
        if sc.primary(pr):
            pr = pr._replace(safe_labels=pr.safe_labels | {m[0]})
        return with_proc(s, p, pr)
    # safe(x): safe-exch ← safe-exch ∪ {q}; if safe-exch = current.set ∧ primary then
    # safe-labels ← safe-labels ∪ range(fullorder(gotstate))
    pr = pr._replace(safe_exch=pr.safe_exch | {q})
    if pr.current is not None and pr.safe_exch == pr.current[1] and sc.primary(pr):
        if not defined(pr.gotstate):
            raise AssertionError("safe(x) completes safe-exch with an empty gotstate")
        pr = pr._replace(safe_labels=pr.safe_labels | set(fullorder(pr.gotstate)))
    return with_proc(s, p, pr)


# -- the transition relation -------------------------------------------------------------------


def successors(s: State, sc: Scope) -> Iterator[tuple[ActionLabel, State]]:
    """Every enabled action instance of VStoTO-system in ``s`` with its post-state. Each
    instance is yielded once and carries its full arguments, so distinct instances have
    distinct labels."""
    n, k = sc.processors, sc.view_ids
    procs = s.procs

    # input bcast(a)_p — eff: append a to delay (at most max_inputs in total)
    if s.issued < sc.max_inputs:
        for p in range(n):
            pr = procs[p]
            for a in range(sc.values):
                t = with_proc(s, p, pr._replace(delay=pr.delay + (a,)))._replace(issued=s.issued + 1)
                if s.trace is not None:
                    bc, dl = s.trace
                    t = t._replace(trace=(put(bc, p, bc[p] + (a,)), dl))
                yield ("bcast", (("a", a), ("p", p))), t

    for p in range(n):
        pr = procs[p]
        # internal label(a)_p — pre: a is head of delay, current ≠ ⊥; eff: m = ⟨current.id,
        #   nextseqno, p⟩, content ∪= {⟨m,a⟩}, append m to buffer, nextseqno += 1, delete head
        if pr.delay and pr.current is not None:
            a = pr.delay[0]
            lab = (pr.current[0], pr.nextseqno, p)
            npr = pr._replace(
                content=pr.content | {(lab, a)},
                buffer=pr.buffer + (lab,),
                nextseqno=pr.nextseqno + 1,
                delay=pr.delay[1:],
            )
            yield ("label", (("a", a), ("p", p))), with_proc(s, p, npr)
        # output gpsnd(⟨l,a⟩)_p — pre: status = normal, l is head of buffer, ⟨l,a⟩ ∈ content;
        #   eff: delete head of buffer. Drives VS's input gpsnd(⟨l,a⟩)_p.
        if pr.status == "normal" and pr.buffer:
            lab = pr.buffer[0]
            for m in sorted(c for c in pr.content if c[0] == lab):
                t = with_proc(s, p, pr._replace(buffer=pr.buffer[1:]))
                yield ("gpsnd", (("m", m), ("p", p))), vs_gpsnd(t, p, m)
        # output gpsnd(x)_p — pre: status = send, x = ⟨content, order, nextconfirm,
        #   highprimary⟩; eff: status ← collect. Drives VS's input gpsnd(x)_p.
        if pr.status == "send":
            x = local_summary(pr)
            t = with_proc(s, p, pr._replace(status="collect"))
            yield ("gpsnd", (("m", x), ("p", p))), vs_gpsnd(t, p, x)

    # internal createview(v) — pre: v.id > w.id for all w ∈ created; eff: created ∪= {v}
    top = max(w[0] for w in s.created)
    for g in range(top + 1, k):
        for S in sc.subsets:
            v = (g, S)
            yield ("createview", (("v", v),)), s._replace(created=s.created | {v})

    # output newview(v)_p, p ∈ v.set — pre: v ∈ created, v.id > current-viewid[p] (⊥ below all);
    #   eff (VS): current-viewid[p] ← v.id; eff (VStoTO_p): current ← v, nextseqno ← 1,
    #   buffer ← λ, gotstate ← ∅, safe-exch ← ∅, safe-labels ← ∅, status ← send
    for v in sorted(s.created, key=lambda w: (w[0], sorted(w[1]))):
        for p in sorted(v[1]):
            if v[0] > s.cvid[p]:
                npr = procs[p]._replace(
                    current=v,
                    nextseqno=1,
                    buffer=(),
                    gotstate=(None,) * n,
                    safe_exch=frozenset(),
                    safe_labels=frozenset(),
                    status="send",
                )
                t = with_proc(s, p, npr)._replace(cvid=put(s.cvid, p, v[0]))
                yield ("newview", (("v", v), ("p", p))), t

    # internal vs_order(m, p, g) — pre: m is head of pending[p, g]; eff: remove it, append
    #   ⟨m, p⟩ to queue[g]
    for p in range(n):
        for g in range(k):
            pend = s.pending[p][g]
            if pend:
                m = pend[0]
                t = s._replace(
                    pending=put2(s.pending, p, g, pend[1:]),
                    queue=put(s.queue, g, s.queue[g] + ((m, p),)),
                )
                yield ("vs_order", (("m", m), ("p", p), ("g", g))), t

    for q in range(n):
        g = s.cvid[q]
        if g == BOT:
            continue
        qg = s.queue[g]
        # output gprcv(m)_{p,q} — pre: g = current-viewid[q], queue[g](next[q,g]) = ⟨m,p⟩;
        #   eff: next[q,g] += 1; then VStoTO_q's input gprcv(m)_{p,q}
        i = s.next[q][g]
        if i <= len(qg):
            m, p = qg[i - 1]
            t = s._replace(next=put2(s.next, q, g, i + 1))
            yield ("gprcv", (("m", m), ("p", p), ("q", q))), vstoto_gprcv(t, sc, p, q, m)
        # output safe(m)_{p,q} — pre: g = current-viewid[q], ⟨g,S⟩ ∈ created,
        #   queue[g](next-safe[q,g]) = ⟨m,p⟩, next[r,g] > next-safe[q,g] for all r ∈ S;
        #   eff: next-safe[q,g] += 1; then VStoTO_q's input safe(m)_{p,q}
        j = s.next_safe[q][g]
        if j <= len(qg) and any(w[0] == g and all(s.next[r][g] > j for r in w[1]) for w in s.created):
            m, p = qg[j - 1]
            t = s._replace(next_safe=put2(s.next_safe, q, g, j + 1))
            yield ("safe", (("m", m), ("p", p), ("q", q))), vstoto_safe(t, sc, p, q, m)

    for p in range(n):
        pr = procs[p]
        # internal confirm_p — pre: primary, order(nextconfirm) ∈ safe-labels (disabled when
        #   nextconfirm > length(order)); eff: nextconfirm += 1
        nc = pr.nextconfirm
        if sc.primary(pr) and nc <= len(pr.order) and pr.order[nc - 1] in pr.safe_labels:
            yield ("confirm", (("p", p),)), with_proc(s, p, pr._replace(nextconfirm=nc + 1))
        # output brcv(a)_{q,p} — pre: nextreport < nextconfirm, ⟨order(nextreport), a⟩ ∈
        #   content, q = order(nextreport).origin; eff: nextreport += 1
        nr = pr.nextreport
        if nr < nc and nr <= len(pr.order):
            lab = pr.order[nr - 1]
            q = lab[2]
            for a in sorted(a for l2, a in pr.content if l2 == lab):
                t = with_proc(s, p, pr._replace(nextreport=nr + 1))
                if s.trace is not None:
                    bc, dl = s.trace
                    t = t._replace(trace=(bc, put(dl, p, dl[p] + ((a, q),))))
                yield ("brcv", (("a", a), ("q", q), ("p", p))), t


# -- the search --------------------------------------------------------------------------------


@dataclass
class Result:
    """One breadth-first search. ``parent`` maps every reached state to (its BFS parent, the
    action label) — ``None`` for the start state — in BFS discovery order, so the first state
    found satisfying a predicate is at least depth."""

    scope: Scope
    start: State
    parent: dict[State, tuple[State, ActionLabel] | None]
    transitions: int
    complete: bool
    seconds: float
    maxima: dict[str, int] = field(default_factory=dict)

    @property
    def states(self) -> int:
        return len(self.parent)

    def reachable(self) -> Iterator[State]:
        """The reached states in BFS order."""
        return iter(self.parent)

    def path(self, s: State) -> list[str]:
        """A shortest execution from the start state to ``s``, as rendered action labels."""
        out: list[str] = []
        link = self.parent[s]
        while link is not None:
            prev, action = link
            out.append(render(action))
            link = self.parent[prev]
        return out[::-1]

    def first(self, pred: Callable[[State], bool]) -> State | None:
        """The first state in BFS order satisfying ``pred`` (a shallowest one)."""
        return next((s for s in self.parent if pred(s)), None)


MAXIMA_KEYS = (
    "queue",
    "pending",
    "delay",
    "buffer",
    "order",
    "buildorder",
    "content",
    "next",
    "next_safe",
    "nextseqno",
    "nextconfirm",
    "nextreport",
    "issued",
    "created",
)


def measure(s: State) -> dict[str, int]:
    """The sizes of one state's sequences / sets and its counters (for sizing a scope)."""
    procs = s.procs
    return {
        "queue": max(map(len, s.queue)),
        "pending": max(len(x) for row in s.pending for x in row),
        "delay": max(len(pr.delay) for pr in procs),
        "buffer": max(len(pr.buffer) for pr in procs),
        "order": max(len(pr.order) for pr in procs),
        "buildorder": max(len(x) for row in s.buildorder for x in row),
        "content": max(len(pr.content) for pr in procs),
        "next": max(max(row) for row in s.next),
        "next_safe": max(max(row) for row in s.next_safe),
        "nextseqno": max(pr.nextseqno for pr in procs),
        "nextconfirm": max(pr.nextconfirm for pr in procs),
        "nextreport": max(pr.nextreport for pr in procs),
        "issued": s.issued,
        "created": len(s.created),
    }


def explore(
    processors: int = 2,
    initial_members: int = 2,
    view_ids: int = 2,
    values: int = 1,
    max_inputs: int = 1,
    quorums: int = 0,
    max_states: int | None = None,
    monitor: bool = False,
    max_seconds: float | None = None,
) -> Result:
    """Breadth-first search of VStoTO-system at the given scope. ``transitions`` counts the
    distinct (state, action label, next state) triples out of the expanded states. With
    ``max_states`` the search stops once that many states are reached (``complete`` is then
    False). ``monitor`` adds the trace component used by :func:`check_traces` (which changes
    the state count)."""
    sc = Scope(processors, initial_members, view_ids, values, max_inputs, quorums)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of acyclic tuples: the cyclic collector would only rescan them
    try:
        return _bfs(sc, max_states, monitor, max_seconds)
    finally:
        if gc_was_enabled:
            gc.enable()


def _bfs(sc: Scope, max_states: int | None, monitor: bool, max_seconds: float | None) -> Result:
    t0 = time.perf_counter()
    s0 = start_state(sc, monitor)
    parent: dict[State, tuple[State, ActionLabel] | None] = {s0: None}
    maxima = measure(s0)
    frontier = [s0]
    transitions = 0
    complete = True
    while frontier and complete:
        new: list[State] = []
        for s in frontier:
            for action, t in successors(s, sc):
                transitions += 1
                if t not in parent:
                    parent[t] = (s, action)
                    new.append(t)
                    for key, val in measure(t).items():
                        if val > maxima[key]:
                            maxima[key] = val
                    if max_states is not None and len(parent) >= max_states:
                        complete = False
                        break
            if not complete:
                break
        frontier = new
        if frontier and max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            complete = False
    return Result(sc, s0, parent, transitions, complete, time.perf_counter() - t0, maxima)


# -- derived variables (Section 6) --------------------------------------------------------------


def is_prefix(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """a ≤ b in the prefix order."""
    return len(a) <= len(b) and b[: len(a)] == a


def lcp(seqs: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The longest common prefix of a nonempty list of sequences."""
    first = seqs[0]
    i = 0
    while i < len(first) and all(len(x) > i and x[i] == first[i] for x in seqs):
        i += 1
    return first[:i]


class Derived:
    """Section 6's derived variables of one state. x ∈ allstate[p, g] iff (1) current.id_p = g
    and x = ⟨content_p, order_p, nextconfirm_p, highprimary_p⟩, or (2) x ∈ pending[p, g], or (3)
    ⟨x, p⟩ ∈ queue[g], or (4) current.id_q = g and x = gotstate(p)_q for some q — summaries
    only, never an ordinary ⟨l, a⟩. allstate[g], allstate are the unions; allcontent = ∪ x.con
    over allstate; allconfirm = lub of x.confirm over allstate (λ if allstate is empty; ``None``
    if the confirms are not totally ordered by prefix, i.e. Corollary 6.24 fails)."""

    def __init__(self, s: State, sc: Scope) -> None:
        n, k = sc.processors, sc.view_ids
        self.loc = [local_summary(pr) for pr in s.procs]
        self.cid = [cid(pr) for pr in s.procs]
        per: dict[tuple[int, int], set[Summary]] = {(p, g): set() for p in range(n) for g in range(k)}
        for p in range(n):
            if self.cid[p] != BOT:
                per[p, self.cid[p]].add(self.loc[p])  # (1)
            for g in range(k):
                per[p, g].update(m for m in s.pending[p][g] if isinstance(m, Summary))  # (2)
        for g in range(k):
            for m, p in s.queue[g]:
                if isinstance(m, Summary):
                    per[p, g].add(m)  # (3)
        for q in range(n):
            if self.cid[q] != BOT:
                for p, y in defined(s.procs[q].gotstate):
                    per[p, self.cid[q]].add(y)  # (4)
        self.allstate_pg = per
        self.allstate: set[Summary] = set().union(*per.values())
        self.allcontent: set[tuple[Label, int]] = set().union(*(x.con for x in self.allstate))

    @property
    def allconfirm(self) -> tuple[Label, ...] | None:
        confirms = sorted((confirm_of(x) for x in self.allstate), key=len)
        if not confirms:
            return ()
        top = confirms[-1]
        return top if all(is_prefix(c, top) for c in confirms) else None


# -- Lemmas 6.1–6.24 as state predicates ----------------------------------------------------------
#
# Conventions: cid(p) = current.id_p with ⊥ below every g (so "current_p = ⊥ or current.id_p < g"
# is cid(p) < g); established[p, ⊥] = false; hasQ(S) = ∃Q ∈ 𝒬: Q ⊆ S. The second-order σ of
# 6.18 / 6.19 is checked at its strongest instance: both hypotheses are downward closed in σ
# (prefix order), and so is the conclusion, so it suffices to take σ = the longest common prefix
# of the buildorders the hypothesis constrains — or, when it constrains none, every σ, which
# forces "no x ∈ allstate with x.high > v.id".

Lemma = Callable[[State, Derived, Scope], bool]


def est(s: State, d: Derived, p: int, g: int) -> bool:
    """established[p, g], false for g = ⊥."""
    return g != BOT and s.established[p][g]


def _l6_1_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.1(1): current_p = ⊥ iff current-viewid[p] = ⊥."""
    return all((pr.current is None) == (s.cvid[p] == BOT) for p, pr in enumerate(s.procs))


def _l6_1_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.1(2): current_p ≠ ⊥ ⇒ current.id_p = current-viewid[p]."""
    return all(pr.current is None or pr.current[0] == s.cvid[p] for p, pr in enumerate(s.procs))


def _l6_1_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.1(3): current_p ≠ ⊥ ⇒ current_p ∈ created."""
    return all(pr.current is None or pr.current in s.created for pr in s.procs)


def _l6_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.2: current_p = ⊥ ⇒ status_p = normal."""
    return all(pr.current is not None or pr.status == "normal" for pr in s.procs)


def _l6_3_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.3(1): ⟨g', *, p'⟩ in buffer_p ⇒ current_p ≠ ⊥ ∧ p = p' ∧ g' = current.id_p."""
    return all(
        pr.current is not None and l[2] == p and l[0] == pr.current[0]
        for p, pr in enumerate(s.procs)
        for l in pr.buffer
    )


def _l6_3_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.3(2): ⟨⟨g', *, p'⟩, *⟩ in pending[p, g] ⇒ current_p ≠ ⊥ ∧ p = p' ∧ g = g'."""
    return all(
        s.procs[p].current is not None and m[0][2] == p and m[0][0] == g
        for p in range(sc.processors)
        for g in range(sc.view_ids)
        for m in s.pending[p][g]
        if not isinstance(m, Summary)
    )


def _l6_3_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.3(3): ⟨⟨⟨g', *, p'⟩, *⟩, p⟩ in queue[g] ⇒ current_p ≠ ⊥ ∧ p = p' ∧ g = g'."""
    return all(
        s.procs[p].current is not None and m[0][2] == p and m[0][0] == g
        for g in range(sc.view_ids)
        for m, p in s.queue[g]
        if not isinstance(m, Summary)
    )


def _l6_4(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.4: l ∈ dom(allcontent) ∧ l.origin = p ⇒ l < ⟨current.id_p, nextseqno_p, p⟩."""
    return all(l < (d.cid[l[2]], s.procs[l[2]].nextseqno, l[2]) for l, _ in d.allcontent)


def _l6_5(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.5: allcontent is a function (from labels to values)."""
    return len({l for l, _ in d.allcontent}) == len(d.allcontent)


def _l6_6(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.6: l in buffer_p ⇒ ⟨l, a⟩ ∈ content_p for some a."""
    return all(any(c[0] == l for c in pr.content) for pr in s.procs for l in pr.buffer)


def _below(d: Derived, sc: Scope) -> Iterator[tuple[int, int]]:
    """The (p, g) with current_p = ⊥ or current.id_p < g: the hypothesis of Lemma 6.7."""
    return ((p, g) for p in range(sc.processors) for g in range(sc.view_ids) if d.cid[p] < g)


def _sending(s: State, d: Derived, sc: Scope) -> Iterator[tuple[int, int]]:
    """The (p, g) with status_p = send ∧ current.id_p = g: the hypothesis of Lemma 6.8."""
    return ((p, d.cid[p]) for p, pr in enumerate(s.procs) if pr.status == "send" and d.cid[p] != BOT)


def _no_own_labels(pairs: Any, g: int, p: int) -> bool:
    return not any(l[0] == g and l[2] == p for l, _ in pairs)


def _l6_7_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(1): current_p = ⊥ ∨ current.id_p < g ⇒ pending[p, g] = λ."""
    return all(not s.pending[p][g] for p, g in _below(d, sc))


def _l6_7_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(2): current_p = ⊥ ∨ current.id_p < g ⇒ no ⟨*, p⟩ in queue[g]."""
    return all(all(r != p for _, r in s.queue[g]) for p, g in _below(d, sc))


def _l6_7_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(3): current_p = ⊥ ∨ current.id_p < g ⇒ (current.id_q = g ⇒ no ⟨p, *⟩ in
    gotstate_q)."""
    return all(s.procs[q].gotstate[p] is None for p, g in _below(d, sc) for q in range(sc.processors) if d.cid[q] == g)


def _l6_7_4(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(4): current_p = ⊥ ∨ current.id_p < g ⇒ allstate[p, g] = ∅."""
    return all(not d.allstate_pg[p, g] for p, g in _below(d, sc))


def _l6_7_5(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(5): current_p = ⊥ ∨ current.id_p < g ⇒ no ⟨⟨g, *, p⟩, *⟩ in x.con for any
    x ∈ allstate."""
    return all(_no_own_labels(d.allcontent, g, p) for p, g in _below(d, sc))


def _l6_7_6(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.7(6): current_p = ⊥ ∨ current.id_p < g ⇒ no ⟨⟨g, *, p⟩, *⟩ in content_q, any q."""
    return all(_no_own_labels(pr.content, g, p) for p, g in _below(d, sc) for pr in s.procs)


def _l6_8_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.8(1): status_p = send ∧ current.id_p = g ⇒ pending[p, g] = λ."""
    return all(not s.pending[p][g] for p, g in _sending(s, d, sc))


def _l6_8_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.8(2): status_p = send ∧ current.id_p = g ⇒ no ⟨*, p⟩ in queue[g]."""
    return all(all(r != p for _, r in s.queue[g]) for p, g in _sending(s, d, sc))


def _l6_8_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.8(3): status_p = send ∧ current.id_p = g ⇒ (current.id_q = g ⇒ no ⟨p, *⟩ in
    gotstate_q)."""
    return all(
        s.procs[q].gotstate[p] is None for p, g in _sending(s, d, sc) for q in range(sc.processors) if d.cid[q] == g
    )


def _l6_8_4(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.8(4): status_p = send ∧ current.id_p = g ⇒ no ⟨⟨g, *, p⟩, *⟩ in x.con for any
    summary x ∈ allstate other than p's local summary (excluded by value)."""
    return all(_no_own_labels(x.con, g, p) for p, g in _sending(s, d, sc) for x in d.allstate if x != d.loc[p])


def _l6_8_5(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.8(5): status_p = send ∧ current.id_p = g ⇒ no ⟨⟨g, *, p⟩, *⟩ in content_q, q ≠ p."""
    return all(
        _no_own_labels(s.procs[q].content, g, p) for p, g in _sending(s, d, sc) for q in range(sc.processors) if q != p
    )


def _collecting(s: State, d: Derived, sc: Scope) -> Iterator[tuple[Proc, Summary]]:
    """(VStoTO_p, x) for status_p = collect, current.id_p = g, x ∈ allstate[p, g]: Lemma 6.9."""
    for p, pr in enumerate(s.procs):
        if pr.status == "collect" and d.cid[p] != BOT:
            for x in d.allstate_pg[p, d.cid[p]]:
                yield pr, x


def _l6_9_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.9(1): status_p = collect ∧ current.id_p = g ∧ x ∈ allstate[p, g] ⇒ x.con ⊆ content_p."""
    return all(x.con <= pr.content for pr, x in _collecting(s, d, sc))


def _l6_9_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.9(2): … ⇒ x.ord = order_p (proof omitted in the paper)."""
    return all(x.ord == pr.order for pr, x in _collecting(s, d, sc))


def _l6_9_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.9(3): … ⇒ x.next = nextconfirm_p (proof omitted in the paper)."""
    return all(x.next == pr.nextconfirm for pr, x in _collecting(s, d, sc))


def _l6_9_4(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.9(4): … ⇒ x.high = highprimary_p."""
    return all(x.high == pr.highprimary for pr, x in _collecting(s, d, sc))


def _l6_10_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.10(1): established[p, g] ⇒ current.id_p ≥ g."""
    return all(d.cid[p] >= g for p in range(sc.processors) for g in range(sc.view_ids) if s.established[p][g])


def _l6_10_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.10(2): established[p, current.id_p] ⇔ status_p = normal ∧ current_p ≠ ⊥."""
    return all(
        est(s, d, p, d.cid[p]) == (pr.status == "normal" and pr.current is not None) for p, pr in enumerate(s.procs)
    )


def _l6_11_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(1): established[p, current.id_p] ∧ primary_p ⇒ highprimary_p = current.id_p."""
    return all(pr.highprimary == d.cid[p] for p, pr in enumerate(s.procs) if est(s, d, p, d.cid[p]) and sc.primary(pr))


def _l6_11_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(2): established[p, current.id_p] ∧ ¬primary_p ⇒ highprimary_p < current.id_p."""
    return all(
        pr.highprimary < d.cid[p] for p, pr in enumerate(s.procs) if est(s, d, p, d.cid[p]) and not sc.primary(pr)
    )


def _l6_11_3(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(3): current_p ≠ ⊥ ∧ ¬established[p, current.id_p] ⇒ highprimary_p < current.id_p."""
    return all(
        pr.highprimary < d.cid[p]
        for p, pr in enumerate(s.procs)
        if pr.current is not None and not est(s, d, p, d.cid[p])
    )


def _l6_11_4(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(4): ⟨q, x⟩ ∈ gotstate_p ⇒ x.high < current.id_p."""
    return all(x.high < d.cid[p] for p, pr in enumerate(s.procs) for _, x in defined(pr.gotstate))


def _l6_11_5(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(5): ⟨x, q⟩ in queue[g] (x a summary) ⇒ x.high < g."""
    return all(m.high < g for g in range(sc.view_ids) for m, _ in s.queue[g] if isinstance(m, Summary))


def _l6_11_6(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.11(6): x in pending[q, g] (x a summary) ⇒ x.high < g."""
    return all(
        m.high < g
        for q in range(sc.processors)
        for g in range(sc.view_ids)
        for m in s.pending[q][g]
        if isinstance(m, Summary)
    )


def _l6_12_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.12(1): x ∈ allstate[p, g] ⇒ x.high ≤ g."""
    return all(x.high <= g for (_, g), xs in d.allstate_pg.items() for x in xs)


def _l6_12_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.12(2): x ∈ allstate[p, g] ⇒ x.high ≤ current.id_p."""
    return all(x.high <= d.cid[p] for (p, _), xs in d.allstate_pg.items() for x in xs)


def _l6_13(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.13: v ∈ created ∧ established[p, v.id] ∧ hasQ(v.set) ∧ current.id_p > v.id ⇒
    highprimary_p ≥ v.id."""
    return all(
        pr.highprimary >= g
        for g, S in s.created
        if sc.has_quorum(S)
        for p, pr in enumerate(s.procs)
        if s.established[p][g] and d.cid[p] > g
    )


def _l6_14(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.14: v, w ∈ created ∧ established[p, v.id] ∧ hasQ(v.set) ∧ w.id > v.id ∧
    x ∈ allstate[p, w.id] ⇒ x.high ≥ v.id."""
    return all(
        x.high >= g
        for g, S in s.created
        if sc.has_quorum(S)
        for p in range(sc.processors)
        if s.established[p][g]
        for h, _ in s.created
        if h > g
        for x in d.allstate_pg[p, h]
    )


def _l6_15(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.15: current.id_p = g ∧ ¬established[p, g] ⇒ no x ∈ allstate[p, g] with x.high = g."""
    return all(
        all(x.high != d.cid[p] for x in d.allstate_pg[p, d.cid[p]])
        for p in range(sc.processors)
        if d.cid[p] != BOT and not s.established[p][d.cid[p]]
    )


def _l6_16(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.16: x ∈ allstate[p, g] ⇒ ∃v ∈ created, q ∈ v.set with (1) x.high = v.id,
    (2) established[q, x.high], (3) x.ord = buildorder[q, x.high], (4) x.high = g ∨
    current.id_q > v.id."""
    return all(
        any(
            vid == x.high and s.established[q][vid] and x.ord == s.buildorder[q][vid] and (vid == g or d.cid[q] > vid)
            for vid, S in s.created
            for q in S
        )
        for (_, g), xs in d.allstate_pg.items()
        for x in xs
    )


def _l6_17(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.17: v ∈ created ∧ established[p, v.id] ⇒ current.id_q ≥ v.id for every q ∈ v.set."""
    return all(d.cid[q] >= g for g, S in s.created if any(s.established[p][g] for p in range(sc.processors)) for q in S)


def _l6_18(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.18: v ∈ created, hasQ(v.set), and for every p ∈ v.set, current.id_p > v.id ⇒
    (established[p, v.id] ∧ σ ≤ buildorder[p, v.id]); then every x ∈ allstate with
    x.high > v.id has σ ≤ x.ord. Checked at the strongest σ (see above)."""
    for g, S in s.created:
        if not sc.has_quorum(S):
            continue
        moved = [p for p in S if d.cid[p] > g]
        if not all(s.established[p][g] for p in moved):
            continue  # the hypothesis holds for no σ
        above = [x for x in d.allstate if x.high > g]
        if not moved:
            if above:  # the hypothesis holds for every σ
                return False
            continue
        sigma = lcp([s.buildorder[p][g] for p in moved])
        if not all(is_prefix(sigma, x.ord) for x in above):
            return False
    return True


def _l6_19(s: State, d: Derived, sc: Scope) -> bool:
    """Corollary 6.19: v ∈ created, hasQ(v.set), σ ∈ L*, and for every p ∈ v.set
    established[p, v.id] ∧ σ ≤ buildorder[p, v.id]; then every x ∈ allstate with
    x.high ≥ v.id has σ ≤ x.ord. Checked at σ = the LCP of the members' buildorders."""
    for g, S in s.created:
        if not sc.has_quorum(S) or not all(s.established[p][g] for p in S):
            continue
        sigma = lcp([s.buildorder[p][g] for p in S])
        if not all(is_prefix(sigma, x.ord) for x in d.allstate if x.high >= g):
            return False
    return True


def _l6_20(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.20: l ∈ safe-labels_p ∧ σ a prefix of order_p terminated by l ⇒ primary_p ∧
    σ ≤ buildorder[q, current.id_p] for all q ∈ current.set_p (every occurrence of l)."""
    for p, pr in enumerate(s.procs):
        for i, l in enumerate(pr.order):
            if l in pr.safe_labels:
                if not sc.primary(pr):
                    return False
                assert pr.current is not None
                sigma = pr.order[: i + 1]
                if not all(is_prefix(sigma, s.buildorder[q][d.cid[p]]) for q in pr.current[1]):
                    return False
    return True


def _l6_21(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.21: l, l' ∈ dom(allcontent), l.origin = l'.origin, l < l', x ∈ allstate,
    l' = x.ord(i') ⇒ l = x.ord(i) for some i < i'."""
    labels = {l for l, _ in d.allcontent}
    for x in d.allstate:
        for i2, l2 in enumerate(x.ord):
            before = set(x.ord[:i2])
            if any(l[2] == l2[2] and l < l2 and l not in before for l in labels):
                return False
    return True


def _l6_22_1(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.22(1): x ∈ allstate ⇒ ∃v ∈ created with v.id ≤ x.high, hasQ(v.set), and for every
    q ∈ v.set established[q, v.id] ∧ x.confirm ≤ buildorder[q, v.id]."""
    return all(
        any(
            g <= x.high
            and sc.has_quorum(S)
            and all(s.established[q][g] and is_prefix(confirm_of(x), s.buildorder[q][g]) for q in S)
            for g, S in s.created
        )
        for x in d.allstate
    )


def _l6_22_2(s: State, d: Derived, sc: Scope) -> bool:
    """Lemma 6.22(2): x ∈ allstate ⇒ x.next ≤ length(x.ord) + 1."""
    return all(x.next <= len(x.ord) + 1 for x in d.allstate)


def _l6_23(s: State, d: Derived, sc: Scope) -> bool:
    """Corollary 6.23: x1, x2 ∈ allstate ∧ x1.high ≤ x2.high ⇒ x1.confirm ≤ x2.ord."""
    return all(is_prefix(confirm_of(x1), x2.ord) for x1 in d.allstate for x2 in d.allstate if x1.high <= x2.high)


def _l6_24(s: State, d: Derived, sc: Scope) -> bool:
    """Corollary 6.24: x, x' ∈ allstate ⇒ x.confirm ≤ x'.confirm ∨ x'.confirm ≤ x.confirm."""
    return d.allconfirm is not None


LEMMAS: dict[str, Lemma] = {
    "6.1.1": _l6_1_1,
    "6.1.2": _l6_1_2,
    "6.1.3": _l6_1_3,
    "6.2": _l6_2,
    "6.3.1": _l6_3_1,
    "6.3.2": _l6_3_2,
    "6.3.3": _l6_3_3,
    "6.4": _l6_4,
    "6.5": _l6_5,
    "6.6": _l6_6,
    "6.7.1": _l6_7_1,
    "6.7.2": _l6_7_2,
    "6.7.3": _l6_7_3,
    "6.7.4": _l6_7_4,
    "6.7.5": _l6_7_5,
    "6.7.6": _l6_7_6,
    "6.8.1": _l6_8_1,
    "6.8.2": _l6_8_2,
    "6.8.3": _l6_8_3,
    "6.8.4": _l6_8_4,
    "6.8.5": _l6_8_5,
    "6.9.1": _l6_9_1,
    "6.9.2": _l6_9_2,
    "6.9.3": _l6_9_3,
    "6.9.4": _l6_9_4,
    "6.10.1": _l6_10_1,
    "6.10.2": _l6_10_2,
    "6.11.1": _l6_11_1,
    "6.11.2": _l6_11_2,
    "6.11.3": _l6_11_3,
    "6.11.4": _l6_11_4,
    "6.11.5": _l6_11_5,
    "6.11.6": _l6_11_6,
    "6.12.1": _l6_12_1,
    "6.12.2": _l6_12_2,
    "6.13": _l6_13,
    "6.14": _l6_14,
    "6.15": _l6_15,
    "6.16": _l6_16,
    "6.17": _l6_17,
    "6.18": _l6_18,
    "6.19": _l6_19,
    "6.20": _l6_20,
    "6.21": _l6_21,
    "6.22.1": _l6_22_1,
    "6.22.2": _l6_22_2,
    "6.23": _l6_23,
    "6.24": _l6_24,
}


def check_lemmas(result: Result, names: list[str] | None = None) -> dict[str, tuple[bool, list[str] | None]]:
    """Evaluate every item of Lemmas 6.1–6.24 (or those ``names``) on every reached state, in
    BFS order: {name: (holds, a shortest execution to a violating state, or None)}. A verdict
    "holds" is only as complete as the search (``result.complete``)."""
    sc = result.scope
    todo = {name: LEMMAS[name] for name in (names or LEMMAS)}
    found: dict[str, list[str]] = {}
    for s in result.reachable():
        if not todo:
            break
        d = Derived(s, sc)
        for name, pred in list(todo.items()):
            if not pred(s, d, sc):
                found[name] = result.path(s)
                del todo[name]
    return {name: (name not in found, found.get(name)) for name in (names or LEMMAS)}


# -- the trace check (Theorem 6.26) ---------------------------------------------------------------


def trace_violations(s: State) -> list[str]:
    """The TO-machine (Figure 2) trace conditions on the bcast / brcv history carried by a
    monitored state: (multiplicity) no destination delivers ⟨a, origin q⟩ more often than q
    bcast a; (prefix) the delivered sequences of any two destinations are prefix-comparable;
    (fifo) the values a destination delivered from origin q are a prefix of q's bcast sequence.
    Checked at every state of a run, (prefix) and (fifo) are exactly the safety part of trace
    membership in TO-machine: the longest delivered sequence can serve as TO's queue."""
    bc, dl = s.trace
    out: list[str] = []
    for d in dl:
        for a, q in set(d):
            if d.count((a, q)) > bc[q].count(a):
                out.append("multiplicity")
    if any(not (is_prefix(d1, d2) or is_prefix(d2, d1)) for d1 in dl for d2 in dl):
        out.append("prefix")
    if any(not is_prefix(tuple(a for a, q2 in d if q2 == q), bc[q]) for d in dl for q in range(len(bc))):
        out.append("fifo")
    return sorted(set(out))


def check_traces(result: Result) -> dict[str, tuple[bool, list[str] | None]]:
    """{"multiplicity" | "prefix" | "fifo": (holds, a shortest execution violating it or None)}
    over a search made with ``monitor=True``."""
    found: dict[str, list[str]] = {}
    for s in result.reachable():
        for kind in trace_violations(s):
            if kind not in found:
                found[kind] = result.path(s)
        if len(found) == 3:
            break
    return {kind: (kind not in found, found.get(kind)) for kind in ("multiplicity", "prefix", "fifo")}


if __name__ == "__main__":
    import sys

    # python tests/oracles/vstoto.py PROCESSORS INITIAL_MEMBERS VIEW_IDS VALUES MAX_INPUTS [QUORUMS]
    args = [int(a) for a in sys.argv[1:]]
    res = explore(*args)
    print(
        f"scope {args}: {res.states} states, {res.transitions} transitions, complete={res.complete}, "
        f"{res.seconds:.1f} s"
    )
    print("maxima", res.maxima)
    for lemma, (holds, path) in check_lemmas(res).items():
        if not holds:
            print(f"Lemma {lemma} fails; shortest execution ({len(path or [])} steps): {path}")
    mon = explore(*args, monitor=True)
    for kind, (holds, path) in check_traces(mon).items():
        print(f"trace {kind}: {'holds' if holds else f'fails ({len(path or [])} steps): {path}'}")
