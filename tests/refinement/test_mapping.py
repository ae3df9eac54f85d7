"""Refinement mappings (``ioakit.refinement.mapping``/``check``) on a small model of our own
(``tests/models/relay.py``: right and wrong mappings, a seeded implementation bug) — exhaustively, along
traces and with Z3 — and the declaration errors a user can make."""

from __future__ import annotations

import json

import pytest
from models.relay import (
    Relay,
    RelayForgetsOrder,
    RelayHidesBcast,
    RelayPartialCases,
    RelaySearch,
    RelayToTO,
    RelayWrongF,
    SloppyRelay,
)

from ioakit.engines.explore import Explorer
from ioakit.refinement.check import TraceMismatch, check_exhaustive, check_symbolic, check_trace
from ioakit.refinement.mapping import MappingError, build_mapping
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.traces.format import Event, TraceHeader

SCOPE = {"processors": 2, "values": 2, "max_inputs": 2}


def bound(decl, impl=Relay, scope=SCOPE):
    m = impl().build(scope)
    spec = get_spec("TO-machine").build(decl.spec_scope(m.scope), environment=False)
    return build_mapping(decl, m, spec)


def test_correct_mapping_holds_on_every_reachable_step() -> None:
    mp = bound(RelayToTO())
    r = check_exhaustive(mp)
    assert r.verdict is Verdict.OK, r.show()
    plain = Explorer(mp.impl).run()
    assert r.states == plain.states and r.steps == plain.transitions


def test_search_finds_the_missing_fragment() -> None:
    r = check_exhaustive(bound(RelaySearch()))
    assert r.verdict is Verdict.OK, r.show()


@pytest.mark.parametrize(
    ("decl", "kind", "action"),
    [
        (RelayForgetsOrder(), "mismatch", "order"),
        (RelayHidesBcast(), "external", "bcast"),
        (RelayPartialCases(), "no-case", "order(p=p2)"),
        (RelayWrongF(), "mismatch", "brcv"),
    ],
)
def test_wrong_mappings_are_caught_with_a_shortest_execution(decl, kind: str, action: str) -> None:
    r = check_exhaustive(bound(decl))
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.kind == kind, r.show()
    assert r.failure.impl_action.startswith(action)
    assert r.execution[-1] == r.failure.impl_action
    # breadth first: no shorter execution ends in a failing step of the same kind
    assert len(r.execution) <= 3


def test_implementation_bug_is_caught_by_the_correct_mapping() -> None:
    r = check_exhaustive(bound(RelayToTO(), SloppyRelay))
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.kind == "disabled"
    assert "brcv" in r.failure.tried[0] and "is not enabled in f(before)" in r.failure.detail
    assert r.failure.f_before is not None and r.failure.f_after is not None
    assert "queue" in r.failure.f_before


def test_z3_proves_the_correct_mapping_and_refutes_the_bug() -> None:
    ok = check_symbolic(bound(RelayToTO()))
    assert ok.verdict is Verdict.OK, ok.show()
    assert ok.states == len(bound(RelayToTO()).impl.actions)
    bad = check_symbolic(bound(RelayToTO(), SloppyRelay))
    assert bad.verdict is Verdict.VIOLATED and bad.failure is not None
    assert bad.failure.impl_action.startswith("brcv")
    wrong = check_symbolic(bound(RelayForgetsOrder()))
    assert wrong.verdict is Verdict.VIOLATED and wrong.failure is not None and wrong.failure.kind == "mismatch"


def test_z3_timeout_is_unknown_never_ok() -> None:
    r = check_symbolic(bound(RelayToTO(), scope={"processors": 3, "values": 3, "max_inputs": 4}), timeout_s=0.001)
    assert r.verdict in (Verdict.UNKNOWN, Verdict.OK)
    if r.verdict is Verdict.UNKNOWN:
        assert r.undecided


