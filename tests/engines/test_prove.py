"""The bounded prover (``ioakit.engines.prove``) and the lemma table, on FLS VS- and TO-machine.

Pinned results are those of Fekete–Lynch–Shvartsman Lemma 4.1 at the default scope; each was
checked by hand against the paper's transitions (Fig. 5) and a hand proof of each item:

* alone: 1 (createview picks a fresh id), 2 (newview installs a created id), 5 and 6 (gpsnd
  appends only at cvid[p] ≠ ⊥; cvid only grows), 10 and 11 (gprcv/safe need next ≤ len);
* 3 needs 1 (newview: no other ⟨g, S'⟩ without p) and 2 (createview: cvid[p] is already created,
  so the new id differs); 4 needs 2 (gpsnd appends at cvid[p]); 7 needs 4 (vs-order moves from a
  non-empty pending); 8 needs 5 or 6; 9 needs 6; 12 needs 3 (safe's ∀ r ∈ S with r = q, q ∈ S);
* 13 needs 3 (gprcv at q, cvid[q] = g) **and** 7 and 10 (createview of a fresh g: next[p, g] must
  be 1, which follows from queue[g] = λ for uncreated g); 14 likewise with 11. The obvious
  argument for 13/14 names only 3 (gprcv/safe at q need current-viewid[q] = g): the createview
  case is what adds 7 and 10/11.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest

from ioakit.backends.symbolic import z3_version
from ioakit.engines.explore import Explorer, Property, properties_from
from ioakit.engines.prove import (
    CTI,
    Outcome,
    Prover,
    ProverInternalError,
    Verdict,
    bmc,
    cti_from_json,
    induction,
    inductive_alone,
    minimal_support,
    replay_execution,
)
from ioakit.engines.table import lemma_table
from ioakit.lang.ir import forall
from ioakit.registry import get_spec
from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS

# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vs():
    return get_spec("VS-machine").build({})


@pytest.fixture(scope="module")
def vs_props(vs):
    return properties_from(vs, LEMMA_4_1)


@pytest.fixture(scope="module")
def vs_reachable(vs):
    return frozenset(Explorer(vs).reachable())


@pytest.fixture(scope="module")
def to():
    return get_spec("TO-machine").build({})


@pytest.fixture(scope="module")
def to_props(to):
    return properties_from(to, TO_FACTS)


def item(props, i):
    return props[i - 1]


def names(props, *items):
    return tuple(f"lemma_4_1_{i}" for i in items)


def next_safe_is_next(m):
    """Known false: gprcv advances next[q, g] without next-safe (a known-false property, as a negative test)."""
    P, G = (m.decl.types[n] for n in ("P", "G"))
    return Property(
        "next_safe_is_next",
        m.predicate(lambda s: forall(P, lambda p: forall(G, lambda g: s.next_safe[p, g] == s.next[p, g]))),
        "ours (false)",
    )


# -- BMC ---------------------------------------------------------------------------------------


def test_bmc_finds_the_shortest_violation_and_it_replays(vs):
    bad = next_safe_is_next(vs)
    r = bmc(vs, [bad], depth=6)
    it = r.item("next_safe_is_next")
    assert r.verdict is Verdict.VIOLATED and it.verdict is Verdict.VIOLATED
    # gpsnd, vs-order, gprcv: three steps; nothing shorter violates it
    assert it.violated_at == 3 and it.depth == 2
    assert [vs.actions[k].name for k, _ in it.trace.steps] == ["gpsnd", "vs_order", "gprcv"]
    assert it.replay().ok and replay_execution(it.trace, bad).ok
    # the explorer's breadth-first (shortest) counterexample has the same length
    ex = Explorer(vs).check([bad]).run()
    assert len(ex.result("next_safe_is_next").counterexample) == 3
    j = r.to_json()
    assert j["z3_version"] == z3_version() and j["scope"] == vs.scope.as_dict()
    assert j["invariants"][0]["violated_at_depth"] == 3
    json.dumps(j)


def test_bmc_below_the_violation_depth_reports_no_violation(vs):
    r = bmc(vs, [next_safe_is_next(vs)], depth=2)
    assert r.verdict is Verdict.OK and r.items[0].depth == 2 and r.items[0].trace is None


def test_bmc_replay_rejects_a_tampered_trace(vs):
    bad = next_safe_is_next(vs)
    tr = bmc(vs, [bad], depth=3).items[0].trace
    _, st = tr.steps[1]
    other = next(i for i, a in enumerate(vs.actions) if a.name == "createview")
    assert not replay_execution(dataclasses.replace(tr, steps=(tr.steps[0], (other, st), tr.steps[2])), bad).ok
    assert not replay_execution(dataclasses.replace(tr, steps=tr.steps[:2]), bad).ok  # final state satisfies it


def test_bmc_lemma_4_1_has_no_violation(vs, vs_props):
    r = bmc(vs, vs_props, depth=5)
    assert r.verdict is Verdict.OK
    assert all(i.verdict is Verdict.OK and i.depth == 5 for i in r.items)


def test_bmc_complete_when_no_longer_execution_exists():
    # TO with one processor, one value, one bcast: the longest execution is bcast, to-order, brcv
    m = get_spec("TO-machine").build({"processors": 1, "values": 1, "max_inputs": 1})
    props = properties_from(m, TO_FACTS)
    assert bmc(m, props, depth=4, check_complete=True).complete
    assert not bmc(m, props, depth=3, check_complete=True).complete


def test_a_compiled_semantics_mismatch_is_an_internal_error_not_a_result():
    m = get_spec("VS-machine").build({})
    real = m.compiled()
    gprcv = {k for k, a in enumerate(m.actions) if a.name == "gprcv"}

    def lying(k):
        step = real.steps[k]
        return (lambda s: s) if k in gprcv else step  # gprcv "does nothing" concretely

    m._compiled = dataclasses.replace(real, steps=[lying(k) for k in range(len(m.actions))])
    with pytest.raises(ProverInternalError, match="does not replay"):
        bmc(m, [next_safe_is_next(m)], depth=3)


# -- induction -----------------------------------------------------------------------------------


def test_to_facts_are_inductive(to, to_props):
    r = induction(to, to_props)
    assert r.verdict is Verdict.OK
    assert [i.verdict for i in r.items] == [Verdict.OK, Verdict.OK] and not r.ctis
    for p in to_props:
        assert inductive_alone(to, p).verdict is Verdict.OK
    j = r.to_json()
    assert j["z3_version"] == z3_version() and j["scope"] == to.scope.as_dict() and j["mode"] == "induction"


def test_false_initially_is_an_initiation_failure(to):
    P = to.decl.types["P"]
    wrong = Property("next_le_len", to.predicate(lambda s: forall(P, lambda p: s.next[p] <= s.queue.length)))
    r = induction(to, [wrong])
    it = r.items[0]
    assert r.verdict is Verdict.VIOLATED and it.initiation is Verdict.VIOLATED  # a real violation
    assert r.outcome is Outcome.VIOLATED_INITIALLY and r.inductive is Verdict.VIOLATED
    assert it.start_counterexample is not None and it.start_counterexample.start in to.start_states


def test_lemma_4_1_conjunction_is_inductive_and_needs_item_3(vs, vs_props):
    assert induction(vs, vs_props).verdict is Verdict.OK
    without_3 = [p for p in vs_props if p.name != "lemma_4_1_3"]
    r = induction(vs, without_3)
    # not inductive: the claim "inductive" is VIOLATED; about the invariants nothing is known
    assert r.inductive is Verdict.VIOLATED and r.verdict is Verdict.UNKNOWN
    assert r.outcome is Outcome.NOT_INDUCTIVE
    broken = {i.name for i in r.items if i.inductive is Verdict.VIOLATED}
    assert broken == {"lemma_4_1_12", "lemma_4_1_13", "lemma_4_1_14"}
    for c in r.ctis:
        assert c.replay().ok


def test_true_but_not_inductive_gives_an_unreachable_replayable_cti(vs, vs_props, vs_reachable):
    target = item(vs_props, 12)
    assert Explorer(vs).check([target]).run().verdict is Verdict.OK  # true in every reachable state
    r = inductive_alone(vs, target)
    assert r.inductive is Verdict.VIOLATED and r.verdict is Verdict.UNKNOWN  # a CTI is not a violation
    (it,) = r.items
    assert it.initiation is Verdict.OK and it.breaking_families == ("safe",)
    for c in it.ctis:
        assert c.replay().ok
        assert c.pre not in vs_reachable  # a CTI, not a counterexample
        assert c.broken == ("lemma_4_1_12",) and c.assumed == ("lemma_4_1_12",)
        text = c.show()
        assert c.label in text and "next_safe[" in text and "* next_safe" in text
        again = cti_from_json(vs, vs_props, json.loads(json.dumps(c.to_json())))
        assert again == c and again.replay().ok


def test_every_cti_of_lemma_4_1_alone_is_unreachable(vs, vs_props, vs_reachable):
    p = Prover(vs)
    for prop in vs_props:
        for c in p.inductive_alone(prop).ctis:
            assert c.replay().ok and c.pre not in vs_reachable and c.post not in vs_reachable


def test_cti_replay_rejects_a_wrong_cti(vs, vs_props):
    c = inductive_alone(vs, item(vs_props, 12)).ctis[0]
    assert isinstance(c, CTI) and c.replay().ok
    bad_post = dataclasses.replace(c, post=c.pre)
    assert any("another post-state" in x for x in bad_post.replay().problems)
    not_enabled = dataclasses.replace(c, pre=vs.start_states[0])  # safe is not enabled at the start
    assert any("not enabled" in x for x in not_enabled.replay().problems)
    # the pre-state must break item 3: that is why 12 needs it (safe's ∀ r ∈ S with r = q, q ∈ S)
    with_3 = dataclasses.replace(c, assumed=(*c.assumed, "lemma_4_1_3"), properties=(*c.properties, item(vs_props, 3)))
    assert with_3.replay().problems == ("the pre-state violates the assumed invariant lemma_4_1_3",)


# -- timeouts are never passes -------------------------------------------------------------------


def test_a_timeout_is_unknown_never_ok():
    # A 1 ms limit: the joint queries time out (they take ~0.3 s here). A query Z3 still finishes
    # in time is a genuine answer, so items may be OK, but a timed-out one never is.
    m = get_spec("VS-machine").build({"view_ids": 3})
    props = properties_from(m, LEMMA_4_1)
    r = induction(m, props, timeout_s=0.001)
    assert r.verdict is Verdict.UNKNOWN and r.to_json()["verdict"] == "UNKNOWN"
    unknown = [i for i in r.items if i.verdict is Verdict.UNKNOWN]
    assert unknown and all("timeout" in (i.reason or "") for i in unknown)
    assert all(i.verdict in (Verdict.OK, Verdict.UNKNOWN) for i in r.items)  # the conjunction is inductive
    b = bmc(m, props, depth=4, timeout_s=0.001)
    assert b.verdict is Verdict.UNKNOWN
    assert any(i.verdict is Verdict.UNKNOWN and "timeout" in (i.reason or "") for i in b.items)
    assert all(i.depth == 4 for i in b.items if i.verdict is Verdict.OK)
    assert all(i.depth < 4 for i in b.items if i.verdict is Verdict.UNKNOWN)
    s = minimal_support(m, props, "lemma_4_1_13", timeout_s=0.001)
    assert s.verdict is Verdict.UNKNOWN and s.support is None


# -- minimal support ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "support"),
    [(12, (3,)), (13, (3, 7, 10)), (3, (1, 2)), (4, (2,))],
)
def test_minimal_support_really_supports_and_is_minimal(vs, vs_props, target, support):
    r = minimal_support(vs, vs_props, f"lemma_4_1_{target}")
    assert r.verdict is Verdict.OK and r.minimal and r.minimum
    assert r.support == names(vs_props, *support)
    by_name = {p.name: p for p in vs_props}
    tgt = by_name[f"lemma_4_1_{target}"]
    chosen = [by_name[n] for n in r.support]
    assert induction(vs, [tgt], assume=chosen).verdict is Verdict.OK
    for k in range(len(chosen)):
        for sub in itertools.combinations(chosen, k):
            res = induction(vs, [tgt], assume=list(sub))
            assert res.inductive is Verdict.VIOLATED, [p.name for p in sub]
            assert all(c.replay().ok for c in res.ctis)
    # the search's own record agrees: every proper subset it tried failed
    for sub, v in r.tried:
        if set(sub) < set(r.support):
            assert v is Verdict.VIOLATED


def test_minimal_support_lists_alternatives(vs, vs_props):
    r = minimal_support(vs, vs_props, "lemma_4_1_8")
    assert set(r.alternatives) == {("lemma_4_1_5",), ("lemma_4_1_6",)}


def test_support_of_an_inductive_item_is_empty(vs, vs_props):
    r = minimal_support(vs, vs_props, "lemma_4_1_1")
    assert r.verdict is Verdict.OK and r.alone and r.support == ()


def test_support_not_found_when_the_others_do_not_suffice(vs, vs_props):
    others = [p for p in vs_props if p.name not in ("lemma_4_1_3",)]
    r = minimal_support(vs, others, "lemma_4_1_12")
    assert r.verdict is Verdict.VIOLATED and r.support is None
    assert r.cti is not None and r.cti.replay().ok and r.cti.family == "safe"


# -- the Lemma 4.1 table at the default scope ------------------------------------------------------

ALONE = {1, 2, 5, 6, 10, 11}
SUPPORTS = {
    3: [(1, 2)],
    4: [(2,)],
    7: [(4,)],
    8: [(5,), (6,)],
    9: [(6,)],
    12: [(3,)],
    13: [(3, 7, 10)],
    14: [(3, 7, 11)],
}
BREAKERS = {
    3: ("createview", "newview"),
    4: ("gpsnd",),
    7: ("vs_order",),
    8: ("vs_order",),
    9: ("vs_order",),
    12: ("safe",),
    13: ("createview", "gprcv"),
    14: ("createview", "safe"),
}


def test_lemma_4_1_table_default_scope(vs, vs_props):
    t = lemma_table(vs, vs_props, bmc_depth=4)
    assert t.states == 2197 and t.explore_complete and t.conjunction is Verdict.OK
    assert t.z3_version == z3_version()
    for i in range(1, 15):
        r = t.row(f"lemma_4_1_{i}")
        assert r.explored is Verdict.OK and r.bmc.verdict is Verdict.OK and r.bmc.depth == 4
        if i in ALONE:
            assert r.alone.inductive is Verdict.OK and r.support.support == ()
        else:
            assert r.alone.inductive is Verdict.VIOLATED
            assert tuple(sorted(r.alone.breaking_families)) == BREAKERS[i]
            assert set(r.support.alternatives) == {names(vs_props, *s) for s in SUPPORTS[i]}
            assert r.support.minimum
    md = t.to_markdown()
    assert "| 4.1(13) |" in md and "{4.1(3), 4.1(7), 4.1(10)} (minimum)" in md and "2,197" in md
    j = json.loads(json.dumps(t.to_json()))
    assert j["conjunction_inductive"] == "OK" and len(j["rows"]) == 14 and j["scope"] == vs.scope.as_dict()


# The table's "inductive alone" column is compared with an independent oracle (enumeration of
# every well-typed state, no Z3) in tests/engines/test_table_oracle.py.


@pytest.mark.slow
@pytest.mark.parametrize("scope", [{"view_ids": 3}, {"processors": 3, "initial_members": 3}])
def test_lemma_4_1_supports_are_the_same_at_larger_scopes(scope):
    m = get_spec("VS-machine").build(scope)
    props = properties_from(m, LEMMA_4_1)
    t = lemma_table(m, props, bmc_depth=6)
    assert t.conjunction is Verdict.OK
    for i in range(1, 15):
        r = t.row(f"lemma_4_1_{i}")
        assert r.explored is Verdict.OK
        expected = {()} if i in ALONE else {names(props, *s) for s in SUPPORTS[i]}
        assert set(r.support.alternatives) == expected
