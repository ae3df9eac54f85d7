"""Step properties (``ioakit.lang.steps``): the two-state vocabulary, tracing per action instance,
and the two meanings of the traced terms — compiled on ``pre + post`` and Z3 over
``pre.vars + post.vars`` — agreeing on random steps of TO- and VS-machine (reachable and
arbitrary well-formed pre-states)."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles.strategies import values

from ioakit.backends import symbolic
from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.steps import StepChecks
from ioakit.lang import ir
from ioakit.lang.automaton import Kind, Machine
from ioakit.lang.ir import TraceError
from ioakit.lang.steps import (
    Act,
    StepProperty,
    act_of,
    post_var,
    step_properties_from,
    step_state,
    step_vocabulary,
    unchanged,
)
from ioakit.registry import get_spec


@functools.cache
def machine(name: str, scope: tuple[tuple[str, int], ...] = ()) -> Machine:
    return get_spec(name).build(dict(scope))


def _var_indices(t: ir.Term) -> set[int]:
    return {u.data[0] for u in ir.subterms([t]) if u.op == "var"}


# -- the vocabulary ---------------------------------------------------------------------------------


def test_post_variables_are_a_second_copy_numbered_after_the_pre_state() -> None:
    m = machine("TO-machine")
    n = len(m.variables)
    pre, post = step_vocabulary(m)
    assert pre.queue.data == (0, "queue")
    assert post.queue.data == (n, "queue'")
    assert post_var(m, 2).data == (n + 2, "next'") and post_var(m, 2).type == m.variables[2][1]
    t = ir.eq(post.next.term, pre.next.term)
    assert _var_indices(t) == {2, n + 2}


def test_derived_variables_are_computed_from_each_state() -> None:
    """VS-machine's created_viewids, read on the post-state, reads only post-state variables."""
    m = machine("VS-machine")
    n = len(m.variables)
    pre, post = step_vocabulary(m)
    created = m.var_index("created")
    assert _var_indices(pre.created_viewids) == {created}
    assert _var_indices(post.created_viewids) == {n + created}


def test_act_holds_constant_arguments_and_pre_state_terms_for_bound_ones() -> None:
    m = machine("VS-machine")
    k = next(k for k, a in enumerate(m.actions) if a.name == "gprcv")
    act = act_of(m.actions[k])
    assert act.name == "gprcv" and act.kind is Kind.OUTPUT and act.external and act.is_("gprcv", "safe")
    assert act.args["q"].is_const
    assert not act.args["m"].is_const and not act.args["p"].is_const  # from_state: read off the pre-state
    assert _var_indices(act.args["m"]) < set(range(len(m.variables)))  # pre-state variables only
    internal = act_of(next(a for a in m.actions if a.name == "createview"))
    assert not internal.external and not internal.is_("gprcv")


def test_one_term_per_instance_true_where_the_property_does_not_apply() -> None:
    m = machine("TO-machine")

    def brcv_advances(pre: Any, post: Any, act: Act) -> Any:
        """brcv(a)_{p,q} advances next[q] by one."""
        if act.name != "brcv":
            return True
        q = act.args["q"]
        return post.next[q] == pre.next[q] + 1

    sp = StepProperty.trace(m, "brcv_advances", brcv_advances, "ours")
    assert len(sp.terms) == len(m.actions)
    assert sp.concerned() == [k for k, a in enumerate(m.actions) if a.name == "brcv"]
    assert sp.description == "brcv(a)_{p,q} advances next[q] by one." and sp.reference == "ours"
    [again] = step_properties_from(m, [("brcv_advances", "ours", brcv_advances)])
    assert again.concerned() == sp.concerned()


