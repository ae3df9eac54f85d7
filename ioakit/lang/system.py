"""Systems: parallel composition of declared automata, some indexed by a domain, with hiding.

A ``System`` is itself a ``Spec`` — registered, scoped and listed like any machine — whose
``components`` are other specs: VStoTO-system (FLS Section 6) is VS-machine composed with
``VStoTO_p`` for every ``p ∈ P``, with ``gpsnd``, ``gprcv``, ``safe`` and ``newview`` hidden. The
composition is made when the actions are *traced*, not on traced terms: a composed step runs the
owner's code (an output or internal action of one component), then the code of every input it
synchronises with, each against its own component's view of one shared state. An output's
parameters taken from the state (``from_state``: VS's ``gprcv`` takes ⟨m, p⟩ from
``queue[g]``) reach the inputs as terms, so the composed system never enumerates the message
alphabet.

* **Variables.** A component's variables keep their names. Those of an indexed component become
  maps over the index domain: VStoTO_p's ``nextreport`` is the system's ``nextreport[p]`` and its
  ``gotstate[q]`` is ``gotstate[p, q]`` — the paper's ``X_p`` ("a subscript p indicating a
  variable that is part of the state of VStoTO_p"). Names must not clash.
* **Matching by roles.** Actions synchronise by name; their parameters by *role* (``roles=`` in
  the decorators; a parameter's role is its name unless renamed). VS's ``gprcv(m)_{p,q}`` has
  sender ``p`` and receiver ``q``; VStoTO_p declares its ``gprcv(m)_{q,p}`` with
  ``roles={"q": "p", "p": "q"}``, so the copy whose index is the receiver takes the step. The
  composed action's parameters are named by their roles (the names traces use).
* **Signature (Lynch–Tuttle).** An action is an output of the system if some component outputs
  it, hidden (internal) if its name is in ``hide``; inputs no component outputs are the system's
  inputs, bounded by the system's ``input_budget``. An action output by two components, or an
  internal action of one that another has, is a definition-time ``CompositionError``.
* **Derived variables** of components are kept: VS's ``created_viewids`` as it is, VStoTO_p's
  ``primary`` as the map ``primary[p]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import ir
from .automaton import (
    ActionDecl,
    ActionFamily,
    ActionInstance,
    Decl,
    Kind,
    Machine,
    Scope,
    Spec,
    each_choice,
    enumerate_args,
    finish_instance,
    with_input_budget,
)
from .ir import StateProxy, Term, TraceError
from .types import EnumT, MapT, SchemaError, Type, same_shape


class CompositionError(SchemaError):
    """The components are not compatible (Lynch–Tuttle), or their declarations disagree."""


@dataclass(frozen=True)
class Component:
    """One component of a ``System``: a spec, indexed (one copy per element of its
    ``Spec.index`` domain) when the spec declares an index."""

    spec: Spec
    scope: Mapping[str, int] | None = None
    """The component's scope; by default the system's values of the parameters it has."""

    @property
    def indexed(self) -> bool:
        return self.spec.index is not None


@dataclass
class _Part:
    comp: Component
    decl: Decl
    names: dict[str, tuple[str, Type]] = field(default_factory=dict)
    """component variable -> (system variable, component type)."""
    index_type: EnumT | None = None
    derived: dict[str, Callable[..., Any]] = field(default_factory=dict)
    types: Decl = field(default_factory=Decl)
    """The types its actions' parameters may name: its own and the system's."""

    @property
    def spec(self) -> Spec:
        return self.comp.spec


class _Row:
    """An indexed component's map variable as its code sees it: ``s.gotstate[q]`` is the
    system's ``gotstate[p, q]``."""

    def __init__(self, view: ComponentState, name: str) -> None:
        self._view = view
        self._name = name

    def __getitem__(self, key: Any) -> Term:
        return self._view._get(self._name, key)

    def __setitem__(self, key: Any, v: Any) -> None:
        self._view._put(self._name, key, v)

    @property
    def term(self) -> Term:
        return self._view._row(self._name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.term, name)

    def __eq__(self, o: object) -> Term:  # type: ignore[override]
        return ir.eq(self.term, o.term if isinstance(o, _Row) else o)

    __hash__ = object.__hash__


