"""Tests of ITF export, import and checking (ioakit.traces.itf, traces/ITF.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioakit import registry
from ioakit.cli import main
from ioakit.engines.explore import Execution, Explorer
from ioakit.errors import UserError
from ioakit.lang.types import (
    BOT_INDEX,
    BagT,
    BoolT,
    Domain,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
)
from ioakit.results import Verdict
from ioakit.traces.itf import (
    ACTION_TAKEN,
    NONDET_PICKS,
    ItfError,
    check_itf,
    decode_value,
    dumps_itf,
    encode_value,
    execution_to_itf,
    itf_states,
    loads_itf,
    read_itf,
    trace_file_to_itf,
    write_itf,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "traces" / "examples"

P = EnumT(Domain.numbered("P", 3, "p"))
G = EnumT(Domain.numbered("G", 2, "g", start=0))
VIEW = RecordT("view", (("id", G), ("set", SetT(P))))
MSG = UnionT("msg", (("plain", TupleT(P, IntT(0, 2))), ("summary", RecordT("sum", (("ord", SeqT(G, 2)),)))))

# every type constructor of ioakit.lang.types, alone and nested
TYPES: list[Type] = [
    BoolT(),
    IntT(-3, 3),
    IntT(-(2**70), 2**70),
    P,
    EnumT(P.domain, bottom=True),
    OptionT(VIEW),
    VIEW,
    TupleT(P, BoolT()),
    SeqT(TupleT(P, G), 3),
    SetT(P),
    SetT(VIEW),
    SetT(TupleT(IntT(1, 2), EnumT(P.domain, bottom=True))),
    BagT(P, 2),
    BagT(TupleT(P, BoolT()), 3),
    MapT((P,), IntT(1, 4)),
    MapT((P, G), SeqT(P, 2)),
    MapT((VIEW,), BoolT()),
    MapT((IntT(1, 2),), EnumT(G.domain, bottom=True)),
    MSG,
    SeqT(MSG, 2),
    MapT((P,), OptionT(RecordT("r", (("s", SetT(TupleT(P, BoolT()))), ("u", MSG), ("b", BagT(G, 2)))))),
    SetT(RecordT("summ", (("con", SeqT(P, 2)), ("high", EnumT(G.domain, bottom=True))))),  # no universe
]


def values_of(t: Type) -> st.SearchStrategy[Any]:
    """A Hypothesis strategy of the concrete values of ``t`` (well-formed by ``t.check``)."""
    if isinstance(t, BoolT):
        return st.booleans()
    if isinstance(t, IntT):
        return st.integers(t.lo, t.hi)
    if isinstance(t, EnumT):
        return st.sampled_from(list(t.values()))
    if isinstance(t, OptionT):
        return st.none() | values_of(t.elem)
    if isinstance(t, RecordT):
        return st.tuples(*(values_of(ft) for _, ft in t.fields))
    if isinstance(t, SeqT):
        return st.lists(values_of(t.elem), max_size=t.maxlen).map(tuple)
    if isinstance(t, SetT):
        return st.frozensets(values_of(t.elem), max_size=4)
    if isinstance(t, BagT):
        return st.tuples(*(st.integers(0, t.bound) for _ in t.universe()))
    if isinstance(t, MapT):
        return st.tuples(*(values_of(t.val) for _ in range(t.size)))
    if isinstance(t, UnionT):
        return st.one_of(*(values_of(vt).map(lambda v, i=i: (i, v)) for i, (_, vt) in enumerate(t.variants)))
    raise AssertionError(t)


@pytest.mark.parametrize("t", TYPES, ids=str)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_type_round_trips_through_itf_json(t: Type, data: Any) -> None:
    v = data.draw(values_of(t))
    assert t.check(v)
    j = encode_value(t, v)
    back = decode_value(t, json.loads(json.dumps(j)))  # through JSON text: tuples become lists
    assert back == v
    assert encode_value(t, back) == j  # canonical: equal values, equal JSON


def test_the_mapping_table_of_traces_itf_md() -> None:
    assert encode_value(IntT(0, 2**70), 5) == 5
    assert encode_value(IntT(0, 2**70), 2**60) == {"#bigint": str(2**60)}
    assert encode_value(P, 1) == "p2"
    assert encode_value(EnumT(P.domain, bottom=True), BOT_INDEX) == {"tag": "None", "value": {}}
    assert encode_value(EnumT(P.domain, bottom=True), 0) == {"tag": "Some", "value": "p1"}
    assert encode_value(VIEW, (1, frozenset({2, 0}))) == {"id": "g1", "set": {"#set": ["p1", "p3"]}}
    assert encode_value(TupleT(P, BoolT()), (0, True)) == {"#tup": ["p1", True]}
    assert encode_value(SeqT(P, 3), (2, 0, 2)) == ["p3", "p1", "p3"]
    assert encode_value(BagT(P, 2), (0, 2, 1)) == {"#map": [["p2", 2], ["p3", 1]]}
    two = MapT((P, G), IntT(0, 1))
    j = encode_value(two, tuple(range(6)) and (0, 1, 0, 0, 1, 1))
    assert j["#map"][:2] == [[{"#tup": ["p1", "g0"]}, 0], [{"#tup": ["p1", "g1"]}, 1]]
    assert encode_value(MSG, (0, (1, 2))) == {"tag": "plain", "value": {"#tup": ["p2", 2]}}
    assert encode_value(OptionT(P), None) == {"tag": "None", "value": {}}


def test_decoding_accepts_every_spelling_itf_allows() -> None:
    assert decode_value(IntT(0, 9), {"#bigint": "7"}) == 7
    assert decode_value(IntT(-9, 9), {"#bigint": "-7"}) == -7
    assert decode_value(SetT(P), {"#set": ["p3", "p1"]}) == frozenset({0, 2})  # any order
    m = MapT((P,), BoolT())
    assert decode_value(m, {"#map": [["p3", True], ["p1", False], ["p2", True]]}) == (False, True, True)


@pytest.mark.parametrize(
    ("t", "j", "message"),
    [
        (IntT(0, 3), 4, "outside 0..3"),
        (IntT(0, 3), True, "expected an integer"),
        (IntT(0, 3), {"#bigint": "1e3"}, "decimal string"),
        (P, "p9", "not an element of P"),
        (SetT(P), ["p1"], 'expected {"#set"'),
        (SetT(P), {"#set": ["p1", "p1"]}, "twice"),
        (MapT((P,), BoolT()), {"#map": [["p1", True]]}, "keys missing: p2, p3"),
        (MapT((P,), BoolT()), {"#map": [["p1", True], ["p1", True]]}, "twice"),
        (MapT((P, G), BoolT()), {"#map": [["p1", True]]}, "#tup"),
        (BagT(P, 2), {"#map": [["p1", 3]]}, "1..2"),
        (SeqT(P, 1), ["p1", "p2"], "exceeds"),
        (MSG, {"tag": "other", "value": 1}, "no variant 'other'"),
        (OptionT(P), {"tag": "Maybe", "value": 1}, '"Some" or "None"'),
        (VIEW, {"id": "g0"}, "fields id, set"),
        (TupleT(P, P), {"#tup": ["p1"]}, "2 components"),
        (BoolT(), {"#unserializable": "Nat"}, "#unserializable"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused(t: Type, j: Any, message: str) -> None:
    from ioakit.traces.itf import _ValueError

    with pytest.raises(_ValueError) as e:
        decode_value(t, j)
    assert message in str(e.value)


# -- machines: export, import, check -----------------------------------------------------------

MACHINES = [
    ("TO-machine", {"processors": 2, "values": 2, "max_inputs": 2}),
    ("VS-machine", {"processors": 2, "view_ids": 2, "messages": 1, "max_inputs": 2}),
    ("round-based-register", {}),
    ("round-based-register-fig5", {"processes": 2, "values": 1, "max_ops": 2}),
]


def simulated(name: str, scope: dict[str, int], seed: int, steps: int = 12) -> Execution:
    m = registry.get_spec(name).build(scope)
    r = Explorer(m).allow_bound_hits(True).simulate(steps=steps, runs=1, seed=seed, keep_executions=True)
    return r.executions[0]


def states_of(ex: Execution) -> list[tuple[Any, ...]]:
    return [ex.start, *(s for _, s in ex.steps)]


@pytest.mark.parametrize(("name", "scope"), MACHINES, ids=[n for n, _ in MACHINES])
def test_simulated_runs_round_trip_and_check(name: str, scope: dict[str, int]) -> None:
    ex = simulated(name, scope, seed=7)
    assert len(ex) > 3
    m = ex.machine
    text = dumps_itf(execution_to_itf(ex))
    assert text == dumps_itf(execution_to_itf(simulated(name, scope, seed=7)))  # deterministic
    trace = loads_itf(text)
    assert [s.values for s in itf_states(m, trace)] == states_of(ex)
    doc = json.loads(text)
    assert [s[ACTION_TAKEN] for s in doc["states"]] == ["init", *(m.actions[k].name for k, _ in ex.steps)]
    report = check_itf(m, trace, registry.default_properties(m))
    assert report.verdict is Verdict.OK, report.show()
    assert report.steps_checked == len(ex)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), which=st.sampled_from(MACHINES[:3]))
def test_random_runs_round_trip(seed: int, which: tuple[str, dict[str, int]]) -> None:
    ex = simulated(*which, seed=seed, steps=10)
    trace = loads_itf(dumps_itf(execution_to_itf(ex)))
    assert [s.values for s in itf_states(ex.machine, trace)] == states_of(ex)
    assert check_itf(ex.machine, trace).verdict is Verdict.OK


def to_run() -> tuple[Any, dict[str, Any]]:
    ex = simulated("TO-machine", {"processors": 2, "values": 2, "max_inputs": 3}, seed=3, steps=8)
    return ex.machine, execution_to_itf(ex)


def test_a_changed_state_is_not_a_step_and_is_located() -> None:
    m, doc = to_run()
    bad = copy.deepcopy(doc)
    bad["states"][4]["next"]["#map"][0][1] = 3
    r = check_itf(m, loads_itf(json.dumps(bad)))
    assert r.verdict is Verdict.VIOLATED and r.failed_state == 4
    assert "state 4 is not reached from state 3" in r.failure and "next" in r.failure


def test_the_recorded_action_and_picks_must_be_the_step_taken() -> None:
    m, doc = to_run()
    i = next(i for i, s in enumerate(doc["states"]) if s[ACTION_TAKEN] == "bcast")
    wrong = copy.deepcopy(doc)
    wrong["states"][i][ACTION_TAKEN] = "brcv"
    assert check_itf(m, loads_itf(json.dumps(wrong))).failed_state == i
    picks = copy.deepcopy(doc)
    a = picks["states"][i][NONDET_PICKS]["a"]["value"]
    picks["states"][i][NONDET_PICKS]["a"]["value"] = "a1" if a == "a2" else "a2"
    r = check_itf(m, loads_itf(json.dumps(picks)))
    assert r.verdict is Verdict.VIOLATED and r.failed_state == i and "bcast(a=" in r.failure
    unknown = copy.deepcopy(doc)
    unknown["states"][i][ACTION_TAKEN] = "gpsnd"
    with pytest.raises(ItfError, match=rf"state {i}, variable mbt::actionTaken: TO-machine has no action 'gpsnd'"):
        check_itf(m, loads_itf(json.dumps(unknown)))


def test_state_zero_must_be_a_start_state() -> None:
    m, doc = to_run()
    later = copy.deepcopy(doc)
    later["states"] = later["states"][2:]
    for i, s in enumerate(later["states"]):
        s["#meta"]["index"] = i
    r = check_itf(m, loads_itf(json.dumps(later)))
    assert r.verdict is Verdict.VIOLATED and r.failed_state == 0 and "not a start state" in r.failure


def test_hidden_variables_may_be_omitted_but_not_others() -> None:
    m, doc = to_run()
    no_hidden = copy.deepcopy(doc)
    no_hidden["vars"].remove("inputs_issued")
    for s in no_hidden["states"]:
        del s["inputs_issued"]
    r = check_itf(m, loads_itf(json.dumps(no_hidden)), registry.default_properties(m))
    assert r.verdict is Verdict.OK and r.omitted == ("inputs_issued",)
    no_queue = copy.deepcopy(doc)
    no_queue["vars"].remove("queue")
    for s in no_queue["states"]:
        del s["queue"]
    with pytest.raises(ItfError, match=r"lacks TO-machine's variable\(s\) queue"):
        check_itf(m, loads_itf(json.dumps(no_queue)))
    extra = copy.deepcopy(doc)
    extra["vars"].append("clock")
    for s in extra["states"]:
        s["clock"] = 0
    with pytest.raises(ItfError, match="TO-machine has no variable clock"):
        check_itf(m, loads_itf(json.dumps(extra)))


def test_a_property_false_in_a_state_is_violated_there(tmp_path: Path) -> None:
    from ioakit.invariants import load_invariants

    m, doc = to_run()
    inv = tmp_path / "q.inv"
    inv.write_text("machine TO-machine\ninvariant short_queue: len(queue) <= 1\n")
    props = load_invariants(inv, m).properties
    r = check_itf(m, loads_itf(json.dumps(doc)), props)
    first = next(i for i, s in enumerate(doc["states"]) if len(s["queue"]) > 1)
    assert r.verdict is Verdict.VIOLATED and r.failed_state == first and r.failed_property == "short_queue"


# -- malformed files: located errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1]", "a JSON object"),
        ("{", "not a JSON document"),
        ('{"vars": [], "states": [{}], "vars": []}', "duplicate member"),
        ('{"vars": ["x"], "states": [{"x": NaN}]}', "not a JSON document"),
        ('{"vars": ["x"], "states": [{"x": 1}], "extra": 1}', "unknown member"),
        ('{"states": []}', 'needs "vars" and "states"'),
        ('{"vars": ["x"], "states": []}', "is empty"),
        ('{"vars": ["x", "x"], "states": [{"x": 1}]}', "twice"),
        ('{"vars": ["x"], "states": [{"y": 1}]}', "state 0: the state lacks x"),
        ('{"vars": ["x"], "states": [{"x": 1}, {"#meta": {"index": 5}, "x": 1}]}', "state 1:"),
        ('{"vars": ["x"], "states": [{"x": 1}], "loop": 3}', '"loop"'),
    ],
)
def test_malformed_itf_is_located(text: str, message: str) -> None:
    with pytest.raises(ItfError) as e:
        loads_itf(text, "f.itf.json")
    assert str(e.value).startswith("f.itf.json") and message in str(e.value)


def test_a_bad_value_names_state_variable_and_place() -> None:
    m, doc = to_run()
    bad = copy.deepcopy(doc)
    bad["states"][2]["queue"] = [{"#tup": ["a9", "p1"]}]
    with pytest.raises(ItfError) as e:
        itf_states(m, loads_itf(json.dumps(bad), "t.itf.json"))
    where = "t.itf.json, state 2, variable queue: queue[0].#tup[0]"
    assert str(e.value) == f"{where}: 'a9' is not an element of A = {{a1, a2}}"


def _leaves(j: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(j, dict):
        return [p for k, v in j.items() for p in _leaves(v, (*path, k))]
    if isinstance(j, list):
        return [p for i, v in enumerate(j) for p in _leaves(v, (*path, i))] or [path]
    return [path]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fuzzed_files_give_a_report_or_a_user_error(data: Any) -> None:
    m, doc = to_run()
    bad = copy.deepcopy(doc)
    touched = []
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_leaves(bad["states"])))
        touched.append(path[0])
        junk = data.draw(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3), st.just([])))
        node = bad["states"]
        for k in path[:-1]:
            node = node[k]
        if path:
            node[path[-1]] = junk
    try:
        r = check_itf(m, loads_itf(json.dumps(bad)))
    except UserError as e:
        assert str(e).startswith("<itf>")
    else:
        if bad == doc:
            assert r.verdict is Verdict.OK
        if r.verdict is not Verdict.OK:  # the states before the first one changed are an execution
            assert r.failed_state is not None and r.failed_state >= min(touched)


# -- the hand-written examples (Apalache and Quint style) ---------------------------------------


def test_apalache_style_vs_machine_example_imports_and_checks() -> None:
    m = registry.get_spec("VS-machine").build({})
    trace = read_itf(EXAMPLES / "vs-machine-apalache.itf.json")
    states = itf_states(m, trace)
    nxt = dict(m.variables)["next"]
    assert nxt.show(states[3].values[m.var_index("next")]) == "[p1,g0↦1, p1,g1↦1, p2,g0↦2, p2,g1↦1]"  # #bigint
    created = dict(m.variables)["created"]
    assert created.show(states[4].values[m.var_index("created")]) == "{⟨g0, {p1, p2}⟩, ⟨g1, {p2}⟩}"
    from ioakit.invariants import load_invariants

    props = load_invariants(registry.find_invariant_file("vs_lemma_4_1"), m).properties
    r = check_itf(m, trace, props)
    assert r.verdict is Verdict.OK and r.steps_checked == 5, r.show()
    skipped = json.loads((EXAMPLES / "vs-machine-apalache.itf.json").read_text())
    del skipped["states"][4]  # newview of a view never created
    for i, s in enumerate(skipped["states"]):
        s["#meta"]["index"] = i
    r = check_itf(m, loads_itf(json.dumps(skipped)))
    assert r.verdict is Verdict.VIOLATED and r.failed_state == 4


def test_quint_style_to_machine_example_checks_with_its_actions() -> None:
    m = registry.get_spec("TO-machine").build({})
    r = check_itf(m, read_itf(EXAMPLES / "to-machine-quint.itf.json"), registry.default_properties(m))
    assert r.verdict is Verdict.OK, r.show()
    assert r.actions == ("bcast", "bcast", "to_order", "brcv", "to_order", "brcv", "brcv")


# -- ioakit trace files -> ITF, and the command line --------------------------------------------


def test_a_trace_file_without_snapshots_is_replayed_into_itf() -> None:
    m, doc = trace_file_to_itf(EXAMPLES / "to-machine-trace.jsonl")
    assert len(doc["states"]) == 8
    assert check_itf(m, loads_itf(dumps_itf(doc))).verdict is Verdict.OK
    assert doc["states"][-1]["next"] == {"#map": [["p1", 2], ["p2", 3]]}


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_simulate_record_convert_and_check(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "run.itf.json"
    rec = tmp_path / "rec"
    args = ["simulate", "TO-machine", "--runs", "1", "--steps", "9", "--seed", "4", "--record", str(rec)]
    code, _, err = run(capsys, *args, "--itf", str(out))
    assert code == 0 and "wrote" in err
    code, _, err = run(capsys, *args[:-2], "--itf", str(out))
    assert code == 2 and "exists" in err
    conv = tmp_path / "conv.itf.json"
    code, _, _ = run(capsys, "trace", str(rec / "run-0000.jsonl"), "--to-itf", str(conv))
    assert code == 0
    assert json.loads(conv.read_text())["states"] == json.loads(out.read_text())["states"]  # snapshots == run
    code, stdout, _ = run(capsys, "trace", str(out), "--json")
    assert code == 0 and json.loads(stdout)["verdict"] == "OK"
    doc = json.loads(out.read_text())
    doc["states"][3]["next"]["#map"][1][1] = 4
    write_itf(out, doc, force=True)
    code, stdout, _ = run(capsys, "trace", str(out), "--json")
    assert code == 1 and json.loads(stdout)["failed_state"] == 3
    (tmp_path / "bad.json").write_text(
        '{"vars": ["queue", "pending", "next"], "states": [{"queue": 7, "pending": 0, "next": 0}]}'
    )
    code, _, err = run(capsys, "trace", str(tmp_path / "bad.json"), "--machine", "TO-machine")
    assert code == 2 and "state 0, variable queue" in err and "Traceback" not in err


def test_cli_check_writes_the_shortest_counterexample(tmp_path: Path, capsys: Any) -> None:
    inv = tmp_path / "q.inv"
    inv.write_text("machine TO-machine\ninvariant short_queue: len(queue) <= 1\n")
    out = tmp_path / "cex.itf.json"
    code, _, err = run(capsys, "check", "TO-machine", str(inv), "--itf", str(out))
    assert code == 1 and "counterexample to short_queue" in err
    doc = json.loads(out.read_text())
    assert [len(s["queue"]) for s in doc["states"]] == [0, 0, 0, 1, 2]  # two bcasts, two to-orders
    code, stdout, _ = run(capsys, "trace", str(out), "--invariants", str(inv), "--json")
    assert code == 1 and json.loads(stdout)["failed_state"] == 4


def test_a_property_that_depends_on_omitted_hidden_values_is_not_judged(tmp_path: Path) -> None:
    import dataclasses

    from ioakit.invariants import load_invariants

    m, doc = to_run()
    # TO-machine with `next` hidden: a brcv changes only `next`, so a file without `next` and
    # without the action taken leaves open which processor received
    hidden = dataclasses.replace(m, hidden_vars=m.hidden_vars | {"next"})
    blind = copy.deepcopy(doc)
    blind["vars"] = ["queue", "pending"]
    for s in blind["states"]:
        for n in ("next", "inputs_issued", ACTION_TAKEN, NONDET_PICKS):
            del s[n]
    inv = tmp_path / "n.inv"
    inv.write_text("machine TO-machine\ninvariant p1_first: next[p1] == 1\n")
    props = load_invariants(inv, hidden).properties
    first_brcv = next(i for i, s in enumerate(doc["states"]) if s[ACTION_TAKEN] == "brcv")
    r = check_itf(hidden, loads_itf(json.dumps(blind)), props)
    assert r.verdict is Verdict.UNKNOWN and r.failed_state == first_brcv, r.show()
    assert "not judged" in r.failure
    assert check_itf(hidden, loads_itf(json.dumps(blind))).verdict is Verdict.OK  # the steps themselves


def test_step_items_of_an_invariant_file_are_judged_on_each_step(tmp_path: Path, capsys: Any) -> None:
    from ioakit.invariants import load_invariants

    m, doc = to_run()
    inv = tmp_path / "s.inv"
    inv.write_text(
        "machine TO-machine\n"
        "step next_grows: forall p in P: next'[p] >= next[p]\n"
        "step no_order: not (action is to_order)\n"
    )
    invs = load_invariants(inv, m)
    r = check_itf(m, loads_itf(json.dumps(doc)), [], invs.step_properties)
    first = next(i for i, s in enumerate(doc["states"]) if s[ACTION_TAKEN] == "to_order")
    assert r.verdict is Verdict.VIOLATED and r.failed_state == first and r.failed_property == "no_order", r.show()
    out = tmp_path / "run.itf.json"
    write_itf(out, doc)
    code, stdout, _ = run(capsys, "trace", str(out), "--invariants", str(inv), "--json")
    assert code == 1 and json.loads(stdout)["failed_property"] == "no_order"


def test_writing_refuses_to_overwrite_and_reports_a_bad_directory(tmp_path: Path) -> None:
    _, doc = to_run()
    out = tmp_path / "a.itf.json"
    write_itf(out, doc)
    before = out.read_text()
    with pytest.raises(UserError, match="exists"):
        write_itf(out, {"vars": [], "states": []})
    assert out.read_text() == before
    write_itf(out, doc, force=True)
    assert out.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["a.itf.json"]  # no temp left
    with pytest.raises(UserError, match="does not exist"):
        write_itf(tmp_path / "no" / "such" / "dir.itf.json", doc)


def test_recorded_actions_can_be_ignored(tmp_path: Path, capsys: Any) -> None:
    m, doc = to_run()
    renamed = copy.deepcopy(doc)
    for s in renamed["states"][1:]:
        s[ACTION_TAKEN] = "Step"  # a Quint spec's own action name
    with pytest.raises(ItfError, match="no action 'Step'"):
        check_itf(m, loads_itf(json.dumps(renamed)))
    assert check_itf(m, loads_itf(json.dumps(renamed)), actions=False).verdict is Verdict.OK
    out = tmp_path / "r.itf.json"
    write_itf(out, renamed)
    assert run(capsys, "trace", str(out))[0] == 2
    assert run(capsys, "trace", str(out), "--ignore-actions")[0] == 0


def test_converting_a_trace_that_is_no_execution_is_located_by_line(tmp_path: Path) -> None:
    lines = (EXAMPLES / "to-machine-trace.jsonl").read_text().splitlines()
    del lines[3]  # the first to-order: the brcv of a2 (now line 5) finds an empty queue
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"bad.jsonl:5: brcv\{.*\} is not a step of TO-machine"):
        trace_file_to_itf(bad)
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(lines[0].replace("TO-machine", "No-such-machine") + "\n")
    with pytest.raises(UserError, match=r"unknown\.jsonl:1:"):
        trace_file_to_itf(unknown)
