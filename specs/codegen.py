"""The concrete semantics: traced terms compiled to straight-line Python.

The explorer spends its time in one generated function, ``successors(s)``, that tests every
action instance's precondition and builds its post-state with tuple operations specialised to
the instance's constant parameters (so ``pending[p]`` with ``p`` fixed is the tuple slot
``s[1][0]``). This is what makes the generic explorer as fast as a hand-written search
(``benchmarks/explore_speed.py``). The generated source is our own text built from the traced
terms; no user-supplied text is ever executed.

Inside ``successors`` the instances share work: structurally equal subterms of different
instances' preconditions (``next[q] <= len(queue)`` in every ``brcv(a, p, q)`` with the same
``q``) are computed once per state. A shared subterm that some instance's *first* precondition
conjunct computes unconditionally is bound there and reused by name; one met only in
conditional positions is memoised lazily (``_h if _h is not _U else (_h := ...)``). Every
generated expression is pure and total on well-formed states, so sharing changes no value.

Bounds of the scope (sequence lengths, integer ranges) are checked on the post-state: a step
that would leave them is not taken, and is counted, so reports can say the scope cut the
behaviour off (the same rule as the Z3 semantics, ``symbolic.step``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .ir import Term, subterms
from .types import BoolT, EnumT, IntT, MapT, RecordT, SeqT, Type


def _bound_checks(typ: Type, code: str, ns: dict[str, Any]) -> list[str]:
    """Python conditions that hold iff the value ``code`` respects the scope bounds of ``typ``."""
    if isinstance(typ, SeqT) and not _has_bounds(typ.elem):
        return [f"len({code}) <= {typ.maxlen}"]
    if isinstance(typ, IntT):
        return [f"{typ.lo} <= {code} <= {typ.hi}"]
    if isinstance(typ, MapT) and typ.size == 0:
        return []
    if isinstance(typ, MapT) and isinstance(typ.val, SeqT) and not _has_bounds(typ.val.elem):
        return [f"max(map(len, {code})) <= {typ.val.maxlen}"]
    if isinstance(typ, MapT) and isinstance(typ.val, IntT):
        return [f"{typ.val.lo} <= min({code}) and max({code}) <= {typ.val.hi}"]
    if _has_bounds(typ):
        name = f"_type{len(ns)}"
        ns[name] = typ
        return [f"{name}.check({code})"]
    return []


def _has_bounds(t: Type) -> bool:
    if isinstance(t, SeqT | IntT):
        return True
    if isinstance(t, RecordT):
        return any(_has_bounds(ft) for _, ft in t.fields)
    if isinstance(t, MapT):
        return _has_bounds(t.val)
    return False


def _prefix(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def _put(m: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return m if i < 0 else m[:i] + (v,) + m[i + 1 :]


def _literal(v: Any) -> bool:
    """Whether ``repr(v)`` is a Python literal for ``v`` (bools, ints, None, tuples of those)."""
    if v is None or isinstance(v, bool | int):
        return True
    return type(v) is tuple and all(_literal(x) for x in v)


def _namespace() -> dict[str, Any]:
    return {"_prefix": _prefix, "_put": _put}


class _Emitter:
    """Emits Python expressions for terms, sharing repeated subterms through walrus temporaries."""

    def __init__(
        self,
        consts: dict[Any, str],
        namespace: dict[str, Any],
        roots: Sequence[Term],
        shared: _Shared | None = None,
        var_code: str = "s[{}]",
    ) -> None:
        self.consts = consts
        self.ns = namespace
        self.bound: dict[int, str] = {}
        self.counter = 0
        self.depth = 0
        self.refs: dict[int, int] = {}
        self.shared = shared
        self.first = False
        """True while emitting an instance's first precondition conjunct (run for every state)."""
        self.var_code = var_code
        for t in subterms(list(roots)):
            for a in t.args:
                self.refs[id(a)] = self.refs.get(id(a), 0) + 1

    def fresh(self) -> str:
        if self.shared is not None:  # one namespace for all instances of ``successors``
            self.shared.counter += 1
            return f"_t{self.shared.counter}"
        self.counter += 1
        return f"_t{self.counter}"

    def const(self, t: Term) -> str:
        v = t.data
        if _literal(v):  # compiled to a constant of the code object, no name lookup
            return repr(v)
        key: Any = (t.type, type(v), v)  # one name per constant value (so equal code is equal text)
        try:
            hash(key)
        except TypeError:
            key = id(t)
        if key not in self.consts:
            name = f"_c{len(self.ns)}"
            self.ns[name] = v
            self.consts[key] = name
        return self.consts[key]

    def expr(self, t: Term, cond: bool = False) -> str:
        """Code for ``t``; ``cond`` is true inside short-circuited or conditional positions."""
        if t.op == "const":
            return self.const(t)
        if t.op == "var":
            return self.var_code.format(t.data[0])
        k = id(t)
        if k in self.bound:
            return self.bound[k]
        sh = self.shared
        if sh is not None and k in sh.definite:
            return sh.definite[k]
        # A temporary bound inside a short-circuited or conditional position might never be
        # assigned at run time, so only positions that always run may bind shared subterms.
        always = self.depth == 0 and not cond
        name = sh.names.get(k) if sh is not None else None
        # a subterm shared with other instances is memoised (``_h if _h is not _U else (_h := ...)``)
        # unless this position always runs and nothing assigned it before; the code inside a
        # memoised form runs conditionally, so it must not bind temporaries itself
        lazy = name is not None and (name in sh.maybe_set or not always)  # type: ignore[union-attr]
        inner = cond or lazy
        self.depth += inner
        try:
            code = self._expr(t)
        finally:
            self.depth -= inner
        if name is not None and sh is not None:
            if lazy:
                sh.lazy.add(name)
                code = f"({name} if {name} is not _U else ({name} := {code}))"
            else:
                code = f"({name} := {code})"
            sh.maybe_set.add(name)
            if always:
                self.bound[k] = name
                if self.first:
                    sh.definite[k] = name
            return code
        if self.refs.get(k, 0) > 1 and always:
            name = self.fresh()
            self.bound[k] = name
            return f"({name} := {code})"
        return code

    def atom(self, t: Term, cond: bool) -> tuple[str, str]:
        """(setup, use): ``use`` may be repeated; ``setup`` must be evaluated first."""
        if (
            t.op in ("const", "var")
            or id(t) in self.bound
            or (self.shared is not None and id(t) in self.shared.definite)
        ):
            c = self.expr(t, cond)
            return c, c
        name = self.fresh()
        return f"({name} := {self.expr(t, True)})", name

    def _expr(self, t: Term) -> str:
        op, a = t.op, t.args
        E = self.expr
        if op == "not":
            return f"(not {E(a[0])})"
        if op in ("and", "or"):
            first = E(a[0])
            rest = [E(x, True) for x in a[1:]]
            return "(" + f" {op} ".join([first, *rest]) + ")"
        if op == "ite":
            c = E(a[0])
            return f"({E(a[1], True)} if {c} else {E(a[2], True)})"
        if op == "eq":
            return f"({E(a[0])} == {E(a[1])})"
        if op == "lt":
            return f"({E(a[0])} < {E(a[1])})"
        if op == "le":
            return f"({E(a[0])} <= {E(a[1])})"
        if op == "add":
            return f"({E(a[0])} + {E(a[1])})"
        if op == "sub":
            return f"({E(a[0])} - {E(a[1])})"
        if op == "mul":
            return f"({E(a[0])} * {E(a[1])})"
        if op == "field":
            return f"{E(a[0])}[{t.data}]"
        if op in ("record", "seq_lit"):
            return "(" + "".join(E(x) + ", " for x in a) + ")"
        if op == "seq_len":
            return f"len({E(a[0])})"
        if op == "seq_at":
            default = self.const(Term("const", (), t.type, t.data))
            if a[1].op == "const":
                k = a[1].data
                if k < 1:
                    return default
                setup, use = self.atom(a[0], False)
                return f"({use}[{k - 1}] if len({setup}) >= {k} else {default})"
            s_setup, s_use = self.atom(a[0], False)
            i_setup, i_use = self.atom(a[1], False)
            return f"({s_use}[{i_use} - 1] if 1 <= {i_setup} <= len({s_setup}) else {default})"
        if op == "seq_append":
            return f"({E(a[0])} + ({E(a[1])},))"
        if op == "seq_tail":
            return f"{E(a[0])}[1:]"
        if op == "seq_concat":
            return f"({E(a[0])} + {E(a[1])})"
        if op == "seq_prefix":
            return f"_prefix({E(a[0])}, {E(a[1])})"
        if op == "seq_contains":
            return f"({E(a[1])} in {E(a[0])})"
        if op == "seq_elems":
            return f"frozenset({E(a[0])})"
        if op == "set_lit":
            return "frozenset((" + "".join(E(x) + ", " for x in a) + "))"
        if op == "set_member":
            return f"({E(a[0])} in {E(a[1])})"
        if op == "set_add":
            return f"({E(a[0])} | {{{E(a[1])}}})"
        if op == "set_remove":
            return f"({E(a[0])} - {{{E(a[1])}}})"
        if op == "set_union":
            return f"({E(a[0])} | {E(a[1])})"
        if op == "set_inter":
            return f"({E(a[0])} & {E(a[1])})"
        if op == "set_diff":
            return f"({E(a[0])} - {E(a[1])})"
        if op == "set_subset":
            return f"({E(a[0])} <= {E(a[1])})"
        if op == "set_card":
            return f"len({E(a[0])})"
        if op == "map_get":
            mt, default = t.data
            dflt = self.const(Term("const", (), mt.val, default))
            idx, guard = self.key_index(mt, a[1:])
            if guard is None:
                return f"{E(a[0])}[{idx}]"
            if guard == "False":  # a constant ⊥ key: the default, the map is not evaluated
                return dflt
            # the map is evaluated only when the key is valid: a conditional position, which must
            # not bind shared temporaries (later uses would find them unassigned)
            return f"({E(a[0], True)}[{idx}] if {guard} else {dflt})"
        if op == "map_put":
            mt = t.data
            if all(k.op == "const" for k in a[2:]):
                idx, guard = self.key_index(mt, a[2:])
                if guard is not None:  # a constant ⊥ key: the write changes nothing (value not evaluated)
                    return E(a[0])
                m_setup, m_use = self.atom(a[0], False)
                v = E(a[1])
                i = int(idx)
                return f"({m_setup}[:{i}] + ({v},) + {m_use}[{i + 1}:])"
            m = E(a[0])
            idx, guard = self.key_index(mt, a[2:])
            index = idx if guard is None else f"({idx} if {guard} else -1)"
            return f"_put({m}, {index}, {E(a[1], True)})"
        raise AssertionError(f"no code generation for op {op}")

    def key_index(self, mt: MapT, keys: Sequence[Term]) -> tuple[str, str | None]:
        """(index expression, validity guard or None) for a map key tuple."""
        if all(k.op == "const" for k in keys):
            i = mt.flat_index([k.data for k in keys])
            return (str(i), None) if i >= 0 else ("0", "False")
        parts: list[str] = []
        guards: list[str] = []
        idx = ""
        for k, kt in zip(keys, mt.keys):
            size = len(kt.domain)
            if k.op == "const":
                if not 0 <= k.data < size:  # a constant ⊥ key: the key names no entry
                    return "0", "False"
                code = str(k.data)
            elif isinstance(k.type, EnumT) and k.type.bottom:
                setup, code = self.atom(k, False)
                guards.append(f"{setup} >= 0")
            else:
                code = self.expr(k, True)
            parts.append(code)
            idx = code if not idx else f"({idx}) * {size} + {code}"
        return idx, (" and ".join(guards) if guards else None)


