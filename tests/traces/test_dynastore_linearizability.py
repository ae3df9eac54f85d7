"""Definition 3.1 (DynaStore, Section 3): the linearizability checker's two algorithms against a
brute force over permutations, histories from the literature, the shrinker's minimality, and the
search budget (undecided, never "linearizable")."""

from __future__ import annotations

import random
from itertools import combinations, permutations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit.traces.dynastore.linearizability import (
    RWOp,
    check_linearizable,
    is_linearizable,
    shrink,
    timeline,
    unique_values,
)


def W(p: str, inv: int, res: int | None, v: str | int) -> RWOp:
    return RWOp("write", p, inv, res, v)


def R(p: str, inv: int, res: int | None, v: str | int | None) -> RWOp:
    return RWOp("read", p, inv, res, v)


# -- brute force: Definition 3.1 read literally ------------------------------------------------


def brute_linearizable(ops: list[RWOp]) -> bool:
    """Every choice of pending writes to complete (responses appended at the end), pending reads
    dropped, every permutation of the chosen complete operations: one that keeps the real-time
    order and whose reads return the latest preceding write (⊥ if none)."""
    reads = [o for o in ops if o.kind == "read" and o.res is not None]
    complete_writes = [o for o in ops if o.kind == "write" and o.res is not None]
    pending_writes = [o for o in ops if o.kind == "write" and o.res is None]
    for k in range(len(pending_writes) + 1):
        for chosen in combinations(pending_writes, k):
            pool = reads + complete_writes + list(chosen)
            for perm in permutations(pool):
                pos = {id(o): i for i, o in enumerate(perm)}
                if any(a.res is not None and a.res < b.inv and pos[id(a)] > pos[id(b)] for a in pool for b in pool):
                    continue
                value = None
                good = True
                for o in perm:
                    if o.kind == "write":
                        value = o.value
                    elif o.value != value or type(o.value) is not type(value):
                        good = False
                        break
                if good:
                    return True
    return False


@st.composite
def histories(draw: st.DrawFn, unique: bool, max_ops: int = 6) -> list[RWOp]:
    """Up to ``max_ops`` operations by up to three processes, interleaved at random; a process's
    last operation may stay pending. Values from a small pool (``unique``: each written once)."""
    n = draw(st.integers(1, max_ops))
    procs = ["p1", "p2", "p3"]
    plan = [draw(st.sampled_from(procs)) for _ in range(n)]
    kinds = [draw(st.sampled_from(["read", "write"])) for _ in range(n)]
    # events: each op is an invocation then a response; shuffle respecting per-process order
    per_proc: dict[str, list[int]] = {p: [i for i in range(n) if plan[i] == p] for p in procs}
    events: list[tuple[int, bool]] = []  # (op, is_call)
    progress = {p: 0 for p in procs}  # 2 * ops done + (1 if the current op is invoked)
    pending_end = {p: draw(st.booleans()) for p in procs}
    while True:
        live = [p for p in procs if progress[p] < 2 * len(per_proc[p]) - (1 if pending_end[p] and per_proc[p] else 0)]
        if not live:
            break
        p = draw(st.sampled_from(live))
        i = per_proc[p][progress[p] // 2]
        events.append((i, progress[p] % 2 == 0))
        progress[p] += 1
    inv = {i: t for t, (i, call) in enumerate(events) if call}
    res = {i: t for t, (i, call) in enumerate(events) if not call}
    pool: list[str | int] = ["a", "b", 1] if not unique else []
    ops = []
    written: list[str | int] = []
    for i in range(n):
        if i not in inv:
            continue
        if kinds[i] == "write":
            v: str | int | None = f"v{i}" if unique else draw(st.sampled_from(pool))
            assert v is not None
            written.append(v)
            ops.append(W(plan[i], inv[i], res.get(i), v))
        else:
            ops.append(R(plan[i], inv[i], res.get(i), None))
    # reads return ⊥, a written value, or (rarely) a value never written
    choices: list[str | int | None] = [None, *written, "zz"]
    out = []
    for o in ops:
        if o.kind == "read":
            o = R(o.p, o.inv, o.res, draw(st.sampled_from(choices)))
        out.append(o)
    return out


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories(unique=False))
def test_search_matches_brute_force_with_repeated_values(ops):
    assert is_linearizable(ops, method="search") == brute_linearizable(ops)


@SETTINGS
@given(histories(unique=True))
def test_zones_and_search_match_brute_force_with_unique_values(ops):
    assert unique_values(ops)
    expected = brute_linearizable(ops)
    assert is_linearizable(ops, method="zones") == expected
    assert is_linearizable(ops, method="search") == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans().flatmap(lambda u: histories(unique=u)))
