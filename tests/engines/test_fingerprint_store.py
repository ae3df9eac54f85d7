"""The fingerprint seen-set (``--store fingerprint``, ``ioakit.engines.fingerprints``) against the
exact one: the same counts, verdicts and shortest counterexamples on the shipped machines; the
state limit, Ctrl-C, steps cut off by the bounds and step properties behaving as with the exact
store; and a fingerprint weak enough to collide losing states, as the report warns it may, with
the collision caught when a counterexample is rebuilt."""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np
import pytest
from models.token_ring import TokenRing

from ioakit.backends.codegen import compile_predicates
from ioakit.baseline import shipped_machines
from ioakit.cli import main
from ioakit.engines import fingerprints
from ioakit.engines.explore import Execution, Explorer, ExploreReport, Property, properties_from
from ioakit.engines.fingerprints import (
    CompactOverflowError,
    CompactStore,
    FingerprintCollisionError,
    FingerprintHazardError,
    FingerprintStore,
    collision_bound,
    hash_hazards,
)
from ioakit.engines.store import make_store
from ioakit.lang import ir
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import Act, StepProperty, unchanged
from ioakit.lang.types import Domain, EnumT, IntT, MapT, RecordT, SeqT
from ioakit.registry import default_properties, get_spec
from ioakit.results import Verdict
from ioakit.specs.fls.lemmas import TO_FACTS


@functools.cache
def machine(name: str) -> Machine:
    return get_spec(name).build({})


def replays(cex: Execution) -> bool:
    """Whether every step of ``cex`` is a step of its machine (the instance takes the state before
    it to the state after it)."""
    succ = cex.machine.compiled().successors
    pre = cex.start
    if pre not in cex.machine.start_states:
        return False
    for k, post in cex.steps:
        if (k, post) not in list(succ(pre)):
            return False
        pre = post
    return True


def summary(r: ExploreReport, capped: bool = False) -> tuple[Any, ...]:
    """What the two stores must agree on (``capped``: under ``max_states``, where the exact store's
    layer stops inside a chunk and the fingerprint store's after it, so that the transitions and
    deadlocks met differ)."""
    results = tuple(
        (x.name, x.verdict, None if x.counterexample is None else len(x.counterexample), x.vacuous) for x in r.results
    )
    counts = () if capped else (r.transitions, r.deadlocks, r.bound_hits)
    return (r.verdict, r.states, r.depth, r.complete, r.reason, results, *counts)


def compare(m: Machine, explorer: Any, capped: bool = False) -> tuple[ExploreReport, ExploreReport]:
    """Run ``explorer`` with each store; the fingerprint and compact stores must agree with the
    exact one (the compact store may instead refuse a machine whose states need more than 64 bits).
    Returns the exact and the fingerprint reports."""
    exact = explorer(Explorer(m)).run()
    fp = explorer(Explorer(m)).store("fingerprint").run()
    assert exact.store == "exact" and exact.collision_bound is None
    assert fp.store == "fingerprint" and fp.collision_bound == collision_bound(fp.states)
    try:
        compact = explorer(Explorer(m)).store("compact").run()
    except CompactOverflowError as e:
        assert "into 64 bits" in str(e)
        others = [fp]
    else:
        assert compact.store == "compact" and compact.collision_bound is None
        others = [fp, compact]
    for r in others:
        assert summary(r, capped) == summary(exact, capped)
        for x, y in zip(exact.results, r.results, strict=True):
            if y.counterexample is not None:
                assert replays(y.counterexample)
                # the same execution (first instance, breadth-first parents), unless fingerprints collide
                assert (y.counterexample.start, y.counterexample.steps) == (
                    x.counterexample.start,
                    x.counterexample.steps,
                )
    return exact, fp


def _depth_for(m: Machine, states: int) -> int:
    """A depth whose breadth-first levels hold at most about ``states`` states."""
    r = Explorer(m).max_states(states).run()
    return r.depth if r.complete else max(r.depth - 1, 0)