class _Shared:
    """Subterms shared between the instances of one generated ``successors`` function.

    ``names`` gives each worthwhile subterm that occurs in the preconditions of two or more
    instances one local name. ``definite`` holds those assigned, for every state, before the
    current position (bound in some instance's first conjunct); ``maybe_set`` those assigned
    somewhere before it; ``lazy`` those read in memoised form, which must start out as ``_U``.
    """

    def __init__(self, instance_guards: Sequence[Term]) -> None:
        uses: dict[int, int] = {}
        terms: dict[int, Term] = {}
        for g in instance_guards:
            for t in subterms([g]):
                uses[id(t)] = uses.get(id(t), 0) + 1
                terms[id(t)] = t
        self.names: dict[int, str] = {}
        for k, n in uses.items():
            if n > 1 and not _cheap(terms[k]):
                self.names[k] = f"_h{len(self.names) + 1}"
        self.definite: dict[int, str] = {}
        self.maybe_set: set[str] = set()
        self.lazy: set[str] = set()
        self.counter = 0


_LIGHT_OPS = frozenset({"not", "and", "or", "ite", "lt", "le", "add", "sub", "mul", "field", "seq_len", "map_get"})


def _cheap(t: Term, limit: int = 2) -> bool:
    """Terms costing at most ``limit``: recomputing them costs about what a memoised read costs.

    Scalar operations and slot reads cost 1 (``cv[p] == -1``, ``next[q] + 1``); hashing,
    membership, comparison of structures and sequence/set construction cost more."""

    def cost(u: Term, budget: int) -> int:
        if u.op in ("const", "var"):
            return 0
        light = u.op in _LIGHT_OPS or (u.op == "eq" and isinstance(u.args[0].type, BoolT | IntT | EnumT))
        n = 1 if light else budget + 1
        for a in u.args:
            if n > budget:
                break
            n += cost(a, budget - n)
        return n

    return cost(t, limit) <= limit


