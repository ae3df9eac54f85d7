"""The message-passing substrate: processes with local state and handlers, over a network with faults.

An algorithm of a paper is written once, as a subclass of ``MessagePassing``: its processes' local
variables (``local``), its message types (``messages``), one handler per message type (``on_<TAG>``,
the paper's ``upon receive`` / ``task wait until receive``: one atomic step at the receiver), and its
operations as ordinary ``@input``/``@output``/``@internal`` families that call ``send`` /
``send_all``. The substrate adds the network and the environment's faults and turns the whole into
one ``Spec``, so the same handlers are explored exhaustively at small scopes (``ioakit explore``,
``check``, ``compare``, ``refine``) and simulated in long seeded runs that record traces
(``ioakit simulate --record``) — Stateright's actor models are the example followed.

The system model is Section 2 of *Deconstructing Paxos* (Boichat, Dutta, Frølund, Guerraoui):
processes are up or down; a crash loses volatile memory, stable storage survives; links may lose
and duplicate messages but create none (Section 2.2). Each is a scope parameter, so a model says
which faults it is explored under:

* ``reorder`` (default 1): 1 — each destination's in-flight messages form a multiset (kept as one
  ascending sequence ``net[q]`` of ``(sender, message)`` pairs, so equal multisets are equal states);
  any one may be delivered next. 0 — FIFO channels ``net[q, j]`` (from j to q), delivered in order.
* ``loss`` — how many messages the network may drop (``lose``), in total.
* ``duplication`` — how many extra copies it may deliver (``duplicate`` adds one to the channel).
* ``crashes`` — crash events (``crash(p)``, an input of the environment): p stops; its volatile
  variables return to their start values (the paper: a crash loses volatile memory; resetting at
  the crash rather than at the recovery is the same to every observer). Without recoveries
  (crash-stop, Section 4) the messages in flight to p, and those sent to it later, are dropped,
  and all of p's variables return to their start values: nothing of p is ever read again, and
  keeping them would only multiply states. With recoveries, a
  message to a down process waits in the network (and may be lost, within ``loss``).
* ``recoveries`` — recovery events (``recover(p)``), which run the model's recovery procedure
  (``on_recover``, the paper's ``upon recovery do``).
* ``stable_storage`` (default 1) — 1: the variables declared ``stable=True`` survive a crash (the
  model writes them through to stable storage, as Figure 12 does with ``store``); 0: they are
  lost like the rest, to see what an algorithm needs its log for.

Limits, said plainly: the number of in-flight messages per destination (per channel, for FIFO) is
bounded by the model's ``capacity``; a send beyond it is a step cut off by the scope, reported by
every engine as INCOMPLETE, never dropped silently. Models on the substrate run in the concrete
semantics: the canonical multiset insert has a Z3 meaning only for ordered elements, and
messages are tagged unions, which Z3 does not order yet (``NoSymbolicEncoding`` if tried).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ioakit.lang import ir
from ioakit.lang.automaton import (
    ActionDecl,
    Decl,
    Kind,
    Machine,
    Scope,
    ScopeParam,
    Spec,
    from_state,
)
from ioakit.lang.ir import Term
from ioakit.lang.types import BoolT, EnumT, IntT, MapT, RecordT, SchemaError, SeqT, TupleT, Type, UnionT

REORDER = ScopeParam(
    "reorder", 1, "1: a destination's in-flight messages are delivered in any order; 0: FIFO channels", 0, 1
)
LOSS = ScopeParam("loss", 0, "messages the network may lose, in total", min=0, max=20)
DUPLICATION = ScopeParam("duplication", 0, "extra copies of messages the network may deliver, in total", min=0, max=20)
CRASHES = ScopeParam("crashes", 1, "crash events the environment may cause, in total", min=0, max=20)
RECOVERIES = ScopeParam("recoveries", 0, "recovery events the environment may cause, in total", min=0, max=20)
STABLE_STORAGE = ScopeParam("stable_storage", 1, "1: variables declared stable survive a crash; 0: they do not", 0, 1)
NETWORK_PARAMETERS = (REORDER, LOSS, DUPLICATION)
"""The link faults of Section 2.2 (and ordering), for a model's ``parameters``."""

RESERVED = frozenset({"q", "j", "p", "slot"})
"""Names a message field may not take: the receiver ``q``, the sender ``j`` of a delivery."""

ENVIRONMENT_COUNTERS = ("env_ops", "env_crashes", "env_recoveries", "net_lost", "net_extra", "env_rounds")
"""Hidden counters of the environment's and the network's budgets (not the algorithm's state)."""


