"""The breadth-first search of ``ioakit.engines.parallel`` on a Dask cluster (``Explorer.engine("dask")``,
``ioakit explore --engine dask [--address HOST:PORT]``): the same coordinator (``run_parallel``:
levels, limits, Ctrl-C, counterexamples) and the same partitions (``Partition``: each state owned
by one partition, ``parallel.owner``, the hash of the variable ``choose_key`` picked, and stored,
looked up and expanded there), carried by Dask instead of forked processes, so that the seen-sets
can be spread over several machines. See ``docs/distributed.md``.

Each partition is a Dask *actor* (``PartitionActor``) pinned to one worker of the cluster (round
robin when there are more partitions than workers). The actors rebuild the machine and the
explorer's properties themselves from a picklable ``Recipe`` (the machine's reference and scope,
the properties' terms; generated code cannot be pickled) and check that what they built is the
coordinator's machine. A level is two rounds of calls from the coordinator: ``expand`` (each
actor expands its share of the level and sends each peer the states that peer owns, directly,
worker to worker, through the peer's actor handle) and then ``absorb`` (each actor takes what its
peers sent, in peer order). Only the level reports (a few counts) and the counterexample lookups
pass through the coordinating process; the states go from worker to worker.

Ownership needs every worker to hash a state alike. Python hashes ``str`` with a per-process seed
(``PYTHONHASHSEED``) and, before 3.12, ``None`` by its address (``OptionT``'s ⊥ is ``None``).
The local cluster's workers are forked from one forkserver, so they agree; on a cluster reached at
``--address`` the workers are probed when the search starts and it is refused, with what to do,
when they disagree on a value the machine's states can hold. The coordinator asks a worker for
the owner of a state (for counterexamples) whenever its own hash differs from the workers'.

A worker that dies or stops answering ends the search INCOMPLETE (``WorkersLost``), never OK. A
local cluster started here is closed on every path (killed on Ctrl-C); a cluster at ``--address``
is never shut down: only this search's actors are released.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ioakit.engines.parallel import Partition, WorkersLost, default_workers, owner, run_parallel
from ioakit.errors import UserError
from ioakit.measure import rss_bytes

if TYPE_CHECKING:
    from ioakit.engines.explore import Explorer, ExploreReport, Property
    from ioakit.lang.automaton import Machine
    from ioakit.lang.steps import StepProperty

State = tuple[Any, ...]

ENGINES = ("fork", "dask")
"""The executors of ``Explorer.run`` (``--engine``): ``fork`` (one process, or forked workers on this
machine: ``ioakit.engines.parallel``) and ``dask`` (this module)."""

CONNECT_TIMEOUT = 5.0
"""Seconds to reach the scheduler at ``--address`` before the search is refused (exit 2)."""

CALL_TIMEOUT = 30.0
"""Seconds a short call to an actor (a probe, a lookup for a counterexample) may take before its
worker is taken for lost. The level calls have no timeout: a level of a large scope takes as long
as it takes; a worker that dies during one closes its connection, which ends the call."""

BUILD_TIMEOUT = 600.0
"""Seconds a worker may take to build and compile the machine (as long as the largest shipped
scopes take, with room) before it is taken for lost."""

POLL = 0.5
"""Seconds between looks at the actors while waiting for a call: whether one was lost (Dask marks
an actor whose worker died as failed, but a call to it may wait for ever)."""

LOCAL_WORKERS_AT_LEAST = 2
"""Worker processes of a local cluster started without ``--workers``: the cores this process may
use, and at least this many (so that ``--engine dask`` alone exercises the exchange)."""


class DaskEngineError(UserError):
    """The Dask engine cannot run as asked: no scheduler at the address, workers that hash states
    differently or run another ioakit or Python, a machine the workers cannot rebuild (exit 2)."""


def refuse_engine(name: str) -> None:
    """``DaskEngineError`` for an engine that is not provided (``ray``, a typo); nothing for a known one."""
    if name in ENGINES:
        return
    if name == "ray":
        raise DaskEngineError(
            "the ray engine is not provided: ioakit distributes its search with Dask (--engine dask; "
            "docs/distributed.md says why: a pure-Python wheel, actors that call each other directly, "
            "no object store to size)"
        )
    raise DaskEngineError(f"unknown engine {name!r}: one of {', '.join(ENGINES)}")


# -- what a worker needs to rebuild the search --------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """How a worker rebuilds the explorer: the machine from its reference (a registered name, an
    absolute ``path/file.py:Class`` or ``module:Class``) at its scope, and the properties' terms
    (picklable, unlike the code generated from them); plus what the worker checks it built the
    coordinator's machine with (variables, action labels, start states) and the same versions."""

    machine: str
    scope: dict[str, int]
    props: tuple[Property, ...]
    steps: tuple[StepProperty, ...]
    signature: tuple[Any, ...]
    versions: tuple[str, tuple[int, int]]

    def build(self) -> Explorer:
        """The explorer, rebuilt here; ``DaskEngineError`` if it is not the coordinator's."""
        from ioakit.engines.explore import Explorer
        from ioakit.registry import get_spec

        here = _versions()
        if here != self.versions:
            raise DaskEngineError(
                f"a worker runs ioakit {here[0]} on Python {here[1][0]}.{here[1][1]}, the coordinator ioakit "
                f"{self.versions[0]} on Python {self.versions[1][0]}.{self.versions[1][1]}: "
                "install the same on every worker"
            )
        try:
            m = get_spec(self.machine).build(self.scope)
        except UserError as e:
            raise DaskEngineError(
                f"a worker could not rebuild the machine {self.machine} at the scope {self.scope}: {e}"
            ) from None
        if _signature(m) != self.signature:
            raise DaskEngineError(
                f"a worker built {self.machine} at {m.scope} differently from the coordinator (other variables, "
                "actions or start states): the workers must load the same model file and the same ioakit"
            )
        return Explorer(m).check(self.props).check_steps(self.steps)


