"""Tests of the trace checkers: Lemma 4.2 of FLS (VS-machine, Fig. 5) and TO-machine membership
(Fig. 2, catalogue A.3 linear test, D.5 negative traces)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from oracles.fls_traces import (
    bcast,
    brcv,
    gprcv,
    gpsnd,
    is_to_trace,
    lemma_4_2_causes,
    newview,
    safe,
    simulate_to,
    simulate_vs,
    to_order,
)

import ioakit.traces
from ioakit.traces import Event, TOTraceResult, VSCauseResult, check_to_trace, check_vs_cause, read_trace
from ioakit.traces.format import external_events

P0 = ["p1", "p2"]
LEMMA_4_2 = ("message_integrity", "no_duplication", "no_reordering", "no_losses")
FAST = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


def assert_only_failure(result: VSCauseResult | TOTraceResult, name: str, index: int) -> None:
    """``name`` is the (earliest) failing property, at event ``index``, and every other one holds."""
    assert not result.holds
    assert (result.failed_property, result.event_index) == (name, index), result.explanation
    assert result.get(name).event_index == index
    assert [r.name for r in result.properties if not r.holds] == [name], result.explanation


# --------------------------------------------------------------------------------------------
# Lemma 4.2: hand-written traces that satisfy it.


def test_self_delivery_safe_and_two_senders() -> None:
    events = [
        gpsnd("m1", "p1"),  # 0
        gprcv("m1", "p1", "p1"),  # 1  self-delivery (used by VStoTO)
        gprcv("m1", "p1", "p2"),  # 2
        safe("m1", "p1", "p1"),  # 3
        safe("m1", "p1", "p2"),  # 4
        gpsnd("m2", "p2"),  # 5
        gprcv("m2", "p2", "p1"),  # 6
    ]
    result = check_vs_cause(events, P0)
    assert result.holds, result.explanation
    assert result.failed_property is None and result.event_index is None
    assert all(r.holds for r in result.properties)
    assert result.cause == ((1, 0), (2, 0), (3, 0), (4, 0), (6, 5))
    assert result.cause_of(6) == 5


def test_view_changes_and_a_gpsnd_dropped_at_bottom() -> None:
    g1 = ["p1", "p3"]
    events = [
        gpsnd("m1", "p3"),  # 0  p3 is not in P0: its view is ⊥, the message is dropped
        gpsnd("m1", "p1"),  # 1  in g0
        newview("g1", g1, "p1"),  # 2
        newview("g1", g1, "p3"),  # 3
        gprcv("m1", "p1", "p2"),  # 4  p2 is still in g0: caused by 1, not by 0
        gpsnd("m2", "p1"),  # 5  in g1
        gpsnd("m3", "p3"),  # 6  in g1
        gprcv("m3", "p3", "p1"),  # 7
        gprcv("m2", "p1", "p3"),  # 8
        gprcv("m2", "p1", "p1"),  # 9
        gprcv("m3", "p3", "p3"),  # 10
    ]
    result = check_vs_cause(events, P0)
    assert result.holds, result.explanation
    # p1 left g0 without receiving m1: within g0 the range at p1 is empty, a prefix; no loss.
    assert result.cause == ((4, 1), (7, 6), (8, 5), (9, 5), (10, 6))


def test_repeated_message_values_map_i_th_to_i_th() -> None:
    events = [gpsnd("m1", "p1"), gpsnd("m1", "p1"), gprcv("m1", "p1", "p2"), gprcv("m1", "p1", "p2")]
    result = check_vs_cause(events, P0)
    assert result.holds
    assert result.cause == ((2, 0), (3, 1))


def test_hidden_vs_actions_and_other_actions_are_checked_by_name() -> None:
    # In VStoTO-system the VS actions are internal; Lemma 4.2 is about the VS projection.
    hidden = [replace(e, kind="internal") for e in (gpsnd("m1", "p1"), gprcv("m1", "p1", "p2"))]
    events = [Event("bcast", "input", {"a": "a1", "p": "p1"}), *hidden, Event("nu", "time", {"t": 1})]
    result = check_vs_cause(events, P0)
    assert result.holds
    assert result.cause == ((2, 1),)


def test_example_file_satisfies_lemma_4_2() -> None:
    header, events = read_trace(Path(ioakit.traces.__file__).parent / "examples" / "vs-machine-execution.jsonl")
    result = check_vs_cause(external_events(events), header.scope["P0"])
    assert result.holds
    assert result.cause == ((1, 0), (2, 0), (3, 0), (8, 7))  # indices within the trace


# --------------------------------------------------------------------------------------------
# Lemma 4.2: mutants, each rejected by the right property.

BASE = [gpsnd("m1", "p1"), gpsnd("m2", "p1"), gprcv("m1", "p1", "p2"), gprcv("m2", "p1", "p2")]


def test_base_of_the_mutants_satisfies_lemma_4_2() -> None:
    assert check_vs_cause(BASE, P0).holds


def test_reordered_deliveries_violate_no_reordering() -> None:
    events = [BASE[0], BASE[1], BASE[3], BASE[2]]
    result = check_vs_cause(events, P0)
    assert_only_failure(result, "no_reordering", 3)
    assert "not monotone increasing" in result.explanation
    assert result.cause == ((2, 1), (3, 0))


def test_reordered_safe_events_violate_no_reordering() -> None:
    events = [*BASE, safe("m2", "p1", "p2"), safe("m1", "p1", "p2")]
    assert_only_failure(check_vs_cause(events, P0), "no_reordering", 5)


def test_duplicated_delivery_violates_no_duplication() -> None:
    events = [BASE[0], BASE[1], BASE[2], BASE[2], BASE[3]]
    result = check_vs_cause(events, P0)
    assert_only_failure(result, "no_duplication", 3)
    assert "already caused gprcv event 2" in result.explanation
    assert result.cause == ((2, 0), (3, 0), (4, 1))


def test_duplicate_at_the_end_is_a_duplication_not_a_reordering() -> None:
    assert_only_failure(check_vs_cause([*BASE, BASE[2]], P0), "no_duplication", 4)


def test_delivery_in_a_different_view_violates_message_integrity() -> None:
    events = [BASE[0], BASE[1], newview("g1", P0, "p2"), BASE[2], BASE[3]]
    result = check_vs_cause(events, P0)
    assert_only_failure(result, "message_integrity", 3)
    assert result.message_integrity.offending == (3, 4)
    assert "p1 sent m1 in view <g0,{p1,p2}>" in result.explanation
    assert result.cause == ()


def test_same_view_id_with_another_set_is_a_different_view() -> None:
    events = [
        newview("g1", ["p1", "p2"], "p1"),
        newview("g1", ["p2"], "p2"),
        gpsnd("m1", "p1"),
        gprcv("m1", "p1", "p2"),
    ]
    assert_only_failure(check_vs_cause(events, P0), "message_integrity", 3)


def test_skipping_a_message_then_delivering_the_next_violates_no_losses() -> None:
    result = check_vs_cause(BASE[:2] + [BASE[3]], P0)
    assert_only_failure(result, "no_losses", 2)
    assert "gpsnd(m1)_p1 (event 0), never causes a gprcv_{p1,p2}" in result.explanation


def test_wrong_message_value_violates_message_integrity() -> None:
    result = check_vs_cause([*BASE[:3], gprcv("m3", "p1", "p2")], P0)
    assert_only_failure(result, "message_integrity", 3)
    assert "p1 sent no m3 in that view" in result.explanation


def test_wrong_sender_violates_message_integrity() -> None:
    assert_only_failure(check_vs_cause([BASE[0], gprcv("m1", "p2", "p2")], P0), "message_integrity", 1)


def test_delivery_before_send_violates_message_integrity() -> None:
    events = [BASE[0], BASE[2], BASE[3], BASE[1]]
    result = check_vs_cause(events, P0)
    assert_only_failure(result, "message_integrity", 2)
    assert "precedes gpsnd(m2)_p1 (event 3)" in result.explanation


def test_delivery_at_a_location_whose_view_is_bottom_violates_message_integrity() -> None:
    result = check_vs_cause([BASE[0], gprcv("m1", "p1", "p3")], P0)
    assert_only_failure(result, "message_integrity", 1)
    assert "current view at p3 is ⊥" in result.explanation


def test_delivering_a_message_dropped_at_bottom_violates_message_integrity() -> None:
    events = [
        gpsnd("m1", "p3"),
        newview("g1", ["p1", "p3"], "p3"),
        newview("g1", ["p1", "p3"], "p1"),
        gprcv("m1", "p3", "p1"),
    ]
    result = check_vs_cause(events, P0)
    assert_only_failure(result, "message_integrity", 3)
    assert "dropped" in result.explanation


def test_malformed_vs_events_are_reported_not_raised() -> None:
    events = [Event("gprcv", "output", {"m": "m1", "p": "p1"}), newview("g1", ["p2"], "p1")]
    result = check_vs_cause(events, P0)
    assert not result.holds
    assert result.well_formed.offending == (0, 1)
    assert "lacks argument q" in result.explanation
    assert "requires p ∈ v.set" in result.well_formed.violations[1][1]
    assert all(result.get(name).holds for name in LEMMA_4_2)


# --------------------------------------------------------------------------------------------
# Lemma 4.2 on generated VS-machine executions.


def _chooser(data: st.DataObject) -> Any:
    return lambda options: data.draw(st.sampled_from(options))


@FAST
@given(data=st.data(), steps=st.integers(0, 40), fresh=st.booleans())
def test_generated_vs_executions_satisfy_lemma_4_2_with_the_uid_cause(
    data: st.DataObject, steps: int, fresh: bool
) -> None:
    """The proof of Lemma 4.2 builds cause from uids carried through pending and queue; by
    uniqueness the checker's cause must be that one, even when message values repeat."""
    events, uid_cause = simulate_vs(_chooser(data), ["p1", "p2", "p3"], P0, steps, fresh_messages=fresh)
    result = check_vs_cause(events, P0)
    event(f"deliveries: {min(len(uid_cause), 10) // 5 * 5}+, views: {sum(e.action == 'newview' for e in events) > 0}")
    assert result.holds, result.explanation
    assert dict(result.cause) == uid_cause
    trace_only = check_vs_cause(list(external_events(events)), P0)
    assert trace_only.holds and len(trace_only.cause) == len(uid_cause)


