"""Steps cut off by the scope's bounds: what was cut, and the one message every engine gives.

A scope makes a machine finite: sequences have a capacity, integers a range (the types of
``ioakit.lang.types``). A step whose post-state would leave them is *not taken* by either
semantics (the compiled step returns ``OUT_OF_BOUNDS``; the Z3 step requires ``in_bounds``).
That keeps the state space finite, but it also silently removes behaviour the unbounded machine
has: a property found to hold may only hold because the steps that would break it were cut.

So a cut step is never silent. Every engine counts them and records the first as a
``BoundHit`` naming the action, the variable, the bound and the value it would have taken; a
check that cut steps is INCOMPLETE (the explorer, the checker, the simulator, the trace
comparison) or UNKNOWN (the prover), unless the caller explicitly accepts the bounded machine
as the object of study (``allow_bound_hits``, ``--allow-bound-hits`` at the command line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ioakit.lang.automaton import Machine
from ioakit.lang.types import IntT, MapT, RecordT, SeqT, Type

ALLOW_HINT = "raise the scope's bounds, or accept the bounded machine with --allow-bound-hits"
"""What a user can do about cut steps (appended to INCOMPLETE / UNKNOWN reasons)."""


@dataclass(frozen=True)
class BoundHit:
    """An enabled step that was not taken because its post-state leaves the scope's bounds.

    ``action`` is the instance label (``pass(p=p2)``), ``variable`` the state variable or entry
    (``passes``, ``pending[p1,g0]``) whose new value is out of bounds, ``bound`` the declared
    bound it breaks (``0..1``, ``length ≤ 2``) and ``value`` the value it would have taken.
    ``state`` is the pre-state (JSON form) from which the step was cut.
    """

    action: str
    variable: str
    bound: str
    value: str
    state: dict[str, Any] | None = None

    def describe(self) -> str:
        """``pass(p=p2) would set passes to 2, outside its bound 0..1``."""
        return f"{self.action} would set {self.variable} to {self.value}, outside its bound {self.bound}"

    def __str__(self) -> str:
        return self.describe()

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "variable": self.variable,
            "bound": self.bound,
            "value": self.value,
            "description": self.describe(),
            "state": self.state,
        }


def _bound_text(t: Type) -> str:
    if isinstance(t, IntT):
        return f"{t.lo}..{t.hi}"
    if isinstance(t, SeqT):
        return f"length ≤ {t.maxlen}"
    return str(t)


def _show(t: Type, v: Any) -> str:
    try:
        return t.show(v)
    except Exception:  # an out-of-bounds value may not be showable by its type: fall back to repr
        return repr(v)


def _first_violation(name: str, t: Type, v: Any) -> tuple[str, str, str] | None:
    """(variable or entry, bound, value) of the innermost part of ``v`` outside ``t``'s bounds."""
    if t.check(v):
        return None
    if isinstance(t, MapT) and isinstance(v, tuple) and len(v) == t.size:
        for key, x in zip(t.key_tuples(), v):
            inner = _first_violation(f"{name}[{t.key_name(key)}]", t.val, x)
            if inner is not None:
                return inner
    if isinstance(t, RecordT) and isinstance(v, tuple) and len(v) == len(t.fields):
        for (fname, ft), x in zip(t.fields, v):
            inner = _first_violation(f"{name}.{fname}", ft, x)
            if inner is not None:
                return inner
    if isinstance(t, SeqT) and isinstance(v, tuple) and len(v) <= t.maxlen:
        for j, x in enumerate(v, 1):
            inner = _first_violation(f"{name}({j})", t.elem, x)
            if inner is not None:
                return inner
    if isinstance(t, SeqT) and isinstance(v, tuple):
        return name, _bound_text(t), f"a sequence of length {len(v)}"
    return name, _bound_text(t), _show(t, v)


def diagnose(m: Machine, k: int, pre: Sequence[Any]) -> BoundHit:
    """The ``BoundHit`` of action instance ``k`` from ``pre`` (whose compiled step is out of
    bounds): the written values are recomputed without the bounds check and the first variable
    whose new value leaves its type's bounds is named."""
    from ioakit.backends.codegen import compile_terms

    inst = m.actions[k]
    values = compile_terms(m, [t for _, t in inst.writes]) if inst.writes else []
    for (i, _), f in zip(inst.writes, values):
        name, t = m.variables[i]
        found = _first_violation(name, t, f(tuple(pre)))
        if found is not None:
            return BoundHit(m.label_of(k, pre), *found, state=m.state_json(pre))
    return BoundHit(m.label_of(k, pre), "?", "the scope's bounds", "?", state=m.state_json(pre))


def find_and_diagnose(m: Machine, k: int, candidates: Sequence[Sequence[Any]]) -> BoundHit:
    """``diagnose`` at the first of ``candidates`` from which instance ``k`` leaves the bounds
    (the explorer knows the chunk of states a cut step came from, not the state itself)."""
    from ioakit.backends.codegen import OUT_OF_BOUNDS

    step = m.compiled().steps[k]
    for s in candidates:
        if step(tuple(s)) is OUT_OF_BOUNDS:
            return diagnose(m, k, s)
    return BoundHit(m.actions[k].label, "?", "the scope's bounds", "?")


def cut_reason(count: int, first: BoundHit | None, allowed: bool) -> str:
    """The one sentence every report gives about cut steps."""
    steps = "1 enabled step was" if count == 1 else f"{count:,} enabled steps were"
    text = f"{steps} cut off by the scope's bounds (first: {first.describe() if first else '?'})"
    if allowed:
        return text + "; accepted with --allow-bound-hits: the result is about the bounded machine only"
    return text + f"; {ALLOW_HINT}"
