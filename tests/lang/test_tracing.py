"""Tracing action and predicate code into terms (ioakit.lang.ir, ioakit.lang.automaton).

Python control flow is fine on static values (parameters, scope constants: they fold) and is
refused, with a message naming the user's file and line and what to write instead, on values
that depend on the state.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from ioakit.backends.codegen import OUT_OF_BOUNDS, compile_predicates
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Kind, Machine, Scope, Spec, input, internal, output
from ioakit.lang.ir import BOT, TraceError, forall, ite
from ioakit.lang.types import Domain, EnumT, IntT, MapT, SeqT, SetT
from ioakit.registry import get_spec

THIS_FILE = Path(__file__).resolve()


def _line_of(marker: str) -> int:
    """1-based line number of the unique line of this file that contains ``marker``."""
    lines = [i for i, text in enumerate(THIS_FILE.read_text().splitlines(), 1) if text.rstrip().endswith(marker)]
    assert len(lines) == 1, lines
    return lines[0]


class _Small(Spec):
    """A small state space for tracing tests: x ∈ 0..3, cv[p] ∈ G⊥, q ∈ seqof(P), set ⊆ P."""

    name = "small"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", 2, "p"))
        G = d.domain(Domain.numbered("G", 2, "g", start=0))
        d.var("x", IntT(0, 3))
        d.var("y", IntT(0, 3))
        d.var("cv", MapT((EnumT(P),), EnumT(G, bottom=True)))
        d.var("q", SeqT(EnumT(P), 2))
        d.var("members", SetT(EnumT(P)))
        return d


def _build(spec_cls: type[Spec]) -> Machine:
    return spec_cls().build({})


# -- refused Python control flow --------------------------------------------------------------


class _IfOnState(_Small):
    @internal(p="P")
    def act(self, s: Any, p: Any) -> None:
        if s.x > 0:  # <- offending if
            s.x = 0


class _AndOnState(_Small):
    @internal()
    def act(self, s: Any) -> None:
        s.require(s.x > 0 and s.y > 0)  # <- offending and


class _NotOnState(_Small):
    @internal()
    def act(self, s: Any) -> None:
        s.require(not s.members.contains(s.q.head()))  # <- offending not


@pytest.mark.parametrize(
    ("spec", "marker"),
    [(_IfOnState, "# <- offending if"), (_AndOnState, "# <- offending and"), (_NotOnState, "# <- offending not")],
)
def test_python_control_flow_on_the_state_names_the_user_line_and_the_fix(spec: type[Spec], marker: str) -> None:
    with pytest.raises(TraceError) as info:
        _build(spec)
    msg = str(info.value)
    line = _line_of(marker)
    assert f"{THIS_FILE}:{line}: " in msg, msg
    assert THIS_FILE.read_text().splitlines()[line - 1].strip() in msg  # the offending source line itself
    assert "ite(" in msg and "s.when(" in msg and "s.require(" in msg
    assert "depends on the state" in msg


def test_trace_error_is_a_type_error() -> None:
    assert issubclass(TraceError, TypeError)


class _CompareGWithP(_Small):
    @internal(p="P")
    def act(self, s: Any, p: Any) -> None:
        s.require(s.cv[p] == p)  # <- G compared with P


class _OrderGAgainstP(_Small):
    @internal(p="P")
    def act(self, s: Any, p: Any) -> None:
        s.require(s.cv[p] < p)  # <- G ordered against P


def test_comparing_a_view_id_with_a_processor_is_refused_at_the_line() -> None:
    with pytest.raises(TraceError) as info:
        _build(_CompareGWithP)
    msg = str(info.value)
    assert f"{THIS_FILE}:{_line_of('# <- G compared with P')}:" in msg
    assert "cannot compare a G⊥ value with a P value" in msg


def test_ordering_a_view_id_against_a_processor_is_refused() -> None:
    with pytest.raises(TraceError, match=r"cannot order G⊥ and P") as info:
        _build(_OrderGAgainstP)
    assert f"{THIS_FILE}:{_line_of('# <- G ordered against P')}:" in str(info.value)


def test_comparing_different_domains_is_refused_even_on_constants() -> None:
    P, G = Domain.numbered("P", 2, "p"), Domain.numbered("G", 2, "g", start=0)
    with pytest.raises(TraceError, match="cannot compare a G value with a P value"):
        ir.eq(ir.const(EnumT(G), 0), ir.const(EnumT(P), 0))


class _Misspelt(_Small):
    @internal()
    def act(self, s: Any) -> None:
        s.require(s.current_viewid is not None)


def test_an_unknown_state_variable_lists_the_declared_ones() -> None:
    with pytest.raises(TraceError, match=r"no variable 'current_viewid' \(variables: x, y, cv, q, members"):
        _build(_Misspelt)


def test_python_len_iteration_and_membership_on_state_values_are_refused_with_the_replacement() -> None:
    m = _build(_Small)
    with pytest.raises(TraceError, match=r"use `q.length`"):
        m.predicate(lambda s: len(s.q) > 0)
    with pytest.raises(TraceError, match="use forall/exists"):
        m.predicate(lambda s: all(p == s.q.head() for p in s.q))
    with pytest.raises(TraceError, match=r"write `coll.contains\(x\)`"):
        m.predicate(lambda s: s.q.head() in s.members)
    with pytest.raises(TraceError, match="cannot assign state"):
        m.predicate(lambda s: setattr(s, "x", 1) or True)


def test_ite_branches_must_have_one_type() -> None:
    m = _build(_Small)
    with pytest.raises(TraceError, match="ite branches have different types"):
        m.predicate(lambda s: ite(s.x > 0, s.q.head(), s.x) == s.x)


# -- static control flow folds ----------------------------------------------------------------


class _Static(_Small):
    @output(p="P", q="P")
    def send(self, s: Any, p: Any, q: Any) -> None:
        if p == q:  # parameters are constants: this is ordinary Python control flow
            s.x = s.x + 1
        elif p < q:
            s.y = 3
        else:
            s.require(s.cv[p] != BOT)
            s.y = 0


def test_python_if_on_parameters_folds_to_one_branch_per_instance() -> None:
    m = _build(_Static)
    assert [a.label for a in m.actions] == ["send(p=p1,q=p1)", "send(p=p1,q=p2)", "send(p=p2,q=p1)", "send(p=p2,q=p2)"]
    x, y = m.var_index("x"), m.var_index("y")
    by_label = {a.label: a for a in m.actions}
    for label in ("send(p=p1,q=p1)", "send(p=p2,q=p2)"):
        a = by_label[label]
        assert a.guard is ir.TRUE or (a.guard.is_const and a.guard.value is True)
        assert [i for i, _ in a.writes] == [x]
    assert [i for i, _ in by_label["send(p=p1,q=p2)"].writes] == [y]
    step = m.compiled().steps
    s = (0, 1, (-1, 0), (), frozenset())
    assert step[0](s) == (1, 1, (-1, 0), (), frozenset())
    assert step[1](s) == (0, 3, (-1, 0), (), frozenset())
    assert step[2](s) == (0, 0, (-1, 0), (), frozenset())  # cv[p2] = g0 ≠ ⊥
    assert step[2]((0, 1, (0, -1), (), frozenset())) is None  # cv[p2] = ⊥


def test_operations_on_constants_fold_and_bool_of_a_folded_constant_is_its_value() -> None:
    P = Domain.numbered("P", 3, "p")
    p1, p2 = ir.const(EnumT(P), 0), ir.const(EnumT(P), 1)
    assert bool(p1 < p2) and not bool(p1 == p2) and bool(p1 != p2)
    five = ir.const(IntT(2, 2), 2) + 3
    assert five.is_const and five.value == 5
    members = ir.set_lit(SetT(EnumT(P)), p1, p2)
    assert members.is_const and (p1 in members) and ir.const(EnumT(P), 2) not in members
    assert ir.seq_lit(SeqT(EnumT(P), 3), p2, p1).tail().head().value == 0


# -- signature restrictions (where) -----------------------------------------------------------


@pytest.mark.parametrize(("processors", "view_ids"), [(1, 1), (2, 2), (3, 2), (3, 3)])
def test_vs_newview_instances_exist_only_for_members_of_the_view(processors: int, view_ids: int) -> None:
    m = get_spec("VS-machine").build({"processors": processors, "initial_members": 1, "view_ids": view_ids})
    newviews = [a for a in m.actions if a.name == "newview"]
    # Σ over views ⟨g, S⟩ of |S| = |G| · |P| · 2^(|P|-1)
    assert len(newviews) == view_ids * processors * 2 ** (processors - 1)
    assert all(p in v[1] for v, p in (a.args for a in newviews))
    expected = {
        ((g, frozenset(S)), p)
        for g in range(view_ids)
        for r in range(processors + 1)
        for S in itertools.combinations(range(processors), r)
        for p in S
    }
    assert {a.args for a in newviews} == expected
    # the other families are unrestricted: createview has one instance per view; gprcv takes ⟨m, p⟩
    # from queue[g] (from_state), so it has one instance per receiver q, whatever the alphabet
    assert sum(a.name == "createview" for a in m.actions) == view_ids * 2**processors
    gprcv = [a for a in m.actions if a.name == "gprcv"]
    assert len(gprcv) == processors and all(a.family.bound == {"m", "p"} for a in gprcv)


# -- inputs are always enabled ------------------------------------------------------------------


class _GuardedInput(_Small):
    @input(p="P")
    def put(self, s: Any, p: Any) -> None:
        s.require(s.x < 3)
        s.x = s.x + 1


class _GuardedInputInWhen(_Small):
    @input(p="P")
    def put(self, s: Any, p: Any) -> None:
        with s.when(s.cv[p] != BOT):
            s.require(s.x < 3)


def test_an_input_action_with_a_precondition_is_refused() -> None:
    """IOA inputs are always enabled (Lynch–Tuttle): ``s.require`` in an input is a definition error."""
    for spec in (_GuardedInput, _GuardedInputInWhen):
        with pytest.raises(TraceError, match=r"input action put has a precondition .* always enabled") as info:
            _build(spec)
        assert "s.when(cond)" in str(info.value)


class _WhenInput(_Small):
    @input(p="P")
    def put(self, s: Any, p: Any) -> None:
        with s.when(s.x < 3):
            s.x = s.x + 1


def test_an_input_with_a_conditional_effect_is_enabled_everywhere() -> None:
    m = _build(_WhenInput)
    assert all(a.kind is Kind.INPUT and a.guard.is_const and a.guard.value for a in m.actions)
    step = m.compiled().steps[0]
    assert step((3, 0, (0, 0), (), frozenset())) == (3, 0, (0, 0), (), frozenset())
    assert step((2, 0, (0, 0), (), frozenset())) == (3, 0, (0, 0), (), frozenset())


class _Budgeted(_Small):
    def declare(self, sc: Scope) -> Decl:
        d = super().declare(sc)
        d.input_budget = 2
        return d

    @input()
    def put(self, s: Any) -> None:
        s.x = s.x + 1


def test_the_environment_budget_is_the_only_guard_of_an_input() -> None:
    m = _build(_Budgeted)
    assert m.var_names[-1] == "inputs_issued" and "inputs_issued" in m.hidden_vars
    step = m.compiled().steps[0]
    s0 = m.start_states[0]
    s1 = step(s0)
    s2 = step(s1)
    assert (s1[0], s1[-1], s2[0], s2[-1]) == (1, 1, 2, 2)
    assert step(s2) is None  # budget spent: the environment issues no more inputs


# -- effects are sequential; conditional effects --------------------------------------------------


class _Sequential(_Small):
    @internal()
    def act(self, s: Any) -> None:
        s.x = s.x + 1
        s.y = s.x  # reads the written value
        with s.when(s.x == 2):
            s.members = s.members.add(s.q.head())
            s.require(s.q.length > 0)


def test_effects_read_earlier_writes_and_when_blocks_are_conditional() -> None:
    m = _build(_Sequential)
    step = m.compiled().steps[0]
    assert step((0, 0, (0, 0), (1,), frozenset())) == (1, 1, (0, 0), (1,), frozenset())
    assert step((1, 0, (0, 0), (1,), frozenset())) == (2, 2, (0, 0), (1,), frozenset({1}))
    # the require inside the when block only binds when the block runs
    assert step((1, 0, (0, 0), (), frozenset())) is None
    assert step((0, 0, (0, 0), (), frozenset())) == (1, 1, (0, 0), (), frozenset())
    assert step((3, 0, (0, 0), (), frozenset())) is OUT_OF_BOUNDS  # x = 4 leaves Int[0..3]


def test_quantifiers_over_state_collections_are_guarded_by_membership_and_length() -> None:
    m = _build(_Small)
    P = m.decl.domains["P"]
    p1 = ir.const(EnumT(P), 0)
    all_p1, some_p1, all_members_p1 = compile_predicates(
        m,
        [
            m.predicate(lambda s: forall(s.q, lambda e: e == p1)),
            m.predicate(lambda s: ir.exists(s.q, lambda e: e == p1)),
            m.predicate(lambda s: forall(s.members, lambda e: e == p1)),
        ],
    )
    st = (0, 0, (0, 0))
    assert all_p1((*st, (), frozenset())) and not some_p1((*st, (), frozenset()))
    assert all_p1((*st, (0, 0), frozenset())) and some_p1((*st, (1, 0), frozenset()))
    assert not all_p1((*st, (0, 1), frozenset()))
    assert all_members_p1((*st, (), frozenset({0}))) and not all_members_p1((*st, (), frozenset({0, 1})))


def test_bottom_needs_a_typed_partner() -> None:
    with pytest.raises(TraceError, match="⊥ needs a typed partner"):
        ir.lift(BOT)
    G = Domain.numbered("G", 2, "g", start=0)
    assert ir.lift(BOT, EnumT(G)).value == -1


def test_an_integer_is_not_a_domain_element() -> None:
    m = _build(_Small)
    with pytest.raises(TraceError, match=re.escape("the integer 0 is not an element of G")):
        m.predicate(lambda s: s.cv[ir.const(EnumT(m.decl.domains["P"]), 0)] == 0)


# -- printing terms ----------------------------------------------------------------------------


def _x() -> ir.Term:
    return ir.Term("var", (), IntT(0, 3), (0, "x"))


def test_small_terms_print_as_nested_calls() -> None:
    x = _x()
    one = x + 1
    assert repr(one) == "add(x, 1)"
    assert repr(ite(x < 2, one, one * 2)) == "ite(lt(x, 2), add(x, 1), mul(add(x, 1), 2))"


def test_repr_of_a_shared_dag_is_linear_and_names_shared_subterms() -> None:
    """Depth 60, each level used twice: 2**60 nodes as a tree, 61 in the DAG. The old recursive
    repr printed the tree (it never finished); the text must stay linear in the DAG."""
    t = _x()
    for _ in range(60):
        t = ite(t < 2, t, t + 1)
    text = repr(t)
    assert len(text) < 60 * 60
    assert not text.endswith("…")  # short enough to print in full
    assert text.startswith("let #1 = ite(lt(x, 2), x, add(x, 1)); #2 = ite(lt(#1, 2), #1, add(#1, 1));")
    assert text.endswith(" in ite(lt(#59, 2), #59, add(#59, 1))")


def test_repr_of_a_deep_chain_is_cut_and_not_recursive() -> None:
    x = _x()
    t = x
    for _ in range(5000):  # deeper than the interpreter's recursion limit
        t = t + x
    text = repr(t)
    assert len(text) <= ir.REPR_MAX_CHARS + 1 and text.endswith("…")
    assert len(ir.format_term(t, None)) == len("add(") * 5000 + len("x") + len(", x)") * 5000


def test_empty_literals_and_what_is_built_from_constants_fold() -> None:
    """``set_lit()`` and ``seq_lit()`` are constants, so a set built from them and constant
    elements (``created-viewids`` starts from ∅) is computed once, at trace time."""
    from ioakit.lang.types import Domain, EnumT, SetT

    P = EnumT(Domain.numbered("P", 2, "p"))
    empty = ir.set_lit(SetT(P))
    assert empty.op == "const" and empty.value == frozenset()
    built = empty.add(ir.const(P, 1)).add(ir.const(P, 0))
    assert built.op == "const" and built.value == frozenset({0, 1})