def _groups(events: Sequence[Event]) -> dict[tuple[Any, ...], list[int]]:
    """gprcv/safe event indices by (action, p, q, current view at q), as in Lemma 4.2(3)-(4)."""
    view: dict[str, Any] = {p: "g0" for p in P0}
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, e in enumerate(events):
        if e.action == "newview":
            view[e.args["p"]] = e.args["v"]["id"]
        elif e.action in ("gprcv", "safe"):
            groups.setdefault((e.action, e.args["p"], e.args["q"], view.get(e.args["q"])), []).append(i)
    return groups


@FAST
@given(data=st.data())
def test_mutants_of_generated_executions_are_rejected_by_the_right_property(data: st.DataObject) -> None:
    events, _ = simulate_vs(_chooser(data), ["p1", "p2", "p3"], P0, data.draw(st.integers(8, 40)))
    events = list(external_events(events))
    cause = dict(check_vs_cause(events, P0).cause)
    groups = [g for g in _groups(events).values()]
    assume(groups)
    mutation = data.draw(st.sampled_from(["duplicate", "drop-send", "reorder", "lose", "wrong-value"]))
    event(mutation)
    mutant = list(events)
    if mutation == "duplicate":
        k = data.draw(st.sampled_from(sorted(cause)))
        mutant.insert(k + 1, events[k])
        assert_only_failure(check_vs_cause(mutant, P0), "no_duplication", k + 1)
    elif mutation == "drop-send":
        s = data.draw(st.sampled_from(sorted(set(cause.values()))))
        del mutant[s]
        first_effect = min(k for k, c in cause.items() if c == s) - 1
        assert_only_failure(check_vs_cause(mutant, P0), "message_integrity", first_effect)
    elif mutation == "reorder":
        pairs = [(a, b) for g in groups for a, b in itertools.pairwise(g) if cause[b] < a]
        assume(pairs)
        a, b = data.draw(st.sampled_from(pairs))
        mutant[a], mutant[b] = mutant[b], mutant[a]
        assert_only_failure(check_vs_cause(mutant, P0), "no_reordering", b)
    elif mutation == "lose":
        candidates = [(g[i], g[i + 1]) for g in groups for i in range(len(g) - 1)]
        assume(candidates)
        lost, successor = data.draw(st.sampled_from(candidates))
        del mutant[lost]
        assert_only_failure(check_vs_cause(mutant, P0), "no_losses", successor - 1)
    else:
        k = data.draw(st.sampled_from(sorted(cause)))
        mutant[k] = replace(events[k], args={**events[k].args, "m": "never-sent"})
        result = check_vs_cause(mutant, P0)
        assert (result.failed_property, result.event_index) == ("message_integrity", k)