def _versions() -> tuple[str, tuple[int, int]]:
    import ioakit

    return ioakit.__version__, (sys.version_info[0], sys.version_info[1])


def _signature(m: Machine) -> tuple[Any, ...]:
    """What must be equal in the coordinator's machine and a worker's (all compared with ``==``,
    which, unlike ``hash`` and ``repr`` of sets, does not depend on the process)."""
    return (
        m.name,
        tuple((n, str(t)) for n, t in m.variables),
        tuple(a.label for a in m.actions),
        m.start_states,
    )


def machine_reference(m: Machine, given: str | None) -> str:
    """The reference the workers rebuild ``m`` from: ``given`` (a model file's path made absolute,
    since a worker's working folder is not the coordinator's) or, for a registered machine, its
    name; ``DaskEngineError`` for a machine built some other way."""
    from ioakit.registry import _split_reference, machine_classes

    if given is None:
        if m.name in machine_classes():
            return m.name
        raise DaskEngineError(
            f"the dask engine rebuilds the machine on every worker from a reference: {m.name} is not a registered "
            "machine, so name it (Explorer.engine('dask', machine='path/to/model.py:Class' or 'module:Class'))"
        )
    split = _split_reference(given)
    if split is not None:
        left, cls = split
        if left.endswith(".py") or "/" in left or os.path.exists(left):
            return f"{os.path.abspath(left)}:{cls}"
    return given


def recipe_for(explorer: Explorer, machine: str | None) -> Recipe:
    """The ``Recipe`` of ``explorer`` (see ``machine_reference`` for ``machine``)."""
    m = explorer.machine
    return Recipe(
        machine_reference(m, machine),
        m.scope.as_dict(),
        tuple(explorer._props),
        tuple(explorer._steps),
        _signature(m),
        _versions(),
    )


