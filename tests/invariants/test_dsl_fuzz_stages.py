"""Fuzzing the invariant language *past the parser*: files generated against a real machine's
schema (TO-machine and VS-machine: their variables, domains and elements), some mutated, so
that the examples reach the type checker, the compiler and the explorer — where the tracebacks
would be — and not only the lexer.

Each example records, with Hypothesis ``event()``, the stage it reached (``parse`` error,
``machine`` error, ``type`` error, ``scope`` error from the compiler, ``checked``: loaded,
compiled and explored), and ``target()`` steers towards the deeper stages. Any exception other
than the language's ``InvariantError`` family is a bug. ``test_examples_reach_every_stage``
measures the shares over a fixed seed, so that a regression turning every example into a
syntax error fails.

The concrete-vs-Z3 differential test evaluates well-typed random formulas on *arbitrary*
well-formed states (drawn from each variable's type, ``oracles.strategies.state_values``), not
only reachable ones, requires Z3's evaluation at a concrete state to simplify to ``true`` or
``false`` (anything else fails), and requires a minimum number of formulas that are not constant
on the sampled states.
"""

from __future__ import annotations

import collections
import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st
from oracles.strategies import state_values

from ioakit.backends import symbolic
from ioakit.backends.codegen import compile_predicates
from ioakit.invariants import InvariantError, InvariantScopeError, load_invariants
from ioakit.invariants.check import HOLDS, VIOLATED, check_invariants
from ioakit.invariants.errors import (
    InvariantFileError,
    InvariantMachineError,
    InvariantSyntaxError,
    InvariantTypeError,
)
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec

TO = get_spec("TO-machine").build({})
VS = get_spec("VS-machine").build({})
MACHINES = {"TO-machine": TO, "VS-machine": VS}

# The stages in the order a file goes through them; the index is the ``target()`` score.
STAGES = ("parse", "machine", "file", "type", "scope", "checked")
REACHED_COMPILER = ("scope", "checked")

# -- type-directed formulas, per machine -----------------------------------------------------------
# ``x@`` is a generated binder, renamed apart by ``fresh_binders``; the free names are bound by
# the invariant's outer quantifier (TO: p, q in P; VS: p, q in P, g in G, m in M, v in created).


def _ops(*xs: str) -> st.SearchStrategy[str]:
    return st.sampled_from(list(xs))


def grow(leaves: st.SearchStrategy[str], *compounds: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A leaf three times in four, else one of the compound forms: formulas stay small (a uniform
    choice among a dozen compounds and one leaf set mostly overruns Hypothesis's depth limit)."""
    return st.one_of(leaves, leaves, leaves, st.one_of(*compounds))


to_ints: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops(
            "0",
            "1",
            "2",
            "inputs_issued",
            "next[p]",
            "next[q]",
            "len(queue)",
            "len(pending[p])",
            "len(pending[q])",
            "max_inputs",
            "scope.processors",
            "len(queue[1..next[p] - 1])",
            "sum(e@ in queue: if e@.2 == p then 1 else 0)",
            "d0(p)",
        ),
        st.builds("({} {} {})".format, to_ints, _ops("+", "-", "*"), to_ints),
        st.builds("min({}, {})".format, to_ints, to_ints),
        st.builds("(if {} then {} else {})".format, to_bools, to_ints, to_ints),
        st.builds("sum(r@ in P: {})".format, to_ints),
        st.builds("len({})".format, to_seqs),
    )
)
to_procs = _ops("p", "q", "p1", "p2", "head(queue).2", "last(queue).2")
to_vals = _ops("a1", "a2", "head(queue).1", "head(pending[p])", "last(pending[q])")
to_seqs: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops("queue", "tail(queue)", "queue[1..2]", "queue ++ queue"),
        st.builds("{}[{}..{}]".format, to_seqs, to_ints, to_ints),
    )
)
to_aseqs = _ops("pending[p]", "pending[q]", "tail(pending[p])", "append(pending[q], a1)")
to_bools: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops(
            "true",
            "false",
            "queue == empty",
            "pending[p] == empty",
            "(a1, p) in queue",
            "(a2, q) in queue",
            "queue[next[p]] == queue[1]",  # out of range: the element type's first value
            "queue[0] == queue[len(queue) + 1]",
        ),
        st.builds("({} {} {})".format, to_ints, _ops("==", "!=", "<", "<=", ">", ">="), to_ints),
        st.builds("({} == {})".format, to_procs, to_procs),
        st.builds("({} == {})".format, to_vals, to_vals),
        st.builds("({} <= {})".format, to_seqs, to_seqs),
        st.builds("prefix({}, {})".format, to_aseqs, to_aseqs),
        st.builds("({} {} {})".format, to_bools, _ops("and", "or", "implies", "iff"), to_bools),
        st.builds("(not {})".format, to_bools),
        st.builds("(exists r@ in P: {})".format, to_bools),
        st.builds("(forall k@ in {}..{}: {})".format, to_ints, to_ints, to_bools),
        st.builds("({} in {}..{})".format, to_ints, to_ints, to_ints),
        st.builds("(exists e@ in queue: e@.2 == {})".format, to_procs),
        st.builds("(if {} then {} else {})".format, to_bools, to_bools, to_bools),
    )
)

