"""The breadth-first search of ``Explorer.run`` on several processes (``Explorer.workers(n)``,
``ioakit explore --workers N``): the same states, transitions, depth, deadlocks, verdicts and
counterexample lengths as one process.

Each state has an owner, ``hash(state[key]) % W`` for one state variable ``key`` that
``choose_key`` picks for the machine (the whole state when no variable will do), the only worker
that stores it, looks it up and expands it (``Partition``); a step that leaves ``key`` alone stays
on its worker, so a variable that few steps change keeps most of the search local. The search
goes level by level: every worker expands the states of the current level it owns with a
generated inner loop (``ioakit.backends.codegen.compile_partition_layer``);
a successor it owns is looked up in its own table at once, a successor another worker owns is sent
to that worker at the end of the level (each such state once per level, serialised), which looks
it up and keeps the new ones. States are always compared whole: a hash only chooses the owner
(Python's ``hash`` equates distinct states, e.g. ``hash(-1) == hash(-2)``; an earlier version
that knew states by their hash alone merged them and missed states). The levels are the
breadth-first levels, so the first level at which a predicate is violated is the length of a
shortest counterexample, as with one process; the order of the states within a level differs, so
a counterexample may be another one of the same length. Parents are kept as codes
``index * W + worker`` (the parent's place in its owner's list of states), from which the
coordinating process rebuilds counterexamples by asking the workers.

The workers are forked from the coordinating process after the machine is compiled (so they
share its generated code and, with it, ``hash``: ``PYTHONHASHSEED`` is inherited); ``fork`` is
POSIX-only, and elsewhere the search runs in one process. Ctrl-C (or SIGTERM through the CLI) is
handled by the coordinator alone (the workers ignore SIGINT): it stops the workers and reports
the levels completed.

Differences from one process, said in the report where they matter: ``max_states`` is checked at
the end of a level (the level that crosses the cap is completed, so more states than the cap may
be reported, all of them real), and the memory limit applies to the sum of the workers' resident
memory.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import os
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Protocol

from ioakit.engines.bounds import BoundHit, find_and_diagnose
from ioakit.engines.steps import StepChecks
from ioakit.measure import rss_bytes

if TYPE_CHECKING:
    from ioakit.engines.explore import Explorer, ExploreReport

State = tuple[Any, ...]

CHUNK = 4096
"""States expanded per call of the generated loop (between calls: the memory check)."""


def available() -> bool:
    """Whether this platform can fork workers (POSIX)."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity where known)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def owner(t: State, key: int | None, w: int) -> int:
    """The worker that owns ``t``: the hash of its variable ``key`` (of the whole state when
    None) modulo ``w``. Must agree with the generated loop (``compile_partition_layer``)."""
    return (hash(t) if key is None else hash(t[key])) % w


SAMPLE_WALKS = 40
SAMPLE_STEPS = 100


def choose_key(m: Any, w: int) -> int | None:
    """The state variable whose value decides each state's owner (None: the whole state).

    Any choice gives the same search; the choice only decides how much of it is exchanged and
    how evenly it is shared. A step that leaves the key unchanged stays with its worker, so a
    variable that few steps change (TO-machine's ``queue``, changed only by ``to_order``) keeps
    most successors local — about 8 % of the steps cross workers against 46 % for the whole
    state — as long as its values spread the states evenly. Both are estimated on states from
    ``SAMPLE_WALKS`` seeded random walks (so the choice is the same at every run): each
    candidate's cost is its largest share of the sample times ``1 + 3 * (the fraction of steps
    whose post-state it sends elsewhere)``; a variable with fewer than ``8 * w`` distinct values
    in the sample is not a candidate (its shares would be lumpy)."""
    import random

    succ = m.compiled().successors
    rng = random.Random(0)
    starts = list(dict.fromkeys(m.start_states))
    steps: list[tuple[State, list[State]]] = []
    for _ in range(SAMPLE_WALKS):
        s = rng.choice(starts)
        for _ in range(SAMPLE_STEPS):
            posts = [t for _, t in succ(s) if isinstance(t, tuple)]
            steps.append((s, posts))
            if not posts:
                break
            s = rng.choice(posts)
    states = list(dict.fromkeys(s for s, _ in steps))
    best: tuple[float, int | None] = (float("inf"), None)
    for key in [None, *range(len(m.variables))]:
        if key is not None and len({t[key] for t in states}) < 8 * w:
            continue
        shares = [0] * w
        for t in states:
            shares[owner(t, key, w)] += 1
        crossing = total = 0
        for s, posts in steps:
            o = owner(s, key, w)
            total += len(posts)
            crossing += sum(1 for t in posts if owner(t, key, w) != o)
        cost = max(shares) * w / max(1, len(states)) * (1 + 3 * crossing / max(1, total))
        if cost < best[0]:
            best = (cost, key)
    return best[1]