FAST = ["TO-machine", "VS-machine", "WeakVS-machine", "round-based-consensus-fig6-bug-ignore-read"]


@pytest.mark.parametrize("name", FAST)
def test_the_stores_agree_on_complete_explorations(name: str) -> None:
    m = machine(name)
    props = default_properties(m)
    exact, _ = compare(m, lambda e: e.check(props))
    assert exact.complete or exact.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("name", shipped_machines())
def test_the_stores_agree_on_every_shipped_machine_to_a_small_depth(name: str) -> None:
    m = machine(name)
    props = default_properties(m)
    d = _depth_for(m, 1500)
    compare(m, lambda e: e.check(props).max_depth(d))


@pytest.mark.slow
@pytest.mark.parametrize("name", shipped_machines())
def test_the_stores_agree_on_every_shipped_machine_at_its_default_scope(name: str) -> None:
    m = machine(name)
    props = default_properties(m)
    compare(m, lambda e: e.check(props).max_states(400_000), capped=True)


def test_a_violation_is_shortest_and_replays() -> None:
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 3})
    short_queue = Property("queue shorter than 3", m.predicate(lambda s: s.queue.length < 3))
    _, fp = compare(m, lambda e: e.check([short_queue]))
    cex = fp.results[0].counterexample
    assert fp.verdict is Verdict.VIOLATED and cex is not None and len(cex.final[0]) == 3
    assert not compile_predicates(m, [short_queue.term])[0](cex.final)


@pytest.mark.parametrize("cap", [1, 50, 4096, 5000])
def test_max_states_keeps_the_same_first_states(cap: int) -> None:
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 3})
    short_queue = Property("queue shorter than 3", m.predicate(lambda s: s.queue.length < 3))
    exact = Explorer(m).check([short_queue]).max_states(cap).run()
    fp = Explorer(m).check([short_queue]).max_states(cap).store("fingerprint").run()
    assert fp.states == exact.states == cap
    assert fp.verdict is exact.verdict and fp.reason == exact.reason == f"max-states {cap} reached"
    # the layer of the exact store stops inside a chunk, the fingerprint store's after it: only the
    # transition count can differ
    x, y = exact.results[0], fp.results[0]
    assert (x.verdict, x.counterexample is None) == (y.verdict, y.counterexample is None)
    if y.counterexample is not None:
        assert len(y.counterexample) == len(x.counterexample) and replays(y.counterexample)


def test_ctrl_c_gives_a_partial_report_with_the_violations_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """A violation first reached inside the interrupted chunk is still reported, with its path: the
    store keeps what the chunk found before the interrupt, as the exact store does."""
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 4})
    three_in_queue = Property("queue shorter than 3", m.predicate(lambda s: s.queue.length < 3))
    depth = len(Explorer(m).check([three_in_queue]).run().results[0].counterexample)
    compiled = m.compiled()
    real = compiled.layer
    calls = {"n": 0}

    def interrupting(frontier: Any, seen: Any, new: Any, cap: int) -> Any:
        calls["n"] += 1
        if calls["n"] >= depth:  # levels up to depth 6 fit in one call: this one reaches ``depth``
            real(frontier, seen, new, cap)
            raise KeyboardInterrupt
        return real(frontier, seen, new, cap)

    monkeypatch.setattr(compiled, "_layer", interrupting)
    r = Explorer(m).check([three_in_queue]).store("fingerprint").run()
    assert r.interrupted and not r.complete and r.reason == "interrupted (Ctrl-C)"
    assert r.verdict is Verdict.VIOLATED
    cex = r.results[0].counterexample
    assert cex is not None and len(cex) == depth and len(cex.final[0]) == 3 and replays(cex)
    calls["n"] = 0
    assert Explorer(m).store("fingerprint").run().verdict is Verdict.INCOMPLETE  # nothing violated: never OK


