"""ioakit's Figure 5 register (``impl/paxos/register.py`` on the substrate ``impl/net/process.py``)
against the independent hand-written model ``tests/oracles/paxos_fig5.py``.

What is compared: at scope ``history=0`` (no history variables), the numbers of reachable states,
transitions (enabled instance and successor pairs; equal in-flight copies delivered from the first
only, on both sides), BFS layers and deadlocks, pinned at small scopes with and without a crash;
at the smallest scopes also the *sets* of reachable states, after rewriting ioakit's concrete
states into the oracle's layout (``to_oracle``). A few seconds in all.
"""

from __future__ import annotations

from typing import Any

import pytest

from ioakit.engines.explore import Explorer, Verdict
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec
from oracles import paxos_fig5 as oracle

NAME = "round-based-register-fig5"

# (processes, values, rounds, max_ops, crashes) → (states, transitions, depth, deadlocks)
PINNED: dict[tuple[int, int, int, int, int], tuple[int, int, int, int]] = {
    (2, 1, 2, 2, 0): (2_883, 7_532, 12, 12),
    (2, 1, 2, 2, 1): (3_851, 14_826, 12, 64),
    (3, 2, 2, 1, 1): (1_828, 5_187, 8, 18),
}


def _scope(key: tuple[int, int, int, int, int]) -> oracle.Scope:
    return oracle.Scope(*key)


def _machine(sc: oracle.Scope) -> Machine:
    return get_spec(NAME).build(
        {
            "processes": sc.processes,
            "values": sc.values,
            "rounds": sc.rounds,
            "max_ops": sc.max_ops,
            "crashes": sc.crashes,
            "history": 0,
        }
    )


def _message(tag: int, fields: tuple[int, ...]) -> oracle.Message:
    """ioakit's ``(variant index, field values)`` → the oracle's ``(tag, k, k', v)``."""
    if tag == oracle.ACK_READ:
        k, kp, v = fields
        return (tag, k, kp, v)
    if tag == oracle.WRITE:
        k, v = fields
        return (tag, k, 0, v)
    return (tag, fields[0], 0, 0)


def to_oracle(m: Machine, s: tuple[Any, ...]) -> oracle.State:
    """An ioakit state of Figure 5 in the oracle's layout (processes' variables per process,
    bit masks for ``replied``, messages as ``(tag, k, k', v)``, in-flight boxes re-sorted)."""
    names = list(m.var_names)
    var = dict(zip(names, s, strict=True))
    n = len(var["up"])
    procs = tuple(
        (
            var["read"][p],
            var["write"][p],
            var["v"][p],
            var["op"][p],
            var["opk"][p],
            var["opv"][p],
            sum(1 << j for j in var["replied"][p]),
            var["nacked"][p],
            var["bestk"][p],
            var["bestv"][p],
            var["up"][p],
        )
        for p in range(n)
    )
    nets = tuple(tuple(sorted((j, _message(tag, f)) for j, (tag, f) in var["net"][q])) for q in range(n))
    return (procs, nets, var["env_ops"], var["env_crashes"])


def test_message_tags_line_up() -> None:
    """``_message`` relies on ioakit numbering the message variants in the oracle's order."""
    m = _machine(oracle.Scope(2, 1, 1, 1, 0))
    net = dict(m.variables)["net"]
    assert tuple(name for name, _ in net.val.elem.fields[1][1].variants) == oracle.TAGS


@pytest.mark.parametrize("key", list(PINNED), ids=lambda k: "p{}v{}r{}ops{}c{}".format(*k))
def test_counts_agree(key: tuple[int, int, int, int, int]) -> None:
    sc = _scope(key)
    r = Explorer(_machine(sc)).run()
    assert r.verdict is Verdict.OK and r.complete and not r.bound_hits
    h = oracle.bfs(sc)
    assert (r.states, r.transitions, r.depth, r.deadlocks) == (h.states, h.transitions, h.depth, h.deadlocks)
    assert (h.states, h.transitions, h.depth, h.deadlocks) == PINNED[key]


@pytest.mark.parametrize("key", [(2, 1, 2, 2, 1), (3, 1, 2, 1, 1)], ids=lambda k: "p{}v{}r{}ops{}c{}".format(*k))
def test_reachable_sets_agree(key: tuple[int, int, int, int, int]) -> None:
    sc = _scope(key)
    m = _machine(sc)
    mine = {to_oracle(m, s) for s in Explorer(m).reachable()}
    theirs = oracle.bfs(sc, keep=True).reachable
    assert theirs is not None
    missing, extra = theirs - mine, mine - theirs
    assert not missing and not extra, (
        f"{len(missing)} oracle states ioakit misses, e.g. {oracle.show(min(missing)) if missing else '-'}; "
        f"{len(extra)} ioakit states the oracle lacks, e.g. {oracle.show(min(extra)) if extra else '-'}"
    )


def test_random_walk_stays_in_the_reachable_states() -> None:
    sc = oracle.Scope(2, 1, 2, 2, 1)
    walk = oracle.random_walk(sc, steps=30, runs=50, seed=7)
    assert walk == oracle.random_walk(sc, steps=30, runs=50, seed=7)  # seeded: reproducible
    assert 0 < walk.distinct_states <= PINNED[(2, 1, 2, 2, 1)][0]
    sim = Explorer(_machine(sc)).simulate(steps=30, runs=50, seed=7)
    assert sim.verdict is Verdict.OK and 0 < sim.distinct_states <= PINNED[(2, 1, 2, 2, 1)][0]