class Partition:
    """One worker's part of the search, whatever carries its messages (forked processes here,
    ``ioakit.engines.distributed`` on a cluster): the states it owns in breadth-first order
    (``own``), each one's parent's code (``seen``: state → ``index * W + worker`` of the parent,
    -1 for a start state), and its checks of the explorer's predicates.

    A level is ``expand()`` (the generated loop over this worker's share of the level; returns the
    states each peer owns that it reached, serialised) then ``absorb()`` (what the peers sent, in
    peer order; the new ones join ``own``) — in between, the executor delivers the payloads."""

    def __init__(self, explorer: Explorer, layer: Any, me: int, w: int, key: int | None) -> None:
        from ioakit.engines.explore import _Checks

        m = explorer.machine
        self.explorer, self.me, self.w, self.key = explorer, me, w, key
        self.layer = layer
        self.seen: dict[State, int] = {}
        self.own: list[State] = []
        for s0 in dict.fromkeys(m.start_states):
            if owner(s0, key, w) == me:
                self.seen[s0] = -1
                self.own.append(s0)
        props = explorer._props
        self.checks = _Checks(m, [p.term for p in props], find=False)
        self.witnesses = _Checks(m, [t for p in props for _, t in p.witnesses], find=True)
        self.lo = 0  # the first state of the current level in ``own``
        self.hi = 0  # the end of the current level in ``own`` (during a level)
        self.counts: tuple[int, int, int, BoundHit | None] = (0, 0, 0, None)

    def start(self) -> dict[str, Any]:
        """Check the start states this worker owns."""
        self.checks.scan(self.own, 0)
        self.witnesses.scan(self.own, 0)
        return self._level_report(0, 0, 0, None, len(self.own))

    def expand(self) -> dict[int, bytes]:
        """Expand the current level; the states each peer owns that it reached (once each, with
        a parent's code), serialised with ``marshal`` (states are tuples, frozensets and ints:
        ``marshal`` writes and reads them several times faster than ``pickle``)."""
        m = self.explorer.machine
        self.hi = hi = len(self.own)
        outs: list[dict[State, int]] = [{} for _ in range(self.w)]
        nt = nb = nd = 0
        hit: BoundHit | None = None
        for c in range(self.lo, hi, CHUNK):
            e = min(c + CHUNK, hi)
            t, b, d, fb, _ = self.layer(self.own, c, e, self.seen, outs, self.w, self.me)
            nt, nb, nd = nt + t, nb + b, nd + d
            if fb >= 0 and hit is None:
                hit = find_and_diagnose(m, fb, self.own[c:e])
        self.counts = (nt, nb, nd, hit)
        out = {}
        for o in range(self.w):
            if o != self.me:
                d = outs[o]
                out[o] = marshal.dumps((array("q", d.values()).tobytes(), list(d)), 4)
                outs[o] = {}
        return out

    def absorb(self, incoming: Sequence[bytes]) -> dict[str, Any]:
        """Take the peers' payloads for this level (in peer order, so that a state reached on
        several workers takes its parent from the lowest), look each state up whole and keep the
        new ones; check the level's new states."""
        seen, push = self.seen, self.own.append
        for data in incoming:
            raw, states = marshal.loads(data)
            codes = array("q")
            codes.frombytes(raw)
            for t, pc in zip(states, codes):
                if t not in seen:
                    seen[t] = pc
                    push(t)
        hi = self.hi
        self.checks.scan(self.own, hi)
        self.witnesses.scan(self.own, hi)
        self.lo = hi
        nt, nb, nd, hit = self.counts
        return self._level_report(nt, nb, nd, hit, len(self.own) - hi)

    def _level_report(self, nt: int, nb: int, nd: int, hit: BoundHit | None, new: int) -> dict[str, Any]:
        return {
            "new": new,
            "transitions": nt,
            "bound_hits": nb,
            "deadlocks": nd,
            "first_bound_hit": hit,
            "violations": list(self.checks.first_hit),
            "witnesses": [h is not None for h in self.witnesses.first_hit],
            "rss": rss_bytes() or 0,
        }

    def parent_code(self, t: State) -> int:
        """The code of the breadth-first parent of ``t`` (a state this worker owns; -1: a start state)."""
        return self.seen[t]

    def state(self, index: int) -> State:
        """The state at ``index`` in this worker's breadth-first list."""
        return self.own[index]

    def step_hits(self) -> list[Any]:
        """The first breaking step of each step property out of this worker's states, in its
        breadth-first order (each one's depth is settled by the coordinator)."""
        sc = StepChecks(self.explorer.machine, self.explorer._steps)
        sc.scan(self.own)
        return list(sc.first_hit)


