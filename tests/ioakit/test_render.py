"""Pictures: deterministic DOT, safe escaping, refusal of huge graphs, no silent overwrite."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pydot
import pytest

from ioakit.engines.explore import Explorer, Property
from ioakit.registry import get_spec
from ioakit.render import RenderError, cti_dot, execution_dot, message_chart_dot, state_graph_dot, write_picture


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
def test_svg_png_pdf_through_dot(tmp_path):
    dot = state_graph_dot(_to(), project=["queue"])
    assert write_picture(dot, tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert write_picture(dot, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert write_picture(dot, tmp_path / "g.PDF").read_bytes()[:5] == b"%PDF-"
    assert write_picture(dot, tmp_path / "g.dot").read_text(encoding="utf-8") == dot


# -- helpers: the graph drawn, read back with pydot ---------------------------------------------------


def _parse(dot: str) -> pydot.Dot:
    (g,) = pydot.graph_from_dot_data(dot)
    return g


def _unquote(s: str | None) -> str:
    s = s or ""
    if s.startswith('"') and s.endswith('"'):
        s = s[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return s


def _drawn(dot: str, prefix: str = "s") -> tuple[set[str], list[tuple[str, str, str, dict]]]:
    """The state nodes (names starting with ``prefix`` and a digit) and the edges of a state graph."""
    g = _parse(dot)
    nodes = {n.get_name() for n in g.get_nodes() if n.get_name()[:1] == prefix and n.get_name()[1:].isdigit()}
    edges = [(e.get_source(), e.get_destination(), _unquote(e.get_label()), e.get_attributes()) for e in g.get_edges()]
    return nodes, edges


def _graph(m):
    """The reachable graph, computed here from the compiled successors (not by ioakit.render):
    states in BFS order and (i, label, j, external) steps."""
    succ = m.compiled().successors
    index = {s: i for i, s in enumerate(dict.fromkeys(m.start_states))}
    order = list(index)
    steps = []
    i = 0
    while i < len(order):
        s = order[i]
        for k, t in succ(s):
            if t is None:
                continue
            if t not in index:
                index[t] = len(order)
                order.append(t)
            steps.append((i, m.label_of(k, s), index[t], m.actions[k].kind.external))
        i += 1
    return order, steps


def test_graph_counts_match_the_explorer():
    m = _to()
    nodes, edges = _drawn(state_graph_dot(m))
    r = Explorer(m).run()
    assert len(nodes) == r.states == len(_graph(m)[0])
    assert len(edges) == r.transitions


def test_vars_choose_the_rows():
    m = _to()
    g = _parse(state_graph_dot(m, variables=["queue", "next"]))
    labels = [n.get_label() for n in g.get_nodes() if n.get_name().startswith("s")]
    assert labels and all(lab.count("<TR>") == 3 for lab in labels)  # title + two variables
    assert all(">queue<" in lab and ">next<" in lab and ">pending<" not in lab for lab in labels)
    with pytest.raises(RenderError, match="no variable nope"):
        state_graph_dot(m, variables=["queue", "nope"])


def _traces(m, n):
    """The machine's finite traces of length ≤ n, by a subset construction over internal steps."""
    _order, steps = _graph(m)
    out_int, out_ext = {}, {}
    for i, lab, j, ext in steps:
        (out_ext.setdefault(i, []).append((lab, j)) if ext else out_int.setdefault(i, []).append(j))

    def closure(xs):
        todo, seen = list(xs), set(xs)
        while todo:
            for j in out_int.get(todo.pop(), ()):
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return frozenset(seen)

    frontier = {(): closure(range(len(dict.fromkeys(m.start_states))))}
    found = {()}
    for _ in range(n):
        nxt = {}
        for tr, xs in frontier.items():
            for x in xs:
                for lab, j in out_ext.get(x, ()):
                    nxt.setdefault((*tr, lab), set()).add(j)
        frontier = {tr: closure(ys) for tr, ys in nxt.items()}
        found |= set(frontier)
    return found


