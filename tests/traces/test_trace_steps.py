"""Step properties along recorded traces (``ioakit.traces.steps``): the machines' own runs written
as trace files, the shipped hand-written examples (paper spelling, missing snapshots, time passage),
a tampered recording, located errors, and memory that does not grow with the trace."""

from __future__ import annotations

import functools
import gc
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from models.token_ring import TokenRing

from ioakit.engines.explore import Execution, Explorer
from ioakit.lang import ir
from ioakit.lang.automaton import Machine
from ioakit.lang.steps import Act, StepProperty, unchanged
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.traces.format import Event, TraceFormatError, TraceHeader, dumps_trace, write_trace
from ioakit.traces.steps import check_trace_steps

EXAMPLES = Path(__file__).resolve().parents[2] / "traces" / "examples"


@functools.cache
def to_machine() -> Machine:
    return get_spec("TO-machine").build({})


def brcv_advances(pre: Any, post: Any, act: Act) -> Any:
    if act.name != "brcv":
        return unchanged(pre, post, "next")
    q = act.args["q"]
    return ir.And(post.next[q] == pre.next[q] + 1, pre.queue.at(pre.next[q]) == (act.args["a"], act.args["p"]))


def next_monotone(pre: Any, post: Any, act: Act) -> Any:
    P = pre.queue.type.elem.fields[1][1]
    return ir.forall(P, lambda p: post.next[p] >= pre.next[p])


def next_never_changes(pre: Any, post: Any, act: Act) -> Any:
    return post.next == pre.next


def to_props(m: Machine) -> list[StepProperty]:
    return [
        StepProperty.trace(m, "brcv_advances", brcv_advances),
        StepProperty.trace(m, "next_monotone", next_monotone),
        StepProperty.trace(m, "next_never_changes", next_never_changes),
    ]


def trace_text(ex: Execution, start_state: bool = True) -> str:
    m = ex.machine
    header = TraceHeader(m.name, m.scope.as_dict(), start_state=m.state_json(ex.start) if start_state else None)
    events = [Event(e["action"], e["kind"], e["args"], state=e["state"]) for e in ex.events(with_states=True)]
    return dumps_trace(header, events)


def long_run(m: Machine) -> Execution:
    sim = Explorer(m).simulate(steps=40, runs=5, seed=7, keep_executions=True)
    return max(sim.executions, key=len)


def test_a_recorded_run_is_judged_step_by_step_with_lines(tmp_path: Path) -> None:
    m = to_machine()
    ex = long_run(m)
    path = tmp_path / "run.jsonl"
    path.write_text(trace_text(ex))
    r = check_trace_steps(m, to_props(m), path)
    assert r.events == len(ex) and r.unexplained == 0
    assert r.item("brcv_advances").verdict is Verdict.OK
    assert r.item("next_monotone").verdict is Verdict.OK
    bad = r.item("next_never_changes")
    assert r.verdict is Verdict.VIOLATED and bad.verdict is Verdict.VIOLATED
    first_brcv = next(i for i, (k, _) in enumerate(ex.steps) if m.actions[k].name == "brcv")
    assert bad.first is not None and bad.first.line == first_brcv + 2 and bad.first.index == first_brcv
    assert bad.violations == sum(m.actions[k].name == "brcv" for k, _ in ex.steps)
    assert bad.first.label == ex.labels()[first_brcv]
    assert f"at line {bad.first.line}" in r.show()
    assert r.to_json()["step_properties"][2]["first_violation"]["line"] == bad.first.line


def test_the_explorers_counterexample_as_a_trace_violates_at_its_last_line() -> None:
    m = to_machine()
    [sp] = [p for p in to_props(m) if p.name == "next_never_changes"]
    ex = Explorer(m).check_steps([sp]).run().result("next_never_changes").counterexample
    assert ex is not None
    r = check_trace_steps(m, [sp], io.StringIO(trace_text(ex, start_state=False)))
    assert r.item("next_never_changes").first.line == len(ex) + 1  # the last event


def test_the_shipped_to_example_has_no_snapshots_and_uses_the_papers_spelling() -> None:
    path = EXAMPLES / "to-machine-trace.jsonl"
    m = to_machine()
    r = check_trace_steps(m, to_props(m), path)
    lines = path.read_text().splitlines()
    first_brcv_line = next(i for i, ln in enumerate(lines, 1) if '"brcv"' in ln)
    assert '"to-order"' in path.read_text()  # the paper's name of to_order
    assert r.events == len(lines) - 1 and r.unexplained == 0
    assert r.item("brcv_advances").verdict is Verdict.OK
    assert r.item("next_never_changes").first.line == first_brcv_line


def test_the_shipped_vs_example_with_time_passage_and_partial_snapshots() -> None:
    path = EXAMPLES / "vs-machine-execution.jsonl"
    m = get_spec("VS-machine").build(
        {"processors": 3, "initial_members": 2, "view_ids": 2, "messages": 2, "max_inputs": 3}
    )

    def gprcv_advances(pre: Any, post: Any, act: Act) -> Any:
        if act.name != "gprcv":
            return True
        q = act.args["q"]
        g = pre.current_viewid[q]
        return ir.And(
            pre.queue[g].at(pre.next[q, g]) == (act.args["m"], act.args["p"]),
            post.next[q, g] == pre.next[q, g] + 1,
        )

    def created_viewids_fixed(pre: Any, post: Any, act: Act) -> Any:
        return post.created_viewids == pre.created_viewids

    props = [
        StepProperty.trace(m, "gprcv_advances", gprcv_advances),
        StepProperty.trace(m, "created_viewids_fixed", created_viewids_fixed),
    ]
    r = check_trace_steps(m, props, path)
    text = path.read_text().splitlines()
    assert any('"kind":"time"' in ln for ln in text) and any('"current-viewid"' in ln for ln in text)
    assert r.unexplained == 0
    assert r.item("gprcv_advances").verdict is Verdict.OK
    fixed = r.item("created_viewids_fixed")
    first_createview = next(i for i, ln in enumerate(text, 1) if '"createview"' in ln)
    assert fixed.first is not None and fixed.first.line == first_createview