@dataclasses.dataclass(frozen=True)
class Local:
    """A process-local variable: one value per process (``s.<name>[p]``)."""

    name: str
    type: Type
    start: Any
    stable: bool


class MessagePassing(Spec):
    """Base class of algorithms on the substrate; see the module docstring.

    A subclass defines ``MESSAGES`` (tag → its field names, as the paper writes the message:
    ``"ackREAD": ("k", "kp", "v")`` for ``[ackREAD, k, k', v]``), ``message_types`` (tag → the
    fields' types at a scope), ``declare_processes`` (domains, with ``P`` the processes, and
    ``local`` variables), ``capacity`` (in-flight bound per destination), one
    ``on_<TAG>(s, i, j, m)`` per tag (p_i receives ``m`` from p_j; ``m.k`` reads a field),
    ``idle(s, p)`` (p has no operation pending: the environment invokes only then), and its
    operations. ``history_automaton`` names the specification whose histories its runs record.
    """

    MESSAGES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    history_automaton: ClassVar[str | None] = None

    # -- what a model defines -------------------------------------------------------------------
    def declare_processes(self, sc: Scope, d: Decl) -> None:
        raise NotImplementedError

    def message_types(self, sc: Scope, d: Decl) -> Mapping[str, tuple[Type, ...]]:
        """Tag → the types of its fields, in ``MESSAGES`` order, at scope ``sc``."""
        raise NotImplementedError

    def capacity(self, sc: Scope) -> int:
        """How many messages may be in flight to one destination (FIFO: on one channel)."""
        raise NotImplementedError

    def idle(self, s: Any, p: Term) -> Any:
        """Whether p has no operation pending (a well-formed client invokes one at a time)."""
        return True

    def on_recover(self, s: Any, p: Term) -> None:
        """The recovery procedure (``upon recovery do``); by default nothing."""

    def history(self, events: Any) -> list[Any]:
        """The events of an execution (``Execution.events()``) that make up a history of
        ``history_automaton``, as trace ``Event``s (``ioakit simulate --record`` writes them)."""
        raise NotImplementedError(f"{self.name} records no history")

    def may_crash(self, s: Any, p: Term) -> Any:
        """An environment assumption on crashes (e.g. Ω's stable leader stays up); default true."""
        return True

    # -- helpers for models ---------------------------------------------------------------------
    def local(self, d: Decl, name: str, typ: Type, start: Any = None, *, stable: bool = False) -> None:
        """Declare a process-local variable (``s.<name>[p]``) with the same start value at every
        process; ``stable`` variables survive crashes when the scope has stable storage."""
        P = d.types["P"]
        v = typ.default() if start is None else start
        if isinstance(v, Term):
            if not v.is_const:
                raise SchemaError(f"start value of local variable {name} must be a constant")
            v = v.value
        if not typ.check(v):
            raise SchemaError(f"start value {v!r} of local variable {name} is not a value of {typ}")
        d.var(name, MapT((P,), typ), (v,) * len(d.domains["P"]))
        self._locals.append(Local(name, typ, v, stable))

    def send(self, s: Any, i: Any, j: Any, tag: str, **fields: Any) -> None:
        """p_i sends ``[tag, fields]`` to p_j (inside ``with s.when(c):`` it is sent only if c)."""
        msg = self._message(tag, fields)
        box = s.net[j] if self._reorder else s.net[j, i]
        new = box.insert_sorted((i, msg)) if self._reorder else box.append(msg)
        if not self._scope.as_dict().get("recoveries", 0):  # crash-stop: a crashed p_j never handles it
            new = ir.ite(s.up[j], new, box)
        if self._reorder:
            s.net[j] = new
        else:
            s.net[j, i] = new

    def send_all(self, s: Any, i: Any, tag: str, **fields: Any) -> None:
        """p_i sends ``[tag, fields]`` to all processes, itself included (the papers' "to all")."""
        for q in self._processes():
            self.send(s, i, q, tag, **fields)

    def invoke(self, s: Any, p: Term) -> None:
        """The environment's side of an operation invocation at p: p is up and idle, and the
        budget ``max_ops`` is not spent (assumptions, not preconditions: see ``StateProxy.assume``)."""
        s.assume(s.up[p])
        s.assume(self.idle(s, p))
        s.assume(s.env_ops < self._scope.as_dict().get("max_ops", 0))
        s.env_ops = s.env_ops + 1

    # -- the generated automaton ----------------------------------------------------------------
    def declare(self, sc: Scope) -> Decl:
        self._scope = sc
        self._locals: list[Local] = []
        d = Decl()
        self.declare_processes(sc, d)
        if "P" not in d.domains:
            raise SchemaError(f"{self.name}: declare_processes must declare the processes' domain P")
        self._P = d.domains["P"]
        P = EnumT(self._P)
        types = dict(self.message_types(sc, d))
        if set(types) != set(self.MESSAGES):
            raise SchemaError(
                f"{self.name}: message_types gives {sorted(types)}, MESSAGES declares {sorted(self.MESSAGES)}"
            )
        msgs = {}
        for tag, names in self.MESSAGES.items():
            ftypes = types[tag]
            if len(ftypes) != len(names):
                raise SchemaError(f"{self.name}: message {tag} has fields {names} but {len(ftypes)} type(s)")
            msgs[tag] = RecordT(tag, tuple(zip(names, ftypes)))
            for f, ft in zip(names, ftypes):
                d.type(f"{tag}.{f}", ft)
        self._reorder = bool(sc.as_dict().get("reorder", 1))
        n = len(d.domains["P"])
        self._has_net = bool(msgs)
        if msgs:  # a model without messages (Figure 7: Ω is its only input) has no network
            self._msg_type = M = UnionT("Msg", tuple(msgs.items()))
            d.type("Msg", M)
            cap = self._cap = self.capacity(sc)
            self._box = SeqT(TupleT(P, M), cap) if self._reorder else SeqT(M, cap)
            d.var("net", MapT((P,) if self._reorder else (P, P), self._box))
        d.var("up", MapT((P,), BoolT()), (True,) * n)
        g = sc.as_dict()
        for name, bound in zip(
            ENVIRONMENT_COUNTERS,
            (
                g.get("max_ops", 0),
                g.get("crashes", 0),
                g.get("recoveries", 0),
                g.get("loss", 0),
                g.get("duplication", 0),
            ),
        ):
            d.var(name, IntT(0, bound), 0)
        return d

    def _build(self, given: Any, environment: bool) -> Machine:
        m = super()._build(given, environment)
        hidden = frozenset(ENVIRONMENT_COUNTERS) & set(m.var_names)
        return dataclasses.replace(m, hidden_vars=m.hidden_vars | hidden)

    def _processes(self) -> list[Term]:
        return [ir.const(EnumT(self._P), k) for k in range(len(self._P))]

    def _message(self, tag: str, fields: Mapping[str, Any]) -> Term:
        rt = self._msg_type.variant_type(tag)
        assert isinstance(rt, RecordT)
        names = [f for f, _ in rt.fields]
        if set(fields) != set(names):
            raise SchemaError(f"{self.name}: message {tag} takes fields {names}, got {sorted(fields)}")
        return ir.inj(self._msg_type, tag, ir.record(rt, *(ir.lift(fields[f], t) for f, t in rt.fields)))

    def families(self) -> list[tuple[str, Callable[..., Any], ActionDecl]]:
        """The model's own action families, then the substrate's: one delivery family per
        message tag (``recv_<TAG>``), the environment's ``crash`` (and ``recover``), the network's
        ``lose`` and ``duplicate`` (when the model's parameters allow those faults)."""
        out = super().families()
        params = {p.name for p in self.parameters}
        for tag in self._tags():
            out.append(self._delivery(tag))
        out.append(("crash", _crash, ActionDecl(Kind.INPUT, {"p": "P"}, None, {}, "p", "crash")))
        if "recoveries" in params:
            out.append(("recover", _recover, ActionDecl(Kind.INPUT, {"p": "P"}, None, {}, "p", "recover")))
        fault = {"q": "P", "j": from_state("P"), "m": from_state("Msg")}
        if "loss" in params:
            out.append(("lose", _lose, ActionDecl(Kind.INTERNAL, dict(fault), None, {}, "q", "lose")))
        if "duplication" in params:
            out.append(("duplicate", _duplicate, ActionDecl(Kind.INTERNAL, dict(fault), None, {}, "q", "duplicate")))
        return out

    def _tags(self) -> list[str]:
        for tag in self.MESSAGES:
            if not callable(getattr(self, f"on_{tag}", None)):
                raise SchemaError(f"{self.name}: message {tag} has no handler on_{tag}(self, s, i, j, m)")
            clash = sorted(RESERVED & set(self.MESSAGES[tag]))
            if clash:
                raise SchemaError(f"{self.name}: message {tag} has field(s) {clash}, names the substrate reserves")
        return list(self.MESSAGES)

    def _delivery(self, tag: str) -> tuple[str, Callable[..., Any], ActionDecl]:
        fields = self.MESSAGES[tag]

        def deliver(spec: MessagePassing, s: Any, q: Term, **_: Any) -> None:
            spec._deliver(s, q, tag)

        params: dict[str, Any] = {"q": "P", "j": from_state("P")}
        params.update({f: from_state(f"{tag}.{f}") for f in fields})
        deliver.__doc__ = f"Deliver a [{tag}, ...] message to q and run q's handler on_{tag} (one atomic step)."
        return f"recv_{tag}", deliver, ActionDecl(Kind.INTERNAL, params, None, {}, "q", f"recv_{tag}")

    def _take(self, s: Any, q: Term) -> tuple[Term, Term, Any]:
        """Choose an in-flight message to q: (sender, message, remove-it callback)."""
        if self._reorder:
            box = s.net[q]
            slot = s.choose("slot", IntT(1, self._cap))
            s.require(slot <= box.length)
            e = box.at(slot)
            # equal copies sit side by side: deliver the first of them only (same successor)
            s.require(ir.Or(slot == 1, box.at(slot - 1) != e))

            def remove() -> None:
                s.net[q] = box.remove_at(slot)

            return e[0], e[1], remove
        j = s.choose("from", self._P)
        chan = s.net[q, j]
        s.require(chan.length > 0)
        head = chan.head()

        def remove_head() -> None:
            s.net[q, j] = chan.tail()

        return j, head, remove_head

    def _deliver(self, s: Any, q: Term, tag: str) -> None:
        j, msg, remove = self._take(s, q)
        s.require(s.up[q])
        s.require(msg.is_(tag))
        m = msg.as_(tag)
        rt = self._msg_type.variant_type(tag)
        s.bind(j=j, **{f: getattr(m, f) for f, _ in rt.fields})
        remove()
        getattr(self, f"on_{tag}")(s, q, j, m)

    def _reset(self, s: Any, p: Term, keep_stable: bool) -> None:
        for v in self._locals:
            if not (keep_stable and v.stable):
                getattr(s, v.name)[p] = ir.const(v.type, v.start)


