"""The explicit-state explorer (ioakit.engines.explore).

Exact state counts are pinned, as Stateright's examples pin ``unique_state_count``, and every
pinned row — the benchmark scopes included — is re-derived by the independent hand-written
search of the figures (``tests/oracles/fls.py``) in the default run; counterexamples are
shortest and replay; incomplete runs never pass; the papers' Lemma 4.1 rejects seeded-bug
variants of VS-machine; simulation is seeded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oracles import fls as ref

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Execution, Explorer, Property, Verdict, properties_from
from ioakit.lang.automaton import Decl, Machine, Scope, Spec, input, internal, output
from ioakit.lang.ir import BOT, const, forall
from ioakit.lang.types import Domain, EnumT, SeqT
from ioakit.registry import get_spec
from ioakit.specs.fls import VSMachine, WeakVSMachine
from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS

TO_BENCH = {"processors": 3, "values": 2, "max_inputs": 4}
VS_BENCH = {"processors": 3, "initial_members": 3, "view_ids": 2, "messages": 1, "max_inputs": 2}

# (machine, scope, states, transitions, depth, deadlocks): measured, and each fast one is
# re-derived below by the independent reference search.
PINNED: list[tuple[str, dict[str, int], int, int, int, int]] = [
    ("TO-machine", {}, 2_065, 4_696, 12, 64),
    ("TO-machine", {"processors": 1, "values": 2, "max_inputs": 2}, 31, 42, 6, 4),
    ("TO-machine", {"processors": 3, "values": 1, "max_inputs": 3}, 2_960, 8_286, 15, 27),
    ("TO-machine", {"processors": 2, "values": 3, "max_inputs": 2}, 526, 972, 8, 36),
    ("TO-machine", {"max_inputs": 0}, 1, 0, 0, 1),
    ("VS-machine", {}, 2_197, 4_994, 15, 202),
    ("VS-machine", {"view_ids": 3}, 23_731, 60_144, 18, 2_298),
    (
        "VS-machine",
        {"processors": 3, "initial_members": 1, "view_ids": 2, "messages": 1, "max_inputs": 1},
        333,
        612,
        12,
        36,
    ),
    (
        "VS-machine",
        {"processors": 1, "initial_members": 0, "view_ids": 2, "messages": 2, "max_inputs": 2},
        68,
        101,
        10,
        8,
    ),
    ("VS-machine", {"initial_members": 1, "messages": 2}, 1_858, 3_782, 15, 148),
    ("WeakVS-machine", {}, 2_197, 4_994, 15, 202),
    ("WeakVS-machine", {"view_ids": 3}, 23_731, 68_324, 18, 2_096),
    ("WeakVS-machine", {"processors": 3, "initial_members": 1, "view_ids": 3, "max_inputs": 0}, 567, 1_462, 5, 64),
]
PINNED_BENCH: list[tuple[str, dict[str, int], int, int, int, int]] = [
    ("TO-machine", TO_BENCH, 294_579, 941_508, 20, 1_296),
    ("VS-machine", VS_BENCH, 40_822, 120_953, 20, 2_103),
    ("WeakVS-machine", VS_BENCH, 40_822, 120_953, 20, 2_103),
]


def _id(row: tuple[Any, ...]) -> str:
    return f"{row[0]}[{','.join(f'{k}={v}' for k, v in row[1].items()) or 'default'}]"


def _reference(name: str, scope: dict[str, int]) -> ref.Result:
    """The oracle's search of ``name`` at ``scope`` (the machine's defaults filled in)."""
    sc = get_spec(name).scope(scope).as_dict()
    if name == "TO-machine":
        return ref.to_bfs(**sc)
    return ref.vs_bfs(weak=name == "WeakVS-machine", **sc)


def _check_pinned(name: str, scope: dict[str, int], states: int, transitions: int, depth: int, dead: int) -> None:
    r = Explorer(get_spec(name).build(scope)).run()
    assert r.verdict is Verdict.OK and r.complete and r.reason is None
    assert (r.states, r.transitions, r.depth, r.deadlocks) == (states, transitions, depth, dead)
    assert r.bound_hits == 0 and r.first_bound_hit is None  # these scopes never reach a sequence bound


@pytest.mark.parametrize("row", PINNED, ids=_id)
def test_pinned_state_counts(row: tuple[str, dict[str, int], int, int, int, int]) -> None:
    _check_pinned(*row)


@pytest.mark.parametrize("row", PINNED_BENCH, ids=_id)
def test_pinned_state_counts_at_the_benchmark_scopes(row: tuple[str, dict[str, int], int, int, int, int]) -> None:
    _check_pinned(*row)


@pytest.mark.parametrize("row", PINNED, ids=_id)
def test_reachable_states_equal_an_independent_search_of_the_figure(row: tuple[Any, ...]) -> None:
    """Same *set* of states (not only as many), same transitions, depth and deadlocks."""
    name, scope, states, transitions, depth, dead = row
    m = get_spec(name).build(scope)
    expected = _reference(name, scope)
    assert set(Explorer(m).reachable()) == expected.reachable
    assert (expected.states, expected.transitions, expected.depth, expected.deadlocks) == (
        states,
        transitions,
        depth,
        dead,
    )


@pytest.mark.parametrize("row", PINNED_BENCH, ids=_id)
def test_the_benchmark_scope_counts_are_those_of_the_independent_search(row: tuple[Any, ...]) -> None:
    """The counts pinned at the benchmark scopes (and printed in the README) are re-derived by the
    oracle; the explorer's own counts and reachable sets are compared with them below (all in
    the default run: about 4 s for the three scopes), and ``benchmarks/explore_speed.py`` times
    the two."""
    name, scope, states, transitions, depth, dead = row
    r = _reference(name, scope)
    assert (r.states, r.transitions, r.depth, r.deadlocks) == (states, transitions, depth, dead)


@pytest.mark.parametrize("row", PINNED_BENCH, ids=_id)
def test_reachable_states_at_the_benchmark_scopes_equal_the_independent_search(row: tuple[Any, ...]) -> None:
    name, scope = row[0], row[1]
    assert set(Explorer(get_spec(name).build(scope)).reachable()) == _reference(name, scope).reachable


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_pinned_rows() -> list[tuple[str, dict[str, int], int, int, int]]:
    """The README's table of pinned counts (after "Pinned exact counts"), a ``same`` scope being
    the row above's: (machine, scope as written, states, transitions, depth)."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("Pinned exact counts") :].split("\n\n")[1]
    rows: list[tuple[str, dict[str, int], int, int, int]] = []
    for line in table.splitlines()[2:]:
        name, scope, states, transitions, depth = (c.strip() for c in line.strip("|").split("|"))
        sc = rows[-1][1] if scope == "same" else {k: int(v) for k, v in (kv.split("=") for kv in scope.split(", "))}
        rows.append((name, sc, *(int(x.replace(",", "")) for x in (states, transitions, depth))))
    return rows