def test_unchanged_is_a_frame_condition() -> None:
    m = machine("TO-machine")
    sp = StepProperty.trace(m, "frame", lambda pre, post, act: unchanged(pre, post, "queue", "next"))
    checks = StepChecks(m, [sp])
    s0 = m.start_states[0]
    compiled = m.compiled()
    s1 = next(t for k, t in compiled.successors(s0) if m.actions[k].name == "bcast")
    assert checks.holds(0, 0, s0, s1)  # bcast changes pending only
    bumped = (s1[0], s1[1], (2, 1), s1[3])
    assert not checks.holds(0, 0, s0, bumped)


def test_a_non_boolean_step_property_names_the_property_and_the_instance() -> None:
    m = machine("TO-machine")
    with pytest.raises(TraceError, match=r"step property bad, action bcast\(a=a1,p=p1\): must be boolean"):
        StepProperty.trace(m, "bad", lambda pre, post, act: post.queue)


def test_state_dependent_python_control_flow_is_refused_with_the_property_named() -> None:
    m = machine("TO-machine")

    def bad(pre: Any, post: Any, act: Act) -> Any:
        if post.queue.length > 0:  # Python control flow on the state
            return post.queue.head() == pre.queue.head()
        return True

    with pytest.raises(TraceError, match="step property bad, action"):
        StepProperty.trace(m, "bad", bad)


def test_a_step_property_is_refused_on_another_machine() -> None:
    sp = StepProperty.trace(machine("TO-machine"), "t", lambda pre, post, act: True)
    with pytest.raises(TraceError, match="traced for TO-machine"):
        StepChecks(machine("VS-machine"), [sp])


# -- the two meanings agree -------------------------------------------------------------------------


def to_properties(m: Machine) -> list[StepProperty]:
    P = m.decl.domains["P"]

    def next_monotone(pre: Any, post: Any, act: Act) -> Any:
        return ir.forall(P, lambda p: post.next[p] >= pre.next[p])

    def brcv_delivers_the_queue_entry(pre: Any, post: Any, act: Act) -> Any:
        if act.name != "brcv":
            return post.next == pre.next
        q = act.args["q"]
        return ir.And(
            post.next[q] == pre.next[q] + 1,
            post.queue.at(pre.next[q]) == (act.args["a"], act.args["p"]),
        )

    def queue_grows_by_at_most_one(pre: Any, post: Any, act: Act) -> Any:
        return ir.Or(post.queue == pre.queue, post.queue == pre.queue.append(post.queue.last()))

    return step_properties_from(
        m,
        [
            ("next_monotone", "", next_monotone),
            ("brcv_delivers", "", brcv_delivers_the_queue_entry),
            ("queue_grows", "", queue_grows_by_at_most_one),
            ("short_queue", "", lambda pre, post, act: post.queue.length < 2),
        ],
    )


def vs_properties(m: Machine) -> list[StepProperty]:
    def created_viewids_grow(pre: Any, post: Any, act: Act) -> Any:
        return pre.created_viewids.subset(post.created_viewids)

    def gprcv_takes_its_queue_entry(pre: Any, post: Any, act: Act) -> Any:
        if act.name != "gprcv":
            return True
        q = act.args["q"]
        g = pre.current_viewid[q]
        return ir.And(
            post.queue[g].at(pre.next[q, g]) == (act.args["m"], act.args["p"]),
            post.next[q, g] == pre.next[q, g] + 1,
        )

    def views_never_change(pre: Any, post: Any, act: Act) -> Any:
        return post.current_viewid == pre.current_viewid

    return step_properties_from(
        m,
        [
            ("created_viewids_grow", "", created_viewids_grow),
            ("gprcv_entry", "", gprcv_takes_its_queue_entry),
            ("views_never_change", "", views_never_change),
        ],
    )


AGREE = [
    ("TO-machine", (), to_properties),
    ("TO-machine", (("processors", 3), ("values", 2), ("max_inputs", 4)), to_properties),
    ("VS-machine", (), vs_properties),
    (
        "VS-machine",
        (("processors", 3), ("initial_members", 2), ("view_ids", 3), ("messages", 2), ("max_inputs", 3)),
        vs_properties,
    ),
]

