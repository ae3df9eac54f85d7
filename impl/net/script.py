"""Scripted runs: drive a machine built on the substrate through a run written step by step.

A paper's example execution (*Deconstructing Paxos*, Figures 1-3 and 8) is a sequence of events
the authors chose; :func:`run_script` replays such a sequence on a built machine
(``Spec().build(scope)``), so a test can assert what the figure shows. A step is

* a **label prefix** (``"write(p=p1,k=1,v=v1)"``, ``"recv_WRITE(q=p2,j=p1"``): the one enabled step
  whose label (``Machine.label_of``) starts with it. No match is a :class:`ScriptError` naming the
  step and listing the enabled labels; several matches with distinct post-states are one too,
  unless the script is run with ``exact=False`` (then the first, in instance order, is taken);
* a **helper** (any callable taking the :class:`Runner`): :func:`deliver` (one message from j to
  q), :func:`deliver_all` (everything pending to q), :func:`complete` (deliver, in a deterministic
  order, until p's pending operation returns), :func:`step` (a prefix with its own exactness).

The result, :class:`ScriptRun`, has the run's labels and states, the :class:`Execution` the
explorer would report, and :attr:`ScriptRun.history`: the external actions of the run as
:class:`~ioakit.traces.format.Event` objects with the trace contract's names (``read-return``, …;
``traces/FORMAT.md``), ready for the history checkers of ``traces/paxos/histories.py``. Inputs
outside the contract (Ω's ``omega``, the environment's internal bookkeeping) are left out of the
history; they are still in the labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ioakit.engines.explore import Execution
from ioakit.errors import UserError
from ioakit.lang.automaton import Machine
from ioakit.specs.paxos.signature import history_events
from ioakit.traces.format import Event

State = tuple[Any, ...]
Option = tuple[int, State]


class ScriptError(UserError):
    """A scripted step that cannot be taken: no enabled step matches, or several do."""


def cut_off(machine: Machine, state: State) -> list[str]:
    """The labels of the enabled steps at ``state`` that the scope's bounds cut off (``successors``
    lists only enabled instances; a cut one has post-state ``None``)."""
    return [machine.label_of(k, state) for k, ns in machine.compiled().successors(state) if ns is None]


def enabled(machine: Machine, state: State) -> list[Option]:
    """The enabled steps at ``state`` as ``(instance index, post-state)``, in instance order; steps
    the scope's bounds cut off (post-state ``None`` in ``successors``: ``cut_off``) are not taken."""
    return [(k, ns) for k, ns in machine.compiled().successors(state) if ns is not None]


def history_of(machine: Machine, start: State, steps: Iterable[Option]) -> list[Event]:
    """The steps of a run whose actions belong to a Deconstructing Paxos history, as events with
    the history's names (``signature.history_events``)."""
    return history_events(Execution(machine, start, tuple(steps)).events())


@dataclass(frozen=True)
class ScriptRun:
    """A finished scripted (or scheduled) run: its steps from ``start``, with views for tests."""

    machine: Machine = field(repr=False)
    start: State
    steps: tuple[Option, ...]
    cut: tuple[str, ...] = ()
    """Labels of steps the scope's bounds cut off at states of the run (a schedule search reports
    them: a run that could not take a step is no evidence about that step)."""

    @property
    def execution(self) -> Execution:
        """The run as the explorer's :class:`Execution` (``show()``, ``to_json()``)."""
        return Execution(self.machine, self.start, self.steps)

    @property
    def labels(self) -> list[str]:
        return self.execution.labels()

    @property
    def states(self) -> list[State]:
        """The start state, then the state after each step."""
        return [self.start, *(s for _, s in self.steps)]

    @property
    def final(self) -> State:
        return self.states[-1]

    @property
    def history(self) -> list[Event]:
        """The external actions of the trace contract, in order (see :func:`history_of`)."""
        return history_of(self.machine, self.start, self.steps)

    def returns(self, p: str | None = None) -> list[Event]:
        """The operations' responses in the history (outputs), at ``p`` only if given."""
        return [e for e in self.history if e.kind == "output" and (p is None or e.args.get("p") == p)]

    def value(self, name: str) -> Any:
        """A variable's value in the final state, as JSON (``state_json``)."""
        return self.machine.state_json(self.final)[name]

    def __len__(self) -> int:
        return len(self.steps)