def _may_hold(m: Machine) -> tuple[bool, bool]:
    """Whether ``m``'s states may hold ``None`` (a variable's type has an ``OptionT`` in it) and
    ``str``/``bytes`` values (no type of ``ioakit.lang.types`` makes them; a start state holding
    one says so all the same)."""
    from ioakit.lang.types import OptionT, Type

    none = text = False
    todo: list[Any] = [t for _, t in m.variables]
    seen: set[int] = set()
    while todo:
        x = todo.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, OptionT):
            none = True
        elif isinstance(x, Type) and dataclasses.is_dataclass(x):
            todo.extend(getattr(x, f.name) for f in dataclasses.fields(x))
        elif isinstance(x, tuple | list):  # the element types of a map, record or union
            todo.extend(x)
    stack: list[Any] = list(m.start_states)
    while stack:
        v = stack.pop()
        if v is None:
            none = True
        elif isinstance(v, str | bytes):
            text = True
        elif isinstance(v, tuple | frozenset):
            stack.extend(v)
    return none, text


def hash_probe() -> tuple[int, int]:
    """``hash(None)`` and the hash of a string and a set of strings, in the process that runs it:
    what must be equal on every worker for them to agree on the owner of every state."""
    return hash(None), hash(("ioakit", frozenset({"a", "b"}), b"ioakit"))


# -- the partitions on the workers ----------------------------------------------------------------


LOST = ("error", "cancelled", "lost")
"""The states of an actor's Dask future once its worker is gone."""


def _lost(handles: Sequence[Any]) -> list[int]:
    """The positions of the actors among ``handles`` (actor handles or their futures) that Dask
    says are gone (their worker died or left)."""
    out = []
    for i, h in enumerate(handles):
        f = getattr(h, "_future", h)  # an actor handle keeps its future there (distributed.actor)
        if f is not None and getattr(f, "status", None) in LOST:
            out.append(i)
    return out


def wait_all(calls: Sequence[Any], handles: Sequence[Any], what: str) -> list[Any]:
    """The results of the actor calls ``calls``, waited for in turn; ``WorkersLost`` as soon as
    one of ``handles`` is gone (rather than waiting for ever on a call to it or through it)."""
    out = []
    for c in calls:
        while True:
            try:
                out.append(c.result(timeout=POLL))
                break
            except TimeoutError:
                gone = _lost(handles)
                if gone:
                    raise WorkersLost(f"a Dask worker was lost while {what} (partitions {gone} are gone)") from None
    return out


class PartitionActor:
    """One ``Partition`` on a Dask worker, with its peers' actor handles. ``deliver`` is a
    coroutine: it runs on the worker's event loop, so that a peer's states arrive while this
    actor's own thread is busy sending (two actors delivering to each other cannot deadlock)."""

    def __init__(self, recipe: Recipe, me: int, w: int, key: int | None) -> None:
        explorer = recipe.build()
        self.me, self.w, self.key = me, w, key
        self.part = Partition(explorer, explorer.machine.compiled().partition_layer(key), me, w, key)
        self.peers: list[Any] = []
        self.box: dict[int, bytes] = {}
        self.sent = 0
        self.rss_built = rss_bytes() or 0
        """Resident memory once the machine is built and compiled, before any state is stored."""

    def __del__(self) -> None:
        gc.unfreeze()  # released (``DaskPool.close``): the worker's objects are the collector's again

    def set_peers(self, peers: list[Any]) -> int:
        self.peers = peers
        return os.getpid()

    def start(self) -> dict[str, Any]:
        with _no_gc():
            return self.part.start()

    def expand(self) -> int:
        """Expand this worker's share of the level and deliver each peer its states; the bytes sent."""
        with _no_gc():
            payloads = self.part.expand()
        calls = []
        for o, data in sorted(payloads.items()):
            deliver = self.peers[o].deliver
            peer = getattr(deliver, "__self__", None)
            if isinstance(peer, PartitionActor):  # a peer on this worker: Dask hands over the object itself
                peer.box[self.me] = data
            else:
                calls.append(deliver(self.me, data))
        wait_all(calls, self.peers, "delivering a level's states")
        n = sum(len(d) for d in payloads.values())
        self.sent += n
        return n

    async def deliver(self, src: int, data: bytes) -> None:
        self.box[src] = data

    def absorb(self) -> dict[str, Any]:
        """The peers' states (all delivered before the coordinator calls this), in peer order."""
        missing = [o for o in range(self.w) if o != self.me and o not in self.box]
        if missing:  # cannot happen unless a delivery was lost: never absorb a partial level
            raise WorkersLost(f"partition {self.me} did not receive the states of partitions {missing}")
        incoming = [self.box.pop(o) for o in range(self.w) if o != self.me]
        with _no_gc():
            r = self.part.absorb(incoming)
        gc.freeze()  # the states stored so far are never garbage: a collection need not walk them (``__del__``)
        return r

    def parent_code(self, t: State) -> int:
        return self.part.parent_code(t)

    def state(self, index: int) -> State:
        return self.part.state(index)

    def step_hits(self) -> list[Any]:
        with _no_gc():
            return self.part.step_hits()

    def owner(self, t: State) -> int:
        return owner(t, self.key, self.w)

    def memory(self) -> dict[str, int]:
        """This partition's states, the bytes it sent, and its process's resident memory now and
        before the first state was stored (for ``docs/distributed.md``'s cost per state)."""
        return {
            "states": len(self.part.own),
            "sent": self.sent,
            "rss": rss_bytes() or 0,
            "rss_built": self.rss_built,
            "pid": os.getpid(),
        }


