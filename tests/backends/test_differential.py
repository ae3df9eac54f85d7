"""Differential test (issue item 8): the compiled concrete semantics and the Z3 semantics agree.

Both backends read the same traced terms, and each op's meanings sit side by side in the op
table (``ioakit.lang.ops``), but each backend still implements every op; a
proof is only about the code users run if the two agree. For random states of TO-machine,
VS-machine and WeakVS-machine and random action instances, ``symbolic.step`` on the state
(evaluated in a Z3 model) and ``machine.compiled().steps[k]`` must agree on

* enabledness: ``guard ∧ in_bounds`` ⇔ the compiled step returns a post-state, ``guard ∧
  ¬in_bounds`` ⇔ it returns ``OUT_OF_BOUNDS``, ``¬guard`` ⇔ it returns ``None``;
* the successor state, value for value;

and ``successors(s)`` / ``enabled[k](s)`` (generated separately from ``steps``) must say the same.

States come from two strategies: random walks from the start state (reachable states), and
arbitrary well-formed states drawn from the variables' types (⊥ included, sequences up to the
bound, counters at the bound) — the inductive prover visits those, so the semantics must agree
there too. The last tests break one op in either backend and check that this test notices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracles.strategies import values

from backends.bag_channel import LossyChannel
from backends.summary_exchange import SummaryExchange
from backends.summary_machine import Summaries
from ioakit.backends import codegen, symbolic
from ioakit.backends.codegen import OUT_OF_BOUNDS
from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Machine
from ioakit.lang.types import BagT, BoolT, MapT, RecordT, SeqT, Type, UnionT
from ioakit.registry import get_spec

SCOPES: list[tuple[str, dict[str, int]]] = [
    ("TO-machine", {}),
    ("TO-machine", {"processors": 3, "values": 2, "max_inputs": 4}),
    ("VS-machine", {}),
    ("VS-machine", {"processors": 3, "initial_members": 2, "view_ids": 3, "messages": 2, "max_inputs": 3}),
    ("WeakVS-machine", {}),
    ("WeakVS-machine", {"processors": 3, "initial_members": 2, "view_ids": 3, "messages": 2, "max_inputs": 3}),
    # a declared system: arguments taken from the state (from_state), choices, unions, options,
    # partial maps, sorted label sets, indexed components (issue 8)
    ("VStoTO-system", {}),
    ("VStoTO-system-label-normal", {"initial_members": 1, "view_ids": 3, "values": 2, "max_inputs": 2, "quorums": 1}),
]
SCOPE_IDS = [f"{n}[{','.join(f'{k}={v}' for k, v in sc.items()) or 'default'}]" for n, sc in SCOPES]

BAG_SCOPES: list[dict[str, int]] = [{"messages": 2, "copies": 2}, {"messages": 3, "copies": 1}]
"""The lossy channel of ``bag_channel.py``: bag terms (add, remove, count, membership, size, the
empty literal, ∀ over a bag's elements) in both semantics, bounds on counts included."""


def _values(t: Type) -> st.SearchStrategy[Any]:
    """``oracles.strategies.values`` with bags (any count up to the bound per universe element)."""
    if isinstance(t, BagT):
        return st.tuples(*([st.integers(0, t.bound)] * len(t.universe())))
    return values(t)


def state_values(m: Machine) -> st.SearchStrategy[tuple[Any, ...]]:
    """Well-formed (possibly unreachable) states of ``m``, built from its variable types."""
    return st.tuples(*(_values(t) for _, t in m.variables))


_SOLVER = z3.Solver()
assert _SOLVER.check() == z3.sat
EMPTY_MODEL = _SOLVER.model()
"""A model of the empty formula: evaluates closed Z3 terms (the symbolic image of a concrete state)."""


@functools.cache
def machine(name: str, scope: tuple[tuple[str, int], ...]) -> Machine:
    return get_spec(name).build(dict(scope))


def _truth(model: z3.ModelRef, b: z3.BoolRef) -> bool:
    return symbolic.evaluate(BoolT(), model, b)


def check_step_agrees(m: Machine, s: tuple[Any, ...], k: int) -> None:
    """Assert that action instance ``k`` does the same thing to state ``s`` in both semantics."""
    inst = m.actions[k]
    compiled = m.compiled()
    concrete = compiled.steps[k](s)
    sym = symbolic.step(m, inst, symbolic.const_state(m, s).vars)
    guard, in_bounds = _truth(EMPTY_MODEL, sym.guard), _truth(EMPTY_MODEL, sym.in_bounds)
    where = f"{inst.label} at {m.show_state(s, hide=False)}"
    if not guard:
        assert concrete is None, f"{where}: Z3 says the precondition is false, compiled step gives {concrete!r}"
    elif not in_bounds:
        assert concrete is OUT_OF_BOUNDS, f"{where}: Z3 says the step leaves the scope, compiled gives {concrete!r}"
    else:
        post = symbolic.model_state(m, EMPTY_MODEL, sym.post)
        assert concrete is not None and concrete is not OUT_OF_BOUNDS, (
            f"{where}: Z3 says the step happens (to {m.show_state(post, hide=False)}), compiled gives {concrete!r}"
        )
        assert concrete == post, (
            f"{where}: successor differs:\n  compiled: {m.show_state(concrete, hide=False)}\n"
            f"  Z3:       {m.show_state(post, hide=False)}"
        )
        assert all(t.check(v) for (_, t), v in zip(m.variables, concrete)), f"{where}: ill-formed successor"
    # successors() and enabled[] are generated separately from steps[]: they must say the same
    assert compiled.enabled[k](s) == guard, f"{where}: enabled[{k}] disagrees with the guard"
    from_successors = [ns for j, ns in compiled.successors(s) if j == k]
    expected = [] if not guard else [None if concrete is OUT_OF_BOUNDS else concrete]
    assert from_successors == expected, f"{where}: successors() gives {from_successors}, steps[] gives {expected}"


def walk_from_start(m: Machine, choices: list[int]) -> tuple[Any, ...]:
    """Follow ``choices`` (each taken modulo the number of enabled steps) from the start state."""
    succ = m.compiled().successors
    s = m.start_states[0]
    for c in choices:
        options = [ns for _, ns in succ(s) if ns is not None]
        if not options:
            break
        s = options[c % len(options)]
    return s


def _pick_instance(m: Machine, s: tuple[Any, ...], data: st.DataObject) -> int:
    """Any instance, or (half of the time) one the compiled code says is enabled, so that
    successor states get compared often, not only disabled guards."""
    enabled = [k for k, _ in m.compiled().successors(s)]
    if enabled and data.draw(st.booleans(), label="pick an enabled instance"):
        return data.draw(st.sampled_from(enabled), label="enabled instance")
    return data.draw(st.integers(0, len(m.actions) - 1), label="instance")


def reachable_body(m: Machine, data: st.DataObject) -> None:
    s = walk_from_start(m, data.draw(st.lists(st.integers(0, 2**16), max_size=40), label="walk"))
    for _ in range(3):
        check_step_agrees(m, s, _pick_instance(m, s, data))


def arbitrary_body(m: Machine, data: st.DataObject) -> None:
    s = data.draw(state_values(m), label="well-formed state")
    for _ in range(3):
        check_step_agrees(m, s, _pick_instance(m, s, data))


BODIES: dict[str, Callable[[Machine, st.DataObject], None]] = {"reachable": reachable_body, "arbitrary": arbitrary_body}

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("name", "scope"), SCOPES, ids=SCOPE_IDS)
@_SETTINGS
@given(data=st.data())
def test_semantics_agree_on_reachable_states(name: str, scope: dict[str, int], data: st.DataObject) -> None:
    reachable_body(machine(name, tuple(scope.items())), data)