class Runner:
    """The state of a script being run: what helpers see and extend."""

    def __init__(self, machine: Machine, start: State | None = None, *, exact: bool = True) -> None:
        self.machine = machine
        self.start = machine.start_states[0] if start is None else start
        self.state = self.start
        self.steps: list[Option] = []
        self.exact = exact
        self.requests: dict[str, set[str]] = {}
        """Per process, the message types its own (non-delivery) steps sent: its requests."""

    # -- what is enabled -------------------------------------------------------------------------
    def options(self) -> list[Option]:
        return enabled(self.machine, self.state)

    def label(self, k: int) -> str:
        return self.machine.label_of(k, self.state)

    def args(self, k: int) -> dict[str, Any]:
        return self.machine.args_json_of(k, self.state)

    def family(self, k: int) -> str:
        return self.machine.actions[k].name

    def kind(self, k: int) -> str:
        return self.machine.actions[k].kind.value

    def location(self, k: int) -> str | None:
        loc = self.machine.actions[k].family.location
        return None if loc is None else self.args(k).get(loc)

    def enabled_labels(self) -> list[str]:
        return [self.label(k) for k, _ in self.options()]

    def error(self, what: str, why: str, candidates: Sequence[str] | None = None) -> ScriptError:
        labels = self.enabled_labels() if candidates is None else list(candidates)
        listing = "\n".join(f"    {lab}" for lab in labels) or "    (none: no step is enabled)"
        title = "enabled steps" if candidates is None else "matching steps"
        cut = cut_off(self.machine, self.state)
        if cut:  # a step the scope's bounds cut off is named, so a too-small scope is not a mystery
            listing += "\n  cut off by the scope's bounds:\n" + "\n".join(f"    {lab}" for lab in cut)
        return ScriptError(f"script step {len(self.steps) + 1} {what}: {why}; {title}:\n{listing}")

    # -- taking steps ----------------------------------------------------------------------------
    def take(self, option: Option) -> None:
        k, post = option
        at = self.location(k)
        if at is not None and not self.family(k).startswith("recv_"):
            before = _sent_tags(self.machine, self.state, at)
            new = {tag for tag, n in _sent_tags(self.machine, post, at).items() if n > before.get(tag, 0)}
            self.requests.setdefault(at, set()).update(new)
        self.steps.append(option)
        self.state = post

    def prefix(self, text: str, *, exact: bool | None = None) -> None:
        """Take the enabled step whose label starts with ``text`` (see the module docstring)."""
        exact = self.exact if exact is None else exact
        matches = [(k, ns) for k, ns in self.options() if self.label(k).startswith(text)]
        if not matches:
            raise self.error(repr(text), "no enabled step has a label starting with it")
        if exact and len({ns for _, ns in matches}) > 1:
            raise self.error(
                repr(text),
                f"{len(matches)} enabled steps match, with distinct successors",
                [self.label(k) for k, _ in matches],
            )
        self.take(matches[0])

    def run(self, step: ScriptStep) -> None:
        if isinstance(step, str):
            self.prefix(step)
        else:
            step(self)

    def result(self) -> ScriptRun:
        return ScriptRun(self.machine, self.start, tuple(self.steps))


ScriptStep: TypeAlias = str | Callable[[Runner], None]


def run_script(
    machine: Machine, steps: Iterable[ScriptStep], *, exact: bool = True, start: State | None = None
) -> ScriptRun:
    """Run ``steps`` (label prefixes or helpers) from ``start`` (the machine's first start state)."""
    runner = Runner(machine, start, exact=exact)
    for s in steps:
        runner.run(s)
    return runner.result()


# -- helpers ---------------------------------------------------------------------------------------


def _sent_tags(machine: Machine, state: State, p: str) -> dict[str, int]:
    """How many messages of each type p has in flight (to any process) at ``state``."""
    if "net" not in machine.var_names:
        return {}
    net = machine.state_json(state)["net"]
    out: dict[str, int] = {}
    for box in net.values() if isinstance(net, dict) else ():
        for entry in box:
            if isinstance(entry, list) and len(entry) == 2 and entry[0] == p and isinstance(entry[1], dict):
                for tag in entry[1]:
                    out[tag] = out.get(tag, 0) + 1
    return out