@contextlib.contextmanager
def _no_gc() -> Any:
    """The cyclic collector off for a call (as ``Explorer.run`` does for its whole search:
    ``explore.GC_NOTE``): states form no cycles. Only around our calls, since the worker is Dask's."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- the cluster and the pool ---------------------------------------------------------------------


def local_cluster(n: int) -> Any:
    """A Dask ``LocalCluster`` of ``n`` worker processes on this machine as the dask engine starts
    one: one thread each; the processes forked from one forkserver (so that they share the hash
    seed and, before Python 3.12, the address by which ``None`` is hashed); no Dask memory limit
    (the explorer's ``--max-memory`` governs, as with forked workers); its HTTP server on a free port; quiet. The
    caller closes it. A script that starts one must guard its top level with
    ``if __name__ == "__main__":`` (Dask's workers import the main module, as ``multiprocessing`` does)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        return LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=0,
            dashboard_address=":0",  # an HTTP server on a free port (Dask always starts one)
            silence_logs=logging.CRITICAL,
        )


class Connection:
    """A client of a Dask cluster: the one at ``address``, or a local cluster started here
    (``w`` worker processes, one thread each, forked from one forkserver so that they hash alike,
    and no Dask memory limit: the explorer's ``--max-memory`` governs, as with forked workers)."""

    def __init__(self, address: str | None, w: int | None) -> None:
        from distributed import Client

        self.cluster: Any = None
        self.client: Any = None
        self.address = address
        self.pids: list[int] = []
        self.log_levels = {n: logging.getLogger(n).level for n in ("distributed", "tornado")}
        for name in self.log_levels:  # Dask's own logging of workers going away: our report says it
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            if address is None:
                n = w if w is not None else max(LOCAL_WORKERS_AT_LEAST, default_workers())
                self.cluster = local_cluster(n)
                self.client = Client(self.cluster, set_as_default=False)
            else:
                try:
                    self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
                except (OSError, TimeoutError) as e:
                    raise DaskEngineError(
                        f"cannot reach a Dask scheduler at {address!r} within {CONNECT_TIMEOUT:.0f} s ({e}); "
                        "start one with `dask scheduler` and workers with "
                        "`PYTHONHASHSEED=0 dask worker tcp://HOST:8786` (docs/distributed.md)"
                    ) from None
                except ValueError as e:
                    raise DaskEngineError(f"--address {address!r}: {e}") from None
            self.workers = sorted(self.client.scheduler_info()["workers"])
            if not self.workers:
                raise DaskEngineError(f"the Dask cluster at {address!r} has no workers")
            pids = self.client.run(os.getpid)
            self.pids = [pids[a] for a in self.workers] if address is None else []
        except BaseException:
            self.close()
            raise

    @property
    def where(self) -> str:
        return "a local cluster" if self.address is None else self.address

    def close(self) -> None:
        """Close the client, and the local cluster if it was started here (then kill those of its
        workers that did not stop). Idempotent."""
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=CONNECT_TIMEOUT)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=CONNECT_TIMEOUT)
            self._kill_local()
        for name, level in self.log_levels.items():  # as they were before
            logging.getLogger(name).setLevel(level)

    def kill(self) -> None:
        """Stop at once (Ctrl-C, a lost worker): the local workers are killed, then everything closed."""
        if self.cluster is not None:
            self._kill_local()
        self.close()

    def _kill_local(self) -> None:
        """SIGKILL to the worker processes of the local cluster started here that are still running
        — only those: a process is killed only if it is still a grandchild of this one (the workers
        are forked from this process's forkserver), so a reused process id is never hit."""
        import psutil

        me = os.getpid()
        for pid in self.pids:
            with contextlib.suppress(psutil.Error, OSError):
                p = psutil.Process(pid)
                parent = p.parent()
                if parent is not None and parent.ppid() == me:
                    p.kill()
        self.pids = []


