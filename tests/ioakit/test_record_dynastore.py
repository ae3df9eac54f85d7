"""``ioakit simulate --record`` on the DynaStore machines writes ``atomic-register`` and
``weak-snapshot`` histories that ``ioakit trace`` judges: a run that ended with no step enabled
ends with the ``quiescent`` marker (so Definition 3.2 / PR5 are judged), a run stopped by
``--steps`` does not (so they are UNKNOWN, exit 3, never OK)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ioakit.cli import main


def _last_action(path: Path) -> str:
    return json.loads(path.read_text().splitlines()[-1])["action"]


@pytest.mark.parametrize(
    ("machine", "scope"),
    [
        ("dynastore", "processes=3,init=2,max_ops=3,reconfigs=1,crashes=1"),
        ("weak-snapshot-alg1", "processes=3,max_ops=3,crashes=1"),
    ],
)
def test_runs_to_the_end_are_quiescent_and_judged(
    machine: str, scope: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "runs"
    assert main(["simulate", machine, "--scope", scope, "--runs", "5", "--steps", "5000", "--seed", "3",
                 "--record", str(rec)]) == 0  # fmt: skip
    files = sorted(rec.iterdir())
    assert len(files) == 5
    for f in files:
        assert _last_action(f) == "quiescent"
        capsys.readouterr()
        assert main(["trace", str(f)]) == 0, capsys.readouterr().out


def test_a_run_cut_by_steps_is_not_quiescent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "runs"
    scope = "processes=3,init=2,max_ops=3,reconfigs=1,crashes=1"
    assert main(["simulate", "dynastore", "--scope", scope, "--runs", "1", "--steps", "3", "--seed", "3",
                 "--record", str(rec)]) == 0  # fmt: skip
    (f,) = rec.iterdir()
    assert _last_action(f) != "quiescent"
    capsys.readouterr()
    assert main(["trace", str(f)]) == 3
    assert "not judged" in capsys.readouterr().out