_SOLVER = z3.Solver()
assert _SOLVER.check() == z3.sat
EMPTY_MODEL = _SOLVER.model()


@functools.cache
def traced(i: int) -> tuple[Machine, list[StepProperty], StepChecks]:
    name, scope, props = AGREE[i]
    m = machine(name, scope)
    sps = props(m)
    return m, sps, StepChecks(m, sps)


def assert_meanings_agree(m: Machine, sps: list[StepProperty], checks: StepChecks, pre: tuple[Any, ...]) -> int:
    """For every step out of ``pre``: the compiled check and Z3's value of each term agree.
    Returns the number of (step, property) pairs compared."""
    compared = 0
    for k, post in m.compiled().successors(pre):
        if post is None or post is OUT_OF_BOUNDS:
            continue
        ev = symbolic.Evaluator([*symbolic.const_state(m, pre).vars, *symbolic.const_state(m, post).vars])
        compiled_broken = set(checks.broken(k, pre, post))
        for j, sp in enumerate(sps):
            z3_holds = symbolic.evaluate(ir.BOOL, EMPTY_MODEL, ev(sp.terms[k]))
            label = m.label_of(k, pre)
            assert z3_holds == (j not in compiled_broken), (
                f"{sp.name} at {label} from {m.show_state(pre, hide=False)}: Z3 says {z3_holds}"
            )
            assert z3_holds == bool(checks.holds(j, k, pre, post))
            compared += 1
    return compared


def _walk(m: Machine, choices: list[int]) -> tuple[Any, ...]:
    succ = m.compiled().successors
    s = m.start_states[0]
    for c in choices:
        options = [ns for _, ns in succ(s) if ns is not None]
        if not options:
            break
        s = options[c % len(options)]
    return s


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDS = [f"{n}[{','.join(f'{k}={v}' for k, v in sc) or 'default'}]" for n, sc, _ in AGREE]


@pytest.mark.parametrize("i", range(len(AGREE)), ids=IDS)
@_SETTINGS
@given(data=st.data())
def test_compiled_and_z3_meanings_agree_on_reachable_steps(i: int, data: st.DataObject) -> None:
    m, sps, checks = traced(i)
    pre = _walk(m, data.draw(st.lists(st.integers(0, 2**16), max_size=30), label="walk"))
    assert_meanings_agree(m, sps, checks, pre)


@pytest.mark.parametrize("i", range(len(AGREE)), ids=IDS)
@_SETTINGS
@given(data=st.data())
def test_compiled_and_z3_meanings_agree_on_steps_from_arbitrary_states(i: int, data: st.DataObject) -> None:
    m, sps, checks = traced(i)
    pre = data.draw(st.tuples(*(values(t) for _, t in m.variables)), label="well-formed pre-state")
    assert_meanings_agree(m, sps, checks, pre)


@pytest.mark.parametrize("i", range(len(AGREE)), ids=IDS)
def test_the_meanings_agree_along_fixed_walks_where_both_answers_occur(i: int) -> None:
    """Every step out of every state of three fixed walks, compared in both meanings; both answers
    occur among them, so the comparison is not vacuous."""
    m, sps, checks = traced(i)
    seen = {True: 0, False: 0}
    for stride in (1, 3, 7):
        s = m.start_states[0]
        for n in range(25):
            steps = [(k, t) for k, t in m.compiled().successors(s) if t is not None]
            if not steps:
                break
            assert assert_meanings_agree(m, sps, checks, s) == len(steps) * len(sps)
            for k, t in steps:
                broken = set(checks.broken(k, s, t))
                for j in range(len(sps)):
                    seen[j not in broken] += 1
            s = steps[((n + 1) * stride) % len(steps)][1]
    assert seen[True] > 0 and seen[False] > 0


def test_step_state_is_pre_then_post() -> None:
    assert step_state((1, 2), (3, 4)) == (1, 2, 3, 4)
