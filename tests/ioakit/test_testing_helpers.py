"""The pytest fixture and assertion helpers users call from their own suites.

Most tests run a *user's* test file with pytest's ``pytester`` (a fresh pytest in a temporary
folder holding the two-phase-commit model of ``docs/your-own-model.md`` and two small models of
our own), and read its outcome and output as the user would: a failure must show the invariant
as written, the violating state and the shortest run, and no frames of ioakit's own code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ioakit import testing
from ioakit.engines.explore import Property
from ioakit.errors import UserError
from ioakit.results import Verdict

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "traces" / "examples"

SAY = '''
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, output
from ioakit.lang.ir import And
from ioakit.lang.types import BoolT, Domain


class Say(Spec):
    """Says one value of V, once (a test model of ours)."""

    name = "Say"
    source = "a test model"
    parameters = (ScopeParam("values", 2, "number of values", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.domain(Domain.numbered("V", sc["values"], "v"))
        d.var("said", BoolT())
        return d

    @output(v="V")
    def say(self, s, v):
        s.require(~s.said)
        s.said = True


class SayFirst(Say):
    """Says only the first value: its traces are some of Say's."""

    name = "SayFirst"

    @output(v="V")
    def say(self, s, v):
        s.require(And(~s.said, v == "v1"))
        s.said = True
'''

COUNTER = '''
from ioakit.lang.automaton import Decl, Scope, Spec, internal
from ioakit.lang.types import IntT


class Counter(Spec):
    """Counts up with no end: its third step leaves the declared range 0..2 (a bound hit)."""

    name = "Counter"
    source = "a test model"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("n", IntT(0, 2))
        return d

    @internal()
    def inc(self, s):
        s.n = s.n + 1
