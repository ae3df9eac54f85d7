"""The papers' abstract machines, and the registry the CLI lists."""

from __future__ import annotations

from ..automaton import Spec
from .to_machine import TOMachine
from .vs_machine import VSMachine, WeakVSMachine

MACHINES: dict[str, type[Spec]] = {
    TOMachine.name: TOMachine,
    VSMachine.name: VSMachine,
    WeakVSMachine.name: WeakVSMachine,
}


def get_spec(name: str) -> Spec:
    """Look a machine up by name (case-insensitive); ``KeyError`` lists the known ones."""
    for k, cls in MACHINES.items():
        if k.lower() == name.lower():
            return cls()
    raise KeyError(f"unknown machine {name!r}; known machines: {', '.join(MACHINES)}")


__all__ = ["MACHINES", "TOMachine", "VSMachine", "WeakVSMachine", "get_spec"]