def _events_of(mp, execution_steps, with_states: bool):
    from ioakit.engines.explore import Execution

    m = mp.impl
    ex = Execution(m, m.start_states[0], tuple(execution_steps))
    return [
        Event(e["action"], e["kind"], e["args"], state=e.get("state"), at=e.get("at"))
        for e in ex.events(with_states=with_states)
    ]


def _run(m, labels):
    """The execution taking the named steps from the start state."""
    s = m.start_states[0]
    out = []
    for lab in labels:
        k = m.step_index(lab, s)
        s = m.compiled().steps[k](s)
        assert s is not None, lab
        out.append((k, s))
    return out


RUN = ["bcast(a=a1,p=p1)", "bcast(a=a2,p=p2)", "order(p=p2)", "order(p=p1)", "brcv(a=a2,p=p2,q=p1)"]


@pytest.mark.parametrize("with_states", [True, False])
def test_along_a_trace_ok_and_violated(with_states: bool) -> None:
    mp = bound(RelayToTO())
    header = TraceHeader("Relay", SCOPE, start_state=mp.impl.state_json(mp.impl.start_states[0]))
    r = check_trace(mp, header, iter(_events_of(mp, _run(mp.impl, RUN), with_states)))
    assert r.verdict is Verdict.OK, r.show()
    assert r.steps == len(RUN)
    bad = bound(RelayToTO(), SloppyRelay)
    run = [*RUN[:4], "brcv(a=a1,p=p1,q=p1)"]  # the last log entry is ⟨a1, p1⟩: sloppy delivers it first
    r = check_trace(bad, header, iter(_events_of(bad, _run(bad.impl, run), with_states)))
    assert r.verdict is Verdict.VIOLATED
    assert r.line == len(run) + 1  # the 5th event is on line 6
    assert r.failure is not None and r.failure.impl_action == "brcv(a=a1,p=p1,q=p1)"


def test_snapshot_trace_needs_no_ioakit_step() -> None:
    """With snapshots, the recorded states are what f reads: a step the ioakit model could not
    take (here: a delivery that skips the log's order) is judged through f all the same."""
    mp = bound(RelayToTO())
    m = mp.impl
    evs = _events_of(mp, _run(m, RUN[:4]), True)
    last = dict(evs[-1].state)
    last = {**last, "delivered": {"p1": 2, "p2": 1}}
    evs.append(Event("brcv", "output", {"a": "a1", "p": "p1", "q": "p1"}, state=last))
    header = TraceHeader("Relay", SCOPE, start_state=m.state_json(m.start_states[0]))
    r = check_trace(mp, header, iter(evs))
    assert r.verdict is Verdict.VIOLATED and r.line == 6
    assert r.failure is not None and "brcv(a=a1,p=p1,q=p1)" in r.failure.tried


def test_mapping_declaration_errors_are_user_errors() -> None:
    class Missing(RelayToTO):
        name = "missing"

        def abstraction(self, s):
            return {"queue": s.log, "pending": s.outbox}

    with pytest.raises(MappingError, match="missing \\['next'\\]"):
        bound(Missing())

    class WrongType(RelayToTO):
        name = "wrong-type"

        def abstraction(self, s):
            return {"queue": s.outbox, "pending": s.outbox, "next": s.delivered}

    with pytest.raises(MappingError, match="queue"):
        bound(WrongType())

    class WrongCall(RelayToTO):
        name = "wrong-call"

        def order(self, s, p):
            from ioakit.refinement.mapping import call

            return [call("to-order", a=s.outbox[p].head(), p=p)]

    with pytest.raises(MappingError, match="to-order"):
        bound(WrongCall())

    class OtherImpl(RelayToTO):
        name = "other"
        impl = ("Elsewhere",)

    with pytest.raises(MappingError, match="written for Elsewhere"):
        bound(OtherImpl())


def test_search_that_finds_nothing_is_reported() -> None:
    class Shallow(RelaySearch):
        name = "shallow"
        search_depth = 0

    r = check_exhaustive(bound(Shallow()))
    assert r.verdict is Verdict.VIOLATED
    assert r.failure is not None and r.failure.kind == "no-fragment"
    assert r.failure.impl_action.startswith("order")