vs_ints: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops(
            "0",
            "1",
            "2",
            "inputs_issued",
            "next[p, g]",
            "next_safe[q, g]",
            "len(queue[g])",
            "len(pending[p, g])",
            "card(created)",
            "|created_viewids|",
            "|v.set|",
            "max_inputs",
            "scope.processors",
            "len(queue[g][1..next[p, g] - 1])",
            "d0(p)",
        ),
        st.builds("({} {} {})".format, vs_ints, _ops("+", "-", "*"), vs_ints),
        st.builds("min({}, {})".format, vs_ints, vs_ints),
        st.builds("(if {} then {} else {})".format, vs_bools, vs_ints, vs_ints),
        st.builds("sum(r@ in P: {})".format, vs_ints),
        st.builds("sum(e@ in queue[g]: {})".format, vs_ints),
        st.builds("sum(k@ in 1..{}: 1)".format, vs_ints),
        st.builds("len({})".format, vs_seqs),
    )
)
vs_gids = _ops("g", "g0", "g1", "current_viewid[p]", "current_viewid[q]", "v.id")
vs_procs = _ops("p", "q", "p1", "p2", "head(queue[g]).2", "last(queue[g]).2")
vs_sets: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops("P", "v.set", "{p}", "{p, q}", "(P minus P)"),
        st.builds("({} {} {})".format, vs_sets, _ops("union", "inter", "minus"), vs_sets),
    )
)
vs_seqs: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops("queue[g]", "queue[g0]", "tail(queue[g])", "queue[g] ++ queue[g1]"),
        st.builds("{}[{}..{}]".format, vs_seqs, vs_ints, vs_ints),
    )
)
vs_mseqs = _ops("pending[p, g]", "pending[q, g]", "append(pending[p, g], m)", "tail(pending[q, g])")
vs_bools: st.SearchStrategy[str] = st.deferred(
    lambda: grow(
        _ops(
            "true",
            "false",
            "g in created_viewids",
            "(m, p) in queue[g]",
            "current_viewid[p] == bot",
            "queue[g] == empty",
            "view(g, v.set) in created",
            "(g, {p}) in created",
            "queue[current_viewid[p]] == empty",
            "next[p, current_viewid[q]] == 1",
        ),
        st.builds("({} {} {})".format, vs_ints, _ops("==", "!=", "<", "<=", ">", ">="), vs_ints),
        st.builds("({} {} {})".format, vs_gids, _ops("==", "<", "<="), vs_gids),
        st.builds("({} == {})".format, vs_procs, vs_procs),
        st.builds("({} {} {})".format, vs_sets, _ops("subset", "=="), vs_sets),
        st.builds("({} in {})".format, vs_procs, vs_sets),
        st.builds("({} <= {})".format, vs_seqs, vs_seqs),
        st.builds("prefix({}, {})".format, vs_mseqs, vs_mseqs),
        st.builds("({} {} {})".format, vs_bools, _ops("and", "or", "implies", "iff"), vs_bools),
        st.builds("(not {})".format, vs_bools),
        st.builds("(exists r@ in P: {})".format, vs_bools),
        st.builds("(forall S@ subset P: S@ == {{}} or {})".format, vs_bools),
        st.builds("(exists! u@ in created: u@.id == {})".format, vs_gids),
        st.builds("(forall k@ in {}..{}: {})".format, vs_ints, vs_ints, vs_bools),
        st.builds("(if {} then {} else {})".format, vs_bools, vs_bools, vs_bools),
    )
)


@dataclass(frozen=True)
class Lang:
    """What the generator knows of one machine: its formulas, how a file binds their free names,
    the definition ``d0`` they may call, and the shipped file a generated file may include."""

    machine: Machine
    bools: st.SearchStrategy[str]
    binders: str
    definition: str
    include: str
    names: tuple[str, ...]
    families: tuple[str, ...]
    variables: tuple[str, ...]


