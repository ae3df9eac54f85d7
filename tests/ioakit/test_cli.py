"""The command line: exit statuses (0 holds, 1 violated, 2 usage, 3 incomplete), JSON, errors."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ioakit.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_machines_and_parameters(capsys):
    code, out, _ = run(capsys, "list", "--json")
    data = json.loads(out)
    assert code == 0
    names = {m["name"]: [p["name"] for p in m["parameters"]] for m in data["machines"]}
    assert names["TO-machine"] == ["processors", "values", "max_inputs"]
    assert names["VS-machine"] == ["processors", "initial_members", "view_ids", "messages", "max_inputs"]
    assert "WeakVS-machine" in names


@pytest.mark.parametrize(
    ("machine", "scope", "states"),
    [
        ("TO-machine", "processors=2,values=2,max_inputs=3", 2065),
        ("VS-machine", "processors=2,initial_members=2,view_ids=2,messages=1,max_inputs=2", 2197),
        ("WeakVS-machine", "processors=2,initial_members=2,view_ids=2,messages=1,max_inputs=2", 2197),
    ],
)
def test_explore_json_reports_exact_counts_and_every_invariant(capsys, machine, scope, states):
    code, out, _ = run(capsys, "explore", machine, "--scope", scope, "--json")
    r = json.loads(out)
    assert code == 0
    assert r["verdict"] == "OK" and r["complete"] is True
    assert r["states"] == states
    for key in ("transitions", "depth", "seconds", "states_per_second", "z3_version"):
        assert key in r
    assert all(i["verdict"] == "OK" for i in r["invariants"])
    assert len(r["invariants"]) == (2 if machine == "TO-machine" else 14)


def test_max_states_is_incomplete_exit_3(capsys):
    code, out, _ = run(capsys, "explore", "VS-machine", "--max-states", "100", "--json")
    r = json.loads(out)
    assert code == 3 and r["verdict"] == "INCOMPLETE" and r["states"] == 100
    assert "max-states 100" in r["reason"]
    assert {i["verdict"] for i in r["invariants"]} == {"INCOMPLETE"}


@pytest.mark.parametrize(
    ("name", "text"),
    [("scope.json", '{"processors": 2, "processors": 3}'), ("scope.toml", "processors = 2\nprocessors = 3\n")],
)
def test_a_scope_file_with_a_key_twice_is_an_input_error(tmp_path, capsys, name, text):
    """json would keep the last of a repeated key silently; a scope is the claim's subject, so no."""
    f = tmp_path / name
    f.write_text(text)
    code, _, err = run(capsys, "explore", "TO-machine", "--scope-file", str(f))
    assert code == 2 and str(f) in err and ("given twice" in err or "Cannot overwrite" in err)


