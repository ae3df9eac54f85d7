"""Support invariants (``Prover.induction(..., support=...)``, ``ioakit prove --support``).

A support is proved *together with* the targets and only then assumed, by consecution and by the
check that no step is cut off by the scope's bounds. The fixture is ``tests/models/budget.py``:
the conservation law ``a + b <= inputs_issued`` is what makes the target ``b <= inputs_issued``
inductive and what rules out the cut steps — the shape of Fekete–Lynch–Shvartsman's VS-machine
and ``invariants/fls/vs_bounds.inv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from models.budget import FALSE_SUPPORT, NONNEGATIVE, SUPPORT, TARGET, Budget

from ioakit.cli import main
from ioakit.engines.prove import Outcome, Prover, Verdict
from ioakit.engines.table import lemma_table
from ioakit.invariants import load_invariants

BUDGET = f"{Path(__file__).resolve().parents[1] / 'models' / 'budget.py'}:Budget"


@pytest.fixture
def m():
    return Budget().build({})


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in {
        "target": TARGET,
        "support": SUPPORT,
        "false": FALSE_SUPPORT,
        "nonneg": NONNEGATIVE,
    }.items():
        (tmp_path / f"{name}.inv").write_text(text)
        out[name] = str(tmp_path / f"{name}.inv")
    return out


def props(m, path):
    return list(load_invariants(Path(path), m).properties)


def test_target_inductive_only_with_its_support(m, files):
    target, support = props(m, files["target"]), props(m, files["support"])
    prover = Prover(m)
    alone = prover.induction(target)
    assert alone.outcome is Outcome.NOT_INDUCTIVE
    r = prover.induction(target, support=support)
    assert r.outcome is Outcome.INDUCTIVE and r.verdict is Verdict.OK
    assert r.support == ("conservation",)
    assert [i.name for i in r.targets] == ["moved_were_issued"]
    assert [i.name for i in r.support_items] == ["conservation"]
    assert "support, proved with them:" in r.show()
    assert r.to_json()["support"] == ["conservation"]


def test_false_support_never_yields_ok(m, files):
    """``a <= 0`` would make ``b == 0``-style targets trivially preserved if merely assumed; as a
    support it is checked, and produce breaks it: NOT INDUCTIVE, never OK."""
    target, false = props(m, files["target"]), props(m, files["false"])
    r = Prover(m).induction(target, support=false)
    assert r.outcome is Outcome.NOT_INDUCTIVE and r.verdict is not Verdict.OK
    assert r.item("nothing_produced").breaking_families == ("produce",)
    # as a mere hypothesis (``assume``) the same formula is not checked: the difference
    assumed = Prover(m).induction(target, assume=false)
    assert assumed.item("moved_were_issued").outcome is Outcome.INDUCTIVE


def test_support_false_in_a_start_state_is_a_violation(m, tmp_path):
    bad = tmp_path / "bad.inv"
    bad.write_text('machine budget\n\ninvariant one "false initially":\n  "a is 1"\n  a == 1\n')
    r = Prover(m).induction([], support=props(m, bad))
    assert r.outcome is Outcome.VIOLATED_INITIALLY


def test_cut_check_assumes_the_support(m, files):
    """``a >= 0`` is inductive alone, but from a state satisfying only it produce may overflow
    ``a``: with no room to explore (``explore_limit=1``) that is UNKNOWN; the support rules the
    cut out in Z3, with no exploration at all."""
    target, support = props(m, files["nonneg"]), props(m, files["support"])
    without = Prover(m, explore_limit=1).induction(target)
    assert without.outcome is Outcome.UNKNOWN and without.cut_possible
    prover = Prover(m, explore_limit=1)
    with_support = prover.induction(target, support=support)
    assert with_support.outcome is Outcome.INDUCTIVE and not with_support.cut_possible
    assert prover._reachable_cut is None  # Z3 alone ruled the cut out: nothing was explored
    # exploring the (small) bounded machine also rules it out, without the support
    assert Prover(m).induction(target).outcome is Outcome.INDUCTIVE


def test_a_false_support_does_not_rule_out_the_cut(m, files):
    """``a <= 0`` would rule out produce's overflow if assumed; not being inductive, it gives no OK."""
    target, false = props(m, files["nonneg"]), props(m, files["false"])
    r = Prover(m, explore_limit=1).induction(target, support=false)
    assert r.verdict is not Verdict.OK


def test_bmc_checks_supports_like_targets(m, files):
    target, support, false = (props(m, files[k]) for k in ("target", "support", "false"))
    ok = Prover(m).bmc(target, 4, support=support)
    assert ok.verdict is Verdict.OK and ok.support == ("conservation",)
    assert "support, checked with them:" in ok.show()
    bad = Prover(m).bmc(target, 4, support=false)
    assert bad.verdict is Verdict.VIOLATED
    assert bad.item("nothing_produced").violated_at == 1
    assert bad.item("moved_were_issued").verdict is Verdict.OK