LANGS = {
    "TO-machine": Lang(
        TO,
        to_bools,
        "forall p, q in P:",
        "def d0(x: P) = len(pending[x]) + next[x]",
        '"to_machine"',
        ("queue", "pending", "next", "inputs_issued", "P", "A", "p1", "a1", "a3", "max_inputs"),
        ("bcast", "to_order", "brcv"),
        ("queue", "pending", "next", "inputs_issued"),
    ),
    "VS-machine": Lang(
        VS,
        vs_bools,
        "forall p, q in P, g in G, m in M: forall v in created:",
        "def d0(x: P) = card(created) + (if current_viewid[x] == bot then 0 else 1)",
        '"vs_bounds"',
        ("created", "current_viewid", "queue", "pending", "next", "next_safe", "G", "M", "g0", "g2", "m1", "views"),
        ("createview", "newview", "gpsnd", "vs_order", "gprcv", "safe"),
        ("created", "created_viewids", "current_viewid", "queue", "pending", "next", "next_safe", "inputs_issued"),
    ),
}


def small(formula: str) -> bool:
    """Few enough quantifiers that one example stays fast to expand and explore."""
    return sum(map(formula.count, ("forall", "exists", "sum("))) <= 4


def fresh_binders(formula: str) -> str:
    """Give every generated binder ``x@`` its own name; a reference ``x@`` (the generator writes
    it right after its binder) means the latest binder of that letter."""
    count = itertools.count()
    latest: dict[str, str] = {}

    def rename(mt: re.Match[str]) -> str:
        letter, binder = mt.group(1), mt.group(2)
        if binder:
            latest[letter] = f"{letter}{next(count)}"
        return latest[letter] + (binder or "")

    return re.sub(r"\b([a-zA-Z])@( in | subset )?", rename, formula)


def formulas(lang: Lang) -> st.SearchStrategy[str]:
    return lang.bools.filter(small).map(fresh_binders)


@st.composite
def wellformed_file(draw: st.DrawFn, name: str) -> str:
    """A file meant to load for machine ``name``: its ``machine`` line, maybe an ``include`` of a
    shipped file, the definition ``d0``, one to three invariants and maybe a ``step`` item."""
    lang = LANGS[name]
    lines = [f"machine {name}"]
    if draw(st.booleans()):
        lines.append(f"include {lang.include}")
    lines.append(lang.definition)
    for i in range(draw(st.integers(1, 3))):
        lines.append(f"invariant fz{i}: {lang.binders} {draw(formulas(lang))}")
    if draw(st.booleans()):  # a step item: some state variables primed (the state after the step)
        body = draw(formulas(lang))
        primes = draw(st.lists(st.booleans(), min_size=8, max_size=8))
        for var, prime in zip(lang.variables, primes, strict=False):
            if prime:
                body = re.sub(rf"\b{var}\b(?![-_'])", f"{var}'", body)
        fam = draw(st.sampled_from(lang.families))
        if draw(st.booleans()):
            lines.append(f"step st: on {fam}: {lang.binders} {body}")
        else:
            lines.append(f"step st: {lang.binders} (action is {fam}) implies {body}")
    return "\n".join(lines) + "\n"


OPERATORS = ["==", "!=", "<=", "<", "and", "or", "implies", "+", "-", "in", "subset", "union", "++"]
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
# invariants/LANGUAGE.md: a name swapped for one of these would only make a syntax error
RESERVED = frozenset(
    [
        "machine",
        "include",
        "def",
        "invariant",
        "step",
        "on",
        "forall",
        "exists",
        "in",
        "subset",
        "not",
        "and",
        "or",
        "implies",
        "iff",
        "if",
        "then",
        "else",
        "true",
        "false",
        "bot",
        "empty",
        "sum",
        "union",
        "inter",
        "minus",
        "is",
        "let",
        "where",
        "Set",
    ]
)


ANY_TERM = (
    st.one_of(to_ints, to_seqs, to_aseqs, to_procs, to_vals, vs_ints, vs_sets, vs_seqs, vs_mseqs, vs_gids, vs_procs)
    .filter(small)
    .map(fresh_binders)
)