def test_witness_is_non_linearizable_and_one_minimal(ops):
    r = check_linearizable(ops)
    assert r.linearizable == brute_linearizable(ops)
    if r.linearizable:
        assert r.witness == ()
        return
    w = list(r.witness)
    assert w and r.minimal and not brute_linearizable(w)
    assert all(o in ops for o in w)  # a sub-history: the very operations

    def source_before(read: RWOp, among: list[RWOp]) -> bool:
        """Some write of the read's value invoked before its response."""
        return any(
            o.kind == "write" and o.value == read.value and type(o.value) is type(read.value) and o.inv < read.res
            for o in among
        )

    def source(read: RWOp, among: list[RWOp]) -> bool:
        return any(o.kind == "write" and o.value == read.value and type(o.value) is type(read.value) for o in among)

    reads = [o for o in ops if o.kind == "read" and o.res is not None and o.value is not None]
    before = [o for o in reads if source_before(o, ops)]
    written = [o for o in reads if source(o, ops) and o not in before]
    for read in w:
        assert source_before(read, w) if read in before else (read not in written or source(read, w))

    def unjustified(o: RWOp, rest: list[RWOp]) -> bool:
        return (o in before and not source_before(o, rest)) or (o in written and not source(o, rest))

    for i in range(len(w)):
        rest = w[:i] + w[i + 1 :]
        # a write goes with the reads it leaves without a write of their value (an earlier one if
        # the full history had one)
        rest = [o for o in rest if not unjustified(o, rest)]
        assert brute_linearizable(rest), f"removing {w[i]} keeps it non-linearizable"


# -- histories from the literature -------------------------------------------------------------


def test_new_old_inversion_is_not_linearizable():
    """The classic: p2 reads the new value a while p1's write is running, then p3 (invoked after
    p2 returned) reads the old value ⊥ — atomic registers forbid it (regular ones allow it)."""
    h = [W("p1", 0, 9, "a"), R("p2", 1, 2, "a"), R("p3", 3, 4, None)]
    for method in ("zones", "search"):
        r = check_linearizable(h, method=method)
        assert r.linearizable is False and r.minimal
        assert {o.p for o in r.witness} == {"p1", "p2", "p3"}
    # the same reads in the other order are fine
    assert is_linearizable([W("p1", 0, 9, "a"), R("p3", 1, 2, None), R("p2", 3, 4, "a")])


def test_concurrent_writes_may_take_effect_in_either_order():
    h = [W("p1", 0, 3, "a"), W("p2", 1, 2, "b"), R("p3", 4, 5, "a")]
    assert is_linearizable(h, method="zones") and is_linearizable(h, method="search")
    h2 = [*h, R("p3", 6, 7, "b")]  # but once a was read after both, b cannot come back
    assert not is_linearizable(h2, method="zones") and not is_linearizable(h2, method="search")


def test_pending_write_seen_by_a_read_takes_effect():
    h = [W("p1", 0, None, "a"), R("p2", 1, 2, "a"), R("p3", 3, 4, "a")]
    assert is_linearizable(h, method="zones") and is_linearizable(h, method="search")
    # a pending write that takes effect stays in effect: the old value cannot be read afterwards
    h2 = [*h, R("p2", 5, 6, None)]
    assert not is_linearizable(h2, method="zones") and not is_linearizable(h2, method="search")


def test_pending_write_never_seen_may_not_take_effect():
    h = [W("p1", 0, None, "a"), R("p2", 1, 2, None), R("p3", 3, 4, None), R("p2", 5, 6, None)]
    assert is_linearizable(h, method="zones") and is_linearizable(h, method="search")


def test_pending_read_is_dropped_and_unwritten_values_refused():
    assert is_linearizable([R("p1", 0, None, "nothing"), W("p2", 1, 2, 1)])
    r = check_linearizable([W("p2", 0, 1, 1), R("p1", 2, 3, "1")])  # the string "1" is not the integer 1
    assert r.linearizable is False and [o.value for o in r.witness] == ["1"]


def test_read_before_its_write_is_not_linearizable():
    r = check_linearizable([R("p1", 0, 1, "a"), W("p2", 2, 3, "a")])
    assert r.linearizable is False and len(r.witness) == 2 and "before" in r.reason


def test_repeated_values_use_the_search():
    h = [W("p1", 0, 1, "a"), W("p2", 2, 3, "b"), W("p1", 4, 5, "a"), R("p3", 6, 7, "a")]
    r = check_linearizable(h)
    assert r.method == "search" and r.linearizable
    with pytest.raises(ValueError, match="unique"):
        check_linearizable(h, method="zones")
    bad = [*h, R("p2", 8, 9, "b")]
    r = check_linearizable(bad)
    assert r.linearizable is False and r.method == "search"
    assert [o.describe() for o in r.witness] == ["write('b')", "write('a')", "read() → 'b'"]


