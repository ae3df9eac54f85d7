"""DynaStore's exact Definition 3.1 check in exploration: the ghost log ``h_log`` of reads and writes
judged by the trace checker through an ``ir.oracle`` (``specs/dynastore/monitors.py``)."""

from __future__ import annotations

import pytest

from ioakit.lang import ir
from ioakit.lang.ops import Oracle
from ioakit.lang.types import BoolT, Domain, SchemaError, SeqT
from ioakit.specs.dynastore.monitors import RegisterLog, log_decider

P = Domain.numbered("P", 2, "p")
V = Domain.numbered("V", 2, "v")


def log(*names: str) -> tuple[int, ...]:
    ix = RegisterLog(P, V, 4).domain.index
    return tuple(ix(n) for n in names)


@pytest.mark.parametrize(
    ("events", "ok"),
    [
        ((), True),
        (("write p1 v1", "read p2", "read-return p2 ⊥", "write-return p1"), True),  # concurrent: ⊥ or v1
        (("write p1 v1", "write-return p1", "read p2", "read-return p2 ⊥"), False),  # stale read
        (("read p2", "read-return p2 v1"), False),  # a value never written
        (("write p1 v1", "read p2", "read-return p2 v1"), True),  # a pending write takes effect
        # new-old inversion: v2 overwrites v1 while two reads run one after the other
        (
            (
                "write p1 v1",
                "write-return p1",
                "write p1 v2",
                "read p2",
                "read-return p2 v2",
                "read p2",
                "read-return p2 v1",
            ),
            False,
        ),
        (("read p1", "read p1"), False),  # not well-formed: two operations pending at p1
        (("write-return p1",), False),  # a response without its invocation
    ],
)
def test_the_decider_judges_definition_3_1(events: tuple[str, ...], ok: bool) -> None:
    decide = log_decider(P, V)
    assert decide(log(*events)) is ok
    assert decide(log(*events)) is ok  # memoised: the same answer


def test_a_violation_extends_to_every_longer_log() -> None:
    """Prefix-closure: once a prefix is not linearizable, no extension is (the memo uses it)."""
    decide = log_decider(P, V)
    bad = log("write p1 v1", "write-return p1", "read p2", "read-return p2 ⊥")
    assert not decide(bad)
    assert not decide((*bad, *log("read p1", "read-return p1 v1")))


def test_the_oracle_op_folds_compiles_and_refuses_z3() -> None:
    even = Oracle("even-length", lambda s: len(s) % 2 == 0)
    seq = SeqT(BoolT(), 3)
    assert ir.oracle(even, ir.const(seq, (True, False))).data is True  # folded on a constant
    with pytest.raises(ir.TraceError, match="oracle needs an Oracle"):
        ir.build("oracle", (ir.const(seq, ()),), data=len)
    with pytest.raises(SchemaError, match="no Z3 meaning"):
        ir.ops.OPS["oracle"].z3(None, ir.Term("oracle", (), BoolT(), even), [None])


def test_the_explorer_reports_a_non_linearizable_history() -> None:
    """A seeded bug (vmax_i starting at v1 instead of ⊥): the first read returns a value nobody
    wrote; ``linearizable`` is violated by the exploration, its counterexample ending in that read."""
    from ioakit import registry
    from ioakit.engines.explore import Explorer
    from ioakit.results import Verdict

    m = registry.get_spec("dynastore-bug-vmax-start").build({"processes": 1, "init": 1, "values": 2, "max_ops": 3})
    r = Explorer(m).check(registry.default_properties(m)).run()
    res = r.result("linearizable")
    assert r.complete and res.verdict is Verdict.VIOLATED
    assert res.counterexample is not None and res.counterexample.labels()[-1].startswith("read_return")