class _Canon:
    """Hash-consing: structurally equal terms (of any instance) map to one canonical term, so
    that sharing between instances is sharing of term identity."""

    def __init__(self) -> None:
        self.table: dict[tuple[Any, ...], Term] = {}
        self.memo: dict[int, Term] = {}
        self.keep: list[Term] = []  # keeps the originals alive while their ids are memo keys

    def __call__(self, root: Term) -> Term:
        for u in subterms([root]):
            if id(u) in self.memo:
                continue
            args = tuple(self.memo[id(a)] for a in u.args)
            if u.op == "const":
                key: tuple[Any, ...] = ("const", u.type, type(u.data), u.data)
            else:
                key = (u.op, u.type, u.data, *(id(a) for a in args))
            try:
                c = self.table.get(key)
            except TypeError:  # an unhashable static datum: keep the term as it is
                c, key = None, ("unique", id(u))
            if c is None:
                same = all(x is y for x, y in zip(args, u.args))
                c = u if same else Term(u.op, args, u.type, u.data)
                self.table[key] = c
            self.memo[id(u)] = c
            self.keep.append(u)
        return self.memo[id(root)]


@dataclass
class Compiled:
    """Generated concrete semantics of a machine."""

    successors: Callable[[tuple[Any, ...]], list[tuple[int, tuple[Any, ...] | None]]]
    """``(instance index, post-state)`` for every enabled instance; the post-state is ``None``
    when the step would leave the scope's bounds (it is then not a step, but is counted)."""
    steps: list[Callable[[tuple[Any, ...]], tuple[Any, ...] | None]]
    enabled: list[Callable[[tuple[Any, ...]], bool]]
    source: str
    out_of_bounds: list[Callable[[tuple[Any, ...]], bool]] = field(default_factory=list)


