"""Seeded bugs in DynaStore, Algorithms 1-3 (``impl/dynastore/bugs.py``): each wrong variant is
caught by a check of ``specs/dynastore/monitors.py`` — by exhaustive exploration where a small scope
shows it (the shortest counterexample's length pinned, the base machine holding at the same scope),
else by a scripted run of the scenario the bug breaks (the run's length pinned, and the same run on
the base machine passing). ``docs/dynastore-seeded-bugs.md`` has the table these tests pin."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from dynastore_runs import drive, failing, labels_enabled, then

import ioakit.specs.dynastore  # noqa: F401  (registers the dynastore machines)
from ioakit.engines.explore import Explorer, ExploreReport
from ioakit.impl.dynastore.bugs import BASE_OF, SEEDED_BUGS
from ioakit.impl.net.script import ScriptRun, deliver, run_script
from ioakit.lang.automaton import Machine
from ioakit.registry import default_properties, get_spec, machine_classes, paper_of
from ioakit.results import Verdict

WS, DS = "weak-snapshot-alg1", "dynastore"
DOC = Path(__file__).resolve().parents[2] / "docs" / "dynastore-seeded-bugs.md"
Scope = tuple[tuple[str, int], ...]


def sc(**kw: int) -> Scope:
    return tuple(sorted(kw.items()))


W3 = sc(processes=3, values=2, max_ops=3, crashes=0)
W4 = sc(processes=3, values=2, max_ops=4, crashes=0)
RW = sc(processes=2, init=2, values=1, max_ops=2, reconfigs=0, crashes=0)
ADD = sc(processes=2, init=1, values=1, max_ops=2, reconfigs=1, crashes=0)
SEQ = sc(processes=1, init=1, values=2, max_ops=3, reconfigs=0, crashes=0)
REMOVE3 = sc(processes=3, init=3, values=0, max_ops=1, reconfigs=1, crashes=0)


@functools.cache
def machine(name: str, scope: Scope) -> Machine:
    return get_spec(name).build(dict(scope))


@functools.cache
def explore(name: str, scope: Scope) -> ExploreReport:
    m = machine(name, scope)
    return Explorer(m).check(default_properties(m)).run()


def violated(r: ExploreReport) -> dict[str, int]:
    return {x.name: len(x.counterexample) for x in r.results if x.counterexample is not None}


EXPLORE_CATCHES = [
    (f"{WS}-bug-always-write", W3, {"mem_once": 11}),
    (f"{WS}-bug-one-collect", W4, {"pr4": 21}),
    (f"{WS}-bug-collect-majority", W3, {"pr2": 9, "mem_once": 9}),
    (f"{WS}-bug-skip-own", W3, {"pr2": 11, "pr3": 19, "mem_once": 11}),
    (f"{WS}-bug-no-bottom-test", W3, {"pr1": 8}),
    (f"{DS}-bug-replica-no-store", RW, {"linearizable": 38, "stale_read": 38, "ats_order": 38}),
    (f"{DS}-bug-skip-update", ADD, {"ds1_front": 12}),
    (f"{DS}-bug-same-timestamp", SEQ, {"ats_order": 23, "ds9_ts_pairing": 18}),
    (f"{DS}-bug-vmax-start", SEQ, {"linearizable": 12, "read_integrity": 12}),
    pytest.param(f"{DS}-bug-no-halt", REMOVE3, {"ds3_member": 19}, marks=pytest.mark.slow),
]

NOT_CAUGHT_SMALLER = [
    (f"{WS}-bug-one-collect", W3),  # two non-empty disjoint scans need two updates and two scans
]


def _ids(x: object) -> str:
    if isinstance(x, tuple):
        return ",".join(f"{k}={v}" for k, v in x)
    if isinstance(x, dict):
        return "-"
    return str(x).split("-bug-")[-1]


def test_every_seeded_bug_is_registered_and_documented() -> None:
    names = [c.name for c in SEEDED_BUGS]
    assert len(names) == len(set(names)) >= 6
    classes = machine_classes()
    rows = set(re.findall(r"(?m)^\| `([a-z0-9-]+)` \|", DOC.read_text(encoding="utf-8")))
    for cls in SEEDED_BUGS:
        base = BASE_OF[cls.name]
        assert classes[cls.name] is cls and paper_of(cls.name) is paper_of(base) is not None
        assert cls.name.startswith(f"{base}-bug-") and issubclass(cls, type(get_spec(base)))
        assert cls.source.startswith("SEEDED BUG (ours, not the paper's)")
        assert (cls.__doc__ or "").startswith("SEEDED BUG") and "line" in (cls.__doc__ or "")
        assert cls.name in rows, f"{cls.name} has no row in {DOC.name}"


@pytest.mark.parametrize(("name", "scope", "expected"), EXPLORE_CATCHES, ids=_ids)
def test_exploration_catches_the_variant_and_the_base_holds(name: str, scope: Scope, expected: dict[str, int]) -> None:
    r = explore(name, scope)
    assert r.complete and r.verdict is Verdict.VIOLATED
    assert violated(r) == expected
    base = explore(BASE_OF[name], scope)
    assert base.complete and base.verdict is Verdict.OK


@pytest.mark.parametrize(("name", "scope"), NOT_CAUGHT_SMALLER, ids=_ids)
def test_not_caught_at_the_next_smaller_scope(name: str, scope: Scope) -> None:
    r = explore(name, scope)
    assert r.complete and r.verdict is Verdict.OK


# -- scripted counterexamples (scopes too large to explore in a test) ------------------------------


PICK_RUN = 96
"""Steps of the driven run of the pick-not-cleared test (the write returns at the last)."""
S3 = sc(processes=3, init=3, values=1, max_ops=3, reconfigs=1, crashes=0, capacity=10)


def inversion_script(m: Machine) -> ScriptRun:
    """p1's write(v1) reaches p2 only; p2 reads {p2, p3} and returns v1; p3 then reads {p3, p1},
    which hold ⊥ — unless p2's read wrote v1 back to a majority (line 42)."""
    run = run_script(m, ["write(p=p1,v=v1)", "traverse_top(p=p1", *["ws_read(p=p1)"] * 3])
    run = then(m, run, deliver("p1", "p1", "REQ"), deliver("p2", "p1", "REQ"))
    run = then(m, run, "recv_REPLY(q=p1,j=p1", "recv_REPLY(q=p1,j=p2", "contactq_done(p=p1)")
    run = then(m, run, *[deliver("p2", "p1", "REQ")])  # p2 stores (v1, ts); p1 and p3 do not yet
    run = then(m, run, "read(p=p2)", "traverse_top(p=p2", *["ws_read(p=p2)"] * 3)
    run = then(m, run, *[deliver("p2", "p2", "REQ"), deliver("p3", "p2", "REQ")])
    run = then(m, run, "recv_REPLY(q=p2,j=p2", "recv_REPLY(q=p2,j=p3", "contactq_done(p=p2)")
    return run


