"""The Deconstructing Paxos history checkers (Sections 3.1-3.3): each property true and false on
small histories (verdict and witness indices), the paper's Figures 1-3, malformed input located by
line, the CLI's exit statuses, and a comparison with brute-force readings of the definitions."""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ioakit.cli import main
from ioakit.results import Verdict
from ioakit.traces.format import Event, TraceFormatError, loads_trace
from ioakit.traces.paxos.histories import (
    check_consensus_history,
    check_leader_history,
    check_register_history,
)
from ioakit.traces.paxos.operations import history_operations

EXAMPLES = Path(__file__).resolve().parents[2] / "traces" / "examples"


def inv(action: str, p: str, k: int | None = None, v: str | None = None) -> Event:
    args: dict[str, Any] = {"p": p}
    if k is not None:
        args["k"] = k
    if v is not None:
        args["v"] = v
    return Event(action, "input", args)


def ret(action: str, p: str, status: str, v: Any = "absent") -> Event:
    args: dict[str, Any] = {"p": p, "status": status}
    if v != "absent":
        args["v"] = v
    return Event(f"{action}-return", "output", args)


def crash(p: str) -> Event:
    return Event("crash", "input", {"p": p})


def recover(p: str) -> Event:
    return Event("recover", "input", {"p": p})


def leader(p: str) -> Event:
    return Event("leader", "input", {"p": p})


def elects(p: str, l: str) -> Event:
    return Event("leader-return", "output", {"p": p, "l": l})


def stabilize(l: str) -> Event:
    return Event("stabilize", "input", {"l": l})


def prop(result: Any, name: str) -> tuple[Verdict, int | None, tuple[int, ...]]:
    r = result.get(name)
    return r.verdict, r.event_index, r.witnesses


OK = (Verdict.OK, None, ())

# Figure 1 (X = v1, Y = v2).
FIGURE_1 = [
    inv("write", "p1", 1, "v1"),
    ret("write", "p1", "commit"),
    inv("read", "p2", 2),
    ret("read", "p2", "commit", "v1"),
    inv("write", "p3", 1, "v2"),
    ret("write", "p3", "abort"),
    inv("write", "p3", 3, "v2"),
    ret("write", "p3", "commit"),
]


# -- round-based register (Section 3.1) --------------------------------------------------------


def test_figure_1_holds():
    r = check_register_history(FIGURE_1)
    assert r.verdict is Verdict.OK and r.holds
    assert [o.describe() for o in r.operations] == [
        "write(1, v1) by p1",
        "read(2) by p2",
        "write(1, v2) by p3",
        "write(3, v2) by p3",
    ]
    assert [(o.inv, o.res, o.status, o.rv) for o in r.operations][1] == (2, 3, "commit", "v1")


def test_read_write_abort():
    # p2's read(2) is invoked before p1's write(1) aborts: justified
    good = [inv("write", "p1", 1, "v1"), inv("read", "p2", 2), ret("write", "p1", "abort")]
    assert prop(check_register_history(good), "Read-write-abort") == OK
    # an abort with nothing higher invoked
    bad = [inv("read", "p1", 2), ret("read", "p1", "abort", None)]
    assert prop(check_register_history(bad), "Read-write-abort") == (Verdict.VIOLATED, 1, (0, 1))
    # "was invoked" means before the response: a higher round invoked later does not justify it
    late = [*bad, inv("write", "p2", 3, "v1")]
    assert prop(check_register_history(late), "Read-write-abort") == (Verdict.VIOLATED, 1, (0, 1))
    # equal rounds do not justify an abort
    equal = [inv("read", "p2", 2), inv("read", "p1", 2), ret("read", "p1", "abort", None)]
    assert prop(check_register_history(equal), "Read-write-abort") == (Verdict.VIOLATED, 2, (1, 2))


