"""``ioakit baseline record`` / ``check``: the checked-in manifest matches what exploring says now
(for a fast subset), a tampered manifest is reported drift by drift (exit 1), a missing or
malformed one is exit 2 with the reason, ``record`` is deterministic and never replaces a manifest
without ``--force``, and machines over the state budget are recorded as skipped."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser  # the dev extra (pyproject.toml), which scripts/setup installs
import pytest

from ioakit import baseline
from ioakit.cli import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "baselines" / "shipped.json"
FAST = ("TO-machine", "VS-machine", "round-based-consensus")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _machines(*names: str) -> list[str]:
    return [w for n in names for w in ("--machine", n)]


def test_the_shipped_manifest_matches_exploration_now(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "baseline", "check", str(SHIPPED), *_machines(*FAST), "--json")
    assert code == 0, out + err
    r = json.loads(out)
    assert r["verdict"] == "OK" and r["checked"] == list(FAST) and r["drifts"] == []
    assert r["now"]["TO-machine"]["states"] == 2065  # the figures the README gives


def test_the_shipped_manifest_is_what_record_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Produced by the command, not by hand: recording the fast machines again gives their entries
    byte for byte, with the same rule and budget; every registered machine is in it."""
    shipped = baseline.load_manifest(SHIPPED)
    out = tmp_path / "b.json"
    assert run(capsys, "baseline", "record", "-o", str(out), *_machines(*FAST))[0] == 0
    again = json.loads(out.read_text())
    assert {k: v for k, v in again.items() if k != "machines"} == {k: v for k, v in shipped.items() if k != "machines"}
    for n in FAST:
        assert again["machines"][n] == shipped["machines"][n]
    assert list(shipped["machines"]) == sorted(baseline.shipped_machines())
    assert SHIPPED.read_text() == baseline.manifest_text(shipped)  # sorted keys, the command's layout
    skipped = [n for n, e in shipped["machines"].items() if "skipped" in e]
    assert "round-based-register-fig5" in skipped and "TO-machine" not in skipped
    assert all(
        shipped["machines"][n]["skipped"] == "more than 500,000 reachable states at the default scope" for n in skipped
    )


def test_a_tampered_manifest_is_drift_named_field_by_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(SHIPPED.read_text())
    to = data["machines"]["TO-machine"]
    to["states"] += 1
    to["properties"]["to_conservation"] = "VIOLATED"
    to["scope"]["processors"] = 3
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data))
    junit = tmp_path / "baseline.xml"
    code, out, _ = run(
        capsys, "baseline", "check", str(bad), *_machines("TO-machine", "VS-machine"), "--junit", str(junit)
    )
    assert code == 1
    assert "drift: TO-machine: states: recorded 2066, now 2065" in out
    assert 'drift: TO-machine: properties.to_conservation: recorded "VIOLATED", now "OK"' in out
    assert "drift: TO-machine: scope: recorded" in out and "VS-machine" not in [
        ln.split()[-1] for ln in out.splitlines() if "drift" in ln
    ]
    assert "verdict: VIOLATED — 3 drift(s)" in out
    cases = {c.name: c for s in junitparser.JUnitXml.fromfile(str(junit)) for c in s}
    assert cases["VS-machine"].is_passed and not cases["TO-machine"].is_passed
    assert "states: recorded 2066, now 2065" in cases["TO-machine"].result[0].text


def test_unrecorded_and_vanished_machines_are_drifts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(SHIPPED.read_text())
    data["machines"] = {"TO-machine": data["machines"]["TO-machine"], "Gone-machine": data["machines"]["TO-machine"]}
    f = tmp_path / "partial.json"
    f.write_text(json.dumps(data))
    code, out, _ = run(capsys, "baseline", "check", str(f), "--json")
    r = json.loads(out)
    assert code == 1 and r["checked"] == ["TO-machine"]
    assert {"machine": "Gone-machine", "field": "machine", "recorded": "recorded", "now": None} in r["drifts"]
    assert {
        "machine": "VS-machine",
        "field": "machine",
        "recorded": None,
        "now": "registered, not in the baseline",
    } in r["drifts"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "no such baseline manifest"),
        ("{oops", ":1:2: not JSON"),
        ('{"format": "other"}', "not an ioakit baseline manifest"),
        ('{"format": "ioakit-baseline", "version": 9, "max_states": 5, "machines": {}}', "version 9"),
        ('{"format": "ioakit-baseline", "version": 1, "max_states": 0, "machines": {}}', "'max_states' must be"),
        (
            '{"format": "ioakit-baseline", "version": 1, "max_states": 5, "machines": {"TO-machine": {"scope": {}}}}',
            "machine 'TO-machine': 'states' must be an integer",
        ),
        (
            '{"format": "ioakit-baseline", "version": 1, "max_states": 5, "machines": {"TO-machine": []}}',
            "machine 'TO-machine': expected an object",
        ),
    ],
)
def test_a_missing_or_malformed_manifest_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, message: str
) -> None:
    f = tmp_path / "m.json"
    if text is not None:
        f.write_text(text)
    code, out, err = run(capsys, "baseline", "check", str(f))
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_record_refuses_to_replace_without_force_and_is_deterministic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.json"
    assert run(capsys, "baseline", "record", "-o", str(f), "--machine", "TO-machine")[0] == 0
    first = f.read_bytes()
    code, _, err = run(capsys, "baseline", "record", "-o", str(f), "--machine", "TO-machine")
    assert code == 2 and "exists; not replacing a baseline manifest (use --force)" in err
    assert run(capsys, "baseline", "record", "-o", str(f), "--machine", "TO-machine", "--force")[0] == 0
    assert f.read_bytes() == first and b"seconds" not in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]
    code, _, err = run(capsys, "baseline", "record", "-o", str(tmp_path / "no" / "b.json"), "--machine", "TO-machine")
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "baseline", "check", str(f), "--machine", "VS-machine")
    assert code == 2 and "VS-machine: not in the baseline" in err


def test_a_machine_over_the_budget_is_skipped_and_its_drift_seen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.json"
    assert run(capsys, "baseline", "record", "-o", str(f), "--machine", "TO-machine", "--max-states", "100")[0] == 0
    data = json.loads(f.read_text())
    assert data["max_states"] == 100
    assert data["machines"]["TO-machine"]["skipped"] == "more than 100 reachable states at the default scope"
    # nothing re-explored is not a pass: INCOMPLETE, exit 3, and a JUnit error case
    xml = tmp_path / "b.xml"
    code, out, _ = run(capsys, "baseline", "check", str(f), "--machine", "TO-machine", "--json", "--junit", str(xml))
    assert code == 3 and json.loads(out)["skipped"] == ["TO-machine"] and json.loads(out)["verdict"] == "INCOMPLETE"
    suite = next(iter(junitparser.JUnitXml.fromfile(str(xml))))
    assert suite.tests == 1 and suite.errors == 1
    now = baseline.explore_entry("TO-machine", 10_000)
    drifts = baseline.compare_entry("TO-machine", data["machines"]["TO-machine"], now)
    assert [d.field for d in drifts] == ["skipped"]