def test_scope_file(tmp_path, capsys):
    f = tmp_path / "scope.toml"
    f.write_text("processors = 1\nvalues = 1\nmax_inputs = 2\n")
    code, out, _ = run(capsys, "explore", "TO-machine", "--scope-file", str(f), "--json")
    assert code == 0 and json.loads(out)["scope"] == {"processors": 1, "values": 1, "max_inputs": 2}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explore", "NoSuch"], "unknown machine 'NoSuch'"),
        (["explore", "VS-machine", "--scope", "foo=1"], "no scope parameter foo"),
        (["explore", "VS-machine", "--scope", "processors=x"], "is not an integer"),
        (["explore", "VS-machine", "--scope", "processors"], "not of the form name=value"),
        (["explore", "VS-machine", "--scope", "processors=2,initial_members=3"], "exceeds processors"),
        (["explore", "TO-machine", "--scope", "processors=0"], "must be >= 1"),
        (["explore", "TO-machine", "--scope-file", "/nonexistent.toml"], "cannot read scope file"),
        (["explore", "TO-machine", "--scope", "processors=2,values=1,processors=3"], "processors given twice"),
    ],
)
def test_bad_input_is_exit_2_with_a_message(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_usage_error_exit_2(capsys):
    code, _, err = run(capsys, "explore")
    assert code == 2 and "required" in err


def test_simulate_is_deterministic_and_says_it_is_a_sample(capsys):
    argv = ["simulate", "VS-machine", "--scope", "view_ids=3", "--steps", "20", "--runs", "10", "--seed", "7", "--json"]
    c1, o1, _ = run(capsys, *argv)
    c2, o2, _ = run(capsys, *argv)
    a, b = json.loads(o1), json.loads(o2)
    assert c1 == c2 == 0
    assert a["exhaustive"] is False and a["mode"] == "simulation"
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    _, text, _ = run(capsys, *argv[:-1])
    assert "not a proof" in text


def test_compare_vs_weakvs(capsys):
    code, out, _ = run(capsys, "compare", "VS-machine", "WeakVS-machine", "--json")
    assert code == 0 and json.loads(out)["equivalent"] is True


def test_console_script_runs():
    p = subprocess.run(
        [sys.executable, "-m", "ioakit", "explore", "TO-machine", "--scope", "processors=1,values=1,max_inputs=1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert "states 4" in p.stdout


def test_record_then_check_traces(tmp_path, capsys):
    d = tmp_path / "runs"
    code, _, _ = run(
        capsys, "simulate", "VS-machine", "--runs", "4", "--steps", "25", "--seed", "2", "--record", str(d)
    )
    assert code == 0
    files = sorted(d.glob("run-*.jsonl"))
    assert len(files) == 4
    for f in files:
        code, out, _ = run(capsys, "trace", str(f), "--json")
        assert code == 0 and json.loads(out)["holds"] is True
    # recording again into the same folder must not overwrite anything
    before = files[0].read_bytes()
    code, _, err = run(capsys, "simulate", "VS-machine", "--runs", "4", "--seed", "9", "--record", str(d))
    assert code == 2 and "not overwriting" in err and files[0].read_bytes() == before


def test_trace_violation_and_bad_line(tmp_path, capsys):
    head = '{"format": "ioakit-trace", "version": 1, "automaton": "VS-machine", "scope": {"initial_members": 2}}\n'
    bad = tmp_path / "dup.jsonl"
    bad.write_text(
        head
        + '{"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}}\n'
        + '{"action": "gprcv", "kind": "output", "args": {"m": "m1", "p": "p1", "q": "p2"}}\n'
        + '{"action": "gprcv", "kind": "output", "args": {"m": "m1", "p": "p1", "q": "p2"}}\n'
    )
    code, out, _ = run(capsys, "trace", str(bad))
    assert code == 1 and "no_duplication" in out and "VIOLATED at event 2" in out
    broken = tmp_path / "broken.jsonl"
    broken.write_text(head + '{"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}}\n{oops\n')
    code, _, err = run(capsys, "trace", str(broken))
    assert code == 2 and f"{broken}:3:" in err and "Traceback" not in err
    to = tmp_path / "to.jsonl"
    to.write_text(
        '{"format": "ioakit-trace", "version": 1, "automaton": "TO-machine", "scope": {}}\n'
        '{"action": "brcv", "kind": "output", "args": {"a": "a1", "p": "p1", "q": "p1"}}\n'
    )
    code, out, _ = run(capsys, "trace", str(to))
    assert code == 1


def test_check_user_invariants_holds_violated_and_located_errors(tmp_path, capsys):
    f = tmp_path / "mine.inv"
    f.write_text(
        "machine VS-machine\n"
        "invariant ok:\n  forall p in P, g in G: next_safe[p, g] <= len(queue[g]) + 1\n"
        "invariant wrong:\n  forall p in P, g in G: next_safe[p, g] == next[p, g]\n"
    )
    code, out, _ = run(capsys, "check", "VS-machine", str(f), "--json")
    r = json.loads(out)
    assert code == 1 and r["verdict"] == "VIOLATED"
    assert r["states"] == 2197
    bad = tmp_path / "item12.inv"
    bad.write_text(
        "machine VS-machine\ninvariant i12:\n  forall p in P, q in P, g in G: next_safe[p, q] <= next[p, g]\n"
    )
    code, _, err = run(capsys, "check", "VS-machine", str(bad))
    assert code == 2
    assert f"{bad}:3:47: error: key 2 of next_safe must be an element of G, got P" in err
    assert "^" in err and "Traceback" not in err


def test_check_shipped_lemma_file_by_name(capsys):
    code, out, _ = run(capsys, "check", "VS-machine", "vs_lemma_4_1", "--json")
    r = json.loads(out)
    assert code == 0 and len(r["invariants"]) == 14


def test_prove_lemma_4_1_inductive_with_per_item_support(capsys):
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--json")
    r = json.loads(out)
    assert code == 0 and r["verdict"] == "OK" and r["induction"]["verdict"] == "OK"
    alone = {e["name"]: e["inductive_alone"] for e in r["per_invariant"]}
    assert [n for n, v in alone.items() if v == "OK"] == [f"lemma_4_1_{i}" for i in (1, 2, 5, 6, 10, 11)]
    assert "z3_version" in r


def test_prove_cti_bmc_and_timeout(tmp_path, capsys):
    dot = tmp_path / "cti.dot"
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12", "--cti-dot", str(dot))
    assert code == 3 and "CTI: lemma_4_1_12 not preserved by safe" in out  # not inductive: not proved, no violation
    assert "counterexample to induction" in dot.read_text()
    f = tmp_path / "false.inv"
    f.write_text("machine VS-machine\ninvariant eq:\n  forall p in P, g in G: next_safe[p, g] == next[p, g]\n")
    code, out, _ = run(capsys, "prove", "VS-machine", str(f), "--bmc", "5", "--json")
    r = json.loads(out)
    assert code == 1 and r["bmc"]["verdict"] == "VIOLATED"
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--timeout", "0.001", "--json")
    assert code in (0, 3)  # a timeout is UNKNOWN (3); never OK unless Z3 really finished in 1 ms
    if code == 3:
        assert json.loads(out)["verdict"] == "UNKNOWN"


def test_prove_unknown_invariant_name_is_usage_error(capsys):
    code, _, err = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "nope")
    assert code == 2 and "no invariant named nope" in err


# -- formulas too deep for the compilers: located errors, exit 2, never a traceback ---------------


def _chain(n: int) -> str:
    return " + ".join(["len(queue)"] * n)


def test_check_and_prove_refuse_a_400_term_sum_with_a_located_error(tmp_path, capsys):
    f = tmp_path / "sum.inv"
    f.write_text(f'machine TO-machine\ninvariant deep "ours":\n  {_chain(400)} >= 0\n')
    for command in ("check", "prove"):
        code, out, err = run(capsys, command, "TO-machine", str(f))
        assert code == 2 and out == ""
        assert err.startswith(f"ioakit {command}: {f}:3:") and "nested too deeply" in err
        assert err.splitlines()[0].count("error:") == 1
        assert "Traceback" not in err


def test_check_locates_definitions_nested_too_deeply_to_compile(tmp_path, capsys):
    """Each definition is a shallow formula, but expanded they nest 540 levels: the compiler's
    recursion ran out, which was reported without a place."""
    defs = [f"def d1 = {_chain(90)}"] + [f"def d{i} = d{i - 1} + {_chain(90)}" for i in range(2, 7)]
    f = tmp_path / "defs.inv"
    f.write_text("machine TO-machine\n" + "\n".join(defs) + '\ninvariant deep "ours":\n  d6 >= 0\n')
    code, out, err = run(capsys, "check", "TO-machine", str(f))
    assert code == 2 and out == ""
    assert f"{f}:9:3: error: this formula nests too deeply to compile" in err and "   9 |   d6 >= 0" in err
    assert "Traceback" not in err


def test_check_reports_a_term_too_deep_for_the_concrete_compiler_at_the_invariant(tmp_path, capsys, monkeypatch):
    """The DSL refuses compiled terms deeper than 60 levels, well within the generated code's
    limit of 200 nested brackets; with that guard lifted, the code generator's own error
    (``CodegenLimitError``) must still come out located at the invariant, with exit 2."""
    from ioakit.invariants import compiler

    monkeypatch.setattr(compiler, "MAX_TERM_DEPTH", 10_000)
    defs = [f"def d1 = {_chain(75)}"] + [f"def d{i} = d{i - 1} + {_chain(75)}" for i in (2, 3)]
    f = tmp_path / "deep.inv"
    f.write_text(
        "machine TO-machine\n" + "\n".join(defs) + '\ninvariant fine "ours":\n  len(queue) >= 0\n'
        'invariant deep "ours":\n  d3 >= 0\n'
    )
    code, out, err = run(capsys, "check", "TO-machine", str(f))
    assert code == 2 and out == ""
    assert f"{f}:8:3: error: invariant `deep` nests too deeply for the concrete compiler at this scope" in err
    assert "brackets deep" in err and "split it into several invariants" in err
    assert "Traceback" not in err


# -- trace headers: P0 as "P0" or "initial_members" (traces/FORMAT.md section 2) ----------------

EXAMPLES = Path(__file__).resolve().parents[2] / "traces" / "examples"
EXPECTED_EXIT = {
    "vs-machine-execution.jsonl": 0,  # the FORMAT.md example: Lemma 4.2 holds (P0 given as "P0")
    "vs-machine-duplicate-delivery.jsonl": 1,  # a gprcv repeated: no duplication fails
    "to-machine-trace.jsonl": 0,  # a TO-machine execution: in the traces of TO-machine
    "paxos-register-figure-1.jsonl": 0,  # Deconstructing Paxos, Figure 1
    "paxos-register-stale-commit.jsonl": 1,  # p3's write(1, v2) commits after read(2) committed
    "paxos-consensus-figure-2.jsonl": 0,  # Figure 2
    "paxos-consensus-footnote-15.jsonl": 1,  # footnote 15: two decisions in round 1, Agreement fails
    "paxos-leader-figure-3.jsonl": 0,  # Figure 3
    "paxos-leader-two-leaders.jsonl": 1,  # two leaders after the stabilization point
    "dynastore-register-introduction-removal.jsonl": 0,  # DynaStore Introduction: crash, remove, crash
    "dynastore-register-a1-violated.jsonl": 0,  # a crash too many: (A1) fails, liveness vacuous
    "dynastore-register-new-old-inversion.jsonl": 1,  # not linearizable (Definition 3.1)
    "dynastore-register-stuck-read.jsonl": 1,  # a read at an active process never returns (Def. 3.2)
    "dynastore-weak-snapshot.jsonl": 0,  # PR1-PR5 hold
    "dynastore-weak-snapshot-disjoint-scans.jsonl": 1,  # PR4 fails
}


def test_every_example_trace_has_an_expected_exit_status():
    assert sorted(p.name for p in EXAMPLES.glob("*.jsonl")) == sorted(EXPECTED_EXIT)


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_example_traces_check_with_their_expected_exit_status(capsys, name):
    code, out, err = run(capsys, "trace", str(EXAMPLES / name), "--json")
    assert code == EXPECTED_EXIT[name], err
    r = json.loads(out)
    assert r["holds"] is (EXPECTED_EXIT[name] == 0)
    if name == "vs-machine-duplicate-delivery.jsonl":
        failed = {p["name"]: p["event_index"] for p in r["properties"] if not p["holds"]}
        assert failed == {"no_duplication": 4}


# p1 sends m1 in g0; it is delivered to p2. With P0 = {p1, p2} that is fine; with P0 = {p1},
# p2's view is ⊥ and the delivery has no cause: so the checker's verdict shows which P0 it read.
_EVENTS = (
    '{"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}}\n'
    '{"action": "gprcv", "kind": "output", "args": {"m": "m1", "p": "p1", "q": "p2"}}\n'
)


def _vs_trace(tmp_path: Path, scope: dict) -> Path:
    f = tmp_path / "t.jsonl"
    header = {"format": "ioakit-trace", "version": 1, "automaton": "VS-machine", "scope": scope}
    f.write_text(json.dumps(header) + "\n" + _EVENTS)
    return f


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"P": 2, "G": 2, "M": 1, "P0": ["p1", "p2"]}, 0),
        ({"P0": ["p1"]}, 1),
        ({"processors": 2, "initial_members": 2, "view_ids": 2, "messages": 1, "max_inputs": 2}, 0),
        ({"processors": 2, "initial_members": 1}, 1),
        ({"P0": ["p1", "p2"], "initial_members": 2, "P": 2, "processors": 2}, 0),
        ({"P0": []}, 1),
        ({"P0": ["p2", "p10"]}, 1),  # p1 is not in P0: its gpsnd is dropped
    ],
)
def test_trace_reads_p0_from_either_header_spelling(tmp_path, capsys, scope, expected):
    code, out, err = run(capsys, "trace", str(_vs_trace(tmp_path, scope)))
    assert code == expected, err
    assert ("message_integrity      holds" in out) is (expected == 0)


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({}, 'needs P0 in its scope: "P0": ["p1", ...] or "initial_members": n'),
        ({"P": 2, "G": 2}, "needs P0 in its scope"),
        ({"P0": "p1"}, 'scope.P0 must be an array of processor names "p1", "p2", ..., got "p1"'),
        ({"P0": ["q1"]}, "scope.P0 must be an array of processor names"),
        ({"P0": ["p0"]}, "scope.P0 must be an array of processor names"),
        ({"P0": ["p2", "p1"]}, "scope.P0 is a set: list it in domain order without repetitions"),
        ({"P0": ["p1", "p1"]}, "scope.P0 is a set"),
        ({"initial_members": -1}, "scope.initial_members must be a non-negative integer, got -1"),
        ({"initial_members": True}, "scope.initial_members must be a non-negative integer, got true"),
        ({"initial_members": "2"}, "scope.initial_members must be a non-negative integer"),
        ({"P0": ["p1"], "initial_members": 2}, 'scope.P0 = ["p1"] and scope.initial_members = 2 disagree'),
        ({"P0": ["p1", "p3"], "initial_members": 2}, "disagree"),
        ({"P": 2, "processors": 3, "P0": ["p1"]}, "scope.P = 2 and scope.processors = 3 disagree"),
        ({"P": 1, "P0": ["p1", "p2"]}, "scope.P0 names p2, outside P = p1 ... p1"),
        ({"processors": 1, "initial_members": 2}, "scope.P0 names p2, outside P = p1 ... p1"),
    ],
)
def test_trace_rejects_a_header_without_a_usable_p0(tmp_path, capsys, scope, message):
    f = _vs_trace(tmp_path, scope)
    code, out, err = run(capsys, "trace", str(f))
    assert code == 2 and out == ""
    assert err.startswith(f"ioakit trace: error: {f}:1: ")  # located at the header line
    assert message in err and "Traceback" not in err


