"""A producer/mover whose scope bounds are safe only because of a conservation invariant: the
fixture of the support-invariant tests (``tests/engines/test_support.py``).

``produce`` is an input: the environment issues at most ``max_items`` of them (the input
budget, counted by ``inputs_issued``: a guard, not a cut). ``a`` holds produced items; ``move``
takes one from ``a`` to ``b``. Both counters range over ``0..max_items``. From an arbitrary state
within the bounds, ``produce`` may overflow ``a`` and ``move`` may overflow ``b`` (e.g. ``a = b =
max_items``), so Z3 cannot rule out a step cut off by the bounds from the target alone; the
conservation law ``a + b <= inputs_issued`` (the support) rules both out: ``a + 1 <=
inputs_issued + 1 <= max_items`` and ``b + 1 <= a + b <= inputs_issued``. The target ``b <=
inputs_issued`` is moreover preserved by ``move`` only given the support.
It is the shape of Fekete–Lynch–Shvartsman's VS-machine, where gpsnd appends to ``pending`` and
vs-order moves from ``pending`` to ``queue`` (``invariants/fls/vs_bounds.inv``).
"""

from __future__ import annotations

from typing import Any

from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, input, internal
from ioakit.lang.types import IntT


class Budget(Spec):
    """Produce at most ``max_items`` items into ``a``; move them one by one from ``a`` to ``b``."""

    name = "budget"
    source = "ioakit tests: conservation as a support invariant"
    parameters = (ScopeParam("max_items", 3, "the production budget and the bound of a, b", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        n = sc["max_items"]
        d.input_budget = n
        d.var("a", IntT(0, n))
        d.var("b", IntT(0, n))
        return d

    @input()
    def produce(self, s: Any) -> None:
        """Input: an item arrives in ``a``."""
        s.a = s.a + 1

    @internal()
    def move(self, s: Any) -> None:
        """Move one item from ``a`` to ``b``."""
        s.require(s.a > 0)
        s.a = s.a - 1
        s.b = s.b + 1


TARGET = """machine budget

invariant moved_were_issued "b counts issued items":
  "Every moved item was issued."
  b <= inputs_issued
"""

SUPPORT = """machine budget

invariant conservation "every item is in one place":
  "The items in a and b are at most the items issued."
  a + b <= inputs_issued
"""

FALSE_SUPPORT = """machine budget

invariant nothing_produced "false: produce makes a positive":
  "a stays 0 (not inductive: produce breaks it)."
  a <= 0
"""

NONNEGATIVE = """machine budget

invariant a_nonnegative "inductive alone, but the cut is ruled out only by the support":
  "a is never negative."
  a >= 0
"""