def _is_delivery(r: Runner, k: int) -> bool:
    return r.family(k).startswith("recv_")


def step(text: str, *, exact: bool = True) -> Callable[[Runner], None]:
    """A label prefix with its own exactness (``exact=False``: the first match is taken)."""

    def run(r: Runner) -> None:
        r.prefix(text, exact=exact)

    run.__name__ = f"step({text!r})"
    return run


def deliver(q: str, j: str | None = None, tag: str | None = None, **fields: Any) -> Callable[[Runner], None]:
    """Deliver one message to q (from j, of type ``tag``, with these field values, when given): the
    first such delivery in instance order (the lowest slot)."""

    def run(r: Runner) -> None:
        for k, ns in r.options():
            if not _is_delivery(r, k) or (tag is not None and r.family(k) != f"recv_{tag}"):
                continue
            a = r.args(k)
            if a.get("q") == q and (j is None or a.get("j") == j) and all(a.get(f) == v for f, v in fields.items()):
                r.take((k, ns))
                return
        raise r.error(f"deliver(q={q}, j={j}, tag={tag}, {fields})", "no such message is in flight")

    return run


def deliver_all(q: str, *, limit: int = 10_000) -> Callable[[Runner], None]:
    """Deliver every message pending to q, and those q's handlers send to q meanwhile, in instance
    order (lowest tag, then slot), until none is left."""

    def run(r: Runner) -> None:
        for _ in range(limit):
            for k, ns in r.options():
                if _is_delivery(r, k) and r.args(k).get("q") == q:
                    r.take((k, ns))
                    break
            else:
                return
        raise r.error(f"deliver_all({q})", f"more than {limit} deliveries")

    return run


def complete(p: str, via: Sequence[str] | None = None, *, limit: int = 10_000) -> Callable[[Runner], None]:
    """Run p's pending operation until it returns, in a deterministic order, using only the
    processes in ``via`` (default: all) as its correspondents. At each step the first enabled of:

    1. an output at p (the operation returns: done);
    2. another non-delivery step located at p (Figure 6's ``read_committed``, which starts the write);
    3. a delivery, to a process of ``via``, of a request of p: a message from p whose type p's own
       steps (its invocations, its internal steps) have sent during the script;
    4. a delivery to p, from a process of ``via``, of a reply: a message whose type no process's own
       steps have sent (other processes' requests to p stay in flight).

    Message types are told apart by the substrate's in-flight multiset (``net``, the default
    ``reorder=1``); under FIFO channels every message from p counts as a request.

    None enabled before p returns is a :class:`ScriptError`."""

    def run(r: Runner) -> None:
        for _ in range(limit):
            opts = r.options()
            chosen: Option | None = None
            for rank in (1, 2, 3, 4):
                for k, ns in opts:
                    if _fits(r, k, rank, p, via):
                        chosen = (k, ns)
                        break
                if chosen is not None:
                    break
            if chosen is None:
                raise r.error(f"complete({p})", f"{p}'s operation cannot return using {list(via or ['all'])}")
            done = r.kind(chosen[0]) == "output"
            r.take(chosen)
            if done:
                return
        raise r.error(f"complete({p})", f"more than {limit} steps")

    return run


def _fits(r: Runner, k: int, rank: int, p: str, via: Sequence[str] | None) -> bool:
    delivery = _is_delivery(r, k)
    if rank == 1:
        return r.kind(k) == "output" and r.location(k) == p
    if rank == 2:
        return not delivery and r.kind(k) == "internal" and r.location(k) == p
    if not delivery:
        return False
    a = r.args(k)
    if via is not None and a.get("q" if a.get("j") == p else "j") not in via:
        return False
    tag = r.family(k).removeprefix("recv_")
    if rank == 3:
        mine = r.requests.get(p)
        return a.get("j") == p and (tag in mine if mine and r.machine.scope.as_dict().get("reorder", 1) else True)
    every = set().union(*r.requests.values())
    return a.get("q") == p and tag not in every