class _Worker:
    """A forked worker: a ``Partition`` and its pipes to the peers and the coordinator."""

    def __init__(self, part: Partition, peers: dict[int, Connection]) -> None:
        self.part, self.peers = part, peers

    def level(self) -> dict[str, Any]:
        """Expand the level, exchange with every peer, absorb."""
        payloads = self.part.expand()
        got = self._round(payloads)
        return self.part.absorb([got[o] for o in sorted(got)])

    def _round(self, payloads: dict[int, bytes]) -> dict[int, bytes]:
        """Send each peer its payload while receiving each peer's (a thread sends while this one
        receives, so that two workers sending to each other at once cannot both block on full
        pipes)."""
        sender = threading.Thread(target=lambda: [self.peers[o].send_bytes(payloads[o]) for o in sorted(payloads)])
        sender.start()
        try:
            return {o: self.peers[o].recv_bytes() for o in sorted(self.peers)}
        finally:
            sender.join()

    def serve(self, conn: Connection) -> None:
        """Answer the coordinator's requests until told to stop."""
        part = self.part
        while True:
            cmd, arg = conn.recv()
            if cmd == "start":
                conn.send(part.start())
            elif cmd == "level":
                conn.send(self.level())
            elif cmd == "parent":
                conn.send(part.parent_code(arg))
            elif cmd == "state":
                conn.send(part.state(arg))
            elif cmd == "steps":
                conn.send(part.step_hits())
            else:
                return


