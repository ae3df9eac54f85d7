"""Pictures for papers: state graphs, executions and counterexamples to induction, via Graphviz.

The DOT text is built here, deterministically (states in breadth-first order, actions in
declaration order), so a figure does not change between runs. Every label is escaped for
Graphviz's HTML-like labels, so odd names (quotes, ``<``, ``⊥``, ``⟨⟩``) cannot break the file.
A state graph larger than ``max_states`` is refused with a message rather than drawn
unreadably or crashing Graphviz.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ioakit.backends.codegen import compile_predicates
from ioakit.engines.explore import Execution, Property
from ioakit.errors import UserError
from ioakit.lang.automaton import Machine

FORMATS = ("dot", "svg", "png", "pdf")


class RenderError(UserError):
    """A picture cannot be made (graph too large, unknown format, dot missing, file exists)."""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _state_label(m: Machine, s: Sequence[Any], changed: set[str] | None = None, title: str = "") -> str:
    rows = []
    if title:
        rows.append(f'<TR><TD COLSPAN="2"><B>{_esc(title)}</B></TD></TR>')
    for (n, t), v in zip(m.variables, s):
        if n in m.hidden_vars:
            continue
        style = ' BGCOLOR="#ffe08a"' if changed and n in changed else ""
        rows.append(f'<TR><TD ALIGN="LEFT"{style}>{_esc(n)}</TD><TD ALIGN="LEFT"{style}>{_esc(t.show(v))}</TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"


def _changed(m: Machine, a: Sequence[Any], b: Sequence[Any]) -> set[str]:
    return {n for (n, _), x, y in zip(m.variables, a, b) if x != y}


def _header(name: str) -> list[str]:
    return [
        f"digraph {_quote(name)} {{",
        '  graph [rankdir=TB, fontname="Helvetica", labelloc=t];',
        '  node [shape=plaintext, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def state_graph_dot(
    m: Machine,
    max_states: int = 200,
    props: Sequence[Property] = (),
    highlight: Execution | None = None,
) -> str:
    """The reachable state graph: start states bold, states violating ``props`` red,
    the steps of ``highlight`` (e.g. a counterexample) drawn thick and red."""
    succ = m.compiled().successors
    checks = compile_predicates(m, [p.term for p in props])
    index: dict[tuple[Any, ...], int] = {}
    order: list[tuple[Any, ...]] = []
    edges: list[tuple[int, int, str]] = []
    for s in m.start_states:
        if s not in index:
            index[s] = len(order)
            order.append(s)
    i = 0
    while i < len(order):
        s = order[i]
        for k, ns in succ(s):
            if ns is None:
                continue
            if ns not in index:
                if len(order) >= max_states:
                    raise RenderError(
                        f"the state graph of {m.name} at scope {m.scope} has more than {max_states} states; "
                        f"narrow the scope or raise --max-states (large graphs are unreadable when drawn)"
                    )
                index[ns] = len(order)
                order.append(ns)
            edges.append((i, index[ns], m.label_of(k, s)))
        i += 1
    path_edges: set[tuple[int, int, str]] = set()
    if highlight is not None:
        prev = highlight.start
        for k, st in highlight.steps:
            if prev in index and st in index:
                path_edges.add((index[prev], index[st], m.label_of(k, prev)))
            prev = st
    lines = _header(f"{m.name} {m.scope}")
    lines.append(f"  label={_quote(f'{m.name}  [{m.scope}]  {len(order)} states')};")
    starts = set(m.start_states)
    for j, s in enumerate(order):
        bad = [p.name for p, c in zip(props, checks) if not c(s)]
        title = f"s{j}" + (" (start)" if s in starts else "") + (f" violates {', '.join(bad)}" if bad else "")
        attrs = [f"label={_state_label(m, s, title=title)}"]
        if bad:
            attrs.append('color="red", fontcolor="red"')
        lines.append(f"  s{j} [{', '.join(attrs)}];")
    for a, b, lab in edges:
        style = ', color="red", penwidth=2.5' if (a, b, lab) in path_edges else ""
        lines.append(f"  s{a} -> s{b} [label={_quote(lab)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


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


def write_picture(dot_text: str, path: str | Path, force: bool = False) -> Path:
    """Write ``dot_text`` to ``path``; the suffix picks the format (.dot .svg .png .pdf).

    Refuses to overwrite an existing file unless ``force``.
    """
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise RenderError(f"{p}: unknown picture format {fmt!r}; use one of {', '.join('.' + f for f in FORMATS)}")
    if p.exists() and not force:
        raise RenderError(f"{p} exists; not overwriting it (use --force)")
    if fmt == "dot":
        p.write_text(dot_text)
        return p
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError("graphviz 'dot' is not installed (run scripts/setup, or write a .dot file)")
    proc = subprocess.run([dot, f"-T{fmt}", "-o", str(p)], input=dot_text.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RenderError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return p
