"""VStoTO-system (FLS Section 6) as declared in ``impl/fls/vstoto.py``: its reachable states
agree with an independent hand-written search (``tests/oracles/vstoto.py``), instances do not
grow with the message alphabet, steps carry their arguments read off the state, both semantics
agree on every step of a small scope, and the double delivery of the printed algorithm is found
(and absent from our fixed variant)."""

from __future__ import annotations

import pytest
from backends.test_differential import check_step_agrees
from oracles import vstoto as oracle

from ioakit.engines.explore import Explorer
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.registry import get_spec

ORACLE_KEYS = ("processors", "initial_members", "view_ids", "values", "max_inputs", "quorums")


@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"quorums": 1},
        {"initial_members": 1},
        {"processors": 1, "initial_members": 1, "view_ids": 3},
        {"processors": 1, "initial_members": 1, "view_ids": 2, "values": 2, "max_inputs": 2},
    ],
    ids=str,
)
def test_states_and_transitions_agree_with_the_hand_written_search(scope: dict[str, int]) -> None:
    m = get_spec("VStoTO-system").build(scope)
    r = Explorer(m).run()
    assert r.complete and r.reason is None  # no step cut off by the scope's bounds
    o = oracle.explore(**{k: v for k, v in m.scope.values if k in ORACLE_KEYS})
    assert o.complete
    assert (r.states, r.transitions) == (o.states, o.transitions)


def test_instances_grow_with_processors_not_with_the_message_alphabet() -> None:
    """gprcv/safe take ⟨m, p⟩ from queue[g] and gpsnd its message from the local state: the
    number of their instances is independent of values, bcasts (hence labels) and summaries."""
    small = get_spec("VStoTO-system").build({})
    large = get_spec("VStoTO-system").build({"values": 1, "max_inputs": 3, "view_ids": 2})
    for name in ("gprcv", "safe", "gpsnd"):
        assert sum(a.name == name for a in small.actions) == sum(a.name == name for a in large.actions)
    assert sum(a.name == "gprcv" for a in small.actions) == 2  # one per receiver


def test_a_step_of_a_hidden_action_has_its_message_in_the_trace_event() -> None:
    m = get_spec("VStoTO-system").build({})
    # drive: createview(<g1,{p1,p2}>), newview at p1, gpsnd summary at p1, vs_order, gprcv at p1
    s = m.start_states[0]
    path = [
        "createview(v=⟨g1, {p1, p2}⟩)",
        "newview(v=⟨g1, {p1, p2}⟩,p=p1)",
        "gpsnd(m=·,p=p1)",
        "vs_order(m=·,p=p1,g=g1)",
        "gprcv(m=·,p=·,q=p1)",
    ]
    steps = m.compiled().steps
    events = []
    for label in path:
        k = m.actions.index(m.instance(label))
        events.append((m.label_of(k, s), m.args_json_of(k, s), m.actions[k].kind.value))
        s = steps[k](s)
        assert s is not None, label
    label, args, kind = events[-1]
    assert kind == "internal"  # gprcv is hidden in VStoTO-system
    assert args["p"] == "p1" and args["q"] == "p1"
    summary = args["m"]["summary"]
    assert summary == {"con": [], "ord": [], "next": 1, "high": "g0"}
    assert label.startswith("gprcv(m=summary(")
    assert m.state_json(s)["gotstate"]["p1,p1"] == summary


def test_both_semantics_agree_on_every_step_of_a_small_scope() -> None:
    """Exhaustive: every reachable state × every instance, compiled vs Z3 (one processor, two
    views, one value, one bcast: summaries, ordinary messages, sorted label sets)."""
    m = get_spec("VStoTO-system").build(
        {"processors": 1, "initial_members": 1, "view_ids": 2, "values": 1, "max_inputs": 1}
    )
    states = Explorer(m).reachable()
    assert 20 < len(states) < 200
    for s in states:
        for k in range(len(m.actions)):
            check_step_agrees(m, s, k)


def test_the_printed_algorithm_delivers_a_value_twice_and_the_fix_does_not() -> None:
    """Theorem 6.26 (traces of VStoTO-system are traces of TO-machine) fails as printed: the
    shortest trace bcasts a1 at p1 once and delivers it at p1 twice. With label requiring status
    normal (our variant) the traces are included (here: equal) at this scope."""
    to = get_spec("TO-machine").build({"processors": 2, "values": 1, "max_inputs": 1})
    printed = compare_traces(get_spec("VStoTO-system").build({}), to)
    assert not printed.left_in_right
    assert printed.witness_left_only is not None
    assert [w.split("{")[0] for w in printed.witness_left_only] == ["bcast", "brcv", "brcv"]
    fixed = compare_traces(get_spec("VStoTO-system-label-normal").build({}), to)
    assert fixed.left_in_right and fixed.verdict.value == "OK"


def test_compare_gives_each_machine_the_scope_parameters_it_has(capsys: pytest.CaptureFixture[str]) -> None:
    """``ioakit compare VStoTO-system TO-machine --scope processors=2,values=1,max_inputs=1``: TO
    takes the three it has, the system all; a parameter neither has is exit 2."""
    import json

    from ioakit.cli import main

    code = main(["compare", "VStoTO-system", "TO-machine", "--scope", "values=1,max_inputs=1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["left_in_right"] is False
    assert out["right_scope"] == {"processors": 2, "values": 1, "max_inputs": 1}
    assert main(["compare", "VStoTO-system-label-normal", "TO-machine", "--scope", "values=1,max_inputs=1"]) == 0
    capsys.readouterr()
    assert main(["compare", "VStoTO-system", "TO-machine", "--scope", "colour=1"]) == 2
    assert "neither VStoTO-system nor TO-machine" in capsys.readouterr().err


def test_a_step_label_shows_both_the_state_bound_message_and_the_choice() -> None:
    m = get_spec("VStoTO-system").build({})
    s = m.start_states[0]
    steps = m.compiled().steps
    for label in ("bcast(a=a1,p=p1)", "label(a=a1,p=p1)"):
        s = steps[m.actions.index(m.instance(label))](s)
    k = m.actions.index(m.instance("gpsnd(m=·,p=p1)[a=a1]"))
    assert m.label_of(k, s) == "gpsnd(m=msg(⟨⟨g0, 1, p1⟩, a1⟩),p=p1)[a=a1]"
    assert m.step_index(m.label_of(k, s), s) == k