def test_shrinking_a_long_history_keeps_the_local_violation():
    """A long linearizable run ending in an inversion: the witness is that inversion, with the write
    of the old value (a read of 299 keeps a write of 299)."""
    ops: list[RWOp] = []
    t = 0
    for i in range(300):
        ops.append(W("p1", t, t + 1, i))
        ops.append(R("p2", t + 2, t + 3, i))
        t += 4
    ops.append(W("p1", t, t + 10, "new"))
    ops.append(R("p2", t + 1, t + 2, "new"))
    ops.append(R("p3", t + 3, t + 4, 299))
    for method in ("zones", "search"):
        r = check_linearizable(ops, method=method)
        assert r.linearizable is False and r.minimal and len(r.witness) == 4, timeline(r.witness)
    small, minimal = shrink(ops)
    assert minimal and {o.value for o in small} == {"new", 299}


def test_search_budget_gives_undecided_never_linearizable():
    h = [W(f"p{i}", i, 20 + i, i) for i in range(8)] + [R("p9", 30, 31, 3)]
    r = check_linearizable(h, method="search", max_configurations=5)
    assert r.linearizable is None and "not judged" in r.notes[0]
    assert check_linearizable(h, method="search").linearizable is True


def test_timeline_shows_processes_lines_and_pending():
    text = timeline([W("p1", 0, None, "a"), R("p2", 1, 2, "a")])
    assert "p1 write('a')" in text and ">" in text and "never returns (pending)" in text
    assert "invoked at event 1 (line 3), returns at event 2 (line 4)" in text


def test_shrinking_that_cannot_decide_keeps_the_history_and_says_so():
    """Re-checks the search cannot decide (no budget: only candidates with unique values, decided
    by the zone check, can be judged): nothing is removed on a guess, and the witness is reported
    as possibly not minimal."""
    bad = [W("p1", 0, 1, "a"), W("p2", 2, 3, "b"), W("p1", 4, 5, "a"), R("p3", 6, 7, "a"), R("p2", 8, 9, "b")]
    small, minimal = shrink(bad, max_configurations=0)
    assert minimal is False and not brute_linearizable(small) and all(o in bad for o in small)
    small, minimal = shrink(bad)
    assert len(small) == 3 and minimal is True


def test_unread_pending_writes_do_not_blow_up_the_search():
    """Twenty crashed writers whose values nobody reads: dropped before the search (each would
    double the configurations), and the verdict is the same."""
    h = [W(f"p{i}", i, None, f"lost{i}") for i in range(20)]
    h += [W("p30", 40, 41, "x"), R("p31", 42, 43, "x"), R("p31", 44, 45, None)]
    r = check_linearizable(h, method="search", max_configurations=1000)
    assert r.linearizable is False and r.configurations < 50
    assert {o.value for o in r.witness} == {"x", None}


def test_a_long_timeline_is_cut():
    ops = [W("p1", 2 * i, 2 * i + 1, i) for i in range(100)]
    text = timeline(ops)
    assert "… and 40 more operations" in text and "write(59)" in text and "write(60)" not in text


def _simulated(rng: random.Random, n: int, procs: int) -> list[RWOp]:
    """A linearizable history from a simulated atomic register: each operation takes effect at one
    step between its invocation and its response (unique written values); a process may crash
    with its write pending, before or after the write took effect."""
    value: int | None = None
    t = 0
    ops: list[RWOp] = []
    live = list(range(procs))
    state: dict[int, list[Any] | None] = {p: None for p in live}
    started = 0
    while live and (started < n or any(state[p] is not None for p in live)):
        p = rng.choice(live)
        s = state[p]
        if s is None:
            if started < n:
                started += 1
                state[p] = ["write", t, started, False] if rng.random() < 0.5 else ["read", t, None, False]
                t += 1
        elif not s[3]:
            if s[0] == "write":
                value = s[2]
            else:
                s[2] = value
            s[3] = True
        elif s[0] == "write" and rng.random() < 0.02:  # crash: the write stays pending
            ops.append(RWOp("write", f"p{p + 1}", s[1], None, s[2]))
            live.remove(p)
        else:
            ops.append(RWOp(s[0], f"p{p + 1}", s[1], t, s[2]))
            state[p] = None
            t += 1
    return ops


def test_zones_and_search_agree_on_long_simulated_histories_and_their_mutations():
    """Hundreds of operations (beyond the brute force): the two algorithms give the same verdict
    on linearizable histories and on copies where one read returns another written value."""
    rng = random.Random(5)
    verdicts = []
    for _ in range(60):
        h = _simulated(rng, 200, rng.randint(2, 5))
        assert is_linearizable(h, method="zones") and is_linearizable(h, method="search")
        reads = [i for i, o in enumerate(h) if o.kind == "read"]
        i = rng.choice(reads)
        values = [o.value for o in h if o.kind == "write"]
        m = list(h)
        m[i] = R(h[i].p, h[i].inv, h[i].res, rng.choice([None, *values]))
        z, s = is_linearizable(m, method="zones"), is_linearizable(m, method="search")
        assert z == s
        verdicts.append(z)
    assert verdicts.count(True) >= 1 and verdicts.count(False) >= 30  # both verdicts exercised