@pytest.mark.parametrize(("name", "scope"), SCOPES, ids=SCOPE_IDS)
@_SETTINGS
@given(data=st.data())
def test_semantics_agree_on_arbitrary_well_formed_states(name: str, scope: dict[str, int], data: st.DataObject) -> None:
    arbitrary_body(machine(name, tuple(scope.items())), data)


@functools.cache
def bag_machine(scope: tuple[tuple[str, int], ...]) -> Machine:
    return LossyChannel().build(dict(scope))


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("scope", BAG_SCOPES, ids=str)
@_SETTINGS
@given(data=st.data())
def test_semantics_agree_on_bag_terms(scope: dict[str, int], body: str, data: st.DataObject) -> None:
    BODIES[body](bag_machine(tuple(scope.items())), data)


UX_SCOPES: list[dict[str, int]] = [{}, {"processors": 1, "capacity": 2}, {"processors": 3, "view_ids": 1}]
"""The summary exchange of ``summary_exchange.py``: tagged unions (constructors, tag tests, payloads
of the right and the wrong tag, equality), options (⊥, some, get of ⊥, equality), maps keyed by a
record type read and written at state-dependent keys, and a partial map's ``dom``."""


@functools.cache
def ux_machine(scope: tuple[tuple[str, int], ...]) -> Machine:
    return SummaryExchange().build(dict(scope))


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("scope", UX_SCOPES, ids=str)
@_SETTINGS
@given(data=st.data())
def test_semantics_agree_on_unions_options_and_record_keyed_maps(
    scope: dict[str, int], body: str, data: st.DataObject
) -> None:
    BODIES[body](ux_machine(tuple(scope.items())), data)


