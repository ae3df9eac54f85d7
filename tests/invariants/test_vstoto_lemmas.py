"""The shipped ``vstoto_lemmas_6.inv`` (all 48 items of FLS Lemmas 6.1-6.24) against the
independent hand-written oracle of VStoTO-system (``tests/oracles/vstoto.py``: the same system
and the same 48 items as Python predicates, written without ioakit).

* State by state: every reachable state of ioakit's machine is translated into the oracle's state
  (``to_oracle``: a plain re-encoding of the values, no semantics), the two reachable sets are
  equal (for the printed system, which the oracle explores), and each compiled invariant and the
  oracle's predicate of the same item agree on every reachable state — so a wrong encoding of one
  item shows as a disagreement at a named state, not only as a different verdict.
* Verdicts: ``check_invariants`` (the explorer's own scan, shortest counterexamples) finds the
  printed system's failing items with counterexamples as short as the oracle's.

Default scope (2 processors, P0 = P, |G| = 2, one value, one bcast, majorities): 9,109 states.
The printed system fails 6.20, 6.22(1) and 6.23 there (a label ordered twice); the variant with
``label`` in status normal satisfies all 48. Larger scopes are ``slow``.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

import pytest
from oracles import vstoto as V

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Explorer
from ioakit.invariants import check_invariants, lemma_file, load_invariants
from ioakit.invariants.loader import InvariantSet
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec

PRINTED = "VStoTO-system"
FIXED = "VStoTO-system-label-normal"
SCOPE_KEYS = ("processors", "initial_members", "view_ids", "values", "max_inputs")
DEFAULT = (2, 2, 2, 1, 1)

STATUS = ("normal", "send", "collect")  # the order of the Status domain


def item_key(name: str) -> str:
    """``lemma_6_22_1`` -> the oracle's ``6.22.1``."""
    return name.removeprefix("lemma_").replace("_", ".")


@functools.cache
def machine(name: str, scope: tuple[int, ...] = DEFAULT) -> Machine:
    return get_spec(name).build(dict(zip(SCOPE_KEYS, scope)))


@functools.cache
def lemmas(name: str, scope: tuple[int, ...] = DEFAULT) -> InvariantSet:
    m = machine(name, scope)
    return load_invariants(lemma_file("vstoto_lemmas_6").read_text(), m, filename="vstoto_lemmas_6.inv")


# -- ioakit's state -> the oracle's state ---------------------------------------------------------


def _label(l: Any) -> V.Label:
    return (l[0], l[1], l[2])


def _pairs(c: Any) -> frozenset[tuple[V.Label, int]]:
    return frozenset((_label(l), a) for l, a in c)


def _summary(x: Any) -> V.Summary:
    con, ord_, nxt, high = x
    return V.Summary(_pairs(con), tuple(_label(l) for l in ord_), nxt, high)


def _message(m: Any) -> Any:
    """A value of the union M (tag 0 = msg ⟨l, a⟩, tag 1 = summary) as the oracle has it."""
    tag, payload = m
    if tag == 1:
        return _summary(payload)
    l, a = payload
    return (_label(l), a)


def to_oracle(m: Machine, st: tuple[Any, ...], sc: V.Scope) -> V.State:
    """The oracle's encoding of one of ioakit's states (maps over (p, g) are flat in ioakit)."""
    v = dict(zip(m.var_names, st))
    n, k = sc.processors, sc.view_ids

    def rows(flat: Any, f: Any = lambda x: x) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(f(flat[p * k + g]) for g in range(k)) for p in range(n))

    procs = []
    for p in range(n):
        cur = v["current"][p]
        procs.append(
            V.Proc(
                current=None if cur is None else (cur[0], frozenset(cur[1])),
                status=STATUS[v["status"][p]],
                delay=tuple(v["delay"][p]),
                content=_pairs(v["content"][p]),
                nextseqno=v["nextseqno"][p],
                buffer=tuple(_label(l) for l in v["buffer"][p]),
                safe_labels=frozenset(_label(l) for l in v["safe_labels"][p]),
                order=tuple(_label(l) for l in v["order"][p]),
                nextconfirm=v["nextconfirm"][p],
                nextreport=v["nextreport"][p],
                highprimary=v["highprimary"][p],
                gotstate=tuple(None if x is None else _summary(x) for x in v["gotstate"][p * n : (p + 1) * n]),
                safe_exch=frozenset(v["safe_exch"][p]),
            )
        )
    return V.State(
        created=frozenset((g, frozenset(S)) for g, S in v["created"]),
        cvid=tuple(v["current_viewid"]),
        queue=tuple(tuple((_message(x), q) for x, q in v["queue"][g]) for g in range(k)),
        pending=rows(v["pending"], lambda xs: tuple(_message(x) for x in xs)),
        next=rows(v["next"]),
        next_safe=rows(v["next_safe"]),
        procs=tuple(procs),
        established=rows(v["established"]),
        buildorder=rows(v["buildorder"], lambda o: tuple(_label(l) for l in o)),
        issued=v["inputs_issued"],
    )


# -- state by state --------------------------------------------------------------------------------


