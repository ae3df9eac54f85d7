"""The alternating bit protocol refining a one-place buffer: a small, classic, bounded-state pair
(ours, for tests and benchmarks) whose runs can be as long as one likes.

After Bartlett, Scantlebury and Wilkinson, "A note on reliable full-duplex transmission over
half-duplex links" (CACM 1969), and Lynch, *Distributed Algorithms*, Section 22.3: a sender and a
receiver over two lossy FIFO channels of ``capacity`` slots each (data: sender → receiver, acks:
receiver → sender). The sender tags its current message with a bit and retransmits it until an
acknowledgement with that bit comes back; the receiver accepts a message whose bit is the one it
expects, flips its bit, and acknowledges the bit of the last message it accepted.

``send(a)`` is an *output* here: the sender takes the next message from its user when it is
ready (a handshake), rather than an always-enabled input that would need an unbounded queue —
so the state stays bounded however long the run (what the along-a-trace benchmark needs). A
channel that is full makes its sender wait; a channel may lose the message at its head.

``OnePlaceBuffer`` is the specification: ``send(a)`` when empty, ``deliver(a)`` when holding a.
``ABPToBuffer`` is the mapping: the buffer holds the receiver's undelivered message, else the
sender's current message if the receiver has not accepted it yet (the sender's bit is still the
one the receiver expects), else nothing. ``send`` and ``deliver`` correspond to themselves, every
internal step (transmissions, losses, receipts, acknowledgements) to nothing: the receipt that
accepts a message moves it from the sender's side of ``f`` to the receiver's, not changing ``f``.

``SloppyABP`` is a seeded bug: the receiver ignores the bit, so a retransmitted copy of a message
already delivered is delivered again.
"""

from __future__ import annotations

from typing import Any

from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal, output
from ioakit.lang.ir import BOT, ite, some
from ioakit.lang.types import BoolT, Domain, EnumT, OptionT, SeqT, TupleT
from ioakit.refinement.mapping import Refinement, call, fragment


class ABP(Spec):
    """The alternating bit protocol over lossy FIFO channels (see the module docstring)."""

    name = "ABP"
    source = "Bartlett–Scantlebury–Wilkinson 1969; Lynch, Distributed Algorithms, Section 22.3"
    parameters = (
        ScopeParam("values", 2, "number of message values |A| (a1, a2, ...)", min=1),
        ScopeParam("capacity", 1, "slots of each lossy FIFO channel", min=1),
    )

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        A = d.domain(Domain.numbered("A", sc["values"], "a"))
        c = sc["capacity"]
        d.var("s_busy", BoolT())  # the sender holds a message not yet acknowledged
        d.var("s_msg", EnumT(A))
        d.var("s_bit", BoolT())
        d.var("data", SeqT(TupleT(EnumT(A), BoolT()), c))  # ⟨message, bit⟩ in transit, head first
        d.var("acks", SeqT(BoolT(), c))
        d.var("r_bit", BoolT())  # the bit the receiver expects next
        d.var("r_out", OptionT(EnumT(A)))  # accepted, not yet delivered
        return d

    @output(a="A")
    def send(self, s, a):
        """The sender takes message a from its user when it holds none."""
        s.require(~s.s_busy)
        s.s_busy = True
        s.s_msg = a

    @internal()
    def xmit_data(self, s):
        """(Re)transmit the current message with its bit, when the data channel has room."""
        s.require(s.s_busy)
        s.require(s.data.length < s.data.type.maxlen)
        s.data = s.data.append((s.s_msg, s.s_bit))

    @internal()
    def lose_data(self, s):
        s.require(s.data.length > 0)
        s.data = s.data.tail()

    @internal()
    def recv_data(self, s):
        """Take the data channel's head; accept it if its bit is the expected one."""
        s.require(s.data.length > 0)
        m = s.data.head()
        s.data = s.data.tail()
        with s.when(self.accepts(s, m)):
            s.r_out = some(m[0])
            s.r_bit = ~s.r_bit

    def accepts(self, s: Any, m: Any) -> Any:
        """Whether the receiver accepts the message ⟨a, b⟩ it takes off the channel."""
        return (m[1] == s.r_bit) & (s.r_out == BOT)

    @output(a="A")
    def deliver(self, s, a):
        s.require(s.r_out == some(a))
        s.r_out = BOT

    @internal()
    def xmit_ack(self, s):
        """Acknowledge the bit of the last accepted message, once it is delivered."""
        s.require(s.r_out == BOT)
        s.require(s.acks.length < s.acks.type.maxlen)
        s.acks = s.acks.append(~s.r_bit)

    @internal()
    def lose_ack(self, s):
        s.require(s.acks.length > 0)
        s.acks = s.acks.tail()

    @internal()
    def recv_ack(self, s):
        """Take the ack channel's head; an ack of the current bit frees the sender."""
        s.require(s.acks.length > 0)
        b = s.acks.head()
        s.acks = s.acks.tail()
        with s.when(s.s_busy & (b == s.s_bit)):
            s.s_busy = False
            s.s_bit = ~s.s_bit