def test_every_instance_agrees_on_every_reachable_state_of_the_summary_exchange() -> None:
    """Exhaustive at one processor: every reachable state × every instance (bound hits included)."""
    m = ux_machine((("processors", 1),))
    states = Explorer(m).reachable()
    assert len(states) == 184
    kinds = {m.variables[-1][1].show(s[-1]).split("(")[0] for s in states}
    assert kinds == {"data", "summary", "ping"}, "every variant of the union is reached"
    for s in states:
        for k in range(len(m.actions)):
            check_step_agrees(m, s, k)


SUMMARY_SCOPES: list[dict[str, int]] = [{}, {"values": 2, "max_labels": 1, "processors": 3}]
"""The summaries machine of ``summary_machine.py``: record order, ``sorted``, ``setof``,
``union_all`` and ``allstate`` (a set of records holding a sequence: no finite universe, read off
its term) in guards and effects."""


@functools.cache
def summary_machine(scope: tuple[tuple[str, int], ...]) -> Machine:
    return Summaries().build(dict(scope))


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("scope", SUMMARY_SCOPES, ids=str)
@_SETTINGS
@given(data=st.data())
def test_semantics_agree_on_record_order_sorted_and_peeled_sets(
    scope: dict[str, int], body: str, data: st.DataObject
) -> None:
    BODIES[body](summary_machine(tuple(scope.items())), data)


@pytest.mark.slow  # long: kept out of the default run (README, Tests)
def test_every_instance_agrees_on_every_reachable_state_of_the_summaries() -> None:
    m = summary_machine(())
    states = Explorer(m).reachable()
    assert len(states) == 253
    for s in states:
        for k in range(len(m.actions)):
            check_step_agrees(m, s, k)


def test_the_peeled_set_never_reaches_z3_as_a_set() -> None:
    """``allstate`` has no finite universe: its guards are read off the term (no set op on it),
    and a set operation on it is refused in Z3 with a clear error, not encoded wrongly."""
    from ioakit.lang.ir import subterms
    from ioakit.lang.types import SetT

    m = summary_machine(())
    for inst in m.actions:
        roots = [inst.guard, *(t for _, t in inst.writes)]
        assert not [t for t in subterms(roots) if isinstance(t.type, SetT) and not t.type.finite], inst.label
    card = m.predicate(lambda s: s.allstate.card() > 0)
    assert m.compiled() is not None
    with pytest.raises(symbolic.NoSymbolicEncoding, match="no finite enumeration"):
        symbolic.predicate(card, symbolic.fresh_state(m, "s").vars)


def test_every_instance_agrees_on_every_reachable_state_of_the_channel() -> None:
    """Exhaustive: every reachable state of the channel × every instance (bound hits included)."""
    m = bag_machine(tuple(BAG_SCOPES[0].items()))
    states = Explorer(m).reachable()
    assert len(states) == 36
    for s in states:
        for k in range(len(m.actions)):
            check_step_agrees(m, s, k)


SMALL_SCOPES: dict[str, dict[str, int]] = {
    "TO-machine": {"processors": 2, "values": 2, "max_inputs": 2},
    "VS-machine": {"processors": 2, "initial_members": 1, "view_ids": 2, "max_inputs": 1},
    "WeakVS-machine": {"processors": 2, "initial_members": 1, "view_ids": 2, "max_inputs": 1},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL_SCOPES)
