"""The environment (well-formed clients) that drives the Deconstructing Paxos specifications — not
the automata.

Inputs of an I/O automaton are always enabled (Lynch–Tuttle), so the specifications of Section 3
(``register_spec.py``, ``consensus_spec.py``) accept every ``read``, ``write``, ``propose`` and
``crash`` at any time (an ill-formed one changes nothing). What makes a *run* finite and *well
formed* is the environment, stated in the inputs' code as ``s.assume(...)`` — the same mechanism
the message-passing substrate's implementations use (``impl/net/process.py``), so a specification
and its implementation are explored under the same environment:

* a process invokes at most one operation at a time, and only while up (Section 3.1; Section 2.1);
* at most ``max_ops`` operations in total, counted in the hidden ``ops_invoked``;
* at most ``crashes`` crash events, counted apart in the hidden ``crashes_caused`` (so that crashes
  do not eat the operations' budget); a crash may hit any process at any time, even a crashed one
  (where it changes nothing but the counter): the most permissive environment, so every crash
  pattern an implementation's environment produces within the budget is one this one produces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Machine, Scope, Spec
from ioakit.lang.types import IntT

COUNTERS = ("ops_invoked", "crashes_caused")


class WellFormedClients(Spec):
    """A ``Spec`` of Section 3 explored with well-formed clients; the subclass declares ``up[p]``
    and ``pending[p]`` (⊥ when idle), calls ``declare_environment`` in ``declare``,
    ``client_invokes`` in each invocation and ``environment_crashes`` in ``crash``."""

    def declare_environment(self, d: Decl, sc: Scope) -> None:
        d.var("ops_invoked", IntT(0, sc["max_ops"]), 0)
        d.var("crashes_caused", IntT(0, sc["crashes"]), 0)

    def client_invokes(self, s: Any, p: Any) -> None:
        """The environment invokes an operation at p only if p is up and idle, within ``max_ops``."""
        s.assume(s.up[p])
        s.assume(s.pending[p] == ir.BOT)
        s.assume(s.ops_invoked < self._limits["max_ops"])
        s.ops_invoked = s.ops_invoked + 1

    def environment_crashes(self, s: Any) -> None:
        """The environment causes at most ``crashes`` crash events."""
        s.assume(s.crashes_caused < self._limits["crashes"])
        s.crashes_caused = s.crashes_caused + 1

    def _build(self, given: Mapping[str, int] | Scope | None, environment: bool) -> Machine:
        sc = given if isinstance(given, Scope) else self.scope(given)
        self._limits = sc.as_dict()
        m = super()._build(sc, environment)
        return dataclasses.replace(m, hidden_vars=m.hidden_vars | frozenset(COUNTERS))