# --------------------------------------------------------------------------------------------
# Lemma 4.2 against a brute-force search over all candidate cause functions.

TINY_VIEWS = [("g1", ["p1", "p2"]), ("g1", ["p2"]), ("g2", ["p1"])]


@st.composite
def tiny_vs_traces(draw: st.DrawFn) -> tuple[list[Event], list[str]]:
    """(trace, P0): random sequences of VS events, or small VS-machine traces perturbed by an edit."""
    if draw(st.booleans()):
        p = st.sampled_from(["p1", "p2"])
        m = st.sampled_from(["m1", "m2"])
        event = st.one_of(
            st.builds(gpsnd, m, p),
            st.builds(gprcv, m, p, p),
            st.builds(safe, m, p, p),
            st.sampled_from(TINY_VIEWS).flatmap(
                lambda v: st.sampled_from(v[1]).map(lambda member: newview(v[0], v[1], member))
            ),
        )
        return draw(st.lists(event, max_size=7)), ["p1"]
    events, _ = simulate_vs(
        _chooser_of(draw),
        ["p1", "p2"],
        ["p1", "p2"],
        draw(st.integers(0, 25)),
        max_views=2,
        fresh_messages=draw(st.booleans()),
    )
    trace = [e for e in events if e.kind != "internal"][:10]  # keeps the exhaustive search small
    receives = [i for i, e in enumerate(trace) if e.action in ("gprcv", "safe")]
    return _perturb(draw, trace, receives), ["p1", "p2"]


