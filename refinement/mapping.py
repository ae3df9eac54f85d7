"""Refinement mappings: forward simulations written once, read by both semantics.

A forward simulation from an implementation automaton A to a specification automaton B (Lynch
and Vaandrager; FLS Section 6.2 uses one to prove Theorem 6.26) is, here, a *function* ``f`` from
A's states to B's states, plus a **step correspondence**: for every step ``(x, π, x')`` of A, a
sequence of B's actions that takes ``f(x)`` to ``f(x')`` and has the same external actions as π
(one action if π is external, none if it is internal) — the case analysis of a paper's proof, as
in the proof of FLS Lemma 6.25.

A ``Refinement`` declares both in the language actions are written in:

* ``abstraction(s)`` returns, for every state variable of B, a value computed from A's state
  ``s`` (terms, traced once, like an action's effect);
* ``defined(s)`` returns named conditions under which ``f`` is defined (FLS's ``f`` needs Lemma
  6.5 and Corollary 6.24); a reachable state where one fails is reported, never crashed on;
* a method decorated ``@fragment("confirm")`` returns, for one of A's action families, B's
  action sequence as ``[call("to_order", a=…, p=…)]`` (arguments are terms over A's pre-state
  and the action's own arguments), possibly by cases: ``when(cond, [...], [...])``. A family
  without a fragment is matched by *search*: up to ``search_depth`` steps of B whose external
  actions are exactly π's.

``Mapping`` is a declaration bound to built machines: its terms compile to Python (the
exhaustive and along-trace checks of ``refinement.check``) and evaluate in Z3 (the step
obligation), so the check and the proof are about one definition. B is built without an
environment (its inputs are always enabled, as an I/O automaton's are) at a scope the
declaration derives from A's (``spec_scope``).
"""

from __future__ import annotations

import json
import operator
from collections import deque
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ioakit.errors import UserError
from ioakit.lang import ir
from ioakit.lang.automaton import Machine, Scope
from ioakit.lang.ir import Term, TraceError
from ioakit.lang.types import same_shape


class MappingError(UserError):
    """A refinement mapping that does not fit its machines (exit 2): a missing or mistyped
    component of ``f``, a call of an action the specification does not have."""


