"""Tests of the hand-written VStoTO-system search (``oracles/vstoto.py``): its start state, a
hand-computed execution, state counts at scopes small enough to count by hand, and the findings
it reports on the algorithm as printed in Figure 9 of Fekete, Lynch, Shvartsman."""

from __future__ import annotations

from oracles import vstoto as V


def run(sc: V.Scope, labels: list[str]) -> V.State:
    """Follow an execution given by rendered action labels, failing if a step is not enabled."""
    s = V.start_state(sc)
    for want in labels:
        steps = {V.render(a): t for a, t in V.successors(s, sc)}
        assert want in steps, (want, sorted(steps))
        s = steps[want]
    return s


SC2 = V.Scope(processors=2, initial_members=2, view_ids=2, values=1, max_inputs=1, quorums=0)


def test_start_state() -> None:
    """Figures 5 and 8 and Section 6: P0 = {p1}, p2 without a view."""
    sc = V.Scope(2, 1, 2, 1, 1, 0)
    s = V.start_state(sc)
    assert s.created == {(0, frozenset({0}))}
    assert s.cvid == (0, V.BOT)
    assert s.queue == ((), ()) and s.pending == (((), ()), ((), ()))
    assert s.next == s.next_safe == ((1, 1), (1, 1))
    p1, p2 = s.procs
    assert p1.current == (0, frozenset({0})) and p2.current is None
    assert p1.highprimary == 0 and p2.highprimary == V.BOT
    for pr in s.procs:
        assert pr.status == "normal" and pr.delay == pr.buffer == pr.order == ()
        assert pr.content == pr.safe_labels == pr.safe_exch == frozenset()
        assert pr.nextseqno == pr.nextconfirm == pr.nextreport == 1
        assert pr.gotstate == (None, None)
    assert s.established == ((True, False), (False, False))
    assert s.buildorder == (((), ()), ((), ()))
    assert s.issued == 0 and s.trace is None


def test_eight_step_execution() -> None:
    """p2 receives p1's summary and its safe indication before sending its own summary: p2 is
    still in status send with safe-exch = {p1} (so "status = send ⇒ safe-exch = ∅" is not an
    invariant), and nobody has established g1."""
    x1 = "<{},[],1,g0>"
    s = run(
        SC2,
        [
            "createview(v=<g1,{p1,p2}>)",
            "newview(v=<g1,{p1,p2}>,p=p1)",
            "newview(v=<g1,{p1,p2}>,p=p2)",
            f"gpsnd(m={x1},p=p1)",
            f"vs_order(m={x1},p=p1,g=g1)",
            f"gprcv(m={x1},p=p1,q=p1)",
            f"gprcv(m={x1},p=p1,q=p2)",
            f"safe(m={x1},p=p1,q=p2)",
        ],
    )
    x = V.Summary(frozenset(), (), 1, 0)
    p1, p2 = s.procs
    assert p1.status == "collect" and p2.status == "send"
    assert p2.safe_exch == {0} and p1.safe_exch == frozenset()
    assert p1.gotstate == p2.gotstate == (x, None)
    assert s.cvid == (1, 1) and s.queue[1] == ((x, 0),)
    assert s.next == ((1, 2), (1, 2)) and s.next_safe == ((1, 1), (1, 2))
    assert s.established == ((True, False), (True, False))
    d = V.Derived(s, SC2)
    assert d.allstate_pg[0, 1] == {x} and d.allstate_pg[1, 1] == {x}
    # The same state is reached by the search, 8 steps deep (no shorter way to two newviews,
    # a gpsnd, its ordering, two receipts and a safe).
    r = V.explore(2, 2, 2, 1, 1)
    assert s in r.parent and len(r.path(s)) == 8


def test_establishing_a_primary_view() -> None:
    """Both members exchange empty summaries in ⟨g1, {p1, p2}⟩ (a majority): both establish it,
    highprimary = g1, and the last safe(x) fills safe-labels with range(fullorder) = ∅."""
    xs = {q: "<{},[],1,g0>" for q in ("p1", "p2")}
    steps = ["createview(v=<g1,{p1,p2}>)", "newview(v=<g1,{p1,p2}>,p=p1)", "newview(v=<g1,{p1,p2}>,p=p2)"]
    for p in ("p1", "p2"):
        steps += [f"gpsnd(m={xs[p]},p={p})", f"vs_order(m={xs[p]},p={p},g=g1)"]
    for q in ("p1", "p2"):
        steps += [f"gprcv(m={xs[p]},p={p},q={q})" for p in ("p1", "p2")]
    s = run(SC2, steps)
    for p, pr in enumerate(s.procs):
        assert pr.status == "normal" and pr.highprimary == 1 and pr.order == ()
        assert s.established[p] == (True, True)
    d = V.Derived(s, SC2)
    assert [name for name, pred in V.LEMMAS.items() if not pred(s, d, SC2)] == []