def test_cli_refine_with_a_users_own_model_and_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from ioakit.cli import main

    f = str(Path(__file__).parent.parent / "models" / "relay.py")
    assert main(["refine", f"{f}:Relay", "TO-machine", "--mapping", f"{f}:RelayToTO", "--z3"]) == 0
    out = capsys.readouterr().out
    assert out.count("OK — ") == 4  # overall, inclusion, exhaustive, z3
    assert main(["refine", f"{f}:SloppyRelay", "TO-machine", "--mapping", f"{f}:RelayToTO"]) == 1
    assert "brcv" in capsys.readouterr().out
    assert main(["refine", f"{f}:Relay", "TO-machine", "--mapping", f"{f}:Relay"]) == 2
    assert "no Refinement subclass 'Relay'" in capsys.readouterr().err


# -- the along-trace check reads snapshots as Machine.state_from_json does --------------------------


def _relay_trace(mutate):
    """A short Relay run with snapshots, its second snapshot changed by ``mutate``."""
    mp = bound(RelayToTO())
    m = mp.impl
    evs = _events_of(mp, _run(m, RUN[:3]), True)
    second = json.loads(json.dumps(evs[1].state))
    mutate(second)
    evs[1] = Event(evs[1].action, evs[1].kind, evs[1].args, state=second)
    return mp, TraceHeader("Relay", SCOPE, start_state=m.state_json(m.start_states[0])), evs


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda j: j["delivered"].update(p1=1.0), "expected an integer, got 1.0"),  # == 1, not an integer
        (lambda j: j["delivered"].update(p1=True), "expected an integer, got True"),
        (lambda j: (j.pop("log"), j["delivered"].update(p1="x")), "lacks variables \\['log'\\]"),
        (lambda j: j.pop("outbox"), "lacks variables \\['outbox'\\]"),
    ],
)
def test_a_snapshot_equal_to_the_last_one_only_as_python_values_is_still_refused(mutate, message: str) -> None:
    mp, header, evs = _relay_trace(mutate)
    with pytest.raises(TraceMismatch, match=message):
        check_trace(mp, header, iter(evs))


def test_a_snapshot_mutated_in_place_after_the_last_event_is_read_anew() -> None:
    """A writer that reuses one state object and changes it in place between events: every
    event's snapshot is read as it is when the event comes (the checker keeps no reference that
    could alias the older snapshot)."""
    mp = bound(RelayToTO())
    m = mp.impl
    steps = _run(m, RUN)
    shared = m.state_json(m.start_states[0])

    def events():
        for (_, s), ev in zip(steps, _events_of(mp, steps, False)):
            for name, value in m.state_json(s).items():
                if isinstance(value, dict):
                    shared[name].update(value)  # the nested objects stay the same objects
                else:
                    shared[name] = value
            yield Event(ev.action, ev.kind, ev.args, state=shared)

    header = TraceHeader("Relay", SCOPE, start_state=m.state_json(m.start_states[0]))
    r = check_trace(mp, header, events())
    assert r.verdict is Verdict.OK, r.show()


@pytest.mark.slow  # long: kept out of the default run (README, Tests)
def test_f_and_its_definedness_from_one_function_agree_with_the_separate_ones(external_trace) -> None:
    from ioakit.refinement.refine import bind, mapping_named
    from ioakit.traces.format import read_trace

    mp = bound(RelayToTO())
    for s in Explorer(mp.impl).reachable():
        assert mp.f_where_defined(s) == (mp.undefined(s), mp.f(s))
    p = external_trace(1, 2, 2, view_ids=2)
    header, evs = read_trace(p)
    vs = bind(mapping_named("vstoto-f"), get_spec(header.automaton).build(dict(header.scope)))
    m = vs.impl
    states = [m.state_from_json({**e.state, "inputs_issued": 0}) for e in evs]
    assert len(states) > 10
    for s in states:
        why = vs.undefined(s)
        assert vs.f_where_defined(s) == (why, None if why else vs.f(s))
