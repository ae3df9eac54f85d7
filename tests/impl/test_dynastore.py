"""DynaStore, Algorithms 2-3 (``impl/dynastore/dynastore.py``): exhaustive checks at small scopes,
scripted runs of the paper's scenarios (Section 1's (A1) examples, a read concurrent with a
reconfiguration, a removal and its halting), the recorded ``atomic-register`` history, and seeded
random runs at a larger scope (a sample: said so)."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from dynastore_runs import drive, failing, labels_enabled, then

import ioakit.specs.dynastore  # noqa: F401  (registers the dynastore machines)
from ioakit.engines.explore import Explorer, ExploreReport
from ioakit.impl.dynastore.dynastore import history_of_store
from ioakit.impl.net.script import ScriptRun, deliver, enabled, run_script
from ioakit.lang.automaton import Machine
from ioakit.registry import default_properties, get_spec
from ioakit.results import Verdict

NAME = "dynastore"
CHECKS = {
    "linearizable",
    "read_integrity",
    "stale_read",
    "new_old_inversion",
    "ats_order",
    "ds1_front",
    "ds2_update",
    "ds3_member",
    "ds4_mem_once",
    "ds5_views_chain",
    "ds6_proposed",
    "ds7_cur_grows",
    "ds8_one_timestamp",
    "ds9_ts_pairing",
    "ds10_halted",
}
Scope = tuple[tuple[str, int], ...]


def sc(**kw: int) -> Scope:
    return tuple(sorted(kw.items()))


RW = sc(processes=2, init=2, values=1, max_ops=2, reconfigs=0, crashes=0)
ADD = sc(processes=2, init=1, values=1, max_ops=2, reconfigs=1, crashes=0)
SEQ = sc(processes=1, init=1, values=2, max_ops=3, reconfigs=0, crashes=0)
REMOVE3 = sc(processes=3, init=3, values=0, max_ops=1, reconfigs=1, crashes=0)
ADD3 = sc(processes=3, init=2, values=0, max_ops=1, reconfigs=1, crashes=0)


@functools.cache
def machine(scope: Scope) -> Machine:
    return get_spec(NAME).build(dict(scope))


@functools.cache
def explore(scope: Scope) -> ExploreReport:
    m = machine(scope)
    return Explorer(m).check(default_properties(m)).run()


@pytest.mark.parametrize(
    ("scope", "states"),
    [
        (RW, 22_445),
        (ADD, 2_866),
        (SEQ, 483),
        pytest.param(REMOVE3, 387_019, marks=pytest.mark.slow),
        pytest.param(ADD3, 506_837, marks=pytest.mark.slow),
    ],
    ids=["write+read", "add-p2", "one-process-2-writes", "remove-one-of-3", "add-third"],
)
def test_every_check_holds_exhaustively(scope: Scope, states: int) -> None:
    """The checks of ``specs/dynastore/monitors.py`` hold in every reachable state; the exploration
    is complete (no step cut off by the scope's bounds) and its size is pinned."""
    r = explore(scope)
    assert r.complete, r.reason
    assert r.verdict is Verdict.OK, [x.name for x in r.results if x.verdict is not Verdict.OK]
    assert {x.name for x in r.results} == CHECKS
    assert r.states == states


def holds_everywhere(m: Machine, run: ScriptRun) -> None:
    """Every check holds in every state of the run."""
    assert failing(m, run.states) == set()


def history(run: ScriptRun) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, dict(e.args)) for e in history_of_store(run.execution.events())]


# -- Section 1 / Definition 3.2: the crash adversary keeps (A1) ---------------------------------


def test_a1_removal_example_of_the_introduction() -> None:
    """Init = {1,2,3,4}: crashing p1 is allowed; while reconfig({−1}) is pending a crash of p2 (or
    any other) is refused, since 2 of the counted processes would not be < 4/2; once the reconfig
    has completed, V.members = {2,3,4} and one more crash is allowed."""
    m = machine(sc(processes=4, init=4, values=0, max_ops=1, reconfigs=1, crashes=2, capacity=12))
    run = run_script(m, ["crash(p=p1)"])
    run = then(m, run, "reconfig(p=p2,c=-p1)")
    assert not any(lab.startswith("crash(") and lab != "crash(p=p1)" for lab in labels_enabled(m, run))
    run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p2"))
    assert {"crash(p=p2)", "crash(p=p3)", "crash(p=p4)"} <= set(labels_enabled(m, run))
    run = then(m, run, "crash(p=p2)")
    holds_everywhere(m, run)
    assert history(run) == [
        ("crash", {"p": "p1"}),
        ("reconfig", {"p": "p2", "changes": {"add": [], "remove": ["p1"]}}),
        ("reconfig-return", {"p": "p2"}),
        ("crash", {"p": "p2"}),
    ]