def test_no_write_back_gives_a_new_old_inversion() -> None:
    """``dynastore-bug-no-write-back``: the scenario of ``inversion_script``; p2's read returns v1
    without writing it back, p3's later read returns ⊥: new-old inversion (and Lemma 5.17's ats
    order). On the base machine p2's read writes v1 back first, and nothing fails."""
    name = f"{DS}-bug-no-write-back"
    m = machine(name, S3)
    run = inversion_script(m)
    run = then(m, run, *["ws_read(p=p2)"] * 3)  # WriteInView's scan (line 43), without line 42
    run = then(m, run, *[deliver("p2", "p2", "NOTIFY"), deliver("p3", "p2", "NOTIFY")])
    run = then(m, run, "recv_NOTIFY(q=p2,j=p3", "read_return(p=p2,v=v1)")
    run = then(m, run, "read(p=p3)", "traverse_top(p=p3", *["ws_read(p=p3)"] * 3)
    run = then(m, run, *[deliver("p3", "p3", "REQ"), deliver("p1", "p3", "REQ")])
    run = then(m, run, "recv_REPLY(q=p3,j=p3", "recv_REPLY(q=p3,j=p1", "contactq_done(p=p3)")
    run = then(m, run, *["ws_read(p=p3)"] * 3, "recv_NOTIFY(q=p3,j=p3", "read_return(p=p3,v=⊥)")
    assert failing(m, [run.final]) == {"linearizable", "new_old_inversion", "ats_order"}
    assert len(run) == 43
    base = machine(DS, S3)
    brun = inversion_script(base)
    # the base machine's read writes back (line 42) instead: REQ-W messages with v1 to the members
    assert any(lab.startswith("recv_REQ(q=p3,j=p2") and "wr=true" in lab for lab in labels_enabled(base, brun))
    assert failing(base, brun.states) == set()


