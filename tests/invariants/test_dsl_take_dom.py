"""The invariant language's sequence prefixes and positions — ``take(s, n)`` (the prefix of length
min(n, len(s))) and ``dom(s)`` of a sequence (its positions 1..len(s), the paper's domain(x.ord))
— on the summaries machine (``tests/backends/summary_machine.py``): their concrete meaning is the
Python one on every reachable state, the compiled and Z3 meanings agree on arbitrary states, and a
misuse is a located error. FLS Lemmas 6.18-6.24 use them (x.confirm, "σ a prefix terminated by
l", "l = x.ord(i) for some i < i'")."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from backends.summary_machine import Summaries
from backends.test_differential import assert_properties_agree, state_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit.backends import codegen
from ioakit.engines.explore import Explorer
from ioakit.invariants import InvariantError, load_invariants
from ioakit.lang.automaton import Machine

# Each invariant is a statement about take / dom with a Python twin below; some are false in some
# reachable states, so the comparison is not between constants.
TEXT = """machine summaries

invariant take_is_prefix: forall p in P, n in dom(summ[p].ord): take(summ[p].ord, n) <= summ[p].ord
invariant take_len: forall p in P: len(take(summ[p].ord, 1)) == min(1, len(summ[p].ord))
invariant take_all: forall p in P: take(summ[p].ord, 5) == summ[p].ord and take(summ[p].ord, 0) == empty
invariant take_neg: forall p in P: take(summ[p].ord, 0 - 1) == empty
invariant dom_positions: forall p in P: sum(i in dom(summ[p].ord): 1) == len(summ[p].ord)
invariant dom_has_one: forall p in P: 1 in dom(summ[p].ord)
invariant ord_strict: forall p in P, i, j in dom(summ[p].ord): i < j implies summ[p].ord[i] < summ[p].ord[j]
invariant take_two_short: forall p in P: take(summ[p].ord, 1) < summ[p].ord
"""


def _take(s: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    return s[: max(0, min(n, len(s)))]


PYTHON = {
    "take_is_prefix": lambda ords: all(_take(o, n) == o[:n] for o in ords for n in range(1, len(o) + 1)),
    "take_len": lambda ords: all(len(_take(o, 1)) == min(1, len(o)) for o in ords),
    "take_all": lambda ords: True,
    "take_neg": lambda ords: True,
    "dom_positions": lambda ords: True,
    "dom_has_one": lambda ords: all(len(o) >= 1 for o in ords),
    "ord_strict": lambda ords: all(o[i] < o[j] for o in ords for i in range(len(o)) for j in range(i + 1, len(o))),
    "take_two_short": lambda ords: all(len(o) >= 2 for o in ords),
}


@functools.cache
def machine() -> Machine:
    return Summaries().build({})


@functools.cache
def invariants() -> Any:
    return load_invariants(TEXT, machine(), filename="take.inv")


def _ords(m: Machine, s: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    summ = s[m.var_names.index("summ")]
    return [tuple(x[1]) for x in summ]


def test_take_and_dom_mean_what_python_means_on_every_reachable_state() -> None:
    m = machine()
    props = invariants().properties
    fns = codegen.compile_predicates(m, [p.term for p in props])
    states = Explorer(m).reachable()
    seen_false = set()
    for s in states:
        ords = _ords(m, s)
        for p, fn in zip(props, fns):
            assert bool(fn(s)) == PYTHON[p.name](ords), f"{p.name} at {m.show_state(s)}"
            if not fn(s):
                seen_false.add(p.name)
    assert seen_false == {"dom_has_one", "take_two_short"}  # not all constants


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_and_z3_agree_on_arbitrary_states(data: st.DataObject) -> None:
    m = machine()
    assert_properties_agree(m, invariants().properties, data.draw(state_values(m), label="state"))


ERRORS = [
    ("forall p in P: take(summ[p].ord) == empty", "take takes 2 argument(s), got 1", "take"),
    ("forall p in P: take(summ[p].ord, true) == empty", "the length argument of take", "true"),
    ("forall p in P: take(labels, 1) == empty", "take needs a sequence", "labels"),
    ("1 in dom(labels)", "dom needs a partial map (a map whose values are an option type) or a sequence", "labels"),
]


@pytest.mark.parametrize(("formula", "message", "at"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_misuse_is_a_located_error(formula: str, message: str, at: str) -> None:
    with pytest.raises(InvariantError) as info:
        load_invariants(f"machine summaries\ninvariant bad:\n  {formula}\n", machine(), filename="bad.inv")
    out = str(info.value)
    assert message in out, out
    assert out.startswith(f"bad.inv:3:{3 + formula.rindex(at)}: error:"), out
