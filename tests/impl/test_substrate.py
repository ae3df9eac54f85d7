"""The message-passing substrate (``impl/net/process.py``): each network fault and process fault
does what Section 2 of *Deconstructing Paxos* says, and nothing it should not; bounds are never
silent. Checked on a model of ours (``tests/models/numbered.py``) by exhaustive exploration."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from models.numbered import Numbered

from ioakit.backends.symbolic import NoSymbolicEncoding
from ioakit.engines.explore import Explorer
from ioakit.lang import ir
from ioakit.lang.automaton import Kind
from ioakit.lang.types import SchemaError
from ioakit.results import Verdict

BASE = {"numbers": 2, "max_ops": 2, "crashes": 0}


def _states(m: Any) -> list[Any]:
    """Every reachable state (breadth first, by the compiled successors)."""
    c = m.compiled()
    seen = set(m.start_states)
    todo = list(m.start_states)
    while todo:
        s = todo.pop()
        for _, t in c.successors(s):
            if isinstance(t, tuple) and t not in seen:  # not disabled (None), not cut off (OUT_OF_BOUNDS)
                seen.add(t)
                todo.append(t)
    return list(seen)


def logs(**scope: int) -> set[tuple[int, ...]]:
    """p2's logs (message numbers, as values 1..numbers) over every reachable state."""
    m = Numbered().build({**BASE, **scope})
    i = m.var_index("got")
    return {s[i][1] for s in _states(m)}


def test_unordered_network_reorders_and_fifo_does_not() -> None:
    assert (2, 1) in logs(reorder=1)
    fifo = logs(reorder=0)
    assert (1, 2) in fifo and (2, 1) in fifo  # two emits in either order...
    m = Numbered().build({**BASE, "reorder": 0, "max_ops": 2})
    # ...but with FIFO channels p2 receives them in the order p1 sent them
    c, i, net = m.compiled(), m.var_index("got"), m.var_index("net")
    deliveries = 0
    for s in _states(m):
        for k, t in c.successors(s):
            if isinstance(t, tuple) and m.actions[k].name == "recv_NUM":
                sent_first = s[net][2][0]  # the head of channel p1 -> p2 (key (p2, p1), row-major)
                assert t[i][1][-1] == sent_first[1][0]
                deliveries += 1
    assert deliveries > 0


def test_reliable_network_neither_loses_nor_duplicates() -> None:
    m = Numbered().build(BASE)
    i, net = m.var_index("got"), m.var_index("net")
    final = [s for s in _states(m) if not any(s[net]) and s[m.var_index("env_ops")] == 2]
    assert final and all(len(s[i][1]) == 2 for s in final)  # every message sent is received once
    assert all(len(log) <= 2 for log in logs())


def test_loss_and_duplication_budgets() -> None:
    assert (1,) in {log for log in logs(loss=1, max_ops=2) if len(log) == 1}
    lossy = Numbered().build({**BASE, "loss": 1})
    i, net = lossy.var_index("got"), lossy.var_index("net")
    quiescent_logs = {s[i][1] for s in _states(lossy) if not any(s[net]) and s[lossy.var_index("env_ops")] == 2}
    assert min(len(log) for log in quiescent_logs) == 1  # one message lost, not two (the budget)
    assert (1, 1) in logs(duplication=1, max_ops=1) or (2, 2) in logs(duplication=1, max_ops=1)
    assert max(len(log) for log in logs(duplication=1, max_ops=1)) == 2  # one extra copy, not more


def test_crash_stop_drops_in_flight_messages_and_volatile_state() -> None:
    m = Numbered().build({**BASE, "crashes": 1})
    up, net, heard = m.var_index("up"), m.var_index("net"), m.var_index("heard")
    crashed = [s for s in _states(m) if not s[up][1]]
    assert crashed and all(not s[net][1] for s in crashed)  # nothing in flight to a crashed p2
    assert all(s[heard][1] == 0 for s in crashed)  # volatile memory lost
    # a crashed process handles nothing: its log never grows after the crash
    c, got = m.compiled(), m.var_index("got")
    for s in crashed:
        for _, t in c.successors(s):
            if isinstance(t, tuple):
                assert t[got][1] == s[got][1]