def test_pick_not_cleared_picks_two_timestamps() -> None:
    """``dynastore-bug-pick-not-cleared``: p1's write picks its timestamp in WriteInView(Init) (line
    40); p2's reconfig({−3}) has installed an edge from Init meanwhile, so the scan of line 43 finds
    it and the traversal goes on to Init ∪ {−3}, where WriteInView runs again: line 40 runs twice
    (DS8). The base machine, driven the same way, passes every check."""
    lengths: dict[str, int] = {}
    # DS9 too: v1 travels with two timestamps, and replicas that stored the first hold a stale pair
    for name, bad in ((f"{DS}-bug-pick-not-cleared", {"ds8_one_timestamp", "ds9_ts_pairing"}), (DS, set())):
        m = machine(name, S3)
        run = run_script(m, ["write(p=p1,v=v1)", "traverse_top(p=p1", *["ws_read(p=p1)"] * 3])
        run = then(m, run, *[deliver("p1", "p1", "REQ"), deliver("p2", "p1", "REQ")])
        run = then(m, run, "recv_REPLY(q=p1,j=p1", "recv_REPLY(q=p1,j=p2", "contactq_done(p=p1)")
        run = then(m, run, "reconfig(p=p2,c=-p3)", "traverse_top(p=p2", *["ws_read(p=p2)"] * 3, "ws_write(p=p2)")
        run = drive(m, run, lambda lab: lab.startswith("write_return(p=p1"))
        assert failing(m, run.states) == bad, name
        lengths[name] = len(run)
    assert lengths == {f"{DS}-bug-pick-not-cleared": PICK_RUN, DS: PICK_RUN}


INIT3 = "w=⟨false, false, false⟩"
"""How a NOTIFY of Init shows in a label, at processes=3, init=3 (no change of C in it)."""


def test_adopt_any_view_goes_back_to_an_older_view() -> None:
    """``dynastore-bug-adopt-any-view``: p1 reads in Init and returns once p1 and p2 got its
    ⟨NOTIFY, Init⟩; p3 has not received it yet. p3's reconfig({−1}) moves p3 to Init ∪ {−1} (line
    65). The late ⟨NOTIFY, Init⟩ then reaches p3 for the first time: line 93's ``curView_3 ⊂ Init``
    is false, but the variant's ``curView_3 ≠ Init`` is true, and curView_3 shrinks (DS7). The base
    machine, driven the same way, passes every check."""
    for name, bad in ((f"{DS}-bug-adopt-any-view", {"ds7_cur_grows"}), (DS, set())):
        m = machine(name, sc(processes=3, init=3, values=0, max_ops=2, reconfigs=1, crashes=0, capacity=10))
        run = run_script(m, ["read(p=p1)"])
        late = lambda lab: lab.startswith("recv_NOTIFY(q=p3") and INIT3 in lab  # noqa: E731
        run = drive(m, run, lambda lab: lab.startswith("read_return(p=p1"), avoid=late)
        run = then(m, run, "reconfig(p=p3,c=-p1)")
        run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p3"), avoid=late)
        run = then(m, run, deliver("p3", "p1", "NOTIFY"))
        assert failing(m, run.states) == bad, name
        assert m.state_json(run.final)["cur"]["p3"]["rm_p1"] is (not bad)


def test_update_whole_view_overlaps_w() -> None:
    """``dynastore-bug-update-whole-view``: from Init = {p1}, p1's reconfig({+2}) completes; its
    reconfig({+3}) then traverses from Init ∪ {+2} ≠ desiredView and updates ws(Init ∪ {+2}) with
    the whole desired view, which overlaps w (Lemma 5.3, DS2). The base machine passes the run."""
    lengths: dict[str, int] = {}
    for name, bad in ((f"{DS}-bug-update-whole-view", {"ds2_update"}), (DS, set())):
        m = machine(name, sc(processes=3, init=1, values=0, max_ops=2, reconfigs=2, crashes=0))
        run = run_script(m, ["reconfig(p=p1,c=+p2)"])
        run = drive(m, run, lambda lab: lab.startswith("reconfig_return(p=p1"))
        run = then(m, run, "reconfig(p=p1,c=+p3)")
        run = drive(m, run, lambda lab: lab.startswith("ws_write(p=p1"))
        assert failing(m, run.states) == bad, name
        lengths[name] = len(run)
    assert lengths[DS] == lengths[f"{DS}-bug-update-whole-view"] == 44
