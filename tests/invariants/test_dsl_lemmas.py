"""The shipped invariant files against the Python statements of the same facts, and the
exploration reports built on them.

``invariants/fls/vs_lemma_4_1.inv`` states FLS Lemma 4.1 in the invariant language;
``ioakit.specs.fls.lemmas.LEMMA_4_1`` states it in Python. The two must agree on every
reachable state (concrete semantics), on sampled states in Z3 (symbolic semantics), and —
stronger — be equivalent on every well-formed state of the scope (a Z3 validity check).
"""

from __future__ import annotations

import json
import random

import pytest
import z3

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Explorer, Verdict
from ioakit.invariants import (
    HOLDS,
    INCOMPLETE,
    VIOLATED,
    InvariantError,
    check_invariants,
    format_check_report,
    lemma_file,
    lemma_files,
    load_invariants,
)
from ioakit.registry import RegistryError, get_spec
from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS

VS_STATES = 2197  # VS-machine at the default scope (processors=2, P0=2, |G|=2, |M|=1, max_inputs=2)


@pytest.fixture(scope="module", params=["VS-machine", "WeakVS-machine"])
def vs_like(request):
    m = get_spec(request.param).build({})
    return m, load_invariants(lemma_file("vs_lemma_4_1"), m), Explorer(m).reachable()


@pytest.fixture(scope="module")
def vs():
    return get_spec("VS-machine").build({})


def test_shipped_files_are_found():
    assert {p.name for p in lemma_files()} >= {"vs_lemma_4_1.inv", "to_machine.inv"}
    assert lemma_file("vs_lemma_4_1.inv") == lemma_file("vs_lemma_4_1")
    with pytest.raises(RegistryError, match=r"shipped: .*vs_lemma_4_1"):
        lemma_file("nope")


def test_vs_file_has_the_fourteen_items(vs_like):
    _, inv, _ = vs_like
    assert inv.machine_names == ("VS-machine", "WeakVS-machine")
    assert inv.names == [f"lemma_4_1_{k}" for k in range(1, 15)]
    assert [p.reference for p in inv.properties] == [f"Lemma 4.1({k})" for k in range(1, 15)]
    assert all(p.description for p in inv.properties)
    assert "printed next-safe[p, q]: a typo" in inv.property("lemma_4_1_12").description
    assert "in_queue" in inv.definitions
    assert inv.spans["lemma_4_1_1"].line < inv.spans["lemma_4_1_14"].line


def test_lemma_4_1_agrees_with_python_state_by_state(vs_like):
    m, inv, states = vs_like
    assert len(states) == VS_STATES
    dsl = compile_predicates(m, [p.term for p in inv.properties])
    py = compile_predicates(m, [m.predicate(fn) for _, _, fn in LEMMA_4_1])
    for s in states:
        assert [f(s) for f in dsl] == [f(s) for f in py], m.show_state(s)


def _z3_value(term, m, s) -> bool:
    f = z3.simplify(symbolic.predicate(term, symbolic.const_state(m, s).vars))
    assert z3.is_true(f) or z3.is_false(f), f
    return z3.is_true(f)


def test_lemma_4_1_agrees_with_python_in_z3_on_sampled_states(vs_like):
    m, inv, states = vs_like
    py_terms = [m.predicate(fn) for _, _, fn in LEMMA_4_1]
    for s in random.Random(41).sample(states, 25):
        for p, t in zip(inv.properties, py_terms):
            assert _z3_value(p.term, m, s) == _z3_value(t, m, s) is True


def test_lemma_4_1_is_equivalent_to_python_on_every_wellformed_state(vs):
    """Not only reachable states: the two statements are the same predicate (Z3 validity)."""
    inv = load_invariants(lemma_file("vs_lemma_4_1"), vs)
    st = symbolic.fresh_state(vs, "s")
    for p, (name, _, fn) in zip(inv.properties, LEMMA_4_1):
        sol = z3.Solver()
        sol.add(*st.wf)
        sol.add(symbolic.predicate(p.term, st.vars) != symbolic.predicate(vs.predicate(fn), st.vars))
        assert sol.check() == z3.unsat, name