def test_library_reads_p0_like_the_cli():
    from ioakit.traces import vs_initial_members

    assert vs_initial_members({"P0": ["p1", "p2", "p10"]}) == ["p1", "p2", "p10"]
    assert vs_initial_members({"initial_members": 3}) == ["p1", "p2", "p3"]
    assert vs_initial_members({"initial_members": 0, "processors": 2}) == []
    with pytest.raises(ValueError, match="needs P0"):
        vs_initial_members({"processors": 2})


# -- prove: not inductive is not a violation; the last line says what was established -----------


def _inv_file(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "mine.inv"
    f.write_text("machine VS-machine\n" + body)
    return f


def test_prove_not_inductive_is_exit_3_with_the_cti_and_no_violation(capsys):
    """Lemma 4.1(12) holds in every reachable state (explore says so) but is not inductive alone."""
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12")
    assert code == 3
    assert ": NOT INDUCTIVE — counterexamples to induction below" in out
    assert "lemma_4_1_12  not preserved — broken by safe" in out
    assert "CTI: lemma_4_1_12 not preserved by safe(" in out and "pre-state" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("verdict: NOT INDUCTIVE — not proved: counterexamples to induction above")
    assert "may still hold in every reachable state" in last
    assert "VIOLATED" not in out and "bounded proof" not in out
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12", "--json")
    r = json.loads(out)
    assert code == 3 and r["verdict"] == "UNKNOWN"
    ind = r["induction"]
    assert ind["outcome"] == "not_inductive" and ind["invariants_verdict"] == "UNKNOWN"
    assert ind["invariants"][0]["outcome"] == "not_inductive" and ind["invariants"][0]["ctis"]
    code, _, _ = run(capsys, "check", "VS-machine", "vs_lemma_4_1")
    assert code == 0  # the very invariant holds in every reachable state at this scope


def test_prove_an_invariant_false_in_a_start_state_is_violated_exit_1(tmp_path, capsys):
    f = _inv_file(tmp_path, "invariant two:\n  forall p in P, g in G: next[p, g] == 2\n")
    code, out, _ = run(capsys, "prove", "VS-machine", str(f))
    assert code == 1
    assert "two  VIOLATED — false in a start state" in out
    assert "start: created = {⟨g0, {p1, p2}⟩}" in out  # the violating start state is shown
    last = out.strip().splitlines()[-1]
    assert last.startswith("verdict: VIOLATED — two is false in a start state") and "bounded proof" not in last
    code, out, _ = run(capsys, "prove", "VS-machine", str(f), "--json")
    r = json.loads(out)
    assert code == 1 and r["verdict"] == "VIOLATED"
    assert r["induction"]["outcome"] == "violated_initially" and r["induction"]["invariants_verdict"] == "VIOLATED"


def test_prove_verdict_line_claims_a_proof_only_when_there_is_one(tmp_path, capsys):
    scope = "processors=2,initial_members=2,view_ids=2,messages=1,max_inputs=2"
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1")
    last = out.strip().splitlines()[-1]
    assert code == 0 and last.startswith("verdict: OK — the conjunction of 14 invariant(s) is inductive")
    assert f"(bounded proof at scope {scope}; z3 " in last
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--bmc", "3")
    last = out.strip().splitlines()[-1]
    assert code == 0 and last.startswith("verdict: OK — no violation in executions of length ≤ 3  (scope ")
    assert "bounded proof" not in out
    f = _inv_file(tmp_path, "invariant eq:\n  forall p in P, g in G: next_safe[p, g] == next[p, g]\n")
    code, out, _ = run(capsys, "prove", "VS-machine", str(f), "--bmc", "4")
    last = out.strip().splitlines()[-1]
    assert code == 1 and last.startswith(
        "verdict: VIOLATED — BMC reached a state violating eq in 3 steps (shortest execution above)"
    )
    assert "bounded proof" not in out


def test_prove_unknown_says_what_was_not_decided(capsys, monkeypatch):
    """Every Z3 check answers unknown (as on a timeout): UNKNOWN, exit 3, and the last line names
    what was not decided, never a proof."""
    import z3

    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "timeout")
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_1,lemma_4_1_2")
    last = out.strip().splitlines()[-1]
    assert code == 3 and last.startswith(
        "verdict: UNKNOWN — not decided: Z3 could not tell whether lemma_4_1_1, lemma_4_1_2 are inductive "
        "(timeout: a Z3 check exceeded 30 s (timeout))"
    )
    assert ": UNKNOWN — Z3 did not decide" in out and "bounded proof" not in out
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_1", "--bmc", "2")
    last = out.strip().splitlines()[-1]
    assert code == 3 and last.startswith("verdict: UNKNOWN — BMC did not decide lemma_4_1_1 in the start states")
    assert "bounded proof" not in out