def test_a1_refuses_a_reconfig_whose_removal_would_break_it() -> None:
    """A reconfig invocation counts its removal at once: with p1 crashed out of Init = {1,2,3,4},
    proposing the removal of p2 would count {p1, p2}: refused; removing p1 itself is allowed."""
    m = machine(sc(processes=4, init=4, values=0, max_ops=1, reconfigs=1, crashes=2, capacity=12))
    run = run_script(m, ["crash(p=p1)"])
    labs = labels_enabled(m, run)
    assert "reconfig(p=p3,c=-p1)" in labs and "reconfig(p=p3,c=-p2)" not in labs


def test_a1_addition_example_of_the_introduction() -> None:
    """Init = {1,2,3} with reconfig({+4}) pending: at most one of {1,2,3,4} may be crashed
    (< 3/2); after p4 crashed, no crash of p1..p3 is allowed."""
    m = machine(sc(processes=4, init=3, values=0, max_ops=1, reconfigs=1, crashes=2, capacity=12))
    run = run_script(m, ["reconfig(p=p1,c=+p4)", "crash(p=p4)"])
    assert not any(lab.startswith("crash(") for lab in labels_enabled(m, run))


# -- reconfigurations ----------------------------------------------------------------------------


def test_an_added_process_is_enabled_and_serves() -> None:
    """Init = {(+,p1)}: reconfig({(+,p2)}) completes; p2 learns the new view by NOTIFY (line 96:
    enable operations, an output); then p2's read returns what p1 wrote before."""
    m = machine(sc(processes=2, init=1, values=1, max_ops=3, reconfigs=1, crashes=0))
    run = run_script(m, ["write(p=p1,v=v1)"])
    run = drive(m, run, lambda lab: lab.startswith("write_return"))
    run = then(m, run, "reconfig(p=p1,c=+p2)")
    run = drive(m, run, lambda lab: lab.startswith("enable_operations(p=p2"))
    run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p1"))
    run = then(m, run, "read(p=p2)")
    run = drive(m, run, lambda lab: lab.startswith("read_return(p=p2"))
    holds_everywhere(m, run)
    assert history(run) == [
        ("write", {"p": "p1", "v": "v1"}),
        ("write-return", {"p": "p1"}),
        ("reconfig", {"p": "p1", "changes": {"add": ["p2"], "remove": []}}),
        ("enable-operations", {"p": "p2"}),
        ("reconfig-return", {"p": "p1"}),
        ("read", {"p": "p2"}),
        ("read-return", {"p": "p2", "v": "v1"}),
    ]


def test_a_read_concurrent_with_a_removal_returns_the_written_value() -> None:
    """Section 5's scenario (Fig. 1(a)'s shape): p3 writes v1; p2 starts reconfig({−3}) and installs
    its edge Init → Init ∪ {−3} in ws(Init) (update, line 54); p1 then reads: its traversal from
    Init finds the edge, moves to the new view, and returns v1. All checks hold along the run."""
    m = machine(sc(processes=3, init=3, values=1, max_ops=3, reconfigs=1, crashes=0, capacity=10))
    run = run_script(m, ["write(p=p3,v=v1)"])
    run = drive(m, run, lambda lab: lab.startswith("write_return(p=p3"))
    run = then(m, run, "reconfig(p=p2,c=-p3)", "traverse_top(p=p2", *["ws_read(p=p2)"] * 3, "ws_write(p=p2)")
    run = then(m, run, "read(p=p1)")
    run = drive(m, run, lambda lab: lab.startswith("read_return(p=p1"))
    assert history(run)[-1] == ("read-return", {"p": "p1", "v": "v1"})
    final = m.state_json(run.final)
    assert final["cur"]["p1"]["rm_p3"]  # the read finished in the new view
    run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p2"))
    holds_everywhere(m, run)