def test_every_instance_agrees_on_every_reachable_state_of_a_small_scope(name: str) -> None:
    """Exhaustive at a scope small enough: every reachable state × every instance (⊥ views
    included: one processor starts outside the initial view)."""
    m = machine(name, tuple(SMALL_SCOPES[name].items()))
    states = Explorer(m).reachable()
    assert 20 < len(states) < 400
    for s in states:
        for k in range(len(m.actions)):
            check_step_agrees(m, s, k)


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        *SCOPES[::2],
        ("lossy-channel", BAG_SCOPES[0]),
        ("summary-exchange", UX_SCOPES[0]),
        ("summaries", SUMMARY_SCOPES[1]),
    ],
    ids=[*SCOPE_IDS[::2], "lossy-channel", "summary-exchange", "summaries"],
)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_symbolic_states_constrained_to_a_concrete_state_step_like_it(
    name: str, scope: dict[str, int], data: st.DataObject
) -> None:
    """What the prover does: fresh Z3 variables with ``wf``; a well-formed concrete state must satisfy
    ``wf``, the model must map back to exactly that state, and the step on the *variables* must
    agree with the compiled step."""
    m = _test_machine(name, scope)
    s = data.draw(state_values(m), label="well-formed state")
    k = _pick_instance(m, s, data)
    st_ = symbolic.fresh_state(m, "s")
    solver = z3.Solver()
    solver.add(*st_.wf)
    solver.add(symbolic.state_equal(m, st_.vars, symbolic.const_state(m, s).vars))
    assert solver.check() == z3.sat, "a well-formed concrete state violates the symbolic well-formedness"
    model = solver.model()
    assert symbolic.model_state(m, model, st_.vars) == s
    sym = symbolic.step(m, m.actions[k], st_.vars)
    concrete = m.compiled().steps[k](s)
    guard, in_bounds = _truth(model, sym.guard), _truth(model, sym.in_bounds)
    assert (concrete is None) == (not guard)
    assert (concrete is OUT_OF_BOUNDS) == (guard and not in_bounds)
    if guard and in_bounds:
        assert symbolic.model_state(m, model, sym.post) == concrete


def _test_machine(name: str, scope: dict[str, int]) -> Machine:
    if name == "lossy-channel":
        return bag_machine(tuple(scope.items()))
    if name == "summary-exchange":
        return ux_machine(tuple(scope.items()))
    if name == "summaries":
        return summary_machine(tuple(scope.items()))
    return machine(name, tuple(scope.items()))


def test_start_states_agree() -> None:
    for name, scope in SCOPES:
        m = machine(name, tuple(scope.items()))
        st_ = symbolic.fresh_state(m, "s")
        solver = z3.Solver()
        solver.add(*st_.wf, symbolic.is_start(m, st_))
        assert solver.check() == z3.sat
        assert symbolic.model_state(m, solver.model(), st_.vars) in m.start_states
        solver.add(z3.Not(symbolic.state_equal(m, st_.vars, symbolic.const_state(m, m.start_states[0]).vars)))
        assert solver.check() == z3.unsat, f"{name}: is_start admits a state that is not the start state"


# -- the test is strong: broken ops are caught ---------------------------------------------------


def _break_codegen_seq_tail(mp: pytest.MonkeyPatch) -> None:
    """Compiled ``tail`` drops the *last* element instead of the first."""
    orig = codegen._Emitter._expr

    def mutant(self: Any, t: Any) -> str:
        if t.op == "seq_tail":
            return f"{self.expr(t.args[0])}[:-1]"
        return orig(self, t)

    mp.setattr(codegen._Emitter, "_expr", mutant)


def _break_symbolic_seq_append(mp: pytest.MonkeyPatch) -> None:
    """Z3 ``append`` puts the new element in front."""
    orig = symbolic.Evaluator._eval

    def mutant(self: Any, t: Any, a: list[Any]) -> Any:
        if t.op == "seq_append":
            s, x = a
            return symbolic.SymSeq(s.len + 1, (x, *s.elems), s.default)
        return orig(self, t, a)

    mp.setattr(symbolic.Evaluator, "_eval", mutant)