@pytest.mark.parametrize("stable", [1, 0])
def test_crash_recovery_with_and_without_stable_storage(stable: int) -> None:
    m = Numbered().build({**BASE, "max_ops": 1, "crashes": 1, "recoveries": 1, "stable_storage": stable})
    up, got, heard = m.var_index("up"), m.var_index("got"), m.var_index("heard")
    c = m.compiled()
    kept = lost = 0
    for s in _states(m):
        for k, t in c.successors(s):
            if isinstance(t, tuple) and m.actions[k].label == "crash(p=p2)" and s[got][1]:
                assert t[heard][1] == 0  # volatile: always lost
                if t[got][1] == s[got][1]:
                    kept += 1
                else:
                    assert t[got][1] == ()
                    lost += 1
    assert (kept > 0, lost > 0) == ((True, False) if stable else (False, True))
    # a recovered process handles messages again (the message may wait for it)
    assert any(s[up][1] and s[m.var_index("env_recoveries")] == 1 and s[got][1] for s in _states(m))


def test_capacity_overflow_is_a_bound_hit_never_a_silent_drop() -> None:
    m = Numbered().build({**BASE, "max_ops": 3, "capacity": 2})
    r = Explorer(m).run()
    assert r.verdict is Verdict.INCOMPLETE and r.bound_hits
    ok = Explorer(Numbered().build({**BASE, "max_ops": 3, "capacity": 3})).run()
    assert ok.verdict is Verdict.OK and not ok.bound_hits


def test_crash_and_recover_are_inputs_and_deliveries_internal() -> None:
    m = Numbered().build({**BASE, "crashes": 1, "recoveries": 1, "loss": 1})
    kinds = {f.name: f.kind for f in m.families}
    assert kinds["crash"] is Kind.INPUT and kinds["recover"] is Kind.INPUT
    assert kinds["recv_NUM"] is Kind.INTERNAL and kinds["lose"] is Kind.INTERNAL
    assert {"env_ops", "env_crashes", "net_lost"} <= m.hidden_vars


def test_same_seed_same_simulated_run() -> None:
    m = Numbered().build({**BASE, "max_ops": 6, "numbers": 3, "capacity": 6, "loss": 2, "duplication": 2})
    a = Explorer(m).simulate(steps=50, runs=5, seed=11, keep_executions=True)
    b = Explorer(m).simulate(steps=50, runs=5, seed=11, keep_executions=True)
    assert [e.events() for e in a.executions] == [e.events() for e in b.executions]
    c = Explorer(m).simulate(steps=50, runs=5, seed=12, keep_executions=True)
    assert [e.events() for e in a.executions] != [e.events() for e in c.executions]


def test_substrate_models_have_no_z3_encoding_yet_and_say_so() -> None:
    from ioakit.engines.explore import Property
    from ioakit.engines.prove import Prover

    m = Numbered().build(BASE)
    p2 = ir.const(m.decl.types["P"], 1)
    prop = Property("heard is never negative", m.predicate(lambda s: s.heard[p2] >= 0))
    with pytest.raises(NoSymbolicEncoding, match="insert_sorted"):
        Prover(m).bmc([prop], depth=2)


def test_definition_errors_name_the_problem() -> None:
    class NoHandler(Numbered):
        name = "no-handler"
        MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {"NUM": ("n",), "ACK": ("n",)}

    with pytest.raises(SchemaError, match="no handler on_ACK"):
        NoHandler().families()

    class Reserved(Numbered):
        name = "reserved"
        MESSAGES: ClassVar[dict[str, tuple[str, ...]]] = {"NUM": ("q",)}

    with pytest.raises(SchemaError, match="reserves"):
        Reserved().build(BASE)
