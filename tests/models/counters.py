"""Two counters of ours whose trace inclusion is decided only when the specification's bound
is wide enough: ``BigCounter`` ticks three times; ``Counter`` ticks without end, but its scope
bounds its count at 1, so its third tick is cut off. At that scope "BigCounter has a trace that
Counter lacks" is an artefact of the cut, not a violation (tests/engines/test_bound_hits.py)."""

from ioakit.lang.automaton import Decl, Scope, Spec, output
from ioakit.lang.types import IntT


class Counter(Spec):
    """Ticks up to a bound (a spec whose counter is bounded at 1)."""

    name = "Counter"
    source = "ours"
    HI = 1

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("n", IntT(0, self.HI))
        return d

    @output()
    def tick(self, s):
        s.n = s.n + 1


class BigCounter(Counter):
    """The same counter with a wider bound, whose steps stop on their own after 3 ticks."""

    name = "BigCounter"
    HI = 3

    @output()
    def tick(self, s):
        s.require(s.n < 3)
        s.n = s.n + 1
