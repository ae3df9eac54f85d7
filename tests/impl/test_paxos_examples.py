"""The example executions of *Deconstructing Paxos* (Boichat, Dutta, Frølund, Guerraoui), replayed
as scripted runs (``impl/net/script.py``) on the paper's algorithms (Figures 5, 6, 7), each checked
twice: the outcomes the paper describes, and the history checker of Section 3's properties.

X, Y, Z are v1, v2, v3.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest

import ioakit.specs.paxos  # noqa: F401  (registers the paxos machines; resolves the import order)
from ioakit.impl.net.script import ScriptError, ScriptRun, complete, deliver, deliver_all, enabled, run_script
from ioakit.lang.automaton import Machine
from ioakit.registry import get_spec
from ioakit.results import Verdict
from ioakit.traces.format import Event
from ioakit.traces.paxos.histories import (
    check_consensus_history,
    check_leader_history,
    check_register_history,
)


def build(name: str, **scope: int) -> Machine:
    return get_spec(name).build(scope)


def outputs(run: ScriptRun) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, dict(e.args)) for e in run.returns()]


def all_hold(result: Any) -> None:
    assert result.verdict is Verdict.OK, result.explanation
    assert all(p.verdict is Verdict.OK for p in result.properties), [(p.name, p.explanation) for p in result.properties]


# -- Figure 1: the round-based register ------------------------------------------------------------

FIG1_SCOPE = dict(processes=3, values=2, rounds=4, max_ops=5, crashes=0)
"""n = 3; rounds 1..4 (the figure uses 1, 2, 3 and our later read uses 4); five operations."""

FIG1_PREFIX = [
    "write(p=p1,k=1,v=v1)",  # p1 invokes write(1, X) before any other operation
    complete("p1"),
    "read(p=p2,k=2)",  # later, p2 invokes read(2); its majority is {p2, p3}
    complete("p2", via=["p2", "p3"]),
    "write(p=p3,k=1,v=v2)",  # later, p3 invokes write(1, Y)
]


def test_figure1_register_example() -> None:
    """Figure 1 (Section 3.1): write(1, X) commits; read(2) commits with X; write(1, Y) aborts
    "because p2 has invoked read(2)", the value remaining X; write(3, Y) commits and the value is Y,
    which a later read(4) returns (Write-commit). All four register properties hold."""
    m = build("round-based-register-fig5", **FIG1_SCOPE)
    run = run_script(
        m,
        [
            *FIG1_PREFIX,
            complete("p3"),
            "write(p=p3,k=3,v=v2)",
            complete("p3"),
            "read(p=p1,k=4)",
            complete("p1"),
        ],
    )
    assert outputs(run) == [
        ("write-return", {"p": "p1", "status": "commit"}),
        ("read-return", {"p": "p2", "status": "commit", "v": "v1"}),
        ("write-return", {"p": "p3", "status": "abort"}),
        ("write-return", {"p": "p3", "status": "commit"}),
        ("read-return", {"p": "p1", "status": "commit", "v": "v2"}),
    ]
    all_hold(check_register_history(run.history))


def test_figure1_write_1_Y_cannot_commit() -> None:
    """Why p3's write(1, Y) aborts in every continuation: any majority answering its WRITE(1) meets
    p2's read majority {p2, p3}, where read_i = 2 > 1 (line 27 refuses). Every run from p3's
    invocation, with no further invocation, is explored: none has write(1, Y) commit, and the one
    way it returns is abort."""
    m = build("round-based-register-fig5", **FIG1_SCOPE)
    run = run_script(m, FIG1_PREFIX)
    assert run.value("read") == {"p1": 0, "p2": 2, "p3": 2}
    seen = {run.final}
    todo = deque([run.final])
    returns: set[str] = set()
    while todo:
        s = todo.popleft()
        for k, ns in enabled(m, s):
            if m.actions[k].kind.value == "input":
                continue  # no further invocation (and no crash: the scope has none)
            label = m.label_of(k, s)
            if label.startswith("write_return(p=p3"):
                returns.add(label)
                continue
            if ns not in seen:
                seen.add(ns)
                todo.append(ns)
    assert returns == {"write_return(p=p3,status=abort)"}
    assert len(seen) > 10  # the search did explore the interleavings of the six replies


# -- Figure 2: round-based consensus ---------------------------------------------------------------

FIG2_SCOPE = dict(processes=3, values=3, rounds=4, max_ops=4, crashes=0)


def test_figure2_consensus_example() -> None:
    """Figure 2 (Section 3.2), rounds respecting uniqueness (p1: 1 and 4, p2: 2, p3: 3): p2 commits Y
    in round 2; p1 aborts round 1 (returning its own X); p1's propose(4, X) commits — with Y, the
    value its read returns, not its proposal X (the figure shows only the invocation); p3 aborts
    round 3 (returning Z). Validity, Agreement, Termination hold, and round uniqueness is respected."""
    m = build("round-based-consensus-fig6", **FIG2_SCOPE)
    run = run_script(
        m,
        [
            "propose(p=p2,k=2,v=v2)",
            complete("p2"),
            "propose(p=p1,k=1,v=v1)",
            complete("p1"),
            "propose(p=p1,k=4,v=v1)",
            complete("p1"),
            "propose(p=p3,k=3,v=v3)",
            complete("p3"),
        ],
    )
    assert outputs(run) == [
        ("propose-return", {"p": "p2", "status": "commit", "v": "v2"}),
        ("propose-return", {"p": "p1", "status": "abort", "v": "v1"}),
        ("propose-return", {"p": "p1", "status": "commit", "v": "v2"}),
        ("propose-return", {"p": "p3", "status": "abort", "v": "v3"}),
    ]
    # p1's write of round 4 carried Y (line 5: the read's value, not init_1)
    assert "recv_WRITE(q=p1,j=p1,k=4,v=v2)[slot=1]" in run.labels
    result = check_consensus_history(run.history, scope={"processes": 3})
    all_hold(result)
    assert result.decision == "v2"
    assert result.get("Round-number uniqueness").verdict is Verdict.OK


def test_figure2_uniqueness_is_enforced() -> None:
    """The environment of Figure 6 cannot propose a round twice, nor p1 a round ≢ 1 mod 3."""
    m = build("round-based-consensus-fig6", **FIG2_SCOPE)
    with pytest.raises(ScriptError, match="no enabled step"):
        run_script(m, ["propose(p=p1,k=2,v=v1)"])
    with pytest.raises(ScriptError, match="no enabled step"):
        run_script(m, ["propose(p=p1,k=1,v=v1)", complete("p1"), "propose(p=p1,k=1,v=v1)"])


# -- Footnote 15: the same round at two processes --------------------------------------------------


def test_footnote15_shared_rounds_violate_agreement() -> None:
    """Footnote 15, on Figure 6 without round uniqueness: p1 proposes (1, X) and p2 proposes (1, Y);
    both READ(1)s reach {p1, p2} before either WRITE, so both reads return ⊥; each then writes its
    own value in round 1, accepted by {p1, p2} (1 is not > 1), and both commit: the history checker
    finds Agreement VIOLATED, and reports round uniqueness failed (the environment's fault)."""
    m = build("round-based-consensus-fig6-shared-rounds", processes=3, values=3, rounds=1, max_ops=2, crashes=0)
    run = run_script(
        m,
        [
            "propose(p=p1,k=1,v=v1)",
            "propose(p=p2,k=1,v=v2)",
            "recv_READ(q=p1,j=p1",
            "recv_READ(q=p2,j=p1",
            "recv_READ(q=p1,j=p2",
            "recv_READ(q=p2,j=p2",
            complete("p1", via=["p1", "p2"]),
            complete("p2", via=["p1", "p2"]),
        ],
    )
    assert "recv_ackREAD(q=p2,j=p1,k=1,kp=0,v=⊥)[slot=1]" in run.labels  # p2's read sees ⊥ ...
    assert outputs(run) == [
        ("propose-return", {"p": "p1", "status": "commit", "v": "v1"}),
        ("propose-return", {"p": "p2", "status": "commit", "v": "v2"}),
    ]
    result = check_consensus_history(run.history, scope={"processes": 3})
    assert result.verdict is Verdict.VIOLATED
    assert result.failed_property == "Agreement"
    assert result.get("Round-number uniqueness").verdict is Verdict.VIOLATED
    assert result.get("Validity").verdict is Verdict.OK


def test_footnote15_run_is_impossible_with_uniqueness() -> None:
    """The same script on Figure 6 as printed stops at p2's propose(1, ·): uniqueness forbids it."""
    m = build("round-based-consensus-fig6", processes=3, values=3, rounds=1, max_ops=2, crashes=0)
    with pytest.raises(ScriptError, match=r"propose\(p=p2,k=1,v=v2\)"):
        run_script(m, ["propose(p=p1,k=1,v=v1)", "propose(p=p2,k=1,v=v2)"])


# -- Figure 3: weak leader election ----------------------------------------------------------------


def leader(p: str) -> list[str]:
    """p invokes leader() and it returns (Figure 7 does not wait)."""
    return [f"leader(p={p})", f"leader_return(p={p}"]


def test_figure3_leader_example() -> None:
    """Figure 3 (Section 3.3): every process elects p1; p1 crashes; eventually every process elects
    p2 (Ω stabilizes on p2), and every leader() after that returns p2. On Figure 7 with Ω as one
    trusted process; the leader history checker finds p2 an eventual perpetual leader."""
    m = build("weak-leader-election-fig7-single", processes=3, max_ops=9, crashes=1)
    run = run_script(
        m,
        [
            *(f"omega(p={p},first=p1,D={{p1}})" for p in ("p1", "p2", "p3")),
            *leader("p1"),
            *leader("p2"),
            *leader("p3"),
            *leader("p2"),
            "crash(p=p1)",
            *leader("p3"),  # Ω at p3 has not noticed yet: p3 still elects p1
            "omega(p=p2,first=p2,D={p2})",
            "omega(p=p3,first=p2,D={p2})",
            "stabilize(l=p2)",
            *leader("p2"),
            *leader("p3"),
            *leader("p3"),
            *leader("p2"),
        ],
    )
    elected = [(e.args["p"], e.args["l"]) for e in run.returns()]
    assert elected == [("p1", "p1"), ("p2", "p1"), ("p3", "p1"), ("p2", "p1"), ("p3", "p1")] + [
        ("p2", "p2"),
        ("p3", "p2"),
        ("p3", "p2"),
        ("p2", "p2"),
    ]
    assert Event("crash", "input", {"p": "p1"}) in run.history
    result = check_leader_history(run.history, scope={"processes": 3})
    all_hold(result)
    assert result.leader == "p2"


# -- Figure 8: the leader election part of the TO-broadcast execution schemes ----------------------


@pytest.mark.parametrize("scheme", ["c", "d"])
def test_figure8_leader_election(scheme: str) -> None:
    """Figure 8 (Section 4.4), schemes (c) and (d), leader election only, n = 5, p4 the eventual
    perpetual leader, on Figure 7 with Ω as printed (a list of trusted processes).

    Reproduced: (c) p1's Ω trusts p3 first (the list ⟨p3, p4⟩), so p1 elects p3, while p3's Ω
    trusts p4 and p3 does not elect itself; later p1 elects p4, which elects itself, and after Ω
    stabilizes on p4 every leader() returns p4. (d) p1 elects p3 (which does not elect itself),
    then p2, which elects itself, and finally p4 as in (c).
    Not reproduced: everything of Figure 9 — p1's TO-Broadcast of m and its sending m to the
    elected process, the consensus instances (p2's propose(2, m) that aborts, p4's propose(4, m)
    that commits), the DECISION messages and TO-Deliver; Figure 9 is not built."""
    m = build("weak-leader-election-fig7", processes=5, max_ops=12, crashes=0)
    steps: list[str] = [
        "omega(p=p1,first=p3,D={p3, p4})",
        "omega(p=p3,first=p4,D={p4})",
        *leader("p1"),
        *leader("p3"),
    ]
    expected = [("p1", "p3"), ("p3", "p4")]
    if scheme == "d":
        steps += ["omega(p=p1,first=p2,D={p2, p4})", "omega(p=p2,first=p2,D={p2})", *leader("p1"), *leader("p2")]
        expected += [("p1", "p2"), ("p2", "p2")]
    steps += [
        *(f"omega(p={p},first=p4,D={{p4}})" for p in ("p1", "p2", "p4", "p5")),
        *leader("p1"),
        *leader("p4"),
        "stabilize(l=p4)",
        *(x for p in ("p1", "p2", "p3", "p4", "p5") for x in leader(p)),
    ]
    expected += [("p1", "p4"), ("p4", "p4")] + [(p, "p4") for p in ("p1", "p2", "p3", "p4", "p5")]
    run = run_script(m, steps)
    assert [(e.args["p"], e.args["l"]) for e in run.returns()] == expected
    result = check_leader_history(run.history, scope={"processes": 5})
    all_hold(result)
    assert result.leader == "p4"


def test_script_error_lists_enabled_steps() -> None:
    """A step that matches nothing names itself and lists what was enabled."""
    m = build("round-based-register-fig5", **FIG1_SCOPE)
    with pytest.raises(ScriptError) as info:
        run_script(m, ["write(p=p1,k=1,v=v1)", "recv_WRITE(q=p2,j=p3"])
    text = str(info.value)
    assert "script step 2 'recv_WRITE(q=p2,j=p3'" in text
    assert "recv_WRITE(q=p2,j=p1,k=1,v=v1)[slot=1]" in text
    with pytest.raises(ScriptError, match="distinct successors"):
        run_script(m, ["write(p=p1,k=1,v=v1)", "recv_WRITE("])


def test_deliver_helpers() -> None:
    """``deliver`` takes one message by receiver, sender, type and fields; ``deliver_all`` empties a
    process's in-flight messages, including the replies its own handlers send to itself."""
    m = build("round-based-register-fig5", **FIG1_SCOPE)
    run = run_script(
        m,
        [
            "write(p=p1,k=1,v=v1)",
            deliver("p2", "p1", "WRITE", k=1, v="v1"),
            deliver_all("p1"),
            "write_return(p=p1",
        ],
    )
    assert run.labels[1:5] == [
        "recv_WRITE(q=p2,j=p1,k=1,v=v1)[slot=1]",
        "recv_WRITE(q=p1,j=p1,k=1,v=v1)[slot=1]",
        "recv_ackWRITE(q=p1,j=p1,k=1)[slot=1]",  # p1's reply to itself, sent meanwhile
        "recv_ackWRITE(q=p1,j=p2,k=1)[slot=1]",
    ]
    assert outputs(run) == [("write-return", {"p": "p1", "status": "commit"})]
    assert run.value("net")["p1"] == [] and len(run.value("net")["p3"]) == 1  # p3's WRITE still in flight
    with pytest.raises(ScriptError, match="no such message"):
        run_script(m, ["write(p=p1,k=1,v=v1)", deliver("p2", "p3")])