def _break_codegen_seq_at(mp: pytest.MonkeyPatch) -> None:
    """Compiled ``s(i)`` with a variable index reads one slot too far (and treats the end as in range)."""
    orig = codegen._Emitter._expr

    def mutant(self: Any, t: Any) -> str:
        if t.op == "seq_at" and t.args[1].op != "const":
            s, i = self.expr(t.args[0], True), self.expr(t.args[1], True)
            default = self.const(type(t)("const", (), t.type, t.data))
            return f"({s}[{i}] if 0 <= {i} < len({s}) else {default})"
        return orig(self, t)

    mp.setattr(codegen._Emitter, "_expr", mutant)


def _break_symbolic_bounds(mp: pytest.MonkeyPatch) -> None:
    """Z3 well-formedness lets a sequence grow one element past its scope bound."""
    orig = symbolic.wf

    def mutant(t: Any, x: Any) -> list[Any]:
        if isinstance(t, SeqT):
            return [x.len >= 0, x.len <= t.maxlen + 1]
        return orig(t, x)

    mp.setattr(symbolic, "wf", mutant)


def _break_symbolic_bag_remove(mp: pytest.MonkeyPatch) -> None:
    """Z3 ``bag_remove`` takes every copy of the element out, not one."""
    orig = symbolic.Evaluator._eval

    def mutant(self: Any, t: Any, a: list[Any]) -> Any:
        if t.op == "bag_remove":
            b = a[0]
            i = t.data.index(t.args[1].data)
            return tuple(z3.IntVal(0) if j == i else c for j, c in enumerate(b))
        return orig(self, t, a)

    mp.setattr(symbolic.Evaluator, "_eval", mutant)


def _break_codegen_bag_bound(mp: pytest.MonkeyPatch) -> None:
    """Compiled bound check lets a count reach one over the bound."""
    orig = codegen._bound_checks

    def mutant(typ: Any, code: str, ns: dict[str, Any]) -> list[str]:
        if isinstance(typ, BagT):
            return [f"max({code}) <= {typ.bound + 1}"]
        return orig(typ, code, ns)

    mp.setattr(codegen, "_bound_checks", mutant)


def _break_symbolic_union_is(mp: pytest.MonkeyPatch) -> None:
    """Z3 tag test looks at the next tag."""
    orig = symbolic.Evaluator._eval

    def mutant(self: Any, t: Any, a: list[Any]) -> Any:
        if t.op == "union_is":
            return a[0].tag == (t.data + 1) % len(t.args[0].type.variants)
        return orig(self, t, a)

    mp.setattr(symbolic.Evaluator, "_eval", mutant)


def _break_codegen_opt_is_some(mp: pytest.MonkeyPatch) -> None:
    """Compiled ``is_some()`` holds of ⊥ too."""
    orig = codegen._Emitter._expr

    def mutant(self: Any, t: Any) -> str:
        if t.op == "opt_is_some":
            return f"({self.expr(t.args[0])} is not None or True)"
        return orig(self, t)

    mp.setattr(codegen._Emitter, "_expr", mutant)


def _break_codegen_set_sorted(mp: pytest.MonkeyPatch) -> None:
    """Compiled ``sorted`` lists the set in descending order."""
    orig = codegen._Emitter._expr

    def mutant(self: Any, t: Any) -> str:
        if t.op == "set_sorted":
            return f"tuple(sorted({self.expr(t.args[0])}, reverse=True)[:{t.data}])"
        return orig(self, t)

    mp.setattr(codegen._Emitter, "_expr", mutant)


def _break_codegen_record_key(mp: pytest.MonkeyPatch) -> None:
    """Compiled lookups in a map keyed by a record use a table shifted by one position."""
    orig = MapT.key_table

    def mutant(self: MapT, j: int) -> dict[Any, int]:
        table = orig(self, j)
        return {x: (i + 1) % len(table) for x, i in table.items()}

    mp.setattr(MapT, "key_table", mutant)


def _break_symbolic_union_equality(mp: pytest.MonkeyPatch) -> None:
    """Z3 equality of unions compares the tags only."""
    orig = symbolic.equal

    def mutant(a: Any, b: Any) -> Any:
        if isinstance(a, symbolic.SymUnion):
            return a.tag == b.tag
        return orig(a, b)

    mp.setattr(symbolic, "equal", mutant)


assert UnionT  # the machine's message type (kept imported for the mutants' readers)