def test_read_write_commit():
    # Figure 1 with p3's write(1, v2) committing after read(2) committed
    bad = [*FIGURE_1[:5], ret("write", "p3", "commit")]
    r = check_register_history(bad)
    assert prop(r, "Read-write-commit") == (Verdict.VIOLATED, 5, (3, 4, 5))
    assert "write(1, v2) by p3" in r.get("Read-write-commit").explanation
    assert "read(2) by p2 committed at event 3 (line 5)" in r.get("Read-write-commit").explanation
    # concurrent: write(1) invoked before read(2) returned may commit; equal rounds may commit
    ok = [
        inv("write", "p3", 1, "v2"),
        inv("read", "p2", 2),
        ret("read", "p2", "commit", None),
        ret("write", "p3", "commit"),
        inv("write", "p2", 2, "v1"),
        ret("write", "p2", "commit"),
    ]
    assert prop(check_register_history(ok), "Read-write-commit") == OK


def test_read_commit():
    # footnote 10: the value of an aborted write may be read
    ok = [
        inv("write", "p1", 1, "v1"),
        inv("read", "p3", 3),
        ret("write", "p1", "abort"),
        inv("read", "p2", 2),
        ret("read", "p2", "commit", "v1"),
        ret("read", "p3", "commit", None),  # ⊥ needs no write
    ]
    assert prop(check_register_history(ok), "Read-commit") == OK
    never = [inv("read", "p2", 2), ret("read", "p2", "commit", "v1")]
    assert prop(check_register_history(never), "Read-commit") == (Verdict.VIOLATED, 1, (0, 1))
    higher = [inv("write", "p1", 3, "v1"), inv("read", "p2", 2), ret("read", "p2", "commit", "v1")]
    r = check_register_history(higher)
    assert prop(r, "Read-commit") == (Verdict.VIOLATED, 2, (1, 2))
    assert "only in rounds > 2" in r.get("Read-commit").explanation
    # the write must be invoked before the read's response
    late = [inv("read", "p2", 2), ret("read", "p2", "commit", "v1"), inv("write", "p1", 1, "v1")]
    assert prop(check_register_history(late), "Read-commit") == (Verdict.VIOLATED, 1, (0, 1))


def test_write_commit():
    # overwritten: a subsequent write(2, ·) is invoked (and aborts), so read(3) may return v2
    ok = [
        inv("write", "p1", 1, "v1"),
        ret("write", "p1", "commit"),
        inv("write", "p2", 2, "v2"),
        ret("write", "p2", "abort"),
        inv("read", "p3", 3),
        ret("read", "p3", "commit", "v2"),
    ]
    assert prop(check_register_history(ok), "Write-commit") == OK
    # p2's write(2, v2) is concurrent with p1's write(1, v1), not subsequent: read(3) must return v1
    bad = [
        inv("write", "p2", 2, "v2"),
        inv("write", "p1", 1, "v1"),
        ret("write", "p1", "commit"),
        inv("read", "p3", 3),
        ret("read", "p3", "commit", "v2"),
    ]
    r = check_register_history(bad)
    assert prop(r, "Write-commit") == (Verdict.VIOLATED, 4, (2, 4))
    assert "whole recorded run" in r.get("Write-commit").explanation
    assert "whole recorded run" in r.get("Write-commit").note


def test_write_commit_as_printed_fails_on_a_figure_5_history():
    """A history Figure 5 (Section 4.1) can produce, judged VIOLATED by Write-commit as printed.

    Acceptors a, b, c. p2 invokes write(2, v2); its WRITE reaches only a (write_a = 2), then p2
    crashes. p1's write(1, v1) is nacked by a (2 > 1) but acked by b and c first: it commits. p3's
    read(3) is acked by a with (2, v2) and by b with (1, v1) and returns the value of the highest
    write timestamp, v2. The only write with k' ≥ 1 besides p1's was invoked *before* p1's write
    returned, so it is not subsequent (footnote 8) and the premise holds; yet read(3) > 1 commits
    v2. (Lemma 5's proof reads the premise as "no write(k', ·) with k' ≥ k has been invoked", with
    no "subsequent"; the checker keeps the property as printed.)"""
    h = [
        inv("write", "p2", 2, "v2"),
        inv("write", "p1", 1, "v1"),
        crash("p2"),
        ret("write", "p1", "commit"),
        inv("read", "p3", 3),
        ret("read", "p3", "commit", "v2"),
    ]
    r = check_register_history(h)
    assert prop(r, "Write-commit") == (Verdict.VIOLATED, 5, (3, 5))
    others = ("Read-write-abort", "Read-write-commit", "Read-commit", "Write-commit (no other write)")
    assert all(r.get(name).verdict is Verdict.OK for name in others)