def test_hide_internal_paths_spell_exactly_the_traces():
    m = _to()
    dot = state_graph_dot(m, hide_internal=True)
    nodes, edges = _drawn(dot)
    assert all(not lab.startswith("to_order") for _, _, lab, _ in edges)
    starts = {n.get_name() for n in _parse(dot).get_nodes() if "(start)" in (n.get_label() or "")}
    assert starts == {"s0"}
    drawn = {()}
    frontier = {((), "s0")}
    for _ in range(4):
        frontier = {((*tr, lab), b) for tr, a in frontier for src, b, lab, _ in edges if src == a}
        drawn |= {tr for tr, _ in frontier}
    assert drawn == _traces(m, 4)
    _order, steps = _graph(m)
    kept = {0} | {j for _, _, j, ext in steps if ext}
    assert nodes == {f"s{j}" for j in kept}


def test_projection_collapses_states_and_dashes_stutter_steps():
    m = _to()
    order, steps = _graph(m)
    q = m.var_index("queue")
    values = list(dict.fromkeys(s[q] for s in order))
    dot = state_graph_dot(m, project=["queue"])
    nodes, edges = _drawn(dot, "c")
    assert len(nodes) == len(values) == len({s[0] for s in Explorer(m).reachable()})
    moving = {(values.index(order[i][q]), lab, values.index(order[j][q])) for i, lab, j, _ in steps}
    solid = {(int(a[1:]), lab, int(b[1:])) for a, b, lab, at in edges if at.get("style") != '"dashed"'}
    assert solid == {e for e in moving if e[0] != e[2]}
    dashed = [(a, b, lab) for a, b, lab, at in edges if at.get("style") == '"dashed"']
    loops = {v for v, _, w in moving if v == w}
    assert sorted(int(a[1:]) for a, _, _ in dashed) == sorted(loops)
    assert all(a == b and lab.startswith("stutter: ") for a, b, lab in dashed)
    # bcast and brcv leave the queue alone: they are the stutter steps here
    assert {n for _, _, lab in dashed for n in lab[9:].split(" (")[0].split(", ")} == {"bcast", "brcv"}


def test_mapping_projects_vstoto_onto_to_machine():
    from ioakit.refinement.refine import bind, mapping_named

    m = get_spec("VStoTO-system").build({"processors": 1, "initial_members": 1, "view_ids": 1, "max_inputs": 1})
    f = bind(mapping_named("vstoto-f"), m)
    order, _steps = _graph(m)
    images = list(dict.fromkeys(f.f(s) for s in order))
    dot = state_graph_dot(m, mapping=f)
    nodes, edges = _drawn(dot, "c")
    assert len(nodes) == len(images) == 4
    solid = [lab for a, b, lab, at in edges if a != b]
    # f moves only on the steps Lemma 6.25 matches with TO-machine steps: bcast, confirm (to-order), brcv
    assert sorted(x.split("(")[0] for x in solid) == ["bcast", "brcv", "confirm"]
    (loop,) = [lab for a, b, lab, at in edges if a == b]
    assert loop.startswith("stutter: label, gpsnd, vs_order, gprcv, safe")
    with pytest.raises(RenderError, match="give one"):
        state_graph_dot(m, mapping=f, project=["established"])


def test_around_draws_a_neighbourhood():
    m = _to()
    order, steps = _graph(m)
    for radius in (0, 1, 2):
        near = {3}
        for _ in range(radius):
            near |= {j for i, _, j, _ in steps if i in near} | {i for i, _, j, _ in steps if j in near}
        nodes, edges = _drawn(state_graph_dot(m, around="s3", radius=radius))
        assert nodes == {f"s{j}" for j in near}
        assert len(edges) == sum(i in near and j in near for i, _, j, _ in steps)
    empty = [j for j, s in enumerate(order) if s[0] == ()]
    nodes, _ = _drawn(state_graph_dot(m, around='{"queue": []}', radius=0))
    assert nodes == {f"s{j}" for j in empty} and len(empty) > 1
    with pytest.raises(RenderError, match="no variable"):
        state_graph_dot(m, around='{"qeue": []}')
    with pytest.raises(RenderError, match="s0 … s30"):
        state_graph_dot(m, around="99")
    with pytest.raises(RenderError, match="neither a state number"):
        state_graph_dot(m, around="{oops")


