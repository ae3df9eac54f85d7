"""Steps cut off by the scope's bounds are never silent (``ioakit.engines.bounds``).

The fixture is ``tests/models/token_ring.py``: at its default scope the pass p2 → p3 would make
the counter ``passes`` leave its bound 0..1, so "p3 never enters its critical section" — false
in the ring — holds in every state of the *bounded* machine. Every command must say
INCOMPLETE / UNKNOWN (exit 3), naming the action, the variable and the bound, unless the bound
hits are accepted explicitly; the shipped paper machines never hit their bounds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from models.token_ring import P3_NEVER_CRITICAL, StuckRing, TokenRing

from ioakit import testing
from ioakit.cli import main
from ioakit.engines.explore import Explorer, Property
from ioakit.engines.prove import Prover
from ioakit.invariants import check_invariants, load_invariants
from ioakit.lang.ir import const
from ioakit.refinement.trace_equiv import compare_traces
from ioakit.registry import get_spec, invariant_file
from ioakit.results import Verdict

RING = str(Path(__file__).resolve().parents[1] / "models" / "token_ring.py")
TOKEN_RING, STUCK_RING = f"{RING}:TokenRing", f"{RING}:StuckRing"
CUT = "pass_token(p=p2) would set passes to 2, outside its bound 0..1"

INDUCTIVE_IN_THE_BOUNDED_RING = """machine token-ring

invariant token_position "where the token can be":
  "p1 with no pass made, or p2 after one"
  (holder == p1 and passes == 0) or (holder == p2 and passes == 1)

invariant p3_never_critical "false in the ring, hidden by the bound":
  "p3 never enters its critical section"
  not (p3 in critical)
