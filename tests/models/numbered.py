"""A model of ours on the message-passing substrate (not from a paper): p1 sends numbered messages
to p2, which logs them in the order it receives them — enough to see each network fault.

``emit(n)`` (an input of the environment) makes p1 send ``[NUM, n]`` to p2; p2's handler appends
n to ``got`` (declared stable: it survives a crash when the scope has stable storage) and counts
the deliveries in ``heard`` (volatile). Scope: ``numbers`` (n ∈ 1..numbers), ``max_ops``, and the
substrate's faults.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ioakit.impl.net.process import CRASHES, NETWORK_PARAMETERS, RECOVERIES, STABLE_STORAGE, MessagePassing
from ioakit.lang.automaton import Decl, Scope, ScopeParam, input
from ioakit.lang.types import Domain, IntT, SeqT, Type


class Numbered(MessagePassing):
    """p1 sends numbered messages to p2, which logs them in arrival order (``got``)."""

    name = "numbered-messages"
    source = "a test model of ours"
    parameters = (
        ScopeParam("numbers", 2, "message numbers 1..numbers", min=1),
        ScopeParam("max_ops", 2, "send inputs in total", min=0),
        ScopeParam("capacity", 4, "in-flight messages per destination", min=0),
        CRASHES,
        *NETWORK_PARAMETERS,
        RECOVERIES,
        STABLE_STORAGE,
    )
    MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {"NUM": ("n",)}

    def declare_processes(self, sc: Scope, d: Decl) -> None:
        d.domain(Domain.numbered("P", 2, "p"))
        d.type("N", IntT(1, sc["numbers"]))
        self.local(d, "got", SeqT(d.types["N"], sc["max_ops"] + sc["duplication"]), stable=True)
        self.local(d, "heard", IntT(0, sc["max_ops"] + sc["duplication"]), 0)

    def message_types(self, sc: Scope, d: Decl) -> dict[str, tuple[Type, ...]]:
        return {"NUM": (d.types["N"],)}

    def capacity(self, sc: Scope) -> int:
        return sc["capacity"]

    @input(n="N")
    def emit(self, s: Any, n: Any) -> None:
        """p1 sends [NUM, n] to p2."""
        p1, p2 = self._processes()
        self.invoke(s, p1)
        self.send(s, p1, p2, "NUM", n=n)

    def on_NUM(self, s: Any, i: Any, j: Any, m: Any) -> None:
        s.got[i] = s.got[i].append(m.n)
        s.heard[i] = s.heard[i] + 1


def got(m: Any, state: Any, p: int = 1) -> tuple[int, ...]:
    """p's log in ``state`` (p2 by default)."""
    return state[m.var_index("got")][p]
