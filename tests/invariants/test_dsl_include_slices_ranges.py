"""The invariant language's includes, sequence slices ``s[i..j]``, integer ranges ``i in a..b``,
scope parameters as constants, and the names of composed systems' components.

Slices are checked against an independent statement of their meaning (lengths and entries, from
``max``/``min`` and indexing) in every reachable state by exploration (the Python semantics) and
by Z3 in every well-formed state (induction of a statement true of every state: the Z3
semantics). The target use of the issue — each processor's delivered prefix of the queue — is
written for VS-machine with Lemma 4.1 included as support, checked by exploration and proved by
induction.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ioakit.cli import main
from ioakit.engines.prove import Outcome, Prover
from ioakit.invariants import (
    InvariantError,
    InvariantFileError,
    InvariantMachineError,
    InvariantTypeError,
    check_invariants,
    lemma_file,
    load_invariants,
)
from ioakit.registry import get_spec


@pytest.fixture(scope="module")
def vs():
    return get_spec("VS-machine").build({})


@pytest.fixture(scope="module")
def to():
    return get_spec("TO-machine").build({})


def statuses(machine, text: str) -> dict[str, str]:
    invs = load_invariants(text, machine, filename="t.inv")
    return {o.name: o.status for o in check_invariants(machine, invs).outcomes}


# -- slices -------------------------------------------------------------------------------------

SLICE_SPEC = """machine TO-machine
invariant slice_length "s[i..j] has the positions max(i, 1)..min(j, len(s))":
  forall i in -1..5, j in -1..5:
    len(queue[i..j]) == max(0, min(j, len(queue)) - max(i, 1) + 1)
invariant slice_entries "entry k of s[i..j] is entry k + max(i, 1) - 1 of s":
  forall i in -1..5, j in -1..5: forall k in 1..len(queue[i..j]): queue[i..j][k] == queue[k + max(i, 1) - 1]
invariant slice_prefix "s[1..j] is take(s, j), a prefix of s":
  forall j in -1..5: queue[1..j] == take(queue, j) and prefix(queue[1..j], queue)
"""


def test_slices_mean_their_specification_in_both_semantics(to) -> None:
    invs = load_invariants(SLICE_SPEC, to, filename="slices.inv")
    report = check_invariants(to, invs)
    assert [o.status for o in report.outcomes] == ["holds"] * 3
    assert report.states > 50  # queues of every length 0..3 are reached
    # true of every well-formed state, so Z3 proves each alone: the Z3 meaning of slices agrees
    ind = Prover(to, timeout_s=60).induction(invs.properties)
    assert ind.outcome is Outcome.INDUCTIVE, ind.show()
    assert all(ind.status(it) == "proved" for it in ind.items)


def test_a_wrong_slice_claim_is_violated(to) -> None:
    text = "machine TO-machine\ninvariant wrong: forall j in 0..3: len(queue[1..j]) == j\n"
    assert statuses(to, text) == {"wrong": "violated"}
    invs = load_invariants(text, to)
    assert Prover(to, timeout_s=60).bmc(invs.properties, 3).verdict.value == "VIOLATED"


def test_slice_errors_are_located(vs) -> None:
    with pytest.raises(InvariantTypeError) as e:
        text = "machine VS-machine\ninvariant a: forall g in G: len(queue[g][1..g]) >= 0\n"
        load_invariants(text, vs, filename="a.inv")
    assert str(e.value).startswith("a.inv:2:45: error: the last position of a slice must be an integer, got a G value")
    assert "^" in str(e.value)


# -- the target: delivered prefixes, with Lemma 4.1 included as support ---------------------------

DELIVERED = """machine VS-machine
include "vs_lemma_4_1"

# the messages of view g delivered at p: positions 1 .. next[p, g] - 1 of queue[g]
def delivered(p: P, g: G) = queue[g][1..next[p, g] - 1]