# -- declarations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One action of the specification in a step correspondence: its family name and arguments
    (values, or terms over the implementation's pre-state)."""

    action: str
    args: MappingABC[str, Any]


def call(action: str, **args: Any) -> Call:
    """``call("to_order", a=a, p=q)``: the specification action ``to_order(a, q)``."""
    return Call(action, args)


@dataclass(frozen=True)
class Cases:
    """A step correspondence by cases: the first alternative whose condition holds in the
    pre-state is the fragment (as in a proof's "if … then … otherwise …")."""

    alternatives: tuple[tuple[Any, tuple[Call, ...]], ...]


def when(cond: Any, then: Sequence[Call], otherwise: Sequence[Call] | Cases = ()) -> Cases:
    """``then`` if ``cond`` holds in the pre-state, else ``otherwise``."""
    rest = otherwise.alternatives if isinstance(otherwise, Cases) else ((True, tuple(otherwise)),)
    return Cases(((cond, tuple(then)), *rest))


def fragment(*families: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method ``(self, s, **params)`` as the step correspondence of the implementation's
    action families named ``families`` (by the names their steps are labelled with). A subclass
    that overrides the method, decorated or not, replaces the fragment."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__ioakit_fragment__ = families  # type: ignore[attr-defined]
        return fn

    return deco


class Refinement:
    """Base class of refinement-mapping declarations; see the module docstring.

    ``impl`` names the implementation machines the mapping is written for (their state
    variables are what ``abstraction`` reads); ``spec`` the specification machine.
    """

    name: ClassVar[str] = ""
    impl: ClassVar[tuple[str, ...]] = ()
    spec: ClassVar[str] = ""
    source: ClassVar[str] = ""
    search_depth: ClassVar[int] = 2
    """How many specification steps the search for a missing fragment tries."""

    def applies_to(self, machine_name: str) -> bool:
        """Whether the mapping reads this implementation machine's states."""
        return machine_name in self.impl

    def spec_scope(self, impl_scope: Scope) -> dict[str, int]:
        """The specification's scope for an implementation scope: large enough to hold ``f`` of
        every implementation state."""
        raise NotImplementedError

    def defined(self, s: Any) -> MappingABC[str, Any]:
        """Named conditions under which ``f`` is defined (all must hold); none by default."""
        return {}

    def abstraction(self, s: Any) -> MappingABC[str, Any]:
        """``f(s)``: a value for every state variable of the specification."""
        raise NotImplementedError

    def fragments(self) -> dict[str, Callable[..., Any]]:
        """The declared step correspondences, by implementation action family."""
        by_attr: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {}
        for klass in reversed(type(self).__mro__):
            for attr, v in vars(klass).items():
                fams = getattr(v, "__ioakit_fragment__", None)
                if fams is not None:
                    by_attr[attr] = (fams, v)
                elif attr in by_attr and callable(v):  # an override without the decorator
                    by_attr[attr] = (by_attr[attr][0], v)  # is still that fragment
        return {fam: fn for fams, fn in by_attr.values() for fam in fams}


# -- a declaration bound to machines --------------------------------------------------------------


@dataclass(frozen=True)
class SpecCall:
    """A fragment's call, traced: the specification family, its parameter names and the terms
    of its arguments (over the implementation's pre-state)."""

    family: str
    params: tuple[str, ...]
    args: tuple[Term, ...]
    external: bool


@dataclass(frozen=True)
class Alternative:
    """One case of a fragment: its condition on the pre-state and its calls (None: the case
    added after the declared ones when none of them is unconditional — no case applies)."""

    guard: Term
    calls: tuple[SpecCall, ...] | None


@dataclass(frozen=True)
class SpecStep:
    """A specification step tried: its label and instance index (None: no such instance)."""

    label: str
    index: int | None


@dataclass(frozen=True)
class StepFailure:
    """Why ``f`` fails on one step: what the paper's proof case would have to show and does not.

    ``kind``: ``start`` (f of a start state is not a start state of the specification),
    ``undefined`` (a definedness condition of f fails in the post-state), ``external`` (the
    fragment's external actions are not the step's), ``disabled`` (a specification step is not
    enabled: ``detail`` names the precondition), ``mismatch`` (the fragment ends elsewhere than
    f(after): ``detail`` names the components), ``no-fragment`` (the search found none),
    ``bounds`` (a specification step leaves the specification's scope: not a verdict).
    """

    kind: str
    impl_action: str
    f_before: dict[str, str] | None
    f_after: dict[str, str] | None
    tried: tuple[str, ...]
    detail: str

    def show(self, indent: str = "  ") -> str:
        lines = [f"{indent}implementation step: {self.impl_action}", f"{indent}why: {self.detail}"]
        if self.tried:
            lines.append(f"{indent}specification steps tried: " + " · ".join(self.tried))
        else:
            lines.append(f"{indent}specification steps tried: (none: the empty fragment)")
        if self.f_before is not None:
            lines.append(f"{indent}f(before): " + _show_state(self.f_before))
        if self.f_after is not None:
            lines.append(f"{indent}f(after):  " + _show_state(self.f_after))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "impl_action": self.impl_action,
            "f_before": self.f_before,
            "f_after": self.f_after,
            "spec_steps_tried": list(self.tried),
            "detail": self.detail,
        }


def _show_state(d: MappingABC[str, str]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in d.items())


@dataclass
class Mapping:
    """A ``Refinement`` bound to an implementation machine and its specification machine."""

    decl: Refinement
    impl: Machine
    spec: Machine
    f_terms: tuple[Term, ...]
    defined_terms: tuple[tuple[str, Term], ...]
    fragments: tuple[tuple[Alternative, ...] | None, ...]
    """Per implementation instance: its fragment's alternatives, or None (search)."""
    spec_index: dict[tuple[str, tuple[Any, ...]], int]
    _f_fns: list[Callable[[tuple[Any, ...]], Any]] | None = field(default=None, repr=False)
    _def_fns: list[Callable[[tuple[Any, ...]], Any]] | None = field(default=None, repr=False)
    _frag_fns: dict[int, Any] = field(default_factory=dict, repr=False)
    _spec_guards: dict[int, list[tuple[Term, Callable[[tuple[Any, ...]], Any]]]] = field(
        default_factory=dict, repr=False
    )
    _reads: Any = field(default=None, repr=False)
    """``f_after``'s getter of the variables f and its definedness conditions read."""
    _fused: Any = field(default=None, repr=False)
    """``f_where_defined``'s one function (False: it could not be compiled; None: not yet)."""
    _spec_fams: dict[str, Any] = field(default_factory=dict, repr=False)
    _impl_events: dict[int, tuple[str, str]] = field(default_factory=dict, repr=False)
    _spec_events: dict[tuple[str, tuple[Any, ...]], str] = field(default_factory=dict, repr=False)
    _inside: list[Any] = field(default_factory=lambda: [None, None], repr=False)
    """The last two specification states found inside the specification's scope (by identity:
    a caller passes f(before) again as the same object, step after step)..."""
    _inside_known: set[tuple[Any, ...]] = field(default_factory=set, repr=False)
    """... and the others found inside (by value, up to ``INSIDE_KNOWN``: f maps many states
    of the implementation to few of the specification; f's components are computed by typed
    terms, so equal values are values of the same types)."""
    INSIDE_KNOWN: ClassVar[int] = 4096

    def __post_init__(self) -> None:
        self._external = [a.kind.external for a in self.impl.actions]

    @property
    def name(self) -> str:
        return self.decl.name

    # -- compiled pieces ------------------------------------------------------------------------
    def f(self, s: tuple[Any, ...]) -> tuple[Any, ...]:
        """``f(s)``, concretely (the specification state as a tuple of its variables)."""
        fns = self._f_fns
        if fns is None:
            from ioakit.backends.codegen import compile_terms

            fns = self._f_fns = compile_terms(self.impl, list(self.f_terms))
        return tuple(fn(s) for fn in fns)

    def undefined(self, s: tuple[Any, ...]) -> str | None:
        """The first definedness condition of ``f`` that fails in ``s``, or None."""
        if not self.defined_terms:
            return None
        fns = self._def_fns
        if fns is None:
            from ioakit.backends.codegen import compile_terms

            fns = self._def_fns = compile_terms(self.impl, [t for _, t in self.defined_terms])
        for (name, _), fn in zip(self.defined_terms, fns):
            if not fn(s):
                return name
        return None

    def f_where_defined(self, s: tuple[Any, ...]) -> tuple[str | None, tuple[Any, ...] | None]:
        """``(None, f(s))`` where ``f`` is defined at ``s``, else ``(the first failing
        definedness condition, None)`` — what ``undefined`` then ``f`` say, from one generated
        function that computes the conditions and ``f``'s components together, so the subterms
        they share (VStoTO's ``allstate``, ``allcontent``, ``allconfirm``) are computed once per
        state instead of once per condition and component."""
        fn = self._fused
        if fn is None:
            fn = self._fused = self._compile_fused()
        if fn is not False:
            try:
                out = fn(s)
            except Exception:  # f evaluated where a condition fails: let the separate path say it
                out = None
            if out is not None:
                nd = len(self.defined_terms)
                if not nd:
                    return None, out
                for i in range(nd):
                    if not out[i]:
                        return self.defined_terms[i][0], None
                return None, out[nd:]
        why = self.undefined(s)
        return (why, None) if why is not None else (None, self.f(s))

    def f_after(
        self, x: tuple[Any, ...], fx: tuple[Any, ...], x2: tuple[Any, ...]
    ) -> tuple[str | None, tuple[Any, ...] | None]:
        """``f_where_defined(x2)`` for a step from ``x``, where ``f(x)`` is ``fx`` (defined):
        ``fx`` itself when the step left every variable that ``f`` and its definedness
        conditions read as it was — the very same objects, as a generated step leaves the
        variables it does not write and as the trace checker decodes an unchanged snapshot
        variable (an internal step of VStoTO's VS-machine, an ABP channel's loss)."""
        reads = self._reads
        if reads is None:
            reads = self._reads = self._reads_getter()
        if all(map(operator.is_, reads(x), reads(x2))):
            return None, fx
        return self.f_where_defined(x2)

    def _reads_getter(self) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """The variables f's terms and the definedness conditions read, as one getter."""
        terms = list(self.f_terms) + [t for _, t in self.defined_terms]
        idx = sorted({t.data[0] for t in ir.subterms(terms) if t.op == "var"})
        if len(idx) == 1:
            i = idx[0]
            return lambda s: (s[i],)
        return operator.itemgetter(*idx) if idx else (lambda s: ())

    def _compile_fused(self) -> Any:
        """The definedness conditions then ``f``'s components as one tuple term, compiled (the
        emitter binds a subterm used twice to a name); False if the Python compiler refuses it
        (one more level of nesting than the separate functions)."""
        from ioakit.backends.codegen import CodegenLimitError, compile_terms
        from ioakit.lang.types import TupleT

        terms = [t for _, t in self.defined_terms] + list(self.f_terms)
        whole = ir.record(TupleT(*(t.type for t in terms)), *terms)
        try:
            return compile_terms(self.impl, [whole])[0]
        except CodegenLimitError:
            return False

    def show_f(self, y: Sequence[Any]) -> dict[str, str]:
        return self.spec.show_state(y)

    def _fragment_fns(self, k: int) -> Any:
        """Instance ``k``'s fragment compiled: per case, its guard (``True`` when constant) and
        per call the arguments (a tuple when all are constant — an action's own parameters —
        else one function per argument)."""
        got = self._frag_fns.get(k)
        if got is None:
            from ioakit.backends.codegen import compile_terms

            alts = self.fragments[k]
            assert alts is not None
            terms = [t for a in alts for t in (a.guard, *(x for c in a.calls or () for x in c.args))]
            varying = [t for t in terms if not t.is_const]
            compiled = dict(zip(map(id, varying), compile_terms(self.impl, varying))) if varying else {}

            def fn(t: Term) -> Any:
                return compiled[id(t)]

            got = []
            for a in alts:
                if a.guard.is_const:
                    guard = True if a.guard.value else _constant(False)
                else:
                    guard = fn(a.guard)
                calls = None
                if a.calls is not None:
                    calls = []
                    for c in a.calls:
                        if all(x.is_const for x in c.args):
                            calls.append((c, tuple(x.value for x in c.args), None))
                        else:
                            calls.append((c, None, [_constant(x.value) if x.is_const else fn(x) for x in c.args]))
                got.append((guard, calls))
            self._frag_fns[k] = got
        return got

    def fragment_at(self, k: int, x: tuple[Any, ...]) -> list[tuple[SpecCall, tuple[Any, ...]]] | bool | None:
        """The specification calls (with concrete arguments) that instance ``k``'s step from
        ``x`` corresponds to; None when no fragment is declared (search); False when the
        declared cases do not cover ``x``."""
        if self.fragments[k] is None:
            return None
        for guard, calls in self._fragment_fns(k):
            if guard is True or guard(x):
                if calls is None:
                    return False
                return [(c, args if fns is None else tuple(fn(x) for fn in fns)) for c, args, fns in calls]
        return False

    def _spec_family(self, name: str) -> Any:
        fam = self._spec_fams.get(name)
        if fam is None:
            fam = self._spec_fams[name] = next(f for f in self.spec.families if f.name == name)
        return fam

    def spec_label(self, c: SpecCall, args: Sequence[Any]) -> str:
        from ioakit.lang.automaton import action_label

        return action_label(self._spec_family(c.family), args)

    def _failing_precondition(self, j: int, y: tuple[Any, ...]) -> str:
        """The conjuncts of specification instance ``j``'s precondition that fail in ``y``."""
        got = self._spec_guards.get(j)
        if got is None:
            from ioakit.backends.codegen import compile_predicates

            guard = self.spec.actions[j].guard
            cs = list(guard.args) if guard.op == "and" else [guard]
            got = self._spec_guards[j] = list(zip(cs, compile_predicates(self.spec, cs)))
        bad = [show_term(c) for c, fn in got if not fn(y)]
        return "; ".join(bad) if bad else "(the precondition as a whole)"

    # -- one step -------------------------------------------------------------------------------
    def check_start(self, x: tuple[Any, ...]) -> StepFailure | None:
        """f of a start state of the implementation must be a start state of the specification."""
        why, y = self.f_where_defined(x)
        if why is not None or y is None:
            return StepFailure(
                "undefined", "(start state)", None, None, (), f"f is undefined in the start state: {why}"
            )
        if y not in self.spec.start_states:
            diffs = [self._differs(y, y0) for y0 in self.spec.start_states]
            return StepFailure(
                "start",
                "(start state)",
                None,
                self.show_f(y),
                (),
                f"f(start) is not a start state of {self.spec.name}: {diffs[0]}",
            )
        return None

    def _differs(self, got: Sequence[Any], want: Sequence[Any]) -> str:
        parts = []
        for (n, t), a, b in zip(self.spec.variables, got, want):
            if a != b:
                parts.append(f"{n} is {t.show(a)}, f(after) has {t.show(b)}")
        return "; ".join(parts)

    def check_step(
        self,
        x: tuple[Any, ...],
        k: int,
        x2: tuple[Any, ...],
        fx: tuple[Any, ...] | None = None,
        fx2: tuple[Any, ...] | None = None,
        label: str | None = None,
    ) -> StepFailure | None:
        """Check the step ``(x, instance k, x2)`` of the implementation against the
        specification through ``f`` (assuming ``f(x)`` is defined); ``fx``/``fx2`` are ``f(x)``
        and ``f(x2)`` when the caller has them (a caller passing ``fx2`` has checked that f is
        defined at ``x2``).

        Called once per step checked, so what does not depend on the step is computed once and
        kept (the JSON of an instance's and a specification call's arguments, a specification
        state found inside its scope), and the labels of the specification steps tried are
        written only for a failure."""
        impl = self.impl

        def lab() -> str:
            return label if label is not None else impl.label_of(k, x)

        def fail(kind: str, tried: tuple[str, ...], detail: str) -> StepFailure:
            return StepFailure(kind, lab(), self.show_f(y), self.show_f(y2), tried, detail)

        if fx2 is None:
            why, y2 = self.f_where_defined(x2)
            if why is not None or y2 is None:
                y = fx if fx is not None else self.f(x)
                return StepFailure(
                    "undefined", lab(), self.show_f(y), None, (), f"f is undefined after the step: {why}"
                )
        else:
            y2 = fx2
        y = fx if fx is not None else self.f(x)
        inside, known = self._inside, self._inside_known
        for which, v in (("f(before)", y), ("f(after)", y2)):
            if v is inside[0] or v is inside[1] or v in known:
                continue
            out = self._outside(v)
            if out is not None:
                return fail("bounds", (), f"{which}'s {out} is outside {self.spec.name}'s scope {self.spec.scope}")
            inside[1], inside[0] = inside[0], v
            if len(known) >= self.INSIDE_KNOWN:
                known.clear()
            known.add(v)
        frag = self.fragment_at(k, x)
        want_ext = [self._impl_event(k, x)] if self._external[k] else []
        if frag is None:
            return self._search(lab, y, y2, want_ext)
        if frag is False:
            return fail("no-case", (), "none of the fragment's cases applies in the pre-state")
        done: list[tuple[SpecCall, tuple[Any, ...]]] = []
        got_ext = []
        cur = y
        steps = self.spec.compiled().steps
        oob = _oob()
        for c, args in frag:
            done.append((c, args))
            j = self.spec_index.get((c.family, args))
            if j is None:
                return fail(
                    "disabled",
                    self._tried(done),
                    f"{self.spec.name} at scope {self.spec.scope} has no action {self.spec_label(c, args)}",
                )
            if c.external:
                got_ext.append((c.family, self._spec_event(c, args)))
            nxt = steps[j](cur)
            if nxt is None:
                return fail(
                    "disabled",
                    self._tried(done),
                    f"{self.spec_label(c, args)} is not enabled in {'f(before)' if cur is y else 'the state reached'}: "
                    f"precondition {self._failing_precondition(j, cur)} fails",
                )
            if nxt is oob:
                return fail(
                    "bounds",
                    self._tried(done),
                    f"{self.spec_label(c, args)} leaves {self.spec.name}'s scope {self.spec.scope}",
                )
            cur = nxt
        if got_ext != want_ext:
            return fail(
                "external",
                self._tried(done),
                f"the fragment's external actions {_events(got_ext)} are not the step's {_events(want_ext)}",
            )
        if cur != y2:
            return fail(
                "mismatch", self._tried(done), f"the fragment does not reach f(after): {self._differs(cur, y2)}"
            )
        return None

    def _tried(self, done: Sequence[tuple[SpecCall, tuple[Any, ...]]]) -> tuple[str, ...]:
        """The labels of the specification steps a fragment tried, for a failure."""
        return tuple(self.spec_label(c, args) for c, args in done)

    def _outside(self, y: Sequence[Any]) -> str | None:
        """The first component of a specification state that its declared types do not hold."""
        for (n, t), v in zip(self.spec.variables, y):
            if not t.check(v):
                return n
        return None

    def _impl_event(self, k: int, x: tuple[Any, ...]) -> tuple[str, str]:
        """Instance ``k``'s step from ``x`` as (name, its arguments' JSON text); kept for an
        instance whose arguments do not come from the state."""
        got = self._impl_events.get(k)
        if got is not None:
            return got
        inst = self.impl.actions[k]
        ev = (inst.name, json.dumps(self.impl.args_json_of(k, x), sort_keys=True))
        if not inst.bound:
            self._impl_events[k] = ev
        return ev

    def _spec_args_json(self, c: SpecCall, args: Sequence[Any]) -> str:
        fam = self._spec_family(c.family)
        return json.dumps({n: t.to_json(v) for (n, t), v in zip(fam.params, args)}, sort_keys=True)

    def _spec_event(self, c: SpecCall, args: tuple[Any, ...]) -> str:
        """``_spec_args_json`` of an instance of the specification (one of finitely many: kept)."""
        key = (c.family, args)
        got = self._spec_events.get(key)
        if got is None:
            got = self._spec_events[key] = self._spec_args_json(c, args)
        return got

    def _search(
        self, label: Callable[[], str], y: tuple[Any, ...], y2: tuple[Any, ...], want_ext: list[tuple[str, str]]
    ) -> StepFailure | None:
        """Breadth-first search for at most ``search_depth`` specification steps from ``y`` to
        ``y2`` whose external actions are ``want_ext``."""
        spec = self.spec
        succ = spec.compiled().successors
        start = (y, 0)
        parent: dict[tuple[Any, int], tuple[Any, str] | None] = {start: None}
        todo = deque([(start, 0)])
        while todo:
            (s, used), depth = todo.popleft()
            if s == y2 and used == len(want_ext):
                return None
            if depth == self.decl.search_depth:
                continue
            for j, ns in succ(s):
                if ns is None:
                    continue
                a = spec.actions[j]
                u = used
                if a.kind.external:
                    ev = (a.name, json.dumps(spec.args_json_of(j, s), sort_keys=True))
                    if used < len(want_ext) and ev == want_ext[used]:
                        u = used + 1
                    else:
                        continue
                key = (ns, u)
                if key not in parent:
                    parent[key] = ((s, used), spec.label_of(j, s))
                    todo.append((key, depth + 1))
        return StepFailure(
            "no-fragment",
            label(),
            self.show_f(y),
            self.show_f(y2),
            (),
            f"no sequence of at most {self.decl.search_depth} {spec.name} steps with external actions "
            f"{_events(want_ext)} leads from f(before) to f(after) (no fragment is declared for this action)",
        )


_INFIX = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "add": "+",
    "sub": "-",
    "and": "∧",
    "or": "∨",
}