def test_invariant_file_marks_states_and_its_counterexample(tmp_path):
    from ioakit.invariants import load_invariants
    from ioakit.render import first_counterexample

    m = _to()
    inv = tmp_path / "short.inv"
    inv.write_text("machine TO-machine\ninvariant short_queue:\n  len(queue) < 2\n")
    props = load_invariants(inv, m).properties
    cex = first_counterexample(m, props, 1000)
    dot = state_graph_dot(m, props=props, highlight=cex)
    g = _parse(dot)
    red = [n for n in g.get_nodes() if n.get_name().startswith("s") and n.get_attributes().get("color") == '"red"']
    assert len(red) == sum(len(s[0]) >= 2 for s in Explorer(m).reachable()) == 12
    thick = [e for e in g.get_edges() if e.get_attributes().get("penwidth") == "2.5"]
    assert len(thick) == len(cex) == 4
    # the path goes from the start state and its last edge ends in a violating state
    assert thick[0].get_source() == "s0" or any(e.get_source() == "s0" for e in thick)
    assert {e.get_destination() for e in thick} & {n.get_name() for n in red}
    # projected, the path survives and the violating node is marked
    gp = _parse(state_graph_dot(m, props=props, highlight=cex, project=["queue"]))
    assert sum(e.get_attributes().get("penwidth") == "2.5" for e in gp.get_edges()) >= 2


def test_every_option_is_deterministic():
    from ioakit.refinement.refine import bind, mapping_named

    for kw in ({}, {"hide_internal": True}, {"project": ["queue", "next"]}, {"around": "s5", "radius": 2}):
        assert state_graph_dot(_to(), **kw) == state_graph_dot(_to(), **kw)
    scope = {"processors": 1, "initial_members": 1, "view_ids": 1, "max_inputs": 1}
    dots = []
    for _ in range(2):
        m = get_spec("VStoTO-system").build(scope)
        dots.append(state_graph_dot(m, mapping=bind(mapping_named("vstoto-f"), m)))
    assert dots[0] == dots[1]


def test_too_large_says_how_to_narrow():
    with pytest.raises(RenderError) as e:
        state_graph_dot(get_spec("VS-machine").build({}))
    for flag in ("--vars", "--around", "--project", "--mapping", "--hide-internal", "--scope", "--max-states"):
        assert flag in str(e.value)
    with pytest.raises(RenderError, match=r"projected state graph .* more than 3 nodes"):
        state_graph_dot(_to(), project=["queue"], max_states=3)


# -- counterexamples to induction ------------------------------------------------------------------


def test_cti_figure_shows_pre_action_post_and_the_broken_invariant():
    from ioakit.engines.prove import Prover
    from ioakit.invariants import load_invariants
    from ioakit.render import witness_dot

    m = get_spec("TO-machine").build({"processors": 1, "values": 1, "max_inputs": 2})
    props = load_invariants(Path(GALLERY / "to_queue_bound.inv"), m).properties
    (cti, *_) = Prover(m, 30).induction(props).ctis
    g = _parse(witness_dot(cti))
    names = {n.get_name() for n in g.get_nodes()}
    assert {"pre", "post", "broken"} <= names
    (step,) = [e for e in g.get_edges() if (e.get_source(), e.get_destination()) == ("pre", "post")]
    assert _unquote(step.get_label()) == cti.label
    post = next(n for n in g.get_nodes() if n.get_name() == "post").get_label()
    changed = {n for (n, _), a, b in zip(m.variables, cti.pre, cti.post) if a != b}
    assert post.count('BGCOLOR="#ffe08a"') == 2 * len(changed) > 0
    broken = next(n for n in g.get_nodes() if n.get_name() == "broken").get_label()
    assert "queue_bound" in broken and "ours (docs/gallery.md)" in broken


# -- message charts ----------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "traces" / "examples"
GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"


def _chart(name: str) -> pydot.Dot:
    from ioakit.traces.format import read_trace

    header, events = read_trace(EXAMPLES / name)
    return _parse(message_chart_dot(header, events))


def _arrows(g: pydot.Dot) -> list[tuple[str, str, str]]:
    return [
        (e.get_source(), e.get_destination(), _unquote(e.get_attributes().get("xlabel")))
        for e in g.get_edges()
        if e.get_attributes().get("constraint") == "false"
    ]