def test_write_commit_no_other_is_violated_when_no_other_write_exists():
    # the variant's premise holds (p1's write is the only one), so a higher read of ⊥ violates it
    h = [
        inv("write", "p1", 1, "v1"),
        ret("write", "p1", "commit"),
        inv("read", "p3", 2),
        ret("read", "p3", "commit", None),
    ]
    r = check_register_history(h)
    assert prop(r, "Write-commit (no other write)") == (Verdict.VIOLATED, 3, (1, 3))
    assert prop(r, "Write-commit") == (Verdict.VIOLATED, 3, (1, 3))
    # another write of a round >= 1 anywhere in the run (even before) lifts the variant's premise
    earlier = [inv("write", "p2", 1, "v2"), crash("p2"), *h]
    shifted = check_register_history(earlier)
    assert shifted.get("Write-commit (no other write)").verdict is Verdict.OK


def test_write_commit_concerns_any_read_not_only_subsequent_ones():
    # "any read(k'') that commits": a read(2) that committed ⊥ before write(1, v1) was invoked counts
    h = [
        inv("read", "p2", 2),
        ret("read", "p2", "commit", None),
        inv("write", "p1", 1, "v1"),
        ret("write", "p1", "commit"),
    ]
    assert prop(check_register_history(h), "Write-commit") == (Verdict.VIOLATED, 3, (1, 3))


def test_write_commit_is_judged_over_the_whole_run():
    prefix = [
        inv("write", "p1", 1, "v1"),
        ret("write", "p1", "commit"),
        inv("read", "p3", 3),
        ret("read", "p3", "commit", "v2"),
    ]
    assert prop(check_register_history(prefix), "Write-commit") == (Verdict.VIOLATED, 3, (1, 3))
    # the same run recorded longer: a later write(2, v2) anywhere in the run makes the premise false
    whole = [*prefix, inv("write", "p2", 2, "v2")]
    assert prop(check_register_history(whole), "Write-commit") == OK


# -- round-based consensus (Section 3.2) -------------------------------------------------------

FIGURE_2 = [
    inv("propose", "p2", 2, "v2"),
    ret("propose", "p2", "commit", "v2"),
    inv("propose", "p1", 1, "v1"),
    ret("propose", "p1", "abort", "v1"),
    inv("propose", "p1", 4, "v1"),
    ret("propose", "p1", "commit", "v2"),
    inv("propose", "p3", 3, "v3"),
    ret("propose", "p3", "abort", "v3"),
]


def test_figure_2_holds():
    r = check_consensus_history(FIGURE_2, scope={"processes": 3})
    assert r.verdict is Verdict.OK and r.decision == "v2"
    assert r.get("Round-number uniqueness").verdict is Verdict.OK


def test_validity():
    never = [inv("propose", "p1", 1, "v1"), ret("propose", "p1", "commit", "v2")]
    assert prop(check_consensus_history(never), "Validity") == (Verdict.VIOLATED, 1, (0, 1))
    late = [
        inv("propose", "p1", 1, "v1"),
        ret("propose", "p1", "commit", "v2"),
        inv("propose", "p2", 2, "v2"),
    ]
    assert prop(check_consensus_history(late), "Validity") == (Verdict.VIOLATED, 1, (0, 1))
    other = [inv("propose", "p2", 2, "v2"), inv("propose", "p1", 1, "v1"), ret("propose", "p1", "commit", "v2")]
    assert prop(check_consensus_history(other), "Validity") == OK


def test_agreement_footnote_15_and_the_same_process_twice():
    fn15 = [
        inv("propose", "p1", 1, "v1"),
        inv("propose", "p2", 1, "v2"),
        ret("propose", "p1", "commit", "v1"),
        ret("propose", "p2", "commit", "v2"),
    ]
    r = check_consensus_history(fn15, scope={"processes": 3})
    assert prop(r, "Agreement") == (Verdict.VIOLATED, 3, (2, 3))
    assert r.verdict is Verdict.VIOLATED and r.failed_property == "Agreement"
    twice = [
        inv("propose", "p1", 1, "v1"),
        ret("propose", "p1", "commit", "v1"),
        inv("propose", "p1", 4, "v2"),
        ret("propose", "p1", "commit", "v2"),
    ]
    r = check_consensus_history(twice)
    assert prop(r, "Agreement") == (Verdict.VIOLATED, 3, (1, 3))
    assert "the same process deciding twice" in r.get("Agreement").explanation


