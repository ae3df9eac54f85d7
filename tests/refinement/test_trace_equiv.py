"""The paper's unproved remark (FLS, after Lemma 4.2): WeakVS-machine and VS-machine have the same
finite traces — checked exactly at bounded scopes; and the checker itself must catch differences."""

from __future__ import annotations

import pytest

from ioakit.lang.automaton import output
from ioakit.lang.ir import BOT
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.specs.fls import TOMachine, VSMachine, WeakVSMachine

SCOPES = [
    {},
    {"view_ids": 3, "max_inputs": 1},
    {"processors": 3, "initial_members": 2, "view_ids": 3, "max_inputs": 1},
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "default")
def test_weakvs_and_vs_have_the_same_finite_traces(scope):
    r = compare_traces(VSMachine().build(scope), WeakVSMachine().build(scope))
    assert r.equivalent, r.to_json()
    assert r.witness_left_only is None and r.witness_right_only is None
    assert r.macro_pairs > 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "scope",
    [
        {"view_ids": 3, "max_inputs": 2},
        {"view_ids": 4, "max_inputs": 1},
        {"processors": 2, "initial_members": 1, "view_ids": 3, "messages": 2, "max_inputs": 2},
    ],
)
def test_weakvs_and_vs_equivalent_at_larger_scopes(scope):
    assert compare_traces(VSMachine().build(scope), WeakVSMachine().build(scope)).equivalent


class VSNoIdOrder(VSMachine):
    """Mutant: newview without the "v.id > current-viewid[p]" check (views may go backwards)."""

    name = "VS-no-id-order"

    @output(v="views", p="P", where=lambda v, p: p in v.set)
    def newview(self, s, v, p):
        s.require(s.created.contains(v))
        s.require((v.id != s.current_viewid[p]) | (s.current_viewid[p] == BOT))
        s.current_viewid[p] = v.id


def test_a_weaker_machine_is_caught_with_a_shortest_witness():
    scope = {"processors": 1, "initial_members": 1, "view_ids": 2, "max_inputs": 0}
    r = compare_traces(VSNoIdOrder().build(scope), VSMachine().build(scope))
    assert not r.equivalent
    assert r.right_in_left and not r.left_in_right
    # shortest: install g1, then go back to g0 (createview is internal, so not in the trace)
    assert r.witness_left_only == (
        'newview{"p": "p1", "v": {"id": "g1", "set": ["p1"]}}',
        'newview{"p": "p1", "v": {"id": "g0", "set": ["p1"]}}',
    )


def test_machines_with_different_signatures_differ():
    r = compare_traces(
        TOMachine().build({"processors": 1, "values": 1, "max_inputs": 1}),
        TOMachine().build({"processors": 1, "values": 1, "max_inputs": 0}),
    )
    assert r.right_in_left and not r.left_in_right
    assert r.witness_left_only == ('bcast{"a": "a1", "p": "p1"}',)
