"""Induction results label an item "proved" only when the whole conjunction is inductive; an item
that is merely preserved given the others says so and names them (text and JSON), so a false
invariant preserved given another false one is never reported as OK."""

from __future__ import annotations

import json

import pytest

from ioakit.cli import main
from ioakit.engines.prove import Outcome, Prover
from ioakit.invariants import check_invariants, load_invariants
from ioakit.registry import get_spec

# Both invariants are false on TO-machine (bcast fills pending[p], to-order fills the queue).
# `empty_queue` is preserved given `no_pending` (to-order needs a non-empty pending[p]);
# `no_pending` is broken by bcast.
FALSE_PAIR = """machine TO-machine
invariant empty_queue: len(queue) == 0
invariant no_pending: forall p in P: len(pending[p]) == 0
"""


@pytest.fixture(scope="module")
def to():
    return get_spec("TO-machine").build({})


def test_a_false_invariant_preserved_given_another_false_one_is_not_ok(to) -> None:
    invs = load_invariants(FALSE_PAIR, to, filename="pair.inv")
    rep = check_invariants(to, invs)
    assert [o.status for o in rep.outcomes] == ["violated", "violated"]  # both really false
    ind = Prover(to, timeout_s=30).induction(invs.properties)
    assert ind.outcome is Outcome.NOT_INDUCTIVE
    eq, np = ind.item("empty_queue"), ind.item("no_pending")
    assert eq.outcome is Outcome.INDUCTIVE and np.outcome is Outcome.NOT_INDUCTIVE
    assert ind.status(eq) == "preserved" and ind.given(eq) == ("no_pending",)
    assert ind.status(np) == "not_inductive"
    text = ind.show()
    assert "empty_queue  preserved given {no_pending}" in text
    assert "no_pending   not preserved — broken by bcast" in text
    assert " OK" not in text.split("\n", 1)[1]
    js = {i["name"]: i for i in ind.to_json()["invariants"]}
    assert js["empty_queue"]["status"] == "preserved" and js["empty_queue"]["given"] == ["no_pending"]
    assert js["empty_queue"]["verdict"] == "UNKNOWN"
    assert js["no_pending"]["status"] == "not_inductive" and "given" not in js["no_pending"]


def test_only_a_whole_inductive_conjunction_says_proved(to) -> None:
    invs = load_invariants("machine TO-machine\ninvariant nb: forall p in P: next[p] <= len(queue) + 1\n", to)
    ind = Prover(to, timeout_s=30).induction(invs.properties)
    assert ind.outcome is Outcome.INDUCTIVE
    assert ind.status(ind.items[0]) == "proved"
    assert "nb  proved" in ind.show()
    assert ind.to_json()["invariants"][0]["status"] == "proved"


def test_cli_prove_labels_preserved_items(tmp_path, capsys) -> None:
    f = tmp_path / "pair.inv"
    f.write_text(FALSE_PAIR)
    assert main(["prove", "TO-machine", str(f), "--induction"]) == 3
    out = capsys.readouterr().out
    assert "empty_queue  preserved given {no_pending}" in out
    assert main(["prove", "TO-machine", str(f), "--induction", "--json"]) == 3
    js = json.loads(capsys.readouterr().out)
    items = {i["name"]: i for i in js["induction"]["invariants"]}
    assert items["empty_queue"]["status"] == "preserved" and items["empty_queue"]["given"] == ["no_pending"]