def test_termination():
    t1 = [inv("propose", "p1", 1, "v1"), ret("propose", "p1", "abort", "v1")]
    assert prop(check_consensus_history(t1), "Termination (1)") == (Verdict.VIOLATED, 1, (0, 1))
    # Figure 2 with p1's propose(1, v1) committing after p2 committed round 2
    t2 = [*FIGURE_2[:3], ret("propose", "p1", "commit", "v2")]
    assert prop(check_consensus_history(t2), "Termination (2)") == (Verdict.VIOLATED, 3, (1, 2, 3))
    assert prop(check_consensus_history(FIGURE_2), "Termination (1)") == OK
    assert prop(check_consensus_history(FIGURE_2), "Termination (2)") == OK


def test_round_uniqueness_is_an_assumption_outside_the_verdict():
    h = [inv("propose", "p1", 2, "v1"), ret("propose", "p1", "commit", "v1")]
    r = check_consensus_history(h, scope={"processes": 3})
    assert r.verdict is Verdict.OK
    assert prop(r, "Round-number uniqueness") == (Verdict.VIOLATED, 0, (0,))
    # without the scope, n is the highest process index named: p1 alone gives n = 1, any round is fine
    assert check_consensus_history(h).get("Round-number uniqueness").verdict is Verdict.OK
    named = check_consensus_history([inv("propose", "a", 1, "v1")])
    assert named.get("Round-number uniqueness").verdict is Verdict.UNKNOWN and named.verdict is Verdict.OK


# -- weak leader election (Section 3.3) --------------------------------------------------------

FIGURE_3 = [
    *(e for p in ("p1", "p2", "p3") for e in (leader(p), elects(p, "p1"))),
    crash("p1"),
    stabilize("p2"),
    *(e for p in ("p2", "p3", "p2") for e in (leader(p), elects(p, "p2"))),
]


def test_figure_3_holds():
    r = check_leader_history(FIGURE_3, scope={"processes": 3})
    assert r.verdict is Verdict.OK and r.leader == "p2" and r.stabilization == 7


def test_two_leaders_after_stabilization():
    h = [*FIGURE_3[:8], leader("p2"), elects("p2", "p2"), leader("p3"), elects("p3", "p1")]
    r = check_leader_history(h)
    assert prop(r, "Eventual perpetual leader") == (Verdict.VIOLATED, 11, (7, 9, 11))


def test_the_leader_must_be_correct():
    crashes_later = [stabilize("p2"), leader("p3"), elects("p3", "p2"), crash("p2")]
    assert prop(check_leader_history(crashes_later), "Eventual perpetual leader") == (Verdict.VIOLATED, 3, (0, 3))
    down = [crash("p2"), stabilize("p3"), leader("p3"), elects("p3", "p2")]
    assert prop(check_leader_history(down), "Eventual perpetual leader") == (Verdict.VIOLATED, 1, (0, 1))
    outside = [stabilize("p4"), leader("p1"), elects("p1", "p4")]
    assert prop(check_leader_history(outside, scope={"processes": 3}), "Eventual perpetual leader")[0] is (
        Verdict.VIOLATED
    )
    # a recovered process is up at the end: correct on the finite run
    recovered = [crash("p2"), stabilize("p2"), recover("p2"), leader("p3"), elects("p3", "p2")]
    assert check_leader_history(recovered).leader == "p2"


def test_only_invocations_after_stabilization_count():
    # p3's leader() invoked before the marker may return p1 after it
    h = [leader("p3"), stabilize("p2"), elects("p3", "p1"), leader("p2"), elects("p2", "p2")]
    r = check_leader_history(h)
    assert r.verdict is Verdict.OK and r.leader == "p2"


def test_no_stabilization_is_not_judged():
    r = check_leader_history(FIGURE_3[:6])
    assert r.verdict is Verdict.UNKNOWN and not r.holds
    p = r.get("Eventual perpetual leader")
    assert p.verdict is Verdict.UNKNOWN and "eventually" in p.explanation and p.event_index is None