def test_z3_and_concrete_disagree_nowhere_on_unreachable_states(vs):
    """Random well-formed (mostly unreachable) states: the DSL term's two semantics agree, and
    they do violate some items (so the agreement above is not between constant predicates)."""
    inv = load_invariants(lemma_file("vs_lemma_4_1"), vs)
    preds = compile_predicates(vs, [p.term for p in inv.properties])
    st = symbolic.fresh_state(vs, "s")
    rng = random.Random(7)
    falsified = set()
    for k in range(12):
        sol = z3.Solver()
        sol.add(*st.wf)
        sol.add(z3.Not(symbolic.predicate(inv.properties[k % 14].term, st.vars)))
        sol.set("random_seed", rng.randrange(1000))
        assert sol.check() == z3.sat
        s = symbolic.model_state(vs, sol.model(), st.vars)
        for p, f in zip(inv.properties, preds):
            assert f(s) == _z3_value(p.term, vs, s)
            if not f(s):
                falsified.add(p.name)
    assert len(falsified) >= 10


def test_exploration_reports_all_fourteen_hold(vs_like):
    m, inv, _ = vs_like
    rep = check_invariants(m, inv)
    assert rep.verdict is Verdict.OK and rep.complete and rep.exit_code == 0
    assert rep.states == VS_STATES
    assert [o.status for o in rep.outcomes] == [HOLDS] * 14
    text = format_check_report(rep)
    assert f"{VS_STATES:,} states" in text and "verdict: OK (14 hold, 0 violated, 0 incomplete)" in text
    j = rep.to_json()
    json.dumps(j)
    assert j["states"] == VS_STATES and j["verdict"] == "OK"
    assert [i["status"] for i in j["invariants"]] == ["holds"] * 14


def test_incomplete_exploration_is_not_a_pass(vs):
    inv = load_invariants(lemma_file("vs_lemma_4_1"), vs)
    rep = check_invariants(vs, inv, max_states=100)
    assert rep.verdict is Verdict.INCOMPLETE and rep.exit_code == 3
    assert {o.status for o in rep.outcomes} == {INCOMPLETE}
    assert "INCOMPLETE: max-states 100 reached" in format_check_report(rep)


def test_false_invariant_is_violated_with_a_shortest_execution(vs):
    """A known-false invariant of VS-machine: next_safe lags behind next after one delivery."""
    text = """machine VS-machine
invariant safe_equals_next "ours: false":
  forall p in P, g in G: next_safe[p, g] == next[p, g]
"""
    inv = load_invariants(text, vs, filename="d2.inv")
    rep = check_invariants(vs, inv)
    assert rep.verdict is Verdict.VIOLATED and rep.exit_code == 1
    o = rep.outcome("safe_equals_next")
    assert o.status == VIOLATED
    cex = o.counterexample
    # gpsnd, vs_order, gprcv: nothing shorter delivers a message
    assert [vs.actions[k].name for k, _ in cex.steps] == ["gpsnd", "vs_order", "gprcv"]
    (pred,) = compile_predicates(vs, [inv.properties[0].term])
    assert not pred(cex.final)
    assert pred(cex.start) and all(pred(s) for _, s in cex.steps[:-1])
    shown = format_check_report(rep)
    assert "VIOLATED" in shown and "shortest execution (3 steps)" in shown
    assert cex.show() in "\n".join(ln[11:] for ln in shown.splitlines())
    assert "violating state: " in shown
    j = rep.to_json()["invariants"][0]
    assert j["counterexample_length"] == 3
    assert j["violating_state"]["next"] != j["violating_state"]["next_safe"]


def test_vacuous_premise_is_reported(vs):
    text = """machine VS-machine
invariant no_view_no_pending "ours":
  forall p in P: current_viewid[p] == bot implies pending[p, g0] == empty
invariant lemma_4_1_5_again:
  forall p in P, g in G: pending[p, g] != empty implies current_viewid[p] != bot
"""
    inv = load_invariants(text, vs)  # default scope: every processor is an initial member
    assert [d for d, _ in inv.properties[0].witnesses] == ["premise `current_viewid[p] == bot` (line 3)"]
    rep = check_invariants(vs, inv)
    assert rep.outcome("no_view_no_pending").status == HOLDS
    assert rep.outcome("no_view_no_pending").vacuous == ("premise `current_viewid[p] == bot` (line 3)",)
    assert rep.outcome("lemma_4_1_5_again").vacuous == ()
    assert "vacuous: premise `current_viewid[p] == bot` (line 3) is false in every explored state" in (
        format_check_report(rep)
    )
    # with a processor outside P0 the premise does hold somewhere
    m3 = get_spec("VS-machine").build({"initial_members": 1})
    rep3 = check_invariants(m3, load_invariants(text, m3))
    assert rep3.outcome("no_view_no_pending").vacuous == ()


