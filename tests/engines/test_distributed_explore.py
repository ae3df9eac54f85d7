"""The search on a Dask cluster (``Explorer.engine("dask")``, ``ioakit.engines.distributed``) against
one process, on a local cluster of two worker processes started once for the module: the same
states, transitions, depth, deadlocks, bound hits, verdicts, vacuity witnesses and counterexample
lengths on every shipped machine; counterexamples rebuilt across workers that are real executions;
step properties; the HashTwins regression; a lost worker and Ctrl-C (INCOMPLETE, never OK, and no
process left behind); ``--engine``/``--address`` on the command line and their usage errors."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from test_parallel_explore import SHIPPED, assert_real, small, summary
from test_step_properties import next_monotone, next_never_changes, to_machine, to_step

from ioakit.cli import main
from ioakit.engines import distributed
from ioakit.engines.distributed import DaskEngineError, local_cluster
from ioakit.engines.explore import Explorer
from ioakit.invariants import load_invariants
from ioakit.registry import default_properties, find_invariant_file, get_spec
from ioakit.results import Verdict

PARALLEL_TESTS = str(Path(__file__).with_name("test_parallel_explore.py"))


def _ours() -> set[int]:
    """The processes this test process started (recursively), but multiprocessing's forkserver and
    resource tracker: helpers that live as long as this process, whatever the tests do."""
    out = set()
    me = os.getpid()
    for p in psutil.Process().children(recursive=True):
        try:
            helper = p.ppid() == me and any(h in " ".join(p.cmdline()) for h in ("forkserver", "resource_tracker"))
            if not helper and p.status() != psutil.STATUS_ZOMBIE:
                out.add(p.pid)
        except psutil.Error:
            continue
    return out


def _gone(pids: set[int], within: float = 10.0) -> bool:
    """Whether every process of ``pids`` has exited (waiting up to ``within`` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = set()
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.add(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    """A local cluster of two worker processes (one thread each) for the module; afterwards its
    processes must all be gone."""
    before = _ours()
    cluster = local_cluster(2)
    mine = _ours() - before
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
    assert mine and _gone(mine), "the local cluster left processes behind"


def on_dask(m: Any, address: str, w: int | None = 2, machine: str | None = None) -> Explorer:
    ex = Explorer(m).engine("dask", address, machine)
    return ex.workers(w) if w is not None else ex


REPRESENTATIVE = {
    "TO-machine",
    "VS-machine",
    "VStoTO-system",
    "round-based-consensus",
    "round-based-consensus-fig6-bug-ignore-read",
    "round-based-register",
    "round-based-register-fig5-bug-first-ack",
    "weak-leader-election-fig7-single-bug-self",
}
"""Run by default: one machine of each kind (FLS's three, Paxos's specifications, implementations and
seeded bugs, the leader election); the others are ``slow`` (all of them: about 40 s on 2 cores)."""


@pytest.mark.parametrize(
    "name", [n if n in REPRESENTATIVE else pytest.param(n, marks=pytest.mark.slow) for n in SHIPPED]
)
def test_every_shipped_machine_gives_the_same_report_on_a_dask_cluster(name: str, address: str) -> None:
    m = small(name)
    props = default_properties(m)
    one = Explorer(m).check(props).run()
    two = on_dask(m, address).check(props).run()
    assert two.engine == "dask" and two.workers == 2 and summary(two) == summary(one)
    assert_real(m, two)


def test_violations_are_rebuilt_across_workers_with_the_same_length(address: str) -> None:
    """Agreement broken in 22 steps: the counterexample's states live on both workers."""
    m = small("round-based-consensus-fig6-bug-ignore-read")
    props = default_properties(m)
    one = Explorer(m).check(props).run()
    assert one.verdict is Verdict.VIOLATED
    for w in (2, 3):  # 3: two partitions share a worker
        r = on_dask(m, address, w).check(props).run()
        assert r.verdict is Verdict.VIOLATED and summary(r) == summary(one)
        assert len(r.result("agreement").counterexample or ()) == 22
        assert_real(m, r)


def test_counterexamples_through_states_this_process_hashes_differently(address: str) -> None:
    """VStoTO's states hold ⊥ as ``None``, which Python 3.11 hashes by its address: the workers
    (forked from one forkserver) agree with each other, not with this process, which then asks a
    worker who owns each state of a counterexample. A seeded bug's lemma violation, 7 steps."""
    from distributed import Client

    m = get_spec("VStoTO-system-bug-keep-status").build({})
    props = [p for p in load_invariants(find_invariant_file("vstoto_lemmas_6"), m).properties if p.name == "lemma_6_16"]
    assert distributed._may_hold(m) == (True, False)
    with Client(address, set_as_default=False) as c:
        probes = set(c.run(distributed.hash_probe).values())
    assert len(probes) == 1
    one = Explorer(m).check(props).run()
    r = on_dask(m, address).check(props).run()
    assert one.verdict is Verdict.VIOLATED and summary(r) == summary(one)
    assert len(r.result("lemma_6_16").counterexample or ()) == 7
    assert_real(m, r)
    if sys.version_info < (3, 12):
        assert next(iter(probes))[0] != hash(None)  # what the test is about (equal from 3.12 on)


def test_step_properties_on_a_dask_cluster(address: str) -> None:
    m = to_machine()
    props = [to_step("next_monotone", next_monotone), to_step("next_never_changes", next_never_changes)]
    one = Explorer(m).check_steps(props).run()
    two = on_dask(m, address).check_steps(props).run()
    assert summary(two) == summary(one) and two.verdict is Verdict.VIOLATED
    ex = two.result("next_never_changes").counterexample
    assert ex is not None and [m.actions[k].name for k, _ in ex.steps] == ["bcast", "to_order", "brcv"]


def test_states_are_compared_whole_not_by_hash(address: str) -> None:
    from test_parallel_explore import HashTwins

    m = HashTwins().build({"n": 2})
    one = Explorer(m).run()
    assert one.states == 7
    for w in (2, 3):
        r = on_dask(m, address, w, machine=f"{PARALLEL_TESTS}:HashTwins").run()
        assert summary(r) == summary(one)


def test_without_workers_one_partition_per_worker_of_the_cluster(address: str) -> None:
    m = get_spec("VS-machine").build({})
    r = on_dask(m, address, None).max_depth(5).run()
    assert r.workers == 2 and summary(r) == summary(Explorer(m).max_depth(5).run())
    assert "max-depth 5" in (r.reason or "")


def test_a_machine_the_workers_cannot_rebuild_is_refused(address: str, tmp_path: Path) -> None:
    from test_parallel_explore import HashTwins

    m = HashTwins().build({"n": 2})
    with pytest.raises(DaskEngineError, match="is not a registered machine"):
        on_dask(m, address).run()
    with pytest.raises(DaskEngineError, match="could not rebuild the machine TO-machine"):  # no parameter n
        on_dask(m, address, machine="TO-machine").run()
    other = tmp_path / "twins.py"  # a model file that is not the one the coordinator loaded
    source = Path(PARALLEL_TESTS).read_text()
    other.write_text(source.replace('d.var("x", IntT(-2, 0))', 'd.var("x", IntT(-3, 0))'))
    with pytest.raises(DaskEngineError, match="differently from the coordinator"):
        on_dask(m, address, machine=f"{other}:HashTwins").run()


def test_a_lost_worker_ends_the_search_incomplete_never_ok() -> None:
    """A worker killed after the first level: the search ends INCOMPLETE (exit 3 at the command
    line) naming the loss; the cluster (its own) is closed."""
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 3})
    cluster = local_cluster(2)
    try:
        from distributed import Client

        with Client(cluster, set_as_default=False) as c:
            victim = sorted(c.run(os.getpid).values())[0]
        killed = []

        def kill_once(states: int, depth: int, seconds: float) -> None:
            if not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(depth)

        r = on_dask(m, cluster.scheduler_address).check(default_properties(m)).progress(kill_once).run()
    finally:
        cluster.close()
    assert killed and r.verdict is Verdict.INCOMPLETE and not r.complete and not r.interrupted
    assert "Dask worker was lost" in (r.reason or "")
    assert r.verdict.exit_code == 3