def test_vacuous_leader_is_any_correct_process():
    h = [crash("p2"), stabilize("p2"), leader("p1")]  # no return after the marker; p1 is up
    r = check_leader_history(h)
    assert r.verdict is Verdict.OK and r.leader == "p1"
    assert "p2" in r.get("Eventual perpetual leader").note


# -- well-formedness ---------------------------------------------------------------------------

HEAD = '{"format": "ioakit-trace", "version": 1, "automaton": "%s", "scope": {}}\n'


def lines(*events: str) -> str:
    return "".join(e + "\n" for e in events)


W1 = '{"action": "write", "kind": "input", "args": {"p": "p1", "k": 1, "v": "v1"}}'
WR = '{"action": "write-return", "kind": "output", "args": {"p": "p1", "status": "commit"}}'
SEND = '{"action": "send", "kind": "internal", "args": {"m": "x"}}'
RR = '{"action": "read-return", "kind": "output", "args": {"p": "p1", "status": "abort", "v": null}}'


@pytest.mark.parametrize(
    ("events", "line", "words"),
    [
        (['{"action": "propose", "kind": "input", "args": {"p": "p1", "k": 1, "v": "v1"}}'], 2, "unknown external"),
        (['{"action": "write", "kind": "output", "args": {"p": "p1", "k": 1, "v": "v1"}}'], 2, "input action"),
        (['{"action": "write", "kind": "input", "args": {"p": "p1", "k": 1}}'], 2, 'missing argument "v"'),
        (['{"action": "read", "kind": "input", "args": {"p": "p1", "k": 0}}'], 2, '"k" must be'),
        (['{"action": "read", "kind": "input", "args": {"p": "p1", "k": "2"}}'], 2, '"k" must be'),
        (['{"action": "read", "kind": "input", "args": {"p": "p1", "k": true}}'], 2, '"k" must be'),
        ([SEND, W1, '{"action": "write-return", "kind": "output", "args": {"p": "p1", "status": "ok"}}'], 4, "status"),
        ([SEND, WR], 3, "no pending write"),
        ([W1, RR], 3, "pending"),
        ([W1, SEND, '{"action": "read", "kind": "input", "args": {"p": "p1", "k": 2}}'], 4, "one operation at a time"),
        ([W1, '{"action": "crash", "kind": "input", "args": {"p": "p1"}}', WR], 4, "crashed at event 1 (line 3)"),
        (['{"action": "crash", "kind": "input", "args": {"p": "p1"}}'] * 2, 3, "crashed"),
        (['{"action": "recover", "kind": "input", "args": {"p": "p1"}}'], 2, "not crashed"),
    ],
)
def test_malformed_register_histories_are_located(events, line, words):
    _, evs = loads_trace(HEAD % "round-based-register" + lines(*events), "h.jsonl")
    with pytest.raises(TraceFormatError) as err:
        check_register_history(evs, path="h.jsonl")
    assert err.value.line == line and words in err.value.message, err.value.message
    assert str(err.value).startswith(f"h.jsonl:{line}:")


def test_malformed_leader_and_consensus_histories():
    bad_l = '{"action": "leader-return", "kind": "output", "args": {"p": "p1", "l": 3}}'
    with pytest.raises(TraceFormatError) as err:
        check_leader_history(loads_trace(HEAD % "weak-leader-election" + lines(bad_l))[1])
    assert err.value.line == 2 and "no pending" not in err.value.message and '"l"' in err.value.message
    no_l = '{"action": "stabilize", "kind": "input", "args": {}}'
    with pytest.raises(TraceFormatError, match='missing argument "l"'):
        check_leader_history(loads_trace(HEAD % "weak-leader-election" + lines(no_l))[1])
    read = '{"action": "read", "kind": "input", "args": {"p": "p1", "k": 1}}'
    with pytest.raises(TraceFormatError, match="unknown external action 'read'"):
        check_consensus_history(loads_trace(HEAD % "round-based-consensus" + lines(read))[1])


