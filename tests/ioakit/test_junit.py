"""``--junit FILE``: every checking command's result as JUnit XML, read back with a real JUnit
parser (``junitparser``): counts, case names, failure types and messages; undecided verdicts
never read as passes; odd names stay well-formed; the file is written atomically, also when the
verdict is VIOLATED or INCOMPLETE, and a missing folder is refused before the check runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser  # the dev extra (pyproject.toml), which scripts/setup installs: a real JUnit reader
import pytest

from ioakit import registry
from ioakit.cli import main
from ioakit.junit import JUnitCase, JUnitSuite, suites_for, to_xml, write_junit
from ioakit.results import SimpleReport, Verdict

MODELS = Path(__file__).resolve().parent.parent / "models"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parse(path: Path) -> tuple[object, list[object], list[object]]:
    """The document, its suites and all its cases, through junitparser."""
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    cases = [c for s in suites for c in s]
    return xml, suites, cases


def results(case: object) -> list[object]:
    return list(case.result)  # type: ignore[attr-defined]


def props(suite: object) -> dict[str, str]:
    return {p.name: p.value for p in suite.properties()}  # type: ignore[attr-defined]


def test_explore_ok_one_passed_case_per_default_property(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "explore.xml"
    code, _, _ = run(capsys, "explore", "TO-machine", "--junit", str(out))
    assert code == 0
    xml, suites, cases = parse(out)
    names = [p.name for p in registry.default_properties(registry.get_spec("TO-machine").build({}))]
    assert [c.name for c in cases] == names and len(names) == 2
    assert xml.tests == 2 and xml.failures == 0 and xml.errors == 0
    assert all(c.is_passed for c in cases)
    (suite,) = suites
    p = props(suite)
    assert p["scope"] == "processors=2,values=2,max_inputs=3" and p["machine"] == "TO-machine"
    assert p["complete"] == "true" and p["states"] == "2065"
    assert suite.time > 0


def test_explore_cut_short_is_an_error_never_a_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cut.xml"
    code, _, _ = run(capsys, "explore", "VS-machine", "--max-states", "100", "--junit", str(out))
    assert code == 3  # INCOMPLETE: and the file is written all the same
    xml, _, cases = parse(out)
    assert [c.name for c in cases][-1] == "completeness"
    assert xml.tests == 15 and xml.errors == 15 and xml.failures == 0  # 14 items of Lemma 4.1 + completeness
    for c in cases:
        assert not c.is_passed
        (r,) = results(c)
        assert isinstance(r, junitparser.Error) and r.type == "INCOMPLETE" and "max-states 100" in r.message


def test_check_violation_is_a_failure_with_the_counterexample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = tmp_path / "mine.inv"
    inv.write_text(
        "machine VS-machine\n"
        "invariant ok:\n  forall p in P, g in G: next_safe[p, g] <= len(queue[g]) + 1\n"
        "invariant wrong:\n  forall p in P, g in G: next_safe[p, g] == next[p, g]\n"
    )
    out = tmp_path / "check.xml"
    code, text, _ = run(capsys, "check", "VS-machine", str(inv), "--junit", str(out))
    assert code == 1
    xml, _, cases = parse(out)
    assert [c.name for c in cases] == ["ok", "wrong"]
    assert xml.tests == 2 and xml.failures == 1 and xml.errors == 0
    assert cases[0].is_passed
    (f,) = results(cases[1])
    assert isinstance(f, junitparser.Failure) and f.type == "VIOLATED"
    assert f.message.startswith("VIOLATED") and "shortest execution reaching a violating state" in f.message
    assert "start:" in f.text and f.text.strip().splitlines()[-1].strip() in text  # the printed counterexample


def test_prove_bmc_violation_cti_and_start_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eq = tmp_path / "eq.inv"
    eq.write_text("machine VS-machine\ninvariant eq:\n  forall p in P, g in G: next_safe[p, g] == next[p, g]\n")
    out = tmp_path / "bmc.xml"
    assert run(capsys, "prove", "VS-machine", str(eq), "--bmc", "4", "--junit", str(out))[0] == 1
    _, _, cases = parse(out)
    assert [c.name for c in cases] == ["bmc: eq"]
    (f,) = results(cases[0])
    assert isinstance(f, junitparser.Failure) and "violating execution of 3 steps" in f.message and "start:" in f.text

    out = tmp_path / "cti.xml"
    code, _, _ = run(capsys, "prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12", "--junit", str(out))
    assert code == 3
    xml, _, cases = parse(out)
    assert [c.name for c in cases] == ["induction: lemma_4_1_12"] and xml.errors == 1 and xml.failures == 0
    (e,) = results(cases[0])
    assert isinstance(e, junitparser.Error) and e.type == "UNKNOWN" and "not inductive" in e.message
    assert "CTI: lemma_4_1_12 not preserved by safe" in e.text

    two = tmp_path / "two.inv"
    two.write_text("machine VS-machine\ninvariant two:\n  forall p in P, g in G: next[p, g] == 2\n")
    out = tmp_path / "start.xml"
    assert run(capsys, "prove", "VS-machine", str(two), "--junit", str(out))[0] == 1
    _, _, cases = parse(out)
    (f,) = results(cases[0])
    assert isinstance(f, junitparser.Failure) and f.message == "VIOLATED: false in a start state"


def test_trace_one_case_per_property_judged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "dup.jsonl"
    trace.write_text(
        '{"format": "ioakit-trace", "version": 1, "automaton": "VS-machine", "scope": {"initial_members": 2}}\n'
        '{"action": "gpsnd", "kind": "input", "args": {"m": "m1", "p": "p1"}}\n'
        '{"action": "gprcv", "kind": "output", "args": {"m": "m1", "p": "p1", "q": "p2"}}\n'
        '{"action": "gprcv", "kind": "output", "args": {"m": "m1", "p": "p1", "q": "p2"}}\n'
    )
    out = tmp_path / "trace.xml"
    assert run(capsys, "trace", str(trace), "--junit", str(out))[0] == 1
    xml, _, cases = parse(out)
    bad = [c for c in cases if not c.is_passed]
    assert [c.name for c in bad] == ["no_duplication"] and xml.failures == 1 and xml.tests > 1
    (f,) = results(bad[0])
    assert "at event 2" in f.message


def test_compare_and_refine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "compare.xml"
    assert run(capsys, "compare", "VS-machine", "WeakVS-machine", "--junit", str(out))[0] == 0
    xml, _, cases = parse(out)
    assert xml.tests == 1 and cases[0].is_passed and "≡" in cases[0].name

    f = str(MODELS / "relay.py")
    out = tmp_path / "refine.xml"
    code, _, _ = run(
        capsys, "refine", f"{f}:SloppyRelay", "TO-machine", "--mapping", f"{f}:RelayToTO", "--junit", str(out)
    )
    assert code == 1
    xml, _, cases = parse(out)
    assert [c.name for c in cases] == ["trace inclusion", "mapping relay-f (exhaustive)"]
    assert xml.failures >= 1
    failed = [c for c in cases if not c.is_passed]
    assert all(isinstance(results(c)[0], junitparser.Failure) for c in failed)


def test_papers_one_suite_per_paper_judged_against_the_documented_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from ioakit import papers
    from ioakit.registry import Claim

    def job(name: str, v: Verdict):
        return lambda: papers.JobResult(name, "the paper says so", v, f"detail of {name}", 0.25, scope_text="s")

    pairs = [
        ("alpha", Claim("a1", job("holds", Verdict.OK))),
        ("alpha", Claim("a2", job("finding", Verdict.VIOLATED), Verdict.VIOLATED)),  # documented: passes
        ("beta", Claim("b1", job("broken", Verdict.VIOLATED))),
        ("beta", Claim("b2", job("changed", Verdict.OK), Verdict.VIOLATED)),  # the finding vanished: fails
        ("beta", Claim("b3", job("undecided", Verdict.INCOMPLETE))),
    ]
    monkeypatch.setattr(papers, "claims", lambda: iter([(SimpleNamespace(key=k), c) for k, c in pairs]))
    out = tmp_path / "papers.xml"
    code, _, _ = run(capsys, "papers", "--junit", str(out))
    assert code == 1
    xml, suites, _ = parse(out)
    assert [s.name for s in suites] == ["papers alpha", "papers beta"]
    assert [[c.name for c in s] for s in suites] == [
        ["holds [s]", "finding [s]"],
        ["broken [s]", "changed [s]", "undecided [s]"],
    ]
    assert suites[0].failures == 0 and suites[0].errors == 0 and suites[0].tests == 2
    assert suites[1].failures == 2 and suites[1].errors == 1
    changed = list(suites[1])[1]
    assert "documented finding changed" in results(changed)[0].message
    assert xml.tests == 5 and abs(xml.time - 1.25) < 1e-6


def test_odd_names_stay_well_formed(tmp_path: Path) -> None:
    odd = "a \"quoted\" <name> & 'apostrophe' ⊥ ⟨g1, {p1}⟩ ctrl\x01\x1b end"
    suite = JUnitSuite(
        odd,
        (
            JUnitCase(odd, f"ioakit.{odd}", Verdict.VIOLATED, f"VIOLATED: {odd}\nsecond line", f"body {odd}]]>"),
            JUnitCase("fine", "c", Verdict.OK, output=odd),
            JUnitCase("undecided", "c", Verdict.UNKNOWN, "UNKNOWN: solver"),
        ),
        1.5,
        (("scope", odd),),
    )
    text = to_xml([suite])
    ET.fromstring(text.encode("utf-8"))  # well-formed
    path = write_junit(tmp_path / "odd.xml", [suite])
    xml, suites, cases = parse(path)
    clean = odd.replace("\x01", "\ufffd").replace("\x1b", "\ufffd")
    assert suites[0].name == clean and cases[0].name == clean and cases[0].classname == f"ioakit.{clean}"
    (f,) = results(cases[0])
    assert f.message == f"VIOLATED: {clean}\nsecond line" and f.text == f"body {clean}]]>"
    assert props(suites[0])["scope"] == clean
    assert xml.tests == 3 and xml.failures == 1 and xml.errors == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.xml"]  # no temporary file left


def test_a_report_of_another_kind_is_one_case_with_its_verdict() -> None:
    (suite,) = suites_for(SimpleReport(Verdict.UNKNOWN, {"reason": "the solver gave up"}), "custom")
    (case,) = suite.cases
    assert case.verdict is Verdict.UNKNOWN and "the solver gave up" in case.message
    assert 'type="UNKNOWN"' in to_xml([suite])


def test_missing_folder_is_refused_before_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explore", "TO-machine", "--junit", str(tmp_path / "nope" / "r.xml"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"the folder {tmp_path / 'nope'} does not exist" in err
    code, _, err = run(capsys, "explore", "TO-machine", "--junit", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_an_existing_file_is_replaced_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.xml"
    out.write_text("old")
    assert run(capsys, "explore", "TO-machine", "--junit", str(out))[0] == 0
    assert out.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xml"]


def test_junit_is_offered_only_by_checking_commands() -> None:
    from ioakit.cli import make_parser

    p = make_parser()
    for argv in (["explore", "m"], ["check", "m", "f"], ["prove", "m", "f"], ["simulate", "m"], ["trace", "f"]):
        assert p.parse_args([*argv, "--junit", "x.xml"]).junit == "x.xml"
    for argv in (["compare", "a", "b"], ["refine", "a", "b"], ["papers"]):
        assert p.parse_args([*argv, "--junit", "x.xml"]).junit == "x.xml"
    with pytest.raises(SystemExit):
        p.parse_args(["list", "--junit", "x.xml"])


def test_ctrl_c_before_a_report_still_writes_an_undecided_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ioakit import cli

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "compare", interrupted)
    out = tmp_path / "r.xml"
    code, _, err = run(capsys, "compare", "VS-machine", "WeakVS-machine", "--junit", str(out))
    assert code == 3 and "interrupted" in err
    xml, _, cases = parse(out)
    assert xml.tests == 1 and xml.errors == 1
    (e,) = results(cases[0])
    assert e.type == "INCOMPLETE" and "interrupted (Ctrl-C)" in e.message


def test_a_bmc_left_undecided_passes_when_induction_proves_it_as_prove_says() -> None:
    from ioakit.engines.prove import BMCItem, BMCResult, InductionResult, ItemInduction

    bmc = BMCResult(
        "M",
        {"n": 1},
        5,
        1.0,
        0.5,
        Verdict.UNKNOWN,
        False,
        (
            BMCItem("a", "", Verdict.UNKNOWN, 3, reason="timeout"),
            BMCItem("b", "", Verdict.UNKNOWN, 3, reason="timeout"),
        ),
    )
    proof = InductionResult("M", {"n": 1}, 1.0, 0.25, Verdict.OK, (ItemInduction("a", "", Verdict.OK, Verdict.OK),))
    report = SimpleReport(Verdict.UNKNOWN, {"machine": "M", "scope": {"n": 1}}, parts=(bmc, proof))
    (suite,) = suites_for(report, "prove")
    by_name = {c.name: c for c in suite.cases}
    assert by_name["bmc: a"].verdict is Verdict.OK and "proved by induction" in by_name["bmc: a"].output
    assert by_name["bmc: b"].verdict is Verdict.UNKNOWN  # b was not proved: still undecided
    assert suite.seconds == 0.75


def test_a_report_not_ok_never_reads_as_all_passed() -> None:
    class Quiet:
        verdict = Verdict.VIOLATED

        def to_json(self) -> dict[str, str]:
            return {"reason": "a support invariant is violated"}

        def show(self) -> str:
            return ""

        def junit_suites(self) -> list[JUnitSuite]:
            return [JUnitSuite("s", (JUnitCase("fine", "c", Verdict.OK),))]

    (suite,) = suites_for(Quiet(), "prove")
    assert [c.name for c in suite.cases] == ["fine", "verdict"]
    assert suite.cases[-1].verdict is Verdict.VIOLATED and "support invariant" in suite.cases[-1].message


def test_simulate_cases_say_they_are_a_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sim.xml"
    code, _, _ = run(capsys, "simulate", "TO-machine", "--runs", "3", "--steps", "10", "--junit", str(out))
    assert code == 0
    xml, suites, cases = parse(out)
    assert [c.name for c in cases] == ["to_next_bound", "to_conservation"] and xml.failures == 0
    assert all(c.system_out == "no violation in 3 random runs (a sample, not a proof)" for c in cases)
    assert props(suites[0])["exhaustive"] == "false" and props(suites[0])["seed"] == "0"


def test_repeated_case_names_are_numbered() -> None:
    cases = tuple(
        JUnitCase("Lemma 4.2 on VS-machine [default scope]", "ioakit.papers.fls", Verdict.OK) for _ in range(3)
    )
    root = ET.fromstring(to_xml([JUnitSuite("papers fls", cases)]).encode())
    assert [tc.get("name") for tc in root.iter("testcase")] == [
        "Lemma 4.2 on VS-machine [default scope]",
        "Lemma 4.2 on VS-machine [default scope] (2)",
        "Lemma 4.2 on VS-machine [default scope] (3)",
    ]


def test_prove_table_one_case_per_row_and_the_conjunction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "table.xml"
    assert run(capsys, "prove", "TO-machine", "to_machine", "--table", "--bmc", "2", "--junit", str(out))[0] == 0
    xml, _, cases = parse(out)
    assert [c.name for c in cases][-1] == "conjunction inductive" and xml.tests == 6
    assert all(c.is_passed for c in cases)
    out = tmp_path / "cti.xml"
    argv = ("prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12", "--table", "--bmc", "2")
    assert run(capsys, *argv, "--junit", str(out))[0] == 3
    xml, _, cases = parse(out)
    assert [c.name for c in cases] == ["lemma_4_1_12", "conjunction inductive"]
    assert xml.errors == 2 and xml.failures == 0  # holds where explored, not proved: undecided, never a pass
    assert "reachable (exploration): OK" in results(cases[0])[0].message


def test_a_command_stopped_by_bad_input_replaces_a_stale_file_with_an_error_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A passing file from an earlier run must not survive a run that failed on its input: CI
    would read the old pass as this run's result."""
    f = tmp_path / "r.xml"
    small = "processors=1,values=1,max_inputs=1"
    assert run(capsys, "explore", "TO-machine", "--scope", small, "--junit", str(f))[0] == 0
    assert junitparser.JUnitXml.fromfile(str(f)).errors == 0
    code, _, err = run(capsys, "check", "TO-machine", str(tmp_path / "missing.inv"), "--junit", str(f))
    assert code == 2 and "missing.inv" in err
    _, _, cases = parse(f)
    [case] = cases
    [res] = results(case)
    assert isinstance(res, junitparser.Error) and res.type == "INPUT ERROR" and "missing.inv" in (res.message or "")