def test_readme_pinned_counts_are_the_ones_tested_by_default() -> None:
    """Every row of the README's pinned table (which says "tests fail if they change") is a row
    of ``PINNED`` or ``PINNED_BENCH``, both run in the default set, not only under ``-m slow``."""
    rows = _readme_pinned_rows()
    assert len(rows) == 5, rows
    tested = {
        (name, tuple(sorted(get_spec(name).scope(sc).as_dict().items())), st, tr, d)
        for name, sc, st, tr, d, _ in [*PINNED, *PINNED_BENCH]
    }
    for name, sc, st, tr, d in rows:
        key = (name, tuple(sorted(get_spec(name).scope(sc).as_dict().items())), st, tr, d)
        assert key in tested, key


def _perturbed(s: tuple[Any, ...], rng: random.Random) -> tuple[Any, ...]:
    """``s`` with one counter moved by ±1 — TO: a ``next[p]``; VS: a ``next[p, g]`` or
    ``next_safe[p, g]``; or the input count — a well-typed state, often unreachable."""
    i = rng.choice([len(s) - 1, 2] if len(s) == 4 else [len(s) - 1, 4, 5])
    if i == len(s) - 1:
        return (*s[:-1], max(0, s[-1] + rng.choice([-1, 1])))
    k = rng.randrange(len(s[i]))
    row = list(s[i])
    row[k] = max(1, row[k] + rng.choice([-1, 1]))
    return (*s[:i], tuple(row), *s[i + 1 :])