def test_a_tampered_recording_is_judged_as_recorded_and_counted_unexplained() -> None:
    m = to_machine()
    ex = long_run(m)
    j = next(i for i, (k, _) in enumerate(ex.steps) if m.actions[k].name == "brcv")
    nxt = m.var_index("next")
    k, post = ex.steps[j]
    back = tuple(ex.pre_states()[j][nxt] if i == nxt else v for i, v in enumerate(post))  # the delivery undone
    steps = list(ex.steps)
    steps[j] = (k, back)
    tampered = Execution(m, ex.start, tuple(steps))
    r = check_trace_steps(m, to_props(m), io.StringIO(trace_text(tampered)))
    assert r.unexplained >= 1 and r.first_unexplained_line == j + 2
    assert r.item("brcv_advances").first.line == j + 2
    assert "not steps of TO-machine" in r.show()


def test_errors_name_the_line() -> None:
    m = to_machine()
    props = to_props(m)
    header = '{"format":"ioakit-trace","version":1,"automaton":"TO-machine","scope":{}}\n'
    bad_action = header + '{"action":"bcast","kind":"input","args":{"a":"a1","p":"p1"}}\n'
    bad_action += '{"action":"deliver","kind":"output","args":{}}\n'
    with pytest.raises(TraceFormatError, match=r"<stream>:3: TO-machine has no action 'deliver'"):
        check_trace_steps(m, props, io.StringIO(bad_action))
    bad_args = header + '{"action":"bcast","kind":"input","args":{"a":"a9","p":"p1"}}\n'
    with pytest.raises(TraceFormatError, match=r":2: no bcast action of TO-machine has the arguments"):
        check_trace_steps(m, props, io.StringIO(bad_args))
    disabled = header + '{"action":"brcv","kind":"output","args":{"a":"a1","p":"p1","q":"p1"}}\n'
    with pytest.raises(TraceFormatError, match=r":2: the event has no state snapshot and its step is not enabled"):
        check_trace_steps(m, props, io.StringIO(disabled))
    bad_state = header + '{"action":"bcast","kind":"input","args":{"a":"a1","p":"p1"},"state":{"queue":[]}}\n'
    with pytest.raises(TraceFormatError, match=r":2: state snapshot is not a state of TO-machine"):
        check_trace_steps(m, props, io.StringIO(bad_state))
    other = '{"format":"ioakit-trace","version":1,"automaton":"VS-machine","scope":{}}\n'
    with pytest.raises(TraceFormatError, match=r":1: the trace is of VS-machine, not of TO-machine"):
        check_trace_steps(m, props, io.StringIO(other))


# -- streaming --------------------------------------------------------------------------------------


def ring_events(n: int) -> Iterator[Event]:
    """p1 enters and leaves its critical section ``n // 2`` times (the ring never passes the token)."""
    for i in range(n):
        if i % 2 == 0:
            yield Event("enter", "output", {"p": "p1"}, state={"holder": "p1", "passes": 0, "critical": ["p1"]})
        else:
            yield Event("leave", "output", {"p": "p1"}, state={"holder": "p1", "passes": 0, "critical": []})


def peak_while_checking(m: Machine, props: list[StepProperty], n: int) -> tuple[int, int]:
    """(peak bytes allocated while checking ``n`` generated events, events checked)."""
    gc.collect()
    tracemalloc.start()
    try:
        r = check_trace_steps(m, props, (TraceHeader(m.name, {}), ring_events(n)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.verdict is Verdict.OK
    return peak, r.events


@pytest.mark.slow  # a long trace on purpose (11 s); the streaming reader has fast tests
def test_memory_does_not_grow_with_the_length_of_the_trace() -> None:
    m = TokenRing().build({})

    def holder_only_moves_by_passing(pre: Any, post: Any, act: Act) -> Any:
        return ir.Or(act.name == "pass_token", post.holder == pre.holder)

    props = [StepProperty.trace(m, "holder_stays", holder_only_moves_by_passing)]
    peak_while_checking(m, props, 10)  # generate the code once
    small, n_small = peak_while_checking(m, props, 2_000)
    large, n_large = peak_while_checking(m, props, 40_000)
    assert (n_small, n_large) == (2_000, 40_000)
    assert large < small + 64 * 1024, f"peak {large} bytes for 40,000 events, {small} for 2,000"


def test_a_long_trace_file_is_read_line_by_line(tmp_path: Path) -> None:
    m = TokenRing().build({})
    path = tmp_path / "ring.jsonl"
    write_trace(path, TraceHeader(m.name, {}), ring_events(5_001))
    props = [StepProperty.trace(m, "never_leaves", lambda pre, post, act: act.name != "leave")]
    r = check_trace_steps(m, props, path)
    assert r.events == 5_001
    item = r.item("never_leaves")
    assert item.first is not None and item.first.line == 3 and item.violations == 2_500