def test_internal_events_are_skipped_and_underscores_accepted():
    text = lines(
        '{"action": "read", "kind": "internal", "args": {"anything": 1}}',
        '{"action": "propose", "kind": "input", "args": {"p": "p1", "k": 1, "v": "v1"}}',
        '{"action": "send", "kind": "internal", "args": {"m": ["READ", 1]}}',
        '{"action": "propose_return", "kind": "output", "args": {"p": "p1", "status": "commit", "v": "v1"}}',
    )
    ops = history_operations(loads_trace(HEAD % "round-based-consensus" + text)[1], "round-based-consensus")
    assert [(o.name, o.inv, o.res, o.rv) for o in ops] == [("propose", 1, 3, "v1")]


def test_a_crash_abandons_the_pending_operation():
    ops = history_operations([inv("write", "p1", 1, "v1"), crash("p1"), recover("p1"), inv("read", "p1", 2)])
    assert [(o.name, o.res, o.crashed) for o in ops] == [("write", None, 1), ("read", None, None)]


# -- command line ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, automaton: str, events: list[Event], name: str = "h.jsonl") -> Path:
    f = tmp_path / name
    head = {"format": "ioakit-trace", "version": 1, "automaton": automaton, "scope": {"processes": 3}}
    f.write_text(json.dumps(head) + "\n" + "".join(json.dumps(e.to_json_object()) + "\n" for e in events))
    return f


def test_cli_exit_statuses(tmp_path, capsys):
    code, out, _ = run(capsys, "trace", str(write(tmp_path, "round-based-register", FIGURE_1)))
    assert code == 0 and "Write-commit" in out and "whole recorded run" in out
    bad = [*FIGURE_1[:5], ret("write", "p3", "commit")]
    code, out, _ = run(capsys, "trace", str(write(tmp_path, "round-based-register", bad, "b.jsonl")))
    assert code == 1 and "Read-write-commit      VIOLATED at event 5" in out
    f = tmp_path / "m.jsonl"
    f.write_text(HEAD % "round-based-register" + lines(SEND, WR))
    code, _, err = run(capsys, "trace", str(f))
    assert code == 2 and f"{f}:3:" in err and "Traceback" not in err
    code, out, _ = run(capsys, "trace", str(write(tmp_path, "weak-leader-election", FIGURE_3[:6], "u.jsonl")))
    assert code == 3 and "not judged" in out


def test_cli_json_and_assumption_line(tmp_path, capsys):
    fn15 = [
        inv("propose", "p1", 1, "v1"),
        inv("propose", "p2", 1, "v2"),
        ret("propose", "p1", "commit", "v1"),
        ret("propose", "p2", "commit", "v2"),
    ]
    f = write(tmp_path, "round-based-consensus", fn15)
    code, out, _ = run(capsys, "trace", str(f), "--json")
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "VIOLATED"
    agreement = next(p for p in data["properties"] if p["name"] == "Agreement")
    assert agreement["witnesses"] == [2, 3] and agreement["event_index"] == 3
    assert data["assumptions"][0]["name"] == "Round-number uniqueness" and data["assumptions"][0]["holds"] is False
    code, out, _ = run(capsys, "trace", str(f))
    assert "assumption: Round-number uniqueness VIOLATED" in out and "not part of the verdict" in out
    code, out, _ = run(capsys, "trace", str(write(tmp_path, "weak-leader-election", FIGURE_3[:6], "u.jsonl")), "--json")
    assert code == 3 and json.loads(out)["properties"][0]["verdict"] == "UNKNOWN"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("paxos-register-figure-1.jsonl", 0),
        ("paxos-register-stale-commit.jsonl", 1),
        ("paxos-consensus-figure-2.jsonl", 0),
        ("paxos-consensus-footnote-15.jsonl", 1),
        ("paxos-leader-figure-3.jsonl", 0),
        ("paxos-leader-two-leaders.jsonl", 1),
    ],
)
def test_examples(capsys, name, code):
    assert run(capsys, "trace", str(EXAMPLES / name))[0] == code


# -- brute force: the definitions as quadratic loops over operations ---------------------------


