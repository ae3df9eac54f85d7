"""Lemma 4.2 checked on traces of the machines' own executions, and mutants that it must reject."""

from __future__ import annotations

from ioakit.lang.automaton import input, output
from ioakit.lang.ir import BOT, const
from ioakit.specs.fls import VSMachine, WeakVSMachine
from ioakit.traces.fls.machine_runs import all_executions, check_lemma_4_2, execution_events, shortest_executions


def test_lemma_4_2_on_every_shortest_execution_of_vs_machine():
    m = VSMachine().build({})
    r = check_lemma_4_2(m, "shortest")
    assert r.holds and r.executions == 2197
    # the check is not vacuous: deliveries and safe indications occur, and each got a cause
    evs = [e for ex in shortest_executions(m) for e in execution_events(ex)]
    assert sum(e.action == "gprcv" for e in evs) > 500
    assert sum(e.action == "safe" for e in evs) > 100


def test_lemma_4_2_on_all_short_executions_of_both_machines():
    for spec in (VSMachine(), WeakVSMachine()):
        r = check_lemma_4_2(spec.build({}), "exhaustive", depth=6)
        assert r.holds, r.to_json()
        assert r.executions == sum(1 for _ in all_executions(spec.build({}), 6))


def test_lemma_4_2_on_simulated_runs_of_a_larger_scope():
    m = VSMachine().build({"processors": 3, "initial_members": 1, "view_ids": 3, "messages": 2, "max_inputs": 3})
    r = check_lemma_4_2(m, "simulated", runs=200, steps=60, seed=5)
    assert r.holds and r.executions == 200 and r.events > 1000


class VSDuplicates(VSMachine):
    """Mutant: gprcv does not advance next[q, g], so a message can be delivered twice."""

    name = "VS-dup"

    @output(m="M", p="P", q="P")
    def gprcv(self, s, m, p, q):
        g = s.current_viewid[q]
        s.require(g != BOT)
        s.require(s.next[q, g] <= s.queue[g].length)
        s.require(s.queue[g].at(s.next[q, g]) == (m, p))


class VSWrongView(VSMachine):
    """Mutant: gpsnd files the message under view g0 whatever the sender's view."""

    name = "VS-wrong-view"

    @input(m="M", p="P")
    def gpsnd(self, s, m, p):
        g0 = const(s.current_viewid.type.val.without_bottom(), 0)
        with s.when(s.current_viewid[p] != BOT):
            s.pending[p, g0] = s.pending[p, g0].append(m)


def test_duplicating_mutant_is_rejected_by_no_duplication():
    m = VSDuplicates().build({})
    # its gprcv is a self-loop, which no shortest execution takes twice: only enumeration finds it
    assert check_lemma_4_2(m, "shortest").holds
    r = check_lemma_4_2(m, "exhaustive", depth=6)
    assert not r.holds
    assert r.first_failure.failed_property == "no_duplication"
    assert r.first_failing_execution.labels()[-1].startswith("gprcv")


def test_wrong_view_mutant_is_rejected_by_message_integrity():
    r = check_lemma_4_2(VSWrongView().build({"max_inputs": 1}), "shortest")
    assert not r.holds
    assert r.first_failure.failed_property == "message_integrity"
