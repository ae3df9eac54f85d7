"""``s.assume`` in a component of a ``System``: an input the system's environment issues may state
its assumption, as it may in a standalone spec; an input driven by another component's output may
not (it must accept the output whenever it happens) and is told so, instead of being told that
the component "has no variable 'assume'"."""

from __future__ import annotations

from typing import Any

import pytest

from ioakit.engines.explore import Explorer
from ioakit.lang.automaton import Decl, Kind, Scope, Spec, input, output
from ioakit.lang.ir import TraceError
from ioakit.lang.system import Component, System
from ioakit.lang.types import BoolT


class Server(Spec):
    """A server that a well-formed client calls only when it is idle."""

    name = "Server"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("busy", BoolT())
        return d

    @input()
    def call(self, s: Any) -> None:
        s.assume(~s.busy)
        s.busy = True

    @output()
    def done(self, s: Any) -> None:
        s.require(s.busy)
        s.busy = False


class Served(System):
    name = "Served"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.input_budget = 2
        return d

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        return [Component(Server())]


class Caller(Spec):
    """Outputs ``call`` at any time."""

    name = "Caller"

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        d.var("calls", BoolT())
        return d

    @output()
    def call(self, s: Any) -> None:
        s.calls = True


class Driven(System):
    name = "Driven"

    def declare(self, sc: Scope) -> Decl:
        return Decl()

    def components(self, sc: Scope, d: Decl) -> list[Component]:
        return [Component(Caller()), Component(Server())]


def test_an_environment_input_of_a_system_may_assume() -> None:
    standalone = Server().build()
    m = Served().build()
    assert [(f.name, f.kind) for f in m.families] == [("call", Kind.INPUT), ("done", Kind.OUTPUT)]
    # (busy, inputs issued): (no, 0) (yes, 1) (no, 1) (yes, 2) (no, 2): never called while busy
    assert Explorer(m).run().states == 5
    assert [n for n, _ in m.variables] == ["busy", "inputs_issued"]
    call = m.compiled().steps[0]
    assert call((False, 0)) == (True, 1) and call((True, 1)) is None  # not issued while busy
    assert Explorer(standalone).run().states == 2  # standalone, no budget: idle, busy


def test_an_input_driven_by_an_output_may_not_assume() -> None:
    with pytest.raises(TraceError, match="call is the output of a component"):
        Driven().build()