def brute_operations(events: list[Event]) -> list[dict[str, Any]]:
    """Invocation/response pairing, written independently of the library."""
    ops: list[dict[str, Any]] = []
    open_op: dict[str, dict[str, Any]] = {}
    for i, e in enumerate(events):
        a, p = e.action, e.args.get("p")
        if a in ("read", "write", "propose", "leader"):
            op = {"name": a, "p": p, "k": e.args.get("k"), "v": e.args.get("v"), "inv": i, "res": None}
            op.update(status=None, rv=None)
            ops.append(op)
            open_op[p] = op
        elif a.endswith("-return"):
            op = open_op.pop(p)
            op["res"] = i
            op["status"] = e.args.get("status")
            op["rv"] = e.args.get("l") if a == "leader-return" else e.args.get("v")
        elif a == "crash":
            open_op.pop(p, None)
    return ops


def commits(o: dict[str, Any]) -> bool:
    return o["status"] == "commit"


def subsequent(o2: dict[str, Any], o1: dict[str, Any]) -> bool:
    return o1["res"] is not None and o2["inv"] > o1["res"]


def brute_abort(ops: list[dict[str, Any]]) -> set[int]:
    return {
        o["res"]
        for o in ops
        if o["status"] == "abort" and not any(q["inv"] < o["res"] and q["k"] > o["k"] for q in ops)
    }


def brute_commit(ops: list[dict[str, Any]]) -> set[int]:
    return {
        o2["res"]
        for o1 in ops
        for o2 in ops
        if commits(o1) and commits(o2) and subsequent(o2, o1) and o2["k"] < o1["k"]
    }


def brute_register(ops: list[dict[str, Any]]) -> dict[str, set[int]]:
    reads = [o for o in ops if o["name"] == "read"]
    writes = [o for o in ops if o["name"] == "write"]
    rc = {
        r["res"]
        for r in reads
        if commits(r)
        and r["rv"] is not None
        and not any(w["v"] == r["rv"] and w["k"] <= r["k"] and w["inv"] < r["res"] for w in writes)
    }
    wc = {
        max(w["res"], r["res"])
        for w in writes
        for r in reads
        if commits(w)
        and not any(subsequent(w2, w) and w2["k"] >= w["k"] for w2 in writes)
        and commits(r)
        and r["k"] > w["k"]
        and r["rv"] != w["v"]
    }
    wc_no_other = {
        max(w["res"], r["res"])
        for w in writes
        for r in reads
        if commits(w)
        and not any(w2 is not w and w2["k"] >= w["k"] for w2 in writes)
        and commits(r)
        and r["k"] > w["k"]
        and r["rv"] != w["v"]
    }
    return {
        "Read-write-abort": brute_abort(ops),
        "Read-write-commit": brute_commit(ops),
        "Read-commit": rc,
        "Write-commit": wc,
        "Write-commit (no other write)": wc_no_other,
    }


def brute_consensus(ops: list[dict[str, Any]]) -> dict[str, set[int]]:
    validity = {o["res"] for o in ops if commits(o) and not any(q["v"] == o["rv"] and q["inv"] < o["res"] for q in ops)}
    decided = sorted((o for o in ops if commits(o)), key=lambda o: o["res"])
    agreement = {o["res"] for o in decided if o["rv"] != decided[0]["rv"]}
    # Agreement as printed: no two decisions differ
    assert (not agreement) == all(a["rv"] == b["rv"] for a in decided for b in decided)
    return {
        "Validity": validity,
        "Agreement": agreement,
        "Termination (1)": brute_abort(ops),
        "Termination (2)": brute_commit(ops),
    }


PROCS = ("p1", "p2", "p3")


@st.composite
def histories(draw: st.DrawFn, kind: str) -> list[Event]:
    """Random well-formed histories: at most one pending operation per process, no event at a
    crashed process but recover."""
    events: list[Event] = []
    pending: dict[str, str] = {}
    down: set[str] = set()
    values = st.sampled_from(["v1", "v2"])
    for _ in range(draw(st.integers(0, 14))):
        p = draw(st.sampled_from(PROCS))
        if p in down:
            if draw(st.booleans()):
                events.append(recover(p))
                down.discard(p)
            continue
        choice = draw(st.integers(0, 9))
        if choice == 0:
            events.append(crash(p))
            down.add(p)
            pending.pop(p, None)
        elif choice == 1 and kind == "leader":
            events.append(stabilize(draw(st.sampled_from(PROCS))))
        elif p in pending:
            status = draw(st.sampled_from(["commit", "abort"]))
            name = pending.pop(p)
            if name == "leader":
                events.append(elects(p, draw(st.sampled_from(PROCS))))
            elif name == "write":
                events.append(ret("write", p, status))
            else:
                rv = draw(st.one_of(st.none(), values) if name == "read" else values)
                events.append(ret(name, p, status, rv))
        else:
            if kind == "leader":
                name = "leader"
                events.append(leader(p))
            else:
                name = draw(st.sampled_from(["read", "write"])) if kind == "register" else "propose"
                k = draw(st.integers(1, 3))
                events.append(inv(name, p, k, None if name == "read" else draw(values)))
            pending[p] = name
    if draw(st.booleans()):
        events.insert(draw(st.integers(0, len(events))), Event("step", "internal", {"m": 1}))
    return events


