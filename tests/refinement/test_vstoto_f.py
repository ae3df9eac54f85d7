"""The paper's forward simulation f (FLS Section 6.2, Lemma 6.25) from VStoTO-system to
TO-machine: refuted on the printed algorithm (the double delivery), holding on our fix, checked
exhaustively, along simulated traces (with snapshots and by replay) and through ``ioakit refine``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.engines.explore import Explorer
from ioakit.refinement.check import check_exhaustive, check_trace_file
from ioakit.refinement.refine import bind, mapping_named, refine
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.specs.fls import VSTOTO_SCOPE
from ioakit.traces.format import Event, TraceHeader, write_trace

SCOPE_TEXT = ",".join(f"{k}={v}" for k, v in VSTOTO_SCOPE.items())


def mapping(machine: str, scope: dict[str, int] = VSTOTO_SCOPE):
    return bind(mapping_named("vstoto-f"), get_spec(machine).build(scope))


def test_f_of_the_printed_system_fails_at_a_repeated_confirm() -> None:
    r = check_exhaustive(mapping("VStoTO-system"))
    assert r.verdict is Verdict.VIOLATED
    f = r.failure
    assert f is not None and f.kind == "disabled"
    assert f.impl_action == "confirm(p=p1)" and f.tried == ("to_order(a=a1,p=p1)",)
    assert "pending" in f.detail  # to-order needs a1 at the head of pending[p1]: it was ordered already
    assert f.f_before is not None and f.f_after is not None
    assert f.f_before["queue"] == "⟨⟨a1, p1⟩⟩" and f.f_after["queue"] == "⟨⟨a1, p1⟩, ⟨a1, p1⟩⟩"
    assert len(r.execution) == 20 and r.execution[-2:] == ("confirm(p=p1)", "confirm(p=p1)")


def test_f_holds_on_every_reachable_step_of_the_fixed_system() -> None:
    r = check_exhaustive(mapping("VStoTO-system-label-normal"))
    assert r.verdict is Verdict.OK, r.show()
    plain = Explorer(get_spec("VStoTO-system-label-normal").build(VSTOTO_SCOPE)).run()
    assert (r.states, r.steps) == (plain.states, plain.transitions)


@pytest.mark.slow  # test_cli_refine_exit_codes_and_json runs the same two refinements and checks both parts
def test_refine_combines_trace_inclusion_and_f() -> None:
    bad = refine("VStoTO-system", "TO-machine", VSTOTO_SCOPE)
    assert bad.verdict is Verdict.VIOLATED
    inclusion, via_f = bad.parts
    assert not inclusion.left_in_right and len(inclusion.witness_left_only) == 3
    assert via_f.verdict is Verdict.VIOLATED
    good = refine("VStoTO-system-label-normal", "TO-machine", VSTOTO_SCOPE)
    assert good.verdict is Verdict.OK
    assert [p.verdict for p in good.parts] == [Verdict.OK, Verdict.OK]


def _record(machine: str, runs: int, seed: int, directory: Path) -> list[Path]:
    m = get_spec(machine).build(VSTOTO_SCOPE)
    rep = Explorer(m).simulate(steps=60, runs=runs, seed=seed, keep_executions=True)
    paths = []
    for i, ex in enumerate(rep.executions):
        header = TraceHeader(m.name, m.scope.as_dict(), start_state=m.state_json(ex.start))
        events = [Event(e["action"], e["kind"], e["args"], state=e["state"]) for e in ex.events(with_states=True)]
        p = directory / f"run-{i}.jsonl"
        write_trace(p, header, events)
        paths.append(p)
    return paths


def _without_states(path: Path) -> Path:
    lines = path.read_text().splitlines()
    out = [lines[0]] + [json.dumps({k: v for k, v in json.loads(x).items() if k != "state"}) for x in lines[1:]]
    p = path.with_suffix(".replay.jsonl")
    p.write_text("\n".join(out) + "\n")
    return p


def test_simulated_traces_of_the_fixed_system_pass_both_ways(tmp_path: Path) -> None:
    mp = mapping("VStoTO-system-label-normal")
    for p in _record("VStoTO-system-label-normal", 6, 1, tmp_path):
        for q in (p, _without_states(p)):
            r = check_trace_file(mp, q)
            assert r.verdict is Verdict.OK, r.show()
            assert r.steps == len(q.read_text().splitlines()) - 1


def test_a_simulated_double_delivery_is_caught_at_its_line(tmp_path: Path) -> None:
    mp = mapping("VStoTO-system")
    failing = []
    for p in _record("VStoTO-system", 40, 7, tmp_path):
        r = check_trace_file(mp, p)
        if r.verdict is Verdict.VIOLATED:
            failing.append((p, r))
    assert failing, "no simulated run of the printed system reached the double delivery"
    p, r = failing[0]
    assert r.failure is not None and r.failure.impl_action.startswith("confirm")
    event = json.loads(p.read_text().splitlines()[r.line - 1])
    assert event["action"] == "confirm"
    replayed = check_trace_file(mp, _without_states(p))
    assert replayed.verdict is Verdict.VIOLATED and replayed.line == r.line


def test_cli_refine_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refine", "VStoTO-system", "TO-machine", "--scope", SCOPE_TEXT, "--json"]) == 1
    j = json.loads(capsys.readouterr().out)
    assert j["verdict"] == "VIOLATED" and [c["verdict"] for c in j["checks"]] == ["VIOLATED", "VIOLATED"]
    assert j["checks"][1]["failure"]["impl_action"] == "confirm(p=p1)"
    assert main(["refine", "VStoTO-system-label-normal", "TO-machine", "--scope", SCOPE_TEXT]) == 0
    assert "refines TO-machine" in capsys.readouterr().out
    assert main(["refine", "VStoTO-system", "TO-machine", "--mapping", "nope"]) == 2
    assert "no refinement mapping named 'nope'" in capsys.readouterr().err
    assert main(["refine", "VStoTO-system", "TO-machine", "--assume", "vstoto_lemmas_6"]) == 2
    assert main(["refine", "VS-machine", "TO-machine", "--trace", str(tmp_path / "x.jsonl")]) == 2
    capsys.readouterr()
    # a limit reached is INCOMPLETE, never OK
    assert main(["refine", "VStoTO-system-label-normal", "TO-machine", "--no-inclusion", "--max-states", "50"]) == 3


def test_cli_refine_along_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (p,) = _record("VStoTO-system-label-normal", 1, 3, tmp_path)
    assert main(["refine", "VStoTO-system-label-normal", "TO-machine", "--trace", str(p)]) == 0
    assert "every step of the trace checked" in capsys.readouterr().out
    assert main(["refine", "VStoTO-system", "TO-machine", "--trace", str(p)]) == 2  # the header names another
    assert "the trace is of VStoTO-system-label-normal" in capsys.readouterr().err
    lines = p.read_text().splitlines()
    lines.insert(3, json.dumps({"action": "nonsense", "kind": "internal", "args": {}}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["refine", "VStoTO-system-label-normal", "TO-machine", "--trace", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4:" in err and "no action nonsense" in err


@pytest.mark.slow
def test_z3_step_obligation_needs_the_support_facts() -> None:
    """At view_ids=1 Z3 proves the step obligation of every instance from the states satisfying
    Lemmas 6.1-6.24 and our five support facts; with the lemmas alone it finds a counterexample
    from an unreachable state (one of the facts the paper's proof uses without stating it)."""
    from ioakit.invariants.loader import load_invariants
    from ioakit.refinement.check import check_symbolic
    from ioakit.registry import invariant_file

    mp = mapping("VStoTO-system-label-normal", {**VSTOTO_SCOPE, "view_ids": 1})
    lemmas = list(load_invariants(invariant_file("vstoto_lemmas_6"), mp.impl).properties)
    support = list(load_invariants(invariant_file("vstoto_f_support"), mp.impl).properties)
    proved = check_symbolic(mp, lemmas + support)
    assert proved.verdict is Verdict.OK, proved.show()
    assert proved.states == len(mp.impl.actions)
    cti = check_symbolic(mp, lemmas)
    assert cti.verdict is Verdict.VIOLATED and cti.failure is not None


def test_main_job_reports_lemma_6_25_refuted_beside_the_fixed_variant() -> None:
    from ioakit import papers
    from ioakit.registry import claims

    by_name = {c.name: c for _, c in claims()}
    refuted = by_name["Lemma 6.25 (as printed)"]
    assert refuted.expected is Verdict.VIOLATED and refuted.fixed_by in by_name
    for c in by_name.values():  # every documented finding names a fixed variant that is checked
        if c.expected is Verdict.VIOLATED:
            assert c.fixed_by in by_name and by_name[c.fixed_by].expected is Verdict.OK
    r = refuted.run()
    job = papers.JobResult(**{**r.__dict__, "expected": refuted.expected, "fixed_by": refuted.fixed_by})
    assert job.judged is Verdict.OK
    text = job.show()
    assert "REFUTED" in text and "confirm(p=p1)" in text and "Lemma 6.25 (label in normal status)" in text
    assert job.to_json()["refuted"] is True


def test_a_trace_in_the_papers_spelling_is_read(tmp_path: Path) -> None:
    """current-viewid / next-safe / vs-order (FLS's hyphens) are accepted for the machine's
    underscores, in snapshots and action names (traces/FORMAT.md)."""
    (p,) = _record("VStoTO-system-label-normal", 1, 5, tmp_path)
    text = p.read_text()
    spellings = (("current_viewid", "current-viewid"), ("next_safe", "next-safe"), ("vs_order", "vs-order"))
    for a, b in ((f'"{x}"', f'"{y}"') for x, y in spellings):
        text = text.replace(a, b)
    assert '"vs-order"' in text and '"current-viewid"' in text
    q = tmp_path / "paper-spelling.jsonl"
    q.write_text(text)
    mp = mapping("VStoTO-system-label-normal")
    assert check_trace_file(mp, q).verdict is Verdict.OK
    assert check_trace_file(mp, _without_states(q)).verdict is Verdict.OK


@pytest.mark.parametrize(
    ("slug", "kind", "action", "length"),
    [
        ("brcv-unconfirmed", "disabled", "brcv(a=a1,p=p1,q=p1)", 6),  # no item of Lemmas 6.1-6.24 catches it here
        ("confirm-unsafe", "mismatch", "gprcv", 15),
        ("keep-safe-labels", "mismatch", "gprcv", 17),
    ],
)
def test_f_catches_seeded_bugs_at_the_default_scope(slug: str, kind: str, action: str, length: int) -> None:
    r = check_exhaustive(mapping(f"VStoTO-system-bug-{slug}"))
    assert r.verdict is Verdict.VIOLATED and r.failure is not None
    assert r.failure.kind == kind and r.failure.impl_action.startswith(action)
    assert len(r.execution) == length


def test_refine_along_a_trace_claims_that_run_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"format":"ioakit-trace","version":1,"automaton":"VStoTO-system","scope":{}}\n')
    assert main(["refine", "VStoTO-system", "TO-machine", "--trace", str(empty)]) == 0
    out = capsys.readouterr().out
    assert "(this run only)" in out and "refines" not in out.splitlines()[0]
    assert main(["refine", "VStoTO-system", "TO-machine", "--trace", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such trace file" in capsys.readouterr().err
