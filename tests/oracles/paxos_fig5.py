"""An independent reference model of Figure 5 of *Deconstructing Paxos* (Boichat, Dutta, Frølund,
Guerraoui, Section 4.1: the wait-free round-based register in the crash-stop model), in plain
Python, sharing no code with ioakit: a breadth-first search that counts the reachable states and
transitions, and a seeded random walk.

It is used twice:

* by the tests (``tests/oracles/test_paxos_fig5_oracle.py``): ioakit's
  ``round-based-register-fig5`` at scope ``history=0`` must reach the same number of states,
  transitions, BFS layers and deadlocks (and, at the smallest scopes, the same *set* of states
  after a change of layout);
* by the benchmark ``benchmarks/paxos_substrate.py``: it is the "hand-written search" yardstick.

The model, from the figure's pseudo-code (lines 1-32) and these reconstruction choices (the same
as ioakit's, since the figure's glyphs are garbled or it leaves them open):

* every process p_i keeps ``read_i``, ``write_i`` (rounds, start 0) and ``v_i`` (start ⊥);
* ``read(k)`` / ``write(k, v)`` send [READ, k] / [WRITE, k, v] to all processes, the sender
  included, and wait for replies of round k from a majority ⌈(n+1)/2⌉ = n // 2 + 1 of distinct
  processes; a reply counts iff its process waits in that phase for that round (matched by type and
  round only: a late reply to an earlier operation of the same round counts); any other reply is
  consumed and ignored;
* lines 21 and 27 refuse round k iff ``write_i > k or read_i > k`` (strict);
* a read returns (abort, ⊥) if a nack came, else (commit, v) of the ack with the highest k'
  (ties: the first received is kept: only a strictly higher k' replaces it);
* after an operation returns, the wait's bookkeeping returns to its start values;
* the environment invokes at most ``max_ops`` operations in total, each at an up process that waits
  for nothing, with k ∈ 1..rounds and v a proper value; and at most ``crashes`` crash events;
* a crash stops p, resets all its variables (in crash-stop nothing reads them again) and drops
  the messages in flight to p at that moment; messages sent to p after its crash are dropped too
  (p never handles them);
* the network is reliable (no loss, no duplication) and reorders: each destination's in-flight
  messages are a multiset, kept as a sorted tuple of (sender, message).

States (hashable tuples): ``(procs, nets, ops, crashes)`` where ``procs[p] = (read, write, v, op,
opk, opv, replied, nacked, bestk, bestv, up)`` — ``op`` 0 idle / 1 reading / 2 writing, values
0..values-1 with ⊥ = -1, ``replied`` a bit mask of processes, ``bestk`` -1 before any ack —,
``nets[q]`` the sorted in-flight ``(sender, message)`` pairs to q, a message ``(tag, k, k', v)``
with the tag's number below and unused fields 0, ``ops``/``crashes`` the environment's counters.

Counting is the explorer's: a transition is an enabled action instance with its successor (seen
before or not); delivering one of several equal in-flight messages is one transition, not one per
copy (the copies give the same successor, and ioakit delivers only the first copy); the depth is
the number of BFS layers after the start state; a deadlock is a reachable state with no enabled
instance.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

State = tuple[Any, ...]
Proc = tuple[int, int, int, int, int, int, int, bool, int, int, bool]
Message = tuple[int, int, int, int]

READ, ACK_READ, NACK_READ, WRITE, ACK_WRITE, NACK_WRITE = range(6)
TAGS = ("READ", "ackREAD", "nackREAD", "WRITE", "ackWRITE", "nackWRITE")
IDLE, READING, WRITING = 0, 1, 2
BOTTOM = -1
START_PROC: Proc = (0, 0, BOTTOM, IDLE, 0, BOTTOM, 0, False, -1, BOTTOM, True)
"""read_i = write_i = 0, v_i = ⊥ (lines 2-4); waiting for nothing; up."""


@dataclass(frozen=True)
class Scope:
    processes: int = 3
    values: int = 2
    rounds: int = 3
    max_ops: int = 3
    crashes: int = 1

    @property
    def quorum(self) -> int:
        """⌈(n+1)/2⌉ (lines 7 and 15)."""
        return self.processes // 2 + 1


@dataclass(frozen=True)
class Result:
    states: int
    transitions: int
    depth: int
    deadlocks: int
    reachable: frozenset[State] | None = None


def start(sc: Scope) -> State:
    n = sc.processes
    return ((START_PROC,) * n, ((),) * n, 0, 0)


def _insert(box: tuple[Any, ...], entry: tuple[int, Message]) -> tuple[Any, ...]:
    """The multiset ``box`` plus ``entry``, kept sorted."""
    i = bisect_right(box, entry)
    return box[:i] + (entry,) + box[i:]


def _send_all(nets: list[tuple[Any, ...]], i: int, msg: Message, procs: tuple[Any, ...]) -> None:
    for q in range(len(nets)):
        if procs[q][10]:  # nothing is sent to a crashed process (it could never handle it)
            nets[q] = _insert(nets[q], (i, msg))


def successors(s: State, sc: Scope) -> list[State]:
    """One successor per enabled action instance (equal in-flight copies: one instance)."""
    procs, nets, ops, crashes = s
    out: list[State] = []
    add = out.append
    n = sc.processes
    # -- the environment: read(p, k), write(p, k, v) (lines 5-6, 13-14) and crash(p) ----------
    for p in range(n):
        pr = procs[p]
        if not pr[10]:
            continue
        r, w, v = pr[0], pr[1], pr[2]
        if pr[3] == IDLE and ops < sc.max_ops:
            for k in range(1, sc.rounds + 1):
                np = (r, w, v, READING, k, BOTTOM, 0, False, -1, BOTTOM, True)
                nn = list(nets)
                _send_all(nn, p, (READ, k, 0, 0), procs)
                add((procs[:p] + (np,) + procs[p + 1 :], tuple(nn), ops + 1, crashes))
                for x in range(sc.values):
                    np = (r, w, v, WRITING, k, x, 0, False, -1, BOTTOM, True)
                    nn = list(nets)
                    _send_all(nn, p, (WRITE, k, 0, x), procs)
                    add((procs[:p] + (np,) + procs[p + 1 :], tuple(nn), ops + 1, crashes))
        # read / write returns (lines 7-12, 15-19): a majority of distinct processes replied
        if pr[3] != IDLE and pr[6].bit_count() >= sc.quorum:
            add((procs[:p] + ((r, w, v) + START_PROC[3:],) + procs[p + 1 :], nets, ops, crashes))
        if crashes < sc.crashes:
            np = START_PROC[:10] + (False,)  # crash-stop: nothing of p is read again
            add((procs[:p] + (np,) + procs[p + 1 :], nets[:p] + ((),) + nets[p + 1 :], ops, crashes + 1))
    # -- the network delivers one in-flight message to an up process (lines 20-32; line 7/15) -----
    for q in range(n):
        box = nets[q]
        pr = procs[q]
        if not box or not pr[10]:
            continue
        prev = None
        for idx, entry in enumerate(box):
            if entry == prev:
                continue  # an equal copy: the same successor as the first
            prev = entry
            j, (tag, k, kp, x) = entry
            rest = box[:idx] + box[idx + 1 :]
            r, w, v, op, opk, opv, replied, nacked, bestk, bestv, up = pr
            if tag in (READ, WRITE):
                nn = list(nets)
                nn[q] = rest
                if w > k or r > k:  # lines 21, 27
                    reply = (tag + 2, k, 0, 0)  # lines 22, 28
                    np = pr
                elif tag == READ:
                    np = (k,) + pr[1:]  # line 24
                    reply = (ACK_READ, k, w, v)  # line 25
                else:
                    np = (r, k, x) + pr[3:]  # lines 30-31
                    reply = (ACK_WRITE, k, 0, 0)  # line 32
                if procs[j][10]:  # to a crashed p_j nothing is sent
                    nn[j] = _insert(nn[j], (q, reply))
                add((procs[:q] + (np,) + procs[q + 1 :], tuple(nn), ops, crashes))
                continue
            waiting = READING if tag <= NACK_READ else WRITING
            if op == waiting and opk == k:
                replied |= 1 << j
                if tag in (NACK_READ, NACK_WRITE):
                    nacked = True
                elif tag == ACK_READ and kp > bestk:  # line 11: a strictly higher k' replaces
                    bestk, bestv = kp, x
                np = (r, w, v, op, opk, opv, replied, nacked, bestk, bestv, up)
            else:
                np = pr  # nobody waits for it: consumed and ignored
            add((procs[:q] + (np,) + procs[q + 1 :], nets[:q] + (rest,) + nets[q + 1 :], ops, crashes))
    return out


def bfs(sc: Scope, keep: bool = False) -> Result:
    """Breadth-first search of the reachable states; ``keep`` returns the set of them too."""
    s0 = start(sc)
    seen = {s0}
    add = seen.add
    frontier = [s0]
    transitions = deadlocks = depth = 0
    while frontier:
        new: list[State] = []
        push = new.append
        for s in frontier:
            succ = successors(s, sc)
            if not succ:
                deadlocks += 1
            transitions += len(succ)
            for t in succ:
                if t not in seen:
                    add(t)
                    push(t)
        if new:
            depth += 1
        frontier = new
    return Result(len(seen), transitions, depth, deadlocks, frozenset(seen) if keep else None)


@dataclass(frozen=True)
class WalkResult:
    runs: int
    steps: int
    distinct_states: int


def random_walk(sc: Scope, steps: int, runs: int, seed: int) -> WalkResult:
    """``runs`` seeded random walks of at most ``steps`` steps, each step uniform among the
    enabled instances; a run ends early at a deadlock. Counts the distinct states visited (as
    ioakit's simulation does)."""
    rng = random.Random(seed)
    seen: set[State] = set()
    total = 0
    for _ in range(runs):
        s = start(sc)
        seen.add(s)
        for _ in range(steps):
            succ = successors(s, sc)
            if not succ:
                break
            s = succ[rng.randrange(len(succ))]
            seen.add(s)
            total += 1
    return WalkResult(runs, total, len(seen))


def show(s: State) -> str:
    """A readable rendering of a state (for reports of disagreements)."""
    procs, nets, ops, crashes = s
    parts = []
    for p, pr in enumerate(procs):
        r, w, v, op, opk, opv, replied, nacked, bestk, bestv, up = pr
        parts.append(
            f"p{p + 1}{'' if up else '(down)'}: read={r} write={w} v={v} "
            f"op={('idle', 'reading', 'writing')[op]}/{opk}/{opv} replied={replied:b} nacked={nacked} "
            f"best={bestk}/{bestv} net=[{', '.join(f'p{j + 1}:{TAGS[m[0]]}{m[1:]}' for j, m in nets[p])}]"
        )
    return "; ".join(parts) + f"; ops={ops} crashes={crashes}"