def _compare(result: Any, expected: dict[str, set[int]], seen: Counter[tuple[str, bool]]) -> None:
    for name, offending in expected.items():
        r = result.get(name)
        assert set(r.offending) == offending, (name, r.violations)
        assert r.holds == (not offending)
        assert r.event_index == (min(offending) if offending else None)
        seen[(name, r.holds)] += 1
        event(f"{name}: {'holds' if r.holds else 'violated'}")


SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
"""Derandomized: besides comparing every example, these tests assert that the examples made each
property both hold and fail (the generator reaches both sides); with fresh random examples on
every run that coverage assertion failed about once in many runs of the suite, on generation
alone. A fixed sequence makes it a property of the test, not of the day."""


def test_register_checker_matches_brute_force():
    seen: Counter[tuple[str, bool]] = Counter()

    @SETTINGS
    @given(histories("register"))
    def check(events: list[Event]) -> None:
        _compare(check_register_history(events), brute_register(brute_operations(events)), seen)

    check()
    for name in (
        "Read-write-abort",
        "Read-write-commit",
        "Read-commit",
        "Write-commit",
        "Write-commit (no other write)",
    ):
        assert seen[(name, True)] and seen[(name, False)], (name, seen)


def test_consensus_checker_matches_brute_force():
    seen: Counter[tuple[str, bool]] = Counter()

    @SETTINGS
    @given(histories("consensus"))
    def check(events: list[Event]) -> None:
        _compare(check_consensus_history(events), brute_consensus(brute_operations(events)), seen)

    check()
    for name in ("Validity", "Agreement", "Termination (1)", "Termination (2)"):
        assert seen[(name, True)] and seen[(name, False)], (name, seen)


def brute_leader(events: list[Event]) -> Verdict:
    marks = [i for i, e in enumerate(events) if e.action == "stabilize"]
    if not marks:
        return Verdict.UNKNOWN
    s = marks[-1]
    ops = brute_operations(events)
    procs = set(PROCS) | {o["rv"] for o in ops if o["rv"]}
    state: dict[str, bool] = {}
    for e in events:
        if e.action in ("crash", "recover"):
            state[e.args["p"]] = e.action == "crash"

    def correct(l: str) -> bool:
        crashed_after = any(e.action == "crash" and e.args["p"] == l and i > s for i, e in enumerate(events))
        return not crashed_after and not state.get(l, False)

    def always(l: str) -> bool:
        return all(o["rv"] == l for o in ops if o["inv"] > s and o["res"] is not None)

    return Verdict.OK if any(correct(l) and always(l) for l in procs) else Verdict.VIOLATED


def test_leader_checker_matches_brute_force():
    seen: Counter[Verdict] = Counter()

    @SETTINGS
    @given(histories("leader"))
    def check(events: list[Event]) -> None:
        expected = brute_leader(events)
        assert check_leader_history(events, scope={"processes": 3}).verdict is expected
        seen[expected] += 1
        event(f"leader: {expected.value}")

    check()
    assert all(seen[v] for v in (Verdict.OK, Verdict.VIOLATED, Verdict.UNKNOWN)), seen


def test_brute_operations_agree_with_history_operations():
    for events in (FIGURE_1, FIGURE_2, FIGURE_3):
        ours = [(o.inv, o.res, o.status, o.rv) for o in history_operations(events)]
        theirs = [(o["inv"], o["res"], o["status"], o["rv"]) for o in brute_operations(events)]
        assert ours == theirs
    assert all(a.inv < b.inv for a, b in pairwise(history_operations(FIGURE_1)))