# -- papers: the scope on every line ----------------------------------------------------------


def _claims(*pairs):
    """A registry's claims replaced by ``(claim, expected)`` pairs, for the main job's tests."""
    from ioakit.registry import Claim
    from ioakit.results import Verdict

    return lambda: iter(
        [(None, Claim(f"c{i}", run, expected or Verdict.OK)) for i, (run, expected) in enumerate(pairs)]
    )


def test_papers_shows_each_checks_scope(capsys, monkeypatch):
    from ioakit import papers
    from ioakit.specs.fls import TO_SCOPE

    small = {"processors": 1, "values": 1, "max_inputs": 2}
    monkeypatch.setattr(
        papers,
        "claims",
        _claims(
            (lambda: papers.explore_job("TO-machine", TO_SCOPE, "claim"), None),
            (lambda: papers.explore_job("TO-machine", small, "claim"), None),
        ),
    )
    code, out, _ = run(capsys, "papers")
    assert code == 0
    lines = [ln for ln in out.splitlines() if "explore TO-machine" in ln and "states" in ln]  # the jobs' lines
    assert len(lines) == 2
    assert "[default scope] 2,065 states" in lines[0]
    assert "[processors=1,values=1,max_inputs=2] " in lines[1]
    # the summary table: one aligned line per check, its scope in the last column
    table = [ln for ln in out.splitlines() if "explore TO-machine" in ln and "states" not in ln]
    assert len(table) == 2 and all(ln.split()[:2] == ["OK", "OK"] for ln in table)
    assert table[0].endswith("  default scope") and table[1].endswith("  processors=1,values=1,max_inputs=2")
    header = next(ln for ln in out.splitlines() if ln.strip().startswith("verdict"))
    assert header.index("check") == table[0].index("explore") == table[1].index("explore")
    assert header.index("scope") == table[0].index("default scope") == table[1].index("processors=1")
    code, out, _ = run(capsys, "papers", "--json")
    assert [j["scope"] for j in json.loads(out)["jobs"]] == [TO_SCOPE, small]