def _break_symbolic_record_order(mp: pytest.MonkeyPatch) -> None:
    """Z3 ``<`` on records compares the last field first."""
    orig = symbolic.Evaluator._eval

    def mutant(self: Any, t: Any, a: list[Any]) -> Any:
        if t.op == "lt" and isinstance(t.args[0].type, RecordT):
            return orig(self, t, [tuple(reversed(a[0])), tuple(reversed(a[1]))])
        return orig(self, t, a)

    mp.setattr(symbolic.Evaluator, "_eval", mutant)


MUTANTS = {
    "codegen seq_tail drops the last element": ("TO-machine", _break_codegen_seq_tail, ("reachable", "arbitrary")),
    "symbolic seq_append prepends": ("VS-machine", _break_symbolic_seq_append, ("reachable", "arbitrary")),
    "codegen seq_at off by one": ("TO-machine", _break_codegen_seq_at, ("reachable", "arbitrary")),
    # bounds are never reached from the start state at these scopes: only arbitrary states see it
    "symbolic sequence bound off by one": ("VS-machine", _break_symbolic_bounds, ("arbitrary",)),
    "symbolic bag_remove takes every copy": ("lossy-channel", _break_symbolic_bag_remove, ("reachable", "arbitrary")),
    "codegen bag bound off by one": ("lossy-channel", _break_codegen_bag_bound, ("reachable", "arbitrary")),
    "symbolic union_is reads the next tag": ("summary-exchange", _break_symbolic_union_is, ("reachable", "arbitrary")),
    "codegen is_some() of ⊥": ("summary-exchange", _break_codegen_opt_is_some, ("reachable", "arbitrary")),
    "codegen record-keyed lookup shifted": ("summary-exchange", _break_codegen_record_key, ("reachable", "arbitrary")),
    "symbolic union equality ignores payloads": ("summary-exchange", _break_symbolic_union_equality, ("arbitrary",)),
    "codegen sorted descending": ("summaries", _break_codegen_set_sorted, ("reachable", "arbitrary")),
    # reachable states reach the order on state values rarely within a run: arbitrary states do
    "symbolic record order from the last field": ("summaries", _break_symbolic_record_order, ("arbitrary",)),
}


@pytest.mark.parametrize(
    ("mutant", "strategy"), [(k, s) for k, (_, _, ss) in MUTANTS.items() for s in ss], ids=lambda x: x
)
def test_the_differential_test_catches_a_broken_op(mutant: str, strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name, breaker, _ = MUTANTS[mutant]
    breaker(monkeypatch)
    # a fresh machine: compiled under the mutant
    builders = {"lossy-channel": LossyChannel, "summary-exchange": SummaryExchange, "summaries": Summaries}
    m = builders[name]().build({}) if name in builders else get_spec(name).build({})
    with pytest.raises(AssertionError):  # stops at the first disagreement (typically within 200 examples;
        _runner(m, BODIES[strategy], 4000)()  # 1,000 missed two mutants about once in six hash seeds)


def _runner(m: Machine, body: Callable[[Machine, st.DataObject], None], examples: int) -> Callable[[], None]:
    """The differential check as a stand-alone Hypothesis run (no example database, no shrinking)."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate,),
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        body(m, data)

    return run


@pytest.mark.parametrize("strategy", BODIES)
@pytest.mark.parametrize("name", ["TO-machine", "VS-machine", "summaries"])
def test_the_same_runs_pass_without_a_mutant(name: str, strategy: str) -> None:
    """So the rejections above are due to the mutants, not to the harness."""
    m = Summaries().build({}) if name == "summaries" else get_spec(name).build({})
    _runner(m, BODIES[strategy], 100)()


@pytest.mark.parametrize("strategy", BODIES)
def test_the_summary_exchange_runs_pass_without_a_mutant(strategy: str) -> None:
    _runner(SummaryExchange().build({}), BODIES[strategy], 100)()


def assert_properties_agree(m: Machine, props: list[Any], s: tuple[Any, ...]) -> None:
    """Each property's compiled predicate and its Z3 meaning agree at the concrete state ``s``
    (the invariant DSL's tests use it for their constructs)."""
    fns = codegen.compile_predicates(m, [p.term for p in props])
    vars_ = symbolic.const_state(m, s).vars
    for p, fn in zip(props, fns):
        sym = symbolic.evaluate(BoolT(), EMPTY_MODEL, symbolic.predicate(p.term, vars_))
        assert fn(s) == sym, f"{p.name} at {m.show_state(s)}: compiled {fn(s)}, Z3 {sym}"