def _worker_main(
    explorer: Explorer, layer: Any, me: int, w: int, key: int | None, conn: Connection, peers: dict[int, Connection]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    gc.disable()  # as in ``Explorer.run`` (``explore.GC_NOTE``): a worker's states form no cycles
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _Worker(Partition(explorer, layer, me, w, key), peers).serve(conn)
    except (EOFError, BrokenPipeError, ConnectionResetError):  # the coordinator went away
        pass
    finally:
        sys.stdout.flush()
        os._exit(0)


class _Pool:
    """The forked workers, their connections to the coordinator, and their shutdown."""

    def __init__(self, explorer: Explorer, w: int, key: int | None) -> None:
        ctx = multiprocessing.get_context("fork")
        layer = explorer.machine.compiled().partition_layer(key)  # built once, before the fork
        links: dict[tuple[int, int], Connection] = {}
        for a in range(w):
            for b in range(a + 1, w):
                x, y = ctx.Pipe()
                links[(a, b)], links[(b, a)] = x, y
        self.conns: list[Connection] = []
        self.procs = []
        for me in range(w):
            mine, theirs = ctx.Pipe()
            peers = {o: links[(me, o)] for o in range(w) if o != me}
            p = ctx.Process(target=_worker_main, args=(explorer, layer, me, w, key, theirs, peers), daemon=True)
            p.start()
            self.conns.append(mine)
            self.procs.append(p)
        for c in links.values():
            c.close()

    def all(self, cmd: str) -> list[dict[str, Any]]:
        for c in self.conns:
            c.send((cmd, None))
        return [c.recv() for c in self.conns]

    def ask(self, worker: int, cmd: str, arg: Any) -> Any:
        self.conns[worker].send((cmd, arg))
        return self.conns[worker].recv()

    def close(self) -> None:
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.send(("stop", None))
        for p in self.procs:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()
                p.join()

    def kill(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()
        for p in self.procs:
            p.join()


class Pool(Protocol):
    """What the coordinator of ``run_parallel`` needs of an executor: ``w`` partitions it can
    command (``"start"``, ``"level"``, ``"steps"`` on all, in worker order; ``"parent"`` and
    ``"state"`` on one), a clean ``close`` and a ``kill`` for an interrupted search."""

    def all(self, cmd: str) -> list[Any]: ...

    def ask(self, worker: int, cmd: str, arg: Any) -> Any: ...

    def close(self) -> None: ...

    def kill(self) -> None: ...


class WorkersLost(Exception):
    """An executor lost a worker (or could no longer reach it): its states are gone, so the search
    ends INCOMPLETE with this message as the reason — never OK. Raised by a ``Pool``'s methods
    (``ioakit.engines.distributed``: a Dask worker that died or stopped answering)."""


def _owner_of(pool: Pool, w: int, key: int | None) -> Callable[[State], int]:
    """The worker that owns a state: the pool's own ``owner`` where it has one (workers whose
    ``hash`` differs from the coordinator's, e.g. spawned Dask workers: Python 3.11 hashes
    ``None`` by its address), else ``owner(state, key, w)`` as the forked workers compute it."""
    mine = getattr(pool, "owner", None)
    return mine if mine is not None else (lambda t: owner(t, key, w))


def run_parallel(
    explorer: Explorer,
    w: int,
    make_pool: Callable[[Explorer, int, int | None], Pool] | None = None,
    key: int | str | None = "auto",
) -> ExploreReport:
    """``explorer.run()`` on ``w`` partitions: forked workers by default (see the module
    docstring), or the pool ``make_pool`` returns (``ioakit.engines.distributed``). ``key``: the
    variable that decides the owners (``"auto"``: ``choose_key``'s; None: the whole state)."""
    from ioakit.engines.explore import _Search, _Stop

    m = explorer.machine
    m.compiled()  # compiled before the fork: the workers share it
    props, n_witness = explorer._props, sum(len(p.witnesses) for p in explorer._props)
    cap = explorer._max_states if explorer._max_states is not None else sys.maxsize
    first_violation: list[State | None] = [None] * len(props)
    found_witness = [False] * n_witness
    states = transitions = bound_hits = deadlocks = depth = 0
    first_bound_hit: BoundHit | None = None
    complete, reason, interrupted = True, None, False
    t0 = time.perf_counter()
    next_tick = t0
    if key == "auto":
        key = choose_key(m, w)
    assert key is None or isinstance(key, int)
    pool = (make_pool or _Pool)(explorer, w, key)
    owner_of = _owner_of(pool, w, key)
    cache: dict[State, State | None] = {}

    def parent(t: State) -> State | None:
        if t not in cache:
            code = pool.ask(owner_of(t), "parent", t)
            cache[t] = None if code < 0 else pool.ask(code % w, "state", code // w)
        return cache[t]

    def take(reports: Sequence[dict[str, Any]]) -> int:
        nonlocal transitions, bound_hits, deadlocks, first_bound_hit
        new = 0
        for r in reports:  # in worker order: ties within a level go to the lowest worker
            new += r["new"]
            transitions += r["transitions"]
            bound_hits += r["bound_hits"]
            deadlocks += r["deadlocks"]
            if first_bound_hit is None and r["first_bound_hit"] is not None:
                first_bound_hit = r["first_bound_hit"]
            for j, v in enumerate(r["violations"]):
                if first_violation[j] is None and v is not None:
                    first_violation[j] = v
            for j, f in enumerate(r["witnesses"]):
                found_witness[j] = found_witness[j] or f
        return new

    rebuilt: set[State] = set()  # violating states whose path to a start state is in ``cache``
    step_hits: list[Any] = [None] * len(explorer._steps)
    steps_judged = False
    try:
        try:
            states = take(pool.all("start"))
            for v in first_violation:
                if v is not None:
                    rebuilt.add(v)  # a start state: its path is itself
            if states > cap:
                raise _Stop(f"max-states {cap} reached (with {w} workers the level that crossed it is completed)")
            while True:
                if explorer._max_depth is not None and depth >= explorer._max_depth:
                    complete, reason = False, f"max-depth {explorer._max_depth} reached"
                    break
                if explorer._stop_on_violation and any(v is not None for v in first_violation):
                    complete, reason = False, "stopped at the first violation"
                    break
                reports = pool.all("level")
                new = take(reports)
                states += new
                for v in first_violation:  # rebuilt at once: a later Ctrl-C stops the workers
                    if v is not None and v not in rebuilt:
                        _depth(parent, v)
                        rebuilt.add(v)
                if new == 0:
                    break
                depth += 1
                if states > cap:
                    raise _Stop(f"max-states {cap} reached (with {w} workers the level that crossed it is completed)")
                used = sum(r["rss"] for r in reports) + (rss_bytes() or 0)
                if explorer._max_memory is not None and used > explorer._max_memory:
                    raise _Stop(
                        f"memory limit of {explorer._max_memory / 1e6:,.0f} MB reached at {states:,} states "
                        f"({w} workers; raise it with --max-memory MB, or narrow the scope)"
                    )
                if explorer._progress is not None and time.perf_counter() >= next_tick:
                    from ioakit.engines.explore import PROGRESS_INTERVAL

                    explorer._progress(states, depth, time.perf_counter() - t0)
                    next_tick = time.perf_counter() + PROGRESS_INTERVAL
        except _Stop as e:
            complete, reason = False, str(e)
        if explorer._steps:
            hits = pool.all("steps")
            for j in range(len(explorer._steps)):  # the hit whose pre-state is shallowest
                cands = [h[j] for h in hits if h[j] is not None]
                if cands:
                    step_hits[j] = min(cands, key=lambda h: _depth(parent, h[0]))
            steps_judged = True
        else:
            steps_judged = True
        # counterexamples need the workers: rebuild the paths now (``_report`` walks ``parent``)
        for v in [*first_violation, *(h[0] for h in step_hits if h is not None)]:
            if v is not None:
                _depth(parent, v)
        pool.close()
    except (KeyboardInterrupt, WorkersLost) as e:
        pool.kill()
        interrupted = isinstance(e, KeyboardInterrupt)
        complete, steps_judged = False, False
        reason = "interrupted (Ctrl-C)" if interrupted else str(e)
        # a violation whose path was not rebuilt before the interrupt cannot be shown: dropped
        first_violation = [v if v in rebuilt else None for v in first_violation]
    except BaseException:
        pool.kill()
        raise
    return explorer._report(
        _Search(
            parent=parent,
            path=None,
            store="exact",
            collision_bound=None,
            states=states,
            transitions=transitions,
            depth=depth,
            seconds=time.perf_counter() - t0,
            complete=complete,
            reason=reason,
            interrupted=interrupted,
            bound_hits=bound_hits,
            first_bound_hit=first_bound_hit,
            deadlocks=deadlocks,
            first_violation=first_violation,
            first_witness=[() if f else None for f in found_witness],
            first_step_hit=step_hits,
            steps_judged=steps_judged,
            workers=w,
        )
    )


def _depth(parent: Any, t: State) -> int:
    """The breadth-first depth of ``t`` (walking, and so caching, its parents)."""
    d = 0
    while (t := parent(t)) is not None:
        d += 1
    return d