def test_papers_documented_finding_is_green_and_turns_red_when_it_changes(capsys, monkeypatch):
    """A claim documented as refuted (expected VIOLATED) keeps the main job green while it is
    found again, is reported as a finding, and turns the job red (exit 1) once it no longer shows."""
    from ioakit import papers
    from ioakit.results import Verdict

    def job(v):
        return lambda: papers.JobResult("a claim", "the paper says so", v, "detail", 0.0)

    monkeypatch.setattr(papers, "claims", _claims((job(Verdict.VIOLATED), Verdict.VIOLATED)))
    code, out, _ = run(capsys, "papers")
    assert code == 0 and "expected finding: VIOLATED (as documented)" in out
    assert "1 of them documented findings" in out
    monkeypatch.setattr(papers, "claims", _claims((job(Verdict.OK), Verdict.VIOLATED)))
    code, out, _ = run(capsys, "papers")
    assert code == 1 and "expected finding: VIOLATED (CHANGED)" in out
    monkeypatch.setattr(papers, "claims", _claims((job(Verdict.UNKNOWN), Verdict.VIOLATED)))
    assert run(capsys, "papers")[0] == 3


def test_papers_not_inductive_is_unknown_not_violated(monkeypatch):
    """The main job's induction check maps "not inductive" to UNKNOWN (exit 3), like prove."""
    from ioakit import papers
    from ioakit.engines.prove import Prover

    original = Prover.induction
    monkeypatch.setattr(
        Prover, "induction", lambda self, props, assume=(), **kw: original(self, props[11:12], assume, **kw)
    )
    from ioakit.specs.fls import VS_SCOPE

    r = papers.induction_job("VS-machine", VS_SCOPE, "vs_lemma_4_1", "claim")
    assert r.verdict.value == "UNKNOWN" and "NOT inductive" in r.detail
    assert r.scope_text == "default scope"


