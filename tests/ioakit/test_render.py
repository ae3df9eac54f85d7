"""Pictures: deterministic DOT, safe escaping, refusal of huge graphs, no silent overwrite."""

from __future__ import annotations

import shutil

import pydot
import pytest

from ioakit.engines.explore import Explorer, Property
from ioakit.registry import get_spec
from ioakit.render import RenderError, cti_dot, execution_dot, state_graph_dot, write_picture


def _to(**scope):
    return get_spec("TO-machine").build({"processors": 1, "values": 2, "max_inputs": 2, **scope})


def test_state_graph_is_deterministic_and_parses():
    m = _to()
    a, b = state_graph_dot(m), state_graph_dot(_to())
    assert a == b
    (g,) = pydot.graph_from_dot_data(a)
    assert len([n for n in g.get_nodes() if n.get_name().startswith("s")]) == 31
    assert len(g.get_edges()) == Explorer(m).run().transitions


def test_violating_states_and_counterexample_are_marked():
    m = _to()
    bad = Property("queue_short", m.predicate(lambda s: s.queue.length < 2))
    r = Explorer(m).check([bad]).run()
    cex = r.result("queue_short").counterexample
    dot = state_graph_dot(m, props=[bad], highlight=cex)
    n_two = sum(len(s[0]) == 2 for s in Explorer(m).reachable())
    assert n_two == 12
    assert dot.count('color="red", fontcolor="red"') == n_two  # states with two queue entries
    assert dot.count("penwidth=2.5") == len(cex) == 4


def test_too_large_graph_is_refused_with_a_message():
    with pytest.raises(RenderError, match="more than 200 states"):
        state_graph_dot(get_spec("VS-machine").build({}))


def test_odd_names_are_escaped():
    m = _to()
    r = Explorer(m).check([Property("q", m.predicate(lambda s: s.queue.length == 0))]).run()
    dot = execution_dot(r.result("q").counterexample, title='he said "⟨⊥⟩" <b>&')
    assert '\\"⟨⊥⟩\\"' in dot
    pydot.graph_from_dot_data(dot)
    s0 = m.start_states[0]
    dot2 = cti_dot(m, s0, "to_order(a=a1,p=p1)", s0, ["x<y"])
    assert "x&lt;y" in dot2
    pydot.graph_from_dot_data(dot2)


def test_write_refuses_overwrite_and_unknown_formats(tmp_path):
    out = tmp_path / "g.dot"
    write_picture("digraph {}", out)
    with pytest.raises(RenderError, match="not overwriting"):
        write_picture("digraph { a }", out)
    assert out.read_text() == "digraph {}"
    write_picture("digraph { a }", out, force=True)
    assert "a" in out.read_text()
    with pytest.raises(RenderError, match="unknown picture format"):
        write_picture("digraph {}", tmp_path / "g.gif")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz not installed")
def test_svg_through_dot(tmp_path):
    p = write_picture(state_graph_dot(_to()), tmp_path / "g.svg")
    assert p.read_text().lstrip().startswith("<?xml")