def balanced_parens(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the balanced ``( ... )`` groups of ``text``."""
    spans, stack = [], []
    for k, c in enumerate(text):
        if c == "(":
            stack.append(k)
        elif c == ")" and stack:
            spans.append((stack.pop(), k + 1))
    return spans


@st.composite
def mutated_file(draw: st.DrawFn, name: str) -> str:
    """A well-formed file with one edit: a name swapped for another of either machine's schema
    (mostly a type error), an operator swapped (a type error or a different formula), a
    parenthesised subterm replaced by a term of another type or machine (a type error deep
    inside a formula), the ``machine`` line changed, or one character deleted or inserted
    (mostly a syntax error)."""
    text = draw(wellformed_file(name))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    kind = draw(st.sampled_from(["name", "name", "operator", "operator", "splice", "splice", "machine", "char"]))
    pool = [n for lang in LANGS.values() for n in lang.names]
    if kind == "splice":
        spans = balanced_parens(text)
        if not spans:
            return text
        i, j = rnd.choice(spans)
        return text[:i] + draw(ANY_TERM) + text[j:]
    if kind == "name":
        ms = [m for m in IDENT.finditer(text) if m.start() > text.index("\n") and m.group() not in RESERVED]
        mt = rnd.choice(ms)
        return text[: mt.start()] + rnd.choice(pool) + text[mt.end() :]
    if kind == "operator":
        spots = [(m.start(), m.end()) for op in OPERATORS for m in re.finditer(f" {re.escape(op)} ", text)]
        if not spots:
            return text
        i, j = rnd.choice(spots)
        return text[:i] + f" {rnd.choice(OPERATORS)} " + text[j:]
    if kind == "machine":
        other = rnd.choice(["TO-machine", "VS-machine", "WeakVS-machine", "No-such-machine"])
        return re.sub(r"^machine \S+", f"machine {other}", text)
    i = rnd.randrange(len(text))
    return text[:i] + rnd.choice(["", "(", ")", ":", ",", "[", "]"]) + text[i + 1 :]


def fuzz_file() -> st.SearchStrategy[tuple[str, str]]:
    """(machine name, file text) for either machine: well-formed three times in five, else
    mutated."""
    return st.sampled_from(sorted(LANGS)).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.one_of(wellformed_file(n), wellformed_file(n), wellformed_file(n), mutated_file(n), mutated_file(n)),
        )
    )


def stage_of(name: str, text: str) -> str:
    """Load ``text`` for machine ``name`` and, if it loads, explore the machine with it (a bounded
    whole reachable set at its default scope): the stage it reached. An exception outside the ``InvariantError`` family
    propagates, and fails the test that called this."""
    m = MACHINES[name]
    try:
        invset = load_invariants(text, m, filename="fuzz.inv")
    except InvariantSyntaxError:
        return "parse"
    except InvariantMachineError:
        return "machine"
    except InvariantFileError:  # an include whose name a mutation changed
        return "file"
    except InvariantScopeError:
        return "scope"
    except InvariantTypeError as e:
        assert "internal error" not in str(e), str(e)
        return "type"
    report = check_invariants(m, invset, allow_bound_hits=True)
    assert {o.status for o in report.outcomes} <= {HOLDS, VIOLATED}, report.outcomes
    for o in report.outcomes:
        if o.status == VIOLATED:  # the counterexample ends in a state the concrete predicate rejects
            assert o.counterexample is not None
    return "checked"


def record(stage: str) -> None:
    event(f"stage: {stage}")
    target(float(STAGES.index(stage)), label="stage reached")


STAGE_RUN = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@STAGE_RUN
@given(fuzz_file())
def test_schema_files_only_raise_invariant_errors(case: tuple[str, str]) -> None:
    """Random seeds each run: no example may raise anything but an ``InvariantError``."""
    record(stage_of(*case))


def run_fixed_seed(n: int) -> collections.Counter[str]:
    """The stages of ``n`` examples drawn from a fixed seed (``derandomize``)."""
    seen: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[p for p in __import__("hypothesis").Phase if p.name in ("explicit", "generate")],
    )
    @given(fuzz_file())
    def run(case: tuple[str, str]) -> None:
        stage = stage_of(*case)
        record(stage)
        seen[stage] += 1

    run()
    return seen


def test_examples_reach_every_stage() -> None:
    """Over a fixed seed, at least half the examples reach the compiler (a scope error or
    checked) and every stage but ``machine`` is reached by some: a generator that has drifted into
    producing only syntax errors, or a checker that rejects everything, fails here."""
    seen = run_fixed_seed(80)
    total = sum(seen.values())
    assert total >= 70, seen
    assert sum(seen[s] for s in REACHED_COMPILER) >= 0.5 * total, seen
    assert seen["type"] >= 0.1 * total, seen  # the mutations do exercise the type checker's errors
    for s in ("parse", "type", "checked"):
        assert seen[s] >= 1, (s, seen)


def test_wellformed_files_are_checked() -> None:
    """The unmutated generator is well-typed by construction: every such file must load and be
    explored (a type checker or compiler that starts rejecting valid files fails here)."""

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    @given(st.sampled_from(sorted(LANGS)).flatmap(lambda n: st.tuples(st.just(n), wellformed_file(n))))
    def run(case: tuple[str, str]) -> None:
        assert stage_of(*case) == "checked", case

    run()


def test_stage_classifier_sees_each_stage() -> None:
    """The classifier itself: one hand-written file per stage."""
    assert stage_of("TO-machine", "machine TO-machine\ninvariant a: (((\n") == "parse"
    assert stage_of("TO-machine", "machine VS-machine\ninvariant a: true\n") == "machine"
    assert stage_of("TO-machine", "machine TO-machine\ninvariant a: created == created\n") == "type"
    assert stage_of("TO-machine", "machine TO-machine\ninvariant a: p7 == p7\n") == "scope"
    assert stage_of("TO-machine", "machine TO-machine\ninvariant a: len(queue) <= 3\n") == "checked"


# -- concrete vs Z3 on arbitrary well-formed states ------------------------------------------------


def z3_constant(f: z3.BoolRef) -> bool:
    """The truth value of a Z3 formula that must simplify to a constant: anything else fails the
    calling test, never read as false."""
    g = z3.simplify(f)
    assert z3.is_true(g) or z3.is_false(g), f"Z3 did not simplify to a constant: {g}"
    return z3.is_true(g)


def z3_value(term: Any, machine: Machine, state: tuple[Any, ...]) -> bool:
    """Z3's meaning of the boolean ``term`` at the concrete ``state``."""
    return z3_constant(symbolic.predicate(term, symbolic.const_state(machine, state).vars))


@dataclass
class DiffStats:
    """How many generated formulas were compared, and how many were not constant on the states."""

    formulas: int = 0
    non_constant: int = 0
    scope_refused: int = 0


def differential(name: str, n: int, states_per_formula: int, stats: DiffStats) -> Callable[[], None]:
    """A Hypothesis test comparing the two semantics of ``n`` random formulas for ``name``."""
    lang = LANGS[name]
    m = lang.machine

    @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    @given(formulas(lang), st.lists(state_values(m), min_size=states_per_formula, max_size=states_per_formula))
    def run(formula: str, states: list[tuple[Any, ...]]) -> None:
        text = f"machine {name}\n{lang.definition}\ninvariant f: {lang.binders} {formula}\n"
        try:
            inv = load_invariants(text, m, filename="fuzz.inv")
        except InvariantScopeError:
            stats.scope_refused += 1  # well typed but too large to expand at this scope: refused, fine
            return
        except InvariantError as e:  # the generator is type-directed: a type error is its bug or ours
            raise AssertionError(f"{formula}: {e}") from None
        term = inv.properties[0].term
        (pred,) = compile_predicates(m, [term])
        results = set()
        for s in states:
            concrete = bool(pred(s))
            assert z3_value(term, m, s) == concrete, (formula, m.show_state(s))
            results.add(concrete)
        stats.formulas += 1
        constant = len(results) == 1
        event("constant on the sampled states" if constant else "not constant")
        stats.non_constant += not constant

    return run


def test_concrete_and_z3_agree_on_arbitrary_states() -> None:
    """Fixed seed, both machines: each formula on 12 arbitrary well-formed states. At least a
    quarter of the compared formulas must take both values on their states (a generator of
    constants would compare nothing)."""
    for name in ("TO-machine", "VS-machine"):
        stats = DiffStats()
        differential(name, 40, 12, stats)()
        assert stats.formulas >= 30, (name, stats)
        assert stats.non_constant >= 0.25 * stats.formulas, (name, stats)


def test_z3_constant_refuses_a_non_constant() -> None:
    """The differential test's check can fail: a formula Z3 cannot reduce is an error, not false;
    and a compiled invariant at a concrete state does reduce."""
    x = z3.Int("x")
    with pytest.raises(AssertionError, match="did not simplify"):
        z3_constant(x > 0)
    assert z3_constant(z3.And(x > 0, z3.BoolVal(False))) is False
    inv = load_invariants("machine TO-machine\ninvariant a: len(queue) <= 1\n", TO, filename="t.inv")
    term = inv.properties[0].term
    assert z3_value(term, TO, ((), ((), ()), (1, 1), 0)) is True
    assert z3_value(term, TO, (((0, 0), (0, 1)), ((), ()), (1, 1), 2)) is False