@pytest.mark.parametrize("name", ["TO-machine", "VS-machine"])
def test_the_oracles_hand_coded_facts_agree_with_the_shipped_properties(name: str) -> None:
    """The hand-coded checks the benchmark times (``to_facts_hold``, ``lemma_4_1_holds``) judge
    every reachable state, and perturbed unreachable ones, as the shipped properties do — so the
    "with facts" timings of ``benchmarks/explore_speed.py`` compare the same work."""
    m = get_spec(name).build({})
    sc = m.scope.as_dict()
    preds = compile_predicates(m, [p.term for p in properties_from(m, TO_FACTS if name == "TO-machine" else LEMMA_4_1)])
    if name == "TO-machine":
        r = ref.to_bfs(**sc, check=True)

        def hand(s: tuple[Any, ...]) -> bool:
            return ref.to_facts_hold(s)
    else:
        r = ref.vs_bfs(**sc, check=True)

        def hand(s: tuple[Any, ...]) -> bool:
            return ref.lemma_4_1_holds(s, sc["processors"], sc["view_ids"])

    assert r.violations == 0
    rng = random.Random(0)
    reachable = sorted(r.reachable, key=repr)
    states = reachable + [_perturbed(rng.choice(reachable), rng) for _ in range(2_000)]
    verdicts = [hand(s) for s in states]
    assert verdicts == [all(p(s) for p in preds) for s in states]
    assert verdicts.count(False) > 100  # the perturbations do break the facts


def test_weak_vs_reaches_exactly_the_states_of_vs() -> None:
    """WeakVS only lets views be created out of id order, which the state does not record: same
    reachable states (more transitions), consistent with the paper's claim of equal traces."""
    for scope in ({"view_ids": 3}, {"processors": 3, "initial_members": 1, "view_ids": 3, "max_inputs": 1}):
        vs = set(Explorer(get_spec("VS-machine").build(scope)).reachable())
        weak = set(Explorer(get_spec("WeakVS-machine").build(scope)).reachable())
        assert vs == weak


def test_report_json_carries_the_statistics() -> None:
    r = Explorer(get_spec("TO-machine").build({})).run()
    j = json.loads(json.dumps(r.to_json()))
    assert j["mode"] == "exhaustive" and j["verdict"] == "OK" and j["complete"] is True
    assert (j["states"], j["transitions"], j["depth"]) == (2065, 4696, 12)
    assert j["scope"] == {"processors": 2, "values": 2, "max_inputs": 3}
    assert j["states_per_second"] > 0 and j["z3_version"]


# -- the papers' facts hold -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["VS-machine", "WeakVS-machine"])
@pytest.mark.parametrize("scope", [{}, {"view_ids": 3}, {"processors": 3, "initial_members": 1, "max_inputs": 1}])
def test_lemma_4_1_holds(name: str, scope: dict[str, int]) -> None:
    m = get_spec(name).build(scope)
    r = Explorer(m).check(properties_from(m, LEMMA_4_1)).run()
    r.assert_ok()
    assert [x.name for x in r.results] == [f"lemma_4_1_{i}" for i in range(1, 15)]
    assert all(x.verdict is Verdict.OK for x in r.results)


def test_to_facts_hold() -> None:
    m = get_spec("TO-machine").build({})
    Explorer(m).check(properties_from(m, TO_FACTS)).run().assert_ok()


# -- incomplete runs never pass -------------------------------------------------------------------


def test_max_states_gives_incomplete_with_the_reason_and_assert_ok_fails() -> None:
    m = get_spec("TO-machine").build({})
    r = Explorer(m).check(properties_from(m, TO_FACTS)).max_states(100).run()
    assert r.verdict is Verdict.INCOMPLETE and not r.complete
    assert r.reason == "max-states 100 reached"
    assert r.states == 100
    assert all(x.verdict is Verdict.INCOMPLETE for x in r.results)
    assert r.to_json()["verdict"] == "INCOMPLETE" and Verdict.INCOMPLETE.exit_code == 3
    with pytest.raises(AssertionError, match="incomplete"):
        r.assert_ok()


def test_max_states_is_exact_at_the_boundary() -> None:
    m = get_spec("TO-machine").build({})
    assert Explorer(m).max_states(2065).run().verdict is Verdict.OK
    assert Explorer(m).max_states(2064).run().verdict is Verdict.INCOMPLETE


def test_max_depth_gives_incomplete() -> None:
    r = Explorer(get_spec("VS-machine").build({})).max_depth(3).run()
    assert r.verdict is Verdict.INCOMPLETE and r.reason == "max-depth 3 reached" and r.depth == 3
    with pytest.raises(AssertionError, match="incomplete"):
        r.assert_ok()


