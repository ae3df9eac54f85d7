"""``ioakit.engines.quiescence``: liveness at quiescence over every execution of a scope — the
conclusions in every state with no locally controlled step enabled, and no cycle of such steps.
Each verdict is produced by a model built for it; DynaStore's Definition 3.2 holds at small scopes
and two seeded liveness bugs are caught."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ioakit.engines.explore import Property
from ioakit.engines.quiescence import _find_cycle, check_quiescence
from ioakit.lang.automaton import Decl, Scope, Spec, input, internal, output
from ioakit.lang.types import BoolT, IntT
from ioakit.registry import get_spec, liveness_conclusions
from ioakit.results import Verdict


class Server(Spec):
    """A request (input) is served by an internal step and answered (output). ``loops`` adds a
    pair of internal steps that toggle a flag for ever; ``lazy`` makes the answer need a flag that
    nothing sets (the request stays pending in a quiescent state)."""

    name = "quiescence-server"
    source = "ours"
    loops = False
    lazy = False

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("asked", IntT(0, 2), 0)
        d.var("pending", BoolT(), False)
        d.var("served", BoolT(), False)
        d.var("flag", BoolT(), False)
        return d

    @input()
    def request(self, s):
        s.assume(~s.pending & (s.asked < 2))  # the environment: one request at a time, two in all
        s.asked = s.asked + 1
        s.pending = True

    @internal()
    def serve(self, s):
        s.require(s.pending & ~s.served)
        if self.lazy:
            s.require(s.flag)
        s.served = True

    @output()
    def answer(self, s):
        s.require(s.served)
        s.pending = False
        s.served = False

    @internal()
    def toggle(self, s):
        s.require(ir_bool(self.loops))
        s.flag = ~s.flag


def ir_bool(b: bool):
    from ioakit.lang import ir

    return ir.TRUE if b else ir.FALSE


def done(m) -> list[Property]:
    return [Property("no_pending", m.predicate(lambda s: ~s.pending), "ours", "no request is pending")]


def build(**kw) -> object:
    cls = type("S", (Server,), kw)
    return cls().build({})


def test_ok_when_every_quiescent_state_is_done_and_no_cycle() -> None:
    m = build()
    r = check_quiescence(m, done(m))
    assert r.verdict is Verdict.OK, r.show()
    assert (r.states, r.quiescent) == (7, 3)  # asked = 0, 1, 2, nothing pending


def test_a_request_left_pending_at_quiescence_is_violated_with_a_shortest_run() -> None:
    m = build(lazy=True)
    r = check_quiescence(m, done(m))
    assert r.verdict is Verdict.VIOLATED and r.failed == ("no_pending",)
    assert r.counterexample is not None and r.counterexample.labels() == ["request()"]
    assert "no_pending fails in a quiescent state" in r.show()


def test_a_cycle_of_locally_controlled_steps_is_unknown_with_its_lasso() -> None:
    m = build(loops=True)
    r = check_quiescence(m, done(m))
    assert r.verdict is Verdict.UNKNOWN and r.lasso is not None
    stem, cycle = r.lasso
    assert cycle.labels() == ["toggle()", "toggle()"]
    assert cycle.start == stem.final and cycle.final == stem.final  # round and back to the stem's end
    assert json.loads(json.dumps(r.to_json()))["lasso"]["cycle"]


def test_an_environment_that_can_act_for_ever_is_unknown() -> None:
    """A cycle through an input: no last input, so quiescence says nothing about those runs."""

    class Chatty(Server):
        name = "quiescence-chatty"

        @input()
        def ping(self, s):
            s.flag = ~s.flag

    m = Chatty().build({})
    r = check_quiescence(m, done(m))
    assert r.verdict is Verdict.UNKNOWN and r.lasso is not None
    assert set(r.lasso[1].labels()) == {"ping()"}


def test_max_states_and_a_cut_step_are_incomplete_never_ok() -> None:
    m = build()
    assert check_quiescence(m, done(m), max_states=3).verdict is Verdict.INCOMPLETE

    class Bounded(Server):
        name = "quiescence-bounded"

        def declare(self, sc: Scope) -> Decl:
            d = super().declare(sc)
            d.var("count", IntT(0, 1), 0)
            return d

        @output()
        def answer(self, s):
            s.require(s.served)
            s.pending = False
            s.served = False
            s.count = s.count + 1  # the second answer leaves the bound: cut off

    mb = Bounded().build({})
    r = check_quiescence(mb, done(mb))
    assert r.verdict is Verdict.INCOMPLETE and "cut off" in (r.reason or "")


def test_find_cycle() -> None:
    assert _find_cycle([(1,), (2,), ()]) is None
    assert _find_cycle([(1,), (2,), (1,)]) == [1, 2]
    assert _find_cycle([(0,)]) == [0]


# -- DynaStore: Definition 3.2 (Theorem 5.28) ------------------------------------------------------

ADD = {"processes": 2, "init": 1, "values": 1, "max_ops": 2, "reconfigs": 1, "crashes": 0}


@pytest.mark.parametrize(
    ("name", "verdict", "failed", "length"),
    [
        ("dynastore", Verdict.OK, (), None),
        ("dynastore-bug-no-forward", Verdict.VIOLATED, ("ops_complete",), 30),
        ("dynastore-bug-no-enable", Verdict.VIOLATED, ("enabled_when_added",), 34),
    ],
)
def test_dynastore_liveness_and_its_seeded_liveness_bugs(name, verdict, failed, length) -> None:
    m = get_spec(name).build(ADD)
    conclusions = liveness_conclusions(m)
    assert conclusions is not None
    r = check_quiescence(m, conclusions)
    assert (r.verdict, r.failed) == (verdict, failed), r.show()
    if length is not None:
        assert r.counterexample is not None and len(r.counterexample) == length


def test_cli_liveness_exit_codes_and_refusals(tmp_path) -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ioakit", *argv], capture_output=True, text=True, timeout=300)

    ok = run("explore", "dynastore", "--liveness", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["verdict"] == "OK"
    bad = run("explore", "dynastore-bug-no-enable", "--liveness")
    assert bad.returncode == 1 and "enabled_when_added fails" in bad.stdout
    none = run("explore", "TO-machine", "--liveness")
    assert none.returncode == 2 and "no shipped liveness conclusions" in none.stderr and "Traceback" not in none.stderr
    junit = tmp_path / "live.xml"
    run("explore", "dynastore-bug-no-enable", "--liveness", "--junit", str(junit))
    xml = junit.read_text()
    assert 'name="enabled_when_added"' in xml and 'name="ops_complete"' in xml
    failing = [case for case in xml.split("<testcase")[1:] if "<failure" in case]
    assert len(failing) == 1 and 'name="enabled_when_added"' in failing[0]
    mixed = run("explore", "dynastore", "--liveness", "--symmetry")
    assert mixed.returncode == 2 and "--symmetry" in mixed.stderr


def test_cli_liveness_with_conclusions_from_an_invariant_file(tmp_path) -> None:
    """A user's own model has no shipped conclusions: ``--liveness FILE`` takes them from an
    invariant file (its ``invariant`` items; ``step`` items are refused)."""
    model = tmp_path / "server.py"
    model.write_text(
        "from ioakit.lang.automaton import Decl, Scope, Spec, input, internal, output\n"
        "from ioakit.lang.types import BoolT, IntT\n\n\n"
        "class Server(Spec):\n"
        "    name = 'my-server'\n"
        "    source = 'ours'\n"
        "    LIMIT = 9\n\n"
        "    def declare(self, sc: Scope) -> Decl:\n"
        "        d = Decl()\n"
        "        d.var('asked', IntT(0, 3), 0)\n"
        "        d.var('pending', BoolT(), False)\n"
        "        return d\n\n"
        "    @input()\n"
        "    def request(self, s):\n"
        "        s.assume(~s.pending & (s.asked < 3))\n"
        "        s.asked = s.asked + 1\n"
        "        s.pending = True\n\n"
        "    @output()\n"
        "    def answer(self, s):\n"
        "        s.require(s.pending & (s.asked < self.LIMIT))\n"
        "        s.pending = False\n\n\n"
        "class Stuck(Server):\n"
        "    name = 'my-server-stuck'\n"
        "    LIMIT = 2\n"
    )
    conclusions = tmp_path / "done.inv"
    conclusions.write_text('machine my-server, my-server-stuck\n\ninvariant answered "answered":\n  not pending\n')

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ioakit", *argv], capture_output=True, text=True, timeout=300)

    ok = run("explore", f"{model}:Server", "--liveness", str(conclusions))
    assert ok.returncode == 0 and "OK — every fair execution ends in a quiescent state" in ok.stdout, ok.stdout
    stuck = run("explore", f"{model}:Stuck", "--liveness", str(conclusions), "--json")
    j = json.loads(stuck.stdout)
    assert stuck.returncode == 1 and j["failed"] == ["answered"] and len(j["counterexample"]["steps"]) == 3
    steps = tmp_path / "steps.inv"
    steps.write_text("machine my-server\n\nstep grows:\n  asked' >= asked\n")
    refused = run("explore", f"{model}:Server", "--liveness", str(steps))
    assert refused.returncode == 2 and "not conclusions" in refused.stderr and "Traceback" not in refused.stderr


def test_weak_snapshot_pr5_holds_and_a_wait_for_all_variant_breaks_it() -> None:
    """PR5 (Section 4) at quiescence: Algorithm 1 terminates with one crash of three; a variant
    whose registers wait for every process (not a majority: ABD's liveness condition strengthened)
    leaves an operation pending once one process crashed — VIOLATED. A budget of two crashes adds
    runs where no majority survives (PR5 promises nothing there) but keeps the one-crash runs: the
    same shortest violation."""
    from ioakit.impl.dynastore.weak_snapshot import WeakSnapshotAlg1
    from ioakit.lang import ir
    from ioakit.specs.dynastore.monitors import snapshot_liveness

    class WaitForAll(WeakSnapshotAlg1):
        name = "weak-snapshot-wait-for-all"

        def majority_up(self, s):
            return ir.And(*[s.up[q] for q in self._processes()])

    scope = {"processes": 3, "values": 1, "max_ops": 2, "crashes": 1}
    base = get_spec("weak-snapshot-alg1").build(scope)
    assert check_quiescence(base, snapshot_liveness(base)).verdict is Verdict.OK
    m = WaitForAll().build(scope)
    r = check_quiescence(m, snapshot_liveness(m))
    assert r.verdict is Verdict.VIOLATED and r.failed == ("pr5_terminates",)
    assert r.counterexample is not None and "crash" in " ".join(r.counterexample.labels())
    m2 = WaitForAll().build({**scope, "crashes": 2})
    r2 = check_quiescence(m2, snapshot_liveness(m2))
    assert r2.verdict is Verdict.VIOLATED  # one crash still leaves a majority: the same failure
    assert len(r2.counterexample or ()) == len(r.counterexample or ())