def test_a_removed_process_halts() -> None:
    """Line 52: p1 proposes its own removal; its traversal reaches Init ∪ {−1}, where p1 is not a
    member, and halts: its reconfig never returns (allowed: p1 is not active, C.50), it is not
    counted as crashed, and the others' operations still complete."""
    m = machine(sc(processes=3, init=3, values=1, max_ops=2, reconfigs=1, crashes=0, capacity=10))
    run = run_script(m, ["reconfig(p=p1,c=-p1)"])
    run = drive(m, run, lambda lab: lab.startswith("traverse_top(p=p1,w=⟨true"))
    final = m.state_json(run.final)
    assert final["halted"]["p1"] and not final["up"]["p1"] and final["op"]["p1"] == "reconfig"
    assert not any(lab.endswith("(p=p1)") and lab.startswith("crash") for lab in labels_enabled(m, run))
    run = then(m, run, "write(p=p2,v=v1)")
    run = drive(m, run, lambda lab: lab.startswith("write_return(p=p2"))
    holds_everywhere(m, run)
    assert [a for a, _ in history(run)] == ["reconfig", "write", "write-return"]


# -- the checks no seeded bug breaks can fail: hand-made states and steps --------------------------


def _violates(m: Machine, j: dict[str, Any]) -> set[str]:
    return failing(m, [m.state_from_json(j)])


def test_state_predicates_reject_hand_made_bad_states() -> None:
    """DS5, DS6 and DS10 (which no seeded bug breaks) are not vacuous: a state with incomparable
    curViews, one with an unproposed change in a curView, one with a halted process nobody proposed
    to remove, are each rejected by exactly the predicate meant."""
    m = machine(sc(processes=3, init=2, values=0, max_ops=1, reconfigs=1, crashes=0))
    start = m.state_json(m.start_states[0])
    rm1 = {"rm_p1": True, "rm_p2": False, "add_p3": False}
    add3 = {"rm_p1": False, "rm_p2": False, "add_p3": True}
    j = {
        **start,
        "cur": {**start["cur"], "p1": rm1, "p2": add3},
        "g_prop": {"rm_p1": True, "rm_p2": False, "add_p3": True},
    }
    assert _violates(m, j) == {"ds5_views_chain"}
    j = {**start, "cur": {**start["cur"], "p1": rm1}}
    assert _violates(m, j) == {"ds6_proposed"}
    j = {**start, "halted": {**start["halted"], "p2": True}, "up": {**start["up"], "p2": False}}
    assert _violates(m, j) == {"ds10_halted"}


def test_a_second_write_of_a_register_is_flagged() -> None:
    """DS4 (Lemma 4.1 per ws(w); no seeded bug of Algorithms 2-3 breaks it) is not vacuous: from a
    hand-made state where p1 is about to write Mem[Init, p1] (line 54 → Algorithm 1, line 3) that
    already holds a value, the write step sets the flag."""
    m = machine(sc(processes=2, init=2, values=0, max_ops=1, reconfigs=0, crashes=0))
    start = m.state_json(m.start_states[0])
    init, rm2 = {"rm_p1": False, "rm_p2": False}, {"rm_p1": False, "rm_p2": True}
    key = "⟨false, false⟩,p1"
    j = {
        **start,
        "mem": {**start["mem"], key: rm2},
        "pc": {**start["pc"], "p1": "upd_write"},
        "op": {**start["op"], "p1": "reconfig"},
        "w": {**start["w"], "p1": init},
        "desired": {**start["desired"], "p1": rm2},
        "front": {**start["front"], "p1": [init]},
        "g_prop": rm2,
    }
    s = m.state_from_json(j)
    assert failing(m, [s]) == set()
    (post,) = [ns for k, ns in enabled(m, s) if m.label_of(k, s) == "ws_write(p=p1)"]
    assert failing(m, [post]) == {"ds4_mem_once"}


# -- Section 5.3's queue: an update abandoned by a restart is completed first ---------------------


