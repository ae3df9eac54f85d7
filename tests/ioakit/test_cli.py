"""The command line: exit statuses (0 holds, 1 violated, 2 usage, 3 incomplete), JSON, errors."""

from __future__ import annotations

import json
import subprocess
import sys

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
    assert code == 1 and "CTI: lemma_4_1_12 not preserved by safe" in out
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
        assert f"ioakit {command}: error: {f}:3:" in err and "nested too deeply" in err
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
