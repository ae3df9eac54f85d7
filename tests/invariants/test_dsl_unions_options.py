"""The invariant language on tagged unions, options, record-keyed maps and partial maps: parsing
(``m is summary``, ``m.summary``), type checking (``bot`` typed by an option, ``get``, ``dom``,
map lookups at records and tuples), exploring properties, and one located error per new mistake.

The machine is the summary exchange of ``tests/backends/summary_exchange.py`` (``last`` a union
``data | summary | ping``, ``gotstate[p, q]`` an option of a summary, ``cur[p]`` an option of a
view, ``seen`` a map keyed by views) and a small machine with a nested map of options."""

from __future__ import annotations

from typing import Any

import pytest
from backends.summary_exchange import SummaryExchange

from ioakit.invariants import (
    InvariantError,
    InvariantSyntaxError,
    InvariantTypeError,
    check_invariants,
    load_invariants,
)
from ioakit.invariants import syntax as S
from ioakit.invariants.errors import SourceFile
from ioakit.invariants.parser import parse
from ioakit.lang import ir
from ioakit.lang.automaton import Decl, Scope, ScopeParam, Spec, internal
from ioakit.lang.types import Domain, EnumT, IntT, MapT, OptionT, SetT, TupleT

HEAD = "machine summary-exchange\n"


@pytest.fixture(scope="module")
def ux() -> Any:
    return SummaryExchange().build({"processors": 1})


def _verdicts(machine: Any, text: str) -> dict[str, str]:
    invs = load_invariants(text, machine, filename="ux.inv")
    report = check_invariants(machine, invs, allow_bound_hits=True)
    return {r["name"]: r["verdict"] for r in report.to_json()["invariants"]}


def _error(machine: Any, text: str) -> InvariantError:
    with pytest.raises(InvariantError) as info:
        load_invariants(text, machine, filename="ux.inv")
    return info.value


def test_tag_tests_and_payloads_parse() -> None:
    f = parse(SourceFile("t.inv", HEAD + "invariant a: not last is summary or last.summary.con == 1"))
    body = f.items[0].body
    assert isinstance(body, S.Binary) and body.op == "or"
    assert body.left == S.Unary("not", S.IsTag(S.Name("last"), S.Ident("summary")))
    assert body.right.left == S.FieldSel(S.FieldSel(S.Name("last"), "summary"), "con")  # type: ignore[union-attr]


def test_properties_over_unions_options_and_maps_are_explored(ux: Any) -> None:
    text = (
        HEAD
        + """
def has(p, q) = gotstate[p, q] != bot

invariant sender: forall p, q in P: has(p, q) implies get(gotstate[p, q]).frm == q
invariant dom_is_not_bot: forall p, q in P: (p, q) in dom(gotstate) iff gotstate[p, q] != ⊥
invariant member: forall p in P: cur[p] != bot implies p in get(cur[p]).set
invariant seen_bounded: forall v in views: seen[v] <= 2 and seen[(g0, {})] == 0
invariant seen_current: forall p in P: cur[p] != bot implies seen[get(cur[p])] >= 1
invariant summaries_from_views: last is summary implies last.summary.con <= 2 and last.summary.frm in P
invariant wrong_tag_payload: last is ping implies last.summary == last.summary
invariant never_summary: not (last is summary)
invariant equal_unions: forall m in msg: m == last implies (m is ping iff last is ping)
"""
    )
    assert _verdicts(ux, text) == {
        "sender": "OK",
        "dom_is_not_bot": "OK",
        "member": "OK",
        "seen_bounded": "OK",
        "seen_current": "VIOLATED",  # receiving data with a zero counter resets seen[cur]
        "summaries_from_views": "OK",
        "wrong_tag_payload": "OK",
        "never_summary": "VIOLATED",
        "equal_unions": "OK",
    }


def test_the_same_formulas_in_z3_agree_with_exploration(ux: Any) -> None:
    """One term, two meanings: a held invariant is not refuted by BMC from the start state."""
    from ioakit.engines.prove import Prover

    text = HEAD + "invariant sender: forall p, q in P: gotstate[p, q] != bot implies get(gotstate[p, q]).frm == q\n"
    text += "invariant never_summary: not (last is summary)\n"
    invs = load_invariants(text, ux, filename="ux.inv")
    res = Prover(ux, allow_bound_hits=True).bmc(invs.properties, 3)
    assert res.item("sender").verdict.name == "OK"
    assert res.item("never_summary").verdict.name == "VIOLATED"