def test_a_support_named_like_a_target_is_the_target(m, files):
    target = props(m, files["target"])
    r = Prover(m).induction(target, support=target)
    assert r.support == () and len(r.items) == 1


def test_table_with_support(m, files):
    target, support = props(m, files["target"]), props(m, files["support"])
    t = lemma_table(m, target, 3, support=support, explore_limit=1)
    assert t.conjunction is Verdict.OK and t.verdict is Verdict.OK
    assert [r.name for r in t.rows] == ["moved_were_issued"]
    assert "conservation" in t.to_markdown()
    assert t.row("moved_were_issued").support.support == ("conservation",)


# -- the command line ------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes_with_and_without_support(capsys, files):
    code, out, _ = run(capsys, "prove", BUDGET, files["nonneg"], "--explore-limit", "1")
    assert code == 3 and "may leave the scope's bounds" in out
    code, out, _ = run(capsys, "prove", BUDGET, files["nonneg"], "--explore-limit", "1", "--support", files["support"])
    assert code == 0 and "support, proved with them:" in out
    code, out, _ = run(capsys, "prove", BUDGET, files["target"], "--support", files["support"], "--json")
    data = json.loads(out)
    assert code == 0 and data["support"] == ["conservation"] and data["induction"]["support"] == ["conservation"]
    code, out, _ = run(capsys, "prove", BUDGET, files["target"], "--support", files["false"])
    assert code == 3 and "NOT INDUCTIVE" in out


def test_cli_support_repeatable_and_bmc(capsys, files):
    code, out, _ = run(
        capsys, "prove", BUDGET, files["nonneg"], "--support", files["support"], "--support", files["target"]
    )
    assert code == 0 and "moved_were_issued" in out and "conservation" in out
    code, out, _ = run(capsys, "prove", BUDGET, files["target"], "--bmc", "3", "--support", files["false"])
    assert code == 1 and "nothing_produced" in out


def test_cli_only_selects_targets_and_the_rest_may_support(capsys):
    """``--only`` picks targets; naming FILE again as ``--support`` makes the rest its support."""
    args = ("prove", "VS-machine", "vs_lemma_4_1", "--only", "lemma_4_1_12")
    code, out, _ = run(capsys, *args, "--support", "vs_lemma_4_1", "--support", "vs_bounds", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["induction"]["invariants"][0]["name"] == "lemma_4_1_12"
    assert "lemma_4_1_12" not in data["support"] and "vs_conservation" in data["support"]


def test_cli_bad_support_file_is_exit_2_located(capsys, files, tmp_path):
    broken = tmp_path / "broken.inv"
    broken.write_text('machine budget\n\ninvariant x "x":\n  "x"\n  a <=\n')
    code, _, err = run(capsys, "prove", BUDGET, files["target"], "--support", str(broken))
    assert code == 2 and f"{broken}:5:" in err and "Traceback" not in err
    code, _, err = run(capsys, "prove", BUDGET, files["target"], "--support", "no_such_file")
    assert code == 2 and "no_such_file" in err


def test_shipped_vs_bounds_rules_out_cut_steps_without_exploring():
    """Lemma 4.1 ∧ vs_bounds is inductive and no cut step is possible, by Z3 alone (the
    exploration fallback is given no room), at a scope whose bounded machine has over a million
    reachable states."""
    from ioakit.registry import get_spec, invariant_file

    vs = get_spec("VS-machine").build({"processors": 3, "initial_members": 3, "view_ids": 3})
    lemma = list(load_invariants(invariant_file("vs_lemma_4_1"), vs).properties)
    bounds = list(load_invariants(invariant_file("vs_bounds"), vs).properties)
    prover = Prover(vs, 120.0, explore_limit=1)
    r = prover.induction(lemma, support=bounds)
    assert r.outcome is Outcome.INDUCTIVE and r.support == ("vs_conservation",)
    assert prover._reachable_cut is None


def test_paper_job_lemma_4_1_three_processors_is_proved_without_exploring(monkeypatch):
    """The FLS claim "Lemma 4.1 inductive (3 processors)" is a proof with the ``vs_bounds``
    support: Z3 rules out the cut steps, the exploration fallback is never called."""
    from ioakit.registry import claims

    def no_exploring(self):
        raise AssertionError("the prover explored the bounded machine")

    monkeypatch.setattr(Prover, "reachable_cut", no_exploring)
    (claim,) = [c for _, c in claims() if c.name == "Lemma 4.1 inductive (3 processors)"]
    r = claim.run()
    assert r.verdict is Verdict.OK and r.data["support"] == ["vs_conservation"]
    assert "--support vs_bounds" in r.name