def test_vacuous_range_and_nested_premises(vs):
    text = """machine VS-machine
invariant r: forall g in G: forall e in queue[g]: e.2 in P
invariant n: forall g in G: queue[g] != empty implies forall e in queue[g]: g != g0 implies e.1 in M
"""
    inv = load_invariants(text, vs)
    assert [d for d, _ in inv.properties[0].witnesses] == ["range `queue[g]` of `e` (line 2)"]
    assert [d for d, _ in inv.properties[1].witnesses] == [
        "premise `queue[g] != empty` (line 3)",
        "range `queue[g]` of `e` (line 3)",
        "premise `g != g0` (line 3)",
    ]
    m0 = get_spec("VS-machine").build({"max_inputs": 0})  # nothing is ever queued
    rep = check_invariants(m0, load_invariants(text, m0))
    assert rep.outcome("r").vacuous == ("range `queue[g]` of `e` (line 2)",)
    assert len(rep.outcome("n").vacuous) == 3
    rep = check_invariants(vs, inv)
    assert rep.outcome("r").vacuous == ()
    # a message is queued in g1 only after a view change; both happen at the default scope
    assert rep.outcome("n").vacuous == ()


def test_to_machine_file_agrees_with_python_facts():
    m = get_spec("TO-machine").build({})
    inv = load_invariants(lemma_file("to_machine"), m)
    assert inv.names[:2] == ["to_next_bound", "to_conservation"]
    states = Explorer(m).reachable()
    dsl = compile_predicates(m, [p.term for p in inv.properties[:2]])
    py = compile_predicates(m, [m.predicate(fn) for _, _, fn in TO_FACTS])
    for s in states:
        assert [f(s) for f in dsl] == [f(s) for f in py]
    rep = check_invariants(m, inv)
    assert rep.verdict is Verdict.OK and all(o.status == HOLDS for o in rep.outcomes)
    assert rep.states == len(states)


def test_to_facts_are_not_trivially_true():
    """Each TO fact but one fails on some well-formed state (so 'holds' says something about
    reachability); the partition of the queue by origin is valid outright (it checks `sum`)."""
    m = get_spec("TO-machine").build({})
    inv = load_invariants(lemma_file("to_machine"), m)
    st = symbolic.fresh_state(m, "s")
    for p in inv.properties:
        sol = z3.Solver()
        sol.add(*st.wf)
        sol.add(z3.Not(symbolic.predicate(p.term, st.vars)))
        want = z3.unsat if p.name == "to_origins_partition_queue" else z3.sat
        assert sol.check() == want, p.name


def test_machine_line_decides_which_machines_a_file_is_for():
    to = get_spec("TO-machine").build({})
    with pytest.raises(InvariantError, match="this file is about VS-machine, WeakVS-machine, not TO-machine"):
        load_invariants(lemma_file("vs_lemma_4_1"), to)


def test_invariant_set_is_bound_to_its_scope(vs):
    inv = load_invariants(lemma_file("vs_lemma_4_1"), vs)
    other = get_spec("VS-machine").build({"view_ids": 3})
    with pytest.raises(InvariantError, match="load them again"):
        check_invariants(other, inv)
    same = get_spec("VS-machine").build({})
    assert check_invariants(same, inv).verdict is Verdict.OK


def test_lemma_4_1_at_a_larger_scope_with_nonmembers():
    m = get_spec("VS-machine").build({"processors": 3, "initial_members": 2, "view_ids": 2, "max_inputs": 1})
    rep = check_invariants(m, load_invariants(lemma_file("vs_lemma_4_1"), m))
    assert rep.verdict is Verdict.OK and rep.complete