invariant delivered_prefix "ours":
  "Each processor's delivered prefix is a prefix of the queue, of length next[p, g] - 1."
  forall p in P, g in G: prefix(delivered(p, g), queue[g]) and len(delivered(p, g)) == next[p, g] - 1

invariant safe_within_delivered "ours":
  "What is safe at p is a prefix of what p delivered."
  forall p in P, g in G: prefix(queue[g][1..next_safe[p, g] - 1], delivered(p, g))
"""


def test_delivered_prefix_is_checked_and_proved_with_lemma_4_1_included(tmp_path, capsys) -> None:
    f = tmp_path / "delivered.inv"
    f.write_text(DELIVERED)
    assert main(["check", "VS-machine", str(f)]) == 0
    out = capsys.readouterr().out
    assert "holds      delivered_prefix" in out and "holds      lemma_4_1_14" in out
    assert main(["prove", "VS-machine", str(f), "--induction", "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    ind = js["induction"]
    assert ind["outcome"] == "inductive"
    assert ind["support"] == [f"lemma_4_1_{i}" for i in range(1, 15)]  # the included items
    targets = [i["name"] for i in ind["invariants"] if i["name"] not in ind["support"]]
    assert targets == ["delivered_prefix", "safe_within_delivered"]
    assert {i["status"] for i in ind["invariants"]} == {"proved"}
    assert main(["prove", "VS-machine", str(f), "--bmc", "5"]) == 0
    capsys.readouterr()
    # naming the included file again as --support adds nothing twice
    assert main(["prove", "VS-machine", str(f), "--support", "vs_lemma_4_1", "--json"]) == 0
    ind = json.loads(capsys.readouterr().out)["induction"]
    assert ind["support"] == [f"lemma_4_1_{i}" for i in range(1, 15)]


def test_a_false_delivered_prefix_claim_is_found(vs) -> None:
    """The checks can fail: that every processor delivered the whole queue is false."""
    text = DELIVERED.replace('include "vs_lemma_4_1"\n', "") + (
        "invariant all_delivered: forall p in P, g in G: delivered(p, g) == queue[g]\n"
    )
    assert statuses(vs, text)["all_delivered"] == "violated"


# -- include ------------------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_include_relative_paths_definitions_and_diamonds(tmp_path, vs) -> None:
    write(
        tmp_path,
        {
            "main.inv": 'machine VS-machine\ninclude "lib/a.inv"\ninclude "lib/b.inv"\n'
            "invariant mine: forall p in P, g in G: len(delivered(p, g)) <= len(queue[g])\n",
            "lib/a.inv": 'machine VS-machine\ninclude "common.inv"\ninvariant from_a: forall g in G: bounded(g)\n',
            "lib/b.inv": 'machine VS-machine, WeakVS-machine\ninclude "common.inv"\ninvariant from_b: true\n',
            "lib/common.inv": "machine VS-machine\ndef delivered(p: P, g: G) = queue[g][1..next[p, g] - 1]\n"
            "def bounded(g: G) = len(queue[g]) <= max_inputs\n",
        },
    )
    invs = load_invariants(tmp_path / "main.inv", vs)
    assert invs.names == ["from_a", "from_b", "mine"]  # common.inv once, though included twice
    assert invs.included == frozenset({"from_a", "from_b"})
    assert [s.name for s in invs.included_files] == [
        str(tmp_path / "lib/a.inv"),
        str(tmp_path / "lib/common.inv"),
        str(tmp_path / "lib/b.inv"),
    ]
    assert [o.status for o in check_invariants(vs, invs).outcomes] == ["holds"] * 3


def test_include_from_text_is_relative_to_the_current_folder(tmp_path, vs, monkeypatch) -> None:
    write(tmp_path, {"lib.inv": "machine VS-machine\ninvariant lib_item: inputs_issued <= max_inputs\n"})
    monkeypatch.chdir(tmp_path)
    invs = load_invariants('machine VS-machine\ninclude "lib.inv"\n', vs)
    assert invs.names == ["lib_item"]


def test_include_errors_name_both_places(tmp_path, vs) -> None:
    write(
        tmp_path,
        {
            "dup.inv": 'machine VS-machine\ninclude "vs_lemma_4_1"\ndef in_queue = 1\n',
            "other.inv": 'machine VS-machine\ninclude "to_machine"\n',
            "self.inv": 'machine VS-machine\ninclude "self.inv"\n',
        },
    )
    with pytest.raises(InvariantTypeError) as e:
        load_invariants(tmp_path / "dup.inv", vs, filename="dup.inv")
    msg = str(e.value)
    assert msg.startswith("dup.inv:3:5: error: `in_queue` is defined twice")
    assert f"{lemma_file('vs_lemma_4_1')}:" in msg and "info: first definition here" in msg
    with pytest.raises(InvariantMachineError) as m:
        load_invariants(tmp_path / "other.inv", vs, filename="other.inv")
    assert str(m.value).startswith(f"{lemma_file('to_machine')}:")
    assert "this included file is about TO-machine, not VS-machine" in str(m.value)
    assert "other.inv:2:1: info: included here" in str(m.value)
    with pytest.raises(InvariantFileError, match=r"include cycle: self\.inv → self\.inv"):
        load_invariants(tmp_path / "self.inv", vs, filename="self.inv")
    (tmp_path / "binary.inv").write_bytes(b"\xff\xfe")
    (tmp_path / "uses_binary.inv").write_text('machine VS-machine\ninclude "binary.inv"\n')
    with pytest.raises(InvariantFileError) as b:
        load_invariants(tmp_path / "uses_binary.inv", vs, filename="uses_binary.inv")
    assert str(b.value).startswith("uses_binary.inv:2:9: error: cannot include `binary.inv`: not a UTF-8 text file")


def test_prove_only_an_included_invariant_and_support_by_name(tmp_path, capsys) -> None:
    f = tmp_path / "delivered.inv"
    f.write_text(DELIVERED)
    assert main(["prove", "VS-machine", str(f), "--only", "lemma_4_1_12", "--json"]) == 0
    ind = json.loads(capsys.readouterr().out)["induction"]
    assert ind["invariants"][0]["name"] == "lemma_4_1_12"
    assert "lemma_4_1_12" not in ind["support"] and len(ind["support"]) == 13


# -- integer ranges -----------------------------------------------------------------------------


def test_integer_ranges(vs) -> None:
    text = """machine VS-machine