class ComponentState:
    """The state handed to a component's action code inside a system: its own variables (for an
    indexed component, its copy's entries), its derived variables, and the system's
    ``require``/``when``/``bind``/``choose``, and ``assume`` in an input the system's environment
    issues (``driver`` is ``None`` there; in an input driven by a component's output it names that
    action, and an assumption is refused: it would restrict when the output may happen)."""

    def __init__(self, glob: StateProxy, part: _Part, index: Term | None, driver: str | None = None) -> None:
        object.__setattr__(self, "_glob", glob)
        object.__setattr__(self, "_part", part)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_driver", driver)

    # -- reading and writing ----------------------------------------------------------------------
    def _sys(self, name: str) -> tuple[str, Type]:
        return self._part.names[name]

    def _keys(self, key: Any) -> tuple[Any, ...]:
        return (self._index, *(key if isinstance(key, tuple) else (key,)))

    def _get(self, name: str, key: Any) -> Term:
        gname, _ = self._sys(name)
        return ir.map_get(self._glob._read(gname), self._keys(key))

    def _put(self, name: str, key: Any, v: Any) -> None:
        gname, _ = self._sys(name)
        self._glob._write(gname, ir.map_put(self._glob._read(gname), self._keys(key), v))

    def _row(self, name: str) -> Term:
        gname, t = self._sys(name)
        assert isinstance(t, MapT)
        whole = self._glob._read(gname)
        out = ir.const(t, t.default())
        for kt in t.key_tuples():
            keys = tuple(ir.const(k, v) for k, v in zip(t.keys, kt))
            out = ir.map_put(out, keys, ir.map_get(whole, (self._index, *keys)))
        return out

    def __getattr__(self, name: str) -> Any:
        part = object.__getattribute__(self, "_part")
        glob = object.__getattribute__(self, "_glob")
        if name in part.names:
            gname, t = part.names[name]
            if self._index is None:
                return getattr(glob, gname)
            if isinstance(t, MapT):
                return _Row(self, name)
            return ir.map_get(glob._read(gname), (self._index,))
        if name in part.derived:
            return ir.lift(part.derived[name](self))
        if name in ("require", "when", "bind", "choose"):
            return getattr(glob, name)
        if name == "assume":
            driver = object.__getattribute__(self, "_driver")
            if driver is not None:
                raise TraceError(
                    f"{ir._user_location()}\n  {part.spec.name}: assume() states when the environment issues an "
                    f"input, but in this system {driver} is the output of a component, which the input must accept "
                    f"whenever it happens (Lynch–Tuttle); use `with s.when(cond):` for a conditional effect"
                )
            return glob.assume
        raise TraceError(
            f"{ir._user_location()}\n  {part.spec.name} has no variable {name!r} "
            f"(variables: {', '.join(part.names)}; derived: {', '.join(part.derived) or 'none'})"
        )

    def __setattr__(self, name: str, v: Any) -> None:
        part = self._part
        if name not in part.names:
            raise TraceError(f"{ir._user_location()}\n  {part.spec.name} has no variable {name!r} to assign")
        gname, t = part.names[name]
        if isinstance(v, _Row):
            v = v.term
        if self._index is None:
            setattr(self._glob, gname, v)
            return
        if isinstance(t, MapT):
            val = ir.lift(v, t)
            for kt in t.key_tuples():
                keys = tuple(ir.const(k, x) for k, x in zip(t.keys, kt))
                self._put(name, keys, ir.map_get(val, keys))
            return
        self._glob._write(gname, ir.map_put(self._glob._read(gname), (self._index,), v))