def test_a_violation_found_before_the_cut_is_still_reported() -> None:
    m = get_spec("TO-machine").build({})
    prop = Property("queue empty", m.predicate(lambda s: s.queue.length == 0))
    r = Explorer(m).check([prop]).max_states(200).run()
    assert not r.complete and r.verdict is Verdict.VIOLATED
    assert r.result("queue empty").verdict is Verdict.VIOLATED


# -- counterexamples are shortest and replay ------------------------------------------------------


def _to_two_deliveries(s: Any) -> Any:
    return forall(s.next.type.keys[0].domain, lambda p: s.next[p] <= 2)


def _vs_nothing_received_in_g1(s: Any) -> Any:
    P = s.next.type.keys[0].domain
    g1 = const(s.next.type.keys[1], 1)
    return forall(P, lambda p: s.next[p, g1] == 1)


def _vs_nothing_safe(s: Any) -> Any:
    P, G = (k.domain for k in s.next_safe.type.keys)
    return forall(P, lambda p: forall(G, lambda g: s.next_safe[p, g] == 1))


FALSE_PROPERTIES: list[tuple[str, dict[str, int], Callable[[Any], Any], Callable[[tuple[Any, ...]], bool]]] = [
    # (machine, scope, property as traced code, the *negation* evaluated directly on reference states)
    ("TO-machine", {}, _to_two_deliveries, lambda s: any(n > 2 for n in s[2])),
    ("VS-machine", {}, _vs_nothing_received_in_g1, lambda s: any(s[4][p * 2 + 1] != 1 for p in range(2))),
    ("VS-machine", {"initial_members": 1}, _vs_nothing_safe, lambda s: any(n != 1 for n in s[5])),
    (
        "WeakVS-machine",
        {"view_ids": 3},
        _vs_nothing_received_in_g1,
        lambda s: any(s[4][p * 3 + 1] != 1 for p in range(2)),
    ),
]


def _replays(m: Machine, ex: Execution) -> None:
    """The counterexample is an execution of the compiled machine from a start state."""
    assert ex.start in m.start_states
    steps = m.compiled().steps
    prev = ex.start
    for k, st in ex.steps:
        assert steps[k](prev) == st, f"step {m.actions[k].label} does not lead to the recorded state"
        prev = st


@pytest.mark.parametrize("case", FALSE_PROPERTIES, ids=lambda c: f"{c[0]}-{c[2].__name__}")
def test_a_false_property_gets_a_shortest_counterexample_that_replays(case: tuple[Any, ...]) -> None:
    name, scope, prop_fn, violated = case
    m = get_spec(name).build(scope)
    r = Explorer(m).check([Property("p", m.predicate(prop_fn), "test")]).run()
    assert r.verdict is Verdict.VIOLATED and r.complete
    ex = r.result("p").counterexample
    assert ex is not None
    _replays(m, ex)
    assert violated(ex.final)
    assert not any(violated(st) for st in (ex.start, *(st for _, st in ex.steps[:-1])))
    assert len(ex) == _reference(name, scope).min_depth(violated)  # shortest: BFS depth of the first violating state
    with pytest.raises(AssertionError, match="p violated"):
        r.assert_ok()
    j = json.loads(json.dumps(r.to_json()))
    assert j["invariants"][0]["counterexample_length"] == len(ex)
    steps = j["invariants"][0]["counterexample"]["steps"]
    assert [(e["action"], e["args"]) for e in steps] == [
        (m.actions[k].name, m.args_json_of(k, pre)) for (k, _), pre in zip(ex.steps, ex.pre_states())
    ]
    assert [m.state_from_json(e["state"]) for e in steps] == [st for _, st in ex.steps]