@pytest.mark.parametrize("reads_done", [4, 2], ids=["write-pending", "collect-half-done"])
def test_a_restarted_traversal_first_completes_its_abandoned_update(reads_done: int) -> None:
    """Section 5.3: Init = {1,2,3}; p2's reconfig({+4}) installs Init → Init ∪ {+4}. p1's
    reconfig({−3}) follows that edge and starts update_1(Init ∪ {+4}, {−3}); it is paused with its
    write pending (or half-way through its collect, all ⊥ so far) when p2's ⟨NOTIFY, Init ∪ {+4}⟩
    arrives (line 93: curView_1 ⊂ it): p1 restarts from Init ∪ {+4} (line 97) and meets that view
    again, so it first completes the abandoned update — the rest of its collect, then its write —
    before the new one. The reconfig completes, every check holds, and Mem[Init ∪ {+4}, p1] is
    written once."""
    m = machine(sc(processes=4, init=3, values=0, max_ops=2, reconfigs=2, crashes=0, capacity=12))

    def p1_step(lab: str) -> bool:
        return lab.endswith("(p=p1)") or "(p=p1," in lab or (lab.startswith("recv_") and "(q=p1," in lab)

    run = run_script(m, ["reconfig(p=p2,c=+p4)", "traverse_top(p=p2", *["ws_read(p=p2)"] * 4, "ws_write(p=p2)"])
    run = then(m, run, "reconfig(p=p1,c=-p3)", "traverse_top(p=p1", *["ws_read(p=p1)"] * 12)
    run = then(m, run, deliver("p1", "p1", "REQ"), deliver("p2", "p1", "REQ"))
    run = then(m, run, "recv_REPLY(q=p1,j=p1", "recv_REPLY(q=p1,j=p2", "contactq_done(p=p1)")
    run = then(m, run, "traverse_top(p=p1", *["ws_read(p=p1)"] * reads_done)
    assert m.state_json(run.final)["pc"]["p1"] == ("upd_write" if reads_done == 4 else "upd_collect")
    run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p2"), avoid=p1_step)
    run = then(m, run, deliver("p1", "p2", "NOTIFY"))
    j = m.state_json(run.final)
    u = "p1,⟨false, false, false, true⟩"  # ws(Init ∪ {+4}) at p1
    assert j["pc"]["p1"] == "top" and j["owed"][u] == {"rm_p1": False, "rm_p2": False, "rm_p3": True, "add_p4": False}
    assert j["owed_k"][u] == reads_done
    run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p1"))
    pcs = [m.state_json(s)["pc"]["p1"] for s in run.states]
    assert "flush" in pcs and (("flush_collect" in pcs) is (reads_done < 4))
    final = m.state_json(run.final)
    assert final["owed"][u] is None
    assert final["mem"]["⟨false, false, false, true⟩,p1"] == j["owed"][u]
    holds_everywhere(m, run)


def test_figure_1b_a_crashed_reconfiguration_and_a_later_read() -> None:
    """Fig. 1(b) (Section 5): Init = {1,2,3}, c = {+4}; p1's reconfig(c) installs its edge in
    ws(Init) (its update took effect) and p1 crashes — allowed by (A1): 1 of the 4 counted
    processes, < 3/2. p2 writes v1 while p3 reads concurrently; after the write completed, p3
    reads again and must return v1 (the only value atomicity allows). Every check holds."""
    m = machine(sc(processes=4, init=3, values=1, max_ops=4, reconfigs=1, crashes=1, capacity=12))
    run = run_script(m, ["reconfig(p=p1,c=+p4)", "traverse_top(p=p1", *["ws_read(p=p1)"] * 4, "ws_write(p=p1)"])
    run = then(m, run, "crash(p=p1)", "write(p=p2,v=v1)", "read(p=p3)")
    run = drive(m, run, lambda lab: lab.startswith("write_return(p=p2"))
    run = drive(m, run, lambda lab: lab.startswith("read_return(p=p3"))
    run = then(m, run, "read(p=p3)")
    run = drive(m, run, lambda lab: lab.startswith("read_return(p=p3"))
    events = history(run)
    assert events[-1] == ("read-return", {"p": "p3", "v": "v1"})
    assert ("crash", {"p": "p1"}) in events and ("reconfig-return", {"p": "p1"}) not in events
    assert m.state_json(run.final)["cur"]["p3"]["add_p4"]  # p3 works in c2 = Init ∪ {+4}
    holds_everywhere(m, run)