def test_vs_chart_lifelines_rows_and_messages():
    g = _chart("vs-machine-execution.jsonl")
    heads = {_unquote(n.get_label()) for n in g.get_nodes() if n.get_name()[:1] == "h"}
    assert heads == {"event", "p1", "p2", "p3", "VS-machine\\n(no process)"}
    rows = [n for n in g.get_nodes() if n.get_name()[:1] == "t"]
    assert len(rows) == 13
    # Lemma 4.2's cause: events 2 and 3 (gprcv m1 at p1, p2) from event 0, event 11 from event 9;
    # p3's gpsnd m2 at event 5 (view ⊥) is dropped and sends nothing; columns: p1=1, p2=2, p3=3
    assert sorted(_arrows(g)) == [("n1_0", "n1_2", "m1"), ("n1_0", "n2_3", "m1"), ("n2_9", "n3_11", "m2")]
    views = [n for n in g.get_nodes() if "newview" in (n.get_label() or "")]
    assert {v.get_name() for v in views} == {"n3_7", "n2_8"}


def test_to_chart_matches_deliveries_with_broadcasts_in_order():
    g = _chart("to-machine-trace.jsonl")
    # bcast a1 at p1 (event 0), a2 at p2 (event 1); brcv a2 at p1 (4), at p2 (5); brcv a1 at p2 (6)
    assert sorted(_arrows(g)) == [("n1_0", "n2_6", "a1"), ("n2_1", "n1_4", "a2"), ("n2_1", "n2_5", "a2")]


def test_unmatched_receive_is_red():
    from ioakit.traces.format import Event, TraceHeader

    header = TraceHeader("TO-machine", {})
    events = [Event("brcv", "output", {"a": "a1", "p": "p1", "q": "p2"})]
    g = _parse(message_chart_dot(header, events))
    (node,) = [n for n in g.get_nodes() if "no matching send" in (n.get_label() or "")]
    assert node.get_attributes()["color"] == '"red"' and not _arrows(g)


def test_paxos_operations_are_intervals_and_crashes_are_marked():
    g = _chart("paxos-register-figure-1.jsonl")
    thick = [e for e in g.get_edges() if e.get_attributes().get("penwidth") == "6"]
    assert len(thick) == 4  # four operations, each invoked and answered on consecutive events
    labels = [_unquote(n.get_label()) for n in g.get_nodes()]
    assert {"write(1, v1)", "→ commit", "read(2)", "→ commit v1", "write(1, v2)", "→ abort"} <= set(labels)
    g = _chart("paxos-leader-figure-3.jsonl")
    (crash,) = [n for n in g.get_nodes() if _unquote(n.get_label()).startswith("crash")]
    assert crash.get_name() == "n1_6"
    down = [e for e in g.get_edges() if e.get_attributes().get("style") == '"dashed"']
    assert len(down) == 16 - 1 - 6  # p1 stays down from event 6 to the last event, 15
    assert any("stabilize: Ω trusts p2" in lab for lab in labels + [_unquote(n.get_label()) for n in g.get_nodes()])


def test_malformed_history_is_refused_with_its_line():
    from ioakit.traces.format import TraceFormatError, loads_trace

    text = (
        '{"format":"ioakit-trace","version":1,"automaton":"round-based-register","scope":{}}\n'
        '{"action":"write-return","kind":"output","args":{"p":"p1","status":"commit"}}\n'
    )
    header, events = loads_trace(text, "h.jsonl")
    with pytest.raises(TraceFormatError, match=r"h\.jsonl:2: .*no pending write"):
        message_chart_dot(header, events, source="h.jsonl")


def test_long_trace_is_refused():
    from ioakit.traces.format import read_trace

    header, events = read_trace(EXAMPLES / "vs-machine-execution.jsonl")
    with pytest.raises(RenderError, match=r"more than 5 events.*head -n 6.*--max-events"):
        message_chart_dot(header, events, max_events=5, source="x.jsonl")


ODD = 'he said "x" <b> & ⊥\nnext line \\ end'