def test_counterexample_json_keeps_family_name_and_instance_label(monkeypatch: pytest.MonkeyPatch) -> None:
    """``action`` is the family name (as in a trace file, traces/FORMAT.md §3); ``label`` is the
    full instance label that ``show()`` prints. Both survive; the events are built once."""
    m = get_spec("TO-machine").build({})
    ex = Explorer(m).check([Property("p", m.predicate(_to_two_deliveries))]).run().result("p").counterexample
    assert ex is not None
    calls = 0
    events = Execution.events

    def counting(self: Execution, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return events(self, *args, **kwargs)

    monkeypatch.setattr(Execution, "events", counting)
    steps = json.loads(json.dumps(ex.to_json()))["steps"]
    assert calls == 1  # not once per step (quadratic)
    assert [e["label"] for e in steps] == ex.labels()
    assert [e["action"] for e in steps] == [m.actions[k].name for k, _ in ex.steps]
    assert steps[-1]["action"] == "brcv" and steps[-1]["label"].startswith("brcv(")  # distinct keys, distinct values
    assert all(set(e) == {"action", "label", "kind", "args", "state"} for e in steps)


def test_counterexample_text_names_the_actions_and_changes() -> None:
    m = get_spec("TO-machine").build({})
    r = Explorer(m).check([Property("p", m.predicate(_to_two_deliveries))]).run()
    ex = r.result("p").counterexample
    text = ex.show()
    assert ex.labels()[-1].startswith("brcv(") and ex.labels()[-1] in text
    assert "inputs_issued" not in text  # the environment budget is hidden
    assert [e["kind"] for e in ex.external_events()].count("input") == 2


# -- seeded-bug mutants of VS-machine are rejected by Lemma 4.1 -----------------------------------


class NewviewNoIncrease(VSMachine):
    """Mutant: newview without "v.id > current-viewid[p]" (a processor may go back to an older view)."""

    name = "VS-mutant-newview-no-increase"

    @output(v="views", p="P", where=lambda v, p: p in v.set)
    def newview(self, s: Any, v: Any, p: Any) -> None:
        s.require(s.created.contains(v))
        s.current_viewid[p] = v.id


class NewviewAnyProcessor(VSMachine):
    """Mutant: newview(v)_p without the signature restriction p ∈ v.set."""

    name = "VS-mutant-newview-nonmember"

    @output(v="views", p="P")
    def newview(self, s: Any, v: Any, p: Any) -> None:
        s.require(s.created.contains(v))
        s.require((v.id > s.current_viewid[p]) | (s.current_viewid[p] == BOT))
        s.current_viewid[p] = v.id


class SafeWithoutForall(VSMachine):
    """Mutant: safe without "∀ r ∈ S: next[r, g] > next-safe[q, g]"."""

    name = "VS-mutant-safe-no-forall"

    @output(m="M", p="P", q="P")
    def safe(self, s: Any, m: Any, p: Any, q: Any) -> None:
        g = s.current_viewid[q]
        ns = s.next_safe[q, g]
        s.require(g != BOT)
        s.require(ns <= s.queue[g].length)
        s.require(s.queue[g].at(ns) == (m, p))
        s.next_safe[q, g] = ns + 1


class OrderToWrongQueue(VSMachine):
    """Mutant: vs-order(m, p, g) appends to the queue of the *next* view id (cyclically)."""

    name = "VS-mutant-order-wrong-queue"

    @internal(m="M", p="P", g="G")
    def vs_order(self, s: Any, m: Any, p: Any, g: Any) -> None:
        s.require(s.pending[p, g].length > 0)
        s.require(s.pending[p, g].head() == m)
        s.pending[p, g] = s.pending[p, g].tail()
        other = const(g.type, (g.value + 1) % len(g.type.domain))
        s.queue[other] = s.queue[other].append((m, p))


class GprcvPastTheQueue(VSMachine):
    """Mutant: gprcv with the queue-entry precondition replaced by "next[q, g] <= len(queue[g]) + 1"."""

    name = "VS-mutant-gprcv-past-queue"

    @output(m="M", p="P", q="P")
    def gprcv(self, s: Any, m: Any, p: Any, q: Any) -> None:
        g = s.current_viewid[q]
        s.require(g != BOT)
        s.require(s.next[q, g] <= s.queue[g].length + 1)
        s.next[q, g] = s.next[q, g] + 1


class CreateviewReusesId(VSMachine):
    """Mutant: createview with "v.id ≥ w.id" (a second view with the newest id may be created)."""

    name = "VS-mutant-createview-reuse-id"

    def createview_pre(self, s: Any, v: Any) -> Any:
        return forall(s.created, lambda w: w.id <= v.id)


# mutant -> {violated Lemma 4.1 item: length of its shortest counterexample} at the default scope
MUTANTS: list[tuple[type[VSMachine], dict[int, int]]] = [
    (NewviewNoIncrease, {6: 4, 9: 5}),
    (NewviewAnyProcessor, {3: 2, 12: 5, 13: 5, 14: 5}),
    (SafeWithoutForall, {12: 3}),
    (OrderToWrongQueue, {7: 2, 9: 2}),
    (GprcvPastTheQueue, {10: 1}),
]


@pytest.mark.parametrize(("mutant", "violated"), MUTANTS, ids=lambda x: getattr(x, "__name__", ""))
def test_lemma_4_1_rejects_seeded_bug(mutant: type[VSMachine], violated: dict[int, int]) -> None:
    m = mutant().build({})
    r = Explorer(m).check(properties_from(m, LEMMA_4_1)).run()
    # a mutant may also push a counter past its bound (gprcv past the queue): then the exploration
    # is not complete, but the violations found are real and shortest
    assert r.verdict is Verdict.VIOLATED and (r.complete or (r.bound_hits and "scope's bounds" in r.reason))
    got = {int(x.name.rsplit("_", 1)[1]): len(x.counterexample) for x in r.results if x.counterexample}
    assert got == violated
    for x in r.results:
        if x.counterexample:
            _replays(m, x.counterexample)


def test_lemma_4_1_rejects_reused_view_ids_at_the_first_step() -> None:
    """This mutant's state space is large (views with one id pile up), so stop at the first violation."""
    m = CreateviewReusesId().build({})
    r = Explorer(m).check(properties_from(m, LEMMA_4_1)).stop_on_violation().run()
    assert r.verdict is Verdict.VIOLATED and r.reason == "stopped at the first violation"
    got = {int(x.name.rsplit("_", 1)[1]): len(x.counterexample) for x in r.results if x.counterexample}
    assert got == {1: 1, 3: 1}
    assert r.result("lemma_4_1_2").verdict is Verdict.INCOMPLETE


def test_weak_vs_is_not_a_mutant() -> None:
    """The one intended variant passes (its createview only enforces unique ids)."""
    assert issubclass(WeakVSMachine, VSMachine)
    m = WeakVSMachine().build({"view_ids": 3})
    Explorer(m).check(properties_from(m, LEMMA_4_1)).run().assert_ok()


# -- seeded simulation --------------------------------------------------------------------------


def _simulate(m: Machine, seed: int, props: list[Property] | None = None) -> Any:
    return Explorer(m).check(props or []).simulate(steps=25, runs=30, seed=seed, keep_executions=True)


def test_simulation_with_the_same_seed_is_identical_and_different_seeds_differ() -> None:
    m = get_spec("VS-machine").build({})
    a, b, c = _simulate(m, 7), _simulate(m, 7), _simulate(m, 8)
    runs = [[e.to_json() for e in r.executions] for r in (a, b, c)]
    assert runs[0] == runs[1]
    assert (a.steps, a.distinct_states) == (b.steps, b.distinct_states)
    assert runs[0] != runs[2]
    ja, jb = a.to_json(), b.to_json()
    del ja["seconds"], jb["seconds"]
    assert ja == jb and ja["exhaustive"] is False and ja["seed"] == 7


def test_simulated_executions_are_executions() -> None:
    m = get_spec("TO-machine").build({})
    reachable = set(Explorer(m).reachable())
    r = _simulate(m, 3)
    assert len(r.executions) == 30
    for ex in r.executions:
        _replays(m, ex)
        assert len(ex) <= 25 and all(st in reachable for _, st in ex.steps)


def test_simulation_finds_a_violation_and_reports_a_replayable_execution() -> None:
    m = get_spec("VS-machine").build({})
    prop = Property("p", m.predicate(_vs_nothing_received_in_g1))
    r = Explorer(m).check([prop]).simulate(steps=40, runs=200, seed=1)
    assert r.verdict is Verdict.VIOLATED
    ex = r.results[0].counterexample
    _replays(m, ex)
    assert any(n != 1 for n in ex.final[4][1::2])


# -- scope bounds that cut behaviour are counted ----------------------------------------------------


class TinyBuffer(Spec):
    """A one-slot buffer fed by at most two inputs: the second put without a take overflows."""

    name = "tiny-buffer"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        A = d.domain(Domain.numbered("A", 1, "a"))
        d.var("buf", SeqT(EnumT(A), 1))
        d.input_budget = 2
        return d

    @input(a="A")
    def put(self, s: Any, a: Any) -> None:
        s.buf = s.buf.append(a)

    @internal()
    def take(self, s: Any) -> None:
        s.require(s.buf.length > 0)
        s.buf = s.buf.tail()


def test_bound_hits_are_counted_when_the_scope_cuts_behaviour() -> None:
    m = TinyBuffer().build({})
    r = Explorer(m).run()
    # (buf, issued): (λ,0) (a,1) (λ,1) (a,2) (λ,2); put at (a,1) would need a second slot
    assert set(Explorer(m).reachable()) == {((), 0), ((0,), 1), ((), 1), ((0,), 2), ((), 2)}
    assert (r.states, r.transitions, r.bound_hits, r.deadlocks) == (5, 4, 1, 1)
    hit = r.first_bound_hit
    expected = ("put(a=a1)", "buf", "length ≤ 1", "a sequence of length 2")
    assert (hit.action, hit.variable, hit.bound, hit.value) == expected
    # a cut step is never silent: the exploration is INCOMPLETE unless the cuts are accepted
    assert r.verdict is Verdict.INCOMPLETE and not r.complete
    assert r.to_json()["bound_hits"] == 1 and r.to_json()["complete"] is False
    assert Explorer(m).allow_bound_hits().run().verdict is Verdict.OK
    assert m.compiled().successors(((0,), 1)) == [(0, None), (1, ((), 1))]


def test_vacuous_witnesses_are_reported() -> None:
    m = TinyBuffer().build({})
    never = m.predicate(lambda s: s.buf.length > 1)
    sometimes = m.predicate(lambda s: s.buf.length == 1)
    prop = Property(
        "short", m.predicate(lambda s: s.buf.length <= 1), witnesses=(("overfull", never), ("full", sometimes))
    )
    r = Explorer(m).check([prop]).allow_bound_hits().run()  # TinyBuffer cuts a step (accepted here)
    assert r.result("short").verdict is Verdict.OK
    assert r.result("short").vacuous == ("overfull",)


def test_settling_properties_do_not_regenerate_the_scan_per_property(monkeypatch: pytest.MonkeyPatch) -> None:
    """Witnesses and violations settle in waves; the generated scan is (re)built at most once per
    doubling stretch of states (none at all below the first stretch), and the verdicts and
    shortest counterexamples are those of a check of each property on its own."""
    from ioakit.backends import codegen
    from ioakit.engines import explore as E
    from ioakit.invariants import check_invariants, lemma_file, load_invariants

    calls: list[int] = []
    real = codegen.compile_scan
    monkeypatch.setattr(E, "compile_scan", lambda m, preds, find: calls.append(len(preds)) or real(m, preds, find))
    m = get_spec("VS-machine").build({"view_ids": 3})
    invs = load_invariants(lemma_file("vs_lemma_4_1").read_text(), m)
    broken = Property("never_two_views", m.predicate(lambda s: s.created.card() < 2))
    r = E.Explorer(m).check([*invs.properties, broken]).run()
    assert r.states == 23_731 and len(calls) <= 2 * 5  # stretches 2048, 4096, ... cover 23,731
    alone = E.Explorer(m).check([broken]).run().result("never_two_views").counterexample
    assert r.result("never_two_views").counterexample.steps == alone.steps
    assert check_invariants(m, invs).verdict is Verdict.OK
    # below the first stretch no scan is generated at all: the single predicates settle everything
    calls.clear()
    small = get_spec("VS-machine").build({"max_inputs": 1})
    r = E.Explorer(small).check(load_invariants(lemma_file("vs_lemma_4_1").read_text(), small).properties).run()
    assert r.verdict is Verdict.OK and r.states < E.SETTLE_STRETCH and calls == []


def test_simulation_reports_a_violation_in_the_start_state_on_the_property() -> None:
    """A counterexample of no steps (the start state violates the property) is a violation of that
    property, not only of the whole simulation (an empty ``Execution`` is falsy: ``len`` 0)."""
    m = get_spec("TO-machine").build({})
    prop = Property("queue_nonempty", m.predicate(lambda s: s.queue.length > 0))
    r = Explorer(m).check([prop]).simulate(steps=5, runs=2, seed=1)
    [res] = r.results
    assert r.verdict is Verdict.VIOLATED and res.verdict is Verdict.VIOLATED
    assert res.counterexample is not None and len(res.counterexample) == 0
