"""The simulator's generated walk (``compile_walk``) against a straightforward walk, and
``simulate(workers=N)`` against one process.

``reference_simulate`` below is the simulator as it was written before the generated walk (each
step: ``successors(s)``, the steps within the bounds, ``randrange`` among them; the invariants
called one by one), with the one change the workers need: run ``i`` draws from its own generator
``run_rng(seed, i)``. The generated walk must take the same runs, step by step, and report the
same counts, bound hits, verdicts and counterexamples."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from models.token_ring import TokenRing
from sigwait import wait_until_running

from ioakit.engines.bounds import diagnose
from ioakit.engines.explore import Execution, Explorer, Property, Verdict, run_rng
from ioakit.engines.steps import StepChecks
from ioakit.lang.automaton import Machine
from ioakit.lang.ir import const, forall
from ioakit.lang.steps import StepProperty, unchanged
from ioakit.registry import default_properties, get_spec


def reference_simulate(ex: Explorer, steps: int, runs: int, seed: int) -> dict[str, Any]:
    m = ex.machine
    succ = m.compiled().successors
    from ioakit.backends.codegen import compile_predicates

    checks = compile_predicates(m, [p.term for p in ex._props])
    step_checks = StepChecks(m, ex._steps)
    best: list[Execution | None] = [None] * len(ex._props)
    best_steps: list[Execution | None] = [None] * len(ex._steps)
    seen: set[Any] = set()
    total = bound_hits = 0
    first = None
    kept = []

    def check(s: Any, start: Any, trail: list[Any]) -> None:
        for j, c in enumerate(checks):
            if not c(s):
                b = best[j]
                if b is None or len(trail) < len(b):
                    best[j] = Execution(m, start, tuple(trail))

    for i in range(runs):
        rng = run_rng(seed, i)
        s = start = rng.choice(m.start_states)
        trail: list[Any] = []
        seen.add(s)
        check(s, start, trail)
        for _ in range(steps):
            options = []
            for k, ns in succ(s):
                if ns is not None:
                    options.append((k, ns))
                else:
                    bound_hits += 1
                    if first is None:
                        first = diagnose(m, k, s)
            if not options:
                break
            pre = s
            k, s = options[rng.randrange(len(options))]
            trail.append((k, s))
            for j in step_checks.broken(k, pre, s):
                b = best_steps[j]
                if b is None or len(trail) < len(b):
                    best_steps[j] = Execution(m, start, tuple(trail))
            seen.add(s)
            total += 1
            check(s, start, trail)
        kept.append((start, tuple(trail)))
    return {
        "runs": kept,
        "steps": total,
        "distinct": len(seen),
        "bound_hits": bound_hits,
        "first_bound_hit": first.to_json() if first else None,
        "cex": [None if b is None else (b.start, b.steps) for b in best + best_steps],
    }


def summary(r: Any) -> dict[str, Any]:
    return {
        "runs": [(e.start, e.steps) for e in r.executions],
        "steps": r.steps,
        "distinct": r.distinct_states,
        "bound_hits": r.bound_hits,
        "first_bound_hit": r.first_bound_hit.to_json() if r.first_bound_hit else None,
        "cex": [
            None if x.counterexample is None else (x.counterexample.start, x.counterexample.steps) for x in r.results
        ],
    }


def _vs_nothing_received_in_g1(s: Any) -> Any:
    P = s.next.type.keys[0].domain
    g1 = const(s.next.type.keys[1], 1)
    return forall(P, lambda p: s.next[p, g1] == 1)


def _brcv_advances_mutant(pre: Any, post: Any, act: Any) -> Any:
    """Wrong at one instance: brcv(a1)_{p1,p2} claims a step of two (next unchanged elsewhere)."""
    if act.name != "brcv":
        return unchanged(pre, post, "next")
    q = act.args["q"]
    if act.label == "brcv(a=a1,p=p1,q=p2)":
        return post.next[q] == pre.next[q] + 2
    return post.next[q] == pre.next[q] + 1


def cases() -> list[tuple[str, Machine, list[Property]]]:
    out = []
    for name, scope in [
        ("TO-machine", {"processors": 3, "values": 2, "max_inputs": 4}),
        ("VS-machine", {"processors": 3, "initial_members": 2, "view_ids": 3}),
        ("WeakVS-machine", {}),
        ("VStoTO-system", {}),
    ]:
        m = get_spec(name).build(scope)
        out.append((name, m, default_properties(m)))
    return out


CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1, -1, 12345])
def test_generated_walk_takes_the_reference_runs(case: Any, seed: int) -> None:
    _, m, props = case
    ex = Explorer(m).check(props).allow_bound_hits()
    r = ex.simulate(steps=30, runs=25, seed=seed, keep_executions=True)
    assert summary(r) == reference_simulate(ex, 30, 25, seed)


def test_same_runs_and_counterexamples_when_violated() -> None:
    m = get_spec("VS-machine").build({})
    prop = Property("p", m.predicate(_vs_nothing_received_in_g1))
    ex = Explorer(m).check([prop, *default_properties(m)])
    for seed in (1, 2):
        r = ex.simulate(steps=40, runs=60, seed=seed, keep_executions=True)
        assert r.verdict is Verdict.VIOLATED and r.results[0].counterexample is not None
        assert summary(r) == reference_simulate(ex, 40, 60, seed)


def test_same_step_property_counterexamples() -> None:
    m = get_spec("TO-machine").build({})
    ex = Explorer(m).check(default_properties(m)).check_steps([StepProperty.trace(m, "mutant", _brcv_advances_mutant)])
    r = ex.simulate(steps=20, runs=60, seed=3, keep_executions=True)
    assert r.verdict is Verdict.VIOLATED and r.results[-1].counterexample is not None
    assert summary(r) == reference_simulate(ex, 20, 60, 3)


@pytest.mark.parametrize("allow", [False, True])
def test_same_bound_hits_as_the_reference(allow: bool) -> None:
    ring = TokenRing().build({})
    P = ring.decl.types["P"]
    p3 = const(P, P.domain.index("p3"))
    prop = Property("p3_never_critical", ring.predicate(lambda s: ~s.critical.contains(p3)))
    ex = Explorer(ring).check([prop]).allow_bound_hits(allow)
    r = ex.simulate(steps=10, runs=20, seed=1, keep_executions=True)
    assert r.bound_hits > 0 and r.first_bound_hit is not None
    assert r.verdict is (Verdict.OK if allow else Verdict.INCOMPLETE)
    assert summary(r) == reference_simulate(ex, 10, 20, 1)
    j = [x.to_json() for x in (r, ex.simulate(steps=10, runs=20, seed=1, workers=2))]
    for x in j:
        del x["seconds"]
    assert j[0] == j[1]


def test_negative_and_positive_seeds_differ() -> None:
    m = get_spec("TO-machine").build({})
    a = Explorer(m).simulate(steps=20, runs=5, seed=3, keep_executions=True)
    b = Explorer(m).simulate(steps=20, runs=5, seed=-3, keep_executions=True)
    assert summary(a)["runs"] != summary(b)["runs"]


@pytest.mark.parametrize("case", CASES[:2], ids=[c[0] for c in CASES[:2]])
def test_workers_give_the_same_report(case: Any) -> None:
    _, m, props = case
    prop = Property("p", m.predicate(_vs_nothing_received_in_g1)) if case[0] == "VS-machine" else None
    ex = Explorer(m).check([*props, *([prop] if prop else [])])
    reports = [ex.simulate(steps=40, runs=97, seed=5, keep_executions=True, workers=w) for w in (1, 2, 3)]
    jsons = []
    for r in reports:
        j = r.to_json()
        del j["seconds"]
        jsons.append(j)
    assert jsons[0] == jsons[1] == jsons[2]
    assert summary(reports[0]) == summary(reports[1]) == summary(reports[2])
    if prop:
        assert reports[0].verdict is Verdict.VIOLATED


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_with_workers_is_a_partial_report_without_orphans(sig: signal.Signals) -> None:
    """SIGINT (SIGTERM: handled as Ctrl-C) to the parent of ``simulate --workers 2``: exit 3, the
    runs of the batches finished, and no worker left running."""
    import json

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("IOAKIT_DEBUG", None)
    argv = ["simulate", "VS-machine", "--scope", "processors=3,initial_members=3,view_ids=3"]
    argv += ["--steps", "200", "--runs", "10000000", "--workers", "2", "--json"]
    p = subprocess.Popen(
        [sys.executable, "-m", "ioakit", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    wait_until_running(p)
    deadline = time.monotonic() + 30
    children: list[int] = []
    while time.monotonic() < deadline and len(children) < 2:
        time.sleep(0.1)
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                children = [int(x) for x in f.read().split()]
        except OSError:
            break
    assert len(children) == 2, children  # the two workers, seen before the signal
    time.sleep(2)
    assert p.poll() is None, "the workload ended before the signal: make it longer"
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 3, (out[-2000:], err[-2000:])
    assert "Traceback" not in err
    j = json.loads(out)
    assert j["verdict"] == "INCOMPLETE" and j["interrupted"] is True
    assert 0 < j["runs"] < j["runs_requested"] and j["steps"] > 0
    time.sleep(0.3)
    for c in children:
        status = Path(f"/proc/{c}/status")
        assert not status.exists() or "zombie" in status.read_text(), c


def test_cli_workers_give_the_same_json_and_records(capsys: Any, tmp_path: Path) -> None:
    import json

    from ioakit.cli import main

    outs = []
    for w in ("1", "2"):
        rec = tmp_path / f"rec{w}"
        argv = ["simulate", "TO-machine", "--runs", "7", "--steps", "15", "--seed", "4", "--workers", w]
        code = main([*argv, "--json", "--record", str(rec)])
        j = json.loads(capsys.readouterr().out)
        del j["seconds"]
        files = sorted(p.name for p in rec.iterdir())
        traces = [(rec / f).read_text().splitlines()[1:] for f in files]  # past the header (creation time)
        outs.append((code, j, files, traces))
    assert outs[0] == outs[1]
    assert outs[0][0] == 0 and len(outs[0][2]) == 7


def test_workers_option_is_validated(capsys: Any) -> None:
    from ioakit.cli import main

    assert main(["simulate", "TO-machine", "--workers", "0"]) == 2
    assert "--workers: must be at least 1" in capsys.readouterr().err