def _perturb(draw: st.DrawFn, trace: list[Event], targets: list[int]) -> list[Event]:
    """Maybe apply one edit to a target event: swap it with another event, drop it, or repeat it."""
    if targets and draw(st.integers(0, 3)):
        i = draw(st.sampled_from(targets))
        how = draw(st.sampled_from(["swap", "swap-targets", "drop", "dup"]))
        if how.startswith("swap"):
            j = draw(st.sampled_from(targets) if how == "swap-targets" else st.integers(0, len(trace) - 1))
            trace[i], trace[j] = trace[j], trace[i]
        elif how == "drop":
            del trace[i]
        else:
            trace.insert(draw(st.integers(i, len(trace))), trace[i])
    return trace


@settings(max_examples=300, deadline=None)
@given(case=tiny_vs_traces())
def test_verdict_and_cause_agree_with_exhaustive_search(case: tuple[list[Event], list[str]]) -> None:
    """The checker's verdict equals "some cause satisfies items 1-4", and that cause is unique."""
    events, initial_members = case
    solutions = lemma_4_2_causes(events, initial_members)
    assert solutions is not None
    result = check_vs_cause(events, initial_members)
    event(f"holds={result.holds}, failed={result.failed_property}")
    assert result.holds == bool(solutions), result.explanation
    if solutions:
        assert solutions == [dict(result.cause)]


# --------------------------------------------------------------------------------------------
# TO-machine trace membership.


def test_valid_to_trace_with_interleaved_origins() -> None:
    events = [
        bcast("a1", "p1"),  # 0
        bcast("a2", "p2"),  # 1
        brcv("a2", "p2", "p1"),  # 2
        brcv("a2", "p2", "p2"),  # 3
        brcv("a1", "p1", "p2"),  # 4
        brcv("a1", "p1", "p1"),  # 5
    ]
    result = check_to_trace(events)
    assert result.holds, result.explanation
    assert all(r.holds for r in result.properties)
    assert result.lub == (("a2", "p2"), ("a1", "p1"))
    assert result.cause == ((2, 1), (3, 1), (4, 0), (5, 0))


def test_valid_to_trace_with_repeated_values_and_internal_to_order() -> None:
    events = [
        bcast("a1", "p1"),
        bcast("a1", "p1"),
        to_order("a1", "p1"),
        brcv("a1", "p1", "p2"),
        to_order("a1", "p1"),
        brcv("a1", "p1", "p2"),
        brcv("a1", "p1", "p1"),
    ]
    result = check_to_trace(events)
    assert result.holds
    assert result.cause == ((3, 0), (5, 1), (6, 0))


