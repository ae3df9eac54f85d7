"""The dynastore bundle (``specs/dynastore/__init__.py``): its machines are listed and found, its
claims hold at their scopes, ``explore`` and ``simulate --record`` work from the command line, and
the recorded runs are ``weak-snapshot`` / ``atomic-register`` histories with the contract's events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.registry import get_spec, paper_of, papers
from ioakit.results import Verdict


def test_the_bundle_is_a_builtin_paper_with_its_machines() -> None:
    (paper,) = [p for p in papers() if p.key == "dynastore"]
    names = {m.name for m in paper.machines}
    assert {"weak-snapshot-alg1", "dynastore"} <= names
    assert paper_of("dynastore") is paper
    assert set(paper.properties) == names  # every machine has its default properties


def test_claims_hold() -> None:
    """The main job's claims of this bundle (each a complete exploration of a few seconds)."""
    (paper,) = [p for p in papers() if p.key == "dynastore"]
    for claim in paper.claims():
        job = claim.run()
        assert job.verdict is claim.expected is Verdict.OK, (claim.name, job.detail)
        assert "INCOMPLETE" not in job.detail


def test_list_shows_the_machines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "weak-snapshot-alg1" in out and "dynastore-bug-no-halt" in out


def test_explore_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    scope = "processes=2,init=1,values=1,max_ops=2,reconfigs=1,crashes=0"
    assert main(["explore", "dynastore", "--scope", scope]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "2,866" in out
    assert main(["explore", "dynastore-bug-skip-update", "--scope", scope]) == 1
    assert "ds1_front" in capsys.readouterr().out


def test_bad_scope_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "dynastore", "--scope", "processes=2,init=3"]) == 2
    err = capsys.readouterr().err
    assert "init=3 exceeds processes=2" in err and "Traceback" not in err


def _events(path: Path) -> tuple[dict, list[dict]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    return lines[0], lines[1:]


def test_simulate_records_atomic_register_histories(tmp_path: Path) -> None:
    scope = "processes=3,init=3,values=2,max_ops=4,reconfigs=1,crashes=1,capacity=10,max_contacts=10"
    out = tmp_path / "runs"
    assert main(["simulate", "dynastore", "--scope", scope, "--runs", "5", "--steps", "300", "--record", str(out)]) == 0
    files = sorted(out.glob("run-*.jsonl"))
    assert len(files) == 5
    kinds = {
        "read": ("input", {"p"}),
        "read-return": ("output", {"p", "v"}),
        "write": ("input", {"p", "v"}),
        "write-return": ("output", {"p"}),
        "reconfig": ("input", {"p", "changes"}),
        "reconfig-return": ("output", {"p"}),
        "enable-operations": ("output", {"p"}),
        "crash": ("input", {"p"}),
        "quiescent": ("input", set()),  # written when the run ended with no step enabled
    }
    seen = set()
    for f in files:
        header, events = _events(f)
        assert header["automaton"] == "atomic-register"
        for e in events:
            kind, args = kinds[e["action"]]
            assert e["kind"] == kind and set(e["args"]) == args
            seen.add(e["action"])
            if e["action"] == "reconfig":
                assert set(e["args"]["changes"]) == {"add", "remove"}
    assert {"read", "write", "read-return", "write-return"} <= seen


def test_simulate_records_weak_snapshot_histories(tmp_path: Path) -> None:
    out = tmp_path / "ws"
    assert main(["simulate", "weak-snapshot-alg1", "--runs", "3", "--steps", "60", "--record", str(out)]) == 0
    for f in sorted(out.glob("run-*.jsonl")):
        header, events = _events(f)
        assert header["automaton"] == "weak-snapshot"
        for e in events:
            assert e["action"] in {"update", "update-return", "scan", "scan-return", "crash", "quiescent"}
            if e["action"] == "scan-return":
                assert isinstance(e["args"]["C"], list)


def test_seeded_bugs_are_marked() -> None:
    src = get_spec("dynastore-bug-no-halt").source
    assert src.startswith("SEEDED BUG (ours, not the paper's)")