class DaskPool:
    """The ``Pool`` of ``run_parallel`` on a Dask cluster: one ``PartitionActor`` per partition."""

    def __init__(
        self,
        conn: Connection,
        recipe: Recipe,
        w: int,
        m: Machine,
        on_close: Callable[[DaskPool], None] | None = None,
        key: int | None = None,
    ) -> None:
        self.conn, self.w, self.on_close = conn, w, on_close
        self.futures: list[Any] = []
        self.actors: list[Any] = []
        self.sent = 0
        client = conn.client
        need_none, need_text = _may_hold(m)
        probes = self._checked(lambda: client.run(hash_probe), "probing the workers")
        self._agree(probes, need_none, need_text)
        mine = hash_probe()
        here_agrees = all(
            (not need or mine[i] == p[i]) for p in probes.values() for i, need in ((0, need_none), (1, need_text))
        )
        where = [conn.workers[i % len(conn.workers)] for i in range(w)]
        self.futures = [
            client.submit(
                PartitionActor, recipe, i, w, key, actor=True, workers=[where[i]], allow_other_workers=False, pure=False
            )
            for i in range(w)
        ]
        self.actors = self._checked(lambda: [f.result(timeout=BUILD_TIMEOUT) for f in self.futures], "building")
        self._checked(lambda: [f.result() for f in [a.set_peers(self.actors) for a in self.actors]], "linking")
        self.owner: Callable[[State], int] | None = None if here_agrees else self._remote_owner

    def _agree(self, probes: dict[str, tuple[int, int]], need_none: bool, need_text: bool) -> None:
        """Refuse workers that would disagree on the owner of a state (``DaskEngineError``)."""
        if len({p[1] for p in probes.values()}) > 1:  # required whatever the states hold: they may hold text
            raise DaskEngineError(
                f"the workers at {self.conn.where} hash strings differently: start every worker with the same "
                "PYTHONHASHSEED (`PYTHONHASHSEED=0 dask worker tcp://HOST:8786`)"
            )
        if need_none and len({p[0] for p in probes.values()}) > 1:
            raise DaskEngineError(
                f"the workers at {self.conn.where} hash None differently (Python before 3.12 hashes None by its "
                "address, and this machine's states hold None): run the workers on Python 3.12 or later, or start "
                "them all from one `dask worker --nworkers N` with "
                "DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD=forkserver (docs/distributed.md)"
            )

    def _checked(self, call: Callable[[], Any], what: str) -> Any:
        """``call()``, with the loss of a worker (a closed connection, a timeout, a cancelled
        actor) turned into ``WorkersLost``; ``UserError`` from a worker (a machine it could not
        rebuild) passes as it is."""
        from distributed import CancelledError
        from distributed.comm import CommClosedError

        try:
            return call()
        except UserError:
            raise
        except WorkersLost:
            raise
        except (CommClosedError, CancelledError, OSError, TimeoutError) as e:
            raise WorkersLost(f"a Dask worker was lost while {what} ({type(e).__name__}: {e})") from None
        except Exception as e:
            if type(e).__name__ in ("KilledWorker", "FutureCancelledError") or "Actor was lost" in str(e):
                raise WorkersLost(f"a Dask worker was lost while {what} ({type(e).__name__}: {e})") from None
            raise

    def _remote_owner(self, t: State) -> int:
        """The owner of ``t`` as the workers hash it (this process hashes differently)."""
        return self._checked(lambda: self.actors[0].owner(t).result(timeout=CALL_TIMEOUT), "finding an owner")

    def all(self, cmd: str) -> list[Any]:
        if cmd == "level":
            self.sent += sum(self._all("expand", "expanding a level"))
            return self._all("absorb", "absorbing a level")
        if cmd == "start":
            return self._all("start", "starting")
        if cmd == "steps":
            return self._all("step_hits", "judging step properties")
        raise ValueError(f"unknown command {cmd!r}")

    def _all(self, method: str, what: str) -> list[Any]:
        """``method`` called on every actor at once; their results in partition order."""
        return self._checked(lambda: wait_all([getattr(a, method)() for a in self.actors], self.futures, what), what)

    def ask(self, worker: int, cmd: str, arg: Any) -> Any:
        a = self.actors[worker]
        if cmd == "parent":
            return self._checked(lambda: a.parent_code(arg).result(timeout=CALL_TIMEOUT), "rebuilding a counterexample")
        if cmd == "state":
            return self._checked(lambda: a.state(arg).result(timeout=CALL_TIMEOUT), "rebuilding a counterexample")
        raise ValueError(f"unknown command {cmd!r}")

    def memory(self) -> list[dict[str, int]]:
        """Each partition's ``PartitionActor.memory`` (for the benchmark)."""
        return self._checked(lambda: [f.result(timeout=CALL_TIMEOUT) for f in [a.memory() for a in self.actors]], "")

    def close(self) -> None:
        """Release this search's actors (the cluster itself is ``Connection``'s to close)."""
        if self.on_close is not None and self.actors:
            with contextlib.suppress(WorkersLost):
                self.on_close(self)
        futures, self.futures, self.actors = self.futures, [], []
        if futures and self.conn.client is not None:
            with contextlib.suppress(Exception):
                self.conn.client.cancel(futures, force=True)

    def kill(self) -> None:
        """Release the actors; a local cluster is killed outright (its workers may be mid-level)."""
        if self.conn.cluster is None:
            self.close()
        else:
            self.conn.kill()