def _instance_code(
    em: _Emitter, guard: Term, writes: Sequence[tuple[int, Term]], nvars: int, variables: Sequence[tuple[str, Type]]
) -> tuple[str, list[str], str, str]:
    """(guard expression, effect statements, bounds condition, post-state expression)."""
    conjuncts = list(guard.args) if guard.op == "and" else [guard]
    if em.shared is not None and id(guard) in em.shared.names:
        conjuncts = [guard]  # the whole precondition recurs in other instances: share it whole
    codes = []
    for j, c in enumerate(conjuncts):
        em.first = j == 0  # the first conjunct runs for every state; the others may be short-circuited
        codes.append(em.expr(c))
    em.first = False
    gcode = " and ".join(codes) if codes else "True"
    stmts: list[str] = []
    post = [em.var_code.format(i) for i in range(nvars)]
    checks: list[str] = []
    for i, t in writes:
        name = f"_n{i}"
        stmts.append(f"{name} = {em.expr(t)}")
        post[i] = name
        typ = variables[i][1]
        if (
            isinstance(typ, MapT)
            and t.op == "map_put"
            and t.args[0].op == "var"
            and t.args[0].data[0] == i
            and all(k.op == "const" for k in t.args[2:])
        ):
            checks += _bound_checks(typ.val, f"{name}[{typ.flat_index([k.data for k in t.args[2:]])}]", em.ns)
        else:
            checks += _bound_checks(typ, name, em.ns)
    return gcode, stmts, " and ".join(checks) if checks else "True", "(" + "".join(p + ", " for p in post) + ")"


