"""The lemma table's "inductive alone" column against an independent oracle: explicit
enumeration of *every* well-typed state of a small machine (the whole type space of its
variables, reachable or not).

An invariant I is inductive alone iff every start state satisfies I and no step leads from a
state satisfying I to one violating it. The oracle decides this by enumeration with the compiled
(concrete) machine only: no Z3, no call the table makes. It also names the action families with
a breaking step, which the table reports as ``breaking_families``. (The earlier test compared the
table with ``inductive_alone``, the very call the table makes.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Property, properties_from
from ioakit.engines.prove import Verdict
from ioakit.engines.table import lemma_table
from ioakit.invariants import lemma_file, load_invariants
from ioakit.lang.automaton import Machine
from ioakit.lang.types import MapT, RecordT, SeqT, Type
from ioakit.registry import get_spec
from ioakit.specs.fls.lemmas import LEMMA_4_1, TO_FACTS


@dataclass(frozen=True)
class Enumerated:
    """What enumeration says of one invariant: inductive alone, and the families breaking it."""

    initially: bool
    breaking: frozenset[str]

    @property
    def inductive(self) -> bool:
        return self.initially and not self.breaking


def values_of(t: Type) -> list[Any]:
    """Every concrete value of ``t`` (a sequence's of every length up to its bound, a map's as the
    tuple of its values in key order, a record's as the tuple of its fields): written here, since
    the library enumerates no sequence type."""
    if isinstance(t, SeqT):
        elems = values_of(t.elem)
        return [seq for n in range(t.maxlen + 1) for seq in itertools.product(elems, repeat=n)]
    if isinstance(t, MapT):
        return list(itertools.product(values_of(t.val), repeat=t.size))
    if isinstance(t, RecordT):
        return list(itertools.product(*(values_of(ft) for _, ft in t.fields)))
    return list(t.values())


def type_space(m: Machine) -> list[tuple[Any, ...]]:
    """Every well-typed state: the product of the values of each variable's type."""
    return list(itertools.product(*(values_of(t) for _, t in m.variables)))


def enumerate_induction(m: Machine, props: list[Property]) -> dict[str, Enumerated]:
    """Inductiveness of each property alone, by checking every step from every well-typed
    state with the compiled successor function (steps leaving the scope's bounds are not steps,
    in both semantics)."""
    preds = compile_predicates(m, [p.term for p in props])
    succ = m.compiled().successors
    initially = [all(pred(s) for s in m.start_states) for pred in preds]
    breaking: list[set[str]] = [set() for _ in props]
    for s in type_space(m):
        before = [pred(s) for pred in preds]
        if not any(before):
            continue
        for k, t in succ(s):
            if t is None:  # cut off by the scope's bounds: not a step of the bounded machine
                continue
            for i, pred in enumerate(preds):
                if before[i] and not pred(t):
                    breaking[i].add(m.actions[k].name)
    return {p.name: Enumerated(initially[i], frozenset(breaking[i])) for i, p in enumerate(props)}


def _to() -> tuple[Machine, list[Property]]:
    m = get_spec("TO-machine").build({"processors": 2, "values": 1, "max_inputs": 2})
    inv = load_invariants(lemma_file("to_machine"), m)
    # true of every reachable state but not inductive alone (to_order moves a pending value into
    # the queue, from a state where the queue already holds every input)
    extra = load_invariants(
        "machine TO-machine\ninvariant queue_within_inputs: len(queue) <= inputs_issued\n"
        "invariant pending_within_inputs: forall p in P: len(pending[p]) <= inputs_issued\n",
        m,
        filename="extra.inv",
    )
    return m, [*properties_from(m, TO_FACTS), *inv.properties, *extra.properties]


def _vs() -> tuple[Machine, list[Property]]:
    m = get_spec("VS-machine").build(
        {"processors": 1, "initial_members": 1, "view_ids": 2, "messages": 1, "max_inputs": 1}
    )
    return m, properties_from(m, LEMMA_4_1)


@pytest.mark.parametrize("build", [_to, _vs], ids=["TO-machine", "VS-machine"])
def test_inductive_alone_column_matches_enumeration(build) -> None:
    m, props = build()
    space = len(type_space(m))
    assert 1_000 <= space <= 30_000, space  # every state is visited: keep the scope small
    oracle = enumerate_induction(m, props)
    table = lemma_table(m, props, bmc_depth=2, allow_bound_hits=True)
    verdicts = {}
    for p in props:
        row = table.row(p.name)
        expected = oracle[p.name]
        verdicts[p.name] = expected.inductive
        assert row.alone.inductive is (Verdict.OK if expected.inductive else Verdict.VIOLATED), (p.name, expected)
        if expected.initially:
            assert frozenset(row.alone.breaking_families) == expected.breaking, p.name
    # the comparison is informative only if both answers occur
    assert any(verdicts.values()) and not all(verdicts.values()), verdicts


def test_enumeration_finds_a_non_inductive_invariant() -> None:
    """The oracle can say no: ``len(queue) <= 1`` holds initially but enqueue breaks it."""
    m = get_spec("TO-machine").build({"processors": 2, "values": 1, "max_inputs": 2})
    inv = load_invariants("machine TO-machine\ninvariant short: len(queue) <= 1\n", m, filename="t.inv")
    (e,) = enumerate_induction(m, inv.properties).values()
    assert e.initially and not e.inductive and e.breaking == {"to_order"}
