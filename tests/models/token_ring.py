"""A token ring whose scope bound cuts behaviour: the fixture of the bound-hit tests.

``processors`` processes pass one token around the ring; the holder may enter and leave its
critical section. ``passes`` counts the passes and is bounded by the scope (``0..max_passes``).
At the default scope (3 processes, ``max_passes=1``) the pass p2 → p3 would make ``passes`` 2,
outside its bound: the step is cut, so p3 never holds the token and never enters its critical
section *in the bounded machine* — though it does in the ring itself. Every engine must
therefore refuse to call "p3 never enters its critical section" established (INCOMPLETE or
UNKNOWN) unless the bound hits are explicitly accepted.

``StuckRing`` is the same ring except that the last process can never enter: a different
machine, whose difference from ``TokenRing`` only shows beyond the bound.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal, output
from ioakit.lang.ir import const
from ioakit.lang.types import Domain, EnumT, IntT, SetT


class TokenRing(Spec):
    """A ring of ``processors`` processes passing one token, at most ``max_passes`` times."""

    name = "token-ring"
    source = "ioakit tests: a bounded token ring"
    parameters = (
        ScopeParam("processors", 3, "number of processes p1, p2, ...", min=2),
        ScopeParam("max_passes", 1, "bound of the pass counter `passes`", min=0),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.var("holder", EnumT(P), 0)
        d.var("passes", IntT(0, sc["max_passes"]))
        d.var("critical", SetT(EnumT(P)))
        return d

    @internal(p="P")
    def pass_token(self, s: Any, p: Any) -> None:
        """The holder, outside its critical section, passes the token to its successor."""
        s.require(s.holder == p)
        s.require(~s.critical.contains(p))
        s.holder = const(p.type, (p.value + 1) % len(p.type.domain))
        s.passes = s.passes + 1

    @output(p="P")
    def enter(self, s: Any, p: Any) -> None:
        """The holder enters its critical section."""
        s.require(s.holder == p)
        s.require(~s.critical.contains(p))
        s.critical = s.critical.add(p)

    @output(p="P")
    def leave(self, s: Any, p: Any) -> None:
        s.require(s.critical.contains(p))
        s.critical = s.critical.remove(p)


class StuckRing(TokenRing):
    """``TokenRing`` whose last process never enters its critical section."""

    name = "stuck-ring"

    @output(p="P")
    def enter(self, s: Any, p: Any) -> None:
        s.require(s.holder == p)
        s.require(~s.critical.contains(p))
        s.require(p.value != len(p.type.domain) - 1)
        s.critical = s.critical.add(p)


P3_NEVER_CRITICAL = """machine token-ring

invariant p3_never_critical "false in the ring, hidden by the bound":
  "p3 never enters its critical section"
  not (p3 in critical)
"""