def test_odd_values_are_escaped_everywhere(tmp_path):
    from ioakit.traces.format import Event, TraceHeader

    header = TraceHeader(ODD, {})
    events = [
        Event("gpsnd", "input", {"m": ODD, "p": "p<1>"}),
        Event("gprcv", "output", {"m": ODD, "p": "p<1>", "q": 'q"2'}),
        Event(ODD, "internal", {"x": ODD}),
    ]
    dot = message_chart_dot(header, events, source=ODD)
    g = _parse(dot)
    assert len(_arrows(g)) == 1
    heads = {_unquote(n.get_label()) for n in g.get_nodes() if n.get_name()[:1] == "h"}
    assert {"p<1>", 'q"2'} <= heads
    assert any("he said" in line and "next line" in line for line in dot.splitlines())  # newlines escaped
    m = _to()
    s0 = m.start_states[0]
    dot2 = cti_dot(m, s0, ODD, s0, [ODD])
    assert "&lt;b&gt; &amp; ⊥<BR/>next line" in dot2
    _parse(dot2)
    if shutil.which("dot"):
        write_picture(dot, tmp_path / "odd.svg")
        write_picture(dot2, tmp_path / "odd2.svg")
        assert "⊥" in (tmp_path / "odd.svg").read_text()


def test_chart_is_deterministic():
    from ioakit.traces.format import read_trace

    for name in sorted(p.name for p in EXAMPLES.glob("*.jsonl")):
        a = message_chart_dot(*read_trace(EXAMPLES / name))
        b = message_chart_dot(*read_trace(EXAMPLES / name))
        assert a == b and a.startswith("digraph ")  # parsed structurally by the tests above


# -- the gallery -------------------------------------------------------------------------------------

GALLERY_COMMAND = re.compile(r"^\$ ioakit render (.+) -o docs/gallery/([\w-]+)\.svg$", re.MULTILINE)


def test_gallery_commands_reproduce_their_dot(tmp_path, monkeypatch, capsys):
    """Each command of docs/gallery.md, re-run to DOT, gives its checked-in .dot byte for byte
    (IOAKIT_UPDATE_EXPECT=1 rewrites the .dot and .svg files)."""
    from ioakit.cli import main

    root = GALLERY.parents[1]
    commands = GALLERY_COMMAND.findall((root / "docs" / "gallery.md").read_text(encoding="utf-8"))
    assert len(commands) >= 8
    monkeypatch.chdir(root)
    update = bool(os.environ.get("IOAKIT_UPDATE_EXPECT"))
    for argv, name in commands:
        out = tmp_path / f"{name}.dot"
        assert main(["render", *shlex.split(argv), "-o", str(out)]) == 0, capsys.readouterr().err
        want = GALLERY / f"{name}.dot"
        if update:
            write_picture(out.read_text(encoding="utf-8"), want, force=True)
            write_picture(out.read_text(encoding="utf-8"), GALLERY / f"{name}.svg", force=True)
        assert want.exists(), f"missing {want.name}; run with IOAKIT_UPDATE_EXPECT=1"
        assert out.read_text(encoding="utf-8") == want.read_text(encoding="utf-8"), f"{name}: the figure changed"
        assert (GALLERY / f"{name}.svg").exists()
    drawn = {p.stem for p in GALLERY.glob("*.svg")}
    assert drawn == {name for _, name in commands}, "an SVG in docs/gallery/ no command of gallery.md makes"


# -- the command line ----------------------------------------------------------------------------------


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    from ioakit.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


TINY = ("--scope", "processors=1,values=1,max_inputs=2")


def test_cli_trace_file_is_a_message_chart(tmp_path, capsys):
    out = tmp_path / "chart.dot"
    code, stdout, _ = _run(capsys, "render", str(EXAMPLES / "to-machine-trace.jsonl"), "-o", str(out), "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["picture"] == "message chart" and data["automaton"] == "TO-machine"
    assert len(_arrows(_parse(out.read_text(encoding="utf-8")))) == 3
    code, _, err = _run(capsys, "render", str(EXAMPLES / "to-machine-trace.jsonl"), "-o", str(out))
    assert code == 2 and "not overwriting" in err
    code, _, err = _run(capsys, "render", str(EXAMPLES / "to-machine-trace.jsonl"), "--project", "q", "-o", "x.dot")
    assert code == 2 and "--project: for a machine, not a trace file" in err
    code, _, err = _run(capsys, "render", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "m.dot"))
    assert code == 2 and "missing.jsonl: No such file" in err and not (tmp_path / "m.dot").exists()


