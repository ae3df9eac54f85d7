"""Step items of the invariant language (``step``, ``x'``, ``action is``, ``on family(params):``):
the reference's example holds, each item means what the same property written in Python means
(the same verdict on every reachable step), checking and proving them, and the located errors."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ioakit.engines.explore import Explorer
from ioakit.engines.prove import Prover
from ioakit.engines.steps import StepChecks
from ioakit.invariants import InvariantError, check_invariants, format_check_report, load_invariants
from ioakit.lang import ir
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import Act, StepProperty, unchanged
from ioakit.registry import get_spec
from ioakit.results import Verdict

LANGUAGE_MD = Path(__file__).resolve().parents[2] / "invariants" / "LANGUAGE.md"


@functools.cache
def to_machine() -> Machine:
    return get_spec("TO-machine").build({})


@functools.cache
def vs_machine() -> Machine:
    return get_spec("VS-machine").build({})


def reference_example() -> str:
    """The step-item example of ``LANGUAGE.md`` (the first code block of "Step items")."""
    text = LANGUAGE_MD.read_text(encoding="utf-8")
    section = text[text.index("## Step items") :]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_reference_example_holds_in_the_explorer_and_the_prover() -> None:
    m = to_machine()
    invs = load_invariants(reference_example(), m, filename="LANGUAGE.md")
    assert [s.name for s in invs.steps] == ["next_grows", "brcv_delivers", "only_brcv_moves_next"]
    assert invs.properties == [] and len(invs.step_properties) == 3
    assert invs.steps[1].reference == "Fig. 2" and invs.steps[1].line > 0
    report = check_invariants(m, invs)
    assert report.verdict is Verdict.OK and [o.status for o in report.outcomes] == ["holds"] * 3
    assert Prover(m).check_steps(invs.step_properties).verdict is Verdict.OK


def steps_compared(m: Machine, a: StepProperty, b: StepProperty) -> int:
    """Assert ``a`` and ``b`` give the same verdict on every reachable step of ``m``; return how many
    steps broke them (so a caller can see the comparison was not vacuous)."""
    checks = StepChecks(m, [a, b])
    succ = m.compiled().successors
    broken = 0
    for s in Explorer(m).reachable():
        for k, t in succ(s):
            if t is None:
                continue
            got = checks.broken(k, s, t)
            assert (0 in got) == (1 in got), f"{a.name} and {b.name} disagree at {m.label_of(k, s)}"
            broken += 0 in got
    return broken


def py_brcv_delivers(pre: Any, post: Any, act: Act) -> Any:
    if act.name != "brcv":
        return True
    a, p, q = (act.args[n] for n in "apq")
    return ir.And(pre.queue.at(pre.next[q]) == (a, p), post.next[q] == pre.next[q] + 1, unchanged(pre, post, "queue"))


def py_next_fixed_but_brcv(pre: Any, post: Any, act: Act) -> Any:
    return True if act.name == "brcv" else post.next == pre.next


MUTANT = """machine TO-machine
step delivers_wrongly_once:
  on brcv(a, p, q): next'[q] == next[q] + (if a == a1 and p == p1 and q == p2 then 2 else 1)
step pending_fixed: pending' == pending
"""


def test_step_items_mean_what_the_same_python_step_properties_mean() -> None:
    m = to_machine()
    invs = load_invariants(reference_example(), m)
    dsl = {s.name: s.step_property for s in invs.steps}
    assert steps_compared(m, dsl["brcv_delivers"], StepProperty.trace(m, "py", py_brcv_delivers)) == 0
    fixed = StepProperty.trace(m, "py", py_next_fixed_but_brcv)
    assert steps_compared(m, dsl["only_brcv_moves_next"], fixed) == 0
    # a false item and its Python twin break on the same steps (bcast and to_order change pending)
    wrong = load_invariants(MUTANT, m).steps[1].step_property
    assert steps_compared(m, wrong, StepProperty.trace(m, "py", lambda pre, post, act: post.pending == pre.pending)) > 0


def test_a_mutant_item_wrong_at_one_instance_is_caught_there_by_checking_and_proving() -> None:
    m = to_machine()
    invs = load_invariants(MUTANT, m)
    report = check_invariants(m, invs)
    o = report.outcome("delivers_wrongly_once")
    assert o.status == "violated" and o.step and o.counterexample is not None
    assert o.counterexample.labels()[-1] == "brcv(a=a1,p=p1,q=p2)"
    text = format_check_report(report)
    assert "violating step: the last one, brcv(a=a1,p=p1,q=p2)" in text
    j = json.loads(json.dumps(report.to_json()))
    assert [i["name"] for i in j["invariants"]] == ["delivers_wrongly_once", "pending_fixed"]
    assert j["invariants"][0]["step"] is True
    proof = Prover(m).check_steps([invs.steps[0].step_property])
    [cex] = proof.counterexamples
    assert proof.verdict is Verdict.VIOLATED and cex.label == "brcv(a=a1,p=p1,q=p2)" and cex.replay().ok


VS_STEPS = """machine VS-machine
invariant lemma_4_1_10 "Lemma 4.1(10)": forall p in P, g in G: next[p, g] <= len(queue[g]) + 1