def compare_state_by_state(name: str, scope: tuple[int, ...]) -> dict[str, int]:
    """Assert that each compiled item and the oracle's predicate agree on every reachable state
    of ``name`` at ``scope``; return the number of violating states per item."""
    m = machine(name, scope)
    invs = lemmas(name, scope)
    sc = V.Scope(*scope, 0)
    states = Explorer(m).reachable()
    ours = [to_oracle(m, s, sc) for s in states]
    if name == PRINTED:  # the oracle explores the printed system: the reachable sets must agree
        res = V.explore(*scope)
        assert res.complete and set(ours) == set(res.parent), "reachable sets differ"
    names = [i.name for i in invs.invariants]
    assert [item_key(n) for n in names] == list(V.LEMMAS), "the file's items are not the oracle's 48"
    fns = compile_predicates(m, [i.property.term for i in invs.invariants])
    violating = dict.fromkeys(names, 0)
    for s, o in zip(states, ours):
        d = V.Derived(o, sc)
        for n, fn in zip(names, fns):
            got, want = bool(fn(s)), V.LEMMAS[item_key(n)](o, d, sc)
            assert got == want, f"{n}: compiled {got}, oracle {want} at {m.show_state(s)}"
            violating[n] += not got
    return violating


FAILING_PRINTED = {"lemma_6_20", "lemma_6_22_1", "lemma_6_23"}


def test_items_agree_with_the_oracle_state_by_state_on_the_printed_system() -> None:
    violating = compare_state_by_state(PRINTED, DEFAULT)
    assert len(violating) == 48
    assert {n for n, c in violating.items() if c} == FAILING_PRINTED


@pytest.mark.slow  # long: kept out of the default run (README, Tests)
def test_items_agree_with_the_oracle_state_by_state_on_the_label_normal_variant() -> None:
    violating = compare_state_by_state(FIXED, DEFAULT)
    assert not any(violating.values()), {n: c for n, c in violating.items() if c}


# -- verdicts through the checker --------------------------------------------------------------------


def _subset(name: str, keep: set[str], scope: tuple[int, ...] = DEFAULT) -> InvariantSet:
    """The file restricted to ``keep`` (the checker's scan regenerates itself as each
    invariant's vacuity witnesses settle, which makes all 48 together take ~90 s at the default
    scope; the state-by-state tests above cover every item)."""
    invs = lemmas(name, scope)
    pairs = [(p, i) for p, i in zip(invs.properties, invs.invariants) if i.name in keep]
    return dataclasses.replace(invs, properties=[p for p, _ in pairs], invariants=[i for _, i in pairs])


def test_the_checker_finds_the_printed_failures_with_shortest_counterexamples() -> None:
    """The oracle's verdicts and shortest counterexample lengths, through ``check_invariants``."""
    m = machine(PRINTED)
    keep = FAILING_PRINTED | {"lemma_6_22_2", "lemma_6_24", "lemma_6_10_2"}
    t0 = time.perf_counter()
    report = check_invariants(m, _subset(PRINTED, keep))
    assert report.complete and report.states == 9109
    oracle = V.check_lemmas(V.explore(*DEFAULT), [item_key(n) for n in sorted(keep)])
    for o in report.outcomes:
        holds, path = oracle[item_key(o.name)]
        assert (o.status == "holds") == holds, o.name
        if not holds:
            assert o.counterexample is not None and path is not None
            assert len(o.counterexample) == len(path), (o.name, len(o.counterexample), len(path))
    assert time.perf_counter() - t0 < 60


@pytest.mark.slow
@pytest.mark.parametrize("name", [PRINTED, FIXED])
def test_every_verdict_of_the_checker_is_the_oracles(name: str) -> None:
    """All 48 items through ``check_invariants`` (about 90 s per machine at the default scope)."""
    report = check_invariants(machine(name), lemmas(name))
    assert report.complete
    oracle = V.check_lemmas(V.explore(*DEFAULT)) if name == PRINTED else None
    for o in report.outcomes:
        if oracle is not None:
            holds, path = oracle[item_key(o.name)]
            assert (o.status == "holds") == holds, o.name
            if not holds:
                assert o.counterexample is not None and path is not None
                assert len(o.counterexample) == len(path)
        else:
            assert o.status == "holds", o.name


@pytest.mark.slow
@pytest.mark.parametrize("scope", [(2, 2, 3, 1, 1), (2, 2, 2, 1, 2)], ids=["G3", "inputs2"])
def test_items_agree_with_the_oracle_at_larger_scopes(scope: tuple[int, ...]) -> None:
    violating = compare_state_by_state(PRINTED, scope)
    assert {n for n, c in violating.items() if c} >= FAILING_PRINTED


@pytest.mark.parametrize("name", [PRINTED, FIXED])
def test_the_derived_allstate_allcontent_and_allconfirm_are_the_oracles(name: str) -> None:
    """Section 6's derived variables, as compiled from ``impl/fls/vstoto.py``, equal the oracle's
    on every reachable state (allconfirm: the lub of the confirms, λ for an empty allstate; it
    exists wherever Corollary 6.24 holds, which is every state here)."""
    from ioakit.backends.codegen import compile_terms

    m = machine(name)
    sc = V.Scope(*DEFAULT, 0)
    rd = m.read_proxy()
    allstate, allcontent, allconfirm = compile_terms(m, [rd.allstate, rd.allcontent, rd.allconfirm])
    for s in Explorer(m).reachable():
        d = V.Derived(to_oracle(m, s, sc), sc)
        assert {_summary(x) for x in allstate(s)} == d.allstate
        assert _pairs(allcontent(s)) == d.allcontent
        assert tuple(_label(l) for l in allconfirm(s)) == d.allconfirm