class NestedOptions(Spec):
    """``g[p][q]``: a map of maps of options (FLS's ``gotstate[p][q]`` written as nested maps)."""

    name = "nested-options"
    parameters = (ScopeParam("processors", 2, "number of processors", min=1),)

    def declare(self, sc: Scope) -> Decl:
        d = Decl()
        P = d.domain(Domain.numbered("P", sc["processors"], "p"))
        d.var("g", MapT((EnumT(P),), MapT((EnumT(P),), OptionT(IntT(0, 1)))))
        d.var("f", MapT((TupleT(EnumT(P), SetT(EnumT(P))),), OptionT(EnumT(P))))
        return d

    @internal(p="P", q="P")
    def put(self, s: Any, p: Any, q: Any) -> None:
        s.require(s.g[p][q] == ir.BOT)
        s.g[p] = s.g[p].put(q, ir.some(ir.ite(p == q, 1, 0)))
        s.f[(p, ir.set_lit(SetT(EnumT(p.type.domain)), q))] = ir.some(q)


def test_nested_maps_of_options_and_tuple_keys() -> None:
    m = NestedOptions().build({})
    text = """machine nested-options
invariant diag: forall p, q in P: g[p][q] != bot implies (get(g[p][q]) == 1 iff p == q)
invariant f_dom: forall p, q in P: (p, {q}) in dom(f) iff g[p][q] != bot
invariant f_val: forall p, q in P: f[(p, {q})] != bot implies get(f[(p, {q})]) == q
invariant f_other: forall p in P: f[(p, P)] == bot
"""
    assert set(_verdicts(m, text).values()) == {"OK"}


# -- one located error per new mistake -------------------------------------------------------------


def test_an_unknown_variant_in_a_tag_test_names_the_variants(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: last is sumary\n")
    assert isinstance(e, InvariantTypeError)
    assert str(e) == (
        "ux.inv:2:22: error: msg has no variant `sumary`; did you mean `summary`? (variants: data, summary, "
        "ping); write `last is data`\n"
        "   2 | invariant a: last is sumary\n"
        "     |                      ^^^^^^"
    )


def test_an_unknown_payload_names_the_variants(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: last.pong == last.pong\n")
    assert "ux.inv:2:14: error: msg has no variant `pong`" in str(e) and "(variants: data, summary, ping)" in str(e)
    assert "^^^^^^^^^" in str(e)


def test_a_tag_test_of_a_non_union(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: forall p in P: cur[p] is summary\n")
    assert (
        "ux.inv:2:29: error: `is summary` tests the variant of a tagged union, but cur[p] is an Option[views]" in str(e)
    )


def test_get_of_a_non_option(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: forall v in views: get(seen[v]) == 1\n")
    assert "ux.inv:2:37: error: get needs an option (a value or ⊥), got an Int value" in str(e)


def test_dom_of_a_total_map(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: forall p in P: p in dom(chan)\n")
    assert "ux.inv:2:38: error: dom needs a partial map (a map whose values are an option type)" in str(e)


def test_a_record_keyed_map_looked_up_with_an_element(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: forall p in P: seen[p] == 0\n")
    assert str(e).startswith("ux.inv:2:34: error: key 1 of seen must be a views value, got a P value")
    assert "`p` is bound here, to P" in str(e)


def test_bot_where_no_option_is(ux: Any) -> None:
    e = _error(ux, HEAD + "invariant a: forall v in views: seen[v] != bot\n")
    assert "⊥ is not a value of Int (⊥ belongs to the domains with ⊥, such as G⊥, and to options)" in str(e)


def test_is_needs_a_variant_name() -> None:
    with pytest.raises(InvariantSyntaxError) as info:
        parse(SourceFile("ux.inv", HEAD + "invariant a: last is 3\n"))
    assert str(info.value).startswith("ux.inv:2:22: error: unexpected the integer 3; expected a name")