def test_d5_brcv_before_bcast_fails_clause_c() -> None:
    result = check_to_trace([bcast("a1", "p2"), brcv("a1", "p1", "p2"), bcast("a1", "p1")])
    assert_only_failure(result, "clause_c", 1)
    assert "occurs only later (event 2)" in result.explanation


def test_d5_more_deliveries_than_bcasts_fails_clause_b() -> None:
    result = check_to_trace([bcast("a1", "p1"), brcv("a1", "p1", "p2"), brcv("a1", "p1", "p2")])
    assert_only_failure(result, "clause_b", 2)
    assert "more deliveries from p1 than bcasts" in result.explanation


def test_d5_inconsistent_orders_at_two_receivers_fail_clause_a() -> None:
    events = [
        bcast("a1", "p1"),
        bcast("a2", "p2"),
        brcv("a1", "p1", "p1"),
        brcv("a2", "p2", "p1"),
        brcv("a2", "p2", "p2"),
        brcv("a1", "p1", "p2"),
    ]
    result = check_to_trace(events)
    assert_only_failure(result, "clause_a", 4)
    assert "not prefix-consistent" in result.explanation


def test_d5_per_origin_fifo_violated_fails_clause_b() -> None:
    events = [bcast("a1", "p1"), bcast("a2", "p1"), brcv("a2", "p1", "p2"), brcv("a1", "p1", "p2")]
    result = check_to_trace(events)
    assert_only_failure(result, "clause_b", 2)
    assert result.clause_b.offending == (2, 3)
    assert "per-origin FIFO" in result.explanation


def test_delivery_of_a_value_never_bcast_fails_clause_b() -> None:
    assert_only_failure(check_to_trace([bcast("a1", "p1"), brcv("a2", "p1", "p1")]), "clause_b", 1)


def test_malformed_to_events_are_reported_not_raised() -> None:
    result = check_to_trace([Event("brcv", "output", {"a": "a1", "p": "p1"}), bcast("a1", "p1")])
    assert_only_failure(result, "well_formed", 0)


@FAST
@given(data=st.data(), steps=st.integers(0, 40))
def test_generated_to_executions_are_traces_with_the_uid_correspondence(data: st.DataObject, steps: int) -> None:
    events, uid_cause = simulate_to(_chooser(data), ["p1", "p2", "p3"], ["a1", "a2"], steps)
    result = check_to_trace(events)
    assert result.holds, result.explanation
    assert dict(result.cause) == uid_cause


@st.composite
def tiny_to_traces(draw: st.DrawFn) -> list[Event]:
    p = st.sampled_from(["p1", "p2"])
    a = st.sampled_from(["a1", "a2"])
    if draw(st.booleans()):
        return draw(st.lists(st.builds(bcast, a, p) | st.builds(brcv, a, p, p), max_size=7))
    events, _ = simulate_to(_chooser_of(draw), ["p1", "p2"], ["a1", "a2"], draw(st.integers(0, 9)))
    trace = [e for e in events if e.action != "to-order"]
    return _perturb(draw, trace, list(range(len(trace))))


def _chooser_of(draw: st.DrawFn) -> Any:
    return lambda options: draw(st.sampled_from(options))


@settings(max_examples=300, deadline=None)
@given(events=tiny_to_traces())
def test_linear_test_agrees_with_exhaustive_to_machine_exploration(events: list[Event]) -> None:
    """Clauses (a)-(c) of the catalogue decide exactly the traces of TO-machine (Fig. 2)."""
    result = check_to_trace(events)
    event(f"holds={result.holds}, failed={result.failed_property}")
    assert result.holds == is_to_trace(events, ["p1", "p2"])


@pytest.mark.parametrize("n", [1, 2, 5])
def test_explanations_name_the_offending_event(n: int) -> None:
    events = [bcast(f"a{i}", "p1") for i in range(n)] + [brcv("x", "p1", "p1")]
    result = check_to_trace(events)
    assert result.event_index == n
    assert result.explanation.startswith(
        f"not a trace of TO-machine: clause_b violated (FLS Fig. 2 (trace test, clause b)) at event {n}: "
    )