"""


@pytest.fixture
def ring():
    return TokenRing().build({})


def p3_never_critical(m):
    P = m.decl.types["P"]
    p3 = const(P, P.domain.index("p3"))
    return Property("p3_never_critical", m.predicate(lambda s: ~s.critical.contains(p3)))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def inv_files(tmp_path):
    a = tmp_path / "p3.inv"
    a.write_text(P3_NEVER_CRITICAL)
    b = tmp_path / "inductive.inv"
    b.write_text(INDUCTIVE_IN_THE_BOUNDED_RING)
    return str(a), str(b)


# -- the library -----------------------------------------------------------------------------------


def test_explore_is_incomplete_and_names_action_variable_and_bound(ring):
    r = Explorer(ring).check([p3_never_critical(ring)]).run()
    assert r.verdict is Verdict.INCOMPLETE and not r.complete
    assert r.result("p3_never_critical").verdict is Verdict.INCOMPLETE
    hit = r.first_bound_hit
    assert (hit.action, hit.variable, hit.bound, hit.value) == ("pass_token(p=p2)", "passes", "0..1", "2")
    assert hit.state == {"holder": "p2", "passes": 1, "critical": []}
    assert CUT in r.reason
    j = r.to_json()
    assert j["complete"] is False and j["bound_hits"] == 1 and j["bound_hits_allowed"] is False
    assert j["first_bound_hit"]["variable"] == "passes"


def test_explore_accepting_bound_hits_is_ok_about_the_bounded_machine(ring):
    r = Explorer(ring).check([p3_never_critical(ring)]).allow_bound_hits().run()
    assert r.verdict is Verdict.OK
    j = r.to_json()
    assert j["complete"] is False and j["bound_hits_allowed"] is True and "accepted" in j["reason"]


def test_a_bound_wide_enough_is_complete_and_finds_the_violation():
    m = TokenRing().build({"max_passes": 2})
    r = Explorer(m).check([p3_never_critical(m)]).run()
    assert r.verdict is Verdict.VIOLATED  # p3 gets the token after two passes and enters


def test_check_invariants_is_incomplete(ring, inv_files):
    rep = check_invariants(ring, load_invariants(Path(inv_files[0]), ring))
    assert rep.verdict is Verdict.INCOMPLETE and rep.exit_code == 3
    assert rep.outcome("p3_never_critical").status == "incomplete"
    assert rep.to_json()["complete"] is False


def test_simulation_is_incomplete(ring):
    r = Explorer(ring).check([p3_never_critical(ring)]).simulate(steps=10, runs=5, seed=1)
    assert r.verdict is Verdict.INCOMPLETE and r.bound_hits > 0
    assert r.first_bound_hit.describe() == CUT
    assert r.to_json()["complete"] is False
    ok = Explorer(ring).check([p3_never_critical(ring)]).allow_bound_hits().simulate(steps=10, runs=5, seed=1)
    assert ok.verdict is Verdict.OK and ok.to_json()["bound_hits_allowed"] is True


def test_compare_of_two_different_rings_is_not_equal():
    left, right = TokenRing().build({}), StuckRing().build({})
    r = compare_traces(left, right)
    assert r.equivalent  # the bounded machines have the same traces ...
    assert r.verdict is Verdict.INCOMPLETE  # ... but the rings are not shown equal
    assert CUT in r.reason and r.to_json()["verdict"] == "INCOMPLETE"
    assert compare_traces(left, right, allow_bound_hits=True).verdict is Verdict.OK


def test_compare_without_cuts_is_decided():
    r = compare_traces(get_spec("VS-machine").build({}), get_spec("WeakVS-machine").build({}))
    assert r.verdict is Verdict.OK and r.left_bound_hits == r.right_bound_hits == 0


def test_induction_is_unknown_when_a_step_from_an_invariant_state_is_cut(ring):
    props = list(load_invariants_text(ring, INDUCTIVE_IN_THE_BOUNDED_RING).properties)
    r = Prover(ring).induction(props)
    assert r.verdict is Verdict.UNKNOWN and r.invariants_verdict is Verdict.UNKNOWN
    assert r.cut_possible and r.bound_hit is not None and r.bound_hit.variable == "passes"
    assert Prover(ring, allow_bound_hits=True).induction(props).invariants_verdict is Verdict.OK


def test_bmc_is_unknown_beyond_the_first_cut(ring):
    b = Prover(ring).bmc([p3_never_critical(ring)], 6)
    assert b.verdict is Verdict.UNKNOWN and b.cut_possible
    item = b.items[0]
    assert item.verdict is Verdict.UNKNOWN and item.depth == 1  # the cut is from a state at depth 1
    assert "passes" in item.reason and "0..1" in item.reason
    assert Prover(ring, allow_bound_hits=True).bmc([p3_never_critical(ring)], 6).verdict is Verdict.OK


def test_pytest_helpers_fail_as_incomplete(ring):
    with pytest.raises(AssertionError, match="incomplete"):
        testing.assert_invariants(ring, [p3_never_critical(ring)])
    testing.assert_invariants(ring, [p3_never_critical(ring)], allow_bound_hits=True)
    with pytest.raises(AssertionError, match="incomplete"):
        testing.assert_trace_equivalent(ring, StuckRing().build({}))
    testing.assert_trace_equivalent(ring, StuckRing().build({}), allow_bound_hits=True)


def load_invariants_text(m, text):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".inv", delete=False) as f:
        f.write(text)
    return load_invariants(Path(f.name), m)


# -- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", TOKEN_RING],
        ["simulate", TOKEN_RING, "--runs", "5", "--steps", "10"],
        ["compare", TOKEN_RING, STUCK_RING],
        ["refine", TOKEN_RING, STUCK_RING],
        ["check", TOKEN_RING, "P3"],
        ["prove", TOKEN_RING, "IND", "--induction"],
        ["prove", TOKEN_RING, "P3", "--bmc", "6"],
        ["prove", TOKEN_RING, "IND", "--table", "--bmc", "4"],
    ],
    ids=["explore", "simulate", "compare", "refine", "check", "prove-induction", "prove-bmc", "prove-table"],
)
def test_every_command_is_incomplete_or_unknown_exit_3(capsys, inv_files, argv):
    argv = [{"P3": inv_files[0], "IND": inv_files[1]}.get(a, a) for a in argv]
    code, out, _ = run(capsys, *argv)
    assert code == 3, out
    assert "INCOMPLETE" in out or "UNKNOWN" in out
    assert "pass_token(p=p2)" in out and "passes" in out and "0..1" in out
    code, out, _ = run(capsys, *argv, "--json")
    j = json.loads(out)
    assert code == 3 and j["verdict"] in ("INCOMPLETE", "UNKNOWN")
    assert j.get("complete") is not True and all(c.get("complete") is not True for c in j.get("checks", []))
    code, out, _ = run(capsys, *argv, "--allow-bound-hits")
    assert code == 0, out
    if argv[0] != "prove":
        assert "BOUND HITS ACCEPTED" in out
    code, out, _ = run(capsys, *argv, "--allow-bound-hits", "--json")
    assert code == 0 and '"bound_hits_allowed": true' in out


# -- the shipped machines never hit their bounds -----------------------------------------------------


@pytest.mark.parametrize("machine", ["TO-machine", "VS-machine", "WeakVS-machine"])
def test_shipped_machines_cut_nothing_at_their_default_scopes(machine):
    from ioakit.registry import default_properties

    m = get_spec(machine).build({})
    r = Explorer(m).check(default_properties(m)).run()
    assert r.verdict is Verdict.OK and r.complete and r.bound_hits == 0
    assert Explorer(m).simulate(steps=30, runs=20, seed=0).verdict is Verdict.OK


def test_shipped_lemma_4_1_still_proved_and_bmc_ok():
    m = get_spec("VS-machine").build({})
    props = list(load_invariants(invariant_file("vs_lemma_4_1"), m).properties)
    p = Prover(m)
    ind = p.induction(props)
    assert ind.invariants_verdict is Verdict.OK and not ind.cut_possible
    assert p.bmc(props, 3).verdict is Verdict.OK


def test_execution_enumerations_of_the_lemma_4_2_runs_count_cut_steps(ring):
    from ioakit.traces.fls.machine_runs import Cuts, all_executions, shortest_executions

    cuts = Cuts()
    list(shortest_executions(ring, cuts))
    assert cuts.count == 1 and cuts.first.describe() == CUT
    deep = Cuts()
    list(all_executions(ring, 4, deep))
    assert deep.count > 0 and deep.first.variable == "passes"


def test_main_job_never_calls_a_job_that_cut_steps_ok():
    from ioakit.papers import JobResult, _cut_steps

    ok = JobResult("some check", "a claim", Verdict.OK, "all hold", 0.1, {"bound_hits": 3})
    assert _cut_steps(ok).verdict is Verdict.INCOMPLETE
    both = JobResult("compare", "a claim", Verdict.OK, "same", 0.1, {"bound_hits": {"left": 0, "right": 2}})
    assert _cut_steps(both).verdict is Verdict.INCOMPLETE
    clean = JobResult("some check", "a claim", Verdict.OK, "all hold", 0.1, {"bound_hits": 0})
    assert _cut_steps(clean).verdict is Verdict.OK


# -- a difference that only the specification's cut produces is not a violation ---------------------

COUNTERS = str(Path(__file__).resolve().parents[1] / "models" / "counters.py")


def test_inclusion_missing_only_from_a_cut_specification_is_incomplete_not_violated(capsys):
    """BigCounter ticks 3 times; Counter's bound 0..1 cuts its second tick: the missing trace
    tick·tick is an artefact of the cut. refine, the main job's inclusion job and the pytest
    helper must say INCOMPLETE (exit 3), and VIOLATED only when the cut is accepted."""
    from ioakit.papers import trace_inclusion_job

    big, small = f"{COUNTERS}:BigCounter", f"{COUNTERS}:Counter"
    code, out, _ = run(capsys, "refine", big, small)
    assert code == 3 and "INCOMPLETE" in out and "VIOLATED" not in out and "tick() would set n to 2" in out
    assert "not a violation: the cut steps may allow it" in out
    code, out, _ = run(capsys, "refine", big, small, "--allow-bound-hits")
    assert code == 1 and out.startswith("VIOLATED — BigCounter does NOT refine Counter")
    r = compare_traces(get_spec(big).build({}), get_spec(small).build({}))
    assert r.inclusion_verdict is Verdict.INCOMPLETE and not r.left_in_right
    assert trace_inclusion_job(big, {}, small, {}, "inclusion", "claim").verdict is Verdict.INCOMPLETE
    with pytest.raises(AssertionError, match="incomplete"):
        testing.assert_trace_inclusion(get_spec(big).build({}), get_spec(small).build({}))
    with pytest.raises(AssertionError, match="does not allow"):
        testing.assert_trace_inclusion(get_spec(big).build({}), get_spec(small).build({}), allow_bound_hits=True)
    # the other direction is real inclusion: every trace of Counter (cut) is one of BigCounter; but
    # Counter cut steps, so it is INCOMPLETE, never OK
    r = compare_traces(get_spec(small).build({}), get_spec(big).build({}))
    assert r.left_in_right and r.inclusion_verdict is Verdict.INCOMPLETE