class System(Spec):
    """A composition of components (see the module docstring). Subclasses give ``components``
    and may declare shared domains and types, their own (history) variables and derived
    variables in ``declare``, and ``hide`` action names."""

    hide: ClassVar[tuple[str, ...]] = ()

    def components(self, sc: Scope, d: Decl) -> Sequence[Component]:
        raise NotImplementedError

    # -- building ---------------------------------------------------------------------------------
    def build(self, given: Mapping[str, int] | Scope | None = None, *, environment: bool = True) -> Machine:
        sc = given if isinstance(given, Scope) else self.scope(given)
        d = self.declare(sc)
        parts = [self._part(c, sc, d) for c in self.components(sc, d)]
        variables = list(d.variables)
        starts = dict(d.start)
        for part in parts:
            self._add_variables(part, d, variables, starts)
        derived = self.derived_vars()
        for part in parts:
            for name, fn in part.derived.items():
                if name in derived:
                    raise CompositionError(f"derived variable {name} is declared twice in {self.name}")
                derived[name] = self._system_derived(part, fn)
        fams, insts = self._actions(parts, variables, derived)
        m = Machine(
            name=self.name,
            scope=sc,
            decl=d,
            variables=tuple(variables),
            start_states=(tuple(starts[n] for n, _ in variables),),
            families=tuple(fams),
            actions=tuple(insts),
            derived=derived,
        )
        if environment and d.input_budget is not None:
            m = with_input_budget(m, d.input_budget)
        return m

    def _part(self, c: Component, sc: Scope, d: Decl) -> _Part:
        spec = c.spec
        given = dict(c.scope) if c.scope is not None else {k: v for k, v in sc.values if k in _param_names(spec)}
        cd = spec.declare(spec.scope(given))
        for name, dom in cd.domains.items():
            mine = d.domains.get(name)
            if mine is None:
                d.domain(dom)
            elif mine != dom:
                raise CompositionError(f"{spec.name} declares domain {name} as {dom}, {self.name} as {mine}")
        for name, t in cd.types.items():
            if name in d.types and not same_shape(d.types[name], t):
                raise CompositionError(f"{spec.name} declares type {name} as {t}, {self.name} as {d.types[name]}")
            d.types.setdefault(name, t)
        d.constants.update({k: v for k, v in cd.constants.items() if k not in d.constants})
        part = _Part(c, cd)
        part.types = Decl(domains=dict(d.domains), types={**d.types, **cd.types})
        if spec.index is not None:
            _, dom = spec.index
            if dom not in d.domains:
                raise CompositionError(f"{spec.name} is indexed by {dom}, which no declaration provides")
            part.index_type = EnumT(d.domains[dom])
        part.derived = spec.derived_vars()
        return part

    def _add_variables(self, part: _Part, d: Decl, variables: list[tuple[str, Type]], starts: dict[str, Any]) -> None:
        taken = {n for n, _ in variables}
        for name, t in part.decl.variables:
            if name in taken:
                raise CompositionError(
                    f"{part.spec.name} and another part of {self.name} both have a variable {name}; rename one"
                )
            start = part.decl.start[name]
            it = part.index_type
            if it is None:
                if callable(start):
                    raise CompositionError(f"{part.spec.name}: only an indexed automaton has per-index start values")
                variables.append((name, t))
                starts[name] = start
            else:
                keys, val = ((it, *t.keys), t.val) if isinstance(t, MapT) else ((it,), t)
                mt = MapT(keys, val)
                rows = []
                for i in range(len(it.domain)):
                    v = start(i) if callable(start) else start
                    if not t.check(v):
                        raise SchemaError(f"start value {v!r} of {name} at index {i} is not a value of {t}")
                    rows.append(v)
                variables.append((name, mt))
                starts[name] = tuple(x for r in rows for x in (r if isinstance(t, MapT) else (r,)))
            part.names[name] = (name, t)

    def _system_derived(self, part: _Part, fn: Callable[..., Any]) -> Callable[..., Any]:
        if part.index_type is None:
            return lambda s: fn(ComponentState(s, part, None))
        it = part.index_type

        def per_index(s: StateProxy) -> Term:
            vals = [ir.lift(fn(ComponentState(s, part, ir.const(it, i)))) for i in range(len(it.domain))]
            mt = MapT((it,), vals[0].type)
            out = ir.const(mt, mt.default())
            for i, v in enumerate(vals):
                out = ir.map_put(out, (ir.const(it, i),), v)
            return out

        return per_index

    # -- actions ----------------------------------------------------------------------------------
    def _actions(
        self, parts: list[_Part], variables: list[tuple[str, Type]], derived: dict[str, Callable[..., Any]]
    ) -> tuple[list[ActionFamily], list[ActionInstance]]:
        decls = [(part, fn, ad) for part in parts for _, fn, ad in part.spec.families()]
        outputs: dict[str, list[_Part]] = {}
        for part, _, ad in decls:
            if ad.kind is Kind.OUTPUT and part not in outputs.setdefault(ad.name, []):
                outputs[ad.name].append(part)
        for name, owners in outputs.items():
            if len(owners) > 1:
                raise CompositionError(f"{name} is an output of several components: {[p.spec.name for p in owners]}")
        for part, _, ad in decls:
            if ad.kind is Kind.INTERNAL:
                others = [p.spec.name for p, _, a in decls if a.name == ad.name and p is not part]
                if others:
                    raise CompositionError(
                        f"{ad.name} is internal to {part.spec.name} and an action of {others}; internal actions "
                        f"cannot be shared"
                    )
        unknown = set(self.hide) - set(outputs)
        if unknown:
            raise CompositionError(f"hide names no output of {self.name}: {sorted(unknown)}")
        inputs: dict[str, list[tuple[_Part, Callable[..., Any], ActionDecl]]] = {}
        for part, fn, ad in decls:
            if ad.kind is Kind.INPUT:
                inputs.setdefault(ad.name, []).append((part, fn, ad))

        fams: list[ActionFamily] = []
        insts: list[ActionInstance] = []
        seen_env: set[str] = set()
        for part, fn, ad in decls:
            if ad.kind is Kind.INPUT:
                if ad.name in outputs or ad.name in seen_env:
                    continue  # driven by an output, or already enumerated with its first owner
                seen_env.add(ad.name)
                kind = Kind.INPUT
                partners = [x for x in inputs[ad.name] if x[2] is not ad]
            else:
                kind = Kind.INTERNAL if ad.kind is Kind.INTERNAL or ad.name in self.hide else Kind.OUTPUT
                partners = inputs.get(ad.name, []) if ad.kind is Kind.OUTPUT else []
            local = self._local_family(part, ad, fn)
            fam = ActionFamily(
                ad.name,
                kind,
                tuple((ad.role(n), t) for n, t in local.params),
                local.doc,
                frozenset(ad.role(n) for n in local.bound),
                ad.role(local.location) if local.location else None,
            )
            fams.append(fam)
            for cargs in enumerate_args(local, ad.where, part.spec.name):
                insts += self._trace(part, fn, ad, local, fam, cargs, partners, variables, derived)
        return fams, insts

    def _local_family(self, part: _Part, ad: ActionDecl, fn: Callable[..., Any]) -> ActionFamily:
        """The family as its component declares it, the index appended as a parameter."""
        fam = part.spec.family(ad, part.types, (fn.__doc__ or "").strip())
        if part.index_type is None:
            return fam
        iname = part.spec.index[0]  # type: ignore[index]
        if iname in ad.params:
            raise CompositionError(f"{part.spec.name}.{ad.name}: parameter {iname} is the automaton's index")
        return ActionFamily(fam.name, fam.kind, (*fam.params, (iname, part.index_type)), fam.doc, fam.bound, iname)

    def _trace(
        self,
        part: _Part,
        fn: Callable[..., Any],
        ad: ActionDecl,
        local: ActionFamily,
        fam: ActionFamily,
        cargs: dict[str, Term],
        partners: list[tuple[_Part, Callable[..., Any], ActionDecl]],
        variables: list[tuple[str, Type]],
        derived: dict[str, Callable[..., Any]],
    ) -> list[ActionInstance]:

        def once(g: StateProxy, env: list[Term]) -> ActionInstance:
            index = cargs[part.spec.index[0]] if part.spec.index else None
            fn(part.spec, ComponentState(g, part, index), **cargs)
            by_role: dict[str, Term] = {ad.role(k): v for k, v in cargs.items()}
            for k, v in g._bound.items():
                by_role[ad.role(k)] = ir.lift(v, dict(local.params)[k])
            for p2, fn2, ad2 in partners:
                driver = None if fam.kind is Kind.INPUT else fam.name
                self._call_input(g, p2, fn2, ad2, by_role, fam.name, driver)
            object.__setattr__(g, "_bound", {r: by_role[r] for r in fam.bound})
            role_args = {r: by_role[r] for r, _ in fam.params if r not in fam.bound}
            return finish_instance(self.name, fam, role_args, g, env)

        return each_choice(variables, derived, once)

    def _call_input(
        self,
        g: StateProxy,
        part: _Part,
        fn: Callable[..., Any],
        ad: ActionDecl,
        by_role: dict[str, Term],
        action: str,
        driver: str | None = None,
    ) -> None:
        """Run an input ``ad`` of ``part`` synchronised with ``action``; ``driver`` is that action's
        name when a component outputs it (``None``: another input of the environment's action)."""
        local = self._local_family(part, ad, fn)
        args: dict[str, Term] = {}
        for pname, t in local.params:
            role = ad.role(pname)
            if role not in by_role:
                raise CompositionError(
                    f"{part.spec.name}.{action}: parameter {pname} (role {role}) is not supplied by the action it "
                    f"synchronises with, whose roles are {sorted(by_role)}; declare roles= to match them"
                )
            v = by_role[role]
            if not same_shape(v.type, t):
                raise CompositionError(
                    f"{part.spec.name}.{action}: parameter {pname} is {t}, the output gives {v.type}"
                )
            args[pname] = v
        index = None
        if part.spec.index is not None:
            iname = part.spec.index[0]
            index = args[iname]
            if not index.is_const:
                raise CompositionError(
                    f"{part.spec.name}.{action}: the copy that takes the step (role {ad.role(iname)}) must be "
                    f"an enumerated parameter of the output, not one taken from the state"
                )
        fn(part.spec, ComponentState(g, part, index, driver), **args)


def _param_names(spec: Spec) -> set[str]:
    return {p.name for p in spec.parameters}