def test_cli_state_graph_options(tmp_path, capsys):
    out = tmp_path / "g.dot"
    argv = ["render", "TO-machine", *TINY, "--around", "s1", "--radius", "1", "--vars", "queue", "-o", str(out)]
    assert _run(capsys, *argv)[0] == 0
    nodes, _ = _drawn(out.read_text(encoding="utf-8"))
    m = get_spec("TO-machine").build({"processors": 1, "values": 1, "max_inputs": 2})
    _, steps = _graph(m)
    near = {1} | {j for i, _, j, _ in steps if i == 1} | {i for i, _, j, _ in steps if j == 1}
    assert nodes == {f"s{j}" for j in near}
    code, _, err = _run(capsys, "render", "TO-machine", "--mapping", "nope", "-o", str(tmp_path / "n.dot"))
    assert code == 2 and "no refinement mapping named 'nope'" in err
    code, _, err = _run(capsys, "render", "VS-machine", "-o", str(tmp_path / "vs.dot"))
    assert code == 2 and "--around" in err and "--project" in err and "Traceback" not in err


def test_cli_cti(tmp_path, capsys):
    out = tmp_path / "cti.dot"
    inv = str(GALLERY / "to_queue_bound.inv")
    code, stdout, _ = _run(capsys, "render", "TO-machine", *TINY, "--cti", inv, "-o", str(out))
    assert code == 0 and "queue_bound not preserved by to_order" in stdout
    assert {"pre", "post", "broken"} <= {n.get_name() for n in _parse(out.read_text(encoding="utf-8")).get_nodes()}
    none = tmp_path / "none.dot"
    code, stdout, _ = _run(capsys, "render", "TO-machine", *TINY, "--cti", "to_machine", "-o", str(none))
    assert code == 0 and "nothing drawn" in stdout and not none.exists()
    code, _, err = _run(capsys, "render", "TO-machine", *TINY, "--cti", "to_machine", "--only", "nope", "-o", str(none))
    assert code == 2 and "no invariant named nope" in err


def test_steps_cut_by_the_bounds_are_counted_in_the_caption():
    """tests/models/token_ring.py: at its default scope one pass would leave the bound of
    ``passes``; the picture does not draw it, and says so."""
    from models.token_ring import TokenRing

    m = TokenRing().build({})
    r = Explorer(m).allow_bound_hits().run()
    label = _unquote(_parse(state_graph_dot(m)).get_attributes()["label"])
    assert r.bound_hits > 0
    assert f"{r.bound_hits} step{'s' if r.bound_hits != 1 else ''} cut off by the scope's bounds" in label
    assert "cut off" not in _unquote(_parse(state_graph_dot(_to())).get_attributes()["label"])


def test_vs_arrows_follow_lemma_4_2_cause_not_the_first_equal_send():
    """p2 (outside P0, view ⊥) sends m1, which VS-machine drops (Fig. 5); after both join view g1,
    p2 sends m1 again and p1 receives it: the arrow starts at the second send (Lemma 4.2(1): the
    same view at sender and receiver), where matching by message alone would take the first."""
    from ioakit.traces.format import Event, TraceHeader

    v = {"id": "g1", "set": ["p1", "p2"]}
    events = [
        Event("gpsnd", "input", {"m": "m1", "p": "p2"}),
        Event("newview", "output", {"v": v, "p": "p2"}),
        Event("newview", "output", {"v": v, "p": "p1"}),
        Event("gpsnd", "input", {"m": "m1", "p": "p2"}),
        Event("gprcv", "output", {"m": "m1", "p": "p2", "q": "p1"}),
    ]
    g = _parse(message_chart_dot(TraceHeader("VS-machine", {"P": 2, "P0": ["p1"]}), events))
    assert _arrows(g) == [("n2_3", "n1_4", "m1")]
    # without P0 the header does not say which views the sends were made in: the first equal send
    g = _parse(message_chart_dot(TraceHeader("TO-like", {}), events))
    assert _arrows(g) == [("n2_0", "n1_4", "m1")]


def test_narrowing_explores_at_most_the_explore_limit():
    m = get_spec("VS-machine").build({})
    with pytest.raises(RenderError, match=r"more than 100 states to explore before narrowing.*--explore-limit"):
        state_graph_dot(m, project=["created"], explore_limit=100)
    with pytest.raises(RenderError, match="reached only by internal steps"):
        state_graph_dot(_to(), hide_internal=True, around="s5", radius=0)  # s5: only after to_order