def run_dask(
    explorer: Explorer,
    w: int | None,
    address: str | None = None,
    machine: str | None = None,
    on_close: Callable[[DaskPool], None] | None = None,
) -> ExploreReport:
    """``explorer.run()`` on ``w`` partitions on the Dask cluster at ``address`` (``None``: a local
    cluster of ``w`` worker processes, started and closed here). ``w`` None: one partition per
    worker of the cluster (a local cluster: ``LOCAL_WORKERS_AT_LEAST`` or the cores, whichever is
    more). ``machine``: the machine's reference for the workers (``machine_reference``).
    ``on_close`` is called with the pool before its actors are released (the benchmark reads
    their costs)."""
    recipe = recipe_for(explorer, machine)
    conn = Connection(address, w)
    try:
        n = w if w is not None else len(conn.workers)
        with conn.client.as_current():  # the actors' handles in this process call through this client
            report = run_parallel(
                explorer, n, make_pool=lambda ex, n, key: DaskPool(conn, recipe, n, ex.machine, on_close, key)
            )
        return dataclasses.replace(report, engine="dask", engine_where=conn.where)
    finally:
        conn.close()


def summary_of_costs(mem: Sequence[dict[str, int]]) -> dict[str, float]:
    """Bytes per stored state in the workers (resident memory grown since the machine was built,
    over the states stored) and in total, from ``DaskPool.memory``."""
    states = sum(x["states"] for x in mem)
    grown = sum(max(0, x["rss"] - x["rss_built"]) for x in mem)
    return {"states": states, "bytes_per_state": grown / states if states else 0.0, "sent": sum(x["sent"] for x in mem)}