def test_compact_scope_lists_only_what_differs_from_the_defaults():
    from ioakit.papers import compact_scope

    assert compact_scope("VS-machine", {"processors": 2, "initial_members": 2, "view_ids": 2}) == "default scope"
    assert compact_scope("VS-machine", {"processors": 3, "initial_members": 2, "view_ids": 3}) == (
        "processors=3,view_ids=3"
    )


# -- wording ------------------------------------------------------------------------------------


@pytest.mark.slow  # 13 s: the table itself is covered by tests/engines/test_table_oracle.py
def test_table_of_one_invariant_names_it(capsys):
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12", "--table")
    assert code == 3
    assert "- Item 4.1(12) is **not inductive**" in out and "all 1 items" not in out
    code, out, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_1,lemma_4_1_2", "--table")
    assert code == 0 and "- The conjunction of all 2 items is **inductive**" in out


def test_explore_without_invariants_says_none_were_checked(capsys):
    code, out, _ = run(capsys, "explore", "TO-machine", "--no-invariants")
    assert code == 0
    assert "verdict: OK — every reachable state explored (exhaustive); no invariants checked" in out
    assert "all 0" not in out


def test_check_prints_counts_with_thousands_separators(capsys):
    code, out, _ = run(capsys, "check", "VS-machine", "vs_lemma_4_1")
    assert code == 0 and "  2,197 states, 4,994 transitions, depth 15, complete" in out