def _crash(spec: MessagePassing, s: Any, p: Term) -> None:
    """crash(p): p stops and loses its volatile memory (Section 2.1)."""
    g = spec._scope.as_dict()
    s.assume(s.up[p])
    s.assume(s.env_crashes < g.get("crashes", 0))
    s.assume(spec.may_crash(s, p))
    s.up[p] = False
    s.env_crashes = s.env_crashes + 1
    # crash-stop: nothing of p is read again, so all of it returns to its start (one state, not many)
    spec._reset(s, p, keep_stable=bool(g.get("stable_storage", 1) and g.get("recoveries", 0)))
    if spec._has_net and not g.get("recoveries", 0):  # crash-stop: nothing in flight to p can ever be handled
        if spec._reorder:
            s.net[p] = ir.const(spec._box, ())
        else:
            for j in spec._processes():
                s.net[p, j] = ir.const(spec._box, ())


def _recover(spec: MessagePassing, s: Any, p: Term) -> None:
    """recover(p): p is up again and runs its recovery procedure (Section 2.1)."""
    s.assume(~s.up[p])
    s.assume(s.env_recoveries < spec._scope.as_dict().get("recoveries", 0))
    s.up[p] = True
    s.env_recoveries = s.env_recoveries + 1
    spec.on_recover(s, p)


def _lose(spec: MessagePassing, s: Any, q: Term) -> None:
    """The network loses one in-flight message to q (fair loss allows it; Section 2.2)."""
    s.require(s.net_lost < spec._scope.as_dict().get("loss", 0))
    j, msg, remove = spec._take(s, q)
    s.bind(j=j, m=msg)
    remove()
    s.net_lost = s.net_lost + 1


def _duplicate(spec: MessagePassing, s: Any, q: Term) -> None:
    """The network will deliver one in-flight message to q once more (finite duplication)."""
    s.require(s.net_extra < spec._scope.as_dict().get("duplication", 0))
    j, msg, _ = spec._take(s, q)
    s.bind(j=j, m=msg)
    if spec._reorder:
        s.net[q] = s.net[q].insert_sorted((j, msg))
    else:
        s.net[q, j] = s.net[q, j].append(msg)
    s.net_extra = s.net_extra + 1