def _constant(v: Any) -> Callable[[tuple[Any, ...]], Any]:
    """A function of the state that is ``v`` everywhere."""
    return lambda _s: v


def show_term(t: Term, depth: int = 0) -> str:
    """A precondition or value as a reader of the paper writes it: ``next[q] ≤ length(queue)``,
    ``queue(next[q]) = ⟨a1, p1⟩`` (falls back to ``op(args)`` for other operations)."""
    if depth > 12:
        return "…"
    a = [show_term(x, depth + 1) for x in t.args]
    if t.op == "const":
        return t.type.show(t.data)
    if t.op == "var":
        return str(t.data[1])
    if t.op in _INFIX and len(a) >= 2:
        return "(" + f" {_INFIX[t.op]} ".join(a) + ")" if depth else f" {_INFIX[t.op]} ".join(a)
    if t.op == "not" and a:
        return f"¬{a[0]}"
    if t.op == "map_get":
        return f"{a[0]}[{', '.join(a[1:])}]"
    if t.op == "seq_len":
        return f"length({a[0]})"
    if t.op == "seq_at":
        return f"{a[0]}({a[1]})"
    return f"{t.op}({', '.join(a)})"


def _unview(x: Any) -> Any:
    """A state variable read as a whole (a map's view) as its term."""
    return x.term if isinstance(x, ir.MapView) else x