def test_a_located_error_says_error_once(tmp_path, capsys):
    f = _inv_file(tmp_path, "invariant i12:\n  forall p in P, q in P, g in G: next_safe[p, q] <= next[p, g]\n")
    code, _, err = run(capsys, "check", "VS-machine", str(f))
    assert code == 2
    first = err.splitlines()[0]
    assert first == f"ioakit check: {f}:3:47: error: key 2 of next_safe must be an element of G, got P"
    code, _, err = run(capsys, "explore", "NoSuch")
    assert err.startswith("ioakit explore: error: unknown machine 'NoSuch'")  # unlocated: one "error:" added


def test_a_closed_output_pipe_gives_exit_3_and_no_traceback(monkeypatch):
    """``ioakit list | head -c 1``: the reader leaves early, so writing raises BrokenPipeError;
    nothing is claimed (exit 3) and no traceback escapes."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["list"]) == 3


@pytest.mark.parametrize("command", [["explore", "TO-machine"], ["check", "VS-machine", "vs_lemma_4_1"]])
def test_progress_reports_what_tracing_and_code_generation_cost(capsys, command):
    """``--progress`` says, before exploring, how long tracing and code generation took, how much
    memory they needed and how much code was generated."""
    code = main([*command, "--scope", "max_inputs=1", "--progress"])
    err = capsys.readouterr().err
    assert code == 0
    line = next(x for x in err.splitlines() if "built in" in x)
    assert re.fullmatch(
        r"[\w-]+: built in \d+\.\d\d s \(\d+(\.\d)? MB\), generated \d+ KB of code in \d+\.\d\d s \(\d+(\.\d)? MB\)",
        line,
    ), line


def test_prove_includes_the_files_step_items(tmp_path, capsys) -> None:
    """Step items are one-step obligations from the states satisfying the file's invariants: a
    false one is UNKNOWN (its pre-state may be unreachable), never OK; true ones are proved."""
    import re

    from ioakit.cli import main

    head = "machine TO-machine\n\ninvariant nonneg: forall p in P: next[p] >= 1\n\n"
    good = tmp_path / "good.inv"
    good.write_text(head + "step next_grows: forall p in P: next'[p] >= next[p]\n")
    bad = tmp_path / "bad.inv"
    bad.write_text(head + "step next_fixed: forall p in P: next'[p] == next[p]\n")
    scope = ["--scope", "processors=2,values=1,max_inputs=2"]
    assert main(["prove", "TO-machine", str(good), *scope]) == 0
    assert re.search(r"next_grows\s+OK", capsys.readouterr().out)
    assert main(["prove", "TO-machine", str(bad), *scope, "--json"]) == 3
    import json

    j = json.loads(capsys.readouterr().out)
    assert j["verdict"] == "UNKNOWN" and j["steps"]["verdict"] == "VIOLATED"


def test_simulate_shrink_prints_a_reproducer_that_replays(capsys):
    code, out, _ = run(
        capsys,
        "simulate",
        "round-based-consensus-fig6-shared-rounds",
        "--scope",
        "processes=3,rounds=1,max_ops=2,crashes=0",
        "--runs",
        "200",
        "--steps",
        "60",
        "--shrink",
    )
    assert code == 1 and "shrunk to" in out
    text = out[out.index("# found by find_failure") :]
    namespace: dict = {}
    exec(text, namespace)  # the reproducer is Python that replays the shrunk run
    run_ = namespace["run"]
    assert run_.final[namespace["machine"].var_index("bad_agreement")] is True


def test_symmetry_flag_explores_representatives_with_the_same_verdict(capsys):
    scope = "processors=3,initial_members=2,view_ids=2,messages=1,max_inputs=1"
    code, out, _ = run(capsys, "explore", "VS-machine", "--scope", scope, "--json")
    plain = json.loads(out)
    code_s, out_s, _ = run(capsys, "explore", "VS-machine", "--scope", scope, "--symmetry", "--json")
    reduced = json.loads(out_s)
    assert code == code_s == 0 and plain["verdict"] == reduced["verdict"] == "OK"
    assert reduced["states"] < plain["states"] and plain["symmetry"] is None
    assert reduced["symmetry"].startswith("P (within {p1,p2})")
    to_scope = "processors=3,max_inputs=2"
    code, out, _ = run(capsys, "check", "TO-machine", "to_machine", "--scope", to_scope, "--symmetry")
    assert code == 0 and "symmetry reduction: P, A" in out and "checked on whole orbits" in out


def test_symmetry_flag_refuses_a_machine_without_a_declaration(capsys):
    code, _, err = run(capsys, "explore", "VStoTO-system", "--symmetry")
    assert code == 2 and "declares no symmetric domain" in err