step created_grows: created subset created' and created_viewids subset created_viewids'

step gprcv_delivers "Fig. 5":
  on gprcv(m, p, q): queue[current-viewid[q]][next[q, current-viewid[q]]] == (m, p)
    and next'[q, current-viewid[q]] == next[q, current-viewid[q]] + 1

step views_fixed: current-viewid' == current-viewid

step only_newview_moves_views: current-viewid' != current-viewid implies action is newview
"""


def test_vs_items_with_arguments_from_the_state_derived_variables_and_hyphens() -> None:
    m = vs_machine()
    invs = load_invariants(VS_STEPS, m)
    report = check_invariants(m, invs)
    status = {o.name: o.status for o in report.outcomes}
    assert status == {
        "lemma_4_1_10": "holds",
        "created_grows": "holds",
        "gprcv_delivers": "holds",
        "views_fixed": "violated",
        "only_newview_moves_views": "holds",
    }
    ex = report.outcome("views_fixed").counterexample
    assert ex is not None and [m.actions[k].name for k, _ in ex.steps] == ["createview", "newview"]
    proof = Prover(m).check_steps(invs.step_properties, assume=invs.properties)
    verdicts = {i.name: i.verdict for i in proof.items}
    assert verdicts == {
        "created_grows": Verdict.OK,
        "gprcv_delivers": Verdict.OK,
        "views_fixed": Verdict.VIOLATED,
        "only_newview_moves_views": Verdict.OK,
    }
    [cex] = proof.counterexamples
    assert cex.family == "newview" and cex.assumed == ("lemma_4_1_10",) and cex.replay().ok


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("invariant a: forall p in P: next'[p] >= 1", "`next'` (the post-state of a step) is allowed only in `step`"),
        ("def f(p: P) = next'[p]\ninvariant a: true", "not in definition `f`"),
        ("def f(p) = next'[p]\ninvariant a: true", "not in definition `f`"),
        ("step a: on brcvv(q): true", "TO-machine has no action `brcvv`; did you mean `brcv`?"),
        ("step a: on brcv(z): true", "action brcv has no parameter `z` (parameters: a, p, q)"),
        ("step a: action is bcas implies true", "no action `bcas`; did you mean `bcast`?"),
        ("step a: inputs_issue' == 0", "only state variables and derived variables have a post-state value"),
        ("step a: next'", "step `a` must be a formula (Bool)"),
        ("step a: on brcv(q) next'[q] == 1", "expected `:`"),
        ("step a: true\nstep a: true", "step `a` is declared twice"),
        ("invariant a: true\nstep a: true", "step `a` is declared twice"),
    ],
)
def test_step_item_errors_are_located(text: str, message: str) -> None:
    with pytest.raises(InvariantError) as e:
        load_invariants("machine TO-machine\n" + text, to_machine(), filename="s.inv")
    assert message in str(e.value)
    assert re.match(r"s\.inv:\d+:\d+: error: ", str(e.value))


def test_to_order_in_the_papers_spelling_and_on_without_parameters() -> None:
    m = to_machine()
    text = """machine TO-machine
step to_order_moves_one: on to-order(a, p): len(queue') == len(queue) + 1 and queue'[len(queue')] == (a, p)
step bcast_keeps_the_queue: on bcast: queue' == queue
"""
    invs = load_invariants(text, m)
    assert [len(s.step_property.concerned()) for s in invs.steps] == [4, 4]
    assert check_invariants(m, invs).verdict is Verdict.OK
    assert Prover(m).check_steps(invs.step_properties).verdict is Verdict.OK