def test_counts_single_processor_pipeline() -> None:
    """n = 1, one view id, one bcast: the only run is bcast, label, gpsnd(⟨l,a⟩), vs_order,
    gprcv, safe (needs next > next-safe, so after gprcv), confirm (needs l ∈ safe-labels), brcv
    (needs nextreport < nextconfirm) — a chain of 9 states and 8 transitions."""
    r = V.explore(1, 1, 1, 1, 1)
    assert (r.states, r.transitions, r.complete) == (9, 8, True)
    last = max(r.reachable(), key=lambda s: len(r.path(s)))
    assert [a.split("(")[0] for a in r.path(last)] == [
        "bcast",
        "label",
        "gpsnd",
        "vs_order",
        "gprcv",
        "safe",
        "confirm",
        "brcv",
    ]
    assert last.procs[0].nextreport == 2


def test_counts_single_processor_view_change() -> None:
    """n = 1, G = {g0, g1}, no bcast: createview(⟨g1, ∅⟩) is a dead end; after
    createview(⟨g1, {p1}⟩) the run newview, gpsnd(x), vs_order, gprcv(x) (establishes g1),
    safe(x) is forced — 1 + 1 + 1 + 5 = 8 states, 2 + 5 = 7 transitions."""
    r = V.explore(1, 1, 2, 1, 0)
    assert (r.states, r.transitions) == (8, 7)
    end = [s for s in r.reachable() if s.procs[0].safe_exch]
    assert len(end) == 1 and end[0].established == ((True, True),) and end[0].procs[0].highprimary == 1


def test_counts_nothing_enabled() -> None:
    """No bcast and a single view id: every status is normal, nothing is enabled."""
    r = V.explore(2, 2, 1, 1, 0)
    assert (r.states, r.transitions) == (1, 0)


def test_created_views_and_maxima() -> None:
    """At n = 2, |G| = 2 the created sets reached are {v0} and {v0, ⟨g1, S⟩} for the 4 subsets
    S of P; and the figures of the scope (pinned: a regression check, not an independent one)."""
    r = V.explore(2, 2, 2, 1, 1)
    assert len({s.created for s in r.reachable()}) == 5
    assert (r.states, r.transitions, r.complete) == (9109, 22634, True)
    assert r.maxima["order"] == 2  # one label, ordered twice: see test_duplicate_delivery


def test_lemmas_at_the_smallest_interesting_scope() -> None:
    """n = 2, P0 = P, majorities, |G| = 2, one bcast: exactly Lemma 6.20, 6.22(1) and
    Corollary 6.23 fail, all because a label enters order twice (see below)."""
    r = V.explore(2, 2, 2, 1, 1)
    verdicts = V.check_lemmas(r)
    assert len(verdicts) == 48
    failing = {name: path for name, (holds, path) in verdicts.items() if not holds}
    assert set(failing) == {"6.20", "6.22.1", "6.23"}
    assert len(failing["6.20"]) == 18 and len(failing["6.22.1"]) == 20


def test_duplicate_delivery() -> None:
    """The algorithm as printed lets label(a)_p run while status_p = send: p's summary then
    carries ⟨l, a⟩, the primary view's fullorder puts l into order, and the ordinary message
    ⟨l, a⟩ that p sends after establishing appends l again — so a value bcast once is confirmed
    and delivered twice (Theorem 6.26 fails). 22 steps is the shortest such execution."""
    r = V.explore(2, 2, 2, 1, 1, monitor=True)
    verdicts = V.check_traces(r)
    holds, path = verdicts["multiplicity"]
    assert not holds and path is not None and len(path) == 22
    assert path[-2:] == ["brcv(a=a1,q=p1,p=p1)", "brcv(a=a1,q=p1,p=p1)"]
    i_label = path.index("label(a=a1,p=p1)")
    assert path[i_label - 1] == "newview(v=<g1,{p1,p2}>,p=p1)"  # labelled in status send
    assert verdicts["prefix"] == (True, None)