def compile_machine(m: Any) -> Compiled:
    """Generate and compile the successor function and per-instance steps of a ``Machine``."""
    nvars = len(m.variables)
    ns = _namespace()
    consts: dict[Any, str] = {}
    # successors: instances in order, over canonical terms so that they can share subterms
    canon = _Canon()
    guards = [canon(a.guard) for a in m.actions]
    writes = [tuple((i, canon(t)) for i, t in a.writes) for a in m.actions]
    shared = _Shared(guards)
    var_code = "_s{}"
    body: list[str] = []
    for k, a in enumerate(m.actions):
        em = _Emitter(consts, ns, [guards[k], *(t for _, t in writes[k])], shared, var_code)
        gcode, stmts, bounds, post = _instance_code(em, guards[k], writes[k], nvars, m.variables)
        body.append(f"    # [{k}] {a.label}")
        body.append(f"    if {gcode}:")
        body.extend(f"        {st}" for st in stmts)
        if bounds == "True":
            body.append(f"        ap(({k}, {post}))")
        else:
            body.append(f"        ap(({k}, {post}) if {bounds} else ({k}, None))")
    lines = ["def successors(s):", "    out = []", "    ap = out.append"]
    if nvars:
        lines.append("    " + "".join(var_code.format(i) + ", " for i in range(nvars)) + "= s")
    if shared.lazy:
        lines.append("    _U = _UNSET")
        lines.append("    " + " = ".join(sorted(shared.lazy, key=lambda n: int(n[2:]))) + " = _U")
    lines += body
    # steps[k] and enabled[k]: one function per instance, generated independently of successors
    step_src: list[str] = []
    for k, a in enumerate(m.actions):
        em2 = _Emitter(consts, ns, [a.guard, *(t for _, t in a.writes)])
        gcode2, stmts2, bounds2, post2 = _instance_code(em2, a.guard, a.writes, nvars, m.variables)
        step_src += [
            f"def _step{k}(s):",
            f"    if not ({gcode2}):",
            "        return None",
            *(f"    {st}" for st in stmts2),
            f"    if not ({bounds2}):",
            "        return _OUT",
            f"    return {post2}",
            f"def _en{k}(s):",
            f"    return bool({_Emitter(consts, ns, [a.guard]).expr(a.guard)})",
        ]
    lines.append("    return out")
    src = "\n".join(lines + step_src) + "\n"
    ns["_OUT"] = OUT_OF_BOUNDS
    ns["_UNSET"] = _UNSET
    exec(compile(src, f"<ioakit generated: {m.name}>", "exec"), ns)  # our own generated code, never user text
    n = len(m.actions)
    return Compiled(
        successors=ns["successors"],
        steps=[ns[f"_step{k}"] for k in range(n)],
        enabled=[ns[f"_en{k}"] for k in range(n)],
        source=src,
    )


class _OutOfBounds:
    def __repr__(self) -> str:
        return "OUT_OF_BOUNDS"


OUT_OF_BOUNDS: Any = _OutOfBounds()
"""Returned by a compiled step whose post-state leaves the scope's bounds."""

_UNSET: Any = object()
"""Initial value of a lazily memoised shared subterm in ``successors`` (no term evaluates to it)."""


def compile_predicates(m: Any, preds: Sequence[Term]) -> list[Callable[[tuple[Any, ...]], bool]]:
    """Compile boolean terms over the machine's state to fast Python predicates."""
    ns = _namespace()
    consts: dict[Any, str] = {}
    src: list[str] = []
    for k, p in enumerate(preds):
        em = _Emitter(consts, ns, [p])
        src += [f"def _p{k}(s):", f"    return bool({em.expr(p)})"]
    code = "\n".join(src) + "\n"
    exec(compile(code, f"<ioakit predicates: {m.name}>", "exec"), ns)  # generated from traced terms only
    return [ns[f"_p{k}"] for k in range(len(preds))]


def compile_terms(m: Any, terms: Sequence[Term]) -> list[Callable[[tuple[Any, ...]], Any]]:
    """Compile arbitrary terms over the state to Python functions returning their values."""
    ns = _namespace()
    consts: dict[Any, str] = {}
    src: list[str] = []
    for k, p in enumerate(terms):
        em = _Emitter(consts, ns, [p])
        src += [f"def _v{k}(s):", f"    return {em.expr(p)}"]
    exec(compile("\n".join(src) + "\n", f"<ioakit terms: {m.name}>", "exec"), ns)  # generated code
    return [ns[f"_v{k}"] for k in range(len(terms))]