'''

COUNTER_INV = """machine Counter

invariant in_range "ours":
  "The counter stays in its range."
  n <= 2
"""


def _doc_files() -> dict[str, str]:
    text = (ROOT / "docs" / "your-own-model.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```", text, flags=re.S))


@pytest.fixture
def user(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: the tutorial's two-phase commit, Say and Counter, in a temporary folder."""
    files = {**_doc_files(), "say.py": SAY, "counter.py": COUNTER, "counter.inv": COUNTER_INV}
    for name, body in files.items():
        (pytester.path / name).write_text(body, encoding="utf-8")
    return pytester


def _run(user: pytest.Pytester, body: str) -> pytest.RunResult:
    user.makepyfile(test_user=body)
    return user.runpytest_inprocess("-p", "no:cacheprovider", "-q")


def _no_ioakit_frames(out: str) -> None:
    """The failure output shows the user's code, not ioakit's: no frame of the library."""
    for internal in ("ioakit/testing.py", "ioakit/pytest_plugin.py", "invariants/check.py", "engines/prove.py"):
        assert internal not in out, out
    # no traceback entry (``path.py:line: in function``) in any file of the package
    assert not re.search(rf"{re.escape(str(ROOT))}\S*\.py:\d+: in ", out), out
    assert not re.search(r"^(ioakit|invariants|engines|refinement)/\S+\.py:\d+: in ", out, flags=re.M), out


# -- the fixture on shipped machines -----------------------------------------------------------


def test_fixture_checks_lemma_4_1(ioakit):
    m = ioakit.machine("VS-machine", processors=2)
    r = ioakit.assert_invariants(m, ioakit.default_properties(m))
    assert r.states == 2197 and len(r.results) == 14
    r = ioakit.assert_invariants(m, ioakit.invariants(m, "vs_lemma_4_1"))
    assert r.states == 2197 and len(r.results) == 14


def test_check_and_prove_shipped_machines_in_one_line(ioakit):
    r = ioakit.check("VS-machine", "vs_lemma_4_1", scope={"processors": 2})
    assert r.verdict is Verdict.OK and r.complete and r.states == 2197 and len(r.outcomes) == 14
    p = ioakit.prove("VS-machine", "vs_lemma_4_1", support="vs_bounds", bmc=2, induction=True)
    assert p.proved and p.verdict is Verdict.OK
    assert p.bmc is not None and p.bmc.max_depth == 2 and p.induction is not None
    assert p.induction.support == ("vs_conservation",)


def test_false_invariant_fails_with_counterexample(ioakit):
    m = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=1)
    bad = Property("queue_empty", m.predicate(lambda s: s.queue.length == 0))
    with pytest.raises(ioakit.CheckFailed, match="queue_empty violated") as e:
        ioakit.assert_invariants(m, [bad])
    assert "to_order(a=a1,p=p1)" in str(e.value)
    assert e.value.report.verdict is Verdict.VIOLATED


def test_incomplete_check_is_not_a_pass(ioakit):
    m = ioakit.machine("VS-machine")
    with pytest.raises(AssertionError, match="incomplete"):
        ioakit.assert_invariants(m, ioakit.default_properties(m), max_states=50)
    with pytest.raises(AssertionError, match="INCOMPLETE — max-states 50 reached"):
        ioakit.check("VS-machine", "vs_lemma_4_1", max_states=50)
    r = ioakit.check("VS-machine", "vs_lemma_4_1", max_states=50, allow_incomplete=True)
    assert r.verdict is Verdict.INCOMPLETE and r.states == 50


def test_trace_assertions(ioakit):
    small = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=0)
    big = ioakit.machine("TO-machine", processors=1, values=1, max_inputs=1)
    ioakit.assert_trace_inclusion(small, big)
    with pytest.raises(AssertionError, match="bcast"):
        ioakit.assert_trace_inclusion(big, small)
    ioakit.assert_trace_equivalent(ioakit.machine("VS-machine"), ioakit.machine("WeakVS-machine"))
    r = ioakit.refine("VS-machine", "WeakVS-machine")
    assert r.verdict is Verdict.OK and len(r.parts) == 1


def test_recorded_traces(ioakit, tmp_path):
    r = ioakit.assert_trace(EXAMPLES / "vs-machine-execution.jsonl")
    assert r.verdict is Verdict.OK and r.automaton == "VS-machine" and len(r.result.properties) == 5
    with pytest.raises(ioakit.CheckFailed, match=r"no_duplication VIOLATED at event 4: .*not one-to-one"):
        ioakit.assert_trace(EXAMPLES / "vs-machine-duplicate-delivery.jsonl")
    # a leader-election history without its stabilization marker: not judged (UNKNOWN)
    lines = (EXAMPLES / "paxos-leader-figure-3.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    unmarked = tmp_path / "no-marker.jsonl"
    unmarked.write_text("".join(ln for ln in lines if '"stabilize"' not in ln), encoding="utf-8")
    with pytest.raises(ioakit.CheckFailed, match=r"UNKNOWN(.|\n)*allow_unknown=True"):
        ioakit.assert_trace(unmarked)
    assert ioakit.assert_trace(unmarked, allow_unknown=True).verdict is Verdict.UNKNOWN
    with pytest.raises(UserError, match=r"missing\.jsonl"):
        ioakit.assert_trace(tmp_path / "missing.jsonl")


STEPS_INV = """machine TwoPhaseCommit

step decision_stays "ours":
  "Once the TM decided, its decision stays."
  tm != init implies tm' == tm

step rm_fixed "ours (false on purpose)":
  "No RM ever changes state."
  rm' == rm
"""


def test_step_items_are_checked_and_proved_too(tmp_path):
    (tmp_path / "twopc.py").write_text(_doc_files()["twopc.py"], encoding="utf-8")
    (tmp_path / "steps.inv").write_text(STEPS_INV, encoding="utf-8")
    model, inv = f"{tmp_path / 'twopc.py'}:TwoPhaseCommit", tmp_path / "steps.inv"
    assert testing.check(model, inv, only=["decision_stays"], scope={"rms": 2}).verdict is Verdict.OK
    p = testing.prove(model, inv, only=["decision_stays"], scope={"rms": 2})
    assert p.verdict is Verdict.OK and p.steps is not None and p.steps.verdict is Verdict.OK
    with pytest.raises(testing.CheckFailed) as e:
        testing.check(model, inv, only=["rm_fixed"], scope={"rms": 2})
    text = str(e.value)
    assert f"rm_fixed VIOLATED on TwoPhaseCommit at rms=2 (step item of {inv})" in text
    assert "|   rm' == rm" in text and "violating step: the last one of the run, prepare(r=r1)" in text
    # a failed one-step obligation may start in an unreachable state: UNKNOWN, never a pass
    with pytest.raises(testing.CheckFailed) as e:
        testing.prove(model, inv, only=["rm_fixed"], scope={"rms": 2})
    text = str(e.value)
    assert "UNKNOWN — not proved" in text and "step item rm_fixed: its one-step obligation fails" in text
    assert "step counterexample: rm_fixed broken by" in text
    p = testing.prove(model, inv, only=["rm_fixed"], scope={"rms": 2}, allow_unknown=True)
    assert p.verdict is Verdict.UNKNOWN and p.steps is not None and p.steps.verdict is Verdict.VIOLATED


def test_a_z3_timeout_is_unknown_not_a_pass():
    big = {"processors": 3, "initial_members": 3, "view_ids": 3}
    with pytest.raises(testing.CheckFailed) as e:
        testing.prove("VS-machine", "vs_lemma_4_1", scope=big, timeout=0.001, only=["lemma_4_1_1"])
    text = str(e.value)
    assert "UNKNOWN — not proved" in text and "lemma_4_1_1: induction undecided — timeout" in text
    assert "forall g in G: g in created_viewids implies exists! S subset P: (g, S) in created" in text
    p = testing.prove("VS-machine", "vs_lemma_4_1", scope=big, timeout=0.001, only=["lemma_4_1_1"], allow_unknown=True)
    assert p.verdict is Verdict.UNKNOWN and not p.proved


def test_bad_input_is_a_user_error():
    with pytest.raises(UserError, match="no-such-machine"):
        testing.check("no-such-machine", "vs_lemma_4_1")
    with pytest.raises(UserError, match="no invariant named nope"):
        testing.check("VS-machine", "vs_lemma_4_1", only=["nope"])
    m = testing.machine("VS-machine")
    with pytest.raises(UserError, match="already built"):
        testing.machine(m, {"processors": 2})
    with pytest.raises(UserError, match="induction=True or a BMC depth"):
        testing.prove("VS-machine", "vs_lemma_4_1", induction=False)


# -- a user's test suite, run by pytester ------------------------------------------------------


def test_users_passing_checks(user):
    r = _run(
        user,
        """
        def test_twopc(ioakit):
            r = ioakit.check("twopc.py:TwoPhaseCommit", "twopc.inv", scope={"rms": 2})
            assert r.states == 29 and r.complete  # tests/docs: an independent search agrees
            p = ioakit.prove("twopc.py:TwoPhaseCommit", "twopc_inductive.inv", scope={"rms": 2}, bmc=3, induction=True)
            assert p.proved

        def test_refines(ioakit):
            ioakit.refine("say.py:SayFirst", "say.py:Say", scope={"values": 3})
        """,
    )
    r.assert_outcomes(passed=2)


def test_users_violation_shows_invariant_state_and_run(user):
    r = _run(
        user,
        """
        def test_eager(ioakit):
            ioakit.check("twopc.py:EagerCommit", "twopc.inv", scope={"rms": 2}, only=["consistent"])
        """,
    )
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert "test_user.py:2: CheckFailed" in out
    assert "ioakit check EagerCommit at rms=2: 1 of 1 violated: consistent" in out
    # the invariant as written in the file: location, name and reference, description, formula
    assert "twopc.inv:3:" in out
    assert '| invariant consistent "Gray-Lamport, TC consistency":' in out
    assert "|   forall r, q in R: not (rm[r] == committed and rm[q] == aborted)" in out
    # the violating state and the shortest run to it
    state = out[out.index("violating state:") : out.index("shortest run")]
    assert "rm = [r1↦committed, r2↦aborted]" in state and "tm = done_commit" in state
    assert "shortest run (4 steps):" in out
    for step in ("1. prepare(r=r1)", "2. decide_abort(r=r2)", "3. commit()", "4. learn_commit(r=r1)"):
        assert step in out
    _no_ioakit_frames(out)


def test_users_bmc_violation_and_start_state(user):
    r = _run(
        user,
        """
        def test_bmc(ioakit):
            ioakit.prove("twopc.py:EagerCommit", "twopc.inv", scope={"rms": 2}, bmc=4, only=["commit_needs_all"])
        """,
    )
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert "commit_needs_all VIOLATED on EagerCommit at rms=2: BMC found a run of 2 step(s)" in out
    assert "|   tm == done_commit implies forall r in R: r in tm_prepared" in out
    assert "tm = done_commit" in out and "shortest run (2 steps):" in out and "2. commit()" in out
    _no_ioakit_frames(out)


def test_users_not_inductive_is_unknown_unless_allowed(user):
    r = _run(
        user,
        """
        def test_cti(ioakit):
            ioakit.prove("twopc.py:TwoPhaseCommit", "twopc.inv", scope={"rms": 2}, only=["consistent"])

        def test_cti_allowed(ioakit):
            p = ioakit.prove("twopc.py:TwoPhaseCommit", "twopc.inv", scope={"rms": 2}, allow_unknown=True)
            assert not p.proved and p.verdict.value == "UNKNOWN"
        """,
    )
    r.assert_outcomes(failed=1, passed=1)
    out = r.stdout.str()
    assert "UNKNOWN — not proved" in out
    assert "consistent is not inductive: not preserved by decide_abort, learn_commit, learn_abort" in out
    assert "this is not a violation" in out and "CTI: consistent not preserved by" in out
    assert "|   forall r, q in R: not (rm[r] == committed and rm[q] == aborted)" in out
    assert "allow_unknown=True" in out
    _no_ioakit_frames(out)


def test_users_bound_hits_fail_unless_allowed(user):
    r = _run(
        user,
        """
        def test_check(ioakit):
            ioakit.check("counter.py:Counter", "counter.inv")

        def test_prove(ioakit):
            ioakit.prove("counter.py:Counter", "counter.inv", explore_limit=0)

        def test_accepted(ioakit):
            r = ioakit.check("counter.py:Counter", "counter.inv", allow_bound_hits=True)
            assert r.states == 3
            assert ioakit.prove("counter.py:Counter", "counter.inv", allow_bound_hits=True).proved
        """,
    )
    r.assert_outcomes(failed=2, passed=1)
    out = r.stdout.str()
    assert "ioakit check Counter at defaults: INCOMPLETE — " in out and "inc()" in out
    assert "allow_bound_hits=True" in out
    assert "in_range: induction undecided" in out
    assert "allow_bound_hits=True accepts steps cut off by the scope's bounds" in out
    _no_ioakit_frames(out)


def test_users_refinement_failure(user):
    r = _run(
        user,
        """
        def test_refine(ioakit):
            ioakit.refine("say.py:Say", "say.py:SayFirst", scope={"values": 2})
        """,
    )
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert "ioakit refine say.py:Say → say.py:SayFirst at values=2: VIOLATED" in out
    assert 'shortest such trace (1 actions): say{"v": "v2"}' in out
    _no_ioakit_frames(out)


def test_users_input_errors_keep_their_message_without_ioakit_frames(user):
    (user.path / "bad.inv").write_text('machine TwoPhaseCommit\ninvariant x "r":\n  "d"\n  rm[r9] == working\n')
    r = _run(
        user,
        """
        def test_typo(ioakit):
            ioakit.check("twopc.py:TwoPhaseCommitt", "twopc.inv")

        def test_bad_file(ioakit):
            ioakit.check("twopc.py:TwoPhaseCommit", "bad.inv")
        """,
    )
    r.assert_outcomes(failed=2)
    out = r.stdout.str()
    assert "RegistryError" in out and "TwoPhaseCommitt" in out
    # the located message of the invariant language, file:line:col included
    assert "InvariantScopeError: bad.inv:4:6: error: `r9` is not an element of R" in out
    _no_ioakit_frames(out)