def test_ctrl_c_stops_the_local_cluster_it_started() -> None:
    m = get_spec("TO-machine").build({"processors": 3, "values": 2, "max_inputs": 5})
    m.compiled()
    before = _ours()
    seen: list[set[int]] = []

    def note(states: int, depth: int, seconds: float) -> None:
        seen.append(_ours() - before)

    previous = signal.signal(signal.SIGALRM, lambda *_: signal.raise_signal(signal.SIGINT))
    signal.setitimer(signal.ITIMER_REAL, 3.0)
    t0 = time.monotonic()
    try:
        r = Explorer(m).engine("dask").workers(2).progress(note).run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert r.interrupted and r.verdict is Verdict.INCOMPLETE and not r.complete
    assert 0 < r.states < 3_367_923
    assert time.monotonic() - t0 < 15
    started = set().union(*seen)
    assert started, "the search never reported a level"
    assert _gone(started), "the local cluster's processes outlived the search"


def test_the_engine_on_the_command_line(address: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _ours()
    assert main(["explore", "TO-machine", "--engine", "dask", "--workers", "2", "--json"]) == 0  # a local cluster
    out = capsys.readouterr().out
    assert '"engine": "dask"' in out and '"workers": 2' in out and '"states": 2065' in out
    assert _gone(_ours() - before), "the local cluster started by the command outlived it"
    assert main(["check", "VS-machine", "vs_lemma_4_1", "--engine", "dask", "--address", address]) == 0
    assert "searched on 2 partitions on tcp://" in capsys.readouterr().out
    assert main(["explore", "VS-machine", "--engine", "dask", "--address", address]) == 0
    assert "searched on 2 partitions on tcp://" in capsys.readouterr().out


def test_a_model_file_named_relative_to_the_working_folder(
    address: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers do not share the coordinator's working folder: the reference is made absolute."""
    import json

    monkeypatch.chdir(Path(__file__).parents[1] / "models")
    runs = []
    for engine in (["--engine", "dask", "--address", address], []):
        assert main(["explore", "token_ring.py:TokenRing", "--allow-bound-hits", "--json", *engine]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0]["engine"] == "dask" and runs[1]["engine"] == "fork"
    keys = ("verdict", "states", "transitions", "depth", "deadlocks", "bound_hits")
    assert [runs[0][k] for k in keys] == [runs[1][k] for k in keys]


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--engine", "ray"], "the ray engine is not provided"),
        (["--engine", "spark"], "unknown engine 'spark'"),
        (["--address", "tcp://127.0.0.1:8786"], "needs --engine dask"),
        (["--engine", "dask", "--address", "tcp://127.0.0.1:1"], "cannot reach a Dask scheduler"),
        (["--engine", "dask", "--address", "::::"], "invalid address"),
        (["--engine", "dask", "--symmetry"], "not supported yet"),
        (["--engine", "dask", "--store", "compact"], "not supported yet"),
    ],
)
def test_engine_usage_errors(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.monotonic()
    assert main(["explore", "TO-machine", *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert time.monotonic() - t0 < distributed.CONNECT_TIMEOUT + 5