def test_steps_cut_by_the_bounds_are_counted_alike() -> None:
    ring = TokenRing().build({})
    exact, fp = compare(ring, lambda e: e)
    assert fp.bound_hits and fp.verdict is Verdict.INCOMPLETE and fp.first_bound_hit == exact.first_bound_hit
    _, fp = compare(ring, lambda e: e.allow_bound_hits())
    assert fp.verdict is Verdict.OK and fp.bound_hits_allowed


# -- step properties: judged level by level during the search ------------------------------------------


def brcv_advances(pre: Any, post: Any, act: Act) -> Any:
    if act.name != "brcv":
        return unchanged(pre, post, "next")
    q = act.args["q"]
    return ir.And(post.next[q] == pre.next[q] + 1, pre.queue.at(pre.next[q]) == (act.args["a"], act.args["p"]))


def next_never_changes(pre: Any, post: Any, act: Act) -> Any:
    return post.next == pre.next


def inputs_never_grow_past_one(pre: Any, post: Any, act: Act) -> Any:
    return post.inputs_issued <= 1


def test_step_properties_agree_with_the_pass_after_the_search() -> None:
    m = machine("TO-machine")
    sps = [StepProperty.trace(m, n, f) for n, f in [("brcv", brcv_advances), ("never", next_never_changes)]]
    sps.append(StepProperty.trace(m, "one_input", inputs_never_grow_past_one))
    facts = properties_from(m, TO_FACTS)
    _, fp = compare(m, lambda e: e.check(facts).check_steps(sps))
    assert [x.verdict for x in fp.results] == [Verdict.OK, Verdict.OK, Verdict.OK, Verdict.VIOLATED, Verdict.VIOLATED]
    for y in fp.results:
        if y.step and y.counterexample is not None:
            assert replays(y.counterexample)
    # cut short: the reached states never expanded are judged too, as the exact store's pass does
    for limit in ({"max_states": 50}, {"max_depth": 2}, {"max_states": 2}):
        n, v = next(iter(limit.items()))
        compare(m, lambda e, n=n, v=v: getattr(e.check_steps(sps), n)(v), capped=n == "max_states")