class SloppyABP(ABP):
    """A seeded bug: the receiver ignores the bit (accepts whatever arrives when it is free)."""

    name = "SloppyABP"

    def accepts(self, s: Any, m: Any) -> Any:
        return s.r_out == BOT


class OnePlaceBuffer(Spec):
    """A one-place buffer: ``send(a)`` when empty, ``deliver(a)`` when it holds a."""

    name = "OnePlaceBuffer"
    source = "ioakit tests"
    parameters = (ScopeParam("values", 2, "number of message values |A| (a1, a2, ...)", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        A = d.domain(Domain.numbered("A", sc["values"], "a"))
        d.var("buf", OptionT(EnumT(A)))
        return d

    @output(a="A")
    def send(self, s, a):
        s.require(s.buf == BOT)
        s.buf = some(a)

    @output(a="A")
    def deliver(self, s, a):
        s.require(s.buf == some(a))
        s.buf = BOT


class ABPToBuffer(Refinement):
    """f: buf = the receiver's undelivered message, else the sender's unaccepted one, else ⊥."""

    name = "abp-buffer"
    impl = ("ABP", "SloppyABP")
    spec = "OnePlaceBuffer"

    def spec_scope(self, sc: Scope) -> dict[str, int]:
        return {"values": sc["values"]}

    def abstraction(self, s: Any) -> dict[str, Any]:
        pending = s.s_busy & (s.s_bit == s.r_bit)
        return {"buf": ite(s.r_out != BOT, s.r_out, ite(pending, some(s.s_msg), s.r_out))}

    @fragment("send")
    def send(self, s: Any, a: Any) -> list[Any]:
        return [call("send", a=a)]

    @fragment("deliver")
    def deliver(self, s: Any, a: Any) -> list[Any]:
        return [call("deliver", a=a)]

    @fragment("xmit_data", "lose_data", "recv_data", "xmit_ack", "lose_ack", "recv_ack")
    def internal(self, s: Any) -> list[Any]:
        return []


def bind_abp(scope: dict[str, int] | None = None, impl: type[Spec] = ABP, decl: Refinement | None = None) -> Any:
    """``ABPToBuffer`` (or ``decl``) bound to ``impl`` at ``scope`` and the buffer at its scope."""
    from ioakit.refinement.mapping import build_mapping

    d = decl if decl is not None else ABPToBuffer()
    m = impl().build(scope or {})
    spec = OnePlaceBuffer().build(d.spec_scope(m.scope), environment=False)
    return build_mapping(d, m, spec)


def write_walk(m: Any, path: Any, events: int, seed: int, *, snapshots: bool = True, overwrite: bool = False) -> int:
    """Write a seeded random run of machine ``m`` (uniform over the enabled steps, streaming) as
    a trace file (``traces/FORMAT.md``): header with ``start_state``, one event per step, with the
    ``state`` after it when ``snapshots``. Stops early at a state with no step; returns the
    number of events written. Any machine will do; ABP's runs never stop."""
    import random

    from ioakit.traces.format import Event, TraceHeader, TraceWriter

    rng = random.Random(seed)
    succ = m.compiled().successors
    s = m.start_states[0]
    by = "random walk (tests/models/abp.py)"
    header = TraceHeader(m.name, m.scope.as_dict(), created_by=by, seed=seed, start_state=m.state_json(s))
    with TraceWriter(path, header, overwrite=overwrite) as w:
        for _ in range(events):
            enabled = [(k, t) for k, t in succ(s) if t is not None]
            if not enabled:
                break
            k, t = enabled[rng.randrange(len(enabled))]
            a = m.actions[k]
            state = m.state_json(t) if snapshots else None
            w.write(Event(a.name, a.kind.value, m.args_json_of(k, s), state=state))
            s = t
        return w.events_written