def _events(evs: Sequence[tuple[str, str]]) -> str:
    if not evs:
        return "(none)"
    return " · ".join(f"{n}{a}" for n, a in evs)


_OOB: list[Any] = []


def _oob() -> Any:
    """The backend's OUT_OF_BOUNDS marker (imported on first use, as the backend is)."""
    if not _OOB:
        from ioakit.backends.codegen import OUT_OF_BOUNDS

        _OOB.append(OUT_OF_BOUNDS)
    return _OOB[0]


# -- building ---------------------------------------------------------------------------------


def build_mapping(decl: Refinement, impl: Machine, spec: Machine) -> Mapping:
    """Trace ``decl``'s terms over ``impl``'s states; check them against ``spec``'s schema."""
    if not decl.applies_to(impl.name):
        raise MappingError(f"mapping {decl.name} is written for {', '.join(decl.impl)}, not {impl.name}")
    s = impl.read_proxy()
    try:
        comps = dict(decl.abstraction(s))
    except TraceError as e:
        raise MappingError(f"mapping {decl.name}: tracing f failed: {e}") from e
    missing = [n for n in spec.var_names if n not in comps]
    extra = sorted(set(comps) - set(spec.var_names))
    if missing or extra:
        raise MappingError(
            f"mapping {decl.name}: f must give every state variable of {spec.name} "
            f"({', '.join(spec.var_names)}); missing {missing or 'none'}, unknown {extra or 'none'}"
        )
    f_terms = []
    for n, t in spec.variables:
        v = ir.lift(_unview(comps[n]), t)
        if not same_shape(v.type, t):
            raise MappingError(f"mapping {decl.name}: f's {n} is a {v.type}; {spec.name} declares {t}")
        f_terms.append(v)
    defined = tuple((name, ir.lift(_unview(c))) for name, c in decl.defined(impl.read_proxy()).items())
    for name, t in defined:
        if t.type != ir.lift(True).type:
            raise MappingError(f"mapping {decl.name}: definedness condition {name!r} is not boolean")
    spec_fams = {f.name: f for f in spec.families}
    spec_index: dict[tuple[str, tuple[Any, ...]], int] = {}
    for j, a in enumerate(spec.actions):
        if a.bound:
            raise MappingError(f"mapping {decl.name}: {spec.name}'s action {a.name} takes arguments from the state")
        spec_index.setdefault((a.name, a.args), j)
    declared = decl.fragments()
    unknown = sorted(set(declared) - {f.name for f in impl.families})
    if unknown:
        raise MappingError(f"mapping {decl.name}: fragments for {', '.join(unknown)}, which {impl.name} does not have")
    frags: list[tuple[Alternative, ...] | None] = []
    for inst in impl.actions:
        fn = declared.get(inst.name)
        if fn is None:
            frags.append(None)
            continue
        params = {}
        bound = dict(inst.bound)
        for i, (pn, pt) in enumerate(inst.family.params):
            params[pn] = bound[i] if i in bound else ir.const(pt, inst.args[i])
        got = fn(decl, impl.read_proxy(), **params)
        cases = got if isinstance(got, Cases) else Cases(((True, tuple(got)),))
        alts = []
        for cond, calls in cases.alternatives:
            built = []
            for c in calls:
                fam = spec_fams.get(c.action)
                if fam is None:
                    raise MappingError(
                        f"mapping {decl.name}: fragment of {inst.name} calls {c.action}, "
                        f"which {spec.name} does not have"
                    )
                names = [n for n, _ in fam.params]
                if set(c.args) != set(names):
                    raise MappingError(
                        f"mapping {decl.name}: {c.action} takes {', '.join(names)}; the fragment of {inst.name} "
                        f"gives {', '.join(sorted(c.args))}"
                    )
                args = tuple(ir.lift(_unview(c.args[n]), t) for n, t in fam.params)
                built.append(SpecCall(fam.name, tuple(names), args, fam.kind.external))
            alts.append(Alternative(ir.lift(cond), tuple(built)))
        if not (alts and alts[-1].guard.is_const and alts[-1].guard.value):
            alts.append(Alternative(ir.lift(True), None))  # no case applies: reported, never empty
        frags.append(tuple(alts))
    return Mapping(decl, impl, spec, tuple(f_terms), defined, tuple(frags), spec_index)
