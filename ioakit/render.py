"""Pictures for papers: state graphs, executions, counterexamples to induction and
message-sequence charts of recorded traces, via Graphviz.

The DOT text is built here, deterministically (states in breadth-first order, actions in
declaration order, processes in domain order, events in file order), so the same input gives
byte-identical DOT and a figure does not change between runs. Every label is escaped — HTML-like
labels with ``html.escape`` and ``<BR/>`` for newlines, quoted strings with backslash escapes — so
odd names (quotes, ``<``, ``&``, ``⊥``, ``⟨⟩``, newlines) cannot break the file. A picture larger
than its limit is refused with a message that says how to narrow it, rather than drawn unreadably
or crashing Graphviz.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Execution, Property
from ioakit.errors import UserError
from ioakit.files import new_output_path, writable_path, write_atomically
from ioakit.lang.automaton import Machine

if TYPE_CHECKING:  # loaded lazily by the calls that use them (z3, refinement, traces)
    from ioakit.engines.prove import StepWitness
    from ioakit.refinement.mapping import Mapping as RefinementMapping
    from ioakit.traces.format import Event, TraceHeader

FORMATS = ("dot", "svg", "png", "pdf")

NARROWING = (
    "narrow it: --around STATE --radius K (a neighbourhood), --project VARS or --mapping NAME "
    "(collapse states), --hide-internal (contract internal steps), --vars a,b (fewer rows per "
    "state), a smaller --scope, or raise --max-states"
)
"""How to make a state graph smaller: said by every refusal of a large one."""


class RenderError(UserError):
    """A picture cannot be made (graph too large, unknown format, dot missing, file exists)."""


# -- escaping ------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """Text for an HTML-like label: markup characters escaped, newlines as ``<BR/>``."""
    return html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=True).replace("\n", "<BR/>")


def _quote(s: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, a newline as DOT's ``\\n``."""
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _table(rows: Sequence[tuple[str, str, bool]], title: str = "") -> str:
    """An HTML-like table label: a bold title row, then (name, value, highlighted) rows."""
    out = []
    if title:
        out.append(f'<TR><TD COLSPAN="2"><B>{_esc(title)}</B></TD></TR>')
    for n, v, hl in rows:
        style = ' BGCOLOR="#ffe08a"' if hl else ""
        out.append(f'<TR><TD ALIGN="LEFT"{style}>{_esc(n)}</TD><TD ALIGN="LEFT"{style}>{_esc(v)}</TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(out) + "</TABLE>>"


def _state_label(
    m: Machine,
    s: Sequence[Any],
    changed: set[str] | None = None,
    title: str = "",
    variables: Sequence[str] | None = None,
    marked: set[str] | None = None,
) -> str:
    """A state as a table of its variables (``variables``, else every visible one), the
    ``changed`` ones highlighted and the ``marked`` ones prefixed with ``*``."""
    shown = set(variables) if variables is not None else None
    rows = []
    for (n, t), v in zip(m.variables, s):
        if shown is not None and n not in shown:
            continue
        if shown is None and n in m.hidden_vars:
            continue
        name = f"* {n}" if marked and n in marked else n
        rows.append((name, t.show(v), bool(changed and n in changed)))
    return _table(rows, title)


def _changed(m: Machine, a: Sequence[Any], b: Sequence[Any]) -> set[str]:
    return {n for (n, _), x, y in zip(m.variables, a, b) if x != y}


def _header(name: str, rankdir: str = "TB") -> list[str]:
    return [
        f"digraph {_quote(name)} {{",
        f'  graph [rankdir={rankdir}, fontname="Helvetica", labelloc=t];',
        '  node [shape=plaintext, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]


# -- state graphs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One edge of a reachable state graph: state ``src`` --``label``--> state ``dst`` (indices
    into ``ReachableGraph.states``); ``external`` for input and output actions."""

    src: int
    dst: int
    label: str
    external: bool


@dataclass(frozen=True)
class ReachableGraph:
    """The reachable states of a machine in breadth-first order (the start states first, then
    each state's successors in the order of the machine's action instances) and its steps."""

    machine: Machine = field(repr=False)
    states: tuple[tuple[Any, ...], ...]
    steps: tuple[Step, ...]
    starts: frozenset[int]
    cut: int = 0
    """Steps cut off by the scope's bounds (``ioakit.engines.bounds``): not drawn, but counted."""

    def index(self) -> dict[tuple[Any, ...], int]:
        return {s: i for i, s in enumerate(self.states)}


def reachable_graph(m: Machine, limit: int, too_many: Callable[[int], str] | None = None) -> ReachableGraph:
    """Explore ``m`` breadth-first into a :class:`ReachableGraph`; more than ``limit`` states is a
    ``RenderError`` with the text ``too_many(limit)``."""
    succ = m.compiled().successors
    external = [a.kind.external for a in m.actions]
    index: dict[tuple[Any, ...], int] = {}
    order: list[tuple[Any, ...]] = []
    steps: list[Step] = []
    for s in m.start_states:
        if s not in index:
            index[s] = len(order)
            order.append(s)
    starts = frozenset(range(len(order)))
    cut = 0
    i = 0
    while i < len(order):
        s = order[i]
        for k, ns in succ(s):
            if ns is None:  # the step would leave the scope's bounds
                cut += 1
                continue
            if ns not in index:
                if len(order) >= limit:
                    msg = too_many(limit) if too_many else f"{m.name} has more than {limit} reachable states"
                    raise RenderError(msg)
                index[ns] = len(order)
                order.append(ns)
            steps.append(Step(i, index[ns], m.label_of(k, s), external[k]))
        i += 1
    return ReachableGraph(m, tuple(order), tuple(steps), starts, cut)


def contract_internal(g: ReachableGraph) -> tuple[list[int], list[Step]]:
    """The graph with internal steps contracted (FLS Sec. 2: a trace is the subsequence of
    external actions of an execution).

    Its nodes are the start states and the post-states of external steps, in breadth-first order;
    it has an edge ``s --a--> t`` iff the machine can go from ``s`` by zero or more internal steps
    and then one external step ``a`` to ``t``. So the label sequences of its paths from a start
    state are exactly the machine's finite traces at the scope (up to trailing internal steps,
    which a trace does not show), and each node is a state the machine is in right after an
    external step. States reached only by internal steps are not drawn."""
    out_int: dict[int, list[int]] = {}
    out_ext: dict[int, list[Step]] = {}
    for st in g.steps:
        if st.external:
            out_ext.setdefault(st.src, []).append(st)
        else:
            out_int.setdefault(st.src, []).append(st.dst)
    kept = sorted(g.starts | {st.dst for st in g.steps if st.external})
    edges: list[Step] = []
    seen: set[tuple[int, int, str]] = set()
    for a in kept:
        closure = [a]
        reached = {a}
        j = 0
        while j < len(closure):
            for b in out_int.get(closure[j], ()):
                if b not in reached:
                    reached.add(b)
                    closure.append(b)
            j += 1
        for c in closure:
            for st in out_ext.get(c, ()):
                key = (a, st.dst, st.label)
                if key not in seen:
                    seen.add(key)
                    edges.append(Step(a, st.dst, st.label, True))
    return kept, edges


def _neighbourhood(nodes: list[int], edges: list[Step], centres: set[int], radius: int) -> set[int]:
    """The nodes at most ``radius`` steps from a centre, following edges either way."""
    adj: dict[int, list[int]] = {}
    for e in edges:
        adj.setdefault(e.src, []).append(e.dst)
        adj.setdefault(e.dst, []).append(e.src)
    dist = {c: 0 for c in centres}
    todo = deque(sorted(centres))
    while todo:
        x = todo.popleft()
        if dist[x] == radius:
            continue
        for y in adj.get(x, ()):
            if y not in dist:
                dist[y] = dist[x] + 1
                todo.append(y)
    return {n for n in nodes if n in dist}


def parse_state_ref(m: Machine, g: ReachableGraph, ref: str) -> set[int]:
    """The reachable states ``ref`` names: a state index ``N`` or ``sN`` (the breadth-first number
    shown in an unprojected picture), or a JSON object giving some variables' values (in the trace
    format's encoding, ``traces/FORMAT.md`` section 4): every reachable state that agrees on them."""
    text = ref.strip()
    num = text[1:] if text[:1] == "s" else text
    if num.isdigit():
        i = int(num)
        if i >= len(g.states):
            raise RenderError(
                f"--around {ref}: {m.name} has {len(g.states)} reachable states, s0 … s{len(g.states) - 1}"
            )
        return {i}
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise RenderError(f"--around {ref!r}: neither a state number (s3, 3) nor a JSON object ({e.msg})") from None
    if not isinstance(obj, dict) or not obj:
        raise RenderError(f"--around {ref!r}: give a state number or a JSON object of variable values")
    want: list[tuple[int, Any]] = []
    for name, value in obj.items():
        if name not in m.var_names:
            raise RenderError(f"--around: {m.name} has no variable {name!r}; it has {', '.join(m.var_names)}")
        i = m.var_index(name)
        try:
            want.append((i, m.variables[i][1].from_json(value)))
        except Exception as e:  # a value of the wrong shape: the user's input, said as such
            raise RenderError(f"--around: {value!r} is not a value of {name} ({e})") from None
    found = {j for j, s in enumerate(g.states) if all(s[i] == v for i, v in want)}
    if not found:
        raise RenderError(f"--around {ref}: no reachable state of {m.name} at scope {m.scope} has these values")
    return found


def _check_vars(m: Machine, names: Sequence[str], flag: str) -> list[str]:
    unknown = [n for n in names if n not in m.var_names]
    if unknown:
        raise RenderError(f"{flag}: {m.name} has no variable {', '.join(unknown)}; it has {', '.join(m.var_names)}")
    if not names:
        raise RenderError(f"{flag}: name at least one variable")
    return list(dict.fromkeys(names))


def state_graph_dot(
    m: Machine,
    max_states: int = 200,
    props: Sequence[Property] = (),
    highlight: Execution | None = None,
    *,
    variables: Sequence[str] | None = None,
    hide_internal: bool = False,
    project: Sequence[str] | None = None,
    mapping: RefinementMapping | None = None,
    around: str | None = None,
    radius: int = 1,
    explore_limit: int = 100_000,
) -> str:
    """The reachable state graph as DOT: start states bold-titled, states violating ``props`` red,
    the steps of ``highlight`` (e.g. a counterexample) thick and red.

    Narrowing, applied in this order:

    * ``hide_internal`` — internal steps contracted (:func:`contract_internal`: an edge
      ``s --a--> t`` means τ*·a from ``s`` reaches ``t``; paths spell the finite traces);
    * ``around`` (with ``radius``) — only the states at most ``radius`` steps (either direction)
      from the states ``around`` names (:func:`parse_state_ref`);
    * ``project`` (variable names) or ``mapping`` (a bound refinement mapping, its ``f``) — states
      collapsed by their projection: one node per value, an edge per distinct (source value,
      action label, target value) whose values differ; a step whose projection does not change is
      a *stutter step* (for a refinement mapping, an implementation step that maps to no step of
      the specification): a node's stutter steps are drawn as one dashed loop naming their action
      families and counting their distinct labels. A node is red when some state it stands for
      violates a property; states where ``f`` is undefined collapse into one node per failing
      definedness condition.

    Steps the scope's bounds cut off are not drawn; the caption counts them (bounds are never
    silent). ``variables`` chooses the rows of each (unprojected) state. States keep their
    breadth-first number ``sN`` of the full graph under every option, so ``--around sN`` names
    what a picture shows. More than ``max_states`` nodes to draw is a ``RenderError`` saying how
    to narrow; when narrowing, at most ``explore_limit`` states are explored first.
    """
    if (project is not None) and (mapping is not None):
        raise RenderError("--project and --mapping are two projections; give one")
    if variables is not None and (project is not None or mapping is not None):
        raise RenderError(
            "--vars chooses the rows of unprojected states; with --project or --mapping the rows are the projection's"
        )
    shown = _check_vars(m, variables, "--vars") if variables is not None else None
    proj = _check_vars(m, project, "--project") if project is not None else None
    if radius < 0:
        raise RenderError(f"--radius must be at least 0, got {radius}")
    narrowed = hide_internal or around is not None or proj is not None or mapping is not None

    def too_many(limit: int) -> str:
        what = f"the state graph of {m.name} at scope {m.scope} has more than {limit} states"
        if narrowed:
            return f"{what} to explore before narrowing; use a smaller --scope or raise --explore-limit"
        return f"{what}; {NARROWING} (large graphs are unreadable when drawn)"

    g = reachable_graph(m, explore_limit if narrowed else max_states, too_many)
    nodes: list[int] = list(range(len(g.states)))
    edges: list[Step] = list(g.steps)
    if hide_internal:
        nodes, edges = contract_internal(g)
    if around is not None:
        named = parse_state_ref(m, g, around)
        centres = named & set(nodes)
        if not centres:
            raise RenderError(
                f"--around: s{min(named)} is reached only by internal steps, so --hide-internal does not draw it"
            )
        keep = _neighbourhood(nodes, edges, centres, radius)
        nodes = [n for n in nodes if n in keep]
        edges = [e for e in edges if e.src in keep and e.dst in keep]
    # the highlighted path, as edges of the graph drawn so far
    path: set[tuple[int, int, str]] = set()
    if highlight is not None:
        idx = g.index()
        prev = idx.get(tuple(highlight.start))
        last_kept = prev
        for k, st in highlight.steps:
            cur = idx.get(tuple(st))
            if prev is None or cur is None:
                break
            label = m.label_of(k, g.states[prev])
            if not hide_internal:
                path.add((prev, cur, label))
            elif m.actions[k].kind.external:
                path.add((last_kept, cur, label))  # type: ignore[arg-type]
                last_kept = cur
            prev = cur
    checks = compile_predicates(m, [p.term for p in props])
    node_set = set(nodes)

    def violated(i: int) -> list[str]:
        return [p.name for p, c in zip(props, checks) if not c(g.states[i])]

    if proj is None and mapping is None:
        if len(nodes) > max_states:
            raise RenderError(
                f"the state graph of {m.name} at scope {m.scope} has more than {max_states} states to draw; {NARROWING}"
            )
        how = _how(hide_internal, around, radius, g.cut)
        lines = _header(f"{m.name} {m.scope}")
        lines.append(f"  label={_quote(f'{m.name}  [{m.scope}]  {len(nodes)} states{how}')};")
        for j in nodes:
            bad = violated(j)
            title = f"s{j}" + (" (start)" if j in g.starts else "") + (f" violates {', '.join(bad)}" if bad else "")
            attrs = [f"label={_state_label(m, g.states[j], title=title, variables=shown)}"]
            if bad:
                attrs.append('color="red", fontcolor="red"')
            lines.append(f"  s{j} [{', '.join(attrs)}];")
        for e in edges:
            style = ', color="red", penwidth=2.5' if (e.src, e.dst, e.label) in path else ""
            lines.append(f"  s{e.src} -> s{e.dst} [label={_quote(e.label)}{style}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    # -- projection: one node per value of the projection -----------------------------------------
    key_of: dict[int, tuple[Any, ...]] = {}
    if mapping is not None:
        rows_of = _mapping_rows(mapping)
        for j in nodes:
            why, y = mapping.f_where_defined(g.states[j])
            key_of[j] = ("undefined", why) if y is None else ("f", y)
    else:
        pidx = [m.var_index(n) for n in proj]  # type: ignore[union-attr]
        types = [m.variables[i][1] for i in pidx]

        def rows_of(key: tuple[Any, ...]) -> list[tuple[str, str, bool]]:
            return [(n, t.show(v), False) for n, t, v in zip(proj, types, key[1])]  # type: ignore[arg-type]

        for j in nodes:
            key_of[j] = ("v", tuple(g.states[j][i] for i in pidx))
    cls: dict[tuple[Any, ...], int] = {}
    members: list[list[int]] = []
    for j in nodes:
        c = cls.setdefault(key_of[j], len(cls))
        if c == len(members):
            members.append([])
        members[c].append(j)
    if len(cls) > max_states:
        raise RenderError(
            f"the projected state graph of {m.name} at scope {m.scope} has more than {max_states} nodes "
            f"to draw; {NARROWING}"
        )
    keys = list(cls)
    pedges: list[tuple[int, int, str]] = []
    seen: set[tuple[int, int, str]] = set()
    stutter: dict[int, dict[str, None]] = {}  # node -> the labels of its stutter steps, in order
    for e in edges:
        key = (cls[key_of[e.src]], cls[key_of[e.dst]], e.label)
        if key[0] == key[1]:
            stutter.setdefault(key[0], {})[e.label] = None
        elif key not in seen:
            seen.add(key)
            pedges.append(key)
    ppath = {(cls[key_of[a]], cls[key_of[b]], lab) for a, b, lab in path if a in node_set and b in node_set}
    what = (
        f"f of {mapping.name} into {mapping.spec.name}" if mapping is not None else "projection on " + ", ".join(proj)
    )  # type: ignore[arg-type]
    how = _how(hide_internal, around, radius, g.cut)
    lines = _header(f"{m.name} {m.scope}")
    caption = f"{m.name}  [{m.scope}]  {len(nodes)} states, {len(keys)} values of the {what}{how}"
    lines.append(f"  label={_quote(caption + '; dashed: stutter steps')};")
    for c, key in enumerate(keys):
        mem = members[c]
        bad = sorted({n for j in mem for n in violated(j)}, key=[p.name for p in props].index)
        start = any(j in g.starts for j in mem)
        title = f"c{c}" + (" (start)" if start else "") + f"  {len(mem)} state{'s' if len(mem) != 1 else ''}"
        if bad:
            title += f"; some violate {', '.join(bad)}"
        if key[0] == "undefined":
            label = _table([("f undefined", str(key[1]), False)], title)
        else:
            label = _table(rows_of(key), title)
        attrs = [f"label={label}"]
        if bad or key[0] == "undefined":
            attrs.append('color="red", fontcolor="red"')
        lines.append(f"  c{c} [{', '.join(attrs)}];")
    for a, b, lab in pedges:
        style = ', color="red", penwidth=2.5' if (a, b, lab) in ppath else ""
        lines.append(f"  c{a} -> c{b} [label={_quote(lab)}{style}];")
    for c in sorted(stutter):
        labels = list(stutter[c])
        names = list(dict.fromkeys(lab.split("(", 1)[0] for lab in labels))
        text = f"stutter: {', '.join(names)} ({len(labels)} step{'s' if len(labels) != 1 else ''})"
        style = ', color="red", penwidth=2.5' if any((c, c, lab) in ppath for lab in labels) else ""
        lines.append(f'  c{c} -> c{c} [label={_quote(text)}, style="dashed"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _how(hide_internal: bool, around: str | None, radius: int, cut: int) -> str:
    """The caption's account of how the graph was narrowed, and of the steps the bounds cut."""
    parts = []
    if cut:
        parts.append(f"{cut} step{'s' if cut != 1 else ''} cut off by the scope's bounds, not drawn")
    if hide_internal:
        parts.append("internal steps contracted")
    if around is not None:
        parts.append(f"within {radius} step{'s' if radius != 1 else ''} of {around}")
    return "" if not parts else " (" + "; ".join(parts) + ")"


def _mapping_rows(mapping: RefinementMapping) -> Callable[[tuple[Any, ...]], list[tuple[str, str, bool]]]:
    spec = mapping.spec

    def rows(key: tuple[Any, ...]) -> list[tuple[str, str, bool]]:
        return [(n, t.show(v), False) for (n, t), v in zip(spec.variables, key[1]) if n not in spec.hidden_vars]

    return rows


def execution_dot(ex: Execution, title: str = "") -> str:
    """An execution as a chain of states; the variables each step changed are highlighted."""
    m = ex.machine
    lines = _header(title or f"execution of {m.name}")
    if title:
        lines.append(f"  label={_quote(title)};")
    lines.append(f"  x0 [label={_state_label(m, ex.start, title='start')}];")
    prev = ex.start
    for i, (k, st) in enumerate(ex.steps, 1):
        lines.append(f"  x{i} [label={_state_label(m, st, _changed(m, prev, st), title=f'after step {i}')}];")
        lines.append(f"  x{i - 1} -> x{i} [label={_quote(m.label_of(k, prev))}];")
        prev = st
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- counterexamples to induction ------------------------------------------------------------------


def cti_dot(
    m: Machine, pre: Sequence[Any], action: str, post: Sequence[Any], broken: Sequence[str], title: str = ""
) -> str:
    """A counterexample to induction: a pre-state satisfying the invariants, the action, and the
    post-state that breaks ``broken`` (changed variables highlighted)."""
    lines = _header("counterexample to induction")
    lines.append(f"  label={_quote(title or 'counterexample to induction: ' + ', '.join(broken) + ' broken')};")
    lines.append(f"  pre [label={_state_label(m, pre, title='pre-state (satisfies the invariants)')}];")
    post_title = "post-state (violates " + ", ".join(broken) + ")"
    lines.append(f'  post [label={_state_label(m, post, _changed(m, pre, post), title=post_title)}, color="red"];')
    lines.append(f'  pre -> post [label={_quote(action)}, color="red", penwidth=2];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def witness_dot(w: StepWitness, variables: Sequence[str] | None = None) -> str:
    """A counterexample to induction (``prove.CTI``) or a step counterexample
    (``prove.StepWitness``) as a figure: the pre-state (which satisfies the invariants assumed),
    the action, the post-state with the variables it changed highlighted, and a note naming each
    broken invariant with its reference and statement. Variables the action or the broken
    invariants read or write (``relevant_variables``) are marked ``*`` and listed; with
    ``variables`` only those rows are drawn (default: the relevant ones, else all)."""
    m = w.machine
    relevant = w.relevant_variables()
    rows = _check_vars(m, variables, "--vars") if variables is not None else (relevant or list(m.var_names))
    marked = set(relevant)
    changed = _changed(m, w.pre, w.post)
    broken = ", ".join(w.broken)
    lines = _header("counterexample to induction", rankdir="LR")
    lines.append(f"  label={_quote(f'{m.name} [{m.scope}]: {broken} not preserved by {w.label}')};")
    pre_title = "pre-state (satisfies " + ", ".join(w.assumed) + ")"
    post_title = "post-state (violates " + broken + ")"
    pre_label = _state_label(m, w.pre, title=pre_title, variables=rows, marked=marked)
    post_label = _state_label(m, w.post, changed, title=post_title, variables=rows, marked=marked)
    lines.append(f"  pre [label={pre_label}];")
    lines.append(f'  post [label={post_label}, color="red"];')
    lines.append(f'  pre -> post [label={_quote(w.label)}, color="red", penwidth=2];')
    notes = []
    for n in w.broken:
        p = w._broken_property(n)
        ref = f" ({p.reference})" if getattr(p, "reference", "") else ""
        desc = getattr(p, "description", "") or getattr(p, "statement", "") or ""
        notes.append((f"{n}{ref}", desc, False))
    lines.append(
        f'  broken [label={_table(notes, "broken invariant" + ("s" if len(notes) > 1 else ""))}, fontcolor="red"];'
    )
    lines.append('  post -> broken [style="dotted", arrowhead=none];')
    hidden = len(m.var_names) - len(rows)
    if hidden > 0 and variables is None:
        others = f"{hidden} other variable{'s' if hidden != 1 else ''} not shown"
        others += " (the step and the broken invariant neither read nor write them)"
        lines.append(f"  other [label={_quote(others)}, fontsize=9];")
        lines.append('  pre -> other [style="invis"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- message-sequence charts of recorded traces ------------------------------------------------------

_SEND = {"gpsnd": ("p", "m"), "bcast": ("p", "a")}
"""Send actions (traces/FORMAT.md section 5): the process argument and the message argument."""
_RECEIVE = {"gprcv": ("q", "p", "m", "gpsnd"), "brcv": ("q", "p", "a", "bcast")}
"""Receive actions: the receiver (destination) argument, the sender (origin), the message, and
the send action it matches (FLS Sec. 3.1, 4.1: the first subscript is the origin)."""
_AT_P = frozenset({"newview", "label", "confirm", "crash", "recover", "good", "bad", "ugly"})
_AT_Q = frozenset({"safe"})
_INVOCATIONS = frozenset({"read", "write", "propose", "leader"})
_RESPONSES = frozenset({"read-return", "write-return", "propose-return", "leader-return"})
_FAILURES = frozenset({"crash", "bad", "ugly"})
_REPAIRS = frozenset({"recover", "good"})
VS_AUTOMATA = frozenset({"VS-machine", "WeakVS-machine"})
"""Automata whose gprcv events are matched by Lemma 4.2's ``cause`` (FLS Sec. 4.1)."""
VSTOTO_PREFIX = "VStoTO-system"
"""VStoTO-system and its variants (FLS Section 6): VS-machine is a component, so the gprcv events
of their executions are matched by Lemma 4.2's ``cause`` too."""


def _show_value(v: Any) -> str:
    """A trace value for a chart: ⊥ for null, views as ⟨g, {p, q}⟩, compact otherwise."""
    if v is None:
        return "⊥"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str | int | float):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_show_value(x) for x in v) + "]"
    if isinstance(v, dict):
        if set(v) == {"id", "set"} and isinstance(v["set"], list):
            return f"⟨{_show_value(v['id'])}, {{{', '.join(_show_value(x) for x in v['set'])}}}⟩"
        return "{" + ", ".join(f"{k}: {_show_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canonical(action: str) -> str:
    return action.replace("_", "-").lower()


@dataclass
class _Mark:
    """One event placed on a lane: its text and its role (style)."""

    lane: str
    text: str
    role: str  # send receive view fail repair invoke respond local service


def _freeze(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _vs_cause(header: TraceHeader, events: Sequence[Event]) -> dict[int, int] | None:
    """Lemma 4.2's ``cause`` (gprcv/safe event → gpsnd event) when the header gives P0; else None."""
    from ioakit.traces.fls.checkers import check_vs_cause, vs_initial_members

    try:
        members = vs_initial_members(header.scope)
    except ValueError:
        return None
    return dict(check_vs_cause(events, members).cause)


def message_chart_dot(
    header: TraceHeader, events: Iterable[Event], max_events: int = 200, source: str = "<trace>"
) -> str:
    """A message-sequence (space-time) chart of a recorded trace (``traces/FORMAT.md``) as DOT.

    One lifeline per process (the processes named, in domain order), time downwards, one row per
    event (``rank=same``, so the layout is deterministic); a left column gives each event's index
    (and ``time``). Where an event happens is its ``at`` member, else its action's role
    (FORMAT.md section 5): the sender of ``gpsnd``/``bcast``, the receiver (second subscript)
    of ``gprcv``/``brcv``/``safe``, the processor of ``newview``, ``label``, ``confirm`` and of
    failure-status actions; the invoking process ``p`` of a Deconstructing Paxos operation and of
    ``crash``/``recover``. Events at no process (``createview``, ``vs-order``, ``to-order``, ``nu``,
    ``stabilize``, …) go on one extra lane named after the automaton.

    Messages are arrows from send to receive: a ``gprcv`` of a VS-machine (or VStoTO-system)
    trace with P0 in its header from its Lemma 4.2 ``cause`` (FLS Sec. 4.1, ``check_vs_cause``);
    any other receive from the earliest send of the same message by its origin not yet matched
    at that receiver (TO-machine's delivery order, FLS Fig. 2). A receive with no such send (for
    a gprcv: no cause, a Lemma 4.2 violation) is drawn red, "no matching send".
    ``safe`` is a mark at the receiver, ``newview`` a green mark; crashes and failures red.
    Deconstructing Paxos histories (Section 3; read with ``parse_history``, so a malformed one is
    refused with its line) draw each operation as an interval of the lifeline from invocation to
    response, labelled with the result; an operation abandoned by a crash ends at the crash, and
    the lifeline is dashed while the process is down. Long values are cut at 48 characters (…).
    More than ``max_events`` events is a ``RenderError`` saying how to narrow.
    """
    from ioakit.traces.format import domain_sort_key

    evs: list[Event] = []
    for e in events:
        evs.append(e)
        if len(evs) > max_events:
            raise RenderError(
                f"{source} has more than {max_events} events; a chart that long is unreadable: draw a prefix "
                f"(e.g. head -n {max_events + 1} {source} > part.jsonl) or raise --max-events"
            )
    service = header.automaton
    marks: list[_Mark] = []
    arrows: list[tuple[int, int, str]] = []  # (send index, receive index, message)
    unmatched: set[int] = set()
    intervals: dict[str, list[tuple[int, int, str]]] = {}  # lane -> (from row, to row, style)
    paxos = _paxos_history(header, evs, source)
    vs = header.automaton in VS_AUTOMATA or header.automaton.startswith(VSTOTO_PREFIX)
    cause = _vs_cause(header, evs) if vs else None
    open_sends: dict[tuple[str, str, str], list[int]] = {}  # (send action, sender, message) -> indices
    used: dict[tuple[str, str, str, str], int] = {}  # (send action, sender, message, receiver) -> count used
    for i, e in enumerate(evs):
        name = _canonical(e.action)
        a = e.args
        args_text = ", ".join(f"{k}={_show_value(v)}" for k, v in a.items())
        lane = e.at
        if name in _SEND and isinstance(a.get(_SEND[name][0]), str):
            p_arg, m_arg = _SEND[name]
            lane = lane or a[p_arg]
            msg = _show_value(a.get(m_arg))
            open_sends.setdefault((name, a[p_arg], _freeze(a.get(m_arg))), []).append(i)
            marks.append(_Mark(lane, _short(f"{e.action} {msg}"), "send"))
        elif name in _RECEIVE and all(isinstance(a.get(x), str) for x in _RECEIVE[name][:2]):
            q_arg, p_arg, m_arg, send = _RECEIVE[name]
            lane = lane or a[q_arg]
            msg = _show_value(a.get(m_arg))
            src: int | None
            if cause is not None and name == "gprcv":
                src = cause.get(i)
            else:
                key = (send, a[p_arg], _freeze(a.get(m_arg)))
                n = used.get((*key, a[q_arg]), 0)
                cands = [j for j in open_sends.get(key, []) if j < i]
                src = cands[n] if n < len(cands) else None
                if src is not None:
                    used[(*key, a[q_arg])] = n + 1
            text = _short(f"{e.action} {msg} from {a[p_arg]}")
            if src is None:
                unmatched.add(i)
                text += "\n(no matching send)"
            else:
                arrows.append((src, i, _short(msg, 32)))
            marks.append(_Mark(lane, text, "receive"))
        elif name in _AT_Q and isinstance(a.get("q"), str):
            marks.append(
                _Mark(
                    lane or a["q"],
                    _short(f"{e.action} {_show_value(a.get('m'))} from {_show_value(a.get('p'))}"),
                    "local",
                )
            )
        elif paxos is not None and i in paxos[0]:
            lane2, text, role = paxos[0][i]
            marks.append(_Mark(lane or lane2, text, role))
        elif name in _AT_P and isinstance(a.get("p"), str) and "q" not in a:
            role = (
                "view"
                if name == "newview"
                else "fail"
                if name in _FAILURES
                else "repair"
                if name in _REPAIRS
                else "local"
            )
            shown = (
                _show_value(a["v"])
                if name == "newview" and "v" in a
                else ", ".join(f"{k}={_show_value(v)}" for k, v in a.items() if k != "p")
            )
            marks.append(_Mark(lane or a["p"], _short(f"{e.action} {shown}".strip()), role))
        else:
            marks.append(_Mark(lane or service, _short(f"{e.action}({args_text})"), "service"))
    if paxos is not None:
        intervals = paxos[1]
    procs = sorted({mk.lane for mk in marks if mk.lane != service} | set(intervals) - {service}, key=domain_sort_key)
    lanes = procs + ([service] if any(mk.lane == service for mk in marks) else [])
    col = {ln: j for j, ln in enumerate(lanes, 1)}
    rows = len(evs)
    lines = [
        f"digraph {_quote('message chart of ' + header.automaton)} {{",
        '  graph [rankdir=TB, newrank=true, splines=line, nodesep=0.35, ranksep=0.22, fontname="Helvetica",'
        " labelloc=t];",
        '  node [fontname="Helvetica", fontsize=9];',
        '  edge [fontname="Helvetica", fontsize=8];',
        f"  label={_quote(f'{header.automaton}: {rows} events' + (f' ({source})' if source else ''))};",
    ]
    lines.append('  h0 [label="event", shape=plaintext];')
    for ln, j in col.items():
        title = ln if ln != service or ln in procs else f"{ln}\n(no process)"
        lines.append(f'  h{j} [label={_quote(title)}, shape=box, style="filled", fillcolor="#eeeeee"];')
    heads = ["h0", *(f"h{j}" for j in col.values())]
    lines.append("  { rank=same; " + "; ".join(heads) + "; }")
    if len(heads) > 1:
        lines.append("  " + " -> ".join(heads) + " [style=invis];")
    style_of = {
        "send": 'shape=box, style="rounded,filled", fillcolor="#fff3b0"',
        "receive": 'shape=box, style="rounded,filled", fillcolor="#cfe8fc"',
        "view": 'shape=box, style="rounded,filled,bold", fillcolor="#c7f0c2", color="#2a7d2a"',
        "fail": 'shape=box, style="filled", fillcolor="#f8b4b4", color="red", fontcolor="#8b0000"',
        "repair": 'shape=box, style="rounded,filled", fillcolor="#c7f0c2"',
        "invoke": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
        "respond": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
        "local": 'shape=box, style="rounded"',
        "service": 'shape=box, style="dashed"',
    }
    for r, (e, mk) in enumerate(zip(evs, marks)):
        when = f"{r}" + (f"  t={e.time:g}" if e.time is not None else "")
        lines.append(f"  t{r} [label={_quote(when)}, shape=plaintext];")
        row = [f"t{r}"]
        for ln, j in col.items():
            node = f"n{j}_{r}"
            row.append(node)
            if ln == mk.lane:
                extra = ', color="red", fontcolor="red"' if r in unmatched else ""
                lines.append(f"  {node} [label={_quote(mk.text)}, {style_of[mk.role]}{extra}];")
            else:
                lines.append(f'  {node} [label="", shape=point, width=0.04, color="gray60"];')
        lines.append("  { rank=same; " + "; ".join(row) + "; }")
        lines.append("  " + " -> ".join(row) + " [style=invis];")
    segment: dict[tuple[str, int], str] = {}
    for ln, spans in intervals.items():
        for a0, b0, style in spans:
            for r in range(a0, b0):
                segment[(ln, r)] = style
    for ln, j in col.items():
        chain = [f"h{j}", *(f"n{j}_{r}" for r in range(rows))]
        for r in range(len(chain) - 1):
            seg = segment.get((ln, r - 1), "") if r > 0 else ""
            attrs = 'dir=none, weight=100, color="gray60"'
            if seg == "op":
                attrs = 'dir=none, weight=100, penwidth=6, color="#9ecae1"'
            elif seg == "down":
                attrs = 'dir=none, weight=100, style="dashed", color="#d62728"'
            lines.append(f"  {chain[r]} -> {chain[r + 1]} [{attrs}];")
    for a0, b0, msg in arrows:
        ja, jb = col[marks[a0].lane], col[marks[b0].lane]
        ports = ', tailport="e", headport="e"' if ja == jb else ""  # beside the lifeline, not on it
        style = f'constraint=false, color="#1f77b4", fontcolor="#1f77b4"{ports}'
        lines.append(f"  n{ja}_{a0} -> n{jb}_{b0} [xlabel={_quote(msg)}, {style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _paxos_history(
    header: TraceHeader, evs: Sequence[Event], source: str
) -> tuple[dict[int, tuple[str, str, str]], dict[str, list[tuple[int, int, str]]]] | None:
    """For a Deconstructing Paxos history: each event's (lane, text, role), and per process the
    intervals (row from, row to, "op" or "down") of its operations and of its down times."""
    from ioakit.traces.paxos.operations import ABSTRACTIONS, parse_history

    if header.automaton not in ABSTRACTIONS:
        return None
    h = parse_history(evs, header.automaton, source)
    placed: dict[int, tuple[str, str, str]] = {}
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for op in h.operations:
        args = "" if op.name == "leader" else (f"{op.k}" if op.name == "read" else f"{op.k}, {op.v}")
        placed[op.inv] = (op.p, f"{op.name}({args})", "invoke")
        end = op.res if op.res is not None else op.crashed if op.crashed is not None else len(evs) - 1
        if op.res is not None:
            placed[op.res] = (op.p, f"→ {op.returned_as()}", "respond")
        spans.setdefault(op.p, []).append((op.inv, end, "op"))
    ups = sorted(h.recoveries)
    for i, p in h.crashes:
        abandoned = [op for op in h.operations if op.crashed == i]
        text = "crash" + (f" ({abandoned[0].name} abandoned)" if abandoned else "")
        placed[i] = (p, text, "fail")
        back = next((j for j, q in ups if q == p and j > i), len(evs) - 1)
        spans.setdefault(p, []).append((i, back, "down"))
    for i, p in h.recoveries:
        placed[i] = (p, "recover", "repair")
    for i, ell in h.stabilizations:
        placed[i] = (header.automaton, f"stabilize: Ω trusts {ell}", "service")
    return placed, spans


# -- what the command line draws ------------------------------------------------------------------


def first_counterexample(m: Machine, props: Sequence[Property], max_states: int) -> Execution | None:
    """A shortest execution to a state violating one of ``props`` (the first property violated,
    in their order), found by exhaustive exploration of at most ``max_states`` states; None when
    none is violated there (the picture then marks nothing)."""
    from ioakit.engines.explore import Explorer

    if not props:
        return None
    r = Explorer(m).check(list(props)).max_states(max_states).run()
    bad = [x for x in r.results if x.counterexample is not None]
    return bad[0].counterexample if bad else None


def is_trace_file(target: str) -> bool:
    """The rule of ``ioakit render TARGET``: a target whose name ends in ``.jsonl`` is a trace file
    (drawn as a message chart); anything else is a machine reference (a shipped name,
    ``file.py:Class``, ``module:Class``). Decided by the name alone, never by what exists on disk,
    so a file named like a machine cannot change what a command means."""
    return target.lower().endswith(".jsonl")


def trace_chart(path: str, max_events: int = 200) -> tuple[str, TraceHeader]:
    """The message chart (DOT) of the trace file at ``path`` and its header; a missing or
    malformed file is an input error naming it."""
    from ioakit.traces.format import read_trace
    from ioakit.traces.validate import validated_events

    try:
        header, events = read_trace(path)
        events = validated_events(header, events, path)  # no chart of events the automaton has not
        return message_chart_dot(header, events, max_events=max_events, source=path), header
    except OSError as e:
        raise RenderError(f"{path}: {e.strerror or e}") from None


# -- files -----------------------------------------------------------------------------------------


def check_picture_path(path: str | Path, force: bool = False) -> Path:
    """``path`` if a picture can be written there: a known format (.dot .svg .png .pdf), an
    existing folder, not an existing file unless ``force``; else a ``UserError``. Commands call it
    before their work (``prove --cti-dot``), so a result is never lost for want of a place."""
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise RenderError(f"{p}: unknown picture format {fmt!r}; use one of {', '.join('.' + f for f in FORMATS)}")
    try:
        return new_output_path(p, str(p), force)
    except RenderError:
        raise
    except UserError as e:  # the picture's own error type, as callers catch it
        raise RenderError(str(e)) from None


def write_picture(dot_text: str, path: str | Path, force: bool = False) -> Path:
    """Write ``dot_text`` to ``path``; the suffix picks the format (.dot .svg .png .pdf).

    Refuses to overwrite an existing file unless ``force``; writes atomically (``ioakit.files``).
    """
    p = check_picture_path(path, force)
    fmt = p.suffix.lstrip(".").lower()
    if fmt == "dot":
        return write_atomically(p, dot_text, str(p))
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError("graphviz 'dot' is not installed (run scripts/setup, or write a .dot file)")
    writable_path(p, str(p))  # a missing folder is refused before graphviz runs
    proc = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RenderError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return write_atomically(p, proc.stdout, str(p))  # an interrupt or a full disk leaves no half picture