invariant count: sum(i in 1..max_inputs: 1) == max_inputs and sum(i in 3..1: 1) == 0
invariant exactly_one: exists! i in 2..4: i * i == 9
invariant empty_range: not (exists i in 1..0: true)
invariant state_bounds: forall g in G: sum(i in 1..len(queue[g]): 1) == len(queue[g])
invariant entries: forall g in G: forall i in 1..len(queue[g]): queue[g][i] in queue[g]
invariant false_one: forall g in G: forall i in 0..len(queue[g]): queue[g][i] in queue[g]
invariant membership: forall p in P, g in G: next[p, g] in 1..len(queue[g]) + 1 and 0 not in 1..max_inputs
invariant membership_false: forall p in P, g in G: next[p, g] in 2..len(queue[g]) + 1
"""
    got = statuses(vs, text)
    assert got == {
        "count": "holds",
        "exactly_one": "holds",
        "empty_range": "holds",
        "state_bounds": "holds",
        "entries": "holds",
        "false_one": "violated",  # position 0 is out of range: not an entry of a non-empty queue
        "membership": "holds",  # x in a..b as a formula: Lemma 4.1(10) and next >= 1
        "membership_false": "violated",  # next[p, g] is 1 at the start
    }


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("forall i in 1..P: true", "2:29: error: the upper bound of a range `a..b` must be an integer, got a Set[P]"),
        ("forall S subset 1..3: true", "2:21: error: `subset` ranges over the subsets of a set; write `S in 1..3`"),
        ("forall i in 0..len(queue[g0]) * 5000: true", "2:26: error: the range 0..10000 (the least value of its"),
    ],
)
def test_range_errors_are_located(vs, formula, message) -> None:
    with pytest.raises(InvariantError) as e:
        load_invariants(f"machine VS-machine\ninvariant r: {formula}\n", vs, filename="r.inv")
    assert str(e.value).startswith("r.inv:" + message), str(e.value)


# -- scope parameters ---------------------------------------------------------------------------


def test_scope_parameters_are_the_scope_s_values() -> None:
    for n in (2, 3):
        m = get_spec("VS-machine").build({"max_inputs": n})
        text = f"machine VS-machine\ninvariant v: max_inputs == {n} and scope.max_inputs == {n} and processors == 2\n"
        assert statuses(m, text) == {"v": "holds"}
    m = get_spec("VS-machine").build({"max_inputs": 3})
    assert statuses(m, "machine VS-machine\ninvariant v: max_inputs == 2\n") == {"v": "violated"}


def test_other_names_win_over_scope_parameters(vs) -> None:
    text = "machine VS-machine\ndef max_inputs = 7\ninvariant v: max_inputs == 7 and scope.max_inputs == 2\n"
    assert statuses(vs, text) == {"v": "holds"}
    text = "machine VS-machine\ninvariant w: forall max_inputs in G: scope.max_inputs == 2\n"
    assert statuses(vs, text) == {"w": "holds"}


# -- composed systems: components' variables by their own names ----------------------------------


def test_composed_system_components_are_named_naturally() -> None:
    """VStoTO-system (VS-machine ∥ VStoTO_p for every p): VS's variables keep their names
    (``queue[g]``), and VStoTO_p's ``x`` is the map ``x[p]`` (the paper's x_p), its ``gotstate[q]``
    is ``gotstate[p, q]``, its derived ``primary`` is ``primary[p]``."""
    m = get_spec("VStoTO-system").build({})
    text = """machine VStoTO-system
