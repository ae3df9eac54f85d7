"""Declaring I/O automata, and instantiating them at a scope.

A spec is a subclass of ``Spec``. It names its scope parameters, declares its domains, state
variables and start state in ``declare(scope)``, and defines its action families as methods
decorated with ``@input``, ``@output`` or ``@internal``, written against the vocabulary of
``ioakit.lang.ir`` so the same code has a concrete and a Z3 meaning::

    class TOMachine(Spec):
        parameters = (ScopeParam("processors", 2, "|P|"), ...)

        def declare(self, sc): ...

        @internal(a="A", p="P")
        def to_order(self, s, a, p):
            s.require(s.pending[p].length > 0)
            s.require(s.pending[p].head() == a)
            s.pending[p] = s.pending[p].tail()
            s.queue = s.queue.append((a, p))

``Spec.build(scope)`` returns a ``Machine``: the schema, the start states and one
``ActionInstance`` per parameter combination, each with its traced precondition and effect.
Inputs of an I/O automaton are always enabled (Lynch–Tuttle); the *environment* that drives
them during exploration is a separate, explicit bound (``InputBudget``), added to the explored
state as the variable ``inputs_issued``.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from ioakit.errors import IoakitError, UserError, model_code_error
from ioakit.measure import Cost, measure

from . import ir
from .ir import StateProxy, Term, TraceError
from .types import BoolT, Domain, EnumT, IntT, SchemaError, Type, same_shape, universe_size

MAX_SCOPE_VALUE = 10_000
"""The ceiling of a scope parameter declared without its own ``ScopeParam(max=...)``: no machine
is explorable with ten thousand processors, and a domain of a million names is built (and the
memory taken) before any other check could speak. A model whose parameter really goes higher
declares ``max=`` on it."""

MAX_BUDGET = 10**9
"""The ``max=`` of a shipped budget parameter (``max_inputs``): a budget bounds a counter, not a
domain, so a large one costs nothing until it is used (a trace of 600,000 broadcasts needs
``max_inputs`` ≥ 600,000); the ceiling keeps its value a machine integer."""

MAX_SCOPE_FILE_BYTES = 100_000
"""The largest scope file read (100 KB): a scope is a flat table of a few integers."""

MAX_ACTION_INSTANCES = 20_000
"""The most action instances a machine is traced into (the sum over its families of the product
of their enumerated parameters' domain sizes), refused before tracing: TO-machine with 1,000
processors would trace 2,002,000 and take gigabytes before saying anything. 20,000 traces in a few
seconds; the environment variable ``IOAKIT_MAX_ACTION_INSTANCES`` raises it."""


def max_action_instances() -> int:
    """``MAX_ACTION_INSTANCES``, or the environment's ``IOAKIT_MAX_ACTION_INSTANCES`` (an integer)."""
    import os

    text = os.environ.get("IOAKIT_MAX_ACTION_INSTANCES", "")
    try:
        return max(int(text), 1) if text.strip() else MAX_ACTION_INSTANCES
    except ValueError:
        raise UserError(f"IOAKIT_MAX_ACTION_INSTANCES={text[:40]!r} is not an integer") from None


def _show_int(v: int) -> str:
    """``v`` for a message; a number too long to print usefully (or at all: Python refuses to
    format one of more than 4,300 digits) is described by its length."""
    if abs(v) < 10**18:
        return str(v)
    return f"a number of about {int(abs(v).bit_length() * 0.30103) + 1:,} digits"


class Kind(StrEnum):
    """Action kinds of an I/O automaton (Lynch–Tuttle); timed automata add ``time``."""

    INPUT = "input"
    OUTPUT = "output"
    INTERNAL = "internal"

    @property
    def external(self) -> bool:
        return self is not Kind.INTERNAL


class ScopeError(UserError):
    """A scope given by the user is malformed or out of range (exit status 2 at the CLI)."""


@dataclass(frozen=True)
class ScopeParam:
    """One scope parameter: its name, default, meaning and least allowed value."""

    name: str
    default: int
    help: str
    min: int = 0
    max: int | None = None


@dataclass(frozen=True)
class Scope:
    """Finite bounds that make a spec explorable: domain sizes, sequence bounds, input budget."""

    values: tuple[tuple[str, int], ...]

    def __getitem__(self, k: str) -> int:
        return dict(self.values)[k]

    def as_dict(self) -> dict[str, int]:
        return dict(self.values)

    def __str__(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.values)


def parse_scope_text(text: str) -> dict[str, int]:
    """Parse ``k=v,k=v`` (CLI form). Raises ``ScopeError`` naming the bad item."""
    out: dict[str, int] = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        if "=" not in item:
            raise ScopeError(f"scope item {item!r} is not of the form name=value")
        k, v = (x.strip() for x in item.split("=", 1))
        if len(v) > 18 and v.lstrip("+-").isdigit():
            raise ScopeError(f"scope parameter {k[:40]}: a number of {len(v):,} digits (at most {MAX_SCOPE_VALUE:,})")
        if k in out:
            raise ScopeError(f"scope parameter {k} given twice ({k}={out[k]} and {item!r})")
        try:
            out[k] = int(v)
        except ValueError:
            raise ScopeError(f"scope item {item!r}: {v!r} is not an integer") from None
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique (``json`` would keep the last of a repeated key)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ScopeError(f"scope parameter {k} given twice")
        out[k] = v
    return out


def load_scope_file(path: str | Path) -> dict[str, int]:
    """Read a scope from a ``.toml`` or ``.json`` file (a flat table of integers)."""
    p = Path(path)
    try:
        with p.open("rb") as f:  # one byte past the limit at most: /dev/zero is not slurped
            raw = f.read(MAX_SCOPE_FILE_BYTES + 1)
    except OSError as e:
        raise ScopeError(f"{p}: cannot read scope file: {e.strerror}") from None
    if len(raw) > MAX_SCOPE_FILE_BYTES:
        size = f"over {MAX_SCOPE_FILE_BYTES:,} bytes"
        raise ScopeError(f"{p}: a scope file is a flat table of a few integers; this one has {size}")
    try:
        data = tomllib.loads(raw.decode()) if p.suffix == ".toml" else json.loads(raw, object_pairs_hook=_no_duplicates)
    except ScopeError as e:
        raise ScopeError(f"{p}: {e}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError, ValueError) as e:
        raise ScopeError(f"{p}: not a valid {p.suffix.lstrip('.') or 'scope'} file: {e}") from None
    except RecursionError:  # arrays nested thousands deep: the parsers recurse
        raise ScopeError(
            f"{p}: a scope file is a flat table of integer parameters (this one nests too deeply)"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
        raise ScopeError(f"{p}: a scope file is a flat table of integer parameters")
    return dict(data)


@dataclass(frozen=True)
class ActionFamily:
    """An action family of the signature: ``gprcv(m)_{p,q}`` is one family, many instances."""

    name: str
    kind: Kind
    params: tuple[tuple[str, Type], ...]
    doc: str = ""
    bound: frozenset[str] = frozenset()
    """Parameters taken from the pre-state by the action's code (``from_state``), not enumerated."""
    location: str | None = None
    """The parameter naming the process where the action happens (``at=``), if any."""

    @property
    def enumerated(self) -> tuple[tuple[str, Type], ...]:
        """The parameters whose values are enumerated into instances."""
        return tuple((n, t) for n, t in self.params if n not in self.bound)


@dataclass(frozen=True, eq=False)
class ActionInstance:
    """One action with its parameters fixed: the traced precondition and effect.

    ``guard`` is the conjunction of the ``require`` clauses; ``writes`` maps a state-variable
    index to the term of its new value (unwritten variables keep their value).
    """

    family: ActionFamily
    args: tuple[Any, ...]
    guard: Term
    writes: tuple[tuple[int, Term], ...]
    label: str
    bound: tuple[tuple[int, Term], ...] = ()
    """(parameter position, term over the pre-state) for the parameters taken from the state;
    their positions in ``args`` hold ``None``. The label of such an instance is computed per step
    (``Machine.label_of``)."""
    choices: tuple[tuple[str, str], ...] = ()
    """(name, shown value) of each choice its effect made (``s.choose``), as its label shows."""

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def kind(self) -> Kind:
        return self.family.kind

    def args_json(self, args: Sequence[Any] | None = None) -> dict[str, Any]:
        """The arguments as JSON; an instance with parameters taken from the state needs its
        concrete ``args`` (``Machine.args_of(k, pre)``)."""
        vals = self.args if args is None else args
        if args is None and self.bound:
            raise TraceError(f"{self.label}: its arguments depend on the pre-state; use Machine.args_of(k, pre)")
        return {n: t.to_json(v) for (n, t), v in zip(self.family.params, vals)}


@dataclass
class Decl:
    """What ``Spec.declare`` returns: domains, named types, state variables with start values."""

    domains: dict[str, Domain] = field(default_factory=dict)
    types: dict[str, Type] = field(default_factory=dict)
    variables: list[tuple[str, Type]] = field(default_factory=list)
    start: dict[str, Any] = field(default_factory=dict)
    input_budget: int | None = None
    constants: dict[str, Any] = field(default_factory=dict)
    symmetries: dict[str, tuple[tuple[int, ...], ...]] = field(default_factory=dict)
    """Domain name -> the blocks of element indices the machine does not distinguish
    (``symmetric``); read by symmetry reduction (``ioakit.engines.symmetry``) only."""

    def symmetric(self, domain: Domain | str, *blocks: Iterable[int | str]) -> None:
        """Declare that the machine does not distinguish the elements of ``domain`` within each
        block (default: one block, the whole domain): every permutation of each block, the
        other elements fixed, maps executions to executions. A claim, checked before it is used
        (``Explorer.symmetry``, ``ioakit.engines.symmetry.check_symmetry``); ``P0``'s members and
        the others are two blocks in VS-machine: ``d.symmetric(P, P0, P_rest)``."""
        name = domain if isinstance(domain, str) else domain.name
        if name not in self.domains:
            raise SchemaError(f"symmetric({name!r}): no domain {name} declared (declared: {', '.join(self.domains)})")
        dom = self.domains[name]
        given = blocks or (range(len(dom)),)
        out: list[tuple[int, ...]] = []
        used: set[int] = set()
        for b in given:
            idx = tuple(sorted(dom.index(x) if isinstance(x, str) else int(x) for x in b))
            for i in idx:
                if not 0 <= i < len(dom) or i in used:
                    raise SchemaError(f"symmetric({name}): element {i} is outside the domain or in two blocks")
                used.add(i)
            if len(idx) > 1:
                out.append(idx)
        self.symmetries[name] = tuple(out)

    def domain(self, d: Domain) -> Domain:
        self.domains[d.name] = d
        self.types[d.name] = EnumT(d)
        return d

    def type(self, name: str, t: Type) -> Type:
        self.types[name] = t
        return t

    def var(self, name: str, t: Type, start: Any = None) -> None:
        """Declare a state variable; ``start`` defaults to the type's default value. In an
        automaton indexed by a domain (``Spec.index``), ``start`` may be a function of the index
        element's position (``lambda p: g0 if p in P0 else ⊥``)."""
        if any(n == name for n, _ in self.variables):
            raise SchemaError(f"state variable {name} declared twice")
        v = t.default() if start is None else start
        if callable(v):
            self.variables.append((name, t))
            self.start[name] = v
            return
        if not t.check(v):
            raise SchemaError(f"start value {v!r} of {name} is not a value of {t}")
        self.variables.append((name, t))
        self.start[name] = v


@dataclass(frozen=True)
class FromState:
    """Marks an action parameter whose value the action's code takes from the pre-state
    (``s.bind(m=...)``) instead of one instance per value of its type: a message taken from the
    head of a queue ranges over the queue's positions, not over the message alphabet."""

    type_name: str


def from_state(type_name: str) -> FromState:
    """``@output(q="P", m=from_state("M"))``: ``m`` is bound by the code (``s.bind(m=...)``)."""
    return FromState(type_name)


_SPECIAL = ("roles", "at", "name")


def _action(
    kind: Kind, where: Callable[..., Any] | None, params: dict[str, Any]
) -> Callable[[Callable[..., Any]], Any]:
    special = {k: params.pop(k) for k in _SPECIAL if k in params}
    for k, v in params.items():
        if not isinstance(v, str | FromState):
            raise SchemaError(f"action parameter {k}: expected a type name or from_state(type name), got {v!r}")
    roles = dict(special.get("roles") or {})

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__ioakit_action__ = ActionDecl(  # type: ignore[attr-defined]
            kind, dict(params), where, roles, special.get("at"), special.get("name") or fn.__name__
        )
        return fn

    return deco


@dataclass(frozen=True)
class ActionDecl:
    """What an ``@input``/``@output``/``@internal`` decorator records on the method.

    ``roles`` renames parameters for composition (a parameter's *role* is the name the
    composed system and its traces use; by default its own name); ``at`` names the parameter
    that is the action's location; ``name`` is the action's name when several methods declare
    one action (Fig. 9's two ``gpsnd`` transitions)."""

    kind: Kind
    params: dict[str, str | FromState]
    where: Callable[..., Any] | None
    roles: dict[str, str]
    at: str | None
    name: str

    def role(self, param: str) -> str:
        return self.roles.get(param, param)


def input(where: Callable[..., Any] | None = None, **params: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an input action family; ``params`` map parameter names to domain/type names.
    Special keywords: ``roles={param: role}`` (matching in compositions), ``at="p"`` (location),
    ``name="gprcv"`` (the action's name, when it differs from the method's)."""
    return _action(Kind.INPUT, where, params)


def output(where: Callable[..., Any] | None = None, **params: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an output action family. ``where`` is a static signature restriction; a parameter
    given as ``from_state("M")`` is bound by the code (``s.bind``). Special keywords as ``input``."""
    return _action(Kind.OUTPUT, where, params)


def internal(where: Callable[..., Any] | None = None, **params: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an internal action family (parameters and keywords as ``output``)."""
    return _action(Kind.INTERNAL, where, params)


def derived(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a derived variable (a function of the state), usable in invariants by name."""
    fn.__ioakit_derived__ = True  # type: ignore[attr-defined]
    return fn


INPUTS_ISSUED = "inputs_issued"

TRACING_HINT = (
    "an action body runs once per action instance, while it is traced: its parameters and the state are "
    "terms, not Python values; compare them with == inside s.require / s.when / ite, and key a Python "
    "lookup by str(param), the element's name"
)


@dataclass(eq=False)
class Machine:
    """An automaton instantiated at a scope: what the explorer, prover and renderer consume."""

    name: str
    scope: Scope
    decl: Decl
    variables: tuple[tuple[str, Type], ...]
    start_states: tuple[tuple[Any, ...], ...]
    families: tuple[ActionFamily, ...]
    actions: tuple[ActionInstance, ...]
    derived: dict[str, Callable[..., Any]]
    hidden_vars: frozenset[str] = frozenset()
    build_cost: Cost | None = field(default=None, repr=False, compare=False)
    """What tracing took (``Spec.build``): wall time and, under ``tracemalloc``, peak memory."""
    _compiled: Any = field(default=None, repr=False)
    _bound_fns: dict[int, Any] = field(default_factory=dict, repr=False)

    @property
    def var_names(self) -> list[str]:
        return [n for n, _ in self.variables]

    def var_index(self, name: str) -> int:
        for i, (n, _) in enumerate(self.variables):
            if n == name:
                return i
        raise KeyError(name)

    def read_proxy(self) -> StateProxy:
        """A read-only symbolic view of the pre-state, for tracing predicates."""
        env = [Term("var", (), t, (i, n)) for i, (n, t) in enumerate(self.variables)]
        return StateProxy(self.variables, env, self.derived, writable=False)

    def predicate(self, fn: Callable[[StateProxy], Any]) -> Term:
        """Trace a Python predicate over the state into a boolean term."""
        t = ir.lift(fn(self.read_proxy()))
        if not isinstance(t.type, BoolT):
            raise TraceError(f"a predicate must be boolean, got {t.type}")
        return t

    def show_state(self, s: Sequence[Any], hide: bool = True) -> dict[str, str]:
        return {n: t.show(v) for (n, t), v in zip(self.variables, s) if not (hide and n in self.hidden_vars)}

    def state_json(self, s: Sequence[Any]) -> dict[str, Any]:
        return {n: t.to_json(v) for (n, t), v in zip(self.variables, s)}

    def state_from_json(self, j: Mapping[str, Any]) -> tuple[Any, ...]:
        missing = [n for n in self.var_names if n not in j]
        if missing:
            raise SchemaError(f"state snapshot lacks variables {missing}")
        return tuple(t.from_json(j[n]) for n, t in self.variables)

    def compiled(self) -> Any:
        """The generated concrete semantics (``ioakit.backends.codegen.Compiled``), built once."""
        if self._compiled is None:
            from ioakit.backends.codegen import compile_machine

            self._compiled = compile_machine(self)
        return self._compiled

    def instance(self, label: str) -> ActionInstance:
        """The instance with this static label (an instance whose parameters come from the state
        has ``·`` in their places: ``gprcv(m=·,p=·,q=p2)``)."""
        for a in self.actions:
            if a.label == label:
                return a
        raise KeyError(label)

    def step_index(self, label: str, pre: Sequence[Any]) -> int:
        """The instance whose step from ``pre`` has this label (``label_of``)."""
        for k, a in enumerate(self.actions):
            if (self.label_of(k, pre) if a.bound else a.label) == label:
                return k
        raise KeyError(label)

    def args_of(self, k: int, pre: Sequence[Any]) -> tuple[Any, ...]:
        """The concrete arguments of instance ``k`` taken from the pre-state ``pre``."""
        a = self.actions[k]
        if not a.bound:
            return a.args
        fns = self._bound_fns.get(k)
        if fns is None:
            from ioakit.backends.codegen import compile_terms

            fns = self._bound_fns[k] = compile_terms(self, [t for _, t in a.bound])
        args = list(a.args)
        for (i, _), f in zip(a.bound, fns):
            args[i] = f(tuple(pre))
        return tuple(args)

    def label_of(self, k: int, pre: Sequence[Any]) -> str:
        """The label of the step of instance ``k`` from ``pre``: its arguments as they are there."""
        a = self.actions[k]
        if not a.bound:
            return a.label
        return action_label(a.family, self.args_of(k, pre), a.choices)

    def args_json_of(self, k: int, pre: Sequence[Any]) -> dict[str, Any]:
        return self.actions[k].args_json(self.args_of(k, pre))


class Spec:
    """Base class of automaton declarations; see the module docstring."""

    name: ClassVar[str] = ""
    parameters: ClassVar[tuple[ScopeParam, ...]] = ()
    source: ClassVar[str] = ""
    index: ClassVar[tuple[str, str] | None] = None
    """``("p", "P")`` for an automaton written once for every element of a domain (VStoTO_p): the
    actions take the index as parameter ``p``; a ``System`` holds one copy per element."""

    def declare(self, sc: Scope) -> Decl:
        raise NotImplementedError

    # -- scopes ---------------------------------------------------------------------------------
    def scope(self, given: Mapping[str, int] | None = None) -> Scope:
        """Complete ``given`` with defaults and validate it (``ScopeError`` on bad input)."""
        given = dict(given or {})
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ScopeError(
                f"{self.name} has no scope parameter {', '.join(unknown)}; it takes {', '.join(known) or 'none'}"
            )
        out = []
        for p in self.parameters:
            v = given.get(p.name, p.default)
            if v < p.min or (p.max is not None and v > p.max):
                rng = f">= {p.min}" if p.max is None else f"in {p.min}..{p.max}"
                raise ScopeError(f"scope parameter {p.name}={_show_int(v)} of {self.name} must be {rng}")
            if p.max is None and v > MAX_SCOPE_VALUE:
                raise ScopeError(
                    f"scope parameter {p.name}={_show_int(v)} of {self.name} is above {MAX_SCOPE_VALUE:,}, the "
                    "ceiling of a parameter declared without max= (ioakit.lang.automaton.MAX_SCOPE_VALUE; a "
                    "model that needs more declares ScopeParam(max=...))"
                )
            out.append((p.name, v))
        sc = Scope(tuple(out))
        self.validate(sc)
        return sc

    def validate(self, sc: Scope) -> None:
        """Cross-parameter checks (e.g. ``initial_members <= processors``)."""

    # -- instantiation --------------------------------------------------------------------------
    def families(self) -> list[tuple[str, Callable[..., Any], ActionDecl]]:
        """``(method name, function, declaration)`` of every action family, subclasses overriding
        their bases' methods of the same name."""
        out: list[tuple[str, Callable[..., Any], ActionDecl]] = []
        for cls in reversed(type(self).__mro__):
            for name, fn in vars(cls).items():
                meta = getattr(fn, "__ioakit_action__", None)
                if meta is not None:
                    out = [f for f in out if f[0] != name]
                    out.append((name, fn, meta))
        return out

    def family(self, ad: ActionDecl, d: Decl, doc: str = "") -> ActionFamily:
        """The ``ActionFamily`` of a declaration, its parameter types resolved in ``d``."""
        ptypes = []
        for pname, tname in ad.params.items():
            tn = tname.type_name if isinstance(tname, FromState) else tname
            if tn not in d.types:
                raise SchemaError(
                    f"action {ad.name}: parameter {pname} ranges over {tn!r}, which {self.name} does not "
                    f"declare (declared: {', '.join(d.types)})"
                )
            ptypes.append((pname, d.types[tn]))
        bound = frozenset(k for k, v in ad.params.items() if isinstance(v, FromState))
        if bound and ad.kind is Kind.INPUT:
            raise SchemaError(
                f"{self.name}: input action {ad.name} cannot take parameters from its own state "
                f"({', '.join(sorted(bound))}); an input's arguments come from the environment or from "
                f"the output it synchronises with"
            )
        if ad.at is not None and ad.at not in ad.params:
            raise SchemaError(f"action {ad.name}: at={ad.at!r} names no parameter of it")
        return ActionFamily(ad.name, ad.kind, tuple(ptypes), doc, bound, ad.at)

    def derived_methods(self) -> dict[str, Callable[..., Any]]:
        """The ``@derived`` methods (unbound), subclasses overriding their bases'."""
        out: dict[str, Callable[..., Any]] = {}
        for cls in reversed(type(self).__mro__):
            for name, fn in vars(cls).items():
                if getattr(fn, "__ioakit_derived__", False):
                    out[name] = fn
        return out

    def derived_vars(self) -> dict[str, Callable[..., Any]]:
        """The derived variables as functions of the state."""
        return {name: _bind_spec(fn, self) for name, fn in self.derived_methods().items()}

    def build(self, given: Mapping[str, int] | Scope | None = None, *, environment: bool = True) -> Machine:
        """Instantiate at a scope: trace every action instance once.

        With ``environment`` (the default) the declared input budget is applied
        (``with_input_budget``); composition builds components without it and bounds the
        inputs of the composed system instead. What tracing cost is the machine's ``build_cost``.
        """
        with measure() as meter:
            m = self._build(given, environment)
        m.build_cost = meter.cost
        return m

    def _build(self, given: Mapping[str, int] | Scope | None, environment: bool) -> Machine:
        sc = given if isinstance(given, Scope) else self.scope(given)
        try:
            d = self.declare(sc)
        except IoakitError:
            raise
        except Exception as e:  # the model's own declaration failed: located in the user's file
            raise model_code_error(e, f"{self.name}: declare") from e
        variables = list(d.variables)
        derived_fns = self.derived_vars()
        fams: list[ActionFamily] = []
        insts: list[ActionInstance] = []
        declared = [(fn, ad, self.family(ad, d, (fn.__doc__ or "").strip())) for _, fn, ad in self.families()]
        _check_instance_count(self.name, sc, [fam for _, _, fam in declared])
        for fn, ad, fam in declared:
            fams.append(fam)
            for cargs in enumerate_args(fam, ad.where, self.name):
                insts += trace_instances(self, fn, fam, cargs, variables, derived_fns)
        m = Machine(
            name=self.name,
            scope=sc,
            decl=d,
            variables=tuple(variables),
            start_states=(tuple(d.start[n] for n, _ in variables),),
            families=tuple(fams),
            actions=tuple(insts),
            derived=derived_fns,
        )
        if environment and d.input_budget is not None:
            m = with_input_budget(m, d.input_budget)
        return m


def _check_instance_count(name: str, sc: Scope, fams: Sequence[ActionFamily]) -> None:
    """Refuse, before tracing, a scope whose action instances would exceed ``max_action_instances``
    (an upper estimate: a signature restriction ``where`` may drop some, ``s.choose`` add some)."""
    limit = max_action_instances()
    total = 0
    for fam in fams:
        n = 1
        for _, t in fam.enumerated:
            n = min(n * universe_size(t, limit + 1), limit + 1)
        total += n
        if total > limit:
            raise ScopeError(
                f"{name} at scope {sc} would have more than {limit:,} action instances (the action family "
                f"{fam.name} alone: {'over ' if n > limit else ''}{min(n, limit):,}); choose a smaller scope, or raise "
                "the limit with the environment variable IOAKIT_MAX_ACTION_INSTANCES"
            )


def _bind_spec(fn: Callable[..., Any], spec: Spec) -> Callable[..., Any]:
    """A derived-variable method of ``spec`` as a function of the state alone."""
    return lambda s: fn(spec, s)


def with_input_budget(m: Machine, budget: int) -> Machine:
    """Close ``m`` with an environment that issues at most ``budget`` inputs in total.

    Inputs stay input actions (always enabled in the automaton); the *environment* is what
    the bound restricts. The explored state pairs the machine's state with ``inputs_issued``.
    """
    k = len(m.variables)
    counter = Term("var", (), IntT(0, budget), (k, INPUTS_ISSUED))
    insts = []
    for a in m.actions:
        if a.kind is Kind.INPUT:
            a = ActionInstance(
                a.family,
                a.args,
                ir.And(a.guard, ir._cmp("lt", counter, budget)),
                (*a.writes, (k, counter + 1)),
                a.label,
                a.bound,
                a.choices,
            )
        insts.append(a)
    return Machine(
        name=m.name,
        scope=m.scope,
        decl=m.decl,
        variables=(*m.variables, (INPUTS_ISSUED, IntT(0, budget))),
        start_states=tuple((*s, 0) for s in m.start_states),
        families=m.families,
        actions=tuple(insts),
        derived=m.derived,
        hidden_vars=m.hidden_vars | {INPUTS_ISSUED},
    )


def action_label(fam: ActionFamily, args: Sequence[Any], choices: Sequence[tuple[str, str]] = ()) -> str:
    """``gprcv(m)_{p,q}``-style labels are the paper's; we print ``gprcv(m=m1,p=p1,q=p2)``; the
    values an effect chose (``s.choose``) follow in brackets: ``pick(p=p1)[v=⟨g1, {p1}⟩]``."""
    shown = ("·" if v is None and n in fam.bound else t.show(v) for (n, t), v in zip(fam.params, args))
    text = f"{fam.name}(" + ",".join(f"{n}={v}" for (n, _), v in zip(fam.params, shown)) + ")"
    if choices:
        text += "[" + ",".join(f"{n}={v}" for n, v in choices) + "]"
    return text


def enumerate_args(fam: ActionFamily, where: Callable[..., Any] | None, owner: str) -> Iterable[dict[str, Term]]:
    """One argument dict (constant terms) per combination of the enumerated parameters' values
    that the signature restriction ``where`` admits."""
    enum = fam.enumerated
    for pname, t in enum:
        if not t.finite:
            raise SchemaError(
                f"{owner}: action {fam.name}: parameter {pname} ranges over {t}, which has no finite "
                f"enumeration; take it from the state (from_state) or from the output it synchronises with"
            )
    for combo in itertools.product(*(list(t.values()) for _, t in enum)):
        cargs = {pn: ir.const(t, v) for (pn, t), v in zip(enum, combo)}
        if where is not None:
            ok = ir.lift(where(**cargs))
            if not ok.is_const:
                raise TraceError(f"action {fam.name}: the signature restriction `where` must not read the state")
            if not ok.value:
                continue
        yield cargs


def trace_instances(
    spec: Spec,
    fn: Callable[..., Any],
    fam: ActionFamily,
    cargs: dict[str, Term],
    variables: list[tuple[str, Type]],
    derived_fns: dict[str, Callable[..., Any]],
) -> list[ActionInstance]:
    """Trace one enumerated argument combination: one ``ActionInstance`` per combination of the
    effect's choices (``s.choose``: one successor per choice, each choice's membership a
    precondition)."""

    def once(st: StateProxy, env: list[Term]) -> ActionInstance:
        try:
            fn(spec, st, **cargs)
        except IoakitError:
            raise
        except Exception as e:  # the model's own code failed: its author's input error, located
            args = ",".join(f"{k}={v}" for k, v in cargs.items())
            raise model_code_error(e, f"{spec.name}: action {fam.name}({args})", TRACING_HINT) from e
        return finish_instance(spec.name, fam, cargs, st, env)

    return each_choice(variables, derived_fns, once)


def each_choice(
    variables: Sequence[tuple[str, Type]],
    derived_fns: dict[str, Callable[..., Any]],
    trace: Callable[[StateProxy, list[Term]], ActionInstance],
) -> list[ActionInstance]:
    """``trace`` (one run of an action's code on a fresh writable state) once per combination of
    the choices its code makes (``s.choose``), depth first: the first run takes the first element
    at every choice, each later run replays a prefix of choices and takes another element."""
    out: list[ActionInstance] = []
    scripts: list[tuple[int, ...]] = [()]
    while scripts:
        script = scripts.pop()
        env = [Term("var", (), t, (i, n)) for i, (n, t) in enumerate(variables)]
        st = StateProxy(variables, env, derived_fns, writable=True, script=script)
        out.append(trace(st, env))
        for i in range(len(script), len(st._choices)):
            taken = tuple(c[1] for c in st._choices[:i])
            scripts += [(*taken, j) for j in range(st._choices[i][2] - 1, 0, -1)]
    return out


def finish_instance(
    owner: str, fam: ActionFamily, cargs: dict[str, Term], st: StateProxy, env: Sequence[Term]
) -> ActionInstance:
    """The instance a traced run of an action's code describes: guard, writes, bound parameters."""
    if fam.kind is Kind.INPUT and st._guards:
        raise TraceError(
            f"{owner}: input action {fam.name} has a precondition ({st._guards[0]!r}); inputs of an I/O "
            f"automaton are always enabled (Lynch–Tuttle). Use `with s.when(cond):` for a conditional effect, "
            f"or make the action an output/internal action."
        )
    missing = sorted(fam.bound - set(st._bound))
    if missing:
        raise TraceError(f"{owner}: action {fam.name} declares {', '.join(missing)} from_state but never binds it")
    args, bound = [], []
    for i, (pn, t) in enumerate(fam.params):
        if pn in fam.bound:
            b = ir.lift(st._bound[pn], t)
            if not same_shape(b.type, t):
                raise TraceError(f"{owner}: action {fam.name} binds {pn} to a {b.type} value; it is declared {t}")
            if b.is_const:
                args.append(b.value)
            else:
                args.append(None)
                bound.append((i, b))
        else:
            args.append(cargs[pn].value)
    writes = tuple((i, t) for i, t in enumerate(st._env) if t is not env[i])
    choices = tuple((n, e.type.show(e.value) if e.is_const else f"#{j + 1}") for n, j, _, e in st._choices)
    label = action_label(fam, args, choices)
    guard = ir.And(*st._guards, *st._assumptions)
    return ActionInstance(fam, tuple(args), guard, writes, label, tuple(bound), choices)


def instances_named(m: Machine, names: Iterable[str]) -> list[ActionInstance]:
    wanted = set(names)
    return [a for a in m.actions if a.name in wanted]
