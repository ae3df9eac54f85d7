"""Traces of VStoTO-system written by a program outside ioakit are runs of ioakit's VStoTO-system.

``external/vstoto_writer.py`` implements VStoTO_p over VS-machine (Fekete–Lynch–Shvartsman,
Figs. 5, 7, 8, 9; the system of Section 6) with the standard library only and records seeded runs
with a state snapshot after every event (``traces/FORMAT.md``). A refinement checker that follows
the forward simulation from VStoTO-system to TO-machine (Section 6) on such snapshots can then
check an implementation that is not an ioakit automaton. This module checks the premise: every
recorded step, decoded from its snapshots, is a step of the machine ``VStoTO-system`` built at the
header's scope, and the snapshots use exactly the machine's encoding. The seeded defects must
still give well-formed files whose bad step is where the defect is; whether refinement catches
them is the refinement checker's test.
"""

from __future__ import annotations

import ast
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ioakit import registry
from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.lang.automaton import Machine
from ioakit.traces import Event, read_trace

WRITER = Path(__file__).parent / "external" / "vstoto_writer.py"

NORMAL_CASE = {"bcast", "label", "gpsnd", "vs_order", "gprcv", "safe", "confirm", "brcv"}
VIEW_CHANGE = {"createview", "newview"}


@functools.cache
def machine_at(scope_items: tuple[tuple[str, Any], ...]) -> Machine:
    """VStoTO-system at a trace header's scope (built once per scope)."""
    return registry.get_spec("VStoTO-system").build(dict(scope_items))


def first_non_step(path: Path) -> tuple[int, Event] | None:
    """The first event (index, event) that is not a step of VStoTO-system from the previous
    snapshot to its own, or None when every recorded step is one.

    For each event, the instances with the event's action name whose compiled step is enabled
    and whose arguments, read off the pre-state, are the event's (a run of the writer stays inside
    its scope, so none of them may be ``OUT_OF_BOUNDS``); one of them must lead to the recorded
    post-state and have the event's kind and location. Every snapshot must also be canonical:
    the machine re-encodes it to the same JSON (sets in domain order, every map key present)."""
    header, events = read_trace(path)
    m = machine_at(tuple(sorted(header.scope.items())))
    assert header.automaton == "VStoTO-system" and header.start_state is not None
    pre = m.state_from_json(header.start_state)
    assert pre in m.start_states
    assert m.state_json(pre) == header.start_state
    steps = m.compiled().steps
    for i, ev in enumerate(events):
        assert ev.state is not None, f"event {i} has no snapshot"
        post = m.state_from_json(ev.state)
        assert m.state_json(post) == ev.state, f"event {i}: snapshot not in the machine's encoding"
        matches = []
        for k, a in enumerate(m.actions):
            out = steps[k](pre) if a.name == ev.action else None
            if out is None or m.args_json_of(k, pre) != ev.args:
                continue
            assert out is not OUT_OF_BOUNDS, f"event {i}: {m.label_of(k, pre)} leaves the scope"
            if out == post:
                matches.append(a)
        if not matches:
            return i, ev
        for a in matches:
            assert a.kind.value == ev.kind, f"event {i}: kind {ev.kind}, the machine's is {a.kind.value}"
            loc = a.family.location
            assert ev.at == (None if loc is None else ev.args[loc]), f"event {i}: at={ev.at}"
        pre = post
    return None


def events_of(path: Path) -> list[Event]:
    return list(read_trace(path)[1])


RUNS = [(seed, 2, 2, 1) for seed in range(5)] + [(5, 3, 2, 1), (6, 3, 1, 1), (7, 1, 1, 1), (8, 0, 1, 1)]
VIEW_RUNS = [(seed, 2, 2, 2) for seed in range(10, 16)] + [(16, 2, 1, 3), (17, 3, 2, 3), (25, 2, 2, 3)]


@pytest.mark.parametrize(("seed", "inputs", "values", "view_ids"), RUNS + VIEW_RUNS)
def test_every_recorded_step_is_a_step_of_vstoto_system(
    external_trace: Callable[..., Path], seed: int, inputs: int, values: int, view_ids: int
) -> None:
    """A correct run, decoded snapshot by snapshot, is an execution of VStoTO-system: with one
    view id the normal case in g0, with more also createview, newview and the state exchange."""
    path = external_trace(seed, inputs, values, view_ids=view_ids)
    assert first_non_step(path) is None


def test_normal_case_runs_are_complete_and_cover_every_action(external_trace: Callable[..., Path]) -> None:
    """In view g0 alone a run goes on until nothing is enabled: every bcast value is delivered at
    both processors, in the same order; across the seeds every normal-case action occurs."""
    seen: set[str] = set()
    for seed, inputs, values, view_ids in RUNS:
        evs = events_of(external_trace(seed, inputs, values, view_ids=view_ids))
        seen |= {e.action for e in evs}
        sent = sorted(e.args["a"] for e in evs if e.action == "bcast")
        assert len(sent) == inputs
        delivered = {q: [e.args["a"] for e in evs if e.action == "brcv" and e.args["q"] == q] for q in ("p1", "p2")}
        assert delivered["p1"] == delivered["p2"] and sorted(delivered["p1"]) == sent
        final = evs[-1].state if evs else None
        assert final is None or final["nextreport"] == {"p1": inputs + 1, "p2": inputs + 1}
    assert seen == NORMAL_CASE


def test_view_changes_occur_and_establish_views(external_trace: Callable[..., Path]) -> None:
    """With more than one view id, some runs create and install views and establish one by the
    state exchange (the bonus part of the writer: the snapshots then carry summaries)."""
    established = 0
    for seed, inputs, values, view_ids in VIEW_RUNS:
        evs = events_of(external_trace(seed, inputs, values, view_ids=view_ids))
        assert {e.action for e in evs} <= NORMAL_CASE | VIEW_CHANGE
        final = evs[-1].state
        assert final is not None
        established += sum(v for k, v in final["established"].items() if not k.endswith(",g0"))
    assert established > 0


def test_the_writer_is_deterministic(external_trace: Callable[..., Path]) -> None:
    """The same seed gives the same file, byte for byte; another seed another run."""
    first = external_trace(3, 2, 2).read_bytes()
    assert external_trace(3, 2, 2).read_bytes() == first != external_trace(4, 2, 2).read_bytes()


def test_the_writer_uses_only_the_standard_library() -> None:
    tree = ast.parse(WRITER.read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}


@pytest.mark.parametrize(("bug", "bad_action"), [("deliver-unconfirmed", "brcv"), ("duplicate-order", "gprcv")])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_seeded_bug_gives_a_well_formed_trace(
    external_trace: Callable[..., Path], bug: str, bad_action: str, seed: int
) -> None:
    """The file is a valid trace whose snapshots decode at its scope (so a refinement checker can
    read it), and the defect shows: the first step that VStoTO-system cannot take is the
    defective action. Whether the refinement check rejects it is tested with that checker."""
    path = external_trace(seed, 2, 2, bug=bug, view_ids=2)
    header, events = read_trace(path)
    assert header.automaton == "VStoTO-system" and json.loads(path.read_text().splitlines()[0])["x-bug"] == bug
    m = machine_at(tuple(sorted(header.scope.items())))
    for ev in events:
        assert ev.state is not None and ev.action != "createview"  # a bug's run stays in g0
        m.state_from_json(ev.state)
    bad = first_non_step(path)
    assert bad is not None and bad[1].action == bad_action