invariant reports "ours": forall p in P: nextreport[p] <= nextconfirm[p] and nextconfirm[p] <= len(order[p]) + 1
invariant reported_prefix: forall p in P: len(order[p][1..nextreport[p] - 1]) == nextreport[p] - 1
invariant primary_has_view: forall p in P: primary[p] implies current[p] != bot
invariant states_from_members: forall p, q in P: gotstate[p, q] != bot implies current[p] != bot
invariant wrong: forall p in P: nextconfirm[p] == 1
"""
    got = statuses(m, text)
    assert got == {
        "reports": "holds",
        "reported_prefix": "holds",
        "primary_has_view": "holds",
        "states_from_members": "holds",
        "wrong": "violated",
    }


def test_slices_of_long_sequences_compile_shallow() -> None:
    """A slice is a balanced choice over its length: a queue of capacity 60 is within the code
    generator's depth limit (where a chain of appends, one per position, is not)."""
    m = get_spec("TO-machine").build({"max_inputs": 60})
    invs = load_invariants("machine TO-machine\ninvariant a: forall p in P: queue[1..next[p] - 1] <= queue\n", m)
    from ioakit.invariants.compiler import MAX_TERM_DEPTH, term_depth

    assert term_depth(invs.properties[0].term) < MAX_TERM_DEPTH // 2


def test_a_derived_variable_hides_the_scope_parameter_of_its_name() -> None:
    """VStoTO-system has both a scope parameter ``quorums`` (0 = majorities) and a derived variable
    ``quorums`` (the quorum system, a set of sets): the variable wins, ``scope.quorums`` is the
    parameter."""
    m = get_spec("VStoTO-system").build({})
    text = "machine VStoTO-system\ninvariant q: scope.quorums == 0 and P in quorums and card(quorums) >= 1\n"
    assert statuses(m, text) == {"q": "holds"}
    with pytest.raises(InvariantTypeError, match="cannot compare a Set\\[Set\\[P\\]\\] value with an Int value"):
        load_invariants("machine VStoTO-system\ninvariant q: quorums == 0\n", m)
