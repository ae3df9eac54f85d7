"""Step properties in the explorer (every step taken, shortest executions ending in the violating
step, honest INCOMPLETE) and in the prover (the one-step obligation in Z3, counterexample steps
replayed), on TO-machine (FLS Fig. 2) and VS-machine (Fig. 5), with a mutant wrong at one instance.

The true properties below are facts of the figures: ``next[q]`` only grows and only ``brcv`` at q
(TO) / ``gprcv`` at q (VS) moves it, by one, delivering the queue entry it points at; ``created``
and its derived ``created_viewids`` only grow. The false ones: ``next`` never changes (broken by
every delivery), ``current_viewid`` never changes (broken by ``newview``)."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from models.token_ring import TokenRing

from ioakit.engines.explore import Explorer, Property, properties_from
from ioakit.engines.prove import Prover
from ioakit.engines.prove_steps import StepCounterexample
from ioakit.lang import ir
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import Act, StepProperty, unchanged
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.specs.fls.lemmas import TO_FACTS


@functools.cache
def to_machine() -> Machine:
    return get_spec("TO-machine").build({})


@functools.cache
def vs_machine() -> Machine:
    return get_spec("VS-machine").build({})


# -- TO-machine ---------------------------------------------------------------------------------------


def brcv_advances(pre: Any, post: Any, act: Act) -> Any:
    """brcv(a)_{p,q} advances next[q] by one, past the entry ⟨a, p⟩; no other action moves next."""
    if act.name != "brcv":
        return unchanged(pre, post, "next")
    q = act.args["q"]
    return ir.And(post.next[q] == pre.next[q] + 1, pre.queue.at(pre.next[q]) == (act.args["a"], act.args["p"]))


def next_monotone(pre: Any, post: Any, act: Act) -> Any:
    P = pre.queue.type.elem.fields[1][1]
    return ir.forall(P, lambda p: post.next[p] >= pre.next[p])


def next_never_changes(pre: Any, post: Any, act: Act) -> Any:
    return post.next == pre.next


def brcv_advances_mutant(pre: Any, post: Any, act: Act) -> Any:
    """Like brcv_advances, but wrong at exactly one instance: brcv(a1)_{p1,p2} claims a step of two."""
    if act.label == "brcv(a=a1,p=p1,q=p2)":
        q = act.args["q"]
        return post.next[q] == pre.next[q] + 2
    return brcv_advances(pre, post, act)


def next_within_queue(pre: Any, post: Any, act: Act) -> Any:
    """After every step next[p] ≤ length(queue) + 1: true from the reachable states, not from all."""
    P = pre.queue.type.elem.fields[1][1]
    return ir.forall(P, lambda p: post.next[p] <= post.queue.length + 1)


def to_step(name: str, fn: Any) -> StepProperty:
    return StepProperty.trace(to_machine(), name, fn)


def test_true_step_properties_hold_in_the_explorer_and_the_prover() -> None:
    m = to_machine()
    props = [to_step("brcv_advances", brcv_advances), to_step("next_monotone", next_monotone)]
    r = Explorer(m).check_steps(props).run()
    assert r.verdict is Verdict.OK and r.complete
    assert [x.verdict for x in r.results] == [Verdict.OK, Verdict.OK]
    assert all(x.step for x in r.results)
    p = Prover(m).check_steps(props)
    assert p.verdict is Verdict.OK and [i.verdict for i in p.items] == [Verdict.OK, Verdict.OK]
    assert p.counterexamples == ()


def test_a_false_step_property_is_violated_in_both_by_a_delivery() -> None:
    m = to_machine()
    sp = to_step("next_never_changes", next_never_changes)
    r = Explorer(m).check_steps([sp]).run()
    res = r.result("next_never_changes")
    assert r.verdict is Verdict.VIOLATED and res.verdict is Verdict.VIOLATED
    ex = res.counterexample
    assert ex is not None
    # the shortest execution ending in a violating step: bcast, to_order, then the delivery
    assert [m.actions[k].name for k, _ in ex.steps] == ["bcast", "to_order", "brcv"]
    last_pre, (k, last_post) = ex.pre_states()[-1], ex.steps[-1]
    assert last_pre[m.var_index("next")] != last_post[m.var_index("next")]
    assert m.compiled().steps[k](last_pre) == last_post
    assert "ending in a violating step (3 steps)" in r.show()
    assert r.to_json()["invariants"][0]["step"] is True

    p = Prover(m).check_steps([sp])
    assert p.verdict is Verdict.VIOLATED
    [cex] = p.counterexamples
    assert cex.family == "brcv" and cex.broken == ("next_never_changes",)
    assert cex.replay().ok
    assert "step counterexample: next_never_changes broken by brcv" in p.show()


def test_a_mutant_wrong_at_one_instance_is_caught_at_that_instance() -> None:
    m = to_machine()
    sp = to_step("mutant", brcv_advances_mutant)
    r = Explorer(m).check_steps([sp]).run()
    ex = r.result("mutant").counterexample
    assert r.verdict is Verdict.VIOLATED and ex is not None
    assert ex.labels()[-1] == "brcv(a=a1,p=p1,q=p2)"
    assert len(ex) == 3  # bcast(a1)_p1, to_order(a1, p1), the delivery at p2
    p = Prover(m).check_steps([sp])
    [cex] = p.counterexamples
    assert p.verdict is Verdict.VIOLATED and cex.label == "brcv(a=a1,p=p1,q=p2)" and cex.replay().ok
    # simulation finds it too (the mutant instance is enabled after three steps of most runs)
    sim = Explorer(m).check_steps([sp]).simulate(steps=20, runs=60, seed=3)
    assert sim.verdict is Verdict.VIOLATED
    [res] = sim.results
    assert res.counterexample is not None and res.counterexample.labels()[-1] == "brcv(a=a1,p=p1,q=p2)"


def test_simulation_of_a_true_step_property_finds_no_violation() -> None:
    sim = Explorer(to_machine()).check_steps([to_step("brcv_advances", brcv_advances)]).simulate(20, 30, seed=1)
    assert sim.verdict is Verdict.OK and sim.steps > 0


def test_the_prover_assumes_invariants_and_its_counterexample_may_be_unreachable() -> None:
    """Without assumptions a step from an unreachable state breaks next_within_queue (VIOLATED is
    about the one-step obligation); assuming TO's to_next_bound (proved inductive separately), every
    step keeps it. The explorer agrees that no reachable step breaks it."""
    m = to_machine()
    sp = to_step("next_within_queue", next_within_queue)
    facts = properties_from(m, TO_FACTS)
    bound = next(p for p in facts if p.name == "to_next_bound")
    pr = Prover(m)
    alone = pr.check_steps([sp])
    assert alone.verdict is Verdict.VIOLATED
    [cex] = alone.counterexamples
    assert cex.replay().ok and cex.assumed == ()
    assert "not necessarily reachable" in alone.show()
    assert pr.induction([bound]).verdict is Verdict.OK
    assumed = pr.check_steps([sp], assume=[bound])
    assert assumed.verdict is Verdict.OK and assumed.assumed == ("to_next_bound",)
    assert Explorer(m).check_steps([sp]).run().verdict is Verdict.OK


def test_a_counterexample_step_that_does_not_replay_is_caught() -> None:
    m = to_machine()
    [cex] = Prover(m).check_steps([to_step("next_never_changes", next_never_changes)]).counterexamples
    nxt = m.var_index("next")
    tampered = StepCounterexample(
        m,
        cex.pre,
        cex.action,
        tuple(v if i != nxt else cex.pre[i] for i, v in enumerate(cex.post)),
        cex.broken,
        cex.assumed,
        cex.properties,
        cex.assumptions,
    )
    check = tampered.replay()
    assert not check.ok
    assert any("another post-state" in p for p in check.problems)
    assert any("satisfies next_never_changes" in p for p in check.problems)


def test_a_z3_timeout_is_unknown_never_ok() -> None:
    m = get_spec("VS-machine").build({"processors": 3, "view_ids": 3, "messages": 2, "max_inputs": 3})

    def gprcv_in_created_view(pre: Any, post: Any, act: Act) -> Any:
        if act.name != "gprcv":
            return True
        q = act.args["q"]
        return post.created_viewids.contains(pre.current_viewid[q])

    sp = StepProperty.trace(m, "gprcv_in_created_view", gprcv_in_created_view)
    r = Prover(m, timeout_s=0.001).check_steps([sp])
    assert r.verdict is Verdict.UNKNOWN
    assert "timeout" in (r.item("gprcv_in_created_view").reason or "")


def test_step_results_are_json() -> None:
    m = to_machine()
    r = Prover(m).check_steps([to_step("next_never_changes", next_never_changes), to_step("mono", next_monotone)])
    j = json.loads(json.dumps(r.to_json()))
    assert j["verdict"] == "VIOLATED" and j["mode"] == "step-properties"
    assert [i["verdict"] for i in j["step_properties"]] == ["VIOLATED", "OK"]
    assert j["step_properties"][0]["counterexample"]["action_name"] == "brcv"


# -- VS-machine ---------------------------------------------------------------------------------------


def created_grows(pre: Any, post: Any, act: Act) -> Any:
    """created and the derived created-viewids only grow."""
    return ir.And(pre.created.subset(post.created), pre.created_viewids.subset(post.created_viewids))


def gprcv_takes_its_entry(pre: Any, post: Any, act: Act) -> Any:
    """gprcv(m)_{p,q} delivers queue[g](next[q, g]) = ⟨m, p⟩ for g = current-viewid[q] and advances next[q, g]."""
    if act.name != "gprcv":
        return True
    q = act.args["q"]
    g = pre.current_viewid[q]
    return ir.And(
        pre.queue[g].at(pre.next[q, g]) == (act.args["m"], act.args["p"]),
        post.next[q, g] == pre.next[q, g] + 1,
        unchanged(pre, post, "queue", "created", "current_viewid"),
    )


def views_never_change(pre: Any, post: Any, act: Act) -> Any:
    return post.current_viewid == pre.current_viewid


def vs_step(name: str, fn: Any) -> StepProperty:
    return StepProperty.trace(vs_machine(), name, fn)


def test_vs_true_step_properties_hold_in_both() -> None:
    m = vs_machine()
    props = [vs_step("created_grows", created_grows), vs_step("gprcv_takes_its_entry", gprcv_takes_its_entry)]
    assert Explorer(m).check_steps(props).run().verdict is Verdict.OK
    assert Prover(m).check_steps(props).verdict is Verdict.OK


def test_vs_false_step_property_is_violated_in_both_by_newview() -> None:
    m = vs_machine()
    sp = vs_step("views_never_change", views_never_change)
    r = Explorer(m).check_steps([sp]).run()
    ex = r.result("views_never_change").counterexample
    assert r.verdict is Verdict.VIOLATED and ex is not None
    assert [m.actions[k].name for k, _ in ex.steps] == ["createview", "newview"]
    p = Prover(m).check_steps([sp])
    [cex] = p.counterexamples
    assert p.verdict is Verdict.VIOLATED and cex.family == "newview" and cex.replay().ok


# -- honesty: limits and cut steps --------------------------------------------------------------------


def test_an_exploration_cut_short_is_incomplete_for_step_properties() -> None:
    m = to_machine()
    r = Explorer(m).check_steps([to_step("brcv_advances", brcv_advances)]).max_states(50).run()
    assert r.verdict is Verdict.INCOMPLETE and r.result("brcv_advances").verdict is Verdict.INCOMPLETE


def test_a_violating_step_found_in_a_cut_short_exploration_is_still_reported() -> None:
    m = to_machine()
    r = Explorer(m).check_steps([to_step("next_never_changes", next_never_changes)]).max_states(50).run()
    assert r.verdict is Verdict.VIOLATED and len(r.result("next_never_changes").counterexample) == 3


def p3_never_enters(pre: Any, post: Any, act: Act) -> Any:
    """No step puts p3 in its critical section (false in the ring, hidden by the bound)."""
    P = pre.holder.type
    p3 = ir.const(P, P.domain.index("p3"))
    return ir.Implies(post.critical.contains(p3), pre.critical.contains(p3))


def test_steps_cut_by_the_bounds_make_step_properties_incomplete_or_unknown() -> None:
    ring = TokenRing().build({})
    sp = StepProperty.trace(ring, "p3_never_enters", p3_never_enters)
    r = Explorer(ring).check_steps([sp]).run()
    assert r.bound_hits and r.verdict is Verdict.INCOMPLETE
    assert Explorer(ring).check_steps([sp]).allow_bound_hits().run().verdict is Verdict.OK
    token = [
        Property(
            "token_position",
            ring.predicate(
                lambda s: ir.Or(
                    ir.And(s.holder == ir.const(s.holder.type, 0), s.passes == 0),
                    ir.And(s.holder == ir.const(s.holder.type, 1), s.passes == 1),
                )
            ),
        )
    ]
    p = Prover(ring).check_steps([sp], assume=token)
    assert p.verdict is Verdict.UNKNOWN and p.cut_possible
    assert "pass_token(p=p2) would set passes to 2" in (p.items[0].reason or "")
    assert Prover(ring, allow_bound_hits=True).check_steps([sp], assume=token).verdict is Verdict.OK


def test_a_step_property_of_another_machine_is_refused() -> None:
    sp = to_step("brcv_advances", brcv_advances)
    with pytest.raises(ir.TraceError, match="traced for TO-machine"):
        Explorer(vs_machine()).check_steps([sp]).run()
    with pytest.raises(ir.TraceError, match="traced for TO-machine"):
        Prover(vs_machine()).check_steps([sp])


def test_ctrl_c_while_checking_steps_leaves_them_incomplete_and_the_state_properties_decided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ioakit.engines import steps as steps_module

    def interrupted(self: Any, states: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(steps_module.StepChecks, "scan", interrupted)
    m = to_machine()
    facts = properties_from(m, TO_FACTS)
    r = Explorer(m).check(facts).check_steps([to_step("brcv_advances", brcv_advances)]).run()
    assert r.interrupted and r.complete and r.verdict is Verdict.INCOMPLETE
    assert "while checking step properties" in (r.reason or "")
    assert [x.verdict for x in r.results] == [Verdict.OK, Verdict.OK, Verdict.INCOMPLETE]