def test_ctrl_c_while_judging_steps_is_incomplete_never_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    from ioakit.engines import steps as steps_module

    real = steps_module.StepChecks.scan
    calls = {"n": 0}

    def interrupted(self: Any, states: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        real(self, states)

    monkeypatch.setattr(steps_module.StepChecks, "scan", interrupted)
    m = machine("TO-machine")
    facts = properties_from(m, TO_FACTS)
    r = Explorer(m).check(facts).check_steps([StepProperty.trace(m, "brcv", brcv_advances)]).store("fingerprint").run()
    assert r.interrupted and not r.complete and r.verdict is Verdict.INCOMPLETE
    assert [x.verdict for x in r.results] == [Verdict.INCOMPLETE] * 3


# -- collisions --------------------------------------------------------------------------------------------


def test_colliding_fingerprints_lose_states_and_a_rebuilt_counterexample_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a fingerprint of 4 bits instead of 64, distinct states are taken for one: fewer states
    are counted (what the report's collision bound is about), and a counterexample whose replay
    does not end in the violating state is an error, never a wrong execution."""
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 3})
    monkeypatch.setattr(fingerprints, "hash", lambda s: hash(s) & 0xF, raising=False)
    exact = Explorer(m).run()
    fp = Explorer(m).store("fingerprint").run()
    assert fp.states <= 16 < exact.states
    store = FingerprintStore()
    frontier, _ = store.add_starts(m.start_states, 10**6)
    kept = set(frontier)
    while frontier:
        new: list[Any] = []
        store.expand(m.compiled().layer, frontier, new, 10**6)
        kept.update(new)
        frontier = new
    lost = next(s for s in Explorer(m).reachable() if s not in kept)  # its fingerprint is a kept state's
    with pytest.raises(FingerprintCollisionError, match="fingerprint collision detected"):
        store.path(lost, m.compiled().successors)


def test_the_table_finds_exactly_what_was_stored() -> None:
    rng = np.random.default_rng(7)
    store = FingerprintStore()
    fps = np.unique(rng.integers(0, 2**63, size=60_000, dtype=np.int64).view(np.uint64))
    rng.shuffle(fps)
    stored, absent = fps[:40_000], fps[40_000:]
    for c in range(0, len(stored), 7_000):  # several growths of the table
        part = stored[c : c + 7_000]
        store._append(part, np.zeros(len(part), dtype=np.uint32))
    assert len(store) == 40_000
    assert store._find(stored).tolist() == list(range(40_000))
    assert (store._find(absent) == -1).all()
    assert store.nbytes() < 40_000 * 40


def test_integer_ranges_that_python_hashes_together_are_refused() -> None:
    """``hash(-1) == hash(-2)``: states differing only there would share a fingerprint for sure."""
    P = Domain("P", ("p1", "p2"))
    ok = [("n", IntT(-1, 5)), ("m", MapT((EnumT(P),), EnumT(P, bottom=True)))]
    assert hash_hazards(ok) == []
    FingerprintStore(ok)
    bad = [("n", IntT(0, 3)), ("q", SeqT(RecordT("r", (("x", IntT(-2, 0)),)), 2))]
    assert hash_hazards(bad) == ["q: the range -2..0 holds -1 and -2, whose hashes are equal"]
    with pytest.raises(FingerprintHazardError, match="use --store exact"):
        make_store("fingerprint", bad)
    assert make_store("exact", bad).name == "exact"
    assert hash_hazards([("big", IntT(0, 2**61))]) and not hash_hazards([("big", IntT(0, 2**61 - 2))])


def test_the_compact_store_widens_its_fields_and_refuses_more_than_64_bits() -> None:
    """Keys re-packed when a variable's values outgrow their field: the same states found again."""
    store = CompactStore([("a", IntT(0, 10**6)), ("b", IntT(0, 10**6)), ("c", IntT(0, 10**6))])
    states = [(i % 7, i, i // 3) for i in range(5_000)]
    for c in range(0, len(states), 700):  # each part widens b and c
        part = states[c : c + 700]
        store._append(store._keys(part, len(part)), np.zeros(len(part), dtype=np.uint32))
    assert len(set(store._fps[: len(store)].tolist())) == 5_000
    assert store._find(store._keys(states, len(states))).tolist() == list(range(5_000))
    assert (store._find(store._keys([(0, 5_000, 0), (1, 1, 1)], 2)) == -1).all()
    # nine variables of 129 distinct values each: 9 x 8 bits do not fit in a word
    wide = CompactStore([(f"v{j}", IntT(0, 200)) for j in range(9)])
    wide._keys([(i,) * 9 for i in range(128)], 128)  # 9 x 7 bits fit
    with pytest.raises(CompactOverflowError, match="now needs 8 bits"):
        wide._keys([(128,) * 9], 1)


def test_the_collision_bound_is_the_birthday_bound() -> None:
    assert collision_bound(1) == 0
    assert collision_bound(3_367_923) == pytest.approx(3.07e-7, rel=1e-2)


# -- the command line --------------------------------------------------------------------------------------


def test_cli_store_flag_on_explore_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "TO-machine", "--store", "fingerprint", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["store"] == "fingerprint" and out["states"] == 2065
    assert 0 < out["fingerprint_collision_bound"] < 1e-12
    assert main(["explore", "TO-machine", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["store"] == "exact" and out["fingerprint_collision_bound"] is None
    assert main(["explore", "TO-machine", "--store", "fingerprint"]) == 0
    text = capsys.readouterr().out
    assert "OK up to fingerprint collisions, probability ≤ 1.2e-13" in text
    assert main(["check", "VS-machine", "vs_lemma_4_1", "--store", "fingerprint"]) == 0
    text = capsys.readouterr().out
    assert "2,197 states" in text and "OK up to fingerprint collisions" in text
    assert main(["check", "VS-machine", "vs_lemma_4_1", "--store", "fingerprint", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["store"] == "fingerprint"
    assert main(["explore", "TO-machine", "--store", "hashes"]) == 2
    assert "invalid choice: 'hashes'" in capsys.readouterr().err
